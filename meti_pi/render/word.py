"""Word (.docx) output from the Markdown the drafts are written in; the only python-docx importer.

`markdown_to_docx(md)` turns a small Markdown subset into an A4 Word document with a Japanese
East Asian font on every style used, and returns the same bytes for the same input (fixed core
properties, fixed zip timestamps, member order and compression), so a hash of the .docx means
something. `docx_paragraphs(data)` reads the text back for tests.

The Markdown subset (one construct per line; anything else is an ordinary paragraph):

- `# `, `## `, `### ` headings (`####` and deeper are written as level 3).
- Paragraphs: consecutive lines are joined; no space is put between two lines when either side
  is Japanese (so wrapped Japanese text does not gain spaces). A line ending in two spaces or
  a backslash ends with a line break instead.
- Bullet lists `- `, `* `, `+ ` (indent by 2 spaces per level, 3 levels) as Word bullets.
- Numbered lists `1. ` or `1) `: the number is kept as written, with a hanging indent (Word's
  auto-numbering would continue across separate lists, and official drafts fix their numbers).
- Pipe tables: a `| a | b |` header line, a `|---|:---:|---:|` separator (alignment honoured),
  then body lines. The header row is bold and repeats on each page; `<br>` in a cell is a
  line break.
- Inline: `**bold**`, `` `code` `` (written as plain text), backslash escapes (`\\*`, `\\|` ...).
- `<p align="right">text</p>` and `<p align="center">text</p>` on one line: a right-aligned
  (dates, document numbers, the sender) or centred (titles, 記) paragraph. This is CommonMark
  (an HTML block, rendered aligned by GitHub and other viewers); inside it `<br>` is a line
  break, `<strong>…</strong>` bold, and `&amp;` `&lt;` `&gt;` `&quot;` are entities.
  (`right(text)` / `center(text)` write one.) The older `>> text` and `-> text <-` forms are
  still read, but meti-pi no longer writes them: Markdown viewers do not render them.
- A paragraph keeps a leading full-width space (the 字下げ of Japanese prose).
- `> text`: an indented paragraph (quotation).
- `---` (or `***`, `___`) alone on a line: an empty separator paragraph.
- `<!-- pagebreak -->`: a page break. Other HTML comments (single or multi-line) are dropped,
  so drafts may carry notes for the Markdown reader only.

`title=` puts a centred bold title before the body and in the document properties.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

from meti_pi.render.excel import display_width
from meti_pi.render.markdown import (
    _BR,
    Block,
    center,
    html_escape,
    join_lines,
    parse_inline,
    parse_markdown,
    plain_text,
    right,
    split_row,
)
from meti_pi.render.ooxml import deterministic_zip

DEFAULT_FONT_EAST_ASIAN = "ＭＳ 明朝"
DEFAULT_FONT_HEADING = "ＭＳ ゴシック"
# Core-property timestamp used when the caller gives none: constant, so bytes stay stable.
FIXED_TIMESTAMP = datetime(2000, 1, 1, 0, 0, 0, tzinfo=UTC)


# docx building (python-docx imported inside functions: start-up speed)


def docx_options_from_policy(policy: dict[str, Any] | None) -> dict[str, Any]:
    """Keyword arguments for `markdown_to_docx` from policy.yaml's `documents` section."""
    docs = (policy or {}).get("documents") or {}
    opts: dict[str, Any] = {}
    if docs.get("font_east_asian"):
        opts["font_east_asian"] = docs["font_east_asian"]
    return opts


def _as_datetime(value: date | datetime | None) -> datetime:
    if value is None:
        return FIXED_TIMESTAMP
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _set_fonts(rpr: Any, latin: str, east_asian: str) -> None:
    """Set w:rFonts on a w:rPr: explicit names, theme attributes removed (they would win)."""
    from docx.oxml.ns import qn

    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:cs"), latin)


def _setup_styles(doc: Any, body_latin: str, body_ea: str, heading_font: str, size_pt: float) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    styles_el = doc.styles.element
    # Document defaults: fonts, size and Japanese language (so LibreOffice/Word pick JP glyphs).
    rpr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr_default, body_latin, body_ea)
    lang = rpr_default.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "ja-JP")
    ppr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr_default.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "120")
    spacing.set(qn("w:line"), "300")
    spacing.set(qn("w:lineRule"), "auto")

    normal = doc.styles["Normal"]
    normal.font.size = Pt(size_pt)
    _set_fonts(normal.element.get_or_add_rPr(), body_latin, body_ea)

    for name, size in (("Heading 1", size_pt + 3.5), ("Heading 2", size_pt + 1.5), ("Heading 3", size_pt)):
        st = doc.styles[name]
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.color.rgb = RGBColor(0, 0, 0)
        _set_fonts(st.element.get_or_add_rPr(), heading_font, heading_font)
        st.paragraph_format.space_before = Pt(size_pt)
        st.paragraph_format.space_after = Pt(size_pt / 2)
    # The template's Heading 3 is blue and not bold-black like the others: color set above.

    title = doc.styles["Title"]
    title.font.size = Pt(size_pt + 5.5)
    title.font.bold = True
    title.font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(title.element.get_or_add_rPr(), heading_font, heading_font)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(size_pt * 1.5)
    # The template's Title has a blue bottom border: remove it.
    ppr = title.element.get_or_add_pPr()
    for bdr in ppr.findall(qn("w:pBdr")):
        ppr.remove(bdr)

    for name in ("List Bullet", "List Bullet 2", "List Bullet 3", "Quote", "Table Grid"):
        st = doc.styles[name]
        _set_fonts(st.element.get_or_add_rPr(), body_latin, body_ea)
        if name.startswith("List"):
            # No extra space between items of one list, at any level.
            ppr = st.element.get_or_add_pPr()
            if ppr.find(qn("w:contextualSpacing")) is None:
                ppr.append(ppr.makeelement(qn("w:contextualSpacing"), {}))
            # Between levels (different styles) the same small gap as numbered items.
            st.paragraph_format.space_after = Pt(size_pt * 0.25)
    quote = doc.styles["Quote"]
    quote.font.italic = False
    quote.font.color.rgb = RGBColor(0, 0, 0)


def _drop_template_extras(doc: Any) -> None:
    """Drop the template's thumbnail (a picture of an empty page) and stylesWithEffects.xml (a
    Word 2010 copy of the styles that would keep the template's fonts); unreferenced parts are
    not saved."""
    for rels, suffix in ((doc.part.rels, "/stylesWithEffects"), (doc.part.package.rels, "/thumbnail")):
        for rid in [rid for rid, rel in rels.items() if rel.reltype.endswith(suffix)]:
            rels.pop(rid)


def _add_runs(paragraph: Any, text: str, *, bold: bool = False) -> None:
    """Inline runs of `text`; '\\n' is a line break."""
    from docx.enum.text import WD_BREAK

    for li, line in enumerate(text.split("\n")):
        if li:
            if paragraph.runs:
                paragraph.runs[-1].add_break(WD_BREAK.LINE)
            else:
                paragraph.add_run().add_break(WD_BREAK.LINE)
        for chunk, is_bold in parse_inline(line):
            run = paragraph.add_run(chunk)
            if bold or is_bold:
                run.bold = True


def column_weights(rows: list[list[str]]) -> list[int]:
    """Relative column widths of a table, in half-width characters: the longest line of each
    column's body (capped, so one long text does not starve the others), at least its header's
    first eight half-width units (headers wrap) and 4, plus the cell margins."""
    ncols = len(rows[0]) if rows else 0
    out = []
    for c in range(ncols):
        body = [line for r in rows[1:] for line in _BR.sub("\n", plain_text(r[c])).split("\n")]
        natural = max((display_width(line) for line in body), default=0)
        header = min(display_width(plain_text(rows[0][c])), 8)
        out.append(max(4, header, min(natural, 36)) + 2)  # +2: the cell's own margins
    return out


def _fix_widths(table: Any, weights: list[int], text_width: int) -> None:
    """Fixed column widths (twips) shared out by `weights`: Word and LibreOffice then wrap
    text inside a column instead of squeezing the long ones to a character a line."""
    from docx.oxml.ns import qn

    total = sum(weights) or 1
    widths = [int(text_width * w / total) for w in weights]
    tbl = table._tbl
    tblpr = tbl.tblPr
    layout = tblpr.makeelement(qn("w:tblLayout"), {qn("w:type"): "fixed"})
    tblpr.append(layout)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = tblpr.makeelement(qn("w:tblW"), {})
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(widths)))
    grid = tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(w))
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            tcpr = cell._tc.get_or_add_tcPr()
            tcw = tcpr.find(qn("w:tcW"))
            if tcw is None:
                tcw = tcpr.makeelement(qn("w:tcW"), {})
                tcpr.insert(0, tcw)
            tcw.set(qn("w:type"), "dxa")
            tcw.set(qn("w:w"), str(w))


def _build(doc: Any, blocks: list[Block], size_pt: float, text_width: int) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    aligns = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
    indent_step = Pt(size_pt * 2)  # two full-width characters
    for b in blocks:
        if b.kind == "heading":
            p = doc.add_paragraph(style=f"Heading {b.level}")
            _add_runs(p, join_lines(b.lines))
        elif b.kind == "para":
            _add_runs(doc.add_paragraph(), join_lines(b.lines))
        elif b.kind in ("right", "center"):
            p = doc.add_paragraph()
            p.alignment = aligns[b.kind]
            _add_runs(p, join_lines(b.lines))
        elif b.kind == "quote":
            p = doc.add_paragraph(style="Quote")
            p.paragraph_format.left_indent = indent_step
            _add_runs(p, join_lines(b.lines))
        elif b.kind == "bullet":
            style = "List Bullet" if b.level == 0 else f"List Bullet {b.level + 1}"
            _add_runs(doc.add_paragraph(style=style), join_lines(b.lines))
        elif b.kind == "number":
            p = doc.add_paragraph()
            pf = p.paragraph_format
            pf.left_indent = indent_step * (b.level + 1)
            pf.first_line_indent = -indent_step
            pf.space_after = Pt(size_pt * 0.25)
            _add_runs(p, join_lines(b.lines))
        elif b.kind == "rule":
            doc.add_paragraph()
        elif b.kind == "pagebreak":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif b.kind == "table":
            ncols = len(b.rows[0])
            table = doc.add_table(rows=len(b.rows), cols=ncols)
            table.style = doc.styles["Table Grid"]
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for r, cells in enumerate(b.rows):
                row = table.rows[r]
                if r == 0:
                    # Repeat the header row on every page.
                    trpr = row._tr.get_or_add_trPr()
                    trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))
                for c, text in enumerate(cells):
                    cell = row.cells[c]
                    p = cell.paragraphs[0]
                    p.alignment = aligns[b.align[c]] if r else WD_ALIGN_PARAGRAPH.CENTER
                    p.paragraph_format.space_after = Pt(0)
                    _add_runs(p, _BR.sub("\n", text), bold=(r == 0))
            table.autofit = False
            _fix_widths(table, column_weights(b.rows), text_width)
            # A little space after the table, as after a paragraph.
            doc.add_paragraph().paragraph_format.space_after = Mm(0)
        else:  # pragma: no cover - parse_markdown makes no other kinds
            raise ValueError(f"unknown block kind {b.kind}")


def markdown_to_docx(
    md: str,
    *,
    title: str | None = None,
    font_east_asian: str = DEFAULT_FONT_EAST_ASIAN,
    font_latin: str | None = None,
    font_heading: str | None = DEFAULT_FONT_HEADING,
    font_size_pt: float = 10.5,
    created: date | datetime | None = None,
    subject: str | None = None,
    landscape: bool = False,
) -> bytes:
    """An A4 .docx of `md` (see the module docstring), byte-identical for the same arguments.

    `landscape` turns the page (wide tables such as the inspection report's). Every table gets
    fixed column widths from its content (`column_weights`), filling the text width.
    `font_east_asian` is set as w:eastAsia on every style used (policy `documents.
    font_east_asian`, see `docx_options_from_policy`); `font_latin` defaults to the same font,
    `font_heading` is used for the title and headings (None: the body font). `created` sets
    the document's created/modified properties (default a fixed constant, never the clock).
    """
    import docx
    from docx.shared import Mm

    latin = font_latin or font_east_asian
    heading = font_heading or font_east_asian
    doc = docx.Document()
    _drop_template_extras(doc)
    _setup_styles(doc, latin, font_east_asian, heading, font_size_pt)

    from docx.enum.section import WD_ORIENT

    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin, section.bottom_margin = Mm(30), Mm(25)
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635  # EMU -> twips

    # The template's document.xml holds an empty body with the section properties only.
    if title:
        _add_runs(doc.add_paragraph(style="Title"), title)
    _build(doc, parse_markdown(md), font_size_pt, text_width)

    stamp = _as_datetime(created)
    cp = doc.core_properties
    cp.title = title or ""
    cp.subject = subject or ""
    cp.author = ""
    cp.last_modified_by = ""
    cp.comments = ""
    cp.keywords = ""
    cp.category = ""
    cp.revision = 1
    cp.created = stamp
    cp.modified = stamp
    cp.last_printed = stamp

    buf = io.BytesIO()
    doc.save(buf)
    return deterministic_zip(buf.getvalue())


def docx_paragraphs(data: bytes) -> list[str]:
    """The text of each body paragraph of a .docx, in order; a table gives one string per row,
    its cells joined with ' | '. Line breaks inside a paragraph are '\\n'."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = docx.Document(io.BytesIO(data))
    out: list[str] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(Paragraph(child, doc).text)
        elif child.tag == qn("w:tbl"):
            for row in Table(child, doc).rows:
                out.append(" | ".join(cell.text for cell in row.cells))
    return out


def docx_fonts(data: bytes) -> dict[str, dict[str, str]]:
    """Style id -> its w:rFonts attributes (local names), plus 'docDefaults'; for tests."""
    from xml.etree import ElementTree as ET

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ET.fromstring(z.read("word/styles.xml"))
    out: dict[str, dict[str, str]] = {}
    defaults = root.find(f"{w}docDefaults/{w}rPrDefault/{w}rPr/{w}rFonts")
    if defaults is not None:
        out["docDefaults"] = {k.removeprefix(w): v for k, v in defaults.attrib.items()}
    for st in root.findall(f"{w}style"):
        rf = st.find(f"{w}rPr/{w}rFonts")
        if rf is not None:
            out[st.get(f"{w}styleId", "")] = {k.removeprefix(w): v for k, v in rf.attrib.items()}
    return out


# The public interface, including the Markdown helpers and deterministic_zip now in markdown and ooxml.
__all__ = [
    'DEFAULT_FONT_EAST_ASIAN',
    'DEFAULT_FONT_HEADING',
    'FIXED_TIMESTAMP',
    'Block',
    'center',
    'column_weights',
    'deterministic_zip',
    'docx_fonts',
    'docx_options_from_policy',
    'docx_paragraphs',
    'html_escape',
    'join_lines',
    'markdown_to_docx',
    'parse_inline',
    'parse_markdown',
    'plain_text',
    'right',
    'split_row',
]
