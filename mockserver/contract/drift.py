"""Vendor drift: replay a recorded pact against a vendor's own environment and report how its
answers differ from what the sandbox emulates.

Only safe interactions are replayed: reads, and creates and sign-ins with throwaway data
(e-mail addresses and phone numbers made unique per run); updates, deletes and anything
else only with ``allow_writes``.  A host that does not look like a test environment is
refused unless the caller says it knows (``production_ok``).  The report is field by
field: the status, a wholly different envelope, missing and extra keys, type (or format)
changes, and, in error answers, changed codes and texts; values a real environment
legitimately answers differently (generated ids, echoed data) are not drift.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..core.journal import is_secret
from .pact import child_path, filled, send_request
from .verify import Difference, Outcome, compare, expected_body, kind_of, rules_of, vendor_of

SAMPLE_SECRET = "Sandbox#2024pw"  # core.admin.SAMPLE_SECRET: a password every emulated rule accepts
_TEST_HOST = re.compile(r"sandbox|test|staging|dev|localhost", re.IGNORECASE)
# Operation verbs (the journal's operation names, declared by each vendor's routes) that change nothing
# the caller does not own: reads, creates (of throwaway users) and sign-ins.
_SAFE_VERBS = frozenset({"get", "list", "search", "query", "create", "login", "token", "refresh"})
_GENERIC_SECRETS = frozenset({"authorization", "token", "accesstoken", "refreshtoken", "access_token", "secret", "password", "apikey"})
_CODE_KEY = re.compile(r"code|error|type|status", re.IGNORECASE)
_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+)$")


class Refused(ValueError):
    """A target this tool will not replay against (one line, naming the flag that overrides it)."""


def check_target(url: str, production_ok: bool) -> None:
    """Refuse a URL whose host looks like production (not loopback/private, no test-ish name)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"--against {url!r}: give an http(s) URL")
    if production_ok:
        return
    host = parts.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if _TEST_HOST.search(host):
            return
    else:
        if address.is_loopback or address.is_private:
            return
    raise Refused(
        f"--against {url}: {host} does not look like a test environment (loopback, private, or a name with "
        "sandbox/test/staging/dev/localhost); add --i-know-this-is-production to replay against it anyway"
    )


def operation_of(interaction: Mapping[str, Any]) -> str:
    return str(interaction.get("comments", {}).get("mockserver", {}).get("operation", ""))


def is_safe(interaction: Mapping[str, Any]) -> bool:
    method = str(interaction["request"]["method"]).upper()
    if method in ("GET", "HEAD"):
        return True
    verb = operation_of(interaction).split("_", 1)[0]
    return verb in _SAFE_VERBS


def throwaway(request: dict[str, Any], nonce: str) -> dict[str, Any]:
    """A create's body with its e-mail addresses and phone numbers made unique to this run."""
    body = request.get("body", {}).get("content")
    if body is not None:
        request = {**request, "body": {**request["body"], "content": _unique(body, nonce, "")}}
    return request


def _unique(value: Any, nonce: str, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _unique(v, nonce, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_unique(v, nonce, key) for v in value]
    if isinstance(value, str):
        found = _EMAIL.match(value)
        if found:
            return f"{found.group(1).split('+')[0]}+drift{nonce}@{found.group(2)}"
        if "phone" in key.lower() and value.isdigit() and len(value) > 6:
            digits = str(int(nonce, 16) % 10**6).zfill(6)
            return value[:-6] + digits
    return value


def differences(interaction: Mapping[str, Any], status: int, body: Any) -> list[Difference]:
    """The drift of one answer from the recorded one (see the module)."""
    expected_status = interaction["response"]["status"]
    out: list[Difference] = []
    if status != expected_status:
        out.append(Difference("$", "status", expected_status, status))
    expected = expected_body(interaction)
    if expected is None:
        return out
    if isinstance(expected, dict) and isinstance(body, dict) and expected and body and not set(expected) & set(body):
        out.append(Difference("$", "envelope", sorted(expected), sorted(body)))
        return out
    error = expected_status >= 400
    for found in compare(expected, body, rules_of(interaction)):
        if found.kind == "value":
            if not error:
                continue  # a real environment's own data (echoes, ids): not drift
            found.kind = "error_code" if _CODE_KEY.search(found.path.rsplit(".", 1)[-1]) else "value"
        out.append(found)
    out.extend(_extra(expected, body, "$"))
    return sorted(out, key=lambda d: (d.path != "$", d.path, d.kind))


def _extra(expected: Any, actual: Any, path: str) -> Iterable[Difference]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in actual.items():
            child = child_path(path, key)
            if key not in expected:
                yield Difference(child, "extra", None, kind_of(value))
            else:
                yield from _extra(expected[key], value, child)
    elif isinstance(expected, list) and isinstance(actual, list):
        for index, (inner, value) in enumerate(zip(expected, actual, strict=False)):
            yield from _extra(inner, value, f"{path}[{index}]")


def _redact(difference: Difference, secret: frozenset[str]) -> Difference:
    leaf = re.split(r"[.\[\]']+", difference.path.rstrip("]'"))[-1]
    if is_secret(leaf, secret | _GENERIC_SECRETS) and difference.kind not in ("missing", "extra", "type"):
        return Difference(difference.path, difference.kind, "***", "***")
    return difference


def replay(
    document: Mapping[str, Any], client: httpx.Client, vendor: str, headers: Mapping[str, str], values: Mapping[str, str],
    allow_writes: bool, nonce: str | None = None,
) -> list[Outcome]:
    """Replay ``vendor``'s safe interactions on ``client`` (the vendor's base URL) and report each one's drift."""
    from ..vendors import load

    secret = frozenset(name.casefold() for name in load(vendor).secrets.fields) if vendor else frozenset()
    nonce = nonce or secrets.token_hex(4)
    mount = "/" + vendor
    injected = {name.lower(): value for name, value in headers.items()}
    injected.update(values)
    outcomes = []
    for interaction in document["interactions"]:
        if vendor_of(interaction) != vendor:
            continue
        outcome = Outcome(str(interaction.get("description", "")))
        outcomes.append(outcome)
        request = interaction["request"]
        sent_headers = {k.lower() for k in request.get("headers", {})}
        if any(name.startswith("x-mock-") for name in sent_headers):
            outcome.skipped = "needs a sandbox scenario header"
            continue
        if not (allow_writes or is_safe(interaction)):
            outcome.skipped = "a write: replayed with --allow-writes"
            continue
        fill = dict(injected)
        for generator in request.get("generators", {}).get("body", {}).values():
            name = str(generator.get("expression", ""))[2:-1]
            fill.setdefault(name, SAMPLE_SECRET)
        ready = filled(request, fill)
        path = ready["path"]
        ready["path"] = path[len(mount):] if path.startswith(mount + "/") else path
        if operation_of(interaction).startswith("create"):
            ready = throwaway(ready, nonce)
        status, body = send_request(client, ready, headers)
        outcome.differences = [_redact(d, secret) for d in differences(interaction, status, body)]
    return outcomes


def as_json(outcomes: Iterable[Outcome], target: str) -> dict[str, Any]:
    items = [{
        "interaction": o.description,
        "result": "skipped" if o.skipped is not None else ("ok" if o.passed else "drift"),
        **({"skipped": o.skipped} if o.skipped is not None else {}),
        "differences": [d.to_json() for d in o.differences],
    } for o in outcomes]
    return {"target": target, "drift": any(i["result"] == "drift" for i in items), "interactions": items}


def as_table(outcomes: Iterable[Outcome], target: str) -> str:
    rows = [("INTERACTION", "FIELD", "DRIFT", "EXPECTED", "ACTUAL")]
    for outcome in outcomes:
        if outcome.skipped is not None:
            rows.append((outcome.description, "-", "skipped", outcome.skipped, "-"))
        elif outcome.passed:
            rows.append((outcome.description, "-", "ok", "-", "-"))
        for d in outcome.differences:
            rows.append((outcome.description, d.path, d.kind, _cell(d.expected), _cell(d.actual)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"drift report against {target}"]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."
