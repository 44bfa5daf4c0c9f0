"""Art. 41 inspections: record ids, and the answers a division gives (parsed and checked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meti_pi.classify.screening import check_text
from meti_pi.errors import UsageError
from meti_pi.inspect.checklist import (
    parse_day,
)
from meti_pi.store.limits import date_fault

DEFAULT_ACTION_DAYS = 90  # corrective action due this many days after the inspection (policy may override)
ANSWER_ALIASES = {
    "yes": "yes",
    "y": "yes",
    "適": "yes",
    "no": "no",
    "n": "no",
    "否": "no",
    "na": "na",
    "n/a": "na",
    "該当なし": "na",
}


def action_days(policy: dict[str, Any]) -> int:
    """Days allowed for a corrective action by default (policy `inspection.corrective_action_days`)."""
    value = (
        (policy.get("inspection") or {}).get("corrective_action_days")
        if isinstance(policy.get("inspection"), dict)
        else None
    )
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_ACTION_DAYS


AD_HOC_MARK = ".adhoc-"  # an ad-hoc (随時) inspection's id: <division>.adhoc-<YYYY-MM-DD>


def record_id(division: str, ad_hoc_on: date | None = None) -> str:
    """The record id: the division for the annual inspection; `<division>.adhoc-<date>` for an
    ad-hoc (随時, Art. 41(1) 「必要に応じ随時」) one, so a year holds one annual and any number of ad-hoc."""
    return division if ad_hoc_on is None else f"{division}{AD_HOC_MARK}{ad_hoc_on.isoformat()}"


def inspection_key(year: int, division: str, ad_hoc_on: date | None = None) -> str:
    return f"inspections/{year}/{record_id(division, ad_hoc_on)}"


def key_parts(key: str) -> tuple[int, str, bool] | None:
    """An inspection's register key read back: (year, division, ad hoc); None for a key not of that
    form (`inspections/<year>/<division>[.adhoc-<date>]`)."""
    kind, _, rest = key.partition("/")
    year, _, name = rest.partition("/")
    if kind != "inspections" or not year.isdigit() or not name:
        return None
    division, mark, _ = name.partition(AD_HOC_MARK)
    return int(year), division, bool(mark)


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """One answer as given (file or prompt)."""

    answer: str
    note: str | None = None
    action: str | None = None
    owner: str | None = None
    due: date | None = None
    escalate: bool = False


@dataclass
class AnswerSet:
    """An answers file: header fields and answers by checklist key."""

    division: str | None = None
    inspected_on: date | None = None
    inspector_post: str | None = None
    reported_on: date | None = None
    ad_hoc: bool = False  # an ad-hoc (随時) inspection, recorded apart from the annual one
    answers: dict[str, AnswerInput] = field(default_factory=dict)


def normalize_answer(value: Any, where: str) -> str:
    """'yes' | 'no' | 'na' from what a person may write (true/false, 適/否/該当なし too)."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str) and value.strip().lower() in ANSWER_ALIASES:
        return ANSWER_ALIASES[value.strip().lower()]
    raise UsageError(f"{where}: answer {value!r} is not one of yes, no, na (適, 否, 該当なし)")


def _date_field(value: Any, where: str) -> date | None:
    if value is None:
        return None
    day = parse_day(value)
    if day is None:
        # 2026-02-30 is in the shape asked for: the calendar lacks the day (limits.date_fault says so)
        raise UsageError(
            f"{where}: {date_fault(value) if isinstance(value, str) else f'{value!r} is not a date; use YYYY-MM-DD'}"
        )
    return day


def _text_field(value: Any, where: str, *, screened: bool = False) -> str | None:
    """The text of a field; `screened`: a free text the record keeps, refused here, at `where` in
    the answers file, when it looks like personal data (the record's own screening names the record)."""
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise UsageError(f"{where}: expected text")
    text = str(value).strip()
    if screened and text:
        check_text(where, text, "refuse", "A register record must not hold personal data")
    return text or None


def parse_answer_set(doc: Any, source: str) -> AnswerSet:
    """Read an answers document (`answers:` as a mapping key -> answer, or a list of {item, answer});
    UsageError (exit 2) naming the faulty entry otherwise."""
    if not isinstance(doc, dict):
        raise UsageError(f"{source}: expected a mapping with `answers:`")
    unknown = sorted(
        map(str, set(doc) - {"division", "inspected_on", "inspector_post", "reported_on", "ad_hoc", "answers"})
    )
    if unknown:
        # The first unknown key leads the message, so that the CLI names its line (located_errors).
        raise UsageError(
            f"{source}: {unknown[0]}: unknown key(s) {', '.join(unknown)}; allowed: division, inspected_on, inspector_post, reported_on, ad_hoc, answers"
        )
    if not isinstance(doc.get("ad_hoc", False), bool):
        raise UsageError(f"{source}: ad_hoc: expected true (an ad-hoc 随時 inspection) or false")
    out = AnswerSet(
        division=_text_field(doc.get("division"), f"{source}: division"),
        inspected_on=_date_field(doc.get("inspected_on"), f"{source}: inspected_on"),
        inspector_post=_text_field(doc.get("inspector_post"), f"{source}: inspector_post", screened=True),
        reported_on=_date_field(doc.get("reported_on"), f"{source}: reported_on"),
        ad_hoc=bool(doc.get("ad_hoc", False)),
    )
    raw = doc.get("answers") or {}
    if isinstance(raw, list):
        pairs = []
        for n, entry in enumerate(raw):
            if not isinstance(entry, dict) or "item" not in entry:
                raise UsageError(f"{source}: answers[{n}]: expected a mapping with `item` and `answer`")
            pairs.append((str(entry["item"]), {k: v for k, v in entry.items() if k != "item"}))
    elif isinstance(raw, dict):
        pairs = [(str(k), v) for k, v in raw.items()]
    else:
        # led by the key, so that the CLI names its line (located_errors), not the document's first
        raise UsageError(f"{source}: answers: expected a mapping (item: answer) or a list of {{item, answer}}")
    for key, value in pairs:
        where = f"{source}: answers.{key}"
        if key in out.answers:
            raise UsageError(f"{where}: answered twice")
        if not isinstance(value, dict):
            out.answers[key] = AnswerInput(normalize_answer(value, where))
            continue
        extra = set(value) - {"answer", "note", "action", "owner", "due", "escalate"}
        if extra:
            raise UsageError(
                f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}; allowed: answer, note, action, owner, due, escalate"
            )
        if "answer" not in value:
            raise UsageError(f"{where}: missing `answer`")
        escalate = value.get("escalate", False)
        if not isinstance(escalate, bool):
            raise UsageError(f"{where}.escalate: expected true or false")
        out.answers[key] = AnswerInput(
            answer=normalize_answer(value["answer"], where),
            note=_text_field(value.get("note"), where + ".note", screened=True),
            action=_text_field(value.get("action"), where + ".action", screened=True),
            owner=_text_field(value.get("owner"), where + ".owner", screened=True),
            due=_date_field(value.get("due"), where + ".due"),
            escalate=escalate,
        )
    return out
