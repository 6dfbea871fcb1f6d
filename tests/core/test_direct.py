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
from mockserver.core.framing import Framing, checked_headers
from mockserver.core.serving import Handover, VendorApp
from mockserver.core.vendor import Reply
from mockserver.server import running
from tests.core.samples import variant

from .wiring import SERVED, body_message, in_loop, json_app, protocol, requests_for_every_vendor, serve_all, settle

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
        return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n" % (len(body) + 2), b"[" + body + b"]"


def counting(monkeypatch) -> list[bool]:
    """Whether each call of VendorApp.answer_directly answered in place (True) or handed over to ASGI (False)."""
    seen: list[bool] = []
    real = VendorApp.answer_directly

    def spy(self, *args):
        answer = real(self, *args)
        seen.append(type(answer) is tuple)
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
    # Per vendor: three creates, a missing-credentials error and the PUT (an unknown method,
    # with its near-miss header) answered directly; HEAD never asked.
    assert seen == [True] * 25


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
    b"POST /u HTTP/1.0\r\nhost: x\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\n{}",
    b"POST /u HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}",
    b"POST /u HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n{}",
    b"POST /u HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"POST /u%41 HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}",
    b"HEAD /u HTTP/1.1\r\nhost: x\r\n\r\n",
], ids=["http-1.0", "http-1.0-keep-alive", "connection-close", "expect-continue", "chunked", "percent-encoded", "head"])
@in_loop
async def test_what_is_not_plain_goes_the_asgi_way(request_) -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(request_)
    await settle()
    assert app.direct == [] and len(app.asgi) == 1 and transport.writes


@in_loop
async def test_a_direct_answer_makes_no_scope_and_a_handed_over_request_gets_its_own() -> None:
    app = TwoWays()
    proto, _transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(CREATE + b'"a"')
    await settle()
    assert app.direct == ["/u"] and proto.scope is None  # uvicorn's before any request: none was made
    proto.data_received(b"POST /asgi?x=1 HTTP/1.1\r\nhost: x\r\nx-one: 1 \r\ncontent-length: 2\r\n\r\n{}")
    await settle()
    assert app.asgi == ["/asgi"]
    assert proto.scope["headers"] == [(b"host", b"x"), (b"x-one", b"1"), (b"content-length", b"2")]  # as uvicorn parses them
    assert proto.scope["query_string"] == b"x=1" and proto.scope["method"] == "POST"


@in_loop
async def test_an_http_1_1_request_saying_keep_alive_is_still_answered_directly() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\nConnection: Keep-Alive\r\ncontent-length: 2\r\n\r\n{}")
    await settle()
    assert app.direct == ["/u"] and app.asgi == [] and not transport.closed


@pytest.mark.parametrize("length", [b"+2", b"0x2", b"99999999999999999999"], ids=["sign", "hex", "huge"])
@in_loop
async def test_a_content_length_that_is_not_plain_digits_is_never_held(length) -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: " + length + b"\r\n\r\n{}")
    await settle()
    assert app.direct == [] and transport.writes  # uvicorn's way: answered or refused by it, never held


@in_loop
async def test_request_targets_are_parsed_once_and_the_cache_of_them_stays_bounded() -> None:
    app = TwoWays()
    proto, _transport = protocol(SERVED, app=app, **DIRECT)
    wire._TARGETS.clear()
    for _ in range(2):  # the second time from the cache: the same answers
        proto.data_received(b"POST /u?a=1 HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
        proto.data_received(b"POST /u%41 HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
        await settle()
    assert app.direct == ["/u", "/u"] and app.asgi == ["/uA", "/uA"]
    assert wire._TARGETS[b"/u?a=1"] == ("/u", b"a=1") and wire._TARGETS[b"/u%41"] is wire._UNPARSED
    for n in range(wire._CACHED_TARGETS + 10):
        wire._target(b"/n%d" % n)
    wire._target(b"/" + b"x" * wire._CACHED_TARGET)  # too long to keep
    assert 0 < len(wire._TARGETS) <= wire._CACHED_TARGETS and b"/" + b"x" * wire._CACHED_TARGET not in wire._TARGETS


@in_loop
async def test_a_body_over_the_hold_limit_goes_the_asgi_way() -> None:
    app = TwoWays()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    body = b'"' + b"x" * wire.HOLD_LIMIT + b'"'
    proto.data_received(b"POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
    await settle()
    assert app.direct == [] and app.asgi == ["/u"] and transport.writes[-1].endswith(b"x\"]")


@in_loop
async def test_an_app_handed_back_runs_for_that_request_in_place_of_the_whole_app() -> None:
    ran: list[tuple[str, bytes]] = []

    async def handover(scope, receive, send) -> None:
        ran.append((scope["path"], (await receive())["body"]))  # uvicorn's cycle, fed the held body
        await json_app(scope, lambda: body_message(b'"h"'), send)

    class HandsBack(TwoWays):
        def answer_directly(self, method, path, query, headers, body):
            return handover if path == "/later" else super().answer_directly(method, path, query, headers, body)

    app = HandsBack()
    proto, transport = protocol(SERVED, app=app, **DIRECT)
    proto.data_received(CREATE.replace(b"/u", b"/later") + b'"a"' + CREATE + b'"b"')
    await settle()
    # The whole app never saw the handed-back request; the one pipelined behind it (not held: a
    # request was in flight) waited its turn and went to the whole app, as uvicorn queues one.
    assert ran == [("/later", b'"a"')] and app.asgi == ["/u"]
    answered = b"".join(transport.writes)
    assert answered.index(b'["h"]') < answered.index(b'["b"]') and proto.app is app  # and it is the app again after


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


def _status(answer) -> int:
    head, _payload = answer
    return int(head.split(b" ", 2)[1])


def _asgi_create(app, vendor: str, n: int = 0, extra: dict[str, str] | None = None):
    """The same create through the ASGI way (Starlette's test client): status, headers, body."""
    from starlette.testclient import TestClient

    info = app.runtime.describe("")[vendor]
    body = orjson.dumps(variant(vendor, n))
    with TestClient(app) as client:
        answer = client.post(info["create_user"].split(" ", 1)[1], content=body,
                             headers={**info["headers"], **(extra or {}), "content-length": str(len(body))})
    return answer.status_code, answer.headers, answer.content


@pytest.mark.parametrize("extra", [{"x-mock-session": "t1"}, {"x-mock-scenario": "pulse-conflict"}, {"x-mock-error": "CONFLICT"},
                                   {"x-mock-scenario": "nonesuch"}],
                         ids=["session", "scenario-header", "error-header", "unknown-scenario"])
def test_test_sessions_and_scenario_headers_are_answered_directly_as_asgi_answers_them(extra) -> None:
    app, plain = _direct_app(), _direct_app()
    answer = _create(app, "pulse", extra=extra)
    assert type(answer) is tuple  # no delay, no fault: nothing to wait for
    status, headers, body = _asgi_create(plain, "pulse", extra=extra)
    assert (_status(answer), answer[1]) == (status, body)
    assert answer[0].split(b"\r\n", 1)[1] == b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in headers.items())
    (mine,), (theirs,) = app.runtime.journal.entries(), plain.runtime.journal.entries()
    assert (mine.session, mine.scenario, mine.status) == (theirs.session, theirs.scenario, theirs.status)


def test_an_active_scenario_is_answered_directly() -> None:
    app = _direct_app()
    app.runtime.scenarios.activate("pulse-conflict")
    assert _status(_create(app, "pulse")) == 409
    assert _status(_create(app, "sabi")) == 201  # other vendors are not affected
    assert [e.scenario for e in app.runtime.journal.entries()] == ["pulse-conflict#0", None]


def test_a_scenario_delay_or_fault_is_handed_over_with_the_work_done() -> None:
    app = _direct_app()
    scenarios = app.runtime.scenarios
    scenarios.define("name: slow\nrules:\n  - match: {vendor: pulse, times: 1}\n    delay: 10\n")
    scenarios.define("name: cut\nrules:\n  - match: {vendor: sabi, times: 1}\n    fault: malformed_json\n")
    scenarios.activate("slow"), scenarios.activate("cut")
    slow, cut = _create(app, "pulse"), _create(app, "sabi")
    assert isinstance(slow, Handover) and isinstance(cut, Handover)
    # The fault's answer is journalled (answered, its fault to act out); the delayed one once it is answered.
    assert [e.scenario for e in app.runtime.journal.entries()] == ["cut#0"]

    async def finish(handover: Handover) -> list[dict]:
        sent: list[dict] = []

        async def receive() -> dict:
            raise AssertionError("the body was read already")

        async def send(message: dict) -> None:
            sent.append(message)

        await handover({"type": "http", "method": "POST", "path": "/", "headers": []}, receive, send)
        return sent

    slow_sent, cut_sent = asyncio.run(finish(slow)), asyncio.run(finish(cut))
    assert slow_sent[0]["status"] == 201 and orjson.loads(slow_sent[1]["body"])["email"] == variant("pulse", 0)["email"]
    cut_length = int(dict(cut_sent[0]["headers"])[b"content-length"])
    assert cut_sent[0]["status"] == 201 and len(cut_sent[1]["body"]) == cut_length  # half the body, a matching length
    assert [(e.vendor, e.scenario, e.status) for e in app.runtime.journal.entries()] == [("sabi", "cut#0", 201), ("pulse", "slow#0", 201)]
    # The rule fired once (times: 1) and is not decided again: the next creates are plain ones.
    assert _status(_create(app, "pulse", 1)) == 201 and _status(_create(app, "sabi", 1)) == 201


def test_admin_and_unknown_vendors_are_handed_to_their_app() -> None:
    app = _direct_app()
    assert app.answer_directly("GET", "/__admin/vendors", b"", [], b"") is app.admin
    assert app.answer_directly("POST", "/nowhere/users", b"", [], b"{}") == app._not_found


def test_an_unknown_route_is_answered_directly_with_its_near_miss() -> None:
    app = _direct_app()
    head, body = app.answer_directly("POST", "/pulse/userz", b"", [(b"content-length", b"2")], b"{}")
    assert head.startswith(b"HTTP/1.1 404 ") and b"\r\nx-mock-near-miss: POST /users\r\n" in head
    (entry,) = app.runtime.journal.entries()
    assert (entry.operation, entry.near_miss, entry.status) == ("unknown", "POST /users", 404)
    assert entry.response == orjson.loads(body) and entry.body is None  # no body kept for a miss, as ever


def test_a_body_over_the_vendor_limit_is_the_vendors_answer_directly() -> None:
    app, plain = _direct_app(max_body=10), _direct_app(max_body=10)
    answer = _create(app, "pulse")
    status, _headers, body = _asgi_create(plain, "pulse")
    assert (_status(answer), answer[1]) == (status, body) and status == 413


def test_the_journal_records_a_direct_answer_as_it_records_an_asgi_one() -> None:
    direct, plain = _direct_app(), _direct_app()
    answer = _create(direct, "sabi")
    status, _headers, body = _asgi_create(plain, "sabi")
    assert (_status(answer), answer[1]) == (status, body)
    (one,), (other,) = direct.runtime.journal.entries(), plain.runtime.journal.entries()
    mine, theirs = dataclasses.asdict(one), dataclasses.asdict(other)
    for varying in ("latency_ms", "headers"):  # the test client sends its own headers
        mine.pop(varying), theirs.pop(varying)
    assert mine == theirs


def test_reply_headers_are_framed_and_unsafe_ones_left_out(caplog) -> None:
    checked = checked_headers([("Allow", "GET, POST"), ("X-Count", 3)])
    assert checked == ((b"allow", b"GET, POST"), (b"x-count", b"3"))
    framing = Framing(b"application/json")
    assert framing.head(200, 2, checked) == (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
                                             b"allow: GET, POST\r\nx-count: 3\r\n")
    assert framing.headers(2, checked) == [(b"content-type", b"application/json"), (b"content-length", b"2"), *checked]
    with caplog.at_level(logging.ERROR):
        assert checked_headers([("X-Bad", "a\r\nset-cookie: x"), ("Allow", "GET"), ("Bad Name", "x"), ("X-Name", "Ω")]) == ((b"allow", b"GET"),)
    assert caplog.text.count("dropped a reply header") == 3
    assert framing.head(999, 0) is None  # no status line: the ASGI way (uvicorn's send) decides


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
        head, body = _create(app, "pulse")
        assert (_status((head, body)), orjson.loads(body)) == (expected.status, expected.body)
        assert app.runtime.journal.entries()[0].status == expected.status


def test_handler_headers_go_out_on_a_direct_answer() -> None:
    app = _direct_app()
    _patched(app, "pulse", lambda call: Reply(201, {"ok": True}, (("X-Request-Id", "abc"),)))
    head, body = _create(app, "pulse")
    assert head.startswith(b"HTTP/1.1 201 Created\r\n") and head.endswith(b"content-length: 11\r\nx-request-id: abc\r\n")
    assert body == b'{"ok":true}'


def test_unsafe_handler_headers_are_dropped_the_same_way_on_both_paths() -> None:
    reply = Reply(201, {"ok": True}, (("X-Bad", "a\r\nx-injected: 1"), ("X-Fine", "yes")))
    app, plain = _direct_app(), _direct_app()
    _patched(app, "pulse", lambda call: reply)
    _patched(plain, "pulse", lambda call: reply)
    head, body = _create(app, "pulse")
    status, headers, asgi_body = _asgi_create(plain, "pulse")
    assert (status, asgi_body) == (201, body) and head.endswith(b"content-length: 11\r\nx-fine: yes\r\n")
    assert "x-bad" not in headers and "x-injected" not in headers and headers["x-fine"] == "yes"


def test_the_real_server_answers_creates_directly(monkeypatch) -> None:
    import httpx

    seen = counting(monkeypatch)
    with running(port=0, seed=1) as server:
        for vendor, info in server.runtime.describe(server.url).items():
            answer = httpx.post(info["create_user"].split(" ", 1)[1], headers=info["headers"], content=orjson.dumps(variant(vendor, 0)))
            assert answer.status_code in (200, 201), (vendor, answer.text)
    assert seen == [True] * 5
