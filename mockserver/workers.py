"""``serve --workers N``: N processes serving one port, sharing one store.

The parent binds the socket, builds the runtime (fixtures loaded and seeded into
the store once) and prints the banner; then it forks N children.  Each child
inherits the listening socket and a copy of the runtime, and runs its own
uvicorn (the fast transport included) on it: the kernel hands each new
connection to one of the processes waiting in ``accept``.  A fork, not a spawn:
the children start in milliseconds with the parent's loaded fixtures and pools
(shared copy-on-write; ``tune_gc`` froze them), and no child clears or re-seeds
the shared store.  Redis clients notice the fork (redis-py checks the pid) and
open connections of their own; a SQLite store closes the parent's connection
before the fork (``before_fork``: a SQLite connection must never cross one) and
opens one in each child (WAL and a busy timeout make the workers take turns).

Everything a request changes lives in the store, shared by all: users, ids,
counters, and the clock, scenarios and resets through the store's change
version (``core.store``), which each worker compares at the start of a request.

Signals: the children run in a process group of their own, so a terminal's
Ctrl-C reaches the parent alone, which then sends each child one SIGTERM
(uvicorn's graceful shutdown: a second signal would make it a forced one); the
same for SIGTERM.  A child that dies on its own is reported in one line and the
others keep serving; when none is left the parent exits 1.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from .app import MockServer
from .core.store import Store

log = logging.getLogger("mockserver")
Handler = Callable[[int, FrameType | None], Any] | int | None  # what signal.signal returns


def refusal(workers: int, store: Store, journal_file: Path | None = None) -> str | None:
    """Why ``workers`` processes cannot serve ``store`` (None when they can).

    A store can serve workers when other processes may write it too (``shared``);
    every such store opens connections of its own in a forked child (``after_fork``):
    a connection carried across a fork (SQLite's, say) must never be used there.
    The memory store is this process alone: N copies would be N servers."""
    if workers <= 1:
        return None
    if not store.shared:
        return (
            f"--workers {workers} needs a store every process shares; {store.url} is not one: "
            "use --store sqlite:///FILE.db or redis://HOST:PORT/DB"
        )
    if journal_file is not None:
        # N processes appending to one file would interleave partial lines.
        shows = "any worker shows all their calls" if store.journal_shared else "a worker shows its own calls"
        return f"--journal-file cannot be written by {workers} workers at once: drop it (GET /__admin/requests on {shows})"
    return None


def serve(app: MockServer, sock: socket.socket, workers: int, log_level: str = "warning", json_logs: bool = False) -> int:
    """Serve ``app`` on ``sock`` with ``workers`` processes until a signal stops them; the exit status."""
    from .server import uvicorn_server

    if workers <= 1:
        uvicorn_server(app, log_level, json_logs=json_logs).run(sockets=[sock])
        return 0
    children: dict[int, int] = {}  # pid -> worker number (1..N)
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            for pid in list(children):
                _signal(pid, signal.SIGTERM)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    release = getattr(app.runtime.store, "before_fork", None)
    if callable(release):  # the parent serves nothing from here on: no connection of its own crosses the fork
        release()
    try:
        for number in range(1, workers + 1):
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child: never returns into the parent's code
                _child(app, sock, number, log_level, json_logs, previous)
            children[pid] = number
        log.info("%d workers serving: pids %s", workers, ", ".join(map(str, children)))
        failed = False
        while children:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            number = children.pop(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            if not stopping:
                failed = True
                how = f"killed by signal {-code}" if code < 0 else f"exited with status {code}"
                print(f"mockserver: worker {number} (pid {pid}) {how}; {len(children)} left serving", file=sys.stderr, flush=True)
        return 1 if failed and not stopping else 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _child(
    app: MockServer, sock: socket.socket, number: int, log_level: str, json_logs: bool, previous: dict[signal.Signals, Handler],
) -> None:
    from .server import uvicorn_server

    code = 0
    parent = os.getppid()
    try:
        os.setpgid(0, 0)  # out of the terminal's group: Ctrl-C reaches the parent, which stops us once
        _stop_with_parent()
        if os.getppid() != parent:  # the parent died before the line above took effect
            os._exit(1)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        app.runtime.store.after_fork()
        uvicorn_server(app, log_level, json_logs=json_logs).run(sockets=[sock])
    except BaseException as exc:  # a worker must never unwind into the parent's loop
        print(f"mockserver: worker {number} failed: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _stop_with_parent() -> None:
    """Linux: SIGTERM this process when the parent dies, even by SIGKILL (no orphaned workers keep the port)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = getattr(libc, "prctl", None)
        if prctl is not None:
            prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError:  # no C library to ask: the parent's own SIGTERM handling still stops us
        pass


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
