"""An incident's facts (規程 Arts. 39, 40), what the register says about the files involved, and the rules
snapshot a record keeps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from meti_pi.classify.profile import my_number_held, sensitive_held
from meti_pi.errors import UsageError
from meti_pi.store.limits import MAX_PRINCIPALS, beyond_population, checked_date, parsed_date

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
ASSESSED_FACTS = (
    "principals",
    "principals_max",
    "sensitive",
    "financial",
    "malicious",
    "cyber",
    "my_number",
    "my_number_system",
    "public_exposure",
    "anonymized_info",
    "encrypted",
)


def _parse_date(key: str, value: Any) -> str:

    if isinstance(value, date):
        return checked_date(key, value).isoformat()
    if isinstance(value, str):
        return parsed_date(key, value).isoformat()
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
            if value > MAX_PRINCIPALS:
                raise UsageError(beyond_population(key))
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
    kinds = (["個人番号利用事務"] if basis.get("use_basis") else []) + (
        ["個人番号関係事務"] if basis.get("relation_work") is True else []
    )
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
    if my_number_held(data.get("characteristics")) is not True:
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
        # named 要配慮 categories are held, as the ファイル簿, the notice and the class read them
        sensitive=sensitive_held(chars),
        financial=_tri(chars.get("financial")),
        my_number=my_number_held(chars),
        my_number_system=_my_number_system(data),
        my_number_work=_my_number_work(data),
    )


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


def rules_snapshot(policy: Mapping[str, Any], citations: Mapping[str, Any] | None, today: date) -> dict[str, Any]:
    """What the record stores so a later policy change never silently rewrites its assessment.

    `citations` is the citations.yaml document (its `as_of` and `citations` list), or None.
    """
    inc = policy.get("incident") or {}
    limits = policy.get("time_limits") or {}
    cites = {c.get("key"): c for c in (citations or {}).get("citations") or [] if isinstance(c, dict)}
    used = [
        {
            "key": k,
            "current": str(cites[k].get("current", "")) or k,
            "status": str(cites[k].get("status", "")) or "unknown",
        }
        for k in CITATION_KEYS
        if k in cites
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


class Contradiction(UsageError):
    """Facts that cannot both be true (check_consistent), with the facts' keys, so that a command
    reading them from a --from file says it at the line of the first the file gives."""

    def __init__(self, message: str, keys: tuple[str, ...]) -> None:
        super().__init__(message)
        self.keys = keys


def check_consistent(
    facts: Mapping[str, Any], changed: Iterable[str] | None = None, known_on: str | None = None
) -> None:
    """Facts that cannot both be true: `cyber` (outside unauthorized access or malware suspected) is
    an act against the ministry that may have had 不正の目的 (PPC 規則43(3)), which `malicious: false`
    denies. Which one is wrong is the officer's to say: refused, not resolved (the 確報 is due on
    day 60 under item 3 by 規則44 (FROM MEMORY: policy), on day 30 without it). Refused alike: a count
    found above its own upper bound, a 個人番号 system (番号法規則2(1)) without 個人番号, an occurrence
    after the known day. `changed`: the facts (and top-level keys) this input gives, the others being
    the record's; a pair this input does not touch is not checked, so a record that holds it from
    before is not refused its events."""
    touched = set(changed) if changed is not None else None

    def given(*keys: str) -> bool:
        return touched is None or bool(touched & set(keys))

    count, most = facts.get("principals"), facts.get("principals_max")
    if count is not None and most is not None and count > most and given("principals", "principals_max"):
        raise Contradiction(
            f"principals ({count}) is above principals_max ({most}): the count found cannot exceed its upper "
            "bound; correct one of them (--principals / --principals-max, or --unset principals_max)",
            ("principals", "principals_max"),
        )
    if (
        facts.get("my_number_system") is True
        and facts.get("my_number") is False
        and given("my_number", "my_number_system")
    ):
        raise Contradiction(
            "--my-number-system (my_number_system: true) contradicts --no-my-number (my_number: false): a system "
            "managing 特定個人情報 (番号法規則2(1)) is in question only where 個人番号 is involved; state "
            "--my-number, or --no-my-number-system",
            ("my_number_system", "my_number"),
        )
    occurred = facts.get("occurred_on")
    if occurred is not None and known_on is not None and str(occurred) > known_on and given("occurred_on", "known_on"):
        raise Contradiction(
            f"occurred_on {occurred} is after known_on {known_on}: an event becomes known on or after the day "
            "it occurred; correct --occurred-on or --known-on",
            ("occurred_on", "known_on"),
        )
    if facts.get("cyber") is True and facts.get("malicious") is False and given("cyber", "malicious"):
        said_now = touched if touched is not None else {"cyber", "malicious"}
        option = {"cyber": "--cyber (cyber: true)", "malicious": "--no-malicious (malicious: false)"}
        recorded = {"cyber": "the recorded cyber: true", "malicious": "the recorded malicious: false"}
        said = (
            f"{option['cyber']} and {option['malicious']} contradict each other"
            if {"cyber", "malicious"} <= said_now
            else f"{option['cyber']} contradicts {recorded['malicious']}"
            if "cyber" in said_now
            else f"{option['malicious']} contradicts {recorded['cyber']}"
        )
        raise Contradiction(
            f"{said}: an outside unauthorized access or malware is an act that may have had 不正の目的 "
            "(規則43(3)); state --malicious, or --no-cyber if no such access happened",
            ("cyber", "malicious"),
        )
