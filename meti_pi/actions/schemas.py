"""The action of `schemas --write`: refresh the register's `.schemas/` copy (for editors) as one commit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from meti_pi.actions.records import write_schema_copy
from meti_pi.actions.transaction import transaction
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.packaged import REGISTER_SCHEMAS


def refresh_schema_copy(
    root: Path, *, today: date, dry_run: bool = False, settings: Settings = DEFAULT
) -> tuple[list[str], str | None]:
    """Write the packaged schemas that are missing or out of date in `.schemas/`; (paths written, commit)."""
    with transaction(
        root,
        command="schemas",
        summary=f"refresh {REGISTER_SCHEMAS}/ (editor schemas)",
        today=today,
        dry_run=dry_run,
        subject_record=REGISTER_SCHEMAS,
        settings=settings,
    ) as tx:
        changed = write_schema_copy(tx)
    return changed, tx.commit_sha


def write_vocabulary_copy(
    root: Path, *, today: date, dry_run: bool = False, settings: Settings = DEFAULT
) -> tuple[list[str], str | None]:
    """Copy the package's identifiers.yaml and sensitive_terms.yaml into the register (beside
    policy.yaml) as one commit, for the privacy office to correct there (classify.vocabcopy); a copy
    the register holds already is kept as it is. (paths written, commit)."""
    from meti_pi.classify.vocabcopy import FILES, packaged_text

    missing = [name for name in FILES if not (root / name).exists()]
    if not missing:
        return [], None
    with transaction(
        root,
        command="vocabulary",
        summary=f"copy classify's vocabulary ({', '.join(missing)}) into the register, to correct it here",
        today=today,
        dry_run=dry_run,
        subject_record=missing[0][: -len(".yaml")],
        settings=settings,
    ) as tx:
        for name in missing:
            tx.write_text(name, packaged_text(name))
    return missing, tx.commit_sha
