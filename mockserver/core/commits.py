"""Group commit: the requests answered in one turn of the event loop share one store transaction.

A transactional store (SQLite) commits every request's writes before its answer
is sent.  The commit is most of what a request costs there: ~40-90 µs of a
~180-230 µs create on the 2-core machine (2026-12-07), however few rows it
wrote, while a commit of 32 creates costs about what one of 1 does.  Under load
the fast transport answers every request that arrived in one turn of the event
loop, then writes their answers together at the start of the next turn
(``wire.Direct``: ``call_soon`` per answer).  So:

- the first request answered directly in a turn begins the transaction
  (``GroupCommit.defer``; other workers' changes are loaded then: while it is
  open no other process can write) and queues its commit with ``call_soon``;
  the other requests of the turn join it;
- each of their answers is an ``AfterCommit``, queued by the transport after
  that commit (``call_soon`` runs callbacks in order), and asked for its bytes
  as it is written (``settled``): the answer as computed once the transaction
  is committed (should the transport write it sooner, ``settled`` commits
  first), or the vendor's 500 when the commit failed: then nothing of any
  request in it was kept, and none of them is answered 2xx;
- everything else commits at once, as before: a request answered the ASGI way
  (stock uvicorn, the test client) and an admin change (``Runtime.transaction``)
  commit the open transaction, the turn's requests so far with their own
  writes (committing early is always safe), before they answer; so does an
  answer handed over to ASGI (a scenario's delay or fault) and what its
  continuation wrote (``VendorApp._then_committed``).

A batch is only ever the requests of one turn, in the order they were
answered, so answers are the same bytes as one transaction per request would
give (same seed and requests: same answers).  The transaction, and SQLite's
write lock with it, is held for one turn of the loop: while the requests of
that turn run, not across any wait.  Without a running loop (a direct call
from a test) a request commits before it returns, as before.  The memory
store has no transaction: its policy is ``Immediate`` (each call the store's own, nothing
deferred), so ``Runtime`` calls one policy object whatever the store.

A store that pipelines (Redis, ``RedisStore.pipelined``) uses ``Pipelined``: its
turn is no transaction, but the writes of the requests answered in it are sent
without waiting (with the next command, or together at the turn's end), and a
write Redis refused there (a unique key another worker took meanwhile) fails
its own request only, answered as the vendor's conflict (``Batch.refused``).
Its requests' reads are no longer waited for one at a time either: a plain
request of the turn (no scenario) runs through ``Batch.start``, in a greenlet
of its own that is suspended while it waits for a reply; its answer is then an
``AfterCommit`` with a ``task`` and no bytes yet.  The store's commit resumes
the suspended requests, every reply they wait for read in one round trip per
round, until none waits, before it flushes their writes (core.redis_lane): so
``settled`` still commits first when the batch is open, then takes the task's
answer (the vendor's 500 if it failed), then applies the batch's failure or
the request's refused write as for any other answer.  Only the loop's own
greenlet resumes them: an answer written before the turn's end commits first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from .errors import InternalFault
from .store import Store

log = logging.getLogger("mockserver")


class Commits(Protocol):
    """How a runtime's requests and admin changes commit (``Runtime.commits``): one of the classes below."""

    per_turn: bool  # direct answers wait for the turn's commit (``AfterCommit``)
    batch: Batch | None

    def begin(self) -> bool: ...
    def defer(self) -> Batch | None: ...
    def commit(self) -> None: ...
    def rollback(self, error: BaseException) -> None: ...


class Batch:
    """One store transaction, shared by the requests answered in it: open, then committed or failed."""

    __slots__ = ("commits", "deferred", "error", "open", "refused", "requests", "start")

    def __init__(self, commits: GroupCommit) -> None:
        self.commits = commits
        self.open = True
        self.deferred = False  # its commit is queued for the end of the turn (GroupCommit.defer)
        self.error: BaseException | None = None  # why it was not committed (rolled back); None: committed
        self.requests = 0  # requests answered directly in it so far: the last one's number (``AfterCommit.index``)
        # A pipelining store's writes it refused at the commit, by request number (``Pipelined``); None: none.
        self.refused: dict[int, BaseException] | None = None
        # A pipelining store's way to run a request of the turn suspended while it waits for Redis (``Pipelined``).
        self.start: Callable[..., Suspended] | None = None


class Immediate:
    """The policy of a store with nothing to commit per turn (memory; what ``GroupCommit`` offers, as no-ops
    around the store's own calls): requests are answered and committed one at a time."""

    __slots__ = ("batch", "store")
    per_turn = False  # direct answers are written at once (core.serving: no ``AfterCommit``)

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batch: Batch | None = None  # never one

    def begin(self) -> bool:
        self.store.begin()
        return True

    def defer(self) -> Batch | None:
        return None

    def commit(self) -> None:
        self.store.commit()

    def rollback(self, error: BaseException) -> None:
        self.store.rollback()


class GroupCommit:
    """The store's transactions, as the requests of one turn of the event loop share them (see the module)."""

    __slots__ = ("batch", "store")
    per_turn = True  # direct answers wait for the turn's commit (``AfterCommit``)

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batch: Batch | None = None  # the open transaction; None: none is

    def begin(self) -> bool:
        """The open transaction joined, or one begun: True when begun now (the caller then loads what
        other workers changed: nothing else can write while it is open)."""
        if self.batch is not None:
            return False
        self.store.begin()
        self.batch = Batch(self)
        return True

    def defer(self) -> Batch | None:
        """``begin()`` for a request answered directly: the transaction is committed at the end of this
        turn of the loop, before any answer given in it is written.  None when no loop runs: the caller
        commits itself (``commit``)."""
        batch = self.batch
        if batch is not None and batch.deferred:
            batch.requests += 1
            return batch
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        if batch is None:
            self.store.begin()
            batch = self.batch = Batch(self)
        batch.requests += 1
        batch.deferred = True
        loop.call_soon(self._end_turn, batch)
        return batch

    def answered(self) -> None:
        """The request last deferred is answered (its ``AfterCommit`` made): nothing to do here (``Pipelined``)."""

    def _end_turn(self, batch: Batch) -> None:
        if self.batch is batch:  # not committed meanwhile (an ASGI request, an admin change)
            try:
                self.commit()
            except Exception as exc:  # recorded in the batch: each of its answers is the vendor's 500
                _failed(exc)

    def commit(self) -> None:
        """Commits the open transaction, if any (rolled back, the error recorded and raised, if that fails)."""
        batch = self.batch
        if batch is None:
            return
        self.batch = None
        batch.open = False
        try:
            self.store.commit()
        except BaseException as exc:
            batch.error = exc
            try:
                self.store.rollback()
            except Exception:  # the connection is what failed: nothing more to undo here
                pass
            raise

    def rollback(self, error: BaseException) -> None:
        """The open transaction undone: every request in it is answered as failed (``error``)."""
        batch = self.batch
        self.batch = None
        if batch is not None:
            batch.open = False
            batch.error = error
        self.store.rollback()


class Suspended(Protocol):
    """A request run by ``Batch.start`` (core.redis_lane.Waiting): done (``dead``, its ``result``) or waiting."""

    dead: bool
    result: Any

    def finished(self) -> Any: ...


class PipeliningStore(Store, Protocol):
    """What ``Pipelined`` needs of its store besides ``Store`` (core.redis_store.RedisStore)."""

    def defer_writes(self, request: int) -> None: ...
    def refused(self) -> dict[int, BaseException]: ...
    def start(self, work: Callable[..., Any], *args: Any) -> Suspended: ...


class Pipelined(GroupCommit):
    """``GroupCommit`` for a store that pipelines the writes of a turn (see the module): the store is told
    which request of the batch is answered (``defer_writes``: 0 for one that waits for its writes, as an
    ASGI request or an admin change does), and after the commit which of them it refused."""

    __slots__ = ()
    store: PipeliningStore

    def begin(self) -> bool:
        self.store.defer_writes(0)
        return super().begin()

    def defer(self) -> Batch | None:
        batch = super().defer()
        if batch is not None:
            self.store.defer_writes(batch.requests)
            batch.start = self.store.start
        return batch

    def answered(self) -> None:
        # What runs next before the turn's end (another request's continuation after a wait, say) writes at once.
        self.store.defer_writes(0)

    def commit(self) -> None:
        batch = self.batch
        try:
            super().commit()
        finally:
            if batch is not None:
                refused = self.store.refused()
                if refused:
                    batch.refused = refused


def _failed(exc: Exception) -> None:
    if isinstance(exc, InternalFault):  # the store's own failure (Redis unreachable): logged once where it failed
        return
    log.error("store failed to commit the requests of one turn: each is answered as the vendor's internal error", exc_info=exc)


class Failing(Protocol):
    """What answers a request whose transaction failed (``core.serving.VendorApp``)."""

    def failed_directly(self, request: Any, error: BaseException) -> tuple[bytes, bytes]: ...
    def resumed(self, request: Any, task: Suspended) -> tuple[bytes, bytes]: ...


class AfterCommit:
    """A direct answer written once its transaction is settled: the transport calls ``settled()``
    as it writes, and writes the (head, payload) it returns.  With a ``task`` (a request suspended while it
    waits for the store: ``Batch.start``) the answer is not known yet: the commit finishes the task, and
    ``settled`` takes its answer then."""

    __slots__ = ("app", "batch", "head", "index", "payload", "request", "task")

    def __init__(self, head: bytes, payload: bytes, batch: Batch, app: Failing, request: Any,
                 task: Suspended | None = None) -> None:
        self.head, self.payload, self.batch, self.app, self.request, self.task = head, payload, batch, app, request, task
        self.index = batch.requests  # made as its request is answered, before the next one is deferred
        batch.commits.answered()

    def settled(self) -> tuple[bytes, bytes]:
        batch = self.batch
        if batch.open:  # written before the turn's commit ran: commit now (never a 2xx before it)
            try:
                batch.commits.commit()
            except Exception as exc:
                _failed(exc)
        task = self.task
        if task is not None:  # finished by the commit (the store resumes its suspended requests first)
            self.task = None
            self.head, self.payload = self.app.resumed(self.request, task)
        error = batch.error
        if error is None:
            refused = batch.refused
            if refused is None or self.index not in refused:
                return self.head, self.payload
            error = refused[self.index]  # its write refused (a key taken meanwhile): what the write raising would answer
        return self.app.failed_directly(self.request, error)
