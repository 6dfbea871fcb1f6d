"""VendorContext.next_id_if_free / find_or_next_id on every backend (tests/store/conftest.py's ``store``):
a create's unique-key look-up and its id, one script on Redis, ``conflict``/``find`` then ``next_id`` elsewhere;
either way no id is taken for a key already held."""

from __future__ import annotations

from mockserver.core.errors import Conflict
from mockserver.core.seeding import Seeder
from mockserver.core.store import Store

from .contexts import vendor_context


def test_an_id_only_for_free_keys(store: Store) -> None:
    ctx = vendor_context(store)
    users = ctx.table("users")
    assert ctx.next_id_if_free(users, {"email": "a@x", "phone": None}, "users", 600) == 600
    users.insert(600, {"id": 600, "email": "a@x"}, {"email": "a@x"})
    clash = ctx.next_id_if_free(users, {"phone": "1", "email": "a@x"}, "users", 600)
    assert isinstance(clash, Conflict) and (clash.field, clash.existing) == ("email", {"id": 600, "email": "a@x"})
    assert ctx.find_or_next_id(users, "email", "a@x", "users", 600) == {"id": 600, "email": "a@x"}
    assert ctx.next_id_if_free(users, {"email": "b@x"}, "users", 600) == 601  # neither look-up took an id
    assert ctx.find_or_next_id(users, "email", "c@x", "users", 600) == 602
    assert ctx.next_id_if_free(users, {}, "users", 600) == 603


def test_the_draw_taken_with_the_id_is_the_draw_taken_after_it(store: Store) -> None:
    """next_id_and_draw_if_free: one script on Redis, next_id_if_free then draw elsewhere; the same draws on
    every backend (the seeder's n-th draw, counted only when the id was free), so answers do not change."""
    ctx, alone = vendor_context(store), Seeder(1, "v")  # alone: what draw() gives, one after the other, on no store
    users = ctx.table("users")
    first = ctx.next_id_and_draw_if_free(users, {"email": "a@x"}, "users", 600, "create_user")
    assert not isinstance(first, Conflict)
    assert first[0] == 600 and first[1].hex(32) == alone.draw("create_user").hex(32)
    users.insert(600, {"id": 600}, {"email": "a@x"})
    clash = ctx.next_id_and_draw_if_free(users, {"email": "a@x"}, "users", 600, "create_user")
    assert isinstance(clash, Conflict) and clash.existing == {"id": 600}  # no id, no draw taken
    assert ctx.draw("other").hex(8) == alone.draw("other").hex(8)  # another operation's counter, untouched
    second = ctx.next_id_and_draw_if_free(users, {"email": "b@x"}, "users", 600, "create_user")
    assert not isinstance(second, Conflict)
    assert second[0] == 601 and second[1].hex(32) == alone.draw("create_user").hex(32)
    assert store.counter("v", "draw:create_user") == 2
