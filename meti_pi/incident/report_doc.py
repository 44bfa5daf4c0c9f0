"""The incident documents under construction: what they need beyond the record (Context), the
document's digit style applied to what meti-pi writes (_Doc), and the 経緯 (the events in day order,
each fact found with its value). meti_pi.incident.reports writes the documents from these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meti_pi.dates import wareki
from meti_pi.dates.wareki import fullwidth, to_wareki
from meti_pi.incident import incidents
from meti_pi.store.citations import Citations
from meti_pi.store.policy import DEFAULT_POLICY

# The nine PPC report items (規則 Art. 44; legal brief §3.2).
# Defaults for Context: the policy's wording (FROM MEMORY, correctable in policy.yaml).
REPORT_ITEMS: tuple[str, ...] = tuple(DEFAULT_POLICY["incident"]["report_items"])
# Items of the notice to the 本人 (規則 Art. 45: report items 1, 2, 4, 5, 9).
NOTICE_ITEMS: tuple[int, ...] = tuple(DEFAULT_POLICY["incident"]["notice_items"])
_NUM = "０１２３４５６７８９"
_ID_START, _ID_END = "\x00", "\x01"


def _id(ident: Any) -> str:
    """Text kept as written inside a generated line: a record id, or text from the register
    (the document's digit style applies to what meti-pi writes, never to what the officer wrote)."""
    return f"{_ID_START}{ident}{_ID_END}"


_kept = _id


@dataclass(frozen=True)
class Context:
    """What the drafts need beyond the record, resolved from the register by the caller."""

    today: date
    organisation: str = "経済産業省"
    division_name: str | None = None
    division_address: str | None = None
    files: tuple[tuple[str, str | None], ...] = ()  # (id, name)
    division_phone: str | None = None  # the division's contact (divisions.contact), for the 本人 and the public
    division_email: str | None = None
    fullwidth_digits: bool = True
    eras: wareki.Eras = wareki.DEFAULT_ERAS  # policy documents.eras (store.policy.eras)
    # 規則44/45 wording (FROM MEMORY, mirrors the VERIFIED 規則8(1)): data in policy.yaml
    # incident.report_items / incident.notice_items, so the 副総括 can correct it.
    report_items: tuple[str, ...] = REPORT_ITEMS
    notice_items: tuple[int, ...] = NOTICE_ITEMS
    # The register's citations.yaml by key (Register.citations): the law articles the drafts cite by
    # today's numbers (appi.68, rule.43-45); none: this code's numbers (incident.report_labels).
    citations: Citations = field(default_factory=dict)


def organisation_for(division: Mapping[str, Any] | None, file_orgs: list[str], default: str) -> str:
    """The 行政機関 an incident's documents speak for (APPI 2(8): a 外局 such as 中小企業庁 is its own).

    The division in charge decides; without one, the involved files' body when they agree; else
    `default` (the register's organisation).
    """
    if division and isinstance(division.get("org"), str) and division["org"]:
        return str(division["org"])
    orgs = {o for o in file_orgs if o}
    return orgs.pop() if len(orgs) == 1 else default


class _Doc:
    """Markdown lines with the document's digit style applied to every generated text."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.lines: list[str] = []

    def t(self, text: str) -> str:
        if not self.ctx.fullwidth_digits:
            return text.replace(_ID_START, "").replace(_ID_END, "")
        out, rest = [], text
        while _ID_START in rest:  # record ids keep their ASCII digits: they are looked up, not read
            head, _, tail = rest.partition(_ID_START)
            ident, _, rest = tail.partition(_ID_END)
            out += [fullwidth(head), ident]
        return "".join(out) + fullwidth(rest)

    def add(self, *lines: str) -> None:
        self.lines.extend(self.t(x) for x in lines)

    def raw(self, *lines: str) -> None:
        self.lines.extend(lines)

    def count(self, n: Any) -> str:
        """A count in the document's digit style, grouped (１，０００人 beside ３，０００人)."""
        return wareki.count(int(n), fullwidth_digits=self.ctx.fullwidth_digits)

    def date(self, iso: str | None) -> str:
        return (
            to_wareki(date.fromisoformat(iso), fullwidth_digits=self.ctx.fullwidth_digits, eras=self.ctx.eras)
            if iso
            else incidents.UNKNOWN_JA
        )

    def text(self) -> str:
        out: list[str] = []
        for line in self.lines:  # at most one blank line in a row
            if line == "" and out and out[-1] == "":
                continue
            out.append(line)
        return "\n".join(out).strip("\n") + "\n"


def _yn(value: Any) -> str:
    return incidents.UNKNOWN_JA if value is None else ("あり" if value else "なし")


def _or_unknown(value: Any) -> str:
    return incidents.UNKNOWN_JA if value in (None, "", []) else _kept(value)


def _or_pending(value: Any) -> str:
    """For the 本人 and the public (です・ます): what is not known yet is being investigated."""
    return "現在調査中です。" if value in (None, "", []) else _kept(value)


def _item_no(n: int) -> str:
    return f"{_NUM[n]}"


def _events(doc: _Doc, record: Mapping[str, Any]) -> None:
    """The 経緯: steps of the chain, notes, and the facts found later that bear on the assessment."""
    labels = {s.id: s.title for s in incidents.STEP_DEFS}
    labels |= {"note": "記録", "closed": "事案の終結"}
    start = len(doc.lines)
    # in the order of their days (a fact is dated the day it was known, which may come before
    # events recorded earlier); events of one day as recorded
    for e in sorted(record.get("events") or [], key=lambda e: str(e.get("on") or "")):
        kind = e.get("event")
        if kind == "facts-changed":
            changes = e.get("changes") or {}
            keys = [k for k in changes if k in incidents.ASSESSED_FACTS or k == "known_on"]
            if not keys:
                continue
            label = "事実の判明（" + "、".join(_found(doc, k, changes[k]) for k in keys) + "）"
        elif kind in labels:
            label = labels[str(kind)]
        else:
            continue  # opened / rules-refreshed: bookkeeping of the register, not of the event
        extra = "".join(f"（{_kept(e[k])}）" for k in ("method", "note") if e.get(k))
        doc.add(f"- {doc.date(e.get('on'))}　{label}{extra}")
    if len(doc.lines) == start:
        doc.add("（記録なし）")


_TOP_JA = {"known_on": "覚知日", "division": "課等", "files": "関係ファイル", "summary": "概要"}


def _found(doc: _Doc, key: str, change: Any) -> str:
    """A fact as found: its label and its new value (要配慮個人情報を含む：なし). The label alone read
    as the fact being present: a fact found absent was reported to the PPC as present."""
    label = incidents.FACTS[key][1] if key in incidents.FACTS else _TOP_JA[key]
    value = change.get("to") if isinstance(change, Mapping) else None
    kind = incidents.FACTS[key][0] if key in incidents.FACTS else "date"
    if kind == "bool" or value is None:
        shown = _yn(value)
    elif kind == "int":
        shown = f"{doc.count(int(value))}人"
    elif kind == "date":
        shown = doc.date(value)
    else:
        shown = _kept(value)
    return f"{label}：{shown}"


def _files_line(ctx: Context) -> str:
    return (
        "、".join(f"{_kept(name) if name else '名称未登録'}（{_id(fid)}）" for fid, name in ctx.files)
        or incidents.UNKNOWN_JA
    )


def _event_of(record: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    found = [e for e in record.get("events") or [] if e.get("event") == kind]
    return found[0] if found else None
