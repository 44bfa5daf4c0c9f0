"""The action of `classify`: decide a dataset's (or a stated profile's) Art. 16 class and, with
`--record`, apply the decision to a file record as one commit.

A scan recorded is decided with the vocabulary as the register has it committed, and its commit
names it (`record_vocabulary`): the trail reproduces the decision. The register's copy of the
vocabulary (identifiers.yaml, sensitive_terms.yaml: classify.vocabcopy) with uncommitted edits is
refused, as the write path refuses someone's uncommitted work in the files it writes; a scan
without --record reads the copy as the work tree holds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import __version__
from meti_pi.actions.transaction import transaction
from meti_pi.actions.uncommitted import status_codes, what_to_do
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
from meti_pi.classify.vocabcopy import FILES, Note, noted_vocabulary, packaged_text, read_copies
from meti_pi.classify.vocabulary import Vocabulary
from meti_pi.errors import MetiPiError, UsageError
from meti_pi.gitlayer.runner import git, repo_of
from meti_pi.gitlayer.trailers import TRAILER_VOCABULARY
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import lazy
from meti_pi.store.advised import Advised
from meti_pi.store.cache import blob_id
from meti_pi.store.policy import load_policy
from meti_pi.store.yamlio import to_plain


@dataclass(frozen=True)
class RecordVocabulary:
    """The vocabulary a recorded scan is decided with, and what its commit says of it."""

    vocab: Vocabulary | None  # None: the package's
    notes: list[Note]  # a kind or category the copy lacks, taken from the package (vocabcopy)
    used: dict[str, str | None]  # vocabulary file -> the blob id of the register's copy read (None: the package's)
    uncommitted: list[str] = field(default_factory=list)  # a dry run's: the copies read with uncommitted edits

    def trailers(self) -> list[tuple[str, str]]:
        """`Meti-Pi-Vocabulary: NAME copy BLOB` (`git cat-file -p BLOB` shows it) or `NAME package VERSION
        BLOB` (the installed meti-pi's file, BLOB as `git hash-object` names it), one per file."""
        return [
            (
                TRAILER_VOCABULARY,
                f"{name} copy {blob}" if blob else f"{name} package {__version__} {_packaged_blob(name)}",
            )
            for name, blob in self.used.items()
        ]


def _packaged_blob(name: str) -> str:
    return blob_id(packaged_text(name).encode("utf-8"))


def record_vocabulary(root: Path, *, here: Path | None = None, dry_run: bool = False) -> RecordVocabulary:
    """The vocabulary `classify --record` scans with: the register's copies (read once, classify.vocabcopy)
    as HEAD holds them, the package's where it holds none. A copy with uncommitted edits (edited,
    staged, new or deleted) is refused (MetiPiError, exit 3; nothing scanned, nothing written): the
    result would be recorded from a vocabulary its commit neither holds nor can name. A dry run reads
    it and says so (`uncommitted`). `here`: where the advised commands are typed (store.advised).
    One git process where the copies are HEAD's byte for byte (or there are none, as HEAD has none)."""
    raws = read_copies(root)
    committed = _copies_at(root, "HEAD")
    used: dict[str, str | None] = {}
    unsure: list[str] = []
    for name in FILES:
        raw, blob = raws[name], committed.get(name)
        if raw is None and blob is None:
            used[name] = None
        elif raw is not None and blob is not None and blob_id(raw) == blob:
            used[name] = blob
        else:
            unsure.append(name)
    dirty: list[str] = []
    if unsure:  # git's word: a line-ending conversion or a filter may make other bytes the blob's
        repo = repo_of(root)  # not a git work tree: refused here, as the write would be
        gpaths = {name: repo.git_path(name) for name in unsure}
        codes = status_codes(repo, list(gpaths.values()))
        for name in unsure:
            gpath = gpaths[name]
            if raws[name] is None:
                codes.setdefault(gpath, " D")
            elif committed.get(name) is None:
                codes.setdefault(gpath, "??")  # in no commit (ignored, or git did not list it)
            if gpath in codes:
                dirty.append(name)
            else:
                used[name] = committed[name]
        if dirty and not dry_run:
            advice = what_to_do(codes, set(), {gpaths[n] for n in dirty}, records=False, said=Advised(repo, here))
            raise MetiPiError(
                "uncommitted edits in the register's copy of the vocabulary, which `classify --record` reads: "
                + "; ".join(advice)
                + ". Nothing was recorded: a recorded result is decided with the vocabulary as committed, "
                "and its commit names it (Meti-Pi-Vocabulary); `classify` without --record reads the edits"
            )
        for name in dirty:  # a dry run reads the work tree's copy: not one a commit could name
            used[name] = None
    vocab, notes = (None, []) if all(raw is None for raw in raws.values()) else noted_vocabulary(root, raws)
    return RecordVocabulary(vocab, notes, {name: used[name] for name in FILES}, dirty)


def _copies_at(root: Path, rev: str) -> dict[str, str]:
    """The vocabulary copies commit `rev` holds at the register's root `root` (name -> blob id); none
    where there is no such commit (a repository without one: the write refuses that)."""
    out = git(root, "--literal-pathspecs", "ls-tree", "-z", rev, "--", *FILES, check=False)
    found: dict[str, str] = {}
    for entry in out.split("\0"):
        head, _, name = entry.partition("\t")
        fields = head.split(" ")
        if len(fields) == 3 and fields[0] in ("100644", "100755") and name in FILES:
            found[name] = fields[2]
    return found


def _moved_vocabulary(at: Any, used: RecordVocabulary) -> list[str]:
    """The vocabulary files whose copy at the commit the change sits on (`at`: Transaction.at) is not
    the one the scan read: committed meanwhile."""
    held = at.root_files if isinstance(at, lazy.Tree) else {}
    return [name for name, blob in used.used.items() if held.get(name) != blob]


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
    vocabulary: RecordVocabulary | None = None,
) -> tuple[Outcome, str | None]:
    """Decide with the judgements already in files/<file_id> (read fresh, under the lock) merged
    with `given`, and write the decision into the record; (outcome, commit). A scan of no row (a
    header alone) is refused: it counts no 本人, and would write 管理C and 0 persons over the file.
    `vocabulary`: what the scan was made with (record_vocabulary; None: a stated profile, no scan),
    named in the commit's trailers; refused when the commit the change sits on holds another copy."""
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
        if vocabulary is not None:
            moved = [] if vocabulary.uncommitted else _moved_vocabulary(tx.at, vocabulary)
            if moved:
                raise MetiPiError(
                    f"{', '.join(moved)}: the register's copy of the vocabulary was committed while the dataset "
                    "was scanned, so the scan was made with another; nothing was recorded. Run the command again"
                )
            tx.trailers += vocabulary.trailers()
        doc = tx.edit(f"files/{file_id}")  # fresh, under the lock: the decision uses its judgements
        merged = merge_judgements(record_base(doc), given)
        outcome = decide(scanned, stated, merged, policy)
        require_rationale(outcome, merged)
        fall = record_lowered(to_plain(doc), outcome, dry_run=dry_run)
        if fall is not None:
            tx.remarks.append(f"files/{file_id}: {fall}")
        apply_to_record(doc, outcome, given, today.isoformat(), dataset_sha256)
    return outcome, tx.commit_sha
