"""Record what a client did as a Pact Specification v4 file.

Input: journal entries (``GET /__admin/requests``: already redacted).  Output: one
``Synchronous/HTTP`` interaction per distinct request shape (vendor, operation,
method, header names, query names, body key structure, forced scenario), in the
order the client first sent each.

The file must not change when the sandbox's seed or clock does, so which response
values the sandbox *generates* (ids, timestamps, tokens, faker names) is not
listed anywhere: it is found by replaying the client's whole request sequence on
two fresh in-process sandboxes that differ in seed and frozen instant (probes A
and B).  A value equal in both is the contract (a code, an echoed field, a
constant) and is kept as an exact example; a value that differs is generated: its
example is probe A's (fixed seed, fixed instant: the same bytes every time) and a
matcher says what the client may rely on (a ``datetime`` of the format the value
has, an ``integer``, or its ``type``).

Secrets never reach the file: the journal shows them as ``***``; each becomes a
ProviderState generator (``${authorization}``, ``${pwd}``) that the verifier fills
with what the provider state's set-up answers (``POST /__admin/provider-states``,
given the vendor as a parameter: the sandbox's demo credentials), plus a regex
matcher on the header.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from .. import __version__
from ..core.journal import is_secret

REDACTED = "***"  # core.journal.REDACTED: what the journal shows for a secret
PROVIDER = "mockserver"
PROBE_SEEDS = (0, 1)
PROBE_CLOCKS = ("frozen:2030-01-02T03:04:05.678Z", "frozen:2031-05-06T07:08:09.123Z")
# Request headers that say nothing about the contract (the HTTP client's own, the test session).
NOISE_HEADERS = frozenset({
    "host", "content-length", "user-agent", "accept-encoding", "connection", "accept", "x-mock-session",
    "transfer-encoding", "expect", "cookie",
})
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:([T ])(\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")

Send = Callable[[dict[str, Any], Mapping[str, str]], tuple[int, Any]]


def state_of(vendor: str) -> dict[str, Any]:
    """The provider state of every interaction with ``vendor``: its fixtures and demo credentials."""
    return {"name": f"the {vendor} sandbox's fixtures and demo credentials", "params": {"vendor": vendor}}


# ---------------------------------------------------------------- shapes
def structure(value: Any) -> Any:
    """A JSON value's key structure (keys and kinds, not values): what makes two requests one shape."""
    if isinstance(value, dict):
        return {key: structure(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [structure(item) for item in value[:1]]
    return type(value).__name__


def shape_key(entry: Mapping[str, Any]) -> str:
    names = sorted(name.lower() for name in entry.get("headers", {}) if name.lower() not in NOISE_HEADERS)
    parts = [entry["vendor"], entry["operation"], entry["method"], names, sorted(entry.get("query") or {}),
             structure(entry.get("body")), entry.get("scenario")]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- requests
def request_of(entry: Mapping[str, Any], mount: str) -> dict[str, Any]:
    """The pact request of a journal entry (secrets as ProviderState generators)."""
    headers = {name.lower(): value for name, value in entry.get("headers", {}).items() if name.lower() not in NOISE_HEADERS}
    request: dict[str, Any] = {"method": entry["method"], "path": mount + entry["path"]}
    query = entry.get("query") or {}
    if query:
        request["query"] = {name: [value] for name, value in sorted(query.items())}
    generators: dict[str, dict[str, Any]] = {}
    rules: dict[str, dict[str, Any]] = {}
    for name, value in sorted(headers.items()):
        if value == REDACTED:
            generators.setdefault("header", {})[name] = {"type": "ProviderState", "expression": "${" + name + "}"}
            rules.setdefault("header", {})[name] = {"combine": "AND", "matchers": [{"match": "regex", "regex": ".+"}]}
    if headers:
        request["headers"] = {name: [value] for name, value in sorted(headers.items())}
    body = entry.get("body")
    if body is not None:
        for path, key in _redacted(body, "$"):
            generators.setdefault("body", {})[path] = {"type": "ProviderState", "expression": "${" + key + "}", "dataType": "STRING"}
        request["body"] = {"content": body, "contentType": headers.get("content-type", "application/json").split(";")[0], "encoded": False}
    if rules:
        request["matchingRules"] = rules
    if generators:
        request["generators"] = generators
    return request


def _redacted(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if item == REDACTED:
                yield child_path(path, key), key
            else:
                yield from _redacted(item, child_path(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _redacted(item, f"{path}[{index}]")


def child_path(path: str, key: str) -> str:
    """The JSONPath of ``key`` under ``path`` (``$.a`` or ``$['a-b']``): pact matching rules, verify and drift name fields alike."""
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}['{key}']"


def filled(request: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """``request`` (a pact request) with its ProviderState generators applied from ``values``."""
    out: dict[str, Any] = json.loads(json.dumps(request))
    generators = request.get("generators", {})
    for name, generator in generators.get("header", {}).items():
        value = _expand(generator["expression"], values)
        if value is not None:
            out["headers"][name] = [value]
    body = out.get("body", {}).get("content")
    for path, generator in generators.get("body", {}).items():
        value = _expand(generator["expression"], values)
        if value is not None and body is not None:
            _set(body, path, value)
    return out


def _expand(expression: str, values: Mapping[str, str]) -> str | None:
    missing = False

    def one(found: re.Match[str]) -> str:
        nonlocal missing
        if found.group(1) not in values:
            missing = True
            return ""
        return values[found.group(1)]

    text = re.sub(r"\$\{([^}]+)\}", one, expression)
    return None if missing else text


_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]|\[(\d+)\]")


def steps(path: str) -> list[str | int]:
    """``$.a['b c'][0]`` -> ["a", "b c", 0]."""
    return [name or quoted if index == "" else int(index) for name, quoted, index in _STEP.findall(path[1:])]


def _set(document: Any, path: str, value: Any) -> None:
    parts = steps(path)
    node = document
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


# ---------------------------------------------------------------- responses
def leaves(value: Any, path: str = "$") -> Iterable[tuple[str, Any]]:
    """Every scalar of a JSON value, with its path (an empty object or array counts as a scalar)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, child_path(path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def matcher_for(value: Any) -> dict[str, Any]:
    """What a generated value promises: its format (a date-time), or its type."""
    if isinstance(value, str):
        found = _ISO.match(value)
        if found:
            return {"match": "datetime", "format": java_format(found)}
        return {"match": "type"}
    if isinstance(value, bool) or value is None:
        return {"match": "type"}
    if isinstance(value, int):
        return {"match": "integer"}
    if isinstance(value, float):
        return {"match": "decimal"}
    return {"match": "type"}


def _hidden(value: Any, secret: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(v, str) and is_secret(k, secret) else _hidden(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_hidden(v, secret) for v in value]
    return value


def java_format(found: re.Match[str]) -> str:
    """The Java DateTimeFormatter pattern (Pact's datetime matcher) of an ISO-8601 value."""
    _, separator, clock, fraction, zone = found.groups()
    out = "yyyy-MM-dd"
    if clock:
        out += ("'T'" if separator == "T" else " ") + ("HH:mm:ss" if clock.count(":") == 2 else "HH:mm")
        if fraction:
            out += "." + "S" * (len(fraction) - 1)
        if zone == "Z":
            out += "'Z'"
        elif zone:
            out += "XXX" if ":" in zone else "XX"
    return out


def response_of(a: tuple[int, Any], b: tuple[int, Any], secret: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The pact response from the two probes' answers to one request (see the module); a value under
    one of the ``secret`` names (casefolded: the vendor's ``secret_fields``) is shown as the journal shows it."""
    status, body = a
    if secret:
        body = _hidden(body, secret)
    response: dict[str, Any] = {"status": status}
    if body is None:
        return response
    response["headers"] = {"content-type": ["application/json"]}
    response["body"] = {"content": body, "contentType": "application/json", "encoded": False}
    other = dict(leaves(b[1])) if b[0] == status else {}
    rules: dict[str, Any] = {}
    for path, value in leaves(body):
        if value == REDACTED:
            rules[path] = {"combine": "AND", "matchers": [{"match": "type"}]}
        elif path not in other or other[path] != value or type(other[path]) is not type(value):
            rules[path] = {"combine": "AND", "matchers": [matcher_for(value)]}
    if rules:
        response["matchingRules"] = {"body": rules}
    return response


# ---------------------------------------------------------------- the document
def probe_sender(seed: int, clock: str) -> tuple[Send, Callable[[], None], Callable[[], None]]:
    """A fresh in-process sandbox: ``send(request, state values)`` -> (status, decoded body), its reset, its close."""
    from ..testing import transport

    mock = transport(seed=seed, clock=clock)
    client = httpx.Client(transport=mock, base_url="http://mockserver.local")
    values: dict[str, dict[str, str]] = {}

    def send(request: dict[str, Any], state: Mapping[str, str]) -> tuple[int, Any]:
        vendor = str(state.get("vendor", ""))
        if vendor not in values:
            values[vendor] = client.post("/__admin/provider-states", json={"state": "", "params": {"vendor": vendor}, "action": "setup"}).json()
        return send_request(client, filled(request, values[vendor]))

    def reset() -> None:
        client.post("/__admin/reset").raise_for_status()

    def close() -> None:
        client.close()
        mock.close()

    return send, reset, close


def send_request(client: httpx.Client, request: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
    """Send a (filled) pact request; the status and the decoded JSON body (None when empty, the text when not JSON)."""
    sent = {name: values[0] for name, values in request.get("headers", {}).items()}
    sent.update(headers or {})
    body = request.get("body")
    content = None if body is None else json.dumps(body["content"]).encode()
    query = [(name, value) for name, values in request.get("query", {}).items() for value in values]
    response = client.request(request["method"], request["path"], params=query, headers=sent, content=content)
    if not response.content:
        return response.status_code, None
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def build_pact(entries: Iterable[Mapping[str, Any]], consumer: str, resets: Iterable[int] = ()) -> dict[str, Any]:
    """The Pact v4 document of what the journal ``entries`` show a client did (see the module);
    ``resets``: the indexes of ``entries`` before which the client reset the sandbox (a test's start)."""
    kept = [(index, e) for index, e in enumerate(entries) if e.get("operation") not in (None, "unknown")]
    requests = [(entry, request_of(entry, "/" + entry["vendor"])) for _, entry in kept]
    # A reset before entry r applies before the first kept entry at or after it.
    fresh = {next((p for p, (index, _) in enumerate(kept) if index >= r), len(kept)) for r in set(resets)}
    first: dict[str, int] = {}
    for index, (entry, _) in enumerate(requests):
        first.setdefault(shape_key(entry), index)
    answers = []
    for seed, clock in zip(PROBE_SEEDS, PROBE_CLOCKS, strict=True):
        send, reset, close = probe_sender(seed, clock)
        try:
            # The whole sequence, so each kept request meets the state the client's had built.
            answered = []
            for position, (entry, request) in enumerate(requests):
                if position in fresh:
                    reset()
                answered.append(send(request, {"vendor": entry["vendor"]}))
            answers.append(answered)
        finally:
            close()
    interactions: list[dict[str, Any]] = []
    for key, index in first.items():
        entry, request = requests[index]
        interactions.append({
            "type": "Synchronous/HTTP",
            "key": key,
            "description": f"{entry['vendor']} {entry['operation']} #{len(interactions) + 1}: {entry['method']} {request['path']}",
            "providerStates": [state_of(entry["vendor"])],
            "request": request,
            "response": response_of(answers[0][index], answers[1][index], _secrets(entry["vendor"])),
            "comments": {"mockserver": {"vendor": entry["vendor"], "operation": entry["operation"], "recorded_status": entry["status"]}},
            "pending": False,
        })
    return {
        "consumer": {"name": consumer},
        "provider": {"name": PROVIDER},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "4.0"}, "mockserver": {"version": __version__}},
    }


def _secrets(vendor: str) -> frozenset[str]:
    from ..vendors import load

    try:
        return frozenset(name.casefold() for name in load(vendor).secrets.fields)
    except (KeyError, ValueError):  # a vendor this install does not have: nothing known to hide
        return frozenset()


def dumps(document: Mapping[str, Any]) -> str:
    """The file's text: stable key order and indentation (byte-identical for the same document)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def journal_entries(client: httpx.Client, session: str | None = None) -> list[dict[str, Any]]:
    """Every journal entry of a running server (of one test session when given), oldest first, page by page."""
    params: dict[str, Any] = {} if session is None else {"session": session}
    out: list[dict[str, Any]] = []
    after = 0  # from the oldest (without it, the admin API answers the newest page)
    while True:
        response = client.get("/__admin/requests", params={**params, "after": after})
        response.raise_for_status()
        page = response.json()
        if session == "":
            page = [entry for entry in page if not entry.get("session")]
        out.extend(page)
        if not page or "next" not in response.headers.get("link", ""):
            return out
        after = page[-1]["seq"]
