"""Sabi fidelity table: what the emulation does and where each behaviour comes from.

Read by mockserver.core.fidelity (docs/fidelity.md and the
admin fidelity map).  Route and error-catalog rows are generated from the
code; this module gives their sources and the hand-written rows.
Texts are Markdown; paths are relative to the mount.

Nothing about Sabi's errors is published: every error behaviour is what stock
NestJS on Express answers [INF, vendor-wire-details.md §3].
"""

from __future__ import annotations

from ...core.fidelity import FidelityNotes, Row, row

SEED = "002"

_TRAILING_SLASH = "[INF] Express routes are not strict about a trailing slash"
ROUTE_SOURCES: dict[str, str] = {
    "create_user": "[SEED] Create User page",
    "invite_user": "[PUB] sabi-docs user_invite page",
    "POST /api/v1/users/public/": _TRAILING_SLASH,
    "POST /api/v1/users/public/invite/": _TRAILING_SLASH,
}

_SCENARIO = "; sent only by scenarios"
ERROR_SOURCES: dict[str, str] = {
    "BAD_REQUEST": "[INF] NestJS ValidationPipe / BadRequestException (body-parser SyntaxErrors too)",
    "UNAUTHORIZED": "[INF] an ApiKey guard throwing Nest's `new UnauthorizedException()`",
    "FORBIDDEN": "[INF] Nest's text for a guard returning false" + _SCENARIO,
    "NOT_FOUND": "[INF] Nest's not-found handler, message `Cannot <METHOD> <url>`",
    "CONFLICT": "[INF] ConflictException for a duplicate username",
    "PAYLOAD_TOO_LARGE": "[INF] body-parser's limit (stock Nest would send no `error` key)",
    "UNSUPPORTED_MEDIA_TYPE": "[INF] body-parser: a JSON body in a non-UTF charset; `error` \"Unsupported Media Type\" as on the 400 and 413 "
    "bodies (stock Nest would send no `error` key)",
    "TOO_MANY_REQUESTS": "[INF] @nestjs/throttler's ThrottlerException" + _SCENARIO,
    "INTERNAL_SERVER_ERROR": "[INF] Nest's unknown-exception text; also a bug of ours",
    "BAD_GATEWAY": "[INF] Nest HttpException" + _SCENARIO,
    "SERVICE_UNAVAILABLE": "[INF] Nest HttpException" + _SCENARIO,
    "GATEWAY_TIMEOUT": "[INF] Nest HttpException" + _SCENARIO,
}

FIDELITY: tuple[Row, ...] = (
    row(
        "route",
        "read, update, delete",
        "none documented, none emulated: Nest's 404 \"Cannot GET /api/v1/users/public/…\" (the URL keeps its query string)",
        "[SEED] and [PUB] document no such route; the 404 [INF]",
    ),
    # ------------------------------------------------------------ auth
    row(
        "auth",
        "`ApiKey: <platformApiKey>`",
        "required on both routes; the fixture's `apiKeys` (a key may carry a `tenantId`)",
        "[SEED] header; key tenants [INF]",
    ),
    row(
        "auth",
        "missing, empty, unknown, revoked or expired key",
        "401 `{\"statusCode\":401,\"message\":\"Unauthorized\"}` (no `error` key), the same for every cause",
        "[INF] Nest's `UnauthorizedException` without a message",
    ),
    row(
        "auth",
        "order of checks",
        "the body is parsed first (a 400 SyntaxError, 413 or 415 wins over the 401), then the key, then validation, then "
        "the duplicate check",
        "[INF] Express body-parser middleware runs before Nest guards",
    ),
    row(
        "lifecycle",
        "key lifecycle",
        "fixture `revoked: true`; `expiresAt` (an instant) or `expiresAfter` (a duration from start-up, reset or a test "
        "session's start); at the expiry instant the key is already refused",
        "[INF] nothing published",
    ),
    # ------------------------------------------------------------ fields
    row(
        "field",
        "required `username`, `password`, `firstName`, `lastName`",
        "\"X should not be empty\", \"X must be a string\": one message per failed constraint, in the DTO's field order, "
        "as NestJS's ValidationPipe with class-validator",
        "[INF] the page documents the fields, not the decorators",
    ),
    row(
        "field",
        "`role`",
        "optional, default CUSTOMER; one of the ten documented roles, else \"role must be one of the following values: …\"; "
        "TENANT_GLOBAL (only in the example response) is refused",
        "[SEED] roles table and default; message and TENANT_GLOBAL [INF]",
    ),
    row(
        "field",
        "`gender`",
        "MALE or FEMALE, upper case only (the prose's \"Male or Female\" is refused)",
        "[SEED] enum; case [INF] class-validator `IsEnum` is case-sensitive",
    ),
    row("field", "`bvn`, `nin`", "11 ASCII digits when given (\"must be a number string\", @Length texts)", "[INF] Nigerian BVN/NIN"),
    row(
        "field",
        "`country`/`state`/`city` (+ `foreignerResidential*`)",
        "objects with `name` and `code` required inside (+ `currency` for countries): \"state.code should not be empty\"; "
        "not an object → \"country must be an object\", \"nested property country must be either object or array\"",
        "[SEED] shape; checks [INF]",
    ),
    row(
        "field",
        "other fields",
        "`tenantId`, `middleName`, `address`, `photo`, `identityType`, `identityDoc`, `actionBy`, `dob`, `phone`: strings "
        "when present (null skips the check); `username` is any non-empty string, not checked as an email",
        "[SEED] fields; types [INF]",
    ),
    row(
        "field",
        "Content-Type and body",
        "`application/json` (a non-UTF charset → 415); `application/x-www-form-urlencoded` parsed as a form (`a[b]=c` "
        "nests); anything else, or an empty body, is `{}` (so the required-field messages); a JSON array is validated like "
        "`{}`, a JSON scalar is a 400 SyntaxError",
        "[INF] Express body-parser as NestJS registers it (the seed only names `Content-Type: application/json`)",
    ),
    row(
        "field",
        "`POST /api/v1/users/public/invite` query",
        "`invitedByName`, `invitedByEmail` (an email), `platformLink`, `invitation` all required, in that order; checked "
        "after the body, so a bad body hides bad query parameters",
        "[PUB] all four \"(Required)\"; checks and order [INF]",
    ),
    row(
        "field",
        "`invitation`",
        "MERCHANT, SUPPLIER, TRACE, AGENCY, CUSTOMER, AGENT, SABI, MANAGEMENT",
        "[PUB] user_invite page",
    ),
    # ------------------------------------------------------------ responses
    row(
        "response",
        "create success",
        "201 with the seed's Mongo document, keys and order as in the seed (`bvmVerified` spelled as there), "
        "`password: null`, every `*Verified` \"PENDING\", wallet 035/Wema Bank, default country Nigeria/NG/NGN with its "
        "own `_id`, `invitationType` \"SELF\", `createdBy` null",
        "[SEED]",
    ),
    row("response", "`_id`", "24-hex ObjectId: clock seconds + seeded process bytes + counter", "[INF] MongoDB ObjectId layout"),
    row(
        "response",
        "`passId`, `userHandle`",
        "8 unambiguous upper-case characters; first+last name folded to ASCII + 4 digits",
        "[INF] formats not published",
    ),
    row(
        "response",
        "`roles`, `tenants`, `phone`",
        "`[role]`; `[tenantId]` (else the key's tenant, else `[]`); the client's phone or null",
        "[INF]",
    ),
    row(
        "response",
        "optional fields sent (gender, dob, address, state, …)",
        "stored and returned, in ASCII key order among the seed's keys; `isForeigner` always false",
        "[INF] the seed's keys are ASCII-sorted",
    ),
    row(
        "response",
        "`createdAt`, `updatedAt`, Content-Type",
        "server clock as `2024-01-15T09:00:00.000Z`; `application/json; charset=utf-8`",
        "[INF] Mongoose dates, Express `res.json()`",
    ),
    row(
        "response",
        "invite success",
        "201, the create document with `invitationType` = `invitation` and `createdBy` = the inviter's email",
        "[PUB] 201 \"Created\"; body [INF]",
    ),
    # ------------------------------------------------------------ errors
    row(
        "error",
        "error envelope",
        "NestJS `{\"statusCode\":400,\"message\":[…],\"error\":\"Bad Request\"}`; exceptions built without a message send "
        "`{\"statusCode\",\"message\"}` only",
        "[INF] Nest's HttpException body",
    ),
    row(
        "error",
        "duplicate username",
        "409 `{\"statusCode\":409,\"message\":\"User already exists\",\"error\":\"Conflict\"}`, case-insensitive, one index "
        "for create and invite",
        "[INF]",
    ),
    row(
        "error",
        "malformed JSON",
        "400 with body-parser's (Node ≤ 18 V8) text, e.g. \"Unexpected token } in JSON at position 16\"",
        "[INF]",
    ),
    row(
        "error",
        "unknown path / wrong method",
        "404 `{\"statusCode\":404,\"message\":\"Cannot GET /api/v1/nope\",\"error\":\"Not Found\"}`",
        "[INF] Nest/Express",
    ),
    row("error", "body over 1 MiB", "413 \"request entity too large\" with `\"error\":\"Payload Too Large\"`", "[INF]"),
)

# What the vendor class declares as its ``fidelity`` (see core/fidelity.py).
NOTES = FidelityNotes(rows=FIDELITY, error_sources=ERROR_SOURCES, route_sources=ROUTE_SOURCES, seed=SEED)
