"""The ``url`` and ``store`` fixtures of the SQLite store's unit tests (a fresh file per test), written once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.core.sqlite_store import SQLiteStore


def sqlite_fixtures(filename: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """A module's ``url`` (a ``sqlite:///`` URL in the test's temporary directory) and ``store`` (a SQLiteStore on it, closed after)."""

    @pytest.fixture(name="url")
    def url_fixture(tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / filename}"

    @pytest.fixture(name="store")
    def store_fixture(url: str) -> Iterator[SQLiteStore]:
        made = SQLiteStore(url)
        try:
            yield made
        finally:
            made.close()

    return url_fixture, store_fixture
