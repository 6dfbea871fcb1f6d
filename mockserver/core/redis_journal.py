"""The journal on Redis (``RedisStore.journal_sink``): one capped stream every worker naming the store writes."""

from __future__ import annotations

import marshal
from typing import TYPE_CHECKING

from . import redis_scripts as scripts
from .journal import Row
from .redis_lane import Head

if TYPE_CHECKING:
    from .redis_store import RedisStore


class RedisJournal:
    """``core.journal.JournalSink`` on a capped stream (``XADD MAXLEN ~``): every worker's calls, in one order.

    A row goes in as ``marshal`` bytes (a tuple of str, bytes and numbers: read
    back exactly, by the same code that wrote it) with its global ``seq``, from
    one counter, and its session (so clearing one session's rows reads no row).
    ``MAXLEN ~`` trims whole stream nodes (100 entries each), so the stream
    holds at most ~100 entries past ``size``; a read returns the newest ``size``.
    """

    def __init__(self, store: RedisStore, size: int) -> None:
        self._store = store
        self.size = size
        self.key = f"{store.prefix}:journal"
        self._seq = f"{store.prefix}:journal:seq"  # never cleared: a reader's `after` cursor stays valid
        # EVAL, not EVALSHA: a reply read later could only say NOSCRIPT, the rows lost; Redis caches the
        # script by its digest all the same.  A turn's rows go in one call (core.redis_lane).
        self._head = Head("EVAL", scripts.JOURNAL_PUT, 2, self.key, self._seq, size)
        store.lane.rows_command = self._command

    def _command(self, rows: list[tuple[bytes, str]]) -> bytes:
        return self._head.with_rest([part for row in rows for part in row])

    def put(self, row: Row) -> None:
        # Posted (RedisStore.post): sent before the answer leaves, so Redis holds the row ahead of anything a
        # client does after reading the answer, through any worker; its reply is read with this process's next
        # command, sparing the request a round trip.
        if self.size:
            self._store.post((marshal.dumps(row), row[14]))

    def rows(self) -> list[Row]:
        if not self.size:
            return []
        found = self._store.call(self._store.client.xrevrange, self.key, "+", "-", self.size)
        rows: list[Row] = []
        for _, fields in reversed(found):
            row = marshal.loads(fields[b"r"])
            rows.append((int(fields[b"s"]), *row[1:]))
        return rows

    def clear(self, session: str | None) -> None:
        client = self._store.client
        if session is None:
            self._store.call(client.delete, self.key)
            return
        wanted = session.encode()
        found = self._store.call(client.xrange, self.key, "-", "+")
        ids = [entry for entry, fields in found if fields.get(b"n") == wanted]
        for start in range(0, len(ids), 1000):
            self._store.call(client.xdel, self.key, *ids[start : start + 1000])
