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

A command whose reply a request needs (a claim: look-up and id in one script,
a row not kept, a counter) cannot be deferred, and each was a round trip that
blocked the event loop: the worker used 58-67% of a core under load, Redis
0.06-0.19x the floor with one worker (2026-12-07).  So the requests the fast
transport answers in one turn run each in a greenlet of its own (``start``,
from ``core.commits.Pipelined``: ``Batch.start``; greenlet is the package
SQLAlchemy bridges sync code over async I/O with):

- ``send`` in such a request queues the command (its reply owed to the
  request, like a deferred write's) and switches back to the loop: the
  transport gets a pending answer (``core.commits.AfterCommit`` with a task);
- at the turn's end (``finish``, from the store's commit, before ``flush``)
  everything queued goes in one write and every reply owed is read: one round
  trip for all of the turn's requests; each suspended request is resumed in
  order with its reply (a refusal raised in it, a lost connection raised as
  ``StoreUnavailable``: its vendor's 500, one log line per outage), and may
  queue writes or wait again (another round: a create that waited 5 times
  still does, once for all of its turn); then writes and journal rows flush;
- a request that sends while its own deferred write is unconfirmed waits a
  round first (its refusal raised before anything after it runs, as above);
- two requests of one turn must answer as if one ran after the other: a claim
  of unique values (``claiming``: ``RedisStore``'s look-ups that decide a
  write or an id) another unfinished request of the turn claimed waits until
  the others are done, then runs (it sees the first one's row: one winner, the
  vendor's conflict for the other, no id taken for it).  Sequential clients
  (one request per turn) see exactly what they saw before;
- the greenlets (``Runner``) are kept between requests: a greenlet's first
  switch and its end cost the worker ~10-20 us, a switch into a parked one
  ~1 us (one worker, 32 creates a turn, in process: ~85-95 -> ~60-75 us per
  create, 2026-12-07); each request starts in a fresh copy of its caller's
  context, as a greenlet of its own did;
- anything else that sends (the admin API, an ASGI request, start-up, a
  request not suspended: a scenario's) first finishes the suspended requests
  (``finish``: they arrived first), then runs synchronously, as before.  So do
  a settle, a commit and a rollback.  At most ``MAX_SUSPENDED`` wait at once.

Sent ahead: a turn's queued commands go to Redis once ``SEND_AHEAD`` of them
wait (``_send_ahead``: one ``sendall``, no reply read), while the turn's later
requests still run; their replies are read where they were before.  Redis
runs them in the order queued either way, so nothing a request sees changes,
only when Redis does the work: before, the worker sat idle on every round of
a busy turn while redis-server ran the round's scripts.  docs/stores.md.

Every other command is one round trip, carrying whatever is queued ahead of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextvars import copy_context
from typing import Any

import redis
from greenlet import getcurrent, greenlet

from .errors import InternalFault
from .store import StoreError
from .validation import VOUCHED

log = logging.getLogger("mockserver")

Settle = Callable[[Any], None]  # takes a deferred write's reply (an exception when Redis refused it)

# At most this many requests suspended at once (``Lane.start``): the transport answers in one turn what one
# round of ``data_received`` gave (one request per connection: it holds none while one is in flight), so the
# connections bound it; past this one, the suspended ones are finished first (a turn's end come early).
MAX_SUSPENDED = 256

# A turn's queued commands are sent ahead once this many wait (``_send_ahead``); fewer would cost a ``sendall``
# and a redis-server wake-up per command for little more overlap (docs/stores.md); a small turn sends at its end.
SEND_AHEAD = 8


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


class Waiting:
    """A request of a turn (``Lane.start``): run by a ``Runner`` greenlet, suspended while it waits for a reply."""

    __slots__ = ("args", "claims", "dead", "error", "go", "lane", "reply", "request", "result", "runner", "work", "wrote")

    def __init__(self, lane: Lane, work: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.lane, self.work, self.args = lane, work, args
        self.request = lane.request  # its number in the turn (its deferred writes and journal rows)
        self.reply: Any = None  # the reply it waits for (an exception: refused, or the connection lost)
        self.result: Any = None  # what ``work`` returned
        self.error: Exception | None = None  # what ``work`` raised
        self.claims: list[Any] = []  # unique values it claimed in the turn: another request claiming one waits
        self.wrote = -1  # the round (``Lane.rounds``) its last deferred write is owed in
        self.go = False  # claims what it claims next even if another request waiting too holds it (``Lane.finish``)
        self.dead = False  # ``work`` returned or raised
        self.runner: Runner | None = None  # the greenlet that runs it, until it is done

    def take(self, reply: Any) -> None:
        self.reply = reply

    def finished(self) -> Any:
        """``work``'s result (what it raised, raised), the turn's suspended requests finished first if it is not."""
        if not self.dead:
            self.lane.finish()
        if not self.dead:  # only when asked from inside another request's greenlet: never on the request path
            raise RuntimeError("a request suspended in a turn was never resumed")
        if self.error is not None:
            raise self.error
        return self.result


class Runner(greenlet):  # type: ignore[misc]
    """A greenlet that runs the requests of turns, one after the other (``Lane.start``), kept between them: a
    greenlet's first switch and its end cost ~10-20 us (a create's work is ~80), a switch into a parked one ~1."""

    def __init__(self, lane: Lane, task: Waiting) -> None:
        super().__init__()
        self.lane = lane
        self.task = task  # the request it runs (the last one, while parked: replaced by ``Lane.start``)

    def run(self) -> None:
        while True:
            task = self.task
            try:
                task.result = task.work(*task.args)
            except Exception as exc:  # raised where a direct call would raise it (``Lane.start``/``_resume``)
                task.error = exc
            task.dead = True
            task.work, task.args, task.runner = _done, (), None  # freed with the request, not kept by the runner
            self.parent.switch()  # parked until ``Lane.start`` gives it the next request


def _done() -> None:
    return None


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
        self.rounds = 0  # times every reply owed was read: a write deferred before the last one is confirmed
        self._suspended: list[Waiting] = []  # requests waiting for a reply (or their own write), in order
        self._idle: list[Runner] = []  # runners parked between requests (``start``), all made in ``_idle_in``
        self._idle_in = threading.get_ident()  # the thread they were made in: a greenlet runs only there
        self._behind: list[Waiting] = []  # requests waiting for the others to finish (a unique value claimed twice)
        self._claims: dict[Any, Waiting] = {}  # unique values claimed by the turn's unfinished requests
        self._down = False  # the connection was lost and no reply has come back since: one log line per outage
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
        """The connection failed (redis-py has dropped it): nothing queued or owed can be told any more.  Each
        reply owed is this one failure (logged once): each deferred write refused, each suspended request raises it."""
        if self._down:  # lost again before any reply came back (Redis still away): logged once already
            failure = StoreUnavailable(f"store {self.url} unavailable: {reason(exc)}")
        else:
            failure = self.unavailable(exc)
            self._down = True
        owed = self._owed
        self._unsent, self._owed, self._held, self._writes, self._mine = [], [], [], 0, 0
        self.rounds += 1
        for settle in owed:
            if settle is not None:
                settle(failure)
        return failure

    # ------------------------------------------------------------ sending
    def command(self, *args: Any) -> Any:
        """One command's reply (redis.ResponseError raised as is), after everything queued ahead of it."""
        return self.send(packed(args))

    def send(self, command: bytes) -> Any:
        """``command`` for a command packed already (``Head``).  In a request run in a greenlet of its own
        (``start``) while its turn is open: queued, and the request suspended until the turn's end reads its
        reply (``finish``); anywhere else the turn's suspended requests are finished first (as if they had
        run to their end before this one, as they arrived before it), then the command is sent."""
        me = getcurrent()
        if type(me) is Runner and me.lane is self and self.turn:
            return self._suspend(me.task, command)
        if self._suspended or self._behind:
            self.finish()
        with self._lock:
            conn = self._lane()
            try:
                if self._mine and self._mine == self.request:
                    self._confirm(conn)  # this request's own write first: its refusal raised here, as a write raises
                self._unsent.append(command)
                self._send_unsent(conn)
                self.round_trips += 1
                if self._owed:
                    self._read_owed(conn)
                reply = conn.read_response()
                self._down = False
                return reply
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
        me = getcurrent()
        if type(me) is Runner:
            me.task.wrote = self.rounds  # confirmed once the replies owed now are read (``_suspend``)
        if self.turn and len(self._unsent) >= SEND_AHEAD:
            self._send_ahead()

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
                self._send_unsent(conn)
            except redis.RedisError as exc:
                raise self._lost(exc) from None
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
        self.rounds += 1
        self._down = False

    def _confirm(self, conn: Any) -> None:
        """Sends what is queued and reads every reply owed: each deferred write confirmed or refused; this
        request's own refusal raised."""
        if self._unsent:
            self._send_unsent(conn)
        self.round_trips += 1
        self._read_owed(conn)
        own = self.refused.pop(self.request, None) if self.request else None
        if own is not None:
            raise own

    def settle(self) -> None:
        """Everything queued or held sent, and every reply owed read (before reading through another
        connection, the client's: it then sees every row and write of this one)."""
        if self._suspended or self._behind:
            self.finish()
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
        if self._suspended or self._behind:
            self.finish()
        self.request, self.turn = 0, False
        self._claims.clear()
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
        if self._suspended or self._behind:
            self.finish()  # each answered (then as failed: the turn's batch is), none left waiting
        self.request, self.turn, self._held = 0, False, []
        self._claims.clear()
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
        self._suspended, self._behind, self._claims, self._idle = [], [], {}, []

    # ------------------------------------------------------------ requests suspended in a turn
    def start(self, work: Callable[..., Any], *args: Any) -> Waiting:
        """``work(*args)`` run in a greenlet of its own, as request number ``self.request`` of the turn: back here
        when it is done (``dead``: its ``result``) or suspended, waiting for a reply (``finish`` resumes it).  What
        it raises before it first waits is raised here, as a direct call's would be."""
        if len(self._suspended) + len(self._behind) >= MAX_SUSPENDED:
            self.finish()
        me = Waiting(self, work, args)
        idle = self._idle
        if idle and self._idle_in == threading.get_ident():
            runner = idle.pop()
            runner.parent = getcurrent()
            runner.task = me
        else:
            runner = Runner(self, me)
        me.runner = runner
        runner.gr_context = copy_context()  # its SESSION and the rest, as a direct call sees them (it may set its own)
        try:
            runner.switch()
        finally:
            if me.dead or runner.dead:
                if me.claims:
                    self._release(me)
                self._park(runner)
        if me.error is not None:
            raise me.error
        return me

    def _park(self, runner: Runner) -> None:
        """A runner whose request is done kept for the next one (at most ``MAX_SUSPENDED``: as many as may wait)."""
        if runner.dead:  # it raised what a request may not catch (BaseException): ended, as a greenlet ends
            return
        here = threading.get_ident()
        if self._idle_in != here:
            self._idle, self._idle_in = [], here
        if len(self._idle) < MAX_SUSPENDED:
            self._idle.append(runner)

    def _suspend(self, me: Waiting, command: bytes) -> Any:
        """``send`` in a request's greenlet: ``command`` queued and the request suspended until its reply is read."""
        if me.wrote == self.rounds:
            # Its own deferred write is not confirmed yet: confirmed first, so its refusal is raised here, as
            # ``send`` raises it, and nothing after a refused write runs.
            self._wait(me, self._suspended)
            own = self.refused.pop(me.request, None)
            if own is not None:
                raise own
        self._unsent.append(command)
        self._owed.append(me.take)
        self._writes += 1  # a reply waited for, as a deferred write's: the turn's end reads it
        me.reply = None
        if len(self._unsent) >= SEND_AHEAD:
            self._send_ahead()
        self._wait(me, self._suspended)
        reply = me.reply
        if isinstance(reply, BaseException):
            if isinstance(reply, StoreUnavailable):  # the connection lost (``_lost``, logged once): its own copy
                raise StoreUnavailable(str(reply))
            raise reply  # redis.ResponseError, as ``send`` raises it
        return reply

    def _send_unsent(self, conn: Any) -> None:
        conn.send_packed_command((b"".join(self._unsent),), False)  # one sendall: redis-py sends each item on its own
        self._unsent = []

    def _send_ahead(self) -> None:
        """The queued commands sent now, their replies still owed (read where they would have been): Redis runs
        them while the turn's other requests run.  A failure is the connection lost (``_lost``), as in a round trip."""
        with self._lock:
            try:
                self._send_unsent(self._lane())
            except redis.RedisError as exc:
                self._lost(exc)  # each reply owed is the failure: the suspended requests' and writes' (their 500)

    def _wait(self, me: Waiting, queue: list[Waiting]) -> None:
        queue.append(me)
        vouched = VOUCHED.check  # the pipeline's one global a handler sets and reads around a wait (core.serving)
        getcurrent().parent.switch()  # its runner's
        VOUCHED.check = vouched

    def claiming(self, owners: str, pairs: list[Any]) -> None:  # ``claim`` of ``pairs``: field, packed value, ...
        self.claim([(owners, pairs[at], pairs[at + 1]) for at in range(0, len(pairs), 2)])

    def claim(self, keys: list[tuple[str, str, bytes]]) -> None:
        """Before a look-up of unique values (``keys``: owners key, field, packed value) that decides whether a request
        writes (and takes an id): in a request suspended in a turn, it waits while another unfinished request of the
        turn claimed one of them, then runs (as one after the other: one winner, the other the vendor's conflict)."""
        runner = getcurrent()
        if type(runner) is not Runner or runner.lane is not self or not self.turn:
            return
        me = runner.task
        claims = self._claims
        while not me.go:  # a loop, not any() over a generator: ~1 us less on every create of a turn
            for key in keys:
                if claims.get(key, me) is not me:
                    break
            else:
                break
            self._wait(me, self._behind)
        me.go = False
        for key in keys:
            claims[key] = me
        me.claims.extend(keys)

    def _release(self, me: Waiting) -> None:
        claims = self._claims
        for key in me.claims:
            if claims.get(key) is me:
                del claims[key]

    def finish(self) -> None:
        """The turn's suspended requests resumed until none is: what they wait for is sent in one write and read
        (one round trip for all of them), then each is resumed in order with its reply (or the failure); they may
        queue writes or wait again (another round).  Those behind another's claim go once no other is suspended,
        one at a time in order, the first told to go: what holds its claim is finished, or waits behind too (each
        holding what the other claims: it goes first, as the earlier).  A no-op inside a request's greenlet (only
        the loop's own greenlet resumes them)."""
        if type(getcurrent()) is Runner:
            return
        request = self.request
        try:
            while self._suspended or self._behind:
                if self._suspended:
                    if self._unsent or self._owed:
                        self._round_trip()
                    suspended, self._suspended = self._suspended, []
                else:
                    suspended = [self._behind.pop(0)]
                    suspended[0].go = True
                for me in suspended:
                    self.request = me.request
                    self._resume(me)
        finally:
            self.request = request

    def _round_trip(self) -> None:
        with self._lock:
            self.request = 0  # no request's refusal raised here: each suspended one checks its own
            try:
                conn = self._lane()
                if self._unsent:
                    self._send_unsent(conn)
                self.round_trips += 1
                self._read_owed(conn)
            except redis.RedisError as exc:
                self._lost(exc)  # each suspended request resumed with the failure: its vendor's 500

    def _resume(self, me: Waiting) -> None:
        runner = me.runner
        if runner is None:  # never: a request is resumed only while suspended
            return
        runner.parent = getcurrent()
        try:
            runner.switch()
        except Exception as exc:  # the request's failure outside its handler (which answers its own): its answer
            me.error = exc
            me.dead = True
        if me.dead:
            if me.claims:
                self._release(me)
            self._park(runner)
