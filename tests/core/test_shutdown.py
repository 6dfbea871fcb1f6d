"""SIGTERM on a real `mockserver serve`: every connection closes after its in-flight response.

A request whose body is still arriving when SIGTERM comes is held by ``mockserver.wire``
(``direct``).  Once complete it is answered at once through the app's pipeline (a vendor's
request: a create, a test session's, a scenario's error, an unknown route) or handed to uvicorn
(an admin call; a scenario's delay, with the work done so far).  Either way it is
answered with ``connection: close``, the socket is closed, and the server exits promptly, as
stock uvicorn does (exit ~0.6 s there).  Before the fix the ASGI way kept the connection
served and the exit waited for the client (20.6 s in the report).
"""

from __future__ import annotations

import functools
import json
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from .samples import variant
from .served import Served
from .wiring import SERVED, in_loop, needs_fast, protocol, settle

EXIT_WITHIN = 2.0  # seconds from SIGTERM to the process gone (the bound; stock uvicorn: ~0.6 s)


def _request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _sabi_create(server: Served, **extra: str) -> bytes:
    info = httpx.get(server.origin + "/__admin/vendors").json()["sabi"]
    path = info["create_user"].split(" ", 1)[1][len(server.origin):]
    body = json.dumps(variant("sabi", 7)).encode()
    return _request("POST", path, {"content-type": "application/json", **info["headers"], **extra}, body)


def _read_to_eof(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a connection kept open fails the test."""
    sock.settimeout(5)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            raise AssertionError(f"the server kept the connection open after {data!r}") from None
        if not chunk:
            return data
        data += chunk


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (stock uvicorn writes its head and its body apart: one recv may be half)."""
    sock.settimeout(5)
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep and len(body) >= int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0]):
            return data
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the server closed the connection after {data!r}")
        data += chunk


def _head(response: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


# Each kind: extra serve arguments, the request (built once the server runs), the status it gets.
KINDS: dict[str, tuple[tuple[str, ...], Callable[[Served], bytes], int]] = {
    "direct": ((), _sabi_create, 201),
    "session": ((), functools.partial(_sabi_create, **{"x-mock-session": "s1"}), 201),
    "scenario": (("--scenario", "sabi-conflict"), _sabi_create, 409),
    # Answered after a delay: the app hands uvicorn the request with its work done (core.serving.Handover).
    "delayed scenario": (("--scenarios", "{tmp}", "--scenario", "sabi-delayed"), _sabi_create, 201),
    # An admin call that reads its body (/__admin/reset answers without: on stock uvicorn the answer
    # and the close would come before the client's last byte, which then draws a TCP reset).
    "admin": ((), lambda s: _request("POST", "/__admin/clock", {"content-type": "application/json"}, b'{"freeze": false}'), 200),
    "unknown route": ((), lambda s: _request("POST", "/sabi/api/v1/nope", {"content-type": "application/json"}, b'{"a": 1}'), 404),
}


@pytest.mark.parametrize("kind", KINDS)
def test_sigterm_answers_a_held_request_with_connection_close_then_exits(kind: str, tmp_path: Path) -> None:
    args, build, status = KINDS[kind]
    (tmp_path / "delayed.yaml").write_text("name: sabi-delayed\nrules:\n  - match: {vendor: sabi, operation: create_user}\n    delay: 50\n")
    server = Served(*(arg.format(tmp=tmp_path) for arg in args))
    try:
        request = build(server)
        split = request.index(b"\r\n\r\n") + 5  # the head and one byte of the body: the request is held
        busy = socket.create_connection(("127.0.0.1", server.port))
        idle = socket.create_connection(("127.0.0.1", server.port))
        # Both connections are keep-alive ones that served a request already.
        for sock in (busy, idle):
            sock.sendall(b"GET /__admin/health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
            assert _read_response(sock).startswith(b"HTTP/1.1 200 OK\r\n")
        busy.sendall(request[:split])
        signalled = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        # uvicorn logs this in the same step that calls every connection's shutdown(): once it is
        # out, the rest of the body can only reach a connection that was told to shut down.
        server.wait_for("Shutting down")
        busy.sendall(request[split:])
        response = _read_to_eof(busy)
        assert _read_to_eof(idle) == b""  # the idle connection was closed at once
        server.proc.wait(timeout=10)
        elapsed = time.monotonic() - signalled
        got, headers, _ = _head(response)
        assert (got, headers.get("connection")) == (status, "close"), response
        assert elapsed < EXIT_WITHIN, f"exit took {elapsed:.2f} s"
        # uvicorn re-raises the signal once it has shut down cleanly: killed by SIGTERM, no traceback.
        assert server.proc.returncode == -signal.SIGTERM
        server.drain()
        assert "Finished server process" in "".join(server.seen) and "Traceback" not in "".join(server.seen)
    finally:
        server.stop()


# ---------------------------------------------------------------- the protocol by hand

class TwoWays:
    """Answers /u directly, everything else the ASGI way."""

    def __init__(self) -> None:
        self.asgi: list[str] = []

    def answer_directly(self, method: str, path: str, query: bytes, headers: list, body: bytes) -> Any:
        if path != "/u":
            return None
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + str(len(body) + 2).encode() + b"\r\n"
        return head, b"[" + body + b"]"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.asgi.append(scope["path"])
        body = (await receive())["body"]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body) + 2).encode())]})
        await send({"type": "http.response.body", "body": b"[" + body + b"]"})


DIRECT = {"proxy_headers": False}  # as mockserver runs uvicorn: the app unwrapped, its direct method seen


def _post(path: bytes, body: bytes) -> bytes:
    return b"POST " + path + b" HTTP/1.1\r\nhost: x\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body


@needs_fast
@in_loop
async def test_a_held_request_handed_to_uvicorn_after_shutdown_closes_the_connection() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(_post(b"/asgi", b'"a"')[:-1])
    proto.shutdown()
    assert not transport.closed
    proto.data_received(b'"')
    await settle()
    assert app.asgi == ["/asgi"]
    assert b"".join(transport.writes).endswith(b"connection: close\r\n\r\n[\"a\"]") and transport.closed


@needs_fast
@in_loop
async def test_an_answer_queued_when_shutdown_comes_is_written_with_connection_close() -> None:
    proto, transport = protocol(SERVED, app=TwoWays(), **DIRECT)
    proto.data_received(_post(b"/u", b'"a"'))  # answered, its write queued for this round of the loop
    proto.shutdown()
    await settle()
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\nconnection: close\r\n\r\n[\"a\"]"]
    assert transport.closed


@needs_fast
@in_loop
async def test_pipelined_answers_queued_when_shutdown_comes_close_after_the_last() -> None:
    proto, transport = protocol(SERVED, app=TwoWays(), **DIRECT)
    proto.data_received(_post(b"/u", b'"a"') + _post(b"/u", b'"b"'))
    proto.shutdown()
    await settle()
    assert transport.writes[0].endswith(b"content-length: 5\r\n\r\n[\"a\"]")
    assert transport.writes[1].endswith(b"connection: close\r\n\r\n[\"b\"]") and transport.closed


@needs_fast
@in_loop
async def test_an_idle_connection_is_closed_at_once_on_shutdown() -> None:
    proto, transport = protocol(SERVED, app=TwoWays(), **DIRECT)
    proto.data_received(_post(b"/u", b'"a"'))
    await settle()
    proto.shutdown()
    assert transport.closed and len(transport.writes) == 1

