"""The fidelity map: what each vendor's emulation does, and where each behaviour comes from.

One row per behaviour: ``Row(area, item, behaviour, status, source)``.  Texts
are Markdown (the README renders them as is; JSON clients get the same text).

- ``area``: route | auth | field | response | error | behaviour | lifecycle.
- ``status``: "emulated" (the vendor documents it and we reproduce it; details
  we had to fill in are named with [INF] in ``source``), "inferred" (the vendor
  documents nothing: the behaviour is our choice) or "not supported" (the
  vendor documents it, we do not emulate it).
- ``source``: "[SEED] ..." (the vendor's seed page), "[PUB] <where>" (other
  published material) or "[INF] <why>" (our inference).  For an emulated or
  inferred row the leading marker decides the status (see ``row``).

Where the rows come from, so they cannot drift from the code:

- what the vendor class declares as ``fidelity``, a ``FidelityNotes``: its
  hand-written rows, ``error_sources`` (catalog key -> source),
  ``route_sources`` (operation or "METHOD path" -> source) and ``seed`` (the
  seed page number shown in the heading), all optional;
- one ``error`` row per entry of the vendor's error catalog, generated from it;
- one ``route`` row per ``Route`` of a vendor instance's ``routes()``.

``GENERAL_ROWS`` hold what is true of every vendor (the core's behaviour).
``tools/gen_readme.py`` writes ``render_markdown`` into the README.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from .vendor import Route, Vendor

AREAS: tuple[str, ...] = ("route", "auth", "field", "response", "error", "behaviour", "lifecycle")
STATUSES: tuple[str, ...] = ("emulated", "inferred", "not supported")
MARKERS: tuple[str, ...] = ("[SEED]", "[PUB]", "[INF]")
DEFAULT_SOURCE = "[INF]"


@dataclass(frozen=True, slots=True)
class Row:
    area: str
    item: str
    behaviour: str
    status: str
    source: str

    def __post_init__(self) -> None:
        # A malformed row is a bug in a fidelity table: fail when the module is imported.
        if self.area not in AREAS:
            raise ValueError(f"{self.item!r}: area {self.area!r} is not one of {', '.join(AREAS)}")
        if self.status not in STATUSES:
            raise ValueError(f"{self.item!r}: status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.status != "not supported" and not self.source.startswith(MARKERS):
            raise ValueError(f"{self.item!r}: source {self.source!r} must start with [SEED], [PUB] or [INF]")
        if not self.item or not self.behaviour:
            raise ValueError(f"row {self.item!r}: item and behaviour are required")

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def status_of(source: str) -> str:
    """The status an emulated-or-inferred row gets from its source's leading marker."""
    if source.startswith(("[SEED]", "[PUB]")):
        return "emulated"
    if source.startswith("[INF]"):
        return "inferred"
    raise ValueError(f"source {source!r} must start with [SEED], [PUB] or [INF]")


def row(area: str, item: str, behaviour: str, source: str) -> Row:
    """An emulated ([SEED]/[PUB] source) or inferred ([INF] source) row."""
    return Row(area, item, behaviour, status_of(source), source)


def not_supported(area: str, item: str, behaviour: str, source: str) -> Row:
    """A documented vendor feature we do not emulate; ``source`` says where it is documented."""
    return Row(area, item, behaviour, "not supported", source)


# What the core does for every vendor (serving.py, validation.py, clock.py, seeding.py).
GENERAL_ROWS: tuple[Row, ...] = (
    row("behaviour", "header names", "matched case-insensitively (the server lower-cases them)", "[PUB] HTTP (RFC 9110 §5.1)"),
    row(
        "behaviour",
        "failed requests",
        "change no state: validation, auth and duplicate checks run before any write, and no generated value is drawn",
        "[INF] a sandbox must be repeatable",
    ),
    row(
        "behaviour",
        "body over 1 MiB, malformed JSON, non-object JSON, unknown path, wrong method",
        "answered in the vendor's own envelope (rows below), never a 500 or a traceback; a bug of ours is the vendor's "
        "500-class error",
        "[INF] clients must only ever see the vendor's envelopes",
    ),
    row(
        "behaviour",
        "unknown path, wrong method",
        "the answer also carries `x-mock-near-miss: <METHOD> <route>`, the route the request probably meant",
        "[INF] mockserver's own debugging aid",
    ),
    row("behaviour", "timestamps, expiries", "all from one server clock (`--clock`, `/__admin/clock`)", "[INF] testable expiry"),
    row(
        "behaviour",
        "generated values",
        "per vendor, per operation, per call: `--seed` gives byte-identical responses whatever other vendors are called",
        "[INF] determinism",
    ),
    row(
        "behaviour",
        "test sessions",
        "`X-Mock-Session: <name>` gives a request its own copy of the fixtures and its own id/value streams",
        "[INF] parallel tests",
    ),
    row(
        "error",
        "scenario-only errors",
        "catalog entries no request can trigger (rate limits, 5xx…) are sent when a scenario or `X-Mock-Error: <key>` asks",
        "[INF] failure paths must be testable",
    ),
)


@dataclass(frozen=True, slots=True)
class FidelityNotes:
    """What a vendor declares about its emulation (``Vendor.fidelity``); route and error rows are generated."""

    rows: tuple[Row, ...] = ()  # hand-written rows
    error_sources: Mapping[str, str] = field(default_factory=dict)  # catalog key -> source
    route_sources: Mapping[str, str] = field(default_factory=dict)  # operation or "METHOD path" -> source
    seed: str | None = None  # the vendor's seed page, shown in the heading


NO_NOTES = FidelityNotes()


# ---------------------------------------------------------------- collection
def _vendor_class(vendor: Vendor | type[Vendor]) -> type[Vendor]:
    return vendor if isinstance(vendor, type) else type(vendor)


def notes_of(vendor: Vendor | type[Vendor]) -> FidelityNotes:
    """The vendor's declared ``fidelity`` notes (empty when it declares none)."""
    cls = _vendor_class(vendor)
    notes = cls.fidelity
    if notes is not None and not isinstance(notes, FidelityNotes):  # e.g. a Lazy naming the module, not its notes
        raise TypeError(f"{cls.name}: fidelity must be a FidelityNotes, not {type(notes).__name__}")
    return notes or NO_NOTES


def _error_behaviour(status: int, code: object, kind: str | None, message: str) -> str:  # code: only written out
    parts = [f"HTTP {status}"]
    if code is not None:
        parts.append(f"code `{code}`")
    if kind is not None:
        parts.append(f"type `{kind}`")
    return ", ".join(parts) + f": “{message}”"


def error_rows(vendor: Vendor | type[Vendor]) -> tuple[Row, ...]:
    """One row per catalog entry: name, HTTP status, code, type and default message."""
    cls = _vendor_class(vendor)
    sources = notes_of(cls).error_sources
    return tuple(
        row("error", f"`{name}`", _error_behaviour(spec.status, spec.code, spec.type, spec.message), sources.get(name, DEFAULT_SOURCE))
        for name, spec in cls.error_contract.catalog.items()
    )


def route_source(route: Route, sources: Mapping[str, str]) -> str:
    return sources.get(f"{route.method} {route.path}") or sources.get(route.operation) or DEFAULT_SOURCE


def route_rows(vendor: Vendor) -> tuple[Row, ...]:
    """One row per Route of the instance (routes need one: handlers are bound methods)."""
    sources = notes_of(vendor).route_sources
    return tuple(
        row("route", f"`{r.method} {r.path}`", f"operation `{r.operation}`", route_source(r, sources)) for r in vendor.routes()
    )


def rows_for(vendor: Vendor | type[Vendor]) -> tuple[Row, ...]:
    """The vendor's whole table, grouped by area in ``AREAS`` order.

    Within an area: generated route rows first, then the hand-written rows,
    then generated error rows.  Given a class rather than an instance, the
    route rows are left out (``routes()`` needs an instance).
    """
    written = tuple(notes_of(vendor).rows)
    routes = () if isinstance(vendor, type) else route_rows(vendor)
    generated = routes + written + error_rows(vendor)
    return tuple(sorted(generated, key=lambda r: AREAS.index(r.area)))  # stable: keeps the order above


def summary(rows: tuple[Row, ...]) -> dict[str, int]:
    return {status: sum(1 for r in rows if r.status == status) for status in STATUSES}


def fidelity_map(vendors: Mapping[str, Vendor], general: bool = False) -> dict[str, dict[str, object]]:
    """JSON-ready: ``{vendor: {"title", "rows": [...], "summary": {status: n}}}`` (plus ``"*"``, the rows that hold everywhere, with ``general``)."""
    out: dict[str, dict[str, object]] = {}
    if general:
        out["*"] = {"title": "Everywhere", "rows": [r.as_dict() for r in GENERAL_ROWS], "summary": summary(GENERAL_ROWS)}
    for name, vendor in vendors.items():
        rows = rows_for(vendor)
        out[name] = {"title": vendor.title, "rows": [r.as_dict() for r in rows], "summary": summary(rows)}
    return out


# ---------------------------------------------------------------- Markdown
LEGEND = """\
What each vendor's emulation does and where each behaviour comes from.

- **source**: **[SEED]** the vendor's page in `shared/seeds/`, **[PUB]** other published vendor material (docs, SDKs, \
public source), **[INF]** our inference where the vendor documents nothing.
- **status**: **emulated** the vendor documents it and we reproduce it (details we had to fill in are marked [INF] in the \
source); **inferred** the vendor documents nothing, the behaviour is our choice; **not supported** documented by the \
vendor, not emulated.
- Paths are relative to the vendor's mount (`/<vendor>`, or `/` with `--vendor`). Route and error rows are generated \
from each vendor's routes and error catalog; the other rows live in `mockserver/vendors/<vendor>/fidelity.py` \
(`GENERAL_ROWS` in `mockserver/core/fidelity.py`). This section is generated: edit those files, then run \
`python3 tools/gen_readme.py`. The same map is served as JSON by `GET /__admin/fidelity`."""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(rows: tuple[Row, ...]) -> list[str]:
    lines = ["| area | item | what we do | status | source |", "|---|---|---|---|---|"]
    lines += [f"| {r.area} | {_cell(r.item)} | {_cell(r.behaviour)} | {r.status} | {_cell(r.source)} |" for r in rows]
    return lines


def render_markdown(vendors: Mapping[str, Vendor]) -> str:
    """The README's fidelity section (without its "## Fidelity" heading)."""
    lines = [LEGEND, "", "### Everywhere", ""]
    lines += _table(GENERAL_ROWS)
    for vendor in vendors.values():
        rows = rows_for(vendor)
        seed = notes_of(vendor).seed
        counts = summary(rows)
        lines += ["", f"### {vendor.title}" + (f" (seed {seed})" if seed else ""), ""]
        lines.append(f"{len(rows)} rows: " + ", ".join(f"{n} {status}" for status, n in counts.items()) + ".")
        lines.append("")
        lines += _table(rows)
    return "\n".join(lines) + "\n"
