"""VaultsPay: a documented flow covering every route, for the golden contract snapshots.

Log in with the fixture app's credentials, refresh, then create, list and read
users and file a KYC application with the session's access token.  Placeholders
(``{login:...}``, ``{ref:...}``) are described in ``mockserver/snapshots.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.vendor import Read
from ...snapshots import Example

JSON = {"Content-Type": "application/json"}
# The access token the login example returned: what a client does after logging in.
SESSION = {"Authorization": "Bearer {ref:login.accessToken}", **JSON}
# The fixture's pre-issued token, as GET /__admin/vendors hands it out.
FIXTURE = {"Authorization": "{auth}", **JSON}

KHALID = {
    "firstName": "khalid",
    "lastName": "raza",
    "email": "khalidraza@gmail.com",
    "countryCode": "92",
    "phone": "3329465636",
    "status": "ACTIVE",
}
NEW_USER = "{ref:create_user.data.id}"

EXAMPLES = [
    Example("login", "POST", "/as/api/v1/saas-login", {"clientId": "{login:clientId}", "clientSecret": "{login:clientSecret}"}, JSON),
    Example("refresh", "POST", "/as/api/v1/saas-refresh-token", {"refreshToken": "{ref:login.refreshToken}"}, JSON),
    Example("create_user", "POST", "/as/api/v1/users", KHALID, SESSION),
    Example(
        "create_user_phone_only",
        "POST",
        "/as/api/v1/users",
        {"firstName": "Sana", "lastName": "Iqbal", "countryCode": "92", "phone": "3215550101", "status": "PENDING"},
        {"Authorization": "Bearer {ref:refresh.data.accessToken}", **JSON},
    ),
    Example("create_user_duplicate", "POST", "/as/api/v1/users", {**KHALID, "phone": "3000000001"}, FIXTURE),
    Example("create_user_invalid", "POST", "/as/api/v1/users", {"firstName": "", "status": "ACTIVE", "email": "not-an-email"}, FIXTURE),
    Example("create_user_unauthenticated", "POST", "/as/api/v1/users", KHALID, JSON),
    Example("list_users", "GET", "/as/api/v1/users", headers=SESSION, query={"page": "1", "perPage": "3"}),
    Example("get_user", "GET", f"/as/api/v1/users/{NEW_USER}", headers=SESSION),
    Example("get_user_unknown", "GET", "/as/api/v1/users/999999", headers=SESSION),
    Example("get_kyc_not_submitted", "GET", f"/us/api/v1/kyc/{NEW_USER}", headers=SESSION),
    Example(
        "kyc_create",
        "POST",
        "/us/api/v1/kyc/personal",
        {
            "userId": NEW_USER,
            "firstName": "Khalid",
            "lastName": "Raza",
            "nickName": "Khalid",
            "dob": "1990-05-15",
            "gender": "MALE",
            "maritalStatus": "SINGLE",
            "nationality": "PAK",
            "countryOfBirth": "PAK",
            "countryOfResidence": "ARE",
            "tin": "0112133232",
            "language": "ENGLISH",
        },
        SESSION,
    ),
    Example("kyc_update", "PATCH", "/us/api/v1/kyc/personal", {"userId": NEW_USER, "maritalStatus": "MARRIED"}, SESSION),
    Example("get_kyc", "GET", f"/us/api/v1/kyc/{NEW_USER}", headers=SESSION),
    Example("get_kyc_verified", "GET", "/us/api/v1/kyc/590", headers=FIXTURE),
]


def list_users(read: Read, headers: Mapping[str, str]) -> list[Any]:
    """Every user, page by page (``Vendor.user_listing``: tools/fuzz.py reads them back)."""
    rows: list[Any] = []
    page, pages = 1, 1
    while page <= pages:
        got = read("GET", "/as/api/v1/users", params={"page": page, "perPage": 100}, headers=headers)
        rows, pages, page = rows + got.get("data", [got]), got.get("pagination", {}).get("totalPages", 0), page + 1
    return rows
