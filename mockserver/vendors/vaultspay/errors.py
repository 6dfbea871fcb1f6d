"""VaultsPay error catalog and envelope: ``{code, message, type[, errors]}``.

Statuses follow the Create-User page where it disagrees with the global
errors page (INVALID_PAYLOAD 400 not 422; UNAUTHORISED 401 not 403).
"""

from __future__ import annotations

from ...core.errors import Conflict, ErrorSpec, FieldError, Problem, ProblemMap, VendorError
from ...core.vendor import ErrorContract, Reply

CATALOG: dict[str, ErrorSpec] = {
    # name: (HTTP status, code, type, message) — messages verbatim from the errors page
    "INVALID_PAYLOAD": ErrorSpec(400, 1000, "INVALID_PAYLOAD", "Invalid payload. Please check your request."),
    "UNAUTHORISED": ErrorSpec(401, 1001, "UNAUTHORISED", "You do not have permission to access this resource."),
    "UNAUTHENTICATED": ErrorSpec(401, 1002, "UNAUTHENTICATED", "You are not authenticated. Please login to continue."),
    "TOKEN_EXPIRED": ErrorSpec(401, 1003, "TOKEN_EXPIRED", "Your access token has expired. Please get a new token."),
    "SESSION_EXPIRED": ErrorSpec(401, 1004, "SESSION_EXPIRED", "Your session has expired. Please login again."),
    "THROTTLE": ErrorSpec(429, 1005, "THROTTLE", "Too many requests. Please try again later."),
    "BAN": ErrorSpec(403, 1006, "BAN", "Access to this resource is forbidden."),
    "IP_NOT_WHITELISTED": ErrorSpec(403, 1007, "IP_NOT_WHITELISTED", "Your IP is not whitelisted."),
    "NO_PRIVILEGE": ErrorSpec(403, 1008, "NO_PRIVILEGE", "Insufficient Privilege."),
    "BAD_REQUEST": ErrorSpec(400, 1010, "BAD_REQUEST", "Invalid request."),
    "INVALID_HEADERS": ErrorSpec(500, 1018, "INVALID_HEADERS", "Invalid HTTP headers."),
    "ACTION_REQUIRED": ErrorSpec(400, 1035, "ACTION_REQUIRED", "Please complete the prerequisite actions."),
    "INVALID_TOKEN": ErrorSpec(400, 1036, "INVALID_TOKEN", "Invalid access token provided."),
    "TRANSACTION_LOCKED_BY_RULE": ErrorSpec(500, 1050, "TRANSACTION_LOCKED_BY_RULE", "Transaction has been locked."),
    # [INF] transport-level failures, in the BAD_REQUEST shape with a fitting HTTP status
    "NOT_FOUND": ErrorSpec(404, 1010, "BAD_REQUEST", "Invalid request."),
    "METHOD_NOT_ALLOWED": ErrorSpec(405, 1010, "BAD_REQUEST", "Invalid request."),
    "PAYLOAD_TOO_LARGE": ErrorSpec(413, 1010, "BAD_REQUEST", "Invalid request."),
    # Spring's HttpMediaTypeNotSupportedException (a body that is not JSON: media.py)
    "UNSUPPORTED_MEDIA_TYPE": ErrorSpec(415, 1010, "BAD_REQUEST", "Invalid request."),
    "INTERNAL": ErrorSpec(500, 1010, "BAD_REQUEST", "Invalid request."),
}


def _body_error(problem: Problem) -> VendorError:
    reason = "must be a JSON object" if problem.kind == "not_object" else "malformed JSON request body"
    return VendorError("INVALID_PAYLOAD", fields=(FieldError("body", "invalid", reason),))


def _duplicate(problem: Problem) -> VendorError:
    # [INF] no duplicate code is published; INVALID_PAYLOAD naming the field is the house style.
    if isinstance(problem, Conflict) and problem.field == "email":
        return VendorError("INVALID_PAYLOAD", fields=(FieldError("email", "duplicate", "User already exists with this email"),))
    return VendorError("INVALID_PAYLOAD", fields=(FieldError("phone", "duplicate", "User already exists with this phone number"),))


PROBLEMS: ProblemMap = {
    "malformed_json": _body_error,
    "not_object": _body_error,
    "invalid_fields": "INVALID_PAYLOAD",
    "body_too_large": "PAYLOAD_TOO_LARGE",
    "not_found": "NOT_FOUND",
    "method_not_allowed": "METHOD_NOT_ALLOWED",
    "bad_content_type": "UNSUPPORTED_MEDIA_TYPE",
    "conflict": _duplicate,
    "scenario": "BAD_REQUEST",
    "internal": "INTERNAL",
}

# Bean-Validation-style reasons (the backend's documented "must not be blank"
# is Hibernate Validator's default text).
_REASONS = {
    "missing": "must not be blank",
    "format": "must be a well-formed email address",
    "too_long": "size must be between 0 and {max_length}",
}


def reason(error: FieldError) -> str:
    if error.kind == "type":
        expected = str(error.ctx.get("expected_type", "valid value"))
        return f"must be {'an' if expected[0] in 'aeiou' else 'a'} {expected}"
    if error.kind == "enum":
        return "must be one of [" + ", ".join(error.ctx.get("choices", ())) + "]"
    template = _REASONS.get(error.kind)
    if template is None:
        return error.message
    return template.format(**error.ctx)


def render(error: VendorError) -> Reply:
    spec = CATALOG[error.name]
    body: dict[str, object] = {"code": spec.code, "message": error.message or spec.message, "type": spec.type}
    if error.fields:
        body["errors"] = [{"key": f.loc, "reason": reason(f)} for f in error.fields]
    return Reply(spec.status, body)


# ---------------------------------------------------------------- OpenAPI
# What Tokens.authenticate can answer: every route behind the Bearer token lists these.
AUTH_ERRORS = ("UNAUTHENTICATED", "INVALID_TOKEN", "SESSION_EXPIRED", "TOKEN_EXPIRED")
# What media.json_body answers: every route that reads a body lists it.
MEDIA_ERRORS = ("UNSUPPORTED_MEDIA_TYPE",)

# The body render() writes, for the generated OpenAPI document; codes and types from the catalog.
ENVELOPE_SCHEMA: dict[str, object] = {
    "title": "VaultsPayError",
    "type": "object",
    "description": "VaultsPay's error envelope; `errors` names each failing field (INVALID_PAYLOAD and friends).",
    "properties": {
        "code": {"type": "integer", "enum": sorted({spec.code for spec in CATALOG.values()})},
        "message": {"type": "string"},
        "type": {"type": "string", "enum": list(dict.fromkeys(str(spec.type) for spec in CATALOG.values()))},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["key", "reason"],
            },
        },
    },
    "required": ["code", "message", "type"],
}

# The vendor's side of the one error funnel, declared on its Vendor class as ``error_contract``.
CONTRACT = ErrorContract(CATALOG, PROBLEMS, ENVELOPE_SCHEMA, render)
