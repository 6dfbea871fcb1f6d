"""The create-user fast path (binding.fast_user) against the full path (orjson + CreateUser).

The fast path may refuse anything, but whatever it accepts the full path must
accept too, with the same values; the stored records built from either must be
identical.  Bodies: the samples, every rule of test_create_user, key casings,
and the JSON corners where pydantic-core's parser and orjson could differ.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mockserver.core.errors import InvalidFields, MalformedBody, NotAnObject
from mockserver.vendors.payabli import binding
from tests.conftest import vendor_client_fixture
from tests.core.samples import CREATE_BODIES, edited, variant

client, _reset = vendor_client_fixture("payabli")

URL = "/payabli/api/User"
AUTH = {"requestToken": "pbx-demo-token-7f3c9a2e41d84b6f", "Content-Type": "application/json"}
SAMPLE: dict[str, Any] = CREATE_BODIES["payabli"]


def with_(**changes: Any) -> dict[str, Any]:
    return edited(SAMPLE, **changes)


# Valid bodies in our casing: the fast path binds them.
VALID: list[dict[str, Any]] = [
    SAMPLE, variant("payabli", 7), {"scope": [{"orgId": 123}]}, dict.fromkeys(SAMPLE) | {"scope": [{"orgType": 0, "orgId": 123}]},
    with_(timeZone=-12), with_(timeZone=12), with_(usrStatus=0), with_(usrStatus=85), with_(usrStatus=None), with_(language="es"),
    with_(scope=[{"orgType": 0, "orgId": 236}]), with_(scope=[{"orgType": 0, "orgId": 236}, {"orgType": 0, "orgId": 123}]),
    with_(phone="1" * 50), with_(additionalData={"k": "x" * 100}),  # the published limits, at the boundary
    with_(scope=[{"orgType": None, "orgId": 123}]), with_(additionalData={"k": None}), with_(additionalData={}), with_(access=[]),
    with_(access=[{"roleLabel": None, "roleValue": None}]), with_(access=[{"roleValue": False, "roleLabel": "x"}]),
    with_(access=[{"roleLabel": "only"}]), with_(access=[{}]), with_(mfaData={"mfaMode": 1}),
    with_(mfaData={}), with_(mfaData={"mfa": False}),
    with_(mfaData={"mfaMode": 2**31 - 1}), with_(mfaData=None), with_(pwd=""), with_(pwd=None), with_(email=None),
    with_(email="A_B+c@Sub.Example.ORG"), with_(email="a" * 308 + "@example.com"),
]
# Valid bodies the fast path leaves to the full path: other casings (which the full path
# maps), unknown keys, an address Python's "$" takes before a final newline.
FALLBACK: list[dict[str, Any]] = [
    {"EMAIL": "casey@example.com", "Name": "Casey", "Scope": [{"ORGTYPE": 0, "orgid": 236}], "Access": [{"RoleLabel": "reports", "ROLEVALUE": False}],
     "MfaData": {"MFA": True, "mfamode": 1}, "TimeZone": 3},
    with_(scope=[{"OrgId": 236, "orgType": 0}]), with_(access=[{"roleLabel": "a", "roleValue": True, "RoleValue": False}]),
    with_(mfaData={"mfa": True, "MFA": False}), with_(TimeZone=3), with_(unknownField={"ignored": True}),
    with_(scope=[{"orgType": 0, "orgId": 123, "extra": 1}]), with_(mfaData={"mfa": True, "other": 1}),
    with_(email="a@b.co\n"),
]

INVALID: list[dict[str, Any]] = [
    with_(scope=[]), with_(scope=None), with_(scope=...), with_(timeZone=13), with_(timeZone=-13), with_(usrStatus=-99), with_(usrStatus=2),
    with_(usrStatus=True), with_(usrStatus=False), with_(usrStatus=1.0), with_(usrStatus=2**31), with_(timeZone=True), with_(timeZone=5.5),
    with_(timeZone="5"), with_(timeZone=2**31), with_(usrStatus="1"), with_(language="fr"), with_(language="EN"), with_(language=1),
    with_(email="not-an-email"), with_(email=""), with_(email="a" * 309 + "@example.com"), with_(email=5),
    with_(name=5), with_(phone=5555555555), with_(pwd=["x"]), with_(scope={"orgType": 0, "orgId": 123}), with_(scope=["x"]),
    with_(scope=[{"orgType": 0, "orgId": "123"}]), with_(scope=[{"orgType": 0, "orgId": 2**63}]), with_(scope=[{"orgType": 0, "orgId": 999}]),
    with_(scope=[{"orgType": 1, "orgId": 123}]), with_(scope=[{"orgType": True, "orgId": 123}]), with_(scope=[{"orgType": False, "orgId": 123}]),
    with_(scope=[{"orgType": 0}]), with_(scope=[{"orgType": 0, "orgId": None}]), with_(scope=[{"orgType": 2, "orgId": 999}]),
    with_(scope=[{"orgType": 2, "orgId": 123}]), with_(scope=[{"orgType": 0, "orgId": 123}, {"orgType": 0, "orgId": 7}]),
    with_(scope=[{"orgType": 0, "orgId": 123.0}]), with_(scope=[{"orgType": 2**31, "orgId": 123}]),
    with_(scope=[{"orgType": 2, "orgId": 255}]), with_(phone="1" * 51), with_(additionalData={"k": "x" * 101}),  # issue 14's limits
    with_(access={"roleLabel": "x"}), with_(access=[{"roleLabel": "customers", "roleValue": "yes"}]), with_(access=[{"roleLabel": 1, "roleValue": True}]),
    with_(access=["x"]), with_(mfaData=[]), with_(mfaData={"mfa": "true", "mfaMode": 0}), with_(mfaData={"mfa": True, "mfaMode": "0"}),
    with_(mfaData={"mfa": 1}), with_(mfaData={"mfaMode": 2**31}), with_(additionalData="text"), with_(additionalData={"key1": 1}),
    with_(scope=[], usrStatus=-99, timeZone=20), with_(usrStatus=7, timeZone=20), with_(email="bad", timeZone=20),
    with_(scope=[], usrStatus=-99, timeZone="5"), with_(scope=None, language="de", mfaData={"mfa": 1}),
    {"Scope": []}, {"SCOPE": [{"orgId": 999}]}, with_(TimeZone=99), with_(Scope=[{"orgId": 999}]), with_(USRSTATUS=2),
    with_(scope=[{"orgType": 0, "orgId": 123, "OrgType": 2}]),  # the later key wins when recased: 123 is no paypoint
]

RAW_VALID = [orjson.dumps(b) for b in VALID] + [
    b' {"scope":[{"orgId":123}]} \n', b'{"scope" : [ {"orgId" : 123} ] }\t\r\n',
    b'{"name":"\\ud83d\\ude00","scope":[{"orgId":123}]}', b'{"name":"\\u00e9\\/","scope":[{"orgId":123}]}',
    b'{"na\\u006de":"escaped key","scope":[{"orgId":123}]}', b'{"usrStatus":-0,"scope":[{"orgId":123}]}',
    b'{"name":"a","name":"b","scope":[{"orgId":123}]}', b'{"usrStatus":"x","usrStatus":1,"scope":[{"orgId":123}]}',
    b'{"scope":[{"orgId":255,"orgId":236,"orgType":0}]}',
    b'{"additionalData":{"k":"a","k":"b"},"scope":[{"orgId":123}]}',
    b'{' + b",".join(b'"name":"%d"' % i for i in range(40)) + b',"scope":[{"orgId":123}]}',
    b'{"additionalData":{' + b",".join(b'"k":"%d"' % i for i in range(40)) + b'},"scope":[{"orgId":123}]}',
    b'{"name":"a\x7fb","scope":[{"orgId":123}]}',
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
]


@pytest.fixture
def orgs(client: Any) -> Any:
    return client.app.runtime.vendors["payabli"].orgs


def _full(body: bytes, orgs: Any) -> Any:
    """The full path's outcome: the dicts, or the error it raises (type and fields)."""
    try:
        return binding.full_user(body, orgs)
    except InvalidFields as exc:
        return ("InvalidFields", exc.fields)
    except (MalformedBody, NotAnObject) as exc:
        return (type(exc).__name__, str(exc))


def _check(body: bytes, orgs: Any) -> dict[str, Any] | None:
    fast = binding.fast_user(body, orgs)
    full = _full(body, orgs)
    if fast is not None:
        assert isinstance(full, dict), f"fast path accepted what the full path refuses: {body!r} -> {full}"
        # the same values of the same types, every key present and in the same order, nested too
        assert orjson.dumps(fast) == orjson.dumps(full)
    if isinstance(full, dict):
        assert orjson.dumps(binding.bind_new_user(body, orgs)) == orjson.dumps(full)
    return fast


@pytest.mark.parametrize("body", RAW_VALID)
def test_fast_path_agrees_on_accepted_bodies(body: bytes, orgs: Any) -> None:
    assert isinstance(_full(body, orgs), dict)
    _check(body, orgs)


@pytest.mark.parametrize("body", [orjson.dumps(b) for b in INVALID] + RAW_INVALID)
def test_fast_path_refuses_whatever_the_full_path_refuses(body: bytes, orgs: Any) -> None:
    assert not isinstance(_full(body, orgs), dict)
    assert _check(body, orgs) is None


@pytest.mark.parametrize("body", [orjson.dumps(b) for b in FALLBACK] + [b'{"scope":[{"orgId":123}],"name\\u0000":"a"}'])
def test_fast_path_steps_aside_for_what_only_the_full_path_binds(body: bytes, orgs: Any) -> None:
    assert isinstance(_full(body, orgs), dict)
    assert _check(body, orgs) is None


def test_fast_path_takes_the_common_bodies(orgs: Any) -> None:
    # Not a rule, the point of the fast path: valid bodies in our casing do not fall back.
    assert [body for body in VALID if binding.fast_user(orjson.dumps(body), orgs) is None] == []


@pytest.mark.parametrize("body", VALID + FALLBACK)
def test_stored_record_is_the_same_from_either_path(client: Any, body: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    users = client.app.runtime.vendors["payabli"].users
    client.post("/__admin/clock", json={"freeze": True, "set": "2024-05-06T07:08:09.500Z"})
    try:
        records = []
        for fast in (True, False):
            client.post("/__admin/reset")
            with monkeypatch.context() as patch:
                if not fast:
                    patch.setattr(binding, "fast_user", lambda body, orgs: None)
                before = set(users)
                response = client.post(URL, content=orjson.dumps(body), headers=AUTH)
            assert response.status_code == 200, response.text
            (new,) = set(users) - before
            records.append((new, users.get(new)))
    finally:
        client.post("/__admin/clock", json={"freeze": False})
    # same id, same values of the same types, same key order at every level
    (fast_id, fast_record), (full_id, full_record) = records
    assert fast_id == full_id and orjson.dumps(fast_record) == orjson.dumps(full_record)
