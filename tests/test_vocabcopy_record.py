"""`classify --record` decides with the register's copy of the vocabulary as committed, and its
commit names the vocabulary used (Meti-Pi-Vocabulary): a copy with uncommitted edits is refused
(exit 3, nothing scanned or written), as the write path refuses someone's uncommitted work; a scan
without --record reads the copy as the work tree holds it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import git, invoke, make_register
from test_vocabcopy import _pensions  # 年金番号 written 1234-567-890: found only with the corrected format
from typer.testing import CliRunner

from meti_pi import __version__
from meti_pi.actions import classify as action
from meti_pi.classify.classification import Judgements
from meti_pi.classify.detect import scan
from meti_pi.classify.vocabulary import DATA
from meti_pi.errors import MetiPiError

FILE = "F-2026-FZRXZV"
PACKAGE_PENSION = r"pattern: '\d{4}-?\d{6}'"
CORRECTED_PENSION = r"pattern: '(?!0000)\d{4}-?\d{3}-?\d{3}'"  # 年金番号 written 4-3-3 too


def _register_with_copy(tmp_path: Path) -> Path:
    """The example register holding the package's identifiers.yaml as its committed copy."""
    root = make_register(tmp_path, example=True)
    (root / "identifiers.yaml").write_bytes((DATA / "identifiers.yaml").read_bytes())
    git(root, "add", "identifiers.yaml")
    git(root, "commit", "-qm", "the vocabulary copy")
    return root


def _correct(root: Path) -> None:
    path = root / "identifiers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(PACKAGE_PENSION, CORRECTED_PENSION), encoding="utf-8")


def _trailers(root: Path, key: str = "Meti-Pi-Vocabulary") -> list[str]:
    out = git(root, "log", "-1", f"--format=%(trailers:key={key},valueonly)")
    return [line for line in out.splitlines() if line]


@pytest.mark.parametrize("how", ["edited", "staged", "new", "deleted"])
def test_record_refuses_a_vocabulary_copy_with_uncommitted_edits(tmp_path: Path, how: str) -> None:
    root = _register_with_copy(tmp_path)
    if how == "new":  # a copy in no commit yet
        git(root, "rm", "-q", "identifiers.yaml")
        git(root, "commit", "-qm", "no copy")
        (root / "identifiers.yaml").write_bytes((DATA / "identifiers.yaml").read_bytes())
        _correct(root)
    elif how == "deleted":  # the copy committed, deleted in the work tree: classify would read the package's
        (root / "identifiers.yaml").unlink()
    else:
        _correct(root)
        if how == "staged":
            git(root, "add", "identifiers.yaml")
    path = _pensions(tmp_path)
    record = root / "files" / f"{FILE}.yaml"
    before, head = record.read_bytes(), git(root, "rev-parse", "HEAD")
    runner = CliRunner()

    refused = invoke(runner, root, "classify", str(path), "--record", FILE, today="2026-12-07")
    assert refused.exit_code == 3, refused.output
    assert "identifiers.yaml" in refused.output and "uncommitted" in refused.output
    assert "add PATH" in refused.output and "Nothing was recorded" in refused.output
    assert "Traceback" not in refused.output
    assert record.read_bytes() == before and git(root, "rev-parse", "HEAD") == head

    # a dry run reads the work tree's copy, says so, and writes nothing
    dry = invoke(runner, root, "classify", str(path), "--record", FILE, "--dry-run", today="2026-12-07")
    assert dry.exit_code == 0, dry.output
    assert "identifiers.yaml has uncommitted edits: this dry run reads them" in dry.output
    assert record.read_bytes() == before and git(root, "rev-parse", "HEAD") == head

    # classify without --record (a read) still reads the copy as the work tree holds it
    read = invoke(runner, root, "classify", str(path), "--json", today="2026-12-07")
    assert read.exit_code == 0, read.output
    found = json.loads(read.stdout)["identification_codes"]
    assert found == ([] if how == "deleted" else ["basic_pension"])


def test_record_with_the_copy_committed_names_it_in_the_commit(tmp_path: Path) -> None:
    root = _register_with_copy(tmp_path)
    _correct(root)
    git(root, "commit", "-qm", "correct the pension format", "identifiers.yaml")
    path = _pensions(tmp_path)
    runner = CliRunner()

    result = invoke(runner, root, "classify", str(path), "--record", FILE, "--json", today="2026-12-07")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["identification_codes"] == ["basic_pension"]  # the committed correction
    blob = git(root, "rev-parse", "HEAD:./identifiers.yaml").strip()
    package_terms = git(root, "hash-object", str(DATA / "sensitive_terms.yaml")).strip()
    assert _trailers(root) == [
        f"identifiers.yaml copy {blob}",
        f"sensitive_terms.yaml package {__version__} {package_terms}",
    ]
    assert git(root, "cat-file", "-p", blob) == (root / "identifiers.yaml").read_text(encoding="utf-8")
    # the trail still reads the commit as meti-pi's, its records as named
    verified = json.loads(invoke(runner, root, "history", "--verify", "--json").stdout)
    assert verified["head"] == git(root, "rev-parse", "HEAD").strip() and verified["commits_checked"] == 2
    flagged = verified["hand_edits"] + verified["trailer_mismatches"] + verified["invalid"]
    assert [c["subject"] for c in flagged] == [git(root, "log", "--format=%s", "HEAD~3", "-1").strip()]


def test_record_without_a_copy_names_the_packages_files(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    result = invoke(CliRunner(), root, "classify", str(_pensions(tmp_path, 20)), "--record", FILE, today="2026-12-07")
    assert result.exit_code == 0, result.output
    blobs = [
        git(root, "hash-object", str(DATA / name)).strip() for name in ("identifiers.yaml", "sensitive_terms.yaml")
    ]
    assert _trailers(root) == [
        f"identifiers.yaml package {__version__} {blobs[0]}",
        f"sensitive_terms.yaml package {__version__} {blobs[1]}",
    ]


def test_a_profile_recorded_names_no_vocabulary(tmp_path: Path) -> None:
    """A stated profile is decided without a scan: no vocabulary read, none named, no copy refused."""
    root = _register_with_copy(tmp_path)
    _correct(root)  # uncommitted: a profile does not read it
    profile = tmp_path / "p.yaml"
    profile.write_text("principals: 1200\nfile_kind: computer\n", encoding="utf-8")
    result = invoke(CliRunner(), root, "classify", "--profile", str(profile), "--record", FILE, today="2026-12-07")
    assert result.exit_code == 0, result.output
    assert _trailers(root) == [] and _trailers(root, "Meti-Pi-Command") == ["classify"]


def test_a_copy_committed_while_the_dataset_was_scanned_is_refused(tmp_path: Path) -> None:
    """The scan was made with the copy HEAD held when it began; a commit of another copy before the
    record's commit would leave the commit naming a vocabulary its register no longer holds."""
    root = _register_with_copy(tmp_path)
    path = _pensions(tmp_path, 20)
    used = action.record_vocabulary(root)
    scanned = scan(path, vocab=used.vocab)
    _correct(root)
    git(root, "commit", "-qm", "correct the pension format", "identifiers.yaml")
    head = git(root, "rev-parse", "HEAD")
    with pytest.raises(MetiPiError, match=r"identifiers\.yaml: the register's copy of the vocabulary was committed"):
        action.classify_record(
            root,
            FILE,
            scanned=scanned,
            stated=None,
            given=Judgements(),
            dataset_sha256="0" * 64,
            today=date(2026, 12, 7),
            vocabulary=used,
        )
    assert git(root, "rev-parse", "HEAD") == head


def test_a_copy_checked_out_with_crlf_line_ends_is_the_committed_one(tmp_path: Path) -> None:
    """A Windows check-out (eol=crlf): the work tree's bytes are not the blob's, yet git holds the copy
    unedited: recorded, and named by the blob git holds."""
    root = _register_with_copy(tmp_path)
    (root.parent / ".gitattributes").write_text("*.yaml text eol=crlf\n", encoding="utf-8")
    git(root.parent, "add", ".gitattributes")
    git(root.parent, "commit", "-qm", "CRLF check-outs")
    path = root / "identifiers.yaml"
    path.unlink()
    git(root, "checkout", "--", "identifiers.yaml")  # checked out again: with CRLF line ends
    assert b"\r\n" in path.read_bytes()
    assert git(root, "status", "--porcelain", "--", "identifiers.yaml") == ""  # git: not edited
    blob = git(root, "rev-parse", "HEAD:./identifiers.yaml").strip()
    assert git(root, "hash-object", "--no-filters", "identifiers.yaml").strip() != blob
    result = invoke(CliRunner(), root, "classify", str(_pensions(tmp_path, 20)), "--record", FILE, today="2026-12-07")
    assert result.exit_code == 0, result.output
    assert _trailers(root)[0] == f"identifiers.yaml copy {blob}"
