"""Incident records: building and changing them, listing them, and validate's findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from meti_pi.errors import Problem, UsageError
from meti_pi.incident.assessment import assess
from meti_pi.incident.chain import STEPS, chain, next_due, overdue
from meti_pi.incident.facts import FileInfo, Rules, check_consistent, full_facts
from meti_pi.store import yamlload
from meti_pi.store.problems import at as problem_at

if TYPE_CHECKING:
    from meti_pi.store.register import Record


def new_record(
    top: Mapping[str, Any], facts: Mapping[str, Any], files: list[FileInfo], snapshot: Mapping[str, Any], *, today: date
) -> dict[str, Any]:
    """The data of a new incident record (without id)."""
    if not top.get("known_on"):
        raise UsageError("known_on: required (the day any unit of the ministry knew; --known-on DATE)")
    if not top.get("summary"):
        raise UsageError("summary: required (--summary TEXT), an outline without personal data")
    known = date.fromisoformat(top["known_on"])
    if known > today:
        raise UsageError(
            f"known_on: {known.isoformat()} is after today ({today.isoformat()}); an incident cannot be known in the future"
        )
    record: dict[str, Any] = {
        "known_on": known.isoformat(),
        "division": top.get("division"),
        "files": list(top.get("files") or []),
        "summary": top["summary"],
        "state": "open",
        "opened_on": today.isoformat(),
        "closed_on": None,
        "facts": full_facts(facts),
        "rules_snapshot": dict(snapshot),
    }
    check_consistent(record["facts"], known_on=record["known_on"])
    record["assessment"] = assess(record["facts"], files, Rules.from_snapshot(snapshot), known_on=known, on=known)
    record["events"] = [{"event": "opened", "on": today.isoformat(), "recorded_on": today.isoformat()}]
    record["chain"] = chain(record)
    return _ordered(record)


_ORDER = (
    "schema_version",
    "id",
    "known_on",
    "division",
    "files",
    "summary",
    "state",
    "opened_on",
    "closed_on",
    "facts",
    "assessment",
    "rules_snapshot",
    "chain",
    "events",
)


def _ordered(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in _ORDER if k in record} | {k: v for k, v in record.items() if k not in _ORDER}


def update_record(
    record: Mapping[str, Any],
    *,
    changes: Mapping[str, Any],
    top_changes: Mapping[str, Any] | None = None,
    event: Mapping[str, Any] | None = None,
    files: list[FileInfo],
    on: date,
    today: date,
    new_snapshot: Mapping[str, Any] | None = None,
    facts_on: date | None = None,
) -> dict[str, Any]:
    """A copy of `record` with changed facts (re-assessed as of `facts_on`), an event appended (on `on`), or both.

    `facts_on` defaults to `on`; the CLI passes the known date when no `--on` is given, so a fact
    recorded late does not move day 1 (issue 14 item 9). Events are only ever appended.
    `new_snapshot` (an explicit `--refresh-rules`) replaces the rules the incident is assessed
    under; otherwise its own snapshot is kept.
    """
    if record.get("state") == "closed":
        raise UsageError(
            "this incident is closed; a closed record is not changed (open a new incident for a new event)"
        )
    new = dict(record.items())
    known = date.fromisoformat(str((top_changes or {}).get("known_on") or record["known_on"]))
    if known > today:  # said as such, not as the default --on (today) coming before it
        raise UsageError(
            f"known_on: {known.isoformat()} is after today ({today.isoformat()}); an incident cannot be known in the future"
        )
    if on < known:
        raise UsageError(f"--on {on.isoformat()} is before the known date {known.isoformat()}")
    if on > today:
        raise UsageError(
            f"--on {on.isoformat()} is after today ({today.isoformat()}); record an event once it has happened"
        )
    fact_day = max(facts_on, known) if facts_on is not None else on
    if fact_day > today:
        raise UsageError(
            f"--on {fact_day.isoformat()} is after today ({today.isoformat()}); record a fact once it is known"
        )
    events = [dict(e) for e in record.get("events") or []]
    if known.isoformat() > str(record["known_on"]):
        _check_known_not_after_record(record, events, known)
    diff: dict[str, dict[str, Any]] = {}
    facts = dict(full_facts(record.get("facts") or {}))
    for key, value in changes.items():
        if facts.get(key) != value:
            diff[key] = {"from": facts.get(key), "to": value}
            facts[key] = value
    for key, value in (top_changes or {}).items():
        if record.get(key) != value:
            diff[key] = {"from": record.get(key), "to": value}
            new[key] = value
    new["facts"] = facts
    # Only the pairs this input touches: a record that holds one from before is not refused its events.
    check_consistent(facts, {*changes, *(top_changes or {})}, known_on=known.isoformat())
    if new_snapshot is not None:
        new["rules_snapshot"] = dict(new_snapshot)
        events.append(
            {
                "event": "rules-refreshed",
                "on": on.isoformat(),
                "recorded_on": today.isoformat(),
                "policy_version": new_snapshot.get("policy_version"),
            }
        )
    if diff or new_snapshot is not None:
        old = dict(record.get("assessment") or {})
        if "known_on" in diff and old.get("reportable_since") == record.get("known_on"):
            old["reportable_since"] = (
                known.isoformat()
            )  # reportable from the start: day 1 moves with the corrected date
        new["assessment"] = assess(
            facts, files, Rules.from_snapshot(new["rules_snapshot"]), known_on=known, on=fact_day, previous=old
        )
        if diff:
            events.append(
                {
                    "event": "facts-changed",
                    "on": fact_day.isoformat(),
                    "recorded_on": today.isoformat(),
                    "changes": diff,
                    "result": {
                        "ppc_report": new["assessment"]["ppc_report"],
                        "grounds": list(new["assessment"]["grounds"]),
                    },
                }
            )
    if event is not None:
        entry = {"event": event["event"], "on": on.isoformat(), "recorded_on": today.isoformat()}
        entry.update({k: v for k, v in event.items() if k not in ("event", "on", "recorded_on") and v is not None})
        same = [i for i, e in enumerate(events) if {**e, "recorded_on": None} == {**entry, "recorded_on": None}]
        if same and not diff and new_snapshot is None:  # the same command again (or run twice at once)
            raise UsageError(
                f"already recorded: events[{same[0]}] is this {entry['event']} on {entry['on']} with the same "
                "details; nothing was written"
            )
        if not same:
            events.append(entry)
    if len(events) == len(record.get("events") or []):
        raise UsageError("nothing to record: give an --event, a changed fact, or --refresh-rules")
    new["events"] = events
    new["chain"] = chain(new)
    return _ordered(new)


def _check_known_not_after_record(record: Mapping[str, Any], events: list[dict[str, Any]], known: date) -> None:
    """A known date moved later may not pass what the record shows was known already: the day the
    incident was recorded, or a step of the chain (day 1 of the PPC deadlines would move late)."""
    shown = [("opened", str(record.get("opened_on") or ""))] + [
        (str(e.get("event")), str(e.get("on") or "")) for e in events if e.get("event") in STEPS
    ]
    before = [(day, name) for name, day in shown if day and day < known.isoformat()]
    if before:
        day, name = min(before)
        raise UsageError(
            f"known_on {known.isoformat()} is after {name} on {day}: the ministry knew of the incident by then; "
            f"give --known-on {day} or earlier"
        )


def close_problems(record: Mapping[str, Any], relpath: str, today: date, rec: Record | None = None) -> list[Problem]:
    """Why the incident may not be closed yet (empty: it may). Art. 40 and the pending reports;
    located at their lines in `rec` (the record's file) when given."""
    problems: list[Problem] = []
    rid = record.get("id") or "ID"

    def need(code: str, message: str, key: str) -> None:
        if rec is not None:
            problems.append(problem_at(rec, yamlload.key_steps(key), code, message))
        else:
            problems.append(Problem(relpath, None, code, message, "error", key))

    if record.get("state") == "closed":
        need("incident-closed", "already closed", "$.state")
        return problems
    facts = record.get("facts") or {}
    a = record.get("assessment") or {}
    if a.get("ppc_report"):
        # Art. 40(1): the event is one the 規則 defines (or reported as one): cause and measures.
        if not facts.get("cause"):
            need(
                "incident-cause",
                f"Art. 40(1): record the cause analysis (`meti-pi incident update {rid} --cause TEXT`)",
                "$.facts.cause",
            )
        if not facts.get("measures_done"):
            need(
                "incident-measures",
                "Art. 40(1): record the recurrence-prevention measures taken (`--measure-done TEXT`)",
                "$.facts.measures_done",
            )
        if facts.get("measures_planned") is None:
            need(
                "incident-measures-planned",
                "Art. 40(1): record the measures planned (`--measure-planned TEXT`, or `--no-planned-measures` when none)",
                "$.facts.measures_planned",
            )
    for step in chain(record):
        if step["required"] and not step["done_on"] and step["step"] != "cause-and-measures":
            need(
                "incident-step-pending",
                f"Art. {step['article']}: {step['step']} ({step['title']}) is not recorded; "
                f"record it with `meti-pi incident update {rid} --event {step['step']} --on DATE`",
                "$.events",
            )
    return problems


def close_record(record: Mapping[str, Any], *, on: date, today: date) -> dict[str, Any]:
    """A copy of `record`, closed on `on` (call close_problems first)."""
    new = dict(record)
    new["state"] = "closed"
    new["closed_on"] = on.isoformat()
    new["events"] = [
        *(record.get("events") or []),
        {"event": "closed", "on": on.isoformat(), "recorded_on": today.isoformat()},
    ]
    new["chain"] = chain(new)
    return _ordered(new)


def event_article(event: str | None, record: Mapping[str, Any]) -> str:
    """The article trailer of a change: the step's article, else the chapter (39)."""
    if event in STEPS:
        for s in chain(record):
            if s["step"] == event:
                return str(s["article"])
    return "39"


def list_rows(
    records: Iterable[tuple[str, Mapping[str, Any]]],
    today: date,
    *,
    only_open: bool = False,
    only_overdue: bool = False,
) -> list[dict[str, Any]]:
    """One summary row per incident (id, state, PPC report, deadlines, next due, overdue steps)."""
    rows = []
    for rid, data in records:
        late = overdue(data, today)
        if only_open and data.get("state") != "open":
            continue
        if only_overdue and not late:
            continue
        a = data.get("assessment") or {}
        nxt = next_due(data)
        rows.append(
            {
                "id": rid,
                "state": data.get("state"),
                "known_on": data.get("known_on"),
                "division": data.get("division"),
                "ppc_report": a.get("ppc_report"),
                "grounds": list(a.get("grounds") or []),
                "deadlines": dict(a.get("deadlines") or {}),
                "next_due": {"step": nxt["step"], "article": nxt["article"], "due": nxt["due"]} if nxt else None,
                "overdue": [{"step": s["step"], "article": s["article"], "due": s["due"]} for s in late],
            }
        )
    rows.sort(key=lambda r: (str(r["known_on"]), r["id"]))
    return rows


def incident_findings(reg: Any, today: date) -> Iterator[Problem]:
    """Rule findings (warnings): every passed deadline of an open incident; personal data in its text."""
    from meti_pi.classify import screening

    # The records a check reports on (Register.subjects: all, or an incremental validate's few).
    for rec in getattr(reg, "subjects", reg.of_kind)("incidents"):
        data = rec.data
        try:
            late = overdue(data, today)
        except (KeyError, TypeError, ValueError):
            continue  # a record the schema let through but that cannot be computed: schema errors say why
        for step in late:
            key = (
                (
                    "assessment",
                    "deadlines",
                    "preliminary_report" if step["step"] == "preliminary-report" else "final_report",
                )
                if step["step"] in ("preliminary-report", "final-report")
                else ("events",)
            )
            when = (
                f"its target (速報の目安, 速やかに) was {step['due']}"
                if step["step"] == "preliminary-report"
                else f"was due {step['due']}"
            )
            yield problem_at(  # its line found (the file read again) only when read
                rec,
                key,
                "incident-overdue",
                f"Art. {step['article']}: {step['title']} ({step['step']}) {when} and is not recorded; "
                f"record it with `meti-pi incident update {rec.id} --event {step['step']} --on DATE`",
                "warning",
            )
        for path, finding in screening.findings_in({k: data.get(k) for k in ("summary", "facts", "events")}):
            yield Problem(
                rec.relpath,
                None,
                "incident-personal-data",
                f"{path}: looks like a {finding.kind_ja} ({finding.kind}); an incident record must not hold the leaked data — remove it",
                "warning",
                path,
            )
