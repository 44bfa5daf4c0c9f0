"""Incidents (規程 Arts. 39, 40): facts, PPC reportability, deadlines, the internal chain, closure.

Pure: no typer, no git, no clock. Dates in records are ISO strings; functions take `today`.

Legal basis (legal brief §1.4, §3, §4.3, §8):
- APPI 68(1) / 規則43: report to PPC when a leak etc. of 保有個人情報 occurs or may have occurred
  and (1) 要配慮, (2) financial damage, (3) 不正の目的, or (4) more than 100 本人 — VERIFIED.
  Information protected by 高度な暗号化 is left out of items 1–4 — VERIFIED.
- 番号法 29-4 / 特定個人情報漏えい等規則 Art. 2 items 1–4, and the guideline (別添2): every leak of
  特定個人情報 is reported, unless strongly encrypted — VERIFIED.
- 規程 39(7) / 40(3): 行政機関等匿名加工情報等 → report to PPC 直ちに — SEED.
- APPI 68(2): notice to the 本人, except (i) difficult + substitute measure, (ii) 不開示情報
  (Art. 78(1)); 番号法 29-4(2) knows only exception (i) — VERIFIED.
- Time limits (速報 window, 確報 30/60 days, the rule's 直ちに/速やかに) are policy values,
  snapshotted into each incident when it is assessed (FROM MEMORY for APPI 行政機関等).

Re-assessment when facts change: the incident becomes reportable on the day the fact that makes
it reportable became known (`--on`, e.g. the count passing 100), and that day is day 1 of both
PPC deadlines (番号法 guideline: "the event becomes reportable at that point"; DERIVED for
APPI by parallel). Once reportable, an incident stays reportable: a later lower count does not
undo a 'may have occurred' that existed, and the 確報 is where the correction is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from meti_pi.dates import calendar_jp
from meti_pi.errors import LazyProblem, Problem, UsageError

# -- facts ----------------------------------------------------------------------------------

UNKNOWN_JA = "不明"

# Fact key -> (type, Japanese label). type: bool, int, date, text, texts, enum:<a|b>.
FACTS: dict[str, tuple[str, str]] = {
    "occurred_on": ("date", "発生日"),
    "discovered_by": ("text", "発見者（官職・部署等）"),
    "principals": ("int", "本人の数"),
    "principals_max": ("int", "本人の数の上限"),
    "information_items": ("text", "保有個人情報の項目"),
    "sensitive": ("bool", "要配慮個人情報を含む"),
    "financial": ("bool", "財産的被害が生じるおそれ"),
    "malicious": ("bool", "不正の目的をもって行われたおそれ"),
    "cyber": ("bool", "外部からの不正アクセス又は不正プログラム感染の疑い"),
    "my_number": ("bool", "個人番号（特定個人情報）を含む"),
    "my_number_system": ("bool", "情報提供ネットワークシステム又は個人番号利用事務・関係事務のシステムで管理"),
    "public_exposure": ("bool", "電磁的方法により不特定多数の者に閲覧されたおそれ"),
    "anonymized_info": ("bool", "行政機関等匿名加工情報等に係る"),
    "encrypted": ("bool", "高度な暗号化その他の保護措置"),
    "minor": ("bool", "軽易な事態（マニュアル）"),
    "contractor_involved": ("bool", "委託先の関与"),
    "cause": ("text", "原因"),
    "secondary_damage": ("text", "二次被害又はそのおそれの有無及びその内容"),
    "notice_exception": ("enum:difficult|nondisclosure", "本人通知の例外"),
    "substitute_measure": ("text", "本人通知に代わる措置"),
    "publish": ("bool", "事態の公表の要否"),
    "publish_measures": ("bool", "再発防止措置の公表の要否"),
    "measures_done": ("texts", "実施済みの再発防止措置"),
    "measures_planned": ("texts", "今後実施予定の再発防止措置"),
    "other": ("text", "その他参考となる事項"),
}
# Top-level keys of a facts file besides FACTS (the contract's `--known-on` etc.).
TOP_KEYS = ("known_on", "division", "files", "summary")
# Facts whose change can change the assessment (shown in the 経緯 of a draft).
ASSESSED_FACTS = ("principals", "principals_max", "sensitive", "financial", "malicious", "cyber", "my_number",
                  "my_number_system", "public_exposure", "anonymized_info", "encrypted")


def _parse_date(key: str, value: Any) -> str:
    from meti_pi.store.limits import checked_date

    if isinstance(value, date):
        return checked_date(key, value).isoformat()
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return checked_date(key, day).isoformat()
    raise UsageError(f"{key}: expected a date YYYY-MM-DD")


def normalize_fact(key: str, value: Any) -> Any:
    """A fact value checked against its type (None = unknown); UsageError names the key, never the value."""
    if key not in FACTS:
        raise UsageError(f"{key}: not an incident fact; known facts: {', '.join((*TOP_KEYS, *FACTS))}")
    kind = FACTS[key][0]
    if value is None:
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise UsageError(f"{key}: expected true, false or null (unknown)")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise UsageError(f"{key}: expected a whole number >= 0, or null (unknown)")
    if kind == "date":
        return _parse_date(key, value)
    if kind == "text":
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise UsageError(f"{key}: expected non-empty text")
    if kind == "texts":
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return [v.strip() for v in value]
        raise UsageError(f"{key}: expected a list of non-empty texts")
    choices = kind.split(":", 1)[1].split("|")
    if value in choices:
        return value
    raise UsageError(f"{key}: expected one of {', '.join(choices)}, or null")


def split_input(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(top-level keys, facts) from a facts file or options, each checked; unknown keys refused."""
    top: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "known_on":
            top[key] = _parse_date(key, value)
        elif key == "division":
            if value is not None and not isinstance(value, str):
                raise UsageError("division: expected a division id")
            top[key] = value
        elif key == "files":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError("files: expected a list of file ids")
            top[key] = list(dict.fromkeys(value))
        elif key == "summary":
            if not isinstance(value, str) or not value.strip():
                raise UsageError("summary: expected non-empty text")
            top[key] = value.strip()
        else:
            facts[key] = normalize_fact(key, value)
    return top, facts


def full_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Every fact key, unknown ones as None, in the FACTS order."""
    return {k: facts.get(k) for k in FACTS}


# -- what the register says about the files involved -----------------------------------------


@dataclass(frozen=True, slots=True)
class FileInfo:
    """The characteristics of an involved file that feed the assessment."""

    id: str
    principals: int | None
    sensitive: bool | None  # None: the register does not say
    financial: bool | None
    my_number: bool | None
    # 特定個人情報漏えい等規則 Art. 2(1) ロ/ハ: the file's 個人番号 is managed in an information system
    # used for 個人番号利用事務 or (a 行政機関's) 個人番号関係事務. None: unknown or no 個人番号.
    my_number_system: bool | None = None
    my_number_work: str = ""  # 個人番号利用事務 / 個人番号関係事務, as my_number_basis records it


def _my_number_work(data: Mapping[str, Any]) -> str:
    basis = data.get("my_number_basis") or {}
    kinds = (["個人番号利用事務"] if basis.get("use_basis") else []) + (["個人番号関係事務"] if basis.get("relation_work") is True else [])
    return "・".join(kinds)


def _tri(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _my_number_system(data: Mapping[str, Any]) -> bool | None:
    """Whether the register shows the file's 個人番号 managed in a 利用事務/関係事務 system.

    A 行政機関 may hold 個人番号 only for 個人番号利用事務 or 関係事務 (番号法 9, 19, 20), so a file
    with 個人番号 is held for one of them (its `my_number_basis` says which); what decides
    Art. 2(1) is whether it is managed in an information system: listed `systems` or a 電算処理
    ファイル say yes, a マニュアル処理ファイル with no system says no, anything else is unknown.
    """
    if (data.get("characteristics") or {}).get("my_number") is not True:
        return None
    if data.get("systems") or data.get("file_kind") == "computer":
        return True
    if data.get("file_kind") == "manual":
        return False  # paper, and no system listed
    return None


def file_info(file_id: str, data: Mapping[str, Any] | None) -> FileInfo:
    """FileInfo from a files record's data (None: not in the register, all unknown)."""
    data = data or {}
    chars = data.get("characteristics") or {}
    principals = (data.get("principals") or {}).get("count")
    return FileInfo(
        id=file_id,
        principals=principals if isinstance(principals, int) and not isinstance(principals, bool) else None,
        sensitive=_tri(chars.get("sensitive")),
        financial=_tri(chars.get("financial")),
        my_number=_tri(chars.get("my_number")),
        my_number_system=_my_number_system(data),
        my_number_work=_my_number_work(data),
    )


# -- rules snapshot -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rules:
    """The policy values an assessment uses (taken from policy.yaml, then frozen in the record)."""

    ppc_report_more_than: int
    preliminary_report_days_min: int
    preliminary_report_days: int
    final_report_days: int
    final_report_days_malicious: int
    minor_skips_sokatsu: bool
    time_limits: Mapping[str, int]
    unknown_taken_as_possible: frozenset[str] = frozenset()

    @classmethod
    def from_snapshot(cls, snap: Mapping[str, Any]) -> Rules:
        return cls(
            ppc_report_more_than=int(snap["ppc_report_more_than"]),
            preliminary_report_days_min=int(snap["preliminary_report_days_min"]),
            preliminary_report_days=int(snap["preliminary_report_days"]),
            final_report_days=int(snap["final_report_days"]),
            final_report_days_malicious=int(snap["final_report_days_malicious"]),
            minor_skips_sokatsu=bool(snap["minor_skips_sokatsu"]),
            time_limits=dict(snap["time_limits"]),
            # A snapshot taken before this key existed keeps the assessment it was made with: none.
            unknown_taken_as_possible=frozenset(snap.get("unknown_taken_as_possible") or ()),
        )


# citations.yaml keys behind an incident assessment; their status is stored with the snapshot.
CITATION_KEYS = ("appi.68", "rule.43", "rule.44", "rule.45", "mynumber.breach-rule", "mynumber.guideline")


def rules_snapshot(
    policy: Mapping[str, Any], citations: Mapping[str, Any] | None, today: date
) -> dict[str, Any]:
    """What the record stores so a later policy change never silently rewrites its assessment.

    `citations` is the citations.yaml document (its `as_of` and `citations` list), or None.
    """
    inc = policy.get("incident") or {}
    limits = policy.get("time_limits") or {}
    cites = {c.get("key"): c for c in (citations or {}).get("citations") or [] if isinstance(c, dict)}
    used = [
        {"key": k, "current": str(cites[k].get("current", "")) or k, "status": str(cites[k].get("status", "")) or "unknown"}
        for k in CITATION_KEYS if k in cites
    ]
    return {
        "taken_on": today.isoformat(),
        "policy_version": str(policy.get("version", "")) or "unversioned",
        "policy_as_of": policy.get("as_of"),
        "citations_as_of": (citations or {}).get("as_of"),
        "citations": used,
        "ppc_report_more_than": int((policy.get("thresholds") or {})["ppc_report_more_than"]),
        "preliminary_report_days_min": int(inc["preliminary_report_days_min"]),
        "preliminary_report_days": int(inc["preliminary_report_days"]),
        "final_report_days": int(inc["final_report_days"]),
        "final_report_days_malicious": int(inc["final_report_days_malicious"]),
        "minor_skips_sokatsu": bool(inc["minor_skips_sokatsu"]),
        "unknown_taken_as_possible": [str(k) for k in inc.get("unknown_taken_as_possible") or ()],
        "time_limits": {k: int(limits[k]) for k in ("immediately_days", "promptly_days", "without_delay_days")},
    }


# -- assessment ---------------------------------------------------------------------------------

GROUND_ARTICLE: dict[str, str] = {
    "rule43-1": "個人情報保護法第68条第1項、施行規則第43条第1号",
    "rule43-2": "個人情報保護法第68条第1項、施行規則第43条第2号",
    "rule43-3": "個人情報保護法第68条第1項、施行規則第43条第3号",
    "rule43-4": "個人情報保護法第68条第1項、施行規則第43条第4号",
    "mynumber-rule2-1": "番号法第29条の4第1項、特定個人情報漏えい等規則第2条第1号",
    "mynumber-rule2-2": "番号法第29条の4第1項、特定個人情報漏えい等規則第2条第2号",
    "mynumber-rule2-3": "番号法第29条の4第1項、特定個人情報漏えい等規則第2条第3号",
    "mynumber-rule2-4": "番号法第29条の4第1項、特定個人情報漏えい等規則第2条第4号",
    "mynumber-guideline": "特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）別添2",
    "art39-7": "規程第39条第7項・第40条第3項",
    "previously-reportable": "個人情報保護法第68条第1項（発生したおそれ）",
}
GROUNDS = tuple(GROUND_ARTICLE)
RULE_GROUNDS = frozenset(g for g in GROUNDS if g.startswith(("rule43-", "mynumber-")))  # 速報/確報 apply
APPI_GROUNDS = frozenset(g for g in GROUNDS if g.startswith("rule43-"))
MYNUMBER_RULE_GROUNDS = frozenset(g for g in GROUNDS if g.startswith("mynumber-rule2-"))
MALICIOUS_GROUNDS = frozenset({"rule43-3", "mynumber-rule2-2"})  # 確報 60 days


def _count(facts: Mapping[str, Any], files: list[FileInfo]) -> tuple[int | None, str, str]:
    """(count used, basis code, Japanese basis): the stated count, else the maximum possible."""
    if facts.get("principals") is not None:
        return int(facts["principals"]), "stated", "判明している本人の数"
    if facts.get("principals_max") is not None:
        return int(facts["principals_max"]), "max-stated", "本人の数が不明のため、その上限"
    if files and all(f.principals is not None for f in files):
        total = sum(int(f.principals or 0) for f in files)
        ids = "、".join(f.id for f in files)
        return total, "files", f"本人の数が不明のため、関係ファイル（{ids}）の本人の数の合計（最大限）"
    return None, "unknown", "本人の数もその上限も不明"


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


def _effective(key: str, facts: Mapping[str, Any], files: list[FileInfo], relevant: list[FileInfo] | None = None,
               assume: frozenset[str] = frozenset()) -> tuple[bool, str]:
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
    limit = rules.ppc_report_more_than

    def add(ground: str, text: str) -> None:
        grounds.append(ground)
        reasons.append({"ground": ground, "article": GROUND_ARTICLE[ground], "text": text})

    assumed: list[str] = []

    def from_files(source: str, key: str = "") -> str:
        if source == "assumed":
            if key not in assumed:
                assumed.append(key)
            return "（" + ASSUMED_NOTE[key] + "）"
        return f"（関係ファイル {source[6:].replace(',', '、')} が保有するため、含まれるおそれがあるものとした）" if source.startswith("files:") else ""

    count, basis, basis_ja = _count(facts, files)
    assume = rules.unknown_taken_as_possible
    sensitive, s_src = _effective("sensitive", facts, files, assume=assume)
    financial, f_src = _effective("financial", facts, files, assume=assume)
    my_number, m_src = _effective("my_number", facts, files)
    mn_system, ms_src = _effective("my_number_system", facts, files, [f for f in files if f.my_number is not False], assume)
    malicious_stated = facts.get("malicious") is True or facts.get("cyber") is True
    malicious_assumed = facts.get("malicious") is None and not malicious_stated and "malicious" in assume
    malicious = malicious_stated or malicious_assumed
    m_note = "（" + ASSUMED_NOTE["malicious"] + "）" if malicious_assumed else ""
    encrypted = facts.get("encrypted") is True
    over_limit = count is None or count > limit
    count_text = (
        f"本人の数が{limit}人を超えるおそれがある（{basis_ja}）"
        if count is None
        else f"本人の数が{count}人（{basis_ja}）であり、{limit}人を超える"
    )
    exclusions: list[str] = []
    if encrypted:
        exclusions.append("encryption")
    else:
        if sensitive:
            add("rule43-1", "要配慮個人情報が含まれる保有個人情報の漏えい等が発生し、又は発生したおそれがある" + from_files(s_src, "sensitive"))
        if financial:
            add("rule43-2", "不正に利用されることにより財産的被害が生じるおそれがある保有個人情報の漏えい等" + from_files(f_src, "financial"))
        if malicious:
            why = "外部からの不正アクセス又は不正プログラムの感染が疑われ、" if facts.get("cyber") else ""
            add("rule43-3", why + "不正の目的をもって行われたおそれがある行為による保有個人情報の漏えい等" + m_note)
            if malicious_assumed:
                assumed.append("malicious")
        if over_limit:
            add("rule43-4", count_text)
        if my_number:
            before = len(grounds)
            if mn_system:
                # 特定個人情報漏えい等規則 Art. 2(1): reportable whatever the number (ハ: a 行政機関's 関係事務 too).
                add("mynumber-rule2-1", "情報提供ネットワークシステム又は個人番号利用事務・関係事務に用いる情報システムで管理される特定個人情報の漏えい等"
                    + (from_files(ms_src, "my_number_system") if ms_src == "assumed" else _system_source(ms_src, files)))
            if malicious:
                add("mynumber-rule2-2", "不正の目的をもって行われたおそれがある特定個人情報の漏えい等" + m_note)
            if facts.get("public_exposure"):
                add("mynumber-rule2-3", "電磁的方法により不特定多数の者に閲覧されたおそれがある特定個人情報の漏えい等")
            if over_limit:
                add("mynumber-rule2-4", "特定個人情報に係る" + count_text)
            if len(grounds) == before:
                add("mynumber-guideline", "特定個人情報の漏えい等は、報告対象事態に該当しない場合も個人情報保護委員会に報告する（ガイドライン）" + from_files(m_src, "my_number"))
    if facts.get("anonymized_info"):
        add("art39-7", "行政機関等匿名加工情報等に係る事態であり、副総括個人情報保護管理者が直ちに個人情報保護委員会に報告する")

    was = previous or {}
    # Grounds carried over from an earlier assessment when the facts no longer show any (sticky).
    carried: list[str] = []
    if not grounds and was.get("ppc_report"):
        carried = list(was.get("carried_grounds") or [g for g in was.get("grounds") or () if g != "previously-reportable"])
        add("previously-reportable", f"{was.get('reportable_since')}の時点で報告対象事態が発生したおそれがあったため、引き続き報告対象とする（確報で現状を報告する）")
    ppc_report = bool(grounds)
    basis_grounds = set(grounds) | set(carried)

    # Day 1 of the PPC deadlines (see the module docstring).
    since: str | None = None
    if ppc_report:
        old_since = was.get("reportable_since") if was.get("ppc_report") else None
        since = old_since or max(known_on, on).isoformat()
        if old_since and old_since < known_on.isoformat():
            since = known_on.isoformat()  # the known date was corrected to a later day
    final_days: int | None = None
    deadlines: dict[str, str | None] = {"preliminary_report": None, "final_report": None}
    if ppc_report and since and basis_grounds & RULE_GROUNDS:
        # 60 days for 不正の目的 once it is stated (or carried); while only assumed, the shorter 30 days.
        malicious_basis = (set(grounds) & MALICIOUS_GROUNDS and malicious_stated) or set(carried) & MALICIOUS_GROUNDS
        final_days = rules.final_report_days_malicious if malicious_basis else rules.final_report_days
        day1 = date.fromisoformat(since)
        deadlines = {
            # The 速報 is a target (「速やかに」, 概ね3～5日以内): day 5, not rolled past closed days.
            "preliminary_report": calendar_jp.target_day(day1, rules.preliminary_report_days).isoformat(),
            "final_report": calendar_jp.deadline(day1, final_days).isoformat(),
        }

    notice, notice_basis, notice_exception, notice_note = _principal_notice(facts, sorted(basis_grounds))
    unknown = [k for k in ("principals", "sensitive", "financial", "malicious", "my_number", "my_number_system", "anonymized_info", "encrypted")
               if facts.get(k) is None and not (k == "malicious" and facts.get("cyber"))
               and not (k == "my_number_system" and not my_number)]
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
        return False, [], None, "法令上の本人通知義務はない（規程第39条第4項により、事態の内容・影響等に応じて管理者が判断する）"
    exception = facts.get("notice_exception")
    if exception == "difficult":
        if facts.get("substitute_measure"):
            law = "、".join(x for x in ("法第68条第2項第1号" if "appi-68-2" in basis else "",
                                         "番号法第29条の4第2項ただし書" if "mynumber-29-4-2" in basis else "") if x)
            return False, basis, "difficult", f"本人への通知が困難であり、本人の権利利益を保護するため必要な代替措置を講ずる（{law}）"
        return True, basis, None, "本人への通知が困難とされているが代替措置が記録されていないため、例外は適用されない"
    if exception == "nondisclosure":
        if "mynumber-29-4-2" in basis:
            return True, basis, None, "不開示情報の例外（法第68条第2項第2号）は番号法第29条の4第2項にはないため、本人への通知を要する"
        return False, basis, "nondisclosure", "当該保有個人情報に法第78条第1項各号の不開示情報が含まれる（法第68条第2項第2号）"
    return True, basis, None, "本人に対し、当該事態の状況に応じて速やかに通知する"


# -- the internal chain of Art. 39 / 40 --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepDef:
    """One act of the reporting chain."""

    id: str
    article: str
    actor: str
    to: str
    title: str


STEP_DEFS: tuple[StepDef, ...] = (
    StepDef("report-to-manager", "39(1)", "職員", "個人情報保護管理者", "管理者への報告"),
    StepDef("report-to-vice", "39(2)", "個人情報保護管理者", "副総括個人情報保護管理者", "副総括への報告"),
    StepDef("containment", "39(2)", "個人情報保護管理者", "—", "被害の拡大防止・復旧等の措置"),
    StepDef("investigation-report", "39(3)", "個人情報保護管理者", "総括個人情報保護管理者及び副総括個人情報保護管理者", "調査結果の報告"),
    StepDef("preliminary-report", "39(5)", "副総括個人情報保護管理者", "個人情報保護委員会", "速報"),
    StepDef("final-report", "39(5)", "副総括個人情報保護管理者", "個人情報保護委員会", "確報"),
    StepDef("art39-7-report", "39(7)", "副総括個人情報保護管理者", "個人情報保護委員会", "行政機関等匿名加工情報等に係る報告（調査結果の報告後）"),
    StepDef("publication", "39(4)", "個人情報保護管理者", "—", "事態の公表"),
    StepDef("principal-notice", "39(4)", "個人情報保護管理者", "本人", "本人への通知"),
    StepDef("art39-7-followup", "39(7)", "副総括個人情報保護管理者", "個人情報保護委員会", "行政機関等匿名加工情報等に係る報告（公表・本人通知の後）"),
    StepDef("cause-and-measures", "40(1)", "個人情報保護管理者", "—", "原因の分析及び再発防止措置"),
    StepDef("measures-publication", "40(2)", "個人情報保護管理者", "—", "再発防止措置の公表"),
    StepDef("art40-3-report", "40(3)", "副総括個人情報保護管理者", "個人情報保護委員会", "行政機関等匿名加工情報等に係る報告（再発防止措置の後）"),
)
STEPS: dict[str, StepDef] = {s.id: s for s in STEP_DEFS}
# Events that are not chain steps; `cause-and-measures` is not an event: it is done when the facts hold both.
OTHER_EVENTS = ("opened", "facts-changed", "rules-refreshed", "note", "closed")
RECORDABLE_EVENTS = (*tuple(s for s in STEPS if s != "cause-and-measures"), "note")
EVENT_KINDS = (*STEPS, *OTHER_EVENTS)


def _done_on(events: list[Mapping[str, Any]], step: str) -> str | None:
    days = [str(e["on"]) for e in events if e.get("event") == step]
    return min(days) if days else None


def _measures_done_on(record: Mapping[str, Any]) -> str | None:
    """Art. 40(1) is done once the cause and a measure taken are recorded: the day that happened."""
    facts = record.get("facts") or {}
    if not (facts.get("cause") and facts.get("measures_done")):
        return None
    touched = [
        str(e["on"]) for e in record.get("events") or []
        if e.get("event") == "opened" or set(e.get("changes") or {}) & {"cause", "measures_done"}
    ]
    return max(touched) if touched else None


def chain(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every step of the chain with whether it is required, its due date and the day it was done.

    A step's clock starts when the step before it was done or, while it is not, on the day it
    was due (a projection), so a late step makes the ones after it late as well.
    """
    facts = record.get("facts") or {}
    a = record.get("assessment") or {}
    rules = Rules.from_snapshot(record["rules_snapshot"])
    events = list(record.get("events") or [])
    known = date.fromisoformat(record["known_on"])
    limits = rules.time_limits

    def due(trigger: str | None, speed: str) -> str | None:
        return calendar_jp.due_after(date.fromisoformat(trigger), speed, limits).isoformat() if trigger else None

    out: dict[str, dict[str, Any]] = {}

    def put(step: str, required: bool, due_on: str | None, speed: str | None, done: str | bool | None = False, note: str = "", to: str | None = None) -> None:
        d = STEPS[step]
        out[step] = {
            "step": step,
            "article": d.article,
            "title": d.title,
            "actor": d.actor,
            "to": to or d.to,
            "required": required,
            "speed": speed,
            "due": due_on,
            "done_on": _done_on(events, step) if done is False else done,
            "note": note,
        }

    def basis(step: str) -> str | None:
        s = out[step]
        return s["done_on"] or s["due"]

    put("report-to-manager", True, due(known.isoformat(), "immediately"), "immediately")
    put("report-to-vice", True, due(basis("report-to-manager"), "promptly"), "promptly")
    cyber = facts.get("cyber") is True
    put(
        "containment", True, due(basis("report-to-manager"), "immediately" if cyber else "promptly"),
        "immediately" if cyber else "promptly",
        note="外部からの不正アクセス又は不正プログラムの感染が疑われるため、直ちに措置を講ずる（第39条第2項ただし書）" if cyber else "",
    )
    skip_sokatsu = facts.get("minor") is True and rules.minor_skips_sokatsu
    put(
        "investigation-report", True, due(basis("containment"), "promptly"), "promptly",
        to="副総括個人情報保護管理者" if skip_sokatsu else None,
        note="軽易な事態のため総括個人情報保護管理者への報告は要しない（第39条第3項ただし書）" if skip_sokatsu else "",
    )
    rule_based = bool(a.get("deadlines", {}).get("final_report"))
    mynumber = any(str(g).startswith("mynumber-") for g in a.get("grounds") or ())
    article = "39(6)" if mynumber else "39(5)"
    put("preliminary-report", rule_based, a.get("deadlines", {}).get("preliminary_report"), None)
    put("final-report", rule_based, a.get("deadlines", {}).get("final_report"), None)
    out["preliminary-report"]["article"] = out["final-report"]["article"] = article
    anonymized = facts.get("anonymized_info") is True
    put("art39-7-report", anonymized, due(basis("investigation-report"), "immediately") if anonymized else None, "immediately")
    put("publication", facts.get("publish") is True, None, None,
        note="" if facts.get("publish") is not None else "公表の要否は事態の内容・影響等に応じて管理者が判断する（未判断）")
    exception = a.get("principal_notice_exception")
    put(
        "principal-notice", bool(a.get("principal_notice")),
        due(basis("investigation-report"), "promptly") if a.get("principal_notice") else None, "promptly",
        note=a.get("principal_notice_note", "") if exception or not a.get("principal_notice") else "",
    )
    fourth = [d for d in (out["publication"]["done_on"], out["principal-notice"]["done_on"]) if d]
    put("art39-7-followup", anonymized and bool(fourth), due(min(fourth), "immediately") if anonymized and fourth else None, "immediately")
    put("cause-and-measures", bool(a.get("ppc_report")), None, None, done=_measures_done_on(record))
    put("measures-publication", facts.get("publish_measures") is True, None, None)
    put("art40-3-report", anonymized, due(out["cause-and-measures"]["done_on"], "immediately") if anonymized else None, "immediately")
    return [out[s.id] for s in STEP_DEFS]


def overdue(record: Mapping[str, Any], today: date) -> list[dict[str, Any]]:
    """Required steps not done whose due date has passed (the due day itself is not late)."""
    if record.get("state") == "closed":
        return []
    return [s for s in chain(record) if s["required"] and not s["done_on"] and s["due"] and s["due"] < today.isoformat()]


def next_due(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The earliest pending required step with a due date."""
    if record.get("state") == "closed":
        return None
    pending = [s for s in chain(record) if s["required"] and not s["done_on"] and s["due"]]
    return min(pending, key=lambda s: s["due"]) if pending else None


# -- building and changing records ------------------------------------------------------------


def new_record(
    top: Mapping[str, Any], facts: Mapping[str, Any], files: list[FileInfo], snapshot: Mapping[str, Any], *, today: date
) -> dict[str, Any]:
    """The data of a new incident record (without id)."""
    if not top.get("known_on"):
        raise UsageError("known_on: required (the day any unit of the ministry knew; --known-on DATE)")
    if not top.get("summary"):
        raise UsageError("summary: required (--summary TEXT), an outline without personal data")
    known = date.fromisoformat(top["known_on"])
    if known > today:
        raise UsageError(f"known_on: {known.isoformat()} is after today ({today.isoformat()}); an incident cannot be known in the future")
    record: dict[str, Any] = {
        "known_on": known.isoformat(),
        "division": top.get("division"),
        "files": list(top.get("files") or []),
        "summary": top["summary"],
        "state": "open",
        "opened_on": today.isoformat(),
        "closed_on": None,
        "facts": full_facts(facts),
        "rules_snapshot": dict(snapshot),
    }
    record["assessment"] = assess(record["facts"], files, Rules.from_snapshot(snapshot), known_on=known, on=known)
    record["events"] = [{"event": "opened", "on": today.isoformat(), "recorded_on": today.isoformat()}]
    record["chain"] = chain(record)
    return _ordered(record)


_ORDER = ("schema_version", "id", "known_on", "division", "files", "summary", "state", "opened_on", "closed_on",
          "facts", "assessment", "rules_snapshot", "chain", "events")


def _ordered(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in _ORDER if k in record} | {k: v for k, v in record.items() if k not in _ORDER}


def update_record(
    record: Mapping[str, Any],
    *,
    changes: Mapping[str, Any],
    top_changes: Mapping[str, Any] | None = None,
    event: Mapping[str, Any] | None = None,
    files: list[FileInfo],
    on: date,
    today: date,
    new_snapshot: Mapping[str, Any] | None = None,
    facts_on: date | None = None,
) -> dict[str, Any]:
    """A copy of `record` with changed facts (re-assessed as of `facts_on`), an event appended (on `on`), or both.

    `facts_on` defaults to `on`; the CLI passes the known date when no `--on` is given, so a fact
    recorded late does not move day 1 (issue 14 item 9). Events are only ever appended.
    `new_snapshot` (an explicit `--refresh-rules`) replaces the rules the incident is assessed
    under; otherwise its own snapshot is kept.
    """
    if record.get("state") == "closed":
        raise UsageError("this incident is closed; a closed record is not changed (open a new incident for a new event)")
    new = dict(record.items())
    known = date.fromisoformat(str((top_changes or {}).get("known_on") or record["known_on"]))
    if on < known:
        raise UsageError(f"--on {on.isoformat()} is before the known date {known.isoformat()}")
    if on > today:
        raise UsageError(f"--on {on.isoformat()} is after today ({today.isoformat()}); record an event once it has happened")
    fact_day = max(facts_on, known) if facts_on is not None else on
    if fact_day > today:
        raise UsageError(f"--on {fact_day.isoformat()} is after today ({today.isoformat()}); record a fact once it is known")
    events = [dict(e) for e in record.get("events") or []]
    diff: dict[str, dict[str, Any]] = {}
    facts = dict(full_facts(record.get("facts") or {}))
    for key, value in changes.items():
        if facts.get(key) != value:
            diff[key] = {"from": facts.get(key), "to": value}
            facts[key] = value
    for key, value in (top_changes or {}).items():
        if record.get(key) != value:
            diff[key] = {"from": record.get(key), "to": value}
            new[key] = value
    new["facts"] = facts
    if new_snapshot is not None:
        new["rules_snapshot"] = dict(new_snapshot)
        events.append({"event": "rules-refreshed", "on": on.isoformat(), "recorded_on": today.isoformat(),
                       "policy_version": new_snapshot.get("policy_version")})
    if diff or new_snapshot is not None:
        old = dict(record.get("assessment") or {})
        if "known_on" in diff and old.get("reportable_since") == record.get("known_on"):
            old["reportable_since"] = known.isoformat()  # reportable from the start: day 1 moves with the corrected date
        new["assessment"] = assess(facts, files, Rules.from_snapshot(new["rules_snapshot"]), known_on=known, on=fact_day, previous=old)
        if diff:
            events.append({
                "event": "facts-changed", "on": fact_day.isoformat(), "recorded_on": today.isoformat(), "changes": diff,
                "result": {"ppc_report": new["assessment"]["ppc_report"], "grounds": list(new["assessment"]["grounds"])},
            })
    if event is not None:
        entry = {"event": event["event"], "on": on.isoformat(), "recorded_on": today.isoformat()}
        entry.update({k: v for k, v in event.items() if k not in ("event", "on", "recorded_on") and v is not None})
        events.append(entry)
    if len(events) == len(record.get("events") or []):
        raise UsageError("nothing to record: give an --event, a changed fact, or --refresh-rules")
    new["events"] = events
    new["chain"] = chain(new)
    return _ordered(new)


def close_problems(record: Mapping[str, Any], relpath: str, today: date) -> list[Problem]:
    """Why the incident may not be closed yet (empty: it may). Art. 40 and the pending reports."""
    problems: list[Problem] = []

    def need(code: str, message: str, key: str) -> None:
        problems.append(Problem(relpath, None, code, message, "error", key))

    if record.get("state") == "closed":
        need("incident-closed", "already closed", "$.state")
        return problems
    facts = record.get("facts") or {}
    a = record.get("assessment") or {}
    if a.get("ppc_report"):
        # Art. 40(1): the event is one the 規則 defines (or reported as one): cause and measures.
        if not facts.get("cause"):
            need("incident-cause", "Art. 40(1): record the cause analysis (`incident update ID --cause TEXT`)", "$.facts.cause")
        if not facts.get("measures_done"):
            need("incident-measures", "Art. 40(1): record the recurrence-prevention measures taken (`--measure-done TEXT`)", "$.facts.measures_done")
        if facts.get("measures_planned") is None:
            need("incident-measures-planned", "Art. 40(1): record the measures planned (`--measure-planned TEXT`, or `--no-planned-measures` when none)", "$.facts.measures_planned")
    for step in chain(record):
        if step["required"] and not step["done_on"] and step["step"] != "cause-and-measures":
            need("incident-step-pending", f"Art. {step['article']}: {step['step']} ({step['title']}) is not recorded; "
                 f"record it with `incident update ID --event {step['step']} --on DATE`", "$.events")
    return problems


def close_record(record: Mapping[str, Any], *, on: date, today: date) -> dict[str, Any]:
    """A copy of `record`, closed on `on` (call close_problems first)."""
    new = dict(record)
    new["state"] = "closed"
    new["closed_on"] = on.isoformat()
    new["events"] = [*(record.get("events") or []), {"event": "closed", "on": on.isoformat(), "recorded_on": today.isoformat()}]
    new["chain"] = chain(new)
    return _ordered(new)


def event_article(event: str | None, record: Mapping[str, Any]) -> str:
    """The article trailer of a change: the step's article, else the chapter (39)."""
    if event in STEPS:
        for s in chain(record):
            if s["step"] == event:
                return str(s["article"])
    return "39"


# -- listing and validate findings -----------------------------------------------------------


def list_rows(records: Iterable[tuple[str, Mapping[str, Any]]], today: date, *, only_open: bool = False, only_overdue: bool = False) -> list[dict[str, Any]]:
    """One summary row per incident (id, state, PPC report, deadlines, next due, overdue steps)."""
    rows = []
    for rid, data in records:
        late = overdue(data, today)
        if only_open and data.get("state") != "open":
            continue
        if only_overdue and not late:
            continue
        a = data.get("assessment") or {}
        nxt = next_due(data)
        rows.append({
            "id": rid,
            "state": data.get("state"),
            "known_on": data.get("known_on"),
            "division": data.get("division"),
            "ppc_report": a.get("ppc_report"),
            "grounds": list(a.get("grounds") or []),
            "deadlines": dict(a.get("deadlines") or {}),
            "next_due": {"step": nxt["step"], "article": nxt["article"], "due": nxt["due"]} if nxt else None,
            "overdue": [{"step": s["step"], "article": s["article"], "due": s["due"]} for s in late],
        })
    rows.sort(key=lambda r: (str(r["known_on"]), r["id"]))
    return rows


def incident_findings(reg: Any, today: date) -> Iterator[Problem]:
    """Rule findings (warnings): every passed deadline of an open incident; personal data in its text."""
    from meti_pi.classify import screening
    from meti_pi.store import schema, yamlload

    for rec in reg.of_kind("incidents"):
        data = rec.data
        try:
            late = overdue(data, today)
        except (KeyError, TypeError, ValueError):
            continue  # a record the schema let through but that cannot be computed: schema errors say why
        for step in late:
            key = ("assessment", "deadlines", "preliminary_report" if step["step"] == "preliminary-report" else "final_report") \
                if step["step"] in ("preliminary-report", "final-report") else ("events",)
            line = yamlload.Where(rec.text, key) if rec.text else None  # found when read (errors.LazyProblem)
            when = f"its target (速報の目安, 速やかに) was {step['due']}" if step["step"] == "preliminary-report" else f"was due {step['due']}"
            yield LazyProblem(
                rec.relpath, line, "incident-overdue",  # type: ignore[arg-type]
                f"Art. {step['article']}: {step['title']} ({step['step']}) {when} and is not recorded; "
                f"record it with `meti-pi incident update {rec.id} --event {step['step']} --on DATE`",
                "warning", schema.key_path(key),
            )
        for path, finding in screening.findings_in({k: data.get(k) for k in ("summary", "facts", "events")}):
            yield Problem(rec.relpath, None, "incident-personal-data",
                          f"{path}: looks like a {finding.kind_ja} ({finding.kind}); an incident record must not hold the leaked data — remove it",
                          "warning", path)
