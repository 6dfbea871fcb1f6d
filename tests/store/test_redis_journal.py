"""The journal as a capped Redis stream: every worker's calls, in one order (core.redis_journal.RedisJournal)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from mockserver.core.journal import Journal
from mockserver.core.redis_store import RedisStore


@pytest.fixture
def shared(redis_url: str) -> Iterator[RedisStore]:
    store = RedisStore(redis_url, prefix=f"j{uuid.uuid4().hex[:12]}")
    yield store
    store.client.delete(f"{store.prefix}:journal", f"{store.prefix}:journal:seq")
    store.close()


def record(journal: Journal, n: int, session: str = "") -> None:
    journal.record(
        float(n), "pulse", "create_user", "POST", "/pulse/users", {}, {"authorization": "Bearer x", "accept": "*/*"},
        b'{"email": "a@x"}', 201, b'{"id": %d}' % n, None, 1.5, session,
    )


def test_two_journals_share_one_stream(shared: RedisStore, redis_url: str) -> None:
    """Two workers (two journals, two connections) recording: each reads all rows, seq in one order."""
    other = RedisStore(redis_url, prefix=shared.prefix)
    first, second = Journal(100), Journal(100)
    first.sink, second.sink = shared.journal_sink(100), other.journal_sink(100)
    record(first, 1)
    record(second, 2, session="s1")
    record(first, 3)
    for journal in (first, second):
        entries = journal.query()
        assert [e["response"] for e in entries] == [{"id": 1}, {"id": 2}, {"id": 3}]
        assert [e["seq"] for e in entries] == [1, 2, 3]
        assert entries[0]["headers"] == {"authorization": "***", "accept": "*/*"}  # redacted when read, as ever
        assert len(journal) == 3
    assert [e["session"] for e in first.query(session="s1")] == ["s1"]
    first.clear("s1")  # one session's rows, for every worker
    assert [e["response"]["id"] for e in second.query()] == [1, 3]
    assert second.select({}, after=1)[2][0][0] == 3  # the `after` cursor walks the global seq
    second.clear()
    assert len(first) == 0
    record(second, 4)
    assert [e["seq"] for e in first.query()] == [4]  # seq never restarts: a reader's cursor stays valid
    other.close()


def test_stream_is_capped(shared: RedisStore) -> None:
    journal = Journal(50)
    journal.sink = sink = shared.journal_sink(50)
    for n in range(600):
        record(journal, n)
    length = shared.client.xlen(sink.key)
    assert 50 <= length <= 150  # MAXLEN ~ trims whole 100-entry nodes
    rows = sink.rows()
    assert len(rows) == 50 and [row[0] for row in rows] == list(range(551, 601))
    assert [e["response"]["id"] for e in journal.query()] == list(range(550, 600))
