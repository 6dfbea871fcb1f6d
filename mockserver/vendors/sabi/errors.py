"""Sabi error catalog and the one place its NestJS envelope is built.

Nothing about Sabi's errors is published [INF, vendor-wire-details.md §3]; the
success document is a raw Mongoose document, so the backend is taken to be
NestJS on Express, and every error is what stock NestJS sends:

* an ``HttpException`` built with a message -> ``{"statusCode", "message", "error"}``
  (``HttpException.createBody``; key order of Nest >= 8);
* the same exception built WITHOUT a message -> ``{"statusCode", "message"}`` where
  the message is the status phrase (e.g. ``new UnauthorizedException()``);
* a non-Nest error (body-parser's http-errors, a crash) goes through
  ``BaseExceptionFilter.handleUnknownError`` -> ``{"statusCode", "message"}``.

The catalog encodes that with data only: ``type`` is the phrase Nest puts in
``"error"`` (None for the non-Nest kind) and ``message`` the default message;
a default equal to the phrase means "built without a message".
"""

from __future__ import annotations

from typing import Any

from ...core.errors import ErrorSpec, FieldError, Problem, ProblemMap, VendorError
from ...core.vendor import ErrorContract, Reply

CATALOG: dict[str, ErrorSpec] = {
    # ValidationPipe / BadRequestException; body-parser SyntaxErrors are mapped here by Nest.
    "BAD_REQUEST": ErrorSpec(400, None, "Bad Request", "Bad Request"),
    # [INF] an ApiKey guard throwing `new UnauthorizedException()` (passport-headerapikey style).
    "UNAUTHORIZED": ErrorSpec(401, None, "Unauthorized", "Unauthorized"),
    # A guard returning false: Nest's own text.
    "FORBIDDEN": ErrorSpec(403, None, "Forbidden", "Forbidden resource"),
    # Nest's not-found handler: NotFoundException(`Cannot ${method} ${url}`).
    "NOT_FOUND": ErrorSpec(404, None, "Not Found", "Not Found"),
    # [INF] duplicate username: ConflictException with this text.
    "CONFLICT": ErrorSpec(409, None, "Conflict", "User already exists"),
    # body-parser's limit; the "error" key is the lead's brief (stock Nest would omit it: it is
    # not an HttpException) [INF].
    "PAYLOAD_TOO_LARGE": ErrorSpec(413, None, "Payload Too Large", "request entity too large"),
    # body-parser: a JSON body declared in a non-UTF charset (message filled in per request).
    # With the status phrase under "error", as the 400 and 413 bodies carry it: a client
    # reading Sabi's errors by their "error" key finds it on every body-parser failure
    # (stock Nest would omit it: it is not an HttpException) [INF].
    "UNSUPPORTED_MEDIA_TYPE": ErrorSpec(415, None, "Unsupported Media Type", "unsupported charset"),
    # @nestjs/throttler's ThrottlerException (string response -> no "error" key).
    "TOO_MANY_REQUESTS": ErrorSpec(429, None, None, "ThrottlerException: Too Many Requests"),
    # Anything unhandled (Mongo down, a bug): Nest's UNKNOWN_EXCEPTION_MESSAGE.
    "INTERNAL_SERVER_ERROR": ErrorSpec(500, None, None, "Internal server error"),
    "BAD_GATEWAY": ErrorSpec(502, None, "Bad Gateway", "Bad Gateway"),
    "SERVICE_UNAVAILABLE": ErrorSpec(503, None, "Service Unavailable", "Service Unavailable"),
    "GATEWAY_TIMEOUT": ErrorSpec(504, None, "Gateway Timeout", "Gateway Timeout"),
}


def _not_found(problem: Problem) -> VendorError:
    # Express/Nest answer an unknown path AND a known path with the wrong method the same
    # way: the core's detail is "<METHOD> <path below the mount>", i.e. what the app sees.
    # Nest formats req.url, which keeps the query string ("Cannot GET /nope?x=1"); the core
    # does not hand the query to a not-found Problem yet, so it is appended only when a
    # Problem carries it as a raw ``query`` attribute [INF].
    query = getattr(problem, "query", "")
    return VendorError("NOT_FOUND", message=f"Cannot {problem.detail}?{query}" if query else f"Cannot {problem.detail}")


def _invalid_fields(problem: Problem) -> VendorError:
    # Only reached if someone validates with core.validation; Sabi's handler does its own
    # class-validator emulation (dto.py), but the fields still render as a message list.
    return VendorError("BAD_REQUEST", fields=problem.fields)


PROBLEMS: ProblemMap = {
    "malformed_json": "BAD_REQUEST",
    "not_object": "BAD_REQUEST",
    "invalid_fields": _invalid_fields,
    "body_too_large": "PAYLOAD_TOO_LARGE",
    "not_found": _not_found,
    "method_not_allowed": _not_found,
    "bad_content_type": "BAD_REQUEST",
    "conflict": "CONFLICT",
    "scenario": "BAD_REQUEST",  # a BadRequestException with the text: {"statusCode": 400, "message", "error"}
    "internal": "INTERNAL_SERVER_ERROR",
}

# class-validator's default messages (v0.14), keyed by constraint name.  NestJS's
# ValidationPipe prefixes nested ones with the parent path ("country.name ...").
_TEMPLATES = {
    "isNotEmpty": "{p} should not be empty",
    "isString": "{p} must be a string",
    "isEnum": "{p} must be one of the following values: {values}",
    "isObject": "{p} must be an object",
    "nestedValidation": "nested property {p} must be either object or array",
    "isNumberString": "{p} must be a number string",
    "isEmail": "{p} must be an email",
}

# @Length(min, max) picks its text from the value (see dto._length_kind).
_LENGTH = {
    "too_short": "{p} must be longer than or equal to {min} characters",
    "too_long": "{p} must be shorter than or equal to {max} characters",
    "invalid": "{p} must be longer than or equal to {min} and shorter than or equal to {max} characters",
}


def message(error: FieldError) -> str:
    """One class-validator message for one failed constraint."""
    constraint = error.ctx.get("constraint")
    if constraint == "isLength":
        template = _LENGTH[error.kind]
    else:
        template = _TEMPLATES.get(str(constraint), "")
    if not template:
        return f"{error.loc} {error.message}"
    # nestedValidation names the last segment only; Nest then prepends the parent path.
    if constraint == "nestedValidation" and "." in error.loc:
        parent, _, leaf = error.loc.rpartition(".")
        return f"{parent}." + template.format(p=leaf)
    return template.format(p=error.loc, values=", ".join(error.ctx.get("choices", ())), min=error.ctx.get("min"), max=error.ctx.get("max"))


def render(error: VendorError) -> Reply:
    spec = CATALOG[error.name]
    body: dict[str, Any] = {"statusCode": spec.status}
    if error.fields:
        body["message"] = [message(f) for f in error.fields]
    else:
        body["message"] = error.message or spec.message
    # Built with a message (or a list) -> Nest adds the status phrase under "error";
    # built without one (message == phrase) or not a Nest exception -> no "error" key.
    if spec.type is not None and (error.fields or body["message"] != spec.type):
        body["error"] = spec.type
    return Reply(spec.status, body)


# ---------------------------------------------------------------- OpenAPI
# What render() writes, for the generated OpenAPI document: `message` is one text, or the
# ValidationPipe's list; `error` (the status phrase) only when Nest built it with a message.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "title": "SabiError",
    "type": "object",
    "description": "NestJS's error body (HttpException / BaseExceptionFilter).",
    "properties": {
        "statusCode": {"type": "integer", "enum": sorted({spec.status for spec in CATALOG.values()})},
        "message": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "error": {"type": "string", "enum": list(dict.fromkeys(spec.type for spec in CATALOG.values() if spec.type))},
    },
    "required": ["statusCode", "message"],
}

# The vendor's side of the one error funnel, declared on its Vendor class as ``error_contract``.
CONTRACT = ErrorContract(CATALOG, PROBLEMS, ENVELOPE_SCHEMA, render)
