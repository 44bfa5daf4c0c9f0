"""Issue 18: `inspect --year` at 100,000 records prints the same bytes as before.

What changed, each compared here with the former implementation (kept below verbatim as the
reference) on the example register and on a generated register with every record kind
(bench/gen_register.py):

- each checklist is printed as soon as it is built (text and --json), the parallel path sharing
  the divisions a part at a time: formerly every checklist was built, held, joined, then printed;
- a division's contractors come from the references (store/refs), not from an index of every
  contractor's data; a file's notices likewise, not from an index of every notification;
- the audits' open findings are indexed by division once, not scanned per division.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, invoke, make_register

from meti_pi.inspect import applicability, checklist, queries
from meti_pi.store.register import Record, Register

TODAY = date(2026, 11, 26)


# -- the former implementation, verbatim ------------------------------------------------------


def reference_contractors(self: queries.Context) -> list[Record]:
    if "contractors" not in self._cache:
        file_ids = {f.id for f in self.files}
        linked = {c for f in self.files for c in f.data.get("contractors", []) if isinstance(c, str)}
        found = []
        for rec in queries.candidates(
            self.reg, "contractors", {"divisions[]": [self.division], "files[]": file_ids}, linked
        ):
            d = rec.data
            mine = (
                self.division in d.get("divisions", []) or rec.id in linked or bool(file_ids & set(d.get("files", [])))
            )
            if mine and queries.contract_active(d, self.start, self.end):
                found.append(rec)
        self._cache["contractors"] = found
    return self._cache["contractors"]  # type: ignore[no-any-return]


def reference_notices_of(ctx: queries.Context, rec: Record) -> dict[str, Any]:
    cache = ctx._cache.setdefault("notices", {})
    if rec.id not in cache:
        cache[rec.id] = {st.kind: st for st in queries.notice_states(ctx.reg, rec, ctx.ref_day)}
    return cache[rec.id]  # type: ignore[no-any-return]


def reference_open_findings(
    reg: Register, division: str | None = None, *, before_year: int | None = None
) -> list[tuple[str, dict[str, Any], Record]]:
    out = []
    inspections = (
        reg.of_kind("inspections")
        if division is None
        else queries.refs.referring(reg, "inspections", f"divisions/{division}")
    )
    for rec in inspections:
        d = rec.data
        if division is not None and d.get("division") != division:
            continue
        if before_year is not None and not (isinstance(d.get("year"), int) and d["year"] < before_year):
            continue
        for f in d.get("findings", []):
            if isinstance(f, dict) and f.get("status", "open") == "open":
                out.append((queries.finding_ref(rec.key, f.get("id")), f, rec))
    for rec in reg.of_kind("audits"):
        for f in rec.data.get("findings", []):
            if not isinstance(f, dict) or f.get("status", "open") != "open":
                continue
            if division is not None and f.get("division") != division:
                continue
            out.append((queries.finding_ref(rec.key, f.get("id")), f, rec))
    return sorted(out, key=lambda t: (str(t[2].data.get("year", "")), t[0]))


def reference_map_all(
    reg: Register, year: int, today: date, use: Any, progress: Any = None, emit: Any = None
) -> list[Any]:
    """Every checklist built and held, then printed: the former map_all and _show_checklists."""
    catalogue = checklist.load_catalogue()
    ids = [rec.id for rec in sorted(reg.of_kind("divisions"), key=lambda r: r.id)]
    out = [use(checklist.build(reg, d, year, today, catalogue)) for d in ids]
    for result in out:
        emit(result)
    return []


def reference_json(root: Path, year: int) -> str:
    """What the former `inspect --year Y --json` printed piped: the whole document, encoded once."""
    from meti_pi.cli.inspect import _with_record

    reg = Register.load(root)
    ids = [d.id for d in sorted(reg.of_kind("divisions"), key=lambda r: r.id)]
    whole = {"year": year, "checklists": [_with_record(reg, checklist.build(reg, d, year, TODAY)) for d in ids]}
    return json.dumps(whole, ensure_ascii=False, default=str) + "\n"


def the_former(m: pytest.MonkeyPatch) -> None:
    m.setattr(queries.Context, "contractors", property(reference_contractors))
    m.setattr(applicability, "_notices_of", reference_notices_of)
    m.setattr(checklist, "open_findings", reference_open_findings)
    m.setattr(checklist, "map_all", reference_map_all)


def outputs(runner: Any, root: Path, divisions: list[str]) -> dict[tuple[str, ...], str]:
    out = {}
    for args in (
        ("inspect", "--year", "2026"),
        ("inspect", "--year", "2026", "--json"),
        ("inspect", "--year", "2025", "--json"),
        *(("inspect", "--year", "2026", "--division", d) for d in divisions),
        *(("inspect", "--year", "2026", "--division", d, "--json") for d in divisions),
    ):
        result = invoke(runner, root, *args)
        assert result.exit_code in (0, 1), result.output
        out[args] = result.stdout
    return out


def generated_register(tmp_path: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    import gen_register

    return gen_register.generate(tmp_path / "gen", 1500, 30, seed=7)


def check_same_bytes(root: Path, runner: Any, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, ...], str]:
    reg = Register.load(root)
    divisions = sorted(d.id for d in reg.of_kind("divisions"))
    some = divisions[:: max(1, len(divisions) // 4)]
    with monkeypatch.context() as m:
        the_former(m)
        m.setenv("METI_PI_PARALLEL_MIN", "100000")
        before = outputs(runner, root, some)
    # the former document, encoded whole (as print_json did), is what the reference printed
    assert before[("inspect", "--year", "2026", "--json")] == reference_json(root, 2026)
    # one process; several processes, a part of a few files at a time (many parts)
    for parallel, part_files in (("100000", 4000), ("1", 4000), ("1", 3)):
        with monkeypatch.context() as m:
            m.setenv("METI_PI_PARALLEL_MIN", parallel)
            m.setattr(checklist, "PART_FILES", part_files)
            assert outputs(runner, root, some) == before, (parallel, part_files)
    return before


def test_inspect_prints_the_former_bytes_on_the_example_register(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_register(tmp_path, example=True)
    before = check_same_bytes(root, runner, monkeypatch)
    document = json.loads(before[("inspect", "--year", "2026", "--json")])
    assert len(document["checklists"]) == len(Register.load(root).of_kind("divisions")) > 10
    text = before[("inspect", "--year", "2026")]
    assert "委託先" in text and "第35条" in text  # contractors' and notices' items are there


@pytest.mark.slow  # a generated register, printed eight ways (issue 17: out of make test-fast)
def test_inspect_prints_the_former_bytes_on_a_generated_register(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generated_register(tmp_path)
    reg = Register.load(root)
    assert all(reg.of_kind(k) for k in ("incidents", "inspections", "audits", "reviews", "contractors"))
    before = check_same_bytes(root, runner, monkeypatch)
    assert "carry@" in before[("inspect", "--year", "2026", "--json")]  # open findings carried forward


def test_the_parts_cover_every_division_in_order() -> None:
    from meti_pi.inspect.checklist import _parts

    weights = [5.0, 1.0, 1.0, 8.0, 1.0, 1.0, 1.0, 2.0]
    for n in (1, 2, 3, 8, 20):
        parts = _parts(weights, n)
        assert [i for lo, hi in parts for i in range(lo, hi)] == list(range(len(weights)))
        assert len(parts) <= n and all(lo < hi for lo, hi in parts)
    assert _parts(weights, 1) == [(0, len(weights))]
    assert _parts([], 4) == []


def test_a_streamed_json_document_is_one_document_even_without_items(capsys: pytest.CaptureFixture[str]) -> None:
    from meti_pi.cli.common import JsonArrayWriter

    with JsonArrayWriter({"year": 2026}, "checklists") as write:
        pass
    with JsonArrayWriter({"year": 2026}, "checklists") as write:
        write(json.dumps({"a": "課"}, ensure_ascii=False))
        write(json.dumps([1, None], ensure_ascii=False))
    with pytest.raises(RuntimeError), JsonArrayWriter({"year": 2026}, "checklists") as write:
        raise RuntimeError("before the first item: nothing written")
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in out] == [
        {"year": 2026, "checklists": []},
        {"year": 2026, "checklists": [{"a": "課"}, [1, None]]},
    ]
    assert out[1] == json.dumps({"year": 2026, "checklists": [{"a": "課"}, [1, None]]}, ensure_ascii=False)


def test_a_divisions_contractors_from_the_references_are_those_the_former_index_found(tmp_path: Path) -> None:
    """Each way a contractor is the division's: it lists the division, it lists one of the division's
    files, or one of the division's files lists it (and only that)."""
    root = make_register(tmp_path, example=True)
    reg = Register.load(root)
    c = reg.get("contractors", "C-2026-RE5TVT")
    f = reg.get("files", "F-2026-CT38TF")
    assert c is not None and f is not None
    moved = dict(c.data, divisions=["kanbo-koho"], files=["F-2026-FV4RM3", "F-2026-CTMSM9"])
    linked = dict(f.data, contractors=["C-2026-N940YS"])
    overlay = {c.relpath: json.dumps(moved, ensure_ascii=False), f.relpath: json.dumps(linked, ensure_ascii=False)}
    reg = Register.load(root, overlay=overlay)
    seen: dict[str, list[str]] = {}
    for year in (2025, 2026):
        start, end = checklist.inspection_period(year, reg.policy)
        for d in sorted(r.id for r in reg.of_kind("divisions")):
            new = queries.Context(reg, d, year, start, end, TODAY).contractors
            former = reference_contractors(queries.Context(reg, d, year, start, end, TODAY))
            assert [r.key for r in new] == [r.key for r in former], (year, d)
            seen[d] = [r.id for r in new]
    assert "C-2026-RE5TVT" in seen["kanbo-koho"]  # lists the division
    assert "C-2026-RE5TVT" in seen["kanbo-jinji"]  # lists one of its files
    assert "C-2026-RE5TVT" in seen["enecho-shin-ene"]  # its file lists it, and it lists the file
    assert seen["kanbo-tokei-kozo"] == ["C-2026-N940YS"]  # only its file lists it


def test_a_released_record_reads_its_data_again_equal(tmp_path: Path) -> None:
    from meti_pi.store.record import release_data

    root = make_register(tmp_path, example=True)
    Register.load(root)  # fills the read cache
    reg = Register.load(root)
    rec = reg.of_kind("notifications")[0]
    first = rec.data
    assert "data" in rec.__dict__  # a record built from the cache, its data decoded on first read
    release_data(rec)
    assert "data" not in rec.__dict__
    again = rec.data
    assert again == first and again is not first
    parsed = Register.load(root, overlay={rec.relpath: rec.text}).records[rec.key]  # parsed, not from the cache
    kept = parsed.data
    release_data(parsed)
    assert parsed.data is kept
