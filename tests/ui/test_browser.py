"""The dashboard in a real headless browser: Playwright for Python driving the system's
Chromium (``/usr/bin/chromium``, Debian's ``chromium`` package; no browser download) against
a real ``mockserver serve`` process on 127.0.0.1.

Skipped only when the browser (or Playwright) is absent AND ``MOCKSERVER_REQUIRE_BROWSER``
is unset; CI sets it (``.ci/run`` installs chromium), so there a missing browser fails.
``MOCKSERVER_SCREENSHOTS=DIR`` saves the README's screenshots (dashboard.png, flow.png) there.
One browser and one server for the module: the whole file runs in ~10-20 s.
Waits for the page are generous (10 s): a wait met costs nothing, and a loaded CI machine is slow;
the one timed promise is the journal's "within a second".
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.core.served import Served

CHROMIUM = Path(os.environ.get("MOCKSERVER_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = bool(os.environ.get("MOCKSERVER_REQUIRE_BROWSER"))
SHOTS = os.environ.get("MOCKSERVER_SCREENSHOTS")
VENDORS = ("vaultspay", "payabli", "sabi", "pulse", "etelecom")

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # the dev extra installs it
    sync_playwright = None

_missing = "playwright (>= 1.27) is not importable" if sync_playwright is None else None if CHROMIUM.exists() else f"no browser at {CHROMIUM}"
if _missing and not REQUIRED:
    pytest.skip(f"{_missing} (apt-get install chromium; MOCKSERVER_REQUIRE_BROWSER=1 makes this a failure)", allow_module_level=True)


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    served = Served("--log-level", "warning")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if _missing:
        pytest.fail(f"MOCKSERVER_REQUIRE_BROWSER is set but {_missing}")
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


class Console:
    """What the page said on its console that a person would call an error."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def page(browser: Browser, server: Served) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.console = Console(opened)  # type: ignore[attr-defined]
    opened.goto(f"{server.origin}/__admin/ui")
    opened.wait_for_selector("body[data-ready='1']", timeout=10_000)
    opened.wait_for_selector("#live-text:text('live')", timeout=5_000)
    try:
        yield opened
    finally:
        context.close()


def _admin(server: Served, method: str, path: str, **options: Any) -> httpx.Response:
    return httpx.request(method, f"{server.origin}{path}", timeout=10, **options)


def _create_etelecom_user(server: Served, full_name: str, phone: str, session: str = "") -> None:
    headers = _admin(server, "GET", "/__admin/vendors").json()["etelecom"]["headers"]
    created = httpx.post(
        f"{server.origin}/etelecom/v1/shop.Shop/CreateAccountUser",
        headers={**headers, "X-Mock-Session": session} if session else headers,
        json={"full_name": full_name, "password": "MatKhau@2025", "phone": phone, "roles": ["salesman"]}, timeout=5,
    )
    assert created.status_code == 200, created.text


def _tab(page: Page, name: str) -> None:
    page.click(f"#tabs button[data-tab='{name}']")


def _shot(page: Page, name: str, full: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=full)


def test_the_page_loads_with_no_console_error_and_shows_every_vendor(page: Page, server: Served) -> None:
    cards = page.locator("[data-testid=vendor-card]")
    assert [cards.nth(i).get_attribute("data-vendor") for i in range(cards.count())] == list(VENDORS)
    vaultspay = page.locator("[data-vendor=vaultspay]")
    assert f"{server.origin}/vaultspay" in vaultspay.inner_text()
    assert "vp-demo-app" in vaultspay.inner_text()  # the login body
    for tab in ("journal", "flow", "state", "controls", "tryit", "demos", "vendors"):
        _tab(page, tab)
        page.wait_for_timeout(50)
    page.wait_for_timeout(300)
    assert page.console.errors == []  # type: ignore[attr-defined]


def test_a_request_sent_with_httpx_appears_in_the_journal_within_a_second(page: Page, server: Served) -> None:
    _tab(page, "journal")
    session = f"curl-{uuid.uuid4().hex[:8]}"
    sent = time.monotonic()
    answer = httpx.post(f"{server.origin}/sabi/api/v1/users/public", headers={"ApiKey": "wrong", "X-Mock-Session": session}, json={}, timeout=5)
    row = page.locator("[data-testid=journal-row]", has_text=session)
    row.wait_for(timeout=1_000)
    took = time.monotonic() - sent
    assert took < 1.0
    assert answer.status_code == 401
    assert "401" in row.inner_text() and "UNAUTHORIZED" in row.inner_text()
    row.click()  # expands to the redacted exchange
    detail = page.locator("tr.detail").first
    assert '"apikey": "***"' in detail.inner_text().lower()


def test_the_flow_of_a_guided_demo_shows_the_calls_in_order_with_the_error_named(page: Page, server: Served) -> None:
    _tab(page, "demos")
    page.fill("#d-pause", "0.1")
    card = page.locator("[data-demo=vaultspay-token-expiry]")
    card.locator("[data-testid=run-demo]").click()
    page.locator("[data-demo=vaultspay-token-expiry] li.done").nth(5).wait_for(timeout=10_000)
    card.locator("text=show its flow").click()
    answers = page.locator("#flow [data-testid=flow-answer]")
    expect(answers).to_have_count(5, timeout=5_000)  # a locator, not a JS predicate: the page's CSP forbids eval
    assert [answers.nth(i).text_content() for i in range(5)] == ["200", "200", "401 1003 TOKEN_EXPIRED", "200", "200"]
    labels = page.locator("#flow text.label")
    assert [labels.nth(i).text_content() for i in range(5)] == [
        "POST /as/api/v1/saas-login", "POST /as/api/v1/users", "POST /as/api/v1/users",
        "POST /as/api/v1/saas-refresh-token", "POST /as/api/v1/users",
    ]
    assert page.locator("#flow text.gap-text").text_content() == "+16 min on the virtual clock"
    _shot(page, "flow.png", full=True)
    if SHOTS:  # the README's journal: a few vendors' calls, the demo's error expanded
        ready = _admin(server, "GET", "/__admin/vendors").json()
        httpx.get(f"{server.origin}/pulse/users", headers=ready["pulse"]["headers"], timeout=5)
        httpx.post(f"{server.origin}/sabi/api/v1/users/public", headers={"ApiKey": "sabi-revoked"}, json={}, timeout=5)
        httpx.post(f"{server.origin}/etelecom/v1/shop.Shop/GetAccountUsers", headers=ready["etelecom"]["headers"], json={}, timeout=5)
        _tab(page, "journal")
        page.locator("[data-testid=journal-row]", has_text="etelecom").wait_for(timeout=10_000)
        page.locator("[data-testid=journal-row]", has_text="TOKEN_EXPIRED").first.click()
        page.set_viewport_size({"width": 1400, "height": 760})
        _shot(page, "dashboard.png")


def test_activating_a_scenario_from_the_page_changes_the_next_answer(page: Page, server: Served) -> None:
    _tab(page, "controls")
    page.fill("#sc-filter", "vaultspay-token-expired")
    page.locator("tr[data-scenario=vaultspay-token-expired] [data-testid=activate]").click()
    page.locator("tr[data-scenario=vaultspay-token-expired] [data-testid=deactivate]").wait_for(timeout=10_000)
    ready = _admin(server, "GET", "/__admin/vendors").json()["vaultspay"]["headers"]
    answer = httpx.post(f"{server.origin}/vaultspay/as/api/v1/users", headers=ready, json={"firstName": "A"}, timeout=5)
    assert (answer.status_code, answer.json()["code"], answer.json()["type"]) == (401, 1003, "TOKEN_EXPIRED")
    # The YAML editor shows the admin API's load error inline.
    page.fill("#sc-yaml", "name: broken\nrules:\n  - match: {vendor: nobody}\n")
    page.click("#sc-load")
    message = page.locator("[data-testid=scenario-error]")
    message.locator("text=nobody").wait_for(timeout=10_000)
    assert "err" in (message.get_attribute("class") or "")


def test_the_clock_buttons_expire_a_token(page: Page, server: Served) -> None:
    _admin(server, "POST", "/__admin/reset")
    login = httpx.post(f"{server.origin}/vaultspay/as/api/v1/saas-login", json={"clientId": "vp-demo-app", "clientSecret": "vp-demo-secret"}, timeout=5)
    token = login.json()["accessToken"]
    try:
        _tab(page, "state")
        rows = page.locator("[data-testid=token-row]")
        expect(rows).to_have_count(4, timeout=10_000)  # the fixture's two; the login's access token (15 min) and refresh session (24 h)
        assert "15 min" in rows.nth(0).inner_text() or "14 min" in rows.nth(0).inner_text()
        _tab(page, "controls")
        page.click("#clock-buttons button[data-advance=PT1H]")
        page.locator("#clock-msg:text('moved +1 h')").wait_for(timeout=10_000)
        _tab(page, "state")
        expect(rows).to_have_count(3, timeout=10_000)
        assert "15 min" not in rows.nth(0).inner_text() and "14 min" not in rows.nth(0).inner_text()
        expired = httpx.get(f"{server.origin}/vaultspay/as/api/v1/users/590", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert expired.json()["type"] == "TOKEN_EXPIRED"
    finally:
        _admin(server, "POST", "/__admin/clock", json={"reset": True})


def test_reset_empties_the_users(page: Page, server: Served) -> None:
    session = f"reset-{uuid.uuid4().hex[:8]}"
    _create_etelecom_user(server, "Lê Thị Hoa", "0907654321", session)
    _tab(page, "state")
    page.select_option("#s-vendor", "etelecom")
    page.fill("#s-session", session)
    page.dispatch_event("#s-session", "change")
    page.locator("[data-testid=user-row]", has_text="0907654321").wait_for(timeout=10_000)
    _tab(page, "controls")
    page.fill("#reset-session", session)
    page.click("#reset-session-btn")
    page.locator(f"#reset-msg:text('session {session} reset')").wait_for(timeout=10_000)
    _tab(page, "state")
    page.locator("[data-testid=no-users]").wait_for(timeout=10_000)
    assert _admin(server, "GET", "/__admin/state", params={"vendor": "etelecom", "session": session}).json()["vendors"]["etelecom"]["users_total"] == 0
    # Everything: the users requests created are gone, the fixtures' are back.
    fixtures = _admin(server, "GET", "/__admin/state", params={"vendor": "etelecom"}).json()["vendors"]["etelecom"]["users_total"]
    _create_etelecom_user(server, "Phạm Văn Long", "0903334445")
    page.fill("#s-session", "")
    page.dispatch_event("#s-session", "change")
    page.locator("[data-testid=user-row]", has_text="0903334445").wait_for(timeout=10_000)
    _tab(page, "controls")
    page.click("#reset-all")
    page.locator("#reset-msg:text('everything reset')").wait_for(timeout=10_000)
    _tab(page, "state")
    expect(page.locator("[data-testid=user-row]", has_text="0903334445")).to_have_count(0, timeout=10_000)
    assert _admin(server, "GET", "/__admin/state", params={"vendor": "etelecom"}).json()["vendors"]["etelecom"]["users_total"] == fixtures


def test_a_filter_changed_while_the_users_load_is_not_dropped(page: Page, server: Served) -> None:
    # The load the vendor pick starts is held in flight while the session filter changes: the page
    # must load again with the new filter once the first answer lands, not keep the stale view.
    session = f"busy-{uuid.uuid4().hex[:8]}"
    _create_etelecom_user(server, "Đỗ Minh Tâm", "0908887776", session)
    _tab(page, "state")
    page.locator("#s-users-count:text('newest first')").wait_for(timeout=10_000)
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        route.continue_() if held else held.append(route)

    page.route("**/__admin/state*", hold_the_first)
    page.select_option("#s-vendor", "etelecom")
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    assert held, "the state tab sent no request"
    page.fill("#s-session", session)
    page.dispatch_event("#s-session", "change")
    held[0].continue_()
    page.locator("[data-testid=user-row]", has_text="0908887776").wait_for(timeout=10_000)


def test_a_try_it_form_creates_a_user(page: Page, server: Served) -> None:
    session = f"tryit-{uuid.uuid4().hex[:8]}"
    _tab(page, "tryit")
    page.select_option("#t-vendor", "vaultspay")
    expect(page.locator("#t-route")).to_have_value("POST /as/api/v1/users", timeout=5_000)
    assert '"email": "khalidraza@gmail.com"' in page.input_value("#t-body")  # the vendor's documented example
    page.fill("#t-session", session)
    page.click("#t-send")
    status = page.locator("[data-testid=tryit-status]")
    status.wait_for(timeout=10_000)
    assert status.inner_text().startswith("200 ")
    users = _admin(server, "GET", "/__admin/state", params={"vendor": "vaultspay", "session": session}).json()["vendors"]["vaultspay"]["users"]
    assert users[0]["email"] == "khalidraza@gmail.com"
    _tab(page, "journal")
    page.locator("[data-testid=journal-row]", has_text=session).wait_for(timeout=10_000)


class _Evil(BaseHTTPRequestHandler):
    """Another origin (another port of 127.0.0.1) whose page tries the admin API every way a page can."""

    target = ""

    def do_GET(self) -> None:
        page = f"""<!doctype html><script>
const admin = "{self.target}";
const results = {{}};
async function attempt(name, url, init) {{
  try {{ const r = await fetch(url, init); results[name] = r.type + ":" + r.status; }}
  catch (e) {{ results[name] = "blocked"; }}
}}
(async () => {{
  await attempt("reset", admin + "/__admin/reset", {{method: "POST"}});
  await attempt("reset-no-cors", admin + "/__admin/reset", {{method: "POST", mode: "no-cors"}});
  await attempt("scenario", admin + "/__admin/scenarios?activate=1", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
    body: "name: evil\\nrules:\\n  - match: {{vendor: sabi}}\\n    respond: {{status: 500}}\\n"}});
  await attempt("vendors", admin + "/__admin/vendors", {{}});
  window.results = results;
}})();
</script>""".encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: object) -> None:
        pass


def test_a_cross_origin_page_cannot_drive_the_admin_api(browser: Browser, server: Served) -> None:
    session = f"kept-{uuid.uuid4().hex[:8]}"
    headers = {**_admin(server, "GET", "/__admin/vendors").json()["sabi"]["headers"], "X-Mock-Session": session}
    made = httpx.post(f"{server.origin}/sabi/api/v1/users/public", headers=headers,
                      json={"username": "kept@example.com.ng", "password": "Sup3rSecret!", "firstName": "Kept", "lastName": "User"}, timeout=5)
    assert made.status_code == 201
    _Evil.target = server.origin
    evil = ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    try:
        attacker = context.new_page()
        attacker.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        attacker.wait_for_function("window.results !== undefined", timeout=10_000)
        results = attacker.evaluate("window.results")
    finally:
        context.close()
        evil.shutdown()
    # Readable answers are blocked by CORS; opaque (no-cors) ones were refused by the guard, as the state shows.
    assert results["reset"] == "blocked" and results["vendors"] == "blocked"
    assert results["reset-no-cors"] == "opaque:0" and results["scenario"] == "opaque:0"
    state = _admin(server, "GET", "/__admin/state", params={"vendor": "sabi", "session": session}).json()["vendors"]["sabi"]
    assert state["users"][0]["username"] == "kept@example.com.ng"  # no reset happened
    assert "evil" not in {s["name"] for s in _admin(server, "GET", "/__admin/scenarios").json()}
