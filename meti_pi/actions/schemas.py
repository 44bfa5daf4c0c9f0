"""The action of `schemas --write`: refresh the register's `.schemas/` copy (for editors) as one commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.actions.records import write_schema_copy
from meti_pi.actions.transaction import transaction
from meti_pi.errors import MetiPiError
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import limits, yamlload
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
) -> tuple[list[str], dict[str, list[str]], str | None]:
    """Copy the package's identifiers.yaml and sensitive_terms.yaml into the register (beside
    policy.yaml) as one commit, for the privacy office to correct there (classify.vocabcopy). A copy
    the register holds already keeps its entries as they are: the kinds or categories of the package
    it lacks (a newer meti-pi's) are added to it (vocabcopy.merged_text), its other lines as written.
    (files copied, {file: the ids added}, commit)."""
    planned = _vocabulary_changes(lambda name: _work_text(root, name))
    if not planned:
        return [], {}, None
    with transaction(
        root,
        command="vocabulary",
        summary="copy classify's vocabulary into the register",
        today=today,
        dry_run=dry_run,
        subject_record=sorted(planned)[0][: -len(".yaml")],
        settings=settings,
    ) as tx:
        changes = _vocabulary_changes(lambda name: _tx_text(tx, name))  # again, under the lock
        copied = [name for name, (_, added) in changes.items() if added is None]
        merged = {name: added for name, (_, added) in changes.items() if added is not None}
        parts = (
            [f"copy classify's vocabulary ({', '.join(copied)}) into the register, to correct it here"]
            if copied
            else []
        )
        parts += [
            f"add the package's {', '.join(added)} to {name}, keeping its entries" for name, added in merged.items()
        ]
        tx.summary = "; ".join(parts)
        for name, (text, _) in changes.items():
            tx.write_text(name, text)
    return copied, merged, tx.commit_sha


def _work_text(root: Path, name: str) -> str | None:
    """The text of the register's copy `name`; None: none; "": one that cannot be read as text (left
    as it is: validate reports it)."""
    path = root / name
    if not path.exists():
        return None
    try:
        return yamlload.decode(limits.read_regular(path))
    except (yamlload.YamlFault, OSError, MetiPiError):
        return ""


def _tx_text(tx: Any, name: str) -> str | None:
    try:
        return tx.read_text(name)  # type: ignore[no-any-return]
    except MetiPiError:  # not text (RuleViolation): left as it is
        return ""


def _vocabulary_changes(read: Callable[[str], str | None]) -> dict[str, tuple[str, list[str] | None]]:
    """By vocabulary file: its new text, and the ids added to the register's copy (None: the package's
    file copied whole, the register holding none)."""
    from meti_pi.classify.vocabcopy import FILES, merged_text, packaged_text

    out: dict[str, tuple[str, list[str] | None]] = {}
    for name in FILES:
        text = read(name)
        if text is None:
            out[name] = (packaged_text(name), None)
        elif (merged := merged_text(name, text)) is not None:
            out[name] = merged
    return out
