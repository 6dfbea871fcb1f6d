"""VaultsPay (seed 000): POST /as/api/v1/users with a saas-login Bearer token."""

from __future__ import annotations

from .routes import VaultsPay

__all__ = ["VaultsPay"]
