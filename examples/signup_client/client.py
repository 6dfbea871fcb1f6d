"""A tiny real-world-style client for two vendors: the code under test in this example.

It knows nothing about mockserver: it is pointed at a base URL and given credentials.
"""

from __future__ import annotations

from typing import Any

import httpx


class VaultsPayError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body.get('type')}: {body.get('message')}")
        self.status, self.body = status, body


class VaultsPayClient:
    """Logs in with client credentials, refreshes on TOKEN_EXPIRED, logs in again on SESSION_EXPIRED."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, http: httpx.Client | None = None) -> None:
        self.http = http or httpx.Client()
        self.base_url = base_url.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.access_token: str | None = None
        self.refresh_token: str | None = None

    def login(self) -> None:
        response = self.http.post(f"{self.base_url}/as/api/v1/saas-login", json={"clientId": self.client_id, "clientSecret": self.client_secret})
        if response.status_code != 200:
            raise VaultsPayError(response.status_code, response.json())
        tokens = response.json()
        self.access_token, self.refresh_token = tokens["accessToken"], tokens["refreshToken"]

    def refresh(self) -> None:
        response = self.http.post(f"{self.base_url}/as/api/v1/saas-refresh-token", json={"refreshToken": self.refresh_token})
        if response.status_code != 200:
            self.login()
            return
        self.access_token = response.json()["data"]["accessToken"]

    def create_user(self, first_name: str, last_name: str, email: str, status: str = "ACTIVE") -> dict[str, Any]:
        if self.access_token is None:
            self.login()
        body = {"firstName": first_name, "lastName": last_name, "email": email, "status": status}
        for attempt in range(2):
            response = self.http.post(f"{self.base_url}/as/api/v1/users", json=body, headers={"Authorization": f"Bearer {self.access_token}"})
            if response.status_code == 200:
                return dict(response.json()["data"])
            error = response.json()
            if attempt == 0 and error.get("type") == "TOKEN_EXPIRED":
                self.refresh()
            elif attempt == 0 and error.get("type") == "SESSION_EXPIRED":
                self.login()
            else:
                raise VaultsPayError(response.status_code, error)
        raise AssertionError("unreachable")


class StaffExists(Exception):
    pass


class ETelecomStaff:
    """Adds staff to an eTelecom shop (Twirp-style JSON RPC)."""

    def __init__(self, base_url: str, api_key: str, http: httpx.Client | None = None) -> None:
        self.http = http or httpx.Client()
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}

    def add(self, full_name: str, phone: str, password: str, roles: tuple[str, ...] = ("telecom_customerservice",)) -> str:
        # The service's Validate() requires at least one role ("Vui lòng chọn roles").
        body: dict[str, Any] = {"full_name": full_name, "phone": phone, "password": password, "roles": list(roles)}
        response = self.http.post(f"{self.base_url}.Shop/CreateAccountUser", json=body, headers=self.headers)
        if response.status_code == 412 and response.json()["code"] == "failed_precondition":
            raise StaffExists(response.json()["msg"])
        response.raise_for_status()
        return str(response.json()["id"])
