"""Findings of `notify --check` and validate: missing, late and stale notices; the ministry's notices
to the PPC (APPI 74(1), 74(3)); obsolete drafts; the notification ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from meti_pi.classify.decision import item_9_words
from meti_pi.errors import LazyProblem, Problem
from meti_pi.notify.facts import facts_of, prime, quiet_of
from meti_pi.notify.recorded import KindStatus, _made_key, file_status, notices_by_file, notices_of_files
from meti_pi.notify.requirements import (
    ARTICLE,
    CHANGE_TIMING,
    FAILING,
    ITEMS_VERSION,
    MADE_STATES,
    NOTICE_KINDS,
    PPC_KINDS,
    Requirement,
    _date,
    _iso,
    _list,
    _map,
    decision_for,
    due_after,
    ppc_items_hash,
    requirement_of,
)
from meti_pi.store import problems, schema
from meti_pi.store.register import Record, Register


@dataclass(frozen=True, slots=True)
class Finding:
    """What `notify --check` says about one required notice of one file."""

    file: str
    kind: str
    status: str  # missing | late | stale (failing); due | late_explained | unhashed (listed)
    message: str
    path: str
    at: Any = None  # the line: found in the file when first read (store.problems.where), or an int
    key: str = ""
    due: date | None = None
    notification: str | None = None

    @property
    def failing(self) -> bool:
        return self.status in FAILING

    @property
    def line(self) -> int | None:
        """The line of the finding's key in its file (the file is parsed again for it: a finding
        that `validate` does not report, or that the write path discards, is never located)."""
        line: int | None = self.at.resolve() if hasattr(self.at, "resolve") else self.at
        return line

    @property
    def code(self) -> str:
        return "notice-" + self.status.replace("_", "-")

    def problem(self, severity: str = "warning") -> Problem:
        return LazyProblem.later(self.path, self.at, self.code, self.message, severity, self.key)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "kind": self.kind,
            "article": ARTICLE[self.kind],
            "status": self.status,
            "due": _iso(self.due),
            "notification": self.notification,
        }


def _locate(rec: Record, key_path: tuple[object, ...]) -> tuple[Any, str]:
    """Where `key_path` is in `rec`'s file (its line found when first read), and the key path as written."""
    return problems.where(rec, key_path), schema.key_path(key_path)


def _timing_words(req: Requirement) -> str:
    if req.since is not None:
        what = "created" if req.trigger == "creation" else "held"
        return f"{what} before the rule took effect {req.since.isoformat()}: 遅滞なく after that date (附則1; APPI 附則7(14))"
    if req.trigger == "creation":
        return "after creating 行政機関等匿名加工情報 (policy: 遅滞なく)"
    if req.timing == "before":
        return "あらかじめ: before the holding starts"
    return "遅滞なく after the holding starts"


def _anchor_words(req: Requirement) -> str:
    what = "creation" if req.trigger == "creation" else "holding start"
    return f"{what} {req.anchor.isoformat()}" if req.anchor else f"{what} not recorded"


def kind_findings(ks: KindStatus, today: date) -> list[Finding]:
    """The findings for one required notice (empty when it was made on time and is current)."""
    rec, req, kind = ks.file, ks.requirement, ks.kind
    art = f"Art. {req.article}"
    anchor_key: tuple[object, ...] = (
        ("anonymized_info", "created_on") if req.trigger == "creation" else ("holding", "start")
    )

    def finding(status: str, message: str, notification: str | None = None) -> Finding:
        at, key = _locate(rec, anchor_key)  # located when its line is read (validate reports failing findings only)
        return Finding(rec.id, kind, status, message, rec.relpath, at, key, req.due, notification)

    out: list[Finding] = []
    first = ks.first_made
    if first is None:
        draft = ks.pending_draft
        hint = f"run `meti-pi notify {rec.id} --kind {kind}`"
        if draft is not None:
            if draft.data.get("items_hash") == ks.current_hash:
                hint = f"draft {draft.id} ({draft.data.get('drafted_on')}) is not submitted; record it with `meti-pi notify submit {draft.id} --on DATE`"
            else:
                hint = f"draft {draft.id} is out of date (the file changed since); redraft with `meti-pi notify {rec.id} --kind {kind}`"
        if req.due is not None and today <= req.due:
            out.append(
                finding(
                    "due",
                    f"{art} notice due by {req.due.isoformat()} ({_timing_words(req)}; {_anchor_words(req)}); {hint}",
                    draft.id if draft else None,
                )
            )
        else:
            since = f"was due {req.due.isoformat()}" if req.due else "is due (date unknown)"
            out.append(
                finding(
                    "missing",
                    f"{art} notice not made; it {since} ({_timing_words(req)}; {_anchor_words(req)}); {hint}",
                    draft.id if draft else None,
                )
            )
        return out

    submitted = _date(first.data.get("submitted_on"))
    if req.due is not None and submitted is not None and submitted > req.due:
        reason = first.data.get("late_reason")
        when = "after the holding start" if req.timing == "before" else "after the 遅滞なく limit"
        when = "after the 遅滞なく limit" if req.since is not None else when
        base = f"{art} notice {first.id} was made {submitted.isoformat()}, {when} ({_timing_words(req)}; due {req.due.isoformat()})"
        if isinstance(reason, str) and reason.strip():
            out.append(finding("late_explained", base + "; the reason is recorded", first.id))
        else:
            out.append(
                finding("late", base + f"; record why with `meti-pi notify explain {first.id} --reason TEXT`", first.id)
            )

    latest = ks.latest_made
    assert latest is not None
    recorded = latest.data.get("items_hash")
    if not recorded:
        out.append(
            finding(
                "unhashed",
                f"{art} notice {latest.id} has no items_hash; whether it is current cannot be told",
                latest.id,
            )
        )
    elif latest.data.get("items_version", ITEMS_VERSION) != ITEMS_VERSION or recorded != ks.current_hash:
        draft = ks.pending_draft
        when = (
            "before the change (変更しようとするとき)"
            if CHANGE_TIMING[kind] == "before"
            else "遅滞なく after the change"
        )
        if draft is not None and draft.data.get("items_hash") == ks.current_hash:
            hint = f"change notice {draft.id} is drafted; record it with `meti-pi notify submit {draft.id} --on DATE`"
        else:
            hint = f"run `meti-pi notify {rec.id} --kind {kind}` to draft a change notice"
        out.append(
            finding(
                "stale",
                f"{art}: the notified items changed since notice {latest.id} ({latest.data.get('submitted_on')}); "
                f"a change notice is required {when}; {hint}",
                latest.id,
            )
        )
    return out


def held_on(data: dict[str, Any], today: date) -> bool:
    """False once the holding has ended (holding.end on or before today)."""
    end = _date(_map(data.get("holding")).get("end"))
    return end is None or end > today


def check(reg: Register, today: date) -> list[Finding]:
    """Every finding about required Art. 35/36 notices of the files still held, file by file."""
    files = sorted(reg.subjects("files"), key=lambda r: r.relpath)
    # A re-check of a few files (Register.focus) looks up their notices alone.
    index = notices_by_file(reg) if reg.focus is None else notices_of_files(reg, [r.id for r in files])
    out: list[Finding] = []
    for rec in files:
        if not held_on(rec.data, today) or quiet_holds(reg, rec):
            continue
        for ks in file_status(reg, rec, index):
            out.extend(kind_findings(ks, today))
    return out


def _notes(reg: Register, rec: Record) -> list[Record]:
    """The notices the engine reads for a file: its live Art. 35/36 notices, its made PPC notices."""
    made = _ppc_notices(reg)
    return [
        *notices_by_file(reg).get(rec.id, []),
        *made.get((rec.id, "appi-74-1"), []),
        *made.get((rec.id, "appi-74-3"), []),
    ]


def quiet_holds(reg: Register, rec: Record) -> bool:
    """The held file `rec` is known to give no finding (meti_pi.notify.facts.Quiet): its content and
    its notices are those it was found quiet with. The caller has checked that it is held today."""
    if reg.focus is not None or quiet_of(reg) is None:
        return False
    found: set[str] = reg.derived("quiet_files", _quiet_files)
    return rec.relpath in found and reg.records.get(rec.key) is rec


def _quiet_files(reg: Register) -> set[str]:
    """The relpaths of the files kept as quiet whose content and notices are as they were then
    (Quiet.holds for every file at once: one pass, the indexes looked up once)."""
    quiet = quiet_of(reg)
    assert quiet is not None
    index, made = notices_by_file(reg), _ppc_notices(reg)
    stored, cid = quiet.stored, quiet.cid
    out: set[str] = set()
    for rec in reg.of_kind("files"):
        rel = rec.relpath
        entry = stored.get(rel)
        if entry is None or entry[0] != cid(rec):
            continue
        rid = rec.id
        notes = [*index.get(rid, ()), *made.get((rid, "appi-74-1"), ()), *made.get((rid, "appi-74-3"), ())]
        kept = entry[1]
        if len(notes) == len(kept) and all(cid(n) == c for n, c in zip(notes, kept)):
            out.add(rel)
            quiet.now[rel] = entry
    return out


def quiet_consider(reg: Register, rec: Record, today: date) -> None:
    """Keep the held file `rec` as quiet if the engine gives it no finding today (where kept)."""
    quiet = quiet_of(reg)
    if quiet is None or reg.focus is not None or not held_on(rec.data, today):
        return
    if any(kind_findings(ks, today) for ks in file_status(reg, rec)) or ppc_findings(reg, rec, today):
        return
    quiet.mark(rec, _notes(reg, rec))


def check_with_ppc(reg: Register, today: date) -> list[Finding]:
    """`check`, then the ministry's own APPI 74(1)/74(3) notices to the PPC (`notify --check`).

    Kept apart from `check` (which validate and the inspection read): the PPC notices are the
    ministry's duty (the 総括's office), not the 管理者's Art. 35 notice. Each file's decision and
    hashes come from the cache where its content was seen before (meti_pi.notify.facts).
    """
    prime(reg)
    out = check(reg, today)
    quiet = quiet_of(reg) if reg.focus is None else None
    found = {f.path for f in out}
    for rec in sorted(reg.of_kind("files"), key=lambda r: r.relpath):
        held = held_on(rec.data, today)
        if held and quiet_holds(reg, rec):
            continue
        ppc = ppc_findings(reg, rec, today)
        out.extend(ppc)
        if held and quiet is not None and not ppc and rec.relpath not in found:
            quiet.mark(rec, _notes(reg, rec))
    return out


def _ppc_notices(reg: Register) -> dict[tuple[str, str], list[Record]]:
    """Made (submitted or acknowledged) PPC notices by (file id, kind), in the order made."""

    def build(reg: Register) -> dict[tuple[str, str], list[Record]]:
        out: dict[tuple[str, str], list[Record]] = {}
        for rec in reg.of_kind("notifications"):
            data = rec.data
            if data.get("kind") in PPC_KINDS and data.get("state") in MADE_STATES:
                out.setdefault((str(data.get("file")), str(data.get("kind"))), []).append(rec)
        for recs in out.values():
            recs.sort(key=_made_key)
        return out

    return reg.derived("ppc_notices", build)  # type: ignore[no-any-return]


def _made_internal_35_1(reg: Register, file_id: str) -> bool:
    return any(
        n.data.get("kind") == "35-1" and n.data.get("state") in MADE_STATES
        for n in notices_by_file(reg).get(file_id, [])
    )


def deemed_by_pia(data: dict[str, Any]) -> bool:
    """番号法 28(5): a published 特定個人情報保護評価書 counts as the APPI 74(1) notice (VERIFIED, brief §1.7)."""
    return _map(data.get("my_number_basis")).get("pia_status") == "published"


def ppc_requirements(reg: Register, rec: Record, today: date, decision: Any = None) -> list[Requirement]:
    """The PPC notices a file requires on `today`.

    appi-74-1: a 個人情報ファイル not excluded by 74(2)(i)-(xi) (the files 35(1) covers), unless a
      published PIA counts as the notice; before holding (held before 2022-04-01: 遅滞なく, APPI
      附則7(14)), while the file is held.
    appi-74-3: a file that was notified (an APPI 74(1) notice, or a 35(1) notice the 副総括 received
      for the ministry's notice) and has stopped being held (anchor holding.end) or now falls under
      74(2)(ix) (anchor principals.as_of): 遅滞なく, the policy's limit.
    """
    data = rec.data
    decision = decision if decision is not None else facts_of(reg, rec) or decision_for(reg, data)
    out: list[Requirement] = []
    held = held_on(data, today)
    if held and "35-1" in (getattr(decision, "notifications", ()) or ()) and not deemed_by_pia(data):
        base = requirement_of(reg, "35-1", data)
        out.append(Requirement("appi-74-1", base.timing, base.trigger, base.anchor, base.due, base.since))
    notified = bool(_ppc_notices(reg).get((rec.id, "appi-74-1"))) or _made_internal_35_1(reg, rec.id)
    if notified:
        end = _date(_map(data.get("holding")).get("end"))
        anchor: date | None = None
        trigger = ""
        if end is not None and end <= today:
            anchor, trigger = end, "holding_end"
        elif "74-2-9" in (getattr(decision, "exclusions", ()) or ()):
            anchor, trigger = _date(_map(data.get("principals")).get("as_of")), "below_threshold"
        if trigger:
            due = due_after(anchor, reg.policy) if anchor is not None else None
            out.append(Requirement("appi-74-3", "after", trigger, anchor, due))
    return out


def ppc_findings(reg: Register, rec: Record, today: date) -> list[Finding]:
    """Findings about the PPC notices a file requires: due, missing, late (explained or not)."""
    out: list[Finding] = []
    made = _ppc_notices(reg)
    facts = facts_of(reg, rec)
    for req in ppc_requirements(reg, rec, today, facts):
        art = ARTICLE[req.kind]
        key: tuple[object, ...] = {"holding_end": ("holding", "end"), "below_threshold": ("principals", "as_of")}.get(
            req.trigger, ("holding", "start")
        )
        what = {
            "appi-74-1": "the ministry's notice to the PPC of holding this 個人情報ファイル (個人情報保護委員会への事前通知)",
            "appi-74-3": "the ministry's notice to the PPC that this notified file "
            + (
                "is no longer held (保有をやめた)"
                if req.trigger == "holding_end"
                else f"fell under 74(2)(ix), {item_9_words(reg.policy)}"
            ),
        }[req.kind]
        when = (
            _timing_words(req)
            if req.kind == "appi-74-1"
            else f"遅滞なく after {req.anchor.isoformat() if req.anchor else '(date not recorded)'}"
        )
        hint = f"record it with `meti-pi notify record {rec.id} --kind {req.kind} --on DATE`"

        def finding(
            status: str,
            message: str,
            notification: str | None = None,
            req: Requirement = req,
            key: tuple[object, ...] = key,
        ) -> Finding:
            at, where = _locate(rec, key)
            return Finding(rec.id, req.kind, status, message, rec.relpath, at, where, req.due, notification)

        recs = made.get((rec.id, req.kind), [])
        if req.kind == "appi-74-3" and req.anchor is not None:  # a 74(3) notice answers the event it follows
            recs = [n for n in recs if (_date(n.data.get("submitted_on")) or date.min) >= req.anchor]
        if not recs:
            if req.due is not None and today <= req.due:
                out.append(finding("due", f"{art}: {what} is due by {req.due.isoformat()} ({when}); {hint}"))
            else:
                since = f"was due {req.due.isoformat()}" if req.due else "is due (date unknown)"
                out.append(finding("missing", f"{art}: {what} is not recorded; it {since} ({when}); {hint}"))
            continue
        first = recs[0]
        submitted = _date(first.data.get("submitted_on"))
        if req.due is not None and submitted is not None and submitted > req.due:
            reason = first.data.get("late_reason")
            base = f"{art} notice {first.id} was made {submitted.isoformat()}, after its due date {req.due.isoformat()} ({when})"
            if isinstance(reason, str) and reason.strip():
                out.append(finding("late_explained", base + "; the reason is recorded", first.id))
            else:
                out.append(
                    finding(
                        "late", base + f"; record why with `meti-pi notify explain {first.id} --reason TEXT`", first.id
                    )
                )
        latest = recs[-1]
        recorded = latest.data.get("items_hash")
        current = facts.ppc_hash if facts is not None else ppc_items_hash(rec.data)
        if req.kind == "appi-74-1" and recorded and recorded != current:
            out.append(
                finding(
                    "stale",
                    f"{art}: the notified items changed since the notice to the PPC {latest.id} "
                    f"({latest.data.get('submitted_on')}); a change notice is required before the change "
                    f"(変更しようとするとき); record it with `meti-pi notify record {rec.id} --kind appi-74-1 --on DATE`",
                    latest.id,
                )
            )
    return out


def obsolete_drafts(reg: Register, today: date) -> list[Finding]:
    """Drafts never submitted that no longer state what the file needs: the file no longer
    requires that kind of notice (reclassified, excluded, holding ended), or its notified items
    changed since the draft was made. Listed by `notify --check` and `status` (not failing: a
    draft is no notice), each with the command that ends it (`notify withdraw`)."""
    index = notices_by_file(reg)
    out: list[Finding] = []
    for fid, recs in sorted(index.items()):
        drafts = [n for n in recs if n.data.get("state") == "drafted"]
        if not drafts:
            continue
        file_rec = reg.get("files", fid)
        if file_rec is None or file_rec.key in reg.unchecked:
            continue
        statuses = {ks.kind: ks for ks in file_status(reg, file_rec, index)} if held_on(file_rec.data, today) else {}
        for n in drafts:
            kind = str(n.data.get("kind"))
            ks = statuses.get(kind)
            hint = f"end it with `meti-pi notify withdraw {n.id} --reason TEXT`"
            if ks is None:
                needs = ", ".join(ARTICLE[k] for k in statuses) or "no Art. 35/36 notice"
                why = f"files/{fid} no longer requires an Art. {ARTICLE.get(kind, kind)} notice (it requires: {needs})"
            elif n.data.get("items_hash") != ks.current_hash:
                why = f"files/{fid} changed since it was drafted ({n.data.get('drafted_on')}): it no longer states the file's items"
                hint += f", and draft again with `meti-pi notify {fid} --kind {kind} --redraft`"
            else:
                continue
            at, key = _locate(n, ("state",))
            out.append(
                Finding(
                    fid,
                    kind if kind in ARTICLE else "35-1",
                    "obsolete",
                    f"draft {n.id} is obsolete: {why}; {hint}",
                    n.relpath,
                    at,
                    key,
                    None,
                    n.id,
                )
            )
    return out


def ledger_findings(reg: Register) -> Iterator[Problem]:
    """The 台帳 lists each notice of its file with the notice's current state (Art. 38)."""
    # A re-check of a few notices (Register.focus) looks up their 台帳 alone (issue 18).
    ledgers = {rec.id: rec for rec in reg.of_kind("ledger")} if reg.focus is None else None
    for rec in reg.subjects("notifications"):
        fid = str(rec.data.get("file"))
        if rec.data.get("kind") not in NOTICE_KINDS or reg.get("files", fid) is None:
            continue
        ledger = ledgers.get(fid) if ledgers is not None else reg.get("ledger", fid)
        if ledger is not None and ledger.relpath in reg.unchecked:
            ledger = None
        entries = [e for e in _list(ledger.data.get("notified")) if isinstance(e, dict)] if ledger else []
        entry = next((e for e in entries if e.get("notification") == rec.id), None)
        if entry is None:
            yield problems.at(
                rec,
                ("file",),
                "ledger-missing",
                f"Art. 38: notice {rec.id} is not in the 台帳 ledger/{fid}.yaml; "
                "add it under `notified` (or re-record it with `meti-pi notify`)",
                "warning",
            )
        elif entry.get("state") not in (None, rec.data.get("state")):
            assert ledger is not None
            i = entries.index(entry)
            yield problems.at(
                ledger,
                ("notified", i, "state"),
                "ledger-state",
                f"Art. 38: the 台帳 says {rec.id} is {entry.get('state')}, "
                f"the notice says {rec.data.get('state')}; correct the 台帳",
                "warning",
            )


def register_check(reg: Register, today: date) -> tuple[list[Finding], list[Problem]]:
    """What `notify --check` reports: the findings of every file's notices (check_with_ppc), the
    obsolete drafts, and the 台帳 problems."""
    return check_with_ppc(reg, today) + obsolete_drafts(reg, today), list(ledger_findings(reg))


def notice_findings(reg: Register, today: date) -> Iterable[Problem]:
    """Rule findings for `validate` (warnings): required notices missing, late or stale; 台帳 out of step."""
    for f in check(reg, today):
        if f.failing:
            yield f.problem("warning")
    yield from ledger_findings(reg)
