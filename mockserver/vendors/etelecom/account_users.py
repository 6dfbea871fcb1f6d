"""eTelecom account-user companions of CreateAccountUser.

``Shop/GetAccountUsers``, ``Shop/UpdateAccountUser`` and ``Shop/DeleteAccountUser``
[PUB: eTop ``package account_user`` (o.o); exposure to API keys INF].  Same
Twirp gate and session as CreateAccountUser: POST with a JSON Content-Type,
Go decoding (``malformed``), then the Bearer key (``unauthenticated``).  A key
only ever sees and changes the members of its own shop; identity users are
shared by all shops, memberships are not.

Mixed into the vendor class, which provides the tables, the Content-Type
gate and the membership helpers.  A membership is a row of ``account_users``
or, for the one a create made with its new user, kept inside the user's row
(members.py): each RPC reads and writes it where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...core.errors import VendorError
from ...core.store import Table
from ...core.vendor import Call, Reply, VendorContext
from . import errors, members, responses
from .auth import authenticate
from .godecode import decode
from .models import DELETE_ACCOUNT_USER, GET_ACCOUNT_USERS, UPDATE_ACCOUNT_USER
from .paging import paginate
from .rules import OWNER, has_permission, password_hash
from .search import index_tokens, matches, query_tokens

# hasUpdateDepartmentPermission [PUB]: the roles user_role names (MerchantSupperAdmin,
# MerchantAdmin) whose holder only they themselves may put in a department.
_ADMIN_ROLES = frozenset({OWNER, "m_admin"})


class AccountUserRPCs:
    # The vendor class provides these tables (properties looking the store up
    # per call) and _check_content_type, _now, _unique.  Deliberately no stubs at
    # run time (a missing one then fails loudly instead of quietly returning None):
    # they are declared for the type checker only.
    ctx: VendorContext
    departments: dict[int, frozenset[int]]  # shop id -> its departments' ids
    if TYPE_CHECKING:

        @property
        def users(self) -> Table: ...
        @property
        def api_keys(self) -> Table: ...
        @property
        def account_users(self) -> Table: ...
        @staticmethod
        def _check_content_type(call: Call) -> None: ...
        @staticmethod
        def _unique(record: dict[str, Any]) -> dict[str, Any]: ...
        def _now(self) -> tuple[str, int]: ...

    # ------------------------------------------------------------ list
    def get_account_users(self, call: Call) -> Reply:
        self._check_content_type(call)
        request = decode(call.body, GET_ACCOUNT_USERS)  # an unknown role is Go's decode error (godecode)
        caller = authenticate(call, self.api_keys)
        wanted: dict[str, Any] = request.get("filter", {})

        shop_id = caller["shop_id"]
        test = _filter(wanted)
        rows = []
        for user in self.users.values():  # the memberships kept inside users' rows
            member = members.of_shop(user, shop_id)
            if member is not None and test(member):
                rows.append(member)
        rows += [m for m in self.account_users.values() if m["shop_id"] == shop_id and test(m)]
        page = paginate(rows, request.get("paging"))  # sorted on (instant, membership id): where a row came from is lost
        items = [responses.account_user(m, self._identity_user(m["user_id"])) for m in page.rows]
        return Reply(200, responses.account_users(items, page.info))

    # ---------------------------------------------------------- update
    def update_account_user(self, call: Call) -> Reply:
        self._check_content_type(call)
        request = decode(call.body, UPDATE_ACCOUNT_USER)
        caller = authenticate(call, self.api_keys)
        roles: list[str] = request.get("roles", [])
        member, identity, inside = self._target(caller, request.get("user_id", 0))
        # [PUB] permission over the member's roles plus the new ones...
        combined = list(member["roles"]) + [r for r in roles if r not in member["roles"]]
        if not has_permission(caller["roles"], combined):
            raise VendorError("permission_denied")
        department_id: int = request.get("department_id", 0)
        if department_id:
            # [PUB] hasUpdateDepartmentPermission: an owner or m_admin member may only place
            # themselves - and a key acts as the shop, never as that member [INF]; then the
            # department must be one of the shop's (GetDepartmentByIDQuery: not_found).  The
            # real service has already saved the password and roles by then; a failed request
            # changes nothing here [INF].
            if _ADMIN_ROLES.intersection(member["roles"]):
                raise VendorError("permission_denied")
            if department_id not in self.departments[member["shop_id"]]:
                raise VendorError("not_found")

        password: str = request.get("password", "")
        full_name: str = request.get("full_name", "")
        now, now_us = self._now()
        changes: dict[str, Any] = {}
        updated = 0
        if password:  # [PUB] counted even when it is the same password
            changes["password_hash"] = password_hash(password)
            updated += 1
        moved: dict[str, Any] = {}
        if roles:  # ...but the stored roles are replaced by the new ones [PUB]
            moved["roles"] = list(roles)
            updated += 1
        if department_id:  # counted even when it is the member's department already [PUB]
            if department_id != member["department_id"]:
                moved["department_id"] = department_id
            updated += 1
        if moved and not inside:
            member = {**member, **moved, "updated_at": now, "updated_us": now_us}
            self.account_users.update((member["shop_id"], member["user_id"]), member)
        if full_name:
            # [PUB] UpdateUserInfo: the identity's name (what every listing shows), not its
            # short name; [INF] each membership's search index is rebuilt from it (the one
            # kept inside the user's row reads it from there).
            changes["full_name"] = full_name
            self._reindex_name(member["user_id"], full_name)
            updated += 1
        record = {**identity, **changes, "updated_at": now} if changes else None
        if moved and inside:  # the membership kept inside the user's row: one write with the identity's changes
            record = members.changed(record or identity, {**member, **moved, "updated_us": now_us})
        if record is not None:
            self.users.update(record["id"], record, self._unique(record))
        return Reply(200, responses.updated(min(updated, 1)))  # [PUB] capped at 1

    # ---------------------------------------------------------- delete
    def delete_account_user(self, call: Call) -> Reply:
        self._check_content_type(call)
        request = decode(call.body, DELETE_ACCOUNT_USER)
        caller = authenticate(call, self.api_keys)
        member, identity, inside = self._target(caller, request.get("user_id", 0))
        if not has_permission(caller["roles"], member["roles"]):  # the owner is never deletable [PUB]
            raise VendorError("permission_denied")
        # [PUB] only the membership goes: the identity user (phone, password)
        # stays, so adding the phone again reuses it.
        if inside:
            self.users.update(identity["id"], members.without(identity), self._unique(identity))
        else:
            self.account_users.delete((member["shop_id"], member["user_id"]))
        return Reply(200, responses.deleted(1))

    # ---------------------------------------------------------- helpers
    def _target(self, caller: dict[str, Any], user_id: int) -> tuple[dict[str, Any], dict[str, Any], bool]:
        """The caller's shop's membership of ``user_id``, its identity user, and whether the membership is
        kept inside the user's row (members.py); not_found when the user is no member of *this* shop."""
        if user_id == 0:
            raise VendorError("invalid_argument", errors.MSG_USER_ID_MISSING)
        shop_id = caller["shop_id"]
        identity = self.users.get(user_id)  # a membership's identity user is never deleted (deleting one keeps it)
        if identity is None:
            raise VendorError("not_found")  # [INF] GetAccountUserQuery's NotFound, default msg
        member = members.of_shop(identity, shop_id)
        if member is not None:
            return member, identity, True
        member = self.account_users.get((shop_id, user_id))
        if member is None:  # not a member of *this* shop, whatever other shops say
            raise VendorError("not_found")
        return member, identity, False

    def _identity_user(self, user_id: int) -> dict[str, Any]:
        identity = self.users.get(user_id)
        if identity is None:  # a membership's identity user is never deleted (deleting a membership keeps it)
            raise LookupError(f"membership of user {user_id} without its identity user")
        return identity

    def _reindex_name(self, user_id: int, full_name: str) -> None:
        table = self.account_users
        for member in table.values():
            if member["user_id"] == user_id:
                table.update((member["shop_id"], user_id), {**member, "name_indexed": full_name})


def _filter(wanted: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A predicate over membership records for GetAccountUsers' filter [PUB:
    ListAccountUsers: user_ids IN, roles contains all (``roles @> ?``), exact_roles
    the same set (``roles @> ? AND ? @> roles``), full-text name/phone/extension,
    has_extension, has_department (department_id IS [NOT] NULL), department_id];
    absent, empty or zero values do not filter."""
    user_ids = frozenset(wanted.get("user_ids", ()))
    roles = frozenset(wanted.get("roles", ()))
    exact_roles = frozenset(wanted.get("exact_roles", ()))
    has_department = wanted.get("has_department")
    department_id = wanted.get("department_id", 0)
    name = query_tokens(wanted["name"]) if wanted.get("name") else None
    phone = query_tokens(wanted["phone"]) if wanted.get("phone") else None
    extension = query_tokens(wanted["extension_number"]) if wanted.get("extension_number") else None
    has_extension = wanted.get("has_extension")

    def test(member: dict[str, Any]) -> bool:
        if user_ids and member["user_id"] not in user_ids:
            return False
        if roles and not roles.issubset(member["roles"]):
            return False
        if exact_roles and exact_roles != frozenset(member["roles"]):
            return False
        if has_department is not None and (member["department_id"] is not None) != has_department:
            return False
        if department_id and member["department_id"] != department_id:
            return False
        if name is not None and not matches(index_tokens(member["name_indexed"]), name):
            return False
        if phone is not None and not matches(index_tokens(member["phone_indexed"]), phone):
            return False
        ext = member["extension_number"]
        if extension is not None and (ext is None or not matches(index_tokens(ext), extension)):
            return False
        if has_extension is not None and (ext is not None) != has_extension:
            return False
        return True

    return test
