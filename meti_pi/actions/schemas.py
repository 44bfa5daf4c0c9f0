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
