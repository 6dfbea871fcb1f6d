"""VaultsPay create-user shortcuts give exactly what the general code gives.

The Authorization header memo against a fresh parse; the pre-built parent and the inlined
phoneNumber against the helpers they replace.  (The create body's fast validator is derived
from CreateUser: tests/core/test_fastmodel.py.)
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mockserver.core.errors import VendorError
from mockserver.vendors.vaultspay import responses
from mockserver.vendors.vaultspay.auth import bearer_token
from tests.conftest import vendor_client_fixture
from tests.core.samples import CREATE_BODIES, variant

client, _reset = vendor_client_fixture("vaultspay")

URL = "/vaultspay/as/api/v1/users"
SEED = CREATE_BODIES["vaultspay"]


@pytest.mark.parametrize(
    "header",
    ["", "  ", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "bearer a.b.c", " BEARER  a.b.c  ", "Bearer a.b.c.d"],
)
def test_header_memo_answers_like_a_fresh_parse(client: Any, header: str) -> None:
    memo: Any = bearer_token  # core.credentials.remembered: an lru_cache around the plain reader
    try:
        expected: Any = memo.__wrapped__(header)
    except VendorError as exc:
        expected = exc.name
    before = memo.cache_info()
    for _ in range(2):  # the second call may answer from the memo
        response = client.post(URL, json=SEED, headers={"Authorization": header} if header else {})
        if isinstance(expected, str) and expected in ("UNAUTHENTICATED", "INVALID_TOKEN"):
            assert response.json()["type"] == expected
        else:
            assert response.json()["type"] == "INVALID_TOKEN"  # well-formed, unknown token
    after = memo.cache_info()
    if expected in ("UNAUTHENTICATED", "INVALID_TOKEN"):  # a malformed header is never remembered
        assert (after.currsize, after.hits) == (before.currsize, before.hits)
    else:  # a well-formed one is taken apart once
        assert after.hits > before.hits


def _phone_number(record: dict[str, Any]) -> str | None:
    # responses._phone_number, which user() now inlines
    if record.get("countryCode") and record.get("phone"):
        return f"{record['countryCode']}{record['phone']}"
    return None


def test_user_body_is_unchanged(client: Any) -> None:
    vendor = client.app.runtime.vendors["vaultspay"]
    for cc, phone in [("92", "3001112222"), (None, None), ("92", None), (None, "3001112222"), ("", "1")]:
        record = {"id": 1, "parentId": 4, "firstName": "a", "lastName": "b", "email": None, "countryCode": cc, "phone": phone,
                  "status": "ACTIVE", "username": "u"}
        body = responses.user(record, vendor.parent)
        assert body["phoneNumber"] == _phone_number(record)
        assert body["parent"] == responses.parent(vendor.agent) and body["parent"] is not vendor.parent


def test_created_user_is_user_of_the_stored_record(client: Any) -> None:
    vendor = client.app.runtime.vendors["vaultspay"]
    auth = client.get("/__admin/vendors").json()["vaultspay"]["headers"]
    bodies = [SEED, {**variant("vaultspay", 3), "email": None}, {**variant("vaultspay", 4), "countryCode": None, "phone": None}]
    for body in bodies:
        response = client.post(URL, json=body, headers=auth)
        assert response.status_code == 200, response.text
        stored = vendor.users.get(response.json()["data"]["id"])
        assert response.content == orjson.dumps({"data": responses.user(stored, responses.parent(vendor.agent))})
