#!/usr/bin/env python3
"""Count the work of N create-user requests on the stock-uvicorn path, per vendor, without a network.

    python3 bench/stock_path.py                      # cProfile: function calls per request
    python3 bench/stock_path.py --callgrind          # CPU instructions per request (valgrind)
    python3 bench/stock_path.py --vendors sabi -n 500 --callgrind
    python3 bench/stock_path.py --server fast --callgrind   # the same through the fast transport (mockserver/wire.py)

Timings on a shared machine say little; counted work does.  Each request goes through what
``mockserver serve --server stock`` runs (uvicorn's httptools protocol, the ASGI path of
``core.serving.VendorApp``), fed as bytes to the protocol over an in-memory transport, so
nothing but the server's own work is counted.  The bodies are bench/run.py's (unique per
request); every answer must be the vendor's create-user success.

``--callgrind`` re-runs this script under ``valgrind --tool=callgrind`` with instrumentation
off until the warm-up is done, then counts the instructions (``Ir``) of the N requests of
each vendor alone.  ``--server fast`` feeds the same bytes to the fast transport's protocol
(``mockserver/wire.py``, as plain ``mockserver serve`` runs it) instead; the floor stays on
stock uvicorn, as bench/run.py serves it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout, installed or not
sys.path.insert(0, str(HERE))

from run import BODIES, VENDORS  # noqa: E402 (bench/run.py: the same bodies as the load test)

WARM_UP = 50


class Transport(asyncio.Transport):
    """What uvicorn's protocol writes to, in memory: one response at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False
        self.complete = False  # the whole response is out

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.out += data
        self.complete = _complete(self.out)

    write_whole = write  # the fast transport's one write of a whole response

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _unique(text: str, n: int) -> str:
    # unique.lua's placeholders: {ID} a counter, {D7}/{D8}/{D9} that many digits of it
    text = text.replace("{ID}", f"s{n}")
    return re.sub(r"\{D(\d)\}", lambda m: str(n).zfill(int(m.group(1)))[-int(m.group(1)):], text)


def requests_for(vendor: str, runtime: Any, count: int) -> list[bytes]:
    if vendor == FLOOR:
        return [FLOOR_REQUEST] * count
    info = runtime.describe("http://127.0.0.1:8080")[vendor]
    method, url = info["create_user"].split(" ", 1)
    path = url.removeprefix("http://127.0.0.1:8080")
    headers = {k: v for k, v in info["headers"].items() if k.lower() != "content-type"}
    template = json.dumps(BODIES[vendor], ensure_ascii=False)
    out = []
    for n in range(count):
        body = _unique(template, n + 1).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        out.append(f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n{head}content-type: application/json\r\n"
                   f"content-length: {len(body)}\r\n\r\n".encode() + body)
    return out


def _complete(data: bytearray) -> bool:
    head, sep, rest = bytes(data).partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head)
    return bool(sep and length and len(rest) >= int(length.group(1)))


async def drive(protocol: Any, transport: Transport, batch: list[bytes]) -> list[int]:
    statuses = []
    for raw in batch:
        transport.out.clear()
        transport.complete = False
        protocol.data_received(raw)
        for _ in range(1000):
            if transport.complete:
                break
            await asyncio.sleep(0)
        else:
            raise SystemExit(f"no answer to {raw[:80]!r}: {bytes(transport.out)[:200]!r}")
        statuses.append(int(transport.out[9:12]))
    return statuses


FLOOR = "floor"  # bench/floor.py's app: the reference every vendor is compared with
FLOOR_REQUEST = b"POST / HTTP/1.1\r\nhost: 127.0.0.1:8080\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


def build(vendors: list[str], server: str = "stock") -> tuple[Any, Any]:
    import uvicorn
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # stock uvicorn's, as `--server stock` runs it
    from uvicorn.server import ServerState

    from mockserver.app import MockServer, Runtime, tune_gc
    from mockserver.config import Config

    if vendors == [FLOOR]:
        from floor import app

        runtime, served = None, app
    else:
        runtime = Runtime(Config(seed=0, vendors=tuple(vendors)))
        served = MockServer(runtime)
    protocol: Any = HttpToolsProtocol
    if server == "fast" and vendors != [FLOOR]:
        from mockserver.wire import http_protocol

        protocol = http_protocol()
    config = uvicorn.Config(served, log_level="warning", access_log=False, lifespan="off", server_header=False,
                            date_header=False, proxy_headers=False, http=protocol)
    config.load()
    tune_gc()
    return runtime, lambda: protocol(config=config, server_state=ServerState(), app_state={})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vendors", default=",".join(VENDORS), help=f"comma-separated; {FLOOR!r}: bench/floor.py's app")
    parser.add_argument("-n", type=int, default=1000, help="requests per vendor (default 1000)")
    parser.add_argument("--callgrind", action="store_true", help="count CPU instructions under valgrind")
    parser.add_argument("--keep", type=Path, help="with --callgrind: copy each vendor's dump here (for callgrind_annotate)")
    parser.add_argument("--server", choices=("stock", "fast"), default="stock", help="the transport (default stock uvicorn)")
    parser.add_argument("--controlled", action="store_true", help=argparse.SUPPRESS)  # the process valgrind runs
    args = parser.parse_args()
    vendors = args.vendors.split(",")
    if args.callgrind:
        counted = callgrind(vendors, args.n, args.keep, args.server)
        for vendor in vendors:
            print(f"{vendor:10} {counted[vendor] / args.n:12,.0f} instructions per request")
        return
    try:  # the loop `serve` runs on (mockserver.server._best): uvloop when installed
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # uvicorn's protocol takes the current loop
    for vendor in vendors:
        runtime, new_protocol = build([vendor], args.server)  # one vendor per app, as bench/run.py serves them
        batch = requests_for(vendor, runtime, WARM_UP + args.n)
        transport = Transport()
        protocol = new_protocol()
        protocol.connection_made(transport)
        warm = loop.run_until_complete(drive(protocol, transport, batch[:WARM_UP]))
        if args.controlled:
            print(f"READY {vendor}", flush=True)
            sys.stdin.readline()
            statuses = loop.run_until_complete(drive(protocol, transport, batch[WARM_UP:]))
            print(f"DONE {vendor}", flush=True)
            sys.stdin.readline()
        else:
            profile = cProfile.Profile()
            profile.enable()
            statuses = loop.run_until_complete(drive(protocol, transport, batch[WARM_UP:]))
            profile.disable()
            stats = pstats.Stats(profile)
            print(f"{vendor:10} {stats.total_calls / args.n:8.1f} function calls per request")  # type: ignore[attr-defined]
        if set(warm + statuses) - {200, 201}:
            raise SystemExit(f"{vendor}: answers {sorted(set(warm + statuses))}, not the create-user success")
        protocol.connection_lost(None)


def callgrind(vendors: list[str], count: int, keep: Path | None = None, server: str = "stock") -> dict[str, int]:
    """Each vendor's instructions over ``count`` requests: this script under callgrind, counting only then."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    counted: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                   sys.executable, __file__, "--controlled", "--vendors", ",".join(vendors), "-n", str(count), "--server", server]
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdin is not None and proc.stdout is not None
        for vendor in vendors:
            line = proc.stdout.readline()
            if not line.startswith("READY"):
                raise SystemExit(f"unexpected: {line!r}")
            _control("-i", "on", proc.pid)
            _control("-z", None, proc.pid)
            proc.stdin.write("\n")
            proc.stdin.flush()
            proc.stdout.readline()  # DONE
            _control("-i", "off", proc.pid)
            _control("-d", None, proc.pid)
            dumps = sorted(Path(work).glob("callgrind.out.*"), key=lambda p: p.stat().st_mtime)
            counted[vendor] = _total(dumps[-1])
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(dumps[-1], keep / f"callgrind.{vendor}")
            proc.stdin.write("\n")
            proc.stdin.flush()
        proc.stdin.close()
        proc.wait(timeout=600)
    return counted


def _control(option: str, value: str | None, pid: int) -> None:
    subprocess.run(["callgrind_control", option, *([value] if value else []), str(pid)], check=True, capture_output=True)


def _total(dump: Path) -> int:
    # The dump's last line: "totals: <Ir>" (its "summary:" line, near the top, is written before counting ends).
    for line in reversed(dump.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit(f"no totals in {dump}")


if __name__ == "__main__":
    main()
