"""One vendor's request pipeline, and the two ways a transport reaches it.

One request's path (every transport, every vendor):

0. ``mockserver.app.MockServer`` picks the app by the request's first path segment, once
   (``_target``): the admin API, a vendor's ``VendorApp`` (this module), or the JSON 404.
1. A transport builds a ``Request``: method, path below the vendor's mount, raw query,
   headers (lower-cased names), the whole body (refused when over ``max_body``: then
   ``too_large`` says why) and the test session (``X-Mock-Session``).  Two adapters do:
   ``core.asgi.Dispatch``, the ASGI entry ``MockServer`` inherits (stock uvicorn, the in-process
   transport, and what the fast transport does not hold), reads the body from ``receive``;
   ``VendorApp.answer_directly`` (``DIRECT_METHOD``) takes a request the fast transport
   (``mockserver.wire``) has already read whole, with no ASGI cycle at all.
2. ``VendorApp.answer(request)`` is the pipeline, the same code for every transport: the
   test session (``SESSION``, its fixtures), the route (matched once; a miss is the
   vendor's 404/405 with the near-miss hint), the body limit, the scenarios (``X-Mock-Error``,
   ``X-Mock-Scenario``, active rules), the route's handler (auth, validation, store: the
   vendor's code) or the scenario's reply, any failure rendered by the vendor (a bug too:
   its 500 envelope, never a traceback), the body encoded with orjson, the exchange
   journalled (and logged).  It gives an ``Answer``: status, payload, checked extra
   headers, and the scenario's fault to act out, if any.
3. The transport frames it (``core.framing``, the one place for status line and headers)
   and sends it: the direct path writes it in place; the ASGI path through the server's
   respond extension or ``send``, and a fault through ``core.faults``.

The contract of ``answer``: it returns an ``Answer`` at once whenever nothing has to be
waited for (the usual case), and an awaitable of one otherwise: a scenario's delay (the
handler runs after it, as the client would see a slow vendor), or a handler that returns
an awaitable instead of a ``Reply`` (a store that answers asynchronously: the in-memory
store never does).  Whoever gets an awaitable awaits it in a task; the direct path hands
it (and an answer with a fault) to the ASGI path as a ``Handover``, an ASGI app holding the
work done so far, which the server runs in place of the whole app: nothing is matched,
read or decided twice.  An answer is journalled by the time it is given: a transport
only frames and sends it.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

import orjson

from .clock import Clock
from .commits import AfterCommit, Batch, Commits, Suspended
from .errors import BodyTooLarge, InternalFault, MethodNotAllowed, Problem, RouteNotFound, VendorError
from .exchange import Answer as Answer
from .exchange import Pending as Pending
from .exchange import Request as Request
from .faults import send_with_fault
from .framing import Framing, checked_headers, header_texts
from .journal import Journal
from .lint import LintWarning, Strictness, header_value, linter_for, strict_problem
from .scenarios import Outcome, ScenarioEngine, ScenarioError
from .validation import VOUCHED
from .vendor import SESSION, Call, Reply, Route, Vendor

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("mockserver")
requests_log = logging.getLogger("mockserver.requests")

# A server may offer, under this key of scope["extensions"], a callable
# ``respond(head, body) -> bool`` that writes a whole response at once (``head``: the status
# line and header lines, each ending in CRLF, as ``Framing.head`` builds them), or returns
# False when it cannot and the app must use ``send``.  mockserver.wire offers it under uvicorn.
RESPOND_EXTENSION = "mockserver.respond"

# Besides ASGI, the app answers ``answer_directly(method, path, query_string, headers, body)``
# (headers as ASGI's list of lower-cased byte pairs, the body whole) with either
# ``(head, payload)``, a complete response to write as ``head + b"\r\n" + payload`` (the
# server may add ``connection: close`` before the blank line), or an ASGI app (a
# ``Handover``, the admin API, the 404 app) that the server runs for this request in place of
# the whole app, as if the request had just arrived; None means the whole app; or, on a store that
# commits the requests of one turn of the loop together, an ``AfterCommit`` to write as its
# ``settled()`` says, once that commit is done (core.commits).
# mockserver.wire calls it for plain requests, sparing most of them the ASGI cycle.
DIRECT_METHOD = "answer_directly"

_TEMPLATE_PARAM = re.compile(r"\\\{(\w+)\\\}")
_CONTROL_HEADERS = frozenset(("x-mock-scenario", "x-mock-error"))  # a scenario named by the request

# Characters of an unknown path compared with the routes for the near-miss hint (~4x the longest route).
NEAR_MISS_SPAN = 128


def compile_template(path: str, ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile("^" + _TEMPLATE_PARAM.sub(r"(?P<\1>[^/]+)", re.escape(path)) + "$", re.IGNORECASE if ignore_case else 0)


class Disconnected(Exception):
    """The client left before its request's body arrived: nothing to answer or journal."""


class Services(Protocol):
    """What the request path needs from the server runtime."""

    journal: Journal
    scenarios: ScenarioEngine
    clock: Clock  # the server's (one object for its whole life: admin calls set it in place)
    strictness: Strictness  # whether the contract lint's warnings are refused (--strict, per session)

    def ensure_session(self, vendor: str, session: str) -> None: ...

    # A transactional or shared store (core.store): each request's writes committed before its answer is
    # sent, and other workers' changes loaded before it starts.
    request_hooks: bool
    commits: Commits  # core.commits: a transactional or pipelining store's direct answers commit per turn of the loop

    def begin_request(self) -> None: ...
    def defer_request(self) -> Batch | None: ...
    def end_request(self) -> None: ...
    def abort_request(self, error: BaseException | None = None) -> None: ...


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
    """One vendor below its mount prefix: the pipeline (``answer``) and its direct adapter (``answer_directly``);
    its ASGI adapter is ``core.asgi.Dispatch``."""

    def __init__(self, vendor: Vendor, prefix: str, max_body: int, services: Services) -> None:
        self.vendor = vendor
        self.name = vendor.name
        self.prefix = prefix
        self.max_body = max_body
        self.services = services
        self.router = Router(vendor.routes(), vendor.paths_ignore_case, vendor.paths_allow_trailing_slash)
        self.framing = Framing(vendor.content_type)
        self._timestamp = services.clock.timestamp  # the journal's clock, looked up once
        # The contract lint of each route that declares a body (core.lint), by the route's identity.
        fold = vendor.body_keys_ignore_case
        self.lints = {id(r): lint for r in self.router.routes if (lint := linter_for(r.request, fold)) is not None}
        # A declared Content-Length with fewer digits than this cannot be over max_body.
        self.limit_digits = len(str(max_body))
        if services.request_hooks:  # decided once: the memory store's requests pay nothing for it
            self.answer = self._committed  # type: ignore[method-assign]
            if services.commits.per_turn:  # direct answers commit once per turn of the loop
                self.answer_directly = self._answered_in_turn  # type: ignore[method-assign]

    def _committed(self, request: Request) -> Answer | Pending:
        """``answer`` in the store's transaction, committed before the answer leaves (never a 2xx for a lost write).

        What runs after a wait (a scenario's delay) writes outside it, each write committed
        as it is made (the store's autocommit) or with the transaction open then, before the
        answer is sent (``_then_committed``)."""
        services = self.services
        try:
            services.begin_request()
            answer = VendorApp.answer(self, request)
            services.end_request()
        except Exception as exc:  # the store failed (disk full, a lock held too long): the vendor's 500, nothing kept
            return self._store_failed(request, exc)
        return answer if isinstance(answer, Answer) else self._then_committed(request, answer)

    def _store_failed(self, request: Request, exc: Exception) -> Answer:
        self.services.abort_request(exc)
        log.error("store failed in %s %s %s", self.name, request.method, request.path, exc_info=exc)
        return self._answered(request, {}, "unknown", self.vendor.answer_failure(exc), None, None)

    async def _then_committed(self, request: Request, pending: Pending) -> Answer:
        """A continuation's answer (a scenario's delay), once what it wrote is committed: a transaction
        the requests of a turn share (core.commits) may have been open as it wrote."""
        answer = await pending
        try:
            self.services.end_request()
        except Exception as exc:
            return self._store_failed(request, exc)
        return answer

    def failed_directly(self, request: Request, error: BaseException) -> tuple[bytes, bytes]:
        """``core.commits.AfterCommit``: the direct answer to a request whose transaction failed to commit."""
        failure = error if isinstance(error, Exception) else RuntimeError(str(error))
        reply = self.vendor.answer_failure(failure)
        try:
            answer = self._answered(request, {}, "unknown", reply, None, None)
        except Exception:  # the journal's store failed too (Redis still away): the answer unjournalled, never lost
            answer = Answer(reply.status, orjson.dumps(reply.body), checked_headers(reply.headers) if reply.headers else ())
        head = self.framing.head(answer.status, len(answer.payload), answer.extra)
        if head is None:  # a vendor's failure answer is always framed here; never a 2xx if not
            raise failure
        return head, answer.payload

    def resumed(self, request: Request, task: Suspended) -> tuple[bytes, bytes]:
        """``core.commits.AfterCommit``: the direct answer of a request that waited for the store in its turn."""
        try:
            answer = task.finished()
        except Exception as exc:  # the store failed outside the handler (which answers its own failures)
            if not isinstance(exc, InternalFault):  # a lost connection is logged once, where it was lost
                log.error("store failed in %s %s %s", self.name, request.method, request.path, exc_info=exc)
            return self.failed_directly(request, exc)
        written = self._written(answer)
        if written is None:  # never for a plain request: a status no HTTP head can carry (a vendor's bug)
            log.error("internal error in %s %s %s: an answer the fast transport cannot write", self.name, request.method, request.path)
            return self.failed_directly(request, RuntimeError("an answer the fast transport cannot write"))
        return written

    # ------------------------------------------------------------------ the pipeline
    def answer(self, request: Request) -> Answer | Pending:
        """The answer to ``request``, at once, or an awaitable of it when it must wait (see the module)."""
        session, method, path = request.session, request.method, request.path
        # The test session's namespace for everything below; reset afterwards: an in-process transport
        # runs us in the caller's task, the direct path in the event loop's own context.
        token = SESSION.set(session) if session != SESSION.get() else None  # usually neither is set: nothing to do
        try:
            if session:
                self.services.ensure_session(self.name, session)
            raw_query = request.raw_query
            query = _parse_query(raw_query) if raw_query else {}
            operation, near_miss, outcome, lint = "unknown", None, None, None
            try:
                try:
                    route, params = self.router.match(method, path)
                except Problem as problem:
                    problem.query = raw_query.decode("latin-1")
                    near_miss = self.router.near_miss(method, path)
                    request.body = b""  # no route wanted it: the journal keeps none, as for a refused body
                    raise
                operation = route.operation
                if request.too_large is not None:
                    raise BodyTooLarge(request.too_large)
                lint = self.lints.get(id(route)) if request.body else None
                if lint is not None:
                    strictness = self.services.strictness
                    if strictness.active and strictness.of(session):  # refused before the handler acts on it
                        lint = None
                        if found := lint_body(request, route, self):
                            raise strict_problem(found)
                    else:
                        VOUCHED.check = None  # a fast validator that takes the body whole proves it clean (core.lint)
                call = Call(method, path, request.headers, query, request.body, params)
                scenarios = self.services.scenarios
                if scenarios.has_active(self.name) or not _CONTROL_HEADERS.isdisjoint(request.headers):
                    outcome = self._scenario(scenarios, route, call, session, request.headers)
                    if outcome is not None and outcome.delay:
                        if lint is not None:
                            lint_body(request, route, self)
                        return self._later(request, query, operation, outcome, route, call, None)
                if outcome is not None and outcome.reply is not None:
                    reply = outcome.reply
                else:
                    handled = route.handler(call)
                    if not isinstance(handled, Reply):  # a handler that must wait (an asynchronous store)
                        if lint is not None:
                            lint_body(request, route, self)
                        return self._later(request, query, operation, outcome, route, call, handled)
                    reply = handled
            except Exception as exc:
                reply = self._rendered(exc, method, path)
            if lint is not None and VOUCHED.check not in lint.vouchers:  # failures too: a did-you-mean explains many
                lint_body(request, route, self)
            return self._answered(request, query, operation, reply, outcome, near_miss)
        finally:
            if token is not None:
                SESSION.reset(token)

    async def _later(
        self, request: Request, query: dict[str, str], operation: str, outcome: Outcome | None, route: Route,
        call: Call, pending: Reply | Awaitable[Reply] | None,
    ) -> Answer:
        """The rest of ``answer`` once it has to wait: the scenario's delay then the handler, or the handler's awaitable."""
        session = request.session
        token = SESSION.set(session) if session != SESSION.get() else None  # in this task (the handler may await)
        try:
            try:
                if pending is None and outcome is not None:
                    await asyncio.sleep(outcome.delay)
                    if session:  # again after the wait: a session freed meanwhile (cap, reset) is seeded afresh
                        self.services.ensure_session(self.name, session)
                    pending = outcome.reply if outcome.reply is not None else route.handler(call)
                reply = pending if isinstance(pending, Reply) else await pending  # type: ignore[misc]
            except Exception as exc:
                reply = self._rendered(exc, request.method, request.path)
            return self._answered(request, query, operation, reply, outcome, None)
        finally:
            if token is not None:
                SESSION.reset(token)

    def _answered(
        self, request: Request, query: dict[str, str], operation: str, reply: Reply, outcome: Outcome | None,
        near_miss: str | None,
    ) -> Answer:
        """The reply encoded (orjson), its headers checked, the exchange journalled: the ``Answer``."""
        if near_miss is not None:
            reply = Reply(reply.status, reply.body, (*reply.headers, ("x-mock-near-miss", near_miss)))
        warned = request.warnings
        if warned:
            reply = Reply(reply.status, reply.body, (*reply.headers, ("x-mock-warnings", header_value(warned))))
        try:
            payload = b"" if reply.body is None else orjson.dumps(reply.body)
        except TypeError as exc:  # a handler's bug: a body JSON cannot hold
            reply = self._rendered(exc, request.method, request.path)
            payload = orjson.dumps(reply.body)
        status = reply.status
        label = None if outcome is None else outcome.label
        latency = (time.perf_counter() - request.started) * 1000
        texts = tuple(w.text() for w in warned) if warned else ()
        self.services.journal.record(
            self._timestamp(), self.name, operation, request.method, request.path, query, request.headers, request.body,
            status, payload, label, latency, request.session, near_miss, texts,
        )
        if requests_log.isEnabledFor(logging.INFO):
            # The fields again as a tuple for --log-format json (logjson.py), the lint's findings as texts.
            requests_log.info(
                "%-9s %-14s %s %6.1fms%s%s", self.name, operation, status, latency, f"  scenario={label}" if label else "",
                f"  warnings={header_value(warned)}" if warned else "",
                extra={"mock": (self.name, operation, status, latency, request.session, label, texts)},
            )
        extra = checked_headers(reply.headers) if reply.headers else ()
        if outcome is None or outcome.fault is None:
            return Answer(status, payload, extra)
        return Answer(status, payload, extra, outcome.fault, outcome.fault_params)

    def _rendered(self, exc: Exception, method: str, path: str) -> Reply:
        """Any failure while serving, as the vendor answers it (``Vendor.answer_failure``)."""
        if not isinstance(exc, (VendorError, Problem)):  # a bug of ours: logged, answered as the vendor's internal error
            log.error("internal error in %s %s %s", self.name, method, path, exc_info=exc)
        return self.vendor.answer_failure(exc)

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

    # ------------------------------------------------------------------ the direct adapter
    def answer_directly(
        self, method: str, path: str, raw_query: bytes, raw_headers: list[tuple[bytes, bytes]], body: bytes,
    ) -> tuple[bytes, bytes] | Handover | AfterCommit:
        """``DIRECT_METHOD``: the whole response to write now, or the ASGI app that finishes it.

        Every request is answered through the pipeline here; only what cannot be written at
        once (a scenario's delay or fault, an awaiting handler) goes on to ASGI, as a
        ``Handover`` holding the work done, so the route is matched once and nothing is redone.
        """
        answer = self.answer(self._direct_request(method, path, raw_query, raw_headers, body))
        if type(answer) is Answer and answer.fault is None:  # _framed() written out: nearly every request
            head = self.framing.head(answer.status, len(answer.payload), answer.extra)
            if head is not None:
                return head, answer.payload
        return Handover(self, answer)

    def _answered_in_turn(
        self, method: str, path: str, raw_query: bytes, raw_headers: list[tuple[bytes, bytes]], body: bytes,
    ) -> tuple[bytes, bytes] | Handover | AfterCommit:
        """``answer_directly`` on a transactional store: answered in the transaction of this turn of the
        loop, written once it is committed (``AfterCommit``; see core.commits)."""
        request = self._direct_request(method, path, raw_query, raw_headers, body)
        services = self.services
        try:
            batch = services.defer_request()
            if batch is None:  # no loop runs (a direct call): committed before it returns
                return self._framed(self._committed(request))
            start = batch.start
            if (start is not None and batch.open and not services.scenarios.has_active(self.name)
                    and _CONTROL_HEADERS.isdisjoint(request.headers)):
                # A pipelining store (Redis): the request runs in a greenlet of its own, suspended while it waits
                # for a reply, read with the other requests' of this turn at its end (core.redis_lane).  Only a
                # plain request (no scenario: no delay or fault) whose answer is then always written directly.
                task = start(VendorApp.answer, self, request)
                if not task.dead:
                    return AfterCommit(b"", b"", batch, self, request, task)
                answer = task.result
            else:
                answer = VendorApp.answer(self, request)
        except Exception as exc:
            return self._framed(self._store_failed(request, exc))
        written = self._written(answer)
        if written is not None:
            return AfterCommit(*written, batch, self, request)
        # Handed to ASGI (a fault, a delay): written without waiting for the turn's end, so committed now.
        try:
            services.end_request()
        except Exception as exc:
            return self._framed(self._store_failed(request, exc))
        return Handover(self, answer if isinstance(answer, Answer) else self._then_committed(request, answer))

    def _direct_request(
        self, method: str, path: str, raw_query: bytes, raw_headers: list[tuple[bytes, bytes]], body: bytes,
    ) -> Request:
        """The ``Request`` of what the fast transport parsed (raw header pairs, the whole body)."""
        started = time.perf_counter()
        headers = header_texts(raw_headers)
        # The server holds only bodies with a Content-Length (or none): their length is the declared one.
        too_large = self.refused(headers, len(body)) if len(body) > self.max_body else None
        return Request(method, path[len(self.prefix):] or "/", raw_query, headers, b"" if too_large else body,
                       headers.get("x-mock-session", ""), too_large, started)

    def _written(self, answer: Answer | Pending) -> tuple[bytes, bytes] | None:
        """The head and body of an answer the transport can write at once, else None (a fault
        to stage, a continuation to await, headers only ASGI frames)."""
        if type(answer) is Answer and answer.fault is None:
            head = self.framing.head(answer.status, len(answer.payload), answer.extra)
            if head is not None:
                return head, answer.payload
        return None

    def _framed(self, answer: Answer | Pending) -> tuple[bytes, bytes] | Handover:
        written = self._written(answer)
        return Handover(self, answer) if written is None else written

    # ------------------------------------------------------------------ for the ASGI adapter (core.asgi.Dispatch)
    async def deliver(self, scope: Scope, send: Send, answer: Answer) -> None:
        """Sends ``answer`` the ASGI way (the respond extension when offered), or acts out its fault."""
        payload = answer.payload
        if answer.fault is not None:
            headers = self.framing.headers(len(payload), answer.extra)
            await send_with_fault(scope, send, answer.fault, answer.fault_params or {}, answer.status, headers, payload)
            return
        extensions = scope.get("extensions")
        respond = extensions.get(RESPOND_EXTENSION) if extensions else None
        # The whole response in one call when the server offers it: framed here, it needs none
        # of the checks ASGI's send makes of headers it cannot trust.
        head = None if respond is None else self.framing.head(answer.status, len(payload), answer.extra)
        if respond is None or head is None or not respond(head, payload):
            headers = self.framing.headers(len(payload), answer.extra)
            await send({"type": "http.response.start", "status": answer.status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})

    async def read_body(
        self, headers: dict[str, str], receive: Receive, message: MutableMapping[str, Any] | None = None,
    ) -> tuple[bytes, str | None]:
        """The whole body, or b"" and why it was refused; reading stops once it is over the limit.
        ``message``: the first ``receive()``d already (``__call__`` reads the usual body itself)."""
        limit = self.max_body
        if message is None:
            refused = self.refused(headers, 0)
            if refused is not None:
                return b"", refused  # not read at all: the server discards what the app leaves
            message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected()
        body: bytes = message.get("body", b"")
        if not message.get("more_body", False):  # the usual case: the whole body in one message
            return (body, None) if len(body) <= limit else (b"", self.refused(headers, len(body)))
        chunks = [body]
        size = len(body)
        while size <= limit:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return (b"".join(chunks), None) if size <= limit else (b"", self.refused(headers, size))

    def refused(self, headers: dict[str, str], size: int) -> str | None:
        """Why a body of ``size`` bytes so far (and the declared length) is over the limit; None if it is not."""
        limit = self.max_body
        if _declared_length(headers) > limit:
            return f"{headers['content-length']} bytes > {limit}"
        return f"more than {limit} bytes" if size > limit else None


class Handover:
    """An answer the direct path began, finished the ASGI way (an ASGI app for one request).

    What needs a task (a scenario's delay, an awaiting handler) or the connection (a fault)
    cannot be written in place: the direct path hands the pipeline's result so far to the
    server, which runs this in place of the whole app.  The body was read already; the
    route, session and scenario were settled already: only waiting and sending are left.
    """

    __slots__ = ("answer", "app")

    def __init__(self, app: VendorApp, answer: Answer | Pending) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self.answer
        await self.app.deliver(scope, send, answer if type(answer) is Answer else await answer)  # type: ignore[misc]


def lint_body(request: Request, route: Route, app: VendorApp) -> tuple[LintWarning, ...]:
    """The contract lint's findings on ``request`` (kept on it for the answer, the journal and the log)."""
    request.warnings = found = app.lints[id(route)](request.body)
    return found


def _parse_query(raw_query: bytes) -> dict[str, str]:
    return dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True))


def _declared_length(headers: dict[str, str]) -> int:
    try:
        return int(headers.get("content-length", 0))
    except ValueError:
        return 0
