"""The journal is bounded per field and in bytes, and its redaction cannot be bypassed (issue 12).

Every secret here is one the vendor accepts (or answers), written the ways a
client may write it: form-encoded, JSON with escaped keys, other letter cases.
Each must show as ``***`` in ``GET /__admin/requests`` and in ``--journal-file``.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from mockserver import vendors as registry
from mockserver.app import build_app
from mockserver.config import Config
from mockserver.core import journal as journal_module
from mockserver.core import journal_rows
from mockserver.core.journal import (
    BODY_LIMIT,
    CUT_KEY,
    HEADER_COUNT_LIMIT,
    HEADER_LIMIT,
    HEADERS_LIMIT,
    PATH_LIMIT,
    QUERY_COUNT_LIMIT,
    QUERY_LIMIT,
    REDACTED,
    Journal,
    shown_body,
)
from tests.conftest import make_client
from tests.core.samples import variant

SABI = "/sabi/api/v1/users/public"
ETELECOM = "/etelecom/v1/shop.Shop/CreateAccountUser"
PAYABLI = "/payabli/api/User"
HIDDEN = {"__unparsed__": True, "text": REDACTED}


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    """A client over every vendor whose journal is also written to a file."""
    path = tmp_path / "journal.jsonl"
    with make_client(journal_file=path) as client:
        yield client, path


def vendors(client: TestClient) -> dict[str, Any]:
    return client.get("/__admin/vendors").json()


def journal_texts(client: TestClient, path: Path) -> tuple[list[dict[str, Any]], str, list[dict[str, Any]]]:
    """The entries as GET /__admin/requests shows them, that answer's text, and the journal file's entries."""
    entries = client.get("/__admin/requests").json()
    client.app.runtime.journal.close()  # type: ignore[attr-defined]  # flushes the writer thread
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return entries, json.dumps(entries, ensure_ascii=False), lines


def json_with(fields: dict[str, Any], raw_key: bytes, value: str) -> bytes:
    """``fields`` as JSON plus one member whose key is written exactly as ``raw_key`` (escapes and all)."""
    return orjson.dumps(fields)[:-1] + b',"' + raw_key + b'":' + orjson.dumps(value) + b"}"


def assert_hidden(secret: str, entries: list[dict[str, Any]], text: str, lines: list[dict[str, Any]]) -> None:
    assert secret not in text
    assert secret not in json.dumps(lines, ensure_ascii=False)
    assert [e["seq"] for e in entries] == [e["seq"] for e in lines]


# ---------------------------------------------------------------- bodies
def test_a_sabi_form_body_answered_201_shows_its_password_as_stars(logged: tuple[TestClient, Path]) -> None:
    client, path = logged
    body = variant("sabi", 1)
    headers = {**vendors(client)["sabi"]["headers"], "Content-Type": "application/x-www-form-urlencoded"}
    response = client.post(SABI, content=urlencode(body), headers=headers)
    assert response.status_code == 201 and response.json()["username"] == body["username"]
    entries, text, lines = journal_texts(client, path)
    assert_hidden(body["password"], entries, text, lines)
    kept = urlencode({**body, "password": REDACTED}, safe="*")  # still readable: every other field as sent
    assert entries[0]["body"] == lines[0]["body"] == kept
    assert entries[0]["headers"]["apikey"] == REDACTED


def test_form_bodies_hide_qs_style_and_percent_encoded_secret_names() -> None:
    fields = frozenset({"password"})
    assert shown_body(b"user%5Bpassword%5D=a&user[Password]=b&pass%77ord=c&name=x", fields) == (
        "user%5Bpassword%5D=***&user[Password]=***&pass%77ord=***&name=x"
    )
    # Whatever else still names a secret (a value, a broken JSON body, a name without "=") hides the whole body.
    assert shown_body(b"name=x&note=my+pass%77ord+is+y", fields) == HIDDEN
    assert shown_body(b'{"a": 1, "pass\\u0077ord": "y"', fields) == HIDDEN
    assert shown_body(b"password", fields) == HIDDEN  # even a bare name: nothing is guessed
    assert shown_body(b"plain text", fields) == "plain text"


@pytest.mark.parametrize(
    ("vendor", "path", "raw_key", "status"),
    [
        ("sabi", SABI, b"pass\\u0077ord", 201),
        ("etelecom", ETELECOM, b"pass\\u0077ord", 200),
        ("etelecom", ETELECOM, b"PASSWORD", 200),  # Go's decoder folds key case
        ("etelecom", ETELECOM, b"pa\\u017f\\u017fword", 200),  # ...and long s folds to s
        ("payabli", PAYABLI, b"p\\u0077d", 200),
        ("payabli", PAYABLI, b"PWD", 200),  # .NET binds names case-insensitively
        ("vaultspay", "/vaultspay/as/api/v1/users", b"pass\\u0077ord", 200),  # an ignored key, still kept from view
    ],
)
def test_escaped_and_recased_secret_keys_are_accepted_and_hidden(
    logged: tuple[TestClient, Path], vendor: str, path: str, raw_key: bytes, status: int,
) -> None:
    client, journal_file = logged
    fields = {k: v for k, v in variant(vendor, 2).items() if k not in ("password", "pwd")}
    secret = "Top$ecret-" + vendor
    headers = {**vendors(client)[vendor]["headers"], "Content-Type": "application/json"}
    response = client.post(path, content=json_with(fields, raw_key, secret), headers=headers)
    assert response.status_code == status, response.text
    entries, text, lines = journal_texts(client, journal_file)
    assert_hidden(secret, entries, text, lines)
    (key,) = set(entries[0]["body"]) - set(fields)
    assert entries[0]["body"][key] == lines[0]["body"][key] == REDACTED
    assert entries[0]["body"] == {**fields, key: REDACTED}


def test_escaped_login_secrets_of_pulse_and_vaultspay_are_hidden_and_so_are_the_tokens_answered(logged: tuple[TestClient, Path]) -> None:
    client, path = logged
    info = vendors(client)
    pulse = info["pulse"]["login"]
    answer = client.post("/pulse/auth/login", content=json_with({"email": pulse["email"]}, b"pass\\u0077ord", pulse["password"]),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and len(answer.json()["token"]) == 64
    vaultspay = client.post("/vaultspay/as/api/v1/saas-login", content=json_with({"clientId": "vp-demo-app"}, b"clientS\\u0065cret", "vp-demo-secret"),
                            headers={"Content-Type": "application/json"})
    assert vaultspay.status_code == 200
    payabli = client.post(info["payabli"]["login_route"].split(" ", 1)[1], json=info["payabli"]["login"])
    assert payabli.status_code == 200 and payabli.json()["token_type"] == "Bearer"
    entries, text, lines = journal_texts(client, path)
    for secret in (pulse["password"], answer.json()["token"], "vp-demo-secret", vaultspay.json()["accessToken"],
                   vaultspay.json()["refreshToken"], info["payabli"]["login"]["clientSecret"], payabli.json()["access_token"]):
        assert_hidden(secret, entries, text, lines)
    first, second, third = entries
    assert first["body"] == {"email": pulse["email"], "password": REDACTED} and first["response"]["token"] == REDACTED
    assert second["body"] == {"clientId": "vp-demo-app", "clientSecret": REDACTED}
    assert second["response"]["accessToken"] == second["response"]["refreshToken"] == REDACTED
    assert third["body"]["clientSecret"] == REDACTED and third["response"] == {"token_type": "Bearer", "access_token": REDACTED, "expires_in": 3600}


def test_secrets_in_query_strings_are_hidden(logged: tuple[TestClient, Path]) -> None:
    client, path = logged
    query = "page=1&perPage=5&refreshToken=q-1&CLIENTSECRET=q-2&user[password]=q-3&pass%77ord=q-4"
    response = client.get("/vaultspay/as/api/v1/users?" + query, headers=vendors(client)["vaultspay"]["headers"])
    assert response.status_code == 200
    entries, text, lines = journal_texts(client, path)
    for secret in ("q-1", "q-2", "q-3", "q-4"):
        assert_hidden(secret, entries, text, lines)
    assert entries[0]["query"] == lines[0]["query"] == {
        "page": "1", "perPage": "5", "refreshToken": REDACTED, "CLIENTSECRET": REDACTED, "user[password]": REDACTED, "password": REDACTED,
    }


def test_deep_json_is_shown_as_text_and_hidden_when_it_names_a_secret() -> None:
    fields = frozenset({"password"})
    deep = b"[" * 100 + b'{"a": 1}' + b"]" * 100
    assert shown_body(deep, fields) == deep.decode()  # readers' JSON encoders recurse: never a structure that deep
    assert shown_body(b"[" * 100 + b'{"Password": "x"}' + b"]" * 100, fields) == HIDDEN


def test_headers_holding_nul_are_not_shown() -> None:
    journal = Journal(5)
    journal.record(1.0, "v", "op", "GET", "/p", {}, {"authorization": "a\x00b\x00c", "x": "y"}, b"", 200, b"", None, 1.0, "")
    assert journal.entries()[0].headers == {CUT_KEY: "headers not shown: a NUL character in the request head"}


# ------------------------------------------------------------------ caps
def test_headers_are_capped_per_value_in_number_and_in_total() -> None:
    journal = Journal(5)
    many = {f"x-h{i:03d}": "v" for i in range(HEADER_COUNT_LIMIT + 10)}
    journal.record(1.0, "v", "op", "GET", "/p", {}, many, b"", 200, b"", None, 1.0, "")
    huge = {"x-a": "a" * (1 << 20), "x-b": "b" * 3000, "authorization": "Bearer " + "t" * 9000, "x-c": "c" * 2000, "accept": "*/*"}
    journal.record(2.0, "v", "op", "GET", "/p", {}, huge, b"", 200, b"", None, 1.0, "")
    journal.record(3.0, "v", "op", "GET", "/p", {}, {"authorization": "Bearer " + "t" * 9000}, b"", 200, b"", None, 1.0, "")
    first, second, third = journal.entries()
    assert len(first.headers) == HEADER_COUNT_LIMIT + 1 and first.headers[CUT_KEY] == "10 more headers not kept"
    assert list(first.headers)[:2] == ["x-h000", "x-h001"]  # the first ones are kept
    # Each value is cut to HEADER_LIMIT, with a marker naming its length; past HEADERS_LIMIT in all,
    # the headers that no longer fit are left out whole (and counted).
    mark = f"...[cut: {1 << 20} chars]"
    assert second.headers == {"x-a": "a" * (HEADER_LIMIT - len(mark)) + mark, "x-b": "b" * 3000, "accept": "*/*",
                              CUT_KEY: "2 more headers not kept"}
    assert sum(len(k) + len(v) for k, v in second.headers.items() if k != CUT_KEY) <= HEADERS_LIMIT
    assert third.headers == {"authorization": REDACTED}  # a cut secret is still a secret


def test_path_query_and_session_are_capped_with_a_marker() -> None:
    journal = Journal(5)
    query = {f"q{i}": "v" for i in range(QUERY_COUNT_LIMIT + 5)}
    journal.record(1.0, "v", "op", "GET", "/p/" + "x" * 10_000, query, {}, b"", 404, b"", None, 1.0, "s" * 10_000)
    journal.record(2.0, "v", "op", "GET", "/p", {"a": "1" * 10_000, "b": "2" * 3000, "c": "3"}, {}, b"", 200, b"", None, 1.0, "")
    first, second = journal.entries()
    assert len(first.path) == PATH_LIMIT and first.path.endswith("...[cut: 10003 chars]") and first.path.startswith("/p/xxx")
    assert len(first.session) == HEADER_LIMIT and first.session.endswith("...[cut: 10000 chars]")
    assert len(first.query) == QUERY_COUNT_LIMIT + 1 and first.query[CUT_KEY] == "5 more parameters not kept"
    assert second.query["a"].endswith("...[cut: 10000 chars]") and second.query["c"] == "3"
    assert second.query[CUT_KEY] == "1 more parameters not kept"  # "b" no longer fits in QUERY_LIMIT
    assert sum(len(k) + len(v) for k, v in second.query.items()) <= QUERY_LIMIT + 64
    # A session is cut the same way when it is cleared, so clearing by the name sent still works.
    journal.clear("s" * 10_000)
    assert [e.seq for e in journal.entries()] == [2]


def test_bodies_stay_capped() -> None:
    journal = Journal(5)
    journal.record(1.0, "v", "op", "POST", "/p", {}, {}, b"a" * (3 * BODY_LIMIT), 200, b"b" * (3 * BODY_LIMIT), None, 1.0, "")
    (entry,) = journal.entries()
    assert entry.body == {"__truncated__": True, "text": "a" * BODY_LIMIT}
    assert entry.response == {"__truncated__": True, "text": "b" * BODY_LIMIT}


def test_the_total_bytes_cap_evicts_the_oldest_entries() -> None:
    journal = Journal(100, max_bytes=260_000)
    for n in range(10):
        journal.record(float(n), "v", "op", "POST", "/p", {}, {}, b"x" * 50_000, 200, b"", None, 1.0, "")
    seqs = [e.seq for e in journal.entries()]
    assert seqs == [6, 7, 8, 9, 10] and 250_000 < journal.kept_bytes <= 260_000
    # Small entries fill it again up to the count cap; the count cap still holds on its own.
    for n in range(2000):
        journal.record(float(n), "v", "op", "GET", "/p", {}, {"accept": "*/*"}, b"", 200, b"{}", None, 1.0, "")
    assert len(journal) == 100 and journal.entries()[0].seq == 1911 and journal.kept_bytes < 100 * 1000
    journal.clear()
    assert journal.kept_bytes == 0 and len(journal) == 0
    off = Journal(0)  # --journal-size 0: nothing kept, nothing counted
    off.record(1.0, "v", "op", "GET", "/p", {}, {}, b"x" * 1000, 200, b"", None, 1.0, "")
    assert len(off) == 0 and off.kept_bytes == 0


def test_journal_bytes_reaches_the_journal_from_the_config_and_the_cli() -> None:
    assert Config().journal_bytes == journal_module.MAX_BYTES == 32 << 20
    assert build_app(Config(vendors=("sabi",), journal_bytes=12345)).runtime.journal.max_bytes == 12345
    from click.testing import CliRunner

    from mockserver.cli import main

    assert "--journal-bytes" in CliRunner().invoke(main, ["serve", "--help"]).output


# ------------------------------------------------------- vendor knowledge
def test_every_vendor_declares_its_secrets_and_core_names_none_of_them() -> None:
    # The journal and its row format (redaction lives there) both: core names no vendor.
    source = "".join(Path(module.__file__).read_text(encoding="utf-8") for module in (journal_module, journal_rows))
    for name in registry.NAMES:
        cls = registry.load(name)
        assert "secrets" in vars(cls) and cls.secrets.fields, name
        assert name not in source.lower()
        for header in cls.secrets.headers:
            assert header.lower() not in source.lower(), (name, header)
        for field in cls.secrets.fields:
            assert f'"{field}"' not in source and f"'{field}'" not in source, (name, field)
    assert {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-mock-admin-token"} == journal_module.CREDENTIAL_HEADERS


def test_each_vendor_hides_what_it_declared(client_all: TestClient) -> None:
    runtime = client_all.app.runtime  # type: ignore[attr-defined]
    journal = runtime.journal
    for name, vendor in runtime.vendors.items():
        for field in vendor.secret_fields:
            body = orjson.dumps({"x": {field.upper(): "s-1"}, "y": 1})
            headers = {h.lower(): "h-1" for h in vendor.secret_headers} | {"authorization": "h-2", "accept": "*/*"}
            journal.record(1.0, name, "op", "POST", "/p", {field: "q-1"}, headers, body, 200, body, None, 1.0, "")
    text = json.dumps(journal.query())
    assert "s-1" not in text and "h-1" not in text and "h-2" not in text and "q-1" not in text
    assert '"accept": "*/*"' in text


@pytest.fixture
def client_all() -> Iterator[TestClient]:
    with make_client() as client:
        yield client


# ---------------------------------------------------------------- memory
def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        found = re.search(r"VmRSS:\s+(\d+) kB", status.read())
    assert found is not None
    return int(found.group(1)) / 1024


def _start_server() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--log-level", "warning", "--journal-bytes", str(32 << 20)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"http://127\.0\.0\.1:(\d+)", proc.stdout.readline())
        if found:
            port = int(found.group(1))
            break
    else:
        proc.kill()
        raise AssertionError("no banner")
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__admin/health", timeout=1).status_code == 200:
                return proc, port
        except httpx.TransportError:
            time.sleep(0.02)
    proc.kill()
    raise AssertionError("server did not answer")


def _exchange(sock: socket.socket, request: bytes, count: int) -> list[bytes]:
    """Send ``request`` ``count`` times on one connection, pipelined from a thread; the status lines, in order."""
    sender = threading.Thread(target=lambda: [sock.sendall(request) for _ in range(count)], daemon=True)
    sender.start()
    statuses, buffer = [], b""
    while len(statuses) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(1 << 16)
            assert chunk, "connection closed"
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
        while len(buffer) < length:
            buffer += sock.recv(1 << 16)
        buffer = buffer[length:]
        statuses.append(head.split(b"\r\n", 1)[0])
    sender.join()
    return statuses


def test_a_thousand_requests_with_a_1_mb_header_leave_rss_within_20_mb_of_idle() -> None:
    """The issue's reproduction: before the caps, RSS grew by ~1 GB (every header kept whole)."""
    proc, port = _start_server()
    try:
        request = (
            b"POST /vaultspay/as/api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"X-Filler: " + b"x" * (1 << 20) + b"\r\nContent-Length: 2\r\n\r\n{}"
        )
        with socket.create_connection(("127.0.0.1", port)) as sock:
            # Warm-up: the first big requests grow the server's buffers once; idle RSS is taken after them.
            assert set(_exchange(sock, request, 20)) == {b"HTTP/1.1 401 Unauthorized"}
            idle = _rss_mib(proc.pid)
            assert set(_exchange(sock, request, 1000)) == {b"HTTP/1.1 401 Unauthorized"}
            after = _rss_mib(proc.pid)
        assert after - idle < 20, (idle, after)
        (last,) = httpx.get(f"http://127.0.0.1:{port}/__admin/requests?limit=1").json()
        assert last["seq"] == 1020 and last["status"] == 401
        assert len(last["headers"]["x-filler"]) == HEADER_LIMIT and last["headers"]["x-filler"].endswith(f"...[cut: {1 << 20} chars]")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_kept_response_holds_its_length_not_the_encoders_buffer() -> None:
    """orjson's output keeps a ~4 KB buffer: rows must keep exact copies, or the byte cap undercounts 10x."""
    import tracemalloc

    import orjson

    from mockserver.core.journal import Journal

    journal = Journal(1000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(1000):  # each answer made and dropped by its request, as the server does
            journal.record(0.0, "v", "op", "POST", "/x", {}, {"host": "h"}, b"{}", 200, orjson.dumps({"id": i}), None, 1.0, "")
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept / 1000 < 1500, f"{kept / 1000:.0f} bytes per journal row"
