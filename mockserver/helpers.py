"""Test helpers shared by the pytest fixture and the in-process transport.

Both talk to the admin API through an ``httpx.Client`` (a real socket for the
fixture, the transport itself for ``mockserver.transport()``), so a test never
names an origin: ``count``, ``assert_called``, ``requests``, ``reset``,
scenarios (``activate``/``deactivate``/``scenario``/``define_scenario``) and the
clock (``clock.advance/set/freeze/now/reset``) read the same on either.

``client(vendor)`` is an ``httpx.Client`` on the vendor's base URL with its live
auth headers.  httpx joins a relative path to a base URL with a "/", which a
vendor whose paths continue the base without one cannot take (eTelecom:
base ``/etelecom/v1/shop``, route ``/etelecom/v1/shop.Shop/CreateAccountUser``);
``glued_prefixes`` finds those vendors from their routes once, and
``unglue`` takes that inserted "/" back out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .app import Runtime

_MATCH_KEYS = ("method", "path", "status", "session")


def glued_prefixes(runtime: Runtime) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``{"<mount><base>/": ("<mount><base>", continuations)}`` for each vendor whose routes continue its base path without "/"."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, vendor in runtime.vendors.items():
        base = vendor.base_path
        paths = [route.path for route in vendor.routes()]
        if not base or any(path.startswith(base + "/") for path in paths):
            continue
        continuations = tuple(sorted({path[len(base)] for path in paths if path.startswith(base) and len(path) > len(base)}))
        if continuations:
            prefix = runtime.mounts[name] + base
            out[prefix + "/"] = (prefix, continuations)
    return out


def unglue(path: str, glued: Mapping[str, tuple[str, tuple[str, ...]]]) -> str:
    """``path`` with httpx's inserted "/" taken out after a glued base path (else unchanged)."""
    for slashed, (prefix, continuations) in glued.items():
        if path.startswith(slashed) and path[len(slashed):].startswith(continuations):
            return prefix + path[len(slashed):]
    return path


class Clock:
    """The server's virtual clock, as seen from a test."""

    def __init__(self, admin: httpx.Client) -> None:
        self._admin = admin

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._admin.post("/__admin/clock", json=body)
        response.raise_for_status()
        return dict(response.json())

    def now(self) -> str:
        return str(self._admin.get("/__admin/clock").json()["now"])

    def advance(self, duration: str | float | None = None, **parts: float) -> str:
        """``advance(hours=1)``, ``advance(90)`` (seconds) or ``advance("PT15M")``."""
        amount: str | float = duration if duration is not None else timedelta(**parts).total_seconds()
        return str(self._post({"advance": amount})["now"])

    def set(self, instant: str) -> str:
        return str(self._post({"set": instant})["now"])

    def freeze(self, on: bool = True) -> None:
        self._post({"freeze": on})

    def reset(self) -> None:
        self._post({"reset": True})


class AdminHelpers:
    """Journal, scenario, clock and reset helpers over an admin client; subclasses give ``base_url``."""

    _admin: httpx.Client
    clock: Clock
    _glued: Mapping[str, tuple[str, tuple[str, ...]]]

    def base_url(self, vendor: str) -> str:
        raise NotImplementedError

    def credentials(self, vendor: str) -> dict[str, Any]:
        """``{"base_url", "create_user", "headers", "login", ...}``: everything needed to call ``vendor`` now."""
        return dict(self._admin.get("/__admin/vendors").json()[vendor])

    def headers(self, vendor: str) -> dict[str, str]:
        return dict(self.credentials(vendor)["headers"])

    def client(self, vendor: str, **options: Any) -> httpx.Client:
        """An ``httpx.Client`` on ``vendor``'s base URL with its live auth headers; paths as the README writes them."""
        glued = self._glued

        def fix(request: httpx.Request) -> None:
            path = unglue(request.url.path, glued)
            if path != request.url.path:
                request.url = request.url.copy_with(path=path)

        hooks = options.pop("event_hooks", {})
        hooks = {**hooks, "request": [fix, *hooks.get("request", [])]}
        options.setdefault("headers", self.headers(vendor))
        options.setdefault("timeout", 30)
        return self._client(base_url=self.base_url(vendor), event_hooks=hooks, **options)

    def _client(self, **options: Any) -> httpx.Client:
        return httpx.Client(**options)

    # ---------------------------------------------------------- scenarios
    def activate(self, name: str) -> None:
        response = self._admin.post(f"/__admin/scenarios/{name}/activate")
        if response.status_code == 404:
            raise LookupError(response.json()["error"])
        response.raise_for_status()

    def deactivate(self, name: str) -> None:
        self._admin.post(f"/__admin/scenarios/{name}/deactivate").raise_for_status()

    @contextmanager
    def scenario(self, name: str) -> Iterator[None]:
        """Active inside the ``with`` block only."""
        self.activate(name)
        try:
            yield
        finally:
            self.deactivate(name)

    def define_scenario(self, document: str | dict[str, Any], activate: bool = False) -> str:
        content = document if isinstance(document, str) else httpx.Request("POST", "/", json=document).content
        response = self._admin.post("/__admin/scenarios" + ("?activate=true" if activate else ""), content=content)
        if response.status_code != 201:
            raise ValueError(response.json()["error"])
        return str(response.json()["name"])

    # ------------------------------------------------------------ journal
    def requests(self, vendor: str | None = None, operation: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first: every match (the server answers a page at a time), or the newest ``limit``."""
        params = {k: v for k, v in {"vendor": vendor, "operation": operation, **filters}.items() if v is not None}
        if "limit" in params or "after" in params:
            return list(self._admin.get("/__admin/requests", params=params).json())
        entries: list[dict[str, Any]] = []
        after = 0
        while True:  # follow the pages' next links from the oldest entry on
            response = self._admin.get("/__admin/requests", params={**params, "after": after})
            response.raise_for_status()
            page = list(response.json())
            entries += page
            if not page or "next" not in response.links:
                return entries
            after = page[-1]["seq"]

    def count(self, vendor: str, operation: str | None = None, **match: Any) -> int:
        return int(self._admin.post("/__admin/requests/count", json=self._match(vendor, operation, match)).json()["count"])

    def assert_called(self, vendor: str, operation: str | None = None, times: int = 1, **match: Any) -> None:
        """Exactly ``times`` journaled calls match; otherwise say what was expected and what came closest."""
        criteria = self._match(vendor, operation, match)
        answer = self._admin.post("/__admin/requests/count", json=criteria).json()
        if answer["count"] == times:
            return
        closest = answer.get("closest") or list(self.requests(vendor, operation))[-3:]
        lines = [
            f"expected {times} call(s) matching {criteria}, found {answer['count']}.",
            "closest requests:" if closest else "no requests to that vendor/operation were made.",
        ]
        for entry in closest:
            lines.append(f"  {entry['method']} {entry['path']} -> {entry['status']} ({entry['operation']}) body={entry['body']!r}")
        raise AssertionError("\n".join(lines))

    @staticmethod
    def _match(vendor: str, operation: str | None, match: dict[str, Any]) -> dict[str, Any]:
        unknown = set(match) - {*_MATCH_KEYS, "body", "headers", "response", "query"}
        if unknown:
            raise TypeError(f"unknown match keys {sorted(unknown)}; use {', '.join((*_MATCH_KEYS, 'body', 'headers', 'response', 'query'))}")
        return {k: v for k, v in {"vendor": vendor, "operation": operation, **match}.items() if v is not None}

    # -------------------------------------------------------------- state
    def reset(self) -> None:
        """Fixtures back, users/journal/scenario state gone, clock as at start."""
        self._admin.post("/__admin/reset").raise_for_status()
        self.clock.reset()
