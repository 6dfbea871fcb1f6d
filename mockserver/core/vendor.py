"""What every emulated vendor provides, and what the core gives it.

A vendor package exposes one ``Vendor`` subclass.  The core never names a
vendor: it mounts the class's routes under its prefix, turns every failure
into a ``VendorError`` and hands it to the class's ``render``.  What the
tools need besides (example flow, fidelity notes, scenario names) the class
declares too, so nothing is found by a module naming convention.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ValidationError

from .clock import Clock
from .errors import Conflict, ErrorSpec, InternalFault, Problem, ProblemMap, VendorError, problem_to_error
from .seeding import Draw, PoolMaker, Pools, Seeder
from .store import Record, Store, Table, UniqueKeys

if TYPE_CHECKING:
    from ..snapshots import Example
    from .fidelity import FidelityNotes

Headers = Sequence[tuple[str, str]]

# The test session (``X-Mock-Session``) of the request being handled.  Each
# request runs in its own asyncio task, so the value never leaks between them.
SESSION: ContextVar[str] = ContextVar("mockserver_session", default="")


@dataclass(slots=True)
class Call:
    """One incoming request, as a vendor handler sees it."""

    method: str
    path: str  # relative to the vendor's mount point
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # from the route template


@dataclass(slots=True)
class Reply:
    status: int
    body: Any  # JSON-serialisable (dicts keep their key order on the wire)
    headers: Headers = ()


# A handler answers at once; one that must wait (an asynchronous store) returns an awaitable of its
# Reply, which the pipeline awaits (core.serving: the fast transport then hands the request to ASGI).
Handler = Callable[[Call], "Reply | Awaitable[Reply]"]
# Vendor.user_listing: ``read(method, path, **httpx request options)`` answers the decoded JSON
# of a call to ``path`` below the vendor's base URL; the listing returns every user it read.
Read = Callable[..., Any]
UserListing = Callable[[Read, Mapping[str, str]], list[Any]]
# What describes a request part: a pydantic model, or a JSON Schema dict; None: not described.
Schema = type[BaseModel] | Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Route:
    """One emulated endpoint.  Besides dispatch, its fields describe the
    endpoint for the generated OpenAPI document (never written twice)."""

    method: str
    path: str  # template relative to the mount, e.g. "/User/{userId}"
    handler: Handler
    operation: str  # stable name used by journal and scenarios: create_user, login...
    summary: str = ""
    request: Schema = None  # the pydantic model (or JSON Schema dict) the JSON body is validated against
    query: Schema = None  # pydantic model (or JSON Schema dict) of the query parameters
    responses: Mapping[int, Schema] = field(default_factory=dict)  # success status -> model / JSON Schema / None
    errors: tuple[str, ...] | None = None  # catalog keys this route can answer; None = every one
    auth: bool = True  # whether the vendor's credentials are required
    headers: Schema = None  # pydantic model (or JSON Schema dict) of request headers besides the credentials
    params: Schema = None  # pydantic model (or JSON Schema dict) of the path parameters; unnamed ones are strings


@dataclass(frozen=True, slots=True)
class ErrorContract:
    """A vendor's error side, declared once in its ``errors.py`` and assigned with one line
    on its ``Vendor`` class (``error_contract = errors.CONTRACT``).

    ``catalog``: every error the vendor answers (key -> ``ErrorSpec``); ``problems``: one
    catalog key (or a function choosing one) per core problem kind (``PROBLEM_KINDS``, checked
    by the registry); ``schema``: the JSON Schema of what ``render`` writes, for the OpenAPI
    document; ``render``: the one place the vendor's envelope is written; ``schema_of``, for a
    vendor with more than one envelope: the schema of what these catalog keys render.
    """

    catalog: Mapping[str, ErrorSpec]
    problems: ProblemMap
    schema: Mapping[str, Any]
    render: Callable[[VendorError], Reply]
    schema_of: Callable[[Sequence[str]], Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Secrets:
    """What the journal hides for a vendor (core.journal), declared beside its models:
    ``fields``, names of body/query fields holding a secret (matched case-insensitively, at
    any depth, qs-style ``a[b]`` parts too), and ``headers``, request headers carrying one
    besides HTTP's own (Authorization, Cookie...), from what the vendor accepts and answers."""

    fields: frozenset[str] = frozenset()
    headers: frozenset[str] = frozenset()


class StoreTable:
    """``users = StoreTable("users")`` on a class holding a ``ctx: VendorContext``: the
    current test session's table of that name (``ctx.table``), looked up on every access
    (never cached on the instance: a handle belongs to one session)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: _HasContext, owner: type | None = None) -> Table:
        return instance.ctx.table(self.name)


class _HasContext(Protocol):
    ctx: VendorContext


@dataclass(slots=True)
class VendorContext:
    """Shared services handed to a vendor at build time.

    Store and seeding are resolved against the current test session, so a
    vendor written for one global state gets per-session isolation for free
    as long as it asks the context (never a table it cached itself) on every
    call.  A vendor that does keep something per session keeps it in a dict
    from ``session_cache()``, which ``forget`` empties with the rest.
    """

    store: Store
    clock: Clock
    seeder: Seeder
    pools: Pools
    vendor: str
    _tables: dict[tuple[str, str], Table] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set)  # every table name asked for: what forget() pops
    _caches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        session = SESSION.get()  # namespace_of() inlined: this runs on every create (next_id)
        return f"{self.vendor}@{session}" if session else self.vendor

    def namespace_of(self, session: str) -> str:
        return f"{self.vendor}@{session}" if session else self.vendor

    def table(self, name: str) -> Table:
        # A handle stays valid until forget() drops its session (the default
        # namespace's never is; the store clears it in place): one dict hit per call.
        key = (SESSION.get(), name)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = self.store.table(self.namespace, name)
            self._names.add(name)
        return table

    def next_id(self, name: str, start: int = 1) -> int:
        return self.store.next_id(self.namespace, name, start)

    def next_id_if_free(self, table: Table, unique: UniqueKeys, name: str, start: int = 1) -> int | Conflict:
        """The next id of ``name``, unless a key of ``unique`` is taken in ``table``: then that ``Conflict``
        (with the record holding it), and no id is taken.  A create's look-up and its id in one step where
        the store offers one (Redis: one round trip instead of two); else ``conflict`` then ``next_id``.
        The insert still checks its keys: this only spares a round trip, it decides nothing alone."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            return claims.next_id_if_free(self.namespace, table, unique, name, start)
        clash = table.conflict(unique)
        return clash if clash is not None else store.next_id(self.namespace, name, start)

    def next_id_and_draw_if_free(
        self, table: Table, unique: UniqueKeys, name: str, start: int, operation: str,
    ) -> tuple[int, Draw] | Conflict:
        """``next_id_if_free`` and, if free, ``draw(operation)``: where the store offers it (Redis) the look-up,
        the id and the draw's counter move in one step (one round trip instead of two); the same counters
        move in the same order either way, so the answers are the same."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            seeder = self.seeder
            found = claims.next_id_and_count_if_free(self.namespace, table, unique, name, start, seeder.counter(operation))
            if isinstance(found, Conflict):
                return found
            return found[0], seeder.drawn(operation, found[1])
        # What next_id_if_free then draw do, inlined: the memory store's creates pay no extra call for this.
        clash = table.conflict(unique)
        if clash is not None:
            return clash
        return store.next_id(self.namespace, name, start), self.seeder.draw(operation, SESSION.get())

    def next_id_draw_and_id_if_free(
        self, table: Table, unique: UniqueKeys, name: str, start: int, operation: str, id_name: str, base: int, bits: int,
    ) -> tuple[int, int, int, bool] | Conflict:
        """``next_id_and_draw_if_free`` then, if free, ``next_id_at_least_if_absent(table, id_name, candidate)`` with
        ``candidate = base + draw.below(2 ** bits)`` (``bits`` at most 32), for a create whose row's id is made of a
        base and random low bits: (the id of ``name``, the candidate, the id of ``id_name``, whether ``table`` has no
        row keyed by it).  Where the store offers it (Redis) in one step (one round trip instead of two, however many
        workers draw: the draw is made in the store's script with the same arithmetic when the worker could not know
        the counter's value); the memory and SQLite stores make the calls one by one.  The same counters move in the
        same order either way, so the answers are the same."""
        store = self.store
        claims = store.claims
        namespace = self.namespace
        if claims is None:  # conflict, next_id, draw, next_id_at_least_if_absent (inlined: every memory create), one by one
            clash = table.conflict(unique)
            if clash is not None:
                return clash
            taken_id = store.next_id(namespace, name, start)
            at_least = base + self.seeder.draw(operation, SESSION.get()).below(1 << bits)
            store.bump_id(namespace, id_name, at_least - 1)
            second = store.next_id(namespace, id_name, at_least)
            return taken_id, at_least, second, table.get(second) is None
        seeder = self.seeder
        return claims.next_id_draw_and_id_if_free(
            namespace, table, unique, name, start, seeder.counter(operation), seeder.state(operation), id_name, base, bits)

    def draw_and_incr_if_free(
        self, table: Table, unique: UniqueKeys, operation: str, name: str, by: int,
    ) -> tuple[Draw, int] | Conflict:
        """Unless a key of ``unique`` is taken in ``table`` (then that ``Conflict``, and nothing moves):
        ``draw(operation)`` and the store's counter ``name`` moved by ``by`` (its value after it), for ids
        taken ``by`` at a time.  Where the store offers it (Redis) in one step (one round trip instead of three);
        the memory store does exactly ``conflict``, ``draw``, ``incr``, as a create did before."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            seeder = self.seeder
            found = claims.incr_and_count_if_free(self.namespace, table, unique, name, by, seeder.counter(operation))
            if isinstance(found, Conflict):
                return found
            return seeder.drawn(operation, found[1]), found[0]
        clash = table.conflict(unique)
        if clash is not None:
            return clash
        drawn = self.seeder.draw(operation, SESSION.get())
        return drawn, store.incr(self.namespace, name, by)

    def find_or_next_id(self, table: Table, field: str, value: Hashable, name: str, start: int = 1) -> Record | int:
        """``next_id_if_free`` for one unique field: the record holding ``value`` (a copy), else the next id of
        ``name``; the memory store does exactly ``find`` then ``next_id``, as a create did before."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            taken = claims.next_id_if_free(self.namespace, table, {field: value}, name, start)
            return taken.existing if isinstance(taken, Conflict) else taken
        existing = table.find(field, value)
        return existing if existing is not None else store.next_id(self.namespace, name, start)

    def find_or_draw(self, table: Table, field: str, value: Hashable, operation: str) -> Record | Draw:
        """``find_or_next_id`` whose "id" is ``draw(operation)``'s: the record holding ``value`` (a copy), else
        the draw, in one step where the store offers it (Redis: the draw's counter moves as an id would, from 0
        by one); the memory store does exactly ``find`` then ``draw``."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            seeder = self.seeder
            taken = claims.next_id_if_free(self.namespace, table, {field: value}, seeder.counter(operation), 1)
            return taken.existing if isinstance(taken, Conflict) else seeder.drawn(operation, taken)
        existing = table.find(field, value)
        return existing if existing is not None else self.seeder.draw(operation, SESSION.get())

    def bump_id(self, name: str, at_least: int) -> None:
        """Make the next id of ``name`` larger than ``at_least`` (fixture seeding)."""
        self.store.bump_id(self.namespace, name, at_least)

    def next_id_at_least(self, name: str, at_least: int) -> int:
        """The next id of ``name``, ``at_least`` or one past the last id given (the larger): ``bump_id(name,
        at_least - 1)`` then ``next_id(name, at_least)``, in one step where the store offers it (Redis)."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            return claims.next_id_at_least(self.namespace, name, at_least)
        namespace = self.namespace
        store.bump_id(namespace, name, at_least - 1)
        return store.next_id(namespace, name, at_least)

    def bump_id_if_absent(self, table: Table, key: Hashable, name: str, at_least: int | None) -> bool:
        """Whether ``table`` has no row ``key``; if it has none, ``bump_id(name, at_least)`` too (unless
        ``at_least`` is None): ``get`` then ``bump_id``, in one step where the store offers it (Redis).  For an
        id of one's own making, free of the rows a fixture placed, that the ids given after it pass."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            return claims.bump_id_if_absent(self.namespace, table, key, name, at_least)
        if table.get(key) is not None:
            return False
        if at_least is not None:
            store.bump_id(self.namespace, name, at_least)
        return True

    def next_id_at_least_if_absent(self, table: Table, name: str, at_least: int) -> tuple[int, bool]:
        """``next_id_at_least(name, at_least)`` and whether ``table`` has no row keyed by that id (an int key):
        ``bump_id_if_absent(table, id, name, None)``, so where that marks a free id chosen (Redis) this does too.
        In one step where the store offers it (Redis: one round trip instead of two); the memory store makes the
        calls one by one.  For an id of one's own making that must be above every id given before it."""
        store = self.store
        claims = store.claims
        if claims is not None:  # Redis (core.store.Claims); the memory store's is None
            return claims.next_id_at_least_if_absent(self.namespace, table, name, at_least)
        taken = self.next_id_at_least(name, at_least)
        return taken, table.get(taken) is None

    def draw(self, operation: str) -> Draw:
        return self.seeder.draw(operation, SESSION.get())

    def session_cache(self) -> dict[str, Any]:
        """A dict for a vendor's own per-session values (keyed by ``SESSION.get()``),
        emptied of a session by ``forget`` so nothing outlives the session's tables."""
        cache: dict[str, Any] = {}
        self._caches.append(cache)
        return cache

    def forget(self, session: str) -> None:
        """Free everything this vendor holds for a test session: its tables and id
        counters (dropped from the store), cached handles and draw counters.
        The session's next request starts from scratch (the runtime seeds it again)."""
        if not session:
            raise ValueError("the default namespace is cleared in place, never forgotten")
        for name in self._names:
            self._tables.pop((session, name), None)
        for cache in self._caches:
            cache.pop(session, None)
        self.store.drop(self.namespace_of(session))
        self.seeder.reset(session)

    def forget_all(self) -> None:
        """``forget`` for every test session at once (a full reset), including any
        namespace a session left without being live.  The handle cache and the
        vendor's caches are rebuilt rather than popped, so the memory of their
        grown hash tables goes too; the default namespace's handles stay."""
        prefix = f"{self.vendor}@"  # namespace_of(session) for every session
        for namespace in self.store.namespaces():
            if namespace.startswith(prefix):
                self.store.drop(namespace)
        for scope in self.seeder.scopes():
            if scope:
                self.seeder.reset(scope)
        self._tables = {key: table for key, table in self._tables.items() if not key[0]}
        for cache in self._caches:
            kept: dict[str, Any] = {key: value for key, value in cache.items() if not key}
            cache.clear()
            cache.update(kept)


def bearer_auth(description: str, bearer_format: str | None = None) -> dict[str, dict[str, str]]:
    """``Vendor.security_schemes`` entry of credentials sent as ``Authorization: Bearer <token>``:
    the OpenAPI scheme ``bearerAuth`` (``bearer_format`` as its bearerFormat hint, e.g. "JWT")."""
    scheme = {"type": "http", "scheme": "bearer"}
    if bearer_format is not None:
        scheme["bearerFormat"] = bearer_format
    scheme["description"] = description
    return {"bearerAuth": scheme}


@dataclass(frozen=True, slots=True)
class StateTables:
    """Where a vendor keeps what the dashboard's State view shows (``Vendor.state_tables``):
    the store table of its users, and each table of credentials (keyed by the token or key
    itself) with the record field holding its expiry (epoch seconds or an ISO instant; None:
    it never expires).  A credential record whose ``revoked`` is true is not live."""

    users: str | None = None
    tokens: Mapping[str, str | None] = field(default_factory=dict)


class Lazy:
    """A vendor declaration imported on first use: ``examples = Lazy(".examples:EXAMPLES")``.

    The target is ``"module:attribute"`` (or ``"module"``).  A leading dot makes
    the module relative to the package of the class that holds the declaration,
    as a relative import does, so a vendor names its own modules without knowing
    where it is installed.  The tools read these declarations; a server never
    does, so serving does not pay for importing them.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self.package: str | None = None
        self._value: Any = None
        self._loaded = False

    def __set_name__(self, owner: type, name: str) -> None:
        self.package = sys.modules[owner.__module__].__package__

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if not self._loaded:
            module_name, _, attribute = self.target.partition(":")
            module = import_module(module_name, self.package)
            self._value = getattr(module, attribute) if attribute else module
            self._loaded = True
        return self._value


class Vendor:
    """Base class for an emulated vendor; subclasses fill in the class attributes."""

    name: ClassVar[str]  # registry key and URL prefix, e.g. "acme"
    title: ClassVar[str]  # human name, e.g. "Acme Pay"
    base_path: ClassVar[str] = ""  # client base URL below the mount, e.g. "/api" (also shown by `mockserver --help`)
    # How the vendor's own router matches a path to a route (core.serving.Router): most match
    # it exactly; ASP.NET, for one, ignores case and a trailing slash ("/api/user/" is "/api/User").
    paths_ignore_case: ClassVar[bool] = False
    paths_allow_trailing_slash: ClassVar[bool] = False
    # Whether its JSON binding matches body keys case-insensitively (Go's encoding/json, ASP.NET's
    # System.Text.Json web defaults): the contract lint (core.lint) then takes ``FirstName`` as ``firstName``.
    body_keys_ignore_case: ClassVar[bool] = False
    locale: ClassVar[str] = "en_US"
    content_type: ClassVar[bytes] = b"application/json"
    fixture_model: ClassVar[type[BaseModel]]
    # The fixture used when neither ``--fixtures DIR`` nor the embedded fixtures
    # have ``<name>.yaml``: this file, relative to the vendor's package; without
    # one, ``fixture_model``'s defaults (``default_fixture``).
    fixture_file: ClassVar[str | None] = None
    # -- read by the tools only, never on the request path (usually ``Lazy``) --
    # The documented call flow (``snapshots.Example`` items) the golden snapshots
    # replay; its create-user call is also the template of one forced call per catalog entry.
    examples: ClassVar[Sequence[Example]] = ()
    fidelity: ClassVar[FidelityNotes | None] = None  # hand-written fidelity rows and sources
    # tools/gen_scenarios.py: a catalog key's scenario name when not ``<name>-<key>``;
    # a scenario ``respond`` answering 503 in the vendor's envelope (for the
    # every-vendor flaky flows; None leaves the vendor out of them); and whole
    # hand-written scenario documents about this vendor only.
    scenario_aliases: ClassVar[Mapping[str, str]] = {}
    # A catalog key that create-user never answers (its route's ``errors`` leaves it out): the
    # operation that does, where the scenario library and the snapshots force it instead.
    error_operations: ClassVar[Mapping[str, str]] = {}
    unavailable: ClassVar[Mapping[str, Any] | None] = None
    scenarios: ClassVar[Sequence[Mapping[str, Any]]] = ()
    # tools/fuzz.py, whose requests are refused by construction so that nothing a vendor holds
    # may change: ``user_listing(read, credentials)`` lists every user the vendor holds through
    # its own read routes, compared before and after (None: no read route, and the journal
    # shows instead whether a write was answered 2xx); and the create-user body fields no two
    # users may share (a copy is a conflict), kept as its anchor user has them when it sends
    # valid credentials, so even a body the vendor takes is refused (empty: every field).
    user_listing: ClassVar[UserListing | None] = None
    unique_fields: ClassVar[frozenset[str]] = frozenset()
    # Its catalog, problems map, envelope schema and render(), declared in its errors.py.
    error_contract: ClassVar[ErrorContract]
    pools: ClassVar[Mapping[str, PoolMaker]] = {}
    # OpenAPI securitySchemes of the vendor's credentials (name -> Security Scheme
    # Object); a route with ``auth=True`` accepts any one of them.
    security_schemes: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    # What the journal hides (core.journal), declared beside the vendor's models.
    secrets: ClassVar[Secrets] = Secrets()

    # The dashboard's State view (core/live.py): users and live tokens, read from these tables.
    state_tables: ClassVar[StateTables] = StateTables()

    def __init__(self, ctx: VendorContext, fixture: BaseModel) -> None:
        self.ctx = ctx
        self.fixture = fixture

    # -- to implement -------------------------------------------------------
    def routes(self) -> list[Route]:
        raise NotImplementedError

    def seed(self) -> None:
        """Load the fixture into the (already cleared) store."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Ready-to-use credentials for /__admin/vendors and the banner:
        ``{"headers": {...}, "login": {...} or None}``."""
        raise NotImplementedError

    def schema_context(self) -> Mapping[str, Any]:
        """Facts of the running configuration that the request models' JSON Schema
        states (e.g. which organizations exist), read by their ``json_schema_extra``
        through ``core.openapi.schema_context()`` while a document is built: the
        same facts their validators get in the validation context."""
        return {}

    # -- provided -----------------------------------------------------------
    def render(self, error: VendorError) -> Reply:
        """The vendor's envelope for a catalog entry (its ``error_contract.render``)."""
        return self.error_contract.render(error)

    def error_schema_of(self, keys: Sequence[str]) -> Mapping[str, Any]:
        """The JSON Schema of what ``render`` writes for these catalog keys (the errors one route
        answers with one status, in the OpenAPI document): the contract's ``schema_of`` where a
        vendor has more than one envelope, else its one ``schema``."""
        contract = self.error_contract
        return contract.schema if contract.schema_of is None else contract.schema_of(keys)

    # The vendor's ``secrets`` as app.Runtime hands them to core.journal.
    @property
    def secret_fields(self) -> frozenset[str]:
        return self.secrets.fields

    @property
    def secret_headers(self) -> frozenset[str]:
        return self.secrets.headers

    @classmethod
    def default_fixture(cls) -> BaseModel:
        """The fixture when no fixture directory has ``<name>.yaml``: ``fixture_file``, else the model's defaults."""
        from .fixtures import load_model, validated

        if cls.fixture_file is not None:
            module_file = sys.modules[cls.__module__].__file__ or ""
            return load_model(Path(module_file).parent / cls.fixture_file, cls.fixture_model)

        def explain(exc: ValidationError) -> str:
            fields = ", ".join(".".join(map(str, error["loc"])) for error in exc.errors())
            return f"{cls.name}: no {cls.name}.yaml fixture, and {cls.fixture_model.__name__} has no default for {fields}"

        return validated(cls.fixture_model, {}, explain)

    def answer_failure(self, exc: Exception) -> Reply:
        """Any failure while serving, as this vendor answers it: the one error funnel.

        A ``VendorError`` is rendered as it is; a ``Problem`` (bad body, invalid
        fields, a taken unique key, an unknown scenario...) goes through the
        vendor's ``problems`` map first; anything else is a bug of ours, answered
        as the map's ``internal`` entry, never a traceback.  mockserver's own
        marker headers (``Problem.headers``) are added to what ``render`` made.
        """
        if isinstance(exc, VendorError):
            return self.render(exc)
        problem = exc if isinstance(exc, Problem) else InternalFault("internal error")
        reply = self.render(problem_to_error(problem, self.error_contract.problems))
        if problem.headers:
            reply = Reply(reply.status, reply.body, (*reply.headers, *problem.headers))
        return reply

    def create_user_route(self) -> Route:
        return next(r for r in self.routes() if r.operation == "create_user")
