#!/usr/bin/env python3
"""RSS per stored user of the default memory:// store, per vendor.

    python3 bench/memory.py                      # 100,000 users per vendor
    python3 bench/memory.py --users 200000 --vendors vaultspay,sabi
    python3 bench/memory.py --max-users 10000    # memory stays flat at the cap

Each vendor runs in a child process of its own (RSS is per process), which
builds the app in-process and creates users through the vendor's own create
route and the whole request pipeline (``MockServer.answer_directly``: what the
fast transport calls, minus the socket), each with unique keys.  The journal
is bounded (``Config.journal_size`` rows, ``journal_bytes``): a warm-up of
more creates than it holds fills it first, so the measured delta is the
store's alone.  RSS is read from /proc after a full collection and
``malloc_trim`` (``mockserver.app.release_memory``), before and after.

Prints one line per vendor: bytes of RSS per stored user, the store's
rows, and the CPU time per create (making its body included, ~1-2 us).  Exits 1 when a vendor is above --limit
(issue 15: 400 B per user, 40 MB per 100k).  Not a test (it takes a minute
or two); tests/core/test_memory_bound.py runs it small.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
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


def measure(vendor: str, users: int, max_users: int | None) -> dict[str, Any]:
    """In this process: RSS before and after ``users`` creates (after a warm-up that fills the journal)."""
    import orjson

    from mockserver.app import build_app, release_memory
    from mockserver.config import Config

    extra: dict[str, Any] = {} if max_users is None else {"max_users": max_users}
    config = Config(seed=1, vendors=(vendor,), **extra)
    app = build_app(config)
    info = app.runtime.describe(ORIGIN)[vendor]
    method, _, url = info["create_user"].partition(" ")
    path = url[len(ORIGIN):]
    headers = [(k.lower().encode(), str(v).encode()) for k, v in info["headers"].items()]
    if not any(k == b"content-type" for k, _ in headers):
        headers.append((b"content-type", b"application/json"))
    headers.append((b"host", b"bench.local"))
    answer = app.answer_directly
    dumps = orjson.dumps
    warm = config.journal_size + 2_000  # fills the journal: its memory is bounded and now spent
    for n in range(warm):
        _check(answer(method, path, b"", headers, dumps(_body(vendor, n))), vendor)
    table = app.runtime.store.table(vendor, "users")
    rows_before = len(table)
    release_memory()
    before = _rss()
    cpu = time.process_time()
    # Each body made as it is sent, and gone after: nothing but the server's state outlives a request.
    for n in range(warm, warm + users):
        _check(answer(method, path, b"", headers, dumps(_body(vendor, n))), vendor)
    cpu = time.process_time() - cpu
    release_memory()
    after = _rss()
    grown = len(table) - rows_before
    return {
        "vendor": vendor, "users": users, "rows": len(table), "grown": grown, "rss_before": before, "rss_after": after,
        "per_user": (after - before) / users, "create_us": cpu / users * 1e6,
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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.users, args.max_users)))
        return 0
    failed = False
    if not args.json:
        print(f"{'vendor':<10} {'users':>8} {'rows':>8} {'RSS delta':>10} {'B/user':>7} {'us/create':>9}")
    for vendor in args.vendors.split(","):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", vendor, "--users", str(args.users)]
        if args.max_users is not None:
            cmd += ["--max-users", str(args.max_users)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode:
            print(f"{vendor}: failed\n{done.stderr.strip()[-2000:]}", file=sys.stderr)
            failed = True
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        failed |= row["per_user"] > args.limit
        if args.json:
            print(json.dumps(row))
        else:
            delta = (row["rss_after"] - row["rss_before"]) / 2**20
            print(f"{vendor:<10} {row['users']:>8} {row['rows']:>8} {delta:>8.1f}MB {row['per_user']:>7.0f} {row['create_us']:>9.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this checkout's mockserver, not an installed one
    sys.exit(main())
