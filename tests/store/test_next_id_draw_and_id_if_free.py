"""VendorContext.next_id_draw_and_id_if_free on every backend (tests/store/conftest.py's ``store``): a create's
unique look-up, its id, its draw and an id made of a base and the draw's low bits, checked free.  The memory and
SQLite stores make the calls one by one; Redis makes them in one script, the draw made in Lua with the same 64-bit
arithmetic as core.seeding's.  The same answers every way, 19-digit ids included."""

from __future__ import annotations

import random
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
BITS = 2  # candidates BIG .. BIG + 3: some land on a taken id


def _one_by_one(ctx: VendorContext, phone: str) -> tuple[int, int, int, bool] | Conflict:
    """What the step is, as separate calls: conflict, next_id, draw, next_id_at_least_if_absent."""
    users = ctx.table("users")
    clash = users.conflict({"phone": phone})
    if clash is not None:
        return clash
    taken = ctx.next_id("members", 100)
    at_least = BIG + ctx.draw(OPERATION).below(1 << BITS)
    return (taken, at_least, *ctx.next_id_at_least_if_absent(users, "user_ids", at_least))


def _step(ctx: VendorContext, phone: str) -> tuple[int, int, int, bool] | Conflict:
    return ctx.next_id_draw_and_id_if_free(ctx.table("users"), {"phone": phone}, "members", 100, OPERATION, "user_ids", BIG, BITS)


def _same(got: tuple[int, int, int, bool] | Conflict, want: tuple[int, int, int, bool] | Conflict) -> bool:
    if isinstance(want, Conflict):
        return isinstance(got, Conflict) and (got.field, got.existing) == (want.field, want.existing)
    return got == want


def _seeded(ctx: VendorContext) -> None:
    users = ctx.table("users")
    users.insert(BIG + 1, {"id": BIG + 1, "phone": "taken"}, {"phone": "taken"})
    users.insert(BIG + 9, {"id": BIG + 9})


def _written(ctx: VendorContext, answer: tuple[int, int, int, bool] | Conflict, phone: str) -> None:
    if not isinstance(answer, Conflict) and answer[3]:  # a free id: the create writes its row
        ctx.table("users").insert(answer[2], {"id": answer[2], "phone": phone}, {"phone": phone})


def test_it_gives_what_the_calls_one_by_one_give(store: Store) -> None:
    ctx, calls = vendor_context(store), vendor_context(MemoryStore())
    _seeded(ctx)
    _seeded(calls)
    answers = []
    for phone in ("a", "b", "taken", "c", "d", "e", "taken", "f", "g"):
        got, want = _step(ctx, phone), _one_by_one(calls, phone)
        assert _same(got, want), (phone, got, want)
        answers.append(got)
        _written(ctx, got, phone)
        _written(calls, want, phone)
    assert sum(isinstance(answer, Conflict) for answer in answers) == 2  # a taken phone: nothing moved for it
    assert any(answer[3] is False for answer in answers if not isinstance(answer, Conflict))  # BIG + 9: taken
    assert ctx.next_id("members", 1) == calls.next_id("members", 1)  # the counters moved alike
    assert ctx.draw(OPERATION).next() == calls.draw(OPERATION).next()


def test_on_redis_it_is_one_round_trip_whoever_else_draws(redis_store: RedisStore, redis_url: str) -> None:
    """Another worker's draws between this one's: still one round trip each (the draw is made in the script, from
    the counter's value there), and the answers of the calls one by one with the other draws in the same places."""
    from mockserver.core.redis_store import RedisStore

    ctx, calls = vendor_context(redis_store), vendor_context(MemoryStore())
    _seeded(ctx)
    _seeded(calls)
    other = RedisStore(redis_url, prefix=redis_store.prefix)
    try:
        for phone in ("a", "b", "c", "d", "e", "f"):
            if phone in ("c", "e"):  # the other worker's create draws first
                other.incr("v", "draw:" + OPERATION, 3 if phone == "c" else 1)
                for _ in range(3 if phone == "c" else 1):
                    calls.draw(OPERATION)
            before = redis_store.round_trips
            got, want = _step(ctx, phone), _one_by_one(calls, phone)
            assert _same(got, want), (phone, got, want)
            assert redis_store.round_trips - before == 1
            _written(ctx, got, phone)
            _written(calls, want, phone)
    finally:
        other.close()
    assert ctx.next_id("user_ids", 1) == calls.next_id("user_ids", 1)


def test_the_scripts_draw_is_the_draw_of_core_seeding(redis_store: RedisStore) -> None:
    """core.redis_scripts.DRAW against Draw.from_state(state, key).below(2 ** bits), and PLUS against +, on edge and
    random values (a sum past 2^64 in from_state, the largest key, 19-digit texts)."""
    from mockserver.core import redis_scripts

    script = redis_store.client.register_script(redis_scripts.DRAW + redis_scripts.PLUS + """
local low = drawn_low(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]),
                      tonumber(ARGV[6]))
return {string.format('%d', low), plus(ARGV[7], tonumber(ARGV[8]))}
""")
    rng = random.Random(7)
    cases = [(0, 0), ((1 << 64) - 1, 0), ((1 << 64) - 1, (1 << 53) - 1), (0x6000000000000000, 5)]
    cases += [(rng.getrandbits(64), rng.choice([rng.randrange(1 << 53), rng.randrange(100_000)])) for _ in range(400)]
    for state, key in cases:
        bits = rng.choice([24, 1, 16, 31, 32])
        base = rng.choice([rng.getrandbits(63), rng.randrange(10**9), 999_999_999, 10**18 - 1, BIG])
        n = rng.randrange(1 << 32)
        limbs = [state >> shift & 0xFFFF for shift in (0, 16, 32, 48)]
        low, total = script(args=[*limbs, key, bits, str(base), n])
        assert (int(low), int(total)) == (Draw.from_state(state, key).below(1 << bits), base + n), (state, key, bits, base, n)
