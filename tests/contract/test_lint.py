"""The contract lint (core.lint): fields a vendor would ignore or coerce, per vendor, and strict mode."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.core import lint as lint_module
from mockserver.logjson import JsonFormatter
from mockserver.server import running
from tests.conftest import make_client
from tests.core.samples import CREATE_BODIES
from tests.core.served import Served

PATHS = {
    "vaultspay": "/vaultspay/as/api/v1/users",
    "payabli": "/payabli/api/User",
    "sabi": "/sabi/api/v1/users/public",
    "pulse": "/pulse/users",
    "etelecom": "/etelecom/v1/shop.Shop/CreateAccountUser",
}
CLEAN_STATUS = {"vaultspay": 200, "payabli": 200, "sabi": 201, "pulse": 201, "etelecom": 200}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return make_client()


@pytest.fixture(autouse=True)
def _fresh(client: TestClient) -> None:
    client.post("/__admin/reset").raise_for_status()
    client.post("/__admin/strict", json={"strict": False}).raise_for_status()


def create(client: TestClient, vendor: str, body: dict[str, Any], session: str = "") -> httpx.Response:
    headers = dict(client.get("/__admin/vendors").json()[vendor]["headers"])
    if session:
        headers["X-Mock-Session"] = session
    return client.post(PATHS[vendor], json=body, headers=headers)


def last_warnings(client: TestClient) -> list[str]:
    return list(client.get("/__admin/requests").json()[-1]["warnings"])


@pytest.mark.parametrize("vendor", sorted(PATHS))
def test_a_clean_request_has_no_warnings(client: TestClient, vendor: str) -> None:
    response = create(client, vendor, CREATE_BODIES[vendor])
    assert response.status_code == CLEAN_STATUS[vendor]
    assert "x-mock-warnings" not in response.headers
    assert last_warnings(client) == []


@pytest.mark.parametrize("vendor", sorted(PATHS))
def test_an_unknown_field_is_reported_and_ignored(client: TestClient, vendor: str) -> None:
    response = create(client, vendor, {**CREATE_BODIES[vendor], "qqzzx": 1})
    assert response.status_code == CLEAN_STATUS[vendor]  # the vendor ignores it
    assert response.headers["x-mock-warnings"] == "qqzzx: unknown field, ignored by the vendor"
    assert last_warnings(client) == ["qqzzx: unknown field, ignored by the vendor"]


# A misspelt optional field (the request still succeeds, and the value is lost), with the
# field the client meant, at the depth where it sits.
MISSPELT = {
    "vaultspay": ({"phonee": "3329465636"}, None, "phonee: unknown field, ignored by the vendor (did you mean phone?)"),
    "payabli": ({}, ("mfaData", {"mfa": True, "mfaMod": 0}), "mfaData.mfaMod: unknown field, ignored by the vendor (did you mean mfaMode?)"),
    "sabi": ({"middlename": "Chi"}, None, "middlename: unknown field, ignored by the vendor (did you mean middleName?)"),
    "pulse": ({"imgsrc": "https://example.com/a.png"}, None, "imgsrc: unknown field, ignored by the vendor (did you mean imgSrc?)"),
    "etelecom": ({"department": 1}, None, "department: unknown field, ignored by the vendor (did you mean department_id?)"),
}


@pytest.mark.parametrize("vendor", sorted(PATHS))
def test_a_misspelt_field_gets_a_did_you_mean(client: TestClient, vendor: str) -> None:
    extra, replaced, text = MISSPELT[vendor]
    body = {**CREATE_BODIES[vendor], **extra}
    if vendor == "vaultspay":
        body.pop("phone")
        body.pop("countryCode")
    if replaced is not None:
        body[replaced[0]] = replaced[1]
    response = create(client, vendor, body)
    assert response.status_code == CLEAN_STATUS[vendor]
    assert response.headers["x-mock-warnings"] == text


def test_a_lower_case_spelling_suggests_the_camel_case_field(client: TestClient) -> None:
    body = {**CREATE_BODIES["vaultspay"], "firstname": "khalid"}
    body.pop("firstName")
    response = create(client, "vaultspay", body)
    assert response.status_code == 400  # firstName is required: the warning says why it is "missing"
    assert response.json()["errors"] == [{"key": "firstName", "reason": "must not be blank"}]
    assert response.headers["x-mock-warnings"] == "firstname: unknown field, ignored by the vendor (did you mean firstName?)"


@pytest.mark.parametrize("vendor", ["payabli", "etelecom"])
def test_a_vendor_matching_keys_case_insensitively_takes_another_case(client: TestClient, vendor: str) -> None:
    body = {key.upper(): value for key, value in CREATE_BODIES[vendor].items()}
    response = create(client, vendor, body)
    assert response.status_code == CLEAN_STATUS[vendor]
    assert "x-mock-warnings" not in response.headers


def test_jackson_coercion_is_reported(client: TestClient) -> None:
    body = {**CREATE_BODIES["vaultspay"], "phone": 3329465636, "lastName": True}
    response = create(client, "vaultspay", body)
    assert response.status_code == 200
    assert response.json()["data"]["phone"] == "3329465636"
    assert response.headers["x-mock-warnings"] == (
        "lastName: boolean coerced to string by the vendor; phone: number coerced to string by the vendor"
    )


# Where the vendor refuses a value of another kind, that is its own error, never a coercion warning.
REFUSED_KIND = {
    "payabli": ("timeZone", "-5"), "sabi": ("firstName", 5), "pulse": ("name", 5), "etelecom": ("phone", 912345678),
}


@pytest.mark.parametrize("vendor", sorted(REFUSED_KIND))
def test_a_vendor_that_does_not_coerce_gets_no_coercion_warning(client: TestClient, vendor: str) -> None:
    key, value = REFUSED_KIND[vendor]
    response = create(client, vendor, {**CREATE_BODIES[vendor], key: value})
    assert response.status_code == 400
    assert "x-mock-warnings" not in response.headers


# ---------------------------------------------------------------- strict mode
STRICT = {
    "vaultspay": ({"usrstatus": 1, "phone": 3329465636}, {
        "code": 1000, "message": "Invalid payload. Please check your request.", "type": "INVALID_PAYLOAD",
        "errors": [
            {"key": "phone", "reason": "Cannot coerce Integer value to `java.lang.String` value"},
            {"key": "usrstatus", "reason": 'Unrecognized field "usrstatus" (not marked as ignorable)'},
        ],
    }),
    "payabli": ({"usrstatuss": 1}, {
        "isSuccess": False, "responseCode": 3003, "responseText": "Error",
        "responseData": {
            "explanation": "Invalid parameter value in request: usrstatuss The JSON property 'usrstatuss' could not be mapped to any .NET member",
            "todoAction": "Provide the correct value for parameter.",
        },
    }),
    "sabi": ({"firstname": "Ada"}, {"statusCode": 400, "message": ["property firstname should not exist"], "error": "Bad Request"}),
    "pulse": ({"teamid": 1}, {"error": "Bad Request", "status": 400, "message": "Invalid request body: teamid: Unrecognized key(s) in object: 'teamid'"}),
    "etelecom": ({"fullname": "x"}, {
        "code": "malformed", "msg": "the json request could not be decoded", "meta": {"cause": 'json: unknown field "fullname"'},
    }),
}


@pytest.mark.parametrize("vendor", sorted(PATHS))
def test_strict_mode_answers_the_vendors_own_validation_error(client: TestClient, vendor: str) -> None:
    extra, envelope = STRICT[vendor]
    client.post("/__admin/strict", json={"strict": True}).raise_for_status()
    response = create(client, vendor, {**CREATE_BODIES[vendor], **extra})
    assert response.status_code == 400
    assert response.json() == envelope
    assert response.headers["x-mock-warnings"]
    # refused before the handler: nothing was created
    assert create(client, vendor, CREATE_BODIES[vendor]).status_code == CLEAN_STATUS[vendor]


def test_the_admin_switch_shows_and_sets_strictness(client: TestClient) -> None:
    assert client.get("/__admin/strict").json() == {"strict": False, "sessions": {}}
    assert client.post("/__admin/strict", json={"strict": True}).json() == {"strict": True, "sessions": {}}
    assert client.post("/__admin/strict", json={"strict": "yes"}).json() == {
        "error": 'body must be a JSON object {"strict": true} or {"strict": false}'
    }
    assert client.post("/__admin/strict", content=b"{").status_code == 400
    assert client.post("/__admin/strict", json={"strict": False}).json() == {"strict": False, "sessions": {}}


def test_strict_per_session(client: TestClient) -> None:
    body = {**CREATE_BODIES["pulse"], "teamid": 1}
    assert client.post("/__admin/sessions/ci-1/strict").json() == {"session": "ci-1", "strict": True}  # an empty body: on
    assert create(client, "pulse", body, session="ci-1").status_code == 400
    assert create(client, "pulse", body, session="other").status_code == 201
    assert create(client, "pulse", body).status_code == 201
    assert client.get("/__admin/strict").json() == {"strict": False, "sessions": {"ci-1": True}}
    client.post("/__admin/reset", params={"session": "ci-1"})  # a session's reset forgets its switch too
    assert client.get("/__admin/sessions/ci-1/strict").json() == {"session": "ci-1", "strict": False}


def test_strict_from_the_config() -> None:
    with make_client("sabi", strict=True) as strict_client:
        headers = strict_client.get("/__admin/vendors").json()["sabi"]["headers"]
        response = strict_client.post(PATHS["sabi"], json={**CREATE_BODIES["sabi"], "firstname": "Ada"}, headers=headers)
    assert response.status_code == 400
    assert response.json() == STRICT["sabi"][1]


def test_strict_from_the_command_line_and_the_environment() -> None:
    helped = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--help"], capture_output=True, text=True, check=True)
    assert "--strict" in helped.stdout and "MOCKSERVER_STRICT" in helped.stdout
    for args, env in ((("--strict",), {}), ((), {"MOCKSERVER_STRICT": "1"})):
        previous = dict(os.environ)
        os.environ.update(env)
        try:
            served = Served(*args)
        finally:
            os.environ.clear()
            os.environ.update(previous)
        try:
            headers = httpx.get(served.origin + "/__admin/vendors").json()["pulse"]["headers"]
            response = httpx.post(served.origin + PATHS["pulse"], json={**CREATE_BODIES["pulse"], "teamid": 1}, headers=headers)
            assert response.status_code == 400, (args, env)
            assert response.json() == STRICT["pulse"][1]
            served.wait_for("warnings=teamid: unknown field")  # the per-request log line
        finally:
            served.proc.terminate()
            served.proc.wait(timeout=30)


# ---------------------------------------------------------------- bounds and cost
def test_the_header_is_bounded_ascii_and_the_findings_capped(client: TestClient) -> None:
    body = {**CREATE_BODIES["sabi"], **{f"ключ{n}\x01": n for n in range(500)}}
    response = create(client, "sabi", body)
    value = response.headers["x-mock-warnings"]
    assert len(value) <= lint_module.HEADER_LIMIT
    assert value.isascii() and value.isprintable()
    assert value.endswith("more)")
    assert len(last_warnings(client)) == lint_module.MAX_WARNINGS


def test_the_log_line_carries_the_warnings(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="mockserver.requests"):
        create(client, "sabi", {**CREATE_BODIES["sabi"], "qqzzx": 1})
    assert "warnings=qqzzx: unknown field, ignored by the vendor" in caplog.text
    line = json.loads(JsonFormatter().format(caplog.records[-1]))  # --log-format json
    assert line["warnings"] == ["qqzzx: unknown field, ignored by the vendor"]
    assert (line["vendor"], line["operation"], line["status"]) == ("sabi", "create_user", 201)


@pytest.mark.parametrize("vendor", sorted(PATHS))
def test_a_body_the_fast_path_takes_whole_is_never_linted(client: TestClient, vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A forbid-derived fast validator of the route's own model vouches for the body: the hot path
    # pays no lint at all (the walk would raise here).
    def boom(self: object, body: bytes) -> tuple[()]:
        raise AssertionError("linted")

    monkeypatch.setattr(lint_module.Linter, "__call__", boom)
    assert create(client, vendor, CREATE_BODIES[vendor]).status_code == CLEAN_STATUS[vendor]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_lint_example_runs_as_written() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## In CI: contract checks and regression"):]
    block = re.search(r"```bash\n(AUTH=.*?)```", section, re.DOTALL)
    assert block is not None
    expected = re.search(r"# (x-mock-warnings: .*)", block.group(1))
    assert expected is not None
    with running(port=0) as server:
        script = block.group(1).replace("http://127.0.0.1:8080", server.url)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().lower() == expected.group(1).lower()
