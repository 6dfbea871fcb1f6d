"""Cursor paging the way eTop's GetAccountUsers pages.

[PUB: eTop ``cmapi.CMCursorPaging`` and ``sqlstore.Paging`` (o.o)]:
- no ``paging`` -> ``after="."`` (from the start), limit 100; a limit of 0 or
  above 100 becomes 100; a negative one fails ``invalid limit``;
- ``sort`` is one field, optionally ``-`` for descending; the account-user
  listing defaults to ``-created_at`` and always breaks ties on the row id;
- ``after``/``before`` take the ``next``/``prev`` cursor of an earlier page;
  a cursor is opaque: the sort value and the row id, field-tagged, sign-flipped
  for a descending sort, byte-reversed, base64url;
- every page answers ``prev`` (its first row) and ``next`` (its last row),
  even the last page; an empty page answers "" for both.
[INF] the numbers tagging created_at (3) in a cursor and the sortable fields
(created_at, updated_at); int64 values big-endian.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Sequence

from ...core.errors import VendorError

MAX_LIMIT = 100
DEFAULT_SORT = "-created_at"
_ID = 1
# [PUB] PagingField id=1, updated_at=2 (etop.vn build); created_at=3 [INF].
_FIELDS: dict[str, int] = {"updated_at": 2, "created_at": 3}
_NAMES: dict[int, str] = {number: name for name, number in _FIELDS.items()}
# The record key holding each sortable field as int64 microseconds.
_RECORD_KEYS: dict[str, str] = {"created_at": "created_us", "updated_at": "updated_us"}


# The request's rules as regexes (OpenAPI document only).  A sort: one field of
# _FIELDS, "-" for descending, or none.  A cursor: "." (from the start) or what
# _encode writes, 18 bytes in base64url: byte 8 the row-id tag (_ID) and byte 17
# a sort field's tag, possibly negated (_decode refuses anything else); whether
# its field and direction match the sort is a rule across fields, not stated.
SORTS = "^(?:-?(?:" + "|".join(sorted(_FIELDS)) + "))?$"
_B64, _TAG_PAD, _TAG_NEG = "[A-Za-z0-9_-]", "[AEIMQUYcgkosw048]", "[DHLPTXbfjnrvz37_]"  # base64 digits = 0 / 3 mod 4
CURSOR_PATTERN = f"^(?:\\.|{_B64}{{10}}{_TAG_PAD}B{_B64}{{10}}(?:{_TAG_PAD}[CD]|{_TAG_NEG}[9-]))?$"


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, Any]]
    info: dict[str, Any]  # the response's "paging", in wire key order


def _invalid(message: str) -> VendorError:
    return VendorError("invalid_argument", message)


def paginate(rows: Sequence[dict[str, Any]], paging: dict[str, Any] | None) -> Page:
    """One page of ``rows`` (already filtered) for the request's ``paging``."""
    # --- cmapi.CMCursorPaging
    paging = paging or {}
    sort_text = paging.get("sort", "")
    sorts = sort_text.split(",") if sort_text else []
    if len(sorts) > 1:
        raise _invalid("paging is invalid (can not sort by more than 1 field)")
    if sorts and sorts[0] in ("id", "-id"):
        raise _invalid("paging is invalid (can not sort by id)")
    after, before = paging.get("after", ""), paging.get("before", "")
    if not after and not before:
        after = "."
    limit = paging.get("limit", 0)
    if limit == 0 or limit > MAX_LIMIT:
        limit = MAX_LIMIT

    # --- sqlstore.LimitSort / validateCursorPaging, with the listing's default sort
    sort = sorts[0] if sorts else DEFAULT_SORT
    if limit < 0:
        raise _invalid("invalid limit")
    if after and before:
        raise _invalid("paging is invalid")
    reverse = bool(before)
    cursor = before or after
    if cursor == ".":
        name = sort[1:] if sort.startswith("-") else sort
        if name not in _FIELDS:
            raise _invalid(f"paging is invalid (sorting by {name} is not supported)")
        negative, position = sort.startswith("-"), None
    else:
        try:
            name, negative, position = _decode(cursor)
        except ValueError as err:
            raise _invalid(f"paging is invalid ({err})") from None
        if sort != ("-" if negative else "") + name:
            raise _invalid("paging is invalid (sort does not match)")

    key = _RECORD_KEYS[name]
    ordered = sorted(rows, key=lambda r: (r[key], r["id"]), reverse=negative)
    if position is not None:
        # Strictly past the cursor in the listing's order (before: strictly ahead of it).
        if reverse == negative:
            ordered = [r for r in ordered if (r[key], r["id"]) > position]
        else:
            ordered = [r for r in ordered if (r[key], r["id"]) < position]
        if reverse:
            ordered.reverse()  # nearest rows first, as the SQL reads them
    elif reverse:
        ordered.reverse()
    chosen = ordered[:limit]
    if reverse:
        chosen.reverse()

    prev = _encode(name, negative, chosen[0], key) if chosen else ""
    nxt = _encode(name, negative, chosen[-1], key) if chosen else ""
    info = {
        "after": after,
        "before": before,
        "limit": limit,
        "next": nxt,
        "prev": prev,
        "sort": sorts[0] if sorts else "",  # [PUB] the request's sort, not the default
    }
    return Page(chosen, info)


def _encode(name: str, negative: bool, row: dict[str, Any], key: str) -> str:
    data = bytearray([_FIELDS[name]])
    data += int(row[key]).to_bytes(8, "big", signed=True)
    data.append(_ID)
    data += int(row["id"]).to_bytes(8, "big", signed=True)
    if negative:  # the first field byte carries the direction
        data[0] = -data[0] & 0xFF
    data.reverse()
    return base64.urlsafe_b64encode(bytes(data)).decode("ascii")


def _decode(cursor: str) -> tuple[str, bool, tuple[int, int]]:
    """(sort field, descending, (sort value, row id)); ValueError(Go's text) otherwise."""
    data = bytearray(go_base64url_decode(cursor))
    if not data:
        raise ValueError("empty cursor")
    data.reverse()
    negative = data[0] >= 0x80  # int8(data[0]) < 0
    if negative:
        data[0] = -data[0] & 0xFF
    items: list[tuple[int, int]] = []
    at = 0
    while at < len(data):
        field = data[at]
        if field != _ID and field not in _NAMES or at + 9 > len(data):
            raise ValueError("invalid cursor")
        items.append((field, int.from_bytes(data[at + 1 : at + 9], "big", signed=True)))
        at += 9
    # [INF] cursor.Validate: one sort field then the row id, as this listing writes them.
    if len(items) != 2 or items[0][0] == _ID or items[1][0] != _ID:
        raise ValueError("invalid cursor")
    return _NAMES[items[0][0]], negative, (items[0][1], items[1][1])


_ALPHABET = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_NEWLINES = (0x0A, 0x0D)


def go_base64url_decode(text: str) -> bytes:
    """Go's ``base64.URLEncoding.DecodeString``: padded, newlines skipped,
    errors as ``illegal base64 data at input byte N`` (a port of decodeQuantum)."""
    src = text.encode("utf-8")
    out = bytearray()
    si, n = 0, len(src)
    while True:
        buf = [0, 0, 0, 0]
        size = 4
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise ValueError(f"illegal base64 data at input byte {si - j}")
            char = src[si]
            si += 1
            value = _ALPHABET.get(char)
            if value is not None:
                buf[j] = value
                j += 1
                continue
            if char in _NEWLINES:
                continue
            if char != 0x3D or j < 2:  # not "=", or padding too early
                raise ValueError(f"illegal base64 data at input byte {si - 1}")
            if j == 2:  # "==" expected: the second one must follow
                while si < n and src[si] in _NEWLINES:
                    si += 1
                if si == n:
                    raise ValueError(f"illegal base64 data at input byte {n}")
                if src[si] != 0x3D:
                    raise ValueError(f"illegal base64 data at input byte {si - 1}")
                si += 1
            while si < n and src[si] in _NEWLINES:
                si += 1
            if si < n:
                raise ValueError(f"illegal base64 data at input byte {si}")
            size = j
            break
        value = buf[0] << 18 | buf[1] << 12 | buf[2] << 6 | buf[3]
        out += bytes(((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF))[: size - 1]
        if size < 4:
            return bytes(out)
