"""Issue 14's eTelecom findings, as the eTop backend source has them.

- ids come from eTop's generator (~1.0-1.4e18, the user tag), in creation order even
  under a frozen clock, so one GetAccountUsers page never mixes ~7.4e18 ids in;
- the roles telecom_customerservice_management and m_admin exist;
- department_id on create and update, and the list filters exact_roles,
  has_department, department_id;
- Validate()'s own messages: Vui lòng điền họ tên / điền password / chọn roles;
- roles are read by the enum's UnmarshalJSON (an unknown name is a decode error);
- the user RegisterSimplify makes (source etop, phone verified, no short name), and a
  known phone's user reused untouched.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.vendors.etelecom.rules import etop_id
from tests.conftest import vendor_client_fixture
from tests.vendors.etelecom.helpers import (
    HOA,
    LAN,
    LIST_URL,
    MANAGER_KEY,
    NOT_FOUND,
    NOW,
    NOW_MS,
    OWNER_KEY,
    PERMISSION_DENIED,
    SEED_EXAMPLE,
    TUAN,
    UPDATE_URL,
    URL,
    bearer,
    invalid,
    malformed,
)

client, _reset = vendor_client_fixture("etelecom")

CARE = 1150482016510394700  # Sao Mai's department (fixture)
SEED_AS_PUBLISHED = {"full_name": "Nguyễn Thị Mai", "password": "MatKhau@2025", "phone": "0901234567"}  # no roles


@pytest.fixture(autouse=True)
def _clock(client: Any, _reset: None) -> None:
    assert client.post("/__admin/clock", json={"freeze": True, "set": NOW}).status_code == 200


def rpc(client: Any, url: str, body: Any, key: str = OWNER_KEY) -> Any:
    return client.post(url, json=body, headers=bearer(key))


def create(client: Any, n: int, **fields: Any) -> Any:
    return rpc(client, URL, {**SEED_EXAMPLE, "full_name": f"Nhân Viên {n}", "phone": f"09120005{n:02d}", **fields})


def listed(client: Any, **wanted: Any) -> list[dict[str, Any]]:
    response = rpc(client, LIST_URL, {"filter": wanted} if wanted else {})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["account_users"]
    return items


# ------------------------------------------------------------------ ids
def test_new_ids_are_etops_and_in_the_fixtures_range(client: Any) -> None:
    user_id = int(create(client, 1).json()["id"])
    assert 10**18 <= user_id < 1.5 * 10**18  # was ~7.4e18 (ms << 22)
    assert user_id >> 32 == etop_id(NOW_MS, 0) >> 32  # 10 ms units since eTop's 2018 epoch
    assert (user_id >> 24) & 0xFF == 17  # account_tag.TagUser
    assert all(10**18 <= int(item["user_id"]) < 1.5 * 10**18 for item in listed(client))


def test_a_frozen_clock_still_gives_ids_in_creation_order(client: Any) -> None:
    ids = [int(create(client, n).json()["id"]) for n in range(6)]
    assert ids == sorted(ids) and len(set(ids)) == 6
    assert all((i >> 24) & 0xFF == 17 for i in ids)
    # newest first (-created_at, then the row), and their ids descend with it
    newest = [int(item["user_id"]) for item in listed(client)[:6]]
    assert newest == ids[::-1]


# ------------------------------------------------------------------ roles
@pytest.mark.parametrize("role", ["telecom_customerservice_management", "m_admin"])
def test_the_roles_the_source_adds_are_accepted(client: Any, role: str) -> None:
    created = create(client, 2, roles=[role])
    assert created.status_code == 200, created.text
    assert [item["roles"] for item in listed(client, roles=[role])] == [[role]]


def test_an_unknown_role_is_the_enums_decode_error(client: Any) -> None:
    response = create(client, 3, roles=["salesman", "boss"])
    assert (response.status_code, response.json()) == (400, malformed('unrecognized enum UserRole value "boss"'))


def test_a_role_may_be_sent_as_its_enum_number(client: Any) -> None:
    assert create(client, 4, roles=[9, 10]).status_code == 200
    assert listed(client)[0]["roles"] == ["telecom_customerservice_management", "m_admin"]


# ------------------------------------------------------------------ Validate()
@pytest.mark.parametrize(
    ("body", "msg"),
    [
        (SEED_AS_PUBLISHED, "Vui lòng chọn roles"),
        ({**SEED_EXAMPLE, "roles": []}, "Vui lòng chọn roles"),
        ({**SEED_EXAMPLE, "full_name": ""}, "Vui lòng điền họ tên"),
        ({**SEED_EXAMPLE, "password": ""}, "Vui lòng điền password"),
        ({"phone": "0901234567"}, "Vui lòng điền họ tên"),  # the first empty one only
        ({"full_name": "A", "phone": "0901234567"}, "Vui lòng điền password"),
    ],
)
def test_validate_answers_the_services_own_messages(client: Any, body: dict[str, Any], msg: str) -> None:
    response = rpc(client, URL, body)
    assert (response.status_code, response.json()) == (400, invalid(msg))


def test_a_blank_name_passes_validate_untrimmed(client: Any) -> None:
    response = create(client, 5, full_name=" ")
    assert (response.status_code, response.json()["full_name"]) == (200, " ")


# ------------------------------------------------------------------ the user RegisterSimplify makes
def test_a_new_user_is_registered_as_etop_with_a_verified_phone(client: Any) -> None:
    data = create(client, 6).json()
    assert (data["source"], data["phone_verified_at"], data["phone_verification_sent_at"], data["short_name"]) == ("etop", NOW, NOW, "")


def test_a_known_phone_is_reused_untouched(client: Any) -> None:
    vendor = client.app.runtime.vendors["etelecom"]
    before = dict(vendor.users.get(HOA))
    response = rpc(client, URL, {"full_name": "Khác", "password": "other", "phone": "0978123456", "roles": ["salesman"]})
    assert response.status_code == 200
    assert vendor.users.get(HOA) == before  # password, name, updated_at: as they were


# ------------------------------------------------------------------ departments
@pytest.mark.parametrize("department", [CARE, str(CARE)])
def test_create_puts_the_member_in_a_department(client: Any, department: Any) -> None:
    created = create(client, 7, department_id=department)
    assert created.status_code == 200, created.text
    assert listed(client)[0]["department_id"] == str(CARE)


@pytest.mark.parametrize("department", [1, "1150482016510394500"])
def test_create_with_a_department_the_shop_has_not_is_not_found(client: Any, department: Any) -> None:
    response = create(client, 8, department_id=department)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert create(client, 8).status_code == 200  # nothing was registered


def test_create_with_department_zero_is_no_department(client: Any) -> None:
    assert create(client, 9, department_id=0).status_code == 200
    assert listed(client)[0]["department_id"] == "0"


def test_an_undecodable_department_id_is_malformed(client: Any) -> None:
    response = create(client, 10, department_id="abc")
    assert (response.status_code, response.json()) == (400, malformed('strconv.ParseInt: parsing "abc": invalid syntax'))


def test_update_moves_a_member_into_a_department(client: Any) -> None:
    response = rpc(client, UPDATE_URL, {"user_id": LAN, "department_id": CARE}, MANAGER_KEY)
    assert (response.status_code, response.json()) == (200, {"updated": 1})
    assert [item["user_id"] for item in listed(client, department_id=CARE)] == [str(LAN)]
    # the same department again is still counted
    assert rpc(client, UPDATE_URL, {"user_id": LAN, "department_id": str(CARE)}).json() == {"updated": 1}


def test_update_to_an_unknown_department_changes_nothing(client: Any) -> None:
    response = rpc(client, UPDATE_URL, {"user_id": LAN, "department_id": 1, "roles": ["salesman"]})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert next(item for item in listed(client) if item["user_id"] == str(LAN))["roles"] == ["telecom_customerservice"]


def test_an_m_admin_member_cannot_be_placed_in_a_department(client: Any) -> None:
    user_id = create(client, 11, roles=["m_admin"]).json()["id"]
    response = rpc(client, UPDATE_URL, {"user_id": user_id, "department_id": CARE})
    assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)


# ------------------------------------------------------------------ list filters
def test_has_department_and_department_id_filters(client: Any) -> None:
    rpc(client, UPDATE_URL, {"user_id": TUAN, "department_id": CARE})
    assert [item["user_id"] for item in listed(client, has_department=True)] == [str(TUAN)]
    assert str(TUAN) not in [item["user_id"] for item in listed(client, has_department=False)]
    assert len(listed(client, has_department=False)) == len(listed(client)) - 1
    assert [item["user_id"] for item in listed(client, department_id=str(CARE))] == [str(TUAN)]
    assert listed(client, department_id=1) == []
    assert listed(client, department_id=0) == listed(client)  # 0: any


def test_exact_roles_is_the_same_set_roles_a_superset(client: Any) -> None:
    create(client, 12, roles=["telecom_customerservice", "accountant"])
    exact = {item["user_id"] for item in listed(client, exact_roles=["telecom_customerservice"])}
    holding = {item["user_id"] for item in listed(client, roles=["telecom_customerservice"])}
    assert str(LAN) in exact and exact < holding  # the new member holds it among others
    both = listed(client, exact_roles=["accountant", "telecom_customerservice", "accountant"])  # a set: order and repeats aside
    assert [item["full_name"] for item in both] == ["Nhân Viên 12"]


def test_an_unknown_role_in_exact_roles_is_malformed(client: Any) -> None:
    response = rpc(client, LIST_URL, {"filter": {"exact_roles": ["boss"]}})
    assert (response.status_code, response.json()) == (400, malformed('unrecognized enum UserRole value "boss"'))
