"""eTelecom CreateAccountUser through HTTP: seed example, rules, auth, duplicates, reuse."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.vendors.etelecom.rules import etop_id
from tests.conftest import vendor_client_fixture
from tests.vendors.etelecom.helpers import (
    AGENT_KEY,
    INVALID_PHONE,
    MANAGER_KEY,
    NOW,
    NOW_MS,
    OTHER_SHOP_KEY,
    OWNER_KEY,
    PERMISSION_DENIED,
    SEED_EXAMPLE,
    UNAUTHENTICATED,
    URL,
    USER_EXISTS,
    bearer,
)

client, _reset = vendor_client_fixture("etelecom")

DOCUMENTED_KEYS = [
    "block_reason", "blocked_at", "created_at", "email", "email_verification_sent_at", "email_verified_at",
    "full_name", "id", "is_blocked", "phone", "phone_verification_sent_at", "phone_verified_at", "ref_aff",
    "ref_sale", "short_name", "source", "total_shop", "updated_at",
]


@pytest.fixture(autouse=True)
def _clock(client: Any, _reset: None) -> None:
    assert client.post("/__admin/clock", json={"freeze": True, "set": NOW}).status_code == 200


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return client.get("/__admin/vendors").json()["etelecom"]["headers"]


def post(client: Any, body: Any, key: str = OWNER_KEY, **headers: str) -> Any:
    return client.post(URL, json=body, headers={**bearer(key), **headers})


def new_user(body: dict[str, Any], user_id: str) -> dict[str, Any]:
    # RegisterSimplify's user [PUB, issue 14]: source etop, the phone verified now, no short name
    return {
        "block_reason": "", "blocked_at": None, "created_at": NOW, "email": "", "email_verification_sent_at": None,
        "email_verified_at": None, "full_name": body["full_name"], "id": user_id, "is_blocked": False,
        "phone": body["phone"], "phone_verification_sent_at": NOW, "phone_verified_at": NOW, "ref_aff": "",
        "ref_sale": "", "short_name": "", "source": "etop", "total_shop": 0,
        "updated_at": NOW,
    }


def fixture_user(body: dict[str, Any], user_id: str, created_at: str) -> dict[str, Any]:
    """A fixture identity as it is (source unknown, the short name its last word, nothing verified)."""
    return {
        **new_user(body, user_id), "created_at": created_at, "updated_at": created_at, "phone_verification_sent_at": None,
        "phone_verified_at": None, "short_name": body["full_name"].split()[-1], "source": "unknown",
    }


# ------------------------------------------------------------------ success
def test_seed_example_with_roles_succeeds_with_every_documented_field(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert list(data) == DOCUMENTED_KEYS
    # id: eTop's int64 (10 ms units since 2018, the user tag 17, 24 random bits) as a 19-digit JSON string
    assert isinstance(data["id"], str) and len(data["id"]) == 19 and data["id"].isdigit()
    assert int(data["id"]) >> 32 == etop_id(NOW_MS, 0) >> 32 and (int(data["id"]) >> 24) & 0xFF == 17
    assert data == new_user(SEED_EXAMPLE, data["id"])
    for key in ("block_reason", "email", "ref_aff", "ref_sale", "short_name", "source", "full_name", "phone"):
        assert isinstance(data[key], str)
    assert isinstance(data["is_blocked"], bool) and isinstance(data["total_shop"], int)


def test_admin_vendors_entry(client: Any) -> None:
    entry = client.get("/__admin/vendors").json()["etelecom"]
    assert entry["title"] == "eTelecom"
    assert entry["base_url"] == "http://testserver/etelecom/v1/shop"
    assert entry["create_user"] == "POST http://testserver/etelecom/v1/shop.Shop/CreateAccountUser"
    assert entry["headers"] == {"Authorization": f"Bearer {OWNER_KEY}", "Content-Type": "application/json"}
    assert entry["login"] is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+84 901 234 567", "0901234567"),
        ("84901234567", "0901234567"),
        ("901234567", "0901234567"),
        ("0901-234-567", "0901234567"),
        ("(090) 123.4567", "0901234567"),
        ("  0901234567  ", "0901234567"),
        ("0901234567 ext 12", "0901234567"),
        ("0084901234567", "084901234567"),  # the published quirk: "00" is not a country prefix
        ("02838123456", "02838123456"),  # landline, 11 digits: no carrier check
        ("0901234567-test", "0901234567-test"),  # test numbers keep their suffix
    ],
)
def test_phone_is_normalised(client: Any, raw: str, normalised: str) -> None:
    response = post(client, {**SEED_EXAMPLE, "phone": raw})
    assert response.status_code == 200
    assert response.json()["phone"] == normalised


def test_full_name_is_kept_as_sent_and_no_short_name_is_made(client: Any) -> None:
    # [PUB] RegisterSimplify stores r.FullName as it is and sets no ShortName
    data = post(client, {**SEED_EXAMPLE, "full_name": "  Lê   Hoàng Long "}).json()
    assert (data["full_name"], data["short_name"]) == ("  Lê   Hoàng Long ", "")


def test_roles_and_unknown_keys(client: Any) -> None:
    body = {**SEED_EXAMPLE, "roles": ["telecom_customerservice", "accountant"], "extension": 101, "roles_x": None}
    assert post(client, body).status_code == 200


def test_keys_match_case_insensitively_like_go(client: Any) -> None:
    response = post(client, {"FULL_NAME": "Đỗ Minh Khang", "Password": "x", "pHone": "0911000111", "ROLES": ["salesman"]})
    assert response.status_code == 200
    assert response.json()["full_name"] == "Đỗ Minh Khang"


def test_null_fields_are_absent_like_go(client: Any) -> None:
    response = post(client, {"full_name": None, "password": "x", "phone": "0911000111", "roles": None})
    assert response.json() == {"code": "invalid_argument", "msg": "Vui lòng điền họ tên"}


# --------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("body", "msg"),
    [
        # CreateAccountUserRequest.Validate() [PUB]: the first empty one of full_name, password, roles
        ({"password": "x", "phone": "0901234567", "roles": ["salesman"]}, "Vui lòng điền họ tên"),
        ({"full_name": "A B", "phone": "0901234567", "roles": ["salesman"]}, "Vui lòng điền password"),
        ({"full_name": "A B", "password": "x", "phone": "0901234567"}, "Vui lòng chọn roles"),
        ({"full_name": "A B", "password": "x", "phone": "0901234567", "roles": []}, "Vui lòng chọn roles"),
        ({"full_name": "A B", "password": "", "phone": ""}, "Vui lòng điền password"),
        ({}, "Vui lòng điền họ tên"),
        # the phone is NormalizePhone's, after the permission check
        ({"full_name": "A B", "password": "x", "roles": ["salesman"]}, "Số điện thoại không hợp lệ"),
    ],
)
def test_validation_answers_the_first_failing_field(client: Any, body: dict[str, Any], msg: str) -> None:
    response = post(client, body)
    assert (response.status_code, response.json()) == (400, {"code": "invalid_argument", "msg": msg})


@pytest.mark.parametrize("phone", ["123", "19001234", "abc", "0912", "+1 (415) 555-0100 1234", "0901234567890"])
def test_invalid_phone(client: Any, phone: str) -> None:
    response = post(client, {**SEED_EXAMPLE, "phone": phone})
    assert (response.status_code, response.json()) == (400, INVALID_PHONE)


# --------------------------------------------------------------- permission
@pytest.mark.parametrize(
    ("key", "roles", "allowed"),
    [
        (OWNER_KEY, ["owner"], False),
        (OWNER_KEY, ["staff_management", "salesman"], True),
        (OWNER_KEY, ["m_admin", "telecom_customerservice_management"], True),
        (MANAGER_KEY, ["telecom_customerservice", "salesman"], True),
        (MANAGER_KEY, ["m_admin"], True),  # enum 10 ranks below staff_management (2) in hasPermision
        (MANAGER_KEY, ["staff_management"], False),
        (MANAGER_KEY, ["owner"], False),
        (MANAGER_KEY, ["unknown"], False),  # "" or null decodes to it: rank 0 is never below a caller
        (AGENT_KEY, ["salesman"], False),
    ],
)
def test_has_permission_rules(client: Any, key: str, roles: list[str], allowed: bool) -> None:
    response = post(client, {**SEED_EXAMPLE, "roles": roles}, key=key)
    if allowed:
        assert response.status_code == 200
    else:
        assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)


def test_permission_is_checked_before_the_phone(client: Any) -> None:
    response = post(client, {**SEED_EXAMPLE, "phone": "12", "roles": ["owner"]})
    assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)


# --------------------------------------------------------------------- auth
@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json", "Authorization": "Bearer "},
        {"Content-Type": "application/json", "Authorization": "Bearer 1150482016510394500:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        {"Content-Type": "application/json", "Authorization": f"Basic {OWNER_KEY}"},
        {"Content-Type": "application/json", "Authorization": OWNER_KEY},
    ],
)
def test_auth_failures(client: Any, headers: dict[str, str]) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_auth_comes_before_validation(client: Any) -> None:
    response = client.post(URL, json={}, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_header_names_and_scheme_are_case_insensitive(client: Any) -> None:
    headers = {"AUTHORIZATION": f"bearer {OWNER_KEY}", "CONTENT-TYPE": "application/json"}
    assert client.post(URL, json=SEED_EXAMPLE, headers=headers).status_code == 200


# --------------------------------------------------------- duplicates/reuse
def test_same_phone_twice_in_a_shop_is_failed_precondition(client: Any) -> None:
    assert post(client, SEED_EXAMPLE).status_code == 200
    again = post(client, {**SEED_EXAMPLE, "phone": "+84 901 234 567", "full_name": "Khác Tên"})
    assert (again.status_code, again.json()) == (412, USER_EXISTS)


@pytest.mark.parametrize("phone", ["0987654321", "+84987654321", "0918123123", "0903111222"])
def test_fixture_members_and_owner_already_exist(client: Any, phone: str) -> None:
    response = post(client, {**SEED_EXAMPLE, "phone": phone})
    assert (response.status_code, response.json()) == (412, USER_EXISTS)


def test_user_of_another_shop_is_reused(client: Any) -> None:
    users = client.app.runtime.vendors["etelecom"].users
    old_hash = users.get(1150482016510394376)["password_hash"]
    response = post(client, {"full_name": "Hoa Võ", "password": "new-pass", "phone": "+84 978 123 456", "roles": ["salesman"]})
    assert response.status_code == 200
    # the identity user comes back exactly as it is (id, name, creation, updated_at)
    assert response.json() == fixture_user({"full_name": "Võ Thị Hoa", "phone": "0978123456"}, "1150482016510394376", "2024-04-12T03:45:10.500Z")
    # RegisterSimplify returns at once for a known phone: IsUpdatePassword is never read [PUB]
    assert users.get(1150482016510394376)["password_hash"] == old_hash
    # now a member of both shops
    assert post(client, {**SEED_EXAMPLE, "phone": "0978123456"}).json() == USER_EXISTS
    assert post(client, {**SEED_EXAMPLE, "phone": "0978123456"}, key=OTHER_SHOP_KEY).json() == USER_EXISTS


def test_reused_owner_counts_the_shop_they_own(client: Any) -> None:
    data = post(client, {**SEED_EXAMPLE, "phone": "0934567890"}).json()
    assert (data["id"], data["full_name"], data["email"], data["total_shop"]) == (
        "1150482016510394374", "Phạm Quốc Bảo", "bao.pham@example.vn", 1,
    )


def test_user_created_in_one_shop_is_reused_by_another(client: Any) -> None:
    first = post(client, SEED_EXAMPLE).json()
    client.post("/__admin/clock", json={"advance": "PT1H"})
    second = post(client, {**SEED_EXAMPLE, "full_name": "Mai Nguyễn"}, key=OTHER_SHOP_KEY).json()
    assert second == first  # the identity as it is: nothing about it changes


def test_failed_requests_change_no_state(client: Any) -> None:
    failures = [
        post(client, {**SEED_EXAMPLE, "roles": ["owner"]}),
        post(client, {**SEED_EXAMPLE, "roles": ["nope"]}),
        post(client, {**SEED_EXAMPLE, "department_id": "1"}),
        post(client, {**SEED_EXAMPLE, "password": ""}),
        post(client, SEED_EXAMPLE, key=AGENT_KEY),
        client.post(URL, json=SEED_EXAMPLE, headers={"Content-Type": "application/json"}),
        client.post(URL, content=b"{", headers=bearer(OWNER_KEY)),
        post(client, {**SEED_EXAMPLE, "phone": "0987654321"}),
    ]
    assert [r.status_code for r in failures] == [403, 400, 404, 400, 403, 401, 400, 412]
    # the phone was never registered, and the id is the one a fresh app gives first
    created = post(client, SEED_EXAMPLE)
    assert created.status_code == 200
    client.post("/__admin/reset")
    assert post(client, SEED_EXAMPLE).json() == created.json()
    # the fixture member kept her membership and nothing else changed
    assert post(client, {**SEED_EXAMPLE, "phone": "0987654321"}).json() == USER_EXISTS
