"""Pulse CRM's create-user answer from cached membership views is what user() writes.

responses.new_user (a copy of the stored record plus a cached membership view) against
user().  (The create body's fast validator is derived from CreateUser: tests/core/test_fastmodel.py.)
"""

from __future__ import annotations

from typing import Any

import orjson

from mockserver.vendors.pulse import responses
from tests.conftest import vendor_client_fixture
from tests.vendors.pulse import URL, freeze

client, _reset = vendor_client_fixture("pulse")

PREFS = {
    "lead_created": {"event": "lead_created", "deliveryPref": ["email", "sms"], "junk": 1},
    "default": {"event": "user_added_to_account", "accountId": "2311"},
}


ROLE_LISTS = [None, [], ["agent"], ["agent", "user"], ["admin", "agent", "underwriter"], ["underwriter", "underwriter"]]


def test_new_user_is_user_of_the_stored_record(client: Any) -> None:
    auth = freeze(client)
    vendor = client.app.runtime.vendors["pulse"]
    for n, roles in enumerate(ROLE_LISTS * 2):  # the second round answers from the cached views
        body: dict[str, Any] = {"email": f"fast{n}@test.com", "teamId": 11, "notificationPreferences": PREFS}
        if roles is not None:
            body["roles"] = roles
        response = client.post(URL, json=body, headers=auth)
        assert response.status_code == 201, response.text
        stored = vendor.users.find("email", f"fast{n}@test.com")
        assert response.content == orjson.dumps(responses.user(stored, vendor.accounts))


def test_cached_role_list_still_checks_the_team(client: Any) -> None:
    auth = freeze(client)
    assert client.post(URL, json={"email": "c1@test.com", "roles": ["agent"]}, headers=auth).status_code == 201
    again = client.post(URL, json={"email": "c2@test.com", "roles": ["agent"], "teamId": 99}, headers=auth)
    assert again.status_code == 400
    assert again.json()["message"] == "Invalid request body: teamId: Team 99 does not exist in this account"
    both = client.post(URL, json={"email": "c3@test.com", "roles": ["agent", "ghost"], "teamId": 99}, headers=auth)
    assert both.json()["message"] == (
        "Invalid request body: teamId: Team 99 does not exist in this account; roles: Roles not found in this account: 'ghost'"
    )
