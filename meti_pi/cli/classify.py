"""`meti-pi classify`: the Art. 16 management class of a dataset (scanned) or of a stated profile."""

from __future__ import annotations

import hashlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from meti_pi.cli import common
from meti_pi.cli.common import (
    Busy,
    DryRunOpt,
    JsonOpt,
    console,
    in_folder,
    on_terminal,
    print_json,
    safe_text,
    state,
)
from meti_pi.errors import MetiPiError, UsageError
from meti_pi.gcpause import paused_gc, promote

if TYPE_CHECKING:
    from meti_pi.actions.classify import RecordVocabulary
    from meti_pi.classify.classification import Judgements, Outcome
    from meti_pi.classify.detect import ScanResult
    from meti_pi.classify.vocabulary import Vocabulary

app = typer.Typer(add_completion=False)

PROGRESS_MIN_BYTES = 8 << 20  # show a progress bar (on a terminal) for files bigger than this


class FileKind(StrEnum):
    computer = "computer"
    manual = "manual"
    none = "none"


class ManagementClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class Processing(StrEnum):
    none = "none"
    pseudonymized = "pseudonymized"
    anonymized = "anonymized"


# The options of `classify` (module-level aliases keep the command's signature short).
DatasetOpt = Annotated[
    Path | None,
    typer.Argument(
        metavar="DATASET",
        help="The dataset: .csv/.tsv (UTF-8, UTF-8 BOM, Shift_JIS), .xlsx, .jsonl or .parquet.",
        show_default=False,
    ),
]
ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        metavar="PROFILE.yaml",
        help="Decide from a stated profile (YAML) instead of scanning.",
        show_default=False,
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet", metavar="NAME", help="Scan only this .xlsx sheet (default: every sheet).", show_default=False
    ),
]
ConfidentialOpt = Annotated[
    bool | None,
    typer.Option(
        "--confidential/--not-confidential",
        help="A leak would cause serious harm (Art. 16(1) 管理A).",
        show_default=False,
    ),
]
FileKindOpt = Annotated[
    FileKind | None,
    typer.Option("--file-kind", help="computer (電算処理), manual (紙) or none (not a file).", show_default=False),
]
ExclusionOpt = Annotated[
    list[str] | None,
    typer.Option("--exclusion", metavar="74-2-N", help="A claimed exclusion (repeatable).", show_default=False),
]
ProcessingOpt = Annotated[
    Processing | None,
    typer.Option("--processing", help="none, pseudonymized (仮名加工) or anonymized (匿名加工).", show_default=False),
]
KeyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--key", metavar="COLUMN", help="A column identifying a person, for counting (repeatable).", show_default=False
    ),
]
DecidedClassOpt = Annotated[
    ManagementClass | None,
    typer.Option(
        "--class",
        help="The class the 管理者 decides (Art. 16(1)), when it differs from the engine's advice.",
        show_default=False,
    ),
]
ClassRationaleOpt = Annotated[
    str | None,
    typer.Option(
        "--rationale",
        metavar="TEXT",
        help="Why the 管理者 decided --class (required when it is lower than the engine's).",
        show_default=False,
    ),
]
RecordOpt = Annotated[
    str | None,
    typer.Option(
        "--record",
        metavar="FILE_ID",
        help="Write the result into this ファイル簿 record (files/ID) and commit.",
        show_default=False,
    ),
]


@app.command("classify")
def classify_cmd(
    ctx: typer.Context,
    dataset: DatasetOpt = None,
    profile: ProfileOpt = None,
    sheet: SheetOpt = None,
    confidential: ConfidentialOpt = None,
    file_kind: FileKindOpt = None,
    exclusion: ExclusionOpt = None,
    processing: ProcessingOpt = None,
    key: KeyOpt = None,
    decided_class: DecidedClassOpt = None,
    class_rationale: ClassRationaleOpt = None,
    record: RecordOpt = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Classify a dataset into 管理A/B/C (規程第16条) and say which notices follow, with reasons.

    Scans the file (streamed; cell values are never printed or stored), counts the distinct
    persons, and decides with the register's policy. `--profile` decides from stated facts.
    """
    from meti_pi.classify.classification import Judgements

    if (dataset is None) == (profile is None):
        raise UsageError("give a DATASET to scan or --profile PROFILE.yaml (one of the two)")
    if profile is not None and (sheet or key):
        raise UsageError("--sheet and --key apply to a scanned DATASET, not to --profile")
    if class_rationale is not None and decided_class is None:
        raise UsageError("--rationale explains a decided --class; give --class A|B|C with it")
    if class_rationale is not None and not class_rationale.strip():
        raise UsageError("--rationale: give the 管理者's reason in words")
    given = Judgements(
        confidential=confidential,
        file_kind=file_kind.value if file_kind else None,
        exclusions=tuple(_checked_exclusions(exclusion or [])),
        processing=processing.value if processing else None,
        decided_class=decided_class.value if decided_class else None,
        class_rationale=class_rationale.strip() if class_rationale else None,
    )
    as_read = _identity(dataset) if dataset is not None else None
    # a scan recorded: with the vocabulary as committed, which its commit names (refused before the scan)
    used = _record_vocabulary(ctx, dry_run) if record is not None and dataset is not None else None
    vocab = used.vocab if used is not None else (_vocabulary(ctx) if dataset is not None else None)
    scanned = _scan(dataset, sheet, key or [], record is None, vocab) if dataset is not None else None
    if scanned is not None and scanned.western_line is not None:
        sys.stderr.write(_western_warning(scanned.path, scanned.western_line))
    stated = _read_profile(profile) if profile is not None else None
    if record is not None:
        outcome, sha = _record(ctx, record, scanned, stated, given, dataset, dry_run, as_read, used)
    else:
        # the class alone: no transaction, so actions/ (and the write path it imports) is not loaded
        from meti_pi.classify.classification import decide_outcome, require_rationale

        _unchanged(dataset, as_read)
        outcome, sha = decide_outcome(scanned, stated, given, _policy(ctx)), None
        require_rationale(outcome, given)
    if json_out:
        print_json(_json(outcome))
    else:
        _show(outcome)
    if record is not None:
        klass = outcome.decision.management_class
        if dry_run:
            sys.stderr.write(f"meti-pi: would record 管理{klass} in files/{record}\n")
        elif sha is None:  # the record already says all of it: no commit was made
            sys.stderr.write(
                f"meti-pi: files/{record} already records 管理{klass} and this result; nothing to commit\n"
            )
        else:
            sys.stderr.write(f"meti-pi: recorded 管理{klass} in files/{record} (commit {sha[:10]})\n")


# ---------------------------------------------------------------- inputs


def _western_warning(path: str, line: int) -> str:
    """A file read as Shift_JIS whose bytes read as Western text (scan.ScanResult.western_line)."""
    return (
        f"meti-pi: warning: {path}:{line}: read as Shift_JIS (CP932), the encoding detected, but every "
        "non-ASCII character of its first MiB reads in Windows-1252 (Latin-1) as an accented letter inside a word; "
        "if the file is not Japanese text, its column names and text were misread: save it as UTF-8 (Excel: "
        "CSV UTF-8; or iconv -f WINDOWS-1252 -t UTF-8 FILE > NEW.csv) and classify that (classify has no "
        "option naming an encoding)\n"
    )


def _checked_exclusions(items: list[str]) -> list[str]:
    from meti_pi.classify.classification import EXCLUSION_RE

    for item in items:
        if not EXCLUSION_RE.match(item):
            raise UsageError(f"--exclusion {item}: give 74-2-N (N = 1..11), 75-2-N (N = 1..3) or 75-3")
    return items


def _warm_engine(path: Path) -> None:
    """Start importing polars in a thread when the columnar engine will scan `path`: it overlaps the
    scanner's own imports and the head's typing (~0.1 s of a 1M-row CSV's ~0.7 s at a quiet moment).
    Only polars itself (no meti_pi module: no import-lock cycle); a failed import is raised again,
    as before, where the engine imports it."""
    if path.suffix.lower() not in (".csv", ".tsv", ".jsonl", ".parquet") or "polars" in sys.modules:
        return
    import importlib
    import threading

    def load() -> None:
        try:
            importlib.import_module("polars")
        except Exception:  # noqa: BLE001 - imported again by the engine, which reports it
            return

    threading.Thread(target=load, name="meti-pi-import-polars", daemon=True).start()


def _scan(
    path: Path, sheet: str | None, keys: list[str], last: bool = True, vocab: Vocabulary | None = None
) -> ScanResult:
    """The scan of `path`; `last`: nothing big follows (no --record: no register to load); `vocab`: the
    register's copy of the vocabulary (None: the package's).

    The cyclic collector is paused for it: the scanner's and polars' imports (in a thread), the
    vocabulary and the head's typing build objects that live on, and the pass frees what it builds
    by reference counting; collections there would only walk live objects (measured: the start of
    a scan 0.276 -> 0.257 s). When the scan ends well its objects go to the oldest generation
    (gcpause.promote), so that the collector does not walk them once it resumes."""
    with paused_gc():
        _warm_engine(path)
        from meti_pi.classify.datafile import check_regular_file
        from meti_pi.classify.datasets import for_the_cli

        check_regular_file(path)  # before the stats below: a file that cannot be reached is a usage error

        # an .xlsx: the guard starts beside the scanner's imports; a process ending with os._exit
        # leaves calamine's memory to the exit, unless a write (the register loaded) follows
        with for_the_cli(path, keep=common.ENDS_WITH_EXIT and last):
            from meti_pi.classify.detect import scan

            # A progress bar on stderr, only on a terminal and for a long scan (decided before rich is
            # imported: a plain run does not pay for it).
            long = path.is_file() and path.stat().st_size >= PROGRESS_MIN_BYTES
            with Busy(f"scanning {safe_text(path.name)}", force=on_terminal() and long) as busy:
                result = scan(
                    path, sheet=sheet, keys=tuple(keys), progress=busy.update if busy.active else None, vocab=vocab
                )
        promote()
    return result


def _read_profile(path: Path) -> Any:
    from meti_pi.classify.classification import profile_from_mapping
    from meti_pi.store.yamlload import load_given_file, located_errors

    _, data = load_given_file(path, "--profile")
    with located_errors(path):  # a profile that is no mapping: where its document starts
        return profile_from_mapping(data, str(path))


def _register(ctx: typer.Context) -> Path | None:
    """The register classify works for (--register, else the one around the working directory), None
    outside any (a --register given must be one)."""
    from meti_pi.store.locate import find_register

    # found without meti_pi.store.register (~40 ms of imports a plain scan does not need)
    given = state(ctx).register_opt
    try:
        return find_register(given, Path.cwd(), from_env=state(ctx).register_from_env)
    except MetiPiError:
        if given is not None:
            raise  # a --register that holds no register is a mistake, not "no register here"
        return None


def _policy(ctx: typer.Context) -> dict[str, Any]:
    """The register's policy when there is a register, else the defaults."""
    from meti_pi.store import policy as policy_mod

    root = _register(ctx)
    return policy_mod.merged(None) if root is None else policy_mod.load_policy(root)


def _vocabulary(ctx: typer.Context) -> Vocabulary | None:
    """The register's copy of the detectors' vocabulary (identifiers.yaml, sensitive_terms.yaml beside
    its policy.yaml; a bad one is refused at file:line), else None: the package's. A kind or category
    the copy lacks (taken from the package) is said on stderr."""
    from meti_pi.classify.vocabcopy import copies, noted_vocabulary

    root = _register(ctx)
    if root is None or not copies(root):
        return None
    vocab, notes = noted_vocabulary(root)
    _warn(notes)
    return vocab


def _warn(notes: list[tuple[str, int | None, str]]) -> None:
    for path, line, message in notes:
        sys.stderr.write(f"meti-pi: warning: {path}:{line}: {message}\n")


def _record_vocabulary(ctx: typer.Context, dry_run: bool) -> RecordVocabulary | None:
    """The vocabulary a scan recorded is made with (actions.classify.record_vocabulary): the register's
    copy as committed; one with uncommitted edits refused (exit 3), read by a dry run with a warning.
    None outside any register (--record then says there is none)."""
    from meti_pi.actions.classify import record_vocabulary

    root = _register(ctx)
    if root is None:
        return None
    used = record_vocabulary(root, here=state(ctx).settings.here, dry_run=dry_run)
    _warn(used.notes)
    for name in used.uncommitted:  # a root file: named from the user's folder
        said = f"{name} has uncommitted edits: this dry run reads them; --record without --dry-run refuses until they are committed"
        sys.stderr.write(f"meti-pi: warning: {in_folder(said, state(ctx))}\n")
    return used


# ---------------------------------------------------------------- --record


def _record(
    ctx: typer.Context,
    file_id: str,
    scanned: ScanResult | None,
    stated: Any,
    given: Judgements,
    dataset: Path | None,
    dry_run: bool,
    as_read: tuple[int, ...] | None,
    vocabulary: RecordVocabulary | None = None,
) -> tuple[Outcome, str | None]:
    from meti_pi.actions.classify import classify_record
    from meti_pi.store.ids import valid_id

    if not valid_id(file_id):
        raise UsageError(f"--record {file_id!r}: not a record id (A-Z a-z 0-9 . _ -, at most 64 characters)")
    st = state(ctx)
    sha = _sha256(dataset) if dataset is not None else None
    _unchanged(dataset, as_read, record=True)  # the counts and the SHA-256 recorded are of one content
    return classify_record(
        st.register_root,
        file_id,
        scanned=scanned,
        stated=stated,
        given=given,
        dataset_sha256=sha,
        today=st.today,
        dry_run=dry_run,
        settings=st.settings,
        vocabulary=vocabulary,
    )


def _identity(path: Path) -> tuple[int, ...] | None:
    """What tells that a dataset was changed or replaced: device, inode, size, modification time
    (None where it cannot be read: the scan reports that)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _unchanged(path: Path | None, as_read: tuple[int, ...] | None, record: bool = False) -> None:
    """Refuse a result when the dataset was written to, or replaced, while it was read (the scan,
    and for --record its SHA-256, read it more than once): its counts would be of no one content."""
    if path is not None and as_read is not None and _identity(path) != as_read:
        raise UsageError(
            f"{path}: the file changed while it was scanned, so its counts describe no one content"
            f"{'; nothing was recorded' if record else ''}. Scan it again once it is no longer being written"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- output


def _json(outcome: Outcome) -> dict[str, Any]:
    from meti_pi.classify.classification import outcome_json

    return outcome_json(outcome)


def _show(o: Outcome) -> None:
    from rich.table import Table

    from meti_pi.classify.header_row import shown_column

    out = console()
    if o.scan is not None:
        s = o.scan
        encoding = f", {s.encoding}" if s.encoding else ""
        out.print(f"{s.path} ({s.format}{encoding}): {s.rows:,} rows, {len(s.columns)} columns")
        table = Table("列", "検出", "合致/検査", "標本の精査")
        for column in table.columns:
            column.overflow = "fold"
        for t in s.tables:
            for name in t.columns:
                label = shown_column(t.name, name, len(s.tables))
                rows = [d for d in s.detections if d.column == label]
                if not rows:
                    table.add_row(label, "—", "", "")
                for d in rows:
                    kind = d.label if d.confirmed else f"{d.label}?（文脈なし・未判定）"
                    table.add_row(
                        label,
                        f"{kind} [{d.kind}]",
                        _share(d.matched, d.checked),
                        _share(d.sample_passed, d.sample_checked),
                    )
        out.print(table)
    decision, p = o.decision, o.profile
    count = "不明" if p.principals is None else f"{p.principals:,}人"
    out.print(f"本人の数: {count} ({o.principals_basis})")
    advice = f"（判定エンジンの目安: 管理{decision.derived_class}）" if decision.class_differs else ""
    out.print(f"管理区分: 管理{decision.management_class}{advice}")
    out.print(
        f"個人情報: {_yes(decision.personal_information)}  個人情報ファイル: {_yes(decision.personal_information_file)}  "
        f"特定個人情報: {_yes(decision.specific_personal_information)}"
    )
    out.print(
        f"適用除外: {', '.join(decision.exclusions) or 'なし'}  通知: {', '.join(decision.notifications) or 'なし'}  "
        f"ファイル簿掲載: {_yes(decision.filebook_listed)}"
    )
    reasons = Table("規則", "条項", "理由")
    for column in reasons.columns:
        column.overflow = "fold"
    for r in o.reasons:
        reasons.add_row(r.rule, r.article, r.text)
    out.print(reasons)


def _share(n: int, of: int) -> str:
    return f"{n:,}/{of:,} ({n / of:.0%})" if of else "—"


def _yes(flag: bool) -> str:
    return "はい" if flag else "いいえ"
