"""The Markdown subset the drafts are written in (described in meti_pi.render.word): parsing into blocks,
inline runs, and the helpers that write aligned paragraphs (`right`, `center`) and escape text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Markdown parsing (pure; no python-docx here)

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BULLET = re.compile(r"^( *)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^( *)(\d{1,9})([.)])\s+(.*)$")
_RIGHT = re.compile(r"^>>\s?(.*)$")
_CENTER = re.compile(r"^->\s?(.*?)\s?<-\s*$")
_QUOTE = re.compile(r"^>\s?(.*)$")
_HTML_P = re.compile(r'^<p align="(right|center)">(.*)</p>\s*$')
_STRONG = re.compile(r"</?(?:strong|b)>")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_PAGEBREAK = re.compile(r"^\s*<!--\s*pagebreak\s*-->\s*$", re.IGNORECASE)
_BR = re.compile(r"(?<!\\)<br\s*/?>", re.IGNORECASE)  # a line break inside a table cell
_ESCAPABLE = set("\\`*_{}[]()#+-.!|>~<")


@dataclass
class Block:
    """One block of the document: kind in heading/para/bullet/number/table/right/center/quote/
    rule/pagebreak; `lines` hold the raw inline text (joined later), `level` the heading or list
    level, `rows`/`align` a table."""

    kind: str
    lines: list[str] = field(default_factory=list)
    level: int = 0
    rows: list[list[str]] = field(default_factory=list)
    align: list[str] = field(default_factory=list)


def _is_wide(ch: str) -> bool:
    # CJK punctuation, kana, ideographs and full-width forms all sit at U+2E80 and above.
    return ord(ch) >= 0x2E80


_ASCII_SPACE = " \t"  # str.strip() would also take the full-width space, the 字下げ of a paragraph


def join_lines(lines: list[str]) -> str:
    """Join soft-wrapped lines; '\\n' marks a hard break (a line ending in 2 spaces or '\\')."""
    out = ""
    hard = False
    for raw in lines:
        if raw.endswith("  ") or (raw.endswith("\\") and not raw.endswith("\\\\")):
            line, brk = raw.rstrip(" ").removesuffix("\\").rstrip(), True
        else:
            line, brk = raw.strip(_ASCII_SPACE), False
        line = line.strip(_ASCII_SPACE)
        if not out:
            out = line
        elif hard:
            out += "\n" + line
        elif line and (_is_wide(out[-1]) or _is_wide(line[0])):
            out += line
        elif line:
            out += " " + line
        hard = brk
    return out


def split_row(line: str) -> list[str]:
    """Cells of a pipe-table line (`\\|` is a literal bar)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells, cur, i = [], "", 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur += s[i : i + 2]
            i += 2
            continue
        if ch == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur.strip())
    return cells


def _alignments(sep: str, n: int) -> list[str]:
    out = []
    for cell in split_row(sep):
        left, right = cell.startswith(":"), cell.endswith(":")
        out.append("center" if left and right else "right" if right else "left")
    return (out + ["left"] * n)[:n]


def parse_markdown(md: str) -> list[Block]:
    """The blocks of `md` (see the module docstring for the subset)."""
    lines = md.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    para: Block | None = None  # the open paragraph or list item that lazy lines continue
    i = 0

    def close() -> None:
        nonlocal para
        para = None

    while i < len(lines):
        line = lines[i].replace("\t", "    ")
        stripped = line.strip()
        if _PAGEBREAK.match(line):
            close()
            blocks.append(Block("pagebreak"))
            i += 1
            continue
        if stripped.startswith("<!--"):
            # Drop the comment (it may span lines); text after '-->' on its last line is kept out too.
            while i < len(lines) and "-->" not in lines[i]:
                i += 1
            i += 1
            continue
        if not stripped:
            close()
            i += 1
            continue
        if m := _HTML_P.match(stripped):
            close()
            blocks.append(Block(m.group(1), _html_lines(m.group(2))))
            i += 1
            continue
        if stripped.startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]) and "-" in lines[i + 1]:
            close()
            header = split_row(stripped)
            rows = [header]
            align = _alignments(lines[i + 1], len(header))
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = split_row(lines[i])
                rows.append((cells + [""] * len(header))[: len(header)])
                i += 1
            blocks.append(Block("table", rows=rows, align=align))
            continue
        if m := _HEADING.match(stripped):
            close()
            blocks.append(Block("heading", [m.group(2)], level=min(len(m.group(1)), 3)))
        elif m := _RIGHT.match(stripped):
            close()
            blocks.append(Block("right", [m.group(1)]))
        elif m := _CENTER.match(stripped):
            close()
            blocks.append(Block("center", [m.group(1)]))
        elif _RULE.match(line):
            close()
            blocks.append(Block("rule"))
        elif m := _BULLET.match(line):
            close()
            para = Block("bullet", [m.group(2)], level=min(len(m.group(1)) // 2, 2))
            blocks.append(para)
        elif m := _NUMBERED.match(line):
            close()
            para = Block("number", [f"{m.group(2)}{m.group(3)} {m.group(4)}"], level=min(len(m.group(1)) // 2, 2))
            blocks.append(para)
        elif m := _QUOTE.match(stripped):
            if para is not None and para.kind == "quote":
                para.lines.append(m.group(1))
            else:
                close()
                para = Block("quote", [m.group(1)])
                blocks.append(para)
        elif para is not None:
            para.lines.append(line)  # continuation (indented or lazy) of the open block
        else:
            para = Block("para", [line])
            blocks.append(para)
        i += 1
    return blocks


def _md_inline_escape(text: str) -> str:
    return re.sub(r"([\\`*])", r"\\\1", text)


def _html_lines(inner: str) -> list[str]:
    """The inline Markdown lines of an aligned `<p>`: `<br>` hard breaks, `<strong>` bold, entities."""
    import html

    parts = _BR.split(inner)
    out = []
    for n, part in enumerate(parts):
        pieces = _STRONG.split(part)
        line = "**".join(_md_inline_escape(html.unescape(p)) for p in pieces)
        out.append(line + ("\\" if n < len(parts) - 1 else ""))
    return out


def html_escape(text: str) -> str:
    """Text made safe inside an aligned `<p>` (one line; no tags)."""
    import html

    return html.escape(" ".join(text.split("\n")), quote=True)


def right(text: str) -> str:
    """A right-aligned paragraph: `text` is already escaped (`html_escape`); may hold `<br>`."""
    return f'<p align="right">{text}</p>'


def center(text: str, *, bold: bool = False) -> str:
    """A centred paragraph (bold: a title)."""
    return f'<p align="center"><strong>{text}</strong></p>' if bold else f'<p align="center">{text}</p>'


def parse_inline(text: str) -> list[tuple[str, bool]]:
    """(text, bold) runs of one line: `**bold**`, `` `code` `` and backslash escapes."""
    runs: list[tuple[str, bool]] = []
    cur, bold, i = "", False, 0

    def flush() -> None:
        nonlocal cur
        if cur:
            if runs and runs[-1][1] == bold:
                runs[-1] = (runs[-1][0] + cur, bold)
            else:
                runs.append((cur, bold))
            cur = ""

    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            cur += text[i + 1]
            i += 2
        elif ch == "`":
            end = text.find("`", i + 1)
            if end == -1:
                cur += ch
                i += 1
            else:
                cur += text[i + 1 : end]
                i = end + 1
        elif text.startswith("**", i):
            # Only open bold when a closing '**' follows; a lone '**' stays literal.
            if bold or text.find("**", i + 2) != -1:
                flush()
                bold = not bold
            else:
                cur += "**"
            i += 2
        else:
            cur += ch
            i += 1
    flush()
    return runs


def plain_text(text: str) -> str:
    """The text of one inline line without its Markdown marks."""
    return "".join(t for t, _ in parse_inline(text))
