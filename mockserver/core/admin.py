"""The admin API under /__admin: never collides with a vendor route.

Not on the hot path, so plain Starlette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .clock import parse_duration, parse_instant
from .fidelity import fidelity_map
from .openapi import openapi_document
from .fixtures import FixtureError
from .journal import closest

if TYPE_CHECKING:
    from ..app import Runtime

_FILTERS = ("vendor", "operation", "status", "session", "method", "path")


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


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
            try:
                if body.get("reset"):
                    runtime.clock.restore()
                if "freeze" in body:
                    runtime.clock.freeze(bool(body["freeze"]))
                if "set" in body:
                    runtime.clock.set(parse_instant(str(body["set"])))
                if "advance" in body:
                    runtime.clock.advance(parse_duration(body["advance"]))
            except (ValueError, TypeError) as exc:
                return _error(400, str(exc))
        return JSONResponse(runtime.clock.describe())

    # ------------------------------------------------------------ scenarios
    async def scenarios(request: Request) -> JSONResponse:
        engine = runtime.scenarios
        if request.method == "POST":
            try:
                scenario = engine.define(await request.body())
            except FixtureError as exc:
                return _error(400, str(exc))
            if request.query_params.get("activate", "").lower() in ("1", "true", "yes"):
                engine.activate(scenario.name)
            return JSONResponse(_one(scenario.name, request), status_code=201)
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
            if not limit.isdigit():
                return _error(400, "limit must be a positive integer")
            filters["limit"] = int(limit)
        return JSONResponse(runtime.journal.query(**filters))

    async def count(request: Request) -> JSONResponse:
        match = await _json_object(request)
        if match is None:
            return _error(400, 'send a match object, e.g. {"vendor": "vaultspay", "operation": "create_user", "body": {"status": "PENDING"}}')
        unknown = set(match) - {*_FILTERS, "body", "headers", "response", "query"}
        if unknown:
            return _error(400, f"unknown match keys: {', '.join(sorted(unknown))}")
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

    return Starlette(
        routes=[
            Route("/__admin/vendors", vendors, methods=["GET"]),
            Route("/__admin/reset", reset, methods=["POST"]),
            Route("/__admin/health", health, methods=["GET"]),
            Route("/__admin/clock", clock, methods=["GET", "POST"]),
            Route("/__admin/scenarios", scenarios, methods=["GET", "POST"]),
            Route("/__admin/scenarios/{name}/{action:str}", switch, methods=["POST"]),
            Route("/__admin/requests", requests, methods=["GET", "DELETE"]),
            Route("/__admin/requests/count", count, methods=["POST"]),
            Route("/__admin/fidelity", fidelity, methods=["GET"]),
            Route("/__admin/openapi/{vendor}.json", openapi, methods=["GET"]),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
