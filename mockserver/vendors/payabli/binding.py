"""Create-user (POST /User) binding with a native fast path.

Nearly every create body is valid JSON in our own key casing.  For those,
``models.CreateUser`` costs more than the rest of the request: orjson builds a
dict tree, normalise() checks the casing, eleven Python validators run and four
model instances are built that the record builder only reads.  ``_FastUser``
validates the raw bytes natively in pydantic-core and yields plain dicts; it
accepts a *subset* of what the full path (orjson + CreateUser) accepts, with the
same values.  Whatever it refuses -- a bad value, another key casing, an
unknown key, anything it cannot parse -- goes the full path, which alone
decides and phrases errors, so errors are unchanged by construction.

Why fast acceptance implies the full path's, with the same values:

- JSON: pydantic-core's parser (jiter) and orjson are both strict RFC 8259
  parsers.  Where they differ, the schema refuses: jiter reads NaN/Infinity
  and integers past 64 bits, but no field takes a float and every integer is
  bounded within Int64; both refuse lone surrogates, invalid UTF-8, control
  characters, leading zeros, trailing commas or content, a BOM; both keep the
  last of duplicate keys (tests/vendors/payabli/test_binding.py pins each).
- Key casing: every object forbids unknown keys, so every key is already
  ours and normalise() would change nothing.
- Types: the same strict types as CreateUser; Int32/Int64 are native ge/le
  with the same bounds.  An absent key is None, CreateUser's default for
  every field but scope (required here, as on create).
- Rules: timeZone -12..12 natively (inside Int32, so the 32-bit check passes);
  usrStatus a strict int and then one of 0, 1, 85 (a bare Literal would also
  take True and 1.0); scope required, non-null, non-empty, each orgId required
  and non-null (the create rules of _scope_present and _known_org), and
  (orgType or 0, orgId) a known organization (Python, below); email at most
  320 characters and core's address pattern run by the Rust regex engine,
  which accepts a subset of Python's re ("$" does not also match before a
  final newline).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, GetPydanticSchema, StringConstraints, TypeAdapter, ValidationError
from pydantic_core import core_schema
from typing_extensions import TypedDict

from ...core.validation import EMAIL_PATTERN, parse_object
from .models import INT32, INT64, ORG_TYPES, SETTABLE_STATUSES, AccessItem, AdditionalValue, CreateUser, MfaData, Phone, ScopeItem, bind_user

_STRICT = ConfigDict(strict=True, extra="forbid")
_I32 = Annotated[int, Field(ge=INT32[0], le=INT32[1])]
_I64 = Annotated[int, Field(ge=INT64[0], le=INT64[1])]
# A strict int first, then the set: the int step refuses bools and floats.
_STATUS = Annotated[
    int, GetPydanticSchema(lambda tp, handler: core_schema.chain_schema([handler(tp), core_schema.literal_schema(list(SETTABLE_STATUSES))]))
]


# Every optional key defaults to None, so the output has every key in declaration
# order, nested objects too: exactly the shape CreateUser.model_dump() gives, and
# the record builder reads it by plain indexing.
_NONE = Field(default=None)


class _FastScope(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    orgType: Annotated[_I32 | None, _NONE]
    orgId: _I64


class _FastAccess(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    roleLabel: Annotated[str | None, _NONE]
    roleValue: Annotated[bool | None, _NONE]


class _FastMfa(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    mfa: Annotated[bool | None, _NONE]
    mfaMode: Annotated[_I32 | None, _NONE]


class _FastUser(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    email: Annotated[Annotated[str, StringConstraints(max_length=320, pattern=EMAIL_PATTERN.pattern)] | None, _NONE]
    phone: Annotated[Phone | None, _NONE]
    name: Annotated[str | None, _NONE]
    pwd: Annotated[str | None, _NONE]
    scope: Annotated[list[_FastScope], Field(min_length=1)]
    access: Annotated[list[_FastAccess] | None, _NONE]
    usrStatus: Annotated[_STATUS | None, _NONE]
    timeZone: Annotated[Annotated[int, Field(ge=-12, le=12)] | None, _NONE]
    language: Annotated[Literal["en", "es"] | None, _NONE]
    mfaData: Annotated[_FastMfa | None, _NONE]
    additionalData: Annotated[dict[str, AdditionalValue | None] | None, _NONE]


_FAST_USER = TypeAdapter(_FastUser).validator

# Each fast type must declare its model's fields, in the same order (checked once, at import).
for _fast, _full in ((_FastUser, CreateUser), (_FastScope, ScopeItem), (_FastAccess, AccessItem), (_FastMfa, MfaData)):
    if list(_fast.__annotations__) != list(_full.model_fields):
        raise RuntimeError(f"payabli: {_fast.__name__} and {_full.__name__} declare different fields")


def fast_user(body: bytes, orgs: Mapping[tuple[int, int], Any]) -> dict[str, Any] | None:
    """The create body as plain dicts when the fast path can vouch for it; None
    when only the full path (``full_user``) can tell.  Never raises."""
    try:
        user: dict[str, Any] = _FAST_USER.validate_json(body)
    except ValidationError:
        return None
    for item in user["scope"]:
        org_type = item["orgType"] or 0  # a null orgType means an organization, as in _known_org
        if org_type not in ORG_TYPES or (org_type, item["orgId"]) not in orgs:
            return None
    return user


def full_user(body: bytes, orgs: Mapping[tuple[int, int], Any]) -> dict[str, Any]:
    """The create body through orjson and CreateUser (every failing field named),
    as the plain dicts ``fast_user`` gives: every key, in declaration order."""
    return bind_user(parse_object(body), orgs).model_dump()


def bind_new_user(body: bytes, orgs: Mapping[tuple[int, int], Any]) -> dict[str, Any]:
    """Decode and bind a create body (``models.parse_user``), as plain dicts."""
    user = fast_user(body, orgs)
    return user if user is not None else full_user(body, orgs)
