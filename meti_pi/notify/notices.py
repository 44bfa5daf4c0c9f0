"""Art. 35/36 notices: which ones a file requires, by when, and whether they are made and current.

WHICH notices comes from the one decision engine (`classification.decide`); this module adds
WHEN (the timing the rule sets) and the state of the notices recorded under `notifications/`.

Timing (rule Arts. 35-36; the day counts are policy, legal brief §9.10):
- 35(1), 35(3): あらかじめ, before holding starts. A notice submitted on or before
  `holding.start` is on time (the register knows days, not hours: the same day counts).
- 35(2): 遅滞なく after holding starts: by `holding.start` + policy
  `time_limits.without_delay_days`, rolled past days the ministry is closed.
- 36: after creating 行政機関等匿名加工情報 (the rule sets no limit; the same 遅滞なく policy
  limit is applied from `anonymized_info.created_on`).
- Change notices: 35(1)/(3) and 36 before the change (変更しようとするとき), 35(2) after it.
  A change is detected, not dated: when the notified items of a file differ from those of
  its latest submitted notice, the notice is "stale" until a change notice is submitted.

A notice is "made" when it is submitted to the 副総括 (state submitted or acknowledged); a
draft alone is not a notice. Files whose holding has ended (`holding.end` on or before today)
are not checked.

The code lives in requirements, recorded and findings; this module names the interface callers use.
"""

from __future__ import annotations

from meti_pi.notify.findings import (
    Finding,
    check,
    check_with_ppc,
    deemed_by_pia,
    held_on,
    kind_findings,
    ledger_findings,
    notice_findings,
    obsolete_drafts,
    ppc_findings,
    ppc_requirements,
    quiet_consider,
    quiet_holds,
)
from meti_pi.notify.recorded import KindStatus, Plan, file_status, notices_by_file, plan
from meti_pi.notify.requirements import (
    ARTICLE,
    CHANGE_TIMING,
    FAILING,
    ITEMS_VERSION,
    LISTED,
    LIVE_STATES,
    MADE_STATES,
    NOTICE_KINDS,
    PPC_ITEMS,
    PPC_KINDS,
    TIMING,
    TRIGGER,
    Requirement,
    _date,
    canonical_json,
    decision_for,
    due_after,
    items_hash,
    management_class,
    notified_items,
    ppc_items_hash,
    requirement,
    requirements,
    rule_effective,
)

# The interface, defined in requirements, recorded and findings (issue 17 split the module).
__all__ = [
    'ARTICLE',
    'CHANGE_TIMING',
    'FAILING',
    'ITEMS_VERSION',
    'LISTED',
    'LIVE_STATES',
    'MADE_STATES',
    'NOTICE_KINDS',
    'PPC_ITEMS',
    'PPC_KINDS',
    'TIMING',
    'TRIGGER',
    'Finding',
    'KindStatus',
    'Plan',
    'Requirement',
    '_date',
    'canonical_json',
    'check',
    'check_with_ppc',
    'decision_for',
    'deemed_by_pia',
    'due_after',
    'file_status',
    'held_on',
    'items_hash',
    'kind_findings',
    'ledger_findings',
    'management_class',
    'notice_findings',
    'notices_by_file',
    'notified_items',
    'obsolete_drafts',
    'plan',
    'ppc_findings',
    'ppc_items_hash',
    'ppc_requirements',
    'quiet_consider',
    'quiet_holds',
    'requirement',
    'requirements',
    'rule_effective',
]
