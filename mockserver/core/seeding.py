"""Deterministic randomness: per-request draws and start-up faker pools.

Faker is realistic but slow on the request path (70-190 µs for a weighted
pick), so each vendor's values are generated once at start-up into pools,
from a faker seeded by (global seed, vendor, pool).  A request then takes a
``Draw`` seeded by (global seed, vendor, operation, per-operation counter) and
indexes the pools with it: realistic, about a microsecond, and independent of
what other vendors are doing.  Pools are kept on disk between starts
(``poolcache``), so a start with the same code and seed need not import faker.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from . import poolcache
from .store import MemoryStore, Store

T = TypeVar("T")

_MASK = (1 << 64) - 1
_TEN19 = 10**19


def salt(text: str) -> int:
    """A stable (not per-process randomised like ``hash``) 32-bit salt."""
    return zlib.crc32(text.encode())


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _fold(state: int, keys: tuple[int, ...]) -> int:
    for key in keys:
        state = _mix((state ^ (key & _MASK)) + 0x9E3779B97F4A7C15)
    return state


class Draw:
    """A tiny splitmix64 stream: cheap to create, reproducible from its keys."""

    __slots__ = ("_state",)

    def __init__(self, *keys: int) -> None:
        self._state = _fold(0x9E3779B97F4A7C15, keys)

    @classmethod
    def from_state(cls, state: int, key: int) -> Draw:
        draw = cls.__new__(cls)
        # _mix inlined (one per request); equal to _mix((state ^ key) + GOLDEN).
        z = (state ^ (key & _MASK)) + 0x9E3779B97F4A7C15  # not masked first, like _mix's argument
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        draw._state = z ^ (z >> 31)
        return draw

    def next(self) -> int:
        # _mix inlined: this runs several times per request.
        z = self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n

    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.next() % len(seq)]

    def hex(self, length: int) -> str:
        # 16 hex digits per 64-bit word, formatted in C rather than digit by digit; one or two words as
        # bytes.hex() of the words' bytes (a third of a format field's time, and the same digits).
        if length <= 16:
            return self.next().to_bytes(8, "big").hex()[:length]
        if length <= 32:  # the common case (uuid-like ids): no list, no join; the first word drawn first
            return (self.next() << 64 | self.next()).to_bytes(16, "big").hex()[:length]
        words = (length + 15) // 16
        return "".join([f"{self.next():016x}" for _ in range(words)])[:length]

    def digits(self, length: int, first_nonzero: bool = False) -> str:
        # 19 decimal digits per word (10**19 < 2**64).
        words = (length + 18) // 19
        out = "".join([f"{self.next() % _TEN19:019d}" for _ in range(words)])[:length]
        if first_nonzero and out[0] == "0":
            out = chr(49 + self.below(9)) + out[1:]
        return out

    def chance(self, probability: float) -> bool:
        return self.next() < probability * (1 << 64)


PoolMaker = Callable[[Any], object]  # called with a Faker: its providers are dynamic attributes

# The pools most vendors want, in their own faker locale: `pools = {**NAME_POOLS, ...}`.
NAME_POOLS: dict[str, PoolMaker] = {
    "first_name": lambda f: f.first_name(),
    "last_name": lambda f: f.last_name(),
}


# The faker providers pool makers may call (besides the helpers every provider has:
# numerify, random_element, ...).  Loading only these instead of all ~25 saves
# start-up time (faker scans each provider's locale modules); a maker that needs
# another provider fails at start-up, in every test, until it is added here.
FAKER_PROVIDERS = ("person", "internet")


class Pools:
    """Faker-made value pools for one vendor, generated once per seed."""

    SIZE = 256

    def __init__(self, seed: int, vendor: str, locale: str, makers: Mapping[str, PoolMaker]) -> None:
        pools = poolcache.load(seed, vendor, locale, makers, self.SIZE)
        if pools is None:
            pools = self._made(seed, vendor, locale, makers)
            poolcache.store(seed, vendor, locale, self.SIZE, pools)
        self._pools: dict[str, tuple[object, ...]] = pools

    @classmethod
    def _made(cls, seed: int, vendor: str, locale: str, makers: Mapping[str, PoolMaker]) -> dict[str, tuple[object, ...]]:
        from faker import Faker  # imported here: only a start without kept pools pays for it

        pools = {}
        fake = Faker(locale, providers=[f"faker.providers.{name}" for name in FAKER_PROVIDERS])
        for name, make in makers.items():
            fake.seed_instance(_mix(seed ^ salt(f"{vendor}/{name}")))
            pools[name] = tuple(make(fake) for _ in range(cls.SIZE))
        return pools

    def __getitem__(self, name: str) -> tuple[object, ...]:
        return self._pools[name]

    def pick(self, draw: Draw, name: str) -> object:
        return draw.pick(self._pools[name])


class Seeder:
    """Hands out per-request draws: (seed, vendor, operation, n-th call).

    The n is a counter of the store (``draw:<operation>`` in the vendor's
    namespace of the test session), so it survives a restart on a persistent
    store, is shared by every worker of a shared one, and goes with the
    session's namespace (``forget``) or a full ``clear``.
    """

    __slots__ = ("_incr", "_names", "_prefix", "_spaces", "_vendor_salt", "seed", "vendor")

    def __init__(self, seed: int, vendor: str, store: Store | None = None) -> None:
        self.seed = seed
        self.vendor = vendor
        self._vendor_salt = salt(vendor)
        store = store if store is not None else MemoryStore()
        self._incr = store.incr
        # The memory store's counters, counted here in place (what its incr does, without the call: a draw is on
        # nearly every request); None for any other store, whose incr is the atomic step.
        self._spaces = store.counter_spaces if isinstance(store, MemoryStore) else None
        # operation -> (its counter's name, (seed, vendor, operation) mixed once): a draw mixes only its counter.
        self._prefix: dict[str, tuple[str, int]] = {}
        self._names: dict[str, str] = {}  # scope -> the vendor's namespace for it

    def draw(self, operation: str, scope: str = "") -> Draw:
        # Counted per session, but not salted by the session's name: a test
        # worker's n-th call gets the same values as a lone run's n-th call.
        known = self._prefix.get(operation)
        if known is None:
            known = self._known(operation)
        if scope:
            namespace = self._names.get(scope)
            if namespace is None:
                namespace = self._names[scope] = f"{self.vendor}@{scope}"
        else:
            namespace = self.vendor
        spaces = self._spaces
        if spaces is None:
            return Draw.from_state(known[1], self._incr(namespace, known[0]) - 1)
        counters = spaces.get(namespace)
        if counters is None:
            counters = spaces[namespace] = {}
        name = known[0]
        n = counters.get(name, 0)
        counters[name] = n + 1
        return Draw.from_state(known[1], n)

    def _known(self, operation: str) -> tuple[str, int]:
        known = self._prefix[operation] = ("draw:" + operation, _fold(0x9E3779B97F4A7C15, (self.seed, self._vendor_salt, salt(operation))))
        return known

    def counter(self, operation: str) -> str:
        """The name of ``operation``'s draw counter (in the namespace ``draw`` counts it in)."""
        return "draw:" + operation

    def state(self, operation: str) -> int:
        """What ``draw(operation)`` mixes its counter's value into ((seed, vendor, operation) mixed): for a store that
        makes the draw itself (core.redis_scripts.DRAW); ``Draw.from_state(state, n - 1)`` is the n-th draw."""
        return (self._prefix.get(operation) or self._known(operation))[1]

    def drawn(self, operation: str, count: int) -> Draw:
        """The draw ``draw(operation)`` gives when its counter moves to ``count``: for a store that moved it
        itself (``VendorContext.next_id_and_draw_if_free``)."""
        return Draw.from_state(self.state(operation), count - 1)

    def reset(self, scope: str | None = None) -> None:
        """Forget cached names (of one scope, a test session, or all); the counters themselves go with
        the store's namespace (``VendorContext.forget`` drops it, a full reset clears the store)."""
        if scope is None:
            self._names.clear()
        else:
            self._names.pop(scope, None)

    def scopes(self) -> list[str]:
        """Scopes with a cached namespace (for tests and diagnostics)."""
        return list(self._names)
