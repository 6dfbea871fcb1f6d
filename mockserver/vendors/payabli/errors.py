"""Payabli error catalog and envelope (``PayabliErrorBody``).

Wire shape, key order as the SDKs declare it::

    {"isSuccess": false, "responseCode": 3201, "responseText": "Error",
     "responseData": {"explanation": "...", "todoAction": "..."}}

``responseCode`` is optional in ``PayabliErrorBody`` [PUB]: rows without a
documented responseCode (401, 404, 5xx...) omit it.  Catalog keys are the
responseCode where one exists ("3201"), so scenarios can say ``error: 3201``.
The responseCode rows use the docs' Name as ``explanation`` and its Solution
as ``todoAction`` verbatim [PUB: docs.payabli.com/api-reference/api-responses;
pairing Name/Solution with explanation/todoAction is INF].

Rows with a ``type`` belong to ``POST /v2/Token/serverside`` and render as its
own ``TokenErrorResponse`` ``{"errorType", "errorMessage"}`` [PUB: sdk-ruby
types/token_error_response.rb]; ``type`` is the errorType.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...core.errors import ErrorSpec, FieldError, MethodNotAllowed, Problem, ProblemMap, VendorError
from ...core.vendor import ErrorContract, Reply


@dataclass(frozen=True, slots=True)
class PayabliSpec(ErrorSpec):
    """A catalog row; ``message`` is the explanation, ``todo`` the todoAction."""

    todo: str = ""


def _row(status: int, code: int | None, explanation: str, todo: str) -> PayabliSpec:
    return PayabliSpec(status, code, None, explanation, todo)


def _token_row(status: int, error_type: str, message: str, todo: str) -> PayabliSpec:
    # ``type`` set = the token endpoint's own TokenErrorResponse envelope.
    return PayabliSpec(status, None, error_type, message, todo)


CATALOG: dict[str, PayabliSpec] = {
    # -- documented responseCodes [PUB], all answered with HTTP 400 ("Bad request/ invalid data")
    "3001": _row(400, 3001, "Invalid entrypoint name", "Correct the parameter and try again."),
    "3002": _row(400, 3002, "Invalid Amount", "Provide a valid amount."),
    "3003": _row(400, 3003, "Invalid parameter value in request", "Provide the correct value for parameter."),
    "3004": _row(400, 3004, "Invalid TimeZone value", "Provide a value between -12 and +12."),
    "3005": _row(400, 3005, "Invalid paypoint ID", "Provide a valid paypoint ID value."),
    "3006": _row(400, 3006, "Invalid user status", "Provide a valid status value for user (either 0, 1, or 85)."),
    "3007": _row(
        400,
        3007,
        "The transaction cannot be refunded",
        "There’s no solution for this, transactions with an associated chargeback or ACH return can’t be refunded."
        " See Chargebacks and Returns Overview for more information.",
    ),
    "3012": _row(400, 3012, "Invalid Amount", "Provide a valid amount."),
    "3013": _row(400, 3013, "Invalid Amount", "Provide a valid amount."),
    "3201": _row(400, 3201, "Empty scope array for user", "Provide a valid scope for user."),
    # [INF] no documented duplicate code: 3003 naming the email keeps SDK error handling uniform
    "DUPLICATE_EMAIL": _row(400, 3003, "Invalid parameter value in request", "Provide the correct value for parameter."),
    # [INF] an unknown userId: the User endpoints declare no 404, only 400 "Bad
    # request/ invalid data" [PUB OpenAPI], so it is 3003 naming the id
    "USER_NOT_FOUND": _row(400, 3003, "Invalid parameter value in request", "Provide the correct value for parameter."),
    # [INF] an unknown entry on /Query/users/point/{entry}: 3001 "Invalid entrypoint name" [PUB code]
    "UNKNOWN_ENTRY": _row(400, 3001, "Invalid entrypoint name", "Correct the parameter and try again."),
    # -- POST /v2/Token/serverside: TokenErrorResponse {errorType, errorMessage}, HTTP 400 "when the
    # request is invalid, for example when the client credentials are wrong", errorType e.g.
    # `InvalidCredentials` [PUB: sdk-python 1.0.19 TokenErrorResponse; its token call declares only 400].
    # The other errorTypes follow that PascalCase [INF]; texts [INF]; 415 is ASP.NET's, before the action [INF].
    "TOKEN_INVALID_REQUEST": _token_row(400, "InvalidRequest", "The request is missing a required parameter or is malformed.",
                                        "Send a JSON body with clientId and clientSecret."),
    "TOKEN_INVALID_CLIENT": _token_row(400, "InvalidCredentials", "Invalid client credentials.",
                                       "Check the client ID and client secret issued in the Payabli Portal."),
    "TOKEN_INVALID_SCOPE": _token_row(400, "InvalidScope", "The requested permissions exceed those granted to the client.",
                                      "Request only permissions granted to the credential."),
    "TOKEN_UNSUPPORTED_MEDIA_TYPE": _token_row(415, "InvalidRequest", "Content-Type must be application/json.",
                                               "Send the body as JSON with the header Content-Type: application/json."),
    # -- HTTP-level failures: statuses from the OpenAPI (401/500/503) or HTTP itself; texts [INF]
    # except "Unauthorized request." / "Internal API Error" / "Database connection error" (OpenAPI descriptions [PUB])
    "UNAUTHORIZED": _row(401, None, "Unauthorized request.", "Provide a valid API token in the requestToken header."),
    # -- the user login family (user_auth.py): 401 in the PayabliErrorBody (the SDK's UnauthorizedError),
    # without responseCode; statuses and texts [INF] but the application-token rule [PUB]
    "INVALID_CREDENTIALS": _row(401, None, "Invalid user credentials.", "Check the user's e-mail and password and try again."),
    "USER_INACTIVE": _row(401, None, "The user is inactive.", "Ask an administrator to activate the user (usrStatus 1)."),
    "USER_LOCKED": _row(401, None, "The user is locked.", "Ask an administrator to unlock the user (usrStatus 1)."),
    "APPLICATION_TOKEN_REQUIRED": _row(
        401, None, "This endpoint requires an application API token.",
        "Send an application API token (PartnerHub > Developers > API Tokens) in the requestToken header.",
    ),
    "USER_TOKEN_REQUIRED": _row(
        401, None, "This endpoint requires a user token.",
        "Log the user in (POST /User/auth/{provider}, then POST /User/mfa with MFA on) and send its token in the requestToken header.",
    ),
    "FORBIDDEN": _row(403, None, "Forbidden request.", "Use an API token that has access to this resource."),
    "NOT_FOUND": _row(404, None, "Resource not found", "Check the endpoint URL and try again."),
    "METHOD_NOT_ALLOWED": _row(405, None, "Method not allowed", "Use the HTTP method documented for this endpoint."),
    "PAYLOAD_TOO_LARGE": _row(413, None, "Request body too large", "Reduce the size of the request body and try again."),
    "UNSUPPORTED_MEDIA_TYPE": _row(
        415, None, "Unsupported media type", "Send the body as JSON with the header Content-Type: application/json."
    ),
    "RATE_LIMITED": _row(
        429, None, "Too many requests", "Wait and retry: each API token may send 200 requests a minute, 3000 per 15 minutes and 10000 an hour."
    ),
    "INTERNAL": _row(500, None, "Internal API Error", "Try again later. If the problem persists, contact Payabli support."),
    "DATABASE_ERROR": _row(503, None, "Database connection error", "Try again later."),
}

# The token endpoint's own rows (TokenErrorResponse) and the login family's: create-user never
# answers them, so its ``Route.errors`` (and its OpenAPI, scenarios and X-Mock-Error) are the others.
TOKEN_KEYS: tuple[str, ...] = tuple(key for key, spec in CATALOG.items() if spec.type is not None)
LOGIN_KEYS: tuple[str, ...] = ("INVALID_CREDENTIALS", "USER_INACTIVE", "USER_LOCKED", "APPLICATION_TOKEN_REQUIRED")
SESSION_KEYS: tuple[str, ...] = ("USER_TOKEN_REQUIRED",)
USER_KEYS: tuple[str, ...] = tuple(key for key in CATALOG if key not in (*TOKEN_KEYS, *LOGIN_KEYS, *SESSION_KEYS))

_TYPE_ARTICLES = {"integer": "an integer", "object": "an object", "array": "an array"}


def field_code(error: FieldError) -> str:
    # Rules with their own responseCode (3201, 3004, 3006, 3005) carry it in the
    # error context (models.rule); every other field problem is 3003.
    return str(error.ctx.get("code", "3003"))


def _is_binding(error: FieldError) -> bool:
    # A JSON value of the wrong type fails .NET model binding, which runs before
    # any of the controller's own checks: such errors decide the responseCode.
    return error.kind == "type" or bool(error.ctx.get("binding"))


def winning_code(fields: tuple[FieldError, ...]) -> str:
    """[INF] One responseCode for many failures: a binding (type) error wins
    (3003); otherwise the first failing field in UserData order decides."""
    for error in fields:
        if _is_binding(error):
            return "3003"
    return field_code(fields[0])


def detail(error: FieldError) -> str:
    """One failing field as a short clause that starts with its name."""
    loc, kind, ctx = error.loc, error.kind, error.ctx
    if "code" in ctx:  # our own validators: the message is a predicate
        return f"{loc} {error.message}"
    if kind == "type":
        expected = str(ctx.get("expected_type", "value"))
        return f"{loc} must be {_TYPE_ARTICLES.get(expected, 'a ' + expected)}"
    if kind == "missing":
        return f"{loc} is required"
    if kind == "format":
        return f"{loc} is not a valid email address"
    if kind == "too_long":
        return f"{loc} must be at most {ctx.get('max_length')} characters"
    if kind == "enum":
        return f"{loc} must be one of " + ", ".join(str(c) for c in ctx.get("choices", ()))
    return f"{loc}: {error.message}"


def explanation(spec: PayabliSpec, fields: tuple[FieldError, ...]) -> str:
    # A single failure whose code names it ("Empty scope array for user") reads
    # as documented; 3003 and multi-field failures list every failing field.
    if not fields or (len(fields) == 1 and spec.code != 3003):
        return spec.message
    return f"{spec.message}: " + "; ".join(detail(f) for f in fields)


def _invalid_fields(problem: Problem) -> VendorError:
    return VendorError(winning_code(problem.fields), fields=problem.fields)


def _body_error(problem: Problem) -> VendorError:
    if problem.kind == "not_object":
        clause = "must be a JSON object"
    elif problem.detail == "empty body":
        clause = "is empty"
    else:
        clause = "is not valid JSON"
    return VendorError("3003", fields=(FieldError("body", "invalid", clause, {"code": "3003"}),))


def _method_not_allowed(problem: Problem) -> VendorError:
    method = problem.detail.partition(" ")[0] or "?"
    allowed = problem.allowed if isinstance(problem, MethodNotAllowed) else ()
    # [INF] ASP.NET Web API's wording, and the Allow header HTTP asks for
    return VendorError(
        "METHOD_NOT_ALLOWED",
        message=f"The requested resource does not support http method '{method}'.",
        extra={"headers": (("Allow", ", ".join(allowed)),) if allowed else ()},
    )


def _duplicate(problem: Problem) -> VendorError:
    # The one unique key of a user is its e-mail (case-insensitively).
    return VendorError("DUPLICATE_EMAIL", fields=(FieldError("email", "duplicate", "is already in use by another user", {"code": "3003"}),))


PROBLEMS: ProblemMap = {
    "malformed_json": _body_error,
    "not_object": _body_error,
    "invalid_fields": _invalid_fields,
    "body_too_large": "PAYLOAD_TOO_LARGE",
    "not_found": "NOT_FOUND",
    "method_not_allowed": _method_not_allowed,
    "bad_content_type": "UNSUPPORTED_MEDIA_TYPE",
    "conflict": _duplicate,
    # [INF] a header naming no scenario or catalog key: "Invalid parameter value in request", its text the explanation
    "scenario": "3003",
    "internal": "INTERNAL",
}


def token_message(spec: PayabliSpec, fields: tuple[FieldError, ...]) -> str:
    if not fields:
        return spec.message
    return f"{spec.message} " + "; ".join(detail(f) for f in fields) + "."


def render(error: VendorError) -> Reply:
    # An unknown key is our bug (or a scenario typo): still the envelope, as a 500.
    spec = CATALOG.get(error.name) or CATALOG["INTERNAL"]
    if spec.type is not None:  # the token endpoint's TokenErrorResponse, key order as the SDK declares it
        token_body = {"errorType": spec.type, "errorMessage": error.message or token_message(spec, error.fields)}
        return Reply(spec.status, token_body, tuple(error.extra.get("headers", ())))
    body: dict[str, Any] = {"isSuccess": False}
    if spec.code is not None:
        body["responseCode"] = spec.code
    body["responseText"] = "Error"
    body["responseData"] = {
        "explanation": error.message or explanation(spec, error.fields),
        "todoAction": spec.todo,
    }
    return Reply(spec.status, body, tuple(error.extra.get("headers", ())))


# ---------------------------------------------------------------- OpenAPI
# What render() writes, for the generated OpenAPI document: a PayabliErrorBody, or
# (rows with a ``type``) the token endpoint's TokenErrorResponse.  Codes from the catalog.
_ERROR_BODY: dict[str, Any] = {
    "title": "PayabliErrorBody",
    "type": "object",
    "description": "PayabliErrorBody; `responseCode` is left out by the rows that have none (401, 404, 5xx...).",
    "properties": {
        "isSuccess": {"const": False},
        "responseCode": {"type": "integer", "enum": sorted({s.code for s in CATALOG.values() if s.type is None and s.code is not None})},
        "responseText": {"const": "Error"},
        "responseData": {
            "type": "object",
            "properties": {"explanation": {"type": "string"}, "todoAction": {"type": "string"}},
            "required": ["explanation", "todoAction"],
        },
    },
    "required": ["isSuccess", "responseText", "responseData"],
}
_TOKEN_ERROR: dict[str, Any] = {
    "title": "TokenErrorResponse",
    "type": "object",
    "description": "TokenErrorResponse of POST /v2/Token/serverside.",
    "properties": {
        "errorType": {"type": "string", "enum": list(dict.fromkeys(s.type for s in CATALOG.values() if s.type is not None))},
        "errorMessage": {"type": "string"},
    },
    "required": ["errorType", "errorMessage"],
}
# Each branch is a named component (the SDK's own model names): a generated client gets one
# model per branch, where unnamed ones made openapi-python-client generate a model twice.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "title": "PayabliError",
    "anyOf": [{"$ref": "#/$defs/PayabliErrorBody"}, {"$ref": "#/$defs/TokenErrorResponse"}],
    "$defs": {"PayabliErrorBody": _ERROR_BODY, "TokenErrorResponse": _TOKEN_ERROR},
}


def error_schema_of(keys: Sequence[str]) -> dict[str, Any]:
    """The one envelope these keys share: a PayabliErrorBody (every User and Query route) or a
    TokenErrorResponse (the token call); both only where one status mixes them."""
    tokens = sum(1 for key in keys if CATALOG[key].type is not None)
    if tokens == 0:
        return _ERROR_BODY
    return _TOKEN_ERROR if tokens == len(keys) else ENVELOPE_SCHEMA

# The vendor's side of the one error funnel, declared on its Vendor class as ``error_contract``.
# (a User route never documents the token call's envelope: error_schema_of)
CONTRACT = ErrorContract(CATALOG, PROBLEMS, ENVELOPE_SCHEMA, render, schema_of=error_schema_of)
