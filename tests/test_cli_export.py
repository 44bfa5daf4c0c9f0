"""`meti-pi export filebook` through the command line."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, invoke, make_register

from meti_pi.filebook import book as filebook
from meti_pi.filebook import since as filebook_since
from meti_pi.render import excel

DIVISION = "schema_version: 1\nid: jinji\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"
LISTED = """\
schema_version: 1
id: F-1
name: 研修受講者名簿
org: 経済産業省
division: jinji
purpose: 研修の実施のため
record_items: [氏名, 所属, 病歴]
record_scope: 研修を受講した者
collection_method: 本人からの申込書
routine_recipients: [人事院]
file_kind: computer
characteristics: {sensitive: true}
disclosure_office: {name: 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}
filebook_withheld: {record_items: [病歴], routine_recipients: true, reason: 業務に著しい支障}
holding: {start: '2020-04-01', end: null}
principals: {count: 1500, as_of: '2026-04-01'}
"""
PAPER = """\
schema_version: 1
id: F-2
name: 紙の申請書綴り
org: 経済産業省
division: jinji
purpose: 申請の審査のため
record_items: [氏名, 住所]
record_scope: 申請者
collection_method: 申請書
file_kind: manual
characteristics: {sensitive: false}
disclosure_office: {name: 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}
exclusions: [{item: 74-2-11, reason: マニュアル処理ファイル}]
holding: {start: '2019-04-01'}
principals: {count: 1000, as_of: '2026-04-01'}
"""
SECRET = """\
schema_version: 1
id: F-3
name: 非公開ファイル
org: 経済産業省
division: jinji
purpose: 非公開の目的
record_items: [氏名]
record_scope: 関係者
collection_method: 非公開の方法
file_kind: computer
filebook_withheld: {whole_file: true, reason: 業務に著しい支障}
holding: {start: '2019-04-01'}
principals: {count: 5000, as_of: '2026-04-01'}
"""
SMALL = (
    SECRET.replace("F-3", "F-4")
    .replace("非公開ファイル", "小さいファイル")
    .replace("filebook_withheld: {whole_file: true, reason: 業務に著しい支障}\n", "")
    .replace("count: 5000", "count: 999")
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": DIVISION,
            "files/F-1.yaml": LISTED,
            "files/F-2.yaml": PAPER,
            "files/F-3.yaml": SECRET,
            "files/F-4.yaml": SMALL,
        },
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_to_stdout(runner, root: Path) -> None:
    result = invoke(runner, root, "export", "filebook", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.stdout_bytes)
    assert rows[0] == list(filebook.HEADERS)
    assert [r[0] for r in rows[1:]] == ["研修受講者名簿", "紙の申請書綴り"]
    assert rows[1][4] == "1氏名、2所属" and rows[1][8] == filebook.WITHHELD_LABEL  # 75(3), not "none"
    assert rows[2][11] == "マニュアル処理ファイル"
    text = result.stdout_bytes.decode("utf-8-sig")
    for hidden in ("病歴", "人事院", "非公開", "小さいファイル"):
        assert hidden not in text
    assert "2 file(s) listed, 2 not listed" in result.stderr


def test_md_and_xlsx_to_files(runner, root: Path, tmp_path: Path) -> None:
    md_path, xlsx_path = tmp_path / "book.md", tmp_path / "book.xlsx"
    assert invoke(runner, root, "export", "filebook", "--format", "md", "--out", str(md_path)).exit_code == 0
    md = md_path.read_text(encoding="utf-8")
    assert md.count("| 項目 | 内容 |") == 2 and '<p align="right">令和８年１１月２６日現在</p>' in md
    result = invoke(runner, root, "export", "filebook", "-f", "xlsx", "-o", str(xlsx_path), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["listed"] == 2 and doc["not_listed"] == {"below_threshold": 1, "withheld_75_3": 1}
    data = xlsx_path.read_bytes()
    import hashlib

    assert doc["sha256"] == hashlib.sha256(data).hexdigest()
    table = excel.read_table(data)
    assert [r[0] for r in table] == ["個人情報ファイルの名称", "研修受講者名簿", "紙の申請書綴り"]


def test_json_rows(runner, root: Path) -> None:
    result = invoke(runner, root, "export", "filebook", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [f["key"] for f in doc["fields"]] == list(filebook.KEYS)
    assert doc["rows"][0]["record_items"] == "1氏名、2所属"
    assert "病歴" not in result.stdout and "非公開" not in result.stdout


def test_xlsx_to_redirected_stdout(runner, root: Path) -> None:
    # CliRunner's stdout is not a tty, so the bytes are written (a terminal is refused).
    result = invoke(runner, root, "export", "filebook", "--format", "xlsx")
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"PK")


def test_leak_refused_with_location_and_nothing_written(runner, tmp_path: Path) -> None:
    leaky = LISTED.replace("purpose: 研修の実施のため", "purpose: 研修及び病歴の管理のため")
    root = make_register(tmp_path, {"divisions/jinji.yaml": DIVISION, "files/F-1.yaml": leaky})
    out = tmp_path / "book.csv"
    result = invoke(runner, root, "export", "filebook", "--out", str(out))
    assert result.exit_code == 1
    assert "files/F-1.yaml:6: $.purpose: error[filebook-withheld-leak]" in result.stderr
    assert "病歴" not in result.stderr + result.stdout
    assert not out.exists()


def test_invalid_record_refused(runner, tmp_path: Path) -> None:
    root = make_register(
        tmp_path,
        {"divisions/jinji.yaml": DIVISION, "files/F-1.yaml": LISTED.replace("file_kind: computer", "file_kind: paper")},
    )
    for _ in range(2):  # the second run takes the record's schema problems from the read cache
        result = invoke(runner, root, "export", "filebook")
        assert result.exit_code == 1
        assert "files/F-1.yaml:11: $.file_kind" in result.stderr and "meti-pi validate" in result.stderr


def test_since(runner, root: Path) -> None:
    git(root.parent, "tag", "v1")
    path = root / "files/F-2.yaml"
    path.write_text(PAPER.replace("count: 1000", "count: 999"), encoding="utf-8")  # drops below 1,000
    (root / "files/F-1.yaml").write_text(
        LISTED.replace("研修の実施のため", "研修の実施及び評価のため"), encoding="utf-8"
    )
    git(root.parent, "commit", "-qam", "edit")
    result = invoke(runner, root, "export", "filebook", "--since", "v1", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(c["change"], c["id"]) for c in doc["changes"]] == [("changed", "F-1"), ("removed", "F-2")]
    assert doc["changes"][0]["fields"] == [
        {"key": "purpose", "before": "研修の実施のため", "after": "研修の実施及び評価のため"}
    ]
    md = invoke(runner, root, "export", "filebook", "--since", "v1", "--format", "md")
    assert "## 削除（１件）" in md.stdout and "### 紙の申請書綴り" in md.stdout
    rows = _csv_rows(invoke(runner, root, "export", "filebook", "--since", "v1").stdout_bytes)
    assert rows[0] == list(filebook_since.DIFF_HEADERS)
    assert [
        "変更",
        "研修受講者名簿",
        "個人情報ファイルの利用目的",
        "研修の実施のため",
        "研修の実施及び評価のため",
    ] in rows


def test_since_unknown_revision_exit_2(runner, root: Path) -> None:
    result = invoke(runner, root, "export", "filebook", "--since", "no-such-tag")
    assert result.exit_code == 2
    assert "no such commit" in result.stderr


def test_an_out_in_a_folder_missing_or_under_a_file_says_what_to_do(runner, root: Path, tmp_path: Path) -> None:
    """`export filebook -o missing/x.docx` said "cannot write missing/x.docx: No such file or directory"
    (the OS's words, no advice) where `export sqlite` says to create the folder; under a file, "Not a
    directory". Each is now said with what to do, exit 2, nothing written."""
    (tmp_path / "afile").write_text("kept\n", encoding="utf-8")
    for out, said in (
        (tmp_path / "missing" / "x.docx", "there is no folder"),
        (tmp_path / "afile" / "x.csv", "is a file, not a folder"),
    ):
        result = invoke(runner, root, "export", "filebook", "-f", out.suffix[1:], "-o", str(out))
        assert result.exit_code == 2 and said in result.stderr, result.output
    assert not (tmp_path / "missing").exists()


def test_bad_format_exit_2(runner, root: Path) -> None:
    assert invoke(runner, root, "export", "filebook", "--format", "pdf").exit_code == 2


def test_help_mentions_bom(runner) -> None:
    from meti_pi.cli import app

    result = runner.invoke(app, ["export", "filebook", "--help"])
    assert result.exit_code == 0
    assert "BOM" in result.stdout and "--since" in result.stdout


def test_export_help_does_not_import_docx_or_openpyxl() -> None:
    code = (
        "import sys; from meti_pi.cli import export; print(sorted(m for m in ('docx', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_real_process_writes_bytes(root: Path, tmp_path: Path) -> None:
    exe = shutil.which("meti-pi", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("meti-pi console script not installed in this environment")
    proc = subprocess.run(
        [exe, "--register", str(root), "--today", "2026-11-26", "export", "filebook"], capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert _csv_rows(proc.stdout)[1][0] == "研修受講者名簿"


@pytest.mark.parametrize(("field", "refused"), [("purpose", True), ("handling_rules", False)])
def test_personal_data_in_a_published_field_stops_the_export(tmp_path: Path, runner, field: str, refused: bool) -> None:
    """A review's 利用目的 holding a phone number, committed with git alone, went into the public
    ファイル簿; a field the book does not publish (取扱方法) is validate's warning only."""
    import re

    root = make_register(tmp_path, example=True)
    path = root / "files" / "F-2026-S1J6E5.yaml"
    text = path.read_text(encoding="utf-8")
    if field == "purpose":
        text = re.sub(r"^purpose:.*$", "purpose: 山田太郎（電話03-1234-5678）への通知", text, flags=re.M)
    else:
        text = re.sub(r"^  disposal:.*$", "  disposal: 廃棄は山田（03-1234-5678）に連絡", text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "fb.md"
    result = invoke(runner, root, "export", "filebook", "--format", "md", "--out", str(out))
    assert (result.exit_code == 1) is refused and out.exists() is (not refused), result.output
    assert "03-1234" not in result.output
    if refused:
        assert "$.purpose: error[personal-data]" in result.output


def test_the_fields_and_wording_from_memory_are_corrected_in_the_policy(runner, root: Path) -> None:
    """Fields 13-18 of the public ファイル簿 and the wording of its 有/無 answers are FROM MEMORY in
    the legal brief: policy `filebook` data a register corrects (fields 1-12, VERIFIED, are fixed)."""
    git(root.parent, "tag", "v1")
    policy = root / "policy.yaml"
    original = policy.read_text(encoding="utf-8")
    assert "    notes: 備考\n" in original and "    sensitive_yes: 含む " in original  # as shipped
    corrected = original.replace("    notes: 備考\n", "    notes: 備考（訂正）\n")
    policy.write_text(corrected.replace("    sensitive_yes: 含む ", "    sensitive_yes: 含まれる "), encoding="utf-8")
    git(root.parent, "commit", "-qam", "policy: ファイル簿の文言を訂正")
    assert invoke(runner, root, "validate").exit_code == 0
    rows = _csv_rows(invoke(runner, root, "export", "filebook", "--format", "csv").stdout_bytes)
    assert rows[0][:17] == list(filebook.HEADERS[:17]) and rows[0][17] == "備考（訂正）"
    assert rows[1][7] == "含まれる" and rows[2][7] == "含まない"  # the one corrected, the other as shipped
    doc = json.loads(invoke(runner, root, "export", "filebook", "--json").stdout)
    assert doc["fields"][17] == {"key": "notes", "header": "備考（訂正）"}
    assert "| 備考（訂正） |" in invoke(runner, root, "export", "filebook", "--format", "md").stdout
    since = json.loads(invoke(runner, root, "export", "filebook", "--since", "v1", "--json").stdout)
    assert since["header_changes"] == [{"key": "notes", "before": "備考", "after": "備考（訂正）"}]
    assert since["changes"] == [
        {
            "change": "changed",
            "id": "F-1",
            "name": "研修受講者名簿",
            "fields": [{"key": "sensitive", "before": "含む", "after": "含まれる"}],
        }
    ]
    md = invoke(runner, root, "export", "filebook", "--since", "v1", "--format", "md").stdout
    assert "## 項目名の変更（１件）" in md and "| 備考 | 備考（訂正） |" in md
    rows = _csv_rows(invoke(runner, root, "export", "filebook", "--since", "v1").stdout_bytes)
    assert rows[1] == ["項目名の変更", "", "備考（訂正）", "備考", "備考（訂正）"]
    told = invoke(runner, root, "export", "filebook", "--since", "v1", "--out", str(root.parent / "d.csv"))
    assert "1 change(s) and 1 header change(s) since v1" in told.stderr
    policy.write_text(original.replace("  headers:\n", "  headers:\n    name: 名称\n"), encoding="utf-8")
    result = invoke(runner, root, "validate")
    assert result.exit_code == 1 and "policy.yaml:" in result.stdout  # a VERIFIED field is not the policy's
    # the hints of a root file's problems say where its fields are listed and how to correct it (no
    # `meti-pi schema policy`, no `--set`: neither works for policy.yaml)
    assert ".schemas/policy.schema.json" in result.stdout and "meti-pi schema policy" not in result.stdout
    policy.write_text(original.replace("    notes: 備考\n", "    notes: 5\n"), encoding="utf-8")
    result = invoke(runner, root, "validate")
    assert result.exit_code == 1 and "filebook.headers.notes" in result.stdout
    # policy.yaml named from the folder the test runs in, outside the repository (test_message_paths)
    assert f"in {(root / 'policy.yaml').resolve()}" in result.stdout and "--set" not in result.stdout


def test_personal_data_in_a_published_division_name_stops_the_export(tmp_path: Path, runner) -> None:
    """Field 3 of the ファイル簿 is the 課等's name (divisions/<id>.yaml): a name holding an e-mail
    address, committed with git alone, went into the public ファイル簿 and validate said nothing."""
    import re

    root = make_register(tmp_path, example=True)
    file_text = (root / "files" / "F-2026-S1J6E5.yaml").read_text(encoding="utf-8")
    division = re.search(r"^division: (\S+)$", file_text, flags=re.M).group(1)
    path = root / "divisions" / f"{division}.yaml"
    text = re.sub(
        r"^name: (.*)$", r"name: \1（担当 yamada.taro@example.jp）", path.read_text(encoding="utf-8"), flags=re.M
    )
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "fb.md"
    result = invoke(runner, root, "export", "filebook", "--format", "md", "--out", str(out))
    assert result.exit_code == 1 and not out.exists(), result.output
    assert "yamada" not in result.output
    assert f"divisions/{division}.yaml" in result.output and "$.name: error[personal-data]" in result.output
    checked = invoke(runner, root, "validate")
    assert f"divisions/{division}.yaml" in checked.output and "warning[personal-data]" in checked.output
