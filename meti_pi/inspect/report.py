"""The year's inspection report: Art. 41(1) to the 副総括, the Art. 41(2) list for the 総括, in Markdown, Word,
Excel, CSV and JSON."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from meti_pi.dates import wareki
from meti_pi.errors import UsageError
from meti_pi.inspect.answers import inspection_key, key_parts
from meti_pi.inspect.checklist import (
    ANSWERS,
    article_ja,
    finding_ref,
    inspection_period,
    open_findings,
    parse_day,
)
from meti_pi.inspect.doctext import document_text, generated_text
from meti_pi.inspect.years import worded
from meti_pi.render import excel, mdsafe, word
from meti_pi.render.word import center, html_escape, right
from meti_pi.store import policy as policy_mod
from meti_pi.store.problems import refuse_failing_schema
from meti_pi.store.register import Record, Register


def _article_sort(article: str) -> tuple[int, ...]:
    nums = [int(n) for n in article.replace("(", " ").replace(")", " ").split() if n.isdigit()]
    return tuple(nums) or (999,)


def _completion(rec: Record | None) -> tuple[int, int]:
    if rec is None:
        return 0, 0
    answered = len([a for a in rec.data.get("answers", []) if isinstance(a, dict)])
    return answered, answered + len(rec.data.get("pending", []) or [])


def _subject_class(reg: Register, item_key: str) -> str | None:
    _, sep, subject = item_key.partition("@")
    if not sep:
        return None
    data = reg.data_of("files", subject)
    return str(data.get("management_class")) if data and data.get("management_class") else None


ESCALATION_JA = {
    "not_inspected": "点検が未実施",
    "incomplete": "点検が未完了（未回答の項目あり）",
    "overdue_action": "是正措置の期限を経過",
    "repeated": "前年度と同じ項目で再び指摘",
    "carried": "前年度以前の指摘が未是正",
    "class_a": "管理Ａの保有個人情報に係る指摘",
    "incident": "事案（第39条・第40条）に係る指摘",
    "marked": "課等が総括への報告を求めた指摘",
}


def escalation_ja(reasons: list[str], basis: str) -> str:
    """The escalation `reasons` in Japanese, said of the year of `basis` (前年 for a calendar year)."""
    return "、".join(worded(ESCALATION_JA[r], basis) for r in reasons)


def _ad_hoc_by(reg: Register, years: tuple[int, ...]) -> dict[tuple[int, str], list[Any]]:
    """The 随時 (ad-hoc, Art. 41(1)) inspections of `years` by (year, division), in key order: found
    once from the inspections' keys (`<year>/<division>.adhoc-<date>`), no other record read."""
    out: dict[tuple[int, str], list[Any]] = {}
    for key in sorted(reg.keys_of("inspections")):
        parts = key_parts(key)
        if parts is not None and parts[2] and parts[0] in years:
            rec = reg.records[key]
            if rec.data.get("occasion") == "ad_hoc":
                out.setdefault(parts[:2], []).append(rec)
    return out


def year_report(reg: Register, year: int, today: date, *, division: str | None = None) -> dict[str, Any]:
    """The year across divisions: completion, findings by article vs the previous year, escalations.

    Escalation reasons are a DERIVED reading of Art. 41(2) (the 副総括 reports "when needed"):
    the list proposes, the 副総括 decides.
    """
    from meti_pi.inspect import checklist as cl

    start, end = inspection_period(year, reg.policy)
    if start > today:  # a report of inspections 「実施した」 in a year not begun, dated before it
        raise UsageError(
            f"--year {year}: {cl.year_label(year, reg.policy)} begins {start.isoformat()}, after today "
            f"({today.isoformat()}); there is nothing to report yet (its checklist: `meti-pi inspect --year {year}`)"
        )
    basis = cl.year_basis(reg.policy)
    titles = {i.id: i.title for i in cl.load_catalogue().items}
    divisions = sorted(reg.of_kind("divisions"), key=lambda r: r.id)
    if division is not None:
        divisions = [d for d in divisions if d.id == division]
        if not divisions:
            raise UsageError(f"no division {division!r} in the register; {cl.division_ids(reg)}")
    rows: list[dict[str, Any]] = []
    findings_rows: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    by_article: Counter[str] = Counter()
    by_article_prev: Counter[str] = Counter()
    inspected_previous = 0  # divisions with an inspection of the year before recorded (annual or 随時)
    ad_hoc_by = _ad_hoc_by(reg, (year, year - 1))
    refuse_failing_schema(
        reg,
        [
            r
            for div in divisions
            for y in (year, year - 1)
            for r in (reg.records.get(inspection_key(y, div.id)), *ad_hoc_by.get((y, div.id), []))
            if r is not None
        ],
        "writing the year's report",
    )
    carried_from: dict[str, Record] = {}
    for div in divisions:
        rec = reg.records.get(inspection_key(year, div.id))
        prev = reg.records.get(inspection_key(year - 1, div.id))
        answered, total = _completion(rec)
        if rec is None:
            total = len(cl.build(reg, div.id, year, today).items)
        p_answered, p_total = _completion(prev)
        answers = [a for a in (rec.data.get("answers", []) if rec else []) if isinstance(a, dict)]
        counts = Counter(str(a.get("answer")) for a in answers)
        own = [f for f in (rec.data.get("findings", []) if rec else []) if isinstance(f, dict)]
        prev_items = {f.get("item") for f in (prev.data.get("findings", []) if prev else []) if isinstance(f, dict)}
        ad_hoc, prev_ad_hoc = (ad_hoc_by.get((y, div.id), []) for y in (year, year - 1))
        inspected_previous += prev is not None or bool(prev_ad_hoc)
        # the year before counted as this year is: its annual inspection and its 随時 ones
        for f in [f for r in ([prev] if prev else []) + prev_ad_hoc for f in r.data.get("findings", [])]:
            if isinstance(f, dict):
                by_article_prev[str(f.get("article"))] += 1
        carried = [(ref, f, r) for ref, f, r in open_findings(reg, div.id, before_year=year) if r.kind == "inspections"]
        carried_from.update((r.key, r) for _, _, r in carried)
        row = {
            "division": div.id,
            "name": div.data.get("name"),
            "manager_post": div.data.get("manager_post"),
            "inspected": rec is not None,
            "inspected_on": rec.data.get("inspected_on") if rec else None,
            "reported_on": rec.data.get("reported_on") if rec else None,
            "items": total,
            "answered": answered,
            "pending": total - answered,
            "completion": round(answered / total, 4) if total else 1.0,
            "answers": {k: counts.get(k, 0) for k in ANSWERS},
            "findings": len(own),
            "findings_open": sum(1 for f in own if f.get("status") == "open"),
            "carried_open": len(carried),
            "ad_hoc": [r.key for r in ad_hoc],
            "previous": {
                "inspected": prev is not None,
                "completion": round(p_answered / p_total, 4) if p_total else None,
                "findings": len(list(prev.data.get("findings", []))) if prev else None,
            },
        }
        rows.append(row)
        if rec is None:
            escalations.append(
                {
                    "division": div.id,
                    "ref": None,
                    "reasons": ["not_inspected"],
                    "text": escalation_ja(["not_inspected"], basis),
                }
            )
        elif row["pending"] and today > end:
            escalations.append(
                {
                    "division": div.id,
                    "ref": None,
                    "reasons": ["incomplete"],
                    "text": escalation_ja(["incomplete"], basis),
                }
            )
        listed = [(finding_ref(rec.key, f.get("id")), f, False, rec) for f in own] if rec else []
        listed += [
            (finding_ref(r.key, f.get("id")), f, False, r)
            for r in ad_hoc
            for f in r.data.get("findings", [])
            if isinstance(f, dict)
        ]
        listed += [(ref, f, True, r) for ref, f, r in carried]
        for ref, f, is_carried, holder in listed:
            if not is_carried:
                by_article[str(f.get("article"))] += 1
            due = parse_day(f.get("due"))
            is_open = f.get("status") == "open"
            reasons = []
            if is_open and due is not None and due < today:
                reasons.append("overdue_action")
            if not is_carried and f.get("item") in prev_items:
                reasons.append("repeated")
            if is_carried:
                reasons.append("carried")
            if _subject_class(reg, str(f.get("item", ""))) == "A":
                reasons.append("class_a")
            if str(f.get("article", "")).startswith(("39", "40")):
                reasons.append("incident")
            if f.get("escalate"):
                reasons.append("marked")
            text_as_written, action_as_written = _as_written(holder, f, titles)
            findings_rows.append(
                {
                    "ref": ref,
                    "division": div.id,
                    "article": f.get("article"),
                    "item": f.get("item"),
                    "text": f.get("text"),
                    "text_as_written": text_as_written,
                    "action": f.get("action"),
                    "action_as_written": action_as_written,
                    "owner": f.get("owner"),
                    "due": f.get("due"),
                    "status": f.get("status"),
                    "closed_on": f.get("closed_on"),
                    "carried": is_carried,
                    "overdue": "overdue_action" in reasons,
                    "escalate": reasons,
                }
            )
            if reasons and (is_open or "repeated" in reasons or "class_a" in reasons or "incident" in reasons):
                escalations.append(
                    {
                        "division": div.id,
                        "ref": ref,
                        "reasons": reasons,
                        "text": escalation_ja(reasons, basis) + f"：{f.get('text')}",
                    }
                )
    refuse_failing_schema(reg, carried_from.values(), "writing the year's report")
    articles = sorted(set(by_article) | set(by_article_prev), key=_article_sort)
    total_items = sum(r["items"] for r in rows)
    total_answered = sum(r["answered"] for r in rows)
    return {
        "year": year,
        "year_basis": basis,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "generated_on": today.isoformat(),
        "catalogue_version": cl.load_catalogue().version,
        "totals": {
            "divisions": len(rows),
            "inspected": sum(1 for r in rows if r["inspected"]),
            "items": total_items,
            "answered": total_answered,
            "completion": round(total_answered / total_items, 4) if total_items else 1.0,
            "findings": sum(by_article.values()),
            "findings_previous": sum(by_article_prev.values()),
            "inspected_previous": inspected_previous,
            "open": sum(1 for f in findings_rows if f["status"] == "open"),
            # of which this year's findings, and those of earlier years still open
            "open_this_year": sum(1 for f in findings_rows if f["status"] == "open" and not f["carried"]),
            "open_carried": sum(1 for f in findings_rows if f["status"] == "open" and f["carried"]),
        },
        "divisions": rows,
        "findings_by_article": [
            {
                "article": a,
                "count": by_article.get(a, 0),
                "previous": by_article_prev.get(a, 0),
                "change": by_article.get(a, 0) - by_article_prev.get(a, 0),
            }
            for a in articles
        ],
        "findings": findings_rows,
        "escalations": escalations,
    }


def _cell(text: Any) -> str:

    return mdsafe.inline(str(text if text is not None else "—").replace("|", "｜"))


def _as_written(rec: Record, f: dict[str, Any], titles: dict[str, str]) -> tuple[str | None, bool]:
    """What of a finding its officer wrote, which a document prints as written (meti_pi.inspect.
    doctext): the answer's note its text ends with (None: meti-pi wrote the text, the item's title
    and the register's evidence), and whether the corrective action is the officer's (not the
    default one made of the item's title)."""
    item = str(f.get("item") or "")
    answer = next((a for a in rec.data.get("answers") or [] if isinstance(a, dict) and a.get("item") == item), {})
    note = answer.get("note")
    text = str(f.get("text") or "")
    written = note if isinstance(note, str) and note.strip() and text.endswith(note) else None
    title = titles.get(item.partition("@")[0])
    default_action = title is not None and f.get("action") == f"{title}について必要な措置を講ずる"
    return written, not default_action


def finding_text(f: dict[str, Any], *, fullwidth_digits: bool = True, eras: wareki.Eras = wareki.DEFAULT_ERAS) -> str:
    """A report row's finding as a document says it: meti-pi's words in the document's form, the
    officer's note as written."""
    text = str(f.get("text") or "")
    note = f.get("text_as_written")
    if isinstance(note, str) and note and text.endswith(note):
        return generated_text(text[: -len(note)], fullwidth_digits=fullwidth_digits, eras=eras) + document_text(note)
    return generated_text(text, fullwidth_digits=fullwidth_digits, eras=eras)


def action_text(f: dict[str, Any], *, fullwidth_digits: bool = True, eras: wareki.Eras = wareki.DEFAULT_ERAS) -> str:
    """A report row's corrective action as a document says it (the officer's as written)."""
    if f.get("action_as_written") is False:
        return generated_text(f.get("action"), fullwidth_digits=fullwidth_digits, eras=eras)
    return document_text(f.get("action"))


def _sender_lines(reg_roles: dict[str, tuple[str, str]]) -> tuple[str, str]:
    to_title, to_post = reg_roles.get("sokatsu", ("総括個人情報保護管理者", "官房長"))
    from_title, from_post = reg_roles.get("fuku_sokatsu", ("副総括個人情報保護管理者", "大臣官房個人情報保護室長"))

    return f"{to_title}\\\n{to_post}　殿", f"{html_escape(from_title)}<br>{html_escape(from_post)}"


def report_markdown(
    report: dict[str, Any], policy: dict[str, Any], roles: dict[str, tuple[str, str]] | None = None
) -> str:
    """The report as a Japanese document in CommonMark (Word output is made from it, landscape):
    the 副総括's report to the 総括 (Art. 41(2)), 和暦 dates, 課等 by name, ids only as references."""
    full = policy_mod.fullwidth_digits(policy)
    eras = policy_mod.eras(policy)

    def d(value: Any) -> str:
        day = parse_day(value)
        return wareki.to_wareki(day, fullwidth_digits=full, eras=eras) if day else "—"

    def n(value: int) -> str:
        return wareki.count(value, fullwidth_digits=full)

    def t(text: str) -> str:
        return wareki.fullwidth(text) if full else text

    def pct(value: float | None) -> str:
        return wareki.percent(value, fullwidth_digits=full)

    def y(text: str) -> str:  # the words of a 年度 (前年度), as said of the report's year (years.worded)
        return worded(text, report["year_basis"])

    def said(f: dict[str, Any]) -> str:
        return _cell(finding_text(f, fullwidth_digits=full, eras=eras))

    names = {r["division"]: str(r["name"] or r["division"]) for r in report["divisions"]}
    start = date.fromisoformat(report["period"]["start"])
    end = date.fromisoformat(report["period"]["end"])
    if report["year_basis"] == "fiscal":
        label = wareki.fiscal_year_label(start.year, fullwidth_digits=full, eras=eras)
    else:
        label = wareki.calendar_year_label(start.year, fullwidth_digits=full, eras=eras)
    title = f"{label}保有個人情報等の管理及び利用の状況に関する点検結果について（報告）"
    to_line, from_line = _sender_lines(roles or {})
    tot = report["totals"]
    lines = [
        right(html_escape(d(report["generated_on"]))),
        "",
        to_line,
        "",
        right(from_line),
        "",
        center(html_escape(title), bold=True),
        "",
        "　"
        + t(
            # the 管理者's inspections are 41(1)'s; this report of their results to the 総括 is 41(2)'s
            f"経済産業省個人情報保護管理規程第41条第1項の規定に基づき{label}に実施した"
            "保有個人情報等の管理及び利用の状況に関する点検の結果を、同条第2項の規定により、下記のとおり報告する。"
        ),
        "",
        center("記"),
        "",
        "## " + t("１　点検の概要"),
        "",
        f"- 対象期間：{d(start)}から{d(end)}まで",
        f"- 点検を実施した課等：{n(tot['divisions'])}課等中{n(tot['inspected'])}課等",
        f"- 点検項目の回答率：{pct(tot['completion'])}（{n(tot['items'])}項目中{n(tot['answered'])}項目）",
        f"- 指摘事項：{n(tot['findings'])}件（"
        # 「前年度０件」 of a year no inspection of is recorded would say it was inspected and found nothing
        + (
            y(f"前年度{n(tot['findings_previous'])}件")
            if tot.get("inspected_previous", 1)
            else y("前年度の点検の記録なし")
        )
        + "）、"
        f"うち是正が完了していないもの{n(tot['open_this_year'])}件",
        f"- {y('前年度以前')}の指摘事項で是正が完了していないもの：{n(tot['open_carried'])}件",
        "",
        "## " + t("２　課等別の実施状況"),
        "",
        y(
            "| 課等 | 実施日 | 項目数 | 回答率 | 前年度回答率 | 適 | 否 | 該当なし | 指摘 | 未是正 | 前年度以前の未是正 |"
        ),
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in report["divisions"]:
        a = r["answers"]
        held = (d(r["inspected_on"]) if r["inspected_on"] else "未実施") + (
            f"（ほか随時点検{n(len(r['ad_hoc']))}回）" if r.get("ad_hoc") else ""
        )
        lines.append(
            f"| {_cell(r['name'])} | {_cell(held)} | {n(r['items'])} | {pct(r['completion'])} | "
            f"{pct(r['previous']['completion'])} | {n(a['yes'])} | {n(a['no'])} | {n(a['na'])} | {n(r['findings'])} | "
            f"{n(r['findings_open'])} | {n(r['carried_open'])} |"
        )
    lines += ["", "## " + t(y("３　条項別の指摘件数（前年度との比較）")), ""]
    if report["findings_by_article"]:
        lines += [y("| 条項 | 本年度 | 前年度 | 増減 |"), "|---|--:|--:|--:|"]
        for a in report["findings_by_article"]:
            change = a["change"]
            sign = (
                "＋"
                if full and change > 0
                else "－"
                if full and change < 0
                else "+"
                if change > 0
                else "-"
                if change < 0
                else "±"
            )
            lines.append(
                f"| {t('規程第' + article_ja(a['article']))} | {n(a['count'])} | {n(a['previous'])} | {sign}{n(abs(change))} |"
            )
    else:
        lines.append("指摘事項はない。")
    lines += ["", "## " + t("４　指摘事項及び是正措置"), ""]
    if report["findings"]:
        for i, f in enumerate(report["findings"], start=1):
            status = (
                ("是正完了（" + d(f["closed_on"]) + "）")
                if f["status"] == "closed"
                else ("期限経過" if f["overdue"] else "是正中")
            )
            if f["carried"]:
                status += y("、前年度以前からの繰越し")
            lines += [
                "### "
                + t(f"（{i}）")
                + f"{_cell(names.get(f['division'], f['division']))}　{t('規程第' + article_ja(str(f['article'])))}",
                "",
                f"- 指摘：{said(f)}",
                f"- 是正措置：{_cell(action_text(f, fullwidth_digits=full, eras=eras))}",
                f"- 担当：{_cell(f['owner'])}　期限：{d(f['due'])}　状況：{status}",
                f"- 参照：{f['ref']}",
                "",
            ]
    else:
        lines += ["指摘事項はない。", ""]
    lines += ["## " + t("５　総括個人情報保護管理者への報告を要する事項の候補（規程第41条第2項）"), ""]
    findings = {f["ref"]: f for f in report["findings"]}
    if report["escalations"]:
        for e in report["escalations"]:
            why = t(escalation_ja(e["reasons"], report["year_basis"]))
            f = findings.get(e["ref"]) if e["ref"] else None
            what = f"（{said(f)}）" if f else ""
            lines.append(f"- {_cell(names.get(e['division'], e['division']))}：{why}{what}")
    else:
        lines.append("該当なし。")
    lines += [
        "",
        "　" + t("第５の事項は点検結果から抽出した候補であり、報告の要否は副総括個人情報保護管理者が判断する。"),
        "",
        right("以上"),
        "",
    ]
    return "\n".join(lines)


REPORT_HEADERS = (
    "参照",
    "課等",
    "課等ID",
    "条項",
    "項目",
    "指摘",
    "是正措置",
    "担当（官職）",
    "期限",
    "状況",
    "完了日",
    "総括への報告候補",
)


DIVISION_HEADERS = (
    "課等",
    "課等ID",
    "実施日",
    "項目数",
    "回答済",
    "回答率",
    "前年度回答率",
    "適",
    "否",
    "該当なし",
    "指摘",
    "未是正",
    "前年度以前の未是正",
)


def division_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per division, for the spreadsheet (numbers as numbers, dates as ISO text)."""
    rows = []
    for r in report["divisions"]:
        a = r["answers"]
        prev = r["previous"]["completion"]
        rows.append(
            [
                r["name"],
                r["division"],
                r["inspected_on"] or "未実施",
                r["items"],
                r["answered"],
                round(r["completion"] * 100),
                None if prev is None else round(prev * 100),
                a["yes"],
                a["no"],
                a["na"],
                r["findings"],
                r["findings_open"],
                r["carried_open"],
            ]
        )
    return rows


def roles_of(reg: Register) -> dict[str, tuple[str, str]]:
    """role -> (title, post) from the register's roles records."""
    return {
        str(r.data.get("role")): (str(r.data.get("title_ja") or ""), str(r.data.get("post") or ""))
        for r in reg.of_kind("roles")
        if r.data.get("role")
    }


def report_rows(report: dict[str, Any], policy: dict[str, Any] | None = None) -> list[list[Any]]:
    """One row per finding, for the spreadsheet (its texts as the Markdown report words them, under
    `policy`'s digit style and eras)."""
    full = policy_mod.fullwidth_digits(policy or {})
    eras = policy_mod.eras(policy or {})
    rows = []
    names = {r["division"]: r["name"] for r in report["divisions"]}
    for f in report["findings"]:
        rows.append(
            [
                f["ref"],
                names.get(f["division"]) or f["division"],
                f["division"],
                f["article"],
                f["item"],
                finding_text(f, fullwidth_digits=full, eras=eras),
                action_text(f, fullwidth_digits=full, eras=eras),
                f["owner"],
                f["due"],
                {"open": "対応中", "closed": "完了"}.get(str(f["status"]), f["status"])
                + ("（繰越）" if f["carried"] else ""),
                f["closed_on"],
                (wareki.fullwidth if full else str)(escalation_ja(f["escalate"], report["year_basis"])),
            ]
        )
    return rows


def render_report(
    report: dict[str, Any], fmt: str, policy: dict[str, Any], roles: dict[str, tuple[str, str]] | None = None
) -> bytes:
    """The report as md (UTF-8), docx (landscape A4) or xlsx (a sheet per division and one of
    findings) bytes; reproducible for the same input. `roles`: role -> (title, post) of the
    総括 and 副総括 (`roles_of`)."""
    md = report_markdown(report, policy, roles)
    created = date.fromisoformat(report["generated_on"])
    if fmt == "md":
        return md.encode("utf-8")
    if fmt == "docx":
        return word.markdown_to_docx(
            md, **word.docx_options_from_policy(policy), created=created, landscape=True, subject="点検結果報告"
        )
    if fmt == "xlsx":
        return excel.write_workbook(
            [
                excel.Sheet(f"指摘事項{report['year']}", REPORT_HEADERS, report_rows(report, policy), paper="A3"),
                excel.Sheet(
                    f"課等別{report['year']}",
                    tuple(worded(h, report["year_basis"]) for h in DIVISION_HEADERS),
                    division_rows(report),
                ),
            ],
            created=created,
            title=f"点検結果{report['year']}",
        )
    raise UsageError(f"--format {fmt!r}: one of md, docx, xlsx")
