"""Guided demos: the shipped files, their validation, `mockserver demo NAME` and the dashboard's run button."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.config import default_demos_dir
from mockserver.core.demos import Demo, StepResult, load_demos, parse_demo, run_demo
from mockserver.core.fixtures import FixtureError
from mockserver.vendors import NAMES
from tests.core.served import Served

GOOD = """
name: tiny
title: Tiny
vendor: sabi
steps:
  - name: first
    say: one call
    call: POST /api/v1/users/public
    body: {username: a@example.com}
"""


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served("--log-level", "warning")
    try:
        yield server
    finally:
        server.stop()


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mockserver", "demo", *args], capture_output=True, text=True, timeout=60)


def test_one_shipped_demo_per_vendor_at_least() -> None:
    demos = load_demos(default_demos_dir(), NAMES)
    assert {d.vendor for d in demos.values()} == set(NAMES)
    for demo in demos.values():
        assert demo.steps[0].call is not None


@pytest.mark.parametrize(("text", "message"), [
    ("name: x\ntitle: X\nvendor: sabi\nsteps: [", "demo.yaml:5: not valid YAML: "),
    ("- a list", "demo.yaml: a demo is a mapping with name, title, vendor and steps"),
    (GOOD.replace("vendor: sabi", "vendor: nope"), "demo.yaml: vendor: no vendor 'nope'; known: " + ", ".join(NAMES)),
    (GOOD + "  - say: both\n    call: GET /x\n    clock: PT1M\n",
     "demo.yaml: step 2: a step has exactly one of 'call' (METHOD /path) or 'clock' (a duration such as PT16M)"),
    (GOOD + "  - say: bad clock\n    clock: soon\n", "demo.yaml: step 2 (clock): "),
    (GOOD + "  - say: typo\n    call: FETCH /x\n", "demo.yaml: step 2 (call): call must be 'METHOD /path'"),
    (GOOD + "  - say: ref\n    call: GET /x/{ref:nope.id}\n", "demo.yaml: step 2: {ref:nope...} names no earlier step (earlier: first)"),
    (GOOD + "  - say: again\n    name: first\n    call: GET /x\n", "demo.yaml: step 2: the name 'first' is used twice"),
    (GOOD + "  - say: extra\n    call: GET /x\n    colour: red\n", "demo.yaml: step 2 (colour): Extra inputs are not permitted"),
    (GOOD.replace("steps:", "pause: 99\nsteps:"), "demo.yaml: pause: Input should be less than or equal to 60"),
])
def test_a_bad_demo_is_one_line_naming_file_and_step(text: str, message: str) -> None:
    with pytest.raises(FixtureError) as caught:
        parse_demo(text, "demo.yaml", NAMES)
    assert re.sub(r"^demo\.yaml:\d+:", "demo.yaml:", str(caught.value)).startswith(message.replace("demo.yaml:5:", "demo.yaml:"))
    assert "\n" not in str(caught.value)


def test_the_cli_runs_a_demo_step_by_step(served: Served) -> None:
    started = time.monotonic()
    done = _demo("vaultspay-token-expiry", "--url", served.origin, "--pause", "0.2")
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("VaultsPay: the access token expires")
    assert "    POST /vaultspay/as/api/v1/users -> 401 1003 TOKEN_EXPIRED (" in done.stdout
    assert [line.split(" ")[0] for line in lines if line[:1].isdigit()] == [f"{n}/6" for n in range(1, 7)]
    assert lines[-1] == "done"
    assert took > 5 * 0.2  # paused between the six steps
    journal = httpx.get(f"{served.origin}/__admin/requests", params={"session": "demo-vaultspay-token-expiry"}).json()
    assert [e["status"] for e in journal] == [200, 200, 401, 200, 200]


def test_every_shipped_demo_runs_as_written(served: Served) -> None:
    """Each one's every step answers its ``expect`` (the runner the CLI uses, in-process: no start-up per demo)."""

    async def run(demo: Demo) -> list[StepResult]:
        async with httpx.AsyncClient(base_url=served.origin, timeout=10) as client:
            return await run_demo(demo, client, {}, pause=0)

    for demo in load_demos(default_demos_dir(), NAMES).values():
        results = asyncio.run(run(demo))
        assert [r.ok for r in results] == [True] * len(demo.steps), (demo.name, [r.line for r in results])


def test_the_cli_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    unknown = _demo("nope")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("mockserver: no demo 'nope' (nor a demo .yaml file of that name); shipped: ")
    assert unknown.stderr.count("\n") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "  - say: x\n", encoding="utf-8")
    broken = _demo(str(bad))
    assert (broken.returncode, broken.stderr) == (2, f"mockserver: {bad}:10: step 2: a step has exactly one of 'call' (METHOD /path) or 'clock' (a duration such as PT16M)\n")
    offline = _demo("sabi-expiring-key", "--url", "http://127.0.0.1:9")
    assert offline.returncode == 2
    assert offline.stderr.startswith("mockserver: cannot reach http://127.0.0.1:9 (ConnectError): start `mockserver serve` first")
    listed = _demo("--list")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == sorted(load_demos(default_demos_dir(), NAMES))


def test_a_step_that_answers_otherwise_stops_the_demo(served: Served, tmp_path: Path) -> None:
    demo = tmp_path / "wrong.yaml"
    demo.write_text(GOOD.replace("    body:", "    expect: 201\n    body:") + "  - say: never\n    clock: PT1M\n", encoding="utf-8")
    done = _demo(str(demo), "--url", served.origin, "--pause", "0")
    assert done.returncode == 2
    assert "-> 401 UNAUTHORIZED" in done.stdout and "; expected 201" in done.stdout
    assert done.stderr == "mockserver: demo tiny stopped at step 1\n"


def test_the_button_passes_the_admin_guard_with_the_token() -> None:
    """The server runs a demo by calling itself over loopback: with the admin token it requires."""
    server = Served("--admin-token", "s3cret-token", "--log-level", "warning")
    try:
        admin = {"Authorization": "Bearer s3cret-token"}
        with httpx.Client(base_url=server.origin, timeout=10, headers=admin) as client:
            assert client.post("/__admin/demos/sabi-expiring-key/run", params={"pause": "0"}).status_code == 202
            deadline = time.monotonic() + 15
            while True:
                run = next(d for d in client.get("/__admin/demos").json() if d["name"] == "sabi-expiring-key")["run"]
                if not run["running"] or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        assert [s["ok"] for s in run["steps"]] == [True] * 5, run
        assert httpx.get(f"{server.origin}/__admin/demos", timeout=5).status_code == 401
    finally:
        server.stop()


def test_the_dashboard_button_runs_a_demo_on_the_server(served: Served) -> None:
    with httpx.Client(base_url=served.origin, timeout=10) as client:
        listed = client.get("/__admin/demos").json()
        assert {d["vendor"] for d in listed} == set(NAMES)
        started = client.post("/__admin/demos/etelecom-user-exists/run", params={"pause": "0"})
        assert started.status_code == 202
        assert started.json()["session"] == "demo-etelecom-user-exists"
        deadline = time.monotonic() + 15
        while True:
            run = next(d for d in client.get("/__admin/demos").json() if d["name"] == "etelecom-user-exists")["run"]
            if not run["running"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert [s["ok"] for s in run["steps"]] == [True] * 4
        assert "-> 412 failed_precondition user_exists (" in run["steps"][1]["line"]
        assert client.post("/__admin/demos/nope/run").status_code == 404
        assert client.post("/__admin/demos/etelecom-user-exists/run", params={"pause": "-1"}).json() == {
            "error": "pause must be a number of seconds from 0 to 60"}
