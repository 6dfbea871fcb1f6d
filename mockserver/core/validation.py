"""Request parsing and validation shared by every vendor.

Pydantic's errors are translated into vendor-neutral ``FieldError``s here and
nowhere else; each vendor then phrases them in its own envelope.  Validators
are built once at import time (pydantic compiles the model schema then), so the
request path only pays for ``model_validate``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import AfterValidator, BaseModel, BeforeValidator, RootModel, ValidationError
from pydantic_core import PydanticCustomError

from .clock import quoted
from .errors import FieldError, InvalidFields, MalformedBody, NotAnObject
from .fixtures import FixtureError, validated

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
T = TypeVar("T")

# A pragmatic address check: pydantic's EmailStr costs ~60 µs a call (it
# resolves IDNA and deliverability rules); this rejects what real backends
# reject in practice for a fraction of a microsecond.
_EMAIL = EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


# EMAIL_PATTERN is public so vendors can hand the same rule to pydantic-core's
# native ``pattern`` constraint (no Python call per value) on their fast paths.


def is_email(value: str) -> bool:
    return len(value) <= 320 and _EMAIL.match(value) is not None


def _check_email(value: str) -> str:
    if not is_email(value):
        raise PydanticCustomError("format_email", "value is not a valid email address")
    return value


Email = Annotated[str, AfterValidator(_check_email)]


def _check_not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


NotBlank = Annotated[str, AfterValidator(_check_not_blank)]


class _Timedelta(RootModel[timedelta]):
    """pydantic's own timedelta parsing (built once: the schema is compiled here, not per call)."""


def parse_duration(value: object) -> timedelta:
    """A duration as the fixtures and the clock API take it; ValueError, its message the line to show, otherwise.

    pydantic's ``timedelta`` parses it: seconds as a number, or ISO-8601 (``PT1H30M``,
    ``P1DT2S``, ``P1W``, ``P1Y`` as 365 days, a leading sign).  ``_plain`` adds the forms it
    refuses that we took before it, and nothing else.  A boolean is refused (pydantic reads
    ``true`` as one second); so is NaN.  The message says "not a duration" or, for a duration
    past what a timedelta holds (999,999,999 days: ``1e308``, ``"inf"``, ``"P9999999Y"``),
    that it "is beyond any clock".  pydantic's error meets us in ``fixtures.validated``,
    the one place fixtures meet it.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("not a duration: give seconds or a string like PT15M (ISO-8601)")
    shown = quoted(value) if isinstance(value, str) else repr(value)

    def explain(exc: ValidationError) -> str:
        reason = str(exc.errors()[0].get("ctx", {}).get("error", ""))
        # pydantic-core's words for a value past timedelta's range (the same from 2.11, our lower bound, to today)
        if "exceed" in reason or "too large" in reason:
            return f"{shown} is beyond any clock"
        return f"not a duration: {shown} (use seconds or ISO-8601 like PT15M)"

    try:
        return validated(_Timedelta, _plain(value) if isinstance(value, str) else value, explain).root
    except FixtureError as exc:  # a ValueError is what a pydantic validator (Duration) and the admin API expect
        raise ValueError(str(exc)) from None


def _plain(text: str) -> str | float:
    """A duration string in a form pydantic parses: what it refuses and we accept, rewritten.

    Seconds written as a string (``"90"``, ``"1e3"``: how a YAML string or a query value
    carries them) become the number; ISO-8601 designators in lower case (``pt15m``) and blanks
    around are allowed.  No other form (``10m``, ``2h``) was ever accepted, so none is added.
    """
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        return text.upper()


# Fixture durations: seconds or ISO-8601 ("PT15M"), checked when the file loads.
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

# pydantic error type -> our kind.  Anything not listed is "invalid".
_KINDS = {
    "missing": "missing",
    "blank": "missing",
    "string_type": "type",
    "int_type": "type",
    "int_parsing": "type",
    "int_from_float": "type",
    "bool_type": "type",
    "float_type": "type",
    "dict_type": "type",
    "list_type": "type",
    "model_type": "type",
    "model_attributes_type": "type",
    "literal_error": "enum",
    "enum": "enum",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "too_long": "too_long",
    "string_pattern_mismatch": "format",
    "format_email": "format",
    "greater_than_equal": "range",
    "less_than_equal": "range",
    "greater_than": "range",
    "less_than": "range",
}

_TYPE_NAMES = {
    "string_type": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "bool_type": "boolean",
    "float_type": "number",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "list_type": "array",
}


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def field_errors(exc: ValidationError) -> tuple[FieldError, ...]:
    """Translate every pydantic error into a FieldError, in field order."""
    found: list[FieldError] = []
    seen: set[str] = set()
    for err in exc.errors(include_url=False):
        etype = err["type"]
        loc = _loc(tuple(err["loc"]))
        # Union/Literal branches can yield several errors for one field; the
        # first one is the most telling, and a vendor reports a field once.
        if loc in seen:
            continue
        seen.add(loc)
        ctx: dict[str, Any] = dict(err.get("ctx") or {})
        ctx["input"] = err.get("input")  # the failing value (the parent object for a missing key)
        if etype in _TYPE_NAMES:
            ctx["expected_type"] = _TYPE_NAMES[etype]
        if etype == "literal_error" and "expected" in ctx:
            ctx["choices"] = _literal_choices(str(ctx["expected"]))
        found.append(FieldError(loc, _KINDS.get(etype, "invalid"), err["msg"], ctx))
    return tuple(found)


def _literal_choices(expected: str) -> tuple[str, ...]:
    # pydantic renders Literal choices as "'A', 'B' or 'C'" (or numbers bare)
    return tuple(p.strip().strip("'") for p in re.split(r",| or ", expected) if p.strip())


def parse_object(body: bytes) -> dict[str, Any]:
    """Decode a JSON object body; raise MalformedBody / NotAnObject otherwise."""
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(str(exc)) from None
    if data is None and not body:
        raise MalformedBody("empty body")
    if not isinstance(data, dict):
        raise NotAnObject(type(data).__name__)
    return data


def validate(model: type[M], data: dict[str, Any], context: Mapping[str, Any] | None = None) -> M:
    """Validate a decoded object against a request model, naming every failing field.

    The one place a request meets pydantic's ``ValidationError`` (with
    ``validate_or_none`` below, a fast path's refusal): it leaves as
    ``InvalidFields``, which each vendor's ``problems`` map phrases.  ``context``
    is the validation context (facts of the running configuration, the clock's date).
    """
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InvalidFields("invalid fields", field_errors(exc)) from None


def parse(model: type[M], body: bytes) -> M:
    return validate(model, parse_object(body))


class _Vouched:
    """The fast validator that last accepted a value (``validate_or_none``): the pipeline resets it
    before a handler and reads it after, so the contract lint (core.lint) knows a body it need
    not look at: one an ``extra="forbid"`` derivation of the route's model took whole."""

    __slots__ = ("check",)

    def __init__(self) -> None:
        self.check: object = None


VOUCHED = _Vouched()


def validate_or_none(check: Callable[[T], R], value: T) -> R | None:
    """A fast validator's answer (core.fastmodel), or None where it refuses ``value``: then
    the full path (the model) decides, and words any error."""
    try:
        out = check(value)
    except ValidationError:
        return None
    VOUCHED.check = check
    return out
