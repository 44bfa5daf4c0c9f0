"""Art. 41 inspections, Art. 42 audits and Art. 43 reviews: records, findings and the year's report.

- An inspection record (`inspections/<year>/<division>.yaml`) holds the answers to the
  division's generated checklist (meti_pi.inspect.checklist). Every "no" becomes a finding with a
  corrective action, an owner (a post) and a due date. Findings stay open until a later
  inspection answers their carried-forward item "yes" (or an Art. 43 review closes them).
- The year's report aggregates every division: completion, findings by article compared with
  the previous year, and the list the 副総括 may pass to the 総括 (Art. 41(2)).
- Audits (`audits/AUD-...`) record scope, the auditors and their independence from the audited
  divisions (Art. 42(2)), findings, and the evidence pack examined: the register and its git
  trail at one commit, exported as a folder or a reproducible zip.
- Reviews (`reviews/REV-...`) record the 副総括's evaluation (Art. 43) and the findings they answer.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from meti_pi.errors import MetiPiError, UsageError
from meti_pi.inspect.checklist import (
    ANSWERS,
    Checklist,
    article_ja,
    finding_ref,
    inspection_period,
    jp_day,
    open_findings,
    parse_day,
)
from meti_pi.inspect.inspection_checks import find_finding, split_ref
from meti_pi.store.register import Record, Register

DEFAULT_ACTION_DAYS = 90  # corrective action due this many days after the inspection (policy may override)
ANSWER_ALIASES = {"yes": "yes", "y": "yes", "適": "yes", "no": "no", "n": "no", "否": "no", "na": "na", "n/a": "na", "該当なし": "na"}


def action_days(policy: dict[str, Any]) -> int:
    """Days allowed for a corrective action by default (policy `inspection.corrective_action_days`)."""
    value = (policy.get("inspection") or {}).get("corrective_action_days") if isinstance(policy.get("inspection"), dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_ACTION_DAYS


AD_HOC_MARK = ".adhoc-"  # an ad-hoc (随時) inspection's id: <division>.adhoc-<YYYY-MM-DD>


def record_id(division: str, ad_hoc_on: date | None = None) -> str:
    """The record id: the division for the annual inspection; `<division>.adhoc-<date>` for an
    ad-hoc (随時, Art. 41(1) 「必要に応じ随時」) one, so a year holds one annual and any number of ad-hoc."""
    return division if ad_hoc_on is None else f"{division}{AD_HOC_MARK}{ad_hoc_on.isoformat()}"


def inspection_key(year: int, division: str, ad_hoc_on: date | None = None) -> str:
    return f"inspections/{year}/{record_id(division, ad_hoc_on)}"


# -- answers given by the division ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """One answer as given (file or prompt)."""

    answer: str
    note: str | None = None
    action: str | None = None
    owner: str | None = None
    due: date | None = None
    escalate: bool = False


@dataclass
class AnswerSet:
    """An answers file: header fields and answers by checklist key."""

    division: str | None = None
    inspected_on: date | None = None
    inspector_post: str | None = None
    reported_on: date | None = None
    ad_hoc: bool = False  # an ad-hoc (随時) inspection, recorded apart from the annual one
    answers: dict[str, AnswerInput] = field(default_factory=dict)


def normalize_answer(value: Any, where: str) -> str:
    """'yes' | 'no' | 'na' from what a person may write (true/false, 適/否/該当なし too)."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str) and value.strip().lower() in ANSWER_ALIASES:
        return ANSWER_ALIASES[value.strip().lower()]
    raise UsageError(f"{where}: answer {value!r} is not one of yes, no, na (適, 否, 該当なし)")


def _date_field(value: Any, where: str) -> date | None:
    if value is None:
        return None
    day = parse_day(value)
    if day is None:
        raise UsageError(f"{where}: {value!r} is not a date; write YYYY-MM-DD")
    return day


def _text_field(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise UsageError(f"{where}: expected text")
    text = str(value).strip()
    return text or None


def parse_answer_set(doc: Any, source: str) -> AnswerSet:
    """Read an answers document (`answers:` as a mapping key -> answer, or a list of {item, answer});
    UsageError (exit 2) naming the faulty entry otherwise."""
    if not isinstance(doc, dict):
        raise UsageError(f"{source}: expected a mapping with `answers:`")
    unknown = set(doc) - {"division", "inspected_on", "inspector_post", "reported_on", "ad_hoc", "answers"}
    if unknown:
        raise UsageError(f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; allowed: division, inspected_on, inspector_post, reported_on, ad_hoc, answers")
    if not isinstance(doc.get("ad_hoc", False), bool):
        raise UsageError(f"{source}: ad_hoc: expected true (an ad-hoc 随時 inspection) or false")
    out = AnswerSet(
        division=_text_field(doc.get("division"), f"{source}: division"),
        inspected_on=_date_field(doc.get("inspected_on"), f"{source}: inspected_on"),
        inspector_post=_text_field(doc.get("inspector_post"), f"{source}: inspector_post"),
        reported_on=_date_field(doc.get("reported_on"), f"{source}: reported_on"),
        ad_hoc=bool(doc.get("ad_hoc", False)),
    )
    raw = doc.get("answers") or {}
    if isinstance(raw, list):
        pairs = []
        for n, entry in enumerate(raw):
            if not isinstance(entry, dict) or "item" not in entry:
                raise UsageError(f"{source}: answers[{n}]: expected a mapping with `item` and `answer`")
            pairs.append((str(entry["item"]), {k: v for k, v in entry.items() if k != "item"}))
    elif isinstance(raw, dict):
        pairs = [(str(k), v) for k, v in raw.items()]
    else:
        raise UsageError(f"{source}: `answers` must be a mapping (item: answer) or a list")
    for key, value in pairs:
        where = f"{source}: answers.{key}"
        if key in out.answers:
            raise UsageError(f"{where}: answered twice")
        if not isinstance(value, dict):
            out.answers[key] = AnswerInput(normalize_answer(value, where))
            continue
        extra = set(value) - {"answer", "note", "action", "owner", "due", "escalate"}
        if extra:
            raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}; allowed: answer, note, action, owner, due, escalate")
        if "answer" not in value:
            raise UsageError(f"{where}: missing `answer`")
        escalate = value.get("escalate", False)
        if not isinstance(escalate, bool):
            raise UsageError(f"{where}.escalate: expected true or false")
        out.answers[key] = AnswerInput(
            answer=normalize_answer(value["answer"], where),
            note=_text_field(value.get("note"), where + ".note"),
            action=_text_field(value.get("action"), where + ".action"),
            owner=_text_field(value.get("owner"), where + ".owner"),
            due=_date_field(value.get("due"), where + ".due"),
            escalate=escalate,
        )
    return out


# -- building the record ------------------------------------------------------------------------


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
            "record": self.key, "existed": self.existed, "answered": self.answered, "pending": self.pending,
            "new_findings": self.new_findings, "closed_findings": [finding_ref(self.key, i) for i in self.closed_here] + self.closes,
        }


def _finding_text(item: Any, given: AnswerInput) -> str:
    head = f"［{item.subject_label}］" if item.subject_label else ""
    if given.note:
        return f"{head}{item.title}: {given.note}"
    evidence = "；".join(item.prefill.evidence) if item.prefill and item.prefill.evidence else ""
    return f"{head}{item.title}: " + (evidence or "点検で「否」と回答")


def build_record(
    reg: Register, checklist: Checklist, given: AnswerSet, *, today: date,
    register_commit: str | None = None,
) -> Outcome:
    """Merge `given` answers (and the register's pre-fills) into the division's record for the year.

    Re-running amends the record: answers not given again are kept; a 'no' opens a finding
    (once per item); a later 'yes' or 'na' on that item closes it; 'yes' or 'na' on a
    carried-forward item closes the earlier finding it carries.
    """
    unknown = sorted(k for k in given.answers if checklist.get(k) is None)
    if unknown:
        raise UsageError(
            f"answers for item(s) not in the {checklist.year} checklist of {checklist.division}: {', '.join(unknown)}; "
            f"see `meti-pi inspect --year {checklist.year} --division {checklist.division}`"
        )
    inspected_on = given.inspected_on or today
    if given.ad_hoc and not checklist.period[0] <= inspected_on <= checklist.period[1]:
        raise UsageError(f"inspected_on {inspected_on.isoformat()} is outside the {checklist.year} inspection year "
                         f"({checklist.period[0].isoformat()} – {checklist.period[1].isoformat()}); give --year")
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
            entry: dict[str, Any] = {"item": item.key, "article": item.article, "answer": given_one.answer, "source": "officer"}
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
        str(item.carried.get("item")) for item, answer, _ in decided
        if item.scope == "finding" and item.carried and answer == "no"
    } | {
        str(i.carried.get("item")) for i in checklist.items
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
                    "id": next_id, "item": item.key, "article": item.article, "text": _finding_text(item, spec),
                    "action": spec.action or f"{item.title}について必要な措置を講ずる",
                    "owner": spec.owner or owner_default, "due": (spec.due or due_default).isoformat(), "status": "open",
                }
                if spec.escalate:
                    new["escalate"] = True
                findings.append(new)
                outcome.new_findings.append({**new, "ref": finding_ref(key, next_id)})
                next_id += 1
            elif open_here is not None and given_one is not None:
                # Answered 'no' again: the officer may restate the action, owner or due date.
                for name, value in (("action", spec.action), ("owner", spec.owner), ("due", spec.due.isoformat() if spec.due else None)):
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
        "schema_version": 1, "id": record_id(checklist.division, ad_hoc_on), "year": checklist.year, "year_basis": checklist.basis,
        "period": {"start": checklist.period[0].isoformat(), "end": checklist.period[1].isoformat()},
        "division": checklist.division, "catalogue_version": checklist.catalogue_version,
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
        raise UsageError(f"{ref!r} is not a finding reference (inspections/<year>/<division>#N or audits/<id>#N)") from None


def save_inspection(root: Path, outcome: Outcome, *, today: date, dry_run: bool = False) -> str | None:
    """Write the inspection record (and close the earlier findings it confirms) as one audit commit."""
    from meti_pi import gitlayer

    year = int(outcome.data["year"])
    division = str(outcome.data["division"])
    with gitlayer.transaction(
        root, command="inspect", article="41(1)", today=today,
        summary=f"{year}年度の{'随時' if outcome.data.get('occasion') == 'ad_hoc' else ''}点検結果を記録（{division}）",
        dry_run=dry_run, subject_record=outcome.key,
    ) as tx:
        if outcome.existed:
            doc = tx.edit(outcome.key)
            for name in [k for k in list(doc) if k not in outcome.data]:
                del doc[name]
            for name, value in outcome.data.items():
                if doc.get(name) != value:
                    doc[name] = value
        else:
            tx.create("inspections", outcome.data, id=str(outcome.data.get("id") or division), year=year)
        on = parse_day(outcome.data.get("inspected_on")) or today
        for ref in outcome.closes:
            rkey, fid = _ref_target(ref)
            if not _close_in_doc(tx.edit(rkey), fid, on, outcome.key):
                raise MetiPiError(f"{ref}: no such finding to close")
    return tx.commit_sha


# -- the year's report (Art. 41(1) to the 副総括; Art. 41(2) list for the 総括) -----------------------


def _article_sort(article: str) -> tuple[int, ...]:
    nums = [int(n) for n in article.replace("(", " ").replace(")", " ").split() if n.isdigit()]
    return tuple(nums) or (999,)


def _completion(rec: Record | None) -> tuple[int, int]:
    if rec is None:
        return 0, 0
    answered = len([a for a in rec.data.get("answers", []) if isinstance(a, dict)])
    return answered, answered + len(rec.data.get("pending", []) or [])


def _subject_class(reg: Register, item_key: str) -> str | None:
    _, sep, subject = item_key.partition("@")
    if not sep:
        return None
    data = reg.data_of("files", subject)
    return str(data.get("management_class")) if data and data.get("management_class") else None


ESCALATION_JA = {
    "not_inspected": "点検が未実施",
    "incomplete": "点検が未完了（未回答の項目あり）",
    "overdue_action": "是正措置の期限を経過",
    "repeated": "前年度と同じ項目で再び指摘",
    "carried": "前年度以前の指摘が未是正",
    "class_a": "管理Aの保有個人情報に係る指摘",
    "incident": "事案（第39条・第40条）に係る指摘",
    "marked": "課等が総括への報告を求めた指摘",
}


def year_report(reg: Register, year: int, today: date, *, division: str | None = None) -> dict[str, Any]:
    """The year across divisions: completion, findings by article vs the previous year, escalations.

    Escalation reasons are a DERIVED reading of Art. 41(2) (the 副総括 reports "when needed"):
    the list proposes, the 副総括 decides.
    """
    from meti_pi.inspect import checklist as cl

    start, end = inspection_period(year, reg.policy)
    divisions = sorted(reg.of_kind("divisions"), key=lambda r: r.id)
    if division is not None:
        divisions = [d for d in divisions if d.id == division]
        if not divisions:
            raise MetiPiError(f"no division {division!r} in the register")
    rows: list[dict[str, Any]] = []
    findings_rows: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    by_article: Counter[str] = Counter()
    by_article_prev: Counter[str] = Counter()
    for div in divisions:
        rec = reg.records.get(inspection_key(year, div.id))
        prev = reg.records.get(inspection_key(year - 1, div.id))
        answered, total = _completion(rec)
        if rec is None:
            total = len(cl.build(reg, div.id, year, today).items)
        p_answered, p_total = _completion(prev)
        answers = [a for a in (rec.data.get("answers", []) if rec else []) if isinstance(a, dict)]
        counts = Counter(str(a.get("answer")) for a in answers)
        own = [f for f in (rec.data.get("findings", []) if rec else []) if isinstance(f, dict)]
        prev_items = {f.get("item") for f in (prev.data.get("findings", []) if prev else []) if isinstance(f, dict)}
        for f in (prev.data.get("findings", []) if prev else []):
            if isinstance(f, dict):
                by_article_prev[str(f.get("article"))] += 1
        carried = [(ref, f, r) for ref, f, r in open_findings(reg, div.id, before_year=year) if r.kind == "inspections"]
        prefix = f"inspections/{year}/{div.id}{AD_HOC_MARK}"
        ad_hoc = [r for key, r in sorted(reg.records.items()) if key.startswith(prefix) and r.data.get("occasion") == "ad_hoc"]
        row = {
            "division": div.id, "name": div.data.get("name"), "manager_post": div.data.get("manager_post"),
            "inspected": rec is not None, "inspected_on": rec.data.get("inspected_on") if rec else None,
            "reported_on": rec.data.get("reported_on") if rec else None,
            "items": total, "answered": answered, "pending": total - answered,
            "completion": round(answered / total, 4) if total else 1.0,
            "answers": {k: counts.get(k, 0) for k in ANSWERS},
            "findings": len(own), "findings_open": sum(1 for f in own if f.get("status") == "open"),
            "carried_open": len(carried),
            "ad_hoc": [r.key for r in ad_hoc],
            "previous": {"inspected": prev is not None, "completion": round(p_answered / p_total, 4) if p_total else None,
                         "findings": len(list(prev.data.get("findings", []))) if prev else None},
        }
        rows.append(row)
        if rec is None:
            escalations.append({"division": div.id, "ref": None, "reasons": ["not_inspected"], "text": ESCALATION_JA["not_inspected"]})
        elif row["pending"] and today > end:
            escalations.append({"division": div.id, "ref": None, "reasons": ["incomplete"], "text": ESCALATION_JA["incomplete"]})
        listed = [(finding_ref(rec.key, f.get("id")), f, False) for f in own] if rec else []
        listed += [(finding_ref(r.key, f.get("id")), f, False) for r in ad_hoc for f in r.data.get("findings", []) if isinstance(f, dict)]
        listed += [(ref, f, True) for ref, f, _r in carried]
        for ref, f, is_carried in listed:
            if not is_carried:
                by_article[str(f.get("article"))] += 1
            due = parse_day(f.get("due"))
            is_open = f.get("status") == "open"
            reasons = []
            if is_open and due is not None and due < today:
                reasons.append("overdue_action")
            if not is_carried and f.get("item") in prev_items:
                reasons.append("repeated")
            if is_carried:
                reasons.append("carried")
            if _subject_class(reg, str(f.get("item", ""))) == "A":
                reasons.append("class_a")
            if str(f.get("article", "")).startswith(("39", "40")):
                reasons.append("incident")
            if f.get("escalate"):
                reasons.append("marked")
            findings_rows.append({
                "ref": ref, "division": div.id, "article": f.get("article"), "item": f.get("item"), "text": f.get("text"),
                "action": f.get("action"), "owner": f.get("owner"), "due": f.get("due"), "status": f.get("status"),
                "closed_on": f.get("closed_on"), "carried": is_carried, "overdue": "overdue_action" in reasons,
                "escalate": reasons,
            })
            if reasons and (is_open or "repeated" in reasons or "class_a" in reasons or "incident" in reasons):
                escalations.append({"division": div.id, "ref": ref, "reasons": reasons,
                                    "text": "、".join(ESCALATION_JA[r] for r in reasons) + f"：{f.get('text')}"})
    articles = sorted(set(by_article) | set(by_article_prev), key=_article_sort)
    total_items = sum(r["items"] for r in rows)
    total_answered = sum(r["answered"] for r in rows)
    return {
        "year": year, "year_basis": cl.year_basis(reg.policy),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "generated_on": today.isoformat(), "catalogue_version": cl.load_catalogue().version,
        "totals": {
            "divisions": len(rows), "inspected": sum(1 for r in rows if r["inspected"]),
            "items": total_items, "answered": total_answered,
            "completion": round(total_answered / total_items, 4) if total_items else 1.0,
            "findings": sum(by_article.values()), "findings_previous": sum(by_article_prev.values()),
            "open": sum(1 for f in findings_rows if f["status"] == "open"),
        },
        "divisions": rows,
        "findings_by_article": [{"article": a, "count": by_article.get(a, 0), "previous": by_article_prev.get(a, 0),
                                 "change": by_article.get(a, 0) - by_article_prev.get(a, 0)} for a in articles],
        "findings": findings_rows,
        "escalations": escalations,
    }


def _cell(text: Any) -> str:
    from meti_pi.render import mdsafe

    return mdsafe.inline(str(text if text is not None else "—").replace("|", "｜"))


# A finding's text may name its subject as the checklist does, 「［F-2026-T79Z58「名称」］」, and
# point at a register file, 「（files/F-2026-T79Z58.yaml handling_rules）」: a document names the
# subject and leaves ids and paths to the reference column.
_SUBJECT_ID = re.compile(r"［[A-Za-z0-9][A-Za-z0-9._-]*「([^」]*)」］")
_REGISTER_PATH = re.compile(r"（[a-z_]+/[A-Za-z0-9._/-]+\.ya?ml[^）]*）")


def document_text(text: Any) -> str:
    """Recorded text as a document says it: subjects by name, no register paths."""
    out = _SUBJECT_ID.sub(r"［\1］", str(text or ""))
    return _REGISTER_PATH.sub("", out).strip()


def _sender_lines(reg_roles: dict[str, tuple[str, str]]) -> tuple[str, str]:
    to_title, to_post = reg_roles.get("sokatsu", ("総括個人情報保護管理者", "官房長"))
    from_title, from_post = reg_roles.get("fuku_sokatsu", ("副総括個人情報保護管理者", "大臣官房個人情報保護室長"))
    from meti_pi.render.word import html_escape

    return f"{to_title}\\\n{to_post}　殿", f"{html_escape(from_title)}<br>{html_escape(from_post)}"


def report_markdown(report: dict[str, Any], policy: dict[str, Any], roles: dict[str, tuple[str, str]] | None = None) -> str:
    """The report as a Japanese document in CommonMark (Word output is made from it, landscape):
    the 副総括's report to the 総括 (Art. 41(2)), 和暦 dates, 課等 by name, ids only as references."""
    from meti_pi.dates import wareki
    from meti_pi.render.word import center, html_escape, right

    full = bool((policy.get("documents") or {}).get("fullwidth_digits", True))

    def d(value: Any) -> str:
        day = parse_day(value)
        return wareki.to_wareki(day, fullwidth_digits=full) if day else "—"

    def n(value: int) -> str:
        return wareki.count(value, fullwidth_digits=full)

    def t(text: str) -> str:
        return wareki.fullwidth(text) if full else text

    def pct(value: float | None) -> str:
        return wareki.percent(value, fullwidth_digits=full)

    names = {r["division"]: str(r["name"] or r["division"]) for r in report["divisions"]}
    start = date.fromisoformat(report["period"]["start"])
    end = date.fromisoformat(report["period"]["end"])
    if report["year_basis"] == "fiscal":
        label = wareki.fiscal_year_label(start.year, fullwidth_digits=full)
    else:
        label = wareki.wareki_year(start, fullwidth_digits=full)
    title = f"{label}保有個人情報等の管理及び利用の状況に関する点検結果について（報告）"
    to_line, from_line = _sender_lines(roles or {})
    tot = report["totals"]
    lines = [
        right(html_escape(d(report["generated_on"]))),
        "",
        to_line,
        "",
        right(from_line),
        "",
        center(html_escape(title), bold=True),
        "",
        "　" + t(f"経済産業省個人情報保護管理規程第41条第1項の規定に基づき{label}に実施した"
                 "保有個人情報等の管理及び利用の状況に関する点検の結果を、下記のとおり報告する。"),
        "",
        center("記"),
        "",
        "## " + t("１　点検の概要"),
        "",
        f"- 対象期間：{d(start)}から{d(end)}まで",
        f"- 点検を実施した課等：{n(tot['divisions'])}課等中{n(tot['inspected'])}課等",
        f"- 点検項目の回答率：{pct(tot['completion'])}（{n(tot['items'])}項目中{n(tot['answered'])}項目）",
        f"- 指摘事項：{n(tot['findings'])}件（前年度{n(tot['findings_previous'])}件）、うち是正が完了していないもの{n(tot['open'])}件",
        "",
        "## " + t("２　課等別の実施状況"),
        "",
        "| 課等 | 実施日 | 項目数 | 回答率 | 前年度回答率 | 適 | 否 | 該当なし | 指摘 | 未是正 | 前年度以前の未是正 |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in report["divisions"]:
        a = r["answers"]
        held = (d(r["inspected_on"]) if r["inspected_on"] else "未実施") + (f"（ほか随時点検{n(len(r['ad_hoc']))}回）" if r.get("ad_hoc") else "")
        lines.append(
            f"| {_cell(r['name'])} | {_cell(held)} | {n(r['items'])} | {pct(r['completion'])} | "
            f"{pct(r['previous']['completion'])} | {n(a['yes'])} | {n(a['no'])} | {n(a['na'])} | {n(r['findings'])} | "
            f"{n(r['findings_open'])} | {n(r['carried_open'])} |"
        )
    lines += ["", "## " + t("３　条項別の指摘件数（前年度との比較）"), ""]
    if report["findings_by_article"]:
        lines += ["| 条項 | 本年度 | 前年度 | 増減 |", "|---|--:|--:|--:|"]
        for a in report["findings_by_article"]:
            change = a["change"]
            sign = "＋" if full and change > 0 else "－" if full and change < 0 else "+" if change > 0 else "-" if change < 0 else "±"
            lines.append(f"| {t('規程第' + article_ja(a['article']))} | {n(a['count'])} | {n(a['previous'])} | {sign}{n(abs(change))} |")
    else:
        lines.append("指摘事項はない。")
    lines += ["", "## " + t("４　指摘事項及び是正措置"), ""]
    if report["findings"]:
        for i, f in enumerate(report["findings"], start=1):
            status = ("是正完了（" + d(f["closed_on"]) + "）") if f["status"] == "closed" else ("期限経過" if f["overdue"] else "是正中")
            if f["carried"]:
                status += "、前年度以前からの繰越し"
            lines += [
                "### " + t(f"（{i}）") + f"{_cell(names.get(f['division'], f['division']))}　{t('規程第' + article_ja(str(f['article'])))}",
                "",
                f"- 指摘：{_cell(document_text(f['text']))}",
                f"- 是正措置：{_cell(document_text(f['action']))}",
                f"- 担当：{_cell(f['owner'])}　期限：{d(f['due'])}　状況：{status}",
                f"- 参照：{f['ref']}",
                "",
            ]
    else:
        lines += ["指摘事項はない。", ""]
    lines += ["## " + t("５　総括個人情報保護管理者への報告を要する事項の候補（規程第41条第2項）"), ""]
    findings = {f["ref"]: f for f in report["findings"]}
    if report["escalations"]:
        for e in report["escalations"]:
            why = "、".join(ESCALATION_JA[r] for r in e["reasons"])
            f = findings.get(e["ref"]) if e["ref"] else None
            what = f"（{_cell(document_text(f['text']))}）" if f else ""
            lines.append(f"- {_cell(names.get(e['division'], e['division']))}：{why}{what}")
    else:
        lines.append("該当なし。")
    lines += ["", "　" + t("第５の事項は点検結果から抽出した候補であり、報告の要否は副総括個人情報保護管理者が判断する。"),
              "", right("以上"), ""]
    return "\n".join(lines)


REPORT_HEADERS = ("参照", "課等", "課等ID", "条項", "項目", "指摘", "是正措置", "担当（官職）", "期限", "状況", "完了日", "総括への報告候補")


DIVISION_HEADERS = ("課等", "課等ID", "実施日", "項目数", "回答済", "回答率", "前年度回答率", "適", "否", "該当なし", "指摘", "未是正",
                    "前年度以前の未是正")


def division_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per division, for the spreadsheet (numbers as numbers, dates as ISO text)."""
    rows = []
    for r in report["divisions"]:
        a = r["answers"]
        prev = r["previous"]["completion"]
        rows.append([r["name"], r["division"], r["inspected_on"] or "未実施", r["items"], r["answered"],
                     round(r["completion"] * 100), None if prev is None else round(prev * 100),
                     a["yes"], a["no"], a["na"], r["findings"], r["findings_open"], r["carried_open"]])
    return rows


def roles_of(reg: Register) -> dict[str, tuple[str, str]]:
    """role -> (title, post) from the register's roles records."""
    return {str(r.data.get("role")): (str(r.data.get("title_ja") or ""), str(r.data.get("post") or ""))
            for r in reg.of_kind("roles") if r.data.get("role")}


def report_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per finding, for the spreadsheet."""
    rows = []
    names = {r["division"]: r["name"] for r in report["divisions"]}
    for f in report["findings"]:
        rows.append([
            f["ref"], names.get(f["division"]) or f["division"], f["division"], f["article"], f["item"], document_text(f["text"]), document_text(f["action"]), f["owner"], f["due"],
            {"open": "対応中", "closed": "完了"}.get(str(f["status"]), f["status"]) + ("（繰越）" if f["carried"] else ""),
            f["closed_on"], "、".join(ESCALATION_JA[r] for r in f["escalate"]),
        ])
    return rows


def render_report(report: dict[str, Any], fmt: str, policy: dict[str, Any], roles: dict[str, tuple[str, str]] | None = None) -> bytes:
    """The report as md (UTF-8), docx (landscape A4) or xlsx (a sheet per division and one of
    findings) bytes; reproducible for the same input. `roles`: role -> (title, post) of the
    総括 and 副総括 (`roles_of`)."""
    md = report_markdown(report, policy, roles)
    created = date.fromisoformat(report["generated_on"])
    if fmt == "md":
        return md.encode("utf-8")
    if fmt == "docx":
        from meti_pi.render import word

        return word.markdown_to_docx(md, **word.docx_options_from_policy(policy), created=created, landscape=True,
                                     subject="点検結果報告")
    if fmt == "xlsx":
        from meti_pi.render import excel

        return excel.write_workbook([
            excel.Sheet(f"指摘事項{report['year']}", REPORT_HEADERS, report_rows(report), paper="A3"),
            excel.Sheet(f"課等別{report['year']}", DIVISION_HEADERS, division_rows(report)),
        ], created=created, title=f"点検結果{report['year']}")
    raise UsageError(f"--format {fmt!r}: one of md, docx, xlsx")


# -- audits (Art. 42) ----------------------------------------------------------------------------


def parse_auditor(spec: str) -> dict[str, Any]:
    """'POST', 'POST@DIVISION' (監査事務実施者) or 'external:ORGANISATION:POST'."""
    spec = spec.strip()
    if spec.startswith("external:"):
        _, _, rest = spec.partition(":")
        org, _, post = rest.partition(":")
        if not org.strip():
            raise UsageError(f"--auditor {spec!r}: write external:ORGANISATION[:POST]")
        return {"post": post.strip() or "外部監査人", "role": "external", "organisation": org.strip()}
    post, sep, div = spec.partition("@")
    if not post.strip() or (sep and not div.strip()):
        raise UsageError(f"--auditor {spec!r}: write POST or POST@DIVISION_ID")
    out: dict[str, Any] = {"post": post.strip(), "role": "staff"}
    if div.strip():
        out["division"] = div.strip()
    return out


def audit_officer_post(reg: Register) -> str | None:
    """The 個人情報保護監査責任者's post from roles/ (Art. 5(5))."""
    for rec in reg.of_kind("roles"):
        if rec.data.get("role") == "audit_officer":
            return str(rec.data.get("post"))
    return None


def independence_flags(reg: Register, audit_data: dict[str, Any]) -> list[str]:
    """Auditors who belong to an audited division (Art. 42(2): 被監査部門から独立した者)."""
    scope = audit_data.get("scope") or {}
    audited = set(scope.get("divisions") or []) or {r.id for r in reg.of_kind("divisions")}
    flags = []
    for a in audit_data.get("auditors") or []:
        if isinstance(a, dict) and a.get("division") in audited:
            flags.append(f"{a.get('post')}（{a.get('division')}）は被監査部門に所属しており、第42条第2項の独立性を欠く")
    return flags


def new_audit_data(
    reg: Register, *, kind: str, title: str, started_on: date, auditors: list[dict[str, Any]],
    divisions: list[str] | None = None, articles: list[str] | None = None, year: int | None = None,
    external: bool = False, officer_post: str | None = None,
) -> dict[str, Any]:
    """The fields of a new audit record (its id is allocated when written)."""
    if kind not in ("regular", "ad_hoc"):
        raise UsageError(f"--kind {kind!r}: regular or ad-hoc")
    for div in divisions or []:
        if reg.get("divisions", div) is None:
            raise UsageError(f"--division {div!r}: no such division in the register")
    for a in auditors:
        if a.get("division") and reg.get("divisions", a["division"]) is None:
            raise UsageError(f"--auditor {a['post']}@{a['division']}: no such division in the register")
    officer = officer_post or audit_officer_post(reg)
    people = ([{"post": officer, "role": "officer"}] if officer and not any(a.get("role") == "officer" for a in auditors) else []) + auditors
    if not people:
        raise UsageError("an audit needs at least one auditor: --auditor POST[@DIVISION] (or appoint the audit_officer in roles/)")
    scope: dict[str, Any] = {}
    if divisions:
        scope["divisions"] = list(dict.fromkeys(divisions))
    if articles:
        scope["articles"] = list(dict.fromkeys(articles))
    if year is not None:
        scope["year"] = year
    data: dict[str, Any] = {"kind": kind}
    if external:
        data["external"] = True
    data.update({"title": title, "started_on": started_on.isoformat()})
    if officer:
        data["officer_post"] = officer
    data["scope"] = scope
    data["auditors"] = people
    return data


def save_new_audit(root: Path, data: dict[str, Any], *, today: date, dry_run: bool = False) -> tuple[str, str | None]:
    """Create the audit record; (audit id, commit)."""
    from meti_pi import gitlayer

    with gitlayer.transaction(root, command="audit new", article="42(1)", summary=f"監査を記録（{data['title']}）", today=today, dry_run=dry_run) as tx:
        aid = tx.create("audits", data)
    return aid, tx.commit_sha


def parse_audit_findings(reg: Register, doc: Any, source: str, *, today: date) -> list[dict[str, Any]]:
    """Findings from a YAML list (or `findings:` mapping): division, article, text, action, owner, due."""
    raw = doc.get("findings") if isinstance(doc, dict) else doc
    if not isinstance(raw, list) or not raw:
        raise UsageError(f"{source}: expected a list of findings (or `findings:` with a list)")
    out = []
    for n, f in enumerate(raw):
        where = f"{source}: findings[{n}]"
        if not isinstance(f, dict):
            raise UsageError(f"{where}: expected a mapping")
        extra = set(f) - {"division", "article", "text", "action", "owner", "due", "escalate", "note"}
        if extra:
            raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}")
        for k in ("division", "article", "text"):
            if not f.get(k):
                raise UsageError(f"{where}: missing `{k}`")
        div = reg.data_of("divisions", str(f["division"]))
        if div is None:
            raise UsageError(f"{where}: no division {f['division']!r} in the register")
        due = _date_field(f.get("due"), where + ".due") or today + timedelta(days=action_days(reg.policy))
        item: dict[str, Any] = {
            "division": str(f["division"]), "article": str(f["article"]), "text": str(f["text"]),
            "action": str(f.get("action") or "指摘事項について必要な措置を講ずる"),
            "owner": str(f.get("owner") or div.get("manager_post")), "due": due.isoformat(), "status": "open",
        }
        if f.get("escalate") is True:
            item["escalate"] = True
        if f.get("note"):
            item["note"] = str(f["note"])
        out.append(item)
    return out


def save_audit_findings(
    root: Path, audit_id: str, findings: list[dict[str, Any]], *, today: date,
    ended_on: date | None = None, reported_on: date | None = None, dry_run: bool = False,
) -> tuple[list[str], str | None]:
    """Append findings to an audit (and its end/report dates); (finding refs, commit)."""
    from meti_pi import gitlayer

    key = f"audits/{audit_id}"
    refs: list[str] = []
    with gitlayer.transaction(root, command="audit findings", article="42(1)", summary=f"監査の指摘事項を記録（{len(findings)}件）",
                              today=today, dry_run=dry_run, subject_record=key) as tx:
        doc = tx.edit(key)
        existing = list(doc.get("findings") or [])
        next_id = max((int(f.get("id", 0)) for f in existing), default=0) + 1
        if "findings" not in doc:
            doc["findings"] = []
        for f in findings:
            doc["findings"].append({"id": next_id, **f})
            refs.append(finding_ref(key, next_id))
            next_id += 1
        if ended_on:
            doc["ended_on"] = ended_on.isoformat()
        if reported_on:
            doc["reported_on"] = reported_on.isoformat()
    return refs, tx.commit_sha


# -- the evidence pack ------------------------------------------------------------------------------
# NOTE for the lead: the git calls below go through meti_pi.gitlayer.git / git_bytes / repo_of; a
# `gitlayer.archive(register_root, rev) -> (sha, {relpath: bytes})` and `gitlayer.log_at(register_root, rev)`
# there would let this section drop its git arguments entirely.


@dataclass(frozen=True, slots=True)
class Pack:
    """An exported evidence pack."""

    path: Path
    commit: str
    format: str
    files: int
    trail: int
    sha256: str | None

    def as_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "commit": self.commit, "format": self.format, "files": self.files,
                "trail_commits": self.trail, "sha256": self.sha256}


def _register_at(root: Path, rev: str) -> tuple[str, str, dict[str, bytes], list[dict[str, Any]]]:
    """(commit sha, commit date, register files at that commit, the trail up to it)."""
    import tarfile

    from meti_pi import gitlayer

    repo = gitlayer.repo_of(root)
    sha = gitlayer.git(repo.top, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False).strip()
    if not sha:
        raise UsageError(f"--commit {rev!r}: no such commit in {repo.top}")
    when = gitlayer.git(repo.top, "show", "-s", "--format=%cI", sha).strip()
    target = repo.prefix.rstrip("/") or "."
    raw = gitlayer.git_bytes(repo.top, "archive", "--format=tar", sha, "--", target)
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = member.name[len(repo.prefix):] if member.name.startswith(repo.prefix) else member.name
            if name.startswith("/") or ".." in name.split("/"):
                continue  # never write outside the pack
            handle = tar.extractfile(member)
            if handle is not None:
                files[name] = handle.read()
    from meti_pi import gitlog

    marker = gitlog.new_marker()
    fields = ("H", "an", "aI", "s")
    log = gitlayer.git(repo.top, "log", "-z", f"--format={gitlog.log_format(marker, *fields)}", sha, "--", target)
    trail = []
    for entry in gitlog.parse(log, marker, *fields):  # trailers as git parses them: no subject or body forges one
        trailers = entry.trailers
        trail.append({"commit": entry.fields["H"], "author": entry.fields["an"], "date": entry.fields["aI"], "subject": entry.fields["s"],
                      "command": next(iter(trailers.get(gitlayer.TRAILER_COMMAND) or ()), None),
                      "records": trailers.get(gitlayer.TRAILER_RECORD, []),
                      "article": next(iter(trailers.get(gitlayer.TRAILER_ARTICLE) or ()), None)})
    return sha, when, files, trail


def _pack_members(sha: str, when: str, files: dict[str, bytes], trail: list[dict[str, Any]], today: date) -> dict[str, bytes]:
    members = {f"register/{name}": data for name, data in files.items()}
    manifest = {
        "pack": "meti-pi evidence pack (規程第42条)", "commit": sha, "commit_date": when, "generated_on": today.isoformat(),
        "files": [{"path": f"register/{n}", "sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)} for n, d in sorted(files.items())],
        "trail_commits": len(trail),
    }
    members["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    members["trail.json"] = (json.dumps(trail, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    lines = [f"{c['commit'][:12]} {c['date'][:10]} {c['author']}: {c['subject']}"
             + (f" [{c['command']}" + (f" Art. {c['article']}" if c["article"] else "") + "]" if c["command"] else " [hand edit]") for c in trail]
    members["trail.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    readme = (
        "証跡パック（個人情報保護管理規程第42条の監査用）\n\n"
        f"- 台帳のコミット: {sha}（{when}）\n- 作成日: {today.isoformat()}\n"
        "- register/: 当該コミット時点の台帳（YAML）\n- trail.json / trail.txt: 当該コミットまでの変更履歴（git log、meti-pi のトレーラ付き）\n"
        "- manifest.json: 各ファイルの sha256\n\n"
        f"再現: git archive {sha} で同じ内容を取り出せる。\n"
    )
    members["README.txt"] = readme.encode("utf-8")
    return members


def evidence_pack(root: Path, out: Path | None, *, rev: str = "HEAD", fmt: str = "zip", today: date, into: Path | None = None) -> Pack:
    """Export the register and its git trail at commit `rev` to `out` (a zip or a new folder).

    `out` None: `evidence-<commit>.zip` (or a folder of that name) inside `into`. The zip is
    reproducible: fixed member order and timestamps (the commit's date), so the same commit
    always gives the same sha256.
    """
    if fmt not in ("zip", "dir"):
        raise UsageError(f"--format {fmt!r}: zip or dir")
    sha, when, files, trail = _register_at(root, rev)
    if out is None:
        out = (into or root.parent) / (f"evidence-{sha[:12]}" + (".zip" if fmt == "zip" else ""))
    reusable = fmt == "dir" and out.is_dir() and not any(out.iterdir())  # an empty folder may be filled
    if out.exists() and not reusable:
        raise UsageError(f"{out}: already exists; choose a new path (an evidence pack is never overwritten)")
    members = _pack_members(sha, when, files, trail, today)
    if fmt == "dir":
        for name, data in sorted(members.items()):
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return Pack(out, sha, fmt, len(files), len(trail), None)
    import zipfile
    from datetime import datetime

    stamp = datetime.fromisoformat(when)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in sorted(members.items()):
            info = zipfile.ZipInfo(f"evidence-{sha[:12]}/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compresslevel=9)
    blob = buf.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    return Pack(out, sha, fmt, len(files), len(trail), hashlib.sha256(blob).hexdigest())


def record_pack(root: Path, audit_id: str, pack: Pack, *, today: date) -> str | None:
    """Note the evidence pack in its audit record (one commit)."""
    from meti_pi import gitlayer

    key = f"audits/{audit_id}"
    with gitlayer.transaction(root, command="audit pack", article="42(1)", summary=f"証跡パックを記録（{pack.commit[:10]}）",
                              today=today, subject_record=key) as tx:
        doc = tx.edit(key)
        entry: dict[str, Any] = {"commit": pack.commit, "generated_on": today.isoformat(), "format": pack.format, "files": pack.files}
        if pack.sha256:
            entry["sha256"] = pack.sha256
        if "evidence" not in doc:
            doc["evidence"] = []
        doc["evidence"].append(entry)
    return tx.commit_sha


# -- reviews (Art. 43) --------------------------------------------------------------------------------


def new_review_data(
    reg: Register, *, on: date, findings: list[str], evaluation: str, measures: list[dict[str, Any]] | None = None,
    inspection_year: int | None = None, audits: list[str] | None = None, reported_on: date | None = None, close: bool = False,
) -> dict[str, Any]:
    """The fields of an Art. 43 review; every finding reference must resolve."""
    missing = [r for r in findings if find_finding(reg, r) is None]
    if missing:
        raise UsageError(f"--finding: no such finding(s): {', '.join(missing)}; references look like inspections/2026/<division>#1 or audits/<id>#1")
    for aid in audits or []:
        if reg.get("audits", aid) is None:
            raise UsageError(f"--audit {aid!r}: no such audit")
    if not evaluation.strip():
        raise UsageError("--evaluation: the evaluation text is required (Art. 43(1))")
    data: dict[str, Any] = {"date": on.isoformat()}
    basis: dict[str, Any] = {}
    if inspection_year is not None:
        basis["inspection_year"] = inspection_year
    if audits:
        basis["audits"] = list(dict.fromkeys(audits))
    if basis:
        data["basis"] = basis
    data["findings"] = list(dict.fromkeys(findings))
    if close:
        data["closes_findings"] = True
    data["evaluation"] = evaluation.strip()
    if measures:
        data["measures"] = [{**m, "status": m.get("status", "open")} for m in measures]
    if reported_on:
        data["reported_to_sokatsu_on"] = reported_on.isoformat()
    return data


def save_review(root: Path, data: dict[str, Any], *, today: date, dry_run: bool = False) -> tuple[str, str | None]:
    """Create the review (closing the findings it confirms when `closes_findings`); (id, commit)."""
    from meti_pi import gitlayer

    with gitlayer.transaction(root, command="audit review", article="43(1)", summary="評価及び見直しを記録", today=today, dry_run=dry_run) as tx:
        rid = tx.create("reviews", data)
        if data.get("closes_findings"):
            on = parse_day(data["date"]) or today
            for ref in data["findings"]:
                key, fid = _ref_target(ref)
                if not _close_in_doc(tx.edit(key), fid, on, f"reviews/{rid}"):
                    raise MetiPiError(f"{ref}: no such finding to close")
    return rid, tx.commit_sha


def audits_overview(reg: Register, today: date) -> list[dict[str, Any]]:
    """Each audit with its independence flags and findings (open / overdue), newest first."""
    out = []
    for rec in sorted(reg.of_kind("audits"), key=lambda r: (str(r.data.get("started_on")), r.id), reverse=True):
        findings = [f for f in rec.data.get("findings", []) if isinstance(f, dict)]
        open_ = [f for f in findings if f.get("status") == "open"]
        out.append({
            "id": rec.id, "title": rec.data.get("title"), "kind": rec.data.get("kind"), "external": bool(rec.data.get("external")),
            "started_on": rec.data.get("started_on"), "reported_on": rec.data.get("reported_on"),
            "scope": rec.data.get("scope"), "independence": independence_flags(reg, rec.data),
            "findings": len(findings), "open": len(open_),
            "overdue": sum(1 for f in open_ if (parse_day(f.get("due")) or today) < today),
            "evidence": [e.get("commit") for e in rec.data.get("evidence", []) if isinstance(e, dict)],
        })
    return out


def reviews_overview(reg: Register) -> list[dict[str, Any]]:
    """Each review with the findings it answers."""
    return [
        {"id": r.id, "date": r.data.get("date"), "findings": r.data.get("findings", []), "closes_findings": bool(r.data.get("closes_findings")),
         "reported_to_sokatsu_on": r.data.get("reported_to_sokatsu_on"),
         "open_measures": sum(1 for m in r.data.get("measures", []) if isinstance(m, dict) and m.get("status") == "open")}
        for r in sorted(reg.of_kind("reviews"), key=lambda r: (str(r.data.get("date")), r.id), reverse=True)
    ]


# -- validate checks (for meti_pi.checks.validate.CHECKS) -----------------------------------------------------




def finding_label(f: dict[str, Any]) -> str:
    """One line for a finding."""
    return f"第{article_ja(str(f.get('article')))}: {f.get('text')}（{f.get('owner')}、期限 {jp_day(f.get('due'))}）"
