"""Regenerate the README's generated sections (fidelity map, scenario library) from the code.

    python3 tools/gen_readme.py          # rewrite README.md between the markers
    python3 tools/gen_readme.py --check  # exit 1 if README.md is out of date

The text between ``<!-- fidelity:start -->`` and ``<!-- fidelity:end -->`` is
``mockserver.core.fidelity.render_markdown`` for every registered vendor
(embedded fixtures): the hand-written tables in
``mockserver/vendors/<vendor>/fidelity.py`` plus rows generated from each
vendor's routes and error catalog.  The list between ``<!-- scenarios:start -->`` and ``<!-- scenarios:end -->`` is the
shipped scenario library.  The table between ``<!-- clients:start -->`` and
``<!-- clients:end -->`` is what the real-client suites recorded in
``tests/clients/results/*.json`` (``tests.clients.results.table``).  Nothing
outside the markers is touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.app import Runtime  # noqa: E402
from mockserver.config import Config  # noqa: E402
from mockserver.core.fidelity import render_markdown  # noqa: E402
from tests.clients import results as client_results  # noqa: E402

README = ROOT / "README.md"
START = "<!-- fidelity:start -->"
END = "<!-- fidelity:end -->"


def generated_section(runtime: Runtime | None = None) -> str:
    """The Markdown that belongs between the fidelity markers (all vendors, embedded fixtures)."""
    return render_markdown((runtime or Runtime(Config())).vendors)


def scenario_list(runtime: Runtime) -> str:
    """One line per shipped scenario: flows first, then the per-error ones by vendor."""
    library = runtime.scenarios.library
    vendors = tuple(f"{name}-" for name in runtime.vendors)
    flows = sorted(n for n in library if not n.startswith(vendors))
    errors = sorted(n for n in library if n.startswith(vendors))
    lines = [f"- `{name}` — {library[name].description}" for name in flows]
    lines.append("")
    lines.append("<details><summary>The per-error scenarios</summary>")
    lines.append("")
    lines += [f"- `{name}` — {library[name].description}" for name in errors]
    lines.append("")
    lines.append("</details>")
    return "\n".join(lines) + "\n"


def splice(text: str, section: str, start_marker: str = START, end_marker: str = END) -> str:
    """``text`` with everything between the markers replaced by ``section``."""
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise SystemExit(f"{README.name}: markers {start_marker} ... {end_marker} not found")
    head = text[: start + len(start_marker)]
    return f"{head}\n{section}{text[end:]}"


def render(text: str) -> str:
    runtime = Runtime(Config())
    text = splice(text, generated_section(runtime))
    text = splice(text, client_results.table(), client_results.START, client_results.END)
    return splice(text, scenario_list(runtime), "<!-- scenarios:start -->", "<!-- scenarios:end -->")


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if wanted != current:
            print(f"{README.name} is out of date: run python3 tools/gen_readme.py", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        README.write_text(wanted, encoding="utf-8")
        print(f"{README.name}: generated sections rewritten")
    else:
        print(f"{README.name}: generated sections already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
