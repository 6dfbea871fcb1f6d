"""Pulse CRM (seed 003): POST /users with a Bearer session token and x-account-id."""

from __future__ import annotations

from .routes import Pulse

__all__ = ["Pulse"]
