"""mockserver: an offline sandbox emulating five vendors' create-user APIs."""

from __future__ import annotations

__version__ = "0.1.0"

from .app import build_app  # noqa: E402
from .config import Config  # noqa: E402
from .server import RunningServer, running  # noqa: E402
from .testing import Transport, transport  # noqa: E402

__all__ = ["Config", "RunningServer", "Transport", "__version__", "build_app", "running", "transport"]
