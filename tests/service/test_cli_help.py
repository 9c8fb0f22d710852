"""CLI help a person reads: every command's --help names flags without a value type, has no
doubled negations, no lists cut off with "...", and every short option has a long form."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
import typer
from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for command in group.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        found.append((*prefix, name.replace("_", "-")))
    for sub in group.registered_groups:
        if sub.typer_instance is not None and sub.name:
            found += _commands(sub.typer_instance, (*prefix, sub.name))
    return found


@pytest.mark.parametrize("command", _commands(app), ids=lambda c: " ".join(c) or "kakehashi")
def test_help_reads_cleanly(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "<bool>" not in text
    assert "--no-no-" not in text
    assert not re.search(r"\w, \.\.\.", text), "a list of choices cut off with ..."
    for line in text.splitlines():
        short = re.search(r"│\s+(?:\*\s+)?(-[a-zA-Z])\s", line)
        assert short is None, f"short option without a long form: {line.strip()}"


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"kakehashi {version('kakehashi')}"
