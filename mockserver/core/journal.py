"""The request journal: a bounded ring buffer a test can query and assert on.

Recording must stay cheap (it runs on every request), so a stored row keeps
the raw bytes and headers it was given, and everything else happens when an
entry is read: decoding, and removing secrets (header values by name, JSON
body fields by key; a body is only parsed when a byte scan shows a
secret-looking key).  No reader ever sees a row, only entries built from one,
so no secret leaves the journal; only body sizes are capped at record time, to
keep the buffer's memory bounded whatever clients send.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import orjson

from .clock import UTC, iso_z

REDACTED = "***"
SECRET_HEADERS = frozenset({"authorization", "requesttoken", "apikey", "x-api-key", "cookie", "set-cookie", "proxy-authorization"})
SECRET_KEYS = frozenset(
    k.lower()
    for k in (
        "password", "pwd", "token", "accessToken", "refreshToken", "access_token", "refresh_token", "apiKey",
        "apiSecret", "clientSecret", "client_secret", "secret", "requestToken", "mfaValidationCode",
    )
)
# Every secret key contains one of these stems (lower-cased).  Finding a stem
# is a C-level substring search, so a body without any costs well under a
# microsecond; only around a hit do we look at the enclosing JSON key.
_STEMS = (b"pass", b"pwd", b"token", b"secret", b"apikey", b"validationcode")
_SECRET_KEY_BYTES = frozenset(k.encode() for k in SECRET_KEYS)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BLANK_CODES = frozenset(b" \t\r\n")
BODY_LIMIT = 64 * 1024  # keep at most this much of any body: the buffer stays bounded whatever clients send
_KEPT = BODY_LIMIT + 1  # one byte more than shown, so that reading still knows the body was cut
# A page of ``Journal.page``: building an entry (decoding, redaction, JSON) costs
# ~25 us for a usual exchange, so 1,000 entries answer in ~25-40 ms; bodies can
# reach BODY_LIMIT each, hence the byte budget as well.
PAGE_SIZE = 1000
PAGE_BYTES = 4 * 1024 * 1024
# ``Journal.slices``: a run of rows that renders in about a millisecond, so a
# reader can let other requests through between runs.
SLICE_ENTRIES = 64
SLICE_BYTES = 256 * 1024
DECODED = ("body", "headers", "response", "query")  # match criteria compared with a decoded entry
Row = tuple[Any, ...]  # a stored exchange (see Journal.record); opaque outside this module


def redact(value: Any) -> Any:
    """Replace secret-named fields of a freshly parsed JSON value, in place (no copies)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None:
                continue
            if key.lower() in SECRET_KEYS:
                value[key] = REDACTED
            elif isinstance(item, (dict, list)):
                redact(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                redact(item)
    return value


def _secret_spans(raw: bytes) -> list[tuple[int, int]] | None:
    """Byte spans of the string values held by secret keys; ``None`` when one holds something else.

    Works on the bytes the client sent, so the common case (no secret, or
    secrets holding strings) costs no JSON parse.  Lower-casing ASCII keeps
    every offset, so positions found in ``low`` are valid in ``raw``.
    """
    low = raw.lower()
    spans: set[tuple[int, int]] = set()
    for stem in _STEMS:
        at = low.find(stem)
        while at >= 0:
            opening, closing = low.rfind(b'"', 0, at), low.find(b'"', at)
            if opening >= 0 and closing > 0 and low[opening + 1 : closing] in _SECRET_KEY_BYTES:
                colon = _skip_blanks(low, closing + 1)
                if low[colon : colon + 1] == b":":
                    value = _skip_blanks(low, colon + 1)
                    string = _JSON_STRING.match(raw, value) if raw[value : value + 1] == b'"' else None
                    if string is not None:
                        spans.add((value, string.end()))
                    elif not low.startswith(b"null", value):
                        return None  # a number, object or array under a secret key: parse instead
            at = low.find(stem, at + 1)
    return sorted(spans)


def _skip_blanks(data: bytes, at: int) -> int:
    end = len(data)
    while at < end and data[at] in _BLANK_CODES:
        at += 1
    return at


def _safe_body(raw: bytes) -> Any:
    """What the journal keeps of a body: bytes with secret string values replaced, or a redacted value."""
    if len(raw) > BODY_LIMIT:
        raw = raw[:BODY_LIMIT]
        truncated = True
    else:
        truncated = False
    spans = _secret_spans(raw)
    if spans is None:
        try:
            return redact(orjson.loads(raw))
        except orjson.JSONDecodeError:  # not JSON after all, and a secret key in it: keep no text
            return {"__unparsed__": True, "text": REDACTED}
    if spans:
        parts, done = [], 0
        for start, end in spans:
            parts += (raw[done:start], b'"***"')
            done = end
        parts.append(raw[done:])
        raw = b"".join(parts)
    return raw if not truncated else {"__truncated__": True, "text": raw.decode("utf-8", "replace")}


def _decode(body: Any) -> Any:
    if isinstance(body, bytes):
        if not body:
            return None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return body.decode("utf-8", "replace")
    return body


@dataclass(slots=True)
class Entry:
    seq: int
    time: float  # clock timestamp; formatted only when read
    vendor: str
    operation: str
    method: str
    path: str
    query: Mapping[str, str]
    headers: dict[str, str]
    body: Any  # bytes (nothing secret) or an already-redacted value
    status: int
    response: Any
    scenario: str | None
    latency_ms: float
    session: str
    near_miss: str | None = None

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
            "body": _decode(self.body),
            "status": self.status,
            "response": _decode(self.response),
            "scenario": self.scenario,
            "latency_ms": self.latency_ms,
            "session": self.session,
            "near_miss": self.near_miss,
        }


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    out = dict(headers)
    for name in SECRET_HEADERS.intersection(headers):
        out[name] = REDACTED
    return out


class Journal:
    """Bounded: the oldest entries fall off once ``size`` is reached.

    ``record`` runs on every request, so it stores a plain tuple (already
    redacted) and ``Entry`` objects are built only when someone reads.
    """

    def __init__(self, size: int = 10_000, file: Path | None = None) -> None:
        self.size = size
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=max(size, 0) or None) if size > 0 else deque(maxlen=0)
        self._seq = 0
        self._writer = _FileWriter(file) if file else None

    def record(
        self, time: float, vendor: str, operation: str, method: str, path: str, query: Mapping[str, str],
        headers: Mapping[str, str], body: bytes, status: int, response: bytes, scenario: str | None,
        latency_ms: float, session: str, near_miss: str | None = None,
    ) -> None:
        """Store one exchange.

        Redaction waits until the entry is read (``_entry``): most entries are
        never read, and scanning bodies cost a third of the core's request path.
        """
        self._seq += 1
        if len(body) > _KEPT:
            body = body[:_KEPT]
        if len(response) > _KEPT:
            response = response[:_KEPT]
        row = (
            self._seq, time, vendor, operation, method, path, query, headers, body,
            status, response, scenario, latency_ms, session, near_miss,
        )
        self._entries.append(row)
        if self._writer is not None:
            self._writer.put(row)

    def clear(self, session: str | None = None) -> None:
        if session is None:
            self._entries.clear()
        else:
            kept = [row for row in self._entries if row[_SESSION] != session]
            self._entries.clear()
            self._entries.extend(kept)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[Entry]:
        return [_entry(row) for row in self._entries]

    def query(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries (oldest first) matching ``vendor``, ``operation``, ``status``, ``session``, ``method``, ``path``; ``limit`` keeps the newest."""
        limit = filters.pop("limit", None)
        found = [row for row in self._entries if _fields_match(row, filters)]
        if limit:
            found = found[-limit:]
        return [_entry(row).to_json() for row in found]

    def select(
        self, filters: Mapping[str, Any], after: int | None = None, limit: int | None = PAGE_SIZE, budget: int | None = PAGE_BYTES,
    ) -> tuple[int, int, list[Row]]:
        """Where a page of the entries matching ``filters`` lies: ``(matching, before, rows)``, rows oldest first.

        ``after``: the oldest entries whose ``seq`` is above it (a cursor: the
        last ``seq`` seen walks the journal forward); ``None``: the newest.  At
        most ``limit`` entries and about ``budget`` bytes of kept bodies (one
        entry at least; ``None``: no bound), so rendering a page costs bounded
        time whatever the journal holds.  ``matching`` counts every entry that
        matches ``filters``, ``before`` those older than the page.  Only the
        rows' plain fields are compared: cheap, no entry is built.  The rows
        are for ``render`` and ``matches`` (a few at a time: see ``slices``).
        """
        rows = [row for row in self._entries if _fields_match(row, filters)]
        if after is None:
            picked = _within(reversed(rows), limit, budget)
            picked.reverse()
            before = len(rows) - len(picked)
        else:
            before = bisect_right(rows, after, key=_seq)
            picked = _within(rows[before:], limit, budget)
        return len(rows), before, picked

    @staticmethod
    def slices(rows: list[Row]) -> Iterator[list[Row]]:
        """``rows`` in runs that each render in about a millisecond (a few entries, or one big one)."""
        start, used = 0, 0
        for end, row in enumerate(rows):
            used += _body_bytes(row)
            if end - start >= SLICE_ENTRIES or (end > start and used > SLICE_BYTES):
                yield rows[start:end]
                start, used = end, _body_bytes(row)
        if start < len(rows):
            yield rows[start:]

    def render(self, rows: Iterable[Row]) -> list[dict[str, Any]]:
        """The entries of ``rows`` as a reader sees them (decoded, secrets replaced), as JSON data."""
        return [_entry(row).to_json() for row in rows]

    def matches(self, rows: Iterable[Row], match: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The entries of ``rows`` (already matching ``match``'s plain fields) that meet its body/headers/response/query."""
        out = []
        for row in rows:
            data = _entry(row).to_json()
            if all(subset(match[k], data[k]) for k in DECODED if k in match):
                out.append(data)
        return out

    def count(self, match: Mapping[str, Any]) -> int:
        if not match.keys() & set(DECODED):  # plain fields only: no entry needs building
            return self.select(match, limit=0)[0]
        return len(self.matching(match))

    def matching(self, match: Mapping[str, Any]) -> list[dict[str, Any]]:
        plain = {k: v for k, v in match.items() if k not in DECODED}
        _, _, rows = self.select(plain, limit=None, budget=None)
        return self.matches(rows, match)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


# Positions in a stored row (see Journal.record), for filters that need no decoding.
_FIELDS = {"vendor": 2, "operation": 3, "method": 4, "path": 5, "status": 9, "scenario": 11, "session": 13, "near_miss": 14}
_SESSION = _FIELDS["session"]
_BODY, _RESPONSE = 8, 10


def _seq(row: Row) -> int:
    return int(row[0])


def _body_bytes(row: Row) -> int:
    return len(row[_BODY]) + len(row[_RESPONSE])  # request and response bodies, already cut to BODY_LIMIT


def _within(rows: Iterable[Row], limit: int | None, budget: int | None) -> list[Row]:
    """The first of ``rows``, up to ``limit`` of them and ``budget`` bytes of bodies (one at least); ``None``: no bound."""
    picked: list[Row] = []
    used = 0
    for row in rows:
        used += _body_bytes(row)
        if (limit is not None and len(picked) >= limit) or (budget is not None and picked and used > budget):
            break
        picked.append(row)
    return picked


def _entry(row: tuple[Any, ...]) -> Entry:
    """The entry a reader sees: secrets redacted, latency rounded."""
    (seq, time, vendor, operation, method, path, query, headers, body,
     status, response, scenario, latency_ms, session, near_miss) = row
    return Entry(
        seq, time, vendor, operation, method, path, query, safe_headers(headers), _safe_body(body), status,
        _safe_body(response), scenario, round(latency_ms, 3), session, near_miss,
    )


def _fields_match(row: tuple[Any, ...], filters: Mapping[str, Any]) -> bool:
    for key, wanted in filters.items():
        if wanted is None or wanted == "":
            continue
        value = row[_FIELDS[key]]
        if key == "status":
            if str(value) != str(wanted) and not (isinstance(wanted, str) and len(wanted) == 3 and wanted.endswith("xx") and str(value)[0] == wanted[0]):
                return False
        elif value != wanted:
            return False
    return True


def subset(wanted: Any, actual: Any) -> bool:
    """``wanted`` is contained in ``actual``: dict keys recursively, other values by equality."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in wanted.items())
    return bool(wanted == actual)


def closest(entries: Iterable[dict[str, Any]], match: Mapping[str, Any], keys: Iterable[str]) -> list[dict[str, Any]]:
    """Entries that share the most of ``match``'s top-level criteria (for readable assertion failures)."""
    keys = list(keys)

    def score(entry: dict[str, Any]) -> int:
        return sum(1 for k in keys if k in match and (subset(match[k], entry.get(k)) if isinstance(match[k], dict) else str(entry.get(k)) == str(match[k])))

    ranked = sorted(entries, key=score, reverse=True)
    return ranked[:3]


class _FileWriter:
    """Appends entries as JSON lines from a background thread: no file I/O on the request path."""

    def __init__(self, path: Path) -> None:
        self._queue: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._thread = threading.Thread(target=self._run, name="mockserver-journal", daemon=True)
        self._thread.start()

    def put(self, row: tuple[Any, ...]) -> None:
        self._queue.put(row)

    def _run(self) -> None:
        while True:
            row = self._queue.get()
            if row is None:
                break
            # Redacted here, in the writer's thread, like any other read of a row.
            self._file.write(json.dumps(_entry(row).to_json(), ensure_ascii=False) + "\n")
            if self._queue.empty():
                self._file.flush()
        self._file.close()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
