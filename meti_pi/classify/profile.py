"""What the Art. 16 decision looks at: the Profile of a file (from its record, a mapping or a scan's
findings), the Reason and Decision types, and the legal constants (APPI 74(2) items, class-A triggers)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from meti_pi.errors import UsageError
from meti_pi.store.limits import MAX_PRINCIPALS, beyond_population

PROCESSING = ("none", "pseudonymized", "anonymized")
FILE_KINDS = ("computer", "manual", "none")
NOTIFICATIONS = ("35-1", "35-2", "35-3", "36")
CLASS_A_TRIGGERS = ("my_number", "sensitive", "biometric", "identification_code", "financial", "confidential")
DEFAULT_MIN_PRINCIPALS = 1000  # 規程16(1) 千人以上; 令20 (VERIFIED, legal brief §2.2)
CLASS_RANK = {"C": 0, "B": 1, "A": 2}
FULLWIDTH_CLASS = {"A": "Ａ", "B": "Ｂ", "C": "Ｃ"}  # a class as documents write it: 管理Ａ
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
    financial: bool = (
        False  # 財産的被害のおそれ, by the 管理者's statement or the policy's financial_damage combinations
    )
    lowest_class: str = "C"  # the lowest class 16(1)'s table allows: B once 本人 are known to be 千人以上
    class_b_min: int = DEFAULT_MIN_PRINCIPALS  # the 管理B line applied (policy.yaml's; the rule's 千人以上 = 1,000)

    @property
    def decided_below_rule(self) -> bool:
        """The decided class is lower than 16(1)'s table allows (管理C for 千人以上の本人): no
        judgement of the 管理者 makes it so, unlike a class below the engine's advice."""
        return CLASS_RANK[self.management_class] < CLASS_RANK[self.lowest_class]

    @property
    def class_differs(self) -> bool:
        """The 管理者 decided a class other than the engine's."""
        return bool(self.derived_class) and self.management_class != self.derived_class

    @property
    def decided_lower(self) -> bool:
        """The decided class gives less protection than the engine's (C < B < A)."""
        return self.class_differs and CLASS_RANK[self.management_class] < CLASS_RANK[self.derived_class]


def sensitive_held(characteristics: Any) -> bool | None:
    """Whether a file record holds 要配慮個人情報 (APPI 74(1)(vi)): True where it names categories
    (whatever its flag says: the categories are what the class rests on), else its flag, None where
    it says nothing. The one reading of the class, the notice, its hash, the ファイル簿 and the
    incident assessment."""
    chars = _mapping(characteristics)
    if chars.get("sensitive_categories"):
        return True
    flag = chars.get("sensitive")
    return flag if isinstance(flag, bool) else None


def my_number_held(characteristics: Any) -> bool | None:
    """Whether a file record holds 個人番号: True where its flag is true or its 個人識別符号 list
    names my_number (either is what the class and the 35(3) notice rest on), else its flag (False),
    None where it says nothing. The one reading of the class, the notices, 番号法30(1) at `notify
    log`, the checklist and the incident assessment (a reading of the flag alone left a file
    holding 個人番号 by its codes out of the 番号法 grounds)."""
    chars = _mapping(characteristics)
    codes = chars.get("identification_codes")
    if chars.get("my_number") is True or (isinstance(codes, list) and "my_number" in codes):
        return True
    flag = chars.get("my_number")
    return flag if isinstance(flag, bool) else None


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
        sensitive=bool(sensitive_held(ch)),
        sensitive_categories=tuple(str(c) for c in ch.get("sensitive_categories") or ()),
        my_number=bool(my_number_held(ch)),
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
        # The first unknown key leads the message, so that the CLI names its line (located_errors).
        raise UsageError(
            f"{source}: {unknown[0]}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(PROFILE_KEYS))}"
        )
    principals = data.get("principals")
    if principals is not None and (not isinstance(principals, int) or isinstance(principals, bool) or principals < 0):
        raise UsageError(f"{source}: principals: give a whole number of 本人 (0 or more), or null when unknown")
    if principals is not None and principals > MAX_PRINCIPALS:
        raise UsageError(f"{source}: {beyond_population('principals')}")
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
    flags = {
        k: _flag(data, k, source)
        for k in ("sensitive", "my_number", "biometric", "financial", "confidential", "anonymized_info_created")
    }
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
