"""VaultsPay KYC through HTTP: personal info create/update, the KYC summary, timed verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver.app import Runtime
from mockserver.config import Config, default_fixtures_dir
from mockserver.core.fixtures import FixtureError
from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.vaultspay.helpers import (
    ACTION_REQUIRED,
    BAD_REQUEST,
    INVALID,
    KYC,
    KYC_PERSONAL,
    PERSONAL_EXAMPLE,
    PERSONAL_KEYS,
    USERS,
    advance,
    fixture_headers,
    invalid,
    new_user,
)

client, _reset = vendor_client_fixture("vaultspay")

# The page's 200 example, for user 591 (status PENDING right after submission).
PERSONAL_RESULT = {
    "userId": 591, "firstName": "Maluk", "lastName": "Antique", "nickName": "Maluk",
    "dob": "1990-05-15T00:00:00.000+00:00", "gender": "MALE", "maritalStatus": "SINGLE", "nationality": "PAK",
    "countryOfBirth": "USA", "countryOfResidence": "UKR", "language": "ENGLISH", "tin": "0112133232", "status": "PENDING",
}
NOT_PENDING = ("status", "Personal info can only be updated while KYC status is PENDING")
NO_SUCH_USER = ("userId", "User does not exist with this id")


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return fixture_headers(client)


def _submit(client: Any, auth: dict[str, str], user_id: int = 591, **changes: Any) -> Any:
    return client.post(KYC_PERSONAL, json={**PERSONAL_EXAMPLE, "userId": user_id, **changes}, headers=auth)


def _kyc(client: Any, auth: dict[str, str], user_id: int = 591) -> dict[str, Any]:
    response = client.get(f"{KYC}/{user_id}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_documented_example_creates_personal_info_bare_like_the_page(client: Any, auth: dict[str, str]) -> None:
    response = _submit(client, auth)
    assert response.status_code == 200
    assert list(response.json()) == PERSONAL_KEYS
    assert response.json() == PERSONAL_RESULT


def test_get_kyc_shows_the_user_and_personal_info(client: Any, auth: dict[str, str]) -> None:
    _submit(client, auth)
    response = client.get(f"{KYC}/591", headers=auth)
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "userId": 591, "userType": "USER", "email": "omar.almansoori@example.ae", "phone": "501234567",
            "countryCode": "971", "status": "PENDING", "personalInfo": PERSONAL_RESULT,
            "businessInfo": None, "identificationInfo": None,
        }
    }
    assert list(response.json()["data"]) == [
        "userId", "userType", "email", "phone", "countryCode", "status", "personalInfo", "businessInfo", "identificationInfo",
    ]


def test_nothing_submitted_is_pending_with_empty_sections(client: Any, auth: dict[str, str]) -> None:
    data = _kyc(client, auth, 592)
    assert (data["status"], data["personalInfo"], data["businessInfo"], data["identificationInfo"]) == ("PENDING", None, None, None)
    advance(client, "PT1H")  # never verifies without a submission
    assert _kyc(client, auth, 592)["status"] == "PENDING"


def test_fixture_kyc_is_verified(client: Any, auth: dict[str, str]) -> None:
    data = _kyc(client, auth, 590)
    assert data["status"] == "VERIFIED"
    assert data["personalInfo"] == {
        "userId": 590, "firstName": "Ayesha", "lastName": "Siddiqui", "nickName": None,
        "dob": "1992-03-08T00:00:00.000+00:00", "gender": "FEMALE", "maritalStatus": "SINGLE", "nationality": "PAK",
        "countryOfBirth": "PAK", "countryOfResidence": "ARE", "language": "ENGLISH", "tin": "4210112345671", "status": "VERIFIED",
    }


def test_pending_becomes_verified_after_the_delay(client: Any, auth: dict[str, str]) -> None:
    _submit(client, auth)
    advance(client, "PT9M59S")
    assert _kyc(client, auth)["status"] == "PENDING"
    advance(client, "PT1S")
    data = _kyc(client, auth)
    assert data["status"] == "VERIFIED" and data["personalInfo"]["status"] == "VERIFIED"


def test_patch_while_pending_merges_and_restarts_review(client: Any, auth: dict[str, str]) -> None:
    _submit(client, auth)
    advance(client, "PT5M")
    response = client.patch(KYC_PERSONAL, json={"userId": 591, "tin": "999", "maritalStatus": "MARRIED", "nickName": None}, headers=auth)
    assert response.status_code == 200
    assert response.json() == {**PERSONAL_RESULT, "tin": "999", "maritalStatus": "MARRIED"}
    assert _kyc(client, auth)["personalInfo"] == response.json()
    advance(client, "PT6M")  # 11 min after the POST, 6 after the PATCH
    assert _kyc(client, auth)["status"] == "PENDING"
    advance(client, "PT4M")
    assert _kyc(client, auth)["status"] == "VERIFIED"


def test_patch_after_verification_is_refused_and_changes_nothing(client: Any, auth: dict[str, str]) -> None:
    _submit(client, auth)
    advance(client, "PT10M")
    response = client.patch(KYC_PERSONAL, json={"userId": 591, "tin": "1"}, headers=auth)
    assert (response.status_code, response.json()) == (400, invalid(NOT_PENDING))
    assert _kyc(client, auth)["personalInfo"]["tin"] == "0112133232"
    fixture = client.patch(KYC_PERSONAL, json={"userId": 590, "tin": "1"}, headers=auth)
    assert (fixture.status_code, fixture.json()) == (400, invalid(NOT_PENDING))


def test_patch_before_any_submission_requires_action(client: Any, auth: dict[str, str]) -> None:
    response = client.patch(KYC_PERSONAL, json={"userId": 591, "tin": "1"}, headers=auth)
    assert (response.status_code, response.json()) == (400, {**ACTION_REQUIRED, "errors": [{"key": "actionRequired", "reason": "KYC_PERSONAL_INFO"}]})


def test_second_create_is_refused(client: Any, auth: dict[str, str]) -> None:
    assert _submit(client, auth).status_code == 200
    again = _submit(client, auth, tin="1")
    assert (again.status_code, again.json()) == (400, invalid(("userId", "Personal info already exists for this user")))
    assert _kyc(client, auth)["personalInfo"]["tin"] == "0112133232"


@pytest.mark.parametrize("user_id", [9999, 4, 604])
def test_unknown_user_on_every_kyc_route(client: Any, auth: dict[str, str], user_id: int) -> None:
    created = _submit(client, auth, user_id)
    patched = client.patch(KYC_PERSONAL, json={"userId": user_id}, headers=auth)
    read = client.get(f"{KYC}/{user_id}", headers=auth)
    for response in (created, patched, read):
        assert (response.status_code, response.json()) == (400, invalid(NO_SUCH_USER))


@pytest.mark.parametrize("raw", ["abc", "-5", "1.5", "99999999999999"])
def test_non_numeric_kyc_user_id(client: Any, auth: dict[str, str], raw: str) -> None:
    response = client.get(f"{KYC}/{raw}", headers=auth)
    assert (response.status_code, response.json()) == (400, invalid(NO_SUCH_USER))


def test_created_user_gets_kyc_and_names_flow_back_to_the_user(client: Any, auth: dict[str, str]) -> None:
    user = client.post(USERS, json=new_user(1), headers=auth).json()["data"]
    response = _submit(client, auth, user["id"])
    assert response.json() == {**PERSONAL_RESULT, "userId": user["id"]}
    data = _kyc(client, auth, user["id"])
    assert (data["email"], data["phone"], data["countryCode"]) == ("user1@example.pk", "3300000001", "92")
    read = client.get(f"{USERS}/{user['id']}", headers=auth).json()["data"]
    assert (read["firstName"], read["lastName"], read["fullName"]) == ("Maluk", "Antique", "Maluk Antique")
    client.patch(KYC_PERSONAL, json={"userId": user["id"], "lastName": "Khan"}, headers=auth)
    listed = client.get(USERS, headers=auth).json()["data"][0]
    assert (listed["id"], listed["fullName"]) == (user["id"], "Maluk Khan")
    # The user's unique keys survive the update: creating the same email again is still a duplicate.
    dup = client.post(USERS, json=new_user(1), headers=auth)
    assert dup.json()["errors"] == [{"key": "email", "reason": "User already exists with this email"}]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"gender": "M"}, [("gender", "must be one of [MALE, FEMALE, OTHER]")]),
        ({"maritalStatus": "COMPLICATED"}, [("maritalStatus", "must be one of [SINGLE, MARRIED, DIVORCED, WIDOWED]")]),
        ({"nationality": "PK"}, [("nationality", "must be a valid ISO 3166-1 alpha-3 country code")]),
        ({"countryOfBirth": "usa"}, [("countryOfBirth", "must be a valid ISO 3166-1 alpha-3 country code")]),
        ({"countryOfResidence": "U1R"}, [("countryOfResidence", "must be a valid ISO 3166-1 alpha-3 country code")]),
        ({"dob": "15-05-1990"}, [("dob", "must be a valid date in yyyy-MM-dd format")]),
        ({"dob": "1990-02-30"}, [("dob", "must be a valid date in yyyy-MM-dd format")]),
        ({"dob": "2999-01-01"}, [("dob", "must be a past date")]),
        ({"dob": 19900515}, [("dob", "must be a string")]),
        ({"firstName": " "}, [("firstName", "must not be blank")]),
        ({"userId": "591"}, [("userId", "must be an integer")]),
        ({"userId": None}, [("userId", "must not be null")]),
        ({"tin": [112133232]}, [("tin", "must be a string")]),
        (
            {"userId": True, "gender": None, "nationality": "xx", "dob": "tomorrow"},
            [
                ("userId", "must be an integer"),
                ("dob", "must be a valid date in yyyy-MM-dd format"),
                ("gender", "must be one of [MALE, FEMALE, OTHER]"),
                ("nationality", "must be a valid ISO 3166-1 alpha-3 country code"),
            ],
        ),
    ],
)
def test_create_validation_names_every_field(client: Any, auth: dict[str, str], changes: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    response = _submit(client, auth, **changes)
    assert (response.status_code, response.json()) == (400, invalid(*errors))
    assert _kyc(client, auth)["personalInfo"] is None  # nothing stored


def test_create_requires_the_review_fields(client: Any, auth: dict[str, str]) -> None:
    response = client.post(KYC_PERSONAL, json={}, headers=auth)
    assert (response.status_code, response.json()) == (
        400,
        invalid(
            ("userId", "must not be null"), ("firstName", "must not be blank"), ("lastName", "must not be blank"),
            ("dob", "must not be blank"), ("gender", "must not be blank"), ("nationality", "must not be blank"),
            ("countryOfResidence", "must not be blank"),
        ),
    )
    minimal = {k: PERSONAL_EXAMPLE[k] for k in ("firstName", "lastName", "dob", "gender", "nationality", "countryOfResidence")}
    ok = client.post(KYC_PERSONAL, json={**minimal, "userId": 591}, headers=auth)
    assert ok.status_code == 200
    assert ok.json() == {**PERSONAL_RESULT, "nickName": None, "maritalStatus": None, "countryOfBirth": None, "language": None, "tin": None}


def test_update_validation_and_no_state_change(client: Any, auth: dict[str, str]) -> None:
    _submit(client, auth)
    response = client.patch(KYC_PERSONAL, json={"userId": 591, "gender": "X", "dob": "1990-13-01", "firstName": ""}, headers=auth)
    assert (response.status_code, response.json()) == (
        400,
        invalid(("firstName", "must not be blank"), ("dob", "must be a valid date in yyyy-MM-dd format"), ("gender", "must be one of [MALE, FEMALE, OTHER]")),
    )
    missing = client.patch(KYC_PERSONAL, json={"tin": "1"}, headers=auth)
    assert (missing.status_code, missing.json()) == (400, invalid(("userId", "must not be null")))
    assert _kyc(client, auth)["personalInfo"] == PERSONAL_RESULT


@pytest.mark.parametrize(
    ("payload", "status", "body"),
    [
        (b'{"userId": ', 400, invalid(("body", "malformed JSON request body"))),
        (b"[1, 2]", 400, invalid(("body", "must be a JSON object"))),
        (b'"text"', 400, invalid(("body", "must be a JSON object"))),
        (b"42", 400, invalid(("body", "must be a JSON object"))),
        (b"", 400, invalid(("body", "malformed JSON request body"))),
        (b'{"x": "' + b"a" * (2 << 20) + b'"}', 413, BAD_REQUEST),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_robustness_on_personal_routes(client: Any, auth: dict[str, str], method: str, payload: bytes, status: int, body: dict[str, Any]) -> None:
    response = client.request(method, KYC_PERSONAL, content=payload, headers={**auth, "Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (status, body)


def test_wrong_method_on_kyc_routes(client: Any, auth: dict[str, str]) -> None:
    for response in (client.delete(KYC_PERSONAL, headers=auth), client.post(f"{KYC}/591", json={}, headers=auth)):
        assert (response.status_code, response.json()) == (405, BAD_REQUEST)


# ------------------------------------------------------------ fixture settings
def _custom_fixture(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = (default_fixtures_dir() / "vaultspay.yaml").read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "vaultspay.yaml").write_text(text)
    return tmp_path


def test_wrapped_personal_body_and_custom_delay_from_settings(tmp_path: Path) -> None:
    fixtures = _custom_fixture(
        tmp_path,
        ("wrapKycPersonal: false", "wrapKycPersonal: true"),
        ("kycVerificationDelay: PT10M", "kycVerificationDelay: PT2H"),
        ("maxPerPage: 100", "maxPerPage: 3"),
    )
    with make_client("vaultspay", fixtures=fixtures) as c:
        auth = fixture_headers(c)
        assert _submit(c, auth).json() == {"data": PERSONAL_RESULT}
        advance(c, "PT1H")
        assert _kyc(c, auth)["status"] == "PENDING"
        advance(c, "PT1H")
        assert _kyc(c, auth)["status"] == "VERIFIED"
        assert c.get(f"{USERS}?perPage=4", headers=auth).json() == invalid(("perPage", "must be less than or equal to 3"))


def test_null_delay_never_verifies_and_seeded_statuses(tmp_path: Path) -> None:
    fixtures = _custom_fixture(
        tmp_path,
        ("kycVerificationDelay: PT10M", "kycVerificationDelay: null"),
        ("    status: VERIFIED       #", "    status: REJECTED       #"),
    )
    with make_client("vaultspay", fixtures=fixtures) as c:
        auth = fixture_headers(c)
        _submit(c, auth)
        advance(c, "P30D")
        assert _kyc(c, auth)["status"] == "PENDING"
        assert _kyc(c, auth, 590)["status"] == "REJECTED"
        refused = c.patch(KYC_PERSONAL, json={"userId": 590, "tin": "1"}, headers=auth)
        assert refused.json() == {**INVALID, "errors": [{"key": NOT_PENDING[0], "reason": NOT_PENDING[1]}]}


def test_fixture_kyc_must_name_a_listed_user(tmp_path: Path) -> None:
    fixtures = _custom_fixture(tmp_path, ("  - userId: 590", "  - userId: 777"))
    with pytest.raises(FixtureError) as caught:
        Runtime(Config(vendors=("vaultspay",), fixtures=fixtures))
    assert "kyc: Value error, userId 777 is not one of users[].id" in str(caught.value)


def _kyc_bytes(seed: int) -> list[bytes]:
    with make_client("vaultspay", seed=seed, clock="frozen:2026-03-01T10:00:00Z") as c:
        auth = fixture_headers(c)
        user = c.post(USERS, json=new_user(1), headers=auth)
        out = [user.content, _submit(c, auth, user.json()["data"]["id"]).content]
        out.append(c.patch(KYC_PERSONAL, json={"userId": 604, "tin": "7"}, headers=auth).content)
        out.append(c.get(f"{KYC}/604", headers=auth).content)
        out.append(c.get(f"{KYC}/593", headers=auth).content)
        return out


def test_same_seed_same_bytes_other_seed_other_generated_users() -> None:
    first, second, other = _kyc_bytes(7), _kyc_bytes(7), _kyc_bytes(8)
    assert first == second
    assert first[1:4] == other[1:4]  # no generated values in KYC bodies
    assert first[0] != other[0] and first[4] != other[4]  # username / generated user's contact
