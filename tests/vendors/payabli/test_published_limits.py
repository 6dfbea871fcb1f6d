"""UserData limits the newest SDK and the reference publish, refused with 3003 like every field rule.

Issue 14: ``additionalData`` values over 100 characters, an ``orgType`` other than 0
and an 80-digit phone were accepted.  Sources: sdk-python 1.0.19 AdditionalDataMap
("Max length for a value is 100 characters") and Orgtype ("Currently, this must be
`0`"); the beta reference's phone "<=50 characters".  Create and update alike.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.payabli.envelopes import e3003
from tests.vendors.payabli.helpers import AUTH, CREATED, URL

client, _reset = vendor_client_fixture("payabli")

BASE_BODY = {"email": "limits@example.com", "scope": [{"orgType": 0, "orgId": 123}]}
REFUSED = [
    ({"additionalData": {"note": "x" * 101}}, e3003("additionalData.note must be at most 100 characters")),
    ({"additionalData": {"ok": "y", "long": "é" * 101}}, e3003("additionalData.long must be at most 100 characters")),
    ({"phone": "1" * 80}, e3003("phone must be at most 50 characters")),
    ({"phone": "5" * 51}, e3003("phone must be at most 50 characters")),
    ({"scope": [{"orgType": 2, "orgId": 255}]}, e3003("scope[0].orgType must be 0 (organization)")),
    ({"scope": [{"orgType": 0, "orgId": 123}, {"orgType": 2, "orgId": 255}]}, e3003("scope[1].orgType must be 0 (organization)")),
    ({"scope": [{"orgType": 1, "orgId": 123}]}, e3003("scope[0].orgType must be 0 (organization)")),
]


@pytest.mark.parametrize(("changes", "expected"), REFUSED)
def test_create_refuses_what_the_sdk_and_reference_limit(client: Any, changes: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.post(URL, json={**BASE_BODY, **changes}, headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)


@pytest.mark.parametrize(("changes", "expected"), REFUSED)
def test_update_refuses_them_too(client: Any, changes: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.put(f"{URL}/1000000", json=changes, headers=AUTH)
    assert (response.status_code, response.json()) == (400, expected)


def test_the_limits_themselves_are_accepted(client: Any) -> None:
    body = {**BASE_BODY, "phone": "1" * 50, "additionalData": {"k": "x" * 100}, "scope": [{"orgType": 0, "orgId": 123}, {"orgId": 236}]}
    assert client.post(URL, json=body, headers=AUTH).content == CREATED


def test_the_openapi_states_the_limits(client: Any) -> None:
    schemas = client.get("/__admin/openapi/payabli.json").json()["components"]["schemas"]
    create = schemas["CreateUser"]["properties"]
    phone = next(s for s in create["phone"]["anyOf"] if s.get("type") == "string")
    assert phone["maxLength"] == 50
    data = next(s for s in create["additionalData"]["anyOf"] if s.get("type") == "object")
    assert next(s for s in data["additionalProperties"]["anyOf"] if s.get("type") == "string")["maxLength"] == 100
    org_type = next(s for s in schemas["ScopeItem"]["properties"]["orgType"]["anyOf"] if s.get("type") == "integer")
    assert org_type["enum"] == [0]
