"""The Art. 42 audit report: the 監査責任者's report of one audit to the 総括, in Markdown and Word.

Made as the other documents are (meti_pi.inspect.report): addressee and sender, a centred title,
記 … 以上, 和暦 dates, the document's digit style for counts and articles (ids half-width),
課等 by name (ids only on a 参照 line), record text escaped. It writes a file only: no commit.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.dates import wareki
from meti_pi.errors import UsageError
from meti_pi.inspect.doctext import document_text
from meti_pi.inspect.inspection_checks import Standing, audited_divisions, auditor_standing
from meti_pi.inspect.report import roles_of
from meti_pi.inspect.years import article_ja, worded, year_basis
from meti_pi.render import mdsafe, word
from meti_pi.render.markdown import center, html_escape, right
from meti_pi.render.outfile import out_folder, write_bytes_atomically
from meti_pi.store import policy as policy_mod
from meti_pi.store.problems import refuse_failing_schema
from meti_pi.store.register import Register

TITLE = "保有個人情報等の管理及び利用の状況に関する監査結果報告"  # 規程第42条第1項の語
KIND_JA = {"regular": "定期監査", "ad_hoc": "随時監査"}
ROLE_JA = {"officer": "監査責任者", "staff": "監査事務実施者", "external": "外部監査人"}
FORMATS = ("md", "docx")


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def audit_data(reg: Register, audit_id: str) -> dict[str, Any]:
    """The audit record's fields; an unknown id is a usage error (exit 2), a record that fails its
    schema breaks the rules (exit 1, its problems at their lines), as for a notice's ファイル簿 record:
    a document is not made from fields the schema refuses (`division: [kaikei]` was shown as a list)."""
    rec = reg.get("audits", audit_id)
    if rec is None:
        raise UsageError(f"no audit {audit_id!r}; see `meti-pi audit list`")
    refuse_failing_schema(reg, (rec,), "writing its report")
    data: dict[str, Any] = rec.data
    return data


def audit_report_markdown(reg: Register, audit_id: str, today: date) -> str:
    """The report as a Japanese document in CommonMark (the Word output is made from it)."""
    data = audit_data(reg, audit_id)
    full = policy_mod.fullwidth_digits(reg.policy)
    eras = policy_mod.eras(reg.policy)

    def d(value: Any) -> str:
        day = _day(value)
        return wareki.to_wareki(day, fullwidth_digits=full, eras=eras) if day else "—"

    def t(text: str) -> str:
        return wareki.fullwidth(text) if full else text

    def n(value: int) -> str:
        return wareki.count(value, fullwidth_digits=full)

    def esc(text: Any) -> str:
        return mdsafe.inline(document_text(text))

    names = {r.id: str(r.data.get("name") or r.id) for r in reg.of_kind("divisions")}

    def div_name(did: Any) -> str:
        return mdsafe.inline(names.get(str(did), "登録簿にない課等"))

    roles = roles_of(reg)
    to_title, to_post = roles.get("sokatsu", ("総括個人情報保護管理者", "官房長"))
    officer_title = roles.get("audit_officer", ("個人情報保護監査責任者", ""))[0] or "個人情報保護監査責任者"
    officer_post = str(data.get("officer_post") or roles.get("audit_officer", ("", ""))[1] or "")
    scope = data.get("scope") or {}
    audited = audited_divisions(data)
    auditors = [a for a in data.get("auditors") or [] if isinstance(a, dict)]
    findings = [f for f in data.get("findings") or [] if isinstance(f, dict)]
    report_day = _day(data.get("reported_on")) or today

    kind = KIND_JA.get(str(data.get("kind")), "監査") + ("（外部監査）" if data.get("external") else "")
    lines = [
        right(html_escape(d(report_day))),
        "",
        f"{mdsafe.inline(to_title)}\\",
        f"{mdsafe.inline(to_post)}　殿",
        "",
        right(
            f"{html_escape(officer_title)}<br>{html_escape(officer_post)}"
            if officer_post
            else html_escape(officer_title)
        ),
        "",
        center(html_escape(TITLE), bold=True),
        "",
        "　"
        + t(
            "経済産業省個人情報保護管理規程第42条第1項の規定に基づき実施した保有個人情報等の管理及び利用の状況に"
            "関する監査の結果を、下記のとおり報告する。"  # the article's words, as TITLE
        ),
        "",
        center("記"),
        "",
        "## " + t("１　監査の概要"),
        "",
        f"- 件名：{mdsafe.inline(data.get('title') or '')}",
        f"- 種別：{kind}",
        "- 被監査部門：" + ("、".join(div_name(x) for x in audited) if audited else "全課等"),
    ]
    if scope.get("articles"):
        lines.append("- 対象条項：" + "、".join(t("規程第" + article_ja(str(a))) for a in scope["articles"]))
    else:
        lines.append("- 対象条項：規程に定める安全管理措置の全般")
    if scope.get("year"):
        y = int(scope["year"])
        label = (
            wareki.fiscal_year_label(y, fullwidth_digits=full, eras=eras)
            if year_basis(reg.policy) == "fiscal"
            else wareki.calendar_year_label(y, fullwidth_digits=full, eras=eras)
        )
        lines.append(worded("- 対象年度：", year_basis(reg.policy)) + label)
    ended = _day(data.get("ended_on"))
    lines.append(
        f"- 監査期間：{d(data.get('started_on'))}から" + (f"{d(ended)}まで" if ended else "（終了日の記録なし）")
    )
    if scope.get("description"):
        lines.append(f"- 概要：{mdsafe.inline(scope['description'])}")
    lines += ["", "## " + t("２　監査の実施者"), ""]
    dependent, unchecked = [], []
    for a, s in zip(auditors, auditor_standing(reg, data), strict=True):  # one standing per auditor, in order
        where = ""
        if a.get("organisation"):
            where = f"（{mdsafe.inline(a['organisation'])}）"
        elif a.get("division"):
            where = f"（{div_name(a['division'])}）"
        lines.append(
            f"- {ROLE_JA.get(str(a.get('role')), '監査事務実施者')}：{mdsafe.inline(a.get('post') or '')}{where}"
        )
        if s.standing is Standing.IN_AUDITED:
            dependent.append(f"{mdsafe.inline(a.get('post') or '')}（{div_name(s.division)}）")
        elif s.standing is Standing.HEADS_AUDITED:  # its 管理者 or a 副 by post: of that 課等, whatever `division` says
            dependent.append(
                f"{mdsafe.inline(a.get('post') or '')}（{div_name(s.headed)}の個人情報保護管理者又は副個人情報保護管理者）"
            )
        elif s.standing in (Standing.DIVISION_UNRECORDED, Standing.DIVISION_UNREGISTERED):
            # a division no 課等 record is (mistyped, removed) places the auditor nowhere either
            unchecked.append(mdsafe.inline(a.get("post") or ""))
    lines.append("")
    if dependent:
        lines.append(
            "　"
            + "、".join(dependent)
            + t(
                "は被監査部門に所属しており、規程第42条第2項に定める被監査部門からの"
                "独立性を欠くため、当該者が監査した事項の取扱いについて留意を要する。"
            )
        )
    if unchecked:  # never 「いずれも独立」 of someone whose division is not recorded
        lines.append(
            "　"
            + "、".join(unchecked)
            + t("は所属課等の記録がなく、規程第42条第2項に定める被監査部門からの独立性を確認できない。")
        )
    if not (dependent or unchecked):
        if any(a.get("role") != "officer" for a in auditors):
            lines.append("　" + t("監査事務実施者は、いずれも被監査部門から独立した者である（規程第42条第2項）。"))
        else:  # the 監査責任者 alone: nobody to say it of
            lines.append("　" + t("監査事務実施者の記録はない。"))
    lines += ["", "## " + t("３　指摘事項及び是正措置"), ""]
    if not findings:
        # No findings is the audit's result only once it has ended: before, none are recorded yet.
        lines += ["指摘事項はない。" if ended else "指摘事項はまだ記録されていない（監査の終了日の記録なし）。", ""]

    def closed_by_then(f: dict[str, Any]) -> bool:  # the document speaks as of its date, not of today
        closed_on = _day(f.get("closed_on"))
        return f.get("status") == "closed" and (closed_on is None or closed_on <= report_day)

    for i, f in enumerate(findings, start=1):
        due = _day(f.get("due"))
        status = (
            f"是正完了（{d(f.get('closed_on'))}）"
            if closed_by_then(f)
            else "期限経過"
            if due is not None and due < report_day
            else "是正中"
        )
        lines += [
            "### "
            + t(f"（{i}）")
            + f"{div_name(f.get('division'))}　{t('規程第' + article_ja(str(f.get('article'))))}",
            "",
            f"- 指摘：{esc(f.get('text'))}",
            f"- 是正措置：{esc(f.get('action'))}",
            f"- 担当：{div_name(f.get('division'))}（{mdsafe.inline(f.get('owner') or '')}）　期限：{d(f.get('due'))}　状況：{status}",
            f"- 参照：audits/{audit_id}#{f.get('id')}",
            "",
        ]
    if findings:
        open_count = sum(1 for f in findings if not closed_by_then(f))
        lines += [
            "　"
            + t("指摘事項は")
            + n(len(findings))
            + "件、うち是正が完了していないものは"
            + n(open_count)
            + "件である。",
            "",
        ]
    packs = [
        p
        for p in data.get("evidence") or []
        if isinstance(p, dict) and (_day(p.get("generated_on")) or report_day) <= report_day
    ]
    if packs:
        lines += ["## " + t("４　監査に用いた証跡"), ""]
        for p in packs:
            lines.append(f"- 登録簿及びその変更履歴（{d(p.get('generated_on'))}作成）")
            lines.append(f"- 参照：コミット {str(p.get('commit'))[:12]}")
        lines.append("")
    if data.get("notes"):
        lines += ["## " + t(f"{'５' if packs else '４'}　備考"), "", "　" + mdsafe.inline(data["notes"]), ""]
    lines += [right("以上"), ""]
    return "\n".join(lines)


def render_audit_report(reg: Register, audit_id: str, fmt: str, today: date) -> bytes:
    """The report as md (UTF-8) or docx bytes; reproducible for the same register and day."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: one of md, docx")
    md = audit_report_markdown(reg, audit_id, today)
    if fmt == "md":
        return md.encode("utf-8")
    return word.markdown_to_docx(md, **word.docx_options_from_policy(reg.policy), created=today, subject="監査結果報告")


def write_audit_report(blob: bytes, audit_id: str, fmt: str, out_dir: Path) -> Path:
    """Write the report `blob` (render_audit_report) as `<out_dir>/<audit_id>-report.<fmt>` (all or
    nothing); the register is not changed."""
    out_folder(out_dir)  # a file in the way, or --out naming a file, said with what to give
    path = out_dir / f"{audit_id}-report.{fmt}"
    write_bytes_atomically(path, blob)
    return path
