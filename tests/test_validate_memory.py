"""Cold `validate`'s memory (issue 18): what a whole read of the work tree keeps, and that it is
still exactly what it was (the problems, their lines, the records' data and text)."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from conftest import make_register
from test_cache import BAD_FILES, TODAY, astuple, reference

from meti_pi.checks.validate import validate_register
from meti_pi.settings import Settings
from meti_pi.store import cache, yamlload
from meti_pi.store.register import Register, parse_record


@pytest.fixture
def reg_root(tmp_path: Path) -> Path:
    return make_register(tmp_path, BAD_FILES, example=True)


@pytest.mark.parametrize("parallel_min", [1, 100_000])
@pytest.mark.parametrize("background", [True, False])
def test_a_cold_read_keeps_no_text_and_reads_it_back_equal(
    reg_root: Path, monkeypatch: pytest.MonkeyPatch, parallel_min: int, background: bool
) -> None:
    if background:  # the cache written by a child process, as at 100,000 records: this one lets the texts go
        monkeypatch.setattr(cache, "BACKGROUND_MIN", 1)
    reg = Register.load(reg_root, settings=Settings(parallel_min=parallel_min))
    assert reg.cache is not None
    records = [*reg.records.values(), *reg.singletons.values()]
    assert len(records) > 20
    assert not [r.relpath for r in records if "text" in r.__dict__]  # no record holds its text
    for rec in records:
        fresh, _ = parse_record(reg_root, rec.relpath)
        assert fresh is not None
        assert rec.data == fresh.data, rec.relpath
        assert rec.text == fresh.text, rec.relpath


def test_without_the_cache_a_record_keeps_its_text(reg_root: Path) -> None:
    reg = Register.load(reg_root, settings=Settings(cache=False))
    assert all("text" in r.__dict__ for r in reg.records.values())


@pytest.mark.parametrize("background", [True, False])
def test_lines_are_those_of_the_content_read_when_the_file_changes_after(
    reg_root: Path, monkeypatch: pytest.MonkeyPatch, background: bool
) -> None:
    """A problem's line is looked for in the text read (from the file only while it holds the
    content parsed; else the cache or git), never in what the file holds now."""
    if background:
        monkeypatch.setattr(cache, "BACKGROUND_MIN", 1)
    expected = reference(reg_root)
    reg = Register.load(reg_root)
    path = reg_root / "divisions" / "bad-id.yaml"
    assert any(p[0] == "divisions/bad-id.yaml" and p[1] for p in expected)
    path.write_text("\n\n\n# moved down\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert [astuple(p) for p in validate_register(reg, TODAY)] == expected


def test_keys_and_short_values_are_one_object_in_every_record() -> None:
    """Parsed data shares its keys and short strings, and so does data decoded from the cache."""
    one = yamlload.load_fast("id: a-division\nname: 総括課\nnote: " + "x" * 60 + "\n")
    two = yamlload.load_fast("id: a-division\nname: 総括課\nnote: " + "x" * 60 + "\n")
    assert one == two
    for a, b in zip(one, two):
        assert a is b  # the keys
    assert one["id"] is two["id"] and one["name"] is two["name"]
    assert one["note"] is not two["note"]  # long values are not interned
    again = marshal.loads(marshal.dumps(one))
    other = marshal.loads(marshal.dumps(two))
    assert again == one and all(a is b for a, b in zip(again, other))
    assert again["name"] is other["name"]
