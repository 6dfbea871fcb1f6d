"""The malformed requests of tools/fuzz.py: routes read from the server, seeded cases refused by construction.

Every case is one request a vendor (or the admin API) must refuse: see tools/fuzz.py for why the store cannot
change.  ``Fuzzer(rng, vendors, routes, port).case(group)`` draws one: a family (body, header, path, method,
query, raw framing), then the mutation; ``frame`` writes a case as raw bytes with its framing broken.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from mockserver import vendors as registry

VENDORS = registry.NAMES  # tools/fuzz.py puts this checkout first on sys.path
ID_KEYS = {"id", "userId", "user_id"}
MISSING_ID, MISSING_EMAIL = "987654321", "nobody@fuzz.invalid"  # no fixture or seed makes these
ADMIN = [("GET", "/__admin/vendors"), ("GET", "/__admin/health"), ("GET", "/__admin/clock"), ("POST", "/__admin/clock"),
         ("GET", "/__admin/scenarios"), ("POST", "/__admin/scenarios"), ("POST", "/__admin/scenarios/{name}/{action}"),
         ("GET", "/__admin/requests"), ("DELETE", "/__admin/requests"), ("POST", "/__admin/requests/count"),
         ("GET", "/__admin/fidelity"), ("GET", "/__admin/openapi/{vendor}.json")]  # reset: tried apart, at the end
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


WRONG: list[Any] = [
    None, True, False, 0, -1, 1.5, 2**63, -(2**63) - 1, 10**30, Raw(b"1e400"), Raw(b"-1e400"), Raw(b"1e-400"), Raw(b"NaN"),
    Raw(b"Infinity"), Raw(b"-0"), Raw(b"0x10"), Raw(b"01"), Raw(b"1."), Raw(b"+1"), Raw(b"9" * 5000), "", " ", "\t\n", "A" * 10_000,
    "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "\U0001d518\u00f1\u202e\u200b", "\ufeff", Raw(b'"\xff\xfe"'), Raw(b'"\xc0\x80"'),
    Raw(b'"\xed\xa0\x80"'), Raw(b'"\x00"'), Raw(b'"\\u12"'), Raw(b'"\\x41"'), [], {}, [None], [[[]]], {"$gt": ""}, nest(500),
    nest(500, b'"\\ud800"'), nest(600, b"1e400", "{"), "'; DROP TABLE users; --", "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "%s%n%x",
    "../../etc/passwd", "a@b", "1"]
PROTECTED_WRONG = [True, False, [], {}, {"a": 1}, nest(50, b"true"), nest(700, b'"\\ud800"')]  # never a string, never absent
GARBAGE_AUTH = ["", " ", "Bearer", "Bearer ", "Bearer  ", "Basic Zm9vOmJhcg==", "Bearer a.b.c", "Bearer " + "A" * 9000, "null",
                "Bearer \u00e9\u00ff", "Bearer eyJ.eyJ.", "undefined", "Bearer Bearer x", "Token x", "\u00ff" * 40, "Bearer ..",
                "Bearer a:b", "1150482016510394500:", ":" * 50, "0", "-1", "99999999999999999999999"]
CONTENT_TYPES = ["", "application/json", "application/json; charset=utf-8", "application/json; charset=latin-1", "text/plain",
                 "application/json; charset=utf-16", "application/x-www-form-urlencoded", "multipart/form-data", "*/*",
                 "multipart/form-data; boundary=", "application/xml", "application/json, text/html", "APPLICATION/JSON",
                 "application/vnd.api+json", "\x7f", "a" * 10_000, "application/json;;;;", "; charset=", "applicati\u00f3n/json"]
JUNK = ["", "x", "%00", "\u00e9", "A" * 3000, "../../..", "-1", "0", "1e3", "99999999999999999999999", "null", "{}", "[]",
        "\U0001f600", "a b", "'\"<>", ";", "%", "%zz", "%ff%fe"]
SCENARIO_JUNK = [
    b"name: [unclosed", b"\tname: x\n", b":::", b"- - - -", b"name: x\n  bad: indent\n rules: 1", b"\x00\x01\x02", b"\xff\xfe\x00n\x00a",
    b"name: x\x07\nrules: []", b'{"name": "fuzz-a", "rules": "notalist"}', b"name: fuzz-b\nrules: [{match: {vendor: nope}}]",
    b"name: fuzz-c\nrules: [{match: {vendor: V~}}]", b"name: fuzz-d\nrules: [{match: {vendor: V, path: '('}}]",
    b"name: fuzz-e\nrules: [{match: {vendor: V, body_matches: {a: '[z-a]'}}}]",
    b"name: fuzz-f\nrules: [{match: {vendor: V}, respond: {status: 99}}]",
    b"name: fuzz-g\nrules: [{match: {vendor: V}, respond: {status: 600}}]",
    b"name: fuzz-h\nrules: [{match: {vendor: V, nth: 0}, delay: -1}]",
    b"name: fuzz-i\nrules: [{match: {vendor: V, probability: 2}, fault: bogus}]",
    b"name: fuzz-j\nrules: [{match: {vendor: V, operation: nope}, respond: {error: NOPE}}]",
    b"name: fuzz-k\nrules: [{match: {vendor: V}, delay: 1e400}]", b"name: fuzz-q\nrules: [{match: {vendor: V, probability: .nan}}]",
    b"name: fuzz-w\nrules: [{match: {vendor: V}, delay: .nan}]", b"name: fuzz-x\nrules: [{match: {vendor: V}, delay: {uniform: [0, .inf]}}]",
    b"name: fuzz-y\nrules: [{match: {vendor: V}, fault: {slow_body: {chunk: 1, interval_ms: .inf}}}]",
    b"name: !!python/object/apply:os.getpid []", b"name: fuzz-l\nx: &a [*a]\nrules: []", b"? [1, 2]\n: 3", b"name: fuzz-m\n---\nname: n",
    b"[" * 5000 + b"]" * 5000, b"a: " + b"{b: " * 3000 + b"1" + b"}" * 3000, b"name: " + b"x" * 2_000_000, b"\xef\xbb\xbfname: [",
    b'name: "\\ud800"', b"name: fuzz-r\nrules: [{match: {vendor: V}, extra: 1}]",
    # framing no response may have (204 with a body, 1xx, a second content-length, CR/LF in a value); never activated here
    b"name: fuzz-s\nrules: [{match: {vendor: V}, respond: {status: 204, body: {a: 1}}}]",
    b"name: fuzz-t\nrules: [{match: {vendor: V}, respond: {status: 101}}]",
    b"name: fuzz-u\nrules: [{match: {vendor: V}, respond: {status: 200, headers: {content-length: '5'}}}]",
    b'name: fuzz-v\nrules: [{match: {vendor: V}, respond: {status: 200, headers: {x-a: "a\\r\\nb: c"}}}]']


def _with_vendors(docs: list[bytes]) -> list[bytes]:
    """``vendor: V`` made a registered vendor (the documents take turns), ``V~`` one misspelt (its last letter doubled)."""
    out = []
    for i, doc in enumerate(docs):
        name = VENDORS[i % len(VENDORS)].encode()
        out.append(doc.replace(b"vendor: V~", b"vendor: " + name + name[-1:]).replace(b"vendor: V", b"vendor: " + name))
    return out


SCENARIO_JUNK = _with_vendors(SCENARIO_JUNK)
CLOCK_JUNK = [{"advance": "bogus"}, {"advance": ""}, {"advance": []}, {"advance": {}}, {"advance": Raw(b"1e400")}, {"advance": "P"},
              {"advance": "PT"}, {"advance": "\ud800"}, {"set": "not a date"}, {"set": ""}, {"set": "2026-13-45T25:61:61Z"},
              {"set": Raw(b"1e400")}, {"set": [1]}, {"set": "9" * 400}, {"freeze": False, "advance": "bogus"}, {"frezee": True},
              {"reset": True, "set": "garbage"}, {"advance ": 1}, {"set": None}, {"advance": None}, {"advance": Raw(b"NaN")},
              {"set": "\x00"}, {"advance": Raw(b"9" * 5000)}]


def alias_bomb(levels: int = 6, width: int = 6) -> bytes:
    """A small 'billion laughs': width**levels strings once expanded (46,656), in a document refused anyway."""
    refs = [b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * width) + b"]" for i in range(1, levels + 1)]
    return b"\n".join([b"name: fuzz-bomb", b"rules: 1", b'a0: &a0 ["lol"]', *refs])


@dataclass
class Route:
    group: str
    method: str
    path: str  # absolute template, e.g. /<vendor>/users/{id}
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
                    required = schema.get("required", list(schema.get("properties", {})))
                    base = {k: _filler(k, v) for k, v in schema.get("properties", {}).items() if k in required}
                known: Any = info.get("login") or base
                if login == mount + path and isinstance(known, dict):  # the real login body with its secret made wrong
                    base = {k: "wrong-" + str(v)[::-1] if re.search("secret|pass|pwd", k, re.I) else v for k, v in known.items()}
                if operation == "create_user":
                    info["anchor"] = base
                query = {p["name"]: "fuzz" for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}
                unique = registry.load(name).unique_fields or set(base or {})  # the class declares them; none: every key
                protected = frozenset(unique | ID_KEYS) if writes else frozenset()
                routes.append(Route(name, method.upper(), mount + path, bool(op.get("security")), writes, base, schema, protected, query))
    count = {"vendor": VENDORS[0], "operation": "create_user", "body": {"status": "PENDING"}}
    for method, path in ADMIN:
        writes = method == "DELETE" or (path in ("/__admin/clock", "/__admin/scenarios") and method == "POST") or "{action}" in path
        routes.append(Route("admin", method, path, False, writes, count if path.endswith("count") else None))
    return vendors, routes


def _filler(name: str, prop: dict[str, Any]) -> Any:
    if name in ID_KEYS or prop.get("type") == "integer":
        return int(MISSING_ID)
    return prop["enum"][0] if prop.get("enum") else {"array": [], "object": {}, "boolean": False}.get(prop.get("type", ""), "fuzz")


class Fuzzer:
    """Seeded cases, each refused by construction (see the module docstring)."""

    def __init__(self, rng: random.Random, vendors: dict[str, Any], routes: list[Route], port: int) -> None:
        self.rng, self.vendors, self.port = rng, vendors, port
        self.unanchored: set[str] = set()  # vendors whose anchor create failed: no valid credentials for them
        self.by_group: dict[str, list[Route]] = {}
        for route in routes:
            self.by_group.setdefault(route.group, []).append(route)

    def case(self, group: str) -> Case:
        rng = self.rng
        route = rng.choice(self.by_group[group])
        family = rng.choices(["body", "header", "path", "method", "query", "raw"], [40, 18, 14, 7, 6, 15])[0]
        valid = rng.random() < 0.6 and family != "method" and route.group not in self.unanchored
        headers, valid, hkind = self._headers(route, valid, family == "header")
        strict = family == "method" or (route.writes and ((valid and route.auth) or route.base is None))
        body, bkind, ctype = self._body(route, strict, family in ("body", "raw", "method"))
        if ctype is not None:  # b"": no Content-Type at all
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"] + ([(b"Content-Type", ctype)] if ctype else [])
        method = route.method if family != "method" else rng.choice(
            ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO", "M-SEARCH", "get", "Post", "X" * 300])
        target, pkind = self._target(route, family)
        if method == "DELETE" and b"/__admin/requests" in target:  # never the whole journal (a "#" would hide a query)
            target = b"/__admin/requests?session=fuzz-junk-" + str(rng.random()).encode()
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
            token, pick = dict(pairs)[auth[0]], rng.randrange(4)
            value = [None, rng.choice(GARBAGE_AUTH).encode("utf-8"), token + b"x", token[: len(token) // 2]][pick]
            pairs = [(k, v) for k, v in pairs if k != auth[0]] + ([(auth[0], value)] if value is not None else [])
            kind = ["credentials absent", "credentials garbage", "credentials + suffix", "credentials truncated"][pick]
        valid, present = valid or not auth, sorted(set(auth) & set(dict(pairs)))
        if not fuzz:
            return pairs, valid, kind
        junk: Callable[[], bytes] = lambda: rng.choice(JUNK).encode("utf-8")  # noqa: E731
        extras: list[tuple[str, Callable[[], Headers]]] = [
            ("X-Mock-Scenario garbage", lambda: [(b"X-Mock-Scenario", junk() + b"zz")]),
            ("X-Mock-Error garbage", lambda: [(b"X-Mock-Error", junk() + b"zz")]),
            ("many headers", lambda: [(b"X-Fuzz-%d" % i, b"v" * rng.randrange(50)) for i in range(rng.choice([100, 500]))]),
            ("very long header", lambda: [(b"X-Long", b"a" * rng.choice([8_000, 65_000]))]),
            ("standard header garbage", lambda: [(rng.choice([b"Host", b"Origin", b"Referer", b"Sec-Fetch-Site", b"Cookie", b"Accept",
                                                              b"Range", b"Content-Encoding", b"Forwarded"]), junk() or b"\xff")]),
            ("unicode header value", lambda: [(b"X-Unicode", "\u00e9\U0001f600\u202e".encode("utf-8"))]),
            ("odd header name, empty value", lambda: [(b"X-!#$%&'*+-.^_`|~", b"")])]
        pick = rng.randrange(len(extras) + 3)
        if pick < len(extras):
            kind, make = extras[pick]
            return pairs + make(), valid, kind
        if pick == len(extras) and present:  # variants that may still be accepted: validity stays as it was
            name = rng.choice(present)
            value = dict(pairs)[name]
            pairs = [(k, v) for k, v in pairs if k != name] + rng.choice(
                [[(name.upper(), value)], [(name, value + b" ")], [(name, value.replace(b"Bearer", b"bearer"))],
                 [(name, value), (name, b"garbage")], [(name, b"garbage"), (name, value)]])
            return pairs, valid, "credential header variant"
        # A test session gets its own copy of the fixtures (a create there would count): never with credentials.
        session = (b"X-Mock-Session", rng.choice(JUNK[1:]).encode("utf-8") + b"-fuzz")
        return [(k, v) for k, v in pairs if k not in auth] + [session], False, "X-Mock-Session garbage (no credentials)"

    def _body(self, route: Route, strict: bool, fuzz: bool) -> tuple[bytes, str, bytes | None]:
        rng = self.rng
        ctype = rng.choice(CONTENT_TYPES).encode("utf-8") if fuzz and rng.random() < 0.25 else None
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
        text, depth = render(base if base is not None else {"a": 1}), rng.choice([500, 2000, 20000])
        at = 1 if strict else None  # lenient decoders (Node, Go) replace invalid UTF-8 inside strings: under strict, outside them
        options: list[tuple[str, Callable[[], bytes]]] = [
            ("empty", lambda: b""), ("null", lambda: b"null"), ("scalar", lambda: rng.choice([b"true", b"0", b'"x"', b"1e400"])),
            ("array instead of object", lambda: b"[" + text + b"]"), ("truncated JSON", lambda: text[: rng.randrange(len(text))]),
            ("trailing garbage", lambda: text + b"garbage"), ("two objects", lambda: text + text), ("BOM", lambda: b"\xef\xbb\xbf" + text),
            ("UTF-16", lambda: text.decode("utf-8", "replace").encode("utf-16")), ("raw NUL", lambda: _insert(rng, text, b"\x00", at)),
            ("invalid UTF-8", lambda: _insert(rng, text, b"\xff\xfe\xc0", at)), ("random bytes", lambda: rng.randbytes(rng.randrange(1, 300))),
            (f"deep [ unclosed {depth}", lambda: b"[" * depth), (f"deep [] {depth}", lambda: nest(depth).data),
            (f"deep {{ {depth}", lambda: nest(depth, b"1", "{").data), (f"deep + lone surrogate {depth}", lambda: nest(depth, b'"\\ud800"').data),
            ("single quotes", lambda: b"{'a': 1}"), ("JSON5", lambda: b"{a:1,}"), ("comment", lambda: b"/* x */" + text),
            ("1 MiB + 1", lambda: b'["' + b"a" * (1 << 20) + b'"]'), ("unclosed string", lambda: b'{"a": "' + b"b" * 5000)]
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
                  "vendor": rng.choice([*VENDORS, "nope", VENDORS[0].upper()])}  # never a real scenario: it would be activated
        path = re.sub(r"\{(\w+)\}", lambda m: params.get(m.group(1)) or (MISSING_EMAIL if "mail" in m.group(1) else MISSING_ID), route.path)
        query = dict(route.query)
        if route.path == "/__admin/requests":  # no limit: the whole journal, seconds long (the journal's size is issue 12's too)
            query["limit"] = rng.choice(["5", "50", "abc", "-1", "1e3", "1"])
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
                ("matrix/fragment", lambda: target + rng.choice([b";jsessionid=x", b"#frag", b"\\..\\", b"/*"]))])
            target = make()
        if family == "query":
            extra = rng.choice([b"a", b"=&&=", b"%", b"x=" + b"y" * 5000, b"page=-1&perPage=abc", b"&" * 3000, b"a=%ff%fe", b"a=1&a=2&a=3",
                                b"limitRecord=-99999999999999999999&fromRecord=x", b"email(eq)=%00", b"status=9xx&limit=2",
                                b"session=" + rng.choice(JUNK).encode("utf-8"), b"sortBy=" + b"(" * 100])
            return target + b"?" + (urlencode(query).encode() + b"&" if query else b"") + extra, "query junk"
        return target + (b"?" + urlencode(query).encode() if query else b""), kind

    def frame(self, case: Case, plain_only: bool = False) -> None:
        """The case as raw bytes, its framing broken in one of many ways."""
        rng, body, target, method = self.rng, case.body, case.target, case.method.encode("utf-8")
        host = b"Host: 127.0.0.1:%d\r\n" % self.port
        head = method + b" " + target + b" HTTP/1.1\r\n" + host + b"".join(k + b": " + v + b"\r\n" for k, v in case.headers if k.lower() != b"host")
        te = head + b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
        plain = head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        length = b"Length: %d" % len(body)

        def chunked(stop: bytes = b"0\r\n\r\n") -> bytes:
            out, rest = b"", body
            while rest:
                n = rng.randint(1, len(rest))
                out, rest = out + b"%x\r\n" % n + rest[:n] + b"\r\n", rest[n:]
            return out + stop

        def with_header(line: bytes) -> bytes:
            return plain.replace(b"\r\n\r\n", b"\r\n" + line + b"\r\n\r\n") + body

        def swap(old: bytes, new: bytes) -> bytes:
            return plain.replace(old, new, 1) + body

        def upgrade(to: bytes) -> bytes:
            return b"GET " + head.split(b" ", 1)[1] + b"Connection: Upgrade\r\nUpgrade: " + to + b"\r\n\r\n"

        options: list[tuple[str, bool, Callable[[], bytes]]] = [
            ("raw plain", True, lambda: plain + body), ("chunked", True, lambda: te + chunked()),
            ("pipelined pair", True, lambda: plain.replace(b"Connection: close\r\n", b"") + body + plain + body),
            ("Expect: 100-continue", True, lambda: with_header(b"Expect: 100-continue")),
            ("HTTP/1.0", True, lambda: swap(b" HTTP/1.1\r\n", b" HTTP/1.0\r\n")),
            ("Content-Length short", False, lambda: swap(length, b"Length: %d" % (len(body) // 2))),
            ("Content-Length long", False, lambda: swap(length, b"Length: %d" % (len(body) + 10))),
            ("Content-Length junk", False, lambda: swap(length, b"Length: " + rng.choice([b"-1", b"abc", b"9" * 20, b"+5", b"0x10", b"1, 2"]))),
            ("two Content-Lengths", False, lambda: with_header(b"Content-Length: 1")),
            ("chunked + Content-Length", False, lambda: te.replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\n\r\n") + chunked()),
            ("bad chunk size", False, lambda: te + rng.choice([b"zz\r\n", b"f" * 20 + b"\r\n", b"-1\r\n", b"5;" + b"e" * 9000 + b"\r\n"])),
            ("chunked, no last chunk", False, lambda: te + chunked(b"")),
            ("Transfer-Encoding junk", False, lambda: te.replace(b"chunked", rng.choice([b"gzip, chunked", b"chunked, x", b"\xff"])) + chunked()),
            ("header without colon", False, lambda: with_header(b"NoColonHere")), ("obs-fold", False, lambda: with_header(b"X-A: a\r\n  folded")),
            ("bare LF", False, lambda: plain.replace(b"\r\n", b"\n") + body), ("bare CR", False, lambda: plain.replace(b"\r\n", b"\r", 2) + body),
            ("NUL in header", False, lambda: with_header(b"X-A: a\x00b")), ("space before colon", False, lambda: with_header(b"X-A : b")),
            ("non-ASCII header name", False, lambda: with_header("X-\u00e9: b".encode())),
            ("two Hosts", False, lambda: with_header(b"Host: evil.example")),
            ("no Host", False, lambda: swap(host, b"")), ("asterisk target", False, lambda: swap(target, b"*")),
            ("absolute-form target", False, lambda: swap(target, b"http://127.0.0.1:%d" % self.port + target)),
            ("target without /", False, lambda: swap(target, target.lstrip(b"/"))),
            ("space/tab/raw bytes in target", False, lambda: swap(target, target + rng.choice([b" x", b"\tx", b"\x7f\xff", b"\x00"]))),
            ("odd method token", False, lambda: swap(method, rng.choice([b"G@T", b"", b"GET GET", b"\xff"]))),
            ("odd version", False, lambda: swap(b" HTTP/1.1\r\n", rng.choice([b" http/1.1\r\n", b" HTTP/3.0\r\n", b" HTTP/1.1x\r\n", b"\r\n"]))),
            ("very long request line", False, lambda: swap(target, target + b"?" + b"q" * 100_000)),
            ("1 MB header", False, lambda: with_header(b"X-Big: " + b"b" * 1_000_000)),
            # Upgrades as browsers and h2c clients send them: a GET without a body.
            ("WebSocket upgrade", False, lambda: upgrade(b"websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==")),
            ("h2c upgrade", False, lambda: upgrade(b"h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__")),
            ("HTTP/2 preface", False, lambda: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + rng.randbytes(30)),
            ("TLS ClientHello", False, lambda: bytes.fromhex("16030100a5010000a10303") + rng.randbytes(120)),
            ("random bytes", False, lambda: rng.randbytes(rng.randrange(1, 2000)))]
        kind, must, make = options[0] if plain_only else rng.choices(options, [12] * 5 + [1] * (len(options) - 5))[0]
        if kind == "1 MB header" and rng.random() < 0.7:  # costly: rarer
            kind, must, make = options[0]
        case.raw, case.must_answer, case.kind = make(), must, f"raw {kind} / {case.kind}"


def _insert(rng: random.Random, text: bytes, what: bytes, at: int | None = None) -> bytes:
    at = rng.randrange(len(text) + 1) if at is None else at
    return text[:at] + what + text[at:]


def _misspell(rng: random.Random, key: str) -> str:
    i = rng.randrange(len(key))
    wrong = rng.choice([key[:i] + key[i + 1:], key[:i] + key[i] * 2 + key[i + 1:], key + "_", "_" + key, key.replace("_", "-") + "x"])
    return wrong if wrong and wrong.lower() != key.lower() else key + "zz"  # never the key itself, in any case
