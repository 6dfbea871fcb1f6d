"""``serve --workers N`` on Redis: N processes, one port, one state (real processes, a real redis-server).

Which worker answers a connection is the kernel's choice; a test that must know
stops every other worker (SIGSTOP: a stopped process accepts nothing, so the
running one takes every connection) and lets it go again afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.core.samples import variant
from tests.core.served import Served

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="workers fork")


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


@pytest.fixture(scope="module")
def two_workers(redis_url: str) -> Iterator[tuple[Served, list[int]]]:
    served = Served("--store", f"{redis_url}?prefix=w{uuid.uuid4().hex[:8]}", "--workers", "2")
    try:
        yield served, wait_children(served.proc.pid, 2)
    finally:
        served.stop()


def test_memory_store_refuses_workers() -> None:
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "0", "--workers", "2"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == (
        "mockserver: --workers 2 needs a store every process shares; memory:// is not one: use --store sqlite:///FILE.db or redis://HOST:PORT/DB\n"
    )


def test_journal_file_refuses_workers(redis_url: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--workers", "2", "--store", redis_url, "--journal-file", str(tmp_path / "j")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "mockserver: --journal-file cannot be written by 2 workers at once: drop it (GET /__admin/requests on any worker shows all their calls)\n"
    )


def test_unreachable_redis_refuses_to_start() -> None:
    from tests.redis_server import free_port

    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--store", f"redis://:hunter2@127.0.0.1:{free_port()}/0"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("mockserver: cannot start: --store: cannot reach redis://***@127.0.0.1:") and done.stderr.count("\n") == 1
    assert "hunter2" not in done.stderr + done.stdout


def test_workers_share_one_state(two_workers: tuple[Served, list[int]]) -> None:
    served, workers = two_workers
    first, second = workers
    with only(first, workers):
        made = create(served.origin, "vaultspay", 1)
    assert made.status_code == 200
    user = made.json()["data"]
    with only(second, workers):
        again = create(served.origin, "vaultspay", 1)  # the same e-mail, through the other process
        other = create(served.origin, "vaultspay", 2)
    assert again.status_code == 400
    assert again.json()["errors"] == [{"key": "email", "reason": "User already exists with this email"}]
    assert other.status_code == 200 and other.json()["data"]["id"] == user["id"] + 1  # one id sequence
    with only(first, workers):  # the journal of either worker shows all three calls, the other's too
        journal = httpx.get(f"{served.origin}/__admin/requests", params={"vendor": "vaultspay", "operation": "create_user"})
    assert journal.status_code == 200
    assert [(e["status"], e["body"]["email"]) for e in journal.json()[-3:]] == [
        (200, "user1@example.pk"), (400, "user1@example.pk"), (200, "user2@example.pk"),
    ]


def test_a_dead_worker_is_reported(redis_url: str) -> None:
    served = Served("--store", f"{redis_url}?prefix=d{uuid.uuid4().hex[:8]}", "--workers", "2")
    try:
        workers = wait_children(served.proc.pid, 2)
        os.kill(workers[0], signal.SIGKILL)
        line = served.wait_for("mockserver: worker")
        assert line == f"mockserver: worker 1 (pid {workers[0]}) killed by signal 9; 1 left serving\n"
        assert create(served.origin, "pulse", 1).status_code == 201  # the other one still serves
        started = time.monotonic()
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=20) == 0
        assert time.monotonic() - started < 15  # generous: 2 loaded cores; a graceful stop takes well under a second alone
        assert not Path(f"/proc/{workers[1]}").exists() or Path(f"/proc/{workers[1]}/stat").read_text().split()[2] == "Z"
    finally:
        served.stop()


def test_killed_parent_takes_its_workers_along(redis_url: str) -> None:
    served = Served("--store", f"{redis_url}?prefix=k{uuid.uuid4().hex[:8]}", "--workers", "2")
    try:
        workers = wait_children(served.proc.pid, 2)
    finally:
        served.stop()  # SIGKILL: no handler runs in the parent
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_clock_and_reset_reach_every_worker(two_workers: tuple[Served, list[int]]) -> None:
    clock_and_reset_reach_every_worker(*two_workers)


def clock_and_reset_reach_every_worker(served: Served, workers: list[int]) -> None:
    """A clock set and a reset through one worker are what the other sees (this store's and test_sqlite_workers')."""
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


def test_same_bytes_whichever_worker_answers(redis_url: str) -> None:
    """One session's creates (every vendor) through one worker, and alternating between two: byte-identical answers."""
    clock = ("--clock", "frozen:2030-01-01T00:00:00Z", "--seed", "7")
    steps = [(vendor, n) for n in range(3) for vendor in ("vaultspay", "payabli", "sabi", "pulse", "etelecom")]
    steps.append(("pulse", 1))  # a conflict, too
    answers: list[list[tuple[int, bytes]]] = []
    for count in (1, 2):
        served = Served("--store", f"{redis_url}?prefix=det{count}{uuid.uuid4().hex[:8]}", "--workers", str(count), *clock)
        try:
            workers = wait_children(served.proc.pid, 2) if count == 2 else [0]
            got = []
            for i, (vendor, n) in enumerate(steps):
                if count == 2:
                    with only(workers[i % 2], workers):
                        answer = create(served.origin, vendor, n, session="det")
                else:
                    answer = create(served.origin, vendor, n, session="det")
                got.append((answer.status_code, answer.content))
            answers.append(got)
        finally:
            served.proc.send_signal(signal.SIGTERM)
            served.proc.wait(timeout=30)
    assert [status for status, _ in answers[0]][-1] == 409
    assert answers[0] == answers[1]
