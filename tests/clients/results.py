"""What the real-client suites found, one file per client: ``tests/clients/results/<client>.json``.

The README's "Tested with real clients" table is rendered from these files
(``python3 tools/gen_readme.py``; ``tests/clients/test_results.py`` checks it is
current).  A file is written by the suite that runs its client (under
``MOCKSERVER_UPDATE_CLIENT_RESULTS=1``; otherwise that suite checks its rows are
what it found), so another client (an official SDK, say) adds its rows by adding
its own file, in this shape::

    {
      "client": "openapi-python-client",          # the name shown
      "kind": "generated from the served OpenAPI",
      "version": "0.29.1",
      "suite": "tests/clients/test_generated.py",  # the tests that produce and check the rows
      "rows": {                                    # one per vendor the client was run against
        "payabli": {"operations": ["create_user", "get_user", ...], "examples": 16, "refused": 2,
                    "errors": 26, "result": "pass"}
      }
    }

``operations``: the vendor's operations the client called and whose success it
parsed into its typed model; ``examples``: the documented calls made (each with the
recorded status, typed), of which ``refused`` were invalid on purpose and refused
by the client's own checks before sending (optional keys); ``errors``:
catalogued errors it parsed into its typed error model (or raised as its own
error class); ``result``: "pass" (a failing run fails its suite instead of being
recorded).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DIR = Path(__file__).with_name("results")
KIND = "generated from the served OpenAPI"
SUITE = "tests/clients/test_generated.py"
START = "<!-- clients:start -->"
END = "<!-- clients:end -->"


def row(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """One vendor's row from a run's steps (every step already checked)."""
    examples = [s for s in steps if not s["name"].startswith("error:")]
    operations = sorted({s["operation"] for s in examples if s.get("outcome") == "typed" and s["status"] < 300})
    errors = sum(1 for s in steps if s["name"].startswith("error:") and s.get("outcome") == "typed")
    refused = sum(1 for s in examples if s.get("outcome", "").startswith("refused by the client"))
    return {"operations": operations, "examples": len(examples), "refused": refused, "errors": errors, "result": "pass"}


def path_of(client: str) -> Path:
    return DIR / f"{client}.json"


def stored(client: str) -> dict[str, Any]:
    path = path_of(client)
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def store(client: str, version: str, vendor: str, found: dict[str, Any]) -> None:
    """Record ``found`` as ``vendor``'s row of ``client`` (a new version starts the rows afresh)."""
    data = stored(client)
    rows = data.get("rows", {}) if data.get("version") == version else {}
    rows[vendor] = found
    data = {"client": client, "kind": KIND, "version": version, "suite": SUITE, "rows": dict(sorted(rows.items()))}
    DIR.mkdir(exist_ok=True)
    path_of(client).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def table(directory: Path = DIR) -> str:
    """The README table: one row per client and vendor, clients in file-name order."""
    lines = [
        "| Client | Version | Vendor | Operations (typed answers) | Result |",
        "| --- | --- | --- | --- | --- |",
    ]
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        client = f"{data['client']} ({data['kind']})"
        for vendor, found in data["rows"].items():
            operations = ", ".join(f"`{op}`" for op in found["operations"])
            errors = f"; {found['errors']} catalogued errors" if found.get("errors") else ""
            result = found["result"]
            if "examples" in found:
                result += f": {found['examples']} documented calls"
                if found.get("refused"):
                    result += f" ({found['refused']} invalid ones refused by the client itself)"
            lines.append(f"| {client} | {data['version']} | {vendor} | {operations}{errors} | {result} |")
    return "\n".join(lines) + "\n"
