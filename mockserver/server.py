"""Running a real server: for the CLI and from any Python code.

    with mockserver.running(port=0, seed=1) as server:
        httpx.post(server.base_url("vaultspay") + "/as/api/v1/users", ...)
"""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import uvicorn

from .app import MockServer, Runtime
from .config import Config
from .wire import http_protocol


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


def uvicorn_server(app: MockServer, log_level: str = "warning") -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            # No proxy-header rewriting: a local sandbox is called directly, and the
            # middleware would cost every request a trusted-host check.
            app, log_level=log_level, access_log=False, lifespan="on", server_header=False, date_header=False, proxy_headers=False,
            loop=_best("uvloop", "asyncio"), http=http_protocol(),
        )
    )


def origin_of(host: str, port: int) -> str:
    public = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://[{public}]:{port}" if ":" in public else f"http://{public}:{port}"


@dataclass
class RunningServer:
    """A live server: its URL, and the runtime behind it (for direct inspection)."""

    url: str
    runtime: Runtime

    def base_url(self, vendor: str) -> str:
        return self.runtime.base_url(self.url, vendor)

    def vendors(self) -> dict[str, Any]:
        return self.runtime.describe(self.url)


@contextmanager
def running(port: int = 0, host: str = "127.0.0.1", **options: Any) -> Iterator[RunningServer]:
    """Start a real uvicorn server in a background thread; stop it on exit.

    ``options`` are ``Config`` fields (seed, fixtures, vendors, clock, ...).
    """
    config = Config(host=host, port=port, **options)
    runtime = Runtime(config)
    sock = bind(host, port)
    server = uvicorn_server(MockServer(runtime))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mockserver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("mockserver did not start")
        time.sleep(0.005)
    try:
        yield RunningServer(origin_of(host, sock.getsockname()[1]), runtime)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
