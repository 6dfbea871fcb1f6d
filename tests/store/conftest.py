"""The ``store`` fixture: every backend, one test each (tests/store/test_conformance.py).

``FACTORIES`` names each backend and how to make an empty store of it in a
temporary directory; a backend that needs a service (Redis) adds itself only
when that service is available, so the same tests run against every backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.core.store import MemoryStore, Store, open_store

Factory = Callable[[Path], Store]


def _sqlite(tmp: Path) -> Store:
    return open_store(f"sqlite:///{tmp / 'conformance.db'}")


def _redis(tmp: Path, url: str) -> Store:
    # A key prefix of the test's own (its tmp directory's name is unique): tests share one redis-server.
    return open_store(f"{url}?prefix=t-{tmp.name}")


FACTORIES: list[tuple[str, Factory]] = [
    ("memory", lambda tmp: MemoryStore()),
    ("sqlite", _sqlite),
    ("redis", lambda tmp: _redis(tmp, _REDIS_URL[0])),
]
_REDIS_URL: list[str] = []  # the session's redis-server (tests/redis_server.py), set when a redis test first asks


@pytest.fixture(params=[name for name, _ in FACTORIES], ids=[name for name, _ in FACTORIES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    factory = dict(FACTORIES)[request.param]
    if request.param == "redis" and not _REDIS_URL:
        _REDIS_URL.append(request.getfixturevalue("redis_url"))  # skips (or fails, in CI) without a redis-server
    made = factory(tmp_path)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Store], Store]:
    """Closes a store and opens the same one again (a restart); skipped for a store that keeps nothing."""

    def again(store: Store) -> Store:
        if not store.describe().get("durable"):
            pytest.skip(f"{store.url} keeps nothing across a restart")
        url = store.url
        store.close()
        return open_store(url)

    return again


@pytest.fixture
def redis_store(redis_url: str) -> Iterator[Any]:
    """A RedisStore alone, on a prefix of its own (tests share one redis-server and never see each other's keys),
    its namespaces dropped afterwards: the Redis modules' ``store``."""
    from mockserver.core.redis_store import RedisStore

    made = RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:12]}")
    yield made
    for space in made.namespaces():
        made.drop(space)
    made.close()
