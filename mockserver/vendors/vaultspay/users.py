"""VaultsPay users as stored: unique keys, lookups by id and list paging.

Shared by the user routes and the KYC routes, which address the same users.
Every helper takes the table from the caller so nothing here holds state.
"""

from __future__ import annotations

import re
from typing import Any

from ...core.errors import FieldError, VendorError
from ...core.store import Table

# A Java Integer path/query value: optional minus sign, digits, fits 32 bits.
_INTEGER = re.compile(r"^-?[0-9]{1,10}$")
_INT_MAX = 2**31 - 1

NO_SUCH_USER = "User does not exist with this id"  # [PUB] request-format page
SORT = "id: DESC"  # [PUB] pagination page: newest first


def unique_keys(record: dict[str, Any]) -> dict[str, Any]:
    return contact_keys(record.get("email"), record.get("countryCode"), record.get("phone"))


def phone_number(country_code: str | None, phone: str | None) -> str | None:
    """``phoneNumber``: "Normalized E.164-like concatenation of countryCode + phone" [SEED],
    so a national trunk prefix goes: ``92`` + ``03001234567`` is ``923001234567``, the same
    number as ``92`` + ``3001234567`` [INF: which normalisation; the examples never show a
    0].  None unless both are set.  The duplicate check compares this very value."""
    if not (country_code and phone):
        return None
    return country_code + (phone.lstrip("0") or phone)


def contact_keys(email: str | None, country_code: str | None, phone: str | None) -> dict[str, Any]:
    """The unique keys of a user with these contact fields: the email in lower case and
    the full phone number (``phone_number``)."""
    return {"email": email.lower() if email else None, "phone": phone_number(country_code, phone)}


def no_such_user(key: str) -> VendorError:
    # A missing user is a payload error naming the key, not a 404 [PUB request-format].
    return VendorError("INVALID_PAYLOAD", fields=(FieldError(key, "not_found", NO_SUCH_USER),))


def parse_int(raw: str) -> int | None:
    if not _INTEGER.match(raw):
        return None
    value = int(raw)
    return value if -_INT_MAX - 1 <= value <= _INT_MAX else None


def owned(users: Table, agent_id: int, user_id: Any) -> dict[str, Any] | None:
    """The user with this id if it belongs to the caller's agent, else None.

    [INF] another agent's user is reported exactly like a missing one, so ids
    cannot be probed across merchants.
    """
    record = users.get(user_id)
    if record is None or record["parentId"] != agent_id:
        return None
    return record


def owned_by_path(users: Table, agent_id: int, raw: str, key: str) -> dict[str, Any]:
    user_id = parse_int(raw)
    record = None if user_id is None else owned(users, agent_id, user_id)
    if record is None:
        raise no_such_user(key)
    return record


def paging(query: dict[str, str], max_per_page: int) -> tuple[int, int]:
    """?page=1&perPage=20 (1-indexed [PUB]); bounds are [INF] (Bean Validation @Min/@Max texts)."""
    errors: list[FieldError] = []
    page = _query_int(query, "page", 1, 1, None, errors)
    per_page = _query_int(query, "perPage", 20, 1, max_per_page, errors)
    if errors:
        raise VendorError("INVALID_PAYLOAD", fields=tuple(errors))
    return page, per_page


def _query_int(query: dict[str, str], key: str, default: int, low: int, high: int | None, errors: list[FieldError]) -> int:
    raw = query.get(key, "").strip()
    if not raw:  # absent or empty: Spring's @RequestParam(defaultValue=...) behaviour [INF]
        return default
    value = parse_int(raw)
    if value is None:
        errors.append(FieldError(key, "type", "not an integer", {"expected_type": "integer"}))
        return default
    if value < low:
        errors.append(FieldError(key, "range", f"must be greater than or equal to {low}"))
    elif high is not None and value > high:
        errors.append(FieldError(key, "range", f"must be less than or equal to {high}"))
    return value


def page_of(records: list[dict[str, Any]], page: int, per_page: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page of ``records`` (newest id first) plus the pagination block."""
    records.sort(key=lambda record: record["id"], reverse=True)
    total = len(records)
    start = (page - 1) * per_page
    pagination = {
        "currentPage": page,
        "perPage": per_page,
        # [INF] Spring Data's Page: 0 pages when empty; a page past the end is empty, not an error.
        "totalPages": (total + per_page - 1) // per_page,
        "totalCount": total,
        "sort": SORT,
    }
    return records[start:start + per_page], pagination
