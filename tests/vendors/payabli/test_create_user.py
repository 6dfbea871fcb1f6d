"""Payabli create-user through HTTP: seed example, rules, auth, duplicates, state."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.core.samples import edited
from tests.vendors.payabli.envelopes import E3004, E3006, E3201, UNAUTHORIZED, e3003, error
from tests.vendors.payabli.helpers import CREATED, FIRST_NEW_ID, SEED_EXAMPLE, SEED_RECORD, TOKEN, URL, vendor

client, _reset = vendor_client_fixture("payabli")



@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return client.get("/__admin/vendors").json()["payabli"]["headers"]


def with_(**changes: Any) -> dict[str, Any]:
    return edited(SEED_EXAMPLE, **changes)


# ------------------------------------------------------------------ success
def test_describe_gives_working_constant_credentials(client: Any) -> None:
    info = client.get("/__admin/vendors").json()["payabli"]
    assert info["headers"] == {"requestToken": TOKEN, "Content-Type": "application/json"}
    # the OAuth2 client-credentials request is the "login"
    assert info["login"] == {"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-client-secret-9d2e7b41"}
    assert info["login_route"] == "POST http://testserver/payabli/api/v2/Token/serverside"
    assert info["create_user"].endswith("/payabli/api/User") and info["base_url"].endswith("/payabli/api")


def test_seed_example_succeeds_with_every_documented_field(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers=auth)
    assert response.status_code == 200
    assert response.content == CREATED  # exact body, documented key order
    body = response.json()
    assert list(body) == ["responseText", "isSuccess", "responseData"]
    assert isinstance(body["responseText"], str) and body["isSuccess"] is True and body["responseData"] is None
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_created_user_is_kept_server_side_with_an_int64_id(client: Any, auth: dict[str, str]) -> None:
    client.post(URL, json=SEED_EXAMPLE, headers=auth)
    record = vendor(client).users.get(FIRST_NEW_ID)
    assert record is not None
    assert {k: record[k] for k in ("userId", "Email", "Name", "Phone", "UsrStatus", "language", "timeZone", "UsrMFA", "UsrMFAMode")} == {
        "userId": FIRST_NEW_ID, "Email": "example@email.com", "Name": "Sean Smith", "Phone": "5555555555",
        "UsrStatus": 1, "language": "en", "timeZone": -5, "UsrMFA": True, "UsrMFAMode": 0,
    }
    assert record["Scope"] == [{"orgEntry": "pilgrim-planner", "orgId": 123, "orgType": 0}]
    assert record["Access"] == [{"roleLabel": "customers", "roleValue": True}]
    assert record["AdditionalData"] == {"key1": "value1", "key2": "value2", "key3": "value3"}
    assert record["pwdHash"] and "<string>" not in record["pwdHash"]  # a digest, never the password
    assert record["createdBy"] == "Demo organization token"


def test_stored_record_renders_as_user_query_record(client: Any, auth: dict[str, str]) -> None:
    from mockserver.vendors.payabli.responses import query_record

    client.post("/__admin/clock", json={"freeze": True, "set": "2024-05-06T07:08:09.500Z"})
    try:
        client.post(URL, json=SEED_EXAMPLE, headers=auth)
    finally:
        client.post("/__admin/clock", json={"freeze": False})
    assert query_record(vendor(client).users.get(FIRST_NEW_ID)) == SEED_RECORD


def test_ids_count_up_per_created_user(client: Any, auth: dict[str, str]) -> None:
    for n in range(3):
        assert client.post(URL, json=with_(email=f"user{n}@example.com"), headers=auth).status_code == 200
    assert [vendor(client).users.get(FIRST_NEW_ID + n)["Email"] for n in range(3)] == [f"user{n}@example.com" for n in range(3)]


def test_only_scope_is_needed_and_nulls_take_defaults(client: Any, auth: dict[str, str]) -> None:
    body = dict.fromkeys(SEED_EXAMPLE) | {"scope": [{"orgType": 0, "orgId": 123}]}
    response = client.post(URL, json=body, headers=auth)
    assert response.content == CREATED
    record = vendor(client).users.get(FIRST_NEW_ID)
    assert (record["Email"], record["UsrStatus"], record["timeZone"], record["language"], record["UsrMFA"], record["Access"]) == (
        None, 1, 0, "en", False, [],
    )
    # no e-mail, no uniqueness: a second one is fine
    assert client.post(URL, json={"scope": [{"orgId": 123}]}, headers=auth).content == CREATED
    assert vendor(client).users.get(FIRST_NEW_ID + 1)["Scope"] == [{"orgEntry": "pilgrim-planner", "orgId": 123, "orgType": 0}]


@pytest.mark.parametrize(
    "changes",
    [
        {"timeZone": -12}, {"timeZone": 12}, {"usrStatus": 0}, {"usrStatus": 85}, {"language": "es"},
        {"scope": [{"orgType": 0, "orgId": 236}, {"orgType": None, "orgId": 123}]},
        {"phone": "1" * 50}, {"additionalData": {"k": "x" * 100}},  # the published limits, at the boundary
        {"additionalData": {"k": None}}, {"access": []}, {"mfaData": {}},
        {"unknownField": {"ignored": True}},
    ],
)
def test_boundary_and_optional_values_are_accepted(client: Any, auth: dict[str, str], changes: dict[str, Any]) -> None:
    assert client.post(URL, json=with_(**changes), headers=auth).content == CREATED


def test_property_names_bind_case_insensitively(client: Any, auth: dict[str, str]) -> None:
    body = {
        "EMAIL": "casey@example.com", "Name": "Casey", "Scope": [{"ORGTYPE": 0, "orgid": 236}],
        "Access": [{"RoleLabel": "reports", "ROLEVALUE": False}], "MfaData": {"MFA": True, "mfamode": 1}, "TimeZone": 3,
    }
    assert client.post(URL, json=body, headers=auth).content == CREATED
    record = vendor(client).users.get(FIRST_NEW_ID)
    assert record["Email"] == "casey@example.com" and record["timeZone"] == 3
    assert record["Scope"] == [{"orgEntry": "propertymanager-pro", "orgId": 236, "orgType": 0}]
    assert record["Access"] == [{"roleLabel": "reports", "roleValue": False}]
    assert (record["UsrMFA"], record["UsrMFAMode"]) == (True, 1)


# --------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"scope": []}, E3201),
        ({"scope": None}, E3201),
        ({"scope": ...}, E3201),
        ({"timeZone": 13}, E3004),
        ({"timeZone": -13}, E3004),
        ({"usrStatus": -99}, E3006),
        ({"usrStatus": 2}, E3006),
        ({"scope": [{"orgType": 2, "orgId": 255}]}, e3003("scope[0].orgType must be 0 (organization)")),  # a paypoint: issue 14
        ({"scope": [{"orgType": 2, "orgId": 999}]}, e3003("scope[0].orgType must be 0 (organization)")),
        ({"language": "fr"}, e3003("language must be one of en, es")),
        ({"language": "EN"}, e3003("language must be one of en, es")),
        ({"email": "not-an-email"}, e3003("email is not a valid email address")),
        ({"email": ""}, e3003("email is not a valid email address")),
        ({"email": "a" * 309 + "@example.com"}, e3003("email must be at most 320 characters")),
        ({"timeZone": "5"}, e3003("timeZone must be an integer")),
        ({"timeZone": 5.5}, e3003("timeZone must be an integer")),
        ({"timeZone": True}, e3003("timeZone must be an integer")),
        ({"timeZone": 2**31}, e3003("timeZone must be a 32-bit integer")),
        ({"usrStatus": "1"}, e3003("usrStatus must be an integer")),
        ({"name": 5}, e3003("name must be a string")),
        ({"phone": 5555555555}, e3003("phone must be a string")),
        ({"pwd": ["x"]}, e3003("pwd must be a string")),
        ({"scope": {"orgType": 0, "orgId": 123}}, e3003("scope must be an array")),
        ({"scope": ["x"]}, e3003("scope[0] must be an object")),
        ({"scope": [{"orgType": 0, "orgId": "123"}]}, e3003("scope[0].orgId must be an integer")),
        ({"scope": [{"orgType": 0, "orgId": 2**63}]}, e3003("scope[0].orgId must be a 64-bit integer")),
        ({"scope": [{"orgType": 0, "orgId": 999}]}, e3003("scope[0].orgId 999 is not a known organization")),
        ({"scope": [{"orgType": 1, "orgId": 123}]}, e3003("scope[0].orgType must be 0 (organization)")),
        ({"scope": [{"orgType": 0}]}, e3003("scope[0].orgId is required")),
        ({"scope": [{"orgType": 0, "orgId": 123}, {"orgType": 0, "orgId": 7}]}, e3003("scope[1].orgId 7 is not a known organization")),
        ({"access": {"roleLabel": "x"}}, e3003("access must be an array")),
        ({"access": [{"roleLabel": "customers", "roleValue": "yes"}]}, e3003("access[0].roleValue must be a boolean")),
        ({"access": [{"roleLabel": 1, "roleValue": True}]}, e3003("access[0].roleLabel must be a string")),
        ({"mfaData": []}, e3003("mfaData must be an object")),
        ({"mfaData": {"mfa": "true", "mfaMode": 0}}, e3003("mfaData.mfa must be a boolean")),
        ({"mfaData": {"mfa": True, "mfaMode": "0"}}, e3003("mfaData.mfaMode must be an integer")),
        ({"additionalData": "text"}, e3003("additionalData must be an object")),
        ({"additionalData": {"key1": 1}}, e3003("additionalData.key1 must be a string")),
    ],
)
def test_each_rule_fails_with_its_response_code(client: Any, auth: dict[str, str], changes: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.post(URL, json=with_(**changes), headers=auth)
    assert response.status_code == 400
    assert response.json() == expected
    assert list(response.json()) == ["isSuccess", "responseCode", "responseText", "responseData"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # first failing field in UserData order decides: scope < usrStatus < timeZone
        (
            {"scope": [], "usrStatus": -99, "timeZone": 20},
            error(3201, "Empty scope array for user: scope is empty; usrStatus must be 0, 1 or 85; timeZone must be between -12 and +12", "Provide a valid scope for user."),
        ),
        (
            {"usrStatus": 7, "timeZone": 20},
            error(3006, "Invalid user status: usrStatus must be 0, 1 or 85; timeZone must be between -12 and +12", "Provide a valid status value for user (either 0, 1, or 85)."),
        ),
        (
            {"email": "bad", "timeZone": 20},
            error(3003, "Invalid parameter value in request: email is not a valid email address; timeZone must be between -12 and +12", "Provide the correct value for parameter."),
        ),
        # a binding (JSON type) error wins over every later rule, and every field is still named
        (
            {"scope": [], "usrStatus": -99, "timeZone": "5"},
            e3003("scope is empty", "usrStatus must be 0, 1 or 85", "timeZone must be an integer"),
        ),
        (
            {"scope": None, "language": "de", "mfaData": {"mfa": 1}},
            e3003("scope is required", "language must be one of en, es", "mfaData.mfa must be a boolean"),
        ),
    ],
)
def test_several_failures_pick_one_code_and_name_every_field(client: Any, auth: dict[str, str], changes: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.post(URL, json=with_(**changes), headers=auth)
    assert (response.status_code, response.json()) == (400, expected)


# --------------------------------------------------------------------- auth
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"requestToken": ""},
        {"requestToken": "   "},
        {"requestToken": "pbx-demo-token-unknown"},
        {"requestToken": TOKEN.upper()},
        {"requestToken": "pbx-demo-token-expired-0000"},
        {"Authorization": f"Bearer {TOKEN}"},
        {"request-token": TOKEN},
    ],
)
def test_auth_failures_answer_401(client: Any, headers: dict[str, str]) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert list(response.json()) == ["isSuccess", "responseText", "responseData"]


@pytest.mark.parametrize("name", ["requestToken", "requesttoken", "REQUESTTOKEN", "RequestToken"])
def test_header_name_is_case_insensitive(client: Any, name: str) -> None:
    assert client.post(URL, json=SEED_EXAMPLE, headers={name: TOKEN}).content == CREATED


def test_application_token_also_works_and_is_recorded(client: Any) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers={"requestToken": "pbx-demo-token-app-5b1e8d0c93a7"})
    assert response.content == CREATED
    assert vendor(client).users.get(FIRST_NEW_ID)["createdBy"] == "Demo application token"


def test_auth_is_checked_before_the_body(client: Any) -> None:
    response = client.post(URL, content=b"{not json", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


# --------------------------------------------------------------- duplicates
DUPLICATE = e3003("email is already in use by another user")


def test_duplicate_email(client: Any, auth: dict[str, str]) -> None:
    assert client.post(URL, json=SEED_EXAMPLE, headers=auth).content == CREATED
    again = client.post(URL, json=SEED_EXAMPLE, headers=auth)
    assert (again.status_code, again.json()) == (400, DUPLICATE)
    upper = client.post(URL, json=with_(email="EXAMPLE@Email.com", name="Other"), headers=auth)
    assert (upper.status_code, upper.json()) == (400, DUPLICATE)


@pytest.mark.parametrize("email", ["herman.martinez@example.com", "Lucia.Fernandez@EXAMPLE.com"])
def test_fixture_users_already_exist(client: Any, auth: dict[str, str], email: str) -> None:
    response = client.post(URL, json=with_(email=email), headers=auth)
    assert (response.status_code, response.json()) == (400, DUPLICATE)


def test_generated_users_already_exist(client: Any, auth: dict[str, str]) -> None:
    generated = [u for u in vendor(client).users.values() if u["createdBy"] == "generated"]
    assert [u["userId"] for u in generated] == [1000002, 1000003, 1000004]
    response = client.post(URL, json=with_(email=generated[0]["Email"]), headers=auth)
    assert (response.status_code, response.json()) == (400, DUPLICATE)


def test_validation_is_reported_before_a_duplicate(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=with_(email="herman.martinez@example.com", timeZone=99), headers=auth)
    assert response.json() == E3004


# -------------------------------------------------------------------- state
def test_failed_requests_change_no_state(client: Any, auth: dict[str, str]) -> None:
    users = vendor(client).users
    before = {key: dict(users.get(key)) for key in users}
    failures = [
        client.post(URL, json=with_(scope=[]), headers=auth),
        client.post(URL, json=with_(timeZone="x"), headers=auth),
        client.post(URL, json=SEED_EXAMPLE, headers={"requestToken": "nope"}),
        client.post(URL, json=with_(email="herman.martinez@example.com"), headers=auth),
        client.post(URL, content=b'{"scope":', headers=auth),
        client.post(URL, content=b"{}", headers={"requestToken": TOKEN, "Content-Type": "text/plain"}),
    ]
    assert [r.status_code for r in failures] == [400, 400, 401, 400, 400, 415]
    assert {key: users.get(key) for key in users} == before
    # the e-mail of a failed create is still free, and the next id was not consumed
    assert client.post(URL, json=SEED_EXAMPLE, headers=auth).content == CREATED
    assert users.get(FIRST_NEW_ID)["Email"] == "example@email.com"
    assert len(users) == len(before) + 1


def test_reset_forgets_created_users(client: Any, auth: dict[str, str]) -> None:
    assert client.post(URL, json=SEED_EXAMPLE, headers=auth).content == CREATED
    client.post("/__admin/reset")
    assert client.post(URL, json=SEED_EXAMPLE, headers=auth).content == CREATED
    assert vendor(client).users.get(FIRST_NEW_ID)["Email"] == "example@email.com"
