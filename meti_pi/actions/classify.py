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
    merge_judgements,
    record_base,
    record_lowered,
    require_rationale,
)
from meti_pi.classify.classification import decide_outcome as decide
from meti_pi.classify.detect import ScanResult
from meti_pi.errors import UsageError
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.policy import load_policy
from meti_pi.store.yamlio import to_plain


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
    with `given`, and write the decision into the record; (outcome, commit). A scan of no row (a
    header alone) is refused: it counts no 本人, and would write 管理C and 0 persons over the file."""
    if scanned is not None and scanned.rows == 0:
        raise UsageError.at(
            scanned.path,
            None,
            "no row of data under the header; nothing was recorded. Classify the export that holds the "
            "file's persons (or, without a dataset, state the count with --profile)",
        )
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
        fall = record_lowered(to_plain(doc), outcome, dry_run=dry_run)
        if fall is not None:
            tx.remarks.append(f"files/{file_id}: {fall}")
        apply_to_record(doc, outcome, given, today.isoformat(), dataset_sha256)
    return outcome, tx.commit_sha
