"""Japanese drafts of the Art. 35/36 notices to the 副総括個人情報保護管理者, as Markdown.

A draft is addressed to the 副総括 (the post comes from the `roles` records) from the file's
課等 and its 個人情報保護管理者 (`divisions.manager_post`). It states the APPI 74(1) items
1-11 from the ファイル簿 record, the management class and why, the 別表 row of each system
with its 甲/乙, the contractors, the exclusions claimed, and per kind: the 番号法 basis and
PIA status (35-3) or the 行政機関等匿名加工情報 (36). The notice items the rule leaves to the
マニュアル are not public (legal brief §5.2); this set is the brief's DERIVED suggestion.

Digits the draft itself writes (article numbers, dates, counts) are full-width by default (the
rule's own style) or half-width on request; text taken from the register is never changed.
Where the rule cites a law article by a number that has since moved, both numbers are given
from citations.yaml: 「個人情報保護法第116条第1項（規程制定時の第114条第1項）」.
Word output is `meti_pi.render.word.markdown_to_docx` of this Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meti_pi.classify.classification import document_rationale
from meti_pi.classify.profile import FULLWIDTH_CLASS, sensitive_held
from meti_pi.dates.wareki import DEFAULT_ERAS, Eras, fullwidth, to_wareki
from meti_pi.dates.wareki import count as count_text
from meti_pi.filebook import book as filebook_book
from meti_pi.notify import notices
from meti_pi.notify.draft_labels import (
    APPI,
    EXCLUSION_LABELS,
    FILE_KIND_LABELS,
    FUKU_SOKATSU_POST,
    FUKU_SOKATSU_TITLE,
    ITEM_LABELS,
    LATE_CHANGE_LEADS,
    LATE_CHANGE_NOTES,
    LATE_LEADS,
    LATE_NOTES,
    LEADS,
    MYNUMBER,
    PIA_LABELS,
    TITLES,
    UNSET,
)
from meti_pi.render import mdsafe
from meti_pi.render.word import center, html_escape, right
from meti_pi.store import beppyo
from meti_pi.store import policy as policy_mod
from meti_pi.store.citations import article_part as article_part  # re-exported: the helpers moved to store/
from meti_pi.store.citations import cite as cite  # used here, and the notice drafts' name for it
from meti_pi.store.contracts import outsources
from meti_pi.store.register import Record, Register


@dataclass(frozen=True, slots=True)
class DraftContext:
    """What a draft says beyond the register: its notice, date and provenance."""

    notice_id: str
    kind: str
    drafted_on: date
    items_hash: str
    register_commit: str | None = None
    change: bool = False
    supersedes: str | None = None  # the notice a change notice follows
    supersedes_on: date | None = None  # when that notice was made
    changed_items: tuple[str, ...] | None = None  # keys of notices.notified_items that changed (None: unknown)
    late_reason: str | None = None
    fullwidth_digits: bool = True


@dataclass
class Draft:
    """A rendered draft: its title, Markdown, and the register fields it had to leave blank."""

    title: str
    markdown: str
    gaps: list[str] = field(default_factory=list)


class _Writer:
    """Builds the Markdown; `t()` applies the digit width to the draft's own text."""

    def __init__(self, fw: bool, eras: Eras = DEFAULT_ERAS) -> None:
        self.fw = fw
        self.eras = eras
        self.lines: list[str] = []
        self.gaps: list[str] = []

    def t(self, text: str) -> str:
        return fullwidth(text) if self.fw else text

    def date(self, day: date | None) -> str:
        return to_wareki(day, fullwidth_digits=self.fw, eras=self.eras) if day else UNSET

    def count(self, n: int) -> str:
        return count_text(n, fullwidth_digits=self.fw)

    def para(self, text: str = "") -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        if text:
            self.lines.append(text)

    def heading(self, level: int, text: str) -> None:
        self.para("#" * level + " " + text)

    def bullets(self, items: list[str]) -> None:
        self.para()
        self.lines.extend("- " + item for item in items)

    def value(self, value: Any, gap: str, *, empty: str = UNSET) -> str:
        """A register text as written, or a marker (and a recorded gap) when it is missing."""
        if isinstance(value, str) and value.strip():
            return _md_escape(value.strip())
        if empty == UNSET:
            self.gaps.append(gap)
        return empty

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _md_escape(text: str) -> str:
    """Register text made safe as one Markdown paragraph line (no marks, no line structure)."""

    return mdsafe.inline(text)


def fuku_sokatsu(reg: Register) -> tuple[str, str]:
    """(role title, post) of the 副総括 from the roles records (the rule's Art. 5(2) if absent)."""
    for rec in reg.of_kind("roles"):
        if rec.data.get("role") == "fuku_sokatsu":
            return str(rec.data.get("title_ja") or FUKU_SOKATSU_TITLE), str(rec.data.get("post") or FUKU_SOKATSU_POST)
    return FUKU_SOKATSU_TITLE, FUKU_SOKATSU_POST


def class_reasons(decision: Any) -> list[Any]:
    """The engine's steps that decided the management class (rules 'class-...')."""
    return [r for r in getattr(decision, "reasons", ()) or () if str(getattr(r, "rule", "")).startswith("class-")]


def _reason_text(reason: Any) -> str | None:
    text = reason.get("text") if isinstance(reason, dict) else getattr(reason, "text", None)
    article = reason.get("article") if isinstance(reason, dict) else getattr(reason, "article", None)
    if not isinstance(text, str) or not text.strip():
        return None
    return f"{text.strip()}（{article}）" if article else text.strip()


def render(reg: Register, rec: Record, ctx: DraftContext, decision: Any = None) -> Draft:
    """The Markdown draft of one notice about one files record."""
    data = rec.data
    decision = decision if decision is not None else notices.decision_for(reg, data)
    klass = notices.management_class(data, decision)
    w = _Writer(ctx.fullwidth_digits, policy_mod.eras(reg.policy))  # the policy of the register drafted from
    kind = ctx.kind
    klass_fw = _class_label(klass)
    title = w.t(TITLES[kind][1 if ctx.change else 0].format(klass=klass_fw))
    division = reg.division_of(data.get("division")) or {}
    role_title, role_post = fuku_sokatsu(reg)

    # Heading block: number and date on the right, addressee, sender, title (CommonMark: aligned
    # paragraphs are HTML blocks, see meti_pi.render.word).
    w.para(right(f"通知番号　{ctx.notice_id}<br>{w.date(ctx.drafted_on)}"))
    w.para(f"{_md_escape(role_title)}\\")
    w.lines.append(f"{_md_escape(role_post)}　殿")
    div_name = str(division.get("name") or "").strip()
    if not div_name:
        w.gaps.append("division.name")
    # APPI 2(8): the 行政機関 is the 課等's (a 外局 is its own); never join the file's org to another body's 課等.
    org = str(division.get("org") or data.get("org") or "")
    if org and org != "経済産業省" and not div_name.startswith(org):
        div_name = f"{org}{div_name}"
    manager = str(division.get("manager_post") or "").strip()
    if not manager:
        w.gaps.append("division.manager_post")
    w.para(right(html_escape(div_name or UNSET) + "<br>個人情報保護管理者　" + html_escape(manager or UNSET)))
    w.para(center(html_escape(title), bold=True))
    req = notices.requirement(kind, data, reg.policy)
    late = not ctx.change and req.due is not None and ctx.drafted_on > req.due
    # A change notice has no due day the register tells (the day of the change is not recorded):
    # the 管理者 who gives a late reason says it comes after the change; the reason is written.
    late_change = ctx.change and bool((ctx.late_reason or "").strip())
    # Held (or created) before the rule took effect: notified 遅滞なく after it, never あらかじめ.
    held_before = not ctx.change and req.since is not None
    lead = (
        LATE_CHANGE_LEADS[kind]
        if late_change
        else LATE_LEADS[kind]
        if late or held_before
        else LEADS[kind][1 if ctx.change else 0]
    ).format(klass=klass_fw)
    change_timing = notices.CHANGE_TIMING[kind]
    if late:
        lead += LATE_NOTES[req.timing]
    elif late_change:
        lead += LATE_CHANGE_NOTES[change_timing]
    w.para("　" + w.t("経済産業省個人情報保護管理規程（以下「規程」という。）" + lead.removeprefix("規程")))
    w.para(center("記"))

    section = 0

    def next_section(text: str) -> None:
        nonlocal section
        section += 1
        w.heading(2, w.t(f"{section}　") + text)

    if ctx.change:
        next_section("変更の内容")
        if ctx.supersedes:
            made = f"（{w.date(ctx.supersedes_on)}通知）" if ctx.supersedes_on else ""
            w.para(f"前回の通知：通知番号 {ctx.supersedes}{made}")
        if ctx.changed_items:
            w.para("変更した事項：" + "、".join(ITEM_LABELS.get(k, k) for k in ctx.changed_items))
        elif ctx.changed_items is None:
            # The register cannot show the previous notice's items (no commit recorded, or the
            # record then did not hash to what was notified): say so rather than leave a blank.
            w.para(
                "変更した事項：前回の通知の内容を登録簿の履歴から特定できないため、全ての事項を変更後の内容で記載する。"
            )
            w.gaps.append("changed_items")
        else:
            w.para("変更した事項：通知事項の内容に変更はない（管理情報の更新のみ）。")
        w.para("変更後の各事項は、以下のとおりである。")

    if kind == "36":
        next_section("作成の元となった個人情報ファイル")
        _source_file(w, data, division)
        next_section("行政機関等匿名加工情報等に関する事項")
        _anonymized(w, reg, data)
    else:
        # 74(1) lists the items of a 個人情報ファイル; 保有個人情報 that is no file (35(2)) states their like.
        like = "に準ずる事項" if data.get("file_kind") == "none" else ""
        next_section(w.t(cite(reg.citations, "appi.74", APPI, "第74条") + "第1項各号に掲げる事項" + like))
        _items_74(w, reg, data, division, kind, ctx.drafted_on)

    next_section(w.t("管理区分等（規程第16条第1項）"))
    _classification(w, data, decision, klass)

    next_section(w.t("情報システム及びシステム管理課等・機器管理課等（規程第6条第3項、別表）"))
    _systems(w, reg, data)

    next_section(w.t("委託先（規程第14条）"))
    _contractors(w, reg, data)

    if kind != "36":
        next_section("適用除外等")
        _exclusions(w, data, decision)

    if kind == "35-3":
        next_section(w.t("特定個人情報に関する事項（規程第35条第3項）"))
        _my_number(w, reg, data)

    if late:
        next_section("保有開始後の通知となった理由" if req.timing == "before" else "通知が遅れた理由")
        w.para(w.value(ctx.late_reason, "late_reason", empty="（記入してください）"))
    elif late_change:
        next_section("変更後の通知となった理由" if change_timing == "before" else "通知が遅れた理由")
        w.para(w.value(ctx.late_reason, "late_reason"))

    w.heading(2, "（参考）本通知の管理情報")
    w.bullets(
        [
            f"通知番号：{ctx.notice_id}",
            f"個人情報ファイルID：{rec.id}",
            f"作成の基礎とした登録簿のコミット：{ctx.register_commit or '（なし）'}",
            f"通知事項のハッシュ（SHA-256）：{ctx.items_hash}",
        ]
    )
    w.para(right("以上"))
    return Draft(title=title, markdown=w.text(), gaps=w.gaps)


def _class_label(klass: str | None) -> str:
    return FULLWIDTH_CLASS.get(klass or "", "（未決定）")


def _office(w: _Writer, value: Any, gap: str) -> str:
    if not isinstance(value, dict) or not value.get("name"):
        w.gaps.append(gap)
        return UNSET
    name = _md_escape(str(value["name"]))
    address = value.get("address")
    return f"{name}（所在地：{_md_escape(address)}）" if isinstance(address, str) and address.strip() else name


def _items_74(
    w: _Writer, reg: Register, data: dict[str, Any], division: dict[str, Any], kind: str, drafted_on: date
) -> None:
    """APPI 74(1) items 1-11."""

    not_a_file = data.get("file_kind") == "none"

    def item(n: int, label: str, body: str) -> None:
        if not_a_file:
            label = re.sub("個人情報ファイル(?!簿)", "保有個人情報", label)
        w.heading(3, w.t(f"（{n}）{label}（第{n}号）"))
        w.para(body)

    item(1, "個人情報ファイルの名称", w.value(data.get("name"), "name"))
    item(
        2,
        "行政機関等の名称及び個人情報ファイルが利用に供される事務をつかさどる組織の名称",
        "行政機関等の名称：" + w.value(data.get("org"), "org"),
    )
    w.para("事務をつかさどる組織の名称：" + w.value(division.get("name"), "division.name"))
    item(3, "個人情報ファイルの利用目的", w.value(data.get("purpose"), "purpose"))
    record_items = [v for v in data.get("record_items") or [] if isinstance(v, str) and v.strip()]
    if record_items:
        listed = "、".join(w.t(f"{i}　") + _md_escape(v) for i, v in enumerate(record_items, start=1))
    else:
        listed = UNSET
        w.gaps.append("record_items")
    w.heading(3, w.t("（4）記録項目及び記録範囲（第4号）"))
    w.para("記録項目：" + listed)
    w.para("記録範囲：" + w.value(data.get("record_scope"), "record_scope"))
    item(5, "記録情報の収集方法", w.value(data.get("collection_method"), "collection_method"))
    sensitive = sensitive_held(data.get("characteristics"))  # as the engine reads it
    if sensitive is None:  # the register does not say: never assert that none is held
        w.gaps.append("characteristics.sensitive")
    said = {True: "記録情報に要配慮個人情報が含まれる。", False: "記録情報に要配慮個人情報は含まれない。"}
    item(6, "要配慮個人情報が含まれるときは、その旨", UNSET if sensitive is None else said[sensitive])
    recipients = [_md_escape(v) for v in data.get("routine_recipients") or [] if isinstance(v, str) and v.strip()]
    item(7, "記録情報の経常的提供先", "、".join(recipients) if recipients else "なし")
    item(
        8,
        w.t(f"{cite(reg.citations, 'appi.75', APPI, '第75条')}第3項の規定により個人情報ファイル簿に記載しない事項等"),
        _withheld(w, reg, data),
    )
    item(9, "開示請求等を受理する組織の名称及び所在地", _office(w, data.get("disclosure_office"), "disclosure_office"))
    item(
        10,
        "訂正又は利用停止に関する他の法令の規定による特別の手続等",
        w.value(data.get("special_procedures"), "special_procedures", empty="なし"),
    )
    holding = data.get("holding") or {}
    start = notices._date(data.get("planned_start_date")) or notices._date(holding.get("start"))
    held = kind == "35-2" or (start is not None and start <= drafted_on)
    label = "保有開始年月日" if held else "保有開始の予定年月日"
    w.heading(3, w.t("（11）その他政令で定める事項（第11号）"))
    w.para(f"{label}：{w.date(start)}")
    w.para("その他参考となる事項：" + w.value(data.get("other_reference"), "other_reference", empty="なし"))


def _withheld(w: _Writer, reg: Register, data: dict[str, Any]) -> str:
    withheld = data.get("filebook_withheld")
    if not isinstance(withheld, dict):
        # A 75(3) claim that does not say what it withholds: the ファイル簿 leaves the whole file out.
        return "個人情報ファイル簿に掲載しない。" if filebook_book.withheld_whole(data) else "該当なし"
    if withheld.get("whole_file"):
        what = "個人情報ファイル簿に掲載しない。"
    else:
        parts = []
        items = [_md_escape(v) for v in withheld.get("record_items") or [] if isinstance(v, str)]
        if items:
            parts.append("記録項目の一部（" + "、".join(items) + "）")
        if withheld.get("collection_method"):
            parts.append("記録情報の収集方法")
        if withheld.get("routine_recipients"):
            parts.append("記録情報の経常的提供先")
        what = ("次の事項を個人情報ファイル簿に記載しない：" + "、".join(parts)) if parts else "該当なし"
    reason = withheld.get("reason")
    return what + (f"（理由：{_md_escape(reason)}）" if isinstance(reason, str) and reason.strip() else "")


def _source_file(w: _Writer, data: dict[str, Any], division: dict[str, Any]) -> None:
    w.para("個人情報ファイルの名称：" + w.value(data.get("name"), "name"))
    w.para("行政機関等の名称：" + w.value(data.get("org"), "org"))
    w.para("事務をつかさどる組織の名称：" + w.value(division.get("name"), "division.name"))
    w.para("利用目的：" + w.value(data.get("purpose"), "purpose"))


def _anonymized(w: _Writer, reg: Register, data: dict[str, Any]) -> None:
    ai = data.get("anonymized_info") or {}
    cits = reg.citations
    w.para("作成年月日：" + w.date(notices._date(ai.get("created_on"))))
    if not ai.get("created_on"):
        w.gaps.append("anonymized_info.created_on")
    w.para(w.t(f"加工の基準：{cite(cits, 'appi.114-1', APPI, '第116条第1項')}の基準に従って加工した。"))
    w.heading(3, w.t(f"個人情報ファイル簿に記載する事項（{cite(cits, 'appi.115', APPI, '第117条')}）"))
    w.para("行政機関等匿名加工情報の概要：" + w.value(ai.get("overview"), "anonymized_info.overview"))
    w.para(
        "提案を受ける組織の名称及び所在地：" + _office(w, ai.get("proposal_office"), "anonymized_info.proposal_office")
    )
    w.para("提案をすることができる期間：" + w.value(ai.get("proposal_period"), "anonymized_info.proposal_period"))
    w.heading(3, w.t(f"提案の募集（{cite(cits, 'appi.108', APPI, '第110条')}）"))
    w.para(
        "行政機関等匿名加工情報の提案を募集する個人情報ファイルである。"
        if ai.get("invites_proposals")
        else "行政機関等匿名加工情報の提案を募集する個人情報ファイルではない。"
    )


def _classification(w: _Writer, data: dict[str, Any], decision: Any, klass: str | None) -> None:
    kind_label = FILE_KIND_LABELS.get(str(data.get("file_kind")), UNSET)
    w.para("個人情報ファイルの種別：" + w.t(kind_label))
    principals = data.get("principals") or {}
    count = principals.get("count")
    if isinstance(count, int) and not isinstance(count, bool):
        as_of = notices._date(principals.get("as_of"))
        w.para(f"本人の数：{w.count(count)}人" + (f"（{w.date(as_of)}時点）" if as_of else ""))
    else:
        w.para("本人の数：不明")
    w.para("管理区分：" + ("管理" + _class_label(klass) if klass else "（未決定）"))
    # The class is the 管理者's decision (Art. 16(1)); one lower than the engine's advice without
    # the 管理者's reason is a gap (validate: class-lower-unexplained).
    own = (data.get("classification") or {}).get("class_rationale")
    unexplained = getattr(decision, "decided_lower", False) and not (isinstance(own, str) and own.strip())
    if not klass or unexplained:
        w.gaps.append("management_class")
    # The 管理者's own rationale; the engine's steps stand in, marked as such, only where none is recorded.
    rationale = own if isinstance(own, str) and own.strip() else (data.get("classification") or {}).get("rationale")
    if isinstance(rationale, str) and rationale.strip():
        w.para("区分の理由：" + _md_escape(rationale))
        return
    w.gaps.append("classification.rationale")

    sentence = document_rationale(class_reasons(decision), klass)
    w.para("区分の理由：" + (w.t(sentence) if sentence else UNSET))


def _systems(w: _Writer, reg: Register, data: dict[str, Any]) -> None:

    ids = [s for s in data.get("systems") or [] if isinstance(s, str)]
    if not ids:
        if data.get("file_kind") == "computer":
            w.para(UNSET)
            w.gaps.append("systems")
        else:
            w.para("情報システムでは取り扱わない。")
        return
    lines = []
    for sid in ids:
        system = reg.data_of("systems", sid)
        if system is None:
            lines.append(f"{sid}：{UNSET}")
            w.gaps.append(f"systems/{sid}")
            continue
        name = _md_escape(str(system.get("name") or sid))
        row = system.get("beppyo_row")
        pair = beppyo.gou_otsu(reg, system)
        row_text = w.t(f"別表第{row}項") if isinstance(row, int) else UNSET
        if pair is None:
            lines.append(f"{name}（{row_text}）：システム管理課等（甲）・機器管理課等（乙）{UNSET}")
            w.gaps.append(f"beppyo/row-{row}")
            continue
        gou, otsu = (u.name or UNSET for u in pair)
        lines.append(f"{name}（{row_text}）：システム管理課等（甲）{gou}、機器管理課等（乙）{otsu}")
    w.bullets(lines)


def _contractors(w: _Writer, reg: Register, data: dict[str, Any]) -> None:
    ids = [c for c in data.get("contractors") or [] if isinstance(c, str)]
    if not ids:
        w.para("なし")
        return
    lines = []
    for cid in ids:
        c = reg.data_of("contractors", cid)
        if c is None:
            lines.append(f"{cid}：{UNSET}")
            w.gaps.append(f"contractors/{cid}")
            continue
        text = _md_escape(str(c.get("name") or cid))
        subject = (c.get("contract") or {}).get("subject")
        if isinstance(subject, str) and subject.strip():
            text += f"（契約件名：{_md_escape(subject)}）"
        parent = c.get("parent")
        if isinstance(parent, str):
            pdata = reg.data_of("contractors", parent) or {}
            text += f"（{_md_escape(str(pdata.get('name') or parent))}からの再委託）"
        if not outsources(c):  # a 派遣元: its workers are 職員 (Art. 3(8)), not a 委託先's staff
            text += w.t("（労働者派遣契約：規程第15条、委託ではない）")
        lines.append(text)
    w.bullets(lines)


def _exclusions(w: _Writer, data: dict[str, Any], decision: Any) -> None:
    """The exclusions in effect: those claimed (with the 管理者's reason) and those the engine found."""
    claimed = {
        str(e["item"]): e.get("reason") for e in data.get("exclusions") or [] if isinstance(e, dict) and e.get("item")
    }
    found = {
        str(getattr(r, "rule", "")).removeprefix("exclusion:"): getattr(r, "text", "")
        for r in getattr(decision, "reasons", ()) or ()
        if str(getattr(r, "rule", "")).startswith("exclusion:")
    }
    items = list(dict.fromkeys([*(getattr(decision, "exclusions", ()) or ()), *claimed]))
    if not items:
        w.para("なし")
        return
    lines = []
    for item in items:
        parts = item.split("-")
        if len(parts) == 3:
            where = f"{APPI}第{parts[0]}条第{parts[1]}項第{parts[2]}号"
        else:
            where = f"{APPI}第{parts[0]}条第{parts[1]}項"
        label = EXCLUSION_LABELS.get(item, "")
        text = w.t(where + (f"（{label}）" if label else ""))
        reason = claimed.get(item)
        if isinstance(reason, str) and reason.strip():
            text += "：" + _md_escape(reason)
        elif item not in claimed and found.get(item):
            text += "：" + w.t(_exclusion_sentence(item, str(found[item])))
        lines.append(text)
    w.bullets(lines)


def _exclusion_sentence(item: str, trace: str) -> str:
    """Why the engine found an exclusion, as a sentence for the document (not its trace)."""
    if item == "74-2-9":
        m = re.search(r"([\d,]+)人 < ([\d,]+)人", trace)
        if m:
            floor = "千人" if m.group(2) == "1,000" else f"{m.group(2)}人"
            return f"本人の数が{floor}に満たない（{m.group(1)}人）ため、これに該当する。"
        return "本人の数が政令で定める数に満たないため、これに該当する。"
    if item == "74-2-11":
        return "マニュアル処理ファイルであるため、これに該当する。"
    return "登録簿に記録された事実から、これに該当すると判定した。"


def _my_number(w: _Writer, reg: Register, data: dict[str, Any]) -> None:
    mb = data.get("my_number_basis") or {}
    cits = reg.citations
    w.para(
        w.t(f"個人番号を利用する根拠（{MYNUMBER}第9条）：") + w.value(mb.get("use_basis"), "my_number_basis.use_basis")
    )
    # No basis recorded reads 提供しない only where the file lists no 経常的提供先 (74(1)(ix)): beside
    # a listed recipient it is a gap, not a statement that nothing is provided.
    recipients = any(isinstance(v, str) and v.strip() for v in data.get("routine_recipients") or [])
    w.para(
        w.t(f"特定個人情報を提供する根拠（{cite(cits, 'mynumber.19', MYNUMBER, '第19条')}）：")
        + w.value(
            mb.get("provision_basis"), "my_number_basis.provision_basis", empty=UNSET if recipients else "提供しない"
        )
    )
    relation = cite(cits, "mynumber.2-11", MYNUMBER, "第2条第12項")
    w.para(w.t(f"個人番号関係事務（{relation}）：") + ("該当する" if mb.get("relation_work") else "該当しない"))
    status = mb.get("pia_status")
    label = PIA_LABELS.get(str(status)) if status else None
    if label is None:
        w.gaps.append("my_number_basis.pia_status")
    pia = w.t(f"特定個人情報保護評価（{cite(cits, 'mynumber.28', MYNUMBER, '第28条')}）：") + (label or UNSET)
    ref = mb.get("pia_ref")
    if isinstance(ref, str) and ref.strip():
        pia += f"（評価書：{_md_escape(ref)}）"
    w.para(pia)


def docx(draft: Draft, policy: dict[str, Any] | None, drafted_on: date) -> bytes:
    """The Word version of a draft (byte-identical for the same draft, policy and date)."""
    from meti_pi.render import word

    return word.markdown_to_docx(
        draft.markdown, created=drafted_on, subject=draft.title, **word.docx_options_from_policy(policy)
    )
