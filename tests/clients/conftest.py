"""Session fixtures of the generated-client suite: the pinned tools, one live server, the
served documents, and every client generated once (in parallel) for the whole session."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mockserver.snapshots import CLOCK
from mockserver.vendors import NAMES
from tests.clients import setup_clients
from tests.core.served import Served

REQUIRE_ENV = "MOCKSERVER_REQUIRE_CLIENTS"  # CI sets it: absent tools fail the suite instead of skipping it
GENERATORS = ("openapi-python-client", "openapi-generator")
BIN = setup_clients.VENV / "bin"
# openapi-generator's python generator: the package and its support files, no docs or test stubs.
GENERATOR_OPTIONS = ["--global-property", "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false"]


def tools_missing() -> str | None:
    why = setup_clients.missing()
    if why is None:
        return None
    return f"generated-client tools not installed ({why}): run `python3 tests/clients/setup_clients.py`"


def require_tools() -> Path:
    """The client-tools environment's Python; skips (or fails, under MOCKSERVER_REQUIRE_CLIENTS=1) without it."""
    why = tools_missing()
    if why is not None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 and {why}")
        pytest.skip(why)
    return setup_clients.PYTHON


@pytest.fixture(scope="session")
def client_tools() -> Path:
    return require_tools()


@pytest.fixture(scope="session")
def live_server() -> Iterator[Served]:
    """One `mockserver serve` on a free 127.0.0.1 port, seed 0 and the snapshots' frozen clock, for
    every client suite below (the generated clients here, the official SDKs in payabli_sdk/): each
    client run has its own X-Mock-Session, so runs never see each other's users or tokens."""
    server = Served("--seed", "0", "--clock", CLOCK)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clients")


@pytest.fixture(scope="session")
def documents(client_tools: Path, live_server: Served, workdir: Path) -> dict[str, Path]:
    """Each vendor's OpenAPI document as the live server serves it, saved for the generators
    (asked for only where the tools are: without them, nothing is fetched)."""
    out = {}
    for vendor in NAMES:
        reply = httpx.get(f"{live_server.origin}/__admin/openapi/{vendor}.json", timeout=30)
        assert reply.status_code == 200, reply.text
        path = workdir / f"{vendor}.json"
        path.write_bytes(reply.content)
        out[vendor] = path
    return out


@pytest.fixture(scope="session")
def credentials(live_server: Served) -> dict[str, dict[str, object]]:
    """GET /__admin/vendors: every vendor's ready-made credentials and login."""
    reply = httpx.get(f"{live_server.origin}/__admin/vendors", timeout=30)
    assert reply.status_code == 200, reply.text
    result: dict[str, dict[str, object]] = reply.json()
    return result


@dataclass(frozen=True)
class Generated:
    generator: str
    vendor: str
    package: str  # the importable name
    package_dir: Path  # what goes on sys.path
    ok: bool
    log: str  # what the generator said
    seconds: float


def package_name(generator: str, vendor: str) -> str:
    prefix = "opc" if generator == "openapi-python-client" else "gen"
    return f"{prefix}_{re.sub(r'[^0-9a-zA-Z_]', '_', vendor)}"


def generate(generator: str, vendor: str, document: Path, workdir: Path) -> Generated:
    package = package_name(generator, vendor)
    root = workdir / package
    started = time.perf_counter()
    if generator == "openapi-python-client":
        # --meta none: the package alone, at root/<package>.
        command = [str(BIN / "openapi-python-client"), "generate", "--path", str(document),
                   "--output-path", str(root / package), "--meta", "none", "--overwrite"]
    else:
        command = [str(BIN / "openapi-generator-cli"), "generate", "-g", "python", "-i", str(document),
                   "-o", str(root), "--package-name", package, *GENERATOR_OPTIONS]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    log = done.stdout + done.stderr
    # openapi-python-client exits 0 when it drops a schema it cannot process: its
    # "Warning(s) encountered" means a model (and the operations using it) is missing.
    ok = done.returncode == 0 and "Warning(s) encountered" not in log and "[main] ERROR" not in log
    return Generated(generator, vendor, package, root, ok, log, time.perf_counter() - started)


class Generations:
    """The session's clients, generated in the background two at a time (the machine has
    2 cores; openapi-generator's JVM start is most of its time), in the order the tests
    use them, so a test waits only for its own client."""

    def __init__(self, jobs: list[tuple[str, str]], documents: dict[str, Path], workdir: Path) -> None:
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.futures: dict[tuple[str, str], Future[Generated]] = {
            job: self.pool.submit(generate, *job, documents[job[1]], workdir) for job in jobs
        }

    def __getitem__(self, job: tuple[str, str]) -> Generated:
        return self.futures[job].result()

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="session")
def generated(request: pytest.FixtureRequest, documents: dict[str, Path], workdir: Path) -> Iterator[Generations]:
    """Every client the collected tests use, each generated once for the session."""
    jobs = []
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        job = (params.get("generator"), params.get("vendor"))
        if job[0] in GENERATORS and job[1] in documents and job not in jobs:
            jobs.append(job)
    generations = Generations(jobs, documents, workdir)
    try:
        yield generations
    finally:
        generations.close()


def write_plan(path: Path, plan: dict[str, object]) -> Path:
    path.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
