"""The SQLite store's checkpointer: the WAL reaches the database file off the request path."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from mockserver.core.sqlite_store import SQLiteStore


def _checkpointers() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "sqlite-checkpoint")


def test_committed_pages_reach_the_file_without_a_request_checkpointing(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    before = _checkpointers()
    store = SQLiteStore(f"sqlite:///{path}")
    try:
        assert _checkpointers() == before + 1
        users = store.table("v", "users")
        for n in range(200):  # ~1 MB of rows: far below the pages at which a commit would checkpoint itself
            store.begin()
            users.insert(n, {"id": n, "bio": "x" * 5000}, {"email": f"u{n}@x"})
            store.commit()
        deadline = time.monotonic() + 20  # generous: 2 loaded cores; a round comes every 0.25 s
        while path.stat().st_size < 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= 1_000_000  # the checkpointer copied the WAL into the file
        assert users.get(199) == {"id": 199, "bio": "x" * 5000}
    finally:
        store.close()
    assert _checkpointers() == before  # close() stops it
    assert not Path(f"{path}-wal").exists()  # the last connection closed: WAL copied and removed


def test_after_fork_reopens_and_restarts_the_checkpointer(tmp_path: Path) -> None:
    """What a worker does (in-process here: no fork needed to check the handles and the thread)."""
    store = SQLiteStore(f"sqlite:///{tmp_path / 'f.db'}")
    users = store.table("v", "users")
    users.insert(1, {"id": 1}, {"email": "a@x"})
    before = _checkpointers()
    store.before_fork()
    assert _checkpointers() == before - 1
    store.after_fork()
    try:
        assert _checkpointers() == before
        assert users.get(1) == {"id": 1}  # a handle taken before, on the new connection
        users.insert(2, {"id": 2}, {"email": "b@x"})
        assert store.table("v", "users").find("email", "b@x") == {"id": 2}
    finally:
        store.close()
