"""VaultsPay GET /as/api/v1/users (paged) and GET /as/api/v1/users/{id} through HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_client, vendor_client_fixture
from tests.vendors.vaultspay.helpers import (
    BAD_REQUEST,
    BASE,
    USER_KEYS,
    USERS,
    fixture_headers,
    invalid,
    new_user,
)

client, _reset = vendor_client_fixture("vaultspay")

FIXTURE_IDS = [594, 593, 592, 591, 590]  # 590-591 listed, 592-594 generated, newest first
NO_SUCH_ID = ("id", "User does not exist with this id")


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return fixture_headers(client)


def test_default_list_is_page_one_of_twenty_newest_first(client: Any, auth: dict[str, str]) -> None:
    response = client.get(USERS, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["data", "pagination"]
    assert body["pagination"] == {"currentPage": 1, "perPage": 20, "totalPages": 1, "totalCount": 5, "sort": "id: DESC"}
    assert [user["id"] for user in body["data"]] == FIXTURE_IDS
    for user in body["data"]:
        assert list(user) == USER_KEYS and user["parentId"] == 4 and user["userType"] == "USER"
    ayesha = body["data"][-1]
    assert (ayesha["email"], ayesha["fullName"], ayesha["phoneNumber"], ayesha["status"]) == (
        "ayesha.siddiqui@example.pk", "Ayesha Siddiqui", "923001234567", "ACTIVE",
    )


def test_created_users_are_listed_first_and_read_back_identically(client: Any, auth: dict[str, str]) -> None:
    created = [client.post(USERS, json=new_user(n), headers=auth).json()["data"] for n in range(3)]
    body = client.get(f"{USERS}?page=1&perPage=20", headers=auth).json()
    assert [u["id"] for u in body["data"]] == [606, 605, 604, *FIXTURE_IDS]
    assert body["data"][:3] == created[::-1]
    assert body["pagination"]["totalCount"] == 8
    for user in created:
        one = client.get(f"{USERS}/{user['id']}", headers=auth)
        assert (one.status_code, one.json()) == (200, {"data": user})


@pytest.mark.parametrize(
    ("query", "ids", "pagination"),
    [
        ("page=1&perPage=2", [594, 593], {"currentPage": 1, "perPage": 2, "totalPages": 3, "totalCount": 5}),
        ("page=3&perPage=2", [590], {"currentPage": 3, "perPage": 2, "totalPages": 3, "totalCount": 5}),
        ("page=4&perPage=2", [], {"currentPage": 4, "perPage": 2, "totalPages": 3, "totalCount": 5}),
        ("perPage=100", FIXTURE_IDS, {"currentPage": 1, "perPage": 100, "totalPages": 1, "totalCount": 5}),
        ("page=&perPage=", FIXTURE_IDS, {"currentPage": 1, "perPage": 20, "totalPages": 1, "totalCount": 5}),
        ("page=2&unknown=x", [], {"currentPage": 2, "perPage": 20, "totalPages": 1, "totalCount": 5}),
    ],
)
def test_paging(client: Any, auth: dict[str, str], query: str, ids: list[int], pagination: dict[str, int]) -> None:
    body = client.get(f"{USERS}?{query}", headers=auth).json()
    assert [u["id"] for u in body["data"]] == ids
    assert body["pagination"] == {**pagination, "sort": "id: DESC"}


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("page=0", [("page", "must be greater than or equal to 1")]),
        ("page=-3", [("page", "must be greater than or equal to 1")]),
        ("perPage=0", [("perPage", "must be greater than or equal to 1")]),
        ("perPage=101", [("perPage", "must be less than or equal to 100")]),
        ("page=abc", [("page", "must be an integer")]),
        ("perPage=2.5", [("perPage", "must be an integer")]),
        ("page=99999999999", [("page", "must be an integer")]),
        ("page=x&perPage=500", [("page", "must be an integer"), ("perPage", "must be less than or equal to 100")]),
    ],
)
def test_invalid_paging_names_the_field(client: Any, auth: dict[str, str], query: str, errors: list[tuple[str, str]]) -> None:
    response = client.get(f"{USERS}?{query}", headers=auth)
    assert (response.status_code, response.json()) == (400, invalid(*errors))


def test_get_fixture_user(client: Any, auth: dict[str, str]) -> None:
    data = client.get(f"{USERS}/591", headers=auth).json()["data"]
    assert list(data) == USER_KEYS
    assert {k: data[k] for k in ("id", "firstName", "lastName", "email", "countryCode", "phone", "status", "fullName", "phoneNumber")} == {
        "id": 591, "firstName": "Omar", "lastName": "Al Mansoori", "email": "omar.almansoori@example.ae",
        "countryCode": "971", "phone": "501234567", "status": "PENDING", "fullName": "Omar Al Mansoori", "phoneNumber": "971501234567",
    }


@pytest.mark.parametrize("raw", ["9999", "604", "0", "-1", "abc", "5.0", "99999999999999999999"])
def test_unknown_or_non_numeric_id(client: Any, auth: dict[str, str], raw: str) -> None:
    response = client.get(f"{USERS}/{raw}", headers=auth)
    assert (response.status_code, response.json()) == (400, invalid(NO_SUCH_ID))


def test_failed_create_is_not_listed(client: Any, auth: dict[str, str]) -> None:
    client.post(USERS, json={**new_user(1), "status": "NOPE"}, headers=auth)
    client.post(USERS, json={**new_user(2), "email": "AYESHA.SIDDIQUI@example.pk"}, headers=auth)
    assert client.get(USERS, headers=auth).json()["pagination"]["totalCount"] == 5
    assert client.get(f"{USERS}/604", headers=auth).json() == invalid(NO_SUCH_ID)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("PATCH", "/as/api/v1/users", 405),
        ("DELETE", "/as/api/v1/users/590", 405),
        ("PUT", "/as/api/v1/users/590", 405),
        ("GET", "/as/api/v1/users/590/extra", 404),
        ("GET", "/us/api/v1/nothing", 404),
    ],
)
def test_unknown_paths_and_methods_in_vendor_envelope(client: Any, auth: dict[str, str], method: str, path: str, status: int) -> None:
    response = client.request(method, f"{BASE}{path}", headers=auth)
    assert (response.status_code, response.json()) == (status, BAD_REQUEST)


def _list_bytes(seed: int) -> list[bytes]:
    with make_client("vaultspay", seed=seed, clock="frozen:2026-03-01T10:00:00Z") as c:
        auth = fixture_headers(c)
        out = [c.post(USERS, json=new_user(n), headers=auth).content for n in range(2)]
        out.append(c.get(f"{USERS}?page=1&perPage=3", headers=auth).content)
        out.append(c.get(f"{USERS}/592", headers=auth).content)
        return out


def test_same_seed_same_bytes_other_seed_other_values() -> None:
    first, second, other = _list_bytes(7), _list_bytes(7), _list_bytes(8)
    assert first == second
    assert first[2] != other[2] and first[3] != other[3]
