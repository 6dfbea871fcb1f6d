"""Shared constants for the eTelecom tests (fixture values, wire strings)."""

from __future__ import annotations

from datetime import UTC, datetime

URL = "/etelecom/v1/shop.Shop/CreateAccountUser"
ROUTE = "/v1/shop.Shop/CreateAccountUser"
LIST_URL = "/etelecom/v1/shop.Shop/GetAccountUsers"
UPDATE_URL = "/etelecom/v1/shop.Shop/UpdateAccountUser"
DELETE_URL = "/etelecom/v1/shop.Shop/DeleteAccountUser"
NOW = "2025-08-03T06:07:40.330Z"
NOW_MS = int(datetime(2025, 8, 3, 6, 7, 40, 330000, tzinfo=UTC).timestamp() * 1000)

OWNER_KEY = "1150482016510394500:Q7hT2mWx9LpK4vRz8NcYbE3uJ6sFdA1g"
MANAGER_KEY = "1150482016510394500:S5kV8nB2xQ7wM4rT9yH3jL6pC1zD0fGa"
AGENT_KEY = "1150482016510394500:C3xR7tY1uI9oP5aS2dF8gH4jK6lZ0vBn"
OTHER_SHOP_KEY = "1150482016510394600:B9mN3bV7cX1zL5kJ8hG2fD6sA4qW0eRt"
REVOKED_KEY = "1150482016510394500:R3vK8dW2qZ7xN4mT9bL6cY1fH5jP0sGe"

# Fixture people: (user id, shop).  Sao Mai = shop 500, Hòa Bình = shop 600.
HUNG = 1150482016510394368  # owner of Sao Mai
LAN = 1150482016510394370  # telecom_customerservice of Sao Mai, extension 101
TUAN = 1150482016510394372  # staff_management of Sao Mai
BAO = 1150482016510394374  # owner of Hòa Bình
HOA = 1150482016510394376  # salesman of Hòa Bình
SAO_MAI = 1150482016510394500
HOA_BINH = 1150482016510394600


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


# The seed's request example, with values that pass the rules - and the roles the
# service's Validate() requires (issue 14: "Vui lòng chọn roles" without them).
SEED_EXAMPLE = {"full_name": "Nguyễn Thị Mai", "password": "MatKhau@2025", "phone": "0901234567", "roles": ["telecom_customerservice"]}

UNAUTHENTICATED = {
    "code": "unauthenticated",
    "msg": "Vui lòng đăng nhập (hoặc đăng ký nếu chưa có tài khoản). Nếu cần thêm thông tin vui lòng liên hệ hotro@etop.vn.",
}
PERMISSION_DENIED = {
    "code": "permission_denied",
    "msg": "Không tìm thấy hoặc cần quyền truy cập. Nếu cần thêm thông tin vui lòng liên hệ hotro@etop.vn.",
}
USER_EXISTS = {"code": "failed_precondition", "msg": "Người dùng đã tồn tại."}
INVALID_PHONE = {"code": "invalid_argument", "msg": "Số điện thoại không hợp lệ"}
NOT_FOUND = {"code": "not_found", "msg": "Không tìm thấy. Nếu cần thêm thông tin, vui lòng liên hệ hotro@etop.vn."}
USER_ID_MISSING = {"code": "invalid_argument", "msg": "user_id không được để trống"}


def invalid(msg: str) -> dict[str, str]:
    return {"code": "invalid_argument", "msg": msg}


def malformed(cause: str) -> dict[str, object]:
    return {"code": "malformed", "msg": "the json request could not be decoded", "meta": {"cause": cause}}


def bad_route(msg: str, route: str) -> dict[str, object]:
    return {"code": "bad_route", "msg": msg, "meta": {"invalid_route": route}}
