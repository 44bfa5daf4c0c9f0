"""`classify` end to end: a scan or a profile plus the 管理者's judgements -> an Outcome, its JSON, and the
edit it makes to a file's record (`classify --record`); the Japanese rationale of a decision."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from meti_pi.classify.decision import POLICY_LINE, count_floors, decide
from meti_pi.classify.profile import (
    _LAW,
    CLASS_RANK,
    DEFAULT_MIN_PRINCIPALS,
    FINANCIAL_ITEMS,
    FULLWIDTH_CLASS,
    SENSITIVE_ENUM,
    Decision,
    Profile,
    Reason,
    _mapping,
    _unique,
    profile_from_record,
)
from meti_pi.classify.text import VERIFY_BELOW
from meti_pi.dates.wareki import fullwidth
from meti_pi.errors import RuleViolation, UsageError
from meti_pi.store.policy import LEGAL_THRESHOLDS

if TYPE_CHECKING:
    from meti_pi.classify.detect import ScanResult


@dataclass(frozen=True)
class Judgements:
    """What no scan can tell: the 管理者's judgements (None: not given, keep the default)."""

    confidential: bool | None = None
    file_kind: str | None = None
    exclusions: tuple[str, ...] = ()
    processing: str | None = None
    anonymized_info_created: bool | None = None
    decided_class: str | None = None  # --class: the 管理者's decision (Art. 16(1))
    class_rationale: str | None = None  # --rationale: why, in the 管理者's words

    def over(self, base: Profile) -> Profile:
        """`base` with every judgement that was given put over it."""
        return replace(
            base,
            decided_class=base.decided_class if self.decided_class is None else self.decided_class,
            confidential=base.confidential if self.confidential is None else self.confidential,
            file_kind=base.file_kind if self.file_kind is None else self.file_kind,
            exclusions=tuple(_unique((*base.exclusions, *self.exclusions))),
            processing=base.processing if self.processing is None else self.processing,
            anonymized_info_created=(
                base.anonymized_info_created if self.anonymized_info_created is None else self.anonymized_info_created
            ),
        )


def profile_from_scan(result: ScanResult) -> Profile:
    """The profile a scan supports (judgements left at their defaults)."""
    codes = result.identification_codes
    return Profile(
        principals=result.principals,
        sensitive=bool(result.sensitive_categories),
        sensitive_categories=result.sensitive_categories,
        my_number="my_number" in codes,
        identification_codes=codes,
        biometric="biometric" in codes,
        financial_items=tuple(dict.fromkeys(d.kind for d in result.confirmed() if d.category == "financial")),
    )


def scan_reasons(result: ScanResult, policy: Mapping[str, Any] | None = None) -> list[Reason]:
    """What the scan found, as reasons: the count of 本人 and each kind detected (counts only)."""
    out = [Reason("principals", "規程第16条第1項", principals_text(result, policy))]
    for d in result.detections:
        if not d.confirmed:
            continue
        out.append(Reason(f"detected:{d.kind}", _detection_article(d.category), _detection_text(d)))
    out += [Reason("scan-note", "規程第16条第1項", note) for note in result.notes]
    return out


def principals_text(result: ScanResult, policy: Mapping[str, Any] | None = None) -> str:
    """The count of 本人 and how it was counted; a lower bound's advice names the lowest line the count
    is held against (count_floors): 千人, or policy.yaml's other number saying whose it is."""
    note = result.principals_note
    line = min(
        (f for f in count_floors(policy) if f > 0), default=DEFAULT_MIN_PRINCIPALS
    )  # 0: no line (every count alike)
    if line != DEFAULT_MIN_PRINCIPALS and VERIFY_BELOW in note:
        note = note.replace(VERIFY_BELOW, VERIFY_BELOW.replace("千人", f"{line:,}人（{POLICY_LINE}）"))
    if result.principals is None:
        return f"本人の数は不明: {note}"
    return f"本人の数 {result.principals:,}人（{result.rows:,}行を走査）: {note}"


def _detection_article(category: str) -> str:
    return {
        "identification_code": f"{_LAW}第2条第2項・施行令第1条",
        "biometric": f"{_LAW}第2条第2項・施行令第1条第1号",
        "sensitive": f"{_LAW}第2条第3項",
        "financial": "規程第16条第1項",
        "not_personal": f"{_LAW}第2条第1項",
    }.get(category, f"{_LAW}第2条第1項")


def _detection_text(d: Any) -> str:
    share = f"{d.matched:,}/{d.checked:,}件が形式に合致"
    if d.sample_checked:
        share += f"、標本{d.sample_checked:,}件中{d.sample_passed:,}件が精査に適合"
    return f"列「{d.column}」: {d.label}（{share}）"


@dataclass(frozen=True)
class Outcome:
    """A classify run: the profile, the decision and (for a scan) what was scanned."""

    profile: Profile
    decision: Decision
    principals_basis: str  # scanned | stated | unknown
    scan_reasons: tuple[Reason, ...] = ()
    scan: ScanResult | None = None

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return (*self.scan_reasons, *self.decision.reasons)


def classify_scan(result: ScanResult, judgements: Judgements, policy: Mapping[str, Any] | None) -> Outcome:
    """Decide a scanned dataset. A count that is only a lower bound below a line its rows reach (1,050
    rows of names, 990 after namesakes merge) is taken as unknown: neither 管理C nor 74(2)(ix) rests
    on it (it gave both, the file out of the notices and the ファイル簿)."""
    base = profile_from_scan(result)
    reasons = scan_reasons(result, policy)
    unsure = _unsure_count(result, policy)
    if unsure is not None:
        base = replace(base, principals=None)
        reasons.append(Reason("principals-unconfirmed", f"規程第16条第1項・{_LAW}第74条第2項第9号", unsure))
    profile = judgements.over(base)
    basis = "unknown" if profile.principals is None else "scanned"
    return Outcome(profile, decide(profile, policy), basis, tuple(reasons), result)


def _unsure_count(result: ScanResult, policy: Mapping[str, Any] | None) -> str | None:
    """Why a lower-bound count cannot be held against a line (None: it can)."""
    n, most = result.principals, result.rows
    if n is None or not result.principals_lower_bound:
        return None
    line = min((f for f in count_floors(policy) if n < f <= most), default=None)
    if line is None:
        return None
    return (
        f"本人の数は{n:,}人（下限値）から{most:,}人（行数）の間にあり、{line:,}人未満と確認できない → 不明として扱う。"
        "本人を識別する列を --key で指定するか、本人の数を確かめて --profile（principals）で述べる"
    )


def classify_profile(profile: Profile, judgements: Judgements, policy: Mapping[str, Any] | None) -> Outcome:
    """Decide a stated profile (--profile)."""
    profile = judgements.over(profile)
    basis = "unknown" if profile.principals is None else "stated"
    stated = (
        "本人の数は不明（申告なし）" if profile.principals is None else f"本人の数 {profile.principals:,}人（申告）"
    )
    reason = Reason("principals", "規程第16条第1項", stated)
    return Outcome(profile, decide(profile, policy), basis, (reason,))


def decide_outcome(
    scanned: ScanResult | None, stated: Any, judgements: Judgements, policy: Mapping[str, Any]
) -> Outcome:
    """The class of a scanned dataset, or of a stated profile, under the register's policy."""
    if scanned is not None:
        return classify_scan(scanned, judgements, policy)
    return classify_profile(stated, judgements, policy)


def require_rationale(outcome: Outcome, judgements: Judgements) -> None:
    """A decided class lower than the engine's needs the 管理者's reason (validate makes it an error);
    one lower than 16(1)'s table allows (管理C for 千人以上の本人) is refused whatever the reason."""
    d = outcome.decision
    if d.decided_below_rule:
        raise RuleViolation(
            f"the decided 管理{d.management_class} (--class, or the file's management_class): "
            f"{outcome.profile.principals:,} 本人, "
            + (
                "千人以上"
                if d.class_b_min == LEGAL_THRESHOLDS["class_b_min_principals"]
                else f"{d.class_b_min:,} or more (policy.yaml thresholds.class_b_min_principals; the rule says 千人以上)"
            )
            + f": Art. 16(1) makes what is not 管理A 管理{d.lowest_class} "
            f"(管理C is what is neither A nor B). State --class {d.lowest_class} or A, or correct the count of 本人 "
            "if it is wrong"
        )
    if d.decided_lower and judgements.decided_class is not None and not judgements.class_rationale:
        raise UsageError(
            f"--class {d.management_class} is lower than the engine's 管理{d.derived_class}; "
            "give the 管理者's reason with --rationale TEXT (Art. 16(1))"
        )


def record_lowered(record: Mapping[str, Any], o: Outcome, *, dry_run: bool = False) -> str | None:
    """What a --record of `o` into `record` (the files record as read) lowers, said in the commit and
    on stderr; None when nothing falls. A lower class weakens Art. 16(2)'s safeguards and can drop
    the 35(1) notice; fewer 本人 can bring the file under 74-2-9 (out of the ファイル簿) or below
    the 管理B line; a characteristic the scan did not find (個人番号, 要配慮個人情報, a
    個人識別符号...) is no longer recorded. The usual cause is a dataset that holds only part of
    the file. `dry_run`: nothing is committed, so the advice is not to record it, not to revert."""
    said = []
    before, after = record.get("management_class"), o.decision.management_class
    if before in CLASS_RANK and CLASS_RANK[after] < CLASS_RANK[str(before)]:
        said.append(f"the management class falls from 管理{before} to 管理{after}")
    recorded = _mapping(record.get("principals"))
    count, now = recorded.get("count"), o.profile.principals
    if isinstance(count, int) and not isinstance(count, bool) and now is not None and now < count:
        as_of = f" as of {recorded['as_of']}" if recorded.get("as_of") else ""
        said.append(f"本人の数 falls from {count:,}{as_of} to {now:,} ({o.principals_basis})")
    held, dropped = _mapping(record.get("characteristics")), []
    for key, value in _characteristics(o).items():
        old = held.get(key)
        if value is False and old is True:
            dropped.append(f"{key} (true -> false)")
        elif isinstance(value, list) and isinstance(old, list) and (gone := [str(x) for x in old if x not in value]):
            dropped.append(f"{key} ({', '.join(gone)})")
    source = "the scan" if o.scan is not None else "the stated profile"
    if dropped:
        said.append(f"characteristics {source} did not find are no longer recorded: " + ", ".join(dropped))
    if not said:
        return None
    return "; ".join(said) + "; " + _LOWERED_ADVICE[dry_run, o.scan is None]


# What to do about a --record that lowers, by (--dry-run, stated profile alone: no dataset scanned).
_LOWERED_ADVICE = {
    (True, True): "if that is not meant, correct the stated profile before recording it",
    (True, False): (
        "if the dataset holds only part of the file, do not record it: state the file's facts with --profile"
    ),
    (False, True): "if that was not meant, undo this with `git revert`",
    (False, False): (
        "if the dataset holds only part of the file, undo this with `git revert` and state the file's facts with --profile"
    ),
}


def _characteristics(o: Outcome) -> dict[str, Any]:
    """The characteristics a --record writes, in the record's order (a list left empty is dropped)."""
    p, d = o.profile, o.decision
    return {
        "sensitive": p.sensitive,
        "sensitive_categories": [c for c in p.sensitive_categories if c in SENSITIVE_ENUM],
        "my_number": p.my_number,
        "identification_codes": list(p.identification_codes),
        "biometric": p.biometric,
        "financial": d.financial,
        "financial_items": [i for i in p.financial_items if i in FINANCIAL_ITEMS],
        "processing": p.processing,
    }


def outcome_json(o: Outcome) -> dict[str, Any]:
    """The classify JSON document, keys exactly as in the CLI contract."""
    p, d = o.profile, o.decision
    doc: dict[str, Any] = {
        "management_class": d.management_class,
        "reasons": [r.as_json() for r in o.reasons],
        "principals": p.principals,
        "principals_basis": o.principals_basis,
        "personal_information": d.personal_information,
        "specific_personal_information": d.specific_personal_information,
        "sensitive": p.sensitive,
        "sensitive_categories": list(p.sensitive_categories),
        "identification_codes": list(p.identification_codes),
        "financial": d.financial,
        "financial_items": list(p.financial_items),
        "derived_class": d.derived_class,
        "notifications": list(d.notifications),
        "exclusions": list(d.exclusions),
        "filebook_listed": d.filebook_listed,
    }
    if o.scan is not None:
        s = o.scan
        doc["dataset"] = {"path": s.path, "format": s.format, "rows": s.rows, "columns": list(s.columns)}
        doc["detections"] = [d.as_json() for d in s.detections]
    return doc


def record_base(data: Mapping[str, Any]) -> Judgements:
    """The judgements already in a files record (used where the command line gives none).

    A decided class is kept only when the 管理者 recorded why (classification.class_rationale):
    a class that merely repeats an earlier engine result follows the engine on a rescan.
    """
    p = profile_from_record(data)
    own = _mapping(data.get("classification")).get("class_rationale")
    kept = p.decided_class if isinstance(own, str) and own.strip() else None
    return Judgements(
        confidential=p.confidential,
        file_kind=p.file_kind,
        exclusions=p.exclusions,  # 75-3 here: filebook_withheld.whole_file
        processing=p.processing,
        anonymized_info_created=p.anonymized_info_created,
        decided_class=kept,
        class_rationale=own if kept else None,
    )


def merge_judgements(record: Judgements, given: Judgements) -> Judgements:
    """Command-line judgements over the record's."""
    return Judgements(
        decided_class=record.decided_class if given.decided_class is None else given.decided_class,
        class_rationale=record.class_rationale if given.class_rationale is None else given.class_rationale,
        confidential=record.confidential if given.confidential is None else given.confidential,
        file_kind=record.file_kind if given.file_kind is None else given.file_kind,
        exclusions=tuple(_unique((*record.exclusions, *given.exclusions))),
        processing=record.processing if given.processing is None else given.processing,
        anonymized_info_created=(
            record.anonymized_info_created if given.anonymized_info_created is None else given.anonymized_info_created
        ),
    )


def _same_count(recorded: Any, now: int | None) -> bool:
    """Whether the record's count of 本人 is `now` (unknown, None, alike; true/false is no count)."""
    return type(recorded) is type(now) and recorded == now


def apply_to_record(doc: Any, o: Outcome, given: Judgements, today: str, sha256: str | None = None) -> None:
    """Write the outcome into a files record mapping (a ruamel document edited in place).

    Only counts, column names, kinds and the decision are written: never a cell value.
    """
    p, d = o.profile, o.decision
    doc["management_class"] = d.management_class
    characteristics = _ensure_map(doc, "characteristics")
    for key, value in _characteristics(o).items():
        if isinstance(value, list):
            _set_or_drop(characteristics, key, value)
        else:
            characteristics[key] = value
    if p.principals is not None or o.principals_basis != "stated":
        # The as-of date is when the count was established (the drafts print 「N人（D時点）」; a file that
        # falls under 74(2)(ix) owes its APPI 74(3) notice 遅滞なく from it): the same count stated or
        # scanned again keeps it, and only a new count is dated today.
        recorded = doc.get("principals")
        same = isinstance(recorded, dict) and recorded.get("as_of") and _same_count(recorded.get("count"), p.principals)
        doc["principals"] = {
            "count": p.principals,
            "as_of": recorded["as_of"] if same else today,
            "basis": "scanned" if o.scan is not None else "stated",
        }
    if given.confidential is not None:
        doc["confidential"] = given.confidential
    if given.file_kind is not None:
        doc["file_kind"] = given.file_kind
    _add_exclusions(doc, given.exclusions)
    classification = _ensure_map(doc, "classification")
    classification["rationale"] = rationale(o)
    classification["derived_class"] = d.derived_class
    if d.class_differs and given.class_rationale:
        classification["class_rationale"] = given.class_rationale
    elif not d.class_differs and "class_rationale" in classification:
        del classification["class_rationale"]  # the decision follows the engine again: nothing to justify
    classification["decided_on"] = today
    classification["reasons"] = [r.as_json() for r in o.reasons]
    if o.scan is not None:
        classification["scan"] = _scan_summary(o.scan, today, sha256)
        # The officer's 記録項目 (APPI 74(1)(iv)) are notified items: a rescan must not replace them
        # (that would make every notice stale). The columns stay in classification.scan.
        if o.scan.header and o.scan.columns and not doc.get("record_items"):
            doc["record_items"] = list(o.scan.columns)


def rationale(o: Outcome) -> str:
    """The class and why, as the sentence a notice prints under 区分の理由 (generated; the
    管理者 may rewrite it). The CLI's trace (`reasons`) is kept beside it in the record."""
    return document_rationale(o.decision.reasons, o.decision.management_class)


def _as_clause(ground: str) -> str:
    """'要配慮個人情報を含む（病歴）' as a clause: '要配慮個人情報（病歴）を含む'."""
    m = re.fullmatch(r"(.+)を含む（(.+)）", ground)
    return f"{m[1]}（{m[2]}）を含む" if m else ground


def _continued(clause: str) -> str:
    """A clause that another follows: 含む -> 含み, した -> し, ある -> あり (the 連用形)."""
    for end, joined in (("を含む", "を含み"), ("した", "し"), ("がある", "があり")):
        if clause.endswith(end):
            return clause[: -len(end)] + joined
    return clause + "こと"


def document_rationale(reasons: Iterable[Any], klass: str | None) -> str:
    """'個人番号を含むため、管理Ａとする。' from the engine's class steps: a Japanese sentence with
    no arrows, no policy keys and no codes (documents quote it as written)."""

    def floor_of(text: str) -> str:
        m = re.search(r"([\d,]+)人（千人以上）|[≥<] ([\d,]+)人", text)
        value = (m.group(1) or m.group(2)) if m else "1,000"
        # the sentence's own style, as its 管理Ａ: a policy's other line in full-width digits (５００人)
        return "千人" if value == "1,000" else f"{fullwidth(value)}人"

    label = "管理" + FULLWIDTH_CLASS.get(klass or "", klass or "")
    steps = [
        (
            str(getattr(r, "rule", "") or (r.get("rule") if isinstance(r, Mapping) else "")),
            str(getattr(r, "text", "") or (r.get("text") if isinstance(r, Mapping) else "")),
        )
        for r in reasons
    ]
    grounds = [_as_clause(text.split(" → ")[0]) for rule, text in steps if rule.startswith("class-a:")]
    if grounds:
        # 「個人番号を含み、要配慮個人情報（病歴）を含むため」: each ground but the last in its 連用形
        return "、".join([*(_continued(g) for g in grounds[:-1]), grounds[-1]]) + f"ため、{label}とする。"
    for rule, text in steps:
        if rule == "class-b:unknown-count":
            return f"本人の数が不明であり、計数されるまで{label}として取り扱う。"
        if rule == "class-b":
            return f"本人の数が{floor_of(text)}以上であるため、{label}とする。"
        if rule == "class-c:not-personal":
            return f"個人情報を含まず、管理Ａとすべき事由もないため、{label}とする。"
        if rule == "class-c":
            return f"管理Ａとすべき事由がなく、本人の数が{floor_of(text)}未満であるため、{label}とする。"
    return f"{label}とする。" if klass else ""


def _scan_summary(s: ScanResult, today: str, sha256: str | None) -> dict[str, Any]:
    from pathlib import Path

    summary: dict[str, Any] = {"dataset": Path(s.path).name, "format": s.format}
    if sha256:
        summary["sha256"] = sha256
    summary["rows"] = s.rows
    summary["columns"] = list(s.columns)
    summary["detected_items"] = [d.as_json() for d in s.detections]
    summary["scanned_on"] = today
    return summary


def _ensure_map(doc: Any, key: str) -> Any:
    if not isinstance(doc.get(key), Mapping):
        doc[key] = {}
    return doc[key]


def _set_or_drop(mapping: Any, key: str, values: list[str]) -> None:
    if values:
        mapping[key] = values
    elif key in mapping:
        del mapping[key]


def _add_exclusions(doc: Any, items: tuple[str, ...]) -> None:
    if not items:
        return
    existing = doc.get("exclusions")
    if not isinstance(existing, list):
        existing = []
        doc["exclusions"] = existing
    have = {str(_mapping(e).get("item")) for e in existing}
    for item in items:
        if item not in have:
            existing.append({"item": item, "reason": "meti-pi classify --exclusion で申告（理由を記入すること）"})
