"""Pin the newest releases of the official Payabli SDKs (and the Python SDK's run-time packages).

    python3 tests/clients/payabli_sdk/bump.py            # rewrite versions.toml with the newest releases
    python3 tests/clients/payabli_sdk/bump.py --dry-run  # only say what would change

Asks PyPI (``pip index versions``) and npm (``npm view``) for each name versions.toml
pins, one look-up per pinned name.  Then run ``setup_sdks.py`` and the suite
(``MOCKSERVER_UPDATE_CLIENT_RESULTS=1`` rewrites tests/clients/results/), and commit
versions.toml with whatever the new versions reveal.  Run by hand, never by the tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.clients.payabli_sdk.setup_sdks import PINS, pins


def newest_python(name: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pip", "index", "versions", name], capture_output=True, text=True, check=True)
    found = re.search(rf"^{re.escape(name)} \(([^)]+)\)", done.stdout, re.MULTILINE | re.IGNORECASE)
    if found is None:
        raise SystemExit(f"bump: pip printed no version of {name}:\n{done.stdout}{done.stderr}")
    return found.group(1)


def newest_node(name: str) -> str:
    done = subprocess.run(["npm", "view", name, "version"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def main(argv: list[str]) -> int:
    text = PINS.read_text(encoding="utf-8")
    changed = []
    for section, newest in (("python", newest_python), ("node", newest_node)):
        for name, pinned in pins()[section].items():
            latest = newest(name)
            if latest == pinned:
                continue
            changed.append(f"{name} {pinned} -> {latest}")
            key = f'"{name}"' if not re.fullmatch(r"[A-Za-z0-9_-]+", name) else name
            text = re.sub(rf'^{re.escape(key)} = "{re.escape(pinned)}"$', f'{key} = "{latest}"', text, count=1, flags=re.MULTILINE)
    print("\n".join(changed) or "every pin is already the newest release")
    if changed and "--dry-run" not in argv:
        PINS.write_text(text, encoding="utf-8")
        print(f"rewrote {PINS.name}: now run setup_sdks.py and the suite with MOCKSERVER_UPDATE_CLIENT_RESULTS=1")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
