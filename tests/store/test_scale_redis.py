"""tools/scale_redis.py run small (3 s a set-up, 8 connections, 2 workers): the full run's figures are in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import scale_redis  # noqa: E402


def _scale(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "scale_redis.py"), *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def _check_small_run(done: subprocess.CompletedProcess[str], headings: list[str]) -> None:
    """Both set-ups ran (``headings``: their "--- " lines) and found nothing lost, doubled or failed."""
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("--- ")] == headings
    verdicts = [line for line in lines if "lost" in line]
    assert len(verdicts) == 2
    for line in verdicts:
        assert line.startswith("  lost 0 · duplicate ids 0 · duplicates accepted 0 · errors 0 · "), line
    assert lines[-1] == "  ok"


def test_scale_script_small(redis_url: str) -> None:
    _check_small_run(_scale("--duration", "3", "--connections", "8", "--workers", "2", "--redis", redis_url), [
        "--- workers: one port, --workers 2: 1 server(s), 2 process(es), 8 connections, 3 s",
        "--- hosts: two servers on two ports, one Redis: 2 server(s), 2 process(es), 8 connections, 3 s",
    ])


def test_keys_are_varied_and_found_as_listings_show_them() -> None:
    assert scale_redis.vary("ada@example.ng", 7) == "s7.ada@example.ng"
    assert scale_redis.vary("+84 901 234 567", 42) == "+84 901 000 042"  # the formatting kept
    assert scale_redis.vary("3329465636", 123456) == "3329123456"
    assert scale_redis.keys_of("+84 901 000 042") == ["+84 901 000 042", "#901000042"]
    assert "#901000042" in scale_redis.keys_of("0901000042")  # the same phone, as a listing answers it
    assert scale_redis.keys_of("S7.Ada@Example.ng") == ["s7.ada@example.ng"]
    assert not scale_redis.variable("92") and scale_redis.variable("08031234567") and scale_redis.variable("a@b")
    assert scale_redis.user_id({"data": {"id": 5, "parent": {"id": 4}}}) == 5
    assert scale_redis.user_id({"_id": "6b15"}) == "6b15"
    assert scale_redis.user_id({"isSuccess": True, "responseData": None}) is None


def test_scale_script_over_the_unix_socket(redis_url: str) -> None:
    """The workers over the socket; of the two servers, one over the socket and one over TCP: still one state."""
    from tests.redis_server import unix_url

    done = _scale("--duration", "2", "--connections", "8", "--workers", "2", "--redis", redis_url, "--unix", unix_url(redis_url))
    _check_small_run(done, [
        "--- workers: one port, --workers 2 over the unix socket: 1 server(s), 2 process(es), 8 connections, 2 s",
        "--- hosts: two servers on two ports, one Redis (the first over its unix socket): 2 server(s), 2 process(es), 8 connections, 2 s",
    ])
    refused = _scale("--redis", redis_url, "--unix")
    assert refused.returncode == 2 and refused.stderr.splitlines()[-1].endswith(
        "--unix with --redis needs the socket's URL: --unix redis+unix:///path/redis.sock")
