"""Validation checks of inspections, audits and reviews (Arts. 41-43), kept apart from
meti_pi.inspect.inspection so that every validation need not import the self-inspection machinery."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from meti_pi.dates.calendar_jp import parse_day
from meti_pi.errors import Problem
from meti_pi.store.problems import at
from meti_pi.store.register import Record, Register


def split_ref(ref: str) -> tuple[str, str]:
    """(record key, finding id) of a finding reference."""
    key, sep, fid = ref.rpartition("#")
    if not sep or not key or not fid:
        raise ValueError(ref)
    return key, fid


def find_finding(reg: Register, ref: str) -> tuple[Record, dict[str, Any]] | None:
    """The record and finding a reference names."""
    try:
        key, fid = split_ref(ref)
    except ValueError:
        return None
    rec = reg.records.get(key)
    if rec is None or rec.kind not in ("inspections", "audits"):
        return None
    for f in rec.data.get("findings", []) or []:
        if isinstance(f, dict) and str(f.get("id")) == fid:
            return rec, f
    return None


def _at(rec: Record, key_path: tuple[object, ...], code: str, message: str, severity: str = "error") -> Problem:
    return at(rec, key_path, code, message, severity)


def _repeats(values: list[Any]) -> list[int]:
    """The positions whose value occurred at an earlier position (`x in values[:n]`, in linear time:
    an inspection answers every checklist item, and the quadratic scan dominated large registers)."""
    seen: set[Any] = set()
    earlier: list[Any] = []  # unhashable values (the schema should exclude them), compared one by one
    out = []
    for n, value in enumerate(values):
        try:
            if value in seen:
                out.append(n)
                continue
            # 1 == 1.0 == True hash alike, as `in` on a list compares them alike
            seen.add(value)
        except TypeError:
            if value in earlier:
                out.append(n)
            else:
                earlier.append(value)
    return out


# Each check reports on Register.subjects: every record, or on the write path the records a change
# can affect (the changed ones and those naming them, meti_pi.store.refs, through checks.validate.focus_of).


def check_inspection_records(reg: Register, today: date) -> list[Problem]:
    """Inspections: file named after its division, finding ids unique, carried items resolve."""
    out = []
    for rec in reg.subjects("inspections"):
        d = rec.data
        ad_hoc = d.get("occasion") == "ad_hoc"
        named = rec.id.startswith(f"{d.get('division')}.adhoc-") if ad_hoc else d.get("division") == rec.id
        if not named:
            out.append(
                _at(
                    rec,
                    ("division",),
                    "inspection-division",
                    f"division {d.get('division')!r} does not match the file name {rec.id!r}; an inspection is named after its division "
                    "(an ad-hoc one <division>.adhoc-<date>, with occasion: ad_hoc)",
                )
            )
        if d.get("inspected_on") and not d.get("reported_on"):
            out.append(
                _at(
                    rec,
                    ("inspected_on",),
                    "inspection-unreported",
                    f"Art. 41(1): the inspection of {d.get('inspected_on')} is not recorded as reported to the 副総括; "
                    "report its results and record the day (`reported_on:` in the answers file and `meti-pi inspect "
                    "--answers`, or in the record and `meti-pi commit`)",
                    "warning",
                )
            )
        ids = [f.get("id") for f in d.get("findings", []) if isinstance(f, dict)]
        for n in _repeats(ids):
            out.append(
                _at(
                    rec,
                    ("findings", n, "id"),
                    "finding-id-duplicate",
                    f"finding id {ids[n]} is used twice; number findings 1, 2, 3...",
                )
            )
        keys = [a.get("item") for a in d.get("answers", []) if isinstance(a, dict)]
        repeated = set(_repeats(keys))
        for n, key in enumerate(keys):
            if n in repeated:
                out.append(
                    _at(
                        rec,
                        ("answers", n, "item"),
                        "answer-duplicate",
                        f"item {key} is answered twice; keep one answer",
                    )
                )
            if isinstance(key, str) and key.startswith("carry@") and find_finding(reg, key[len("carry@") :]) is None:
                out.append(
                    _at(
                        rec,
                        ("answers", n, "item"),
                        "carry-dangling",
                        f"{key}: the carried finding does not exist; correct the item to the finding's reference "
                        "(<inspections/YEAR/DIVISION or audits/ID>#<number>) or remove the answer",
                        "warning",
                    )
                )
    return out


def audited_divisions(audit_data: dict[str, Any]) -> list[str]:
    """The 被監査部門 of an audit that names them: its scope's divisions, then any other division a
    finding names (a finding on a division means it was audited); [] when the scope names none
    (every division was audited)."""
    listed = [str(d) for d in (audit_data.get("scope") or {}).get("divisions") or []]
    if not listed:
        return []
    named = [str(f["division"]) for f in audit_data.get("findings") or [] if isinstance(f, dict) and f.get("division")]
    return list(dict.fromkeys([*listed, *named]))


def headed_division(reg: Register, auditor: dict[str, Any], audited: Container[str]) -> str | None:
    """Art. 42(2): the audited division a 監査事務実施者 manages by post, as its 個人情報保護管理者 (its
    head, Art. 5(3)) or a 副 (Art. 5(4), one of its staff), whatever its `division` says; else None."""
    if auditor.get("role") != "staff":
        return None
    heads: dict[str, list[str]] = reg.derived("division_heads", _division_heads)
    return next((d for d in heads.get(str(auditor.get("post")), ()) if d in audited), None)


def _division_heads(reg: Register) -> dict[str, list[str]]:
    """post -> the divisions it is the 個人情報保護管理者 or a 副個人情報保護管理者 of, in register order.
    A division whose record fails its schema (validate's checks set it aside: Register.unchecked) is
    headed all the same, after the others in the order of its id: its posts are read where they have
    their types."""
    records = reg.of_kind("divisions")
    if reg.unchecked:
        listed = {r.key for r in records}
        aside = sorted(k for k in reg.keys_of("divisions") if k not in listed)
        records = [*records, *(r for r in map(reg.records.get, aside) if r is not None)]
    out: dict[str, list[str]] = {}
    for rec in records:
        data = rec.data if isinstance(rec.data, dict) else {}
        deputies = data.get("deputy_manager_posts")
        posts = [data.get("manager_post"), *(deputies if isinstance(deputies, list) else [])]
        for post in dict.fromkeys(p for p in posts if isinstance(p, str)):
            out.setdefault(post, []).append(rec.id)
    return out


class _EveryDivision:
    """The 被監査部門 of an audit whose scope names none: every division the register has a record of
    (one failing its schema too: validate's checks set it aside, but the 課等 is there, as its own
    reference check finds it)."""

    def __init__(self, reg: Register) -> None:
        self.reg = reg

    def __contains__(self, division: object) -> bool:
        return isinstance(division, str) and self.reg.get("divisions", division) is not None


class Standing(Enum):
    """An auditor's standing under Art. 42(2) (監査事務実施者 are 「被監査部門から独立した者」), the
    first that holds in this order. Decided once (auditor_standing) for validate's warnings, the
    audit's flags (`audit new`, `audit list`) and the audit report, which each render it."""

    INDEPENDENT = "independent"  # nothing to say of the auditor
    IN_AUDITED = "in_audited"  # its `division` is an audited 課等
    HEADS_AUDITED = "heads_audited"  # a 監査事務実施者 whose post is an audited 課等's 管理者 or a 副 (Art. 5(3), 5(4))
    DIVISION_UNREGISTERED = "division_unregistered"  # its `division` is no 課等 of the register: unchecked
    DIVISION_UNRECORDED = "division_unrecorded"  # a 監査事務実施者 with no `division`: unchecked


@dataclass(frozen=True)
class AuditorStanding:
    """One auditor of an audit and its Art. 42(2) standing."""

    index: int  # its position in the audit's `auditors`
    post: Any  # its `post` as recorded
    division: str | None  # the 課等 id its `division` records, None when it records none
    standing: Standing
    headed: str | None = None  # HEADS_AUDITED: the audited 課等 its post heads


def auditor_standing(reg: Register, audit_data: dict[str, Any]) -> tuple[AuditorStanding, ...]:
    """Art. 42(2): the standing of each auditor (a mapping) of the audit `audit_data`, in its order.

    The 被監査部門 are audited_divisions (every division when the scope names none). An auditor whose
    `division` is one of them is not independent, whatever its role; else a 監査事務実施者 whose post
    heads one (headed_division); else one whose `division` names no 課等 of the register, or a
    監査事務実施者 who records none (the 監査責任者 is appointed by Art. 5(5), an external auditor is
    outside the ministry), cannot be said independent: its independence is unchecked."""
    audited: Container[str] = set(audited_divisions(audit_data)) or _EveryDivision(reg)
    out = []
    for n, a in enumerate(audit_data.get("auditors") or []):
        if not isinstance(a, dict):
            continue
        division = str(a["division"]) if a.get("division") else None
        headed = None
        if division is not None and division in audited:
            standing = Standing.IN_AUDITED
        elif (headed := headed_division(reg, a, audited)) is not None:
            standing = Standing.HEADS_AUDITED
        elif division is not None and reg.get("divisions", division) is None:
            standing = Standing.DIVISION_UNREGISTERED
        elif division is None and a.get("role") == "staff":
            standing = Standing.DIVISION_UNRECORDED
        else:
            standing = Standing.INDEPENDENT
        out.append(AuditorStanding(n, a.get("post"), division, standing, headed))
    return tuple(out)


def check_audits(reg: Register, today: date) -> list[Problem]:
    """Audits: divisions resolve; an auditor not independent of the audited divisions, or whose
    independence cannot be checked, is flagged (Art. 42(2): auditor_standing)."""
    return _audit_problems(reg, warnings=True)


def check_audit_errors(reg: Register, today: date) -> list[Problem]:
    """check_audits' errors alone (the write path's ERROR_CHECKS). AUDIT_ERRORS_ONLY (a speed trick
    the write bench needs at 100,000 records): the write path refuses a change only for a new error
    and drops every warning, and the auditor-independence warning (Art. 42(2)) read every division
    of the register to find which ones an auditor's post heads (635 records at 100k, ~10 ms of a
    `commit` of a division an audit names): the warnings are not computed here. The errors are
    those of check_audits, in the same order (tests/test_audit_legal.py)."""
    return _audit_problems(reg, warnings=False)


def _dangling(reg: Register, kind: str, key: str) -> bool:
    """No record `kind/key`, and no file of that name that could not be read (its own error says why:
    「create it」 would have the officer make a second one), as checks.validate.check_references."""
    return reg.get(kind, key) is None and f"{kind}/{key}" not in reg.unreadable(kind)


def _audit_problems(reg: Register, *, warnings: bool) -> list[Problem]:
    out = []
    for rec in reg.subjects("audits"):
        d = rec.data
        if warnings and d.get("ended_on") and not d.get("reported_on"):
            out.append(
                _at(
                    rec,
                    ("ended_on",),
                    "audit-unreported",
                    f"Art. 42(1): the audit ended on {d.get('ended_on')} and its result is not recorded as reported to "
                    "the 総括; report it and record the day (`meti-pi audit findings "
                    f"{rec.id} FINDINGS.yaml --reported-on DATE`, or `reported_on:` in the record and `meti-pi commit`)",
                    "warning",
                )
            )
        roles = {str(a.get("role")) for a in d.get("auditors") or [] if isinstance(a, dict)}
        if warnings and bool(d.get("external")) != ("external" in roles):
            said = (
                "is marked external (external: true) but records no external auditor (role: external)"
                if d.get("external")
                else "records an external auditor (role: external) but is not marked external (external: true)"
            )
            out.append(
                _at(
                    rec,
                    ("external",) if "external" in d else ("auditors",),
                    "audit-external-mismatch",
                    f"Art. 42(1): the audit {said}; its report calls it by the flag (外部監査 or not): correct the "
                    "flag or the auditor's role",
                    "warning",
                )
            )
        for n, div in enumerate((d.get("scope") or {}).get("divisions") or []):
            if _dangling(reg, "divisions", div):
                out.append(
                    _at(
                        rec,
                        ("scope", "divisions", n),
                        "dangling-ref",
                        f"refers to divisions/{div}, which does not exist; create it or correct the reference",
                    )
                )
        for n, f in enumerate(d.get("findings") or []):
            if isinstance(f, dict) and _dangling(reg, "divisions", str(f.get("division"))):
                out.append(
                    _at(
                        rec,
                        ("findings", n, "division"),
                        "dangling-ref",
                        f"refers to divisions/{f.get('division')}, which does not exist; create it or correct the reference",
                    )
                )
        for n, a in enumerate(d.get("auditors") or []):
            if (
                isinstance(a, dict)
                and isinstance(a.get("division"), str)
                and _dangling(reg, "divisions", a["division"])
            ):
                # Art. 42(2): taken for a division outside the audit, the auditor passed for independent
                out.append(
                    _at(
                        rec,
                        ("auditors", n, "division"),
                        "dangling-ref",
                        f"refers to divisions/{a['division']}, which does not exist, so the auditor's independence "
                        "from the audited divisions (Art. 42(2)) cannot be checked; create it or correct the reference",
                    )
                )
        if not warnings:
            continue  # the rest are warnings (AUDIT_ERRORS_ONLY)
        for s in auditor_standing(reg, d):
            if s.standing is Standing.IN_AUDITED:
                out.append(
                    _at(
                        rec,
                        ("auditors", s.index, "division"),
                        "auditor-not-independent",
                        f"Art. 42(2): auditor {s.post} belongs to the audited division {s.division}; assign someone independent of it",
                        "warning",
                    )
                )
            elif s.standing is Standing.HEADS_AUDITED:
                out.append(
                    _at(
                        rec,
                        ("auditors", s.index, "post"),
                        "auditor-not-independent",
                        f"Art. 42(2): auditor {s.post} is the 個人情報保護管理者 (or a 副) of the audited "
                        f"division {s.headed} by post (divisions/{s.headed}.yaml), so audits its own 課等; assign someone "
                        "independent of it, or correct the post",
                        "warning",
                    )
                )
            elif s.standing is Standing.DIVISION_UNRECORDED:
                out.append(
                    _at(
                        rec,
                        ("auditors", s.index),
                        "auditor-division-unknown",
                        f"Art. 42(2): auditor {s.post} has no `division`, so independence from the audited "
                        "divisions cannot be checked; record the division the auditor belongs to (`division: <id>`, "
                        "or `--auditor POST@DIVISION`)",
                        "warning",
                    )
                )
            # DIVISION_UNREGISTERED: the dangling-ref error above says it (and stops a write)
    return out


def check_reviews(reg: Register, today: date) -> list[Problem]:
    """Reviews: every finding they answer exists; a review that made 見直し (measures) not reported
    to the 総括 is flagged (Art. 43(2) reports 「前項の見直し等の結果」; 見直し are made 「必要があると
    認めるときは」, so an evaluation that revised nothing owes no report)."""
    out = []
    for rec in reg.subjects("reviews"):
        if rec.data.get("measures") and not rec.data.get("reported_to_sokatsu_on"):
            out.append(
                _at(
                    rec,
                    ("date",),
                    "review-unreported",
                    "Art. 43(2): the 副総括's review is not recorded as reported to the 総括; report it and record the "
                    "day (`reported_to_sokatsu_on:` in the record and `meti-pi commit`; `audit review --reported-on` "
                    "when recording a review)",
                    "warning",
                )
            )
        for n, ref in enumerate(rec.data.get("findings") or []):
            if find_finding(reg, str(ref)) is None:
                out.append(
                    _at(rec, ("findings", n), "dangling-finding", f"{ref}: no such finding; correct the reference")
                )
        for n, aid in enumerate((rec.data.get("basis") or {}).get("audits") or []):
            if _dangling(reg, "audits", aid):
                out.append(
                    _at(
                        rec,
                        ("basis", "audits", n),
                        "dangling-ref",
                        f"refers to audits/{aid}, which does not exist; create it or correct the reference",
                    )
                )
    return out


def check_corrective_actions(reg: Register, today: date) -> list[Problem]:
    """Rule finding (warning): an open corrective action past its due date (Arts. 41, 42, 43)."""
    out = []
    for rec in (*reg.subjects("inspections"), *reg.subjects("audits")):
        for n, f in enumerate(rec.data.get("findings") or []):
            if not isinstance(f, dict) or f.get("status") != "open":
                continue
            due = parse_day(f.get("due"))
            if due is not None and due < today:
                out.append(
                    _at(
                        rec,
                        ("findings", n, "due"),
                        "corrective-action-overdue",
                        f"Art. {f.get('article')}: corrective action of finding {f.get('id')} was due {due.isoformat()} ({f.get('owner')}); "
                        "record completion in the next inspection (`meti-pi inspect --answers`) or a review (`meti-pi audit review --close`)",
                        "warning",
                    )
                )
    return out


CHECKS = (check_inspection_records, check_audits, check_reviews, check_corrective_actions)
# The checks that can report an error (the write path refuses a change only for a new error).
ERROR_CHECKS = (check_inspection_records, check_audit_errors, check_reviews)
