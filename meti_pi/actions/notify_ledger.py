"""`notify log`: the 台帳 event log; `notify --check` over the register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.actions.notify_drafting import EVENT_ARTICLES, _file_record, _not_after_today
from meti_pi.actions.transaction import transaction
from meti_pi.classify import screening
from meti_pi.dates.calendar_jp import parse_day
from meti_pi.errors import RuleViolation, UsageError
from meti_pi.inspect.provisions import barred_for_my_number
from meti_pi.notify.recorded import notice_made
from meti_pi.notify.requirements import decision_for
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.problems import at
from meti_pi.store.register import Register


@dataclass
class LogResult:
    """What `notify log` appended to the 台帳."""

    file: str
    event: dict[str, Any]
    commit: str | None
    dry_run: bool

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "event": self.event, "commit": self.commit, "dry_run": self.dry_run}


def _screen(field_name: str, text: str) -> str:
    """Refuse personal data in a 台帳 text (the 台帳 records handling, never the data handled)."""
    found = screening.screen(text)
    if found:
        kinds = ", ".join(dict.fromkeys(f"{f.kind_ja} ({f.kind})" for f in found))
        where = ", ".join(str(f.start + 1) for f in found)
        raise UsageError(
            f"{field_name}: looks like it holds personal data — {kinds} at character {where}; "
            "describe the event without it. Nothing was written."
        )
    return text.strip()


def log_event(
    root: Path,
    file_id: str,
    kind: str,
    *,
    today: date,
    summary: str,
    on: date | None = None,
    recipient: str | None = None,
    basis: str | None = None,
    method: str | None = None,
    ref: str | None = None,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> LogResult:
    """Append a use or storage event to the file's 台帳 entry (Art. 38), creating the entry if needed."""
    if kind not in EVENT_ARTICLES:
        raise UsageError(f"--kind must be one of {', '.join(EVENT_ARTICLES)}")
    if not summary or not summary.strip():
        raise UsageError("--summary is required: what happened (without personal data)")
    if kind == "provision" and not (recipient and recipient.strip()):
        raise UsageError("a provision (Art. 12) needs --recipient: to whom the data was provided")
    on = on or today
    _not_after_today(on, today, "event date")
    event: dict[str, Any] = {
        "date": on.isoformat(),
        "kind": kind,
        "article": EVENT_ARTICLES[kind],
        "summary": _screen("--summary", summary),
    }
    for name, value in (("recipient", recipient), ("basis", basis), ("method", method), ("ref", ref)):
        if value and value.strip():
            event[name] = _screen(f"--{name}", value)
    reg = Register.load(root, settings=settings)
    rec = _file_record(reg, file_id)
    if not notice_made(reg, rec.id):
        # Art. 38: the 台帳 is kept of what the 副総括 was notified of (Arts. 35/36), nothing else.
        raise RuleViolation(
            f"files/{rec.id} has no Art. 35/36 notice made (submitted or acknowledged): the 台帳 is kept of the "
            "保有個人情報等 the 副総括 was notified of (規程第38条); make the notice first (`meti-pi notify "
            f"{rec.id}`, then `meti-pi notify submit` with the day it was given). Nothing was written."
        )
    start = parse_day((rec.data.get("holding") or {}).get("start"))
    if kind != "other" and start is not None and on < start:
        # Art. 38: the 台帳 records the handling of 保有個人情報等; before the holding there is none to handle.
        found = at(
            rec,
            ("holding", "start"),
            "ledger-before-holding",
            f"the file is held from {start.isoformat()} (holding.start): a {kind} on {on.isoformat()} would be of data "
            "not yet held",
        )
        raise RuleViolation(
            f"{rec.relpath}: holding.start is {start.isoformat()}; the 台帳 records the handling of the 保有個人情報等 "
            f"notified (規程第38条), and on {on.isoformat()} the file was not yet held: give the day of the event "
            "(--on), or correct holding.start if the holding began earlier. Nothing was written.",
            (found,),
        )
    if (
        kind == "provision"
        # 個人番号 as the engine reads it (the flag, or the 個人識別符号 recorded): its 35(3) notice too
        and decision_for(reg, rec.data).specific_personal_information
        and barred_for_my_number(basis)
    ):
        raise RuleViolation(
            "--basis cites 個人情報保護法第69条, which 番号法第30条第1項 rewrites for 特定個人情報 (第2項第2号～第4号 "
            f"taken away, 第1項 and 第2項第1号 read as the body's own use): files/{rec.id} holds 個人番号, whose "
            "provision rests on 番号法第19条 alone; give the item of 番号法第19条 (e.g. 番号法第19条第2号). "
            "Nothing was written."
        )
    labels = {
        "provision": "provision (Art. 12)",
        "purpose_change": "purpose change (Art. 9(3))",
        "disposal": "disposal (Art. 21)",
    }
    with transaction(
        root,
        command="notify log",
        article=EVENT_ARTICLES[kind],
        today=today,
        dry_run=dry_run,
        summary=f"台帳: {labels.get(kind, kind)} on {on.isoformat()}",
        subject_record=f"ledger/{file_id}",
        settings=settings,
    ) as tx:
        # Create or edit, decided under the lock: two first logs at once must not both create it.
        if tx.read_text(f"ledger/{rec.id}.yaml") is None:
            tx.create("ledger", {"file": rec.id, "events": [event]}, id=rec.id)
        else:
            doc = tx.edit(f"ledger/{rec.id}")
            if "events" not in doc or doc["events"] is None:
                doc["events"] = []
            doc["events"].append(event)
    return LogResult(rec.id, event, tx.commit_sha, dry_run)
