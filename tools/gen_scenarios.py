"""Regenerate the shipped scenario library in scenarios/ from the vendors' error catalogs.

    python3 tools/gen_scenarios.py

One scenario per catalog error ("the next create-user call fails with it"),
plus hand-written flows.  A test checks the library covers every catalog entry.
Everything about one vendor comes from its class (``Vendor``): its catalog,
``scenario_aliases``, its own ``scenarios`` and the ``unavailable`` 503 of the
every-vendor flows; this file names no vendor.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.core.vendor import Vendor  # noqa: E402
from mockserver.vendors import REGISTRY, load  # noqa: E402

Document = dict[str, Any]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def document(name: str, description: str, rules: list[dict[str, Any]]) -> Document:
    return {"name": name, "description": description, "rules": rules}


def library(classes: Sequence[type[Vendor]]) -> list[Document]:
    """The scenario documents for these vendors, in the order they are written."""
    docs: list[Document] = []
    for cls in classes:
        for key, spec in cls.error_contract.catalog.items():
            code = f" {spec.code}" if spec.code is not None and str(spec.code) != key else ""
            operation = cls.error_operations.get(key, "create_user")
            docs.append(document(
                cls.scenario_aliases.get(key) or f"{cls.name}-{slug(key)}",
                f"{cls.title}: the next {operation.replace('_', '-')} call fails with {key} (HTTP {spec.status}{code}).",
                [{"match": {"vendor": cls.name, "operation": operation, "times": 1}, "respond": {"error": key}}],
            ))
        docs += [document(doc["name"], doc["description"], list(doc["rules"])) for doc in cls.scenarios]
    # A 503 in each vendor's envelope, for the flaky/fail-first flows (the vendors that declare one).
    unavailable = {cls.name: cls.unavailable for cls in classes if cls.unavailable is not None}
    names = [cls.name for cls in classes]
    docs.append(document(
        "flaky-network",
        "Every vendor: 10 % of calls (seeded, reproducible) answer 503 in the vendor's envelope; every call takes 20-200 ms.",
        [r for v, respond in unavailable.items() for r in (
            {"match": {"vendor": v, "probability": 0.1}, "respond": respond, "delay": {"uniform": [20, 200]}},
            {"match": {"vendor": v}, "respond": {"pass": True}, "delay": {"uniform": [20, 200]}},
        )],
    ))
    docs.append(document(
        "fail-first-then-succeed",
        "Every vendor: the first create-user call answers 503 in the vendor's envelope, later ones succeed (retry testing).",
        [{"match": {"vendor": v, "operation": "create_user", "nth": 1}, "respond": respond} for v, respond in unavailable.items()],
    ))
    docs.append(document(
        "slow-vendor",
        "Every vendor: every call is answered after a lognormal delay (median 800 ms, sigma 0.3), for timeout testing.",
        [{"match": {"vendor": v}, "respond": {"pass": True}, "delay": {"lognormal": {"median": 800, "sigma": 0.3}}} for v in names],
    ))
    for fault, text in (
        ("connection_reset", "the connection is reset (TCP RST) instead of an answer"),
        ("empty_response", "the connection closes without any response"),
        ("malformed_json", "the body is cut in half (invalid JSON, matching Content-Length)"),
        ("slow_body", "the body is dribbled out 16 bytes every 100 ms"),
    ):
        docs.append(document(
            slug(fault) + "-once",
            f"Every vendor: on the next create-user call {text}.",
            [{"match": {"vendor": v, "operation": "create_user", "times": 1}, "fault": fault} for v in names],
        ))
    return docs


def main() -> None:
    # The shipped library covers the vendors shipped with mockserver (the registry's
    # own lines), never one installed beside it: a server without it would refuse the file.
    docs = library([load(name) for name, _ in REGISTRY])
    for old in (ROOT / "scenarios").glob("*.yaml"):
        old.unlink()
    for doc in docs:
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
        (ROOT / "scenarios" / f"{doc['name']}.yaml").write_text(text)
    print(f"wrote {len(list((ROOT / 'scenarios').glob('*.yaml')))} scenarios")


if __name__ == "__main__":
    main()
