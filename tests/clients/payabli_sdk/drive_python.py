"""Client code written against Payabli with its official Python SDK, pointed at the mock.

Runs on the SDK's own interpreter (setup_sdks.PYTHON), never the project's:
``python drive_python.py PLAN.json`` prints a JSON list of steps on stdout.  The plan
(test_official_sdks.py writes it) gives the base URL, the test session, the
fixture's credentials and, per operation, the catalogued errors to force with
``X-Mock-Error``.  Each step is what the SDK gave back: the typed model it parsed
(its class and ``model_dump``) or the exception it raised (its class, status and
whether the body was parsed into the SDK's model).  The test judges them.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

from payabli import MfaData, OrgScope, UsrAccess, payabli
from payabli.core.api_error import ApiError
from payabli.core.parse_error import ParsingError

with open(sys.argv[1], encoding="utf-8") as plan_file:
    PLAN: dict[str, Any] = json.load(plan_file)
BASE = PLAN["base_url"]
HEADERS = {"X-Mock-Session": PLAN["session"]}
STEPS: list[dict[str, Any]] = []


def client(api_key: str | None = None, **options: Any) -> Any:
    # max_retries=0: a forced 5xx is one answer to judge, not three with back-off sleeps.
    return payabli(base_url=BASE, api_key=api_key, headers=HEADERS, max_retries=0, **options)


def dumped(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    return value


def step(name: str, operation: str, call: Callable[[], Any]) -> Any:
    """Run one SDK call; record the typed answer or the exception, as data."""
    record: dict[str, Any] = {"name": name, "operation": operation}
    try:
        result = call()
    except ParsingError as exc:  # the SDK could not read the answer: the failure this suite exists for
        record.update(outcome="parsing_error", status=exc.status_code, detail=str(exc.cause)[:2000], body=exc.body)
    except ApiError as exc:
        record.update(outcome="error", error_class=type(exc).__name__, status=exc.status_code,
                      body_class=type(exc.body).__name__, body=dumped(exc.body))
    except Exception as exc:  # anything else the SDK raised
        record.update(outcome="exception", error_class=type(exc).__name__, detail=traceback.format_exc()[-2000:])
    else:
        record.update(outcome="typed", model=type(result).__name__, data=dumped(result))
        STEPS.append(record)
        return result
    STEPS.append(record)
    return None


def forced(key: str) -> dict[str, Any]:
    return {"additional_headers": {"X-Mock-Error": key}}


org = client(PLAN["org_token"])
app = client(PLAN["app_token"])
user = PLAN["user"]
EMAIL, PSW, NEW_PSW = user["email"], user["psw"], user["new_psw"]

# ---------------------------------------------------------------- the documented flow
step("add_user", "add_user", lambda: org.user.add_user(
    email=EMAIL, pwd=PSW, name="Sdk Python", phone="3055550142", scope=[OrgScope(org_id=123, org_type=0)],
    access=[UsrAccess(role_label="customers", role_value=True)], usr_status=1, time_zone=-5, language="en",
    mfa_data=MfaData(mfa=False, mfa_mode=0), additional_data={"crm": "42", "source": "sdk-python"},
))
listed = step("list_users_org", "list_users_org", lambda: org.query.list_users_org(org_id=123, limit_record=0, sort_by="desc(userId)"))
user_id = next((r.user_id for r in (listed.records or []) if r.email == EMAIL), 0) if listed is not None else 0
step("list_users_org_page", "list_users_org", lambda: org.query.list_users_org(org_id=123, from_record=0, limit_record=1))
step("get_user", "get_user", lambda: org.user.get_user(user_id=user_id, entry="pilgrim-planner", level=0))
step("edit_user", "edit_user", lambda: org.user.edit_user(user_id=user_id, name="Sdk P. Python", additional_data={"crm": "43"}))
step("get_user_edited", "get_user", lambda: org.user.get_user(user_id=user_id))
step("list_users_paypoint", "list_users_paypoint", lambda: org.query.list_users_paypoint(entry="demo-paypoint", limit_record=0))

login = step("auth_user", "auth_user", lambda: app.user.auth_user(provider="null", email=EMAIL, psw=PSW))
token = login.response_data if login is not None else ""
refreshed = step("auth_refresh_user", "auth_refresh_user", lambda: client(token).user.auth_refresh_user())
token = refreshed.response_data if refreshed is not None else ""
session = client(token)
step("change_psw_user", "change_psw_user", lambda: session.user.change_psw_user(psw=NEW_PSW))
step("logout_user", "logout_user", lambda: session.user.logout_user())
step("logout_user_again", "logout_user", lambda: session.user.logout_user())  # the token ended: 401
step("edit_mfa_user", "edit_mfa_user", lambda: org.user.edit_mfa_user(user_id=user_id, mfa=True, mfa_mode=0))
challenge = step("auth_user_mfa", "auth_user", lambda: app.user.auth_user(
    provider="null", email=EMAIL, psw=NEW_PSW, entry="pilgrim-planner", entry_type=0))
resent = step("resend_mfa_code", "resend_mfa_code", lambda: org.user.resend_mfa_code(usrname=EMAIL, entry="pilgrim-planner", entry_type=0))
code = resent.mfa_validation_code if resent is not None else ""
step("validate_mfa_user", "validate_mfa_user", lambda: org.user.validate_mfa_user(mfa_code=PLAN["mfa_code"], mfa_validation_code=code))
step("validate_mfa_user_again", "validate_mfa_user", lambda: org.user.validate_mfa_user(mfa_code=PLAN["mfa_code"], mfa_validation_code=code))
step("auth_reset_user", "auth_reset_user", lambda: org.user.auth_reset_user(email=EMAIL))
step("auth_user_wrong_password", "auth_user", lambda: app.user.auth_user(provider="null", email=EMAIL, psw="wrong"))
step("auth_user_organization_token", "auth_user", lambda: org.user.auth_user(provider="null", email=EMAIL, psw=NEW_PSW))
step("add_user_duplicate", "add_user", lambda: org.user.add_user(email=EMAIL.upper(), scope=[OrgScope(org_id=123)]))
step("add_user_paypoint_scope", "add_user", lambda: org.user.add_user(email="pp@example.com", scope=[OrgScope(org_id=255, org_type=2)]))
step("add_user_long_value", "add_user", lambda: org.user.add_user(
    email="long@example.com", scope=[OrgScope(org_id=123)], additional_data={"note": "x" * 101}))
step("get_user_unknown", "get_user", lambda: org.user.get_user(user_id=999))
step("get_user_bad_token", "get_user", lambda: client("nope").user.get_user(user_id=1000000))
step("delete_user", "delete_user", lambda: org.user.delete_user(user_id=user_id))

# OAuth client credentials: the SDK fetches and sends the Bearer token by itself.
oauth_credentials = PLAN["oauth"]
step("create_server_side_token", "create_server_side_token", lambda: org.token.create_server_side_token(**oauth_credentials))
oauth = client(client_id=oauth_credentials["client_id"], client_secret=oauth_credentials["client_secret"])
step("get_user_with_oauth", "get_user", lambda: oauth.user.get_user(user_id=1000000))
step("create_server_side_token_wrong_secret", "create_server_side_token",
     lambda: org.token.create_server_side_token(client_id=oauth_credentials["client_id"], client_secret="wrong"))

# ---------------------------------------------------------------- every catalogued error, forced
CALLS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "add_user": lambda o: org.user.add_user(email="forced@example.com", scope=[OrgScope(org_id=123)], request_options=o),
    "get_user": lambda o: org.user.get_user(user_id=1000000, request_options=o),
    "edit_user": lambda o: org.user.edit_user(user_id=1000000, name="Forced", request_options=o),
    "delete_user": lambda o: org.user.delete_user(user_id=1000000, request_options=o),
    "list_users_org": lambda o: org.query.list_users_org(org_id=123, request_options=o),
    "list_users_paypoint": lambda o: org.query.list_users_paypoint(entry="demo-paypoint", request_options=o),
    "auth_user": lambda o: app.user.auth_user(provider="null", email=EMAIL, psw=NEW_PSW, request_options=o),
    "auth_refresh_user": lambda o: org.user.auth_refresh_user(request_options=o),
    "auth_reset_user": lambda o: org.user.auth_reset_user(email=EMAIL, request_options=o),
    "change_psw_user": lambda o: org.user.change_psw_user(psw=NEW_PSW, request_options=o),
    "logout_user": lambda o: org.user.logout_user(request_options=o),
    "edit_mfa_user": lambda o: org.user.edit_mfa_user(user_id=1000000, mfa=False, request_options=o),
    "resend_mfa_code": lambda o: org.user.resend_mfa_code(usrname=EMAIL, entry="pilgrim-planner", entry_type=0, request_options=o),
    "validate_mfa_user": lambda o: org.user.validate_mfa_user(mfa_code="123456", mfa_validation_code="AA", request_options=o),
    "create_server_side_token": lambda o: org.token.create_server_side_token(**oauth_credentials, request_options=o),
}
for operation, keys in PLAN["errors"].items():
    for key in keys:
        step(f"error:{operation}:{key}", operation, lambda operation=operation, key=key: CALLS[operation](forced(key)))

json.dump(STEPS, sys.stdout, ensure_ascii=False)
