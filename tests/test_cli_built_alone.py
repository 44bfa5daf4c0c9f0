"""The command a run names is built alone (cli._built): typer reads the signature of every function
it builds, ~6 ms a run for the commands of `meti_pi.cli.register_cmds`. Built alone it must be the
very command the module's whole app gives (options, help, sub-commands)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import typer

from meti_pi import cli


def shape(command: Any) -> Any:
    params = [
        (
            type(p).__name__,
            p.name,
            tuple(p.opts),
            p.required,
            getattr(p, "help", None),
            p.envvar,
            p.is_flag if hasattr(p, "is_flag") else None,
        )
        for p in command.params
    ]
    # A group built lazily (cli._group_built_lazily) builds its subcommands when asked: asked here, in their order.
    names = command.list_commands(None) if hasattr(command, "list_commands") else []
    subs = {name: shape(command.get_command(None, name)) for name in names}
    kind = type(command).__mro__[1] if type(command).__name__ == "Lazily" else type(command)
    return (kind, params, command.help, command.short_help, command.context_settings, command.hidden, subs)


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_a_command_built_alone_is_the_one_its_module_builds(name: str) -> None:
    module = importlib.import_module(cli.COMMANDS[name][0])
    alone = cli._built(module.app, name)
    whole = typer.main.get_command(module.app)
    commands = getattr(whole, "commands", None)
    expected = commands.get(name) if commands is not None else whole
    if alone is None:  # a one-command module: typer makes it a command of its own, built as before
        assert commands is None or len(commands) == 1
        return
    # as the CLI has either (LazyGroup.get_command; a group built lazily does it to each subcommand it builds)
    cli._plain_help(alone)
    cli._plain_help(expected)
    assert shape(alone) == shape(expected)


def test_new_builds_only_new(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = typer.main.get_command_from_info

    def spy(info: Any, **kw: Any) -> Any:
        built.append(info.name)
        return real(info, **kw)

    monkeypatch.setattr(typer.main, "get_command_from_info", spy)
    command = cli.LazyGroup().get_command(None, "new")
    assert command is not None and command.name == "new"
    assert built == ["new"]


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_only_the_root_offers_shell_completion(name: str) -> None:
    """`meti-pi --install-completion` installs completion for every command; a command's own
    --help must not offer it again (inspect, schemas and status did, for themselves alone)."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(cli.app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "--install-completion" not in result.output and "--show-completion" not in result.output


def _usages(path: list[str]) -> list[tuple[list[str], str]]:
    """(command path, its usage line) for `path` and every subcommand under it."""
    import click
    from typer.testing import CliRunner

    result = CliRunner().invoke(cli.app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    found = [(path, next(line for line in result.output.splitlines() if line.startswith("Usage:")))]
    command: Any = typer.main.get_command(cli.app)
    with click.Context(command) as ctx:
        for name in path:
            command = command.get_command(ctx, name)
        for sub in command.list_commands(ctx) if isinstance(command, click.Group) else []:
            found += _usages([*path, sub])
    return found


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_arguments_are_named_in_capitals(name: str) -> None:
    """Every argument in a usage line is written as the others are: KIND, FILE_ID, PATH...,
    FINDINGS.yaml (`new`, `commit`, `show`, `init`, `history`, `schema`, `audit findings` and
    `export sqlite` showed {kind}, {paths}..., [directory] beside {ID} and [DATASET])."""
    import re

    for path, usage in _usages([name]):
        for token in re.findall(r"[\[{]([^\]}]+)[\]}]", usage):
            if token in ("OPTIONS", "ARGS"):
                continue
            stem = token.removesuffix("...").split(".")[0]
            assert stem == stem.upper() and stem, (path, usage)
