#!/usr/bin/env python3
"""Scale check on Redis (issue 15): many processes, one state, no lost or doubled user.

Two set-ups, each loaded for --duration seconds by --connections keep-alive
connections creating users of every vendor, a quarter of them on purpose with
keys other connections are also creating (the same e-mail, phone, username):
each create body is the vendor's OpenAPI example with its unique fields
(``Vendor.unique_fields``) made from a number, the same number the same keys.

  workers  one `mockserver serve --workers N` (default 4) on one port
  hosts    two `mockserver serve` on two ports sharing the Redis (two hosts
           behind a balancer, simulated): the connections alternate between them

Then it checks, and exits 1 on any failure:

  lost        every create of a fresh key was answered 2xx, and every user
              answered 2xx is in the vendor's user listing
              (``Vendor.user_listing``) read through every worker and every
              server (a vendor without a listing is judged by the next lines only)
  duplicates  no id handed out twice (where the answer carries an ``id`` or ``_id``)
  winners     exactly one 2xx per colliding key; every other attempt a 4xx (the
              vendor's own answer: a conflict; a create racing another between
              two of its writes may get the store's conflict answer instead)
  errors      no 5xx, no connection failure

"Through every worker": while reading, all workers but one are stopped
(SIGSTOP), so the kernel hands every new connection to that one.

    python3 tools/scale_redis.py                      # 30 s each, 64 connections, 4 workers
    python3 tools/scale_redis.py --duration 3 --connections 8 --workers 2 --redis redis://127.0.0.1:6379/0

Without --redis it starts a redis-server of its own (no persistence) on a free port.  With --unix the
workers, and the first of the two servers, name that Redis's unix socket (redis+unix://): one state
whichever way a process reaches it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import local_redis
from local_redis import stop_redis  # tools/: this script's directory, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # this checkout's mockserver (its registry), as the servers started here run it

COLLIDING = 200  # keys per vendor that every connection may try: n in [0, COLLIDING)
COLLIDE_EVERY = 4  # one request in four uses a colliding key
ATTEMPTS_PER_KEY = 6
FIRST_UNIQUE = 1000  # fresh keys: n from here on (below 10**6: six digits of a phone number)


@dataclass
class Vendor:
    name: str
    method: str
    path: str  # the create route, below the origin
    headers: dict[str, str]
    base: dict[str, Any]  # the create example
    unique: tuple[str, ...]  # the example's unique fields that a number can vary
    base_url: str  # below the origin

    def body(self, n: int) -> dict[str, Any]:
        """The example with its unique fields made from ``n`` (same n, same keys)."""
        out = dict(self.base)
        for name in self.unique:
            out[name] = vary(out[name], n)
        return out

    def key(self, n: int) -> str:
        """What finds the user made from ``n`` among a listing's values (see ``keys_of``)."""
        return keys_of(vary(self.base[self.unique[0]], n))[-1]


def vary(value: str, n: int) -> str:
    """An e-mail gets ``s<n>.`` before it; a phone number its last six digits replaced by n's (its formatting kept)."""
    if "@" in value:
        return f"s{n}.{value}"
    digits = f"{n:06d}"
    out, left = list(value), 6
    for i in range(len(out) - 1, -1, -1):
        if left and out[i].isdigit():
            left -= 1
            out[i] = digits[left]
    return "".join(out)


def variable(value: Any) -> bool:
    return isinstance(value, str) and ("@" in value or sum(c.isdigit() for c in value) >= 7)


def keys_of(value: str) -> list[str]:
    """A value as a listing may show it: lower-cased, and a phone number also by its last nine digits
    (a vendor answers "+84 901 234 567" as "0901234567")."""
    keys = [value.lower()]
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) >= 7 and "@" not in value:
        keys.append("#" + digits[-9:])
    return keys


def user_id(answer: Any) -> Any:
    """The id a create answer carries (``id`` or ``_id``, at the top or one object down), or None."""
    if not isinstance(answer, dict):
        return None
    for node in (answer, *(v for v in answer.values() if isinstance(v, dict))):
        for name in ("id", "_id"):
            if name in node and not isinstance(node[name], (dict, list)):
                return node[name]
    return None


def discover(origin: str) -> list[Vendor]:
    """Every vendor's create route and example (its OpenAPI document) and the unique fields it declares."""
    from mockserver import vendors as registry

    found = []
    for name, info in httpx.get(f"{origin}/__admin/vendors").json().items():
        doc = httpx.get(f"{origin}/__admin/openapi/{name}.json").json()
        schemas = doc.get("components", {}).get("schemas", {})
        method, url = info["create_user"].split(" ", 1)
        base: dict[str, Any] = {}
        for ops in doc["paths"].values():
            for op in ops.values():
                if isinstance(op, dict) and op.get("operationId") == "create_user":
                    schema = op["requestBody"]["content"]["application/json"]["schema"]
                    schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in schema else schema
                    base = (schema.get("examples") or [{}])[0]
        unique = tuple(sorted(f for f in registry.load(name).unique_fields if variable(base.get(f))))
        if not unique:
            print(f"  {name}: no unique field a number can vary: left out", flush=True)
            continue
        found.append(Vendor(name, method, urlsplit(url).path, dict(info["headers"]), base, unique, urlsplit(info["base_url"]).path))
    return found


@dataclass
class Tally:
    attempts: dict[tuple[str, int], list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))  # (vendor, n) -> (status, id)
    errors: list[str] = field(default_factory=list)
    requests: int = 0


# ------------------------------------------------------------------ processes
def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    try:
        return local_redis.start_redis()
    except RuntimeError as exc:  # NoRedisServer too
        sys.exit(f"scale_redis: {exc}: install it (apt-get install redis-server) or pass --redis URL")


class Server:
    """A `mockserver serve` process; its port read from the banner."""

    def __init__(self, store: str, workers: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--log-level", "warning", "--store", store, "--workers", str(workers)],
            stdout=subprocess.PIPE, stderr=sys.stderr, text=True,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if found:
                self.origin = f"http://127.0.0.1:{found.group(1)}"
                break
        else:
            sys.exit(f"scale_redis: the server exited with {self.proc.wait()}")
        self.workers: list[int] = []
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.origin}/__admin/vendors", timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        if workers > 1:
            while len(self.workers) != workers and time.monotonic() < deadline:
                self.workers = sorted(int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split())
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------ load
async def load(origins: list[str], vendors: list[Vendor], connections: int, duration: float) -> Tally:
    tally = Tally()
    counters = {v.name: FIRST_UNIQUE for v in vendors}  # the next fresh key per vendor
    collisions = {v.name: 0 for v in vendors}  # colliding attempts so far per vendor
    deadline = time.monotonic() + duration

    async def connection(number: int) -> None:
        origin = origins[number % len(origins)]
        step = number
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30) as client:
            while time.monotonic() < deadline:
                step += 1
                vendor = vendors[step % len(vendors)]
                if step % COLLIDE_EVERY == 0:
                    # Consecutive colliding attempts (from any connection) share a key, ATTEMPTS_PER_KEY of them
                    # each, so a key is tried by several connections at about the same moment.
                    n = (collisions[vendor.name] // ATTEMPTS_PER_KEY) % COLLIDING
                    collisions[vendor.name] += 1
                else:
                    n = counters[vendor.name]
                    counters[vendor.name] += 1
                try:
                    answer = await client.request(vendor.method, origin + vendor.path, headers=vendor.headers, json=vendor.body(n))
                except httpx.HTTPError as exc:
                    tally.errors.append(f"{vendor.name} n={n}: {type(exc).__name__}: {exc}")
                    continue
                tally.requests += 1
                status = answer.status_code
                found = user_id(answer.json()) if 200 <= status < 300 else None
                tally.attempts[(vendor.name, n)].append((status, found))

    await asyncio.gather(*(connection(i) for i in range(connections)))
    return tally


def read_back(origin: str, vendors: list[Vendor], created: dict[str, dict[int, Any]]) -> tuple[int, list[str]]:
    """Every created user of a vendor with a listing, looked for in it through ``origin``: (users checked, what is missing)."""
    from mockserver import vendors as registry

    missing: list[str] = []
    checked = 0
    with httpx.Client(timeout=60) as client:
        for vendor in vendors:
            listing = registry.load(vendor.name).user_listing
            if listing is None:
                continue
            base = origin + vendor.base_url

            def read(method: str, path: str, **options: Any) -> Any:
                return client.request(method, base + path, **options).json()  # noqa: B023

            shown: set[str] = set()
            work = list(listing(read, vendor.headers))
            while work:  # every string in the listing, as keys_of() makes them
                node = work.pop()
                if isinstance(node, dict):
                    work.extend(node.values())
                elif isinstance(node, list):
                    work.extend(node)
                elif isinstance(node, str):
                    shown.update(keys_of(node))
            for n in created.get(vendor.name, {}):
                checked += 1
                if vendor.key(n) not in shown:
                    missing.append(f"{vendor.name} user n={n} ({vendor.body(n)[vendor.unique[0]]}) not listed via {origin}")
    return checked, missing


def judge(tally: Tally) -> tuple[dict[str, dict[int, Any]], dict[str, int], list[str]]:
    """The created users (vendor -> n -> id), the figures, and every failure."""
    failures = list(tally.errors)
    created: dict[str, dict[int, Any]] = defaultdict(dict)
    figures = {"requests": tally.requests, "created": 0, "conflicts": 0, "colliding keys": 0, "lost": 0, "duplicate ids": 0, "duplicates accepted": 0}
    ids: dict[str, dict[Any, int]] = defaultdict(dict)
    for (vendor, n), attempts in tally.attempts.items():
        wins = [(status, ident) for status, ident in attempts if 200 <= status < 300]
        for status, _ in attempts:
            if not 200 <= status < 500:  # a 5xx: an error whatever the key (a fresh key not 2xx: the "lost" line below)
                failures.append(f"{vendor} n={n}: status {status}")
        figures["conflicts"] += len(attempts) - len(wins)
        if n < COLLIDING:
            figures["colliding keys"] += 1
            if len(wins) != 1:
                figures["duplicates accepted" if wins else "lost"] += max(len(wins) - 1, 1 - len(wins))
                failures.append(f"{vendor} colliding key n={n}: {len(wins)} winners in {len(attempts)} attempts")
        elif len(wins) != 1 or len(attempts) != 1:
            figures["lost"] += 1
            failures.append(f"{vendor} fresh key n={n}: answered {[s for s, _ in attempts]}")
        for _, ident in wins:
            figures["created"] += 1
            created[vendor][n] = ident
            if ident is not None:
                if ident in ids[vendor]:
                    figures["duplicate ids"] += 1
                    failures.append(f"{vendor} id {ident} handed to n={ids[vendor][ident]} and n={n}")
                ids[vendor][ident] = n
    return created, figures, failures


def phase(name: str, servers: list[Server], connections: int, duration: float) -> bool:
    origins = [server.origin for server in servers]
    vendors = discover(origins[0])
    print(f"--- {name}: {len(servers)} server(s), {sum(max(len(s.workers), 1) for s in servers)} process(es), "
          f"{connections} connections, {duration:g} s", flush=True)
    started = time.monotonic()
    tally = asyncio.run(load(origins, vendors, connections, duration))
    elapsed = time.monotonic() - started
    created, figures, failures = judge(tally)
    checked, readable = 0, 0
    for server in servers:
        for worker in server.workers or [0]:
            others = [pid for pid in server.workers if pid != worker]
            for pid in others:
                os.kill(pid, signal.SIGSTOP)
            try:
                readable, missing = read_back(server.origin, vendors, created)
            finally:
                for pid in others:
                    os.kill(pid, signal.SIGCONT)
            checked += 1
            figures["lost"] += len(missing)
            failures.extend(f"{m} (worker pid {worker})" if worker else m for m in missing)
    print(f"  {figures['requests']} creates in {elapsed:.1f} s ({figures['requests'] / elapsed:.0f}/s): {figures['created']} users, "
          f"{figures['conflicts']} conflicts on {figures['colliding keys']} colliding keys")
    print(f"  lost {figures['lost']} · duplicate ids {figures['duplicate ids']} · duplicates accepted {figures['duplicates accepted']} · "
          f"errors {len(tally.errors)} · {readable} users found listed through each of {checked} process(es)/server(s)")
    for failure in failures[:20]:
        print(f"  FAIL {failure}")
    if len(failures) > 20:
        print(f"  ... {len(failures) - 20} more failures")
    print(f"  {'ok' if not failures else 'FAILED'}", flush=True)
    return not failures


def with_prefix(url: str, prefix: str) -> str:
    """``url`` naming its key prefix (``prefix=``), after any parameters it has (a socket's ``?db=N``)."""
    return f"{url}{'&' if '?' in url else '?'}prefix={prefix}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per set-up (default 30)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent keep-alive connections (default 64)")
    parser.add_argument("--workers", type=int, default=4, help="processes of the one-port set-up (default 4)")
    parser.add_argument("--redis", help="redis://HOST:PORT/DB to use (default: start a redis-server of our own)")
    parser.add_argument("--only", choices=["workers", "hosts"], help="run one set-up only")
    parser.add_argument("--unix", nargs="?", const="", metavar="redis+unix:///PATH",
                        help="the workers name the Redis's unix socket, and so does the first of the two servers (the "
                             "other its TCP address); the socket of our own redis-server unless one is given")
    args = parser.parse_args()
    redis_process = None
    url = args.redis
    if url is None:
        redis_process, url = start_redis()
    near = url  # what the workers and the first server name
    if args.unix is not None:
        if not args.unix and redis_process is None:
            parser.error("--unix with --redis needs the socket's URL: --unix redis+unix:///path/redis.sock")
        near = args.unix or local_redis.unix_url(url)
    ok = True
    try:
        run = uuid.uuid4().hex[:8]  # a key prefix per set-up: runs sharing a Redis never meet
        if args.only in (None, "workers"):
            server = Server(with_prefix(near, f"scale-{run}-w"), args.workers)
            try:
                over = " over the unix socket" if near != url else ""
                ok &= phase(f"workers: one port, --workers {args.workers}{over}", [server], args.connections, args.duration)
            finally:
                server.stop()
        if args.only in (None, "hosts"):
            # Both started before any load: a server's start-up seeds the shared fixtures.
            servers = [Server(with_prefix(one, f"scale-{run}-h"), 1) for one in (near, url)]
            try:
                mixed = " (the first over its unix socket)" if near != url else ""
                ok &= phase(f"hosts: two servers on two ports, one Redis{mixed}", servers, args.connections, args.duration)
            finally:
                for one in servers:
                    one.stop()
    finally:
        if redis_process is not None:
            stop_redis(redis_process)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
