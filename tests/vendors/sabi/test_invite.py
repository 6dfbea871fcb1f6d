"""Sabi's invite variant through HTTP: POST /api/v1/users/public/invite?invitedByName=&invitedByEmail=&platformLink=&invitation=."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.sabi.helpers import AUTH, JSON, KEY, MINIMAL, NOW, REQUIRED, SEED_KEYS, UNAUTHORIZED, URL, bad_request

client, _reset = vendor_client_fixture("sabi")

INVITE = URL + "/invite"
QUERY = {"invitedByName": "Ngozi Obi", "invitedByEmail": "ngozi.obi@example.ng",
         "platformLink": "https://trace.example.ng/join", "invitation": "SABI"}
INVITATIONS = "MERCHANT, SUPPLIER, TRACE, AGENCY, CUSTOMER, AGENT, SABI, MANAGEMENT"
MISSING_QUERY = [
    "invitedByName should not be empty", "invitedByName must be a string",
    "invitedByEmail should not be empty", "invitedByEmail must be an email",
    "platformLink should not be empty", "platformLink must be a string",
    "invitation should not be empty", f"invitation must be one of the following values: {INVITATIONS}",
]
CONFLICT = {"statusCode": 409, "message": "User already exists", "error": "Conflict"}
RANDOM = ("_id", "country", "passId", "userHandle")


@pytest.fixture(autouse=True)
def _frozen(client: Any) -> None:
    client.post("/__admin/clock", json={"freeze": True, "set": NOW})


def invite(client: Any, body: Any = None, query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
    return client.post(INVITE, params=QUERY if query is None else query, json=MINIMAL if body is None else body,
                       headers=AUTH if headers is None else headers)


def test_invite_returns_201_and_the_created_document(client: Any) -> None:
    response = invite(client)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    doc = response.json()
    assert list(doc) == SEED_KEYS
    assert doc["invitationType"] == "SABI"
    assert doc["createdBy"] == "ngozi.obi@example.ng"
    # Everything else is what the plain create route gives for the same body.
    created = client.post(URL, json={**MINIMAL, "username": "other@example.ng"}, headers=AUTH).json()
    assert (created["invitationType"], created["createdBy"]) == ("SELF", None)
    differs = set(RANDOM) | {"invitationType", "createdBy", "username"}
    assert {k: v for k, v in doc.items() if k not in differs} == {k: v for k, v in created.items() if k not in differs}
    assert doc["username"] == "tunde@example.ng" and doc["createdAt"] == doc["updatedAt"] == NOW
    assert doc["roles"] == ["CUSTOMER"] and doc["password"] is None and doc["status"] == "ACTIVE"


@pytest.mark.parametrize("invitation", ["MERCHANT", "SUPPLIER", "TRACE", "AGENCY", "CUSTOMER", "AGENT", "SABI", "MANAGEMENT"])
def test_every_documented_invitation_is_accepted(client: Any, invitation: str) -> None:
    response = invite(client, query={**QUERY, "invitation": invitation})
    assert response.status_code == 201 and response.json()["invitationType"] == invitation


def test_full_body_and_role_work_as_on_create(client: Any) -> None:
    body = {**MINIMAL, "role": "MERCHANT", "gender": "MALE", "state": {"name": "Lagos", "code": "LA"}, "bvn": "22212345678",
            "tenantId": "65f0a1b2c3d4e5f601234567"}
    doc = invite(client, body=body, query={**QUERY, "invitation": "MERCHANT"}).json()
    assert doc["roles"] == ["MERCHANT"] and doc["gender"] == "MALE" and doc["bvn"] == "22212345678"
    assert doc["state"] == {"name": "Lagos", "code": "LA", "_id": doc["state"]["_id"]}
    assert doc["tenants"] == ["65f0a1b2c3d4e5f601234567"] and doc["invitationType"] == "MERCHANT"


def test_query_values_are_url_decoded_and_extra_params_ignored(client: Any) -> None:
    raw = ("?invitedByName=Ng%C3%B3zi+Obi&invitedByEmail=ngozi%2Btrace%40example.ng"
           "&platformLink=https%3A%2F%2Ftrace.example.ng%2Fjoin%3Fref%3D1&invitation=TRACE&utm=x")
    response = client.post(INVITE + raw, json=MINIMAL, headers=AUTH)
    assert response.status_code == 201
    assert (response.json()["createdBy"], response.json()["invitationType"]) == ("ngozi+trace@example.ng", "TRACE")


def test_trailing_slash_also_invites(client: Any) -> None:
    assert client.post(INVITE + "/", params=QUERY, json=MINIMAL, headers=AUTH).status_code == 201


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ({}, MISSING_QUERY),
        ({**QUERY, "invitedByName": ""}, ["invitedByName should not be empty"]),
        ({k: v for k, v in QUERY.items() if k != "invitedByName"}, MISSING_QUERY[0:2]),
        ({k: v for k, v in QUERY.items() if k != "invitedByEmail"}, MISSING_QUERY[2:4]),
        ({**QUERY, "invitedByEmail": ""}, MISSING_QUERY[2:4]),
        ({**QUERY, "invitedByEmail": "ngozi"}, ["invitedByEmail must be an email"]),
        ({**QUERY, "invitedByEmail": "ngozi@example"}, ["invitedByEmail must be an email"]),
        ({k: v for k, v in QUERY.items() if k != "platformLink"}, MISSING_QUERY[4:6]),
        ({**QUERY, "platformLink": ""}, ["platformLink should not be empty"]),
        ({k: v for k, v in QUERY.items() if k != "invitation"}, MISSING_QUERY[6:8]),
        ({**QUERY, "invitation": ""}, MISSING_QUERY[6:8]),
        ({**QUERY, "invitation": "sabi"}, [MISSING_QUERY[7]]),
        ({**QUERY, "invitation": "SELF"}, [MISSING_QUERY[7]]),
        # Express query keys are case-sensitive
        ({"InvitedByName": "Ngozi", **{k: v for k, v in QUERY.items() if k != "invitedByName"}}, MISSING_QUERY[0:2]),
        ({"invitedByName": "", "invitedByEmail": "x", "platformLink": "", "invitation": "AGENTS"},
         ["invitedByName should not be empty", "invitedByEmail must be an email", "platformLink should not be empty",
          MISSING_QUERY[7]]),
    ],
)
def test_each_query_rule_fails_with_class_validator_messages(client: Any, query: dict[str, str], messages: list[str]) -> None:
    response = invite(client, query=query)
    assert (response.status_code, response.json()) == (400, bad_request(*messages))
    assert list(response.json()) == ["statusCode", "message", "error"]


def test_body_rules_are_the_create_rules_and_come_before_the_query(client: Any) -> None:
    response = invite(client, body={**MINIMAL, "gender": "Female"})
    assert response.json() == bad_request("gender must be one of the following values: MALE, FEMALE")
    # a bad body hides bad query params: the body's pipe rejects first
    assert invite(client, body={}, query={}).json() == bad_request(*REQUIRED)
    assert invite(client, body=MINIMAL, query={}).json() == bad_request(*MISSING_QUERY)


@pytest.mark.parametrize("headers", [{}, {"ApiKey": ""}, {"ApiKey": "wrong"}, {"ApiKey": "sabi-sandbox-revoked-key-0003"}])
def test_missing_bad_or_revoked_key_is_401_before_any_validation(client: Any, headers: dict[str, str]) -> None:
    response = invite(client, body={}, query={}, headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize("name", ["ApiKey", "apikey", "APIKEY"])
def test_api_key_header_name_is_case_insensitive(client: Any, name: str) -> None:
    assert invite(client, headers={name: KEY}).status_code == 201


def test_usernames_are_shared_with_the_create_route(client: Any) -> None:
    assert client.post(URL, json=MINIMAL, headers=AUTH).status_code == 201
    again = invite(client, body={**MINIMAL, "username": "TUNDE@example.ng"})
    assert (again.status_code, again.json()) == (409, CONFLICT)
    assert invite(client, body={**MINIMAL, "username": "invited@example.ng"}).status_code == 201
    back = client.post(URL, json={**MINIMAL, "username": "invited@example.ng"}, headers=AUTH)
    assert (back.status_code, back.json()) == (409, CONFLICT)
    twice = invite(client, body={**MINIMAL, "username": "invited@example.ng"}, query={**QUERY, "invitation": "AGENT"})
    assert (twice.status_code, twice.json()) == (409, CONFLICT)


def test_fixture_users_already_exist(client: Any) -> None:
    response = invite(client, body={**MINIMAL, "username": "adaeze.okafor@example.com.ng"})
    assert (response.status_code, response.json()) == (409, CONFLICT)


def test_validation_comes_before_the_duplicate_check(client: Any) -> None:
    body = {**MINIMAL, "username": "adaeze.okafor@example.com.ng"}
    assert invite(client, body=body, query={**QUERY, "invitation": "X"}).json() == bad_request(MISSING_QUERY[7])


def test_failed_invites_change_no_state(client: Any) -> None:
    clean = invite(client).json()
    client.post("/__admin/reset")
    invite(client, query={})
    invite(client, body={**MINIMAL, "gender": "x"})
    invite(client, headers={"ApiKey": "nope"})
    invite(client, body={**MINIMAL, "username": "adaeze.okafor@example.com.ng"})
    client.post(INVITE, params=QUERY, content=b"{", headers=JSON)
    client.post(INVITE, params=QUERY, content=b'{"x":"' + b"a" * (2 << 20) + b'"}', headers=JSON)
    after = invite(client).json()
    assert after == clean  # frozen clock: same ids, pass id and handle, nothing spent


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"username": "a",}', {"statusCode": 400, "message": "Unexpected token } in JSON at position 17", "error": "Bad Request"}),
        (b'"hello"', {"statusCode": 400, "message": 'Unexpected token " in JSON at position 0', "error": "Bad Request"}),
        (b"42", {"statusCode": 400, "message": "Unexpected token 4 in JSON at position 0", "error": "Bad Request"}),
        (b"[1, 2]", bad_request(*REQUIRED)),
        (b"", bad_request(*REQUIRED)),
    ],
)
def test_malformed_and_non_object_bodies(client: Any, raw: bytes, expected: dict[str, Any]) -> None:
    response = client.post(INVITE, params=QUERY, content=raw, headers=JSON)
    assert (response.status_code, response.json()) == (expected["statusCode"], expected)


def test_body_over_one_mib_is_413(client: Any) -> None:
    response = client.post(INVITE, params=QUERY, content=b'{"x": "' + b"a" * (2 << 20) + b'"}', headers=JSON)
    assert (response.status_code, response.json()) == (
        413, {"statusCode": 413, "message": "request entity too large", "error": "Payload Too Large"},
    )


def test_wrong_types_never_500(client: Any) -> None:
    body = {k: {"a": [1]} for k in ("username", "password", "firstName", "lastName")}
    response = invite(client, body=body)
    assert response.json() == bad_request("username must be a string", "password must be a string",
                                          "firstName must be a string", "lastName must be a string")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_nest_404(client: Any, method: str) -> None:
    response = client.request(method, INVITE, params=QUERY, json=MINIMAL, headers=AUTH)
    query = response.request.url.query.decode()  # Nest echoes the URL as requested
    assert (response.status_code, response.json()) == (
        404, {"statusCode": 404, "message": f"Cannot {method} /api/v1/users/public/invite?{query}", "error": "Not Found"},
    )


def _sequence(seed: int) -> list[bytes]:
    with make_client("sabi", seed=seed, clock="frozen:2026-03-01T10:00:00Z") as c:
        out = []
        for n, invitation in enumerate(("SABI", "TRACE")):
            body = {**MINIMAL, "username": f"u{n}@example.ng"}
            out.append(c.post(INVITE, params={**QUERY, "invitation": invitation}, json=body, headers=AUTH).content)
        out.append(c.post(URL, json={**MINIMAL, "username": "u2@example.ng"}, headers=AUTH).content)
        out.append(c.post(INVITE, params=QUERY, json={**MINIMAL, "username": "u2@example.ng"}, headers=AUTH).content)
        return out


def test_same_seed_same_bytes_other_seed_other_values() -> None:
    first, second, other = _sequence(7), _sequence(7), _sequence(8)
    assert first == second
    assert first[3] == other[3]  # the 409 has nothing random in it
    for a, b in zip(first[:3], other[:3], strict=True):
        assert a != b
