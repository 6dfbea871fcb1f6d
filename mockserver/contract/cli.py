"""`mockserver contract ...` (registered on the main group by cli.py)."""

from __future__ import annotations

import click


@click.group()
def contract() -> None:
    """Contract regression: record a Pact v4 file, verify it against the sandbox or a vendor (drift)."""
