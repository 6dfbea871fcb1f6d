"""eTelecom (eTop Go backend, Twirp-style RPC): routes and their handlers.

Every RPC is ``POST <base>.<Service>/<Method>`` with a JSON body.  The order
of checks follows the server: Twirp gate (method, Content-Type), JSON decode
(``malformed``), session (``unauthenticated``), then the service itself:
Validate -> hasPermision -> NormalizePhone -> register -> membership.
The account-user companions (list, update, delete) live in account_users.py.

Where the eTelecom docs (the seed, docs.etelecom.vn) and the eTop backend source
(the shop service's account_user.go, its request types and swagger.json) differ,
the docs decide what is public - paths, fields shown - and the source decides how
the server behaves (fidelity.py, "source authority", records each choice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ...core.clock import instant_parts, iso_z
from ...core.errors import Conflict, VendorError
from ...core.phones import valid_for
from ...core.store import Table
from ...core.vendor import SESSION, Call, Lazy, Reply, Route, StateTables, StoreTable, Vendor, VendorContext, bearer_auth
from . import create_request, errors, members, responses
from .account_users import AccountUserRPCs
from .auth import authenticate
from .gojson import go_quote
from .models import (
    DELETE_ACCOUNT_USER_SCHEMA,
    GET_ACCOUNT_USERS_SCHEMA,
    SECRETS,
    Fixture,
    IdentityUser,
    create_account_user_schema,
    update_account_user_schema,
)
from .rules import OWNER, etop_id, has_permission, next_tagged, normalize_phone, password_hash, short_name

BASE_PATH = "/v1/shop"
CREATE_PATH = BASE_PATH + ".Shop/CreateAccountUser"
LIST_PATH = BASE_PATH + ".Shop/GetAccountUsers"
UPDATE_PATH = BASE_PATH + ".Shop/UpdateAccountUser"
DELETE_PATH = BASE_PATH + ".Shop/DeleteAccountUser"
# [INF] membership rows have their own int64 ids (the cursor's tie-breaker);
# counted up from here, fixture rows first.
_MEMBER_ID_START = 1150482016510400000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# [PUB: CreateAccountUserRequest.Validate] the first empty field, in this order
MSG_FULL_NAME, MSG_PASSWORD, MSG_ROLES = "Vui lòng điền họ tên", "Vui lòng điền password", "Vui lòng chọn roles"

# Given-name pools by gender, so a generated name reads like a real one:
# faker's vi_VN first_name() falls back to "John"/"Jane".
_MIDDLE_MALE = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Thế", "Tấn", "Hoàng", "Công", "Anh")
_MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Mai", "Kim", "Bảo", "Phương")
# Vietnamese mobile prefixes (Viettel, Vinaphone, Mobifone, Vietnamobile).
_MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079",
    "081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096",
    "097", "098",
)


def _vn_full_name(fake: Any) -> str:
    # Vietnamese order: family name, middle name, given name.
    if fake.random.random() < 0.5:
        return f"{fake.last_name()} {fake.random_element(_MIDDLE_MALE)} {fake.first_name_male()}"
    return f"{fake.last_name()} {fake.random_element(_MIDDLE_FEMALE)} {fake.first_name_female()}"


def _stamp(moment: datetime) -> tuple[str, int]:
    """A moment as the wire shows it and as cursors count it (exact integer
    microseconds: cursors carry them and must round-trip).  Computed once and
    shared by every record a request writes."""
    delta = moment - _EPOCH  # the timedelta's fields: cheaper than dividing by a 1 us timedelta
    return iso_z(moment), (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _stamp_at(timestamp: float) -> tuple[str, int]:
    """``_stamp`` of the clock's ``timestamp``, without a datetime (core.clock.instant_parts): on every create."""
    second, micro, text = instant_parts(timestamp)
    return text, second * 1_000_000 + micro


@dataclass(frozen=True, slots=True)
class _Tables:
    """One session's table handles.  The Store contract keeps a handle valid
    until its session is freed (which empties the ``ctx.session_cache()`` they
    live in), so they are looked up once per session instead of once per use."""

    users: Table
    shops: Table
    api_keys: Table
    account_users: Table


class ETelecom(AccountUserRPCs, Vendor):
    name = "etelecom"
    title = "eTelecom"
    base_path = BASE_PATH
    locale = "vi_VN"
    body_keys_ignore_case = True  # Go's encoding/json (gojson._fold)
    content_type = b"application/json"
    fixture_model = Fixture
    error_contract = errors.CONTRACT
    secrets = SECRETS  # what the journal hides: see models.py
    security_schemes = bearer_auth("A shop API key (<19 digits>:<32 characters>).")
    pools = {
        "full_name": _vn_full_name,
        "mobile": valid_for("VN", _MOBILE_PREFIXES, 7),
    }

    # Read by the tools only (snapshots, fidelity map, scenario generator, fuzzer): see Vendor.
    examples = Lazy(".examples:EXAMPLES")
    state_tables = StateTables(users="users", tokens={"api_keys": None})  # the dashboard's State view
    user_listing = Lazy(".examples:list_users")
    unique_fields = frozenset({"phone"})
    fidelity = Lazy(".fidelity:NOTES")
    scenario_aliases = {"user_exists": "etelecom-user-exists"}
    unavailable = {"error": "unavailable"}

    fixture: Fixture

    def __init__(self, ctx: VendorContext, fixture: Fixture) -> None:
        super().__init__(ctx, fixture)
        self._session_tables: dict[str, _Tables] = ctx.session_cache()
        # Each shop's departments: configuration (the department RPCs are not emulated).
        self.departments: dict[int, frozenset[int]] = {shop.id: frozenset(d.id for d in shop.departments) for shop in fixture.shops}
        # The documents' department_id: one of the fixture's departments (built once, for routes()).
        known = frozenset().union(*self.departments.values())
        self._create_schema, self._update_schema = create_account_user_schema(known), update_account_user_schema(known)

    def routes(self) -> list[Route]:
        # Besides dispatch, each Route describes its endpoint for the OpenAPI document.
        gate = errors.GATE_ERRORS
        return [
            # errors=None: the scenario library makes create-user answer every catalog entry.
            Route("POST", CREATE_PATH, self.create_account_user, "create_user", summary="Shop.CreateAccountUser",
                  request=self._create_schema, responses={200: responses.User}, errors=None),
            Route("POST", LIST_PATH, self.get_account_users, "list_users", summary="Shop.GetAccountUsers",
                  request=GET_ACCOUNT_USERS_SCHEMA, responses={200: responses.AccountUsers}, errors=gate + ("invalid_argument",)),
            Route("POST", UPDATE_PATH, self.update_account_user, "update_user", summary="Shop.UpdateAccountUser",
                  request=self._update_schema, responses={200: responses.Updated},
                  errors=gate + ("invalid_argument", "not_found", "permission_denied")),
            Route("POST", DELETE_PATH, self.delete_account_user, "delete_user", summary="Shop.DeleteAccountUser",
                  request=DELETE_ACCOUNT_USER_SCHEMA, responses={200: responses.Deleted},
                  errors=gate + ("invalid_argument", "not_found", "permission_denied")),
        ]

    # ---------------------------------------------------------------- state
    # users: identity users by id (unique phone, email)
    # shops: {id, name, owner_id} by id
    # api_keys: {shop_id, roles, revoked} by key string
    # account_users: shop memberships by (shop_id, user_id); deleting one
    #   removes the row (eTop soft-deletes; deleted rows are never read back).
    #   A create's new user keeps its first membership inside its own row
    #   instead (members.py): one row written per create.
    users = StoreTable("users")
    shops = StoreTable("shops")
    api_keys = StoreTable("api_keys")
    account_users = StoreTable("account_users")

    def _tables(self) -> _Tables:
        # Keyed like VendorContext.table (by the request's session), built from it.
        session = SESSION.get()
        tables = self._session_tables.get(session)
        if tables is None:
            ctx = self.ctx
            tables = self._session_tables[session] = _Tables(
                ctx.table("users"), ctx.table("shops"), ctx.table("api_keys"), ctx.table("account_users"),
            )
        return tables

    @staticmethod
    def _unique(record: dict[str, Any]) -> dict[str, Any]:
        email = record.get("email")
        return {"phone": record["phone"], "email": email.lower() if email else None}

    def seed(self) -> None:
        fixture = self.fixture
        tables = self._tables()
        records: dict[int, dict[str, Any]] = {}
        for user in fixture.users:
            record = records[user.id] = self._identity(
                user.id, user.full_name, user.phone, iso_z(user.created_at),
                email=user.email, password=user.password, short=user.short_name, source=user.source,
            )
            record.update(
                is_blocked=user.is_blocked, block_reason=user.block_reason, ref_aff=user.ref_aff, ref_sale=user.ref_sale,
                blocked_at=iso_z(user.blocked_at) if user.blocked_at else None,
                phone_verified_at=iso_z(user.phone_verified_at) if user.phone_verified_at else None,
            )
            tables.users.insert(user.id, record, self._unique(record))
        for shop in fixture.shops:
            tables.shops.insert(shop.id, {"id": shop.id, "name": shop.name, "owner_id": shop.owner_id})
            for api_key in shop.api_keys:
                tables.api_keys.insert(
                    api_key.key, {"shop_id": shop.id, "roles": list(api_key.roles), "revoked": api_key.revoked},
                )
            # The Fixture model checked that owners and members are known users;
            # a membership dates from its user's creation.
            joined = {u.id: u.created_at for u in fixture.users}
            owner = shop.owner_id
            self._add_member(tables, shop.id, records[owner], ["owner"], _stamp(joined[owner]))
            for member in shop.members:
                self._add_member(
                    tables, shop.id, records[member.user_id], list(member.roles), _stamp(joined[member.user_id]),
                    permissions=list(member.permissions), position=member.position,
                    department_id=member.department_id, extension=member.extension_number,
                )
        self._generate_users(tables, fixture)

    def _generate_users(self, tables: _Tables, fixture: Fixture) -> None:
        """Extra staff of the first shop from the faker pools, independent of the clock."""
        shop_id = fixture.shops[0].id
        joined: datetime = IdentityUser.model_fields["created_at"].default
        stamp = _stamp(joined)  # every generated user joins at the same instant: format it once
        created = stamp[0]
        epoch_ms = int(joined.timestamp() * 1000)
        pools = self.ctx.pools
        for _ in range(fixture.generatedUsers):
            draw = self.ctx.draw("fixture")
            full_name = str(pools.pick(draw, "full_name"))
            phone, _ok = normalize_phone(str(pools.pick(draw, "mobile")))
            if tables.users.find("phone", phone) is not None:
                continue
            user_id = self._new_id(tables.users, etop_id(epoch_ms, draw.below(1 << 24)))
            record = self._identity(user_id, full_name, phone, created, password="Fixture@123")
            tables.users.insert(user_id, record, self._unique(record))
            self._add_member(tables, shop_id, record, ["telecom_customerservice"], stamp)

    def describe(self) -> dict[str, Any]:
        key = self._first_key("owner") or self._first_key(None)
        return {
            "headers": {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            "login": None,  # API keys are issued in the eTelecom web app, not by an RPC
        }

    def _first_key(self, role: str | None) -> str | None:
        """The first live key (with ``role``, if given); the fixture has one at least."""
        for shop in self.fixture.shops:
            for api_key in shop.api_keys:
                if not api_key.revoked and (role is None or role in api_key.roles):
                    return api_key.key
        return None

    # ------------------------------------------------------------- helpers
    @staticmethod
    def _identity(
        user_id: int, full_name: str, phone: str, now: str, *, email: str = "", password: str = "",
        short: str | None = None, source: str = "unknown",
    ) -> dict[str, Any]:
        """A new identity user record.  Go zero values: "" for strings, null
        for times that never happened [INF]."""
        return {
            "id": user_id,
            "full_name": full_name,
            "short_name": short if short is not None else short_name(full_name),
            "phone": phone,
            "email": email,
            "password_hash": password_hash(password),
            "source": source,  # [SEED] example value; RegisterSimplify sets no source
            "is_blocked": False,
            "block_reason": "",
            "blocked_at": None,
            "email_verification_sent_at": None,
            "email_verified_at": None,
            "phone_verification_sent_at": None,
            "phone_verified_at": None,
            "ref_aff": "",
            "ref_sale": "",
            "created_at": now,
            "updated_at": now,
        }

    @staticmethod
    def _register(
        user_id: int, full_name: str, phone: str, now: str, password: str,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """RegisterSimplify's new identity user [PUB: identity aggregate]: source
        ``etop``, the phone verified (and its verification sent) now, no short name
        (CreateUserArgs sets none), no email.  Its record, as ``_identity`` writes
        it, and its etopapi.User body, as ``responses.user`` shows it (a new user
        owns no shop).  Both are copies of templates made once by those two
        functions, so a request writes only the per-user fields; the key order is
        the templates'."""
        record = _NEW_IDENTITY.copy()
        record["id"] = user_id
        record["full_name"] = full_name
        record["phone"] = phone
        record["password_hash"] = password_hash(password)
        record["created_at"] = record["updated_at"] = now
        record["phone_verification_sent_at"] = record["phone_verified_at"] = now
        body = _NEW_USER_BODY.copy()
        body["created_at"] = body["updated_at"] = now
        body["full_name"] = full_name
        body["id"] = str(user_id)  # int64 as a JSON string, as responses.user writes it
        body["phone"] = phone
        body["phone_verification_sent_at"] = body["phone_verified_at"] = now
        return record, body

    def _add_member(
        self, tables: _Tables, shop_id: int, user: dict[str, Any], roles: list[str], joined: tuple[str, int], *,
        permissions: list[str] | None = None, position: str = "", department_id: int | None = None,
        extension: str | None = None,
    ) -> None:
        """A membership row of its own, joined at ``joined`` (a ``_stamp``): members.membership's shape."""
        at, at_us = joined
        member_id = self.ctx.next_id("account_users", _MEMBER_ID_START)
        tables.account_users.insert(
            (shop_id, user["id"]),
            members.membership(member_id, shop_id, user, roles, at_us, at_us, permissions=permissions, position=position,
                               department_id=department_id, extension=extension, at=at),
        )

    def _now(self) -> tuple[str, int]:
        """The clock as the wire shows it and as cursors count it."""
        return _stamp_at(self.ctx.clock.timestamp())

    def _new_id(self, users: Table, candidate: int, first: tuple[int, bool] | None = None) -> int:
        """An identity user's id: ``candidate``, made the way eTop makes one (rules.etop_id:
        10 ms units, the user tag, 24 random bits) [PUB] - or, as the store hands ids
        out, above every id made before it, so a frozen or slow clock still gives ids in
        creation order, as the listing's order is [INF].  ``first``: the first step's
        answer when the caller took it already (``next_id_draw_and_id_if_free``)."""
        ctx = self.ctx
        while True:
            # The candidate, or one past the last id given, checked free in the same step (Redis: one round trip):
            # what next_id_at_least then bump_id_if_absent (with no counter to move) did one by one.
            user_id, free = ctx.next_id_at_least_if_absent(users, "user_ids", candidate) if first is None else first
            first = None
            tagged = user_id if user_id == candidate else next_tagged(user_id - 1)
            if tagged != user_id:
                # One past the last id given, past its tag's range (2^-24 of the time): the first id with the tag
                # above it is checked instead, and the ids given next pass it.  (The id checked first, tagless, is
                # never a user's: on Redis its "chosen" mark stays, and no id below the counter is checked again.)
                user_id = tagged
                free = ctx.bump_id_if_absent(users, user_id, "user_ids", user_id)
            # (A tagged id one past the last one given is the counter's value now: no counter moves for it.)
            if free:
                return user_id
            # Taken: a fixture user's id (the fixture's own), or one another request chose meanwhile (workers on
            # Redis).  The next try starts past it AND past every id given since, so requests that met on one id
            # spread out at once instead of walking a run of taken ids one look-up at a time (one Redis round
            # each: 10 requests walked 7,787 ids in one turn, 3.3 s).  Alone, the same ids as one step each.
            candidate = next_tagged(user_id)

    def _total_shop(self, user_id: int) -> int:
        # "Total number of shops owned": staff of other shops own none.
        return sum(1 for shop in self._tables().shops.values() if shop["owner_id"] == user_id)

    # ------------------------------------------------------------- gate
    @staticmethod
    def _check_content_type(call: Call) -> None:
        # Twirp: media type before ";" compared case-insensitively [PUB Twirp; INF for eTop].
        header = call.headers.get("content-type", "")
        cut = header.find(";")
        media = (header if cut < 0 else header[:cut]).strip().lower()
        if media != "application/json":
            raise errors.bad_route(f"unexpected Content-Type: {go_quote(header)}", call.method, call.path)

    # ------------------------------------------------------------- handlers
    def create_account_user(self, call: Call) -> Reply:
        if call.headers.get("content-type") != "application/json":  # else nothing to cut or fold
            self._check_content_type(call)
        # A plain body skips Go's full decoding (see create_request).
        request = create_request.decode(call.body)
        full_name, password, raw_phone, roles = request["full_name"], request["password"], request["phone"], request["roles"]
        tables = self._tables()
        caller = authenticate(call, tables.api_keys)

        # r.Validate() [PUB]: the first empty field of these, untrimmed (Go compares with "").
        if not full_name:
            raise VendorError("invalid_argument", MSG_FULL_NAME)
        if not password:
            raise VendorError("invalid_argument", MSG_PASSWORD)
        if not roles:
            raise VendorError("invalid_argument", MSG_ROLES)

        caller_roles = caller["roles"]
        # hasPermision's first two rules settle the usual call (an owner's key,
        # no owner role asked for): only other callers need the full check.
        if (OWNER in roles or OWNER not in caller_roles) and not has_permission(caller_roles, roles):
            raise VendorError("permission_denied")
        phone, ok = normalize_phone((raw_phone or "").strip())
        if not ok:
            raise VendorError("invalid_phone")

        shop_id = caller["shop_id"]
        users = tables.users
        department_id = request["department_id"] or None
        known_department = department_id is None or department_id in self.departments[shop_id]
        member_id = 0  # a new phone's membership id (a known phone's membership takes its own when it is added)
        # One clock reading: the user's id, its record and the membership share it (read before the id is made).
        timestamp = self.ctx.clock.timestamp()
        if known_department:
            # The phone's look-up and, for a new one, the membership's id, the user id's draw and that id's first
            # check, in one step (Redis: one round trip, whichever worker drew last; the memory store makes the calls
            # one by one: conflict, next_id, draw, next_id_at_least_if_absent).  The counters move only for a new phone,
            # as they did when the membership's id was taken last.  etop_id's 24 random bits are its lowest.
            taken = self.ctx.next_id_draw_and_id_if_free(
                users, {"phone": phone}, "account_users", _MEMBER_ID_START, "create_user", "user_ids",
                etop_id(int(timestamp * 1000), 0), 24)
            if isinstance(taken, Conflict):
                existing: dict[str, Any] | None = taken.existing
            else:
                existing = None
                member_id, candidate, first = taken[0], taken[1], taken[2:]
        else:  # answered not_found unless the phone is a member already: nothing is drawn
            existing = users.find("phone", phone)
        if existing is not None and (
            members.of_shop(existing, shop_id) is not None or tables.account_users.get((shop_id, existing["id"])) is not None
        ):
            # The real service has registered nothing new by then (the phone was known).
            raise VendorError("user_exists")
        if not known_department:
            # [PUB] CreateAccountUser's GetDepartmentByIDQuery: NotFound, default message.  The real
            # service has registered a new phone's user by then; a failed request changes nothing here [INF].
            raise VendorError("not_found")

        stamp = _stamp_at(timestamp)  # formatted once
        now = stamp[0]
        if existing is None:
            user_id = self._new_id(users, candidate, first)
            # _new_id picked an id no user has; every shop's owner is a user
            # (the fixture checks it, and users are never deleted), so a new
            # user owns no shop: total_shop is 0 without scanning the shops.
            record, body = self._register(user_id, full_name, phone, now, password)
            # Its membership inside its row (members.py): one row written.  The decoded list is this request's alone.
            record[members.MEMBER] = members.embedded(member_id, shop_id, roles, department_id, stamp[1])
            users.insert(user_id, record, {"phone": phone})  # _unique(record) without its email: None, never indexed
            return Reply(200, body)
        # RegisterSimplify returns at once for a known phone [PUB]: the user is added to
        # the shop as it is - name, password, updated_at untouched (IsUpdatePassword is
        # passed, and unread) - as a membership row of its own.
        self._add_member(tables, shop_id, existing, roles, stamp, department_id=department_id)
        return Reply(200, responses.user(existing, self._total_shop(existing["id"])))


# The record of a new identity user with nothing set yet and its body: the
# templates ETelecom._register copies (every value immutable, so sharing is safe).
_NEW_IDENTITY = ETelecom._identity(0, "", "", "", short="", source="etop")
_NEW_USER_BODY = responses.user(_NEW_IDENTITY, 0)
