"""The checks of contractor records (rule Arts. 14, 15), part of validate's CHECKS.

委託 (Art. 14, 請負 included) and 労働者派遣 (Art. 15) are told apart by `contract.kind`
(meti_pi.store.contracts): a 労働者派遣契約 owes no 14(2) clause and no 14(3)/14(4) confirmation,
only 秘密保持義務等 in the contract; a 委託 contractor that also dispatches workers owes both.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from meti_pi.errors import Problem
from meti_pi.store import refs, schema
from meti_pi.store.contracts import dispatches, outsources
from meti_pi.store.problems import at
from meti_pi.store.register import Record, Register


def check_contractor_chain(reg: Register, today: date) -> Iterator[Problem]:
    """Art. 14(5): a 再委託 chain ends at a direct contractor (no cycle), and every link in it is 委託:
    a 労働者派遣契約 (Art. 15) delegates no work for a 再委託先 to take over.

    On subjects only: a change can close a loop only through the contractor whose parent it
    changed, and that contractor's own walk then finds the loop (a parent's change of kind brings
    in the contractors naming it: they refer to it).
    """
    for rec in reg.subjects("contractors"):
        seen = {rec.id}
        parent = _parent_of(rec)
        first = reg.get("contractors", parent) if parent is not None else None
        if first is not None and isinstance(first.data, dict) and not outsources(first.data):
            yield at(
                rec,
                ("parent",),
                "subcontract-of-dispatch",
                f"Art. 14(5): contractors/{parent} is a 労働者派遣契約 (contract.kind: dispatch, Art. 15), not 委託: "
                "nothing is delegated to it to sub-delegate; correct `parent` to the 委託先 that sub-delegated, "
                "or remove it for a direct contractor",
            )
        while parent is not None:
            if parent in seen:
                yield at(
                    rec, ("parent",), "subcontract-cycle", "the 再委託 chain loops back on itself; correct `parent`"
                )
                break
            seen.add(parent)
            prec = reg.get("contractors", parent)
            parent = _parent_of(prec) if prec is not None else None


def _parent_of(rec: Record) -> str | None:
    """A contractor's `parent` when it is a text: its one reference to a contractor (meti_pi.store.refs),
    read from the references the read cache keeps, without decoding the record."""
    for target in refs.targets_of(rec):
        if target.startswith("contractors/"):
            return target[len("contractors/") :]
    return None


# -- rule findings (warnings) --------------------------------------------------------------


def check_contractors(reg: Register, today: date) -> Iterator[Problem]:
    """Art. 14 for 委託: the nine clauses, the confirmation after contracting, the annual confirmation;
    Art. 15 for 労働者派遣: 秘密保持義務等 stated in the 労働者派遣契約.

    Warnings, as a missing 14(2) clause is: the record is right, the contract it records falls short
    of the rule, and the remedy (amending the contract) is outside the register."""
    for rec in reg.subjects("contractors"):
        if dispatches(rec.data):
            yield from _dispatch_terms(rec)
        if outsources(rec.data):
            yield from _outsourcing(reg, rec, today)


def _dispatch_terms(rec: Record) -> Iterator[Problem]:
    """Art. 15: 「労働者派遣契約書に秘密保持義務等個人情報等の取扱いに関する事項を明記」."""
    workers = rec.data.get("dispatched_workers")
    terms = workers.get("contract_terms") if isinstance(workers, dict) else None
    if terms is True:
        return
    yield at(
        rec,
        ("dispatched_workers", "contract_terms") if terms is False else ("dispatched_workers",),
        "dispatch-terms-missing",
        "Art. 15: the 労働者派遣契約 does not state 秘密保持義務等 (the handling of personal information); amend the contract"
        if terms is False
        else "Art. 15: not recorded whether the 労働者派遣契約 states 秘密保持義務等 (the handling of personal "
        "information); record dispatched_workers.contract_terms",
        "warning",
    )


def _outsourcing(reg: Register, rec: Record, today: date) -> Iterator[Problem]:
    clauses = rec.data.get("clauses", {})
    names = schema.load_schema("contractors.schema.json")["properties"]["clauses"]["required"]
    for n, name in enumerate(names, start=1):
        clause = clauses.get(name)
        if isinstance(clause, dict) and clause.get("present") is False:
            yield at(
                rec,
                ("clauses", name, "present"),
                "clause-absent",
                f"Art. 14(2)({n}): the contract lacks this clause; amend the contract",
                "warning",
            )
    end = rec.data.get("contract", {}).get("end")
    if isinstance(end, str) and end < today.isoformat():
        return  # ended contracts owe no further confirmations
    if "post_contract_confirmation" not in rec.data:
        yield at(
            rec,
            ("contract",),
            "confirmation-missing",
            "Art. 14(3): no written confirmation after contracting is recorded; confirm in writing the contractor's "
            "責任者及び業務従事者の管理体制・実施体制 and the inspection of its 管理の状況, then record it as "
            f"post_contract_confirmation (date, ref, items) in contractors/{rec.id}.yaml and run `meti-pi commit`",
            "warning",
        )
    # One rule for 14(4), shared with the self-inspection and `status` (meti_pi.inspect.checklist).
    from meti_pi.inspect.checklist import ab_work, annual_confirmation_due, creation_only, recorded_confirmations

    for path, confirmation in recorded_confirmations(rec.data):
        day = confirmation.get("date")
        if isinstance(day, str) and day > today.isoformat():
            yield at(
                rec,
                (*path, "date"),
                "confirmation-not-yet",
                f"Art. 14(3)/(4): a confirmation dated {day}, after today, has not taken place and is "
                "not counted; record it once it has",
                "warning",
            )
    now = (today, today)  # the files held today: one disposed of leaves no A/B work to confirm
    due = annual_confirmation_due(reg, rec, on=today)[0] if ab_work(reg, rec, during=now)[0] else None
    if due is not None and due < today:
        what = (
            "if its work is making the 行政機関等匿名加工情報 of a file it handles (the register does not say), "
            "annual confirmation for that work"
            if creation_only(reg, rec, during=now)
            else "annual confirmation for 管理A/B work"
        )
        # at the confirmations, else where the year runs from: the 14(3) one, or the contract
        counted_from = next(
            (k for k in ("annual_confirmations", "post_contract_confirmation") if k in rec.data), "contract"
        )
        yield at(
            rec,
            (counted_from,),
            "annual-check-overdue",
            f"Art. 14(4): {what} was due {due.isoformat()}; confirm the contractor's 管理体制・実施体制 and "
            f"管理の状況, then record it under annual_confirmations (date, method, ref, result) in "
            f"contractors/{rec.id}.yaml and run `meti-pi commit`",
            "warning",
        )
