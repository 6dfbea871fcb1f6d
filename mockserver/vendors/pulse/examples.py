"""Pulse CRM: a documented flow covering every route, for the golden contract snapshots.

Log in (password and API key), read the session, create users in account 2311
as its admin, list them, impersonate the new user, then remove them; the
refusals show Pulse's ``{"error", "status", "message"}`` envelope.
Placeholders (``{auth}``, ``{login:...}``, ``{ref:...}``) are described in
``mockserver/snapshots.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.vendor import Read
from ...snapshots import Example

JSON = {"Content-Type": "application/json"}
# The fixture admin's token and account, as GET /__admin/vendors hands them out.
ADMIN = {"Authorization": "{auth}", "x-account-id": "{auth}", **JSON}
# A plain agent of the same account (no admin rights).
AGENT = {"Authorization": "Bearer 7de7949f0bd490987a11a785977c5d54c1c5bf9c0cdc89c374deb47cd8207114", "x-account-id": "2311", **JSON}

NEW_USER = {"email": "newuser@test.com", "name": "John Doe", "roles": ["user", "agent"]}
NEW_EMAIL = "{ref:create_user.email}"

EXAMPLES = [
    Example("login", "POST", "/auth/login", {"email": "{login:email}", "password": "{login:password}"}, JSON),
    Example(
        "login_api_key",
        "POST",
        "/auth/login",
        {"apiKey": "apiKey-3f9c2a7e51d84b06", "apiSecret": "pulse-demo-api-secret-7d1e0c94b2a64f38"},
        JSON,
    ),
    Example("login_wrong_password", "POST", "/auth/login", {"email": "{login:email}", "password": "nope"}, JSON),
    Example("get_session", "GET", "/auth/session", headers={"Authorization": "Bearer {ref:login.token}"}),
    Example("create_user", "POST", "/users", NEW_USER, ADMIN),
    Example(
        "create_user_full",
        "POST",
        "/users",
        {
            "email": "jane.roe@test.com",
            "name": "Jane Roe",
            "phone": "(415) 555-0188",
            "teamId": 12,
            "imgSrc": "https://cdn.example.com/avatars/jane.png",
            "roles": ["underwriter"],
            "notificationPreferences": {"lead_created": {"event": "lead_created", "deliveryPref": ["email", "sms"]}},
        },
        {"Authorization": "Bearer {ref:login.token}", "x-account-id": "2311", **JSON},
    ),
    Example("create_user_from_other_account", "POST", "/users", {"email": "priya.natarajan@harborpay.example"}, ADMIN),
    Example("create_user_duplicate", "POST", "/users", {**NEW_USER, "email": "NewUser@test.com"}, ADMIN),
    Example("create_user_invalid", "POST", "/users", {"email": "not-an-email", "roles": ["owner"], "teamId": "ten"}, ADMIN),
    Example("create_user_missing_account", "POST", "/users", NEW_USER, {"Authorization": "{auth}", **JSON}),
    Example("create_user_not_admin", "POST", "/users", {"email": "someone@test.com"}, AGENT),
    Example("list_users", "GET", "/users", headers=ADMIN),
    Example("impersonate", "POST", f"/users/{NEW_EMAIL}/impersonate", headers=ADMIN),
    Example("get_session_impersonating", "GET", "/auth/session", headers={"Authorization": "Bearer {ref:impersonate.token}"}),
    Example("delete_user", "DELETE", f"/users/{NEW_EMAIL}", headers=ADMIN),
    Example("delete_user_again", "DELETE", f"/users/{NEW_EMAIL}", headers=ADMIN),
]


def list_users(read: Read, headers: Mapping[str, str]) -> list[Any]:
    """Every account's users, from the credentials' account on to every account a listed user
    belongs to (``Vendor.user_listing``: tools/fuzz.py reads them back)."""
    rows: list[Any] = []
    accounts = [headers.get("x-account-id", "")]
    for account in accounts:
        listed = read("GET", "/users", headers={**headers, "x-account-id": account})
        listed = listed if isinstance(listed, list) else [listed]
        rows += [[account, user] for user in listed]
        accounts += [a["accountId"] for u in listed for a in u.get("accounts", []) if a["accountId"] not in accounts]
    return rows
