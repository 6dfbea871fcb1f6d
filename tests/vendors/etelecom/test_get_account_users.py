"""eTelecom Shop/GetAccountUsers through HTTP: shape, shop scoping, filters, cursor paging, errors."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.etelecom.helpers import (
    AGENT_KEY,
    BAO,
    HOA,
    HOA_BINH,
    HUNG,
    LAN,
    LIST_URL,
    MANAGER_KEY,
    NOW,
    OTHER_SHOP_KEY,
    OWNER_KEY,
    REVOKED_KEY,
    SEED_EXAMPLE,
    TUAN,
    UNAUTHENTICATED,
    UPDATE_URL,
    URL,
    bad_route,
    bearer,
    invalid,
    malformed,
)

client, _reset = vendor_client_fixture("etelecom")

ITEM_KEYS = [
    "account_id", "deleted", "department_id", "email", "full_name", "permissions", "phone", "position", "roles",
    "short_name", "user_id",
]
PAGING_KEYS = ["after", "before", "limit", "next", "prev", "sort"]
ROW = 1150482016510400000  # membership row ids count up from here in fixture order [INF]
ROWS = {HUNG: ROW, LAN: ROW + 1, TUAN: ROW + 2, BAO: ROW + 3, HOA: ROW + 4}
JOINED = {
    HUNG: "2024-03-01T02:15:30.120Z", LAN: "2024-03-04T08:00:00.000Z", TUAN: "2024-03-05T09:30:00.000Z",
    BAO: "2024-04-10T01:00:00.000Z", HOA: "2024-04-12T03:45:10.500Z",
}
HOA_ITEM = {
    "account_id": str(HOA_BINH), "deleted": False, "department_id": "0", "email": "", "full_name": "Võ Thị Hoa",
    "permissions": [], "phone": "0978123456", "position": "", "roles": ["salesman"], "short_name": "Hoa",
    "user_id": str(HOA),
}
BAO_ITEM = {
    "account_id": str(HOA_BINH), "deleted": False, "department_id": "0", "email": "bao.pham@example.vn",
    "full_name": "Phạm Quốc Bảo", "permissions": [], "phone": "0934567890", "position": "", "roles": ["owner"],
    "short_name": "Bảo", "user_id": str(BAO),
}


def micros(iso: str) -> int:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def cursor(user_id: int, *, field: int = 3, negative: bool = True) -> str:
    """The wire format: [field][int64][1][row id int64], first byte negated for a
    descending sort, byte-reversed, base64url (created_at = field 3 [INF])."""
    data = bytearray([field]) + micros(JOINED[user_id]).to_bytes(8, "big") + bytes([1]) + ROWS[user_id].to_bytes(8, "big")
    if negative:
        data[0] = 256 - data[0]
    return base64.urlsafe_b64encode(bytes(reversed(data))).decode()


@pytest.fixture(autouse=True)
def _clock(client: Any, _reset: None) -> None:
    assert client.post("/__admin/clock", json={"freeze": True, "set": NOW}).status_code == 200


def listing(client: Any, body: Any = None, key: str = OWNER_KEY) -> Any:
    return client.post(LIST_URL, json={} if body is None else body, headers=bearer(key))


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [int(item["user_id"]) for item in response.json()["account_users"]]


def sao_mai_ids(client: Any) -> list[int]:
    """Sao Mai has 3 generated members too (their ids follow the seed)."""
    return ids(listing(client))


# ------------------------------------------------------------------ shape
def test_documented_shape_and_exact_body(client: Any) -> None:
    response = listing(client, key=OTHER_SHOP_KEY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert list(data) == ["account_users", "paging"]
    assert [list(item) for item in data["account_users"]] == [ITEM_KEYS, ITEM_KEYS]
    assert list(data["paging"]) == PAGING_KEYS
    assert data == {
        "account_users": [HOA_ITEM, BAO_ITEM],  # newest member first (-created_at)
        "paging": {"after": ".", "before": "", "limit": 100, "next": cursor(BAO), "prev": cursor(HOA), "sort": ""},
    }


def test_membership_columns_from_the_fixture(client: Any) -> None:
    items = {int(i["user_id"]): i for i in listing(client).json()["account_users"]}
    assert (items[LAN]["position"], items[LAN]["roles"], items[LAN]["phone"]) == (
        "Tổng đài viên", ["telecom_customerservice"], "0987654321",
    )
    assert (items[TUAN]["position"], items[TUAN]["short_name"]) == ("Trưởng nhóm", "Tuấn")
    assert items[HUNG]["roles"] == ["owner"] and items[HUNG]["email"] == "hung.nguyen@example.vn"
    for item in items.values():
        assert isinstance(item["deleted"], bool) and isinstance(item["permissions"], list)
        assert item["user_id"].isdigit() and item["account_id"] == "1150482016510394500"


@pytest.mark.parametrize("key", [OWNER_KEY, MANAGER_KEY, AGENT_KEY])
def test_every_live_key_of_the_shop_may_list(client: Any, key: str) -> None:
    assert len(ids(listing(client, key=key))) == 6  # owner, 2 staff, 3 generated


def test_each_shop_sees_only_its_own_members(client: Any) -> None:
    assert ids(listing(client, key=OTHER_SHOP_KEY)) == [HOA, BAO]
    assert {HUNG, LAN, TUAN} <= set(sao_mai_ids(client)) and not {BAO, HOA} & set(sao_mai_ids(client))
    # naming another shop's member by id finds nothing
    assert ids(listing(client, {"filter": {"user_ids": [str(HUNG)]}}, key=OTHER_SHOP_KEY)) == []


def test_a_created_member_is_listed_first(client: Any) -> None:
    created = client.post(URL, json={**SEED_EXAMPLE, "roles": ["accountant"]}, headers=bearer(OWNER_KEY)).json()
    first = listing(client, {"paging": {"limit": 1}}).json()["account_users"]
    assert first == [{
        "account_id": "1150482016510394500", "deleted": False, "department_id": "0", "email": "",
        "full_name": "Nguyễn Thị Mai", "permissions": [], "phone": "0901234567", "position": "",
        "roles": ["accountant"], "short_name": "", "user_id": created["id"],  # RegisterSimplify sets no short name [PUB]
    }]


# ---------------------------------------------------------------- filters
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Tuấn", [TUAN]),
        ("TUAN", [TUAN]),  # case and accents do not matter
        ("tuan le", [TUAN]),  # every word must match, in any order
        ("minh t", [TUAN]),  # a word prefix matches
        ("tran thi", [LAN]),
        ("nguyễn văn hùng", [HUNG]),
        ("uấn", []),  # not a substring search
        ("tuan hoa", []),
        ("   ", []),  # nothing to search for matches nothing
    ],
)
def test_name_filter_is_a_normalised_word_prefix_search(client: Any, name: str, expected: list[int]) -> None:
    assert ids(listing(client, {"filter": {"name": name}})) == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("0987654321", [LAN]), ("0987", [LAN]), ("09", None), ("987654321", []), ("+84987654321", [])],
)
def test_phone_filter_matches_the_stored_numbers_leading_digits(client: Any, phone: str, expected: list[int] | None) -> None:
    found = ids(listing(client, {"filter": {"phone": phone}}))
    if expected is None:  # every 09x number, generated ones included
        assert LAN in found and HUNG in found and TUAN in found
    else:
        assert found == expected


def test_user_ids_accept_strings_and_numbers(client: Any) -> None:
    assert ids(listing(client, {"filter": {"user_ids": [str(LAN), HUNG, "1"]}})) == [LAN, HUNG]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ({"roles": ["staff_management"]}, [TUAN]),
        ({"roles": ["owner"]}, [HUNG]),
        ({"roles": ["owner", "staff_management"]}, []),  # a member must hold all of them
        ({"has_extension": True}, [LAN]),
        ({"extension_number": "101"}, [LAN]),
        ({"extension_number": "10"}, [LAN]),
        ({"extension_number": "102"}, []),
        ({"name": "lan", "has_extension": True, "roles": ["telecom_customerservice"]}, [LAN]),
        ({"name": "lan", "has_extension": False}, []),
        ({"roles": [], "name": "", "user_ids": [], "phone": None}, None),  # empty values do not filter
    ],
)
def test_other_filters(client: Any, wanted: dict[str, Any], expected: list[int] | None) -> None:
    found = ids(listing(client, {"filter": wanted}))
    assert found == (sao_mai_ids(client) if expected is None else expected)


def test_has_extension_false_lists_everyone_else(client: Any) -> None:
    assert ids(listing(client, {"filter": {"has_extension": False}})) == [i for i in sao_mai_ids(client) if i != LAN]


def test_unknown_role_in_the_filter(client: Any) -> None:
    # UserRole's UnmarshalJSON fails: Go's decoding is aborted [PUB]
    response = listing(client, {"filter": {"roles": ["salesman", "boss"]}})
    assert (response.status_code, response.json()) == (400, malformed('unrecognized enum UserRole value "boss"'))


# ----------------------------------------------------------------- paging
def test_walk_forward_and_back_with_cursors(client: Any) -> None:
    everyone = sao_mai_ids(client)
    assert everyone[:3] == [TUAN, LAN, HUNG]
    first = listing(client, {"paging": {"limit": 2}}).json()
    assert [int(i["user_id"]) for i in first["account_users"]] == [TUAN, LAN]
    assert first["paging"] == {"after": ".", "before": "", "limit": 2, "next": cursor(LAN), "prev": cursor(TUAN), "sort": ""}

    seen, after, pages = [], first["paging"]["next"], 1
    seen += [TUAN, LAN]
    while True:
        page = listing(client, {"paging": {"limit": 2, "after": after}}).json()
        if not page["account_users"]:
            # past the end: an empty page and no cursors (the last full page still had a `next`)
            assert page["paging"] == {"after": after, "before": "", "limit": 2, "next": "", "prev": "", "sort": ""}
            break
        pages += 1
        seen += [int(i["user_id"]) for i in page["account_users"]]
        after = page["paging"]["next"]
    assert seen == everyone and pages == 3

    second = listing(client, {"paging": {"limit": 2, "after": cursor(LAN)}}).json()
    back = listing(client, {"paging": {"limit": 2, "before": second["paging"]["prev"]}}).json()
    assert [int(i["user_id"]) for i in back["account_users"]] == [TUAN, LAN]
    assert back["paging"]["before"] == second["paging"]["prev"] and back["paging"]["after"] == ""


def test_before_dot_reads_the_last_page(client: Any) -> None:
    everyone = sao_mai_ids(client)
    page = listing(client, {"paging": {"limit": 2, "before": "."}}).json()
    assert [int(i["user_id"]) for i in page["account_users"]] == everyone[-2:]


def test_ascending_sort_and_its_cursors(client: Any) -> None:
    page = listing(client, {"paging": {"sort": "created_at", "limit": 1}}, key=OTHER_SHOP_KEY).json()
    assert page["account_users"] == [BAO_ITEM]
    assert page["paging"] == {
        "after": ".", "before": "", "limit": 1, "next": cursor(BAO, negative=False),
        "prev": cursor(BAO, negative=False), "sort": "created_at",
    }
    nxt = listing(client, {"paging": {"sort": "created_at", "limit": 1, "after": page["paging"]["next"]}}, key=OTHER_SHOP_KEY)
    assert nxt.json()["account_users"] == [HOA_ITEM]


def test_updated_at_sort(client: Any) -> None:
    # a role change moves the membership's updated_at; created_at order stays
    client.post("/__admin/clock", json={"advance": "PT1H"})
    changed = client.post(UPDATE_URL, json={"user_id": LAN, "roles": ["accountant"]}, headers=bearer(OWNER_KEY))
    assert changed.json() == {"updated": 1}
    assert sao_mai_ids(client)[:3] == [TUAN, LAN, HUNG]
    assert ids(listing(client, {"paging": {"sort": "-updated_at"}}))[:3] == [LAN, TUAN, HUNG]
    assert ids(listing(client, {"paging": {"sort": "updated_at"}}))[-3:] == [HUNG, TUAN, LAN]


@pytest.mark.parametrize(("limit", "effective"), [(0, 100), (1, 1), (100, 100), (101, 100), (5000, 100)])
def test_limit_default_and_cap(client: Any, limit: int, effective: int) -> None:
    page = listing(client, {"paging": {"limit": limit}}).json()
    assert page["paging"]["limit"] == effective and len(page["account_users"]) == min(effective, 6)


@pytest.mark.parametrize(
    ("paging", "msg"),
    [
        ({"limit": -1}, "invalid limit"),
        ({"sort": "created_at,updated_at"}, "paging is invalid (can not sort by more than 1 field)"),
        ({"sort": "id"}, "paging is invalid (can not sort by id)"),
        ({"sort": "-id"}, "paging is invalid (can not sort by id)"),
        ({"sort": "full_name"}, "paging is invalid (sorting by full_name is not supported)"),
        ({"after": ".", "before": "."}, "paging is invalid"),
        ({"after": "x"}, "paging is invalid (illegal base64 data at input byte 0)"),
        ({"after": "AAA!"}, "paging is invalid (illegal base64 data at input byte 3)"),
        ({"after": "QQ="}, "paging is invalid (illegal base64 data at input byte 3)"),
        ({"after": "AAAA"}, "paging is invalid (invalid cursor)"),
        ({"before": cursor(LAN)[:-4]}, "paging is invalid (invalid cursor)"),
        ({"after": cursor(LAN), "sort": "created_at"}, "paging is invalid (sort does not match)"),
        ({"after": cursor(LAN, negative=False)}, "paging is invalid (sort does not match)"),
    ],
)
def test_invalid_paging(client: Any, paging: dict[str, Any], msg: str) -> None:
    response = listing(client, {"paging": paging})
    assert (response.status_code, response.json()) == (400, invalid(msg))


# ------------------------------------------------- gate, decoding and auth
@pytest.mark.parametrize("key", [REVOKED_KEY, "1150482016510394500:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
def test_revoked_or_unknown_key(client: Any, key: str) -> None:
    response = listing(client, key=key)
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_missing_authorization(client: Any) -> None:
    response = client.post(LIST_URL, json={}, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_case_insensitive_headers(client: Any) -> None:
    headers = {"AUTHORIZATION": f"bearer {OTHER_SHOP_KEY}", "CONTENT-TYPE": "Application/JSON; charset=utf-8"}
    assert ids(client.post(LIST_URL, json={}, headers=headers)) == [HOA, BAO]


def test_wrong_method_and_content_type(client: Any) -> None:
    route = "/v1/shop.Shop/GetAccountUsers"
    got = client.get(LIST_URL, headers=bearer(OWNER_KEY))
    assert (got.status_code, got.json()) == (404, bad_route('unsupported method "GET" (only POST is allowed)', f"GET {route}"))
    text = client.post(LIST_URL, content=b"{}", headers={"Authorization": f"Bearer {OWNER_KEY}", "Content-Type": "text/plain"})
    assert (text.status_code, text.json()) == (404, bad_route('unexpected Content-Type: "text/plain"', f"POST {route}"))


REQUEST = "shop.GetAccountUsersRequest"


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (b"{", "unexpected end of JSON input"),
        (b"[]", f"json: cannot unmarshal array into Go value of type {REQUEST}"),
        (b'"x"', f"json: cannot unmarshal string into Go value of type {REQUEST}"),
        (b"7", f"json: cannot unmarshal number into Go value of type {REQUEST}"),
        (b'{"paging":"x"}', "json: cannot unmarshal string into Go struct field GetAccountUsersRequest.paging of type common.CursorPaging"),
        (b'{"paging":{"limit":"10"}}', "json: cannot unmarshal string into Go struct field CursorPaging.paging.limit of type int"),
        (b'{"paging":{"limit":2.5}}', "json: cannot unmarshal number 2.5 into Go struct field CursorPaging.paging.limit of type int"),
        (b'{"filter":{"name":1,"phone":2}}', "json: cannot unmarshal number into Go struct field FilterGetAccountUsersRequest.filter.name of type string"),
        (b'{"filter":{"roles":"owner"}}', "json: cannot unmarshal string into Go struct field FilterGetAccountUsersRequest.filter.roles of type []shop_user_role.UserRole"),
        (b'{"filter":{"has_extension":"yes"}}', "json: cannot unmarshal string into Go struct field FilterGetAccountUsersRequest.filter.has_extension of type dot.NullBool"),
        # dot.ID's own error stops decoding at once, ahead of an earlier type error
        (b'{"filter":{"name":1,"user_ids":["abc"]}}', 'strconv.ParseInt: parsing "abc": invalid syntax'),
    ],
)
def test_undecodable_bodies_are_malformed(client: Any, body: bytes, cause: str) -> None:
    response = client.post(LIST_URL, content=body, headers=bearer(OWNER_KEY))
    assert (response.status_code, response.json()) == (400, malformed(cause))


def test_null_and_unknown_keys_are_ignored_like_go(client: Any) -> None:
    assert ids(client.post(LIST_URL, content=b"null", headers=bearer(OTHER_SHOP_KEY))) == [HOA, BAO]
    body = {"Filter": {"NAME": "hoa", "extra": 1}, "paging": None, "other": [1]}
    assert ids(listing(client, body, key=OTHER_SHOP_KEY)) == [HOA]


def test_body_over_one_mib(client: Any) -> None:
    response = client.post(LIST_URL, content=b'{"filter":{"name":"' + b"a" * (2 << 20) + b'"}}', headers=bearer(OWNER_KEY))
    assert (response.status_code, response.json()) == (400, malformed("http: request body too large"))


# ------------------------------------------------------------- determinism
def _run(seed: int) -> list[bytes]:
    with make_client("etelecom", seed=seed, clock=f"frozen:{NOW}") as c:
        out = [c.post(URL, json=SEED_EXAMPLE, headers=bearer(OWNER_KEY)).content]
        out.append(c.post(LIST_URL, json={"paging": {"limit": 3}}, headers=bearer(OWNER_KEY)).content)
        out.append(c.post(LIST_URL, json={"filter": {"name": "mai"}}, headers=bearer(OWNER_KEY)).content)
        out.append(c.post(LIST_URL, json={}, headers=bearer(OTHER_SHOP_KEY)).content)
        return out


def test_same_seed_gives_byte_identical_listings() -> None:
    assert _run(7) == _run(7)


def test_different_seed_gives_different_generated_members() -> None:
    seven, eight = _run(7), _run(8)
    assert seven[0] != eight[0] and seven[1] != eight[1]
    assert seven[3] == eight[3]  # Hòa Bình has no generated members
