"""The request path of one vendor, as a raw ASGI app.

Starlette's Request/Response objects and router cost more than the rest of a
create-user call put together, so the hot path is hand-written: read the body
(bounded), find the route in a dict, run the handler, encode with orjson.
Every failure on the way, including a bug, is rendered by the vendor.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable, MutableMapping
from urllib.parse import parse_qsl, unquote

import orjson

from .errors import (
    BodyTooLarge,
    InternalFault,
    MethodNotAllowed,
    Problem,
    RouteNotFound,
    VendorError,
    problem_to_error,
)
from .vendor import Call, Reply, Route, Vendor

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = logging.getLogger("mockserver")

_TEMPLATE_PARAM = re.compile(r"\\\{(\w+)\\\}")


def compile_template(path: str) -> re.Pattern[str]:
    return re.compile("^" + _TEMPLATE_PARAM.sub(r"(?P<\1>[^/]+)", re.escape(path)) + "$")


class Disconnected(Exception):
    pass


class Router:
    """Static paths in a dict, templated ones as compiled patterns (few per vendor)."""

    def __init__(self, routes: list[Route]) -> None:
        self.static: dict[str, dict[str, Route]] = {}
        self.dynamic: list[tuple[re.Pattern[str], dict[str, Route]]] = []
        by_template: dict[str, dict[str, Route]] = {}
        for route in routes:
            by_template.setdefault(route.path, {})[route.method] = route
        for template, methods in by_template.items():
            if "{" in template:
                self.dynamic.append((compile_template(template), methods))
            else:
                self.static[template] = methods
        self.routes = routes

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        methods = self.static.get(path)
        params: dict[str, str] = {}
        if methods is None:
            for pattern, candidates in self.dynamic:
                found = pattern.match(path)
                if found:
                    methods = candidates
                    params = {k: unquote(v) for k, v in found.groupdict().items()}
                    break
        if methods is None:
            raise RouteNotFound(f"{method} {path}")
        route = methods.get(method)
        if route is None:
            raise MethodNotAllowed(f"{method} {path}", tuple(methods))
        return route, params


class VendorApp:
    """ASGI app serving one vendor below its mount prefix."""

    def __init__(self, vendor: Vendor, prefix: str, max_body: int) -> None:
        self.vendor = vendor
        self.prefix = prefix
        self.max_body = max_body
        self.router = Router(vendor.routes())
        self._content_type = (b"content-type", vendor.content_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            reply = await self.handle(scope, receive)
        except Disconnected:
            return
        await self.send_reply(send, reply)

    async def handle(self, scope: Scope, receive: Receive) -> Reply:
        vendor = self.vendor
        method: str = scope["method"]
        path: str = scope["path"][len(self.prefix):] or "/"
        try:
            try:
                route, params = self.router.match(method, path)
            except Problem:
                # Drain the body so a keep-alive connection stays usable.
                await self._read_body(scope, receive, ignore_limit=True)
                raise
            body = await self._read_body(scope, receive)
            call = Call(method, path, _headers(scope), _query(scope), body, params, _client(scope))
            return route.handler(call)
        except VendorError as err:
            return vendor.render(err)
        except Problem as problem:
            return vendor.render(problem_to_error(problem, vendor.problems))
        except Disconnected:
            raise
        except Exception:  # a bug of ours: still the vendor's envelope, never a traceback
            log.exception("internal error in %s %s %s", vendor.name, method, path)
            return vendor.render(problem_to_error(InternalFault("internal error"), vendor.problems))

    async def _read_body(self, scope: Scope, receive: Receive, ignore_limit: bool = False) -> bytes:
        limit = self.max_body
        declared = _declared_length(scope)
        if declared > limit and not ignore_limit:
            raise BodyTooLarge(f"{declared} bytes > {limit}")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                if not ignore_limit:
                    raise BodyTooLarge(f"more than {limit} bytes")
            else:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def send_reply(self, send: Send, reply: Reply) -> None:
        payload = b"" if reply.body is None else orjson.dumps(reply.body)
        headers = [self._content_type, (b"content-length", str(len(payload)).encode())]
        for name, value in reply.headers:
            headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _headers(scope: Scope) -> dict[str, str]:
    # ASGI servers already lower-case header names: case-insensitive matching for free.
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def _query(scope: Scope) -> dict[str, str]:
    raw = scope.get("query_string", b"")
    return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True)) if raw else {}


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
