"""Sabi fixture models (validated once at start-up; extra keys are an error).

The request body is not a pydantic model: see dto.py for why.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ...core.clock import parse_instant
from ...core.validation import Duration
from ...core.vendor import Secrets
from .dto import GENDERS, ROLES

ObjectId = str  # 24 lower-case hex digits, checked by the Field patterns below
_OBJECT_ID = r"^[0-9a-f]{24}$"
_ISO_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"

# What the journal hides (Vendor.secrets): the sign-up
# ``password`` [SEED] (JSON or form-encoded, ``user[password]`` too) and the
# platform key of the ``ApiKey`` header [SEED].
SECRETS = Secrets(fields=frozenset({"password"}), headers=frozenset({"apikey"}))

Role = Literal[ROLES]  # type: ignore[valid-type]
Gender = Literal[GENDERS]  # type: ignore[valid-type]


def _instant(value: str) -> str:
    parse_instant(value)  # refuse a bad instant when the fixture loads, not on a request
    return value


Instant = Annotated[str, AfterValidator(_instant)]


class ApiKey(BaseModel):
    """A platform API key, sent as the ``ApiKey`` header [SEED]."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1)
    name: str = "platform"
    # [INF] a key may belong to a tenant: users it creates without a tenantId join it.
    tenantId: ObjectId | None = Field(default=None, pattern=_OBJECT_ID)
    # [INF] lifecycle of a static key (nothing about it is published): a revoked key, or one
    # past its expiry on the mockserver clock, gets the same 401 as an unknown key.
    revoked: bool = False
    expiresAt: Instant | None = None  # a fixed instant, e.g. "2030-01-01T00:00:00.000Z"
    # Sandbox convenience: expires this long after the store is seeded (server start or
    # POST /__admin/reset), so a walk-through can expire it with one clock advance.
    expiresAfter: Duration | None = None

    @model_validator(mode="after")
    def _one_expiry(self) -> ApiKey:
        if self.expiresAt is not None and self.expiresAfter is not None:
            raise ValueError("give a key expiresAt or expiresAfter, not both")
        if self.expiresAfter is not None and self.expiresAfter <= timedelta(0):
            raise ValueError("expiresAfter must be positive")
        return self


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    code: str
    currency: str | None = None


class ExistingUser(BaseModel):
    """A user that already exists: creating the same username again is a 409."""

    model_config = ConfigDict(extra="forbid")

    id: ObjectId | None = Field(default=None, pattern=_OBJECT_ID)  # the document's _id
    username: str = Field(min_length=1)
    firstName: str
    lastName: str
    middleName: str | None = None
    role: Role = "CUSTOMER"
    gender: Gender | None = None
    phone: str | None = None
    country: Place | None = None
    tenantId: ObjectId | None = Field(default=None, pattern=_OBJECT_ID)
    createdAt: str = Field(default="2024-01-15T09:00:00.000Z", pattern=_ISO_Z)


class Fixture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    apiKeys: list[ApiKey] = Field(min_length=1)
    users: list[ExistingUser] = []
    generatedUsers: int = Field(default=0, ge=0, le=10000)
