"""Sabi failures through HTTP: validation messages, ApiKey, duplicates, no state change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.sabi.helpers import AUTH, KEY, MINIMAL, REQUIRED, UNAUTHORIZED, URL, bad_request

client, _reset = vendor_client_fixture("sabi")

ROLES = ("CUSTOMER, MERCHANT, SUPPLIER, AGENCY_BANKING, SABI_AGENT, SABI_OWN, TRACE_BUYER, TRACE_SELLER, "
         "TENANT_SUPER_ADMIN, TENANT_ADMIN")


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({}, REQUIRED),
        ({**MINIMAL, "username": ""}, ["username should not be empty"]),
        ({**MINIMAL, "username": None}, REQUIRED[:2]),
        ({**MINIMAL, "password": 1234}, ["password must be a string"]),
        ({**MINIMAL, "firstName": ["Ada"]}, ["firstName must be a string"]),
        ({**MINIMAL, "lastName": False}, ["lastName must be a string"]),
        ({**MINIMAL, "role": "ADMIN"}, [f"role must be one of the following values: {ROLES}"]),
        ({**MINIMAL, "role": "customer"}, [f"role must be one of the following values: {ROLES}"]),
        ({**MINIMAL, "role": "TENANT_GLOBAL"}, [f"role must be one of the following values: {ROLES}"]),
        ({**MINIMAL, "gender": "Female"}, ["gender must be one of the following values: MALE, FEMALE"]),
        ({**MINIMAL, "gender": 1}, ["gender must be one of the following values: MALE, FEMALE"]),
        ({**MINIMAL, "tenantId": 5}, ["tenantId must be a string"]),
        ({**MINIMAL, "middleName": 5}, ["middleName must be a string"]),
        ({**MINIMAL, "phone": 8031234567}, ["phone must be a string"]),
        ({**MINIMAL, "dob": {"y": 1990}}, ["dob must be a string"]),
        ({**MINIMAL, "bvn": "123"}, ["bvn must be longer than or equal to 11 characters"]),
        ({**MINIMAL, "bvn": "123456789012"}, ["bvn must be shorter than or equal to 11 characters"]),
        ({**MINIMAL, "bvn": "1234567890a"}, ["bvn must be a number string"]),
        ({**MINIMAL, "bvn": "-1234567890"}, ["bvn must be a number string"]),
        ({**MINIMAL, "nin": ""}, ["nin must be a number string", "nin must be longer than or equal to 11 characters"]),
        ({**MINIMAL, "nin": 12345678901},
         ["nin must be a number string", "nin must be longer than or equal to 11 and shorter than or equal to 11 characters"]),
        ({**MINIMAL, "country": "NG"}, ["country must be an object", "nested property country must be either object or array"]),
        ({**MINIMAL, "country": [{"name": "Nigeria", "code": "NG"}]}, ["country must be an object"]),
        ({**MINIMAL, "country": {"code": "NG"}}, ["country.name should not be empty", "country.name must be a string"]),
        ({**MINIMAL, "country": {"name": "Nigeria", "code": "NG", "currency": 566}}, ["country.currency must be a string"]),
        ({**MINIMAL, "state": {}}, ["state.name should not be empty", "state.name must be a string",
                                    "state.code should not be empty", "state.code must be a string"]),
        ({**MINIMAL, "foreignerResidentialCity": {"name": "Accra", "code": 1}}, ["foreignerResidentialCity.code must be a string"]),
        (
            {"username": 7, "role": "X", "gender": "male", "city": "Ikeja", "nin": "abc"},
            [
                "username must be a string", *REQUIRED[2:4],
                f"role must be one of the following values: {ROLES}",  # the DTO's order, not the body's
                *REQUIRED[4:],
                "city must be an object", "nested property city must be either object or array",
                "gender must be one of the following values: MALE, FEMALE",
                "nin must be a number string", "nin must be longer than or equal to 11 characters",
            ],
        ),
    ],
)
def test_each_rule_fails_with_class_validator_messages(client: Any, body: dict[str, Any], messages: list[str]) -> None:
    response = client.post(URL, json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.json() == bad_request(*messages)
    assert list(response.json()) == ["statusCode", "message", "error"]


def test_seed_placeholders_fail_only_on_the_inferred_bvn_nin_rule(client: Any) -> None:
    placeholder = "<string>"
    body = dict.fromkeys(("username", "password", "tenantId", "firstName", "lastName", "middleName", "address", "photo", "identityType", "identityDoc", "actionBy", "dob", "phone", "bvn", "nin"), placeholder)
    body.update(role="CUSTOMER", gender="FEMALE", country={"name": placeholder, "code": placeholder, "currency": placeholder})
    response = client.post(URL, json=body, headers=AUTH)
    assert response.json() == bad_request(
        "bvn must be a number string", "bvn must be longer than or equal to 11 characters",
        "nin must be a number string", "nin must be longer than or equal to 11 characters",
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"ApiKey": ""}, {"ApiKey": "wrong-key"}, {"ApiKey": KEY + "x"}, {"Authorization": f"Bearer {KEY}"}, {"X-Api-Key": KEY}],
)
def test_missing_or_bad_api_key_is_401(client: Any, headers: dict[str, str]) -> None:
    response = client.post(URL, json=MINIMAL, headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert response.headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("name", ["ApiKey", "apikey", "APIKEY", "apiKey"])
def test_api_key_header_name_is_case_insensitive(client: Any, name: str) -> None:
    assert client.post(URL, json=MINIMAL, headers={name: KEY}).status_code == 201


def test_guard_runs_after_body_parsing_and_before_validation(client: Any) -> None:
    # Express's body-parser is middleware: its 400 comes before the guard's 401 ...
    malformed = client.post(URL, content=b'{"a":', headers={"Content-Type": "application/json"})
    assert malformed.json() == {"statusCode": 400, "message": "Unexpected end of JSON input", "error": "Bad Request"}
    # ... while the ValidationPipe only runs once the guard let the request in.
    assert client.post(URL, json={}, headers={}).json() == UNAUTHORIZED


def test_duplicate_username_is_409_case_insensitively(client: Any) -> None:
    assert client.post(URL, json=MINIMAL, headers=AUTH).status_code == 201
    conflict = {"statusCode": 409, "message": "User already exists", "error": "Conflict"}
    again = client.post(URL, json=MINIMAL, headers=AUTH)
    assert (again.status_code, again.json()) == (409, conflict)
    upper = client.post(URL, json={**MINIMAL, "username": "TUNDE@Example.NG", "password": "other"}, headers=AUTH)
    assert (upper.status_code, upper.json()) == (409, conflict)


def test_fixture_users_already_exist(client: Any) -> None:
    for username in ("adaeze.okafor@example.com.ng", "MUSA.ABDULLAHI@example.com.ng"):
        response = client.post(URL, json={**MINIMAL, "username": username}, headers=AUTH)
        assert response.status_code == 409


def test_validation_comes_before_the_duplicate_check(client: Any) -> None:
    body = {**MINIMAL, "username": "adaeze.okafor@example.com.ng", "gender": "F"}
    assert client.post(URL, json=body, headers=AUTH).json() == bad_request("gender must be one of the following values: MALE, FEMALE")


def test_failed_requests_change_no_state(client: Any) -> None:
    clean = client.post(URL, json=MINIMAL, headers=AUTH).json()
    client.post("/__admin/reset")
    client.post(URL, json={**MINIMAL, "gender": "x"}, headers=AUTH)
    client.post(URL, json=MINIMAL, headers={"ApiKey": "nope"})
    client.post(URL, json={**MINIMAL, "username": "adaeze.okafor@example.com.ng"}, headers=AUTH)
    client.post(URL, content=b"{", headers={**AUTH, "Content-Type": "application/json"})
    client.post(URL, content=b'{"x":"' + b"a" * (2 << 20) + b'"}', headers={**AUTH, "Content-Type": "application/json"})
    after = client.post(URL, json=MINIMAL, headers=AUTH).json()
    # Same id counters, pass id and handle: no id or random draw was spent by the failures
    # (ids compared without their first 8 hex digits, the wall-clock seconds).
    assert (after["_id"][8:], after["country"]["_id"][8:]) == (clean["_id"][8:], clean["country"]["_id"][8:])
    assert (after["passId"], after["userHandle"]) == (clean["passId"], clean["userHandle"])
