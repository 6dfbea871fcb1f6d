"""VaultsPay request and fixture models (built once at import)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from datetime import timedelta

from ...core.validation import Duration, Email, NotBlank

STATUSES = ("ACTIVE", "PENDING", "BLOCK")
Status = Literal["ACTIVE", "PENDING", "BLOCK"]


def _digits(kind: str, low: int, high: int):  # type: ignore[no-untyped-def]
    def check(value: Optional[str]) -> Optional[str]:
        if value is None:
            return value
        if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
            raise PydanticCustomError("format_" + kind, f"must be a valid {kind}")
        return value

    return check


class CreateUser(BaseModel):
    """POST /as/api/v1/users.  Java backend: strict JSON types, unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")

    parentId: Optional[object] = None  # ignored: the server sets it to the caller's agent id
    firstName: NotBlank
    lastName: NotBlank
    email: Optional[Email] = None
    countryCode: Optional[str] = None
    phone: Optional[str] = None
    status: Status

    _country = field_validator("countryCode")(_digits("country code", 1, 4))
    _phone = field_validator("phone")(_digits("phone number", 6, 14))


class SaasLogin(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    clientId: NotBlank
    clientSecret: NotBlank


class RefreshToken(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    refreshToken: NotBlank


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
    email: Optional[str] = None
    countryCode: Optional[str] = None
    phone: Optional[str] = None
    status: Status = "ACTIVE"
    username: Optional[str] = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accessTokenTtl: Duration = timedelta(minutes=15)
    refreshTokenTtl: Duration = timedelta(hours=24)
    firstUserId: int = 600


class Fixture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: Agent
    apps: list[App] = Field(min_length=1)
    tokens: list[IssuedToken] = []
    users: list[ExistingUser] = []
    generatedUsers: int = Field(default=0, ge=0, le=10000)
    settings: Settings = Settings()
