#!/usr/bin/env python3
"""Fuzz every vendor and admin route of a real mockserver with malformed input (issue 12).

    python3 tools/fuzz.py                   # 6,000 requests, seed 1, every vendor and the admin API
    python3 tools/fuzz.py --count 20000 --seed 7 --only VENDOR --jobs 4 --timeout 10 --json report.json

It starts ``python -m mockserver serve --port 0`` from this checkout (frozen clock, so state compares), reads the
routes from the server (``GET /__admin/vendors``, ``GET /__admin/openapi/{vendor}.json``; the admin routes are
listed in tools/fuzz_cases.py, which makes the cases) and sends COUNT seeded, reproducible malformed requests
over a few keep-alive connections, and over raw sockets for framing junk: broken JSON, invalid UTF-8, lone
surrogates, ``1e400``, 5,000-digit numbers, nesting 500-20,000 deep, wrong types per schema property, extra,
misspelt and duplicated keys, NULs, huge strings, form, multipart and XML bodies, garbage Content-Type, garbage or
absent credentials, ``X-Mock-*`` garbage, unknown, 65 KB, %-encoded, ``..`` and ``//`` paths, junk queries, odd
methods, Content-Length/chunked mismatches, bad request lines and headers, pipelining, upgrades, malformed
scenario documents (a small YAML alias bomb too) and clock changes.  ``POST /__admin/reset`` is kept out of the
mix: at the end wrong methods and a junk session must change nothing, then a real reset must restore the fixtures.

It prints per vendor/admin the requests, status histogram, hangs (no answer within --timeout), dropped
connections, server log problems and whether the store is unchanged; then each 5xx / hang / drop per route with
the inputs that got there and an example, and each kind of Traceback/ERROR block the server logged with the
requests in flight.  Exit 1 on any 5xx, Traceback/ERROR line, hang, drop of a well-framed request, store
change, or a reset that does not restore.

Every request is refused by construction, so the store must not change.  One "anchor" user per vendor is created
from its create route's own example before the "before" snapshot; a request with valid credentials to a route
that writes keeps the anchor's identity fields (and target ids that never exist) and breaks only the rest, so
even a body the vendor takes is a duplicate.  Other requests carry absent or garbage credentials; login bodies a
wrong secret; ``X-Mock-Session`` goes without credentials; admin writes get malformed bodies only and
``DELETE /__admin/requests`` names a junk session.  Users are read back per vendor through its own read routes
(``Vendor.user_listing``); a vendor without one is checked through the journal (no new 2xx to a write).  Admin's
is the scenario library and the clock.  This file names no vendor: the registry (``mockserver.vendors``), the
server's ``/__admin`` answers and the vendor classes' declarations say everything about them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
# tools/ is no package: its sibling, however this file is loaded; and this checkout's mockserver, the one the server runs.
sys.path[:0] = [str(ROOT / "tools"), str(ROOT)]
from fuzz_cases import VENDORS, Case, Fuzzer, discover, render  # noqa: E402

from mockserver import vendors as registry  # noqa: E402

LOG_PROBLEM = re.compile(r"Traceback \(most recent call last\)|\bERROR\b|internal error|Exception in ")


@dataclass
class Result:
    case: Case
    status: int | None
    error: str
    started: float
    elapsed: float


class Server:
    """``python -m mockserver serve`` from this checkout, its stderr kept line by line with arrival times."""

    def __init__(self, seed: int = 1) -> None:
        cmd = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--log-level", "warning", "--seed", str(seed),
               "--clock", "frozen:2026-01-01T00:00:00Z"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.log: list[tuple[float, str]] = []
        threading.Thread(target=self._read, args=(self.proc.stderr, True), daemon=True).start()
        stdout: Any = self.proc.stdout
        port, deadline = None, time.monotonic() + 60
        while port is None:  # the banner's first line names the bound origin
            line = stdout.readline().decode("utf-8", "replace")
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
            if not line or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("mockserver did not start:\n" + "\n".join(text for _, text in self.log))
        threading.Thread(target=self._read, args=(stdout, False), daemon=True).start()
        self.port, self.base = port, f"http://127.0.0.1:{port}"
        for _ in range(400):  # the banner comes before uvicorn listens
            try:
                httpx.get(self.base + "/__admin/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)

    def _read(self, stream: Any, keep: bool) -> None:
        for raw in iter(stream.readline, b""):
            if keep:
                self.log.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def send_raw(port: int, case: Case, timeout: float) -> tuple[int | None, str]:
    """Write the bytes; read answers (1xx skipped) until each request has one, the server closes, or time runs out."""
    wanted, data, statuses = 2 if case.kind.startswith("raw pipelined") else 1, b"", list[int]()
    deadline = time.monotonic() + (timeout if case.must_answer else min(timeout, 1.0))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(case.raw or b"")
        except OSError:
            pass  # the server may stop reading junk early: its answer, if any, is still there
        while len(statuses) < wanted:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return (max(statuses) if statuses else None), ("" if statuses or not case.must_answer else "timeout")
            except OSError:
                chunk = b""
            if not chunk:
                return (max(statuses) if statuses else None), ("" if statuses else "closed")
            data += chunk
            while b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                found, length = re.match(rb"HTTP/\d\.\d (\d{3})", head), re.search(rb"(?im)^content-length:\s*(\d+)", head)
                size = int(length.group(1)) if length and case.method != "HEAD" else 0
                if not found or len(rest) < size:
                    break
                statuses += [] if found.group(1).startswith(b"1") else [int(found.group(1))]
                data = rest[size:]
    return max(statuses), ""


def execute(cases: list[Case], base: str, port: int, jobs: int, timeout: float, max_seconds: float) -> list[Result]:
    local, stop_at, clients = threading.local(), time.monotonic() + max_seconds, list[httpx.Client]()

    def one(case: Case, retry: bool = True) -> Result | None:
        if time.monotonic() > stop_at:
            return None
        started, status, error = time.monotonic(), None, ""
        try:
            if case.raw is not None:
                status, error = send_raw(port, case, timeout)
            else:
                if getattr(local, "client", None) is None:
                    local.client = httpx.Client(base_url=base, timeout=timeout, limits=httpx.Limits(max_connections=1))
                    clients.append(local.client)
                answer = local.client.request(case.method, "/", headers=case.headers, content=case.body, extensions={"target": case.target})
                status = local.last = answer.status_code
        except httpx.TimeoutException:
            error = "timeout"
        except (httpx.LocalProtocolError, UnicodeEncodeError):  # httpx will not write it: send it raw, as it is
            Fuzzer(random.Random(0), {}, [], port).frame(case, plain_only=True)
            return one(case)
        except (httpx.TransportError, OSError) as exc:
            local.client, previous = None, getattr(local, "last", 0)
            if not retry:
                return Result(case, None, "dropped: " + type(exc).__name__, started, time.monotonic() - started)
            # uvicorn closes a connection after an app's exception (that 5xx is counted already), and the next
            # request on it fails at once: try that one again.  Any other close of a kept-alive connection is a finding.
            again = one(case, retry=False)
            if again is None or previous >= 500 or again.error:
                return again
            status, error = again.status, f"dropped: {type(exc).__name__} on a kept-alive connection (then {again.status} on a new one)"
        return Result(case, status, error, started, time.monotonic() - started)

    with ThreadPoolExecutor(jobs) as pool:
        results = [r for r in pool.map(one, cases) if r is not None]
    for client in clients:
        client.close()
    return results


Snapshot = dict[str, tuple[int, str, str, list[Any]]]  # name -> (users, digest, how they were read, what was read)


def snapshot(client: httpx.Client, vendors: dict[str, Any]) -> Snapshot:
    """Per vendor (and admin): the users its read routes list, counted and digested."""
    out: Snapshot = {}

    def read(method: str, path: str, **options: Any) -> Any:  # a failed read is recorded, not raised
        error: dict[str, str] = {}
        for _ in (1, 2):  # once more on a new connection: uvicorn closes one after an app's exception
            try:
                answer = client.request(method, path, **options)
                return answer.json() if answer.status_code == 200 else {"status": answer.status_code, "text": answer.text[:300]}
            except httpx.TransportError as exc:
                error = {"error": repr(exc)}
            except ValueError as exc:
                return {"error": repr(exc)}
        return error

    def keep(name: str, rows: list[Any], via: str = "read routes") -> None:
        out[name] = (len(rows), hashlib.sha1(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:12], via, rows)

    for name, info in vendors.items():
        listing = registry.load(name).user_listing
        if listing is None:  # no read route: 2xx answers to its writes in the journal, every session
            journal = read("GET", "/__admin/requests", params={"vendor": name, "status": "2xx"})
            entries = [[e.get("operation"), e.get("status"), e.get("path"), str(e.get("body"))[:100]]
                       for e in (journal if isinstance(journal, list) else [journal])]
            keep(name, [e for e in entries if not str(e[0]).startswith(("list_", "get_"))], "journal")
            continue
        base = urlsplit(info["base_url"]).path
        keep(name, listing(lambda method, path, **options: read(method, base + path, **options), dict(info["headers"])))  # noqa: B023
    scenarios = read("GET", "/__admin/scenarios")
    names = [s.get("name", "") + (" (active)" if s.get("active") else "") for s in scenarios] if isinstance(scenarios, list) else [scenarios]
    keep("admin", [*names, read("GET", "/__admin/clock")], "scenarios, clock")
    return out


def changed(before: Snapshot, after: Snapshot) -> dict[str, str]:
    """Per name: "" if unchanged, else what is new and gone.  The journal only counts (an evicted entry is no change)."""
    out = {}
    for name, (count, digest, via, rows) in before.items():
        new = after[name]
        old_rows, new_rows = ([json.dumps(r, default=str)[:160] for r in each] for each in (rows, new[3]))
        added, gone = [r for r in new_rows if r not in old_rows], [r for r in old_rows if r not in new_rows]
        moved = new[0] > count if via == "journal" else new[1] != digest
        out[name] = f"new: {' | '.join(added[:4])}; gone: {' | '.join(gone[:4])}" if moved else ""
    return out


def create_anchors(client: httpx.Client, vendors: dict[str, Any]) -> dict[str, int]:
    """One user per vendor from its create route's example: what strict cases duplicate."""
    statuses = {}
    for name, info in vendors.items():
        method, url = info["create_user"].split(" ", 1)
        headers = {"Content-Type": "application/json", **info["headers"]}
        statuses[name] = client.request(method, urlsplit(url).path, headers=headers, content=render(info.get("anchor"))).status_code
    return statuses


@dataclass
class Report:
    sent: int
    planned: int  # fewer sent: --max-seconds ran out, and the run proves less than it should
    seconds: float
    groups: dict[str, Counter[str]]
    store: dict[str, str]  # name -> "yes (...)" or "NO (...)"
    store_changes: dict[str, str]  # name -> what is new and gone ("" when nothing)
    failures: list[dict[str, Any]]  # 5xx / hang / drop per route: the kinds of input, an example
    log: list[dict[str, Any]]  # Traceback/ERROR blocks, alike ones together, with the requests in flight
    anchors: dict[str, int]
    unrestored: list[str]  # vendors a real reset did not bring back to their fixtures
    uncovered: list[str]
    slowest: list[str]

    @property
    def ok(self) -> bool:
        clean = not self.failures and not self.log and not any(self.store_changes.values()) and not self.unrestored
        return clean and self.sent >= self.planned

    def text(self) -> str:
        cols = ["requests", "2xx", "3xx", "4xx", "5xx", "none", "hangs", "dropped", "log", "max ms"]
        short = f" (STOPPED EARLY: {self.planned} planned)" if self.sent < self.planned else ""
        header = f"{'group':<10}" + "".join(f"{c:>9}" for c in cols) + "  store unchanged"
        lines = [f"{self.sent} requests in {self.seconds:.1f} s{short}", "", header]
        lines += [f"{g:<10}" + "".join(f"{s[c]:>9}" for c in cols) + "  " + self.store.get(g, "-") for g, s in self.groups.items()]
        lines += [f"  {name} store: {what}" for name, what in self.store_changes.items() if what]
        restores = "NO: " + ", ".join(self.unrestored) if self.unrestored else "yes"
        lines += ["", f"anchors created: {self.anchors}", f"reset restores the fixtures: {restores}"]
        lines += ["routes never hit: " + ", ".join(self.uncovered)] if self.uncovered else []
        lines += ["slowest: " + s for s in self.slowest]
        for f in self.failures:
            kinds = ", ".join(f"{k} x{n}" for k, n in f["kinds"].most_common(6)) + (", ..." if len(f["kinds"]) > 6 else "")
            lines += ["", f"{f['what'].upper()} x{f['count']} on {f['route']}: {kinds}", *("    " + e for e in f["example"])]
        for block in self.log:
            lines += ["", f"SERVER LOG x{block['count']} ({block['lines']} lines):", *("    " + e for e in block["excerpt"]),
                      "  reproduced alone by:" if block["reproduced"] else "  in flight (likeliest first; none reproduced it alone):",
                      *("    " + c for c in block["in_flight"])]
        return "\n".join([*lines, "", "RESULT: " + ("OK" if self.ok else "FAILED")])


def describe(case: Case) -> list[str]:
    if case.raw is not None:
        return [f"raw bytes ({len(case.raw)}): {case.raw[:300]!r}"]
    heads = ", ".join(f"{k.decode('latin-1')}: {v[:60].decode('latin-1')}" for k, v in case.headers[:8])
    return [f"{case.method[:40]} {case.target[:200].decode('latin-1')}", f"headers: {heads}{' ...' if len(case.headers) > 8 else ''}",
            f"body ({len(case.body)} bytes): {case.body[:200]!r}"]


def log_blocks(log: list[tuple[float, str]]) -> list[tuple[float, list[str]]]:
    """The server's Traceback/ERROR lines, each with the traceback lines that follow it."""
    blocks: list[tuple[float, list[str]]] = []
    inside = False
    for stamp, line in log:
        if inside and (line[:1] in (" ", "\t", "") or line.startswith(("Traceback", "During handling", "The above"))
                       or re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt)\b", line)):
            blocks[-1][1].append(line)
        elif LOG_PROBLEM.search(line):
            blocks.append((stamp, [line]))
            inside = True
        else:
            inside = False
    return blocks


def summarise(results: list[Result], log: list[tuple[float, str]], replay: Callable[[Case], list[str]] | None = None,
              ) -> tuple[dict[str, Counter[str]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Per group counts, 5xx/hang/drop classes, and log blocks; ``replay`` (one case -> the log lines it caused) names
    the request behind each kind of block, which timing alone cannot do with several connections in flight."""
    groups: dict[str, Counter[str]] = {}
    classes: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results:
        stats = groups.setdefault(r.case.group, Counter())
        stats["requests"] += 1
        stats[f"{r.status // 100}xx" if r.status else "none"] += 1
        if r.case.must_answer or r.status:  # framing junk the server rightly waits on is not slow
            stats["max ms"] = max(stats["max ms"], round(r.elapsed * 1000))
        what = "hang" if r.error == "timeout" else "dropped" if r.error and r.case.must_answer else ""
        what = f"status {r.status}" if (r.status or 0) >= 500 else what
        if what in ("hang", "dropped"):
            stats["hangs" if what == "hang" else "dropped"] += 1
        if what:  # one class per route and outcome: the kinds of input that got there, the first example
            found = classes.setdefault((what, r.case.route), {"what": what, "route": r.case.route, "count": 0, "kinds": Counter(),
                                                              "example": ([r.error] if r.error else []) + describe(r.case)})
            found["count"] += 1
            found["kinds"][r.case.kind] += 1
    blocks: dict[str, dict[str, Any]] = {}
    for stamp, lines in log_blocks(log):
        # In flight when the line was written, likeliest first: a 5xx, then the one that ended closest to it.
        flight = sorted((r for r in results if r.started - 0.05 <= stamp <= r.started + r.elapsed + 0.25),
                        key=lambda r: ((r.status or 0) < 500, abs(r.started + r.elapsed - stamp)))
        if flight:
            groups[flight[0].case.group]["log"] += 1
        signature = re.sub(r"^[\d:]+ ", "", lines[0]) + " / " + lines[-1][:200]
        excerpt = lines if len(lines) <= 14 else lines[:6] + ["..."] + lines[-7:]
        if signature not in blocks:
            culprit = next((r for r in flight[:5] if replay is not None and lines[-1] in replay(r.case)), None)
            suspects = [culprit] if culprit else flight[:5]
            blocks[signature] = {"count": 0, "lines": len(lines), "excerpt": excerpt, "reproduced": culprit is not None,
                                 "in_flight": [f"[{r.case.group}] {r.case.kind}: {' / '.join(describe(r.case))[:400]}" for r in suspects]}
        blocks[signature]["count"] += 1
    return groups, sorted(classes.values(), key=lambda c: -c["count"]), list(blocks.values())


def fuzz(server: Server, count: int = 6000, seed: int = 1, only: str | None = None, jobs: int = 4, timeout: float = 10.0,
         max_seconds: float = 900.0) -> Report:
    """Discover, anchor, snapshot, fuzz, try reset, snapshot: the whole check against a started server."""
    with httpx.Client(base_url=server.base, timeout=30) as client:
        vendors, routes = discover(client)
        pristine = snapshot(client, vendors)
        anchors = create_anchors(client, vendors)
        before = snapshot(client, vendors)
        fuzzer = Fuzzer(random.Random(seed), vendors, routes, server.port)
        fuzzer.unanchored = {name for name, status in anchors.items() if not 200 <= status < 300}
        names = [g for g in [*vendors, "admin"] if only in (None, g)]
        cases = [fuzzer.case(names[i % len(names)]) for i in range(count)]
        started = time.monotonic()
        results = execute(cases, server.base, server.port, jobs, timeout, max_seconds)
        seconds = time.monotonic() - started
        # Reset was kept out of the mix: malformed resets first (they must change nothing), then a real one.
        resets = [Case("reset", "POST /__admin/reset", "reset variant", m, t, [], b"{]") for m, t in [
            ("GET", b"/__admin/reset"), ("PUT", b"/__admin/reset"), ("DELETE", b"/__admin/reset"),
            ("POST", b"/__admin/reset?session=fuzz-junk-%00%ff"), ("POST", b"/__admin/reset/"), ("POST", b"/__admin/RESET")]]
        results += execute(resets, server.base, server.port, 1, timeout, max_seconds)
        time.sleep(0.3)  # the last log lines
        after = snapshot(client, vendors)
        log = list(server.log)

        def replay(case: Case) -> list[str]:  # after the store's snapshot: it cannot count, and the reset below undoes it
            mark = len(server.log)
            execute([case], server.base, server.port, 1, timeout, 30)
            time.sleep(0.05)
            return [line for _, line in server.log[mark:]]

        groups, failures, blocks = summarise(results, log, replay)
        if server.proc.poll() is not None:
            exited = {"what": "server exited", "route": "-", "count": 1, "kinds": Counter(), "example": [f"code {server.proc.returncode}"]}
            failures.insert(0, exited)
        try:  # the clock outlives a reset by design (a change of it is reported above): put it back first
            client.post("/__admin/clock", json={"reset": True, "freeze": True})
            client.post("/__admin/reset")
        except httpx.HTTPError:
            pass  # the snapshot below says what is wrong
        # The scenario library outlives a reset by design too: only the vendors must be as they started.
        unrestored = [k for k, v in snapshot(client, vendors).items() if k != "admin" and v[:2] != pristine[k][:2]]
    moved = changed(before, after)  # every vendor's, whatever was fuzzed
    store = {k: f"{'NO' if moved[k] else 'yes'} ({before[k][0]} -> {after[k][0]} via {before[k][2]})" for k in moved}
    hit = {r.case.route for r in results}
    uncovered = [f"{r.method} {r.path}" for r in routes if f"{r.method} {r.path}" not in hit and r.group in names]
    slow = sorted((r for r in results if r.case.must_answer or r.status), key=lambda r: -r.elapsed)[:5]
    slowest = [f"{r.elapsed * 1000:.0f} ms [{r.case.group}] {r.case.kind}: {describe(r.case)[0][:100]}" for r in slow]
    return Report(len(results), count + len(resets), seconds, groups, store, moved, failures, blocks, anchors, unrestored, uncovered, slowest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=6000, help="requests to send (default 6000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the cases and of the server (default 1)")
    parser.add_argument("--only", choices=[*VENDORS, "admin"], help="fuzz one vendor, or the admin API, only")
    parser.add_argument("--jobs", type=int, default=4, help="connections in parallel (default 4)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a request counts as a hang (default 10)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop sending after this long (default 900)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    with Server(args.seed) as server:
        report = fuzz(server, args.count, args.seed, args.only, args.jobs, args.timeout, args.max_seconds)
    print(report.text())
    if args.json:
        args.json.write_text(json.dumps({**vars(report), "ok": report.ok}, indent=2, default=str))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
