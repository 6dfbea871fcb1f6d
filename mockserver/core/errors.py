"""One error system for every vendor.

A handler (or the core, for transport-level problems) raises data only: a
``VendorError`` names an entry of the vendor's catalog; a ``Problem`` names a
vendor-neutral failure (bad JSON, unknown route, ...) that each vendor maps to
one of its catalog entries.  Rendering into the vendor's envelope happens in
exactly one place per vendor: its ``errors.render``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One row of a vendor's error catalog."""

    status: int
    code: Any  # the vendor's own error code (an int or a string), None where the vendor has none
    type: str | None
    message: str


@dataclass(frozen=True, slots=True)
class FieldError:
    """One failing request field, vendor-neutral.

    ``kind`` is one of: missing, type, enum, format, too_long, too_short,
    range, invalid, not_object.  ``ctx`` carries what a vendor needs to
    phrase it (expected values, limits).
    """

    loc: str
    kind: str
    message: str
    ctx: Mapping[str, Any] = field(default_factory=dict)


class VendorError(Exception):
    """A failure named by a vendor catalog key; data only, rendered by the vendor."""

    __slots__ = ("extra", "fields", "message", "name")

    def __init__(
        self,
        name: str,
        message: str | None = None,
        fields: tuple[FieldError, ...] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(name)
        self.name = name
        self.message = message
        self.fields = fields
        self.extra = extra or {}

    def __repr__(self) -> str:
        return f"VendorError({self.name!r}, {self.message!r}, fields={len(self.fields)})"


class Problem(Exception):
    """A vendor-neutral request failure detected by the core."""

    kind = "problem"
    query = ""  # the raw query string, for vendors that echo the URL (set by the core)

    def __init__(self, detail: str = "", fields: tuple[FieldError, ...] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields


class MalformedBody(Problem):
    """Body is not JSON at all."""

    kind = "malformed_json"


class NotAnObject(Problem):
    """Body is JSON but not an object (array, string, number...)."""

    kind = "not_object"


class InvalidFields(Problem):
    """Body is an object but fields fail the request model."""

    kind = "invalid_fields"


class BodyTooLarge(Problem):
    kind = "body_too_large"


class RouteNotFound(Problem):
    kind = "not_found"


class MethodNotAllowed(Problem):
    kind = "method_not_allowed"

    def __init__(self, detail: str = "", allowed: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.allowed = allowed


class BadContentType(Problem):
    kind = "bad_content_type"


class InternalFault(Problem):
    """A bug in the emulator; still answered in the vendor's envelope."""

    kind = "internal"


# A vendor maps each Problem kind to a catalog key, or to a function choosing one.
ProblemMap = Mapping[str, str | Callable[[Problem], VendorError]]


def problem_to_error(problem: Problem, mapping: ProblemMap) -> VendorError:
    target = mapping.get(problem.kind) or mapping["internal"]
    if callable(target):
        return target(problem)
    return VendorError(target, fields=problem.fields, extra={"detail": problem.detail})
