"""The README is a quick start and the reference lives in docs/: generated sections in sync, every page reachable."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_readme", ROOT / "tools" / "gen_readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    return _tool()


def test_every_generated_section_is_in_sync(tool: ModuleType) -> None:
    runtime = tool.Runtime(tool.Config())
    stale = [str(path.relative_to(ROOT)) for path in tool.FILES if tool.render(path.read_text(encoding="utf-8"), runtime) != path.read_text(encoding="utf-8")]
    assert stale == [], f"out of date: {stale}; run python3 tools/gen_readme.py"


@pytest.mark.parametrize(
    ("marker", "page"),
    [("fidelity", "docs/fidelity.md"), ("scenarios", "docs/scenarios.md"), ("clients", "docs/contracts.md"), ("env", "README.md")],
)
def test_each_generated_section_lives_in_one_place(marker: str, page: str) -> None:
    holders = [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))] if f"<!-- {marker}:start -->" in p.read_text(encoding="utf-8")]
    assert [str(p.relative_to(ROOT)) for p in holders] == [page]


def test_readme_is_a_quick_start() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 250
    headings = re.findall(r"^## (.+)$", text, re.M)
    for needed in ("The two commands", "One request per vendor", "In pytest", "Configuration", "Reference"):
        assert needed in headings, headings
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name != "index.md":
            assert f"docs/{page.name}" in text, f"the README links no docs/{page.name}"


def test_mkdocs_nav_lists_every_page() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w-]+\.md)\s*$", config, re.M))
    assert listed == {p.name for p in (ROOT / "docs").glob("*.md")}
    assert "strict: true" in config and "name: material" in config


# Every shell block of the README and docs/ is run somewhere as written.  The curl blocks run in
# tests/core/test_readme.py against a live server; the others are named here with what runs them
# (a block that needs the network, minutes or a rewrite of committed files is not run by the suite).
RUN_ELSEWHERE = {
    "python3 -m pip install -e . && mockserver serve": ".ci/run installs and serves the package the same way (fresh venv step)",
    "python3 -m pip install -q -e '.[dev]' && python3 tests/clients/setup_clients.py && python3 -m pytest": ".ci/run, verbatim (test_readme)",
    "mockserver openapi payabli": "tests/core/test_cli.py and tests/contract/test_openapi.py (the document), test_readme's server for the curl",
    "mockserver openapi payabli -o payabli.json": "tests/contract/test_schemathesis.py runs schemathesis against every vendor",
    "python3 tests/clients/setup_clients.py": ".ci/run (network: the pinned client generators)",
    "mockserver snapshot": "tests/contract/test_snapshots.py (compare; --update rewrites committed files)",
    "python3 -m pytest --mockserver-update-snapshots": "tests/contract/test_assert_snapshot.py through pytester",
    "python3 tools/fuzz.py": "tests/core/test_fuzz_smoke.py runs it small",
}


def test_every_shell_block_is_run_somewhere() -> None:
    from tests.core import test_readme

    run_by_test_readme = {block for _, _, block in test_readme.CASES}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            if block in run_by_test_readme:
                continue
            first = block.strip().splitlines()[0].split("  #", 1)[0].strip()
            assert first in RUN_ELSEWHERE, f"{page.name}: a shell block nothing runs: {first!r}"
