"""bench/stock_path.py runs (small): the stock-uvicorn path answers every vendor's bench body with its success."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_stock_path_counts_the_calls_of_successful_creates() -> None:
    done = subprocess.run([sys.executable, "bench/stock_path.py", "-n", "3", "--vendors", "floor,pulse,etelecom"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # it exits 1 when an answer is not the create-user success
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["floor", "pulse", "etelecom"]
    assert all(re.fullmatch(r"\w+ +\d+\.\d function calls per request", line) for line in lines), lines


def test_stock_path_counts_the_fast_transport_too() -> None:
    done = subprocess.run([sys.executable, "bench/stock_path.py", "-n", "3", "--vendors", "vaultspay,etelecom", "--server", "fast"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["vaultspay", "etelecom"]
