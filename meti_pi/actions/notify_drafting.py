"""`notify FILE_ID`: drafting the Art. 35/36 notices a file needs (Markdown, Word), recorded in one commit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import gitlayer
from meti_pi.actions.records import require_record
from meti_pi.actions.transaction import transaction
from meti_pi.errors import MetiPiError, RuleViolation, UsageError
from meti_pi.gitlayer.runner import text_at
from meti_pi.notify import drafts as notice_drafts
from meti_pi.notify import notices
from meti_pi.render.outfile import check_out_folder, out_folder
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import policy as policy_mod
from meti_pi.store import yamlload
from meti_pi.store.advised import Advised
from meti_pi.store.ids import allocate
from meti_pi.store.problems import at, refuse_failing_schema
from meti_pi.store.register import Record, Register

FORMATS = ("md", "docx")

# Ledger event kinds a user may log, with the article of the rule each records.
EVENT_ARTICLES: dict[str, str] = {
    "provision": "12",  # provision under APPI 69(1) / 69(2)(ii)-(iv), confirmed in writing
    "purpose_change": "9(3)",
    "disposal": "21",
    "storage": "38",
    "use": "38",
    "other": "38",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_record(
    reg: Register, file_id: str, committed: Advised | None = None, before: str = "drafting a notice"
) -> Record:
    """The file record a notice is drafted from. `committed`: the register was read as HEAD holds it
    (the transaction's), where the refusal of a record failing its schema says so if the file has
    uncommitted edits (its lines are the commit's, the edits unread); `before`: what is refused."""
    rec = require_record(reg, "files", file_id, hint=f"check the ファイル簿 id (`meti-pi show files/{file_id}`)")
    refuse_failing_schema(reg, (rec,), before, committed=committed)
    division = reg.division_of(rec.data.get("division"))
    if division and division.get("org") != rec.data.get("org"):
        # APPI 2(8): a 外局 is its own 行政機関; a notice must not name one body and another's 課等.
        found = at(
            rec,
            ("org",),
            "org-mismatch",
            f"APPI 2(8): the file's 行政機関 {rec.data.get('org')} differs from its 課等's "
            f"({division.get('org')}); a 外局 is its own 行政機関 — correct one of them",
        )
        raise RuleViolation(
            f"{rec.relpath}: its 行政機関 differs from its 課等's; correct one of them before drafting a notice",
            (found,),
        )
    return rec


def _notice_record(reg: Register, notice_id: str) -> Record:

    return require_record(
        reg, "notifications", notice_id, hint="list a file's notices with `meti-pi notify FILE_ID --dry-run`"
    )


def _not_after_today(day: date, today: date, what: str) -> None:
    if day > today:  # a day given that has not come: a usage error (exit 2), as for incident update --on
        raise UsageError(
            f"{what} {day.isoformat()} is after today ({today.isoformat()}); record it when it has happened"
        )


@dataclass
class Drafted:
    """One notice drafted by `draft_notices`."""

    id: str
    kind: str
    action: str  # 'initial' | 'change'
    items_hash: str
    supersedes: str | None
    withdrawn: tuple[str, ...]
    draft: notice_drafts.Draft
    md_sha256: str
    docx: bytes | None = None
    docx_sha256: str | None = None
    paths: list[Path] = field(default_factory=list)

    def as_json(self, *, with_markdown: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "article": notices.ARTICLE[self.kind],
            "change": self.action == "change",
            "items_hash": self.items_hash,
            "supersedes": self.supersedes,
            "withdrawn": list(self.withdrawn),
            "title": self.draft.title,
            "gaps": self.draft.gaps,
            "md_sha256": self.md_sha256,
            "docx_sha256": self.docx_sha256,
            "paths": [str(p) for p in self.paths],
        }
        if with_markdown:
            out["markdown"] = self.draft.markdown
        return out


@dataclass
class NotifyResult:
    """What `notify FILE_ID` decided and did."""

    file: str
    requirements: list[notices.Requirement]
    plans: list[notices.Plan]
    drafted: list[Drafted]
    reasons: list[str]
    commit: str | None
    dry_run: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "required": [r.as_json() for r in self.requirements],
            "reasons": self.reasons,
            "plans": [
                {
                    "kind": p.kind,
                    "action": p.action,
                    "supersedes": p.supersedes,
                    "withdraw": list(p.withdraw),
                    "notices": [n.id for n in p.status.notices],
                }
                for p in self.plans
            ],
            "drafted": [d.as_json(with_markdown=self.dry_run) for d in self.drafted],
            "commit": self.commit,
            "dry_run": self.dry_run,
        }


def _decision_reasons(decision: Any) -> list[str]:
    out = []
    for r in getattr(decision, "reasons", ()) or ():
        text = notice_drafts._reason_text(r)
        if text:
            out.append(text)
    return out


def changed_items(root: Path, reg: Register, rec: Record, previous: Record, kind: str) -> tuple[str, ...] | None:
    """Keys of the notified items that differ from those of `previous` (read at its register commit).

    None when that cannot be told for sure: no commit recorded, the file not there, or the old
    items not hashing to the recorded hash (the record was edited without a commit, or the
    classification policy has changed since).
    """
    commit = previous.data.get("register_commit")
    if not isinstance(commit, str):
        return None
    text = gitlayer.read_at(root, commit, rec.relpath)
    if text is None:
        return None
    try:
        old = yamlload.load(text)
    except yamlload.YamlFault:
        return None
    if not isinstance(old, dict):
        return None
    old_class = notices.management_class(old, notices.decision_for(reg, old))
    if notices.items_hash(kind, old, old_class) != previous.data.get("items_hash"):
        return None
    new_class = notices.management_class(rec.data, notices.decision_for(reg, rec.data))
    before = notices.notified_items(kind, old, old_class)
    after = notices.notified_items(kind, rec.data, new_class)
    return tuple(k for k in after if before.get(k) != after.get(k))


def _ensure_committed(rec: Record, said: Advised) -> None:
    """The file record equals its committed version, so the notice can name the commit it was drafted
    from. `said`: the advised command's path as typed where the person is (store.advised); its
    repository (the transaction's) is where HEAD's version is read, not found again."""
    repo = said.repo
    if text_at(repo, "HEAD", repo.git_path(rec.relpath)) != rec.path.read_text(encoding="utf-8"):
        raise MetiPiError(
            f"{rec.relpath} has uncommitted edits; commit them first (`{said.commit} {said.record(rec.relpath)}`) "
            "so the notice can name the register commit it was drafted from"
        )


def _writes_late_reason(plan: Any, today: date) -> bool:
    """Whether the draft of `plan` drafted `today` writes a late reason: a change notice, or a first
    notice after its due day (as notice_drafts.render decides)."""
    due = plan.status.requirement.due
    return bool(plan.action == "change" or (due is not None and today > due))


def _late_reason_is_written(todo: list[Any], file_id: str, today: date) -> None:
    """Refuse `--late-reason` where no notice drafted is late: a first notice drafted by its due day
    (or of no known due day) says nothing of lateness, so the reason would be recorded in the notice
    and left out of its draft. A change notice writes it (the change is made: notice_drafts.render)."""
    timely = []
    for p in todo:
        req = p.status.requirement
        if _writes_late_reason(p, today):
            return
        due = f"due {req.due.isoformat()}" if req.due is not None else "its due day not known"
        timely.append(f"Art. {notices.ARTICLE[p.status.kind]} ({due})")
    raise UsageError(
        f"--late-reason: the notice of files/{file_id} drafted today ({today.isoformat()}) is not late: "
        f"{', '.join(timely)}; a reason for lateness goes only into a late notice: leave --late-reason out"
    )


def draft_notices(
    root: Path,
    file_id: str,
    *,
    today: date,
    kinds: list[str] | None = None,
    fmt: str = "md",
    fullwidth: bool | None = None,
    late_reason: str | None = None,
    redraft: bool = False,
    out_dir: Path | None = None,
    dry_run: bool = False,
    settings: Settings = DEFAULT,
) -> NotifyResult:
    """Draft each required notice of a file not yet made (or changed since), and record them in one commit."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    for k in kinds or []:
        if k not in notices.NOTICE_KINDS:
            raise UsageError(f"--kind must be one of {', '.join(notices.NOTICE_KINDS)}")
    if not dry_run and out_dir is not None:
        check_out_folder(out_dir)  # refused before the commit: a notice is never recorded without its draft
    with transaction(
        root,
        command="notify",
        summary=f"draft notices for files/{file_id}",
        today=today,
        dry_run=dry_run,
        settings=settings,
    ) as tx:
        reg = tx.register()  # decided under the lock: the same notice run twice at once is drafted once
        # read as HEAD holds it (tx.at), never the work tree: a refusal says so of a file edited since
        said = Advised(tx.repo, settings.here)
        rec = _file_record(reg, file_id, said)
        data = rec.data
        decision = notices.decision_for(reg, data)
        statuses = notices.file_status(reg, rec, decision=decision)
        required = [ks.requirement for ks in statuses]
        reasons = _decision_reasons(decision)
        if kinds:
            missing = [k for k in kinds if k not in {ks.kind for ks in statuses}]
            if missing:
                needs = ", ".join(r.kind for r in required) or "no Art. 35/36 notice"
                raise RuleViolation(
                    f"files/{file_id} does not require a {', '.join(missing)} notice (it requires: {needs}); "
                    "see `meti-pi classify --profile` or the file's exclusions"
                )
            statuses = [ks for ks in statuses if ks.kind in kinds]
        plans = [notices.plan(ks, redraft=redraft) for ks in statuses]
        todo = [p for p in plans if p.drafts_new]
        if not todo:
            return NotifyResult(file_id, required, plans, [], reasons, None, dry_run)  # nothing written, no commit
        if late_reason and late_reason.strip():
            _late_reason_is_written(todo, file_id, today)

        if not dry_run:
            _ensure_committed(rec, said)
        head = gitlayer.head_commit(root)
        policy = reg.policy
        fw = policy_mod.fullwidth_digits(policy) if fullwidth is None else fullwidth
        existing = {r.id for r in reg.of_kind("notifications")}
        drafted: list[Drafted] = []
        for p in todo:
            ks = p.status
            nid = allocate("N", existing, today)
            existing.add(nid)
            previous = reg.get("notifications", p.supersedes) if p.supersedes else None
            ctx = notice_drafts.DraftContext(
                notice_id=nid,
                kind=ks.kind,
                drafted_on=today,
                items_hash=ks.current_hash,
                register_commit=head,
                change=p.action == "change",
                supersedes=p.supersedes,
                supersedes_on=notices._date(previous.data.get("submitted_on")) if previous else None,
                changed_items=changed_items(root, reg, rec, previous, ks.kind) if previous else None,
                late_reason=late_reason,
                fullwidth_digits=bool(fw),
            )
            draft = notice_drafts.render(reg, rec, ctx, decision)
            md = draft.markdown.encode("utf-8")
            item = Drafted(nid, ks.kind, p.action, ks.current_hash, p.supersedes, p.withdraw, draft, _sha256(md))
            if fmt == "docx":
                item.docx = notice_drafts.docx(draft, policy, today)
                item.docx_sha256 = _sha256(item.docx)
            drafted.append(item)

        tx.article = ", ".join(notices.ARTICLE[d.kind] for d in drafted)
        tx.summary = f"draft Art. {tx.article} notice{'s' if len(drafted) > 1 else ''} for files/{file_id}"
        for d, p in zip(drafted, todo, strict=True):
            req = p.status.requirement
            # A change notice is due by the change (変更しようとするとき / 変更したとき), not as the first one.
            timing = notices.CHANGE_TIMING[d.kind] if d.action == "change" else req.timing
            record: dict[str, Any] = {
                "kind": d.kind,
                "file": file_id,
                "change": d.action == "change",
                "state": "drafted",
                "drafted_on": today.isoformat(),
                "due": {
                    "timing": timing,
                    **({"date": req.due.isoformat()} if req.due and d.action == "initial" else {}),
                },
                "items_hash": d.items_hash,
                "items_version": notices.ITEMS_VERSION,
            }
            if head:
                record["register_commit"] = head
            if d.supersedes:
                record["supersedes"] = d.supersedes
            if late_reason and _writes_late_reason(p, today):  # recorded where the draft says it
                record["late_reason"] = late_reason
            record["drafts"] = {
                "md_sha256": d.md_sha256,
                **({"docx_sha256": d.docx_sha256} if d.docx_sha256 else {}),
                "fullwidth_digits": bool(fw),
            }
            tx.create("notifications", record, id=d.id)
            for old in d.withdrawn:
                doc = tx.edit(f"notifications/{old}")
                doc["state"] = "withdrawn"
                doc["withdrawn_on"] = today.isoformat()
                doc["superseded_by"] = d.id
        _ledger_notified(tx, reg, file_id, drafted, today)

    if not dry_run and out_dir is not None:
        _write_drafts(drafted, fmt, out_dir, tx.commit_sha)
    return NotifyResult(file_id, required, plans, drafted, reasons, tx.commit_sha, dry_run)


def _write_drafts(drafted: list[Drafted], fmt: str, out_dir: Path, commit: str | None) -> None:
    """Write the drafts recorded in `commit` into `out_dir`; one that cannot be written (the folder
    taken since it was checked, a full disk) says the notices are recorded and how to render them."""
    try:
        out_folder(out_dir)
        for d in drafted:
            path = out_dir / f"{d.id}.{fmt}"
            if fmt == "md":
                path.write_text(d.draft.markdown, encoding="utf-8")
            else:
                assert d.docx is not None
                path.write_bytes(d.docx)
            d.paths.append(path)
    except (OSError, UsageError) as exc:
        ids = ", ".join(d.id for d in drafted)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(
            f"{ids} recorded (commit {(commit or '')[:10]}) but the draft could not be written to {out_dir} "
            f"({why}); write it with `meti-pi notify render ID --format {fmt} --out FOLDER`"
        ) from None


@dataclass
class Rendered:
    """A recorded notice rendered again (`notify render`): no id allocated, nothing recorded."""

    id: str
    kind: str
    file: str
    fmt: str
    title: str
    data: bytes
    register_commit: str | None
    md_sha256: str
    recorded_md_sha256: str | None
    path: Path | None = None

    @property
    def same_as_recorded(self) -> bool | None:
        """The Markdown is byte for byte the draft recorded (None: no hash recorded)."""
        return None if self.recorded_md_sha256 is None else self.md_sha256 == self.recorded_md_sha256

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "article": notices.ARTICLE.get(self.kind),
            "file": self.file,
            "format": self.fmt,
            "title": self.title,
            "register_commit": self.register_commit,
            "md_sha256": self.md_sha256,
            "recorded_md_sha256": self.recorded_md_sha256,
            "same_as_recorded": self.same_as_recorded,
            "path": str(self.path) if self.path else None,
        }


@contextmanager
def _of_commit(commit: str | None, notice_id: str) -> Iterator[None]:
    """A problem of the register at the notice's `register_commit` (render reads it as it was):
    its file:line is that commit's, which the message now says (the file at HEAD may not hold it)."""
    try:
        yield
    except MetiPiError as exc:
        if commit is None:
            raise
        said = f"{exc} [at commit {commit[:10]}: the register {notice_id} was drafted from]"
        if isinstance(exc, RuleViolation):
            raise RuleViolation(said, exc.problems) from None
        raise type(exc)(said) from None


def render_notice(
    root: Path, notice_id: str, *, fmt: str = "md", today: date, settings: Settings = DEFAULT
) -> Rendered:
    """Any recorded notice, in any format, from the register as it was when it was drafted (its
    `register_commit`): the same content as the draft, whatever has changed since. Writes nothing."""
    from meti_pi.store.register import tree_of

    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    now = Register.load(root, settings=settings)
    rec = _notice_record(now, notice_id)
    data = rec.data
    kind = str(data.get("kind"))
    if kind not in notices.NOTICE_KINDS:
        raise RuleViolation(f"{rec.relpath}: kind {kind!r} is not an Art. 35/36 notice meti-pi drafts")
    commit = data.get("register_commit") if isinstance(data.get("register_commit"), str) else None
    if (
        commit
        and not gitlayer.git(root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False).strip()
    ):
        # git's own "not a tree object", exit 3 (cannot run), said of a value of the notice's record
        raise RuleViolation(
            f"{rec.relpath}: register_commit {commit[:10]} names no commit of this repository (the register "
            "the notice was drafted from): the history it was drafted in is not here (a shallow clone, a "
            "rewritten history?) or the value was edited; fetch that history, or correct the value",
            (at(rec, ("register_commit",), "register-commit-unknown", "names no commit of this repository"),),
        )
    with _of_commit(commit, rec.id):  # a problem of the register at that commit is said to be of it
        reg = Register.load(root, at=tree_of(root, commit, settings), settings=settings) if commit else now
        return _rendered(root, reg, rec, commit, fmt, today)


def _rendered(root: Path, reg: Register, rec: Record, commit: str | None, fmt: str, today: date) -> Rendered:
    """The notice `rec` rendered from `reg`, the register at its `register_commit`."""
    data = rec.data
    kind, file_id = str(data.get("kind")), str(data.get("file"))
    file_rec = reg.get("files", file_id)
    if file_rec is None:
        raise RuleViolation(f"{rec.relpath}: files/{file_id} is not in the register")
    drafted_on = notices._date(data.get("drafted_on")) or today
    supersedes = data.get("supersedes") if isinstance(data.get("supersedes"), str) else None
    previous = reg.get("notifications", supersedes) if supersedes else None
    drafts = data.get("drafts") or {}
    fw = drafts.get("fullwidth_digits", policy_mod.fullwidth_digits(reg.policy))
    ctx = notice_drafts.DraftContext(
        notice_id=rec.id,
        kind=kind,
        drafted_on=drafted_on,
        items_hash=str(data.get("items_hash") or ""),
        register_commit=commit,
        change=bool(data.get("change")),
        supersedes=supersedes,
        supersedes_on=notices._date(previous.data.get("submitted_on")) if previous else None,
        changed_items=changed_items(root, reg, file_rec, previous, kind) if previous else None,
        late_reason=data.get("late_reason") if isinstance(data.get("late_reason"), str) else None,
        fullwidth_digits=bool(fw),
    )
    draft = notice_drafts.render(reg, file_rec, ctx)
    md = draft.markdown.encode("utf-8")
    blob = md if fmt == "md" else notice_drafts.docx(draft, reg.policy, drafted_on)
    recorded = drafts.get("md_sha256") if isinstance(drafts.get("md_sha256"), str) else None
    return Rendered(rec.id, kind, file_id, fmt, draft.title, blob, commit, _sha256(md), recorded)


def _ledger_notified(tx: Any, reg: Register, file_id: str, drafted: list[Drafted], today: date) -> None:
    """Add the new notices to the file's 台帳 entry (creating it) and mark withdrawn drafts."""
    entries = [
        {
            "notification": d.id,
            "kind": d.kind,
            "change": d.action == "change",
            "date": today.isoformat(),
            "items_hash": d.items_hash,
            "state": "drafted",
        }
        for d in drafted
    ]
    withdrawn = {old for d in drafted for old in d.withdrawn}
    if reg.get("ledger", file_id) is None:
        tx.create("ledger", {"file": file_id, "notified": entries}, id=file_id)
        return
    doc = tx.edit(f"ledger/{file_id}")
    if "notified" not in doc or doc["notified"] is None:
        doc["notified"] = []
    for entry in doc["notified"]:
        if entry.get("notification") in withdrawn:
            entry["state"] = "withdrawn"
    for e in entries:
        doc["notified"].append(e)
