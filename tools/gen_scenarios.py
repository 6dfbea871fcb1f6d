"""Regenerate the shipped scenario library in scenarios/ from the vendors' error catalogs.

    python3 tools/gen_scenarios.py

One scenario per catalog error ("the next create-user call fails with it"),
plus hand-written flows.  A test checks the library covers every catalog entry.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.vendors import NAMES, load  # noqa: E402

# Friendly names the docs and tests use; everything else is <vendor>-<error-slug>.
ALIASES = {
    ("vaultspay", "THROTTLE"): "vaultspay-throttled",
    ("payabli", "3201"): "payabli-empty-scope",
    ("payabli", "DATABASE_ERROR"): "payabli-service-unavailable",
    ("sabi", "UNAUTHORIZED"): "sabi-bad-api-key",
    ("pulse", "RATE_LIMITED"): "pulse-rate-limited",
    ("etelecom", "user_exists"): "etelecom-user-exists",
}

# A 503 in each vendor's envelope, for the flaky/fail-first flows.
UNAVAILABLE: dict[str, dict[str, Any]] = {
    "vaultspay": {"status": 503, "body": {"code": 1010, "message": "Service temporarily unavailable. Please try again later.", "type": "BAD_REQUEST"}},
    "payabli": {"error": "DATABASE_ERROR"},
    "sabi": {"error": "SERVICE_UNAVAILABLE"},
    "pulse": {"status": 503, "body": {"error": "Service Unavailable", "status": 503, "message": "Service temporarily unavailable"}},
    "etelecom": {"error": "unavailable"},
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write(name: str, description: str, rules: list[dict[str, Any]]) -> None:
    doc = {"name": name, "description": description, "rules": rules}
    (ROOT / "scenarios" / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120))


def main() -> None:
    for old in (ROOT / "scenarios").glob("*.yaml"):
        old.unlink()
    for vendor in NAMES:
        cls = load(vendor)
        for key, spec in cls.catalog.items():
            name = ALIASES.get((vendor, key)) or f"{vendor}-{slug(key)}"
            code = f" {spec.code}" if spec.code is not None and str(spec.code) != key else ""
            write(
                name,
                f"{cls.title}: the next create-user call fails with {key} (HTTP {spec.status}{code}).",
                [{"match": {"vendor": vendor, "operation": "create_user", "times": 1}, "respond": {"error": key}}],
            )
    write(
        "token-expires-after-2-calls",
        "VaultsPay: create-user calls 1-2 succeed, the 3rd and later return 401/1003 TOKEN_EXPIRED until the client "
        "refreshes its token (saas-refresh-token); then the count starts over.",
        [{"match": {"vendor": "vaultspay", "operation": "create_user", "after": 2, "reset_on": {"operation": "refresh"}}, "respond": {"error": "TOKEN_EXPIRED"}}],
    )
    write(
        "flaky-network",
        "Every vendor: 10 % of calls (seeded, reproducible) answer 503 in the vendor's envelope; every call takes 20-200 ms.",
        [r for v in NAMES for r in (
            {"match": {"vendor": v, "probability": 0.1}, "respond": UNAVAILABLE[v], "delay": {"uniform": [20, 200]}},
            {"match": {"vendor": v}, "respond": {"pass": True}, "delay": {"uniform": [20, 200]}},
        )],
    )
    write(
        "fail-first-then-succeed",
        "Every vendor: the first create-user call answers 503 in the vendor's envelope, later ones succeed (retry testing).",
        [{"match": {"vendor": v, "operation": "create_user", "nth": 1}, "respond": UNAVAILABLE[v]} for v in NAMES],
    )
    write(
        "slow-vendor",
        "Every vendor: every call is answered after a lognormal delay (median 800 ms, sigma 0.3), for timeout testing.",
        [{"match": {"vendor": v}, "respond": {"pass": True}, "delay": {"lognormal": {"median": 800, "sigma": 0.3}}} for v in NAMES],
    )
    for fault, text in (
        ("connection_reset", "the connection is reset (TCP RST) instead of an answer"),
        ("empty_response", "the connection closes without any response"),
        ("malformed_json", "the body is cut in half (invalid JSON, matching Content-Length)"),
        ("slow_body", "the body is dribbled out 16 bytes every 100 ms"),
    ):
        write(
            slug(fault) + "-once",
            f"Every vendor: on the next create-user call {text}.",
            [{"match": {"vendor": v, "operation": "create_user", "times": 1}, "fault": fault} for v in NAMES],
        )
    print(f"wrote {len(list((ROOT / 'scenarios').glob('*.yaml')))} scenarios")


if __name__ == "__main__":
    main()
