"""Install the pinned official Payabli SDKs for tests/clients/payabli_sdk (the one step that uses the network).

    python3 tests/clients/payabli_sdk/setup_sdks.py           # install what versions.toml pins (no-op when done)
    python3 tests/clients/payabli_sdk/setup_sdks.py --check   # exit 1 unless both are installed

Under ``.cache/clients/payabli-sdk/`` (gitignored; ``MOCKSERVER_CLIENTS_CACHE`` moves
``.cache/clients``): a virtual environment with the Python SDK and the run-time
packages ``versions.toml`` pins, and an npm prefix with the Node SDK.  The drivers
run on that environment's Python and on ``node`` with that prefix, so nothing
reaches the project's own environment.  A stamp file in each records the pins it
was made for: a changed pin makes the next run rebuild it.  The tests never
install anything: without these they skip, saying to run this script (and fail
instead under ``MOCKSERVER_REQUIRE_CLIENTS=1``, as in CI).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PINS = Path(__file__).with_name("versions.toml")
CACHE = Path(os.environ.get("MOCKSERVER_CLIENTS_CACHE") or ROOT / ".cache" / "clients").resolve() / "payabli-sdk"
VENV = CACHE / "venv"
PYTHON = VENV / "bin" / "python"
NODE_PREFIX = CACHE / "node"
NODE_MODULES = NODE_PREFIX / "node_modules"
PYTHON_SDK, NODE_SDK = "payabli", "@payabli/sdk-node"


def pins() -> dict[str, dict[str, str]]:
    """``{"python": {name: version}, "node": {name: version}}`` from versions.toml."""
    with PINS.open("rb") as handle:
        data = tomllib.load(handle)
    return {section: {str(k): str(v) for k, v in data.get(section, {}).items()} for section in ("python", "node")}


def version(sdk: str) -> str:
    section = "python" if sdk == PYTHON_SDK else "node"
    return pins()[section][sdk]


def _requirements(section: str) -> list[str]:
    joiner = "==" if section == "python" else "@"
    return [f"{name}{joiner}{pinned}" for name, pinned in pins()[section].items()]


def _fingerprint(section: str) -> str:
    return hashlib.sha256("\n".join(_requirements(section)).encode()).hexdigest()


def _stamp(section: str) -> Path:
    return (VENV if section == "python" else NODE_PREFIX) / "mockserver-pins.sha256"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _stale(section: str) -> bool:
    stamp = _stamp(section)
    return not stamp.is_file() or stamp.read_text().strip() != _fingerprint(section)


def missing(section: str) -> str | None:
    """Why the pinned SDK of ``section`` ("python" or "node") is not ready to use (None: it is)."""
    if section == "python":
        if not PYTHON.is_file():
            return f"no Payabli Python SDK environment at {_shown(VENV)}"
    else:
        if shutil.which("node") is None:
            return "no `node` on PATH (the Node SDK needs Node 18 or newer)"
        if not (NODE_MODULES / NODE_SDK / "package.json").is_file():
            return f"no Payabli Node SDK at {_shown(NODE_MODULES)}"
    if _stale(section):
        return f"the {section} SDK at {_shown(CACHE)} was installed for other pins than {_shown(PINS)}"
    return None


def install() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    if missing("python") is None:
        print(f"Payabli Python SDK already installed in {_shown(VENV)}")
    else:
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        # --no-cache-dir: nothing is kept between CI runs anyway.
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--no-cache-dir", *_requirements("python")], check=True)
        _stamp("python").write_text(_fingerprint("python") + "\n")
        print(f"Payabli Python SDK installed in {_shown(VENV)}: {', '.join(_requirements('python'))}")
    if missing("node") is None:
        print(f"Payabli Node SDK already installed in {_shown(NODE_MODULES)}")
        return
    if shutil.which("npm") is None:
        raise SystemExit("setup_sdks: no `npm` on PATH: cannot install the Payabli Node SDK")
    shutil.rmtree(NODE_PREFIX, ignore_errors=True)
    NODE_PREFIX.mkdir(parents=True)
    # --ignore-scripts: no install hook of anything runs here.
    subprocess.run(["npm", "install", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel", "error",
                    *_requirements("node")], check=True)
    _stamp("node").write_text(_fingerprint("node") + "\n")
    print(f"Payabli Node SDK installed in {_shown(NODE_MODULES)}: {', '.join(_requirements('node'))}")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        reasons = [why for why in (missing("python"), missing("node")) if why]
        for why in reasons:
            print(why, file=sys.stderr)
        return 1 if reasons else 0
    install()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
