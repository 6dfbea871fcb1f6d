"""VaultsPay request and fixture models (built once at import)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from ...core import fastmodel, validation
from ...core.errors import MalformedBody
from ...core.openapi import EMAIL_SCHEMA, NOT_BLANK_SCHEMA, given, requires
from ...core.validation import EMAIL_PATTERN, Duration, NotBlank, is_email, parse_object
from ...core.vendor import Secrets

M = TypeVar("M", bound=BaseModel)

STATUSES = ("ACTIVE", "PENDING", "BLOCK")

# What the journal hides (Vendor.secrets): saas-login's
# clientSecret, the tokens it answers and saas-refresh-token takes [PUB], and a
# ``password`` a client may send to create-user (unknown keys are ignored, so it
# would be kept as sent).  x-auth-signature carries the RSA-wrapped AES key of
# production's body encryption [PUB]; the Bearer token is core's Authorization.
SECRETS = Secrets(fields=frozenset({"clientSecret", "accessToken", "refreshToken", "password"}), headers=frozenset({"x-auth-signature"}))
Status = Literal["ACTIVE", "PENDING", "BLOCK"]


def _digits(kind: str, low: int, high: int) -> Callable[[str | None], str | None]:
    def check(value: str | None) -> str | None:
        if value is None:
            return value
        if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
            raise PydanticCustomError("format_" + kind, f"must be a valid {kind}")
        return value

    # The same rule natively: ASCII digits only (Rust's "$" is the very end: no final newline).
    fastmodel.native(check, core_schema.nullable_schema(core_schema.str_schema(pattern=f"^[0-9]{{{low},{high}}}$")))
    return check


def _jackson_text(value: object) -> object:
    """Jackson's default scalar coercion for a ``String`` field: a JSON number or boolean
    becomes its text (``3001234567`` -> ``"3001234567"``, ``true`` -> ``"true"``)
    [INF: Jackson 2.x, ALLOW_COERCION_OF_SCALARS on by default].  Jackson writes the
    number's literal as sent; the decoded value's shortest form is what is left of it
    here (``1e3`` reads as ``"1000.0"``) [INF].  Objects and arrays stay refused."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _email_or_empty(value: str) -> str:
    """Bean Validation's @Email: an empty string passes (Hibernate's EmailValidator takes
    null or "" as valid), and is then no email at all, like a null (routes.create_user).
    The OpenAPI document shows an address only: what a client should send."""
    if value and not is_email(value):
        raise PydanticCustomError("format_email", "value is not a valid email address")
    return value


# The same rule natively: core's address pattern (Rust regex), or nothing at all.
fastmodel.native(_email_or_empty, core_schema.str_schema(max_length=320, pattern=f"^$|{EMAIL_PATTERN.pattern}"))


# Strings pass unchanged, and the fast path's strict ``str`` refuses what only this
# would coerce (a number): such a body takes the model's path.
fastmodel.skip(_jackson_text)
JACKSON_TEXT = BeforeValidator(_jackson_text)
# A Java ``String`` field (the schema still documents a string: what a client should send).
Text = Annotated[str, JACKSON_TEXT]


# OpenAPI metadata only (validation is the validators'): what they accept, as JSON Schema.
_COUNTRY_CODE_SCHEMA = WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,4}$"})
_PHONE_SCHEMA = WithJsonSchema({"type": "string", "pattern": "^[0-9]{6,14}$"})
# [SEED] the Create-User page's request example.
_CREATE_USER_EXAMPLE: JsonDict = {
    "firstName": "khalid", "lastName": "raza", "email": "khalidraza@gmail.com",
    "countryCode": "92", "phone": "3329465636", "status": "ACTIVE",
}


# routes._contact_rule as JSON Schema: countryCode and phone together, or an email
# and no phone without its countryCode (countryCode is "required only when creating
# by phone" [SEED]: beside an email it may come alone).  A null counts as absent; a
# documented value is never empty (the email's format, the patterns); anything else is
# "must not be blank" on the missing one.
CONTACT_RULE: dict[str, Any] = {
    "anyOf": [
        given("countryCode", "phone"),
        {"allOf": [given("email"), {"not": given("phone")}]},
    ],
}


class CreateUser(BaseModel):
    """POST /as/api/v1/users.  Java backend: strict JSON types, unknown keys ignored.
    Either ``email`` or ``countryCode`` with ``phone`` is required."""

    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra={"examples": [_CREATE_USER_EXAMPLE], **CONTACT_RULE})

    parentId: object | None = Field(default=None, description="Ignored: the caller's agent id is used.")
    firstName: Annotated[NotBlank, JACKSON_TEXT, NOT_BLANK_SCHEMA]
    lastName: Annotated[NotBlank, JACKSON_TEXT, NOT_BLANK_SCHEMA]
    email: Annotated[str, AfterValidator(_email_or_empty), JACKSON_TEXT, EMAIL_SCHEMA] | None = None
    countryCode: Annotated[str, JACKSON_TEXT, _COUNTRY_CODE_SCHEMA] | None = None
    phone: Annotated[str, JACKSON_TEXT, _PHONE_SCHEMA] | None = None
    status: Status

    _country = field_validator("countryCode")(_digits("country code", 1, 4))
    _phone = field_validator("phone")(_digits("phone number", 6, 14))


# CreateUser's fast validator, derived from it at import (core.fastmodel): a plain dict,
# no model instance, every check native.
FAST_CREATE = fastmodel.derive(CreateUser, defaults=False)

# [INF] VaultsPay runs Spring on Jackson >= 2.15, whose StreamReadConstraints refuse a document
# nested deeper than 1000 levels ("Document nesting depth (1001) exceeds the maximum allowed
# (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"); Spring reports that as an
# unreadable body, so it is answered as any malformed body (INVALID_PAYLOAD, "malformed JSON
# request body").  orjson alone would accept up to 1024 levels.
JACKSON_MAX_DEPTH = 1000


def parse_body(body: bytes) -> dict[str, Any]:
    """core ``parse_object``, with Jackson's nesting limit."""
    data = parse_object(body)
    # Each level of nesting opens (and closes) a bracket: an ordinary body has far fewer than
    # the limit, and only a body with more is walked (iteratively).
    if (len(body) > 2 * JACKSON_MAX_DEPTH and body.count(b"[") + body.count(b"{") > JACKSON_MAX_DEPTH
            and _deeper_than(data, JACKSON_MAX_DEPTH)):
        raise MalformedBody(
            f"Document nesting depth ({JACKSON_MAX_DEPTH + 1}) exceeds the maximum allowed "
            f"({JACKSON_MAX_DEPTH}, from `StreamReadConstraints.getMaxNestingDepth()`)"
        )
    return data


def _deeper_than(value: Any, limit: int) -> bool:
    work = [(value, 1)]
    while work:
        node, depth = work.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        work.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse(model: type[M], body: bytes) -> M:
    """core ``validation.parse``, with Jackson's nesting limit."""
    return validation.validate(model, parse_body(body))


def parse_create(body: bytes) -> dict[str, Any]:
    """POST /as/api/v1/users: the body's CreateUser fields as a dict, absent ones absent
    (``model_dump(exclude_unset=True)``).  What the fast validator refuses goes through
    CreateUser itself (core ``validate``), so every error - and which fields it names - is
    the model's own."""
    return FAST_CREATE.fields(parse_body(body))


class SaasLogin(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    clientId: Annotated[NotBlank, JACKSON_TEXT, NOT_BLANK_SCHEMA]
    clientSecret: Annotated[NotBlank, JACKSON_TEXT, NOT_BLANK_SCHEMA]


class RefreshToken(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    refreshToken: Annotated[NotBlank, JACKSON_TEXT, NOT_BLANK_SCHEMA]


# ---------------------------------------------------------------- KYC
Gender = Literal["MALE", "FEMALE", "OTHER"]
# [INF] the docs list "SINGLE | MARRIED | DIVORCED | …"; WIDOWED completes the usual set.
MaritalStatus = Literal["SINGLE", "MARRIED", "DIVORCED", "WIDOWED"]
KycStatus = Literal["PENDING", "VERIFIED", "REJECTED"]

_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_YMD = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _alpha3(value: str) -> str:
    # [INF] shape check only (3 upper-case letters), not a lookup in the ISO list.
    if not _ALPHA3.match(value):
        raise PydanticCustomError("format_country", "must be a valid ISO 3166-1 alpha-3 country code")
    return value


def _dob(value: str, info: ValidationInfo) -> str:
    """yyyy-MM-dd and, given the server clock's date in the context, in the past."""
    try:
        born = date.fromisoformat(value) if _YMD.match(value) else None
    except ValueError:
        born = None
    if born is None:
        raise PydanticCustomError("format_date", "must be a valid date in yyyy-MM-dd format")
    today = (info.context or {}).get("today")
    if today is not None and born >= today:
        # Bean Validation's @Past default text [INF]
        raise PydanticCustomError("past_date", "must be a past date")
    return value


def _not_null(value: int | None) -> int:
    # An Integer field: Bean Validation's @NotNull text, not @NotBlank's [INF].
    if value is None:
        raise PydanticCustomError("not_null", "must not be null")
    return value


Alpha3 = Annotated[str, AfterValidator(_alpha3), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"})]
Dob = Annotated[str, AfterValidator(_dob), WithJsonSchema({"type": "string", "format": "date", "description": "yyyy-MM-dd, in the past"})]
# The KYC request's Java Strings (the fixture's PersonalInfoSeed keeps plain types: YAML is ours).
Name = Annotated[NotBlank, JACKSON_TEXT, NOT_BLANK_SCHEMA]
Country = Annotated[Alpha3, JACKSON_TEXT]
# Null is refused ("must not be null"): the document says integer, required (models' json_schema_extra).
# A Java Long: Jackson refuses a number past its range, and so does the server (orjson reads 64 bits).
_INT64 = {"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1}
UserId = Annotated[int | None, AfterValidator(_not_null), WithJsonSchema(_INT64)]


class KycPersonalCreate(BaseModel):
    """POST /us/api/v1/kyc/personal.  [INF] which fields are required on create is not
    published (only the PATCH page is): the ones a KYC review cannot do without."""

    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra=requires("userId"))

    userId: UserId = Field(default=None, validate_default=True)
    firstName: Name
    lastName: Name
    nickName: Text | None = None
    dob: Dob
    gender: Gender
    maritalStatus: MaritalStatus | None = None
    nationality: Country
    countryOfBirth: Country | None = None
    countryOfResidence: Country
    tin: Text | None = None
    language: Text | None = None


class KycPersonalUpdate(BaseModel):
    """PATCH /us/api/v1/kyc/personal: "All fields are optional except userId" [PUB]."""

    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra=requires("userId"))

    userId: UserId = Field(default=None, validate_default=True)
    firstName: Name | None = None
    lastName: Name | None = None
    nickName: Text | None = None
    dob: Dob | None = None
    gender: Gender | None = None
    maritalStatus: MaritalStatus | None = None
    nationality: Country | None = None
    countryOfBirth: Country | None = None
    countryOfResidence: Country | None = None
    tin: Text | None = None
    language: Text | None = None


# Path parameters (OpenAPI document only): users.parse_int reads a Java Integer; anything
# else, like an id that no user of the caller's has, is "User does not exist with this id".
INT32_SCHEMA: dict[str, Any] = {"type": "integer", "format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1}


def path_schema(**params: dict[str, Any]) -> dict[str, Any]:
    """Route.params: each named path parameter's JSON Schema."""
    return {"type": "object", "properties": params}


def list_users_query(max_per_page: int) -> dict[str, object]:
    """GET /as/api/v1/users query parameters (users.paging), as JSON Schema for the OpenAPI document."""
    blank = {"type": "string", "pattern": "^\\s*$"}  # absent or blank: the default (Spring's defaultValue)
    return {
        "type": "object",
        "properties": {
            "page": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, blank], "default": 1,
                     "description": "1-based page number; blank = 1."},
            "perPage": {
                "anyOf": [{"type": "integer", "minimum": 1, "maximum": max_per_page}, blank], "default": 20,
                "description": "Users per page; blank = 20.",
            },
        },
    }


PERSONAL_FIELDS = tuple(name for name in KycPersonalUpdate.model_fields if name != "userId")


# ---------------------------------------------------------------- fixtures
class Agent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    firstName: str
    lastName: str
    userType: str = "AGENT"
    email: str
    username: str
    countryCode: str
    phone: str
    status: Status = "ACTIVE"


class App(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clientId: str
    clientSecret: str


class IssuedToken(BaseModel):
    """A token that works from start-up without calling saas-login."""

    model_config = ConfigDict(extra="forbid")

    accessToken: str = Field(pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
    refreshToken: str
    expiresIn: Duration = timedelta(days=365)


class ExistingUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    firstName: str
    lastName: str
    email: str | None = None
    countryCode: str | None = None
    phone: str | None = None
    status: Status = "ACTIVE"
    username: str | None = None


class PersonalInfoSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    firstName: str
    lastName: str
    nickName: str | None = None
    dob: date
    gender: Gender
    maritalStatus: MaritalStatus | None = None
    nationality: Alpha3
    countryOfBirth: Alpha3 | None = None
    countryOfResidence: Alpha3
    tin: str | None = None
    language: str | None = None


class KycSeed(BaseModel):
    """A user whose KYC was already submitted (and, unless PENDING, decided by an admin)."""

    model_config = ConfigDict(extra="forbid")

    userId: int
    status: KycStatus = "VERIFIED"
    personalInfo: PersonalInfoSeed


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accessTokenTtl: Duration = timedelta(minutes=15)
    refreshTokenTtl: Duration = timedelta(hours=24)
    firstUserId: int = 600
    # PENDING -> VERIFIED this long after the last personal-info submission; null: never.
    kycVerificationDelay: Duration | None = timedelta(minutes=10)
    maxPerPage: int = Field(default=100, ge=1)
    # The personal-info page shows a bare body; the global format page says "data" wraps every success.
    wrapKycPersonal: bool = False


class Fixture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: Agent
    apps: list[App] = Field(min_length=1)
    tokens: list[IssuedToken] = []
    users: list[ExistingUser] = []
    generatedUsers: int = Field(default=0, ge=0, le=10000)
    kyc: list[KycSeed] = []
    settings: Settings = Settings()

    @field_validator("kyc")
    @classmethod
    def _kyc_for_listed_users(cls, value: list[KycSeed], info: ValidationInfo) -> list[KycSeed]:
        known = {user.id for user in info.data.get("users", ())}
        for entry in value:
            if entry.userId not in known:
                raise ValueError(f"userId {entry.userId} is not one of users[].id")
        return value
