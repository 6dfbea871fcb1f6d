"""eTelecom's ported rules and catalog, without HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mockserver.core.errors import VendorError
from mockserver.core.fixtures import load_model
from mockserver.vendors.etelecom import errors
from mockserver.vendors.etelecom.gojson import go_quote, syntax_error
from mockserver.vendors.etelecom.models import Fixture, Role
from mockserver.vendors.etelecom.rules import ASSIGNABLE_ROLES, has_permission, normalize_phone, short_name

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "etelecom.yaml"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+84 912 345 678", ("0912345678", True)),
        ("84912345678", ("0912345678", True)),
        ("912345678", ("0912345678", True)),
        ("0912-345-678", ("0912345678", True)),
        ("19001234", ("19001234", False)),
        ("0084912345678", ("084912345678", True)),
        ("123", ("", False)),
        ("", ("", False)),
        ("0912345678 (home)", ("0912345678", True)),
        ("(+84) 912.345.678", ("084912345678", True)),  # prefixes only count at the very start
        ("0912345678x9", ("0912345678", True)),
        ("０９１２３４５６７８", ("", False)),  # full-width digits are not ASCII digits to Go
        ("0912345678-test", ("0912345678-test", True)),
        ("0912345678-abc-test", ("0912345678-abc-test", True)),
        ("12-test", ("", False)),
    ],
)
def test_normalize_phone(raw: str, expected: tuple[str, bool]) -> None:
    assert normalize_phone(raw) == expected


def test_has_permission() -> None:
    assert not has_permission(["owner"], ["owner"])
    assert has_permission(["owner"], ["staff_management"])
    assert not has_permission(["salesman"], [])
    assert has_permission(["staff_management"], ["salesman", "analyst"])
    assert not has_permission(["staff_management"], ["staff_management"])
    assert has_permission(["staff_management", "salesman"], ["telecom_customerservice"])


def test_short_name() -> None:
    assert short_name("Nguyễn Văn An") == "An"
    assert short_name("  ") == ""


def test_role_literal_matches_the_rule_table() -> None:
    assert set(Role.__args__) == ASSIGNABLE_ROLES  # type: ignore[attr-defined]


def test_go_quote() -> None:
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote("x\ny\x00") == '"x\\ny\\x00"'
    assert go_quote("Tiếng Việt") == '"Tiếng Việt"'


def test_syntax_error_accepts_valid_json() -> None:
    for body in (b"{}", b' {"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"]} ', b"0", b'"x"'):
        assert syntax_error(body) is None


# Twirp codes -> eTop HTTP statuses (ServerHTTPStatusFromErrorCode)
STATUSES = {
    "canceled": 408, "unknown": 500, "invalid_argument": 400, "malformed": 400, "deadline_exceeded": 408,
    "not_found": 404, "bad_route": 404, "already_exists": 409, "permission_denied": 403, "unauthenticated": 401,
    "resource_exhausted": 403, "failed_precondition": 412, "aborted": 409, "out_of_range": 400,
    "unimplemented": 501, "internal": 500, "unavailable": 503, "data_loss": 500,
}


@pytest.mark.parametrize(("code", "status"), sorted(STATUSES.items()))
def test_every_twirp_code_renders_with_its_status(code: str, status: int) -> None:
    reply = errors.render(VendorError(code))
    assert reply.status == status
    assert list(reply.body) == ["code", "msg"] and reply.body["code"] == code and reply.body["msg"]


def test_render_defaults_and_meta() -> None:
    assert errors.render(VendorError("not_found")).body == {
        "code": "not_found", "msg": "Không tìm thấy. Nếu cần thêm thông tin, vui lòng liên hệ hotro@etop.vn.",
    }
    assert errors.render(VendorError("internal")).body["msg"] == "Lỗi không xác định. Vui lòng thử lại hoặc liên hệ hotro@etop.vn."
    assert errors.render(VendorError("invalid_argument")).body["msg"] == "Có lỗi xảy ra. Vui lòng thử lại hoặc liên hệ hotro@etop.vn."
    reply = errors.render(VendorError("user_exists"))
    assert (reply.status, reply.body) == (412, {"code": "failed_precondition", "msg": "Người dùng đã tồn tại."})
    with_meta = errors.render(errors.malformed("EOF"))
    assert with_meta.body == {"code": "malformed", "msg": "the json request could not be decoded", "meta": {"cause": "EOF"}}


def test_the_fixture_loads() -> None:
    fixture = load_model(FIXTURE, Fixture)
    assert len(fixture.shops) == 2 and fixture.generatedUsers == 3


def _fixture(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "users": [{"id": 1150482016510394368, "full_name": "A B", "phone": "0912345678"}],
        "shops": [{
            "id": 1150482016510394500, "name": "S", "owner_id": 1150482016510394368,
            "api_keys": [{"key": "1150482016510394500:" + "a" * 32}],
        }],
    }
    data.update(changes)
    return data


def test_fixture_model_rejects_inconsistent_data() -> None:
    assert Fixture.model_validate(_fixture()).shops[0].api_keys[0].roles == ["owner"]
    bad = [
        _fixture(users=[{"id": 1150482016510394368, "full_name": "A", "phone": "12"}]),
        _fixture(shops=[{"id": 1150482016510394500, "name": "S", "owner_id": 5, "api_keys": [{"key": "1150482016510394500:" + "a" * 32}]}]),
        _fixture(shops=[{"id": 1150482016510394500, "name": "S", "owner_id": 1150482016510394368, "api_keys": [{"key": "short:key"}]}]),
        _fixture(extra=1),
    ]
    for data in bad:
        with pytest.raises(ValidationError):
            Fixture.model_validate(data)


def _shop(**changes: Any) -> dict[str, Any]:
    shop: dict[str, Any] = {
        "id": 1150482016510394500, "name": "S", "owner_id": 1150482016510394368,
        "api_keys": [{"key": "1150482016510394500:" + "a" * 32}],
    }
    shop.update(changes)
    return shop


def test_fixture_keys_and_members() -> None:
    live_and_revoked = [{"key": "1150482016510394500:" + "a" * 32, "revoked": True}, {"key": "1150482016510394500:" + "b" * 32}]
    assert [k.revoked for k in Fixture.model_validate(_fixture(shops=[_shop(api_keys=live_and_revoked)])).shops[0].api_keys] == [True, False]
    users = [{"id": 1150482016510394368, "full_name": "A B", "phone": "0912345678"},
             {"id": 1150482016510394370, "full_name": "C D", "phone": "0912345679"}]
    member = {"user_id": 1150482016510394370, "roles": ["salesman"], "position": "P", "extension_number": "101"}
    assert Fixture.model_validate(_fixture(users=users, shops=[_shop(members=[member])])).shops[0].members[0].position == "P"
    bad = [
        _fixture(shops=[_shop(api_keys=[{"key": "1150482016510394500:" + "a" * 32, "revoked": True}])]),  # no live key
        _fixture(users=users, shops=[_shop(members=[{**member, "extension_number": "ext-1"}])]),
        _fixture(users=users, shops=[_shop(members=[{**member, "full_name": "X"}])]),  # names live on the identity
    ]
    for data in bad:
        with pytest.raises(ValidationError):
            Fixture.model_validate(data)
