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


def test_a_missing_kind_is_reported(tmp_path: Path) -> None:
    root = make_register(tmp_path)
    text = (DATA / "identifiers.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: seamen_insurance")
    end = text.index("  - id: ", start + 1)
    (root / "identifiers.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(UsageError, match="kind 'seamen_insurance' is missing"):
        register_vocabulary(root)


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
