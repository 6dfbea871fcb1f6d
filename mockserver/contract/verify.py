"""Verify a Pact v4 file against the sandbox: replay each interaction, check status and body.

The body check is Pact's: every key of the expected body must be there (extra keys are
fine); a value under a matching rule must satisfy it (``type``, ``integer``,
``decimal``, ``regex``, ``datetime``), any other value must be equal.  Interactions
are replayed in the file's order on one server, the state the recorded client built
(``contract verify`` without ``--url`` starts a fresh in-process sandbox).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .pact import child_path, filled, send_request


class PactError(ValueError):
    """A file that is no Pact v4 document this tool reads (the message says why, in one line)."""


@dataclass(slots=True)
class Difference:
    path: str  # "$" for the status, else the body path
    kind: str  # status, missing, extra, type, format, value, error_code, envelope
    expected: Any
    actual: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "expected": self.expected, "actual": self.actual}


@dataclass(slots=True)
class Outcome:
    description: str
    differences: list[Difference] = field(default_factory=list)
    skipped: str | None = None  # why it was not replayed

    @property
    def passed(self) -> bool:
        return not self.differences


def load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PactError(f"{path}: cannot read: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PactError(f"{path}: not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        raise PactError(f"{path}: not a Pact file (no interactions list)")
    version = str(document.get("metadata", {}).get("pactSpecification", {}).get("version", ""))
    if not version.startswith("4"):
        raise PactError(f"{path}: Pact specification {version or '?'}: only 4.x files are read")
    for index, interaction in enumerate(document["interactions"]):
        if not isinstance(interaction, dict) or interaction.get("type") != "Synchronous/HTTP":
            raise PactError(f"{path}: interaction {index + 1} is not a Synchronous/HTTP interaction")
        request = interaction.get("request")
        if not isinstance(request, dict) or not isinstance(request.get("method"), str) or not isinstance(request.get("path"), str):
            raise PactError(f"{path}: interaction {index + 1} has no request method and path")
        if not isinstance(interaction.get("response"), dict) or not isinstance(interaction["response"].get("status"), int):
            raise PactError(f"{path}: interaction {index + 1} has no response status")
    return document


def vendor_of(interaction: Mapping[str, Any]) -> str:
    for state in interaction.get("providerStates") or ():
        vendor = (state.get("params") or {}).get("vendor")
        if vendor:
            return str(vendor)
    return ""


def expected_body(interaction: Mapping[str, Any]) -> Any:
    body = interaction["response"].get("body")
    return None if body is None else body.get("content")


def rules_of(interaction: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    rules = interaction["response"].get("matchingRules", {}).get("body", {})
    return {path: list(rule.get("matchers", [])) for path, rule in rules.items()}


# ---------------------------------------------------------------- matching
_JAVA = [("yyyy", r"\d{4}"), ("MM", r"\d{2}"), ("dd", r"\d{2}"), ("HH", r"\d{2}"), ("mm", r"\d{2}"), ("ss", r"\d{2}"),
         ("XXX", r"(?:Z|[+-]\d{2}:\d{2})"), ("XX", r"(?:Z|[+-]\d{4})"), ("S", r"\d")]


def datetime_regex(pattern: str) -> str:
    """A regex for the subset of Java DateTimeFormatter patterns ``pact.java_format`` writes."""
    out, index = "", 0
    while index < len(pattern):
        if pattern[index] == "'":
            end = pattern.index("'", index + 1)
            out += re.escape(pattern[index + 1:end])
            index = end + 1
            continue
        for token, regex in _JAVA:
            if pattern.startswith(token, index):
                out += regex
                index += len(token)
                break
        else:
            out += re.escape(pattern[index])
            index += 1
    return out


def satisfies(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    """None when ``actual`` satisfies ``matcher``, else the difference's kind."""
    kind = matcher.get("match")
    if kind == "type":
        same = type(actual) is type(expected) or (isinstance(actual, (int, float)) and isinstance(expected, (int, float))
                                                  and not isinstance(actual, bool) and not isinstance(expected, bool))
        return None if same else "type"
    if kind == "integer":
        return None if isinstance(actual, int) and not isinstance(actual, bool) else "type"
    if kind == "decimal":
        return None if isinstance(actual, float) else "type"
    if kind == "regex":
        return None if isinstance(actual, str) and re.fullmatch(str(matcher.get("regex", "")), actual) else "format"
    if kind in ("datetime", "timestamp", "date", "time"):
        if not isinstance(actual, str):
            return "type"
        return None if re.fullmatch(datetime_regex(str(matcher.get("format", ""))), actual) else "format"
    if kind == "equality":
        return None if actual == expected else "value"
    return None  # a matcher this tool does not check (min/max, include...): not a failure of ours


def compare(expected: Any, actual: Any, rules: Mapping[str, list[dict[str, Any]]], path: str = "$") -> list[Difference]:
    """Pact's body comparison (see the module): the differences, in document order."""
    matchers = rules.get(path)
    if matchers:
        for matcher in matchers:
            kind = satisfies(matcher, expected, actual)
            if kind is not None:
                return [Difference(path, kind, kind_of(expected) if kind == "type" else expected, kind_of(actual) if kind == "type" else actual)]
        if not isinstance(expected, (dict, list)):
            return []
    if isinstance(expected, dict) and expected:
        if not isinstance(actual, dict):
            return [Difference(path, "type", "object", kind_of(actual))]
        out: list[Difference] = []
        for key, value in expected.items():
            child = child_path(path, key)
            if key not in actual:
                out.append(Difference(child, "missing", kind_of(value), None))
            else:
                out.extend(compare(value, actual[key], rules, child))
        return out
    if isinstance(expected, list) and expected:
        if not isinstance(actual, list):
            return [Difference(path, "type", "array", kind_of(actual))]
        out = []
        for index, value in enumerate(expected):
            if index >= len(actual):
                out.append(Difference(f"{path}[{index}]", "missing", kind_of(value), None))
            else:
                out.extend(compare(value, actual[index], rules, f"{path}[{index}]"))
        return out
    if kind_of(expected) != kind_of(actual):
        return [Difference(path, "type", kind_of(expected), kind_of(actual))]
    return [] if expected == actual else [Difference(path, "value", expected, actual)]


def kind_of(value: Any) -> str:
    """The JSON type name of a decoded value, as differences report it (verify and drift)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# ---------------------------------------------------------------- replay
def verify(document: Mapping[str, Any], client: httpx.Client) -> list[Outcome]:
    """Replay every interaction on ``client``'s sandbox (its admin API gives the provider states' values)."""
    values: dict[str, dict[str, str]] = {}
    outcomes = []
    for interaction in document["interactions"]:
        vendor = vendor_of(interaction)
        if vendor not in values:
            answer = client.post("/__admin/provider-states", json={"state": "", "params": {"vendor": vendor}, "action": "setup"})
            values[vendor] = answer.json() if answer.status_code == 200 else {}
        status, body = send_request(client, filled(interaction["request"], values[vendor]))
        outcome = Outcome(str(interaction.get("description", "")))
        if status != interaction["response"]["status"]:
            outcome.differences.append(Difference("$", "status", interaction["response"]["status"], status))
        expected = expected_body(interaction)
        if expected is not None:
            outcome.differences.extend(compare(expected, body, rules_of(interaction)))
        outcomes.append(outcome)
    return outcomes


def report_lines(outcomes: Iterable[Outcome]) -> list[str]:
    lines = []
    for outcome in outcomes:
        if outcome.skipped is not None:
            lines.append(f"SKIP  {outcome.description} ({outcome.skipped})")
            continue
        lines.append(f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.description}")
        for difference in outcome.differences:
            lines.append(f"        {difference.path}: {difference.kind}: expected {_shown(difference.expected)}, got {_shown(difference.actual)}")
    return lines


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 80 else text[:77] + "..."
