"""Socket-level faults: what a flaky vendor does to a client's connection.

Under uvicorn the ASGI ``send`` callable is bound to the connection's
request cycle, whose ``transport`` lets us reset or close the socket for
real.  Where there is no socket (in-process transports), the same faults
surface as the exception a client would see.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any, Awaitable, Callable, Mapping, MutableMapping

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
FAULTS = ("connection_reset", "empty_response", "malformed_json", "slow_body")


def _transport(send: Send) -> Any:
    cycle = getattr(send, "__self__", None)
    return getattr(cycle, "transport", None)


async def _drop(send: Send, reset: bool) -> None:
    transport = _transport(send)
    if transport is None:
        raise ConnectionResetError("mockserver fault: " + ("connection_reset" if reset else "empty_response"))
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: close() sends RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    # Let connection_lost run so the server knows not to answer this request itself.
    for _ in range(3):
        await asyncio.sleep(0)


async def send_with_fault(
    send: Send, fault: str, params: Mapping[str, Any], status: int, headers: list[tuple[bytes, bytes]], payload: bytes
) -> None:
    if fault == "connection_reset":
        await _drop(send, reset=True)
    elif fault == "empty_response":
        await _drop(send, reset=False)
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
