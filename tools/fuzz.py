#!/usr/bin/env python3
"""Fuzz every vendor and admin route of a real mockserver with malformed input (issue 12).

    python3 tools/fuzz.py                         # 6,000 requests, seed 1, every vendor and the admin API
    python3 tools/fuzz.py --count 20000 --seed 7 --only etelecom --jobs 4 --timeout 10 --json report.json

It starts ``python -m mockserver serve --port 0`` from this checkout (frozen clock, so state is comparable), reads
the routes from the server (``GET /__admin/vendors``, ``GET /__admin/openapi/{vendor}.json``; the admin routes are
listed here), then sends COUNT seeded, reproducible malformed requests over a few keep-alive connections (httpx)
and over raw sockets for framing-level junk: broken JSON, invalid UTF-8, lone surrogates, ``1e400``, 5,000-digit
numbers, nesting 500-20,000 deep, wrong types per schema property, extra/misspelt/duplicated keys, NULs, huge
strings, form/multipart/XML bodies, garbage Content-Type, garbage or absent credentials, ``X-Mock-*`` garbage,
unknown, 65 KB, %-encoded, ``..`` and ``//`` paths, junk queries, odd methods, Content-Length/chunked mismatches,
bad request lines and headers, pipelining, upgrades; malformed scenario documents (a small YAML alias bomb among
them) and clock changes.  ``POST /__admin/reset`` is kept out of the mix and tried at the end: wrong methods and a
junk session must change nothing, then a real reset must bring back the fixtures.

Report: per vendor/admin the requests, status histogram, hangs (no answer within --timeout), dropped connections,
server log problems and whether the store is unchanged; then every 5xx / hang / drop class with an example, and
the server's Traceback/ERROR blocks with the requests in flight when each was logged.  Exit 1 on any 5xx,
Traceback or ERROR line, hang, drop of a well-framed request, store change, or a reset that does not restore.

The store must stay unchanged, so every request is refused by construction.  Before the "before" snapshot one
"anchor" user per vendor is created from its create route's own example.  A request that carries valid
credentials to a route that writes keeps the anchor's identity fields (and its target ids, which never exist)
and breaks only the rest, so even a body the vendor accepts is refused as a duplicate; other requests carry
absent or garbage credentials.  Login bodies carry a wrong secret, ``X-Mock-Session`` goes without credentials,
admin writes get malformed bodies only (no valid scenario document, no valid clock change) and
``DELETE /__admin/requests`` always names a junk session.  Users are counted (and digested) through the vendors'
read routes: VaultsPay ``GET /as/api/v1/users``, Payabli ``/Query/users/org|point/…``, Pulse ``GET /users`` per
account, eTelecom ``GetAccountUsers``.  Sabi has no read route: its check is the journal (no new 2xx on a write).
Admin's is the scenario library and the clock.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENDORS = ("vaultspay", "payabli", "sabi", "pulse", "etelecom")
# Body keys that make a user unique at each vendor: kept as the anchor has them when credentials are valid.
IDENTITY = {"vaultspay": {"email", "countryCode", "phone"}, "payabli": {"email"}, "sabi": {"username"},
            "pulse": {"email"}, "etelecom": {"phone"}}
ID_KEYS = {"id", "userId", "user_id"}
MISSING_ID, MISSING_EMAIL = "987654321", "nobody@fuzz.invalid"  # no fixture or seed makes these
PAYABLI_LISTS = ("/Query/users/org/236", "/Query/users/org/123", "/Query/users/point/demo-paypoint")  # embedded fixtures
LOG_PROBLEM = re.compile(r"Traceback \(most recent call last\)|\bERROR\b|internal error|Exception in ")
Headers = list[tuple[bytes, bytes]]


class Raw:
    """A JSON value written verbatim (what json.dumps cannot write: 1e400, NaN, invalid UTF-8...)."""

    def __init__(self, data: bytes) -> None:
        self.data = data


def render(value: Any, ascii_only: bool = False) -> bytes:
    raws: list[bytes] = []

    def default(obj: Any) -> str:
        if not isinstance(obj, Raw):
            raise TypeError(type(obj))
        raws.append(obj.data)
        return f"\x00RAW{len(raws) - 1}\x00"

    text = json.dumps(value, ensure_ascii=ascii_only, default=default).encode("utf-8", "surrogatepass")
    return re.sub(rb'"\\u0000RAW(\d+)\\u0000"', lambda m: raws[int(m.group(1))], text) if raws else text


def nest(depth: int, inner: bytes = b"1", kind: str = "[") -> Raw:
    return Raw(b"[" * depth + inner + b"]" * depth if kind == "[" else b'{"a":' * depth + inner + b"}" * depth)


WRONG = [None, True, False, 0, -1, 1.5, 2**63, -(2**63) - 1, 10**30, Raw(b"1e400"), Raw(b"-1e400"), Raw(b"1e-400"),
         Raw(b"NaN"), Raw(b"Infinity"), Raw(b"-0"), Raw(b"0x10"), Raw(b"01"), Raw(b"1."), Raw(b"+1"), Raw(b"9" * 5000),
         "", " ", "\t\n", "A" * 10_000, "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "\U0001d518\u00f1\u202e\u200b",
         "\ufeff", Raw(b'"\xff\xfe"'), Raw(b'"\xc0\x80"'), Raw(b'"\xed\xa0\x80"'), Raw(b'"\x00"'), Raw(b'"\\u12"'),
         Raw(b'"\\x41"'), [], {}, [None], [[[]]], {"$gt": ""}, nest(500), nest(500, b'"\\ud800"'), nest(600, b"1e400", "{"),
         "'; DROP TABLE users; --", "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "%s%n%x", "../../etc/passwd", "a@b", "1"]
PROTECTED_WRONG = [True, False, [], {}, {"a": 1}, nest(50, b"true"), nest(700, b'"\\ud800"')]
GARBAGE_AUTH = ["", " ", "Bearer", "Bearer ", "Bearer  ", "Basic Zm9vOmJhcg==", "Bearer a.b.c", "Bearer " + "A" * 9000,
                "Bearer \u00e9\u00ff", "Bearer eyJ.eyJ.", "null", "undefined", "Bearer Bearer x", "Token x", "\u00ff" * 40,
                "Bearer ..", "Bearer a:b", "1150482016510394500:", ":" * 50, "0", "-1", "99999999999999999999999"]
CONTENT_TYPES = ["", "application/json", "application/json; charset=utf-8", "application/json; charset=latin-1",
                 "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data", "multipart/form-data; boundary=", "application/xml", "*/*",
                 "application/json, text/html", "APPLICATION/JSON", "application/vnd.api+json", "\x7f", "a" * 10_000,
                 "application/json;;;;", "; charset=", "applicati\u00f3n/json", "application/json; charset=\"\u00ff\""]
JUNK = ["", "x", "%00", "\u00e9", "A" * 3000, "../../..", "-1", "0", "1e3", "99999999999999999999999", "null", "{}", "[]",
        "\U0001f600", "a b", "'\"<>", ";", "%", "%zz", "%ff%fe"]
SCENARIO_JUNK: list[bytes] = [
    b"name: [unclosed", b"\tname: x\n", b":::", b"- - - -", b"name: x\n  bad: indent\n rules: 1", b"\x00\x01\x02",
    b"\xff\xfe\x00n\x00a", b"name: x\x07\nrules: []", b'{"name": "fuzz-a", "rules": "notalist"}',
    b"name: fuzz-b\nrules: [{match: {vendor: nope}}]", b"name: fuzz-c\nrules: [{match: {vendor: vaultpay}}]",
    b"name: fuzz-d\nrules: [{match: {vendor: vaultspay, path: '('}}]", b"name: fuzz-e\nrules: [{match: {vendor: sabi, body_matches: {a: '[z-a]'}}}]",
    b"name: fuzz-f\nrules: [{match: {vendor: pulse}, respond: {status: 99}}]", b"name: fuzz-g\nrules: [{match: {vendor: pulse}, respond: {status: 600}}]",
    b"name: fuzz-h\nrules: [{match: {vendor: pulse, nth: 0}, delay: -1}]", b"name: fuzz-i\nrules: [{match: {vendor: pulse, probability: 2}, fault: bogus}]",
    b"name: fuzz-j\nrules: [{match: {vendor: etelecom, operation: nope}, respond: {error: NOPE}}]",
    b"name: fuzz-k\nrules: [{match: {vendor: payabli}, delay: 1e400}]", b"name: fuzz-q\nrules: [{match: {vendor: sabi, probability: .nan}}]",
    b"name: !!python/object/apply:os.getpid []", b"name: fuzz-l\nx: &a [*a]\nrules: []", b"? [1, 2]\n: 3",
    b"name: fuzz-m\n---\nname: fuzz-n", b"[" * 5000 + b"]" * 5000, b"a: " + b"{b: " * 3000 + b"1" + b"}" * 3000,
    b"name: " + b"x" * 2_000_000, b"\xef\xbb\xbfname: [", b'name: "\\ud800"', b"name: fuzz-r\nrules: [{match: {vendor: sabi}, extra: 1}]",
    # framing a response cannot have (204 with a body, 1xx, a duplicate content-length, CR/LF in a value): never activated here
    b"name: fuzz-s\nrules: [{match: {vendor: sabi}, respond: {status: 204, body: {a: 1}}}]",
    b"name: fuzz-t\nrules: [{match: {vendor: sabi}, respond: {status: 101}}]",
    b"name: fuzz-u\nrules: [{match: {vendor: sabi}, respond: {status: 200, headers: {content-length: '5'}}}]",
    b'name: fuzz-v\nrules: [{match: {vendor: sabi}, respond: {status: 200, headers: {x-a: "a\\r\\nb: c"}}}]',
]
CLOCK_JUNK = [{"advance": "bogus"}, {"advance": ""}, {"advance": []}, {"advance": {}}, {"advance": Raw(b"1e400")},
              {"advance": "P"}, {"advance": "PT"}, {"advance": "\ud800"}, {"set": "not a date"}, {"set": ""},
              {"set": "2026-13-45T25:61:61Z"}, {"set": Raw(b"1e400")}, {"set": [1]}, {"set": "9" * 400},
              {"freeze": False, "advance": "bogus"}, {"reset": True, "set": "garbage"}, {"frezee": True}, {"advance ": 1},
              {"set": None}, {"advance": None}, {"advance": Raw(b"NaN")}, {"set": "\x00"}, {"advance": Raw(b"9" * 5000)}]


def alias_bomb(levels: int = 6, width: int = 6) -> bytes:
    """A small 'billion laughs': width**levels strings once expanded (46,656), in a document refused anyway."""
    lines = [b'a0: &a0 ["lol"]'] + [b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * width) + b"]" for i in range(1, levels + 1)]
    return b"\n".join([b"name: fuzz-bomb", b"rules: 1", *lines])


@dataclass
class Route:
    group: str
    method: str
    path: str  # absolute template, e.g. /vaultspay/as/api/v1/users/{id}
    auth: bool  # needs the vendor's credentials
    writes: bool  # may change state when accepted
    base: Any = None  # the body mutations start from
    schema: dict[str, Any] = field(default_factory=dict)
    protected: frozenset[str] = frozenset()  # body keys that keep the base's value under valid credentials
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class Case:
    group: str
    route: str
    kind: str
    method: str
    target: bytes
    headers: Headers
    body: bytes = b""
    raw: bytes | None = None  # the whole request, written on a socket of its own
    must_answer: bool = True  # False: framing junk a server may answer by closing, or wait on


@dataclass
class Result:
    case: Case
    status: int | None
    error: str
    started: float
    elapsed: float


class Server:
    """``python -m mockserver serve`` from this checkout, its stderr kept line by line with arrival times."""

    def __init__(self, seed: int = 1) -> None:
        cmd = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--log-level", "warning", "--seed", str(seed),
               "--clock", "frozen:2026-01-01T00:00:00Z"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.log: list[tuple[float, str]] = []
        threading.Thread(target=self._read, args=(self.proc.stderr, True), daemon=True).start()
        assert self.proc.stdout is not None
        port, deadline = None, time.monotonic() + 60
        while port is None:  # the banner's first line names the bound origin
            line = self.proc.stdout.readline().decode("utf-8", "replace")
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
            if not line or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("mockserver did not start:\n" + "\n".join(text for _, text in self.log))
        threading.Thread(target=self._read, args=(self.proc.stdout, False), daemon=True).start()
        self.port, self.base = port, f"http://127.0.0.1:{port}"
        for _ in range(400):  # the banner is printed before uvicorn listens
            try:
                httpx.get(self.base + "/__admin/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)

    def _read(self, stream: Any, keep: bool) -> None:
        for raw in iter(stream.readline, b""):
            if keep:
                self.log.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def discover(client: httpx.Client) -> tuple[dict[str, Any], list[Route]]:
    """Every vendor route (from the vendor's OpenAPI document) and every admin route but reset."""
    vendors: dict[str, Any] = client.get("/__admin/vendors").json()
    routes: list[Route] = []
    for name, info in vendors.items():
        doc = client.get(f"/__admin/openapi/{name}.json").json()
        mount, schemas = urlsplit(doc["servers"][0]["url"]).path, doc.get("components", {}).get("schemas", {})
        login = urlsplit(info["login_route"].split(" ", 1)[1]).path if info.get("login_route") else None
        for path, ops in doc["paths"].items():
            for method, op in ((m, o) for m, o in ops.items() if m != "parameters"):
                schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
                schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in schema else schema
                operation = op.get("operationId", "")
                writes = method.upper() not in ("GET", "HEAD") and not operation.startswith(("list_", "get_"))
                base = (schema.get("examples") or [None])[0] if schema else None
                if base is None and schema:
                    base = {k: _filler(k, v) for k, v in schema.get("properties", {}).items() if k in schema.get("required", [k])}
                if login == mount + path:  # the real login body with its secret made wrong
                    base = {k: "wrong-" + str(v)[::-1] if re.search("secret|pass|pwd", k, re.I) else v for k, v in (info.get("login") or base).items()}
                if operation == "create_user":
                    info["anchor"] = base
                query = {p["name"]: "fuzz" for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}
                protected = frozenset(IDENTITY.get(name, set(base or {})) | ID_KEYS) if writes else frozenset()
                routes.append(Route(name, method.upper(), mount + path, bool(op.get("security")), writes, base, schema, protected, query))
    count = {"vendor": "vaultspay", "operation": "create_user", "body": {"status": "PENDING"}}
    for method, path, writes in [("GET", "/__admin/vendors", 0), ("GET", "/__admin/health", 0), ("GET", "/__admin/clock", 0),
                                 ("POST", "/__admin/clock", 1), ("GET", "/__admin/scenarios", 0), ("POST", "/__admin/scenarios", 1),
                                 ("POST", "/__admin/scenarios/{name}/{action}", 1), ("GET", "/__admin/requests", 0),
                                 ("DELETE", "/__admin/requests", 1), ("POST", "/__admin/requests/count", 0),
                                 ("GET", "/__admin/fidelity", 0), ("GET", "/__admin/openapi/{vendor}.json", 0)]:
        routes.append(Route("admin", method, path, False, bool(writes), count if path.endswith("count") else None))
    return vendors, routes


def _filler(name: str, prop: dict[str, Any]) -> Any:
    if name in ID_KEYS or prop.get("type") == "integer":
        return int(MISSING_ID)
    return prop["enum"][0] if prop.get("enum") else {"array": [], "object": {}, "boolean": False}.get(prop.get("type", ""), "fuzz")


class Fuzzer:
    """Seeded cases, each refused by construction (see the module docstring)."""

    def __init__(self, rng: random.Random, vendors: dict[str, Any], routes: list[Route], port: int) -> None:
        self.rng, self.vendors, self.port = rng, vendors, port
        self.unanchored: set[str] = set()  # vendors whose anchor create failed: their writes get no valid credentials
        self.by_group: dict[str, list[Route]] = {}
        for route in routes:
            self.by_group.setdefault(route.group, []).append(route)

    def case(self, group: str) -> Case:
        rng = self.rng
        route = rng.choice(self.by_group[group])
        family = rng.choices(["body", "header", "path", "method", "query", "raw"], [40, 18, 14, 7, 6, 15])[0]
        valid = rng.random() < 0.6 and family != "method" and route.group not in self.unanchored
        headers, valid, hkind = self._headers(route, valid, family == "header")
        strict = family == "method" or route.writes and (valid and route.auth or route.base is None)
        body, bkind, ctype = self._body(route, strict, family in ("body", "raw", "method"))
        if ctype is not None:
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"] + ([(b"Content-Type", ctype)] if ctype else [])
        method = route.method if family != "method" else rng.choice(
            ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO", "M-SEARCH", "get", "Post", "X" * 300])
        target, pkind = self._target(route, family)
        if method == "DELETE" and target.startswith(b"/__admin/requests"):  # never clear the whole journal
            target = target.split(b"?")[0] + b"?session=fuzz-junk-" + str(rng.random()).encode()
        kind = {"header": hkind, "path": pkind, "query": pkind, "method": f"method {method[:20]}"}.get(family, bkind)
        case = Case(group, f"{route.method} {route.path}", f"{family}: {kind}", method, target, headers, body)
        if family == "raw" or not target.isascii() or not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", method):
            self.frame(case)
        return case

    def _headers(self, route: Route, valid: bool, fuzz: bool) -> tuple[Headers, bool, str]:
        rng = self.rng
        own = self.vendors.get(route.group, {}).get("headers", {"Content-Type": "application/json"})
        pairs = [(k.encode(), v.encode("utf-8")) for k, v in own.items()]
        auth = [k.encode() for k in own if k.lower() != "content-type"]
        kind = "credentials valid"
        if auth and not valid:  # the token-bearing header (the first) garbled or gone: certainly refused
            token, choice = dict(pairs)[auth[0]], rng.randrange(4)
            value = [None, rng.choice(GARBAGE_AUTH).encode("utf-8"), token + b"x", token[: len(token) // 2]][choice]
            pairs = [(k, v) for k, v in pairs if k != auth[0]] + ([(auth[0], value)] if value is not None else [])
            kind = ["credentials absent", "credentials garbage", "credentials + suffix", "credentials truncated"][choice]
        valid = valid or not auth
        if not fuzz:
            return pairs, valid, kind
        pick, present = rng.randrange(12), sorted(set(auth) & set(dict(pairs)))
        if pick == 0 and present:  # variants that may still be accepted: valid stays as it was
            name = rng.choice(present)
            value = dict(pairs)[name]
            pairs = [(k, v) for k, v in pairs if k != name] + rng.choice(
                [[(name.upper(), value)], [(name, value + b" ")], [(name, value.replace(b"Bearer", b"bearer"))],
                 [(name, value), (name, b"garbage")], [(name, b"garbage"), (name, value)]])
            kind = "credential header variant"
        elif pick == 1:  # a test session gets its own copy of the fixtures: never with credentials
            pairs, valid = [(k, v) for k, v in pairs if k not in auth] + [(b"X-Mock-Session", rng.choice(JUNK[1:]).encode() + b"-fuzz")], False
            kind = "X-Mock-Session garbage (no credentials)"
        elif pick in (2, 3):
            name = rng.choice([b"X-Mock-Scenario", b"X-Mock-Error"])
            pairs.append((name, rng.choice(JUNK).encode("utf-8") + b"zz"))
            kind = f"{name.decode()} garbage"
        elif pick == 4:
            pairs += [(b"X-Fuzz-%d" % i, b"v" * rng.randrange(50)) for i in range(rng.choice([100, 500]))]
            kind = "many headers"
        elif pick == 5:
            pairs.append((b"X-Long", b"a" * rng.choice([8_000, 65_000])))
            kind = "very long header"
        elif pick == 6:
            pairs.append((rng.choice([b"Host", b"Origin", b"Referer", b"Sec-Fetch-Site", b"Cookie", b"Accept", b"Range", b"Accept-Encoding",
                                      b"Content-Encoding", b"If-None-Match", b"Forwarded"]), rng.choice(JUNK).encode("utf-8") or b"\xff"))
            kind = "standard header garbage"
        elif pick == 7:
            pairs.append((b"X-Unicode", "\u00e9\U0001f600\u202e".encode("utf-8")))
            kind = "unicode header value"
        elif pick == 8:
            pairs.append((b"X-!#$%&'*+-.^_`|~", b""))
            kind = "odd header name, empty value"
        return pairs, valid, kind

    def _body(self, route: Route, strict: bool, fuzz: bool) -> tuple[bytes, str, bytes | None]:
        rng = self.rng
        ctype = rng.choice(CONTENT_TYPES).encode("utf-8") if fuzz and rng.random() < 0.25 else None  # b"": none at all
        if route.path == "/__admin/scenarios" and rng.random() < 0.7:
            return (alias_bomb() if rng.random() < 0.1 else rng.choice(SCENARIO_JUNK)), "scenario document malformed", ctype
        if route.path == "/__admin/clock" and route.method == "POST" and rng.random() < 0.7:
            return render(rng.choice(CLOCK_JUNK)), "clock body malformed", ctype
        if not fuzz:
            return (b"" if route.base is None else render(route.base)), "", ctype
        if not isinstance(route.base, dict) or rng.random() < 0.35:
            return (*self._structural(route.base, strict), ctype)
        return (*self._object(route, route.base, strict), ctype)

    def _structural(self, base: Any, strict: bool) -> tuple[bytes, str]:
        """Bodies that are not one JSON object: no vendor can take them for a request."""
        rng = self.rng
        # Inside a string, invalid UTF-8 is only replaced by lenient decoders (Node, Go): under strict, outside any.
        at = 1 if strict else None
        text, depth = render(base if base is not None else {"a": 1}), rng.choice([500, 2000, 20000])
        options: list[tuple[str, Callable[[], bytes]]] = [
            ("empty", lambda: b""), ("null", lambda: b"null"), ("scalar", lambda: rng.choice([b"true", b"0", b'"x"', b"1e400"])),
            ("array instead of object", lambda: b"[" + text + b"]"), ("truncated JSON", lambda: text[: rng.randrange(len(text))]),
            ("trailing garbage", lambda: text + b"garbage"), ("two objects", lambda: text + text), ("BOM", lambda: b"\xef\xbb\xbf" + text),
            ("UTF-16", lambda: text.decode("utf-8", "replace").encode("utf-16")), ("raw NUL", lambda: _insert(rng, text, b"\x00", at)),
            ("invalid UTF-8", lambda: _insert(rng, text, b"\xff\xfe\xc0", at)), ("random bytes", lambda: rng.randbytes(rng.randrange(1, 300))),
            (f"deep [ unclosed {depth}", lambda: b"[" * depth), (f"deep [] {depth}", lambda: nest(depth).data),
            (f"deep {{ {depth}", lambda: nest(depth, b"1", "{").data), (f"deep + lone surrogate {depth}", lambda: nest(depth, b'"\\ud800"').data),
            ("single quotes", lambda: b"{'a': 1}"), ("JSON5", lambda: b"{a:1,}"), ("comment", lambda: b"/* x */" + text),
            ("1 MiB + 1", lambda: b'["' + b"a" * (1 << 20) + b'"]'), ("unclosed string", lambda: b'{"a": "' + b"b" * 5000),
        ]
        kind, make = rng.choice(options)
        return make(), kind

    def _object(self, route: Route, base: dict[str, Any], strict: bool) -> tuple[bytes, str]:
        """The base object with something broken; under ``strict`` the protected keys keep their values."""
        rng = self.rng
        body, keys = dict(base), list(dict.fromkeys([*base, *route.schema.get("properties", {})]))
        free = [k for k in keys if not (strict and k in route.protected)]
        pick, kind = rng.randrange(11), "form/multipart/XML body"
        if pick <= 2 and free:
            key = rng.choice(free)
            body[key], kind = rng.choice(WRONG), f"wrong type for {key}"
        elif pick == 3 and strict and route.protected & set(body):
            key = rng.choice(sorted(route.protected & set(body)))
            body[key], kind = rng.choice(PROTECTED_WRONG), f"wrong type for {key} (protected)"
        elif pick == 4 and free:
            for key in rng.sample(free, rng.randint(1, len(free))):
                body.pop(key, None)
            kind = "keys missing"
        elif pick == 5:
            body.update({"zz" + rng.randbytes(4).hex(): rng.choice(WRONG) for _ in range(rng.choice([1, 5, 50, 5000]))})
            kind = "extra keys"
        elif pick == 6 and keys:
            body.update({_misspell(rng, key): rng.choice(WRONG) for key in rng.sample(keys, min(3, len(keys)))})
            kind = "misspelt keys"
        elif pick == 7 and body:  # a second copy of a key, written out: the same value, or another where allowed
            key = rng.choice(list(body))
            other = render(rng.choice(WRONG) if key in free else body[key])
            return render(body)[:-1] + b", " + render(key.upper() if rng.random() < 0.5 else key) + b": " + other + b"}", "duplicated key"
        elif pick == 8:
            body[rng.choice(["\ud800", "", "a\u0000", "k" * 100_000, "\u00e9"])] = 1
            text = render(body, ascii_only=rng.random() < 0.5)
            return (b'{"\xff": 1, ' + text[1:] if rng.random() < 0.3 else text), "odd key"
        elif pick == 9:
            inner = rng.choice([b'"\\ud800"', b"1e400", b'"\xff"', b"1", b"9" * 5000])
            body["zz_deep"], kind = nest(rng.choice([500, 2000]), inner, rng.choice("[{")), "deep value + orjson-refused token"
        else:
            flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
            style = rng.randrange(3)
            if style == 0:
                return urlencode(flat).encode() + rng.choice([b"", b"&a[b][c]=1", b"&%zz=%ff", b"&&&="]), kind
            if style == 1:
                parts = [b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v.encode()) for k, v in flat.items()]
                return b"".join(parts) + rng.choice([b"--B--\r\n", b"--B", b""]), kind
            return b"<user>" + b"".join(b"<%s>%s</%s>" % (k.encode(), v.encode(), k.encode()) for k, v in flat.items()) + b"</user>", kind
        return render(body, ascii_only=rng.random() < 0.5), kind

    def _target(self, route: Route, family: str) -> tuple[bytes, str]:
        rng = self.rng
        params = {"name": "fuzz-junk-" + rng.choice(JUNK), "action": rng.choice(["activate", "deactivate", "x", "ACTIVATE"]),
                  "vendor": rng.choice([*VENDORS, "nope", "VAULTSPAY"])}  # a real scenario is never named: it would activate
        path = re.sub(r"\{(\w+)\}", lambda m: params.get(m.group(1)) or (MISSING_EMAIL if "mail" in m.group(1) else MISSING_ID), route.path)
        query = dict(route.query, **({"limit": rng.choice(["5", "50", "abc", "-1", "1e3", "1"])} if route.path == "/__admin/requests" else {}))
        target, kind = path.encode("utf-8"), ""
        if family == "path":
            mount = b"/" + target.split(b"/")[1]
            kind, make = rng.choice([
                ("unknown path", lambda: mount + b"/" + rng.choice(JUNK).encode("utf-8").replace(b"%", b"%25").replace(b" ", b"%20")),
                ("65 KB path", lambda: mount + b"/" + (b"a" * 65_000 if rng.random() < 0.15 else b"b" * 2000)),
                ("%-encoding", lambda: target.replace(b"/", rng.choice([b"/%2F", b"/%00", b"/%ff", b"/%", b"/%zz", b"/%2e%2e/"]), 2)),
                ("dot segments", lambda: target.replace(b"/", b"/../", 1) if rng.random() < 0.5 else target + b"/./.."),
                ("double slashes", lambda: target.replace(b"/", b"//")), ("trailing slash", lambda: target + b"/"),
                ("case change", lambda: target.swapcase() if rng.random() < 0.5 else target.upper()),
                ("path param junk", lambda: re.sub(rb"\d{6,}|nobody@fuzz\.invalid", rng.choice(JUNK).encode("utf-8"), target) + b"/x"),
                ("non-ASCII path", lambda: target + "/\u00e9\U0001f600".encode("utf-8")),
                ("matrix/fragment", lambda: target + rng.choice([b";jsessionid=x", b"#frag", b"\\..\\", b"/*"])),
            ])
            target = make()
        if family == "query":
            extra = rng.choice([b"a", b"=&&=", b"%", b"x=" + b"y" * 5000, b"page=-1&perPage=abc", b"&" * 3000, b"a=%ff%fe",
                                b"limitRecord=-99999999999999999999&fromRecord=x", b"email(eq)=%00", b"a=1&a=2&a=3",
                                b"session=" + rng.choice(JUNK).encode("utf-8"), b"status=9xx&limit=2", b"sortBy=" + b"(" * 100])
            return target + b"?" + (urlencode(query).encode() + b"&" if query else b"") + extra, "query junk"
        return target + (b"?" + urlencode(query).encode() if query else b""), kind

    def frame(self, case: Case, plain_only: bool = False) -> None:
        """The case as raw bytes, its framing broken in one of many ways."""
        rng, body, target = self.rng, case.body, case.target
        host = b"Host: 127.0.0.1:%d\r\n" % self.port
        line = case.method.encode("utf-8") + b" " + target + b" HTTP/1.1\r\n"
        plain = line + host + b"".join(k + b": " + v + b"\r\n" for k, v in case.headers if k.lower() != b"host")
        te, plain = plain + b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n", plain + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        length = b"Length: %d" % len(body)

        def chunked(stop: bytes = b"0\r\n\r\n") -> bytes:
            out, rest = b"", body
            while rest:
                n = rng.randint(1, len(rest))
                out, rest = out + b"%x\r\n" % n + rest[:n] + b"\r\n", rest[n:]
            return out + stop

        def head(extra: bytes) -> bytes:
            return plain.replace(b"\r\n\r\n", b"\r\n" + extra + b"\r\n\r\n") + body

        options: list[tuple[str, bool, Callable[[], bytes]]] = [
            ("raw plain", True, lambda: plain + body), ("chunked", True, lambda: te + chunked()),
            ("pipelined pair", True, lambda: plain.replace(b"Connection: close\r\n", b"") + body + plain + body),
            ("Expect: 100-continue", True, lambda: head(b"Expect: 100-continue")),
            ("HTTP/1.0", True, lambda: (plain + body).replace(b" HTTP/1.1\r\n", b" HTTP/1.0\r\n", 1)),
            ("Content-Length short", False, lambda: plain.replace(length, b"Length: %d" % (len(body) // 2)) + body),
            ("Content-Length long", False, lambda: plain.replace(length, b"Length: %d" % (len(body) + 10)) + body),
            ("Content-Length junk", False, lambda: plain.replace(length, rng.choice([b"Length: -1", b"Length: abc", b"Length: 99999999999999999999",
                                                                                     b"Length: +5", b"Length: 0x10", b"Length: 1, 2"])) + body),
            ("two Content-Lengths", False, lambda: head(b"Content-Length: 1")),
            ("chunked + Content-Length", False, lambda: te.replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\n\r\n") + chunked()),
            ("bad chunk size", False, lambda: te + rng.choice([b"zz\r\n", b"ffffffffffffffffffff\r\n", b"-1\r\n", b"5;" + b"e" * 9000 + b"\r\n"])),
            ("chunked, no last chunk", False, lambda: te + chunked(b"")),
            ("Transfer-Encoding junk", False, lambda: te.replace(b"chunked", rng.choice([b"gzip, chunked", b"chunked, identity", b"xchunked", b"\xff"])) + chunked()),
            ("header without colon", False, lambda: head(b"NoColonHere")), ("obs-fold", False, lambda: head(b"X-A: a\r\n  folded")),
            ("bare LF", False, lambda: plain.replace(b"\r\n", b"\n") + body), ("bare CR", False, lambda: plain.replace(b"\r\n", b"\r", 2) + body),
            ("NUL in header", False, lambda: head(b"X-A: a\x00b")), ("space before colon", False, lambda: head(b"X-A : b")),
            ("non-ASCII header name", False, lambda: head("X-\u00e9: b".encode())), ("two Hosts", False, lambda: head(b"Host: evil.example")),
            ("no Host", False, lambda: plain.replace(host, b"") + body),
            ("absolute-form target", False, lambda: plain.replace(target, b"http://127.0.0.1:%d" % self.port + target, 1) + body),
            ("asterisk target", False, lambda: plain.replace(target, b"*", 1) + body),
            ("target without /", False, lambda: plain.replace(target, target.lstrip(b"/"), 1) + body),
            ("space/tab/raw bytes in target", False, lambda: plain.replace(target, target + rng.choice([b" x", b"\tx", b"\x7f\xff", b"\x00"]), 1) + body),
            ("odd method token", False, lambda: plain.replace(case.method.encode("utf-8"), rng.choice([b"G@T", b"", b"GET GET", b"\xff"]), 1) + body),
            ("odd version", False, lambda: plain.replace(b" HTTP/1.1\r\n", rng.choice([b" http/1.1\r\n", b" HTTP/3.0\r\n", b" HTTP/1.1x\r\n", b"\r\n"]), 1) + body),
            ("very long request line", False, lambda: plain.replace(target, target + b"?" + b"q" * 100_000, 1) + body),
            ("1 MB header", False, lambda: head(b"X-Big: " + b"b" * 1_000_000)),
            ("WebSocket upgrade", False, lambda: plain.replace(b"Connection: close", b"Connection: Upgrade\r\nUpgrade: websocket\r\n"
                                                                b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==") + body),
            ("h2c upgrade", False, lambda: plain.replace(b"Connection: close", b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__") + body),
            ("HTTP/2 preface", False, lambda: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + rng.randbytes(30)),
            ("TLS ClientHello", False, lambda: bytes.fromhex("16030100a5010000a10303") + rng.randbytes(120)),
            ("random bytes", False, lambda: rng.randbytes(rng.randrange(1, 2000))),
        ]
        kind, must, make = options[0] if plain_only else rng.choices(options, [12] * 5 + [1] * (len(options) - 5))[0]
        if kind in ("WebSocket upgrade", "h2c upgrade", "1 MB header") and rng.random() < 0.7:  # known finding, or costly: rarer
            kind, must, make = options[0]
        case.raw, case.must_answer, case.kind = make(), must, f"raw {kind} / {case.kind}"


def _insert(rng: random.Random, text: bytes, what: bytes, at: int | None = None) -> bytes:
    at = rng.randrange(len(text) + 1) if at is None else at
    return text[:at] + what + text[at:]


def _misspell(rng: random.Random, key: str) -> str:
    i = rng.randrange(len(key))
    wrong = rng.choice([key[:i] + key[i + 1:], key[:i] + key[i] * 2 + key[i + 1:], key + "_", "_" + key, key.replace("_", "-") + "x"])
    return wrong if wrong and wrong.lower() != key.lower() else key + "zz"  # never the key itself, whatever the case


def send_raw(port: int, case: Case, timeout: float) -> tuple[int | None, str]:
    """Write the bytes; read answers (1xx skipped) until each request has one, the server closes, or time runs out."""
    wanted, statuses, data = 2 if case.kind.startswith("raw pipelined") else 1, [], b""
    deadline = time.monotonic() + (timeout if case.must_answer else min(timeout, 1.0))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(case.raw or b"")
        except OSError:
            pass  # the server may stop reading junk early: its answer, if any, is still there to read
        while len(statuses) < wanted:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                return (max(statuses) if statuses else None), ("" if statuses or not case.must_answer else "timeout")
            except OSError:
                chunk = b""
            if not chunk:
                return (max(statuses) if statuses else None), ("" if statuses else "closed")
            data += chunk
            while b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                found, length = re.match(rb"HTTP/\d\.\d (\d{3})", head), re.search(rb"(?im)^content-length:\s*(\d+)", head)
                size = int(length.group(1)) if length and case.method != "HEAD" else 0
                if not found or len(rest) < size:
                    break
                statuses += [] if found.group(1).startswith(b"1") else [int(found.group(1))]
                data = rest[size:]
    return max(statuses), ""


def execute(cases: list[Case], base: str, port: int, jobs: int, timeout: float, max_seconds: float) -> list[Result]:
    local, stop_at = threading.local(), time.monotonic() + max_seconds

    def one(case: Case, retry: bool = True) -> Result | None:
        if time.monotonic() > stop_at:
            return None
        started, status, error = time.monotonic(), None, ""
        try:
            if case.raw is not None:
                status, error = send_raw(port, case, timeout)
            else:
                if getattr(local, "client", None) is None:
                    local.client = httpx.Client(base_url=base, timeout=timeout, limits=httpx.Limits(max_connections=1))
                answer = local.client.request(case.method, "/", headers=case.headers, content=case.body, extensions={"target": case.target})
                status = answer.status_code
        except httpx.TimeoutException:
            error = "timeout"
        except (httpx.LocalProtocolError, UnicodeEncodeError):  # httpx will not write it: send it raw, as it is
            Fuzzer(random.Random(0), {}, [], port).frame(case, plain_only=True)
            return one(case)
        except (httpx.TransportError, OSError) as exc:
            local.client, previous = None, getattr(local, "last", 0)
            # uvicorn closes a connection after an app's exception (a 5xx already counted): the next request
            # on it fails at once.  Any other close of a kept-alive connection is a finding.
            if retry:
                again = one(case, retry=False)
                if again is not None and (previous >= 500 or again.error):
                    return again
                error = f"dropped: {type(exc).__name__} on a kept-alive connection (answered {again and again.status} on a new one)"
            else:
                error = "dropped: " + type(exc).__name__
        local.last = status or 0
        return Result(case, status, error, started, time.monotonic() - started)

    with ThreadPoolExecutor(jobs) as pool:
        return [r for r in pool.map(one, cases) if r is not None]


Snapshot = dict[str, tuple[int, str, str, list[Any]]]  # name -> (users, digest, how it was read, what was read)


def snapshot(client: httpx.Client, vendors: dict[str, Any]) -> Snapshot:
    """Per vendor (and admin): the users its read routes list, counted and digested."""
    out: Snapshot = {}

    def read(method: str, path: str, **options: Any) -> Any:  # a failed read is recorded, not raised
        try:
            answer = client.request(method, path, **options)
            return answer.json() if answer.status_code == 200 else {"status": answer.status_code, "text": answer.text[:300]}
        except (httpx.HTTPError, ValueError) as exc:
            return {"error": repr(exc)}

    def keep(name: str, rows: list[Any], via: str = "read routes") -> None:
        out[name] = (len(rows), hashlib.sha1(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:12], via, rows)

    for name, info in vendors.items():
        base, headers, rows = urlsplit(info["base_url"]).path, dict(info["headers"]), []
        if name == "vaultspay":
            page, pages = 1, 1
            while page <= pages:
                got = read("GET", f"{base}/as/api/v1/users", params={"page": page, "perPage": 100}, headers=headers)
                rows, pages, page = rows + got.get("data", [got]), got.get("pagination", {}).get("totalPages", 0), page + 1
        elif name == "payabli":
            for path in PAYABLI_LISTS:
                rows += read("GET", base + path, params={"limitRecord": 0}, headers=headers).get("Records", [path])
        elif name == "pulse":  # every account the fixture user belongs to
            accounts = [headers.get("x-account-id", "")]
            for account in accounts:
                listed = read("GET", f"{base}/users", headers={**headers, "x-account-id": account})
                listed = listed if isinstance(listed, list) else [listed]
                rows += [[account, user] for user in listed]
                accounts += [a["accountId"] for u in listed for a in u.get("accounts", []) if a["accountId"] not in accounts]
        elif name == "etelecom":
            after = "."
            while after:
                got = read("POST", f"{base}.Shop/GetAccountUsers", json={"paging": {"limit": 100, "after": after}}, headers=headers)
                rows += got.get("account_users", [got])
                after = got.get("paging", {}).get("next", "") if got.get("account_users") else ""
        else:  # no read route (Sabi): 2xx answers to its writes in the journal, every session
            journal = read("GET", "/__admin/requests", params={"vendor": name, "status": "2xx"})
            rows = [[e.get("operation"), e.get("status"), e.get("path"), str(e.get("body"))[:100]] for e in (journal if isinstance(journal, list) else [journal])]
            keep(name, [row for row in rows if not str(row[0]).startswith(("list_", "get_"))], "journal")
            continue
        keep(name, rows)
    scenarios = read("GET", "/__admin/scenarios")
    scenarios = [f"{s.get('name')}{' (active)' if s.get('active') else ''}" for s in scenarios] if isinstance(scenarios, list) else [scenarios]
    keep("admin", [*scenarios, read("GET", "/__admin/clock")], "scenarios, clock")
    return out


def changed(before: Snapshot, after: Snapshot) -> dict[str, str]:
    """Per name: "" when unchanged, else what is new or gone.  The journal only counts (evicted entries are no change)."""
    out = {}
    for name, (count, digest, via, rows) in before.items():
        new = after[name]
        old_rows, new_rows = ([json.dumps(r, default=str)[:160] for r in rs] for rs in (rows, new[3]))
        added, gone = [r for r in new_rows if r not in old_rows], [r for r in old_rows if r not in new_rows]
        moved = new[0] > count if via == "journal" else new[1] != digest
        out[name] = f"new: {' | '.join(added[:4])}; gone: {' | '.join(gone[:4])}" if moved else ""
    return out


def create_anchors(client: httpx.Client, vendors: dict[str, Any]) -> dict[str, int]:
    """One user per vendor from its create route's example: what strict cases duplicate."""
    statuses = {}
    for name, info in vendors.items():
        method, url = info["create_user"].split(" ", 1)
        headers = {"Content-Type": "application/json", **info["headers"]}
        statuses[name] = client.request(method, urlsplit(url).path, headers=headers, content=render(info.get("anchor"))).status_code
    return statuses


@dataclass
class Report:
    sent: int
    seconds: float
    groups: dict[str, Counter[str]]
    store: dict[str, str]  # name -> "yes (...)" or "NO (...)"
    store_changes: dict[str, str]  # name -> what is new or gone
    failures: list[dict[str, Any]]  # 5xx / hang / dropped per route, with the kinds of input and an example
    log: list[dict[str, Any]]  # Traceback/ERROR blocks, alike ones counted together, with the requests in flight
    anchors: dict[str, int]
    unrestored: list[str]  # vendors a real reset did not bring back to their fixtures
    uncovered: list[str]
    slowest: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.log and not any(self.store_changes.values()) and not self.unrestored

    def text(self) -> str:
        cols = ["requests", "2xx", "3xx", "4xx", "5xx", "none", "hangs", "dropped", "log", "max ms"]
        lines = [f"{self.sent} requests in {self.seconds:.1f} s", "", f"{'group':<10}" + "".join(f"{c:>9}" for c in cols) + "  store unchanged"]
        lines += [f"{g:<10}" + "".join(f"{s[c]:>9}" for c in cols) + "  " + self.store.get(g, "-") for g, s in self.groups.items()]
        lines += [f"  {name} store: {what}" for name, what in self.store_changes.items() if what]
        lines += ["", f"anchors created: {self.anchors}", f"reset restores the fixtures: {'NO: ' + ', '.join(self.unrestored) if self.unrestored else 'yes'}"]
        lines += ["routes never hit: " + ", ".join(self.uncovered)] if self.uncovered else []
        lines += ["slowest: " + s for s in self.slowest]
        for f in self.failures:
            kinds = ", ".join(f"{k} x{n}" for k, n in f["kinds"].most_common(6)) + (", ..." if len(f["kinds"]) > 6 else "")
            lines += ["", f"{f['what'].upper()} x{f['count']} on {f['route']}: {kinds}", *("    " + e for e in f["example"])]
        for block in self.log:
            lines += ["", f"SERVER LOG x{block['count']} ({block['lines']} lines):", *("    " + e for e in block["excerpt"]),
                      "  in flight (first time):", *("    " + c for c in block["in_flight"])]
        return "\n".join([*lines, "", "RESULT: " + ("OK" if self.ok else "FAILED")])


def describe(case: Case) -> list[str]:
    if case.raw is not None:
        return [f"raw bytes ({len(case.raw)}): {case.raw[:300]!r}"]
    heads = ", ".join(f"{k.decode('latin-1')}: {v[:60].decode('latin-1')}" for k, v in case.headers[:8])
    return [f"{case.method[:40]} {case.target[:200].decode('latin-1')}", f"headers: {heads}{' ...' if len(case.headers) > 8 else ''}",
            f"body ({len(case.body)} bytes): {case.body[:200]!r}"]


def log_blocks(log: list[tuple[float, str]]) -> list[tuple[float, list[str]]]:
    """The server's Traceback/ERROR lines, each with the traceback lines that follow it."""
    blocks: list[tuple[float, list[str]]] = []
    inside = False
    for stamp, line in log:
        if inside and (line[:1] in (" ", "\t", "") or line.startswith(("Traceback", "During handling", "The above"))
                       or re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt)\b", line)):
            blocks[-1][1].append(line)
        elif LOG_PROBLEM.search(line):
            blocks.append((stamp, [line]))
            inside = True
        else:
            inside = False
    return blocks


def summarise(results: list[Result], log: list[tuple[float, str]]) -> tuple[dict[str, Counter[str]], list[dict[str, Any]], list[dict[str, Any]]]:
    groups: dict[str, Counter[str]] = {}
    classes: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results:
        stats = groups.setdefault(r.case.group, Counter())
        stats["requests"] += 1
        stats[f"{r.status // 100}xx" if r.status else "none"] += 1
        if r.case.must_answer or r.status:  # framing junk the server rightly waits on is not slow
            stats["max ms"] = max(stats["max ms"], round(r.elapsed * 1000))
        what = f"status {r.status}" if r.status and r.status >= 500 else "hang" if r.error == "timeout" else "dropped" if r.error and r.case.must_answer else ""
        if what in ("hang", "dropped"):
            stats["hangs" if what == "hang" else "dropped"] += 1
        if what:  # one class per route and outcome: the kinds of input that got there, and the first example
            found = classes.setdefault((what, r.case.route), {"what": what, "route": r.case.route, "count": 0, "kinds": Counter(),
                                                              "example": [r.error, *describe(r.case)] if r.error else describe(r.case)})
            found["count"] += 1
            found["kinds"][r.case.kind] += 1
    blocks: dict[str, dict[str, Any]] = {}
    for stamp, lines in log_blocks(log):
        # In flight when the line was written, likeliest first: a 5xx, then the one that ended closest after it.
        flight = sorted((r for r in results if r.started - 0.05 <= stamp <= r.started + r.elapsed + 0.25),
                        key=lambda r: (not (r.status or 0) >= 500, abs(r.started + r.elapsed - stamp)))
        if flight:
            groups[flight[0].case.group]["log"] += 1
        signature = re.sub(r"^[\d:]+ ", "", lines[0]) + " / " + lines[-1][:200]
        block = blocks.setdefault(signature, {"count": 0, "lines": len(lines), "excerpt": lines if len(lines) <= 14 else lines[:6] + ["..."] + lines[-7:],
                                              "in_flight": [f"[{r.case.group}] {r.case.kind}: {describe(r.case)[0][:160]}" for r in flight[:5]]})
        block["count"] += 1
    return groups, sorted(classes.values(), key=lambda c: -c["count"]), list(blocks.values())


def fuzz(server: Server, count: int = 6000, seed: int = 1, only: str | None = None, jobs: int = 4,
         timeout: float = 10.0, max_seconds: float = 900.0) -> Report:
    """Discover, anchor, snapshot, fuzz, try reset, snapshot: the whole check against a started server."""
    with httpx.Client(base_url=server.base, timeout=30) as client:
        vendors, routes = discover(client)
        pristine = snapshot(client, vendors)
        anchors = create_anchors(client, vendors)
        before = snapshot(client, vendors)
        fuzzer = Fuzzer(random.Random(seed), vendors, routes, server.port)
        fuzzer.unanchored = {name for name, status in anchors.items() if not 200 <= status < 300}
        names = [g for g in [*vendors, "admin"] if only in (None, g)]
        cases = [fuzzer.case(names[i % len(names)]) for i in range(count)]
        started = time.monotonic()
        results = execute(cases, server.base, server.port, jobs, timeout, max_seconds)
        seconds = time.monotonic() - started
        # Reset was kept out of the mix: malformed resets first (they must change nothing), then a real one.
        resets = [Case("reset", "POST /__admin/reset", "reset variant", m, t, [], b"{]") for m, t in [
            ("GET", b"/__admin/reset"), ("PUT", b"/__admin/reset"), ("DELETE", b"/__admin/reset"),
            ("POST", b"/__admin/reset?session=fuzz-junk-%00%ff"), ("POST", b"/__admin/reset/"), ("POST", b"/__admin/RESET")]]
        results += execute(resets, server.base, server.port, 1, timeout, max_seconds)
        time.sleep(0.3)  # the last log lines
        after = snapshot(client, vendors)
        try:  # the clock outlives a reset by design (a change of it is reported above): put it back first
            client.post("/__admin/clock", json={"reset": True, "freeze": True})
            client.post("/__admin/reset")
        except httpx.HTTPError:
            pass  # the snapshot below says what is wrong
        # The scenario library outlives a reset by design too: only the vendors must be as they started.
        unrestored = [k for k, v in snapshot(client, vendors).items() if k != "admin" and v[:2] != pristine[k][:2]]
    groups, failures, blocks = summarise(results, list(server.log))
    moved = changed(before, after)
    store = {k: f"{'NO' if moved[k] else 'yes'} ({before[k][0]} -> {after[k][0]} via {before[k][2]})" for k in before if k in groups}
    hit = {r.case.route for r in results}
    uncovered = [f"{r.method} {r.path}" for r in routes if f"{r.method} {r.path}" not in hit and r.group in names]
    slowest = [f"{r.elapsed * 1000:.0f} ms [{r.case.group}] {r.case.kind}: {describe(r.case)[0][:100]}" for r in sorted(results, key=lambda r: -r.elapsed * (r.case.must_answer or bool(r.status)))[:5]]
    return Report(len(results), seconds, groups, store, {k: v for k, v in moved.items() if k in groups}, failures, blocks, anchors,
                  unrestored, uncovered, slowest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=6000, help="requests to send (default 6000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the cases and of the server (default 1)")
    parser.add_argument("--only", choices=[*VENDORS, "admin"], help="fuzz one vendor, or the admin API, only")
    parser.add_argument("--jobs", type=int, default=4, help="connections in parallel (default 4)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a request counts as a hang (default 10)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop sending after this long (default 900)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    with Server(args.seed) as server:
        report = fuzz(server, args.count, args.seed, args.only, args.jobs, args.timeout, args.max_seconds)
    print(report.text())
    if args.json:
        args.json.write_text(json.dumps({**asdict(report), "ok": report.ok}, indent=2, default=str))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
