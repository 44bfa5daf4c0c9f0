"""validate's warning of a person-count threshold in policy.yaml that is not the one the law or the
rule states (store.policy.LEGAL_THRESHOLDS): the 管理B line (規程16(1)), the ファイル簿 and notice
exemption (APPI 74(2)(9)) and the PPC report (規則43(4)). Every legal answer moves with these
numbers, and a changed one was silent.

A warning, never an error: the ministry may keep a stricter line, and a change of the law must stay
expressible in policy.yaml, save the PPC report's: the incident engine reports more than 規則43(4)'s
100 whatever policy.yaml says (a policy cannot waive the law), so a higher value there changes no
assessment, and the warning says so. The warning says which article states which number and, in numbers, what
the register's value does instead. Its problems are policy.yaml's alone, which only a change of a
root file alters: such a change validates the whole way (checks.incremental), so the check's scope
there is a record's own (0, 0), as hygiene.check_named_files's (register.yaml's).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from meti_pi.errors import Problem
from meti_pi.store.policy import LEGAL_THRESHOLDS
from meti_pi.store.problems import at
from meti_pi.store.register import Register

CODE = "policy-threshold"

# By key: (the article and what it says, with the legal brief's tag).
_STATES: dict[str, str] = {
    "class_b_min_principals": "規程第16条第1項 (the rule itself) classes a file 管理B from 1,000 本人 (千人以上)",
    "filebook_min_principals": (
        "APPI 74(2)(9) with 令20 (VERIFIED, legal brief §2.2) exempts only files of fewer than 1,000 本人 "
        "from the 74(1) notice and the ファイル簿"
    ),
    "ppc_report_more_than": (
        "規則43(4) (VERIFIED, legal brief §3.1) makes a leak of more than 100 本人 reportable to the PPC"
    ),
}


def _span(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def _effect(key: str, value: int, law: int) -> str:
    """What `value` does that the law's `law` would not, in 本人 counts."""
    if key == "ppc_report_more_than":
        if value > law:
            return (
                f"incidents with {_span(law + 1, value)} 本人 are still assessed as reportable under 規則43(4), "
                "which a policy cannot waive, so the value changes no assessment"
            )
        return (
            f"incidents with {_span(value + 1, law)} 本人 will be reported to the PPC on the ministry's own line "
            "(ground policy-line), not under 規則43(4), which does not require it"
        )
    span = _span(value, law - 1) if value < law else _span(law, value - 1)
    if key == "class_b_min_principals":
        if value > law:
            return f"files with {span} 本人 will not be classed 管理B by their count (管理C unless 管理A)"
        return f"files with {span} 本人 will be classed 管理B by their count"
    if value > law:
        return (
            f"files with {span} 本人 will be taken as exempt under 74(2)(9): no 74(1)/Art. 35 notice, "
            "left out of the ファイル簿"
        )
    return f"files with {span} 本人, which 74(2)(9) exempts, will owe the notices and be listed in the ファイル簿"


def threshold_message(key: str, value: int) -> str:
    """The warning of `value` for `thresholds.<key>`: the article, its number, what `value` does, what to do."""
    law = LEGAL_THRESHOLDS[key]
    source = "the rule" if key == "class_b_min_principals" else "the law"
    todo = (  # a higher number always asks less (fewer 管理B files, notices, entries, reports)
        f"write {law}; a change of 規則43(4) itself is for meti-pi to follow (store.policy.LEGAL_THRESHOLDS)"
        if value > law and key == "ppc_report_more_than"
        else f"write {law} unless {source} has changed"
        if value > law
        else f"keep {value} if the ministry means to be stricter than {source}, else write {law}"
    )
    return f"{value:,} is not {law:,}: {_STATES[key]}; with {value:,}, {_effect(key, value, law)}: {todo}"


def check_thresholds(reg: Register, today: date) -> Iterator[Problem]:
    """A `thresholds` value of policy.yaml other than the law's (a warning: see the module). A value
    of the wrong type is its schema's to report."""
    rec = reg.singletons.get("policy.yaml")
    if rec is None or not isinstance(rec.data, dict):
        return
    thresholds = rec.data.get("thresholds")
    if not isinstance(thresholds, dict):
        return
    for key, law in LEGAL_THRESHOLDS.items():
        value = thresholds.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0 and value != law:
            yield at(rec, ("thresholds", key), CODE, threshold_message(key, value), "warning")
