"""Pre-fill rules of the checklist: name -> function(ctx, subject) -> Prefill (the register's answer and evidence)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from meti_pi.dates.calendar_jp import parse_day
from meti_pi.inspect import provisions
from meti_pi.inspect.applicability import _notices_of
from meti_pi.inspect.items import CLASS_JA, CLAUSE_NAMES, HANDLING_RULES, CatalogueItem, Prefill
from meti_pi.inspect.queries import (
    INCIDENT_STEPS,
    JUDGEMENT_STEPS,
    Context,
    annual_confirmation_due,
    creation_only,
    held_during,
    incident_steps,
    kind_ja,
    open_during,
    open_findings,
    subcontractors,
)
from meti_pi.inspect.years import jp_day
from meti_pi.notify.recorded import notice_made
from meti_pi.store import refs
from meti_pi.store.contracts import dispatches
from meti_pi.store.register import Record


def _training(audiences: tuple[str | None, ...], what: str) -> Callable[[Context, Record | None], Prefill | None]:
    def rule(ctx: Context, _: Record | None) -> Prefill | None:
        found = [
            t
            for t in ctx.division_data.get("training", [])
            if isinstance(t, dict) and t.get("audience") in audiences and ctx.done_by(t.get("date"))
        ]
        if found:
            ev = tuple(
                f"研修記録 {t['date']}「{t.get('course', '')}」"
                + (f"（受講 {t['attendees']}名）" if isinstance(t.get("attendees"), int) else "")
                for t in found
            )
            return Prefill("yes", ev)
        return Prefill(
            None, (ctx.said("当年度の") + f"{what}の研修記録なし（divisions/{ctx.division}.yaml training）",)
        )

    return rule


def _purposes(ctx: Context, _: Record | None) -> Prefill | None:
    return Prefill(None, tuple(f"{f.id}: 利用目的を登録済み（files/{f.id}.yaml purpose）" for f in ctx.files))


def _ledger_events(ctx: Context, kind: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for f in ctx.files:
        led = ctx.reg.data_of("ledger", f.id) or {}
        for e in led.get("events", []):
            if isinstance(e, dict) and e.get("kind") == kind and ctx.done_by(e.get("date")):
                out.append((f.id, e))
    return out


def _purpose_changes(ctx: Context, _: Record | None) -> Prefill | None:
    events = _ledger_events(ctx, "purpose_change")
    if not events:
        return Prefill(None, (ctx.said("当年度の利用目的変更の記録なし（台帳）"),))
    return Prefill(
        None, tuple(f"{fid}: {e['date']} 利用目的変更「{e.get('summary', '')}」（台帳）" for fid, e in events)
    )


def _notices_11(ctx: Context, _: Record | None) -> Prefill | None:
    # A division's files' notices from the references (meti_pi.store.refs): the others are not decoded.
    found = sorted(
        (
            n
            for f in {f.id for f in ctx.files}
            for n in refs.referring(ctx.reg, "notifications", f"files/{f}")
            if str(n.data.get("kind", "")).startswith("11-") and ctx.done_by(n.data.get("drafted_on"))
        ),
        key=lambda n: n.relpath,
    )
    if not found:
        return None
    return Prefill(
        None,
        tuple(
            f"第{kind_ja(str(n.data['kind']))}の通知 {n.id}（{n.data.get('state')}, {n.data.get('submitted_on') or n.data.get('drafted_on')}）"
            for n in found
        ),
    )


def _provisions(ctx: Context, _: Record | None) -> Prefill | None:
    """Art. 12(1): provisions under APPI 69(1) or 69(2)(ii)-(iv) only, by the 台帳's recorded basis."""
    events = _ledger_events(ctx, "provision")
    if not events:
        return Prefill(None, (ctx.said("当年度の提供の記録なし（台帳）"),))
    by = {k: [(fid, e) for fid, e in events if provisions.coverage(e.get("basis")) == k] for k in provisions.KINDS}

    def what(fid: str, e: dict[str, Any]) -> str:
        return f"{fid}: {e['date']} の提供（{e.get('recipient', '提供先不明')}）"

    outside = tuple(
        f"{what(fid, e)}は個人情報保護法第69条第2項第1号による提供（根拠「{e['basis']}」）：第12条第1項の対象外"
        for fid, e in by[provisions.EXCLUDED]
    )
    unknown = tuple(
        f"{what(fid, e)}の根拠（basis）"
        + (f"「{e['basis']}」から個人情報保護法第69条の項号が読み取れない" if e.get("basis") else "が台帳に記録がない")
        + "：第12条第1項（第69条第1項又は第2項第2号～第4号による提供）の対象か要確認"
        for fid, e in by[provisions.UNKNOWN]
    )
    covered = by[provisions.COVERED]
    # Art. 12(1) says 原則として: a provision without a recorded confirmation needs a look, not a verdict.
    missing = tuple(f"{what(fid, e)}に書面確認の記録（ref）がない" for fid, e in covered if not e.get("ref"))
    done = tuple(
        f"{fid}: {e['date']} 提供（{e.get('recipient', '')}）書面確認 {e['ref']}" for fid, e in covered if e.get("ref")
    )
    if missing or unknown or not covered:
        return Prefill(None, missing + unknown + outside)
    return Prefill("yes", done + outside)


def _purpose_notice(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    dwc = rec.data.get("direct_written_collection")
    if not isinstance(dwc, dict) or dwc.get("applies") is not True:
        return Prefill(None, (f"files/{rec.id}.yaml direct_written_collection が未登録",))
    if dwc.get("purpose_notice_ref"):
        return Prefill("yes", (f"利用目的の明示: {dwc['purpose_notice_ref']}",))
    if isinstance(dwc.get("exception"), int):
        return Prefill("yes", (f"第10条第{dwc['exception']}号の例外に該当（登録済み）",))
    return Prefill(
        "no",
        (
            f"書面による直接取得だが、利用目的の明示（purpose_notice_ref）も第10条各号の例外（exception）も記録がない: files/{rec.id}.yaml",
        ),
    )


def _contract_clauses(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    clauses = rec.data.get("clauses") or {}
    missing = [
        n
        for n, name in enumerate(CLAUSE_NAMES, 1)
        if not (isinstance(clauses.get(name), dict) and clauses[name].get("present") is True)
    ]
    ref = (rec.data.get("contract") or {}).get("ref")
    if missing:
        nums = "".join(f"({n})" for n in missing)
        return Prefill("no", (f"契約書に第14条第2項{nums}の記載がない（contractors/{rec.id}.yaml clauses）",))
    return Prefill("yes", ("第14条第2項(1)～(9)の記載あり" + (f"（契約書 {ref}）" if ref else ""),))


def _post_contract_confirmation(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    conf = rec.data.get("post_contract_confirmation")
    day = parse_day(conf.get("date")) if isinstance(conf, dict) else None
    if day is not None and day > ctx.ref_day:  # not yet taken place (as validate and item 14-4 count it)
        return Prefill(
            "no",
            (
                f"{conf['date']} の書面確認は基準日 {ctx.ref_day.isoformat()} より後の日付で、まだ行われていない"
                f"（contractors/{rec.id}.yaml post_contract_confirmation）",
            ),
        )
    if isinstance(conf, dict) and conf.get("date"):
        return Prefill("yes", (f"{conf['date']} 書面確認" + (f"（{conf['ref']}）" if conf.get("ref") else ""),))
    return Prefill("no", (f"契約締結後の書面確認の記録なし（contractors/{rec.id}.yaml post_contract_confirmation）",))


def _annual_confirmation(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    due, last = annual_confirmation_due(ctx.reg, rec, on=ctx.ref_day)
    months = ctx.policy["contractors"]["annual_check_months"]
    if last is not None:
        how = {"document": "書面", "onsite": "実地", "interview": "聴取"}.get(
            str(last.get("method")), str(last.get("method"))
        )
        last_txt = (
            f"最終確認 {last['date']}（{'契約締結後の確認（第14条第3項）' if last.get('post_contract') else how}）"
        )
        if last.get("result") == "improvement_requested":
            last_txt += "：改善要求あり"
    else:
        last_txt = f"年次確認の記録なし（契約開始 {(rec.data.get('contract') or {}).get('start')}）"
    end = (rec.data.get("contract") or {}).get("end")
    if due is not None:
        ahead = f"{last_txt}；次回期限 {due.isoformat()}"
    else:  # the contract ends before the next check falls due: none is owed
        ahead = f"{last_txt}；契約終了 {end} までに次の確認期限は到来しない" if end else last_txt
    if due is not None and due < ctx.ref_day:
        overdue = f"{last_txt}；{months}か月以内の確認期限 {due.isoformat()} を経過（第14条第4項、policy contractors.annual_check_months）"
        if creation_only(ctx.reg, rec, ctx.division, during=(ctx.start, ctx.end)):
            # The register does not record who makes the 行政機関等匿名加工情報: not a 否 on a guess.
            return Prefill(
                None, (overdue, "行政機関等匿名加工情報の作成に係る業務の委託か否かは登録簿に記録がない（要確認）")
            )
        return Prefill("no", (overdue,))
    if last is not None and ctx.in_year(last["date"]):
        return Prefill("yes", (ahead,))
    return Prefill(None, (ahead,))


def _subcontract_clauses(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    chain = [c for c in (ctx.reg.get("contractors", cid) for cid in subcontractors(ctx.reg, rec.id)) if c is not None]
    faults = []
    for c in chain:
        clauses = c.data.get("clauses") or {}
        missing = [
            n
            for n, name in enumerate(CLAUSE_NAMES, 1)
            if not (isinstance(clauses.get(name), dict) and clauses[name].get("present") is True)
        ]
        if missing:
            faults.append(f"再委託先 {c.id}: 第14条第2項{''.join(f'({n})' for n in missing)}の記載がない")
    if faults:
        return Prefill("no", tuple(faults))
    return Prefill(None, tuple(f"再委託先 {c.id}: 第14条第2項(1)～(9)の記載あり" for c in chain)) if chain else None


def _pseudonymized_delegation(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    value = rec.data.get("pseudonymized_delegation")
    if value is True:
        return Prefill("yes", ("仮名化して委託（pseudonymized_delegation: true）",))
    if value is False:
        return Prefill(None, ("仮名化せずに委託（pseudonymized_delegation: false）：必要性の判断を確認",))
    return None


def _dispatch_terms(ctx: Context, _: Record | None) -> Prefill | None:
    arrangements = [c for c in ctx.contractors if dispatches(c.data)]
    if not arrangements:
        return Prefill(None, ("派遣契約の記録なし（contractors の dispatched_workers）",))
    lacking = [c.id for c in arrangements if (c.data.get("dispatched_workers") or {}).get("contract_terms") is not True]
    if lacking:
        return Prefill(
            "no",
            tuple(
                f"{cid}: 労働者派遣契約書への取扱事項の明記が記録されていない（dispatched_workers.contract_terms）"
                for cid in lacking
            ),
        )
    return Prefill("yes", tuple(f"{c.id}: 労働者派遣契約書に取扱事項を明記" for c in arrangements))


def _classification_rationale(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    cls = rec.data.get("management_class")
    classification = rec.data.get("classification") or {}
    if not cls:
        return Prefill("no", (f"管理区分が定められていない（files/{rec.id}.yaml management_class）",))
    rationale = classification.get("rationale")
    if not rationale:
        return Prefill(
            "no",
            (f"{CLASS_JA.get(cls, cls)}とした理由が記録されていない（files/{rec.id}.yaml classification.rationale）",),
        )
    text = str(rationale)
    text = text if len(text) <= 80 else text[:79] + "…"
    decided = classification.get("decided_on")
    return Prefill("yes", (f"{CLASS_JA.get(cls, cls)}：{text}" + (f"（決定 {decided}）" if decided else ""),))


def _handling_rules(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    rules = rec.data.get("handling_rules") or {}
    missing = [
        (n, ja)
        for n, (key, ja) in enumerate(HANDLING_RULES, 1)
        if not (isinstance(rules.get(key), str) and rules[key].strip())
    ]
    if missing:
        names = "、".join(f"({n}){ja}" for n, ja in missing)
        return Prefill(
            "no",
            (
                f"第16条第2項の取扱方法が定められていない: {names}（files/{rec.id}.yaml handling_rules；該当しない事項は「該当なし」と記載）",
            ),
        )
    return Prefill("yes", (f"第16条第2項(1)～(8)の取扱方法を登録済み（files/{rec.id}.yaml handling_rules）",))


def _handling_review(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    reviewed = (rec.data.get("handling_rules") or {}).get("reviewed_on")
    if reviewed and ctx.done_by(reviewed):
        return Prefill("yes", (f"取扱方法の見直し {reviewed}",))
    return Prefill(
        None, (f"最終見直し {reviewed}" if reviewed else "取扱方法の見直しの記録なし（handling_rules.reviewed_on）",)
    )


def _foreign_environment(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    text = (rec.data.get("handling_rules") or {}).get("foreign_environment")
    if not text:
        return Prefill(
            "no",
            (
                f"外国で取り扱われるが、外的環境の把握（第16条第2項(8)）が定められていない（files/{rec.id}.yaml handling_rules.foreign_environment）",
            ),
        )
    return Prefill(None, ("外国における取扱いの方法を登録済み（handling_rules.foreign_environment）",))


def _disposal(ctx: Context, rec: Record | None) -> Prefill | None:
    assert rec is not None
    end = (rec.data.get("holding") or {}).get("end")
    if not end or not ctx.done_by(end):  # still held on the inspection's day: nothing to dispose of yet
        return None
    ledger = ctx.reg.data_of("ledger", rec.id)
    disposals = [
        e
        for e in (ledger or {}).get("events", [])
        if isinstance(e, dict) and e.get("kind") == "disposal" and _by(e.get("date"), ctx.ref_day)
    ]
    if disposals:
        return Prefill("yes", tuple(f"{e['date']} 消去・廃棄「{e.get('summary', '')}」（台帳）" for e in disposals))
    if ledger is not None and notice_made(ctx.reg, rec.id):  # the 台帳 records only notified files (Art. 38)
        return Prefill("no", (f"{end} に保有を終了したが、台帳に消去・廃棄の記録がない（ledger/{rec.id}.yaml）",))
    return Prefill(None, (f"{end} に保有を終了（消去・廃棄の記録を確認）",))


def _notice(ctx: Context, rec: Record | None, kind: str) -> Prefill | None:
    assert rec is not None
    st = _notices_of(ctx, rec).get(kind)
    if st is None:
        return None
    if st.submitted_on is not None and st.submitted_on > ctx.ref_day:
        # Made after the inspection: not yet made on its day (a fault then if already due).
        overdue = st.due is not None and st.due < ctx.ref_day
        said = f"{kind_ja(kind)}の通知は基準日 {ctx.ref_day.isoformat()} に未提出（期限 {jp_day(st.due)}"
        return Prefill(
            "no" if overdue else None,
            (said + (" を経過" if overdue else "") + f"；{jp_day(st.submitted_on)} に提出）",),
        )
    if st.state == "late" and st.submitted_on is not None and st.submitted_on < ctx.start:
        # Made late in an earlier year: that year's inspection was the place to find it.
        return Prefill("yes", (*st.evidence, ctx.said("（期限後の提出は前年度以前）")))
    answer = {"ok": "yes", "late": "no", "missing": "no", "stale": "no"}.get(st.state)
    return Prefill(answer, st.evidence)


def _by(value: Any, day: date) -> bool:
    """A recorded act dated `value` was done by `day` (one without a readable date is taken as done)."""
    on = parse_day(value)
    return on is None or on <= day


def _done_by(step: dict[str, Any], day: str) -> Any:
    """The step's `done_on` when it was done by `day` (the day facts are judged at), else None: a
    step done after the inspection was not done when the division was inspected (Art. 41)."""
    done = step.get("done_on")
    return done if done and str(done) <= day else None


def _incident_steps(ctx: Context, rec: Record | None, item_id: str) -> Prefill | None:
    assert rec is not None
    wanted = INCIDENT_STEPS.get(item_id, ())
    steps = [s for s in incident_steps(rec) if s.get("step") in wanted]
    if not steps:
        return None
    day = ctx.ref_day.isoformat()
    facts = rec.data.get("facts") or {}
    evidence, faults, pending = [], [], False
    for s in steps:
        title, due, done = s.get("title") or s.get("step"), s.get("due"), _done_by(s, day)
        art = s.get("article", "")
        if not s.get("required") and done:
            evidence.append(f"{title}（第{art}）: {done} 実施")
            continue
        if not s.get("required"):
            # Pre-fill facts, never a 管理者's judgement (issue 14 item 14): whether to publish, or to
            # contact the 本人 beyond a statutory duty, is decided by the 管理者 (Arts. 39(4), 40(2)).
            key = JUDGEMENT_STEPS.get(str(s.get("step")), "")
            if key and facts.get(key) is False:
                evidence.append(f"{title}（第{art}）: 行わないと管理者が判断（facts.{key}: false）")
            elif key:
                evidence.append(f"{title}（第{art}）: 要否は未判断（管理者が判断する；facts.{key} 未記録）")
                pending = True
            elif s.get("step") == "principal-notice":
                evidence.append(
                    f"{title}（第{art}）: 法令上の通知義務なし（登録された事実による評価）。本人への連絡等の要否は管理者が判断する（未記録）"
                )
                pending = True
            else:
                evidence.append(
                    f"{title}（第{art}）: 登録された事実によれば要件に該当しない"
                    + (f"；{s['note']}" if s.get("note") else "")
                )
            continue
        # The 速報 has a target (速報の目安, 「速やかに」), not a time limit: passing it is shown, not a fault.
        target = s.get("step") == "preliminary-report"
        limit = "目安" if target else "期限"
        if done:
            late = bool(due) and str(done) > str(due)
            evidence.append(
                f"{title}（第{art}）: {done} 実施（{limit} {due or '—'}）" + (f"：{limit}後" if late else "")
            )
            if late and not target:
                faults.append(title)
        elif due and str(due) < day:
            evidence.append(f"{title}（第{art}）: {limit} {due} を経過して未了")
            if target:
                pending = True
            else:
                faults.append(title)
        else:
            evidence.append(f"{title}（第{art}）: 未了（{limit} {due or '—'}）")
            pending = True
    if faults:
        return Prefill("no", tuple(evidence))
    if pending:
        return Prefill(None, tuple(evidence))
    required = [s for s in steps if s.get("required")]
    return Prefill("yes" if required else "na", tuple(evidence))


def _my_number_basis(ctx: Context, rec: Record | None) -> Prefill | None:
    """Facts only: the recorded basis of the 個人番号 (番号法 9, 19), never a verdict on 19/20."""
    assert rec is not None
    basis = rec.data.get("my_number_basis") or {}
    ev = [
        f"{label}: {basis[key]}"
        for key, label in (
            ("use_basis", "利用の根拠（番号法第9条）"),
            ("provision_basis", "提供の根拠（番号法第19条）"),
        )
        if isinstance(basis.get(key), str)
    ]
    if basis.get("relation_work") is True:
        ev.append("個人番号関係事務（my_number_basis.relation_work）")
    return Prefill(None, tuple(ev) or (f"個人番号の根拠が登録されていない（files/{rec.id}.yaml my_number_basis）",))


def _filebook_state(ctx: Context, _: Record | None) -> Prefill | None:
    files = [r for r in ctx.reg.of_kind("files") if held_during(r.data, ctx.start, ctx.end)]
    return Prefill(
        None,
        (
            ctx.said(
                f"当年度に保有された個人情報ファイル等 {len(files)}件（files/）。ファイル簿は `meti-pi export` で作成"
            ),
        ),
    )


def _ledger_state(ctx: Context, _: Record | None) -> Prefill | None:
    notified = {
        str(n.data.get("file"))
        for n in ctx.reg.of_kind("notifications")
        if str(n.data.get("kind", "")).startswith(("35-", "36"))
        and n.data.get("state") in ("submitted", "acknowledged")
    }
    missing = sorted(f for f in notified if ctx.reg.get("ledger", f) is None)
    ev = [f"第35条・第36条の通知を受けたファイル {len(notified)}件、台帳 {len(notified) - len(missing)}件"]
    if missing:
        ev.append(f"台帳のないファイル: {'、'.join(missing[:10])}{' ほか' if len(missing) > 10 else ''}（ledger/）")
        return Prefill("no", tuple(ev))
    return Prefill(None, tuple(ev))


# 副総括's reports to PPC (Arts. 39(5)-(7), 40(3)): the chain steps, and the grounds that put an incident under
# the paragraph (39(5): APPI 68 / 規則43, or the policy's line, 39(5) in the chain; 39(6): 特定個人情報; or both).
VICE_REPORTS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "39-5": (("preliminary-report", "final-report"), ("rule43-", "policy-line")),
    "39-6": (("preliminary-report", "final-report"), ("mynumber-",)),
    "39-7": (("art39-7-report", "art39-7-followup"), None),
    "40-3": (("art40-3-report",), None),
}


def _vice_reports(ctx: Context, item_id: str) -> Prefill | None:
    """Every incident of the ministry in the year whose PPC report falls under this paragraph."""
    wanted, ground = VICE_REPORTS[item_id]
    day = ctx.ref_day.isoformat()
    evidence, faults, pending, seen = [], False, False, False
    for rec in sorted(ctx.reg.of_kind("incidents"), key=lambda r: r.id):
        if not open_during(rec.data, ctx.start, ctx.ref_day):  # known after the inspection: not yet there
            continue
        a = rec.data.get("assessment") or {}
        grounds = [str(g) for g in (*(a.get("grounds") or ()), *(a.get("carried_grounds") or ()))]
        if ground and not any(g.startswith(ground) for g in grounds):
            continue
        for st in incident_steps(rec):
            if st.get("step") not in wanted or not st.get("required"):
                continue
            seen = True
            title, due, done = st.get("title") or st.get("step"), st.get("due"), _done_by(st, day)
            if done:
                late = bool(due) and str(done) > str(due) and st.get("step") != "preliminary-report"
                evidence.append(f"{rec.id} {title}: {done} 報告（期限 {due or '—'}）" + ("：期限後" if late else ""))
                faults = faults or late
            elif due and str(due) < day and st.get("step") != "preliminary-report":
                evidence.append(f"{rec.id} {title}: 期限 {due} を経過して未了")
                faults = True
            else:
                evidence.append(
                    f"{rec.id} {title}: 未了（{'目安' if st.get('step') == 'preliminary-report' else '期限'} {due or '—'}）"
                )
                pending = True
    if not seen:
        return Prefill("na", (ctx.said("当年度に該当する事案の記録なし（incidents/）"),))
    return Prefill("no" if faults else None if pending else "yes", tuple(evidence))


def _inspections_received(ctx: Context, _: Record | None) -> Prefill | None:
    # as found on the day facts are judged at (Art. 41): the inspections made by then, findings open then
    done = [r for r in ctx.reg.of_kind("inspections") if r.data.get("year") == ctx.year]
    done, day = [r for r in done if _by(r.data.get("inspected_on"), ctx.ref_day)], ctx.ref_day.isoformat()
    open_ = sum(
        1
        for r in done
        for f in r.data.get("findings") or []
        if isinstance(f, dict) and (f.get("status", "open") == "open" or str(f.get("closed_on") or "") > day)
    )
    # the findings of earlier years still open (overdue or carried) are what 41(2) most likely reports
    earlier = open_findings(ctx.reg, before_year=ctx.year, as_of=ctx.ref_day)
    carried = sum(1 for _, _, rec in earlier if rec.kind == "inspections")
    said = f"当年度の点検記録 {len(done)}件、当年度の未是正の指摘 {open_}件、前年度以前の未是正の指摘 {carried}件"
    return Prefill(None, (ctx.said(said + "（総括への報告の要否は副総括が判断する）"),))


def _reviews_done(ctx: Context, _: Record | None) -> Prefill | None:
    found = [r for r in ctx.reg.of_kind("reviews") if ctx.done_by(r.data.get("date"))]
    if not found:
        return Prefill(None, (ctx.said("当年度の評価及び見直しの記録なし（reviews/）"),))
    return Prefill(
        None,
        tuple(
            f"{r.id}: {r.data.get('date')} 評価"
            + (
                f"、総括への報告 {r.data['reported_to_sokatsu_on']}"
                if r.data.get("reported_to_sokatsu_on")
                else "、総括への報告の記録なし"
            )
            for r in found
        ),
    )


PREFILLS: dict[str, Callable[[Context, Record | None], Prefill | None]] = {
    "training_managers": _training(("managers",), "管理者等向け"),
    "training_handlers": _training(("handlers", None), "職員向け"),
    "training_system_staff": _training(("system_staff",), "システム管理担当者向け"),
    "purposes": _purposes,
    "purpose_changes": _purpose_changes,
    "notices_11": _notices_11,
    "provisions": _provisions,
    "purpose_notice": _purpose_notice,
    "contract_clauses": _contract_clauses,
    "post_contract_confirmation": _post_contract_confirmation,
    "annual_confirmation": _annual_confirmation,
    "subcontract_clauses": _subcontract_clauses,
    "pseudonymized_delegation": _pseudonymized_delegation,
    "dispatch_terms": _dispatch_terms,
    "classification_rationale": _classification_rationale,
    "handling_rules": _handling_rules,
    "handling_review": _handling_review,
    "foreign_environment": _foreign_environment,
    "disposal": _disposal,
    "my_number_basis": _my_number_basis,
    "filebook_state": _filebook_state,
    "ledger_state": _ledger_state,
    "inspections_received": _inspections_received,
    "reviews_done": _reviews_done,
    # These need the item's id as well; _prefill dispatches them.
    "notice": lambda ctx, rec: None,
    "incident_steps": lambda ctx, rec: None,
    "vice_reports": lambda ctx, rec: None,
}


def _prefill(ctx: Context, item: CatalogueItem, subject: Record | None) -> Prefill | None:
    if item.prefill is None:
        return None
    if item.prefill == "notice":
        return _notice(ctx, subject, item.id)
    if item.prefill == "incident_steps":
        return _incident_steps(ctx, subject, item.id)
    if item.prefill == "vice_reports":
        return _vice_reports(ctx, item.id)
    return PREFILLS[item.prefill](ctx, subject)
