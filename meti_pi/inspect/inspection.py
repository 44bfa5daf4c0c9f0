"""Art. 41 inspections, Art. 42 audits and Art. 43 reviews: records, findings and the year's report.

- An inspection record (`inspections/<year>/<division>.yaml`) holds the answers to the
  division's generated checklist (meti_pi.inspect.checklist). Every "no" becomes a finding with a
  corrective action, an owner (a post) and a due date. Findings stay open until a later
  inspection answers their carried-forward item "yes" (or an Art. 43 review closes them).
- The year's report aggregates every division: completion, findings by article compared with
  the previous year, and the list the 副総括 may pass to the 総括 (Art. 41(2)).
- Audits (`audits/AUD-...`) record scope, the auditors and their independence from the audited
  divisions (Art. 42(2)), findings, and the evidence pack examined: the register and its git
  trail at one commit, exported as a folder or a reproducible zip.
- Reviews (`reviews/REV-...`) record the 副総括's evaluation (Art. 43) and the findings they answer.

The code lives in answers, record, report, audits, audit_report, evidence, reviews and labels; this module names
the interface callers use.
"""

from __future__ import annotations

from meti_pi.inspect.answers import (
    AD_HOC_MARK,
    ANSWER_ALIASES,
    DEFAULT_ACTION_DAYS,
    AnswerInput,
    AnswerSet,
    action_days,
    inspection_key,
    normalize_answer,
    parse_answer_set,
    record_id,
)
from meti_pi.inspect.audit_report import audit_report_markdown, render_audit_report, write_audit_report
from meti_pi.inspect.audits import (
    AUDIT_OPTIONS,
    audit_officer_post,
    check_audit_days,
    file_fields,
    file_scope,
    findings_day,
    independence_flags,
    new_audit_data,
    parse_audit_findings,
    parse_auditor,
)
from meti_pi.inspect.doctext import document_text
from meti_pi.inspect.evidence import Pack, _register_at, evidence_pack
from meti_pi.inspect.labels import finding_label
from meti_pi.inspect.record import Outcome, build_record, check_inspection_day
from meti_pi.inspect.report import (
    DIVISION_HEADERS,
    ESCALATION_JA,
    REPORT_HEADERS,
    division_rows,
    render_report,
    report_markdown,
    report_rows,
    roles_of,
    year_report,
)
from meti_pi.inspect.reviews import audits_overview, new_review_data, reviews_overview

# The interface, defined in answers, record, report, audits, audit_report, evidence, reviews and labels (issue 17).
__all__ = [
    'AD_HOC_MARK',
    'ANSWER_ALIASES',
    'AUDIT_OPTIONS',
    'DEFAULT_ACTION_DAYS',
    'DIVISION_HEADERS',
    'ESCALATION_JA',
    'REPORT_HEADERS',
    'AnswerInput',
    'AnswerSet',
    'Outcome',
    'Pack',
    '_register_at',
    'action_days',
    'audit_officer_post',
    'audit_report_markdown',
    'audits_overview',
    'build_record',
    'check_audit_days',
    'check_inspection_day',
    'division_rows',
    'document_text',
    'evidence_pack',
    'file_fields',
    'file_scope',
    'finding_label',
    'findings_day',
    'independence_flags',
    'inspection_key',
    'new_audit_data',
    'new_review_data',
    'normalize_answer',
    'parse_answer_set',
    'parse_audit_findings',
    'parse_auditor',
    'record_id',
    'render_audit_report',
    'render_report',
    'report_markdown',
    'report_rows',
    'reviews_overview',
    'roles_of',
    'write_audit_report',
    'year_report',
]
