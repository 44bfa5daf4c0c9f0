"""The Art. 16 decision engine shared by classify, notify and validate.

From a `Profile` (what a dataset holds, plus the 管理者's judgements) and the register's policy,
`decide` gives the 管理区分 (A/B/C), whether the data is a 個人情報ファイル, which APPI 74(2)
exclusions apply, which rule Art. 35/36 notices follow and whether the file is listed in the
public ファイル簿 (APPI 75(2)). Every step is a `Reason` naming its article.

Law (legal brief §1.7, §1.8, §2.2, §9 items 4-7):
- 規程35(1): files not excluded by 74(2)(1)-(11); 35(2): 管理A/B except 74(2)(1)-(9), (11) and
  files already notified under 35(1) (item 10 is *not* excluded); 35(3): 個人番号 always.
- 75(2)(i): files under 74(2)(1)-(10) are not listed, so manual files (item 11) are.
- 74(2)(9): fewer than 1,000 本人 (令20); exactly 1,000 is in scope.

The engine lives in profile (inputs), decision (`decide`) and outcome (scan -> record); this module
names the public interface callers use.
"""

from __future__ import annotations

from meti_pi.classify.decision import decide, financial_damage, japanese_label
from meti_pi.classify.outcome import (
    Judgements,
    Outcome,
    apply_to_record,
    classify_profile,
    classify_scan,
    decide_outcome,
    document_rationale,
    merge_judgements,
    outcome_json,
    profile_from_scan,
    rationale,
    record_base,
    record_lowered,
    require_rationale,
    scan_reasons,
)
from meti_pi.classify.profile import (
    CLASS_A_TRIGGERS,
    CLASS_RANK,
    DEFAULT_FINANCIAL_COMBINATIONS,
    DEFAULT_MIN_PRINCIPALS,
    EXCLUSION_RE,
    FILE_KINDS,
    FINANCIAL_ITEMS,
    ITEMS_74_2,
    NOTIFICATIONS,
    PROCESSING,
    PROFILE_KEYS,
    SENSITIVE_ENUM,
    Decision,
    Profile,
    Reason,
    profile_from_mapping,
    profile_from_record,
)

# The public interface, defined in profile, decision and outcome (issue 17 split the module).
__all__ = [
    'CLASS_A_TRIGGERS',
    'CLASS_RANK',
    'DEFAULT_FINANCIAL_COMBINATIONS',
    'DEFAULT_MIN_PRINCIPALS',
    'EXCLUSION_RE',
    'FILE_KINDS',
    'FINANCIAL_ITEMS',
    'ITEMS_74_2',
    'NOTIFICATIONS',
    'PROCESSING',
    'PROFILE_KEYS',
    'SENSITIVE_ENUM',
    'Decision',
    'Judgements',
    'Outcome',
    'Profile',
    'Reason',
    'apply_to_record',
    'classify_profile',
    'classify_scan',
    'decide',
    'decide_outcome',
    'document_rationale',
    'financial_damage',
    'japanese_label',
    'merge_judgements',
    'outcome_json',
    'profile_from_mapping',
    'profile_from_record',
    'profile_from_scan',
    'rationale',
    'record_base',
    'record_lowered',
    'require_rationale',
    'scan_reasons',
]
