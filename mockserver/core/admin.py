"""The admin API under /__admin: never collides with a vendor route.

Not on the hot path, so plain Starlette.  Every answer is JSON: bad input is
a 4xx ``{"error": "..."}``, and a bug of ours a one-line 500 (logged once),
never Starlette's plain-text page or a traceback.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Awaitable, Callable

import orjson
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .clock import UTC, Clock, parse_duration, parse_instant
from .fidelity import fidelity_map
from .openapi import openapi_document
from .fixtures import FixtureError
from .journal import closest

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


class Refused(Exception):
    """Bad input found below a route: answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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


def _depth(value: Any) -> int:
    """Nesting depth of JSON data, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def _move(clock: Clock, body: dict[str, Any], instant: datetime | None, delta: timedelta | None) -> None:
    if body.get("reset"):
        clock.restore()
    if "freeze" in body:
        clock.freeze(bool(body["freeze"]))
    if instant is not None:
        clock.set(instant)
    if delta is not None:
        clock.advance(delta)


def _guarded(path: str, endpoint: Callable[[Request], Awaitable[JSONResponse]]) -> Callable[[Request], Awaitable[JSONResponse]]:
    """``endpoint`` answering ``Refused`` as its JSON error and anything unexpected as a one-line JSON 500.

    The 500 names the route's template (not the request's path: no echo of
    what the client sent); the traceback goes to the server's log, once.
    """

    async def guarded(request: Request) -> JSONResponse:
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
        return JSONResponse({"status": "ok", "vendors": list(runtime.vendors), "seed": runtime.config.seed})

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json_object(request)
            if body is None or not body.keys() & {"advance", "set", "freeze", "reset"}:
                return _error(400, 'send {"advance": "PT1H" | seconds}, {"set": "<ISO instant>"}, {"freeze": true|false} or {"reset": true}')
            instant: datetime | None = None
            delta: timedelta | None = None
            try:
                if "set" in body:
                    instant = parse_instant(str(body["set"]))
            except (ValueError, OverflowError) as exc:
                return _error(400, f"set: {exc}")
            try:
                if "advance" in body:
                    delta = parse_duration(body["advance"])
            except ValueError as exc:
                return _error(400, f"advance: {exc}")
            except OverflowError:  # {"advance": 1e308}: beyond timedelta
                return _error(400, f"advance: {body['advance']!r} is beyond any clock")
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
        return JSONResponse(runtime.clock.describe())

    # ------------------------------------------------------------ scenarios
    async def scenarios(request: Request) -> JSONResponse:
        engine = runtime.scenarios
        if request.method == "POST":
            try:
                scenario = engine.define(await _body(request))
            except FixtureError as exc:
                return _error(400, str(exc))
            if request.query_params.get("activate", "").lower() in ("1", "true", "yes"):
                engine.activate(scenario.name)
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
            return _error(404, f"no scenario {name!r}; known: {', '.join(sorted(runtime.scenarios.library))}")
        return JSONResponse(_one(name, request))

    # -------------------------------------------------------------- journal
    async def requests(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            runtime.journal.clear(request.query_params.get("session") or None)
            return JSONResponse({"cleared": True})
        filters: dict[str, Any] = {k: request.query_params[k] for k in _FILTERS if request.query_params.get(k)}
        limit = request.query_params.get("limit")
        if limit:
            if not (limit.isascii() and limit.isdigit()):  # "²".isdigit() is True, int("²") fails
                return _error(400, "limit must be a positive integer")
            filters["limit"] = int(limit)
        return JSONResponse(runtime.journal.query(**filters))

    # The usage example names a vendor this server mounts (the first one).
    example = {"vendor": next(iter(runtime.vendors), "acme"), "operation": "create_user", "body": {"status": "PENDING"}}
    count_usage = f"send a match object, e.g. {json.dumps(example)}"

    async def count(request: Request) -> JSONResponse:
        match = await _json_object(request)
        if match is None:
            return _error(400, count_usage)
        unknown = set(match) - {*_FILTERS, "body", "headers", "response", "query"}
        if unknown:
            return _error(400, f"unknown match keys: {', '.join(sorted(unknown))}")
        if _depth(match) > MAX_MATCH_DEPTH:
            return _error(400, f"the match object is nested more than {MAX_MATCH_DEPTH} levels deep")
        found = runtime.journal.matching(match)
        out: dict[str, Any] = {"count": len(found)}
        if not found:  # what came closest makes a failed assertion readable
            out["closest"] = closest([e.to_json() for e in runtime.journal.entries()], match, [*_FILTERS, "body", "headers"])
        return JSONResponse(out)

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

    def route(path: str, endpoint: Callable[[Request], Awaitable[JSONResponse]], methods: list[str]) -> Route:
        return Route(path, _guarded(path, endpoint), methods=methods)

    return Starlette(
        routes=[
            route("/__admin/vendors", vendors, methods=["GET"]),
            route("/__admin/reset", reset, methods=["POST"]),
            route("/__admin/health", health, methods=["GET"]),
            route("/__admin/clock", clock, methods=["GET", "POST"]),
            route("/__admin/scenarios", scenarios, methods=["GET", "POST"]),
            route("/__admin/scenarios/{name}/{action:str}", switch, methods=["POST"]),
            route("/__admin/requests", requests, methods=["GET", "DELETE"]),
            route("/__admin/requests/count", count, methods=["POST"]),
            route("/__admin/fidelity", fidelity, methods=["GET"]),
            route("/__admin/openapi/{vendor}.json", openapi, methods=["GET"]),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
