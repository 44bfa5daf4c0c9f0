"""The rule's articles, paragraphs and items (経済産業省個人情報保護管理規程, 第1条-第46条).

A citation is written `14`, `14(4)` (第14条第4項) or `16(2)(3)` (第16条第2項第3号); the schemas'
`article` pattern takes 第1条-第46条 with any paragraph 1-99 and item 1-9, so `14(9)` passed though
第14条 has six paragraphs. PARAGRAPHS is the rule's shape, read from the rule's text (a paragraph
begins a line with its number, ２ … 10 …; an item with （１）): for each article, the number of
items of each of its paragraphs (0: none). Checked by tests/test_rule_articles.py, against the rule's
text where the checkout has it (../shared/seed) and by the counts a reader can see in it.

An article of one paragraph cites its items under paragraph 1: 第10条第2号 is `10(1)(2)`.
"""

from __future__ import annotations

import re

# article -> the number of items of each paragraph, in order (the rule as published; 附則 not included)
PARAGRAPHS: dict[int, tuple[int, ...]] = {
    1: (0,),
    2: (0,),
    3: (2, 2, 0, 0, 2, 2, 0, 0, 2, 0, 3, 0, 0, 0, 3, 0),
    4: (0, 0, 0),
    5: (0, 0, 0, 0, 0),
    6: (0, 0, 0, 0, 0),
    7: (0,),
    8: (0, 0, 0, 0),
    9: (0, 0, 0),
    10: (4,),
    11: (0, 0, 0, 0),
    12: (4, 0, 0),
    13: (0, 0, 0),
    14: (0, 9, 0, 0, 0, 0),
    15: (0,),
    16: (0, 8, 0),
    17: (0, 0, 0),
    18: (4,),
    19: (5,),
    20: (0, 0, 0),
    21: (0,),
    22: (0,),
    23: (0,),
    24: (0,),
    25: (0,),
    26: (0,),
    27: (0,),
    28: (0, 0),
    29: (0,),
    30: (0,),
    31: (0,),
    32: (0, 0),
    33: (0, 0, 0),
    34: (0, 0),
    35: (0, 0, 0),
    36: (0,),
    37: (0, 0, 0),
    38: (0,),
    39: (0, 0, 0, 0, 0, 0, 0),
    40: (0, 0, 0),
    41: (0, 0),
    42: (0, 0, 0),
    43: (0, 0),
    44: (0,),
    45: (0,),
    46: (0,),
}

_CITATION = re.compile(r"([0-9]+)(?:\(([0-9]+)\))?(?:\(([0-9]+)\))?")


def citation_problem(value: str) -> str | None:
    """What is wrong with a citation the schema's pattern took (`14(9)`: 第14条 has six paragraphs),
    with what to write instead; None when the rule has it (or when it is not a citation at all: the
    pattern's to refuse)."""
    m = _CITATION.fullmatch(value)
    if m is None or int(m[1]) not in PARAGRAPHS:
        return None
    article = int(m[1])
    paragraphs = PARAGRAPHS[article]
    if m[2] is None:
        return None
    paragraph = int(m[2])
    if not 1 <= paragraph <= len(paragraphs):
        if len(paragraphs) == 1:
            cited = f"; its items are cited as {article}(1)(N)" if paragraphs[0] else ""
            return f"第{article}条 has no paragraph {paragraph} (it is one paragraph: cite {article}{cited})"
        return f"第{article}条 has {len(paragraphs)} paragraphs, not {paragraph}: cite {article}(1)-{article}({len(paragraphs)})"
    if m[3] is None:
        return None
    item, items = int(m[3]), paragraphs[paragraph - 1]
    if not 1 <= item <= items:
        where = f"{article}({paragraph})"
        if not items:
            # 11(1)(3) for 第11条第3項: the paragraph written as an item of paragraph 1
            meant = (
                f", or {article}({item}) for its paragraph {item}"
                if paragraph == 1 and 1 < item <= len(paragraphs)
                else ""
            )
            return f"{where} has no items (号): cite {where}{meant}"
        return f"{where} has {items} items (号), not {item}: cite {where}(1)-{where}({items})"
    return None
