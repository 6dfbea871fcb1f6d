"""Shared test helpers: an in-process client for a chosen set of vendors."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.app import build_app
from mockserver.config import Config
from mockserver.core import poolcache

pytest_plugins = ["pytester", "tests.redis_server"]  # tests.redis_server: the redis_url fixture (a real redis-server)

# The suite keeps faker pools in a directory of its own (servers it starts inherit it), not in ~/.cache.
if poolcache.ENV not in os.environ:
    os.environ[poolcache.ENV] = _cache = tempfile.mkdtemp(prefix="mockserver-tests-")
    atexit.register(shutil.rmtree, _cache, True)


def make_client(*vendors: str, seed: int = 0, **options: object) -> TestClient:
    """A TestClient over a fresh app serving ``vendors`` (all when none given)."""
    config = Config(vendors=tuple(vendors), seed=seed, **options)  # type: ignore[arg-type]
    return TestClient(build_app(config), raise_server_exceptions=True)


def vendor_client_fixture(*vendors: str) -> tuple[object, object]:
    """Module-scoped ``client`` plus an autouse per-test reset, for a vendor's test module."""

    @pytest.fixture(scope="module")
    def client() -> Iterator[TestClient]:
        with make_client(*vendors) as c:
            yield c

    @pytest.fixture(autouse=True)
    def _reset(client: TestClient) -> None:
        assert client.post("/__admin/reset").status_code == 200

    return client, _reset


def pytest_addoption(parser: pytest.Parser) -> None:
    # Here, not in tests/contract/conftest.py: pytest honours pytest_addoption only in
    # the root conftest (and plugins).
    parser.addoption(
        "--update-snapshots", action="store_true", default=False,
        help="rewrite tests/contract/snapshots/*.json from the server instead of failing on a difference",
    )
