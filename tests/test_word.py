"""meti_pi.render.word: Markdown subset -> .docx, Japanese fonts, A4, byte-identical output."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from meti_pi.render import word
from meti_pi.render.word import docx_fonts, docx_paragraphs, join_lines, markdown_to_docx, parse_inline, parse_markdown

NOTICE = """\
>> 令和８年１１月２６日

副総括個人情報保護管理者　殿

>> 経済産業省大臣官房情報システム室
>> 個人情報保護管理者

-> **個人情報ファイルの保有に関する事前通知** <-

経済産業省個人情報保護管理規程第３５条第１項の規定に基づき、
下記のとおり通知します。

## 1. 個人情報ファイルの名称

**職員研修受講者名簿**（電算処理ファイル）

## 2. 記録項目

- 氏名
- 所属
  - 課室名
- 受講日

1. 第一項目
2. 第二項目

| 項目 | 内容 |
|---|---:|
| 本人の数 | １，２００人 |
| 管理区分 | 管理Ｂ \\| 参考 |

<!-- a note for the Markdown reader only -->
以上
"""


def _docx(md: str = NOTICE, **kw: object) -> bytes:
    return markdown_to_docx(md, **kw)  # type: ignore[arg-type]


def _xml(data: bytes, member: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(member).decode("utf-8")


def test_paragraphs_extracted_in_order() -> None:
    paras = docx_paragraphs(_docx(title="事前通知"))
    assert paras == [
        "事前通知",
        "令和８年１１月２６日",
        "副総括個人情報保護管理者\u3000殿",
        "経済産業省大臣官房情報システム室",
        "個人情報保護管理者",
        "個人情報ファイルの保有に関する事前通知",
        # Two Japanese lines joined without a space.
        "経済産業省個人情報保護管理規程第３５条第１項の規定に基づき、下記のとおり通知します。",
        "1. 個人情報ファイルの名称",
        "職員研修受講者名簿（電算処理ファイル）",
        "2. 記録項目",
        "氏名",
        "所属",
        "課室名",
        "受講日",
        "1. 第一項目",
        "2. 第二項目",
        "項目 | 内容",
        "本人の数 | １，２００人",
        "管理区分 | 管理Ｂ | 参考",  # an escaped bar is a literal bar inside the cell
        "",  # the spacer paragraph after a table
        "以上",
    ]
    # The HTML comment is not in the document.
    assert not any("Markdown reader" in p for p in paras)


def test_styles_alignment_and_bold() -> None:
    import docx

    doc = docx.Document(io.BytesIO(_docx(title="事前通知")))
    by_text = {p.text: p for p in doc.paragraphs}
    assert by_text["事前通知"].style.name == "Title"
    assert by_text["1. 個人情報ファイルの名称"].style.name == "Heading 2"
    assert by_text["令和８年１１月２６日"].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert by_text["個人情報保護管理者"].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert by_text["個人情報ファイルの保有に関する事前通知"].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert by_text["氏名"].style.name == "List Bullet"
    assert by_text["課室名"].style.name == "List Bullet 2"
    runs = by_text["職員研修受講者名簿（電算処理ファイル）"].runs
    assert [(r.text, bool(r.bold)) for r in runs] == [("職員研修受講者名簿", True), ("（電算処理ファイル）", False)]
    # Numbered items keep their number and hang.
    num = by_text["2. 第二項目"]
    assert num.paragraph_format.first_line_indent < 0
    # Table: 2 columns, header bold and repeated, alignment from the separator row.
    table = doc.tables[0]
    assert len(table.columns) == 2
    assert all(r.bold for r in table.rows[0].cells[0].paragraphs[0].runs)
    assert "w:tblHeader" in table.rows[0]._tr.xml
    assert table.rows[1].cells[1].paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


def test_a4_page() -> None:
    import docx

    section = docx.Document(io.BytesIO(_docx())).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_east_asian_font_on_styles() -> None:
    fonts = docx_fonts(_docx())
    for sid in ("docDefaults", "Normal", "ListBullet", "TableGrid", "Quote"):
        assert fonts[sid]["eastAsia"] == "ＭＳ 明朝", sid
        # A theme attribute would override the explicit font in Word.
        assert not any(k.endswith("Theme") or k == "cstheme" for k in fonts[sid]), sid
    for sid in ("Heading1", "Heading2", "Heading3", "Title"):
        assert fonts[sid]["eastAsia"] == "ＭＳ ゴシック", sid
    styles = _xml(_docx(), "word/styles.xml")
    assert 'w:eastAsia="ja-JP"' in styles


def test_font_from_policy() -> None:
    opts = word.docx_options_from_policy({"documents": {"font_east_asian": "游明朝"}})
    assert opts == {"font_east_asian": "游明朝"}
    assert word.docx_options_from_policy({}) == {}
    fonts = docx_fonts(_docx(**opts, font_heading=None))
    assert fonts["Normal"]["eastAsia"] == "游明朝"
    assert fonts["Heading1"]["eastAsia"] == "游明朝"


def test_byte_identical_across_time() -> None:
    first = _docx(title="事前通知")
    time.sleep(2.1)  # zip timestamps have 2-second resolution: cross at least one tick
    second = _docx(title="事前通知")
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    # And the input matters.
    assert _docx(NOTICE + "\n追記\n", title="事前通知") != first


def test_zip_is_normalised() -> None:
    data = _docx(title="t")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
        assert names[2:] == sorted(names[2:])
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
        # The template's thumbnail and Word-2010 style copy are not carried over.
        assert "docProps/thumbnail.jpeg" not in names
        assert "word/stylesWithEffects.xml" not in names
    core = _xml(data, "docProps/core.xml")
    assert "2000-01-01T00:00:00Z" in core and "python-docx" not in core
    assert "<dc:title>t</dc:title>" in core


def test_created_date_is_used() -> None:
    from datetime import date

    core = _xml(_docx(created=date(2026, 11, 26)), "docProps/core.xml")
    assert "2026-11-26T00:00:00Z" in core


def test_join_lines() -> None:
    assert join_lines(["日本語の", "文章"]) == "日本語の文章"
    assert join_lines(["plain", "text"]) == "plain text"
    assert join_lines(["English", "日本"]) == "English日本"
    assert join_lines(["line one  ", "line two"]) == "line one\nline two"
    assert join_lines(["line one\\", "line two"]) == "line one\nline two"


def test_hard_break_becomes_line_break() -> None:
    assert docx_paragraphs(_docx("一行目  \n二行目\n")) == ["一行目\n二行目"]


def test_parse_inline() -> None:
    assert parse_inline("a **b** c") == [("a ", False), ("b", True), (" c", False)]
    assert parse_inline("2 ** 3") == [("2 ** 3", False)]  # a lone ** is literal
    assert parse_inline(r"\*not bold\*") == [("*not bold*", False)]
    assert parse_inline("`**x**`") == [("**x**", False)]


def test_parse_blocks() -> None:
    kinds = [
        (b.kind, b.level) for b in parse_markdown("# A\n#### deep\n- x\n    - y\n3) z\n---\n<!-- pagebreak -->\n> q\n")
    ]
    assert kinds == [
        ("heading", 1),
        ("heading", 3),
        ("bullet", 0),
        ("bullet", 2),
        ("number", 0),
        ("rule", 0),
        ("pagebreak", 0),
        ("quote", 0),
    ]
    # A line without a separator row after it is not a table.
    assert [b.kind for b in parse_markdown("| a | b |\n本文\n")] == ["para"]
    # A multi-line comment is dropped whole.
    assert [b.lines for b in parse_markdown("<!--\nhidden\n-->\nshown\n")] == [["shown"]]
    # Heading closing hashes are stripped only after a space.
    assert parse_markdown("# C#\n")[0].lines == ["C#"]


def test_pagebreak_in_docx() -> None:
    xml = _xml(_docx("前\n\n<!-- pagebreak -->\n\n後\n"), "word/document.xml")
    assert 'w:type="page"' in xml


def test_ragged_table_rows_padded() -> None:
    paras = docx_paragraphs(_docx("| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 | 3 | 4 |\n"))
    assert paras[:3] == ["a | b | c", "1 |  | ", "1 | 2 | 3"]


def test_no_docx_import_at_module_import() -> None:
    import subprocess
    import sys

    code = "import sys, meti_pi.render.word; print('docx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _office() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


@pytest.mark.slow
def test_libreoffice_converts_docx(tmp_path: Path) -> None:
    office = _office()
    if office is None:
        pytest.skip("libreoffice/soffice not on PATH: install libreoffice-writer to run this check")
    src = tmp_path / "notice.docx"
    src.write_bytes(_docx(title="事前通知"))
    subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "notice.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "個人情報ファイルの保有に関する事前通知" in text
        assert "職員研修受講者名簿" in text
