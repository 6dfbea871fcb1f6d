"""The two transports cannot drift: the same requests get the same bytes on ``fast`` and ``stock``.

Two real servers with the same seed and a frozen clock, one on the fast transport (most
requests answered directly by ``core.serving``'s pipeline, the rest handed to ASGI) and one
on stock uvicorn (every request the ASGI way), are sent the same requests over one
keep-alive socket each: creates, each kind of error (credentials, body, conflict, unknown
route and method with their near-miss header, a body over the limit, an unknown scenario),
test sessions, forced errors, and active scenarios with a reply of their own, a delay and a
fault.  Every response must be the same bytes (status line, headers, body), and the journal
must hold the same rows.
"""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from mockserver import wire
from mockserver.server import RunningServer, running

from .samples import variant

pytestmark = pytest.mark.skipif(wire.unavailable() is not None, reason=f"the fast transport cannot run here: {wire.unavailable()}")

CONFIG: dict[str, Any] = {"seed": 7, "clock": "frozen:2026-03-01T10:00:00Z", "max_body": 4096}
SCENARIOS = [
    # A reply of its own with an extra header, once.
    ("name: own\nrules:\n  - match: {vendor: vaultspay, operation: create_user, times: 1}\n"
     "    respond: {status: 503, body: {busy: true}, headers: {Retry-After: '7'}}\n"),
    # The real behaviour after a delay (the fast transport hands it to ASGI with the work done).
    "name: slow\nrules:\n  - match: {vendor: pulse, operation: create_user, times: 1}\n    delay: 5\n",
    # Half the body, a matching length (a fault: handed over too).
    "name: cut\nrules:\n  - match: {vendor: sabi, operation: create_user, times: 1}\n    fault: malformed_json\n",
]


def _request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if method != "HEAD":
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _plan(server: RunningServer) -> Iterator[tuple[str, bytes]]:
    """(method, raw request) in order: the same list for either server (the paths do not name the port)."""
    for vendor, info in server.vendors().items():
        path = info["create_user"].split(" ", 1)[1].removeprefix(server.url)
        creds = {**info["headers"], "content-type": "application/json"}
        catalog = next(iter(server.runtime.vendors[vendor].error_contract.catalog))
        create = orjson.dumps(variant(vendor, 1))
        yield "POST", _request("POST", path, creds, create)
        yield "POST", _request("POST", path, creds, create)  # the same again: the vendor's conflict
        yield "POST", _request("POST", path, {"content-type": "application/json"}, orjson.dumps(variant(vendor, 2)))  # no credentials
        yield "POST", _request("POST", path, creds, b'{"broken": ')  # not JSON
        yield "POST", _request("POST", path, creds, b"[" + b"1," * 2500 + b"1]")  # over max_body
        yield "PUT", _request("PUT", path, creds, b"{}")  # an unknown method: 405 and the near miss
        yield "POST", _request("POST", path + "x", creds, create)  # an unknown route: 404 and the near miss
        yield "POST", _request("POST", path, {**creds, "x-mock-error": catalog}, orjson.dumps(variant(vendor, 3)))
        yield "POST", _request("POST", path, {**creds, "x-mock-scenario": "nonesuch"}, orjson.dumps(variant(vendor, 4)))
        yield "POST", _request("POST", path, {**creds, "x-mock-session": "t1"}, create)  # a session of its own: created
        yield "POST", _request("POST", path, creds, orjson.dumps(variant(vendor, 5)))  # what the active scenarios do
        yield "HEAD", _request("HEAD", path, creds)


def _exchange(sock: socket.socket, method: str, raw: bytes) -> bytes:
    """One whole response on a keep-alive connection."""
    sock.sendall(raw)
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            found = re.search(rb"\r\ncontent-length: (\d+)", head)
            if method == "HEAD" or (found is not None and len(body) >= int(found.group(1))):
                return data
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the server closed the connection after {data!r}")
        data += chunk


def _serve(kind: str) -> tuple[list[bytes], list[dict[str, Any]]]:
    with running(port=0, server=kind, **CONFIG) as server:
        assert server.transport == kind
        for doc in SCENARIOS:
            assert httpx.post(server.url + "/__admin/scenarios?activate=true", content=doc).status_code == 201
        answers = []
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            for method, raw in _plan(server):
                answers.append(_exchange(sock, method, raw))
        rows = [dataclasses.asdict(entry) for entry in server.runtime.journal.entries()]
    for row in rows:
        row.pop("latency_ms")
    return answers, rows


def test_the_fast_and_the_stock_transport_answer_the_same_bytes() -> None:
    fast, fast_rows = _serve("fast")
    stock, stock_rows = _serve("stock")
    assert len(fast) == len(stock) == 60
    for n, (mine, theirs) in enumerate(zip(fast, stock, strict=True)):
        assert mine == theirs, f"request {n}"
    assert fast_rows == stock_rows
    # The plan does reach what it means to compare.
    statuses = [int(answer.split(b" ", 2)[1]) for answer in fast]
    assert statuses.count(413) == 4 and b"request body too large" in fast[52]  # eTelecom: a malformed body, as Go says it
    assert statuses.count(503) == 2  # the own reply: once by default, once in session t1
    assert sum(b"x-mock-near-miss: " in answer for answer in fast) == 15  # PUT, unknown route, HEAD: each vendor
    assert sum(b"x-mock-problem: scenario" in answer for answer in fast) == 5
    assert b"\r\nretry-after: 7\r\n" in b"".join(fast)
    assert [row["scenario"] for row in fast_rows].count("slow#0") == 2 and b'"busy"' in fast[0]
    assert {row["session"] for row in fast_rows} == {"", "t1"}
