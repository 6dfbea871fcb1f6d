"""Payabli: a documented flow covering every route, for the golden contract snapshots.

Create a user with the fixture's ``requestToken`` and another with an OAuth2
Bearer token, find the new user through the Query API (create does not return
its id), read, edit and delete it.  Placeholders (``{auth}``, ``{login:...}``,
``{ref:...}``) are described in ``mockserver/snapshots.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.vendor import Read
from ...snapshots import Example

JSON = {"Content-Type": "application/json"}
TOKEN = {"requestToken": "{auth}", **JSON}
BEARER = {"Authorization": "Bearer {ref:token.access_token}", **JSON}

SEAN = {
    "email": "example@email.com",
    "phone": "5555555555",
    "name": "Sean Smith",
    "pwd": "s3cret!",
    "scope": [{"orgType": 0, "orgId": 123}],
    "access": [{"roleLabel": "customers", "roleValue": True}],
    "usrStatus": 1,
    "timeZone": -5,
    "language": "en",
    "mfaData": {"mfa": True, "mfaMode": 0},
    "additionalData": {"key1": "value1"},
}
# Query filters are written field(op)=value; this one finds the user created above.
NEW_USER = "{ref:list_users_org.Records.0.userId}"
# Logins take an application token [PUB] (the fixture's second); the user's own token is then the credential.
APP = {"requestToken": "pbx-demo-token-app-5b1e8d0c93a7", **JSON}
HERMAN = {"email": "herman.martinez@example.com", "psw": "Herman-s3cret!"}  # the fixture's user 1000000
USER_TOKEN = "{ref:auth_refresh_user.responseData}"

EXAMPLES = [
    Example("create_user", "POST", "/api/User", SEAN, TOKEN),
    Example("create_user_duplicate", "POST", "/api/User", {**SEAN, "email": "Example@Email.com"}, TOKEN),
    Example("create_user_empty_scope", "POST", "/api/User", {**SEAN, "email": "empty.scope@example.com", "scope": []}, TOKEN),
    Example(
        "create_user_invalid",
        "POST",
        "/api/User",
        {**SEAN, "email": "bad.values@example.com", "timeZone": 14, "usrStatus": -99, "language": "fr"},
        TOKEN,
    ),
    Example("create_user_unauthorized", "POST", "/api/User", SEAN, {"requestToken": "pbx-unknown-token", **JSON}),
    Example(
        "token",
        "POST",
        "/api/v2/Token/serverside",
        {"clientId": "{login:clientId}", "clientSecret": "{login:clientSecret}", "state": "snapshot"},
        JSON,
    ),
    Example("token_invalid_client", "POST", "/api/v2/Token/serverside", {"clientId": "{login:clientId}", "clientSecret": "wrong"}, JSON),
    Example(
        "create_user_with_bearer",
        "POST",
        "/api/User",
        {
            "email": "maria.lopez@example.com",
            "phone": "3055550199",
            "name": "Maria Lopez",
            "pwd": "0tr0-s3cret!",
            "scope": [{"orgType": 0, "orgId": 236}],  # orgType must be 0 [PUB]: paypoint users are the fixture's
            "access": [{"roleLabel": "transactions", "roleValue": True}],
            "language": "es",
        },
        BEARER,
    ),
    Example("list_users_org", "GET", "/api/Query/users/org/123", headers=TOKEN, query={"email(eq)": "example@email.com"}),
    Example(
        "list_users_org_paged",
        "GET",
        "/api/Query/users/org/123",
        headers=TOKEN,
        query={"fromRecord": "0", "limitRecord": "2", "sortBy": "desc(userId)"},
    ),
    Example("list_users_paypoint", "GET", "/api/Query/users/point/demo-paypoint", headers=BEARER),
    Example("get_user", "GET", f"/api/User/{NEW_USER}", headers=TOKEN),
    Example(
        "update_user",
        "PUT",
        f"/api/User/{NEW_USER}",
        {"name": "Sean P. Smith", "timeZone": -6,
         "access": [{"roleLabel": "customers", "roleValue": True}, {"roleLabel": "reports", "roleValue": True}]},
        TOKEN,
    ),
    Example("get_user_updated", "GET", f"/api/User/{NEW_USER}", headers=TOKEN),
    Example("delete_user", "DELETE", f"/api/User/{NEW_USER}", headers=TOKEN),
    Example("get_user_deleted", "GET", f"/api/User/{NEW_USER}", headers=TOKEN),
    # The user login family with the fixture's Herman: a login (an application token's call), its
    # token refreshed, a new password, a logout; then MFA on and the code asked, sent again, validated.
    Example("auth_user", "POST", "/api/User/auth/null", HERMAN, APP),
    Example("auth_user_wrong_password", "POST", "/api/User/auth/null", {**HERMAN, "psw": "wrong"}, APP),
    Example("auth_refresh_user", "POST", "/api/User/authrefresh", headers={"requestToken": "{ref:auth_user.responseData}"}),
    Example("change_psw_user", "PUT", "/api/User/authpsw", {"psw": "N3w-s3cret!"}, {"requestToken": USER_TOKEN, **JSON}),
    Example("logout_user", "GET", "/api/User/authlogout", headers={"requestToken": USER_TOKEN}),
    Example("auth_refresh_user_logged_out", "POST", "/api/User/authrefresh", headers={"requestToken": USER_TOKEN}),
    Example("edit_mfa_user", "PUT", "/api/User/mfa/1000000", {"mfa": True, "mfaMode": 0}, TOKEN),
    Example("auth_user_mfa", "POST", "/api/User/auth/null", {**HERMAN, "psw": "N3w-s3cret!", "entry": "pilgrim-planner", "entryType": 0}, APP),
    Example("resend_mfa_code", "POST", "/api/User/resendmfa/herman.martinez@example.com/pilgrim-planner/0", headers=TOKEN),
    Example("validate_mfa_user", "POST", "/api/User/mfa",
            {"mfaCode": "123456", "mfaValidationCode": "{ref:resend_mfa_code.mfaValidationCode}"}, TOKEN),
    Example("auth_reset_user", "POST", "/api/User/authreset", {"email": "herman.martinez@example.com"}, TOKEN),
]


# The embedded fixture's organizations and paypoint: every user is listed under one of them.
USER_LISTS = ("/Query/users/org/236", "/Query/users/org/123", "/Query/users/point/demo-paypoint")


def list_users(read: Read, headers: Mapping[str, str]) -> list[Any]:
    """Every user of the embedded fixture's organizations (``Vendor.user_listing``: tools/fuzz.py reads them back)."""
    rows: list[Any] = []
    for path in USER_LISTS:
        rows += read("GET", path, params={"limitRecord": 0}, headers=headers).get("Records", [path])
    return rows
