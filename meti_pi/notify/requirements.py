"""Which Art. 35/36 notices a file requires and by when, and the notified items with their hash
(a notice is current while the hash of what it notified is unchanged). See meti_pi.notify.notices."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from meti_pi.classify import classification
from meti_pi.classify.profile import sensitive_held
from meti_pi.dates.calendar_jp import parse_day
from meti_pi.store.register import Register

NOTICE_KINDS: tuple[str, ...] = ("35-1", "35-2", "35-3", "36")
# The ministry's own notices to the PPC (APPI 74(1) before holding or changing a file; 74(3) when it
# stops holding a notified file or the file falls under 74(2)(ix)): recorded, not drafted here.
PPC_KINDS: tuple[str, ...] = ("appi-74-1", "appi-74-3")
# Trailer / display form of each kind's article (of the rule; APPI for the PPC notices).
ARTICLE: dict[str, str] = {
    "35-1": "35(1)",
    "35-2": "35(2)",
    "35-3": "35(3)",
    "36": "36",
    "appi-74-1": "APPI 74(1)",
    "appi-74-3": "APPI 74(3)",
}
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
    return [requirement_of(reg, k, data) for k in NOTICE_KINDS if k in kinds]


def requirement_of(reg: Register, kind: str, data: dict[str, Any]) -> Requirement:
    """`requirement(kind, data, reg.policy)`, memoised per register by the anchor date as written:
    files share a few thousand holding starts, and status asks for each file's 35(1) twice."""
    value = _map(data.get("anonymized_info")).get("created_on") if TRIGGER[kind] == "creation" else None
    if TRIGGER[kind] != "creation":
        value = _map(data.get("holding")).get("start")
    if not (value is None or isinstance(value, (str, date))):
        return requirement(kind, data, reg.policy)  # an odd shape: not memoised
    memo: dict[tuple[str, type, Any], Requirement] = reg.derived("requirements", lambda _reg: {})
    key = (kind, type(value), value)
    found = memo.get(key)
    if found is None:
        found = memo[key] = requirement(kind, data, reg.policy)
    return found


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
        # as the notice states it (named categories: held; a record saying nothing: （未登録）, so a
        # notice made so goes stale once the record says either: null here, true / false as before)
        sensitive=sensitive_held(chars),
        routine_recipients=_texts(data.get("routine_recipients")),
        filebook_withheld=None
        if not isinstance(withheld, dict)
        else {
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
PPC_ITEMS = (
    "name",
    "org",
    "division",
    "purpose",
    "record_items",
    "record_scope",
    "collection_method",
    "sensitive",
    "routine_recipients",
    "filebook_withheld",
    "disclosure_office",
    "special_procedures",
    "planned_start_date",
    "other_reference",
)


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
