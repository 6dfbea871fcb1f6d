"""Regenerate the README's fidelity section from the code.

    python3 tools/gen_readme.py          # rewrite README.md between the markers
    python3 tools/gen_readme.py --check  # exit 1 if README.md is out of date

The text between ``<!-- fidelity:start -->`` and ``<!-- fidelity:end -->`` is
``mockserver.core.fidelity.render_markdown`` for every registered vendor
(embedded fixtures): the hand-written tables in
``mockserver/vendors/<vendor>/fidelity.py`` plus rows generated from each
vendor's routes and error catalog.  Nothing outside the markers is touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.app import Runtime  # noqa: E402
from mockserver.config import Config  # noqa: E402
from mockserver.core.fidelity import render_markdown  # noqa: E402

README = ROOT / "README.md"
START = "<!-- fidelity:start -->"
END = "<!-- fidelity:end -->"


def generated_section() -> str:
    """The Markdown that belongs between the markers (all vendors, embedded fixtures)."""
    return render_markdown(Runtime(Config()).vendors)


def splice(text: str, section: str) -> str:
    """``text`` with everything between the markers replaced by ``section``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{README.name}: markers {START} ... {END} not found")
    head = text[: start + len(START)]
    return f"{head}\n{section}{text[end:]}"


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = splice(current, generated_section())
    if "--check" in argv:
        if wanted != current:
            print(f"{README.name} is out of date: run python3 tools/gen_readme.py", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        README.write_text(wanted, encoding="utf-8")
        print(f"{README.name}: fidelity section rewritten")
    else:
        print(f"{README.name}: fidelity section already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
