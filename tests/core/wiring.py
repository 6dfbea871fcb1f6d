"""Driving uvicorn's HTTP protocols by hand: a fake transport, a tiny app, a loop per test.

These tests pin the fast transport's internals (mockserver.wire), so they run only where it
is in use: the installed uvicorn is one it was tested with, and MOCKSERVER_SERVER is not
``stock``.  Elsewhere the modules skip with the reason (``FAST_OFF``).
"""

from __future__ import annotations

import asyncio
import functools

import orjson
import pytest
import uvicorn
from uvicorn.server import ServerState

from mockserver import wire
from mockserver.server import choose_transport

_CHOSEN = choose_transport()  # what running() and `mockserver serve` run in this environment
FAST_OFF: str | None = None if _CHOSEN.name == "fast" else f"the fast transport is not in use ({_CHOSEN.line})"
needs_fast = pytest.mark.skipif(FAST_OFF is not None, reason=FAST_OFF or "")


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            raise AssertionError("write after close")
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default=None):
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def json_app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    body = (await receive())["body"]
    status = 204 if scope["path"] == "/empty" else 200
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")] +
                           ([] if status == 204 else [(b"content-length", str(len(body) + 2).encode())])})
    if status == 204:
        await send({"type": "http.response.body", "body": b""})
    else:
        await send({"type": "http.response.body", "body": b"[" + body + b"]"})


def protocol(base: type, app=json_app, **options):
    config = uvicorn.Config(app, http=base if base is SERVED else wire.coalescing(base), lifespan="off", log_level="warning", access_log=False, **options)
    config.load()
    proto = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = FakeTransport()
    proto.connection_made(transport)
    return proto, transport


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def feed(proto, transport: FakeTransport, raw: bytes) -> list[bytes]:
    """Hand ``raw`` to the protocol, let the app run; every non-empty write so far."""
    proto.data_received(raw)
    await settle()
    return [w for w in transport.writes if w]


def requests_for_every_vendor() -> list[bytes]:
    from mockserver.app import build_app
    from mockserver.config import Config
    from tests.core.samples import variant

    described = build_app(Config(seed=1)).runtime.describe("http://x")
    out = []
    for vendor, info in described.items():
        path = info["create_user"].split(" ", 1)[1][len("http://x"):]
        auth = "".join(f"{k}: {v}\r\n" for k, v in info["headers"].items() if k.lower() != "content-type")
        for k in range(3):
            body = orjson.dumps(variant(vendor, k))
            out.append(f"POST {path} HTTP/1.1\r\nhost: x\r\n{auth}content-type: application/json\r\n"
                       f"content-length: {len(body)}\r\n\r\n".encode() + body)
        out.append(f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{{}}".encode())  # no credentials
        out.append(f"PUT {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n".encode())  # near miss: extra header
        out.append(f"HEAD {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
    return out


async def serve_all(protocol_class: type, requests: list[bytes], **options) -> list[bytes]:
    from mockserver.app import build_app
    from mockserver.config import Config

    proto, transport = protocol(protocol_class, app=build_app(Config(seed=1, clock="frozen:2026-03-01T10:00:00Z")), **options)
    answers = []
    for raw in requests:
        before = len(transport.writes)
        proto.data_received(raw)
        await settle()
        answers.append(b"".join(transport.writes[before:]))
    return answers


# What mockserver runs: httptools, coalescing, one idle timer per connection (None where it does not).
SERVED: type | None = _CHOSEN.http if FAST_OFF is None else None


def in_loop(test):
    """Run an async test in a fresh event loop (uvicorn's protocols bind the loop they are built in)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(test(*args, **kwargs))
    return run


class FakeClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock moves only when the test moves it (``advance``): timers without sleeping.

    ``loop.time()`` is what ``call_later`` schedules by and what mockserver.wire's idle
    timer reads, so ``await advance(0.3)`` is 0.3 s of the protocol's time at once.  A
    test must only await what is ready (``settle``, ``advance``): with nothing ready the
    loop would wait for its next timer in real time."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0

    def time(self) -> float:
        return self.now


async def advance(seconds: float) -> None:
    """Move the running ``FakeClockLoop``'s clock; the timers now due run, and what they wake."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, FakeClockLoop):
        raise TypeError("advance() needs a test run by in_fake_clock_loop")
    loop.now += seconds
    await settle()


def in_fake_clock_loop(test):
    """Run an async test in a fresh ``FakeClockLoop``."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        loop = FakeClockLoop()
        try:
            loop.run_until_complete(test(*args, **kwargs))
        finally:
            loop.close()
    return run


async def body_message(data: bytes) -> dict:
    return {"type": "http.request", "body": data, "more_body": False}
