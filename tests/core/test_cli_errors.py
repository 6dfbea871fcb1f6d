"""Every command-line mistake is one line on stderr naming the flag, file or field; never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import mockserver
from mockserver.cli import main

KNOWN = "known: vaultspay, payabli, sabi, pulse, etelecom"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m mockserver ARGS``: the real entry point, so click's own error printing is what we see."""
    return subprocess.run([sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60)


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("serve", "--port", "99999"), "mockserver: error: Invalid value for '--port': 99999 is not in the range 0<=x<=65535."),
        (("serve", "--port", "-1"), "mockserver: error: Invalid value for '--port': -1 is not in the range 0<=x<=65535."),
        (("serve", "--port", "http"), "mockserver: error: Invalid value for '--port': 'http' is not a valid integer range."),
    ],
)
def test_serve_port_out_of_range_is_one_line(args: tuple[str, ...], message: str) -> None:
    done = run(*args)
    assert (done.returncode, one_line(done.stderr), done.stdout) == (2, message, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--prot", "1"], "mockserver: error: No such option '--prot'. (Did you mean one of: '--host', '--port'?)"),
        (["serve", "--vendor", "vaultpay"], "mockserver: error: Invalid value for '--vendor': 'vaultpay' is not one of 'vaultspay', 'payabli', 'sabi', 'pulse', 'etelecom'."),
        (["vendors", "--port", "70000"], "mockserver: error: Invalid value for '--port': 70000 is not in the range 0<=x<=65535."),
        (["openapi", "vaultspay", "--port", "70000"], "mockserver: error: Invalid value for '--port': 70000 is not in the range 0<=x<=65535."),
        (["validate"], "mockserver: error: Missing argument 'DIRECTORY'."),
        (["validate", "/no/such/dir"], "mockserver: error: Invalid value for 'DIRECTORY': Directory '/no/such/dir' does not exist."),
        (["frobnicate"], "mockserver: error: No such command 'frobnicate'."),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, one_line(result.stderr), result.stdout) == (2, message, "")


def test_help_and_version_are_unchanged() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0 and top.output.startswith("Usage: ") and "Commands:" in top.output
    serve = runner.invoke(main, ["serve", "-h"])
    assert serve.exit_code == 0 and "--port INTEGER RANGE" in serve.output
    version = runner.invoke(main, ["--version"])
    assert (version.exit_code, version.output) == (0, f"mockserver, version {mockserver.__version__}\n")


def test_serve_with_an_invalid_regex_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "re.yaml"
    path.write_text("name: re\nrules:\n  - match:\n      vendor: vaultspay\n      body_matches: {email: '(x'}\n")
    done = run("serve", "--port", "0", "--scenarios", str(tmp_path))
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        f"mockserver: cannot start: {path}:5: rules.0.match.body_matches.email: not a valid regular expression: missing ), unterminated subpattern at position 0"
    )


def test_validate_with_an_invalid_regex_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "re.yaml"
    path.write_text("name: re\nrules:\n  - match:\n      vendor: vaultspay\n      body_matches: {email: '(x'}\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"{path}:5: rules.0.match.body_matches.email: not a valid regular expression: missing ), unterminated subpattern at position 0",
        "1 file(s) invalid",
    ]


def test_serve_refuses_a_misspelt_vendor_as_validate_does(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("name: typo\nrules:\n  - match: {vendor: vaultpay}\n    respond: {error: THROTTLE}\n")
    problem = f"{path}:3: rules.0.match.vendor: unknown vendor 'vaultpay'; {KNOWN}"
    done = run("serve", "--port", "0", "--vendor", "sabi", "--scenarios", str(tmp_path))
    assert (done.returncode, one_line(done.stderr)) == (2, f"mockserver: cannot start: {problem}")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert (result.exit_code, result.stderr.splitlines()) == (1, [problem, "1 file(s) invalid"])


def test_validate_names_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: latin\ndescription: caf\xe9\nrules:\n  - match: {vendor: sabi}\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert "Traceback" not in result.output
    assert (result.exit_code, result.stderr.splitlines()) == (1, [f"{path}:2: not UTF-8 text (byte 0xe9 at offset 28)", "1 file(s) invalid"])


@pytest.mark.parametrize("files", [[], ["README.md", "notes.txt"]])
def test_validate_says_when_there_is_nothing_to_check(tmp_path: Path, files: list[str]) -> None:
    for name in files:
        (tmp_path / name).write_text("hello\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert (result.exit_code, one_line(result.stderr), result.stdout) == (
        1, f"mockserver: no fixture or scenario files (*.yaml, *.yml, *.json) in {tmp_path}", "",
    )


def test_validate_reads_json_and_yml_and_notes_a_replaced_shipped_scenario(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"name": "from-json", "rules": [{"match": {"vendor": "sabi"}}]}')
    (tmp_path / "b.yml").write_text("name: sabi-conflict\nrules:\n  - match: {vendor: sabi}\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        f"ok  scenario {tmp_path / 'a.json'}",
        f"ok  scenario {tmp_path / 'b.yml'}  (replaces the shipped scenario 'sabi-conflict')",
    ]


def test_validate_of_the_shipped_library_notes_no_replacement() -> None:
    from mockserver.config import default_scenarios_dir

    result = CliRunner().invoke(main, ["validate", str(default_scenarios_dir())])
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(result.stdout.splitlines()) > 100 and "replaces" not in result.stdout


def test_validate_refuses_two_files_of_one_name(tmp_path: Path) -> None:
    for stem in ("a", "b"):
        (tmp_path / f"{stem}.yaml").write_text("name: twin\nrules:\n  - match: {vendor: sabi}\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'b.yaml'}: scenario 'twin' is also defined in {tmp_path / 'a.yaml'}; names must be unique",
        "1 file(s) invalid",
    ]


def test_scenarios_command_warns_when_a_user_scenario_replaces_a_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: sabi-conflict\ndescription: mine\nrules:\n  - match: {vendor: sabi}\n")
    done = run("scenarios", "--scenarios", str(tmp_path))
    assert done.returncode == 0
    assert one_line(done.stderr) == f"scenario 'sabi-conflict' from {path} replaces the shipped one"
    assert [line.split() for line in done.stdout.splitlines() if line.startswith("sabi-conflict ")] == [["sabi-conflict", "mine"]]
