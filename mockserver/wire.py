"""The fast transport: uvicorn's HTTP protocol with four per-request costs taken out.

This is the one module of mockserver that touches uvicorn's private names (its protocol
classes, their attributes, ``_start_asgi_task``), so it is version-gated:
``unavailable()`` says why it must not run, and ``mockserver.server`` then serves with stock
uvicorn (``http="auto"``) and logs that reason once.  It runs only on the uvicorn versions in
``TESTED_UVICORN``, each one a version ``.ci/run`` has passed the whole suite on, with httptools
installed.  To support a new uvicorn: install it, run ``.ci/run``, add the version here.

Besides the four savings below it offers the app ``core.faults.DROP_EXTENSION``, which closes
the connection without a response (a reset or a plain close) for the socket-level faults.

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
``core.serving.RESPOND_EXTENSION``: ``respond(head, body)`` writes the head the app
framed (``core.framing``: status line and header lines) and the body at once and completes
the request as uvicorn's ``send`` would, skipping two ASGI messages and the
per-header checks that ``send`` makes of headers it cannot trust (the app
passes only header lines it built and checked itself): ~8k instructions a request.  It declines (returns False, and
the app uses ``send``) for anything but the plain case: a HEAD request, a
connection that is to close, paused writing, server default headers, access
logging.

4. No ASGI cycle for a plain request.  A request that can be answered at once
(HTTP/1.1 keep-alive, a Content-Length of at most 64 KiB, no ``Expect``, not
HEAD, nothing else in flight on the connection) is held while its body
arrives, then the app's ``core.serving.DIRECT_METHOD`` runs the request through
the same pipeline as ASGI would and gives the whole answer (head and body, framed by
the app), written in one call once the loop has read every ready socket: no scope for
the app, no request-response cycle, no event, no task, no ``receive``.  What cannot be
written at once (an admin call, a scenario's delay or fault) the app gives back as an
ASGI app holding the work it did; uvicorn is then told of the request exactly as it
would have been as it arrived, and runs that app for it, so all else keeps its behaviour.
A request held or answered when uvicorn's ``shutdown()`` comes (SIGTERM) is in progress,
as uvicorn sees one: it is answered either way with ``connection: close``, then the
connection closes.
Callgrind, per create through the protocol: Sabi 284k -> 233k instructions,
Pulse 243k -> 187k (the floor app on stock uvicorn: 221k).

The fast transport is built on uvicorn's httptools protocol only (``coalescing`` alone also
works over its h11 one); without httptools the server runs stock uvicorn on h11.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import socket
import struct
import weakref
from collections.abc import Callable
from typing import Any

from .core.commits import AfterCommit
from .core.faults import DROP_EXTENSION
from .core.serving import DIRECT_METHOD, RESPOND_EXTENSION

# The uvicorn versions the whole suite has passed on with this transport (.ci/run's first leg).
# Exact versions, not a range: a minor release of uvicorn may rename any private name used here.
TESTED_UVICORN = frozenset({"0.55.0"})


def uvicorn_version() -> str | None:
    """The installed uvicorn's version (its distribution metadata), None when it has none."""
    try:
        return importlib.metadata.version("uvicorn")
    except importlib.metadata.PackageNotFoundError:
        return None


def unavailable() -> str | None:
    """Why the fast transport must not run in this environment; None when it may.

    Checked once per server start (a few hundred microseconds), never per request."""
    version = uvicorn_version()
    if version not in TESTED_UVICORN:
        return (f"uvicorn {version or '(version unknown)'} is not a version it was tested with "
                f"(tested: {', '.join(sorted(TESTED_UVICORN))})")
    if importlib.util.find_spec("httptools") is None:
        return "httptools is not installed"
    return None

_FINAL_HEAD = b"HTTP/1.1 "  # every status line uvicorn writes starts so (HTTP/1.0 clients get 1.1 too)


class HeldHead:
    """Transport proxy: holds a final response head until the next write joins it."""

    __slots__ = ("_head", "_transport")

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

    class Coalescing(base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            # uvicorn hands self.transport to each request's cycle, so every write goes through the proxy.
            self.transport = HeldHead(transport)

        def on_response_complete(self) -> None:
            self.transport.flush()  # a response without a body (HEAD, 204) must not keep its head
            super().on_response_complete()

    Coalescing.__name__ = Coalescing.__qualname__ = f"Coalescing{base.__name__}"
    return Coalescing


def responder(cycle: Any) -> Callable[[bytes, bytes], bool]:
    """The ``respond`` of one request: uvicorn's ``send`` of a start and a final body, in one write."""
    # The cycle holds the scope that holds this function: a strong reference back would make
    # every request a reference cycle, freed only by the cyclic GC instead of at once.
    cycle_ref = weakref.ref(cycle)

    def respond(head: bytes, body: bytes) -> bool:
        cycle = cycle_ref()
        if (cycle is None or cycle.response_started or cycle.disconnected or not cycle.keep_alive
                or cycle.flow.write_paused or cycle.default_headers or cycle.access_log
                or cycle.scope["method"] == "HEAD"):
            return False  # uvicorn's send knows what to do with these
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        cycle.transport.write_whole(head + b"\r\n" + body)
        cycle.response_complete = True
        cycle.message_event.set()  # wakes a receive() still waiting, as send does
        cycle.on_response()
        return True

    return respond


def dropper(cycle: Any) -> Callable[[bool], None]:
    """The ``drop`` of one request (``core.faults.DROP_EXTENSION``): its connection closed, no answer."""
    cycle_ref = weakref.ref(cycle)  # no reference cycle through the scope (see responder)

    def drop(reset: bool) -> None:
        cycle = cycle_ref()
        if cycle is None:
            return
        transport = cycle.transport
        if not transport.is_closing():
            if reset:
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    # Linger 0: closing sends RST instead of FIN.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            else:
                transport.close()
        # What connection_lost will do, now: uvicorn neither answers this request (a 500 for an app
        # that returned without a response) nor logs it, and a send() after this is ignored.
        cycle.disconnected = True
        cycle.message_event.set()

    return drop


def idle_timer(base: type[Any]) -> type[Any]:
    """``base`` (uvicorn's httptools protocol) with one keep-alive timer per connection, not per
    response, and the respond extension in every request's scope.  Wrap it in ``coalescing``
    (as ``http_protocol`` does): respond writes through that class's ``HeldHead``."""

    class IdleTimer(base):  # type: ignore[misc]
        _idle_since: float | None = None  # loop time the last response completed; None while busy
        _idle_check: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:
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
                extensions = self.scope.setdefault("extensions", {})
                extensions[RESPOND_EXTENSION] = responder(cycle)
                extensions[DROP_EXTENSION] = dropper(cycle)

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


_INTERNAL_ERROR = (b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
                   b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error")  # uvicorn's
HOLD_LIMIT = 64 * 1024  # bodies up to this size may be held for a direct answer (uvicorn's read high-water mark)


def direct(base: type[Any]) -> type[Any]:
    """``base`` (``idle_timer`` of uvicorn's httptools protocol) answering plain requests without ASGI.

    A request that could be answered at once (HTTP/1.1 keep-alive, a small declared
    body, no ``Expect``, nothing else in flight on the connection) is held while its
    body arrives.  When it is complete the app's ``DIRECT_METHOD`` is asked for the
    answer, which is written in one call; when the app gives an ASGI app instead (or
    None), uvicorn is handed the request exactly as it would have seen it (head, body,
    end) and runs that app (or the whole app) for it, so everything else keeps uvicorn's
    behaviour.  Wrap it in ``coalescing`` (``write_whole``).
    """

    class Direct(base):  # type: ignore[misc]
        app: Any  # uvicorn's: the ASGI app it runs for each request
        _held: list[bytes] | None = None  # the body so far (chunks) of a request held for a direct answer
        _close_after = False  # shutdown() came while a request was held or answered: answer it, then close
        _queued = 0  # answers (or failures) given but not yet written: see _deliver
        _unheld = False  # this request's body may not be held: chunked, or a Content-Length past HOLD_LIMIT
        # This request has a Connection header.  Without one, llhttp keeps only HTTP/1.1 alive (1.0, 0.9 and
        # 2.0 only with "keep-alive", other versions it refuses): should_keep_alive() alone then says 1.1,
        # and get_http_version() (a str formatted on each call) is asked only when it could say otherwise.
        _versioned = False
        _raw: asyncio.Transport  # the socket's transport, unwrapped (see connection_made)

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            # The socket's own transport (coalescing wraps self.transport after this): a direct answer
            # is written whole, with nothing held before it, so the wrapper would only pass it on.
            self._raw = transport
            # Middleware (proxy headers, trace logging) hides the method: then uvicorn serves everything.
            answer = getattr(self.app, DIRECT_METHOD, None)
            plain = not self.access_log and not self.root_path and self.limit_concurrency is None
            self._answer: Callable[..., Any] | None = answer if plain else None

        def on_message_begin(self) -> None:
            if self._answer is None:
                super().on_message_begin()
                return
            # uvicorn's, but its scope (a dict of ten keys and a copy of the app state) is made only
            # when uvicorn is told of the request (_scoped): a request answered directly never needs it.
            self.url = b""
            self.expect_100_continue = False
            self.headers: list[tuple[bytes, bytes]] = []
            self._unheld = self._versioned = False

        def on_header(self, name: bytes, value: bytes) -> None:
            # uvicorn's on_header, also noting a body that may not be held (chunked, or longer than HOLD_LIMIT) as the
            # header arrives, instead of a second walk over the headers.
            name = name.lower()
            value = value.rstrip(b" \t")
            if name == b"expect" and value.lower() == b"100-continue":
                self.expect_100_continue = True
            elif name == b"content-length":
                if not value.isdigit() or int(value) > HOLD_LIMIT:
                    self._unheld = True
            elif name == b"transfer-encoding":
                self._unheld = True
            elif name == b"connection":
                self._versioned = True
            self.headers.append((name, value))

        def _scoped(self) -> None:
            """The scope uvicorn's on_message_begin makes, for the request parsed so far."""
            url, headers, expect = self.url, self.headers, self.expect_100_continue
            super().on_message_begin()
            self.url, self.headers, self.expect_100_continue = url, headers, expect
            self.scope["headers"] = headers

        def on_headers_complete(self) -> None:
            parser = self.parser
            if (self._answer is not None and not self.expect_100_continue and not self.pipeline
                    and (self.cycle is None or self.cycle.response_complete) and not self.flow.write_paused
                    and not self.server_state.default_headers and parser.should_keep_alive()
                    and (not self._versioned or parser.get_http_version() == "1.1") and not parser.should_upgrade()
                    and parser.get_method() != b"HEAD" and not self._unheld):
                self._held = []
                return
            if self._answer is not None:
                self._scoped()
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if self._held is None:
                super().on_body(body)
            else:
                self._held.append(body)  # at most HOLD_LIMIT in all: the parser stops at the declared length

        def on_message_complete(self) -> None:
            chunks = self._held
            if chunks is None:
                super().on_message_complete()
                return
            self._held = None
            body = b"".join(chunks)  # one chunk (the usual case) is not copied
            target = self.url
            parsed = _TARGETS.get(target)
            if parsed is None:
                parsed = _target(target)
            answer = None
            answer_directly = self._answer  # never None while a request is held (on_headers_complete)
            if parsed is not _UNPARSED and answer_directly is not None:
                try:
                    answer = answer_directly(self.parser.get_method().decode("ascii"), parsed[0], parsed[1], self.headers, body)
                except Exception:  # the app answers its own failures: this is a bug, served as uvicorn serves one
                    self.logger.exception("Exception in the direct answer")
                    self._queued += 1
                    self.loop.call_soon(self._fail)  # after any answer queued before it
                    return
            if type(answer) is not tuple:
                if type(answer) is AfterCommit:  # written once its store transaction is committed (core.commits)
                    self._queued += 1
                    self.loop.call_soon(self._deliver_settled, answer)
                    self.on_response_complete()
                    return
                # What uvicorn would have been told as the request arrived, in the same order.  An app
                # the direct method gave (holding the work it did: core.serving.Handover, or the
                # admin app) is the one uvicorn runs for this request: it takes self.app as it starts
                # the request's task (or queues it), here at once since nothing else is in flight.
                whole = self.app
                if answer is not None:
                    self.app = answer
                self._scoped()
                try:
                    super().on_headers_complete()
                finally:
                    self.app = whole
                if self._close_after:
                    # shutdown() came while the request was held: what uvicorn's shutdown() does to a
                    # request in progress, so its response says "connection: close" and then closes.
                    self.cycle.keep_alive = False
                if body:
                    super().on_body(body)
                super().on_message_complete()
                return
            head, payload = answer  # status line and headers framed by the app (core.framing)
            # Written once this round of the event loop has read every ready socket, as a task's
            # response would be: answers leave together and the client is woken once for them
            # (writing each at once measured up to 2x the system time per request under wrk).
            self._queued += 1
            self.loop.call_soon(self._deliver, head, payload)
            # IdleTimer's on_response_complete, past coalescing's: nothing was held before a direct answer.
            super().on_response_complete()

        def _deliver(self, head: bytes, payload: bytes) -> None:
            """Writes a queued answer; after shutdown() the last one says so and closes the connection."""
            self._queued -= 1
            raw = self._raw
            if raw.is_closing():  # the client may have gone since
                return
            if self._close_after and not self._queued and (self.cycle is None or self.cycle.response_complete):
                raw.write(head + b"connection: close\r\n\r\n" + payload)
                self.transport.close()
            else:
                raw.write(head + b"\r\n" + payload)

        def _deliver_settled(self, answer: AfterCommit) -> None:
            """Writes a queued answer as its transaction settled: committed, or the vendor's 500 if it failed."""
            try:
                head, payload = answer.settled()
            except Exception:  # the app answers its own failures: this is a bug, served as uvicorn serves one
                self.logger.exception("Exception in the direct answer")
                self._fail()
                return
            self._deliver(head, payload)

        def _fail(self) -> None:
            self._queued -= 1
            if not self.transport.is_closing():
                self.transport.write_whole(_INTERNAL_ERROR)
                self.transport.close()

        def shutdown(self) -> None:
            # uvicorn closes an idle connection at once and lets a request in progress finish, then
            # close.  Here a request held while its body arrives, or answered with its write still
            # queued, is in progress too: it is answered with "connection: close", then closed.
            if self._held is None and not self._queued:
                super().shutdown()
                return
            self._close_after = True
            cycle = self.cycle
            if cycle is not None and not cycle.response_complete:
                cycle.keep_alive = False  # one handed to uvicorn behind a queued answer closes by itself

        def connection_lost(self, exc: Exception | None) -> None:
            self._held = None  # the client is gone: nothing to answer, nothing to journal
            super().connection_lost(exc)

    Direct.__name__ = Direct.__qualname__ = f"Direct{base.__name__}"
    return Direct


# A request target -> (path, query) as the direct path takes it; _UNPARSED for one uvicorn must
# serve (unparsable, not ASCII, or %-escaped: uvicorn unquotes those).  Clients send the same few
# targets again and again: a dict hit instead of a parse and a decode.  Bounded like
# core.framing's header texts: emptied when full, targets up to _CACHED_TARGET bytes.
_TARGETS: dict[bytes, tuple[str, bytes]] = {}
_UNPARSED = ("", b"")
_CACHED_TARGETS = 1024
_CACHED_TARGET = 256


def _target(target: bytes) -> tuple[str, bytes]:
    import httptools

    try:
        url = httptools.parse_url(target)
        path = url.path.decode("ascii")
        parsed = _UNPARSED if "%" in path else (path, url.query or b"")
    except (httptools.HttpParserError, UnicodeDecodeError):
        parsed = _UNPARSED
    if len(target) <= _CACHED_TARGET:
        if len(_TARGETS) >= _CACHED_TARGETS:
            _TARGETS.clear()
        _TARGETS[target] = parsed
    return parsed


def http_protocol() -> type[Any]:
    """The fast transport's protocol class (uvicorn's ``http=``); only where ``unavailable()`` is None."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    return coalescing(direct(idle_timer(HttpToolsProtocol)))
