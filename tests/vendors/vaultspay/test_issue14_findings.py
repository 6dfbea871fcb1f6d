"""Issue 14's VaultsPay findings, each as the vendor answers it.

- a well-formed token no session issued is 400/1036 INVALID_TOKEN (was 401/1001);
- ``"email": ""`` passes Bean Validation's @Email and counts as no email;
- countryCode is "required only when creating by phone": beside an email it may come alone;
- Jackson coerces a JSON number (or boolean) sent for a String field to its text;
- a body that is not JSON (``text/plain``...) is Spring's 415, in the house error body;
- a phone with a trunk 0 is the same number as without it: ``phoneNumber`` and the
  duplicate check agree (the seed's "Normalized E.164-like concatenation").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.vaultspay.helpers import BAD_REQUEST, CREDENTIALS, KYC_PERSONAL, LOGIN, PERSONAL_EXAMPLE, REFRESH, USERS, bearer, invalid, login

client, _reset = vendor_client_fixture("vaultspay")

INVALID_TOKEN = {"code": 1036, "message": "Invalid access token provided.", "type": "INVALID_TOKEN"}
NAMES = {"firstName": "Sana", "lastName": "Khan", "status": "ACTIVE"}
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return dict(client.get("/__admin/vendors").json()["vaultspay"]["headers"])


def _create(client: Any, auth: dict[str, str], **fields: Any) -> Any:
    return client.post(USERS, json={**NAMES, **fields}, headers=auth)


# ------------------------------------------------------------------ tokens
@pytest.mark.parametrize("token", ["aaa.bbb.ccc", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"])
def test_well_formed_unknown_token_is_invalid_token(client: Any, token: str) -> None:
    for response in (
        client.post(USERS, json={**NAMES, "email": "a@b.pk"}, headers=bearer(token)),
        client.get(USERS, headers=bearer(token)),
        client.get(f"{USERS}/590", headers=bearer(token)),
    ):
        assert (response.status_code, response.json()) == (400, INVALID_TOKEN)


# ------------------------------------------------------------------ contact fields
def test_empty_email_beside_a_phone_is_no_email(client: Any, auth: dict[str, str]) -> None:
    response = _create(client, auth, email="", countryCode="92", phone="3451112233")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["email"], data["countryCode"], data["phone"], data["phoneNumber"]) == (None, "92", "3451112233", "923451112233")
    # "" is no email: a second user may send "" too
    again = _create(client, auth, email="", countryCode="92", phone="3451112234")
    assert again.status_code == 200, again.text


def test_empty_email_alone_is_a_missing_contact(client: Any, auth: dict[str, str]) -> None:
    response = _create(client, auth, email="")
    assert (response.status_code, response.json()) == (400, invalid(("email", "must not be blank")))


def test_country_code_beside_an_email_needs_no_phone(client: Any, auth: dict[str, str]) -> None:
    response = _create(client, auth, email="sana.khan@example.pk", countryCode="92")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["email"], data["countryCode"], data["phone"], data["phoneNumber"]) == ("sana.khan@example.pk", "92", None, None)


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"email": "x@example.pk", "phone": "3451112233"}, "countryCode"),  # a phone still needs its country code
        ({"phone": "3451112233"}, "countryCode"),
        ({"countryCode": "92"}, "phone"),  # creating by phone: both halves
        ({}, "email"),
    ],
)
def test_half_a_phone_number_is_still_refused(client: Any, auth: dict[str, str], fields: dict[str, str], missing: str) -> None:
    response = _create(client, auth, **fields)
    assert (response.status_code, response.json()) == (400, invalid((missing, "must not be blank")))


# ------------------------------------------------------------------ Jackson coercion
def test_numbers_and_booleans_for_string_fields_become_their_text(client: Any, auth: dict[str, str]) -> None:
    response = client.post(
        USERS, json={"firstName": 7, "lastName": True, "countryCode": 92, "phone": 3451112299, "status": "PENDING"}, headers=auth,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["firstName"], data["lastName"], data["fullName"]) == ("7", "true", "7 true")
    assert (data["countryCode"], data["phone"], data["phoneNumber"]) == ("92", "3451112299", "923451112299")


def test_coerced_values_meet_the_same_rules(client: Any, auth: dict[str, str]) -> None:
    response = client.post(USERS, json={**NAMES, "countryCode": 92, "phone": 12}, headers=auth)
    assert (response.status_code, response.json()) == (400, invalid(("phone", "must be a valid phone number")))
    nested = client.post(USERS, json={**NAMES, "email": ["a@b.pk"]}, headers=auth)
    assert (nested.status_code, nested.json()) == (400, invalid(("email", "must be a string")))


def test_login_coerces_too(client: Any) -> None:
    response = client.post(LOGIN, json={"clientId": 12345, "clientSecret": "vp-demo-secret"})
    assert (response.status_code, response.json()["code"]) == (401, 1001)  # "12345" is not an app: the credentials check, not a type error


# ------------------------------------------------------------------ Content-Type (Spring's 415)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "application/xml", "application/*",
     "application/json; charset=latin1", "json"],
)
def test_a_body_that_is_not_json_is_415(client: Any, auth: dict[str, str], content_type: str) -> None:
    body = b'{"firstName":"a","lastName":"b","email":"t415@example.pk","status":"ACTIVE"}'
    response = client.post(USERS, content=body, headers={"Authorization": auth["Authorization"], "Content-Type": content_type})
    assert (response.status_code, response.json()) == (415, BAD_REQUEST)
    assert client.get(USERS, headers=auth).json()["pagination"]["totalCount"] == 5  # nothing created


def test_a_body_without_content_type_is_415(client: Any, auth: dict[str, str]) -> None:
    body = b'{"firstName":"a","lastName":"b","email":"t415@example.pk","status":"ACTIVE"}'
    response = client.post(USERS, content=body, headers={"Authorization": auth["Authorization"]})
    assert (response.status_code, response.json()) == (415, BAD_REQUEST)


@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; Charset=UTF-8", "application/vnd.api+json", "application/json;charset=\"utf-8\""],
)
def test_json_media_types_are_read(client: Any, auth: dict[str, str], content_type: str) -> None:
    body = b'{"firstName":"a","lastName":"b","email":"json@example.pk","status":"ACTIVE"}'
    response = client.post(USERS, content=body, headers={"Authorization": auth["Authorization"], "Content-Type": content_type})
    assert response.status_code == 200, response.text


def test_utf16_json_is_read_in_its_charset(client: Any, auth: dict[str, str]) -> None:
    body = '{"firstName":"Zoë","lastName":"b","email":"utf16@example.pk","status":"ACTIVE"}'.encode("utf-16-le")
    headers = {"Authorization": auth["Authorization"], "Content-Type": "application/json; charset=UTF-16LE"}
    response = client.post(USERS, content=body, headers=headers)
    assert (response.status_code, response.json()["data"]["firstName"]) == (200, "Zoë")


def test_the_token_is_checked_before_the_media_type(client: Any) -> None:
    response = client.post(USERS, content=b"x=1", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.json()["code"]) == (401, 1002)


def test_every_body_route_answers_415(client: Any, auth: dict[str, str]) -> None:
    plain = {"Content-Type": "text/plain"}
    token = login(client)
    for url, body, headers in (
        (LOGIN, CREDENTIALS, plain),
        (REFRESH, {"refreshToken": token["refreshToken"]}, plain),
        (KYC_PERSONAL, {**PERSONAL_EXAMPLE, "userId": 591}, {**plain, "Authorization": auth["Authorization"]}),
    ):
        response = client.post(url, content=yaml.safe_dump(body).encode(), headers=headers)
        assert (response.status_code, response.json()) == (415, BAD_REQUEST), url
    patch = client.patch(KYC_PERSONAL, content=b"{}", headers={**plain, "Authorization": auth["Authorization"]})
    assert (patch.status_code, patch.json()) == (415, BAD_REQUEST)


# ------------------------------------------------------------------ trunk 0
def test_a_trunk_zero_is_the_same_phone_number(client: Any, auth: dict[str, str]) -> None:
    first = _create(client, auth, countryCode="92", phone="03451234567")
    assert first.status_code == 200, first.text
    data = first.json()["data"]
    assert (data["phone"], data["phoneNumber"]) == ("03451234567", "923451234567")  # phone as sent, phoneNumber normalised
    duplicate = _create(client, auth, countryCode="92", phone="3451234567")
    assert (duplicate.status_code, duplicate.json()) == (400, invalid(("phone", "User already exists with this phone number")))


def test_the_fixture_number_with_a_trunk_zero_is_a_duplicate(client: Any, auth: dict[str, str]) -> None:
    response = _create(client, auth, countryCode="92", phone="03001234567")  # Ayesha's 3001234567
    assert (response.status_code, response.json()) == (400, invalid(("phone", "User already exists with this phone number")))


# ------------------------------------------------------------------ generated users: Pakistan and the UAE
def _generated(tmp_path: Path, count: int, seed: int) -> list[dict[str, Any]]:
    data = yaml.safe_load((FIXTURES / "vaultspay.yaml").read_text())
    data["generatedUsers"] = count
    (tmp_path / "vaultspay.yaml").write_text(yaml.safe_dump(data))
    with make_client("vaultspay", fixtures=tmp_path, seed=seed) as c:
        headers = c.get("/__admin/vendors").json()["vaultspay"]["headers"]
        users = c.get(USERS, params={"perPage": 100}, headers=headers).json()["data"]
    listed = {u["id"] for u in data["users"]}
    return [u for u in users if u["id"] not in listed]


def test_generated_users_come_from_pakistan_and_the_uae_with_valid_mobiles(tmp_path: Path) -> None:
    users = _generated(tmp_path, 40, seed=0)
    assert len(users) > 30  # one whose e-mail or phone an earlier one took is skipped
    countries = {u["countryCode"] for u in users}
    assert countries == {"92", "971"}
    for user in users:
        number = phonenumbers.parse("+" + user["phoneNumber"])
        region = {"92": "PK", "971": "AE"}[user["countryCode"]]
        assert phonenumbers.is_valid_number_for_region(number, region), user
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE, user
        assert user["email"].endswith("@example.pk" if region == "PK" else "@example.ae"), user


def test_generated_users_are_the_same_for_the_same_seed(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert _generated(one, 12, seed=7) == _generated(two, 12, seed=7)
