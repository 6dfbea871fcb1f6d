"""schemathesis against each vendor's generated OpenAPI document, on a live server.

One live mockserver (``mockserver.running``, frozen clock) for the module; per
vendor: reset the server, write the vendor's document for that server, and run
schemathesis 4's ``run`` command on it (examples, coverage, fuzzing and stateful
phases; positive and negative data; fixed seed, one worker, no example database)
with the vendor's working credentials from ``/__admin/vendors`` injected.  The
run must finish with zero failures: no 5xx, every status documented, every
content type and every body as documented.  Its JSON report gives the counts.

By hand, against ``mockserver serve``::

    mockserver openapi payabli -o payabli.json
    schemathesis run payabli.json --url http://127.0.0.1:8080/payabli \\
        -H 'requestToken: pbx-demo-token-7f3c9a2e41d84b6f' \\
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \\
        --mode all --max-examples 40 --seed 20260101 --workers 1
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

import mockserver
from mockserver.core.openapi import openapi_document
from mockserver.vendors import NAMES

pytest.importorskip("schemathesis")

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SEED = 20260101
MAX_EXAMPLES = 40  # per operation and phase; every vendor comes out well above MIN_CASES
MIN_CASES = 300
TIMEOUT = 240  # seconds for one vendor's run (each takes ~5-20 s on a 2-core machine)


@pytest.fixture(scope="module")
def server() -> Iterator[mockserver.RunningServer]:
    # A frozen clock: generated ids and timestamps, hence stateful links, repeat run after run.
    with mockserver.running(port=0, clock="frozen:2026-01-01T00:00:00Z", log_level="warning") as live:
        yield live


def run_schemathesis(document: Path, url: str, headers: dict[str, str], report: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(document), "--url", url,
        "--checks", CHECKS, "--mode", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--workers", "1", "--generation-database", "none", "--no-color",
        "--report", "json", "--report-json-path", str(report),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    started = time.monotonic()
    finished = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=document.parent)
    return finished, time.monotonic() - started


@pytest.mark.parametrize("vendor", NAMES)
def test_schemathesis_finds_nothing(server: mockserver.RunningServer, vendor: str, tmp_path: Path) -> None:
    assert httpx.post(f"{server.url}/__admin/reset").status_code == 200  # every vendor starts from the fixtures
    document = tmp_path / f"{vendor}.json"
    document.write_text(json.dumps(openapi_document(server.runtime, vendor, server.url)), encoding="utf-8")
    # The vendor's working credentials (and Pulse's x-account-id); schemathesis sets Content-Type itself.
    headers = {k: v for k, v in server.vendors()[vendor]["headers"].items() if k.lower() != "content-type"}
    report_path = tmp_path / "report.json"
    finished, seconds = run_schemathesis(document, server.url + server.runtime.mounts[vendor], headers, report_path)
    output = finished.stdout[-6000:] + finished.stderr[-2000:]
    assert report_path.exists(), output
    report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8"))
    cases = report["test_cases"]
    print(f"schemathesis {vendor}: {cases['generated']} cases in {seconds:.1f}s")  # shown with -s / on failure
    assert report["failures"] == [] and report["errors"] == [], output
    assert finished.returncode == 0, output
    assert report["stop_reason"] == "completed", output
    operations = report["operations"]
    assert operations["tested"] == operations["selected"] == operations["total"] == len(server.runtime.vendors[vendor].routes()), output
    assert cases["with_failures"] == 0 and cases["errored"] == 0, output
    assert cases["generated"] >= MIN_CASES, f"{vendor}: only {cases['generated']} cases\n{output}"
