"""Hostile and careless scenario documents, admin bodies and admin inputs: a clear 4xx or one line, never a 500.

Covers issue 12's findings on scenarios: the YAML alias bomb, responses that
break HTTP framing, invalid regular expressions, unbounded admin bodies,
misspelt vendors, .json files, silent overrides, and the admin backstop.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import Runtime
from mockserver.config import Config
from mockserver.core.admin import MAX_BODY, build_admin
from mockserver.core.fixtures import FixtureError
from tests.conftest import vendor_client_fixture
from tests.core.samples import CREATE_BODIES

client, _reset = vendor_client_fixture()  # every vendor, reset before each test

VP = "/vaultspay/as/api/v1/users"
KNOWN = "known: vaultspay, payabli, sabi, pulse, etelecom"


def post_scenario(client: TestClient, doc: str | bytes) -> tuple[int, dict[str, Any]]:
    response = client.post("/__admin/scenarios", content=doc)
    assert response.headers["content-type"] == "application/json", response.text
    return response.status_code, response.json()


def refused(client: TestClient, doc: str | bytes) -> str:
    """The one-line 400 error of an admin scenario POST."""
    status, body = post_scenario(client, doc)
    assert (status, list(body)) == (400, ["error"]), body
    assert "\n" not in body["error"], body["error"]
    return str(body["error"])


def explicit(respond: str) -> str:
    return f"name: x\nrules:\n  - match: {{vendor: vaultspay}}\n    respond: {respond}\n"


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "mine"
    directory.mkdir()
    return directory


# ------------------------------------------------------------------ YAML bombs
def laughs(levels: int) -> str:
    """The classic alias bomb: 9**levels strings from a few hundred bytes."""
    lines = ['        l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"        l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    head = "name: laughs\nrules:\n  - match: {vendor: vaultspay}\n    respond:\n      status: 200\n      body:\n"
    return head + "\n".join(lines) + "\n"


def test_alias_bomb_posted_is_refused_at_once_with_its_line(client: TestClient) -> None:
    doc = laughs(6)  # 9**6 = 531,441 strings on main (kept small so main fails fast rather than swapping)
    started = time.perf_counter()
    error = refused(client, doc)
    assert error == "POST /__admin/scenarios:8: YAML aliases (*l0) are not allowed: write the value out"
    # Refused at the first alias, before anything is built: well under the 4.8 s the
    # 613-byte bomb took (generous for a loaded 2-core machine).
    assert time.perf_counter() - started < 1.0
    assert "laughs" not in [s["name"] for s in client.get("/__admin/scenarios").json()]


def test_alias_bomb_in_a_file_stops_start_with_one_line(scenario_dir: Path) -> None:
    (scenario_dir / "laughs.yaml").write_text(laughs(6))
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(scenarios=scenario_dir))
    assert str(caught.value) == f"{scenario_dir / 'laughs.yaml'}:8: YAML aliases (*l0) are not allowed: write the value out"


def test_fixture_files_keep_anchors_but_their_expansion_is_bounded(tmp_path: Path) -> None:
    from mockserver.core.fixtures import MAX_NODES, parse_yaml

    data, _ = parse_yaml("a: &x {k: 1}\nb: *x\n", "f.yaml", aliases=True)
    assert data == {"a": {"k": 1}, "b": {"k": 1}}
    with pytest.raises(FixtureError) as caught:
        parse_yaml(laughs(8), "f.yaml", aliases=True)
    assert str(caught.value).endswith(f"the document expands to more than {MAX_NODES:,} values (aliases)")
    with pytest.raises(FixtureError, match=r"^f.yaml:1: alias \*x refers to a node that contains it \(a cycle\)$"):
        parse_yaml("a: &x [1, *x]\n", "f.yaml", aliases=True)


def test_deep_nesting_is_refused_not_a_crash(client: TestClient) -> None:
    # 100,000 levels crash libyaml's composer (a segfault on main): run it where a crash cannot take pytest down.
    code = (
        "from mockserver.core.fixtures import parse_yaml, FixtureError\n"
        "try:\n    parse_yaml('[' * 100000 + ']' * 100000, 'doc')\n"
        "except FixtureError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "doc:1: nested more than 64 levels deep\n", "")
    assert refused(client, explicit("{status: 200, body: " + "[" * 70 + "]" * 70 + "}")).endswith(": nested more than 64 levels deep")


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        ("name: x\nname: y\nrules: []\n", "POST /__admin/scenarios:2: key 'name' appears twice in one mapping"),
        (explicit("{status: 200}\n    respond: {status: 201}"), "POST /__admin/scenarios:5: key 'respond' appears twice in one mapping"),
        ('{"name": "x", "name": "y"}', "POST /__admin/scenarios:1: key 'name' appears twice in one mapping"),
        ("name: x\ndescription: 2024-13-45\n", "POST /__admin/scenarios: not valid YAML/JSON: a value cannot be read: month must be in 1..12"),
        ("name: x\ndescription: !!int nope\n", "POST /__admin/scenarios: not valid YAML/JSON: a value cannot be read: invalid literal for int() with base 10: 'nope'"),
        ("name: x\ndescription: " + "9" * 5000 + "\n", "POST /__admin/scenarios: not valid YAML/JSON: a value cannot be read: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"),
        (b"name: x\n\ndescription: caf\xe9\n", "POST /__admin/scenarios:3: not UTF-8 text (byte 0xe9 at offset 25)"),
        ("name: x\ndescription: \x01\n", "POST /__admin/scenarios:2: not valid YAML/JSON: unacceptable character #x0001: control characters are not allowed"),
    ],
)
def test_unreadable_documents_are_one_line_400s(client: TestClient, doc: str | bytes, error: str) -> None:
    assert refused(client, doc) == error


# ------------------------------------------------------------- admin body cap
def test_admin_body_over_the_cap_is_413(client: TestClient) -> None:
    response = client.post("/__admin/scenarios", content=b"#" * (MAX_BODY + 1))
    assert (response.status_code, response.json()) == (413, {"error": f"request body of {MAX_BODY + 1} bytes is over the admin limit of {MAX_BODY} bytes"})
    assert response.headers["connection"] == "close"  # the rest of a huge body is not read to keep the connection
    response = client.post("/__admin/clock", content=b" " * (MAX_BODY + 1))
    assert response.status_code == 413
    assert client.post("/__admin/scenarios", content=b"#" * MAX_BODY).status_code == 400  # at the cap: read, then refused as YAML


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"localhost"), *headers], "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080),
    }


def _run_admin(scope: dict[str, Any], chunks: Iterator[bytes]) -> tuple[int, bytes, int]:
    """(status, body, receive calls) of one admin request driven straight through ASGI."""
    app = build_admin(Runtime(Config(vendors=("vaultspay",))))
    sent: list[dict[str, Any]] = []
    calls = 0

    async def receive() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        chunk = next(chunks, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:]), calls


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    def never() -> Iterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    status, body, calls = _run_admin(_scope("/__admin/scenarios", [(b"content-length", b"10000000000")]), never())
    assert (status, body, calls) == (413, b'{"error":"request body of 10000000000 bytes is over the admin limit of 1048576 bytes"}', 0)


def test_a_long_chunked_body_is_read_only_to_the_cap() -> None:
    # 32 MiB offered (finite, so that main, which buffers it all, fails rather than exhausts memory).
    long = (b"x" * 65536 for _ in range(512))
    status, body, calls = _run_admin(_scope("/__admin/scenarios", [(b"transfer-encoding", b"chunked")]), long)
    assert (status, body) == (413, b'{"error":"request body is over the admin limit of 1048576 bytes"}')
    assert calls == MAX_BODY // 65536 + 1


# ------------------------------------------------------------ HTTP framing
@pytest.mark.parametrize(
    ("respond", "error"),
    [
        ("{status: 204, body: {a: 1}}", ":4: rules.0.respond: a 204 response has no body: remove respond.body"),
        ("{status: 304, body: ''}", ":4: rules.0.respond: a 304 response has no body: remove respond.body"),
        ("{status: 101}", ":4: rules.0.respond.status: status 101 is not a final HTTP status (200-599)"),
        ("{status: 199}", ":4: rules.0.respond.status: status 199 is not a final HTTP status (200-599)"),
        ("{status: 600}", ":4: rules.0.respond.status: status 600 is not a final HTTP status (200-599)"),
        ("{status: 200, headers: {'Bad Name': x}}",
         ":4: rules.0.respond.headers.Bad Name.[key]: header name 'Bad Name' is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"),
        ("{status: 200, headers: {'x-a:': x}}",
         ":4: rules.0.respond.headers.x-a:.[key]: header name 'x-a:' is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"),
        ('{status: 200, headers: {x-a: "1\\r\\nx-injected: 1"}}',
         ":4: rules.0.respond.headers.x-a: header value holds '\\r': only visible ASCII, space and tab can be sent (no CR, LF, NUL or other control characters)"),
        ('{status: 200, headers: {x-a: "a\\0b"}}',
         ":4: rules.0.respond.headers.x-a: header value holds '\\x00': only visible ASCII, space and tab can be sent (no CR, LF, NUL or other control characters)"),
        ('{status: 200, headers: {x-a: "a\\x7f"}}',
         ":4: rules.0.respond.headers.x-a: header value holds '\\x7f': only visible ASCII, space and tab can be sent (no CR, LF, NUL or other control characters)"),
        ('{status: 200, headers: {x-a: "café"}}',
         ":4: rules.0.respond.headers.x-a: header value holds 'é': only visible ASCII, space and tab can be sent (no CR, LF, NUL or other control characters)"),
        ("{status: 200, headers: {X-Retry: '1', x-retry: '2'}}",
         ":4: rules.0.respond.headers: header 'x-retry' is given twice (also as 'X-Retry'; names ignore case)"),
        ("{status: 200, headers: {Content-Length: '5'}}",
         ":4: rules.0.respond.headers.Content-Length.[key]: header 'Content-Length' is set by the server; a scenario cannot send its own"),
        ("{status: 200, headers: {transfer-encoding: chunked}}",
         ":4: rules.0.respond.headers.transfer-encoding.[key]: header 'transfer-encoding' is set by the server; a scenario cannot send its own"),
        ("{status: 200, headers: {Connection: close}}",
         ":4: rules.0.respond.headers.Connection.[key]: header 'Connection' is set by the server; a scenario cannot send its own"),
        ("{status: 200, headers: {content-type: text/html}}",
         ":4: rules.0.respond.headers.content-type.[key]: header 'content-type' is set by the server; a scenario cannot send its own"),
        ("{status: 200, body: {1: one}}", ":4: rules.0.respond.body: cannot be sent as JSON: Dict key must be str"),
        ("{status: 200, body: {id: 99999999999999999999}}", ":4: rules.0.respond.body: cannot be sent as JSON: Integer exceeds 64-bit range"),
        ("{status: 200, body: !!set {a}}", ":4: rules.0.respond.body: cannot be sent as JSON: Type is not JSON serializable: set"),
    ],
)
def test_responses_that_would_break_framing_are_refused_naming_the_field(client: TestClient, respond: str, error: str) -> None:
    assert refused(client, explicit(respond)) == "POST /__admin/scenarios" + error


def test_the_same_checks_stop_a_scenario_file(scenario_dir: Path) -> None:
    (scenario_dir / "bad.yaml").write_text(explicit("{status: 200, headers: {content-length: '0', Content-Length: '9'}}"))
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(scenarios=scenario_dir))
    assert str(caught.value) == (
        f"{scenario_dir / 'bad.yaml'}:4: rules.0.respond.headers.content-length.[key]: header 'content-length' is set by the server; a scenario cannot send its own\n"
        f"{scenario_dir / 'bad.yaml'}:4: rules.0.respond.headers.Content-Length.[key]: header 'Content-Length' is set by the server; a scenario cannot send its own"
    )


def test_a_valid_explicit_response_still_goes_out_whole(client: TestClient) -> None:
    headers = client.get("/__admin/vendors").json()["vaultspay"]["headers"]
    status, _ = post_scenario(client, explicit("{status: 503, body: {busy: true}, headers: {Retry-After: '2', x-note: 'tab\tand ~!'}}"))
    assert status == 201
    assert client.post("/__admin/scenarios/x/activate").status_code == 200
    response = client.post(VP, json=CREATE_BODIES["vaultspay"], headers=headers)
    assert (response.status_code, response.json(), response.headers["retry-after"]) == (503, {"busy": True}, "2")
    assert response.headers["x-note"] == "tab\tand ~!"
    status, _ = post_scenario(client, "name: empty\nrules:\n  - match: {vendor: vaultspay}\n    respond: {status: 204}\n")
    assert status == 201  # no body: a 204 is fine


@pytest.mark.parametrize(
    ("delay", "error"),
    [
        ("delay: .inf", "rules.0.delay: Input should be a finite number"),
        ("delay: .nan", "rules.0.delay: Input should be a finite number"),
        ("delay: 1e12", "rules.0.delay: Input should be less than or equal to 600000"),
        ("delay: {uniform: [0, .inf]}", "rules.0.delay.uniform.1: Input should be a finite number"),
        ("delay: {lognormal: {median: 100, sigma: 1000}}", "rules.0.delay.lognormal.sigma: Input should be less than or equal to 10"),
        ("fault: {slow_body: {interval_ms: .inf}}", "rules.0.fault.slow_body.interval_ms: Input should be a finite number"),
        ("delay: {gauss: 1}", "rules.0.delay: a delay is milliseconds, {uniform: [low, high]} or {lognormal: {median: ms, sigma: s}}"),
        ("fault: {slow: 1}",
         "rules.0.fault: a fault is connection_reset, empty_response, malformed_json, slow_body or {slow_body: {chunk, interval_ms}}"),
    ],
)
def test_delays_are_finite_and_bounded(client: TestClient, delay: str, error: str) -> None:
    assert refused(client, f"name: x\nrules:\n  - match: {{vendor: vaultspay}}\n    {delay}\n") == "POST /__admin/scenarios:4: " + error


# -------------------------------------------------------------------- regexes
@pytest.mark.parametrize(
    ("match", "error"),
    [
        ("body_matches: {email: '(unclosed'}",
         ":3: rules.0.match.body_matches.email: not a valid regular expression: missing ), unterminated subpattern at position 0"),
        ("path: '[a-'", ":3: rules.0.match.path: not a valid regular expression: unterminated character set at position 0"),
    ],
)
def test_an_invalid_regex_is_a_400_naming_the_field(client: TestClient, match: str, error: str) -> None:
    doc = f"name: re\nrules:\n  - match: {{vendor: vaultspay, {match}}}\n"
    assert refused(client, doc) == "POST /__admin/scenarios" + error


def test_an_invalid_regex_in_a_file_stops_start_with_one_line(scenario_dir: Path) -> None:
    path = scenario_dir / "re.yaml"
    path.write_text("name: re\nrules:\n  - match:\n      vendor: vaultspay\n      body_matches: {email: '*x'}\n")
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(scenarios=scenario_dir))
    assert str(caught.value) == f"{path}:5: rules.0.match.body_matches.email: not a valid regular expression: nothing to repeat at position 0"


# --------------------------------------------------------- vendors of rules
def test_a_misspelt_vendor_stops_start_like_validate(scenario_dir: Path) -> None:
    path = scenario_dir / "typo.yaml"
    path.write_text("name: typo\nrules:\n  - match: {vendor: vaultpay, operation: create_user}\n    respond: {error: THROTTLE}\n")
    message = f"{path}:3: rules.0.match.vendor: unknown vendor 'vaultpay'; {KNOWN}"
    for config in (Config(scenarios=scenario_dir), Config(scenarios=scenario_dir, vendor="sabi")):
        with pytest.raises(FixtureError) as caught:
            Runtime(config)
        assert str(caught.value) == message


def test_rules_about_an_unmounted_vendor_are_skipped_rule_by_rule(scenario_dir: Path) -> None:
    (scenario_dir / "other.yaml").write_text("name: other\nrules:\n  - match: {vendor: vaultspay}\n    respond: {error: THROTTLE}\n")
    runtime = Runtime(Config(scenarios=scenario_dir, vendor="sabi"))
    assert "other" not in runtime.scenarios.library  # nothing left for this server
    # A shipped scenario for every vendor keeps the rule for the vendor served.
    rules = runtime.scenarios.library["connection-reset-once"].rules
    assert [r.match.vendor for r in rules] == ["sabi"]


def test_an_override_with_no_rule_for_this_server_still_replaces(scenario_dir: Path) -> None:
    (scenario_dir / "mine.yaml").write_text("name: connection-reset-once\nrules:\n  - match: {vendor: vaultspay}\n    fault: empty_response\n")
    library = Runtime(Config(scenarios=scenario_dir, vendor="sabi")).scenarios.library
    assert (library["connection-reset-once"].source, library["connection-reset-once"].rules) == (str(scenario_dir / "mine.yaml"), [])


def test_reset_on_another_vendor_is_refused(client: TestClient) -> None:
    doc = "name: r\nrules:\n  - match: {vendor: vaultspay, reset_on: {vendor: sabi, operation: create_user}}\n"
    assert refused(client, doc) == "POST /__admin/scenarios:3: rules.0.match.reset_on.vendor: must be the rule's vendor 'vaultspay' (or left out)"


# ----------------------------------------------------- files: .json, names
def test_json_scenario_files_are_loaded(scenario_dir: Path) -> None:
    (scenario_dir / "from-json.json").write_text('{"name": "from-json", "rules": [{"match": {"vendor": "sabi"}, "respond": {"error": "CONFLICT"}}]}')
    (scenario_dir / "from-yml.yml").write_text("name: from-yml\nrules:\n  - match: {vendor: sabi}\n")
    (scenario_dir / "notes.txt").write_text("not a scenario")
    library = Runtime(Config(scenarios=scenario_dir)).scenarios.library
    assert library["from-json"].source == str(scenario_dir / "from-json.json")
    assert library["from-yml"].source == str(scenario_dir / "from-yml.yml")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


def test_overriding_a_shipped_scenario_is_said_once(scenario_dir: Path) -> None:
    path = scenario_dir / "mine.yaml"
    path.write_text("name: sabi-conflict\ndescription: mine\nrules:\n  - match: {vendor: sabi}\n    respond: {error: CONFLICT}\n")
    handler = _Lines()
    logger = logging.getLogger("mockserver")
    logger.addHandler(handler)
    try:
        runtime = Runtime(Config(scenarios=scenario_dir))
    finally:
        logger.removeHandler(handler)
    assert handler.lines == [f"WARNING scenario 'sabi-conflict' from {path} replaces the shipped one"]
    assert runtime.scenarios.library["sabi-conflict"].description == "mine"


def test_two_files_of_one_name_are_refused_naming_both(scenario_dir: Path) -> None:
    for stem in ("a", "b"):
        (scenario_dir / f"{stem}.yaml").write_text("name: twin\nrules:\n  - match: {vendor: sabi}\n")
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(scenarios=scenario_dir))
    assert str(caught.value) == f"{scenario_dir / 'b.yaml'}: scenario 'twin' is also defined in {scenario_dir / 'a.yaml'}; names must be unique"


def test_posting_an_existing_name_says_it_replaced_it(client: TestClient) -> None:
    status, body = post_scenario(client, "name: sabi-conflict\nrules:\n  - match: {vendor: sabi}\n")
    assert (status, body["name"], body["replaced"]) == (201, "sabi-conflict", True)
    status, body = post_scenario(client, "name: brand-new\nrules:\n  - match: {vendor: sabi}\n")
    assert (status, body["replaced"]) == (201, False)


# --------------------------------------------------------- admin backstop
def test_an_unexpected_error_is_a_one_line_json_500_logged_once(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = client.app.runtime  # type: ignore[attr-defined]

    def broken(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(runtime.journal, "select", broken)
    handler = _Lines()
    logger = logging.getLogger("mockserver")
    logger.addHandler(handler)
    try:
        response = client.get("/__admin/requests")
    finally:
        logger.removeHandler(handler)
    assert (response.status_code, response.json()) == (500, {"error": "internal error in GET /__admin/requests"})
    assert handler.lines == ["ERROR internal error in GET /__admin/requests"]


# ------------------------------------------------------- other admin inputs
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"advance": 1e308}', "advance: 1e+308 is beyond any clock"),
        ('{"advance": "1e20"}', "advance: '1e20' is beyond any clock"),
        ('{"advance": "P99999999999D"}', "advance: 'P99999999999D' is beyond any clock"),
        ('{"advance": "P9999999Y"}', "advance: 'P9999999Y' is beyond any clock"),  # years parse now (pydantic): 3.65e9 days
        ('{"set": "9999-12-31T23:59:59Z"}', "the clock must stay between 1970-01-01 and 9000-01-01"),
        ('{"set": "0001-01-01T00:00:00+05:00"}', "set: date value out of range"),
        ('{"advance": -1e12}', "the clock must stay between 1970-01-01 and 9000-01-01"),
        ('{"set": "8999-12-31T00:00:00Z", "advance": "P9999D"}', "the clock must stay between 1970-01-01 and 9000-01-01"),
    ],
)
def test_clock_moves_out_of_range_are_400_and_change_nothing(client: TestClient, body: str, error: str) -> None:
    before = client.get("/__admin/clock").json()
    client.post("/__admin/clock", json={"freeze": True})
    frozen = client.get("/__admin/clock").json()
    response = client.post("/__admin/clock", content=body)
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert client.get("/__admin/clock").json() == frozen
    headers = client.get("/__admin/vendors").json()["vaultspay"]["headers"]
    assert client.post(VP, json=CREATE_BODIES["vaultspay"], headers=headers).status_code == 200
    client.post("/__admin/clock", json={"reset": True})
    assert client.get("/__admin/clock").json()["frozen"] == before["frozen"]


def test_the_clock_set_near_the_end_then_advanced_within_range_works(client: TestClient) -> None:
    assert client.post("/__admin/clock", json={"set": "8999-12-31T00:00:00Z", "freeze": True}).status_code == 200
    assert client.post("/__admin/clock", json={"advance": "PT1H"}).json() == {"now": "8999-12-31T01:00:00.000Z", "frozen": True}
    client.post("/__admin/clock", json={"reset": True})


@pytest.mark.parametrize("body", ["[1]", '"x"', "null", "{", '{"advance": 1', "[" * 2000 + "]" * 2000])
def test_clock_and_count_refuse_what_is_not_an_object(client: TestClient, body: str) -> None:
    for path in ("/__admin/clock", "/__admin/requests/count"):
        response = client.post(path, content=body)
        assert response.status_code == 400, (path, response.text)
        assert list(response.json()) == ["error"]


def test_count_takes_nested_junk_but_not_endless_nesting(client: TestClient) -> None:
    for match in ({"vendor": {"a": [1]}}, {"body": [1, 2]}, {"headers": "x"}, {"status": {"x": 1}}, {"response": 5}, {"query": [None]}):
        response = client.post("/__admin/requests/count", json=match)
        assert (response.status_code, response.json()["count"]) == (200, 0), match
    deep: Any = 1
    for _ in range(40):
        deep = {"a": deep}
    response = client.post("/__admin/requests/count", json={"body": deep})
    assert (response.status_code, response.json()) == (400, {"error": "the match object is nested more than 32 levels deep"})


@pytest.mark.parametrize(("limit", "status"), [("99999999999999999999", 200), ("²", 400), ("1.5", 400), ("-1", 400)])
def test_requests_limit_is_checked(client: TestClient, limit: str, status: int) -> None:
    response = client.get("/__admin/requests", params={"limit": limit})
    assert response.status_code == status
    if status == 400:
        assert response.json() == {"error": "limit must be a positive integer"}


@pytest.mark.parametrize("name", ["a%00b", "%C3%A9", "a%20b", "x" * 5000, "%E2%80%8F", "..%2F..%2Fx"])
def test_odd_scenario_names_are_json_404s(client: TestClient, name: str) -> None:
    response = client.post(f"/__admin/scenarios/{name}/activate")
    assert response.status_code == 404
    assert list(response.json()) == ["error"]
