"""Art. 42 audits: auditors and their independence, new audits, their findings."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from meti_pi.classify.screening import check_text
from meti_pi.errors import UsageError
from meti_pi.inspect.answers import _date_field, action_days
from meti_pi.inspect.checklist import (
    finding_ref,
)
from meti_pi.inspect.checklist import parse_day as parsed_day
from meti_pi.inspect.inspection_checks import Standing, auditor_standing
from meti_pi.store import schema, yamlload
from meti_pi.store.limits import parsed_date
from meti_pi.store.problems import without_set_example
from meti_pi.store.register import Register
from meti_pi.store.rule_articles import citation_problem
from meti_pi.store.schema import load_schema


def parse_auditor(spec: str) -> dict[str, Any]:
    """'POST', 'POST@DIVISION' (監査事務実施者) or 'external:ORGANISATION:POST'."""
    spec = spec.strip()
    if spec.startswith("external:"):
        _, _, rest = spec.partition(":")
        org, _, post = rest.partition(":")
        if not org.strip():
            raise UsageError(f"--auditor {spec!r}: write external:ORGANISATION[:POST]")
        return {"post": post.strip() or "外部監査人", "role": "external", "organisation": org.strip()}
    post, sep, div = spec.partition("@")
    if not post.strip() or (sep and not div.strip()):
        raise UsageError(f"--auditor {spec!r}: write POST or POST@DIVISION_ID")
    out: dict[str, Any] = {"post": post.strip(), "role": "staff"}
    if div.strip():
        out["division"] = div.strip()
    return out


def audit_officer_post(reg: Register) -> str | None:
    """The 個人情報保護監査責任者's post from roles/ (Art. 5(5))."""
    for rec in reg.of_kind("roles"):
        if rec.data.get("role") == "audit_officer":
            return str(rec.data.get("post"))
    return None


def independence_flags(reg: Register, audit_data: dict[str, Any]) -> list[str]:
    """Auditors who belong to an audited division or head one by post (Art. 42(2): 被監査部門から
    独立した者), and those whose independence cannot be checked (their division not in the register,
    or a 監査事務実施者 with none recorded): inspection_checks.auditor_standing, said in Japanese."""
    flags = []
    for s in auditor_standing(reg, audit_data):
        if s.standing is Standing.IN_AUDITED:
            flags.append(f"{s.post}（{s.division}）は被監査部門に所属しており、第42条第2項の独立性を欠く")
        elif s.standing is Standing.HEADS_AUDITED:
            flags.append(
                f"{s.post}は被監査部門 {s.headed} の個人情報保護管理者又は副個人情報保護管理者の官職であり、"
                "第42条第2項の独立性を欠く"
            )
        elif s.standing is Standing.DIVISION_UNREGISTERED:
            flags.append(
                f"{s.post}の所属課等 {s.division} は登録簿にないため、第42条第2項の被監査部門からの独立性を"
                "確認できない（所属課等を正すこと）"
            )
        elif s.standing is Standing.DIVISION_UNRECORDED:
            flags.append(
                f"{s.post}は所属課等が記録されておらず、第42条第2項の被監査部門からの独立性を確認できない"
                "（--auditor 官職@課等ID で所属を記録すること）"
            )
    return flags


def new_audit_data(
    reg: Register,
    *,
    kind: str,
    title: str,
    started_on: date,
    auditors: list[dict[str, Any]],
    divisions: list[str] | None = None,
    articles: list[str] | None = None,
    year: int | None = None,
    external: bool = False,
    officer_post: str | None = None,
) -> dict[str, Any]:
    """The fields of a new audit record (its id is allocated when written)."""
    if kind not in ("regular", "ad_hoc"):
        raise UsageError(f"--kind {kind!r}: regular or ad-hoc")
    for div in divisions or []:
        if reg.get("divisions", div) is None:
            raise UsageError(f"--division {div!r}: no such division in the register")
    for a in auditors:
        if a.get("division") and reg.get("divisions", a["division"]) is None:
            raise UsageError(f"--auditor {a['post']}@{a['division']}: no such division in the register")
    officer = officer_post or audit_officer_post(reg)
    people = (
        [{"post": officer, "role": "officer"}]
        if officer and not any(a.get("role") == "officer" for a in auditors)
        else []
    ) + auditors
    if not people:
        raise UsageError(
            "an audit needs at least one auditor: --auditor POST[@DIVISION] (or appoint the audit_officer in roles/)"
        )
    scope: dict[str, Any] = {}
    if divisions:
        scope["divisions"] = list(dict.fromkeys(divisions))
    for article in articles or []:
        rule_article(article, f"--article {article}")
    if articles:
        scope["articles"] = list(dict.fromkeys(articles))
    if year is not None:
        scope["year"] = year
    data: dict[str, Any] = {"kind": kind}
    if external:
        data["external"] = True
    data.update({"title": title, "started_on": started_on.isoformat()})
    if officer:
        data["officer_post"] = officer
    data["scope"] = scope
    data["auditors"] = people
    return data


# An audit's --from file: its fields the command reads (with the type each must have) and the
# option that gives each instead. The audits schema checks the values of the record made from them;
# a problem of a field is then shown at the option given, else at the file's line (actions.records.given_at).
FILE_FIELDS: dict[str, tuple[type, str]] = {
    "title": (str, "text"),
    "kind": (str, "regular or ad-hoc"),
    "external": (bool, "true or false"),
    "auditors": (list, "a list of {post, role, division} mappings"),
}
AUDIT_OPTIONS = {
    "title": "--title",
    "kind": "--kind",
    "external": "--external",
    "started_on": "--started-on",
    "auditors": "--auditor",
    "scope.divisions": "--division",
    "scope.articles": "--article",
    "scope.year": "--year",
}


def file_fields(reg: Register, base: dict[str, Any], source: Path) -> None:
    """The --from file's fields of the types the command takes them as (a title written [a] became
    the text "['a']"; `auditors: x` was passed over without a word), a fault at its line."""
    with yamlload.located_errors(source):
        fields = (*FILE_FIELDS, "started_on", "scope")
        unknown = sorted(str(k) for k in base if k not in fields)
        if unknown:  # a typo (auditer:) was passed over: the field it meant was left empty
            raise UsageError(
                f"{source}: {unknown[0]}: not a field of an audit's --from file; write {', '.join(sorted(fields))}"
            )
        for key, (kind, wanted) in FILE_FIELDS.items():
            if base.get(key) is not None and not isinstance(base[key], kind):
                raise UsageError(f"{source}: {key}: expected {wanted}")
        if base.get("kind") is not None and str(base["kind"]).replace("-", "_") not in ("regular", "ad_hoc"):
            raise UsageError(f"{source}: kind: {base['kind']!r} is regular or ad-hoc")
        started = base.get("started_on")
        if started is not None:  # 20260105 (a number) raised a TypeError; 2026-02-30 named no line
            if not isinstance(started, str):
                raise UsageError(f"{source}: started_on: expected a date YYYY-MM-DD")
            parsed_date(f"{source}: started_on", started)
        # each auditor as the schema takes it, here: in the record the officer may come first
        for i, entry in enumerate(base.get("auditors") or []):
            found = [
                (p, m)
                for p, m in schema.errors("audits.schema.json", {"auditors": [entry]})
                if p[:2] == ("auditors", 0)
            ]
            if found:
                path, message = found[0]
                rest = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path[2:])
                raise UsageError(f"{source}: auditors[{i}]{rest}: {without_set_example(message)}")
            div = entry.get("division") if isinstance(entry, dict) else None
            if div is not None and reg.get("divisions", str(div)) is None:  # was shown as --auditor POST@DIV
                raise UsageError(
                    f"{source}: auditors[{i}].division: no division {div!r} in the register; give the id of one (the file names in divisions/)"
                )


def file_scope(reg: Register, base: dict[str, Any], source: Path) -> dict[str, Any]:
    """The `scope` of an audit's --from file `source` (its fields `base`), its divisions and articles
    checked as the options' are (an article written 14 is the text '14'), a fault shown at its line
    (`FILE:6: scope.articles[1]: ...`), never at an option that was not given (--article)."""
    scope = base.get("scope")
    if scope is None:
        return {}
    with yamlload.located_errors(source):
        if not isinstance(scope, dict):
            raise UsageError(f"{source}: scope: expected a mapping of divisions, articles and year")
        out = dict(scope)
        for name, example in (("divisions", "[kanbo-jinji]"), ("articles", "[14, 14(4)]")):
            if scope.get(name) is not None and not isinstance(scope[name], list):
                raise UsageError(f"{source}: scope.{name}: expected a list, e.g. {example}")
        out["divisions"] = [str(d) for d in scope.get("divisions") or []]
        for n, div in enumerate(out["divisions"]):
            if reg.get("divisions", div) is None:
                raise UsageError(
                    f"{source}: scope.divisions[{n}]: no division {div!r} in the register; give the id of one (the file names in divisions/)"
                )
        out["articles"] = [
            rule_article(str(a), f"{source}: scope.articles[{n}]") for n, a in enumerate(scope.get("articles") or [])
        ]
    return out


def rule_article(value: str, where: str) -> str:
    """`value` when it names an article of the rule (第1条-第46条, its paragraph and item: the
    pattern of the audits schema), else a usage error at `where` (a cited 第99条 would print)."""
    pattern = load_schema("audits.schema.json")["$defs"]["article"]["pattern"]
    if not re.fullmatch(pattern, value):
        raise UsageError(f"{where}: not an article of the rule: write 第1条-第46条 as 14, with its paragraph as 14(4)")
    problem = citation_problem(value)
    if problem is not None:
        raise UsageError(f"{where}: {problem}")
    return value


def parse_audit_findings(
    reg: Register, doc: Any, source: str, *, since: date, ended: bool = False
) -> list[dict[str, Any]]:
    """Findings from a YAML list (or `findings:` mapping): division, article, text, action, owner, due
    (default: policy `inspection.corrective_action_days` after `since`, the audit's day: findings_day).
    An empty list is an audit that ended without findings: taken only with its end (`ended`)."""
    raw = doc.get("findings") if isinstance(doc, dict) else doc
    if isinstance(raw, list) and not raw and ended:
        return []
    if not isinstance(raw, list) or not raw:
        raise UsageError(
            f"{source}: expected a list of findings (or `findings:` with a list); "
            "an audit that ended without findings: an empty list `[]` with --ended-on"
        )
    out = []
    listed = "findings" if isinstance(doc, dict) else ""  # the entry's path in the file, for its line
    for n, f in enumerate(raw):
        where = f"{source}: {listed}[{n}]"
        if not isinstance(f, dict):
            raise UsageError(f"{where}: expected a mapping")
        allowed = ("division", "article", "text", "action", "owner", "due", "escalate", "note")
        extra = set(f) - set(allowed)
        if extra:
            raise UsageError(
                f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}; allowed: {', '.join(allowed)}"
            )
        for k in ("division", "article", "text"):
            if not f.get(k):
                raise UsageError(f"{where}: missing `{k}`")
        div = reg.data_of("divisions", str(f["division"]))
        if div is None:
            raise UsageError(  # led by the key, so that the command names its line (located_errors)
                f"{where}.division: no division {f['division']!r} in the register; "
                "give the id of one (the file names in divisions/)"
            )
        due = _date_field(f.get("due"), where + ".due") or since + timedelta(days=action_days(reg.policy))
        for k in ("text", "action", "owner", "note"):  # refused here, at the file's line (not the record's index)
            if isinstance(f.get(k), str):
                check_text(f"{where}.{k}", f[k], "refuse", "A register record must not hold personal data")
        item: dict[str, Any] = {
            "division": str(f["division"]),
            "article": rule_article(str(f["article"]), where + ".article"),
            "text": str(f["text"]),
            "action": str(f.get("action") or "指摘事項について必要な措置を講ずる"),
            "owner": str(f.get("owner") or div.get("manager_post")),
            "due": due.isoformat(),
            "status": "open",
        }
        if f.get("escalate") is True:
            item["escalate"] = True
        if f.get("note"):
            item["note"] = str(f["note"])
        out.append(item)
    return out


def findings_day(audit_data: dict[str, Any], ended_on: date | None, today: date) -> date:
    """The day an audit's findings are counted from (their default due date): the audit's end, as
    given (--ended-on) or recorded, as an inspection's count from its `inspected_on`; today while the
    audit has not ended (findings recorded as it goes)."""
    return ended_on or parsed_day(audit_data.get("ended_on")) or today


def check_audit_days(audit_data: dict[str, Any], ended_on: date | None, reported_on: date | None) -> None:
    """The audit's days in their order: its end not before its start, the report of its result to
    the 総括 (Art. 42(1)) not before its end (the recorded one when none is given) or its start."""
    started = parsed_day(audit_data.get("started_on"))
    if ended_on is not None and started is not None and ended_on < started:
        raise UsageError(
            f"--ended-on {ended_on.isoformat()} is before the audit began ({started.isoformat()}); "
            "give the day the audit work ended"
        )
    end = ended_on or parsed_day(audit_data.get("ended_on"))
    floor, what = (end, "ended") if end is not None else (started, "began")
    if reported_on is not None and floor is not None and reported_on < floor:
        raise UsageError(
            f"--reported-on {reported_on.isoformat()} is before the audit {what} ({floor.isoformat()}); "
            "the result is reported to the 総括 after the audit (Art. 42(1)): give the day it was reported"
        )


def append_findings(
    doc: Any, key: str, findings: list[dict[str, Any]], *, ended_on: date | None = None, reported_on: date | None = None
) -> tuple[list[str], list[str]]:
    """Append `findings` to the audit document `doc` (record `key`), numbered after the last, and
    set its end/report dates; (the new findings' references, those of the findings it held already).

    A finding the audit holds (the same division, article and text, spaces aside) is not added
    again: the findings file given again to record the report day (--reported-on) doubled every
    finding, and the report counted them twice."""
    existing = list(doc.get("findings") or [])
    next_id = max((int(f.get("id", 0)) for f in existing), default=0) + 1
    held = {_finding_key(f): f.get("id") for f in existing if isinstance(f, dict)}
    if "findings" not in doc:
        doc["findings"] = []
    refs: list[str] = []
    again: list[str] = []
    for f in findings:
        if _finding_key(f) in held:
            again.append(finding_ref(key, held[_finding_key(f)]))
            continue
        doc["findings"].append({"id": next_id, **f})
        refs.append(finding_ref(key, next_id))
        next_id += 1
    if ended_on:
        doc["ended_on"] = ended_on.isoformat()
    if reported_on:
        doc["reported_on"] = reported_on.isoformat()
    return refs, again


def _finding_key(f: Any) -> tuple[str, str, str]:
    return (str(f.get("division")), str(f.get("article")), " ".join(str(f.get("text")).split()))
