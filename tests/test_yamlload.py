import pytest

from meti_pi.store import yamlload
from meti_pi.store.yamlload import YamlFault


def test_yaml_12_scalars_and_dates_as_strings():
    data = yamlload.load("a: 2024-04-01\nb: yes\nc: no\nd: 0123\ne: true\nf: ~\ng: 1.5\nh: 0x1f\n")
    assert data == {"a": "2024-04-01", "b": "yes", "c": "no", "d": 123, "e": True, "f": None, "g": 1.5, "h": 31}


def test_impossible_date_is_a_string_not_a_loader_crash():
    assert yamlload.load("d: 2024-13-45\n") == {"d": "2024-13-45"}


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        ("a: &x 1\nb: *x\n", "anchors", 1),
        ("a: 1\nb: !!python/object/apply:os.system ['ls']\n", "tag", 2),
        ("a: !custom 1\n", "tag", 1),
        ("a: 1\nb: 2\na: 3\n", "duplicate key", 3),
        ("a: [1, 2\nb: 3\n", "syntax", None),
        ("a:\tb\n\t- c\n", "syntax", None),
        # a tab indenting a key: libyaml says "found character that cannot start any token"; the
        # message says what it is and what to do
        ("a:\n  b: 1\n\tc: 2\n", "never tabs: replace the tab with spaces", 3),
        ("a:\n  b: 1\n  \tc: 2\n", "never tabs: replace the tab with spaces", 3),
        ("[k]: 0\n", "key that is a list or mapping", 1),
        ("x: 1\n? [a]\n: 1\n", "key that is a list or mapping", 2),
        ("{a: 1}: 2\n", "key that is a list or mapping", 1),
        ("a: 1\nb: !!int abc\n", "does not fit its !!tag", 2),
        ("a: !!bool maybe\n", "does not fit its !!tag", 1),
        ("a: !!float x\n", "does not fit its !!tag", 1),
    ],
)
def test_faults_carry_a_line(text, fragment, line):
    with pytest.raises(YamlFault) as info:
        yamlload.load(text)
    assert fragment in str(info.value)
    if line is not None:
        assert info.value.line == line


def test_alias_bomb_is_refused_before_expansion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    with pytest.raises(YamlFault):
        yamlload.load(bomb)


def test_deep_nesting_is_a_fault_not_a_crash():
    with pytest.raises(YamlFault):
        yamlload.load("a: " + "[" * 5000 + "]" * 5000 + "\n")


def test_nesting_limit_is_meti_pis_own_whatever_libyaml_allows(monkeypatch):
    # PyYAML 6.0.3 and before (or one built on an older libyaml) load any depth; the data then
    # overflowed the stack of the schema's messages (`validate`: exit 3, "a bug"). meti-pi refuses the
    # 1,001st level itself, as libyaml's newer limit does, before the loader is asked.
    assert yamlload.load("[" * 1000 + "]" * 1000) is not None
    text = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 1502))

    def unlimited(*args, **kwargs):
        raise AssertionError("the document went to the loader")

    monkeypatch.setattr(yamlload, "_parser_limits_nesting", lambda: False)  # a PyYAML 6.0.3 or older
    monkeypatch.setattr(yamlload.yaml, "load", unlimited)
    # The line of the level too many: the 1,001st `-` is on line 1001 (a libyaml with the limit stops
    # its scanner, and names the line, one line before).
    json_like = "[" + '"a":[' * 600 + "1" + "]" * 601  # a `"k":v` pair in a flow sequence is a level too
    for deep, lines in (("[" * 1001 + "]" * 1001, {1}), (text, {1000, 1001}), (json_like, {1})):
        with pytest.raises(YamlFault, match="exceeded maximum nesting depth") as info:
            yamlload.load(deep)
        assert info.value.line in lines


def test_a_parser_that_limits_nesting_itself_is_not_asked_twice(monkeypatch):
    """libyaml 0.2.6 (PyYAML 6.0.4) refuses the 1,001st level itself: a large record (a long inspection,
    more than 1,000 marks that could open a level) is then parsed once, not again for its depth."""
    if not yamlload._parser_limits_nesting():
        pytest.skip("this PyYAML's parser loads any depth: meti-pi's own check runs (test above)")
    record = "answers:\n" + "".join(f"  - {{item: '{i}', answer: yes, note: x}}\n" for i in range(400))

    def second_parse(*args, **kwargs):
        raise AssertionError("the record was parsed for its depth")

    monkeypatch.setattr(yamlload.yaml, "parse", second_parse)
    assert len(yamlload.load(record)["answers"]) == 400
    with pytest.raises(YamlFault, match="nesting depth"):
        yamlload.load("[" * 1001 + "]" * 1001)


def test_nul_and_encoding_faults():
    with pytest.raises(YamlFault):
        yamlload.load("a: b\x00c\n")
    with pytest.raises(YamlFault) as info:
        yamlload.decode("a: 1\nb: 氏名\n".encode("cp932"))
    assert info.value.line == 2
    assert yamlload.decode("\ufeffa: 1\n".encode()) == "a: 1\n"


def test_locate_walks_mappings_and_sequences():
    text = "a:\n  b:\n    - x\n    - c: 2\nz: 1\n"
    assert yamlload.locate(text, ("a", "b", 1, "c")) == 4
    assert yamlload.locate(text, ("z",)) == 5
    assert yamlload.locate(text, ("a", "missing")) == 1
