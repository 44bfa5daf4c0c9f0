"""The fixed wording of the incident drafts: titles and the laws they cite (split from incident.reports, issue 17).

Articles of APPI 68 and of its 施行規則 (43-45) are today's numbers from the register's citations.yaml
(keys appi.68, rule.43, rule.44, rule.45; meti_pi.store.citations), this code's where a key is missing:
a renumbering corrected there reaches every draft. The functions take `Register.citations`.
"""

from __future__ import annotations

from meti_pi.store.citations import Citations, current_article

KIND_TITLE = {
    "preliminary": "保有個人情報の漏えい等に関する報告（速報）",
    "final": "保有個人情報の漏えい等に関する報告（確報）",
    "principal-notice": "個人情報の漏えい等に関するお知らせ",
    "publication": "個人情報の漏えい等について",
}
# A report on 特定個人情報 alone (no 規則43 ground): 規程39(6), 番号法29条の4 (legal brief §4.3).
MYNUMBER_TITLE = {
    "preliminary": "特定個人情報の漏えい等に関する報告（速報）",
    "final": "特定個人情報の漏えい等に関する報告（確報）",
}
MYNUMBER_LAW = (
    "行政手続における特定の個人を識別するための番号の利用等に関する法律第29条の4第1項及び特定個人情報漏えい等規則第2条"
)
MYNUMBER_GUIDELINE = "特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）別添2"


def appi_68(citations: Citations, law: str = "個人情報保護法") -> str:
    """「個人情報保護法第68条」: APPI's article on leaks (appi.68); paragraphs are the caller's."""
    return law + current_article(citations, "appi.68", "第68条")


def appi_law(citations: Citations) -> str:
    """The PPC report's basis under APPI: 「個人情報の保護に関する法律第68条第1項」."""
    return appi_68(citations, "個人情報の保護に関する法律") + "第1項"


def rule_article(citations: Citations, key: str, default: str) -> str:
    """「施行規則第44条」: an article of the APPI 施行規則 (rule.43, rule.44, rule.45)."""
    return "施行規則" + current_article(citations, key, default)


def notice_laws(citations: Citations) -> dict[str, str]:
    """The law the notice to the 本人 is given under, per basis (incident.reports.notice_law)."""
    return {
        "appi-68-2": f"{appi_68(citations)}第2項、{rule_article(citations, 'rule.45', '第45条')}",
        "mynumber-29-4-2": "番号法第29条の4第2項、特定個人情報漏えい等規則第5条",
    }
