"""Decoding a CreateAccountUser body: Go's json.Unmarshal, with a fast path.

The full path is ``gojson.decode_object`` (case-insensitive keys, nulls as
zero values, Go's error texts) followed by the strict pydantic model, whose
type errors become Go's ``UnmarshalTypeError`` text.  Almost every real body
is plain: a JSON object whose keys are the fields' exact spelling and whose
values already have the JSON kind the Go struct wants.  The fast path is the
model itself, derived at import (core.fastmodel) to refuse any other key, run
on orjson's reading of the body: whatever it accepts, the model accepts with
the same values, and for such a body (exact keys need no folding, a null is the
same as absent) that is what the full path gives.  Anything else (a syntax error, a non-object, another key spelling or an
unknown key, a wrong kind) goes the full path, which alone phrases errors.

``roles`` elements and ``department_id`` are read on either path by their own
UnmarshalJSON (godecode.decode_role, parse_id), in document order: the first of
their errors aborts Go's decoding, so it is the one reported, ahead of any type
error of another field.
"""

from __future__ import annotations

from typing import Any

import orjson

from ...core import fastmodel
from ...core.errors import FieldError, InvalidFields
from ...core.validation import validate, validate_or_none
from . import errors
from .godecode import decode_role, parse_id
from .gojson import decode_object, type_error
from .models import GO_FIELDS, GO_REQUEST_TYPE, GO_ROLE_TYPE, CreateAccountUser
from .rules import ROLE_RANK

# {full_name, password, phone, roles, department_id}: every key, None where the body had no value
# (Go's zero value), roles as role names and department_id as an int once decoded.
Request = dict[str, Any]

FAST_REQUEST = fastmodel.derive(CreateAccountUser, extra="forbid")
_FAST_CHECK = FAST_REQUEST.check


def decode_full(body: bytes) -> Request:
    """The full Go decoding of any body; Go's error text as `malformed` (a GoDecodeError is one)."""
    data = decode_object(body, GO_REQUEST_TYPE, GO_FIELDS)
    decoded = _unmarshalers(data)  # their errors abort: ahead of any type error
    try:
        request = validate(CreateAccountUser, data)
    except InvalidFields as problem:
        raise errors.malformed(_first_type_error(problem.fields, data)) from None
    return {**request.model_dump(), **decoded}


def decode(body: bytes) -> Request:
    """The body's request: the fast path where it vouches for a plain body, else the full decoding."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return decode_full(body)  # Go's own error text, or what only Go reads
    request = validate_or_none(_FAST_CHECK, data)
    if request is None:
        return decode_full(body)
    roles = request["roles"]
    if request["department_id"] is not None:
        request.update(_unmarshalers(data))  # the exact keys of a plain body, in document order
    elif roles:
        # The usual request: role names only, each looked up once.
        request["roles"] = [role if role.__class__ is str and role in ROLE_RANK else decode_role(role) for role in roles]
    return request


def _unmarshalers(data: dict[str, Any]) -> dict[str, Any]:
    """roles' elements and department_id through their own UnmarshalJSON, in document order
    (a GoDecodeError, `malformed`, for the first that fails); a roles value that is not an
    array is left to the model (Go's type error)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "roles" and isinstance(value, list):
            out["roles"] = [decode_role(role) for role in value]
        elif key == "department_id" and value is not None:
            out["department_id"] = parse_id(value)
    return out


def _first_type_error(fields: tuple[FieldError, ...], data: dict[str, Any]) -> str:
    """Go reports the first mismatch in document order (the decoder walks the body)."""
    failing: dict[str, FieldError] = {}
    for field in fields:  # pydantic lists a list's elements in order: keep the first
        failing.setdefault(field.loc.partition("[")[0], field)
    for key, value in data.items():
        error = failing.get(key)
        if error is None:
            continue
        if "[" in error.loc:  # a roles element: Go names the element type
            index = int(error.loc[error.loc.index("[") + 1 : error.loc.index("]")])
            return type_error(GO_REQUEST_TYPE, key, value[index], GO_ROLE_TYPE)
        return type_error(GO_REQUEST_TYPE, key, value, GO_FIELDS[key])
    first = fields[0]  # unreachable for the model's fields; keep a Go-shaped text
    return f"json: cannot unmarshal into Go struct field {GO_REQUEST_TYPE.rpartition('.')[2]}.{first.loc}"
