"""Sabi (seed 002): POST /api/v1/users/public with a platform ``ApiKey`` header."""

from __future__ import annotations

from .routes import Sabi

__all__ = ["Sabi"]
