"""Payabli's Query API for users: filters, sorting and paging.

``GET /Query/users/org/{orgId}`` and ``/Query/users/point/{entry}`` [PUB:
sdk-ruby reference.md ListUsersOrg / ListUsersPaypoint] take:

- ``fromRecord`` (records to skip, default 0) and ``limitRecord`` (default 20;
  ``0`` or negative = all records) [PUB];
- ``sortBy`` = ``asc(field)`` / ``desc(field)`` [PUB];
- filters written ``field(op)=value``: ``createdDate`` (gt ge lt le eq ne),
  ``name`` / ``email`` (eq ne ct nct), ``status`` (eq ne in nin, values split
  by ``|``), ``role.roleLabel`` / ``role.roleValue`` (eq ne ct nct) [PUB].

[INF] choices: paging parameter names bind case-insensitively (.NET query
binding) while filter field names are case-sensitive (Payabli's docs warn they
are); a filter on an unknown field, or with an operator the field does not
accept, is ignored (the docs say such filters may be ignored); text compares
case-insensitively (SQL Server's default collation); an unparsable number or
date is 3003.  The default order is userId ascending (creation order).
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from ...core.clock import parse_instant
from ...core.errors import FieldError, VendorError

_FILTER = re.compile(r"^(?P<field>[A-Za-z][A-Za-z.]*)(?:\((?P<op>[a-z]*)\))?$")
_SORT = re.compile(r"^(?P<dir>asc|desc)\((?P<field>[A-Za-z.]+)\)$", re.IGNORECASE)
_INT = re.compile(r"^\s*[+-]?\d{1,18}\s*$")

_TEXT_OPS = {"eq", "ne", "ct", "nct"}
_ORDER_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
_SET_OPS = {"eq", "ne", "in", "nin"}
# Record values each filter/sort field reads.
_TEXT_FIELDS = {"name": "Name", "email": "Email"}
_SORT_FIELDS = {"name": "Name", "email": "Email", "status": "UsrStatus", "createddate": "createdAt", "userid": "userId"}


def invalid(loc: str, clause: str) -> VendorError:
    return VendorError("3003", fields=(FieldError(loc, "invalid", clause, {"code": "3003"}),))


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    # .NET binds query parameters case-insensitively: fromrecord works too.
    for key, value in query.items():
        if key.lower() == name.lower():
            if not _INT.match(value):
                raise invalid(name, "must be an integer")
            return int(value)
    return default


def _instant(loc: str, value: str) -> float:
    try:
        return parse_instant(value).timestamp()
    except ValueError:
        raise invalid(loc, "must be a date like 2024-01-31 or 2024-01-31T12:00:00Z") from None


def _text_test(op: str, wanted: str) -> Callable[[Any], bool]:
    wanted = wanted.lower()
    if op == "eq":
        return lambda v: v is not None and str(v).lower() == wanted
    if op == "ne":
        return lambda v: v is None or str(v).lower() != wanted
    if op == "ct":
        return lambda v: v is not None and wanted in str(v).lower()
    return lambda v: v is None or wanted not in str(v).lower()  # nct


def _order_test(op: str, wanted: float) -> Callable[[Any], bool]:
    compare: dict[str, Callable[[float, float], bool]] = {
        "eq": lambda a, b: a == b,
        "ne": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }
    check = compare[op]
    return lambda v: v is not None and check(v, wanted)


def _status_test(loc: str, op: str, raw: str) -> Callable[[Any], bool]:
    parts = raw.split("|") if op in ("in", "nin") else [raw]
    if not all(_INT.match(p) for p in parts):
        raise invalid(loc, "must be an integer" if len(parts) == 1 else "must be integers separated by |")
    values = {int(p) for p in parts}
    if op in ("eq", "in"):
        return lambda v: v in values
    return lambda v: v not in values


def filters(query: dict[str, str]) -> list[Callable[[dict[str, Any]], bool]]:
    """One predicate per recognised ``field(op)=value`` parameter."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for key, raw in query.items():
        match = _FILTER.match(key)
        if match is None:
            continue
        field, op = match["field"], match["op"] or "eq"
        if field in _TEXT_FIELDS and op in _TEXT_OPS:
            tests.append(_on(_TEXT_FIELDS[field], _text_test(op, raw)))
        elif field == "status" and op in _SET_OPS:
            tests.append(_on("UsrStatus", _status_test(key, op, raw)))
        elif field == "createdDate" and op in _ORDER_OPS:
            tests.append(_created(op, raw, key))
        elif field in ("role.roleLabel", "role.roleValue") and op in _TEXT_OPS:
            tests.append(_role(field.partition(".")[2], _text_test(op, raw), op in ("ne", "nct")))
    return tests


def _on(column: str, test: Callable[[Any], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda record: test(record[column])


def _created(op: str, raw: str, loc: str) -> Callable[[dict[str, Any]], bool]:
    start = _instant(loc, raw)
    if len(raw.strip()) == 10 and op in ("eq", "ne"):
        # [INF] a bare date (2024-01-31) names the whole UTC day
        want = op == "eq"
        return lambda r: (start <= r["createdAt"] < start + 86400) == want
    return _on("createdAt", _order_test(op, start))


def _role(column: str, test: Callable[[Any], bool], negative: bool) -> Callable[[dict[str, Any]], bool]:
    def check(record: dict[str, Any]) -> bool:
        values = [_role_text(item.get(column)) for item in record["Access"]]
        # "ne"/"nct": no role matches the value; otherwise some role does.
        return all(test(v) for v in values) if negative else any(test(v) for v in values)

    return check


def _role_text(value: Any) -> Any:
    # roleValue is a boolean: compared as JSON text ("true"/"false").
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _sorted(records: list[dict[str, Any]], sort_by: str | None) -> list[dict[str, Any]]:
    match = _SORT.match(sort_by.strip()) if sort_by else None
    column = _SORT_FIELDS.get(match["field"].lower()) if match else None
    if match is None or column is None:
        return records  # unknown sort: the default order [INF]
    present = [r for r in records if r[column] is not None]
    missing = [r for r in records if r[column] is None]
    present.sort(key=lambda r: (str(r[column]).lower() if isinstance(r[column], str) else r[column]), reverse=match["dir"].lower() == "desc")
    # SQL Server sorts NULL first ascending, last descending.
    return missing + present if match["dir"].lower() == "asc" else present + missing


def page(records: Iterable[dict[str, Any]], query: dict[str, str], default_size: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Filter, sort and page stored users; return the page and its ``Summary``."""
    start = _int_param(query, "fromRecord", 0)
    if start < 0:
        raise invalid("fromRecord", "must be 0 or more")
    limit = _int_param(query, "limitRecord", default_size)
    tests = filters(query)
    chosen = sorted((r for r in records if all(t(r) for t in tests)), key=lambda r: r["userId"])
    sort_by = next((v for k, v in query.items() if k.lower() == "sortby"), None)
    chosen = _sorted(chosen, sort_by)
    total = len(chosen)
    # limitRecord 0 or negative: every record [PUB]; the page is then as big as the result [INF].
    size = limit if limit > 0 else total
    rows = chosen[start:start + size] if limit > 0 else chosen[start:]
    following = start + len(rows)
    summary = {
        # The newest SDK's key (sdk-python 1.0.19 reads `pageidentifier`; older SDKs and the
        # example `pageIdentifier`): null when there is no further page [PUB], else an opaque token [INF].
        "pageidentifier": _page_token(following, size) if following < total else None,
        "pageSize": size,
        "totalAmount": 0.0,  # amounts mean nothing for users [INF]; the newest SDK types them floats [PUB]
        "totalNetAmount": 0.0,
        "totalPages": math.ceil(total / size) if size else 0,
        "totalRecords": total,
    }
    return rows, summary


def _page_token(following: int, size: int) -> str:
    # Opaque to clients (the API takes no token back): where the next page starts.
    return base64.urlsafe_b64encode(f"fromRecord={following}&limitRecord={size}".encode()).decode().rstrip("=")
