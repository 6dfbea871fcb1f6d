"""Pulse CRM POST /users/{email}/impersonate through HTTP: the session, its scope, expiry and failures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.pulse import ADMIN, ADMIN_TOKEN, AGENT_TOKEN, DANA, LOGIN, SESSION, SESSION_KEYS, T0, URL, error, freeze

client, _reset = vendor_client_fixture("pulse")

MARCUS = "marcus.bell@summit-ms.example"
PRIYA_LOGIN = {"email": "priya.natarajan@harborpay.example", "password": "pulse-harbor-password"}
IMPERSONATE = URL + "/{}/impersonate"
FORBIDDEN = error(403, "Forbidden - user does not have required permissions")
NO_ACCESS = error(403, "You do not have access to this account")
NO_SUCH_USER = error(404, "Not found - user with specified email does not exist")
EXPIRED = error(401, "Session expired")
INVALID_TOKEN = error(401, "Invalid session token")
SUMMIT_AGENT = {"accountName": "Summit Merchant Services", "accountId": "2311", "repcode": "3", "usersPrimaryAccount": True, "accountAdmin": False}
AGENT_PERMS = ["readLeads", "writeLeads", "readApplications"]


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return freeze(client)


def _impersonate(client: Any, email: str, headers: dict[str, str]) -> Any:
    return client.post(IMPERSONATE.format(email.replace("@", "%40")), headers=headers)


def _bearer(token: str, account: str = "2311") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "x-account-id": account}


def _marcus_session(token: str, expires: str, at: str = T0) -> dict[str, Any]:
    return {
        "id": 4,
        "email": MARCUS,
        "active": True,
        "createdBy": DANA,
        "updatedBy": DANA,
        "createdAt": at,
        "updatedAt": at,
        "impersonating": MARCUS,
        "primaryAccount": SUMMIT_AGENT,
        "accounts": [SUMMIT_AGENT],
        "flatRolesList": ["agent"],
        "flatPermissionsList": AGENT_PERMS,
        "permissionsFromRoles": AGENT_PERMS,
        "permissionsFromRolesDetails": {p: [{"role": "agent", "accountId": "2311"}] for p in AGENT_PERMS},
        "token": token,
        "expiresAt": expires,
    }


def test_admin_gets_a_session_acting_as_the_user(client: Any, auth: dict[str, str]) -> None:
    response = _impersonate(client, MARCUS, auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == SESSION_KEYS  # the login payload's shape
    assert re.fullmatch(r"[0-9a-f]{64}", body["token"]) and body["token"] not in (ADMIN_TOKEN, AGENT_TOKEN)
    assert body == _marcus_session(body["token"], "2025-03-01T12:15:00.000Z")  # impersonationTtl PT15M
    # GET /auth/session with the new token returns the same payload
    assert client.get(SESSION, headers={"Authorization": f"Bearer {body['token']}"}).json() == body


def test_the_token_has_the_impersonated_users_rights(client: Any, auth: dict[str, str]) -> None:
    token = _impersonate(client, MARCUS, auth).json()["token"]
    for response in (
        client.post(URL, json={"email": "newuser@test.com"}, headers=_bearer(token)),
        client.get(URL, headers=_bearer(token)),
        client.delete(URL + "/former.rep%40summit-ms.example", headers=_bearer(token)),
        _impersonate(client, "former.rep@summit-ms.example", _bearer(token)),
    ):
        assert (response.status_code, response.json()) == (403, FORBIDDEN)  # Marcus is an agent


def test_impersonating_a_created_user_and_an_admin(client: Any, auth: dict[str, str]) -> None:
    client.post(URL, json={"email": "newuser@test.com", "roles": ["underwriter"]}, headers=auth)
    created = _impersonate(client, "NewUser@Test.com", auth).json()  # email matched case-insensitively
    assert (created["id"], created["email"], created["impersonating"]) == (100, "newuser@test.com", "newuser@test.com")
    assert (created["flatRolesList"], created["flatPermissionsList"]) == (["underwriter"], ["readApplications", "writeUnderwriting"])
    # an admin (here: Dana herself) can be impersonated; the token then has admin rights in 2311
    own = _impersonate(client, DANA, auth).json()
    made = client.post(URL, json={"email": "viaimpersonation@test.com"}, headers=_bearer(own["token"]))
    assert made.status_code == 201 and made.json()["createdBy"] == DANA


def test_session_is_scoped_to_the_impersonation_account(client: Any, auth: dict[str, str]) -> None:
    login = client.post(LOGIN, json=PRIYA_LOGIN).json()
    priya = _bearer(login["token"], "4872")
    body = _impersonate(client, DANA, priya).json()
    harbor = {"accountName": "Harbor Payments Group", "accountId": "4872", "repcode": "7", "usersPrimaryAccount": False, "accountAdmin": False}
    assert body["impersonating"] == DANA and body["id"] == 3
    # only the 4872 membership: Dana is an agent there, whatever she is elsewhere
    assert (body["primaryAccount"], body["accounts"]) == (harbor, [harbor])
    assert (body["flatRolesList"], body["flatPermissionsList"]) == (["agent"], ["readLeads", "writeLeads", "exportLeads"])
    assert body["permissionsFromRolesDetails"] == {"readLeads": [{"role": "agent", "accountId": "4872"}], "writeLeads": [{"role": "agent", "accountId": "4872"}]}
    # Dana administers 2311, but this token cannot reach it
    outside = client.get(URL, headers=_bearer(body["token"], "2311"))
    assert (outside.status_code, outside.json()) == (403, NO_ACCESS)
    inside = client.get(URL, headers=_bearer(body["token"], "4872"))
    assert (inside.status_code, inside.json()) == (403, FORBIDDEN)
    # DELETE without x-account-id defaults to the impersonation's account, not Dana's primary one
    no_header = client.delete(URL + "/former.rep%40summit-ms.example", headers={"Authorization": f"Bearer {body['token']}"})
    assert (no_header.status_code, no_header.json()) == (403, FORBIDDEN)


def test_impersonation_expires_after_its_ttl(client: Any, auth: dict[str, str]) -> None:
    token = _impersonate(client, MARCUS, auth).json()["token"]
    client.post("/__admin/clock", json={"advance": "PT14M59S"})
    assert client.get(SESSION, headers=_bearer(token)).status_code == 200
    client.post("/__admin/clock", json={"advance": 1})
    for response in (
        client.get(SESSION, headers=_bearer(token)),
        client.get(URL, headers=_bearer(token)),
        client.post(URL, json={"email": "newuser@test.com"}, headers=_bearer(token)),
        client.delete(URL + "/a%40b.co", headers=_bearer(token)),
        _impersonate(client, MARCUS, _bearer(token)),
    ):
        assert (response.status_code, response.json()) == (401, EXPIRED)
    # the admin's own session is unaffected and can impersonate again
    again = _impersonate(client, MARCUS, auth).json()
    assert again == _marcus_session(again["token"], "2025-03-01T12:30:00.000Z", at="2025-03-01T12:15:00.000Z")
    assert client.get(SESSION, headers=_bearer(again["token"])).status_code == 200


def test_ending_the_membership_ends_the_impersonation(client: Any, auth: dict[str, str]) -> None:
    client.post(URL, json={"email": "newuser@test.com"}, headers=auth)
    token = _impersonate(client, "newuser@test.com", auth).json()["token"]
    assert client.delete(URL + "/newuser%40test.com", headers=auth).status_code == 200
    assert client.get(SESSION, headers=_bearer(token)).json() == INVALID_TOKEN
    # removed from 4872 only: Dana's impersonation there ends, her own sessions do not
    priya = _bearer(client.post(LOGIN, json=PRIYA_LOGIN).json()["token"], "4872")
    scoped = _impersonate(client, DANA, priya).json()["token"]
    assert client.delete(URL + f"/{DANA}", headers=priya).status_code == 200
    assert client.get(SESSION, headers=_bearer(scoped)).json() == INVALID_TOKEN
    assert client.get(SESSION, headers=ADMIN).status_code == 200


@pytest.mark.parametrize(
    ("email", "headers", "status", "expected"),
    [
        ("nobody@test.com", ADMIN, 404, NO_SUCH_USER),
        ("priya.natarajan@harborpay.example", ADMIN, 404, NO_SUCH_USER),  # exists, but not in 2311
        ("former.rep@summit-ms.example", ADMIN, 400, error(400, "Cannot impersonate an inactive user")),
        ("former.rep@summit-ms.example", _bearer(AGENT_TOKEN), 403, FORBIDDEN),
        ("priya.natarajan@harborpay.example", {**ADMIN, "x-account-id": "4872"}, 403, FORBIDDEN),  # Dana is an agent there
        (MARCUS, {**ADMIN, "x-account-id": "9150"}, 403, NO_ACCESS),
        (MARCUS, {"Authorization": ADMIN["Authorization"]}, 400, error(400, "Missing required header: x-account-id")),
        (MARCUS, {"x-account-id": "2311"}, 401, error(401, "Unauthorized - not authenticated")),
        (MARCUS, _bearer("f" * 64), 401, INVALID_TOKEN),
    ],
)
def test_impersonate_failures_open_no_session(
    client: Any, auth: dict[str, str], email: str, headers: dict[str, str], status: int, expected: dict[str, Any]
) -> None:
    response = _impersonate(client, email, headers)
    assert (response.status_code, response.json()) == (status, expected)
    # no draw was spent: the next good impersonation gets the same token as on a fresh server
    token = _impersonate(client, MARCUS, ADMIN).json()["token"]
    client.post("/__admin/reset")
    assert _impersonate(client, MARCUS, ADMIN).json()["token"] == token


def test_body_is_ignored_and_header_names_are_case_insensitive(client: Any, auth: dict[str, str]) -> None:
    headers = {"AUTHORIZATION": ADMIN["Authorization"], "X-Account-Id": "2311", "Content-Type": "application/json"}
    response = client.post(IMPERSONATE.format(MARCUS), content=b"[not json", headers=headers)
    assert response.status_code == 200 and response.json()["impersonating"] == MARCUS


# ------------------------------------------------------- configurable lifetimes
def _custom_fixture(tmp_path: Path, **settings: str) -> Path:
    data = yaml.safe_load((Path(__file__).resolve().parents[3] / "fixtures" / "pulse.yaml").read_text())
    data["settings"].update(settings)
    (tmp_path / "pulse.yaml").write_text(yaml.safe_dump(data))
    return tmp_path


def test_lifetimes_come_from_the_fixture_and_impersonation_never_outlives_the_admin(tmp_path: Path) -> None:
    fixtures = _custom_fixture(tmp_path, sessionTtl="PT1H", impersonationTtl="PT2H")
    with make_client("pulse", fixtures=fixtures, clock=f"frozen:{T0}") as c:
        login = c.post(LOGIN, json={"email": DANA, "password": "pulse-demo-password"}).json()
        assert login["expiresAt"] == "2025-03-01T13:00:00.000Z"  # sessionTtl
        capped = c.post(IMPERSONATE.format(MARCUS), headers=_bearer(login["token"])).json()
        assert capped["expiresAt"] == "2025-03-01T13:00:00.000Z"  # capped at the admin's session
        full = c.post(IMPERSONATE.format(MARCUS), headers=ADMIN).json()  # the 10-year fixture token
        assert full["expiresAt"] == "2025-03-01T14:00:00.000Z"  # impersonationTtl
        c.post("/__admin/clock", json={"advance": "PT1H"})
        assert c.get(SESSION, headers=_bearer(capped["token"])).json() == EXPIRED
        assert c.get(SESSION, headers=_bearer(full["token"])).status_code == 200


def test_same_seed_same_bytes_for_lifecycle_calls() -> None:
    def run(seed: int) -> list[bytes]:
        with make_client("pulse", seed=seed, clock=f"frozen:{T0}") as c:
            out = [c.post(URL, json={"email": "newuser@test.com"}, headers=ADMIN).content]
            out.append(c.post(IMPERSONATE.format("newuser%40test.com"), headers=ADMIN).content)
            out.append(c.get(URL, headers=ADMIN).content)
            out.append(c.delete(URL + "/newuser%40test.com", headers=ADMIN).content)
            out.append(c.post(IMPERSONATE.format("nobody%40test.com"), headers=ADMIN).content)
            return out

    first, second, other = run(7), run(7), run(8)
    assert first == second
    assert first[1] != other[1]  # the impersonation token comes from the seeded draw
    assert first[0] == other[0] and first[3:] == other[3:]
