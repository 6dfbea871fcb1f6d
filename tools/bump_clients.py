"""Bump the pinned real-client versions (tests/clients/versions.toml) to the newest on PyPI.

    python3 tools/bump_clients.py            # rewrite versions.toml with the newest releases
    python3 tools/bump_clients.py --check    # print what would change; exit 1 if anything would

Asks PyPI (through pip, the ordinary client: ``pip index versions NAME``) for each
pinned package's newest release and rewrites only the version strings of
versions.toml, keeping its comments.  Then: ``python3 tests/clients/setup_clients.py``,
``MOCKSERVER_UPDATE_CLIENT_RESULTS=1 python3 -m pytest tests/clients``,
``python3 tools/gen_readme.py``, and commit versions.toml, tests/clients/results/
and README.md together (the suite fails on a results row another version made).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.clients.setup_clients import PINS, pins  # noqa: E402

_LATEST = re.compile(r"^\S+ \(([^)]+)\)", re.MULTILINE)
_PIN_LINE = r'(?m)^({name}\s*=\s*")[^"]*(")'


def newest(name: str) -> str:
    """The newest release of ``name`` that pip would install (pre-releases excluded)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=120,
    )
    found = _LATEST.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"cannot read the newest version of {name} from PyPI: {done.stderr.strip() or done.stdout.strip()}")
    return found.group(1)


def bumped(text: str, versions: dict[str, str]) -> str:
    """versions.toml's ``text`` with each ``name = "..."`` line set to ``versions[name]``."""
    for name, version in versions.items():
        text, count = re.subn(_PIN_LINE.format(name=re.escape(name)), rf"\g<1>{version}\g<2>", text)
        if count != 1:
            raise SystemExit(f"{PINS.name}: expected one pin line for {name}, found {count}")
    return text


def main(argv: list[str]) -> int:
    current = {name: version for section in pins().values() for name, version in section.items()}
    latest = {name: newest(name) for name in current}
    changes = {name: (current[name], latest[name]) for name in current if current[name] != latest[name]}
    for name, (old, new) in changes.items():
        print(f"{name}: {old} -> {new}")
    if not changes:
        print("every pin is the newest release")
        return 0
    if "--check" in argv:
        return 1
    PINS.write_text(bumped(PINS.read_text(encoding="utf-8"), latest), encoding="utf-8")
    print(f"{PINS.relative_to(ROOT)} rewritten: now run tests/clients/setup_clients.py and the suite (see this script's docstring)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
