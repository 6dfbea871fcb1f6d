"""The request journal: what it records, redaction, queries, near misses and its bound."""

from __future__ import annotations

import asyncio
import gc
import json
from pathlib import Path
from typing import Any

import orjson
from starlette.testclient import TestClient

from mockserver.app import build_app
from mockserver.config import Config
from tests.conftest import make_client, vendor_client_fixture
from tests.core.samples import CREATE_BODIES

VP = "/vaultspay/as/api/v1/users"


client, _reset = vendor_client_fixture()  # every vendor, reset before each test


def vendors(client: TestClient) -> dict[str, Any]:
    return client.get("/__admin/vendors").json()


def test_entry_records_the_whole_exchange(client: TestClient) -> None:
    headers = vendors(client)["vaultspay"]["headers"]
    client.post(VP + "?trace=1", json={**CREATE_BODIES["vaultspay"], "status": "PENDING"}, headers={**headers, "X-Mock-Session": "s1"})
    (entry,) = client.get("/__admin/requests?session=s1").json()
    assert entry["vendor"] == "vaultspay" and entry["operation"] == "create_user"
    assert (entry["method"], entry["path"], entry["query"]) == ("POST", "/as/api/v1/users", {"trace": "1"})
    assert entry["body"]["status"] == "PENDING" and entry["status"] == 200
    assert entry["response"]["data"]["status"] == "PENDING"
    assert entry["scenario"] is None and entry["session"] == "s1" and entry["latency_ms"] > 0
    assert entry["time"].endswith("Z")


def test_secrets_are_redacted_before_storing(client: TestClient) -> None:
    info = vendors(client)
    client.post("/vaultspay/as/api/v1/saas-login", json={"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"})
    client.post(VP, json=CREATE_BODIES["vaultspay"], headers=info["vaultspay"]["headers"])
    client.post("/payabli/api/User", json=CREATE_BODIES["payabli"], headers=info["payabli"]["headers"])
    client.post("/sabi/api/v1/users/public", json=CREATE_BODIES["sabi"], headers=info["sabi"]["headers"])
    client.post("/pulse/auth/login", json=info["pulse"]["login"])
    client.post("/etelecom/v1/shop.Shop/CreateAccountUser", json=CREATE_BODIES["etelecom"], headers=info["etelecom"]["headers"])
    journal = client.get("/__admin/requests").json()
    text = json.dumps(journal)
    for secret in ("vp-demo-secret", "Secret123!", "s3cret!", "secret123", "pulse-demo-password", "pbx-demo-token", "sabi-sandbox-platform-key"):
        assert secret not in text, secret
    for name, entry in ((e["vendor"], e) for e in journal):
        for header in ("authorization", "requesttoken", "apikey"):
            if header in entry["headers"]:
                assert entry["headers"][header] == "***", (name, header)
    login = next(e for e in journal if e["operation"] == "login" and e["vendor"] == "vaultspay")
    assert login["body"] == {"clientId": "vp-demo-app", "clientSecret": "***"}
    assert login["response"]["accessToken"] == "***" and login["response"]["refreshToken"] == "***"
    pulse = next(e for e in journal if e["vendor"] == "pulse")
    assert pulse["response"]["token"] == "***" and pulse["body"]["password"] == "***"


def test_queries_filters_limit_and_clear(client: TestClient) -> None:
    info = vendors(client)
    for _ in range(3):
        client.post(VP, json=CREATE_BODIES["vaultspay"], headers=info["vaultspay"]["headers"])
    client.post("/sabi/api/v1/users/public", json=CREATE_BODIES["sabi"], headers=info["sabi"]["headers"])
    assert len(client.get("/__admin/requests?vendor=vaultspay").json()) == 3
    assert [e["status"] for e in client.get("/__admin/requests?vendor=vaultspay&status=400").json()] == [400, 400]
    assert len(client.get("/__admin/requests?status=4xx").json()) == 2
    assert [e["vendor"] for e in client.get("/__admin/requests?limit=1").json()] == ["sabi"]
    assert client.get("/__admin/requests?operation=create_user&vendor=sabi").json()[0]["status"] == 201
    assert client.delete("/__admin/requests").json() == {"cleared": True}
    assert client.get("/__admin/requests").json() == []


def test_count_matches_and_shows_the_closest_on_zero(client: TestClient) -> None:
    headers = vendors(client)["vaultspay"]["headers"]
    client.post(VP, json={**CREATE_BODIES["vaultspay"], "status": "PENDING"}, headers=headers)
    count = client.post("/__admin/requests/count", json={"vendor": "vaultspay", "operation": "create_user", "body": {"status": "PENDING"}}).json()
    assert count == {"count": 1}
    none = client.post("/__admin/requests/count", json={"vendor": "vaultspay", "body": {"status": "BLOCK"}}).json()
    assert none["count"] == 0 and none["closest"][0]["body"]["status"] == "PENDING"
    assert client.post("/__admin/requests/count", json={"vendro": "x"}).status_code == 400


def test_scenario_rule_that_fired_is_journaled(client: TestClient) -> None:
    client.post("/__admin/scenarios/vaultspay-throttled/activate")
    client.post(VP, json=CREATE_BODIES["vaultspay"], headers=vendors(client)["vaultspay"]["headers"])
    (entry,) = client.get("/__admin/requests").json()
    assert entry["scenario"] == "vaultspay-throttled#0" and entry["status"] == 429


def test_near_miss_header_and_journal(client: TestClient) -> None:
    headers = vendors(client)["vaultspay"]["headers"]
    response = client.post("/vaultspay/as/api/v1/user", json={}, headers=headers)
    assert response.status_code == 404 and response.json()["code"] == 1010
    assert response.headers["x-mock-near-miss"] == "POST /as/api/v1/users"
    wrong_method = client.put("/pulse/users", json={})
    assert wrong_method.status_code == 405 and wrong_method.headers["x-mock-near-miss"].endswith(" /users")
    entry = client.get("/__admin/requests?vendor=vaultspay").json()[0]
    assert entry["near_miss"] == "POST /as/api/v1/users" and entry["operation"] == "unknown"


def _asgi_post(app: Any, path: str, body: bytes) -> Any:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": path, "headers": [(b"content-type", b"application/json")], "query_string": b""}
    return app(scope, receive, send)


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_journal_is_bounded_in_entries_and_memory() -> None:
    app = build_app(Config(vendors=("vaultspay",), journal_size=10_000))
    # Unauthenticated: journaled, but stores no user, so only the journal could grow.
    body = orjson.dumps({**CREATE_BODIES["vaultspay"], "password": "x" * 500})

    async def burst(n: int) -> None:
        for _ in range(n):
            await _asgi_post(app, VP, body)

    asyncio.run(burst(10_000))
    gc.collect()
    after_10k = _rss()
    asyncio.run(burst(90_000))
    gc.collect()
    after_100k = _rss()
    assert len(app.runtime.journal) == 10_000
    assert after_100k < after_10k + 4 * 1024 * 1024, (after_10k, after_100k)


def test_journal_file_gets_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with make_client("sabi", journal_file=path) as c:
        headers = c.get("/__admin/vendors").json()["sabi"]["headers"]
        c.post("/sabi/api/v1/users/public", json=CREATE_BODIES["sabi"], headers=headers)
        c.post("/sabi/api/v1/users/public", json={}, headers=headers)
        c.app.runtime.journal.close()  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["status"] for e in lines] == [201, 400]
    assert lines[0]["body"]["password"] == "***"


SECRETS = {"v": (frozenset({"password", "pwd", "apiKey", "clientSecret", "token", "accessToken", "refreshToken"}), frozenset({"apikey"}))}
FIELDS = frozenset(k.casefold() for k in SECRETS["v"][0])


def test_body_redaction_works_on_the_parsed_body() -> None:
    from mockserver.core.journal import shown_body

    # Bodies are parsed and secret values replaced in the parsed value (they were edited as bytes before).
    assert shown_body(b'{"pwd":"a\\"b","x":1}', FIELDS) == {"pwd": "***", "x": 1}
    assert shown_body(b'{"Password" : "x", "token": null, "accessToken":"t"}', FIELDS) == {"Password": "***", "token": None, "accessToken": "***"}
    # Look-alikes are left alone: a longer key, a secret word inside a value, a value spelled like a key.
    plain = b'{"passwords":"x","note":"my password is \\"x\\"","k":"token"}'
    assert shown_body(plain, FIELDS) == orjson.loads(plain)
    # A non-string secret is replaced whole; broken JSON holding one keeps no text at all.
    assert shown_body(b'{"a":{"clientSecret":5}}', FIELDS) == {"a": {"clientSecret": "***"}}
    assert shown_body(b'{"pwd": 12', FIELDS) == {"__unparsed__": True, "text": "***"}
    assert shown_body(b"no json, no secret", FIELDS) == "no json, no secret"


def test_rows_keep_raw_bytes_but_every_reader_sees_them_redacted_and_capped() -> None:
    from mockserver.core.journal import BODY_LIMIT, Journal

    journal = Journal(10, secrets=SECRETS)
    secret = b'{"password":"hunter2","apiKey":"k-1","n":1}'
    huge = b'{"pwd":"' + b"x" * (2 * BODY_LIMIT) + b'"}'
    journal.record(1.0, "v", "op", "POST", "/p", {}, {"apikey": "k-1", "accept": "*/*"}, secret, 201, secret, None, 1.0, "")
    journal.record(2.0, "v", "op", "POST", "/p", {}, {}, huge, 200, b"{}", None, 1.0, "", None)
    journal.record(3.0, "v", "op", "POST", "/p", {}, {}, huge.replace(b"pwd", b"note"), 200, b"{}", None, 1.0, "")
    # Redaction is deferred to reading; only the size cap happens when recording (bounded memory).
    assert all(len(row[9]) <= BODY_LIMIT + 1 for row in journal._entries)
    first, second, third = journal.entries()
    assert first.body == {"password": "***", "apiKey": "***", "n": 1} and first.response == first.body
    assert first.headers == {"apikey": "***", "accept": "*/*"}
    # A secret cut off mid-string keeps no text at all; a plain body shows its first BODY_LIMIT bytes.
    assert second.body == {"__unparsed__": True, "text": "***"}
    assert third.body["__truncated__"] and len(third.body["text"]) == BODY_LIMIT
    assert "hunter2" not in str(journal.query()) and "k-1" not in str(journal.query())
    assert journal.matching({"body": {"password": "***"}})[0]["seq"] == 1


def test_responses_are_redacted_like_requests_and_null_secrets_are_kept() -> None:
    from mockserver.core.journal import Journal

    journal = Journal(5, secrets=SECRETS)
    reply = b'{"data":{"accessToken":"eyJ.x.y","refreshToken":"r-1","password":null,"username":"u"}}'
    journal.record(1.0, "v", "login", "POST", "/p", {}, {}, b"{}", 200, reply, None, 1.0, "")
    assert journal.entries()[0].response == {"data": {"accessToken": "***", "refreshToken": "***", "password": None, "username": "u"}}
