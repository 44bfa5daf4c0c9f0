"""Art. 43 reviews (見直し) and the overviews of audits and reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from meti_pi.errors import UsageError
from meti_pi.inspect.audits import independence_flags
from meti_pi.inspect.checklist import (
    parse_day,
)
from meti_pi.inspect.inspection_checks import find_finding
from meti_pi.store.register import Register


def new_review_data(
    reg: Register,
    *,
    on: date,
    findings: list[str],
    evaluation: str,
    measures: list[dict[str, Any]] | None = None,
    inspection_year: int | None = None,
    audits: list[str] | None = None,
    reported_on: date | None = None,
    close: bool = False,
    today: date | None = None,
) -> dict[str, Any]:
    """The fields of an Art. 43 review; every finding reference must resolve, and the days keep their
    order: the review not after `today` nor before a finding it answers could be made, its report to
    the 総括 (Art. 43(2)) not before the review nor after `today`."""
    missing = [r for r in findings if find_finding(reg, r) is None]
    if missing:
        raise UsageError(
            f"--finding: no such finding(s): {', '.join(missing)}; references look like inspections/2026/<division>#1 or audits/<id>#1"
        )
    if today is not None and on > today:
        raise UsageError(f"--on {on.isoformat()} is after today; give the day of the review")
    for ref in findings:
        rec, _ = find_finding(reg, ref) or (None, None)
        if rec is None:
            continue
        # the earliest day the finding can have been made: an audit's start (findings come during it),
        # an inspection's day (its findings are its answers that day); the year's start for a record without one
        if rec.kind == "audits":
            began, what = parse_day(rec.data.get("started_on")), "the audit began"
        elif (began := parse_day(rec.data.get("inspected_on"))) is not None:
            what = "the inspection that found it"
        else:
            began, what = parse_day((rec.data.get("period") or {}).get("start")), "its inspection year began"
        if began is not None and on < began:
            raise UsageError(
                f"--on {on.isoformat()} is before {what} ({began.isoformat()}): the review cannot answer {ref} yet"
            )
    if reported_on is not None and (reported_on < on or (today is not None and reported_on > today)):
        raise UsageError(
            f"--reported-on {reported_on.isoformat()} is "
            + ("before the review (--on " + on.isoformat() + ")" if reported_on < on else "after today")
            + "; the result of the review is reported to the 総括 after it (Art. 43(2)): give the day it was reported"
        )
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


def audits_overview(reg: Register, today: date) -> list[dict[str, Any]]:
    """Each audit with its independence flags and findings (open / overdue), newest first."""
    out = []
    for rec in sorted(reg.of_kind("audits"), key=lambda r: (str(r.data.get("started_on")), r.id), reverse=True):
        findings = [f for f in rec.data.get("findings", []) if isinstance(f, dict)]
        open_ = [f for f in findings if f.get("status") == "open"]
        out.append(
            {
                "id": rec.id,
                "title": rec.data.get("title"),
                "kind": rec.data.get("kind"),
                "external": bool(rec.data.get("external")),
                "started_on": rec.data.get("started_on"),
                "reported_on": rec.data.get("reported_on"),
                "scope": rec.data.get("scope"),
                "independence": independence_flags(reg, rec.data),
                "findings": len(findings),
                "open": len(open_),
                "overdue": sum(1 for f in open_ if (parse_day(f.get("due")) or today) < today),
                "evidence": [e.get("commit") for e in rec.data.get("evidence", []) if isinstance(e, dict)],
            }
        )
    return out


def reviews_overview(reg: Register) -> list[dict[str, Any]]:
    """Each review with the findings it answers."""
    return [
        {
            "id": r.id,
            "date": r.data.get("date"),
            "findings": r.data.get("findings", []),
            "closes_findings": bool(r.data.get("closes_findings")),
            "reported_to_sokatsu_on": r.data.get("reported_to_sokatsu_on"),
            "open_measures": sum(
                1 for m in r.data.get("measures", []) if isinstance(m, dict) and m.get("status") == "open"
            ),
        }
        for r in sorted(reg.of_kind("reviews"), key=lambda r: (str(r.data.get("date")), r.id), reverse=True)
    ]
