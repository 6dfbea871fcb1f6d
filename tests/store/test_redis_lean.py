"""What a create costs redis-server, counted (INFO commandstats): the journal's rows as plain XADDs (no script),
counters from HINCRBY's own value, a row's place in the order from its table's generation
(core.redis_journal, core.redis_scripts, core.redis_table).  Real redis-server; nothing timed."""

from __future__ import annotations

import marshal
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from mockserver.core.journal import Journal
from mockserver.core.redis_journal import RedisJournal
from mockserver.core.redis_lane import packed
from mockserver.core.redis_store import RedisStore
from tests.redis_server import start_redis, stop_redis


@pytest.fixture
def store(redis_url: str) -> Iterator[RedisStore]:
    made = RedisStore(redis_url, prefix=f"lean{uuid.uuid4().hex[:12]}")
    yield made
    made.drop("ns")
    made.client.delete(f"{made.prefix}:journal", f"{made.prefix}:journal:seq")
    made.close()


def calls(client: redis.Redis, command: str) -> int:
    found = client.info("commandstats").get(f"cmdstat_{command}")
    return 0 if found is None else int(found["calls"])


def scripts_run(client: redis.Redis) -> int:
    return calls(client, "eval") + calls(client, "evalsha")


def record(journal: Journal, n: int, session: str = "") -> None:
    journal.record(float(n), "pulse", "create_user", "POST", "/pulse/users", {}, {"accept": "*/*"}, b"{}", 201,
                   b'{"id": %d}' % n, None, 1.5, session)


def turn_of_rows(store: RedisStore, journal: Journal, numbers: range) -> None:
    """Rows recorded in one turn (held by the request path's connection, sent together at its end)."""
    store.lane.turn = True
    for n in numbers:
        record(journal, n)
    store.lane.flush()
    store.settle()


# ------------------------------------------------------------------ the journal
def test_a_turns_journal_rows_are_xadds_without_a_script_each_row_its_seq_in_its_id(store: RedisStore) -> None:
    journal = Journal(100)
    journal.sink = sink = store.journal_sink(100)
    record(journal, 0)  # one row, outside a turn: one XADD
    before, xadds = scripts_run(store.client), calls(store.client, "xadd")
    turn_of_rows(store, journal, range(1, 6))
    assert scripts_run(store.client) == before  # no script: a row (1-3 KB) costs Redis a hash of it in one
    assert calls(store.client, "xadd") - xadds == 5
    found: Any = store.client.xrange(sink.key, "-", "+")
    ids = [entry for entry, _ in found]
    assert ids == [b"0-1", b"0-2", b"0-3", b"0-4", b"0-5", b"0-6"]  # the stream's own sequence: the seq
    assert [e["seq"] for e in journal.query()] == [1, 2, 3, 4, 5, 6]
    assert [e["response"]["id"] for e in journal.query()] == [0, 1, 2, 3, 4, 5]
    assert store.command("PING") == b"PONG"  # the connection's replies in step (one reply for the turn's rows)


def test_the_journal_needs_no_script_so_script_flush_loses_no_row(redis_url: str) -> None:
    process, url = start_redis()  # a server of its own: SCRIPT FLUSH would reach the other tests' stores
    try:
        store = RedisStore(url, prefix="flushed")
        journal = Journal(100)
        journal.sink = store.journal_sink(100)
        turn_of_rows(store, journal, range(1, 4))
        store.client.script_flush()
        turn_of_rows(store, journal, range(4, 7))
        record(journal, 7)
        assert [e["response"]["id"] for e in journal.query()] == [1, 2, 3, 4, 5, 6, 7]
        assert [e["seq"] for e in journal.query()] == [1, 2, 3, 4, 5, 6, 7]
        store.close()
    finally:
        stop_redis(process)


def test_where_client_reply_is_refused_a_turns_rows_go_in_one_script_the_same_way(store: RedisStore, redis_url: str) -> None:
    user = f"noreply{uuid.uuid4().hex[:8]}"
    store.client.acl_setuser(user, enabled=True, passwords=["+pw"], keys=["*"], channels=["*"],
                             commands=["+@all", "-client|reply"])
    try:
        limited = RedisStore(redis_url.replace("redis://", f"redis://{user}:pw@"), prefix=store.prefix)
        journal = Journal(100)
        journal.sink = limited.journal_sink(100)
        before = scripts_run(store.client)
        turn_of_rows(limited, journal, range(1, 4))
        record(journal, 4)
        assert scripts_run(store.client) - before == 1  # the turn's three rows in one script call
        assert [e["seq"] for e in journal.query()] == [1, 2, 3, 4]
        assert [e["response"]["id"] for e in journal.query()] == [1, 2, 3, 4]
        assert limited.command("PING") == b"PONG"
        limited.close()
    finally:
        store.client.acl_deluser(user)


def test_a_journal_an_earlier_version_wrote_is_kept_and_its_seq_goes_on(store: RedisStore) -> None:
    key, seq = f"{store.prefix}:journal", f"{store.prefix}:journal:seq"
    for n in (1, 2, 4):  # row 3 was cleared with its session
        row = (0, float(n), "pulse", "create_user", "POST", "/pulse/users", b"", 0, b"{}", 201, b'{"id": %d}' % n, None,
               1.5, 0, "")
        store.client.xadd(key, {"s": n, "n": "", "r": marshal.dumps(row)})  # as the earlier version wrote them
    store.client.set(seq, 5)  # row 5 was cleared too: the next one is 6
    journal = Journal(100)
    journal.sink = sink = store.journal_sink(100)
    assert [row[0] for row in sink.rows()] == [1, 2, 4]
    assert not store.client.exists(seq)
    record(journal, 6)
    assert [row[0] for row in sink.rows()] == [1, 2, 4, 6]
    RedisJournal(store, 100)  # another worker starting: nothing left to convert
    assert [row[0] for row in sink.rows()] == [1, 2, 4, 6]


def test_an_earlier_versions_rows_without_their_counter_are_converted_too(store: RedisStore) -> None:
    key = f"{store.prefix}:journal"
    for n in (7, 8):
        row = (0, float(n), "pulse", "create_user", "POST", "/pulse/users", b"", 0, b"{}", 201, b"{}", None, 1.5, 0, "")
        store.client.xadd(key, {"s": n, "n": "", "r": marshal.dumps(row)})
    journal = Journal(100)
    journal.sink = sink = store.journal_sink(100)
    record(journal, 9)  # would be refused under the old auto ids (and lost unseen): the stream was converted
    assert [row[0] for row in sink.rows()] == [7, 8, 9]


def test_a_clear_empties_the_stream_and_its_seq_goes_on(store: RedisStore) -> None:
    journal = Journal(100)
    journal.sink = sink = store.journal_sink(100)
    turn_of_rows(store, journal, range(1, 4))
    journal.clear()
    assert store.client.xlen(sink.key) == 0
    record(journal, 4)
    assert [e["seq"] for e in journal.query()] == [4]


# ------------------------------------------------------------------ counters
def test_counters_from_a_missing_key_and_past_2_to_the_53(store: RedisStore) -> None:
    hincrbys, hgets = calls(store.client, "hincrby"), calls(store.client, "hget")
    assert store.next_id("ns", "ids", 100) == 100  # the counters hash missing: made, from start - 1
    assert store.next_id("ns", "ids", 100) == 101
    assert store.incr("ns", "hits") == 1 and store.incr("ns", "hits", 5) == 6
    assert store.next_id_at_least("ns", "ids", 500) == 500
    assert calls(store.client, "hincrby") - hincrbys == 5
    assert calls(store.client, "hget") - hgets == 1  # next_id_at_least's look-up; every value is HINCRBY's own
    big = 2**53 - 1  # Lua's numbers are exact up to here; past it the value is read back as text
    assert [store.next_id("ns", "big", big) for _ in range(3)] == [big, big + 1, big + 2]
    huge = 7_200_000_000_000_000_001  # a 19-digit id
    assert [store.next_id("ns", "huge", huge) for _ in range(2)] == [huge, huge + 1]
    assert store.incr("ns", "huge", 10) == huge + 11
    assert store.next_id_at_least("ns", "huge", huge + 100) == huge + 100


def test_a_claims_id_and_draw_counter_come_from_hincrby(store: RedisStore) -> None:
    table = store.table("ns", "users")
    hgets = calls(store.client, "hget")
    assert store.next_id_and_count_if_free("ns", table, {"email": "a@x"}, "ids", 10, "draws") == (10, 1)
    assert store.next_id_and_count_if_free("ns", table, {"email": "b@x"}, "ids", 10, "draws") == (11, 2)
    assert store.incr_and_count_if_free("ns", table, {"email": "c@x"}, "ids", 2, "draws") == (13, 3)
    assert calls(store.client, "hget") - hgets == 3  # the look-ups of the unique value only
    table.insert("k", {"email": "a@x"}, {"email": "a@x"})
    found = store.next_id_if_free("ns", table, {"email": "a@x"}, "ids", 10)
    assert not isinstance(found, int) and found.field == "email"
    assert store.next_id("ns", "ids", 10) == 14  # a conflict takes no id


# ------------------------------------------------------------------ a table's writes
def test_a_rows_place_in_the_order_is_its_tables_generation(store: RedisStore) -> None:
    table = store.table("ns", "users")
    for key in ("a", "b", "c"):
        table.insert(key, {"k": key}, {"email": f"{key}@x"})
    table.update("a", {"k": "a2"}, {"email": "a@x"})  # keeps its place
    table.delete("b")
    table.insert("b", {"k": "b"}, {"email": "b@x"})  # at the end again, as the memory store's dict puts it
    assert [row["k"] for row in table.values()] == ["a2", "c", "b"]
    assert list(table) == ["a", "c", "b"]
    order = store.client.zrange(f"{store.prefix}:ns:z:users", 0, -1, withscores=True)
    generation = int(store.client.get(f"{store.prefix}:ns:g:users") or 0)
    assert order[-1][1] == generation == 6  # 3 inserts, an update, a delete, an insert


def test_an_order_an_earlier_version_wrote_stays_first(store: RedisStore) -> None:
    table = store.table("ns", "users")
    for key in ("a", "b"):
        table.insert(key, {"k": key})
    order = f"{store.prefix}:ns:z:users"
    store.client.zadd(order, {b'"a"': 1, b'"b"': 2})  # an earlier version's places: a per-table counter's,
    store.client.hset(f"{store.prefix}:ns:m", "users", 2)  # never above the generation (every insert moved both)
    table.insert("c", {"k": "c"})
    assert list(table) == ["a", "b", "c"]


def test_a_tables_first_write_lists_its_keys_and_a_clear_takes_them(store: RedisStore) -> None:
    table = store.table("ns", "users")
    table.insert("a", {"k": "a"}, {"email": "a@x"})
    listed = store.client.smembers(f"{store.prefix}:ns:keys")
    base = f"{store.prefix}:ns"
    assert {f"{base}:{name}".encode() for name in ("r:users", "z:users", "o:users", "g:users", "o:users:email")} <= listed
    assert store.client.sismember(store.spaces_key, "ns")
    store.clear("ns")
    assert store.client.keys(f"{base}:*") == []  # every key it listed, and the list
    table.insert("a", {"k": "a"}, {"email": "a@x"})  # listed again on the first write after the clear
    assert list(table) == ["a"] and store.client.get(f"{base}:g:users") == b"1"


def test_a_journal_row_is_packed_as_redis_py_would_pack_its_xadd(store: RedisStore) -> None:
    sink = store.journal_sink(100)
    row = marshal.dumps((0, 1.0, "pulse", "é" * 700))
    assert sink._command([(row, "sé")]) == packed(("XADD", sink.key, "MAXLEN", "~", 100, "0-*", "n", "sé", b"r", row))
    assert store.command("PING") == b"PONG"
