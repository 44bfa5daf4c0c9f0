"""Every document of the example register checked as a document, without an office suite
(issue 16): page set-up, orientation and column widths of the Word files, print set-up of the
workbooks, East Asian fonts, and text that an officer would sign (no arrows, no snake_case codes,
no placeholders, ids half-width, counts grouped alike, Markdown that CommonMark renders)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from conftest import invoke, make_register

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TODAY = "2026-11-26"
# Machine text that must not reach a document: the CLI's trace marks and English codes.
ARROWS = ("->", "<-", "→", "≥", "≤", ">>")
SNAKE = re.compile(r"(?<![A-Za-z0-9/._-])[a-z]+_[a-z_]+(?![A-Za-z0-9/._-])")
PLACEHOLDERS = ("（前回の通知と対照して記入）", "（代表・内線）", "（担当課等）", "本人　各位", "policy")
FULLWIDTH_IN_ID = re.compile(r"[A-Z]{1,4}-[0-9０-９A-Z]*[０-９]")
MIXED_COUNT = re.compile(r"[０-９]{4,}人")  # a count of 1,000+ written without grouping


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, bytes]:
    """Every kind of document, drafted from the example register through the command line."""
    from typer.testing import CliRunner

    tmp = tmp_path_factory.mktemp("docs")
    mp = pytest.MonkeyPatch()
    for k, v in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x.invalid",
    }.items():
        mp.setenv(k, v)
    root = make_register(tmp, example=True)
    runner = CliRunner()
    out = tmp / "out"
    docs: dict[str, bytes] = {}

    def run(*args: str) -> str:
        result = invoke(runner, root, *args, today=TODAY)
        assert result.exit_code == 0, result.output
        return result.stdout

    late = json.loads(
        run("notify", "F-2026-CT38TF", "--late-reason", "自己点検で判明した通知漏れ", "--out", str(out), "--json")
    )
    change = json.loads(run("notify", "F-2026-WS4AX4", "--kind", "35-1", "--out", str(out), "--json"))
    for name, nid in (
        ("notice-35-1-late", late["drafted"][0]["id"]),
        ("notice-35-1-change", change["drafted"][0]["id"]),
        ("notice-35-3", "N-2023-WSEF70"),
        ("notice-36", "N-2025-9R58DH"),
    ):
        docs[f"{name}.md"] = run("notify", "render", nid).encode("utf-8")
        run("notify", "render", nid, "--format", "docx", "--out", str(out))
        docs[f"{name}.docx"] = (out / f"{nid}.docx").read_bytes()
    for kind in ("preliminary", "final", "principal-notice", "publication"):
        docs[f"incident-{kind}.md"] = run("incident", "report", "INC-2026-H0JQNC", "--kind", kind).encode("utf-8")
        run("incident", "report", "INC-2026-H0JQNC", "--kind", kind, "--format", "docx", "--out", str(out))
        docs[f"incident-{kind}.docx"] = (out / f"INC-2026-H0JQNC-{kind}.docx").read_bytes()
    for fmt in ("md", "docx", "xlsx"):
        run("inspect", "--report", "--year", "2025", "--format", fmt, "--out", str(out / f"inspection.{fmt}"))
        docs[f"inspection.{fmt}"] = (out / f"inspection.{fmt}").read_bytes()
        run("export", "filebook", "--format", fmt, "--out", str(out / f"filebook.{fmt}"))
        docs[f"filebook.{fmt}"] = (out / f"filebook.{fmt}").read_bytes()
    mp.undo()
    return docs


def _text(name: str, data: bytes) -> str:
    if name.endswith(".md"):
        return data.decode("utf-8")
    if name.endswith(".docx"):
        from meti_pi.render.word import docx_paragraphs

        return "\n".join(docx_paragraphs(data))
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )


def _xml(data: bytes, member: str = "word/document.xml"):
    from xml.etree import ElementTree as ET

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return ET.fromstring(z.read(member))


def test_every_kind_is_there(documents):
    kinds = {n.rsplit(".", 1)[0] for n in documents}
    assert {
        "notice-35-1-late",
        "notice-35-1-change",
        "notice-35-3",
        "notice-36",
        "incident-preliminary",
        "incident-final",
        "incident-principal-notice",
        "incident-publication",
        "inspection",
        "filebook",
    } <= kinds


@pytest.mark.parametrize("mark", ARROWS)
def test_no_arrows_or_trace_marks(documents, mark):
    for name, data in documents.items():
        text = _text(name, data)
        if name.endswith(".md"):
            text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # notes for the reader of the Markdown only
        assert mark not in text, (name, mark)


def test_no_snake_case_codes_no_placeholders_ids_half_width(documents):
    for name, data in documents.items():
        text = _text(name, data)
        assert not SNAKE.findall(text), (name, SNAKE.findall(text)[:5])
        for p in PLACEHOLDERS:
            assert p not in text, (name, p)
        assert not FULLWIDTH_IN_ID.search(text), (name, FULLWIDTH_IN_ID.search(text))
        assert not MIXED_COUNT.search(text), (name, MIXED_COUNT.search(text))


def test_markdown_is_commonmark(documents):
    for name, data in documents.items():
        if not name.endswith(".md"):
            continue
        text = data.decode("utf-8")
        assert not re.search(r"^(>>|->)", text, re.M), name  # not CommonMark: shown as quotes and arrows
        for line in text.splitlines():
            if line.startswith("<p "):
                assert re.fullmatch(r'<p align="(right|center)">.*</p>', line), (name, line)


def test_word_files_keep_japanese_fonts_and_indent(documents):
    from meti_pi.render.word import docx_fonts

    for name, data in documents.items():
        if not name.endswith(".docx"):
            continue
        fonts = docx_fonts(data)
        assert fonts["docDefaults"]["eastAsia"] == "ＭＳ 明朝", name
        assert fonts["Heading2"]["eastAsia"] == "ＭＳ ゴシック", name
        body = _xml(data)
        pgsz = body.find(f".//{W}sectPr/{W}pgSz")
        assert (int(pgsz.get(f"{W}w")), int(pgsz.get(f"{W}h"))) in ((11906, 16838), (16838, 11906)), name  # A4
    # The paragraph's 字下げ (a leading full-width space) survives into Word.
    from meti_pi.render.word import docx_paragraphs

    for name in ("notice-35-1-late.docx", "incident-final.docx", "inspection.docx"):
        assert any(p.startswith("　") and len(p) > 20 for p in docx_paragraphs(documents[name])), name


def test_inspection_report_is_landscape_with_columns_that_fit(documents):
    body = _xml(documents["inspection.docx"])
    sect = body.find(f".//{W}sectPr")
    pgsz = sect.find(f"{W}pgSz")
    assert pgsz.get(f"{W}orient") == "landscape" and int(pgsz.get(f"{W}w")) > int(pgsz.get(f"{W}h"))
    mar = sect.find(f"{W}pgMar")
    text_width = int(pgsz.get(f"{W}w")) - int(mar.get(f"{W}left")) - int(mar.get(f"{W}right"))
    tables = body.findall(f".//{W}tbl")
    assert tables
    for tbl in tables:
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        widths = [int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        assert sum(widths) <= text_width
        # No column so narrow that a 課等 name or a 和暦 date breaks a character a line:
        # at 10.5 pt a full-width character is 210 twips; every column holds at least two.
        assert min(widths) >= 2 * 210, widths
    text = _text("inspection.docx", documents["inspection.docx"])
    assert (
        "総括個人情報保護管理者" in text and "殿" in text and "副総括個人情報保護管理者" in text
    )  # addressee and sender
    assert "大臣官房人事課" in text and "kanbo-jinji" not in text.replace(
        "inspections/2025/kanbo-jinji", ""
    )  # names; ids as references only
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # 和暦, never ISO dates
    assert ".yaml" not in text


def test_workbooks_are_set_up_to_print(documents):
    import openpyxl

    for name in ("filebook.xlsx", "inspection.xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(documents[name]))
        assert len(book.worksheets) == 2, name
        for ws in book.worksheets:
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, (name, ws.title)
            assert ws.page_setup.fitToHeight == 0
            assert str(ws.page_setup.paperSize) in (ws.PAPERSIZE_A4, ws.PAPERSIZE_A3)
            assert ws.print_title_rows in ("1:1", "$1:$1") and ws.freeze_panes == "A2", (name, ws.title)
    # The ファイル簿 in the e-Gov layout: 項目 | 内容, one file per printed page, portrait A4.
    book = openpyxl.load_workbook(io.BytesIO(documents["filebook.xlsx"]))
    table, pages = book.worksheets
    files = table.max_row - 1
    assert [c.value for c in pages[1]] == ["項目", "内容"]
    assert len(pages.row_breaks.brk) == files - 1 and pages.page_setup.orientation == "portrait"
    assert str(pages.page_setup.paperSize) == pages.PAPERSIZE_A4
    # The inspection workbook has the per-division table too.
    ins = openpyxl.load_workbook(io.BytesIO(documents["inspection.xlsx"]))
    assert (
        ins.worksheets[1].cell(row=1, column=1).value == "課等" and ins.worksheets[1].max_row == 15
    )  # a heading and 14 課等


def test_public_documents_are_polite_throughout(documents):
    for name in ("incident-principal-notice.md", "incident-publication.md"):
        text = re.sub(r"<!--.*?-->", "", documents[name].decode("utf-8"), flags=re.S)
        for plain in ("である。", "準備中である", "行わない。", "予定していない。"):
            assert plain not in text, (name, plain)
        assert "電話：" in text  # the division's contact, from its record


@pytest.mark.slow
def test_pages_render_in_libreoffice(documents, tmp_path):
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: `make render` and this test need it")
    for name in ("inspection.docx", "filebook.xlsx"):
        (tmp_path / name).write_bytes(documents[name])
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "inspection.docx"),
            str(tmp_path / "filebook.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "inspection.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 6  # was 12 columns in portrait, names a character a line
    assert Path(tmp_path / "filebook.pdf").stat().st_size > 0
