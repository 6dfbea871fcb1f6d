"""Payabli request (``UserData``) and fixture models, built once at import.

Payabli's API is .NET: JSON is bound to a typed model before the controller
runs.  We mirror that with a strict pydantic model (a string where an int is
expected fails binding, 3003), unknown keys ignored and property names matched
case-insensitively ([INF] both are .NET JSON binding defaults).  Every UserData
field is nullable in the schema [SEED]; the controller's own rules carry their
responseCode in the error context (``code``) so errors.py can pick it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from ...core import fastmodel
from ...core.openapi import EMAIL_SCHEMA, NOT_BLANK_SCHEMA, requires, schema_context
from ...core.validation import Duration, NotBlank, is_email, parse_object, validate
from ...core.vendor import Secrets

# What a scope item of UserData may name: "The organization type. Currently, this must be `0`"
# [PUB: sdk-python 1.0.19 / sdk-node Orgtype].  A paypoint (orgType 2, the docs' "level")
# scopes only users the fixture holds (made in PartnerHub).
ORG_TYPES = {0: "organization"}
PHONE_MAX = 50  # [PUB] beta reference: phone "<=50 characters"
ADDITIONAL_VALUE_MAX = 100  # [PUB] sdk-python 1.0.19 AdditionalDataMap: "Max length for a value is 100 characters"
Phone = Annotated[str, StringConstraints(max_length=PHONE_MAX)]
AdditionalValue = Annotated[str, StringConstraints(max_length=ADDITIONAL_VALUE_MAX)]
SETTABLE_STATUSES = (0, 1, 85)  # -99 (Deleted) exists but cannot be set: 3006 [PUB]
LANGUAGES = ("en", "es")

# What the journal hides (Vendor.secrets), matched
# case-insensitively as .NET binds them: UserData's ``pwd`` [SEED], ``psw`` of
# PUT /User/authpsw, the OAuth client's ``clientSecret`` and the ``access_token``
# it is answered [PUB: sdk-ruby], and ``mfaValidationCode`` of POST
# /User/auth/{provider} with the ``mfaCode`` POST /User/mfa sends with it [PUB].
# The API token (and a user's token) travel in ``requestToken``.
SECRETS = Secrets(
    fields=frozenset({"pwd", "psw", "clientSecret", "access_token", "mfaValidationCode", "mfaCode"}), headers=frozenset({"requesttoken"})
)
INT32 = (-(1 << 31), (1 << 31) - 1)
INT64 = (-(1 << 63), (1 << 63) - 1)


def rule(code: str, predicate: str, binding: bool = False) -> PydanticCustomError:
    """A failed Payabli rule: ``predicate`` follows the field name ("must be ...")."""
    context: dict[str, Any] = {"code": code}
    if binding:
        context["binding"] = True
    return PydanticCustomError(f"payabli_{code}", predicate, context)


def _bits(bounds: tuple[int, int], label: str) -> AfterValidator:
    def check(value: int) -> int:
        # .NET cannot bind a number outside Int32/Int64: a binding failure (3003).
        if not bounds[0] <= value <= bounds[1]:
            raise rule("3003", f"must be a {label}-bit integer", binding=True)
        return value

    fastmodel.native(check, core_schema.int_schema(ge=bounds[0], le=bounds[1]))
    return AfterValidator(check)


Int32 = Annotated[int, _bits(INT32, "32"), WithJsonSchema({"type": "integer", "format": "int32", "minimum": INT32[0], "maximum": INT32[1]})]
Int64 = Annotated[int, _bits(INT64, "64"), WithJsonSchema({"type": "integer", "format": "int64", "minimum": INT64[0], "maximum": INT64[1]})]


def _email(value: str) -> str:
    if not is_email(value):
        raise PydanticCustomError("format_email", "value is not a valid email address")
    return value


fastmodel.native(_email, fastmodel.EMAIL)
Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email), EMAIL_SCHEMA]

# OpenAPI metadata only (the validators below decide): the values they accept, as JSON Schema.
_ORG_TYPE_SCHEMA = WithJsonSchema({"type": "integer", "enum": sorted(ORG_TYPES)})
_STATUS_SCHEMA = WithJsonSchema({"type": "integer", "enum": list(SETTABLE_STATUSES)})
_TIME_ZONE_SCHEMA = WithJsonSchema({"type": "integer", "minimum": -12, "maximum": 12})


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


def _known_orgs_schema(schema: dict[str, Any]) -> None:
    """ScopeItem's JSON Schema: orgId required and (with the documented vendor's ``orgs``)
    one of the organizations that exist, as _known_org checks (orgType 0 or null: ORG_TYPES)."""
    requires("orgId")(schema)
    orgs: Mapping[tuple[int, int], Any] = schema_context().get("orgs", {})
    ids = sorted(org_id for kind, org_id in orgs if kind in ORG_TYPES)
    if ids:
        schema["properties"]["orgId"]["enum"] = ids


class ScopeItem(Strict):
    """``{orgType, orgId}``: which organization the user belongs to; the organization
    must exist (orgType 0 or null = organization; a paypoint, 2, only in the fixture)."""

    model_config = ConfigDict(json_schema_extra=_known_orgs_schema)

    orgType: Annotated[Int32, _ORG_TYPE_SCHEMA] | None = None  # declared first: orgId's check reads it
    # A null orgId is refused (3003): documented as a required integer.
    orgId: Annotated[Int64 | None, WithJsonSchema({"type": "integer", "format": "int64"})] = Field(default=None, validate_default=True)

    @field_validator("orgType")
    @classmethod
    def _known_type(cls, value: int | None) -> int | None:
        if value is not None and value not in ORG_TYPES:
            raise rule("3003", "must be 0 (organization)")
        return value

    @field_validator("orgId")
    @classmethod
    def _known_org(cls, value: int | None, info: ValidationInfo) -> int | None:
        # [INF] a user can only be scoped to an entity that exists in the fixture.
        if "orgType" not in info.data:
            return value  # orgType already failed: report that alone
        org_type = info.data["orgType"] or 0  # [INF] a null orgType means an organization
        if value is None:
            raise rule("3003", "is required")
        orgs: Mapping[tuple[int, int], Any] = (info.context or {}).get("orgs", {})
        if (org_type, value) not in orgs:
            raise rule("3003", f"{value} is not a known organization")
        return value


def _known_org_rules(context: Mapping[str, Any]) -> list[tuple[list[int | None], core_schema.CoreSchema]]:
    """_known_org natively, for the fast validator (binding.py): given the orgType (null is an
    organization), the orgIds of that type the context's organizations have."""
    orgs: Mapping[tuple[int, int], Any] = context.get("orgs", {})
    by_type = {org_type: sorted(org_id for kind, org_id in orgs if kind == org_type) for org_type in sorted(ORG_TYPES)}
    return [([None, 0] if org_type == 0 else [org_type], core_schema.literal_schema(ids)) for org_type, ids in by_type.items() if ids]


fastmodel.native(ScopeItem._known_type, core_schema.nullable_schema(core_schema.literal_schema(sorted(ORG_TYPES))))
fastmodel.native_given(ScopeItem._known_org, "orgType", _known_org_rules)


class AccessItem(Strict):
    roleLabel: str | None = None
    roleValue: bool | None = None


class MfaData(Strict):
    mfa: bool | None = None
    mfaMode: Int32 | None = None


# [SEED] the create-user page's request example.
_USER_EXAMPLE: dict[str, Any] = {
    "email": "example@email.com", "phone": "5555555555", "name": "Sean Smith", "pwd": "s3cret!",
    "scope": [{"orgType": 0, "orgId": 123}], "access": [{"roleLabel": "customers", "roleValue": True}],
    "usrStatus": 1, "timeZone": -5, "language": "en", "mfaData": {"mfa": True, "mfaMode": 0},
    "additionalData": {"key1": "value1"},
}


class UserData(Strict):
    """UserData, in the schema's field order (which decides the responseCode).  Property
    names bind case-insensitively; unknown ones are ignored.  As PUT /User/{userId}
    binds it: a missing or null scope keeps the stored one (``CreateUser`` requires it)."""

    # [INF] no published PUT example: the create example's fields but the login e-mail
    # (unique) and the password.
    model_config = ConfigDict(json_schema_extra={"examples": [{k: v for k, v in _USER_EXAMPLE.items() if k not in ("email", "pwd")}]})

    email: Email | None = None
    phone: Phone | None = None
    name: str | None = None
    pwd: str | None = None
    scope: list[ScopeItem] | None = Field(
        default=None, validate_default=True, json_schema_extra={"minItems": 1},
        description="Required when creating (3201 when missing, null or empty); on PUT a missing or null scope keeps the stored one.",
    )
    access: list[AccessItem] | None = None
    usrStatus: Annotated[Int32, _STATUS_SCHEMA] | None = None
    timeZone: Annotated[Int32, _TIME_ZONE_SCHEMA] | None = None
    language: Literal["en", "es"] | None = None
    mfaData: MfaData | None = None
    additionalData: dict[str, AdditionalValue | None] | None = None

    @field_validator("scope")
    @classmethod
    def _scope_present(cls, value: list[ScopeItem] | None, info: ValidationInfo) -> list[ScopeItem] | None:
        # Empty scope is 3201 [PUB]; [INF] so is a missing/null one on create: a
        # user must belong to an org.  An edit (partial) keeps the stored scope.
        if value is None:
            if (info.context or {}).get("partial"):
                return None
            raise rule("3201", "is required")
        if not value:
            raise rule("3201", "is empty")
        return value

    @field_validator("usrStatus")
    @classmethod
    def _settable_status(cls, value: int | None) -> int | None:
        if value is not None and value not in SETTABLE_STATUSES:
            raise rule("3006", "must be 0, 1 or 85")
        return value

    @field_validator("timeZone")
    @classmethod
    def _offset(cls, value: int | None) -> int | None:
        if value is not None and not -12 <= value <= 12:
            raise rule("3004", "must be between -12 and +12")
        return value


# Natively (binding.py): a scope present and not empty (what _scope_present accepts in any
# context), a settable status, an offset in range.
fastmodel.native(UserData._scope_present, core_schema.list_schema(min_length=1))
fastmodel.native(UserData._settable_status, core_schema.nullable_schema(core_schema.literal_schema(list(SETTABLE_STATUSES))))
fastmodel.native(UserData._offset, core_schema.nullable_schema(core_schema.int_schema(ge=-12, le=12)))


def _create_schema(schema: dict[str, Any]) -> None:
    requires("scope")(schema)  # 3201 when missing or null on create (_scope_present)
    schema["examples"] = [_USER_EXAMPLE]


class CreateUser(UserData):
    """UserData as POST /User binds it: the same fields and rules, scope required."""

    model_config = ConfigDict(json_schema_extra=_create_schema)


# .NET binds JSON property names case-insensitively: map any casing to ours.
def _names(model: type[BaseModel]) -> dict[str, str]:
    return {name.lower(): name for name in model.model_fields}


_TOP = _names(CreateUser)
_NESTED_LISTS = {"scope": _names(ScopeItem), "access": _names(AccessItem)}
_MFA = _names(MfaData)


def _recase(data: dict[str, Any], names: dict[str, str], exact: frozenset[str]) -> dict[str, Any]:
    if data.keys() <= exact:
        return data  # the common case: already our casing, no copy
    return {names.get(key.lower(), key): value for key, value in data.items()}


_TOP_EXACT = frozenset(_TOP.values())
_NESTED_EXACT = {key: (names, frozenset(names.values())) for key, names in _NESTED_LISTS.items()}
_MFA_EXACT = frozenset(_MFA.values())


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    data = _recase(data, _TOP, _TOP_EXACT)
    for key, (names, exact) in _NESTED_EXACT.items():
        items = data.get(key)
        if isinstance(items, list):
            data[key] = [_recase(item, names, exact) if isinstance(item, dict) else item for item in items]
    mfa = data.get("mfaData")
    if isinstance(mfa, dict):
        data["mfaData"] = _recase(mfa, _MFA, _MFA_EXACT)
    return data


def bind_user(data: dict[str, Any], orgs: Mapping[tuple[int, int], Any], partial: bool = False) -> UserData:
    """Bind a decoded UserData object (any key casing); see ``parse_user``."""
    model = UserData if partial else CreateUser
    return validate(model, normalise(data), {"orgs": orgs, "partial": partial})


def parse_user(body: bytes, orgs: Mapping[tuple[int, int], Any], partial: bool = False) -> UserData:
    """Decode and bind a UserData body; every failing field becomes a FieldError.

    ``partial`` (PUT /User/{userId}): the same rules, except that a missing or
    null scope means "keep the stored one" [INF].
    """
    return bind_user(parse_object(body), orgs, partial)


class TokenRequest(Strict):
    """``CreateServerSideTokenRequest`` [PUB: sdk-ruby token/types]: camelCase in, snake_case out."""

    clientId: Annotated[NotBlank, NOT_BLANK_SCHEMA]
    clientSecret: Annotated[NotBlank, NOT_BLANK_SCHEMA]
    state: str | None = None
    permissions: list[str] | None = None


_TOKEN = _names(TokenRequest)
_TOKEN_EXACT = frozenset(_TOKEN.values())


def parse_token_request(body: bytes) -> TokenRequest:
    """Decode and bind the token request; raises the core's Problems (the
    handler turns them into TokenErrorResponse bodies)."""
    return validate(TokenRequest, _recase(parse_object(body), _TOKEN, _TOKEN_EXACT))


# Path parameters (OpenAPI document only): routes._int64 binds a 64-bit integer (3003 otherwise).
INT64_SCHEMA: dict[str, Any] = {"type": "integer", "format": "int64", "minimum": INT64[0], "maximum": INT64[1]}


def path_schema(**params: dict[str, Any]) -> dict[str, Any]:
    """Route.params: each named path parameter's JSON Schema."""
    return {"type": "object", "properties": params}


def query_users_schema(page_size: int) -> dict[str, Any]:
    """The /Query/users/... query parameters as JSON Schema (OpenAPI document only),
    from the paging rules and the filter tables of query.py."""
    from .query import _ORDER_OPS, _SET_OPS, _SORT_FIELDS, _TEXT_FIELDS, _TEXT_OPS

    bound = 10**18 - 1  # query._INT: at most 18 digits
    properties: dict[str, Any] = {
        "fromRecord": {"type": "integer", "minimum": 0, "maximum": bound, "default": 0, "description": "Records to skip."},
        "limitRecord": {
            "type": "integer", "minimum": -bound, "maximum": bound, "default": page_size,
            "description": "Records per page; 0 or negative: every record.",
        },
        "sortBy": {
            "type": "string",
            "description": "asc(field) or desc(field), field one of " + ", ".join(sorted(_SORT_FIELDS)) + "; anything else keeps the default order.",
        },
    }
    for field in sorted(_TEXT_FIELDS):
        for op in sorted(_TEXT_OPS):
            properties[f"{field}({op})"] = {"type": "string", "description": f"Filter: {field} {op} (case-insensitive)."}
    number = "[+-]?[0-9]{1,18}"  # query._INT
    for op in sorted(_SET_OPS):
        if op in ("in", "nin"):
            properties[f"status({op})"] = {
                "type": "string", "pattern": f"^{number}(\\|{number})*$", "description": f"Filter: status {op}, values split by |.",
            }
        else:
            properties[f"status({op})"] = {"type": "integer", "minimum": -bound, "maximum": bound, "description": f"Filter: status {op}."}
    # query._instant: what datetime.fromisoformat reads (Z allowed), else 3003.
    instant = [{"format": "date"}, {"format": "date-time"}]
    for op in sorted(_ORDER_OPS):
        properties[f"createdDate({op})"] = {
            "type": "string", "anyOf": instant, "description": f"Filter: createdDate {op}, a date (2024-01-31) or an instant.",
        }
    for field in ("role.roleLabel", "role.roleValue"):
        for op in sorted(_TEXT_OPS):
            properties[f"{field}({op})"] = {"type": "string", "description": f"Filter: {field} {op}."}
    return {"type": "object", "properties": properties}


# ---------------------------------------------------------------- fixtures
class Fixed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiToken(Fixed):
    """A ``requestToken`` value (PartnerHub > Developers > API Tokens)."""

    token: str = Field(min_length=1, pattern=r"^\S+$")
    name: str
    kind: Literal["organization", "application"] = "organization"  # both may call /User [INF]
    expiresIn: Duration | None = None  # None: never; counted from start-up / reset


class OAuthClient(Fixed):
    """OAuth2 client credentials for POST /v2/Token/serverside (Payabli Portal)."""

    clientId: str = Field(min_length=1, pattern=r"^\S+$")
    clientSecret: str = Field(min_length=1)
    name: str
    orgId: int  # the organization the credential belongs to (carried in the token)
    tokenLifetime: Duration | None = None  # None: settings.accessTokenLifetime
    permissions: list[str] | None = None  # None: every permission; else `permissions` must be a subset


class Organization(Fixed):
    orgId: int
    orgType: Literal[0, 2] = 0
    name: str
    entry: str  # the entrypoint name, e.g. "pilgrim-planner"
    parentId: int | None = None


class ScopeRef(Fixed):
    orgType: Literal[0, 2] = 0
    orgId: int


class RoleRef(Fixed):
    roleLabel: str
    roleValue: bool = True


class ExistingUser(Fixed):
    userId: int = Field(ge=1)
    name: str
    email: str | None = None
    phone: str | None = None
    usrStatus: Literal[0, 1, 85, -99] = 1  # -99 (Deleted) is fine for a seeded record
    scope: list[ScopeRef] = Field(min_length=1)
    access: list[RoleRef] = []
    timeZone: int = Field(default=0, ge=-12, le=12)
    language: Literal["en", "es"] = "en"
    mfa: bool = False
    mfaMode: int = 0
    additionalData: dict[str, str | None] | None = None
    createdAt: datetime | None = None  # None: the clock at start-up
    lastAccess: datetime | None = None  # last PartnerHub login; None: never
    pwd: str | None = None  # what POST /User/auth/{provider} checks (kept as a digest); None: cannot log in


class Settings(Fixed):
    firstUserId: int = Field(default=1000000, ge=1)  # userIds in Payabli's examples start at 1000000
    defaultUsrStatus: Literal[0, 1, 85] = 1  # [INF] status of a user created with usrStatus null
    requireJsonContentType: bool = True  # [INF] ASP.NET answers 415 to a non-JSON body
    accessTokenLifetime: Duration = timedelta(seconds=3600)  # expires_in of OAuth tokens [PUB example: 3600]
    queryPageSize: int = Field(default=20, ge=1)  # limitRecord default [PUB]
    # User logins (user_auth.py), on the virtual clock [INF]: a user token lives userSessionLifetime
    # ("remaining" 120 minutes in the published example) unless unused for userSessionIdle
    # (its "inactiveTokenTime", in minutes).
    userSessionLifetime: Duration = timedelta(hours=2)
    userSessionIdle: Duration = timedelta(minutes=30)
    # The MFA code a user "receives" (no e-mail or SMS leaves the sandbox) [INF]; it is valid
    # mfaCodeLifetime after the login or resend that asked for it, for mfaAttempts tries.
    mfaCode: str = Field(default="123456", min_length=1)
    mfaCodeLifetime: Duration = timedelta(minutes=5)
    mfaAttempts: int = Field(default=3, ge=1)


class Fixture(Fixed):
    tokens: list[ApiToken] = Field(min_length=1)
    clients: list[OAuthClient] = []
    organizations: list[Organization] = Field(min_length=1)
    users: list[ExistingUser] = []
    generatedUsers: int = Field(default=0, ge=0, le=10000)
    settings: Settings = Settings()

    @model_validator(mode="after")
    def _consistent(self) -> Fixture:
        orgs = {(o.orgType, o.orgId) for o in self.organizations}
        if len(orgs) != len(self.organizations):
            raise ValueError("organizations: the same (orgType, orgId) is listed twice")
        if len({t.token for t in self.tokens}) != len(self.tokens):
            raise ValueError("tokens: the same token is listed twice")
        if len({c.clientId for c in self.clients}) != len(self.clients):
            raise ValueError("clients: the same clientId is listed twice")
        for client in self.clients:
            if client.orgId not in {o.orgId for o in self.organizations}:
                raise ValueError(f"client {client.clientId}: orgId {client.orgId} is not in organizations")
        ids, emails = set(), set()
        for user in self.users:
            for ref in user.scope:
                if (ref.orgType, ref.orgId) not in orgs:
                    raise ValueError(f"user {user.userId}: scope orgId {ref.orgId} (orgType {ref.orgType}) is not in organizations")
            if user.userId in ids:
                raise ValueError(f"user {user.userId}: userId listed twice")
            ids.add(user.userId)
            if user.email:
                if user.email.lower() in emails:
                    raise ValueError(f"user {user.userId}: email {user.email} listed twice")
                emails.add(user.email.lower())
        return self

