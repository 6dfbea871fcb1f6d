"""The admin API's guard on real sockets: a hostile page, a rebound DNS name and the network get nowhere.

Every request here goes to 127.0.0.1; the only other address bound is the wildcard (0.0.0.0).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

import mockserver
from mockserver.app import build_app
from mockserver.config import Config
from mockserver.core.guard import is_loopback
from mockserver.pytest_plugin import MockServerHandle
from mockserver.server import RunningServer

from .samples import CREATE_BODIES

VP_CREATE = "/vaultspay/as/api/v1/users"
PAGE_SCENARIO = (  # what a hostile page would post: every VaultsPay create then answers the page's body
    "name: page-owned\n"
    "rules:\n"
    "  - match: {vendor: vaultspay, operation: create_user}\n"
    "    respond: {status: 200, body: {owned: by the page}}\n"
)
BROWSER = {  # the headers Chromium sends with a no-cors fetch() POST from https://evil.example
    "Origin": "https://evil.example",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "no-cors",
    "Sec-Fetch-Dest": "empty",
    "Content-Type": "text/plain;charset=UTF-8",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Referer": "https://evil.example/",
}
CROSS = "the admin API answers same-origin pages and non-browser clients only"
TOKEN = "s3cret-admin-token"
MISSING = {"error": "admin token required: send Authorization: Bearer <token> or X-Mock-Admin-Token: <token>"}


def rebinding(host: str) -> dict[str, str]:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name[:-1] if name.endswith(".") else name
    return {"error": (
        f"Host {host!r} may not reach the admin API (DNS-rebinding defence): call it as localhost "
        f"or 127.0.0.1, or start the server with --allowed-host {name.lower()}"
    )}


@pytest.fixture(scope="module")
def live() -> Iterator[RunningServer]:
    with mockserver.running(port=0, vendors=("vaultspay",)) as server:
        yield server


@pytest.fixture(scope="module")
def guarded() -> Iterator[RunningServer]:
    with mockserver.running(port=0, vendors=("vaultspay",), admin_token=TOKEN, allowed_hosts=("sandbox.test",)) as server:
        yield server


@pytest.fixture
def client(live: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=10) as c:
        assert c.post("/__admin/reset").status_code == 200
        yield c


def port_of(server: RunningServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def vaultspay_create(c: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return c.post(VP_CREATE, json=CREATE_BODIES["vaultspay"], headers=headers)


# ------------------------------------------------------------ cross-origin pages
def test_a_hostile_pages_text_plain_post_is_refused_and_changes_nothing(client: httpx.Client) -> None:
    vp = client.get("/__admin/vendors").json()["vaultspay"]["headers"]
    answer = client.post("/__admin/scenarios?activate=true", content=PAGE_SCENARIO, headers=BROWSER)
    assert answer.status_code == 403
    assert answer.json() == {"error": f"cross-origin browser request refused (Sec-Fetch-Site: cross-site): {CROSS}"}
    assert "page-owned" not in [s["name"] for s in client.get("/__admin/scenarios").json()]
    created = vaultspay_create(client, vp)
    assert created.status_code == 200
    assert created.json()["data"]["email"] == CREATE_BODIES["vaultspay"]["email"]
    # The same bytes from a non-browser client are accepted: the refusal above was the guard's.
    assert client.post("/__admin/scenarios?activate=true", content=PAGE_SCENARIO, headers={"Content-Type": "text/plain"}).status_code == 201
    assert vaultspay_create(client, vp).json() == {"owned": "by the page"}


@pytest.mark.parametrize(
    ("headers", "shown"),
    [
        ({"Origin": "https://evil.example"}, "Origin: https://evil.example"),  # a browser without Sec-Fetch-*
        ({"Origin": "null"}, "Origin: null"),  # a sandboxed iframe or a file:// page
        ({"Sec-Fetch-Site": "same-site"}, "Sec-Fetch-Site: same-site"),  # another port of localhost is same-site
        ({"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site: cross-site"),
        ({"Origin": "http://localhost:1", "Sec-Fetch-Site": "same-origin"}, "Origin: http://localhost:1"),
    ],
)
def test_each_cross_origin_signal_alone_is_refused(client: httpx.Client, headers: dict[str, str], shown: str) -> None:
    answer = client.post("/__admin/reset", headers=headers)
    assert answer.status_code == 403
    assert answer.json() == {"error": f"cross-origin browser request refused ({shown}): {CROSS}"}


def test_a_same_origin_page_keeps_working(client: httpx.Client, live: RunningServer) -> None:
    own = live.url  # http://127.0.0.1:PORT, as a page served from /__admin/ui would send it
    page = {"Origin": own, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Content-Type": "text/plain"}
    defined = client.post("/__admin/scenarios?activate=true", content=PAGE_SCENARIO, headers=page)
    assert defined.status_code == 201 and defined.json()["name"] == "page-owned"
    host = f"localhost:{port_of(live)}"
    assert client.get("/__admin/vendors", headers={"Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}).status_code == 200
    # The address bar (Sec-Fetch-Site: none) is the user, not a page.
    assert client.get("/__admin/health", headers={"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"}).status_code == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-yaml", "application/json"])
def test_curl_like_clients_keep_working_yaml_body_included(client: httpx.Client, content_type: str | None) -> None:
    headers = {"User-Agent": "curl/8.5.0"} | ({"Content-Type": content_type} if content_type else {})
    answer = client.post("/__admin/scenarios?activate=true", content=PAGE_SCENARIO, headers=headers)
    assert answer.status_code == 201
    assert answer.json()["name"] == "page-owned" and answer.json()["active"] is True


# ------------------------------------------------------------ DNS rebinding
def test_a_rebound_name_cannot_read_the_live_tokens(client: httpx.Client, live: RunningServer) -> None:
    tokens = client.get("/__admin/vendors").json()["vaultspay"]["headers"]["Authorization"].removeprefix("Bearer ")
    answer = client.get("/__admin/vendors", headers={"Host": "evil.example:8080"})
    assert answer.status_code == 403
    assert answer.json() == rebinding("evil.example:8080")
    assert tokens not in answer.text
    # Vendor routes stay open whatever the Host, as the vendors' own are.
    assert vaultspay_create(client, {"Authorization": f"Bearer {tokens}", "Host": "evil.example:8080"}).status_code == 200


@pytest.mark.parametrize(
    "host",
    ["EVIL.example.", "127.0.0.1.nip.io:{port}", "localhost.evil.example:{port}", "testserver", "mockserver.local", "sandbox.test"],
)
def test_any_other_dns_name_is_refused(client: httpx.Client, live: RunningServer, host: str) -> None:
    host = host.format(port=port_of(live))
    answer = client.post("/__admin/reset", headers={"Host": host})
    assert answer.status_code == 403
    assert answer.json() == rebinding(host)


@pytest.mark.parametrize(
    "host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "LocalHost:{port}", "localhost.", "app.localhost:{port}", "10.1.2.3"],
)
def test_ip_literals_and_localhost_names_are_accepted(client: httpx.Client, live: RunningServer, host: str) -> None:
    answer = client.get("/__admin/health", headers={"Host": host.format(port=port_of(live))})
    assert (answer.status_code, answer.json()["status"]) == (200, "ok")


def _raw(server: RunningServer, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while not data.endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def test_a_missing_or_repeated_host_is_refused(live: RunningServer) -> None:
    missing = _raw(live, b"GET /__admin/vendors HTTP/1.1\r\n\r\n")
    assert missing.startswith(b"HTTP/1.1 400 ") and missing.endswith(b'\r\n\r\n{"error":"a Host header is required"}')
    twice = _raw(live, b"GET /__admin/vendors HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n")
    assert twice.startswith(b"HTTP/1.1 400 ") and twice.endswith(b'\r\n\r\n{"error":"more than one Host header"}')
    # HTTP/1.0 has no Host to check (and no browser speaks it).
    assert _raw(live, b"GET /__admin/health HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 200 ")


# ------------------------------------------------------------ the admin token
def test_the_token_is_required_on_every_admin_route_when_set(guarded: RunningServer) -> None:
    with httpx.Client(base_url=guarded.url, timeout=10) as c:
        for method, path in [("GET", "/__admin/vendors"), ("GET", "/__admin/health"), ("POST", "/__admin/reset"), ("GET", "/__admin/nope")]:
            answer = c.request(method, path)
            assert (answer.status_code, answer.json()) == (401, MISSING), path
            assert answer.headers["www-authenticate"] == 'Bearer realm="mockserver admin"'
        for wrong in ({"Authorization": "Bearer nope"}, {"X-Mock-Admin-Token": TOKEN + "x"}, {"Authorization": f"Basic {TOKEN}"}):
            answer = c.get("/__admin/vendors", headers=wrong)
            expected = MISSING if "Basic" in wrong.get("Authorization", "") else {"error": "wrong admin token"}
            assert (answer.status_code, answer.json()) == (401, expected), wrong
        for right in ({"Authorization": f"Bearer {TOKEN}"}, {"authorization": f"bearer {TOKEN}"}, {"X-Mock-Admin-Token": TOKEN}):
            assert c.get("/__admin/vendors", headers=right).status_code == 200, right
        # A name the user allowed passes the Host check; the token is still needed.
        assert c.get("/__admin/health", headers={"Host": "sandbox.test:9", "X-Mock-Admin-Token": TOKEN}).status_code == 200
        assert c.get("/__admin/health", headers={"Host": "sandbox.test:9"}).status_code == 401
        # The token does not lift the other checks.
        assert c.get("/__admin/vendors", headers={"Host": "evil.example", "X-Mock-Admin-Token": TOKEN}).status_code == 403
        assert c.post("/__admin/reset", headers={**BROWSER, "X-Mock-Admin-Token": TOKEN}).status_code == 403
        # Vendor routes never need it.
        vp = guarded.runtime.describe(guarded.url)["vaultspay"]["headers"]
        assert vaultspay_create(c, vp).status_code == 200


def test_running_server_and_the_plugin_send_the_token(guarded: RunningServer) -> None:
    assert guarded.admin_token == TOKEN and guarded.admin_headers() == {"Authorization": f"Bearer {TOKEN}"}
    handle = MockServerHandle(guarded)
    try:
        handle.reset()
        assert handle.credentials("vaultspay")["base_url"] == guarded.base_url("vaultspay")
        assert handle.clock.now()
    finally:
        handle.close()


def test_running_refuses_a_wildcard_without_a_token_and_generates_one_on_auto() -> None:
    with pytest.raises(ValueError) as refused, mockserver.running(host="0.0.0.0"):
        pass  # pragma: no cover
    assert str(refused.value) == (
        "mockserver.running(host='0.0.0.0') exposes the admin API beyond this machine: pass admin_token='<token>' (or admin_token='auto')"
    )
    with mockserver.running(port=0, vendors=("vaultspay",), admin_token="auto") as server:
        assert server.admin_token and len(server.admin_token) >= 32
        assert httpx.get(server.url + "/__admin/health").status_code == 401
        assert httpx.get(server.url + "/__admin/health", headers=server.admin_headers()).status_code == 200


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True), ("LOCALHOST", True),
    ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.5", False), ("myhost.lan", False), ("app.localhost", False),
])
def test_which_hosts_are_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# ------------------------------------------------------------ in-process clients
def test_in_process_clients_pass_and_still_get_the_host_check() -> None:
    transport = mockserver.transport(vendors=("vaultspay",))
    try:
        with httpx.Client(transport=transport, base_url="http://mockserver.local") as c:
            assert c.get("/__admin/health").status_code == 200
            assert c.get("/__admin/health", headers={"Host": "evil.example"}).status_code == 403
    finally:
        transport.close()
    with TestClient(build_app(Config(vendors=("vaultspay",)))) as c:  # Host: testserver
        assert c.get("/__admin/health").status_code == 200
        assert c.get("/__admin/health", headers={"Host": "evil.example"}).json() == rebinding("evil.example")


# ------------------------------------------------------------ `mockserver serve`
def _environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MOCKSERVER_ADMIN_TOKEN"}
    return env | extra


def test_serve_beyond_loopback_without_a_token_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, env=_environ(),
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "mockserver: --host 0.0.0.0 exposes the admin API beyond this machine: "
        "set --admin-token TOKEN (or MOCKSERVER_ADMIN_TOKEN, or --admin-token auto)\n"
    )


class Served:
    """A `mockserver serve` subprocess: its banner head (up to the first blank line) and its port."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--log-level", "warning", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        assert self.proc.stdout is not None
        self.head: list[str] = []
        for line in self.proc.stdout:
            if not line.strip():
                break
            self.head.append(line.rstrip("\n"))
        found = re.search(r"listening on \S+:(\d+) ", self.head[0] if self.head else "")
        assert found, self.head
        self.url = f"http://127.0.0.1:{found.group(1)}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/__admin/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.02)

    def stop(self) -> str:
        """The rest of its output."""
        self.proc.terminate()
        rest, _ = self.proc.communicate(timeout=20)
        return rest


def test_serve_on_the_wildcard_with_a_generated_token() -> None:
    served = Served("--host", "0.0.0.0", "--admin-token", "auto", "--allowed-host", "sandbox.test", env=_environ())
    try:
        port = served.url.rsplit(":", 1)[1]
        assert served.head[0].endswith(f"listening on 0.0.0.0:{port} (every interface: reachable from the network; admin token required)")
        assert served.head[1] == f"URLs below: {served.url} from this machine; from elsewhere use this machine's address, port {port}"
        token_line = next(line for line in served.head if line.startswith("admin token: "))
        token = token_line.split()[2]
        assert len(token) >= 32 and "(generated for this run;" in token_line
        assert httpx.get(served.url + "/__admin/vendors").json() == MISSING
        assert httpx.get(served.url + "/__admin/vendors", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        allowed = {"Host": f"sandbox.test:{port}", "X-Mock-Admin-Token": token}
        assert httpx.get(served.url + "/__admin/health", headers=allowed).status_code == 200
    finally:
        rest = served.stop()
    assert "Traceback" not in rest


def test_serve_token_from_the_environment_the_flag_wins_and_neither_is_echoed() -> None:
    served = Served(env=_environ(MOCKSERVER_ADMIN_TOKEN="env-token-123"))
    try:
        assert served.head[0].endswith("(loopback: this machine only)")
        assert any(line.startswith("admin token: set (from MOCKSERVER_ADMIN_TOKEN; not shown;") for line in served.head)
        assert httpx.get(served.url + "/__admin/health").status_code == 401
        assert httpx.get(served.url + "/__admin/health", headers={"X-Mock-Admin-Token": "env-token-123"}).status_code == 200
    finally:
        output = "\n".join(served.head) + served.stop()
    assert "env-token-123" not in output

    served = Served("--admin-token", "flag-token-456", env=_environ(MOCKSERVER_ADMIN_TOKEN="env-token-123"))
    try:
        assert any(line.startswith("admin token: set (from --admin-token; not shown;") for line in served.head)
        assert httpx.get(served.url + "/__admin/health", headers={"X-Mock-Admin-Token": "flag-token-456"}).status_code == 200
        assert httpx.get(served.url + "/__admin/health", headers={"X-Mock-Admin-Token": "env-token-123"}).status_code == 401
    finally:
        output = "\n".join(served.head) + served.stop()
    assert "flag-token-456" not in output and "env-token-123" not in output


@pytest.mark.parametrize(("args", "line"), [
    (["--admin-token", "two words"], "--admin-token: the admin token must be printable ASCII without spaces (it travels in an HTTP header)"),
    (["--allowed-host", "http://x.test/"], "--allowed-host 'http://x.test/' is not a host name (give a name such as myhost.lan, no scheme or path)"),
])
def test_serve_refuses_an_unusable_token_or_allowed_host_in_one_line(args: list[str], line: str) -> None:
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "0", *args], capture_output=True, text=True, timeout=60, env=_environ())
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"mockserver: {line}\n")

