"""Property tests (hypothesis) of the write path's YAML, of id allocation and of the fast loader.

(Deadline arithmetic and the public ファイル簿 are property-tested beside their modules:
tests/test_calendar_jp.py and tests/test_filebook.py.)
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meti_pi.classify import screening
from meti_pi.store import ids, yamlio, yamlload

pytestmark = pytest.mark.slow  # hypothesis round trips (issue 17: out of make test-fast)

TODAY = date(2026, 11, 26)

# -- values a register holds --------------------------------------------------------------

JAPANESE = st.text(
    alphabet=st.sampled_from(
        "個人情報保護管理者課長経済産業省あいうえおアイウエオｱｲｳ０１２３４５６７８９　、。（）「」・ー令和"
    ),
    min_size=1,
    max_size=20,
)
TRICKY_STRINGS = st.sampled_from(
    [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Yes",
        "NO",
        "true",
        "False",
        "null",
        "~",
        "",
        " ",
        "-",
        "- x",
        "? x",
        "0123",
        "010",
        "007",
        "0o17",
        "0x1F",
        "1e3",
        "1_000",
        ".5",
        "+1",
        "-0",
        ".inf",
        "NaN",
        "2026-01-01",
        "2026-1-1",
        "2026-13-45",
        "12:30",
        "1:02:03",
        "#not a comment",
        "a # b",
        "a: b",
        "[x]",
        "{y}",
        "'quoted'",
        '"double"',
        "line1\nline2",
        "tab\there",
        "trailing ",
        " leading",
        "&anchor",
        "*alias",
        "!tag",
        "%",
        "@",
        "`",
        "令和８年１１月２６日",
        "〒100-8901",
        "ＡＢＣ",
        "\u3000全角空白",
        "é",
        "🙂",
    ]
)
# U+0085, U+2028, U+2029 are left out: ruamel writes them so that they read back as spaces
# (test_line_separator_characters_survive_a_write).
STRINGS = st.one_of(
    JAPANESE, TRICKY_STRINGS, st.text(st.characters(codec="utf-8", exclude_characters="\x85\u2028\u2029"), max_size=15)
)
# Floats are left out: ruamel rewrites untouched floats (test_untouched_floats_are_not_rewritten).
SCALARS = st.one_of(
    STRINGS,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.none(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)).map(date.isoformat),
)
KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
# Lists hold scalars and mappings, never lists directly (no register schema nests lists in lists,
# and ruamel drops a comment after `- - []`: test_comment_after_a_nested_empty_list_survives).
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(st.one_of(SCALARS, st.dictionaries(KEYS, inner, max_size=3)), max_size=4),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=12,
)
DOCS = st.dictionaries(KEYS, VALUES, min_size=2, max_size=8)


def with_comments(text: str, data: dict[str, Any], draw_positions: list[int]) -> tuple[str, list[str]]:
    """`text` with full-line comments before some top-level keys and end-of-line comments after some
    top-level scalars; only comments that leave the data unchanged are kept. Returns (text, comments)."""
    lines = text.splitlines()
    out: list[str] = []
    comments: list[str] = []
    for i, line in enumerate(lines):
        top_level_key = bool(re.match(r"[a-z][a-z0-9_]*:", line))
        if top_level_key and i % 3 in draw_positions:
            c = f"# コメント{len(comments)} keep me"
            out.append(c)
            comments.append(c)
        if top_level_key and i % 2 in draw_positions and not line.rstrip().endswith((":", "|", "|-", ">", ">-")):
            c = f"# eol{len(comments)}"
            candidate = "\n".join([*out, f"{line}  {c}", *lines[i + 1 :]]) + "\n"
            try:
                if yamlload.load(candidate) == data:
                    out.append(f"{line}  {c}")
                    comments.append(c)
                    continue
            except yamlload.YamlFault:
                pass
        out.append(line)
    return "\n".join(out) + "\n", comments


def plain(data: Any) -> Any:
    """What the fast loader returns for `data` written by ruamel (floats compared as written)."""
    return yamlload.load(yamlio.new_document(data)) if isinstance(data, dict) else data


def _edit(doc: dict[str, Any], new_value: Any, which: int, positions: list[int], *, scalar_only: bool) -> None:
    text = yamlio.new_document(doc)
    data = yamlload.load(text)
    assume(isinstance(data, dict))
    text, comments = with_comments(text, data, positions)
    assert yamlload.load(text) == data
    keys = sorted(k for k in data if not scalar_only or not isinstance(data[k], (dict, list)))
    assume(keys)
    key = keys[which % len(keys)]

    edited = yamlio.load_rt(text)
    following, read = yamlio.following_comments(edited), yamlio.as_read(edited)  # as Transaction.edit takes them
    edited[key] = yamlio._commented(new_value)  # as commands set values in tx.edit() documents
    out, kept = yamlio.dump_edited(edited, text, following, read)  # what Transaction.rendered writes

    after = yamlload.load(out)
    expected_value = yamlload.load(yamlio.new_document({"v": new_value}))["v"]
    assert after[key] == expected_value
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in data.items() if k != key}
    assert list(after) == list(data), "key order kept"
    # never lost silently: every comment is still there, or the writer says some were not kept
    assert not kept or all(c in out for c in comments), [c for c in comments if c not in out]
    if scalar_only:
        assert kept, "a scalar edit is written with its comments"
        for c in comments:
            assert c in out, f"comment lost: {c}"
        # Lines of the other top-level entries are untouched (the diff stays on the edited key).
        before_lines = set(text.splitlines())
        changed = [line for line in out.splitlines() if line not in before_lines]
        assert all(not re.match(r"[a-z][a-z0-9_]*:", line) or line.startswith(f"{key}:") for line in changed), changed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=DOCS,
    new_value=SCALARS,
    which=st.integers(min_value=0, max_value=100),
    positions=st.lists(st.integers(0, 2), max_size=3),
)
def test_editing_one_scalar_field_preserves_every_other_value_and_every_comment(doc, new_value, which, positions):
    _edit(doc, new_value, which, positions, scalar_only=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=DOCS,
    new_value=VALUES,
    which=st.integers(min_value=0, max_value=100),
    positions=st.lists(st.integers(0, 2), max_size=3),
)
def test_replacing_any_field_preserves_every_other_value(doc, new_value, which, positions):
    _edit(doc, new_value, which, positions, scalar_only=False)


def _edited(text: str, edit: Any) -> tuple[str, bool]:
    """`text` read as Transaction.edit reads it, changed by `edit`, written as Transaction.rendered writes it."""
    doc = yamlio.load_rt(text)
    following, read = yamlio.following_comments(doc), yamlio.as_read(doc)
    edit(doc)
    return yamlio.dump_edited(doc, text, following, read)


RECORD = "systems:\n  - SYS-1\n  - SYS-3  # 旧システム\n# 委託先は年度ごとに見直す\ncontractors: []\n"


@pytest.mark.parametrize(
    ("value", "systems"),
    [(["SYS-2"], "systems:\n  - SYS-2\n"), ([], "systems: []\n"), ("SYS-2", "systems: SYS-2\n")],
    ids=["a list", "an empty list", "a scalar"],
)
def test_replacing_a_collection_keeps_the_comment_line_below_it(value: Any, systems: str) -> None:
    """ruamel keeps the line that introduces `contractors` on the last element of `systems`:
    replacing `systems` dropped it (a strict xfail until yamlio.carry_comments). The end-of-line
    comment of the replaced element goes with it, as its value did."""
    out, kept = _edited(RECORD, lambda doc: doc.__setitem__("systems", value))
    assert out == systems + "# 委託先は年度ごとに見直す\ncontractors: []\n" and kept


@pytest.mark.parametrize(
    "value",
    ["notes: |\n  # 見出し\n  本文\n", 'notes: "一行目\n  # 二行目"\n'],
    ids=["a block scalar", "a quoted value over two lines"],
)
def test_a_line_of_a_value_that_begins_with_hash_is_not_a_comment(value: str) -> None:
    """A value's line that begins with '#' is text: replacing the value loses no comment (the
    write path said one was lost and asked to check the diff)."""
    out, kept = _edited(value + "# 本当のコメント\nnext: 1\n", lambda doc: doc.__setitem__("notes", "新しい本文"))
    assert out.endswith("\n# 本当のコメント\nnext: 1\n") and kept
    assert yamlio.load_rt(out)["notes"] == "新しい本文"
    out, kept = _edited(value + "next: 1\n", lambda doc: doc.__delitem__("notes"))
    assert out == "next: 1\n" and kept


def test_a_comment_line_after_a_block_scalar_is_still_counted() -> None:
    assert yamlio.comment_lines("notes: |\n  本文\n# 本当のコメント\nnext: 1\n") == {"# 本当のコメント": 1}


def test_appending_to_a_list_leaves_the_comment_line_before_the_next_key() -> None:
    out, kept = _edited(RECORD, lambda doc: doc["systems"].append("SYS-9"))
    assert out == (
        "systems:\n  - SYS-1\n  - SYS-3  # 旧システム\n  - SYS-9\n# 委託先は年度ごとに見直す\ncontractors: []\n"
    )
    assert kept


FLOWED = (
    "codes: [a, b]   # 申告による\n"
    "holding: {start: '2024-04-01', end: null}\n"
    "principals:\n  count: 1  # 集計\n  as_of: '2026-10-01'\n"
    "items:\n  - {rule: x, text: 一}\n  - {rule: y, text: 二}\n"
)


@pytest.mark.parametrize(
    ("edit", "changed"),
    [
        (lambda doc: doc.__setitem__("codes", ["a", "b"]), []),
        (lambda doc: doc.__setitem__("holding", {"start": "2024-04-01", "end": None}), []),
        (lambda doc: doc.__setitem__("codes", ["a", "c"]), ["codes: [a, c]   # 申告による"]),
        # the list read, extended; ruamel keeps its comment's column (a space where the line reaches it)
        (lambda doc: doc.__setitem__("codes", ["a", "b", "c"]), ["codes: [a, b, c] # 申告による"]),
        (
            lambda doc: doc.__setitem__("holding", {"start": "2024-04-01", "end": "2026-03-31"}),
            ["holding: {start: '2024-04-01', end: '2026-03-31'}"],
        ),
        (lambda doc: doc.__setitem__("principals", {"count": 2, "as_of": "2026-10-01"}), ["  count: 2  # 集計"]),
        (lambda doc: doc.__setitem__("principals", {"count": True, "as_of": "2026-10-01"}), ["  count: true # 集計"]),
        (
            lambda doc: doc.__setitem__("items", [{"rule": "x", "text": "一"}, {"rule": "y", "text": "三"}]),
            ["  - {rule: y, text: 三}"],
        ),
    ],
    ids=[
        "an equal flow list",
        "an equal flow mapping",
        "a changed flow list",
        "a flow list that grew",
        "a changed flow mapping",
        "a changed block mapping",
        "true is not 1",
        "a list of mappings, one changed",
    ],
)
def test_an_assigned_value_is_written_as_the_file_wrote_it(edit: Any, changed: list[str]) -> None:
    """A command assigns plain values (`characteristics["identification_codes"] = [...]`): an equal
    one left the line rewritten in block style, a changed flow list became block lines (a diff of
    many lines for one fact, or for none). The value read is kept where equal, its style where
    changed, and the end-of-line comments with it (yamlio.keep_as_written). Fails on the former code."""
    out, kept = _edited(FLOWED, edit)
    before = FLOWED.splitlines()
    assert [line for line in out.splitlines() if line not in before] == changed and kept
    assert len(out.splitlines()) == len(before)


def test_a_mapping_the_edit_moved_is_written_with_the_value_it_holds() -> None:
    """keep_as_written changes a mapping read in place where the edit put a changed one: a mapping
    the edit moved elsewhere (`previous` is now the mapping read at `current`, `current` a new one)
    was changed with it, and `previous` written with the new value (count 2, not 1), the check that
    the text reads back computed after that change and blind to it. The check holds the text to the
    document as the command left it: the edit's values are written (afresh where they must be).
    Fails on the former code."""

    def archive(doc: Any) -> None:
        doc["previous"] = doc["current"]
        doc["current"] = {"count": 2, "as_of": "2026-11-30"}

    text = "current:\n  count: 1\n  as_of: '2026-10-01'\nprevious:\n  count: 0\n  as_of: '2025-10-01'\n"
    out, _kept = _edited(text, archive)
    assert yamlload.load(out) == {
        "current": {"count": 2, "as_of": "2026-11-30"},
        "previous": {"count": 1, "as_of": "2026-10-01"},
    }, out


def test_comment_lines_after_a_flow_collection_or_inside_a_mapping_are_carried() -> None:
    """ruamel keeps a line after `[x, y]` at the end of the collection holding it, and an indented
    line between two keys of a nested mapping on the nested value: both kinds are carried."""
    text = "l:\n  - a: 1\n    b: [x, y]\n# after l\nq: 2\nn:\n  in:\n    - 1\n  # inner\n  k: 2\n"

    def edit(doc: Any) -> None:
        doc["l"] = [{"a": 2}]
        doc["n"]["in"] = "x"

    out, kept = _edited(text, edit)
    assert out == "l:\n  - a: 2\n# after l\nq: 2\nn:\n  in: x\n  # inner\n  k: 2\n" and kept


def test_a_comment_line_that_goes_with_a_deleted_key_is_reported() -> None:
    out, kept = _edited(RECORD, lambda doc: doc.__delitem__("systems"))
    assert out == "contractors: []\n" and not kept


def test_an_unchanged_record_is_written_back_as_it_was() -> None:
    out, kept = _edited(RECORD, lambda doc: None)
    assert out == RECORD and kept


def test_empty_values_keep_their_spelling_when_another_field_changes() -> None:
    """A hand-written record's empty values (`key:`) stay empty; ruamel alone wrote every one of them
    `key: null` at a command's first edit. A value that became empty is written `null`, as
    meti-pi writes new records, and one written `null` stays so."""
    text = "a:\nb: 1\nc:\n  d:\n  e: x\n  n: null\nl:\n  - k:\n    v: 1\nz: 5\n"

    def edit(doc: Any) -> None:
        doc["b"] = 2
        doc["c"]["e"] = "y"
        doc["z"] = None

    out, kept = _edited(text, edit)
    assert out == "a:\nb: 2\nc:\n  d:\n  e: y\n  n: null\nl:\n  - k:\n    v: 1\nz: null\n" and kept


def test_an_empty_spelling_that_would_read_otherwise_is_not_used() -> None:
    """Only a text that reads back as the edited data is written: `k:` above a deeper-indented
    line would take that line as its value."""
    assert yamlio.empty_values_as_written("k:\n", "k: null\n  # x\n", {"k": None}) == "k:\n  # x\n"
    assert yamlio.empty_values_as_written("k:\nm: 1\n", "k: null\nm: 2\n", {"k": None, "m": 3}) == ("k: null\nm: 2\n")


@pytest.mark.xfail(
    strict=True,
    reason="ruamel drops a comment line that follows `- - []` (a list nested in a list) "
    "even on a plain load and dump; no register schema nests lists, so this is noted, not fixed",
)
def test_comment_after_a_nested_empty_list_survives():
    text = "d:\n  - x\n  - - []\n# c\na: y\n"
    assert "# c" in yamlio.dump_rt(yamlio.load_rt(text))


def test_a_comment_ruamel_drops_on_reading_is_reported_by_the_write_path():
    """The loss above happens as ruamel reads the record (no comment of the document holds it):
    the write path finds the line missing from the text it writes and says so."""
    out, kept = _edited("d:\n  - x\n  - - []\n# c\na: y\n", lambda doc: doc.__setitem__("a", "z"))
    assert "# c" not in out and not kept


def test_a_garbled_ruamel_rendering_is_never_written():
    """ruamel writes `[{}, x, x]` in place of `b: []  # c` as `- x   -` / `x`: one value instead of two.
    dump_checked notices, writes the document afresh (values exact, comments lost) and says so."""
    doc = yamlio.load_rt("# head\nb: []  # eol\na: null\n")
    doc["b"] = yamlio._commented([{}, "x", "x"])
    assert yamlload.load(yamlio.dump_rt(doc))["b"] != [{}, "x", "x"]  # the ruamel fault itself
    text, kept = yamlio.dump_checked(doc)
    assert yamlload.load(text) == {"b": [{}, "x", "x"], "a": None}
    assert not kept and "# eol" not in text


def test_line_separator_characters_survive_a_write():
    text = yamlio.new_document({"a": "x\x85y", "b": "x\u2028y"})
    assert yamlload.load(text) == {"a": "x\x85y", "b": "x\u2028y"}


def test_untouched_floats_are_not_rewritten():
    text = "a: 1\nb: 4.018789302455501e+16\nc: 0.1234567890123456789\n"
    doc = yamlio.load_rt(text)
    doc["a"] = 2
    assert yamlio.dump_rt(doc) == text.replace("a: 1", "a: 2")


@settings(max_examples=150, deadline=None)
@given(doc=DOCS)
def test_ruamel_writes_what_the_fast_loader_reads_back(doc):
    """Every value written by the write path (ruamel) reads back unchanged through the fast path."""
    text = yamlio.new_document(doc)
    assert yamlload.load(text) == yamlload.load(yamlio.dump_rt(yamlio.load_rt(text)))
    assert yamlload.load(text) == _normal(doc)


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, float):
        return float(repr(value)) if value == value else value
    return value


# -- the fast loader and ruamel agree on hand-written documents ---------------------------------

HAND_SCALARS = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)).map(date.isoformat),  # 2026-01-01 unquoted
    st.sampled_from(
        ["yes", "no", "Yes", "NO", "on", "off", "y", "n", "true", "false", "True", "FALSE", "null", "~", "Null"]
    ),
    st.integers(min_value=0, max_value=99999).map(lambda n: f"0{n}"),  # leading zeros: 0123
    st.integers(min_value=0, max_value=4095).map(lambda n: f"0o{n:o}"),
    st.integers(min_value=0, max_value=4095).map(lambda n: f"0x{n:X}"),
    st.integers(min_value=-(10**9), max_value=10**9).map(str),
    st.sampled_from(["1.5", ".5", "1e3", "-2.5E-3", "1.", ".inf", "-.inf", "12:30", "1:02:03"]),
    JAPANESE,
    JAPANESE.map(lambda s: f"'{s}'"),
    JAPANESE.map(lambda s: f'"{s}"'),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)).map(lambda d: f"'{d.isoformat()}'"),
)


@settings(max_examples=400, deadline=None)
@given(
    entries=st.dictionaries(
        KEYS, st.one_of(HAND_SCALARS, st.lists(HAND_SCALARS, min_size=1, max_size=3)), min_size=1, max_size=8
    )
)
def test_fast_loader_and_ruamel_agree_on_hand_written_documents(entries):
    lines = []
    for k, v in entries.items():
        if isinstance(v, list):
            lines.append(f"{k}:")
            lines += [f"  - {item}" for item in v]
        else:
            lines.append(f"{k}: {v}")
    text = "\n".join(lines) + "\n"
    fast = yamlload.load(text)
    rt = yamlio.to_plain(yamlio.load_rt(text))
    assert _nan_safe(fast) == _nan_safe(rt), text


def _nan_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _nan_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_safe(v) for v in value]
    return "nan" if isinstance(value, float) and value != value else value


@pytest.mark.parametrize(
    "scalar,fast,ruamel",
    [
        ("1_000", "1_000", 1000),  # YAML 1.2 core has no digit separators; ruamel accepts them
        ("0b101", "0b101", 5),  # nor binary
        ("2026-01-01 10:00:00", "2026-01-01 10:00:00", "2026-01-01T10:00:00"),  # to_plain writes a 'T'
    ],
)
def test_known_divergences_are_in_the_safe_direction(scalar, fast, ruamel):
    """Where the two loaders differ, the fast one (which validation uses) keeps the text as a string:
    a field that must be a number fails validation instead of being read as one silently."""
    assert yamlload.load(f"a: {scalar}\n") == {"a": fast}
    assert yamlio.to_plain(yamlio.load_rt(f"a: {scalar}\n")) == {"a": ruamel}


# -- the same through the real write path (a transaction on a git register) -------------------


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    post=st.one_of(JAPANESE, TRICKY_STRINGS.filter(lambda s: s.strip() and "\n" not in s and "\t" not in s))
    # text that screening refuses (a 〒 address, a phone number...) is never written: issue 15
    .filter(lambda s: not screening.screen(s))
)
def test_write_path_edit_keeps_comments_and_other_values(tmp_path_factory, post):
    from conftest import make_register

    from meti_pi.actions.transaction import transaction
    from meti_pi.store.register import Register

    text = (
        "# yaml-language-server: $schema=../../schemas/divisions.schema.json\n"
        "# 課等の記録（手で書いたコメント）\n"
        "schema_version: 1\n"
        "id: jinji\n"
        "name: 大臣官房人事課   # 正式名称\n"
        "org: 経済産業省\n"
        "# 管理者は官職で書く\n"
        "manager_post: 人事課長\n"
        "deputy_manager_posts:\n"
        "  - 企画官   # 一人目\n"
        "  - '010'\n"
    )
    root = make_register(tmp_path_factory.mktemp("wp"), {"divisions/jinji.yaml": text})
    before = Register.load(root).get("divisions", "jinji").data
    with transaction(root, command="test", summary="edit", today=TODAY) as tx:
        tx.edit("divisions/jinji")["manager_post"] = post
    after_text = (root / "divisions" / "jinji.yaml").read_text(encoding="utf-8")
    after = Register.load(root).get("divisions", "jinji").data
    assert after["manager_post"] == post
    assert {k: v for k, v in after.items() if k != "manager_post"} == {
        k: v for k, v in before.items() if k != "manager_post"
    }
    for comment in ("# 課等の記録（手で書いたコメント）", "# 正式名称", "# 管理者は官職で書く", "# 一人目", "$schema="):
        assert comment in after_text
    diff = [line for line in after_text.splitlines() if line not in text.splitlines()]
    assert len(diff) == 1 and diff[0].startswith("manager_post: "), diff


# -- id allocation ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    existing=st.sets(st.integers(min_value=0, max_value=31), max_size=31),
    prefix=st.sampled_from(["F", "INC", "N", "SYS", "C"]),
    year=st.integers(min_value=2000, max_value=2099),
)
def test_allocate_never_returns_an_existing_id_even_when_the_space_is_nearly_full(existing, prefix, year):
    """With 5 random bits (32 ids) and up to 31 taken, the one returned is free and valid."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    taken = {f"{prefix}-{year}-{alphabet[i]}" for i in existing}
    new = ids.allocate(prefix, taken, date(year, 4, 1), randbits=5)
    assert new not in taken
    assert ids.valid_id(new) and new.startswith(f"{prefix}-{year}-")


@settings(max_examples=50, deadline=None)
@given(n=st.integers(min_value=1, max_value=400), prefix=st.sampled_from(["F", "INC", "N"]))
def test_allocations_in_sequence_never_collide(n, prefix):
    taken: set[str] = set()
    for _ in range(n):
        new = ids.allocate(prefix, taken, TODAY, randbits=10)  # 1024 ids: collisions are likely, and must be avoided
        assert new not in taken and ids.valid_id(new)
        taken.add(new)
    assert len(taken) == n


def test_allocated_ids_use_crockford_letters_only():
    for _ in range(2000):
        new = ids.allocate("F", set(), TODAY)
        assert re.fullmatch(r"F-2026-[0-9A-HJKMNP-TV-Z]{6}", new), new


@settings(max_examples=500, deadline=None)
@given(candidate=st.text(max_size=70))
def test_valid_id_accepts_only_safe_file_names(candidate):
    if ids.valid_id(candidate):
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", candidate)
        assert ".." not in candidate and "/" not in candidate and candidate.isascii()
        assert Path(candidate).name == candidate


def test_comments_are_the_scanners_not_a_hash_in_a_value() -> None:
    """yamlload.comments (what commit screens): whole-line and end-of-line comments; a '#' in a
    quoted, block or plain value (v#x) is text."""
    from meti_pi.store.yamlload import comments

    text = (
        "a: 1  # eol\n# whole\nb: \"x # not\"\nc: |\n  # inside\n  y\nd: v#not\ne: [1, 2] # flow\nf: 'q # no'  # yes\n"
    )
    assert comments(text) == {"# eol": 1, "# whole": 1, "# flow": 1, "# yes": 1}
    assert comments("a: [unclosed\n# c\n") == {"# c": 1}  # a parser's error, not the scanner's: still read
