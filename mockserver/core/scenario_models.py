"""The scenario file format (YAML or JSON), validated with exact locations.

    name: acme-token-expired
    description: The next create-user call fails with 401/1003.
    rules:
      - match: {vendor: acme, operation: create_user, times: 1}
        respond: {error: TOKEN_EXPIRED}
        delay: 200                      # ms, or {uniform: [50, 400]}, or {lognormal: {median: 120, sigma: 0.6}}
        fault: slow_body                # connection_reset | empty_response | malformed_json | slow_body
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator
from pydantic_core import PydanticCustomError

_STRICT = ConfigDict(extra="forbid")

# A delay is what the user asked for, but a finite one: an infinite or NaN
# delay would hold a request (and its connection) forever.
MAX_DELAY_MS = 600_000.0

# Headers the server writes itself (framing, and the JSON type of every body):
# a scenario's copy would be a second, conflicting one on the wire.
MANAGED_HEADERS = frozenset({
    "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
    "proxy-connection", "content-type",
})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field name
# Visible ASCII, space and HTAB only: CR and LF would split the response head,
# NUL and other controls are refused by clients, and bytes beyond ASCII are
# read differently by different clients (RFC 9110 5.5: obsolete).
_NOT_IN_VALUE = re.compile(r"[^\t\x20-\x7e]")


def _problem(message: str) -> PydanticCustomError:
    """A validation error whose text is exactly ``message`` (no "Value error, " prefix)."""
    return PydanticCustomError("scenario", message)


def _regex(pattern: str) -> str:
    # re.error is not a ValueError: pydantic would let it escape as a traceback.
    try:
        re.compile(pattern)
    except re.error as exc:
        raise _problem(f"not a valid regular expression: {exc}") from None
    return pattern


def _header_name(name: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise _problem(f"header name {name!r} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)")
    if name.lower() in MANAGED_HEADERS:
        raise _problem(f"header {name!r} is set by the server; a scenario cannot send its own")
    return name


def _header_value(value: str) -> str:
    bad = _NOT_IN_VALUE.search(value)
    if bad:
        raise _problem(
            f"header value holds {bad.group()!r}: only visible ASCII, space and tab can be sent (no CR, LF, NUL or other control characters)"
        )
    return value


Regex = Annotated[str, AfterValidator(_regex)]
HeaderName = Annotated[str, AfterValidator(_header_name)]
HeaderValue = Annotated[str, AfterValidator(_header_value)]
Millis = Annotated[float, Field(le=MAX_DELAY_MS, allow_inf_nan=False)]


class ResetOn(BaseModel):
    """A call matching this resets the rule's counters (e.g. a token refresh)."""

    model_config = _STRICT
    vendor: str | None = None
    operation: str


class Match(BaseModel):
    model_config = _STRICT

    vendor: str
    operation: str | None = None
    method: str | None = None
    path: Regex | None = None  # a regular expression matched against the path below the vendor's mount
    body: dict[str, Any] | None = None  # fields that must be equal (nested dicts: subset)
    body_matches: dict[str, Regex] | None = None  # dotted field -> regular expression
    headers: dict[str, str | bool] | None = None  # value, or true = present / false = absent
    nth: int | None = Field(default=None, ge=1)  # only the n-th matching call
    after: int | None = Field(default=None, ge=0)  # calls after the first `after` ones
    every: int | None = Field(default=None, ge=1)  # every k-th matching call
    times: int | None = Field(default=None, ge=1)  # fire at most this often
    probability: float | None = Field(default=None, ge=0, le=1)  # seeded, reproducible
    reset_on: ResetOn | None = None

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class Respond(BaseModel):
    """Exactly one of: a catalog error, an explicit response, or pass (the real behaviour)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    error: str | int | None = None
    status: int | None = None
    body: Any = None
    headers: dict[HeaderName, HeaderValue] | None = None
    pass_: bool = Field(default=False, alias="pass")

    @field_validator("status")
    @classmethod
    def _final(cls, value: int | None) -> int | None:
        # 1xx are interim answers: sent as the final one, the client waits for another.
        if value is not None and not 200 <= value <= 599:
            raise _problem(f"status {value} is not a final HTTP status (200-599)")
        return value

    @field_validator("body")
    @classmethod
    def _json(cls, value: Any) -> Any:
        # Checked now, not when the rule fires: a body JSON cannot carry (a key
        # that is not a string, an integer beyond 64 bits, a set) would be a 500 then.
        try:
            orjson.dumps(value)
        except TypeError as exc:
            raise _problem(f"cannot be sent as JSON: {exc}") from None
        return value

    @field_validator("headers")
    @classmethod
    def _distinct(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        seen: dict[str, str] = {}
        for name in value or {}:
            if name.lower() in seen:
                raise _problem(f"header {name!r} is given twice (also as {seen[name.lower()]!r}; names ignore case)")
            seen[name.lower()] = name
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Respond:
        kinds = sum([self.error is not None, self.status is not None, self.pass_])
        if kinds > 1:
            raise ValueError("respond takes one of: error, status (+ body, headers), pass")
        if kinds == 0:
            self.pass_ = True
        if self.status is None and (self.body is not None or self.headers):
            raise ValueError("body/headers need a status")
        if self.status in (204, 304) and self.body is not None:
            raise _problem(f"a {self.status} response has no body: remove respond.body")
        return self


class Uniform(BaseModel):
    model_config = _STRICT
    uniform: tuple[Millis, Millis]


class LognormalParams(BaseModel):
    model_config = _STRICT
    median: float = Field(gt=0, le=MAX_DELAY_MS, allow_inf_nan=False)
    sigma: float = Field(ge=0, le=10)  # beyond, exp() of a draw overflows long before it means anything


class Lognormal(BaseModel):
    model_config = _STRICT
    lognormal: LognormalParams


def _kind(*keys: str) -> Callable[[object], str | None]:
    """A union's member picked by the one key of a mapping (``keys``) or, for anything else, "value".

    One problem then gives one line naming that member, where a plain union
    lists every member that did not fit.
    """

    def pick(value: object) -> str | None:
        if isinstance(value, dict):
            return next((key for key in keys if key in value), None)
        if isinstance(value, BaseModel):
            return next((key for key in keys if key in type(value).model_fields), None)
        return "value"

    return pick


Delay = Annotated[
    Annotated[Millis, Tag("value")] | Annotated[Uniform, Tag("uniform")] | Annotated[Lognormal, Tag("lognormal")],
    Discriminator(
        _kind("uniform", "lognormal"), custom_error_type="delay",
        custom_error_message="a delay is milliseconds, {uniform: [low, high]} or {lognormal: {median: ms, sigma: s}}",
    ),
]


class SlowBodyParams(BaseModel):
    model_config = _STRICT
    chunk: int = Field(default=16, ge=1)
    interval_ms: float = Field(default=100, ge=0, le=MAX_DELAY_MS, allow_inf_nan=False)


class SlowBody(BaseModel):
    model_config = _STRICT
    slow_body: SlowBodyParams


Fault = Annotated[
    Annotated[Literal["connection_reset", "empty_response", "malformed_json", "slow_body"], Tag("value")] | Annotated[SlowBody, Tag("slow_body")],
    Discriminator(
        _kind("slow_body"), custom_error_type="fault",
        custom_error_message="a fault is connection_reset, empty_response, malformed_json, slow_body or {slow_body: {chunk, interval_ms}}",
    ),
]


class Rule(BaseModel):
    model_config = _STRICT

    match: Match
    respond: Respond = Respond()
    delay: Delay | None = None
    fault: Fault | None = None


class ScenarioFile(BaseModel):
    model_config = _STRICT

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=200)
    description: str = ""
    rules: list[Rule] = Field(min_length=1)
