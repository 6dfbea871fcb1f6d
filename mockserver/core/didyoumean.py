"""Unknown names answered with the closest few known ones, never the whole list.

The scenario library holds over a hundred names: listing them all made a
~3,000-character line nobody reads.  difflib's ratio finds a misspelling's
intended name well enough (``token-expird`` -> ``token-expired``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CLOSEST = 3  # names suggested at most
CUTOFF = 0.6  # difflib's default: below it a "suggestion" is noise


def closest(name: str, known: Iterable[str], n: int = CLOSEST) -> list[str]:
    """The known names most like ``name``, best first."""
    return difflib.get_close_matches(name, list(known), n=n, cutoff=CUTOFF)


def unknown_names(kind: str, names: Iterable[str], known: Iterable[str], where_listed: str, given_in: str = "") -> str:
    """One line: ``unknown scenario 'x'[ in <given_in>] (did you mean 'y'?); ...; N known, <where_listed>``."""
    pool = sorted(known)
    parts = []
    for name in names:
        near = closest(name, pool)
        hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
        parts.append(f"unknown {kind} {name!r}{f' in {given_in}' if given_in else ''}{hint}")
    return f"{'; '.join(parts)}; {len(pool)} known, {where_listed}"
