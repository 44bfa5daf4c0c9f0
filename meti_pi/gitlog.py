"""Reading commits out of `git log` so that no commit's text can pose as the output's structure.

A subject, an author or a trailer value may hold any character (a `\\x1f`, a `\\x1e`, a newline,
a fake `Meti-Pi-Command: ...` line): fields are therefore delimited by a marker drawn at random
for each run (unknowable when the commit was written), and trailers are those git's own trailer
parser finds (`%(trailers:only,unfold)`: the last paragraph of the message, never the subject),
each delimited by the same marker. What follows a commit's fields (the `--raw` or
`--name-only` output of `-z`) is NUL-separated, as git prints it.

    marker = gitlog.new_marker()
    out = git("log", "-z", "--raw", f"--format={gitlog.log_format(marker, 'H', 'P', 'an', 'aI', 's')}", ...)
    for commit in gitlog.parse(out, marker): commit.fields["H"], commit.trailers, commit.tail
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

# Placeholders a field may be: those below print no structure of their own.
_PLACEHOLDERS = frozenset({"H", "P", "an", "ae", "aI", "cn", "ce", "cI", "s", "T", "G?"})


@dataclass
class LogCommit:
    fields: dict[str, str]  # placeholder ('H', 'an', 's' ...) -> its value
    trailers: dict[str, list[str]] = field(default_factory=dict)  # key -> values, in order
    tail: list[str] = field(default_factory=list)  # the NUL-separated tokens git printed after the fields


def new_marker() -> str:
    """A delimiter no commit written before this run can contain (96 random bits)."""
    return "\x1e" + os.urandom(12).hex()


def _fmt(marker: str) -> str:
    return "%x1e" + marker[1:]


def log_format(marker: str, *placeholders: str) -> str:
    """The `--format` of `placeholders` (without their %), then the commit's trailers."""
    m = _fmt(marker)
    unknown = set(placeholders) - _PLACEHOLDERS
    if unknown:
        raise ValueError(f"not a field placeholder: {sorted(unknown)}")
    parts = [f"{m}C"]
    parts += [f"{m}F%{p}" for p in placeholders]
    parts.append(f"{m}T%(trailers:only,unfold,separator={m}T)")
    parts.append(f"{m}E")
    return "".join(parts)


def parse(out: str, marker: str, *placeholders: str) -> list[LogCommit]:
    """The commits of `git log --format=log_format(marker, *placeholders)` output, in order."""
    commits: list[LogCommit] = []
    current: LogCommit | None = None
    values: list[str] = []
    for chunk in out.split(marker):
        tag, body = chunk[:1], chunk[1:]
        if tag == "C":
            current = LogCommit({})
            values = []
            commits.append(current)
        elif current is None:
            continue
        elif tag == "F":
            values.append(body)
        elif tag == "T":
            if body:
                key, sep, value = body.partition(":")
                key = key.strip(" \t")  # not strip(): \x1c-\x1f are whitespace to Python, not to git
                if sep and key:
                    current.trailers.setdefault(key, []).append(value.strip(" \t"))
        elif tag == "E":
            current.fields = dict(zip(placeholders, values))
            tokens = body.split("\0")
            if tokens and tokens[0] == "":
                tokens = tokens[1:]  # the NUL git ends the fields with under -z
            if tokens and tokens[0].startswith("\n"):
                tokens[0] = tokens[0][1:]  # the line break before the diff
            current.tail = [t for t in tokens if t]
    return [c for c in commits if len(c.fields) == len(placeholders)]


# C0 controls but tab and newline, DEL, C1 controls and the bidi overrides: what text for people shows
# escaped, a commit's in a file (the evidence pack's trail.txt) as every line a command prints
# (cli.common.safe_text, which lets a colour through on a terminal, takes this set from here).
CONTROLS = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_CONTROLS = re.compile(CONTROLS)


def printable(text: str) -> str:
    """`text` with each control character shown as `\\u001b` etc.: a subject's ESC[8m (conceal) or ESC[2J
    does nothing where the text is shown (a terminal's `cat`, a pager)."""
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
