"""The Art. 16 decision engine shared by classify, notify and validate.

From a `Profile` (what a dataset holds, plus the 管理者's judgements) and the register's policy,
`decide` gives the 管理区分 (A/B/C), whether the data is a 個人情報ファイル, which APPI 74(2)
exclusions apply, which rule Art. 35/36 notices follow and whether the file is listed in the
public ファイル簿 (APPI 75(2)). Every step is a `Reason` naming its article.

Law (legal brief §1.7, §1.8, §2.2, §9 items 4-7):
- 規程35(1): files not excluded by 74(2)(1)-(11); 35(2): 管理A/B except 74(2)(1)-(9), (11) and
  files already notified under 35(1) (item 10 is *not* excluded); 35(3): 個人番号 always.
- 75(2)(i): files under 74(2)(1)-(10) are not listed, so manual files (item 11) are.
- 74(2)(9): fewer than 1,000 本人 (令20); exactly 1,000 is in scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from meti_pi.errors import UsageError

PROCESSING = ("none", "pseudonymized", "anonymized")
FILE_KINDS = ("computer", "manual", "none")
NOTIFICATIONS = ("35-1", "35-2", "35-3", "36")
CLASS_A_TRIGGERS = ("my_number", "sensitive", "biometric", "identification_code", "financial", "confidential")
DEFAULT_MIN_PRINCIPALS = 1000  # 規程16(1) 千人以上; 令20 (VERIFIED, legal brief §2.2)
CLASS_RANK = {"C": 0, "B": 1, "A": 2}
FINANCIAL_ITEMS = ("card_number", "card_expiry", "card_security_code", "bank_account", "account_credentials")
# PPC reading (policy financial_damage, FROM MEMORY: 通則編 3-5-3-1 事例, Q&A A6-11 / Q14-8): a card
# number can be misused by itself; an account number only with what lets someone use it.
DEFAULT_FINANCIAL_COMBINATIONS = (("card_number",), ("bank_account", "account_credentials"))
EXCLUSION_RE = re.compile(r"^(74-2-([1-9]|1[01])|75-2-[1-3]|75-3)$")

# APPI 74(2) items (VERIFIED, legal brief §1.7): short Japanese labels for reasons.
ITEMS_74_2: dict[int, str] = {
    1: "国の重大な利益に関する事項を記録するもの",
    2: "犯罪の捜査等のために作成し又は取得するもの",
    3: "職員の人事・給与・福利厚生に関する事項のみを記録するもの",
    4: "専ら試験的な電子計算機処理の用に供するもの",
    5: "通知済ファイルの範囲内の複製",
    6: "1年以内に消去する記録情報のみを記録するもの",
    7: "送付・連絡のためだけに用いるもの",
    8: "職員が学術研究のために作成し又は取得するもの",
    9: "本人の数が政令で定める数（1,000人）に満たないもの",
    10: "政令で定める第3号から第9号までに準ずるもの",
    11: "マニュアル処理ファイル",
}
_LAW = "個人情報保護法"


@dataclass(frozen=True)
class Profile:
    """What a dataset holds and the 管理者's judgements: the input of `decide`."""

    principals: int | None
    sensitive: bool = False
    sensitive_categories: tuple[str, ...] = ()
    my_number: bool = False
    identification_codes: tuple[str, ...] = ()
    biometric: bool = False
    financial: bool = False
    processing: str = "none"
    confidential: bool = False
    file_kind: str = "computer"
    exclusions: tuple[str, ...] = ()
    anonymized_info_created: bool = False
    financial_items: tuple[str, ...] = ()  # what is held that could cause financial damage (policy financial_damage)
    decided_class: str | None = None  # the class the 管理者 decided (Art. 16(1)); None: take the engine's


@dataclass(frozen=True)
class Reason:
    """One step of a decision, with the article behind it."""

    rule: str
    article: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"rule": self.rule, "article": self.article, "text": self.text}


@dataclass(frozen=True)
class Decision:
    """The result of `decide`: class, file status, exclusions, notices, ファイル簿, with reasons."""

    management_class: str
    reasons: tuple[Reason, ...]
    personal_information_file: bool
    exclusions: tuple[str, ...]
    notifications: tuple[str, ...]
    filebook_listed: bool
    specific_personal_information: bool
    personal_information: bool = True  # the data is 個人情報 at all (APPI 2(1))
    derived_class: str = ""  # the engine's class (advice); management_class is the decided one when given
    financial: bool = False  # 財産的被害のおそれ, by the 管理者's statement or the policy's financial_damage combinations

    @property
    def class_differs(self) -> bool:
        """The 管理者 decided a class other than the engine's."""
        return bool(self.derived_class) and self.management_class != self.derived_class

    @property
    def decided_lower(self) -> bool:
        """The decided class gives less protection than the engine's (C < B < A)."""
        return self.class_differs and CLASS_RANK[self.management_class] < CLASS_RANK[self.derived_class]


# ---------------------------------------------------------------- profiles


def profile_from_record(data: Mapping[str, Any]) -> Profile:
    """The profile of a files/*.yaml record (schema files.schema.json)."""
    ch = _mapping(data.get("characteristics"))
    codes = tuple(str(c) for c in ch.get("identification_codes") or ())
    principals = _mapping(data.get("principals")).get("count")
    withheld = _mapping(data.get("filebook_withheld"))
    claimed = [str(_mapping(e).get("item", "")) for e in data.get("exclusions") or ()]
    if withheld and not withheld.get("whole_file"):
        # 75(3) for some items only: the file is listed with those parts left blank (the export
        # blanks them); only a whole-file omission, or a 75-3 claim naming no parts, unlists it.
        claimed = [c for c in claimed if c != "75-3"]
    if withheld.get("whole_file") and "75-3" not in claimed:
        claimed.append("75-3")
    return Profile(
        principals=principals if isinstance(principals, int) and not isinstance(principals, bool) else None,
        sensitive=bool(ch.get("sensitive")) or bool(ch.get("sensitive_categories")),
        sensitive_categories=tuple(str(c) for c in ch.get("sensitive_categories") or ()),
        my_number=bool(ch.get("my_number")) or "my_number" in codes,
        identification_codes=codes,
        biometric=bool(ch.get("biometric")) or "biometric" in codes,
        financial=bool(ch.get("financial")),
        processing=str(ch.get("processing") or "none"),
        confidential=bool(data.get("confidential")),
        file_kind=str(data.get("file_kind") or "computer"),
        exclusions=tuple(_unique(c for c in claimed if c)),
        anonymized_info_created=bool(_mapping(data.get("anonymized_info")).get("created")),
        financial_items=tuple(str(c) for c in ch.get("financial_items") or ()),
        decided_class=decided if (decided := data.get("management_class")) in CLASS_RANK else None,
    )


PROFILE_KEYS = frozenset(
    {
        "principals",
        "sensitive",
        "sensitive_categories",
        "my_number",
        "identification_codes",
        "biometric",
        "financial",
        "processing",
        "confidential",
        "file_kind",
        "exclusions",
        "anonymized_info_created",
        "financial_items",
        "management_class",
    }
)


def profile_from_mapping(data: Any, source: str = "profile") -> Profile:
    """The profile of a --profile YAML (contract keys); UsageError naming the bad key."""
    if not isinstance(data, Mapping):
        raise UsageError(f"{source}: a profile is a mapping of the keys {', '.join(sorted(PROFILE_KEYS))}")
    unknown = sorted(str(k) for k in data if k not in PROFILE_KEYS)
    if unknown:
        raise UsageError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(PROFILE_KEYS))}")
    principals = data.get("principals")
    if principals is not None and (not isinstance(principals, int) or isinstance(principals, bool) or principals < 0):
        raise UsageError(f"{source}: principals: give a whole number of 本人 (0 or more), or null when unknown")
    categories = _str_list(data, "sensitive_categories", source)
    _known(categories, SENSITIVE_ENUM, "sensitive_categories", source)
    codes = _str_list(data, "identification_codes", source)
    _known(codes, _identification_code_ids(), "identification_codes", source)
    exclusions = _str_list(data, "exclusions", source)
    for item in exclusions:
        if not EXCLUSION_RE.match(item):
            raise UsageError(f"{source}: exclusions: {item!r} is not 74-2-N (N=1..11), 75-2-N (N=1..3) or 75-3")
    processing = _choice(data, "processing", PROCESSING, "none", source)
    file_kind = _choice(data, "file_kind", FILE_KINDS, "computer", source)
    financial_items = _str_list(data, "financial_items", source)
    _known(financial_items, frozenset(FINANCIAL_ITEMS), "financial_items", source)
    decided = data.get("management_class")
    if decided is not None and decided not in CLASS_RANK:
        raise UsageError(f"{source}: management_class: give A, B or C (the class the 管理者 decided), or leave it out")
    flags = {k: _flag(data, k, source) for k in ("sensitive", "my_number", "biometric", "financial", "confidential", "anonymized_info_created")}
    return Profile(
        principals=principals,
        sensitive=flags["sensitive"] or bool(categories),
        sensitive_categories=tuple(categories),
        my_number=flags["my_number"] or "my_number" in codes,
        identification_codes=tuple(codes),
        biometric=flags["biometric"] or "biometric" in codes,
        financial=flags["financial"],
        processing=processing,
        confidential=flags["confidential"],
        file_kind=file_kind,
        exclusions=tuple(_unique(exclusions)),
        anonymized_info_created=flags["anonymized_info_created"],
        financial_items=tuple(_unique(financial_items)),
        decided_class=decided,
    )


def _known(values: list[str], allowed: frozenset[str], key: str, source: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise UsageError(f"{source}: {key}: unknown {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")


def _identification_code_ids() -> frozenset[str]:
    from meti_pi.classify.detect import vocabulary

    return frozenset(vocabulary().identification_code_ids)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _flag(data: Mapping[str, Any], key: str, source: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise UsageError(f"{source}: {key}: give true or false")
    return value


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str, source: str) -> str:
    value = data.get(key)
    if value is None:
        return default
    if value not in allowed:
        raise UsageError(f"{source}: {key}: give one of {', '.join(allowed)}")
    return str(value)


def _str_list(data: Mapping[str, Any], key: str, source: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{source}: {key}: give a list of strings")
    return list(value)


# ---------------------------------------------------------------- policy


@dataclass(frozen=True)
class _Policy:
    class_b_min: int
    filebook_min: int
    triggers: tuple[str, ...]
    financial_combinations: tuple[tuple[str, ...], ...] = DEFAULT_FINANCIAL_COMBINATIONS


def _policy(policy: Mapping[str, Any] | None) -> _Policy:
    policy = policy or {}
    thresholds = _mapping(policy.get("thresholds"))
    classification = _mapping(policy.get("classification"))
    triggers = classification.get("class_a_triggers")
    combos = _mapping(policy.get("financial_damage")).get("combinations")
    return _Policy(
        class_b_min=int(thresholds.get("class_b_min_principals", DEFAULT_MIN_PRINCIPALS)),
        filebook_min=int(thresholds.get("filebook_min_principals", DEFAULT_MIN_PRINCIPALS)),
        triggers=tuple(triggers) if isinstance(triggers, list) else CLASS_A_TRIGGERS,
        financial_combinations=(
            tuple(tuple(str(i) for i in c) for c in combos if isinstance(c, list) and c)
            if isinstance(combos, list) else DEFAULT_FINANCIAL_COMBINATIONS
        ),
    )


# ---------------------------------------------------------------- the decision


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
    klass = _decided_class(profile, derived, steps)
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
    _gaps(profile, klass, pif, exclusions, notifications, listed, steps)
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


def _decided_class(profile: Profile, derived: str, steps: _Steps) -> str:
    """規程16(1): the 個人情報保護管理者 decides the class; the engine's class is advice."""
    decided = profile.decided_class
    if decided is None or decided == derived:
        return derived
    lower = CLASS_RANK[decided] < CLASS_RANK[derived]
    steps.add(
        "class-decided",
        "規程第16条第1項",
        f"個人情報保護管理者が管理{decided}と判断（判定エンジンの目安は管理{derived}）"
        + ("：目安より低い区分のため、その理由の記録を要する" if lower else "（「これに準ずる管理が適当と判断されるもの」等）"),
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
        steps.add("anonymized", f"{_LAW}第2条第6項", "匿名加工情報であり個人情報に当たらない（個人情報ファイルに当たらず第35条第1項・第2項の対象外。管理区分は保有個人情報等として判定する）")
        return False
    if profile.principals == 0 and not (_identifier_held(profile) or profile.sensitive):
        steps.add("no-personal-information", f"{_LAW}第2条第1項", "特定の個人を識別できる情報が見つからない（本人0人）：個人情報に当たらない")
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
            "要配慮個人情報を含む" + (f"（{'、'.join(japanese_label(c) for c in profile.sensitive_categories)}）" if profile.sensitive_categories else ""),
        ),
        "biometric": (profile.biometric, "生体情報（個人識別符号）を含む"),
        "identification_code": (bool(other_codes), f"個人識別符号を含む（{'、'.join(other_codes)}）"),
        "financial": (profile.financial, "漏えい時に財産的被害のおそれがある情報（口座番号・カード番号等）を含む"),
        "confidential": (profile.confidential, "管理者が秘匿性を有し漏えい時に重大な支障が生じるおそれがあると判断"),
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
            "規程第2条第13項・第16条第1項",
            "行政機関等匿名加工情報も保有個人情報等に当たるため、本人の数（千人以上）による管理区分の判定を行う",
        )
    n, floor = profile.principals, pol.class_b_min
    if n is None:
        steps.add("class-b:unknown-count", article, f"本人の数が不明 → 計数されるまで管理B（{floor:,}人以上）として扱う")
        return "B"
    if n >= floor:
        steps.add("class-b", article, f"本人の数 {n:,}人 ≥ {floor:,}人（千人以上）→ 管理B")
        return "B"
    steps.add("class-c", article, f"管理A該当事由なし、本人の数 {n:,}人 < {floor:,}人 → 管理C")
    return "C"


def _personal_information_file(profile: Profile, personal: bool, steps: _Steps) -> bool:
    """規程3(9) / APPI 60(2): a 電算処理 or マニュアル処理 file of 保有個人情報."""
    if not personal:
        return False
    if profile.file_kind == "none":
        steps.add("not-a-file", f"{_LAW}第60条第2項", "検索できるよう体系的に構成されていない（file_kind: none）→ 個人情報ファイルに当たらない保有個人情報")
        return False
    kind = "電算処理ファイル（第60条第2項第1号）" if profile.file_kind == "computer" else "マニュアル処理ファイル（第60条第2項第2号）"
    steps.add("personal-information-file", f"{_LAW}第60条第2項・規程第3条第9項", f"{kind}として個人情報ファイルに当たる")
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
            steps.add("exclusions-not-applicable", f"{_LAW}第74条第2項", "個人情報ファイルではないため、申告された除外は判定に使わない")
        return ()
    n, floor = profile.principals, pol.filebook_min
    item9 = f"{_LAW}第74条第2項第9号・施行令第20条"
    effective = [e for e in profile.exclusions if e != "74-2-9" or (n is not None and n < floor)]
    for item in profile.exclusions:
        if item not in effective:
            count = "不明" if n is None else f"{n:,}人"
            steps.add(
                "exclusion-refused:74-2-9",
                item9,
                f"申告された第74条第2項第9号の除外は認められない：本人の数 {count}（{floor:,}人未満であることが確認できない）",
            )
            continue
        steps.add(f"exclusion:{item}", _article_of(item), f"申告された除外: {_label_of(item)}")
    if n is not None and n < floor and "74-2-9" not in effective:
        effective.append("74-2-9")
        steps.add("exclusion:74-2-9", item9, f"本人の数 {n:,}人 < {floor:,}人 → 第74条第2項第9号に当たる")
    elif n is not None and "74-2-9" not in effective:
        steps.add("scope:74-2-9", item9, f"本人の数 {n:,}人は{floor:,}人未満ではない → 第74条第2項第9号に当たらない")
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
            steps.add("no-notify:35-1", "規程第35条第1項", f"第74条第2項各号に当たる（{', '.join(hit)}）→ 第35条第1項の通知は不要")
        else:
            out.append("35-1")
            steps.add("notify:35-1", "規程第35条第1項", "第74条第2項第1号～第11号のいずれにも当たらない個人情報ファイル → 保有しようとするとき、あらかじめ副総括に通知")
    if klass in ("A", "B") and personal:  # 35(2) covers 保有個人情報, files or not
        hit = _items(exclusions, (*range(1, 10), 11))
        if "35-1" in out:
            steps.add("no-notify:35-2", "規程第35条第2項", "第35条第1項で通知するものは第2項の対象から除かれる")
        elif hit:
            steps.add("no-notify:35-2", "規程第35条第2項", f"第74条第2項第1号～第9号・第11号に当たる（{', '.join(hit)}）→ 第35条第2項の通知は不要")
        else:
            out.append("35-2")
            text = f"管理{klass}の保有個人情報で第35条第2項の除外に当たらない → 保有したとき遅滞なく副総括に通知"
            if "74-2-10" in exclusions:
                text += "（第74条第2項第10号は第2項では除外されない）"
            steps.add("notify:35-2", "規程第35条第2項", text)
    if profile.my_number:
        out.append("35-3")
        steps.add("notify:35-3", "規程第35条第3項", "個人番号・特定個人情報を保有しようとするとき、あらかじめ副総括に通知（除外なし）")
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
        steps.add("filebook:excluded", article, f"第74条第2項第1号～第10号に当たる（{', '.join(hit)}）→ ファイル簿に掲載しない（第75条第2項第1号）")
        return False
    copies = [e for e in exclusions if e in ("75-2-2", "75-2-3")]
    if copies:
        steps.add("filebook:excluded", article, f"{', '.join(copies)} に当たる → ファイル簿に掲載しない")
        return False
    if "75-3" in exclusions:
        steps.add("filebook:withheld", f"{_LAW}第75条第3項", "掲載により事務の適正な遂行に著しい支障 → ファイル全体を掲載しない")
        return False
    text = "第75条第2項の除外に当たらない → 個人情報ファイル簿に掲載"
    if profile.file_kind == "manual":
        text += "（マニュアル処理ファイル（第74条第2項第11号）は第75条第2項第1号の除外に含まれない）"
    steps.add("filebook:listed", article, text)
    return True


def _gaps(
    profile: Profile,
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
            "管理Aだが本人が1,000人未満（第74条第2項第9号）のため第35条第1項・第2項のいずれの通知対象にもならない。副総括に確認すること",
        )
    if pif and profile.file_kind == "manual" and listed and no_35:
        steps.add(
            "gap:manual-file",
            f"{_LAW}第75条第2項第1号・規程第35条",
            "マニュアル処理ファイルは第35条の通知対象にならないが、ファイル簿には掲載される。総括・副総括にファイル簿への掲載を連絡すること",
        )


# ---------------------------------------------------------------- classify: scan -> profile -> decision

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


def scan_reasons(result: ScanResult) -> list[Reason]:
    """What the scan found, as reasons: the count of 本人 and each kind detected (counts only)."""
    out = [Reason("principals", "規程第16条第1項", _principals_text(result))]
    for d in result.detections:
        if not d.confirmed:
            continue
        out.append(Reason(f"detected:{d.kind}", _detection_article(d.category), _detection_text(d)))
    out += [Reason("scan-note", "規程第16条第1項", note) for note in result.notes]
    return out


def _principals_text(result: ScanResult) -> str:
    if result.principals is None:
        return f"本人の数は不明: {result.principals_note}"
    return f"本人の数 {result.principals:,}人（{result.rows:,}行を走査）: {result.principals_note}"


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
    """Decide a scanned dataset."""
    profile = judgements.over(profile_from_scan(result))
    basis = "unknown" if result.principals is None else "scanned"
    return Outcome(profile, decide(profile, policy), basis, tuple(scan_reasons(result)), result)


def classify_profile(profile: Profile, judgements: Judgements, policy: Mapping[str, Any] | None) -> Outcome:
    """Decide a stated profile (--profile)."""
    profile = judgements.over(profile)
    basis = "unknown" if profile.principals is None else "stated"
    stated = "本人の数は不明（申告なし）" if profile.principals is None else f"本人の数 {profile.principals:,}人（申告）"
    reason = Reason("principals", "規程第16条第1項", stated)
    return Outcome(profile, decide(profile, policy), basis, (reason,))


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


# The files schema's enum of 要配慮 categories: anything else is not written into a record.
SENSITIVE_ENUM = frozenset(
    {
        "race",
        "creed",
        "social_status",
        "medical_history",
        "criminal_record",
        "crime_victim",
        "disability",
        "health_check",
        "medical_treatment",
        "criminal_procedure",
        "juvenile_procedure",
    }
)


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


def apply_to_record(doc: Any, o: Outcome, given: Judgements, today: str, sha256: str | None = None) -> None:
    """Write the outcome into a files record mapping (a ruamel document edited in place).

    Only counts, column names, kinds and the decision are written: never a cell value.
    """
    p, d = o.profile, o.decision
    doc["management_class"] = d.management_class
    characteristics = _ensure_map(doc, "characteristics")
    characteristics["sensitive"] = p.sensitive
    categories = [c for c in p.sensitive_categories if c in SENSITIVE_ENUM]
    _set_or_drop(characteristics, "sensitive_categories", categories)
    characteristics["my_number"] = p.my_number
    _set_or_drop(characteristics, "identification_codes", list(p.identification_codes))
    characteristics["biometric"] = p.biometric
    characteristics["financial"] = d.financial
    _set_or_drop(characteristics, "financial_items", [i for i in p.financial_items if i in FINANCIAL_ITEMS])
    characteristics["processing"] = p.processing
    if p.principals is not None or o.principals_basis != "stated":
        doc["principals"] = {"count": p.principals, "as_of": today, "basis": "scanned" if o.scan is not None else "stated"}
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


_FULL_CLASS = {"A": "Ａ", "B": "Ｂ", "C": "Ｃ"}


def document_rationale(reasons: Iterable[Any], klass: str | None) -> str:
    """'個人番号を含むため、管理Ａとする。' from the engine's class steps: a Japanese sentence with
    no arrows, no policy keys and no codes (documents quote it as written)."""

    def floor_of(text: str) -> str:
        m = re.search(r"([\d,]+)人（千人以上）|[≥<] ([\d,]+)人", text)
        value = (m.group(1) or m.group(2)) if m else "1,000"
        return "千人" if value == "1,000" else f"{value}人"

    label = "管理" + _FULL_CLASS.get(klass or "", klass or "")
    steps = [(str(getattr(r, "rule", "") or (r.get("rule") if isinstance(r, Mapping) else "")),
              str(getattr(r, "text", "") or (r.get("text") if isinstance(r, Mapping) else "")))
             for r in reasons]
    grounds = [text.split(" → ")[0] for rule, text in steps if rule.startswith("class-a:")]
    if grounds:
        return "、".join(grounds) + f"ため、{label}とする。"
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
