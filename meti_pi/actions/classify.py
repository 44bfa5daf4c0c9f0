"""The action of `classify`: decide a dataset's (or a stated profile's) Art. 16 class and, with
`--record`, apply the decision to a file record as one commit."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.actions.transaction import transaction
from meti_pi.classify.classification import (
    Judgements,
    Outcome,
    apply_to_record,
    classify_profile,
    classify_scan,
    merge_judgements,
    record_base,
)
from meti_pi.classify.detect import ScanResult
from meti_pi.errors import UsageError
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.policy import load_policy


def decide(scanned: ScanResult | None, stated: Any, judgements: Judgements, policy: dict[str, Any]) -> Outcome:
    """The class of a scanned dataset, or of a stated profile, under the register's policy."""
    if scanned is not None:
        return classify_scan(scanned, judgements, policy)
    return classify_profile(stated, judgements, policy)


def require_rationale(outcome: Outcome, judgements: Judgements) -> None:
    """A decided class lower than the engine's needs the 管理者's reason (validate makes it an error)."""
    d = outcome.decision
    if d.decided_lower and judgements.decided_class is not None and not judgements.class_rationale:
        raise UsageError(
            f"--class {d.management_class} is lower than the engine's 管理{d.derived_class}; "
            "give the 管理者's reason with --rationale TEXT (Art. 16(1))"
        )


def classify_record(
    root: Path,
    file_id: str,
    *,
    scanned: ScanResult | None,
    stated: Any,
    given: Judgements,
    dataset_sha256: str | None,
    today: date,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> tuple[Outcome, str | None]:
    """Decide with the judgements already in files/<file_id> (read fresh, under the lock) merged
    with `given`, and write the decision into the record; (outcome, commit)."""
    policy = load_policy(root)
    with transaction(
        root,
        command="classify",
        summary="管理区分の判定（規程第16条）",
        article="16(1)",
        today=today,
        dry_run=dry_run,
        settings=settings,
    ) as tx:
        doc = tx.edit(f"files/{file_id}")  # fresh, under the lock: the decision uses its judgements
        merged = merge_judgements(record_base(doc), given)
        outcome = decide(scanned, stated, merged, policy)
        require_rationale(outcome, merged)
        apply_to_record(doc, outcome, given, today.isoformat(), dataset_sha256)
    return outcome, tx.commit_sha
