"""Policy defaults: every tunable rule and time limit, overridable in the register's policy.yaml.

Each default says where it comes from (legal brief tags): VERIFIED law, a DERIVED reading, or a
METI policy choice that the 副総括 should confirm.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

from meti_pi.dates import wareki
from meti_pi.errors import UsageError
from meti_pi.store import limits, schema, yamlload

# The person-count lines the law or the rule itself states, by `thresholds` key: the rule's 管理B
# (Art. 16(1) 本人の数が千人以上: SEED, the rule is authoritative), APPI 74(2)(9) with 令20 (files of
# fewer than 1,000 本人 need no notice and no ファイル簿 entry: VERIFIED, legal brief §2.2) and 規則43(4)
# (a leak of more than 100 本人 is reported to the PPC: VERIFIED, legal brief §3.1). policy.yaml may
# set another value (a stricter policy, a changed law): validate warns of it
# (checks.thresholds.check_thresholds), as every legal answer moves with it; save the PPC report's,
# whose legal answer is this 100 (incident.assessment.LAW_MORE_THAN): the policy's number only adds
# a stricter line of its own and cannot waive a report the law obliges.
LEGAL_THRESHOLDS: dict[str, int] = {
    "class_b_min_principals": 1000,
    "filebook_min_principals": 1000,
    "ppc_report_more_than": 100,
}

DEFAULT_POLICY: dict[str, Any] = {
    "version": "default-2026-11",
    "fiscal_year_start_month": 4,  # 年度 April-March (FROM MEMORY, standard)
    "inspection_year": "fiscal",  # Art. 41 '毎年' is silent (legal brief §9.12): policy choice
    "time_limits": {
        "immediately_days": 0,  # 直ちに: the same day (policy choice, legal brief §9.10)
        "promptly_days": 3,  # 速やかに (policy choice)
        "without_delay_days": 14,  # 遅滞なく, e.g. Art. 35(2) (policy choice, legal brief §8)
    },
    "thresholds": dict(LEGAL_THRESHOLDS),  # Art. 16(1) 千人以上 (SEED), APPI 74(2)(9) / 令20, 規則43(4) (VERIFIED)
    "classification": {
        # DERIVED default: the 管理者 decides 管理A; these characteristics suggest it.
        "class_a_triggers": ["my_number", "sensitive", "biometric", "identification_code", "financial", "confidential"],
    },
    # PPC reading (FROM MEMORY: 通則編 3-5-3-1 事例, Q&A A6-11 / Q14-8): a card number alone, or an
    # account number with what lets someone use it (暗証番号, ネットバンキングの認証情報).
    "financial_damage": {"combinations": [["card_number"], ["bank_account", "account_credentials"]]},
    # 附則1: the rule in force 2022-04-01 (VERIFIED); files held before it: 35(1) 遅滞なく (APPI 附則7(14)).
    "notices": {"rule_effective": "2022-04-01"},
    "incident": {
        "preliminary_report_days_min": 3,  # 速報 概ね3～5日 (VERIFIED for 特定個人情報; FROM MEMORY for APPI)
        "preliminary_report_days": 5,
        "final_report_days": 30,  # 確報 30 days (VERIFIED parallel, 規則8 / 特定 rule 3)
        "final_report_days_malicious": 60,  # 不正の目的: 60 days
        "minor_skips_sokatsu": True,  # Art. 39(3) 軽易 (マニュアル defines 'minor')
        # DERIVED (issue 14 item 9): unknown facts taken as possibly present (「おそれ」), as an
        # unknown count is; the 副総括 should confirm. 番号法規則2(1) system: legal brief §4.3 (DERIVED).
        "unknown_taken_as_possible": ["sensitive", "financial", "malicious", "my_number_system"],
        "screening": "refuse",
        # The nine PPC report items (規則44: FROM MEMORY, mirrors the VERIFIED 規則8(1)) and the
        # items of the notice to the 本人 (規則45: report items 1, 2, 4, 5 and 9, FROM MEMORY).
        "report_items": [
            "概要",
            "漏えい等が発生し、又は発生したおそれがある保有個人情報の項目",
            "漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数",
            "原因",
            "二次被害又はそのおそれの有無及びその内容",
            "本人への対応の実施状況",
            "公表の実施状況",
            "再発防止のための措置",
            "その他参考となる事項",
        ],
        "notice_items": [1, 2, 4, 5, 9],
    },
    "contractors": {"annual_check_months": 12},  # Art. 14(4) 年1回以上
    "inspection": {"corrective_action_days": 90},  # due date of a corrective action (POLICY)
    "lock_timeout_seconds": 30,
    "max_file_bytes": 4 << 20,  # register and option files above this are refused (hostile input; POLICY)
    "documents": {
        "fullwidth_digits": True,
        "font_east_asian": "ＭＳ 明朝",
        # 和暦 in documents (legal brief §6): 令和 and 平成 VERIFIED (kept as they are: wareki.era_problems),
        # 昭和 and 大正 FROM MEMORY; the era after 令和 is added here when it comes.
        "eras": [{"name": name, "first_day": first.isoformat()} for first, name in wareki.DEFAULT_ERAS],
    },
    # The public ファイル簿 (APPI 75): fields 13-18 as published and the wording of some answers are
    # FROM MEMORY (legal brief §5.1: the standard national form, consistent with APPI 110 and 117);
    # fields 1-12 are VERIFIED and fixed (meti_pi.filebook.book). Confirm against e-Gov and correct here.
    "filebook": {
        "headers": {
            "linked_manual_file": "令第21条第7項に該当するファイル",
            "invites_proposals": "行政機関等匿名加工情報の提案の募集をする個人情報ファイルである旨",
            "proposal_office": "行政機関等匿名加工情報の提案を受ける組織の名称及び所在地",
            "anonymized_overview": "行政機関等匿名加工情報の概要",
            "anonymized_proposal": (
                "作成された行政機関等匿名加工情報に関する提案を受ける組織の名称及び所在地並びに提案をすることができる期間"
            ),
            "notes": "備考",
        },
        "labels": {
            "sensitive_yes": "含む",
            "sensitive_no": "含まない",
            "linked_yes": "有",
            "linked_no": "無",
            "invites_proposals": "該当",
        },
    },
}


def merged(user: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults overlaid with the register's policy.yaml (nested mappings merge key by key)."""
    result = copy.deepcopy(DEFAULT_POLICY)
    _overlay(result, user or {})
    return result


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> None:
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _overlay(base[key], value)
        else:
            base[key] = value


def checked(
    user: Any, text: str | None, relpath: str = "policy.yaml", *, strict: bool | tuple[str, ...] = True
) -> dict[str, Any] | None:
    """The user's policy when it keeps to policy.schema.json; else a usage error (exit 2) naming the
    first bad key and its line: a command must not compute deadlines or wait for a lock from
    `lock_timeout_seconds: abc` (it would fail with a traceback). Not `strict` (validate, which
    reports the schema error itself): the bad values are left out, their defaults apply. `strict` a
    tuple of keys: strict for those keys only."""
    if not isinstance(user, dict) or not user:
        return None

    # Values only: a missing or unknown key is validate's to report (the defaults apply meanwhile).
    found = [(path, message) for path, message in schema.errors("policy.schema.json", user) if path]
    if not found:
        return user
    if strict is not True:
        fatal = [(path, message) for path, message in found if strict and path[0] in strict]
        if not fatal:
            bad = {path[0] for path, _ in found}
            return {k: v for k, v in user.items() if k not in bad}
        found = fatal
    path, message = found[0]
    line = yamlload.locate(text, path) if text else None
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    raise UsageError.at(
        relpath,
        line,
        f"{schema.key_path(path)}: {message}{more}; correct the value in {relpath} (the fields: the register's .schemas/policy.schema.json, which `meti-pi schemas --write` writes)",
    )


def fullwidth_digits(policy: dict[str, Any]) -> bool:
    """Whether documents write digits full-width (`documents.fullwidth_digits`, the rule's own style)."""
    return bool((policy.get("documents") or {}).get("fullwidth_digits", True))


def eras(policy: dict[str, Any]) -> wareki.Eras:
    """The era table documents use: the merged policy's `documents.eras` (its table checked with its
    schema: store.schema.beyond)."""
    return wareki.eras_from((policy.get("documents") or {}).get("eras") or DEFAULT_POLICY["documents"]["eras"])


def load_policy(root: Path) -> dict[str, Any]:
    """The merged policy alone (for the write path's lock timeout and the file-size limit), without
    reading records; a bad lock_timeout_seconds or max_file_bytes is a usage error (exit 2)."""
    path = root / "policy.yaml"
    user: Any = None
    text: str | None = None
    if path.is_file():
        try:
            text = yamlload.decode(limits.read_regular(path))
            user = yamlload.load(text)
        except (yamlload.YamlFault, OSError):
            user = None  # validate reports it; the defaults still apply
    # Read before the lock, from the work tree: only the values read here stop a command.
    return merged(checked(user, text, strict=("lock_timeout_seconds", "max_file_bytes")))


@lru_cache(maxsize=16)
def max_file_bytes(root: str | None) -> int:
    """The register's `max_file_bytes` (policy.yaml, read within the default limit), else the default."""
    if root is None:
        return limits.DEFAULT_MAX_FILE_BYTES
    try:
        value = load_policy(Path(root)).get("max_file_bytes", limits.DEFAULT_MAX_FILE_BYTES)
    except Exception:  # noqa: BLE001 - an unreadable policy is reported by validate; the default applies meanwhile
        return limits.DEFAULT_MAX_FILE_BYTES
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else limits.DEFAULT_MAX_FILE_BYTES
    )
