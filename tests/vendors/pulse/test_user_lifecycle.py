"""Pulse CRM GET /users and DELETE /users/{email} through HTTP: listing, removal, email reuse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.pulse import ADMIN, ADMIN_TOKEN, AGENT_TOKEN, DANA, LOGIN, SESSION, SUMMIT, T0, URL, USER_KEYS, error, freeze

client, _reset = vendor_client_fixture("pulse")

MARCUS = "marcus.bell@summit-ms.example"
PRIYA_LOGIN = {"email": "priya.natarajan@harborpay.example", "password": "pulse-harbor-password"}
DELETED = {"message": "User deleted successfully"}
NO_SUCH_USER = error(404, "Not found - user with specified email does not exist")
FORBIDDEN = error(403, "Forbidden - user does not have required permissions")
NO_ACCESS = error(403, "You do not have access to this account")
HARBOR = {"accountId": "4872", "accountName": "Harbor Payments Group", "usersPrimaryAccount": True, "accountAdmin": False}
AGENT_HEADERS = {"Authorization": f"Bearer {AGENT_TOKEN}", "x-account-id": "2311"}

DANA_USER = {
    "id": 3,
    "email": DANA,
    "name": "Dana Whitfield",
    "active": True,
    "teamId": 10,
    "phone": "(415) 555-0132",
    "notificationPreferences": {},
    "createdBy": "system@pulsecrm.example",
    "updatedBy": "system@pulsecrm.example",
    "createdAt": "2025-02-11T03:45:04.853Z",
    "updatedAt": "2025-02-11T03:45:04.853Z",
    "accounts": [
        {"accountId": "2311", "accountName": "Summit Merchant Services", "usersPrimaryAccount": True, "accountAdmin": True},
        {"accountId": "4872", "accountName": "Harbor Payments Group", "usersPrimaryAccount": False, "accountAdmin": False},
    ],
    "flatRolesList": ["admin", "agent"],
    "flatPermissionsList": [
        "readUsers", "writeUsers", "readLeads", "writeLeads", "readApplications", "writeApplications",
        "manageRoles", "manageApiKeys", "exportLeads",
    ],
}
MARCUS_USER = {
    "id": 4,
    "email": MARCUS,
    "name": "Marcus Bell",
    "active": True,
    "teamId": 11,
    "notificationPreferences": {},
    "createdBy": DANA,
    "updatedBy": DANA,
    "createdAt": "2025-02-12T16:20:11.207Z",
    "updatedAt": "2025-02-12T16:20:11.207Z",
    "accounts": [{**SUMMIT}],
    "flatRolesList": ["agent"],
    "flatPermissionsList": ["readLeads", "writeLeads", "readApplications"],
}
FORMER_USER = {
    "id": 6,
    "email": "former.rep@summit-ms.example",
    "name": "Former Rep",
    "active": False,
    "notificationPreferences": {},
    "createdBy": DANA,
    "updatedBy": DANA,
    "createdAt": "2025-01-05T12:00:00.000Z",
    "updatedAt": "2025-01-05T12:00:00.000Z",
    "accounts": [{**SUMMIT}],
    "flatRolesList": ["user"],
    "flatPermissionsList": ["readLeads"],
}
PRIYA_USER = {
    "id": 5,
    "email": "priya.natarajan@harborpay.example",
    "name": "Priya Natarajan",
    "active": True,
    "teamId": 20,
    "notificationPreferences": {},
    "createdBy": "system@pulsecrm.example",
    "updatedBy": "system@pulsecrm.example",
    "createdAt": "2025-01-30T09:12:45.001Z",
    "updatedAt": "2025-01-30T09:12:45.001Z",
    "accounts": [{**HARBOR, "accountAdmin": True}],
    "flatRolesList": ["admin"],
    "flatPermissionsList": ["readUsers", "writeUsers", "readLeads", "writeLeads", "readApplications", "writeApplications"],
}


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return freeze(client)


def _priya(client: Any) -> dict[str, str]:
    token = client.post(LOGIN, json=PRIYA_LOGIN).json()["token"]
    return {"Authorization": f"Bearer {token}", "x-account-id": "4872"}


def _listed(client: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(URL, headers=headers)
    assert response.status_code == 200
    body: list[dict[str, Any]] = response.json()
    return body


def _emails(client: Any, headers: dict[str, str]) -> list[str]:
    return [u["email"] for u in _listed(client, headers)]


def _delete(client: Any, email: str, headers: dict[str, str]) -> Any:
    return client.delete(f"{URL}/{email.replace('@', '%40')}", headers=headers)


# ------------------------------------------------------------------ GET /users
def test_list_is_an_array_of_the_accounts_users_in_id_order(client: Any, auth: dict[str, str]) -> None:
    response = client.get(URL, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    users = response.json()
    assert [u["id"] for u in users] == [3, 4, 6, 7, 8, 9]  # fixture users, then the 3 generated ones; no Priya
    # the seed's order, without the optional fields a user has no value for (never null)
    assert all(list(u) == [key for key in USER_KEYS if key in u] for u in users)
    assert all(None not in (u.get(key, "") for key in ("name", "teamId", "phone", "imgSrc")) for u in users)
    assert users[:3] == [DANA_USER, MARCUS_USER, FORMER_USER]  # inactive users are listed too
    for generated in users[3:]:
        assert generated["accounts"] == [SUMMIT] and generated["flatRolesList"] == ["user"]
        assert (generated["createdBy"], generated["createdAt"], generated["active"]) == (DANA, T0, True)
        assert isinstance(generated["name"], str) and generated["email"].endswith("@example.com")


def test_list_of_another_account(client: Any, auth: dict[str, str]) -> None:
    assert _listed(client, _priya(client)) == [{**DANA_USER, "accounts": DANA_USER["accounts"]}, PRIYA_USER]


def test_created_user_is_listed_exactly_as_created(client: Any, auth: dict[str, str]) -> None:
    created = client.post(URL, json={"email": "newuser@test.com", "name": "John Doe", "roles": ["agent"]}, headers=auth).json()
    users = _listed(client, auth)
    assert users[-1] == created and users[-1]["id"] == 100
    # a user of 2311 is not in 4872's list until added there
    assert "newuser@test.com" not in _emails(client, _priya(client))


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"x-account-id": "2311"}, 401, "Unauthorized - not authenticated"),
        ({"Authorization": "Bearer " + "0" * 64, "x-account-id": "2311"}, 401, "Invalid session token"),
        ({"Authorization": f"Bearer {ADMIN_TOKEN}"}, 400, "Missing required header: x-account-id"),
        ({"Authorization": f"Bearer {ADMIN_TOKEN}", "x-account-id": " "}, 400, "Missing required header: x-account-id"),
        ({"Authorization": f"Bearer {ADMIN_TOKEN}", "x-account-id": "9150"}, 403, "You do not have access to this account"),
        ({"Authorization": f"Bearer {ADMIN_TOKEN}", "x-account-id": "4872"}, 403, "Forbidden - user does not have required permissions"),
        (AGENT_HEADERS, 403, "Forbidden - user does not have required permissions"),
    ],
)
def test_list_uses_the_same_auth_rules_as_create(
    client: Any, auth: dict[str, str], headers: dict[str, str], status: int, message: str
) -> None:
    listing = client.get(URL, headers=headers)
    creating = client.post(URL, json={"email": "newuser@test.com"}, headers=headers)
    assert (listing.status_code, listing.json()) == (status, error(status, message))
    assert (creating.status_code, creating.json()) == (status, error(status, message))


def test_list_ignores_query_parameters(client: Any, auth: dict[str, str]) -> None:
    # no paging is documented [PUB]: ?page/limit do not change the answer [INF]
    assert client.get(URL + "?page=2&limit=1", headers=auth).json() == _listed(client, auth)


# ---------------------------------------------------------- DELETE /users/{email}
def test_delete_then_list_then_recreate_the_same_email(client: Any, auth: dict[str, str]) -> None:
    first = client.post(URL, json={"email": "newuser@test.com"}, headers=auth)
    assert first.status_code == 201
    response = _delete(client, "newuser@test.com", auth)
    assert (response.status_code, response.json()) == (200, DELETED)
    assert response.headers["content-type"] == "application/json"
    assert "newuser@test.com" not in _emails(client, auth)
    # the email is free again: a brand-new user (new id) is created, not a 409
    again = client.post(URL, json={"email": "newuser@test.com"}, headers=auth)
    assert again.status_code == 201
    assert again.json() == {**first.json(), "id": 101}
    assert _emails(client, auth).count("newuser@test.com") == 1
    # and deleting twice: the second time it is gone
    assert _delete(client, "newuser@test.com", auth).json() == DELETED
    gone = _delete(client, "newuser@test.com", auth)
    assert (gone.status_code, gone.json()) == (404, NO_SUCH_USER)


def test_delete_matches_the_email_case_insensitively_and_url_decoded(client: Any, auth: dict[str, str]) -> None:
    client.post(URL, json={"email": "First.Last+tag@test.com"}, headers=auth)
    response = client.delete(URL + "/first.last%2Btag%40TEST.com", headers=auth)
    assert (response.status_code, response.json()) == (200, DELETED)
    assert "First.Last+tag@test.com" not in _emails(client, auth)


def test_delete_without_account_header_uses_the_callers_primary_account(client: Any, auth: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = _delete(client, MARCUS, headers)
    assert (response.status_code, response.json()) == (200, DELETED)
    assert MARCUS not in _emails(client, auth)
    # blank counts as absent
    assert _delete(client, "former.rep@summit-ms.example", {**headers, "x-account-id": "  "}).json() == DELETED


def test_deleted_users_sessions_and_login_stop_working(client: Any, auth: dict[str, str]) -> None:
    marcus = client.post(LOGIN, json={"email": MARCUS, "password": "pulse-agent-password"}).json()["token"]
    assert _delete(client, MARCUS, auth).json() == DELETED
    for token in (AGENT_TOKEN, marcus):
        response = client.get(SESSION, headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.json()) == (401, error(401, "Invalid session token"))
    login = client.post(LOGIN, json={"email": MARCUS, "password": "pulse-agent-password"})
    assert (login.status_code, login.json()) == (401, error(401, "Invalid email or password"))


def test_delete_from_one_account_keeps_the_user_in_the_others(client: Any, auth: dict[str, str]) -> None:
    priya = _priya(client)
    client.post("/__admin/clock", json={"advance": "PT1H"})
    response = _delete(client, DANA, priya)
    assert (response.status_code, response.json()) == (200, DELETED)
    assert DANA not in _emails(client, priya)
    # Dana still exists in 2311, with one account left, touched by Priya an hour later
    dana = _listed(client, auth)[0]
    assert dana == {
        **DANA_USER,
        "accounts": DANA_USER["accounts"][:1],
        "flatRolesList": ["admin"],
        "flatPermissionsList": DANA_USER["flatPermissionsList"][:8],  # exportLeads was her 4872 permission
        "updatedBy": PRIYA_USER["email"],
        "updatedAt": "2025-03-01T13:00:00.000Z",
    }
    assert client.get(SESSION, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["accounts"] == [
        {"accountName": "Summit Merchant Services", "accountId": "2311", "repcode": "3", "usersPrimaryAccount": True, "accountAdmin": True}
    ]
    moved = client.get(URL, headers={**ADMIN, "x-account-id": "4872"})
    assert (moved.status_code, moved.json()) == (403, NO_ACCESS)


def test_removing_the_primary_account_promotes_the_next_one(client: Any, auth: dict[str, str]) -> None:
    priya = _priya(client)
    client.post(URL, json={"email": "shared@test.com"}, headers=auth)  # primary: 2311
    client.post(URL, json={"email": "shared@test.com"}, headers=priya)  # added to 4872
    assert _delete(client, "shared@test.com", auth).json() == DELETED
    shared = _listed(client, priya)[-1]
    assert shared["email"] == "shared@test.com" and shared["accounts"] == [HARBOR]
    # still known to Pulse: creating it in 2311 adds it back instead of making a new user
    back = client.post(URL, json={"email": "shared@test.com"}, headers=auth).json()
    assert (back["id"], [a["accountId"] for a in back["accounts"]]) == (shared["id"], ["4872", "2311"])


@pytest.mark.parametrize(
    ("email", "headers", "status", "expected"),
    [
        ("nobody@test.com", ADMIN, 404, NO_SUCH_USER),
        ("priya.natarajan@harborpay.example", ADMIN, 404, NO_SUCH_USER),  # exists, but not in 2311
        ("not-an-email", ADMIN, 404, NO_SUCH_USER),
        (DANA, ADMIN, 403, error(403, "You cannot delete your own user")),
        ("former.rep@summit-ms.example", AGENT_HEADERS, 403, FORBIDDEN),
        ("priya.natarajan@harborpay.example", {**ADMIN, "x-account-id": "4872"}, 403, FORBIDDEN),  # Dana is an agent there
        (MARCUS, {**ADMIN, "x-account-id": "9150"}, 403, NO_ACCESS),
        (MARCUS, {"x-account-id": "2311"}, 401, error(401, "Unauthorized - not authenticated")),
        (MARCUS, {"Authorization": "Bearer nope", "x-account-id": "2311"}, 401, error(401, "Invalid session token")),
    ],
)
def test_delete_failures_change_nothing(
    client: Any, auth: dict[str, str], email: str, headers: dict[str, str], status: int, expected: dict[str, Any]
) -> None:
    before = (_listed(client, auth), _listed(client, _priya(client)))
    response = _delete(client, email, headers)
    assert (response.status_code, response.json()) == (status, expected)
    assert (_listed(client, auth), _listed(client, _priya(client))) == before


def test_header_names_are_case_insensitive_on_new_routes(client: Any, auth: dict[str, str]) -> None:
    headers = {"AUTHORIZATION": f"Bearer {ADMIN_TOKEN}", "X-ACCOUNT-ID": "2311"}
    assert client.get(URL, headers=headers).status_code == 200
    assert _delete(client, MARCUS, headers).json() == DELETED


def test_delete_body_is_ignored(client: Any, auth: dict[str, str]) -> None:
    response = client.request("DELETE", f"{URL}/{MARCUS}", content=b"{not json", headers=auth)
    assert (response.status_code, response.json()) == (200, DELETED)


def test_reset_restores_deleted_users(client: Any, auth: dict[str, str]) -> None:
    assert _delete(client, MARCUS, auth).json() == DELETED
    client.post("/__admin/reset")
    assert MARCUS in _emails(client, auth)
    assert client.get(SESSION, headers={"Authorization": f"Bearer {AGENT_TOKEN}"}).status_code == 200


def test_admin_listing_survives_the_fixture_token_owner_being_deleted(tmp_path: Path) -> None:
    # a custom fixture where Marcus is a second admin of 2311 and Dana is in 2311 only
    data = yaml.safe_load((Path(__file__).resolve().parents[3] / "fixtures" / "pulse.yaml").read_text())
    users = {u["email"]: u for u in data["users"]}
    users[DANA]["accounts"] = users[DANA]["accounts"][:1]
    users[MARCUS]["accounts"][0].update(roles=["admin"], accountAdmin=True)
    (tmp_path / "pulse.yaml").write_text(yaml.safe_dump(data))
    with make_client("pulse", fixtures=tmp_path, clock=f"frozen:{T0}") as c:
        assert _delete(c, DANA, AGENT_HEADERS).json() == DELETED
        assert c.get(SESSION, headers=ADMIN).json() == error(401, "Invalid session token")
        info = c.get("/__admin/vendors").json()["pulse"]
        # Marcus, the remaining admin: his fixture token, his primary account, his password
        assert info["headers"] == AGENT_HEADERS
        assert info["login"] == {"email": MARCUS, "password": "pulse-agent-password"}
        assert c.post(URL, json={"email": "newuser@test.com"}, headers=info["headers"]).status_code == 201
