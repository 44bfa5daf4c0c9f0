"""Law articles as the drafts cite them: today's number from citations.yaml, the code's where a key is missing.

citations.yaml holds, per key (appi.68, rule.43 ...), the number the rule cites (`cited_in_rule`) and
today's (`current`). A draft asks here for an article by its key with today's number as the default,
so that when a law is amended and renumbered, correcting citations.yaml corrects every document:
the Art. 35/36 notice drafts (notify/drafts, through `cite`) and the incident drafts (incident/, through
`current_article`). `citations` is `Register.citations`: the entries by key.

Digits come out half-width (a full-width 第１０９条 in the file reads as 第109条); the draft writes them
in its own digit style.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

Citations = Mapping[str, Mapping[str, Any]]

_ARTICLE_RE = re.compile(r"第\d+条(?:の\d+)?(?:第\d+項)?(?:第\d+号)?")
_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


def _ascii_digits(text: str) -> str:
    return text.translate(_TO_ASCII)


def article_part(text: str) -> str:
    """'第109条第2項' out of a citation text such as '第2条第11項（個人番号関係事務）'."""
    m = _ARTICLE_RE.search(_ascii_digits(text))
    return m.group(0) if m else text.strip()


def current_article(citations: Citations, key: str, default: str) -> str:
    """Today's article of `key` ('第43条' out of current: 施行規則第43条); `default` where the key is missing."""
    c = citations.get(key)
    if not c:
        return default
    return article_part(str(c.get("current", default)))


def cite(citations: Citations, key: str, law: str, default: str) -> str:
    """`law` + today's article; with the rule's own number too where it differs (half-width digits)."""
    c = citations.get(key)
    if not c:
        return law + default
    current = article_part(str(c.get("current", default)))
    ruled = article_part(str(c.get("cited_in_rule", current)))
    if ruled and ruled != current:
        return f"{law}{current}（規程制定時の{ruled}）"
    return law + current
