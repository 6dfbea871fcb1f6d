"""Payabli (seed 001): POST /api/User with a ``requestToken`` header, plus the
user lifecycle (GET / PUT / DELETE /User/{userId}), the users Query endpoints
and the OAuth2 server-side token."""

from __future__ import annotations

import hmac
import re
from typing import Any

from ...core.errors import Conflict, FieldError, InvalidFields, MalformedBody, NotAnObject, VendorError
from ...core.phones import US_AREA_CODES, valid_for
from ...core.seeding import NAME_POOLS
from ...core.vendor import Call, Lazy, Reply, Route, StateTables, StoreTable, Vendor, VendorContext, bearer_auth
from . import errors, query, responses
from .auth import Tokens, password_digest
from .binding import CreateBinding
from .models import (
    INT64,
    INT64_SCHEMA,
    SECRETS,
    CreateUser,
    Fixture,
    TokenRequest,
    UserData,
    parse_token_request,
    parse_user,
    path_schema,
    query_users_schema,
)
from .user_auth import UserAuth

_INTEGER = re.compile(r"^-?\d{1,20}$")
_NO_MFA: dict[str, Any] = {"mfa": None, "mfaMode": None}  # a null or absent mfaData: read-only, never stored


def _exchange_and_line(fake: Any) -> str:
    # After the area code (core.phones), as ten NANP digits without punctuation like the docs'
    # "5555555555": an exchange never starts with 0 or 1.
    return f"{fake.random_int(2, 9)}{fake.numerify('######')}"


def _int64(raw: str, name: str) -> int:
    # [INF] a path segment .NET cannot bind to Int64 is 3003, like a body field of the wrong type.
    if not _INTEGER.match(raw):
        raise query.invalid(name, "must be an integer")
    value = int(raw)
    if not INT64[0] <= value <= INT64[1]:
        raise query.invalid(name, "must be a 64-bit integer")
    return value


# What clients send nearly always; each passes _is_json (a set hit instead of parsing).
_JSON_TYPES = frozenset(("application/json", "application/json; charset=utf-8", "text/json"))


def _is_json(content_type: str | None) -> bool:
    # ASP.NET's JSON input formatter takes application/json, text/json and application/*+json.
    if not content_type:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media in ("application/json", "text/json") or (media.startswith("application/") and media.endswith("+json"))


class Payabli(Vendor):
    name = "payabli"
    title = "Payabli"
    base_path = "/api"
    locale = "en_US"
    content_type = b"application/json; charset=utf-8"  # .NET's default
    # ASP.NET routing ignores case and a trailing slash [PUB: Payabli's mobile SDKs call
    # /api/v2/token/serverside, the server SDKs /api/v2/Token/serverside].
    paths_ignore_case = True
    paths_allow_trailing_slash = True
    body_keys_ignore_case = True  # [INF] System.Text.Json's web defaults (models.normalise)
    fixture_model = Fixture
    error_contract = errors.CONTRACT
    secrets = SECRETS  # what the journal hides: see models.py
    # The User endpoints take either credential [PUB: sdk-ruby user/client.rb].
    security_schemes = {
        "requestToken": {
            "type": "apiKey",
            "in": "header",
            "name": "requestToken",
            "description": "An API token (PartnerHub > Developers > API Tokens; the fixture's tokens).",
        },
        **bearer_auth("access_token from POST /api/v2/Token/serverside."),
    }
    pools = {
        **NAME_POOLS,
        "phone": valid_for("US", US_AREA_CODES, 7, _exchange_and_line),
        "email_domain": lambda f: f.safe_domain_name(),  # example.com/.org/.net: never a real mailbox
    }

    # Read by the tools only (snapshots, fidelity map, scenario generator, fuzzer): see Vendor.
    examples = Lazy(".examples:EXAMPLES")
    # The dashboard's State view
    state_tables = StateTables(users="users", tokens={"tokens": "expiresAt", "access_tokens": "expiresAt", "user_sessions": "expiresAt"})
    user_listing = Lazy(".examples:list_users")
    unique_fields = frozenset({"email"})
    fidelity = Lazy(".fidelity:NOTES")
    scenario_aliases = {"3201": "payabli-empty-scope", "DATABASE_ERROR": "payabli-service-unavailable"}
    # TokenErrorResponse is the token endpoint's alone; the login family's 401s are its own.
    error_operations = {
        **dict.fromkeys(errors.TOKEN_KEYS, "token"),
        **dict.fromkeys(errors.LOGIN_KEYS, "auth_user"),
        **dict.fromkeys(errors.SESSION_KEYS, "auth_refresh_user"),
    }
    unavailable = {"error": "DATABASE_ERROR"}

    fixture: Fixture

    def __init__(self, ctx: VendorContext, fixture: Fixture) -> None:
        super().__init__(ctx, fixture)
        self.settings = fixture.settings
        self.tokens = Tokens(ctx)
        # (orgType, orgId) -> entry name: what scope items are checked against and stored with.
        self.orgs: dict[tuple[int, int], str] = {(o.orgType, o.orgId): o.entry for o in fixture.organizations}
        # paypoint entry name -> orgId, for /Query/users/point/{entry}
        self.paypoints: dict[str, int] = {o.entry: o.orgId for o in fixture.organizations if o.orgType == 2}
        self.binding = CreateBinding(self.orgs)
        self.bind_new_user = self.binding.bind
        self.clients = {c.clientId: c for c in fixture.clients}
        self.user_auth = UserAuth(ctx, fixture, self.tokens, self._require_json)  # login, MFA, password: user_auth.py

    def routes(self) -> list[Route]:
        # Stable operation names for journal/scenarios; the two lists after the SDK's ListUsersOrg / ListUsersPaypoint.
        # Besides dispatch, each Route describes its endpoint for the OpenAPI document.
        # "3003" covers a path/query value .NET cannot bind; the field rules add their own codes.
        binding, missing = ("UNAUTHORIZED", "3003"), ("USER_NOT_FOUND",)
        user_rules = ("3003", "3004", "3006", "3201", "DUPLICATE_EMAIL", "UNSUPPORTED_MEDIA_TYPE")
        listing = query_users_schema(self.settings.queryPageSize)
        # Path parameters as the handlers bind them; a userId must also exist (USER_NOT_FOUND,
        # a 400 like a binding failure: state, not syntax), an orgId or entry must be the fixture's.
        known = [{"examples": [user.userId for user in self.fixture.users[:1]]}] if self.fixture.users else []
        user_id = path_schema(userId={**INT64_SCHEMA, "description": "An existing user's id.", **dict(*known)})
        org_id = path_schema(orgId={"type": "integer", "enum": sorted(i for kind, i in self.orgs if kind == 0),
                                    "description": "An organization of the running configuration."})
        entry = path_schema(entry={"type": "string", "enum": sorted(self.paypoints),
                                   "description": "A paypoint entrypoint name of the running configuration."})
        return [
            # Every PayabliErrorBody entry (the scenario library forces each one here); never the token's.
            Route("POST", "/api/User", self.create_user, "create_user", summary="Create a user",
                  request=CreateUser, responses={200: responses.UserCreated}, errors=errors.USER_KEYS),
            Route("GET", "/api/User/{userId}", self.get_user, "get_user", summary="Get a user", params=user_id,
                  responses={200: responses.UserQueryRecord}, errors=binding + missing),
            Route("PUT", "/api/User/{userId}", self.update_user, "update_user", summary="Update a user", params=user_id,
                  request=UserData, responses={200: responses.UserEdited}, errors=binding + missing + user_rules),
            Route("DELETE", "/api/User/{userId}", self.delete_user, "delete_user", summary="Delete a user", params=user_id,
                  responses={200: responses.UserDeleted}, errors=binding + missing),
            Route("GET", "/api/Query/users/org/{orgId}", self.list_users_org, "list_users_org",
                  summary="List an organization's users", params=org_id, query=listing,
                  responses={200: responses.QueryUserResponse}, errors=binding),
            Route("GET", "/api/Query/users/point/{entry}", self.list_users_paypoint, "list_users_paypoint",
                  summary="List a paypoint's users", params=entry, query=listing,
                  responses={200: responses.QueryUserResponse}, errors=binding + ("UNKNOWN_ENTRY",)),
            Route("POST", "/api/v2/Token/serverside", self.token, "token", summary="Get an OAuth2 access token",
                  request=TokenRequest, responses={200: responses.PayabliAccessTokenResponse},
                  errors=errors.TOKEN_KEYS, auth=False),
            *self.user_auth.routes(),
        ]

    # ---------------------------------------------------------------- state
    users = StoreTable("users")

    @staticmethod
    def _unique(email: str | None) -> dict[str, Any]:
        # [INF] e-mail is the login name: unique across the whole tenant, case-insensitively.
        return {"email": email.lower() if email else None}

    def _scope(self, org_type: int, org_id: int) -> dict[str, Any]:
        return {"orgEntry": self.orgs[(org_type, org_id)], "orgId": org_id, "orgType": org_type}

    def seed(self) -> None:
        fixture = self.fixture
        now = self.ctx.clock.timestamp()
        self.tokens.load(fixture.tokens)
        for user in fixture.users:
            record = responses.user_record(
                user_id=user.userId,
                name=user.name,
                email=user.email,
                phone=user.phone,
                scope=[self._scope(ref.orgType, ref.orgId) for ref in user.scope],
                access=[{"roleLabel": r.roleLabel, "roleValue": r.roleValue} for r in user.access],
                status=user.usrStatus,
                language=user.language,
                time_zone=user.timeZone,
                mfa=user.mfa,
                mfa_mode=user.mfaMode,
                additional=user.additionalData,
                created_at=user.createdAt.timestamp() if user.createdAt else now,
                created_by="fixture",
                last_access=user.lastAccess.timestamp() if user.lastAccess else None,
                pwd_hash=password_digest(user.pwd) if user.pwd else None,
            )
            self.users.insert(user.userId, record, self._unique(user.email))
            self.ctx.bump_id("users", user.userId)
        self.ctx.bump_id("users", self.settings.firstUserId - 1)
        self._generate(fixture.generatedUsers, now)

    def _generate(self, count: int, now: float) -> None:
        """Extra existing users from the faker pools: same seed, same users."""
        pools = self.ctx.pools
        orgs = sorted(self.orgs)
        for _ in range(count):
            draw = self.ctx.draw("fixture")
            first, last = str(pools.pick(draw, "first_name")), str(pools.pick(draw, "last_name"))
            email = f"{first}.{last}{draw.below(100)}@{pools.pick(draw, 'email_domain')}".lower().replace(" ", "")
            if self.users.conflict(self._unique(email)) is not None:
                continue
            org_type, org_id = draw.pick(orgs)
            record = responses.user_record(
                user_id=self.ctx.next_id("users", self.settings.firstUserId),
                name=f"{first} {last}",
                email=email,
                phone=str(pools.pick(draw, "phone")),
                scope=[self._scope(org_type, org_id)],
                access=[{"roleLabel": draw.pick(("customers", "transactions", "reports", "users")), "roleValue": True}],
                status=draw.pick((1, 1, 1, 0, 85)),
                language=draw.pick(("en", "en", "en", "es")),
                time_zone=draw.pick((-5, -6, -7, -8, -10)),  # US zones
                mfa=draw.chance(0.25),
                mfa_mode=0,
                additional=None,
                created_at=now - draw.below(365 * 86400),
                created_by="generated",
            )
            self.users.insert(record["userId"], record, self._unique(email))

    def schema_context(self) -> dict[str, Any]:
        return {"orgs": self.orgs}  # ScopeItem's schema names them, as its validator checks them

    def describe(self) -> dict[str, Any]:
        live = [t.token for t in self.fixture.tokens if self.tokens.live(t.token)]
        token = live[0] if live else self.fixture.tokens[0].token
        info: dict[str, Any] = {"headers": {"requestToken": token, "Content-Type": "application/json"}, "login": None}
        if self.fixture.clients:
            # The OAuth2 token request: its access_token goes in "Authorization: Bearer".
            client = self.fixture.clients[0]
            info["login"] = {"clientId": client.clientId, "clientSecret": client.clientSecret}
            info["login_route"] = "/api/v2/Token/serverside"
        return info

    # ------------------------------------------------------------- helpers
    def _require_json(self, call: Call, error: str = "UNSUPPORTED_MEDIA_TYPE") -> None:
        content_type = call.headers.get("content-type")
        if content_type in _JSON_TYPES:  # _is_json's common case, without the call
            return
        if self.settings.requireJsonContentType and not _is_json(content_type):
            raise VendorError(error)

    def _existing(self, user_id: int) -> dict[str, Any]:
        record: dict[str, Any] | None = self.users.get(user_id)
        if record is None:
            raise VendorError("USER_NOT_FOUND", fields=(FieldError("userId", "not_found", f"{user_id} does not exist", {"code": "3003"}),))
        return record

    # ------------------------------------------------------------- handlers
    def create_user(self, call: Call) -> Reply:
        token = self.tokens.authenticate(call)
        self._require_json(call)
        user = self.bind_new_user(call.body)
        unique = self._unique(user["email"])
        users = self.users
        # The look-up and the id in one step (Redis: one round trip for both)
        taken = self.ctx.next_id_if_free(users, unique, "users", self.settings.firstUserId)
        if isinstance(taken, Conflict):  # checked before an id is taken: errors.PROBLEMS answers it
            raise taken
        record = self._record(taken, user, token["name"])
        users.insert(record["userId"], record, unique)
        return responses.success()

    def get_user(self, call: Call) -> Reply:
        # Query `entry` and `level` are accepted and ignored [INF]: a userId is unique tenant-wide.
        self.tokens.authenticate(call)
        record = self._existing(_int64(call.params["userId"], "userId"))
        return Reply(200, responses.query_record(record))

    def update_user(self, call: Call) -> Reply:
        """PUT /User/{userId}: UserData, the create rules; absent or null fields keep their value [INF]."""
        self.tokens.authenticate(call)
        user_id = _int64(call.params["userId"], "userId")
        self._require_json(call)
        # .NET binds (and validates) the body before the action looks the user up.
        body = parse_user(call.body, self.orgs, partial=True)
        record = self._edited(self._existing(user_id), body)
        unique = self._unique(record["Email"])
        self.users.update(user_id, record, unique)  # a taken e-mail raises Conflict: errors.PROBLEMS answers it
        return responses.edited()

    def delete_user(self, call: Call) -> Reply:
        # A hard delete [INF]: GET answers "does not exist" and the e-mail is free again.
        self.tokens.authenticate(call)
        user_id = _int64(call.params["userId"], "userId")
        self._existing(user_id)
        self.users.delete(user_id)
        return responses.deleted()

    def list_users_org(self, call: Call) -> Reply:
        self.tokens.authenticate(call)
        org_id = _int64(call.params["orgId"], "orgId")
        if (0, org_id) not in self.orgs:
            raise query.invalid("orgId", f"{org_id} is not a known organization")
        # [INF] users scoped to this organization itself (not to its children)
        found = (u for u in self.users.values() if any(s["orgType"] == 0 and s["orgId"] == org_id for s in u["Scope"]))
        return responses.query_users(*query.page(found, call.query, self.settings.queryPageSize))

    def list_users_paypoint(self, call: Call) -> Reply:
        self.tokens.authenticate(call)
        org_id = self.paypoints.get(call.params["entry"])
        if org_id is None:
            wrong = FieldError("entry", "invalid", f"{call.params['entry']} is not a paypoint entrypoint", {"code": "3001"})
            raise VendorError("UNKNOWN_ENTRY", fields=(wrong,))
        found = (u for u in self.users.values() if any(s["orgType"] == 2 and s["orgId"] == org_id for s in u["Scope"]))
        return responses.query_users(*query.page(found, call.query, self.settings.queryPageSize))

    def token(self, call: Call) -> Reply:
        """POST /v2/Token/serverside: client credentials in, a Bearer token out; no auth header [PUB]."""
        self._require_json(call, "TOKEN_UNSUPPORTED_MEDIA_TYPE")
        try:
            body = parse_token_request(call.body)
        except MalformedBody as exc:
            empty = exc.detail == "empty body"
            raise VendorError("TOKEN_INVALID_REQUEST", "The request body is empty." if empty else "The request body is not valid JSON.") from None
        except NotAnObject:
            raise VendorError("TOKEN_INVALID_REQUEST", "The request body must be a JSON object.") from None
        except InvalidFields as exc:
            raise VendorError("TOKEN_INVALID_REQUEST", fields=exc.fields) from None
        client = self.clients.get(body.clientId)
        if client is None or not hmac.compare_digest(client.clientSecret.encode(), body.clientSecret.encode()):
            raise VendorError("TOKEN_INVALID_CLIENT")
        permissions = client.permissions if body.permissions is None else body.permissions
        if client.permissions is not None and body.permissions is not None:  # else: the client's own, none extra
            extra = [p for p in body.permissions if p not in client.permissions]
            if extra:
                raise VendorError("TOKEN_INVALID_SCOPE", f"The permission '{extra[0]}' is not granted to this client.")
        lifetime = (client.tokenLifetime or self.settings.accessTokenLifetime).total_seconds()
        token = self.tokens.issue(client, lifetime, permissions, self.ctx.draw("token"))
        return responses.access_token(token, int(lifetime), body.state)

    def _edited(self, current: dict[str, Any], body: UserData) -> dict[str, Any]:
        # A new dict: the stored record changes only when the update commits.
        record = dict(current)
        for column, value in (
            ("Email", body.email),
            ("Phone", body.phone),
            ("Name", body.name),
            ("UsrStatus", body.usrStatus),
            ("timeZone", body.timeZone),
            ("language", body.language),
            ("AdditionalData", body.additionalData),  # [INF] replaced whole, not merged
        ):
            if value is not None:
                record[column] = value
        if body.pwd is not None:
            record["pwdHash"] = password_digest(body.pwd)
        if body.scope is not None:  # an empty list already failed with 3201
            record["Scope"] = [self._scope(item.orgType or 0, item.orgId) for item in body.scope if item.orgId is not None]
        if body.access is not None:
            record["Access"] = [{"roleLabel": a.roleLabel, "roleValue": a.roleValue} for a in body.access]
        if body.mfaData is not None:
            if body.mfaData.mfa is not None:
                record["UsrMFA"] = body.mfaData.mfa
            if body.mfaData.mfaMode is not None:
                record["UsrMFAMode"] = body.mfaData.mfaMode
        return record

    def _record(self, user_id: int, user: dict[str, Any], created_by: str) -> dict[str, Any]:
        """The stored record of a new user ``user_id`` from ``binding.CreateBinding``'s plain
        dicts (every key present).  Only called once every check has passed:
        taking the id is the first write."""
        mfa, status, time_zone, pwd = user["mfaData"] or _NO_MFA, user["usrStatus"], user["timeZone"], user["pwd"]
        mfa_mode = mfa["mfaMode"]
        # Create binding guarantees a non-empty scope, every orgId set and known.
        scope = [self._scope(item["orgType"] or 0, item["orgId"]) for item in user["scope"]]
        return responses.user_record(
            user_id=user_id,
            name=user["name"],
            email=user["email"],
            phone=user["phone"],
            scope=scope,
            access=user["access"] or [],  # fresh, complete {roleLabel, roleValue} items from either binding path
            status=self.settings.defaultUsrStatus if status is None else status,
            language=user["language"] or "en",  # [INF] PartnerHub's default locale
            time_zone=0 if time_zone is None else time_zone,  # default 0 [SEED]
            mfa=bool(mfa["mfa"]),
            mfa_mode=0 if mfa_mode is None else mfa_mode,
            additional=user["additionalData"],
            created_at=self.ctx.clock.timestamp(),
            # A digest, never the password: later auth endpoints compare against it.
            pwd_hash=password_digest(pwd) if pwd else None,
            created_by=created_by,
        )
