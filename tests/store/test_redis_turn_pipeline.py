"""The requests of one turn suspended while they wait for Redis (core.redis_lane: ``Lane.start``/``finish``).

Each request the fast transport answers in a turn runs in a greenlet of its own; a command whose reply it needs
is queued and the request suspended; the turn's end sends what every request waits for in one write, reads the
replies and resumes each (core.commits.Pipelined, core.redis_store.RedisStore.commit).  The transport is driven
by hand (tests/core/wiring.py), as in test_redis_pipeline.py: several connections' requests handed over in one
turn, then the loop let run.  What is checked is counted (the lane's round trips), never timed.
"""

from __future__ import annotations

import pytest

from tests.core.wiring import FAST_OFF

if FAST_OFF is not None:
    pytest.skip(FAST_OFF, allow_module_level=True)

import logging
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from mockserver import wire
from mockserver.app import MockServer, Runtime
from mockserver.config import Config
from mockserver.core import redis_lane
from mockserver.core.redis_store import RedisStore
from mockserver.vendors.etelecom.rules import next_tagged
from tests.core.wiring import FakeTransport, in_loop, protocol, settle
from tests.redis_server import start_redis, stop_redis
from tests.store.test_redis_pipeline import closed, store_of

CLOCK = "frozen:2026-03-01T12:00:00Z"

BODIES: dict[str, Callable[[str], dict[str, Any]]] = {
    "pulse": lambda tag: {"email": f"{tag}@turn.io", "name": "Turn Pipe"},
    "payabli": lambda tag: {"email": f"{tag}@turn.com", "phone": "5555555555", "name": "Sean Smith", "pwd": "x",
                            "scope": [{"orgType": 0, "orgId": 123}], "access": [{"roleLabel": "customers", "roleValue": True}],
                            "usrStatus": 1, "timeZone": -5, "language": "en", "mfaData": {"mfa": True, "mfaMode": 0}},
    "vaultspay": lambda tag: {"firstName": "khalid", "lastName": "raza", "email": f"u{tag}@turn.pk", "countryCode": "92",
                              "phone": f"3{int(tag):09d}", "status": "ACTIVE"},
    "sabi": lambda tag: {"username": f"u{tag}@turn.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi",
                         "role": "CUSTOMER", "gender": "FEMALE", "phone": f"0803{int(tag):07d}"},
    "etelecom": lambda tag: {"full_name": "Nguyễn Văn An", "password": "secret123", "phone": f"092{int(tag):07d}",
                             "roles": ["telecom_customerservice"]},
}


def _server(url: str, vendor: str, store: str | None = None) -> MockServer:
    return MockServer(Runtime(Config(vendors=(vendor,), seed=3, clock=CLOCK, store=store or f"{url}?prefix=t{uuid.uuid4().hex[:12]}")))


@pytest.fixture
def servers(redis_url: str) -> Iterator[Callable[[str], MockServer]]:
    made: list[MockServer] = []

    def make(vendor: str) -> MockServer:
        made.append(_server(redis_url, vendor))
        return made[-1]

    yield make
    for server in made:
        closed(server)


def create(server: MockServer, vendor: str, tag: str, session: str = "") -> bytes:
    info = server.runtime.describe("http://x")[vendor]
    method, _, target = info["create_user"].partition(" ")
    path = target[len("http://x"):]
    body = orjson.dumps(BODIES[vendor](tag))
    head = "".join(f"{k}: {v}\r\n" for k, v in info["headers"].items() if k.lower() != "content-type")
    if session:
        head += f"x-mock-session: {session}\r\n"
    return (f"{method} {path} HTTP/1.1\r\nhost: x\r\n{head}content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
            .encode() + body)


def connections(server: MockServer, count: int) -> list[tuple[Any, FakeTransport]]:
    return [protocol(wire.http_protocol(), app=server, proxy_headers=False) for _ in range(count)]


def status_of(transport: FakeTransport) -> bytes:
    written = b"".join(transport.writes)
    return written[: written.index(b"\r\n")]


def body_of(transport: FakeTransport) -> Any:
    return orjson.loads(b"".join(transport.writes).partition(b"\r\n\r\n")[2])


async def warm(server: MockServer, vendor: str) -> None:
    """Two creates alone: the scripts loaded, the caller's rows read and kept (from the second's check on), as any
    later turn finds them."""
    for tag in ("9998", "9999"):
        (proto, _), = connections(server, 1)
        proto.data_received(create(server, vendor, tag))
        await settle()


async def one_turn(server: MockServer, requests: list[bytes]) -> list[FakeTransport]:
    conns = connections(server, len(requests))
    for (proto, _), request in zip(conns, requests, strict=True):
        proto.data_received(request)
    assert all(transport.writes == [] for _, transport in conns)  # every answer waits for the turn's end
    await settle()
    return [transport for _, transport in conns]


async def one_by_one(server: MockServer, requests: list[bytes]) -> list[FakeTransport]:
    written = []
    for request in requests:
        (proto, transport), = connections(server, 1)
        proto.data_received(request)
        await settle()
        written.append(transport)
    return written


@pytest.mark.parametrize("vendor", ["payabli", "etelecom"])
@in_loop
async def test_a_turns_creates_wait_for_one_round_trip_for_all_their_claims(servers: Callable[[str], MockServer], vendor: str) -> None:
    """eTelecom's claims make and check its user ids too (the draw made in the script: next_id_draw_and_id_if_free),
    so no id waits for a round of its own."""
    server = servers(vendor)
    store = store_of(server)
    await warm(server, vendor)
    requests = [create(server, vendor, f"{n}") for n in range(8)]
    trips = store.round_trips
    answered = await one_turn(server, requests)
    assert [status_of(t) for t in answered] == [b"HTTP/1.1 200 OK"] * 8
    # The version check, the eight claims (look-up, id) in one round trip, the turn's end (writes, journal rows).
    assert store.round_trips - trips == 3
    assert store.lane._suspended == [] and store.lane._behind == [] and store.lane._claims == {}


@pytest.mark.parametrize("vendor", ["vaultspay", "payabli", "sabi", "pulse", "etelecom"])
@in_loop
async def test_a_turns_answers_are_the_bytes_one_request_at_a_time_gives(servers: Callable[[str], MockServer], vendor: str) -> None:
    together, alone = servers(vendor), servers(vendor)
    for server in (together, alone):
        await warm(server, vendor)
    tags = [f"{n}" for n in range(6)]
    in_turn = await one_turn(together, [create(together, vendor, tag) for tag in tags])
    sequential = await one_by_one(alone, [create(alone, vendor, tag) for tag in tags])
    assert [b"".join(t.writes) for t in in_turn] == [b"".join(t.writes) for t in sequential]
    # The next create after them: the same id on both (none was skipped in the turn).
    after = [(await one_by_one(server, [create(server, vendor, "77")]))[0] for server in (together, alone)]
    assert b"".join(after[0].writes) == b"".join(after[1].writes)
    # eTelecom waits for several replies in turn (look-up, id, its id's check, its own insert, the membership's id):
    # several rounds, each one round trip for every request of the turn.
    assert store_of(together).round_trips < store_of(alone).round_trips


@pytest.mark.parametrize("vendor", ["vaultspay", "payabli", "sabi", "pulse", "etelecom"])
@in_loop
async def test_a_unique_value_claimed_twice_in_one_turn_has_one_winner_and_skips_no_id(
    servers: Callable[[str], MockServer], vendor: str,
) -> None:
    together, alone = servers(vendor), servers(vendor)
    for server in (together, alone):
        await warm(server, vendor)
    tags = ["1", "1", "2", "1", "3", "2"]  # the second of each waits for the first's claim, then sees its row
    in_turn = await one_turn(together, [create(together, vendor, tag) for tag in tags])
    sequential = await one_by_one(alone, [create(alone, vendor, tag) for tag in tags])
    got = [b"".join(t.writes) for t in in_turn]
    assert got == [b"".join(t.writes) for t in sequential]
    ok = [n for n, t in enumerate(in_turn) if status_of(t) in (b"HTTP/1.1 200 OK", b"HTTP/1.1 201 Created")]
    assert ok == [0, 2, 4] or vendor == "etelecom"  # eTelecom adds a known phone's user to the shop again: user_exists
    after = [(await one_by_one(server, [create(server, vendor, "88")]))[0] for server in (together, alone)]
    assert b"".join(after[0].writes) == b"".join(after[1].writes)  # the same next id: none skipped


@in_loop
async def test_a_duplicate_email_in_one_turn_is_the_vendors_conflict_and_ids_stay_dense(servers: Callable[[str], MockServer]) -> None:
    server = servers("pulse")
    await warm(server, "pulse")
    answered = await one_turn(server, [create(server, "pulse", tag) for tag in ("a", "a", "b")])
    assert [status_of(t) for t in answered] == [b"HTTP/1.1 201 Created", b"HTTP/1.1 409 Conflict", b"HTTP/1.1 201 Created"]
    assert body_of(answered[1]) == {"error": "Conflict", "status": 409, "message": "A user with this email already exists in this account"}
    first, third = body_of(answered[0])["id"], body_of(answered[2])["id"]
    assert third == first + 1  # the loser took no id


@in_loop
async def test_two_requests_that_chose_one_id_check_it_one_after_the_other(servers: Callable[[str], MockServer]) -> None:
    """eTelecom's id: the next past the last one given, moved to the next that carries the user tag, then checked
    free (``bump_id_if_absent``).  Past the end of a tag's range, the two requests of a turn are given ids that
    both move to the next range's first, and both check it in one round: the first marks it chosen (the script),
    the second finds it taken and takes the next one, as one after the other would (unmarked, both found it free:
    one insert was refused, a 409; two workers race the same way, with a shorter window, without the mark)."""
    server = servers("etelecom")
    await warm(server, "etelecom")
    await warm(server, "etelecom")
    ctx = server.runtime.vendors["etelecom"].ctx
    last = max(key for key in ctx.table("users") if isinstance(key, int))
    end = last | 0xFFFFFF  # the last id of its tag's range (every candidate of the frozen clock is below it)
    ctx.bump_id("user_ids", end)
    first = next_tagged(end)
    assert next_tagged(end + 1) == first  # the id each of the two requests is given moves to the same one
    answered = await one_turn(server, [create(server, "etelecom", tag) for tag in ("11", "12")])
    assert [status_of(t) for t in answered] == [b"HTTP/1.1 200 OK"] * 2
    assert [body_of(t)["id"] for t in answered] == [str(first), str(next_tagged(first))]


@in_loop
async def test_each_suspended_request_keeps_its_own_session(servers: Callable[[str], MockServer]) -> None:
    server = servers("pulse")
    await warm(server, "pulse")
    for session in ("s1", "s2"):  # each session seeded (its first request) before the turn
        await one_by_one(server, [create(server, "pulse", f"seed-{session}", session)])
    requests = [create(server, "pulse", f"x{n}", session) for n, session in enumerate(["s1", "s2", "s1", "s2"])]
    answered = await one_turn(server, requests)
    assert [status_of(t) for t in answered] == [b"HTTP/1.1 201 Created"] * 4
    ids = [body_of(t)["id"] for t in answered]
    assert ids[0] == ids[1] and ids[2] == ids[3] == ids[0] + 1  # each session's own ids: its own namespace
    journal = server.runtime.journal.query()
    for session in ("s1", "s2"):
        mine = [row for row in journal if row["session"] == session and row["body"]["email"].startswith("x")]
        assert len(mine) == 2


@in_loop
async def test_at_most_max_suspended_requests_wait_at_once(servers: Callable[[str], MockServer], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_lane, "MAX_SUSPENDED", 2)
    server = servers("pulse")
    store = store_of(server)
    await warm(server, "pulse")
    requests = [create(server, "pulse", f"m{n}") for n in range(5)]  # (describe() reads the store: before counting)
    trips = store.round_trips
    answered = await one_turn(server, requests)
    assert [status_of(t) for t in answered] == [b"HTTP/1.1 201 Created"] * 5
    ids = [body_of(t)["id"] for t in answered]
    assert ids == list(range(ids[0], ids[0] + 5))
    # The version check; the third and fifth requests find two suspended: those finished first (their claims'
    # round trip, then their writes go ahead of the next claim); the last two's claims; the turn's end.
    assert store.round_trips - trips == 1 + 1 + 1 + 1 + 1


@in_loop
async def test_redis_stopped_mid_turn_answers_each_suspended_request_as_the_vendors_500(caplog: pytest.LogCaptureFixture) -> None:
    process, url = start_redis()
    try:
        server = _server(url, "payabli", f"{url}?prefix=k")
        await warm(server, "payabli")
        conns = connections(server, 4)
        requests = [create(server, "payabli", f"k{n}") for n in range(4)]  # describe() reads the store: before the turn
        for (proto, _), request in zip(conns, requests, strict=True):
            proto.data_received(request)
        assert len(store_of(server).lane._suspended) == 4  # each waits for its claim's reply
        stop_redis(process)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="mockserver"):
            await settle()
        for _, transport in conns:
            assert status_of(transport) == b"HTTP/1.1 500 Internal Server Error"
            assert body_of(transport) == {"isSuccess": False, "responseText": "Error", "responseData": {
                "explanation": "Internal API Error", "todoAction": "Try again later. If the problem persists, contact Payabli support."}}
        lost = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(lost) == 1 and lost[0].exc_info is None  # one line, no traceback
        assert not any(r.exc_info for r in caplog.records)
        assert store_of(server).lane._suspended == [] and not store_of(server).lane.turn
    finally:
        stop_redis(process)


def _no_greenlet(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    made: list[Any] = []
    original = redis_lane.Waiting.__init__

    def counted(self: Any, *args: Any) -> None:
        made.append(self)
        original(self, *args)

    monkeypatch.setattr(redis_lane.Waiting, "__init__", counted)
    return made


@pytest.mark.parametrize("store", ["memory", "sqlite"])
@in_loop
async def test_the_memory_and_sqlite_stores_never_suspend_a_request(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _no_greenlet(monkeypatch)
    server = MockServer(Runtime(Config(vendors=("pulse",), seed=3, clock=CLOCK,
                                       store=None if store == "memory" else f"sqlite:///{tmp_path / 's.db'}")))
    answered = await one_turn(server, [create(server, "pulse", f"n{n}") for n in range(4)])
    assert [status_of(t) for t in answered] == [b"HTTP/1.1 201 Created"] * 4
    assert made == []


@in_loop
async def test_a_request_with_a_scenario_is_not_suspended(servers: Callable[[str], MockServer], monkeypatch: pytest.MonkeyPatch) -> None:
    server = servers("pulse")
    await warm(server, "pulse")
    made = _no_greenlet(monkeypatch)
    plain = create(server, "pulse", "plain")
    forced = create(server, "pulse", "forced").replace(b"host: x\r\n", b"host: x\r\nx-mock-error: CONFLICT\r\n")
    answered = await one_turn(server, [plain, forced])
    assert len(made) == 1  # the plain one only: a scenario may delay or fault, which ASGI writes
    assert status_of(answered[0]) == b"HTTP/1.1 201 Created"
    assert status_of(answered[1]) == b"HTTP/1.1 409 Conflict"


def test_two_requests_each_holding_what_the_other_claims_next_do_not_wait_forever(redis_store: RedisStore) -> None:
    """A claims x then y, B claims y then x, each suspended in between: once both wait behind the other, the
    earlier (A) goes first, then B (what it waits for released): no request of the turn is left waiting."""
    lane = redis_store.lane
    order: list[str] = []

    def request(name: str, first: bytes, then: bytes) -> str:
        lane.claiming("o", ["f", first])
        assert lane.command("PING") == b"PONG"  # suspended: both hold their first claim
        lane.claiming("o", ["f", then])
        order.append(name)
        return name

    redis_store.begin()
    redis_store.defer_writes(1)
    a = lane.start(request, "a", b"x", b"y")
    redis_store.defer_writes(2)
    b = lane.start(request, "b", b"y", b"x")
    redis_store.defer_writes(0)
    assert not a.dead and not b.dead
    redis_store.commit()  # resumes them until none waits
    assert (a.finished(), b.finished()) == ("a", "b")
    assert order == ["a", "b"]
    assert lane._suspended == [] and lane._behind == [] and lane._claims == {}


# ------------------------------------------------------------ a busy turn's commands sent ahead (``SEND_AHEAD``)
# The commands a turn's requests queue (claims, then deferred writes) go out once ``SEND_AHEAD`` of them wait, so
# redis-server works on them while the worker runs the turn's other requests; their replies are read where they were
# before.  What a client sees must not change: the same bytes as one request at a time, one winner per unique value,
# dense ids, the vendor's 500 when Redis goes away.

def sends_of(server: MockServer) -> list[bytes]:
    """What the lane's connection is given to send from now on (one item per ``sendall``)."""
    lane = store_of(server).lane
    conn = lane._lane()
    sent: list[bytes] = []
    original = conn.send_packed_command

    def spy(command: Any, check_health: bool = True) -> None:
        sent.append(b"".join(command) if isinstance(command, (list, tuple)) else command)
        original(command, check_health)

    conn.send_packed_command = spy
    return sent


@in_loop
async def test_a_busy_turns_claims_reach_redis_before_its_end(servers: Callable[[str], MockServer],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_lane, "SEND_AHEAD", 4)
    server = servers("payabli")
    store = store_of(server)
    await warm(server, "payabli")
    conns = connections(server, 8)
    requests = [create(server, "payabli", f"a{n}") for n in range(8)]  # describe() reads the store: before counting
    sent = sends_of(server)
    trips = store.round_trips
    for (proto, _), request in zip(conns, requests, strict=True):
        proto.data_received(request)
    # The version check (a round trip of its own), then two sends of four claims each, no reply read yet:
    # Redis runs them while the later requests of the turn are still being answered.
    assert store.round_trips - trips == 1
    ahead = sent[1:]
    assert len(ahead) == 2 and all(chunk.count(b"EVALSHA") == 4 for chunk in ahead)
    assert len(store.lane._suspended) == 8 and all(t.writes == [] for _, t in conns)
    await settle()
    assert [status_of(t) for _, t in conns] == [b"HTTP/1.1 200 OK"] * 8
    # Their replies read at the turn's end as before: the claims' round, then the writes' (sent ahead as the
    # resumed requests queue them, confirmed in one read); a claim and a write script a create.
    assert store.round_trips - trips == 3
    assert sum(chunk.count(b"EVALSHA") for chunk in sent) == 16


@in_loop
async def test_a_turn_smaller_than_send_ahead_sends_at_its_end(servers: Callable[[str], MockServer]) -> None:
    server = servers("pulse")
    await warm(server, "pulse")
    conns = connections(server, 3)
    requests = [create(server, "pulse", f"s{n}") for n in range(3)]
    sent = sends_of(server)
    for (proto, _), request in zip(conns, requests, strict=True):
        proto.data_received(request)
    assert len(sent) == 1  # the version check alone: three claims stay queued (fewer than SEND_AHEAD)
    await settle()
    assert [status_of(t) for _, t in conns] == [b"HTTP/1.1 201 Created"] * 3


@pytest.mark.parametrize("vendor", ["vaultspay", "payabli", "sabi", "pulse", "etelecom"])
@in_loop
async def test_answers_sent_ahead_are_the_bytes_one_request_at_a_time_gives(
    servers: Callable[[str], MockServer], vendor: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_lane, "SEND_AHEAD", 1)  # every command as soon as it is queued: the most overlap
    together, alone = servers(vendor), servers(vendor)
    for server in (together, alone):
        await warm(server, vendor)
    tags = ["1", "2", "1", "3", "2", "4", "5", "1"]  # repeats: one winner each, the others the vendor's conflict
    in_turn = await one_turn(together, [create(together, vendor, tag) for tag in tags])
    sequential = await one_by_one(alone, [create(alone, vendor, tag) for tag in tags])
    assert [b"".join(t.writes) for t in in_turn] == [b"".join(t.writes) for t in sequential]
    after = [(await one_by_one(server, [create(server, vendor, "77")]))[0] for server in (together, alone)]
    assert b"".join(after[0].writes) == b"".join(after[1].writes)  # the same next id: none skipped


@in_loop
async def test_redis_gone_during_a_send_ahead_answers_each_request_as_the_vendors_500(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_lane, "SEND_AHEAD", 2)
    process, url = start_redis()
    try:
        server = _server(url, "payabli", f"{url}?prefix=g")
        await warm(server, "payabli")
        conns = connections(server, 6)
        requests = [create(server, "payabli", f"g{n}") for n in range(6)]
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="mockserver"):
            for at, ((proto, _), request) in enumerate(zip(conns, requests, strict=True)):
                if at == 2:  # two claims sent ahead; the next sends find Redis gone
                    stop_redis(process)
                proto.data_received(request)
            await settle()
        for _, transport in conns:
            assert status_of(transport) == b"HTTP/1.1 500 Internal Server Error"
            assert body_of(transport)["responseData"]["explanation"] == "Internal API Error"
        lost = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(lost) == 1 and lost[0].exc_info is None  # one line, no traceback
        assert not any(r.exc_info for r in caplog.records)
        lane = store_of(server).lane
        assert lane._suspended == [] and lane._unsent == [] and lane._owed == [] and not lane.turn
    finally:
        stop_redis(process)
