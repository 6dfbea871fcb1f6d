"""Group commit on SQLite (core.commits): the direct answers of one turn of the event loop share one
transaction, and none is written before it is committed.

The fast transport is driven by hand (tests/core/wiring.py): several connections' requests handed to
the protocol in one turn, then the loop let run.  "Committed" is checked from a second connection to
the file: it sees only what was committed.
"""

from __future__ import annotations

import pytest

from tests.core.wiring import FAST_OFF

if FAST_OFF is not None:
    pytest.skip(FAST_OFF, allow_module_level=True)

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import orjson

from mockserver import wire
from mockserver.app import MockServer, Runtime
from mockserver.config import Config
from mockserver.core.commits import AfterCommit
from mockserver.core.serving import Answer, Request, VendorApp
from tests.core.wiring import FakeTransport, in_loop, protocol, settle

USERS = "/vaultspay/as/api/v1/users"
INTERNAL = {"X-Mock-Error": "INTERNAL"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MockServer]:
    runtime = Runtime(Config(vendors=("vaultspay",), seed=5, clock="frozen:2026-03-01T12:00:00Z", store=f"sqlite:///{tmp_path / 'g.db'}"))
    try:
        yield MockServer(runtime)
    finally:
        runtime.store.close()


def create(server: MockServer, n: int, extra: dict[str, str] | None = None) -> bytes:
    sent = server.runtime.describe("http://x")["vaultspay"]["headers"] | (extra or {})
    body = orjson.dumps({"firstName": "Ada", "lastName": "Byron", "email": f"ada{n}@example.com", "status": "ACTIVE"})
    head = "".join(f"{k}: {v}\r\n" for k, v in sent.items() if k.lower() != "content-type")
    return f"POST {USERS} HTTP/1.1\r\nhost: x\r\n{head}content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body


def committed_users(server: MockServer) -> int:
    """Users in the file as another connection sees it: only what was committed."""
    other = sqlite3.connect(server.runtime.store.path)  # type: ignore[attr-defined]
    try:
        return int(other.execute("SELECT COUNT(*) FROM rows WHERE ns='vaultspay' AND tbl='users'").fetchone()[0])
    finally:
        other.close()


def connections(server: MockServer, count: int) -> list[tuple[object, FakeTransport]]:
    return [protocol(wire.http_protocol(), app=server, proxy_headers=False) for _ in range(count)]


def traced(server: MockServer) -> list[str]:
    statements: list[str] = []
    server.runtime.store._db.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    return statements


def vendor_app(server: MockServer) -> VendorApp:
    app = server._by_segment["vaultspay"]
    assert isinstance(app, VendorApp)
    return app


def status_of(transport: FakeTransport) -> bytes:
    written = b"".join(transport.writes)
    return written[: written.index(b"\r\n")]


def test_sqlite_answers_directly_in_turns_and_memory_is_untouched(server: MockServer) -> None:
    app = vendor_app(server)
    assert vars(app)["answer_directly"] == app._answered_in_turn and server.runtime.commits is not None
    memory = MockServer(Runtime(Config(vendors=("vaultspay",))))
    assert not memory.runtime.commits.per_turn and "answer_directly" not in vars(memory._by_segment["vaultspay"])


@in_loop
async def test_one_turns_answers_share_one_commit_and_are_written_after_it(server: MockServer) -> None:
    before = committed_users(server)
    conns = connections(server, 4)
    statements = traced(server)
    for n, (proto, _) in enumerate(conns):
        proto.data_received(create(server, n))  # four connections' requests, answered in one turn
    assert all(transport.writes == [] for _, transport in conns)  # nothing written yet...
    assert committed_users(server) == before  # ...and nothing committed: the turn's transaction is open
    await settle()
    assert [status_of(transport) for _, transport in conns] == [b"HTTP/1.1 200 OK"] * 4
    assert committed_users(server) == before + 4
    assert statements.count("BEGIN IMMEDIATE") == 1 and statements.count("COMMIT") == 1  # one transaction for the four


@in_loop
async def test_turns_commit_apart(server: MockServer) -> None:
    (proto, transport), = connections(server, 1)
    statements = traced(server)
    for n in range(3):  # one request a turn: each its own transaction, as with a commit per request
        proto.data_received(create(server, n))
        await settle()
    assert transport.writes and all(w.startswith(b"HTTP/1.1 200 OK") for w in transport.writes)
    assert statements.count("COMMIT") == 3


@in_loop
async def test_a_failed_commit_answers_every_request_of_the_turn_with_the_vendors_500(server: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    store = server.runtime.store
    conns = connections(server, 4)
    conns[0][0].data_received(create(server, 100, INTERNAL))  # the vendor's own 500, for comparison
    await settle()
    internal = b"".join(conns[0][1].writes)
    before = committed_users(server)
    real_commit = store.commit

    def failing() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "commit", failing)
    for n, (proto, _) in enumerate(conns[1:]):
        proto.data_received(create(server, n))
    await settle()
    monkeypatch.setattr(store, "commit", real_commit)
    answers = [b"".join(transport.writes) for _, transport in conns[1:]]
    assert answers == [internal] * 3  # each its vendor's 500, none the 200 it had computed
    assert committed_users(server) == before  # rolled back: nothing of any of them kept
    proto, transport = conns[1]
    transport.writes.clear()
    proto.data_received(create(server, 0))  # the e-mail is free: the failed turn left nothing
    await settle()
    assert status_of(transport) == b"HTTP/1.1 200 OK" and committed_users(server) == before + 1


@in_loop
async def test_an_answer_written_before_the_turns_commit_commits_first(server: MockServer) -> None:
    raw = create(server, 7)
    head, _, body = raw.partition(b"\r\n\r\n")
    sent = [(k.lower(), v) for k, v in (line.split(b": ", 1) for line in head.split(b"\r\n")[1:])]
    answer = server.answer_directly("POST", USERS, b"", sent, body)
    assert type(answer) is AfterCommit
    before = committed_users(server)
    written, payload = answer.settled()  # asked before the queued commit ran: it commits first
    assert written.startswith(b"HTTP/1.1 200 OK") and orjson.loads(payload)["data"]["email"] == "ada7@example.com"
    assert committed_users(server) == before + 1 and answer.batch.open is False
    await settle()  # the queued commit finds nothing left to do


@in_loop
async def test_an_admin_change_commits_the_open_turn_with_it(server: MockServer) -> None:
    (proto, transport), = connections(server, 1)
    before = committed_users(server)
    proto.data_received(create(server, 1))
    server.runtime.clock_changed()  # an admin change in the same turn: its transaction is the open one, committed now
    assert committed_users(server) == before + 1 and transport.writes == []
    await settle()
    assert status_of(transport) == b"HTTP/1.1 200 OK"


def test_without_a_running_loop_a_direct_answer_is_committed_before_it_returns(server: MockServer) -> None:
    raw = create(server, 3)
    head, _, body = raw.partition(b"\r\n\r\n")
    sent = [(k.lower(), v) for k, v in (line.split(b": ", 1) for line in head.split(b"\r\n")[1:])]
    before = committed_users(server)
    answer = server.answer_directly("POST", USERS, b"", sent, body)
    assert type(answer) is tuple and answer[0].startswith(b"HTTP/1.1 200 OK")
    assert committed_users(server) == before + 1 and server.runtime.commits.batch is None  # type: ignore[union-attr]


@in_loop
async def test_a_continuation_after_a_wait_is_answered_once_its_writes_are_committed(server: MockServer) -> None:
    runtime, app = server.runtime, vendor_app(server)
    store = runtime.store

    async def continuation() -> Answer:
        await asyncio.sleep(0)
        assert runtime.defer_request() is not None  # a direct request of this turn opened its transaction
        store.table("vaultspay", "users").insert(424242, {"id": 424242, "email": "late@example.com"}, {"email": "late@example.com"})
        return Answer(200, b"{}")

    request = Request("POST", "/as/api/v1/users", b"", {}, b"{}")
    answer = await app._then_committed(request, continuation())
    assert answer.status == 200
    other = sqlite3.connect(store.path)  # type: ignore[attr-defined]
    try:  # committed by the time the answer is given: another connection reads it
        assert other.execute("SELECT COUNT(*) FROM uniq WHERE ns='vaultspay' AND value=?", (b'"late@example.com"',)).fetchone()[0] == 1
    finally:
        other.close()


@in_loop
async def test_a_delayed_create_is_committed_when_answered(server: MockServer) -> None:
    runtime = server.runtime
    text = "name: slow-create\nrules:\n  - match: {vendor: vaultspay, operation: create_user}\n    respond: {pass: true}\n    delay: 5\n"
    runtime.scenario_defined(runtime.scenarios.add(runtime.scenarios.parse(text, "test")), text)
    runtime.scenarios.activate("slow-create")
    runtime.scenarios_changed()
    (proto, transport), = connections(server, 1)
    before = committed_users(server)
    proto.data_received(create(server, 9))  # handed to ASGI for its delay
    for _ in range(200):
        await asyncio.sleep(0.005)
        if transport.writes:
            break
    assert status_of(transport) == b"HTTP/1.1 200 OK"
    assert committed_users(server) == before + 1
