"""The fixed wording of the incident drafts: titles and the laws they cite (split from incident.reports, issue 17)."""

from __future__ import annotations

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
APPI_LAW = "個人情報の保護に関する法律第68条第1項"
MYNUMBER_LAW = (
    "行政手続における特定の個人を識別するための番号の利用等に関する法律第29条の4第1項及び特定個人情報漏えい等規則第2条"
)
MYNUMBER_GUIDELINE = "特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）別添2"

# The law the notice to the 本人 is given under, per basis (incident.reports.notice_law).
NOTICE_LAW = {
    "appi-68-2": "個人情報保護法第68条第2項、施行規則第45条",
    "mynumber-29-4-2": "番号法第29条の4第2項、特定個人情報漏えい等規則第5条",
}
