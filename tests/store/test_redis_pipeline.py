"""The Redis store's writes pipelined across the requests of one turn (core.redis_lane, core.commits.Pipelined).

The fast transport is driven by hand (tests/core/wiring.py), as in test_group_commit.py: several
connections' requests handed to the protocol in one turn, then the loop let run.  Two servers on one
Redis prefix are two workers.  What is checked is counted (round trips, redis-server's own command
counts), never timed.
"""

from __future__ import annotations

import pytest

from tests.core.wiring import FAST_OFF

if FAST_OFF is not None:
    pytest.skip(FAST_OFF, allow_module_level=True)

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import redis

from mockserver import wire
from mockserver.app import MockServer, Runtime
from mockserver.config import Config
from mockserver.core.errors import Conflict
from mockserver.core.redis_store import RedisStore
from mockserver.core.store import Table
from tests.core.wiring import FakeTransport, in_loop, protocol, settle

USERS = "/pulse/v1/users"


def _server(url: str) -> MockServer:
    return MockServer(Runtime(Config(vendors=("pulse",), seed=3, clock="frozen:2026-03-01T12:00:00Z", store=url)))


@pytest.fixture
def url(redis_url: str) -> str:
    return f"{redis_url}?prefix=p{uuid.uuid4().hex[:12]}"  # a prefix of the test's own: its servers share it


@pytest.fixture
def server(url: str) -> Iterator[MockServer]:
    made = _server(url)
    yield made
    closed(made)


def closed(server: MockServer) -> None:
    """A test server's namespaces dropped from the shared Redis, and its store closed."""
    store = server.runtime.store
    for space in store.namespaces():
        store.drop(space)
    store.close()


def store_of(server: MockServer) -> RedisStore:
    store = server.runtime.store
    assert isinstance(store, RedisStore)
    return store


def create(server: MockServer, email: str) -> bytes:
    info = server.runtime.describe("http://x")["pulse"]
    method, _, target = info["create_user"].partition(" ")
    path = target[len("http://x"):]
    body = orjson.dumps({"email": email, "name": "Pipe Line"})
    head = "".join(f"{k}: {v}\r\n" for k, v in info["headers"].items() if k.lower() != "content-type")
    return f"{method} {path} HTTP/1.1\r\nhost: x\r\n{head}content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body


def connections(server: MockServer, count: int) -> list[tuple[Any, FakeTransport]]:
    return [protocol(wire.http_protocol(), app=server, proxy_headers=False) for _ in range(count)]


def answer_of(transport: FakeTransport) -> tuple[bytes, Any]:
    written = b"".join(transport.writes)
    head, _, body = written.partition(b"\r\n\r\n")
    return head[: head.index(b"\r\n")], orjson.loads(body)


def calls(client: redis.Redis, command: str) -> int:
    """How many times redis-server ran ``command`` (INFO commandstats), ever."""
    found = client.info("commandstats").get(f"cmdstat_{command}")
    return 0 if found is None else int(found["calls"])


def users_in(server: MockServer) -> int:
    return len(server.runtime.vendors["pulse"].ctx.table("users"))


@in_loop
async def test_one_turns_creates_wait_for_one_round_trip_together_and_one_flush(server: MockServer) -> None:
    store = store_of(server)
    for n in range(2):  # the scripts loaded, the caller's rows read (and kept from the next turn's check on)
        (proto, _), = connections(server, 1)
        proto.data_received(create(server, f"warm{n}@pipe.io"))
        await settle()
    conns = connections(server, 8)
    sent = [create(server, f"u{n}@pipe.io") for n in range(8)]  # (describe() reads the store: not counted)
    trips, xadds, quiet, users = store.round_trips, calls(store.client, "xadd"), calls(store.client, "client|reply"), users_in(server)
    for (proto, _), request in zip(conns, sent, strict=True):
        proto.data_received(request)  # eight connections' creates, answered in one turn
    assert all(transport.writes == [] for _, transport in conns)  # nothing written before the turn's writes are confirmed
    # Each request's writes were deferred while it ran only: whatever runs before the turn's end (a delayed
    # request's continuation, say) writes at once, never as the last request of the turn.
    assert store.lane.request == 0 and store.lane.turn
    await settle()
    assert [answer_of(transport)[0] for _, transport in conns] == [b"HTTP/1.1 201 Created"] * 8
    # The version check, the eight creates' look-ups with their ids in one round trip (each create suspended
    # while it waits: core.redis_lane), the turn's end (the eight writes and journal rows).
    assert store.round_trips - trips == 1 + 1 + 1
    # The eight journal rows in one command (core.redis_journal): eight XADDs between CLIENT REPLY OFF and ON.
    assert calls(store.client, "xadd") - xadds == 8 and calls(store.client, "client|reply") - quiet == 2
    assert users_in(server) == users + 8
    rows = server.runtime.journal.query()
    assert sum(1 for row in rows if row["status"] == 201) == 10


@in_loop
async def test_colliding_creates_in_one_turn_have_one_winner(server: MockServer) -> None:
    conns = connections(server, 4)
    users = users_in(server)
    for proto, _ in conns:
        proto.data_received(create(server, "same@pipe.io"))
    await settle()
    answers = [answer_of(transport) for _, transport in conns]
    # The first creates; the others, answered after it in the same turn, see its row (its write went ahead
    # of their look-up on the one connection): what one request after the other answers, on any store.
    assert answers[0][0] == b"HTTP/1.1 201 Created" and answers[0][1]["email"] == "same@pipe.io"
    taken = {"error": "Conflict", "status": 409, "message": "A user with this email already exists in this account"}
    assert answers[1:] == [(b"HTTP/1.1 409 Conflict", taken)] * 3
    assert users_in(server) == users + 1


@in_loop
async def test_a_write_another_worker_beat_fails_its_own_request_only(server: MockServer, url: str) -> None:
    other = _server(url)  # a second worker on the same Redis prefix
    try:
        mine, theirs = connections(server, 2), connections(other, 1)
        for name, conns in (("w1", mine), ("w2", theirs)):
            conns[0][0].data_received(create(server if conns is mine else other, f"{name}@pipe.io"))
            await settle()
        mine, theirs = connections(server, 2), connections(other, 1)
        users = users_in(server)
        # One turn: this worker answers a fresh create and the race's create (their writes queued), the other
        # worker its own create of the raced e-mail, which reaches Redis first (its store's turn ends first).
        sent = [create(other, "race@pipe.io"), create(server, "fresh@pipe.io"), create(server, "race@pipe.io")]
        theirs[0][0].data_received(sent[0])
        mine[0][0].data_received(sent[1])
        mine[1][0].data_received(sent[2])
        await settle()
        assert answer_of(theirs[0][1])[0] == b"HTTP/1.1 201 Created"
        assert answer_of(mine[0][1])[0] == b"HTTP/1.1 201 Created"  # its turn-mate is not failed with it
        status, body = answer_of(mine[1][1])
        # What the insert raising Conflict answers (Pulse's "conflict" problem), not the 201 it had computed.
        assert (status, body) == (b"HTTP/1.1 409 Conflict", {"error": "Conflict", "status": 409,
                                                             "message": "A user with this email already exists in this account"})
        assert users_in(server) == users + 2
        journal = server.runtime.journal.query()
        raced = [row for row in journal if row["body"] == {"email": "race@pipe.io", "name": "Pipe Line"}]
        assert sorted(row["status"] for row in raced) == [201, 409]  # the loser's row is its 409, not the 201 it computed
        # The copies of the table: the refused write left nothing behind; the next request reads the winner.
        (proto, transport), = connections(server, 1)
        proto.data_received(create(server, "race@pipe.io"))
        await settle()
        assert answer_of(transport)[0] != b"HTTP/1.1 201 Created" and users_in(server) == users + 2
    finally:
        other.runtime.store.close()


@pytest.fixture
def turn(redis_store: RedisStore, redis_url: str) -> Iterator[tuple[RedisStore, Table, Table]]:
    """A store in a turn whose request 1 has deferred an insert of a@x, this store's users table, and another
    worker's (a second store on the prefix), which has not written yet."""
    other = RedisStore(redis_url, prefix=redis_store.prefix)
    users = redis_store.table("v", "users")
    users.insert(0, {"id": 0}, {"email": "z@x"})  # the write script loaded: later writes of a turn may be deferred
    redis_store.begin()
    redis_store.defer_writes(1)
    users.insert(1, {"id": 1}, {"email": "a@x"})  # deferred: nothing sent yet
    yield redis_store, users, other.table("v", "users")
    other.close()


def test_a_requests_own_refused_write_is_raised_at_its_next_command(turn: tuple[RedisStore, Table, Table]) -> None:
    store, users, theirs = turn
    theirs.insert(2, {"id": 2}, {"email": "a@x"})  # another worker takes the e-mail first
    with pytest.raises(Conflict) as raised:
        users.get(2)  # the request's next command: its own write confirmed first, refused, raised here
    assert raised.value.field == "email" and raised.value.existing == {"id": 2}
    store.commit()
    assert store.refused() == {}  # raised in its request: not failed again at the commit
    assert users.get(1) is None and users.find("email", "a@x") == {"id": 2}


def test_a_refusal_found_at_the_commit_is_reported_by_request(turn: tuple[RedisStore, Table, Table]) -> None:
    store, users, theirs = turn
    store.defer_writes(2)
    users.insert(2, {"id": 2}, {"email": "b@x"})
    theirs.insert(9, {"id": 9}, {"email": "b@x"})
    store.commit()
    refused = store.refused()
    assert list(refused) == [2] and isinstance(refused[2], Conflict)
    assert users.get(1) == {"id": 1} and users.find("email", "b@x") == {"id": 9}


def test_a_rolled_back_turns_refusal_is_not_taken_for_the_next_turns(turn: tuple[RedisStore, Table, Table]) -> None:
    store, users, theirs = turn
    theirs.insert(9, {"id": 9}, {"email": "a@x"})
    store.rollback()  # the turn failed (every request in it answered as failed): its write confirmed, refusal dropped
    store.begin()
    store.defer_writes(1)  # the next turn's request 1
    users.insert(2, {"id": 2}, {"email": "b@x"})
    store.commit()
    assert store.refused() == {} and users.get(2) == {"id": 2} and users.get(1) is None
