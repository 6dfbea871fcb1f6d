"""The Redis store against a real redis-server (tests/redis_server.py): the memory store's behaviour, shared and atomic."""

from __future__ import annotations

import random
import threading

import pytest
import redis

from mockserver.core.errors import Conflict
from mockserver.core.redis_store import RedisStore, StoreUnavailable
from mockserver.core.store import MemoryStore, StoreError, open_store


@pytest.fixture
def store(redis_store: RedisStore) -> RedisStore:
    # This module's `store` (overriding tests/store/conftest.py's, which runs every backend): Redis alone.
    return redis_store


def keys_under(store: RedisStore, prefix: str) -> set[str]:
    return {key.decode() for key in store.client.scan_iter(match=f"{prefix}*", count=1000)}


def test_rows_indexes_and_order(store: RedisStore) -> None:
    users = store.table("v", "users")
    users.insert(2, {"id": 2, "email": "b@x"}, {"email": "b@x"})
    users.insert(1, {"id": 1, "email": "a@x", "n": [1, {"k": None}]}, {"email": "a@x"})
    users.insert(("s", 3), {"id": 3})
    assert users.get(1) == {"id": 1, "email": "a@x", "n": [1, {"k": None}]}
    assert users.get("1") is None  # "1" and 1 are different keys, as in the memory store
    assert users.get(("s", 3)) == {"id": 3}
    assert list(users) == [2, 1, ("s", 3)]  # insertion order, keys as given (a tuple back as a tuple)
    assert [r["id"] for r in users.values()] == [2, 1, 3]
    assert len(users) == 3
    assert users.find("email", "a@x") == users.get(1)
    assert users.find("email", "zz") is None
    with pytest.raises(Conflict) as taken:
        users.insert(9, {"id": 9}, {"email": "a@x"})
    assert (taken.value.field, taken.value.existing["id"]) == ("email", 1)
    with pytest.raises(Conflict) as again:
        users.insert(1, {"id": 1})
    assert again.value.field == "id"
    assert users.get(9) is None and len(users) == 3  # a refused insert wrote nothing
    clash = users.conflict({"email": "b@x"})
    assert clash is not None and clash.existing["id"] == 2
    assert users.conflict({"email": "b@x"}, ignore=2) is None
    assert users.conflict({"email": None}) is None


def test_update_moves_unique_keys_and_keeps_order(store: RedisStore) -> None:
    users = store.table("v", "users")
    users.insert(1, {"id": 1, "email": "a@x"}, {"email": "a@x"})
    users.insert(2, {"id": 2, "email": "b@x"}, {"email": "b@x"})
    with pytest.raises(Conflict):
        users.update(1, {"id": 1, "email": "b@x"}, {"email": "b@x"})
    assert users.get(1) == {"id": 1, "email": "a@x"}  # unchanged
    users.update(1, {"id": 1, "email": "c@x"}, {"email": "c@x"})
    assert users.find("email", "a@x") is None  # the old value is free again
    assert users.find("email", "c@x") == {"id": 1, "email": "c@x"}
    assert list(users) == [1, 2]  # an update keeps the row's place
    assert users.delete(1) == {"id": 1, "email": "c@x"}
    assert users.delete(1) is None
    assert users.find("email", "c@x") is None
    users.insert(3, {"id": 3}, {"email": "c@x"})  # free after the delete
    assert list(users) == [2, 3]


def test_same_answers_as_the_memory_store(store: RedisStore) -> None:
    """A random sequence of operations answered alike by both backends (the memory store is the reference)."""
    rng = random.Random(15)
    memory = MemoryStore()
    for _ in range(600):
        space = rng.choice(["a", "a@s1"])
        op = rng.choice(["insert", "update", "delete", "get", "find", "conflict", "next", "bump"])
        key = rng.choice([1, 2, 3, "k", ("t", 1)])
        email = rng.choice(["x@y", "z@y", None])
        unique = {"email": email, "phone": rng.choice(["+1", "+2", None])}
        record = {"k": str(key), "v": rng.randrange(100)}
        at_least = rng.randrange(90, 130)
        results = []
        for backend in (memory, store):
            table = backend.table(space, "users")
            try:
                if op == "insert":
                    got: object = table.insert(key, record, unique)
                elif op == "update":
                    got = table.update(key, record, unique)
                elif op == "delete":
                    got = table.delete(key)
                elif op == "get":
                    got = table.get(key)
                elif op == "find":
                    got = table.find("email", email or "x@y")
                elif op == "conflict":
                    clash = table.conflict(unique, ignore=key)
                    got = None if clash is None else (clash.field, clash.existing)
                elif op == "next":
                    got = backend.next_id(space, "users", 100)
                else:
                    got = backend.bump_id(space, "users", at_least)
            except Conflict as exc:
                got = ("conflict", exc.field, exc.existing)
            results.append((got, table.values(), list(table), len(table)))
        assert results[0] == results[1], op


def test_counters(store: RedisStore) -> None:
    assert [store.next_id("v", "users", 100) for _ in range(3)] == [100, 101, 102]
    store.bump_id("v", "users", 500)
    assert store.next_id("v", "users", 100) == 501
    store.bump_id("v", "users", 10)  # never backwards
    assert store.next_id("v", "users", 100) == 502
    store.bump_id("v", "orders", 7)
    assert store.next_id("v", "orders", 1) == 8
    store.clear("v")
    assert store.next_id("v", "users", 100) == 100  # a clear forgets counters
    big = 7_000_000_000_000_000_001  # past 2^53, where Lua's numbers round: ids stay exact
    assert store.next_id("v", "big", big) == big
    store.bump_id("v", "big", big + 1)  # above by one: a float comparison would see them equal
    assert store.next_id("v", "big", big) == big + 2
    store.bump_id("v", "big", big)
    assert store.next_id("v", "big", big) == big + 3
    store.bump_id("v", "neg", -5)
    store.bump_id("v", "neg", -7)
    assert store.next_id("v", "neg", 1) == -4


def test_drop_deletes_only_its_namespace(store: RedisStore) -> None:
    for space in ("v", "v@one", "v@two"):
        store.table(space, "users").insert(1, {"id": 1}, {"email": f"{space}@x"})
        store.table(space, "tokens").insert("t", {"id": 1})
        store.next_id(space, "users", 1)
    before = keys_under(store, store.prefix)
    one = {key for key in before if key.startswith(f"{store.prefix}:v@one:")}
    assert len(one) >= 8  # rows, order, owners, index, meta, counters... and the key set itself
    store.drop("v@one")
    assert keys_under(store, store.prefix) == before - one
    assert store.namespaces() == ["v", "v@two"]
    assert store.table("v@two", "users").find("email", "v@two@x") == {"id": 1}
    assert store.table("v@one", "users").get(1) is None
    store.clear()  # every namespace emptied, in place
    assert store.table("v", "users").get(1) is None and len(store.table("v@two", "tokens")) == 0


def test_racing_inserts_have_one_winner(store: RedisStore, redis_url: str) -> None:
    """Two clients (two connections, as two workers) insert the same e-mail under different ids, 200 times: one row each time."""
    other = RedisStore(redis_url, prefix=store.prefix)
    wins: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def race(which: int, backend: RedisStore) -> None:
        table = backend.table("v", "users")
        for round_ in range(200):
            barrier.wait()
            try:
                table.insert(round_ * 2 + which, {"id": which}, {"email": f"r{round_}@x"})
                wins[which].append(round_)
            except Conflict:
                pass

    threads = [threading.Thread(target=race, args=(i, b)) for i, b in enumerate((store, other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins[0] + wins[1]) == list(range(200))  # every round exactly one winner
    assert len(store.table("v", "users")) == 200
    other.close()


def test_unreachable_redis_is_one_line(caplog: pytest.LogCaptureFixture) -> None:
    from tests.redis_server import free_port

    dead = RedisStore(f"redis://user:s3cret@127.0.0.1:{free_port()}/0")
    with pytest.raises(ValueError, match=r"^cannot reach redis://user:\*\*\*@127\.0\.0\.1:\d+/0\?prefix=mockserver: .*Connection refused") as exc:
        dead.check()
    assert "\n" not in str(exc.value) and "s3cret" not in str(exc.value)
    with pytest.raises(StoreUnavailable) as failed:
        dead.table("v", "users").get(1)
    assert failed.value.kind == "internal" and "s3cret" not in failed.value.detail
    assert "s3cret" not in caplog.text
    with pytest.raises(StoreError, match=r"^--store: cannot reach redis://\*\*\*@127\.0\.0\.1:\d+/0\?prefix=mockserver: ") as opened:
        open_store(f"redis://:s3cret@127.0.0.1:{free_port()}/0")
    assert "\n" not in str(opened.value) and "s3cret" not in str(opened.value)


def test_urls() -> None:
    with pytest.raises(ValueError, match="expected redis://host:port/db"):
        RedisStore("http://h:1/0")
    with pytest.raises(ValueError):
        RedisStore("redis://h:1/notadb")
    assert RedisStore("redis://127.0.0.1:1/3?prefix=ci7").prefix == "ci7"
    secret = RedisStore("redis://user:pw-x@127.0.0.1:1/0")
    assert secret.url == "redis://user:***@127.0.0.1:1/0?prefix=mockserver"
    assert RedisStore("redis://:pw-y@[::1]:1/2?prefix=x").url == "redis://***@[::1]:1/2?prefix=x"  # what the banner, the admin API and logs show
    assert "pw-x" not in secret.banner()
    assert isinstance(RedisStore("redis://127.0.0.1:1/3").client, redis.Redis)


def test_missing_client_library_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "redis", None)  # as if redis-py were not installed
    monkeypatch.delitem(sys.modules, "mockserver.core.redis_store")
    with pytest.raises(StoreError) as missing:
        open_store("redis://:pw@127.0.0.1:6379/0")
    assert str(missing.value) == (
        "--store: redis://***@127.0.0.1:6379/0 needs the Python package 'redis', which is not installed: pip install 'vendor-sandbox[redis]'"
    )


def test_describe_has_one_shape_for_every_backend(store: RedisStore) -> None:
    """core.store.description: the same keys in the same order, the backend's own details before the counts."""
    store.table("v", "users").insert(1, {"id": 1})
    assert store.describe() == {"backend": "redis", "url": store.url, "durable": True, "prefix": store.prefix,
                                "namespaces": 1, "rows": 1, "values": 0}
    assert list(store.describe()) == ["backend", "url", "durable", "prefix", "namespaces", "rows", "values"]
    assert list(MemoryStore().describe()) == ["backend", "url", "durable", "namespaces", "rows", "values"]
