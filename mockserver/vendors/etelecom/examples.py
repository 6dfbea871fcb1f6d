"""eTelecom: a documented flow covering every RPC, for the golden contract snapshots.

The shop owner's key adds a staff member, lists and pages the staff, edits the
new member and removes them; the refusals show eTop's Twirp envelope.
Placeholders (``{auth}``, ``{ref:...}``) are described in ``mockserver/snapshots.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.vendor import Read
from ...snapshots import Example

SHOP = "/v1/shop.Shop/"
OWNER = {"Authorization": "{auth}", "Content-Type": "application/json"}
# A staff_management key of the same shop: may add staff below staff_management only.
MANAGER = {"Authorization": "Bearer 1150482016510394500:S5kV8nB2xQ7wM4rT9yH3jL6pC1zD0fGa", "Content-Type": "application/json"}

MAI = {"full_name": "Nguyễn Thị Mai", "password": "MatKhau@2025", "phone": "+84 901 234 567"}  # the seed's example: no roles
STAFF = {**MAI, "roles": ["salesman"]}
NEW_USER = "{ref:create_user.id}"
CARE = "1150482016510394700"  # Sao Mai's customer-care department (fixture), a dot.ID as a string

EXAMPLES = [
    Example("create_user", "POST", SHOP + "CreateAccountUser", STAFF, OWNER),
    Example(
        "create_user_existing_identity",
        "POST",
        SHOP + "CreateAccountUser",
        {"full_name": "Võ Thị Hoa", "password": "HoaMoi@2026", "phone": "0978 123 456", "roles": ["telecom_customerservice"]},
        MANAGER,
    ),
    Example(
        "create_user_in_department",
        "POST",
        SHOP + "CreateAccountUser",
        {"full_name": "Đặng Văn Nam", "password": "Nam@2026", "phone": "0912 000 333",
         "roles": ["telecom_customerservice_management"], "department_id": CARE},
        OWNER,
    ),
    Example("create_user_duplicate", "POST", SHOP + "CreateAccountUser", STAFF, OWNER),
    Example("create_user_without_roles", "POST", SHOP + "CreateAccountUser", MAI, OWNER),
    Example("create_user_invalid", "POST", SHOP + "CreateAccountUser", {**STAFF, "full_name": "", "phone": "0912000222"}, OWNER),
    Example("create_user_unknown_role", "POST", SHOP + "CreateAccountUser", {**MAI, "roles": ["boss"]}, OWNER),
    Example("create_user_unknown_department", "POST", SHOP + "CreateAccountUser",
            {**STAFF, "phone": "0912000444", "department_id": "1"}, OWNER),
    Example("create_user_bad_phone", "POST", SHOP + "CreateAccountUser", {**STAFF, "phone": "12345"}, OWNER),
    Example("create_user_permission_denied", "POST", SHOP + "CreateAccountUser",
            {**MAI, "phone": "0912000111", "roles": ["staff_management"]}, MANAGER),
    Example("create_user_malformed", "POST", SHOP + "CreateAccountUser", {**MAI, "roles": "salesman"}, OWNER),
    Example("create_user_unauthenticated", "POST", SHOP + "CreateAccountUser", STAFF, {"Content-Type": "application/json"}),
    Example("list_users", "POST", SHOP + "GetAccountUsers", {}, OWNER),
    Example("list_users_filtered", "POST", SHOP + "GetAccountUsers", {"filter": {"name": "mai"}, "paging": {"limit": 1}}, OWNER),
    Example("list_users_page_1", "POST", SHOP + "GetAccountUsers", {"paging": {"limit": 2}}, OWNER),
    Example(
        "list_users_page_2",
        "POST",
        SHOP + "GetAccountUsers",
        {"paging": {"limit": 2, "after": "{ref:list_users_page_1.paging.next}"}},
        OWNER,
    ),
    Example("list_users_exact_roles", "POST", SHOP + "GetAccountUsers", {"filter": {"exact_roles": ["telecom_customerservice"]}}, OWNER),
    Example("list_users_in_department", "POST", SHOP + "GetAccountUsers", {"filter": {"has_department": True, "department_id": CARE}}, OWNER),
    Example(
        "update_user",
        "POST",
        SHOP + "UpdateAccountUser",
        {"user_id": NEW_USER, "full_name": "Nguyễn Thị Mai Anh", "roles": ["salesman", "analyst"], "department_id": CARE},
        OWNER,
    ),
    Example("list_users_updated", "POST", SHOP + "GetAccountUsers", {"filter": {"user_ids": [NEW_USER]}}, OWNER),
    Example("delete_user", "POST", SHOP + "DeleteAccountUser", {"user_id": NEW_USER}, OWNER),
    Example("delete_user_again", "POST", SHOP + "DeleteAccountUser", {"user_id": NEW_USER}, OWNER),
]


def list_users(read: Read, headers: Mapping[str, str]) -> list[Any]:
    """Every account user, page by page (``Vendor.user_listing``: tools/fuzz.py reads them back)."""
    rows: list[Any] = []
    after = "."
    while after:
        got = read("POST", ".Shop/GetAccountUsers", json={"paging": {"limit": 100, "after": after}}, headers=headers)
        rows += got.get("account_users", [got])
        after = got.get("paging", {}).get("next", "") if got.get("account_users") else ""
    return rows
