"""The pipeline's ASGI adapter: ``Dispatch``, the ASGI entry of ``mockserver.app.MockServer``.

A vendor's HTTP request is served in the coroutine the server calls, the body read from
``receive`` and the answer sent with ``send`` (or the server's respond extension, or acted out
as a scenario's fault: ``VendorApp.deliver``); everything between is ``VendorApp.answer``, as
for every transport (core.serving).
"""

from __future__ import annotations

import time

from .exchange import Answer, Request
from .framing import header_texts
from .serving import ASGIApp, Disconnected, Receive, Scope, Send, VendorApp


class Dispatch:
    """The ASGI entry of an app whose requests go to its ``VendorApp``s and other ASGI apps (``app.MockServer``).

    A vendor's HTTP request is served here, by the pipeline's ASGI adapter, rather than in a
    coroutine of the VendorApp's own that this one would await: on stock uvicorn that is one
    coroutine a request less (~1 us, ~2% of a create there).  A subclass says where a path goes
    (``_target``) and serves every other kind of scope (``_other``: lifespan, WebSocket).
    """

    def _target(self, path: str) -> VendorApp | ASGIApp:
        raise NotImplementedError

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._other(scope, receive, send)
            return
        app = self._target(scope["path"])
        if not isinstance(app, VendorApp):
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        # ASGI servers already lower-case header names: case-insensitive matching for free.
        headers = header_texts(scope["headers"])
        # The usual request, read here: a declared length too short to be over the limit (fewer
        # digits than max_body has: no int() of it) and the whole body in its first message.
        message = None
        if len(headers.get("content-length", "")) < app.limit_digits:
            message = await receive()
        if message is not None and message["type"] == "http.request" and not message.get("more_body", False):
            body: bytes = message.get("body", b"")
            too_large = None if len(body) <= app.max_body else app.refused(headers, len(body))
            if too_large is not None:
                body = b""
        else:
            try:
                body, too_large = await app.read_body(headers, receive, message)
            except Disconnected:
                return
        request = Request(scope["method"], scope["path"][len(app.prefix):] or "/", scope.get("query_string", b""),
                          headers, body, headers.get("x-mock-session", ""), too_large, started)
        answer = app.answer(request)
        if type(answer) is not Answer:
            answer = await answer  # type: ignore[misc]
        if answer.fault is None and "extensions" not in scope:
            # Stock uvicorn's usual case (no extension to use, no fault), sent here: deliver()'s
            # last two lines, without its extra coroutine on every request.
            payload = answer.payload
            await send({"type": "http.response.start", "status": answer.status, "headers": app.framing.headers(len(payload), answer.extra)})
            await send({"type": "http.response.body", "body": payload})
        else:
            await app.deliver(scope, send, answer)
