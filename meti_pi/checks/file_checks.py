"""The checks of files records against the rule and the law: Art. 16(2)'s handling rules, the
管理者's class beside the engine's (Art. 16(1)), the law's limits on claimed exclusions and on the
ファイル簿, the contacts documents print (part of validate's CHECKS: meti_pi.checks.validate)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from meti_pi.errors import Problem
from meti_pi.store.policy import LEGAL_THRESHOLDS
from meti_pi.store.problems import at
from meti_pi.store.register import Register


def check_files(reg: Register, today: date) -> Iterator[Problem]:
    """Art. 16: a classified file states why; 特許庁 is out of scope (Art. 1)."""
    for rec in reg.subjects("files"):
        data = rec.data
        if data.get("management_class") and not data.get("classification", {}).get("rationale"):
            yield at(
                rec,
                ("management_class",),
                "class-rationale",
                "Art. 16(1): management class without a rationale; run `meti-pi classify --record` or add classification.rationale",
                "warning",
            )
        chars = data.get("characteristics")
        if isinstance(chars, dict) and chars.get("sensitive") is False and chars.get("sensitive_categories"):
            # the categories are what the notice, the ファイル簿 and the class read (held): say which is wrong
            yield at(
                rec,
                ("characteristics", "sensitive"),
                "sensitive-contradicted",
                "APPI 74(1)(vi): sensitive is false but sensitive_categories names 要配慮個人情報 categories; the "
                "notice, the ファイル簿 and the class take them as held: set sensitive: true, or remove the categories",
                "warning",
            )
        codes = chars.get("identification_codes") if isinstance(chars, dict) else None
        if isinstance(codes, list) and "my_number" in codes and chars.get("my_number") is not True:
            # meti-pi reads 個人番号 from either (classify.profile.my_number_held); the schema's
            # my_number_basis requirement reads the flag alone, so a file holding it by its codes is
            # never asked for its 番号法 basis
            yield at(
                rec,
                ("characteristics", "identification_codes"),
                "my-number-flag",
                "Art. 35(3): identification_codes lists my_number (個人番号) but characteristics.my_number is not "
                "true; the class and the 35(3) notice take 個人番号 as held: set my_number: true and record "
                "my_number_basis, or remove my_number from identification_codes",
                "warning",
            )
        # 16(2): 「前項の管理区分に応じて」 — rules for every class, 管理C's too (lighter, as the manual says)
        if data.get("management_class") in ("A", "B", "C") and "handling_rules" not in data:
            yield at(
                rec,
                ("management_class",),
                "handling-rules",
                f"Art. 16(2): handling rules for 管理{data['management_class']} are not recorded (handling_rules): "
                "the rule asks for them for every class",
                "warning",
            )


def _class_b_line(floor: int) -> str:
    """16(1)'s line as the check applies it: 千人以上, or the policy's other number saying so."""
    if floor == LEGAL_THRESHOLDS["class_b_min_principals"]:
        return "千人以上"
    return f"{floor:,} or more: policy.yaml thresholds.class_b_min_principals, where the rule says 千人以上"


def _item_9_refused(floor: int, count: object) -> str:
    """exclusion-refused for 74-2-9, in the policy's number (the check's), naming the law's when they differ."""
    law = LEGAL_THRESHOLDS["filebook_min_principals"]
    held = (
        f"APPI 74(2)(ix) (令20) excludes only files of fewer than {floor:,} 本人"
        if floor == law
        else f"APPI 74(2)(ix) (令20: fewer than {law:,} 本人) is applied to files of fewer than {floor:,} 本人 "
        "(policy.yaml thresholds.filebook_min_principals)"
    )
    shown = "unknown" if not isinstance(count, int) else f"{count:,}"
    return f"{held}; the count is {shown}. Remove the claim, or record the count (principals.count) if it is below {floor:,}"


# The 74(2) items 75(2)(i) rests on: (i)-(x), not (xi) (manual files are listed, APPI 75(2)(i)).
RESTS_75_2_1 = frozenset(f"74-2-{n}" for n in range(1, 11))


def check_decisions(reg: Register, today: date) -> Iterator[Problem]:
    """Art. 16(1): the 管理者's class beside the engine's; the law's limits on claimed exclusions
    (74(2)(ix) needs fewer than thresholds.filebook_min_principals 本人, 1,000 by 令20), on
    anonymization (60(3)(i)) and on the ファイル簿 (75(1)). Their words give the policy's numbers,
    which the decision applies."""
    files = reg.subjects("files")
    if not files:
        return  # STARTUP_CHECKS: a write of another kind never imports notify/ and filebook/ (below)
    from meti_pi.classify.decision import count_floors
    from meti_pi.filebook import book as filebook
    from meti_pi.notify import notices

    class_b_min, filebook_min = count_floors(reg.policy)
    for rec in files:
        data = rec.data
        decision = notices.decision_for(reg, data)
        if decision.decided_below_rule:
            count = (data.get("principals") or {}).get("count")
            yield at(
                rec,
                ("management_class",),
                "class-below-rule",
                f"Art. 16(1): 管理{decision.management_class} for {count:,} 本人 ({_class_b_line(class_b_min)}): what is not 管理A is "
                f"管理{decision.lowest_class}, whatever the reason (管理C is what is neither A nor B). Decide "
                f"`meti-pi classify --record {rec.id} --class {decision.lowest_class} --rationale TEXT`, "
                "or correct principals.count if it is wrong",
            )
        elif decision.class_differs:
            grounds = "; ".join(
                r.text for r in decision.reasons if r.rule.startswith(("class-a:", "class-b", "class-c", "class:"))
            )
            own = (data.get("classification") or {}).get("class_rationale")
            if decision.decided_lower and not (isinstance(own, str) and own.strip()):
                yield at(
                    rec,
                    ("management_class",),
                    "class-lower-unexplained",
                    f"Art. 16(1): the decided 管理{decision.management_class} is lower than the engine's 管理{decision.derived_class} "
                    f"({grounds}) and no reason is recorded; add classification.class_rationale or run "
                    f"`meti-pi classify --record {rec.id} --class {decision.management_class} --rationale TEXT`",
                )
            else:
                yield at(
                    rec,
                    ("management_class",),
                    "class-differs",
                    f"Art. 16(1): the decided 管理{decision.management_class} differs from the engine's 管理{decision.derived_class} "
                    f"({grounds}); the decision stands, confirm it is still meant",
                    "warning",
                )
        claimed = [ex.get("item") for ex in data.get("exclusions") or [] if isinstance(ex, dict)]
        for i, ex in enumerate(data.get("exclusions") or []):
            item = ex.get("item") if isinstance(ex, dict) else None
            # the item it rests on must hold: a 74-2-9 refused for its count is no ground either
            if item == "75-2-1" and not any(c in RESTS_75_2_1 and c in decision.exclusions for c in claimed):
                # 75(2)(i) is the files of 74(2)'s items: claimed alone it passes every check of the item
                # (74-2-9's count, 74-2-11's file kind) and leaves the Art. 35 notice undecided
                yield at(
                    rec,
                    ("exclusions", i, "item"),
                    "exclusion-unspecified",
                    "APPI 75(2)(i) leaves out of the ファイル簿 the files of APPI 74(2)(i)-(x) (a manual file, "
                    "74(2)(xi), is listed): claim the item itself (74-2-1 to 74-2-10), which is checked (74-2-9 "
                    "against the count) and also decides the Art. 35 notice",
                    "warning",
                )
            if item in ("74-2-9", "74-2-11") and item not in decision.exclusions and decision.personal_information_file:
                count = (data.get("principals") or {}).get("count")
                yield at(
                    rec,
                    ("exclusions", i, "item"),
                    "exclusion-refused",
                    _item_9_refused(filebook_min, count)
                    if item == "74-2-9"
                    else "APPI 74(2)(xi) excludes only manual (paper) files, 60(2)(ii); this file is file_kind "
                    f"{data.get('file_kind') or 'computer'}. Remove the claim, or correct file_kind if the file is on paper",
                )
        if (
            decision.personal_information_file
            and (data.get("anonymized_info") or {}).get("created")
            and not decision.filebook_listed
        ):
            yield at(
                rec,
                ("anonymized_info", "created"),
                "anonymized-unlisted",
                "APPI 60(3)(i): 行政機関等匿名加工情報 can be made only from a file listed in the ファイル簿 "
                "(not excluded by 75(2) nor withheld whole under 75(3)); correct the record",
            )
        if filebook.listing_status(data, reg.policy, today, decision) is None:
            for key_path, label in filebook.missing_mandatory(data):
                yield at(
                    rec,
                    key_path,
                    "filebook-mandatory",
                    f"APPI 75(1): a file listed in the ファイル簿 must state {label}; add it (export refuses the file without it)",
                )


def check_contacts(reg: Register, today: date) -> Iterator[Problem]:
    """A 課等 whose open incident calls for a notice to the 本人 or a publication states where to
    ask (divisions.contact): the documents print it, and a blank line is no contact."""
    warned: set[str] = set()
    for rec in reg.of_kind("incidents"):
        data = rec.data
        if data.get("state") == "closed":
            continue
        needs = (data.get("assessment") or {}).get("principal_notice") or (data.get("facts") or {}).get("publish")
        div_id = data.get("division")
        if not needs or not isinstance(div_id, str) or div_id in warned:
            continue
        div = reg.get("divisions", div_id)
        if div is None:
            continue
        # get() finds a 課等 failing its schema too: a contact that is no mapping is none (its schema error says why)
        contact = div.data.get("contact") if isinstance(div.data, dict) else None
        if isinstance(contact, dict) and contact.get("phone"):
            continue
        warned.add(div_id)
        yield at(
            div,
            ("name",),
            "contact-missing",
            f"incident {rec.id} needs a notice to the 本人 or a publication, which print the 課等's 問合せ先; "
            f"add contact.phone (and contact.email) to {div.relpath}, e.g. `contact: {{phone: 03-xxxx-xxxx（内線 xxxx）}}`",
            "warning",
        )
