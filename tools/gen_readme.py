"""Regenerate the generated sections of README.md and docs/*.md from the code.

    python3 tools/gen_readme.py          # rewrite every file between its markers
    python3 tools/gen_readme.py --check  # exit 1 if one is out of date

Each pair of markers may sit in any of those files (the fidelity map is in
docs/fidelity.md, the scenario list in docs/scenarios.md, the clients table in
docs/contracts.md, the configuration table in README.md); a file is only
rewritten between the markers it holds.

The text between ``<!-- fidelity:start -->`` and ``<!-- fidelity:end -->`` is
``mockserver.core.fidelity.render_markdown`` for every registered vendor
(embedded fixtures): the hand-written tables in
``mockserver/vendors/<vendor>/fidelity.py`` plus rows generated from each
vendor's routes and error catalog.  The list between ``<!-- scenarios:start -->`` and ``<!-- scenarios:end -->`` is the
shipped scenario library.  The table between ``<!-- clients:start -->`` and
``<!-- clients:end -->`` is what the real-client suites recorded in
``tests/clients/results/*.json`` (``tests.clients.results.table``).  The table between
``<!-- env:start -->`` and ``<!-- env:end -->`` lists every ``serve`` option with its
``MOCKSERVER_*`` variable (``mockserver.envvars.markdown_table``).  Nothing outside the
markers is touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.app import Runtime  # noqa: E402
from mockserver.config import Config  # noqa: E402
from mockserver.core.fidelity import render_markdown  # noqa: E402
from mockserver.envvars import markdown_table  # noqa: E402
from tests.clients import results as client_results  # noqa: E402

README = ROOT / "README.md"
# Every file that may hold generated sections.
FILES = (README, *sorted((ROOT / "docs").glob("*.md")))
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
        raise SystemExit(f"markers {start_marker} ... {end_marker} not found")
    head = text[: start + len(start_marker)]
    return f"{head}\n{section}{text[end:]}"


def render(text: str, runtime: Runtime | None = None) -> str:
    """``text`` with each generated section it holds (by its markers) rewritten."""
    runtime = runtime or Runtime(Config())
    sections = (
        (START, END, lambda: generated_section(runtime)),
        (client_results.START, client_results.END, client_results.table),
        ("<!-- scenarios:start -->", "<!-- scenarios:end -->", lambda: scenario_list(runtime)),
        ("<!-- env:start -->", "<!-- env:end -->", markdown_table),
    )
    for start, end, make in sections:
        if start in text:
            text = splice(text, make(), start, end)
    return text


def main(argv: list[str]) -> int:
    runtime = Runtime(Config())
    stale = []
    for path in FILES:
        current = path.read_text(encoding="utf-8")
        wanted = render(current, runtime)
        if wanted == current:
            continue
        stale.append(path.relative_to(ROOT))
        if "--check" not in argv:
            path.write_text(wanted, encoding="utf-8")
            print(f"{path.relative_to(ROOT)}: generated sections rewritten")
    if "--check" in argv and stale:
        print(f"{', '.join(map(str, stale))} out of date: run python3 tools/gen_readme.py", file=sys.stderr)
        return 1
    if not stale:
        print("generated sections already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
