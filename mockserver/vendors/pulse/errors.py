"""Pulse CRM error catalog and envelope: ``{"error", "status", "message"}``.

The seed's ``Error`` schema has ``error`` (required), ``status`` (the HTTP
status) and ``message`` (the detail) [SEED].  No concrete error strings are
published anywhere, so ``error`` carries the HTTP reason phrase as the "short
human-readable label" the current reference describes, and ``message`` the
specific cause [INF].  The only wordings seen in public docs are the DELETE
/users/{email} response descriptions ("Unauthorized - not authenticated",
"Forbidden - user does not have required permissions", "Internal server
error") and they are used verbatim for the matching cases [PUB].
``dev_err_msg`` ("only present in non-production") is never sent [INF]: it
would be an internal stack detail with nothing to emulate.

Field problems are phrased like zod issues (the backend is a Next.js route,
/users/route.ts, and zod is what such routes validate with) [INF].
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ...core.errors import ErrorSpec, FieldError, MethodNotAllowed, Problem, ProblemMap, VendorError
from ...core.vendor import ErrorContract, Reply

CATALOG: dict[str, ErrorSpec] = {
    # name: ErrorSpec(HTTP status, code (Pulse has none), error label, default message)
    "BAD_REQUEST": ErrorSpec(400, None, "Bad Request", "Bad request"),
    "INVALID_JSON": ErrorSpec(400, None, "Bad Request", "Invalid JSON in request body"),  # [INF]
    "VALIDATION": ErrorSpec(400, None, "Bad Request", "Invalid request body"),  # [INF] + field list
    "MISSING_ACCOUNT_ID": ErrorSpec(400, None, "Bad Request", "Missing required header: x-account-id"),  # [INF]
    "IMPERSONATE_INACTIVE": ErrorSpec(400, None, "Bad Request", "Cannot impersonate an inactive user"),  # [INF]
    "UNAUTHORIZED": ErrorSpec(401, None, "Unauthorized", "Unauthorized - not authenticated"),  # [PUB]
    "INVALID_TOKEN": ErrorSpec(401, None, "Unauthorized", "Invalid session token"),  # [INF]
    "SESSION_EXPIRED": ErrorSpec(401, None, "Unauthorized", "Session expired"),  # [INF]
    "INVALID_CREDENTIALS": ErrorSpec(401, None, "Unauthorized", "Invalid email or password"),  # [INF]
    "INVALID_API_KEY": ErrorSpec(401, None, "Unauthorized", "Invalid API key or secret"),  # [INF]
    "USER_INACTIVE": ErrorSpec(401, None, "Unauthorized", "User account is inactive"),  # [INF]
    "FORBIDDEN": ErrorSpec(403, None, "Forbidden", "Forbidden - user does not have required permissions"),  # [PUB]
    "ACCOUNT_FORBIDDEN": ErrorSpec(403, None, "Forbidden", "You do not have access to this account"),  # [INF]
    "SELF_DELETE": ErrorSpec(403, None, "Forbidden", "You cannot delete your own user"),  # [INF]
    "NOT_FOUND": ErrorSpec(404, None, "Not Found", "Not found"),  # [INF]
    # DELETE /users/{email} 404 description [PUB]; also used by impersonate [INF]
    "USER_NOT_FOUND": ErrorSpec(404, None, "Not Found", "Not found - user with specified email does not exist"),
    "METHOD_NOT_ALLOWED": ErrorSpec(405, None, "Method Not Allowed", "Method not allowed"),  # [INF]
    "CONFLICT": ErrorSpec(409, None, "Conflict", "A user with this email already exists in this account"),  # [INF]
    "PAYLOAD_TOO_LARGE": ErrorSpec(413, None, "Payload Too Large", "Request body too large"),  # [INF]
    "RATE_LIMITED": ErrorSpec(429, None, "Too Many Requests", "Rate limit exceeded"),  # [INF] api_rate_limited event
    "INTERNAL": ErrorSpec(500, None, "Internal Server Error", "Internal server error"),  # [PUB]
}


def _malformed(problem: Problem) -> VendorError:
    return VendorError("INVALID_JSON")


def _not_object(problem: Problem) -> VendorError:
    # core's detail is the Python type name of the decoded body
    received = _PY_TO_JS.get(problem.detail, problem.detail)
    return VendorError("VALIDATION", f"Invalid request body: Expected object, received {received}")


def _not_found(problem: Problem) -> VendorError:
    return VendorError("NOT_FOUND", f"Route {problem.detail} not found")  # detail is "<METHOD> <path>"


def _method(problem: Problem) -> VendorError:
    method, _, path = problem.detail.partition(" ")
    allowed = problem.allowed if isinstance(problem, MethodNotAllowed) else ()
    return VendorError("METHOD_NOT_ALLOWED", f"Method {method} is not allowed on {path}", extra={"allow": allowed})


_INDEX = re.compile(r"\[(\d+)\]")


def _invalid_fields(problem: Problem) -> VendorError:
    # What zod-style issues need besides core's FieldError: the received value's
    # JSON kind, and zod's dotted path (core writes "roles[0]", zod "roles.0").
    fields = []
    for error in problem.fields:
        value = error.ctx.get("input")
        ctx = {**error.ctx, "received": js_type(value), "value": value}
        fields.append(FieldError(_INDEX.sub(r".\1", error.loc), error.kind, error.message, ctx))
    return VendorError("VALIDATION", fields=tuple(fields))


PROBLEMS: ProblemMap = {
    "malformed_json": _malformed,
    "not_object": _not_object,
    "invalid_fields": _invalid_fields,
    "body_too_large": "PAYLOAD_TOO_LARGE",
    "not_found": _not_found,
    "method_not_allowed": _method,
    "bad_content_type": "BAD_REQUEST",
    "conflict": "CONFLICT",
    "scenario": "BAD_REQUEST",
    "internal": "INTERNAL",
}

# JSON value kinds as zod names them ("received string") [INF].
_PY_TO_JS = {"str": "string", "int": "number", "float": "number", "bool": "boolean", "list": "array", "dict": "object", "NoneType": "null"}


def js_type(value: Any) -> str:
    return _PY_TO_JS.get(type(value).__name__, "unknown")


def _quoted(choices: Iterable[object]) -> str:
    return " | ".join(f"'{c}'" for c in choices)


def phrase(error: FieldError) -> str:
    """One zod-style issue text for a failing field [INF]."""
    ctx = error.ctx
    if error.kind == "missing":
        return "Required"
    if error.kind == "type":
        expected = ctx.get("expected_type", "value")
        received = ctx.get("received", "unknown")
        if expected == "integer":
            # z.number().int(): a string is "not a number"; 1.5 is "not an integer"
            expected = "integer" if received == "number" else "number"
            received = "float" if received == "number" else received
        return f"Expected {expected}, received {received}"
    if error.kind == "format":
        return "Invalid email"
    if error.kind == "enum":
        value = ctx.get("value")
        choices = ctx.get("choices")
        expected = _quoted(choices) if choices else "one of PulseEvents"
        if not isinstance(value, str):
            return f"Expected {expected}, received {js_type(value)}"
        return f"Invalid enum value. Expected {expected}, received '{value}'"
    return error.message


def render(error: VendorError) -> Reply:
    spec = CATALOG[error.name]
    message = error.message or spec.message
    if error.fields:
        message = f"{spec.message}: " + "; ".join(f"{f.loc}: {phrase(f)}" for f in error.fields)
    body = {"error": spec.type, "status": spec.status, "message": message}
    allow = error.extra.get("allow")
    headers = (("Allow", ", ".join(allow)),) if allow else ()
    return Reply(spec.status, body, headers)


# ---------------------------------------------------------------- OpenAPI
# What Sessions.authenticate (and the caller look-up after it) can answer.
AUTH_ERRORS = ("UNAUTHORIZED", "INVALID_TOKEN", "SESSION_EXPIRED", "USER_INACTIVE")
# What the account-admin gate adds (Pulse._admin).
ADMIN_ERRORS = AUTH_ERRORS + ("MISSING_ACCOUNT_ID", "ACCOUNT_FORBIDDEN", "FORBIDDEN")

# What render() writes, for the generated OpenAPI document.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "title": "PulseError",
    "type": "object",
    "description": "Pulse's Error schema: `error` is the reason phrase, `status` the HTTP status.",
    "properties": {
        "error": {"type": "string", "enum": list(dict.fromkeys(str(spec.type) for spec in CATALOG.values()))},
        "status": {"type": "integer", "enum": sorted({spec.status for spec in CATALOG.values()})},
        "message": {"type": "string"},
    },
    "required": ["error", "status", "message"],
}

# The vendor's side of the one error funnel, declared on its Vendor class as ``error_contract``.
CONTRACT = ErrorContract(CATALOG, PROBLEMS, ENVELOPE_SCHEMA, render)
