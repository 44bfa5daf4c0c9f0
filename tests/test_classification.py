"""The Art. 16 / 35 / 36 / APPI 74-75 decision engine."""

from __future__ import annotations

import pytest

from meti_pi.classify.classification import Profile, decide, profile_from_mapping, profile_from_record
from meti_pi.errors import UsageError

POLICY = {
    "thresholds": {"class_b_min_principals": 1000, "filebook_min_principals": 1000},
    "classification": {
        "class_a_triggers": ["my_number", "sensitive", "biometric", "identification_code", "financial", "confidential"]
    },
}


def rules(decision) -> list[str]:
    return [r.rule for r in decision.reasons]


@pytest.mark.parametrize(("n", "klass"), [(1, "C"), (999, "C"), (1000, "B"), (1001, "B")])
def test_class_b_from_one_thousand(n: int, klass: str) -> None:
    assert decide(Profile(principals=n), POLICY).management_class == klass


@pytest.mark.parametrize(
    ("n", "item9", "notices", "listed"),
    [(999, True, (), False), (1000, False, ("35-1",), True), (1001, False, ("35-1",), True)],
)
def test_item_9_boundary(n: int, item9: bool, notices: tuple[str, ...], listed: bool) -> None:
    d = decide(Profile(principals=n), POLICY)
    assert ("74-2-9" in d.exclusions) is item9
    assert d.notifications == notices
    assert d.filebook_listed is listed
    assert d.personal_information_file


def test_thresholds_come_from_policy() -> None:
    policy = {"thresholds": {"class_b_min_principals": 500, "filebook_min_principals": 2000}}
    d = decide(Profile(principals=1000), policy)
    assert d.management_class == "B"
    assert "74-2-9" in d.exclusions  # 1000 < 2000


def _texts(profile: Profile, policy) -> dict[str, str]:
    return {r.rule: r.text for r in decide(profile, policy).reasons}


LAW_500 = {"thresholds": {"class_b_min_principals": 500, "filebook_min_principals": 500}}


def test_count_reasons_with_the_laws_lines_keep_the_laws_words() -> None:
    """The reasons the 管理者 reads and ファイル簿 records keep, as they were, with the law's numbers."""
    assert _texts(Profile(principals=1200), POLICY)["class-b"] == "本人の数 1,200人 ≥ 1,000人（千人以上）→ 管理B"
    assert _texts(Profile(principals=1200), POLICY)["scope:74-2-9"] == (
        "本人の数 1,200人は1,000人未満ではない → 第74条第2項第9号に当たらない"
    )
    small = _texts(Profile(principals=640), POLICY)
    assert small["class-c"] == "管理A該当事由なし、本人の数 640人 < 1,000人 → 管理C"
    assert small["exclusion:74-2-9"] == "本人の数 640人 < 1,000人 → 第74条第2項第9号に当たる"
    assert _texts(Profile(principals=1200, decided_class="C"), POLICY)["class-below-rule"].startswith(
        "個人情報保護管理者の判断は管理Cだが、本人の数 1,200人は千人以上であり、管理Aに区分されるもの以外は管理Bとなる"
    )
    assert (
        "本人の数（千人以上）による"
        in _texts(Profile(principals=1200, processing="anonymized"), POLICY)["class:anonymized"]
    )
    assert _texts(Profile(principals=640, sensitive=True), POLICY)["gap:small-file"].startswith(
        "管理Aだが本人が1,000人未満（第74条第2項第9号）のため"
    )
    assert (
        "（1,000人未満であることが確認できない）"
        in _texts(Profile(principals=1200, exclusions=("74-2-9",)), POLICY)["exclusion-refused:74-2-9"]
    )


def test_count_reasons_with_the_policys_lines_say_its_number_not_the_laws() -> None:
    """With `thresholds` of 500 the reasons said 「本人の数 600人 ≥ 500人（千人以上）→ 管理B」, 「600人は
    千人以上であり」, 「本人が1,000人未満（第74条第2項第9号）」: the rule's words for the policy's line.
    Now the policy's number, said to be the policy's. (Fails on the former code.)"""
    big = _texts(Profile(principals=600), LAW_500)
    assert big["class-b"] == "本人の数 600人 ≥ 500人（運用ポリシーの閾値）→ 管理B"
    assert (
        big["scope:74-2-9"] == "本人の数 600人は500人（運用ポリシーの閾値）未満ではない → 第74条第2項第9号に当たらない"
    )
    small = _texts(Profile(principals=400), LAW_500)
    assert small["class-c"] == "管理A該当事由なし、本人の数 400人 < 500人（運用ポリシーの閾値） → 管理C"
    assert small["exclusion:74-2-9"] == "本人の数 400人 < 500人（運用ポリシーの閾値） → 第74条第2項第9号に当たる"
    below = _texts(Profile(principals=600, decided_class="C"), LAW_500)["class-below-rule"]
    assert "本人の数 600人は500人以上（運用ポリシーの閾値）であり、" in below
    anonymized = _texts(Profile(principals=600, processing="anonymized"), LAW_500)["class:anonymized"]
    assert "本人の数（500人以上：運用ポリシーの閾値）による" in anonymized
    assert _texts(Profile(principals=None), LAW_500)["class-b:unknown-count"] == (
        "本人の数が不明 → 計数されるまで管理B（500人以上：運用ポリシーの閾値）として扱う"
    )
    assert _texts(Profile(principals=400, sensitive=True), LAW_500)["gap:small-file"].startswith(
        "管理Aだが本人が500人未満（第74条第2項第9号、運用ポリシーの閾値）のため"
    )
    refused = _texts(Profile(principals=600, exclusions=("74-2-9",)), LAW_500)["exclusion-refused:74-2-9"]
    assert "（500人（運用ポリシーの閾値）未満であることが確認できない）" in refused
    every = " ".join(
        r.text
        for p in (
            Profile(principals=600),
            Profile(principals=400, sensitive=True),
            Profile(principals=600, decided_class="C"),
        )
        for r in decide(p, LAW_500).reasons
    )
    assert "千人以上" not in every and "1,000人" not in every


def test_a_claimed_item_9_accepted_by_the_policys_line_says_that_line() -> None:
    """With `filebook_min_principals: 2000` a claimed 74-2-9 of 1,500 本人 is accepted, and its reason
    read 「第74条第2項第9号（本人の数が政令で定める数（1,000人）に満たないもの）」, untrue of 1,500.
    (Fails on the former code.) With the law's line the item's own words stay."""
    policy = {"thresholds": {"class_b_min_principals": 1000, "filebook_min_principals": 2000}}
    claimed = _texts(Profile(principals=1500, exclusions=("74-2-9",)), policy)["exclusion:74-2-9"]
    assert claimed == "申告された除外: 第74条第2項第9号（本人の数 1,500人 < 2,000人（運用ポリシーの閾値））"
    assert _texts(Profile(principals=640, exclusions=("74-2-9",)), POLICY)["exclusion:74-2-9"] == (
        "申告された除外: 第74条第2項第9号（本人の数が政令で定める数（1,000人）に満たないもの）"
    )


def test_a_class_below_the_policys_line_is_refused_in_its_number() -> None:
    """classify --class C for 600 本人 under a policy of 500 was refused with '600 本人, 千人以上'."""
    from meti_pi.classify.classification import Judgements, Outcome, require_rationale
    from meti_pi.errors import RuleViolation

    profile = Profile(principals=600, decided_class="C")
    with pytest.raises(RuleViolation) as refused:
        require_rationale(Outcome(profile, decide(profile, LAW_500), "stated"), Judgements(decided_class="C"))
    assert "600 本人, 500 or more (policy.yaml thresholds.class_b_min_principals; the rule says 千人以上)" in str(
        refused.value
    )
    profile = Profile(principals=1200, decided_class="C")
    with pytest.raises(RuleViolation) as refused:
        require_rationale(Outcome(profile, decide(profile, POLICY), "stated"), Judgements(decided_class="C"))
    assert "1,200 本人, 千人以上: Art. 16(1)" in str(refused.value)


def test_missing_policy_keys_use_defaults() -> None:
    assert decide(Profile(principals=1000), {}).management_class == "B"
    assert decide(Profile(principals=999, my_number=True), None).management_class == "A"


@pytest.mark.parametrize(
    "profile",
    [
        Profile(principals=5, my_number=True),
        Profile(principals=5, sensitive=True, sensitive_categories=("medical_history",)),
        Profile(principals=5, biometric=True),
        Profile(principals=5, identification_codes=("passport",)),
        Profile(principals=5, financial=True),
        Profile(principals=5, confidential=True),
    ],
)
def test_each_class_a_trigger(profile: Profile) -> None:
    d = decide(profile, POLICY)
    assert d.management_class == "A"
    assert any(r.rule.startswith("class-a:") and r.article == "規程第16条第1項" for r in d.reasons)


def test_triggers_can_be_switched_off_by_policy() -> None:
    policy = {"classification": {"class_a_triggers": ["confidential"]}}
    assert decide(Profile(principals=5, financial=True), policy).management_class == "C"
    assert decide(Profile(principals=1000, financial=True), policy).management_class == "B"


def test_confidentiality_judgement_always_makes_a() -> None:
    # the rule's own test for 管理A: not something policy.yaml can switch off
    assert (
        decide(Profile(principals=5, confidential=True), {"classification": {"class_a_triggers": []}}).management_class
        == "A"
    )


def test_my_number_alone_is_not_an_other_identification_code() -> None:
    policy = {"classification": {"class_a_triggers": ["identification_code"]}}
    d = decide(Profile(principals=5, my_number=True, identification_codes=("my_number",)), policy)
    assert d.management_class == "C"


def test_unknown_count_is_treated_as_b_and_item_9_not_applied() -> None:
    d = decide(Profile(principals=None), POLICY)
    assert d.management_class == "B"
    assert "74-2-9" not in d.exclusions
    assert d.notifications == ("35-1",)
    assert "class-b:unknown-count" in rules(d)


def test_my_number_routes_to_35_3_even_below_threshold_and_with_exclusions() -> None:
    # legal brief §9 item 4: rule 3(9) is contradictory; 35(3) catches every 個人番号 holding
    d = decide(Profile(principals=10, my_number=True, exclusions=("74-2-3",)), POLICY)
    assert d.management_class == "A"
    assert d.notifications == ("35-3",)
    assert d.specific_personal_information
    assert d.personal_information_file
    assert "my-number-file" in rules(d)


def test_small_a_file_gap_is_flagged() -> None:
    # §9 item 5: 管理A below 1,000 is notified under neither 35(1) nor 35(2)
    d = decide(Profile(principals=999, sensitive=True), POLICY)
    assert d.management_class == "A"
    assert d.notifications == ()
    assert "gap:small-file" in rules(d)
    assert "gap:small-file" not in rules(decide(Profile(principals=999, my_number=True), POLICY))


def test_manual_file_with_1000_is_listed_without_any_35_notice() -> None:
    # §9 item 6: 74(2)(11) excluded from 35(1) and 35(2) but not from 75(2)(i)
    d = decide(Profile(principals=1000, file_kind="manual"), POLICY)
    assert d.exclusions == ("74-2-11",)
    assert d.notifications == ()
    assert d.filebook_listed
    assert d.management_class == "B"
    assert "gap:manual-file" in rules(d)


def test_manual_file_below_1000_is_not_listed() -> None:
    d = decide(Profile(principals=999, file_kind="manual"), POLICY)
    assert d.exclusions == ("74-2-9", "74-2-11")
    assert not d.filebook_listed


@pytest.mark.parametrize("item", [1, 2, 3, 4, 5, 6, 7, 8])
def test_items_1_to_8_exclude_35_1_35_2_and_filebook(item: int) -> None:
    d = decide(Profile(principals=5000, exclusions=(f"74-2-{item}",)), POLICY)
    assert d.management_class == "B"
    assert d.notifications == ()
    assert not d.filebook_listed
    assert d.exclusions == (f"74-2-{item}",)


def test_item_10_excludes_35_1_but_not_35_2_and_not_listed() -> None:
    d = decide(Profile(principals=5000, exclusions=("74-2-10",)), POLICY)
    assert d.notifications == ("35-2",)
    assert not d.filebook_listed


def test_item_10_with_class_c_needs_no_notice() -> None:
    d = decide(Profile(principals=1500, exclusions=("74-2-10",)), {"thresholds": {"class_b_min_principals": 2000}})
    assert d.management_class == "C"
    assert d.notifications == ()


def test_item_11_claimed_on_computer_file() -> None:
    # (This test said the claim held: no notice at all. 74(2)(xi) is the paper file's exclusion.)
    d = decide(Profile(principals=5000, exclusions=("74-2-11",)), POLICY)
    assert "74-2-11" not in d.exclusions and "35-1" in d.notifications
    assert d.filebook_listed


def test_35_2_for_class_a_b_data_that_is_not_a_file() -> None:
    d = decide(Profile(principals=5000, file_kind="none"), POLICY)
    assert not d.personal_information_file
    assert d.notifications == ("35-2",)
    assert not d.filebook_listed
    assert d.exclusions == ()
    c = decide(Profile(principals=50, file_kind="none"), POLICY)
    assert c.notifications == ()


def test_75_2_copy_and_75_3_withholding_keep_35_1() -> None:
    d = decide(Profile(principals=5000, exclusions=("75-2-2",)), POLICY)
    assert d.notifications == ("35-1",)
    assert not d.filebook_listed
    w = decide(Profile(principals=5000, exclusions=("75-3",)), POLICY)
    assert not w.filebook_listed and "filebook:withheld" in rules(w)


def test_article_36_when_anonymized_info_created() -> None:
    d = decide(Profile(principals=5000, anonymized_info_created=True), POLICY)
    assert d.notifications == ("35-1", "36")


@pytest.mark.parametrize(("n", "klass"), [(999, "C"), (1000, "B"), (1001, "B"), (None, "B")])
def test_anonymized_data_is_not_personal_but_the_thousand_line_applies(n, klass) -> None:
    # 規程2(13): 保有個人情報等 includes 行政機関等匿名加工情報, so Art. 16's 1,000-person line applies to it
    d = decide(Profile(principals=n, processing="anonymized"), POLICY)
    assert not d.personal_information
    assert not d.personal_information_file
    assert d.management_class == klass
    assert "class:anonymized" in rules(d)
    assert d.notifications == ()  # 35(1) is for 個人情報ファイル, 35(2) for 保有個人情報


def test_anonymized_but_holding_identifiers_stays_personal() -> None:
    d = decide(Profile(principals=5000, processing="anonymized", identification_codes=("passport",)), POLICY)
    assert d.personal_information and d.management_class == "A"
    assert "anonymized-with-identifiers" in rules(d)


def test_pseudonymized_is_still_personal() -> None:
    d = decide(Profile(principals=5000, processing="pseudonymized"), POLICY)
    assert d.personal_information and d.management_class == "B" and "pseudonymized" in rules(d)


def test_no_person_means_not_personal_information() -> None:
    d = decide(Profile(principals=0), POLICY)
    assert not d.personal_information
    assert d.management_class == "C"
    assert d.notifications == () and not d.filebook_listed


def test_every_reason_cites_an_article() -> None:
    d = decide(Profile(principals=1000, my_number=True, file_kind="manual", anonymized_info_created=True), POLICY)
    assert d.reasons
    assert all(r.article and r.text and r.rule for r in d.reasons)


def test_profile_from_record() -> None:
    record = {
        "file_kind": "manual",
        "confidential": True,
        "characteristics": {"sensitive_categories": ["disability"], "identification_codes": ["my_number", "passport"]},
        "principals": {"count": 1200, "as_of": "2026-11-26"},
        "exclusions": [{"item": "74-2-3", "reason": "人事"}],
        "filebook_withheld": {"whole_file": True, "reason": "x"},
        "anonymized_info": {"created": True},
    }
    p = profile_from_record(record)
    assert p.principals == 1200 and p.file_kind == "manual" and p.confidential
    assert p.sensitive and p.sensitive_categories == ("disability",)
    assert p.my_number and p.identification_codes == ("my_number", "passport")
    assert p.exclusions == ("74-2-3", "75-3")
    assert p.anonymized_info_created


def test_profile_from_record_defaults() -> None:
    p = profile_from_record({"principals": {"count": None, "as_of": "2026-01-01"}})
    assert p == Profile(principals=None)


def test_profile_from_mapping_contract_keys() -> None:
    p = profile_from_mapping(
        {
            "principals": 1000,
            "sensitive": True,
            "my_number": False,
            "identification_codes": ["passport"],
            "biometric": False,
            "financial": True,
            "processing": "pseudonymized",
            "confidential": False,
            "file_kind": "computer",
            "exclusions": ["74-2-10"],
            "anonymized_info_created": False,
        }
    )
    assert p.principals == 1000 and p.sensitive and p.financial and p.exclusions == ("74-2-10",)


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"principal": 3}, "unknown key"),
        ({"principals": "many"}, "principals"),
        ({"principals": True}, "principals"),
        ({"principals": -1}, "principals"),
        ({"sensitive": "yes"}, "sensitive"),
        ({"exclusions": ["74-2-12"]}, "74-2-12"),
        ({"exclusions": "74-2-3"}, "exclusions"),
        ({"file_kind": "paper"}, "file_kind"),
        ({"processing": "masked"}, "processing"),
        ({"identification_codes": ["passport", "shoe_size"]}, "shoe_size"),
        ({"sensitive_categories": ["hobby"]}, "hobby"),
        (["principals"], "mapping"),
    ],
)
def test_profile_from_mapping_rejects(data, word: str) -> None:
    with pytest.raises(UsageError, match=word):
        profile_from_mapping(data, "p.yaml")


def test_75_3_for_some_items_keeps_the_file_listed_and_whole_file_unlists_it():
    from meti_pi.classify.classification import decide, profile_from_record

    base = {
        "file_kind": "computer",
        "principals": {"count": 5000, "as_of": "2026-04-01"},
        "exclusions": [{"item": "75-3", "reason": "事務に著しい支障"}],
    }
    parts = {**base, "filebook_withheld": {"record_items": ["病歴"], "reason": "x"}}
    whole = {**base, "filebook_withheld": {"whole_file": True, "reason": "x"}}
    vague = dict(base)
    assert decide(profile_from_record(parts), {}).filebook_listed is True
    assert decide(profile_from_record(whole), {}).filebook_listed is False
    assert decide(profile_from_record(vague), {}).filebook_listed is False  # says nothing of what: withhold all


# ---------------------------------------------------------------- issue 14: the 管理者 decides (Art. 16(1))


def test_decided_class_is_kept_beside_the_derived_one() -> None:
    d = decide(Profile(principals=5000, financial=True, decided_class="B"), POLICY)
    assert d.management_class == "B" and d.derived_class == "A"
    assert d.class_differs and d.decided_lower
    assert "class-decided" in rules(d)


def test_same_decision_is_no_difference() -> None:
    d = decide(Profile(principals=5000, decided_class="B"), POLICY)
    assert d.management_class == d.derived_class == "B"
    assert not d.class_differs and not d.decided_lower and "class-decided" not in rules(d)


def test_decided_higher_is_not_lower() -> None:
    d = decide(Profile(principals=10, decided_class="B"), POLICY)
    assert d.management_class == "B" and d.derived_class == "C"
    assert d.class_differs and not d.decided_lower


def test_non_file_recorded_b_as_equivalent_gets_its_35_2_notice() -> None:
    # 管理B includes 「これに準ずる管理が適当と判断されるもの」: a non-file of 10 people decided B
    assert decide(Profile(principals=10, file_kind="none"), POLICY).notifications == ()
    d = decide(Profile(principals=10, file_kind="none", decided_class="B"), POLICY)
    assert d.management_class == "B" and d.notifications == ("35-2",)


def test_record_management_class_is_the_decision() -> None:
    p = profile_from_record({"management_class": "B", "principals": {"count": 10, "as_of": "2026-01-01"}})
    assert p.decided_class == "B"
    assert profile_from_record({"principals": {"count": 10, "as_of": "2026-01-01"}}).decided_class is None


def test_profile_mapping_takes_a_decided_class() -> None:
    assert profile_from_mapping({"principals": 5, "management_class": "A"}).decided_class == "A"
    with pytest.raises(UsageError, match="management_class"):
        profile_from_mapping({"principals": 5, "management_class": "D"})


# ---------------------------------------------------------------- issue 14: 74(2)(ix) claimed against the count


@pytest.mark.parametrize(("n", "accepted"), [(999, True), (1000, False), (1001, False), (5000, False), (None, False)])
def test_claimed_item_9_refused_from_one_thousand_or_unknown(n, accepted) -> None:
    d = decide(Profile(principals=n, exclusions=("74-2-9",)), POLICY)
    assert ("74-2-9" in d.exclusions) is accepted
    assert ("exclusion-refused:74-2-9" in rules(d)) is (not accepted)
    assert d.filebook_listed is (not accepted)
    assert ("35-1" in d.notifications) is (not accepted)
    texts = " ".join(r.text for r in d.reasons)
    if n == 5000:  # never both "≥ 1,000" and "< 1,000" for the same file
        assert "5,000人 <" not in texts


# ---------------------------------------------------------------- issue 14: financial damage (policy financial_damage)


@pytest.mark.parametrize(
    ("items", "klass"),
    [
        (("bank_account",), "C"),  # an account number alone: no impersonation risk (PPC Q&A)
        (("bank_account", "account_credentials"), "A"),
        (("card_number",), "A"),
        (("card_number", "card_expiry"), "A"),
        (("card_expiry",), "C"),
    ],
)
def test_financial_damage_follows_the_policy_combinations(items, klass) -> None:
    d = decide(Profile(principals=10, financial_items=items), POLICY)
    assert d.management_class == klass
    assert d.financial is (klass == "A")


def test_financial_combinations_are_policy_data() -> None:
    strict = {**POLICY, "financial_damage": {"combinations": [["card_number", "card_expiry"]]}}
    assert decide(Profile(principals=10, financial_items=("card_number",)), strict).management_class == "C"
    assert (
        decide(Profile(principals=10, financial_items=("card_number", "card_expiry")), strict).management_class == "A"
    )
    wide = {**POLICY, "financial_damage": {"combinations": [["bank_account"]]}}
    assert decide(Profile(principals=10, financial_items=("bank_account",)), wide).management_class == "A"


def test_financial_damage_helper_reads_the_same_policy() -> None:
    from meti_pi.classify.classification import financial_damage

    assert financial_damage(["bank_account"], POLICY) is None
    assert financial_damage(["bank_account", "account_credentials"], None) == ("bank_account", "account_credentials")
    assert (
        financial_damage(["card_number"], {"financial_damage": {"combinations": [["card_number", "card_expiry"]]}})
        is None
    )


def test_stated_financial_damage_still_counts() -> None:
    assert decide(Profile(principals=10, financial=True), POLICY).management_class == "A"


# ---------------------------------------------------------------- issue 14: 60(3)(i)


def test_anonymized_info_from_an_unlisted_file_is_flagged() -> None:
    listed = decide(Profile(principals=5000, anonymized_info_created=True), POLICY)
    assert listed.filebook_listed and "anonymized:unlisted-source" not in rules(listed)
    withheld = decide(Profile(principals=5000, anonymized_info_created=True, exclusions=("75-3",)), POLICY)
    assert not withheld.filebook_listed and "anonymized:unlisted-source" in rules(withheld)


@pytest.mark.parametrize(("kind", "accepted"), [("manual", True), ("computer", False)])
def test_claimed_item_11_only_for_a_paper_file(kind: str, accepted: bool) -> None:
    """APPI 74(2)(xi) is the 60(2)(ii) (paper) file: an electronic file claiming it escaped the
    35(1), 35(2) and 74(1) notices (a review found it; 74-2-9 was already refused on the count)."""
    d = decide(Profile(principals=1001, file_kind=kind, exclusions=("74-2-11",)), POLICY)
    assert ("74-2-11" in d.exclusions) is accepted
    assert ("exclusion-refused:74-2-11" in rules(d)) is (not accepted)
    assert ("35-1" in d.notifications) is (not accepted)


def test_an_anonymized_profile_cites_the_definition_in_article_3() -> None:
    d = decide(Profile(principals=1500, processing="anonymized"), POLICY)
    articles = {r.rule: r.article for r in d.reasons}
    assert articles["class:anonymized"].startswith("規程第3条第13項")  # 保有個人情報等 (Art. 2 has no 13th paragraph)


def test_a_75_2_1_claim_unlists_as_the_filebook_export_does() -> None:
    """APPI 75(2)(i): a file claimed under it is not listed; the engine said 掲載 (and that the
    claim is a 除外) while `export filebook` left it out (EXCLUDING_ITEMS)."""
    from meti_pi.filebook.book import EXCLUDING_ITEMS

    assert "75-2-1" in EXCLUDING_ITEMS
    d = decide(Profile(principals=5000, exclusions=("75-2-1",)), POLICY)
    assert not d.filebook_listed
    assert "filebook:listed" not in rules(d)


@pytest.mark.parametrize(
    ("chars", "held"),
    [
        ({"sensitive": False, "sensitive_categories": ["medical_history"]}, True),
        ({"sensitive_categories": ["creed"]}, True),
        ({"sensitive": True}, True),
        ({"sensitive": False}, False),
        ({"sensitive": False, "sensitive_categories": []}, False),
        ({}, None),
        (None, None),
        ({"sensitive": "yes"}, None),
    ],
)
def test_one_reading_of_whether_a_record_holds_sensitive_data(chars, held):
    """The class, the notice and its hash, the ファイル簿 and the incident assessment read a record's
    要配慮 alike (they disagreed: the class from the categories, the others from the flag)."""
    from meti_pi.classify.profile import profile_from_record, sensitive_held
    from meti_pi.incident.facts import file_info

    assert sensitive_held(chars) is held
    assert profile_from_record({"characteristics": chars}).sensitive is bool(held)
    assert file_info("F-1", {"characteristics": chars}).sensitive is held


@pytest.mark.parametrize(
    ("chars", "held"),
    [
        ({"my_number": False, "identification_codes": ["my_number"]}, True),
        ({"identification_codes": ["passport", "my_number"]}, True),
        ({"my_number": True}, True),
        ({"my_number": False, "identification_codes": ["passport"]}, False),
        ({}, None),
        (None, None),
    ],
)
def test_one_reading_of_whether_a_record_holds_my_numbers(chars, held):
    """The class and the 35(3) notice read 個人番号 from the flag or the codes; the incident assessment
    (番号法 grounds, the 個人番号 system), the checklist's applicability and its notices' why read the
    flag alone: a file holding 個人番号 by its codes was left out of the 番号法 grounds."""
    from meti_pi.classify.profile import my_number_held, profile_from_record
    from meti_pi.incident.facts import file_info
    from meti_pi.inspect.queries import required_notices

    record = {"characteristics": chars, "file_kind": "computer", "principals": {"count": 5000}}
    assert my_number_held(chars) is held
    assert profile_from_record(record).my_number is bool(held)
    info = file_info("F-1", record)
    assert info.my_number is held and info.my_number_system is (True if held else None)

    from types import SimpleNamespace

    reg = SimpleNamespace(policy={"thresholds": {"filebook_min_principals": 1000}})  # what required_notices reads
    assert ("35-3" in required_notices(reg, record)) is bool(held)  # type: ignore[arg-type]
