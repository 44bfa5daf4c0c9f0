"""What a contractors record's contract is (rule Arts. 14, 15): 委託 (請負 included) or a 労働者派遣契約.

`contract.kind` says it: `outsourcing` (the default, and the meaning of every record written before
the field) or `dispatch`. Art. 14 (the nine 14(2) clauses, the 14(3) and 14(4) confirmations, 再委託,
仮名化) applies to 委託 only; Art. 15 (秘密保持義務等 in the 労働者派遣契約) to a dispatch contract and
to a 委託 contractor that also dispatches workers (`dispatched_workers.present: true`). Dispatched
workers are 職員 (Art. 3(8)), not a contractor's staff.
"""

from __future__ import annotations

from typing import Any


def outsources(data: dict[str, Any]) -> bool:
    """Art. 14 applies: the contract is 委託 (`contract.kind` outsourcing, or not given)."""
    contract = data.get("contract")
    return not (isinstance(contract, dict) and contract.get("kind") == "dispatch")


def dispatches(data: dict[str, Any]) -> bool:
    """Art. 15 applies: a 労働者派遣契約, or workers dispatched beside the 委託."""
    workers = data.get("dispatched_workers")
    return not outsources(data) or (isinstance(workers, dict) and workers.get("present") is True)
