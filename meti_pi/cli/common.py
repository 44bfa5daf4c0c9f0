"""What every command shares: the global state, register loading, JSON and problem output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from meti_pi.errors import MetiPiError, Problem, RuleViolation, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from meti_pi.register import Register

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Compute and show; write nothing, commit nothing.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 1).")]


@dataclass
class AppState:
    """Global options, resolved once at the root command."""

    register_opt: Path | None
    today: date

    @cached_property
    def register_root(self) -> Path:
        from meti_pi.register import find_register

        return find_register(self.register_opt, Path.cwd())


def state(ctx: typer.Context) -> AppState:
    """The AppState of the root command."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppState):  # a command invoked without the root callback (tests)
        obj = AppState(register_opt=None, today=date.today())
        ctx.find_root().obj = obj
    return obj


def load_register(ctx: typer.Context) -> Register:
    """The register named by --register / $METI_PI_REGISTER / the nearest register/."""
    from meti_pi import gitlayer
    from meti_pi.register import Register

    root = state(ctx).register_root
    # A change a crash interrupted is finished first, so no command reads a work tree behind HEAD.
    note = gitlayer.recover_if_needed(root)
    if note:
        sys.stderr.write(f"meti-pi: {note}\n")
    return Register.load(root)


def option_date(option: str, value: str | None) -> date | None:
    """A YYYY-MM-DD option value (None when not given); a usage error (exit 2) otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a date; use YYYY-MM-DD") from None


def print_json(obj: Any) -> None:
    """Exactly one JSON document on stdout."""
    # Indented for a person at a terminal; compact otherwise (a script reads it, and the C encoder
    # is ten times faster on a large register's checklist).
    indent = None if json_compact() else 2
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=indent, sort_keys=False, default=str) + "\n")


def json_compact() -> bool:
    """print_json writes compact JSON (stdout is not a terminal)."""
    return not sys.stdout.isatty()


def print_json_with_encoded(head: dict[str, Any], key: str, encoded: list[str]) -> None:
    """What print_json({**head, key: items}) prints in compact mode, from the items already encoded
    (each `json.dumps(item, ensure_ascii=False, default=str)`, perhaps by other processes)."""
    opening = json.dumps({**head, key: []}, ensure_ascii=False, default=str)  # ends '[]}': the key is last
    sys.stdout.write(opening[:-2] + ", ".join(encoded) + "]}\n")


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def report_problems(problems: list[Problem] | tuple[Problem, ...]) -> None:
    """Each problem on its own line on stderr, `path:line:` first so editors can jump to it."""
    for p in problems:
        sys.stderr.write(p.render() + "\n")


def report_error(exc: MetiPiError) -> None:
    """The message of an error that stops the command, on stderr."""
    if isinstance(exc, RuleViolation):
        report_problems(exc.problems)
    sys.stderr.write(f"meti-pi: {exc}\n")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` on stderr and return an Exit to raise."""
    sys.stderr.write(f"meti-pi: {message}\n")
    return typer.Exit(code)
