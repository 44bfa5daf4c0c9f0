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

The code lives in facts, assessment, chain and records; this module names the interface callers use.
"""

from __future__ import annotations

from meti_pi.incident.assessment import (
    APPI_GROUNDS,
    ASSUMED_HINT,
    ASSUMED_NOTE,
    GROUND_ARTICLE,
    GROUNDS,
    LAW_MORE_THAN,
    MALICIOUS_GROUNDS,
    MYNUMBER_RULE_GROUNDS,
    RULE_GROUNDS,
    assess,
    ground_articles,
)
from meti_pi.incident.chain import (
    OTHER_EVENTS,
    RECORDABLE_EVENTS,
    STEP_DEFS,
    STEPS,
    StepDef,
    chain,
    next_due,
    overdue,
)
from meti_pi.incident.facts import (
    ASSESSED_FACTS,
    CITATION_KEYS,
    FACTS,
    TOP_KEYS,
    UNKNOWN_JA,
    FileInfo,
    Rules,
    file_info,
    full_facts,
    normalize_fact,
    rules_snapshot,
    split_input,
)
from meti_pi.incident.records import (
    close_problems,
    close_record,
    event_article,
    incident_findings,
    list_rows,
    new_record,
    update_record,
)

# The interface, defined in facts, assessment, chain and records (issue 17).
__all__ = [
    'APPI_GROUNDS',
    'ASSESSED_FACTS',
    'ASSUMED_HINT',
    'ASSUMED_NOTE',
    'CITATION_KEYS',
    'FACTS',
    'GROUNDS',
    'GROUND_ARTICLE',
    'LAW_MORE_THAN',
    'MALICIOUS_GROUNDS',
    'MYNUMBER_RULE_GROUNDS',
    'OTHER_EVENTS',
    'RECORDABLE_EVENTS',
    'RULE_GROUNDS',
    'STEPS',
    'STEP_DEFS',
    'TOP_KEYS',
    'UNKNOWN_JA',
    'FileInfo',
    'Rules',
    'StepDef',
    'assess',
    'chain',
    'close_problems',
    'close_record',
    'event_article',
    'file_info',
    'full_facts',
    'ground_articles',
    'incident_findings',
    'list_rows',
    'new_record',
    'next_due',
    'normalize_fact',
    'overdue',
    'rules_snapshot',
    'split_input',
    'update_record',
]
