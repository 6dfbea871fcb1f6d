"""Vendor drift (mockserver contract verify --against): offline, against a local vendor that differs on purpose.

The "vendor" is a tiny Starlette app on 127.0.0.1 that answers through a sandbox of another
seed (so every generated value differs, which is not drift) and plants exactly four
differences: a missing key, an extra key, a type change, and a different status and error
code.  The report must list those and nothing else.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver.cli import main
from mockserver.contract import drift
from mockserver.contract.pact import build_pact, dumps, journal_entries
from mockserver.testing import transport

ROOT = Path(__file__).resolve().parents[2]
SHOWN_ORIGIN = "http://127.0.0.1:8081"  # the README's sample shows the fake vendor here
PLANTED = {"on": True}
BODY = {"firstName": "Ada", "lastName": "Obi", "email": "ada@example.com", "status": "ACTIVE"}


def vaultspay_session() -> tuple[dict[str, Any], str]:
    """A client's VaultsPay exchanges recorded as a pact (create, read, a refused create, sign-in, a write), and the token."""
    mock = transport()
    with httpx.Client(transport=mock, base_url="http://mockserver.local") as client:
        info = client.get("/__admin/vendors").json()["vaultspay"]
        headers = info["headers"]
        client.post("/vaultspay/as/api/v1/users", json=BODY, headers=headers)
        client.get("/vaultspay/as/api/v1/users/604", headers=headers)
        client.post("/vaultspay/as/api/v1/users", json={"lastName": "Obi", "email": "x@example.com", "status": "ACTIVE"}, headers=headers)
        client.post("/vaultspay/as/api/v1/saas-login", json=info["login"])
        client.patch("/vaultspay/us/api/v1/kyc/personal", json={"userId": 604, "nickName": "A"}, headers=headers)
        document = build_pact(journal_entries(client), "drift-demo")
    mock.close()
    return document, headers["Authorization"]


def fake_vendor() -> Starlette:
    """VaultsPay as a differently seeded sandbox answers it, with the planted differences."""
    mock = transport(seed=99)
    upstream = httpx.AsyncClient(transport=mock, base_url="http://mockserver.local")

    async def forward(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k in ("authorization", "content-type")}
        answer = await upstream.request(request.method, "/vaultspay" + request.url.path, content=await request.body(), headers=headers)
        status, body = answer.status_code, answer.json() if answer.content else None
        if PLANTED["on"] and isinstance(body, dict):
            if request.method == "POST" and request.url.path.endswith("/users") and status == 200:
                body["data"].pop("sessionId")  # a missing key
                body["data"]["tier"] = "GOLD"  # an extra key
            elif request.method == "GET":
                body["data"]["id"] = str(body["data"]["id"])  # a type change
            elif status == 400:
                status, body["code"] = 422, 1001  # a different status and error code
        return JSONResponse(body, status_code=status)

    return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])])


@pytest.fixture(scope="module")
def vendor_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(fake_vendor(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise AssertionError("the fake vendor did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def pact_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    document, token = vaultspay_session()
    path = tmp_path_factory.mktemp("drift") / "vaultspay.json"
    path.write_text(dumps(document), encoding="utf-8")
    return path, token


def run(pact_file: tuple[Path, str], url: str, *extra: str) -> Any:
    path, token = pact_file
    args = ["contract", "verify", str(path), "--against", url, "--header", f"Authorization: {token}",
            "--secret", "clientSecret=vp-demo-secret", *extra]
    return CliRunner().invoke(main, args)


def test_the_report_lists_exactly_the_planted_differences(pact_file: tuple[Path, str], vendor_url: str) -> None:
    PLANTED["on"] = True
    result = run(pact_file, vendor_url, "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["target"] == vendor_url and report["drift"] is True
    assert [(i["interaction"], i["result"], i["differences"]) for i in report["interactions"]] == [
        ("vaultspay create_user #1: POST /vaultspay/as/api/v1/users", "drift", [
            {"path": "$.data.sessionId", "kind": "missing", "expected": "null", "actual": None},
            {"path": "$.data.tier", "kind": "extra", "expected": None, "actual": "string"},
        ]),
        ("vaultspay get_user #2: GET /vaultspay/as/api/v1/users/604", "drift", [
            {"path": "$.data.id", "kind": "type", "expected": "integer", "actual": "string"},
        ]),
        ("vaultspay create_user #3: POST /vaultspay/as/api/v1/users", "drift", [
            {"path": "$", "kind": "status", "expected": 400, "actual": 422},
            {"path": "$.code", "kind": "error_code", "expected": 1000, "actual": 1001},
        ]),
        ("vaultspay login #4: POST /vaultspay/as/api/v1/saas-login", "ok", []),
        ("vaultspay kyc_update #5: PATCH /vaultspay/us/api/v1/kyc/personal", "skipped", []),
    ]
    assert report["interactions"][4]["skipped"] == "a write: replayed with --allow-writes"
    assert "vp-demo-secret" not in result.output and "eyJhbGci" not in result.output


def test_the_table_is_the_docs_sample(pact_file: tuple[Path, str], vendor_url: str) -> None:
    PLANTED["on"] = True
    result = run(pact_file, vendor_url)
    assert result.exit_code == 1
    table = result.output.replace(vendor_url, SHOWN_ORIGIN).rstrip("\n")
    page = ROOT / "docs" / "contracts.md"
    readme = page.read_text(encoding="utf-8")
    sample = re.search(r"<!-- drift-sample -->\n```text\n(.*?)\n```", readme, re.DOTALL)
    assert sample is not None, "docs/contracts.md has no drift sample block"
    if os.environ.get("MOCKSERVER_UPDATE_DRIFT_SAMPLE"):  # regenerate it: MOCKSERVER_UPDATE_DRIFT_SAMPLE=1 pytest -k docs_sample
        page.write_text(readme[:sample.start(1)] + table + readme[sample.end(1):], encoding="utf-8")
        return
    assert sample.group(1) == table, f"docs/contracts.md's drift sample is stale (MOCKSERVER_UPDATE_DRIFT_SAMPLE=1 rewrites it); it is now:\n{table}"


def test_a_faithful_vendor_is_no_drift(pact_file: tuple[Path, str], vendor_url: str) -> None:
    PLANTED["on"] = False
    try:
        result = run(pact_file, vendor_url, "--allow-writes", "--format", "json")
    finally:
        PLANTED["on"] = True
    report = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert [i["result"] for i in report["interactions"]] == ["ok", "ok", "ok", "ok", "ok"]  # the write replayed too


@pytest.mark.parametrize(("url", "allowed"), [
    ("http://127.0.0.1:9", True), ("http://10.1.2.3", True), ("https://sandbox.vaultspay.example", True),
    ("https://api-test.payabli.com", True), ("https://staging.sabi.example", True), ("http://localhost:1", True),
    ("https://api.vaultspay.com", False), ("https://8.8.8.8", False), ("https://payabli.com", False),
])
def test_production_looking_hosts_are_refused(url: str, allowed: bool) -> None:
    if allowed:
        drift.check_target(url, False)
    else:
        with pytest.raises(drift.Refused, match="--i-know-this-is-production"):
            drift.check_target(url, False)
        drift.check_target(url, True)


def test_the_cli_refuses_in_one_line(pact_file: tuple[Path, str]) -> None:
    result = run(pact_file, "https://api.vaultspay.com")
    assert result.exit_code == 2
    assert result.output == (
        "mockserver contract: --against https://api.vaultspay.com: api.vaultspay.com does not look like a test environment "
        "(loopback, private, or a name with sandbox/test/staging/dev/localhost); add --i-know-this-is-production to replay against it anyway\n"
    )
    bad = CliRunner().invoke(main, ["contract", "verify", str(pact_file[0]), "--against", "http://127.0.0.1:9", "--header", "nocolon"])
    assert (bad.exit_code, bad.output) == (2, "mockserver contract: --header 'nocolon': write it as 'NAME: VALUE'\n")
    other = CliRunner().invoke(main, ["contract", "verify", str(pact_file[0]), "--against", "http://127.0.0.1:9", "--vendor", "sabi"])
    assert (other.exit_code, other.output) == (2, "mockserver contract: --vendor sabi: the pact has no interaction with it (it has vaultspay)\n")
