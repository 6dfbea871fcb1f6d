"""A real `mockserver serve` process for tests that need one (signals, raw sockets, its log)."""

from __future__ import annotations

import queue
import re
import socket
import subprocess
import sys
import threading
import time


class Served:
    """A `mockserver serve` process; its output lines are read by a thread into a queue."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--log-level", "info", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_for("base URL")
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found is None:
            raise AssertionError(line)
        self.port = int(found.group(1))
        self.origin = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:  # the socket is bound before the banner; uvicorn listens once started (and says nothing)
            try:
                socket.create_connection(("127.0.0.1", self.port)).close()
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} in the server output:\n{''.join(self.seen)}") from None
            self.seen.append(line)
            if text in line:
                return line

    def drain(self) -> None:
        """Everything the process wrote until it exited, into ``seen``."""
        self.reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
