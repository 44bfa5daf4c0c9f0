"""Applicability rules of the checklist: name -> (scope, function(ctx, subject) -> why, or None)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meti_pi.classify.profile import my_number_held
from meti_pi.inspect.items import CLASS_JA
from meti_pi.inspect.queries import (
    Context,
    NoticeState,
    ab_work,
    kind_ja,
    notice_states,
    required_notices,
    subcontractors,
    vice_office,
)
from meti_pi.notify.recorded import notices_of_files
from meti_pi.store import beppyo
from meti_pi.store.contracts import dispatches, outsources
from meti_pi.store.register import Record


def _file_label(rec: Record) -> str:
    cls = rec.data.get("management_class")
    return f"{rec.id}「{rec.data.get('name', '')}」（{CLASS_JA.get(cls, '管理区分未決定')}）"


def _always(ctx: Context, _: Record | None) -> str | None:
    return "全ての課等（第41条第1項の点検対象）"


def _holds_files(ctx: Context, _: Record | None) -> str | None:
    if not ctx.files:
        return None
    return (
        ctx.said("当年度に")
        + f"保有個人情報等を保有（{len(ctx.files)}件: {', '.join(f.id for f in ctx.files[:5])}{' ほか' if len(ctx.files) > 5 else ''}）"
    )


def _is_computer(data: dict[str, Any]) -> bool:
    return data.get("file_kind") == "computer" or bool(data.get("systems"))


def _holds_computer_files(ctx: Context, _: Record | None) -> str | None:
    ids = [f.id for f in ctx.files if _is_computer(f.data)]
    return f"情報システムで取り扱う保有個人情報等あり（{', '.join(ids)}）" if ids else None


def _system_list(ctx: Context, ids: list[str]) -> str:
    parts = []
    for sid in ids:
        d = ctx.reg.data_of("systems", sid) or {}
        parts.append(f"{sid}「{d.get('name', '')}」（別表第{d.get('beppyo_row', '?')}項）")
    return "、".join(parts)


def _gou(ctx: Context, _: Record | None) -> str | None:
    gou, _otsu = ctx.systems
    return f"別表の甲（システム管理課等）: {_system_list(ctx, gou)}" if gou else None


def _otsu(ctx: Context, _: Record | None) -> str | None:
    _gou_ids, otsu = ctx.systems
    return f"別表の乙（機器管理課等）: {_system_list(ctx, otsu)}" if otsu else None


def _system_units(ctx: Context, _: Record | None) -> str | None:
    """甲 or 乙 of a system (別表). Art. 8(2) trains every staff member managing a system that handles
    保有個人情報等 (乙's too); Art. 26 binds the 課等 holding its 設計書・構成図等, which the register does
    not record: they are asked of the system's 甲 and 乙, who answer 該当なし if they hold none."""
    gou, otsu = ctx.systems
    parts = [f"別表の甲（システム管理課等）: {_system_list(ctx, gou)}"] if gou else []
    parts += [f"別表の乙（機器管理課等）: {_system_list(ctx, otsu)}"] if otsu else []
    return "；".join(parts) or None


def _systems_of_others(ctx: Context, _: Record | None) -> str | None:
    """Art. 6(3): the division's files are on a system whose システム管理課等 (甲) is another division."""
    found = []
    for f in ctx.files:
        for sid in f.data.get("systems") or []:
            data = ctx.reg.data_of("systems", str(sid)) if isinstance(sid, str) else None
            pair = beppyo.gou_otsu(ctx.reg, data) if isinstance(data, dict) else None
            if pair is not None and pair[0].division_id != ctx.division:
                found.append(f"{f.id}→{sid}（甲: {pair[0].division_id or '未登録'}）")
    return (
        f"他の課等が甲（システム管理課等）である情報システムで保有個人情報等を取り扱う: {'、'.join(dict.fromkeys(found))}"
        if found
        else None
    )


def _supervises_bodies(ctx: Context, _: Record | None) -> str | None:
    bodies = [b for b in ctx.division_data.get("supervised_bodies") or [] if isinstance(b, str)]
    return (
        f"所管する独立行政法人等: {'、'.join(bodies)}（divisions/{ctx.division}.yaml supervised_bodies）"
        if bodies
        else None
    )


def _vice_office(ctx: Context, _: Record | None) -> str | None:
    if vice_office(ctx.reg) != ctx.division:
        return None
    return f"副総括個人情報保護管理者（{ctx.division_data.get('manager_post')}）の課等：副総括及び総括の補佐としての任務（第6条第2項、第37条、第38条、第39条、第40条、第41条第2項、第43条）"


def _anonymized_info(ctx: Context, _: Record | None) -> str | None:
    ids = [
        f.id
        for f in ctx.files
        if (f.data.get("anonymized_info") or {}).get("created")
        or (f.data.get("anonymized_info") or {}).get("invites_proposals")
    ]
    return f"行政機関等匿名加工情報に係るファイルあり（{', '.join(ids)}）" if ids else None


def _dispatched_workers(ctx: Context, _: Record | None) -> str | None:
    files = [f.id for f in ctx.files if f.data.get("dispatched_workers") is True]
    arrangements = [c.id for c in ctx.contractors if dispatches(c.data)]
    if not files and not arrangements:
        return None
    parts = [f"派遣労働者が取り扱うファイル: {', '.join(files)}"] if files else []
    parts += [f"派遣契約: {', '.join(arrangements)}"] if arrangements else []
    return "；".join(parts)


def _incident_in_year(ctx: Context, _: Record | None) -> str | None:
    return ctx.said("当年度に") + f"事案あり（{', '.join(i.id for i in ctx.incidents)}）" if ctx.incidents else None


def _held(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    return f"保有ファイル {_file_label(rec)}"


def _computer_file(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    return f"情報システムで取り扱うファイル {_file_label(rec)}" if _is_computer(rec.data) else None


def _foreign_processing(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    countries = [c for c in rec.data.get("foreign_processing", []) if isinstance(c, str)]
    return f"外国で取り扱われるファイル {_file_label(rec)}（{', '.join(countries)}）" if countries else None


def _my_number_file(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    return (
        f"個人番号を含むファイル {_file_label(rec)}"
        if my_number_held(rec.data.get("characteristics")) is True
        else None
    )


def _relation_work(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    basis = rec.data.get("my_number_basis") or {}
    return (
        f"個人番号関係事務のファイル {_file_label(rec)}（my_number_basis.relation_work）"
        if basis.get("relation_work") is True
        else None
    )


def _direct_collection(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    dwc = rec.data.get("direct_written_collection")
    if not isinstance(dwc, dict) or "applies" not in dwc:
        return f"書面による本人からの直接取得の有無が未登録のため確認: {_file_label(rec)}"
    return f"本人から書面で直接取得するファイル {_file_label(rec)}" if dwc.get("applies") is True else None


def _contractor(ctx: Context, rec: Record | None) -> str | None:
    """Art. 14 is asked of 委託 only: a 労働者派遣契約 (contract.kind: dispatch) is item 15's."""
    assert rec is not None
    return f"委託先 {rec.id}「{rec.data.get('name', '')}」" if outsources(rec.data) else None


def _ab_work(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    if not outsources(rec.data):
        return None
    applies, why = ab_work(ctx.reg, rec, ctx.division, during=(ctx.start, ctx.end))
    return f"委託先 {rec.id}「{rec.data.get('name', '')}」: {why}" if applies else None


def _subcontracting(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    if not outsources(rec.data):
        return None
    children = subcontractors(ctx.reg, rec.id)
    parent = rec.data.get("parent")
    if not children and not parent:
        return None
    parts = [f"再委託先: {', '.join(children)}"] if children else []
    parts += [f"{parent} からの再委託"] if parent else []
    return f"委託先 {rec.id}: {'；'.join(parts)}"


def _incident(ctx: Context, rec: Record | None) -> str | None:
    assert rec is not None
    state = "対応中" if rec.data.get("state") == "open" else "終結"
    return f"事案 {rec.id}（覚知 {rec.data.get('known_on')}、{state}）"


def _notices_of(ctx: Context, rec: Record) -> dict[str, NoticeState]:
    cache = ctx._cache.setdefault("notices", {})
    if rec.id not in cache:
        # The file's own notices from the references (meti_pi.store.refs): no other notification is decoded.
        mine = notices_of_files(ctx.reg, [rec.id])
        cache[rec.id] = {st.kind: st for st in notice_states(ctx.reg, rec, ctx.ref_day, mine)}
    return cache[rec.id]  # type: ignore[no-any-return]


def _notice_rule(kind: str) -> Callable[[Context, Record | None], str | None]:
    def rule(ctx: Context, rec: Record | None) -> str | None:
        assert rec is not None
        if kind not in _notices_of(ctx, rec):
            return None
        why = required_notices(ctx.reg, rec.data).get(kind) or f"通知の要否の判定により{kind_ja(kind)}の通知を要する"
        return f"{_file_label(rec)}: {why}"

    return rule


APPLIES: dict[str, tuple[str, Callable[[Context, Record | None], str | None]]] = {
    "always": ("division", _always),
    "holds_files": ("division", _holds_files),
    "holds_computer_files": ("division", _holds_computer_files),
    "gou": ("division", _gou),
    "otsu": ("division", _otsu),
    "system_units": ("division", _system_units),
    "systems_of_others": ("division", _systems_of_others),
    "supervises_bodies": ("division", _supervises_bodies),
    "vice_office": ("division", _vice_office),
    "my_number_file": ("file", _my_number_file),
    "relation_work": ("file", _relation_work),
    "anonymized_info": ("division", _anonymized_info),
    "dispatched_workers": ("division", _dispatched_workers),
    "incident_in_year": ("division", _incident_in_year),
    "held": ("file", _held),
    "computer_file": ("file", _computer_file),
    "foreign_processing": ("file", _foreign_processing),
    "direct_collection": ("file", _direct_collection),
    "notice_35_1": ("file", _notice_rule("35-1")),
    "notice_35_2": ("file", _notice_rule("35-2")),
    "notice_35_3": ("file", _notice_rule("35-3")),
    "notice_36": ("file", _notice_rule("36")),
    "contractor": ("contractor", _contractor),
    "ab_work": ("contractor", _ab_work),
    "subcontracting": ("contractor", _subcontracting),
    "incident": ("incident", _incident),
}
