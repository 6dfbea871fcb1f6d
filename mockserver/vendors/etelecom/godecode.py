"""Go ``encoding/json`` into nested request structs (the account-user RPCs).

``gojson.decode_object`` handles the body itself (syntax errors, non-object
bodies, case-insensitive keys, nulls); this walks the decoded values in
document order against a small description of the Go struct, the way Go's
decoder does:
- a JSON kind the field cannot hold is an ``UnmarshalTypeError``; Go records
  the first one and carries on, so the first in document order is reported:
  ``json: cannot unmarshal string into Go struct field CursorPaging.paging.limit
  of type int`` (innermost struct, full field path: Go >= 1.20);
- ``dot.ID`` has its own UnmarshalJSON (int64 from a JSON number or a quoted
  string); its error aborts decoding at once and wins over an earlier type error;
- so has ``shop_user_role.UserRole`` (``decode_role``): a role name, or the enum's
  number; anything else aborts the same way.
[INF] Go type names of the request structs; dot.ID reading "" as 0 and its
error text being strconv.ParseInt's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...core import deepjson
from .gojson import GoDecodeError, decode_object, go_quote, json_kind
from .rules import ROLE_NAMES, ROLE_RANK

_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True, slots=True)
class Struct:
    name: str  # package-qualified, e.g. "shop.GetAccountUsersRequest"
    fields: Mapping[str, GoType]


@dataclass(frozen=True, slots=True)
class Slice:
    elem: GoType


# Scalars: "string", "bool", "int", "id" (dot.ID), "nullbool" (dot.NullBool), "role".
GoType = str | Struct | Slice
_SCALAR_NAMES = {
    "string": "string", "bool": "bool", "int": "int", "id": "dot.ID",
    "nullbool": "dot.NullBool", "role": "shop_user_role.UserRole",
}


def type_name(go_type: GoType) -> str:
    if isinstance(go_type, Struct):
        return go_type.name
    if isinstance(go_type, Slice):
        return "[]" + type_name(go_type.elem)
    return _SCALAR_NAMES[go_type]


def decode(body: bytes, struct: Struct) -> dict[str, Any]:
    """The request as Go would fill it (absent/null keys left out); GoDecodeError otherwise."""
    data = decode_object(body, struct.name, dict.fromkeys(struct.fields, ""))
    walker = _Walker()
    result = walker.struct(data, struct, ())
    if walker.saved is not None:
        raise GoDecodeError(walker.saved)
    return result


def _fold(key: str, fields: Mapping[str, Any]) -> str | None:
    if key in fields:
        return key
    lowered = key.casefold()
    return next((name for name in fields if name.casefold() == lowered), None)


def _number_text(value: Any) -> str:
    # [INF] the literal as sent is gone after decoding (Go quotes it verbatim):
    # Python's shortest repr, without a ".0" JSON would not have had.
    text = repr(value)
    return text.removesuffix(".0") if isinstance(value, float) and math.isfinite(value) else text


class _Walker:
    def __init__(self) -> None:
        self.saved: str | None = None

    def _type_error(self, what: str, go_type: GoType, owner: str, path: tuple[str, ...]) -> None:
        if self.saved is None:
            struct = owner.rpartition(".")[2]
            self.saved = (
                f"json: cannot unmarshal {what} into Go struct field {struct}.{'.'.join(path)} of type {type_name(go_type)}"
            )

    def struct(self, data: dict[str, Any], struct: Struct, path: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = _fold(key, struct.fields)
            if name is None or value is None:  # unknown keys ignored; null is the zero value
                continue
            decoded = self.value(value, struct.fields[name], struct.name, path + (name,))
            if decoded is not None:
                out[name] = decoded
        return out

    def value(self, value: Any, go_type: GoType, owner: str, path: tuple[str, ...]) -> Any:
        if value is None:
            return None
        if isinstance(go_type, Struct):
            if isinstance(value, dict):
                return self.struct(value, go_type, path)
            self._type_error(json_kind(value), go_type, owner, path)
            return None
        if isinstance(go_type, Slice):
            if not isinstance(value, list):
                self._type_error(json_kind(value), go_type, owner, path)
                return None
            if go_type.elem == "role":  # every element, a null too, goes through UnmarshalJSON
                return [decode_role(v) for v in value]
            items = [self.value(v, go_type.elem, owner, path) for v in value]
            return [v for v in items if v is not None]
        if go_type == "id":
            return parse_id(value)
        if go_type == "role":
            return decode_role(value)
        kind = json_kind(value)
        if go_type == "string":
            if kind == "string":
                return value
        elif go_type in ("bool", "nullbool"):
            if kind == "bool":
                return value
        elif go_type == "int" and kind == "number":
            if isinstance(value, int) and _INT64[0] <= value <= _INT64[1]:
                return value
            kind = "number " + _number_text(value)
        self._type_error(kind, go_type, owner, path)
        return None


def decode_role(value: Any) -> str:
    """``shop_user_role.UserRole``'s UnmarshalJSON [PUB: eTop's generated enum and
    ``mix.UnmarshalJSONEnumInt``]: ``null`` and ``""`` are the zero value "unknown"; a
    string must be a role's name (``unrecognized enum UserRole value "x"``); any other
    JSON is read as an int, the enum's number (a number with no name is Go's String()
    of it, ``UserRole(42)``), or fails ``cannot unmarshal `<json>` into enum UserRole``.
    Its error aborts the whole decode."""
    if value is None or value == "":
        return "unknown"
    if isinstance(value, str):
        if value in ROLE_RANK:
            return value
        raise GoDecodeError(f"unrecognized enum UserRole value {go_quote(value)}")
    if isinstance(value, int) and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1]:
        return ROLE_NAMES.get(value) or f"UserRole({value})"
    raise GoDecodeError(f"cannot unmarshal {_sharp_q(_json_text(value))} into enum UserRole")


def _json_text(value: Any) -> str:
    """[INF] the value's JSON text (Go quotes the bytes as sent; decoding kept their value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return deepjson.dumps(value)


def _sharp_q(text: str) -> str:
    """Go's ``%#q``: back-quoted when strconv.CanBackquote allows it, else ``%q``."""
    if "`" in text or "\ufeff" in text or any((ord(ch) < 0x20 and ch != "\t") or ch == "\x7f" for ch in text):
        return go_quote(text)
    return f"`{text}`"


def parse_id(value: Any) -> int:
    """dot.ID from a JSON number or string; its error aborts the whole decode."""
    if isinstance(value, str):
        text = value
        if text == "":
            return 0  # [INF] an empty id is the zero id, as an absent one
    elif isinstance(value, (bool, dict, list)):
        # dot.ID sees the value's JSON text; nesting of any depth the scanner allowed
        # (orjson writes at most 254 levels).
        text = "true" if value is True else "false" if value is False else deepjson.dumps(value)
    elif isinstance(value, int):
        text = str(value)
    else:
        text = _number_text(value)
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        raise GoDecodeError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    number = int(text)
    if not _INT64[0] <= number <= _INT64[1]:
        raise GoDecodeError(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return number
