"""The README keeps up with the code: every command is documented and has help."""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from typer.testing import CliRunner

from meti_pi.cli import COMMANDS, app

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_is_in_the_readme(name):
    assert re.search(rf"`meti-pi {name}\b|^meti-pi {name}\b|^### {name}\b", README, re.M), (
        f"README does not document `meti-pi {name}`"
    )


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help(name):
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert len(result.stdout.strip().splitlines()) > 3


def test_readme_names_both_front_door_commands():
    assert "make demo" in README and "make test" in README


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_exit_codes_table_matches_the_contract():
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in README
