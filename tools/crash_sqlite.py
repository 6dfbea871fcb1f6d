"""Crash test of the SQLite store: write load, ``kill -9`` at random moments, restart, verify.

    python3 tools/crash_sqlite.py                       # 64 connections, 20 kills (the issue's test)
    python3 tools/crash_sqlite.py --kills 5 --connections 16 --gap 0.2 0.6   # what the suite runs

Starts ``mockserver serve --vendor NAME --store sqlite:///<file>`` (the registry's first
vendor unless ``--vendor`` says) and loads it with creates, the body of the vendor's own
``create_user`` example with its unique fields (``Vendor.unique_fields``: e-mails, phone
numbers) made unique per request, over N keep-alive connections.  At random moments it
kills the server with SIGKILL and starts it again on the same file and port; the
connections reconnect and go on.  Then it checks, in the file and through the vendor's
own read routes (``Vendor.user_listing``, with the credentials from before the crashes,
which must have survived too):

- every create answered 2xx is there: a row holding its unique values, whose key (the id)
  is in the answer; every such user is listed by the vendor's read routes;
- no two answered creates got one row (ids never reused after a crash);
- no half-written record: every row of the vendor decodes whole, every unique key points
  at an existing row.

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
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver import vendors as registry  # noqa: E402
from mockserver.core.packed import unpack  # noqa: E402

READY_SECONDS = 60.0  # a start on a loaded 2-core machine can take several seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The server process on a fixed port and file: started, killed, started again."""

    def __init__(self, url: str, port: int, log: Path, vendor: str) -> None:
        self.url, self.port, self.log, self.vendor = url, port, log, vendor
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mockserver", "serve", "--port", str(self.port), "--vendor", self.vendor,
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


def get_json(
    port: int, path: str, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None,
    method: str = "GET", body: Any = None,
) -> tuple[int, Any]:
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    data = None if body is None else json.dumps(body).encode()
    sent = {**(headers or {}), **({"Content-Type": "application/json"} if data is not None else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}{query}", data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def create_example(vendor: str) -> tuple[str, dict[str, Any], list[str]]:
    """The vendor's create_user example: its path (below the mount), its body, and the body fields to make unique:
    the declared unique fields that hold an e-mail or a phone-like number (a country code stays as it is)."""
    cls = registry.load(vendor)
    example = next(e for e in cls.examples if e.name == "create_user")
    body = dict(example.body)
    fields = [f for f in sorted(cls.unique_fields or body) if isinstance(body.get(f), str)
              and ("@" in body[f] or sum(c.isdigit() for c in body[f]) >= 7)]
    return example.path, body, fields


def unique_value(value: str, tag: str, seq: int) -> str:
    """``value`` made unique: an e-mail's local part tagged, else its last 7 digits replaced by ``seq``."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local}.{tag}@{domain}"
    digits = list(f"{seq % 10**7:07d}")
    chars = list(value)
    for i in range(len(chars) - 1, -1, -1):
        if chars[i].isdigit() and digits:
            chars[i] = digits.pop()
    return "".join(chars)


class Load:
    """N connections creating users until told to stop; remembers every create answered 2xx."""

    def __init__(self, port: int, headers: dict[str, str], run: str, vendor: str) -> None:
        self.port, self.run = port, run
        self.path, self.body, self.fields = create_example(vendor)
        self.head = "".join(f"{name}: {value}\r\n" for name, value in headers.items() if name.lower() != "content-type")
        self.acked: list[tuple[list[str], bytes]] = []  # (unique values sent, answer) of every 2xx
        self.seq = 0
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
                    self.seq += 1
                    sent = dict(self.body)
                    for field in self.fields:
                        sent[field] = unique_value(sent[field], f"crash{self.run}t{index}n{n}", self.seq)
                    body = json.dumps(sent).encode()
                    writer.write(
                        f"POST {self.path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n{self.head}"
                        f"content-length: {len(body)}\r\n\r\n".encode() + body
                    )
                    status, payload = await self._response(reader)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if 200 <= status < 300:
                        self.acked.append(([sent[f] for f in self.fields], payload))
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


def _strings(value: Any, out: set[str]) -> set[str]:
    """Every scalar in a JSON value, as text (folded too: a vendor may keep an e-mail lower-cased)."""
    if isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)
    elif value is not None:
        text = str(value)
        out.update((text, text.lower(), _digits(text)))
    return out


def _digits(text: str) -> str:
    """A phone-like value as a vendor may keep it reformatted (+84 901 ... as 0901...): its last 9 digits."""
    digits = "".join(c for c in text if c.isdigit())
    return "#" + digits[-9:] if len(digits) >= 7 else text


def _held(values: list[str], index: dict[str, Any]) -> set[Any]:
    return {index.get(v, index.get(v.lower(), index.get(_digits(v)))) for v in values}


def verify(path: Path, server: Server, load: Load, headers: dict[str, str], base: str) -> dict[str, Any]:
    problems: list[str] = []
    db = sqlite3.connect(path)
    try:
        owner: dict[str, tuple[str, Any]] = {}  # a unique value sent -> the (table, key) of the row holding it
        keys: dict[str, set[str]] = {}  # table -> its keys, as text
        rows = 0
        for tbl, key, data in db.execute("SELECT tbl, key, data FROM rows WHERE ns=?", (server.vendor,)):
            rows += 1
            try:
                record, kept_key = unpack(data), unpack(key)
                kept_key = tuple(kept_key) if isinstance(kept_key, list) else kept_key  # a composite key
            except Exception as exc:  # a row that does not read back whole is the failure looked for
                problems.append(f"unreadable record in {tbl}: {exc}")
                continue
            if not isinstance(record, dict) or not record:
                problems.append(f"half-written record {tbl}[{kept_key!r}]: {record!r}")
                continue
            keys.setdefault(tbl, set()).add(str(kept_key))
            for text in _strings(record, set()):
                owner.setdefault(text, (tbl, kept_key))
        for tbl, field, key in db.execute("SELECT tbl, field, key FROM uniq WHERE ns=?", (server.vendor,)):
            if db.execute("SELECT 1 FROM rows WHERE ns=? AND tbl=? AND key=?", (server.vendor, tbl, key)).fetchone() is None:
                problems.append(f"unique key {tbl}.{field} points at a missing row {unpack(key)!r}")
    finally:
        db.close()
    holders: dict[tuple[str, str], list[str]] = {}
    for values, answer in load.acked:
        found = _held(values, owner)
        if None in found or len(found) != 1:
            problems.append(f"lost: {values} answered 2xx, no one row holds them ({found})")
            continue
        tbl, key = found.pop()
        # The id the client was given, if the answer gives one (a key of that table): the row's own.
        given = _strings(json.loads(answer), set()) & keys.get(tbl, set())
        if given and str(key) not in given:
            problems.append(f"{values}: answered with id {sorted(given)[:3]} but held by {tbl}[{key!r}]: {answer[:200]!r}")
        holders.setdefault((tbl, json.dumps(key)), []).append(values[0])
    problems += [f"one row, {where}, answered for several creates: {sent[:3]}" for where, sent in holders.items() if len(sent) > 1]
    listing = registry.load(server.vendor).user_listing
    if listing is not None:  # through the vendor's own read routes, with the credentials from before the crashes

        def read(method: str, where: str, **options: Any) -> Any:
            status, body = get_json(server.port, base + where, options.get("headers"), options.get("params"), method, options.get("json"))
            return body if status == 200 else {"status": status}

        listed = _strings(listing(read, headers), set())
        missing = [values for values, _ in load.acked if not any(v in listed or v.lower() in listed or _digits(v) in listed for v in values)]
        problems += [f"not listed by the vendor's read routes: {values}" for values in missing[:20]]
    return {"rows": rows, "problems": problems, "listed": listing is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--gap", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"),
                        help="seconds of load between restart and kill, drawn uniformly")
    parser.add_argument("--db", type=Path, help="SQLite file (default: a new one in a temporary directory)")
    parser.add_argument("--vendor", choices=registry.NAMES, default=registry.NAMES[0], help="the vendor loaded (default: the first)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the kill moments (default: random)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="crash-sqlite-") as tmp:
        path = (args.db or Path(tmp) / "crash.db").resolve()
        server = Server(f"sqlite:///{path}", free_port(), Path(tmp) / "server.log", args.vendor)
        server.start()
        try:
            _, vendors = get_json(server.port, "/__admin/vendors")
            info = vendors[args.vendor]
            headers = {k: str(v) for k, v in info["headers"].items()}
            load = Load(server.port, headers, f"{seed:x}", args.vendor)
            started = time.monotonic()
            asyncio.run(drive(server, load, args.connections, args.kills, (args.gap[0], args.gap[1]), rng))
            elapsed = time.monotonic() - started
            result = verify(path, server, load, headers, urllib.parse.urlsplit(info["base_url"]).path)
        finally:
            server.stop()
        log_tail = (Path(tmp) / "server.log").read_text(errors="replace")[-2000:]
    summary = {
        "vendor": args.vendor, "seed": seed, "kills": args.kills, "connections": args.connections, "seconds": round(elapsed, 1),
        "answered_2xx": len(load.acked), "statuses": load.statuses, "cut_off": load.unanswered,
        "rows": result["rows"], "read_back": result["listed"], "lost_or_inconsistent": len(result["problems"]),
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
