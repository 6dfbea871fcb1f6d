"""eTelecom fidelity table: what the emulation does and where each behaviour comes from.

Read by mockserver.core.fidelity (the README's "Fidelity" section and the
admin fidelity map).  Route and error-catalog rows are generated from the
code; this module gives their sources and the hand-written rows.
Texts are Markdown; paths are relative to the mount (they include `/v1/shop`).
"""

from __future__ import annotations

from ...core.fidelity import FidelityNotes, Row, not_supported, row

SEED = "004"

ROUTE_SOURCES: dict[str, str] = {
    "create_user": "[SEED] Create Account User page",
    "list_users": "[PUB] get-list-user page, eTop account_user service; exposure to API keys [INF]",
    "update_user": "[PUB] eTop account_user service; exposure to API keys [INF]",
    "delete_user": "[PUB] eTop account_user service; exposure to API keys [INF]",
}

_STATUS = "[PUB] eTop's ServerHTTPStatusFromErrorCode"
_SCENARIO = "; sent only by scenarios"
ERROR_SOURCES: dict[str, str] = {
    "canceled": _STATUS + _SCENARIO,
    "unknown": _STATUS + _SCENARIO,
    "invalid_argument": _STATUS + "; message xerrors' DefaultErrorMessage",
    "malformed": _STATUS + "; message the Twirp gate's text",
    "deadline_exceeded": _STATUS + _SCENARIO,
    "not_found": _STATUS + "; message xerrors' DefaultErrorMessage",
    "bad_route": _STATUS + "; message per request (Twirp gate)",
    "already_exists": _STATUS + _SCENARIO,
    "permission_denied": _STATUS + "; message xerrors' DefaultErrorMessage",
    "unauthenticated": _STATUS + "; message xerrors' DefaultErrorMessage",
    "resource_exhausted": _STATUS + _SCENARIO,
    "failed_precondition": _STATUS + _SCENARIO,
    "aborted": _STATUS + _SCENARIO,
    "out_of_range": _STATUS + _SCENARIO,
    "unimplemented": _STATUS + _SCENARIO,
    "internal": _STATUS + "; also a bug of ours",
    "unavailable": _STATUS + _SCENARIO,
    "data_loss": _STATUS + _SCENARIO,
    "user_exists": "[PUB] eTop account_user service: phone already staff of this shop",
    "invalid_phone": "[PUB] eTop account_user service: NormalizePhone failed",
}

FIDELITY: tuple[Row, ...] = (
    # ------------------------------------------------------------ routes
    row(
        "route",
        "unknown RPC",
        "`bad_route` 404 `no handler for path \"…\"` with `meta.invalid_route` (a non-POST request gets the method error "
        "below, as Twirp checks the method first)",
        "[INF] Twirp's router",
    ),
    not_supported(
        "route",
        "`Etelecom/CreateExtension`, `Etelecom/GetExtensions` and the other VPBX RPCs (call logs, hotlines…)",
        "not emulated: `bad_route` 404",
        "[PUB] create-extension, get-extension-list pages",
    ),
    not_supported(
        "route",
        "partner API (`/v1/partner`: `partner.Shop/AuthorizeShop` and the `shop_key` flow), `Misc/CurrentAccount`",
        "not emulated: `bad_route` 404; API keys come from the fixture",
        "[PUB] shop/partner usage pages",
    ),
    # ------------------------------------------------------------ auth and the Twirp gate
    row(
        "auth",
        "`Authorization: Bearer <api_key>`",
        "required on every RPC; scheme case-insensitive; a key belongs to one shop and carries its roles (fixture "
        "`shops[].api_keys`, shaped `<19 digits>:<32 alphanumerics>`)",
        "[SEED] header; key shape [INF] public client code",
    ),
    row(
        "auth",
        "missing, other-scheme, unknown or revoked key",
        "`unauthenticated` 401 with eTop's default Vietnamese message, the same for every cause (fixture `revoked: true`)",
        "[PUB] eTop session layer and DefaultErrorMessage; revocation [INF]",
    ),
    row(
        "auth",
        "order of checks",
        "method → Content-Type → JSON decoding → key → `Validate()` → permission → phone → duplicate",
        "[PUB] Twirp gate and the account_user service; key after decoding [INF]",
    ),
    row(
        "auth",
        "Twirp gate",
        "non-POST → `bad_route` 404 `unsupported method \"GET\" (only POST is allowed)`; Content-Type other than "
        "`application/json` (parameters allowed) → `bad_route` 404 `unexpected Content-Type: \"\"`; both with "
        "`meta.invalid_route` `\"<METHOD> <path>\"`",
        "[PUB] eTelecom usage page, Twirp/httprpc sources",
    ),
    # ------------------------------------------------------------ fields
    row(
        "field",
        "undecodable body, wrong JSON types",
        "`malformed` 400 `the json request could not be decoded`, `meta.cause` = Go's encoding/json text (e.g. `json: cannot "
        "unmarshal number into Go struct field CreateAccountUserRequest.full_name of type string`); `null` body = `{}`",
        "[PUB] gate text; causes [INF] Go's wording",
    ),
    row(
        "field",
        "JSON keys",
        "unknown keys ignored, names matched case-insensitively, `null` = absent",
        "[INF] Go encoding/json defaults",
    ),
    row(
        "field",
        "required `full_name`, `password`, `phone`",
        "blank or missing → `invalid_argument` \"full_name không được để trống; …\" naming each; `full_name` is trimmed",
        "[SEED] required fields; wording [INF] after the published `user_id không được để trống`",
    ),
    row(
        "field",
        "`phone`",
        "eTop's NormalizePhone ported (+84/84 → 0, separators skipped, `-test` suffix kept, 10–12 digits); invalid → "
        "`invalid_argument` `Số điện thoại không hợp lệ`",
        "[PUB] validate.NormalizePhone, account_user service",
    ),
    row(
        "field",
        "`roles`",
        "the eight documented roles; an unknown one → `invalid_argument` `roles không hợp lệ: \"x\"`",
        "[PUB] shop_user_role; unknown role [INF]",
    ),
    row(
        "field",
        "`user_id` (update, delete)",
        "a JSON number or a decimal string (int64); otherwise `malformed` with strconv.ParseInt's text; 0, `\"\"` or absent "
        "→ `invalid_argument` `user_id không được để trống`",
        "[PUB] user_id message; formats [INF] dot.ID",
    ),
    # ------------------------------------------------------------ permissions
    row(
        "behaviour",
        "who may give which roles",
        "`owner` is never given → `permission_denied` 403; an owner key may give any other role; a key without "
        "`staff_management` may add no one, not even with no roles; otherwise the caller's highest role must be above every "
        "requested role",
        "[PUB] account_user.hasPermision; enum order [INF]",
    ),
    # ------------------------------------------------------------ responses
    row(
        "response",
        "create success",
        "200, the seed's user object and key order (the identity user, not the membership); `id` a 19-digit int64 as a "
        "string; RFC 3339 ms timestamps; `source` \"unknown\"; never-happened timestamps null",
        "[SEED]; `id` format and nulls [INF]",
    ),
    row(
        "response",
        "`short_name`, `total_shop`",
        "the last word of the name; the number of shops the user owns (0 for staff)",
        "[SEED] \"Total number of shops owned\"; short name [INF]",
    ),
    row("response", "ids", "clock milliseconds << 22 + 22 seeded random bits (time-ordered, 19 digits)", "[INF] eTop ids look time-ordered"),
    row(
        "response",
        "error body and statuses",
        "`{\"code\",\"msg\"[,\"meta\"]}`; eTop's code → HTTP mapping (invalid_argument 400, unauthenticated 401, "
        "permission_denied 403, failed_precondition 412, bad_route 404, …)",
        "[PUB] eTop httprpc / xerrors",
    ),
    # ------------------------------------------------------------ lifecycle
    row(
        "lifecycle",
        "phone already staff of this shop",
        "`failed_precondition` 412 `Người dùng đã tồn tại.`; nothing changes (the real service has already overwritten the "
        "user's password at that point)",
        "[PUB] account_user service; no-change [INF]",
    ),
    row(
        "lifecycle",
        "phone of a user of another shop (or a removed member)",
        "that identity user is reused (same id, name, email) and its password overwritten, then added to this shop",
        "[PUB] RegisterSimplify with IsUpdatePassword",
    ),
    row(
        "lifecycle",
        "`Shop/GetAccountUsers`",
        "`{account_users:[{account_id,deleted,department_id,email,full_name,permissions,phone,position,roles,short_name,"
        "user_id}], paging:{after,before,limit,next,prev,sort}}`; the caller's shop only; filters `name`/`phone`/"
        "`extension_number` (word prefixes, case- and accent-insensitive, indexed when the member joined), `user_ids`, "
        "`roles` (all of them), `has_extension`",
        "[PUB] get-list-user page, ListAccountUsers; `department_id` \"0\" and `permissions` [] [INF]",
    ),
    row(
        "lifecycle",
        "paging",
        "cursor paging, default sort `-created_at`, limit 0 or > 100 → 100, negative → `invalid limit`; `next`/`prev` on "
        "every non-empty page; Go's error texts (`paging is invalid (…)`)",
        "[PUB] cmapi.CMCursorPaging, sqlstore.Paging; cursor field tags [INF]",
    ),
    row(
        "lifecycle",
        "`Shop/UpdateAccountUser`",
        "`{\"updated\":1}` if `password`, `roles` or `full_name` was sent, else 0; roles replaced, permission checked against "
        "existing + new roles; a member of another shop → `not_found`; a new `full_name` renames the identity user",
        "[PUB] account_user service; not_found message and renaming [INF]",
    ),
    row(
        "lifecycle",
        "`Shop/DeleteAccountUser`",
        "`{\"deleted\":1}`; permission checked against the member's roles (the owner cannot be removed); the membership goes, "
        "the identity user stays, so the phone can be added again (reusing the user, password overwritten)",
        "[PUB] account_user service",
    ),
    # ------------------------------------------------------------ transport
    row(
        "error",
        "body over 1 MiB",
        "`malformed` 400 with `meta.cause` `http: request body too large`",
        "[INF] Go's http.MaxBytesReader",
    ),
)

# What the vendor class declares as its ``fidelity`` (see core/fidelity.py).
NOTES = FidelityNotes(rows=FIDELITY, error_sources=ERROR_SOURCES, route_sources=ROUTE_SOURCES, seed=SEED)
