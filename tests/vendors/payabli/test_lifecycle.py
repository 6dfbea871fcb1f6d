"""Payabli user lifecycle through HTTP: GET / PUT / DELETE /User/{userId} and the users Query endpoints."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.payabli.envelopes import E3004, E3006, E3201, UNAUTHORIZED, e3003, error
from tests.vendors.payabli.helpers import AUTH, BASE, CREATED, FIRST_NEW_ID, SEED_EXAMPLE, SEED_RECORD, TOKEN, URL, vendor

client, _reset = vendor_client_fixture("payabli")

EDITED = b'{"isSuccess":true,"responseText":"Success"}'
DELETED = b'{"responseText":"Success"}'
RECORD_KEYS = [
    "userId", "Email", "Name", "Phone", "snProvider", "snIdentifier", "snData", "Scope", "Access", "UsrStatus",
    "language", "timeZone", "UsrMFA", "UsrMFAMode", "createdAt", "lastAccess", "AdditionalData",
]
# The newest SDK's QuerySummary (sdk-python 1.0.19): `pageidentifier` in lower case, amounts floats.
SUMMARY_KEYS = ["pageidentifier", "pageSize", "totalAmount", "totalNetAmount", "totalPages", "totalRecords"]
HERMAN = {
    "userId": 1000000, "Email": "herman.martinez@example.com", "Name": "Herman Martinez", "Phone": "3055550000",
    "snProvider": None, "snIdentifier": None, "snData": None,
    "Scope": [{"orgEntry": "pilgrim-planner", "orgId": 123, "orgType": 0}],
    "Access": [{"roleLabel": "customers", "roleValue": True}],
    "UsrStatus": 1, "language": "en", "timeZone": -5, "UsrMFA": False, "UsrMFAMode": 0,
    "createdAt": "2022-07-01T15:00:01Z", "lastAccess": "2022-07-01T15:00:01Z", "AdditionalData": None,
}
LUCIA = {
    "userId": 1000001, "Email": "lucia.fernandez@example.com", "Name": "Lucia Fernandez", "Phone": "7865550101",
    "snProvider": None, "snIdentifier": None, "snData": None,
    "Scope": [{"orgEntry": "demo-paypoint", "orgId": 255, "orgType": 2}],
    "Access": [{"roleLabel": "transactions", "roleValue": True}],
    "UsrStatus": 85, "language": "es", "timeZone": -5, "UsrMFA": True, "UsrMFAMode": 0,
    "createdAt": "2023-03-14T09:30:00Z", "lastAccess": None, "AdditionalData": None,
}
def not_found(user_id: int) -> dict[str, Any]:
    return e3003(f"userId {user_id} does not exist")


E3001 = error(3001, "Invalid entrypoint name", "Correct the parameter and try again.")
DUPLICATE = e3003("email is already in use by another user")


def frozen(client: Any, at: str = "2024-05-06T07:08:09Z") -> None:
    assert client.post("/__admin/clock", json={"freeze": True, "set": at}).status_code == 200


@pytest.fixture(autouse=True)
def _thaw(client: Any) -> Any:
    yield
    client.post("/__admin/clock", json={"freeze": False})


def summary(size: int, pages: int, records: int, following: int | None = None) -> dict[str, Any]:
    """``following``: where the next page starts (its token), None on the last page."""
    token = None if following is None else base64.urlsafe_b64encode(f"fromRecord={following}&limitRecord={size}".encode()).decode().rstrip("=")
    return {"pageidentifier": token, "pageSize": size, "totalAmount": 0.0, "totalNetAmount": 0.0, "totalPages": pages, "totalRecords": records}


def org_ids(client: Any, path: str, **params: Any) -> list[int]:
    response = client.get(f"{BASE}/Query/users/{path}", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return [r["userId"] for r in response.json()["Records"]]


def scoped(client: Any, org_type: int, org_id: int) -> list[int]:
    """What the store says: ids of users scoped to (org_type, org_id), ascending."""
    users = vendor(client).users.values()
    return sorted(u["userId"] for u in users if any(s["orgType"] == org_type and s["orgId"] == org_id for s in u["Scope"]))


# ----------------------------------------------------------------- the flow
def test_create_find_read_update_delete_and_reuse_the_email(client: Any) -> None:
    frozen(client)
    assert client.post(URL, json=SEED_EXAMPLE, headers=AUTH).content == CREATED  # no id in the answer
    # the Query endpoint is how a client learns the id
    found = client.get(f"{BASE}/Query/users/org/123", params={"email(eq)": "example@email.com"}, headers=AUTH)
    assert found.status_code == 200
    assert [r["userId"] for r in found.json()["Records"]] == [FIRST_NEW_ID]
    user_id = found.json()["Records"][0]["userId"]

    read = client.get(f"{URL}/{user_id}", headers=AUTH)
    expected = SEED_RECORD
    assert (read.status_code, read.json()) == (200, expected)
    assert list(read.json()) == RECORD_KEYS
    assert found.json()["Records"][0] == expected

    update = client.put(f"{URL}/{user_id}", json={"name": "Sean Q. Smith", "timeZone": -8, "scope": [{"orgType": 0, "orgId": 236}]}, headers=AUTH)
    assert (update.status_code, update.content) == (200, EDITED)
    after = client.get(f"{URL}/{user_id}", headers=AUTH).json()
    assert after == expected | {"Name": "Sean Q. Smith", "timeZone": -8, "Scope": [{"orgEntry": "propertymanager-pro", "orgId": 236, "orgType": 0}]}
    # the new scope moves the user between the Query endpoints
    assert user_id not in org_ids(client, "org/123")
    assert user_id in org_ids(client, "org/236")

    delete = client.delete(f"{URL}/{user_id}", headers=AUTH)
    assert (delete.status_code, delete.content) == (200, DELETED)
    gone = client.get(f"{URL}/{user_id}", headers=AUTH)
    assert (gone.status_code, gone.json()) == (400, not_found(user_id))
    assert user_id not in org_ids(client, "org/236")
    # the e-mail is free again; the new user gets a new id
    assert client.post(URL, json=SEED_EXAMPLE, headers=AUTH).content == CREATED
    assert org_ids(client, "org/123", **{"email(eq)": "example@email.com"}) == [FIRST_NEW_ID + 1]


# ---------------------------------------------------------------------- GET
def test_get_a_fixture_user(client: Any) -> None:
    response = client.get(f"{URL}/1000000", headers=AUTH)
    assert (response.status_code, response.json()) == (200, HERMAN)
    assert list(response.json()) == RECORD_KEYS
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_get_ignores_entry_and_level(client: Any) -> None:
    response = client.get(f"{URL}/1000001", params={"entry": "8cfec329267", "level": "2"}, headers=AUTH)
    assert (response.status_code, response.json()) == (200, LUCIA)


def test_get_needs_no_content_type(client: Any) -> None:
    response = client.get(f"{URL}/1000000", headers={"requestToken": TOKEN})
    assert response.json() == HERMAN


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        ("999", not_found(999)),
        ("1000099", not_found(1000099)),
        ("-1", not_found(-1)),
        ("abc", e3003("userId must be an integer")),
        ("1.5", e3003("userId must be an integer")),
        ("99999999999999999999", e3003("userId must be a 64-bit integer")),
    ],
)
def test_get_unknown_or_malformed_ids(client: Any, user_id: str, expected: dict[str, Any]) -> None:
    response = client.get(f"{URL}/{user_id}", headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)


# ---------------------------------------------------------------------- PUT
def test_put_is_partial_absent_and_null_fields_keep_their_value(client: Any) -> None:
    response = client.put(f"{URL}/1000000", json={"phone": "3055559999", "name": None, "scope": None, "mfaData": {"mfaMode": 2}}, headers=AUTH)
    assert response.content == EDITED
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN | {"Phone": "3055559999", "UsrMFAMode": 2}


def test_put_replaces_lists_and_additional_data(client: Any) -> None:
    body = {
        "access": [{"roleLabel": "reports", "roleValue": False}, {"roleLabel": "users", "roleValue": True}],
        "scope": [{"orgType": 0, "orgId": 236}, {"orgType": None, "orgId": 123}],
        "additionalData": {"crm": "42"}, "usrStatus": 85, "language": "es", "mfaData": {"mfa": True},
    }
    assert client.put(f"{URL}/1000000", json=body, headers=AUTH).content == EDITED
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN | {
        "Access": [{"roleLabel": "reports", "roleValue": False}, {"roleLabel": "users", "roleValue": True}],
        "Scope": [{"orgEntry": "propertymanager-pro", "orgId": 236, "orgType": 0}, {"orgEntry": "pilgrim-planner", "orgId": 123, "orgType": 0}],
        "AdditionalData": {"crm": "42"}, "UsrStatus": 85, "language": "es", "UsrMFA": True,
    }


def test_put_an_empty_body_changes_nothing(client: Any) -> None:
    assert client.put(f"{URL}/1000000", json={}, headers=AUTH).content == EDITED
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN


def test_put_binds_property_names_case_insensitively(client: Any) -> None:
    assert client.put(f"{URL}/1000000", json={"NAME": "H. Martinez", "TimeZone": 2}, headers=AUTH).content == EDITED
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN | {"Name": "H. Martinez", "timeZone": 2}


def test_put_password_is_stored_as_a_digest(client: Any) -> None:
    assert client.put(f"{URL}/1000000", json={"pwd": "n3w-Secret"}, headers=AUTH).content == EDITED
    record = vendor(client).users.get(1000000)
    assert record["pwdHash"] and "n3w-Secret" not in record["pwdHash"]
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN  # never rendered


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"scope": []}, E3201),
        ({"timeZone": 13}, E3004),
        ({"usrStatus": -99}, E3006),
        ({"scope": [{"orgType": 2, "orgId": 255}]}, e3003("scope[0].orgType must be 0 (organization)")),  # issue 14
        ({"email": "not-an-email"}, e3003("email is not a valid email address")),
        ({"language": "fr"}, e3003("language must be one of en, es")),
        ({"timeZone": "5"}, e3003("timeZone must be an integer")),
        ({"scope": [{"orgType": 0, "orgId": 7}]}, e3003("scope[0].orgId 7 is not a known organization")),
        ({"mfaData": {"mfa": "yes"}, "name": 5}, e3003("name must be a string", "mfaData.mfa must be a boolean")),
    ],
)
def test_put_has_the_create_rules(client: Any, body: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.put(f"{URL}/1000000", json=body, headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN


@pytest.mark.parametrize(
    ("raw", "clause"),
    [(b"{", "is not valid JSON"), (b"", "is empty"), (b"[]", "must be a JSON object"), (b'"x"', "must be a JSON object")],
)
def test_put_bodies_that_are_not_a_json_object(client: Any, raw: bytes, clause: str) -> None:
    response = client.put(f"{URL}/1000000", content=raw, headers=AUTH)
    assert (response.status_code, response.json()) == (400, e3003(f"body {clause}"))


def test_put_needs_a_json_content_type(client: Any) -> None:
    response = client.put(f"{URL}/1000000", content=b'{"name": "X"}', headers={"requestToken": TOKEN, "Content-Type": "text/plain"})
    assert (response.status_code, response.json()) == (415, {
        "isSuccess": False, "responseText": "Error",
        "responseData": {"explanation": "Unsupported media type", "todoAction": "Send the body as JSON with the header Content-Type: application/json."},
    })


def test_put_email_to_another_users_is_a_duplicate(client: Any) -> None:
    response = client.put(f"{URL}/1000000", json={"email": "LUCIA.fernandez@example.com"}, headers=AUTH)
    assert (response.status_code, response.json()) == (400, DUPLICATE)
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN


def test_put_own_email_in_another_case_is_fine_and_a_changed_email_frees_the_old_one(client: Any) -> None:
    assert client.put(f"{URL}/1000000", json={"email": "Herman.Martinez@example.com"}, headers=AUTH).content == EDITED
    assert client.get(f"{URL}/1000000", headers=AUTH).json()["Email"] == "Herman.Martinez@example.com"
    assert client.put(f"{URL}/1000000", json={"email": "herman@example.com"}, headers=AUTH).content == EDITED
    # the old address can be taken by a new user; the new one cannot
    assert client.post(URL, json=SEED_EXAMPLE | {"email": "herman.martinez@example.com"}, headers=AUTH).content == CREATED
    taken = client.post(URL, json=SEED_EXAMPLE | {"email": "HERMAN@example.com"}, headers=AUTH)
    assert (taken.status_code, taken.json()) == (400, DUPLICATE)


def test_put_unknown_user_after_the_body_is_valid(client: Any) -> None:
    missing = client.put(f"{URL}/1000099", json={"name": "Nobody"}, headers=AUTH)
    assert (missing.status_code, missing.json()) == (400, not_found(1000099))
    # the body is bound (and rejected) before the user is looked up
    invalid = client.put(f"{URL}/1000099", json={"timeZone": 99}, headers=AUTH)
    assert invalid.json() == E3004
    malformed = client.put(f"{URL}/x", json={"name": "Nobody"}, headers=AUTH)
    assert (malformed.status_code, malformed.json()) == (400, e3003("userId must be an integer"))


def test_failed_updates_and_deletes_change_no_state(client: Any) -> None:
    users = vendor(client).users
    before = {key: dict(users.get(key)) for key in users}
    failures = [
        client.put(f"{URL}/1000000", json={"scope": [], "name": "Changed"}, headers=AUTH),
        client.put(f"{URL}/1000000", json={"email": "lucia.fernandez@example.com", "name": "Changed"}, headers=AUTH),
        client.put(f"{URL}/1000000", json={"name": "Changed"}, headers={"requestToken": "nope", "Content-Type": "application/json"}),
        client.put(f"{URL}/1000099", json={"name": "Changed"}, headers=AUTH),
        client.delete(f"{URL}/1000000", headers={"requestToken": "pbx-demo-token-expired-0000"}),
        client.delete(f"{URL}/1000099", headers=AUTH),
    ]
    assert [r.status_code for r in failures] == [400, 400, 401, 400, 401, 400]
    assert {key: users.get(key) for key in users} == before


# ------------------------------------------------------------------- DELETE
def test_delete_a_fixture_user_frees_its_email(client: Any) -> None:
    response = client.delete(f"{URL}/1000001", headers={"requestToken": TOKEN})
    assert (response.status_code, response.content) == (200, DELETED)
    assert list(response.json()) == ["responseText"]
    assert client.get(f"{URL}/1000001", headers=AUTH).json() == not_found(1000001)
    again = client.delete(f"{URL}/1000001", headers=AUTH)
    assert (again.status_code, again.json()) == (400, not_found(1000001))
    assert org_ids(client, "point/demo-paypoint") == []
    body = SEED_EXAMPLE | {"email": "lucia.fernandez@example.com", "scope": [{"orgType": 0, "orgId": 236}]}
    assert client.post(URL, json=body, headers=AUTH).content == CREATED
    assert org_ids(client, "org/236", **{"email(eq)": "lucia.fernandez@example.com"}) == [FIRST_NEW_ID]


def test_reset_restores_deleted_and_edited_users(client: Any) -> None:
    client.delete(f"{URL}/1000001", headers=AUTH)
    client.put(f"{URL}/1000000", json={"name": "Changed"}, headers=AUTH)
    client.post("/__admin/reset")
    assert client.get(f"{URL}/1000000", headers=AUTH).json() == HERMAN
    assert client.get(f"{URL}/1000001", headers=AUTH).json() == LUCIA


# --------------------------------------------------------------------- auth
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/User/1000000"), ("PUT", "/User/1000000"), ("DELETE", "/User/1000000"), ("GET", "/User/abc"),
        ("GET", "/Query/users/org/123"), ("GET", "/Query/users/point/demo-paypoint"), ("GET", "/Query/users/org/999"),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"requestToken": "nope"}, {"requestToken": "pbx-demo-token-expired-0000"}, {"Authorization": f"Bearer {TOKEN}"}])
def test_every_endpoint_needs_a_live_credential_first(client: Any, method: str, path: str, headers: dict[str, str]) -> None:
    response = client.request(method, BASE + path, headers={**headers, "Content-Type": "application/json"}, content=b'{"name": "X"}')
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize("name", ["requesttoken", "REQUESTTOKEN", "RequestToken"])
def test_header_name_is_case_insensitive_everywhere(client: Any, name: str) -> None:
    assert client.get(f"{URL}/1000000", headers={name: TOKEN}).json() == HERMAN
    assert client.get(f"{BASE}/Query/users/point/demo-paypoint", headers={name: TOKEN}).status_code == 200


# ------------------------------------------------------------------ methods
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/User/1000000", "GET, PUT, DELETE"),
        ("PATCH", "/User/1000000", "GET, PUT, DELETE"),
        ("PUT", "/User", "POST"),
        ("DELETE", "/User", "POST"),
        ("POST", "/Query/users/org/123", "GET"),
        ("DELETE", "/Query/users/point/demo-paypoint", "GET"),
        ("GET", "/v2/Token/serverside", "POST"),
    ],
)
def test_wrong_methods_are_405_with_allow(client: Any, method: str, path: str, allow: str) -> None:
    response = client.request(method, BASE + path, headers=AUTH, content=b"{}")
    assert response.status_code == 405 and response.headers["allow"] == allow
    assert response.json() == {
        "isSuccess": False, "responseText": "Error",
        "responseData": {"explanation": f"The requested resource does not support http method '{method}'.", "todoAction": "Use the HTTP method documented for this endpoint."},
    }


# -------------------------------------------------------------------- Query
def test_org_query_lists_exactly_the_users_scoped_to_it(client: Any) -> None:
    response = client.get(f"{BASE}/Query/users/org/123", headers=AUTH)
    body = response.json()
    expected_ids = scoped(client, 0, 123)
    assert 1000000 in expected_ids and 1000001 not in expected_ids
    assert list(body) == ["Records", "Summary"]
    assert [r["userId"] for r in body["Records"]] == expected_ids
    assert body["Records"][0] == HERMAN and all(list(r) == RECORD_KEYS for r in body["Records"])
    assert body["Summary"] == summary(20, 1, len(expected_ids)) and list(body["Summary"]) == SUMMARY_KEYS


def test_paypoint_query_exact_body(client: Any) -> None:
    response = client.get(f"{BASE}/Query/users/point/demo-paypoint", headers=AUTH)
    assert (response.status_code, response.json()) == (200, {"Records": [LUCIA], "Summary": summary(20, 1, 1)})


def test_a_parent_org_lists_only_users_scoped_to_itself(client: Any) -> None:
    assert org_ids(client, "org/236") == scoped(client, 0, 236)
    body = SEED_EXAMPLE | {"scope": [{"orgType": 0, "orgId": 236}]}
    assert client.post(URL, json=body, headers=AUTH).content == CREATED
    _to_paypoint(client, FIRST_NEW_ID, keep=True)
    assert FIRST_NEW_ID in org_ids(client, "org/236")
    assert org_ids(client, "point/demo-paypoint") == [1000001, FIRST_NEW_ID]
    assert FIRST_NEW_ID not in org_ids(client, "org/123")


def _to_paypoint(client: Any, user_id: int, keep: bool = False) -> None:
    """Scope a user to the fixture's paypoint as PartnerHub can (the API takes orgType 0 only since
    issue 14): its stored scope becomes the paypoint's (``keep``: the paypoint is added)."""
    users = vendor(client).users
    record = users.get(user_id)
    scope = [*record["Scope"]] if keep else []
    users.update(user_id, {**record, "Scope": [*scope, {"orgEntry": "demo-paypoint", "orgId": 255, "orgType": 2}]}, {"email": record["Email"]})


def _more_users(client: Any, n: int) -> list[int]:
    for i in range(n):
        body = {"email": f"pager{i}@example.com", "name": f"Pager {i:02d}", "scope": [{"orgType": 0, "orgId": 123}], "usrStatus": i % 2}
        assert client.post(URL, json=body, headers=AUTH).content == CREATED
        _to_paypoint(client, FIRST_NEW_ID + i)
    return [1000001] + [FIRST_NEW_ID + i for i in range(n)]


@pytest.mark.parametrize(
    ("params", "ids_slice", "size", "pages", "following"),
    [
        ({}, slice(0, 20), 20, 2, 20),
        ({"fromRecord": "20"}, slice(20, 40), 20, 2, None),
        ({"fromRecord": "2", "limitRecord": "5"}, slice(2, 7), 5, 5, 7),
        ({"limitRecord": "0"}, slice(0, None), 25, 1, None),
        ({"limitRecord": "-1", "fromRecord": "24"}, slice(24, None), 25, 1, None),
        ({"fromRecord": "100"}, slice(100, None), 20, 2, None),
        ({"FROMRECORD": "3", "limitrecord": "2"}, slice(3, 5), 2, 13, 5),  # .NET binds names case-insensitively
    ],
)
def test_paging(client: Any, params: dict[str, str], ids_slice: slice, size: int, pages: int, following: int | None) -> None:
    ids = _more_users(client, 24)
    response = client.get(f"{BASE}/Query/users/point/demo-paypoint", params=params, headers=AUTH)
    body = response.json()
    assert [r["userId"] for r in body["Records"]] == ids[ids_slice]
    assert body["Summary"] == summary(size, pages, 25, following)


def test_an_empty_result(client: Any) -> None:
    client.delete(f"{URL}/1000001", headers=AUTH)
    response = client.get(f"{BASE}/Query/users/point/demo-paypoint", headers=AUTH)
    assert response.json() == {"Records": [], "Summary": summary(20, 0, 0)}


@pytest.mark.parametrize(
    ("path", "status", "expected"),
    [
        ("/org/999", 400, e3003("orgId 999 is not a known organization")),
        ("/org/255", 400, e3003("orgId 255 is not a known organization")),  # a paypoint, not an organization
        ("/org/abc", 400, e3003("orgId must be an integer")),
        ("/org/123?fromRecord=x", 400, e3003("fromRecord must be an integer")),
        ("/org/123?fromRecord=-1", 400, e3003("fromRecord must be 0 or more")),
        ("/org/123?limitRecord=1.5", 400, e3003("limitRecord must be an integer")),
        ("/org/123?status(eq)=active", 400, e3003("status(eq) must be an integer")),
        ("/org/123?status(in)=1|x", 400, e3003("status(in) must be integers separated by |")),
        ("/org/123?createdDate(gt)=yesterday", 400, e3003("createdDate(gt) must be a date like 2024-01-31 or 2024-01-31T12:00:00Z")),
        ("/point/nowhere", 400, E3001),
        ("/point/pilgrim-planner", 400, E3001),  # an organization's entry, not a paypoint's
    ],
)
def test_query_errors(client: Any, path: str, status: int, expected: dict[str, Any]) -> None:
    response = client.get(f"{BASE}/Query/users{path}", headers=AUTH)
    assert (response.status_code, response.json()) == (status, expected)


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({"email(eq)": "PAGER3@example.com"}, [FIRST_NEW_ID + 3]),
        ({"email": "pager3@example.com"}, [FIRST_NEW_ID + 3]),  # no operator: equal
        ({"name(ct)": "GER 03"}, [FIRST_NEW_ID + 3]),  # case-insensitive
        ({"name(nct)": "pager"}, [1000001]),
        ({"email(ne)": "lucia.fernandez@example.com"}, [FIRST_NEW_ID + i for i in range(5)]),
        ({"status(eq)": "85"}, [1000001]),
        ({"status(in)": "85|1"}, [1000001, FIRST_NEW_ID + 1, FIRST_NEW_ID + 3]),
        ({"status(nin)": "85|1"}, [FIRST_NEW_ID, FIRST_NEW_ID + 2, FIRST_NEW_ID + 4]),
        ({"status(ne)": "0", "name(ct)": "pager"}, [FIRST_NEW_ID + 1, FIRST_NEW_ID + 3]),
        ({"createdDate(gt)": "2024-01-01"}, [FIRST_NEW_ID + i for i in range(5)]),
        ({"createdDate(lt)": "2024-01-01T00:00:00Z"}, [1000001]),
        ({"createdDate(eq)": "2023-03-14"}, [1000001]),
        ({"createdDate": "2024-05-06"}, [FIRST_NEW_ID + i for i in range(5)]),
        ({"createdDate(ne)": "2024-05-06"}, [1000001]),
        ({"role.roleLabel(eq)": "transactions"}, [1000001]),
        ({"role.roleValue(eq)": "true"}, [1000001]),
        ({"role.roleLabel(ne)": "transactions"}, [FIRST_NEW_ID + i for i in range(5)]),
        # ignored: unknown field, wrong-case field name, operator the field does not take
        ({"foo(eq)": "1", "Email(eq)": "nobody@example.com", "name(gt)": "z"}, [1000001] + [FIRST_NEW_ID + i for i in range(5)]),
        ({"email(eq)": "nobody@example.com"}, []),
    ],
)
def test_filters(client: Any, params: dict[str, str], ids: list[int]) -> None:
    frozen(client)
    _more_users(client, 5)
    assert org_ids(client, "point/demo-paypoint", **params) == ids


@pytest.mark.parametrize(
    ("sort_by", "ids"),
    [
        ("desc(name)", [FIRST_NEW_ID + 2, FIRST_NEW_ID + 1, FIRST_NEW_ID, 1000001]),
        ("asc(name)", [1000001, FIRST_NEW_ID, FIRST_NEW_ID + 1, FIRST_NEW_ID + 2]),
        ("desc(userId)", [FIRST_NEW_ID + 2, FIRST_NEW_ID + 1, FIRST_NEW_ID, 1000001]),
        ("asc(status)", [FIRST_NEW_ID, FIRST_NEW_ID + 2, FIRST_NEW_ID + 1, 1000001]),
        ("DESC(createdDate)", [FIRST_NEW_ID, FIRST_NEW_ID + 1, FIRST_NEW_ID + 2, 1000001]),
        ("desc(nothing)", [1000001, FIRST_NEW_ID, FIRST_NEW_ID + 1, FIRST_NEW_ID + 2]),
        ("name", [1000001, FIRST_NEW_ID, FIRST_NEW_ID + 1, FIRST_NEW_ID + 2]),
    ],
)
def test_sort_by(client: Any, sort_by: str, ids: list[int]) -> None:
    frozen(client)
    _more_users(client, 3)
    assert org_ids(client, "point/demo-paypoint", sortBy=sort_by) == ids


def test_sort_then_page(client: Any) -> None:
    _more_users(client, 5)
    assert org_ids(client, "point/demo-paypoint", sortBy="desc(userId)", fromRecord="1", limitRecord="2") == [FIRST_NEW_ID + 3, FIRST_NEW_ID + 2]


# ---------------------------------------------------------------- isolation
def test_users_are_never_visible_across_vendors() -> None:
    from tests.core.samples import CREATE_BODIES

    with make_client("payabli", "vaultspay") as c:
        vendors = c.get("/__admin/vendors").json()
        assert c.post(URL, json=SEED_EXAMPLE | {"email": "khalidraza@gmail.com"}, headers=AUTH).content == CREATED
        # the same e-mail is free at VaultsPay, and VaultsPay's users never show up here
        vp = vendors["vaultspay"]
        assert c.post(vp["create_user"].split(" ", 1)[1], json=CREATE_BODIES["vaultspay"], headers=vp["headers"]).status_code == 200
        ids = [r["userId"] for r in c.get(f"{BASE}/Query/users/org/123", params={"limitRecord": 0}, headers=AUTH).json()["Records"]]
        emails = [c.get(f"{URL}/{i}", headers=AUTH).json()["Email"] for i in ids]
        assert emails.count("khalidraza@gmail.com") == 1


# -------------------------------------------------------------- determinism
SEQUENCE: list[tuple[str, str, dict[str, str], bytes]] = [
    ("POST", URL, AUTH, orjson.dumps(SEED_EXAMPLE)),
    ("GET", f"{BASE}/Query/users/org/123?limitRecord=0", AUTH, b""),
    ("PUT", f"{URL}/{FIRST_NEW_ID}", AUTH, b'{"name": "Renamed", "timeZone": 3}'),
    ("GET", f"{URL}/{FIRST_NEW_ID}", AUTH, b""),
    ("DELETE", f"{URL}/1000002", AUTH, b""),
    ("GET", f"{BASE}/Query/users/point/demo-paypoint", AUTH, b""),
    ("POST", f"{BASE}/v2/Token/serverside", {"Content-Type": "application/json"}, b'{"clientId": "pbx-demo-client", "clientSecret": "pbx-demo-client-secret-9d2e7b41"}'),
]


def _run(seed: int) -> list[tuple[int, bytes]]:
    with make_client("payabli", seed=seed, clock="frozen:2025-01-01T00:00:00Z") as c:
        return [(r.status_code, r.content) for r in (c.request(m, u, headers=h, content=b) for m, u, h, b in SEQUENCE)]


def test_same_seed_gives_byte_identical_lifecycle_responses() -> None:
    first, second = _run(7), _run(7)
    assert first == second
    assert [status for status, _ in first] == [200] * len(SEQUENCE)


def test_a_different_seed_gives_different_generated_records_and_tokens() -> None:
    seven, eight = _run(7), _run(8)
    assert seven[0] == eight[0] and seven[2] == eight[2]  # fixed answers
    assert seven[1] != eight[1]  # generated users differ
    assert seven[-1] != eight[-1]  # the token's jti comes from the seed
