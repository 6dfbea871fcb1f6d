"""mockserver: an offline sandbox emulating five vendors' create-user APIs."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = ["Config", "MockServerHandle", "RunningServer", "Transport", "__version__", "build_app", "running", "transport"]

# Resolved on first use (PEP 562) so `mockserver serve` does not import httpx and
# the test helpers: start-up time is part of the product.
_LAZY = {
    "Config": ".config",
    "MockServerHandle": ".pytest_plugin",  # the fixture's type, for annotations (imports pytest)
    "build_app": ".app",
    "RunningServer": ".server",
    "running": ".server",
    "Transport": ".testing",
    "transport": ".testing",
}

if TYPE_CHECKING:
    from .app import build_app
    from .config import Config
    from .pytest_plugin import MockServerHandle
    from .server import RunningServer, running
    from .testing import Transport, transport


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
