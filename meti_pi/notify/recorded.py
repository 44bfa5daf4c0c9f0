"""The notices recorded for a file, where each required kind stands (KindStatus), and what
`notify FILE_ID` should draft next (Plan)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meti_pi.notify.facts import facts_of
from meti_pi.notify.requirements import (
    LIVE_STATES,
    MADE_STATES,
    NOTICE_KINDS,
    Requirement,
    decision_for,
    items_hash,
    management_class,
    requirements,
)
from meti_pi.store import refs
from meti_pi.store.register import Record, Register


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
        recs.sort(key=_drafted_key)
    return out


def _drafted_key(rec: Record) -> tuple[str, str]:
    return (str(rec.data.get("drafted_on", "")), rec.id)


def notices_of_files(reg: Register, file_ids: list[str]) -> dict[str, list[Record]]:
    """`notices_by_file` for these files only, found from the references (a re-check of a few
    records, Register.focus: no notification's data is decoded but theirs)."""
    out: dict[str, list[Record]] = {}
    refs.read_referring(reg, "notifications", [f"files/{fid}" for fid in file_ids])
    for fid in file_ids:
        live = [
            n
            for n in refs.referring(reg, "notifications", f"files/{fid}")
            if n.data.get("state") in LIVE_STATES and n.data.get("kind") in NOTICE_KINDS
        ]
        if live:
            out[fid] = sorted(live, key=_drafted_key)
    return out


def notice_made(reg: Register, file_id: str) -> bool:
    """Whether an Art. 35/36 notice of the file was made (submitted or acknowledged): the 台帳 is
    kept of the files notified to the 副総括 (規程第38条), and of no other."""
    return any(n.data.get("state") in MADE_STATES for n in notices_of_files(reg, [file_id]).get(file_id, []))


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


def file_status(
    reg: Register, rec: Record, index: dict[str, list[Record]] | None = None, decision: Any = None
) -> list[KindStatus]:
    """For each notice a file requires: the requirement, the current items hash, its notices."""
    data = rec.data
    facts = facts_of(reg, rec) if decision is None else None  # kept by content id (notify.facts)
    decision = decision if decision is not None else facts or decision_for(reg, data)
    klass = management_class(data, decision)
    index = index if index is not None else notices_by_file(reg)
    mine = index.get(rec.id, [])
    out = []
    for req in requirements(reg, data, decision):
        known = facts.items_hash(req.kind) if facts is not None else None
        out.append(
            KindStatus(
                file=rec,
                requirement=req,
                current_hash=known or items_hash(req.kind, data, klass),
                notices=[n for n in mine if n.data.get("kind") == req.kind],
            )
        )
    return out


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
