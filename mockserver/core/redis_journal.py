"""The journal on Redis (``RedisStore.journal_sink``): one capped stream every worker naming the store writes."""

from __future__ import annotations

import marshal
from typing import TYPE_CHECKING

import redis

from . import redis_scripts as scripts
from .journal import Row
from .redis_lane import Head, packed

if TYPE_CHECKING:
    from .redis_store import RedisStore

# A turn's rows go in as one "command" with one reply (core.redis_lane reads one per journal call): their XADDs
# between these two, whose replies Redis does not send but for the last one's (+OK).
_QUIET = packed(("CLIENT", "REPLY", "OFF"))
_LOUD = packed(("CLIENT", "REPLY", "ON"))


class RedisJournal:
    """``core.journal.JournalSink`` on a capped stream (``XADD MAXLEN ~``): every worker's calls, in one order.

    A row goes in as ``marshal`` bytes (a tuple of str, bytes and numbers: read
    back exactly, by the same code that wrote it) with its session (so clearing
    one session's rows reads no row), under the stream id ``0-<seq>``: Redis
    gives each XADD ``0-*`` the next sequence number, so a row's global ``seq``
    is its id, taken in the same step that adds it, from any worker, in stream
    order.  A clear empties the stream (XTRIM) rather than deleting it: its last
    id, and so the seq, never restarts (a reader's ``after`` cursor stays
    valid).  ``MAXLEN ~`` trims whole stream nodes (100 entries each), so the
    stream holds at most ~100 entries past ``size``; a read returns the newest
    ``size``.

    No script: every argument a Lua script is given costs Redis a hash of all
    of its bytes (Redis 7's Lua interns strings), and a row is ~1-3 KB: sent
    through a script, the journal took ~23% of redis-server's instructions per
    create (callgrind, 2026-12-07).  A turn's rows are plain XADDs between
    ``CLIENT REPLY OFF`` and ``ON`` (one reply, as the request path's
    connection expects; a refused row is not reported), or one script call
    where Redis refuses ``CLIENT REPLY`` (an ACL): the same stream either way.
    """

    def __init__(self, store: RedisStore, size: int) -> None:
        self._store = store
        self.size = size
        self.key = f"{store.prefix}:journal"
        xadd = Head("XADD", self.key, "MAXLEN", "~", size, "0-*", "n")  # then the session, "r", the row
        self._xadd_start = b"*%d\r\n%b" % (xadd.count + 3, xadd.packed)
        self._script = Head("EVAL", scripts.JOURNAL_PUT, 1, self.key, size)
        self._quiet = False  # Redis takes CLIENT REPLY (asked once, below)
        if size:
            self._quiet = self._replies_can_be_skipped()
            self._convert()
        store.lane.rows_command = self._command

    def _replies_can_be_skipped(self) -> bool:
        self._store.settle()
        try:
            self._store.client.client_reply("ON")  # a no-op where it is allowed
        except redis.ResponseError:  # refused (an ACL): the rows go in through a script
            return False
        return True

    def _convert(self) -> None:
        """A journal an earlier version wrote (a counter of its own for the seq) made this one's, once."""
        client = self._store.client
        self._store.call(client.eval, scripts.JOURNAL_CONVERT, 2, self.key, f"{self._store.prefix}:journal:seq")

    def _command(self, rows: list[tuple[bytes, str]]) -> bytes:
        if len(rows) == 1:
            return self._xadd_of(*rows[0])
        if self._quiet:
            return b"".join([_QUIET, *[self._xadd_of(row, session) for row, session in rows], _LOUD])
        return self._script.with_rest([part for row in rows for part in row])

    def _xadd_of(self, row: bytes, session: str) -> bytes:
        # The XADD as Head.with_rest((session, b"r", row)) packs it, the row (~1-3 KB) copied once, not three
        # times: ~0.5 against ~2.5 us a row.
        name = session.encode()
        return b"%b$%d\r\n%b\r\n$1\r\nr\r\n$%d\r\n%b\r\n" % (self._xadd_start, len(name), name, len(row), row)

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
        for entry, fields in reversed(found):
            row = marshal.loads(fields[b"r"])
            rows.append((int(entry.partition(b"-")[2]), *row[1:]))
        return rows

    def clear(self, session: str | None) -> None:
        client = self._store.client
        if session is None:
            self._store.call(client.xtrim, self.key, 0, False)  # emptied (exactly), not deleted: its last id (the seq) is kept
            return
        wanted = session.encode()
        found = self._store.call(client.xrange, self.key, "-", "+")
        ids = [entry for entry, fields in found if fields.get(b"n") == wanted]
        for start in range(0, len(ids), 1000):
            self._store.call(client.xdel, self.key, *ids[start : start + 1000])
