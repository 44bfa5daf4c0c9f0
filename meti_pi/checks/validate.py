"""Validation of a whole register: schema of every record, then cross-record checks and rule findings.

Checks are small named functions `(reg, today) -> Iterable[Problem]` collected in CHECKS;
adding a rule means adding one function and one tuple entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.checks import incremental, validate_work
from meti_pi.checks.contractors import check_contractor_chain, check_contractors
from meti_pi.checks.file_checks import check_contacts, check_decisions, check_files
from meti_pi.checks.hygiene import check_named_files, check_personal_data
from meti_pi.checks.organisation import check_beppyo, check_roles, check_unassigned_duties
from meti_pi.checks.shared import Check, run_checks
from meti_pi.checks.thresholds import check_thresholds
from meti_pi.classify.checkdigits import corporate_number_valid
from meti_pi.errors import Problem
from meti_pi.inspect.inspection_checks import CHECKS as INSPECTION_CHECKS
from meti_pi.store import refs
from meti_pi.store.ids import windows_reserved
from meti_pi.store.kinds import KINDS
from meti_pi.store.problems import at, schema_problems
from meti_pi.store.register import Register

# -- cross-record checks ---------------------------------------------------------------


def check_ids(reg: Register, today: date) -> Iterator[Problem]:
    """A record's `id` equals its file name; inspections also match their year folder."""
    lowered: dict[str, str] = {}
    if reg.focus is not None:  # the write path: clashes of the focused records with every other key of their kinds
        wanted = {k.lower() for k in reg.focus}
        for kind in sorted({k.split("/", 1)[0] for k in reg.focus}):
            for k in reg.keys_folded(kind, wanted):  # keys_of(kind) folding to a wanted key, in its order
                if k not in reg.focus:
                    lowered[k.lower()] = k
    for key, rec in reg.subject_records():
        data = rec.data
        if data.get("id") != rec.id:
            yield at(
                rec,
                ("id",),
                "id-mismatch",
                f"id {data.get('id')!r} differs from the file name {rec.id!r}; rename the file or fix the id",
            )
        if KINDS[rec.kind].by_year:
            year = rec.relpath.split("/")[1]
            if str(data.get("year")) != year:
                yield at(
                    rec,
                    ("year",),
                    "year-mismatch",
                    f"year {data.get('year')!r} differs from the folder {year}; move the file or fix the year",
                )
        if windows_reserved(rec.id):
            yield at(
                rec,
                ("id",),
                "id-reserved",
                f"id {rec.id!r} is a device name on Windows, where its file cannot exist; choose another id",
            )
        folded = key.lower()
        if folded in lowered and lowered[folded] != key:
            yield at(rec, ("id",), "id-case", CASE_CLASH.format(lowered[folded]))
        lowered[folded] = key


# check_ids reports a clash at the later of its two records in the order it checks them (the whole
# register's, or a focus's: a changed record after the others), naming the other.
CASE_CLASH = "id differs only by letter case from {}; ids must stay distinct on every file system"


def case_clash(problem: Problem) -> frozenset[str] | None:
    """The keys of the two records an id-case problem is about (reported at either), else None."""
    head, _, tail = CASE_CLASH.partition("{}")
    text = problem.message
    if problem.code != "id-case" or not problem.path.endswith(".yaml") or not text.startswith(head):
        return None
    other, sep, rest = text[len(head) :].partition(tail)
    return frozenset({problem.path[: -len(".yaml")], other}) if sep and not rest else None


REFERENCES = refs.REFERENCES
_walk = refs.walk


def check_references(reg: Register, today: date) -> Iterator[Problem]:
    """Every reference to another record resolves. A record whose file is there but cannot be read
    (YAML, encoding: its own error says so) is not said not to exist: 「create it」 would have the
    officer make a second one."""
    unread: dict[str, set[str]] = {}
    for kind, path, target in REFERENCES:
        for rec in reg.subjects(kind):
            for where, value in _walk(rec.data, path):
                if isinstance(value, str) and reg.get(target, value) is None:
                    if target not in unread:
                        unread[target] = reg.unreadable(target)
                    if f"{target}/{value}" in unread[target]:
                        continue
                    yield at(
                        rec,
                        where,
                        "dangling-ref",
                        f"refers to {target}/{value}, which does not exist; create it or correct the reference",
                    )


def check_ledger_ids(reg: Register, today: date) -> Iterator[Problem]:
    """A 台帳 entry is named after its file."""
    for rec in reg.subjects("ledger"):
        if rec.data.get("file") != rec.id:
            yield at(
                rec, ("file",), "ledger-file", f"ledger/{rec.id} must describe files/{rec.id}; rename it after its file"
            )


# -- rule findings (warnings) --------------------------------------------------------------


def check_consistency(reg: Register, today: date) -> Iterator[Problem]:
    """Facts that must agree: 75(3) withheld items are recorded items; the org of a file and its 課等;
    row 9 is the row of a system off METI's network, and of no other; a 法人番号 passes its check digit."""
    for rec in reg.subjects("files"):
        data = rec.data
        withheld = data.get("filebook_withheld", {}).get("record_items", [])
        for i, item in enumerate(withheld):
            if item not in data.get("record_items", []):
                yield at(
                    rec,
                    ("filebook_withheld", "record_items", i),
                    "withheld-unknown",
                    f"75(3): {item!r} is withheld but is not one of record_items; use the exact item name",
                )
        division = reg.division_of(data.get("division"))
        if division and division.get("org") != data.get("org"):
            # APPI 2(8): a 外局 (中小企業庁, 資源エネルギー庁) is its own 行政機関; notices, drafts and the
            # ファイル簿 name the 行政機関 from the 課等, so a mismatch would print a wrong body (issue 14 item 6).
            yield at(
                rec,
                ("org",),
                "org-mismatch",
                f"APPI 2(8): the file's 行政機関 {data.get('org')} differs from its 課等's ({division.get('org')}); "
                "a 外局 is its own 行政機関 — correct one of them",
            )
    for rec in reg.subjects("systems"):
        connected, row = rec.data.get("connected_to_meti_network"), rec.data.get("beppyo_row")
        if connected is False and row != 9:
            yield at(
                rec,
                ("beppyo_row",),
                "beppyo-network",
                "別表 rows 1-8 are systems connected to METI's network; a system off the network is row 9 "
                "(甲・乙 当該システムの管理課: managing_division): correct the row or the connection",
            )
        elif connected is True and row == 9:
            # row 1 takes every connected system rows 2-8 do not: row 9 (上記以外) is never connected
            yield at(
                rec,
                ("beppyo_row",),
                "beppyo-network",
                "別表 row 9 is 「上記以外の情報システム」: a system connected to METI's network is row 1 unless "
                "rows 2-8 name it (甲・乙 大臣官房情報システム室 for row 1); correct the row or the connection",
            )
    for rec in reg.subjects("contractors"):
        number = rec.data.get("corporate_number")
        if isinstance(number, str) and not corporate_number_valid(number):
            yield at(
                rec,
                ("corporate_number",),
                "corporate-number",
                "法人番号 fails its check digit; copy it again from the 法人番号公表サイト",
            )


def check_filebook(reg: Register, today: date) -> Iterable[Problem]:
    """APPI 75(3): a withheld item must not show up elsewhere in the public ファイル簿."""
    if not reg.subjects("files"):
        return ()  # only the files checked can withhold an item or leak one (filebook.check_filebook)
    from meti_pi.filebook import book as filebook

    return filebook.check_filebook(reg, today)


def check_incidents(reg: Register, today: date) -> Iterable[Problem]:
    """Arts. 39/40: every passed deadline of an open incident (warnings)."""
    from meti_pi.incident.incidents import incident_findings

    return incident_findings(reg, today)


def check_notices(reg: Register, today: date) -> Iterable[Problem]:
    """Arts. 35/36: a required notice missing, late or stale (warnings)."""
    from meti_pi.notify.notices import notice_findings

    return notice_findings(reg, today)


def check_inspections(reg: Register, today: date) -> Iterator[Problem]:
    """Arts. 41-43: overdue corrective actions, review links, auditor independence."""
    for check in INSPECTION_CHECKS:
        yield from check(reg, today)


def check_inspection_errors(reg: Register, today: date) -> Iterator[Problem]:
    """check_inspections without its rule findings (overdue corrective actions: warnings only) and
    without the audits' warnings (inspection_checks.check_audit_errors, AUDIT_ERRORS_ONLY)."""
    from meti_pi.inspect.inspection_checks import ERROR_CHECKS as INSPECTION_ERROR_CHECKS

    for check in INSPECTION_ERROR_CHECKS:
        yield from check(reg, today)


CHECKS: tuple[Check, ...] = (
    check_ids,
    check_named_files,
    check_thresholds,
    check_personal_data,
    check_references,
    check_ledger_ids,
    check_beppyo,
    check_roles,
    check_unassigned_duties,
    check_contractor_chain,
    check_contractors,
    check_files,
    check_decisions,
    check_contacts,
    check_consistency,
    check_filebook,
    check_incidents,
    check_notices,
    check_inspections,
)

# Rule findings that only ever warn. The write path refuses a change only for a new *error*, so it
# runs the other checks alone: on a large register these are most of the cost of a write.
WARNING_ONLY_CHECKS: tuple[Check, ...] = (
    check_thresholds,
    check_personal_data,
    check_unassigned_duties,
    check_contractors,
    check_files,
    check_contacts,
    check_notices,
    check_incidents,
)
ERROR_CHECKS: tuple[Check, ...] = tuple(
    check_inspection_errors if c is check_inspections else c for c in CHECKS if c not in WARNING_ONLY_CHECKS
)


def focus_of(reg: Register, changed: Iterable[str]) -> frozenset[str] | None:
    """The keys of the records whose problems a change to the files `changed` can alter; None
    when it can alter any (a root file such as policy.yaml, or a file that is not a record).

    A check's problems about a record depend on that record and on the records it refers to
    (meti_pi.store.refs), so the focus is the changed records and every record that refers to one of
    them; a change to a 別表 row also brings in every system (checked against the rows).
    Checks report on `Register.subjects`, which the focus narrows; a check that iterates
    `of_kind` still looks at every record, so it is never wrong, only slower.
    """
    keys: set[str] = set()
    for rel in changed:
        kind = rel.split("/", 1)[0]
        if "/" not in rel or not rel.endswith(".yaml") or kind not in KINDS:
            return None
        keys.add(rel[: -len(".yaml")])
    kinds = {k.split("/", 1)[0] for k in keys}
    focus = set(keys)
    # the references come from the read cache (a register read at a commit keeps them with each kind's listing)
    focus |= reg.referrers(keys, refs.referring_kinds(kinds))
    if "divisions" in kinds:  # an audit with no scope audits every division (auditor independence)
        focus.update(rec.key for rec in reg.of_kind("audits") if not (rec.data.get("scope") or {}).get("divisions"))
    if "beppyo" in kinds:
        focus.update(rec.key for rec in reg.of_kind("systems"))
    return frozenset(focus)


def focused_errors(
    reg: Register, today: date, focus: frozenset[str], *, checks: tuple[Check, ...] = CHECKS
) -> list[Problem]:
    """The errors of the focused records, and every error of the checks that look at all records.

    None of them means the change added no error (the write path then accepts it without
    validating the whole register); any of them, and the caller validates the whole way.
    """
    paths = {f"{k}.yaml" for k in focus}  # a record's key is its path without .yaml
    lazily = reg.problems_of(paths)
    if lazily is not None:  # a register read at a commit: what the checks read is read, nothing else
        problems = lazily
        clean = reg.checked(reg.schema_failures(), focus)
    else:
        problems = [p for p in reg.load_problems if p.path in paths]
        schema_bad = set()
        for p in schema_problems(reg):  # all of them (cheap: known from the cache): the checks skip every failure
            schema_bad.add(p.path)
            if p.path in paths:
                problems.append(p)
        clean = reg.checked(frozenset(schema_bad), focus)
    for check in checks:
        problems.extend(check(clean, today))
    return [p for p in problems if p.severity == "error"]


def validate_register(reg: Register, today: date, *, checks: tuple[Check, ...] = CHECKS) -> list[Problem]:
    """Every problem of the register: read faults, schema, cross-record checks, rule findings.

    The whole result is cached under the content of every file read, the day and the checks
    (meti_pi.store.cache), so validating an unchanged register costs no parsing and no checking.
    """
    view = reg.cache
    key = view.result_key(reg, today, checks) if view is not None else None
    if key is not None:
        cached: list[Problem] | None = view.result(key)
        if cached is not None:
            return cached
    problems = list(reg.load_problems)
    schema_found = list(schema_problems(reg))
    schema_bad = {p.path for p in schema_found}
    read = (list(problems), schema_found)
    problems.extend(schema_found)
    # Cross-record checks read fields the schema guarantees: they iterate only records that passed it.
    clean = reg.checked(frozenset(schema_bad))
    # With a base from the last validate (the whole check set only: the write path's subsets keep
    # none), only what a change can affect is checked again (meti_pi.checks.incremental).
    keep_base = key is not None and tuple(checks) == CHECKS
    found = incremental.run(reg, clean, today, checks, view.store.base()) if keep_base else None
    if found is None:
        found = [incremental.sorted_by_path(part) for part in run_checks(clean, today, checks, view)]
    for part in found:
        problems.extend(part)
    if key is not None:
        view.save_result(key, problems)
        if keep_base:
            incremental.save_base(reg, today, checks, found, read)
    return problems


def vocabulary_problems(root: Path) -> list[Problem]:
    """The problems of the register's copy of classify's vocabulary (identifiers.yaml and
    sensitive_terms.yaml beside policy.yaml: classify.vocabcopy): errors, and warnings of a kind or
    category the copy lacks (classify takes the package's). Read afresh at each validate, not
    cached: the register's records, and every check and cached result of them, do not depend on it."""
    from meti_pi.classify.vocabcopy import copy_faults

    return [
        Problem(
            rel,
            line,
            "vocabulary",
            f"{message} (classify reads this copy instead of the package's)" if severity == "error" else message,
            severity,
        )
        for rel, line, message, severity in copy_faults(Path(root))
    ]


def validate_work_tree(root: Any, today: date, settings: Any) -> tuple[list[Problem], int, list[Problem]] | None:
    """(every problem, the number of records, the read faults) of the register in the work tree at
    `root`, reading only what changed since the last validate and what it reaches
    (meti_pi.checks.validate_work); None when that does not apply: validate_register the whole way."""
    return validate_work.validate_work(root, today, CHECKS, settings)
