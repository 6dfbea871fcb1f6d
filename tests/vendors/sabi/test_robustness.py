"""Sabi robustness: body-parser errors, unknown routes, size limit, determinism."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.sabi.helpers import AUTH, JSON, MINIMAL, REQUIRED, URL

client, _reset = vendor_client_fixture("sabi")


def syntax(message: str) -> dict[str, Any]:
    return {"statusCode": 400, "message": message, "error": "Bad Request"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # V8 (Node <= 18) JSON.parse texts, positions as JS counts them
        (b'{"username": "a",}', "Unexpected token } in JSON at position 17"),
        (b'{"a": ', "Unexpected end of JSON input"),
        (b"{", "Unexpected end of JSON input"),
        (b'{"a" 1}', "Unexpected number in JSON at position 5"),
        (b'{"a":1 "b":2}', "Unexpected string in JSON at position 7"),
        (b"{a:1}", "Unexpected token a in JSON at position 1"),
        (b"{'a':1}", "Unexpected token ' in JSON at position 1"),
        (b'{"a":tru}', "Unexpected token } in JSON at position 8"),
        (b'{"a":01}', "Unexpected number in JSON at position 6"),
        (b'{"a":-}', "Unexpected token } in JSON at position 6"),
        (b'{"a":1.}', "Unexpected token } in JSON at position 7"),
        (b'{"a":"\\x"}', "Unexpected token x in JSON at position 7"),
        (b'{"a":"\n"}', "Unexpected token \n in JSON at position 6"),
        (b'{"a":"unterminated', "Unexpected end of JSON input"),
        (b"[1, 2,]", "Unexpected token ] in JSON at position 6"),
        (b"{} {}", "Unexpected token { in JSON at position 3"),
        (b'{"\xc3\xa9":1,,}', "Unexpected token , in JSON at position 7"),
        (b'{"a":NaN}', "Unexpected token N in JSON at position 5"),
        # body-parser's strict mode: only objects and arrays at the top level
        (b'"hello"', 'Unexpected token " in JSON at position 0'),
        (b"42", "Unexpected token 4 in JSON at position 0"),
        (b"  true", "Unexpected token t in JSON at position 2"),
        (b"null", "Unexpected token n in JSON at position 0"),
        (b"   ", "Unexpected end of JSON input"),
    ],
)
def test_malformed_json_is_express_syntax_error(client: Any, raw: bytes, message: str) -> None:
    response = client.post(URL, content=raw, headers=JSON)
    assert (response.status_code, response.json()) == (400, syntax(message))
    assert response.headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("raw", [b"[]", b"[1, 2]", b'[{"username": "a"}]', b"", b"{}"])
def test_arrays_and_empty_bodies_validate_as_an_empty_dto(client: Any, raw: bytes) -> None:
    response = client.post(URL, content=raw, headers=JSON)
    assert (response.status_code, response.json()) == (400, {"statusCode": 400, "message": REQUIRED, "error": "Bad Request"})


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml", "application/vnd.api+json"])
def test_unparsed_content_types_leave_an_empty_body(client: Any, content_type: str | None) -> None:
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(URL, content=b'{"username": "x"}', headers=headers)
    assert response.json() == {"statusCode": 400, "message": REQUIRED, "error": "Bad Request"}


def test_json_with_a_non_utf_charset_is_415(client: Any) -> None:
    response = client.post(URL, content=b"{}", headers={**AUTH, "Content-Type": "application/json; charset=latin1"})
    assert (response.status_code, response.json()) == (
        415, {"statusCode": 415, "message": 'unsupported charset "LATIN1"', "error": "Unsupported Media Type"},
    )
    ok = client.post(URL, content=b'{"username":"u@x.ng","password":"p","firstName":"A","lastName":"B"}',
                     headers={**AUTH, "Content-Type": "Application/JSON; Charset=UTF-8"})
    assert ok.status_code == 201


def test_body_over_one_mib_is_413(client: Any) -> None:
    response = client.post(URL, content=b'{"x": "' + b"a" * (2 << 20) + b'"}', headers=JSON)
    assert (response.status_code, response.json()) == (
        413, {"statusCode": 413, "message": "request entity too large", "error": "Payload Too Large"},
    )


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "/sabi/api/v1/nope", "Cannot POST /api/v1/nope"),
        ("GET", "/sabi/api/v1/nope", "Cannot GET /api/v1/nope"),
        ("GET", URL, "Cannot GET /api/v1/users/public"),
        ("PUT", URL, "Cannot PUT /api/v1/users/public"),
        ("DELETE", URL, "Cannot DELETE /api/v1/users/public"),
        ("PATCH", URL + "/", "Cannot PATCH /api/v1/users/public/"),
        ("GET", "/sabi", "Cannot GET /"),
        ("POST", "/sabi/api/v1/users/public/invitex", "Cannot POST /api/v1/users/public/invitex"),
        ("GET", URL + "/invite", "Cannot GET /api/v1/users/public/invite"),
        ("PUT", URL + "/invite/", "Cannot PUT /api/v1/users/public/invite/"),
        # no read route is documented for Sabi, so none is emulated
        ("GET", URL + "/65a4f410c0ffee0001000001", "Cannot GET /api/v1/users/public/65a4f410c0ffee0001000001"),
    ],
)
def test_unknown_route_or_method_is_nest_404(client: Any, method: str, path: str, message: str) -> None:
    response = client.request(method, path, json=MINIMAL, headers=AUTH)
    assert (response.status_code, response.json()) == (404, {"statusCode": 404, "message": message, "error": "Not Found"})


def test_wrong_types_everywhere_never_500(client: Any) -> None:
    body = {k: [1] for k in ("username", "password", "firstName", "lastName", "role", "gender", "phone", "country", "bvn")}
    response = client.post(URL, json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["message"] == [
        "username must be a string", "password must be a string",
        (
            "role must be one of the following values: CUSTOMER, MERCHANT, SUPPLIER, AGENCY_BANKING, SABI_AGENT, SABI_OWN, "
            "TRACE_BUYER, TRACE_SELLER, TENANT_SUPER_ADMIN, TENANT_ADMIN"
        ),
        "firstName must be a string", "lastName must be a string", "country must be an object",
        "gender must be one of the following values: MALE, FEMALE", "phone must be a string",
        "bvn must be a number string", "bvn must be longer than or equal to 11 characters",
    ]


def test_unicode_and_lone_surrogates_are_stored_safely(client: Any) -> None:
    body = b'{"username":"\\ud800x@example.ng","password":"p","firstName":"\xc3\x93l\xc3\xa1","lastName":"B\xe1\xba\xb9"}'
    response = client.post(URL, content=body, headers=JSON)
    assert response.status_code == 201
    assert response.json()["firstName"] == "Ólá" and response.json()["userHandle"].startswith("olabe")


def _sequence(seed: int) -> list[bytes]:
    with make_client("sabi", seed=seed, clock="frozen:2026-03-01T10:00:00Z") as c:
        out = []
        for n in range(3):
            out.append(c.post(URL, json={**MINIMAL, "username": f"u{n}@example.ng", "gender": "MALE"}, headers=AUTH).content)
        out.append(c.post(URL, json={**MINIMAL, "username": "u1@example.ng"}, headers=AUTH).content)
        out.append(c.post(URL, json={**MINIMAL, "username": "u9@example.ng", "state": {"name": "Oyo", "code": "OY"}}, headers=AUTH).content)
        return out


def test_same_seed_same_bytes_other_seed_other_values() -> None:
    first, second, other = _sequence(7), _sequence(7), _sequence(8)
    assert first == second
    assert first[3] == other[3]  # the 409 has nothing random in it
    for a, b in zip(first[:3] + first[4:], other[:3] + other[4:], strict=True):
        assert a != b
