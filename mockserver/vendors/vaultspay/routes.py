"""VaultsPay: routes and their handlers."""

from __future__ import annotations

from typing import Any

from ...core.errors import Conflict, FieldError, VendorError
from ...core.phones import AE_MOBILE, PK_MOBILE, valid_for
from ...core.seeding import NAME_POOLS
from ...core.vendor import Call, Lazy, Reply, Route, StateTables, StoreTable, Vendor, VendorContext, bearer_auth
from . import errors, responses
from .auth import Tokens
from .kyc import Kyc
from .media import json_body
from .models import (
    INT32_SCHEMA,
    SECRETS,
    CreateUser,
    Fixture,
    KycPersonalCreate,
    KycPersonalUpdate,
    RefreshToken,
    SaasLogin,
    list_users_query,
    parse,
    parse_create,
    path_schema,
)
from .users import contact_keys, owned_by_path, page_of, paging, unique_keys

# Generated users' countries [INF]: a UAE card issuer (the fixture agent's own address is
# @vaultspay.ae) whose documented examples are Pakistani (countryCode "92"): each
# generated user is one or the other, with a mobile number valid there (core.phones).
# (country code, phone pool, e-mail domain)
_COUNTRIES = (("92", "mobile_pk", "example.pk"), ("971", "mobile_ae", "example.ae"))


class VaultsPay(Vendor):
    name = "vaultspay"
    title = "VaultsPay"
    locale = "en_PK"
    fixture_model = Fixture
    error_contract = errors.CONTRACT
    secrets = SECRETS  # what the journal hides: see models.py
    security_schemes = bearer_auth("accessToken from POST /as/api/v1/saas-login (or the fixture's pre-issued token).", bearer_format="JWT")
    pools = {
        **NAME_POOLS,
        # Mobile numbers as the seed writes them, without the trunk 0: 3XX XXXXXXX, 5X XXX XXXX
        "mobile_pk": valid_for("PK", PK_MOBILE, 7),
        "mobile_ae": valid_for("AE", AE_MOBILE, 7),
    }

    # Read by the tools only (snapshots, fidelity map, scenario generator, fuzzer): see Vendor.
    examples = Lazy(".examples:EXAMPLES")
    state_tables = StateTables(users="users", tokens={"access_tokens": "expiresAt", "sessions": "expiresAt"})  # the dashboard's State view
    user_listing = Lazy(".examples:list_users")
    unique_fields = frozenset({"email", "countryCode", "phone"})
    fidelity = Lazy(".fidelity:NOTES")
    scenario_aliases = {"THROTTLE": "vaultspay-throttled"}
    unavailable = {
        "status": 503,
        "body": {"code": 1010, "message": "Service temporarily unavailable. Please try again later.", "type": "BAD_REQUEST"},
    }
    scenarios = (
        {
            "name": "token-expires-after-2-calls",
            "description": "VaultsPay: create-user calls 1-2 succeed, the 3rd and later return 401/1003 TOKEN_EXPIRED until the client "
            "refreshes its token (saas-refresh-token); then the count starts over.",
            "rules": [
                {"match": {"vendor": "vaultspay", "operation": "create_user", "after": 2, "reset_on": {"operation": "refresh"}},
                 "respond": {"error": "TOKEN_EXPIRED"}},
            ],
        },
    )

    fixture: Fixture

    def __init__(self, ctx: VendorContext, fixture: Fixture) -> None:
        super().__init__(ctx, fixture)
        settings = fixture.settings
        self.tokens = Tokens(ctx, settings.accessTokenTtl, settings.refreshTokenTtl)
        self.kyc = Kyc(ctx, settings.kycVerificationDelay, settings.wrapKycPersonal)
        self.max_per_page = settings.maxPerPage
        self.agent = fixture.agent.model_dump()
        # The agent is configuration: its "parent" body is written once, not per user shown.
        self.parent = responses.parent(self.agent)
        self.first_user_id = settings.firstUserId
        self.clients = {app.clientId: app.clientSecret for app in fixture.apps}

    def routes(self) -> list[Route]:
        # Besides dispatch, each Route describes its endpoint for the OpenAPI document.
        auth, invalid, media = errors.AUTH_ERRORS, ("INVALID_PAYLOAD",), errors.MEDIA_ERRORS
        # A Java Integer; one that no user of the caller's agent has is INVALID_PAYLOAD too (state, not syntax).
        one_of_ours = {**INT32_SCHEMA, "description": "The id of one of the agent's users."}
        personal = responses.PersonalInfoResponse if self.kyc.wrap_personal else responses.PersonalInfo
        return [
            # errors=None: the scenario library makes create-user answer every catalog entry.
            Route("POST", "/as/api/v1/users", self.create_user, "create_user", summary="Create a user",
                  request=CreateUser, responses={200: responses.UserResponse}, errors=None),
            Route("GET", "/as/api/v1/users", self.list_users, "list_users", summary="List the agent's users (newest first)",
                  query=list_users_query(self.max_per_page), responses={200: responses.UsersPage}, errors=auth + invalid),
            Route("GET", "/as/api/v1/users/{id}", self.get_user, "get_user", summary="Get one of the agent's users",
                  params=path_schema(id=one_of_ours), responses={200: responses.UserResponse}, errors=auth + invalid),
            Route("POST", "/as/api/v1/saas-login", self.login, "login", summary="Log in with app credentials",
                  request=SaasLogin, responses={200: responses.SaasLoginResponse}, errors=("INVALID_PAYLOAD", "UNAUTHORISED", *media),
                  auth=False),
            Route("POST", "/as/api/v1/saas-refresh-token", self.refresh, "refresh", summary="Refresh an access token",
                  request=RefreshToken, responses={200: responses.RefreshResponse},
                  errors=("INVALID_PAYLOAD", "UNAUTHORISED", "SESSION_EXPIRED", *media), auth=False),
            # The /us/ service lives under the same mount as /as/ [PUB api-reference].
            Route("POST", "/us/api/v1/kyc/personal", self.kyc_create, "kyc_create", summary="Submit a user's KYC personal info",
                  request=KycPersonalCreate, responses={200: personal}, errors=auth + invalid + media),
            Route("PATCH", "/us/api/v1/kyc/personal", self.kyc_update, "kyc_update", summary="Update a user's KYC personal info",
                  request=KycPersonalUpdate, responses={200: personal}, errors=auth + invalid + media + ("ACTION_REQUIRED",)),
            Route("GET", "/us/api/v1/kyc/{userId}", self.get_kyc, "get_kyc", summary="Get a user's KYC summary",
                  params=path_schema(userId=one_of_ours), responses={200: responses.KycResponse}, errors=auth + invalid),
        ]

    # ---------------------------------------------------------------- state
    users = StoreTable("users")

    _unique = staticmethod(unique_keys)

    def seed(self) -> None:
        fixture = self.fixture
        app = fixture.apps[0]
        for token in fixture.tokens:
            self.tokens.preissue(token.accessToken, token.refreshToken, app.clientId, fixture.agent.id, token.expiresIn)
        for user in fixture.users:
            record = {"parentId": fixture.agent.id, **user.model_dump()}
            record["username"] = record["username"] or self.ctx.draw("fixture").hex(32)
            self.users.insert(user.id, record, self._unique(record))
            self.ctx.bump_id("users", user.id)
        pools = self.ctx.pools
        for _ in range(fixture.generatedUsers):
            draw = self.ctx.draw("fixture")
            first, last = pools.pick(draw, "first_name"), pools.pick(draw, "last_name")
            country_code, mobile, domain = draw.pick(_COUNTRIES)
            record = {
                "id": self.ctx.next_id("users"),
                "parentId": fixture.agent.id,
                "firstName": first,
                "lastName": last,
                "email": f"{str(first).lower()}.{str(last).lower()}{draw.below(1000)}@{domain}",
                "countryCode": country_code,
                "phone": pools.pick(draw, mobile),
                "status": draw.pick(("ACTIVE", "ACTIVE", "PENDING", "BLOCK")),
                "username": draw.hex(32),
            }
            if self.users.conflict(self._unique(record)) is None:
                self.users.insert(record["id"], record, self._unique(record))
        # Created users get ids from firstUserId on (the seed's example is 604).
        self.ctx.bump_id("users", fixture.settings.firstUserId - 1)
        self.kyc.seed(fixture.kyc)

    def describe(self) -> dict[str, Any]:
        app = self.fixture.apps[0]
        token = self._live_fixture_token()
        if token is None:  # the clock moved past every fixture token: issue a fresh one
            token = self.tokens.open_session(app.clientId, self.fixture.agent.id, self.ctx.draw("admin_login"))["accessToken"]
        return {
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            "login": {"clientId": app.clientId, "clientSecret": app.clientSecret},
            "login_route": "/as/api/v1/saas-login",
        }

    def _live_fixture_token(self) -> str | None:
        now = self.ctx.clock.timestamp()
        for token in self.fixture.tokens:
            record = self.tokens.access.get(token.accessToken)
            if record and record["expiresAt"] > now:
                return token.accessToken
        return None

    # ------------------------------------------------------------- handlers
    def create_user(self, call: Call) -> Reply:
        agent_id = self.tokens.authenticate(call)
        body = parse_create(json_body(call))
        # "" passes @Email and is no email at all (a null): stored and shown as null [INF].
        email, country_code, phone = body.get("email") or None, body.get("countryCode"), body.get("phone")
        missing = _contact_rule(email, country_code, phone)
        if missing:
            raise VendorError("INVALID_PAYLOAD", fields=missing)
        # Stored as sent [INF: the DTO's fields copied]: a countryCode beside an email and
        # no phone is kept (phoneNumber stays null), a phone keeps its leading 0.
        unique = contact_keys(email, country_code, phone)
        users = self.ctx.table("users")
        # The username's draw with the id (Redis: one round trip for both)
        taken = self.ctx.next_id_and_draw_if_free(users, unique, "users", self.first_user_id, "create_user")
        if isinstance(taken, Conflict):  # checked before an id is taken: errors.PROBLEMS answers it
            raise taken
        user_id, drawn = taken
        first_name, last_name, status = body["firstName"], body["lastName"], body["status"]
        username = drawn.hex(32)
        record: dict[str, Any] = {
            "parentId": agent_id,  # whatever the client sent, the caller is the parent
            "firstName": first_name,
            "lastName": last_name,
            "email": email,
            "countryCode": country_code,
            "phone": phone,
            "status": status,
            "id": user_id,
            "username": username,
            "createdAt": self.ctx.clock.timestamp(),
        }
        users.insert(user_id, record, unique)
        return responses.wrapped(
            responses.user_body(user_id, agent_id, first_name, last_name, email, username, country_code, phone, status, self.parent)
        )

    def list_users(self, call: Call) -> Reply:
        agent_id = self.tokens.authenticate(call)
        page, per_page = paging(call.query, self.max_per_page)
        # [INF] an agent sees its own users only (parentId = the caller's agent).
        mine = [record for record in self.users.values() if record["parentId"] == agent_id]
        records, pagination = page_of(mine, page, per_page)
        return responses.users_page(records, self.parent, pagination)

    def get_user(self, call: Call) -> Reply:
        agent_id = self.tokens.authenticate(call)
        record = owned_by_path(self.users, agent_id, call.params["id"], "id")
        return responses.wrapped(responses.user(record, self.parent))

    def kyc_create(self, call: Call) -> Reply:
        agent_id = self.tokens.authenticate(call)
        return self.kyc.create_personal(agent_id, json_body(call))

    def kyc_update(self, call: Call) -> Reply:
        agent_id = self.tokens.authenticate(call)
        return self.kyc.update_personal(agent_id, json_body(call))

    def get_kyc(self, call: Call) -> Reply:
        return self.kyc.get(self.tokens.authenticate(call), call)

    def login(self, call: Call) -> Reply:
        body = parse(SaasLogin, json_body(call))
        if self.clients.get(body.clientId) != body.clientSecret:
            raise VendorError("UNAUTHORISED", "Invalid client credentials.")
        # Not wrapped in "data": the authentication page shows the bare object.
        return Reply(200, self.tokens.open_session(body.clientId, self.fixture.agent.id, self.ctx.draw("login")))

    def refresh(self, call: Call) -> Reply:
        body = parse(RefreshToken, json_body(call))
        return responses.wrapped(self.tokens.refresh(body.refreshToken, self.ctx.draw("refresh")))


def _contact_rule(email: str | None, country_code: str | None, phone: str | None) -> tuple[FieldError, ...]:
    """Either email, or countryCode together with phone [SEED].  countryCode is "required
    only when creating by phone": a phone needs it, an email alone does not, and beside an
    email it may come without a phone.  What is missing is "must not be blank"."""
    if phone and not country_code:
        return (FieldError("countryCode", "missing", "must not be blank"),)
    if email or phone:  # (a phone has its countryCode by now)
        return ()
    if country_code:
        return (FieldError("phone", "missing", "must not be blank"),)
    return (FieldError("email", "missing", "must not be blank"),)
