"""What a journal row is: how one exchange is kept, cut to its caps, and what a reader sees of it.

``core.journal.Journal`` stores rows and answers queries; this module is the row
itself: its layout (``Row`` and the positions in it), the caps a row is cut to
when it is recorded, the ``JournalSink`` a shared journal hands rows to, and the
decoding of a row into an ``Entry`` with its secrets replaced.  No reader ever
sees a row, only entries built from one, so no secret leaves the journal.

Secrets are found in the decoded structure, never by scanning bytes: a JSON
body is parsed (so ``"pass\\u0077ord"`` is ``password``), a form body is split
into its percent-decoded names (qs-style ``user[password]`` too) and the query
is looked up by its parsed names, all compared case-insensitively (casefold:
Go and .NET bind keys that way) with the names the row's vendor declares
(``Vendor.secrets``: its ``Secrets(fields, headers)``).  HTTP's own credential
headers are hidden for every vendor.  A body that still names a secret
anywhere, once escapes are undone, is hidden whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol
from urllib.parse import unquote_plus

import orjson

from .clock import iso_z
from .packed import unpack

REDACTED = "***"
CUT_KEY = "__cut__"  # in headers or query: how many items were not kept
# HTTP's own credentials and the admin API's token: hidden whatever the vendor.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-mock-admin-token"})

# Caps per field, applied when a row is recorded, far above what a real client
# sends: they only bound what a hostile or broken one can make the journal
# hold.  A cut text ends in a marker saying how long it was (``cut``).
NAME_LIMIT = 256  # characters of one header or query parameter name
HEADER_LIMIT = 4 * 1024  # characters of one header value
HEADERS_LIMIT = 8 * 1024  # characters of all header names and values of one entry
HEADER_COUNT_LIMIT = 64
PATH_LIMIT = 2 * 1024
QUERY_LIMIT = 4 * 1024  # characters of all parsed query names and values
QUERY_VALUE_LIMIT = QUERY_LIMIT // 2
QUERY_COUNT_LIMIT = 64
BODY_LIMIT = 64 * 1024  # request and response bodies, each
KEPT = BODY_LIMIT + 1  # one byte more than shown, so that reading still knows the body was cut

# A stored exchange (see Journal.record), opaque outside core.journal and this module: seq, time,
# vendor, operation, method, path, query (packed: see Journal._capped_row), header count, path +
# header names + values joined, body, status, response, scenario, latency_ms, session, near_miss,
# estimated size, the contract lint's warnings.
Row = tuple[int, float, str, str, str, str, bytes, int, str, bytes, int, bytes, str | None, float, str, str | None, int, tuple[str, ...]]
# Positions in a stored row (see Journal.record), for filters that need no decoding.
FIELDS = {"vendor": 2, "operation": 3, "method": 4, "path": 5, "status": 10, "scenario": 12, "session": 14, "near_miss": 15}
SESSION: Final = 14
SIZE: Final = 16
BODY: Final = 9
RESPONSE: Final = 11


class JournalSink(Protocol):
    """Where a shared journal's rows go (``Journal.sink``): every process writing one sees all of them.

    ``put`` each row as recorded; ``rows`` the newest ``size`` rows of every
    writer, oldest first, each with a ``seq`` that orders them all; ``clear``
    one session's rows or every row.  A store shared by several processes
    makes one (``RedisStore.journal_sink``); with none, the journal is this
    process's alone.
    """

    def put(self, row: Row) -> None: ...
    def rows(self) -> list[Row]: ...
    def clear(self, session: str | None) -> None: ...


# Estimated memory of a row besides its texts (tuple, numbers, small strings),
# and of one query item (two str objects and a slot).
ROW_BYTES = 450  # measured with tracemalloc: ~400 for a usual row
ITEM_BYTES = 120
NO_QUERY = b""  # a row's query when the request had none
SEP = "\x00"  # between the path, header names and values a row keeps as one text: HTTP forbids NUL in them
FAST_SIZE = ROW_BYTES + KEPT  # a row within it has neither body past its cap
_DEPTH_LIMIT = 64  # deeper JSON is shown as text: readers' encoders recurse
_NAME_PARTS = re.compile(r"[\[\].]")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")

Secrets = tuple[frozenset[str], frozenset[str]]  # (casefolded field names, lower-case header names)


def cut(text: str, limit: int) -> str:
    """``text`` in ``limit`` characters, the last ones saying that it was cut and from what length."""
    mark = f"...[cut: {len(text)} chars]"
    return text[: max(limit - len(mark), 0)] + mark


def capped(items: Mapping[str, str], value_limit: int, total_limit: int, count_limit: int, what: str) -> tuple[dict[str, str], int]:
    """Items within the caps (cut values, then whole items dropped past a cap) and their size in characters."""
    out: dict[str, str] = {}
    used = dropped = 0
    for name, value in items.items():
        if len(name) > NAME_LIMIT:
            name = cut(name, NAME_LIMIT)
        if len(value) > value_limit:
            value = cut(value, value_limit)
        size = len(name) + len(value)
        if len(out) >= count_limit or used + size > total_limit:
            dropped += 1
            continue
        out[name] = value
        used += size
    if dropped:
        out[CUT_KEY] = note = f"{dropped} more {what} not kept"
        used += len(CUT_KEY) + len(note)
    return out, used


# ------------------------------------------------------------------ redaction
def is_secret(name: str, fields: frozenset[str]) -> bool:
    """``name`` (a key, or a qs-style ``a[b].c`` path) names one of ``fields`` (casefolded)."""
    folded = name.casefold()
    if folded in fields:
        return True
    if "[" in folded or "." in folded or "]" in folded:
        return any(part in fields for part in _NAME_PARTS.split(folded))
    return False


def mentions_secret(text: str, fields: frozenset[str]) -> bool:
    """A secret name appears anywhere in ``text`` once percent-encoding and JSON ``\\u`` escapes are undone."""
    if not fields:
        return False
    probe = _JSON_ESCAPE.sub(lambda m: chr(int(m[1], 16)), unquote_plus(text)).casefold()
    return any(name in probe for name in fields)


def _redact_tree(value: Any, fields: frozenset[str]) -> bool:
    """Replace secret-named values of a freshly parsed JSON value, in place; False when it is too deep to show.

    Iterative: a parser's maximal depth would exhaust Python's stack.  A null
    secret stays null (it says the vendor answered none).
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > _DEPTH_LIMIT:
            return False
        if isinstance(item, dict):
            for key, child in item.items():  # replacing a value keeps the dict's size: safe while iterating
                if child is None:
                    continue
                if is_secret(key, fields):
                    item[key] = REDACTED
                elif isinstance(child, (dict, list)):
                    stack.append((child, depth + 1))
        else:
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return True


def redact_text(text: str, fields: frozenset[str]) -> str | None:
    """A text body (form-encoded or anything else) with secret form values replaced; None when it must be hidden whole.

    Read as ``name=value&...`` (percent-decoded names, qs-style paths), the
    values of secret names become ``***`` and the rest is kept as sent.  If
    what is left still names a secret anywhere (a broken JSON body, a secret
    written some other way), nothing of the text can be shown.
    """
    if not fields:
        return text
    segments = text.split("&")
    kept: list[str] = []
    rest: list[str] = []
    for segment in segments:
        name, equals, _ = segment.partition("=")
        if equals and is_secret(unquote_plus(name), fields):
            kept.append(f"{name}={REDACTED}")
        else:
            kept.append(segment)
            rest.append(segment)
    if mentions_secret("&".join(rest), fields):
        return None
    return text if len(rest) == len(segments) else "&".join(kept)


def shown_body(raw: bytes, fields: frozenset[str]) -> Any:
    """What a reader sees of a request or response body: decoded, secrets replaced, a cut body marked."""
    if not raw:
        return None
    truncated = len(raw) > BODY_LIMIT
    if truncated:
        raw = raw[:BODY_LIMIT]  # a cut JSON body does not parse: it is shown as text below
    else:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            if not isinstance(value, (dict, list)) or _redact_tree(value, fields):
                return value
    text = redact_text(raw.decode("utf-8", "replace"), fields)
    if text is None:
        return {"__unparsed__": True, "text": REDACTED}
    return {"__truncated__": True, "text": text} if truncated else text


def shown_query(query: bytes, fields: frozenset[str]) -> dict[str, str]:
    """The query a row keeps packed (``Journal._capped_row``), secret values replaced."""
    if not query:
        return {}
    items: list[str] = unpack(query)
    half = len(items) // 2
    return {name: REDACTED if is_secret(name, fields) else value for name, value in zip(items[:half], items[half:], strict=True)}


def shown_headers(count: int, joined: str, secret: frozenset[str]) -> dict[str, str]:
    """The headers a row keeps as one text (``Journal.record``), secret values replaced."""
    if not count:
        return {}
    parts = joined.split(SEP)
    if len(parts) != 2 * count + 1:  # the path, a name or a value held the separator (only an in-process caller can send one)
        return {CUT_KEY: "headers not shown: a NUL character in the request head"}
    return {name: REDACTED if name.lower() in secret else value for name, value in zip(parts[1 : count + 1], parts[count + 1 :], strict=True)}


# ------------------------------------------------------------------ entries
@dataclass(slots=True)
class Entry:
    """One exchange as a reader sees it: decoded, secrets replaced."""

    seq: int
    time: float  # clock timestamp; formatted only when read
    vendor: str
    operation: str
    method: str
    path: str
    query: Mapping[str, str]
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    scenario: str | None
    latency_ms: float
    session: str
    near_miss: str | None = None
    warnings: list[str] = field(default_factory=list)  # the contract lint's findings (core.lint), [] for a clean request

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": iso_z(datetime.fromtimestamp(self.time, UTC)),
            "vendor": self.vendor,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "response": self.response,
            "scenario": self.scenario,
            "latency_ms": self.latency_ms,
            "session": self.session,
            "near_miss": self.near_miss,
            "warnings": self.warnings,
        }
