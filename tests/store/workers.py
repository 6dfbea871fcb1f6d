"""Helpers for tests of ``serve --workers N`` (Redis: test_workers.py; SQLite: test_sqlite_workers.py).

Which worker answers a connection is the kernel's choice; a test that must know
stops every other worker (SIGSTOP: a stopped process accepts nothing, so the
running one takes every connection) and lets it go again afterwards (``only``).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.core.samples import variant
from tests.core.served import Served


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return sorted(int(part) for part in text.split())


def wait_children(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while len(found := children(pid)) != count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} workers, expected {count}")
        time.sleep(0.05)
    return found


@contextmanager
def only(worker: int, workers: list[int]) -> Iterator[None]:
    """Every connection made inside goes to ``worker``: the others are stopped meanwhile."""
    others = [pid for pid in workers if pid != worker]
    for pid in others:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in others:
            os.kill(pid, signal.SIGCONT)


def create(origin: str, vendor: str, n: int, session: str = "") -> httpx.Response:
    info = httpx.get(f"{origin}/__admin/vendors").json()[vendor]
    method, url = info["create_user"].split(" ", 1)
    headers = {**info["headers"], **({"X-Mock-Session": session} if session else {})}
    with httpx.Client() as client:  # a new connection each time: any worker may take it
        return client.request(method, url, headers=headers, json=variant(vendor, n))


@contextmanager
def two_workers_on(store: str) -> Iterator[tuple[Served, list[int]]]:
    """``serve --workers 2 --store STORE`` and its two workers' pids (the module fixtures of both files)."""
    served = Served("--store", store, "--workers", "2")
    try:
        yield served, wait_children(served.proc.pid, 2)
    finally:
        served.stop()


def check_clock_and_reset_reach_every_worker(served: Served, workers: list[int]) -> None:
    """A clock set and a reset made through one worker are what the other answers by, at its next request."""
    first, second = workers
    with only(first, workers):
        moved = httpx.post(f"{served.origin}/__admin/clock", json={"set": "2031-05-06T07:08:09Z", "freeze": True})
        made = create(served.origin, "pulse", 500)
    assert moved.status_code == 200 and moved.json() == {"now": "2031-05-06T07:08:09.000Z", "frozen": True}
    assert made.status_code == 201
    with only(second, workers):
        assert httpx.get(f"{served.origin}/__admin/clock").json() == {"now": "2031-05-06T07:08:09.000Z", "frozen": True}
        other = create(served.origin, "pulse", 501)
        assert other.json()["createdAt"] == "2031-05-06T07:08:09.000Z"  # the other worker's clock moved too
        assert httpx.post(f"{served.origin}/__admin/reset").status_code == 200
    with only(first, workers):
        again = create(served.origin, "pulse", 500)  # the reset on the other worker freed the e-mail here
        assert again.status_code == 201 and again.json()["id"] == made.json()["id"]  # ids start over
        assert httpx.post(f"{served.origin}/__admin/clock", json={"reset": True}).status_code == 200
