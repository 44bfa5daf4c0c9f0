"""Japanese drafts for an incident: PPC 速報/確報, notice to the 本人, publication (Markdown; Word via meti_pi.render.word).

The PPC report items are the nine of 規則 Art. 44 (legal brief §3.2): their wording is FROM
MEMORY for APPI 行政機関等 and VERIFIED for the parallel business rule Art. 8(1) and the
特定個人情報 rule Art. 3. The notice to the 本人 covers items 1, 2, 4, 5 and 9 (規則 Art. 45,
FROM MEMORY; VERIFIED for the 特定 rule Art. 5). PPC takes reports through its web form only,
so the drafts are field-by-field text to copy into the form plus an internal copy.
Each draft says so in a comment, which Word output drops.
The articles of APPI 68 and 施行規則43-45 are today's numbers from the register's citations.yaml
(`Context.citations`, incident.report_labels); the record's stored assessment keeps its own text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meti_pi.incident import incidents
from meti_pi.incident.report_doc import (
    NOTICE_ITEMS,
    REPORT_ITEMS,
    Context,
    _Doc,
    _event_of,
    _events,
    _files_line,
    _item_no,
    _kept,
    _or_pending,
    _or_unknown,
    _yn,
    organisation_for,
)
from meti_pi.incident.report_labels import (
    KIND_TITLE,
    MYNUMBER_GUIDELINE,
    MYNUMBER_LAW,
    MYNUMBER_TITLE,
    appi_68,
    appi_law,
    notice_laws,
    rule_article,
)
from meti_pi.render import mdsafe
from meti_pi.render.word import center, html_escape, right
from meti_pi.store.citations import Citations

KINDS = ("preliminary", "final", "principal-notice", "publication")
# The interface callers use (the context and the wording defaults live in report_doc).
__all__ = [
    "KINDS",
    "NOTICE_ITEMS",
    "REPORT_ITEMS",
    "Context",
    "file_name",
    "mynumber_only",
    "notice_law",
    "organisation_for",
    "render_docx",
    "render_markdown",
]


def _principal_status(doc: _Doc, record: Mapping[str, Any], *, polite: bool = False) -> list[str]:
    """Where the notice to the 本人 stands; である for the report, です・ます for the public."""
    a = record.get("assessment") or {}
    facts = record.get("facts") or {}
    done = _event_of(record, "principal-notice")
    lines = []
    if done:
        how = f"（{_kept(done['method'])}）" if done.get("method") else ""
        lines.append(f"{doc.date(done['on'])}に本人への通知を{'行いました' if polite else '実施した'}{how}。")
    elif a.get("principal_notice"):
        lines.append("本人への通知を準備しています。" if polite else "本人への通知を準備中である。")
    if a.get("principal_notice_exception") == "difficult":
        measure = _or_unknown(facts.get("substitute_measure"))
        lines.append(
            f"本人への通知が困難であるため、代替措置を講じます：{measure}"
            if polite
            else f"本人への通知が困難であるため、代替措置を講ずる：{measure}"
        )
    elif a.get("principal_notice_exception") == "nondisclosure":
        law = appi_68(doc.ctx.citations) + "第2項第2号"
        lines.append(
            f"当該保有個人情報に不開示情報が含まれるため、本人への通知は行いません（{law}）。"
            if polite
            else f"当該保有個人情報に不開示情報が含まれるため、本人への通知を行わない（{law}）。"
        )
    elif not a.get("principal_notice") and not done:
        note = a.get("principal_notice_note")
        if note:
            lines.append(str(note))  # the assessment's own sentence (meti-pi's text, not the officer's)
        else:
            lines.append("本人への通知は予定していません。" if polite else "本人への通知は予定していない。")
    return lines


def _publication_status(doc: _Doc, record: Mapping[str, Any]) -> str:
    done = _event_of(record, "publication")
    if done:
        ref = f"（{_kept(done['reference'])}）" if done.get("reference") else ""
        return f"{doc.date(done['on'])}に公表した{ref}。"
    publish = (record.get("facts") or {}).get("publish")
    if publish is True:
        return "公表を予定している。"
    if publish is False:
        return "公表は行わない。"
    return "公表の要否を検討中である。"


def _measures(doc: _Doc, facts: Mapping[str, Any], *, polite: bool = False) -> None:
    doc.add("（実施済みの措置）", "")
    for key in ("measures_done", "measures_planned"):
        if key == "measures_planned":
            doc.add("", "（今後実施予定の措置）", "")
        items = facts.get(key)
        if items:
            doc.add(*(f"- {_kept(m)}" for m in items))
        elif polite:
            doc.add("現在検討中です。" if items is None else "ありません。")
        else:
            doc.add(incidents.UNKNOWN_JA if items is None else "なし")


def _basis_grounds(record: Mapping[str, Any]) -> set[str]:
    """The grounds the report rests on: the current ones and those carried from an earlier assessment."""
    a = record.get("assessment") or {}
    return {str(g) for g in (*(a.get("grounds") or ()), *(a.get("carried_grounds") or ()))}


def mynumber_only(record: Mapping[str, Any]) -> bool:
    """特定個人情報 grounds and no 規則43 ground: a report under 番号法 29条の4 alone (規程39(6))."""
    grounds = _basis_grounds(record)
    return (
        bool(grounds & {g for g in incidents.GROUNDS if g.startswith("mynumber-")})
        and not grounds & incidents.APPI_GROUNDS
    )


def draft_title(kind: str, record: Mapping[str, Any]) -> str:
    """The draft's title: 特定個人情報 for a My-Number-only report."""
    if kind in MYNUMBER_TITLE and mynumber_only(record):
        return MYNUMBER_TITLE[kind]
    return KIND_TITLE[kind]


def _report_law(record: Mapping[str, Any], citations: Citations) -> str:
    """Which law the PPC report is made under: APPI 68(1), 番号法 29条の4(1) and its rule, both, the guideline."""
    grounds = _basis_grounds(record)
    parts = []
    if grounds & incidents.APPI_GROUNDS:
        parts.append(appi_law(citations))
    if grounds & incidents.MYNUMBER_RULE_GROUNDS:
        parts.append(MYNUMBER_LAW)
    elif "mynumber-guideline" in grounds:
        parts.append(MYNUMBER_GUIDELINE)
    if not parts and "art39-7" in grounds:
        parts.append("経済産業省個人情報保護管理規程第39条第7項")
    return "並びに".join(parts) if len(parts) > 1 else (parts[0] if parts else appi_law(citations))


def _ppc_report(doc: _Doc, record: Mapping[str, Any], kind: str) -> None:
    ctx = doc.ctx
    facts = record.get("facts") or {}
    a = record.get("assessment") or {}
    mynumber = any(g.startswith("mynumber-") for g in _basis_grounds(record))
    items_rule = (
        "特定個人情報漏えい等規則第3条（規程第39条第6項）"
        if mynumber_only(record)
        else f"{rule_article(ctx.citations, 'rule.44', '第44条')}（報告事項は同規則第8条第1項及び特定個人情報漏えい等規則第3条に準ずる。要確認）"
    )
    doc.raw(
        "<!-- 個人情報保護委員会への報告はウェブフォームにより行う。この案は各欄に転記する文案と内部保存用の写しである。"
        f"記載事項は{items_rule}による。 -->",
        "",
    )
    doc.add(right(doc.date(ctx.today.isoformat()) + "<br>" + html_escape(ctx.organisation)), "")
    doc.add("個人情報保護委員会　御中", "", center(draft_title(kind, record), bold=True), "")
    law = _report_law(record, ctx.citations)
    stage = "速報として、現時点で判明している事項を" if kind == "preliminary" else "確報として、"
    legal = _basis_grounds(record) - {"policy-line"}
    if a.get("carried_grounds") and set(a["carried_grounds"]) <= {"policy-line"}:
        legal.discard("previously-reportable")  # carried from the policy's line alone
    if legal:
        doc.add(f"　{law}の規定に基づき、{stage}下記のとおり報告します。", "", center("記"), "")
    else:  # drafted although not reportable by law: the letter must not claim APPI 68(1) as its basis
        why = f"{_we(ctx.organisation)}の運用ポリシーにより" if _basis_grounds(record) else "参考までに"
        doc.add(
            f"　下記の事態は、{appi_law(ctx.citations)}の規定による報告の対象となる事態には該当しないと判断していますが、"
            f"{why}、{stage}下記のとおり報告します。",
            "",
            center("記"),
            "",
        )
    doc.add("## 報告の区分", "")
    doc.add(f"- 区分：{'速報' if kind == 'preliminary' else '確報'}")
    doc.add(f"- 覚知日（いずれかの部署が知った日）：{doc.date(record.get('known_on'))}")
    if a.get("reportable_since") and a.get("reportable_since") != record.get("known_on"):
        doc.add(f"- 報告対象事態に該当することとなった日：{doc.date(a['reportable_since'])}")
    deadlines = a.get("deadlines") or {}
    key = "preliminary_report" if kind == "preliminary" else "final_report"
    if deadlines.get(key):  # the 速報 is a target (速やかに), not a time limit: never 「報告期限」
        doc.add(f"- {'速報の目安' if kind == 'preliminary' else '確報の期限'}：{doc.date(deadlines[key])}")
    articles = incidents.ground_articles(ctx.citations)
    for r in a.get("reasons") or []:
        lines = _carried_sentences(doc, record, articles) if r.get("ground") == "previously-reportable" else []
        for ground, line in lines or [(r.get("ground"), incident_reason_sentence(doc, r, articles))]:
            label = "運用ポリシーにより報告する事態" if ground == "policy-line" else "該当する事態"
            doc.add(f"- {label}：{line}")
    if a.get("exclusions"):
        doc.add("- 高度な暗号化その他の個人の権利利益を保護するために必要な措置が講じられている。")
    doc.add("")

    # items 2 and 3 name what leaked: 特定個人情報 in a report under 番号法 alone, both in a joint one
    held = "特定個人情報" if mynumber_only(record) else "保有個人情報（特定個人情報を含む。）"
    for n, title in enumerate(doc.ctx.report_items, start=1):
        if mynumber and n in (2, 3):
            title = title.replace("保有個人情報", held)
        doc.add(f"## {_item_no(n)}　{title}", "")
        if n == 1:
            doc.add(
                f"- 発生日：{doc.date(facts.get('occurred_on'))}",
                f"- 発覚日：{doc.date(record.get('known_on'))}",
                f"- 発見者：{_or_unknown(facts.get('discovered_by'))}",
                f"- 委託元・委託先の関与：{_yn(facts.get('contractor_involved'))}",
                f"- 事態の概要：{_or_unknown(record.get('summary'))}",
                "",
                "（経緯）",
                "",
            )
            _events(doc, record)
        elif n == 2:
            doc.add(_or_unknown(facts.get("information_items")), "", f"関係する個人情報ファイル：{_files_line(ctx)}")
        elif n == 3:
            if facts.get("principals") is not None and a.get("principals_basis") == "max-stated":
                doc.add(f"{doc.count(facts['principals'])}人（判明分。最大{doc.count(a['principals'])}人）")
            elif facts.get("principals") is not None:
                doc.add(f"{doc.count(facts['principals'])}人")
            elif a.get("principals") is not None:
                doc.add(f"不明（最大{doc.count(a['principals'])}人）")
            else:
                doc.add(incidents.UNKNOWN_JA)
        elif n == 4:
            doc.add(_or_unknown(facts.get("cause")))
        elif n == 5:
            doc.add(_or_unknown(facts.get("secondary_damage")))
        elif n == 6:
            doc.add(*_principal_status(doc, record))
        elif n == 7:
            doc.add(_publication_status(doc, record))
        elif n == 8:
            _measures(doc, facts)
        else:
            doc.add(_kept(facts.get("other")) if facts.get("other") else "特になし")
        doc.add("")
    unknown = [doc.ctx.report_items[i - 1] for i in _unknown_items(record)]
    if unknown:
        what = (
            "速報の時点で判明していない事項"
            if kind == "preliminary"
            else "確報の時点でなお判明していない事項（判明次第、追完する）"
        )
        doc.add(f"<!-- {what}：{'、'.join(unknown)} -->")
    doc.add("", right("以上"))


# The 報告対象事態 as a report states them (施行規則第43条, 特定個人情報漏えい等規則第2条): a sentence
# written for the document, not the assessment's trace (which names files and sources).
_LEAK = "の漏えい等が発生し、又は発生したおそれがある事態"
_GROUND_SENTENCES: dict[str, str] = {
    "rule43-1": "要配慮個人情報が含まれる保有個人情報" + _LEAK,
    "rule43-2": "不正に利用されることにより財産的被害が生じるおそれがある保有個人情報" + _LEAK,
    "rule43-3": "不正の目的をもって行われたおそれがある当該行政機関等に対する行為による保有個人情報" + _LEAK,
    "rule43-4": "本人の数が{limit}人を超える保有個人情報" + _LEAK,
    "mynumber-rule2-1": "情報提供ネットワークシステム又は個人番号利用事務・個人番号関係事務を処理する情報システムで管理される特定個人情報"
    + _LEAK,
    "mynumber-rule2-2": "不正の目的をもって行われたおそれがある行為による特定個人情報" + _LEAK,
    "mynumber-rule2-3": "電磁的方法により不特定多数の者に閲覧されたおそれがある特定個人情報" + _LEAK,
    "mynumber-rule2-4": "本人の数が{limit}人を超える特定個人情報" + _LEAK,
    "mynumber-guideline": "特定個人情報" + _LEAK + "（報告対象事態に該当しない場合も報告するもの）",
    "art39-7": "行政機関等匿名加工情報等に係る事態",
    # the policy's stricter line (incident.assessment.LAW_MORE_THAN): not a 報告対象事態, said so
    "policy-line": "本人の数が{limit}人を超える保有個人情報"
    + _LEAK
    + "（法令上の報告対象事態には該当しないが、運用ポリシーにより報告するもの）",
}
# Grounds whose number is the law's (規則43(4), 番号法規則2(4)), whatever the policy's line was.
_LAW_COUNT_GROUNDS = frozenset({"rule43-4", "mynumber-rule2-4"})


def incident_reason_sentence(doc: _Doc, reason: Mapping[str, Any], articles: Mapping[str, str] | None = None) -> str:
    """One 該当する事態 line: the document's sentence for the ground, with its article.

    `articles`: the article per ground as cited today (incidents.ground_articles of the register's
    citations); the reason's stored article (as assessed) for a ground it does not name."""
    import re

    ground = str(reason.get("ground") or "")
    # article numbers follow the document's digit style
    article = str((articles or {}).get(ground) or reason.get("article") or "")
    template = _GROUND_SENTENCES.get(ground)
    if template is None:
        text = _kept(reason.get("text") or ground)
    else:
        trace = str(reason.get("text") or "")
        m = re.search(r"(\d+)人を超え", trace)
        limit = int(m.group(1)) if m and ground not in _LAW_COUNT_GROUNDS else incidents.LAW_MORE_THAN
        text = template.format(limit=doc.count(limit))
        # What the assessment assumed while a fact is unknown stays in the report (issue 14), said
        # without file ids.
        notes = [note for note in incidents.ASSUMED_NOTE.values() if note in trace]
        if re.search(r"関係ファイル [^（）]* が保有するため", trace):
            notes.append("関係する個人情報ファイルが保有するため、含まれるおそれがあるものとした")
        text += "".join(f"（{note}）" for note in notes)
    return f"{text}（{article}）" if article else text


def _carried_sentences(doc: _Doc, record: Mapping[str, Any], articles: Mapping[str, str]) -> list[tuple[str, str]]:
    """(ground, sentence) per 報告対象事態 a report carried over still names (the form asks which), with
    the day it was one."""
    a = record.get("assessment") or {}
    limit = (record.get("rules_snapshot") or {}).get("ppc_report_more_than", 100)
    since = doc.date(a.get("reportable_since"))
    return [
        (
            g,
            incident_reason_sentence(doc, {"ground": g, "article": articles[g], "text": f"{limit}人を超え"}, articles)
            + f"（{since}の時点で該当するおそれがあったもの。その後の調査結果は以下のとおり）",
        )
        for g in a.get("carried_grounds") or ()
        if g in articles
    ]


def _unknown_items(record: Mapping[str, Any]) -> list[int]:
    facts = record.get("facts") or {}
    missing = []
    for n, keys in (
        (2, ("information_items",)),
        (3, ("principals",)),
        (4, ("cause",)),
        (5, ("secondary_damage",)),
        (8, ("measures_done",)),
    ):
        if any(facts.get(k) in (None, "", []) for k in keys):
            missing.append(n)
    return missing


def _we(organisation: str) -> str:
    """当省 / 当庁: how the body refers to itself."""
    return "当庁" if organisation.endswith("庁") else "当省"


def _sender(ctx: Context) -> str:
    """「中小企業庁　事業環境部財務課」: the body, then its division (not repeated when the name has it)."""
    name = ctx.division_name or ""
    if name.startswith(ctx.organisation):
        return name
    return f"{ctx.organisation}　{name}" if name else ctx.organisation


def _contact(doc: _Doc) -> None:
    ctx = doc.ctx
    doc.add("## 本件に関するお問い合わせ先", "")
    doc.add(_kept(_sender(ctx)), "")
    lines = [f"所在地：{_kept(ctx.division_address)}"] if ctx.division_address else []
    if ctx.division_phone:
        lines.append(f"電話：{_kept(ctx.division_phone)}")
    if ctx.division_email:
        lines.append(f"電子メール：{_kept(ctx.division_email)}")
    # Hard line breaks: one address block. A division without a contact is a `validate` warning.
    doc.add(*(line + ("\\" if i < len(lines) - 1 else "") for i, line in enumerate(lines)))


def notice_law(record: Mapping[str, Any], citations: Citations | None = None) -> str:
    """The law the notice to the 本人 is given under (both where both apply; else 規程39(4)).

    `citations`: the register's (Register.citations), for today's article numbers."""
    laws = notice_laws(citations or {})
    basis = [laws[b] for b in laws if b in ((record.get("assessment") or {}).get("principal_notice_basis") or ())]
    return "及び".join(basis) if basis else "規程第39条第4項（法令上の通知義務によらない通知）"


def _principal_notice(doc: _Doc, record: Mapping[str, Any]) -> None:
    ctx = doc.ctx
    facts = record.get("facts") or {}
    doc.raw(
        f"<!-- 本人への通知（{notice_law(record, ctx.citations)}：報告事項の1、2、4、5及び9。記載事項は要確認） -->", ""
    )
    sender = html_escape(ctx.organisation) + (
        f"<br>{html_escape(ctx.division_name)}"
        if ctx.division_name and not ctx.division_name.startswith(ctx.organisation)
        else ""
    )
    if ctx.division_name and ctx.division_name.startswith(ctx.organisation):
        sender = html_escape(ctx.division_name)
    doc.add(right(doc.date(ctx.today.isoformat())), "", "関係者各位", "", right(sender), "")
    doc.add(center(KIND_TITLE["principal-notice"], bold=True), "")
    what = "皆様の個人番号を含む特定個人情報" if mynumber_only(record) else "皆様の個人情報を含む保有個人情報"
    doc.add(
        f"　このたび、{_we(ctx.organisation)}において、{what}の漏えい等が発生し、又は発生したおそれがあることが判明しました。"
        "ご迷惑とご心配をおかけし、深くお詫び申し上げます。下記のとおりお知らせします。",
        "",
        center("記"),
        "",
    )
    for i, n in enumerate(ctx.notice_items, start=1):
        title = ctx.report_items[n - 1].replace("保有個人情報", "個人情報")
        doc.add(f"## {_item_no(i)}　{title}", "")
        if n == 1:
            doc.add(
                f"- 発覚日：{doc.date(record.get('known_on'))}", f"- 事態の概要：{_or_unknown(record.get('summary'))}"
            )
        elif n == 2:
            doc.add(_or_pending(facts.get("information_items")))
        elif n == 4:
            doc.add(_or_pending(facts.get("cause")))
        elif n == 5:
            doc.add(_or_pending(facts.get("secondary_damage")))
        else:
            doc.add(_kept(facts.get("other")) if facts.get("other") else "特にありません。")
        doc.add("")
    _contact(doc)
    doc.add("", right("以上"))


def _publication(doc: _Doc, record: Mapping[str, Any]) -> None:
    ctx = doc.ctx
    facts = record.get("facts") or {}
    a = record.get("assessment") or {}
    doc.raw(
        "<!-- 公表（規程第39条第4項：事態が生じた旨並びにその内容、経緯及び被害状況。第40条第2項：再発防止措置） -->",
        "",
    )
    doc.add(right(doc.date(ctx.today.isoformat()) + "<br>" + html_escape(ctx.organisation)), "")
    doc.add(center(KIND_TITLE["publication"], bold=True), "")
    doc.add(
        f"　{_kept(ctx.organisation)}において、個人情報の漏えい等が発生し、又は発生したおそれがあることが判明しましたので、お知らせします。"
        "関係する皆様に多大なご迷惑をおかけし、深くお詫び申し上げます。",
        "",
    )
    doc.add(
        "## １　事態の内容",
        "",
        f"- 発覚日：{doc.date(record.get('known_on'))}",
        f"- 概要：{_or_unknown(record.get('summary'))}",
        f"- 対象となる個人情報の項目：{_or_pending(facts.get('information_items'))}",
    )
    if facts.get("principals") is not None and a.get("principals_basis") == "max-stated":
        doc.add(
            f"- 対象となる本人の数：{doc.count(facts['principals'])}人（判明分。最大{doc.count(a['principals'])}人）"
        )
    elif facts.get("principals") is not None:
        doc.add(f"- 対象となる本人の数：{doc.count(facts['principals'])}人")
    elif a.get("principals") is not None:
        doc.add(f"- 対象となる本人の数：調査中（最大{doc.count(a['principals'])}人）")
    else:
        doc.add("- 対象となる本人の数：調査中")
    doc.add("", "## ２　経緯", "")
    _events(doc, record)
    doc.add("", "## ３　被害状況", "", f"二次被害又はそのおそれ：{_or_pending(facts.get('secondary_damage'))}", "")
    doc.add("## ４　原因", "", _or_pending(facts.get("cause")), "")
    doc.add("## ５　本人への対応", "", *_principal_status(doc, record, polite=True), "")
    doc.add("## ６　再発防止策", "")
    _measures(doc, facts, polite=True)
    doc.add("")
    _contact(doc)
    doc.add("", right("以上"))


_TYPED_TEXT = ("summary", "facts", "events")


def _inert(record: Mapping[str, Any], ctx: Context) -> tuple[dict[str, Any], Context]:
    """The record's typed text and the names from the register as literal Markdown (meti_pi.render.mdsafe).

    Dates and codes inside them hold no Markdown marks, so escaping leaves them as they are."""
    from dataclasses import replace

    out = dict(record)
    for key in _TYPED_TEXT:
        if key in out:
            out[key] = mdsafe.escape_strings(out[key])
    assessment = dict(out.get("assessment") or {})
    if isinstance(assessment.get("principal_notice_note"), str):
        assessment["principal_notice_note"] = mdsafe.inline(assessment["principal_notice_note"])
        out["assessment"] = assessment
    ctx = replace(
        ctx,
        organisation=mdsafe.inline(ctx.organisation),
        division_name=mdsafe.inline(ctx.division_name) if ctx.division_name else ctx.division_name,
        division_address=mdsafe.inline(ctx.division_address) if ctx.division_address else ctx.division_address,
        files=tuple((fid, mdsafe.inline(name) if name else name) for fid, name in ctx.files),
    )
    return out, ctx


def render_markdown(kind: str, record: Mapping[str, Any], ctx: Context) -> str:
    """The Markdown draft of `kind` for `record`."""
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}")
    record, ctx = _inert(record, ctx)
    doc = _Doc(ctx)
    if kind in ("preliminary", "final"):
        _ppc_report(doc, record, kind)
    elif kind == "principal-notice":
        _principal_notice(doc, record)
    else:
        _publication(doc, record)
    return doc.text()


def render_docx(kind: str, record: Mapping[str, Any], ctx: Context, policy: Mapping[str, Any] | None = None) -> bytes:
    """The same draft as a Word document (deterministic bytes for the same input)."""
    from meti_pi.render import word

    md = render_markdown(kind, record, ctx)
    return word.markdown_to_docx(
        md, created=ctx.today, subject=draft_title(kind, record), **word.docx_options_from_policy(dict(policy or {}))
    )


def file_name(record_id: str, kind: str, fmt: str) -> str:
    """`INC-2026-XXXXXX-preliminary.md`."""
    return f"{record_id}-{kind}.{fmt}"
