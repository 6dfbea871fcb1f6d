"""The admin API under /__admin: never collides with a vendor route.

Not on the hot path, so plain Starlette.  Every answer is JSON: bad input is
a 4xx ``{"error": "..."}``, and a bug of ours a one-line 500 (logged once),
never Starlette's plain-text page or a traceback.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .clock import Clock, parse_instant, quoted
from .dashboard import dashboard_routes
from .didyoumean import unknown_names
from .fidelity import fidelity_map
from .fixtures import FixtureError
from .journal import DECODED, PAGE_SIZE, Journal, Row, closest
from .openapi import openapi_document
from .store import MemoryStore
from .validation import parse_duration

if TYPE_CHECKING:
    from ..app import Runtime

log = logging.getLogger("mockserver")

_FILTERS = ("vendor", "operation", "status", "session", "method", "path")

# Admin bodies are small documents (a scenario, a clock move, a match): the cap
# keeps a runaway or hostile body from being buffered whole.
MAX_BODY = 1024 * 1024
# A count's match object is compared recursively against stored bodies.
MAX_MATCH_DEPTH = 32
# Where the clock may be set or moved to: every vendor formats instants and
# adds expiries (up to years) to them, and datetime ends at 9999-12-31.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
_CLOCK_KEYS = frozenset({"advance", "set", "freeze", "reset"})
_CLOCK_USAGE = 'send {"advance": "PT1H" | seconds}, {"set": "<ISO instant>"}, {"freeze": true|false} or {"reset": true}'
# Unknown keys quoted back in an error, at most.
_NAMES_SHOWN = 5


class Refused(Exception):
    """Bad input found below a route: answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# A password every emulated rule accepts (length, cases, a digit, a symbol): what a pact's
# redacted secret field is sent as when the vendor has no demo value for it.
SAMPLE_SECRET = "Sandbox#2024pw"


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> bytes:
    """The request body, read no further than ``MAX_BODY`` (a larger declared length is refused unread)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(413, f"request body of {declared} bytes is over the admin limit of {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, f"request body is over the admin limit of {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        # orjson: its depth limit is a decode error, where json's is a RecursionError.
        body = orjson.loads(await _body(request))
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


class _Json(JSONResponse):
    """Rendered by orjson: a page of journal entries renders several times faster than with json."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:  # a body nested past orjson's 254 levels (orjson reads 1,024): json writes it
            return super().render(content)


def _number(text: str | None, problem: str, least: int) -> int | None:
    """A query parameter holding a count or a seq; ``None`` when absent, ``Refused`` when not a number >= ``least``."""
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise Refused(400, problem)
    # Beyond any journal (and int() refuses strings of over 4,300 digits).
    value = int(text) if len(text) <= 18 else 10**18
    if value < least:
        raise Refused(400, problem)
    return value


async def _sliced(journal: Journal, rows: list[Row], work: Callable[[list[Row]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``work`` done on ``rows`` a slice at a time, giving the event loop a turn after each (~1 ms) slice.

    A page or a count over a full journal takes tens to hundreds of ms: in one
    go it would hold every other request for that long (a thread would not
    help: it takes the GIL from the event loop for 5 ms at a time).
    """
    out: list[dict[str, Any]] = []
    for part in journal.slices(rows):
        out += work(part)
        await asyncio.sleep(0)
    return out


def _page_url(request: Request, after: int) -> str:
    """This request's path and query with ``after`` set: where the next page starts."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    return f"{request.url.path}?{urlencode([*query, ('after', str(after))])}"


def _depth(value: object) -> int:
    """Nesting depth of JSON data, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def _names(keys: Iterable[str]) -> str:
    """Keys the client sent, as quoted back in an error: sorted, each cut short, at most a few."""
    names = sorted(keys)
    shown = ", ".join(quoted(k) for k in names[:_NAMES_SHOWN])
    return shown + (f" and {len(names) - _NAMES_SHOWN:,} more" if len(names) > _NAMES_SHOWN else "")


def _clock_move(body: dict[str, Any]) -> tuple[datetime | None, timedelta | None]:
    """The instant and delta of a clock move, every key checked before anything moves (a refusal changes nothing)."""
    unknown = body.keys() - _CLOCK_KEYS
    if unknown:
        raise Refused(400, f"unknown clock keys: {_names(unknown)}; {_CLOCK_USAGE}")
    for key in ("freeze", "reset"):
        # Only JSON booleans: bool("no") is True, and {"freeze": "no"} froze the clock.
        if key in body and not isinstance(body[key], bool):
            raise Refused(400, f"{key} must be true or false (a JSON boolean)")
    instant: datetime | None = None
    delta: timedelta | None = None
    if "set" in body:
        if not isinstance(body["set"], str):
            raise Refused(400, "set: give an ISO-8601 instant as a string, e.g. 2026-01-01T00:00:00Z")
        try:
            instant = parse_instant(body["set"])
        except ValueError as exc:
            raise Refused(400, f"set: {exc}") from None
    if "advance" in body:
        try:
            delta = parse_duration(body["advance"])
        except ValueError as exc:  # the message says what is wrong, "beyond any clock" included
            raise Refused(400, f"advance: {exc}") from None
    return instant, delta


def _move(clock: Clock, body: dict[str, Any], instant: datetime | None, delta: timedelta | None) -> None:
    """Applies a move checked by ``_clock_move``: reset, then freeze, set, advance."""
    if body.get("reset") is True:
        clock.restore()
    if "freeze" in body:
        clock.freeze(body["freeze"] is True)
    if instant is not None:
        clock.set(instant)
    if delta is not None:
        clock.advance(delta)


def _guarded(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """``endpoint`` answering ``Refused`` as its JSON error and anything unexpected as a one-line JSON 500.

    The 500 names the route's template (not the request's path: no echo of
    what the client sent); the traceback goes to the server's log, once.
    """

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Refused as exc:
            response = _error(exc.status, exc.message)
            if exc.status == 413:
                # The rest of the body is still coming: close rather than read it all to reach the next request.
                response.headers["connection"] = "close"
            return response
        except ClientDisconnect:
            return _error(400, "the client went away before its request body arrived")
        except Exception:
            label = f"{request.method} {path}"
            log.exception("internal error in %s", label)
            return _error(500, f"internal error in {label}")

    return guarded


def build_admin(runtime: Runtime) -> Starlette:
    async def vendors(request: Request) -> JSONResponse:
        return JSONResponse(runtime.describe(_origin(request)))

    async def reset(request: Request) -> JSONResponse:
        session = request.query_params.get("session") or None
        runtime.reset(session)
        return JSONResponse({"reset": True, "session": session, "vendors": list(runtime.vendors)})

    async def health(request: Request) -> JSONResponse:
        body: dict[str, Any] = {"status": "ok", "vendors": list(runtime.vendors), "seed": runtime.config.seed, "store": runtime.store.url}
        store = runtime.store
        if isinstance(store, MemoryStore) and store.max_rows is not None:  # --max-users: how often the cap was hit
            body["max_users"] = store.max_rows
            body["evicted"] = store.evicted()
        return JSONResponse(body)

    async def store(request: Request) -> JSONResponse:
        return JSONResponse(runtime.store.describe())  # backend, URL (credentials redacted), counts

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json_object(request)
            if body is None or not body.keys() & _CLOCK_KEYS:
                return _error(400, _CLOCK_USAGE)
            instant, delta = _clock_move(body)
            # Tried on a copy first: a clock moved past what datetime (or a vendor's
            # expiry arithmetic) can hold would turn every later request into a 500.
            trial = copy.copy(runtime.clock)
            try:
                _move(trial, body, instant, delta)
                fits = EARLIEST.timestamp() <= trial.timestamp() <= LATEST.timestamp()
            except (ValueError, OverflowError):
                fits = False
            if not fits:
                return _error(400, f"the clock must stay between {EARLIEST.date()} and {LATEST.date()}")
            _move(runtime.clock, body, instant, delta)
            runtime.clock_changed()  # kept in the store: every worker and the next run see it
        return JSONResponse(runtime.clock.describe())

    # ------------------------------------------------------------ scenarios
    async def scenarios(request: Request) -> JSONResponse:
        engine = runtime.scenarios
        if request.method == "POST":
            body = await _body(request)
            try:
                # Read and validated in a worker thread: a document near the caps takes
                # a tenth of a second or more, and the event loop keeps serving meanwhile.
                scenario = engine.add(await run_in_threadpool(engine.parse, body))
            except FixtureError as exc:
                return _error(400, str(exc))
            if request.query_params.get("activate", "").lower() in ("1", "true", "yes"):
                engine.activate(scenario.name)
            runtime.scenario_defined(scenario, body)
            # Defining a name that exists replaces that scenario (the documented override): say so.
            return JSONResponse({**_one(scenario.name, request), "replaced": scenario.replaces is not None}, status_code=201)
        return JSONResponse(engine.describe(request.query_params.get("session", "")))

    def _one(name: str, request: Request) -> dict[str, Any]:
        found = [s for s in runtime.scenarios.describe(request.query_params.get("session", "")) if s["name"] == name]
        return found[0]

    async def switch(request: Request) -> JSONResponse:
        name, action = request.path_params["name"], request.path_params["action"]
        if action not in ("activate", "deactivate"):
            return _error(404, f"no admin route POST {request.url.path}: use .../activate or .../deactivate")
        try:
            (runtime.scenarios.activate if action == "activate" else runtime.scenarios.deactivate)(name)
        except KeyError:
            return _error(404, unknown_names("scenario", [name], runtime.scenarios.library, "GET /__admin/scenarios lists them"))
        runtime.scenarios_changed()
        return JSONResponse(_one(name, request))

    # -------------------------------------------------------------- contract lint
    async def strict(request: Request) -> JSONResponse:
        """The contract lint's strict mode (core.lint): GET shows it; POST {"strict": bool} sets the
        server's default, or one test session's (``/__admin/sessions/<id>/strict``; an empty body: on)."""
        strictness = runtime.strictness
        session = request.path_params.get("session", "")
        if request.method == "POST":
            raw = await _body(request)
            try:
                body = orjson.loads(raw) if raw.strip() else {"strict": True}
            except orjson.JSONDecodeError:
                body = None
            on = body.get("strict") if isinstance(body, dict) else None
            if not isinstance(on, bool):
                return _error(400, 'body must be a JSON object {"strict": true} or {"strict": false}')
            strictness.set(on, session)
        if session:
            return JSONResponse({"session": session, "strict": strictness.of(session)})
        return JSONResponse({"strict": strictness.default, "sessions": dict(strictness.sessions)})

    async def provider_states(request: Request) -> JSONResponse:
        """The Pact verifier's state-change call (mockserver.contract.pact).  A recorded state is the
        fixtures' own, which a server has from its start: nothing to set up.  What it answers are the
        state's injected values: the secrets a pact never holds (credentials, passwords), filled into
        the requests by their ProviderState generators, ``${name}``: the vendor's demo credentials
        (header names lower-cased, login fields), and a sample password for its other secret fields."""
        body = await _json_object(request) or {}
        params = body.get("params")
        vendor = runtime.vendors.get(str(params.get("vendor"))) if isinstance(params, dict) else None
        if vendor is None or body.get("action", "setup") != "setup":
            return JSONResponse({})
        described = runtime.describe(_origin(request))[vendor.name]
        values = dict.fromkeys(sorted(vendor.secret_fields), SAMPLE_SECRET)
        values.update({str(k): str(v) for k, v in (described.get("login") or {}).items()})
        values.update({name.lower(): str(value) for name, value in described["headers"].items()})
        return JSONResponse(values)

    # -------------------------------------------------------------- journal
    async def requests(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            runtime.journal.clear(request.query_params.get("session") or None)
            return JSONResponse({"cleared": True})
        params = request.query_params
        filters = {k: params[k] for k in _FILTERS if params.get(k)}  # query values: str
        limit = _number(params.get("limit"), "limit must be a positive integer", least=1)
        after = _number(params.get("after"), "after must be a non-negative integer (the seq of the last entry seen)", least=0)
        # A page, not the whole journal (10,000 entries took seconds and held every other request).
        journal = runtime.journal
        matching, before, rows = journal.select(filters, after, min(limit or PAGE_SIZE, PAGE_SIZE))
        entries = await _sliced(journal, rows, journal.render)
        response = _Json(entries)
        response.headers["x-total-count"] = str(matching)
        links = []
        if entries and matching - before - len(entries) > 0:  # newer matching entries follow this page
            links.append(f'<{_page_url(request, entries[-1]["seq"])}>; rel="next"')
        if before > 0 and after is None:  # older ones precede it: walk them from the start
            links.append(f'<{_page_url(request, 0)}>; rel="first"')
        if links:
            response.headers["link"] = ", ".join(links)
        return response

    # The usage example names a vendor this server mounts (the first one).
    example = {"vendor": next(iter(runtime.vendors), "acme"), "operation": "create_user", "body": {"status": "PENDING"}}
    count_usage = f"send a match object, e.g. {json.dumps(example)}"

    async def count(request: Request) -> JSONResponse:
        match = await _json_object(request)
        if match is None:
            return _error(400, count_usage)
        unknown = set(match) - {*_FILTERS, "body", "headers", "response", "query"}
        if unknown:
            return _error(400, f"unknown match keys: {_names(unknown)}")
        if _depth(match) > MAX_MATCH_DEPTH:
            return _error(400, f"the match object is nested more than {MAX_MATCH_DEPTH} levels deep")
        # Every entry is compared (an assertion must see them all): bounded by the journal's own
        # caps, and a slice at a time, so other requests are served in between.
        journal = runtime.journal
        plain = {k: v for k, v in match.items() if k not in DECODED}
        found, _, rows = journal.select(plain, limit=None if match.keys() & set(DECODED) else 0, budget=None)
        if rows:
            found = len(await _sliced(journal, rows, lambda part: journal.matches(part, match)))
        out: dict[str, Any] = {"count": found}
        if not found:  # what came closest makes a failed assertion readable: looked for among the newest
            recent = await _sliced(journal, journal.select({})[2], journal.render)
            out["closest"] = closest(recent, match, [*_FILTERS, "body", "headers"])
        return _Json(out)

    async def openapi(request: Request) -> JSONResponse:
        name = request.path_params["vendor"]
        if name not in runtime.vendors:
            return _error(404, f"no vendor {name!r} on this server; known: {', '.join(runtime.vendors)}")
        return JSONResponse(openapi_document(runtime, name, _origin(request)))

    async def fidelity(request: Request) -> JSONResponse:
        return JSONResponse(fidelity_map(runtime.vendors, general=True))

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return _error(404, f"no admin route {request.method} {request.url.path}")

    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        return _error(405, f"method {request.method} not allowed on {request.url.path}")

    def route(path: str, endpoint: Callable[[Request], Awaitable[Response]], methods: list[str]) -> Route:
        return Route(path, _guarded(path, endpoint), methods=methods)

    return Starlette(
        routes=[
            route("/__admin/vendors", vendors, methods=["GET"]),
            route("/__admin/reset", reset, methods=["POST"]),
            route("/__admin/health", health, methods=["GET"]),
            route("/__admin/store", store, methods=["GET"]),
            route("/__admin/clock", clock, methods=["GET", "POST"]),
            route("/__admin/scenarios", scenarios, methods=["GET", "POST"]),
            route("/__admin/scenarios/{name}/{action:str}", switch, methods=["POST"]),
            route("/__admin/requests", requests, methods=["GET", "DELETE"]),
            route("/__admin/requests/count", count, methods=["POST"]),
            route("/__admin/fidelity", fidelity, methods=["GET"]),
            route("/__admin/strict", strict, methods=["GET", "POST"]),
            route("/__admin/sessions/{session}/strict", strict, methods=["GET", "POST"]),
            route("/__admin/provider-states", provider_states, methods=["POST"]),
            route("/__admin/openapi/{vendor}.json", openapi, methods=["GET"]),
            # The dashboard (core/dashboard.py): its page, live stream, state view, examples and demos.
            *(route(path, endpoint, methods=methods) for path, endpoint, methods in dashboard_routes(runtime)),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
