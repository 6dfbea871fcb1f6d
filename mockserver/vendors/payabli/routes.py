"""Payabli (seed 001): POST /api/User with a ``requestToken`` header."""

from __future__ import annotations

import hashlib
from typing import Any, Optional

from ...core.errors import FieldError, VendorError
from ...core.vendor import Call, Reply, Route, Vendor, VendorContext
from . import errors, responses
from .auth import Tokens
from .models import CreateUser, Fixture, parse_user


def _us_phone(fake: Any) -> str:
    # Ten NANP digits without punctuation, like the docs' "5555555555".
    return f"{fake.random_int(201, 989)}{fake.random_int(200, 999)}{fake.numerify('####')}"


def _is_json(content_type: Optional[str]) -> bool:
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
    fixture_model = Fixture
    catalog = errors.CATALOG
    problems = errors.PROBLEMS
    pools = {
        "first_name": lambda f: f.first_name(),
        "last_name": lambda f: f.last_name(),
        "phone": _us_phone,
        "email_domain": lambda f: f.safe_domain_name(),  # example.com/.org/.net: never a real mailbox
    }

    fixture: Fixture

    def __init__(self, ctx: VendorContext, fixture: Fixture) -> None:  # type: ignore[override]
        super().__init__(ctx, fixture)
        self.settings = fixture.settings
        self.tokens = Tokens(ctx)
        # (orgType, orgId) -> entry name: what scope items are checked against and stored with.
        self.orgs: dict[tuple[int, int], str] = {(o.orgType, o.orgId): o.entry for o in fixture.organizations}

    def routes(self) -> list[Route]:
        return [Route("POST", "/api/User", self.create_user, "create_user")]

    render = staticmethod(errors.render)  # type: ignore[assignment]

    # ---------------------------------------------------------------- state
    @property
    def users(self):  # type: ignore[no-untyped-def]
        return self.ctx.table("users")

    @staticmethod
    def _unique(email: Optional[str]) -> dict[str, Any]:
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

    def describe(self) -> dict[str, Any]:
        live = [t.token for t in self.fixture.tokens if self.tokens.live(t.token)]
        token = live[0] if live else self.fixture.tokens[0].token
        return {"headers": {"requestToken": token, "Content-Type": "application/json"}, "login": None}

    # ------------------------------------------------------------- handlers
    def create_user(self, call: Call) -> Reply:
        token = self.tokens.authenticate(call)
        if self.settings.requireJsonContentType and not _is_json(call.headers.get("content-type")):
            raise VendorError("UNSUPPORTED_MEDIA_TYPE")
        body = parse_user(call.body, self.orgs)
        unique = self._unique(body.email)
        users = self.users
        if users.conflict(unique) is not None:
            raise VendorError(
                "DUPLICATE_EMAIL",
                fields=(FieldError("email", "duplicate", "is already in use by another user", {"code": "3003"}),),
            )
        record = self._record(body, token["name"])
        users.insert(record["userId"], record, unique)
        return responses.success()

    def _record(self, body: CreateUser, created_by: str) -> dict[str, Any]:
        # Only called once every check has passed: taking the id is the first write.
        mfa = body.mfaData
        return responses.user_record(
            user_id=self.ctx.next_id("users", self.settings.firstUserId),
            name=body.name,
            email=body.email,
            phone=body.phone,
            scope=[self._scope(item.orgType or 0, item.orgId) for item in body.scope or () if item.orgId is not None],
            access=[{"roleLabel": a.roleLabel, "roleValue": a.roleValue} for a in body.access or ()],
            status=self.settings.defaultUsrStatus if body.usrStatus is None else body.usrStatus,
            language=body.language or "en",  # [INF] PartnerHub's default locale
            time_zone=0 if body.timeZone is None else body.timeZone,  # default 0 [SEED]
            mfa=bool(mfa and mfa.mfa),
            mfa_mode=(mfa.mfaMode if mfa and mfa.mfaMode is not None else 0),
            additional=body.additionalData,
            created_at=self.ctx.clock.timestamp(),
            # A digest, never the password: later auth endpoints compare against it.
            pwd_hash=hashlib.sha256(body.pwd.encode()).hexdigest() if body.pwd else None,
            created_by=created_by,
        )
