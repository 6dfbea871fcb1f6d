"""A real redis-server for the tests (a pytest plugin: tests/conftest.py names it in ``pytest_plugins``).

``redis_url``: one server for the whole run, on a free 127.0.0.1 port, with no
persistence (``--save '' --appendonly no``: nothing written to disk), stopped at
the end.  Without a ``redis-server`` on PATH the tests using it skip, unless
MOCKSERVER_REQUIRE_REDIS is set (CI sets it and installs the Debian package):
then they fail, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

REQUIRE_ENV = "MOCKSERVER_REQUIRE_REDIS"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A fresh redis-server and its URL (``redis://127.0.0.1:PORT/0``); the caller stops it."""
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but no redis-server is on PATH (apt-get install redis-server)")
        pytest.skip("no redis-server on PATH (set MOCKSERVER_REQUIRE_REDIS=1 to make this a failure)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="mockserver-redis-")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", workdir,
         "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
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


def stop_redis(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    process, url = start_redis()
    try:
        yield url
    finally:
        stop_redis(process)
