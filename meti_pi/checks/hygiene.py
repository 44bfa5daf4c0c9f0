"""Checks of a register's own text, record by record: personal data in free-text fields, and the
files register.yaml names.

A record's free text (the fields its schema marks x-meti-pi-screen) must not hold a 個人番号, a
telephone number, an e-mail address or a home address: a command refuses such text when it writes
it, and so does `meti-pi commit`; validate (what CI and pre-commit run) warns of it wherever it is,
so that a record committed with git alone, past the hooks, is seen too (a review put personal data
into a ファイル簿 record's 利用目的 that way, and the exported ファイル簿 printed it). Incidents have
their own warning (meti_pi.incident.records: the summary, facts and events).

Cost: every record's marked strings are taken along key paths computed once per schema, and only a
string that could hold a finding (an '@', a '〒', nine digits, or a place name with a house number,
in its NFKC form: never fewer than screening.screen needs) is screened.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any

from meti_pi import gitlayer
from meti_pi.classify import screening
from meti_pi.errors import Problem
from meti_pi.store import lazy
from meti_pi.store import schema as schema_mod
from meti_pi.store.kinds import KINDS
from meti_pi.store.problems import at
from meti_pi.store.register import Register, is_register_file
from meti_pi.store.schema_examples import ref_followed

_DIGIT = re.compile(r"[0-9]")  # nine of them at least: a 個人番号 (12), card (13+) or telephone (10+) has more
_PLACE = re.compile("[都道府県市区町村郡]")  # every address screening finds names one of these ...
_HOUSE = re.compile("丁目|番|[0-9]")  # ... and a house number (…丁目, …番地, …番…号, 1-2-3) or a postal code
ALL = "**"  # a path step: every string below (a marked object or list)


def could_hold_personal_data(text: str) -> bool:
    """False only where screening.screen finds nothing (a cheap test first)."""
    folded = unicodedata.normalize("NFKC", text)
    return (
        "@" in folded
        or "〒" in folded
        or len(_DIGIT.findall(folded)) >= 9
        or (_PLACE.search(folded) is not None and _HOUSE.search(folded) is not None)
    )


@cache
def marked_paths(schema_file: str) -> tuple[tuple[str, ...], ...]:
    """Key paths of the strings a schema marks for screening ('*': each list item; ALL: everything below)."""
    root = schema_mod.load_schema(schema_file)
    out: list[tuple[str, ...]] = []

    def walk(node: Any, path: tuple[str, ...], depth: int) -> None:
        node = ref_followed(root, node)  # as screening.screened_strings follows them
        if not isinstance(node, dict) or depth > 16:
            return
        if node.get(schema_mod.SCREEN_KEYWORD):
            out.append((*path, ALL))
            return
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, (*path, str(key)), depth + 1)
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*path, "*"), depth + 1)

    walk(root, (), 0)
    return tuple(out)


def _strings(
    value: Any, path: tuple[str, ...], at_path: tuple[object, ...]
) -> Iterator[tuple[tuple[object, ...], str]]:
    if not path or path[0] == ALL:
        if isinstance(value, str):
            yield at_path, value
        elif isinstance(value, dict):
            for key, sub in value.items():
                yield from _strings(sub, path, (*at_path, key))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from _strings(sub, path, (*at_path, i))
        return
    step, rest = path[0], path[1:]
    if step == "*":
        for i, sub in enumerate(value if isinstance(value, list) else ()):
            yield from _strings(sub, rest, (*at_path, i))
    elif isinstance(value, dict) and step in value:
        yield from _strings(value[step], rest, (*at_path, step))


# The kinds screened: the ファイル簿's records (their free text is published) and the contractor list.
# The others' free text is written by meti-pi's commands, which screen it; incidents have their own
# warning. (Every kind, at 100,000 records, cost cold validate ~2.5 s: 25 us a record.)
SCREENED_KINDS = ("files", "contractors", "divisions")  # a 課等's name is ファイル簿 field 3


def check_personal_data(reg: Register, today: date) -> Iterator[Problem]:
    """Free text that looks like personal data, in a ファイル簿, contractor or 課等 record (warnings)."""
    for _key, rec in reg.subject_records():
        if rec.kind not in SCREENED_KINDS:
            continue
        by_key = _plan(KINDS[rec.kind].schema_file)
        found: list[tuple[tuple[object, ...], str]] = []
        for key in by_key.keys() & rec.data.keys():
            value = rec.data[key]
            for path in by_key[key]:
                if isinstance(value, str) and (not path or path == (ALL,)):  # most: a marked text field
                    found.append(((key,), value))
                else:
                    found.extend(_strings(value, path, (key,)))
        # one test over the record's marked text first: most records hold nothing a finding needs
        if not found or not could_hold_personal_data("\n".join(text for _, text in found)):
            continue
        for key_path, text in found:
            findings = screening.screen(text) if could_hold_personal_data(text) else []
            if findings:
                what = ", ".join(dict.fromkeys(f"{f.kind_ja} ({f.kind})" for f in findings))
                yield at(
                    rec,
                    key_path,
                    "personal-data",
                    f"looks like it holds {what} at character {findings[0].start + 1}: a register record must not "
                    "hold personal data; describe it instead (e.g. '個人番号を含む申請書')",
                    "warning",
                )


@cache
def _plan(schema_file: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """marked_paths by their first key: the paths below it."""
    plan: dict[str, list[tuple[str, ...]]] = {}
    for path in marked_paths(schema_file):
        plan.setdefault(path[0], []).append(path[1:])
    return {key: tuple(paths) for key, paths in plan.items()}


def check_named_files(reg: Register, today: date) -> Iterator[Problem]:
    """register.yaml's policy: and citations: name files that exist (a missing one was silent) in
    the register as it was read: a commit's files with a change (what `meti-pi commit` validates:
    a file the work tree alone holds is not in the commit, and a clone of it lacks the file), or
    the work tree's."""
    root = reg.singletons.get("register.yaml")
    if root is None:
        return
    left: list[tuple[str, str]] = []  # (key, name) of the named files the commit lacks
    for key in ("policy", "citations"):
        name = root.data.get(key)
        if not isinstance(name, str) or not name or name in reg.singletons or holds_file(reg, name):
            continue
        if reg.source is None or reg.source[0] is None or not (reg.root / name).is_file():
            yield at(root, (key,), "named-file-missing", f"{name} is missing; restore it (`git checkout -- {name}`)")
            continue
        left.append((key, name))
    # the hint names every such register file at once (one that named one of two failed again)
    together = " ".join(name for _, name in left if is_register_file(name))
    for key, name in left:
        how = (
            f"name it in the same commit (`meti-pi commit {root.relpath} {together}`)"
            if is_register_file(name)
            else f"`git add {name}` and `git commit` it first"
        )
        yield at(
            root,
            (key,),
            "named-file-missing",
            f"{name} is in the work tree but not in the commit (a clone of the commit would lack it); commit it too: {how}",
        )


def holds_file(reg: Register, name: str) -> bool:
    """Whether the register as read holds the file `name` (a path from its root): read at a commit
    (Register.load's `at`), the commit's files with the change overlaid, never the work tree's."""
    at_commit, overlay = reg.source if reg.source is not None else (None, {})
    if name in overlay:
        return overlay[name] is not None
    if at_commit is None:
        return (reg.root / name).is_file()
    if is_register_file(name) and name in at_commit:
        return True
    if not isinstance(at_commit, lazy.Tree) or "\0" in name:
        # the files of a commit listed whole (history --verify's), or only its register files (or
        # none: before the first commit)
        return name in at_commit
    # any other file: a regular file at that path in the commit, as git lists it (from the register's folder)
    listed = gitlayer.git(
        at_commit.root, "--literal-pathspecs", "ls-tree", "-z", at_commit.rev, "--", name, check=False
    )
    wanted = posixpath.normpath(name)
    return any(
        head.startswith(("100644 blob ", "100755 blob ")) and path == wanted
        for head, _, path in (entry.partition("\t") for entry in listed.split("\0"))
    )
