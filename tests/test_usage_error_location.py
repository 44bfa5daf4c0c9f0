"""--json locates a usage error in the file the user gave: the error's `path` and `line` are those the
message names (`path:line:`), for datasets, --profile, --from, --answers and findings files; an
error of an option, not of a file, keeps them null. Nothing is parsed back out of the message: the
raise sites that read a file say where (UsageError.at, UsageError(path=, line=))."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import invoke, make_register
from typer.testing import CliRunner

from meti_pi.errors import UsageError

SECRET = "秘匿太郎ZZ"  # planted in the broken inputs: the JSON may name where, never what


@pytest.fixture(scope="module")
def reg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_register(tmp_path_factory.mktemp("reg"), example=True)


def _error(reg: Path, *args: str) -> dict[str, object]:
    result = invoke(CliRunner(), reg, *args, "--json")
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert document["ok"] is False and document["exit_code"] == 2
    [error] = document["errors"]
    assert error["code"] == "usage"
    assert SECRET not in result.output
    return error


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


INPUTS: dict[str, tuple[str, str | bytes, list[str], int | None]] = {
    # name: (file name, content, command ({f}: the file), the line the error names)
    "jsonl-not-json": ("d.jsonl", '{"氏名": "a"}\n{"氏名": "' + SECRET + "\n", ["classify", "{f}"], 2),
    "jsonl-not-object": ("d.jsonl", '{"氏名": "a"}\n["' + SECRET + '"]\n', ["classify", "{f}"], 2),
    "csv-unclosed-quote": ("d.csv", '氏名,電話\na,1\n"' + SECRET + ",2\n", ["classify", "{f}"], 3),
    "csv-not-utf8": ("d.csv", b"name\na\n" + SECRET.encode() + b"\x81\n", ["classify", "{f}"], 3),
    "csv-nul": ("d.csv", "氏名\na\nb\x00" + SECRET + "\n", ["classify", "{f}"], 3),
    "csv-empty": ("d.csv", "", ["classify", "{f}"], None),
    "xlsx-not-zip": ("d.xlsx", SECRET, ["classify", "{f}"], None),
    "profile-yaml-syntax": ("p.yaml", "principals: 10\n\tsensitive: true\n", ["classify", "--profile", "{f}"], 2),
    "profile-bad-value": ("p.yaml", "sensitive: true\nprincipals: many\n", ["classify", "--profile", "{f}"], 2),
    "profile-not-mapping": ("p.yaml", "- " + SECRET + "\n", ["classify", "--profile", "{f}"], 1),
    "facts-duplicate-key": (
        "f.yaml",
        "known_on: 2026-11-20\nsummary: x\nsummary: " + SECRET + "\n",
        ["incident", "open", "--from", "{f}", "--dry-run"],
        3,
    ),
    "facts-bad-date": (
        "f.yaml",
        "summary: x\nknown_on: 2026-02-30\n",
        ["incident", "open", "--from", "{f}", "--dry-run"],
        2,
    ),
    "facts-unknown-key": (
        "f.yaml",
        "known_on: 2026-11-20\nsummary: x\nbogus: 1\n",
        ["incident", "open", "--from", "{f}", "--dry-run"],
        3,
    ),
    "fields-not-utf8": (
        "n.yaml",
        b"name: a\nnote: " + SECRET.encode("cp932") + b"\n",
        ["new", "divisions", "--from", "{f}"],
        2,
    ),
    "answers-no-division": (
        "a.yaml",
        "answers:\n  8-1: 'yes'\n",
        ["inspect", "--year", "2026", "--answers", "{f}", "--dry-run"],
        None,
    ),
    "csv-header-only-recorded": (
        "h.csv",
        "氏名,住所\n",
        ["classify", "{f}", "--record", "F-2026-5TV229", "--dry-run"],
        None,
    ),
    "answers-bad-answer": (
        "a.yaml",
        "answers:\n  8-1: perhaps\n",
        ["inspect", "--year", "2026", "--division", "kanbo-jinji", "--answers", "{f}", "--dry-run"],
        2,
    ),
}


@pytest.mark.parametrize("name", INPUTS)
def test_json_error_names_the_file_and_line(reg: Path, tmp_path: Path, name: str) -> None:
    file_name, content, run, line = INPUTS[name]
    path = _write(tmp_path / file_name, content)
    error = _error(reg, *[str(path) if a == "{f}" else a for a in run])
    assert (error["path"], error["line"]) == (str(path), line), error
    assert str(error["message"]).startswith(f"{path}:{line}: " if line else f"{path}: "), error


def test_a_missing_option_file_is_named_without_a_line(reg: Path, tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    error = _error(reg, "incident", "open", "--from", str(path), "--dry-run")
    assert (error["path"], error["line"]) == (str(path), None)


def test_an_option_error_names_no_file(reg: Path) -> None:
    error = _error(reg, "inspect", "--year", "99999")
    assert (error["path"], error["line"]) == (None, None)


def test_at_writes_the_location_the_message_names() -> None:
    assert str(UsageError.at("d.csv", 3, "bad")) == "d.csv:3: bad"
    assert str(UsageError.at("d.csv", None, "bad")) == "d.csv: bad"
    located = UsageError.at(Path("d.csv"), 3, "bad")
    assert (located.path, located.line) == ("d.csv", 3)
    plain = UsageError("--year: bad")
    assert (plain.path, plain.line) == (None, None)


def test_a_policy_value_of_the_wrong_type_is_located_in_policy_yaml(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    policy = root / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  promptly_days: 3 " in text
    policy.write_text(text.replace("  promptly_days: 3 ", "  promptly_days: many "), encoding="utf-8")
    line = 1 + text[: text.index("  promptly_days:")].count("\n")
    error = _error(root, "status")
    assert (error["path"], error["line"]) == ("policy.yaml", line), error


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The example register with one audit, for its findings file."""
    root = make_register(tmp_path_factory.mktemp("audited"), example=True)
    result = invoke(CliRunner(), root, "audit", "new", "--title", "定期監査", "--json")
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout)["id"]


# The readers of a YAML file given to a command, and how each is given one.
READERS = {
    "fields": ["new", "divisions", "--from", "{f}"],
    "facts": ["incident", "open", "--from", "{f}", "--dry-run"],
    "profile": ["classify", "--profile", "{f}"],
    "findings": ["audit", "findings", "{aid}", "{f}"],
}


@pytest.mark.parametrize(
    ("text", "line"),
    [("", 1), ("# 監査の指摘\n\n", 1), ("# 監査の指摘\n---\n" + SECRET + "\n", 3)],
    ids=["empty", "comments-alone", "plain-text-after-a-comment"],
)
@pytest.mark.parametrize("reader", READERS)
def test_a_fault_of_the_file_as_a_whole_is_named_at_the_line_its_document_starts(
    audited: tuple[Path, str], tmp_path: Path, reader: str, text: str, line: int
) -> None:
    """The readers named a fault of the file as a whole (empty, comments alone, not the mapping or
    list it should hold) two ways: `f.yaml:1:` (a fields file not a mapping, a findings file's YAML
    fault) or `f.yaml:` alone (an empty fields or facts file, a profile or findings file not a
    mapping or list). One rule now, as validate names an empty or non-mapping register file
    (`divisions/x.yaml:1: error[empty]`): at the line the file's document starts, line 1 when it has
    none; `path` and `line` in --json alike."""
    root, aid = audited
    path = _write(tmp_path / "given.yaml", text)
    error = _error(root, *[{"{f}": str(path), "{aid}": aid}.get(a, a) for a in READERS[reader]])
    assert (error["path"], error["line"]) == (str(path), line), error
    assert str(error["message"]).startswith(f"{path}:{line}: "), error


def test_a_fact_the_file_lacks_is_named_at_the_line_its_mapping_starts(reg: Path, tmp_path: Path) -> None:
    """`incident open --from f.yaml` without `summary:` said `f.yaml: summary: required`, no line:
    at the line the file's mapping starts, as validate names a required key a record lacks."""
    path = _write(tmp_path / "f.yaml", "# 事故の事実\nknown_on: 2026-11-20\n")
    error = _error(reg, "incident", "open", "--from", str(path), "--dry-run")
    assert (error["path"], error["line"]) == (str(path), 2), error
    assert str(error["message"]).startswith(f"{path}:2: summary: required"), error
