"""One error system for every vendor.

A handler (or the core, for transport-level problems) raises data only: a
``VendorError`` names an entry of the vendor's catalog; a ``Problem`` names a
vendor-neutral failure (bad JSON, invalid fields, a unique key taken, an
unknown scenario, unknown route, ...) that each vendor maps to one of its
catalog entries through its ``problems`` map (one entry per kind in
``PROBLEM_KINDS``); anything else raised is a bug of ours, the ``internal``
kind.  ``Vendor.answer_failure`` is the funnel every failure goes through, and
rendering into the vendor's envelope happens in exactly one place per vendor:
its ``render``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


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
    # Whether ``detail`` is written for the user and becomes the answer's message
    # (else it is a diagnostic, and the catalog entry's own message is sent).
    shown: ClassVar[bool] = False
    # mockserver's own headers added to the vendor's answer (marks a failure of the
    # mock's use, not of the emulated API): the same for every vendor.
    headers: ClassVar[tuple[tuple[str, str], ...]] = ()

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


class Conflict(Problem):
    """A unique key is already taken (raised by the store); ``field`` names which."""

    kind = "conflict"

    def __init__(self, field: str, existing: dict[str, Any]) -> None:
        super().__init__(field)
        self.field = field
        self.existing = existing


# Every kind a vendor's ``problems`` map must name (the registry refuses a vendor
# whose map leaves one out: a failure would otherwise fall back to its 500).
# ``scenario`` is core.scenarios.ScenarioError: a request header naming a scenario
# or catalog entry that does not exist.
PROBLEM_KINDS = (
    "malformed_json", "not_object", "invalid_fields", "body_too_large", "not_found", "method_not_allowed",
    "bad_content_type", "conflict", "scenario", "internal", "strict_contract",
)
# ``strict_contract`` is core.lint.StrictContract: in strict mode, request fields the vendor
# would silently ignore or coerce, refused as the vendor would with its strict deserializer
# (each field's ``ctx``: ``lint`` "unknown" or "coerced", the ``key``, ``sent``/``became`` kinds).

# A vendor maps each Problem kind to a catalog key, or to a function choosing one.
ProblemMap = Mapping[str, str | Callable[[Problem], VendorError]]


def problem_to_error(problem: Problem, mapping: ProblemMap) -> VendorError:
    target = mapping.get(problem.kind) or mapping["internal"]
    if callable(target):
        return target(problem)
    message = problem.detail if problem.shown else None
    return VendorError(target, message, fields=problem.fields, extra={"detail": problem.detail})
