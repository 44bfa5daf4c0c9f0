"""What every command shares: the global state, register loading, JSON and problem output."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from meti_pi.errors import MetiPiError, Problem, RuleViolation, UsageError
from meti_pi.gcpause import paused_gc, promote
from meti_pi.gitlog import CONTROLS
from meti_pi.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from meti_pi.store.advised import Advised
    from meti_pi.store.register import Register

# Set by cli.main(): this process ends with os._exit (cli._exit_now), so a command may leave to the
# exit memory it would only free piece by piece (classify: python-calamine's workbook). In-process
# runs (the tests' CliRunner) free it as usual.
ENDS_WITH_EXIT = False

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Compute and show; write nothing, commit nothing.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 1).")]


@dataclass
class AppState:
    """Global options, resolved once at the root command."""

    register_opt: Path | None
    today: date
    register_from_env: bool = False  # register_opt came from $METI_PI_REGISTER, not --register
    # Built from the environment once, here in cli/, and passed to the core (issue 17).
    settings: Settings = field(default_factory=Settings)
    # The files warn_not_regular has said are no regular file: said once per command, however many
    # reads find them (status: the work tree's overlay, then the lazy register's faults).
    said_not_regular: set[str] = field(default_factory=set)

    @cached_property
    def register_root(self) -> Path:
        from meti_pi.store.locate import find_register

        return find_register(self.register_opt, Path.cwd(), from_env=self.register_from_env)

    @cached_property
    def register_folder(self) -> str:
        """The register's folder as reached from the user's folder (store.advised.Advised.folder:
        `register/` from the repository's top, '' from the register's own folder, absolute from
        outside the repository), put before a register file's path in the problems printed as
        text, so that `path:line:` opens from where the command was typed. Worked out once per
        command (one git process), on the first problem printed. '' where there is no register, or
        no git repository around it (paths then from the register's folder, as --json gives them)."""
        return "" if self.advised is None else self.advised.folder

    @cached_property
    def advised(self) -> Advised | None:
        """How advice names the register's files and commands from the user's folder
        (store.advised.Advised); None where there is no register, or no git repository around it."""
        from meti_pi import gitlayer
        from meti_pi.store.advised import Advised

        try:
            return Advised(gitlayer.repo_of(self.register_root), self.settings.here)
        except MetiPiError:
            return None


def state(ctx: typer.Context) -> AppState:
    """The AppState of the root command."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppState):  # a command invoked without the root callback (tests)
        obj = AppState(register_opt=None, today=date.today(), settings=settings_from_env())
        ctx.find_root().obj = obj
    return obj


def settings_from_env() -> Settings:
    """The core's settings from this process's environment (the one place meti-pi reads them), and
    the schema folder they name put in place (store.schema keeps it for the process)."""
    from meti_pi.store import schema

    try:
        here: Path | None = Path.cwd()
    except OSError:  # the current folder was deleted: the advice names paths from the repository's top
        here = None
    settings = replace(Settings.from_env(os.environ), lock_wait=_lock_wait, here=here)
    schema.use_schemas(settings.schemas)
    return settings


def _lock_wait(holder: str, timeout: float) -> None:
    sys.stderr.write(f"meti-pi: waiting for the register lock, held by {holder} (up to {timeout:g} s)...\n")


def recovered_root(ctx: typer.Context) -> Path:
    """The register's root, once a change a crash interrupted is finished (said on stderr), so that
    no command reads a work tree behind HEAD. Every way of reading the register starts here."""
    from meti_pi import gitlayer

    root = state(ctx).register_root
    note = gitlayer.recover_if_needed(root, here=state(ctx).settings.here)
    if note:
        sys.stderr.write(f"meti-pi: {note}\n")
    return root


def load_register(ctx: typer.Context, *, unreadable_ok: bool = False) -> Register:
    """The register named by --register / $METI_PI_REGISTER / the nearest register/."""
    return read_whole(ctx, recovered_root(ctx), unreadable_ok=unreadable_ok)


def read_whole(ctx: typer.Context, root: Path, *, unreadable_ok: bool = False) -> Register:
    """The register at `root` (recovered_root) read whole, its skipped files said on stderr; a file
    that cannot be read stops the command (refuse_unreadable) unless `unreadable_ok`: then the
    command lists it with its problems (validate), never also as skipped."""
    from meti_pi.store.register import Register

    reg = Register.load(root, settings=state(ctx).settings)
    if not unreadable_ok:
        refuse_unreadable(reg.load_problems, state(ctx))
    return reg


@contextmanager
def read_register_lazily(
    ctx: typer.Context,
    projected_kinds: tuple[str, ...] | None = None,
    *,
    notices: bool = True,
    unreadable_ok: bool = False,
    listed: tuple[str, ...] = (),
) -> Iterator[Register]:
    """The register for a read-only scan (`status`, `notify --check`, `incident list`): the work tree
    read lazily (a record is built when first read), the records these scan given by their
    projections (meti_pi.notify.projected), else read whole as `load_register` reads it. What the
    read learnt is kept for the next run once the block ends well. `projected_kinds`: the kinds given
    by projections (default: every kind projected.FIELDS names); `notices`: the notices engine's kept
    facts are read for it (False: a command that never asks for a notice's requirements).
    The collector is paused for the read and the scan (done in one go); when the block ends well its
    objects, alive, go to the oldest generation (gcpause.promote: not walked again when it resumes).
    `unreadable_ok` (export and history, which name the files they need themselves): a file that cannot
    be read does not stop the command here; a changed one that is no regular file is said on stderr,
    as read_whole says it, unless under `listed` (the paths the command refuses itself when they
    cannot be read: no "skipped" for a file it will not skip)."""
    from meti_pi.notify import projected

    root = recovered_root(ctx)
    kinds = tuple(projected.FIELDS) if projected_kinds is None else projected_kinds
    with paused_gc():
        loaded = projected.load(root, state(ctx).settings, kinds, notices=notices)
        found = [p for p in loaded.overlay_problems() if not (listed and p.path.startswith(listed))]
        (warn_not_regular if unreadable_ok else refuse_unreadable)(found, state(ctx))
        try:
            yield loaded.reg
        except MetiPiError:
            # A record it could not read may be why it failed ("no such record" for an incident that
            # cannot be parsed): the unreadable file is named first, as a whole read named it.
            if not unreadable_ok:
                refuse_read_faults(loaded.reg, state(ctx))
            raise
        if not unreadable_ok:
            refuse_read_faults(loaded.reg, state(ctx))
        promote()
    loaded.finish()


def refuse_read_faults(reg: Register, st: AppState | None = None) -> None:
    """Stop the command (refuse_unreadable) if a file a lazily read register read cannot be read: a
    file committed unreadable is found where the command read it (its projection needed a parse).
    Called before printing where what is printed depends on it (`show`), and at the end of every
    read_register_lazily block."""
    faults = getattr(reg.records, "faults", None) or {}
    refuse_unreadable([p for rel in sorted(faults) for p in faults[rel]], st)


def warn_not_regular(load_problems: Any, st: AppState | None = None) -> list[Any]:
    """A FIFO or device named *.yaml: skipped, and said so once per command (`st`: the command's
    state; validate lists it as an error), at its path from the user's folder. The other files that
    cannot be read: returned."""
    from meti_pi.store.limits import NOT_REGULAR

    unreadable = []
    said = st.said_not_regular if st is not None else set()
    for p in load_problems:
        if NOT_REGULAR in p.message:
            where = p.path if p.given else register_folder(st, [p]) + p.path
            if where not in said:
                said.add(where)
                sys.stderr.write(f"meti-pi: warning: {where}: {NOT_REGULAR}; skipped\n")
        elif p.severity == "error":
            unreadable.append(p)
    return unreadable


def refuse_unreadable(load_problems: Any, st: AppState | None = None) -> None:
    """warn_not_regular; and any other file that cannot be read (not YAML, not UTF-8, too large...)
    stops the command: RuleViolation, exit 1, each file with its line. Its record would be missing
    from what the command reads, and the answer wrong without a word (a review: `notify --check`
    said 0 problems once the two files it had problems with were broken)."""
    from meti_pi.errors import RuleViolation

    unreadable = warn_not_regular(load_problems, st)
    if unreadable:
        raise RuleViolation(
            "register files cannot be read, so nothing was done: correct them (`meti-pi validate` lists every problem)",
            tuple(unreadable),
        )


def option_date(option: str, value: str | None) -> date | None:
    """A YYYY-MM-DD option value (None when not given); a usage error (exit 2) otherwise."""
    if value is None:
        return None
    from meti_pi.store.limits import parsed_date

    return parsed_date(option, value)


def print_json(obj: Any) -> None:
    """Exactly one JSON document on stdout."""
    # Indented for a person at a terminal; compact otherwise (a script reads it, and the C encoder
    # is ten times faster on a large register's checklist).
    indent = None if json_compact() else 2
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=indent, sort_keys=False, default=str) + "\n")


def json_compact() -> bool:
    """print_json writes compact JSON (stdout is not a terminal)."""
    return not sys.stdout.isatty()


class JsonArrayWriter:
    """What print_json({**head, key: items}) prints in compact mode, from the items already encoded
    (each `json.dumps(item, ensure_ascii=False, default=str)`, perhaps by other processes), written
    as they come: `with JsonArrayWriter(head, key) as write:` then `write(encoded)` per item. The
    same bytes, without holding every item (nor their join: a large register's checklists run to
    hundreds of MB). Nothing is written before the first item, so an error raised before it leaves
    stdout to the error funnel's one JSON document; an error raised after it leaves the document
    open, and the funnel ends it with the error's members (end_open_document): still one document."""

    def __init__(self, head: dict[str, Any], key: str) -> None:
        # The document with an empty list ends '[]}' (the key is last): all but those two.
        self._opening = json.dumps({**head, key: []}, ensure_ascii=False, default=str)[:-2]
        self._started = False

    def __enter__(self) -> Callable[[str], None]:
        return self.write

    def write(self, encoded: str) -> None:
        sys.stdout.write(", " + encoded if self._started else self._opening + encoded)
        self._started = True

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            sys.stdout.write(("" if self._started else self._opening) + "]}\n")
        elif self._started:
            _OPEN.append(self)  # ended by the error funnel, with the error


# A streamed document an error cut short (JsonArrayWriter): its list is open on stdout.
_OPEN: list[JsonArrayWriter] = []


def forget_open_document() -> None:
    """At the start of a command: a document an earlier in-process run left open is not this one's."""
    _OPEN.clear()


def end_open_document(members: dict[str, Any]) -> bool:
    """End the document an error cut short, if any, with `members` after its list (`{..., "checklists":
    [...], "ok": false, "exit_code": 1, "errors": [...]}`: one document on stdout, as the contract
    says, holding what was printed before the error); False when no document is open."""
    if not _OPEN:
        return False
    _OPEN.clear()
    sys.stdout.write("], " + json.dumps(members, ensure_ascii=False, default=str)[1:] + "\n")
    return True


# Piped or redirected (no terminal to fit), rich lays lines out this wide: nothing is wrapped, folded
# or cut with 「…」, so grep and scripts see whole values (an outside run: `status | cat` split division
# ids at rich's default 80 columns). COLUMNS, when set, is the width asked for, piped or not.
PIPED_WIDTH = 100_000


def console() -> Console:
    from rich.console import Console

    return _laid_out(Console(highlight=False))


def err_console() -> Console:
    from rich.console import Console

    return _laid_out(Console(stderr=True, highlight=False))


def _laid_out(out: Console) -> Console:
    """`out` as wide as PIPED_WIDTH when it writes to no terminal and COLUMNS is not set."""
    if not out.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        out.width = PIPED_WIDTH
    return out


def unbounded(out: Console) -> bool:
    """`out` lays lines out without a width to fit (piped, no COLUMNS): a table is as wide as its
    contents (not stretched to PIPED_WIDTH), a cell's parts on one line."""
    return out.width >= PIPED_WIDTH


def print_rule(out: Console, title: str) -> None:
    """A rule with `title` (its whole text): the console's width on a terminal, else as wide as
    the title needs (at least 80 columns), not PIPED_WIDTH."""
    from rich.cells import cell_len
    from rich.rule import Rule

    width = max(80, cell_len(title) + 6) if unbounded(out) else None
    out.print(Rule(title, align="left"), width=width)


def on_terminal() -> bool:
    """stderr is a terminal: progress may be shown there (never when piped or redirected)."""
    return sys.stderr.isatty()


def can_prompt() -> bool:
    """stdin is a terminal: a prompt may wait for an answer (a script or CI must never hang waiting)."""
    return sys.stdin.isatty()


class Busy:
    """A progress line on stderr while a long step runs, on a terminal only (rich, transient).

    `update(done, total)` moves a bar; without it a spinner says what is being waited for.
    Piped or redirected, it prints nothing and does not import rich."""

    def __init__(self, description: str, *, force: bool | None = None) -> None:
        self.description = description
        self.active = on_terminal() if force is None else force
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Busy:
        if self.active:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                transient=True,
                # the bar moves the cursor itself: it writes past the escaping funnel; its
                # description is escaped by the caller (safe_text)
                console=Console(file=raw_stream(sys.stderr), highlight=False),
            )
            self._task = self._progress.add_task(self.description, total=None)
            self._progress.start()
        return self

    def update(self, done: int, total: int | None = None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def report_problems(problems: list[Problem] | tuple[Problem, ...], st: AppState | None) -> None:
    """Each problem on its own line on stderr, `path:line:` first so editors can jump to it: a
    register file's path from the user's folder (AppState.register_folder; `st` None: no command
    state, the paths as they are), a file or option the user gave as given (Problem.given)."""
    folder = register_folder(st, problems)
    for p in problems:
        sys.stderr.write(p.render(folder) + "\n")


def register_folder(st: AppState | None, problems: Sequence[Problem]) -> str:
    """What to put before the register files' paths of `problems` printed as text: '' when none of
    them is a register file's nor names one in its message (nothing to work out), else
    AppState.register_folder."""
    if st is None or all(p.given and ".yaml" not in p.message for p in problems):
        return ""
    return st.register_folder


def in_folder(text: str, st: AppState | None, keep: Sequence[str] = ()) -> str:
    """A message printed as text, the register files it names from the user's folder (errors.from_folder,
    AppState.register_folder worked out only when it names one); `keep`: paths the user gave."""
    if st is None or ".yaml" not in text:
        return text
    from meti_pi.errors import from_folder

    return from_folder(text, st.register_folder, keep)


def report_error(exc: MetiPiError, st: AppState | None, typed: Sequence[str] = ()) -> None:
    """The message of an error that stops the command, on stderr, the register files it names from
    the user's folder (--json's copy, error_json, keeps it as written); what the user typed on the
    command line (`typed`: `--file files/F-1.yaml`, `--answers=inspections/a.yaml`) named as typed."""
    if isinstance(exc, RuleViolation):
        report_problems(exc.problems, st)
    given = [exc.path] if isinstance(exc, UsageError) and exc.path else []
    given += [arg.partition("=")[2] if arg.startswith("-") and "=" in arg else arg for arg in typed]
    sys.stderr.write(f"meti-pi: {in_folder(str(exc), st, given)}\n")


def error_json(exc: MetiPiError) -> None:
    """The JSON document of an error that stopped a --json command (the contract: one document on
    stdout, errors included)."""
    problems = [p.as_json() for p in exc.problems] if isinstance(exc, RuleViolation) else []
    kind = {1: "rule", 2: "usage", 3: "cannot-run"}.get(exc.exit_code, "error")
    path, line = (exc.path, exc.line) if isinstance(exc, UsageError) else (None, None)
    problems.append({"path": path, "line": line, "code": kind, "key": "", "severity": "error", "message": str(exc)})
    document = {"ok": False, "exit_code": exc.exit_code, "errors": problems}
    if not end_open_document(document):
        print_json(document)


# -- the terminal shows text, never control sequences ---------------------------------------------

# C0 controls but tab and newline, DEL, C1 controls (\x9b is a one-byte CSI), and the bidi
# overrides that reorder what is shown; a colour (SGR: ESC [ ... m) only on a terminal.
_SGR = "\x1b\\[[0-9;]{0,32}m"
_ESCAPE_ALL = re.compile(CONTROLS)
_ESCAPE_BUT_SGR = re.compile(f"{_SGR}|{CONTROLS}")


def _escaped(m: re.Match[str]) -> str:
    ch = m.group()
    return ch if len(ch) > 1 else f"\\u{ord(ch):04x}"


def safe_text(text: str, *, keep_colour: bool = False) -> str:
    """`text` with every control character shown as `\\u001b` etc. (newlines and tabs kept)."""
    return (_ESCAPE_BUT_SGR if keep_colour else _ESCAPE_ALL).sub(_escaped, text)


class SafeStream:
    """A text stream that escapes control characters on the way out: the one funnel every line a
    command prints goes through (records, dataset headers, git subjects, messages, JSON). Bytes
    written to `.buffer` (exported files on stdout) pass unchanged."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        try:
            self._colour = bool(stream.isatty())  # rich writes colours (SGR) only to a terminal
        except (AttributeError, ValueError, OSError):
            self._colour = False

    def write(self, text: str) -> int:
        with _watched(self._stream):
            self._stream.write(safe_text(text, keep_colour=self._colour) if isinstance(text, str) else text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        with _watched(self._stream):
            self._stream.flush()

    @property
    def buffer(self) -> Any:
        """The byte stream (exported files on stdout), its broken pipe noted as the text's is."""
        return _WatchedBytes(self._stream)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _WatchedBytes:
    """A text stream's `.buffer`, writes and flushes watched for a reader that closed the pipe."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: bytes) -> int:
        with _watched(self._stream):
            return int(self._stream.buffer.write(data))

    def flush(self) -> None:
        with _watched(self._stream):
            self._stream.buffer.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream.buffer, name)


# Set once the reader of this process's stdout or stderr has closed it (`meti-pi validate | head -3`):
# cli.main then ends the process quietly with PIPE_CLOSED_STATUS. Only a write to these two streams
# sets it: a broken pipe to a child process (git) is a failure like any other.
_PIPE_CLOSED: list[bool] = []


def pipe_closed() -> bool:
    """A reader closed stdout or stderr while this command wrote to it."""
    return bool(_PIPE_CLOSED)


@contextmanager
def _watched(stream: Any) -> Iterator[None]:
    """Note a broken pipe on `stream` (pipe_closed) and point its descriptor at the null device, so
    that what is still to be written or flushed (a `finally`, the exit's flush) goes nowhere instead
    of failing again; the error is raised on, to stop the command where it writes."""
    try:
        yield
    except BrokenPipeError:
        _PIPE_CLOSED.append(True)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (AttributeError, OSError, ValueError):  # no descriptor (a test's in-memory stream)
            pass
        raise


def raw_stream(stream: Any) -> Any:
    """The stream a SafeStream wraps (for rich's progress bar, which moves the cursor itself)."""
    return stream._stream if isinstance(stream, SafeStream) else stream


@contextmanager
def safe_output() -> Iterator[None]:
    """stdout and stderr through SafeStream while a command runs."""
    if isinstance(sys.stdout, SafeStream):
        yield
        return
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
