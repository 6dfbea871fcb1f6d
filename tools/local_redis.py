"""A private redis-server on a free 127.0.0.1 port, for the tests (tests/redis_server.py) and the tools
(tools/scale_redis.py): no persistence (``--save '' --appendonly no``: nothing written to disk), in a
temporary directory of its own, stopped by the caller (``stop_redis``)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time


class NoRedisServer(RuntimeError):
    """Neither redis-server nor valkey-server is on PATH."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A fresh redis-server and its URL (``redis://127.0.0.1:PORT/0``), answering PING; ``NoRedisServer``
    without one on PATH, RuntimeError (its stderr) if it exits or does not answer within 20 s."""
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        raise NoRedisServer("no redis-server on PATH (apt-get install redis-server)")
    port = free_port()
    work = tempfile.mkdtemp(prefix="mockserver-redis-")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", work, "--protected-mode", "yes", "--loglevel", "warning",
         "--unixsocket", f"{work}/redis.sock", "--unixsocketperm", "700"],  # the same server over a socket: unix_url
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    SOCKETS[f"redis://127.0.0.1:{port}/0"] = f"redis+unix://{work}/redis.sock"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start within 20 s")


SOCKETS: dict[str, str] = {}  # start_redis's URLs -> the same server's unix socket, as a redis+unix:// URL


def unix_url(url: str) -> str:
    """The unix socket URL (``redis+unix:///.../redis.sock``) of the server ``start_redis`` gave ``url`` for."""
    return SOCKETS[url]


def stop_redis(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
