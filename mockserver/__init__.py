"""mockserver: an offline sandbox emulating five vendors' create-user APIs."""

from __future__ import annotations

__version__ = "0.1.0"

from .app import build_app  # noqa: E402
from .config import Config  # noqa: E402

__all__ = ["Config", "__version__", "build_app"]
