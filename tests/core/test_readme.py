"""The README's and docs' commands work as written: their curl blocks run against a live server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from mockserver.server import running

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Where each section lives since the README became a quick start (the flows moved to docs/).
SECTIONS = {
    "One request per vendor": README,
    "Flows: log in → create → read → expire → refresh": (ROOT / "docs" / "vendors.md").read_text(encoding="utf-8") + "\n## end\n",
}


def _blocks(section: str) -> list[tuple[str, str]]:
    match = re.search(rf"(?ms)^## {re.escape(section)}.*?(?=^## )", SECTIONS[section])
    assert match, section
    out = []
    for title, block in re.findall(r"(?s)(?:### |\*\*)([^\n*]+).*?```bash\n(.*?)```", match.group(0)):
        out.append((title.strip(), block))
    return out


CASES = [(s, t, b) for s in SECTIONS for t, b in _blocks(s)]


def test_ci_runs_the_readme_test_command() -> None:
    command = re.search(r"(?s)Set up and run the tests:\s*```bash\n(.*?)\n```", README)
    assert command and command.group(1).strip() in (ROOT / ".ci" / "run").read_text()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(("section", "title", "block"), CASES, ids=[f"{s[:4]}-{t.split()[0]}" for s, t, _ in CASES])
def test_curl_block_runs_as_written(section: str, title: str, block: str) -> None:
    assert len(CASES) == 10
    with running(port=0) as server:
        script = block.replace("http://127.0.0.1:8080", server.url)
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
        journal = httpx.get(server.url + "/__admin/requests").json()
    assert result.returncode == 0, (title, result.stdout[-2000:], result.stderr[-2000:])
    assert journal, "the block made no vendor call"
    assert all(entry["status"] < 500 for entry in journal)
    if section.startswith("One request"):
        assert all(entry["status"] in (200, 201) for entry in journal), [(e["path"], e["status"], e["response"]) for e in journal]
