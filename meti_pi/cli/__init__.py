"""The `meti-pi` command line: a thin typer layer over the pure core in `meti_pi`.

Subcommands live one module per command group and are imported only when run, so that
`meti-pi --help` stays fast (heavy libraries load inside the command that needs them).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from meti_pi import gcpause
from meti_pi.errors import MetiPiError

# name -> (module, one-line help shown by `meti-pi --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "meti_pi.cli.register_cmds",
        "Create a register (register.yaml, policy, citations, 別表) in a git work tree.",
    ),
    "validate": ("meti_pi.cli.register_cmds", "Check every record: schema, ids, references, 別表, rule findings."),
    "new": ("meti_pi.cli.register_cmds", "Add a record with an allocated id, validated and committed."),
    "schema": (
        "meti_pi.cli.register_cmds",
        "List the fields of a kind of record (Japanese titles, types, examples, required).",
    ),
    "commit": ("meti_pi.cli.register_cmds", "Validate records edited by hand and commit them to the audit trail."),
    "show": ("meti_pi.cli.register_cmds", "Show a record with its references resolved."),
    "history": ("meti_pi.cli.register_cmds", "Read the audit trail (git history) of the register or one record."),
    "classify": ("meti_pi.cli.classify", "Art. 16 management class 管理A/B/C of a dataset, with reasons."),
    "notify": ("meti_pi.cli.notify", "Art. 35/36 notices: decide, draft (Markdown/Word), record; --check."),
    "export": (
        "meti_pi.cli.export",
        "Export the public 個人情報ファイル簿 (csv, xlsx, md, docx), or every record as SQLite.",
    ),
    "incident": ("meti_pi.cli.incident", "Art. 39/40 incidents: open, update, report, close, list."),
    "inspect": ("meti_pi.cli.inspect", "Art. 41 annual self-inspection generated from the register."),
    "audit": ("meti_pi.cli.audit", "Art. 42 audits and Art. 43 reviews; evidence packs."),
    "status": ("meti_pi.cli.status", "Everything due or overdue across the register."),
    "schemas": ("meti_pi.cli.schemas_cmd", "The JSON Schemas; write the register's .schemas/ copy editors use."),
    "vocabulary": (
        "meti_pi.cli.schemas_cmd",
        "classify's identifier formats and 要配慮 words: the package's, or the register's copy (--write).",
    ),
}


class LazyGroup(TyperGroup):
    """Imports a command's module only when that command runs; maps MetiPiError to its exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        gcpause.end_start()  # the start's objects built: the collector back for the command's body
        # Each module has one `app`; its top-level commands (or sub-groups) carry the names above.
        command = _built(module.app, cmd_name)
        if command is None:
            built = typer.main.get_command(module.app)
            commands = getattr(built, "commands", None)
            command = commands.get(cmd_name) if commands is not None else built
        if command is not None:
            command.name = cmd_name
            _plain_help(command)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # Static help lines: listing commands must not import every command module.
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, text) in COMMANDS.items()])

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # One funnel for the terminal: whatever a command prints — record text, dataset headers,
        # git subjects, click's usage errors quoting an argument — has its control characters escaped.
        from meti_pi.cli.common import safe_output

        # The command line as typed (CliRunner gives `args`; else click takes sys.argv): a path the user
        # typed is named as typed in an error's message, never put after the register's folder.
        given = kwargs.get("args", args[0] if args else None)
        self.typed = tuple(sys.argv[1:] if given is None else given)
        with safe_output():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        # The error funnel: every MetiPiError becomes its exit code; with --json, an error that
        # stops the command is also the one JSON document on stdout ({"ok": false, "errors": [...]}),
        # usage errors of the subcommand's own options included.
        from typer._click.exceptions import UsageError as ClickUsageError

        wants_json = _wants_json(ctx)  # read before the group hands the arguments to the subcommand
        if "meti_pi.cli.common" in sys.modules:
            from meti_pi.cli.common import forget_open_document

            forget_open_document()
        try:
            try:
                return super().invoke(ctx)
            except Exception as exc:
                cause = _schema_cause(ctx, exc)
                if cause is None:
                    raise
                raise cause from None
        except MetiPiError as exc:
            _say_notes(_state_of(ctx))
            from meti_pi.cli.common import error_json, report_error

            report_error(exc, _state_of(ctx), getattr(self, "typed", ()))
            if wants_json:
                error_json(exc)
            raise typer.Exit(exc.exit_code) from None
        except OverflowError:
            # Only date arithmetic overflows in meti-pi: a deadline or horizon past 9999-12-31.
            from meti_pi.cli.common import error_json, report_error
            from meti_pi.errors import UsageError

            overflow = UsageError(
                "a date computed from the dates given (--today, --on, --known-on, --horizon...) falls after "
                "9999-12-31, the last date meti-pi can handle; give earlier dates. Nothing was written"
            )
            report_error(overflow, None)
            if wants_json:
                error_json(overflow)
            raise typer.Exit(overflow.exit_code) from None
        except ClickUsageError as exc:
            if not wants_json:
                raise
            from meti_pi.cli.common import error_json
            from meti_pi.errors import UsageError

            exc.show()
            error_json(UsageError(exc.format_message()))
            raise typer.Exit(2) from None
        finally:
            _say_notes(_state_of(ctx))


def _state_of(ctx: Any) -> Any:
    """The command's AppState, None when the root command did not set one (what a refusal's
    register files are printed from: cli.common.AppState.register_folder)."""
    from meti_pi.cli.common import AppState

    obj = ctx.find_root().obj
    return obj if isinstance(obj, AppState) else None


def _schema_cause(ctx: Any, exc: Exception) -> MetiPiError | None:
    """The records failing their schema, as the error that stops the command, when it failed
    unexpectedly on a register that holds some; None otherwise (a bug: reported as one).

    The commands read records as their schema describes them (a mapping where it says mapping); a
    record that fails its schema (`holding: 済`, `contract: R6`, `gou: 甲`) is refused by the write
    path and listed by `validate`, but a command that reads it, or the index built from it, can
    fail on it (an outside review's fuzzing found 22 such places in status, inspect, notify,
    incident and show: session 13). Checked only after a failure: a valid register costs nothing."""
    from typer.exceptions import Abort, Exit, TyperException

    if isinstance(exc, (MetiPiError, TyperException, Exit, Abort, OverflowError)):
        return None
    if isinstance(exc, BrokenPipeError) and _pipe_closed():
        return None  # the reader of the output went away (cli.main): not the register's fault
    if "meti_pi.store.register" not in sys.modules:
        return None  # the command read no register (`classify` of a dataset): its failure is its own
    try:
        from meti_pi.cli.common import state
        from meti_pi.errors import RuleViolation
        from meti_pi.store.problems import as_found_on_disk, schema_problems
        from meti_pi.store.register import Register

        st = state(ctx)
        reg = Register.load(st.register_root, settings=st.settings)
        # records on disk: each problem says what to write at its line, not new's --set
        found = tuple(as_found_on_disk(p for p in schema_problems(reg) if p.severity == "error"))
    except Exception:  # noqa: BLE001 - no register to look at: the first failure is reported as it was
        return None
    if not found:
        return None
    return RuleViolation(
        f"the command stopped on the register's records that fail their schema ({len(found)} problem(s) above); "
        "correct them (`meti-pi validate` lists every problem) and run it again",
        found,
    )


def _built(module_app: Any, cmd_name: str) -> Any:
    """The click command `cmd_name` of a command module's typer `app`, built alone (None when the
    app does not name it so): building the module's every command cost `new` ~6 ms a run (typer
    reads each function's signature), `incident open` the outer group's."""
    if not (
        module_app.registered_callback
        or module_app.info.callback
        or module_app.registered_groups
        or len(module_app.registered_commands) > 1
    ):
        return None  # typer makes a one-command app a command of its own (with completion options)
    options = {
        "pretty_exceptions_short": module_app.pretty_exceptions_short,
        "rich_markup_mode": module_app.rich_markup_mode,
    }
    for info in module_app.registered_commands:
        if info.name == cmd_name:
            return typer.main.get_command_from_info(info, **options)
    for group in module_app.registered_groups:
        if group.name == cmd_name:
            return _group_built_lazily(group, module_app.suggest_commands, options)
    return None


def _group_built_lazily(group: Any, suggest: bool, options: dict[str, Any]) -> Any:
    """The click group of a command group (`incident`) with each subcommand built when it is asked
    for: building the five of `incident` cost `incident open` ~5 ms a run (typer reads each
    function's signature). Listing them (`incident --help`) builds them all, in their order. A group
    of a class of its own (`notify`'s routes by the names of its built commands) is built whole."""
    import copy

    sub = group.typer_instance
    names = [info.name for info in sub.registered_commands] if sub is not None else []
    if sub is None or sub.registered_groups or not all(names):
        return typer.main.get_group_from_info(group, suggest_commands=suggest, **options)
    bare, info = copy.copy(sub), copy.copy(group)
    bare.registered_commands = []
    info.typer_instance = bare
    built = typer.main.get_group_from_info(info, suggest_commands=suggest, **options)
    if type(built) is not TyperGroup:  # a group of its own (NotifyGroup routes by its commands): whole
        return typer.main.get_group_from_info(group, suggest_commands=suggest, **options)
    infos = dict(zip(names, sub.registered_commands))

    class Lazily(TyperGroup):
        def list_commands(self, ctx: Any) -> list[str]:
            return list(infos)

        def get_command(self, ctx: Any, name: str) -> Any:
            # an unknown name builds them all: typer suggests the closest of the built ones
            for wanted in [name] if name in infos else list(infos):
                if wanted not in self.commands:
                    command = typer.main.get_command_from_info(infos[wanted], **options)
                    _plain_help(command)
                    self.commands[wanted] = command
            return self.commands.get(name)

    built.__class__ = Lazily
    return built


def _wants_json(ctx: Any) -> bool:
    """`--json` is among the subcommand's arguments (before any `--`)."""
    args = [*getattr(ctx, "_protected_args", []), *ctx.args]
    if "--" in args:
        args = args[: args.index("--")]
    return "--json" in args


def _say_notes(st: Any = None) -> None:
    """What the git layer had to say (it prints nothing itself): recoveries, kept-comment warnings,
    the register files they name from the user's folder (`st`: the command's AppState, cli.common.in_folder)."""
    tx = sys.modules.get("meti_pi.gitlayer.commit")
    if tx is None or not tx.notes:
        return
    from meti_pi.cli.common import in_folder

    while tx.notes:
        sys.stderr.write(f"meti-pi: {in_folder(tx.notes.pop(0), st)}\n")


def _plain_help(command: Any) -> None:
    """Help as plain text, like the root's: typer's rich formatting costs ~50 ms of imports per run.

    A command's summary in its group's list is its whole first sentence: click would cut the help
    at the first '. ', which 'Art. 35' is not the end of."""
    command.rich_markup_mode = None
    if not getattr(command, "short_help", None) and getattr(command, "help", None):
        command.short_help = first_sentence(command.help)
    for sub in (getattr(command, "commands", None) or {}).values():
        _plain_help(sub)


def first_sentence(text: str) -> str:
    """The first paragraph's first sentence, not cut inside 'Art. 35' or 'e.g.'."""
    import re

    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    m = re.search(r"(?<!Art)(?<!Arts)(?<!e\.g)(?<!i\.e)(?<!No)\.(\s|$)", paragraph)
    return paragraph[: m.start() + 1] if m else paragraph


app = typer.Typer(
    cls=LazyGroup,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never print locals: they may hold register contents
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="meti-pi: 経済産業省個人情報保護管理規程 as code. Registers as YAML under git; every change is an audited commit.",
)


def _version(value: bool) -> None:
    if value:
        from meti_pi import __version__

        typer.echo(f"meti-pi {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            envvar="METI_PI_REGISTER",
            help="Register directory (default: nearest register/ upwards).",
            show_default=False,
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            envvar="METI_PI_TODAY",
            help="Fix 'today' (YYYY-MM-DD) for every date computation.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """meti-pi: the METI personal-information protection rule as code."""
    from typer._click.core import ParameterSource

    from meti_pi.cli.common import AppState, settings_from_env
    from meti_pi.errors import UsageError

    fixed: date | None = None
    if today:
        from meti_pi.store.limits import DATE_MAX, DATE_MIN, date_fault

        # the day given in the environment is named there (a CI job's METI_PI_TODAY, not an option typed)
        hint = "METI_PI_TODAY" if ctx.get_parameter_source("today") is ParameterSource.ENVIRONMENT else "--today"
        try:
            fixed = date.fromisoformat(today)
        except ValueError:
            raise typer.BadParameter(date_fault(today), param_hint=hint) from None
        if not DATE_MIN <= fixed <= DATE_MAX:
            raise typer.BadParameter(
                f"{today} is outside the dates meti-pi handles ({DATE_MIN} (明治6年1月1日) to {DATE_MAX})",
                param_hint=hint,
            )
    try:
        settings = settings_from_env()
    except UsageError as exc:
        raise typer.BadParameter(str(exc), param_hint="the environment") from None
    from_env = ctx.get_parameter_source("register") is ParameterSource.ENVIRONMENT
    ctx.obj = AppState(
        register_opt=register, today=fixed or date.today(), settings=settings, register_from_env=from_env
    )


# The reader of the output closed it (`meti-pi validate | head -3`, `... | grep -m1`): the command
# stops where it writes and exits with 141 (128 + SIGPIPE), quietly — no message, no traceback.
# That is the status the shell shows for git, grep or cat killed by SIGPIPE in the same place, so
# `set -o pipefail` scripts read it as they read theirs; it is none of the contract's 0-3, so it is
# never taken for "rule errors" (click's default, 1) or a bug (3). pip prints "Pipe to stdout was
# broken" and exits 1, which here would mean rule errors. SIGPIPE itself stays ignored (Python's
# default): dying by the signal would skip the exit handlers that wait for the read cache's writers.
PIPE_CLOSED_STATUS = 141


def _pipe_closed() -> bool:
    common = sys.modules.get("meti_pi.cli.common")
    return common is not None and bool(common.pipe_closed())


def main() -> None:
    """Console entry point: one funnel from exceptions to exit codes."""
    gcpause.hold_start()  # until the command's module is imported (LazyGroup.get_command)
    from meti_pi.cli import common

    common.ENDS_WITH_EXIT = True  # this process ends with _exit_now
    try:
        app()
    except SystemExit as exc:
        # a closed pipe: click's own handler made it exit 1
        _exit_now(PIPE_CLOSED_STATUS if _pipe_closed() else exc.code)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted (^C)\n")
        _end_open_document(130, "interrupted", "interrupted (^C) before the document was complete")
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - the single place an unexpected error is turned into a message
        if _pipe_closed():
            _exit_now(PIPE_CLOSED_STATUS)
        _unexpected(exc)
        raise SystemExit(3) from None
    finally:
        common.ENDS_WITH_EXIT = False  # reached only where _exit_now returns or raises (a test's in-process run)
        gcpause.end_start()  # no command ran (--help, a usage error): the collector as it was


def _exit_now(code: object) -> None:
    """Exit without tearing the interpreter down object by object (~20 ms after loading a large
    register). Everything meti-pi writes is closed by then; output is flushed and exit handlers
    (which wait for the cache's writer processes) run first."""
    import atexit

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        sys.stderr.write(f"{code}\n")
        status = 1
    if status == 0 and "meti_pi.store.blobs" in sys.modules:
        # git compared files whose stat data changed: let it record that in its index (issue 18),
        # after a success only (a refused command writes nothing, the index included).
        from meti_pi.store import blobs

        blobs.refresh_pending()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        status = PIPE_CLOSED_STATUS  # what was left to write found the reader gone
    except OSError:
        status = status or 1
    os._exit(status)


def _end_open_document(code: int, kind: str, message: str) -> None:
    """A --json document streamed before the command stopped is ended (one document on stdout)."""
    if "meti_pi.cli.common" in sys.modules:
        from meti_pi.cli.common import end_open_document

        error = {"path": None, "line": None, "code": kind, "key": "", "severity": "error", "message": message}
        end_open_document({"ok": False, "exit_code": code, "errors": [error]})


def _unexpected(exc: BaseException) -> None:
    _end_open_document(3, "bug", "an unexpected error has occurred (a bug; the lines on stderr say where)")
    # Frames only, no locals and no exception text: messages can quote register or dataset content.
    frames = traceback.extract_tb(exc.__traceback__)
    sys.stderr.write("meti-pi: an unexpected error has occurred (a bug; please report it with these lines):\n")
    for frame in frames:
        sys.stderr.write(f"  {frame.filename}:{frame.lineno} in {frame.name}\n")
    detail = str(exc) if os.environ.get("METI_PI_DEBUG") else "(message hidden; set METI_PI_DEBUG=1 to show it)"
    sys.stderr.write(f"{type(exc).__name__}: {detail}\n")
