#!/usr/bin/env python3
"""Scale check on Redis (issue 15): many processes, one state, no lost or doubled user.

Two set-ups, each loaded for --duration seconds by --connections keep-alive
connections creating users of every vendor, a quarter of them on purpose with
keys another connection is also creating (the same e-mail/phone/username):

  workers  one `mockserver serve --workers N` (default 4) on one port
  hosts    two `mockserver serve` on two ports sharing the Redis (two hosts
           behind a balancer, simulated): the connections alternate between them

Then it checks, and exits 1 on any failure:

  lost        every create of a fresh key was answered 2xx, and every user
              answered 2xx reads back through every worker and every server
              (VaultsPay by id, Pulse in its user list; the other vendors have
              no read route a create's answer leads to: their users are checked
              by the next two lines only)
  duplicates  no id handed out twice (vendors whose answer carries the id)
  winners     exactly one 2xx per colliding key; every other attempt got the
              vendor's own conflict answer
  errors      no other status, no connection failure

"Through every worker": while reading, all workers but one are stopped
(SIGSTOP), so the kernel hands every new connection to that one.

    python3 tools/scale_redis.py                      # 30 s each, 64 connections, 4 workers
    python3 tools/scale_redis.py --duration 3 --connections 8 --workers 2 --redis redis://127.0.0.1:6379/0

Without --redis it starts a redis-server of its own (no persistence) on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

VENDORS = ("vaultspay", "payabli", "sabi", "pulse", "etelecom")
COLLIDING = 200  # keys per vendor that every connection may try: n in [0, COLLIDING)
COLLIDE_EVERY = 4  # one request in four uses a colliding key
ATTEMPTS_PER_KEY = 6
FIRST_UNIQUE = 1000
# Each vendor's answer to a taken key.  eTelecom's create is two writes (the user, then its shop
# membership): in one process no request runs between them, so a second create of the phone
# finds both and gets user_exists (412).  Workers sharing Redis run requests side by side, and
# a create racing the winner between its two checks and writes meets the store's own unique
# check instead: its conflict answer, already_exists (409).  One winner either way.
CONFLICT_STATUS = {"vaultspay": {400}, "payabli": {400}, "sabi": {409}, "pulse": {409}, "etelecom": {412, 409}}

BODIES: dict[str, dict[str, Any]] = {
    "vaultspay": {"firstName": "khalid", "lastName": "raza", "countryCode": "92", "status": "ACTIVE"},
    "payabli": {
        "phone": "5555555555", "name": "Sean Smith", "pwd": "s3cret!", "scope": [{"orgType": 0, "orgId": 123}],
        "access": [{"roleLabel": "customers", "roleValue": True}], "usrStatus": 1, "timeZone": -5, "language": "en",
        "mfaData": {"mfa": True, "mfaMode": 0},
    },
    "sabi": {"password": "Secret123!", "firstName": "Ada", "lastName": "Obi", "role": "CUSTOMER", "gender": "FEMALE"},
    "pulse": {"name": "John Doe"},
    "etelecom": {"full_name": "Nguyễn Văn An", "password": "secret123", "roles": ["telecom_customerservice"]},
}


def body(vendor: str, n: int) -> dict[str, Any]:
    """The vendor's create body with its unique keys made from ``n`` (same n, same keys)."""
    out = dict(BODIES[vendor])
    if vendor == "vaultspay":
        out.update(email=f"scale{n}@example.pk", phone=f"33{n:08d}")
    elif vendor == "payabli":
        out.update(email=f"scale{n}@example.com")
    elif vendor == "sabi":
        out.update(username=f"scale{n}@example.ng", phone=f"0803{n:07d}")
    elif vendor == "pulse":
        out.update(email=f"scale{n}@example.com")
    else:
        out.update(phone=f"0913{n:06d}")
    return out


def user_id(vendor: str, answer: Any) -> Any:
    if vendor == "vaultspay":
        return answer["data"]["id"]
    if vendor == "sabi":
        return answer.get("_id")
    if vendor in ("pulse", "etelecom"):
        return answer.get("id")
    return None  # payabli answers {"responseData": null}: no id to compare


@dataclass
class Tally:
    attempts: dict[tuple[str, int], list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    requests: int = 0


# ------------------------------------------------------------------ processes
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        sys.exit("scale_redis: no redis-server on PATH: install it (apt-get install redis-server) or pass --redis URL")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", tempfile.mkdtemp()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit("scale_redis: redis-server did not start")


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
        self.vendors = httpx.get(f"{self.origin}/__admin/vendors").json()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------ load
async def load(origins: list[str], vendors: dict[str, Any], connections: int, duration: float) -> Tally:
    tally = Tally()
    counters = dict.fromkeys(VENDORS, FIRST_UNIQUE)  # the next fresh key per vendor
    collisions = dict.fromkeys(VENDORS, 0)  # colliding attempts so far per vendor
    deadline = time.monotonic() + duration

    async def connection(number: int) -> None:
        origin = origins[number % len(origins)]
        step = number
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30) as client:
            while time.monotonic() < deadline:
                step += 1
                vendor = VENDORS[step % len(VENDORS)]
                if step % COLLIDE_EVERY == 0:
                    # Consecutive colliding attempts (from any connection) share a key, ATTEMPTS_PER_KEY of them
                    # each, so a key is tried by several connections at about the same moment.
                    n = (collisions[vendor] // ATTEMPTS_PER_KEY) % COLLIDING
                    collisions[vendor] += 1
                else:
                    n = counters[vendor]
                    counters[vendor] += 1
                info = vendors[vendor]
                method, url = info["create_user"].split(" ", 1)
                url = origin + url[url.index("/", len("http://")):]
                try:
                    answer = await client.request(method, url, headers=info["headers"], json=body(vendor, n))
                except httpx.HTTPError as exc:
                    tally.errors.append(f"{vendor} n={n}: {type(exc).__name__}: {exc}")
                    continue
                tally.requests += 1
                status = answer.status_code
                found = user_id(vendor, answer.json()) if 200 <= status < 300 else None
                tally.attempts[(vendor, n)].append((status, found))

    await asyncio.gather(*(connection(i) for i in range(connections)))
    return tally


async def read_back(origin: str, vendors: dict[str, Any], created: dict[str, dict[int, Any]], connections: int) -> list[str]:
    """Every created VaultsPay user by id and every Pulse user in the list, through ``origin``: what is missing."""
    missing: list[str] = []
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
    for n, ident in created["vaultspay"].items():
        queue.put_nowait((n, ident))
    info = vendors["vaultspay"]
    base = origin + info["base_url"][info["base_url"].index("/", len("http://")):]

    async def reader() -> None:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30) as client:
            while not queue.empty():
                n, ident = queue.get_nowait()
                answer = await client.get(f"{base}/as/api/v1/users/{ident}", headers=info["headers"])
                if answer.status_code != 200 or answer.json()["data"]["email"] != f"scale{n}@example.pk":
                    missing.append(f"vaultspay id {ident} via {origin}: {answer.status_code}")

    await asyncio.gather(*(reader() for _ in range(connections)))
    pulse = vendors["pulse"]
    async with httpx.AsyncClient(timeout=60) as client:
        listed = await client.get(origin + pulse["base_url"][pulse["base_url"].index("/", len("http://")):] + "/users", headers=pulse["headers"])
    emails = {user["email"]: user["id"] for user in listed.json()}
    for n, ident in created["pulse"].items():
        if emails.get(f"scale{n}@example.com") != ident:
            missing.append(f"pulse scale{n}@example.com (id {ident}) not in the list via {origin}")
    return missing


def judge(tally: Tally) -> tuple[dict[str, dict[int, Any]], dict[str, int], list[str]]:
    """The created users (vendor -> n -> id), the figures, and every failure."""
    failures = list(tally.errors)
    created: dict[str, dict[int, Any]] = defaultdict(dict)
    figures = {"requests": tally.requests, "created": 0, "conflicts": 0, "colliding keys": 0, "lost": 0, "duplicate ids": 0, "duplicates accepted": 0}
    ids: dict[str, dict[Any, int]] = defaultdict(dict)
    for (vendor, n), attempts in tally.attempts.items():
        wins = [(status, ident) for status, ident in attempts if 200 <= status < 300]
        for status, _ in attempts:
            if not 200 <= status < 300 and status not in CONFLICT_STATUS[vendor]:
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
    vendors = servers[0].vendors
    print(f"--- {name}: {len(servers)} server(s), {sum(max(len(s.workers), 1) for s in servers)} process(es), "
          f"{connections} connections, {duration:g} s", flush=True)
    started = time.monotonic()
    tally = asyncio.run(load(origins, vendors, connections, duration))
    elapsed = time.monotonic() - started
    created, figures, failures = judge(tally)
    readers = min(connections, 16)
    checked = 0
    for server in servers:
        for worker in server.workers or [0]:
            others = [pid for pid in server.workers if pid != worker]
            for pid in others:
                os.kill(pid, signal.SIGSTOP)
            try:
                missing = asyncio.run(read_back(server.origin, vendors, created, readers))
            finally:
                for pid in others:
                    os.kill(pid, signal.SIGCONT)
            checked += 1
            figures["lost"] += len(missing)
            failures.extend(f"{m} (worker pid {worker})" if worker else m for m in missing)
    readable = len(created["vaultspay"]) + len(created["pulse"])
    print(f"  {figures['requests']} creates in {elapsed:.1f} s ({figures['requests'] / elapsed:.0f}/s): {figures['created']} users, "
          f"{figures['conflicts']} conflicts on {figures['colliding keys']} colliding keys")
    print(f"  lost {figures['lost']} · duplicate ids {figures['duplicate ids']} · duplicates accepted {figures['duplicates accepted']} · "
          f"errors {len(tally.errors)} · {readable} users read back through each of {checked} process(es)/server(s)")
    for failure in failures[:20]:
        print(f"  FAIL {failure}")
    if len(failures) > 20:
        print(f"  ... {len(failures) - 20} more failures")
    print(f"  {'ok' if not failures else 'FAILED'}", flush=True)
    return not failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per set-up (default 30)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent keep-alive connections (default 64)")
    parser.add_argument("--workers", type=int, default=4, help="processes of the one-port set-up (default 4)")
    parser.add_argument("--redis", help="redis://HOST:PORT/DB to use (default: start a redis-server of our own)")
    parser.add_argument("--only", choices=["workers", "hosts"], help="run one set-up only")
    args = parser.parse_args()
    redis_process = None
    url = args.redis
    if url is None:
        redis_process, url = start_redis()
    ok = True
    try:
        run = uuid.uuid4().hex[:8]  # a key prefix per set-up: runs sharing a Redis never meet
        if args.only in (None, "workers"):
            server = Server(f"{url}?prefix=scale-{run}-w", args.workers)
            try:
                ok &= phase(f"workers: one port, --workers {args.workers}", [server], args.connections, args.duration)
            finally:
                server.stop()
        if args.only in (None, "hosts"):
            # Both started before any load: a server's start-up seeds the shared fixtures.
            servers = [Server(f"{url}?prefix=scale-{run}-h", 1) for _ in range(2)]
            try:
                ok &= phase("hosts: two servers on two ports, one Redis", servers, args.connections, args.duration)
            finally:
                for one in servers:
                    one.stop()
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
