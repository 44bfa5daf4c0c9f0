"""Problems (data faults, returned as values) and the few exceptions that stop a command."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

# The kind folders of a register (store.kinds.KINDS: tests/test_problem_paths.py checks they agree).
RECORD_FOLDERS = (
    "divisions",
    "roles",
    "beppyo",
    "bureaus",
    "systems",
    "files",
    "ledger",
    "contractors",
    "notifications",
    "incidents",
    "inspections",
    "audits",
    "reviews",
)
# The register's own files at its root (store.kinds.SINGLETONS and classify.vocabcopy.FILES, the
# copies of the vocabulary: tests/test_message_paths.py checks they agree).
ROOT_FILES = ("register.yaml", "policy.yaml", "citations.yaml", "identifiers.yaml", "sensitive_terms.yaml")
# What ends a name between slashes: white space, the punctuation that ends a path in a sentence,
# Japanese text (`files/F-1.yamlに`, `、files/F-2.yaml`); the ids are ASCII, the placeholders too
# (`<id>`, `C-….yaml`).
_STOP = "\\s/`'\"()（）「」;,:、，。\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef"
# A register file a message names for its reader to open, edit or commit, from the register's folder
# (`record it in contractors/C-1.yaml and run ...`, `inspections/<year>/<id>.yaml`, `<kind>/<id>.yaml`,
# `policy.yaml thresholds.x`, `identifiers.yaml has uncommitted edits`): a path under a kind folder, or
# a root file, ending .yaml, at the start of a word: after no printable ASCII character (the text's
# start, a space, Japanese text or punctuation: `files/F-1.yaml、files/F-2.yaml`) save an opening
# bracket or a backtick, and followed by no more of a path (Japanese text may follow: `ledger/x.yamlに`).
# Never a path from elsewhere (`register/files/x.yaml`, `../policy.yaml`, a URL's), a record named by
# its key (`files/F-1`, no .yaml: an identifier), nor one in a quoted value (_QUOTED_VALUE). The
# lookahead of the first letters first lets the engine skip the other positions fast (a lookbehind
# first made it try every one: 7 µs a message, 5 µs so). Compiled on first use (not on every start).
_REGISTER_FILE_IN_TEXT = (
    f"(?=[<{''.join(sorted({name[0] for name in RECORD_FOLDERS + ROOT_FILES}))}])"
    "(?<![\\x21-\\x27\\x29-\\x5f\\x61-\\x7e])"
    f"(?:(?:<kind>|{'|'.join(RECORD_FOLDERS)})/(?:[^.{_STOP}]+/)?[^{_STOP}]+\\.yaml"
    f"|(?:{'|'.join(name.replace('.', '[.]') for name in ROOT_FILES)}))"
    "(?![A-Za-z0-9_/-]|\\.[A-Za-z0-9_])"
)
# A value a message quotes (`the value 'my files/x.yaml' is not an id`: a user's, as given): an
# opening quote after no letter or quote (not `the register's`), a closing one before no letter.
_QUOTED_VALUE = "'(?<![\\w']')[^'\\n]*'(?!\\w)"


def from_folder(text: str, folder: str, keep: Collection[str] = ()) -> str:
    """`text` with each register file it names (from the register's folder) put after `folder`, the
    register's folder as the reader reaches it ('/'-ended: cli.common.AppState.register_folder), so
    that the path opens from where the command was typed; a path in `keep` (one the user gave, as
    given), or in a quoted value, left as it is. --json keeps a message as written: only text printed
    for a person is this. About 6 µs a text that holds `.yaml` (none for the others, nor from the
    register's folder)."""
    if not folder or ".yaml" not in text:
        return text
    quoted = [m.span() for m in re.finditer(_QUOTED_VALUE, text)] if "'" in text else []

    def put(m: re.Match[str]) -> str:
        at = m.start()
        if m[0] in keep or any(start < at < end for start, end in quoted):
            return m[0]
        return folder + m[0]

    return re.sub(_REGISTER_FILE_IN_TEXT, put, text)


@dataclass(frozen=True, slots=True)
class Problem:
    """One fault found in the register or an input, located as `path:line:`.

    `path` is a register file's path from the register's folder (`divisions/x.yaml`: the stable
    identifier --json reports), unless `given`: then it names what the user gave, as given (a --from
    file's path as typed, an option such as `--set KEY`), never a register file."""

    path: str
    line: int | None
    code: str
    message: str
    severity: str = "error"  # "error" | "warning"
    key: str = ""  # JSON-path-like key, e.g. "$.principals.count"
    given: bool = field(default=False, compare=False)

    def render(self, folder: str = "") -> str:
        """`path:line: $.key: severity[code] message`, a register file's path after `folder` (the
        register's folder as the reader reaches it, '/'-ended: cli.common.AppState.register_folder);
        a given path as it was given. The register files the message names, after `folder` too
        (from_folder: `... in register/contractors/C-1.yaml and run ...` from the repository's top)."""
        path = self.path if self.given else folder + self.path
        loc = path if self.line is None else f"{path}:{self.line}"
        key = f" {self.key}:" if self.key else ""
        return f"{loc}:{key} {self.severity}[{self.code}] {from_folder(self.message, folder)}"

    def fields(self) -> tuple[str, int | None, str, str, str, str]:
        """(path, line, code, message, severity, key): how caches and other processes keep a problem
        (Problem(*fields) makes it again)."""
        return (self.path, self.line, self.code, self.message, self.severity, self.key)

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "key": self.key,
            "severity": self.severity,
            "message": self.message,
        }


_LINE = Problem.__dict__["line"]  # the slot itself, under the property below


class LazyProblem(Problem):
    """A Problem whose line is found only when read: `line` is given as an object with `resolve()`
    (yamlload.Where). Finding a line parses the file, and the write path discards warnings unread.
    Equal to, and hashed like, the Problem with the same fields."""

    __slots__ = ()

    @classmethod
    def later(
        cls, path: str, where: object, code: str, message: str, severity: str = "error", key: str = ""
    ) -> LazyProblem:
        """The problem whose line `where.resolve()` finds when first read (where: None, no line)."""
        # `line` is declared int | None; the property below resolves what is stored here.
        return cls(path, where, code, message, severity, key)  # type: ignore[arg-type]

    @property
    def line(self) -> int | None:
        raw = _LINE.__get__(self)
        if raw is not None and not isinstance(raw, int):
            raw = raw.resolve()
            _LINE.__set__(self, raw)
        return raw  # type: ignore[no-any-return]

    @line.setter
    def line(self, value: object) -> None:  # only Problem.__init__ (and unpickling) set it
        _LINE.__set__(self, value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Problem):
            return self.fields() == other.fields()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return repr(Problem(*self.fields()))


class MetiPiError(Exception):
    """The command cannot run (no register, no git identity, lock not obtained...): exit 3."""

    exit_code = 3


class UsageError(MetiPiError):
    """Bad option or unreadable input file (dataset, facts or answers file): exit 2.

    `path` and `line`, where the raise site knows them, locate the fault in a file the user gave;
    --json reports them as the error's `path` and `line` (the message names them for the terminal)."""

    exit_code = 2

    def __init__(self, message: str, *, path: object = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path: str | None = None if path is None else str(path)
        self.line: int | None = line if path is not None and line else None

    @classmethod
    def at(cls, path: object, line: int | None, text: str) -> UsageError:
        """`path:line: text` (`path: text` where no line is known), with path and line kept for --json."""
        return cls(f"{path}:{line}: {text}" if line else f"{path}: {text}", path=path, line=line)


@dataclass
class RuleViolation(MetiPiError):
    """The request breaks the rules (a change that would make the register invalid): exit 1."""

    message: str
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    exit_code = 1

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
