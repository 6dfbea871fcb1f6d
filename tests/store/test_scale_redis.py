"""tools/scale_redis.py run small (3 s a set-up, 8 connections, 2 workers): the full run's figures are in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scale_script_small(redis_url: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "scale_redis.py"), "--duration", "3", "--connections", "8", "--workers", "2", "--redis", redis_url],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("--- ")] == [
        "--- workers: one port, --workers 2: 1 server(s), 2 process(es), 8 connections, 3 s",
        "--- hosts: two servers on two ports, one Redis: 2 server(s), 2 process(es), 8 connections, 3 s",
    ]
    verdicts = [line for line in lines if "lost" in line]
    assert len(verdicts) == 2
    for line in verdicts:
        assert line.startswith("  lost 0 · duplicate ids 0 · duplicates accepted 0 · errors 0 · "), line
    assert lines[-1] == "  ok"
