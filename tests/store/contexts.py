"""A vendor-neutral ``VendorContext`` over a store, for the tests of its store steps (one seed, one vendor "v")."""

from __future__ import annotations

from mockserver.core.clock import Clock
from mockserver.core.seeding import Pools, Seeder
from mockserver.core.store import Store
from mockserver.core.vendor import VendorContext


def vendor_context(store: Store) -> VendorContext:
    return VendorContext(store=store, clock=Clock.from_spec(None), seeder=Seeder(1, "v", store), pools=Pools(1, "v", "en", {}),
                         vendor="v")
