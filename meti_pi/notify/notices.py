"""Art. 35/36 notices: which ones a file requires, by when, and whether they are made and current.

WHICH notices comes from the one decision engine (`classification.decide`); this module adds
WHEN (the timing the rule sets) and the state of the notices recorded under `notifications/`.

Timing (rule Arts. 35-36; the day counts are policy, legal brief §9.10):
- 35(1), 35(3): あらかじめ, before holding starts. A notice submitted on or before
  `holding.start` is on time (the register knows days, not hours: the same day counts).
- 35(2): 遅滞なく after holding starts: by `holding.start` + policy
  `time_limits.without_delay_days`, rolled past days the ministry is closed.
- 36: after creating 行政機関等匿名加工情報 (the rule sets no limit; the same 遅滞なく policy
  limit is applied from `anonymized_info.created_on`).
- Change notices: 35(1)/(3) and 36 before the change (変更しようとするとき), 35(2) after it.
  A change is detected, not dated: when the notified items of a file differ from those of
  its latest submitted notice, the notice is "stale" until a change notice is submitted.

A notice is "made" when it is submitted to the 副総括 (state submitted or acknowledged); a
draft alone is not a notice. Files whose holding has ended (`holding.end` on or before today)
are not checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meti_pi.dates.calendar_jp import parse_day
from meti_pi.errors import Problem
from meti_pi.store.register import Record, Register

NOTICE_KINDS: tuple[str, ...] = ("35-1", "35-2", "35-3", "36")
# The ministry's own notices to the PPC (APPI 74(1) before holding or changing a file; 74(3) when it
# stops holding a notified file or the file falls under 74(2)(ix)): recorded, not drafted here.
PPC_KINDS: tuple[str, ...] = ("appi-74-1", "appi-74-3")
# Trailer / display form of each kind's article (of the rule; APPI for the PPC notices).
ARTICLE: dict[str, str] = {"35-1": "35(1)", "35-2": "35(2)", "35-3": "35(3)", "36": "36",
                           "appi-74-1": "APPI 74(1)", "appi-74-3": "APPI 74(3)"}
# When the first notice is due: before the trigger (あらかじめ) or after it (遅滞なく / after creation).
TIMING: dict[str, str] = {"35-1": "before", "35-2": "after", "35-3": "before", "36": "after"}
# When a change notice is due relative to the change (変更しようとするとき / 変更したとき).
CHANGE_TIMING: dict[str, str] = {"35-1": "before", "35-2": "after", "35-3": "before", "36": "before"}
TRIGGER: dict[str, str] = {"35-1": "holding_start", "35-2": "holding_start", "35-3": "holding_start", "36": "creation"}

# Version of the notified-item set hashed by `items_hash`. Bump it only together with a
# migration: every recorded hash of the old version would otherwise read as stale.
ITEMS_VERSION = 1

MADE_STATES = frozenset({"submitted", "acknowledged"})
LIVE_STATES = frozenset({"drafted", "submitted", "acknowledged"})  # 'withdrawn' drafts are ignored

# Finding statuses. The first three fail `notify --check` (exit 1); the others are listed only.
FAILING = ("missing", "late", "stale")
LISTED = ("due", "late_explained", "unhashed")


# -- which notices, and when ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """One notice a file requires: its kind, timing, the trigger date and the last timely day."""

    kind: str
    timing: str  # 'before' | 'after'
    trigger: str  # 'holding_start' | 'creation'
    anchor: date | None  # the holding start (35) or the creation date (36); None if not recorded
    due: date | None  # last day a timely notice may be submitted
    since: date | None = None  # held before the rule took effect: the duty runs 遅滞なく from this date

    @property
    def article(self) -> str:
        return ARTICLE[self.kind]

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "article": self.article,
            "timing": self.timing,
            "trigger": self.trigger,
            "anchor": _iso(self.anchor),
            "due": _iso(self.due),
            "transitional_from": _iso(self.since),
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


_date = parse_day  # the one reader of record dates (meti_pi.dates.calendar_jp)


def decision_for(reg: Register, data: dict[str, Any]) -> Any:
    """The classification engine's decision for a files record (one engine for classify/notify/validate).

    Memoised per record data while the register's records are unchanged: validate's checks, the
    ファイル簿 and the notices each ask for it (about 0.1 ms a file).
    """
    from meti_pi.classify import classification

    memo: dict[int, tuple[dict[str, Any], Any]] = reg.derived("decisions", lambda _reg: {})
    hit = memo.get(id(data))
    if hit is not None and hit[0] is data:
        return hit[1]
    decision = classification.decide(classification.profile_from_record(data), reg.policy)
    memo[id(data)] = (data, decision)  # the data is kept: its id cannot be reused while cached
    return decision


def management_class(data: dict[str, Any], decision: Any) -> str | None:
    """The class a notice states: the engine's decision (the same one that says which notices apply).

    A recorded `management_class` that differs is a finding of classify/validate, not a second
    source of truth here: a 35(2) notice must state the class that made it required.
    """
    value = getattr(decision, "management_class", None)
    if value:
        return str(value)
    recorded = data.get("management_class")
    return str(recorded) if recorded in ("A", "B", "C") else None


def due_after(anchor: date, policy: dict[str, Any]) -> date:
    """Last day of a 遅滞なく notice after `anchor` under the policy's time limits."""
    from meti_pi.dates import calendar_jp

    return calendar_jp.due_after(anchor, "without_delay", policy.get("time_limits", {}))


def rule_effective(policy: dict[str, Any]) -> date | None:
    """The date the rule took effect (附則1: 2022-04-01, policy notices.rule_effective)."""
    return _date(_map(policy.get("notices")).get("rule_effective"))


def requirement(kind: str, data: dict[str, Any], policy: dict[str, Any]) -> Requirement:
    """The timing of a `kind` notice for a files record.

    A file held (or information created) before the rule took effect could not be notified
    あらかじめ under it: the duty runs 遅滞なく from the effective date (the rule's 附則1 date;
    APPI 附則7(14) says the same of the ministry's own 74(1) notice for files held then).
    """
    if TRIGGER[kind] == "creation":
        anchor = _date(_map(data.get("anonymized_info")).get("created_on"))
    else:
        anchor = _date(_map(data.get("holding")).get("start"))
    timing = TIMING[kind]
    effective = rule_effective(policy)
    since = effective if anchor is not None and effective is not None and anchor < effective else None
    due: date | None
    if anchor is None:
        due = None
    elif since is not None:
        timing, due = "after", due_after(since, policy)
    elif timing == "before":
        due = anchor
    else:
        due = due_after(anchor, policy)
    return Requirement(kind=kind, timing=timing, trigger=TRIGGER[kind], anchor=anchor, due=due, since=since)


def requirements(reg: Register, data: dict[str, Any], decision: Any = None) -> list[Requirement]:
    """The notices a files record requires, in kind order, with their timing."""
    decision = decision if decision is not None else decision_for(reg, data)
    kinds = set(getattr(decision, "notifications", ()) or ())
    return [requirement(k, data, reg.policy) for k in NOTICE_KINDS if k in kinds]


# -- the notified items and their hash ----------------------------------------------------


def _map(value: Any) -> dict[str, Any]:
    # Read paths meet hand-edited records before validate has judged them: never crash on a shape.
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    # Surrounding whitespace is layout (a YAML block scalar adds a final newline), not content.
    return value.strip() if isinstance(value, str) else None


def _texts(value: Any) -> list[str]:
    return [v.strip() for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _office(value: Any) -> dict[str, str | None] | None:
    if not isinstance(value, dict):
        return None
    return {"name": _text(value.get("name")), "address": _text(value.get("address"))}


def notified_items(kind: str, data: dict[str, Any], klass: str | None) -> dict[str, Any]:
    """The items a `kind` notice states about a files record: what `items_hash` covers.

    35-1, 35-2, 35-3 (APPI 74(1) and the rule's additions):
      name (74(1)(i)); org, division (ii); purpose (iii); record_items, record_scope (iv);
      collection_method (v); sensitive: whether 要配慮個人情報 is held (vi, a yes/no statement);
      routine_recipients (vii); filebook_withheld: what 75(3) leaves out of the ファイル簿,
      without the reason (viii); disclosure_office (ix); special_procedures (x);
      planned_start_date (else holding.start) and other_reference (xi, via 令, FROM MEMORY);
      plus file_kind, the management class, systems, contractors and the exclusion items claimed.
      35-3 adds my_number_basis (use and provision basis, 個人番号関係事務, PIA status and reference).
    36: name, org, division; anonymized_info (created, created_on, overview, proposal_office,
      proposal_period, invites_proposals); contractors.

    Deliberately not covered: the principal count and its date (it moves all the time; what
    matters, the class and the 74(2)(9) exclusion, is covered), rationale texts, reasons and
    scans, notes, names of divisions or contractors (renaming a record is not a change of the
    file). Sets (systems, contractors, exclusions) are sorted; ordered lists keep their order.
    """
    base: dict[str, Any] = {
        "name": _text(data.get("name")),
        "org": _text(data.get("org")),
        "division": _text(data.get("division")),
        "contractors": sorted(_texts(data.get("contractors"))),
    }
    if kind == "36":
        ai = _map(data.get("anonymized_info"))
        base["anonymized_info"] = {
            "created": bool(ai.get("created")),
            "created_on": _text(ai.get("created_on")),
            "overview": _text(ai.get("overview")),
            "proposal_office": _office(ai.get("proposal_office")),
            "proposal_period": _text(ai.get("proposal_period")),
            "invites_proposals": bool(ai.get("invites_proposals")),
        }
        return base
    chars = _map(data.get("characteristics"))
    withheld = data.get("filebook_withheld")
    holding = _map(data.get("holding"))
    base.update(
        purpose=_text(data.get("purpose")),
        record_items=_texts(data.get("record_items")),
        record_scope=_text(data.get("record_scope")),
        collection_method=_text(data.get("collection_method")),
        sensitive=bool(chars.get("sensitive")),
        routine_recipients=_texts(data.get("routine_recipients")),
        filebook_withheld=None if not isinstance(withheld, dict) else {
            "record_items": sorted(_texts(withheld.get("record_items"))),
            "collection_method": bool(withheld.get("collection_method")),
            "routine_recipients": bool(withheld.get("routine_recipients")),
            "whole_file": bool(withheld.get("whole_file")),
        },
        disclosure_office=_office(data.get("disclosure_office")),
        special_procedures=_text(data.get("special_procedures")),
        planned_start_date=_text(data.get("planned_start_date")) or _text(holding.get("start")),
        other_reference=_text(data.get("other_reference")),
        file_kind=_text(data.get("file_kind")),
        management_class=klass,
        systems=sorted(_texts(data.get("systems"))),
        exclusions=sorted({str(e.get("item")) for e in _list(data.get("exclusions")) if isinstance(e, dict)}),
    )
    if kind == "35-3":
        mb = _map(data.get("my_number_basis"))
        base["my_number_basis"] = {
            "use_basis": _text(mb.get("use_basis")),
            "provision_basis": _text(mb.get("provision_basis")),
            "relation_work": bool(mb.get("relation_work")),
            "pia_status": _text(mb.get("pia_status")),
            "pia_ref": _text(mb.get("pia_ref")),
        }
    return base


# The items of an APPI 74(1) notice to the PPC (74(1)(i)-(xi)): the 35(1) items without the rule's
# internal additions (class, file kind, systems, contractors, exclusions).
PPC_ITEMS = ("name", "org", "division", "purpose", "record_items", "record_scope", "collection_method", "sensitive",
             "routine_recipients", "filebook_withheld", "disclosure_office", "special_procedures", "planned_start_date",
             "other_reference")


def ppc_items_hash(data: dict[str, Any]) -> str:
    """sha256 of the APPI 74(1) items of a files record (a later change needs a change notice to the PPC)."""
    items = notified_items("35-1", data, None)
    doc = {"items_version": ITEMS_VERSION, "kind": "appi-74-1", "items": {k: items[k] for k in PPC_ITEMS}}
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


def canonical_json(obj: Any) -> str:
    """The one text form that is hashed: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def items_hash(kind: str, data: dict[str, Any], klass: str | None) -> str:
    """sha256 of the canonical JSON of {items_version, kind, items} for a `kind` notice."""
    doc = {"items_version": ITEMS_VERSION, "kind": kind, "items": notified_items(kind, data, klass)}
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


# -- the notices recorded ------------------------------------------------------------------


def notices_by_file(reg: Register) -> dict[str, list[Record]]:
    """Live notification records (not withdrawn) by file id, oldest draft first."""
    return reg.derived("notices_by_file", _notices_by_file)  # type: ignore[no-any-return]


def _notices_by_file(reg: Register) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for rec in reg.of_kind("notifications"):
        data = rec.data
        if data.get("state") not in LIVE_STATES or data.get("kind") not in NOTICE_KINDS:
            continue
        out.setdefault(str(data.get("file")), []).append(rec)
    for recs in out.values():
        recs.sort(key=lambda r: (str(r.data.get("drafted_on", "")), r.id))
    return out


def _made_key(rec: Record) -> tuple[str, str, str]:
    return (str(rec.data.get("submitted_on") or ""), str(rec.data.get("drafted_on") or ""), rec.id)


@dataclass
class KindStatus:
    """One required notice of one file and the notices recorded for it."""

    file: Record
    requirement: Requirement
    current_hash: str
    notices: list[Record] = field(default_factory=list)  # live notices of this file and kind

    @property
    def kind(self) -> str:
        return self.requirement.kind

    @property
    def made(self) -> list[Record]:
        """Submitted or acknowledged notices, in the order they were made."""
        return sorted((n for n in self.notices if n.data.get("state") in MADE_STATES), key=_made_key)

    @property
    def first_made(self) -> Record | None:
        made = self.made
        return made[0] if made else None

    @property
    def latest_made(self) -> Record | None:
        made = self.made
        return made[-1] if made else None

    @property
    def pending_draft(self) -> Record | None:
        """The newest draft not yet submitted (one made later than the latest submission)."""
        drafts = [n for n in self.notices if n.data.get("state") == "drafted"]
        return drafts[-1] if drafts else None

    @property
    def current(self) -> bool:
        """The latest submitted notice states the file's items as they are now."""
        latest = self.latest_made
        return latest is not None and latest.data.get("items_hash") == self.current_hash


def file_status(reg: Register, rec: Record, index: dict[str, list[Record]] | None = None,
                decision: Any = None) -> list[KindStatus]:
    """For each notice a file requires: the requirement, the current items hash, its notices."""
    data = rec.data
    decision = decision if decision is not None else decision_for(reg, data)
    klass = management_class(data, decision)
    index = index if index is not None else notices_by_file(reg)
    mine = index.get(rec.id, [])
    out = []
    for req in requirements(reg, data, decision):
        out.append(KindStatus(
            file=rec,
            requirement=req,
            current_hash=items_hash(req.kind, data, klass),
            notices=[n for n in mine if n.data.get("kind") == req.kind],
        ))
    return out


# -- findings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """What `notify --check` says about one required notice of one file."""

    file: str
    kind: str
    status: str  # missing | late | stale (failing); due | late_explained | unhashed (listed)
    message: str
    path: str
    line: int | None = None
    key: str = ""
    due: date | None = None
    notification: str | None = None

    @property
    def failing(self) -> bool:
        return self.status in FAILING

    @property
    def code(self) -> str:
        return "notice-" + self.status.replace("_", "-")

    def problem(self, severity: str = "warning") -> Problem:
        return Problem(self.path, self.line, self.code, self.message, severity, self.key)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "kind": self.kind,
            "article": ARTICLE[self.kind],
            "status": self.status,
            "due": _iso(self.due),
            "notification": self.notification,
        }


def _locate(rec: Record, key_path: tuple[object, ...]) -> tuple[int | None, str]:
    from meti_pi.store import schema, yamlload

    line = yamlload.locate(rec.text, key_path) if rec.text else None
    return line, schema.key_path(key_path)


def _timing_words(req: Requirement) -> str:
    if req.since is not None:
        what = "created" if req.trigger == "creation" else "held"
        return f"{what} before the rule took effect {req.since.isoformat()}: 遅滞なく after that date (附則1; APPI 附則7(14))"
    if req.trigger == "creation":
        return "after creating 行政機関等匿名加工情報 (policy: 遅滞なく)"
    if req.timing == "before":
        return "あらかじめ: before the holding starts"
    return "遅滞なく after the holding starts"


def _anchor_words(req: Requirement) -> str:
    what = "creation" if req.trigger == "creation" else "holding start"
    return f"{what} {req.anchor.isoformat()}" if req.anchor else f"{what} not recorded"


def kind_findings(ks: KindStatus, today: date) -> list[Finding]:
    """The findings for one required notice (empty when it was made on time and is current)."""
    rec, req, kind = ks.file, ks.requirement, ks.kind
    art = f"Art. {req.article}"
    anchor_key: tuple[object, ...] = ("anonymized_info", "created_on") if req.trigger == "creation" else ("holding", "start")

    def finding(status: str, message: str, notification: str | None = None) -> Finding:
        line, key = _locate(rec, anchor_key)  # only on the finding path: locating parses the file again
        return Finding(rec.id, kind, status, message, rec.relpath, line, key, req.due, notification)

    out: list[Finding] = []
    first = ks.first_made
    if first is None:
        draft = ks.pending_draft
        hint = f"run `meti-pi notify {rec.id} --kind {kind}`"
        if draft is not None:
            if draft.data.get("items_hash") == ks.current_hash:
                hint = f"draft {draft.id} ({draft.data.get('drafted_on')}) is not submitted; record it with `meti-pi notify submit {draft.id} --on DATE`"
            else:
                hint = f"draft {draft.id} is out of date (the file changed since); redraft with `meti-pi notify {rec.id} --kind {kind}`"
        if req.due is not None and today <= req.due:
            out.append(finding("due", f"{art} notice due by {req.due.isoformat()} ({_timing_words(req)}; {_anchor_words(req)}); {hint}",
                               draft.id if draft else None))
        else:
            since = f"was due {req.due.isoformat()}" if req.due else "is due (date unknown)"
            out.append(finding("missing", f"{art} notice not made; it {since} ({_timing_words(req)}; {_anchor_words(req)}); {hint}",
                               draft.id if draft else None))
        return out

    submitted = _date(first.data.get("submitted_on"))
    if req.due is not None and submitted is not None and submitted > req.due:
        reason = first.data.get("late_reason")
        when = "after the holding start" if req.timing == "before" else "after the 遅滞なく limit"
        when = "after the 遅滞なく limit" if req.since is not None else when
        base = f"{art} notice {first.id} was made {submitted.isoformat()}, {when} ({_timing_words(req)}; due {req.due.isoformat()})"
        if isinstance(reason, str) and reason.strip():
            out.append(finding("late_explained", base + "; the reason is recorded", first.id))
        else:
            out.append(finding("late", base + f"; record why with `meti-pi notify explain {first.id} --reason TEXT`", first.id))

    latest = ks.latest_made
    assert latest is not None
    recorded = latest.data.get("items_hash")
    if not recorded:
        out.append(finding("unhashed", f"{art} notice {latest.id} has no items_hash; whether it is current cannot be told", latest.id))
    elif latest.data.get("items_version", ITEMS_VERSION) != ITEMS_VERSION or recorded != ks.current_hash:
        draft = ks.pending_draft
        when = "before the change (変更しようとするとき)" if CHANGE_TIMING[kind] == "before" else "遅滞なく after the change"
        if draft is not None and draft.data.get("items_hash") == ks.current_hash:
            hint = f"change notice {draft.id} is drafted; record it with `meti-pi notify submit {draft.id} --on DATE`"
        else:
            hint = f"run `meti-pi notify {rec.id} --kind {kind}` to draft a change notice"
        out.append(finding("stale", f"{art}: the notified items changed since notice {latest.id} ({latest.data.get('submitted_on')}); "
                                    f"a change notice is required {when}; {hint}", latest.id))
    return out


def held_on(data: dict[str, Any], today: date) -> bool:
    """False once the holding has ended (holding.end on or before today)."""
    end = _date(_map(data.get("holding")).get("end"))
    return end is None or end > today


def check(reg: Register, today: date) -> list[Finding]:
    """Every finding about required Art. 35/36 notices of the files still held, file by file."""
    index = notices_by_file(reg)
    out: list[Finding] = []
    for rec in sorted(reg.of_kind("files"), key=lambda r: r.relpath):
        if not held_on(rec.data, today):
            continue
        for ks in file_status(reg, rec, index):
            out.extend(kind_findings(ks, today))
    return out


def check_with_ppc(reg: Register, today: date) -> list[Finding]:
    """`check`, then the ministry's own APPI 74(1)/74(3) notices to the PPC (`notify --check`).

    Kept apart from `check` (which validate and the inspection read): the PPC notices are the
    ministry's duty (the 総括's office), not the 管理者's Art. 35 notice.
    """
    out = check(reg, today)
    for rec in sorted(reg.of_kind("files"), key=lambda r: r.relpath):
        out.extend(ppc_findings(reg, rec, today))
    return out


# -- the ministry's notices to the PPC (APPI 74(1), 74(3)) -------------------------------------------


def _ppc_notices(reg: Register) -> dict[tuple[str, str], list[Record]]:
    """Made (submitted or acknowledged) PPC notices by (file id, kind), in the order made."""
    def build(reg: Register) -> dict[tuple[str, str], list[Record]]:
        out: dict[tuple[str, str], list[Record]] = {}
        for rec in reg.of_kind("notifications"):
            data = rec.data
            if data.get("kind") in PPC_KINDS and data.get("state") in MADE_STATES:
                out.setdefault((str(data.get("file")), str(data.get("kind"))), []).append(rec)
        for recs in out.values():
            recs.sort(key=_made_key)
        return out
    return reg.derived("ppc_notices", build)  # type: ignore[no-any-return]


def _made_internal_35_1(reg: Register, file_id: str) -> bool:
    return any(n.data.get("kind") == "35-1" and n.data.get("state") in MADE_STATES for n in notices_by_file(reg).get(file_id, []))


def deemed_by_pia(data: dict[str, Any]) -> bool:
    """番号法 28(5): a published 特定個人情報保護評価書 counts as the APPI 74(1) notice (VERIFIED, brief §1.7)."""
    return _map(data.get("my_number_basis")).get("pia_status") == "published"


def ppc_requirements(reg: Register, rec: Record, today: date, decision: Any = None) -> list[Requirement]:
    """The PPC notices a file requires on `today`.

    appi-74-1: a 個人情報ファイル not excluded by 74(2)(i)-(xi) (the files 35(1) covers), unless a
      published PIA counts as the notice; before holding (held before 2022-04-01: 遅滞なく, APPI
      附則7(14)), while the file is held.
    appi-74-3: a file that was notified (an APPI 74(1) notice, or a 35(1) notice the 副総括 received
      for the ministry's notice) and has stopped being held (anchor holding.end) or now falls under
      74(2)(ix) (anchor principals.as_of): 遅滞なく, the policy's limit.
    """
    data = rec.data
    decision = decision if decision is not None else decision_for(reg, data)
    out: list[Requirement] = []
    held = held_on(data, today)
    if held and "35-1" in (getattr(decision, "notifications", ()) or ()) and not deemed_by_pia(data):
        base = requirement("35-1", data, reg.policy)
        out.append(Requirement("appi-74-1", base.timing, base.trigger, base.anchor, base.due, base.since))
    notified = bool(_ppc_notices(reg).get((rec.id, "appi-74-1"))) or _made_internal_35_1(reg, rec.id)
    if notified:
        end = _date(_map(data.get("holding")).get("end"))
        anchor: date | None = None
        trigger = ""
        if end is not None and end <= today:
            anchor, trigger = end, "holding_end"
        elif "74-2-9" in (getattr(decision, "exclusions", ()) or ()):
            anchor, trigger = _date(_map(data.get("principals")).get("as_of")), "below_threshold"
        if trigger:
            due = due_after(anchor, reg.policy) if anchor is not None else None
            out.append(Requirement("appi-74-3", "after", trigger, anchor, due))
    return out


def ppc_findings(reg: Register, rec: Record, today: date) -> list[Finding]:
    """Findings about the PPC notices a file requires: due, missing, late (explained or not)."""
    out: list[Finding] = []
    made = _ppc_notices(reg)
    for req in ppc_requirements(reg, rec, today):
        art = ARTICLE[req.kind]
        key: tuple[object, ...] = {"holding_end": ("holding", "end"), "below_threshold": ("principals", "as_of")}.get(req.trigger, ("holding", "start"))
        what = {
            "appi-74-1": "the ministry's notice to the PPC of holding this 個人情報ファイル (個人情報保護委員会への事前通知)",
            "appi-74-3": "the ministry's notice to the PPC that this notified file "
                         + ("is no longer held (保有をやめた)" if req.trigger == "holding_end" else "fell under 74(2)(ix), fewer than 1,000 本人"),
        }[req.kind]
        when = _timing_words(req) if req.kind == "appi-74-1" else f"遅滞なく after {req.anchor.isoformat() if req.anchor else '(date not recorded)'}"
        hint = f"record it with `meti-pi notify record {rec.id} --kind {req.kind} --on DATE`"

        def finding(status: str, message: str, notification: str | None = None, req: Requirement = req, key: tuple[object, ...] = key) -> Finding:
            line, where = _locate(rec, key)
            return Finding(rec.id, req.kind, status, message, rec.relpath, line, where, req.due, notification)

        recs = made.get((rec.id, req.kind), [])
        if req.kind == "appi-74-3" and req.anchor is not None:  # a 74(3) notice answers the event it follows
            recs = [n for n in recs if (_date(n.data.get("submitted_on")) or date.min) >= req.anchor]
        if not recs:
            if req.due is not None and today <= req.due:
                out.append(finding("due", f"{art}: {what} is due by {req.due.isoformat()} ({when}); {hint}"))
            else:
                since = f"was due {req.due.isoformat()}" if req.due else "is due (date unknown)"
                out.append(finding("missing", f"{art}: {what} is not recorded; it {since} ({when}); {hint}"))
            continue
        first = recs[0]
        submitted = _date(first.data.get("submitted_on"))
        if req.due is not None and submitted is not None and submitted > req.due:
            reason = first.data.get("late_reason")
            base = f"{art} notice {first.id} was made {submitted.isoformat()}, after its due date {req.due.isoformat()} ({when})"
            if isinstance(reason, str) and reason.strip():
                out.append(finding("late_explained", base + "; the reason is recorded", first.id))
            else:
                out.append(finding("late", base + f"; record why with `meti-pi notify explain {first.id} --reason TEXT`", first.id))
        latest = recs[-1]
        recorded = latest.data.get("items_hash")
        if req.kind == "appi-74-1" and recorded and recorded != ppc_items_hash(rec.data):
            out.append(finding("stale", f"{art}: the notified items changed since the notice to the PPC {latest.id} "
                                        f"({latest.data.get('submitted_on')}); a change notice is required before the change "
                                        f"(変更しようとするとき); record it with `meti-pi notify record {rec.id} --kind appi-74-1 --on DATE`",
                               latest.id))
    return out


def obsolete_drafts(reg: Register, today: date) -> list[Finding]:
    """Drafts never submitted that no longer state what the file needs: the file no longer
    requires that kind of notice (reclassified, excluded, holding ended), or its notified items
    changed since the draft was made. Listed by `notify --check` and `status` (not failing: a
    draft is no notice), each with the command that ends it (`notify withdraw`)."""
    index = notices_by_file(reg)
    out: list[Finding] = []
    for fid, recs in sorted(index.items()):
        drafts = [n for n in recs if n.data.get("state") == "drafted"]
        if not drafts:
            continue
        file_rec = reg.get("files", fid)
        if file_rec is None or file_rec.key in reg.unchecked:
            continue
        statuses = {ks.kind: ks for ks in file_status(reg, file_rec, index)} if held_on(file_rec.data, today) else {}
        for n in drafts:
            kind = str(n.data.get("kind"))
            ks = statuses.get(kind)
            hint = f"end it with `meti-pi notify withdraw {n.id} --reason TEXT`"
            if ks is None:
                needs = ", ".join(ARTICLE[k] for k in statuses) or "no Art. 35/36 notice"
                why = f"files/{fid} no longer requires an Art. {ARTICLE.get(kind, kind)} notice (it requires: {needs})"
            elif n.data.get("items_hash") != ks.current_hash:
                why = f"files/{fid} changed since it was drafted ({n.data.get('drafted_on')}): it no longer states the file's items"
                hint += f", and draft again with `meti-pi notify {fid} --kind {kind} --redraft`"
            else:
                continue
            line, key = _locate(n, ("state",))
            out.append(Finding(fid, kind if kind in ARTICLE else "35-1", "obsolete",
                               f"draft {n.id} is obsolete: {why}; {hint}", n.relpath, line, key, None, n.id))
    return out


def ledger_findings(reg: Register) -> Iterator[Problem]:
    """The 台帳 lists each notice of its file with the notice's current state (Art. 38)."""
    ledgers = {rec.id: rec for rec in reg.of_kind("ledger")}
    for rec in reg.of_kind("notifications"):
        fid = str(rec.data.get("file"))
        if rec.data.get("kind") not in NOTICE_KINDS or reg.get("files", fid) is None:
            continue
        ledger = ledgers.get(fid)
        entries = [e for e in _list(ledger.data.get("notified")) if isinstance(e, dict)] if ledger else []
        entry = next((e for e in entries if e.get("notification") == rec.id), None)
        if entry is None:
            line, key = _locate(rec, ("file",))
            yield Problem(rec.relpath, line, "ledger-missing", f"Art. 38: notice {rec.id} is not in the 台帳 ledger/{fid}.yaml; "
                          "add it under `notified` (or re-record it with `meti-pi notify`)", "warning", key)
        elif entry.get("state") not in (None, rec.data.get("state")):
            assert ledger is not None
            i = entries.index(entry)
            line, key = _locate(ledger, ("notified", i, "state"))
            yield Problem(ledger.relpath, line, "ledger-state", f"Art. 38: the 台帳 says {rec.id} is {entry.get('state')}, "
                          f"the notice says {rec.data.get('state')}; correct the 台帳", "warning", key)


def notice_findings(reg: Register, today: date) -> Iterable[Problem]:
    """Rule findings for `validate` (warnings): required notices missing, late or stale; 台帳 out of step."""
    for f in check(reg, today):
        if f.failing:
            yield f.problem("warning")
    yield from ledger_findings(reg)


# -- what `notify FILE_ID` should draft ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do for one required notice of a file.

    action: 'initial' (no notice made yet), 'change' (made, but the items changed),
    'current' (made and current: nothing to draft), 'drafted' (a current draft awaits
    submission: nothing to draft unless redrafting).
    """

    status: KindStatus
    action: str
    supersedes: str | None = None  # the made notice a change notice follows
    withdraw: tuple[str, ...] = ()  # out-of-date (or replaced) drafts to mark withdrawn

    @property
    def kind(self) -> str:
        return self.status.kind

    @property
    def drafts_new(self) -> bool:
        return self.action in ("initial", "change")


def plan(ks: KindStatus, *, redraft: bool = False) -> Plan:
    """Decide whether a new notice of this kind is to be drafted, and which drafts it replaces."""
    if ks.current:
        return Plan(ks, "current")
    latest = ks.latest_made
    action = "change" if latest is not None else "initial"
    supersedes = latest.id if latest is not None else None
    drafts = [n for n in ks.notices if n.data.get("state") == "drafted"]
    current_drafts = [n for n in drafts if n.data.get("items_hash") == ks.current_hash]
    if current_drafts and not redraft:
        return Plan(ks, "drafted", supersedes=supersedes)
    # Drafts that no longer say what the file is (or that --redraft replaces) are withdrawn.
    return Plan(ks, action, supersedes=supersedes, withdraw=tuple(n.id for n in drafts))
