"""The vendor registry: one line per emulated vendor.

Entries are import paths so that building an app for one vendor imports only
that vendor's package.  Everything else about a vendor (routes, catalog,
credentials, fixture, examples, fidelity notes, scenario names) its ``Vendor``
class declares; nothing outside its package and this line names it.

A vendor kept outside this tree registers with the same one line, as an entry
point of its own distribution in the group ``mockserver.vendors``::

    [project.entry-points."mockserver.vendors"]
    acme = "acme_mock:Acme"

Installed beside mockserver, it is served, listed and documented like the
vendors below (which win a name clash).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points

from ..core.errors import PROBLEM_KINDS
from ..core.vendor import ErrorContract, Vendor

REGISTRY: tuple[tuple[str, str], ...] = (
    ("vaultspay", "mockserver.vendors.vaultspay:VaultsPay"),
    ("payabli", "mockserver.vendors.payabli:Payabli"),
    ("sabi", "mockserver.vendors.sabi:Sabi"),
    ("pulse", "mockserver.vendors.pulse:Pulse"),
    ("etelecom", "mockserver.vendors.etelecom:ETelecom"),
)

ENTRY_POINT_GROUP = "mockserver.vendors"

# A vendor's name is its URL prefix: one lower-case path segment, never the admin API's.
_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_TARGET = re.compile(r"[\w.]+:\w+")

log = logging.getLogger("mockserver")


class RegistryError(ValueError):
    """A registered vendor that cannot be loaded (the message names it and why)."""


def with_plugins(builtin: Iterable[tuple[str, str]], found: Iterable[EntryPoint]) -> tuple[tuple[str, str], ...]:
    """``builtin`` plus the entry points that name a usable, new vendor (the rest skipped with a warning)."""
    lines = dict(builtin)
    for point in found:
        where = f"entry point {point.name} = {point.value!r} (group {ENTRY_POINT_GROUP})"
        if not _NAME.fullmatch(point.name):
            log.warning("ignoring %s: a vendor name is lower-case letters, digits, '-' and '_'", where)
        elif not _TARGET.fullmatch(point.value):
            log.warning("ignoring %s: the target must be 'module:Class'", where)
        elif point.name in lines:
            if lines[point.name] != point.value:  # the same line seen twice (one install on two paths) is no clash
                log.warning("ignoring %s: vendor %r is already registered as %r", where, point.name, lines[point.name])
        else:
            lines[point.name] = point.value
    return tuple(lines.items())


# Read once, at import: an entry-point scan costs ~10 ms, and the names are needed at start-up (CLI choices).
VENDORS: tuple[tuple[str, str], ...] = with_plugins(REGISTRY, entry_points(group=ENTRY_POINT_GROUP))
NAMES: tuple[str, ...] = tuple(name for name, _ in VENDORS)


def load(name: str) -> type[Vendor]:
    for key, target in VENDORS:
        if key == name:
            return _resolve(key, target)
    raise KeyError(f"unknown vendor {name!r}; known: {', '.join(NAMES)}")


def _resolve(name: str, target: str) -> type[Vendor]:
    module_name, _, attribute = target.partition(":")
    try:
        cls = getattr(import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise RegistryError(f"vendor {name!r} ({target}): cannot be loaded: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Vendor)):
        raise RegistryError(f"vendor {name!r} ({target}): not a Vendor subclass")
    if getattr(cls, "name", None) != name:  # the name is the URL prefix, the journal's and the scenarios' key: one spelling
        raise RegistryError(f"vendor {name!r} ({target}): the class is named {getattr(cls, 'name', None)!r}")
    contract = getattr(cls, "error_contract", None)
    if not isinstance(contract, ErrorContract):
        raise RegistryError(f"vendor {name!r} ({target}): error_contract is not an ErrorContract (declare one in its errors.py)")
    missing = [kind for kind in PROBLEM_KINDS if kind not in contract.problems]
    if missing:  # every failure must reach one of the vendor's own catalog entries
        raise RegistryError(f"vendor {name!r} ({target}): its problems map names no catalog entry for {', '.join(missing)}")
    checked: type[Vendor] = cls
    return checked
