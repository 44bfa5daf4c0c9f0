"""Register facts the checklist, validate and status share: the Context a division's rules read, files and
contractors of a division, required notices and where they stand, incident steps, open findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meti_pi.classify.decision import count_floors
from meti_pi.classify.profile import my_number_held
from meti_pi.dates.calendar_jp import parse_day
from meti_pi.incident import incidents
from meti_pi.inspect.items import CLASS_JA
from meti_pi.inspect.lazyread import read_ahead
from meti_pi.inspect.years import jp_day, period_end, worded, year_basis
from meti_pi.notify import notices
from meti_pi.store import beppyo, refs
from meti_pi.store.register import Record, Register


@dataclass
class Context:
    """What the rules of one division's checklist look at, computed once."""

    reg: Register
    division: str
    year: int
    start: date
    end: date
    on: date  # the day the inspection is made: today for the checklist shown, `inspected_on` for one recorded
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def ref_day(self) -> date:
        """The day facts are judged at: the inspection's day (Art. 41: the division as found that day), or
        the year's last day for a past year."""
        return min(self.on, self.end)

    @property
    def policy(self) -> dict[str, Any]:
        if "policy" not in self._cache:
            self._cache["policy"] = self.reg.policy
        return self._cache["policy"]  # type: ignore[no-any-return]

    def said(self, text: str) -> str:
        """`text`, written of a 年度 (当年度, 前年度), as said of the policy's inspection year
        (本年, 前年 under `inspection_year: calendar`): years.worded."""
        return worded(text, year_basis(self.policy))

    @property
    def division_data(self) -> dict[str, Any]:
        return self.reg.data_of("divisions", self.division) or {}

    def in_year(self, value: Any) -> bool:
        day = parse_day(value)
        return day is not None and self.start <= day <= self.end

    def done_by(self, value: Any) -> bool:
        """`value` is a day of the year not after the day facts are judged at: an act (a training, a
        台帳 event, a review) dated after the inspection was not done when the division was inspected."""
        day = parse_day(value)
        return day is not None and self.start <= day <= self.ref_day

    @property
    def files(self) -> list[Record]:
        """The division's files held at some time during the year."""
        if "files" not in self._cache:
            self._cache["files"] = [
                r for r in files_of_division(self.reg, self.division) if held_during(r.data, self.start, self.end)
            ]
            read_ahead(self.reg, self._cache["files"])  # their ledgers and notices, together
        return self._cache["files"]  # type: ignore[no-any-return]

    @property
    def contractors(self) -> list[Record]:
        """Contractors working for the division (listed under it or handling one of its files) during the year."""
        if "contractors" not in self._cache:
            file_ids = {f.id for f in self.files}
            linked = {c for f in self.files for c in f.data.get("contractors", []) if isinstance(c, str)}
            found = []
            # Only the contractors the references say may be the division's (not a scan per
            # division: O(divisions x contractors)); the test below is the whole rule.
            for rec in _named_contractors(self.reg, self.division, file_ids, linked):
                d = rec.data
                mine = (
                    self.division in d.get("divisions", [])
                    or rec.id in linked
                    or bool(file_ids & set(d.get("files", [])))
                )
                if mine and contract_active(d, self.start, self.end):
                    found.append(rec)
            self._cache["contractors"] = found
        return self._cache["contractors"]  # type: ignore[no-any-return]

    @property
    def incidents(self) -> list[Record]:
        """The division's incidents open at some time during the year up to the day facts are judged at
        (open_during): one known after the inspection was not there to inspect."""
        if "incidents" not in self._cache:
            own_files = {r.id for r in files_of_division(self.reg, self.division)}
            found = []
            for rec in candidates(self.reg, "incidents", {"division": [self.division], "files[]": own_files}):
                d = rec.data
                mine = d.get("division") == self.division or bool(own_files & set(d.get("files", [])))
                if mine and open_during(d, self.start, self.ref_day):
                    found.append(rec)
            self._cache["incidents"] = found
        return self._cache["incidents"]  # type: ignore[no-any-return]

    @property
    def systems(self) -> tuple[list[str], list[str]]:
        """Ids of the systems of which the division is 甲, and of which it is 乙 (別表)."""
        if "systems" not in self._cache:
            self._cache["systems"] = beppyo.systems_where(self.reg, self.division)
        return self._cache["systems"]  # type: ignore[no-any-return]


def _named_contractors(reg: Register, division: str, file_ids: set[str], linked: set[str]) -> list[Record]:
    """The contractors (in `of_kind` order) that list `division` or one of `file_ids` or whose id is
    in `linked`: from the references (meti_pi.store.refs, kept in the read cache), so only these
    contractors are decoded. The records `of_kind` gives passed their schema: `divisions` and
    `files` are lists of ids, which the references hold exactly."""
    found = {r.key: r for r in refs.referring(reg, "contractors", f"divisions/{division}")}
    for fid in file_ids:
        found.update((r.key, r) for r in refs.referring(reg, "contractors", f"files/{fid}"))
    for cid in linked:
        key = f"contractors/{cid}"
        rec = reg.records.get(key)
        if rec is not None and rec.relpath not in reg.unchecked:  # one of of_kind's, without reading the others
            found[key] = rec
    # of_kind's order is its files' (a register is read in relpath order): no contractor need be read for it
    return sorted(found.values(), key=lambda r: r.relpath)


def held_during(file_data: dict[str, Any], start: date, end: date) -> bool:
    """The file was held at some time between `start` and `end`."""
    holding = file_data.get("holding") or {}
    first = parse_day(holding.get("start"))
    last = parse_day(holding.get("end"))
    return first is not None and first <= end and (last is None or last >= start)


def open_during(incident: dict[str, Any], start: date, end: date) -> bool:
    """The incident was open at some time between `start` and `end`: known by `end`, and still open or
    closed on or after `start` (one known last year and closed this year was handled this year, Arts.
    39/40: this year's Art. 41 inspection asks about it). A closed incident without `closed_on` is
    closed on its `closed` event's day; without either, it is taken in the year it was known only
    (not as open in every later year)."""
    known = parse_day(incident.get("known_on"))
    if known is None or known > end:
        return False
    if incident.get("state") == "open" or known >= start:
        return True
    closed = parse_day(incident.get("closed_on"))
    if closed is None:
        events = incident.get("events")
        days = [parse_day(e.get("on")) for e in events or () if isinstance(e, dict) and e.get("event") == "closed"]
        closed = max((d for d in days if d is not None), default=None)
    return closed is not None and closed >= start


def contract_active(contractor: dict[str, Any], start: date, end: date) -> bool:
    """The contract ran at some time between `start` and `end`."""
    contract = contractor.get("contract") or {}
    first = parse_day(contract.get("start"))
    last = parse_day(contract.get("end"))
    return (first is None or first <= end) and (last is None or last >= start)


VICE_POST = "大臣官房個人情報保護室長"  # rule Art. 5(2), when roles/ does not say


def vice_office(reg: Register) -> str | None:
    """The id of the 副総括's own office: the division whose head holds the 副総括's post (roles, Art. 5(2))."""
    return reg.derived("vice_office", _find_vice_office)  # type: ignore[no-any-return]  # once, not once per division


def _find_vice_office(reg: Register) -> str | None:
    post = next(
        (
            str(r.data.get("post"))
            for r in reg.of_kind("roles")
            if r.data.get("role") == "fuku_sokatsu" and r.data.get("post")
        ),
        VICE_POST,
    )
    return next(
        (d.id for d in sorted(reg.of_kind("divisions"), key=lambda r: r.id) if d.data.get("manager_post") == post), None
    )


def contractor_files(reg: Register, rec: Record) -> list[Record]:
    """Files a contractor handles: those it lists and those listing it."""
    ids = {f for f in rec.data.get("files", []) if isinstance(f, str)}
    out = [reg.get("files", fid) for fid in sorted(ids)]
    found = [r for r in out if r is not None]
    # From the references (kept in the read cache): no file is decoded but the contractor's own.
    found += [f for f in refs.referring(reg, "files", f"contractors/{rec.id}") if f.id not in ids]
    return found


def candidates(reg: Register, kind: str, wanted: dict[str, Iterable[Any]], ids: Iterable[str] = ()) -> list[Record]:
    """The records of `kind`, in `of_kind` order, whose field holds one of the `wanted` values, or
    whose id is in `ids`, plus every record whose field is not of the expected shape (the caller's
    own test decides those). A field named `name[]` is a list of texts (`value in field`), any other
    a text (`field == value`). A superset of the records a caller's test over those fields can
    accept: the caller still applies its test, so results are the same as a scan of every record,
    at the cost of an index built once per register (issue 18)."""
    index = reg.derived(
        f"index:{kind}:{','.join(sorted(wanted))}", lambda r: _field_index(r, kind, tuple(sorted(wanted)))
    )
    records, by_field, by_id, odd = index
    found: set[int] = set(odd)
    for name, values in wanted.items():
        table = by_field[name]
        for value in values:
            found.update(table.get(value, ()))
    for rid in ids:
        found.update(by_id.get(rid, ()))
    return [records[i] for i in sorted(found)]


def _field_index(
    reg: Register, kind: str, names: tuple[str, ...]
) -> tuple[list[Record], dict[str, dict[Any, list[int]]], dict[str, list[int]], list[int]]:
    records = list(reg.of_kind(kind))
    by_field: dict[str, dict[Any, list[int]]] = {name: {} for name in names}
    by_id: dict[str, list[int]] = {}
    odd: list[int] = []
    for i, rec in enumerate(records):
        by_id.setdefault(rec.id, []).append(i)
        data = rec.data
        if not isinstance(data, dict):
            odd.append(i)
            continue
        for name in names:
            if name.endswith("[]"):  # a list of texts; absent: no value
                value = data.get(name[:-2], [])
                plain = isinstance(value, list) and all(isinstance(v, str) for v in value)
                values = value if plain else []
            else:  # a text; absent: None
                value = data.get(name)
                plain = value is None or isinstance(value, (str, int))
                values = [value]
            if not plain:
                odd.append(i)  # of another shape (`in` on a text is a substring test...): the caller's test decides
                continue
            for v in values:
                by_field[name].setdefault(v, []).append(i)
    return records, by_field, by_id, odd


def files_of_division(reg: Register, division: str | None) -> list[Record]:
    """The files a division owns (an index built once per register, not a scan per division)."""
    if isinstance(division, str):  # from the references (kept in the read cache): only its files are decoded
        return [f for f in refs.referring(reg, "files", f"divisions/{division}") if f.data.get("division") == division]
    return reg.derived("files_by_division", _files_by_division).get(division, [])  # type: ignore[no-any-return]


def _files_by_division(reg: Register) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for f in reg.of_kind("files"):
        out.setdefault(f.data.get("division"), []).append(f)
    return out


def ab_work(reg: Register, rec: Record, division: str | None = None, *, during: tuple[date, date]) -> tuple[bool, str]:
    """Whether a contractor's work needs the Art. 14(4) annual confirmation, and why: 「管理Ａ又は管理Ｂ
    として管理する保有個人情報等の取扱いに係る業務又は行政機関等匿名加工情報の作成に係る業務」.

    Unclassified files count as possibly A/B (the annual check is then asked, not skipped). The
    second limb, whatever the class: a file the contractor handles from which 行政機関等匿名加工情報
    was made (`anonymized_info.created`); the register does not say who did the making, so such a
    contractor is asked too (see `creation_only`). A contractor that lists no file is judged by its
    delegating divisions' files. Only the files held at some time `during` (first and last day) count
    (a 管理A file disposed of is no A/B work left to confirm).
    """
    basis, ab, anon, held = _annual_check_grounds(reg, rec, division, during)
    parts = [f"{basis}に管理A・B又は未決定のものを含む: {', '.join(ab)}"] if ab else []
    if anon:
        parts.append(
            f"{basis}に行政機関等匿名加工情報を作成したファイルを含む（その作成に係る業務の委託は管理区分を問わない）: "
            + ", ".join(anon)
        )
    if parts:
        return True, "；".join(parts)
    if not held:  # every file listed disposed of (or none listed): none is 管理C either
        return False, f"{basis}にその期間に保有したものがない"
    return False, f"{basis}は管理Cのみ"


def creation_only(reg: Register, rec: Record, division: str | None = None, *, during: tuple[date, date]) -> bool:
    """Art. 14(4) applies to the contractor only by its second limb (行政機関等匿名加工情報 made from a
    管理C file it handles): whether the work delegated is that making is the 管理者's to confirm."""
    _basis, ab, anon, _held = _annual_check_grounds(reg, rec, division, during)
    return bool(anon) and not ab


def _annual_check_grounds(
    reg: Register, rec: Record, division: str | None, during: tuple[date, date]
) -> tuple[str, list[str], list[str], bool]:
    """(basis, its 管理A/B or unclassified files, those 行政機関等匿名加工情報 was made from, whether it
    holds any file `during`)."""
    files = contractor_files(reg, rec)
    basis = "取扱ファイル"
    if not files:
        divisions = [division] if division else [d for d in rec.data.get("divisions", []) if isinstance(d, str)]
        files = [f for d in divisions for f in files_of_division(reg, d)]
        basis = "委託先の取扱ファイルが未登録のため委託元課等の保有ファイル"
    files = [f for f in files if held_during(f.data, *during)]
    ab = [
        f.id + f"（{CLASS_JA[f.data['management_class']]}）"
        for f in files
        if f.data.get("management_class") in ("A", "B")
    ]
    ab += [f.id + "（管理区分未決定）" for f in files if not f.data.get("management_class")]
    anon = [f.id for f in files if (f.data.get("anonymized_info") or {}).get("created") is True]
    return basis, ab, anon, bool(files)


def subcontractors(reg: Register, cid: str) -> list[str]:
    """The ids of the 再委託先 of contractor `cid` (those whose `parent` is it), in `of_kind` order:
    from the references (`parent` names a contractor), so no other contractor is decoded."""
    return [c.id for c in refs.referring(reg, "contractors", f"contractors/{cid}") if c.data.get("parent") == cid]


def required_notices(reg: Register, file_data: dict[str, Any]) -> dict[str, str]:
    """The Art. 35/36 notices a file needs: kind -> why (DERIVED from legal brief §8, §9.5–9.6).

    35(1): a computer 個人情報ファイル not excluded by APPI 74(2)(1)-(11); 35(2): 管理A/B data not
    excluded by 74(2)(1)-(9),(11) nor notified under (1); 35(3): 個人番号; 36: 行政機関等匿名加工情報
    created. A principal count below the filebook threshold is treated as 74(2)(9), a manual
    file as 74(2)(11). Used for the "why" text, and as the FALLBACK list of required notices
    while meti_pi.notify.notices cannot run (see notice_states).
    """
    _, threshold = count_floors(reg.policy)
    claimed = {str(e.get("item")) for e in file_data.get("exclusions", []) if isinstance(e, dict)}
    count = (file_data.get("principals") or {}).get("count")
    small = isinstance(count, int) and not isinstance(count, bool) and count < threshold
    excl_74 = {c for c in claimed if c.startswith("74-2-")}
    out: dict[str, str] = {}
    kind = file_data.get("file_kind")
    if kind == "computer" and not excl_74 and not small:
        out["35-1"] = "電算処理の個人情報ファイル（個人情報保護法第74条第2項の除外なし）"
    cls = file_data.get("management_class")
    blocked_35_2 = {f"74-2-{n}" for n in (*range(1, 10), 11)} & excl_74
    if cls in ("A", "B") and "35-1" not in out and not blocked_35_2 and not small and kind != "manual":
        out["35-2"] = f"{CLASS_JA[cls]}の保有個人情報（第35条第1項の通知対象外）"
    if my_number_held(file_data.get("characteristics")) is True:
        out["35-3"] = "個人番号・特定個人情報を保有"
    if (file_data.get("anonymized_info") or {}).get("created") is True:
        out["36"] = "行政機関等匿名加工情報等を作成"
    return out


@dataclass(frozen=True, slots=True)
class NoticeState:
    """Where one required notice of one file stands at a given day."""

    file: str
    kind: str
    state: str  # ok | late | missing | stale (a change notice is owed) | pending (not yet due)
    due: date | None
    submitted_on: date | None
    evidence: tuple[str, ...]  # in Japanese: what an inspection record and its report say
    detail: tuple[
        str, ...
    ] = ()  # the notices engine's findings, for the terminal (`status`): English, with the command to run


def kind_ja(kind: str) -> str:
    art, _, para = kind.partition("-")
    return f"第{art}条第{para}項" if para else f"第{art}条"


def notice_states(
    reg: Register, file_rec: Record, day: date, index: dict[str, list[Record]] | None = None
) -> list[NoticeState]:
    """Each Art. 35/36 notice a file requires and whether it was made on time and is current.

    `index`: the live notices by file id, as `notices.notices_by_file` (the default) or
    `notify.recorded.notices_of_files` gives them (holding this file's at least).

    Uses `meti_pi.notify.notices` (the one engine behind `notify --check`); falls back to the
    local reading below only while that engine cannot run (its classification module absent).
    """
    statuses = notices.file_status(reg, file_rec, index)
    out = []
    for ks in statuses:
        findings = notices.kind_findings(ks, day)
        codes = {f.status for f in findings}
        first = ks.first_made
        submitted = parse_day(first.data.get("submitted_on")) if first is not None else None
        due = ks.requirement.due
        state = next(
            (
                s
                for s, hit in (
                    ("missing", "missing" in codes),
                    # a change notice owed outranks a first notice made late: the one is still to do
                    ("stale", "stale" in codes),
                    ("late", bool(codes & {"late", "late_explained"})),
                    ("pending", "due" in codes),
                )
                if hit
            ),
            "ok",
        )
        name, made = kind_ja(ks.kind), f"通知 {first.id} を {jp_day(submitted)} に提出" if first is not None else ""
        lead = {
            "missing": f"{name}の通知の記録がない（期限 {jp_day(due)}）",
            "late": f"{name}の{made}：期限 {jp_day(due)} 後の提出",
            "stale": f"{name}の{made}後に通知事項が変わったが、変更の通知がない",
            "pending": f"{name}の通知は未了（期限 {jp_day(due)}）",
        }.get(state, f"{name}の{made}（期限 {jp_day(due)}）")
        drafts = [n.id for n in ks.notices if n.data.get("state") == "drafted"]
        unsent = (f"通知案 {'、'.join(drafts)} は未提出",) if drafts and state != "ok" else ()
        detail = tuple(f.message for f in findings)
        out.append(NoticeState(file_rec.id, ks.kind, state, due, submitted, (lead, *unsent), detail))
    return out


def recorded_confirmations(data: dict[str, Any]) -> Iterator[tuple[tuple[object, ...], dict[str, Any]]]:
    """A contractor's recorded confirmations with their key paths: the Art. 14(3) written one, then
    each Art. 14(4) annual one (validate's days and the due date below read them alike)."""
    post = data.get("post_contract_confirmation")
    if isinstance(post, dict):
        yield ("post_contract_confirmation",), post
    for i, c in enumerate(data.get("annual_confirmations") or []):
        if isinstance(c, dict):
            yield ("annual_confirmations", i), c


def annual_confirmation_due(reg: Register, rec: Record, *, on: date) -> tuple[date | None, dict[str, Any] | None]:
    """Art. 14(4): (due date of the next confirmation, the last confirmation) for a contractor, as
    of the day `on`.

    Due = the end of the period of policy `contractors.annual_check_months` (12: 年1回以上) from the
    last confirmation (the Art. 14(3) one counts; the contract start when there is none), counted
    as 民法 140/143 count it (years.period_end: a check on 2023-02-28 is due by 2024-02-29). A confirmation dated after `on`
    has not taken place yet: it does not count (one dated next year made a missed check look done).
    None when that day falls after the contract's end: the duty lasts as long as the 委託, and a
    contract ending first owes no further check (the self-inspection answered 否 for it).
    """
    months = int(reg.policy["contractors"]["annual_check_months"])

    def done(day: Any) -> bool:
        parsed = parse_day(day)
        return parsed is not None and parsed <= on

    annual, post = [], []
    for path, c in recorded_confirmations(rec.data):
        if not done(c.get("date")):
            continue
        if path[0] == "annual_confirmations":
            annual.append(c)
        else:  # The Art. 14(3) written confirmation covers the same 管理体制・実施体制 (as validate counts it).
            post.append({"date": c["date"], "method": "document", "ref": c.get("ref"), "post_contract": True})
    last = max([*annual, *post], key=lambda c: str(c["date"]), default=None)
    contract = rec.data.get("contract") or {}
    base = parse_day(last["date"]) if last else parse_day(contract.get("start"))
    due = period_end(base, months) if base else None
    end = parse_day(contract.get("end"))
    return (None if due is not None and end is not None and due > end else due), last


# Checklist item -> the steps of the incident reporting chain it asks about (meti_pi.incident.incidents).
INCIDENT_STEPS: dict[str, tuple[str, ...]] = {
    "39-1": ("report-to-manager",),
    "39-2": ("report-to-vice", "containment"),
    # 39(3) is the 管理者's investigation report; the PPC reports are the 副総括's (39(5)/(6): VICE_REPORTS)
    "39-3": ("investigation-report",),
    "39-4": ("publication", "principal-notice"),
    "40-1": ("cause-and-measures",),
    "40-2": ("measures-publication",),
}


# Steps whose requirement is the 管理者's decision, with the fact that records it.
JUDGEMENT_STEPS: dict[str, str] = {"publication": "publish", "measures-publication": "publish_measures"}


def incident_steps(rec: Record) -> list[dict[str, Any]]:
    """The incident's reporting chain: step, article, title, required, due, done_on.

    From `meti_pi.incident.incidents.chain`; FALLBACK for a record it cannot compute: the PPC
    deadlines in `assessment.deadlines`, done when an event names them.
    """
    try:
        return incidents.chain(rec.data)
    except (KeyError, TypeError, ValueError):
        pass
    deadlines = (rec.data.get("assessment") or {}).get("deadlines") or {}
    events = [e for e in rec.data.get("events") or [] if isinstance(e, dict)]
    out = []
    for name, value in deadlines.items() if isinstance(deadlines, dict) else ():
        step = str(name).replace("_", "-")
        done = min((str(e.get("on")) for e in events if e.get("event") == step), default=None)
        out.append({"step": step, "article": "39(5)", "title": step, "required": True, "due": value, "done_on": done})
    return out


def finding_ref(record_key: str, finding_id: Any) -> str:
    """The stable reference of a finding: 'inspections/2025/div#1', 'audits/AUD-...#2'."""
    return f"{record_key}#{finding_id}"


def open_findings(
    reg: Register, division: str | None = None, *, before_year: int | None = None, as_of: date | None = None
) -> list[tuple[str, dict[str, Any], Record]]:
    """Open findings (inspections and audits) as (ref, finding, record), oldest first.

    With `division`: only findings about that division; with `before_year`: only inspection
    findings of earlier years (audits count when they started before that year's end); with
    `as_of`: the findings open on that day, one closed after it included (an inspection made that
    day found it open, however long after it is recorded: Art. 41).
    """

    def still_open(f: Any) -> bool:
        if not isinstance(f, dict):
            return False
        if f.get("status", "open") == "open":
            return True
        closed = parse_day(f.get("closed_on"))
        return as_of is not None and closed is not None and closed > as_of

    out = []
    # One division's inspections from the references (an inspection names its 課等): the others are not decoded.
    inspections = (
        reg.of_kind("inspections") if division is None else refs.referring(reg, "inspections", f"divisions/{division}")
    )
    for rec in inspections:
        d = rec.data
        if division is not None and d.get("division") != division:
            continue
        if before_year is not None and not (isinstance(d.get("year"), int) and d["year"] < before_year):
            continue
        for f in d.get("findings", []):
            if still_open(f):
                out.append((finding_ref(rec.key, f.get("id")), f, rec))
    # The audits' open findings by division, found once (not a scan of every audit per division).
    by_division: dict[Any, list[tuple[str, dict[str, Any], Record]]] = reg.derived(
        "open_audit_findings", _open_audit_findings
    )
    out.extend(by_division.get(None, []) if division is None else by_division.get(("division", division), []))
    if as_of is not None:  # the audits' findings closed since (few: found once per register, as the open ones)
        closed: dict[Any, list[tuple[str, dict[str, Any], Record]]] = reg.derived(
            "closed_audit_findings", _closed_audit_findings
        )
        out.extend(
            t
            for t in (closed.get(None, []) if division is None else closed.get(("division", division), []))
            if still_open(t[1])
        )
    return sorted(out, key=lambda t: (str(t[2].data.get("year", "")), t[0]))


def _open_audit_findings(reg: Register) -> dict[Any, list[tuple[str, dict[str, Any], Record]]]:
    """Open findings of audits as (ref, finding, record), in register order: every one under None,
    those naming a division (a text) under ("division", id) as well."""
    return _audit_findings(reg, open_=True)


def _closed_audit_findings(reg: Register) -> dict[Any, list[tuple[str, dict[str, Any], Record]]]:
    """Closed findings of audits, as _open_audit_findings gives the open ones."""
    return _audit_findings(reg, open_=False)


def _audit_findings(reg: Register, *, open_: bool) -> dict[Any, list[tuple[str, dict[str, Any], Record]]]:
    out: dict[Any, list[tuple[str, dict[str, Any], Record]]] = {None: []}
    for rec in reg.of_kind("audits"):
        for f in rec.data.get("findings", []):
            if not isinstance(f, dict) or (f.get("status", "open") == "open") != open_:
                continue
            found = (finding_ref(rec.key, f.get("id")), f, rec)
            out[None].append(found)
            if isinstance(f.get("division"), str):
                out.setdefault(("division", f["division"]), []).append(found)
    return out
