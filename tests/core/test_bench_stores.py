"""bench/run.py --store/--workers and bench/memory.py --store run (tiny): rows labelled by backend and
workers, each against the floor of the same run, 0 non-2xx; RSS at 0, N/2, N users.  Speed is not asserted
(the machine is shared): these only prove the options work end to end."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_REDIS = "MOCKSERVER_REQUIRE_REDIS"  # as tests/redis_server.py: CI sets it and installs redis-server


def _need_redis() -> None:
    if shutil.which("redis-server") or shutil.which("valkey-server"):
        return
    if os.environ.get(REQUIRE_REDIS):
        pytest.fail(f"{REQUIRE_REDIS} is set but no redis-server is on PATH")
    pytest.skip("no redis-server on PATH")


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "bench/run.py", "--duration", "1", "--vendors", "pulse", "--no-save",
                           "--floor-once", *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


def _row(stdout: str, target: str) -> list[str]:
    """The table row of ``target``: its columns after the name."""
    for line in stdout.splitlines():
        if line.startswith(target + "  "):
            return line[len(target):].split()
    raise AssertionError(f"no row {target!r} in:\n{stdout}")


def _check_row(stdout: str, target: str) -> None:
    cols = _row(stdout, target)
    assert re.fullmatch(r"[\d,]+", cols[0]) and int(cols[0].replace(",", "")) > 0, cols  # req/s
    assert cols[4] == "0", cols  # non-2xx
    assert re.fullmatch(r"\d+\.\d\dx!?", cols[6]), cols  # ratio to the floor of this run


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_run_on_sqlite_with_one_worker_adds_a_labelled_row_against_the_floor() -> None:
    done = _bench("--store", "sqlite", "--workers", "1")
    assert done.returncode in (0, 1), done.stderr  # 1: a target missed on this loaded machine, not asserted
    _check_row(done.stdout, "pulse [sqlite]")
    assert ">= 0.4x (--store sqlite)" in done.stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_run_on_a_private_redis_with_two_workers_reports_redis_apart() -> None:
    _need_redis()
    done = _bench("--store", "redis,redis+unix", "--workers", "2")  # the same redis-server over TCP, then its socket
    assert done.returncode in (0, 1), done.stderr
    for row in ("pulse [redis x2]", "pulse [redis+unix x2]"):
        _check_row(done.stdout, row)
        assert re.search(re.escape(row) + r": redis-server \d+% of a core, \d+\.\d commands \(\d+\.\d reads: round trips\) per "
                         r"request, RSS [\d.]+ MiB", done.stdout), done.stdout
    assert "mockserver --store redis+unix --workers 2: first 200" in done.stdout
    assert "runs without" not in done.stdout  # the workers, not the supervising parent, load uvloop/httptools


@pytest.mark.parametrize(("args", "message"), [
    (["--workers", "2"], "--workers above 1 needs --store sqlite or redis"),
    (["--store", "memory", "--workers", "1,4"], "--workers above 1 needs --store sqlite or redis"),
    (["--workers", "two"], "--workers: expected N or N,N,..."),
    (["--store", "redis", "--workers", "0"], "--workers: expected positive integers"),
    (["--store", "memory,disk"], "--store: expected one or more of memory, sqlite, redis, redis+unix, got 'memory,disk'"),
])
def test_run_refuses_bad_workers_in_one_line(args: list[str], message: str) -> None:
    done = _bench(*args)
    assert done.returncode == 2
    assert message in done.stderr.splitlines()[-1]
    assert "Traceback" not in done.stderr


def _memory(store: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "bench/memory.py", "--store", store, "--users", "400", "--journal-size",
                           "100", "--vendors", "pulse", "--limit", "100000", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    row: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def test_memory_on_sqlite_reports_rss_at_zero_half_and_all_users() -> None:
    row = _memory("sqlite")
    assert row["store"] == "sqlite" and row["users"] == 400 and row["grown"] == 400
    assert all(isinstance(row[k], int) and row[k] > 0 for k in ("rss_before", "rss_half", "rss_after"))
    assert "redis_rss" not in row


def test_memory_on_redis_reports_redis_servers_rss_apart() -> None:
    _need_redis()
    row = _memory("redis")
    assert row["store"] == "redis" and row["grown"] == 400
    redis_rss = row["redis_rss"]
    assert isinstance(redis_rss, list) and len(redis_rss) == 3 and all(v > 0 for v in redis_rss)
