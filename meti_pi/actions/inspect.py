"""Actions of `inspect` and `audit` (Arts. 41-43): each writes its records as one commit through
the transaction; what to write is decided in meti_pi.inspect (pure functions of the register and
the inputs)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.actions.records import given_at
from meti_pi.actions.transaction import transaction
from meti_pi.errors import RuleViolation
from meti_pi.inspect.audits import append_findings
from meti_pi.inspect.checklist import parse_day
from meti_pi.inspect.evidence import Pack, note_pack
from meti_pi.inspect.record import Outcome, apply_outcome, close_finding, finding_to_close
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.problems import without_set_example


def save_inspection(
    root: Path, outcome: Outcome, *, today: date, dry_run: bool = False, settings: Settings = DEFAULT
) -> str | None:
    """Write the inspection record (and close the earlier findings it confirms) as one audit commit."""
    year = int(outcome.data["year"])
    division = str(outcome.data["division"])
    label = f"{year}年" if outcome.data.get("year_basis") == "calendar" else f"{year}年度"  # Art. 41 毎年
    with transaction(
        root,
        command="inspect",
        article="41(1)",
        today=today,
        summary=f"{label}の{'随時' if outcome.data.get('occasion') == 'ad_hoc' else ''}点検結果を記録（{division}）",
        dry_run=dry_run,
        subject_record=outcome.key,
        settings=settings,
    ) as tx:
        if outcome.existed:
            apply_outcome(tx.edit(outcome.key), outcome.data)
        else:
            tx.create("inspections", outcome.data, id=str(outcome.data.get("id") or division), year=year)
        on = parse_day(outcome.data.get("inspected_on")) or today
        end = parse_day((outcome.data.get("period") or {}).get("end"))
        if outcome.data.get("occasion") != "ad_hoc" and end is not None and on > end:
            # Art. 41(1) 毎年: a year's inspection made after the year ended is recorded (the day it was
            # made, as made) and said late, in the commit the audit officer reads and on stderr.
            tx.remarks.append(
                f"{outcome.key}: the {year} inspection was made on {on.isoformat()}, after its year ended on "
                f"{end.isoformat()} (Art. 41(1) asks it every year): recorded as made, late"
            )
        for ref in outcome.closes:
            close_finding(tx.edit(finding_to_close(ref)[0]), ref, on, outcome.key)
    return tx.commit_sha


def save_new_audit(
    root: Path,
    data: dict[str, Any],
    *,
    today: date,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
    given: tuple[Path | None, dict[str, str]] = (None, {}),
) -> tuple[str, str | None]:
    """Create the audit record; (audit id, commit). `given`: the --from file and the options (dotted
    field -> option) the fields came from, where a refusal points its problems."""
    aid = ""
    try:
        with transaction(
            root,
            command="audit new",
            article="42(1)",
            summary=f"監査を記録（{data['title']}）",
            today=today,
            dry_run=dry_run,
            settings=settings,
        ) as tx:
            aid = tx.create("audits", data)
    except RuleViolation as refused:
        new = f"audits/{aid}.yaml"
        placed = (given_at(p, new, *given) for p in refused.problems)
        # the schema's hint names `new`'s --set, which `audit new` does not have
        unset = (replace(p, message=without_set_example(p.message)) for p in placed)
        raise RuleViolation(refused.message, tuple(unset)) from None
    return aid, tx.commit_sha


def save_audit_findings(
    root: Path,
    audit_id: str,
    findings: list[dict[str, Any]],
    *,
    today: date,
    ended_on: date | None = None,
    reported_on: date | None = None,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> tuple[list[str], str | None, list[str]]:
    """Append findings to an audit (and its end/report dates); (the new findings' refs, commit, the
    refs of the findings given that the audit held already: not added again)."""
    key = f"audits/{audit_id}"
    with transaction(
        root,
        command="audit findings",
        article="42(1)",
        summary="監査の指摘事項を記録",
        today=today,
        dry_run=dry_run,
        subject_record=key,
        settings=settings,
    ) as tx:
        # the audit as the commit will hold it (under the lock): not as read before it
        refs, held = append_findings(tx.edit(key), key, findings, ended_on=ended_on, reported_on=reported_on)
        tx.summary = f"監査の指摘事項を記録（{len(refs)}件）" if refs else "監査の終了日・報告日を記録"
    return refs, tx.commit_sha, held


def record_pack(root: Path, audit_id: str, pack: Pack, *, today: date, settings: Settings = DEFAULT) -> str | None:
    """Note the evidence pack in its audit record (one commit)."""
    key = f"audits/{audit_id}"
    with transaction(
        root,
        command="audit pack",
        article="42(1)",
        summary=f"証跡パックを記録（{pack.commit[:10]}）",
        today=today,
        subject_record=key,
        settings=settings,
    ) as tx:
        note_pack(tx.edit(key), pack, today=today)
    return tx.commit_sha


def save_review(
    root: Path, data: dict[str, Any], *, today: date, dry_run: bool = False, settings: Settings = DEFAULT
) -> tuple[str, str | None]:
    """Create the review (closing the findings it confirms when `closes_findings`); (id, commit)."""
    with transaction(
        root,
        command="audit review",
        article="43(1)",
        summary="評価及び見直しを記録",
        today=today,
        dry_run=dry_run,
        settings=settings,
    ) as tx:
        rid = tx.create("reviews", data)
        if data.get("closes_findings"):
            on = parse_day(data["date"]) or today
            for ref in data["findings"]:
                close_finding(tx.edit(finding_to_close(ref)[0]), ref, on, f"reviews/{rid}")
    return rid, tx.commit_sha
