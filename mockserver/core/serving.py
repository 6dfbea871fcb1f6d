"""The request path of one vendor, as a raw ASGI app.

Starlette's Request/Response objects and router cost more than the rest of a
create-user call put together, so the hot path is hand-written: read the body
(bounded), find the route in a dict, let an active scenario answer or run the
handler, encode with orjson, journal the exchange.  Every failure on the way,
including a bug, is rendered by the vendor.  A server that knows
``DIRECT_METHOD`` hands plain requests (no scenario, no test session) to it
whole, and they skip ASGI; both ways share rendering, encoding and journalling.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

import orjson

from .errors import BodyTooLarge, MethodNotAllowed, Problem, RouteNotFound, VendorError
from .faults import send_with_fault
from .journal import Journal
from .scenarios import Outcome, ScenarioEngine, ScenarioError
from .vendor import SESSION, Call, Reply, Route, Vendor

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = logging.getLogger("mockserver")
requests_log = logging.getLogger("mockserver.requests")

# A server may offer, under this key of scope["extensions"], a callable
# ``respond(status, head, body) -> bool`` that writes a whole response (``head``
# is its header lines, each ending in CRLF) at once, or returns False when it
# cannot and the app must use ``send``.  mockserver.wire offers it under uvicorn.
RESPOND_EXTENSION = "mockserver.respond"

# Besides ASGI, the app answers ``answer_directly(method, path, query_string,
# headers, body)`` (headers as ASGI's list of lower-cased byte pairs) with
# ``(status, head, body)`` for a complete request it can serve at once, or None
# when the request needs ASGI (a scenario, a test session, an unknown route...).
# mockserver.wire calls it for plain requests, sparing each one the ASGI cycle.
DIRECT_METHOD = "answer_directly"

_UNSAFE_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what uvicorn refuses in a header line

_TEMPLATE_PARAM = re.compile(r"\\\{(\w+)\\\}")
_CONTROL_HEADERS = frozenset(("x-mock-scenario", "x-mock-error"))  # a scenario named by the request
_ASGI_ONLY_HEADERS = _CONTROL_HEADERS | {"x-mock-session"}  # a scenario or a test session: never answered directly

# Characters of an unknown path compared with the routes for the near-miss hint (~4x the longest route).
NEAR_MISS_SPAN = 128


def compile_template(path: str, ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile("^" + _TEMPLATE_PARAM.sub(r"(?P<\1>[^/]+)", re.escape(path)) + "$", re.IGNORECASE if ignore_case else 0)


class Disconnected(Exception):
    pass


class Services(Protocol):
    """What the request path needs from the server runtime."""

    journal: Journal
    scenarios: ScenarioEngine

    def ensure_session(self, vendor: str, session: str) -> None: ...

    def clock_timestamp(self) -> float: ...


class Router:
    """Static paths in a dict, templated ones as compiled patterns (few per vendor).

    ``ignore_case`` and ``trailing_slash`` follow the vendor's own router
    (``Vendor.paths_ignore_case`` / ``paths_allow_trailing_slash``): ASP.NET, say,
    matches ``/api/user/`` to ``/api/User``.  An exact path costs the same either way.
    """

    def __init__(self, routes: list[Route], ignore_case: bool = False, trailing_slash: bool = False) -> None:
        self.static: dict[str, dict[str, Route]] = {}
        self.dynamic: list[tuple[re.Pattern[str], dict[str, Route]]] = []
        self.ignore_case = ignore_case
        self.trailing_slash = trailing_slash
        by_template: dict[str, dict[str, Route]] = {}
        for route in routes:
            by_template.setdefault(route.path, {})[route.method] = route
        for template, methods in by_template.items():
            if "{" in template:
                self.dynamic.append((compile_template(template, ignore_case), methods))
            else:
                self.static[template] = methods
        # Static paths by their lower-case form, for a vendor whose router ignores case.
        self.folded = {template.lower(): methods for template, methods in self.static.items()} if ignore_case else {}
        self.routes = routes

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        methods = self.static.get(path)
        params: dict[str, str] = {}
        if methods is None and (self.ignore_case or self.trailing_slash):
            if self.trailing_slash and len(path) > 1 and path.endswith("/"):
                path = path[:-1]
            methods = self.folded.get(path.lower()) if self.ignore_case else self.static.get(path)
        if methods is None:
            for pattern, candidates in self.dynamic:
                found = pattern.match(path)
                if found:
                    methods = candidates
                    params = found.groupdict()  # ASGI paths arrive percent-decoded already
                    break
        if methods is None:
            raise RouteNotFound(f"{method} {path}")
        route = methods.get(method)
        if route is None:
            raise MethodNotAllowed(f"{method} {path}", tuple(methods))
        return route, params

    def near_miss(self, method: str, path: str) -> str:
        """The route a request that matched none probably meant."""
        # Only a bounded prefix is compared: difflib's cost grows with the path's length (a 65 KB
        # path took ~1 s, blocking the whole server), and a hint is for a typo in a route-sized
        # path (every route is a few dozen characters), which the prefix holds whole.
        wanted = f"{method} {path[:NEAR_MISS_SPAN]}".lower()
        return max(
            (f"{r.method} {r.path}" for r in self.routes),
            key=lambda cand: (difflib.SequenceMatcher(None, wanted, cand.lower()).ratio(), cand.startswith(method)),
        )


class VendorApp:
    """ASGI app serving one vendor below its mount prefix."""

    def __init__(self, vendor: Vendor, prefix: str, max_body: int, services: Services) -> None:
        self.vendor = vendor
        self.name = vendor.name
        self.prefix = prefix
        self.max_body = max_body
        self.services = services
        self.router = Router(vendor.routes(), vendor.paths_ignore_case, vendor.paths_allow_trailing_slash)
        self._content_type = (b"content-type", vendor.content_type)
        self._head = b"content-type: " + vendor.content_type + b"\r\ncontent-length: "

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        # ASGI servers already lower-case header names: case-insensitive matching for free.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        session = headers.get("x-mock-session", "")
        if not session and not SESSION.get():  # the usual case: nothing to set
            await self._serve(scope, receive, send, headers, session, started)
            return
        # Reset afterwards: an in-process transport runs us in the caller's task.
        token = SESSION.set(session)
        try:
            await self._serve(scope, receive, send, headers, session, started)
        finally:
            SESSION.reset(token)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], session: str, started: float) -> None:
        if session:
            self.services.ensure_session(self.name, session)
        raw_query: bytes = scope.get("query_string", b"")
        query = _parse_query(raw_query)
        method: str = scope["method"]
        path: str = scope["path"][len(self.prefix):] or "/"
        operation, near_miss, outcome, body = "unknown", None, None, b""
        try:
            try:
                route, params = self.router.match(method, path)
            except Problem as problem:
                problem.query = raw_query.decode("latin-1")
                near_miss = self.router.near_miss(method, path)
                await self._read_body(headers, receive, ignore_limit=True)  # keep the connection usable
                raise
            operation = route.operation
            body = await self._read_body(headers, receive)
            call = Call(method, path, headers, query, body, params)
            scenarios = self.services.scenarios
            if scenarios.has_active(self.name) or not _CONTROL_HEADERS.isdisjoint(headers):
                outcome = self._scenario(scenarios, route, call, session, headers)
            if outcome is not None and outcome.delay:
                await asyncio.sleep(outcome.delay)
            if session:  # again after the last await: a session freed meanwhile (cap, reset) is seeded afresh
                self.services.ensure_session(self.name, session)
            reply = outcome.reply if outcome is not None and outcome.reply is not None else route.handler(call)
        except Disconnected:
            return
        except Exception as exc:
            reply = self._rendered(exc, method, path)
        if near_miss is not None:
            reply = Reply(reply.status, reply.body, (*reply.headers, ("x-mock-near-miss", near_miss)))
        reply, payload = self._encoded(reply, method, path)
        status = reply.status
        # The usual reply (no extra headers, no scenario) in one call when the server offers it:
        # our own two header lines need none of the checks ASGI's send makes of any header.
        if reply.headers or outcome is not None or not self._respond(scope, status, payload):
            response_headers = [self._content_type, (b"content-length", str(len(payload)).encode())]
            for name, value in reply.headers:
                response_headers.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
            if outcome is not None and outcome.fault:
                await send_with_fault(scope, send, outcome.fault, outcome.fault_params, status, response_headers, payload)
            else:
                await send({"type": "http.response.start", "status": status, "headers": response_headers})
                await send({"type": "http.response.body", "body": payload})
        # Everything below runs after the client has its answer.
        self._journal(started, operation, method, path, query, headers, body, status, payload,
                      outcome.label if outcome is not None else None, session, near_miss)

    def answer_directly(
        self, method: str, path: str, raw_query: bytes, raw_headers: list[tuple[bytes, bytes]], body: bytes,
    ) -> tuple[int, bytes, bytes] | None:
        """``DIRECT_METHOD``: a plain request answered at once; None sends it through ``__call__``.

        Plain means what ``_serve`` would answer without awaiting anything and without
        the parts that need ASGI: a known route, no test session, no scenario, a body
        within the limit.  The answer is the same bytes ``_serve`` would send.
        """
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw_headers}
        if (not _ASGI_ONLY_HEADERS.isdisjoint(headers) or len(body) > self.max_body or SESSION.get()
                or self.services.scenarios.has_active(self.name)):
            return None
        path = path[len(self.prefix):] or "/"
        try:
            route, params = self.router.match(method, path)
        except Problem:
            return None  # the ASGI way names the near miss
        query = _parse_query(raw_query)
        try:
            reply = route.handler(Call(method, path, headers, query, body, params))
        except Exception as exc:
            reply = self._rendered(exc, method, path)
        reply, payload = self._encoded(reply, method, path)
        status = reply.status
        head = self._head + str(len(payload)).encode() + b"\r\n"
        if reply.headers:
            head += _header_lines(reply.headers)
        self._journal(started, route.operation, method, path, query, headers, body, status, payload, None, "", None)
        return status, head, payload

    def _rendered(self, exc: Exception, method: str, path: str) -> Reply:
        """Any failure while serving, as the vendor answers it (``Vendor.answer_failure``)."""
        if not isinstance(exc, (VendorError, Problem)):  # a bug of ours: logged, answered as the vendor's internal error
            log.error("internal error in %s %s %s", self.name, method, path, exc_info=exc)
        return self.vendor.answer_failure(exc)

    def _encoded(self, reply: Reply, method: str, path: str) -> tuple[Reply, bytes]:
        try:
            return reply, b"" if reply.body is None else orjson.dumps(reply.body)
        except TypeError as exc:  # a handler's bug: a body JSON cannot hold
            reply = self._rendered(exc, method, path)
            return reply, orjson.dumps(reply.body)

    def _journal(
        self, started: float, operation: str, method: str, path: str, query: dict[str, str], headers: dict[str, str],
        body: bytes, status: int, payload: bytes, label: str | None, session: str, near_miss: str | None,
    ) -> None:
        latency = (time.perf_counter() - started) * 1000
        self.services.journal.record(
            self.services.clock_timestamp(), self.name, operation, method, path, query, headers, body, status, payload,
            label, latency, session, near_miss,
        )
        if requests_log.isEnabledFor(logging.INFO):
            requests_log.info("%-9s %-14s %s %6.1fms%s", self.name, operation, status, latency, f"  scenario={label}" if label else "")

    def _respond(self, scope: Scope, status: int, payload: bytes) -> bool:
        """The whole response through the server's respond extension, if it offers one."""
        extensions = scope.get("extensions")
        respond = extensions.get(RESPOND_EXTENSION) if extensions else None
        return respond is not None and bool(respond(status, self._head + str(len(payload)).encode() + b"\r\n", payload))

    def _scenario(self, scenarios: ScenarioEngine, route: Route, call: Call, session: str, headers: dict[str, str]) -> Outcome | None:
        forced = headers.get("x-mock-error")
        if forced:
            # An entry the vendor reserves for another operation (its own envelope, say) is
            # refused where this route never answers it; any other entry can be forced anywhere.
            owner = self.vendor.error_operations.get(forced)
            if owner is not None and owner != route.operation and forced not in (route.errors or ()):
                raise ScenarioError(f"error {forced!r} in X-Mock-Error is {owner}'s own: this {self.name} route never answers it")
            return scenarios.forced_error(self.name, forced, session)
        return scenarios.decide(self.name, route.operation, call, session, headers.get("x-mock-scenario"))

    async def _read_body(self, headers: dict[str, str], receive: Receive, ignore_limit: bool = False) -> bytes:
        limit = self.max_body
        if not ignore_limit and _declared_length(headers) > limit:
            raise BodyTooLarge(f"{headers['content-length']} bytes > {limit}")
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected()
        body: bytes = message.get("body", b"")
        if not message.get("more_body", False):  # the usual case: the whole body in one message
            if len(body) > limit and not ignore_limit:
                raise BodyTooLarge(f"more than {limit} bytes")
            return body
        chunks = [body]
        size = len(body)
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
        return b"".join(chunks)


def _parse_query(raw_query: bytes) -> dict[str, str]:
    return dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)) if raw_query else {}


def _header_lines(headers: Iterable[tuple[str, Any]]) -> bytes:
    """A reply's extra headers as lines; a value that could split the head is left out."""
    lines = []
    for name, value in headers:
        line = f"{name.lower()}: {value}"
        if _UNSAFE_HEADER.search(line):
            log.error("dropped a reply header that would break the response head: %r", line)
            continue
        lines.append(line.encode("latin-1") + b"\r\n")
    return b"".join(lines)


def _declared_length(headers: dict[str, str]) -> int:
    try:
        return int(headers.get("content-length", 0))
    except ValueError:
        return 0
