"""Crash test of the SQLite store: write load, ``kill -9`` at random moments, restart, verify.

    python3 tools/crash_sqlite.py                       # 64 connections, 20 kills (the issue's test)
    python3 tools/crash_sqlite.py --kills 5 --connections 16 --gap 0.2 0.6   # what the suite runs

Starts ``mockserver serve --vendor vaultspay --store sqlite:///<file>`` and loads it with
VaultsPay creates (each with an e-mail of its own) over N keep-alive connections.  At
random moments it kills the server with SIGKILL and starts it again on the same file and
port; the connections reconnect and go on.  Then it checks, in the file and through the
vendor's own read route (``GET /as/api/v1/users/{id}`` with the same token, which must
have survived too):

- every create answered 2xx is there, under the id it was answered with, with its e-mail;
- no two answered creates got one id (ids never reused after a crash);
- no half-written record: every row decodes whole, every unique key points at an existing
  row and every row's e-mail is indexed; the id sequence is past every id given.

Prints one JSON summary line; exit status 1 on any loss or inconsistency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.core.packed import unpack  # noqa: E402

VENDOR = "vaultspay"
CREATE = "/as/api/v1/users"
READY_SECONDS = 60.0  # a start on a loaded 2-core machine can take several seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The server process on a fixed port and file: started, killed, started again."""

    def __init__(self, url: str, port: int, log: Path) -> None:
        self.url, self.port, self.log = url, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mockserver", "serve", "--port", str(self.port), "--vendor", VENDOR,
                 "--store", self.url, "--log-level", "warning", "--journal-size", "0"],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"crash_sqlite: the server exited with {self.proc.returncode} at start; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__admin/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"crash_sqlite: the server was not ready after {READY_SECONDS:.0f}s; see {self.log}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)  # the crash itself: no shutdown of any kind
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def get_json(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class Load:
    """N connections creating users until told to stop; remembers every create answered 2xx."""

    def __init__(self, port: int, headers: dict[str, str], run: str) -> None:
        self.port, self.run = port, run
        self.head = "".join(f"{name}: {value}\r\n" for name, value in headers.items() if name.lower() != "content-type")
        self.acked: list[tuple[str, int]] = []  # (e-mail, id) of every 2xx
        self.statuses: dict[int, int] = {}
        self.unanswered = 0  # requests whose connection died first: no answer, no promise
        self.stopping = False

    async def worker(self, index: int) -> None:
        n = 0
        while not self.stopping:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)  # the server is down (killed): try again
                continue
            try:
                while not self.stopping:
                    n += 1
                    email = f"crash-{self.run}-{index}-{n}@example.com"
                    body = json.dumps({"firstName": "Crash", "lastName": "Test", "email": email, "status": "ACTIVE"}).encode()
                    writer.write(
                        f"POST {CREATE} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n{self.head}"
                        f"content-length: {len(body)}\r\n\r\n".encode() + body
                    )
                    status, payload = await self._response(reader)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if 200 <= status < 300:
                        self.acked.append((email, int(json.loads(payload)["data"]["id"])))
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.unanswered += 1
            finally:
                writer.close()

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return status, await reader.readexactly(length)


async def drive(server: Server, load: Load, connections: int, kills: int, gap: tuple[float, float], rng: random.Random) -> None:
    workers = [asyncio.create_task(load.worker(i)) for i in range(connections)]
    loop = asyncio.get_running_loop()
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(*gap))
        server.kill()
        await loop.run_in_executor(None, server.start)  # the load keeps retrying meanwhile
    await asyncio.sleep(gap[0])  # some load on the last start too
    load.stopping = True
    await asyncio.gather(*workers)


def verify(path: Path, server: Server, load: Load, headers: dict[str, str], read_back: int) -> dict[str, Any]:
    problems: list[str] = []
    ids: dict[int, str] = {}
    for email, user_id in load.acked:
        if user_id in ids:
            problems.append(f"id {user_id} answered twice: {ids[user_id]} and {email}")
        ids[user_id] = email
    db = sqlite3.connect(path)
    try:
        rows: dict[int, dict[str, Any]] = {}
        for key, data in db.execute("SELECT key, data FROM rows WHERE ns=? AND tbl='users'", (VENDOR,)):
            try:
                record = unpack(data)
                rows[int(unpack(key))] = record
                if record.get("id") != unpack(key) or not record.get("email") or not record.get("username"):
                    problems.append(f"half-written record under {unpack(key)!r}: {record!r}")
            except Exception as exc:  # any row that does not read back whole is the failure looked for
                problems.append(f"unreadable record {key!r}: {exc}")
        for email, user_id in load.acked:
            record = rows.get(user_id)
            if record is None:
                problems.append(f"lost: {email} answered 2xx with id {user_id}, not in the file")
            elif record["email"] != email:
                problems.append(f"id {user_id} answered for {email} holds {record['email']} (reused)")
        indexed = {unpack(value): int(unpack(key)) for value, key in
                   db.execute("SELECT value, key FROM uniq WHERE ns=? AND tbl='users' AND field='email'", (VENDOR,))}
        for value, user_id in indexed.items():
            if user_id not in rows:
                problems.append(f"unique key {value!r} points at missing row {user_id}")
        for user_id, record in rows.items():
            if indexed.get(record["email"].lower()) != user_id and indexed.get(record["email"]) != user_id:
                problems.append(f"row {user_id}'s e-mail {record['email']!r} is not indexed")
        (sequence,) = db.execute("SELECT value FROM counters WHERE ns=? AND name='users'", (VENDOR,)).fetchone() or (0,)
        if rows and sequence < max(rows):
            problems.append(f"id sequence at {sequence}, below the largest id {max(rows)}")
    finally:
        db.close()
    sample = random.Random(0).sample(load.acked, min(read_back, len(load.acked)))
    for email, user_id in sample:  # through the vendor's own read route, with the token from before the crashes
        status, body = get_json(server.port, f"/as/api/v1/users/{user_id}", headers)
        if status != 200 or body["data"]["email"] != email:
            problems.append(f"GET user {user_id}: {status} {str(body)[:200]}")
    return {"rows": len(rows), "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--gap", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"),
                        help="seconds of load between restart and kill, drawn uniformly")
    parser.add_argument("--db", type=Path, help="SQLite file (default: a new one in a temporary directory)")
    parser.add_argument("--read-back", type=int, default=500, help="answered creates read back through the vendor's route")
    parser.add_argument("--seed", type=int, default=None, help="seed of the kill moments (default: random)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="crash-sqlite-") as tmp:
        path = (args.db or Path(tmp) / "crash.db").resolve()
        server = Server(f"sqlite:///{path}", free_port(), Path(tmp) / "server.log")
        server.start()
        try:
            _, vendors = get_json(server.port, "/__admin/vendors")
            headers = {k: str(v) for k, v in vendors[VENDOR]["headers"].items()}
            load = Load(server.port, headers, f"{seed:x}")
            started = time.monotonic()
            asyncio.run(drive(server, load, args.connections, args.kills, (args.gap[0], args.gap[1]), rng))
            elapsed = time.monotonic() - started
            result = verify(path, server, load, headers, args.read_back)
        finally:
            server.stop()
        log_tail = (Path(tmp) / "server.log").read_text(errors="replace")[-2000:]
    summary = {
        "seed": seed, "kills": args.kills, "connections": args.connections, "seconds": round(elapsed, 1),
        "answered_2xx": len(load.acked), "statuses": load.statuses, "cut_off": load.unanswered,
        "rows": result["rows"], "lost_or_inconsistent": len(result["problems"]),
    }
    print(json.dumps(summary))
    for problem in result["problems"][:20]:
        print("  " + problem)
    if not load.acked:
        print("  no create was answered 2xx: nothing was tested", file=sys.stderr)
        print(log_tail, file=sys.stderr)
        return 1
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
