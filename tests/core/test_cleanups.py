"""Issue 13's smaller findings: the standard library and pydantic instead of our own copies, no dead fields.

Each test fails on the code as it was: a Bearer cache that remembered failures or grew without bound,
durations parsed by a hand-written regex with a traceback for ``1e308`` in a fixture, fields nobody read.
"""

from __future__ import annotations

from tests.conftest import make_client
from tests.vendors.pulse import ADMIN_TOKEN, URL


# ---------------------------------------------------------------- memo -> functools.lru_cache
def test_the_bearer_cache_remembers_good_headers_only_and_is_bounded() -> None:
    with make_client("pulse") as client:
        cache = client.app.runtime.vendors["pulse"].sessions._bearer  # type: ignore[attr-defined]
        assert cache.cache_info().maxsize == 1024  # clients inventing headers cannot grow it
        for _ in range(3):
            assert client.get(URL, headers={"Authorization": "Basic eDp5", "x-account-id": "2311"}).status_code == 401
        assert cache.cache_info().currsize == 0  # a malformed header is parsed again every time, never remembered
        for _ in range(3):
            assert client.get(URL, headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "x-account-id": "2311"}).status_code == 200
        info = cache.cache_info()
        assert (info.currsize, info.misses, info.hits) == (1, 4, 2)  # the good one taken apart once
