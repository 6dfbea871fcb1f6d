"""mockserver.wire's direct answers: plain requests skip the ASGI cycle, and nothing else changes."""

from __future__ import annotations

import pytest

from .wiring import FAST_OFF

if FAST_OFF is not None:
    pytest.skip(FAST_OFF, allow_module_level=True)

import asyncio
import dataclasses
import logging

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver import wire
from mockserver.app import build_app
from mockserver.config import Config
from mockserver.core.serving import VendorApp, _header_lines
from mockserver.core.vendor import Reply
from mockserver.server import running
from tests.core.samples import variant

from .wiring import SERVED, in_loop, json_app, protocol, requests_for_every_vendor, serve_all, settle

DIRECT = {"proxy_headers": False}  # as mockserver's server runs: the app unwrapped, so its direct method is seen
CREATE = b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\n"


class TwoWays:
    """An app answering directly unless the path starts with /asgi; the ASGI way waits for ``release``."""

    def __init__(self) -> None:
        self.direct: list[str] = []
        self.asgi: list[str] = []
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, scope, receive, send) -> None:
        self.asgi.append(scope["path"])
        await self.release.wait()
        await json_app(scope, receive, send)

    def answer_directly(self, method, path, query, headers, body):
        if path.startswith("/asgi"):
            return None
        self.direct.append(path)
        return 200, b"content-type: application/json\r\ncontent-length: %d\r\n" % (len(body) + 2), b"[" + body + b"]"


def counting(monkeypatch) -> list[bool]:
    """Whether each call of VendorApp.answer_directly answered (True) or declined (False)."""
    seen: list[bool] = []
    real = VendorApp.answer_directly

    def spy(self, *args):
        answer = real(self, *args)
        seen.append(answer is not None)
        return answer

    monkeypatch.setattr(VendorApp, "answer_directly", spy)
    return seen


def test_direct_answers_are_the_bytes_the_asgi_way_sends(monkeypatch) -> None:
    seen = counting(monkeypatch)
    requests = requests_for_every_vendor()
    direct = asyncio.run(serve_all(SERVED, requests, **DIRECT))
    plain = asyncio.run(serve_all(wire.coalescing(HttpToolsProtocol), requests, **DIRECT))
    assert direct == plain
    assert sum(answer.startswith((b"HTTP/1.1 200", b"HTTP/1.1 201")) for answer in direct) == 15
    # Per vendor: three creates and a missing-credentials error answered directly; the PUT (an
    # unknown method: the ASGI way names the near miss) declined; HEAD never asked.
    assert seen == [True, True, True, True, False] * 5


@in_loop
async def test_a_direct_answer_is_one_write_and_starts_no_task() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(CREATE + b'"a"' + CREATE + b'"b"')
    assert transport.writes == [] and app.direct == ["/u", "/u"]  # answered, written once the loop has read all
    await asyncio.sleep(0)
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\n\r\n[\"a\"]",
                                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\n\r\n[\"b\"]"]
    assert app.direct == ["/u", "/u"] and app.asgi == [] and not proto.tasks
    assert proto.server_state.total_requests == 2 and not transport.closed


@in_loop
async def test_a_body_in_pieces_is_held_until_complete() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    for piece in (CREATE[:20], CREATE[20:] + b'"', b"x", b'"'):
        assert transport.writes == []
        proto.data_received(piece)
        await settle()
    assert transport.writes[0].endswith(b'\r\n\r\n["x"]') and app.direct == ["/u"]


@pytest.mark.parametrize("request_", [
    b"POST /u HTTP/1.0\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}",
    b"POST /u HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}",
    b"POST /u HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n{}",
    b"POST /u HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"POST /u%41 HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}",
    b"HEAD /u HTTP/1.1\r\nhost: x\r\n\r\n",
], ids=["http-1.0", "connection-close", "expect-continue", "chunked", "percent-encoded", "head"])
@in_loop
async def test_what_is_not_plain_goes_the_asgi_way(request_) -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(request_)
    await settle()
    assert app.direct == [] and len(app.asgi) == 1 and transport.writes


@in_loop
async def test_a_body_over_the_hold_limit_goes_the_asgi_way() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    body = b'"' + b"x" * wire.HOLD_LIMIT + b'"'
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
    await settle()
    assert app.direct == [] and app.asgi == ["/u"] and transport.writes[-1].endswith(b"x\"]")


@in_loop
async def test_a_declined_request_reaches_asgi_whole_and_later_ones_wait_their_turn() -> None:
    app = TwoWays()
    app.release.clear()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(b"POST /asgi HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\n\"a\"" + CREATE + b'"b"')
    await settle()
    assert app.asgi == ["/asgi"] and transport.writes == []  # the second waits behind the first
    app.release.set()
    await settle()
    answered = b"".join(transport.writes)
    assert answered.index(b'["a"]') < answered.index(b'["b"]') and answered.count(b"HTTP/1.1 200 OK") == 2


@in_loop
async def test_a_client_gone_before_its_answer_is_written_gets_nothing() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(CREATE + b'"a"')
    transport.close()  # the peer reset the connection in the same round of the loop
    proto.connection_lost(ConnectionResetError())
    await settle()
    assert app.direct == ["/u"] and transport.writes == []


@in_loop
async def test_a_client_gone_mid_body_gets_nothing_and_breaks_nothing() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(CREATE + b'"a')
    proto.connection_lost(None)
    await settle()
    assert app.direct == [] and app.asgi == [] and transport.writes == []


@in_loop
async def test_shutdown_lets_a_held_request_finish_then_closes() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(CREATE + b'"a')
    proto.shutdown()
    assert not transport.closed
    proto.data_received(b'"')
    await settle()
    assert transport.writes[0].endswith(b"connection: close\r\n\r\n[\"a\"]") and transport.closed


@in_loop
async def test_an_app_failing_in_its_direct_method_is_a_500_as_uvicorn_serves_one(capsys) -> None:
    class Broken(TwoWays):
        def answer_directly(self, method, path, *args):
            if path == "/b":
                raise RuntimeError("bug")
            return super().answer_directly(method, path, *args)

    proto, transport = protocol(SERVED, app=Broken(), **DIRECT)
    proto.data_received(CREATE + b'"a"' + CREATE.replace(b"/u", b"/b") + b'"b"')  # pipelined: answered, then failing
    await settle()
    assert transport.writes[0].endswith(b'["a"]')  # the answer queued before the failure leaves first
    assert transport.writes[1].startswith(b"HTTP/1.1 500 Internal Server Error\r\n") and transport.closed
    assert "Exception in the direct answer" in capsys.readouterr().err


@in_loop
async def test_an_app_behind_middleware_is_served_the_asgi_way() -> None:
    app = TwoWays()
    proto, _transport = protocol(SERVED, app=app)  # uvicorn's proxy-headers middleware wraps it
    proto.data_received(CREATE + b'"a"')
    await settle()
    assert app.direct == [] and app.asgi == ["/u"]


def _direct_app(**config):
    return build_app(Config(seed=1, clock="frozen:2026-03-01T10:00:00Z", **config))


def _create(app, vendor: str, n: int = 0, extra: dict[str, str] | None = None):
    info = app.runtime.describe("")[vendor]
    path = info["create_user"].split(" ", 1)[1]
    headers = {**info["headers"], **(extra or {})}
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return app.answer_directly("POST", path, b"", raw, orjson.dumps(variant(vendor, n)))


@pytest.mark.parametrize("extra", [{"x-mock-session": "t1"}, {"x-mock-scenario": "anything"}, {"x-mock-error": "anything"}],
                         ids=["session", "scenario-header", "error-header"])
def test_test_sessions_and_scenario_headers_are_left_to_asgi(extra) -> None:
    app = _direct_app()
    assert _create(app, "pulse", extra=extra) is None
    assert len(app.runtime.journal) == 0 and _create(app, "pulse") is not None


def test_an_active_scenario_is_left_to_asgi() -> None:
    app = _direct_app()
    app.runtime.scenarios.activate("pulse-conflict")
    assert _create(app, "pulse") is None
    assert _create(app, "sabi") is not None  # other vendors are not affected


def test_admin_and_unknown_paths_are_left_to_asgi() -> None:
    app = _direct_app()
    assert app.answer_directly("GET", "/__admin/vendors", b"", [], b"") is None
    assert app.answer_directly("POST", "/nowhere/users", b"", [], b"{}") is None
    assert app.answer_directly("POST", "/pulse/no/such/route", b"", [], b"{}") is None


def test_a_body_over_the_vendor_limit_is_left_to_asgi() -> None:
    app = _direct_app(max_body=10)
    assert _create(app, "pulse") is None


def test_the_journal_records_a_direct_answer_as_it_records_an_asgi_one() -> None:
    from starlette.testclient import TestClient

    direct, plain = _direct_app(), _direct_app()
    status, _head, body = _create(direct, "sabi")
    info = plain.runtime.describe("")["sabi"]
    with TestClient(plain) as client:
        answer = client.post(info["create_user"].split(" ", 1)[1], content=orjson.dumps(variant("sabi", 0)),
                             headers={**info["headers"], "content-length": str(len(orjson.dumps(variant("sabi", 0))))})
    assert (status, body) == (answer.status_code, answer.content)
    (one,), (other,) = direct.runtime.journal.entries(), plain.runtime.journal.entries()
    mine, theirs = dataclasses.asdict(one), dataclasses.asdict(other)
    for varying in ("latency_ms", "headers"):  # the test client sends its own headers
        mine.pop(varying), theirs.pop(varying)
    assert mine == theirs


def test_reply_headers_are_written_and_unsafe_ones_left_out(caplog) -> None:
    assert _header_lines([("Allow", "GET, POST"), ("X-Count", 3)]) == b"allow: GET, POST\r\nx-count: 3\r\n"
    with caplog.at_level(logging.ERROR):
        assert _header_lines([("X-Bad", "a\r\nset-cookie: x"), ("Allow", "GET")]) == b"allow: GET\r\n"
    assert "dropped a reply header" in caplog.text


def _patched(app, vendor: str, handler) -> None:
    vendor_app = app._by_segment[vendor]
    for methods in vendor_app.router.static.values():
        for method, route in methods.items():
            if route.operation == "create_user":
                methods[method] = dataclasses.replace(route, handler=handler)


def test_a_directly_answered_handler_bug_is_the_vendors_internal_error() -> None:
    plain = _direct_app()
    expected = plain._by_segment["pulse"]._rendered(RuntimeError("bug"), "POST", "/users")
    for broken in (lambda call: 1 / 0, lambda call: Reply(201, {"not json": object()})):
        app = _direct_app()
        _patched(app, "pulse", broken)
        status, _, body = _create(app, "pulse")
        assert (status, orjson.loads(body)) == (expected.status, expected.body)
        assert app.runtime.journal.entries()[0].status == expected.status


def test_handler_headers_go_out_on_a_direct_answer() -> None:
    app = _direct_app()
    _patched(app, "pulse", lambda call: Reply(201, {"ok": True}, (("X-Request-Id", "abc"),)))
    status, head, body = _create(app, "pulse")
    assert status == 201 and head.endswith(b"content-length: 11\r\nx-request-id: abc\r\n") and body == b'{"ok":true}'


def test_the_real_server_answers_creates_directly(monkeypatch) -> None:
    import httpx

    seen = counting(monkeypatch)
    with running(port=0, seed=1) as server:
        for vendor, info in server.runtime.describe(server.url).items():
            answer = httpx.post(info["create_user"].split(" ", 1)[1], headers=info["headers"], content=orjson.dumps(variant(vendor, 0)))
            assert answer.status_code in (200, 201), (vendor, answer.text)
    assert seen == [True] * 5
