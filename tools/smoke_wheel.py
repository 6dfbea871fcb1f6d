"""Smoke-test an installed mockserver: serve it, then call it as the README does.

    python tools/smoke_wheel.py MOCKSERVER_COMMAND README.md

Run by .ci/run with the interpreter of a fresh venv that holds only the built wheel, from a temporary
directory, so nothing of the checkout can stand in for what the wheel ships: the server must find its
embedded fixtures (the README's credentials), its scenario library and any package data by itself.
Standard library only.  Exit 0 with one "ok" line per check; else 1 naming the failed one.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

README_ORIGIN = "http://127.0.0.1:8080"


def call(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def readme_creates(readme: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(vendor, url, headers, body) of each "One request per vendor" curl block."""
    start = readme.index("## One request per vendor")
    section = readme[start:readme.index("\n## ", start + 1)]
    out = []
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        words = shlex.split(block.replace("\\\n", " "))
        url = next(w for w in words if w.startswith(README_ORIGIN))
        headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
        out.append((url[len(README_ORIGIN) + 1:].split("/", 1)[0], url, headers, words[words.index("-d") + 1].encode()))
    return out


def main(command: str, readme_path: str) -> int:
    import mockserver  # the installed one: it must come from the venv, not a checkout

    where = Path(mockserver.__file__).resolve()
    checks: list[str] = [f"ok  imported from {where.parent}"]
    if "site-packages" not in where.parts:
        print(f"FAIL mockserver imported from {where}, not from the venv's site-packages", file=sys.stderr)
        return 1
    server = subprocess.Popen([command, "serve", "--port", "0", "--seed", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        found = re.search(r"listening on (\S+)", first)
        if not found:
            print(f"FAIL no banner: {first!r} {server.stderr.read() if server.stderr else ''}", file=sys.stderr)
            return 1
        origin = "http://" + found.group(1)
        deadline = time.monotonic() + 30
        while True:
            try:
                status, health = call("GET", origin + "/__admin/health")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        problems: list[str] = []
        if status != 200 or health.get("status") != "ok":
            problems.append(f"health: {status} {health}")
        checks.append(f"ok  health {health}")
        creates = readme_creates(Path(readme_path).read_text(encoding="utf-8"))
        for vendor, url, headers, body in creates:
            status, _ = call("POST", url.replace(README_ORIGIN, origin), body, headers)
            (checks if status in (200, 201) else problems).append(f"{'ok ' if status in (200, 201) else 'create'} {vendor} create_user -> {status}")
        if sorted(v for v, *_ in creates) != sorted(health.get("vendors", sorted(v for v, *_ in creates))):
            problems.append(f"the README's creates cover {sorted(v for v, *_ in creates)}, the server {health.get('vendors')}")
        # A scenario of the embedded library (one for every vendor: names none), in the vendor's envelope.
        scenario = "fail-first-then-succeed"
        status, _ = call("POST", origin + f"/__admin/scenarios/{scenario}/activate")
        vendor, url, headers, body = creates[0]
        answered, envelope = call("POST", url.replace(README_ORIGIN, origin), body, headers)
        if (status, answered) != (200, 503):
            problems.append(f"scenario {scenario}: activate {status}, {vendor} create {answered} {envelope}")
        else:
            checks.append(f"ok  embedded scenario {scenario}: {vendor} -> 503 {envelope}")
        status, library = call("GET", origin + "/__admin/scenarios")
        count = len(library if isinstance(library, list) else library.get("scenarios", []))
        (checks if count > 100 else problems).append(f"{'ok ' if count > 100 else 'library'} {count} scenarios shipped")
        for name in health.get("vendors", []):
            status, document = call("GET", origin + f"/__admin/openapi/{name}.json")
            good = status == 200 and str(document.get("openapi", "")).startswith("3.1")
            (checks if good else problems).append(f"{'ok ' if good else 'openapi'} GET /__admin/openapi/{name}.json -> {status}")
    finally:
        server.terminate()
        server.communicate(timeout=30)
    print("\n".join(checks))
    if problems:
        print("FAIL " + "\nFAIL ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
