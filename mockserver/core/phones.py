"""Phone numbers valid for their country, for the start-up pools.

A generated number is a prefix of its country's numbering plan (an operator's
mobile code, an area code) followed by random digits.  Random prefixes are
otherwise invalid 40-47 % of the time (US area codes nobody was given, Pakistani
"3" + nine digits past the operators' ranges), so ``valid_for`` keeps only the
prefixes that libphonenumber (the ``phonenumbers`` library: Google's metadata of
every country's numbering plan) finds valid for a person's phone - mobile, or
"fixed line or mobile" - and checks every number it makes, drawing again in the
rare case one is not.

The prefixes to choose from are long-established ranges listed here (or by the
vendor): libphonenumber only strikes out those it does not know.  A newer
phonenumbers release that adds ranges (as 9.0 added Pakistan's 37x) therefore
changes no seeded value: the same seed gives the same numbers across releases
that keep these ranges valid, which is what keeps the golden snapshots stable.

Only pool makers call this: pools are made once per seed at start-up (and kept on
disk, core.poolcache, whose key covers the installed phonenumbers), so the
library is imported and consulted then, never on the request path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .seeding import PoolMaker

# Pakistan's mobile operator codes, "3XX" before 7 digits, as the seed writes numbers
# (no trunk 0): 300-309 and 320-329 (Jazz), 310-319 (Zong), 330-337 (Ufone), 340-349 (Telenor).
PK_MOBILE = tuple(f"3{n:02d}" for n in (*range(38), *range(40, 50)))
# The UAE's mobile codes, "5X" before 7 digits (no trunk 0): etisalat 50/54/56, du 52/55/58.
AE_MOBILE = ("50", "52", "54", "55", "56", "58")
# US area codes in service since before 2000 (the exchange and line follow: [2-9]XX-XXXX).
US_AREA_CODES = tuple(str(code) for code in (
    201, 202, 203, 205, 206, 207, 208, 212, 213, 214, 215, 216, 217, 218, 219, 301, 302, 303, 304, 305, 307, 308, 309,
    312, 313, 314, 315, 316, 317, 318, 319, 401, 402, 404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419,
    501, 502, 503, 504, 507, 508, 509, 510, 512, 513, 515, 516, 517, 518, 520, 530, 540, 541, 559, 561, 562, 570, 573,
    601, 602, 603, 605, 606, 607, 608, 609, 610, 612, 614, 615, 616, 617, 618, 619, 626, 630, 650, 651, 660, 661, 662,
    702, 703, 704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 724, 727, 732, 734, 740, 757, 760, 763, 765,
    770, 773, 775, 781, 785, 801, 802, 803, 804, 805, 806, 808, 810, 812, 813, 814, 815, 816, 817, 818, 828, 830, 831,
    843, 847, 850, 860, 864, 901, 903, 904, 906, 907, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925,
    936, 937, 940, 941, 949, 954, 956, 970, 972, 973, 978,
))

# Far above need: a maker is wrong, not unlucky, if none of this many numbers is valid.
ATTEMPTS = 1000


def digits(count: int) -> Callable[[Any], str]:
    """``rest`` for ``valid_for``: ``count`` random digits."""
    pattern = "#" * count
    return lambda fake: str(fake.numerify(pattern))


def valid_for(
    region: str, prefixes: Sequence[str], length: int, rest: Callable[[Any], str] | None = None,
    shown: Callable[[str], str] = str,
) -> PoolMaker:
    """A pool maker of numbers of ``region`` (ISO 3166 alpha-2, e.g. ``"PK"``): one of
    ``prefixes`` that libphonenumber accepts, then ``length`` random digits (``rest(fake)``
    when given, e.g. to keep a US exchange from starting with 0 or 1), each whole number
    checked valid - written as ``shown(number)`` (a vendor's format; the number as it is
    by default).  Numbers are national (a trunk 0 in the prefix if the country writes one)."""
    tail = rest or digits(length)
    kept: list[tuple[str, ...]] = []  # the prefixes libphonenumber accepts: worked out once

    def make(fake: Any) -> str:
        import phonenumbers  # here: a start whose pools are kept never imports it

        personal = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

        def valid(number: str) -> bool:
            try:
                parsed = phonenumbers.parse(number, region)
            except phonenumbers.NumberParseException:
                return False
            return phonenumbers.is_valid_number_for_region(parsed, region) and phonenumbers.number_type(parsed) in personal

        if not kept:
            # A prefix stays if numbers under it are valid: probed with the rest in 2s and in 7s.
            kept.append(tuple(p for p in prefixes if valid(p + "2" * length) and valid(p + "7" * length)))
            if not kept[0]:
                raise ValueError(f"none of the {region} prefixes is a valid phone range: {list(prefixes)[:5]}...")
        for _ in range(ATTEMPTS):
            number = str(fake.random_element(kept[0])) + tail(fake)
            if valid(number):
                return shown(number)
        raise ValueError(f"no valid {region} phone number in {ATTEMPTS} candidates: the pool's number maker is wrong")

    return make
