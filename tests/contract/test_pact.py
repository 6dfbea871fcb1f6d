"""Pact v4 record and verify (mockserver.contract): the pytest fixture, the CLI, and the Pact project's own verifier."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockserver.contract.pact import matcher_for, shape_key
from tests.core.served import Served

# The Pact FFI reports usage over the network unless told not to: nothing but 127.0.0.1 at test time.
os.environ["PACT_DO_NOT_TRACK"] = "true"

# A client's suite across every vendor: creates (one shape twice, collapsed), a sign-in whose
# secret is redacted, a read of what it created, a refused body, and a forced scenario.
SUITE = '''
import httpx

def post(mockserver, vendor, path, body, **headers):
    info = mockserver.credentials(vendor)
    return httpx.post(mockserver.base_url(vendor) + path, json=body, headers={**info["headers"], **headers})

def test_vaultspay(mockserver_pact):
    body = {"firstName": "Ada", "lastName": "Obi", "email": "ada@example.com", "status": "ACTIVE"}
    assert post(mockserver_pact, "vaultspay", "/as/api/v1/users", body).status_code == 200
    assert post(mockserver_pact, "vaultspay", "/as/api/v1/users", {**body, "email": "bo@example.com"}).status_code == 200
    login = mockserver_pact.credentials("vaultspay")["login"]
    assert httpx.post(mockserver_pact.base_url("vaultspay") + "/as/api/v1/saas-login", json=login).status_code == 200
    info = mockserver_pact.credentials("vaultspay")
    assert httpx.get(mockserver_pact.base_url("vaultspay") + "/as/api/v1/users/604", headers=info["headers"]).status_code == 200

def test_others(mockserver_pact):
    assert post(mockserver_pact, "payabli", "/User", {"email": "ada@example.com", "name": "Ada Obi", "pwd": "s3cret!",
                "scope": [{"orgType": 0, "orgId": 123}]}).status_code == 200
    assert post(mockserver_pact, "sabi", "/api/v1/users/public", {"username": "ada@example.ng", "password": "Secret123!",
                "firstName": "Ada", "lastName": "Obi"}).status_code == 201
    assert post(mockserver_pact, "sabi", "/api/v1/users/public", {"username": ""}).status_code == 400
    assert post(mockserver_pact, "pulse", "/users", {"email": "ada@example.com", "name": "Ada Obi"}).status_code == 201
    assert post(mockserver_pact, "etelecom", ".Shop/CreateAccountUser", {"full_name": "Ada Obi", "password": "secret123",
                "phone": "0912345678", "roles": ["staff_management"]}).status_code == 200
    assert post(mockserver_pact, "pulse", "/users", {"email": "x@example.com", "name": "X"}, **{"X-Mock-Error": "RATE_LIMITED"}).status_code == 429

def test_without_the_fixture(mock_vendors):
    assert mock_vendors.base_url("sabi")
'''


ROOT = Path(__file__).resolve().parents[2]


def record(directory: Path, seed: int) -> str:
    """Run the client's suite as its own pytest run (the plugin as a user gets it); its pact file's text."""
    (directory / "test_client_suite.py").write_text(SUITE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", f"--mockserver-seed={seed}",
         "--rootdir", str(directory), str(directory / "test_client_suite.py")],
        capture_output=True, text=True, cwd=directory, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return (directory / "pacts" / "test_client_suite.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pact of a multi-vendor test run (seed 0)."""
    directory = tmp_path_factory.mktemp("suite")
    path = directory / "recorded.json"
    path.write_text(record(directory, 0), encoding="utf-8")
    return path


def test_the_fixture_records_a_pact_stable_across_seeds(recorded: Path, tmp_path: Path) -> None:
    first = recorded.read_text(encoding="utf-8")
    assert record(tmp_path, 12345) == first  # byte-identical when the seed changes
    document = json.loads(first)
    assert document["consumer"] == {"name": "test_client_suite"}
    assert document["provider"] == {"name": "mockserver"}
    assert document["metadata"]["pactSpecification"] == {"version": "4.0"}
    described = [i["description"] for i in document["interactions"]]
    assert described == [
        "vaultspay create_user #1: POST /vaultspay/as/api/v1/users",
        "vaultspay login #2: POST /vaultspay/as/api/v1/saas-login",
        "vaultspay get_user #3: GET /vaultspay/as/api/v1/users/604",
        "payabli create_user #4: POST /payabli/api/User",
        "sabi create_user #5: POST /sabi/api/v1/users/public",
        "sabi create_user #6: POST /sabi/api/v1/users/public",
        "pulse create_user #7: POST /pulse/users",
        "etelecom create_user #8: POST /etelecom/v1/shop.Shop/CreateAccountUser",
        "pulse create_user #9: POST /pulse/users",
    ]
    by_name = {i["description"].split(":")[0]: i for i in document["interactions"]}
    login = by_name["vaultspay login #2"]
    # Secrets: never the values, a generator the provider state fills, and a matcher.
    assert login["request"]["body"]["content"] == {"clientId": "vp-demo-app", "clientSecret": "***"}
    assert login["request"]["generators"]["body"] == {"$.clientSecret": {"type": "ProviderState", "expression": "${clientSecret}", "dataType": "STRING"}}
    create = by_name["vaultspay create_user #1"]
    assert create["request"]["headers"]["authorization"] == ["***"]
    assert create["request"]["generators"]["header"] == {"authorization": {"type": "ProviderState", "expression": "${authorization}"}}
    assert create["request"]["matchingRules"]["header"] == {"authorization": {"combine": "AND", "matchers": [{"match": "regex", "regex": ".+"}]}}
    assert create["providerStates"] == [{"name": "the vaultspay sandbox's fixtures and demo credentials", "params": {"vendor": "vaultspay"}}]
    # Generated values get matchers (derived by the probes), the contract's own values stay exact.
    login_rules = login["response"]["matchingRules"]["body"]
    assert login_rules["$.accessToken"] == {"combine": "AND", "matchers": [{"match": "type"}]}
    assert login["response"]["body"]["content"]["accessToken"] == "***"
    assert login_rules["$.accessTokenExpiry"]["matchers"][0]["match"] == "datetime"
    sabi = by_name["sabi create_user #5"]["response"]
    assert sabi["matchingRules"]["body"]["$.createdAt"] == {
        "combine": "AND", "matchers": [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"}]}
    assert "$.firstName" not in sabi["matchingRules"]["body"] and sabi["body"]["content"]["firstName"] == "Ada"
    refused = by_name["sabi create_user #6"]["response"]
    assert refused["status"] == 400 and "matchingRules" not in refused
    assert by_name["pulse create_user #9"]["request"]["headers"]["x-mock-error"] == ["RATE_LIMITED"]
    for token in ("eyJhbGci", "pbx-demo-token", "sabi-sandbox-platform-key", "879a7c8ad2c7", "Q7hT2mWx9LpK", "vp-demo-secret", "s3cret!"):
        assert token not in first


def test_contract_verify_replays_it_in_process(recorded: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mockserver", "contract", "verify", str(recorded)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "PASS  vaultspay create_user #1: POST /vaultspay/as/api/v1/users"
    assert lines[-1] == "9 passed, 0 failed"


def test_contract_verify_fails_on_a_broken_promise(recorded: Path, tmp_path: Path) -> None:
    document = json.loads(recorded.read_text(encoding="utf-8"))
    response = document["interactions"][3]["response"]  # payabli's create
    response["body"]["content"]["responseText"] = "Done"
    response["status"] = 201
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mockserver", "contract", "verify", str(broken)], capture_output=True, text=True)
    assert done.returncode == 1
    assert (
        "FAIL  payabli create_user #4: POST /payabli/api/User\n        $: status: expected 201, got 200\n"
        '        $.responseText: value: expected "Done", got "Success"\n'
    ) in done.stdout
    assert done.stdout.splitlines()[-1] == "8 passed, 1 failed"


@pytest.mark.parametrize(("content", "message"), [
    ("{", "not JSON"),
    ('{"interactions": []}', "Pact specification ?: only 4.x files are read"),
    ('{"interactions": [1], "metadata": {"pactSpecification": {"version": "4.0"}}}', "interaction 1 is not a Synchronous/HTTP interaction"),
])
def test_contract_verify_refuses_a_bad_file_in_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mockserver", "contract", "verify", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr and str(path) in done.stderr


def test_the_pact_verifier_accepts_it_against_a_live_server(recorded: Path) -> None:
    verifier_module = pytest.importorskip("pact")
    served = Served()
    try:
        verifier = verifier_module.Verifier("mockserver", host="127.0.0.1")
        verifier.add_transport(url=served.origin)
        verifier.add_source(str(recorded))
        verifier.state_handler(served.origin + "/__admin/provider-states", body=True)
        verifier.verify()  # raises on any failed interaction
    finally:
        served.proc.terminate()
        served.proc.wait(timeout=30)


def test_record_from_a_running_server_by_session(tmp_path: Path) -> None:
    served = Served()
    try:
        info = httpx.get(served.origin + "/__admin/vendors").json()["sabi"]
        for session, name in (("s1", "Ada"), ("s2", "Bo")):
            httpx.post(info["create_user"].split(" ", 1)[1], headers={**info["headers"], "X-Mock-Session": session},
                       json={"username": f"{name}@example.ng", "password": "Secret123!", "firstName": name, "lastName": "Obi"})
        out = tmp_path / "s1.json"
        done = subprocess.run([sys.executable, "-m", "mockserver", "contract", "record", "--session", "s1", "-o", str(out),
                               "--url", served.origin, "--consumer", "web"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"wrote {out}: 1 interactions from 1 requests\n"
        document = json.loads(out.read_text(encoding="utf-8"))
        assert document["consumer"] == {"name": "web"}
        assert [i["request"]["body"]["content"]["firstName"] for i in document["interactions"]] == ["Ada"]
        assert "sabi-sandbox-platform-key" not in out.read_text(encoding="utf-8")
        # ... and verified against that same running server
        done = subprocess.run([sys.executable, "-m", "mockserver", "contract", "verify", str(out), "--url", served.origin],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout
        missing = subprocess.run([sys.executable, "-m", "mockserver", "contract", "record", "--session", "nobody", "-o", str(out),
                                  "--url", served.origin], capture_output=True, text=True)
        assert (missing.returncode, missing.stderr) == (2, "mockserver contract: --session 'nobody': no requests in the journal\n")
    finally:
        served.proc.terminate()
        served.proc.wait(timeout=30)


def test_shapes_and_matchers() -> None:
    entry = {"vendor": "v", "operation": "create_user", "method": "POST", "headers": {"Authorization": "***", "user-agent": "x"}, "body": {"a": 1}}
    same = {**entry, "headers": {"authorization": "***"}, "body": {"a": 2}}
    other = {**entry, "body": {"a": 1, "b": 2}}
    assert shape_key(entry) == shape_key(same) != shape_key(other)
    assert matcher_for("2026-01-02T03:04:05.678+04:00") == {"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}
    assert matcher_for("2026-01-02") == {"match": "datetime", "format": "yyyy-MM-dd"}
    assert matcher_for(5) == {"match": "integer"} and matcher_for("abc") == {"match": "type"}
