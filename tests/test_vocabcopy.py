"""A register's own copy of classify's vocabulary (identifiers.yaml, sensitive_terms.yaml beside
policy.yaml): classify reads it for that register only, in the Python pass and the columnar engine
alike; a bad copy is refused by classify and reported by validate at file:line; `vocabulary --write`
makes the copy."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import git, invoke, make_register
from typer.testing import CliRunner

from meti_pi.classify import columnar
from meti_pi.classify import scan as rows
from meti_pi.classify.vocabcopy import register_vocabulary
from meti_pi.classify.vocabulary import DATA, vocabulary
from meti_pi.cli import app
from meti_pi.errors import UsageError

PACKAGE_PENSION = r"pattern: '\d{4}-?\d{6}'"
# The corrected format: the number written 4-3-3 too. A lookahead (no number starting 0000), which
# the engine's regex crate does not have: identifier formats are matched in Python (sample and
# probes), never translated to the engine, so its answer cannot differ.
CORRECTED_PENSION = r"pattern: '(?!0000)\d{4}-?\d{3}-?\d{3}'"


def _copy(root: Path, name: str, old: str, new: str) -> Path:
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    (root / name).write_text(text.replace(old, new), encoding="utf-8")
    git(root, "add", name)
    git(root, "commit", "-qm", f"correct {name}")
    return root / name


def _pensions(tmp_path: Path, n: int = 1500) -> Path:
    """年金番号 written 1234-567-890 for n persons (a 職員番号 each)."""
    path = tmp_path / "pensions.csv"
    lines = ["職員番号,年金番号"] + [
        f"E{i:05d},{1000 + i % 9000:04d}-{i // 1000:03d}-{i % 1000:03d}" for i in range(1, n + 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _kinds(result) -> set[str]:
    return {d.kind for d in result.detections if d.confirmed}


def _classify(root: Path | None, path: Path) -> dict:
    args = ["--register", str(root)] if root is not None else []
    result = CliRunner().invoke(app, [*args, "--today", "2026-11-26", "classify", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_corrected_pension_format_changes_detection_in_both_passes(tmp_path: Path, monkeypatch) -> None:
    root = make_register(tmp_path)
    path = _pensions(tmp_path)
    package = vocabulary()
    assert "basic_pension" not in _kinds(columnar.scan(path, vocab=package))  # the package's format: 1234-567890

    _copy(root, "identifiers.yaml", PACKAGE_PENSION, CORRECTED_PENSION)
    vocab = register_vocabulary(root)
    python_result = rows.scan(path, vocab=vocab)
    with monkeypatch.context() as m:  # the engine counts the file: no fallback to the Python pass
        m.setattr(columnar, "scan_rows", lambda *a, **k: pytest.fail("fell back to the Python pass"))
        engine_result = columnar.scan(path, vocab=vocab)
    assert "basic_pension" in _kinds(engine_result)
    assert engine_result == python_result  # the engine's counts are the Python pass's
    assert vocabulary() is package and "basic_pension" not in _kinds(columnar.scan(path))  # no global changed

    inside = _classify(root, path)
    assert "basic_pension" in inside["identification_codes"] and inside["management_class"] == "A"
    outside = _classify(None, path)  # no register (the working directory is the repository's): the package's
    assert outside["identification_codes"] == [] and outside["management_class"] != "A"
    other = make_register(tmp_path / "other")  # another register in the same process: its own (the package's)
    assert _classify(other, path)["identification_codes"] == []
    assert "basic_pension" in _classify(root, path)["identification_codes"]


def test_corrected_header_words_and_labels_are_the_copys(tmp_path: Path) -> None:
    root = make_register(tmp_path)
    path = tmp_path / "staff.csv"
    path.write_text("年金記号番号\n" + "".join(f"{1000 + i:04d}-{i:06d}\n" for i in range(40)), encoding="utf-8")
    assert not _kinds(columnar.scan(path))  # not a header word of the package's
    _copy(
        root,
        "identifiers.yaml",
        "headers: [基礎年金番号, 年金番号, 年金手帳番号, pensionnumber]",
        "headers: [基礎年金番号, 年金番号, 年金手帳番号, pensionnumber, 年金記号番号]",
    )
    found = columnar.scan(path, vocab=register_vocabulary(root))
    assert _kinds(found) == {"basic_pension"}


def test_a_sensitive_word_the_engine_would_fold_otherwise_takes_the_python_pass(tmp_path: Path) -> None:
    """A register's 要配慮 word with a cased letter beyond ASCII: the .csv takes the Python pass (same
    answer); a .parquet, which has no Python pass, is searched by Python's regex inside the engine."""
    root = make_register(tmp_path)
    _copy(root, "sensitive_terms.yaml", "values: [糖尿病, ", "values: [Ärztliche Behandlung, 糖尿病, ")
    vocab = register_vocabulary(root)
    assert not columnar.engine_finds(vocab) and columnar.engine_finds(vocabulary())
    notes = ["ÄRZTLICHE BEHANDLUNG seit 2020", "ärztliche behandlung", "arztliche behandlung", "特になし"] * 30
    frame = pl.DataFrame({"職員番号": [f"E{i:04d}" for i in range(len(notes))], "備考": notes})
    csv_path, parquet_path = tmp_path / "notes.csv", tmp_path / "notes.parquet"
    frame.write_csv(csv_path)
    frame.write_parquet(parquet_path)
    python = rows.scan(csv_path, vocab=vocab)
    assert columnar.scan(csv_path, vocab=vocab) == python
    (word,) = [d for d in python.detections if d.kind == "sensitive:medical_history"]
    assert word.matched == 60  # as Python's re.IGNORECASE finds the word; the package's words find none
    assert not [d for d in columnar.scan(csv_path).detections if d.kind.startswith("sensitive")]
    (in_parquet,) = [d for d in columnar.scan(parquet_path, vocab=vocab).detections if d.kind == word.kind]
    assert (in_parquet.matched, in_parquet.checked) == (word.matched, word.checked)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("identifiers.yaml", PACKAGE_PENSION, r"pattern: '\d{4}(-?\d{6}'", "not a valid regular expression"),
        ("identifiers.yaml", "  - id: basic_pension", "  - id: pension", "unknown kind 'pension'"),
        ("identifiers.yaml", "    context: value\n", "    context: header\n", "context: is fixed (value"),
        ("identifiers.yaml", "headers: [住民票コード]", "headers: [住民票コード, '・']", "is no word"),
        ("sensitive_terms.yaml", "  disability:", "  disabilities:", "unknown category 'disabilities'"),
        ("sensitive_terms.yaml", "  disability:", "\tdisability:", "YAML indents with spaces"),  # not YAML at all
        ("sensitive_terms.yaml", "values: [懲役, ", "values: ['', 懲役, ", "is no word"),
    ],
)
def test_a_bad_copy_is_refused_by_classify_and_reported_by_validate(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    root = make_register(tmp_path)
    text = (DATA / name).read_text(encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1 + old[: len(old) - len(old.lstrip("\n"))].count("\n")
    _copy(root, name, old, new)
    path = _pensions(tmp_path, 10)
    runner = CliRunner()
    result = invoke(runner, root, "classify", str(path))
    assert result.exit_code == 2
    assert f"{root / name}:{line}:" in result.output and message in result.output
    assert "Traceback" not in result.output
    checked = invoke(runner, root, "validate")
    assert checked.exit_code == 1
    assert f"{name}:{line}: error[vocabulary]" in checked.output and message in checked.output


def _without(text: str, start: str, next_entry: str) -> str:
    """`text` without the entry that begins with the line `start` (up to the next `next_entry` line)."""
    at = text.index(start)
    return text[:at] + text[text.index(next_entry, at + 1) :]


# A copy made by an older meti-pi: it lacks a kind and a 要配慮 category the package has now, and
# holds the privacy office's own corrections (a header word, a comment of theirs).
OLD_IDS = _without(
    (DATA / "identifiers.yaml")
    .read_text(encoding="utf-8")
    .replace(
        "headers: [基礎年金番号, 年金番号, 年金手帳番号, pensionnumber]",
        "headers: [基礎年金番号, 年金番号, 年金手帳番号, pensionnumber, 年金記号番号]  # 人事課の様式",
    ),
    "  - id: seamen_insurance\n",
    "  - id: ",
)
OLD_TERMS = _without((DATA / "sensitive_terms.yaml").read_text(encoding="utf-8"), "  crime_victim:\n", "  race:\n")


def _older_copy(root: Path) -> None:
    (root / "identifiers.yaml").write_text(OLD_IDS, encoding="utf-8")
    (root / "sensitive_terms.yaml").write_text(OLD_TERMS, encoding="utf-8")
    git(root, "add", "identifiers.yaml", "sensitive_terms.yaml")
    git(root, "commit", "-qm", "the vocabulary copy, as an older meti-pi made it")


def test_a_kind_the_copy_lacks_is_the_packages_with_a_warning(tmp_path: Path) -> None:
    """An upgrade that adds a kind (or a 要配慮 category) no longer fails every register holding a
    copy: validate passed no more (error[vocabulary]) and classify refused every scan (exit 2) until
    someone edited the copy. The package's entry is used, where the package lists it; validate and
    classify warn, naming the copy and `meti-pi vocabulary --write`."""
    root = make_register(tmp_path)
    _older_copy(root)
    ids_line = OLD_IDS.splitlines().index("kinds:") + 1
    terms_line = OLD_TERMS.splitlines().index("categories:") + 1
    runner = CliRunner()
    checked = invoke(runner, root, "validate", "--json")
    assert checked.exit_code == 0, checked.output
    doc = json.loads(checked.stdout)
    assert doc["errors"] == []
    found = {(w["path"], w["line"]): w["message"] for w in doc["warnings"] if w["code"] == "vocabulary"}
    assert set(found) == {("identifiers.yaml", ids_line), ("sensitive_terms.yaml", terms_line)}
    assert found["identifiers.yaml", ids_line].startswith("kind 'seamen_insurance' is missing from this copy")
    assert found["sensitive_terms.yaml", terms_line].startswith("category 'crime_victim' is missing from this copy")
    assert all("classify uses the package's entry; `meti-pi vocabulary --write` adds it" in m for m in found.values())

    vocab = register_vocabulary(root)  # the copy's corrections, and the package's missing entries in its order
    package = vocabulary()
    assert [k.id for k in vocab.kinds] == [k.id for k in package.kinds]
    assert [c.id for c in vocab.sensitive] == [c.id for c in package.sensitive]
    (pension,) = [k for k in vocab.kinds if k.id == "basic_pension"]
    assert "年金記号番号" in pension.headers

    path = tmp_path / "crew.csv"
    path.write_text(
        "職員番号,船員保険番号,年金記号番号\nE1,AB-123,1234-567890\nE2,AB-124,1234-567891\n", encoding="utf-8"
    )
    scanned = invoke(runner, root, "classify", str(path), "--json")
    assert scanned.exit_code == 0, scanned.output
    assert {"seamen_insurance", "basic_pension"} <= set(json.loads(scanned.stdout)["identification_codes"])
    assert (
        f"meti-pi: warning: {root / 'identifiers.yaml'}:{ids_line}: kind 'seamen_insurance' is missing"
        in scanned.stderr
    )


def test_vocabulary_write_adds_what_the_copy_lacks_and_keeps_its_corrections(tmp_path: Path) -> None:
    root = make_register(tmp_path)
    _older_copy(root)
    runner = CliRunner()
    before = git(root, "rev-parse", "HEAD")
    dry = invoke(runner, root, "vocabulary", "--write", "--dry-run")
    assert dry.exit_code == 0 and "would add the package's seamen_insurance" in dry.output
    assert git(root, "rev-parse", "HEAD") == before and git(root, "status", "--porcelain") == ""
    merged = invoke(runner, root, "vocabulary", "--write", "--json")
    assert merged.exit_code == 0, merged.output
    doc = json.loads(merged.stdout)
    assert doc["written"] == [] and doc["added"] == {
        "identifiers.yaml": ["seamen_insurance"],
        "sensitive_terms.yaml": ["crime_victim"],
    }
    # every line of the copy as written, the package's entries where the package has them
    corrected = (
        (DATA / "identifiers.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "headers: [基礎年金番号, 年金番号, 年金手帳番号, pensionnumber]",
            "headers: [基礎年金番号, 年金番号, 年金手帳番号, pensionnumber, 年金記号番号]  # 人事課の様式",
        )
    )
    assert (root / "identifiers.yaml").read_text(encoding="utf-8") == corrected
    assert (root / "sensitive_terms.yaml").read_text(encoding="utf-8") == (DATA / "sensitive_terms.yaml").read_text(
        encoding="utf-8"
    )
    assert git(root, "status", "--porcelain") == "" and git(root, "rev-parse", "HEAD~1") == before
    assert "add the package's seamen_insurance to identifiers.yaml" in git(root, "log", "-1", "--format=%B")
    checked = json.loads(invoke(runner, root, "validate", "--json").stdout)
    assert checked["errors"] == [] and not [w for w in checked["warnings"] if w["code"] == "vocabulary"]
    again = invoke(runner, root, "vocabulary", "--write")
    assert again.exit_code == 0 and "nothing copied" in again.output
    assert git(root, "rev-parse", "HEAD~1") == before


def test_vocabulary_write_merges_a_windows_copy_with_its_line_ends(tmp_path: Path) -> None:
    root = make_register(tmp_path)
    (root / "identifiers.yaml").write_bytes(OLD_IDS.replace("\n", "\r\n").encode("utf-8"))
    git(root, "add", "identifiers.yaml")
    git(root, "commit", "-qm", "a copy checked out on Windows")
    assert invoke(CliRunner(), root, "vocabulary", "--write").exit_code == 0
    text = (root / "identifiers.yaml").read_bytes().decode("utf-8")
    assert "\r\n  - id: seamen_insurance\r\n" in text and "\n" not in text.replace("\r\n", "")


def test_a_kind_the_package_does_not_have_stays_an_error(tmp_path: Path) -> None:
    root = make_register(tmp_path)
    (root / "identifiers.yaml").write_text(
        OLD_IDS.replace("  - id: employment_insurance", "  - id: seamen_insurence"), encoding="utf-8"
    )
    git(root, "add", "identifiers.yaml")
    git(root, "commit", "-qm", "a typo")
    with pytest.raises(UsageError, match="unknown kind 'seamen_insurence'"):
        register_vocabulary(root)
    checked = invoke(CliRunner(), root, "validate")
    assert checked.exit_code == 1 and "error[vocabulary] unknown kind 'seamen_insurence'" in checked.output


def test_vocabulary_write_makes_the_copy_as_one_commit(tmp_path: Path) -> None:
    root = make_register(tmp_path)
    runner = CliRunner()
    before = invoke(runner, root, "vocabulary")
    assert before.exit_code == 0 and f"classify reads {DATA / 'identifiers.yaml'}" in before.output
    written = invoke(runner, root, "vocabulary", "--write")
    assert written.exit_code == 0, written.output
    for name in ("identifiers.yaml", "sensitive_terms.yaml"):
        assert (root / name).read_text(encoding="utf-8") == (DATA / name).read_text(encoding="utf-8")
        assert f"classify reads {root / name}" in written.output
    assert git(root, "status", "--porcelain") == ""
    assert "vocabulary" in git(root, "log", "-1", "--format=%B")
    again = invoke(runner, root, "vocabulary", "--write")
    assert again.exit_code == 0 and "nothing copied" in again.output
    assert invoke(runner, root, "validate").exit_code == 0  # the package's own files pass the copy's checks


def test_validate_reads_the_copy_afresh_whatever_its_cache_holds(tmp_path: Path) -> None:
    """validate's cached results do not depend on the copy: a copy broken, then mended, with no
    record changed, is reported, then no longer, however warm the cache."""
    root = make_register(tmp_path)
    runner = CliRunner()
    _copy(root, "identifiers.yaml", PACKAGE_PENSION, CORRECTED_PENSION)
    assert invoke(runner, root, "validate").exit_code == 0
    assert invoke(runner, root, "validate").exit_code == 0  # the cache warm
    _copy(root, "identifiers.yaml", PACKAGE_PENSION, r"pattern: '(\d'")
    broken = invoke(runner, root, "validate")
    assert broken.exit_code == 1 and "identifiers.yaml:" in broken.output and "error[vocabulary]" in broken.output
    (root / "identifiers.yaml").unlink()
    git(root, "commit", "-qam", "the package's vocabulary again")
    assert invoke(runner, root, "validate").exit_code == 0
