"""`meti-pi inspect` (Art. 41 self-inspection); `meti-pi audit` is in cli/audit.py."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from meti_pi.cli.common import (
    Busy,
    DryRunOpt,
    JsonArrayWriter,
    JsonOpt,
    can_prompt,
    console,
    err_console,
    json_compact,
    load_register,
    print_json,
    print_rule,
    read_whole,
    recovered_root,
    refuse_unreadable,
    state,
)
from meti_pi.errors import UsageError

if TYPE_CHECKING:
    from meti_pi.inspect.checklist import Checklist, Item
    from meti_pi.inspect.inspection import AnswerSet
    from meti_pi.store.register import Register

app = typer.Typer(add_completion=False)  # completion is the root's (meti-pi --install-completion)

ANSWER_STYLE = {"yes": "green", "no": "bold red", "na": "dim"}


def _year(reg: Register, year: int | None, today: date) -> int:
    from meti_pi.inspect.checklist import inspection_year_of

    if year is None:
        return inspection_year_of(today, reg.policy)
    if not 2000 <= year <= 2100:
        raise UsageError(f"--year {year}: expected a year such as {today.year}")
    return year


# -- inspect ----------------------------------------------------------------------------------


@app.command("inspect")
def inspect_cmd(
    ctx: typer.Context,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Inspection year (年度 April–March unless policy inspection_year is calendar). Default: the current one.",
            show_default=False,
        ),
    ] = None,
    division: Annotated[
        str | None, typer.Option("--division", help="Only this division (divisions id).", show_default=False)
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Record the answers in FILE.yaml (see README) and commit.", show_default=False),
    ] = None,
    ad_hoc: Annotated[
        bool,
        typer.Option(
            "--ad-hoc",
            help="Record an ad-hoc (随時, Art. 41(1)) inspection, apart from the annual one: "
            "inspections/<year>/<division>.adhoc-<date>.",
        ),
    ] = False,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Answer item by item at prompts, then record and commit.")
    ] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Aggregate the year across divisions for the 副総括 (Art. 41(1)/(2)).")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="Report format: md, docx or xlsx.")] = "md",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the report to FILE (required for docx and xlsx).", show_default=False),
    ] = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Art. 41 self-inspection: show each division's checklist, record answers, or report the year.

    The checklist is generated from the register: only the items that apply, each saying why, answers pre-filled from register facts.

    --answers FILE.yaml or --interactive records the answers in inspections/<year>/<division>.yaml and commits.

    Every 'no' becomes a finding with a corrective action (owner, due date); open findings are asked again each year until closed.
    """
    st = state(ctx)
    # One division's checklist (as _show_checklists reads --division): the register read lazily.
    shows_one = bool(division) and not (answers or interactive or report)
    reg = _division_register(ctx) if shows_one else load_register(ctx)
    y = _year(reg, year, st.today)
    if sum(map(bool, (answers, interactive, report))) > 1:
        raise UsageError("choose one of --answers, --interactive and --report")
    if interactive and not can_prompt():  # a script must never wait for input (it prompted, then 'Aborted!')
        raise UsageError("--interactive prompts need a terminal; give the answers as --answers FILE.yaml")
    if report:
        _report(reg, y, st.today, division, fmt, out, json_out)
        return
    if fmt != "md" or out is not None:
        raise UsageError("--format and --out go with --report")
    if ad_hoc and answers is None and not interactive:
        raise UsageError("--ad-hoc records an inspection: give --answers FILE.yaml or --interactive")
    if answers is not None or interactive:
        _record(ctx, reg, y, division, answers, interactive, dry_run, json_out, ad_hoc)
        return
    _show_checklists(reg, y, st.today, division, json_out)


def _division_register(ctx: typer.Context) -> Register:
    """The register one division's checklist reads: the work tree read lazily (only the records the
    checklist reports are decoded: meti_pi.inspect.lazyread), else read whole as load_register does."""
    from meti_pi.inspect.lazyread import division_register

    root = recovered_root(ctx)
    found = division_register(root, state(ctx).settings)
    if found is None:
        return read_whole(ctx, root)
    reg, problems = found
    refuse_unreadable(problems, state(ctx))
    return reg


def _show_checklists(reg: Register, y: int, today: date, division: str | None, json_out: bool) -> None:
    """Every division's checklist (or one division's), as JSON or text, each printed as soon as it
    is built (a large register's checklists run to hundreds of MB: none is held once printed)."""
    from meti_pi.inspect import checklist as cl

    def each(use: Any, emit: Any) -> None:
        if division:
            emit(use(cl.build(reg, division, y, today)))
            return
        with Busy("building the checklists of every division") as busy:  # a terminal only
            cl.map_all(reg, y, today, use, progress=busy.update, emit=emit)

    if json_out:
        if json_compact():  # each checklist encoded where it is built (a string passes between processes fast)
            with JsonArrayWriter({"year": y}, "checklists") as write:
                each(lambda c: json.dumps(_with_record(reg, c), ensure_ascii=False, default=str), write)
        else:
            found: list[Any] = []
            each(lambda c: _with_record(reg, c), found.append)
            print_json({"year": y, "checklists": found})
        return
    # Piped or redirected: no styles, each checklist comes back as one text (a fraction of the
    # pieces' cost to pass between processes).
    render = _pieces if console().is_terminal else _plain_checklist
    if not division and not reg.of_kind("divisions"):  # a new register: say why nothing is shown
        sys.stderr.write(
            "meti-pi: no 課等 (divisions) in the register, so no Art. 41 checklist to show; add them with "
            "`meti-pi new divisions --id ID --set name=...` (`meti-pi schema divisions` lists the fields) and run again\n"
        )
        return
    each(lambda c: render(reg, c), lambda shown: _show(*shown))


def _recorded(reg: Register, year: int, division: str) -> tuple[Any, dict[Any, Any]]:
    """The division's inspection record for the year (or None) and its answers by item."""
    rec = reg.records.get(f"inspections/{year}/{division}")
    answers = rec.data.get("answers", []) if rec else []
    return rec, {a.get("item"): a.get("answer") for a in answers if isinstance(a, dict)}


def _with_record(reg: Register, c: Checklist) -> dict[str, Any]:
    data = c.as_json()
    rec, recorded = _recorded(reg, c.year, c.division)
    data["record"] = rec.key if rec else None
    for item in data["items"]:
        item["answer"] = recorded.get(item["key"])
    return data


def _pieces(reg: Register, c: Checklist) -> tuple[str, list[tuple[str, str | None]]]:
    """A checklist as its title and (text, style) pieces (plain data: built in another process on a large register)."""
    from meti_pi.dates.wareki import fiscal_year_label
    from meti_pi.inspect.checklist import article_ja
    from meti_pi.store import policy as policy_mod

    rec, recorded = _recorded(reg, c.year, c.division)
    label = fiscal_year_label(c.year, eras=policy_mod.eras(reg.policy)) if c.basis == "fiscal" else f"{c.year}年"
    prefilled = sum(1 for i in c.items if i.prefill and i.prefill.answer)
    title = f"{c.division_name}（{c.division}）{label}の点検項目 {len(c.items)}件・登録情報による事前記入 {prefilled}件"
    if rec is not None:
        title += f"・記録済み {rec.data.get('inspected_on')}（回答 {len(recorded)}件）"
    pieces: list[tuple[str, str | None]] = []
    add = pieces.append
    for i in c.items:
        add((i.key, "bold"))
        add((f"  第{article_ja(i.article)}  {i.title}", None))
        ans = recorded.get(i.key)
        if ans:
            add((f"  回答: {ans}", ANSWER_STYLE[ans]))
        elif i.prefill is not None and i.prefill.answer:
            add((f"  事前記入: {i.prefill.answer}", ANSWER_STYLE[i.prefill.answer]))
        add((f"\n    {i.question}\n", None))
        add((f"    該当する理由: {i.why}\n", "cyan"))
        for ev in i.prefill.evidence if i.prefill else ():
            add((f"    - {ev}\n", "dim"))
    return title, pieces


def _plain_checklist(reg: Register, c: Checklist) -> tuple[str, str]:
    """A checklist's title and plain text, without the control codes rich removes (BEL BS VT FF CR):
    a regular expression, as str.translate (what rich uses) takes a second on this much CJK text."""
    import re

    title, pieces = _pieces(reg, c)
    text = "".join(text for text, _ in pieces)
    # A scan per code is a fraction of the expression's cost, and these codes are rare.
    return title, re.sub("[\a\b\v\f\r]", "", text) if any(ch in text for ch in "\a\b\v\f\r") else text


def _show(title: str, body: list[tuple[str, str | None]] | str) -> None:
    """Print one checklist: styled pieces on a terminal, else its plain text. The pieces are joined
    once: a print per line costs ~1 ms in rich, and even appending to a rich Text costs seconds on
    a large register."""
    from rich.text import Text

    out = console()
    print_rule(out, title)
    if isinstance(body, str):
        sys.stdout.write(body + "\n")
        return
    # soft_wrap: the terminal wraps long lines itself; rich's own wrapping of CJK text costs
    # seconds on a large register.
    # A piece's style may be None (no style), as Text.append takes it; rich's annotation says str | Style.
    out.print(Text.assemble(*body), soft_wrap=True)  # type: ignore[arg-type]
    out.print()


def _record(
    ctx: typer.Context,
    reg: Register,
    year: int,
    division: str | None,
    answers: Path | None,
    interactive: bool,
    dry_run: bool,
    json_out: bool,
    ad_hoc: bool = False,
) -> None:
    from meti_pi import gitlayer
    from meti_pi.actions import inspect as inspect_actions
    from meti_pi.actions.records import read_fields_file
    from meti_pi.inspect import checklist as cl
    from meti_pi.inspect import inspection

    st = state(ctx)
    if answers is not None:
        from meti_pi.store.yamlload import located_errors

        with located_errors(answers):
            given = inspection.parse_answer_set(read_fields_file(answers, "answers file"), str(answers))
        if division and given.division and division != given.division:
            raise UsageError(f"--division {division} differs from `division: {given.division}` in {answers}")
        if not division and given.division and reg.data_of("divisions", given.division) is None:
            with located_errors(answers):  # the file's `division:` names none: said at its line
                raise UsageError(
                    f"{answers}: division: no division {given.division!r} in the register; {cl.division_ids(reg)}"
                )
        division = division or given.division
        if not division:
            raise UsageError.at(answers, None, "name the division (`division:` in the file or --division)")
        # As found on the inspection's day (Art. 41), not when recorded: an incident known after it is not
        # in it, a deadline is judged at that day (a day after today: build_record refuses it).
        checklist = cl.build(reg, division, year, given.inspected_on or st.today)
    else:
        if json_out:
            raise UsageError("--interactive cannot be combined with --json")
        if not division:
            raise UsageError("--interactive needs --division (one division at a time)")
        on = _prompt_day(reg, year, st.today, ad_hoc)  # first: the pre-fills are as found that day
        checklist = cl.build(reg, division, year, on)
        prompted = _prompt_answers(reg, checklist, on, ad_hoc)
        if prompted is None:
            typer.echo("記録しませんでした（nothing recorded）")
            return
        given = prompted
    if ad_hoc:
        given.ad_hoc = True
    root = st.register_root
    # an unknown item or a day at fault in the answers file: at its line there (build_record names the entry)
    from contextlib import nullcontext

    from meti_pi.store.yamlload import located_errors

    with located_errors(answers) if answers is not None else nullcontext():
        outcome = inspection.build_record(
            reg,
            checklist,
            given,
            today=st.today,
            register_commit=gitlayer.head_commit(root),
            source=str(answers) if answers is not None else None,
        )
    sha = inspect_actions.save_inspection(root, outcome, today=st.today, dry_run=dry_run, settings=st.settings)
    if json_out:
        print_json({"year": year, "division": division, "commit": sha, "dry_run": dry_run, **outcome.as_json()})
        return
    verb = "would record" if dry_run else "recorded"
    typer.echo(
        f"{verb} {outcome.key}"
        + (f" (commit {sha[:10]})" if sha else "")
        + f": 回答 {outcome.answered}、未回答 {outcome.pending}、新たな指摘 {len(outcome.new_findings)}、"
        f"是正完了 {len(outcome.closed_here) + len(outcome.closes)}"
    )
    for f in outcome.new_findings:
        typer.echo(f"  指摘 {f['ref']}: {inspection.finding_label(f)}")
    for ref in outcome.closes:
        typer.echo(f"  是正完了 {ref}")


def _prompt_day(reg: Register, year: int, today: date, ad_hoc: bool) -> date:
    """Ask the day of the inspection (実施日, default today) until it is one the record takes: not
    after today nor before the inspection year (record.check_days says why)."""
    from meti_pi.inspect import inspection
    from meti_pi.inspect.checklist import inspection_period
    from meti_pi.store.limits import date_fault

    period = inspection_period(year, reg.policy)
    while True:
        raw = typer.prompt("実施日 (YYYY-MM-DD)", default=today.isoformat())
        try:
            on = date.fromisoformat(raw.strip())
        except ValueError:
            typer.echo(date_fault(raw.strip()), err=True)
            continue
        try:
            inspection.check_inspection_day(year, period, on, today, ad_hoc=ad_hoc)
        except UsageError as exc:
            typer.echo(str(exc), err=True)
            continue
        return on


def _prompt_answers(reg: Register, checklist: Checklist, on: date, ad_hoc: bool = False) -> AnswerSet | None:
    """Ask each item in turn (default: the recorded answer, else the register's pre-fill; an ad-hoc
    inspection starts from the pre-fills, not from the annual record's answers); `on`: the day of
    the inspection, asked first (_prompt_day), from which a finding's due date is counted."""
    from meti_pi.inspect import inspection
    from meti_pi.inspect.checklist import year_label
    from meti_pi.store.limits import date_fault

    _rec, recorded = _recorded(reg, checklist.year, checklist.division)
    if ad_hoc:
        recorded = {}
    due_default = on + timedelta(days=inspection.action_days(reg.policy))
    given = inspection.AnswerSet(division=checklist.division, inspected_on=on)
    total = len(checklist.items)
    typer.echo(
        f"{checklist.division_name}（{checklist.division}）{year_label(checklist.year, reg.policy)}の点検: {total}項目。"
        "yes=適 / no=否 / na=該当なし / skip=後で回答"
    )
    for n, item in enumerate(checklist.items, 1):
        _echo_item(n, total, item)
        default = recorded.get(item.key) or (item.prefill.answer if item.prefill and item.prefill.answer else "skip")
        while True:
            raw = typer.prompt("回答 [yes/no/na/skip]", default=default)
            if raw.strip().lower() == "skip":
                answer = None
                break
            try:
                answer = inspection.normalize_answer(raw, "回答")
                break
            except UsageError as exc:
                typer.echo(str(exc), err=True)
        if answer is None:
            continue
        if answer != "no":
            given.answers[item.key] = inspection.AnswerInput(answer)
            continue
        note = typer.prompt("指摘の内容（空欄: 登録情報の根拠を使う）", default="", show_default=False).strip() or None
        action = typer.prompt("是正措置", default=f"{item.title}について必要な措置を講ずる")
        owner = typer.prompt("担当（官職）", default=checklist.manager_post)
        while True:
            due_raw = typer.prompt("期限 (YYYY-MM-DD)", default=due_default.isoformat())
            try:
                due = date.fromisoformat(due_raw.strip())
                break
            except ValueError:
                typer.echo(date_fault(due_raw.strip()), err=True)
        given.answers[item.key] = inspection.AnswerInput("no", note=note, action=action, owner=owner, due=due)
    if not typer.confirm(f"{len(given.answers)}件の回答を記録しますか？", default=True):
        return None
    return given


def _echo_item(n: int, total: int, item: Item) -> None:
    typer.echo("")
    from meti_pi.inspect.checklist import article_ja

    typer.echo(f"[{n}/{total}] {item.key}  第{article_ja(item.article)}  {item.title}")
    typer.echo(f"  {item.question}")
    typer.echo(f"  該当する理由: {item.why}")
    if item.prefill is not None:
        head = f"  登録情報: {item.prefill.answer}" if item.prefill.answer else "  登録情報:"
        typer.echo(head)
        for line in item.prefill.evidence:
            typer.echo(f"    - {line}")


def _report(
    reg: Register, year: int, today: date, division: str | None, fmt: str, out: Path | None, json_out: bool
) -> None:
    import sys

    from meti_pi.inspect import inspection

    if fmt not in ("md", "docx", "xlsx"):
        raise UsageError(f"--format {fmt!r}: one of md, docx, xlsx")
    with Busy(f"aggregating the inspections of {year}"):  # a terminal only
        data = inspection.year_report(reg, year, today, division=division)
    if json_out and out is None:
        print_json(data)
        return
    if fmt != "md" and out is None:
        raise UsageError(f"--format {fmt} writes a binary file; give --out FILE.{fmt}")
    blob = inspection.render_report(data, fmt, reg.policy, inspection.roles_of(reg))
    if out is None:
        sys.stdout.write(blob.decode("utf-8"))
        return
    from meti_pi.render.outfile import out_folder, write_bytes_atomically

    out_folder(out.parent, "--out's folder")
    write_bytes_atomically(out, blob)
    if json_out:
        print_json(
            {
                "year": year,
                "format": fmt,
                "out": str(out),
                "totals": data["totals"],
                "escalations": len(data["escalations"]),
            }
        )
    else:
        err_console().print(
            f"wrote {out} ({fmt}; {data['totals']['inspected']}/{data['totals']['divisions']} divisions inspected, "
            f"{len(data['escalations'])} item(s) proposed for the 総括)"
        )
