"""Issue 18: `inspect --year` at 100,000 records prints the same bytes as before.

What changed, each compared here with the former implementation (kept below verbatim as the
reference) on the example register and on a generated register with every record kind
(bench/gen_register.py):

- each checklist is printed as soon as it is built (text and --json), the parallel path sharing
  the divisions a part at a time: formerly every checklist was built, held, joined, then printed;
- a division's contractors come from the references (store/refs), not from an index of every
  contractor's data; a file's notices likewise, not from an index of every notification;
- the audits' open findings are indexed by division once, not scanned per division;
- one division's checklist reads the work tree lazily (meti_pi.inspect.lazyread): the former read
  the register whole (Register.load), which `division_register` returning None still does.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, git, invoke, make_register

from meti_pi.inspect import applicability, checklist, lazyread, queries
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
    reg: Register, division: str | None = None, *, before_year: int | None = None, as_of: date | None = None
) -> list[tuple[str, dict[str, Any], Record]]:
    def still_open(f: Any) -> bool:  # open, or (as of a day) closed after it
        closed = str(f.get("closed_on") or "") if isinstance(f, dict) else ""
        return isinstance(f, dict) and (
            f.get("status", "open") == "open" or (as_of is not None and closed > as_of.isoformat())
        )

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
            if still_open(f):
                out.append((queries.finding_ref(rec.key, f.get("id")), f, rec))
    for rec in reg.of_kind("audits"):
        for f in rec.data.get("findings", []):
            if not still_open(f):
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
    m.setattr(lazyread, "division_register", lambda root, settings=None: None)  # the register read whole


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


# -- one division from the work tree read lazily (issue 18) ------------------------------------


def division_outputs(runner: Any, root: Path, divisions: list[str]) -> dict[tuple[str, ...], tuple[int, str]]:
    out = {}
    for d in divisions:
        for tail in ((), ("--json",), ("--year", "2025")):
            args = ("inspect", "--year", "2026", "--division", d, *tail)
            result = invoke(runner, root, *args)
            assert result.exit_code in (0, 1), result.output
            out[args] = (result.exit_code, result.stdout, result.output)  # output: with what went to stderr
    return out


def lazy_and_whole(
    runner: Any, root: Path, divisions: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[Any, Any], dict[Any, Any], list[Any]]:
    """The outputs read whole, and read lazily (each lazy register kept, to see what it read)."""
    with monkeypatch.context() as m:
        m.setattr(lazyread, "division_register", lambda root, settings=None: None)
        whole = division_outputs(runner, root, divisions)
    made: list[Any] = []
    real = lazyread.division_register

    def spy(root: Path, settings: Any = None) -> Any:
        found = real(root, settings) if settings is not None else real(root)
        assert found is not None  # the lazy reading applies here (cache, git, a commit)
        made.append(found[0])
        return found

    with monkeypatch.context() as m:
        m.setattr(lazyread, "division_register", spy)
        lazy = division_outputs(runner, root, divisions)
    return whole, lazy, made


def edit_work_tree(root: Path, broken: bool = False) -> tuple[str, str]:
    """Hand edits of every kind git distinguishes: modified, staged, untracked, deleted records, a
    record failing its schema and (`broken`) a file that does not parse. Returns (division, other division)."""
    reg = Register.load(root)
    by_division: dict[str, list[Record]] = {}
    for f in reg.of_kind("files"):
        by_division.setdefault(f.data["division"], []).append(f)
    d, e = sorted(by_division, key=lambda k: (-len(by_division[k]), k))[:2]
    notices = [n for n in reg.of_kind("notifications") if any(n.data.get("file") == f.id for f in by_division[d])]
    assert notices, "the example register has a notice of the busiest division's files"

    def write(rec: Record, data: dict[str, Any], rel: str | None = None) -> None:
        (root / (rel or rec.relpath)).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    moved = by_division[e][0]  # modified, not staged: a file of E becomes D's
    write(moved, dict(moved.data, division=d))
    contractor = reg.of_kind("contractors")[-1]  # staged: a contractor now working for D
    write(contractor, dict(contractor.data, divisions=[*contractor.data.get("divisions", []), d]))
    git(root, "add", contractor.relpath)
    new_id = "N-2099-NEW001"  # untracked: one more notice of D's file
    write(notices[0], dict(notices[0].data, id=new_id, drafted_on="2026-06-01"), f"notifications/{new_id}.yaml")
    (root / notices[-1].relpath).unlink()  # deleted
    ledger = reg.get("ledger", by_division[d][0].id)
    if ledger is not None:
        (root / ledger.relpath).unlink()
    odd = by_division[d][-1]  # fails its schema (an unknown field), still D's file
    write(odd, dict(odd.data, not_in_the_schema=True))
    if broken:
        (root / "files" / "F-2099-BROKEN.yaml").write_text("division: [unclosed\n", encoding="utf-8")  # does not parse
    os.mkfifo(root / "files" / "F-2099-FIFO.yaml")  # not a regular file: skipped, and said so
    return d, e


def test_one_division_read_lazily_prints_what_the_whole_register_prints(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_register(tmp_path, example=True)
    divisions = sorted(d.id for d in Register.load(root).of_kind("divisions"))
    whole, lazy, made = lazy_and_whole(runner, root, divisions, monkeypatch)
    assert lazy == whole
    total = len(Register.load(root).records)
    assert made and all(len([r for r in reg.records.made.values() if r is not None]) < total for reg in made)
    text = "".join(out for _code, out, _all in whole.values())
    assert "委託先" in text and "第35条" in text and "carry@" in text  # contractors, notices, open findings


def test_a_file_that_does_not_parse_stops_both_readings_at_its_line(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its record would be missing from the checklist: the command stops (exit 1) and names it,
    read lazily or whole (before, both printed the checklist without it)."""
    root = make_register(tmp_path, example=True)
    d, e = edit_work_tree(root, broken=True)
    whole, lazy, _made = lazy_and_whole(runner, root, [d, e], monkeypatch)
    assert lazy == whole
    for code, _out, everything in whole.values():
        assert code == 1 and "files/F-2099-BROKEN.yaml:" in everything, everything


def test_one_division_read_lazily_sees_the_hand_edits_the_whole_register_sees(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_register(tmp_path, example=True)
    d, e = edit_work_tree(root)
    status = git(root, "status", "--porcelain", ".")
    assert all(code in status for code in (" M ", "M  ", "?? ", " D "))
    built: list[str] = []
    real_targets = lazyread.Referrers._targets

    def targets(self: lazyread.Referrers, kind: str) -> Any:
        built.append(kind)
        return real_targets(self, kind)

    monkeypatch.setattr(lazyread.Referrers, "_targets", targets)
    some = [d, e, *sorted(r.id for r in Register.load(root).of_kind("divisions"))[:2]]
    whole, lazy, _made = lazy_and_whole(runner, root, some, monkeypatch)
    assert lazy == whole
    assert "files" in built  # the first reading indexed the kinds (their references not kept yet) ...
    built.clear()
    _whole, again, _made = lazy_and_whole(runner, root, some, monkeypatch)
    assert again == whole
    assert "files" not in built  # ... which later readings find kept with the listing
    mine = whole[("inspect", "--year", "2026", "--division", d, "--json")][1]
    assert "F-2099-FIFO.yaml: not a regular file" in whole[("inspect", "--year", "2026", "--division", d)][2]
    assert "N-2099-NEW001" in mine  # the untracked notice, of D's file
    assert "F-2099-BROKEN" not in mine


def test_one_division_is_read_whole_where_the_lazy_reading_does_not_apply(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No read cache: work_tree does not apply; the register is read whole, the same bytes printed."""
    root = make_register(tmp_path, example=True)
    d = sorted(r.id for r in Register.load(root).of_kind("divisions"))[0]
    with_cache = division_outputs(runner, root, [d])
    monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    from meti_pi.cli.common import settings_from_env

    assert lazyread.division_register(root, settings_from_env()) is None
    assert division_outputs(runner, root, [d]) == with_cache


@pytest.mark.slow  # a generated register (issue 17: out of make test-fast)
def test_one_division_read_lazily_prints_the_same_on_a_generated_register_with_hand_edits(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generated_register(tmp_path)
    divisions = sorted(d.id for d in Register.load(root).of_kind("divisions"))
    d, e = edit_work_tree(root)
    some = [d, e, *divisions[:: max(1, len(divisions) // 3)]]
    whole, lazy, _made = lazy_and_whole(runner, root, some, monkeypatch)
    assert lazy == whole
    # Once the references are kept with the listings (the first reading kept them), a division other
    # than the 副総括's office (whose items count every file and notice) reads a small part of the register.
    from meti_pi.cli.common import settings_from_env

    found = lazyread.division_register(root, settings_from_env())
    assert found is not None
    reg = found[0]
    other = next(x for x in some if x != queries.vice_office(reg))
    checklist.build(reg, other, 2026, TODAY)
    read = sum(1 for rel in reg.records.made if rel.split("/", 1)[0] in ("files", "notifications", "ledger"))
    held = sum(1 for key in Register.load(root).records if key.split("/", 1)[0] in ("files", "notifications", "ledger"))
    assert read < held // 4


def test_one_division_read_lazily_from_a_register_at_the_top_of_its_repository(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_register(tmp_path, example=True, subdir="")
    assert (root / ".git").is_dir()
    d, e = edit_work_tree(root)
    whole, lazy, made = lazy_and_whole(runner, root, [d, e], monkeypatch)
    assert lazy == whole and made


def _second_checklist_raises(monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[str]:
    """`inspect --json` raises `error` while encoding the second checklist; the divisions encoded so
    far (or tried) are noted in the list returned."""
    from meti_pi.cli import inspect as cli_inspect

    encoded = cli_inspect._with_record
    calls: list[str] = []

    def second_raises(reg: Any, c: Any) -> Any:
        calls.append(c.division)
        if len(calls) == 2:
            raise error
        return encoded(reg, c)

    monkeypatch.setattr(cli_inspect, "_with_record", second_raises)
    return calls


def test_an_error_after_checklists_were_streamed_still_leaves_one_json_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`inspect --year --json` prints each checklist as it is built; an error after the first (here a
    refusal raised while the second is encoded) ends that same document with the error's members
    (the contract: exactly one JSON document on stdout), instead of a second document after a
    cut-off first one."""
    from typer.testing import CliRunner

    from meti_pi.errors import RuleViolation

    root = make_register(tmp_path, example=True)
    calls = _second_checklist_raises(monkeypatch, RuleViolation("refused while the second checklist was encoded"))
    result = invoke(CliRunner(), root, "inspect", "--year", "2026", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)  # one document: json.loads refuses anything after it
    assert [c["division"] for c in document["checklists"]] == calls[:1]
    assert document["ok"] is False and document["exit_code"] == 1
    assert document["errors"][-1]["message"] == "refused while the second checklist was encoded"


def test_a_bug_after_checklists_were_streamed_ends_the_document_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unexpected error (exit 3) after a streamed item: the document is ended with a "bug" error
    that quotes nothing of the exception (its text may hold register content)."""
    from meti_pi import cli
    from meti_pi.cli.common import JsonArrayWriter

    def streams_then_fails() -> None:
        with JsonArrayWriter({"year": 2026}, "checklists") as write:
            write(json.dumps({"division": "d1"}))
            raise ValueError("山田太郎 090-1234-5678")

    monkeypatch.setattr(cli, "app", streams_then_fails)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 3
    out = capsys.readouterr().out
    document = json.loads(out)
    assert document["checklists"] == [{"division": "d1"}] and document["exit_code"] == 3
    assert [e["code"] for e in document["errors"]] == ["bug"] and "山田" not in out


def test_a_document_left_open_by_one_run_does_not_reach_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug after a streamed checklist in an in-process run (no main() to end the document) leaves
    no state behind: the next command's error is its own whole document (a review found the next
    run printing the tail of the other one)."""
    from typer.testing import CliRunner

    root = make_register(tmp_path, example=True)
    _second_checklist_raises(monkeypatch, ValueError("a bug"))
    runner = CliRunner()
    failed = invoke(runner, root, "inspect", "--year", "2026", "--json")
    assert failed.exit_code != 0 and failed.stdout.startswith('{"year": 2026')
    result = invoke(runner, root, "show", "NOPE-1", "--json")
    assert result.exit_code != 0
    document = json.loads(result.stdout)
    assert document["ok"] is False and "checklists" not in document


def test_an_interrupt_after_checklists_were_streamed_ends_the_document(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from meti_pi import cli
    from meti_pi.cli.common import JsonArrayWriter

    def streams_then_interrupted() -> None:
        with JsonArrayWriter({"year": 2026}, "checklists") as write:
            write(json.dumps({"division": "d1"}))
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", streams_then_interrupted)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 130
    document = json.loads(capsys.readouterr().out)
    assert document["checklists"] == [{"division": "d1"}] and document["exit_code"] == 130
    assert [e["code"] for e in document["errors"]] == ["interrupted"]
