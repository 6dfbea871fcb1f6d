"""tools/crash_sqlite.py run small: kill -9 under write load, restart, nothing answered 2xx is lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_under_load_loses_no_answered_create(tmp_path: Path) -> None:
    # 5 kills, 16 connections, a fraction of a second of load between them: a few seconds
    # plus five server starts (the full run, 20 kills under 64 connections, is the script's default).
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "crash_sqlite.py"), "--kills", "5", "--connections", "16",
         "--gap", "0.2", "0.6", "--db", str(tmp_path / "crash.db")],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.splitlines()[0])
    assert summary["lost_or_inconsistent"] == 0
    assert summary["kills"] == 5
    assert summary["answered_2xx"] > 0
    assert set(summary["statuses"]) == {"200"}, summary["statuses"]  # the token and the store survived each restart
    assert summary["rows"] >= summary["answered_2xx"]
    assert summary["read_back"] is True  # every answered user listed through the vendor's own read routes
