"""Shared constants and small HTTP helpers for the VaultsPay tests."""

from __future__ import annotations

from typing import Any

BASE = "/vaultspay"
USERS = f"{BASE}/as/api/v1/users"
LOGIN = f"{BASE}/as/api/v1/saas-login"
REFRESH = f"{BASE}/as/api/v1/saas-refresh-token"
KYC_PERSONAL = f"{BASE}/us/api/v1/kyc/personal"
KYC = f"{BASE}/us/api/v1/kyc"
CREDENTIALS = {"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"}

INVALID = {"code": 1000, "message": "Invalid payload. Please check your request.", "type": "INVALID_PAYLOAD"}
TOKEN_EXPIRED = {"code": 1003, "message": "Your access token has expired. Please get a new token.", "type": "TOKEN_EXPIRED"}
SESSION_EXPIRED = {"code": 1004, "message": "Your session has expired. Please login again.", "type": "SESSION_EXPIRED"}
UNAUTHORISED = {"code": 1001, "message": "You do not have permission to access this resource.", "type": "UNAUTHORISED"}
UNAUTHENTICATED = {"code": 1002, "message": "You are not authenticated. Please login to continue.", "type": "UNAUTHENTICATED"}
ACTION_REQUIRED = {"code": 1035, "message": "Please complete the prerequisite actions.", "type": "ACTION_REQUIRED"}
BAD_REQUEST = {"code": 1010, "message": "Invalid request.", "type": "BAD_REQUEST"}

# The update-personal-info page's request example (userId swapped per test).
PERSONAL_EXAMPLE: dict[str, Any] = {
    "userId": 5,
    "firstName": "Maluk",
    "lastName": "Antique",
    "nickName": "Maluk",
    "dob": "1990-05-15",
    "gender": "MALE",
    "maritalStatus": "SINGLE",
    "nationality": "PAK",
    "countryOfBirth": "USA",
    "countryOfResidence": "UKR",
    "tin": "0112133232",
    "language": "ENGLISH",
}
PERSONAL_KEYS = [
    "userId", "firstName", "lastName", "nickName", "dob", "gender", "maritalStatus", "nationality",
    "countryOfBirth", "countryOfResidence", "language", "tin", "status",
]
USER_KEYS = [
    "id", "parentId", "sessionId", "firstName", "lastName", "parent", "userType", "email",
    "username", "countryCode", "phone", "status", "fullName", "phoneNumber",
]


def invalid(*errors: tuple[str, str]) -> dict[str, Any]:
    return {**INVALID, "errors": [{"key": key, "reason": reason} for key, reason in errors]}


def fixture_headers(client: Any) -> dict[str, str]:
    return client.get("/__admin/vendors").json()["vaultspay"]["headers"]


def login(client: Any) -> dict[str, str]:
    response = client.post(LOGIN, json=CREDENTIALS)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def advance(client: Any, duration: str) -> None:
    assert client.post("/__admin/clock", json={"advance": duration}).status_code == 200


def new_user(n: int) -> dict[str, Any]:
    return {"firstName": f"first{n}", "lastName": f"last{n}", "email": f"user{n}@example.pk", "countryCode": "92", "phone": f"33{n:08d}", "status": "ACTIVE"}
