"""The greenlets that run a turn's requests are kept between requests (core.redis_lane: ``Runner``, ``Lane.start``).

A greenlet's first switch and its end cost the worker ~10-20 us, a third of a create's work on the Redis store,
against ~1 us to switch into one parked: so a runner whose request is done is parked and runs a later one.  What a
request sees must not depend on which runner runs it: its own context (a session set by one request is never seen
by the next), its own result or exception, and nothing left over from the request before it.
"""

from __future__ import annotations

import contextvars
from typing import Any

import pytest

from mockserver.core import redis_lane
from mockserver.core.redis_store import RedisStore

MARK: contextvars.ContextVar[str] = contextvars.ContextVar("MARK", default="unset")


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    made: list[Any] = []
    original = redis_lane.Runner.__init__

    def counted(self: Any, *args: Any) -> None:
        made.append(self)
        original(self, *args)

    monkeypatch.setattr(redis_lane.Runner, "__init__", counted)
    return made


def _turn(store: RedisStore, work: Any, *calls: tuple[Any, ...]) -> list[redis_lane.Waiting]:
    """One turn: each call of ``work`` started as its own request, then the turn committed (each resumed)."""
    store.begin()
    started = []
    for number, args in enumerate(calls, 1):
        store.defer_writes(number)
        started.append(store.lane.start(work, *args))
    store.defer_writes(0)
    store.commit()
    return started


def test_the_runners_of_one_turn_run_the_next_turns_requests(redis_store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counted(monkeypatch)
    lane = redis_store.lane

    def echo(name: str) -> str:
        assert lane.command("PING") == b"PONG"  # suspended until the turn's end
        return name

    first = _turn(redis_store, echo, ("a",), ("b",), ("c",))
    assert [task.finished() for task in first] == ["a", "b", "c"]
    assert len(made) == 3  # three waited at once: three runners
    second = _turn(redis_store, echo, ("d",), ("e",))
    assert [task.finished() for task in second] == ["d", "e"]
    assert len(made) == 3  # run by two of the three parked
    assert all(task.runner is None and task.args == () for task in first + second)  # nothing of a request kept


def test_a_request_never_sees_what_the_one_before_it_on_its_runner_set(redis_store: RedisStore) -> None:
    lane = redis_store.lane
    seen: list[str] = []

    def sets(value: str) -> str:
        seen.append(MARK.get())
        lane.command("PING")
        MARK.set(value)  # after a wait: in the request's own context, as a session header sets SESSION
        return MARK.get()

    MARK.set("outer")
    assert [task.finished() for task in _turn(redis_store, sets, ("one",))] == ["one"]
    assert [task.finished() for task in _turn(redis_store, sets, ("two",))] == ["two"]
    assert seen == ["outer", "outer"]  # each began in the caller's context, not in the last request's
    assert MARK.get() == "outer"


def test_what_a_request_raises_is_its_own_and_its_runner_runs_the_next(redis_store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counted(monkeypatch)
    lane = redis_store.lane

    def fails_at_once() -> None:
        raise ValueError("before any wait")

    def fails_after_a_wait() -> None:
        lane.command("PING")
        raise KeyError("after a wait")

    def fine() -> str:
        lane.command("PING")
        return "fine"

    redis_store.begin()
    redis_store.defer_writes(1)
    with pytest.raises(ValueError, match="before any wait"):  # raised by start, as a direct call raises it
        lane.start(fails_at_once)
    redis_store.defer_writes(2)
    later = lane.start(fails_after_a_wait)
    redis_store.defer_writes(0)
    redis_store.commit()
    with pytest.raises(KeyError, match="after a wait"):
        later.finished()
    assert len(made) == 1  # the first one's runner was parked and ran the second
    (task,) = _turn(redis_store, fine, ())
    assert task.finished() == "fine" and task.error is None
    assert len(made) == 1
