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

if TYPE_CHECKING:
    from ..app import Runtime


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_admin(runtime: Runtime) -> Starlette:
    async def vendors(request: Request) -> JSONResponse:
        return JSONResponse(runtime.describe(_origin(request)))

    async def reset(request: Request) -> JSONResponse:
        runtime.reset()
        return JSONResponse({"reset": True, "vendors": list(runtime.vendors)})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "vendors": list(runtime.vendors), "seed": runtime.config.seed})

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                body: Any = await request.json()
            except ValueError:
                return _error(400, "body must be a JSON object")
            if not isinstance(body, dict) or not body.keys() & {"advance", "set", "freeze"}:
                return _error(400, 'send {"advance": "PT1H" | seconds}, {"set": "<ISO instant>"} or {"freeze": true|false}')
            try:
                if "freeze" in body:
                    runtime.clock.freeze(bool(body["freeze"]))
                if "set" in body:
                    runtime.clock.set(parse_instant(str(body["set"])))
                if "advance" in body:
                    runtime.clock.advance(parse_duration(body["advance"]))
            except (ValueError, TypeError) as exc:
                return _error(400, str(exc))
        return JSONResponse(runtime.clock.describe())

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
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
