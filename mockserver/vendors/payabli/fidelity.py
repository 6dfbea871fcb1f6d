"""Payabli fidelity table: what the emulation does and where each behaviour comes from.

Read by mockserver.core.fidelity (docs/fidelity.md and the
admin fidelity map).  Route and error-catalog rows are generated from the
code; this module gives their sources and the hand-written rows.
Texts are Markdown; paths are relative to the mount (they include `/api`).
"""

from __future__ import annotations

from ...core.fidelity import FidelityNotes, Row, not_supported, row

SEED = "001"

ROUTE_SOURCES: dict[str, str] = {
    "create_user": "[SEED] Add User page",
    "get_user": "[PUB] sdk-ruby/sdk-csharp UserClient, sdk-rust WireMock mappings",
    "update_user": "[PUB] sdk-ruby UserClient, WireMock mappings",
    "delete_user": "[PUB] sdk-ruby UserClient, WireMock mappings",
    "list_users_org": "[PUB] sdk-ruby reference.md ListUsersOrg",
    "list_users_paypoint": "[PUB] sdk-ruby reference.md ListUsersPaypoint",
    "token": "[PUB] sdk-ruby token/client.rb, integration-skills",
    "auth_user": "[PUB] sdk-python 1.0.19 / sdk-node 0.0.114 `auth_user`; reference example; rules [INF]",
    "validate_mfa_user": "[PUB] sdk-python 1.0.19 `validate_mfa_user`; reference example; rules [INF]",
    "resend_mfa_code": "[PUB] sdk-python 1.0.19 `resend_mfa_code`; sdk-csharp WireMock mock; rules [INF]",
    "auth_refresh_user": "[PUB] sdk-python 1.0.19 `auth_refresh_user`; reference example; rules [INF]",
    "logout_user": "[PUB] sdk-python 1.0.19 `logout_user`; WireMock mock; rules [INF]",
    "change_psw_user": "[PUB] sdk-python 1.0.19 `change_psw_user`; WireMock mock; rules [INF]",
    "auth_reset_user": "[PUB] sdk-python 1.0.19 `auth_reset_user`; WireMock mock; rules [INF]",
    "edit_mfa_user": "[PUB] sdk-python 1.0.19 `edit_mfa_user`; WireMock mock; rules [INF]",
}

_CODES = "[PUB] api-responses table (Name, Solution); HTTP 400 and the Name/Solution pairing [INF]"
ERROR_SOURCES: dict[str, str] = {
    "3001": _CODES + "; sent only by scenarios (an unknown entry answers UNKNOWN_ENTRY)",
    "3002": _CODES + "; sent only by scenarios",
    "3003": _CODES,
    "3004": _CODES,
    "3005": _CODES + "; sent only by scenarios since issue 14 (a scope item must be an organization: orgType 0)",
    "3006": _CODES,
    "3007": _CODES + "; sent only by scenarios",
    "3012": _CODES + "; sent only by scenarios",
    "3013": _CODES + "; sent only by scenarios",
    "3201": _CODES,
    "DUPLICATE_EMAIL": "[INF] no duplicate code is published: 3003 naming the email",
    "USER_NOT_FOUND": "[INF] the User endpoints declare no 404, only 400: 3003 naming the userId",
    "UNKNOWN_ENTRY": "[INF] an unknown paypoint entry on `/Query/users/point/{entry}`: 3001 Invalid entrypoint name",
    "TOKEN_INVALID_REQUEST": "[PUB] TokenErrorResponse, HTTP 400 (sdk-python 1.0.19); errorType `InvalidRequest` and text [INF]; "
                             "token call only",
    "TOKEN_INVALID_CLIENT": "[PUB] sdk-python 1.0.19: TokenErrorResponse on HTTP 400 \"when the client credentials are wrong\", "
                            "errorType `InvalidCredentials`; text [INF]; token call only (was 401 `invalid_client` before issue 14)",
    "TOKEN_INVALID_SCOPE": "[PUB] TokenErrorResponse, HTTP 400 (sdk-python 1.0.19); errorType `InvalidScope` and text [INF]; "
                           "token call only",
    "TOKEN_UNSUPPORTED_MEDIA_TYPE": "[PUB] TokenErrorResponse shape (sdk-python 1.0.19); 415 and text [INF] ASP.NET; token call only",
    "UNAUTHORIZED": "[PUB] OpenAPI: 401 \"Unauthorized request.\"; body [INF] (undocumented)",
    "INVALID_CREDENTIALS": "[INF] a login's unknown e-mail or userId, wrong password, user without one, or entry outside its scope "
                           "(not told apart); 401 so the SDK's UnauthorizedError parses it",
    "USER_INACTIVE": "[INF] the right password of a user whose usrStatus is 0 or -99",
    "USER_LOCKED": "[INF] the right password of a user whose usrStatus is 85",
    "APPLICATION_TOKEN_REQUIRED": "[PUB] \"This endpoint requires an application API token\" (auth_user); 401 and text [INF]",
    "USER_TOKEN_REQUIRED": "[INF] refresh, logout and password change without a live user token (an API token is not one)",
    "FORBIDDEN": "[PUB] newer SDKs model 403; text [INF]; sent only by scenarios",
    "NOT_FOUND": "[INF] unknown path; text ours",
    "METHOD_NOT_ALLOWED": "[INF] wrong method, with `Allow`; message ASP.NET Web API's",
    "PAYLOAD_TOO_LARGE": "[INF] body over 1 MiB",
    "UNSUPPORTED_MEDIA_TYPE": "[INF] ASP.NET answers 415 to a non-JSON body",
    "RATE_LIMITED": "[INF] 429 and text: the rate-limits page publishes the limits, not the answer; sent only by scenarios",
    "INTERNAL": "[PUB] OpenAPI: 500 \"Internal API Error\"",
    "DATABASE_ERROR": "[PUB] OpenAPI: 503 \"Database connection error\"; sent only by scenarios",
}

FIDELITY: tuple[Row, ...] = (
    # ------------------------------------------------------------ the user login family (user_auth.py)
    row(
        "lifecycle",
        "login: `POST /api/User/auth/{provider}`",
        "an application API token (else 401 \"This endpoint requires an application API token.\"); provider `null` (the "
        "built-in one; any other 3003); `email` (case-insensitive) or `userId`, and `psw` (3003 when missing); `entry` needs "
        "its own `entryType` (3003) and must exist (3001) and be in the user's scope or under it. A wrong password, unknown "
        "user or entry outside the scope: 401 \"Invalid user credentials.\"; usrStatus 85 / 0 / -99: 401 locked / inactive. "
        "MFA off: `{responseText, isSuccess, responseData: <user token>, mfa: false}`; MFA on: `responseData` the masked "
        "destination (`h***@e**.com`, or `******0000` for mode 1 = `sms`), `mfaMode`, `mfaValidationCode`",
        "[PUB] sdk-python 1.0.19 UserAuthRequest and PayabliApiResponseMfaBasic, reference example, application token; rules, "
        "codes, masks and where the token goes [INF]",
    ),
    row(
        "lifecycle",
        "MFA: `POST /api/User/mfa`, `POST /api/User/resendmfa/{usrname}/{entry}/{entryType}`",
        "the code is `settings.mfaCode` (123456; nothing is sent), valid `mfaCodeLifetime` (5 min, virtual clock) for "
        "`mfaAttempts` (3) tries; a wrong code 3003 \"mfaCode is not valid\", an unknown, spent or expired validation code 3003. "
        "Resend (usrname = the e-mail) ends the user's earlier code and answers like a login with MFA on; a user without MFA "
        "or unknown 3003. Validation answers `{responseText, isSuccess, responseData: <user token>, remaining, "
        "inactiveTokenTime}`",
        "[PUB] sdk-python 1.0.19 MfaValidationData and PayabliApiResponseUserMfa, reference examples; the code, its lifetime "
        "and attempts [INF]",
    ),
    row(
        "lifecycle",
        "user token",
        "`u.` and 40 letters or digits (seeded); sent as `requestToken` (or Bearer) it reaches every User and Query route; it "
        "ends `settings.userSessionLifetime` (2 h) after the login or unused for `userSessionIdle` (30 min), on the virtual "
        "clock, or when its user is deleted, locked or deactivated. `remaining` and `inactiveTokenTime` are those two in "
        "minutes (120 and 30 for a fresh token); each login or refresh sets the user's `lastAccess`",
        "[PUB] example token `u.fPLVSzFv1gZpHl......`, `remaining` 120; lifetimes and the meaning of the two numbers [INF]",
    ),
    row(
        "lifecycle",
        "`POST /api/User/authrefresh`, `GET /api/User/authlogout`, `PUT /api/User/authpsw`",
        "need the user's token (an API token: 401 \"This endpoint requires a user token.\"): refresh answers a new token "
        "(the old one ends), logout ends it, the password change (`psw`, 3003 when blank) keeps the session",
        "[PUB] sdk-python 1.0.19 UserClient, WireMock mocks; the token rules [INF]",
    ),
    row(
        "lifecycle",
        "`POST /api/User/authreset`",
        "`email` required (3003), `entry` as for a login; `{isSuccess:true, responseText:\"Success\"}` whether or not the "
        "e-mail is a user's (nothing is sent; nothing tells who exists)",
        "[PUB] sdk-python 1.0.19 UserAuthResetRequest; the answer for an unknown e-mail [INF]",
    ),
    row(
        "lifecycle",
        "`PUT /api/User/mfa/{userId}`",
        "`{mfa, mfaMode}` (null or absent keep the value; 3003 for a wrong type) → `{isSuccess, responseText}`; an unknown "
        "userId 400/3003; mode 0 = e-mail, 1 = SMS, others answered as e-mail",
        "[PUB] sdk-python 1.0.19 MfaData; the modes [INF]",
    ),
    not_supported(
        "lifecycle",
        "social logins (`provider` google, microsoft…, `userTokenId`), real e-mail or SMS, password policies",
        "not emulated: a provider other than `null` is 3003; codes and reset links are never sent",
        "[PUB] reference (snProvider values)",
    ),
    # ------------------------------------------------------------ auth
    row(
        "auth",
        "`requestToken: <token>`",
        "required on every User and Query route; the fixture's tokens (organization or application kind both work; "
        "`expiresIn` counts from start-up/reset)",
        "[SEED] header; token kinds and expiry [INF]",
    ),
    row(
        "auth",
        "`Authorization: Bearer <access_token>`",
        "accepted on every User and Query route instead of `requestToken` (either live credential is enough); scheme "
        "case-insensitive",
        "[PUB] sdk-ruby security `[BearerAuth] OR [APIKeyAuth]`; either-one [INF]",
    ),
    row(
        "auth",
        "missing, blank, unknown or expired credential",
        "401 `{\"isSuccess\":false,\"responseText\":\"Error\",\"responseData\":{\"explanation\":\"Unauthorized request.\",…}}` "
        "without `responseCode`; the kinds of failure are not told apart",
        "[PUB] OpenAPI status and text; body [INF]",
    ),
    row(
        "auth",
        "`POST /api/v2/Token/serverside`",
        "`{clientId, clientSecret, state?, permissions?}` (names bound case-insensitively), no auth header → 200 "
        "`{\"token_type\":\"Bearer\",\"access_token\",\"expires_in\"}` (+ `state` when sent)",
        "[PUB] sdk-ruby token client and types",
    ),
    row(
        "auth",
        "OAuth token lifetime",
        "3600 s (`settings.accessTokenLifetime`), or the client's `tokenLifetime`",
        "[PUB] example `expires_in` 3600; per-client override [INF]",
    ),
    row(
        "auth",
        "token request errors",
        "`{\"errorType\",\"errorMessage\"}`, on this call only (never on `/User`: scenarios and `X-Mock-Error` refuse it "
        "there): wrong credentials 400 `InvalidCredentials`; missing fields or a bad body 400 `InvalidRequest`; permission not "
        "granted to the client 400 `InvalidScope`; non-JSON Content-Type 415 `InvalidRequest`",
        "[PUB] sdk-python 1.0.19 TokenErrorResponse (400, `InvalidCredentials`); other errorTypes and texts [INF]",
    ),
    row(
        "auth",
        "OAuth access token",
        "JWT-shaped (the published example's header; `sub`, `orgId`, `iat`, `exp`, `jti` claims; HMAC with a mock-only key), "
        "opaque to clients",
        "[PUB] example token's header; claims [INF]",
    ),
    not_supported(
        "auth",
        "token restrictions: organization vs application token per endpoint, per-endpoint OAuth permissions, IP allowlists, "
        "public/private token modes",
        "not enforced: any live token reaches every emulated route",
        "[PUB] authentication page, beta docs, sdk-ruby",
    ),
    not_supported(
        "auth",
        "rate limits (200/min, 3000/15 min, 10000/h per token)",
        "not enforced; the 429 catalog row is sent only by scenarios",
        "[PUB] rate-limits page",
    ),
    # ------------------------------------------------------------ fields
    row(
        "field",
        "`usrStatus`",
        "0, 1, 85 accepted; -99 or anything else → 3006; null or absent → `settings.defaultUsrStatus` (1)",
        "[SEED] enum; [PUB] 3006 text; default [INF]",
    ),
    row("field", "`timeZone`", "−12..12, else 3004; default 0", "[SEED] default; [PUB] 3004 range"),
    row(
        "field",
        "`scope`",
        "empty → 3201 \"Empty scope array for user\"; missing or null also 3201 on create (a user must belong to an org)",
        "[PUB] 3201; missing/null [INF]",
    ),
    row(
        "field",
        "`scope[]` items",
        "`{orgType:int, orgId:int}`; orgType 0 (organization), null meaning 0, anything else 3003 \"orgType must be 0 "
        "(organization)\" (2, a paypoint, was accepted before issue 14: paypoint users are the fixture's); the organization "
        "must exist in the fixture: unknown organization or missing orgId → 3003",
        "[SEED] types; [PUB] sdk-python 1.0.19 / sdk-node Orgtype \"Currently, this must be `0`\"; checks [INF]",
    ),
    row("field", "`email`", "an address of at most 320 characters, else 3003", "[SEED] max 320; check [INF]"),
    row("field", "`language`", "`en` or `es`, else 3003; default `en`", "[SEED] values; default [INF]"),
    row(
        "field",
        "`access[]`, `mfaData`, `additionalData`",
        "`{roleLabel:str, roleValue:bool}`, `{mfa:bool, mfaMode:int}`, a string-to-string map whose values are at most 100 "
        "characters (null values taken); else 3003",
        "[SEED] types; [PUB] sdk-python 1.0.19 AdditionalDataMap \"Max length for a value is 100 characters\"",
    ),
    row(
        "field",
        "`pwd`, `name`, `phone`",
        "optional strings; `phone` at most 50 characters, else 3003; `pwd` is kept as a digest and never returned",
        "[SEED] types; [PUB] beta reference phone \"<=50 characters\"; storage [INF]",
    ),
    row(
        "field",
        "wrong JSON types, numbers beyond Int32/Int64",
        "400/3003 naming the field (.NET model binding)",
        "[INF] .NET binding",
    ),
    row(
        "field",
        "several failing fields",
        "a type error wins (3003), else the first failing field in UserData order decides the code; the explanation names "
        "every failing field",
        "[INF]",
    ),
    row(
        "field",
        "property names",
        "bound case-insensitively (`EMAIL`, `Scope`); unknown keys ignored",
        "[INF] .NET JSON binding defaults",
    ),
    row(
        "field",
        "Content-Type",
        "must be JSON (`application/json`, `text/json`, `application/*+json`), else 415 after the auth check "
        "(`settings.requireJsonContentType`)",
        "[INF] ASP.NET input formatters",
    ),
    # ------------------------------------------------------------ responses
    row(
        "response",
        "create success",
        "200 `{\"responseText\":\"Success\",\"isSuccess\":true,\"responseData\":null}`; the new userId is **not** returned "
        "(int64 from 1000000, kept server-side)",
        "[SEED]",
    ),
    row(
        "response",
        "error envelope",
        "`{\"isSuccess\":false,\"responseCode\":N,\"responseText\":\"Error\",\"responseData\":{\"explanation\",\"todoAction\"}}`; "
        "`responseCode` only where one is documented",
        "[PUB] SDK `PayabliErrorBody`",
    ),
    row(
        "response",
        "explanation / todoAction",
        "the responseCode table's Name and Solution; the explanation adds `: <field> <problem>; …` for 3003 and for "
        "several failing fields",
        "[PUB] table; pairing and field list [INF]",
    ),
    row("response", "Content-Type", "`application/json; charset=utf-8`", "[INF] .NET default"),
    row(
        "response",
        "`GET /api/User/{userId}`",
        "`UserQueryRecord` with its mixed-case keys (`userId`, `Email`, `Name`, … `Scope[{orgEntry,orgId,orgType}]`, "
        "`AdditionalData`); query `entry`/`level` accepted and ignored",
        "[PUB] sdk-rust WireMock example; key order and ignored query [INF]",
    ),
    row(
        "response",
        "`AdditionalData` of a user read back (GET, Query records)",
        "the object the user was given (`{\"key1\":\"value1\"}`), keys set to null left out; null when none. Older SDKs "
        "typed it the JSON text of that object (`\"{\\\"key1\\\":\\\"value1\\\"}\"`), which the mock sent before issue 14",
        "[PUB] current reference example (an object) and sdk-python 1.0.19 `Dict[str, str]`; the older string: sdk-python ≤ "
        "1.0.13, sdk-csharp 1.0.12, sdk-node 0.0.114 (`AdditionalDataString`); null keys left out [INF]",
    ),
    row(
        "response",
        "`PUT /api/User/{userId}`",
        "create's rules, partial update (absent or null fields keep their value, `additionalData` replaced whole) → "
        "`{\"isSuccess\":true,\"responseText\":\"Success\"}`",
        "[PUB] response; partial update [INF]",
    ),
    row(
        "response",
        "`DELETE /api/User/{userId}`",
        "`{\"responseText\":\"Success\"}`; a hard delete: the email can be used again",
        "[PUB] response; hard delete [INF]",
    ),
    row(
        "response",
        "`GET /api/Query/users/org/{orgId}`, `/point/{entry}`",
        "`{\"Records\":[…],\"Summary\":{pageidentifier,pageSize,totalAmount:0.0,totalNetAmount:0.0,totalPages,"
        "totalRecords}}`: users whose scope names that organization (not its children) or paypoint; `pageidentifier` null "
        "on the last page, else an opaque token. Older SDKs (sdk-python ≤ 1.0.13, sdk-node 0.0.114) and the published "
        "example spell it `pageIdentifier` (the example's value the string `\"null\"`), which the mock sent before issue 14",
        "[PUB] sdk-python 1.0.19 QuerySummary (`pageidentifier`, float amounts, null without a further page); matching, "
        "zero amounts and the token [INF]",
    ),
    row(
        "field",
        "query paging, sort and filters",
        "`fromRecord` (default 0), `limitRecord` (default 20, ≤ 0 = all); `sortBy=asc(f)`/`desc(f)`; filters "
        "`name`/`email` (eq ne ct nct), `status` (eq ne in nin, `|`-separated), `createdDate` (gt ge lt le eq ne), "
        "`role.roleLabel`/`role.roleValue`; an unknown filter is ignored, a bad number or date is 3003",
        "[PUB] sdk-ruby reference.md; details [INF]",
    ),
    # ------------------------------------------------------------ errors
    row(
        "error",
        "duplicate email",
        "400/3003 \"Invalid parameter value in request: email is already in use by another user\" (case-insensitive, "
        "tenant-wide)",
        "[INF]",
    ),
    row(
        "error",
        "unknown or non-integer userId",
        "400/3003 \"Invalid parameter value in request: userId N does not exist\" (or \"… must be an integer\")",
        "[INF] no 404 is declared",
    ),
    row(
        "error",
        "unknown orgId / paypoint entry on the Query routes",
        "400/3003 \"Invalid parameter value in request: orgId N is not a known organization\" / 400/3001 \"Invalid "
        "entrypoint name\"",
        "[INF]",
    ),
    row(
        "error",
        "unknown path / wrong method / body over 1 MiB / malformed JSON",
        "404 / 405 (+`Allow`) / 413 / 400-3003, same envelope",
        "[INF]",
    ),
    not_supported(
        "error",
        "v2 problem-details bodies (`{type,title,status,detail,instance,code,errors,token}`)",
        "not used: the User routes answer `PayabliErrorBody`",
        "[PUB] sdk-ruby (v2 endpoints only)",
    ),
)

# What the vendor class declares as its ``fidelity`` (see core/fidelity.py).
NOTES = FidelityNotes(rows=FIDELITY, error_sources=ERROR_SOURCES, route_sources=ROUTE_SOURCES, seed=SEED)
