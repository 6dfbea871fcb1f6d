"""The suite's own plumbing: absent tools skip locally and fail in CI; the bump script's rewrite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients import setup_clients

ROOT = Path(__file__).resolve().parents[2]


def _run_without_tools(tmp_path: Path, require: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOCKSERVER_CLIENTS_CACHE": str(tmp_path / "empty")}
    env.pop("MOCKSERVER_REQUIRE_CLIENTS", None)
    if require:
        env["MOCKSERVER_REQUIRE_CLIENTS"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/clients/test_generated.py", "-k", "openapi-generator and sabi"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )


def test_without_the_tools_the_suite_skips_saying_how_to_install_them(tmp_path: Path) -> None:
    done = _run_without_tools(tmp_path, require=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 skipped" in done.stdout
    assert "generated-client tools not installed" in done.stdout and "python3 tests/clients/setup_clients.py" in done.stdout


def test_in_ci_absent_tools_fail_the_suite(tmp_path: Path) -> None:
    done = _run_without_tools(tmp_path, require=True)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "MOCKSERVER_REQUIRE_CLIENTS=1 and generated-client tools not installed" in done.stdout


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
