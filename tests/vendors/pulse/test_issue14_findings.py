"""Issue 14's Pulse CRM finding: optional User fields are never null.

The seed's User schema types ``name``/``phone``/``imgSrc`` string, ``teamId`` integer
and ``notificationPreferences`` object, none nullable, and its example shows
``"notificationPreferences": {}``.  A user without a value for one of them came back
with ``null``, which a client generated with non-null field types cannot decode.  Now
an unset one is left out, and notificationPreferences is ``{}`` - in every body that
holds a User (create, list, the user of another account added to this one), and the
served OpenAPI document says exactly that.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.conftest import vendor_client_fixture
from tests.vendors.pulse import URL, freeze

client, _reset = vendor_client_fixture("pulse")

OPTIONAL = ("name", "teamId", "phone", "imgSrc")


@pytest.fixture
def auth(client: Any, _reset: None) -> dict[str, str]:
    return freeze(client)  # the clock frozen at T0, re-seeded there


@pytest.fixture
def user_schema(client: Any) -> jsonschema.Draft202012Validator:
    doc = client.get("/__admin/openapi/pulse.json").json()
    return jsonschema.Draft202012Validator({"$ref": "#/components/schemas/User", "components": doc["components"]})


def _no_nulls(user: dict[str, Any]) -> None:
    assert [key for key, value in user.items() if value is None] == []
    assert isinstance(user["notificationPreferences"], dict)


def test_created_user_without_optionals_has_no_nulls(client: Any, auth: dict[str, str], user_schema: Any) -> None:
    response = client.post(URL, json={"email": "bare@test.com"}, headers=auth)
    assert response.status_code == 201
    body = response.json()
    _no_nulls(body)
    assert [key for key in OPTIONAL if key in body] == []
    assert body["notificationPreferences"] == {}
    user_schema.validate(body)


def test_explicit_nulls_are_unset_fields_too(client: Any, auth: dict[str, str], user_schema: Any) -> None:
    sent = {"email": "nulls@test.com", "name": None, "teamId": None, "phone": None, "imgSrc": None, "notificationPreferences": None}
    body = client.post(URL, json=sent, headers=auth).json()
    _no_nulls(body)
    assert ([key for key in OPTIONAL if key in body], body["notificationPreferences"]) == ([], {})
    user_schema.validate(body)


def test_set_fields_are_answered_as_sent(client: Any, auth: dict[str, str], user_schema: Any) -> None:
    body = client.post(URL, json={"email": "some@test.com", "name": "Some One", "teamId": 12}, headers=auth).json()
    assert (body["name"], body["teamId"], "phone" in body, "imgSrc" in body) == ("Some One", 12, False, False)
    assert list(body)[:5] == ["id", "email", "name", "active", "teamId"]  # the seed's order, holes closed up
    user_schema.validate(body)


def test_listed_users_have_no_nulls(client: Any, auth: dict[str, str], user_schema: Any) -> None:
    client.post(URL, json={"email": "bare@test.com"}, headers=auth)
    users = client.get(URL, headers=auth).json()
    assert len(users) > 5  # fixture users (some without phone, team, image), generated ones, the new one
    for user in users:
        _no_nulls(user)
        user_schema.validate(user)


def test_a_user_of_another_account_added_here_has_no_nulls(client: Any, auth: dict[str, str], user_schema: Any) -> None:
    body = client.post(URL, json={"email": "priya.natarajan@harborpay.example"}, headers=auth).json()
    _no_nulls(body)
    assert ("phone" in body, "imgSrc" in body, body["notificationPreferences"]) == (False, False, {})
    user_schema.validate(body)


def test_the_document_types_them_without_null(client: Any) -> None:
    schema = client.get("/__admin/openapi/pulse.json").json()["components"]["schemas"]["User"]
    properties = schema["properties"]
    assert {key: properties[key].get("type") for key in OPTIONAL} == {"name": "string", "teamId": "integer", "phone": "string", "imgSrc": "string"}
    assert properties["notificationPreferences"]["type"] == "object"
    assert not set(OPTIONAL) & set(schema["required"])
    assert "notificationPreferences" in schema["required"]
