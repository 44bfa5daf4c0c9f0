"""Issue 18: the super-linear costs of validation are gone, with outputs unchanged.

- a problem's line is found from one parse of its file, however many problems the file has, and
  only when the line is read: the write path, which keeps errors only, never parses to place a warning;
- duplicate finding ids / answers are found in linear time, flagging exactly what `x in xs[:n]` did;
- `validate --json` is byte-identical to the former eager location, on the example register and
  on a generated register with every record kind (bench/gen_register.py).
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE, REPO, make_register

from meti_pi.checks import validate
from meti_pi.errors import LazyProblem, Problem
from meti_pi.inspect.inspection_checks import _repeats
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import yamlload
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)


def reference_locate(text: str, key_path: tuple[object, ...]) -> int | None:
    """The former yamlload.locate, verbatim: a fresh compose per call, the node walk."""
    try:
        node = yaml.compose(text, Loader=yamlload._Base)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for step in key_path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(step):
                    child, line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def paths_of(data: Any, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every key path of `data`, plus paths that go past a leaf or name a missing key/index."""
    out = [prefix, (*prefix, "no-such-key"), (*prefix, 999)]
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths_of(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += paths_of(v, (*prefix, i))
    return out


@pytest.mark.slow  # every key of every example file located twice: ~13 s (issue 17: out of make test-fast)
def test_locate_agrees_with_the_node_walk_on_every_key_of_every_example_file() -> None:
    files = sorted(EXAMPLE.rglob("*.yaml"))
    assert len(files) > 30
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        for kp in paths_of(yamlload.load(text)):
            assert yamlload.locate(text, kp) == reference_locate(text, kp), (path.name, kp)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "a: [1, 2\n",
        "- x\n- y: 1\n  z: 2\n",
        "1: one\ntrue: yes\n",
        "a: 1\na: 2\n",
        "[k]: 0\nb: 1\n",
        "plain scalar\n",
        "a:\n  b:\n    c:\n      d: deep\n",
    ],
)
def test_locate_agrees_on_odd_texts(text: str) -> None:
    for kp in [
        (),
        ("a",),
        ("a", "b", "c", "d"),
        (0,),
        (1, "z"),
        (1, "y"),
        (2,),
        (1,),
        (True,),
        ("b",),
        ("1",),
        ("true",),
    ]:
        assert yamlload.locate(text, kp) == reference_locate(text, kp), (text, kp)


def test_one_parse_per_file_for_any_number_of_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda *a, **k: calls.append(1) or real(*a, **k))
    text = "findings:\n" + "".join(f"  - id: {i}\n    due: '2020-01-01'\n" for i in range(200)) + "fresh: 1\n"
    lines = [yamlload.locate(text, ("findings", i, "due")) for i in range(200)]
    assert lines == [3 + 2 * i for i in range(200)]
    assert len(calls) == 1


def test_a_lazy_problem_parses_only_when_its_line_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda *a, **k: calls.append(1) or real(*a, **k))
    text = "a: 1\nb:\n  - x\n  - c: 2\n"
    p = LazyProblem("k/x.yaml", yamlload.Where(text + "# lazy\n", ("b", 1, "c")), "code", "msg", "warning", "$.b[1].c")  # type: ignore[arg-type]
    assert p.severity == "warning" and p.key == "$.b[1].c" and not calls
    assert p.line == 4 and len(calls) == 1
    assert p.line == 4 and len(calls) == 1  # kept
    eager = Problem("k/x.yaml", 4, "code", "msg", "warning", "$.b[1].c")
    assert p == eager and eager == p and hash(p) == hash(eager) and {p, eager} == {eager}
    assert p != dataclasses.replace(eager, line=5)
    assert repr(p) == repr(eager) and p.render() == eager.render() and p.as_json() == eager.as_json()
    assert pickle.loads(pickle.dumps(p)) == eager
    assert dataclasses.replace(p, line=7).line == 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.line = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "values",
    [
        [],
        [1],
        [1, 1],
        [1, 2, 1, 1, 3, 2],
        ["a", "b", "c"],
        [None, None],
        [1, 1.0, True],
        [[1], [1], "x", {"a": 1}, {"a": 1}],
        [*list(range(500)), 0, 499],
    ],
)
def test_repeats_flags_what_the_quadratic_scan_flagged(values: list[Any]) -> None:
    assert _repeats(values) == [n for n, v in enumerate(values) if v in values[:n]]


def test_duplicate_answers_and_findings_are_reported_at_every_repeat(tmp_path: Path) -> None:
    from meti_pi.inspect.inspection_checks import check_inspection_records

    root = make_register(tmp_path, example=True)
    reg = Register.load(root)
    rec = next(iter(reg.of_kind("inspections")))
    answers = rec.data.get("answers") or []
    assert len(answers) >= 2
    # the first answer repeated twice at the end; a finding id repeated once
    data = dict(rec.data, answers=[*answers, answers[0], answers[0]])
    findings = [f for f in rec.data.get("findings") or [] if isinstance(f, dict)]
    if findings:
        data["findings"] = [*rec.data["findings"], dict(findings[0])]
    overlay = {rec.relpath: json.dumps(data, ensure_ascii=False, indent=1) + "\n"}
    found = [p for p in check_inspection_records(Register.load(root, overlay=overlay), TODAY) if p.path == rec.relpath]
    dup = [p.key for p in found if p.code == "answer-duplicate"]
    assert dup == [f"$.answers[{len(answers)}].item", f"$.answers[{len(answers) + 1}].item"]
    if findings:
        assert [p.key for p in found if p.code == "finding-id-duplicate"] == [
            f"$.findings[{len(rec.data['findings'])}].id"
        ]


def eager_at(rec: Any, key_path: tuple[object, ...], code: str, message: str, severity: str = "error") -> Problem:
    """The former validate.at: the line found at once, by a parse of its own."""
    from meti_pi.store import schema

    line = reference_locate(rec.text, key_path) if rec.text else None
    return Problem(rec.relpath, line, code, message, severity, schema.key_path(key_path))


def validate_json(root: Path, settings: Settings = DEFAULT) -> str:
    problems = validate.validate_register(Register.load(root, settings=settings), TODAY)
    return json.dumps([p.as_json() for p in problems], ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("parallel", ["1", "100000"])  # checks in forked workers, and in this process
def test_validate_output_is_unchanged_by_lazy_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: str
) -> None:
    settings = Settings(parallel_min=int(parallel))
    lazy = validate_json(make_register(tmp_path / "lazy", example=True), settings)
    with monkeypatch.context() as m:
        m.setattr(validate, "at", eager_at)
        eager = validate_json(make_register(tmp_path / "eager", example=True), settings)
    assert lazy == eager
    assert '"corrective-action-overdue"' in lazy and '"line": null' not in lazy


def test_the_write_path_never_locates_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """focused_errors keeps errors only: placing the warnings it discards would parse their files."""
    from meti_pi.checks.validate import ERROR_CHECKS, focus_of, focused_errors

    root = make_register(tmp_path, example=True)
    reg = Register.load(root)
    overdue = [p for p in validate.validate_register(reg, TODAY) if p.code == "corrective-action-overdue"]
    assert overdue, "the example register has overdue corrective actions (warnings)"
    changed = {p.path for p in overdue}
    parses = []
    real = yamlload._line_index.__wrapped__
    monkeypatch.setattr(yamlload, "_line_index", lambda text: parses.append(1) or real(text))
    after = Register.load(
        root, overlay={rel: (root / rel).read_text(encoding="utf-8") + "# touched\n" for rel in changed}
    )
    focus = focus_of(after, changed)
    assert focus is not None and {rel[:-5] for rel in changed} <= focus
    assert focused_errors(after, TODAY, focus, checks=ERROR_CHECKS) == []
    assert parses == []
    # the same warnings, read, are placed (one parse per file)
    from meti_pi.inspect.inspection_checks import check_corrective_actions

    found = list(check_corrective_actions(after.checked(frozenset(), focus), TODAY))
    assert found and all(isinstance(p.line, int) for p in found)
    assert len(parses) == len({p.path for p in found})


# -- per-division scans replaced by indexes (inspect --year over every division was O(divisions x N)) --


def generated_register(tmp_path: Path, records: int = 1500) -> Path:
    """A register from the bench's generator (every record kind, incidents from the engine)."""
    sys.path.insert(0, str(REPO / "bench"))
    import gen_register

    return gen_register.generate(tmp_path / "gen", records, 60, seed=3)


def brute_candidates(reg: Register, kind: str, wanted: dict[str, Any], ids: Any = ()) -> list[Any]:
    return list(reg.of_kind(kind))


def brute_systems_where(reg: Register, division_id: str) -> tuple[list[str], list[str]]:
    from meti_pi.store import beppyo

    gou: list[str] = []
    otsu: list[str] = []
    for rec in reg.of_kind("systems"):
        pair = beppyo.gou_otsu(reg, rec.data) if isinstance(rec.data, dict) else None
        if pair is not None:
            if pair[0].division_id == division_id:
                gou.append(rec.id)
            if pair[1].division_id == division_id:
                otsu.append(rec.id)
    return gou, otsu


def checklists(root: Path, year: int) -> str:
    from meti_pi.inspect import checklist

    reg = Register.load(root)
    built = [
        checklist.build(reg, d.id, year, TODAY).as_json() for d in sorted(reg.of_kind("divisions"), key=lambda r: r.id)
    ]
    return json.dumps(built, ensure_ascii=False, sort_keys=True)


@pytest.mark.slow  # a generated register scanned record by record (issue 17: out of make test-fast)
@pytest.mark.parametrize("which", ["example", "generated"])
def test_checklists_from_the_indexes_equal_a_scan_of_every_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    from meti_pi.inspect import queries
    from meti_pi.store import beppyo

    root = make_register(tmp_path, example=True) if which == "example" else generated_register(tmp_path)
    reg = Register.load(root)
    for d in reg.of_kind("divisions"):
        assert beppyo.systems_where(reg, d.id) == brute_systems_where(reg, d.id)
    fast = {year: checklists(root, year) for year in (2025, 2026)}
    with monkeypatch.context() as m:
        # queries.Context looks candidates up in its own module (patching checklist's name did nothing)
        m.setattr(queries, "candidates", brute_candidates)
        m.setattr(beppyo, "systems_where", brute_systems_where)
        slow = {year: checklists(root, year) for year in (2025, 2026)}
    assert fast == slow
    assert any('"contractor' in text or "C-" in text for text in fast.values())


def test_candidates_keep_records_whose_fields_are_not_plain_text(tmp_path: Path) -> None:
    from meti_pi.inspect.checklist import candidates

    root = make_register(tmp_path, example=True)
    reg = Register.load(root)
    contractors = list(reg.of_kind("contractors"))
    some = contractors[0]
    mine = [r.id for r in candidates(reg, "contractors", {"divisions[]": [some.data["divisions"][0]], "files[]": []})]
    assert some.id in mine and mine == [r.id for r in contractors if r.id in mine]  # register order
    assert [
        r.id for r in candidates(reg, "contractors", {"divisions[]": ["no-such-division"], "files[]": []}, [some.id])
    ] == [some.id]
    odd = dict(some.data, divisions="a text, not a list")
    reg2 = Register.load(root, overlay={some.relpath: json.dumps(odd, ensure_ascii=False) + "\n"})
    assert some.id in [
        r.id for r in candidates(reg2, "contractors", {"divisions[]": ["no-such-division"], "files[]": []})
    ]
