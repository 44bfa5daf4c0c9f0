"""`meti-pi audit`: Art. 42 audits, Art. 43 reviews, evidence packs (split from cli/inspect.py, issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from meti_pi.cli.common import (
    Busy,
    DryRunOpt,
    JsonOpt,
    console,
    err_console,
    option_date,
    print_json,
    read_register_lazily,
    report_problems,
    state,
    unbounded,
)
from meti_pi.errors import UsageError

if TYPE_CHECKING:
    pass

app = typer.Typer(add_completion=False)  # completion is the root's (meti-pi --install-completion)
audit_app = typer.Typer(
    help="Art. 42 audits and Art. 43 reviews: new, findings, report, pack (evidence), review, list.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")


# -- audit --------------------------------------------------------------------------------------


@audit_app.command("new")
def audit_new_cmd(
    ctx: typer.Context,
    title: Annotated[str | None, typer.Option("--title", help="Title of the audit.", show_default=False)] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="regular (定期, the default) or ad-hoc (随時).", show_default=False)
    ] = None,
    external: Annotated[bool, typer.Option("--external", help="An external audit (外部監査).")] = False,
    started_on: Annotated[
        str | None, typer.Option("--started-on", help="Start date (default: today).", show_default=False)
    ] = None,
    divisions: Annotated[
        list[str] | None,
        typer.Option("--division", help="Audited division (repeatable; none: every division).", show_default=False),
    ] = None,
    articles: Annotated[
        list[str] | None,
        typer.Option("--article", help="Article examined, e.g. 14(4) (repeatable).", show_default=False),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Inspection year audited.", show_default=False)] = None,
    auditors: Annotated[
        list[str] | None,
        typer.Option(
            "--auditor",
            help="POST[@DIVISION] of a 監査事務実施者, or external:ORGANISATION[:POST] (repeatable).",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from", help="YAML with title, kind, external, started_on, scope, auditors.", show_default=False
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Record an Art. 42 audit: scope, auditors (an auditor from an audited division is flagged), dates."""
    from meti_pi.actions import inspect as inspect_actions
    from meti_pi.actions.records import read_fields_file
    from meti_pi.inspect import inspection

    st = state(ctx)
    base: dict[str, Any] = read_fields_file(from_file) if from_file else {}
    people = [inspection.parse_auditor(a) for a in auditors or []] or list(base.get("auditors") or [])
    chosen_title = title or base.get("title")
    if not chosen_title:
        raise UsageError("--title is required (or `title:` in --from)")
    with read_register_lazily(ctx, (), notices=False) as reg:  # the 課等 and roles it names (issue 18)
        if from_file:  # the file's faults at its lines
            inspection.file_fields(reg, base, from_file)
        scope = inspection.file_scope(reg, base, from_file) if from_file else {}
        data = inspection.new_audit_data(
            reg,
            kind=str(kind or base.get("kind") or "regular").replace("-", "_"),
            title=str(chosen_title),
            started_on=option_date("--started-on", started_on)
            or option_date("started_on", base.get("started_on"))
            or st.today,
            auditors=people,
            divisions=list(divisions or scope.get("divisions") or []),
            articles=list(articles or scope.get("articles") or []),
            year=year if year is not None else scope.get("year"),
            external=external or bool(base.get("external")),
        )
        flags = inspection.independence_flags(reg, data)
    given = _options_given(title=title, kind=kind, external=external, started_on=started_on, auditors=auditors)
    given |= _options_given(**{"scope.divisions": divisions, "scope.articles": articles, "scope.year": year})
    aid, sha = inspect_actions.save_new_audit(
        st.register_root, data, today=st.today, dry_run=dry_run, settings=st.settings, given=(from_file, given)
    )
    if json_out:
        print_json({"id": aid, "commit": sha, "dry_run": dry_run, "independence": flags, "audit": data})
        return
    typer.echo(f"{'would add' if dry_run else 'added'} audits/{aid}" + (f" (commit {sha[:10]})" if sha else ""))
    for f in flags:
        err_console().print(f"[yellow]warning:[/yellow] 第42条第2項: {f}")


def _options_given(**values: object) -> dict[str, str]:
    """The audit's fields given as options (field -> option): a problem of one is shown there."""
    from meti_pi.inspect.inspection import AUDIT_OPTIONS

    return {k: AUDIT_OPTIONS[k] for k, v in values.items() if v not in (None, False, [])}


@audit_app.command("findings")
def audit_findings_cmd(
    ctx: typer.Context,
    audit_id: Annotated[str, typer.Argument(metavar="AUDIT_ID", help="Audit id (AUD-...).")],
    findings_file: Annotated[
        Path,
        typer.Argument(
            metavar="FINDINGS.yaml", help="YAML list of findings: division, article, text, action, owner, due."
        ),
    ],
    ended_on: Annotated[
        str | None, typer.Option("--ended-on", help="Date the audit work ended.", show_default=False)
    ] = None,
    reported_on: Annotated[
        str | None, typer.Option("--reported-on", help="Date reported to the 総括 (Art. 42(1)).", show_default=False)
    ] = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Add an audit's findings (each a corrective action with owner and due date) and its report date."""
    from meti_pi.actions import inspect as inspect_actions
    from meti_pi.inspect import inspection
    from meti_pi.store import yamlload

    st = state(ctx)
    days = {
        option: option_date(option, value)
        for option, value in (("--ended-on", ended_on), ("--reported-on", reported_on))
    }
    with read_register_lazily(ctx, (), notices=False) as reg:  # the audit and the 課等 it names (issue 18)
        audit = reg.data_of("audits", audit_id)
        if audit is None:
            raise UsageError(f"no audit {audit_id!r}; see `meti-pi audit list`")
        _, doc = yamlload.load_given_file(findings_file, "findings file")
        since = inspection.findings_day(audit, days["--ended-on"], st.today)  # due counted from the audit's end
        with yamlload.located_errors(findings_file):  # no list of findings: where its document starts
            findings = inspection.parse_audit_findings(
                reg, doc, str(findings_file), since=since, ended=days["--ended-on"] is not None
            )
    for option, day in days.items():
        if day is not None and day > st.today:
            raise UsageError(f"{option} {day.isoformat()} is after today; give the day it happened")
    inspection.check_audit_days(audit, days["--ended-on"], days["--reported-on"])
    given = len(findings)
    refs, sha, held = inspect_actions.save_audit_findings(
        st.register_root,
        audit_id,
        findings,
        today=st.today,
        ended_on=days["--ended-on"],
        reported_on=days["--reported-on"],
        dry_run=dry_run,
        settings=st.settings,
    )
    for ref in held:  # given again (to record the report day): not added twice
        err_console().print(
            f"meti-pi: {ref} already holds this finding (division, article, text): not added again",
            highlight=False,
            markup=False,
        )
    if json_out:
        print_json({"audit": audit_id, "commit": sha, "dry_run": dry_run, "findings": refs})
        return
    if given and not refs:  # every finding given is held already: the days alone, if they changed anything
        changed = sha is not None or (dry_run and any(days.values()))
        typer.echo(f"audits/{audit_id}: no new finding" + ("; its days recorded" if changed else "; nothing changed"))
        if sha:
            typer.echo(f"  commit {sha[:10]}")
        return
    typer.echo(
        f"{'would add' if dry_run else 'added'} {len(refs)} finding(s) to audits/{audit_id}"
        + (f" (commit {sha[:10]})" if sha else "")
    )
    for ref in refs:
        typer.echo(f"  {ref}")


@audit_app.command("report")
def audit_report_cmd(
    ctx: typer.Context,
    audit_id: Annotated[str, typer.Argument(metavar="AUDIT_ID", help="Audit id (AUD-...).")],
    fmt: Annotated[str, typer.Option("--format", help="md or docx.")] = "md",
    out: Annotated[Path, typer.Option("--out", help="Folder to write <AUDIT_ID>-report.<format> into.")] = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """Write the 監査責任者's report of one audit to the 総括 (Art. 42(1)) as a document; nothing is committed."""
    from meti_pi.inspect import inspection

    st = state(ctx)
    with read_register_lazily(ctx, (), notices=False) as reg:  # the audit, its findings' 課等, the roles
        blob = inspection.render_audit_report(reg, audit_id, fmt, st.today)
    path = inspection.write_audit_report(blob, audit_id, fmt, out)  # once every record it read was readable
    if json_out:
        print_json({"audit": audit_id, "format": fmt, "out": str(path)})
        return
    err_console().print(f"wrote {path} ({fmt}; audits/{audit_id})")


@audit_app.command("pack")
def audit_pack_cmd(
    ctx: typer.Context,
    rev: Annotated[
        str, typer.Option("--commit", help="Commit (or any git revision) to take the register at.")
    ] = "HEAD",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Zip file or new folder (default: ./evidence-<commit>.zip).", show_default=False),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="zip (reproducible) or dir.")] = "zip",
    audit_id: Annotated[
        str | None, typer.Option("--audit", help="Note the pack in this audit's record (a commit).", show_default=False)
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Export the evidence pack: the register and its git trail at a commit, with a sha256 manifest."""
    from meti_pi.actions import inspect as inspect_actions
    from meti_pi.inspect import inspection

    st = state(ctx)
    root = st.register_root
    if audit_id is not None:
        with read_register_lazily(ctx, (), notices=False) as reg:  # the audit alone
            if reg.get("audits", audit_id) is None:
                raise UsageError(f"no audit {audit_id!r}; see `meti-pi audit list`")
    with Busy("reading the register and its trail for the evidence pack"):  # a terminal only
        pack = inspection.evidence_pack(root, out, rev=rev, fmt=fmt, into=Path.cwd(), settings=st.settings)
    sha = inspect_actions.record_pack(root, audit_id, pack, today=st.today, settings=st.settings) if audit_id else None
    if pack.failing:  # the pack is made all the same: evidence of the register as it is (exit 0)
        paths = sorted({p.path for p in pack.failing})
        report_problems(pack.failing, st)
        err_console().print(
            f"[yellow]warning:[/yellow] the pack holds {len(paths)} record(s) that fail their schema (スキーマ"
            f"不適合) or cannot be read at {pack.commit[:12]}, the problems above; it is made all the same, evidence"
            " of the register as it is: correct them at the lines shown and `meti-pi commit` them, then take a new"
            " pack if the audit needs the corrected register",
            highlight=False,
        )
    if json_out:
        print_json({**pack.as_json(), "audit": audit_id, "recorded_commit": sha})
        return
    typer.echo(
        f"wrote {pack.path}: {pack.files} register files and {pack.trail} commits at {pack.commit[:12]}"
        + (f", sha256 {pack.sha256}" if pack.sha256 else "")
    )
    if sha:
        typer.echo(f"noted in audits/{audit_id} (commit {sha[:10]})")


def _measure(spec: str) -> dict[str, Any]:
    text, _, rest = spec.partition("|")
    owner, _, due = rest.partition("|")
    if not text.strip():
        raise UsageError(f"--measure {spec!r}: write TEXT or TEXT|OWNER|DUE")
    out: dict[str, Any] = {"text": text.strip()}
    if owner.strip():
        out["owner"] = owner.strip()
    if due.strip():
        day = option_date("--measure", due.strip())
        assert day is not None
        out["due"] = day.isoformat()
    return out


@audit_app.command("review")
def audit_review_cmd(
    ctx: typer.Context,
    findings: Annotated[
        list[str],
        typer.Option(
            "--finding", help="Finding answered: inspections/<year>/<division>#N or audits/<id>#N (repeatable)."
        ),
    ],
    evaluation: Annotated[
        str, typer.Option("--evaluation", help="Evaluation of the measures' effectiveness (Art. 43(1)).")
    ],
    measures: Annotated[
        list[str] | None,
        typer.Option("--measure", help="Measure decided: TEXT or TEXT|OWNER|DUE (repeatable).", show_default=False),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="Date of the review (default: today).", show_default=False)
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Inspection year evaluated.", show_default=False)] = None,
    audits: Annotated[
        list[str] | None, typer.Option("--audit", help="Audit evaluated (repeatable).", show_default=False)
    ] = None,
    reported_on: Annotated[
        str | None, typer.Option("--reported-on", help="Date reported to the 総括 (Art. 43(2)).", show_default=False)
    ] = None,
    close: Annotated[
        bool,
        typer.Option("--close", help="The corrective actions of these findings are confirmed complete: close them."),
    ] = False,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Record the 副総括's Art. 43 evaluation and review, linked to the findings it answers."""
    from meti_pi.actions import inspect as inspect_actions
    from meti_pi.inspect import inspection

    st = state(ctx)
    day = option_date("--on", on) or st.today
    with read_register_lazily(ctx, (), notices=False) as reg:  # the findings' records, audits, reviews
        data = inspection.new_review_data(
            reg,
            on=day,
            findings=findings,
            evaluation=evaluation,
            measures=[_measure(m) for m in measures or []],
            inspection_year=year,
            audits=audits,
            reported_on=option_date("--reported-on", reported_on),
            close=close,
            today=st.today,
        )
    rid, sha = inspect_actions.save_review(
        st.register_root, data, today=st.today, dry_run=dry_run, settings=st.settings
    )
    if json_out:
        print_json({"id": rid, "commit": sha, "dry_run": dry_run, "review": data})
        return
    typer.echo(
        f"{'would add' if dry_run else 'added'} reviews/{rid}"
        + (f" (commit {sha[:10]})" if sha else "")
        + (f"; closed {len(findings)} finding(s)" if close else "")
    )


@audit_app.command("list")
def audit_list_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Audits (scope, independence, open findings, evidence packs) and reviews."""
    from meti_pi.inspect import inspection
    from meti_pi.store.problems import failing_schema

    st = state(ctx)
    # the audits, the reviews and the 課等 alone are read (issue 18: not the register whole)
    with read_register_lazily(ctx, (), notices=False) as reg:
        audits = inspection.audits_overview(reg, st.today)
        reviews = inspection.reviews_overview(reg)
        # listed, and marked: `audit report` refuses such a record (the JSON's keys are unchanged)
        failing = failing_schema(reg, [*reg.of_kind("audits"), *reg.of_kind("reviews")])
    if json_out:
        print_json({"audits": audits, "reviews": reviews})
        return
    from rich.table import Table

    c = console()
    t = Table(title="監査（第42条）", title_justify="left", expand=not unbounded(c))
    t.add_column("ID", no_wrap=True)
    t.add_column("件名", ratio=2)
    t.add_column("種別・開始")
    t.add_column("指摘・未是正・期限経過", no_wrap=True)
    t.add_column("独立性", no_wrap=True)
    for a in audits:
        kind = {"regular": "定期", "ad_hoc": "随時"}.get(str(a["kind"]), str(a["kind"])) + (
            "・外部" if a["external"] else ""
        )
        t.add_row(
            _marked(a["id"], f"audits/{a['id']}.yaml" in failing),
            str(a["title"]) + (f"（総括報告 {a['reported_on']}）" if a["reported_on"] else ""),
            f"{kind} {a['started_on']}",
            f"{a['findings']}・{a['open']}・{a['overdue']}",
            "[yellow]要確認[/yellow]" if a["independence"] else "可",
        )
    c.print(t)
    r = Table(title="評価及び見直し（第43条）", title_justify="left", expand=not unbounded(c))
    r.add_column("ID", no_wrap=True)
    for col in ("評価日", "対応する指摘", "完了確認", "総括報告", "未完了の見直し"):
        r.add_column(col)
    for v in reviews:
        r.add_row(
            _marked(v["id"], f"reviews/{v['id']}.yaml" in failing),
            str(v["date"]),
            "\n".join(v["findings"]),
            "済" if v["closes_findings"] else "—",
            str(v["reported_to_sokatsu_on"] or "—"),
            str(v["open_measures"]),
        )
    c.print(r)
    if failing:
        c.print(
            f"{_FAILING_MARK}: 記録がスキーマに適合しない（{len(failing)}件）。"
            "meti-pi validate が誤りの行を示す。修正するまで、この記録から報告書は作られない"
        )


_FAILING_MARK = "※要修正"


def _marked(rid: str, failing: bool) -> str:
    """An id in `audit list`, marked when its record fails its schema."""
    return f"{rid} [yellow]{_FAILING_MARK}[/yellow]" if failing else rid
