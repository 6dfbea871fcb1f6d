"""VendorContext.next_id_draw_and_id_if_free on every backend (tests/store/conftest.py's ``store``): a create's
unique look-up, its id, its draw and an id made from the draw, checked free.  The memory and SQLite stores make the
calls one by one; Redis makes them in one script when the draw's counter moves where this process expects it, else
in two.  The same answers every way, 19-digit ids included."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mockserver.core.errors import Conflict
from mockserver.core.seeding import Draw
from mockserver.core.store import MemoryStore, Store
from mockserver.core.vendor import VendorContext

from .contexts import vendor_context

if TYPE_CHECKING:  # imported by the Redis tests alone: the others run without the redis package
    from mockserver.core.redis_store import RedisStore

BIG = 9_214_322_001_040_123_905  # past 2^53: Lua's numbers cannot hold it
OPERATION = "create"


def _candidate(drawn: Draw) -> int:
    return BIG + 2 * drawn.below(4)  # BIG, BIG + 2, BIG + 4 or BIG + 6


def _one_by_one(ctx: VendorContext, phone: str) -> tuple[int, int, int, bool] | Conflict:
    """What the step is, as separate calls: conflict, next_id, draw, next_id_at_least_if_absent."""
    users = ctx.table("users")
    clash = users.conflict({"phone": phone})
    if clash is not None:
        return clash
    taken = ctx.next_id("members", 100)
    at_least = _candidate(ctx.draw(OPERATION))
    return (taken, at_least, *ctx.next_id_at_least_if_absent(users, "user_ids", at_least))


def _step(ctx: VendorContext, phone: str, candidate: Callable[[Draw], int] = _candidate) -> tuple[int, int, int, bool] | Conflict:
    return ctx.next_id_draw_and_id_if_free(ctx.table("users"), {"phone": phone}, "members", 100, OPERATION, "user_ids", candidate)


def _same(got: tuple[int, int, int, bool] | Conflict, want: tuple[int, int, int, bool] | Conflict) -> bool:
    if isinstance(want, Conflict):
        return isinstance(got, Conflict) and (got.field, got.existing) == (want.field, want.existing)
    return got == want


def _seeded(ctx: VendorContext) -> None:
    users = ctx.table("users")
    users.insert(BIG + 2, {"id": BIG + 2, "phone": "taken"}, {"phone": "taken"})
    users.insert(BIG + 9, {"id": BIG + 9})


def test_it_gives_what_the_calls_one_by_one_give(store: Store) -> None:
    ctx, calls = vendor_context(store), vendor_context(MemoryStore())
    _seeded(ctx)
    _seeded(calls)
    answers = []
    for phone in ("a", "b", "taken", "c", "d", "e", "taken", "f", "g"):
        got, want = _step(ctx, phone), _one_by_one(calls, phone)
        assert _same(got, want), (phone, got, want)
        answers.append(got)
        if not isinstance(got, Conflict) and got[3]:  # a free id: the create writes its row
            ctx.table("users").insert(got[2], {"id": got[2], "phone": phone}, {"phone": phone})
            calls.table("users").insert(want[2], {"id": want[2], "phone": phone}, {"phone": phone})  # type: ignore[index]
    assert sum(isinstance(answer, Conflict) for answer in answers) == 2  # a taken phone: nothing moved for it
    assert any(answer[3] is False for answer in answers if not isinstance(answer, Conflict))  # BIG + 9: taken
    assert ctx.next_id("members", 1) == calls.next_id("members", 1)  # the counters moved alike
    assert ctx.draw(OPERATION).next() == calls.draw(OPERATION).next()


def test_on_redis_it_is_one_round_trip_when_the_draw_is_where_expected(redis_store: RedisStore) -> None:
    ctx = vendor_context(redis_store)
    _seeded(ctx)
    for phone in ("a", "b", "c"):
        before = redis_store.round_trips
        assert not isinstance(_step(ctx, phone), Conflict)
        assert redis_store.round_trips - before == 1  # a new namespace's counter moves to 1 first: expected


def test_on_redis_a_draw_moved_elsewhere_takes_a_second_step_and_the_same_answers(redis_store: RedisStore, redis_url: str) -> None:
    """Another worker's draw between two of this one's: the counter is not where this process expects it, so the
    script's second step does not run with the id made from the wrong draw (it would move the user ids' counter
    to it); the id is made from the draw taken and checked in a second round trip.  The answers are those of
    the calls one by one with the other worker's draw in the same place."""
    from mockserver.core.redis_store import RedisStore

    ctx, calls = vendor_context(redis_store), vendor_context(MemoryStore())
    _seeded(ctx)
    _seeded(calls)
    other = RedisStore(redis_url, prefix=redis_store.prefix)
    tried: list[int] = []
    ctx.next_id_at_least_if_absent(ctx.table("warm"), "warm", 1)  # its script loaded: round trips below are requests'

    def candidate(drawn: Draw) -> int:
        tried.append(made := _candidate(drawn))
        return made

    try:
        for phone in ("a", "b", "c", "d", "e", "f"):
            moved = phone in ("c", "e")
            if moved:  # the other worker's create draws first
                other.incr("v", "draw:" + OPERATION, 1)
                calls.draw(OPERATION)
            before, tried[:] = redis_store.round_trips, []
            got, want = _step(ctx, phone, candidate), _one_by_one(calls, phone)
            assert _same(got, want), (phone, got, want)
            assert redis_store.round_trips - before == (2 if moved else 1)
            assert len(tried) == (2 if moved else 1)  # a guess, then the draw taken; the last one is the answer's
            assert not isinstance(got, Conflict) and tried[-1] == got[1]
    finally:
        other.close()
    assert ctx.next_id("user_ids", 1) == calls.next_id("user_ids", 1)  # no id made from a wrong draw moved it

