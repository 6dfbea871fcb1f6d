"""The Redis store's request path: one connection whose commands are pipelined across the requests of a turn.

A round trip costs both processes more than the command itself: a ``sendall``
and a ``recv`` on a loopback socket, with a wake-up of the other process each
(~30-80 us of the worker's CPU and ~25 us of redis-server's per round trip on
the 2-core machine, 2026-12-07, against a few us of Python to pack and parse).
So the commands a request does not need an answer to are not waited for:

- a write of a request answered directly in a turn of the loop
  (``RedisStore._write``, while ``request`` is set: ``core.commits.Pipelined``)
  is queued (``defer``) and sent with the next command anyone sends on this
  connection, or at the turn's end (``flush``), which reads every reply owed
  in one round trip before any answer of the turn is written.  Redis runs the
  commands of one connection in order, so what any request reads afterwards
  sees the write; a write Redis refuses (a unique key another worker took
  after this request checked it) is recorded in ``refused`` under its
  request's number, and that request alone is answered as the write raising
  would have answered it.  A request that sends another command while its own
  write is still unconfirmed waits for that write first (``command``), so the
  refusal is raised inside it, as without pipelining: at most one write per
  request (its last) is ever confirmed after the request returned;
- a journal row (``post``) is held until the turn's end while a turn is open
  (``turn``), then sent (without the rows of the requests refused) and its
  reply read with the next command; outside a turn it is sent at once.

Every other command is one round trip, carrying whatever is queued ahead of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import redis

from .errors import InternalFault
from .store import StoreError

log = logging.getLogger("mockserver")

Settle = Callable[[Any], None]  # takes a deferred write's reply (an exception when Redis refused it)


class StoreUnavailable(InternalFault, StoreError):
    """Redis could not be reached or refused a command: the vendor's internal error and one log line
    while serving; at start-up a StoreError (a ValueError), which ``serve`` prints as one line."""


def bulk(args: tuple[Any, ...] | list[Any]) -> bytes:
    """Arguments (str, bytes, int) as RESP bulk strings, as redis-py's ``pack_command`` packs them."""
    out = []
    for arg in args:
        kind = type(arg)
        if kind is str:
            arg = arg.encode()
        elif kind is not bytes:
            arg = b"%d" % arg if kind is int else str(arg).encode()
        out.append(b"$%d\r\n%b\r\n" % (len(arg), arg))
    return b"".join(out)


def packed(args: tuple[Any, ...]) -> bytes:
    """A command as RESP, as redis-py's ``pack_command`` makes it for these arguments (str, bytes, int) in a
    third of its time (~5 against ~15 us for a write's 17 arguments): a create sends several."""
    return b"*%d\r\n%b" % (len(args), bulk(args))


class Head:
    """A command's first arguments packed once (a script's digest and key names: the same for every call on
    one table), so a call packs only the rest: ~1/3 of a write's packing."""

    __slots__ = ("count", "packed")

    def __init__(self, *args: Any) -> None:
        self.count = len(args)
        self.packed = bulk(args)

    def with_rest(self, rest: tuple[Any, ...] | list[Any]) -> bytes:
        return b"*%d\r\n%b%b" % (self.count + len(rest), self.packed, bulk(rest))


def reason(exc: redis.RedisError) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _no_journal(rows: list[tuple[bytes, str]]) -> bytes:
    raise RuntimeError("no journal on this store")  # never: only a RedisJournal posts rows, and it sets its own


class Lane:
    """The request path's connection (see the module docstring): made at its first use, through redis-py's
    public ``Connection`` methods (its packing of nothing, its reply parser, reconnection, TLS, AUTH)."""

    def __init__(self, client: redis.Redis, url: str) -> None:
        self._client = client
        self.url = url
        self._conn: Any = None
        self._unsent: list[bytes] = []  # queued commands, sent ahead of the next one
        # One entry per reply to read, in order: None for a journal row (a refusal is logged), else
        # the deferred write's ``Settle``.
        self._owed: list[Settle | None] = []
        self._writes = 0  # deferred writes among ``_unsent`` and ``_owed``: the turn's end waits for them
        self._held: list[tuple[int, tuple[bytes, str]]] = []  # the turn's journal rows, by request number
        self._mine = 0  # the request number of the last deferred write not confirmed yet
        self.request = 0  # the request whose writes are deferred now (``core.commits.Pipelined``); 0: none
        self.turn = False  # a turn is open: journal rows held until ``flush``
        # The one command that journals rows (core.redis_journal.RedisJournal sets it): a turn's in one call.
        self.rows_command: Callable[[list[tuple[bytes, str]]], bytes] = _no_journal
        self.refused: dict[int, BaseException] = {}  # request number -> why Redis refused its deferred write
        self.round_trips = 0  # waited for on this connection, ever (bench and tests count them)
        self.posted = 0  # journal rows sent without a wait, ever
        self._lock = threading.Lock()  # one command at a time on it (the event loop's thread, as a rule)

    def _lane(self) -> Any:
        conn = self._conn
        if conn is None:
            conn = self._conn = self._client.connection_pool.make_connection()
        return conn

    def unavailable(self, exc: redis.RedisError) -> StoreUnavailable:
        line = f"store {self.url} unavailable: {reason(exc)}"
        log.error("%s", line)
        return StoreUnavailable(line)

    def _lost(self, exc: redis.RedisError) -> StoreUnavailable:
        """The connection failed (redis-py has dropped it): nothing queued or owed can be told any more."""
        for settle in self._owed:
            if settle is not None:
                settle(exc)
        self._unsent, self._owed, self._held, self._writes, self._mine = [], [], [], 0, 0
        return self.unavailable(exc)

    # ------------------------------------------------------------ sending
    def command(self, *args: Any) -> Any:
        """One command's reply (redis.ResponseError raised as is), after everything queued ahead of it."""
        return self.send(packed(args))

    def send(self, command: bytes) -> Any:
        """``command`` for a command packed already (``Head``)."""
        with self._lock:
            conn = self._lane()
            try:
                if self._mine and self._mine == self.request:
                    self._confirm(conn)  # this request's own write first: its refusal raised here, as a write raises
                self._unsent.append(command)
                conn.send_packed_command((b"".join(self._unsent),), False)  # one sendall: redis-py sends each item on its own
                self._unsent = []
                self.round_trips += 1
                if self._owed:
                    self._read_owed(conn)
                return conn.read_response()
            except redis.ResponseError:
                raise
            except redis.RedisError as exc:
                raise self._lost(exc) from None

    def defer(self, command: bytes, settle: Settle) -> None:
        """A write (packed) of request ``self.request``, sent with the next command; ``settle`` takes its reply."""
        self._unsent.append(command)
        self._owed.append(settle)
        self._writes += 1
        self._mine = self.request

    def post(self, row: tuple[bytes, str]) -> None:
        """A journal row (its bytes and session): held until the turn's end in a turn, else sent at once
        (``rows_command``); its reply read later."""
        if self.turn:
            self._held.append((self.request, row))
            return
        with self._lock:
            conn = self._lane()
            self._unsent.append(self.rows_command([row]))
            try:
                conn.send_packed_command((b"".join(self._unsent),), False)  # one sendall: redis-py sends each item on its own
            except redis.RedisError as exc:
                raise self._lost(exc) from None
            self._unsent = []
            self._owed.append(None)
            self.posted += 1

    # ------------------------------------------------------------ reading
    def _read_owed(self, conn: Any) -> None:
        owed, self._owed = self._owed, []
        for at, settle in enumerate(owed):
            try:
                reply = conn.read_response()
            except redis.ResponseError as exc:  # applied or refused, the stream stays in step
                if settle is None:
                    log.error("store %s refused a journal row: %s", self.url, reason(exc))
                    continue
                reply = exc
            except redis.RedisError:
                self._owed = owed[at + 1:]  # the one being read is lost with the rest (``_lost``)
                if settle is not None:
                    self._owed.insert(0, settle)
                raise
            if settle is not None:
                self._writes -= 1
                settle(reply)
        self._mine = 0

    def _confirm(self, conn: Any) -> None:
        """Sends what is queued and reads every reply owed: each deferred write confirmed or refused; this
        request's own refusal raised."""
        if self._unsent:
            conn.send_packed_command((b"".join(self._unsent),), False)  # one sendall: redis-py sends each item on its own
            self._unsent = []
        self.round_trips += 1
        self._read_owed(conn)
        own = self.refused.pop(self.request, None) if self.request else None
        if own is not None:
            raise own

    def settle(self) -> None:
        """Everything queued or held sent, and every reply owed read (before reading through another
        connection, the client's: it then sees every row and write of this one)."""
        with self._lock:
            if not (self._unsent or self._owed or self._held):
                return
            conn = self._lane()
            try:
                if self._writes:
                    self._confirm(conn)
                self._send_held(conn)
                if self._owed:
                    self.round_trips += 1
                    self._read_owed(conn)
            except redis.ResponseError:
                raise
            except redis.RedisError as exc:
                raise self._lost(exc) from None

    def flush(self) -> dict[int, BaseException]:
        """The turn's end: its deferred writes confirmed (one round trip for all), then its journal rows sent
        (those of refused requests dropped: each is answered again, and journalled as answered); the
        refusals, by request number."""
        self.request, self.turn = 0, False
        if self._writes or self._held:
            with self._lock:
                conn = self._lane()
                try:
                    if self._writes:
                        self._confirm(conn)
                    self._send_held(conn)
                except redis.RedisError as exc:
                    raise self._lost(exc) from None
        refused, self.refused = self.refused, {}
        return refused

    def _send_held(self, conn: Any) -> None:
        held, self._held = self._held, []
        refused = self.refused
        rows = [row for request, row in held if request not in refused] if refused else [row for _, row in held]
        if rows:
            conn.send_packed_command((self.rows_command(rows),), False)
            self._owed.append(None)
            self.posted += len(rows)

    def drop(self) -> None:
        """A turn rolled back (the store failed): its journal rows forgotten, its writes confirmed now if the
        connection still works (a refusal of one could otherwise be taken for a later turn's request)."""
        self.request, self.turn, self._held = 0, False, []
        if self._writes:
            with self._lock:
                try:
                    self._confirm(self._lane())
                except redis.RedisError as exc:
                    self._lost(exc)
        self.refused = {}

    def close(self) -> None:
        if self._conn is not None:
            try:
                self.settle()
            except (StoreUnavailable, redis.RedisError):
                pass
            self._conn.disconnect()
            self._conn = None

    def forget(self) -> None:
        """In a forked worker: the parent's connection forgotten (not closed), nothing queued."""
        self._conn, self._unsent, self._owed, self._held, self._writes, self._mine = None, [], [], [], 0, 0
        self.request, self.turn, self.refused, self._lock = 0, False, {}, threading.Lock()
