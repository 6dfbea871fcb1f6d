"""The request journal: a bounded ring buffer a test can query and assert on.

Recording must stay cheap (it runs on every request), so a stored row keeps
the bytes, headers and query it was given, only cut to its caps (``core.journal_rows``; one
join measures the headers, a few length checks the rest: a usual request cuts
nothing), and everything else happens when an entry is read: decoding, and
removing secrets.  No reader ever sees a
row, only entries built from one, so no secret leaves the journal.

Bounded twice: at most ``size`` entries and at most ``max_bytes`` of kept data
(each row's size is estimated once, when it is recorded); the oldest go first.

The row itself (its layout, caps and cutting, the ``JournalSink`` of a shared
journal, and the decoding and redaction that make an ``Entry`` of it) lives in
``core.journal_rows``; its public names are importable from here as well.
"""

from __future__ import annotations

import gc
import json
import logging
import queue
import threading
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .journal_rows import (
    BODY,
    BODY_LIMIT,
    CREDENTIAL_HEADERS,
    CUT_KEY,
    FAST_SIZE,
    FIELDS,
    HEADER_COUNT_LIMIT,
    HEADER_LIMIT,
    HEADERS_LIMIT,
    ITEM_BYTES,
    KEPT,
    NAME_LIMIT,
    NO_QUERY,
    PATH_LIMIT,
    QUERY_COUNT_LIMIT,
    QUERY_LIMIT,
    QUERY_VALUE_LIMIT,
    REDACTED,
    RESPONSE,
    ROW_BYTES,
    SEP,
    SESSION,
    SIZE,
    Entry,
    JournalSink,
    Row,
    Secrets,
    capped,
    cut,
    is_secret,
    mentions_secret,
    redact_text,
    shown_body,
    shown_headers,
    shown_query,
)
from .packed import pack

# What this module offered before core.journal_rows was split from it: importers keep importing it from here.
__all__ = [
    "BODY_LIMIT", "CREDENTIAL_HEADERS", "CUT_KEY", "DECODED", "HEADERS_LIMIT", "HEADER_COUNT_LIMIT", "HEADER_LIMIT", "MAX_BYTES", "NAME_LIMIT",
    "PAGE_BYTES", "PAGE_SIZE", "PATH_LIMIT", "QUERY_COUNT_LIMIT", "QUERY_LIMIT", "QUERY_VALUE_LIMIT", "REDACTED", "SLICE_BYTES", "SLICE_ENTRIES",
    "Entry", "Journal", "JournalSink", "Row", "Secrets", "closest", "is_secret", "mentions_secret", "redact_text", "shown_body", "subset",
]

log = logging.getLogger("mockserver")

MAX_BYTES = 32 * 1024 * 1024  # default total of kept data
# A page of ``Journal.select``: building an entry (decoding, redaction, JSON) costs
# ~25 us for a usual exchange, so 1,000 entries answer in ~25-40 ms; bodies can
# reach BODY_LIMIT each, hence the byte budget as well.
PAGE_SIZE = 1000
PAGE_BYTES = 4 * 1024 * 1024
# ``Journal.slices``: a run of rows that renders in about a millisecond, so a
# reader can let other requests through between runs.
SLICE_ENTRIES = 64
SLICE_BYTES = 256 * 1024
DECODED = ("body", "headers", "response", "query")  # match criteria compared with a decoded entry
_join = SEP.join
_YOUNG_STEP = 511  # rows between the journal's own young collections (a power of two less one: a mask)
_collect_young = gc.collect


class Journal:
    """Bounded: the oldest entries fall off once ``size`` entries or ``max_bytes`` of kept data are reached.

    ``record`` runs on every request, so it stores a plain tuple and ``Entry``
    objects (decoded, redacted) are built only when someone reads.
    ``secrets``: vendor name -> (secret field names, secret header names), as
    the vendors declare them; a row of a vendor not named there is redacted
    with all of them.
    """

    def __init__(
        self, size: int = 10_000, file: Path | None = None, max_bytes: int = MAX_BYTES,
        secrets: Mapping[str, tuple[Iterable[str], Iterable[str]]] | None = None,
    ) -> None:
        self.size = max(size, 0)
        self.max_bytes = max(max_bytes, 0)
        self._entries: deque[Row] = deque(maxlen=self.size)
        self._bytes = 0
        self._seq = 0
        self._secrets: dict[str, Secrets] = {
            vendor: (frozenset(f.casefold() for f in fields), CREDENTIAL_HEADERS | {h.lower() for h in headers})
            for vendor, (fields, headers) in (secrets or {}).items()
        }
        self._anyone: Secrets = (
            frozenset().union(*(fields for fields, _ in self._secrets.values())),
            CREDENTIAL_HEADERS.union(*(headers for _, headers in self._secrets.values())),
        )
        self._writer = _FileWriter(file, self._json_line) if file else None
        self.sink: JournalSink | None = None  # set by the runtime when its store is shared

    def record(
        self, time: float, vendor: str, operation: str, method: str, path: str, query: Mapping[str, str],
        headers: Mapping[str, str], body: bytes, status: int, response: bytes, scenario: str | None,
        latency_ms: float, session: str, near_miss: str | None = None, warnings: tuple[str, ...] = (),
    ) -> None:
        """Store one exchange, each field within its cap.

        Redaction waits until the entry is read (``_entry``): most entries are
        never read.  The headers are kept as one text, names then values
        (``SEP`` never occurs in an HTTP header): the one C-level join that
        makes it also measures them, and a row holds one string instead of a
        dict of many.  A usual request (small, no query, no test session)
        takes this path: a few length checks and that join; anything else is
        cut to the caps by ``_capped_row``.
        """
        # orjson's output keeps its ~4 KB working buffer whatever its length: kept as it is,
        # 10,000 rows would hold 40+ MB that no size estimate sees.  A copy is exact: join()
        # makes one in ~60 ns (bytes(memoryview()) ~150; with one part alone join returns it).
        response = b"".join((response, b""))
        count = len(headers)
        joined = _join([path, *headers, *headers.values()])
        texts = len(joined)
        size = ROW_BYTES + texts + len(body) + len(response)
        # Past either limit some field may be past its cap: _capped_row looks at each.
        if texts > PATH_LIMIT or size > FAST_SIZE or count > HEADER_COUNT_LIMIT or query or session:
            row = self._capped_row(
                time, vendor, operation, method, path, query, headers, body, status, response, scenario, latency_ms, session, near_miss,
                texts - len(path) - 2 * count, warnings,
            )
            size = row[SIZE]
        else:
            self._seq += 1
            row = (
                self._seq, time, vendor, operation, method, path, NO_QUERY, count, joined, body,
                status, response, scenario, latency_ms, session, near_miss, size, warnings,
            )
        # Storing is written out here, for both kinds of row: a call would cost the usual path a tenth of its time.
        entries = self._entries
        if len(entries) == self.size:  # append drops the oldest row (a journal of size 0: this one)
            self._bytes -= entries[0][SIZE] if entries else size
        entries.append(row)
        self._bytes += size
        if self._bytes > self.max_bytes:
            self._evict()
        if not self._seq & _YOUNG_STEP:
            # A full journal frees a row for each it keeps: the collector's count of young objects
            # stops growing, so no collection comes, and every row since the last one (a tuple stays
            # tracked until a collection looks at it) waits for one that walks them all: 10,000 rows,
            # ~9 ms, a p99 spike.  Collected here in steps of 512 rows instead (~0.4 ms each): the
            # same work, spread out.
            _collect_young(0)
        if self._writer is not None:
            self._writer.put(row)
        if self.sink is not None:
            self.sink.put(row)

    def _capped_row(
        self, time: float, vendor: str, operation: str, method: str, path: str, query: Mapping[str, str],
        headers: Mapping[str, str], body: bytes, status: int, response: bytes, scenario: str | None,
        latency_ms: float, session: str, near_miss: str | None, header_chars: int, warnings: tuple[str, ...] = (),
    ) -> Row:
        """``record``'s row for a request that may exceed a cap (``header_chars``: what its names and values hold): each field is cut on its own."""
        if len(body) > KEPT:
            body = body[:KEPT]
        if len(response) > KEPT:
            response = response[:KEPT]
        size = ROW_BYTES + len(body) + len(response)
        if header_chars > HEADER_LIMIT or len(headers) > HEADER_COUNT_LIMIT:
            headers, _ = capped(headers, HEADER_LIMIT, HEADERS_LIMIT, HEADER_COUNT_LIMIT, "headers")
        if query:
            chars = len("".join([*query, *query.values()]))
            if chars > QUERY_VALUE_LIMIT or len(query) > QUERY_COUNT_LIMIT:
                query, chars = capped(query, QUERY_VALUE_LIMIT, QUERY_LIMIT, QUERY_COUNT_LIMIT, "parameters")
            size += chars + ITEM_BYTES * len(query)
        if len(path) > PATH_LIMIT:
            path = cut(path, PATH_LIMIT)
        if len(session) > HEADER_LIMIT:
            session = cut(session, HEADER_LIMIT)
        joined = SEP.join([path, *headers, *headers.values()])
        self._seq += 1
        return (
            # The query packed (its names, then its values), not a dict: a tuple holding a dict,
            # even an empty one, stays tracked by the cyclic collector for good; a row of str,
            # bytes and numbers only is untracked by its first collection and never walked
            # again (10,000 rows otherwise would be, by every collection of their generation).
            self._seq, time, vendor, operation, method, path, pack([*query, *query.values()]) if query else NO_QUERY, len(headers), joined, body,
            status, response, scenario, latency_ms, session, near_miss, size + len(joined) + len(session), warnings,
        )

    def _evict(self) -> None:
        entries = self._entries
        while entries and self._bytes > self.max_bytes:
            self._bytes -= entries.popleft()[SIZE]

    def _rows(self) -> Sequence[Row]:
        """What a reader sees: this process's rows, or every process's when the journal is shared."""
        return self._entries if self.sink is None else self.sink.rows()

    def clear(self, session: str | None = None) -> None:
        if self.sink is not None:
            self.sink.clear(session if session is None or len(session) <= HEADER_LIMIT else cut(session, HEADER_LIMIT))
        if session is None:
            self._entries.clear()
            self._bytes = 0
        else:
            if len(session) > HEADER_LIMIT:
                session = cut(session, HEADER_LIMIT)  # as recorded
            kept = [row for row in self._entries if row[SESSION] != session]
            self._entries.clear()
            self._entries.extend(kept)
            self._bytes = sum(row[SIZE] for row in kept)

    def __len__(self) -> int:
        return len(self._rows())

    @property
    def kept_bytes(self) -> int:
        """Estimated size of the kept rows (what ``max_bytes`` bounds)."""
        return self._bytes

    def entries(self) -> list[Entry]:
        return [self._entry(row) for row in self._rows()]

    def query(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries (oldest first) matching ``vendor``, ``operation``, ``status``, ``session``, ``method``, ``path``; ``limit`` keeps the newest."""
        limit = filters.pop("limit", None)
        found = [row for row in self._rows() if _fields_match(row, filters)]
        if limit:
            found = found[-limit:]
        return [self._entry(row).to_json() for row in found]

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
        rows = [row for row in self._rows() if _fields_match(row, filters)]
        if after is None:
            picked = _within(reversed(rows), limit, budget)
            picked.reverse()
            before = len(rows) - len(picked)
        else:
            before = bisect_right(rows, after, key=_seq)
            picked = _within(rows[before:], limit, budget)
        return len(rows), before, picked

    def newest(self, after: int, limit: int, budget: int = SLICE_BYTES) -> tuple[int, list[Row]]:
        """The rows recorded after seq ``after`` (oldest first): the newest ``limit`` of them within about
        ``budget`` bytes of bodies (one at least), and how many newer ones were left out.

        For a live reader polling with the last seq it saw (the dashboard's stream): it walks back
        from the newest row only, so a poll pays for what is new, never for the whole journal,
        and a reader that fell behind skips to the newest rows instead of queueing the rest.
        """
        picked: list[Row] = []
        skipped = used = 0
        for row in reversed(self._entries):
            if row[0] <= after:
                break
            used += _body_bytes(row)
            if len(picked) >= limit or (picked and used > budget):
                skipped += 1
            else:
                picked.append(row)
        picked.reverse()
        return skipped, picked

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
        return [self._entry(row).to_json() for row in rows]

    def matches(self, rows: Iterable[Row], match: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The entries of ``rows`` (already matching ``match``'s plain fields) that meet its body/headers/response/query."""
        out = []
        for row in rows:
            data = self._entry(row).to_json()
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

    def _entry(self, row: Row) -> Entry:
        """The entry a reader sees: decoded, secrets redacted, latency rounded."""
        (seq, time, vendor, operation, method, path, query, count, joined, body,
         status, response, scenario, latency_ms, session, near_miss, _, warnings) = row
        fields, secret_headers = self._secrets.get(vendor) or self._anyone
        return Entry(
            seq, time, vendor, operation, method, path, shown_query(query, fields), shown_headers(count, joined, secret_headers),
            shown_body(body, fields), status, shown_body(response, fields), scenario, round(latency_ms, 3), session, near_miss,
            list(warnings),
        )

    def _json_line(self, row: Row) -> str:
        return json.dumps(self._entry(row).to_json(), ensure_ascii=False)


def _seq(row: Row) -> int:
    return int(row[0])


def _body_bytes(row: Row) -> int:
    return len(row[BODY]) + len(row[RESPONSE])  # request and response bodies, already cut to BODY_LIMIT


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


def _fields_match(row: Row, filters: Mapping[str, Any]) -> bool:
    for key, wanted in filters.items():
        if wanted is None or wanted == "":
            continue
        value = row[FIELDS[key]]
        if key == "status":
            status_class = isinstance(wanted, str) and len(wanted) == 3 and wanted.endswith("xx")  # "4xx" matches 400-499
            if str(value) != str(wanted) and not (status_class and str(value)[0] == wanted[0]):
                return False
        elif value != wanted:
            return False
    return True


def subset(wanted: object, actual: object) -> bool:
    """``wanted`` is contained in ``actual``: dict keys recursively, other values by equality (journal and scenario matches)."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in wanted.items())
    return bool(wanted == actual)


def closest(entries: Iterable[dict[str, Any]], match: Mapping[str, Any], keys: Iterable[str]) -> list[dict[str, Any]]:
    """Entries that share the most of ``match``'s top-level criteria (for readable assertion failures)."""
    keys = list(keys)

    def score(entry: dict[str, Any]) -> int:
        return sum(
            1 for k in keys
            if k in match and (subset(match[k], entry.get(k)) if isinstance(match[k], dict) else str(entry.get(k)) == str(match[k]))
        )

    ranked = sorted(entries, key=score, reverse=True)
    return ranked[:3]


class _FileWriter:
    """Appends entries as JSON lines from a background thread: no file I/O on the request path."""

    def __init__(self, path: Path, render: Callable[[Row], str]) -> None:
        self._queue: queue.SimpleQueue[Row | None] = queue.SimpleQueue()
        self._render = render
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._thread = threading.Thread(target=self._run, name="mockserver-journal", daemon=True)
        self._thread.start()

    def put(self, row: Row) -> None:
        self._queue.put(row)

    def _run(self) -> None:
        while True:
            row = self._queue.get()
            if row is None:
                break
            try:
                # Redacted here, in the writer's thread, like any other read of a row.
                line = self._render(row)
            except Exception:  # a bug of ours must not end the file: the entry is left out, loudly
                log.exception("journal file: entry %s left out", row[0])
            else:
                self._file.write(line + "\n")
            if self._queue.empty():
                self._file.flush()
        self._file.close()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
