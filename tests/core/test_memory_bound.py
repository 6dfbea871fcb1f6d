"""What a stored user costs the memory:// store, per vendor (issue 15: at most 400 bytes).

Counted, not timed: the bytes of every container and object the vendor's
tables hold (rows, their keys, the unique indexes), each rounded up to the
allocator's 16-byte blocks, before and after 4,000 creates with unique keys
through the vendor's create route.  bench/memory.py measures the same as RSS
over 100,000 users (which adds the allocator's free space and the dicts' slack
between two resizes); this test catches a regression in a few seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from mockserver import vendors as registry
from mockserver.app import build_app
from mockserver.config import Config
from mockserver.core.store import MemoryTable
from tests.core.samples import create_route, variant

ORIGIN = "http://bound.local"
USERS = 4_000
LIMIT = 400  # bytes per stored user (issue 15)
ROOT = Path(__file__).resolve().parents[2]


def _block(size: int) -> int:
    return -(-size // 16) * 16


def _held(tables: list[MemoryTable]) -> int:
    """Bytes the tables hold: dicts, rows, int keys and slots (small ints are shared by CPython, not counted)."""
    total = 0
    seen: set[int] = set()

    def count(obj: Any) -> None:
        nonlocal total
        if id(obj) not in seen and not (type(obj) is int and -5 <= obj <= 256):
            seen.add(id(obj))
            total += _block(sys.getsizeof(obj))

    for table in tables:
        containers = [table._rows, *table._index.values(), *table._owners.values()]
        if hasattr(table, "_spill"):
            containers += [table._spill, *table._spindex.values()]
        for container in containers:
            count(container)
            for key, value in container.items():
                count(key)
                count(value)
    return total


@pytest.mark.parametrize("vendor", registry.NAMES)
def test_a_stored_user_costs_at_most_400_bytes(vendor: str) -> None:
    app = build_app(Config(seed=1, vendors=(vendor,), clock="frozen:2026-03-01T12:00:00Z"))
    method, path, headers = create_route(app, vendor, ORIGIN)

    def create(n: int) -> None:
        answer = app.answer_directly(method, path, b"", headers, orjson.dumps(variant(vendor, n)))
        assert isinstance(answer, tuple) and answer[0].split(b" ", 2)[1].startswith(b"2"), answer

    for n in range(1, 1_001):  # past the small-table form, so what follows is the steady one
        create(n)
    store = app.runtime.store
    tables = [store.table(vendor, name) for name in store._spaces[vendor]]  # type: ignore[attr-defined]
    before = _held(tables)
    for n in range(1_001, 1_001 + USERS):
        create(n)
    tables = [store.table(vendor, name) for name in store._spaces[vendor]]  # type: ignore[attr-defined]
    per_user = (_held(tables) - before) / USERS
    assert per_user < LIMIT, f"{vendor}: {per_user:.0f} bytes per stored user"


def test_the_memory_bench_runs_small() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "memory.py"), "--users", "3000", "--vendors", "pulse", "--limit", "100000", "--json"],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    row = orjson.loads(done.stdout.strip().splitlines()[-1])
    assert row["vendor"] == "pulse" and row["users"] == 3000 and row["grown"] == 3000
    assert row["per_user"] > 0 and row["create_us"] > 0
