"""eTelecom (seed 004): POST /v1/shop.Shop/CreateAccountUser with a Bearer API key."""

from __future__ import annotations

from .routes import ETelecom

__all__ = ["ETelecom"]
