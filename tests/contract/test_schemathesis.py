"""schemathesis against each vendor's generated OpenAPI document, on a live server.

One live mockserver (``mockserver.running``, frozen clock) for the module; per
vendor: write the vendor's document for that server and run schemathesis 4's
``run`` command on it (examples, coverage, fuzzing and stateful phases;
positive and negative data; fixed seed, one worker, no example database) with
the vendor's working credentials from ``/__admin/vendors`` injected.

The document must be exactly as strict as the server:

- nothing fails: no 5xx, every status documented, every content type and body
  as documented;
- no "schema too loose" (schemathesis' ST202, positive_data_acceptance): every
  request generated from the schema (a *positive* case) that the server
  refuses (a 4xx other than 401, 403, 404, 409 or 429, as schemathesis reads
  statuses) is refused for a rule of stored state the schema cannot state
  (``STATE_RULES``: an unknown id, a duplicate, a workflow step), never for a
  rule of the request itself;
- no "validation mismatch" warning (an operation whose positive cases were all
  refused) but the two ``EXPLAINED_WARNINGS`` whose refusals are all such
  state rules (checked by the point above).

Runs: the examples phase, then the other three, each on a freshly reset
server.  Otherwise the coverage phase re-sends the very example the examples
phase created and meets "already exists" for every variant of it: stored
state left by the test itself, not a rule of the API.

By hand, against ``mockserver serve``::

    mockserver openapi payabli -o payabli.json
    schemathesis run payabli.json --url http://127.0.0.1:8080/payabli \\
        -H 'requestToken: pbx-demo-token-7f3c9a2e41d84b6f' \\
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,positive_data_acceptance \\
        --mode all --max-examples 40 --seed 20260101 --workers 1
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import mockserver
from mockserver.core.openapi import openapi_document
from mockserver.vendors import NAMES

pytest.importorskip("schemathesis")

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
RUNS = ("examples", "coverage,fuzzing,stateful")  # each on a freshly reset server
SEED = 20260101
MAX_EXAMPLES = 40  # per operation and phase; every vendor comes out well above MIN_CASES
MIN_CASES = 300
TIMEOUT = 240  # seconds for one run (each takes ~5-20 s on a 2-core machine)
# Statuses that say nothing against the data sent (schemathesis' reading: auth, not found,
# conflict, rate limit); any other 4xx to a positive case is a refusal of valid data.
NOT_A_REFUSAL = frozenset({401, 403, 404, 409, 429})

# Refusals of schema-valid requests that depend on stored state, the clock or another
# parameter, which no JSON Schema can state: (pattern on the response body, why).
STATE_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "vaultspay": (
        ("User does not exist with this id", "an id that no user of the caller's agent has"),
        ("User already exists with this (email|phone number)", "e-mail and phone number are unique"),
        ("Personal info already exists for this user", "KYC personal info is submitted once, then PATCHed"),
        ("KYC_PERSONAL_INFO", "PATCH before the personal info was submitted (ACTION_REQUIRED)"),
        ("can only be updated while KYC status is PENDING", "PATCH after the KYC was decided"),
        ("must be a past date", "dob before the server clock's date: a pattern would date the contract"),
    ),
    "payabli": (
        (r"userId -?\d+ does not exist", "a userId no user has (any longer)"),
        ("email is already in use", "the login e-mail is unique tenant-wide"),
        # 400 InvalidCredentials [PUB sdk-python 1.0.19], where 401 read as auth before issue 14.
        ("Invalid client credentials", "a clientId and the secret of that same client: credentials no schema names"),
        # the user login family (issue 14)
        ("mfaValidationCode is unknown or expired", "a validation code the server issued to a login, spent once"),
        ("mfaCode is not valid", "the code the user received (settings.mfaCode)"),
        (r"entryType must be \d+ for ", "entryType must be the named entry's own: a pair of parameters"),
        (r"usrname \S+ is not a user|usrname has no MFA", "usrname is an existing user's e-mail, a user with MFA on"),
        ("is not in the user's scope", "the entry must be in that user's scope"),
    ),
    "sabi": (),
    "pulse": (
        (r"Team \d+ does not exist in this account", "teamId offers every account's teams; x-account-id picks one"),
        ("Roles not found in this account", "roles offers every account's roles; x-account-id picks one"),
        ("Cannot impersonate an inactive user", "the target user's active flag"),
    ),
    "etelecom": (
        ("Người dùng đã tồn tại", "the phone is already a member of the shop (failed_precondition)"),
        # The cursor is opaque base64 holding its sort's field and direction (paging.py says why
        # the document leaves this one unstated); hit since GetAccountUsers' body is "object or null".
        (r"paging is invalid \(sort does not match\)", "an after/before cursor made for another sort than paging.sort"),
    ),
}
# Refusals of an integral float such as 12.0 where the vendor binds an integer: JSON
# Schema's "integer" admits 12.0, .NET, Java and Go binders refuse it.  Only counted
# when the request body holds such a float.
INTEGRAL_FLOAT_RULES = ("must be an integer", "cannot unmarshal number")
# Operations allowed a validation_mismatch warning, each for state-only refusals, or for a
# leniency of the vendor's binder that the document deliberately leaves unstated.
_JACKSON = ("a number or boolean sent for a String field is accepted as its text, as Jackson coerces scalars "
            "(vaultspay fidelity map, [INF]); the document keeps the vendor's String type for clients")
EXPLAINED_WARNINGS: dict[str, dict[str, str]] = {
    "vaultspay": {
        "PATCH /us/api/v1/kyc/personal": "no fixture user has PENDING personal info to PATCH; " + _JACKSON,
        # Seen with hypothesis 6.170 (a fresh install), not 6.155: coverage sends language: false.
        "POST /us/api/v1/kyc/personal": _JACKSON,
        "POST /us/api/v1/users": _JACKSON,
    },
    "pulse": {"POST /users": "its only refusal in coverage is a team of another account than x-account-id's"},
    "payabli": {
        "POST /api/v2/Token/serverside": "a generated clientId/clientSecret pair is not a fixture client's: 400 InvalidCredentials",
        "POST /api/User/mfa": "a generated mfaValidationCode is none a login issued",
        "POST /api/User/resendmfa/{usrname}/{entry}/{entryType}": "a generated usrname is no user's e-mail (nor one with MFA on)",
    },
    # Coverage varies the example one field at a time: a negative variant sending a role as its enum
    # number (roles: [0], which Go's UserRole reads) registers the example's phone first, so every
    # positive variant after it is that phone again (failed_precondition, a STATE_RULES refusal).
    "etelecom": {"POST /v1/shop.Shop/CreateAccountUser": "the example's phone, registered first by a negative case the server takes"},
}


@dataclass
class Refusal:
    operation: str
    phase: str
    status: int
    request: str
    response: str


@pytest.fixture(scope="module")
def server() -> Iterator[mockserver.RunningServer]:
    # A frozen clock: generated ids and timestamps, hence stateful links, repeat run after run.
    with mockserver.running(port=0, clock="frozen:2026-01-01T00:00:00Z", log_level="warning") as live:
        yield live


def run_schemathesis(document: Path, url: str, headers: dict[str, str], phases: str, reports: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(document), "--url", url, "--phases", phases,
        "--checks", CHECKS, "--mode", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--workers", "1", "--generation-database", "none", "--no-color",
        "--report", "json,ndjson", "--report-json-path", str(reports / "report.json"),
        "--report-ndjson-path", str(reports / "events.ndjson"),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=document.parent)


def _text(message: dict[str, Any] | None, key: str) -> str:
    payload = (message or {}).get(key) or {}
    return base64.b64decode(payload["$base64"]).decode("utf-8", "replace") if "$base64" in payload else ""


def positive_cases(events: Path) -> Iterator[tuple[str, str, int, str, str]]:
    """(operation, phase, status, request body, response body) of every positive case
    answered, from schemathesis' NDJSON event stream."""
    with events.open(encoding="utf-8") as lines:
        for line in lines:
            finished = json.loads(line).get("ScenarioFinished")
            recorder = (finished or {}).get("recorder") or {}
            for case_id, node in recorder.get("cases", {}).items():
                case = node["value"]
                if ((case.get("meta") or {}).get("generation") or {}).get("mode") != "positive":
                    continue
                interaction = recorder["interactions"].get(case_id) or {}
                response = interaction.get("response")
                if response is None:
                    continue
                yield (f"{case['method']} {case['path']}", finished["phase"], response["status_code"],
                       _text(interaction.get("request"), "body"), _text(response, "content"))


def _integral_float(body: str) -> bool:
    def walk(value: Any) -> bool:
        if isinstance(value, float):
            return value.is_integer()
        if isinstance(value, dict):
            return any(walk(v) for v in value.values())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False

    try:
        return walk(json.loads(body))
    except ValueError:
        return False


def explained(vendor: str, request: str, response: str) -> bool:
    if any(re.search(pattern, response) for pattern, _ in STATE_RULES[vendor]):
        return True
    return _integral_float(request) and any(rule in response for rule in INTEGRAL_FLOAT_RULES)


@pytest.mark.parametrize("vendor", NAMES)
def test_schemathesis_finds_nothing(server: mockserver.RunningServer, vendor: str, tmp_path: Path) -> None:
    document = tmp_path / f"{vendor}.json"
    document.write_text(json.dumps(openapi_document(server.runtime, vendor, server.url)), encoding="utf-8")
    # The vendor's working credentials (and Pulse's x-account-id); schemathesis sets Content-Type itself.
    headers = {k: v for k, v in server.vendors()[vendor]["headers"].items() if k.lower() != "content-type"}
    generated, warnings, refusals, positives = 0, {}, [], 0
    started = time.monotonic()
    for phases in RUNS:
        assert httpx.post(f"{server.url}/__admin/reset").status_code == 200  # every run starts from the fixtures
        reports = tmp_path / phases.partition(",")[0]
        reports.mkdir()
        finished = run_schemathesis(document, server.url + server.runtime.mounts[vendor], headers, phases, reports)
        output = f"{phases}:\n" + finished.stdout[-6000:] + finished.stderr[-2000:]
        assert (reports / "report.json").exists(), output
        report: dict[str, Any] = json.loads((reports / "report.json").read_text(encoding="utf-8"))
        assert report["failures"] == [] and report["errors"] == [], output
        assert finished.returncode == 0, output
        assert report["stop_reason"] == "completed", output
        cases = report["test_cases"]
        assert cases["with_failures"] == 0 and cases["errored"] == 0, output
        if "coverage" in phases:
            operations = report["operations"]
            assert operations["tested"] == operations["selected"] == operations["total"] == len(server.runtime.vendors[vendor].routes()), output
        generated += cases["generated"]
        for kind, labels in report["warnings"].items():
            warnings.setdefault(kind, []).extend(labels)
        for operation, phase, status, request, response in positive_cases(reports / "events.ndjson"):
            positives += 1
            if 400 <= status < 500 and status not in NOT_A_REFUSAL and not explained(vendor, request, response):
                refusals.append(Refusal(operation, phase, status, request[:300], response[:300]))
    print(f"schemathesis {vendor}: {generated} cases in {time.monotonic() - started:.1f}s")  # shown with -s / on failure
    assert generated >= MIN_CASES, f"{vendor}: only {generated} cases"
    assert positives, "no positive case found in the NDJSON events: has their format changed?"
    assert not refusals, "schema too loose, the server refused valid requests:\n" + "\n".join(map(str, refusals[:20]))
    unexplained = sorted(set(warnings.get("validation_mismatch", ())) - set(EXPLAINED_WARNINGS.get(vendor, {})))
    assert not unexplained, f"validation mismatch: {unexplained}"
