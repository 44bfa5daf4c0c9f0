"""Art. 41 inspections: the inspection record built from a checklist and the answers, and saving it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from meti_pi.errors import MetiPiError, UsageError
from meti_pi.inspect.answers import AnswerInput, AnswerSet, action_days, inspection_key, record_id
from meti_pi.inspect.checklist import (
    ANSWERS,
    Checklist,
    finding_ref,
)
from meti_pi.inspect.inspection_checks import split_ref
from meti_pi.store.register import Register


@dataclass
class Outcome:
    """What recording a division's answers will write."""

    key: str  # inspections/<year>/<division>
    data: dict[str, Any]
    existed: bool
    new_findings: list[dict[str, Any]] = field(default_factory=list)
    closed_here: list[int] = field(default_factory=list)  # findings of this record closed by new answers
    closes: list[str] = field(default_factory=list)  # earlier findings (refs) confirmed complete
    answered: int = 0
    pending: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "record": self.key,
            "existed": self.existed,
            "answered": self.answered,
            "pending": self.pending,
            "new_findings": self.new_findings,
            "closed_findings": [finding_ref(self.key, i) for i in self.closed_here] + self.closes,
        }


def _finding_text(item: Any, given: AnswerInput) -> str:
    head = f"［{item.subject_label}］" if item.subject_label else ""
    if given.note:
        return f"{head}{item.title}: {given.note}"
    evidence = "；".join(item.prefill.evidence) if item.prefill and item.prefill.evidence else ""
    return f"{head}{item.title}: " + (evidence or "点検で「否」と回答")


def _fault(source: str | None, name: str, day: date, why: str, what: str) -> UsageError:
    head = f"{source}: {name}: " if source else f"{name} "
    return UsageError(f"{head}{day.isoformat()} is {why}; {what}")


def check_inspection_day(
    year: int, period: tuple[date, date], inspected_on: date, today: date, *, ad_hoc: bool, source: str | None = None
) -> None:
    """The inspection made within its year (an ad-hoc one), not before the year nor after today
    (an annual one made up after its year is recorded late): UsageError saying which."""
    start, end = period
    span = f"({start.isoformat()} – {end.isoformat()})"
    if ad_hoc and not start <= inspected_on <= end:
        raise _fault(source, "inspected_on", inspected_on, f"outside the {year} inspection year {span}", "give --year")
    if inspected_on > today or inspected_on < start:  # findings would be due before they were made
        why = "after today" if inspected_on > today else f"before the {year} inspection year {span}"
        raise _fault(source, "inspected_on", inspected_on, why, "give the day of the inspection")


def check_days(checklist: Checklist, given: AnswerSet, today: date, source: str | None = None) -> None:
    """The inspection's days in their order: inspected within the year and not after today; its result
    reported to the 副総括 (Art. 41(1)) not before the inspection nor after today. A fault names the
    answers file's field (`FILE: inspected_on: ...`, located at its line by the caller) when `source`."""
    inspected_on = given.inspected_on or today
    check_inspection_day(checklist.year, checklist.period, inspected_on, today, ad_hoc=given.ad_hoc, source=source)
    reported = given.reported_on
    if reported is not None and (reported < inspected_on or reported > today):
        why = f"before the inspection ({inspected_on.isoformat()})" if reported < inspected_on else "after today"
        raise _fault(
            source,
            "reported_on",
            reported,
            why,
            "the result is reported to the 副総括 after it (Art. 41(1)): give the day",
        )


def build_record(
    reg: Register,
    checklist: Checklist,
    given: AnswerSet,
    *,
    today: date,
    register_commit: str | None = None,
    source: str | None = None,
) -> Outcome:
    """Merge `given` answers (and the register's pre-fills) into the division's record for the year.

    Re-running amends the record: answers not given again are kept; a 'no' opens a finding
    (once per item); a later 'yes' or 'na' on that item closes it; 'yes' or 'na' on a
    carried-forward item closes the earlier finding it carries.
    """
    unknown = [k for k in given.answers if checklist.get(k) is None]
    see = f"see `meti-pi inspect --year {checklist.year} --division {checklist.division}`"
    if unknown and source:  # the first in the file, named as its entry (the caller locates its line)
        raise UsageError(
            f"{source}: answers.{unknown[0]}: not an item of the {checklist.year} checklist of {checklist.division}"
            + (f" (nor are {', '.join(unknown[1:])})" if unknown[1:] else "")
            + f"; {see}"
        )
    if unknown:
        raise UsageError(
            f"answers for item(s) not in the {checklist.year} checklist of {checklist.division}: "
            f"{', '.join(sorted(unknown))}; {see}"
        )
    inspected_on = given.inspected_on or today
    check_days(checklist, given, today, source)
    ad_hoc_on = inspected_on if given.ad_hoc else None
    key = inspection_key(checklist.year, checklist.division, ad_hoc_on)
    existing_rec = reg.records.get(key)
    existing: dict[str, Any] = dict(existing_rec.data) if existing_rec is not None else {}
    prev_answers = {a.get("item"): a for a in existing.get("answers", []) if isinstance(a, dict)}
    findings = [dict(f) for f in existing.get("findings", []) if isinstance(f, dict)]
    next_id = max((int(f.get("id", 0)) for f in findings), default=0) + 1
    owner_default = checklist.manager_post
    due_default = inspected_on + timedelta(days=action_days(reg.policy))
    outcome = Outcome(key=key, data={}, existed=existing_rec is not None)

    answers: list[dict[str, Any]] = []
    pending: list[str] = []
    seen: set[str] = set()
    decided: list[tuple[Any, str, AnswerInput | None]] = []
    for item in checklist.items:
        seen.add(item.key)
        evidence = list(item.prefill.evidence) if item.prefill else []
        given_one = given.answers.get(item.key)
        if given_one is not None:
            entry: dict[str, Any] = {
                "item": item.key,
                "article": item.article,
                "answer": given_one.answer,
                "source": "officer",
            }
            if given_one.note:
                entry["note"] = given_one.note
        elif item.key in prev_answers and prev_answers[item.key].get("source") == "officer":
            entry = dict(prev_answers[item.key])
        elif item.prefill is not None and item.prefill.answer in ANSWERS:
            entry = {"item": item.key, "article": item.article, "answer": item.prefill.answer, "source": "register"}
        else:
            pending.append(item.key)
            continue
        if evidence and "evidence" not in entry:
            entry["evidence"] = evidence
        answers.append(entry)
        decided.append((item, str(entry["answer"]), given_one))

    # An item whose earlier finding is still open (and not closed by this record) is covered by
    # that finding: a second finding for the same fault would count it twice.
    still_open = {
        str(item.carried.get("item"))
        for item, answer, _ in decided
        if item.scope == "finding" and item.carried and answer == "no"
    } | {
        str(i.carried.get("item"))
        for i in checklist.items
        if i.scope == "finding" and i.carried and i.key not in {d[0].key for d in decided}
    }
    for item, answer, given_one in decided:
        if item.scope == "finding":
            if answer in ("yes", "na") and item.subject:
                outcome.closes.append(item.subject)
            continue
        open_here = next((f for f in findings if f.get("item") == item.key and f.get("status") == "open"), None)
        if answer == "no":
            spec = given_one or AnswerInput("no")
            if open_here is None and item.key not in still_open:
                new = {
                    "id": next_id,
                    "item": item.key,
                    "article": item.article,
                    "text": _finding_text(item, spec),
                    "action": spec.action or f"{item.title}について必要な措置を講ずる",
                    "owner": spec.owner or owner_default,
                    "due": (spec.due or due_default).isoformat(),
                    "status": "open",
                }
                if spec.escalate:
                    new["escalate"] = True
                findings.append(new)
                outcome.new_findings.append({**new, "ref": finding_ref(key, next_id)})
                next_id += 1
            elif open_here is not None and given_one is not None:
                # Answered 'no' again: the officer may restate the action, owner or due date.
                for name, value in (
                    ("action", spec.action),
                    ("owner", spec.owner),
                    ("due", spec.due.isoformat() if spec.due else None),
                ):
                    if value:
                        open_here[name] = value
                if spec.escalate:
                    open_here["escalate"] = True
        elif open_here is not None:
            open_here["status"] = "closed"
            open_here["closed_on"] = inspected_on.isoformat()
            open_here["closed_by"] = key
            outcome.closed_here.append(int(open_here["id"]))

    # Answers to items no longer in the checklist (a file no longer held) are kept as history.
    answers += [a for k, a in prev_answers.items() if k not in seen]

    data: dict[str, Any] = {
        "schema_version": 1,
        "id": record_id(checklist.division, ad_hoc_on),
        "year": checklist.year,
        "year_basis": checklist.basis,
        "period": {"start": checklist.period[0].isoformat(), "end": checklist.period[1].isoformat()},
        "division": checklist.division,
        "catalogue_version": checklist.catalogue_version,
        "inspected_on": inspected_on.isoformat(),
    }
    if ad_hoc_on is not None:
        data["occasion"] = "ad_hoc"
    inspector = given.inspector_post or existing.get("inspector_post")
    if inspector:
        data["inspector_post"] = inspector
    if register_commit:
        data["register_commit"] = register_commit
    data["answers"] = answers
    if pending:
        data["pending"] = pending
    if findings:
        data["findings"] = findings
    reported = given.reported_on.isoformat() if given.reported_on else existing.get("reported_on")
    if reported:
        data["reported_on"] = reported
    if existing.get("notes"):
        data["notes"] = existing["notes"]
    if "register_commit" in existing and _without_commit(data) == _without_commit(existing):
        data["register_commit"] = existing["register_commit"]  # nothing answered differently: no new commit
    outcome.data = data
    outcome.answered = len(answers)
    outcome.pending = len(pending)
    return outcome


def _without_commit(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "register_commit"}


def _close_in_doc(doc: Any, finding_id: str, on: date, by: str) -> bool:
    """Mark finding `finding_id` of a ruamel document closed; False when it is not there."""
    for f in doc.get("findings") or []:
        if str(f.get("id")) == str(finding_id):
            if f.get("status") != "closed":
                f["status"] = "closed"
                f["closed_on"] = on.isoformat()
                f["closed_by"] = by
            return True
    return False


def _ref_target(ref: str) -> tuple[str, str]:
    try:
        return split_ref(ref)
    except ValueError:
        raise UsageError(
            f"{ref!r} is not a finding reference (inspections/<year>/<division>#N or audits/<id>#N)"
        ) from None


def apply_outcome(doc: Any, data: dict[str, Any]) -> None:
    """Make the existing inspection document `doc` hold exactly `data` (unchanged values untouched)."""
    for name in [k for k in list(doc) if k not in data]:
        del doc[name]
    for name, value in data.items():
        if doc.get(name) != value:
            doc[name] = value


def finding_to_close(ref: str) -> tuple[str, str]:
    """(record key, finding id) of a finding reference; UsageError when it is not one."""
    return _ref_target(ref)


def close_finding(doc: Any, ref: str, on: date, by: str) -> None:
    """Close finding `ref` in its record's document `doc`; MetiPiError when it is not there."""
    _, fid = _ref_target(ref)
    if not _close_in_doc(doc, fid, on, by):
        raise MetiPiError(f"{ref}: no such finding to close")
