"""The Redis store's replies read by either of redis-py's reply parsers: hiredis's (C) or its own (pure Python).

redis-py reads replies with hiredis's parser when a hiredis it supports is installed (``redis.utils.
HIREDIS_AVAILABLE``), else with its own.  The lane (core.redis_lane) reads through redis-py's ``Connection``, so
it takes whichever is installed: the ``redis`` extra and the dev dependencies declare hiredis (a create's replies
parsed in C: ~10 us less of the worker's CPU per create in a turn, 2026-12-07), but the store must keep working
without it.  The suite runs with what is installed; the pipelined turns' tests run again here with hiredis hidden,
so both parsers are exercised wherever hiredis is installed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis.utils

from tests.core.wiring import FAST_OFF
from tests.redis_server import REQUIRE_ENV

ROOT = Path(__file__).resolve().parents[2]
HIREDIS = importlib.util.find_spec("hiredis") is not None

# The tests re-run without hiredis: a turn's creates pipelined (every vendor's answers byte for byte as one
# request at a time gives them, refusals, a lost connection), the deferred writes and journal rows, the runners.
WITHOUT = ["tests/store/test_redis_turn_pipeline.py", "tests/store/test_redis_pipeline.py", "tests/store/test_redis_runners.py"]

# ``import hiredis`` fails when sys.modules holds None under its name: redis-py then falls back to its own parser.
HIDDEN = (
    "import sys; sys.modules['hiredis'] = None; import pytest, redis.utils; "
    "sys.exit(3 if redis.utils.HIREDIS_AVAILABLE else pytest.main(sys.argv[1:]))"
)


def test_an_installed_hiredis_is_one_redis_py_reads_replies_with() -> None:
    """The declared lower bound is one redis-py uses (redis-py 6+ ignores hiredis before 3.2): where CI installs
    the dev dependencies (and requires Redis) hiredis is installed and used."""
    if not HIREDIS and not os.environ.get(REQUIRE_ENV):
        pytest.skip("hiredis is not installed (optional: the redis extra's fast reply parser)")
    assert HIREDIS, "hiredis (the redis extra's and the dev dependencies') is not installed"
    assert redis.utils.HIREDIS_AVAILABLE, f"redis-py {redis.__version__} does not use the installed hiredis"


@pytest.mark.skipif(not HIREDIS, reason="hiredis is not installed: the whole suite runs on redis-py's own parser")
@pytest.mark.skipif(FAST_OFF is not None, reason=f"those tests drive the fast transport: {FAST_OFF}")
def test_the_pipelined_turns_pass_on_redis_pys_own_parser(redis_url: str) -> None:
    # A process of its own: redis-py chooses its parser once, when it is first imported.
    done = subprocess.run(
        [sys.executable, "-c", HIDDEN, "-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider", *WITHOUT],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, REQUIRE_ENV: "1"},  # a test of these that skips would prove nothing here
    )
    assert done.returncode != 3, "hiredis was not hidden: redis-py still uses it"
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and " skipped" not in done.stdout, done.stdout[-1500:]
