"""What the dashboard (``/__admin/ui``) reads besides the plain admin API: the live journal
stream, the vendor error an answer stands for, and the users and live tokens a vendor holds.

The stream (``GET /__admin/stream``, Server-Sent Events) keeps no queue per client: each
connection holds the last ``seq`` it sent and, a few times a second, asks the journal for the
rows newer than that (``Journal.newest``: it walks back from the newest row only).  A poll
sends at most ``BATCH`` entries and ``BATCH_BYTES`` of bodies; a browser that falls behind
gets a ``skipped`` event and the newest entries, never a backlog, and a stalled socket holds
the stream at its ``send`` (the transport's flow control) with nothing accumulating.  So an
open dashboard costs the request path nothing: recording is unchanged, and the rendering
(decoding, redaction) happens in the poll, bounded per tick.

Nothing here names a vendor: error names come from each vendor's ``catalog`` matched
against the answer's status and body, and the state view from ``Vendor.state_tables``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .clock import iso_z, parse_instant
from .journal import REDACTED, is_secret
from .vendor import Vendor

if TYPE_CHECKING:
    from ..app import Runtime

# A poll a few times a second: an entry appears within ~0.25 s (the dashboard promises 1 s).
POLL_SECONDS = 0.25
BATCH = 100  # entries sent per poll at most; more are skipped (the newest are kept)
BATCH_BYTES = 256 * 1024  # bodies sent per poll, about
BACKFILL = 200  # entries sent when a stream opens (the flow view's history), by default
BACKFILL_MAX = 1000
HEARTBEAT_SECONDS = 15.0  # a comment line keeps proxies and the browser from timing out an idle stream
USERS_SHOWN = 200
# Secret-looking record fields hidden in the state view whatever the vendor declares (a stored
# password hash is no request field, so ``secret_fields`` need not name it).
_ALWAYS_SECRET = frozenset({"password", "password_hash", "passwordhash", "secret", "client_secret", "clientsecret", "apikey", "api_key"})
_TOKEN_SHOWN = 6  # last characters of a token shown (as a card's last digits): enough to tell two apart, too few to use


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


# ------------------------------------------------------------------ error names
def _leaves(value: Any, out: set[str], depth: int = 0) -> None:
    """Every scalar of a decoded body, as text (a code may be 1003 or "1003"); a few levels deep."""
    if depth > 6:
        return
    if isinstance(value, dict):
        for child in value.values():
            _leaves(child, out, depth + 1)
    elif isinstance(value, list):
        for child in value[:20]:
            _leaves(child, out, depth + 1)
    elif value is not None and not isinstance(value, bool):
        out.add(str(value))


class ErrorNames:
    """The catalog entry an error answer stands for, named for people: ``1003 TOKEN_EXPIRED``, ``permission_denied``.

    Generic: among the catalog entries (``Vendor.error_contract``) of the answer's status, the one whose code,
    type and message appear among the body's values (the code weighs most).  Indexed once
    per vendor, on first use (the dashboard's reads only).
    """

    def __init__(self, vendors: Mapping[str, Vendor | type[Vendor]]) -> None:
        self._vendors = vendors  # instances or classes: only their catalog is read
        self._index: dict[str, dict[int, list[tuple[str, str, str, str]]]] = {}

    def _entries(self, vendor: str, status: int) -> list[tuple[str, str, str, str]]:
        index = self._index.get(vendor)
        if index is None:
            index = {}
            found = self._vendors.get(vendor)
            for key, spec in (found.error_contract.catalog.items() if found is not None else ()):
                code = "" if spec.code is None else str(spec.code)
                index.setdefault(spec.status, []).append((key, code, spec.type or "", spec.message))
            self._index[vendor] = index
        return index.get(status, [])

    def name(self, vendor: str, status: int, body: Any) -> str | None:
        if status < 400:
            return None
        candidates = self._entries(vendor, status)
        if not candidates:
            return None
        values: set[str] = set()
        _leaves(body, values)
        best, score = None, 0
        for key, code, kind, message in candidates:
            points = (4 if code and code in values else 0) + (2 if kind and kind in values else 0) + (1 if message in values else 0)
            if points > score:
                best, score = (key, code, kind, message), points
        if best is None:
            return None
        key, code, kind, message = best
        if not code or code == key:
            # A key that is the code (1234) reads better with its words; one that is a name stands alone.
            return key if not key.isdigit() else f"{key} {kind or message}"
        return f"{code} {key}"


# ------------------------------------------------------------------ stream
def _event(kind: str, data: Any, seq: int | None = None) -> bytes:
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {kind}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


def stream_endpoint(runtime: Runtime, names: ErrorNames) -> Callable[[Request], Any]:
    journal = runtime.journal

    def entries(rows: list[Any]) -> list[dict[str, Any]]:
        out = journal.render(rows)
        for entry in out:
            entry["error"] = names.name(entry["vendor"], entry["status"], entry["response"])
        return out

    async def events(backfill: int) -> AsyncIterator[bytes]:
        skipped, rows = journal.newest(0, backfill, budget=4 * BATCH_BYTES)
        last = rows[-1][0] if rows else 0
        # The newest seq even when nothing is shown: a stream opened with backfill=0 starts from now.
        if not rows:
            _, newest = journal.newest(0, 1)
            last = newest[0][0] if newest else 0
        yield _event("hello", {"backfill": len(rows), "skipped": skipped, "clock": runtime.clock.describe()})
        for entry in entries(rows):
            yield _event("entry", entry, entry["seq"])
        idle = 0.0
        while not runtime.closing:
            await asyncio.sleep(POLL_SECONDS)
            skipped, rows = journal.newest(last, BATCH, BATCH_BYTES)
            if skipped:
                yield _event("skipped", {"skipped": skipped})
            if rows:
                last = rows[-1][0]
                idle = 0.0
                for entry in entries(rows):
                    yield _event("entry", entry, entry["seq"])
            else:
                idle += POLL_SECONDS
                if idle >= HEARTBEAT_SECONDS:
                    idle = 0.0
                    yield b": keep-alive\n\n"
        yield _event("bye", {"reason": "server shutting down"})

    async def stream(request: Request) -> Response:
        text = request.query_params.get("backfill", "")
        if text and not (text.isascii() and text.isdigit()):
            return _error(400, f"backfill must be a number of entries from 0 to {BACKFILL_MAX}")
        backfill = min(int(text[:6]) if text else BACKFILL, BACKFILL_MAX)
        return StreamingResponse(
            events(backfill), media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    return stream


# ------------------------------------------------------------------ state
def _expiry(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return parse_instant(value).timestamp()
        except ValueError:
            return None
    return None


def _redacted(value: Any, fields: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if (v is not None and is_secret(k, fields)) else _redacted(v, fields) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, fields) for v in value]
    return value


def _token_label(key: Hashable) -> str:
    text = str(key)
    # The end, not the start: JWTs and prefixed keys all begin alike.
    return "…" + text[-_TOKEN_SHOWN:] if len(text) > 2 * _TOKEN_SHOWN else "…"


def vendor_state(runtime: Runtime, name: str, session: str, search: str, limit: int) -> dict[str, Any]:
    """A vendor's users (newest first, ``search`` in any value) and live tokens (time left on the virtual clock), redacted."""
    vendor = runtime.vendors[name]
    tables = vendor.state_tables
    fields = frozenset(f.casefold() for f in vendor.secret_fields) | _ALWAYS_SECRET
    namespace = vendor.ctx.namespace_of(session)
    exists = not session or namespace in runtime.store.namespaces()
    out: dict[str, Any] = {"title": vendor.title, "users": [], "users_total": 0, "tokens": []}
    if not exists:
        return out
    if tables.users:
        users = runtime.store.table(namespace, tables.users).values()
        out["users_total"] = len(users)
        needle = search.casefold()
        shown = []
        for record in reversed(users):  # insertion order: the newest last
            clean = _redacted(record, fields)
            if needle and needle not in orjson.dumps(clean).decode().casefold():
                continue
            shown.append(clean)
            if len(shown) >= limit:
                break
        out["users"] = shown
    now = runtime.clock.timestamp()
    tokens = []
    for table_name, field_name in tables.tokens.items():
        table = runtime.store.table(namespace, table_name)
        for key in list(table):
            record = table.get(key) or {}
            if record.get("revoked") is True:
                continue
            expires = _expiry(record.get(field_name)) if field_name else None
            if expires is not None and expires <= now:
                continue
            tokens.append({
                "table": table_name,
                "token": _token_label(key),
                "expires_at": None if expires is None else iso_z(datetime.fromtimestamp(expires, UTC)),
                "seconds_left": None if expires is None else round(expires - now, 1),
            })
    # The soonest to expire first: what a demo of expiry is about; the lasting ones after.
    tokens.sort(key=lambda t: (t["seconds_left"] is None, t["seconds_left"] or 0))
    out["tokens"] = tokens
    return out


def state_endpoint(runtime: Runtime) -> Callable[[Request], Any]:
    async def state(request: Request) -> JSONResponse:
        params = request.query_params
        wanted = params.get("vendor") or ""
        if wanted and wanted not in runtime.vendors:
            return _error(404, f"no vendor {wanted!r} on this server; known: {', '.join(runtime.vendors)}")
        text = params.get("limit", "")
        if text and not (text.isascii() and text.isdigit() and int(text[:6]) > 0):
            return _error(400, "limit must be a positive integer")
        limit = min(int(text[:6]) if text else USERS_SHOWN, USERS_SHOWN)
        session, search = params.get("session", ""), params.get("q", "")[:200]
        names = [wanted] if wanted else list(runtime.vendors)
        return JSONResponse({
            "clock": runtime.clock.describe(),
            "session": session,
            "vendors": {name: vendor_state(runtime, name, session, search, limit) for name in names},
        })

    return state
