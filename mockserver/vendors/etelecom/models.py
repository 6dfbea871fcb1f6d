"""eTelecom request and fixture models (built once at import)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from ...core.openapi import NOT_BLANK_PATTERN
from ...core.vendor import Secrets
from .godecode import Slice, Struct
from .paging import CURSOR_PATTERN, SORTS
from .rules import PHONE_PATTERN, ROLE_RANK, normalize_phone

# The Go request struct the decoder fills, and each key's Go type (for
# "cannot unmarshal ... of type X" causes).  [INF] package/type names.
GO_REQUEST_TYPE = "shop.CreateAccountUserRequest"
GO_FIELDS: dict[str, str] = {
    "full_name": "string",
    "password": "string",
    "phone": "string",
    "roles": "[]shop_user_role.UserRole",
    "department_id": "dot.ID",
}
GO_ROLE_TYPE = "shop_user_role.UserRole"
# What CreateAccountUser requires [PUB: CreateAccountUserRequest.Validate, then
# NormalizePhone]: full_name, password and roles not empty (no trimming), a valid phone.
CREATE_REQUIRED: tuple[str, ...] = ("full_name", "password", "phone", "roles")

# What the journal hides (Vendor.secrets): the
# ``password`` of CreateAccountUser and UpdateAccountUser [SEED, PUB], matched
# case-insensitively as Go's decoder folds keys.  The shop API key is a Bearer
# credential: core's Authorization.
SECRETS = Secrets(fields=frozenset({"password"}))

# The account-user RPCs' request structs, for godecode.  [PUB] field names and
# kinds (vendor-apis.md §5, eTop account_user service); [INF] Go type names.
_ROLES = Slice("role")
PAGING = Struct("common.CursorPaging", {"after": "string", "before": "string", "limit": "int", "sort": "string"})
# [PUB: eTop FilterGetAccountUsersRequest] exact_roles, has_department and department_id too.
ACCOUNT_USERS_FILTER = Struct(
    "shop.FilterGetAccountUsersRequest",
    {
        "extension_number": "string", "has_extension": "nullbool", "name": "string", "phone": "string",
        "user_ids": Slice("id"), "roles": _ROLES, "exact_roles": _ROLES, "has_department": "nullbool", "department_id": "id",
    },
)
GET_ACCOUNT_USERS = Struct("shop.GetAccountUsersRequest", {"filter": ACCOUNT_USERS_FILTER, "paging": PAGING})
UPDATE_ACCOUNT_USER = Struct(
    "shop.UpdateAccountUserRequest",
    {"user_id": "id", "password": "string", "roles": _ROLES, "full_name": "string", "department_id": "id"},
)
DELETE_ACCOUNT_USER = Struct("shop.DeleteAccountUserRequest", {"user_id": "id"})


# ---------------------------------------------------------------- OpenAPI
# The Go request types above as JSON Schema, for the generated OpenAPI document:
# the schema of each Go kind is what the decoder (gojson/godecode) accepts for it.
# Go leaves an absent or null key at its zero value, so every property may be
# null unless the service itself requires it (then it must also be non-blank).
_INT64_RANGE = (-(2**63), 2**63 - 1)
_INT64 = {"type": "integer", "format": "int64", "minimum": _INT64_RANGE[0], "maximum": _INT64_RANGE[1]}
_ROLES_ENUM = [role for role in ROLE_RANK if role != "unknown"]  # rules.ASSIGNABLE_ROLES, in enum order
# dot.ID: a JSON integer or a numeric string ("" is the zero id) - what godecode.parse_id reads


def _at_most(bound: str) -> str:
    """Regex: digit strings as long as ``bound`` and not above it."""
    options = [f"{bound[:i]}[0-{int(d) - 1}][0-9]{{{len(bound) - i - 1}}}" for i, d in enumerate(bound) if d != "0"]
    return "(?:" + "|".join([*options, bound]) + ")"


def _id_text(nonzero: bool) -> str:
    """godecode.parse_id's strings: strconv.ParseInt's int64 text (sign, leading zeros), or ""
    (the zero id); ``nonzero``: what _target takes, no zero in any spelling."""
    first = "(?=[1-9])" if nonzero else ""
    short = "[1-9][0-9]{0,17}" if nonzero else "[0-9]{1,18}"
    plus, minus = (f"0*(?:{short}|{first}{_at_most(str(abs(bound)))})" for bound in (_INT64_RANGE[1], _INT64_RANGE[0]))
    return f"^(?:\\+?{plus}|-{minus})$" if nonzero else f"^(?:\\+?{plus}|-{minus})?$"


_GO_KINDS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "bool": {"type": "boolean"},
    "nullbool": {"type": "boolean"},
    "int": _INT64,
    # dot.ID: a JSON integer or a numeric string ("" is the zero id)
    "id": {"anyOf": [_INT64, {"type": "string", "pattern": _id_text(nonzero=False)}]},
    "role": {"type": "string", "enum": _ROLES_ENUM},
    GO_ROLE_TYPE: {"type": "string", "enum": _ROLES_ENUM},
}
_GO_KINDS["dot.ID"] = _GO_KINDS["id"]
# A required id is also not the zero id (_target: "user_id không được để trống").
_NONZERO_ID = {"anyOf": [{**_INT64, "not": {"const": 0}}, {"type": "string", "pattern": _id_text(nonzero=True)}]}
# The services' own rules on a field, by Go struct and field (what the decoder lets through).
_FIELD_RULES: dict[str, dict[str, dict[str, Any]]] = {
    GO_REQUEST_TYPE: {
        "phone": {"pattern": PHONE_PATTERN, "description": "A phone validate.NormalizePhone accepts (9-11 digits after +84/0)."},
        # Validate() compares with "" and len(): no trimming, so one space passes.
        "full_name": {"minLength": 1},
        "password": {"minLength": 1},
        "roles": {"minItems": 1},
        "department_id": {"description": "A department of the shop; 0, \"\" or absent: none."},
    },
    "shop.UpdateAccountUserRequest": {"department_id": {"description": "A department of the shop; 0, \"\" or absent: unchanged."}},
    "shop.FilterGetAccountUsersRequest": {
        "roles": {"description": "Members holding all of these roles (and maybe others)."},
        "exact_roles": {"description": "Members holding exactly these roles."},
        "department_id": {"description": "Members of this department; 0, \"\" or absent: any."},
    },
    "common.CursorPaging": {
        "limit": {"minimum": 0, "description": "0 or above 100: 100."},
        "sort": {"pattern": SORTS, "description": "created_at or updated_at, - for descending; default -created_at."},
        "after": {"pattern": CURSOR_PATTERN, "description": "\".\" or a next cursor of an earlier page with the same sort."},
        "before": {"pattern": CURSOR_PATTERN, "description": "A prev cursor of an earlier page with the same sort."},
    },
}
# paging.paginate: after and before together are "paging is invalid".
_STRUCT_RULES: dict[str, dict[str, Any]] = {
    "common.CursorPaging": {
        "not": {"required": ["after", "before"], "properties": {"after": {"minLength": 1}, "before": {"minLength": 1}}},
    },
}


def _go_schema(go_type: str | Struct | Slice) -> dict[str, Any]:
    if isinstance(go_type, Struct):
        return _go_object(go_type.fields, name=go_type.name)
    if isinstance(go_type, Slice):  # godecode drops null elements (Go leaves them at the zero value)
        return {"type": "array", "items": {"anyOf": [_go_schema(go_type.elem), {"type": "null"}]}}
    if go_type.startswith("[]"):  # CreateAccountUser's roles: a null element is the role "unknown", taken
        return {"type": "array", "items": {"anyOf": [_go_schema(go_type[2:]), {"type": "null"}]}}
    return dict(_GO_KINDS[go_type])


def _go_object(fields: Mapping[str, Any], required: tuple[str, ...] = (), name: str = "") -> dict[str, Any]:
    rules = _FIELD_RULES.get(name, {})
    properties: dict[str, Any] = {}
    for field, go_type in fields.items():
        schema = {**_go_schema(go_type), **rules.get(field, {})}
        if field in required:
            if go_type == "id":
                schema = dict(_NONZERO_ID)
            elif schema.get("type") == "string" and "pattern" not in schema and "minLength" not in schema:
                schema["pattern"] = NOT_BLANK_PATTERN  # blank after trimming is "không được để trống"
        else:
            description = schema.pop("description", None)
            schema = {"anyOf": [schema, {"type": "null"}]}
            if description:
                schema["description"] = description
        properties[field] = schema
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    out.update(_STRUCT_RULES.get(name, {}))
    return out


def json_schema(
    title: str, fields: Struct | Mapping[str, Any], required: tuple[str, ...] = (), examples: tuple[Mapping[str, Any], ...] = (),
) -> dict[str, Any]:
    """A Go request struct (a godecode Struct, or GO_FIELDS' name -> Go type map) as JSON Schema."""
    schema: dict[str, Any] = {
        "title": title,
        "description": "Decoded like Go's encoding/json: keys match case-insensitively, unknown keys are ignored, null is the zero value.",
    }
    name = fields.name if isinstance(fields, Struct) else GO_REQUEST_TYPE
    schema.update(_go_object(fields.fields if isinstance(fields, Struct) else fields, required, name))
    if examples:
        schema["examples"] = [dict(example) for example in examples]
    return schema


def or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A request body that may also be JSON ``null`` (the zero struct: a valid request, when
    nothing is required).  Said as "the named object, or null" (``$defs`` become components):
    openapi-python-client loses a component typed ["object", "null"], and its request model."""
    title = schema["title"]
    return {"title": f"{title}Body", "anyOf": [{"$ref": f"#/$defs/{title}"}, {"type": "null"}], "$defs": {title: schema}}


def _with_departments(schema: dict[str, Any], departments: Iterable[int]) -> dict[str, Any]:
    """``schema`` whose ``department_id`` is one of ``departments`` (the fixture's, as an int64
    or its decimal string) or the zero id (0, "0", ""): what the server takes without a not_found."""
    ids = sorted(departments)
    field = schema["properties"]["department_id"]
    choices = [{**_INT64, "enum": [0, *ids]}, {"type": "string", "enum": ["", "0", *map(str, ids)]}, {"type": "null"}]
    properties = {**schema["properties"], "department_id": {**field, "anyOf": choices}}
    return {**schema, "properties": properties}


def create_account_user_schema(departments: Iterable[int]) -> dict[str, Any]:
    """CreateAccountUser's body, its department_id one of ``departments`` (the shops')."""
    return _with_departments(json_schema(
        "CreateAccountUserRequest", GO_FIELDS, CREATE_REQUIRED,
        # [SEED] the request example, with the roles the service requires [PUB]
        ({"full_name": "Nguyễn Thị Mai", "password": "MatKhau@2025", "phone": "+84 901 234 567", "roles": ["telecom_customerservice"]},),
    ), departments)


def update_account_user_schema(departments: Iterable[int]) -> dict[str, Any]:
    """UpdateAccountUser's body, its department_id one of ``departments`` (the shops')."""
    return _with_departments(json_schema("UpdateAccountUserRequest", UPDATE_ACCOUNT_USER, ("user_id",)), departments)


GET_ACCOUNT_USERS_SCHEMA = or_null(json_schema("GetAccountUsersRequest", GET_ACCOUNT_USERS))
DELETE_ACCOUNT_USER_SCHEMA = json_schema("DeleteAccountUserRequest", DELETE_ACCOUNT_USER, ("user_id",))


class CreateAccountUser(BaseModel):
    """The decode step only: JSON types as Go's struct demands them.

    Everything is optional here because Go leaves absent keys at their zero
    value; "required" is the service's own Validate(), checked afterwards so
    it can answer invalid_argument instead of malformed.
    """

    model_config = ConfigDict(strict=True, extra="ignore")

    full_name: str | None = None
    password: str | None = None
    phone: str | None = None
    # Their elements and the id have UnmarshalJSON of their own (godecode.decode_role,
    # parse_id), run by create_request in document order: any JSON value here.
    roles: list[Any] | None = None
    department_id: Any = None


# ---------------------------------------------------------------- fixtures
Role = Literal[
    "owner", "staff_management", "telecom_customerservice", "inventory_management",
    "purchasing_management", "accountant", "analyst", "salesman", "telecom_customerservice_management", "m_admin",
]
Source = Literal[
    "unknown", "psx", "etop", "topship", "ts_app_android", "ts_app_ios", "ts_app_web",
    "partner", "etop_app_ios", "etop_app_android",
]
Int64Id = Field(ge=10**18, lt=2**63)  # 19-digit int64 ids, like the service's
_EPOCH = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)  # [INF] default fixture instant


def _phone(value: str) -> str:
    normalised, ok = normalize_phone(value)
    if not ok:
        raise ValueError(f"{value!r} is not a phone NormalizePhone accepts (10-12 digits)")
    return normalised


class IdentityUser(BaseModel):
    """An eTelecom account (identity user); one person, any number of shops."""

    model_config = ConfigDict(extra="forbid")

    id: int = Int64Id
    full_name: str = Field(min_length=1)
    phone: str
    email: str = ""
    password: str = "Fixture@123"
    short_name: str | None = None  # default: the last word of full_name
    source: Source = "unknown"
    is_blocked: bool = False
    block_reason: str = ""
    blocked_at: AwareDatetime | None = None
    ref_aff: str = ""
    ref_sale: str = ""
    created_at: AwareDatetime = _EPOCH
    phone_verified_at: AwareDatetime | None = None

    _norm_phone = field_validator("phone")(_phone)


def _owner_only() -> list[Role]:
    return ["owner"]


class ApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # [INF] shape seen in public client code: "<19 digits>:<32 alphanumerics>"
    key: str = Field(pattern=r"^[0-9]{19}:[A-Za-z0-9]{32}$")
    roles: list[Role] = Field(default_factory=_owner_only, min_length=1)
    # A key the shop has revoked in the web app: still known, always refused
    # with `unauthenticated` (the session layer does not say why) [INF].
    revoked: bool = False


class Member(BaseModel):
    """A staff membership (account user) of an identity user in a shop.

    Name, phone and email are the identity user's: GetAccountUsers reads them
    from there [PUB]; these are the membership's own columns.
    """

    model_config = ConfigDict(extra="forbid")

    user_id: int
    roles: list[Role] = []
    permissions: list[str] = []
    position: str = ""
    department_id: int | None = Field(default=None, ge=1, lt=2**63)
    # A PBX extension assigned to the member (filters extension_number / has_extension).
    extension_number: str | None = Field(default=None, pattern=r"^[0-9]{2,8}$")


class Department(BaseModel):
    """A department of a shop [PUB: eTop department service]; members may belong to one."""

    model_config = ConfigDict(extra="forbid")

    id: int = Int64Id
    name: str = Field(min_length=1)
    description: str = ""


class Shop(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int = Int64Id
    name: str
    owner_id: int
    api_keys: list[ApiKey] = Field(min_length=1)
    departments: list[Department] = []
    members: list[Member] = []


class Fixture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[IdentityUser] = Field(min_length=1)
    shops: list[Shop] = Field(min_length=1)
    # Extra staff (telecom_customerservice) of the first shop, made from the faker pools.
    generatedUsers: int = Field(default=0, ge=0, le=10000)

    @model_validator(mode="after")
    def _consistent(self) -> Fixture:
        ids = [u.id for u in self.users]
        if len(set(ids)) != len(ids):
            raise ValueError("users: duplicate id")
        phones = [u.phone for u in self.users]
        if len(set(phones)) != len(phones):
            raise ValueError("users: two users share a phone (after NormalizePhone)")
        emails = [u.email.lower() for u in self.users if u.email]
        if len(set(emails)) != len(emails):
            raise ValueError("users: two users share an email")
        known = set(ids)
        keys: set[str] = set()
        for shop in self.shops:
            if shop.owner_id not in known:
                raise ValueError(f"shop {shop.id}: owner_id {shop.owner_id} is not in users")
            for member in shop.members:
                if member.user_id not in known:
                    raise ValueError(f"shop {shop.id}: member {member.user_id} is not in users")
                if member.user_id == shop.owner_id:
                    raise ValueError(f"shop {shop.id}: the owner is a member already")
                if "owner" in member.roles:
                    raise ValueError(f"shop {shop.id}: member {member.user_id} cannot have the owner role")
                if member.department_id is not None and member.department_id not in {d.id for d in shop.departments}:
                    raise ValueError(f"shop {shop.id}: member {member.user_id}'s department_id is not one of the shop's departments")
            for api_key in shop.api_keys:
                if api_key.key in keys:
                    raise ValueError(f"shop {shop.id}: api key used twice")
                keys.add(api_key.key)
        if len({s.id for s in self.shops}) != len(self.shops):
            raise ValueError("shops: duplicate id")
        if all(k.revoked for s in self.shops for k in s.api_keys):
            raise ValueError("every api key is revoked: /__admin/vendors needs a live one")
        return self

