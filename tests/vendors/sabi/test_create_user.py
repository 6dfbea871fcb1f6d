"""Sabi create-user success through HTTP: the seed's example and its document."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.sabi.helpers import MINIMAL, NOW, SEED_KEYS, URL

client, _reset = vendor_client_fixture("sabi")

NOW_HEX = "69a40e20"  # 2026-03-01T10:00:00Z as ObjectId seconds
TENANT_KEY = "sabi-sandbox-tenant-key-0002"
KEY_TENANT = "655b1200a1b2c3d4e5f60718"

# The seed's request example, every field kept, placeholders given realistic values.
SEED_EXAMPLE: dict[str, Any] = {
    "username": "chioma.eze@example.com.ng",
    "password": "Sup3rSecret!",
    "tenantId": "65f0a1b2c3d4e5f601234567",
    "role": "CUSTOMER",
    "firstName": "Chioma",
    "lastName": "Eze",
    "middleName": "Amaka",
    "country": {"name": "Nigeria", "code": "NG", "currency": "NGN"},
    "state": {"name": "Lagos", "code": "LA"},
    "city": {"name": "Ikeja", "code": "IKJ"},
    "address": "12 Allen Avenue",
    "foreignerResidentialCountry": {"name": "Ghana", "code": "GH", "currency": "GHS"},
    "foreignerResidentialState": {"name": "Greater Accra", "code": "GA"},
    "foreignerResidentialCity": {"name": "Accra", "code": "ACC"},
    "photo": "https://cdn.example.ng/p/chioma.png",
    "identityType": "NIN",
    "identityDoc": "https://cdn.example.ng/d/chioma.pdf",
    "actionBy": "65f0a1b2c3d4e5f601234568",
    "dob": "1994-06-12",
    "gender": "FEMALE",
    "phone": "08031234567",
    "bvn": "22212345678",
    "nin": "12345678901",
}
ECHOED = ["actionBy", "address", "bvn", "city", "dob", "foreignerResidentialCity", "foreignerResidentialCountry",
          "foreignerResidentialState", "gender", "identityDoc", "identityType", "middleName", "nin", "photo", "state"]
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


@pytest.fixture(autouse=True)
def _frozen(client: Any) -> None:
    client.post("/__admin/clock", json={"freeze": True, "set": NOW})


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return client.get("/__admin/vendors").json()["sabi"]["headers"]


def _constant_part(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("_id", "country", "passId", "userHandle")}


def test_admin_describes_the_api_key_header(client: Any) -> None:
    info = client.get("/__admin/vendors").json()["sabi"]
    assert info["headers"] == {"ApiKey": "sabi-sandbox-platform-key-0001", "Content-Type": "application/json"}
    assert info["login"] is None and "login_route" not in info
    assert info["create_user"] == "POST http://testserver/sabi/api/v1/users/public"


def test_minimal_body_gives_the_seed_document_in_seed_order(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=MINIMAL, headers=auth)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    doc = response.json()
    assert list(doc) == SEED_KEYS
    assert OBJECT_ID.match(doc["_id"]) and doc["_id"].startswith(NOW_HEX)
    country_id = doc["country"]["_id"]
    assert OBJECT_ID.match(country_id) and country_id.startswith(NOW_HEX) and country_id != doc["_id"]
    assert doc["country"] == {"name": "Nigeria", "code": "NG", "currency": "NGN", "_id": country_id}
    assert re.match(r"^[2-9A-HJ-NP-Z]{8}$", doc["passId"])
    assert re.match(r"^tundebakare\d{4}$", doc["userHandle"])
    assert _constant_part(doc) == {
        "wallet": {"accounts": [], "createdAt": None, "virtualBankCode": "035", "virtualBankName": "Wema Bank"},
        "settlement": {"enableAutoSettlement": False},
        "location": {"coordinates": [0, 0], "type": "Point"},
        "metadata": {"essentialCertification": []},
        "__v": 0,
        "appDefaultView": {"TRACE": "NONE", "LOFT": "NONE", "KATSU": "NONE", "SABI_MARKET": "NONE", "PLATFORM": "NONE", "DEAL": "NONE"},
        "businesses": [],
        "bvmVerified": "PENDING",
        "commodityActiveTraderStatus": "NONE",
        "createdAt": NOW,
        "createdBy": None,
        "customerRating": 1,
        "driversLicenseVerified": "PENDING",
        "emailVerification": False,
        "firstName": "Tunde",
        "hasPin": False,
        "identityDocVerified": "PENDING",
        "invitationType": "SELF",
        "isDistributor": False,
        "isForeigner": False,
        "isManufacturer": False,
        "lastName": "Bakare",
        "livenessImageVerified": "PENDING",
        "ninVerified": "PENDING",
        "passportNumberVerified": "PENDING",
        "password": None,
        "passwordExpirationDate": None,
        "passwordResetStatus": "NOT_RESET",
        "permissions": [],
        "phone": None,
        "phoneVerified": "PENDING",
        "profileOwners": [],
        "proofOfAddressVerified": "PENDING",
        "roles": ["CUSTOMER"],
        "sellerRating": 1,
        "status": "ACTIVE",
        "tenants": [],
        "type": "USER",
        "updatedAt": NOW,
        "username": "tunde@example.ng",
        "voterCardVerified": "PENDING",
    }


def test_full_seed_example_keeps_every_sent_field_in_sorted_place(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, json=SEED_EXAMPLE, headers=auth)
    assert response.status_code == 201
    doc = response.json()
    assert list(doc)[:6] == SEED_KEYS[:6]
    assert list(doc)[6:] == sorted(SEED_KEYS[6:] + ECHOED)
    assert doc["password"] is None
    assert doc["tenants"] == ["65f0a1b2c3d4e5f601234567"]
    assert doc["roles"] == ["CUSTOMER"]
    assert doc["phone"] == "08031234567"
    for key in ("middleName", "address", "photo", "identityType", "identityDoc", "actionBy", "dob", "gender", "bvn", "nin"):
        assert doc[key] == SEED_EXAMPLE[key]
    ids = {doc["_id"]}
    for key in ("country", "state", "city", "foreignerResidentialCountry", "foreignerResidentialState", "foreignerResidentialCity"):
        sub = dict(doc[key])
        sub_id = sub.pop("_id")
        assert list(doc[key])[-1] == "_id" and OBJECT_ID.match(sub_id)
        assert sub == SEED_EXAMPLE[key]
        ids.add(sub_id)
    assert len(ids) == 7  # every sub-document has its own id


def test_object_ids_share_process_bytes_and_count_up(client: Any, auth: dict[str, str]) -> None:
    first = client.post(URL, json=MINIMAL, headers=auth).json()
    second = client.post(URL, json={**MINIMAL, "username": "other@example.ng"}, headers=auth).json()
    ids = [first["_id"], first["country"]["_id"], second["_id"], second["country"]["_id"]]
    assert len({i[8:18] for i in ids}) == 1  # same 5 "process" bytes, like one mongod client
    counters = [int(i[18:], 16) for i in ids]
    assert counters == [(counters[0] + n) & 0xFFFFFF for n in range(4)]


def test_role_defaults_to_customer_and_every_documented_role_is_accepted(client: Any, auth: dict[str, str]) -> None:
    roles = ["CUSTOMER", "MERCHANT", "SUPPLIER", "AGENCY_BANKING", "SABI_AGENT", "SABI_OWN", "TRACE_BUYER",
             "TRACE_SELLER", "TENANT_SUPER_ADMIN", "TENANT_ADMIN"]
    for n, role in enumerate(roles):
        response = client.post(URL, json={**MINIMAL, "username": f"r{n}@example.ng", "role": role}, headers=auth)
        assert response.status_code == 201 and response.json()["roles"] == [role]
    assert client.post(URL, json={**MINIMAL, "role": None}, headers=auth).json()["roles"] == ["CUSTOMER"]


def test_optional_nulls_are_skipped_and_empty_strings_kept(client: Any, auth: dict[str, str]) -> None:
    body = {**MINIMAL, "gender": None, "country": None, "bvn": None, "middleName": "", "phone": None}
    doc = client.post(URL, json=body, headers=auth).json()
    assert "gender" not in doc and "bvn" not in doc and doc["middleName"] == "" and doc["phone"] is None
    assert doc["country"]["name"] == "Nigeria"


def test_tenant_comes_from_the_body_else_from_a_tenant_key(client: Any) -> None:
    headers = {"ApiKey": TENANT_KEY}
    assert client.post(URL, json=MINIMAL, headers=headers).json()["tenants"] == [KEY_TENANT]
    own = client.post(URL, json={**MINIMAL, "username": "b@example.ng", "tenantId": "65f0a1b2c3d4e5f601234567"}, headers=headers)
    assert own.json()["tenants"] == ["65f0a1b2c3d4e5f601234567"]


def test_unknown_fields_are_dropped(client: Any, auth: dict[str, str]) -> None:
    body = {**MINIMAL, "isAdmin": True, "state": {"name": "Kano", "code": "KN", "extra": 1}}
    doc = client.post(URL, json=body, headers=auth).json()
    assert "isAdmin" not in doc
    assert doc["state"] == {"name": "Kano", "code": "KN", "_id": doc["state"]["_id"]}


def test_trailing_slash_and_form_bodies_also_create(client: Any, auth: dict[str, str]) -> None:
    assert client.post(URL + "/", json=MINIMAL, headers=auth).status_code == 201
    form = client.post(URL, content=b"username=f%40example.ng&password=pw&firstName=Femi&lastName=Ade&country[name]=Ghana&country[code]=GH",
                       headers={"ApiKey": auth["ApiKey"], "Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 201
    assert form.json()["username"] == "f@example.ng" and form.json()["country"]["code"] == "GH"


def test_clock_moves_created_at_and_the_id_timestamp(client: Any, auth: dict[str, str]) -> None:
    client.post("/__admin/clock", json={"advance": "PT1H"})
    doc = client.post(URL, json=MINIMAL, headers=auth).json()
    assert doc["createdAt"] == doc["updatedAt"] == "2026-03-01T11:00:00.000Z"
    assert doc["_id"].startswith(f"{int(NOW_HEX, 16) + 3600:08x}")
