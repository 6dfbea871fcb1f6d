"""Sabi internals that the HTTP tests cannot reach cheaply: scanner, fast paths, fixture."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from mockserver.app import Runtime
from mockserver.config import Config
from mockserver.core.errors import RouteNotFound
from mockserver.vendors.sabi import dto, errors
from mockserver.vendors.sabi.bodyparser import v8_syntax_error
from mockserver.vendors.sabi.routes import stored_document

VALUES: list[Any] = [None, "", " ", "a", "12345678901", "1234567890", "123456789012", "-1234567890", "１２３４５６７８９０１",
                     "MALE", "male", "CUSTOMER", 0, 1, 12345678901, 1.5, True, False, [], ["a"], {}, {"name": "x"},
                     "SABI", "sabi", "a@b.ng", "a@b", "@b.ng", "a b@c.ng"]


@pytest.mark.parametrize("prop", [p for p in dto.CREATE_USER_DTO + dto.INVITE_QUERY_DTO if p.nested is None], ids=lambda p: p.name)
def test_fast_path_agrees_with_the_constraint_table(prop: dto.Prop) -> None:
    for value in VALUES:
        assert prop.ok(value) == (not dto._failures(value, prop, prop.name)), (prop.name, value)


def _json_ok(text: str) -> bool:
    def refuse(name: str) -> None:
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError):
        return False
    return True


def test_scanner_accepts_exactly_what_json_parse_accepts() -> None:
    rng = random.Random(2)
    seed = '{"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n"], "b": {"c": {}}, "d": [], "e": 0.1E-2}'
    alphabet = '{}[]":,.-+eE0123456789 \\tunrfalsx\n'
    checked = 0
    for _ in range(4000):
        chars = list(seed)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars) + 1)
            action = rng.random()
            if action < 0.4 and chars:
                del chars[min(at, len(chars) - 1)]
            elif action < 0.8:
                chars.insert(at, rng.choice(alphabet))
            else:
                chars = chars[:at]
        text = "".join(chars)
        assert (v8_syntax_error(text) is None) == _json_ok(text), text
        checked += 1
    assert checked == 4000


def test_deep_nesting_does_not_recurse() -> None:
    assert v8_syntax_error("[" * 100_000 + "]" * 100_000) is None
    assert v8_syntax_error("[" * 100_000) == "Unexpected end of JSON input"


def test_fixture_users_and_generated_users_are_seeded() -> None:
    runtime = Runtime(Config(vendors=("sabi",), seed=3))
    users = runtime.vendors["sabi"].ctx.table("users")
    assert len(users) == 5  # two listed + generatedUsers: 3
    docs = [stored_document(row) for row in users.values()]
    assert docs[0]["_id"] == "65a4f410c0ffee0001000001" and docs[0]["createdAt"] == "2024-01-15T09:00:00.000Z"
    assert docs[1]["tenants"] == ["655b1200a1b2c3d4e5f60718"] and docs[1]["roles"] == ["SUPPLIER"]
    for doc in docs[2:]:
        assert doc["username"].endswith("@example.com.ng") and doc["phone"].startswith("0") and len(doc["phone"]) == 11
        assert doc["_id"].startswith("65a4f410")  # the default createdAt's seconds


def test_not_found_message_keeps_a_query_string_once_the_core_passes_one() -> None:
    problem = RouteNotFound("GET /api/v1/nope")
    assert errors._not_found(problem).message == "Cannot GET /api/v1/nope"
    problem.query = "x=1&y=%20"  # type: ignore[attr-defined]  # the raw query string, as Express's req.url has it
    assert errors._not_found(problem).message == "Cannot GET /api/v1/nope?x=1&y=%20"


def test_a_stored_user_rebuilds_exactly_the_document_it_was_answered_with() -> None:
    from tests.conftest import make_client
    from tests.core.samples import variant

    with make_client("sabi", seed=5) as client:
        headers = client.get("/__admin/vendors").json()["sabi"]["headers"]
        users = client.app.runtime.vendors["sabi"].ctx.table("users")  # type: ignore[attr-defined]
        answered = []
        for k in range(40):  # variants cover optional sub-documents, roles, tenants
            path = "/sabi/api/v1/users/public"
            params = {}
            if k % 5 == 4:
                path += "/invite"
                params = {"invitedByName": "Boss", "invitedByEmail": f"boss{k}@x.ng", "platformLink": "https://x.ng",
                          "invitation": dto.INVITATIONS[0]}
            reply = client.post(path, json=variant("sabi", k), headers=headers, params=params)
            if reply.status_code == 201:
                answered.append(reply.json())
        assert len(answered) >= 30 and sum(1 for d in answered if d["createdBy"]) >= 6  # invites among them
        for document in answered:
            record = users.get(document["_id"])
            # The record keeps inputs, not the ~50-key document: only the body's own keys are in it.
            assert "document" not in record and len(record) == 10
            assert stored_document(record) == document
