"""eTelecom response bodies: etopapi.User in the seed's key order, and the
account-user listing in the order the docs list its fields.

Records keep timestamps already rendered (RFC 3339, ms, Z) so a response is
a plain dict copy; Go's zero time is rendered as null.  int64 ids (dot.ID)
are JSON strings.
"""

from __future__ import annotations

from typing import Any, Literal


def user(record: dict[str, Any], total_shop: int) -> dict[str, Any]:
    return {
        "block_reason": record["block_reason"],
        "blocked_at": record["blocked_at"],
        "created_at": record["created_at"],
        "email": record["email"],
        "email_verification_sent_at": record["email_verification_sent_at"],
        "email_verified_at": record["email_verified_at"],
        "full_name": record["full_name"],
        "id": str(record["id"]),  # int64 as a JSON string, as Go's `json:",string"` does
        "is_blocked": record["is_blocked"],
        "phone": record["phone"],
        "phone_verification_sent_at": record["phone_verification_sent_at"],
        "phone_verified_at": record["phone_verified_at"],
        "ref_aff": record["ref_aff"],
        "ref_sale": record["ref_sale"],
        "short_name": record["short_name"],
        "source": record["source"],
        "total_shop": total_shop,
        "updated_at": record["updated_at"],
    }


def account_user(member: dict[str, Any], identity: dict[str, Any]) -> dict[str, Any]:
    """One ``account_users`` item [PUB: ListExtendedAccountUsers]: membership
    columns plus the identity user's name, short name, email and phone."""
    return {
        "account_id": str(member["shop_id"]),
        "deleted": False,  # deleted memberships are never listed [PUB]
        "department_id": str(member["department_id"] or 0),  # [INF] a zero dot.ID is "0"
        "email": identity["email"],
        "full_name": identity["full_name"],
        "permissions": list(member["permissions"]),  # [INF] [] rather than Go's null for none
        "phone": identity["phone"],
        "position": member["position"],
        "roles": list(member["roles"]),
        "short_name": identity["short_name"],
        "user_id": str(member["user_id"]),
    }


def account_users(items: list[dict[str, Any]], paging: dict[str, Any]) -> dict[str, Any]:
    return {"account_users": items, "paging": paging}


def updated(count: int) -> dict[str, int]:
    return {"updated": count}


def deleted(count: int) -> dict[str, int]:
    return {"deleted": count}


# ---------------------------------------------------------------- OpenAPI
# The bodies above as pydantic models
# (the declaration the OpenAPI document is generated from; the builders are kept for
# speed, and tests/contract/test_response_models.py holds every documented answer to its
# model exactly: keys, their order, values).  Go's zero time is null.

from pydantic import BaseModel, Field  # noqa: E402

from .models import Role, Source  # noqa: E402

# A role as listed: "unknown" too (the zero value "" or null decodes to) [PUB: qeUserRole].
ListedRole = Role | Literal["unknown"]

_DIGITS = "^[0-9]+$"  # a dot.ID as a JSON string


class User(BaseModel):
    """etopapi.User, as ``user()`` writes it."""

    block_reason: str
    blocked_at: str | None
    created_at: str
    email: str
    email_verification_sent_at: str | None
    email_verified_at: str | None
    full_name: str
    id: str = Field(pattern=_DIGITS)
    is_blocked: bool
    phone: str
    phone_verification_sent_at: str | None
    phone_verified_at: str | None
    ref_aff: str
    ref_sale: str
    short_name: str
    source: Source
    total_shop: int
    updated_at: str


class AccountUser(BaseModel):
    """One ``account_users`` item, as ``account_user()`` writes it."""

    account_id: str = Field(pattern=_DIGITS)
    deleted: bool
    department_id: str = Field(pattern=_DIGITS)
    email: str
    full_name: str
    permissions: list[str]
    phone: str
    position: str
    roles: list[ListedRole]
    short_name: str
    user_id: str = Field(pattern=_DIGITS)


class CursorPaging(BaseModel):
    after: str
    before: str
    limit: int
    next: str
    prev: str
    sort: str


class AccountUsers(BaseModel):
    account_users: list[AccountUser]
    paging: CursorPaging


class Updated(BaseModel):
    updated: int


class Deleted(BaseModel):
    deleted: int
