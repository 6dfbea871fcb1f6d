"""VaultsPay create-user through HTTP: seed example, rules, auth, duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.vendors.vaultspay.examples import KHALID
from tests.conftest import vendor_client_fixture

client, _reset = vendor_client_fixture("vaultspay")

URL = "/vaultspay/as/api/v1/users"
SEED_EXAMPLE = KHALID  # the seed's request example, as the documented flow sends it
INVALID = {"code": 1000, "message": "Invalid payload. Please check your request.", "type": "INVALID_PAYLOAD"}


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return client.get("/__admin/vendors").json()["vaultspay"]["headers"]


def test_seed_example_succeeds_with_every_documented_field(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers=auth)
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data) == [
        "id", "parentId", "sessionId", "firstName", "lastName", "parent", "userType", "email",
        "username", "countryCode", "phone", "status", "fullName", "phoneNumber",
    ]
    assert isinstance(data["id"], int) and data["id"] == 604
    assert data["parentId"] == 4 and data["parent"]["id"] == 4
    assert data["userType"] == "USER"
    assert data["fullName"] == "khalid raza"
    assert data["phoneNumber"] == "923329465636"
    assert len(data["username"]) == 32 and int(data["username"], 16) >= 0
    assert data["parent"] == {
        "id": 4, "firstName": "Default", "lastName": "Agent", "userType": "AGENT",
        "email": "default.agent@vaultspay.ae", "username": "default.agent", "countryCode": "92",
        "phone": "3332222222", "status": "ACTIVE", "fullName": "Default Agent", "phoneNumber": "923332222222",
    }


def test_parent_id_sent_by_client_is_ignored(client: Any, auth: dict[str, str]) -> None:
    data = client.post(URL, json={**SEED_EXAMPLE, "parentId": 999}, headers=auth).json()["data"]
    assert data["parentId"] == 4


def test_email_only_and_phone_only_both_succeed(client: Any, auth: dict[str, str]) -> None:
    by_email = client.post(URL, json={"firstName": "a", "lastName": "b", "email": "a@b.pk", "status": "PENDING"}, headers=auth)
    assert by_email.status_code == 200
    assert by_email.json()["data"]["phoneNumber"] is None
    by_phone = client.post(URL, json={"firstName": "a", "lastName": "b", "countryCode": "971", "phone": "501112222", "status": "BLOCK"}, headers=auth)
    assert by_phone.status_code == 200
    assert by_phone.json()["data"]["email"] is None
    assert by_phone.json()["data"]["phoneNumber"] == "971501112222"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"firstName": "a", "lastName": "b", "status": "ACTIVE"}, [{"key": "email", "reason": "must not be blank"}]),
        ({"firstName": "a", "lastName": "b", "phone": "3001112222", "status": "ACTIVE"}, [{"key": "countryCode", "reason": "must not be blank"}]),
        ({"firstName": "a", "lastName": "b", "countryCode": "92", "status": "ACTIVE"}, [{"key": "phone", "reason": "must not be blank"}]),
        ({**SEED_EXAMPLE, "status": "DELETED"}, [{"key": "status", "reason": "must be one of [ACTIVE, PENDING, BLOCK]"}]),
        ({**SEED_EXAMPLE, "email": "not-an-email"}, [{"key": "email", "reason": "must be a well-formed email address"}]),
        ({**SEED_EXAMPLE, "phone": "33-29"}, [{"key": "phone", "reason": "must be a valid phone number"}]),
        ({**SEED_EXAMPLE, "countryCode": "+92"}, [{"key": "countryCode", "reason": "must be a valid country code"}]),
        ({**SEED_EXAMPLE, "firstName": "  "}, [{"key": "firstName", "reason": "must not be blank"}]),
        (
            {"firstName": ["x"], "email": "x@y.pk"},
            [
                {"key": "firstName", "reason": "must be a string"},
                {"key": "lastName", "reason": "must not be blank"},
                {"key": "status", "reason": "must not be blank"},
            ],
        ),
    ],
)
def test_validation_rules_answer_invalid_payload_naming_fields(client: Any, auth: dict[str, str], body: dict[str, Any], errors: list[dict[str, str]]) -> None:
    response = client.post(URL, json=body, headers=auth)
    assert response.status_code == 400
    assert response.json() == {**INVALID, "errors": errors}


@pytest.mark.parametrize(
    ("headers", "status", "code", "type_"),
    [
        ({}, 401, 1002, "UNAUTHENTICATED"),
        ({"Authorization": "Bearer "}, 401, 1002, "UNAUTHENTICATED"),
        ({"Authorization": "Bearer not-a-jwt"}, 400, 1036, "INVALID_TOKEN"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 400, 1036, "INVALID_TOKEN"),
        ({"Authorization": "Bearer aaa.bbb.ccc"}, 400, 1036, "INVALID_TOKEN"),
    ],
)
def test_auth_failures(client: Any, headers: dict[str, str], status: int, code: int, type_: str) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["type"] == type_ and "errors" not in body


def test_header_name_is_case_insensitive(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers={"AUTHORIZATION": auth["Authorization"]})
    assert response.status_code == 200


def test_login_then_create_and_token_expiry_codes(client: Any) -> None:
    login = client.post("/vaultspay/as/api/v1/saas-login", json={"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"})
    assert login.status_code == 200
    tokens = login.json()
    assert set(tokens) == {"accessToken", "accessTokenExpiry", "refreshToken", "refreshTokenExpiry"}
    assert tokens["accessTokenExpiry"].endswith("+00:00") and len(tokens["accessTokenExpiry"]) == 29
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert client.post(URL, json=SEED_EXAMPLE, headers=headers).status_code == 200

    client.post("/__admin/clock", json={"advance": "PT16M"})
    expired = client.post(URL, json={**SEED_EXAMPLE, "email": "z@z.pk", "phone": "3000000001"}, headers=headers)
    assert (expired.status_code, expired.json()) == (
        401, {"code": 1003, "message": "Your access token has expired. Please get a new token.", "type": "TOKEN_EXPIRED"},
    )
    refreshed = client.post("/vaultspay/as/api/v1/saas-refresh-token", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200 and set(refreshed.json()["data"]) == {"accessToken", "accessTokenExpiry"}

    client.post("/__admin/clock", json={"advance": "PT25H"})
    gone = client.post(URL, json=SEED_EXAMPLE, headers=headers)
    assert (gone.status_code, gone.json()["code"], gone.json()["type"]) == (401, 1004, "SESSION_EXPIRED")


def test_wrong_client_secret_is_rejected(client: Any) -> None:
    response = client.post("/vaultspay/as/api/v1/saas-login", json={"clientId": "vp-demo-app", "clientSecret": "nope"})
    assert response.status_code == 401 and response.json()["code"] == 1001


def test_duplicate_email_and_phone(client: Any, auth: dict[str, str]) -> None:
    assert client.post(URL, json=SEED_EXAMPLE, headers=auth).status_code == 200
    again = client.post(URL, json=SEED_EXAMPLE, headers=auth)
    assert again.status_code == 400
    assert again.json()["errors"] == [{"key": "email", "reason": "User already exists with this email"}]
    by_phone = client.post(URL, json={**SEED_EXAMPLE, "email": "other@x.pk"}, headers=auth)
    assert by_phone.json()["errors"] == [{"key": "phone", "reason": "User already exists with this phone number"}]
    fixture_user = client.post(URL, json={"firstName": "a", "lastName": "b", "email": "AYESHA.SIDDIQUI@example.pk", "status": "ACTIVE"}, headers=auth)
    assert fixture_user.status_code == 400 and fixture_user.json()["errors"][0]["key"] == "email"


def test_failed_request_changes_no_state(client: Any, auth: dict[str, str]) -> None:
    client.post(URL, json={**SEED_EXAMPLE, "status": "NOPE"}, headers=auth)
    client.post(URL, json=SEED_EXAMPLE, headers={"Authorization": "Bearer a.b.c"})
    first = client.post(URL, json=SEED_EXAMPLE, headers=auth).json()["data"]
    assert first["id"] == 604
