"""Payabli's user login family (user_auth.py): the calls the official SDK offers besides the user CRUD.

Issue 14: ``auth_user``, ``auth_refresh_user``, ``auth_reset_user``, ``change_psw_user``,
``logout_user``, ``edit_mfa_user``, ``resend_mfa_code`` and ``validate_mfa_user`` answered
404, 405 or a misleading 400/3003 "userId must be an integer".  Now each has its
answer, its errors in the PayabliErrorBody, and its state on the virtual clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.payabli.envelopes import UNAUTHORIZED, e3003, error
from tests.vendors.payabli.helpers import AUTH, BASE, CREATED, FIRST_NEW_ID, URL

client, _reset = vendor_client_fixture("payabli")

APP = {"requestToken": "pbx-demo-token-app-5b1e8d0c93a7", "Content-Type": "application/json"}
HERMAN = {"email": "herman.martinez@example.com", "psw": "Herman-s3cret!"}
LOGIN = f"{URL}/auth/null"
DONE = {"isSuccess": True, "responseText": "Success"}
CLOCK = "2026-01-01T00:00:00Z"


def unauthorized(explanation: str, todo: str) -> dict[str, Any]:
    return {"isSuccess": False, "responseText": "Error", "responseData": {"explanation": explanation, "todoAction": todo}}


INVALID = unauthorized("Invalid user credentials.", "Check the user's e-mail and password and try again.")
LOCKED = unauthorized("The user is locked.", "Ask an administrator to unlock the user (usrStatus 1).")
INACTIVE = unauthorized("The user is inactive.", "Ask an administrator to activate the user (usrStatus 1).")
APP_ONLY = unauthorized(
    "This endpoint requires an application API token.", "Send an application API token (PartnerHub > Developers > API Tokens) in the requestToken header.",
)
USER_ONLY = unauthorized(
    "This endpoint requires a user token.",
    "Log the user in (POST /User/auth/{provider}, then POST /User/mfa with MFA on) and send its token in the requestToken header.",
)
E3001 = error(3001, "Invalid entrypoint name", "Correct the parameter and try again.")


@pytest.fixture(autouse=True)
def _frozen(client: Any) -> Any:
    assert client.post("/__admin/clock", json={"freeze": True, "set": CLOCK}).status_code == 200
    yield
    client.post("/__admin/clock", json={"freeze": False})


def advance(client: Any, seconds: int) -> None:
    assert client.post("/__admin/clock", json={"advance": seconds}).status_code == 200


def login(client: Any, **changes: Any) -> str:
    response = client.post(LOGIN, json={**HERMAN, **changes}, headers=APP)
    assert response.status_code == 200, response.text
    token: str = response.json()["responseData"]
    return token


def user(token: str, **extra: str) -> dict[str, str]:
    return {"requestToken": token, **extra}


def mfa_on(client: Any, user_id: int = 1000000, mode: int = 0) -> None:
    assert client.put(f"{URL}/mfa/{user_id}", json={"mfa": True, "mfaMode": mode}, headers=AUTH).json() == DONE


# ---------------------------------------------------------------- login without MFA
def test_login_answers_the_user_token_and_sets_last_access(client: Any) -> None:
    response = client.post(LOGIN, json=HERMAN, headers=APP)
    body = response.json()
    assert response.status_code == 200
    assert list(body) == ["responseText", "isSuccess", "responseData", "mfa"]
    assert (body["responseText"], body["isSuccess"], body["mfa"]) == ("Success", True, False)
    token = body["responseData"]
    assert token.startswith("u.") and len(token) == 42 and token[2:].isalnum()
    assert client.get(f"{URL}/1000000", headers=AUTH).json()["lastAccess"] == CLOCK


def test_the_user_token_reaches_the_user_routes(client: Any) -> None:
    token = login(client)
    assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 200
    assert client.get(f"{URL}/1000000", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(f"{BASE}/Query/users/org/123", headers=user(token)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {**HERMAN, "email": "HERMAN.Martinez@Example.com"},  # the login name is case-insensitive
        {"userId": 1000000, "psw": HERMAN["psw"]},
        {**HERMAN, "entry": "pilgrim-planner", "entryType": 0},  # its own organization
        {**HERMAN, "entry": "demo-paypoint", "entryType": 2},  # a paypoint under it
        {"EMAIL": HERMAN["email"], "Psw": HERMAN["psw"]},  # .NET binds names case-insensitively
    ],
)
def test_login_variants(client: Any, body: dict[str, Any]) -> None:
    response = client.post(LOGIN, json=body, headers=APP)
    assert response.status_code == 200, response.text
    assert response.json()["mfa"] is False


@pytest.mark.parametrize("path", [f"{BASE}/user/AUTH/NULL", f"{BASE}/User/auth/Null/"])
def test_login_path_as_asp_net_matches_it(client: Any, path: str) -> None:
    assert client.post(path, json=HERMAN, headers=APP).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({**HERMAN, "psw": "wrong"}, 401, INVALID),
        ({**HERMAN, "email": "nobody@example.com"}, 401, INVALID),
        ({"userId": 1000099, "psw": "x"}, 401, INVALID),
        ({**HERMAN, "entry": "propertymanager-pro", "entryType": 0}, 401, INVALID),  # above the user's scope
        ({"email": "lucia.fernandez@example.com", "psw": "Lucia-s3cret!"}, 401, LOCKED),
        ({"email": "lucia.fernandez@example.com", "psw": "wrong"}, 401, INVALID),  # the status only after the password
        ({"psw": "x"}, 400, e3003("email is required")),
        ({"email": HERMAN["email"]}, 400, e3003("psw is required")),
        ({**HERMAN, "psw": ""}, 400, e3003("psw is required")),
        ({**HERMAN, "entry": "pilgrim-planner"}, 400, e3003("entryType is required when entry is set")),
        ({**HERMAN, "entry": "pilgrim-planner", "entryType": 2}, 400, e3003("entryType must be 0 for pilgrim-planner")),
        ({**HERMAN, "entry": "nowhere", "entryType": 0}, 400, {**E3001, "responseData": {**E3001["responseData"]}}),
        ({**HERMAN, "email": "not-an-email"}, 400, e3003("email is not a valid email address")),
        ({**HERMAN, "userId": "1000000"}, 400, e3003("userId must be an integer")),
    ],
)
def test_login_refusals(client: Any, body: dict[str, Any], status: int, expected: dict[str, Any]) -> None:
    response = client.post(LOGIN, json=body, headers=APP)
    assert (response.status_code, response.json()) == (status, expected)


def test_a_user_without_a_password_cannot_log_in(client: Any) -> None:
    assert client.post(URL, json={"email": "nopwd@example.com", "scope": [{"orgId": 123}]}, headers=AUTH).content == CREATED
    response = client.post(LOGIN, json={"email": "nopwd@example.com", "psw": "anything"}, headers=APP)
    assert (response.status_code, response.json()) == (401, INVALID)


def test_an_inactive_user_is_refused_after_the_password(client: Any) -> None:
    assert client.put(f"{URL}/1000000", json={"usrStatus": 0}, headers=AUTH).status_code == 200
    response = client.post(LOGIN, json=HERMAN, headers=APP)
    assert (response.status_code, response.json()) == (401, INACTIVE)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (AUTH, APP_ONLY),  # an organization token
        ({"requestToken": "nope", "Content-Type": "application/json"}, UNAUTHORIZED),
        ({"Content-Type": "application/json"}, UNAUTHORIZED),
    ],
)
def test_login_needs_an_application_token(client: Any, headers: dict[str, str], expected: dict[str, Any]) -> None:
    response = client.post(LOGIN, json=HERMAN, headers=headers)
    assert (response.status_code, response.json()) == (401, expected)


def test_login_provider_and_content_type(client: Any) -> None:
    response = client.post(f"{URL}/auth/google", json=HERMAN, headers=APP)
    assert (response.status_code, response.json()) == (400, e3003("provider google is not supported: send null (the built-in provider)"))
    plain = client.post(LOGIN, content=b"email=x", headers={**APP, "Content-Type": "text/plain"})
    assert plain.status_code == 415


# ---------------------------------------------------------------- the user token's life
def test_refresh_answers_a_new_token_and_ends_the_old_one(client: Any) -> None:
    token = login(client)
    response = client.post(f"{URL}/authrefresh", headers=user(token))
    body = response.json()
    assert (response.status_code, list(body)) == (200, ["responseText", "isSuccess", "responseData", "remaining", "inactiveTokenTime"])
    assert (body["remaining"], body["inactiveTokenTime"]) == (120, 30)
    fresh = body["responseData"]
    assert fresh != token and fresh.startswith("u.")
    assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 401
    assert client.get(f"{URL}/1000000", headers=user(fresh)).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/authrefresh", None), ("GET", "/authlogout", None), ("PUT", "/authpsw", {"psw": "N3w"}),
])
def test_session_calls_need_the_user_token(client: Any, method: str, path: str, body: Any) -> None:
    for headers, expected in ((AUTH, USER_ONLY), (APP, USER_ONLY), ({"requestToken": "u.nope"}, USER_ONLY)):
        response = client.request(method, URL + path, json=body, headers=headers)
        assert (response.status_code, response.json()) == (401, expected), headers


def test_the_token_expires_on_the_virtual_clock(client: Any) -> None:
    token = login(client)
    for _ in range(4):  # used every 29 minutes: alive past the idle limit...
        advance(client, 29 * 60)
        assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 200
    advance(client, 3 * 60 + 59)  # ...until 2 h after the login
    assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 200
    advance(client, 1)
    assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 401


def test_an_unused_token_expires_after_the_idle_time(client: Any) -> None:
    token = login(client)
    advance(client, 30 * 60 - 1)
    refreshed = client.post(f"{URL}/authrefresh", headers=user(token)).json()
    advance(client, 30 * 60)
    response = client.post(f"{URL}/authrefresh", headers=user(refreshed["responseData"]))
    assert (response.status_code, response.json()) == (401, USER_ONLY)


def test_logout_ends_the_token(client: Any) -> None:
    token = login(client)
    response = client.get(f"{URL}/authlogout", headers=user(token))
    assert (response.status_code, response.json(), list(response.json())) == (200, DONE, ["isSuccess", "responseText"])
    assert client.get(f"{URL}/authlogout", headers=user(token)).status_code == 401
    assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 401


def test_password_change_takes_the_new_password(client: Any) -> None:
    token = login(client)
    response = client.put(f"{URL}/authpsw", json={"psw": "N3w-s3cret!"}, headers=user(token, **{"Content-Type": "application/json"}))
    assert (response.status_code, response.json()) == (200, DONE)
    assert client.post(LOGIN, json=HERMAN, headers=APP).status_code == 401
    assert client.post(LOGIN, json={**HERMAN, "psw": "N3w-s3cret!"}, headers=APP).status_code == 200
    blank = client.put(f"{URL}/authpsw", json={"psw": " "}, headers=user(token))
    assert (blank.status_code, blank.json()) == (400, e3003("psw is required"))


@pytest.mark.parametrize("change", [{"usrStatus": 85}, {"usrStatus": 0}, None])
def test_a_locked_inactive_or_deleted_users_token_ends(client: Any, change: dict[str, Any] | None) -> None:
    token = login(client)
    if change is None:
        assert client.delete(f"{URL}/1000000", headers=AUTH).status_code == 200
    else:
        assert client.put(f"{URL}/1000000", json=change, headers=AUTH).status_code == 200
    assert client.post(f"{URL}/authrefresh", headers=user(token)).status_code == 401


def test_reset_forgets_every_token(client: Any) -> None:
    token = login(client)
    assert client.post("/__admin/reset").status_code == 200
    client.post("/__admin/clock", json={"freeze": True, "set": CLOCK})
    assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 401


def test_test_sessions_keep_their_own_tokens(client: Any) -> None:
    response = client.post(LOGIN, json=HERMAN, headers={**APP, "X-Mock-Session": "alpha"})
    token = response.json()["responseData"]
    assert client.get(f"{URL}/1000000", headers={**user(token), "X-Mock-Session": "alpha"}).status_code == 200
    assert client.get(f"{URL}/1000000", headers=user(token)).status_code == 401


# ---------------------------------------------------------------- MFA
def test_mfa_login_then_validate(client: Any) -> None:
    mfa_on(client)
    response = client.post(LOGIN, json=HERMAN, headers=APP)
    body = response.json()
    assert list(body) == ["responseText", "isSuccess", "responseData", "mfa", "mfaMode", "mfaValidationCode"]
    assert (body["responseData"], body["mfa"], body["mfaMode"]) == ("h***@e**.com", True, "email")
    assert len(body["mfaValidationCode"].split("-")) == 16
    assert client.get(f"{URL}/1000000", headers=AUTH).json()["lastAccess"] == "2022-07-01T15:00:01Z"  # not yet logged in
    advance(client, 60)
    done = client.post(f"{URL}/mfa", json={"mfaCode": "123456", "mfaValidationCode": body["mfaValidationCode"]}, headers=AUTH)
    assert done.status_code == 200
    token = done.json()
    assert (list(token), token["remaining"], token["inactiveTokenTime"]) == (
        ["responseText", "isSuccess", "responseData", "remaining", "inactiveTokenTime"], 120, 30,
    )
    assert client.get(f"{URL}/1000000", headers=user(token["responseData"])).json()["lastAccess"] == "2026-01-01T00:01:00Z"
    again = client.post(f"{URL}/mfa", json={"mfaCode": "123456", "mfaValidationCode": body["mfaValidationCode"]}, headers=AUTH)
    assert (again.status_code, again.json()) == (400, e3003("mfaValidationCode is unknown or expired: log in again"))


def test_sms_mode_masks_the_phone(client: Any) -> None:
    mfa_on(client, mode=1)
    body = client.post(LOGIN, json=HERMAN, headers=APP).json()
    assert (body["responseData"], body["mfaMode"]) == ("******0000", "sms")


def test_wrong_codes_spend_the_validation_code(client: Any) -> None:
    mfa_on(client)
    code = client.post(LOGIN, json=HERMAN, headers=APP).json()["mfaValidationCode"]
    for expected in ("mfaCode is not valid", "mfaCode is not valid", "mfaCode is not valid; no attempts left: log in again"):
        response = client.post(f"{URL}/mfa", json={"mfaCode": "000000", "mfaValidationCode": code}, headers=AUTH)
        assert (response.status_code, response.json()) == (400, e3003(expected))
    late = client.post(f"{URL}/mfa", json={"mfaCode": "123456", "mfaValidationCode": code}, headers=AUTH)
    assert late.json() == e3003("mfaValidationCode is unknown or expired: log in again")


def test_the_code_expires_on_the_virtual_clock(client: Any) -> None:
    mfa_on(client)
    code = client.post(LOGIN, json=HERMAN, headers=APP).json()["mfaValidationCode"]
    advance(client, 5 * 60)
    response = client.post(f"{URL}/mfa", json={"mfaCode": "123456", "mfaValidationCode": code}, headers=AUTH)
    assert (response.status_code, response.json()) == (400, e3003("mfaValidationCode is unknown or expired: log in again"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"mfaCode": "123456"}, e3003("mfaValidationCode is required")),
        ({"mfaValidationCode": "AA"}, e3003("mfaCode is required")),
        ({"mfaCode": 123456, "mfaValidationCode": "AA"}, e3003("mfaCode must be a string")),
    ],
)
def test_validate_refusals(client: Any, body: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.post(f"{URL}/mfa", json=body, headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)


def test_resend_ends_the_earlier_code(client: Any) -> None:
    mfa_on(client)
    first = client.post(LOGIN, json=HERMAN, headers=APP).json()["mfaValidationCode"]
    response = client.post(f"{URL}/resendmfa/herman.martinez@example.com/pilgrim-planner/0", headers=AUTH)
    body = response.json()
    assert (response.status_code, body["mfa"], body["mfaMode"], body["responseData"]) == (200, True, "email", "h***@e**.com")
    assert body["mfaValidationCode"] != first
    stale = client.post(f"{URL}/mfa", json={"mfaCode": "123456", "mfaValidationCode": first}, headers=AUTH)
    assert stale.status_code == 400
    fresh = client.post(f"{URL}/mfa", json={"mfaCode": "123456", "mfaValidationCode": body["mfaValidationCode"]}, headers=AUTH)
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("herman.martinez@example.com/pilgrim-planner/0", e3003("usrname has no MFA: nothing to send")),
        ("nobody@example.com/pilgrim-planner/0", e3003("usrname nobody@example.com is not a user")),
        ("herman.martinez@example.com/nowhere/0", E3001),
        ("herman.martinez@example.com/pilgrim-planner/2", e3003("entryType must be 0 for pilgrim-planner")),
        ("herman.martinez@example.com/pilgrim-planner/x", e3003("entryType must be an integer")),
    ],
)
def test_resend_refusals(client: Any, path: str, expected: dict[str, Any]) -> None:
    response = client.post(f"{URL}/resendmfa/{path}", headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)


def test_resend_outside_the_users_scope(client: Any) -> None:
    mfa_on(client)
    response = client.post(f"{URL}/resendmfa/herman.martinez@example.com/propertymanager-pro/0", headers=AUTH)
    assert (response.status_code, response.json()) == (400, e3003("entry propertymanager-pro is not in the user's scope"))


# ---------------------------------------------------------------- MFA settings, reset
def test_edit_mfa_is_partial_and_shows_on_get(client: Any) -> None:
    mfa_on(client, mode=1)
    assert client.put(f"{URL}/mfa/1000000", json={"mfaMode": None}, headers=AUTH).json() == DONE
    record = client.get(f"{URL}/1000000", headers=AUTH).json()
    assert (record["UsrMFA"], record["UsrMFAMode"]) == (True, 1)
    assert client.put(f"{URL}/mfa/1000000", json={"mfa": False}, headers=AUTH).json() == DONE
    assert client.post(LOGIN, json=HERMAN, headers=APP).json()["mfa"] is False


@pytest.mark.parametrize(
    ("user_id", "body", "expected"),
    [
        ("1000099", {"mfa": True}, e3003("userId 1000099 does not exist")),
        ("abc", {"mfa": True}, e3003("userId must be an integer")),
        ("1000000", {"mfa": "yes"}, e3003("mfa must be a boolean")),
        ("1000000", {"mfaMode": 2**31}, e3003("mfaMode must be a 32-bit integer")),
    ],
)
def test_edit_mfa_refusals(client: Any, user_id: str, body: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.put(f"{URL}/mfa/{user_id}", json=body, headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)


@pytest.mark.parametrize("email", ["herman.martinez@example.com", "nobody@example.com"])
def test_reset_answers_alike_for_any_email(client: Any, email: str) -> None:
    response = client.post(f"{URL}/authreset", json={"email": email, "entry": "pilgrim-planner", "entryType": 0}, headers=AUTH)
    assert (response.status_code, response.json()) == (200, DONE)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, e3003("email is required")),
        ({"email": "x"}, e3003("email is not a valid email address")),
        ({"email": HERMAN["email"], "entry": "nowhere", "entryType": 0}, E3001),
    ],
)
def test_reset_refusals(client: Any, body: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.post(f"{URL}/authreset", json=body, headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/mfa"), ("POST", "/resendmfa/a@example.com/pilgrim-planner/0"), ("POST", "/authreset"), ("PUT", "/mfa/1000000"),
])
def test_api_credential_first(client: Any, method: str, path: str) -> None:
    response = client.request(method, URL + path, json={}, headers={"requestToken": "nope"})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_a_new_user_logs_in_with_the_pwd_it_was_created_with(client: Any) -> None:
    body = {"email": "fresh@example.com", "pwd": "Fr3sh!", "scope": [{"orgId": 123}], "mfaData": {"mfa": False}}
    assert client.post(URL, json=body, headers=AUTH).content == CREATED
    token = login(client, email="fresh@example.com", psw="Fr3sh!")
    assert client.get(f"{URL}/{FIRST_NEW_ID}", headers=user(token)).json()["lastAccess"] == CLOCK


def test_login_errors_are_forced_on_the_login_call_not_create_user(client: Any) -> None:
    forced = client.post(LOGIN, json=HERMAN, headers={**APP, "X-Mock-Error": "USER_LOCKED"})
    assert (forced.status_code, forced.json()) == (401, LOCKED)
    refused = client.post(URL, json={"scope": [{"orgId": 123}]}, headers={**AUTH, "X-Mock-Error": "USER_LOCKED"})
    assert refused.status_code == 400 and refused.headers["x-mock-problem"] == "scenario"
