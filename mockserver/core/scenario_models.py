"""The scenario file format (YAML or JSON), validated with exact locations.

    name: vaultspay-token-expired
    description: The next create-user call fails with 401/1003.
    rules:
      - match: {vendor: vaultspay, operation: create_user, times: 1}
        respond: {error: TOKEN_EXPIRED}
        delay: 200                      # ms, or {uniform: [50, 400]}, or {lognormal: {median: 120, sigma: 0.6}}
        fault: slow_body                # connection_reset | empty_response | malformed_json | slow_body
"""

from __future__ import annotations

import re
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_STRICT = ConfigDict(extra="forbid")


class ResetOn(BaseModel):
    """A call matching this resets the rule's counters (e.g. a token refresh)."""

    model_config = _STRICT
    vendor: Optional[str] = None
    operation: str


class Match(BaseModel):
    model_config = _STRICT

    vendor: str
    operation: Optional[str] = None
    method: Optional[str] = None
    path: Optional[str] = None  # a regular expression matched against the path below the vendor's mount
    body: Optional[dict[str, Any]] = None  # fields that must be equal (nested dicts: subset)
    body_matches: Optional[dict[str, str]] = None  # dotted field -> regular expression
    headers: Optional[dict[str, Union[str, bool]]] = None  # value, or true = present / false = absent
    nth: Optional[int] = Field(default=None, ge=1)  # only the n-th matching call
    after: Optional[int] = Field(default=None, ge=0)  # calls after the first `after` ones
    every: Optional[int] = Field(default=None, ge=1)  # every k-th matching call
    times: Optional[int] = Field(default=None, ge=1)  # fire at most this often
    probability: Optional[float] = Field(default=None, ge=0, le=1)  # seeded, reproducible
    reset_on: Optional[ResetOn] = None

    @field_validator("path")
    @classmethod
    def _regex(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            re.compile(value)
        return value

    @field_validator("body_matches")
    @classmethod
    def _regexes(cls, value: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
        for pattern in (value or {}).values():
            re.compile(pattern)
        return value

    @field_validator("method")
    @classmethod
    def _upper(cls, value: Optional[str]) -> Optional[str]:
        return value.upper() if value else value


class Respond(BaseModel):
    """Exactly one of: a catalog error, an explicit response, or pass (the real behaviour)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    error: Optional[Union[str, int]] = None
    status: Optional[int] = Field(default=None, ge=100, le=599)
    body: Any = None
    headers: Optional[dict[str, str]] = None
    pass_: bool = Field(default=False, alias="pass")

    @model_validator(mode="after")
    def _one_kind(self) -> Respond:
        kinds = sum([self.error is not None, self.status is not None, self.pass_])
        if kinds > 1:
            raise ValueError("respond takes one of: error, status (+ body, headers), pass")
        if kinds == 0:
            self.pass_ = True
        if self.status is None and (self.body is not None or self.headers):
            raise ValueError("body/headers need a status")
        return self


class Uniform(BaseModel):
    model_config = _STRICT
    uniform: tuple[float, float]


class LognormalParams(BaseModel):
    model_config = _STRICT
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)


class Lognormal(BaseModel):
    model_config = _STRICT
    lognormal: LognormalParams


Delay = Union[float, Uniform, Lognormal]


class SlowBodyParams(BaseModel):
    model_config = _STRICT
    chunk: int = Field(default=16, ge=1)
    interval_ms: float = Field(default=100, ge=0)


class SlowBody(BaseModel):
    model_config = _STRICT
    slow_body: SlowBodyParams


Fault = Union[Literal["connection_reset", "empty_response", "malformed_json", "slow_body"], SlowBody]


class Rule(BaseModel):
    model_config = _STRICT

    match: Match
    respond: Respond = Respond()
    delay: Optional[Delay] = None
    fault: Optional[Fault] = None


class ScenarioFile(BaseModel):
    model_config = _STRICT

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    rules: list[Rule] = Field(min_length=1)
