"""The suite's own plumbing: absent tools skip locally and fail in CI; the bump script's rewrite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients import setup_clients
from tests.clients.conftest import REQUIRE_ENV, require_tools

ROOT = Path(__file__).resolve().parents[2]


def _without_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "empty" / "venv"
    monkeypatch.setattr(setup_clients, "VENV", venv)
    monkeypatch.setattr(setup_clients, "PYTHON", venv / "bin" / "python")


def test_without_the_tools_the_suite_skips_saying_how_to_install_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_tools(tmp_path, monkeypatch)
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"generated-client tools not installed .*run `python3 tests/clients/setup_clients.py`"):
        require_tools()


def test_in_ci_absent_tools_fail_the_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_tools(tmp_path, monkeypatch)
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="MOCKSERVER_REQUIRE_CLIENTS=1 and generated-client tools not installed"):
        require_tools()


def test_the_switch_reaches_the_suite_from_the_environment(tmp_path: Path) -> None:
    """End to end, as CI runs it: MOCKSERVER_CLIENTS_CACHE pointing at nothing and the switch on fail the run."""
    env = {**os.environ, "MOCKSERVER_CLIENTS_CACHE": str(tmp_path / "empty"), REQUIRE_ENV: "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/clients/test_generated.py", "-k", "openapi-generator and sabi"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert done.returncode == 1, done.stdout[-3000:]
    assert f"{REQUIRE_ENV}=1 and generated-client tools not installed (no client-tools environment at {tmp_path / 'empty' / 'venv'})" in done.stdout


def test_ci_requires_the_clients_and_installs_them_before_the_readme_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    required = ci.index("export MOCKSERVER_REQUIRE_CLIENTS=1")
    command = ci.index("python3 tests/clients/setup_clients.py && python3 -m pytest")
    assert required < command


def test_pins_changed_since_the_install_count_as_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    monkeypatch.setattr(setup_clients, "VENV", venv)
    monkeypatch.setattr(setup_clients, "PYTHON", venv / "bin" / "python")
    monkeypatch.setattr(setup_clients, "STAMP", venv / "stamp")
    (venv / "stamp").write_text("an older fingerprint\n")
    assert "made for other pins" in (setup_clients.missing() or "")
    (venv / "stamp").write_text(setup_clients.fingerprint() + "\n")
    assert setup_clients.missing() == (None if shutil.which("java") else "no `java` on PATH (openapi-generator needs Java 11 or newer)")


def test_bump_rewrites_only_the_version_strings() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import bump_clients
    finally:
        sys.path.remove(str(ROOT / "tools"))
    text = '# a comment = "kept"\n[tools]\nopenapi-python-client = "0.1.0"  # why\n[runtime]\nurllib3 = "2.0.0"\n'
    assert bump_clients.bumped(text, {"openapi-python-client": "0.29.1", "urllib3": "2.8.0"}) == (
        '# a comment = "kept"\n[tools]\nopenapi-python-client = "0.29.1"  # why\n[runtime]\nurllib3 = "2.8.0"\n'
    )
