"""Pulse CRM POST /users through HTTP: success shape, rules, duplicates, no-state-on-failure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.pulse import ADMIN, DANA, SUMMIT, T0, URL, USER_KEYS, error, freeze

client, _reset = vendor_client_fixture("pulse")

GUIDE_EXAMPLE = {"email": "newuser@test.com", "name": "John Doe", "roles": ["user", "agent"]}


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return freeze(client)


def test_describe_gives_the_fixture_headers(auth: dict[str, str]) -> None:
    assert auth == ADMIN


def test_seed_request_shape_succeeds_with_every_documented_field(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json={"email": "newuser@test.com"}, headers=auth)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    # the seed's User order; no "token" on create, no unset optional field (issue 14: never null)
    assert list(body) == [key for key in USER_KEYS if key not in ("name", "teamId", "phone", "imgSrc")]
    assert body == {
        "id": 100,
        "email": "newuser@test.com",
        "active": True,
        "notificationPreferences": {},
        "createdBy": DANA,
        "updatedBy": DANA,
        "createdAt": T0,
        "updatedAt": T0,
        "accounts": [SUMMIT],
        "flatRolesList": ["user"],  # the account's default role
        "flatPermissionsList": ["readLeads"],
    }
    assert list(body["accounts"][0]) == ["accountId", "accountName", "usersPrimaryAccount", "accountAdmin"]


def test_guide_example_and_every_optional_field(client: Any, auth: dict[str, str]) -> None:
    prefs = {
        "lead_created": {"event": "lead_created", "deliveryPref": ["email", "sms"]},
        "default": {"event": "user_added_to_account", "accountId": "2311"},
    }
    full = {**GUIDE_EXAMPLE, "teamId": 12, "phone": "+1 415 555 0199", "imgSrc": "https://cdn.example.com/jd.png", "notificationPreferences": prefs}
    response = client.post(URL, json=full, headers=auth)
    assert response.status_code == 201
    body = response.json()
    assert list(body) == USER_KEYS
    assert (body["id"], body["name"], body["teamId"], body["phone"], body["imgSrc"]) == (100, "John Doe", 12, "+1 415 555 0199", "https://cdn.example.com/jd.png")
    assert body["notificationPreferences"] == prefs
    assert body["flatRolesList"] == ["user", "agent"]
    # union of the roles' permissions, first-seen order, no repeats
    assert body["flatPermissionsList"] == ["readLeads", "writeLeads", "readApplications"]
    assert isinstance(body["id"], int) and isinstance(body["active"], bool)
    second = client.post(URL, json={"email": "second@test.com"}, headers=auth).json()
    assert second["id"] == 101  # sequential


def test_null_optionals_integral_float_and_repeated_roles(client: Any, auth: dict[str, str]) -> None:
    body = {"email": "n@test.com", "name": None, "phone": None, "teamId": 10.0, "roles": ["agent", "agent", "underwriter"], "extra": 1}
    response = client.post(URL, json=body, headers=auth)
    assert response.status_code == 201
    data = response.json()
    assert ("name" in data, "phone" in data, data["teamId"], data["flatRolesList"]) == (False, False, 10, ["agent", "underwriter"])
    assert data["flatPermissionsList"] == ["readLeads", "writeLeads", "readApplications", "writeUnderwriting"]
    assert "extra" not in data


def test_empty_roles_list_gets_the_default_role(client: Any, auth: dict[str, str]) -> None:
    data = client.post(URL, json={"email": "e@test.com", "roles": []}, headers=auth).json()
    assert data["flatRolesList"] == ["user"]


BAD = "Invalid request body: "
ENUM5 = "'website' | 'weekly_email_digest' | 'monthly_email_digest' | 'email' | 'sms'"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "email: Required"),
        ({"name": "x"}, "email: Required"),
        ({"email": "string"}, "email: Invalid email"),  # the seed's placeholder is not an address
        ({"email": "not-an-email"}, "email: Invalid email"),
        ({"email": ""}, "email: Invalid email"),
        ({"email": None}, "email: Expected string, received null"),
        ({"email": 42}, "email: Expected string, received number"),
        ({"email": "a@b.co", "name": 7}, "name: Expected string, received number"),
        ({"email": "a@b.co", "phone": 4155550100}, "phone: Expected string, received number"),
        ({"email": "a@b.co", "imgSrc": True}, "imgSrc: Expected string, received boolean"),
        ({"email": "a@b.co", "teamId": "10"}, "teamId: Expected number, received string"),
        ({"email": "a@b.co", "teamId": 10.5}, "teamId: Expected integer, received float"),
        ({"email": "a@b.co", "teamId": True}, "teamId: Expected number, received boolean"),
        ({"email": "a@b.co", "roles": "agent"}, "roles: Expected array, received string"),
        ({"email": "a@b.co", "roles": ["agent", 3]}, "roles.1: Expected string, received number"),
        ({"email": "a@b.co", "notificationPreferences": []}, "notificationPreferences: Expected object, received array"),
        ({"email": "a@b.co", "notificationPreferences": {"x": 1}}, "notificationPreferences.x: Expected object, received number"),
        ({"email": "a@b.co", "notificationPreferences": {"x": {}}}, "notificationPreferences.x.event: Required"),
        (
            {"email": "a@b.co", "notificationPreferences": {"x": {"event": "lead_exploded"}}},
            "notificationPreferences.x.event: Invalid enum value. Expected one of PulseEvents, received 'lead_exploded'",
        ),
        (
            {"email": "a@b.co", "notificationPreferences": {"x": {"event": "cron_job", "deliveryPref": ["fax"]}}},
            f"notificationPreferences.x.deliveryPref.0: Invalid enum value. Expected {ENUM5}, received 'fax'",
        ),
        (
            {"email": "a@b.co", "notificationPreferences": {"x": {"event": "cron_job", "accountId": 2311}}},
            "notificationPreferences.x.accountId: Expected string, received number",
        ),
        ({"email": "a@b.co", "teamId": 20}, "teamId: Team 20 does not exist in this account"),
        ({"email": "a@b.co", "roles": ["agent", "owner", "ghost"]}, "roles: Roles not found in this account: 'owner', 'ghost'"),
        (
            {"email": "a@b.co", "teamId": 99, "roles": ["owner"]},
            "teamId: Team 99 does not exist in this account; roles: Roles not found in this account: 'owner'",
        ),
        (
            {"email": "nope", "name": 1, "teamId": "x", "roles": [None]},
            (
                "email: Invalid email; name: Expected string, received number; teamId: Expected number, received string; "
                "roles.0: Expected string, received null"
            ),
        ),
    ],
)
def test_invalid_fields_answer_400_naming_every_field(client: Any, auth: dict[str, str], body: dict[str, Any], message: str) -> None:
    response = client.post(URL, json=body, headers=auth)
    assert (response.status_code, response.json()) == (400, error(400, BAD + message))


def test_duplicate_email_in_the_same_account_is_409(client: Any, auth: dict[str, str]) -> None:
    assert client.post(URL, json=GUIDE_EXAMPLE, headers=auth).status_code == 201
    again = client.post(URL, json={"email": "NewUser@Test.com"}, headers=auth)
    assert (again.status_code, again.json()) == (409, error(409, "A user with this email already exists in this account"))
    fixture_user = client.post(URL, json={"email": "Marcus.Bell@summit-ms.example"}, headers=auth)
    assert (fixture_user.status_code, fixture_user.json()) == (409, error(409, "A user with this email already exists in this account"))


def test_user_of_another_account_is_added_to_this_one(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json={"email": "priya.natarajan@harborpay.example", "name": "Ignored", "roles": ["agent"]}, headers=auth)
    assert response.status_code == 201
    assert response.json() == {
        "id": 5,  # the existing identity, not a new id
        "email": "priya.natarajan@harborpay.example",
        "name": "Priya Natarajan",  # profile is not overwritten
        "active": True,
        "teamId": 20,
        "notificationPreferences": {},
        "createdBy": "system@pulsecrm.example",
        "createdAt": "2025-01-30T09:12:45.001Z",
        "updatedBy": DANA,
        "updatedAt": T0,
        "accounts": [
            {"accountId": "4872", "accountName": "Harbor Payments Group", "usersPrimaryAccount": True, "accountAdmin": True},
            {"accountId": "2311", "accountName": "Summit Merchant Services", "usersPrimaryAccount": False, "accountAdmin": False},
        ],
        "flatRolesList": ["admin", "agent"],
        "flatPermissionsList": ["readUsers", "writeUsers", "readLeads", "writeLeads", "readApplications", "writeApplications"],
    }
    again = client.post(URL, json={"email": "priya.natarajan@harborpay.example"}, headers=auth)
    assert (again.status_code, again.json()) == (409, error(409, "A user with this email already exists in this account"))
    # Priya now reaches 2311 too: her own login shows both memberships
    session = client.post("/pulse/auth/login", json={"email": "priya.natarajan@harborpay.example", "password": "pulse-harbor-password"}).json()
    assert [a["accountId"] for a in session["accounts"]] == ["4872", "2311"]
    assert session["primaryAccount"]["accountId"] == "4872"


def test_failed_requests_change_no_state(client: Any, auth: dict[str, str]) -> None:
    failures = [
        ({**GUIDE_EXAMPLE, "roles": ["ghost"]}, auth),
        ({**GUIDE_EXAMPLE, "teamId": 99}, auth),
        ({**GUIDE_EXAMPLE, "name": 5}, auth),
        (GUIDE_EXAMPLE, {"Authorization": auth["Authorization"]}),
        (GUIDE_EXAMPLE, {**auth, "x-account-id": "9150"}),
        (GUIDE_EXAMPLE, {**auth, "Authorization": "Bearer " + "0" * 64}),
        ({"email": "priya.natarajan@harborpay.example", "roles": ["ghost"]}, auth),
    ]
    for body, headers in failures:
        assert client.post(URL, json=body, headers=headers).status_code in (400, 401, 403)
    created = client.post(URL, json=GUIDE_EXAMPLE, headers=auth)
    assert (created.status_code, created.json()["id"]) == (201, 100)  # no id was consumed
    priya = client.post(URL, json={"email": "priya.natarajan@harborpay.example"}, headers=auth)
    assert priya.status_code == 201  # the failed add left no membership behind
    assert priya.json()["flatRolesList"] == ["admin", "user"] and priya.json()["updatedAt"] == T0
    # nor did the failed sessions: the fixture token is still the caller
    assert priya.json()["updatedBy"] == DANA
