"""core.clock.instant_parts: a clock timestamp's seconds, microseconds and iso_z text, exactly as a datetime gives them."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime

from mockserver.core.clock import instant_parts, iso_z

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _timestamps() -> list[float]:
    # Rounding edges (half-microseconds, .9995 ms, carries into the next second), random instants,
    # the floats either side of them, and times before 1970 (the datetime path).
    rng = random.Random(13)
    base = [0.0, 1e-7, 0.0004995, 0.0005, 0.9994999, 0.9995, 0.9999994, 0.9999995, 0.9999996, 1.0, 59.9999999]
    epochs = [1_700_000_000, 1_772_359_200, 1_704_067_199, 4_102_444_799]
    out = [e + b for e, b in itertools.product(epochs, base)]
    out += [rng.uniform(0, 4.1e9) for _ in range(20_000)]
    out += [math.floor(x) + k / 2_000_000 for x in out[:200] for k in (1, 3, 999, 1001, 1_999_999)]
    out += [math.nextafter(x, math.inf) for x in out[:500]] + [math.nextafter(x, -math.inf) for x in out[:500]]
    return out + [-0.5, -1.0000005, -86_400.25, -1e-7]


def test_instant_parts_match_a_datetime_built_from_the_timestamp() -> None:
    for timestamp in _timestamps():
        moment = datetime.fromtimestamp(timestamp, UTC)
        delta = moment - _EPOCH
        assert instant_parts(timestamp) == (delta.days * 86400 + delta.seconds, moment.microsecond, iso_z(moment)), timestamp


def test_instant_parts_of_consecutive_seconds_each_carry_their_own_second() -> None:
    # The formatted second is kept between calls: a new second must never reuse the last one's text.
    for timestamp in (1_772_359_200.25, 1_772_359_201.5, 1_772_359_200.75, 1_772_359_260.0):
        assert instant_parts(timestamp)[2] == iso_z(datetime.fromtimestamp(timestamp, UTC))
