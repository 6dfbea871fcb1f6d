"""``serve --store`` / MOCKSERVER_STORE: a bad URL is one line naming --store; the banner names the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mockserver.app import Runtime
from mockserver.cli import banner, main
from mockserver.config import Config


def test_unknown_scheme_is_one_line() -> None:
    result = CliRunner().invoke(main, ["serve", "--store", "mongodb://u:pw@h/db"])
    assert result.exit_code == 2
    assert result.output == "mockserver: cannot start: --store: unknown store URL 'mongodb://u:***@h/db'; known schemes: memory://, sqlite://, redis://, rediss://, redis+unix://, unix://\n"


def test_the_env_var_names_the_store(tmp_path: Path) -> None:
    bad = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    result = CliRunner().invoke(main, ["serve"], env={"MOCKSERVER_STORE": bad})
    assert result.exit_code == 2
    assert result.output == f"mockserver: cannot start: --store {bad}: cannot open {tmp_path}/no/such/dir/x.db: unable to open database file\n"


def test_serve_help_names_the_flag_and_its_variable() -> None:
    text = CliRunner().invoke(main, ["serve", "--help"], terminal_width=200).output
    assert "--store URL" in text and "MOCKSERVER_<OPTION>" in text  # the variable: envvars.apply's rule


def test_banner_names_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/b.db"
    runtime = Runtime(Config(vendors=("pulse",), store=url))
    try:
        lines = banner(runtime, "http://127.0.0.1:8080").splitlines()
        assert f"store: {url} (WAL)" in lines
    finally:
        runtime.store.close()
    memory = banner(Runtime(Config(vendors=("pulse",))), "http://127.0.0.1:8080").splitlines()
    assert "store: memory:// (this process only: gone on exit)" in memory


def test_transport_and_running_take_a_store(tmp_path: Path) -> None:
    import httpx

    from mockserver.server import running
    from mockserver.testing import transport

    url = f"sqlite:///{tmp_path}/t.db"
    with httpx.Client(transport=transport(store=url), base_url="http://mock") as client:
        assert client.get("/__admin/store").json()["url"] == url
    with running(store=url) as server:
        assert httpx.get(server.url + "/__admin/store").json()["backend"] == "sqlite"


def test_plugin_option_picks_the_store(pytester: pytest.Pytester, tmp_path: Path) -> None:

    url = f"sqlite:///{tmp_path}/plugin.db"
    pytester.makepyfile(
        f"""
        import httpx

        def test_store(mockserver):
            assert httpx.get(mockserver.url + "/__admin/store").json()["url"] == {url!r}
        """
    )
    result = pytester.runpytest_inprocess("--mockserver-store", url, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert (tmp_path / "plugin.db").is_file()
