"""VaultsPay fidelity table: what the emulation does and where each behaviour comes from.

Read by mockserver.core.fidelity (docs/fidelity.md and the
admin fidelity map).  Route and error-catalog rows are generated from the
code; this module gives their sources and the hand-written rows.
Texts are Markdown; "/us/..." and "/as/..." paths are relative to the mount.
"""

from __future__ import annotations

from ...core.fidelity import FidelityNotes, Row, not_supported, row

SEED = "000"

ROUTE_SOURCES: dict[str, str] = {
    "create_user": "[SEED] Create-User page",
    "login": "[PUB] authentication page",
    "refresh": "[PUB] authentication page",
    "list_users": "[INF] the API index lists no user list; its shape is the pagination page's [PUB]",
    "get_user": "[INF] not in the API index; the user shape is the seed's",
    "kyc_create": "[PUB] api-reference index, update-personal-info page",
    "kyc_update": "[PUB] update-personal-info page",
    "get_kyc": "[PUB] get-kyc page",
}

_ERRORS_PAGE = "[PUB] errors page"
ERROR_SOURCES: dict[str, str] = {
    "INVALID_PAYLOAD": "[SEED] Create-User page: 400 (the global errors page says 422); message [PUB] errors page",
    "UNAUTHORISED": "[SEED] Create-User page: 401 (the global errors page says 403); message [PUB] errors page",
    "UNAUTHENTICATED": _ERRORS_PAGE,
    "TOKEN_EXPIRED": "[SEED] Create-User page; message [PUB] errors page",
    "SESSION_EXPIRED": "[SEED] Create-User page; message [PUB] errors page",
    "THROTTLE": _ERRORS_PAGE + "; sent only by scenarios",
    "BAN": _ERRORS_PAGE + "; sent only by scenarios",
    "IP_NOT_WHITELISTED": _ERRORS_PAGE + "; sent only by scenarios",
    "NO_PRIVILEGE": _ERRORS_PAGE + "; sent only by scenarios",
    "BAD_REQUEST": "[PUB] errors page \"Standard Error\" example; HTTP 400 [INF] (none given); sent only by scenarios",
    "INVALID_HEADERS": _ERRORS_PAGE + "; sent only by scenarios",
    "ACTION_REQUIRED": "[PUB] errors page example; HTTP 400 [INF] (none given)",
    "INVALID_TOKEN": _ERRORS_PAGE,
    "TRANSACTION_LOCKED_BY_RULE": _ERRORS_PAGE + "; sent only by scenarios",
    "NOT_FOUND": "[INF] unknown path: the BAD_REQUEST body with a fitting HTTP status",
    "METHOD_NOT_ALLOWED": "[INF] wrong method: the BAD_REQUEST body with a fitting HTTP status (no `Allow` header)",
    "PAYLOAD_TOO_LARGE": "[INF] body over 1 MiB: the BAD_REQUEST body with a fitting HTTP status",
    "UNSUPPORTED_MEDIA_TYPE": "[INF] Spring's HttpMediaTypeNotSupportedException (415) for a body that is not JSON: the BAD_REQUEST body "
    "with HTTP 415, as for 404/405/413 (no published 415 body; vendor-wire-details.md has none either)",
    "INTERNAL": "[INF] a bug of ours: the BAD_REQUEST body with HTTP 500",
}

FIDELITY: tuple[Row, ...] = (
    # ------------------------------------------------------------ routes not emulated
    not_supported(
        "route",
        "`POST`/`PATCH /us/api/v1/kyc/addresses`, `/us/api/v1/kyc/identification`",
        "not emulated (request bodies unpublished): 405, as the paths fit `GET /us/api/v1/kyc/{userId}`",
        "[PUB] api-reference index",
    ),
    not_supported(
        "route",
        "`GET /us/api/v1/countries`, `/us/api/v1/states/{countryId}`, `/us/api/v1/cities/{stateId}`",
        "not emulated: 404/1010",
        "[PUB] api-reference index",
    ),
    not_supported("route", "`GET /be/api/v1/accounts` and the other account endpoints", "not emulated: 404/1010", "[PUB] get-accounts page"),
    not_supported(
        "route",
        "the Stripe-like variant of the docs (`/v1/users`, `usr_…` ids, `{error:{…}}`)",
        "not emulated: it reads as template text; the numeric-code variant (the seed's) is",
        "[PUB] apidoc-issuance.vaultspay.dev, template variant",
    ),
    # ------------------------------------------------------------ auth
    row(
        "auth",
        "`Authorization: Bearer <accessToken>`",
        "required on every route but saas-login and saas-refresh-token; checked before the body",
        "[SEED] Create-User page; other routes [PUB] api-reference; order [INF]",
    ),
    row("auth", "missing header, or `Bearer` without a token", "401/1002 UNAUTHENTICATED", "[PUB] errors page"),
    row(
        "auth",
        "scheme not `Bearer`, or a token that is not three base64url segments",
        "400/1036 INVALID_TOKEN",
        "[PUB] errors page (\"malformed token\")",
    ),
    row(
        "auth",
        "well-formed but unknown token",
        "400/1036 INVALID_TOKEN \"Invalid access token provided.\", as for a malformed one (1001 UNAUTHORISED is about "
        "permission, not the token: before issue 14 an unknown token answered 401/1001)",
        "[PUB] errors page catalog (1036 INVALID_TOKEN); the same answer for malformed and unknown [INF]",
    ),
    row(
        "auth",
        "access token past expiry",
        "401/1003 TOKEN_EXPIRED on every authenticated route (create, list, get, the three KYC routes)",
        "[SEED] Create-User page; [PUB] errors page",
    ),
    row(
        "auth",
        "session (refresh token) past expiry",
        "401/1004 SESSION_EXPIRED, checked before the access token's own expiry",
        "[SEED] Create-User page; [PUB] errors page; order [INF]",
    ),
    row(
        "auth",
        "`POST /as/api/v1/saas-login`",
        "`{clientId, clientSecret}` → 200 bare `{accessToken, accessTokenExpiry, refreshToken, refreshTokenExpiry}` (not "
        "wrapped in `data`), expiries like `2024-09-23T18:33:10.049+00:00`; a blank field → 400/1000 \"must not be blank\"",
        "[PUB] authentication page; blank-field error [INF]",
    ),
    row("auth", "wrong client credentials", "401/1001 UNAUTHORISED with the message \"Invalid client credentials.\"", "[INF] not published"),
    row(
        "auth",
        "`POST /as/api/v1/saas-refresh-token`",
        "`{refreshToken}` → `{\"data\":{\"accessToken\",\"accessTokenExpiry\"}}`, a new 15-minute access token and no new "
        "refresh token; session past expiry → 401/1004; unknown token, or an access token → 401/1001",
        "[PUB] authentication page; errors [INF]",
    ),
    row(
        "auth",
        "token lifetimes",
        "access token 15 min, session (refresh token) 24 h: fixture `settings.accessTokenTtl` / `refreshTokenTtl`",
        "[INF] the FAQ only says access tokens live 5–60 min",
    ),
    row(
        "auth",
        "token format",
        "JWT-shaped (HS256 header; `sub`, `agentId`, `iat`, `exp`, `jti` claims; seeded signature) but opaque: the server "
        "only looks tokens up",
        "[INF] the docs' tokens are JWTs; nothing about their claims is published",
    ),
    row(
        "auth",
        "fixture tokens",
        "`tokens[]` of the fixture work from start-up without saas-login (`expiresIn`, default 365 days)",
        "[INF] curl examples that work as written",
    ),
    not_supported(
        "auth",
        "production encryption: AES-GCM + RSA bodies, `x-session-nonce`, `x-auth-signature`, `x-device-os`, `x-device-id`, "
        "`x-enable-encryption`",
        "not emulated: plaintext JSON is always accepted and the headers are ignored (the UAT behaviour with encryption off)",
        "[PUB] encryption-security page",
    ),
    # ------------------------------------------------------------ fields (create)
    row(
        "field",
        "`firstName`, `lastName`, `status`",
        "required: missing or blank → \"must not be blank\"; `status` ∈ ACTIVE, PENDING, BLOCK, else \"must be one of "
        "[ACTIVE, PENDING, BLOCK]\"",
        "[SEED] rules; reason texts [INF] Bean Validation defaults",
    ),
    row(
        "field",
        "email OR (countryCode AND phone)",
        "neither → `{\"key\":\"email\",\"reason\":\"must not be blank\"}`; a `phone` without `countryCode` (with or "
        "without an email) → countryCode \"must not be blank\"; a `countryCode` alone → phone \"must not be blank\", but beside an "
        "email it is accepted and kept (phoneNumber null)",
        "[SEED] rule and \"countryCode: Required only when creating by phone\"; [PUB] reason text (errors page); keeping a lone "
        "countryCode [INF]",
    ),
    row(
        "field",
        "`email`",
        "an address of at most 320 characters, else \"must be a well-formed email address\"; `\"\"` passes (Bean Validation's "
        "@Email accepts an empty string) and is no email: stored and answered as null, so countryCode + phone must be given",
        "[SEED] \"valid email\"; check and text [INF] Hibernate Validator's EmailValidator (null and empty are valid)",
    ),
    row(
        "field",
        "`countryCode` / `phone` format",
        "ASCII digits only, 1–4 / 6–14 long: \"must be a valid country code\" / \"must be a valid phone number\"",
        "[INF] formats not published",
    ),
    row("field", "`parentId`", "ignored: set to the calling agent's id", "[SEED]"),
    row(
        "field",
        "JSON types and keys",
        "a JSON number or boolean for a String field (`firstName`, `email`, `countryCode`, `phone`, login and KYC strings) "
        "becomes its text (`3001234567` → `\"3001234567\"`, `true` → `\"true\"`; a float as its shortest form); an object "
        "or array → \"must be a string\"; other types strict (`status`, KYC `userId`, `dob`); unknown keys ignored",
        "[INF] Jackson 2.x defaults (scalar coercion to String on); before issue 14 numbers were refused",
    ),
    row(
        "field",
        "`Content-Type` of a request body",
        "`application/json` or `application/*+json`, any case, charset absent or UTF-8/16/32 or US-ASCII; anything else "
        "(`text/plain`, a form, no header with a body) → 415 `{\"code\":1010,\"message\":\"Invalid request.\","
        "\"type\":\"BAD_REQUEST\"}`, after the token check (create, login, refresh, KYC POST/PATCH)",
        "[INF] Spring MVC's Jackson converter and HttpMediaTypeNotSupportedException; the body shape is the 404/405/413 one "
        "(no published 415 body)",
    ),
    row(
        "field",
        "several failing fields",
        "one 400/1000 INVALID_PAYLOAD naming every one in `errors[{key, reason}]`",
        "[PUB] errors page envelope; all-at-once [INF]",
    ),
    # ------------------------------------------------------------ responses
    row(
        "response",
        "create success",
        "200 `{\"data\":{…}}`, the seed's keys and order (with `sessionId` after `parentId`, where the field table lists "
        "it); `userType` USER, `fullName`, `phoneNumber` = countryCode+phone (null without a phone), nested `parent` = the "
        "fixture agent",
        "[SEED]",
    ),
    row(
        "response",
        "`phone` with a trunk 0",
        "`phone` is echoed as sent (`03001234567`); `phoneNumber` drops the leading zeros (`923001234567`), and the duplicate "
        "check compares that same number, so `03001234567` and `3001234567` are one phone",
        "[SEED] \"phoneNumber: Normalized E.164-like concatenation of countryCode + phone\"; echoing `phone` as sent [INF]",
    ),
    row("response", "`sessionId`", "`null` (listed in the field table, absent from the example)", "[INF]"),
    row("response", "`username`", "32 hex characters drawn from the seed", "[INF] from the example's value"),
    row("response", "ids", "sequential integers from `settings.firstUserId` (604, as in the example)", "[INF]"),
    row(
        "response",
        "fixture `generatedUsers`",
        "each from Pakistan (`92`, a mobile number in the operators' 300–349 ranges, `@example.pk`) or the UAE (`971`, "
        "50/52/54/55/56/58, `@example.ae`), numbers valid by libphonenumber; the same seed gives the same users",
        "[INF] a UAE issuer whose examples are Pakistani",
    ),
    row(
        "response",
        "`GET /as/api/v1/users?page&perPage`",
        "`{\"data\":[user…],\"pagination\":{currentPage,perPage,totalPages,totalCount,\"sort\":\"id: DESC\"}}`, 1-indexed, "
        "newest first",
        "[PUB] pagination page",
    ),
    row("response", "`GET /as/api/v1/users/{id}`", "`{\"data\":user}`, the create shape", "[SEED] user shape"),
    row(
        "response",
        "`POST`/`PATCH /us/api/v1/kyc/personal` 200",
        "the personal-info object, bare, in the page's key order (`settings.wrapKycPersonal: true` wraps it in `data`, as "
        "the global rule says)",
        "[PUB] update-personal-info page; the setting [INF]",
    ),
    row(
        "response",
        "`GET /us/api/v1/kyc/{userId}`",
        "`{\"data\":{userId,userType,email,phone,countryCode,status,personalInfo,businessInfo,identificationInfo}}`; "
        "`userType` USER; `businessInfo`/`identificationInfo` null; nothing submitted yet → PENDING with `personalInfo` null",
        "[PUB] get-kyc page; nulls [INF]",
    ),
    # ------------------------------------------------------------ errors
    row(
        "error",
        "duplicate email or phone",
        "400/1000 `errors[{\"key\":\"email\",\"reason\":\"User already exists with this email\"}]` or "
        "`{\"key\":\"phone\",\"reason\":\"User already exists with this phone number\"}`; email compared "
        "case-insensitively, phone as the normalised `phoneNumber`, across all agents",
        "[INF] no duplicate code is published",
    ),
    row(
        "error",
        "unknown, non-numeric or another agent's user id",
        "400/1000 `errors:[{\"key\":\"id\",\"reason\":\"User does not exist with this id\"}]` (key `userId` on the KYC "
        "routes); another agent's user is reported as missing",
        "[PUB] request-format page; the other-agent rule [INF]",
    ),
    row(
        "error",
        "malformed or non-object body",
        "400/1000 with `errors[{\"key\":\"body\",\"reason\":\"malformed JSON request body\"}]` (or \"must be a JSON object\")",
        "[INF]",
    ),
    row(
        "error",
        "unknown path / wrong method / body over 1 MiB",
        "404 / 405 / 413 with `{\"code\":1010,\"message\":\"Invalid request.\",\"type\":\"BAD_REQUEST\"}`",
        "[INF]",
    ),
    not_supported(
        "error",
        "\"Account Status\" errors (500 1012 ACC… and after)",
        "not in the catalog: every public copy of the errors page is truncated there",
        "[PUB] errors page (truncated)",
    ),
    # ------------------------------------------------------------ list and KYC
    row(
        "behaviour",
        "list defaults and scope",
        "`page`/`perPage` missing or empty → 1 / 20; only the caller's agent's users; 0 pages when empty; a page past the "
        "end is empty",
        "[INF] Spring Data defaults",
    ),
    row(
        "field",
        "invalid `page` / `perPage`",
        "400/1000 naming the field: \"must be greater than or equal to 1\", \"must be less than or equal to 100\" "
        "(`settings.maxPerPage`), \"must be an integer\"",
        "[INF] Bean Validation @Min/@Max texts",
    ),
    row(
        "field",
        "`POST /us/api/v1/kyc/personal` body",
        "the update-personal-info page's fields; required userId, firstName, lastName, dob, gender, nationality, "
        "countryOfResidence; `userId` must be one of the caller's users",
        "[PUB] fields; required set [INF]",
    ),
    row(
        "field",
        "KYC enums and formats",
        "gender MALE/FEMALE/OTHER; maritalStatus SINGLE/MARRIED/DIVORCED/WIDOWED; countries three upper-case letters "
        "(ISO alpha-3 shape, not looked up); dob `YYYY-MM-DD` in the past, returned as `1990-05-15T00:00:00.000+00:00`",
        "[PUB] enums, dob formats; WIDOWED and the checks [INF]",
    ),
    row(
        "field",
        "KYC reason texts",
        "\"must not be null\" (userId), \"must be a valid date in yyyy-MM-dd format\", \"must be a past date\", \"must be a "
        "valid ISO 3166-1 alpha-3 country code\"",
        "[INF] Bean Validation style",
    ),
    row(
        "lifecycle",
        "second `POST /us/api/v1/kyc/personal` for a user",
        "400/1000 key `userId` \"Personal info already exists for this user\"",
        "[INF] create once, change with PATCH",
    ),
    row(
        "lifecycle",
        "`PATCH /us/api/v1/kyc/personal`",
        "partial update (absent or null fields keep their value) while the KYC is PENDING; otherwise 400/1000 key `status`; "
        "before any POST → 400/1035 ACTION_REQUIRED `errors:[{\"key\":\"actionRequired\",\"reason\":\"KYC_PERSONAL_INFO\"}]`",
        "[PUB] the PENDING-only rule and the ACTION_REQUIRED shape; errors and reason [INF]",
    ),
    row(
        "lifecycle",
        "PENDING → VERIFIED",
        "computed on read from the server clock once `kycVerificationDelay` (PT10M) has passed since the last POST/PATCH "
        "(a PATCH restarts it); fixture KYC may be VERIFIED or REJECTED for good",
        "[INF] the docs only say an admin decides",
    ),
    row(
        "lifecycle",
        "KYC names",
        "firstName/lastName sent to the KYC routes also rename the user (seen by `GET /as/api/v1/users`)",
        "[INF]",
    ),
)

# What the vendor class declares as its ``fidelity`` (see core/fidelity.py).
NOTES = FidelityNotes(rows=FIDELITY, error_sources=ERROR_SOURCES, route_sources=ROUTE_SOURCES, seed=SEED)
