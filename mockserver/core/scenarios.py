"""Scripted scenarios: rules that make a vendor fail the way it fails.

A scenario is a named list of rules; a rule matches calls (vendor, operation
or method+path, body and header conditions) and decides which of them it
answers (nth / after / every / times / probability) with a catalog error, an
explicit response or ``pass``, optionally after a delay or with a socket
fault.  Counters live per test session (``X-Mock-Session``), so parallel
workers never see each other's counts.

The counters are the store's (``SCENARIO_NAMESPACE@<session>``: one atomic
``incr`` per decision, so workers sharing a store count together), named
``<scenario>#<generation>#<rule>:seen|fired``.  A scenario's generation moves
on when it is (re)activated or redefined, which starts its counts over in
every session at once without finding them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

from .didyoumean import unknown_names
from .errors import Problem, VendorError
from .fixtures import FixtureError, YamlSource, load_yaml, parse_yaml, validate_file
from .journal import subset
from .scenario_models import MAX_DELAY_MS, Delay, Match, Rule, ScenarioFile, SlowBody, Uniform
from .seeding import Draw, salt
from .store import SCENARIO_NAMESPACE, MemoryStore, Store
from .vendor import Call, ErrorContract, Reply


class VendorView(Protocol):
    """What the engine needs of a vendor (the core never names one)."""

    @property
    def error_contract(self) -> ErrorContract: ...

    def render(self, error: VendorError) -> Reply: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    label: str  # "<scenario>#<rule index>", recorded in the journal
    reply: Reply | None  # None: let the real behaviour answer
    delay: float  # seconds
    fault: str | None = None
    fault_params: Mapping[str, Any] = field(default_factory=dict)


# The README promises YAML or JSON; JSON is YAML, so one parser reads both.
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


def scenario_files(directory: Path) -> list[Path]:
    """The scenario documents in ``directory`` in name order (dotfiles, e.g. editors' lock files, left out)."""
    try:
        return sorted(
            p for p in directory.iterdir() if p.suffix.lower() in SCENARIO_SUFFIXES and not p.name.startswith(".") and p.is_file()
        )
    except OSError as exc:
        raise FixtureError(f"{directory}: cannot list: {exc.strerror}") from None


@dataclass(slots=True)
class Scenario:
    name: str
    description: str
    rules: list[Rule]
    source: str
    replaces: str | None = None  # source of the scenario of the same name this one replaced


class ScenarioError(Problem):
    """A request header named a scenario or error that does not exist.

    Answered in the vendor's own envelope (its ``scenario`` problem entry, a 400)
    so a client SDK parses it like any error and shows the message, which names
    what exists; ``x-mock-problem: scenario`` tells the test author it is the
    mock's use that is wrong, not the emulated API's answer.
    """

    kind = "scenario"
    shown = True
    headers = (("x-mock-problem", "scenario"),)


class ScenarioEngine:
    def __init__(
        self, seed: int, vendors: Mapping[str, VendorView], operations: Mapping[str, set[str]], store: Store | None = None,
    ) -> None:
        self.seed = seed
        self.vendors = vendors
        self.operations = operations
        self.store: Store = store if store is not None else MemoryStore()
        self.library: dict[str, Scenario] = {}
        self.active: list[str] = []
        # scenario -> generation: part of its counters' names (see the module docstring).
        self.generations: dict[str, int] = {}
        self._active_vendors: frozenset[str] = frozenset()

    # ----------------------------------------------------------- loading
    def load_dir(self, directory: Path, known_vendors: Sequence[str] | None = None) -> list[Scenario]:
        """Every scenario document in ``directory``; returns those that replaced one of the same name.

        With ``known_vendors`` (every vendor there is), rules about a known
        vendor this server does not mount are skipped and a scenario left
        without rules is not loaded (unless it replaces one: the override
        holds, as a no-op); any other vendor name is refused.  Two
        files of one name are refused: which one wins would be an accident.
        Nothing is loaded unless every file is valid.
        """
        found: dict[str, Scenario] = {}
        for path in scenario_files(directory):
            scenario = self.read(path, known_vendors)
            other = found.get(scenario.name)
            if other is not None:
                raise FixtureError(f"{path}: scenario {scenario.name!r} is also defined in {other.source}; names must be unique")
            found[scenario.name] = scenario
        replaced = []
        for scenario in found.values():
            if scenario.rules or scenario.name in self.library:
                self._add(scenario)
                if scenario.replaces is not None:
                    replaced.append(scenario)
        return replaced

    def read(self, path: Path, known_vendors: Sequence[str] | None = None) -> Scenario:
        """The scenario in ``path``, checked but not added (see ``load_dir`` for ``known_vendors``)."""
        data, node = load_yaml(path)
        return self._validated(str(path), data, node, known_vendors)

    def define(self, text: bytes | str, source: str = "POST /__admin/scenarios") -> Scenario:
        """A scenario from a YAML or JSON document (JSON is YAML); ``replaces`` says if it replaced one."""
        return self.add(self.parse(text, source))

    def parse(self, text: bytes | str, source: str = "POST /__admin/scenarios") -> Scenario:
        """``define`` without adding: changes nothing, so it may run off the event loop (a big document takes a while)."""
        data, node = parse_yaml(text, source, "YAML/JSON")
        return self._validated(source, data, node)

    def add(self, scenario: Scenario) -> Scenario:
        """Adds a scenario from ``parse``, replacing one of the same name."""
        self._add(scenario)
        return scenario

    def _validated(self, source: str, data: Any, node: YamlSource | None, known_vendors: Sequence[str] | None = None) -> Scenario:
        parsed = validate_file(Path(source), data, node, ScenarioFile)
        known = list(self.vendors) if known_vendors is None else list(known_vendors)
        problems: list[str] = []
        rules = []
        for i, rule in enumerate(parsed.rules):
            if rule.match.vendor not in self.vendors and rule.match.vendor in known:
                continue  # a vendor this server does not mount (serve --vendor X)
            problems += self._check_rule(rule, source, node, ("rules", i, "match"), known)
            rules.append(rule)
        if problems:
            raise FixtureError("\n".join(problems))
        return Scenario(parsed.name, parsed.description, rules, source)

    def _check_rule(self, rule: Rule, source: str, node: YamlSource | None, where: tuple[int | str, ...], known: Sequence[str]) -> list[str]:
        def at(*loc: int | str) -> str:
            line = node.line(loc) if node is not None else ""
            return f"{source}{line}: {'.'.join(str(p) for p in loc)}"

        match = rule.match
        if match.vendor not in self.vendors:
            return [f"{at(*where, 'vendor')}: unknown vendor {match.vendor!r}; known: {', '.join(known)}"]
        out = []
        if match.reset_on is not None and match.reset_on.vendor not in (None, match.vendor):
            # decide() only sees calls to the rule's own vendor: such a reset could never happen.
            out.append(f"{at(*where, 'reset_on', 'vendor')}: must be the rule's vendor {match.vendor!r} (or left out)")
        ops = self.operations[match.vendor]
        for key, op in (("operation", match.operation), ("reset_on", match.reset_on.operation if match.reset_on else None)):
            if op is not None and op not in ops:
                loc = (*where, key) if key == "operation" else (*where, "reset_on", "operation")
                out.append(f"{at(*loc)}: unknown operation {op!r} for {match.vendor}; known: {', '.join(sorted(ops))}")
        if rule.respond.error is not None:
            name = str(rule.respond.error)
            catalog = self.vendors[match.vendor].error_contract.catalog
            if name not in catalog:
                loc = (*where[:-1], "respond", "error")
                out.append(f"{at(*loc)}: unknown error {name!r} for {match.vendor}; known: {', '.join(catalog)}")
        return out

    def _add(self, scenario: Scenario) -> None:
        previous = self.library.get(scenario.name)
        scenario.replaces = previous.source if previous is not None else None
        self.library[scenario.name] = scenario
        self._forget(scenario.name)
        self._reindex()

    # -------------------------------------------------------- activation
    def activate(self, name: str) -> None:
        if name not in self.library:
            raise KeyError(name)
        self._forget(name)  # a fresh activation starts its counts over
        if name not in self.active:
            self.active.append(name)
        self._reindex()

    def deactivate(self, name: str) -> None:
        if name not in self.library:
            raise KeyError(name)
        if name in self.active:
            self.active.remove(name)
        self._reindex()

    def reset(self, session: str | None = None) -> None:
        """Forget counters (of one session); deactivate everything when resetting all."""
        if session is None:
            prefix = SCENARIO_NAMESPACE + "@"
            for namespace in self.store.namespaces():
                if namespace.startswith(prefix):
                    self.store.drop(namespace)
            self.active.clear()
            self._reindex()
        else:
            self.store.drop(f"{SCENARIO_NAMESPACE}@{session}")

    def sessions(self) -> list[str]:
        """Sessions holding counters (for tests and diagnostics)."""
        prefix = SCENARIO_NAMESPACE + "@"
        return [ns[len(prefix):] for ns in self.store.namespaces() if ns.startswith(prefix)]

    def _forget(self, name: str) -> None:
        self.generations[name] = self.generations.get(name, 0) + 1

    def _reindex(self) -> None:
        self._active_vendors = frozenset(r.match.vendor for n in self.active for r in self.library[n].rules)

    def restore(self, library: dict[str, Scenario], active: list[str], generations: Mapping[str, int]) -> None:
        """Takes the library, activation and generations as the store keeps them (a restart, another worker's change)."""
        self.library = library
        self.active = list(active)
        self.generations = dict(generations)
        self._reindex()

    def has_active(self, vendor: str) -> bool:
        return vendor in self._active_vendors

    # ---------------------------------------------------------- deciding
    def forced_error(self, vendor: str, name: str, session: str) -> Outcome:
        """``X-Mock-Error: NAME``: a one-off catalog error for this call."""
        view = self.vendors[vendor]
        catalog = view.error_contract.catalog
        if name not in catalog:
            raise ScenarioError(f"unknown error {name!r} in X-Mock-Error for {vendor}; known: {', '.join(catalog)}")
        return Outcome(f"X-Mock-Error:{name}", view.render(VendorError(name)), 0.0)

    def decide(self, vendor: str, operation: str, call: Call, session: str, requested: str | None = None) -> Outcome | None:
        names = list(self.active)
        if requested:
            if requested not in self.library:
                raise ScenarioError(unknown_names("scenario", [requested], self.library, "GET /__admin/scenarios lists them", "X-Mock-Scenario"))
            names = [requested] + [n for n in names if n != requested]
        body: list[Any] = []  # decoded lazily, once
        store, namespace = self.store, f"{SCENARIO_NAMESPACE}@{session}"
        for name in names:
            generation = self.generations.get(name, 0)
            for index, rule in enumerate(self.library[name].rules):
                match = rule.match
                if match.vendor != vendor:
                    continue
                counted = f"{name}#{generation}#{index}"
                reset = match.reset_on
                if reset and reset.operation == operation and (reset.vendor or vendor) == vendor:
                    store.set_counter(namespace, counted + ":seen", 0)
                    store.set_counter(namespace, counted + ":fired", 0)
                if not _conditions(match, operation, call, body):
                    continue
                seen = store.incr(namespace, counted + ":seen")  # one atomic step: no two calls see the same count
                fired = store.counter(namespace, counted + ":fired")
                if not _fires(match, seen, fired, self._draw(session, name, index, seen)):
                    continue
                if store.incr(namespace, counted + ":fired") > (match.times if match.times is not None else _UNLIMITED):
                    # Another worker fired the last of ``times`` between our read and our increment: give it back.
                    store.incr(namespace, counted + ":fired", -1)
                    continue
                return self._outcome(vendor, name, index, rule, session, seen)
        return None

    def _draw(self, session: str, name: str, index: int, seen: int) -> Draw:
        return Draw(self.seed, salt(session), salt(name), index, seen)

    def _outcome(self, vendor: str, name: str, index: int, rule: Rule, session: str, seen: int) -> Outcome:
        respond = rule.respond
        reply: Reply | None = None
        if respond.error is not None:
            reply = self.vendors[vendor].render(VendorError(str(respond.error)))
        elif respond.status is not None:
            reply = Reply(respond.status, respond.body, tuple((respond.headers or {}).items()))
        delay = _delay_seconds(rule.delay, self._draw(session, name, index, -seen))
        fault, params = None, {}
        if isinstance(rule.fault, SlowBody):
            fault, params = "slow_body", rule.fault.slow_body.model_dump()
        elif rule.fault is not None:
            fault = rule.fault
            params = {"chunk": 16, "interval_ms": 100} if fault == "slow_body" else {}
        return Outcome(f"{name}#{index}", reply, delay, fault, params)

    # ------------------------------------------------------------ admin
    def describe(self, session: str = "") -> list[dict[str, Any]]:
        out = []
        store, namespace = self.store, f"{SCENARIO_NAMESPACE}@{session}"
        for name, scenario in sorted(self.library.items()):
            rules = []
            generation = self.generations.get(name, 0)
            for index, rule in enumerate(scenario.rules):
                counted = f"{name}#{generation}#{index}"
                seen, fired = store.counter(namespace, counted + ":seen"), store.counter(namespace, counted + ":fired")
                times = rule.match.times
                rules.append({
                    **rule.model_dump(mode="json", by_alias=True, exclude_none=True),
                    "seen": seen,
                    "fired": fired,
                    "remaining": None if times is None else max(times - fired, 0),
                })
            out.append({"name": name, "description": scenario.description, "active": name in self.active, "source": scenario.source, "rules": rules})
        return out


_UNLIMITED = 1 << 62  # a rule without ``times``: no count of firings is ever too many


def _fires(match: Match, seen: int, fired: int, draw: Draw) -> bool:
    if match.times is not None and fired >= match.times:
        return False
    if match.nth is not None and seen != match.nth:
        return False
    if match.after is not None and seen <= match.after:
        return False
    if match.every is not None and seen % match.every:
        return False
    if match.probability is not None and not draw.chance(match.probability):
        return False
    return True


def _conditions(match: Match, operation: str, call: Call, body: list[Any]) -> bool:
    if match.operation is not None and match.operation != operation:
        return False
    if match.method is not None and match.method != call.method:
        return False
    if match.path is not None and not re.fullmatch(match.path, call.path):
        return False
    if match.headers:
        for name, wanted in match.headers.items():
            value = call.headers.get(name.lower())
            if (wanted is True and value is None) or (wanted is False and value is not None):
                return False
            if isinstance(wanted, str) and value != wanted:
                return False
    if match.body is not None or match.body_matches is not None:
        if not body:
            try:
                body.append(orjson.loads(call.body))
            except orjson.JSONDecodeError:
                body.append(None)
        data = body[0]
        if match.body is not None and not subset(match.body, data):
            return False
        for dotted, pattern in (match.body_matches or {}).items():
            found = _dig(data, dotted)
            if found is None or not re.search(pattern, str(found)):
                return False
    return True


def _dig(data: object, dotted: str) -> object:
    for part in dotted.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _delay_seconds(delay: Delay | None, draw: Draw) -> float:
    if delay is None:
        return 0.0
    if isinstance(delay, (int, float)):
        return max(float(delay), 0.0) / 1000
    unit = (draw.next() >> 11) / float(1 << 53)  # uniform in [0, 1)
    if isinstance(delay, Uniform):
        low, high = delay.uniform
        return max(low + (high - low) * unit, 0.0) / 1000
    # A Lognormal, the one kind left (Delay is validated).  Box-Muller from two seeded uniforms: reproducible for a seed.
    other = (draw.next() >> 11) / float(1 << 53)
    normal = math.sqrt(-2.0 * math.log(1.0 - unit)) * math.cos(2 * math.pi * other)
    # Bounded like the other kinds: a wide sigma's tail would otherwise hold a call for days.
    return min(delay.lognormal.median * math.exp(delay.lognormal.sigma * normal), MAX_DELAY_MS) / 1000
