"""eTelecom's Twirp gate and Go decoding through HTTP: every failure in {code,msg[,meta]}, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.etelecom.helpers import (
    BAO,
    HOA,
    HUNG,
    LAN,
    NOW,
    OWNER_KEY,
    ROUTE,
    SEED_EXAMPLE,
    TUAN,
    URL,
    bad_route,
    bearer,
    malformed,
)

client, _reset = vendor_client_fixture("etelecom")

TYPE = "shop.CreateAccountUserRequest"
FIELD = "Go struct field CreateAccountUserRequest"


def raw(client: Any, body: bytes, **headers: str) -> Any:
    return client.post(URL, content=body, headers={**bearer(OWNER_KEY), **headers})


# ------------------------------------------------------------------ gate
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_bad_route(client: Any, method: str) -> None:
    response = client.request(method, URL, headers=bearer(OWNER_KEY))
    assert response.status_code == 404
    assert response.json() == bad_route(f'unsupported method "{method}" (only POST is allowed)', f"{method} {ROUTE}")


def test_unknown_path_is_bad_route(client: Any) -> None:
    response = client.post("/etelecom/v1/shop.Shop/CreateAccountUsers", json={}, headers=bearer(OWNER_KEY))
    assert response.status_code == 404
    assert response.json() == bad_route(
        'no handler for path "/v1/shop.Shop/CreateAccountUsers"', "POST /v1/shop.Shop/CreateAccountUsers",
    )
    other = client.post("/etelecom/anything", json={})
    assert other.json() == bad_route('no handler for path "/anything"', "POST /anything")


def test_method_is_checked_before_the_path(client: Any) -> None:
    response = client.get("/etelecom/v1/nope")
    assert (response.status_code, response.json()) == (
        404, bad_route('unsupported method "GET" (only POST is allowed)', "GET /v1/nope"),
    )


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        (None, '""'),
        ("text/plain", '"text/plain"'),
        ("application/x-www-form-urlencoded", '"application/x-www-form-urlencoded"'),
        ("application/jsonx", '"application/jsonx"'),
    ],
)
def test_wrong_content_type_is_bad_route(client: Any, content_type: str | None, shown: str) -> None:
    headers = {"Authorization": f"Bearer {OWNER_KEY}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post(URL, content=b'{"full_name":"A"}', headers=headers)
    assert response.status_code == 404
    assert response.json() == bad_route(f"unexpected Content-Type: {shown}", f"POST {ROUTE}")


def test_content_type_is_checked_before_auth(client: Any) -> None:
    response = client.post(URL, content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.json()["code"] == "bad_route"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON", " application/json ;x=1"])
def test_content_type_parameters_and_case_are_accepted(client: Any, content_type: str) -> None:
    client.post("/__admin/clock", json={"freeze": True, "set": NOW})
    response = raw(client, b'{"full_name":"A B","password":"x","phone":"0911222333","roles":["salesman"]}', **{"Content-Type": content_type})
    assert response.status_code == 200


# ---------------------------------------------------------------- decoding
@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (b"", "unexpected end of JSON input"),
        (b"{", "unexpected end of JSON input"),
        (b"{bad}", "invalid character 'b' looking for beginning of object key string"),
        (b'{"full_name" "x"}', "invalid character '\"' after object key"),
        (b'{"full_name":"x" "phone":"y"}', "invalid character '\"' after object key:value pair"),
        (b'{"full_name":}', "invalid character '}' looking for beginning of value"),
        (b'{"full_name":"x"}garbage', "invalid character 'g' after top-level value"),
        (b"{'full_name':'x'}", "invalid character '\\'' looking for beginning of object key string"),
        (b'{"roles":["a" "b"]}', "invalid character '\"' after array element"),
        (b'{"full_name":tru}', "invalid character '}' in literal true (expecting 'e')"),
        (b'{"full_name":"a\x01"}', "invalid character '\\x01' in string literal"),
        (b"full_name=x", "invalid character 'u' in literal false (expecting 'a')"),
        (b"[]", f"json: cannot unmarshal array into Go value of type {TYPE}"),
        (b'"text"', f"json: cannot unmarshal string into Go value of type {TYPE}"),
        (b"42", f"json: cannot unmarshal number into Go value of type {TYPE}"),
        (b"true", f"json: cannot unmarshal bool into Go value of type {TYPE}"),
        (b'{"full_name":7,"password":"x","phone":"0901234567"}', f"json: cannot unmarshal number into {FIELD}.full_name of type string"),
        (b'{"phone":["0901234567"],"full_name":7}', f"json: cannot unmarshal array into {FIELD}.phone of type string"),
        (b'{"password":{"a":1}}', f"json: cannot unmarshal object into {FIELD}.password of type string"),
        (b'{"roles":"salesman"}', f"json: cannot unmarshal string into {FIELD}.roles of type []shop_user_role.UserRole"),
        # a role is read by UserRole's UnmarshalJSON: a number is the enum's (3 = telecom_customerservice), false is not
        (b'{"roles":["salesman",3,false]}', "cannot unmarshal `false` into enum UserRole"),
        (b'{"full_name":7,"roles":["boss"]}', 'unrecognized enum UserRole value "boss"'),  # it aborts: ahead of a type error
        (b'{"full_name":true}', f"json: cannot unmarshal bool into {FIELD}.full_name of type string"),
    ],
)
def test_undecodable_bodies_are_malformed(client: Any, body: bytes, cause: str) -> None:
    response = raw(client, body)
    assert (response.status_code, response.json()) == (400, malformed(cause))


def test_decoding_comes_before_auth(client: Any) -> None:
    response = client.post(URL, content=b"[1]", headers={"Content-Type": "application/json"})
    assert response.json()["code"] == "malformed"


def test_null_body_is_an_empty_request_like_go(client: Any) -> None:
    response = raw(client, b"null")
    assert (response.status_code, response.json()) == (
        400, {"code": "invalid_argument", "msg": "Vui lòng điền họ tên"},
    )


def test_invalid_utf8_is_replaced_like_go(client: Any) -> None:
    client.post("/__admin/clock", json={"freeze": True, "set": NOW})
    response = raw(client, b'{"full_name":"A \xff","password":"x","phone":"0911222333","roles":["salesman"]}')
    assert response.status_code == 200
    assert response.json()["full_name"] == "A \ufffd"


def test_body_over_one_mib_is_malformed(client: Any) -> None:
    body = b'{"full_name":"' + b"x" * (2 << 20) + b'"}'
    response = raw(client, body)
    assert (response.status_code, response.json()) == (400, malformed("http: request body too large"))


def test_answers_are_json_even_for_gate_errors(client: Any) -> None:
    response = client.put(URL)
    assert response.headers["content-type"] == "application/json"


# ------------------------------------------------------------- determinism
SEQUENCE: list[tuple[str, dict[str, Any]]] = [
    (OWNER_KEY, SEED_EXAMPLE),
    (OWNER_KEY, {**SEED_EXAMPLE, "phone": "0911000222", "roles": ["salesman"]}),
    (OWNER_KEY, {**SEED_EXAMPLE, "phone": "0911000222"}),
    (OWNER_KEY, {**SEED_EXAMPLE, "phone": "0978123456"}),
    (OWNER_KEY, {"full_name": 1}),
]


def _run(seed: int) -> list[bytes]:
    with make_client("etelecom", seed=seed, clock=f"frozen:{NOW}") as c:
        return [c.post(URL, json=body, headers=bearer(key)).content for key, body in SEQUENCE]


def test_same_seed_gives_byte_identical_responses() -> None:
    assert _run(7) == _run(7)


def test_different_seed_gives_different_ids() -> None:
    seven, eight = _run(7), _run(8)
    assert seven[0] != eight[0] and seven[1] != eight[1]
    assert seven[2:] == eight[2:]  # errors and the reused fixture user do not depend on the seed


def _generated(seed: int) -> list[tuple[str, str]]:
    with make_client("etelecom", seed=seed) as c:
        users = c.app.runtime.vendors["etelecom"].users.values()
        return [(u["full_name"], u["phone"]) for u in users if u["id"] not in (HUNG, LAN, TUAN, BAO, HOA)]


def test_generated_fixture_users_follow_the_seed() -> None:
    assert len(_generated(7)) == 3
    assert _generated(7) == _generated(7)
    assert _generated(7) != _generated(8)
