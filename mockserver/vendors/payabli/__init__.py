"""Payabli (seed 001): POST /api/User with a ``requestToken`` header."""

from __future__ import annotations

from .routes import Payabli

__all__ = ["Payabli"]
