"""POST /User's binding on the JSON corners (duplicate keys, NaN, big integers, surrogates...).

Black-box: whatever the binding (binding.CreateBinding, fast path first) makes of a raw body,
the full path (orjson and CreateUser) makes too - the same plain dicts, or the same error.
That the fast path accepts only what the model accepts is tests/core/test_fastmodel.py's.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mockserver.core.errors import InvalidFields, MalformedBody, NotAnObject
from mockserver.core.validation import parse_object
from tests.conftest import vendor_client_fixture
from tests.core.samples import CREATE_BODIES

client, _reset = vendor_client_fixture("payabli")

URL = "/payabli/api/User"
AUTH = {"requestToken": "pbx-demo-token-7f3c9a2e41d84b6f", "Content-Type": "application/json"}

RAW_VALID = [
    orjson.dumps(CREATE_BODIES["payabli"]),
    b' {"scope":[{"orgId":123}]} \n', b'{"scope" : [ {"orgId" : 123} ] }\t\r\n',
    b'{"name":"\\ud83d\\ude00","scope":[{"orgId":123}]}', b'{"name":"\\u00e9\\/","scope":[{"orgId":123}]}',
    b'{"na\\u006de":"escaped key","scope":[{"orgId":123}]}', b'{"usrStatus":-0,"scope":[{"orgId":123}]}',
    b'{"name":"a","name":"b","scope":[{"orgId":123}]}', b'{"usrStatus":"x","usrStatus":1,"scope":[{"orgId":123}]}',
    b'{"scope":[{"orgId":255,"orgId":236,"orgType":0}]}',
    # issue 14's published limits, at the boundary
    b'{"phone":"' + b"1" * 50 + b'","additionalData":{"k":"' + b"x" * 100 + b'"},"scope":[{"orgId":123}]}',
    b'{"additionalData":{"k":"a","k":"b"},"scope":[{"orgId":123}]}',
    b'{' + b",".join(b'"name":"%d"' % i for i in range(40)) + b',"scope":[{"orgId":123}]}',
    b'{"additionalData":{' + b",".join(b'"k":"%d"' % i for i in range(40)) + b'},"scope":[{"orgId":123}]}',
    b'{"name":"a\x7fb","scope":[{"orgId":123}]}', b'{"scope":[{"orgId":123}],"name\\u0000":"a"}',
]
RAW_INVALID = [
    b"", b" ", b"null", b"[]", b'"x"', b"{not json", b'{"scope":', b'{"scope":[{"orgId":123}]}x', b'{"scope":[{"orgId":123}]}{}',
    b'\xef\xbb\xbf{"scope":[{"orgId":123}]}', b'{"scope":[{"orgId":123}],}', b'{"scope":[{"orgId":123,}]}', b'{"scope":[{"orgId":0123}]}',
    b'{"scope":[{"orgId":123}],"usrStatus":NaN}', b'{"scope":[{"orgId":123}],"usrStatus":Infinity}', b'{"scope":[{"orgId":1e2}]}',
    b'{"scope":[{"orgId":18446744073709551616}]}', b'{"scope":[{"orgId":-9223372036854775809}]}', b'{"scope":[{"orgId":9223372036854775808}]}',
    b'{"scope":[{"orgId":123}],"name":"\\ud800"}', b'{"scope":[{"orgId":123}],"name":"\\udc00x"}', b'{"scope":[{"orgId":123}],"name":"\xff"}',
    b'{"scope":[{"orgId":123}],"name":"\xed\xa0\x80"}', b'{"scope":[{"orgId":123}],"name":"a\x00"}', b'{"scope":[{"orgId":123}],"name":"a\nb"}',
    b'{"scope":[{"orgId":123}],"name":"\\x41"}', b"{'scope':[{'orgId':123}]}", b'{"scope":[{"orgId":123}]/*c*/}', b'\x0c{"scope":[{"orgId":123}]}',
    b'{"usrStatus":1,"usrStatus":"x","scope":[{"orgId":123}]}', b'{"scope":[{"orgId":123}],"name":tru}', b'{"scope":[{"orgId":123}],"usrStatus":+1}',
    # issue 14's published limits, one past them: a paypoint scope, 51 phone characters, a 101-character value
    b'{"scope":[{"orgId":255,"orgType":2}]}', b'{"phone":"' + b"1" * 51 + b'","scope":[{"orgId":123}]}',
    b'{"additionalData":{"k":"' + b"x" * 101 + b'"},"scope":[{"orgId":123}]}',
    # a value orjson refuses, hidden from the schema by a later duplicate key
    b'{"scope":[{"orgId":123}],"access":NaN,"access":null}', b'{"timeZone":1e400,"timeZone":1,"scope":[{"orgId":123}]}',
    b'{"scope":[{"orgId":123,"orgType":-Infinity,"orgType":0}]}',
]


@pytest.fixture
def binding(client: Any) -> Any:
    return client.app.runtime.vendors["payabli"].binding


def _outcome(bind: Any, body: bytes) -> Any:
    try:
        return bind(body)
    except InvalidFields as exc:
        return ("InvalidFields", exc.fields)
    except (MalformedBody, NotAnObject) as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("body", RAW_VALID)
def test_valid_corners_bind_as_the_full_path_binds_them(binding: Any, body: bytes) -> None:
    got = _outcome(binding.bind, body)
    assert isinstance(got, dict)
    # the same values of the same types, every key present and in the same order, nested too
    assert orjson.dumps(got) == orjson.dumps(_outcome(lambda b: binding.full_user(parse_object(b)), body))


@pytest.mark.parametrize("body", RAW_INVALID)
def test_invalid_corners_fail_as_the_full_path_fails(binding: Any, body: bytes) -> None:
    got = _outcome(binding.bind, body)
    assert not isinstance(got, dict)
    assert got == _outcome(lambda b: binding.full_user(parse_object(b)), body)


def test_the_sample_body_takes_the_fast_path(binding: Any) -> None:
    # Not a rule, the point of the fast path: a valid body in our casing does not fall back.
    assert binding.fast(orjson.loads(orjson.dumps(CREATE_BODIES["payabli"]))) is not None


def test_a_hidden_nan_is_still_malformed_json(client: Any) -> None:
    # The fast path once read the raw text with pydantic-core's parser, which reads NaN; a
    # later duplicate key hid it from the schema, and this body was created (200).
    response = client.post(URL, content=b'{"scope":[{"orgId":123}],"access":NaN,"access":null}', headers=AUTH)
    assert response.status_code == 400
    assert response.json() == {
        "isSuccess": False, "responseCode": 3003, "responseText": "Error",
        "responseData": {"explanation": "Invalid parameter value in request: body is not valid JSON",
                         "todoAction": "Provide the correct value for parameter."},
    }
