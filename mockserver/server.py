"""Running a real server: for the CLI and from any Python code.

    with mockserver.running(port=0, seed=1) as server:
        httpx.post(server.base_url("vaultspay") + "/as/api/v1/users", ...)

Bound beyond loopback (``host="0.0.0.0"``), the admin API needs a token:
``running(host="0.0.0.0", admin_token="auto")`` generates one (``server.admin_token``).

Two transports serve the same app: ``fast`` (the default: ``mockserver.wire``, on the
uvicorn versions it was tested with) and ``stock`` (uvicorn as it comes).  Chosen by
``Config.server`` (``serve --server``, ``running(server=...)``), else by the
``MOCKSERVER_SERVER`` environment variable, else fast; where fast cannot run, stock
runs and one log line says why.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from .app import MockServer, Runtime
from .config import SERVER_ENV, SERVERS, Config
from .core.guard import AUTO, check_token, generate_token, is_loopback

log = logging.getLogger("mockserver")


def bind(host: str, port: int) -> socket.socket:
    """Bind ourselves so the caller knows the real port (``port=0``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _best(preferred: str, fallback: str) -> str:
    """uvloop when installed (uvicorn[standard]); asyncio otherwise."""
    return preferred if importlib.util.find_spec(preferred) else fallback


@dataclass(frozen=True)
class TransportChoice:
    """The HTTP transport a server runs: uvicorn's ``http=`` and the start-up line saying so."""

    name: str  # "fast" or "stock": what runs (stock also where fast was asked for and cannot run)
    http: Any  # uvicorn.Config's http: the fast protocol class, or "auto"
    line: str  # the one start-up log line: which transport runs and, when not the one asked for, why
    fell_back: bool = False  # fast was asked for and cannot run here


def choose_transport(server: str | None = None) -> TransportChoice:
    """``server`` ("fast" or "stock"; None: ``$MOCKSERVER_SERVER``, else fast), checked against the gate."""
    if server is None:
        server = os.environ.get(SERVER_ENV) or "fast"
        if server not in SERVERS:
            raise ValueError(f"{SERVER_ENV}={server!r}: expected one of {', '.join(SERVERS)}")
    elif server not in SERVERS:
        raise ValueError(f"server={server!r}: expected one of {', '.join(SERVERS)}")
    from . import wire  # imports no uvicorn internals: those wait for http_protocol()

    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"  # what uvicorn's http="auto" picks
    stock = f"stock uvicorn {wire.uvicorn_version() or '(version unknown)'} ({parser})"
    if server == "stock":
        return TransportChoice("stock", "auto", f"server: {stock}, as asked")
    why = wire.unavailable()
    if why is not None:
        return TransportChoice("stock", "auto", f"server: {stock}; the fast transport is off: {why}", fell_back=True)
    return TransportChoice("fast", wire.http_protocol(), f"server: fast (mockserver.wire on uvicorn {wire.uvicorn_version()})")


def uvicorn_server(
    app: MockServer, log_level: str = "warning", transport: TransportChoice | None = None, json_logs: bool = False,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` on ``transport`` (default: the one ``app``'s config asks for); logs which."""
    if transport is None:
        transport = choose_transport(app.runtime.config.server)
    log.log(logging.WARNING if transport.fell_back else logging.INFO, "%s", transport.line)
    return _Server(
        app,
        uvicorn.Config(
            # No proxy-header rewriting: a local sandbox is called directly, and the
            # middleware would cost every request a trusted-host check.
            app, log_level=log_level, access_log=False, lifespan="on", server_header=False, date_header=False, proxy_headers=False,
            loop=_best("uvloop", "asyncio"), http=transport.http,
            # JSON logs: uvicorn keeps the handlers the CLI gave its loggers instead of its plain ones.
            log_config=None if json_logs else LOGGING_CONFIG,
        )
    )


class _Server(uvicorn.Server):
    """uvicorn's server, telling the app when it shuts down: the dashboard's live streams
    (``core/live.py``) end then, instead of holding the shutdown that waits for every
    response to finish."""

    def __init__(self, app: MockServer, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.mock_app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.mock_app.runtime.closing = True
        await super().shutdown(sockets)


def origin_of(host: str, port: int) -> str:
    public = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://[{public}]:{port}" if ":" in public else f"http://{public}:{port}"


@dataclass
class RunningServer:
    """A live server: its URL, and the runtime behind it (for direct inspection)."""

    url: str
    runtime: Runtime
    admin_token: str | None = None
    transport: str = "fast"  # the HTTP transport serving it: "fast" or "stock" (see choose_transport)

    def admin_headers(self) -> dict[str, str]:
        """What an admin client sends: the token when the server requires one."""
        return {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}

    def base_url(self, vendor: str) -> str:
        return self.runtime.base_url(self.url, vendor)

    def vendors(self) -> dict[str, Any]:
        return self.runtime.describe(self.url)


@contextmanager
def running(port: int = 0, host: str = "127.0.0.1", admin_token: str | None = None, **options: Any) -> Iterator[RunningServer]:
    """Start a real uvicorn server in a background thread; stop it on exit.

    ``options`` are ``Config`` fields (seed, fixtures, vendors, clock, allowed_hosts, ...);
    ``server="stock"`` serves with stock uvicorn (default: ``$MOCKSERVER_SERVER``, else fast).
    ``admin_token``: required on every /__admin request when set (``"auto"`` generates one);
    mandatory when ``host`` is not loopback.
    """
    token = generate_token() if admin_token == AUTO else admin_token
    if token is not None:
        check_token(token)
    elif not is_loopback(host):
        raise ValueError(
            f"mockserver.running(host={host!r}) exposes the admin API beyond this machine: "
            "pass admin_token='<token>' (or admin_token='auto')"
        )
    config = Config(host=host, port=port, admin_token=token, **options)
    transport = choose_transport(config.server)  # a bad value fails here, before anything starts
    runtime = Runtime(config)
    sock = bind(host, port)
    server = uvicorn_server(MockServer(runtime), transport=transport)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mockserver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("mockserver did not start")
        time.sleep(0.005)
    try:
        yield RunningServer(origin_of(host, sock.getsockname()[1]), runtime, token, transport.name)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        runtime.store.close()
