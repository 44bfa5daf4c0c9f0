"""Everything due or overdue across the register, on one list (`meti-pi status`).

Sources: Art. 35/36 notices (meti_pi.notify.notices via meti_pi.inspect.checklist), incident deadlines
(meti_pi.incident.incidents), Art. 41 inspections (this year's, and earlier years' still missing), Art. 14(4) contractor confirmations,
and open corrective actions (inspection and audit findings, Art. 43 review measures).
Pure: `today` is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from meti_pi.dates.calendar_jp import parse_day
from meti_pi.inspect import checklist as cl
from meti_pi.inspect.answers import key_parts
from meti_pi.inspect.years import year_label
from meti_pi.notify import facts, notices
from meti_pi.notify.notices import obsolete_drafts
from meti_pi.store.contracts import outsources
from meti_pi.store.register import Register

CATEGORIES = ("notice", "incident", "inspection", "contractor", "corrective_action")
CATEGORY_JA = {
    "notice": "通知",
    "incident": "事案",
    "inspection": "点検",
    "contractor": "委託先確認",
    "corrective_action": "是正措置",
}
DEFAULT_HORIZON_DAYS = 30


@dataclass(frozen=True, slots=True)
class DueItem:
    """One obligation with its due date (None: due now, date unknown)."""

    category: str
    ref: str  # register key ('files/F-...') or finding reference
    article: str
    title: str  # Japanese, one line
    due: date | None
    overdue: bool
    division: str | None = None
    detail: str = ""

    def days_left(self, today: date) -> int | None:
        return None if self.due is None else (self.due - today).days

    def as_json(self, today: date) -> dict[str, Any]:
        return {
            "category": self.category,
            "ref": self.ref,
            "article": self.article,
            "title": self.title,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue,
            "days_left": self.days_left(today),
            "division": self.division,
            "detail": self.detail,
        }


def _notices(reg: Register, today: date, horizon: date) -> list[DueItem]:

    out = []
    index = notices.notices_by_file(reg)
    for rec in sorted(reg.of_kind("files"), key=lambda r: r.id):
        end = cl.parse_day((rec.data.get("holding") or {}).get("end"))
        if end is not None and end <= today:
            continue  # no longer held: nothing more to notify
        if notices.quiet_holds(reg, rec):
            continue  # its notices and itself as when the engine last found nothing (notify.facts.Quiet)
        if not _listable(reg, rec, index, today):
            notices.quiet_consider(reg, rec, today)
            continue  # every notice made (or made late): notice_states would say ok or late
        for st in cl.notice_states(reg, rec, today):
            if st.state in ("ok", "late"):
                continue  # made (a late notice is history: the inspection records it)
            if st.state == "pending" and st.due is not None and st.due > horizon:
                continue
            overdue = st.state in ("missing", "stale")
            out.append(
                DueItem(
                    "notice",
                    rec.key,
                    st.kind.replace("-", "(") + ")" if "-" in st.kind else st.kind,
                    f"{rec.id}「{rec.data.get('name', '')}」の{cl.kind_ja(st.kind)}の通知"
                    + ("（変更の通知）" if st.state == "stale" else ""),
                    # a change notice is due at the change, a day the register does not keep: not the
                    # first notice's day (a change listed as 980 days overdue)
                    None if st.state == "stale" else st.due,
                    overdue,
                    str(rec.data.get("division")),
                    "；".join((*st.evidence, *st.detail)),
                )
            )

    for f in obsolete_drafts(reg, today):
        division = (reg.data_of("files", f.file) or {}).get("division")
        out.append(
            DueItem(
                "notice",
                f"notifications/{f.notification}",
                f.kind.replace("-", "(") + ")" if "-" in f.kind else f.kind,
                f"文案 {f.notification}（{f.file}）は現在の登録簿に合わないため、取り下げる（notify withdraw）",
                None,
                False,
                str(division) if division else None,
                f.message,
            )
        )
    return out


# The findings of a notice whose state status lists (notice_states: missing, stale, pending).
_LISTED_CODES = frozenset({"missing", "stale", "due"})


def _listable(reg: Register, rec: Any, index: dict[str, Any], today: date) -> bool:
    """Whether any notice of the file is missing, stale or pending (the states status lists):
    its findings carry one of those codes. Most files have none, and are not described further."""
    return any(
        f.status in _LISTED_CODES
        for ks in notices.file_status(reg, rec, index)
        for f in notices.kind_findings(ks, today)
    )


PPC_TITLES = {
    "appi-74-1": "個人情報保護委員会への通知（法第74条第1項）",
    "appi-74-3": "個人情報保護委員会への通知（法第74条第3項：保有終了等）",
}


def _ppc_notices(reg: Register, today: date, horizon: date) -> list[DueItem]:
    """The ministry's own APPI 74(1)/74(3) notices to the PPC that are due or missing."""
    out = []
    for rec in sorted(reg.of_kind("files"), key=lambda r: r.id):
        if notices.held_on(rec.data, today) and notices.quiet_holds(reg, rec):
            continue
        for f in notices.ppc_findings(reg, rec, today):
            if f.status not in ("due", "missing", "stale") or (
                f.status == "due" and f.due is not None and f.due > horizon
            ):
                continue
            out.append(
                DueItem(
                    "notice",
                    rec.key,
                    notices.ARTICLE[f.kind],
                    f"{rec.id}「{rec.data.get('name', '')}」の{PPC_TITLES[f.kind]}"
                    + ("（変更の通知）" if f.status == "stale" else ""),
                    None if f.status == "stale" else f.due,
                    f.status != "due",
                    str(rec.data.get("division")),
                    f.message,
                )
            )
    return out


def _incidents(reg: Register, today: date, horizon: date) -> list[DueItem]:

    out = []
    for rec in sorted(reg.of_kind("incidents"), key=lambda r: r.id):
        if rec.data.get("state") != "open":
            continue
        for step in cl.incident_steps(rec):
            if not step.get("required") or step.get("done_on") or not step.get("due"):
                continue
            due = cl.parse_day(step["due"])
            if due is None or due > horizon:
                continue
            target = "（速報の目安）" if step.get("step") == "preliminary-report" else ""  # a target, not a time limit
            out.append(
                DueItem(
                    "incident",
                    rec.key,
                    str(step.get("article", "39")),
                    f"事案 {rec.id}: {step.get('title') or step.get('step')}{target}",
                    due,
                    due < today,
                    rec.data.get("division"),
                    str(step.get("note") or ""),
                )
            )
    return out


def _inspections(reg: Register, today: date) -> list[DueItem]:
    """Each 課等's annual inspection (Art. 41(1) 毎年度) not done or with items unanswered: this
    year's, and every earlier year's since the register's first annual inspection on record (a year
    skipped or left unfinished stays overdue after its 年度 ends, until it is done); a 課等 set up
    later (`established_on`) owes them from the year it was set up. Before the register's first
    inspection it cannot tell which were owed."""
    year = cl.inspection_year_of(today, reg.policy)
    first = year
    for key in reg.keys_of("inspections"):
        parts = key_parts(key)
        if parts is not None and not parts[2]:  # annual, not ad hoc (随時)
            first = min(first, parts[0])
    out: list[DueItem | None] = []
    for div in sorted(reg.of_kind("divisions"), key=lambda r: r.id):
        since = first
        established = parse_day(div.data.get("established_on"))
        if established is not None:
            since = max(since, cl.inspection_year_of(established, reg.policy))
            if since > year:
                continue  # set up in a later year: owes none yet
        out.extend(_inspection_due(reg, div, y, today) for y in range(min(since, year), year + 1))
    return [item for item in out if item is not None]


def _inspection_due(reg: Register, div: Any, year: int, today: date) -> DueItem | None:
    _start, end = cl.inspection_period(year, reg.policy)
    rec = reg.records.get(f"inspections/{year}/{div.id}")
    name = div.data.get("name", div.id)
    if rec is None:
        title, detail = f"{name}の{year_label(year, reg.policy)}の点検（未実施）", ""
        if end < today and not div.data.get("established_on"):
            # Owed from the register's first year because the 課等 gives no day it was set up: say
            # how a 課等 set up since then stops owing it (the item stays: a year skipped is owed).
            detail = (
                f"{year_label(year + 1, reg.policy)}以降に設置された課等なら、課等の established_on（設置日）を記録"
            )
    elif rec.data.get("pending"):
        n = len(rec.data["pending"])
        title, detail = (
            f"{name}の{year_label(year, reg.policy)}の点検（未回答 {n}項目）",
            ", ".join(rec.data["pending"][:5]),
        )
    else:
        return None
    return DueItem("inspection", f"inspections/{year}/{div.id}", "41(1)", title, end, end < today, div.id, detail)


def _contractors(reg: Register, today: date, horizon: date) -> list[DueItem]:

    out = []
    for rec in sorted(reg.of_kind("contractors"), key=lambda r: r.id):
        if not cl.contract_active(rec.data, today, today) or not outsources(rec.data):
            continue  # Art. 14(4) is 委託's: a 労働者派遣契約 owes no annual confirmation
        # The due date first: it reads the contractor alone; whether it handles A/B data reads its files.
        due, _last = cl.annual_confirmation_due(reg, rec, on=today)
        if due is None or due > horizon:
            continue
        applies, why = cl.ab_work(reg, rec, during=(today, today))
        if not applies:
            continue
        divisions = rec.data.get("divisions") or []
        out.append(
            DueItem(
                "contractor",
                rec.key,
                "14(4)",
                f"委託先 {rec.id}「{rec.data.get('name', '')}」の年次確認",
                due,
                due < today,
                divisions[0] if divisions else None,
                why,
            )
        )
    return out


def _corrective_actions(reg: Register, today: date) -> list[DueItem]:

    out = []
    for ref, f, rec in cl.open_findings(reg):
        due = cl.parse_day(f.get("due"))
        division = rec.data.get("division") if rec.kind == "inspections" else f.get("division")
        out.append(
            DueItem(
                "corrective_action",
                ref,
                str(f.get("article", "")),
                f"{f.get('action', '')}（{f.get('owner', '')}）",
                due,
                due is not None and due < today,
                division,
                str(f.get("text", "")),
            )
        )
    for rec in sorted(reg.of_kind("reviews"), key=lambda r: r.id):
        for n, m in enumerate(rec.data.get("measures") or [], 1):
            if not isinstance(m, dict) or m.get("status") != "open":
                continue
            due = cl.parse_day(m.get("due"))
            out.append(
                DueItem(
                    "corrective_action",
                    f"{rec.key}#m{n}",
                    "43(1)",
                    f"見直し: {m.get('text', '')}（{m.get('owner', '—')}）",
                    due,
                    due is not None and due < today,
                    None,
                    "",
                )
            )
    return out


def due_items(reg: Register, today: date, *, horizon_days: int = DEFAULT_HORIZON_DAYS) -> list[DueItem]:
    """Everything overdue, or due within `horizon_days`; open corrective actions and missing inspections
    (this year's and earlier ones) are always listed. Overdue first, then by due date."""
    horizon = today + timedelta(days=horizon_days)
    facts.prime(reg)  # each file's decision and notice hashes, kept by content id
    items = [
        *_notices(reg, today, horizon),
        *_ppc_notices(reg, today, horizon),
        *_incidents(reg, today, horizon),
        *_inspections(reg, today),
        *_contractors(reg, today, horizon),
        *_corrective_actions(reg, today),
    ]
    return sorted(items, key=lambda i: (not i.overdue, i.due or date.min, CATEGORIES.index(i.category), i.ref))


def summary(items: list[DueItem]) -> dict[str, Any]:
    """Counts by category, overdue and due."""
    out: dict[str, Any] = {"overdue": sum(1 for i in items if i.overdue), "due": sum(1 for i in items if not i.overdue)}
    out["by_category"] = {
        c: {
            "overdue": sum(1 for i in items if i.category == c and i.overdue),
            "due": sum(1 for i in items if i.category == c and not i.overdue),
        }
        for c in CATEGORIES
    }
    return out
