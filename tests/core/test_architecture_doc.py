"""docs/architecture.md's Architecture section names real code: a rename that leaves it stale fails here."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("## Architecture\n")
    return text[start:text.index("\n## ", start + 1)]


# Names the section cites, and where each lives.
CITED = {
    "MockServer._target": "mockserver.app",
    "VendorApp.answer": "mockserver.core.serving",
    "Router.match": "mockserver.core.serving",
    "Vendor.answer_failure": "mockserver.core.vendor",
    "Framing": "mockserver.core.framing",
    "Answer": "mockserver.core.serving",
    "Route": "mockserver.core.vendor",
    "Lazy": "mockserver.core.vendor",
    "ErrorContract": "mockserver.core.vendor",
    "Secrets": "mockserver.core.vendor",
    "StoreTable": "mockserver.core.vendor",
    "AdminGuard": "mockserver.core.guard",
}


@pytest.mark.parametrize(("name", "module"), sorted(CITED.items()))
def test_each_cited_name_exists(name: str, module: str) -> None:
    assert name in _section(), f"{name} is no longer cited: drop it from CITED"
    target: object = importlib.import_module(module)
    for part in name.split("."):
        assert hasattr(target, part), f"README Architecture cites {name}, which {module} no longer has"
        target = getattr(target, part)


def test_each_cited_file_exists() -> None:
    paths = set(re.findall(r"(?:mockserver/)?(?:core|vendors)/[\w/<>]+\.py|mockserver/[\w/]+\.py|tests/[\w/]+\.py", _section()))
    assert paths, "the section cites no file"
    for path in sorted(paths):
        if "<" in path:  # a placeholder such as vendors/<name>/
            continue
        full = ROOT / path if path.startswith(("mockserver/", "tests/")) else ROOT / "mockserver" / path
        assert full.is_file(), f"README Architecture cites {path}, which does not exist"


def test_adding_a_vendor_takes_three_steps() -> None:
    steps = re.findall(r"^(\d)\. ", _section().split("**Add a vendor in three steps:**", 1)[1], re.M)
    assert steps == ["1", "2", "3"]
