"""eTelecom's request-path shortcuts give exactly what the general code gives.

Each fast path is run next to the path it skips, on the sample bodies and on
every error case the HTTP tests use: same values, or the same error.  The create
body's fast validator is derived from CreateAccountUser (tests/core/test_fastmodel.py
checks the derivation); here the bodies are the Go decoder's JSON corners.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from mockserver.core.credentials import bearer_token
from mockserver.core.errors import Problem, VendorError, problem_to_error
from mockserver.core.vendor import Call
from mockserver.vendors.etelecom import errors, responses
from mockserver.vendors.etelecom.auth import authenticate
from mockserver.vendors.etelecom.create_request import FAST_REQUEST, decode, decode_full
from mockserver.vendors.etelecom.examples import EXAMPLES
from mockserver.vendors.etelecom.routes import ETelecom
from mockserver.vendors.etelecom.rules import OWNER, ROLE_RANK, _normalize, has_permission, normalize_phone
from tests.core.samples import CREATE_BODIES, variant

# Bodies the fast decoder takes: the benchmark's samples and other plain ones.
PLAIN = [
    orjson.dumps(CREATE_BODIES["etelecom"]),
    *(orjson.dumps(variant("etelecom", n)) for n in (0, 1, 99999)),
    b'{"full_name":"A B","password":"x","phone":"0901234567","roles":["salesman","analyst"]}',
    b'{"full_name":null,"password":"x","phone":"0911000111","roles":null}',
    b'{"full_name":"   ","password":"","phone":""}',
    b'{"roles":[]}',
    b'{"roles":["cashier","unknown"]}',
    # roles' elements are UserRole's own UnmarshalJSON's to read (any JSON), on either path
    b'{"roles":["salesman",3,false]}',
    b'{"roles":["salesman",null]}',
    b'{"full_name":"A","password":"x","phone":"0901234567","roles":["m_admin"],"department_id":"12"}',
    b'{"department_id":"x","roles":["nope"]}',
    b"{}",
    b'  {"phone" : "0901234567"}  ',
    b'{"phone":"1","phone":"0901234567"}',  # a repeated key: the last one, as Go
]
# Bodies it must hand to the full decoder (syntax, kinds, other keys), with
# every case of test_transport's malformed list.
FULL = [
    b"", b"{", b"{bad}", b'{"full_name" "x"}', b'{"full_name":"x" "phone":"y"}', b'{"full_name":}',
    b'{"full_name":"x"}garbage', b"{'full_name':'x'}", b'{"roles":["a" "b"]}', b'{"full_name":tru}',
    b'{"full_name":"a\x01"}', b"full_name=x", b"[]", b'"text"', b"42", b"true", b"null",
    b'{"full_name":7,"password":"x","phone":"0901234567"}', b'{"phone":["0901234567"],"full_name":7}',
    b'{"password":{"a":1}}', b'{"roles":"salesman"}', b'{"full_name":true}',
    '{"FULL_NAME":"Đỗ Minh Khang","Password":"x","pHone":"0911000111"}'.encode(),
    b'{"full_name":"A","extension":101,"roles_x":null}', b'{"full_name":"A \xff","password":"x","phone":"0911222333"}',
    b'{"full_name":"\\ud800","password":"x","phone":"0911222333"}', b'{"phone":"0901234567","Phone":null}',
]


# The golden snapshots' CreateAccountUser bodies, plain or not.
EXAMPLE_BODIES = [orjson.dumps(e.body) for e in EXAMPLES if e.name.startswith("create_user")]


def _outcome(decode: Callable[[bytes], Any], body: bytes) -> Any:
    try:
        return ("ok", decode(body))
    except Problem as problem:  # a GoDecodeError: answered through errors.PROBLEMS
        err = problem_to_error(problem, errors.PROBLEMS)
        return ("error", err.name, err.message, err.extra)
    except VendorError as err:
        return ("error", err.name, err.message, err.extra)


def _takes_fast_path(body: bytes) -> bool:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return FAST_REQUEST(data) is not None


@pytest.mark.parametrize("body", PLAIN)
def test_plain_bodies_take_the_fast_path_with_the_full_result(body: bytes) -> None:
    assert _takes_fast_path(body)
    assert _outcome(decode, body) == _outcome(decode_full, body)


@pytest.mark.parametrize("body", FULL)
def test_other_bodies_take_the_full_path(body: bytes) -> None:
    assert not _takes_fast_path(body)
    assert _outcome(decode, body) == _outcome(decode_full, body)


@pytest.mark.parametrize("body", EXAMPLE_BODIES)
def test_example_bodies_decode_alike(body: bytes) -> None:
    assert _outcome(decode, body) == _outcome(decode_full, body)


PHONES = [
    "0912345678", "0913000001", "09123456789", "091234567890", "0123456789", "0012345678", "00912345678",
    "912345678", "84912345678", "+84912345678", "8491234567", "0912345678 ", " 0912345678", "0912-345-678",
    "0912345678-test", "0912345678-abc-test", "０９１２３４５６７８", "0９12345678", "091234567", "0912345678901",
    "1912345678", "0912345678x9", "(+84) 912.345.678", "19001234", "123", "",
]


@pytest.mark.parametrize("raw", PHONES)
def test_normalize_phone_fast_path(raw: str) -> None:
    assert normalize_phone(raw) == _normalize(raw)


def test_register_copies_what_identity_and_user_write() -> None:
    for user_id, name, phone, now, password in [
        (1150482016510400001, "Nguyễn Văn An", "0913000123", "2025-08-03T06:07:40.330Z", "secret123"),
        (10**18, "  Lê   Hoàng Long ", "0901234567", "2024-01-02T03:04:05.000Z", ""),
        (2**63 - 1, "Mai", "084912345678", "x", "p\u00e4ss"),
    ]:
        record, body = ETelecom._register(user_id, name, phone, now, password)
        # RegisterSimplify's user [PUB]: no short name, source etop, the phone verified now
        expected = {
            **ETelecom._identity(user_id, name, phone, now, password=password, short="", source="etop"),
            "phone_verification_sent_at": now, "phone_verified_at": now,
        }
        # Key order matters on the wire and in the store: compare items, not dicts.
        assert list(record.items()) == list(expected.items())
        assert list(body.items()) == list(responses.user(expected, 0).items())
        assert list(body) == list(responses.User.model_fields)  # the documented order


def test_register_never_shares_a_dict_between_users() -> None:
    first, first_body = ETelecom._register(10**18, "A", "0901234567", "t", "p")
    second, second_body = ETelecom._register(10**18 + 1, "B", "0901234568", "t", "p")
    assert first is not second and first_body is not second_body and first["id"] != second["id"]


class _Keys(dict):  # a Table stand-in: authenticate only calls view()
    def view(self, key: str) -> dict | None:
        return self.get(key)


@pytest.mark.parametrize(
    "header",
    [
        None, "", "Bearer k1", "Bearer  k1 ", "Bearer k1  ", "Bearer ", "Bearer", "bearer k1", "BEARER k1",
        " Bearer k1", "Bearer\tk1", "Bearer k1 extra", "Basic k1", "Bearerk1", "Bearer \u00a0k1", "Bearer revoked",
    ],
)
def test_authenticate_fast_path(header: str | None) -> None:
    keys = _Keys({"k1": {"shop_id": 1, "roles": ["owner"], "revoked": False}, "revoked": {"revoked": True}})
    headers = {} if header is None else {"authorization": header}
    call = Call("POST", "/", headers, {}, b"")
    token = bearer_token(headers.get("authorization"))
    expected = keys.get(token) if token else None
    if expected is None or expected["revoked"]:
        with pytest.raises(VendorError):
            authenticate(call, keys)  # type: ignore[arg-type]
    else:
        assert authenticate(call, keys) is expected  # type: ignore[arg-type]


def test_owner_shortcut_agrees_with_has_permission() -> None:
    # The handler skips has_permission when the caller is an owner and no owner
    # role is asked for: has_permission must say yes to every such call.
    roles = list(ROLE_RANK)
    for size in range(3):
        for callers in itertools.combinations(roles, size + 1):
            for targets in itertools.combinations(roles, size):
                if OWNER in callers and OWNER not in targets:
                    assert has_permission(list(callers), list(targets))
