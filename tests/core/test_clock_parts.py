"""core.clock.instant_parts: a clock timestamp's seconds, microseconds and iso_z text, exactly as a datetime gives them."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from mockserver.core.clock import instant_parts, iso_z

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _timestamps() -> list[float]:
    """Random instants to 2100, each with the floats just beside it and its half-microsecond neighbours
    (where rounding to microseconds goes half-to-even and may carry into the next second), and times
    before 1970 (the datetime path)."""
    rng = random.Random(13)
    found: list[float] = [0.0, 0.9999995, 1_772_359_199.9999995, 4_102_444_799.9995]
    for _ in range(4000):
        moment = rng.uniform(0, 4.1e9)
        whole = math.floor(moment)
        found += [moment, math.nextafter(moment, math.inf), math.nextafter(moment, -math.inf)]
        found += [whole + rng.randrange(2_000_000) / 2_000_000, whole + 1 - 1 / 2_000_000]
    return found + [-0.5, -1.0000005, -86_400.25, -1e-7]


def test_instant_parts_match_a_datetime_built_from_the_timestamp() -> None:
    for timestamp in _timestamps():
        moment = datetime.fromtimestamp(timestamp, UTC)
        delta = moment - _EPOCH
        assert instant_parts(timestamp) == (delta.days * 86400 + delta.seconds, moment.microsecond, iso_z(moment)), timestamp


def test_instant_parts_of_consecutive_seconds_each_carry_their_own_second() -> None:
    # The formatted second is kept between calls: a new second must never reuse the last one's text.
    for timestamp in (1_772_359_200.25, 1_772_359_201.5, 1_772_359_200.75, 1_772_359_260.0):
        assert instant_parts(timestamp)[2] == iso_z(datetime.fromtimestamp(timestamp, UTC))
