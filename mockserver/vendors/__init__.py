"""The vendor registry: one line per emulated vendor.

Entries are import paths so that building an app for one vendor imports only
that vendor's package.
"""

from __future__ import annotations

from importlib import import_module

from ..core.vendor import Vendor

REGISTRY: tuple[tuple[str, str], ...] = (
    ("vaultspay", "mockserver.vendors.vaultspay:VaultsPay"),
    ("payabli", "mockserver.vendors.payabli:Payabli"),
    ("sabi", "mockserver.vendors.sabi:Sabi"),
    ("pulse", "mockserver.vendors.pulse:Pulse"),
    ("etelecom", "mockserver.vendors.etelecom:ETelecom"),
)

NAMES: tuple[str, ...] = tuple(name for name, _ in REGISTRY)


def load(name: str) -> type[Vendor]:
    for key, target in REGISTRY:
        if key == name:
            module, _, attr = target.partition(":")
            cls: type[Vendor] = getattr(import_module(module), attr)
            return cls
    raise KeyError(f"unknown vendor {name!r}; known: {', '.join(NAMES)}")
