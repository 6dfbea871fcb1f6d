"""bench/run.py's rows, targets and table, and the aggregation of ``--repeat N`` rounds.

Apart from run.py so the arithmetic that decides whether a target is met (medians, ranges, which floor runs a
ratio is against) can be tested with made-up rows, without wrk or a server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median  # of an even count: the mean of the two middle values
from typing import Any

# Issue 13's targets: req/s at least this share of the floor's, per transport, and p99 at
# most P99_TARGET times the floor's (the floor runs just before and after each vendor).
TARGETS = {"fast": 1.0, "stock": 0.6}
P99_TARGET = 3.0
# Issue 15's goals for the stores that keep state outside the process (any transport, any worker count): a
# create on them does a commit (SQLite) or network round trips (Redis) that the floor never does.
STORE_TARGETS = {"sqlite": 0.4, "redis": 0.4, "redis+unix": 0.4}
# Above this spread of the floor's own runs ((fastest - slowest) / slowest) the machine's speed moved more than
# any target's margin: one run's ratio says little, the output says so.
NOISY_FLOOR = 0.2
# Digits of unique.lua's {D7} token: the smallest space a bench body's unique digits live in.
D7_SPACE = 10**7


@dataclass
class Result:
    target: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    rss_mib: float | None = None
    non2xx: int = 0
    ratio: float | None = None
    floor_rps: float | None = None  # the floor this ratio is against
    floor_p99_ms: float | None = None  # the floor's p99 in the same runs
    p99_ratio: float | None = None  # p99_ms / floor_p99_ms
    server: str | None = None  # mockserver's transport (None: the floor)
    store: str = "memory"  # mockserver's --store kind
    workers: int = 1  # serve --workers
    missed: list[str] = field(default_factory=list)  # targets this row missed
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    round: int | None = 1  # the round (1-based) this row was measured in; None: the median of several
    floor_runs: list[int] = field(default_factory=list)  # which of the run's floor runs (0-based) the ratio is against
    rounds: int = 1  # rounds a --repeat row is the median of (those it was measured in)
    ratio_range: list[float] | None = None  # [lowest, highest] ratio over those rounds
    p99_ratio_range: list[float] | None = None  # and p99 ratio


def round_salt(salt: int, index: int, repeat: int) -> int:
    """unique.lua's salt for round ``index`` (0-based) of ``repeat``: the first round keeps the run's salt; the
    others are spread over {D7}'s 10^7 values, so no round's digits (phones) meet another's while a run sends
    fewer than 10^7 / repeat requests (3.3 million with 3 rounds), and no round's {ID} (emails, usernames: the
    salt is their prefix) meets another's at all. A server is fresh per target per round, but a Redis database
    number comes round again after 16 servers: fresh values keep a create from meeting an earlier round's user."""
    return salt + index * (D7_SPACE // repeat)


def around(values: list[float], before: int) -> float:
    """Mean of the floor runs just before and just after a vendor run (only before with --floor-once)."""
    pair = values[before:before + 2]
    return sum(pair) / len(pair)


def compare(result: Result, rps: list[float], p99s: list[float], before: int) -> None:
    """Fill ``result``'s floor, ratio and p99 ratio from the floor runs ``before`` and ``before + 1`` (the one
    just after it, if it was measured), and record which runs they were."""
    result.floor_runs = list(range(before, min(before + 2, len(rps))))
    result.floor_rps = around(rps, before)
    result.ratio = result.rps / result.floor_rps if result.floor_rps else None
    result.floor_p99_ms = around(p99s, before)
    result.p99_ratio = result.p99_ms / result.floor_p99_ms if result.floor_p99_ms else None


def target_ratio(r: Result) -> float:
    """The req/s share of the floor a row must reach: issue 15's for SQLite/Redis, issue 13's otherwise."""
    return STORE_TARGETS.get(r.store, TARGETS[r.server or "fast"])


def check_targets(r: Result) -> None:
    """Record in ``r.missed`` each target of issue 13 the row misses (req/s ratio, p99 ratio); a --repeat row
    is judged on its medians."""
    wanted = target_ratio(r)
    of = f"median of {r.rounds} rounds, {span(r.ratio_range)}; " if r.rounds > 1 and r.ratio_range else ""
    if r.ratio is not None and r.ratio < wanted:
        r.missed.append(f"req/s {r.ratio:.2f}x the floor ({of}target >= {wanted:.1f}x with --server {r.server}"
                        + ("" if r.store == "memory" else f" --store {r.store}") + ")")
    of = f"median of {r.rounds} rounds, {span(r.p99_ratio_range, 1)}; " if r.rounds > 1 and r.p99_ratio_range else ""
    if r.p99_ratio is not None and r.p99_ratio > P99_TARGET:
        r.missed.append(f"p99 {r.p99_ms:.1f} ms = {r.p99_ratio:.1f}x the floor's {r.floor_p99_ms:.1f} ms "
                        f"({of}target <= {P99_TARGET:.0f}x)")
    if r.non2xx:
        r.missed.append(f"{r.non2xx} non-2xx answers")


def span(pair: list[float] | None, digits: int = 2) -> str:
    """A min-max range as the table shows it: ``0.93-1.08x``."""
    return f"{pair[0]:.{digits}f}-{pair[1]:.{digits}f}x" if pair else "-"


def _merge_raw(raws: list[dict[str, Any]]) -> dict[str, Any]:
    """One raw dict for a --repeat row, with the keys of a single run's (older readers of results/*.json read
    them): numbers are the median over the rounds, except counts of failures (non2xx and the status and socket
    error counts), which are summed; anything else is the first round's."""
    merged: dict[str, Any] = {}
    for key, first in raws[0].items():
        values = [raw.get(key) for raw in raws]
        if key == "non2xx" or (isinstance(first, dict) and key in ("statuses", "socket_errors")):
            if isinstance(first, dict):
                total: dict[str, Any] = {}
                for value in values:
                    for k, v in (value or {}).items():
                        total[k] = total.get(k, 0) + v
                merged[key] = total
            else:
                merged[key] = sum(v or 0 for v in values)
        elif key.startswith("sample_"):  # the first failed answer's status and body: the first round's that has one
            merged[key] = next((v for v in values if v is not None), None)
        elif isinstance(first, int | float) and not isinstance(first, bool) and all(
                isinstance(v, int | float) for v in values):
            merged[key] = median([float(v) for v in values if v is not None])
        else:
            merged[key] = first
    return merged


def combine(runs: list[Result], repeat: int) -> Result:
    """The row of one target over ``repeat`` rounds: the median of its rounds' ratios (each against that round's
    own floor runs), their range, the median req/s, p50, p99 and floors; the targets judged on those medians.
    A round the target could not be measured in is a miss of its own: the medians would hide it."""
    first = runs[0]
    row = Result(first.target, server=first.server, store=first.store, workers=first.workers, round=None)
    measured = [r for r in runs if r.raw]
    notes = [f"round {r.round}: {r.note}" for r in runs if r.note]
    if not measured:
        row.note = first.note if len({r.note for r in runs}) == 1 else "; ".join(notes)
        return row
    row.rounds = len(measured)
    row.raw = _merge_raw([r.raw for r in measured])
    row.rps = median([r.rps for r in measured])
    row.p50_ms = median([r.p50_ms for r in measured])
    row.p99_ms = median([r.p99_ms for r in measured])
    rss = [r.rss_mib for r in measured if r.rss_mib is not None]
    row.rss_mib = median(rss) if rss else None
    row.non2xx = sum(r.non2xx for r in measured)
    if ratios := [r.ratio for r in measured if r.ratio is not None]:
        row.ratio, row.ratio_range = median(ratios), [min(ratios), max(ratios)]
    if floors := [r.floor_rps for r in measured if r.floor_rps]:
        row.floor_rps = median(floors)
    if floor_p99s := [r.floor_p99_ms for r in measured if r.floor_p99_ms]:
        row.floor_p99_ms = median(floor_p99s)
    if p99_ratios := [r.p99_ratio for r in measured if r.p99_ratio is not None]:
        row.p99_ratio, row.p99_ratio_range = median(p99_ratios), [min(p99_ratios), max(p99_ratios)]
    row.note = "; ".join(notes)
    if row.server is not None:  # a mockserver row (not --wire-floor's)
        check_targets(row)
    if len(measured) < repeat:
        seen = {r.round for r in measured}
        lost = [str(n) for n in range(1, repeat + 1) if n not in seen]
        row.missed.append(f"not measured in round {', '.join(lost)} of {repeat}")
    return row


def aggregate(rounds: list[list[Result]]) -> list[Result]:
    """One row per target, in the order of their first appearance: each round's own row with one round (today's
    output, unchanged), their ``combine`` with several."""
    order: list[str] = []
    by_target: dict[str, list[Result]] = {}
    for rows in rounds:
        for r in rows:
            if r.target not in by_target:
                order.append(r.target)
            by_target.setdefault(r.target, []).append(r)
    if len(rounds) == 1:
        return [by_target[t][0] for t in order]
    return [combine(by_target[t], len(rounds)) for t in order]


def floor_row(row: Result, rps: list[float], p99s: list[float], repeat: int,
              when: str = "one between each two vendors") -> None:
    """The floor's row over all its runs: their mean with one round (as before --repeat), their median with
    several; the note lists every run (``when``: how they were spread)."""
    if len(rps) <= 1:
        return
    if repeat > 1:
        row.rps, row.p99_ms, row.round, row.rounds = median(rps), median(p99s), None, repeat
    else:
        row.rps, row.p99_ms = sum(rps) / len(rps), sum(p99s) / len(p99s)
    row.note = (f"{len(rps)} runs, {when}: "
                + " / ".join(f"{v:,.0f}" for v in rps) + " req/s; p99 "
                + " / ".join(f"{v:.1f}" for v in p99s) + " ms")


def floor_noise(rps: list[float], repeat: int) -> str:
    """A one-line warning when the floor's own runs spread more than NOISY_FLOOR: then one round's ratio can meet
    or miss a target by chance (empty when they do not)."""
    if len(rps) < 2 or min(rps) <= 0 or (max(rps) - min(rps)) / min(rps) <= NOISY_FLOOR:
        return ""
    advice = "ratios are medians over the rounds" if repeat > 1 else "one round's ratios can meet or miss a target by chance: try --repeat 3"
    return f"noisy: floor {min(rps):,.0f}-{max(rps):,.0f} req/s over {len(rps)} runs ({advice})"


def table(results: list[Result], repeat: int = 1) -> str:
    """The printed table; with several rounds a "range" column (lowest-highest ratio over the rounds) follows the
    ratio and a "p99 range" one the p99 ratio. "!" after a ratio: a missed target (TARGETS, P99_TARGET)."""
    ranges = repeat > 1
    head = ["target", "req/s", "p50 ms", "p99 ms", "RSS MiB", "non-2xx", "floor req/s", "ratio",
            *(["range"] if ranges else []), "floor p99", "p99 ratio", *(["p99 range"] if ranges else []),
            "srv CPU", "other CPU"]
    rows = [tuple(head)]
    notes = []
    for r in results:
        if r.raw:
            slow = r.ratio is not None and r.server is not None and r.ratio < target_ratio(r)
            late = r.p99_ratio is not None and r.p99_ratio > P99_TARGET
            rows.append((r.target, f"{r.rps:,.0f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}",
                         f"{r.rss_mib:.1f}" if r.rss_mib is not None else "?", str(r.non2xx),
                         f"{r.floor_rps:,.0f}" if r.floor_rps else "-",
                         f"{r.ratio:.2f}x" + ("!" if slow else "") if r.ratio is not None else "-",
                         *([span(r.ratio_range)] if ranges else []),
                         f"{r.floor_p99_ms:.1f}" if r.floor_p99_ms else "-",
                         f"{r.p99_ratio:.1f}x" + ("!" if late else "") if r.p99_ratio is not None else "-",
                         *([span(r.p99_ratio_range, 1)] if ranges else []),
                         f"{r.raw['server_cpu']:.0%}", f"{r.raw['other_cpu']:.0%}"))
        else:
            rows.append((r.target, *["-"] * (len(rows[0]) - 1)))
        if r.note:
            notes.append(f"  {r.target}: {r.note}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))
