"""``serve --workers N`` on one SQLite file: each worker opens its own connection after the fork.

Real processes on a real file.  As in ``test_workers``: which worker answers a
connection is the kernel's choice; a test that must know stops the others
(SIGSTOP) meanwhile.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.core.served import Served
from tests.store.test_workers import clock_and_reset_reach_every_worker, create, only, wait_children

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="workers fork")


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, list[int]]]:
    path = tmp_path_factory.mktemp("sqlw") / "w.db"
    served = Served("--store", f"sqlite:///{path}", "--workers", "2")
    try:
        yield served, wait_children(served.proc.pid, 2)
    finally:
        served.stop()


def test_creates_through_either_worker_are_read_through_both(two_workers: tuple[Served, list[int]]) -> None:
    served, workers = two_workers
    made: list[dict[str, object]] = []
    for i, worker in enumerate(workers * 3):
        with only(worker, workers):
            answer = create(served.origin, "vaultspay", 100 + i)
        assert answer.status_code == 200
        made.append(answer.json()["data"])
    ids = [user["id"] for user in made]
    assert ids == list(range(ids[0], ids[0] + 6))  # one id sequence, whichever worker gave it
    info = httpx.get(f"{served.origin}/__admin/vendors").json()["vaultspay"]
    users_url = info["create_user"].split(" ", 1)[1]
    for worker in workers:
        with only(worker, workers):  # each worker reads every user, whichever wrote it
            for user in made:
                got = httpx.get(f"{users_url}/{user['id']}", headers=info["headers"])
                assert got.status_code == 200 and got.json()["data"]["email"] == user["email"]


def test_unique_key_races_have_one_winner(two_workers: tuple[Served, list[int]]) -> None:
    served, _ = two_workers
    for n in range(300, 305):
        with ThreadPoolExecutor(8) as pool:  # 8 creates of one e-mail at once, spread over both workers
            answers = list(pool.map(lambda n: create(served.origin, "vaultspay", n), [n] * 8))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] + [400] * 7
        for answer in answers:
            if answer.status_code == 400:
                assert answer.json()["errors"] == [{"key": "email", "reason": "User already exists with this email"}]


def test_clock_and_reset_reach_every_worker(two_workers: tuple[Served, list[int]]) -> None:
    clock_and_reset_reach_every_worker(*two_workers)


def test_journal_file_refused_with_sqlite_workers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--workers", "2", "--store", url, "--journal-file", str(tmp_path / "j")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "mockserver: --journal-file cannot be written by 2 workers at once: drop it (GET /__admin/requests on a worker shows its own calls)\n"
    )
