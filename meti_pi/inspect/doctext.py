"""Recorded inspection text as a document says it (the report to the 総括, the audit report).

An inspection record keeps meti-pi's own sentences (a finding's checklist title and the register's
evidence behind it, the default corrective action) in the register's form: ISO dates, half-width
digits, and the record, field or policy key that holds the fact. That is what the terminal shows
and what the records hold; it stays as it is. A document says the same in its own form (README,
Documents): 和暦 dates from the register's era table, digits in the document's style (ids, codes
and register references stay half-width), 管理Ａ/Ｂ/Ｃ, and no register path, field or policy key.

`generated_text` makes that form out of the register form, for meti-pi's sentences only: text an
officer wrote (a finding's note, a corrective action of their own) is printed as written
(`document_text`), and register text a sentence quotes in 「」 or names in ［］ is kept as written.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from meti_pi.classify.profile import FULLWIDTH_CLASS
from meti_pi.dates import wareki
from meti_pi.inspect.years import article_ja

# A finding's text may name its subject as the checklist does, 「［F-2026-T79Z58「名称」］」, and
# point at a register file, 「（files/F-2026-T79Z58.yaml handling_rules）」: a document names the
# subject and leaves ids and paths to the reference column.
_SUBJECT_ID = re.compile(r"［[A-Za-z0-9][A-Za-z0-9._-]*「([^」]*)」］")
_REGISTER_PATH = re.compile(r"（[a-z_]+/[A-Za-z0-9._/-]+\.ya?ml[^）]*）")


def document_text(text: Any) -> str:
    """Recorded text as a document says it: subjects by name, no register paths."""
    out = _SUBJECT_ID.sub(r"［\1］", str(text or ""))
    return _REGISTER_PATH.sub("", out).strip()


# The register pointers meti-pi's sentences carry (inspect.prefills, inspect.queries; records
# made by earlier versions hold them too), each with what a document says instead.
_POINTERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # 「files/F-1.yaml direct_written_collection が未登録」
    (
        re.compile(r"[a-z_]+/[A-Za-z0-9._-]+\.ya?ml direct_written_collection が未登録"),
        "書面による本人からの直接取得の有無が未登録",
    ),
    # 「…の記録がない: files/F-1.yaml」
    (re.compile(r":\s*[a-z_]+/[A-Za-z0-9._/-]+\.ya?ml(?=$|；)"), ""),
    # 「（files/F-1.yaml handling_rules；該当しない事項は「該当なし」と記載）」
    (_REGISTER_PATH, ""),
    # 「（第14条第4項、policy contractors.annual_check_months）」
    (re.compile(r"[、；]\s*policy [a-z_]+(?:\.[a-z_]+)*"), ""),
    # 「（管理者が判断する；facts.publish 未記録）」
    (re.compile(r"；\s*[a-z_]+(?:\.[a-z_]+)+ 未記録(?=）)"), ""),
    # 「（handling_rules.reviewed_on）」「（ref）」「（incidents/）」「（facts.publish: false）」
    # 「（contractors の dispatched_workers）」
    (re.compile(r"（[a-z][a-z0-9_]*(?:[./][a-z0-9_]*)*(?: の [a-z][a-z0-9_.]*)?(?::\s*(?:true|false))?）"), ""),
    # 「。ファイル簿は `meti-pi export` で作成」: a hint for the terminal
    (re.compile(r"。[^。`]*`[^`]*`[^。]*(?=$|；)"), ""),
)
# 「第11条第1項の通知 N-1（submitted, 2026-05-01）」: a notice's state
_NOTICE_STATES = {"drafted": "起案", "submitted": "提出", "acknowledged": "受理", "withdrawn": "取下げ"}
_NOTICE_STATE = re.compile(r"（(" + "|".join(_NOTICE_STATES) + r"), ")
# 「管理者への報告（第39(1)）」: an article as the records cite it, after 第
_ARTICLE_CODE = re.compile(r"第([0-9]+(?:\([0-9]+\)){1,2})")
# Register text a sentence quotes (「」) or names (［］): printed as written.
_QUOTED = re.compile(r"「[^」]*」|［[^］]*］")
# A day (and the spaces that set it apart from Japanese words in the register's form).
_ISO_DAY = re.compile(
    r"(?:(?<=[^\x00-\x7f]) )?(?<![0-9A-Za-z_./#-])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9A-Za-z_/#-])(?: (?=[^\x00-\x7f]))?"
)
_ITEM_NUMBER = re.compile(r"(?<![0-9A-Za-z])\(([0-9]+)\)")  # 「第14条第2項(9)」: the rule's 号 as it prints them
_CLASS = re.compile(r"管理([ABC](?:・[ABC])*)(?![A-Za-z])")
_FULL_CLASS = str.maketrans(FULLWIDTH_CLASS)
# A number of the sentence (a count, an article, a month): not one inside an id, a code or a path.
_NUMBER = re.compile(r"(?:(?<=[^\x00-\x7f]) )?(?<![0-9A-Za-z_./#:@-])([0-9]+(?:,[0-9]{3})*)(?![0-9A-Za-z_./#:@-])")
_HOLE = 0xE000  # quoted text waits in the Private Use Area while the sentence around it is converted


def generated_text(text: Any, *, fullwidth_digits: bool = True, eras: wareki.Eras = wareki.DEFAULT_ERAS) -> str:
    """One of meti-pi's recorded sentences in the document's form: subjects by name, no register
    path, field or policy key, 和暦 dates, 管理Ａ/Ｂ/Ｃ, article and count digits in the document's
    style (`fullwidth_digits`), 号 in full-width brackets; what it quotes kept as written."""
    out = _SUBJECT_ID.sub(r"［\1］", str(text or ""))
    for pattern, instead in _POINTERS:
        out = pattern.sub(instead, out)
    quoted: list[str] = []

    def hold(m: re.Match[str]) -> str:
        quoted.append(m.group(0))
        return chr(_HOLE + len(quoted) - 1)

    out = _QUOTED.sub(hold, out)
    out = _NOTICE_STATE.sub(lambda m: f"（{_NOTICE_STATES[m.group(1)]}、", out)
    out = _ARTICLE_CODE.sub(lambda m: "第" + article_ja(m.group(1)), out)

    def day(m: re.Match[str]) -> str:
        try:
            found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return m.group(0)
        return wareki.to_wareki(found, fullwidth_digits=fullwidth_digits, eras=eras)

    out = _ISO_DAY.sub(day, out)
    out = _ITEM_NUMBER.sub(r"（\1）", out)
    out = _CLASS.sub(lambda m: "管理" + m.group(1).translate(_FULL_CLASS), out)
    out = out.replace(": ", "：")
    out = _NUMBER.sub(lambda m: wareki.fullwidth(m.group(1)) if fullwidth_digits else m.group(1), out)
    for n, held in enumerate(quoted):
        out = out.replace(chr(_HOLE + n), held)
    return out.strip()
