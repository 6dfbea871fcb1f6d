"""core.serving's one pipeline: ``VendorApp.answer`` answers at once when nothing waits, else gives an awaitable.

These drive the pipeline and its two adapters in-process (no server), so they run with
either transport chosen.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from mockserver.app import MockServer, build_app
from mockserver.config import Config
from mockserver.core.serving import Answer, Handover, Request, VendorApp
from mockserver.core.vendor import SESSION, Call, Reply

from .samples import variant


def _app() -> MockServer:
    return build_app(Config(seed=1, clock="frozen:2026-03-01T10:00:00Z"))


def _pulse(app: MockServer) -> VendorApp:
    vendor_app = app._by_segment["pulse"]
    assert isinstance(vendor_app, VendorApp)
    return vendor_app


def _patch_create(app: MockServer, handler: Any) -> None:
    for methods in _pulse(app).router.static.values():
        for method, route in methods.items():
            if route.operation == "create_user":
                methods[method] = dataclasses.replace(route, handler=handler)


def _request(app: MockServer, **headers: str) -> tuple[str, dict[str, str], bytes]:
    info = app.runtime.describe("")["pulse"]
    return info["create_user"].split(" ", 1)[1], {**info["headers"], **headers}, orjson.dumps(variant("pulse", 0))


def _direct(app: MockServer, **headers: str) -> Any:
    path, all_headers, body = _request(app, **headers)
    raw = [(k.lower().encode(), v.encode()) for k, v in all_headers.items()]
    return app.answer_directly("POST", path, b"", raw, body)


def _finish(handover: Handover) -> list[dict[str, Any]]:
    """Runs a handover as the server would (the ASGI way); the messages it sends."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("a handover does not read the body again")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(handover({"type": "http", "method": "POST", "path": "/", "headers": []}, receive, send))
    return sent


def test_the_pipeline_answers_at_once_when_nothing_waits() -> None:
    app = _app()
    path, headers, body = _request(app)
    request = Request("POST", path.removeprefix("/pulse"), b"", {k.lower(): v for k, v in headers.items()}, body)
    answer = _pulse(app).answer(request)
    assert type(answer) is Answer and (answer.status, answer.extra, answer.fault) == (201, (), None)
    assert orjson.loads(answer.payload)["email"] == variant("pulse", 0)["email"]
    (entry,) = app.runtime.journal.entries()  # journalled by the pipeline: a transport only sends
    assert (entry.operation, entry.status, entry.response) == ("create_user", 201, orjson.loads(answer.payload))


def test_a_handler_that_awaits_is_awaited_in_its_session_on_both_paths() -> None:
    async def handler(call: Call) -> Reply:  # as a handler over an asynchronous store would be
        await asyncio.sleep(0)
        return Reply(201, {"session": SESSION.get(), "email": orjson.loads(call.body)["email"]})

    direct, plain = _app(), _app()
    _patch_create(direct, handler)
    _patch_create(plain, handler)
    handover = _direct(direct, **{"X-Mock-Session": "s9"})
    assert isinstance(handover, Handover)  # not answered in place: it must wait
    start, body = _finish(handover)
    expected = {"session": "s9", "email": variant("pulse", 0)["email"]}
    assert (start["status"], orjson.loads(body["body"])) == (201, expected)
    path, headers, raw = _request(plain, **{"X-Mock-Session": "s9"})
    with TestClient(plain) as client:
        answer = client.post(path, content=raw, headers=headers)
    assert (answer.status_code, answer.json()) == (201, expected)
    assert SESSION.get() == ""  # set for the handler only
    assert [e.session for e in direct.runtime.journal.entries()] == ["s9"]


def test_a_scenario_delay_comes_before_the_handler_and_is_decided_once() -> None:
    calls: list[str] = []
    app = _app()
    real = next(r for m in _pulse(app).router.static.values() for r in m.values() if r.operation == "create_user").handler

    def counting(call: Call) -> Reply | Any:
        calls.append(call.path)
        return real(call)

    _patch_create(app, counting)
    app.runtime.scenarios.define("name: slow\nrules:\n  - match: {vendor: pulse, times: 1}\n    delay: 1\n")
    app.runtime.scenarios.activate("slow")
    handover = _direct(app)
    assert isinstance(handover, Handover) and calls == []  # the handler runs after the delay, as a slow vendor's would
    start, _body = _finish(handover)
    assert start["status"] == 201 and calls == ["/users"]
    assert [e.scenario for e in app.runtime.journal.entries()] == ["slow#0"]


def test_the_first_path_segment_picks_the_app_for_asgi_and_direct_requests_alike() -> None:
    app = _app()
    pulse = _pulse(app)
    for path, expected in (("/__admin/health", app.admin), ("/__admin", app.admin), ("/pulse/users", pulse), ("/pulse", pulse)):
        assert app._target(path) is expected, path
    assert app._target("/nowhere/users") == app._not_found and app._target("/") == app._not_found
    # The direct path hands the admin API and the 404 back to be run the ASGI way, the vendor answers in place.
    assert app.answer_directly("GET", "/__admin/health", b"", [], b"") is app.admin
    assert app.answer_directly("GET", "/nowhere", b"", [], b"") == app._not_found
    # --vendor: the vendor at the root, the admin API still at /__admin.
    root = build_app(Config(vendor="pulse"))
    assert root._target("/__admin/health") is root.admin
    assert isinstance(root._target("/users"), VendorApp) and root._target("/users") is root._target("/pulse")


def _asgi_create(app: MockServer, content_length: bytes | None, messages: list[dict[str, Any]]) -> tuple[int, Any, int]:
    """POST /pulse/users the ASGI way (as stock uvicorn calls it): status, decoded body, receive() calls made."""
    credentials = app.runtime.describe("http://x")["pulse"]["headers"]
    headers = [(k.lower().encode(), v.encode()) for k, v in credentials.items()]
    if content_length is not None:
        headers.append((b"content-length", content_length))
    scope = {"type": "http", "method": "POST", "path": "/pulse/users", "query_string": b"", "headers": headers}
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # MockServer's ASGI entry serves the vendor's request itself (Dispatch)
    if not sent:
        return 0, None, len(messages) - len(pending)
    return sent[0]["status"], orjson.loads(sent[1]["body"]), len(messages) - len(pending)


def test_the_asgi_adapter_reads_the_body_the_usual_way_and_every_other_way() -> None:
    body = orjson.dumps(variant("pulse", 1))
    one = [{"type": "http.request", "body": body, "more_body": False}]
    assert _asgi_create(_app(), str(len(body)).encode(), one)[::2] == (201, 1)
    # A declared length of as many digits as the limit: checked in full, then read.
    assert _asgi_create(_app(), str(len(body)).zfill(12).encode(), one)[::2] == (201, 1)
    # No declared length, the body in two messages.
    halves = [{"type": "http.request", "body": body[:5], "more_body": True}, {"type": "http.request", "body": body[5:]}]
    assert _asgi_create(_app(), None, halves)[::2] == (201, 2)
    # Over the limit by its declared length: refused unread; by what arrives: refused once over it.
    status, answer, reads = _asgi_create(_app(), b"99999999", one)
    assert (status, answer["error"], reads) == (413, "Payload Too Large", 0)
    big = [{"type": "http.request", "body": b"x" * (1 << 20) + b"x", "more_body": False}]
    assert _asgi_create(_app(), None, big)[::2] == (413, 1)
    # The client left before its body: nothing answered.
    assert _asgi_create(_app(), str(len(body)).encode(), [{"type": "http.disconnect"}]) == (0, None, 1)


def test_a_vendor_request_the_asgi_way_runs_in_the_apps_own_coroutine(monkeypatch: pytest.MonkeyPatch) -> None:
    # Dispatch.__call__ serves it: no coroutine of the VendorApp's between the server's call and the pipeline.
    app = build_app()
    callers: list[tuple[str, object]] = []
    real = VendorApp.answer

    def spy(self: VendorApp, request: Any) -> Any:
        caller = sys._getframe(1)
        callers.append((caller.f_code.co_name, caller.f_locals.get("self")))
        return real(self, request)

    monkeypatch.setattr(VendorApp, "answer", spy)
    body = orjson.dumps(variant("pulse", 1))
    assert _asgi_create(app, str(len(body)).encode(), [{"type": "http.request", "body": body}])[0] == 201
    assert callers == [("__call__", app)]
