"""uvicorn's HTTP protocol with three per-response costs taken out.

1. One socket write per response: the head is held back until the body.

uvicorn writes a response's status line and headers the moment the app sends
``http.response.start`` and the body on ``http.response.body``. On uvloop each
``transport.write`` on an idle socket is an immediate ``write(2)``, so every
response costs two system calls and two TCP segments, and the client wakes up
twice. Our responses are always complete JSON bodies sent straight after the
head, so we hold the head and send it with the first body chunk: one call, one
segment. Measured with ``bench/run.py`` (one run): +10–25 % req/s on create-user.

Nothing else of uvicorn's protocol changes. The held head is flushed before
anything that must not wait: closing the connection, the end of a response
without a body (HEAD, 204), and it never holds an interim ``100 Continue``,
which the client waits for before it sends the body.

2. No timer per response.  uvicorn arms a keep-alive timer after every
response and cancels it when the next request arrives; on uvloop that is a
libuv timer handle made and closed per request (~10k instructions, 4 % of a
Pulse create through the protocol).  Instead each connection keeps one timer that looks at when
the connection fell idle and closes it after ``timeout_keep_alive`` seconds
of idleness, exactly as uvicorn would.

3. A whole response in one call.  Each request's scope offers
``core.serving.RESPOND_EXTENSION``: ``respond(status, head, body)`` writes the
status line, the app's header lines and the body at once and completes the
request as uvicorn's ``send`` would, skipping two ASGI messages and the
per-header checks that ``send`` makes of headers it cannot trust (the app
passes only header lines it built itself): ~8k instructions a request.  It declines (returns False, and
the app uses ``send``) for anything but the plain case: a HEAD request, a
connection that is to close, paused writing, server default headers, access
logging, an unknown status.

2 and 3 are for httptools only: the h11 fallback keeps uvicorn's behaviour.
"""

from __future__ import annotations

import asyncio
import importlib.util
import weakref
from typing import Any, Callable

from .core.serving import RESPOND_EXTENSION

_FINAL_HEAD = b"HTTP/1.1 "  # every status line uvicorn writes starts so (HTTP/1.0 clients get 1.1 too)


class HeldHead:
    """Transport proxy: holds a final response head until the next write joins it."""

    __slots__ = ("_transport", "_head")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data)
        elif data[:9] == _FINAL_HEAD and data[9:10] != b"1":  # 1xx are interim: never hold them
            self._head = data
        else:
            self._transport.write(data)

    def write_whole(self, data: bytes) -> None:
        """A complete response: nothing to hold, nothing held (``respond`` starts no head first)."""
        self._transport.write(data)

    def flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        # Rare calls (get_extra_info, pause_reading, abort, ...) go to the real transport.
        return getattr(self._transport, name)


def coalescing(base: type[Any]) -> type[Any]:
    """``base`` (a uvicorn HTTP protocol class) writing each response in one call."""

    class Coalescing(base):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            # uvicorn hands self.transport to each request's cycle, so every write goes through the proxy.
            self.transport = HeldHead(transport)

        def on_response_complete(self) -> None:
            self.transport.flush()  # a response without a body (HEAD, 204) must not keep its head
            super().on_response_complete()

    Coalescing.__name__ = Coalescing.__qualname__ = f"Coalescing{base.__name__}"
    return Coalescing


def responder(cycle: Any, status_lines: dict[int, bytes]) -> Callable[[int, bytes, bytes], bool]:
    """The ``respond`` of one request: uvicorn's ``send`` of a start and a final body, in one write."""
    # The cycle holds the scope that holds this function: a strong reference back would make
    # every request a reference cycle, freed only by the cyclic GC instead of at once.
    cycle_ref = weakref.ref(cycle)

    def respond(status: int, head: bytes, body: bytes) -> bool:
        line = status_lines.get(status)
        cycle = cycle_ref()
        if (cycle is None or line is None or cycle.response_started or cycle.disconnected or not cycle.keep_alive
                or cycle.flow.write_paused or cycle.default_headers or cycle.access_log
                or cycle.scope["method"] == "HEAD"):
            return False  # uvicorn's send knows what to do with these
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        cycle.transport.write_whole(line + head + b"\r\n" + body)
        cycle.response_complete = True
        cycle.message_event.set()  # wakes a receive() still waiting, as send does
        cycle.on_response()
        return True

    return respond


def idle_timer(base: type[Any]) -> type[Any]:
    """``base`` (uvicorn's httptools protocol) with one keep-alive timer per connection, not per
    response, and the respond extension in every request's scope.  Wrap it in ``coalescing``
    (as ``http_protocol`` does): respond writes through that class's ``HeldHead``."""
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE

    class IdleTimer(base):  # type: ignore[misc, valid-type]
        _idle_since: float | None = None  # loop time the last response completed; None while busy
        _idle_check: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            # uvicorn arms nothing before the first response either: until then the check only re-arms.
            self._idle_check = self.loop.call_later(self.timeout_keep_alive, self._check_idle)

        def data_received(self, data: bytes) -> None:
            self._idle_since = None  # a request is arriving: not idle (uvicorn cancels its timer here)
            super().data_received(data)

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            cycle = self.cycle
            if cycle is not None and cycle.scope is self.scope:  # not a WebSocket upgrade
                self.scope.setdefault("extensions", {})[RESPOND_EXTENSION] = responder(cycle, STATUS_LINE)

        def on_response_complete(self) -> None:
            # uvicorn's httptools on_response_complete, minus arming a timer per response.
            self.server_state.total_requests += 1
            if self.transport.is_closing():
                return
            self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
            else:
                self._idle_since = self.loop.time()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._idle_check is not None:
                self._idle_check.cancel()
                self._idle_check = None
            super().connection_lost(exc)

        def _check_idle(self) -> None:
            self._idle_check = None
            if self.transport.is_closing():
                return
            since, now = self._idle_since, self.loop.time()
            if since is not None and now - since >= self.timeout_keep_alive:
                self.timeout_keep_alive_handler()  # uvicorn's: close the connection
                return
            # Busy: look again a full timeout later; idle: exactly when the timeout runs out.
            wait = self.timeout_keep_alive if since is None else since + self.timeout_keep_alive - now
            self._idle_check = self.loop.call_later(wait, self._check_idle)

    IdleTimer.__name__ = IdleTimer.__qualname__ = f"IdleTimer{base.__name__}"
    return IdleTimer


def http_protocol() -> type[Any]:
    """httptools when installed (uvicorn[standard]), else h11; either one coalescing."""
    if importlib.util.find_spec("httptools"):
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return coalescing(idle_timer(HttpToolsProtocol))
    from uvicorn.protocols.http.h11_impl import H11Protocol

    return coalescing(H11Protocol)
