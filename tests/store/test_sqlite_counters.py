"""The SQLite store's id sequences and counters inside a transaction: kept in the process and written in one
statement just before COMMIT (core/sqlite_store.py: ``SQLiteStore._counts``), committed with the rows that use
them, never stale, never given twice."""

from __future__ import annotations

import sqlite3

import pytest

from mockserver.core.sqlite_store import SQLiteStore
from tests.store.sqlite_fixtures import sqlite_fixtures

url, store = sqlite_fixtures("c.db")


def committed(store: SQLiteStore, name: str) -> int | None:
    other = sqlite3.connect(store.path)
    try:
        row = other.execute("SELECT value FROM counters WHERE ns='v' AND name=?", (name,)).fetchone()
        return None if row is None else int(row[0])
    finally:
        other.close()


def counter_statements(store: SQLiteStore) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(lambda sql: seen.append(sql) if "counters" in sql else None)
    return seen


def test_a_transactions_ids_are_written_once_at_its_commit(store: SQLiteStore) -> None:
    store.begin()
    store.next_id("v", "users", 100)  # read once from the table (absent)
    seen = counter_statements(store)
    ids = [store.next_id("v", "users", 100) for _ in range(3)]
    store.bump_id("v", "users", 200)
    assert store.incr("v", "draw:create", 1) == 1 and store.incr("v", "draw:create", 2) == 3
    assert store.counter("v", "draw:create") == 3 and store.counter("v", "never") == 0
    assert ids == [101, 102, 103] and store.next_id("v", "users", 100) == 201
    assert committed(store, "users") is None  # nothing written yet
    store.commit()
    assert committed(store, "users") == 201 and committed(store, "draw:create") == 3
    assert len([sql for sql in seen if sql.startswith("INSERT INTO counters")]) == 2  # one per counter, at the commit
    store.begin()
    assert store.next_id("v", "users", 100) == 202  # the next transaction goes on from the kept value
    store.commit()
    assert committed(store, "users") == 202


def test_a_rolled_back_transaction_gives_its_ids_again(store: SQLiteStore) -> None:
    store.begin()
    assert store.next_id("v", "users", 1) == 1
    store.commit()
    store.begin()
    assert store.next_id("v", "users", 1) == 2
    store.rollback()  # nothing of it was kept, nor answered
    store.begin()
    assert store.next_id("v", "users", 1) == 2
    store.commit()
    assert committed(store, "users") == 2


def test_a_write_outside_a_transaction_is_not_overwritten(store: SQLiteStore) -> None:
    store.begin()
    assert store.next_id("v", "users", 1) == 1
    store.commit()
    assert store.next_id("v", "users", 1) == 2  # autocommit: its own statement, committed at once
    store.set_counter("v", "seen", 5)
    store.begin()
    assert store.next_id("v", "users", 1) == 3  # not 2 again: what was kept of it was dropped
    assert store.incr("v", "seen") == 6
    store.commit()
    assert committed(store, "users") == 3 and committed(store, "seen") == 6


def test_another_workers_ids_are_seen(store: SQLiteStore, url: str) -> None:
    store.begin()
    assert store.next_id("v", "users", 1) == 1
    store.commit()
    other = SQLiteStore(url)  # another worker on the file
    try:
        other.begin()
        assert other.next_id("v", "users", 1) == 2
        other.commit()
    finally:
        other.close()
    store.begin()
    assert store.next_id("v", "users", 1) == 3  # its commit moved data_version: the kept value is dropped
    store.commit()


def test_clearing_one_namespace_keeps_the_others_counts(store: SQLiteStore) -> None:
    store.begin()
    store.next_id("v", "users", 1)
    store.next_id("w", "users", 7)
    store.clear("w")
    assert "v" in store.namespaces() and "w" not in store.namespaces()
    assert store.next_id("v", "users", 1) == 2 and store.next_id("w", "users", 7) == 7
    store.commit()
    assert committed(store, "users") == 2


def test_the_counters_kept_are_bounded_and_none_is_lost(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mockserver.core.sqlite_store._COUNTS_KEPT", 8)
    store.begin()
    for n in range(20):  # more counters than are kept: the oldest are written, not dropped
        assert store.next_id("v", f"c{n}", 10) == 10
        assert len(store._counts) <= 8
    assert [store.next_id("v", f"c{n}", 10) for n in range(20)] == [11] * 20
    store.commit()
    assert [committed(store, f"c{n}") for n in range(20)] == [11] * 20
