"""Pulse CRM (seed 003): routes and their handlers.

Mounted at /pulse with no base path: the client base URL is
http://HOST:PORT/pulse.  Routes follow the Next.js App Router files the docs
link to (/users/route.ts, /users/[email]/route.ts, /auth/...) [SEED/PUB]:
user routes after create are keyed by the URL-encoded email, not the id [PUB].
"""

from __future__ import annotations

from typing import Any

from ...core.clock import instant_parts, iso_z, parse_instant
from ...core.errors import FieldError, VendorError
from ...core.phones import US_AREA_CODES, valid_for
from ...core.seeding import NAME_POOLS
from ...core.store import Table
from ...core.validation import parse
from ...core.vendor import Call, Lazy, Reply, Route, StateTables, StoreTable, Vendor, VendorContext, bearer_auth
from . import errors, responses
from .auth import Sessions, account_header, membership, optional_account
from .models import ACCOUNT_HEADER, OPTIONAL_ACCOUNT_HEADER, SECRETS, CreateUser, Fixture, Login, parse_create

Record = dict[str, Any]


def _exchange_and_line(fake: Any) -> str:
    # NANP: an exchange never starts with 0 or 1
    return f"{fake.random_int(2, 9)}{fake.numerify('######')}"


def _us_phone(number: str) -> str:
    # The docs' example format, "(415) 555-0188"
    return f"({number[:3]}) {number[3:6]}-{number[6:]}"


class Pulse(Vendor):
    name = "pulse"
    title = "Pulse CRM"
    base_path = ""
    locale = "en_US"
    content_type = b"application/json"
    fixture_model = Fixture
    error_contract = errors.CONTRACT
    secrets = SECRETS  # what the journal hides: see models.py
    security_schemes = bearer_auth("The session token from POST /auth/login (or a fixture session); account routes also take x-account-id.")
    pools = {
        **NAME_POOLS,
        "phone": valid_for("US", US_AREA_CODES, 7, _exchange_and_line, _us_phone),
    }

    # Read by the tools only (snapshots, fidelity map, scenario generator, fuzzer): see Vendor.
    examples = Lazy(".examples:EXAMPLES")
    state_tables = StateTables(users="users", tokens={"sessions": "expiresAt"})  # the dashboard's State view
    user_listing = Lazy(".examples:list_users")
    unique_fields = frozenset({"email"})
    fidelity = Lazy(".fidelity:NOTES")
    scenario_aliases = {"RATE_LIMITED": "pulse-rate-limited"}
    unavailable = {"status": 503, "body": {"error": "Service Unavailable", "status": 503, "message": "Service temporarily unavailable"}}

    fixture: Fixture

    def __init__(self, ctx: VendorContext, fixture: Fixture) -> None:
        super().__init__(ctx, fixture)
        self.sessions = Sessions(ctx, fixture.settings.sessionTtl)
        # Accounts, their roles and teams are configuration, not request state:
        # built once here so a request only does dict look-ups.
        self.accounts: dict[str, Record] = {
            a.accountId: {
                "accountName": a.accountName,
                "repcode": a.repcode,
                "roles": a.roles,
                "defaultRoles": list(a.defaultRoles),
                "teams": frozenset(t.id for t in a.teams),
            }
            for a in fixture.accounts
        }
        self.api_keys = {k.apiKey: (k.apiSecret, k.user.lower()) for k in fixture.apiKeys}
        self.first_user_id = fixture.settings.firstUserId
        self.new_members = responses.NewMemberViews(self.accounts)

    def schema_context(self) -> dict[str, Any]:
        # Every account's roles and teams: CreateUser's schema offers these (_check_account_refs).
        return {
            "roles": sorted({role for account in self.accounts.values() for role in account["roles"]}),
            "teams": sorted({team for account in self.accounts.values() for team in account["teams"]}),
        }

    def routes(self) -> list[Route]:
        # Besides dispatch, each Route describes its endpoint for the OpenAPI document.
        admin, session = errors.ADMIN_ERRORS, responses.UserSession
        return [
            # errors=None: the scenario library makes create-user answer every catalog entry.
            Route("POST", "/users", self.create_user, "create_user", summary="Create a user in the account",
                  request=CreateUser, headers=ACCOUNT_HEADER, responses={201: responses.User}, errors=None),
            Route("GET", "/users", self.list_users, "list_users", summary="List the account's users",
                  headers=ACCOUNT_HEADER, responses={200: responses.UserList}, errors=admin),
            # Next.js answers 405 for a method a route file does not export, so e.g.
            # GET /users/{email} is a 405 with Allow: DELETE, not a 404 [INF].
            Route("DELETE", "/users/{email}", self.delete_user, "delete_user", summary="Remove a user from the account",
                  headers=OPTIONAL_ACCOUNT_HEADER, responses={200: responses.UserDeleted},
                  errors=admin + ("USER_NOT_FOUND", "SELF_DELETE")),
            Route("POST", "/users/{email}/impersonate", self.impersonate, "impersonate", summary="Impersonate a user of the account",
                  headers=ACCOUNT_HEADER, responses={200: session}, errors=admin + ("USER_NOT_FOUND", "IMPERSONATE_INACTIVE")),
            Route("POST", "/auth/login", self.login, "login", summary="Log in (email and password, or API key and secret)",
                  request=Login, responses={200: session},
                  errors=("VALIDATION", "INVALID_JSON", "INVALID_CREDENTIALS", "INVALID_API_KEY", "USER_INACTIVE"), auth=False),
            Route("GET", "/auth/session", self.get_session, "get_session", summary="The caller's session",
                  responses={200: session}, errors=errors.AUTH_ERRORS),
        ]

    # ---------------------------------------------------------------- state
    users = StoreTable("users")

    def seed(self) -> None:
        fixture = self.fixture
        seeded_at = iso_z(self.ctx.clock.now())
        for user in fixture.users:
            created = iso_z(parse_instant(user.createdAt)) if user.createdAt else seeded_at
            members = [m.model_dump() for m in user.accounts]
            if not any(m["primary"] for m in members):
                members[0]["primary"] = True  # [INF] the first membership is the primary one
            record: Record = {
                "id": user.id,
                "email": user.email,
                "password": user.password,
                "name": user.name,
                "active": user.active,
                "teamId": user.teamId,
                "phone": user.phone,
                "imgSrc": user.imgSrc,
                "notificationPreferences": user.notificationPreferences,
                "createdBy": user.createdBy,
                "updatedBy": user.createdBy,
                "createdAt": created,
                "updatedAt": created,
                "accounts": members,
            }
            self.users.insert(user.id, record, {"email": user.email.lower()})
            self.ctx.bump_id("users", user.id)
        self._generate(fixture.generatedUsers, seeded_at)
        self.ctx.bump_id("users", fixture.settings.firstUserId - 1)
        for issued in fixture.sessions:
            owner = self.users.find("email", issued.user.lower())
            if owner is None:  # the fixture model refuses a session naming an unknown user
                raise LookupError(f"sessions name an unknown user: {issued.user}")
            self.sessions.preissue(issued.token, owner["id"], issued.expiresIn)

    def _generate(self, count: int, stamp: str) -> None:
        """Extra members of the first account, made from the seeded pools."""
        if not count:
            return
        account = self.fixture.accounts[0]
        admin = next(
            (u.email for u in self.fixture.users for m in u.accounts if m.accountId == account.accountId and m.accountAdmin),
            "system@pulsecrm.example",
        )
        teams = [t.id for t in account.teams]
        pools = self.ctx.pools
        for _ in range(count):
            draw = self.ctx.draw("fixture")
            first, last = str(pools.pick(draw, "first_name")), str(pools.pick(draw, "last_name"))
            email = f"{first}.{last}{draw.below(1000)}@example.com".lower()
            team = draw.pick(teams) if teams else None
            if self.users.find("email", email) is not None:
                continue
            user_id = self.ctx.next_id("users")
            record: Record = {
                "id": user_id,
                "email": email,
                "password": None,
                "name": f"{first} {last}",
                "active": True,
                "teamId": team,
                "phone": pools.pick(draw, "phone"),
                "imgSrc": None,
                "notificationPreferences": None,
                "createdBy": admin,
                "updatedBy": admin,
                "createdAt": stamp,
                "updatedAt": stamp,
                "accounts": [_member(account.accountId, list(account.defaultRoles), primary=True)],
            }
            self.users.insert(user_id, record, {"email": email})

    def describe(self) -> dict[str, Any]:
        owner_email = (self.fixture.sessions[0].user if self.fixture.sessions else self.fixture.users[0].email).lower()
        owner = self.users.find("email", owner_email)
        if owner is None:  # deleted through the API: fall back to an active admin, else any active user
            active = [u for u in self.users.values() if u["active"]]
            owner = next((u for u in active if any(m["accountAdmin"] for m in u["accounts"])), active[0] if active else None)
            if owner is None:
                return {"headers": {}, "login": None, "login_route": "/auth/login"}
        token = next(
            (s.token for s in self.fixture.sessions if s.user.lower() == owner["email"].lower() and self.sessions.live(s.token)),
            None,
        )
        if token is None:  # the clock moved past the fixture token (or it never had one): open a fresh session
            token = self.sessions.open(owner["id"], self.ctx.draw("admin_login"))["token"]
        primary = next((m for m in owner["accounts"] if m["primary"]), owner["accounts"][0])
        can_login = [u for u in self.fixture.users if u.password and u.active and self.users.find("email", u.email.lower())]
        login_user = next((u for u in can_login if u.email.lower() == owner["email"].lower()), can_login[0] if can_login else None)
        return {
            "headers": {"Authorization": f"Bearer {token}", "x-account-id": primary["accountId"]},
            "login": {"email": login_user.email, "password": login_user.password} if login_user else None,
            "login_route": "/auth/login",
        }

    # ------------------------------------------------------------- handlers
    def _caller(self, call: Call, users: Table) -> tuple[Record, Record]:
        # users: the handler's handle on the "users" table (looked up once per request)
        live = self.sessions.authenticate(call)
        user = users.view(live["userId"])  # read only, by every route calling this
        if user is None:
            raise VendorError("INVALID_TOKEN")
        if not user["active"]:
            raise VendorError("USER_INACTIVE")
        return live, user

    def _admin(self, call: Call, users: Table, header_required: bool = True) -> tuple[Record, Record, str]:
        """(session, caller, accountId) for a route only account admins may use [PUB:
        "account admins can create/update users, impersonate ..."].

        Order of checks [INF]: who (401), which account (400, or the default
        account where the header is optional), may they reach it (403), are
        they its admin (403).  An impersonation session only reaches its account.
        """
        live, caller = self._caller(call, users)
        account_id = account_header(call) if header_required else optional_account(call)
        if account_id is None:
            # [INF] DELETE without x-account-id: the impersonation's account, else the caller's primary one
            primary = next((m for m in caller["accounts"] if m["primary"]), caller["accounts"][0])
            account_id = live["accountId"] or primary["accountId"]
        if live["accountId"] is not None and account_id != live["accountId"]:
            raise VendorError("ACCOUNT_FORBIDDEN")
        if not membership(caller, account_id)["accountAdmin"]:
            raise VendorError("FORBIDDEN")
        return live, caller, account_id

    def _member_by_email(self, call: Call, users: Table, account_id: str) -> Record:
        """The {email} of the path, as a member of the account; 404 otherwise - a user of
        another account is "not found" here, so the route cannot probe other accounts [INF]."""
        target = users.find("email", call.params["email"].strip().lower())  # emails match case-insensitively [INF]
        if target is None or not any(m["accountId"] == account_id for m in target["accounts"]):
            raise VendorError("USER_NOT_FOUND")
        return target

    def create_user(self, call: Call) -> Reply:
        # After the admin gate [INF]: the body (400), then account look-ups (400), then uniqueness (409).
        users = self.users
        _, caller, account_id = self._admin(call, users)
        body = parse_create(call.body)
        account = self.accounts[account_id]
        requested = body.get("roles")
        roles = list(dict.fromkeys(requested)) if requested else list(account["defaultRoles"])
        team_id = body.get("teamId")
        # A cached view exists only for a role list already found valid in this account;
        # anything else (or a team to reject) gets the full check, which names every problem.
        key = (account_id, tuple(roles))
        view = self.new_members.get(key)
        if view is None or (team_id is not None and team_id not in account["teams"]):
            self._check_account_refs(account, team_id, roles)
        member = _member(account_id, roles, primary=True)
        if view is None:
            view = self.new_members.add(key, member)

        email = body["email"]
        email_key = email.lower()
        stamp = instant_parts(self.ctx.clock.timestamp())[2]  # iso_z(clock.now()) without a datetime
        user_id = self.ctx.find_or_next_id(users, "email", email_key, "users", self.first_user_id)  # no id taken for a known e-mail
        if isinstance(user_id, dict):
            return self._add_existing(user_id, users, account_id, roles, caller, stamp)
        # User's keys in User's order, plus the store-only password after email, the
        # optional ones only when set (as responses.user writes them):
        # responses.new_user turns a copy of it into the response.
        record: Record = {
            "id": user_id,
            "email": email,
            "password": None,  # [INF] a created user sets a password later (invite flow)
        }
        name = body.get("name")
        if name is not None:
            record["name"] = name
        record["active"] = True  # [INF]
        for field, value in (("teamId", team_id), ("phone", body.get("phone")), ("imgSrc", body.get("imgSrc"))):
            if value is not None:
                record[field] = value
        # plain dicts of this request's own (parse_create); none set: {} as the example shows
        record["notificationPreferences"] = body.get("notificationPreferences") or {}
        record["createdBy"] = record["updatedBy"] = caller["email"]
        record["createdAt"] = record["updatedAt"] = stamp
        record["accounts"] = [member]
        users.insert(user_id, record, {"email": email_key})
        return Reply(201, responses.new_user(record, view))

    def _check_account_refs(self, account: Record, team_id: int | None, roles: list[str]) -> None:
        problems: list[FieldError] = []
        if team_id is not None and team_id not in account["teams"]:
            problems.append(FieldError("teamId", "invalid", f"Team {team_id} does not exist in this account"))  # [INF]
        unknown = [r for r in roles if r not in account["roles"]]
        if unknown:
            # "roles must already exist in your account" [PUB]; wording [INF]
            names = ", ".join(f"'{r}'" for r in unknown)
            problems.append(FieldError("roles", "invalid", f"Roles not found in this account: {names}"))
        if problems:
            raise VendorError("VALIDATION", fields=tuple(problems))

    def _add_existing(
        self, existing: Record, users: Table, account_id: str, roles: list[str], caller: Record, stamp: str
    ) -> Reply:
        """[INF] An email already known to Pulse: 409 if it is in this account, otherwise the
        user is added to this account (Pulse has a user_added_to_account event) and returned
        as it is - its profile is not overwritten by the request's name/phone/... ."""
        if any(m["accountId"] == account_id for m in existing["accounts"]):
            raise VendorError("CONFLICT")
        record = {
            **existing,
            "accounts": [*existing["accounts"], _member(account_id, roles)],
            "updatedBy": caller["email"],
            "updatedAt": stamp,
        }
        users.update(existing["id"], record, {"email": existing["email"].lower()})
        return Reply(201, responses.user(record, self.accounts))

    def list_users(self, call: Call) -> Reply:
        """GET /users: every user of the x-account-id account (inactive ones too), by id.
        The response shape is not published: a bare array of User objects, no paging [INF]."""
        users = self.users
        _, _, account_id = self._admin(call, users)
        members = [u for u in users.values() if any(m["accountId"] == account_id for m in u["accounts"])]
        members.sort(key=lambda u: u["id"])
        return Reply(200, [responses.user(u, self.accounts) for u in members])

    def delete_user(self, call: Call) -> Reply:
        """DELETE /users/{email} [PUB].  [INF] Removes the user from this account; a user
        left with no account is deleted entirely, freeing the email for a new create."""
        users = self.users
        _, caller, account_id = self._admin(call, users, header_required=False)
        target = self._member_by_email(call, users, account_id)
        if target["id"] == caller["id"]:
            raise VendorError("SELF_DELETE")  # [INF] an admin cannot lock themselves out
        remaining = [m for m in target["accounts"] if m["accountId"] != account_id]
        if not remaining:
            users.delete(target["id"])
            self.sessions.drop(target["id"])
        else:
            if not any(m["primary"] for m in remaining):
                remaining[0] = {**remaining[0], "primary": True}  # [INF] next membership becomes primary
            stamp = instant_parts(self.ctx.clock.timestamp())[2]  # iso_z(clock.now()) without a datetime
            record = {**target, "accounts": remaining, "updatedBy": caller["email"], "updatedAt": stamp}
            users.update(target["id"], record, {"email": target["email"].lower()})
            self.sessions.drop(target["id"], account_id)  # its impersonations in this account end
        return Reply(200, {"message": "User deleted successfully"})  # [PUB]

    def impersonate(self, call: Call) -> Reply:
        """POST /users/{email}/impersonate [PUB]: a User Session acting as that user in
        the x-account-id account (required here, as on create [INF]).  The body is ignored [INF]."""
        users = self.users
        live, _, account_id = self._admin(call, users)
        target = self._member_by_email(call, users, account_id)
        if not target["active"]:
            raise VendorError("IMPERSONATE_INACTIVE")
        session = self.sessions.impersonation(
            target, account_id, live, self.fixture.settings.impersonationTtl, self.ctx.draw("impersonate")
        )
        return Reply(200, responses.session(target, session, self.accounts))  # [INF] 200 like login

    def login(self, call: Call) -> Reply:
        body = parse(Login, call.body)  # errors.PROBLEMS phrases the failures zod's way
        if body.apiKey is not None or body.apiSecret is not None:
            _require(("apiKey", body.apiKey), ("apiSecret", body.apiSecret))
            entry = self.api_keys.get(body.apiKey or "")
            if entry is None or entry[0] != body.apiSecret:
                raise VendorError("INVALID_API_KEY")
            user = self.users.find("email", entry[1])
            if user is None:
                raise VendorError("INVALID_API_KEY")
        else:
            _require(("email", body.email), ("password", body.password))
            user = self.users.find("email", (body.email or "").lower())
            if user is None or user["password"] is None or user["password"] != body.password:
                raise VendorError("INVALID_CREDENTIALS")
        if not user["active"]:
            raise VendorError("USER_INACTIVE")
        live = self.sessions.open(user["id"], self.ctx.draw("login"))
        return Reply(200, responses.session(user, live, self.accounts))  # [INF] 200

    def get_session(self, call: Call) -> Reply:
        live, user = self._caller(call, self.users)
        return Reply(200, responses.session(user, live, self.accounts))


def _member(account_id: str, roles: list[str], primary: bool = False) -> Record:
    # [INF] a user created through the API is never an account admin and has no direct permissions
    return {"accountId": account_id, "roles": roles, "permissions": [], "accountAdmin": False, "primary": primary}


def _require(*pairs: tuple[str, str | None]) -> None:
    missing = tuple(FieldError(name, "missing", "Required") for name, value in pairs if value is None)
    if missing:
        raise VendorError("VALIDATION", fields=missing)
