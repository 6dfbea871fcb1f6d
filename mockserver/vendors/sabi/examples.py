"""Sabi: a documented flow covering every route, for the golden contract snapshots.

Sign a merchant up, invite a customer on the merchant's behalf, and show the
three ways a create is refused (validation, duplicate username, bad key).
Placeholders (``{auth}``, ``{ref:...}``) are described in ``mockserver/snapshots.py``.
"""

from __future__ import annotations

from ...snapshots import Example

KEY = {"ApiKey": "{auth}", "Content-Type": "application/json"}

ADA = {
    "username": "ada.obi@example.ng",
    "password": "Secret123!",
    "firstName": "Ada",
    "lastName": "Obi",
    "role": "MERCHANT",
    "gender": "FEMALE",
    "phone": "08031234567",
}

EXAMPLES = [
    Example("create_user", "POST", "/api/v1/users/public", ADA, KEY),
    Example(
        "create_user_full",
        "POST",
        "/api/v1/users/public",
        {
            "username": "chinedu.eze@example.ng",
            "password": "Passw0rd!",
            "firstName": "Chinedu",
            "lastName": "Eze",
            "role": "SUPPLIER",
            "gender": "MALE",
            "phone": "08129876543",
            "bvn": "22212345678",
            "country": {"name": "Nigeria", "code": "NG", "currency": "NGN"},
            "state": {"name": "Lagos", "code": "LA"},
            "city": {"name": "Ikeja", "code": "IKJ"},
        },
        {"ApiKey": "sabi-sandbox-tenant-key-0002", "Content-Type": "application/json"},
    ),
    Example(
        "invite_user",
        "POST",
        "/api/v1/users/public/invite",
        {"username": "tunde.bakare@example.ng", "password": "Welcome1!", "firstName": "Tunde", "lastName": "Bakare", "role": "CUSTOMER"},
        KEY,
        query={
            "invitedByName": "{ref:create_user.firstName} {ref:create_user.lastName}",
            "invitedByEmail": "{ref:create_user.username}",
            "platformLink": "https://trace.example.ng/join",
            "invitation": "MERCHANT",
        },
    ),
    Example("invite_user_missing_query", "POST", "/api/v1/users/public/invite", {**ADA, "username": "kemi@example.ng"}, KEY),
    Example("create_user_duplicate", "POST", "/api/v1/users/public", {**ADA, "username": "ADA.OBI@example.ng"}, KEY),
    Example("create_user_invalid", "POST", "/api/v1/users/public", {"username": "", "firstName": 7, "role": "BOSS", "bvn": "123"}, KEY),
    Example("create_user_bad_key", "POST", "/api/v1/users/public", ADA,
            {"ApiKey": "sabi-sandbox-revoked-key-0003", "Content-Type": "application/json"}),
]
