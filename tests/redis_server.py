"""A real redis-server for the tests (a pytest plugin: tests/conftest.py names it in ``pytest_plugins``).

``redis_url``: one server for the whole run, on a free 127.0.0.1 port, with no
persistence (``--save '' --appendonly no``: nothing written to disk), stopped at
the end.  Without a ``redis-server`` on PATH the tests using it skip, unless
MOCKSERVER_REQUIRE_REDIS is set (CI sets it and installs the Debian package):
then they fail, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # one helper with tools/scale_redis.py
import local_redis
from local_redis import free_port, stop_redis, unix_url

__all__ = ["free_port", "redis_url", "start_redis", "stop_redis", "unix_url"]

REQUIRE_ENV = "MOCKSERVER_REQUIRE_REDIS"


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A fresh redis-server and its URL (``redis://127.0.0.1:PORT/0``); the caller stops it.  None on PATH:
    the test skips, or fails when MOCKSERVER_REQUIRE_REDIS is set."""
    try:
        return local_redis.start_redis()
    except local_redis.NoRedisServer:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but no redis-server is on PATH (apt-get install redis-server)")
        pytest.skip("no redis-server on PATH (set MOCKSERVER_REQUIRE_REDIS=1 to make this a failure)")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    process, url = start_redis()
    try:
        yield url
    finally:
        stop_redis(process)
