"""Install the pinned client generators for tests/clients (the one step that uses the network).

    python3 tests/clients/setup_clients.py           # install what versions.toml pins (no-op when done)
    python3 tests/clients/setup_clients.py --check   # exit 1 unless they are installed

A virtual environment under ``.cache/clients/`` (gitignored) gets the exact versions
``tests/clients/versions.toml`` pins: openapi-python-client, openapi-generator-cli
(the PyPI wheel carries the generator's jar; it runs on the machine's Java 17)
and the run-time packages the generated clients import.  The generated clients
run on that environment's Python too, so nothing reaches the project's own
environment (no ``pip install -e`` of anything).  A stamp file records the pins
the environment was made for: a changed pin makes the next run rebuild it.
The tests never install anything: without this environment they skip, saying
to run this script (and fail instead under ``MOCKSERVER_REQUIRE_CLIENTS=1``, as in CI).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PINS = Path(__file__).with_name("versions.toml")
# MOCKSERVER_CLIENTS_CACHE moves it (e.g. to a cache a CI keeps, or an empty one in a test).
CACHE = Path(os.environ.get("MOCKSERVER_CLIENTS_CACHE") or ROOT / ".cache" / "clients").resolve()
VENV = CACHE / "venv"
STAMP = VENV / "mockserver-pins.sha256"
PYTHON = VENV / "bin" / "python"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def pins() -> dict[str, dict[str, str]]:
    """``{"tools": {name: version}, "runtime": {name: version}}`` from versions.toml."""
    with PINS.open("rb") as handle:
        data = tomllib.load(handle)
    return {section: {str(k): str(v) for k, v in data.get(section, {}).items()} for section in ("tools", "runtime")}


def requirements() -> list[str]:
    return [f"{name}=={version}" for section in pins().values() for name, version in section.items()]


def fingerprint() -> str:
    return hashlib.sha256("\n".join(requirements()).encode()).hexdigest()


def missing() -> str | None:
    """Why the pinned tools are not ready to use (None: they are)."""
    if not PYTHON.is_file():
        return f"no client-tools environment at {_shown(VENV)}"
    if not STAMP.is_file() or STAMP.read_text().strip() != fingerprint():
        return f"the client-tools environment at {_shown(VENV)} was made for other pins than {PINS.relative_to(ROOT)}"
    if shutil.which("java") is None:
        return "no `java` on PATH (openapi-generator needs Java 11 or newer)"
    return None


def install() -> None:
    if missing() is None:
        print(f"client tools already installed in {_shown(VENV)}")
        return
    shutil.rmtree(VENV, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    # --no-cache-dir: nothing is kept between CI runs anyway, and the jar wheel is large.
    subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--no-cache-dir", *requirements()], check=True)
    STAMP.write_text(fingerprint() + "\n")
    print(f"client tools installed in {_shown(VENV)}: {', '.join(requirements())}")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        why = missing()
        if why:
            print(why, file=sys.stderr)
            return 1
        return 0
    install()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
