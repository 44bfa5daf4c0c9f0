"""`notify submit / acknowledge / withdraw` and the ministry's notices to the PPC (APPI 74(1), 74(3))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.actions.notify_drafting import _file_record, _not_after_today, _notice_record
from meti_pi.actions.notify_ledger import _screen
from meti_pi.actions.transaction import transaction
from meti_pi.classify.decision import item_9_words
from meti_pi.errors import RuleViolation, UsageError
from meti_pi.notify import notices
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.advised import Advised
from meti_pi.store.ids import allocate
from meti_pi.store.register import Record, Register


@dataclass
class StateResult:
    """What `notify submit / acknowledge / explain` recorded."""

    id: str
    kind: str
    file: str
    state: str
    warnings: list[str]
    commit: str | None
    dry_run: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "article": notices.ARTICLE.get(self.kind),
            "file": self.file,
            "state": self.state,
            "warnings": self.warnings,
            "commit": self.commit,
            "dry_run": self.dry_run,
        }


def set_state(
    root: Path,
    notice_id: str,
    action: str,
    *,
    today: date,
    on: date | None = None,
    ref: str | None = None,
    late_reason: str | None = None,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> StateResult:
    """Record that a notice was submitted to the 副総括, acknowledged by it, why it was late, or
    that a draft was withdrawn.

    action: 'submit' (drafted → submitted), 'acknowledge' (submitted → acknowledged),
    'explain' (record `late_reason` on a submitted or acknowledged notice), 'withdraw' (drafted
    → withdrawn; `late_reason` carries the reason for withdrawing).
    """
    with transaction(
        root,
        command=f"notify {action}",
        summary=action,
        today=today,
        dry_run=dry_run,
        subject_record=f"notifications/{notice_id}",
        settings=settings,
    ) as tx:
        reg = tx.register()  # read under the lock: two submits at once must not both pass the state check
        rec = _notice_record(reg, notice_id)
        data = rec.data
        state = data.get("state")
        kind = str(data.get("kind"))
        file_id = str(data.get("file"))
        on = on or today
        warnings: list[str] = []
        changes: dict[str, Any] = {}
        if action == "submit":
            if state != "drafted":
                raise RuleViolation(f"{notice_id} is {state}, not drafted; only a draft can be submitted")
            drafted_on = notices._date(data.get("drafted_on"))
            if drafted_on and on < drafted_on:
                raise RuleViolation(
                    f"{notice_id} was drafted {drafted_on.isoformat()}; it cannot have been submitted on {on.isoformat()} "
                    "(to record an older notice, draft it with --today set to its date)"
                )
            _not_after_today(on, today, "submission date")
            changes = {"state": "submitted", "submitted_on": on.isoformat()}
            if ref:
                changes["submitted_ref"] = ref
        elif action == "acknowledge":
            if state != "submitted":
                raise RuleViolation(
                    f"{notice_id} is {state}; only a submitted notice can be acknowledged (submit it first)"
                )
            submitted_on = notices._date(data.get("submitted_on"))
            if submitted_on and on < submitted_on:
                raise RuleViolation(
                    f"{notice_id} was submitted {submitted_on.isoformat()}; it cannot be acknowledged on {on.isoformat()}"
                )
            _not_after_today(on, today, "acknowledgement date")
            changes = {"state": "acknowledged", "acknowledged_on": on.isoformat()}
            if ref:
                changes["acknowledged_ref"] = ref
        elif action == "withdraw":
            if state != "drafted":
                raise RuleViolation(
                    f"{notice_id} is {state}; only a draft never submitted can be withdrawn "
                    "(a notice once made is corrected by a change notice: `meti-pi notify FILE_ID`)"
                )
            if not late_reason or not late_reason.strip():
                raise UsageError("give the reason with --reason TEXT (it is recorded in the notice and the trail)")
            drafted_on = notices._date(data.get("drafted_on"))
            if drafted_on and on < drafted_on:
                raise RuleViolation(
                    f"{notice_id} was drafted {drafted_on.isoformat()}; it cannot have been withdrawn on {on.isoformat()}"
                )
            _not_after_today(on, today, "withdrawal date")
            changes = {"state": "withdrawn", "withdrawn_on": on.isoformat(), "withdrawn_reason": late_reason.strip()}
            late_reason = None  # the reason is the withdrawal's, not a reason for lateness
        elif action == "explain":
            if state not in notices.MADE_STATES:
                raise RuleViolation(
                    f"{notice_id} is {state}; a reason for lateness is recorded on a submitted notice "
                    "(or pass --late-reason to `notify submit`)"
                )
            if not late_reason or not late_reason.strip():
                raise UsageError("give the reason with --reason TEXT")
        else:  # pragma: no cover - the CLI offers only the three actions
            raise ValueError(action)
        if late_reason:
            changes["late_reason"] = late_reason.strip()

        new_state = str(changes.get("state", state))
        file_rec = reg.get("files", file_id)
        if file_rec is not None and action == "submit":
            warnings += _submit_warnings(
                reg, file_rec, rec, on, bool(changes.get("late_reason") or data.get("late_reason"))
            )

        tx.article = notices.ARTICLE.get(kind)
        verb = {
            "submit": "submitted",
            "acknowledge": "acknowledged",
            "explain": "reason for lateness recorded",
            "withdraw": "draft withdrawn",
        }[action]
        tx.summary = f"{verb} ({on.isoformat()})" if action != "explain" else verb
        doc = tx.edit(f"notifications/{notice_id}")
        for k, v in changes.items():
            _set(doc, k, v)
        _ledger_state(tx, reg, file_id, rec, changes)
    return StateResult(notice_id, kind, file_id, new_state, warnings, tx.commit_sha, dry_run)


# Where a new key goes in a notice or 台帳 entry: after the key it follows in the life of a notice.
_AFTER = {
    "withdrawn_on": ("drafted_on", "state"),
    "withdrawn_reason": ("withdrawn_on",),
    "submitted_on": ("drafted_on", "state"),
    "acknowledged_on": ("submitted_on",),
    "submitted_ref": ("submitted_on",),
    "acknowledged_ref": ("acknowledged_on",),
    "late_reason": ("acknowledged_ref", "acknowledged_on", "submitted_ref", "submitted_on"),
}


def _set(doc: Any, key: str, value: Any) -> None:
    """Set `key` in a round-trip mapping, a new key placed after its predecessor (a readable one-line diff)."""
    if key in doc or not hasattr(doc, "insert"):
        doc[key] = value
        return
    keys = list(doc)
    for before in _AFTER.get(key, ()):
        if before in doc:
            doc.insert(keys.index(before) + 1, key, value)
            return
    doc[key] = value


def _submit_warnings(reg: Register, file_rec: Record, rec: Record, on: date, explained: bool) -> list[str]:
    data = rec.data
    kind = str(data.get("kind"))
    out = []
    decision = notices.decision_for(reg, file_rec.data)
    current = notices.items_hash(kind, file_rec.data, notices.management_class(file_rec.data, decision))
    if data.get("items_hash") != current:
        out.append(
            f"files/{file_rec.id} changed since this notice was drafted: it no longer states the file as it is; "
            f"draft a new one with `meti-pi notify {file_rec.id} --kind {kind}`"
        )
    if not data.get("change") and kind in notices.NOTICE_KINDS:
        req = notices.requirement(kind, file_rec.data, reg.policy)
        if req.due is not None and on > req.due and not explained:
            out.append(
                f"made after its due date {req.due.isoformat()} (Art. {req.article}); record why with "
                f"`meti-pi notify explain {rec.id} --reason TEXT`"
            )
    return out


def _ledger_state(tx: Any, reg: Register, file_id: str, rec: Record, changes: dict[str, Any]) -> None:
    """Mirror a notice's state and dates in the file's 台帳 entry (the 副総括's notices only)."""
    data = rec.data
    if data.get("kind") not in notices.NOTICE_KINDS:
        return  # the ministry's own notices to the PPC are not notices the 副総括 received (Art. 38)
    mirrored = {k: v for k, v in changes.items() if k in ("state", "submitted_on", "acknowledged_on")}
    if reg.get("ledger", file_id) is None:
        entry = {
            "notification": rec.id,
            "kind": data.get("kind"),
            "change": bool(data.get("change")),
            "date": data.get("drafted_on"),
            **({"items_hash": data["items_hash"]} if data.get("items_hash") else {}),
            "state": data.get("state"),
            **mirrored,
        }
        tx.create("ledger", {"file": file_id, "notified": [entry]}, id=file_id)
        return
    if not mirrored:
        return
    doc = tx.edit(f"ledger/{file_id}")
    if "notified" not in doc or doc["notified"] is None:
        doc["notified"] = []
    for entry in doc["notified"]:
        if entry.get("notification") == rec.id:
            for k, v in mirrored.items():
                _set(entry, k, v)
            return
    doc["notified"].append(
        {
            "notification": rec.id,
            "kind": data.get("kind"),
            "change": bool(data.get("change")),
            "date": data.get("drafted_on"),
            "state": data.get("state"),
            **mirrored,
        }
    )


@dataclass
class PpcResult:
    """What `notify record` wrote."""

    id: str
    kind: str
    file: str
    on: str
    commit: str | None
    dry_run: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "article": notices.ARTICLE[self.kind],
            "file": self.file,
            "state": "submitted",
            "submitted_on": self.on,
            "commit": self.commit,
            "dry_run": self.dry_run,
        }


def record_ppc_notice(
    root: Path,
    file_id: str,
    kind: str,
    *,
    today: date,
    on: date | None = None,
    ref: str | None = None,
    late_reason: str | None = None,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> PpcResult:
    """Record that the ministry notified the PPC (APPI 74(1) of holding or changing a file, 74(3) of
    ending it or of its falling under 74(2)(ix)): a notification record in state submitted."""
    if kind not in notices.PPC_KINDS:
        raise UsageError(f"--kind must be one of {', '.join(notices.PPC_KINDS)} (the ministry's notices to the PPC)")
    on = on or today
    _not_after_today(on, today, "notice date")
    article = notices.ARTICLE[kind]
    with transaction(
        root,
        command="notify record",
        article=article,
        today=today,
        dry_run=dry_run,
        summary=f"{article} notice to the PPC for files/{file_id} ({on.isoformat()})",
        settings=settings,
    ) as tx:
        reg = tx.register()  # as HEAD holds it: a refusal says so of a file edited since (store.problems)
        rec = _file_record(reg, file_id, Advised(tx.repo, settings.here), "recording a notice to the PPC")
        if kind == "appi-74-3" and not any(r.kind == kind for r in notices.ppc_requirements(reg, rec, on)):
            # APPI 74(3): 遅滞なく after a notified file stops being held or falls under 74(2)(ix).
            raise RuleViolation(
                f"files/{rec.id}: no APPI 74(3) notice can be recorded on {on.isoformat()}: it follows the end of "
                f"holding (holding.end on or before that day) or the fall under 74(2)(ix) ({item_9_words(reg.policy)}) of a file "
                f"notified to the PPC, and files/{rec.id}.yaml shows neither; record that first. Nothing was written."
            )
        earlier = [
            r
            for r in reg.of_kind("notifications")
            if r.data.get("file") == rec.id
            and r.data.get("kind") == kind
            and r.data.get("state") in notices.MADE_STATES
        ]
        record: dict[str, Any] = {
            "kind": kind,
            "file": rec.id,
            "change": kind == "appi-74-1" and bool(earlier),
            "state": "submitted",
            "drafted_on": on.isoformat(),
            "submitted_on": on.isoformat(),
        }
        if kind == "appi-74-1":  # what was notified, so that a later change is seen (74(1), 変更しようとするとき)
            record["items_hash"] = notices.ppc_items_hash(rec.data)
            record["items_version"] = notices.ITEMS_VERSION
        if ref and ref.strip():
            record["submitted_ref"] = _screen("--ref", ref.strip())
        if late_reason and late_reason.strip():
            record["late_reason"] = _screen("--late-reason", late_reason.strip())
        nid = allocate("N", {r.id for r in reg.of_kind("notifications")}, today)
        tx.create("notifications", record, id=nid)
    return PpcResult(nid, kind, rec.id, on.isoformat(), tx.commit_sha, dry_run)
