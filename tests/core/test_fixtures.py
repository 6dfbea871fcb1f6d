"""Fixture files: a broken one stops start-up naming file, line and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.app import Runtime
from mockserver.config import Config, default_fixtures_dir
from mockserver.core.fixtures import FixtureError


def _copy_fixture(tmp_path: Path, text: str) -> Path:
    (tmp_path / "vaultspay.yaml").write_text(text)
    return tmp_path


def test_bad_field_names_file_line_and_field(tmp_path: Path) -> None:
    good = (default_fixtures_dir() / "vaultspay.yaml").read_text()
    broken = good.replace("  id: 4\n", "  id: four\n", 1)
    line = broken.splitlines().index("  id: four") + 1
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(vendors=("vaultspay",), fixtures=_copy_fixture(tmp_path, broken)))
    assert f"vaultspay.yaml:{line}: agent.id: " in str(caught.value)


def test_unknown_key_and_invalid_yaml_are_reported(tmp_path: Path) -> None:
    good = (default_fixtures_dir() / "vaultspay.yaml").read_text()
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(vendors=("vaultspay",), fixtures=_copy_fixture(tmp_path, good + "surprise: 1\n")))
    assert "surprise: Extra inputs are not permitted" in str(caught.value)
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(vendors=("vaultspay",), fixtures=_copy_fixture(tmp_path, "agent: [unclosed\n")))
    assert "vaultspay.yaml:2: not valid YAML" in str(caught.value)


def test_custom_fixture_replaces_embedded_one(tmp_path: Path) -> None:
    good = (default_fixtures_dir() / "vaultspay.yaml").read_text()
    runtime = Runtime(Config(vendors=("vaultspay",), fixtures=_copy_fixture(tmp_path, good.replace("vp-demo-app", "my-app"))))
    assert runtime.describe("http://x")["vaultspay"]["login"]["clientId"] == "my-app"


def test_cli_refuses_to_start_on_a_broken_fixture(tmp_path: Path) -> None:
    _copy_fixture(tmp_path, "agent: {id: x}\napps: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--vendor", "vaultspay", "--port", "0", "--fixtures", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "cannot start" in result.stderr and "vaultspay.yaml:1: agent.id" in result.stderr
    assert "Traceback" not in result.stderr
