"""A bounded memo for pure, per-request parses (e.g. an Authorization header)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """Remembers ``parse(text)`` for texts seen before.

    ``parse`` must be pure: a clock- or state-dependent answer would go stale.
    A text whose parse raises is never remembered, and the memo is emptied
    once it holds ``limit`` texts, so clients inventing headers cannot grow it.
    """

    __slots__ = ("_known", "_limit", "_parse")

    def __init__(self, parse: Callable[[str], T], limit: int = 1024) -> None:
        self._parse = parse
        self._limit = limit
        self._known: dict[str, T] = {}

    def __call__(self, text: str) -> T:
        known = self._known
        if text in known:
            return known[text]
        value = self._parse(text)  # may raise: then nothing is remembered
        if len(known) >= self._limit:
            known.clear()
        known[text] = value
        return value

    def __len__(self) -> int:
        return len(self._known)
