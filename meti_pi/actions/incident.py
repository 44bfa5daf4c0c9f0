"""Actions of `incident` (規程 Arts. 39, 40): open, update and close an incident, each as one commit.

The cli parses the options into plain values (the facts as a mapping, keys as the facts file's);
the rules of each command are here: free text is screened and references checked before anything
is computed or written, the record is computed by meti_pi.incident (pure) from the register read
under the lock, and written through the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.actions.records import require_record
from meti_pi.actions.transaction import transaction
from meti_pi.classify import screening
from meti_pi.errors import RuleViolation, UsageError
from meti_pi.incident import incidents
from meti_pi.incident import reports as incident_reports
from meti_pi.incident.incidents import FACTS
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import policy as policy_mod
from meti_pi.store.problems import refuse_failing_schema
from meti_pi.store.register import Register
from meti_pi.store.yamlio import to_plain


@dataclass
class Written:
    """What an incident action wrote (or, with dry_run, would write)."""

    id: str
    record: dict[str, Any]
    commit: str | None
    what: str = ""
    masked: list[str] = field(default_factory=list)  # free-text fields masked with ＊ (policy incident.screening: mask)
    unrequired_event: str | None = None  # an --event recorded although the assessment does not require it


@dataclass
class Update:
    """One `incident update`: an event of the reporting chain and/or changed facts."""

    event: str | None = None
    on: date | None = None  # the day given with --on (None: today for an event, the known date for a fact)
    note: str | None = None
    method: str | None = None
    reference: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # changed facts and top-level keys, as in a facts file
    files: list[str] = field(default_factory=list)  # files added
    measures_done: list[str] = field(default_factory=list)  # added
    measures_planned: list[str] = field(default_factory=list)  # added
    no_planned_measures: bool = False
    unset: list[str] = field(default_factory=list)  # facts set back to unknown
    refresh_rules: bool = False


def load_incident(reg: Register, incident_id: str) -> dict[str, Any]:
    data: dict[str, Any] = require_record(reg, "incidents", incident_id, hint="see `meti-pi incident list`").data
    return data


def incident_to_draft(reg: Register, incident_id: str) -> dict[str, Any]:
    """The incident a draft is written from; one that fails its schema breaks the rules (exit 1, its
    problems at their lines), as for a notice's ファイル簿 record: `facts.information_items: [..]` was
    printed into the 公表 draft as a Python list, without a word."""
    rec = require_record(reg, "incidents", incident_id, hint="see `meti-pi incident list`")
    refuse_failing_schema(reg, (rec,), "drafting a document from it")
    data: dict[str, Any] = rec.data
    return data


def open_incident(
    root: Path, raw: dict[str, Any], *, today: date, dry_run: bool = False, settings: Settings = DEFAULT
) -> Written:
    """Record a new incident from its facts (`raw`, keys as a facts file's) and assess it."""
    top, facts = incidents.split_input(raw)
    with transaction(
        root,
        command="incident open",
        article="39",
        today=today,
        dry_run=dry_run,
        summary="incident opened",
        settings=settings,
    ) as tx:
        # Decided under the lock from the register the commit sits on, read lazily (issue 18: reading
        # the whole work tree first cost what the register holds).
        reg = tx.register()
        masked = _screen(str(reg.policy["incident"]["screening"]), top, facts)
        _check_refs(reg, top)
        record = incidents.new_record(
            top, facts, _file_infos(reg, top.get("files") or []), _snapshot(reg, today), today=today
        )
        tx.summary = _commit_summary(record, "incident opened")
        rid = tx.create("incidents", record)
    return Written(rid, record, tx.commit_sha, "incident opened", masked)


def update_incident(
    root: Path,
    incident_id: str,
    change: Update,
    *,
    today: date,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> Written:
    """Record an event of the reporting chain and/or changed facts (re-assessing as of the day).

    What the options alone decide is refused before the lock; the rest is decided under it, from the
    register the commit will sit on, read lazily (issue 18: reading the whole work tree first cost
    what the register holds). Bad input raises inside the transaction: nothing is written."""
    event = change.event
    if event is not None and event not in incidents.RECORDABLE_EVENTS:
        raise UsageError(f"--event {event}: unknown; one of {', '.join(incidents.RECORDABLE_EVENTS)}")
    if event == "note" and not change.note:
        raise UsageError("--event note needs --note TEXT")
    for name in change.unset:
        if name not in incidents.FACTS:
            raise UsageError(f"--unset {name}: not a fact; one of {', '.join(incidents.FACTS)}")
    key = f"incidents/{incident_id}"
    with transaction(
        root,
        command="incident update",
        today=today,
        dry_run=dry_run,
        summary="incident updated",
        subject_record=key,
        settings=settings,
    ) as tx:
        reg = tx.register()
        current = load_incident(reg, incident_id)
        top, facts, extra = _update_input(current, change)
        masked = _screen(str(reg.policy["incident"]["screening"]), top, facts, extra)
        _check_refs(reg, top)
        if event is None and extra:
            raise UsageError("--note/--method/--reference belong to an --event")
        what = (
            f"{event} recorded"
            if event
            else ("rules refreshed" if change.refresh_rules and not facts and not top else "facts changed")
        )
        doc = tx.edit(key)
        new = incidents.update_record(
            to_plain(doc),
            changes=facts,
            top_changes=top,
            event={"event": event, **extra} if event else None,
            files=_file_infos(reg, list(top.get("files") or current.get("files") or [])),
            on=change.on or today,
            today=today,
            new_snapshot=_snapshot(reg, today) if change.refresh_rules else None,
            # A fact's date defaults to the day the incident was known, not today (item 9 of issue 14).
            facts_on=change.on or date.fromisoformat(str(top.get("known_on") or current["known_on"])),
        )
        tx.article = incidents.event_article(event, new)
        if event is None and set(facts) & {"cause", "measures_done", "measures_planned"}:
            tx.article = "40(1)"  # cause analysis and recurrence-prevention measures
        tx.summary = _commit_summary(new, what)
        _apply(doc, new)
    step = next((s for s in new["chain"] if s["step"] == event), None)
    unrequired = event if step is not None and not step["required"] else None
    return Written(incident_id, new, tx.commit_sha, what, masked, unrequired)


def _update_input(current: dict[str, Any], change: Update) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(top-level changes, fact changes, the event's note/method/reference) of `change` to `current`."""
    raw = dict(change.raw)
    if change.files:
        raw["files"] = list(dict.fromkeys([*(current.get("files") or []), *change.files]))
    old_facts = current.get("facts") or {}
    if change.measures_done:
        raw["measures_done"] = [*(old_facts.get("measures_done") or []), *change.measures_done]
    if change.measures_planned:
        raw["measures_planned"] = [*(old_facts.get("measures_planned") or []), *change.measures_planned]
    elif change.no_planned_measures:
        raw["measures_planned"] = list(old_facts.get("measures_planned") or [])
    for name in change.unset:
        raw[name] = None
    top, facts = incidents.split_input(raw)
    extra = {
        k: v
        for k, v in (("note", change.note), ("method", change.method), ("reference", change.reference))
        if v is not None
    }
    return top, facts, extra


def close_incident(
    root: Path,
    incident_id: str,
    *,
    on: date | None,
    today: date,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> Written:
    """Close an incident; refused (RuleViolation) while Art. 40 cause analysis and measures, or a
    required report, are missing. Decided under the lock from the register the commit will sit on."""
    day = on or today
    key = f"incidents/{incident_id}"
    with transaction(
        root,
        command="incident close",
        article="40",
        today=today,
        dry_run=dry_run,
        summary="incident closed",
        subject_record=key,
        settings=settings,
    ) as tx:
        current = load_incident(tx.register(), incident_id)
        if current.get("state") == "closed":
            closed = f" on {current['closed_on']}" if current.get("closed_on") else ""
            raise UsageError(f"{key} is already closed{closed}; nothing was written (`meti-pi incident list`)")
        if day > today or day.isoformat() < str(current.get("known_on")):
            raise UsageError(
                f"--on {day.isoformat()}: must lie between the known date ({current.get('known_on')}) and today "
                f"({today.isoformat()}); give the day the incident was closed"
            )
        doc = tx.edit(key)
        fresh = to_plain(doc)
        problems = incidents.close_problems(fresh, f"{key}.yaml", today, tx.register().get("incidents", incident_id))
        if problems:
            raise RuleViolation(
                f"{key} cannot be closed yet ({len(problems)} open requirement(s); nothing was written)",
                tuple(problems),
            )
        new = incidents.close_record(fresh, on=day, today=today)
        _apply(doc, new)
    return Written(incident_id, new, tx.commit_sha, "incident closed")


# -- the rules shared by open and update -----------------------------------------------------


def _screen(mode: str, top: dict[str, Any], facts: dict[str, Any], extra: dict[str, Any] | None = None) -> list[str]:
    """Screen every free text in place (refuse: UsageError before anything is written); the fields masked."""
    masked: list[str] = []

    def one(field: str, value: Any) -> Any:
        if value is None:
            return None
        new = screening.check_data(value, mode, field)
        if new != value:
            masked.append(field)
        return new

    if "summary" in top:
        top["summary"] = one("summary", top["summary"])
    for key in list(facts):
        if FACTS[key][0] in ("text", "texts"):
            facts[key] = one(f"facts.{key}", facts[key])
    for key in list(extra or {}):
        assert extra is not None
        extra[key] = one(f"--{key}", extra[key])
    return masked


class UnknownReference(UsageError):
    """A file or division the facts name that the register does not hold (exit 2), said as the
    option's (`--file F-X: ...`); `key` (files, division), `value` and `rest` let the command say it
    at the --from file's line where the file gave it."""

    def __init__(self, key: str, option: str, value: str, rest: str) -> None:
        super().__init__(f"{option} {value}: {rest}")
        self.key, self.value, self.rest = key, value, rest


def _check_refs(reg: Register, top: dict[str, Any]) -> None:
    for fid in top.get("files") or []:
        if reg.get("files", fid) is None:
            raise UnknownReference(
                "files", "--file", fid, f"no such file in the register (files/{fid}.yaml); check the id"
            )
    div = top.get("division")
    if div and reg.get("divisions", div) is None:
        raise UnknownReference(
            "division", "--division", div, f"no such division in the register (divisions/{div}.yaml); check the id"
        )


def _file_infos(reg: Register, file_ids: list[str]) -> list[Any]:
    return [incidents.file_info(fid, reg.data_of("files", fid)) for fid in file_ids]


def _snapshot(reg: Register, today: date) -> dict[str, Any]:
    cites = reg.singletons.get("citations.yaml")
    return incidents.rules_snapshot(
        reg.policy, cites.data if cites is not None and isinstance(cites.data, dict) else None, today
    )


def _commit_summary(record: dict[str, Any], what: str) -> str:
    a = record["assessment"]
    if not a["ppc_report"]:
        return f"{what}; PPC report not required"
    d = a["deadlines"]
    due = f"; 速報の目安 {d['preliminary_report']}, 確報 {d['final_report']}" if d.get("final_report") else ""
    return f"{what}; PPC report required ({', '.join(a['grounds'])}){due}"


def _apply(doc: Any, new: dict[str, Any]) -> None:
    """Change the round-trip document in place to equal `new`, touching only what differs.

    Lists that only grew (the append-only events) are extended, so the diff shows the new entries.
    Values are copied on the way in: an object shared by two places would be written as a YAML
    anchor and alias, which register files refuse.
    """

    def fresh(value: Any) -> Any:
        return json.loads(json.dumps(value, ensure_ascii=False))

    for key in [k for k in doc if k not in new]:
        del doc[key]
    for key, value in new.items():
        old = doc.get(key, None)
        if isinstance(value, dict) and isinstance(old, dict):
            _apply(old, value)
        elif isinstance(value, list) and isinstance(old, list):
            plain_old = to_plain(old)
            if plain_old == value:
                continue
            if len(plain_old) == len(value) and all(
                isinstance(v, dict) and isinstance(o, dict) for v, o in zip(value, old)
            ):
                for o, v in zip(old, value):
                    _apply(o, v)
            elif plain_old == value[: len(plain_old)]:
                old.extend(fresh(value[len(plain_old) :]))
            else:
                doc[key] = fresh(value)
        elif key not in doc or to_plain(old) != value:
            doc[key] = fresh(value)


def report_context(reg: Register, record: Mapping[str, Any], today: date) -> incident_reports.Context:
    """What an incident's documents say beside the incident: its 課等 and files from `reg`, the
    document style and the report items from its policy, the law articles by its citations.yaml."""
    div = reg.division_of(record.get("division")) or {}
    file_data = [reg.data_of("files", fid) or {} for fid in record.get("files") or []]
    file_orgs = [str((reg.division_of(f.get("division")) or {}).get("org") or f.get("org") or "") for f in file_data]
    return incident_reports.Context(
        today=today,
        organisation=incident_reports.organisation_for(
            div, file_orgs, str(reg.meta.get("organisation") or "経済産業省")
        ),
        division_name=div.get("name"),
        division_address=div.get("address"),
        division_phone=(div.get("contact") or {}).get("phone"),
        division_email=(div.get("contact") or {}).get("email"),
        files=tuple((fid, f.get("name")) for fid, f in zip(record.get("files") or [], file_data, strict=True)),
        fullwidth_digits=policy_mod.fullwidth_digits(reg.policy),
        eras=policy_mod.eras(reg.policy),
        report_items=tuple(reg.policy["incident"]["report_items"]),
        notice_items=tuple(reg.policy["incident"]["notice_items"]),
        citations=reg.citations,
    )
