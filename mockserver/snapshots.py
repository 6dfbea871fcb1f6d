"""Golden contract snapshots: every documented operation and every catalogued error, recorded.

``collect()`` builds a fresh in-process app (frozen clock, fixed seed), runs each
vendor's ``examples`` (what its ``Vendor`` class declares) in order, then
one create-user call per catalog entry forced with ``X-Mock-Error: <name>``, and
returns every exchange.  ``write()`` stores them under
``tests/contract/snapshots/<vendor>.json``; ``compare()`` says, readably, what
changed.  ``mockserver snapshot [--update]`` and the ``--update-snapshots`` pytest
flag are the two ways to refresh them.

Examples are plain data.  String values in ``path``, ``query``, ``headers`` and
``body`` may hold placeholders, resolved just before the call:

``{auth}``
    in a header value: the value of the same header in the vendor's ready-made
    credentials (``describe()["headers"]``, i.e. ``GET /__admin/vendors``);
``{auth:Header}``
    anywhere: the value of that header there;
``{login:key}``
    ``describe()["login"][key]`` (the fixture's login credentials);
``{ref:example.dotted.path}``
    a value from the JSON response of an earlier example of the same vendor,
    e.g. ``{ref:login.accessToken}`` or ``{ref:list_users.data.0.id}``
    (integer segments index lists).

A string that is exactly one placeholder takes the referenced value with its JSON
type (an integer id stays an integer); otherwise placeholders are interpolated.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from . import vendors as registry
from .core.serving import compile_template

if TYPE_CHECKING:  # imported late at run time (the app imports this module's users)
    from .app import Runtime
    from .core.vendor import Route

DEFAULT_DIR = Path("tests/contract/snapshots")
CLOCK = "frozen:2026-01-01T00:00:00Z"
ORIGIN = "http://mockserver.local"
_PLACEHOLDER = re.compile(r"\{(auth(?::[^{}]+)?|login:[^{}]+|ref:[^{}]+)\}")
_DIFF_LINES = 40  # longest diff shown per exchange


@dataclass(frozen=True)
class Example:
    """One documented call, relative to the vendor's mount (``/<vendor>``)."""

    name: str  # unique within the vendor; what ``{ref:<name>...}`` points at
    method: str
    path: str
    body: Any = None  # a JSON value; None sends no body
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


class ExampleError(Exception):
    """An example that cannot be resolved (a typo in a placeholder, an unknown reference...)."""


# ---------------------------------------------------------------- placeholders
def _lookup(value: Any, dotted: str, where: str) -> Any:
    for part in dotted.split("."):
        if isinstance(value, list) and part.lstrip("-").isdigit():
            try:
                value = value[int(part)]
            except IndexError:
                raise ExampleError(f"{where}: index {part} out of range") from None
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise ExampleError(f"{where}: no {part!r} in {json.dumps(value, ensure_ascii=False)[:200]}")
    return value


class _Context:
    def __init__(self, vendor: str, credentials: Mapping[str, Any]) -> None:
        self.vendor = vendor
        self.headers = {k.lower(): v for k, v in credentials.get("headers", {}).items()}
        self.login: Mapping[str, Any] = credentials.get("login") or {}
        self.responses: dict[str, Any] = {}

    def value(self, token: str, header: str | None) -> Any:
        kind, _, rest = token.partition(":")
        where = f"{self.vendor}: {{{token}}}"
        if kind == "auth":
            name = (rest or header or "").lower()
            if name not in self.headers:
                raise ExampleError(f"{where}: the vendor's credentials have no header {name!r}")
            return self.headers[name]
        if kind == "login":
            if rest not in self.login:
                raise ExampleError(f"{where}: the vendor's login has no {rest!r}")
            return self.login[rest]
        example, _, path = rest.partition(".")
        if example not in self.responses:
            raise ExampleError(f"{where}: no earlier example named {example!r}")
        return _lookup(self.responses[example], path, where) if path else self.responses[example]

    def resolve(self, value: Any, header: str | None = None) -> Any:
        if isinstance(value, str):
            whole = _PLACEHOLDER.fullmatch(value)
            if whole:
                return self.value(whole.group(1), header)
            return _PLACEHOLDER.sub(lambda m: str(self.value(m.group(1), header)), value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def resolve_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: str(self.resolve(value, header=name)) for name, value in headers.items()}

    def resolve_strings(self, values: Mapping[str, Any]) -> dict[str, str]:
        return {name: str(self.resolve(value)) for name, value in values.items()}


# ---------------------------------------------------------------- collection
def examples(vendor: str) -> list[Example]:
    """The example flow the vendor's class declares (``Vendor.examples``)."""
    found: list[Example] = list(registry.load(vendor).examples)
    names = [e.name for e in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ExampleError(f"{vendor}: duplicate example names {duplicates}")
    return found


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return response.content.decode("utf-8", "replace")


def _encode(body: Any) -> bytes | None:
    if body is None:
        return None
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def collect(seed: int = 0, vendors: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every exchange of every vendor (registry order), on a fresh app with a frozen clock."""
    from .app import build_app
    from .config import Config
    from .testing import Transport

    names = tuple(vendors) if vendors is not None else registry.NAMES
    app = build_app(Config(seed=seed, clock=CLOCK, vendors=names))
    runtime = app.runtime
    transport = Transport(app)
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        with httpx.Client(transport=transport, base_url=ORIGIN) as client:
            for vendor in names:
                out[vendor] = _collect_vendor(client, runtime, vendor)
    finally:
        transport.close()
    return out


def _collect_vendor(client: httpx.Client, runtime: Runtime, vendor: str) -> list[dict[str, Any]]:
    context = _Context(vendor, runtime.describe(ORIGIN)[vendor])
    mount = runtime.mounts[vendor]
    journal = runtime.journal

    def call(example: Example, extra: Mapping[str, str] = {}) -> tuple[dict[str, Any], Any]:
        path = str(context.resolve(example.path))
        query = context.resolve_strings(example.query)
        body = context.resolve(example.body)
        headers = {**context.resolve_headers(example.headers), **extra}
        response = client.request(example.method, mount + path, params=query or None, content=_encode(body), headers=headers)
        decoded = _decode(response)
        entries = journal.entries()
        operation = entries[-1].operation if entries and entries[-1].vendor == vendor else "unknown"
        exchange = {
            "name": example.name,
            "operation": operation,
            "request": {"method": example.method, "path": path, "query": query, "body": body},
            "response": {"status": response.status_code, "content_type": response.headers.get("content-type"), "body": decoded},
        }
        return exchange, decoded

    exchanges = []
    for example in examples(vendor):
        exchange, decoded = call(example)
        context.responses[example.name] = decoded
        exchanges.append(exchange)

    # Every catalog entry, rendered in the vendor's envelope by a forced create-user call
    # (or a call of the operation that answers it: ``Vendor.error_operations``).
    instance = runtime.vendors[vendor]
    routes: dict[str, Route] = {}
    for route in instance.routes():
        routes.setdefault(route.operation, route)  # an operation's first route (others are aliases)
    for name in instance.error_contract.catalog:
        route = routes[instance.error_operations.get(name, "create_user")]
        pattern = compile_template(route.path)  # a templated route's examples name a concrete path
        template = next((e for e in examples(vendor) if e.method == route.method and pattern.match(e.path)), None)
        if template is None:
            raise ExampleError(f"{vendor}: no example calls {route.operation} ({route.method} {route.path})")
        exchange, _ = call(template, {"X-Mock-Error": name})
        exchange["name"] = f"error:{name}"
        exchange["error"] = name
        exchanges.append(exchange)
    return exchanges


# ---------------------------------------------------------------- files
def _document(vendor: str, exchanges: list[dict[str, Any]], seed: int) -> dict[str, Any]:
    return {"vendor": vendor, "seed": seed, "clock": CLOCK, "exchanges": exchanges}


def _envelope_sorted(exchange: Mapping[str, Any]) -> dict[str, Any]:
    """Our own keys sorted; request and response bodies keep their wire order
    (the key order of a vendor's JSON is part of the emulated contract)."""
    out: dict[str, Any] = {}
    for key in sorted(exchange):
        value = exchange[key]
        if key in ("request", "response") and isinstance(value, Mapping):
            value = {k: value[k] for k in sorted(value)}
        out[key] = value
    return out


def dumps(value: Any) -> str:
    """The stable text of a snapshot value: indent 2, UTF-8 as is, trailing newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render(vendor: str, exchanges: list[dict[str, Any]], seed: int = 0) -> str:
    document = _document(vendor, [_envelope_sorted(e) for e in exchanges], seed)
    return dumps({k: document[k] for k in sorted(document)})


def write(directory: Path | str = DEFAULT_DIR, seed: int = 0, collected: Mapping[str, list[dict[str, Any]]] | None = None) -> list[Path]:
    """(Re)write ``<directory>/<vendor>.json`` for every vendor; the paths whose content changed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    collected = collected if collected is not None else collect(seed)
    written = []
    for vendor, exchanges in collected.items():
        path = directory / f"{vendor}.json"
        text = render(vendor, exchanges, seed)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def _diff(before: str, after: str, label: str) -> str:
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), f"{label} (stored)", f"{label} (now)", lineterm="", n=2))
    if len(lines) > _DIFF_LINES:
        hidden = len(lines) - _DIFF_LINES
        lines = lines[:_DIFF_LINES] + [f"... ({hidden} more diff lines)"]
    return "\n".join("    " + line for line in lines)


def compare(directory: Path | str = DEFAULT_DIR, seed: int = 0, collected: Mapping[str, list[dict[str, Any]]] | None = None) -> list[str]:
    """Human-readable differences between the stored snapshots and the server now; [] when equal."""
    directory = Path(directory)
    collected = collected if collected is not None else collect(seed)
    problems: list[str] = []
    for vendor, exchanges in collected.items():
        path = directory / f"{vendor}.json"
        if not path.is_file():
            problems.append(f"{vendor}: no snapshot file {path}")
            continue
        text = path.read_text(encoding="utf-8")
        now_text = render(vendor, exchanges, seed)
        if text == now_text:
            continue
        try:
            stored = json.loads(text)
        except ValueError as exc:
            problems.append(f"{vendor}: {path} is not valid JSON ({exc})")
            continue
        problems.extend(_differences(vendor, path, stored, json.loads(now_text), text, now_text))
    return problems


def _changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two JSON values differ (a key order change alone yields none)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in list(old) + [k for k in new if k not in old]:
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in old or key not in new:
                out.append(path)
            else:
                out.extend(_changed_paths(old[key], new[key], path))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [p for i, (a, b) in enumerate(zip(old, new, strict=True)) for p in _changed_paths(a, b, f"{prefix}.{i}" if prefix else str(i))]
    return [] if old == new and type(old) is type(new) else [prefix or "(whole value)"]


def _differences(vendor: str, path: Path, stored: Any, now: dict[str, Any], text: str, now_text: str) -> list[str]:
    if not isinstance(stored, dict) or not isinstance(stored.get("exchanges"), list):
        return [f"{vendor}: {path} is not a snapshot file"]
    problems = []
    for key in sorted(set(stored) | set(now)):
        if key != "exchanges" and stored.get(key) != now.get(key):
            problems.append(f"{vendor}: {key} was {stored.get(key)!r}, is {now.get(key)!r}")
    old = {e.get("name"): e for e in stored["exchanges"] if isinstance(e, dict)}
    new = {e["name"]: e for e in now["exchanges"]}
    for name in new:
        if name not in old:
            problems.append(f"{vendor}/{name}: new exchange (not in the snapshot)")
        elif dumps(old[name]) != dumps(new[name]):
            exchange = new[name]
            request = exchange["request"]
            paths = _changed_paths(old[name], new[name])
            where = ", ".join(paths[:5]) + (f" (+{len(paths) - 5} more)" if len(paths) > 5 else "")
            head = f"{vendor}/{name}: {request['method']} {request['path']} -> {exchange['response']['status']} changed at {where or 'key order'}"
            problems.append(head + "\n" + _diff(dumps(old[name]), dumps(new[name]), f"{vendor}/{name}"))
    for name in old:
        if name not in new:
            problems.append(f"{vendor}/{name}: exchange gone (in the snapshot, no longer produced)")
    if not problems and [e.get("name") for e in stored["exchanges"]] != list(new):
        problems.append(f"{vendor}: exchanges are in a different order")
    if not problems:  # same data, different text (formatting, key order of the file itself)
        problems.append(f"{vendor}: {path} differs in formatting\n" + _diff(text, now_text, vendor))
    return problems


UPDATE_HINT = (
    "If the change is intended, update the snapshots and commit them:\n"
    "    mockserver snapshot --update            (or: python3 -m pytest tests/contract --update-snapshots)"
)
