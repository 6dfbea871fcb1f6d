"""The SQLite store keeps rows read by key inside a transaction (a create reads its caller's credentials
every time): read again without a statement, never stale (core/sqlite_store.py: ``SQLiteStore._read``)."""

from __future__ import annotations

from mockserver.core.sqlite_store import _READ_CACHE, SQLiteStore
from tests.store.sqlite_fixtures import sqlite_fixtures

url, store = sqlite_fixtures("r.db")


def selects(store: SQLiteStore) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(lambda sql: seen.append(sql) if sql.startswith("SELECT data FROM rows") else None)
    return seen


def test_a_row_read_twice_in_a_transaction_is_read_once(store: SQLiteStore) -> None:
    table = store.table("v", "tokens")
    table.insert("t1", {"user": 1})
    seen = selects(store)
    store.begin()
    first, second = table.get("t1"), table.get("t1")
    store.commit()
    assert first == second == {"user": 1} and first is not second  # a fresh copy each time
    assert len(seen) == 1
    store.begin()
    assert table.get("t1") == {"user": 1} and len(seen) == 1  # the next transaction too: nobody else wrote
    store.commit()


def test_outside_a_transaction_every_read_is_a_statement(store: SQLiteStore) -> None:
    table = store.table("v", "tokens")
    table.insert("t1", {"user": 1})
    seen = selects(store)
    assert table.get("t1") == table.get("t1") == {"user": 1}
    assert len(seen) == 2 and store._read == {}


def test_what_this_process_writes_is_read_afresh(store: SQLiteStore) -> None:
    table = store.table("v", "tokens")
    table.insert("t1", {"user": 1})
    store.begin()
    assert table.get("t1") == {"user": 1}
    table.update("t1", {"user": 2})
    assert table.get("t1") == {"user": 2}
    assert table.delete("t1") == {"user": 2}
    assert table.get("t1") is None
    table.insert("t1", {"user": 3})
    assert table.get("t1") == {"user": 3}
    store.clear("v")
    assert table.get("t1") is None
    store.commit()


def test_a_rolled_back_transaction_leaves_nothing_read(store: SQLiteStore) -> None:
    table = store.table("v", "tokens")
    store.begin()
    table.insert("t1", {"user": 1})
    assert table.get("t1") == {"user": 1}  # read back inside the transaction that wrote it...
    store.rollback()
    store.begin()
    assert table.get("t1") is None  # ...and gone with it
    store.commit()


def test_another_workers_commit_is_seen(store: SQLiteStore, url: str) -> None:
    table = store.table("v", "tokens")
    table.insert("t1", {"user": 1})
    store.begin()
    assert table.get("t1") == {"user": 1}
    store.commit()
    other = SQLiteStore(url)  # another process's connection to the file (a worker)
    try:
        other.begin()
        other.table("v", "tokens").update("t1", {"user": 2})
        other.commit()
    finally:
        other.close()
    store.begin()
    assert table.get("t1") == {"user": 2}  # its commit moved data_version: what was read is dropped
    store.commit()


def test_the_cache_is_bounded(store: SQLiteStore) -> None:
    table = store.table("v", "tokens")
    store.begin()
    for n in range(_READ_CACHE + 10):
        table.insert(n, {"n": n})
        assert table.get(n) == {"n": n}
    assert len(store._read) <= _READ_CACHE
    store.commit()
