"""The Art. 41 self-inspection checklist, generated per division from what the register knows.

The catalogue (`meti_pi/data/checklist.yaml`) lists every question with its article and the
name of an applicability rule and, where the register can answer, a pre-fill rule. Here those
names become functions: APPLIES say *why* an item applies to a division (or to one of its
files, contractors or incidents), PREFILLS give an answer with its evidence. Open findings of
earlier years are carried forward as items of their own until their corrective action is closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from meti_pi import procs
from meti_pi.dates.calendar_jp import parse_day
from meti_pi.errors import MetiPiError, UsageError
from meti_pi.gcpause import paused_gc
from meti_pi.inspect.applicability import APPLIES
from meti_pi.inspect.items import (
    ANSWERS,
    CATALOGUE_PATH,
    CLASS_JA,
    CLAUSE_NAMES,
    HANDLING_RULES,
    SCOPES,
    Catalogue,
    CatalogueItem,
    Checklist,
    Item,
    Prefill,
)
from meti_pi.inspect.prefills import PREFILLS, VICE_REPORTS, _prefill
from meti_pi.inspect.queries import (
    INCIDENT_STEPS,
    JUDGEMENT_STEPS,
    VICE_POST,
    Context,
    NoticeState,
    ab_work,
    annual_confirmation_due,
    candidates,
    contract_active,
    contractor_files,
    creation_only,
    files_of_division,
    finding_ref,
    held_during,
    incident_steps,
    kind_ja,
    notice_states,
    open_findings,
    recorded_confirmations,
    required_notices,
    vice_office,
)
from meti_pi.inspect.years import (
    add_months,
    article_ja,
    inspection_period,
    inspection_year_of,
    jp_day,
    year_basis,
    year_label,
)
from meti_pi.store import refs, yamlload
from meti_pi.store.record import release_data
from meti_pi.store.register import Record, Register


def parse_catalogue(data: Any, source: str = "checklist.yaml") -> Catalogue:
    """A Catalogue from parsed YAML; MetiPiError naming the faulty item otherwise."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise MetiPiError(f"{source}: a checklist catalogue needs `version` and a list of `items`")
    items: list[CatalogueItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(data["items"]):
        where = f"{source}: items[{n}]"
        if not isinstance(raw, dict):
            raise MetiPiError(f"{where}: each item is a mapping")
        missing = [k for k in ("id", "article", "scope", "applies", "title", "question") if not raw.get(k)]
        if missing:
            raise MetiPiError(f"{where}: missing {', '.join(missing)}")
        item = CatalogueItem(
            id=str(raw["id"]),
            article=str(raw["article"]),
            scope=str(raw["scope"]),
            applies=str(raw["applies"]),
            title=str(raw["title"]),
            question=str(raw["question"]),
            prefill=str(raw["prefill"]) if raw.get("prefill") else None,
        )
        if item.id in seen:
            raise MetiPiError(f"{where}: duplicate id {item.id!r}")
        if item.scope not in SCOPES[:-1]:
            raise MetiPiError(f"{where}: scope {item.scope!r} is not one of {', '.join(SCOPES[:-1])}")
        if item.applies not in APPLIES:
            raise MetiPiError(f"{where}: unknown applicability rule {item.applies!r}")
        if APPLIES[item.applies][0] != item.scope:
            raise MetiPiError(
                f"{where}: rule {item.applies!r} is for scope {APPLIES[item.applies][0]!r}, not {item.scope!r}"
            )
        if item.prefill is not None and item.prefill not in PREFILLS:
            raise MetiPiError(f"{where}: unknown pre-fill rule {item.prefill!r}")
        seen.add(item.id)
        items.append(item)
    labels = data.get("answers")
    if not isinstance(labels, dict):
        labels = {}
    return Catalogue(
        str(data.get("version", "")),
        str(data.get("rule_version", "")),
        {str(k): str(v) for k, v in labels.items()},
        tuple(items),
    )


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """The checklist catalogue shipped with meti-pi (or another file of the same shape)."""
    try:
        data = yamlload.load(yamlload.decode(path.read_bytes()))
    except (OSError, yamlload.YamlFault) as exc:
        raise MetiPiError(f"{path}: cannot read the checklist catalogue ({exc})") from None
    return parse_catalogue(data, path.name)


def _carried_items(ctx: Context, current: list[Item]) -> list[Item]:
    """Open findings of earlier years (and audits), asked again; the register answers for them
    when this year's checklist has the same item with a pre-filled answer."""
    by_key = {i.key: i for i in current}
    items = []
    # open on the inspection's day: one closed since was open when the division was inspected
    for ref, f, rec in open_findings(ctx.reg, ctx.division, before_year=ctx.year, as_of=ctx.ref_day):
        if rec.kind == "audits":
            started = parse_day(rec.data.get("started_on"))
            if started is None or started > ctx.ref_day:  # an audit begun after the inspection: not yet there
                continue
            source = f"監査 {rec.id}（{rec.data.get('started_on')}）"
        else:
            source = f"{year_label(rec.data.get('year'), ctx.policy)}の点検"
        due = parse_day(f.get("due"))
        evidence = [f"是正措置「{f.get('action', '')}」担当 {f.get('owner', '—')}、期限 {jp_day(due)}"]
        if due is not None and due < ctx.ref_day:
            evidence.append(f"是正期限 {due.isoformat()} を経過")
        answer = None
        same = by_key.get(str(f.get("item", "")))
        if same is not None and same.prefill is not None and same.prefill.answer in ("yes", "no"):
            answer = same.prefill.answer
            evidence.append(
                ctx.said("本年度の") + f"同じ項目 {same.key} の登録情報: {answer}（{'；'.join(same.prefill.evidence)}）"
            )
        items.append(
            Item(
                key=f"carry@{ref}",
                item_id="carry",
                article=str(f.get("article", "41(1)")),
                title="指摘事項の是正状況",
                question=f"{source}の指摘事項「{f.get('text', '')}」について、是正措置は完了したか。",
                scope="finding",
                subject=ref,
                subject_label=ref,
                why=f"{source}で指摘され、是正が未完了のため（第41条第1項、第43条）",
                prefill=Prefill(answer, tuple(evidence)),
                carried={"ref": ref, **{k: f.get(k) for k in ("item", "article", "text", "action", "owner", "due")}},
            )
        )
    return items


def _subjects(ctx: Context, scope: str) -> Iterable[Record | None]:
    if scope == "division":
        return [None]
    if scope == "file":
        return ctx.files
    if scope == "contractor":
        return ctx.contractors
    return ctx.incidents


def _label(rec: Record) -> str:
    name = rec.data.get("name") or rec.data.get("summary") or ""
    return f"{rec.id}「{name}」" if name else rec.id


def division_ids(reg: Register, shown: int = 12) -> str:
    """The divisions a command can be given (the first `shown`), for a message about one that is not
    there (it said "see `meti-pi show divisions`", which is not a command that lists them)."""
    ids = sorted(reg.keys_of("divisions"))
    ids = [k.split("/", 1)[1] for k in ids]
    more = f", … ({len(ids)} in all: the files in divisions/)" if len(ids) > shown else ""
    return "divisions: " + (", ".join(ids[:shown]) + more if ids else "none yet (`meti-pi new divisions`)")


def build(reg: Register, division: str, year: int, on: date, catalogue: Catalogue | None = None) -> Checklist:
    """The checklist of `division` for inspection year `year`: applicable items, each with why and pre-fill,
    as of `on`, the day the inspection is made (today for the checklist shown, the answers' `inspected_on`
    for one recorded: Art. 41 states the division as found that day, not as found when it is recorded)."""
    data = reg.data_of("divisions", division)
    if data is None:
        raise UsageError(f"no division {division!r} in the register (divisions/{division}.yaml); {division_ids(reg)}")
    catalogue = catalogue or load_catalogue()
    start, end = inspection_period(year, reg.policy)
    ctx = Context(reg, division, year, start, end, on)
    items: list[Item] = []
    for cat in catalogue.items:
        _scope, rule = APPLIES[cat.applies]
        for subject in _subjects(ctx, cat.scope):
            why = rule(ctx, subject)
            if why is None:
                continue
            items.append(
                Item(
                    key=cat.id if subject is None else f"{cat.id}@{subject.id}",
                    item_id=cat.id,
                    article=cat.article,
                    title=cat.title,
                    question=cat.question,
                    scope=cat.scope,
                    subject=subject.key if subject is not None else None,
                    subject_label=_label(subject) if subject is not None else None,
                    why=why,
                    prefill=_prefill(ctx, cat, subject),
                )
            )
    items.extend(_carried_items(ctx, items))
    return Checklist(
        division=division,
        division_name=str(data.get("name", division)),
        manager_post=str(data.get("manager_post", "")),
        year=year,
        period=(start, end),
        basis=year_basis(reg.policy),
        catalogue_version=catalogue.version,
        items=tuple(items),
    )


# Divisions from which map_all shares the checklists among processes (Settings.parallel_min overrides, for tests).
PARALLEL_DIVISIONS_MIN = 16

# With `emit`, map_all shares the divisions among processes a part at a time (each part about
# this many files), so that only one part's results are held before they are emitted: a part
# costs a fork and a pool's start, so a part is large (a 10,000-record register is one part).
PART_FILES = 4000


def map_all(
    reg: Register,
    year: int,
    today: date,
    use: Callable[[Checklist], Any],
    progress: Callable[[int, int], None] | None = None,
    emit: Callable[[Any], None] | None = None,
) -> list[Any]:
    """`use(checklist)` for every division's checklist, in id order.

    With many divisions the checklists are built by several processes (meti_pi.procs.run_shared),
    so `use` must return plain data (str, int, list, dict, tuple, None: sent back by pickle).
    `progress(done, total)` is told how many divisions are done (the CLI's progress bar).
    With `emit`, each result goes to `emit` in id order as soon as it is ready and the list
    returned is empty: nothing is held (a large register's checklists run to hundreds of MB).

    Python's cyclic garbage collector is off meanwhile: building a checklist frees what it
    allocates by reference counting, and each collection would re-walk every record decoded so
    far (a fifth of the time at 100,000 records).
    """
    catalogue = load_catalogue()
    ids = [rec.id for rec in sorted(reg.of_kind("divisions"), key=lambda r: r.id)]
    least = reg.settings.parallel(PARALLEL_DIVISIONS_MIN)
    workers = procs.cpus() if len(ids) >= least else 1
    tell = progress or (lambda done, total: None)
    out: list[Any] = []
    put = emit or out.append
    with paused_gc():
        if workers < 2 or not ids:
            for n, d in enumerate(ids, start=1):
                put(_used(reg, d, year, today, catalogue, use))
                tell(n, len(ids))
            return out
        # The first here, before forking: the indexes every checklist shares are then built once.
        put(_used(reg, ids[0], year, today, catalogue, use))
        tell(1, len(ids))
        rest = ids[1:]
        weights = [float(len(files_of_division(reg, d))) + 1.0 for d in rest]
        done = 1
        parts = max(1, int(sum(weights) // PART_FILES)) if emit is not None else 1
        for lo, hi in _parts(weights, parts):
            tasks = [lambda d=d: _used(reg, d, year, today, catalogue, use) for d in rest[lo:hi]]
            for result in procs.run_shared(tasks, weights[lo:hi], workers):
                put(result)
            done += hi - lo
            tell(done, len(ids))
        return out


def _used(
    reg: Register, division: str, year: int, today: date, catalogue: Catalogue, use: Callable[[Checklist], Any]
) -> Any:
    """`use` of the division's checklist; then the decoded data of the records only this division
    reads (its files' ledgers and notices; every notice after the 副総括's office, whose items
    count them all) is forgotten, so a pass over every division does not hold every record's data
    (at 100,000 records: 1.08 GB -> 0.76 GB for `inspect --json` in one process)."""
    found = use(build(reg, division, year, today, catalogue))
    for f in files_of_division(reg, division):
        ledger = reg.get("ledger", f.id)
        if ledger is not None:
            release_data(ledger)
        for n in refs.referring(reg, "notifications", f"files/{f.id}"):
            release_data(n)
    if division == vice_office(reg):
        for n in reg.of_kind("notifications"):
            release_data(n)
    return found


def _parts(weights: list[float], parts: int) -> list[tuple[int, int]]:
    """[lo, hi) ranges cutting `weights` into about `parts` consecutive runs of equal weight."""
    out: list[tuple[int, int]] = []
    share = sum(weights) / max(parts, 1)
    lo, acc = 0, 0.0
    for i, w in enumerate(weights):
        acc += w
        if acc >= share and len(out) < parts - 1:
            out.append((lo, i + 1))
            lo, acc = i + 1, 0.0
    if lo < len(weights):
        out.append((lo, len(weights)))
    return out


# The public names, including those now defined in items, years, queries, applicability and prefills:
# callers keep using `checklist.<name>` (issue 17 split the module along its seams).
__all__ = [
    'ANSWERS',
    'APPLIES',
    'CATALOGUE_PATH',
    'CLASS_JA',
    'CLAUSE_NAMES',
    'HANDLING_RULES',
    'INCIDENT_STEPS',
    'JUDGEMENT_STEPS',
    'PARALLEL_DIVISIONS_MIN',
    'PREFILLS',
    'SCOPES',
    'VICE_POST',
    'VICE_REPORTS',
    'Catalogue',
    'CatalogueItem',
    'Checklist',
    'Context',
    'Item',
    'NoticeState',
    'Prefill',
    'ab_work',
    'add_months',
    'annual_confirmation_due',
    'article_ja',
    'build',
    'candidates',
    'contract_active',
    'contractor_files',
    'creation_only',
    'files_of_division',
    'finding_ref',
    'held_during',
    'incident_steps',
    'inspection_period',
    'inspection_year_of',
    'jp_day',
    'kind_ja',
    'load_catalogue',
    'map_all',
    'notice_states',
    'open_findings',
    'parse_catalogue',
    'parse_day',
    'recorded_confirmations',
    'required_notices',
    'vice_office',
    'year_basis',
    'year_label',
]
