"""Start-up and CLI errors: one line naming the flag or file, a did-you-mean instead of a long list, no pydantic internals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.core.didyoumean import closest, unknown_names


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_bad_clock_names_the_flag() -> None:
    done = run("serve", "--clock", "frozen:notadate")
    assert (done.returncode, one_line(done)) == (
        2, "mockserver: error: Invalid value for '--clock': not an ISO-8601 instant: 'notadate' (e.g. frozen:2026-01-01T00:00:00Z)",
    )


def test_a_bad_clock_kind_names_the_flag() -> None:
    done = run("serve", "--clock", "slow")
    assert (done.returncode, one_line(done)) == (
        2, "mockserver: error: Invalid value for '--clock': clock spec must be 'real' or 'frozen:<ISO instant>', got 'slow'",
    )


def test_an_unknown_scenario_suggests_the_closest_few() -> None:
    done = run("serve", "--port", "0", "--scenario", "vaultspay-token-expird")
    line = one_line(done)
    assert done.returncode == 2
    assert line.startswith("mockserver: cannot start: unknown scenario 'vaultspay-token-expird' (did you mean 'vaultspay-token-expired'")
    assert line.endswith("known, `mockserver scenarios` lists them")
    assert len(line) < 300  # not the whole library (~3,000 characters before)


def test_did_you_mean() -> None:
    known = ["vaultspay-token-expired", "vaultspay-throttled", "sabi-not-found", "pulse-rate-limited"]
    assert closest("vaultspay-token-expird", known)[0] == "vaultspay-token-expired"
    assert closest("zzz", known) == []
    assert unknown_names("scenario", ["zzz"], known, "see the list") == "unknown scenario 'zzz'; 4 known, see the list"


def test_several_start_up_problems_stay_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\nrules:\n  - match: {vendor: sabi}\n    delay: slow\n  - match: {vendor: sabi}\n    delay: fast\n", encoding="utf-8")
    done = run("serve", "--port", "0", "--scenarios", str(tmp_path))
    line = one_line(done)
    assert done.returncode == 2
    assert line.startswith(f"mockserver: cannot start: {tmp_path / 'bad.yaml'}:")
    assert "; " in line  # two problems, one line


@pytest.mark.parametrize(
    ("delay", "problem"),
    [
        ("{lognormal: 3}", "rules.0.delay.lognormal: Input should be a mapping ({key: value})"),
        ("{uniform: [1]}", "rules.0.delay.uniform.1: Field required"),
        ("{uniform: 3}", "rules.0.delay.uniform: Input should be a list ([a, b])"),
        ("fast", "rules.0.delay: Input should be a valid number, unable to parse string as a number"),
    ],
)
def test_scenario_problems_in_the_users_terms(tmp_path: Path, delay: str, problem: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(f"name: x\nrules:\n  - match: {{vendor: sabi}}\n    delay: {delay}\n", encoding="utf-8")
    done = run("validate", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == f"{path}:4: {problem}"
    assert "instance of" not in done.stderr and "value" not in done.stderr.split(":")[-2]


def test_unknown_scenario_names_elsewhere_get_the_same_short_answer() -> None:
    """X-Mock-Scenario (the vendor's 400) and the admin activate route: the closest few, not ~3,000 characters."""
    import mockserver

    transport = mockserver.transport()
    library = transport.runtime.scenarios.library
    with transport.client("sabi") as client:
        response = client.post("/api/v1/users/public", json={}, headers={"X-Mock-Scenario": "sabi-too-many-request"})
    assert response.status_code == 400 and response.headers["x-mock-problem"] == "scenario"
    assert (
        "unknown scenario 'sabi-too-many-request' in X-Mock-Scenario (did you mean 'sabi-too-many-requests'"
        in response.text
    )
    assert f"{len(library)} known, GET /__admin/scenarios lists them" in response.text and len(response.text) < 400
    with pytest.raises(LookupError) as caught:
        transport.activate("vaultspay-token-expird")
    assert str(caught.value).startswith("unknown scenario 'vaultspay-token-expird' (did you mean 'vaultspay-token-expired'")
    assert len(str(caught.value)) < 300
