"""Serving mockserver without a socket: an httpx transport over the ASGI app.

    transport = mockserver.transport(seed=1)
    client = httpx.Client(transport=transport, base_url=transport.base_url("vaultspay"))
    transport.assert_called("vaultspay", "create_user")   # journal, scenarios, clock, reset: mockserver.helpers

The helpers of the pytest fixture are on the transport too (``AdminHelpers``),
over an admin client that goes through the transport itself: no origin to name.
A path httpx joined to a vendor base URL with a "/" the vendor's routes do not
have (eTelecom's ``.Shop/...``) is taken back to the vendor's own path
(``helpers.unglue``), so every vendor works with ``base_url`` + the README's paths.

The same object works for ``httpx.Client`` and ``httpx.AsyncClient``.  Sync
requests run on a private event loop thread, so a sync test needs no asyncio.
Scenario faults surface as the httpx errors a real socket would give.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

from .app import MockServer, Runtime, build_app
from .config import Config
from .core.faults import DROP_EXTENSION
from .helpers import AdminHelpers, Clock, glued_prefixes, unglue

ORIGIN = "http://mockserver.local"


def _as_httpx_error(exc: ConnectionResetError, request: httpx.Request) -> httpx.TransportError:
    if "empty_response" in str(exc):
        return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    return httpx.ReadError("[Errno 104] Connection reset by peer", request=request)


def _drop(reset: bool) -> None:
    """``DROP_EXTENSION`` without a socket: the failure propagates to ``handle_async_request``."""
    raise ConnectionResetError("mockserver fault: " + ("connection_reset" if reset else "empty_response"))


class Transport(AdminHelpers, httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport (sync and async) answering from an in-process mockserver, with the fixture's helpers."""

    def __init__(self, app: MockServer) -> None:
        self.app = app
        self.runtime: Runtime = app.runtime
        self._asgi = httpx.ASGITransport(app=self._serve)  # type: ignore[arg-type]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._glued = glued_prefixes(self.runtime)
        # The admin API through this very transport (never closed by it: closing would close us).
        headers = {"Authorization": f"Bearer {app.runtime.config.admin_token}"} if app.runtime.config.admin_token else {}
        self._admin = httpx.Client(transport=self, base_url=ORIGIN, headers=headers, timeout=30)
        self.clock = Clock(self._admin)

    # ----------------------------------------------------------- helpers
    def base_url(self, vendor: str) -> str:
        return self.runtime.base_url(ORIGIN, vendor)

    def credentials(self, vendor: str) -> dict[str, Any]:
        credentials: dict[str, Any] = self.runtime.describe(ORIGIN)[vendor]  # JSON, as the admin API shows it
        return credentials

    def headers(self, vendor: str) -> dict[str, str]:
        return dict(self.credentials(vendor)["headers"])

    def _client(self, **options: Any) -> httpx.Client:
        return httpx.Client(transport=self, **options)

    async def _serve(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # The socket faults' extension, as a server offers it (see core.faults).
        scope["extensions"] = {**(scope.get("extensions") or {}), DROP_EXTENSION: _drop}
        await self.app(scope, receive, send)

    # ------------------------------------------------------------- async
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = unglue(request.url.path, self._glued)
        if path != request.url.path:  # base_url("etelecom") + ".Shop/...": the vendor's own path
            request.url = request.url.copy_with(path=path)
        try:
            return await self._asgi.handle_async_request(request)
        except ConnectionResetError as exc:
            raise _as_httpx_error(exc, request) from None

    # -------------------------------------------------------------- sync
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            response = await self.handle_async_request(inner)
            body = await response.aread()
            return response.status_code, response.headers.raw, body

        status, headers, body = asyncio.run_coroutine_threadsafe(run(), self._event_loop()).result()
        return httpx.Response(status, headers=headers, content=body, request=request)

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="mockserver-transport", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def close(self) -> None:
        with self._lock:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                if self._thread is not None:
                    self._thread.join(timeout=5)
                self._loop.close()
                self._loop = self._thread = None

    async def aclose(self) -> None:
        self.close()


def transport(seed: int = 0, **options: Any) -> Transport:
    """An in-process transport over a fresh app; ``options`` are ``Config`` fields."""
    return Transport(build_app(Config(seed=seed, **options)))
