"""The assessment of an incident: PPC reportability (APPI 68), its grounds and deadlines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from meti_pi.dates import calendar_jp
from meti_pi.incident.facts import FileInfo, Rules
from meti_pi.store.citations import Citations, current_article
from meti_pi.store.policy import LEGAL_THRESHOLDS

# 規則43(4) and 番号法規則2(4): a leak of more than 100 本人 (VERIFIED, legal brief §3.1, §4.3). The
# policy's thresholds.ppc_report_more_than is the ministry's own line: a lower one also reports the
# counts above it on the ground `policy-line`, never as 規則43(4).
LAW_MORE_THAN = LEGAL_THRESHOLDS["ppc_report_more_than"]


def ground_articles(citations: Citations | None = None) -> dict[str, str]:
    """The law each ground rests on, per ground code: APPI 68(1) and 規則43 by today's numbers from
    `citations` (citations.yaml by key: appi.68, rule.43), this code's numbers where a key is missing.

    The drafts cite these (incident.reports), so a renumbering corrected in citations.yaml reaches them.
    An assessment stores GROUND_ARTICLE, the labels with no citations: a record keeps what it was
    assessed with, and a change of citations.yaml rewrites no record. The 番号法 grounds and the
    guideline are cited as written here: citations.yaml names that rule and guideline as documents
    (mynumber.breach-rule, mynumber.guideline), not by article.
    """
    cites = citations or {}
    appi = "個人情報保護法" + current_article(cites, "appi.68", "第68条")
    rule43 = "施行規則" + current_article(cites, "rule.43", "第43条")
    return {
        **{f"rule43-{n}": f"{appi}第1項、{rule43}第{n}号" for n in range(1, 5)},
        **{f"mynumber-rule2-{n}": f"番号法第29条の4第1項、特定個人情報漏えい等規則第2条第{n}号" for n in range(1, 5)},
        "mynumber-guideline": "特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）別添2",
        "art39-7": "規程第39条第7項・第40条第3項",
        "previously-reportable": f"{appi}第1項（発生したおそれ）",
        "policy-line": "運用ポリシー（報告の基準人数。法令上の報告対象事態ではない）",
    }


GROUND_ARTICLE: dict[str, str] = ground_articles()
GROUNDS = tuple(GROUND_ARTICLE)
# 速報/確報 apply: a report the policy's line asks for keeps the 規則's timetable (README, Incidents).
RULE_GROUNDS = frozenset(g for g in GROUNDS if g.startswith(("rule43-", "mynumber-"))) | {"policy-line"}
APPI_GROUNDS = frozenset(g for g in GROUNDS if g.startswith("rule43-"))
MYNUMBER_RULE_GROUNDS = frozenset(g for g in GROUNDS if g.startswith("mynumber-rule2-"))
MALICIOUS_GROUNDS = frozenset({"rule43-3", "mynumber-rule2-2"})  # 確報 60 days


def _count(facts: Mapping[str, Any], files: list[FileInfo]) -> tuple[int | None, str, str]:
    """(count used, basis code, Japanese basis): the stated count, else the maximum possible."""
    stated, most = facts.get("principals"), facts.get("principals_max")
    if stated is not None and most is not None and int(most) > int(stated):
        # 規則43(4) 「発生したおそれ」: the count found so far is not the most the leak may reach.
        return int(most), "max-stated", f"判明している本人の数は{int(stated)}人であるが、その上限"
    if stated is not None:
        return int(stated), "stated", "判明している本人の数"
    if facts.get("principals_max") is not None:
        return int(facts["principals_max"]), "max-stated", "本人の数が不明のため、その上限"
    if files and all(f.principals is not None for f in files):
        total = sum(int(f.principals or 0) for f in files)
        ids = "、".join(f.id for f in files)
        return total, "files", f"本人の数が不明のため、関係ファイル（{ids}）の本人の数の合計（最大限）"
    return None, "unknown", "本人の数もその上限も不明"


def _my_number_count(count: int | None, basis: str, basis_ja: str, files: list[FileInfo]) -> tuple[int | None, str]:
    """The count 番号法規則2(4) weighs: the 本人 of 特定個人情報. With no count stated, only the involved
    files that may hold 個人番号 are summed (規則43(4) sums every involved file); a stated count is the
    officer's and is kept."""
    if basis not in ("files", "unknown"):
        return count, basis_ja
    holders = [f for f in files if f.my_number is not False]
    if not holders or len(holders) == len(files) or any(f.principals is None for f in holders):
        return count, basis_ja
    ids = "、".join(f.id for f in holders)
    total = sum(int(f.principals or 0) for f in holders)
    return total, f"本人の数が不明のため、個人番号を保有する関係ファイル（{ids}）の本人の数の合計（最大限）"


# Facts that, while unknown, may be taken as possibly present (「おそれ」), as an unknown count is taken
# as possibly over the line (item 9 of issue 14), unless the involved files show they cannot be:
# which ones is policy (incident.unknown_taken_as_possible, DERIVED), frozen in the snapshot.
# What would change the answer, per fact assumed (shown in the reasons and by the CLI).
ASSUMED_NOTE: dict[str, str] = {
    "sensitive": "要配慮個人情報の有無が不明のため、含まれるおそれがあるものとした。含まれないことが判明すれば再評価する",
    "financial": "財産的被害が生じるおそれの有無が不明のため、そのおそれがあるものとした。おそれがないことが判明すれば再評価する",
    "malicious": "不正の目的の有無が不明のため、そのおそれがあるものとした。判明すれば再評価する",
    "my_number_system": "個人番号利用事務・関係事務に用いる情報システムで管理されていたか不明のため、そのおそれがあるものとした。"
    "システム外であることが判明すれば再評価する",
}
# The CLI's note per assumed fact: the option that records the answer, and what it changes.
ASSUMED_HINT: dict[str, str] = {
    "sensitive": "--sensitive / --no-sensitive (規則43(1))",
    "financial": "--financial / --no-financial (規則43(2))",
    "malicious": "--malicious / --no-malicious (規則43(3), 番号法規則2(2); 確報 counted at 30 days until 不正の目的 is confirmed, then 60)",
    "my_number_system": "--my-number-system / --no-my-number-system (番号法規則2(1); decides the 本人 notice under 番号法29条の4第2項)",
}


def _effective(
    key: str,
    facts: Mapping[str, Any],
    files: list[FileInfo],
    relevant: list[FileInfo] | None = None,
    assume: frozenset[str] = frozenset(),
) -> tuple[bool, str]:
    """(value, source): a stated fact wins; if unknown, an involved file holding such data makes it possible.

    source: "stated"; "files:ID,ID" (a file holds it); "files" (every file involved says it does
    not); "assumed" (unknown, taken as possible: `assume`, the policy's unknown_taken_as_possible); "unknown" (taken as not).
    `relevant`: the files the question is about (default all involved).
    """
    stated = facts.get(key)
    if stated is not None:
        return bool(stated), "stated"
    pool = files if relevant is None else relevant
    holders = [f.id for f in pool if getattr(f, key) is True]
    if holders:
        return True, "files:" + ",".join(holders)
    if pool and all(getattr(f, key) is False for f in pool):
        return False, "files"
    if key in assume:
        return True, "assumed"
    return False, "unknown"


def assess(
    facts: Mapping[str, Any],
    files: list[FileInfo],
    rules: Rules,
    *,
    known_on: date,
    on: date,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The assessment of an incident's facts: grounds, PPC report, principal notice, deadlines.

    `on` is the day these facts became known (the opening: `known_on`). `previous` is the
    record's former assessment when facts change.
    """
    grounds: list[str] = []
    reasons: list[dict[str, str]] = []
    policy_line = rules.ppc_report_more_than
    # The law's line whatever the policy's: a stricter one adds `policy-line` below it; a more
    # lenient one cannot waive a report 規則43(4) / 番号法規則2(4) oblige (the reason says so).
    limit = LAW_MORE_THAN

    def add(ground: str, text: str) -> None:
        grounds.append(ground)
        reasons.append({"ground": ground, "article": GROUND_ARTICLE[ground], "text": text})

    assumed: list[str] = []

    def from_files(source: str, key: str = "") -> str:
        if source == "assumed":
            if key not in assumed:
                assumed.append(key)
            return "（" + ASSUMED_NOTE[key] + "）"
        return (
            f"（関係ファイル {source[6:].replace(',', '、')} が保有するため、含まれるおそれがあるものとした）"
            if source.startswith("files:")
            else ""
        )

    count, basis, basis_ja = _count(facts, files)
    assume = rules.unknown_taken_as_possible
    sensitive, s_src = _effective("sensitive", facts, files, assume=assume)
    financial, f_src = _effective("financial", facts, files, assume=assume)
    my_number, m_src = _effective("my_number", facts, files)
    mn_system, ms_src = _effective(
        "my_number_system", facts, files, [f for f in files if f.my_number is not False], assume
    )
    malicious_stated = facts.get("malicious") is True or facts.get("cyber") is True
    malicious_assumed = facts.get("malicious") is None and not malicious_stated and "malicious" in assume
    malicious = malicious_stated or malicious_assumed
    m_note = "（" + ASSUMED_NOTE["malicious"] + "）" if malicious_assumed else ""
    encrypted = facts.get("encrypted") is True
    over_limit = count is None or count > limit
    count_text = _count_text(count, basis_ja, limit)
    exclusions: list[str] = []
    if encrypted:
        exclusions.append("encryption")
    else:
        if sensitive:
            add(
                "rule43-1",
                "要配慮個人情報が含まれる保有個人情報の漏えい等が発生し、又は発生したおそれがある"
                + from_files(s_src, "sensitive"),
            )
        if financial:
            add(
                "rule43-2",
                "不正に利用されることにより財産的被害が生じるおそれがある保有個人情報の漏えい等"
                + from_files(f_src, "financial"),
            )
        if malicious:
            why = "外部からの不正アクセス又は不正プログラムの感染が疑われ、" if facts.get("cyber") else ""
            add("rule43-3", why + "不正の目的をもって行われたおそれがある行為による保有個人情報の漏えい等" + m_note)
            if malicious_assumed:
                assumed.append("malicious")
        if over_limit:
            add("rule43-4", count_text + _lenient_note(count, policy_line))
        elif count is not None and count > policy_line:
            add("policy-line", _policy_text(count, basis_ja, policy_line))
        if my_number:
            before = len(grounds)
            if mn_system:
                # 特定個人情報漏えい等規則 Art. 2(1): reportable whatever the number (ハ: a 行政機関's 関係事務 too).
                add(
                    "mynumber-rule2-1",
                    "情報提供ネットワークシステム又は個人番号利用事務・関係事務に用いる情報システムで管理される特定個人情報の漏えい等"
                    + (
                        from_files(ms_src, "my_number_system") if ms_src == "assumed" else _system_source(ms_src, files)
                    ),
                )
            if malicious:
                add("mynumber-rule2-2", "不正の目的をもって行われたおそれがある特定個人情報の漏えい等" + m_note)
            if facts.get("public_exposure"):
                add("mynumber-rule2-3", "電磁的方法により不特定多数の者に閲覧されたおそれがある特定個人情報の漏えい等")
            mn_count, mn_basis_ja = _my_number_count(count, basis, basis_ja, files)
            if mn_count is None or mn_count > limit:
                add(
                    "mynumber-rule2-4",
                    "特定個人情報に係る"
                    + _count_text(mn_count, mn_basis_ja, limit)
                    + _lenient_note(mn_count, policy_line),
                )
            if len(grounds) == before:
                add(
                    "mynumber-guideline",
                    "特定個人情報の漏えい等は、報告対象事態に該当しない場合も個人情報保護委員会に報告する（ガイドライン）"
                    + from_files(m_src, "my_number"),
                )
    if facts.get("anonymized_info"):
        add(
            "art39-7",
            "行政機関等匿名加工情報等に係る事態であり、副総括個人情報保護管理者が直ちに個人情報保護委員会に報告する",
        )

    was = previous or {}
    # Grounds carried over from an earlier assessment when the facts no longer show any (sticky).
    carried: list[str] = []
    if not grounds and was.get("ppc_report"):
        carried = list(
            was.get("carried_grounds") or [g for g in was.get("grounds") or () if g != "previously-reportable"]
        )
        if set(carried) <= {"policy-line"} and carried:  # the policy's line, not a 報告対象事態
            add(
                "previously-reportable",
                f"{was.get('reportable_since')}の時点で運用ポリシーにより報告する事態に該当したため、引き続き報告対象とする（確報で現状を報告する）",
            )
            reasons[-1]["article"] = GROUND_ARTICLE["policy-line"]
        else:
            add(
                "previously-reportable",
                f"{was.get('reportable_since')}の時点で報告対象事態が発生したおそれがあったため、引き続き報告対象とする（確報で現状を報告する）",
            )
    ppc_report = bool(grounds)
    basis_grounds = set(grounds) | set(carried)

    # Day 1 of the PPC deadlines (see the module docstring).
    since: str | None = None
    if ppc_report:
        # A 規程39(7) report alone (直ちに, no 速報/確報) does not start the 規則 deadlines: a 規則 ground
        # found later counts from its own day.
        was_rule = bool((was.get("deadlines") or {}).get("final_report"))
        kept = was.get("ppc_report") and (was_rule or not basis_grounds & RULE_GROUNDS)
        old_since = was.get("reportable_since") if kept else None
        since = old_since or max(known_on, on).isoformat()
        if old_since and old_since < known_on.isoformat():
            since = known_on.isoformat()  # the known date was corrected to a later day
    final_days: int | None = None
    deadlines: dict[str, str | None] = {"preliminary_report": None, "final_report": None}
    if ppc_report and since and basis_grounds & RULE_GROUNDS:
        # 60 days for 不正の目的 once it is stated; while only assumed, the shorter 30 days. A record once
        # counted at 60 keeps them when the 不正の目的 is later denied (the 「おそれ」 existed, as a carried
        # ground's does); one counted at 30 while the malice was only assumed keeps 30.
        counted_malicious = (
            bool(was.get("ppc_report")) and was.get("final_report_days") == rules.final_report_days_malicious
        )
        malicious_basis = (set(grounds) & MALICIOUS_GROUNDS and malicious_stated) or counted_malicious
        final_days = rules.final_report_days_malicious if malicious_basis else rules.final_report_days
        day1 = date.fromisoformat(since)
        deadlines = {
            # The 速報 is a target (「速やかに」, 概ね3～5日以内): day 5, not rolled past closed days.
            "preliminary_report": calendar_jp.target_day(day1, rules.preliminary_report_days).isoformat(),
            "final_report": calendar_jp.deadline(day1, final_days).isoformat(),
        }

    notice, notice_basis, notice_exception, notice_note = _principal_notice(facts, sorted(basis_grounds))
    unknown = [
        k
        for k in (
            "principals",
            "sensitive",
            "financial",
            "malicious",
            "my_number",
            "my_number_system",
            "anonymized_info",
            "encrypted",
        )
        if facts.get(k) is None
        and not (k == "malicious" and facts.get("cyber"))
        and not (k == "my_number_system" and not my_number)
    ]
    return {
        "assessed_on": on.isoformat(),
        "ppc_report": ppc_report,
        "grounds": grounds,
        "carried_grounds": carried,
        "reasons": reasons,
        "exclusions": exclusions,
        "principals": count,
        "principals_basis": basis,
        "reportable_since": since,
        "final_report_days": final_days,
        "deadlines": deadlines,
        "principal_notice": notice,
        "principal_notice_basis": notice_basis,
        "principal_notice_exception": notice_exception,
        "principal_notice_note": notice_note,
        "unknown_facts": unknown,
        "assumed_facts": [k for k in ASSUMED_HINT if k in assumed],
    }


def _count_text(count: int | None, basis_ja: str, limit: int) -> str:
    if count is None:
        return f"本人の数が{limit}人を超えるおそれがある（{basis_ja}）"
    return f"本人の数が{count}人（{basis_ja}）であり、{limit}人を超える"


def _policy_text(count: int, basis_ja: str, policy_line: int) -> str:
    """The reason of a report the policy's stricter line asks for: the count is not over 規則43(4)'s."""
    return (
        f"本人の数が{count}人（{basis_ja}）であり、運用ポリシーにより報告する基準の{policy_line}人を超える"
        f"（規則第43条第4号の{LAW_MORE_THAN}人を超えないため、法令上の報告対象事態ではない）"
    )


def _lenient_note(count: int | None, policy_line: int) -> str:
    """What a policy line above the law's would have missed: the law still obliges the report."""
    if policy_line <= LAW_MORE_THAN or (count is not None and count > policy_line):
        return ""
    return (
        f"（運用ポリシーの報告の基準は{policy_line}人であるが、{LAW_MORE_THAN}人を超える事態の報告は法令上の義務であり、"
        "運用ポリシーにより免除されない）"
    )


def _system_source(source: str, files: list[FileInfo]) -> str:
    if not source.startswith("files:"):
        return ""
    work = {f.id: f.my_number_work for f in files}
    ids = "、".join(f"{i}（{work[i]}）" if work.get(i) else i for i in source[6:].split(","))
    return f"（関係ファイル {ids} は登録簿上、個人番号を情報システムで管理している）"


def _principal_notice(facts: Mapping[str, Any], grounds: list[str]) -> tuple[bool, list[str], str | None, str]:
    """APPI 68(2) and 番号法 29-4(2): whether the 本人 must be notified, and which exception applies."""
    basis: list[str] = []
    if set(grounds) & APPI_GROUNDS:
        basis.append("appi-68-2")
    if set(grounds) & MYNUMBER_RULE_GROUNDS:
        basis.append("mynumber-29-4-2")
    if not basis:
        return (
            False,
            [],
            None,
            "法令上の本人通知義務はない（規程第39条第4項により、事態の内容・影響等に応じて管理者が判断する）",
        )
    exception = facts.get("notice_exception")
    if exception == "difficult":
        if facts.get("substitute_measure"):
            law = "、".join(
                x
                for x in (
                    "法第68条第2項第1号" if "appi-68-2" in basis else "",
                    "番号法第29条の4第2項ただし書" if "mynumber-29-4-2" in basis else "",
                )
                if x
            )
            return (
                False,
                basis,
                "difficult",
                f"本人への通知が困難であり、本人の権利利益を保護するため必要な代替措置を講ずる（{law}）",
            )
        return True, basis, None, "本人への通知が困難とされているが代替措置が記録されていないため、例外は適用されない"
    if exception == "nondisclosure":
        if "mynumber-29-4-2" in basis:
            return (
                True,
                basis,
                None,
                "不開示情報の例外（法第68条第2項第2号）は番号法第29条の4第2項にはないため、本人への通知を要する",
            )
        return (
            False,
            basis,
            "nondisclosure",
            "当該保有個人情報に法第78条第1項各号の不開示情報が含まれる（法第68条第2項第2号）",
        )
    return True, basis, None, "本人に対し、当該事態の状況に応じて速やかに通知する"
