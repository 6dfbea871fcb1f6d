"""Unit tests of the vendor-neutral core: clock, seeding, store, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ConfigDict

from mockserver.core.clock import Clock, iso_offset, iso_seconds_z, iso_z, parse_instant
from mockserver.core.errors import InvalidFields, MalformedBody, NotAnObject
from mockserver.core.seeding import Draw, Seeder
from mockserver.core.store import Conflict, MemoryStore
from mockserver.core.validation import Email, NotBlank, is_email, parse, parse_duration


def test_durations_accept_seconds_and_iso8601() -> None:
    assert parse_duration(90) == timedelta(seconds=90)
    assert parse_duration("90") == timedelta(seconds=90)
    assert parse_duration("PT1H30M") == timedelta(hours=1, minutes=30)
    assert parse_duration("P1DT2S") == timedelta(days=1, seconds=2)
    with pytest.raises(ValueError):
        parse_duration("soon")
    with pytest.raises(ValueError):
        parse_duration("PT")


def test_frozen_clock_advances_and_sets_only_on_request() -> None:
    clock = Clock.from_spec("frozen:2026-01-01T00:00:00Z")
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    clock.advance(timedelta(minutes=15))
    assert iso_z(clock.now()) == "2026-01-01T00:15:00.000Z"
    clock.set(parse_instant("2027-02-03T04:05:06.789+00:00"))
    assert iso_offset(clock.now()) == "2027-02-03T04:05:06.789+00:00"
    assert iso_seconds_z(clock.now()) == "2027-02-03T04:05:06Z"
    clock.freeze(False)
    assert not clock.frozen and abs(clock.timestamp() - parse_instant("2027-02-03T04:05:06.789Z").timestamp()) < 5
    with pytest.raises(ValueError):
        Clock.from_spec("sideways")


def test_draws_are_reproducible_and_independent_per_operation() -> None:
    a, b = Seeder(7, "v"), Seeder(7, "v")
    first = [a.draw("create").hex(32) for _ in range(3)]
    b.draw("login")  # another operation's traffic does not shift this one
    assert [b.draw("create").hex(32) for _ in range(3)] == first
    assert Seeder(8, "v").draw("create").hex(32) != first[0]
    assert Seeder(7, "w").draw("create").hex(32) != first[0]
    draw = Draw(1, 2, 3)
    assert len(draw.digits(19, first_nonzero=True)) == 19
    assert 0 <= draw.below(10) < 10


@pytest.mark.parametrize("length", [1, 8, 15, 16, 17, 31, 32, 33, 64])
def test_hex_is_each_words_sixteen_digits_in_draw_order_cut_to_length(length: int) -> None:
    drawn, words = Draw(3, 9), Draw(3, 9)
    assert drawn.hex(length) == "".join(f"{words.next():016x}" for _ in range((length + 15) // 16))[:length]
    assert drawn.next() == words.next()  # as many words drawn either way
    assert Draw(1, 2).hex(32) == "96e4fe39cc090ffe110ba0f82d84e00c"  # pinned: ids made from it never change


def test_memory_store_unique_keys_update_and_delete() -> None:
    store = MemoryStore()
    users = store.table("v", "users")
    users.insert(1, {"id": 1}, {"email": "a@x"})
    with pytest.raises(Conflict) as caught:
        users.insert(2, {"id": 2}, {"email": "a@x"})
    assert caught.value.field == "email" and len(users) == 1
    users.update(1, {"id": 1, "v": 2}, {"email": "b@x"})
    assert users.find("email", "a@x") is None and users.find("email", "b@x") == {"id": 1, "v": 2}
    users.delete(1)
    users.insert(3, {"id": 3}, {"email": "b@x"})  # a deleted user's key can be reused
    assert store.table("w", "users").find("email", "b@x") is None  # namespaces never mix
    assert store.next_id("v", "users", 600) == 600 and store.next_id("v", "users", 600) == 601
    store.bump_id("v", "users", 700)
    assert store.next_id("v", "users", 600) == 701


class _Model(BaseModel):
    model_config = ConfigDict(strict=True)
    name: NotBlank
    email: Email
    age: int = 0


def test_validation_names_every_failing_field() -> None:
    with pytest.raises(InvalidFields) as caught:
        parse(_Model, b'{"name": " ", "email": "nope", "age": "3"}')
    kinds = {f.loc: f.kind for f in caught.value.fields}
    assert kinds == {"name": "missing", "email": "format", "age": "type"}
    with pytest.raises(MalformedBody):
        parse(_Model, b"{")
    with pytest.raises(MalformedBody):
        parse(_Model, b"")
    with pytest.raises(NotAnObject):
        parse(_Model, b"[1]")
    assert is_email("first.last+tag@sub.example.co") and not is_email("a@b") and not is_email("a b@c.de")


def test_iso_z_cache_gives_isoformat_text_for_any_instant() -> None:
    import random
    from datetime import datetime, timedelta


    rng = random.Random(5)
    plus7 = timezone(timedelta(hours=7))
    start = datetime(1990, 1, 1, tzinfo=UTC)
    moments = sorted(start + timedelta(microseconds=rng.randrange(10**16)) for _ in range(500))
    moments += [m + timedelta(microseconds=d) for m in moments[:50] for d in (1, 999, 1000, 999_999)]  # same/next second
    for moment in moments:
        for shown in (moment, moment.astimezone(plus7)):
            assert iso_z(shown) == moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def test_draws_keep_their_values() -> None:
    from mockserver.core.seeding import Draw, Seeder

    # Pinned: a change here changes every seeded response (and the golden snapshots).
    draw = Seeder(1, "vaultspay").draw("create_user")
    assert [draw.next() for _ in range(3)] == [2212801037028787414, 7283222137033456171, 9672373961874821293]
    assert Draw.from_state(2**64 - 1, 2**70).next() == 9957527242108638288
