"""Decoding a CreateAccountUser body: Go's json.Unmarshal, with a fast path.

The full path is ``gojson.decode_object`` (case-insensitive keys, nulls as
zero values, Go's error texts) followed by the strict pydantic model, whose
type errors become Go's ``UnmarshalTypeError`` text.  Almost every real body
is plain: a JSON object whose keys are the fields' exact spelling and whose
values already have the JSON kind the Go struct wants.  For such a body the
full path provably returns the values as orjson parsed them (exact keys need
no folding, strict ``str``/``list[str]`` accept exact ``str``/``list`` of
``str`` unchanged, a null is the same as absent), so ``plain_request`` returns
them without the folding loop and the pydantic call.  Anything else (a syntax
error, a non-object, another key spelling or an unknown key, a wrong kind)
goes the full path, which alone phrases errors.
"""

from __future__ import annotations

from typing import Any

import orjson

from ...core.errors import FieldError, InvalidFields
from ...core.validation import validate
from . import errors
from .gojson import decode_object, type_error
from .models import GO_FIELDS, GO_REQUEST_TYPE, GO_ROLE_TYPE, CreateAccountUser

# (full_name, password, phone, roles); None where the body had no value (Go's zero value).
Request = tuple[str | None, str | None, str | None, list[str] | None]

# What a plain body may hold: the fields' exact keys; a string field's value a
# str or null, roles a list of str or null (orjson returns exactly these types).
_FIELD_NAMES = frozenset(GO_FIELDS)
_STRING_OR_NULL = (str, type(None))


def plain_request(body: bytes) -> Request | None:
    """The request of a plain body (see the module text), or None to take the full path."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    # Another key (unknown, or spelled differently) means Go's folding rules apply.
    if type(data) is not dict or not _FIELD_NAMES.issuperset(data):
        return None
    get = data.get
    full_name, password, phone, roles = get("full_name"), get("password"), get("phone"), get("roles")
    if (
        type(full_name) in _STRING_OR_NULL
        and type(password) in _STRING_OR_NULL
        and type(phone) in _STRING_OR_NULL
        and (roles is None or (type(roles) is list and all(type(role) is str for role in roles)))
    ):
        # A non-empty tuple is truthy even when every value is None.
        return full_name, password, phone, roles
    return None


def decode_full(body: bytes) -> Request:
    """The full Go decoding of any body; Go's error text as `malformed` (a GoDecodeError is one)."""
    data = decode_object(body, GO_REQUEST_TYPE, GO_FIELDS)
    try:
        request = validate(CreateAccountUser, data)
    except InvalidFields as problem:
        raise errors.malformed(_first_type_error(problem.fields, data)) from None
    return request.full_name, request.password, request.phone, request.roles


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
