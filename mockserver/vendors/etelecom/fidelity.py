"""eTelecom fidelity table: what the emulation does and where each behaviour comes from.

Read by mockserver.core.fidelity (docs/fidelity.md and the
admin fidelity map).  Route and error-catalog rows are generated from the
code; this module gives their sources and the hand-written rows.
Texts are Markdown; paths are relative to the mount (they include `/v1/shop`).
"""

from __future__ import annotations

from ...core.fidelity import FidelityNotes, Row, not_supported, row

SEED = "004"

# The eTop backend source read for issue 14: the shop service's account_user.go, its request
# types and doc/etop/shop/swagger.json, the shop_user_role enum, the identity aggregate
# (RegisterSimplify, CreateUser, CreateAccountUser) and store, pkg/common/id.go - public
# code, GitHub ngvvlinh/ng_dependency_BE (a mirror of eTop's backend, 2022).
_SRC = "[PUB] eTop source"

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
    # ------------------------------------------------------------ which source decides
    row(
        "behaviour",
        "source authority",
        "the eTelecom docs (the seed, docs.etelecom.vn) decide what is public: the paths (`shop.Shop/…`), the RPCs offered, "
        "the fields shown; the eTop backend source decides how the server behaves wherever the docs are silent or show a "
        "schema placeholder (`\"source\": \"unknown\"`, `\"text\"`): Validate() and its messages, the role enum, "
        "`department_id`, the list filters, the user RegisterSimplify makes, the id generator; where the two disagree on "
        "behaviour (roles: optional in the docs' table, required by Validate()) the source wins, as the code that answers",
        _SRC + " (account_user.go, shop types, swagger.json, identity aggregate); docs [SEED]",
    ),
    not_supported(
        "route",
        "`shop.AccountUser/CreateAccountUser`, `…/GetAccountUsers`, `…/UpdateAccountUser`, `…/DeleteAccountUser`",
        "not served: the eTop source names the service `shop.AccountUser` (under `/api/`); eTelecom's docs publish "
        "`shop.Shop/…` under `/v1/shop`, which is what is emulated",
        "[PUB] eTop doc/etop/shop/swagger.json",
    ),
    not_supported(
        "route",
        "`shop.Department/CreateDepartment`, `GetDepartments`, `UpdateDepartment`, `AccountUser/RemoveUserOutOfDepartment`",
        "not emulated: a shop's departments come from the fixture (`shops[].departments`)",
        "[PUB] eTop doc/etop/shop/swagger.json, department service",
    ),
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
        "required `full_name`, `password`, `roles`",
        "CreateAccountUserRequest.Validate(): the first empty one, in this order, untrimmed (`\" \"` passes and is stored as "
        "sent) → `invalid_argument` `Vui lòng điền họ tên` / `Vui lòng điền password` / `Vui lòng chọn roles` (absent, null or "
        "`[]`); the seed's own example, which sends no roles, is refused so",
        _SRC + " (shop types: Validate); the docs' table marks full_name, password, phone required [SEED]; before issue 14 "
        "roles were optional and the messages `full_name không được để trống; …` [INF]",
    ),
    row(
        "field",
        "`phone`",
        "eTop's NormalizePhone ported (+84/84 → 0, separators skipped, `-test` suffix kept, 10–12 digits); invalid, empty "
        "or absent → `invalid_argument` `Số điện thoại không hợp lệ`, after the permission check",
        "[PUB] validate.NormalizePhone, account_user service (Validate() does not look at the phone)",
    ),
    row(
        "field",
        "`roles`",
        "the enum's ten roles: owner, staff_management, telecom_customerservice, inventory_management, "
        "purchasing_management, accountant, analyst, salesman, telecom_customerservice_management, m_admin (and `unknown`, "
        "which `\"\"` and null read as); read by UserRole's UnmarshalJSON on every RPC: an unknown name → `malformed` with "
        "`meta.cause` `unrecognized enum UserRole value \"x\"`, the enum's number (`3`) is its role, other JSON → "
        "``cannot unmarshal `true` into enum UserRole``; such an error aborts Go's decoding, ahead of any type error",
        _SRC + " (shop_user_role enum, mix.UnmarshalJSONEnumInt); before issue 14 the last two roles were refused and an "
        "unknown one was `invalid_argument` [INF]",
    ),
    row(
        "field",
        "`department_id` (create, update)",
        "a dot.ID (number or numeric string; 0/`\"\"`/absent = none) naming one of the caller's shop's departments "
        "(fixture `shops[].departments`), else `not_found` 404 with the default message; create: checked after the "
        "duplicate check; update: counted in `updated`, and an `owner` or `m_admin` member cannot be placed (a key acts as "
        "the shop, never as that member) → `permission_denied`; a failed request changes nothing (the real service has "
        "already registered the phone / saved password and roles by then)",
        _SRC + " (CreateAccountUserRequest, Aggregate.CreateAccountUser, UpdateDepartmentID, hasUpdateDepartmentPermission); "
        "no-change on failure and the key's identity [INF]",
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
        "`staff_management` may add no one; otherwise the caller's highest role must be above every requested role by enum "
        "number (so a staff manager may give m_admin, number 10, and never `unknown`, 0)",
        "[PUB] account_user.hasPermision; enum numbers " + _SRC,
    ),
    # ------------------------------------------------------------ responses
    row(
        "response",
        "create success",
        "200, the seed's user object and key order (the identity user, not the membership); `id` a 19-digit int64 as a "
        "string; RFC 3339 ms timestamps; a new user (RegisterSimplify): `source` `etop`, `phone_verified_at` and "
        "`phone_verification_sent_at` = now, `short_name` and `email` empty; never-happened timestamps null",
        "[SEED] keys; values " + _SRC + " (RegisterSimplify, CreateUser: the seed's `\"unknown\"` is a schema "
        "placeholder); before issue 14 source `unknown`, phone unverified, short name the last word [INF]",
    ),
    row(
        "response",
        "`short_name`, `total_shop`",
        "empty for a user made here (UpdateAccountUser's `full_name` leaves it as it is); a fixture user's is the "
        "fixture's or its name's last word; `total_shop` = the number of shops the user owns (0 for staff)",
        "[SEED] \"Total number of shops owned\"; short name " + _SRC + "; fixture default [INF]",
    ),
    row(
        "response",
        "ids",
        "eTop's generator: 10 ms units since its 2018 epoch << 24, the user tag 17 in bits 24–31, 24 seeded random bits "
        "(~1.4e18 in 2025, as the fixture's ~1.15e18); each new id is also above the last one made, so a frozen or slow "
        "clock still gives ids in creation order (and generated fixture users, joined 2024-01-02, come below)",
        _SRC + " (pkg/common/id.go NewIDWithTag, account_tag.TagUser); the ordering [INF]; before issue 14 ms << 22 "
        "(~7.4e18)",
    ),
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
        "that identity user is added to this shop as it is: id, name, email, password and `updated_at` untouched",
        _SRC + ": RegisterSimplify returns at once for a known phone (IsUpdatePassword is passed and never read); before "
        "issue 14 the password was overwritten",
    ),
    row(
        "lifecycle",
        "`Shop/GetAccountUsers`",
        "`{account_users:[{account_id,deleted,department_id,email,full_name,permissions,phone,position,roles,short_name,"
        "user_id}], paging:{after,before,limit,next,prev,sort}}`; the caller's shop only; filters `name`/`phone`/"
        "`extension_number` (word prefixes, case- and accent-insensitive, indexed when the member joined), `user_ids`, "
        "`roles` (holds all of them), `exact_roles` (holds exactly these), `has_extension`, `has_department`, "
        "`department_id` (0 = any); `department_id` \"0\" for none",
        "[PUB] get-list-user page; filters " + _SRC + " (FilterGetAccountUsersRequest, ListAccountUsers: `roles @> ?`, "
        "`roles @> ? AND ? @> roles`); `permissions` [] [INF]",
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
        "`{\"updated\":1}` if `password`, `roles`, `department_id` or `full_name` was sent, else 0; roles replaced, permission "
        "checked against existing + new roles; a member of another shop → `not_found`; a new `full_name` renames the "
        "identity user (not its short name)",
        "[PUB] account_user service; not_found message [INF]",
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
