"""Pulse CRM request and fixture models (built once at import)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from ...core import fastmodel
from ...core.clock import parse_instant
from ...core.openapi import EMAIL_SCHEMA, FromContext, given
from ...core.validation import Duration, Email, parse_object
from ...core.vendor import Secrets
from .events import EVENT_SET, PULSE_EVENTS

# What the journal hides (Vendor.secrets): the two
# /auth/login pairs, ``{email, password}`` and ``{apiKey, apiSecret}`` [PUB], and
# the session ``token`` a login (or impersonation) answers [PUB].  The token is
# then sent as a Bearer credential: core's Authorization.
SECRETS = Secrets(fields=frozenset({"password", "apiKey", "apiSecret", "token"}))


def _check_event(value: str) -> str:
    # A Literal of 163 names would put all of them in every error; the renderer
    # says "one of PulseEvents" instead.
    if value not in EVENT_SET:
        raise PydanticCustomError("enum", "not a PulseEvents value")
    return value


PulseEvent = Annotated[str, AfterValidator(_check_event), WithJsonSchema({"type": "string", "enum": list(PULSE_EVENTS)})]
fastmodel.native(_check_event, core_schema.literal_schema(list(PULSE_EVENTS)))  # exactly EVENT_SET
DeliveryPref = Literal["website", "weekly_email_digest", "monthly_email_digest", "email", "sms"]


def _integral_float(value: Any) -> Any:
    # JSON has one number type: a JS backend sees 5.0 as the integer 5 [INF].
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsInt = Annotated[int, BeforeValidator(_integral_float)]
fastmodel.skip(_integral_float)  # it changes only floats, which a strict int refuses: the fast path leaves 5.0 to the model


class NotificationPreference(BaseModel):
    """#/components/schemas/NotificationPreference [SEED]; unknown keys dropped (zod strips) [INF]."""

    model_config = ConfigDict(strict=True, extra="ignore")

    event: PulseEvent
    accountId: str | None = None
    deliveryPref: list[DeliveryPref] | None = None


def _in_some_account(key: str) -> FromContext:
    # What schema_context() names under ``key``: the roles or teams of all the accounts.
    # The x-account-id header picks the account whose own must be used: a rule across
    # a header and the body, which OpenAPI cannot state (the description says it).
    return FromContext(lambda context, schema: {**schema, "enum": list(context[key])} if key in context else schema)


_A_ROLE, _A_TEAM = _in_some_account("roles"), _in_some_account("teams")


class CreateUser(BaseModel):
    """POST /users.  JSON types are strict (zod does not coerce), null counts as absent and
    unknown keys are ignored [INF]."""

    # [SEED] the guide's request example.
    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra={
        "examples": [{"email": "newuser@test.com", "name": "John Doe", "roles": ["user", "agent"]}],
    })

    email: Annotated[Email, EMAIL_SCHEMA]  # required, format email [SEED]
    name: str | None = None
    teamId: Annotated[JsInt, _A_TEAM] | None = Field(default=None, description="A team of the account.")
    phone: str | None = None
    imgSrc: str | None = None
    # User.notificationPreferences is "type: object" [SEED]; each value must be a
    # NotificationPreference, keys are free (conventionally the event name) [INF].
    notificationPreferences: dict[str, NotificationPreference] | None = None
    roles: list[Annotated[str, _A_ROLE]] | None = Field(
        default=None, description="Role names that exist in the account; default: its defaultRoles.",
    )  # [PUB]


# routes.login as JSON Schema: both halves of the API key, or an email and a password
# with neither half of a key (a null counts as absent); otherwise "<field>: Required".
LOGIN_RULE: dict[str, Any] = {
    "anyOf": [
        given("apiKey", "apiSecret"),
        {"allOf": [given("email", "password"), {"not": {"anyOf": [given("apiKey"), given("apiSecret")]}}]},
    ],
}


class Login(BaseModel):
    """POST /auth/login: {email, password} or {apiKey, apiSecret} [PUB] (apiKey wins when either half of it is sent)."""

    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra=LOGIN_RULE)

    email: str | None = None
    password: str | None = None
    apiKey: str | None = None
    apiSecret: str | None = None


# The account selector every account route reads (auth.account_header), as the OpenAPI
# document's header parameter; blank counts as missing (400).
_ACCOUNT_ID = {"type": "string", "pattern": "\\S", "description": "The account to act in (an accountId such as \"2311\")."}
ACCOUNT_HEADER: dict[str, Any] = {"type": "object", "properties": {"x-account-id": _ACCOUNT_ID}, "required": ["x-account-id"]}
# DELETE /users/{email}: ``required: false`` [PUB]; absent, the caller's own account.
OPTIONAL_ACCOUNT_HEADER: dict[str, Any] = {"type": "object", "properties": {"x-account-id": _ACCOUNT_ID}}


# CreateUser's fast validator, derived from it at import (core.fastmodel): plain dicts, no
# model instances, the e-mail and event checks native.
FAST_CREATE = fastmodel.derive(CreateUser, defaults=False)


def parse_create(body: bytes) -> dict[str, Any]:
    """POST /users: the body's CreateUser fields as plain dicts, absent fields absent
    (``model_dump(exclude_unset=True)``).  What the fast validator refuses (invalid, or an
    address only Python's "$" allows) goes through CreateUser itself, so every error - and
    which fields it names - is the model's own."""
    return FAST_CREATE.fields(parse_object(body))  # InvalidFields, phrased by errors.PROBLEMS


# ---------------------------------------------------------------- fixtures
def _instant(value: str | None) -> str | None:
    # checked when the file loads, so a typo stops start-up with file:line, not a traceback
    if value is not None:
        parse_instant(value)
    return value


_DIGITS = r"^[0-9]+$"
_HEX64 = r"^[0-9a-f]{64}$"


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accountId: str = Field(pattern=_DIGITS)  # digit string, e.g. "2311" [SEED]
    accountName: str
    repcode: str
    roles: dict[str, list[str]] = Field(min_length=1)  # role name -> its permissions, in order
    defaultRoles: list[str] = []  # given to a created user that names no roles [INF]
    teams: list[Team] = []

    @model_validator(mode="after")
    def _defaults_exist(self) -> Account:
        unknown = [r for r in self.defaultRoles if r not in self.roles]
        if unknown:
            raise ValueError(f"defaultRoles not in roles: {', '.join(unknown)}")
        return self


class Membership(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accountId: str
    roles: list[str] = []
    permissions: list[str] = []  # set directly, not from a role (user_permissions_set_directly)
    accountAdmin: bool = False
    primary: bool = False


class ExistingUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1)
    email: str
    password: str | None = None  # None: cannot log in with a password
    name: str | None = None
    active: bool = True
    teamId: int | None = None
    phone: str | None = None
    imgSrc: str | None = None
    notificationPreferences: dict[str, Any] | None = None
    createdBy: str = "system@pulsecrm.example"
    createdAt: Annotated[str | None, AfterValidator(_instant)] = None  # ISO instant; None: the clock at seeding
    accounts: list[Membership] = Field(min_length=1)


class ApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    apiKey: str = Field(pattern=r"^apiKey-[A-Za-z0-9_-]+$")  # "apiKey-xxxx" [PUB]
    apiSecret: str
    user: str  # email of the user the key acts as


class IssuedSession(BaseModel):
    """A session token that works from start-up without calling /auth/login."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(pattern=_HEX64)
    user: str
    expiresIn: Duration = timedelta(days=3650)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sessionTtl: Duration = timedelta(days=8)  # [INF] example expiresAt - updatedAt is ~8 days
    # [INF] nothing published; short, as admin "log in as" sessions usually are.  Never
    # longer than the admin's own session (capped at its expiresAt).
    impersonationTtl: Duration = timedelta(minutes=15)
    firstUserId: int = Field(default=1, ge=1)  # created users' ids start at or above this


class Fixture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[Account] = Field(min_length=1)
    users: list[ExistingUser] = Field(min_length=1)
    apiKeys: list[ApiKey] = []
    sessions: list[IssuedSession] = []
    generatedUsers: int = Field(default=0, ge=0, le=10000)  # extra members of accounts[0], from the pools
    settings: Settings = Settings()

    @model_validator(mode="after")
    def _references(self) -> Fixture:
        accounts = {a.accountId: a for a in self.accounts}
        if len(accounts) != len(self.accounts):
            raise ValueError("accountId values must be unique")
        emails = {u.email.lower() for u in self.users}
        if len(emails) != len(self.users) or len({u.id for u in self.users}) != len(self.users):
            raise ValueError("user ids and emails must be unique")
        for user in self.users:
            for member in user.accounts:
                account = accounts.get(member.accountId)
                if account is None:
                    raise ValueError(f"{user.email}: unknown accountId {member.accountId}")
                unknown = [r for r in member.roles if r not in account.roles]
                if unknown:
                    raise ValueError(f"{user.email}: roles not in account {member.accountId}: {', '.join(unknown)}")
            if sum(m.primary for m in user.accounts) > 1:
                raise ValueError(f"{user.email}: more than one primary account")
        for ref in [k.user for k in self.apiKeys] + [s.user for s in self.sessions]:
            if ref.lower() not in emails:
                raise ValueError(f"apiKeys/sessions name an unknown user: {ref}")
        return self
