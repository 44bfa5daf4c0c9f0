"""Record text made inert in the Markdown meti-pi generates (drafts, the ファイル簿, reports).

Text from a record is never markup: no raw HTML (`<`), no link or image (`[`, `]`, `!`), no
emphasis or code marks, no table bars, and no leading mark that would open another block. A
`javascript:` link or a remote image (a web beacon) therefore cannot come from a record; the
escapes are the CommonMark backslash escapes that meti_pi.render.word also reads back as text.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_|<\[\]!~])")
_BLOCK_START = re.compile(r"^(#|[-+*]\s|>|\d+[.)]\s|=+\s*$|-+\s*$)")


def inline(text: str) -> str:
    """`text` as one line of literal Markdown text (line breaks become spaces)."""
    text = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    text = _INLINE.sub(r"\\\1", text)
    if _BLOCK_START.match(text):
        text = "\\" + text
    return text


def escape_strings(value: object) -> object:
    """A copy of dicts / lists with every string passed through `inline`."""
    if isinstance(value, str):
        return inline(value)
    if isinstance(value, dict):
        return {k: escape_strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape_strings(v) for v in value]
    return value
