"""Pulse CRM fidelity table: what the emulation does and where each behaviour comes from.

Read by mockserver.core.fidelity (docs/fidelity.md and the
admin fidelity map).  Route and error-catalog rows are generated from the
code; this module gives their sources and the hand-written rows.
Texts are Markdown; paths are relative to the mount.

No concrete Pulse error string is published except the DELETE /users/{email}
response descriptions: the other texts are ours [INF].
"""

from __future__ import annotations

from ...core.fidelity import FidelityNotes, Row, not_supported, row

SEED = "003"

ROUTE_SOURCES: dict[str, str] = {
    "create_user": "[SEED] POST /users page",
    "list_users": "[PUB] account-users guide (\"Listing all users\"); response shape [INF]",
    "delete_user": "[PUB] DELETE /users/{email} reference",
    "impersonate": "[PUB] account-users guide",
    "login": "[PUB] getting-started guide",
    "get_session": "[PUB] user-session reference",
}

_SCENARIO = "; sent only by scenarios"
ERROR_SOURCES: dict[str, str] = {
    "BAD_REQUEST": "[INF] a generic 400" + _SCENARIO,
    "INVALID_JSON": "[INF]",
    "VALIDATION": "[INF] a zod-style issue list after the text",
    "MISSING_ACCOUNT_ID": "[INF] the header is required [SEED]; status and text ours",
    "IMPERSONATE_INACTIVE": "[INF]",
    "UNAUTHORIZED": "[PUB] DELETE /users/{email} 401 description",
    "INVALID_TOKEN": "[INF] an unknown session token",
    "SESSION_EXPIRED": "[INF]",
    "INVALID_CREDENTIALS": "[INF]",
    "INVALID_API_KEY": "[INF]",
    "USER_INACTIVE": "[INF]",
    "FORBIDDEN": "[PUB] DELETE /users/{email} 403 description",
    "ACCOUNT_FORBIDDEN": "[INF] a valid token, an account it cannot reach",
    "SELF_DELETE": "[INF] an admin cannot lock themselves out",
    "NOT_FOUND": "[INF] the PulseEvents enum has `not_found`",
    "USER_NOT_FOUND": "[PUB] DELETE /users/{email} 404 description; also used by impersonate [INF]",
    "METHOD_NOT_ALLOWED": "[INF] the PulseEvents enum has `method_not_allowed`; Next.js answers 405 with `Allow`",
    "CONFLICT": "[INF]",
    "PAYLOAD_TOO_LARGE": "[INF]",
    "RATE_LIMITED": "[INF] the PulseEvents enum has `api_rate_limited`" + _SCENARIO,
    "INTERNAL": "[PUB] DELETE /users/{email} 500 description; also a bug of ours",
}

FIDELITY: tuple[Row, ...] = (
    # ------------------------------------------------------------ routes not emulated
    not_supported(
        "route",
        "`POST /auth/admin-force-set-password`, `GET /permissions`, `POST /apikeys`, role management, updating users",
        "not emulated: 404, or 405 (`Allow: DELETE`) for other methods on `/users/{email}`",
        "[PUB] account-admin and account-users guides",
    ),
    # ------------------------------------------------------------ auth
    row(
        "auth",
        "`Authorization: Bearer <token>` and `x-account-id`",
        "both required on `POST /users`, `GET /users` and impersonate; `x-account-id` optional on `DELETE /users/{email}` "
        "(default: an impersonation's account, else the caller's primary one); `GET /auth/session` needs the token only",
        "[SEED] create headers; [PUB] `required: false` on DELETE; defaults [INF]",
    ),
    row(
        "auth",
        "missing token / unknown token / expired session",
        "401 \"Unauthorized - not authenticated\" / \"Invalid session token\" / \"Session expired\", on every route "
        "but login",
        "[PUB] the first text (DELETE reference); the rest [INF]",
    ),
    row("auth", "missing or blank `x-account-id`", "400 \"Missing required header: x-account-id\"", "[INF]"),
    row(
        "auth",
        "account the token cannot reach (unknown, not a member, another account than an impersonation's)",
        "403 \"You do not have access to this account\"; unknown and foreign accounts answer alike",
        "[INF]",
    ),
    row(
        "auth",
        "caller not an admin of that account",
        "403 \"Forbidden - user does not have required permissions\" on create, list, delete and impersonate",
        "[PUB] account admins manage users; text from the DELETE reference",
    ),
    row("auth", "inactive user", "401 \"User account is inactive\" on login and on every authenticated route", "[INF]"),
    row(
        "auth",
        "`POST /auth/login`",
        "`{email, password}` or `{apiKey, apiSecret}` (either key field selects the pair; a missing half → 400 \"Required\") "
        "→ 200 User Session; wrong pair → 401 \"Invalid email or password\" / \"Invalid API key or secret\"; users created "
        "through the API have no password",
        "[PUB] getting-started guide; 200 and errors [INF]",
    ),
    row(
        "auth",
        "User Session payload",
        "the documented keys in order; a 64-hex `token`; `createdAt`/`updatedAt` are the session's; `expiresAt` 8 days on "
        "(`settings.sessionTtl`); flat role/permission lists are the union over the user's accounts",
        "[PUB] user-session reference; lifetime [INF] from the example (~8 days)",
    ),
    row("auth", "`GET /auth/session`", "the live session's payload", "[PUB] user-session reference"),
    row(
        "auth",
        "fixture sessions and API keys",
        "`sessions[]` tokens work from start-up (`expiresIn`); `apiKeys[]` (`apiKey-…`) log in as their user",
        "[PUB] `apiKey-xxxx` shape; fixtures [INF]",
    ),
    # ------------------------------------------------------------ fields
    row("field", "`email`", "required, format email (\"email: Required\" / \"email: Invalid email\")", "[SEED] schema; texts [INF] zod"),
    row(
        "field",
        "`name`, `phone`, `teamId`, `imgSrc`, `notificationPreferences`, `roles`",
        "optional; `teamId` must be a team of the account and `roles` roles of the account (400 naming the unknown ones); "
        "notificationPreferences values checked against the seed's NotificationPreference / PulseEvents",
        "[PUB] account-users guide; [SEED] schema; checks and wording [INF]",
    ),
    row(
        "field",
        "JSON types and keys",
        "strict types (`teamId` `\"a\"` → \"Expected number, received string\"; `5.0` counts as 5); null = absent for optional "
        "fields; unknown keys ignored",
        "[INF] zod defaults",
    ),
    row(
        "field",
        "bad fields",
        "400 `\"Invalid request body: <path>: <issue>; …\"` naming every failing field, zod style (`roles.0`, "
        "`notificationPreferences.a.event`)",
        "[INF]",
    ),
    # ------------------------------------------------------------ responses
    row(
        "response",
        "create success",
        "201 with the seed's `User` keys in order; `createdBy`/`updatedBy` = the caller's email; `accounts[]` holds the "
        "x-account-id's account (primary, not admin); flat roles/permissions from the fixture's roles",
        "[SEED] fields; 201 [INF]",
    ),
    row(
        "response",
        "unset optional fields, `token`",
        "`name`, `teamId`, `phone`, `imgSrc` are left out when the user has none (never `null`: the schema types them "
        "integer/string, and a client generated with non-null types cannot read a null); `notificationPreferences` is `{}` "
        "when none are set, as the example shows it; the same in create, list and the re-used user of another account; "
        "`token` omitted on create (\"only included in certain responses\")",
        "[SEED] User schema types (no `nullable`) and the example's `\"notificationPreferences\": {}`; leaving out [INF] "
        "(before issue 14 they were null)",
    ),
    row("response", "ids", "sequential integers from `settings.firstUserId` (100)", "[INF]"),
    row("response", "default roles", "the account's `defaultRoles` when none (or `[]`) are sent", "[INF]"),
    row(
        "response",
        "error envelope",
        "`{\"error\":\"<reason phrase>\",\"status\":N,\"message\":\"…\"}`",
        "[SEED] Error schema; reason phrase in `error` [INF]",
    ),
    not_supported(
        "error",
        "`dev_err_msg`",
        "never sent (it would be an internal diagnostic)",
        "[PUB] developers.chargeloop.com Error model (\"only present in non-production\")",
    ),
    row(
        "response",
        "`GET /users`",
        "a bare JSON array of the account's users (inactive ones too) as `User` objects, by id; no paging (query parameters ignored)",
        "[PUB] route; shape [INF] (not published)",
    ),
    # ------------------------------------------------------------ errors
    row("error", "duplicate email in the account", "409 \"A user with this email already exists in this account\"", "[INF]"),
    row(
        "error",
        "malformed JSON / non-object body",
        "400 \"Invalid JSON in request body\" / \"Invalid request body: Expected object, received array\"",
        "[INF]",
    ),
    row(
        "error",
        "unknown path / wrong method / body over 1 MiB",
        "404 \"Route … not found\" / 405 with `Allow` / 413, same envelope",
        "[INF]",
    ),
    # ------------------------------------------------------------ lifecycle
    row(
        "lifecycle",
        "email already a user of another account",
        "added to this account (Pulse's `user_added_to_account`), 201 with the stored profile (the request's name, phone… "
        "are not applied)",
        "[INF]",
    ),
    row(
        "lifecycle",
        "`DELETE /users/{email}`",
        "200 `{\"message\":\"User deleted successfully\"}`; removes the user from that account, a user left with no account "
        "is deleted (email free again, sessions end), one losing its primary account gets the next one as "
        "primary; email URL-decoded and matched case-insensitively; not a member of the account → 404 "
        "\"Not found - user with specified email does not exist\"; deleting oneself → 403",
        "[PUB] response and 404 text; membership rules [INF]",
    ),
    row(
        "lifecycle",
        "`POST /users/{email}/impersonate`",
        "200 User Session for that member of the x-account-id account, `impersonating` = its email; the token works in that "
        "account only, with that membership's roles; lasts 15 min (`settings.impersonationTtl`), never past the admin's own "
        "session; inactive target → 400; body ignored",
        "[PUB] route and `impersonating` field; the rest [INF]",
    ),
)

# What the vendor class declares as its ``fidelity`` (see core/fidelity.py).
NOTES = FidelityNotes(rows=FIDELITY, error_sources=ERROR_SOURCES, route_sources=ROUTE_SOURCES, seed=SEED)
