"""eTelecom and deeply nested JSON: Go's encoding/json, never a recursion error.

Go's scanner refuses the 10001st open bracket ("invalid character '[' exceeded max
depth", a SyntaxError answered ``malformed``); anything shallower decodes as Go
decodes it, including what orjson refuses (a lone surrogate escape, bytes that are
not UTF-8, a number past a double, an integer of 5000 digits).  Before, such a body
nested ~500 deep was a 500 ``internal`` (RecursionError) and one nested past ~1000
levels was refused with a made-up "exceeded max depth".
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mockserver.vendors.etelecom.gojson import MAX_NESTING_DEPTH, syntax_error
from tests.conftest import vendor_client_fixture

from .helpers import DELETE_URL, LIST_URL, OWNER_KEY, SEED_EXAMPLE, TUAN, URL, bearer, malformed

client, _reset = vendor_client_fixture("etelecom")

# What orjson refuses inside a valid document (Go decodes each).
REFUSED = {
    "lone surrogate": b'"\\ud800"',
    "invalid utf-8": b'"\xff\xfe"',
    "past a double": b"1e400",
    "5000 digits": b"1" * 5000,
    "nothing refused": b"1",
}


def arrays(depth: int, leaf: bytes) -> bytes:
    return b"[" * depth + leaf + b"]" * depth


def objects(depth: int, leaf: bytes) -> bytes:
    return b'{"a":' * depth + leaf + b"}" * depth


def with_field(name: str, raw: bytes, base: dict[str, Any] = SEED_EXAMPLE) -> bytes:
    """``base`` as JSON with ``name`` set to the raw JSON ``raw``."""
    return orjson.dumps({**base, name: "@@"}).replace(b'"@@"', raw)


def post(client: Any, url: str, body: bytes) -> tuple[int, Any]:
    response = client.post(url, content=body, headers=bearer(OWNER_KEY))
    return response.status_code, response.json()


@pytest.mark.parametrize("leaf", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("nest", [arrays, objects])
@pytest.mark.parametrize("depth", [500, 1100, MAX_NESTING_DEPTH - 1])
def test_an_unknown_key_nested_up_to_gos_limit_is_ignored_as_go_ignores_it(client: Any, depth: int, nest: Any, leaf: bytes) -> None:
    # The body's own object is level 1: the unknown key's value may take the other 9999.
    status, body = post(client, URL, with_field("note", nest(depth, leaf)))
    assert status == 200, body
    assert body["full_name"] == SEED_EXAMPLE["full_name"] and body["phone"] == SEED_EXAMPLE["phone"]


@pytest.mark.parametrize(("nest", "bracket"), [(arrays, "["), (objects, "{")])
@pytest.mark.parametrize("depth", [MAX_NESTING_DEPTH, 20_000])
def test_nesting_past_gos_limit_is_its_syntax_error(client: Any, depth: int, nest: Any, bracket: str) -> None:
    for leaf in (b"1", b'"\\ud800"'):
        assert post(client, URL, with_field("note", nest(depth, leaf))) == (400, malformed(f"invalid character '{bracket}' exceeded max depth"))
        assert post(client, URL, nest(depth + 1, leaf)) == (400, malformed(f"invalid character '{bracket}' exceeded max depth"))


def test_the_limit_is_gos_exactly() -> None:
    for nest, bracket in ((arrays, "["), (objects, "{")):
        assert syntax_error(nest(MAX_NESTING_DEPTH, b"1")) is None
        assert syntax_error(nest(MAX_NESTING_DEPTH - 1, b"[]")) is None
        # Go counts an empty container too: its opening bracket is pushed before its close is seen.
        assert syntax_error(nest(MAX_NESTING_DEPTH, b"[]")) == "invalid character '[' exceeded max depth"
        assert syntax_error(nest(MAX_NESTING_DEPTH + 1, b"1")) == f"invalid character '{bracket}' exceeded max depth"
    assert syntax_error(b'"' + b"[" * 20_000 + b'"') is None  # brackets in a string are not nesting


def test_the_first_error_in_document_order_wins() -> None:
    # A syntax error before the excess is reported; after it, never reached (Go's scanner stops).
    assert syntax_error(b'{"a": x, "b": ' + arrays(20_000, b"1") + b"}") == "invalid character 'x' looking for beginning of value"
    assert syntax_error(b"[" * 20_000 + b"x") == "invalid character '[' exceeded max depth"
    assert syntax_error(b"[" * 5_000 + b"x") == "invalid character 'x' looking for beginning of value"
    assert syntax_error(b"[" * 5_000) == "unexpected end of JSON input"
    assert syntax_error(arrays(5_000, b"1") + b"]") == "invalid character ']' after top-level value"
    assert syntax_error(b"[" * 5_000 + b"1}") == "invalid character '}' after array element"


@pytest.mark.parametrize("leaf", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("depth", [500, 1100])
def test_a_known_field_nested_deep_is_gos_type_error(client: Any, depth: int, leaf: bytes) -> None:
    cause = "json: cannot unmarshal array into Go struct field CreateAccountUserRequest.{} of type {}"
    assert post(client, URL, with_field("full_name", arrays(depth, leaf))) == (400, malformed(cause.format("full_name", "string")))
    # roles is a []UserRole: its one element, an array, goes to UserRole's UnmarshalJSON, which
    # cannot read it as a number and quotes its JSON text whole (its leaf as decoded [INF]).
    status, body = post(client, URL, with_field("roles", arrays(depth, leaf)))
    assert (status, body["code"], body["msg"]) == (400, "malformed", "the json request could not be decoded")
    text = body["meta"]["cause"]
    assert text.startswith("cannot unmarshal `" + "[" * (depth - 1)) and text.endswith("]` into enum UserRole"), text[:80]
    assert post(client, URL, arrays(depth, leaf)) == (
        400, malformed("json: cannot unmarshal array into Go value of type shop.CreateAccountUserRequest"),
    )


@pytest.mark.parametrize("depth", [300, 1100, MAX_NESTING_DEPTH - 3])  # the list's filter takes 3 levels
def test_a_deep_id_is_quoted_whole_in_strconvs_error(client: Any, depth: int) -> None:
    # dot.ID's UnmarshalJSON gets the value's JSON text; orjson writes at most 254 levels of it.
    text = "[" * depth + "]" * depth
    expected = (400, malformed(f'strconv.ParseInt: parsing "{text}": invalid syntax'))
    assert post(client, DELETE_URL, b'{"user_id": ' + text.encode() + b"}") == expected
    assert post(client, LIST_URL, b'{"filter": {"user_ids": [' + text.encode() + b"]}}") == expected
    # The same with a lone surrogate inside (orjson refuses it: Go's U+FFFD, quoted).
    nested = "[" * depth + '"\\ud800"' + "]" * depth
    assert post(client, DELETE_URL, b'{"user_id": ' + nested.encode() + b"}") == (
        400, malformed("strconv.ParseInt: parsing " + orjson.dumps("[" * depth + '"\ufffd"' + "]" * depth).decode() + ": invalid syntax"),
    )


def test_an_rpc_still_reads_its_fields_beside_a_deep_unknown_key(client: Any) -> None:
    body = b'{"note": ' + objects(1100, b'"\\ud800"') + b', "user_id": "' + str(TUAN).encode() + b'"}'
    status, answer = post(client, DELETE_URL, body)
    assert status == 200, answer
