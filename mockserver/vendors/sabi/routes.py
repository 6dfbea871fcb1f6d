"""Sabi (seed 002): POST /api/v1/users/public and its /invite variant, with an ``ApiKey`` header.

Request path, in the order a NestJS-on-Express app runs it [INF]:
body-parser middleware (413 / 415 / 400 SyntaxError) -> ApiKey guard (401)
-> ValidationPipe (400, every failing constraint; for the invite the body's
DTO first, then the query's) -> service (409 on a duplicate username, across
both routes) -> 201 with the saved Mongoose document.

No read, update or delete route is documented for Sabi, so none is emulated.
"""

from __future__ import annotations

import logging
from typing import Any

from ...core import lint
from ...core.clock import parse_instant
from ...core.errors import Conflict, VendorError
from ...core.phones import valid_for
from ...core.seeding import NAME_POOLS
from ...core.validation import VOUCHED
from ...core.vendor import Call, Lazy, Reply, Route, StateTables, StoreTable, Vendor, VendorContext
from . import auth, bodyparser, dto, errors, responses
from .models import SECRETS, ExistingUser, Fixture

# A body the DTO takes with only flat properties needs no contract lint (Sabi.create_user).
lint.vouch(dto.CREATE_USER_SCHEMA, dto.validate)

log = logging.getLogger("mockserver")

CREATE_PATH = "/api/v1/users/public"  # [SEED]
INVITE_PATH = CREATE_PATH + "/invite"  # [PUB: sabi-docs .../user_invite]

# Nigerian mobile prefixes (MTN, Glo, Airtel, 9mobile), local 11-digit format.
_NG_PREFIXES = ("0803", "0806", "0813", "0816", "0703", "0706", "0810", "0814", "0903", "0906",
                "0805", "0807", "0815", "0705", "0905", "0802", "0808", "0812", "0701", "0708",
                "0902", "0901", "0809", "0817", "0818", "0909")


def _record(
    body: dict[str, Any], ids: list[str], created_at: str, pass_code: str, handle: str, tenant: str | None,
    password: str | None, api_key: str | None, invite: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What is kept of a user: the inputs its document is made from, not the document.

    The ~50-key document is a pure function of these (``stored_document``) and no
    documented route reads a user back, so keeping the inputs (~1.3 KB a user with
    the body they share) instead of the document (~3 KB) spares a busy sandbox
    most of its memory growth, which measured as the largest cost of a create.
    The password, the calling key and the invite's query live beside them.
    """
    return {"username": body["username"], "password": password, "apiKey": api_key, "invite": invite,
            "body": body, "ids": ids, "createdAt": created_at, "passId": pass_code, "userHandle": handle,
            "tenant": tenant}


def stored_document(record: dict[str, Any]) -> dict[str, Any]:
    """A stored user's document, exactly as it was answered when the user was created."""
    body = record["body"]
    return responses.document(body, responses.shape(body), record["ids"], record["createdAt"], record["passId"],
                              record["userHandle"], record["tenant"], record["invite"])


class Sabi(Vendor):
    name = "sabi"
    title = "Sabi"
    base_path = ""
    locale = "en_NG"
    # [INF] Express's res.json() content type.
    content_type = b"application/json; charset=utf-8"
    fixture_model = Fixture
    error_contract = errors.CONTRACT
    secrets = SECRETS  # what the journal hides: see models.py
    security_schemes = {
        "ApiKey": {"type": "apiKey", "in": "header", "name": "ApiKey", "description": "The platform API key (fixture apiKeys)."},
    }
    pools = {
        **NAME_POOLS,
        "mobile": valid_for("NG", _NG_PREFIXES, 7),
    }

    # Read by the tools only (snapshots, fidelity map, scenario generator, fuzzer): see Vendor.
    examples = Lazy(".examples:EXAMPLES")
    state_tables = StateTables(users="users", tokens={"api_keys": "expires"})  # the dashboard's State view
    unique_fields = frozenset({"username"})
    fidelity = Lazy(".fidelity:NOTES")
    scenario_aliases = {"UNAUTHORIZED": "sabi-bad-api-key"}
    unavailable = {"error": "SERVICE_UNAVAILABLE"}

    fixture: Fixture

    def __init__(self, ctx: VendorContext, fixture: Fixture) -> None:
        super().__init__(ctx, fixture)
        self.ids = responses.ObjectIds(ctx)  # stateless: its process bytes and counter are in the store

    def routes(self) -> list[Route]:
        # Besides dispatch, each Route describes its endpoint for the OpenAPI document.
        # errors=None on create: the scenario library makes it answer every catalog entry.
        def create(path: str) -> Route:
            return Route("POST", path, self.create_user, "create_user", summary="Create a user (public sign-up)",
                         request=dto.CREATE_USER_SCHEMA, responses={201: responses.UserDocument}, errors=None)

        def invite(path: str) -> Route:
            return Route("POST", path, self.invite_user, "invite_user", summary="Create an invited user",
                         request=dto.CREATE_USER_SCHEMA, query=dto.INVITE_QUERY_SCHEMA, responses={201: responses.UserDocument},
                         errors=("BAD_REQUEST", "UNAUTHORIZED", "CONFLICT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"))

        # Express routes are not strict about a trailing slash.
        return [create(CREATE_PATH), create(CREATE_PATH + "/"), invite(INVITE_PATH), invite(INVITE_PATH + "/")]

    # ---------------------------------------------------------------- state
    users = StoreTable("users")

    def seed(self) -> None:
        auth.seed(self.ctx, self.fixture.apiKeys)
        self.ids.reset(self.ctx.draw("object_ids"))
        for user in self.fixture.users:
            self._seed_user(user)
        pools = self.ctx.pools
        for _ in range(self.fixture.generatedUsers):
            draw = self.ctx.draw("fixture")
            first, last = str(pools.pick(draw, "first_name")), str(pools.pick(draw, "last_name"))
            username = f"{responses.slug(first)}.{responses.slug(last)}{draw.below(1000)}@example.com.ng"
            self._seed_user(ExistingUser(username=username, firstName=first, lastName=last,
                                         role=draw.pick(dto.ROLES[:3]), phone=str(pools.pick(draw, "mobile"))))

    def _seed_user(self, user: ExistingUser) -> None:
        unique = {"username": user.username.lower()}
        created = parse_instant(user.createdAt)
        user_id = user.id or self.ids.new(created.timestamp())
        if self.users.conflict(unique) is not None or self.users.get(user_id) is not None:
            log.warning("sabi fixture: skipping duplicate user %s", user.username)
            return
        body = user.model_dump(exclude_none=True)
        draw = self.ctx.draw("fixture")
        ids = [user_id, self.ids.new(created.timestamp())]
        pass_code, handle = responses.pass_id(draw), responses.user_handle(user.firstName, user.lastName, draw)
        self.users.insert(user_id, _record(body, ids, responses.stamp(created), pass_code, handle, user.tenantId,
                                           None, None), unique)

    def describe(self) -> dict[str, Any]:
        return {
            # A key that works NOW (not revoked, not expired on the clock); the first one as a
            # last resort, so the shape stays the same if a fixture revokes them all.
            "headers": {"ApiKey": auth.first_usable(self.ctx) or self.fixture.apiKeys[0].key,
                        "Content-Type": "application/json"},
            "login": None,  # no login: the platform key is the credential
        }

    # ------------------------------------------------------------- handlers
    def create_user(self, call: Call, invite: bool = False) -> Reply:
        """Both routes (``invite`` for the invite one); the create route calls it directly."""
        data = bodyparser.parse(call.headers.get("content-type"), call.body)
        ctx = self.ctx
        key = auth.authenticate(ctx, call)
        if isinstance(data, list):
            # ValidationPipe re-labels an array as the DTO and validates its (absent)
            # properties: the same messages as for {}.
            data = {}
        keys = tuple(data)  # validation and the document layout are both looked up by them
        failures = dto.validate(data, keys=keys)
        if failures:
            raise VendorError("BAD_REQUEST", fields=tuple(failures))
        if dto.CREATE_USER.flat.issuperset(keys):
            VOUCHED.check = dto.validate  # every key a property, none an object: nothing for the contract lint
        query: dict[str, str] | None = None
        if invite:
            # [INF] @Body() is the handler's first parameter: its pipe rejects first, so a
            # bad body hides bad query params (one 400 at a time, never merged).
            failures = dto.validate(call.query, dto.INVITE_QUERY)
            if failures:
                raise VendorError("BAD_REQUEST", fields=tuple(failures))
            query = {name: call.query[name] for name in dto.INVITE_FIELDS}
        users = ctx.table("users")
        unique = {"username": data["username"].lower()}  # [INF] case-insensitive, like a lower-cased index
        layout = responses.shape(data, keys)
        count = 2 + len(layout.subdocuments)
        # Validated and free: only now draw randomness and take ids (checked before: errors.PROBLEMS answers
        # a conflict).  The look-up, the draw and the ids' count in one step (Redis: one round trip).
        taken = ctx.draw_and_incr_if_free(users, unique, "invite_user" if invite else "create_user", responses.COUNTER, count)
        if isinstance(taken, Conflict):
            raise taken
        draw, counted = taken
        seconds, created_at = responses.instant(ctx.clock.timestamp())
        # Ids in a fixed order: the user, its country, then each sent sub-document.
        ids = self.ids.stamped(seconds, count, counted)
        pass_code = responses.pass_id(draw)
        handle = responses.user_handle(data["firstName"], data["lastName"], draw)
        tenant = data.get("tenantId") or key["tenantId"]  # [INF] the body's tenant, else the key's
        # [INF] an invited user's invitationType is the invite's `invitation` (a sign-up's
        # is the seed's "SELF"), createdBy the inviter's e-mail as sent (the seed's null
        # for a sign-up): the inviter need not be a Sabi user, so there is no _id to use.
        document = responses.document(data, layout, ids, created_at, pass_code, handle, tenant, query)
        users.insert(ids[0], _record(data, ids, created_at, pass_code, handle, tenant, data["password"], key["name"],
                                     query), unique)
        return Reply(201, document)

    def invite_user(self, call: Call) -> Reply:
        # [PUB] same header and body as create, four required query params, 201 "Created".
        return self.create_user(call, invite=True)
