"""eTelecom account-user lifecycle through HTTP: revoked keys, UpdateAccountUser,
DeleteAccountUser, re-adding a deleted phone, and the cross-shop reuse quirk."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.etelecom.helpers import (
    AGENT_KEY,
    BAO,
    DELETE_URL,
    HOA,
    HUNG,
    LAN,
    LIST_URL,
    MANAGER_KEY,
    NOT_FOUND,
    NOW,
    OTHER_SHOP_KEY,
    OWNER_KEY,
    PERMISSION_DENIED,
    REVOKED_KEY,
    SEED_EXAMPLE,
    TUAN,
    UNAUTHENTICATED,
    UPDATE_URL,
    URL,
    USER_EXISTS,
    USER_ID_MISSING,
    bad_route,
    bearer,
    malformed,
)

client, _reset = vendor_client_fixture("etelecom")


@pytest.fixture(autouse=True)
def _clock(client: Any, _reset: None) -> None:
    assert client.post("/__admin/clock", json={"freeze": True, "set": NOW}).status_code == 200


def rpc(client: Any, url: str, body: Any, key: str = OWNER_KEY) -> Any:
    return client.post(url, json=body, headers=bearer(key))


def members(client: Any, key: str = OWNER_KEY, **wanted: Any) -> dict[int, dict[str, Any]]:
    response = rpc(client, LIST_URL, {"filter": wanted} if wanted else {}, key)
    assert response.status_code == 200
    return {int(item["user_id"]): item for item in response.json()["account_users"]}


def password_of(client: Any, user_id: int) -> str:
    return client.app.runtime.vendors["etelecom"].users.get(user_id)["password_hash"]


# ------------------------------------------------------------ revoked keys
@pytest.mark.parametrize(
    ("url", "body"),
    [(URL, SEED_EXAMPLE), (LIST_URL, {}), (UPDATE_URL, {"user_id": LAN, "password": "x"}), (DELETE_URL, {"user_id": LAN})],
)
def test_a_revoked_key_is_unauthenticated_everywhere(client: Any, url: str, body: dict[str, Any]) -> None:
    response = rpc(client, url, body, REVOKED_KEY)
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)
    assert LAN in members(client)  # nothing happened


def test_admin_describes_a_live_key(client: Any) -> None:
    entry = client.get("/__admin/vendors").json()["etelecom"]
    assert entry["headers"]["Authorization"] == f"Bearer {OWNER_KEY}"


def test_static_keys_do_not_expire(client: Any) -> None:
    assert client.post("/__admin/clock", json={"advance": "P400D"}).status_code == 200
    assert rpc(client, URL, SEED_EXAMPLE).status_code == 200
    assert rpc(client, LIST_URL, {}, REVOKED_KEY).status_code == 401


# ------------------------------------------------------------------ update
def test_update_nothing_is_updated_0(client: Any) -> None:
    before = members(client)
    for body in ({"user_id": LAN}, {"user_id": LAN, "password": "", "roles": [], "full_name": ""}):
        response = rpc(client, UPDATE_URL, body)
        assert (response.status_code, response.json()) == (200, {"updated": 0})
    assert members(client) == before


def test_update_password(client: Any) -> None:
    old = password_of(client, LAN)
    assert rpc(client, UPDATE_URL, {"user_id": LAN, "password": "MoiMoi@1"}).json() == {"updated": 1}
    assert password_of(client, LAN) != old
    # counted again even when it is the same password
    assert rpc(client, UPDATE_URL, {"user_id": LAN, "password": "MoiMoi@1"}).json() == {"updated": 1}


def test_update_roles_replaces_them(client: Any) -> None:
    response = rpc(client, UPDATE_URL, {"user_id": LAN, "roles": ["salesman", "analyst"]}, MANAGER_KEY)
    assert (response.status_code, response.json()) == (200, {"updated": 1})
    assert members(client)[LAN]["roles"] == ["salesman", "analyst"]  # not added to telecom_customerservice
    assert list(members(client, roles=["salesman"])) == [LAN]


def test_update_full_name_changes_what_lists_show_and_find(client: Any) -> None:
    assert rpc(client, UPDATE_URL, {"user_id": LAN, "full_name": "Trần Ngọc Lan Anh"}).json() == {"updated": 1}
    item = members(client)[LAN]
    # [PUB] UpdateUserInfo renames; the short name stays what it was
    assert (item["full_name"], item["short_name"]) == ("Trần Ngọc Lan Anh", "Lan")
    assert list(members(client, name="ngoc anh")) == [LAN]
    assert list(members(client, name="tran thi")) == []


def test_update_everything_counts_once(client: Any) -> None:
    body = {"user_id": str(LAN), "password": "p", "roles": ["accountant"], "full_name": "Lan Trần"}
    assert rpc(client, UPDATE_URL, body).json() == {"updated": 1}
    item = members(client)[LAN]
    assert (item["roles"], item["full_name"]) == (["accountant"], "Lan Trần")


@pytest.mark.parametrize("user_id", [str(LAN), LAN, f"+{LAN}"])
def test_user_id_as_string_or_number(client: Any, user_id: Any) -> None:
    assert rpc(client, UPDATE_URL, {"user_id": user_id, "roles": ["analyst"]}).json() == {"updated": 1}


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({}, 400, USER_ID_MISSING),
        ({"user_id": 0, "password": "x"}, 400, USER_ID_MISSING),
        ({"user_id": "0"}, 400, USER_ID_MISSING),
        ({"user_id": "", "roles": ["salesman"]}, 400, USER_ID_MISSING),
        ({"user_id": None}, 400, USER_ID_MISSING),
        ({"roles": ["boss"]}, 400, malformed('unrecognized enum UserRole value "boss"')),  # decoding comes first
        ({"user_id": LAN, "department_id": "1"}, 404, NOT_FOUND),  # not one of the shop's departments
        ({"user_id": BAO, "password": "x"}, 404, NOT_FOUND),  # a member of another shop
        ({"user_id": 1150482016510399999, "password": "x"}, 404, NOT_FOUND),
        ({"user_id": -5}, 404, NOT_FOUND),
        ({"user_id": HUNG, "password": "x"}, 403, PERMISSION_DENIED),  # nobody touches the owner
        ({"user_id": LAN, "roles": ["owner"]}, 403, PERMISSION_DENIED),
    ],
)
def test_update_failures(client: Any, body: dict[str, Any], status: int, expected: dict[str, str]) -> None:
    before = (members(client), password_of(client, LAN))
    response = rpc(client, UPDATE_URL, body)
    assert (response.status_code, response.json()) == (status, expected)
    assert (members(client), password_of(client, LAN)) == before


@pytest.mark.parametrize(
    ("key", "body", "allowed"),
    [
        (MANAGER_KEY, {"user_id": LAN, "roles": ["salesman"]}, True),
        (MANAGER_KEY, {"user_id": LAN, "password": "x"}, True),
        # existing + new roles are checked: staff_management is not below the manager
        (MANAGER_KEY, {"user_id": LAN, "roles": ["staff_management"]}, False),
        (MANAGER_KEY, {"user_id": TUAN, "password": "x"}, False),  # a peer manager
        (MANAGER_KEY, {"user_id": TUAN}, False),  # even with nothing to change
        (MANAGER_KEY, {"user_id": LAN, "roles": ["salesman", ""]}, False),  # "" decodes to unknown: rank 0, never below
        (MANAGER_KEY, {"user_id": LAN, "roles": ["m_admin"]}, True),  # enum 10: below staff_management
        (AGENT_KEY, {"user_id": LAN, "password": "x"}, False),
        (OWNER_KEY, {"user_id": TUAN, "roles": ["salesman"]}, True),
    ],
)
def test_update_permission(client: Any, key: str, body: dict[str, Any], allowed: bool) -> None:
    response = rpc(client, UPDATE_URL, body, key)
    if allowed:
        assert (response.status_code, response.json()) == (200, {"updated": 1})
    else:
        assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (b'{"user_id":"abc"}', 'strconv.ParseInt: parsing "abc": invalid syntax'),
        (b'{"user_id":1.5}', 'strconv.ParseInt: parsing "1.5": invalid syntax'),
        (b'{"user_id":true}', 'strconv.ParseInt: parsing "true": invalid syntax'),
        (b'{"user_id":"99999999999999999999"}', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'),
        (b'{"user_id":1,"password":5}', "json: cannot unmarshal number into Go struct field UpdateAccountUserRequest.password of type string"),
        (b'{"full_name":[],"user_id":"x"}', 'strconv.ParseInt: parsing "x": invalid syntax'),
        (b'{"roles":[1.5]}', "cannot unmarshal `1.5` into enum UserRole"),
        (b'{"roles":"owner"}', "json: cannot unmarshal string into Go struct field UpdateAccountUserRequest.roles of type []shop_user_role.UserRole"),
        (b'{"roles":["nope"],"user_id":"x"}', 'unrecognized enum UserRole value "nope"'),  # the first aborting error in the document
        (b'{"department_id":"x","roles":["nope"]}', 'strconv.ParseInt: parsing "x": invalid syntax'),
        (b"[1]", "json: cannot unmarshal array into Go value of type shop.UpdateAccountUserRequest"),
        (b"{bad", "invalid character 'b' looking for beginning of object key string"),
    ],
)
def test_update_undecodable(client: Any, body: bytes, cause: str) -> None:
    response = client.post(UPDATE_URL, content=body, headers=bearer(OWNER_KEY))
    assert (response.status_code, response.json()) == (400, malformed(cause))


# ------------------------------------------------------------------ delete
def test_delete_removes_the_membership_only(client: Any) -> None:
    response = rpc(client, DELETE_URL, {"user_id": str(LAN)})
    assert (response.status_code, response.json()) == (200, {"deleted": 1})
    assert LAN not in members(client)
    assert list(members(client, phone="0987654321")) == []
    again = rpc(client, DELETE_URL, {"user_id": LAN})
    assert (again.status_code, again.json()) == (404, NOT_FOUND)
    assert rpc(client, UPDATE_URL, {"user_id": LAN, "password": "x"}).json() == NOT_FOUND
    # the identity survives (phone and password kept)
    assert client.app.runtime.vendors["etelecom"].users.get(LAN)["phone"] == "0987654321"


@pytest.mark.parametrize(
    ("key", "user_id", "status", "expected"),
    [
        (OWNER_KEY, 0, 400, USER_ID_MISSING),
        (OWNER_KEY, None, 400, USER_ID_MISSING),
        (OWNER_KEY, HUNG, 403, PERMISSION_DENIED),  # the owner cannot be deleted
        (OWNER_KEY, HOA, 404, NOT_FOUND),  # another shop's member
        (OTHER_SHOP_KEY, LAN, 404, NOT_FOUND),
        (MANAGER_KEY, TUAN, 403, PERMISSION_DENIED),  # a staff manager cannot delete a peer
        (AGENT_KEY, LAN, 403, PERMISSION_DENIED),
    ],
)
def test_delete_failures(client: Any, key: str, user_id: Any, status: int, expected: dict[str, str]) -> None:
    before = (members(client), members(client, OTHER_SHOP_KEY))
    response = rpc(client, DELETE_URL, {"user_id": user_id}, key)
    assert (response.status_code, response.json()) == (status, expected)
    assert (members(client), members(client, OTHER_SHOP_KEY)) == before


def test_delete_undecodable_and_gate(client: Any) -> None:
    bad = client.post(DELETE_URL, content=b'{"user_id":{"a":1}}', headers=bearer(OWNER_KEY))
    assert (bad.status_code, bad.json()) == (400, malformed('strconv.ParseInt: parsing "{\\"a\\":1}": invalid syntax'))
    put = client.put(DELETE_URL, json={"user_id": LAN}, headers=bearer(OWNER_KEY))
    route = "PUT /v1/shop.Shop/DeleteAccountUser"
    assert (put.status_code, put.json()) == (404, bad_route('unsupported method "PUT" (only POST is allowed)', route))
    form = client.post(DELETE_URL, content=b"user_id=1", headers={"Authorization": f"Bearer {OWNER_KEY}"})
    assert (form.status_code, form.json()) == (
        404, bad_route('unexpected Content-Type: ""', "POST /v1/shop.Shop/DeleteAccountUser"),
    )


def test_a_deleted_phone_can_be_added_again_reusing_the_identity(client: Any) -> None:
    old_password = password_of(client, LAN)
    assert rpc(client, DELETE_URL, {"user_id": LAN}, MANAGER_KEY).json() == {"deleted": 1}
    client.post("/__admin/clock", json={"advance": "PT16M"})
    again = rpc(client, URL, {"full_name": "Lan Mới", "password": "Lan@2025", "phone": "+84 987 654 321", "roles": ["analyst"]})
    assert again.status_code == 200
    data = again.json()
    # the same identity comes back as it is: name, password and updated_at untouched [PUB RegisterSimplify]
    assert (data["id"], data["full_name"], data["updated_at"]) == (str(LAN), "Trần Thị Lan", "2024-03-04T08:00:00.000Z")
    assert password_of(client, LAN) == old_password
    item = members(client)[LAN]
    assert (item["roles"], item["position"]) == (["analyst"], "")  # a fresh membership
    newest = rpc(client, LIST_URL, {"paging": {"limit": 1}}).json()["account_users"]
    assert [item["user_id"] for item in newest] == [str(LAN)]  # the newest member now
    assert rpc(client, URL, {**SEED_EXAMPLE, "phone": "0987654321"}).json() == USER_EXISTS


# ------------------------------------------------------- cross-shop quirk
def test_creating_another_shops_member_reuses_the_user_each_shop_sees_its_own(client: Any) -> None:
    old_password = password_of(client, HOA)
    response = rpc(client, URL, {"full_name": "Hoa Võ", "password": "khac-hoan-toan", "phone": "0978 123 456", "roles": ["accountant"]})
    assert response.status_code == 200 and response.json()["id"] == str(HOA)
    # RegisterSimplify returns at once for a known phone: her password stays (IsUpdatePassword is unread) [PUB]
    assert password_of(client, HOA) == old_password

    sao_mai, hoa_binh = members(client), members(client, OTHER_SHOP_KEY)
    assert HOA in sao_mai and HOA in hoa_binh
    assert (sao_mai[HOA]["account_id"], hoa_binh[HOA]["account_id"]) == ("1150482016510394500", "1150482016510394600")
    assert (sao_mai[HOA]["roles"], hoa_binh[HOA]["roles"]) == (["accountant"], ["salesman"])  # memberships are per shop
    assert sao_mai[HOA]["full_name"] == hoa_binh[HOA]["full_name"] == "Võ Thị Hoa"  # one identity
    assert list(hoa_binh) == [HOA, BAO]  # Hòa Bình still sees only its own members
    assert not {HUNG, LAN, TUAN} & set(hoa_binh)

    # leaving one shop leaves the other membership alone
    assert rpc(client, DELETE_URL, {"user_id": HOA}).json() == {"deleted": 1}
    assert HOA not in members(client) and HOA in members(client, OTHER_SHOP_KEY)


def test_update_in_one_shop_is_seen_by_the_other(client: Any) -> None:
    rpc(client, URL, {**SEED_EXAMPLE, "phone": "0978123456"})
    assert rpc(client, UPDATE_URL, {"user_id": HOA, "full_name": "Võ Thị Hoa Mai"}).json() == {"updated": 1}
    # the name belongs to the identity: both shops list (and find) the new one
    assert members(client, OTHER_SHOP_KEY)[HOA]["full_name"] == "Võ Thị Hoa Mai"
    assert list(members(client, OTHER_SHOP_KEY, name="hoa mai")) == [HOA]
    # roles do not travel
    rpc(client, UPDATE_URL, {"user_id": HOA, "roles": ["accountant"]})
    assert members(client, OTHER_SHOP_KEY)[HOA]["roles"] == ["salesman"]


# ------------------------------------------------------------- determinism
SEQUENCE = [
    (URL, SEED_EXAMPLE),
    (UPDATE_URL, {"user_id": LAN, "roles": ["salesman"], "full_name": "Lan Trần"}),
    (DELETE_URL, {"user_id": TUAN}),
    (URL, {**SEED_EXAMPLE, "phone": "0903111222"}),
    (LIST_URL, {"paging": {"limit": 4}}),
]


def _run(seed: int) -> list[bytes]:
    with make_client("etelecom", seed=seed, clock=f"frozen:{NOW}") as c:
        return [c.post(url, json=body, headers=bearer(OWNER_KEY)).content for url, body in SEQUENCE]


def test_same_seed_same_bytes() -> None:
    assert _run(3) == _run(3)


def test_other_seed_other_ids_same_outcomes() -> None:
    three, four = _run(3), _run(4)
    assert three[0] != four[0] and three[1:4] == four[1:4]
