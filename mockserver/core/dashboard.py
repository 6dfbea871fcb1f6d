"""The dashboard's routes under /__admin: the page itself (``/__admin/ui``), its data
(stream, state, examples, demos) and ``GET /`` pointing people at it.

The page is plain HTML, CSS and JavaScript modules shipped in ``mockserver/ui/`` (package
data): no CDN, no build step.  Its files hold no state and no secret, so the admin guard
serves them without the admin token (Host and cross-origin checks still apply); everything
the page then reads goes through the guarded admin API with the token the page was given
(``/__admin/ui#token=...``, printed by the start banner: a URL fragment never reaches a
server or its log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .demos import Demo, StepResult, load_demos, run_demo
from .fixtures import FixtureError
from .guard import UI_PATH
from .live import ErrorNames, state_endpoint, stream_endpoint
from .serving import Scope, Send, compile_template

if TYPE_CHECKING:
    from ..app import Runtime

log = logging.getLogger("mockserver")

UI_DIR = Path(__file__).resolve().parent.parent / "ui"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".svg": "image/svg+xml", ".png": "image/png", ".txt": "text/plain; charset=utf-8"}
# Same-origin everything: no inline script, no third party, no framing (clickjacking).
_PAGE_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-cache",
}
_RUNS_KEPT = 20  # finished demo runs remembered (their step lines), the oldest forgotten


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@cache
def _files() -> Mapping[str, tuple[bytes, str]]:
    """The shipped page files by name, read once (a name not listed here is a 404: no path is ever joined)."""
    out: dict[str, tuple[bytes, str]] = {}
    if UI_DIR.is_dir():
        for path in sorted(UI_DIR.iterdir()):
            if path.is_file() and path.suffix in _TYPES:
                out[path.name] = (path.read_bytes(), _TYPES[path.suffix])
    return out


def _examples(runtime: Runtime, name: str, origin: str) -> dict[str, Any]:
    """Each operation's documented example call (``Vendor.examples``), with the ready credentials filled in.

    A placeholder naming an earlier answer (``{ref:...}``) stays as written: the form
    shows it for the person to replace; credentials come from the vendor's ready headers.
    """
    from ..snapshots import ExampleError, Placeholders

    vendor = runtime.vendors[name]
    described = runtime.describe(origin)[name]
    context = Placeholders(name, described)

    def resolved(value: Any, header: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: resolved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolved(v) for v in value]
        try:
            return context.resolve(value, header)
        except ExampleError:
            return value

    out: dict[str, Any] = {}
    try:
        examples = list(type(vendor).examples)
    except Exception:  # a vendor package without examples module: the form starts empty
        examples = []
    ready = {k.lower(): v for k, v in described["headers"].items()}
    routes = vendor.routes()
    patterns = [(route, compile_template(route.path)) for route in routes]

    def owner(method: str, path: str) -> str | None:
        # The route the example calls: a literal path beats a template (/User/authlogout is not /User/{userId}).
        exact = next((r for r in routes if r.method == method and r.path == path), None)
        if exact is not None:
            return f"{exact.method} {exact.path}"
        return next((f"{r.method} {r.path}" for r, pattern in patterns if r.method == method and pattern.match(path)), None)

    owned: dict[str, list[Any]] = {}
    for example in examples:
        key = owner(example.method, example.path)
        if key is not None:
            owned.setdefault(key, []).append(example)
    for route in routes:
        key = f"{route.method} {route.path}"
        if key in out or key not in owned:
            continue
        candidates = owned[key]
        # The first that needs no earlier answer in its path, else the first.
        example = next((e for e in candidates if "{ref:" not in e.path), candidates[0])
        headers = {}
        for header, value in example.headers.items():
            # A header naming an earlier answer (a fresh session's token) becomes the ready credential.
            if "{ref:" in str(value) and header.lower() in ready:
                headers[header] = ready[header.lower()]
            else:
                headers[header] = str(resolved(value, header))
        if route.auth:
            for header, value in described["headers"].items():
                if header.lower() not in {h.lower() for h in headers}:
                    headers[header] = value
        out[key] = {
            "operation": route.operation, "method": example.method, "path": str(resolved(example.path)),
            "query": {k: str(resolved(v)) for k, v in example.query.items()}, "headers": headers, "body": resolved(example.body),
        }
    return out


class DemoRunner:
    """The dashboard's demo button: a run in the background, over HTTP to this very server."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._demos: dict[str, Demo] | None = None
        self.runs: dict[str, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.names = ErrorNames(runtime.vendors)

    def demos(self) -> dict[str, Demo]:
        if self._demos is None:
            from ..config import default_demos_dir

            shipped = load_demos(default_demos_dir(), tuple(self.runtime.vendors) or ())
            self._demos = {name: demo for name, demo in shipped.items() if demo.vendor in self.runtime.vendors}
        return self._demos

    def start(self, demo: Demo, base_url: str, pause: float | None) -> dict[str, Any]:
        run: dict[str, Any] = {"demo": demo.name, "session": demo.session, "running": True, "steps": [], "total": len(demo.steps)}
        self.runs.pop(demo.name, None)
        self.runs[demo.name] = run
        while len(self.runs) > _RUNS_KEPT:
            self.runs.pop(next(iter(self.runs)))
        token = self.runtime.config.admin_token
        admin = {"authorization": f"Bearer {token}"} if token else {}

        def told(result: StepResult) -> None:
            run["steps"].append({"number": result.number, "say": result.say, "line": result.line, "ok": result.ok})

        async def go() -> None:
            try:
                async with httpx.AsyncClient(base_url=base_url, timeout=30, trust_env=False) as client:
                    await run_demo(demo, client, admin, self.names, pause, told)
            except (httpx.HTTPError, FixtureError) as exc:
                run["steps"].append({"number": len(run["steps"]) + 1, "say": "stopped", "line": f"the run failed: {exc}", "ok": False})
            finally:
                run["running"] = False

        task = asyncio.get_running_loop().create_task(go())
        self._tasks.add(task)  # a task nothing refers to may be collected mid-run
        task.add_done_callback(self._tasks.discard)
        return run


def _self_url(request: Request) -> str:
    """This server as its own client reaches it: the socket's local address the request came in on."""
    server = request.scope.get("server") or ("127.0.0.1", 80)
    host, port = str(server[0]), server[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


Endpoint = Callable[[Request], Awaitable[Response]]


def dashboard_routes(runtime: Runtime) -> list[tuple[str, Endpoint, list[str]]]:
    """(path, endpoint, methods) of every dashboard route, for ``core.admin.build_admin``."""
    names = ErrorNames(runtime.vendors)
    runner = DemoRunner(runtime)

    async def page(request: Request) -> Response:
        name = request.path_params.get("file", "index.html")
        found = _files().get(name)
        if found is None:
            return _error(404, f"no dashboard file {name!r}")
        body, kind = found
        return Response(body, media_type=kind, headers=_PAGE_HEADERS)

    async def examples(request: Request) -> JSONResponse:
        name = request.path_params["vendor"]
        if name not in runtime.vendors:
            return _error(404, f"no vendor {name!r} on this server; known: {', '.join(runtime.vendors)}")
        origin = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse(_examples(runtime, name, origin))

    async def demos(request: Request) -> JSONResponse:
        try:
            found = runner.demos()
        except FixtureError as exc:
            return _error(500, str(exc))
        return JSONResponse([
            {"name": d.name, "title": d.title, "vendor": d.vendor, "description": d.description, "session": d.session,
             "pause": d.pause, "steps": [s.say for s in d.steps], "run": runner.runs.get(d.name)}
            for d in found.values()
        ])

    async def run(request: Request) -> JSONResponse:
        try:
            found = runner.demos()
        except FixtureError as exc:
            return _error(500, str(exc))
        name = request.path_params["name"]
        if name not in found:
            return _error(404, f"no demo {name!r}; known: {', '.join(sorted(found))}")
        text = request.query_params.get("pause", "")
        try:
            pause = float(text) if text else None
        except ValueError:
            pause = -1.0
        if pause is not None and not 0 <= pause <= 60:
            return _error(400, "pause must be a number of seconds from 0 to 60")
        current = runner.runs.get(name)
        if current is not None and current["running"]:
            return _error(409, f"demo {name!r} is already running")
        return JSONResponse(runner.start(found[name], _self_url(request), pause), status_code=202)

    return [
        (UI_PATH, page, ["GET"]),
        (UI_PATH + "/{file}", page, ["GET"]),
        ("/__admin/stream", stream_endpoint(runtime, names), ["GET"]),
        ("/__admin/state", state_endpoint(runtime), ["GET"]),
        ("/__admin/examples/{vendor}", examples, ["GET"]),
        ("/__admin/demos", demos, ["GET"]),
        ("/__admin/demos/{name}/run", run, ["POST"]),
    ]


async def root(runtime: Runtime, scope: Scope, send: Send) -> None:
    """``GET /``: where the dashboard is (a link for a browser, JSON for anything else)."""
    accept = next((v for k, v in scope["headers"] if k == b"accept"), b"")
    if b"text/html" in accept:
        body = (b'<!doctype html><meta charset="utf-8"><title>mockserver</title>'
                b'<p>mockserver is running. Open the <a href="/__admin/ui">dashboard</a>; '
                b'vendor base URLs: <a href="/__admin/vendors">/__admin/vendors</a>.</p>')
        kind = b"text/html; charset=utf-8"
    else:
        body = orjson.dumps({"dashboard": UI_PATH, "admin": "/__admin/vendors",
                             "vendors": {name: mount or "/" for name, mount in runtime.mounts.items()}})
        kind = b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})

