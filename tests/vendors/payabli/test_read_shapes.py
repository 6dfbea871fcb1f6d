"""What GET /User/{userId} and /Query/users/* answer, as the newest official SDK reads it.

Issue 14: ``AdditionalData`` came back as a JSON-encoded string, which sdk-python
1.0.19 types ``Dict[str, str]`` (ParsingError on get_user and list_users_org);
the Summary said ``pageIdentifier`` (the newest SDK reads ``pageidentifier``) and
integer amounts (it types them floats).  The older shapes are in the fidelity map.
"""

from __future__ import annotations

from typing import Any

from mockserver.vendors.payabli.fidelity import NOTES
from tests.conftest import vendor_client_fixture
from tests.vendors.payabli.helpers import AUTH, BASE, CREATED, FIRST_NEW_ID, URL

client, _reset = vendor_client_fixture("payabli")

BODY = {"email": "shapes@example.com", "scope": [{"orgType": 0, "orgId": 123}], "additionalData": {"crm": "42", "gone": None, "note": ""}}


def test_additional_data_is_an_object_of_strings_on_get_and_in_query_records(client: Any) -> None:
    assert client.post(URL, json=BODY, headers=AUTH).content == CREATED
    got = client.get(f"{URL}/{FIRST_NEW_ID}", headers=AUTH)
    assert got.status_code == 200
    assert got.json()["AdditionalData"] == {"crm": "42", "note": ""}  # a key set to null is left out
    assert b'"AdditionalData":{"crm":"42","note":""}' in got.content
    listed = client.get(f"{BASE}/Query/users/org/123", params={"email(eq)": "shapes@example.com"}, headers=AUTH).json()
    assert [r["AdditionalData"] for r in listed["Records"]] == [{"crm": "42", "note": ""}]


def test_no_additional_data_is_null(client: Any) -> None:
    assert client.get(f"{URL}/1000000", headers=AUTH).json()["AdditionalData"] is None


def test_the_summary_has_the_newest_sdks_keys_and_float_amounts(client: Any) -> None:
    response = client.get(f"{BASE}/Query/users/org/123", params={"limitRecord": "1"}, headers=AUTH)
    summary = response.json()["Summary"]
    assert list(summary) == ["pageidentifier", "pageSize", "totalAmount", "totalNetAmount", "totalPages", "totalRecords"]
    assert b'"totalAmount":0.0,"totalNetAmount":0.0' in response.content
    assert isinstance(summary["pageidentifier"], str) and summary["pageidentifier"]  # a further page exists
    last = client.get(f"{BASE}/Query/users/org/123", params={"limitRecord": "0"}, headers=AUTH).json()["Summary"]
    assert last["pageidentifier"] is None  # null: no further page


def test_the_fidelity_map_records_the_older_shapes() -> None:
    rows = [row for row in NOTES.rows if "AdditionalData" in row.item or "pageidentifier" in row.behaviour]
    text = " ".join(f"{row.behaviour} {row.source}" for row in rows)
    for needle in ("sdk-python 1.0.19", "sdk-node 0.0.114", "JSON text", "pageIdentifier", "[PUB]"):
        assert needle in text, needle
