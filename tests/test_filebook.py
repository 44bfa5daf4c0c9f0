"""meti_pi.filebook.book: which files the public ファイル簿 lists, what it leaves blank, formats, since."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import git, make_register
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meti_pi.errors import RuleViolation, UsageError
from meti_pi.filebook import book as filebook
from meti_pi.filebook import since as filebook_since
from meti_pi.filebook.book import Snapshot, build, listing_status
from meti_pi.render import excel
from meti_pi.store.policy import merged

TODAY = date(2026, 11, 26)
POLICY = merged(None)
DIVISIONS = {"jinji": {"name": "大臣官房人事課"}}


@pytest.fixture(autouse=True)
def _own_rules(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Most tests check this module's own reading of APPI 75; tests that take the `engine`
    fixture run with meti_pi.classify.classification's decision as well (both must list a file)."""
    if "engine" not in request.fixturenames:
        monkeypatch.setattr(filebook, "_classification_listed", lambda data, policy: None)


@pytest.fixture
def engine() -> None:
    pytest.importorskip("meti_pi.classify.classification", reason="meti_pi.classify.classification not present yet")


def record(fid: str = "F-1", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": fid,
        "name": "研修受講者名簿",
        "org": "経済産業省",
        "division": "jinji",
        "purpose": "研修の実施のため",
        "record_items": ["氏名", "所属", "連絡先"],
        "record_scope": "研修を受講した職員以外の者",
        "collection_method": "本人からの申込書",
        "routine_recipients": ["人事院"],
        "file_kind": "computer",
        "holding": {"start": "2020-04-01", "end": None},
        "principals": {"count": 1500, "as_of": "2026-04-01"},
        # APPI 75(1): a listed file states 74(1)(vi) and (ix)
        "characteristics": {"sensitive": False},
        "disclosure_office": {"name": "個人情報保護窓口", "address": "東京都千代田区霞が関一丁目3番1号"},
    }
    data.update(over)
    return data


def book_of(*records: dict[str, Any], today: date = TODAY) -> filebook.Filebook:
    snap = Snapshot({r["id"]: (f"files/{r['id']}.yaml", r) for r in records}, DIVISIONS, POLICY, "経済産業省")
    return build(snap, today)


def status(**over: Any) -> str | None:
    return listing_status(record(**over), POLICY, TODAY)


# -- which files are listed ------------------------------------------------------------------


@pytest.mark.parametrize(("count", "listed"), [(999, False), (1000, True), (1001, True), (None, True), (0, False)])
def test_threshold_boundary(count: int | None, listed: bool) -> None:
    result = status(principals={"count": count, "as_of": "2026-04-01"})
    assert (result is None) is listed
    if not listed:
        assert result == filebook.BELOW_THRESHOLD


@pytest.mark.parametrize("count", [999, 1000, 1001])
def test_paper_files_listed_from_1000(count: int) -> None:
    # Legal brief §9.6: manual files are excluded from Art. 35 notices but not from the book.
    result = status(
        file_kind="manual",
        exclusions=[{"item": "74-2-11", "reason": "紙"}],
        principals={"count": count, "as_of": "2026-04-01"},
    )
    assert (result is None) is (count >= 1000)


# (74-2-9 leaves out only a file of fewer than 1,000: test_claimed_item_9_does_not_unlist_a_file_of_one_thousand_or_unknown)
@pytest.mark.parametrize("item", [f"74-2-{n}" for n in range(1, 11) if n != 9] + ["75-2-1", "75-2-2", "75-2-3"])
def test_75_2_exclusions_leave_the_file_out(item: str) -> None:
    assert status(exclusions=[{"item": item, "reason": "r"}]) == filebook.EXCLUDED_75_2


def test_74_2_11_alone_does_not_exclude() -> None:
    assert status(exclusions=[{"item": "74-2-11", "reason": "r"}]) is None


def test_withheld_whole_file() -> None:
    assert status(filebook_withheld={"whole_file": True, "reason": "r"}) == filebook.WITHHELD_75_3
    # 75-3 claimed without saying what: read as the whole file (never leak).
    assert status(exclusions=[{"item": "75-3", "reason": "r"}]) == filebook.WITHHELD_75_3
    # 75-3 with the parts named: the file is listed, parts blank.
    assert (
        status(
            exclusions=[{"item": "75-3", "reason": "r"}], filebook_withheld={"collection_method": True, "reason": "r"}
        )
        is None
    )


def test_holding_period() -> None:
    assert status(holding={"start": "2026-11-27"}) == filebook.NOT_HELD
    assert status(holding={"start": "2026-11-26"}) is None
    assert status(holding={"start": "2020-04-01", "end": "2026-11-26"}) == filebook.HOLDING_ENDED
    assert status(holding={"start": "2020-04-01", "end": "2026-11-27"}) is None


def test_not_a_file() -> None:
    assert status(file_kind="none") == filebook.NOT_A_FILE


def test_engine_can_only_take_a_file_out(engine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from meti_pi.classify import classification

    real = classification.decide

    def refusing(profile: Any, policy: Any) -> Any:
        from dataclasses import replace

        return replace(real(profile, policy), filebook_listed=False)

    assert status() is None
    monkeypatch.setattr(classification, "decide", refusing)
    assert status() == filebook.CLASSIFICATION


@pytest.mark.parametrize(
    ("over", "listed"),
    [
        ({}, True),
        ({"file_kind": "manual", "principals": {"count": 1000, "as_of": "2026-04-01"}}, True),
        ({"file_kind": "manual", "principals": {"count": 999, "as_of": "2026-04-01"}}, False),
        ({"exclusions": [{"item": "74-2-11", "reason": "r"}], "file_kind": "manual"}, True),
        ({"exclusions": [{"item": "74-2-3", "reason": "r"}]}, False),
        ({"exclusions": [{"item": "75-2-2", "reason": "r"}]}, False),
        ({"filebook_withheld": {"whole_file": True, "reason": "r"}}, False),
        ({"principals": {"count": None, "as_of": "2026-04-01"}}, True),
    ],
)
def test_engine_agrees_on_the_plain_cases(engine: None, over: dict[str, Any], listed: bool) -> None:
    assert (status(**over) is None) is listed


# -- row contents ------------------------------------------------------------------------------


def test_field_order_is_e_gov() -> None:
    assert len(filebook.FIELDS) == 18
    assert filebook.HEADERS[0] == "個人情報ファイルの名称"
    assert filebook.HEADERS[4] == "記録項目"
    assert filebook.HEADERS[7] == "要配慮個人情報が含まれるときは、その旨"
    assert filebook.HEADERS[11] == "個人情報ファイルの種別"
    assert filebook.HEADERS[17] == "備考"


def test_row_values() -> None:
    row = (
        book_of(
            record(
                characteristics={"sensitive": True},
                linked_manual_file=True,
                disclosure_office={"name": "情報公開・個人情報保護窓口", "address": "東京都千代田区霞が関１－３－１"},
                anonymized_info={
                    "created": True,
                    "overview": "概要文",
                    "invites_proposals": True,
                    "proposal_office": {"name": "提案窓口"},
                    "proposal_period": "随時",
                },
                notes="備考文",
            )
        )
        .rows[0]
        .as_dict()
    )
    assert row["division"] == "大臣官房人事課"
    assert row["record_items"] == "1氏名、2所属、3連絡先"
    assert row["sensitive"] == "含む"
    assert row["routine_recipients"] == "人事院"
    assert row["disclosure_office"] == "名称：情報公開・個人情報保護窓口\n所在地：東京都千代田区霞が関１－３－１"
    assert row["file_kind"] == "電算処理ファイル"
    assert row["linked_manual_file"] == "有"
    assert row["invites_proposals"] == "該当" and row["proposal_office"] == "名称：提案窓口"
    assert row["anonymized_overview"] == "概要文"
    assert row["anonymized_proposal"] == "名称：提案窓口\n提案をすることができる期間：随時"
    assert row["notes"] == "備考文"


def test_withheld_parts_blank_and_items_renumbered() -> None:
    book = book_of(
        record(
            record_items=["氏名", "病歴", "連絡先"],
            filebook_withheld={
                "record_items": ["病歴"],
                "collection_method": True,
                "routine_recipients": True,
                "reason": "r",
            },
        )
    )
    assert book.problems == []
    row = book.rows[0].as_dict()
    assert row["record_items"] == "1氏名、2連絡先"  # no gap left where 病歴 was
    assert row["collection_method"] == row["routine_recipients"] == filebook.WITHHELD_LABEL
    assert "病歴" not in "".join(book.rows[0].values)


def test_withheld_item_matched_after_normalisation() -> None:
    book = book_of(
        record(record_items=["氏名", "ＩＤ番号"], filebook_withheld={"record_items": [" ID 番号 "], "reason": "r"})
    )
    assert book.rows[0].as_dict()["record_items"] == "1氏名"


@pytest.mark.parametrize(
    ("over", "key"),
    [
        ({"notes": "病歴を記録する"}, "notes"),
        ({"purpose": "病歴の管理"}, "purpose"),
        ({"record_items": ["氏名", "病歴", "病歴の有無"]}, "record_items"),
    ],
)
def test_withheld_text_elsewhere_refuses_export(over: dict[str, Any], key: str) -> None:
    data = record(record_items=["氏名", "病歴"], filebook_withheld={"record_items": ["病歴"], "reason": "r"})
    data.update(over)
    book = book_of(data)
    errors = [p for p in book.problems if p.severity == "error"]
    assert [p.code for p in errors] == ["filebook-withheld-leak"]
    assert key in errors[0].message and "病歴" not in errors[0].message
    with pytest.raises(RuleViolation):
        book.require_clean()


def test_withheld_recipient_in_notes_refuses() -> None:
    data = record(
        routine_recipients=["国税庁"],
        filebook_withheld={"routine_recipients": True, "reason": "r"},
        notes="国税庁へ提供",
    )
    assert [p.code for p in book_of(data).problems] == ["filebook-withheld-leak"]


def test_unknown_withheld_item_warns() -> None:
    book = book_of(record(filebook_withheld={"record_items": ["存在しない項目"], "reason": "r"}))
    assert [(p.code, p.severity) for p in book.problems] == [("filebook-withheld-unknown", "warning")]
    book.require_clean()  # a warning does not stop the export


def test_rows_sorted_by_org_division_name() -> None:
    book = book_of(
        record("F-3", name="ん名簿", org="中小企業庁"),
        record("F-2", name="い名簿"),
        record("F-1", name="う名簿"),
    )
    assert [r.id for r in book.rows] == ["F-2", "F-1", "F-3"]


def test_not_listed_counted() -> None:
    book = book_of(
        record("F-1"), record("F-2", file_kind="none"), record("F-3", exclusions=[{"item": "74-2-3", "reason": "r"}])
    )
    assert [r.id for r in book.rows] == ["F-1"]
    assert dict(book.not_listed) == {"not_a_file": 1, "excluded_75_2": 1}


# -- formats -------------------------------------------------------------------------------------


def test_csv_bom_crlf_and_round_trip() -> None:
    book = book_of(record(notes="複数行の\n備考, \"引用\""))
    data = filebook.to_csv(filebook.HEADERS, (r.values for r in book.rows))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.split(b"\r\n")[0].decode("utf-8-sig").split(",")[0] == "個人情報ファイルの名称"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(filebook.HEADERS)
    assert rows[1] == list(book.rows[0].values)


def test_markdown_table_per_file_and_escaping() -> None:
    book = book_of(record("F-1", name="名簿|A", notes="一行目\n**二行目**"), record("F-2", name="名簿B"))
    md = filebook.to_markdown(book, today=TODAY, organisation="経済産業省")
    assert md.startswith('# 個人情報ファイル簿（経済産業省）\n\n<p align="right">令和８年１１月２６日現在</p>\n')
    assert md.count("| 項目 | 内容 |") == 2
    assert "## ２．名簿\\|A" in md  # sorted by name: "B" before "|"; numbered in the document's digit style
    half = filebook.to_markdown(book, today=TODAY, organisation="経済産業省", fullwidth_digits=False)
    assert "## 2. 名簿\\|A" in half and "令和8年11月26日現在" in half
    assert "| 備考 | 一行目<br>\\*\\*二行目\\*\\* |" in md
    # The Markdown goes through meti_pi.render.word unchanged in meaning.
    from meti_pi.render.word import docx_paragraphs, markdown_to_docx

    paras = docx_paragraphs(markdown_to_docx(md))
    assert "備考 | 一行目\n**二行目**" in paras
    assert "個人情報ファイルの名称 | 名簿|A" in paras


def test_markdown_halfwidth_policy() -> None:
    assert '<p align="right">令和8年11月26日現在</p>' in filebook.to_markdown(
        book_of(), today=TODAY, fullwidth_digits=False
    )


def test_xlsx_round_trip() -> None:
    book = book_of(record())
    table = excel.read_table(filebook.to_xlsx(book))
    assert table[0] == list(filebook.HEADERS)
    assert [v or "" for v in table[1]] == list(book.rows[0].values)


# -- the property: nothing withheld or excluded is ever written ------------------------------

EXCLUSION_ITEMS = [f"74-2-{n}" for n in range(1, 12)] + ["75-2-1", "75-2-2", "75-2-3", "75-3"]
KANA = st.text(alphabet="あいうえおかきくけこさしすせそ", min_size=0, max_size=4)


@st.composite
def registers(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, set[str]], set[str]]:
    """File records whose every text carries a unique marker (Q#####), plus, per file, the
    markers that must never be written and the ids the oracle lists."""
    counter = iter(range(10**5))

    def text(kind: str) -> str:
        return f"{kind}{next(counter):05d}{draw(KANA)}"

    files: list[dict[str, Any]] = []
    secret: dict[str, set[str]] = {}
    expected: set[str] = set()
    for n in range(draw(st.integers(0, 5))):
        fid = f"F-{n}"
        items = [text("I") for _ in range(draw(st.integers(1, 4)))]
        recipients = [text("R") for _ in range(draw(st.integers(0, 2)))]
        data = record(
            fid,
            name=text("N"),
            purpose=text("P"),
            record_items=items,
            record_scope=text("S"),
            collection_method=text("C"),
            routine_recipients=recipients,
            notes=text("B"),
            # Weighted towards files that would be listed, so withheld parts get exercised.
            file_kind=draw(st.sampled_from(["computer", "computer", "manual", "manual", "none"])),
            principals={
                "count": draw(st.sampled_from([None, 0, 999, 1000, 1000, 1001, 50000, 50000])),
                "as_of": "2026-04-01",
            },
            holding={
                "start": draw(st.sampled_from(["2020-04-01", "2020-04-01", "2026-11-26", "2027-01-01"])),
                "end": draw(st.sampled_from([None, None, None, "2026-11-25", "2026-11-26", "2026-11-27"])),
            },
        )
        excl = draw(
            st.one_of(
                st.just([]),
                st.just([]),
                st.just(["75-3"]),
                st.lists(st.sampled_from(EXCLUSION_ITEMS), max_size=2, unique=True),
            )
        )
        if excl:
            data["exclusions"] = [{"item": i, "reason": "r"} for i in excl]
        withheld: dict[str, Any] = {}
        if draw(st.integers(0, 2)):
            withheld = {
                "record_items": draw(st.lists(st.sampled_from(items), max_size=len(items), unique=True)),
                "collection_method": draw(st.booleans()),
                "routine_recipients": draw(st.booleans()),
                "whole_file": draw(st.sampled_from([False, False, True])),
                "reason": "r",
            }
            data["filebook_withheld"] = withheld
        # Sometimes an officer copies a withheld item into another field: the export must refuse.
        if withheld.get("record_items") and draw(st.booleans()):
            field = draw(st.sampled_from(["notes", "purpose", "record_scope"]))
            data[field] = data[field] + withheld["record_items"][0]
        files.append(data)

        marks = set(withheld.get("record_items", []))
        if withheld.get("collection_method"):
            marks.add(data["collection_method"])
        if withheld.get("routine_recipients"):
            marks.update(recipients)
        ex = set(excl)
        count = data["principals"]["count"]
        held = data["holding"]["start"] <= TODAY.isoformat() and (
            data["holding"]["end"] is None or data["holding"]["end"] > TODAY.isoformat()
        )
        listed = (
            data["file_kind"] != "none"
            and held
            and not withheld.get("whole_file")
            and not ("75-3" in ex and not withheld)
            and not (ex & (filebook.EXCLUDING_ITEMS - {"74-2-9"}))  # a 74-2-9 claim counts only below 1,000
            and not (count is not None and count < 1000)
        )
        if listed:
            expected.add(fid)
        else:  # an unlisted file: none of its texts may appear
            marks.update(
                [
                    data["name"],
                    data["purpose"],
                    data["record_scope"],
                    data["collection_method"],
                    data["notes"],
                    *items,
                    *recipients,
                ]
            )
        secret[fid] = {m[:6] for m in marks}  # the unique marker part
    return files, secret, expected


PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
Case = tuple[list[dict[str, Any]], dict[str, set[str]], set[str]]


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(registers())
def test_property_withheld_and_excluded_never_written(case: Case) -> None:
    _check_case(case, exact=True)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(registers())
def test_property_with_decision_engine(engine: None, case: Case) -> None:
    # With meti_pi.classify.classification consulted too, a file can only drop out, never appear.
    _check_case(case, exact=False)


def _check_case(case: Case, *, exact: bool) -> None:
    files, secret, expected = case
    book = book_of(*files)
    listed = {r.id for r in book.rows}
    if exact:
        assert listed == expected
    else:
        assert listed <= expected
    leaking = [p for p in book.problems if p.severity == "error" and p.code != "filebook-mandatory"]
    # A listed file withholding every 記録項目 is refused (75(3): only part of them)
    all_withheld = {
        f["id"]
        for f in files
        if f["id"] in listed and set(f.get("filebook_withheld", {}).get("record_items", [])) >= set(f["record_items"])
    }
    assert {p.path for p in book.problems if p.code == "filebook-mandatory"} == {
        f"files/{fid}.yaml" for fid in all_withheld
    }
    # Every listed file whose withheld item was copied elsewhere is caught...
    copied = {
        f["id"]
        for f in files
        if f["id"] in listed
        and any(
            i in f[k]
            for i in f.get("filebook_withheld", {}).get("record_items", [])
            for k in ("notes", "purpose", "record_scope")
        )
    }
    assert {p.path for p in leaking} == {f"files/{fid}.yaml" for fid in copied}
    if leaking or all_withheld:
        with pytest.raises(RuleViolation):
            book.require_clean()
        return
    # ...and otherwise no output format holds a withheld or excluded text.
    csv_text = filebook.to_csv(filebook.HEADERS, (r.values for r in book.rows)).decode("utf-8-sig")
    md_text = filebook.to_markdown(book, today=TODAY)
    xlsx_text = "\n".join(str(v) for row in excel.read_table(filebook.to_xlsx(book)) for v in row if v is not None)
    json_text = repr(filebook.as_json(book, today=TODAY))
    all_marks = set().union(*secret.values()) if secret else set()
    for out in (csv_text, md_text, xlsx_text, json_text):
        assert not [m for m in all_marks if m in out]
    # Listed files do show their non-withheld texts (the test would pass vacuously otherwise).
    for f in files:
        if f["id"] in listed:
            assert f["name"] in csv_text and f["name"] in xlsx_text


# -- since ----------------------------------------------------------------------------------------


def _yaml(data: dict[str, Any]) -> str:
    import json

    # JSON is YAML: good enough for test records.
    return json.dumps(data, ensure_ascii=False, indent=1)


DIVISION = "schema_version: 1\nid: jinji\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"


def _commit_all(root: Path, message: str) -> None:
    git(root.parent, "add", "-A")
    git(root.parent, "commit", "-q", "-m", message)


def test_since_reports_added_removed_changed(tmp_path: Path) -> None:
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": DIVISION,
            "files/F-1.yaml": _yaml(record("F-1", name="変わる名簿")),
            "files/F-2.yaml": _yaml(record("F-2", name="消える名簿")),
        },
    )
    git(root.parent, "tag", "published")
    (root / "files/F-1.yaml").write_text(_yaml(record("F-1", name="変わる名簿", notes="新しい備考")), encoding="utf-8")
    (root / "files/F-2.yaml").write_text(
        _yaml(record("F-2", name="消える名簿", holding={"start": "2020-04-01", "end": "2026-10-01"})), encoding="utf-8"
    )
    (root / "files/F-3.yaml").write_text(_yaml(record("F-3", name="新しい名簿")), encoding="utf-8")
    _commit_all(root, "changes")
    from meti_pi.store.register import Register

    current = build(Snapshot.from_register(Register.load(root)), TODAY)
    d = filebook_since.since(root, "published", current)
    assert [(c.kind, c.id, c.name) for c in d.changes] == [
        ("changed", "F-1", "変わる名簿"),
        ("removed", "F-2", "消える名簿"),
        ("added", "F-3", "新しい名簿"),
    ]
    assert d.changes[0].fields == [("notes", "", "新しい備考")]
    assert d.changes[1].fields == []
    assert ("name", "", "新しい名簿") in d.changes[2].fields
    assert len(d.commit) == 40
    md = filebook_since.diff_markdown(d, today=TODAY)
    # Counts in the document's digit style, as its date (「令和８年…現在」): 「（1件）」 beside full-width
    # digits was the former output; half-width documents keep half-width counts.
    assert "## 追加（１件）" in md and "## 削除（１件）" in md and "## 変更（１件）" in md
    assert "令和８年" in md and not re.search(r"（[0-9]+件）", md)
    half = filebook_since.diff_markdown(d, today=TODAY, fullwidth_digits=False)
    assert "## 追加（1件）" in half and "令和8年" in half and not re.search(r"[０-９]", half)
    rows = filebook_since.diff_rows(d)
    assert ("変更", "変わる名簿", "備考", "", "新しい備考") in rows
    assert ("削除", "消える名簿", "", "", "") in rows


def test_since_reads_the_old_book_on_its_commit_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Published on 2026-01-15: F-1 (held until 2026-06-01) was listed then, F-2 (held from
    # 2026-03-01) was not yet. Unchanged records, yet the book changed: both must show.
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-15T12:00:00+09:00")
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": DIVISION,
            "files/F-1.yaml": _yaml(record("F-1", holding={"start": "2020-04-01", "end": "2026-06-01"})),
            "files/F-2.yaml": _yaml(record("F-2", holding={"start": "2026-03-01"})),
        },
    )
    from meti_pi.store.register import Register

    d = filebook_since.since(root, "HEAD", build(Snapshot.from_register(Register.load(root)), TODAY))
    assert d.commit_date == date(2026, 1, 15)
    assert [(c.kind, c.id) for c in d.changes] == [("removed", "F-1"), ("added", "F-2")]


def test_since_masks_newly_withheld_text(tmp_path: Path) -> None:
    root = make_register(
        tmp_path,
        {"divisions/jinji.yaml": DIVISION, "files/F-1.yaml": _yaml(record("F-1", record_items=["氏名", "病歴"]))},
    )
    (root / "files/F-1.yaml").write_text(
        _yaml(
            record("F-1", record_items=["氏名", "病歴"], filebook_withheld={"record_items": ["病歴"], "reason": "r"})
        ),
        encoding="utf-8",
    )
    _commit_all(root, "withhold")
    from meti_pi.store.register import Register

    d = filebook_since.since(root, "HEAD~1", build(Snapshot.from_register(Register.load(root)), TODAY))
    assert d.changes[0].fields == [("record_items", filebook.MASK, "1氏名")]
    assert "病歴" not in repr(filebook_since.diff_json(d)) + filebook_since.diff_markdown(d, today=TODAY)


def test_since_whole_file_withheld_shows_only_name(tmp_path: Path) -> None:
    root = make_register(
        tmp_path,
        {"divisions/jinji.yaml": DIVISION, "files/F-1.yaml": _yaml(record("F-1", purpose="公開されていた目的"))},
    )
    (root / "files/F-1.yaml").write_text(
        _yaml(record("F-1", purpose="公開されていた目的", filebook_withheld={"whole_file": True, "reason": "r"})),
        encoding="utf-8",
    )
    _commit_all(root, "withhold whole")
    from meti_pi.store.register import Register

    d = filebook_since.since(root, "HEAD~1", build(Snapshot.from_register(Register.load(root)), TODAY))
    assert [(c.kind, c.fields) for c in d.changes] == [("removed", [])]
    assert "公開されていた目的" not in repr(filebook_since.diff_json(d))


@pytest.mark.parametrize("rev", ["no-such-tag", "-p", "HEAD~5"])
def test_since_bad_revision_is_usage_error(tmp_path: Path, rev: str) -> None:
    root = make_register(tmp_path)
    with pytest.raises(UsageError):
        filebook_since.resolve_commit(root, rev)


def test_read_tree_at_register_in_subfolder(tmp_path: Path) -> None:
    root = make_register(tmp_path, {"files/F-1.yaml": _yaml(record("F-1"))}, subdir="deep/register")
    texts = filebook_since.read_tree_at(root, "HEAD")
    assert "files/F-1.yaml" in texts and "register.yaml" in texts
    assert not any(k.startswith(("deep/", "beppyo/")) for k in texts)


def test_check_filebook_for_validate(tmp_path: Path) -> None:
    from meti_pi.store.register import Register

    leak = record(
        "F-1",
        record_items=["氏名", "病歴"],
        filebook_withheld={"record_items": ["病歴"], "reason": "r"},
        notes="病歴あり",
    )
    vague = record("F-2", exclusions=[{"item": "75-3", "reason": "r"}])
    root = make_register(
        tmp_path, {"divisions/jinji.yaml": DIVISION, "files/F-1.yaml": _yaml(leak), "files/F-2.yaml": _yaml(vague)}
    )
    found = list(filebook.check_filebook(Register.load(root), TODAY))
    assert sorted((p.path, p.code, p.severity) for p in found) == [
        ("files/F-1.yaml", "filebook-withheld-leak", "error"),
        ("files/F-2.yaml", "filebook-withheld-vague", "warning"),
    ]
    leak_line = next(p.line for p in found if p.code == "filebook-withheld-leak")
    assert leak_line is not None
    text = (root / "files/F-1.yaml").read_text(encoding="utf-8").splitlines()
    assert '"notes"' in text[leak_line - 1]


@pytest.mark.parametrize(
    ("field", "key", "text", "over"),
    [
        ("division", "$.division", "病歴", {}),  # through the 課等's name
        ("sensitive", "$.characteristics.sensitive", "含む", {"characteristics": {"sensitive": True}}),
        ("file_kind", "$.file_kind", "電算処理", {}),
        ("linked_manual_file", "$.linked_manual_file", "有", {"linked_manual_file": True}),
        (
            "invites_proposals",
            "$.anonymized_info.invites_proposals",
            "該当",
            {"anonymized_info": {"created": True, "invites_proposals": True}},
        ),
    ],
)
def test_validate_shows_a_withheld_leak_at_the_field_it_comes_from(
    tmp_path: Path, runner: Any, field: str, key: str, text: str, over: dict[str, Any]
) -> None:
    """A withheld text in ファイル簿 field division, sensitive, file_kind, linked_manual_file or
    invites_proposals is shown at the record's field that gives it (file:line): it had the key ""
    and no line, as RECORD_KEY did not name them."""
    import json

    from conftest import invoke

    leak = record("F-1", record_items=["氏名", text], filebook_withheld={"record_items": [text], "reason": "r"}, **over)
    root = make_register(
        tmp_path,
        {"divisions/jinji.yaml": DIVISION.replace("大臣官房人事課", "病歴管理室"), "files/F-1.yaml": _yaml(leak)},
    )
    result = invoke(runner, root, "validate", "--json")
    assert result.exit_code == 1, result.output
    leaks = [e for e in json.loads(result.stdout)["errors"] if e["code"] == "filebook-withheld-leak"]
    assert [(e["path"], e["key"]) for e in leaks] == [("files/F-1.yaml", key)], leaks
    assert f"field {field!r}" in leaks[0]["message"]
    lines = (root / "files/F-1.yaml").read_text(encoding="utf-8").splitlines()
    assert leaks[0]["line"] is not None and f'"{key.rpartition(".")[2]}"' in lines[leaks[0]["line"] - 1]


def test_every_filebook_field_has_its_own_record_key() -> None:
    """Each ファイル簿 field names the record's field it comes from, no two the same: a leak is located,
    and the write path's match of an error held before by its place (path, code, key) never takes a
    leak in one field for a leak in another."""
    assert sorted(filebook.RECORD_KEY) == sorted(filebook.KEYS)
    assert len(set(filebook.RECORD_KEY.values())) == len(filebook.RECORD_KEY)
    assert all(key.startswith("$.") for key in filebook.RECORD_KEY.values())


def test_check_filebook_on_a_write_reads_only_the_divisions_its_files_name(tmp_path: Path) -> None:
    """A write's check_filebook (a lazy register with a focus) reads the division of each
    withholding file, not every division, and still finds a withheld text in that division's name."""
    from meti_pi.store import lazy
    from meti_pi.store.register import Register, tree_of

    leak = record("F-1", record_items=["氏名", "病歴"], filebook_withheld={"record_items": ["病歴"], "reason": "r"})
    divisions = {
        f"divisions/d{i}.yaml": DIVISION.replace("id: jinji", f"id: d{i}").replace("人事課\n", f"第{i}課\n")
        for i in range(6)
    }
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": DIVISION.replace("大臣官房人事課", "病歴管理室"),
            "files/F-1.yaml": _yaml(leak),
            **divisions,
        },
    )
    whole = list(filebook.check_filebook(Register.load(root), TODAY))
    reg = Register.load(root, at=tree_of(root, "HEAD"))
    assert isinstance(reg.records, lazy.Records)
    focused = list(filebook.check_filebook(reg.checked(frozenset(), frozenset({"files/F-1"})), TODAY))
    assert [(p.path, p.code, p.line) for p in focused] == [(p.path, p.code, p.line) for p in whole]
    assert [p.code for p in focused] == ["filebook-withheld-leak"]  # through the division's name
    built = {rel for rel, rec in reg.records.made.items() if rec is not None and rel.startswith("divisions/")}
    assert built == {"divisions/jinji.yaml"}


def test_record_fixture_matches_schema() -> None:
    # The test records are real ファイル簿 records, so the tests exercise the real shape.
    from meti_pi.store import schema

    assert schema.errors("files.schema.json", record()) == []
    full = record(
        filebook_withheld={
            "record_items": ["氏名"],
            "collection_method": True,
            "routine_recipients": True,
            "whole_file": False,
            "reason": "r",
        },
        exclusions=[{"item": "74-2-11", "reason": "r"}],
        characteristics={"sensitive": True},
        anonymized_info={
            "created": True,
            "overview": "o",
            "proposal_office": {"name": "n"},
            "proposal_period": "p",
            "invites_proposals": True,
        },
    )
    assert schema.errors("files.schema.json", full) == []


# -- issue 14 ------------------------------------------------------------------------------------


def test_withheld_recipients_and_none_read_differently() -> None:
    withheld = book_of(record(filebook_withheld={"routine_recipients": True, "reason": "r"})).rows[0].as_dict()
    none = book_of(record(routine_recipients=[])).rows[0].as_dict()
    absent = {k: v for k, v in record().items() if k != "routine_recipients"}
    assert withheld["routine_recipients"] == filebook.WITHHELD_LABEL
    assert none["routine_recipients"] == book_of(absent).rows[0].as_dict()["routine_recipients"] == filebook.NONE_LABEL
    assert withheld["routine_recipients"] != none["routine_recipients"]


@pytest.mark.parametrize(("count", "listed"), [(999, False), (1000, True), (1001, True), (5000, True), (None, True)])
def test_claimed_item_9_does_not_unlist_a_file_of_one_thousand_or_unknown(count, listed) -> None:
    data = record(principals={"count": count, "as_of": "2026-04-01"}, exclusions=[{"item": "74-2-9", "reason": "r"}])
    assert (filebook.listing_status(data, {}, TODAY) is None) is listed


@pytest.mark.parametrize("drop", ["disclosure_office", "characteristics"])
def test_export_refuses_a_listed_file_lacking_items_vi_or_ix(drop) -> None:
    from meti_pi.errors import RuleViolation

    data = {k: v for k, v in record().items() if k != drop}
    book = book_of(data)
    assert [p.code for p in book.problems] == ["filebook-mandatory"]
    with pytest.raises(RuleViolation, match="75\\(1\\)"):
        book.require_clean()
    small = {**data, "principals": {"count": 999, "as_of": "2026-04-01"}}
    book_of(small).require_clean()  # not listed: nothing required


# -- outside legal review (h4) --------------------------------------------------------------------


def test_withholding_every_record_item_is_refused() -> None:
    """APPI 75(3) leaves out only 記録項目の一部: a listed file whose every item is withheld would be
    published with 記録項目 (74(1)(iv), required by 75(1)) blank."""
    data = record(filebook_withheld={"record_items": ["氏名", "所属", "連絡先"], "reason": "r"})
    book = book_of(data)
    assert [p.code for p in book.problems] == ["filebook-mandatory"]
    assert "記録項目" in book.problems[0].message
    with pytest.raises(RuleViolation, match="75\\(1\\)"):
        book.require_clean()
    part = record(filebook_withheld={"record_items": ["連絡先"], "reason": "r"})
    book_of(part).require_clean()  # part of the items: allowed


def test_a_recorded_sensitive_category_is_stated_as_held() -> None:
    """74(1)(vi): a record naming the 要配慮 categories it holds (which the engine classes 管理A on)
    is published as holding 要配慮個人情報, even when its `sensitive` flag was left false."""
    chars = {"sensitive": False, "sensitive_categories": ["medical_history"]}
    row = book_of(record(characteristics=chars)).rows[0].as_dict()
    assert row["sensitive"] == POLICY["filebook"]["labels"]["sensitive_yes"]


def test_a_listed_file_whose_division_is_unknown_is_refused() -> None:
    """74(1)(ii), required by 75(1): the 組織 in charge of the work is the 課等's name; a file whose
    `division` names no 課等 record was published with field 3 blank."""
    book = book_of(record(division="no-such-division"))
    assert [(p.code, p.key) for p in book.problems] == [("filebook-mandatory", "$.division")]
    with pytest.raises(RuleViolation, match="75\\(1\\)"):
        book.require_clean()


@pytest.mark.parametrize(
    ("floor", "count", "listed"), [(0, 1, True), (0, 640, True), (500, 499, False), (500, 640, True)]
)
def test_the_policys_filebook_line_is_the_decisions_even_at_zero(engine: None, floor, count, listed) -> None:
    """`filebook_min_principals: 0` (the schema's minimum) was read `... or 1000` here, so a 640-本人
    file the decision lists (74(2)(ix) applies below 0 to none) was left out as below_threshold
    while classify and notify took it as listed. Both read classify.decision.count_floors now.
    (The (0, ...) cases fail on the former code.)"""
    from meti_pi.classify import classification

    policy = merged({"thresholds": {"filebook_min_principals": floor}})
    data = record(principals={"count": count, "as_of": "2026-04-01"})
    decision = classification.decide(classification.profile_from_record(data), policy)
    assert decision.filebook_listed is listed
    assert (listing_status(data, policy, TODAY) is None) is listed
    assert (listing_status(data, policy, TODAY, decision) is None) is listed
