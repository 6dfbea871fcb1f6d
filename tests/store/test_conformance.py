"""The store protocol (core/store.py's docstring), the same tests for every backend (conftest.FACTORIES)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mockserver.core.store import Conflict, Store, StoreError, open_store, redacted, update_fields

Reopen = Callable[[Store], Store]


# ---------------------------------------------------------------- tables
def test_insert_get_copies(store: Store) -> None:
    users = store.table("v", "users")
    record = {"id": 1, "name": "Ada", "tags": ["a"], "nested": {"x": 1.5, "n": None}}
    users.insert(1, record, {"email": "ada@x"})
    record["name"] = "changed"
    got = users.get(1)
    assert got == {"id": 1, "name": "Ada", "tags": ["a"], "nested": {"x": 1.5, "n": None}}
    assert got is not None
    got["name"] = "also changed"
    assert users.get(1) == {"id": 1, "name": "Ada", "tags": ["a"], "nested": {"x": 1.5, "n": None}}
    assert users.get(2) is None


def test_a_view_reads_as_get_does_and_sees_every_change(store: Store) -> None:
    users = store.table("v", "users")
    users.insert(1, {"id": 1, "tags": ["a"]}, {"email": "ada@x"})
    assert users.view(1) == users.get(1) == {"id": 1, "tags": ["a"]}
    users.update(1, {"id": 1, "tags": ["b"]}, {"email": "ada@x"})
    assert users.view(1) == {"id": 1, "tags": ["b"]}
    users.delete(1)
    assert users.view(1) is None and users.view("absent") is None


def test_keys_of_every_kind_are_distinct(store: Store) -> None:
    table = store.table("v", "t")
    table.insert(1, {"k": "int"})
    table.insert("1", {"k": "str"})
    table.insert(("1", 2), {"k": "tuple"})
    assert table.get(1) == {"k": "int"}
    assert table.get("1") == {"k": "str"}
    assert table.get(("1", 2)) == {"k": "tuple"}
    assert list(table) == [1, "1", ("1", 2)]
    assert len(table) == 3


def test_unique_keys(store: Store) -> None:
    users = store.table("v", "users")
    users.insert(1, {"id": 1}, {"email": "a@x", "phone": None})
    with pytest.raises(Conflict) as caught:
        users.insert(2, {"id": 2}, {"email": "a@x"})
    assert caught.value.field == "email"
    assert caught.value.existing == {"id": 1}
    assert users.get(2) is None and len(users) == 1
    with pytest.raises(Conflict) as again:
        users.insert(1, {"id": 1})
    assert again.value.field == "id"
    users.insert(2, {"id": 2}, {"email": "b@x"})
    assert users.find("email", "b@x") == {"id": 2}
    assert users.conflict({"email": "b@x"}) is not None
    assert users.conflict({"email": "b@x"}, ignore=2) is None
    # update moves the unique key: the old value is free again
    users.update(2, {"id": 2, "v": 2}, {"email": "c@x"})
    assert users.find("email", "b@x") is None and users.find("email", "c@x") == {"id": 2, "v": 2}
    with pytest.raises(Conflict):
        users.update(2, {"id": 2}, {"email": "a@x"})
    assert users.get(2) == {"id": 2, "v": 2}
    assert users.delete(1) == {"id": 1}
    assert users.find("email", "a@x") is None
    users.insert(3, {"id": 3}, {"email": "a@x"})  # a deleted row's key is free
    assert users.delete(99) is None


def test_values_in_insertion_order_and_update_keeps_place(store: Store) -> None:
    table = store.table("v", "t")
    for key in ("b", "a", "c"):
        table.insert(key, {"k": key})
    table.update("b", {"k": "b2"})
    assert table.values() == [{"k": "b2"}, {"k": "a"}, {"k": "c"}]


def test_update_fields_is_read_modify_write(store: Store) -> None:
    table = store.table("v", "t")
    table.insert(1, {"a": 1, "b": 2}, {"email": "x"})
    assert update_fields(table, 1, {"b": 3}, {"email": "y"}) == {"a": 1, "b": 3}
    assert table.get(1) == {"a": 1, "b": 3}
    assert table.find("email", "y") == {"a": 1, "b": 3}
    assert update_fields(table, 2, {"b": 3}) is None and table.get(2) is None


def test_namespaces_are_separate_and_clear_drop(store: Store) -> None:
    store.table("a", "t").insert(1, {"ns": "a"})
    store.table("b", "t").insert(1, {"ns": "b"})
    assert store.next_id("a", "users", 10) == 10
    assert store.table("b", "t").get(1) == {"ns": "b"}
    assert set(store.namespaces()) >= {"a", "b"}
    store.clear("a")
    assert store.table("a", "t").get(1) is None and store.table("b", "t").get(1) == {"ns": "b"}
    assert store.next_id("a", "users", 10) == 10  # counters forgotten too
    handle = store.table("b", "t")
    store.clear()
    assert len(handle) == 0
    handle.insert(2, {"again": True})  # handles stay valid after clear
    assert store.table("b", "t").get(2) == {"again": True}
    store.drop("b")
    assert "b" not in store.namespaces()
    assert store.table("b", "t").get(2) is None


# ---------------------------------------------------------------- ids, counters, claims
def test_id_sequences(store: Store) -> None:
    assert store.next_id("v", "users", 100) == 100
    assert store.next_id("v", "users", 100) == 101
    store.bump_id("v", "users", 500)
    assert store.next_id("v", "users", 100) == 501
    store.bump_id("v", "users", 3)  # never backwards
    assert store.next_id("v", "users", 100) == 502
    store.bump_id("v", "other", 7)
    assert store.next_id("v", "other", 1) == 8


def test_counters(store: Store) -> None:
    assert store.counter("s", "draw:create") == 0
    assert store.incr("s", "draw:create") == 1
    assert store.incr("s", "draw:create") == 2
    assert store.incr("s", "draw:create", 5) == 7
    assert store.incr("s", "draw:create", -1) == 6
    assert store.counter("s", "draw:create") == 6
    store.set_counter("s", "draw:create", 0)
    assert store.counter("s", "draw:create") == 0
    assert store.counter("other", "draw:create") == 0
    store.incr("s@1", "x")
    store.drop("s@1")
    assert store.counter("s@1", "x") == 0


def test_claim_once_until_cleared(store: Store) -> None:
    assert store.claim("v@s", "seeded") is True
    assert store.claim("v@s", "seeded") is False
    assert store.claim("v@t", "seeded") is True
    store.drop("v@s")
    assert store.claim("v@s", "seeded") is True
    store.clear()
    assert store.claim("v@t", "seeded") is True


# ---------------------------------------------------------------- server values, version
def test_values(store: Store) -> None:
    assert store.get_value("clock") is None
    store.set_value("clock", {"offset": 1.5, "frozen": None})
    store.set_value("scenario:a", {"text": "x"})
    store.set_value("scenario:b", {"text": "y"})
    value = store.get_value("clock")
    assert value == {"offset": 1.5, "frozen": None}
    value["offset"] = 9
    assert store.get_value("clock") == {"offset": 1.5, "frozen": None}
    assert store.list_values("scenario:") == {"scenario:a": {"text": "x"}, "scenario:b": {"text": "y"}}
    store.clear()  # values are server-wide: a reset of the tables keeps them
    assert store.get_value("clock") == {"offset": 1.5, "frozen": None}
    store.set_value("scenario:a", None)
    assert store.list_values("scenario:") == {"scenario:b": {"text": "y"}}


def test_version(store: Store) -> None:
    first = store.version()
    assert store.bump_version() == first + 1
    assert store.version() == first + 1


def test_transaction_hooks_commit_writes(store: Store) -> None:
    store.begin()
    store.table("v", "t").insert(1, {"a": 1})
    store.incr("v", "n")
    store.commit()
    assert store.table("v", "t").get(1) == {"a": 1} and store.counter("v", "n") == 1


def test_rollback_drops_a_transaction(store: Store) -> None:
    if not store.transactional:
        pytest.skip("a store without transactions writes at once")
    store.begin()
    store.table("v", "t").insert(1, {"a": 1})
    store.rollback()
    assert store.table("v", "t").get(1) is None


def test_describe(store: Store) -> None:
    store.table("v", "t").insert(1, {"a": 1})
    info = store.describe()
    assert info["url"] == store.url
    assert info["backend"] in ("memory", "sqlite", "redis")
    assert info["rows"] == 1
    assert isinstance(info["durable"], bool)


# ---------------------------------------------------------------- durability
def test_everything_survives_a_reopen(store: Store, reopen: Reopen) -> None:
    store.table("v", "users").insert(7, {"id": 7}, {"email": "a@x"})
    store.next_id("v", "users", 7)
    store.incr("v", "draw:create", 3)
    store.claim("v", "seeded")
    store.set_value("clock", {"offset": 60.0})
    version = store.bump_version()
    again = reopen(store)
    try:
        users = again.table("v", "users")
        assert users.get(7) == {"id": 7}
        with pytest.raises(Conflict):
            users.insert(8, {"id": 8}, {"email": "a@x"})
        assert again.next_id("v", "users", 7) == 8
        assert again.counter("v", "draw:create") == 3
        assert again.claim("v", "seeded") is False
        assert again.get_value("clock") == {"offset": 60.0}
        assert again.version() >= version
    finally:
        again.close()


# ---------------------------------------------------------------- URLs
def test_open_store_refuses_unknown_scheme() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("mongodb://u:pw@h/db")
    message = str(caught.value)
    assert message.startswith("--store: unknown store URL 'mongodb://u:***@h/db'")
    assert "pw" not in message and "sqlite://" in message


def test_open_memory() -> None:
    assert open_store(None).url == "memory://"
    assert open_store("memory://").describe()["backend"] == "memory"


def test_redacted() -> None:
    assert redacted("redis://:secret@localhost:6379/0") == "redis://***@localhost:6379/0"
    assert redacted("redis://user:secret@h/1") == "redis://user:***@h/1"
    assert redacted("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"
    # A password given as a parameter (redis-py reads ``password=``), and a unix socket's URL, whose authority is empty.
    assert redacted("redis://h:6379?Password=secret&prefix=p") == "redis://h:6379?Password=***&prefix=p"
    assert redacted("redis+unix://:secret@/run/r.sock?db=1&password=s2") == "redis+unix://***@/run/r.sock?db=1&password=***"
    assert redacted("unix:///run/r.sock?db=0") == "unix:///run/r.sock?db=0"


def test_composite_unique_values_are_released(store: Store) -> None:
    table = store.table("v", "members")
    table.insert(("s", 1), {"m": 1}, {"pair": ("s", "ada")})
    with pytest.raises(Conflict):
        table.insert(("s", 2), {"m": 2}, {"pair": ("s", "ada")})
    table.update(("s", 1), {"m": 1}, {"pair": ("s", "bob")})
    table.insert(("s", 2), {"m": 2}, {"pair": ("s", "ada")})  # the old value was released by the update
    assert table.delete(("s", 1)) == {"m": 1}
    table.insert(("s", 3), {"m": 3}, {"pair": ("s", "bob")})  # and by the delete
    assert table.find("pair", ("s", "bob")) == {"m": 3}


def test_refused_insert_in_a_transaction_leaves_nothing(store: Store) -> None:
    """Inside a request's transaction (SQLite inserts without a savepoint there): a refusal frees what it claimed."""
    users = store.table("v", "users")
    users.insert(1, {"id": 1}, {"email": "a@x", "phone": "1"})
    store.begin()
    with pytest.raises(Conflict) as caught:
        users.insert(2, {"id": 2}, {"email": "b@x", "phone": "1"})  # e-mail claimed first, then the phone refused
    assert caught.value.field == "phone" and caught.value.existing == {"id": 1}
    with pytest.raises(Conflict) as again:
        users.insert(1, {"id": 1}, {"email": "c@x"})  # the id refused after the e-mail was claimed
    assert again.value.field == "id"
    store.commit()
    assert users.find("email", "b@x") is None and users.find("email", "c@x") is None
    assert users.get(2) is None and len(users) == 1
    users.insert(2, {"id": 2}, {"email": "b@x", "phone": "2"})
    users.insert(3, {"id": 3}, {"email": "c@x"})
    assert [users.find("email", e) for e in ("b@x", "c@x")] == [{"id": 2}, {"id": 3}]
