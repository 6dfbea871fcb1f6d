"""mockserver.wire: each response leaves in one transport write, and nothing that must not wait is held."""

from __future__ import annotations

import pytest

from .wiring import FAST_OFF

if FAST_OFF is not None:
    pytest.skip(FAST_OFF, allow_module_level=True)

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver import wire
from mockserver.core.serving import RESPOND_EXTENSION
from mockserver.server import running

from .wiring import (
    SERVED,
    FakeTransport,
    advance,
    body_message,
    feed,
    in_fake_clock_loop,
    in_loop,
    json_app,
    protocol,
    requests_for_every_vendor,
    serve_all,
    settle,
)

BASES = [HttpToolsProtocol, H11Protocol, SERVED]


@pytest.mark.parametrize("base", BASES, ids=lambda b: b.__name__)
@in_loop
async def test_a_response_is_one_write_with_head_andbody_message(base) -> None:
    proto, transport = protocol(base)
    writes = await feed(proto, transport, b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
    assert len(writes) == 1
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\n[{}]")
    # keep-alive: the next request on the same connection is one write too
    writes = await feed(proto, transport, b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\n\"ab\"")
    assert len(writes) == 2 and writes[1].endswith(b'["ab"]') and not transport.closed


@pytest.mark.parametrize("base", BASES, ids=lambda b: b.__name__)
@in_loop
async def test_a_response_without_body_is_not_held(base) -> None:
    proto, transport = protocol(base)
    proto.data_received(b"POST /empty HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n")
    await settle()
    assert next(w for w in transport.writes if w).startswith(b"HTTP/1.1 204 No Content\r\n")


@pytest.mark.parametrize("base", BASES, ids=lambda b: b.__name__)
@in_loop
async def test_head_requests_get_their_head(base) -> None:
    proto, transport = protocol(base)
    writes = await feed(proto, transport, b"HEAD /u HTTP/1.1\r\nhost: x\r\n\r\n")
    assert len(writes) == 1 and writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\n")


@pytest.mark.parametrize("base", BASES, ids=lambda b: b.__name__)
@in_loop
async def test_100_continue_goes_out_before_the_body_arrives(base) -> None:
    proto, transport = protocol(base)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n")
    await settle()
    # the client waits for this before it sends the body: holding it would stall every large upload
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    writes = await feed(proto, transport, b"{}")
    assert len(writes) == 2 and writes[1].startswith(b"HTTP/1.1 200 OK") and writes[1].endswith(b"[{}]")


@pytest.mark.parametrize("base", BASES, ids=lambda b: b.__name__)
@in_loop
async def test_close_flushes_a_held_head(base) -> None:
    proto, transport = protocol(base)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}")
    await settle()
    assert transport.closed and b"".join(transport.writes).endswith(b"[{}]")
    # a request uvicorn itself rejects (malformed) is written out before the connection closes
    proto, transport = protocol(base)
    proto.data_received(b"GARBAGE\r\n\r\n")
    await settle()
    assert transport.closed and b"".join(transport.writes).startswith(b"HTTP/1.1 400 ")


def test_the_response_lines_framed_by_the_app_are_uvicorns() -> None:
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE

    from mockserver.core.framing import RESPONSE_LINES

    assert RESPONSE_LINES == STATUS_LINE  # a direct answer's head is what uvicorn's send would write


def test_held_head_unit() -> None:
    transport = FakeTransport()
    held = wire.HeldHead(transport)
    held.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert transport.writes == []
    held.write(b"{}")
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
    held.write(b"more")  # not a head: straight through
    assert transport.writes[-1] == b"more"
    held.write(b"HTTP/1.1 404 Not Found\r\n\r\n")
    held.flush()
    assert transport.writes[-1] == b"HTTP/1.1 404 Not Found\r\n\r\n"
    held.flush()  # nothing held: nothing written
    assert len(transport.writes) == 3
    held.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.close()
    held.flush()  # the peer is gone: drop it rather than write to a closed transport
    assert len(transport.writes) == 3 and held.get_extra_info("peername") == ("127.0.0.1", 50000)


def test_the_real_server_uses_it_and_answers_over_a_socket() -> None:
    with running(port=0, seed=1) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            for _ in range(2):  # keep-alive: two requests, two complete answers
                sock.sendall(b"GET /__admin/health HTTP/1.1\r\nhost: localhost\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
                        data.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0]):
                    data += sock.recv(65536)
                assert data.startswith(b"HTTP/1.1 200 OK")
    assert uvicorn_protocol_name().startswith("Coalescing")


def uvicorn_protocol_name() -> str:
    from mockserver.app import MockServer, Runtime
    from mockserver.config import Config
    from mockserver.server import uvicorn_server

    config = uvicorn_server(MockServer(Runtime(Config(seed=1)))).config
    config.load()
    return config.http_protocol_class.__name__


# The keep-alive timer runs on the loop's clock: a fake one moves it, so these take no wall time.
@in_fake_clock_loop
async def test_idle_keep_alive_connections_close_after_the_timeout_as_uvicorn_does() -> None:
    proto, transport = protocol(SERVED, timeout_keep_alive=0.2)
    await advance(0.3)
    assert not transport.closed  # never closed before its first response (uvicorn arms nothing either)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
    await settle()
    assert transport.writes and not transport.closed
    await advance(0.1)
    assert not transport.closed
    await advance(0.09)
    assert not transport.closed  # 0.19 s idle: not yet
    await advance(0.02)
    assert transport.closed  # idle for the whole timeout after the response
    proto.connection_lost(None)


@in_fake_clock_loop
async def test_a_connection_receiving_or_serving_a_request_is_not_idle() -> None:
    release = asyncio.Event()

    async def slow_app(scope, receive, send) -> None:
        await receive()
        await release.wait()
        await json_app(scope, lambda: body_message(b"{}"), send)

    proto, transport = protocol(SERVED, app=slow_app, timeout_keep_alive=0.2)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
    for _ in range(5):
        await advance(0.1)  # the app takes longer than the timeout: the connection stays
    assert not transport.closed
    release.set()
    await settle()
    assert len([w for w in transport.writes if w]) == 1
    await advance(0.1)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\n")  # half a request after 0.1 s of idleness
    for _ in range(3):
        await advance(0.1)
    assert not transport.closed
    proto.connection_lost(None)
    assert proto._idle_check is None  # its timer goes with the connection


@pytest.mark.parametrize("base", BASES, ids=lambda b: b.__name__)
@in_loop
async def test_pipelined_requests_are_all_answered_in_order(base) -> None:
    proto, transport = protocol(base)
    request = b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\n"
    proto.data_received(request + b'"a"' + request + b'"b"' + request + b'"c"')
    await settle()
    answered = b"".join(transport.writes)
    assert answered.count(b"HTTP/1.1 200 OK") == 3
    assert answered.index(b'["a"]') < answered.index(b'["b"]') < answered.index(b'["c"]')


# ----------------------------------------------------------------- respond extension
def test_respond_writes_exactly_what_send_would(monkeypatch) -> None:
    used = []
    real = wire.responder

    def counting(cycle):
        respond = real(cycle)
        return lambda *args: used.append(respond(*args)) or used[-1]

    monkeypatch.setattr(wire, "responder", counting)
    asyncio.run(_compare_fast_and_plain())
    # Every create and every error (the near misses with their extra header too) went the one-call way;
    # HEAD (a 405 here) was declined, and uvicorn's send wrote it.
    assert used.count(True) == 25 and len(used) == 30


async def _compare_fast_and_plain() -> None:
    requests = requests_for_every_vendor()
    fast = await serve_all(SERVED, requests)
    plain = await serve_all(wire.coalescing(HttpToolsProtocol), requests)  # no extension: ASGI send
    assert fast == plain
    assert all(answer.startswith(b"HTTP/1.1 ") for answer in fast)
    assert sum(answer.startswith((b"HTTP/1.1 200", b"HTTP/1.1 201")) for answer in fast) == 15


@in_loop
async def test_respond_is_one_write_and_declines_what_it_does_not_handle() -> None:
    seen: list[bool] = []

    async def app(scope, receive, send) -> None:
        await receive()
        respond = scope["extensions"][RESPOND_EXTENSION]
        done = respond(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n", b"{}")
        seen.append(done)
        if not done:
            await json_app(scope, lambda: body_message(b"{}"), send)

    proto, transport = protocol(SERVED, app=app)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
    await settle()
    assert seen == [True]
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"]
    proto.data_received(b"HEAD /u HTTP/1.1\r\nhost: x\r\n\r\n")
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}")
    await settle()
    assert seen == [True, False, False]  # HEAD and a closing connection go the ASGI way
    assert transport.writes[1].endswith(b"\r\n\r\n") and transport.writes[2].endswith(b"[{}]") and transport.closed


@in_loop
async def test_a_served_request_leaves_no_reference_cycle() -> None:
    import gc
    import weakref

    proto, _transport = protocol(SERVED)
    gc.collect()
    gc.disable()  # whatever the request leaves must go by reference counting alone
    try:
        proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
        await settle()
        cycle = weakref.ref(proto.cycle)
        proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")  # replaces proto.cycle
        await settle()
        assert cycle() is None
    finally:
        gc.enable()
