"""The command line: help, vendors, scenarios, validate."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mockserver.cli import main


def test_help_lists_commands_and_serve_options() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for command in ("serve", "vendors", "scenarios", "validate"):
        assert command in top.output
    serve = runner.invoke(main, ["serve", "--help"]).output
    for option in ("--host", "--port", "--seed", "--fixtures", "--scenarios", "--vendor", "--scenario", "--clock", "--journal-size", "--journal-file", "--log-level"):
        assert option in serve, option
    assert "[default: 127.0.0.1]" in serve


def test_vendors_prints_base_urls_and_credentials() -> None:
    result = CliRunner().invoke(main, ["vendors", "--port", "9999"])
    assert result.exit_code == 0
    assert "base URL     http://127.0.0.1:9999/etelecom/v1/shop" in result.output
    assert "header       requestToken: " in result.output


def test_scenarios_lists_the_library() -> None:
    result = CliRunner().invoke(main, ["scenarios"])
    assert result.exit_code == 0
    assert "token-expires-after-2-calls" in result.output and "flaky-network" in result.output


def test_validate_accepts_the_shipped_files_and_names_bad_ones(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["validate", "fixtures"]).exit_code == 0
    (tmp_path / "sabi.yaml").write_text("apiKeys: nope\n")
    (tmp_path / "mine.yaml").write_text("name: mine\nrules:\n  - match: {vendor: sabi}\n    respond: {error: NOPE}\n")
    result = runner.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "mine.yaml:4: rules.0.respond.error: unknown error 'NOPE'" in result.output
    assert "sabi.yaml:1: apiKeys" in result.output
