"""`meti-pi incident`: open, update, report, close, list (規程 Arts. 39, 40).

Thin: options are parsed here, everything else is meti_pi.incident.incidents (pure) and meti_pi.gitlayer
(the write path). Free text is screened before anything is computed or written.
"""

from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from meti_pi.cli.common import DryRunOpt, JsonOpt, load_register, option_date, print_json, state
from meti_pi.errors import RuleViolation, UsageError

if TYPE_CHECKING:
    from meti_pi.store.register import Register

app = typer.Typer()
incident_app = typer.Typer(
    help="Art. 39/40 incidents: open, update, report, close, list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(incident_app, name="incident")


class DraftKind(str, Enum):
    preliminary = "preliminary"
    final = "final"
    principal_notice = "principal-notice"
    publication = "publication"


class DraftFormat(str, Enum):
    md = "md"
    docx = "docx"


class NoticeException(str, Enum):
    difficult = "difficult"
    nondisclosure = "nondisclosure"
    none = "none"


# -- options shared by open and update (named after the facts: cli-contract "incident") -------

FromOpt = Annotated[Path | None, typer.Option("--from", help="YAML file with the facts (keys as the options, snake_case).", show_default=False)]
KnownOnOpt = Annotated[str | None, typer.Option("--known-on", help="Day any unit of the ministry knew (YYYY-MM-DD): day 1 of the deadlines.", show_default=False)]
DivisionOpt = Annotated[str | None, typer.Option("--division", help="Division (divisions id) in charge.", show_default=False)]
FileOpt = Annotated[list[str] | None, typer.Option("--file", help="File (files id) involved; repeatable.", show_default=False)]
PrincipalsOpt = Annotated[int | None, typer.Option("--principals", min=0, help="Number of 本人 affected (omit when unknown).", show_default=False)]
PrincipalsMaxOpt = Annotated[int | None, typer.Option("--principals-max", min=0, help="Upper bound of the 本人 count when it is unknown.", show_default=False)]
SummaryOpt = Annotated[str | None, typer.Option("--summary", help="Outline without personal data (screened).", show_default=False)]


def _flag(name: str, text: str) -> Any:
    return Annotated[bool | None, typer.Option(f"--{name}/--no-{name}", help=text + " (omit: unknown)", show_default=False)]


SensitiveOpt = _flag("sensitive", "Includes 要配慮個人情報 (規則43(1)).")
FinancialOpt = _flag("financial", "Misuse may cause financial damage (規則43(2)).")
MaliciousOpt = _flag("malicious", "May have been done with 不正の目的, incl. unauthorized access and malware (規則43(3)).")
CyberOpt = _flag("cyber", "Outside unauthorized access or malware suspected: contain at once (Art. 39(2)); implies --malicious.")
MyNumberOpt = _flag("my-number", "Includes 個人番号 (特定個人情報): always reported to PPC unless encrypted.")
MyNumberSystemOpt = _flag("my-number-system", "特定個人情報 in the 情報提供NWS or a 個人番号 work system (番号法規則2(1)).")
ExposureOpt = _flag("public-exposure", "May have been viewed online by an unspecified number of people (番号法規則2(3)).")
AnonymizedOpt = _flag("anonymized-info", "Involves 行政機関等匿名加工情報等 (Art. 39(7), 40(3)).")
EncryptedOpt = _flag("encrypted", "Protected by strong encryption (the key not leaked): excluded from 規則43.")
MinorOpt = _flag("minor", "A minor case as the マニュアル defines (Art. 39(3): no report to the 総括).")
ContractorOpt = _flag("contractor", "A contractor (委託先) is involved.")
PublishOpt = _flag("publish", "The 管理者 decided to publish the event (Art. 39(4)).")
PublishMeasuresOpt = _flag("publish-measures", "The 管理者 decided to publish the measures (Art. 40(2)).")
OccurredOpt = Annotated[str | None, typer.Option("--occurred-on", help="Day the event occurred.", show_default=False)]
DiscoveredOpt = Annotated[str | None, typer.Option("--discovered-by", help="Who found it (a post or unit, never a name).", show_default=False)]
ItemsOpt = Annotated[str | None, typer.Option("--items", help="Items of the information concerned (report item 2).", show_default=False)]
CauseOpt = Annotated[str | None, typer.Option("--cause", help="Cause / cause analysis (report item 4; Art. 40(1)).", show_default=False)]
DamageOpt = Annotated[str | None, typer.Option("--secondary-damage", help="Secondary damage or its risk (report item 5).", show_default=False)]
OtherOpt = Annotated[str | None, typer.Option("--other", help="Other reference matters (report item 9).", show_default=False)]


def _bool_facts(**flags: bool | None) -> dict[str, Any]:
    return {k: v for k, v in flags.items() if v is not None}


def _read_facts_file(path: Path) -> dict[str, Any]:
    from meti_pi.store import limits, yamlload

    raw = limits.read_option_file(path, "--from facts file")
    try:
        data = yamlload.load(yamlload.decode(raw))
    except yamlload.YamlFault as fault:
        where = f"{path}:{fault.line}" if fault.line else str(path)
        raise UsageError(f"{where}: {fault}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a facts file is a YAML mapping (key: value lines)")
    return data


def _screen(mode: str, top: dict[str, Any], facts: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Screen every free text in place (refuse: UsageError before anything is written)."""
    from meti_pi.classify import screening
    from meti_pi.incident.incidents import FACTS

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
    for field in masked:
        sys.stderr.write(f"meti-pi: {field}: personal data masked with ＊ (policy incident.screening: mask)\n")


def _check_refs(reg: Register, top: dict[str, Any]) -> None:
    for fid in top.get("files") or []:
        if reg.get("files", fid) is None:
            raise UsageError(f"--file {fid}: no such file in the register (files/{fid}.yaml); check the id")
    div = top.get("division")
    if div and reg.get("divisions", div) is None:
        raise UsageError(f"--division {div}: no such division in the register (divisions/{div}.yaml); check the id")


def _file_infos(reg: Register, file_ids: list[str]) -> list[Any]:
    from meti_pi.incident.incidents import file_info

    return [file_info(fid, reg.data_of("files", fid)) for fid in file_ids]


def _snapshot(reg: Register, today: date) -> dict[str, Any]:
    from meti_pi.incident.incidents import rules_snapshot

    cites = reg.singletons.get("citations.yaml")
    return rules_snapshot(reg.policy, cites.data if cites is not None and isinstance(cites.data, dict) else None, today)


def _describe(rid: str, record: dict[str, Any], today: date) -> None:
    """Human summary of an incident on stdout."""
    from meti_pi.incident.incidents import next_due, overdue

    a = record["assessment"]
    out = typer.echo
    if a["ppc_report"]:
        out(f"  PPC report: REQUIRED — {', '.join(a['grounds'])}")
        d = a["deadlines"]
        snap = record["rules_snapshot"]
        if d.get("final_report"):
            out(f"  速報の目安 (target, 速やかに: 概ね{snap['preliminary_report_days_min']}～{snap['preliminary_report_days']}日以内; "
                f"not a statutory deadline) {d['preliminary_report']}, "
                f"確報 due {d['final_report']} ({a['final_report_days']} days from {a['reportable_since']}, rolled past 行政機関の休日)")
    else:
        out("  PPC report: not required" + (" (encryption exception)" if a["exclusions"] else ""))
    out(f"  principal notice: {'REQUIRED' if a['principal_notice'] else 'not required'}"
        + (f" (exception: {a['principal_notice_exception']})" if a["principal_notice_exception"] else ""))
    if a["unknown_facts"]:
        out(f"  unknown (不明): {', '.join(a['unknown_facts'])}")
    if a.get("assumed_facts"):
        from meti_pi.incident.incidents import ASSUMED_HINT

        out("  taken as possible while unknown (「おそれ」, as an unknown count is): record the answer to re-assess:")
        for key in a["assumed_facts"]:
            out(f"    {key}: {ASSUMED_HINT[key]}")
    nxt = next_due(record)
    def when(step: dict[str, Any]) -> str:  # the 速報 has a target (速報の目安), not a deadline
        return "target (速報の目安)" if step["step"] == "preliminary-report" else "due"

    if nxt:
        out(f"  next: {nxt['step']} (Art. {nxt['article']}) {when(nxt)} {nxt['due']}")
    for s in overdue(record, today):
        out(f"  OVERDUE: {s['step']} (Art. {s['article']}) was {when(s)} {s['due']}")


def _result_json(rid: str, record: dict[str, Any], commit: str | None, dry_run: bool, today: date) -> dict[str, Any]:
    from meti_pi.incident.incidents import overdue

    return {
        "id": rid,
        "commit": commit,
        "dry_run": dry_run,
        "state": record["state"],
        "known_on": record["known_on"],
        "assessment": record["assessment"],
        "chain": record["chain"],
        "overdue": [{"step": s["step"], "article": s["article"], "due": s["due"]} for s in overdue(record, today)],
        "facts": record["facts"],
    }


def _commit_summary(record: dict[str, Any], what: str) -> str:
    a = record["assessment"]
    if not a["ppc_report"]:
        return f"{what}; PPC report not required"
    d = a["deadlines"]
    due = f"; 速報の目安 {d['preliminary_report']}, 確報 {d['final_report']}" if d.get("final_report") else ""
    return f"{what}; PPC report required ({', '.join(a['grounds'])}){due}"


# -- open -----------------------------------------------------------------------------------


@incident_app.command("open")
def open_cmd(
    ctx: typer.Context,
    from_file: FromOpt = None,
    known_on: KnownOnOpt = None,
    division: DivisionOpt = None,
    files: FileOpt = None,
    principals: PrincipalsOpt = None,
    principals_max: PrincipalsMaxOpt = None,
    sensitive: SensitiveOpt = None,
    financial: FinancialOpt = None,
    malicious: MaliciousOpt = None,
    cyber: CyberOpt = None,
    my_number: MyNumberOpt = None,
    my_number_system: MyNumberSystemOpt = None,
    public_exposure: ExposureOpt = None,
    anonymized_info: AnonymizedOpt = None,
    encrypted: EncryptedOpt = None,
    minor: MinorOpt = None,
    contractor: ContractorOpt = None,
    occurred_on: OccurredOpt = None,
    discovered_by: DiscoveredOpt = None,
    items: ItemsOpt = None,
    cause: CauseOpt = None,
    secondary_damage: DamageOpt = None,
    other: OtherOpt = None,
    summary: SummaryOpt = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Record a new incident and assess it: PPC report (grounds), principal notice, deadlines, chain.

    Only --known-on and --summary are indispensable; what is missing is recorded as unknown (不明).
    Options override the same keys of a --from file.
    """
    from meti_pi import gitlayer
    from meti_pi.incident import incidents

    st = state(ctx)
    raw: dict[str, Any] = _read_facts_file(from_file) if from_file else {}
    given = {
        "known_on": known_on, "division": division, "files": files or None, "summary": summary,
        "principals": principals, "principals_max": principals_max, "occurred_on": occurred_on,
        "discovered_by": discovered_by, "information_items": items, "cause": cause,
        "secondary_damage": secondary_damage, "other": other,
    }
    raw.update({k: v for k, v in given.items() if v is not None})
    raw.update(_bool_facts(sensitive=sensitive, financial=financial, malicious=malicious, cyber=cyber, my_number=my_number,
                           my_number_system=my_number_system, public_exposure=public_exposure, anonymized_info=anonymized_info,
                           encrypted=encrypted, minor=minor, contractor_involved=contractor))
    top, facts = incidents.split_input(raw)
    with gitlayer.transaction(st.register_root, command="incident open", article="39", today=st.today, dry_run=dry_run,
                              summary="incident opened") as tx:
        # Decided under the lock from the register the commit sits on, read lazily (issue 18: reading
        # the whole work tree first cost what the register holds).
        reg = tx.register()
        _screen(str(reg.policy["incident"]["screening"]), top, facts)
        _check_refs(reg, top)
        record = incidents.new_record(top, facts, _file_infos(reg, top.get("files") or []), _snapshot(reg, st.today), today=st.today)
        tx.summary = _commit_summary(record, "incident opened")
        rid = tx.create("incidents", record)
    if json_out:
        print_json(_result_json(rid, record, tx.commit_sha, dry_run, st.today))
        return
    typer.echo(f"{'would open' if dry_run else 'opened'} incidents/{rid}" + (f" (commit {tx.commit_sha[:10]})" if tx.commit_sha else ""))
    _describe(rid, record, st.today)


# -- update ---------------------------------------------------------------------------------


def _apply(doc: Any, new: dict[str, Any]) -> None:
    """Change the round-trip document in place to equal `new`, touching only what differs.

    Lists that only grew (the append-only events) are extended, so the diff shows the new entries.
    Values are copied on the way in: an object shared by two places would be written as a YAML
    anchor and alias, which register files refuse.
    """
    import json

    from meti_pi.store.yamlio import to_plain

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
            if len(plain_old) == len(value) and all(isinstance(v, dict) and isinstance(o, dict) for v, o in zip(value, old)):
                for o, v in zip(old, value):
                    _apply(o, v)
            elif plain_old == value[: len(plain_old)]:
                old.extend(fresh(value[len(plain_old):]))
            else:
                doc[key] = fresh(value)
        elif key not in doc or to_plain(old) != value:
            doc[key] = fresh(value)


def _load_incident(reg: Register, incident_id: str) -> dict[str, Any]:
    from meti_pi.actions.records import require_record

    data: dict[str, Any] = require_record(reg, "incidents", incident_id, hint="see `meti-pi incident list`").data
    return data


@incident_app.command("update")
def update_cmd(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id (INC-...).")],
    event: Annotated[str | None, typer.Option("--event", help="A step of the chain that was done: report-to-manager, report-to-vice, containment, "
                                              "investigation-report, preliminary-report, final-report, art39-7-report, publication, principal-notice, "
                                              "art39-7-followup, measures-publication, art40-3-report; or note.", show_default=False)] = None,
    on: Annotated[str | None, typer.Option("--on", help="Day the event happened or the facts became known (default: today for an --event, "
                                           "the incident's known date for a fact, so a fact recorded late does not move day 1).", show_default=False)] = None,
    note: Annotated[str | None, typer.Option("--note", help="Note for the event (screened).", show_default=False)] = None,
    method: Annotated[str | None, typer.Option("--method", help="How (書面, 電話, PPCウェブフォーム ...).", show_default=False)] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="Document or receipt number, URL.", show_default=False)] = None,
    from_file: FromOpt = None,
    known_on: KnownOnOpt = None,
    division: DivisionOpt = None,
    files: FileOpt = None,
    principals: PrincipalsOpt = None,
    principals_max: PrincipalsMaxOpt = None,
    sensitive: SensitiveOpt = None,
    financial: FinancialOpt = None,
    malicious: MaliciousOpt = None,
    cyber: CyberOpt = None,
    my_number: MyNumberOpt = None,
    my_number_system: MyNumberSystemOpt = None,
    public_exposure: ExposureOpt = None,
    anonymized_info: AnonymizedOpt = None,
    encrypted: EncryptedOpt = None,
    minor: MinorOpt = None,
    contractor: ContractorOpt = None,
    publish: PublishOpt = None,
    publish_measures: PublishMeasuresOpt = None,
    occurred_on: OccurredOpt = None,
    discovered_by: DiscoveredOpt = None,
    items: ItemsOpt = None,
    cause: CauseOpt = None,
    secondary_damage: DamageOpt = None,
    other: OtherOpt = None,
    measure_done: Annotated[list[str] | None, typer.Option("--measure-done", help="A recurrence-prevention measure taken (added; repeatable).", show_default=False)] = None,
    measure_planned: Annotated[list[str] | None, typer.Option("--measure-planned", help="A measure planned (added; repeatable).", show_default=False)] = None,
    no_planned_measures: Annotated[bool, typer.Option("--no-planned-measures", help="Record that no further measures are planned.")] = False,
    notice_exception: Annotated[NoticeException | None, typer.Option("--notice-exception", help="APPI 68(2) exception: difficult (with --substitute-measure) or nondisclosure; none clears it.", show_default=False)] = None,
    substitute_measure: Annotated[str | None, typer.Option("--substitute-measure", help="Measure instead of notifying the 本人 (公表, 相談窓口...).", show_default=False)] = None,
    summary: SummaryOpt = None,
    unset: Annotated[list[str] | None, typer.Option("--unset", help="Set a fact back to unknown (null); repeatable.", show_default=False)] = None,
    refresh_rules: Annotated[bool, typer.Option("--refresh-rules", help="Re-assess under the current policy.yaml and citations (recorded as an event).")] = False,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Record an event of the reporting chain and/or changed facts (re-assessing), as one commit.

    A changed fact is re-assessed as of --on: a count rising past the threshold makes the incident
    reportable from that day, which becomes day 1 of the PPC deadlines.
    """
    from meti_pi import gitlayer
    from meti_pi.incident import incidents
    from meti_pi.store.yamlio import to_plain

    st = state(ctx)
    reg = load_register(ctx)
    current = _load_incident(reg, incident_id)
    given_day = option_date("--on", on)
    day = given_day or st.today
    if event is not None and event not in incidents.RECORDABLE_EVENTS:
        raise UsageError(f"--event {event}: unknown; one of {', '.join(incidents.RECORDABLE_EVENTS)}")
    if event == "note" and not note:
        raise UsageError("--event note needs --note TEXT")
    raw: dict[str, Any] = _read_facts_file(from_file) if from_file else {}
    given = {
        "known_on": known_on, "division": division, "summary": summary, "principals": principals,
        "principals_max": principals_max, "occurred_on": occurred_on, "discovered_by": discovered_by,
        "information_items": items, "cause": cause, "secondary_damage": secondary_damage, "other": other,
        "substitute_measure": substitute_measure,
    }
    raw.update({k: v for k, v in given.items() if v is not None})
    raw.update(_bool_facts(sensitive=sensitive, financial=financial, malicious=malicious, cyber=cyber, my_number=my_number,
                           my_number_system=my_number_system, public_exposure=public_exposure, anonymized_info=anonymized_info,
                           encrypted=encrypted, minor=minor, contractor_involved=contractor, publish=publish,
                           publish_measures=publish_measures))
    if notice_exception is not None:
        raw["notice_exception"] = None if notice_exception is NoticeException.none else notice_exception.value
    if files:
        raw["files"] = list(dict.fromkeys([*(current.get("files") or []), *files]))
    old_facts = current.get("facts") or {}
    if measure_done:
        raw["measures_done"] = [*(old_facts.get("measures_done") or []), *measure_done]
    if measure_planned:
        raw["measures_planned"] = [*(old_facts.get("measures_planned") or []), *measure_planned]
    elif no_planned_measures:
        raw["measures_planned"] = list(old_facts.get("measures_planned") or [])
    for key in unset or []:
        if key not in incidents.FACTS:
            raise UsageError(f"--unset {key}: not a fact; one of {', '.join(incidents.FACTS)}")
        raw[key] = None
    top, facts = incidents.split_input(raw)
    extra = {k: v for k, v in (("note", note), ("method", method), ("reference", reference)) if v is not None}
    _screen(str(reg.policy["incident"]["screening"]), top, facts, extra)
    _check_refs(reg, top)
    if event is None and extra:
        raise UsageError("--note/--method/--reference belong to an --event")
    new_snapshot = _snapshot(reg, st.today) if refresh_rules else None
    file_ids = top.get("files") or current.get("files") or []
    key = f"incidents/{incident_id}"
    what = f"{event} recorded" if event else ("rules refreshed" if refresh_rules and not facts and not top else "facts changed")

    def updated(base: dict[str, Any]) -> dict[str, Any]:
        return incidents.update_record(
            base, changes=facts, top_changes=top, event={"event": event, **extra} if event else None,
            files=_file_infos(reg, list(file_ids)), on=day, today=st.today, new_snapshot=new_snapshot,
            # A fact's date defaults to the day the incident was known, not today (item 9 of issue 14).
            facts_on=given_day or date.fromisoformat(str(top.get("known_on") or base["known_on"])),
        )

    preview = updated(current)  # refuses bad input before the lock is taken; gives the commit subject
    article = incidents.event_article(event, preview)
    if event is None and set(facts) & {"cause", "measures_done", "measures_planned"}:
        article = "40(1)"  # cause analysis and recurrence-prevention measures
    with gitlayer.transaction(st.register_root, command="incident update", today=st.today, dry_run=dry_run,
                              article=article, summary=_commit_summary(preview, what),
                              subject_record=key) as tx:
        doc = tx.edit(key)
        new = updated(to_plain(doc))
        _apply(doc, new)
    step = next((s for s in new["chain"] if s["step"] == event), None)
    if step is not None and not step["required"]:
        sys.stderr.write(f"meti-pi: note: {event} is not required for this incident under its assessment; recorded anyway\n")
    if json_out:
        print_json(_result_json(incident_id, new, tx.commit_sha, dry_run, st.today))
        return
    typer.echo(f"{'would update' if dry_run else 'updated'} {key}: {what}" + (f" (commit {tx.commit_sha[:10]})" if tx.commit_sha else ""))
    _describe(incident_id, new, st.today)


# -- close ----------------------------------------------------------------------------------


@incident_app.command("close")
def close_cmd(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id (INC-...).")],
    on: Annotated[str | None, typer.Option("--on", help="Day of closure (default: today).", show_default=False)] = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Close an incident; refused (exit 1) while Art. 40 cause analysis and measures, or a required report, are missing."""
    from meti_pi import gitlayer
    from meti_pi.incident import incidents
    from meti_pi.store.yamlio import to_plain

    st = state(ctx)
    reg = load_register(ctx)
    current = _load_incident(reg, incident_id)
    day = option_date("--on", on) or st.today
    if day > st.today or day.isoformat() < str(current.get("known_on")):
        raise UsageError(f"--on {day.isoformat()}: must lie between the known date and today")
    key = f"incidents/{incident_id}"
    with gitlayer.transaction(st.register_root, command="incident close", article="40", today=st.today, dry_run=dry_run,
                              summary="incident closed", subject_record=key) as tx:
        doc = tx.edit(key)
        fresh = to_plain(doc)
        problems = incidents.close_problems(fresh, f"{key}.yaml", st.today)
        if problems:
            raise RuleViolation(f"{key} cannot be closed yet ({len(problems)} open requirement(s); nothing was written)", tuple(problems))
        new = incidents.close_record(fresh, on=day, today=st.today)
        _apply(doc, new)
    if json_out:
        print_json(_result_json(incident_id, new, tx.commit_sha, dry_run, st.today))
        return
    typer.echo(f"{'would close' if dry_run else 'closed'} {key}" + (f" (commit {tx.commit_sha[:10]})" if tx.commit_sha else ""))


# -- report ---------------------------------------------------------------------------------


@incident_app.command("report")
def report_cmd(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id (INC-...).")],
    kind: Annotated[DraftKind, typer.Option("--kind", help="preliminary (速報), final (確報), principal-notice, publication.")],
    fmt: Annotated[DraftFormat, typer.Option("--format", help="md or docx.")] = DraftFormat.md,
    out: Annotated[Path | None, typer.Option("--out", help="Folder to write the draft to (docx: default the current folder; md: default stdout).", show_default=False)] = None,
    json_out: JsonOpt = False,
) -> None:
    """Draft a document for the incident in Japanese (和暦, full-width digits): Markdown or Word.

    Drafts are build outputs: nothing is committed. Record the sending with `incident update --event`.
    """
    import hashlib

    from meti_pi.incident import reports as incident_reports

    st = state(ctx)
    reg = load_register(ctx)
    record = _load_incident(reg, incident_id)
    a = record.get("assessment") or {}
    if kind in (DraftKind.preliminary, DraftKind.final) and not a.get("ppc_report"):
        sys.stderr.write("meti-pi: note: under its assessment this incident need not be reported to PPC; drafting anyway\n")
    if kind is DraftKind.principal_notice and not a.get("principal_notice"):
        sys.stderr.write("meti-pi: note: under its assessment the 本人 need not be notified; drafting anyway\n")
    div = reg.division_of(record.get("division")) or {}
    file_data = [reg.data_of("files", fid) or {} for fid in record.get("files") or []]
    file_orgs = [str((reg.division_of(f.get("division")) or {}).get("org") or f.get("org") or "") for f in file_data]
    ctx_r = incident_reports.Context(
        today=st.today,
        organisation=incident_reports.organisation_for(div, file_orgs, str(reg.meta.get("organisation") or "経済産業省")),
        division_name=div.get("name"),
        division_address=div.get("address"),
        division_phone=(div.get("contact") or {}).get("phone"),
        division_email=(div.get("contact") or {}).get("email"),
        files=tuple((fid, (reg.data_of("files", fid) or {}).get("name")) for fid in record.get("files") or []),
        fullwidth_digits=bool((reg.policy.get("documents") or {}).get("fullwidth_digits", True)),
        report_items=tuple(reg.policy["incident"]["report_items"]),
        notice_items=tuple(reg.policy["incident"]["notice_items"]),
    )
    if fmt is DraftFormat.md:
        data = incident_reports.render_markdown(kind.value, record, ctx_r).encode("utf-8")
    else:
        data = incident_reports.render_docx(kind.value, record, ctx_r, reg.policy)
    if out is None and fmt is DraftFormat.md and not json_out:
        sys.stdout.write(data.decode("utf-8"))
        return
    path: Path | None = None
    if out is not None or fmt is DraftFormat.docx:
        folder = out or Path(".")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / incident_reports.file_name(incident_id, kind.value, fmt.value)
        path.write_bytes(data)
    if json_out:
        doc: dict[str, Any] = {"id": incident_id, "kind": kind.value, "format": fmt.value, "path": str(path) if path else None,
                               "sha256": hashlib.sha256(data).hexdigest()}
        if fmt is DraftFormat.md and path is None:
            doc["markdown"] = data.decode("utf-8")
        print_json(doc)
    else:
        typer.echo(f"wrote {path}")


# -- list -----------------------------------------------------------------------------------


@incident_app.command("list")
def list_cmd(
    ctx: typer.Context,
    only_open: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    only_overdue: Annotated[bool, typer.Option("--overdue", help="Only incidents with a passed deadline (under --today).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Incidents with their PPC assessment, next due step and passed deadlines."""
    from meti_pi.incident.incidents import list_rows

    st = state(ctx)
    reg = load_register(ctx)
    rows = list_rows(((r.id, r.data) for r in reg.of_kind("incidents")), st.today, only_open=only_open, only_overdue=only_overdue)
    if json_out:
        print_json({"today": st.today.isoformat(), "incidents": rows})
        return
    if not rows:
        typer.echo("no incidents" + (" with a passed deadline" if only_overdue else ""))
        return
    for r in rows:
        ppc = "PPC:required" if r["ppc_report"] else "PPC:no"
        nxt = f" next {r['next_due']['step']} {r['next_due']['due']}" if r["next_due"] else ""
        late = "".join(f" OVERDUE {o['step']} {o['due']}" for o in r["overdue"])
        typer.echo(f"{r['id']}  {r['state']:6}  known {r['known_on']}  {ppc}{nxt}{late}")
