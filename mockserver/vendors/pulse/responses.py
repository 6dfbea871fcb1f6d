"""Pulse CRM response bodies, in the documented key orders.

``User`` follows #/components/schemas/User of the seed; the User Session
follows the guide's example object (44.docs.dev.pulsecrm.com/reference/
user-session.html) [PUB].  Roles and permissions are per account membership;
the flat lists are their union over all of the user's accounts, in account
order, because the session example lists each permission's source as
``{role, accountId}`` - i.e. the flat lists are cross-account [INF].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Record = dict[str, Any]
Accounts = Mapping[str, Record]  # accountId -> {"accountName", "repcode", "roles": {name: [perm]}}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def grants(user: Record, accounts: Accounts) -> tuple[list[str], list[str], list[str], dict[str, list[Record]]]:
    """(flatRolesList, flatPermissionsList, permissionsFromRoles, permissionsFromRolesDetails)."""
    roles: list[str] = []
    from_roles: list[str] = []
    direct: list[str] = []
    details: dict[str, list[Record]] = {}
    for member in user["accounts"]:
        role_table = accounts[member["accountId"]]["roles"]
        for role in member["roles"]:
            roles.append(role)
            for permission in role_table[role]:
                from_roles.append(permission)
                # The example's accountId is null for a global role (superAdmin); ours
                # are all account roles, so it names the account [INF].
                details.setdefault(permission, []).append({"role": role, "accountId": member["accountId"]})
        direct.extend(member["permissions"])
    permissions = _unique(from_roles)
    return _unique(roles), _unique(permissions + direct), permissions, details


def _membership(member: Record, accounts: Accounts) -> Record:
    # User.accounts[] item order [SEED]: accountId, accountName, usersPrimaryAccount, accountAdmin
    return {
        "accountId": member["accountId"],
        "accountName": accounts[member["accountId"]]["accountName"],
        "usersPrimaryAccount": member["primary"],
        "accountAdmin": member["accountAdmin"],
    }


def _session_account(member: Record, accounts: Accounts) -> Record:
    # Session item order [PUB]: accountName, accountId, repcode, usersPrimaryAccount, accountAdmin
    account = accounts[member["accountId"]]
    return {
        "accountName": account["accountName"],
        "accountId": member["accountId"],
        "repcode": account["repcode"],
        "usersPrimaryAccount": member["primary"],
        "accountAdmin": member["accountAdmin"],
    }


# User's optional profile fields, typed integer/string and never null in the schema [SEED]:
# a user without one is answered without the key (a decoder with non-null types reads
# that; it cannot read a null).  notificationPreferences is an object the example shows
# as {} [SEED]: a user without preferences has {}.
OMITTED_WHEN_UNSET = ("name", "teamId", "phone", "imgSrc")


def user(record: Record, accounts: Accounts) -> Record:
    """The seed's User schema.  ``token`` is "only included in certain responses" and a
    created user has no session, so it is omitted [INF]; so is every optional field the
    user has no value for (OMITTED_WHEN_UNSET)."""
    roles, permissions, _, _ = grants(record, accounts)
    body: Record = {"id": record["id"], "email": record["email"]}
    _optional(body, record, "name")
    body["active"] = record["active"]
    for key in ("teamId", "phone", "imgSrc"):
        _optional(body, record, key)
    body["notificationPreferences"] = record.get("notificationPreferences") or {}
    body["createdBy"] = record["createdBy"]
    body["updatedBy"] = record["updatedBy"]
    body["createdAt"] = record["createdAt"]
    body["updatedAt"] = record["updatedAt"]
    body["accounts"] = [_membership(m, accounts) for m in record["accounts"]]
    body["flatRolesList"] = roles
    body["flatPermissionsList"] = permissions
    return body


def _optional(body: Record, record: Record, key: str) -> None:
    value = record.get(key)
    if value is not None:
        body[key] = value


# A created user's one membership, as user() shows it: (User.accounts item, flatRolesList, flatPermissionsList).
NewMemberView = tuple[Record, tuple[str, ...], tuple[str, ...]]


class NewMemberViews:
    """What ``user()`` derives for a user made by POST /users, per (accountId, roles).

    Such a user has one membership - primary, not an admin, no direct permissions -
    so its User.accounts item and flat lists depend only on the account and the role
    names, and the accounts' role tables are fixed for the server's life (built from
    the fixture at start-up): an entry never goes stale.  Each is worked out once by
    the general code (``grants``/``_membership``) and then looked up; ``grants`` on
    every create was the largest cost of the handler.  The flat lists are tuples
    because every response shares them (orjson writes them as arrays); the
    membership dict is copied per response (``new_user``).
    """

    LIMIT = 4096  # ordered role lists are few in practice; a bound keeps a hostile client from growing it

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self._views: dict[tuple[str, tuple[str, ...]], NewMemberView] = {}

    def get(self, key: tuple[str, tuple[str, ...]]) -> NewMemberView | None:
        return self._views.get(key)

    def add(self, key: tuple[str, tuple[str, ...]], member: Record) -> NewMemberView:
        """``member`` is the new membership record; its roles must exist in the account."""
        roles, permissions, _, _ = grants({"accounts": [member]}, self.accounts)
        view = (_membership(member, self.accounts), tuple(roles), tuple(permissions))
        if len(self._views) >= self.LIMIT:
            self._views.clear()
        self._views[key] = view
        return view


def session(record: Record, live: Record, accounts: Accounts) -> Record:
    """The User Session payload of /auth/login, GET /auth/session and impersonate [PUB].

    An impersonation session works in one account only, so [INF] its accounts,
    primaryAccount and role/permission lists cover that membership alone.
    """
    members = record["accounts"]
    scope = live["accountId"]
    if scope is not None:
        members = [m for m in members if m["accountId"] == scope] or members
        record = {**record, "accounts": members}
    roles, permissions, from_roles, details = grants(record, accounts)
    primary = members[0] if scope is not None else next((m for m in members if m["primary"]), members[0])
    return {
        "id": record["id"],
        "email": record["email"],
        "active": record["active"],
        "createdBy": record["createdBy"],
        "updatedBy": record["updatedBy"],
        "createdAt": live["createdAt"],
        "updatedAt": live["updatedAt"],
        "impersonating": live["impersonating"],  # email or null [PUB]
        "primaryAccount": _session_account(primary, accounts),
        "accounts": [_session_account(m, accounts) for m in members],
        "flatRolesList": roles,
        "flatPermissionsList": permissions,
        "permissionsFromRoles": from_roles,
        "permissionsFromRolesDetails": details,
        "token": live["token"],
        "expiresAt": live["expiresAtText"],
    }


def new_user(record: Record, view: NewMemberView) -> Record:
    """``user()`` of a record POST /users just built, from its cached membership view.

    That record holds User's keys in User's order plus ``password`` (a store-only
    key), the optional ones only when set and notificationPreferences always (as
    user() writes them), so a copy without the password, with the membership view in
    place of the stored membership and the flat lists appended, is user()'s dict key
    for key - and a dict copy is a fraction of the cost of writing the keys out again.
    tests/vendors/pulse/test_fast_paths.py compares it with user().
    """
    body = record.copy()
    del body["password"]
    membership, body["flatRolesList"], body["flatPermissionsList"] = view
    body["accounts"] = [dict(membership)]  # the key keeps its place; a copy, so no response shares it
    return body


# ---------------------------------------------------------------- OpenAPI
# The bodies above as pydantic models
# (the declaration the OpenAPI document is generated from; the builders are kept for
# speed, and tests/contract/test_response_models.py holds every documented answer to its
# model exactly: keys, their order, values).

from pydantic import BaseModel, Field, RootModel  # noqa: E402

from ...core.openapi import absent  # noqa: E402


class Membership(BaseModel):
    accountId: str
    accountName: str
    usersPrimaryAccount: bool
    accountAdmin: bool


class User(BaseModel):
    """The seed's User, as ``user()`` writes it (``token`` is never included; the optional
    profile fields only when set, never null)."""

    id: int
    email: str
    name: str = absent("Full name of the user; absent when not set.")
    active: bool
    teamId: int = absent("ID of the team the user belongs to; absent when not set.")
    phone: str = absent("User's phone number; absent when not set.")
    imgSrc: str = absent("URL to the user's profile image; absent when not set.")
    notificationPreferences: dict[str, Any] = Field(description="User's notification preferences; {} when none are set.")
    createdBy: str
    updatedBy: str
    createdAt: str
    updatedAt: str
    accounts: list[Membership]
    flatRolesList: list[str]
    flatPermissionsList: list[str]


class UserList(RootModel[list[User]]):
    """GET /users: a bare array of users."""


class SessionAccount(BaseModel):
    accountName: str
    accountId: str
    repcode: str
    usersPrimaryAccount: bool
    accountAdmin: bool


class PermissionSource(BaseModel):
    role: str
    accountId: str


class UserSession(BaseModel):
    """The User Session payload, as ``session()`` writes it."""

    id: int
    email: str
    active: bool
    createdBy: str
    updatedBy: str
    createdAt: str
    updatedAt: str
    impersonating: str | None
    primaryAccount: SessionAccount
    accounts: list[SessionAccount]
    flatRolesList: list[str]
    flatPermissionsList: list[str]
    permissionsFromRoles: list[str]
    permissionsFromRolesDetails: dict[str, list[PermissionSource]]
    token: str
    expiresAt: str


class UserDeleted(BaseModel):
    message: str
