"""`decide`: the Art. 16 decision from a Profile and the policy, one Reason per step (see classification)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from meti_pi.classify.profile import (
    _LAW,
    CLASS_A_TRIGGERS,
    CLASS_RANK,
    DEFAULT_FINANCIAL_COMBINATIONS,
    DEFAULT_MIN_PRINCIPALS,
    ITEMS_74_2,
    NOTIFICATIONS,
    Decision,
    Profile,
    Reason,
    _mapping,
    _unique,
)
from meti_pi.store.policy import LEGAL_THRESHOLDS

# Said after a count line that is policy.yaml's and not the law's or the rule's (validate warns of it:
# checks.thresholds): the reasons are the 管理者's and the ファイル簿 records', and 千人以上 or 令20's
# number would be untrue of it.
POLICY_LINE = "運用ポリシーの閾値"


def _policy_line(floor: int, key: str) -> bool:
    """`floor` is policy.yaml's own line for `thresholds.<key>`, not the law's or the rule's."""
    return floor != LEGAL_THRESHOLDS[key]


def _class_b_line(floor: int) -> str:
    """16(1)'s line in a reason: 千人以上, or the policy's number saying whose it is."""
    return f"{floor:,}人以上：{POLICY_LINE}" if _policy_line(floor, "class_b_min_principals") else "千人以上"


def _below_line(floor: int) -> str:
    """74(2)(ix)'s line in a reason, '1,000人' or '500人（運用ポリシーの閾値）'."""
    return f"{floor:,}人" + (f"（{POLICY_LINE}）" if _policy_line(floor, "filebook_min_principals") else "")


@dataclass(frozen=True)
class _Policy:
    class_b_min: int
    filebook_min: int
    triggers: tuple[str, ...]
    financial_combinations: tuple[tuple[str, ...], ...] = DEFAULT_FINANCIAL_COMBINATIONS


def count_floors(policy: Mapping[str, Any] | None) -> tuple[int, int]:
    """The lines a count of 本人 is held against: 管理B (16(1)) and 74(2)(ix) (the ファイル簿), as
    policy.yaml's `thresholds` sets them (0 included), else the law's. Every reader of the two
    takes them from here (the ファイル簿, inspect, validate's words), so all answer alike."""
    thresholds = _mapping((policy or {}).get("thresholds"))
    return (
        int(thresholds.get("class_b_min_principals", DEFAULT_MIN_PRINCIPALS)),
        int(thresholds.get("filebook_min_principals", DEFAULT_MIN_PRINCIPALS)),
    )


def item_9_words(policy: Mapping[str, Any] | None) -> str:
    """74(2)(ix)'s line as the decision applies it, in English messages: 'fewer than 1,000 本人', or
    the policy's other number saying whose it is (the law's, 令20, beside it)."""
    floor = count_floors(policy)[1]
    if not _policy_line(floor, "filebook_min_principals"):
        return f"fewer than {floor:,} 本人"
    law = LEGAL_THRESHOLDS["filebook_min_principals"]
    return f"fewer than {floor:,} 本人 (policy.yaml thresholds.filebook_min_principals; 令20: {law:,})"


def _policy(policy: Mapping[str, Any] | None) -> _Policy:
    policy = policy or {}
    class_b_min, filebook_min = count_floors(policy)
    classification = _mapping(policy.get("classification"))
    triggers = classification.get("class_a_triggers")
    combos = _mapping(policy.get("financial_damage")).get("combinations")
    return _Policy(
        class_b_min=class_b_min,
        filebook_min=filebook_min,
        triggers=tuple(triggers) if isinstance(triggers, list) else CLASS_A_TRIGGERS,
        financial_combinations=(
            tuple(tuple(str(i) for i in c) for c in combos if isinstance(c, list) and c)
            if isinstance(combos, list)
            else DEFAULT_FINANCIAL_COMBINATIONS
        ),
    )


@dataclass
class _Steps:
    reasons: list[Reason] = field(default_factory=list)

    def add(self, rule: str, article: str, text: str) -> None:
        self.reasons.append(Reason(rule, article, text))


def decide(profile: Profile, policy: Mapping[str, Any] | None) -> Decision:
    """The management class, file status, exclusions, notices and ファイル簿 listing of `profile`."""
    pol = _policy(policy)
    steps = _Steps()
    financial = _financial(profile, pol, steps)
    personal = _personal_information(profile, steps)
    derived = _management_class(replace(profile, financial=financial), pol, personal, steps)
    counted = personal or profile.processing == "anonymized"  # 保有個人情報等, classed by their 本人 too
    n = profile.principals
    lowest = "B" if counted and n is not None and n >= pol.class_b_min else "C"
    klass = _decided_class(profile, derived, lowest, pol.class_b_min, steps)
    pif = _personal_information_file(profile, personal, steps)
    exclusions = _effective_exclusions(profile, pol, pif, steps)
    notifications = _notifications(profile, klass, personal, pif, exclusions, steps)
    listed = _filebook_listed(profile, pif, exclusions, steps)
    if profile.anonymized_info_created and pif and not listed:
        steps.add(
            "anonymized:unlisted-source",
            f"{_LAW}第60条第3項第1号",
            "ファイル簿に掲載されない個人情報ファイル（第75条第2項の除外又は第3項による不掲載）からは行政機関等匿名加工情報を作成できない",
        )
    _gaps(profile, pol, klass, pif, exclusions, notifications, listed, steps)
    return Decision(
        management_class=klass,
        reasons=tuple(steps.reasons),
        personal_information_file=pif,
        exclusions=exclusions,
        notifications=notifications,
        filebook_listed=listed,
        specific_personal_information=profile.my_number,
        personal_information=personal,
        derived_class=derived,
        financial=financial,
        lowest_class=lowest,
        class_b_min=pol.class_b_min,
    )


def _financial(profile: Profile, pol: _Policy, steps: _Steps) -> bool:
    """財産的被害のおそれ: stated, or the items held complete one of the policy's combinations."""
    if profile.financial:
        return True
    held = set(profile.financial_items)
    if _completed(held, pol.financial_combinations) is not None:
        return True
    if held:
        steps.add(
            "financial:not-alone",
            "規程第16条第1項",
            f"保有する項目（{', '.join(sorted(held))}）だけでは財産的被害のおそれに当たらない"
            "（policy financial_damage の組合せに当たらない。例：口座番号のみでは不正利用できない）",
        )
    return False


def _completed(held: set[str], combinations: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    return next((c for c in combinations if held.issuperset(c)), None)


def financial_damage(items: Iterable[str], policy: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The policy's `financial_damage` combination that the financial `items` complete, if any
    (for other readers of the same rule, e.g. an incident's 規則43(2) assessment)."""
    return _completed(set(items), _policy(policy).financial_combinations)


def _decided_class(profile: Profile, derived: str, lowest: str, floor: int, steps: _Steps) -> str:
    """規程16(1): the 個人情報保護管理者 decides the class; the engine's class is advice, but the
    table's line of 千人 is not (`lowest`: what is neither 管理A nor 千人以上 is 管理C)."""
    decided = profile.decided_class
    if decided is None or decided == derived:
        return derived
    if CLASS_RANK[decided] < CLASS_RANK[lowest]:
        steps.add(
            "class-below-rule",
            "規程第16条第1項",
            f"個人情報保護管理者の判断は管理{decided}だが、本人の数 {profile.principals:,}人は"
            + (f"{floor:,}人以上（{POLICY_LINE}）" if _policy_line(floor, "class_b_min_principals") else "千人以上")
            + "であり、"
            "管理Aに区分されるもの以外は管理Bとなる（管理Cは管理A又は管理Bに区分されるもの以外）",
        )
        return decided
    lower = CLASS_RANK[decided] < CLASS_RANK[derived]
    steps.add(
        "class-decided",
        "規程第16条第1項",
        f"個人情報保護管理者が管理{decided}と判断（判定エンジンの目安は管理{derived}）"
        + (
            "：目安より低い区分のため、その理由の記録を要する"
            if lower
            else "（「これに準ずる管理が適当と判断されるもの」等）"
        ),
    )
    return decided


def _identifier_held(profile: Profile) -> bool:
    return profile.my_number or profile.biometric or bool(profile.identification_codes)


def _personal_information(profile: Profile, steps: _Steps) -> bool:
    """APPI 2(1): personal unless nobody is recorded, or the data is anonymized without identifiers."""
    if profile.processing == "anonymized":
        if _identifier_held(profile):
            steps.add(
                "anonymized-with-identifiers",
                f"{_LAW}第2条第6項",
                "匿名加工とされているが個人識別符号を含む。匿名加工では個人識別符号の全部を削除するため、個人情報として判定する",
            )
            return True
        steps.add(
            "anonymized",
            f"{_LAW}第2条第6項",
            "匿名加工情報であり個人情報に当たらない（個人情報ファイルに当たらず第35条第1項・第2項の対象外。管理区分は保有個人情報等として判定する）",
        )
        return False
    if profile.principals == 0 and not (_identifier_held(profile) or profile.sensitive):
        steps.add(
            "no-personal-information",
            f"{_LAW}第2条第1項",
            "特定の個人を識別できる情報が見つからない（本人0人）：個人情報に当たらない",
        )
        return False
    if profile.processing == "pseudonymized":
        steps.add(
            "pseudonymized",
            f"{_LAW}第2条第5項",
            "仮名加工は他の情報と照合すれば個人を識別できるため、個人情報として判定を続ける（識別の容易性は規程第16条第1項の考慮要素）",
        )
    return True


def japanese_label(code: str) -> str:
    """The Japanese name of a 要配慮 category or 個人識別符号 kind ('medical_history' -> '病歴'):
    reasons are read by officers, and end up in documents."""
    from meti_pi.classify.detect import vocabulary

    voc = vocabulary()
    for c in voc.sensitive:
        if c.id == code:
            return c.label
    for k in voc.kinds:
        if k.id == code:
            return k.label
    return code


def _class_a_grounds(profile: Profile, pol: _Policy) -> list[tuple[str, str]]:
    """(trigger, text) for each policy trigger the profile meets."""
    other_codes = [japanese_label(c) for c in profile.identification_codes if c not in ("my_number", "biometric")]
    held = {
        "my_number": (profile.my_number, "個人番号を含む"),
        "sensitive": (
            profile.sensitive,
            "要配慮個人情報を含む"
            + (
                f"（{'、'.join(japanese_label(c) for c in profile.sensitive_categories)}）"
                if profile.sensitive_categories
                else ""
            ),
        ),
        "biometric": (profile.biometric, "生体情報（個人識別符号）を含む"),
        "identification_code": (bool(other_codes), f"個人識別符号を含む（{'、'.join(other_codes)}）"),
        "financial": (profile.financial, "漏えい時に財産的被害のおそれがある情報（口座番号・カード番号等）を含む"),
        "confidential": (
            profile.confidential,
            "管理者が秘匿性を有し漏えい時に重大な支障が生じるおそれがあると判断した",
        ),
    }
    # The 管理者's confidentiality judgement is the rule's own test for 管理A (16(1)); the other
    # triggers are a DERIVED policy default that policy.yaml may narrow.
    triggers = (*[t for t in pol.triggers if t != "confidential"], "confidential")
    return [(t, held[t][1]) for t in triggers if t in held and held[t][0]]


def _management_class(profile: Profile, pol: _Policy, personal: bool, steps: _Steps) -> str:
    """規程16(1): A by policy triggers or judgement; B from the threshold of 本人; else C."""
    article = "規程第16条第1項"
    grounds = _class_a_grounds(profile, pol)
    if grounds:
        for trigger, text in grounds:
            steps.add(f"class-a:{trigger}", article, f"{text} → 管理A（policy の管理A該当事由 {trigger}）")
        return "A"
    if not personal and profile.processing != "anonymized":
        steps.add("class-c:not-personal", article, "個人情報を含まず管理A該当事由もない → 管理C")
        return "C"
    if not personal:
        steps.add(
            "class:anonymized",
            "規程第3条第13項・第16条第1項",
            f"行政機関等匿名加工情報も保有個人情報等に当たるため、本人の数（{_class_b_line(pol.class_b_min)}）による管理区分の判定を行う",
        )
    n, floor = profile.principals, pol.class_b_min
    if n is None:
        steps.add(
            "class-b:unknown-count",
            article,
            f"本人の数が不明 → 計数されるまで管理B（{floor:,}人以上"
            + (f"：{POLICY_LINE}" if _policy_line(floor, "class_b_min_principals") else "")
            + "）として扱う",
        )
        return "B"
    if n >= floor:
        line = POLICY_LINE if _policy_line(floor, "class_b_min_principals") else "千人以上"
        steps.add("class-b", article, f"本人の数 {n:,}人 ≥ {floor:,}人（{line}）→ 管理B")
        return "B"
    line = f"（{POLICY_LINE}）" if _policy_line(floor, "class_b_min_principals") else ""
    steps.add("class-c", article, f"管理A該当事由なし、本人の数 {n:,}人 < {floor:,}人{line} → 管理C")
    return "C"


def _personal_information_file(profile: Profile, personal: bool, steps: _Steps) -> bool:
    """規程3(9) / APPI 60(2): a 電算処理 or マニュアル処理 file of 保有個人情報."""
    if not personal:
        return False
    if profile.file_kind == "none":
        steps.add(
            "not-a-file",
            f"{_LAW}第60条第2項",
            "検索できるよう体系的に構成されていない（file_kind: none）→ 個人情報ファイルに当たらない保有個人情報",
        )
        return False
    kind = (
        "電算処理ファイル（第60条第2項第1号）"
        if profile.file_kind == "computer"
        else "マニュアル処理ファイル（第60条第2項第2号）"
    )
    steps.add(
        "personal-information-file", f"{_LAW}第60条第2項・規程第3条第9項", f"{kind}として個人情報ファイルに当たる"
    )
    if profile.my_number:
        steps.add(
            "my-number-file",
            "規程第3条第9項・第10項",
            "規程3(9)は個人番号を含むものを個人情報ファイルから除くが、3(10)は特定個人情報ファイルを個人情報ファイルと定義する（規程の矛盾）。"
            "個人情報ファイルとして扱い、第35条第3項の通知に回す",
        )
    return True


def _effective_exclusions(profile: Profile, pol: _Policy, pif: bool, steps: _Steps) -> tuple[str, ...]:
    """Claimed exclusions plus 74(2)(9) below the threshold and 74(2)(11) for manual files."""
    if not pif:
        if profile.exclusions:
            steps.add(
                "exclusions-not-applicable",
                f"{_LAW}第74条第2項",
                "個人情報ファイルではないため、申告された除外は判定に使わない",
            )
        return ()
    n, floor = profile.principals, pol.filebook_min
    item9 = f"{_LAW}第74条第2項第9号・施行令第20条"
    manual = profile.file_kind == "manual"
    effective = [
        e for e in profile.exclusions if (e != "74-2-9" or (n is not None and n < floor)) and (e != "74-2-11" or manual)
    ]
    for item in profile.exclusions:
        if item not in effective:
            if item == "74-2-11":  # 第60条第2項第2号のファイル (paper) only: a computer file is not one
                steps.add(
                    "exclusion-refused:74-2-11",
                    f"{_LAW}第74条第2項第11号・第60条第2項第2号",
                    "申告された第74条第2項第11号の除外は認められない：マニュアル処理ファイル（第60条第2項第2号）"
                    f"ではない（種別 {profile.file_kind}）",
                )
                continue
            count = "不明" if n is None else f"{n:,}人"
            steps.add(
                "exclusion-refused:74-2-9",
                item9,
                f"申告された第74条第2項第9号の除外は認められない：本人の数 {count}（{_below_line(floor)}未満であることが確認できない）",
            )
            continue
        label = _label_of(item)
        if item == "74-2-9" and n is not None and _policy_line(floor, "filebook_min_principals"):
            # not 政令で定める数（1,000人）: the policy's line accepted it (validate warns of the line)
            label = f"第74条第2項第9号（本人の数 {n:,}人 < {_below_line(floor)}）"
        steps.add(f"exclusion:{item}", _article_of(item), f"申告された除外: {label}")
    if n is not None and n < floor and "74-2-9" not in effective:
        effective.append("74-2-9")
        steps.add("exclusion:74-2-9", item9, f"本人の数 {n:,}人 < {_below_line(floor)} → 第74条第2項第9号に当たる")
    elif n is not None and "74-2-9" not in effective:
        steps.add(
            "scope:74-2-9", item9, f"本人の数 {n:,}人は{_below_line(floor)}未満ではない → 第74条第2項第9号に当たらない"
        )
    elif n is None and "74-2-9" not in effective:
        steps.add("scope:74-2-9-unknown", item9, "本人の数が不明のため第74条第2項第9号は適用しない")
    if profile.file_kind == "manual" and "74-2-11" not in effective:
        effective.append("74-2-11")
        steps.add("exclusion:74-2-11", f"{_LAW}第74条第2項第11号", "マニュアル処理ファイル → 第74条第2項第11号に当たる")
    return tuple(sorted(_unique(effective), key=_exclusion_order))


def _exclusion_order(item: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in item.split("-"))


def _article_of(item: str) -> str:
    parts = item.split("-")
    if parts[0] == "74":
        return f"{_LAW}第74条第2項第{parts[2]}号"
    if parts[:2] == ["75", "2"]:
        return f"{_LAW}第75条第2項第{parts[2]}号"
    return f"{_LAW}第75条第3項"


def _label_of(item: str) -> str:
    parts = item.split("-")
    if parts[0] == "74":
        return f"第74条第2項第{parts[2]}号（{ITEMS_74_2[int(parts[2])]}）"
    if parts[:2] == ["75", "2"]:
        return f"第75条第2項第{parts[2]}号（ファイル簿への掲載除外）"
    return "第75条第3項（ファイル簿に掲載しない）"


def _items(exclusions: tuple[str, ...], numbers: range | tuple[int, ...]) -> list[str]:
    wanted = {f"74-2-{n}" for n in numbers}
    return [e for e in exclusions if e in wanted]


def _notifications(
    profile: Profile, klass: str, personal: bool, pif: bool, exclusions: tuple[str, ...], steps: _Steps
) -> tuple[str, ...]:
    """規程35(1)-(3) and 36."""
    out: list[str] = []
    if pif:
        hit = _items(exclusions, range(1, 12))
        if hit:
            steps.add(
                "no-notify:35-1",
                "規程第35条第1項",
                f"第74条第2項各号に当たる（{', '.join(hit)}）→ 第35条第1項の通知は不要",
            )
        else:
            out.append("35-1")
            steps.add(
                "notify:35-1",
                "規程第35条第1項",
                "第74条第2項第1号～第11号のいずれにも当たらない個人情報ファイル → 保有しようとするとき、あらかじめ副総括に通知",
            )
    if klass in ("A", "B") and personal:  # 35(2) covers 保有個人情報, files or not
        hit = _items(exclusions, (*range(1, 10), 11))
        if "35-1" in out:
            steps.add("no-notify:35-2", "規程第35条第2項", "第35条第1項で通知するものは第2項の対象から除かれる")
        elif hit:
            steps.add(
                "no-notify:35-2",
                "規程第35条第2項",
                f"第74条第2項第1号～第9号・第11号に当たる（{', '.join(hit)}）→ 第35条第2項の通知は不要",
            )
        else:
            out.append("35-2")
            text = f"管理{klass}の保有個人情報で第35条第2項の除外に当たらない → 保有したとき遅滞なく副総括に通知"
            if "74-2-10" in exclusions:
                text += "（第74条第2項第10号は第2項では除外されない）"
            steps.add("notify:35-2", "規程第35条第2項", text)
    if profile.my_number:
        out.append("35-3")
        steps.add(
            "notify:35-3",
            "規程第35条第3項",
            "個人番号・特定個人情報を保有しようとするとき、あらかじめ副総括に通知（除外なし）",
        )
    if profile.anonymized_info_created:
        out.append("36")
        steps.add("notify:36", "規程第36条", "行政機関等匿名加工情報等を作成した → 副総括に通知")
    return tuple(n for n in NOTIFICATIONS if n in out)


def _filebook_listed(profile: Profile, pif: bool, exclusions: tuple[str, ...], steps: _Steps) -> bool:
    """APPI 75(2): files under 74(2)(1)-(10) and 75(2)(ii)/(iii) are not listed; 75(3) may withhold."""
    article = f"{_LAW}第75条第2項"
    if not pif:
        return False
    hit = _items(exclusions, range(1, 11))
    if hit:
        steps.add(
            "filebook:excluded",
            article,
            f"第74条第2項第1号～第10号に当たる（{', '.join(hit)}）→ ファイル簿に掲載しない（第75条第2項第1号）",
        )
        return False
    copies = [e for e in exclusions if e in ("75-2-1", "75-2-2", "75-2-3")]
    if copies:
        steps.add("filebook:excluded", article, f"{', '.join(copies)} に当たる → ファイル簿に掲載しない")
        return False
    if "75-3" in exclusions:
        steps.add(
            "filebook:withheld",
            f"{_LAW}第75条第3項",
            "掲載により事務の適正な遂行に著しい支障 → ファイル全体を掲載しない",
        )
        return False
    text = "第75条第2項の除外に当たらない → 個人情報ファイル簿に掲載"
    if profile.file_kind == "manual":
        text += "（マニュアル処理ファイル（第74条第2項第11号）は第75条第2項第1号の除外に含まれない）"
    steps.add("filebook:listed", article, text)
    return True


def _gaps(
    profile: Profile,
    pol: _Policy,
    klass: str,
    pif: bool,
    exclusions: tuple[str, ...],
    notifications: tuple[str, ...],
    listed: bool,
    steps: _Steps,
) -> None:
    """Legal brief §9 items 5-6: cases the rule leaves without an Art. 35 notice."""
    no_35 = not any(n in notifications for n in ("35-1", "35-2", "35-3"))
    if klass == "A" and "74-2-9" in exclusions and no_35:
        steps.add(
            "gap:small-file",
            "規程第35条第1項・第2項",
            f"管理Aだが本人が{pol.filebook_min:,}人未満（第74条第2項第9号"
            + (f"、{POLICY_LINE}" if _policy_line(pol.filebook_min, "filebook_min_principals") else "")
            + "）のため第35条第1項・第2項のいずれの通知対象にもならない。副総括に確認すること",
        )
    if pif and profile.file_kind == "manual" and listed and no_35:
        steps.add(
            "gap:manual-file",
            f"{_LAW}第75条第2項第1号・規程第35条",
            "マニュアル処理ファイルは第35条の通知対象にならないが、ファイル簿には掲載される。総括・副総括にファイル簿への掲載を連絡すること",
        )
