"""The wheel ships what a user's install needs: embedded fixtures, scenarios, py.typed, the licence, the metadata.

Built once, offline (no build isolation: the dev extra brings setuptools and build), from a copy of the
files the build reads, so nothing lands in the checkout (~3 s).  .ci/run goes further: it builds the
wheel and the sdist, installs the wheel into a fresh venv and smoke-tests the server it serves.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import mockserver
from mockserver.vendors import NAMES

ROOT = Path(__file__).resolve().parents[2]
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "mockserver", "fixtures", "scenarios")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    pytest.importorskip("build", reason="the dev extra's build (pip install -e '.[dev]')")
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_the_distribution_name_and_version(wheel: zipfile.ZipFile) -> None:
    assert Path(wheel.filename or "").name == f"vendor_sandbox-{mockserver.__version__}-py3-none-any.whl"
    metadata = email.message_from_bytes(wheel.read(f"vendor_sandbox-{mockserver.__version__}.dist-info/METADATA"))
    assert (metadata["Name"], metadata["Version"], metadata["License-Expression"]) == ("vendor-sandbox", mockserver.__version__, "MIT")
    assert "Typing :: Typed" in metadata.get_all("Classifier", [])
    assert metadata["Requires-Python"] == ">=3.11"


def test_the_wheel_ships_fixtures_scenarios_and_py_typed(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "mockserver/py.typed" in names
    assert {f"mockserver/_data/fixtures/{vendor}.yaml" for vendor in NAMES} <= names
    shipped = {Path(n).name for n in names if n.startswith("mockserver/_data/scenarios/")}
    assert shipped == {p.name for p in (ROOT / "scenarios").glob("*.yaml")} and len(shipped) > 100
    assert f"vendor_sandbox-{mockserver.__version__}.dist-info/licenses/LICENSE" in names
    assert not [n for n in names if n.startswith(("tests/", "tools/", "bench/", "examples/"))]


def test_the_command_and_the_pytest_plugin_are_registered(wheel: zipfile.ZipFile) -> None:
    entry_points = wheel.read(f"vendor_sandbox-{mockserver.__version__}.dist-info/entry_points.txt").decode()
    assert "[console_scripts]\nmockserver = mockserver.cli:main" in entry_points
    assert "[pytest11]\nmockserver = mockserver.pytest_plugin" in entry_points


def test_the_name_is_not_confusable_with_an_existing_project() -> None:
    """PyPI compares names with -, _ and . removed, lower-cased, l/i -> 1 and o -> 0 (its "ultranormalized" form)."""

    def ultranormal(name: str) -> str:
        return name.lower().translate(str.maketrans({".": None, "_": None, "-": None, "l": "1", "i": "1", "o": "0"}))

    name = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert name == "vendor-sandbox"
    # The projects that made "mockserver" unusable: ours must fold to none of them.
    assert ultranormal("mockserver") == ultranormal("mock-server")
    assert ultranormal(name) not in {ultranormal(n) for n in ("mock-server", "mockserver", "mockserver-client", "mock_server")}


def test_the_ci_smoke_test_reads_a_create_for_every_vendor_from_the_readme() -> None:
    """.ci/run's tools/smoke_wheel.py calls each vendor as the README's "One request per vendor" does."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("smoke_wheel", ROOT / "tools" / "smoke_wheel.py")
    assert spec is not None and spec.loader is not None
    smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smoke)
    creates = smoke.readme_creates((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sorted(vendor for vendor, *_ in creates) == sorted(NAMES)
    assert all(url.startswith(smoke.README_ORIGIN) and body.startswith(b"{") for _, url, _, body in creates)
    assert "mockserver/smoke_wheel.py" not in (ROOT / ".ci" / "run").read_text() and "tools/smoke_wheel.py" in (ROOT / ".ci" / "run").read_text()
