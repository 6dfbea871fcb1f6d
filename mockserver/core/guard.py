"""The admin API's guard: who may reach /__admin, decided like a database's default install.

Vendor routes stay open (the vendors' own are reachable by anyone holding a
credential); /__admin can read every live credential and rewrite answers, so
each admin request passes three checks, in this order:

1. Host (DNS-rebinding defence).  A page on ``http://evil.example`` whose name
   is re-pointed at 127.0.0.1 talks to us as same-origin, but its requests
   still say ``Host: evil.example``.  Rebinding always needs a DNS name, so the
   name must be an IP literal, ``localhost`` / ``*.localhost``, the bound host,
   or a name the user allowed (webpack-dev-server's ``allowedHosts: 'auto'``).
2. Cross-origin browser requests.  A ``text/plain`` POST needs no CORS
   preflight, so a page anywhere could define scenarios; browsers mark such
   requests with ``Sec-Fetch-Site`` and ``Origin``, which non-browser clients
   (curl, SDKs, the pytest plugin) never send, so those keep working unchanged.
3. The admin token, when one is configured (always when bound beyond loopback).

Every refusal is one line of JSON, ``{"error": "..."}``, like the admin API's
other errors.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, Iterable

import orjson

from .credentials import bearer_token
from .serving import Receive, Scope, Send

AUTO = "auto"  # --admin-token auto: generate one for this run
TOKEN_HEADER = "X-Mock-Admin-Token"
_TOKEN_KEY = TOKEN_HEADER.lower().encode()
_SAME_SITE = (b"same-origin", b"none")  # "none": the user typed the URL or opened a bookmark
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")
_HOST_CHARS = _NAME_CHARS | frozenset(":[]%")  # a name or IP, perhaps with a port: no scheme, path or user
_SHOWN = 100  # a hostile Host or Origin is quoted in a refusal, but not at any length
UI_PATH = "/__admin/ui"  # the dashboard's page and its files (core/dashboard.py)


def is_public(path: str) -> bool:
    """The dashboard's own files: static, no state and no secret, so served without the admin token."""
    return path == UI_PATH or path.startswith(UI_PATH + "/")


def host_name(value: str) -> str:
    """The name part of a Host header or host option: no port, no IPv6 brackets, lower case, no final dot."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name = value[1:end] if end > 0 else value[1:]
    elif value.count(":") == 1:
        name = value.partition(":")[0]
    else:  # a name, or a bare IPv6 literal (no port can be told apart then)
        name = value
    return name[:-1] if name.endswith(".") else name


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine (a loopback IP or ``localhost``)."""
    name = host_name(host) if host.strip() else ""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # 0.0.0.0-style wildcards are IPs; any other name may resolve anywhere


def reach(host: str) -> str:
    """Who can connect to a server bound to ``host``, for the start banner."""
    if is_loopback(host):
        return "loopback: this machine only"
    name = host_name(host) if host.strip() else ""
    if name in ("", "0.0.0.0", "::"):
        return "every interface: reachable from the network; admin token required"
    return "reachable from the network; admin token required"


def generate_token() -> str:
    return secrets.token_urlsafe(24)


def check_token(token: str) -> str:
    """A user-given token as sent in a header: printable ASCII, no spaces; else ValueError."""
    if not token or not all("!" <= c <= "~" for c in token):
        raise ValueError("the admin token must be printable ASCII without spaces (it travels in an HTTP header)")
    return token


def check_allowed_host(value: str) -> str:
    """One ``--allowed-host`` value as the guard compares it; ValueError when it cannot be a host name."""
    name = host_name(value)
    if not name or not set(value.strip().lower()) <= _HOST_CHARS or not (is_ip(name) or set(name) <= _NAME_CHARS):
        raise ValueError(f"--allowed-host {value!r} is not a host name (give a name such as myhost.lan, no scheme or path)")
    return name


def _shown(value: bytes) -> str:
    text = value.decode("latin-1")
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


App = Callable[[Scope, Receive, Send], Awaitable[None]]  # the ASGI app behind the guard


class AdminGuard:
    """ASGI wrapper of the admin app: refuses what the checks above refuse, passes the rest on."""

    def __init__(self, app: App, bound_host: str = "127.0.0.1", allowed_hosts: Iterable[str] = (), token: str | None = None) -> None:
        self.app = app
        # Decided once: the names a Host header may carry besides IP literals and *.localhost.
        # The usual loopback literals are listed too, so they skip the IP parse.
        names = {"localhost", "127.0.0.1", "::1", *(check_allowed_host(h) for h in allowed_hosts)}
        if bound_host.strip():
            names.add(host_name(bound_host))
        self.names = frozenset(names)
        self.token = check_token(token).encode() if token is not None else None

    def name_allowed(self, name: str, scope: Scope) -> bool:
        if name in self.names or name.endswith(".localhost") or is_ip(name):
            return True
        # An in-process transport (Starlette's TestClient: "testserver", httpx's ASGITransport:
        # "mockserver.local") reports its URL's host as the server; a socket server reports the
        # socket's IP address.  So this lets in-process clients in and no DNS name on a socket.
        server = scope.get("server")
        if not server:
            return False
        return isinstance(server[0], str) and name == server[0].lower()

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """(status, message) when the request must be refused, else None."""
        host = origin = fetch_site = None
        hosts = 0
        given: list[bytes] = []
        for key, value in scope["headers"]:
            if key == b"host":
                host, hosts = value, hosts + 1
            elif key == b"origin":
                origin = value
            elif key == b"sec-fetch-site":
                fetch_site = value
            elif key == b"authorization":
                token = bearer_token(value.decode("latin-1"))
                if token:
                    given.append(token.encode("latin-1"))
            elif key == _TOKEN_KEY:
                given.append(value.strip())
        # 1. Host
        if hosts > 1:
            return 400, "more than one Host header"
        if host is None:
            if scope.get("http_version") != "1.0":  # HTTP/1.1 makes Host mandatory; every browser sends it
                return 400, "a Host header is required"
        else:
            name = host_name(host.decode("latin-1"))
            if not self.name_allowed(name, scope):
                return 403, (
                    f"Host {_shown(host)!r} may not reach the admin API (DNS-rebinding defence): call it as localhost "
                    f"or 127.0.0.1, or start the server with --allowed-host {name[:_SHOWN]}"
                )
        # 2. Cross-origin browser requests
        if fetch_site is not None and fetch_site.lower() not in _SAME_SITE:
            return 403, (
                f"cross-origin browser request refused (Sec-Fetch-Site: {_shown(fetch_site)}): "
                "the admin API answers same-origin pages and non-browser clients only"
            )
        if origin is not None:
            own = scope.get("scheme", "http").encode() + b"://" + (host or b"")
            if host is None or origin.lower() != own.lower():
                return 403, (
                    f"cross-origin browser request refused (Origin: {_shown(origin)}): "
                    "the admin API answers same-origin pages and non-browser clients only"
                )
        # 3. Admin token (not for the dashboard's own files: they hold no state and no secret,
        #    and a browser opening the page cannot send a header; what it then reads needs the token)
        if self.token is not None and not is_public(scope["path"]) and not any(hmac.compare_digest(g, self.token) for g in given):
            if given:
                return 401, "wrong admin token"
            return 401, f"admin token required: send Authorization: Bearer <token> or {TOKEN_HEADER}: <token>"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = self.refusal(scope)
        if problem is None:
            await self.app(scope, receive, send)
            return
        status, message = problem
        body = orjson.dumps({"error": message})
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="mockserver admin"'))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
