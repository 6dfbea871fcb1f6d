"""VendorContext.next_id_if_free / find_or_next_id on every backend (tests/store/conftest.py's ``store``):
a create's unique-key look-up and its id, one script on Redis, ``conflict``/``find`` then ``next_id`` elsewhere;
either way no id is taken for a key already held."""

from __future__ import annotations

from mockserver.core.clock import Clock
from mockserver.core.errors import Conflict
from mockserver.core.seeding import Pools, Seeder
from mockserver.core.store import Store
from mockserver.core.vendor import VendorContext


def _context(store: Store) -> VendorContext:
    return VendorContext(store=store, clock=Clock.from_spec(None), seeder=Seeder(1, "v", store), pools=Pools(1, "v", "en", {}),
                         vendor="v")


def test_an_id_only_for_free_keys(store: Store) -> None:
    ctx = _context(store)
    users = ctx.table("users")
    assert ctx.next_id_if_free(users, {"email": "a@x", "phone": None}, "users", 600) == 600
    users.insert(600, {"id": 600, "email": "a@x"}, {"email": "a@x"})
    clash = ctx.next_id_if_free(users, {"phone": "1", "email": "a@x"}, "users", 600)
    assert isinstance(clash, Conflict) and (clash.field, clash.existing) == ("email", {"id": 600, "email": "a@x"})
    assert ctx.find_or_next_id(users, "email", "a@x", "users", 600) == {"id": 600, "email": "a@x"}
    assert ctx.next_id_if_free(users, {"email": "b@x"}, "users", 600) == 601  # neither look-up took an id
    assert ctx.find_or_next_id(users, "email", "c@x", "users", 600) == 602
    assert ctx.next_id_if_free(users, {}, "users", 600) == 603
