"""Builds the one ASGI app that serves every vendor plus the admin API.

``Runtime`` owns a server's state (config, clock, store, vendors, journal, scenarios,
test sessions); ``MockServer`` is the app: it picks, by the first path segment, the admin
API, a vendor's ``core.serving.VendorApp`` (whose module docstring follows one request
through the pipeline) or a JSON 404, for ASGI requests and for the fast transport's direct
ones alike (``answer_directly``).
"""

from __future__ import annotations

import functools
import gc
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from pydantic import BaseModel

from . import vendors as registry
from .config import Config, default_fixtures_dir, default_scenarios_dir
from .core.admin import build_admin
from .core.asgi import Dispatch
from .core.clock import Clock
from .core.commits import AfterCommit, Batch, Commits, GroupCommit, Immediate, Pipelined
from .core.dashboard import root as dashboard_root
from .core.didyoumean import unknown_names
from .core.fixtures import FixtureError, load_model
from .core.guard import AdminGuard
from .core.journal import Journal
from .core.lint import Strictness
from .core.scenarios import Scenario, ScenarioEngine
from .core.seeding import Pools, Seeder
from .core.serving import ASGIApp, Receive, Scope, Send, VendorApp
from .core.store import MemoryStore, Store, open_store
from .core.vendor import SESSION, Vendor, VendorContext

log = logging.getLogger("mockserver")


class Runtime:
    """Everything one server instance owns: config, clock, store, vendors, journal, scenarios.

    What must outlive the process or be seen by every worker is the store's
    (``core.store``: tables, id sequences, draw and scenario counters, seeding
    claims, and the server-wide values ``clock``, ``scenario:<name>``,
    ``active``, ``generations``, ``session:<name>``); the runtime keeps
    in-process copies for the request path (the clock, the scenario library,
    live sessions) and reloads them when the store's version moves (``sync``:
    a shared store only; the memory store is this process, nothing to compare).
    """

    def __init__(self, config: Config, store: Store | None = None) -> None:
        self.config = config
        self.clock = Clock.from_spec(config.clock)
        self.store: Store = store if store is not None else open_store(config.store, max_rows=config.max_users)
        names = (config.vendor,) if config.vendor else (config.vendors or registry.NAMES)
        self.vendors: dict[str, Vendor] = {}
        self.mounts: dict[str, str] = {}
        for name in names:
            cls = registry.load(name)
            fixture = self._load_fixture(cls)
            ctx = VendorContext(
                store=self.store,
                clock=self.clock,
                seeder=Seeder(config.seed, cls.name, self.store),
                pools=Pools(config.seed, cls.name, cls.locale, cls.pools),
                vendor=cls.name,
            )
            self.vendors[cls.name] = cls(ctx, fixture)
            self.mounts[cls.name] = "" if config.vendor else f"/{cls.name}"
        self.journal = Journal(
            config.journal_size, config.journal_file, max_bytes=config.journal_bytes,
            secrets={name: (v.secret_fields, v.secret_headers) for name, v in self.vendors.items()},
        )
        self.journal.sink = self.store.journal_sink(config.journal_size)  # a shared journal, or None: this process's
        operations = {name: {r.operation for r in v.routes()} for name, v in self.vendors.items()}
        self.scenarios = ScenarioEngine(config.seed, self.vendors, operations, self.store)
        self.strictness = Strictness(config.strict)  # the contract lint's --strict, and per test session
        self._load_scenarios()
        self._files = dict(self.scenarios.library)  # the library from files: what a reload starts from
        self._defined: dict[str, tuple[Any, Scenario]] = {}  # store key -> (definition, parsed): parsed once
        # (vendor, session) known seeded: a cache of the store's claims, so a session's requests ask once.
        self._seeded: set[tuple[str, str]] = set()
        # Live test sessions, least recently used first -> monotonic time of last use.
        self._live: OrderedDict[str, float] = OrderedDict()
        self.monotonic: Callable[[], float] = time.monotonic  # tests inject a clock of their own
        self._shared = self.store.shared
        # core.serving.Services: the pipeline calls begin_request/end_request around each request when the store
        # has a transaction to commit or other writers to notice (the memory store has neither: no hook at all).
        self.request_hooks = self.store.transactional or self._shared
        # How requests commit (core.commits): a transactional store's transactions, and a pipelining store's
        # writes, shared by the requests of one turn of the loop; anything else one call at a time (memory).
        self.commits: Commits = (Pipelined(self.store) if self.store.pipelined
                                 else GroupCommit(self.store) if self.store.transactional else Immediate(self.store))
        self._version = -1
        self.closing = False  # set as the server shuts down: the dashboard's live streams end (server.py)
        self._start()

    def _load_fixture(self, cls: type[Vendor]) -> BaseModel:
        custom = self.config.fixtures
        path = (custom / f"{cls.name}.yaml") if custom else None
        if path is None or not path.is_file():
            if path is not None:
                log.info("no %s in %s: using the default %s fixture", path.name, custom, cls.name)
            path = default_fixtures_dir() / f"{cls.name}.yaml"
        if not path.is_file():
            return cls.default_fixture()  # the one in the vendor's package, or its model's defaults
        return load_model(path, cls.fixture_model)

    def _load_scenarios(self) -> None:
        # The shipped library, then the user's directory (same names override, said
        # in a warning).  Rules about a vendor this server does not mount are
        # skipped, not fatal: `--vendor NAME` must still start with the whole
        # library on disk; a vendor name no one knows is refused, as `validate` does.
        shipped, mine = default_scenarios_dir(), self.config.scenarios
        if shipped.is_dir():
            self.scenarios.load_dir(shipped, known_vendors=registry.NAMES)
        if mine is not None and mine.is_dir() and not (shipped.is_dir() and mine.resolve() == shipped.resolve()):
            for scenario in self.scenarios.load_dir(mine, known_vendors=registry.NAMES):
                log.warning("scenario %r from %s replaces the shipped one", scenario.name, scenario.source)
        missing = [n for n in self.config.active_scenarios if n not in self.scenarios.library]
        if missing:
            raise FixtureError(unknown_names("scenario", missing, self.scenarios.library, "`mockserver scenarios` lists them"))

    # ------------------------------------------------------------ the store
    def _start(self) -> None:
        """A fresh store gets what ``reset`` gives; one that holds a past run keeps it:
        only what was never seeded is seeded, and the clock, scenarios and sessions come back."""
        store = self.store
        with self.transaction():
            state = store.get_value("clock")
            if state is not None and state.get("spec") == self.config.clock:
                self.clock.load(state)
            else:  # a new store, or a --clock that differs from the last run's: the one asked for now
                self._save_clock()
            if store.get_value("active") is None:
                for name in self.config.active_scenarios:
                    self.scenarios.activate(name)
                self._save_scenarios()
            self._load_shared()
            token = SESSION.set("")
            try:
                for name, vendor in self.vendors.items():
                    self._seeded.add((name, ""))
                    if store.claim(vendor.ctx.namespace_of(""), "seeded"):
                        self._seed(vendor)
            finally:
                SESSION.reset(token)
        self._version = store.version()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The store's writes in the block committed together (a transactional store), or none of them."""
        commits = self.commits
        commits.begin()  # joins the turn's open transaction, if any: committed with it, before this returns
        try:
            yield
        except BaseException as exc:
            commits.rollback(exc)
            raise
        commits.commit()

    def begin_request(self) -> None:
        """Before a request: its transaction (or the turn's open one joined), and another worker's changes loaded."""
        if self.commits.begin() and self._shared:  # joined: loaded when the transaction began (nobody else writes)
            self.sync()

    def defer_request(self) -> Batch | None:
        """``begin_request`` for a request answered directly: its writes committed with the others of this
        turn of the loop, at its end (core.commits); None (nothing begun) without a running loop."""
        commits = self.commits
        began = commits.batch is None
        batch = commits.defer()
        if batch is not None and began and self._shared:
            self.sync()
        return batch

    def end_request(self) -> None:
        self.commits.commit()

    def abort_request(self, error: BaseException | None = None) -> None:
        self.commits.rollback(error or RuntimeError("request aborted"))

    def sync(self) -> None:
        """Loads what another worker changed (clock, scenarios, sessions, a reset) if the store's version moved."""
        if self._shared:
            version = self.store.version()
            if version != self._version:
                self._load_shared()
                self._version = version

    def _changed(self) -> None:
        """Tells every other worker sharing the store to reload (``sync``)."""
        if self._shared:
            self._version = self.store.bump_version()

    def _save_clock(self) -> None:
        self.store.set_value("clock", {**self.clock.state(), "spec": self.config.clock})

    def _save_scenarios(self) -> None:
        self.store.set_value("active", list(self.scenarios.active))
        self.store.set_value("generations", dict(self.scenarios.generations))

    def _load_shared(self) -> None:
        store = self.store
        state = store.get_value("clock")
        if state is not None:
            self.clock.load(state)
        library = dict(self._files)
        defined: dict[str, tuple[Any, Scenario]] = {}
        for key, definition in store.list_values("scenario:").items():
            known = self._defined.get(key)
            if known is not None and known[0] == definition:
                scenario = known[1]
            else:
                try:
                    scenario = self.scenarios.parse(definition["text"], definition["source"])
                except (FixtureError, KeyError, TypeError) as exc:  # e.g. a worker mounting other vendors
                    log.warning("scenario %s in the store is not valid here, skipped: %s", key[len("scenario:"):], exc)
                    continue
            defined[key] = (definition, scenario)
            library[scenario.name] = scenario
        self._defined = defined
        active = store.get_value("active") or []
        self.scenarios.restore(library, [n for n in active if n in library], store.get_value("generations") or {})
        if self._shared:
            sessions = store.list_values("session:")
            now, wall = self.monotonic(), time.time()
            ordered = sorted(sessions.items(), key=lambda item: item[1])
            self._live = OrderedDict((key[len("session:"):], now - max(wall - used, 0.0)) for key, used in ordered)
            self._seeded = {(name, "") for name in self.vendors}  # the default namespaces: seeded at start, in place after a reset

    # ------------------------------------------------------------ admin changes (every worker sees them)
    def clock_changed(self) -> None:
        with self.transaction():
            self._save_clock()
            self._changed()

    def scenario_defined(self, scenario: Scenario, text: bytes | str) -> None:
        """``scenario`` (from ``ScenarioEngine.parse`` of ``text``) added: kept in the store, with its counts restarted."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        definition = {"text": text, "source": scenario.source}
        with self.transaction():
            self.store.set_value("scenario:" + scenario.name, definition)
            self._defined["scenario:" + scenario.name] = (definition, scenario)
            self._save_scenarios()
            self._changed()

    def scenarios_changed(self) -> None:
        """Activation changed: kept in the store."""
        with self.transaction():
            self._save_scenarios()
            self._changed()

    # ------------------------------------------------------------ state
    def ensure_session(self, vendor: str, session: str) -> None:
        """A test session's request: mark it used and, on its first request to a
        vendor, give it its own copy of the fixtures (SESSION is already set).

        O(1) per request; sessions are swept here (only requests that carry one
        pay): those idle past ``session_idle_seconds`` are freed, and a new one
        beyond ``max_sessions`` first frees the least recently used.
        """
        now = self.monotonic()
        live = self._live
        idle = self.config.session_idle_seconds
        if idle > 0 and live and now - next(iter(live.values())) > idle:  # the least recently used first
            self._expire(now, idle)
        if session in live:
            live.move_to_end(session)
        elif live and len(live) >= self.config.max_sessions:
            evicted = next(iter(live))
            log.info("test session %r freed: %d live sessions is the cap (--max-sessions), it was the least recently used", evicted, len(live))
            self._free(evicted)
        live[session] = now
        if self._shared:  # the last use where every worker (and the next run) sees it
            self.store.set_value("session:" + session, time.time())
        if (vendor, session) not in self._seeded:
            self._seeded.add((vendor, session))
            # Claimed in the request's transaction: on a shared store, a worker that loses waits
            # for the winner's commit, its seed with it, and never seeds the session twice.
            if self.store.claim(self.vendors[vendor].ctx.namespace_of(session), "seeded"):
                self._seed(self.vendors[vendor])

    def _seed(self, vendor: Vendor) -> None:
        vendor.seed()
        if isinstance(self.store, MemoryStore):  # --max-users never evicts a fixture's rows (its credentials)
            self.store.pin(vendor.ctx.namespace)

    def _expire(self, now: float, idle: float) -> None:
        live = self._live
        stale = []
        for session, used in live.items():
            if now - used <= idle:
                break
            stale.append(session)
        for session in stale:
            self._free(session)
        log.info("freed %d test session(s) idle for over %gs", len(stale), idle)

    def _free(self, session: str) -> None:
        """Everything a test session holds, gone; its next request starts afresh."""
        self._live.pop(session, None)
        for name, vendor in self.vendors.items():
            vendor.ctx.forget(session)
            self._seeded.discard((name, session))
        self.scenarios.reset(session)
        self.strictness.forget(session)
        if self._shared:
            self.store.set_value("session:" + session, None)
            self._changed()

    def reset(self, session: str | None = None) -> None:
        """Restore fixtures and forget everything requests created (for one session, or all).

        A session's state is freed, not emptied: its next request seeds it again.
        """
        if session:
            with self.transaction():
                self._free(session)
            self.journal.clear(session)
            return
        with self.transaction():
            self._reset_all()

    def _reset_all(self) -> None:
        # The clock is deliberately left alone: it is server-wide, and a test that
        # set it resets it with POST /__admin/clock {"reset": true}.
        sessions = list(self._live)
        self._live = OrderedDict()  # new containers: the grown hash tables go too
        for vendor in self.vendors.values():
            vendor.ctx.forget_all()
        self.store.clear()  # what is left: the default namespaces, in place (vendors may keep their handles)
        for key in self.store.list_values("session:"):
            self.store.set_value(key, None)
        self.scenarios.reset()
        for name in self.config.active_scenarios:
            self.scenarios.activate(name)
        self._save_scenarios()
        self.journal.clear()
        self._seeded = set()
        if len(sessions) >= _RELEASE_AFTER:
            # Before seeding again: new records would otherwise settle in (and keep)
            # arenas that the freed sessions are about to give back.
            release_memory()
        token = SESSION.set("")
        try:
            for name, vendor in self.vendors.items():
                vendor.ctx.seeder.reset()
                self.store.claim(vendor.ctx.namespace_of(""), "seeded")
                self._seed(vendor)
                self._seeded.add((name, ""))
        finally:
            SESSION.reset(token)
        self._changed()

    # ------------------------------------------------------------ views
    def base_url(self, origin: str, name: str) -> str:
        return origin + self.mounts[name] + self.vendors[name].base_path

    def describe(self, origin: str) -> dict[str, Any]:
        """Base URLs and ready-to-send credentials for every vendor."""
        out: dict[str, Any] = {}
        for name, vendor in self.vendors.items():
            mount = origin + self.mounts[name]
            info = vendor.describe()
            route = vendor.create_user_route()
            entry: dict[str, Any] = {
                "title": vendor.title,
                "base_url": self.base_url(origin, name),
                "create_user": f"{route.method} {mount}{route.path}",
                "headers": info["headers"],
                "login": info.get("login"),
            }
            if info.get("login_route"):
                entry["login_route"] = f"POST {mount}{info['login_route']}"
            out[name] = entry
        return out


class MockServer(Dispatch):
    """Top-level ASGI app: /__admin, then vendor prefixes, then a JSON 404 (a vendor's request is served by
    ``core.asgi.Dispatch``, the pipeline's ASGI adapter)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        config = runtime.config
        # Every /__admin request passes the guard (Host, cross-origin, token); vendor routes stay open.
        self.admin = AdminGuard(build_admin(runtime), config.host, config.allowed_hosts, config.admin_token)
        apps = [(mount, VendorApp(runtime.vendors[name], mount, runtime.config.max_body, runtime)) for name, mount in runtime.mounts.items()]
        # Every mount is one path segment ("/<name>") or the root (--vendor), and the admin API
        # is "/__admin" (no vendor name starts with "_"): dispatch is one dict hit on the first segment.
        self._by_segment: dict[str, VendorApp | ASGIApp] = {mount[1:]: app for mount, app in apps if mount}
        self._by_segment["__admin"] = self._synced_admin if runtime.request_hooks else self.admin
        self._root = next((app for mount, app in apps if not mount), None)

    async def _synced_admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The admin API on a shared store: another worker's clock, scenarios or reset loaded first."""
        self.runtime.sync()
        await self.admin(scope, receive, send)

    def _target(self, path: str) -> VendorApp | ASGIApp:
        """The app serving ``path``: the admin API, a vendor, or the JSON 404.  The one place the
        first path segment is split, for ASGI requests and the fast transport's direct ones alike."""
        end = path.find("/", 1)
        return self._by_segment.get(path[1:end] if end > 0 else path[1:]) or self._root or self._not_found

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            # No vendor here speaks WebSocket: refuse it before accepting, as Starlette does a
            # WebSocket to no route, and uvicorn answers the handshake 403 (returning without a
            # word would be its 500 and an ERROR line).
            await send({"type": "websocket.close", "code": 1000})
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.runtime.journal.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    def answer_directly(
        self, method: str, path: str, raw_query: bytes, headers: list[tuple[bytes, bytes]], body: bytes,
    ) -> tuple[bytes, bytes] | AfterCommit | ASGIApp:
        """``core.serving.DIRECT_METHOD``: a vendor's request through its pipeline; for the admin API or
        the 404, that app, which the server then runs the ASGI way (the path is not split again)."""
        target = self._target(path)
        if isinstance(target, VendorApp):
            return target.answer_directly(method, path, raw_query, headers, body)
        return target

    async def _not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            await dashboard_root(self.runtime, scope, send)  # where the dashboard is
            return
        body = orjson.dumps(
            {
                "error": "not_found",
                "message": f"No emulated vendor serves {scope['path']}; vendor base paths are listed in 'vendors'.",
                "vendors": {name: mount or "/" for name, mount in self.runtime.mounts.items()},
            }
        )
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 404, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def build_app(config: Config | None = None) -> MockServer:
    """The ASGI app for ``config`` (defaults: all vendors, seed 0, embedded fixtures)."""
    return MockServer(Runtime(config or Config()))


# A full reset that frees at least this many sessions gives the memory back
# (release_memory).  Fewer free a few MB at most, which the next test reuses
# anyway, while malloc_trim alone can take ~35 ms in a large, fragmented test
# process: a per-test reset pays nothing for it.
_RELEASE_AFTER = 100


def release_memory() -> None:
    """Hand memory freed by a reset back to the system (a few ms in ``serve``).

    CPython keeps an arena (1 MiB) while any block in it lives, so a few
    survivors scattered through the memory of thousands of freed sessions keep
    it all.  The survivors found were (1) attribute names that C code builds
    afresh for each call (``datetime`` asks its tzinfo for ``"utcoffset"`` that
    way), which the interpreter's type lookup cache keeps until their slot is
    reused, up to 4,096 of them from any moment of the server's life: clearing
    that cache (public C API) frees them; and (2) cyclic garbage the tuned
    collector (``tune_gc``) has not reached yet: a full collection, cheap in
    ``serve`` whose start-up heap is frozen.  ``malloc_trim`` then returns the
    C heap's free pages (glibc keeps them otherwise; elsewhere that step is
    skipped).
    """
    gc.collect()
    clear_type_cache, trim = _c_functions()
    if clear_type_cache is not None:
        clear_type_cache()
    if trim is not None:
        trim(0)


@functools.cache
def _c_functions() -> tuple[Callable[[], int] | None, Callable[[int], int] | None]:
    """``PyType_ClearCache`` (public C API) and the C library's ``malloc_trim``,
    where present; looked up on first use, so a start pays nothing for them."""
    try:
        import ctypes
    except ImportError:
        return None, None
    clear = getattr(getattr(ctypes, "pythonapi", None), "PyType_ClearCache", None)
    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the process's own symbols: glibc's when linked
    except OSError:
        trim = None
    return clear, trim


def tune_gc() -> None:
    """Keep CPython's cyclic collector off the request path of a long-running server.

    Start-up objects (faker's tables, models, modules) are moved out of the
    collector's sight with ``gc.freeze``: no collection walks them again.
    What requests leave behind is not tracked either: stored records
    (``core.store``) and journal rows hold only objects the collector does
    not track once a young collection has looked at them, and a request
    makes no reference cycle (tests/core/test_gc_pressure.py), so each young
    collection walks the few hundred tuples of the last few hundred requests
    and the default thresholds keep every pause under ~2 ms.  (Raised to
    50,000 objects, as they were while stored users were tracked graphs,
    each young collection walked 50,000 of them: 10-30 ms.)
    """
    _c_functions()  # now, while the heap is compact: imported during a reset, ctypes' objects would settle in (and keep) freed arenas
    gc.collect()
    gc.freeze()
