"""Payabli transport-level failures, the catalog, the fixture and determinism."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from mockserver.core.errors import VendorError
from mockserver.core.fixtures import FixtureError, load_model
from mockserver.vendors.payabli import errors
from mockserver.vendors.payabli.models import Fixture
from tests.conftest import make_client, vendor_client_fixture

client, _reset = vendor_client_fixture("payabli")

URL = "/payabli/api/User"
TOKEN = "pbx-demo-token-7f3c9a2e41d84b6f"
AUTH = {"requestToken": TOKEN, "Content-Type": "application/json"}
BODY = {"email": "robust@example.com", "name": "Rob Ust", "scope": [{"orgType": 0, "orgId": 123}]}
SUCCESS_BYTES = b'{"responseText":"Success","isSuccess":true,"responseData":null}'


def envelope(explanation: str, todo: str, code: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"isSuccess": False}
    if code is not None:
        body["responseCode"] = code
    body["responseText"] = "Error"
    body["responseData"] = {"explanation": explanation, "todoAction": todo}
    return body


def bad_body(clause: str) -> dict[str, Any]:
    return envelope(f"Invalid parameter value in request: body {clause}", "Provide the correct value for parameter.", 3003)


NOT_FOUND = envelope("Resource not found", "Check the endpoint URL and try again.")
TOO_LARGE = envelope("Request body too large", "Reduce the size of the request body and try again.")
UNSUPPORTED = envelope("Unsupported media type", "Send the body as JSON with the header Content-Type: application/json.")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{", bad_body("is not valid JSON")),
        (b'{"email": "x@y.com",}', bad_body("is not valid JSON")),
        (b"", bad_body("is empty")),
        (b"[]", bad_body("must be a JSON object")),
        (b'[{"scope": []}]', bad_body("must be a JSON object")),
        (b'"a string"', bad_body("must be a JSON object")),
        (b"42", bad_body("must be a JSON object")),
        (b"null", bad_body("must be a JSON object")),
        (b"true", bad_body("must be a JSON object")),
    ],
)
def test_bodies_that_are_not_a_json_object(client: Any, raw: bytes, expected: dict[str, Any]) -> None:
    response = client.post(URL, content=raw, headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_body_over_one_mib_is_413(client: Any) -> None:
    huge = orjson.dumps({**BODY, "name": "x" * (2 << 20)})
    response = client.post(URL, content=huge, headers=AUTH)
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    # nothing was created, and the connection still works
    assert client.post(URL, json=BODY, headers=AUTH).content == SUCCESS_BYTES


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_non_json_content_type_is_415(client: Any, content_type: str | None) -> None:
    headers = {"requestToken": TOKEN}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(URL, content=orjson.dumps(BODY), headers=headers)
    assert (response.status_code, response.json()) == (415, UNSUPPORTED)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "text/json", "application/merge-patch+json", "APPLICATION/JSON"])
def test_json_content_types_are_accepted(client: Any, content_type: str) -> None:
    response = client.post(URL, content=orjson.dumps(BODY), headers={"requestToken": TOKEN, "content-type": content_type})
    assert response.content == SUCCESS_BYTES


@pytest.mark.parametrize(
    "path",
    [
        "/payabli/api/Users", "/payabli/api/User/1000000/extra", "/payabli/api", "/payabli/", "/payabli", "/payabli/User",
        "/payabli/api/v2/User", "/payabli/api/Query/users", "/payabli/api/Query/users/org", "/payabli/api/v2/Token",
    ],
)
def test_unknown_paths_are_404_in_the_envelope(client: Any, path: str) -> None:
    for method in ("GET", "POST"):
        response = client.request(method, path, headers=AUTH, content=orjson.dumps(BODY))
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_on_the_create_route_is_405(client: Any, method: str) -> None:
    response = client.request(method, URL, headers=AUTH, content=orjson.dumps(BODY))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == envelope(
        f"The requested resource does not support http method '{method}'.", "Use the HTTP method documented for this endpoint."
    )


def test_missing_every_header_is_answered_in_the_envelope(client: Any) -> None:
    response = client.post(URL, content=orjson.dumps(BODY))
    assert response.status_code == 401 and response.json()["isSuccess"] is False


def test_query_string_is_ignored(client: Any) -> None:
    assert client.post(URL + "?entry=pilgrim-planner", json=BODY, headers=AUTH).content == SUCCESS_BYTES


# ------------------------------------------------------------------ catalog
@pytest.mark.parametrize(
    ("key", "status", "expected"),
    [
        ("3201", 400, envelope("Empty scope array for user", "Provide a valid scope for user.", 3201)),
        ("3001", 400, envelope("Invalid entrypoint name", "Correct the parameter and try again.", 3001)),
        ("3005", 400, envelope("Invalid paypoint ID", "Provide a valid paypoint ID value.", 3005)),
        ("UNAUTHORIZED", 401, envelope("Unauthorized request.", "Provide a valid API token in the requestToken header.")),
        ("FORBIDDEN", 403, envelope("Forbidden request.", "Use an API token that has access to this resource.")),
        ("RATE_LIMITED", 429, envelope("Too many requests", "Wait and retry: each API token may send 200 requests a minute, 3000 per 15 minutes and 10000 an hour.")),
        ("INTERNAL", 500, envelope("Internal API Error", "Try again later. If the problem persists, contact Payabli support.")),
        ("DATABASE_ERROR", 503, envelope("Database connection error", "Try again later.")),
    ],
)
def test_catalog_rows_render_in_the_envelope(key: str, status: int, expected: dict[str, Any]) -> None:
    reply = errors.render(VendorError(key))
    assert (reply.status, reply.body) == (status, expected)


def test_catalog_keys_are_response_codes_where_documented() -> None:
    for key, spec in errors.CATALOG.items():
        if key.isdigit():
            assert spec.code == int(key) and spec.status == 400
        assert spec.message and spec.todo.endswith(".")


# ------------------------------------------------------------------ fixture
def test_fixture_rejects_a_scope_outside_the_organizations(tmp_path: Path) -> None:
    path = tmp_path / "payabli.yaml"
    path.write_text(
        "tokens: [{token: t, name: n}]\n"
        "organizations: [{orgId: 1, name: Org, entry: org}]\n"
        "users: [{userId: 5, name: A, scope: [{orgId: 2}]}]\n"
    )
    with pytest.raises(FixtureError, match="scope orgId 2"):
        load_model(path, Fixture)


def test_fixture_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "payabli.yaml"
    path.write_text("tokens: [{token: t, name: n, secret: x}]\norganizations: [{orgId: 1, name: Org, entry: org}]\n")
    with pytest.raises(FixtureError, match=r"payabli.yaml:1: tokens.0.secret"):
        load_model(path, Fixture)


# -------------------------------------------------------------- determinism
SEQUENCE: list[tuple[str, dict[str, str], bytes]] = [
    (URL, AUTH, orjson.dumps(BODY)),
    (URL, AUTH, orjson.dumps(BODY)),  # duplicate
    (URL, AUTH, b'{"scope": [], "timeZone": "x"}'),
    (URL, {"requestToken": "nope"}, b"{}"),
    ("/payabli/api/Nope", AUTH, b"{}"),
    (URL, AUTH, b"[1]"),
    (URL, AUTH, orjson.dumps({**BODY, "email": "second@example.com", "usrStatus": 85})),
]


def _run(seed: int) -> tuple[list[tuple[int, bytes, list[tuple[str, str]]]], list[dict[str, Any]]]:
    # A frozen clock from start-up: generated users' createdAt is part of the state.
    with make_client("payabli", seed=seed, clock="frozen:2025-01-01T00:00:00Z") as c:
        replies = [(r.status_code, r.content, sorted(r.headers.items())) for r in (c.post(u, content=b, headers=h) for u, h, b in SEQUENCE)]
        users = [dict(u) for u in c.app.runtime.vendors["payabli"].users.values()]
    return replies, users


def test_same_seed_gives_byte_identical_responses_and_state() -> None:
    first, second = _run(7), _run(7)
    assert first == second
    assert [status for status, _, _ in first[0]] == [200, 400, 400, 401, 404, 400, 200]


def test_different_seed_gives_different_generated_users() -> None:
    (_, seven), (_, eight) = _run(7), _run(8)
    generated7 = [u for u in seven if u["createdBy"] == "generated"]
    generated8 = [u for u in eight if u["createdBy"] == "generated"]
    assert len(generated7) == len(generated8) == 3
    assert [u["Email"] for u in generated7] != [u["Email"] for u in generated8]
    assert [u["userId"] for u in generated7] == [u["userId"] for u in generated8] == [1000002, 1000003, 1000004]
    # through HTTP: seed 7's generated e-mail is taken under seed 7 only
    email = generated7[0]["Email"]
    assert email not in {u["Email"] for u in eight}
    for seed, status in ((7, 400), (8, 200)):
        with make_client("payabli", seed=seed) as c:
            assert c.post(URL, json={**BODY, "email": email}, headers=AUTH).status_code == status
