#!/usr/bin/env python3
"""Load-test mockserver's create-user routes against a bare-Starlette floor.

    python3 bench/run.py              # 10 s per target
    python3 bench/run.py --quick      # 3 s per target
    python3 bench/run.py --vendors vaultspay,pulse --duration 20
    python3 bench/run.py --server both # mockserver's fast transport, then stock uvicorn
    python3 bench/run.py --dashboard 1 # with a dashboard open: one reader of the live journal stream
    python3 bench/run.py --store sqlite            # mockserver on a temporary SQLite file
    python3 bench/run.py --store redis --workers 1,2,4  # a private redis-server; the 1 -> 2 -> 4 worker curve
    python3 bench/run.py --store sqlite --workers 1,2,4 # N workers on one temporary SQLite file
    python3 bench/run.py --quick --server both --repeat 3  # 3 interleaved rounds: median ratios, min-max range

One server at a time on 127.0.0.1, loaded by wrk (-t2 -c64) on the same
machine. Exits 1 when a target is missed (TARGETS; judged on the medians with
--repeat N). See bench/README.md for what the numbers mean.
"""

from __future__ import annotations

import argparse
import functools
import http.client as httpclient
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import report  # bench/report.py (this script's directory is sys.path[0])
from report import P99_TARGET, STORE_TARGETS, TARGETS, Result, check_targets

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUA = HERE / "unique.lua"
VENDORS = ("vaultspay", "payabli", "sabi", "pulse", "etelecom")
HOST = "127.0.0.1"
SERVERS = ("fast", "stock")  # mockserver serve --server
REDIS_STORES = ("redis", "redis+unix")  # one private redis-server, over TCP or over its unix socket
STORES = ("memory", "sqlite", *REDIS_STORES)  # serve --store kinds (their targets: report.STORE_TARGETS)

# Request bodies; {ID} and {D7}/{D8}/{D9} are made unique per request (see unique.lua).
BODIES = {
    "vaultspay": {"firstName": "khalid", "lastName": "raza", "email": "u{ID}@bench.pk", "countryCode": "92",
                  "phone": "3{D9}", "status": "ACTIVE"},
    "payabli": {"email": "u{ID}@bench.com", "phone": "5555555555", "name": "Sean Smith", "pwd": "x",
                "scope": [{"orgType": 0, "orgId": 123}], "access": [{"roleLabel": "customers", "roleValue": True}],
                "usrStatus": 1, "timeZone": -5, "language": "en", "mfaData": {"mfa": True, "mfaMode": 0},
                "additionalData": {"key1": "value1"}},
    "sabi": {"username": "u{ID}@bench.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi",
             "role": "CUSTOMER", "gender": "FEMALE", "phone": "0803{D7}"},
    "pulse": {"email": "u{ID}@bench.com", "name": "Bench User"},
    # 092 is a real Vietnamobile prefix that fixture users (mockserver's pool of prefixes) never get: a bench
    # phone cannot collide with one of them (it did once in ~15 runs with 09{D8}: a 412 "already exists").
    "etelecom": {"full_name": "Nguyễn Văn An", "password": "secret123", "phone": "092{D7}", "roles": ["telecom_customerservice"]},
}


class StartError(RuntimeError):
    pass


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path
    startup_s: float = 0.0

    def pids(self) -> list[int]:
        """The server's process and its descendants (``serve --workers N`` forks N workers)."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        return found

    def rss_mib(self) -> float | None:
        """VmRSS summed over the server's processes (the workers share some pages: an upper bound)."""
        total = [rss_kib(pid) for pid in self.pids()]
        return sum(t for t in total if t is not None) / 1024 if total and total[0] is not None else None

    def cpu_s(self) -> float:
        return sum(cpu_s(pid) for pid in self.pids())

    def loaded_libs(self) -> set[str]:
        """Which of uvloop/httptools the server has actually mapped (its workers, with serve --workers N)."""
        pids = self.pids()
        found: set[str] = set()
        for pid in pids[1:] or pids:  # with workers, the parent only supervises: the workers serve
            try:
                maps = Path(f"/proc/{pid}/maps").read_text()
            except OSError:
                continue
            found |= {lib for lib in ("uvloop", "httptools") if f"/{lib}/" in maps}
        return found

    def log_tail(self, n: int = 15) -> str:
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self in RUNNING:
            RUNNING.remove(self)
        self.log.unlink(missing_ok=True)


RUNNING: list[Server] = []
REDIS: list[Redis] = []  # the run's private redis-server, if any (stopped at exit)


class Floor:
    """The floor server, kept running (idle) while mockserver is loaded, so it can be measured again
    right before each vendor: this VM's speed drifts by ±20 % over a minute, and a ratio is only
    meaningful against a floor measured under the same conditions."""

    def __init__(self, wrk_bin: str, server: Server, args, salt: int) -> None:
        self.wrk_bin, self.server, self.args, self.salt = wrk_bin, server, args, salt
        self.segments: list[float] = []  # req/s of each floor run
        self.p99s: list[float] = []  # and its p99 (ms)
        # Same script and a vendor-sized body, so wrk does the same work as in the vendor runs.
        self.template = json.dumps(BODIES["vaultspay"])

    def measure(self) -> Result:
        print(f"  floor: wrk POST / for {self.args.duration}s ...", flush=True)
        result = wrk(self.wrk_bin, "floor (bare Starlette)", self.server, f"http://{HOST}:{self.server.port}/",
                     {"Content-Type": "application/json"}, self.template, self.salt, self.args)
        self.segments.append(result.rps)
        self.p99s.append(result.p99_ms)
        return result

    def compare(self, result: Result, before: int) -> None:
        """A vendor row's ratios against the floor runs just before (index ``before``) and just after it."""
        report.compare(result, self.segments, self.p99s, before)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("wrk not found: installing it with apt-get ...", flush=True)
    if os.geteuid() != 0:
        sys.exit("bench: wrk is missing and we are not root; run `sudo apt-get install -y wrk` first.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            sys.exit(f"bench: `{' '.join(cmd)}` failed (exit {done.returncode}); install wrk by hand.\n"
                     + done.stderr[-2000:])
    path = shutil.which("wrk")
    if not path:
        sys.exit("bench: apt-get reported success but wrk is still not on PATH.")
    return path


HZ = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_s(pid: int) -> float:
    """utime + stime of one process, in seconds (children that exited are not counted)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except (OSError, IndexError, ValueError):
        return 0.0


class Redis:
    """A private redis-server for the run (no persistence: nothing written to disk), stopped at the end;
    as tests/redis_server.py starts one for the tests."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server") or shutil.which("valkey-server")
        if binary is None:
            sys.exit("bench: --store redis needs redis-server on PATH (apt-get install redis-server)")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = subprocess.Popen(
            [binary, "--bind", HOST, "--port", str(self.port), "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--protected-mode", "yes", "--loglevel", "warning", "--unixsocket", f"{self.dir}/redis.sock",
             "--unixsocketperm", "700"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.db = 0
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"bench: redis-server exited with code {self.proc.returncode}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        sys.exit("bench: redis-server did not answer PING within 20 s")

    def url(self, unix: bool = False) -> str:
        """A fresh database per mockserver started (16 by default), so no run sees another's users; over TCP,
        or over the server's unix socket (``--store redis+unix``)."""
        self.db = (self.db + 1) % 16
        return f"redis+unix://{self.dir}/redis.sock?db={self.db}" if unix else f"redis://{HOST}:{self.port}/{self.db}"

    def commands(self) -> tuple[int, int]:
        """Commands redis-server has run so far, those its scripts call included, and the reads it has done
        (INFO stats): per request, the reads are the round trips a create costs (a command sent without a
        wait, read with the next, is no read of its own as a rule)."""
        try:
            with socket.create_connection((HOST, self.port), timeout=2) as sock:
                sock.sendall(b"INFO stats\r\n")
                data = b""
                while b"total_reads_processed:" not in data or not data.endswith(b"\r\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            return tuple(int(data.split(name, 1)[1].split(b"\r\n", 1)[0])  # type: ignore[return-value]
                         for name in (b"total_commands_processed:", b"total_reads_processed:"))
        except (OSError, IndexError, ValueError):
            return 0, 0

    def rss_mib(self) -> float | None:
        kib = rss_kib(self.proc.pid)
        return kib / 1024 if kib is not None else None

    def cpu_s(self) -> float:
        return cpu_s(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def busy_ticks() -> tuple[int, int]:
    """(total, busy) CPU ticks of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values), sum(values) - values[3] - values[4]  # minus idle and iowait


def cpu_busy(seconds: float = 1.0) -> float:
    """Fraction of all CPUs busy over `seconds`, before we start anything."""
    (t0, b0), _, (t1, b1) = busy_ticks(), time.sleep(seconds), busy_ticks()
    return (b1 - b0) / max(t1 - t0, 1)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 5.0) -> tuple[int, bytes]:
    conn = httpclient.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def start(name: str, argv: list[str], probe: str, timeout: float = 30.0) -> Server:
    """Launch argv, poll GET probe until it answers 200; startup_s = launch -> first 200."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([*argv, "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, proc, port, log)
    RUNNING.append(server)
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise StartError(f"{name} exited with code {proc.returncode} before answering:\n{server.log_tail()}")
        try:
            if http(port, "GET", probe, timeout=1.0)[0] == 200:
                server.startup_s = time.perf_counter() - t0
                if missing := {"uvloop", "httptools"} - server.loaded_libs():
                    print(f"  WARNING: {name} runs without {', '.join(sorted(missing))}: the ratio is not fair")
                return server
        except OSError:
            pass
        time.sleep(0.005)
    raise StartError(f"{name} did not answer GET {probe} with 200 within {timeout:.0f}s:\n{server.log_tail()}")


def wrk(wrk_bin: str, target: str, server: Server, url: str, headers: dict, template: str, salt: int,
        args) -> Result:
    """One wrk run; also splits the machine's CPU time into server / wrk / everything else."""
    cmd = [wrk_bin, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "-s", str(LUA)]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    cmd += [url, "--", str(salt), template, str(args.threads), str(args.connections)]  # unique.lua holds each connection's first request
    redis = REDIS[0] if REDIS and "--store redis" in server.name else None  # a row served from Redis
    redis0, (commands0, reads0) = (redis.cpu_s(), redis.commands()) if redis else (0.0, (0, 0))
    ticks0, server0, wrk0, t0 = busy_ticks()[1], server.cpu_s(), children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace", timeout=args.duration + 60)
    wall = time.perf_counter() - t0
    server_s, wrk_s = server.cpu_s() - server0, children_cpu() - wrk0
    redis_s = redis.cpu_s() - redis0 if redis else 0.0
    other_s = max((busy_ticks()[1] - ticks0) / HZ - server_s - wrk_s - redis_s, 0.0)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line[len("BENCH_JSON "):])
            raw.update(server_cpu=server_s / wall, wrk_cpu=wrk_s / wall, other_cpu=other_s / wall,
                       redis_cpu=redis_s / wall)
            result = to_result(target, raw, server)
            if redis:  # its CPU is not "other" work: it is this run's store
                raw["redis_rss_mib"] = rss = redis.rss_mib()
                commands, reads = redis.commands()
                raw["redis_commands"] = commands = commands - commands0 - 1  # minus our INFO
                raw["redis_reads"] = reads = reads - reads0 - 2  # minus our two INFO connections' reads
                per = (f", {commands / raw['requests']:.1f} commands ({reads / raw['requests']:.1f} reads: round trips)"
                       " per request") if raw["requests"] else ""
                used = f"redis-server {redis_s / wall:.0%} of a core{per}, RSS {rss or 0:.1f} MiB"
                result.note = "; ".join(filter(None, [used, result.note]))
            return result
    raise RuntimeError(f"wrk failed (exit {done.returncode}):\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")


def to_result(target: str, raw: dict, server: Server) -> Result:
    r = Result(target, raw=raw)
    r.rps = raw["requests"] / (raw["duration_us"] / 1e6)
    r.p50_ms = raw["p50_us"] / 1000
    r.p99_ms = raw["p99_us"] / 1000
    r.rss_mib = server.rss_mib()
    r.non2xx = raw["non2xx"]
    errors = {k: v for k, v in raw["socket_errors"].items() if v}
    notes = []
    if errors:
        notes.append("socket errors " + ", ".join(f"{k}={v}" for k, v in errors.items()))
    if r.non2xx:
        statuses = ", ".join(f"{v} x {k}" for k, v in sorted(raw["statuses"].items()) if not k.startswith("2"))
        notes.append(f"non-2xx: {statuses}; first: {raw['sample_status']} {raw['sample_body']}")
    if raw["other_cpu"] > 0.1:
        notes.append(f"other processes used {raw['other_cpu']:.0%} of a core during this run: noisy")
    r.note = "; ".join(notes)
    return r


def fill(template: str, salt: int, seq: int) -> str:
    """Python twin of unique.lua's substitution, for probe requests (seq < 0 never meets wrk's)."""
    out = template.replace("{ID}", f"{salt}p{-seq}")
    for k in (7, 8, 9):
        out = out.replace(f"{{D{k}}}", f"{(salt + seq) % 10 ** k:0{k}d}")
    return out


def payabli_org() -> tuple[int, int] | None:
    """(orgType, orgId) of the first organization in fixtures/payabli.yaml, if we can find one."""
    path = ROOT / "fixtures" / "payabli.yaml"
    if not path.is_file():
        return None
    import yaml  # installed with mockserver

    def walk(node):
        if isinstance(node, dict):
            for key in ("orgId", "idOrg", "IdOrg", "OrgId"):
                if isinstance(node.get(key), int):
                    return int(node.get("orgType", node.get("OrgType", 0)) or 0), node[key]
            items = sorted(node.items(), key=lambda kv: "org" not in str(kv[0]).lower())
            for _, value in items:
                if (found := walk(value)) is not None:
                    return found
        elif isinstance(node, list):
            for value in node:
                if (found := walk(value)) is not None:
                    return found
        return None

    try:
        return walk(yaml.safe_load(path.read_text()))
    except Exception as exc:  # a half-written fixture must not stop the bench
        print(f"  note: cannot read {path.name}: {exc}")
        return None


def target_name(vendor: str, transport: str, store: str = "memory", workers: int = 1) -> str:
    """A vendor's row: its name on the fast transport, "name (stock)" on stock uvicorn; with another
    store or more workers, "name [sqlite]", "name [redis x2]"."""
    name = vendor if transport == "fast" else f"{vendor} ({transport})"
    if store != "memory" or workers != 1:
        name += f" [{store}" + (f" x{workers}" if workers != 1 else "") + "]"
    return name


def store_argv(store: str, workers: int) -> tuple[list[str], Path | None]:
    """serve's --store/--workers arguments for one server, and the SQLite file to remove after it."""
    argv = ["--workers", str(workers)] if workers != 1 else []
    if store == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="bench-sqlite-")) / "bench.db"
        return [*argv, "--store", f"sqlite:///{path}"], path
    if store in REDIS_STORES:
        return [*argv, "--store", REDIS[0].url(unix=store == "redis+unix")], None
    return argv, None


def bench_mockserver(wrk_bin: str, vendors: list[str], extra: list[str], args, salt: int,
                     results: list[Result], floor: Floor, transport: str = "fast", store: str = "memory",
                     workers: int = 1) -> Server:
    stored, db_file = store_argv(store, workers)
    argv = [sys.executable, "-m", "mockserver", "serve", "--log-level", "warning", "--seed", "1",
            "--server", transport, *stored, *extra]
    label = ("mockserver" + (f" --vendor {extra[1]}" if extra else "") + ("" if transport == "fast" else f" --server {transport}")
             + ("" if store == "memory" else f" --store {store}") + ("" if workers == 1 else f" --workers {workers}"))
    target = functools.partial(target_name, transport=transport, store=store, workers=workers)
    try:
        server = start(label, argv, "/__admin/health")
    except StartError:
        if db_file:
            shutil.rmtree(db_file.parent, ignore_errors=True)
        raise
    for _ in range(getattr(args, "dashboard", 0)):
        watch_stream(server.port)
    try:
        print(f"{label}: first 200 on /__admin/health after {server.startup_s * 1000:.0f} ms "
              f"(idle RSS {server.rss_mib():.1f} MiB)", flush=True)
        status, payload = http(server.port, "GET", "/__admin/vendors")
        described = json.loads(payload) if status == 200 else {}
        for name in vendors:
            info = described.get(name)
            if not info:
                why = "not in /__admin/vendors" if status == 200 else f"/__admin/vendors answered {status}"
                results.append(Result(target(name), server=transport, note=f"skipped (not available: {why})"))
                continue
            method, _, url = info["create_user"].partition(" ")
            headers = dict(info.get("headers") or {})
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
            template = json.dumps(BODIES[name], ensure_ascii=False)
            if name == "payabli" and (org := payabli_org()):
                template = template.replace('"orgType": 0, "orgId": 123', f'"orgType": {org[0]}, "orgId": {org[1]}')
            path = url.split(f":{server.port}", 1)[1]
            status, body = http(server.port, method, path, fill(template, salt, -1).encode(), headers)
            if status == 404:
                results.append(Result(target(name), server=transport, note=f"skipped (not available: {method} {path} -> 404)"))
                continue
            if not 200 <= status < 300:
                print(f"  warning: {name} probe answered {status}: {body[:300].decode(errors='replace')}")
            http(server.port, "POST", "/__admin/reset")  # every vendor starts from its fixtures
            print(f"  {name}: wrk {method} {url} for {args.duration}s ...", flush=True)
            before = len(floor.segments) - 1  # the floor run just before this one
            result = wrk(wrk_bin, target(name), server, url, headers, template, salt, args)
            if not args.floor_once:
                floor.measure()  # and the one just after (also the next vendor's "before")
            result.server, result.store, result.workers = transport, store, workers
            floor.compare(result, before)
            check_targets(result)
            results.append(result)
            if server.proc.poll() is not None:
                raise StartError(f"{label} died during the {name} run:\n{server.log_tail()}")
    finally:
        server.stop()
        if db_file:
            shutil.rmtree(db_file.parent, ignore_errors=True)
    return server


def watch_stream(port: int) -> None:
    """An open dashboard: a thread reading the live journal stream (/__admin/stream) as fast as
    it comes, as a browser does, until the server closes it."""
    import threading

    def read() -> None:
        try:
            with socket.create_connection((HOST, port)) as sock:
                sock.sendall(f"GET /__admin/stream?backfill=0 HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
                while sock.recv(65536):
                    pass
        except OSError:
            pass

    threading.Thread(target=read, daemon=True).start()


def bench_transport(wrk_bin: str, vendors: list[str], transport: str, args, salt: int, results: list[Result],
                    floor: Floor, startups: dict[str, float], store: str = "memory", workers: int = 1) -> None:
    """Every vendor on one mockserver with ``transport``; one server per vendor if the full one cannot start."""
    suffix = (("" if transport == "fast" else f" --server {transport}") + ("" if store == "memory" else f" --store {store}")
              + ("" if workers == 1 else f" --workers {workers}"))
    label = functools.partial(target_name, transport=transport, store=store, workers=workers)
    measured = len(results)
    try:
        server = bench_mockserver(wrk_bin, vendors, [], args, salt, results, floor, transport, store, workers)
        startups["mockserver" + suffix] = server.startup_s
    except StartError as exc:
        if len(results) > measured:  # it started and served, then died: report, do not retry
            print(f"mockserver{suffix} died mid-run:\n{exc}", flush=True)
            seen = {r.target for r in results}
            results += [Result(label(v), server=transport, note="not run: mockserver died (see above)")
                        for v in vendors if label(v) not in seen]
        else:
            print(f"full mockserver{suffix} did not start ({str(exc).splitlines()[-1].strip()}); "
                  "trying one `--vendor NAME` server per vendor", flush=True)
            for name in vendors:
                try:
                    server = bench_mockserver(wrk_bin, [name], ["--vendor", name], args, salt, results, floor,
                                              transport, store, workers)
                    startups[f"mockserver --vendor {name}{suffix}"] = server.startup_s
                except StartError as exc2:
                    last = str(exc2).strip().splitlines()[-1]
                    results.append(Result(label(name), server=transport,
                                          note=f"skipped (not available: server failed to start: {last})"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--quick", action="store_true", help="3-second runs")
    parser.add_argument("--vendors", default=",".join(VENDORS), help="comma-separated subset (default: all five)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/<time>.json")
    parser.add_argument("--dashboard", type=int, default=0, metavar="N",
                        help="keep N dashboards open: readers of the live journal stream (default 0)")
    parser.add_argument("--floor-once", action="store_true",
                        help="measure the floor once at the start instead of before and after each vendor")
    parser.add_argument("--server", choices=(*SERVERS, "both"), default="fast",
                        help="mockserver's HTTP transport (serve --server): fast (default), stock uvicorn, or both "
                             "(every vendor on fast, then every vendor on stock, each against the floor around it)")
    parser.add_argument("--wire-floor", action="store_true",
                        help="also load the floor app under mockserver's own uvicorn protocol (mockserver/wire.py); "
                             "ratios stay against the stock floor")
    parser.add_argument("--store", default="memory", metavar="KIND[,KIND...]",
                        help="mockserver's store: memory:// (default), sqlite (a temporary file), redis "
                             "(a private redis-server on a free port, no persistence, stopped at the end) or "
                             "redis+unix (the same server over its unix socket); a list (memory,sqlite,redis) "
                             "compares them in one run")
    parser.add_argument("--workers", default="1", metavar="N[,N...]",
                        help="serve --workers: one count, or a list for the throughput curve (e.g. 1,2,4); "
                             "more than 1 needs --store sqlite or redis (memory:// runs with one worker)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the whole sequence N times, interleaved, and report each target's median ratio over "
                             "the rounds (each against its own round's floor runs) with its min-max range; the "
                             "targets are judged on the medians (default 1)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat: expected a positive integer, got {args.repeat}")
    if args.quick:
        args.duration = 3
    try:
        worker_counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers: expected N or N,N,... (positive integers), got {args.workers!r}")
    if any(n < 1 for n in worker_counts):
        parser.error(f"--workers: expected positive integers, got {args.workers!r}")
    stores = [kind.strip() for kind in args.store.split(",") if kind.strip()]
    if not stores or any(kind not in STORES for kind in stores):
        parser.error(f"--store: expected one or more of {', '.join(STORES)}, got {args.store!r}")
    if stores == ["memory"] and any(n > 1 for n in worker_counts):
        parser.error("--workers above 1 needs --store sqlite or redis (workers share their state through it)")
    vendors = [v.strip() for v in args.vendors.split(",") if v.strip()]
    if unknown := [v for v in vendors if v not in VENDORS]:
        parser.error(f"unknown vendor(s) {', '.join(unknown)}; known: {', '.join(VENDORS)}")

    wrk_bin = ensure_wrk()
    if any(kind in REDIS_STORES for kind in stores):
        REDIS.append(Redis())
    salt = random.randrange(10**6, 10**7)
    busy = cpu_busy()
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, run salt {salt}, {os.cpu_count()} CPUs "
          f"({busy:.0%} busy before start)", flush=True)
    if busy > 0.1:
        print("  WARNING: something else is using the CPU: absolute numbers and ratios will be noisy", flush=True)
    # Start-up is timed as users meet it: with Python's bytecode cache in place, which pip
    # writes on install and any earlier run leaves behind.  Without it (a source tree under
    # PYTHONDONTWRITEBYTECODE) every start compiles ~70 modules first: about 0.15 s more.
    compiled = subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "mockserver"), str(HERE)],
                              capture_output=True, text=True)
    if compiled.returncode != 0:
        print(f"  note: compileall failed, start-up includes compiling:\n{compiled.stdout[-500:]}", flush=True)

    floor_server = start("floor", [sys.executable, str(HERE / "floor.py")], "/")
    print(f"floor: first 200 after {floor_server.startup_s * 1000:.0f} ms (idle RSS {floor_server.rss_mib():.1f} MiB)",
          flush=True)
    floor = Floor(wrk_bin, floor_server, args, salt)
    floor_result = floor.measure()
    floor_result.ratio = 1.0
    # --repeat N: the whole sequence N times, interleaved (floor, v1, floor, v2, ..., then again), each round's
    # rows against its own floor runs around them; one server per target per round, as with one round.
    rounds: list[list[Result]] = []
    round_startups: list[dict[str, float]] = []
    round_salts: list[int] = []
    for index in range(args.repeat):
        rows: list[Result] = []
        startups = {"floor": floor_server.startup_s} if index == 0 else {}
        salt_now = report.round_salt(salt, index, args.repeat)  # no create meets an earlier round's user
        if args.repeat > 1:
            print(f"\nround {index + 1} of {args.repeat} (salt {salt_now})", flush=True)
            if index and args.floor_once:  # once per round: each round's ratios against its own floor
                floor.measure()
        if args.wire_floor:
            wired = start("floor --wire", [sys.executable, str(HERE / "floor.py"), "--wire"], "/")
            try:
                print(f"floor --wire: wrk POST / for {args.duration}s ...", flush=True)
                wired_result = wrk(wrk_bin, "floor under mockserver.wire", wired, f"http://{HOST}:{wired.port}/",
                                   {"Content-Type": "application/json"}, json.dumps(BODIES["vaultspay"]), salt_now, args)
                # Against the stock floor's run just before it (the run's first one in the first round).
                wired_result.floor_runs = [len(floor.segments) - 1]
                wired_result.floor_rps = floor.segments[-1]
                wired_result.ratio = wired_result.rps / floor.segments[-1]
                rows.append(wired_result)
            finally:
                wired.stop()

        for transport in (SERVERS if args.server == "both" else (args.server,)):
            for store in stores:
                for workers in worker_counts if store != "memory" else [1]:
                    bench_transport(wrk_bin, vendors, transport, args, salt_now, rows, floor, startups, store, workers)
        for r in rows:
            r.round = index + 1
        rounds.append(rows)
        round_startups.append(startups)
        round_salts.append(salt_now)
    floor_server.stop()
    report.floor_row(floor_result, floor.segments, floor.p99s, args.repeat,
                     "one per round" if args.floor_once else "one between each two vendors")
    results = [floor_result, *report.aggregate(rounds)]
    startups = {key: statistics.median([s[key] for s in round_startups if key in s])
                for key in dict.fromkeys(k for s in round_startups for k in s)}
    print("\n" + report.table(results, args.repeat))
    if noisy := report.floor_noise(floor.segments, args.repeat):
        print(noisy)
    missed = [r for r in results if r.missed]
    unmeasured = [r for r in results if r.server is not None and not r.raw]
    print(f"\ntargets: req/s >= {TARGETS['fast']:.1f}x the floor (fast), >= {TARGETS['stock']:.1f}x (stock)"
          + "".join(f", >= {STORE_TARGETS[kind]:.1f}x (--store {kind})" for kind in stores if kind in STORE_TARGETS)
          + f"; p99 <= {P99_TARGET:.0f}x the floor's; no non-2xx"
          + (f"; judged on the medians of {args.repeat} rounds" if args.repeat > 1 else ""))
    for r in missed:
        print(f"  MISSED {r.target}: " + "; ".join(r.missed))
    for r in unmeasured:
        print(f"  NOT MEASURED {r.target}: {r.note}")
    if not missed and not unmeasured:
        print("  all met")
    print("\nstartup (launch -> first 200" + (f", median of {args.repeat} rounds" if args.repeat > 1 else "") + "):",
          ", ".join(f"{k} {v * 1000:.0f} ms" + (" (target < 1000 ms)" if k.startswith("mock") else "")
                    for k, v in startups.items()))
    if not args.no_save:
        out = HERE / "results" / time.strftime("bench-%Y%m%d-%H%M%S.json")
        out.parent.mkdir(exist_ok=True)
        # The keys of a one-round run stay (their "results" now the medians with several rounds); "rounds" holds
        # every round's own rows, "floor_runs" every floor run (the rows' floor_runs index it).
        out.write_text(json.dumps({"duration_s": args.duration, "threads": args.threads, "store": args.store,
                                   "loadavg": Path("/proc/loadavg").read_text().split()[:3],
                                   "connections": args.connections, "salt": salt, "cpu_busy_before": busy,
                                   "startup_s": startups,
                                   "results": [r.__dict__ for r in results],
                                   "repeat": args.repeat,
                                   "floor_runs": {"rps": floor.segments, "p99_ms": floor.p99s},
                                   "rounds": [{"round": n, "salt": salt_r, "startup_s": started,
                                               "results": [r.__dict__ for r in rows]}
                                              for n, (rows, salt_r, started)
                                              in enumerate(zip(rounds, round_salts, round_startups, strict=True), 1)]},
                                  indent=2, ensure_ascii=False))
        print(f"wrote {out.relative_to(ROOT)}")
    return 1 if missed or unmeasured else 0


def _terminate(signum, frame):
    print(f"\nstopping on signal {signum}", file=sys.stderr)
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        for srv in list(RUNNING):
            srv.stop()
        for redis_server in REDIS:
            redis_server.stop()
