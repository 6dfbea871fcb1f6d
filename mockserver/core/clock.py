"""The one clock every timestamp and expiry comes from.

Real time by default; can be frozen, set and advanced so a test can expire a
token in microseconds instead of sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from math import modf

# A duration or instant is a few dozen characters; longer input is not quoted back in full.
_QUOTED = 40


def quoted(value: str) -> str:
    """``value`` as quoted back in an error message: repr, cut after ``_QUOTED`` characters."""
    return repr(value) if len(value) <= _QUOTED else repr(value[:_QUOTED]) + "..."


def parse_instant(value: str) -> datetime:
    """An ISO-8601 instant (``Z`` or an offset; none means UTC) in UTC; ValueError if not one."""
    text = value.strip()
    if len(text) > _QUOTED:  # the longest ISO form, with microseconds and an offset, is 32 characters
        raise ValueError(f"not an ISO-8601 instant: {quoted(text)}")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC: one kind of error for callers
        raise ValueError(str(exc)) from None


class Clock:
    """UTC clock: real time plus an offset, or frozen at an instant."""

    __slots__ = ("_frozen_at", "_offset", "_start")

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = frozen_at.timestamp() if frozen_at else None
        self._start = self._frozen_at

    def restore(self) -> None:
        """Back to how it started (real time, or frozen at the start instant)."""
        self._offset = 0.0
        self._frozen_at = self._start

    @classmethod
    def from_spec(cls, spec: str | None) -> Clock:
        """``None``/``real`` or ``frozen:<instant>``."""
        if not spec or spec == "real":
            return cls()
        kind, _, rest = spec.partition(":")
        if kind != "frozen":
            raise ValueError(f"clock spec must be 'real' or 'frozen:<ISO instant>', got {spec!r}")
        return cls(parse_instant(rest) if rest else datetime.now(UTC))

    def timestamp(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def advance(self, delta: timedelta) -> None:
        if self._frozen_at is not None:
            self._frozen_at += delta.total_seconds()
        else:
            self._offset += delta.total_seconds()

    def set(self, moment: datetime) -> None:
        if self._frozen_at is not None:
            self._frozen_at = moment.timestamp()
        else:
            self._offset = moment.timestamp() - time.time()

    def freeze(self, on: bool) -> None:
        if on and self._frozen_at is None:
            self._frozen_at = self.timestamp()
        elif not on and self._frozen_at is not None:
            self._offset = self._frozen_at - time.time()
            self._frozen_at = None

    def describe(self) -> dict[str, object]:
        return {"now": iso_z(self.now()), "frozen": self.frozen}

    def state(self) -> dict[str, float | None]:
        """What a store keeps of the clock (the ``clock`` value): the offset from real time, or the frozen instant."""
        return {"offset": self._offset, "frozen_at": self._frozen_at}

    def load(self, state: dict[str, float | None]) -> None:
        """Takes ``state`` (from ``state()``, as another worker or an earlier run left it)."""
        offset, frozen_at = state.get("offset"), state.get("frozen_at")
        self._offset = float(offset) if offset is not None else 0.0
        self._frozen_at = float(frozen_at) if frozen_at is not None else None


# iso_z runs several times per request: the "YYYY-MM-DDTHH:MM:SS" part is
# formatted once per clock second and the milliseconds come from a table
# (isoformat itself costs about four times as much).
_MILLIS = tuple(f".{n:03d}Z" for n in range(1000))
_second: tuple[float, str] = (float("nan"), "")


def iso_z(moment: datetime) -> str:
    """2025-08-03T06:07:40.330Z: RFC 3339, milliseconds, Z (JS/Go style)."""
    global _second
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    second = moment.timestamp() // 1
    cached, prefix = _second
    if second != cached:
        prefix = moment.replace(microsecond=0).isoformat()[:-6]
        _second = (second, prefix)
    return prefix + _MILLIS[moment.microsecond // 1000]


# instant_parts() works from the clock's float (no datetime per request): the
# "YYYY-MM-DDTHH:MM:SS" of the last whole second it saw, and ".mmmZ" from _MILLIS.
_parts_second = -1
_parts_prefix = ""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant_parts(timestamp: float) -> tuple[int, int, str]:
    """(whole seconds since the epoch, microseconds, ``iso_z``) of a clock timestamp, without a datetime.

    Exactly what ``dt = datetime.fromtimestamp(timestamp, UTC)`` gives: ``(dt - epoch)``'s whole
    seconds (floored), ``dt.microsecond`` and ``iso_z(dt)``.  CPython splits the float with
    modf and rounds the fraction to microseconds half-to-even, carrying into the seconds
    (tests/core/test_clock_parts.py checks the two agree).  Times before 1970 take the
    datetime path.  A create stamps its records with this (a datetime and its formatting
    cost several times as much, on every request).
    """
    global _parts_second, _parts_prefix
    if not timestamp >= 0.0:  # negative or NaN
        moment = datetime.fromtimestamp(timestamp, UTC)
        delta = moment - _EPOCH
        return delta.days * 86400 + delta.seconds, moment.microsecond, iso_z(moment)
    fraction, whole = modf(timestamp)
    micro = round(fraction * 1e6)
    second = int(whole)
    if micro >= 1_000_000:
        micro -= 1_000_000
        second += 1
    if second != _parts_second:
        _parts_second, _parts_prefix = second, iso_z(datetime.fromtimestamp(second, UTC))[:-5]
    return second, micro, _parts_prefix + _MILLIS[micro // 1000]


def iso_offset(moment: datetime) -> str:
    """2024-09-23T18:33:10.049+00:00: milliseconds and a +00:00 offset (Java style)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def iso_seconds_z(moment: datetime) -> str:
    """2022-07-01T15:00:01Z: whole seconds and Z (.NET style)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")[:-6] + "Z"
