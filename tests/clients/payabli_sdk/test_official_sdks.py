"""Payabli's official SDKs, unchanged, against a live server: every user operation they offer.

The newest Python SDK (``payabli`` on PyPI) and the Node SDK (``@payabli/sdk-node``),
at the versions ``versions.toml`` pins, run client code written as for the real API
(drive_python.py, drive_node.js) with only the base URL changed: create, list, read,
edit and delete a user, log it in, refresh, change the password, log out, turn MFA
on, resend and validate the code, reset the password (and, in Python, OAuth client
credentials).  Every answer must parse into the SDK's typed model (Python; the Node
SDK validates nothing at run time, so the keys and JavaScript types are checked), and
every catalogued error of each operation (the served OpenAPI's, forced with
``X-Mock-Error``) must raise the SDK's own error class for its status: never the
Python SDK's ParsingError.

Each test also checks its client's ``tests/clients/results/<client>.json`` (the README's
"Tested with real clients" table is rendered from these files):
``MOCKSERVER_UPDATE_CLIENT_RESULTS=1`` rewrites it instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mockserver.config import default_fixtures_dir
from mockserver.core.fixtures import load_model
from mockserver.vendors.payabli.models import Fixture
from tests.clients.payabli_sdk import setup_sdks
from tests.clients.payabli_sdk.conftest import require
from tests.core.served import Served

HERE = Path(__file__).parent
RESULTS = HERE.parent / "results"
UPDATE_ENV = "MOCKSERVER_UPDATE_CLIENT_RESULTS"
SUITE = "tests/clients/payabli_sdk/test_official_sdks.py"
# The SDKs' operation names -> the mock's (journal, scenarios, OpenAPI x-mockserver-operation).
MOCK_OPERATION = {"add_user": "create_user", "edit_user": "update_user", "create_server_side_token": "token"}
USER_OPERATIONS = (
    "add_user", "get_user", "edit_user", "delete_user", "list_users_org", "list_users_paypoint", "auth_user", "auth_refresh_user",
    "auth_reset_user", "change_psw_user", "logout_user", "edit_mfa_user", "resend_mfa_code", "validate_mfa_user",
)
# The statuses each SDK call turns into its own error class [PUB: sdk-python 1.0.19 user/, query/ and
# token/raw_client.py; sdk-node 0.0.114 Client.js]; any other status raises the SDK's base error.
ERROR_CLASSES = {400: "BadRequestError", 401: "UnauthorizedError", 500: "InternalServerError", 503: "ServiceUnavailableError"}
PYTHON_DECLARES: dict[str, tuple[int, ...]] = {"validate_mfa_user": (), "create_server_side_token": (400,)}
TYPED_BODIES = {401: "PayabliErrorBody", 503: "PayabliErrorBody"}  # the Python SDK parses these into its model


def plan(server: Served, credentials: dict[str, Any], catalogued: dict[str, list[str]], tag: str, operations: tuple[str, ...]) -> dict[str, Any]:
    fixture = load_model(default_fixtures_dir() / "payabli.yaml", Fixture)  # the fixture the server runs
    app_token = next(t.token for t in fixture.tokens if t.kind == "application" and t.expiresIn is None)
    return {
        "base_url": f"{server.origin}/payabli/api",
        "session": f"sdk-{tag}",
        "org_token": credentials["headers"]["requestToken"],
        "app_token": app_token,
        "user": {"email": f"sdk.{tag}@example.com", "psw": "Sdk-s3cret!", "new_psw": "Sdk-n3w-s3cret!"},
        "mfa_code": fixture.settings.mfaCode,
        "oauth": {"client_id": credentials["login"]["clientId"], "client_secret": credentials["login"]["clientSecret"]},
        "errors": {op: catalogued[MOCK_OPERATION.get(op, op)] for op in operations},
    }


def run(command: list[str], plan_file: Path, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    done = subprocess.run([*command, str(plan_file)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    steps: list[dict[str, Any]] = json.loads(done.stdout)
    return steps


def by_name(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in steps}


def check_no_surprise(steps: list[dict[str, Any]]) -> None:
    surprises = [s for s in steps if s["outcome"] in ("parsing_error", "exception")]
    assert not surprises, json.dumps(surprises, indent=1, ensure_ascii=False)[:6000]


def check_flow(steps: dict[str, dict[str, Any]], typed: dict[str, str | None]) -> None:
    """The documented flow: each step typed (its model's class, where the SDK has one) or the expected error."""
    for name, model in typed.items():
        step = steps[name]
        assert step["outcome"] == "typed", step
        if model is not None:
            assert step["model"] == model, step
    refused = {
        "logout_user_again": 401, "validate_mfa_user_again": 400, "auth_user_wrong_password": 401, "auth_user_organization_token": 401,
        "add_user_duplicate": 400, "add_user_paypoint_scope": 400, "add_user_long_value": 400, "get_user_unknown": 400,
        "get_user_bad_token": 401,
    }
    for name, status in refused.items():
        assert (steps[name]["outcome"], steps[name]["status"]) == ("error", status), steps[name]


def check_forced(steps: list[dict[str, Any]], declares: dict[str, tuple[int, ...]], base: str, typed_bodies: dict[int, str]) -> int:
    """Every forced catalogued error raised the SDK's own class for its status; returns how many."""
    count = 0
    for step in steps:
        if not step["name"].startswith("error:"):
            continue
        assert step["outcome"] == "error", step
        status, operation = step["status"], step["operation"]
        declared = declares.get(operation, tuple(ERROR_CLASSES))
        expected = ERROR_CLASSES[status] if status in declared else base
        assert step["error_class"] == expected, step
        if status in declared and status in typed_bodies:
            assert step["body_class"] == typed_bodies[status], step
        count += 1
    return count


def results_row(file: str, client: str, kind: str, version: str, steps: list[dict[str, Any]], errors: int, notes: str) -> None:
    """Check (or, under MOCKSERVER_UPDATE_CLIENT_RESULTS=1, write) the client's results file, in the shape
    every real-client suite writes: ``{client, kind, version, suite, rows: {vendor: {operations, errors, result}}}``
    (``operations``: the calls whose success the SDK returned typed; ``errors``: catalogued errors that
    raised the SDK's own class; ``notes``: what the README table may add)."""
    operations = sorted({s["operation"] for s in steps if s["outcome"] == "typed"})
    row = {"operations": operations, "errors": errors, "result": "pass", "notes": notes}
    data = {"client": client, "kind": kind, "version": version, "suite": SUITE, "rows": {"payabli": row}}
    path = RESULTS / file
    if os.environ.get(UPDATE_ENV) == "1":
        RESULTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    assert stored == data, f"{path.name} is not what the suite found: rerun with {UPDATE_ENV}=1 and commit it"


# ---------------------------------------------------------------- Python
PYTHON_TYPED: dict[str, str | None] = {
    "add_user": "AddUserResponse", "list_users_org": "QueryUserResponse", "list_users_org_page": "QueryUserResponse",
    "get_user": "UserQueryRecord", "edit_user": "PayabliApiResponse", "get_user_edited": "UserQueryRecord",
    "list_users_paypoint": "QueryUserResponse", "auth_user": "PayabliApiResponseMfaBasic", "auth_refresh_user": "PayabliApiResponseUserMfa",
    "change_psw_user": "ChangePswUserResponse", "logout_user": "LogoutUserResponse", "edit_mfa_user": "EditMfaUserResponse",
    "auth_user_mfa": "PayabliApiResponseMfaBasic", "resend_mfa_code": "PayabliApiResponseMfaBasic",
    "validate_mfa_user": "PayabliApiResponseUserMfa", "auth_reset_user": "AuthResetUserResponse", "delete_user": "DeleteUserResponse",
    "create_server_side_token": "PayabliAccessTokenResponse", "get_user_with_oauth": "UserQueryRecord",
}


def test_the_newest_python_sdk_runs_every_user_operation(live_server: Served, sdk_credentials: dict[str, Any],
                                                        catalogued: dict[str, list[str]], tmp_path: Path) -> None:
    require("python")
    operations = (*USER_OPERATIONS, "create_server_side_token")
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan(live_server, sdk_credentials, catalogued, "python", operations)), encoding="utf-8")
    steps = run([str(setup_sdks.PYTHON), str(HERE / "drive_python.py")], plan_file)
    check_no_surprise(steps)
    named = by_name(steps)
    check_flow(named, PYTHON_TYPED)
    # The shapes issue 14 found wrong, as the SDK parsed them.
    got = named["get_user"]["data"]
    assert got["AdditionalData"] == {"crm": "42", "source": "sdk-python"} and got["Scope"][0]["orgEntry"] == "pilgrim-planner"
    assert named["get_user_edited"]["data"]["AdditionalData"] == {"crm": "43"}
    summary = named["list_users_org_page"]["data"]["Summary"]
    assert isinstance(summary["pageidentifier"], str) and summary["totalAmount"] == 0.0
    assert named["list_users_org"]["data"]["Summary"]["pageidentifier"] is None
    assert named["auth_user_mfa"]["data"]["mfa"] is True and named["validate_mfa_user"]["data"]["remaining"] == 120
    token_error = named["create_server_side_token_wrong_secret"]
    assert (token_error["error_class"], token_error["status"], token_error["body"]["errorType"]) == ("BadRequestError", 400, "InvalidCredentials")
    assert {s["operation"] for s in steps if s["outcome"] == "typed"} == set(operations)
    count = check_forced(steps, PYTHON_DECLARES, "ApiError", TYPED_BODIES)
    assert count == sum(len(keys) for keys in plan(live_server, sdk_credentials, catalogued, "python", operations)["errors"].values())
    results_row("payabli-python-sdk.json", "payabli", "official Python SDK", setup_sdks.version(setup_sdks.PYTHON_SDK), steps, count,
                "every answer parsed into the SDK's pydantic models; every catalogued error raised its error class")


# ---------------------------------------------------------------- Node
NODE_KEYS = {
    "get_user": ["userId", "Email", "Name", "Phone", "snProvider", "snIdentifier", "snData", "Scope", "Access", "UsrStatus", "language",
                 "timeZone", "UsrMFA", "UsrMFAMode", "createdAt", "lastAccess", "AdditionalData"],
    "auth_refresh_user": ["responseText", "isSuccess", "responseData", "remaining", "inactiveTokenTime"],
    "resend_mfa_code": ["responseText", "isSuccess", "responseData", "mfa", "mfaMode", "mfaValidationCode"],
}


def test_the_node_sdk_runs_every_user_operation(live_server: Served, sdk_credentials: dict[str, Any],
                                                catalogued: dict[str, list[str]], tmp_path: Path) -> None:
    require("node")
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan(live_server, sdk_credentials, catalogued, "node", USER_OPERATIONS)), encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(setup_sdks.NODE_MODULES)}
    steps = run(["node", str(HERE / "drive_node.js")], plan_file, env)
    check_no_surprise(steps)
    named = by_name(steps)
    check_flow(named, dict.fromkeys((n for n in PYTHON_TYPED if n in named), None))
    for name, keys in NODE_KEYS.items():
        assert list(named[name]["data"]) == keys, named[name]
    # The newest shape (an object); 0.0.114's declarations still say string (fidelity map).
    assert named["get_user"]["types"]["AdditionalData"] == "object"
    assert named["get_user"]["data"]["AdditionalData"] == {"crm": "42", "source": "sdk-node"}
    assert {s["operation"] for s in steps if s["outcome"] == "typed"} == set(USER_OPERATIONS)
    count = check_forced(steps, {}, "PayabliError", {})
    results_row("payabli-node-sdk.json", "@payabli/sdk-node", "official Node SDK", setup_sdks.version(setup_sdks.NODE_SDK), steps, count,
                "no run-time validation in the SDK: keys and JSON types checked; AdditionalData arrives as an object, "
                "which 0.0.114's declarations type a string")


@pytest.mark.parametrize("section", ["python", "node"])
def test_a_missing_sdk_fails_under_require(section: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(setup_sdks, "CACHE", tmp_path)
    monkeypatch.setattr(setup_sdks, "VENV", tmp_path / "venv")
    monkeypatch.setattr(setup_sdks, "PYTHON", tmp_path / "venv" / "bin" / "python")
    monkeypatch.setattr(setup_sdks, "NODE_PREFIX", tmp_path / "node")
    monkeypatch.setattr(setup_sdks, "NODE_MODULES", tmp_path / "node" / "node_modules")
    monkeypatch.setenv("MOCKSERVER_REQUIRE_CLIENTS", "1")
    with pytest.raises(pytest.fail.Exception, match=r"setup_sdks\.py"):
        require(section)
    monkeypatch.delenv("MOCKSERVER_REQUIRE_CLIENTS")
    with pytest.raises(pytest.skip.Exception):
        require(section)
