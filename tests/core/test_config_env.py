"""Every serve option from a MOCKSERVER_* variable (the flag wins, a bad value names the variable); JSON logs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from mockserver import envvars
from mockserver.cli import serve

ROOT = Path(__file__).resolve().parents[2]


def _options() -> list[click.Option]:
    return [p for p in serve.params if isinstance(p, click.Option) and not p.is_eager]


def test_every_serve_option_has_its_variable() -> None:
    for option in _options():
        flag = max(option.opts, key=len)
        assert envvars.variable_of(option) == "MOCKSERVER_" + flag.lstrip("-").upper().replace("-", "_"), flag


def test_the_readme_table_lists_every_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("<!-- env:start -->"):readme.index("<!-- env:end -->")]
    rows = re.findall(r"^\| `(--[\w-]+)` \| `(MOCKSERVER_\w+)` \|", table, re.M)
    assert rows == [(max(o.opts, key=len), envvars.variable_of(o)) for o in _options()], "run python3 tools/gen_readme.py"


def test_an_option_added_later_gets_its_variable_too() -> None:
    @click.command()
    @click.option("--max-users", type=int, default=5)
    @click.option("--store", default="memory://")
    def command(max_users: int, store: str) -> None:
        click.echo(f"{max_users} {store}")

    envvars.apply(command)
    runner = CliRunner()
    assert runner.invoke(command, [], env={"MOCKSERVER_MAX_USERS": "7"}).output == "7 memory://\n"
    assert runner.invoke(command, ["--max-users", "9"], env={"MOCKSERVER_MAX_USERS": "7"}).output == "9 memory://\n"  # the flag wins


def _serve(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", *args], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=ROOT,
    )


def _origin(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    first = proc.stdout.readline()
    where = re.search(r"listening on (\S+)", first)
    assert where, first
    origin = "http://" + where.group(1)
    deadline = time.monotonic() + 30  # the banner comes before uvicorn listens; generous for a loaded machine
    while True:
        try:
            httpx.get(origin + "/__admin/health")
            return origin
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_variables_configure_serve_and_the_flag_wins() -> None:
    env = {"MOCKSERVER_PORT": "0", "MOCKSERVER_SEED": "7", "MOCKSERVER_SCENARIO": "vaultspay-throttled sabi-too-many-requests", "MOCKSERVER_LOG_LEVEL": "warning"}
    proc = _serve(env, "--seed", "3")
    try:
        origin = _origin(proc)
        health = httpx.get(origin + "/__admin/health").json()
        scenarios = httpx.get(origin + "/__admin/scenarios").json()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert "seed 3" not in origin and health["status"] == "ok"
    active = sorted(s["name"] for s in (scenarios if isinstance(scenarios, list) else scenarios["scenarios"]) if s.get("active"))
    assert active == ["sabi-too-many-requests", "vaultspay-throttled"]


def test_the_flag_beats_the_variable_in_the_banner() -> None:
    proc = _serve({"MOCKSERVER_PORT": "0", "MOCKSERVER_SEED": "7"}, "--seed", "3")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert " seed 3 " in first, first


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MOCKSERVER_PORT": "abc"}, "mockserver: error: invalid MOCKSERVER_PORT: 'abc' is not a valid integer range."),
        ({"MOCKSERVER_LOG_FORMAT": "xml"}, "mockserver: error: invalid MOCKSERVER_LOG_FORMAT: 'xml' is not one of 'plain', 'json'."),
        ({"MOCKSERVER_JOURNAL_SIZE": "-1"}, "mockserver: error: invalid MOCKSERVER_JOURNAL_SIZE: -1 is not in the range x>=0."),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(env: dict[str, str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve"], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.splitlines(), done.stdout) == (2, [message], "")


def test_json_logs_one_object_per_request_and_per_line() -> None:
    proc = _serve({"MOCKSERVER_LOG_FORMAT": "json"}, "--port", "0")
    try:
        origin = _origin(proc)
        vendors = httpx.get(origin + "/__admin/vendors").json()
        sabi = vendors["sabi"]
        body = {"username": "ada.obi@example.ng", "password": "Secret123!", "firstName": "Ada", "lastName": "Obi"}
        assert httpx.post(sabi["base_url"] + "/api/v1/users/public", json=body, headers={**sabi["headers"], "X-Mock-Session": "t1"}).status_code == 201
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line is JSON, uvicorn's too
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 1, lines
    entry = requests[0]
    assert {k: entry[k] for k in ("vendor", "operation", "status", "session", "scenario_rule", "warnings")} == {
        "vendor": "sabi", "operation": "create_user", "status": 201, "session": "t1", "scenario_rule": None, "warnings": [],
    }
    assert isinstance(entry["latency_ms"], float) and entry["level"] == "info" and entry["time"].endswith("Z")
    assert any(line.get("message", "").startswith("server: ") for line in lines)  # a start-up line, as JSON
    assert "Secret123!" not in err and sabi["headers"]["ApiKey"] not in err  # no secret reaches the log


def test_plain_logs_stay_the_default() -> None:
    proc = _serve({}, "--port", "0")
    try:
        origin = _origin(proc)
        httpx.get(origin + "/sabi/nowhere")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert err.strip() and not err.lstrip().startswith("{")
