"""The Redis store's request path: round trips per create, rows kept between requests, the journal posted.

Against the real redis-server (tests/redis_server.py).  What is checked is counted (round trips, bytes),
never timed.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
import redis

from mockserver.app import build_app
from mockserver.config import Config
from mockserver.core.journal import Journal
from mockserver.core.redis_store import RedisStore, StoreUnavailable, _packed
from mockserver.core.store import MemoryStore

ORIGIN = "http://test.local"
BODIES = {
    "pulse": lambda n: {"email": f"u{n}@rt.com", "name": "Round Trip"},
    "vaultspay": lambda n: {"firstName": "khalid", "lastName": "raza", "email": f"u{n}@rt.pk", "countryCode": "92",
                            "phone": f"3{n:09d}", "status": "ACTIVE"},
    "payabli": lambda n: {"email": f"u{n}@rt.com", "phone": "5555555555", "name": "Sean Smith", "pwd": "x",
                          "scope": [{"orgType": 0, "orgId": 123}], "access": [{"roleLabel": "customers", "roleValue": True}],
                          "usrStatus": 1},
    "sabi": lambda n: {"username": f"u{n}@rt.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi",
                       "role": "CUSTOMER", "gender": "FEMALE", "phone": f"0803{n:07d}"},
    "etelecom": lambda n: {"full_name": "Nguyễn Văn An", "password": "secret123", "phone": f"092{n:07d}",
                           "roles": ["telecom_customerservice"], **({"department_id": "424242"} if n == 9 else {})},
}


@pytest.fixture
def store(redis_store: RedisStore) -> RedisStore:
    return redis_store  # Redis alone (tests/store/conftest.py)


def _creator(redis_url: str, vendor: str, clock: str | None = None) -> tuple[Any, RedisStore, Any]:
    """An app on a Redis prefix of its own, its store, and a function making the n-th create (the answer's status)."""
    app = build_app(Config(seed=1, vendors=(vendor,), store=f"{redis_url}?prefix=t{uuid.uuid4().hex[:12]}", clock=clock))
    store = app.runtime.store
    assert isinstance(store, RedisStore)
    info = app.runtime.describe(ORIGIN)[vendor]
    method, _, url = info["create_user"].partition(" ")
    headers = [(k.lower().encode(), str(v).encode()) for k, v in info["headers"].items()]
    headers += [(b"content-type", b"application/json"), (b"host", b"test.local")]

    def create(n: int) -> tuple[int, dict[str, Any]]:
        head, payload = app.answer_directly(method, url[len(ORIGIN):], b"", headers, orjson.dumps(BODIES[vendor](n)))
        return int(head.split(b" ", 2)[1]), orjson.loads(payload)

    return app, store, create


def _created(status: int) -> bool:
    return status in (200, 201)  # VaultsPay, Payabli and eTelecom answer a create 200, Pulse and Sabi 201


@pytest.mark.parametrize(("vendor", "trips"), [("pulse", 3), ("vaultspay", 3), ("payabli", 3), ("sabi", 3), ("etelecom", 3)])
def test_a_create_costs_few_round_trips(redis_url: str, vendor: str, trips: int) -> None:
    """Pulse: the version check (with the kept tables' generations), the e-mail look-up with the id (one
    script: VendorContext.next_id_if_free), the insert; its caller's token and record come from the copies.
    VaultsPay's username's draw moves in the same script (VendorContext.next_id_and_draw_if_free); Payabli's
    e-mail look-up and id as Pulse's; Sabi's username look-up, draw and ids' count in one script
    (VendorContext.draw_and_incr_if_free).  eTelecom: the version check; the phone's look-up with the membership's
    id, the draw and the user id made from it (at least the clock's, checked free of a fixture's user) in one script
    (next_id_draw_and_id_if_free: the draw's counter moves where this process expects it); the user's insert (its
    membership inside its row).  The journal's row is posted: no wait of its own."""
    app, store, create = _creator(redis_url, vendor)
    try:
        assert _created(create(1)[0]) and _created(create(2)[0])  # the first requests read (and keep) the caller
        for n in range(3, 8):
            before, posted = store.round_trips, store.posted
            assert _created(create(n)[0])
            assert (store.round_trips - before, store.posted - posted) == (trips, 1)
        assert len(app.runtime.journal.query()) == 7  # every row reached the stream
    finally:
        for space in store.namespaces():
            store.drop(space)
        store.close()


@pytest.mark.parametrize("vendor", ["payabli", "sabi", "etelecom"])
def test_a_creates_answers_equal_the_memory_stores(redis_url: str, vendor: str) -> None:
    """Same seed, same creates (a repeated one refused): byte-identical answers from Redis, where the look-up, the
    ids and the draws move in one script, and from the memory store, which makes the calls one by one."""
    frozen = "frozen:2026-01-01T00:00:00Z"  # the instants are in the answers (and in eTelecom's ids)
    memory = build_app(Config(seed=1, vendors=(vendor,), clock=frozen))
    info = memory.runtime.describe(ORIGIN)[vendor]
    method, _, url = info["create_user"].partition(" ")
    headers = [(k.lower().encode(), str(v).encode()) for k, v in info["headers"].items()]
    headers += [(b"content-type", b"application/json"), (b"host", b"test.local")]
    _, store, create = _creator(redis_url, vendor, frozen)
    # The repeats are refused: nothing may move for them (nor for eTelecom's unknown department, n = 9).
    order = [1, 2, 2, 3, 1, 9, 4, 5]
    try:
        answers = [create(n) for n in order]
        expected = [memory.answer_directly(method, url[len(ORIGIN):], b"", headers, orjson.dumps(BODIES[vendor](n)))
                    for n in order]
        assert answers == [(int(head.split(b" ", 2)[1]), orjson.loads(payload)) for head, payload in expected]
        refused = vendor == "etelecom"
        assert [_created(status) for status, _ in answers] == [True, True, False, True, False, not refused, True, True]
    finally:
        for space in store.namespaces():
            store.drop(space)
        store.close()


def test_id_steps_move_the_counters_as_the_calls_they_fold(store: RedisStore) -> None:
    """next_id_at_least is bump_id(at_least - 1) then next_id, bump_id_if_absent is get then bump_id: Redis's
    one-script versions give what the memory store's calls give, 19-digit ids included (past Lua's exact range)."""
    memory = MemoryStore()
    big = 9_214_322_001_040_123_905
    for at_least in (100, 50, 101, 200, 7, big, big - 5, big):
        expected = (memory.bump_id("ns", "ids", at_least - 1), memory.next_id("ns", "ids", at_least))[1]
        assert store.next_id_at_least("ns", "ids", at_least) == expected
    assert store.next_id_at_least("ns", "ids", 1) == big + 3  # big, then big - 5 and big: one past the last id
    rows = store.table("ns", "users")
    rows.insert(big + 10, {"id": big + 10})
    assert store.bump_id_if_absent("ns", rows, big + 10, "ids", big + 10) is False  # taken: nothing moves
    assert store.next_id("ns", "ids", 1) == big + 4
    assert store.bump_id_if_absent("ns", rows, big + 20, "ids", None) is True  # free, no counter asked to move
    assert store.next_id("ns", "ids", 1) == big + 5
    assert store.bump_id_if_absent("ns", rows, big + 30, "ids", big + 30) is True
    assert store.next_id("ns", "ids", 1) == big + 31
    assert store.bump_id_if_absent("ns", rows, 3, "fresh", 3) is True  # a counter not there yet is made
    assert store.next_id("ns", "fresh", 1) == 4


def test_an_id_checked_free_is_taken_for_the_next_check_until_its_row_is_written(store: RedisStore, redis_url: str) -> None:
    """bump_id_if_absent marks the id chosen: another worker given the same id (or a request of the same turn)
    finds it taken before the first one's row is written, never free twice (one insert would be refused: a 409).
    The memory store (one process, a request at a time) never checks an id twice before its insert."""
    other = RedisStore(redis_url, prefix=store.prefix)
    mine, theirs = store.table("ns", "users"), other.table("ns", "users")
    assert store.bump_id_if_absent("ns", mine, 7, "ids", 7) is True
    assert other.bump_id_if_absent("ns", theirs, 7, "ids", 7) is False  # chosen here, not written yet
    assert other.bump_id_if_absent("ns", theirs, 8, "ids", 8) is True
    mine.insert(7, {"id": 7})
    assert store.client.hlen(mine.chosen_key) == 1  # 7 unmarked by its insert; 8 still chosen
    theirs.insert(8, {"id": 8})
    assert store.client.hlen(mine.chosen_key) == 0
    assert other.bump_id_if_absent("ns", theirs, 7, "ids", 7) is False  # its row now
    store.clear("ns")
    assert store.client.exists(mine.chosen_key) == 0  # a clear takes the marks along
    other.close()


def test_answers_equal_those_without_copies(redis_url: str) -> None:
    """Same seed, same requests: byte-identical answers whether rows come from copies or from Redis."""
    _, kept, create = _creator(redis_url, "vaultspay")
    _, plain, create_plain = _creator(redis_url, "vaultspay")
    plain.TABLES_COPIED = 0  # nothing is ever kept: every read goes to Redis
    plain.forget_copies()
    try:
        assert [create(n) for n in range(6)] == [create_plain(n) for n in range(6)]
        assert kept.round_trips < plain.round_trips
    finally:
        for made in (kept, plain):
            for space in made.namespaces():
                made.drop(space)
            made.close()


def _request(store: RedisStore) -> None:
    """What the pipeline does at a request's start on a shared store."""
    store.begin()
    store.version()


def test_copies_serve_a_request_until_another_process_writes(store: RedisStore, redis_url: str) -> None:
    other = RedisStore(redis_url, prefix=store.prefix)  # another worker
    users = store.table("v", "users")
    users.insert(1, {"id": 1, "n": 1})
    users.insert(2, {"id": 2, "n": 2})
    _request(store)
    assert users.get(1) == {"id": 1, "n": 1}  # a table first read: watched from the next check on
    _request(store)
    assert users.get(1) == {"id": 1, "n": 1} and users.get(2) == {"id": 2, "n": 2}  # read, and kept
    trips = store.round_trips
    _request(store)
    assert users.get(1) == {"id": 1, "n": 1} and users.get(2) == {"id": 2, "n": 2}
    assert store.round_trips == trips + 1  # the check alone: both rows from the copies
    record = users.get(1)
    assert record is not None
    record["n"] = 99  # a copy handed out is the caller's: the kept one is untouched
    assert users.get(1) == {"id": 1, "n": 1}

    users.update(1, {"id": 1, "n": 10})  # this process's own write: row 1 read again, row 2 still kept
    trips = store.round_trips
    assert users.get(2) == {"id": 2, "n": 2} and store.round_trips == trips
    assert users.get(1) == {"id": 1, "n": 10} and store.round_trips == trips + 1

    other.table("v", "users").update(2, {"id": 2, "n": 20})  # another worker's write
    _request(store)
    assert users.get(2) == {"id": 2, "n": 20}  # the generation moved: the copies went
    assert users.get(1) == {"id": 1, "n": 10}
    store.commit()
    trips = store.round_trips
    assert users.get(2) == {"id": 2, "n": 20} and store.round_trips == trips + 1  # outside a request: Redis, always
    store.version()  # a check outside a request (start-up, the admin API) lets no copy serve
    assert users.get(2) == {"id": 2, "n": 20} and store.round_trips == trips + 3
    other.close()


def test_own_write_racing_another_drops_the_copies(store: RedisStore, redis_url: str) -> None:
    other = RedisStore(redis_url, prefix=store.prefix)
    users = store.table("v", "users")
    for key in (1, 2):
        users.insert(key, {"id": key})
    for _ in range(2):
        _request(store)
        users.get(1), users.get(2)
    other.table("v", "users").update(2, {"id": 2, "by": "other"})  # after this request's check
    users.update(1, {"id": 1, "by": "me"})  # the generation moved by two: someone else wrote too
    assert users.get(2) == {"id": 2, "by": "other"}  # read again, not the copy
    assert users.delete(1) == {"id": 1, "by": "me"}
    assert users.get(1) is None
    other.close()


def test_reset_drops_every_copy_even_when_generations_come_back(store: RedisStore, redis_url: str) -> None:
    """A clear unlinks a table's generation with its rows; the change version a reset moves drops every copy, so
    a table cleared and written as often again (the same generation) is never served from old copies."""
    other = RedisStore(redis_url, prefix=store.prefix)
    users = store.table("v", "users")
    users.insert(1, {"id": 1, "v": "old"})
    for _ in range(2):
        _request(store)
        assert users.get(1) == {"id": 1, "v": "old"}
    other.clear("v")
    other.table("v", "users").insert(1, {"id": 1, "v": "new"})  # generation 1 again
    other.bump_version()  # what Runtime._changed does after a reset
    _request(store)
    assert users.get(1) == {"id": 1, "v": "new"}
    other.close()


def test_a_posted_row_is_in_redis_before_its_reply_is_read(store: RedisStore, redis_url: str) -> None:
    other = RedisStore(redis_url, prefix=store.prefix)
    journal, reader = Journal(10), Journal(10)
    journal.sink, reader.sink = store.journal_sink(10), other.journal_sink(10)
    journal.record(1.0, "v", "create_user", "POST", "/users", {}, {}, b"{}", 201, b'{"id": 1}', None, 1.0, "", None, ())
    assert store.posted == 1
    assert [e["response"] for e in reader.query()] == [{"id": 1}]  # another worker sees it: nothing more sent here
    trips = store.round_trips
    _request(store)  # the reply owed is read with the next command's: one round trip
    assert store.round_trips == trips + 1
    other.close()


def test_lost_connection_after_a_post_is_one_failure_then_served(store: RedisStore, redis_url: str) -> None:
    users = store.table("v", "users")
    users.insert(1, {"id": 1})
    journal = Journal(10)
    journal.sink = store.journal_sink(10)
    journal.record(1.0, "v", "op", "GET", "/", {}, {}, b"", 200, b"{}", None, 1.0, "", None, ())
    killer = redis.Redis.from_url(redis_url)
    assert killer.client_kill_filter(_type="normal", skipme=True) >= 1
    with pytest.raises(StoreUnavailable) as lost:
        users.get(1)
    assert lost.value.kind == "internal"
    assert users.get(1) == {"id": 1}  # a fresh connection for the next request
    killer.close()


def test_scripts_flushed_are_loaded_again(store: RedisStore) -> None:
    users = store.table("v", "users")
    users.insert(1, {"id": 1}, {"email": "a@x"})
    store.client.script_flush()
    users.insert(2, {"id": 2}, {"email": "b@x"})
    assert users.find("email", "b@x") == {"id": 2}
    assert store.next_id("v", "users", 10) == 10


@pytest.mark.parametrize("args", [
    ("GET", "k"),
    ("EVALSHA", "ab", 2, "k1", b"\x00\xff\r\n", -5, 0, "é", 1.5, b""),
    ("HSET", "h", "f", b"x" * 70000),
])
def test_commands_are_packed_as_redis_py_packs_them(args: tuple[Any, ...]) -> None:
    conn = redis.Redis().connection_pool.make_connection()  # packs only: never connects
    assert _packed(args) == b"".join(conn.pack_command(*args))


def test_counters_list_their_hash_once_and_clear_forgets_them(store: RedisStore) -> None:
    assert store.next_id("v", "users", 5) == 5
    assert store.incr("v", "draw:x") == 1
    assert store.namespaces() == ["v"]
    assert f"{store.prefix}:v:c".encode() in store.client.smembers(f"{store.prefix}:v:keys")
    store.clear("v")
    assert store.next_id("v", "users", 5) == 5 and store.counter("v", "draw:x") == 0
    assert f"{store.prefix}:v:c".encode() in store.client.smembers(f"{store.prefix}:v:keys")  # listed again
    store.drop("v")
    assert store.namespaces() == [] and not store.client.exists(f"{store.prefix}:v:c")


def test_next_id_if_free_takes_no_id_for_a_taken_key(store: RedisStore) -> None:
    users = store.table("v", "users")
    assert store.next_id_if_free("v", users, {"email": "a@x", "phone": None}, "users", 100) == 100
    users.insert(100, {"id": 100, "email": "a@x"}, {"email": "a@x"})
    clash = store.next_id_if_free("v", users, {"phone": "1", "email": "a@x"}, "users", 100)
    assert not isinstance(clash, int) and (clash.field, clash.existing) == ("email", {"id": 100, "email": "a@x"})
    assert store.next_id_if_free("v", users, {"email": "b@x"}, "users", 100) == 101  # the conflict took no id
    assert store.next_id_if_free("w", store.table("w", "users"), {}, "users", 7) == 7  # a namespace listed
    assert store.namespaces() == ["v", "w"]
