"""VendorContext.next_id_at_least_if_absent on every backend (tests/store/conftest.py's ``store``): the next id at
least a given one and whether no row has it, one script on Redis, ``next_id_at_least`` then ``get`` elsewhere; the
same ids either way, 19-digit ones included (past the exact range of Lua's numbers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockserver.core.store import MemoryStore, Store

from .contexts import vendor_context

if TYPE_CHECKING:  # imported by the Redis test alone: the others run without the redis package
    from mockserver.core.redis_store import RedisStore

BIG = 9_214_322_001_040_123_905



def test_the_next_id_at_least_and_whether_its_row_is_absent(store: Store) -> None:
    ctx = vendor_context(store)
    users = ctx.table("users")
    users.insert(BIG + 2, {"id": BIG + 2})
    assert ctx.next_id_at_least_if_absent(users, "ids", 100) == (100, True)
    assert ctx.next_id_at_least_if_absent(users, "ids", 50) == (101, True)  # one past the last id given
    assert ctx.next_id_at_least_if_absent(users, "ids", BIG) == (BIG, True)
    assert ctx.next_id_at_least_if_absent(users, "ids", BIG - 5) == (BIG + 1, True)
    assert ctx.next_id_at_least_if_absent(users, "ids", BIG - 5) == (BIG + 2, False)  # taken: the id is given anyway
    assert ctx.next_id_at_least_if_absent(users, "ids", 1) == (BIG + 3, True)
    assert ctx.next_id("ids", 1) == BIG + 4  # nothing moved but the counter, by one each
    assert ctx.next_id_at_least_if_absent(users, "fresh", 7) == (7, True)  # a counter not there yet is made


def test_it_gives_what_next_id_at_least_then_bump_id_if_absent_give(store: Store) -> None:
    """The calls it folds, made one by one on a memory store, from the same rows: the same answers."""
    ctx, calls = vendor_context(store), vendor_context(MemoryStore())
    users, rows = ctx.table("users"), calls.table("users")
    for taken in (300, 302, BIG + 1):
        users.insert(taken, {"id": taken})
        rows.insert(taken, {"id": taken})
    for at_least in (299, 1, 1, 305, 2, BIG, BIG - 1, BIG + 1, 3):
        given = calls.next_id_at_least("ids", at_least)
        assert ctx.next_id_at_least_if_absent(users, "ids", at_least) == (given, calls.bump_id_if_absent(rows, given, "ids", None))


def test_on_redis_a_free_id_is_chosen_until_its_row_is_written(redis_store: RedisStore, redis_url: str) -> None:
    """As bump_id_if_absent marks it: another worker checking the same id (bump_id_if_absent) finds it taken
    before the row is written, so two requests never both get one id."""
    from mockserver.core.redis_store import RedisStore

    ctx = vendor_context(redis_store)
    users = ctx.table("users")
    other = RedisStore(redis_url, prefix=redis_store.prefix)
    try:
        assert ctx.next_id_at_least_if_absent(users, "ids", 40) == (40, True)
        assert other.bump_id_if_absent("v", other.table("v", "users"), 40, "ids", None) is False
        users.insert(40, {"id": 40})
        assert ctx.next_id_at_least_if_absent(users, "ids", 41) == (41, True)
    finally:
        other.close()


def test_on_redis_a_refused_insert_gives_its_chosen_id_back(redis_store: RedisStore) -> None:
    """A create refused at its write (a unique value taken meanwhile, or the row there already) leaves no "chosen"
    mark behind: without this each refused create kept one field in Redis until the namespace was cleared."""
    from mockserver.core.errors import Conflict

    ctx = vendor_context(redis_store)
    users = ctx.table("users")
    users.insert(7, {"id": 7, "phone": "1"}, {"phone": "1"})
    chosen = users.chosen_key  # type: ignore[attr-defined]
    assert ctx.next_id_at_least_if_absent(users, "ids", 40) == (40, True)
    assert redis_store.client.hexists(chosen, "40")
    try:
        users.insert(40, {"id": 40, "phone": "1"}, {"phone": "1"})
    except Conflict as refused:
        assert refused.field == "phone"
    else:
        raise AssertionError("the taken phone was not refused")
    assert not redis_store.client.hexists(chosen, "40")
    assert ctx.bump_id_if_absent(users, 40, "ids", None) is True  # free again: no row, no mark

    assert ctx.bump_id_if_absent(users, 41, "ids", None) is True  # chosen, then written by another path first
    redis_store.table("v", "users").insert(41, {"id": 41})
    assert not redis_store.client.hexists(chosen, "41")  # a write takes its key's mark (as before)
    assert ctx.next_id_at_least_if_absent(users, "other", 7) == (7, False)  # a taken id: not marked
    try:
        users.insert(7, {"id": 7})
    except Conflict as refused:
        assert refused.field == "id"
    else:
        raise AssertionError("the existing row was not refused")
    assert redis_store.client.hlen(chosen) == 1  # 40's mark (bump_id_if_absent above) alone
