"""The public 個人情報ファイル簿 (APPI 75; 規程 Art. 37) built from the register's `files` records.

Which files are listed (legal brief §1.8, §9.6):
- only 個人情報ファイル (`file_kind` computer or manual; `none` is other 保有個人情報);
- only files held on `today` (holding started, not ended: 令 drops the entry when holding stops);
- not files excluded by 75(2): an exclusion 74-2-1..74-2-10 or 75-2-1..75-2-3, or fewer
  本人 than `thresholds.filebook_min_principals` (74(2)(9), 1,000 by 令20; read by
  classify.decision.count_floors, as the decision reads it); a claimed 74-2-9 excludes
  only when the stated count is below it. 74-2-11 (manual file)
  does NOT exclude: paper files with 1,000+ 本人 are listed although no Art. 35 notice covers
  them. An unknown count (null) is listed, a 74-2-9 claim or not (validate: exclusion-refused);
- not files withheld whole under 75(3) (`filebook_withheld.whole_file`, or an exclusion
  `75-3` with no `filebook_withheld` saying what is withheld: read as the whole file);
- and, where meti_pi.classify.classification is present, only files its decision also lists (both
  must agree; a disagreement can only take a file out, never put one in).

Parts withheld under 75(3): the withheld 記録項目 are dropped (the rest renumbered, so no gap
shows); 収集方法 and 経常的提供先 read WITHHELD_LABEL, while a file with no 経常的提供先 reads
NONE_LABEL (the two must not look alike). A withheld text must appear nowhere
in a row; if it does (say, in 利用目的 or 備考) the export is refused with the field named.

Rows follow the e-Gov field order of legal brief §5.1 (fields 1-18). `since` compares with
the book as it stood at a git revision (the register read at that commit, with that commit's
date as 'today').
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from meti_pi.classify import classification
from meti_pi.classify.decision import count_floors
from meti_pi.classify.profile import sensitive_held
from meti_pi.dates.wareki import DEFAULT_ERAS, Eras, fullwidth, to_wareki
from meti_pi.errors import LazyProblem, Problem, RuleViolation
from meti_pi.store import problems as located
from meti_pi.store import schema, yamlload
from meti_pi.store.policy import DEFAULT_POLICY

if TYPE_CHECKING:
    from meti_pi.store.register import Record, Register

# (json key, header as published): fields 1-12 VERIFIED (legal brief §5.1).
VERIFIED_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "個人情報ファイルの名称"),
    ("org", "行政機関等の名称"),
    ("division", "個人情報ファイルが利用に供される事務をつかさどる組織の名称"),
    ("purpose", "個人情報ファイルの利用目的"),
    ("record_items", "記録項目"),
    ("record_scope", "記録範囲"),
    ("collection_method", "記録情報の収集方法"),
    ("sensitive", "要配慮個人情報が含まれるときは、その旨"),
    ("routine_recipients", "記録情報の経常的提供先"),
    ("disclosure_office", "開示請求等を受理する組織の名称及び所在地"),
    ("special_procedures", "訂正又は利用停止に関する他の法令の規定による特別の手続等"),
    ("file_kind", "個人情報ファイルの種別"),
)
# Fields 13-18 as published, and the wording of some values, are FROM MEMORY (legal brief §5.1):
# data, policy `filebook` (defaults in meti_pi.store.policy, fields 13-18 in e-Gov order there),
# which a register corrects in policy.yaml.


def _filebook_policy(policy: dict[str, Any], part: str) -> dict[str, str]:
    """policy `filebook.<part>` over its defaults, in their order (a value missing or not text: the
    default's)."""
    default: dict[str, str] = DEFAULT_POLICY["filebook"][part]
    book = policy.get("filebook")
    given = book.get(part) if isinstance(book, dict) else None
    given = given if isinstance(given, dict) else {}
    return {k: v if isinstance(v := given.get(k), str) and v else d for k, d in default.items()}


def fields_of(policy: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The 18 fields (json key, header as published) under `policy`, in e-Gov order."""
    headers = _filebook_policy(policy, "headers")
    return VERIFIED_FIELDS + tuple(headers.items())


FIELDS: tuple[tuple[str, str], ...] = fields_of({})  # under the default policy
HEADERS: tuple[str, ...] = tuple(h for _, h in FIELDS)
KEYS: tuple[str, ...] = tuple(k for k, _ in FIELDS)

FILE_KIND_LABELS = {"computer": "電算処理ファイル", "manual": "マニュアル処理ファイル"}
# 75(3) withheld vs nothing to state must read differently (DERIVED wording; e-Gov's own not checked).
WITHHELD_LABEL = "（法第75条第3項により記載しない）"
NONE_LABEL = "なし"
MASK = "（不掲載）"  # shown in a `since` diff instead of a value holding withheld text

# 75(2): 74(2)(1)-(10) via 75(2)(i), and 75(2)(ii)/(iii) copies. 74-2-11 is not here.
EXCLUDING_ITEMS = frozenset({f"74-2-{n}" for n in range(1, 11)} | {"75-2-1", "75-2-2", "75-2-3"})

# Reasons a file is not listed (stable codes for JSON).
NOT_A_FILE = "not_a_file"
NOT_HELD = "not_held"
HOLDING_ENDED = "holding_ended"
EXCLUDED_75_2 = "excluded_75_2"
BELOW_THRESHOLD = "below_threshold"
WITHHELD_75_3 = "withheld_75_3"
CLASSIFICATION = "classification"


@dataclass(frozen=True)
class Snapshot:
    """The records the ファイル簿 is built from: files (id -> (relpath, data)), divisions, policy."""

    files: dict[str, tuple[str, dict[str, Any]]]
    divisions: dict[str, dict[str, Any]]
    policy: dict[str, Any]
    organisation: str = ""

    @classmethod
    def from_register(
        cls, reg: Register, *, files: list[Record] | None = None, own_divisions: bool = False
    ) -> Snapshot:
        """The snapshot of `reg` (of some of its files only, when `files` is given; with
        `own_divisions`, of the divisions those files name only: a write reads a few records, not
        every division)."""
        chosen = reg.of_kind("files") if files is None else files
        files_by_id = {r.id: (r.relpath, r.data) for r in chosen if isinstance(r.data, dict)}
        if own_divisions:
            named = (reg.get("divisions", str(data.get("division"))) for _rel, data in files_by_id.values())
            divisions = {
                r.id: r.data
                for r in named
                if r is not None and r.relpath not in reg.unchecked and isinstance(r.data, dict)
            }
        else:
            divisions = {r.id: r.data for r in reg.of_kind("divisions") if isinstance(r.data, dict)}
        org = reg.meta.get("organisation")
        return cls(files_by_id, divisions, reg.policy, org if isinstance(org, str) else "")


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _withheld(data: dict[str, Any]) -> dict[str, Any]:
    value = data.get("filebook_withheld")
    return value if isinstance(value, dict) else {}


def _shown_items(data: dict[str, Any]) -> list[str]:
    """The 記録項目 the ファイル簿 states: the record's, less those withheld under 75(3)."""
    hidden = {norm(t) for t in _texts(_withheld(data).get("record_items"))}
    return [str(t) for t in _texts(data.get("record_items")) if norm(t) not in hidden]


def _exclusion_items(data: dict[str, Any]) -> set[str]:
    items = set()
    for ex in data.get("exclusions") or ():
        if isinstance(ex, dict) and isinstance(ex.get("item"), str):
            items.add(ex["item"].strip())
    return items


def withheld_whole(data: dict[str, Any]) -> bool:
    """75(3): the file is not listed at all."""
    if _withheld(data).get("whole_file"):
        return True
    # A 75(3) claim that does not say what it withholds: withhold everything (never leak).
    return "75-3" in _exclusion_items(data) and not _withheld(data)


def _dict(value: object) -> dict[str, Any]:
    """`value` when it is a mapping (as the schema says it is), else an empty one."""
    return value if isinstance(value, dict) else {}


def listing_status(data: dict[str, Any], policy: dict[str, Any], today: date, decision: Any = None) -> str | None:
    """None when the file is listed in the public ファイル簿, else the reason code (`decision`: the
    engine's, when the caller has it)."""
    if data.get("file_kind") not in FILE_KIND_LABELS:
        return NOT_A_FILE
    holding = _dict(data.get("holding"))
    start, end = _as_date(holding.get("start")), _as_date(holding.get("end"))
    if start is not None and start > today:
        return NOT_HELD
    if end is not None and end <= today:
        return HOLDING_ENDED
    if withheld_whole(data):
        return WITHHELD_75_3
    _, threshold = count_floors(policy)  # as the decision reads it: a policy of 0 is 0
    principals = _dict(data.get("principals"))
    count = principals.get("count")
    # A 74(2)(ix) claim counts only with a stated count below the threshold (74(2)(ix), 令20).
    if _exclusion_items(data) & (EXCLUDING_ITEMS - {"74-2-9"}):
        return EXCLUDED_75_2
    if isinstance(count, int) and not isinstance(count, bool) and count < threshold:
        return BELOW_THRESHOLD
    listed = bool(decision.filebook_listed) if decision is not None else _classification_listed(data, policy)
    if listed is False:
        return CLASSIFICATION
    return None


def _classification_listed(data: dict[str, Any], policy: dict[str, Any]) -> bool | None:
    """The decision engine's `filebook_listed`."""
    decision = classification.decide(classification.profile_from_record(data), policy)
    return bool(decision.filebook_listed)


def norm(text: str) -> str:
    """Comparison form: NFKC, case-folded, without any whitespace (full-width spaces too)."""
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def numbered_items(items: Iterable[str]) -> str:
    """e-Gov style: '1氏名、2住所、3電話番号'."""
    return "、".join(f"{i}{item}" for i, item in enumerate(items, start=1))


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return []


def withheld_texts(data: dict[str, Any]) -> list[str]:
    """Every text withheld under 75(3) for this file (items, and the method / recipients when
    those are withheld), as written in the record."""
    wh = _withheld(data)
    out = [t for t in _texts(wh.get("record_items")) if norm(t)]
    if wh.get("collection_method"):
        out += [t for t in _texts(data.get("collection_method")) if norm(t)]
    if wh.get("routine_recipients"):
        out += [t for t in _texts(data.get("routine_recipients")) if norm(t)]
    return out


def missing_mandatory(data: dict[str, Any]) -> list[tuple[tuple[object, ...], str]]:
    """APPI 75(1): of 74(1)(vi) and (ix), what a listed file lacks, as (key path, label)."""
    out: list[tuple[tuple[object, ...], str]] = []
    office = data.get("disclosure_office")
    if (
        not isinstance(office, dict)
        or not str(office.get("name") or "").strip()
        or not str(office.get("address") or "").strip()
    ):
        out.append(
            (
                ("disclosure_office",),
                "the office receiving 開示請求等 with its address (74(1)(ix): disclosure_office.name, .address)",
            )
        )
    chars = data.get("characteristics")
    if not isinstance(chars, dict) or not isinstance(chars.get("sensitive"), bool):
        out.append(
            (("characteristics",), "whether 要配慮個人情報 is held (74(1)(vi): characteristics.sensitive true/false)")
        )
    if any(norm(t) for t in _texts(data.get("record_items"))) and not any(norm(t) for t in _shown_items(data)):
        out.append(
            (
                ("filebook_withheld", "record_items"),
                "at least one 記録項目 (74(1)(iv)): 75(3) leaves out only part of the 記録項目 (記録項目の一部), "
                "and filebook_withheld.record_items withholds every one",
            )
        )
    return out


def _office(value: Any) -> str:
    if not isinstance(value, dict) or not value.get("name"):
        return ""
    text = f"名称：{value['name']}"
    if value.get("address"):
        text += f"\n所在地：{value['address']}"
    return text


@dataclass(frozen=True)
class Row:
    """One listed file: its id (internal, not published) and the 18 published values."""

    id: str
    relpath: str
    values: tuple[str, ...]

    def as_dict(self) -> dict[str, str]:
        return dict(zip(KEYS, self.values, strict=True))


def build_row(
    fid: str, relpath: str, data: dict[str, Any], divisions: dict[str, dict[str, Any]], labels: dict[str, str]
) -> Row:
    """The published values of one listed file, withheld parts blank; `labels`: policy
    `filebook.labels` (the wording of 有/無 answers, FROM MEMORY: correctable)."""
    wh = _withheld(data)
    items = _shown_items(data)
    division = divisions.get(str(data.get("division")), {})
    kind = data.get("file_kind")
    chars = _dict(data.get("characteristics"))
    anon = _dict(data.get("anonymized_info"))
    sensitive = sensitive_held(chars)
    linked = data.get("linked_manual_file")
    proposal = ""
    if anon.get("created"):
        proposal = _office(anon.get("proposal_office"))
        if anon.get("proposal_period"):
            proposal += ("\n" if proposal else "") + f"提案をすることができる期間：{anon['proposal_period']}"
    values = {
        "name": str(data.get("name") or ""),
        "org": str(data.get("org") or ""),
        "division": str(division.get("name") or ""),
        "purpose": str(data.get("purpose") or ""),
        "record_items": numbered_items(items),
        "record_scope": str(data.get("record_scope") or ""),
        "collection_method": WITHHELD_LABEL
        if wh.get("collection_method")
        else str(data.get("collection_method") or ""),
        "sensitive": labels["sensitive_yes" if sensitive else "sensitive_no"] if isinstance(sensitive, bool) else "",
        "routine_recipients": (
            WITHHELD_LABEL
            if wh.get("routine_recipients")
            else "、".join(_texts(data.get("routine_recipients"))) or NONE_LABEL
        ),
        "disclosure_office": _office(data.get("disclosure_office")),
        "special_procedures": str(data.get("special_procedures") or ""),
        "file_kind": FILE_KIND_LABELS.get(str(kind), ""),
        "linked_manual_file": (
            labels["linked_yes" if linked else "linked_no"] if kind == "computer" and isinstance(linked, bool) else ""
        ),
        "invites_proposals": labels["invites_proposals"] if anon.get("invites_proposals") else "",
        "proposal_office": _office(anon.get("proposal_office")) if anon.get("invites_proposals") else "",
        "anonymized_overview": str(anon.get("overview") or "") if anon.get("created") else "",
        "anonymized_proposal": proposal,
        "notes": str(data.get("notes") or ""),
    }
    return Row(fid, relpath, tuple(values[k] for k in KEYS))


def leaks(row: Row, secrets: Iterable[str]) -> list[str]:
    """Keys of the row's fields that contain one of `secrets` (compared in `norm` form)."""
    needles = [n for n in (norm(s) for s in secrets) if n]
    return [k for k, v in zip(KEYS, row.values, strict=True) if any(n in norm(v) for n in needles)]


@dataclass
class Filebook:
    """The listed rows (sorted), counts of files not listed by reason, and problems found."""

    rows: list[Row]
    not_listed: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    secrets: dict[str, list[str]] = field(default_factory=dict)  # file id -> withheld texts
    fields: tuple[tuple[str, str], ...] = FIELDS  # (json key, header as published), under the register's policy

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(h for _, h in self.fields)

    def require_clean(self) -> None:
        """RuleViolation (exit 1) when a withheld text would be published."""
        errors = [p for p in self.problems if p.severity == "error"]
        if any(p.code == "filebook-mandatory" for p in errors):
            raise RuleViolation(
                "the ファイル簿 was not exported: a listed file lacks an item APPI 75(1) requires", tuple(errors)
            )
        if errors:
            raise RuleViolation(
                "the ファイル簿 was not exported: a part withheld under APPI 75(3) would be published", tuple(errors)
            )


def _org_order(org: str) -> int:
    order = ("経済産業省", "資源エネルギー庁", "中小企業庁")
    return order.index(org) if org in order else len(order)


def build(snapshot: Snapshot, today: date) -> Filebook:
    """The ファイル簿 of `snapshot` on `today`."""
    rows: list[Row] = []
    not_listed: Counter[str] = Counter()
    problems: list[Problem] = []
    secrets: dict[str, list[str]] = {}
    labels = _filebook_policy(snapshot.policy, "labels")
    for fid, (relpath, data) in sorted(snapshot.files.items()):
        secrets[fid] = withheld_texts(data)
        reason = listing_status(data, snapshot.policy, today)
        if reason is not None:
            not_listed[reason] += 1
            continue
        row = build_row(fid, relpath, data, snapshot.divisions, labels)
        problems.extend(_row_problems(relpath, data, row, secrets[fid]))
        rows.append(row)
    rows.sort(key=lambda r: (_org_order(r.values[1]), r.values[2], r.values[0], r.id))
    return Filebook(rows, not_listed, problems, secrets, fields_of(snapshot.policy))


# ファイル簿 field -> where its text comes from in the record (for problem locations): every field,
# each its own key (the write path matches an error held before by path, code and key).
RECORD_KEY = {
    "name": "$.name",
    "org": "$.org",
    "division": "$.division",  # the 課等's name, through the record's reference
    "purpose": "$.purpose",
    "record_items": "$.record_items",
    "record_scope": "$.record_scope",
    "collection_method": "$.collection_method",
    "sensitive": "$.characteristics.sensitive",  # the policy's label of the answer
    "routine_recipients": "$.routine_recipients",
    "disclosure_office": "$.disclosure_office",
    "special_procedures": "$.special_procedures",
    "file_kind": "$.file_kind",
    "linked_manual_file": "$.linked_manual_file",
    "invites_proposals": "$.anonymized_info.invites_proposals",
    "proposal_office": "$.anonymized_info.proposal_office",
    "anonymized_overview": "$.anonymized_info.overview",
    "anonymized_proposal": "$.anonymized_info",
    "notes": "$.notes",
}


def _row_problems(relpath: str, data: dict[str, Any], row: Row, secrets: list[str]) -> Iterator[Problem]:
    for key_path, label in missing_mandatory(data):
        yield Problem(
            relpath,
            None,
            "filebook-mandatory",
            f"APPI 75(1): the file is listed but does not state {label}; add it to the record",
            "error",
            schema.key_path(key_path),
        )
    if not row.as_dict()["division"]:
        yield Problem(
            relpath,
            None,
            "filebook-mandatory",
            "APPI 75(1): the file is listed but does not state the 組織 in charge of its work (74(1)(ii)): "
            "its division names no 課等 record with a name; correct the reference",
            "error",
            "$.division",
        )
    for key in leaks(row, secrets):
        # Never quote the withheld text: the message names the field only.
        yield Problem(
            relpath,
            None,
            "filebook-withheld-leak",
            f"a text withheld from the ファイル簿 under APPI 75(3) also appears in ファイル簿 field {key!r}; "
            "reword that field or stop withholding the text",
            "error",
            RECORD_KEY[key],
        )
    listed = {norm(t) for t in _texts(data.get("record_items"))}
    for i, item in enumerate(_texts(_withheld(data).get("record_items"))):
        if norm(item) and norm(item) not in listed:
            yield Problem(
                relpath,
                None,
                "filebook-withheld-unknown",
                f"filebook_withheld.record_items[{i}] is not one of record_items; it has no effect",
                "warning",
                f"$.filebook_withheld.record_items[{i}]",
            )


def with_lines(problems: Iterable[Problem], reg: Register) -> list[Problem]:
    """`problems` with the line of their key in the record file, where it can be found (when first
    read: the file is parsed again only for a problem that is reported)."""
    by_path: dict[str, Any] | None = None  # built only when a problem needs its line
    out = []
    for p in problems:
        if p.line is None and p.key.startswith("$."):
            rec = reg.records.get(p.path[: -len(".yaml")]) if p.path.endswith(".yaml") else None
            if rec is None or rec.relpath != p.path:  # not a record's path: look through them all
                if by_path is None:
                    by_path = {r.relpath: r for r in reg.records.values()}
                rec = by_path.get(p.path)
            if rec is not None:
                where = located.where(rec, yamlload.key_steps(p.key))
                p = LazyProblem.later(p.path, where, p.code, p.message, p.severity, p.key)
        out.append(p)
    return out


def check_filebook(reg: Register, today: date) -> Iterator[Problem]:
    """Validate check (for meti_pi.checks.validate.CHECKS): withheld texts that would be published,
    and 75(3) claims that do not say what they withhold."""
    # Only a file that withholds something can leak it or name an unknown withheld item: the
    # others need no row (most files; this check runs on every write), and the rows need only the
    # divisions those files name.
    withholding = [r for r in reg.subjects("files") if isinstance(r.data, dict) and _withheld(r.data)]
    snapshot = Snapshot.from_register(reg, files=withholding, own_divisions=True)
    # (the 75(1) mandatory items are validate's check_decisions, for every listed file)
    found = [p for p in build(snapshot, today).problems if p.code != "filebook-mandatory"]
    for rec in reg.subjects("files"):
        if isinstance(rec.data, dict) and "75-3" in _exclusion_items(rec.data) and not _withheld(rec.data):
            found.append(
                Problem(
                    rec.relpath,
                    None,
                    "filebook-withheld-vague",
                    "exclusion 75-3 is claimed but filebook_withheld does not say what is withheld; "
                    "the whole file is left out of the ファイル簿 (add filebook_withheld)",
                    "warning",
                    "$.exclusions",
                )
            )
    yield from with_lines(found, reg)


def to_csv(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> bytes:
    """UTF-8 with BOM (Excel then reads the Japanese right) and CRLF line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will show as text: one beginning with = + - @ tab or CR (a formula to
    Excel: `=HYPERLINK(...)`, DDE) gets a leading ' (OWASP's CSV injection rule)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def md_cell(text: str) -> str:
    """A value made safe for one Markdown table cell (and for meti_pi.render.word)."""
    out = text.replace("\\", "\\\\")
    for ch in "|*`<>[]!_~":  # no HTML, link, image or emphasis from record text (meti_pi.render.mdsafe)
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "<br>")


def md_text(text: str) -> str:
    """A value made safe for a Markdown heading line."""
    out = text.replace("\\", "\\\\")
    for ch in "*`#>|<[]!_~":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def as_of_line(today: date, fullwidth_digits: bool, eras: Eras = DEFAULT_ERAS) -> str:

    return f"{to_wareki(today, fullwidth_digits=fullwidth_digits, eras=eras)}現在"


def to_markdown(
    book: Filebook, *, today: date, organisation: str = "", fullwidth_digits: bool = True, eras: Eras = DEFAULT_ERAS
) -> str:
    """A table (項目 | 内容) per listed file, in e-Gov field order."""
    from meti_pi.render.word import right

    title = "個人情報ファイル簿" + (f"（{md_text(organisation)}）" if organisation else "")

    lines = [f"# {title}", "", right(as_of_line(today, fullwidth_digits, eras)), ""]
    if not book.rows:
        lines += ["掲載する個人情報ファイルはありません。", ""]
    for n, row in enumerate(book.rows, start=1):
        if n > 1:
            lines += ["<!-- pagebreak -->", ""]  # one file per page in Word (e-Gov style); invisible in Markdown
        number = f"{fullwidth(str(n))}．" if fullwidth_digits else f"{n}. "  # in the document's digit style
        lines += [f"## {number}{md_text(row.values[0])}", "", "| 項目 | 内容 |", "|---|---|"]
        lines += [f"| {md_cell(h)} | {md_cell(v)} |" for h, v in zip(book.headers, row.values, strict=True)]
        lines.append("")
    return "\n".join(lines)


def to_xlsx(book: Filebook) -> bytes:

    from meti_pi.render import excel

    rows = [r.values for r in book.rows]
    return excel.write_workbook(
        [
            excel.Sheet(
                "個人情報ファイル簿", book.headers, rows, paper="A3"
            ),  # one row per file: for sorting and filtering (18 columns: A3)
            excel.Sheet("ファイル簿（1件1頁）", book.headers, rows, records=True),  # the e-Gov page: 項目 | 内容
        ],
        title="個人情報ファイル簿",
    )


def as_json(book: Filebook, *, today: date) -> dict[str, Any]:
    return {
        "as_of": today.isoformat(),
        "fields": [{"key": k, "header": h} for k, h in book.fields],
        "rows": [r.as_dict() for r in book.rows],
        "listed": len(book.rows),
        "not_listed": dict(sorted(book.not_listed.items())),
    }
