"""eTelecom error catalog and envelope: Twirp's ``{"code","msg"[,"meta"]}``.

Keys are Twirp code names (scenarios say ``error: permission_denied``), plus
a few named variants whose message differs.  Statuses are eTop's
``ServerHTTPStatusFromErrorCode``; default messages are eTop xerrors'
``DefaultErrorMessage`` (the hotro@etop.vn version, the only one published).
"""

from __future__ import annotations

from ...core.errors import ErrorSpec, FieldError, Problem, ProblemMap, VendorError
from ...core.vendor import ErrorContract, Reply
from .gojson import go_quote

# [PUB] xerrors.DefaultErrorMessage
MSG_UNAUTHENTICATED = "Vui lòng đăng nhập (hoặc đăng ký nếu chưa có tài khoản). Nếu cần thêm thông tin vui lòng liên hệ hotro@etop.vn."
MSG_PERMISSION_DENIED = "Không tìm thấy hoặc cần quyền truy cập. Nếu cần thêm thông tin vui lòng liên hệ hotro@etop.vn."
MSG_NOT_FOUND = "Không tìm thấy. Nếu cần thêm thông tin, vui lòng liên hệ hotro@etop.vn."
MSG_INVALID_ARGUMENT = "Có lỗi xảy ra. Vui lòng thử lại hoặc liên hệ hotro@etop.vn."
MSG_FALLBACK = "Lỗi không xác định. Vui lòng thử lại hoặc liên hệ hotro@etop.vn."
# [PUB] Twirp gate text for an undecodable body
MSG_MALFORMED = "the json request could not be decoded"
# [PUB: account_user] UpdateAccountUser / DeleteAccountUser with user_id 0 or
# absent.  A message on invalid_argument, not a catalog row of its own, so the
# scenario library's one-scenario-per-catalog-key rule needs no new file.
MSG_USER_ID_MISSING = "user_id không được để trống"


def _spec(status: int, code: str, message: str = MSG_FALLBACK) -> ErrorSpec:
    return ErrorSpec(status, code, None, message)


CATALOG: dict[str, ErrorSpec] = {
    # Twirp codes with eTop's HTTP statuses [PUB]; messages default to the
    # xerrors fallback where xerrors has no specific one [PUB].
    "canceled": _spec(408, "canceled"),
    "unknown": _spec(500, "unknown"),
    "invalid_argument": _spec(400, "invalid_argument", MSG_INVALID_ARGUMENT),
    "malformed": _spec(400, "malformed", MSG_MALFORMED),  # [INF] default = the gate text
    "deadline_exceeded": _spec(408, "deadline_exceeded"),
    "not_found": _spec(404, "not_found", MSG_NOT_FOUND),
    "bad_route": _spec(404, "bad_route"),
    "already_exists": _spec(409, "already_exists"),
    "permission_denied": _spec(403, "permission_denied", MSG_PERMISSION_DENIED),
    "unauthenticated": _spec(401, "unauthenticated", MSG_UNAUTHENTICATED),
    "resource_exhausted": _spec(403, "resource_exhausted"),
    "failed_precondition": _spec(412, "failed_precondition"),
    "aborted": _spec(409, "aborted"),
    "out_of_range": _spec(400, "out_of_range"),
    "unimplemented": _spec(501, "unimplemented"),
    "internal": _spec(500, "internal"),
    "unavailable": _spec(503, "unavailable"),
    "data_loss": _spec(500, "data_loss"),
    # Named variants: same wire code, the service's own message [PUB: account_user].
    "user_exists": _spec(412, "failed_precondition", "Người dùng đã tồn tại."),
    "invalid_phone": _spec(400, "invalid_argument", "Số điện thoại không hợp lệ"),
}

# [INF] the cause Go's http.MaxBytesReader gives: a Go server bounding the
# body fails inside the JSON decoder, so the client sees a `malformed`.
TOO_LARGE_CAUSE = "http: request body too large"


def bad_route(message: str, method: str, path: str) -> VendorError:
    # Twirp's badRouteError always carries the route in meta [PUB: Twirp; key
    # "invalid_route" per eTop's httprpc].
    return VendorError("bad_route", message, extra={"meta": {"invalid_route": f"{method} {path}"}})


def wrong_method(method: str, path: str) -> VendorError:
    return bad_route(f"unsupported method {go_quote(method)} (only POST is allowed)", method, path)


def malformed(cause: str) -> VendorError:
    return VendorError("malformed", MSG_MALFORMED, extra={"meta": {"cause": cause}})


def _route_problem(problem: Problem) -> VendorError:
    # The core matched the path before us; its detail is "METHOD /path".
    # Twirp checks the method first, so GET on an unknown path is still
    # "unsupported method".
    method, _, path = problem.detail.partition(" ")
    if method != "POST":
        return wrong_method(method, path)
    return bad_route(f"no handler for path {go_quote(path)}", method, path)  # [INF/PUB Twirp]


PROBLEMS: ProblemMap = {
    # The handlers decode bodies themselves (Go semantics): a gojson.GoDecodeError is a
    # malformed_json whose detail is Go's err.Error(); the rest are the core's own checks.
    "malformed_json": lambda p: malformed(p.detail or "unexpected end of JSON input"),
    "not_object": lambda p: malformed(p.detail),
    "invalid_fields": lambda p: VendorError("invalid_argument", fields=p.fields),
    "body_too_large": lambda p: malformed(TOO_LARGE_CAUSE),
    "not_found": _route_problem,
    "method_not_allowed": _route_problem,
    "bad_content_type": lambda p: VendorError("bad_route", f"unexpected Content-Type: {go_quote(p.detail)}"),
    # [INF] a unique key the store finds taken (the handlers check memberships first: user_exists)
    "conflict": "already_exists",
    "scenario": "invalid_argument",  # Twirp's 400, the text as msg
    "internal": "internal",
}


def phrase(error: FieldError) -> str:
    """One failing field in the service's Vietnamese style.

    [INF] by analogy with the published ``user_id không được để trống``.
    """
    if error.kind == "missing":
        return f"{error.loc} không được để trống"
    value = error.ctx.get("value")
    if value is not None:
        return f"{error.loc} không hợp lệ: {go_quote(str(value))}"
    return f"{error.loc} không hợp lệ"


def render(error: VendorError) -> Reply:
    spec = CATALOG[error.name]
    message = error.message
    if message is None:
        message = "; ".join(phrase(f) for f in error.fields) if error.fields else spec.message
    body: dict[str, object] = {"code": spec.code, "msg": message}
    meta = error.extra.get("meta")
    if meta:  # `meta` is omitempty on the wire
        body["meta"] = dict(meta)
    return Reply(spec.status, body)


# ---------------------------------------------------------------- OpenAPI
# What Twirp's gate and the session layer answer on every RPC (the handlers' shared prologue).
GATE_ERRORS = ("bad_route", "malformed", "unauthenticated")

# What render() writes, for the generated OpenAPI document; codes from the catalog.
ENVELOPE_SCHEMA: dict[str, object] = {
    "title": "ETelecomError",
    "type": "object",
    "description": "Twirp's error body; `meta` (omitempty) carries `invalid_route` or the decoder's `cause`.",
    "properties": {
        "code": {"type": "string", "enum": list(dict.fromkeys(str(spec.code) for spec in CATALOG.values()))},
        "msg": {"type": "string"},
        "meta": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["code", "msg"],
}

# The vendor's side of the one error funnel, declared on its Vendor class as ``error_contract``.
CONTRACT = ErrorContract(CATALOG, PROBLEMS, ENVELOPE_SCHEMA, render)
