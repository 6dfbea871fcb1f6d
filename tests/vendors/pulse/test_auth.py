"""Pulse CRM auth through HTTP: Bearer sessions, x-account-id, /auth/login, /auth/session, expiry."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.pulse import ADMIN, ADMIN_TOKEN, AGENT_TOKEN, DANA, LOGIN, SESSION, SESSION_KEYS, T0, URL, error, freeze

client, _reset = vendor_client_fixture("pulse")

BODY = {"email": "newuser@test.com"}
DANA_LOGIN = {"email": DANA, "password": "pulse-demo-password"}
API_LOGIN = {"apiKey": "apiKey-3f9c2a7e51d84b06", "apiSecret": "pulse-demo-api-secret-7d1e0c94b2a64f38"}
UNAUTHENTICATED = error(401, "Unauthorized - not authenticated")
INVALID_TOKEN = error(401, "Invalid session token")
EXPIRED = error(401, "Session expired")

SUMMIT_ADMIN = {"accountName": "Summit Merchant Services", "accountId": "2311", "repcode": "3", "usersPrimaryAccount": True, "accountAdmin": True}
HARBOR_AGENT = {"accountName": "Harbor Payments Group", "accountId": "4872", "repcode": "7", "usersPrimaryAccount": False, "accountAdmin": False}
ADMIN_PERMS = ["readUsers", "writeUsers", "readLeads", "writeLeads", "readApplications", "writeApplications", "manageRoles", "manageApiKeys"]


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return freeze(client)


def _details() -> dict[str, list[dict[str, str]]]:
    out = {p: [{"role": "admin", "accountId": "2311"}] for p in ADMIN_PERMS}
    out["readLeads"].append({"role": "agent", "accountId": "4872"})
    out["writeLeads"].append({"role": "agent", "accountId": "4872"})
    return out


def _dana_session(token: str, expires: str) -> dict[str, Any]:
    return {
        "id": 3,
        "email": DANA,
        "active": True,
        "createdBy": "system@pulsecrm.example",
        "updatedBy": "system@pulsecrm.example",
        "createdAt": T0,
        "updatedAt": T0,
        "impersonating": None,
        "primaryAccount": SUMMIT_ADMIN,
        "accounts": [SUMMIT_ADMIN, HARBOR_AGENT],
        "flatRolesList": ["admin", "agent"],
        "flatPermissionsList": ADMIN_PERMS + ["exportLeads"],  # + the directly set permission
        "permissionsFromRoles": ADMIN_PERMS,
        "permissionsFromRolesDetails": _details(),
        "token": token,
        "expiresAt": expires,
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-account-id": "2311"}, UNAUTHENTICATED),
        ({"Authorization": "", "x-account-id": "2311"}, UNAUTHENTICATED),
        ({"Authorization": "Bearer", "x-account-id": "2311"}, UNAUTHENTICATED),
        ({"Authorization": "Bearer   ", "x-account-id": "2311"}, UNAUTHENTICATED),
        ({"Authorization": f"Basic {ADMIN_TOKEN}", "x-account-id": "2311"}, UNAUTHENTICATED),
        ({"Authorization": ADMIN_TOKEN, "x-account-id": "2311"}, UNAUTHENTICATED),
        ({"Authorization": "Bearer " + "f" * 64, "x-account-id": "2311"}, INVALID_TOKEN),
        ({"Authorization": "Bearer not-a-token", "x-account-id": "2311"}, INVALID_TOKEN),
        ({}, UNAUTHENTICATED),  # 401 is checked before the missing account header
    ],
)
def test_bad_or_missing_token_is_401(client: Any, auth: dict[str, str], headers: dict[str, str], expected: dict[str, Any]) -> None:
    response = client.post(URL, json=BODY, headers=headers)
    assert (response.status_code, response.json()) == (401, expected)


def test_bearer_scheme_is_case_insensitive(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=BODY, headers={"Authorization": f"bearer {ADMIN_TOKEN}", "x-account-id": "2311"})
    assert response.status_code == 201


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_account_header_is_400(client: Any, auth: dict[str, str], value: str | None) -> None:
    headers = {"Authorization": ADMIN["Authorization"]}
    if value is not None:
        headers["x-account-id"] = value
    response = client.post(URL, json=BODY, headers=headers)
    assert (response.status_code, response.json()) == (400, error(400, "Missing required header: x-account-id"))


@pytest.mark.parametrize("account", ["9150", "99999", "abc", "2311 ,4872"])
def test_account_the_token_cannot_access_is_403(client: Any, auth: dict[str, str], account: str) -> None:
    response = client.post(URL, json=BODY, headers={**ADMIN, "x-account-id": account})
    assert (response.status_code, response.json()) == (403, error(403, "You do not have access to this account"))


def test_member_who_is_not_account_admin_is_403(client: Any, auth: dict[str, str]) -> None:
    forbidden = error(403, "Forbidden - user does not have required permissions")
    agent = client.post(URL, json=BODY, headers={"Authorization": f"Bearer {AGENT_TOKEN}", "x-account-id": "2311"})
    assert (agent.status_code, agent.json()) == (403, forbidden)
    # Dana is admin of 2311 but only an agent in 4872
    in_harbor = client.post(URL, json=BODY, headers={**ADMIN, "x-account-id": "4872"})
    assert (in_harbor.status_code, in_harbor.json()) == (403, forbidden)
    # a plain member's session itself is fine
    assert client.get(SESSION, headers={"Authorization": f"Bearer {AGENT_TOKEN}"}).status_code == 200


def test_auth_is_checked_before_the_body(client: Any, auth: dict[str, str]) -> None:
    no_token = client.post(URL, content=b"{not json", headers={"x-account-id": "2311"})
    assert (no_token.status_code, no_token.json()) == (401, UNAUTHENTICATED)
    not_admin = client.post(URL, json={"email": "bad"}, headers={"Authorization": f"Bearer {AGENT_TOKEN}", "x-account-id": "2311"})
    assert not_admin.status_code == 403


def test_fixture_token_session(client: Any, auth: dict[str, str]) -> None:
    response = client.get(SESSION, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == SESSION_KEYS
    assert body == _dana_session(ADMIN_TOKEN, "2035-02-27T12:00:00.000Z")  # P3650D after T0
    assert list(body["primaryAccount"]) == ["accountName", "accountId", "repcode", "usersPrimaryAccount", "accountAdmin"]


def test_password_login_returns_the_user_session(client: Any, auth: dict[str, str]) -> None:
    response = client.post(LOGIN, json={**DANA_LOGIN, "email": DANA.upper()})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == SESSION_KEYS
    assert re.fullmatch(r"[0-9a-f]{64}", body["token"])
    assert body == _dana_session(body["token"], "2025-03-09T12:00:00.000Z")  # 8 days
    # the new token works everywhere, and GET /auth/session returns the same payload
    headers = {"Authorization": f"Bearer {body['token']}", "x-account-id": "2311"}
    assert client.get(SESSION, headers=headers).json() == body
    created = client.post(URL, json=BODY, headers=headers)
    assert created.status_code == 201 and created.json()["createdBy"] == DANA


def test_api_key_login(client: Any, auth: dict[str, str]) -> None:
    response = client.post(LOGIN, json=API_LOGIN)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == DANA and body["token"] != ADMIN_TOKEN and list(body) == SESSION_KEYS


def test_two_logins_get_different_tokens(client: Any, auth: dict[str, str]) -> None:
    first = client.post(LOGIN, json=DANA_LOGIN).json()["token"]
    second = client.post(LOGIN, json=DANA_LOGIN).json()["token"]
    assert first != second


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"email": DANA, "password": "wrong"}, 401, "Invalid email or password"),
        ({"email": "nobody@summit-ms.example", "password": "pulse-demo-password"}, 401, "Invalid email or password"),
        ({"email": "newuser@test.com", "password": ""}, 401, "Invalid email or password"),
        ({"apiKey": "apiKey-3f9c2a7e51d84b06", "apiSecret": "nope"}, 401, "Invalid API key or secret"),
        ({"apiKey": "apiKey-unknown", "apiSecret": "pulse-demo-api-secret-7d1e0c94b2a64f38"}, 401, "Invalid API key or secret"),
        ({"email": "former.rep@summit-ms.example", "password": "pulse-inactive-password"}, 401, "User account is inactive"),
        ({}, 400, "Invalid request body: email: Required; password: Required"),
        ({"email": DANA}, 400, "Invalid request body: password: Required"),
        ({"apiKey": "apiKey-3f9c2a7e51d84b06"}, 400, "Invalid request body: apiSecret: Required"),
        ({"email": 5, "password": ["x"]}, 400, "Invalid request body: email: Expected string, received number; password: Expected string, received array"),
    ],
)
def test_login_failures(client: Any, auth: dict[str, str], body: dict[str, Any], status: int, message: str) -> None:
    response = client.post(LOGIN, json=body)
    assert (response.status_code, response.json()) == (status, error(status, message))


def test_login_body_must_be_a_json_object(client: Any, auth: dict[str, str]) -> None:
    malformed = client.post(LOGIN, content=b"email=x")
    assert (malformed.status_code, malformed.json()) == (400, error(400, "Invalid JSON in request body"))
    array = client.post(LOGIN, json=[DANA_LOGIN])
    assert (array.status_code, array.json()) == (400, error(400, "Invalid request body: Expected object, received array"))


def test_session_endpoint_auth_failures(client: Any, auth: dict[str, str]) -> None:
    assert client.get(SESSION).json() == UNAUTHENTICATED
    unknown = client.get(SESSION, headers={"Authorization": "Bearer " + "a" * 64})
    assert (unknown.status_code, unknown.json()) == (401, INVALID_TOKEN)


def test_expired_session_is_401_everywhere(client: Any, auth: dict[str, str]) -> None:
    token = client.post(LOGIN, json=DANA_LOGIN).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "x-account-id": "2311"}
    assert client.post("/__admin/clock", json={"advance": "P7DT23H59M59S"}).status_code == 200
    assert client.get(SESSION, headers=headers).status_code == 200  # one second left
    assert client.post("/__admin/clock", json={"advance": 1}).status_code == 200
    for response in (
        client.post(URL, json=BODY, headers=headers),
        client.get(URL, headers=headers),
        client.delete(URL + "/marcus.bell%40summit-ms.example", headers=headers),
        client.post(URL + "/marcus.bell%40summit-ms.example/impersonate", headers=headers),
        client.get(SESSION, headers=headers),
    ):
        assert (response.status_code, response.json()) == (401, EXPIRED)
    # the long-lived fixture token still works; a fresh login works again
    assert client.post(URL, json=BODY, headers=ADMIN).status_code == 201
    fresh = client.post(LOGIN, json=DANA_LOGIN).json()["token"]
    assert client.get(SESSION, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_api_key_session_expires_and_a_new_api_key_login_works(client: Any, auth: dict[str, str]) -> None:
    first = client.post(LOGIN, json=API_LOGIN).json()
    assert first["expiresAt"] == "2025-03-09T12:00:00.000Z"  # sessionTtl P8D, like a password login
    headers = {"Authorization": f"Bearer {first['token']}", "x-account-id": "2311"}
    assert client.get(URL, headers=headers).status_code == 200
    assert client.post("/__admin/clock", json={"advance": "P8D"}).status_code == 200
    for response in (client.get(URL, headers=headers), client.get(SESSION, headers=headers)):
        assert (response.status_code, response.json()) == (401, EXPIRED)
    second = client.post(LOGIN, json=API_LOGIN).json()
    assert (second["createdAt"], second["expiresAt"]) == ("2025-03-09T12:00:00.000Z", "2025-03-17T12:00:00.000Z")
    fresh = {"Authorization": f"Bearer {second['token']}", "x-account-id": "2311"}
    assert client.get(SESSION, headers=fresh).json() == second
    assert client.post(URL, json=BODY, headers=fresh).status_code == 201


def test_describe_opens_a_fresh_session_once_fixture_tokens_expire(client: Any, auth: dict[str, str]) -> None:
    assert client.post("/__admin/clock", json={"advance": "P3651D"}).status_code == 200
    expired = client.post(URL, json=BODY, headers=ADMIN)
    assert (expired.status_code, expired.json()) == (401, EXPIRED)
    headers = client.get("/__admin/vendors").json()["pulse"]["headers"]
    assert headers["Authorization"] != ADMIN["Authorization"] and headers["x-account-id"] == "2311"
    assert client.post(URL, json=BODY, headers=headers).status_code == 201


def test_vendor_listing_offers_a_working_login(client: Any, auth: dict[str, str]) -> None:
    info = client.get("/__admin/vendors").json()["pulse"]
    assert info["login"] == DANA_LOGIN
    assert info["login_route"].endswith("/pulse/auth/login")
    assert client.post(LOGIN, json=info["login"]).status_code == 200
