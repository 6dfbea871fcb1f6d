"""Socket-level faults: what a flaky vendor does to a client's connection.

``malformed_json`` and ``slow_body`` are plain ASGI (a short or a dribbled body).
``connection_reset`` and ``empty_response`` close the connection without an answer,
which ASGI has no message for: a server offers it as ``DROP_EXTENSION``.  mockserver's
fast transport (``mockserver.wire``) does, for real (a TCP RST, or a FIN before any
byte); the in-process transport (``mockserver.testing``) raises the error a client
would see.  Under any other server (stock uvicorn: ``--server stock``, or a uvicorn the
fast transport was not tested with) both become what public ASGI allows: the response
head, announcing the full body, then nothing, and the app returns, so the server closes
the connection.  The client sees a connection closed mid-response (httpx:
``RemoteProtocolError: peer closed connection without sending complete message body``)
rather than a reset or a connection closed before any byte; uvicorn logs an ERROR line,
"ASGI callable returned without completing response."  (Raising instead would be worse:
before ``http.response.start`` uvicorn answers it with a 500, after it, it logs a traceback.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
FAULTS = ("connection_reset", "empty_response", "malformed_json", "slow_body")

# A server may offer, under this key of scope["extensions"], a callable ``drop(reset: bool)``
# that closes the request's connection at once without a response: with a TCP RST when
# ``reset``, else a plain close.  The request is then over: the app sends nothing more.
# A server without a connection to close (an in-process transport) raises the
# ConnectionResetError a client would see instead; the app lets it propagate.
DROP_EXTENSION = "mockserver.drop"


async def send_with_fault(
    scope: MutableMapping[str, Any], send: Send, fault: str, params: Mapping[str, Any], status: int,
    headers: list[tuple[bytes, bytes]], payload: bytes,
) -> None:
    if fault in ("connection_reset", "empty_response"):
        extensions = scope.get("extensions")
        drop = extensions.get(DROP_EXTENSION) if extensions else None
        if drop is not None:
            drop(fault == "connection_reset")
        else:
            # No way through ASGI to close without an answer: an answer cut off before its body.
            # (At least one byte announced: a complete empty body would be a valid response.)
            await _start(send, status, headers, max(len(payload), 1))
    elif fault == "malformed_json":
        cut = payload[: max(len(payload) // 2, 1)] if payload else b"{"
        await _start(send, status, headers, len(cut))
        await send({"type": "http.response.body", "body": cut})
    elif fault == "slow_body":
        await _start(send, status, headers, len(payload))
        chunk = int(params.get("chunk", 16))
        interval = float(params.get("interval_ms", 100)) / 1000
        for offset in range(0, len(payload), chunk):
            part = payload[offset : offset + chunk]
            last = offset + chunk >= len(payload)
            await send({"type": "http.response.body", "body": part, "more_body": not last})
            if not last:
                await asyncio.sleep(interval)
        if not payload:
            await send({"type": "http.response.body", "body": b""})


async def _start(send: Send, status: int, headers: list[tuple[bytes, bytes]], length: int) -> None:
    fixed = [(k, v) for k, v in headers if k != b"content-length"] + [(b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": fixed})
