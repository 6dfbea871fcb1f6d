#!/usr/bin/env python3
"""RSS per stored user of the default memory:// store, per vendor.

    python3 bench/memory.py                      # 100,000 users per vendor
    python3 bench/memory.py --users 200000 --vendors vaultspay,sabi
    python3 bench/memory.py --max-users 10000    # memory stays flat at the cap
    python3 bench/memory.py --store sqlite --users 20000   # RSS at 0, N/2, N users: flat (the rows are on disk)
    python3 bench/memory.py --store redis --users 20000    # same, plus redis-server's own RSS (a private one)

Each vendor runs in a child process of its own (RSS is per process), which
builds the app in-process and creates users through the vendor's own create
route and the whole request pipeline (``MockServer.answer_directly``: what the
fast transport calls, minus the socket), each with unique keys.  The journal
is bounded (``Config.journal_size`` rows, ``journal_bytes``): a warm-up of
more creates than it holds fills it first, so the measured delta is the
store's alone.  RSS is read from /proc after a full collection and
``malloc_trim`` (``mockserver.app.release_memory``), before and after.

Prints one line per vendor: bytes of RSS per stored user, the store's
rows, and the CPU time per create (making its body included, ~1-2 us).
With ``--store sqlite|redis`` (a temporary file; a private redis-server with no
persistence, stopped at the end) it prints RSS at 0, N/2 and N users instead:
the server process should stay flat, as the rows live in the file or in Redis,
whose own RSS is shown apart (it is what grows).  Exits 1 when a vendor is above --limit
(issue 15: 400 B per user, 40 MB per 100k).  Not a test (it takes a minute
or two); tests/core/test_memory_bound.py runs it small.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENDORS = ("vaultspay", "payabli", "sabi", "pulse", "etelecom")
ORIGIN = "http://bench.local"
LIMIT = 400  # bytes of RSS per stored user (issue 15)


def _body(vendor: str, n: int) -> dict[str, Any]:
    """bench/run.py's bodies, each made unique by ``n``."""
    if vendor == "vaultspay":
        return {"firstName": "khalid", "lastName": "raza", "email": f"u{n}@bench.pk", "countryCode": "92",
                "phone": f"3{n:09d}", "status": "ACTIVE"}
    if vendor == "payabli":
        return {"email": f"u{n}@bench.com", "phone": "5555555555", "name": "Sean Smith", "pwd": "x",
                "scope": [{"orgType": 0, "orgId": 123}], "access": [{"roleLabel": "customers", "roleValue": True}],
                "usrStatus": 1, "timeZone": -5, "language": "en", "mfaData": {"mfa": True, "mfaMode": 0},
                "additionalData": {"key1": "value1"}}
    if vendor == "sabi":
        return {"username": f"u{n}@bench.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi",
                "role": "CUSTOMER", "gender": "FEMALE", "phone": f"0803{n:07d}"}
    if vendor == "pulse":
        return {"email": f"u{n}@bench.com", "name": "Bench User"}
    if vendor == "etelecom":  # 092: a prefix fixture users never get (bench/run.py)
        return {"full_name": "Nguyễn Văn An", "password": "secret123", "phone": f"092{n:07d}", "roles": ["telecom_customerservice"]}
    raise SystemExit(f"unknown vendor {vendor!r}")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _pid_rss(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def measure(vendor: str, users: int, max_users: int | None, store: str | None = None,
            journal_size: int | None = None, redis_pid: int | None = None) -> dict[str, Any]:
    """In this process: RSS before and after ``users`` creates (after a warm-up that fills the journal),
    and at the half-way point (``rss_half``); with ``redis_pid``, that process's RSS at the same points."""
    import orjson

    from mockserver.app import build_app, release_memory
    from mockserver.config import Config
    from tests.core.samples import create_route  # the tests' own way to send a create (this checkout's tests/)

    extra: dict[str, Any] = {} if max_users is None else {"max_users": max_users}
    if store is not None:
        extra["store"] = store
    if journal_size is not None:
        extra["journal_size"] = journal_size
    config = Config(seed=1, vendors=(vendor,), **extra)
    app = build_app(config)
    method, path, headers = create_route(app, vendor, ORIGIN)
    answer = app.answer_directly
    dumps = orjson.dumps
    warm = config.journal_size + 2_000  # fills the journal: its memory is bounded and now spent
    for n in range(warm):
        _check(answer(method, path, b"", headers, dumps(_body(vendor, n))), vendor)
    table = app.runtime.store.table(vendor, "users")
    rows_before = len(table)
    release_memory()
    before, redis_rss = _rss(), [_pid_rss(redis_pid)] if redis_pid else []
    cpu = 0.0
    half = before
    # Each body made as it is sent, and gone after: nothing but the server's state outlives a request.
    for start, stop in ((warm, warm + users // 2), (warm + users // 2, warm + users)):
        t0 = time.process_time()
        for n in range(start, stop):
            _check(answer(method, path, b"", headers, dumps(_body(vendor, n))), vendor)
        cpu += time.process_time() - t0
        release_memory()
        half = half if stop == warm + users else _rss()
        if redis_pid:
            redis_rss.append(_pid_rss(redis_pid))
    after = _rss()
    grown = len(table) - rows_before
    return {
        "vendor": vendor, "users": users, "rows": len(table), "grown": grown, "rss_before": before, "rss_half": half,
        "rss_after": after, "per_user": (after - before) / users, "create_us": cpu / users * 1e6,
        "store": (store or "memory://").split(":", 1)[0], **({"redis_rss": redis_rss} if redis_pid else {}),
    }


def _check(result: Any, vendor: str) -> None:
    if not isinstance(result, tuple) or not (b" 200 " in result[0][:16] or b" 201 " in result[0][:16]):
        head = result[0][:200] if isinstance(result, tuple) else result
        raise SystemExit(f"{vendor}: a create was not answered 2xx: {head!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="users created per vendor (default 100,000)")
    parser.add_argument("--vendors", default=",".join(VENDORS))
    parser.add_argument("--max-users", type=int, default=None, help="Config.max_users (--max-users of serve)")
    parser.add_argument("--limit", type=float, default=LIMIT, help=f"bytes per user above which to exit 1 (default {LIMIT})")
    parser.add_argument("--json", action="store_true", help="one JSON object per vendor instead of the table")
    parser.add_argument("--store", choices=("memory", "sqlite", "redis"), default="memory",
                        help="memory:// (default), sqlite (a temporary file per vendor) or redis (a private "
                             "redis-server, one database per vendor): RSS at 0, N/2 and N users")
    parser.add_argument("--journal-size", type=int, default=None,
                        help="Config.journal_size (the warm-up is this + 2,000 creates; default the Config's)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--store-url", help=argparse.SUPPRESS)
    parser.add_argument("--redis-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.users, args.max_users, args.store_url, args.journal_size,
                                 args.redis_pid)))
        return 0
    if args.store == "memory":
        return _run(args, None)
    if args.store == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            return _run(args, lambda i: f"sqlite:///{tmp}/store{i}.db")
    from run import Redis  # bench/run.py's private redis-server (this directory is on sys.path)

    redis_server = Redis()
    try:
        return _run(args, lambda i: f"redis://127.0.0.1:{redis_server.port}/{i % 16}", redis_server.proc.pid)
    finally:
        redis_server.stop()


def _run(args: argparse.Namespace, store_url: Callable[[int], str] | None, redis_pid: int | None = None) -> int:
    """One child process per vendor; prints its row; 1 when a vendor is above --limit or failed."""
    failed = False
    mib = 2**20
    if not args.json:
        if store_url is None:
            print(f"{'vendor':<10} {'users':>8} {'rows':>8} {'RSS delta':>10} {'B/user':>7} {'us/create':>9}")
        else:
            print(f"{'vendor':<10} {'users':>8} {'store':>6}  {'server RSS MiB at 0 / N/2 / N':>30} {'B/user':>7} "
                  f"{'us/create':>9}" + ("  redis-server RSS MiB at 0 / N/2 / N" if redis_pid else ""))
    for i, vendor in enumerate(args.vendors.split(",")):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", vendor, "--users", str(args.users)]
        if args.max_users is not None:
            cmd += ["--max-users", str(args.max_users)]
        if args.journal_size is not None:
            cmd += ["--journal-size", str(args.journal_size)]
        if store_url is not None:
            cmd += ["--store-url", store_url(i)]
        if redis_pid is not None:
            cmd += ["--redis-pid", str(redis_pid)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode:
            print(f"{vendor}: failed\n{done.stderr.strip()[-2000:]}", file=sys.stderr)
            failed = True
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        failed |= row["per_user"] > args.limit
        if args.json:
            print(json.dumps(row))
        elif store_url is not None:
            points = " / ".join(f"{row[k] / mib:.1f}" for k in ("rss_before", "rss_half", "rss_after"))
            redis_points = " / ".join(f"{v / mib:.1f}" for v in row.get("redis_rss") or [] if v is not None)
            print(f"{vendor:<10} {row['users']:>8} {row['store']:>6}  {points:>30} {row['per_user']:>7.0f} "
                  f"{row['create_us']:>9.1f}" + (f"  {redis_points}" if redis_pid else ""))
        else:
            delta = (row["rss_after"] - row["rss_before"]) / 2**20
            print(f"{vendor:<10} {row['users']:>8} {row['rows']:>8} {delta:>8.1f}MB {row['per_user']:>7.0f} {row['create_us']:>9.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this checkout's mockserver, not an installed one
    sys.exit(main())
