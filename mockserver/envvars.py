"""Every ``serve`` option as a ``MOCKSERVER_*`` environment variable, derived in one place.

Services in CI and containers are configured through the environment.  Rather
than naming a variable on each option (and forgetting the next one), ``apply``
walks a command's options once, at import, and gives each the variable named
after its long flag: ``--journal-size`` -> ``MOCKSERVER_JOURNAL_SIZE``.  An
option that already names one (``--admin-token``, ``--server``) keeps it.  Click
reads the variable only when the flag is absent, so the flag wins.  Options that
take several values (``multiple=True``) take them space-separated.

``markdown_table`` is the README's Configuration table (tools/gen_readme.py), and
a test holds it to the options, so a new option cannot go undocumented.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import click

PREFIX = "MOCKSERVER_"


def env_name(option: click.Option) -> str:
    """``MOCKSERVER_`` + the option's longest flag, upper-cased, dashes as underscores."""
    flag = max(option.opts, key=len).lstrip("-")
    return PREFIX + flag.upper().replace("-", "_")


def _options(command: click.Command) -> list[click.Option]:
    # --help is eager and answers at once: it has no value a service would set.
    return [p for p in command.params if isinstance(p, click.Option) and not p.is_eager]


def apply(command: click.Command) -> click.Command:
    """Give every option of ``command`` its ``MOCKSERVER_*`` variable.

    Not shown per option in ``--help`` (click would then add it to every error
    about the flag too); the command's help says the rule once.
    """
    for option in _options(command):
        if not option.envvar:
            option.envvar = env_name(option)
    return command


def variable_of(option: click.Option) -> str:
    envvar = option.envvar
    if isinstance(envvar, str):
        return envvar
    return envvar[0] if envvar else env_name(option)


def from_environment(param: click.Parameter | None, args: Sequence[str]) -> str | None:
    """The variable ``param``'s value came from, or None when it came from the command line (or elsewhere).

    Click records where a value came from only once it converted; a value that
    failed to convert is judged here: the variable is set and no flag of the
    option is on the command line.
    """
    if not isinstance(param, click.Option) or not param.envvar:
        return None
    name = variable_of(param)
    if name not in os.environ:
        return None
    flags = tuple(param.opts) + tuple(param.secondary_opts)
    if any(arg in flags or arg.startswith(tuple(f"{flag}=" for flag in flags if flag.startswith("--"))) for arg in args):
        return None
    return name


def _default(option: click.Option) -> str:
    # The defaults --help shows: an option without one has no value until given.
    if option.is_flag:
        return "off"
    if not option.show_default or callable(option.default):
        return ""
    return f"`{option.default}`"


def rows(command: click.Command) -> list[tuple[str, str, str, str]]:
    """(flag, variable, default, help) for each option of ``command``, in ``--help`` order."""
    out = []
    for option in _options(command):
        flag = max(option.opts, key=len)
        text = " ".join((option.help or "").split()).replace("|", "\\|")
        out.append((f"`{flag}`", f"`{variable_of(option)}`", _default(option), text))
    return out


def markdown_table() -> str:
    """The README's Configuration table: every ``serve`` option and its variable."""
    from .cli import serve

    lines = ["| flag | environment variable | default | what it sets |", "|---|---|---|---|"]
    lines += [f"| {flag} | {name} | {default} | {text} |" for flag, name, default, text in rows(serve)]
    return "\n".join(lines) + "\n"
