"""The write path's focused re-check (validate.focus_of / focused_errors) is sound: whenever a
change adds an error that whole-register validation finds, the focused check finds an error too
(the write path then validates the whole way and reports exactly). Checked on the example
register against hundreds of changes, deliberate and random."""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any

import pytest
from conftest import make_register

from meti_pi.checks.validate import ERROR_CHECKS, focus_of, focused_errors, validate_register
from meti_pi.store import refs
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)


def ident(p: Any) -> tuple[str, str, str, str]:
    return (p.path, p.code, p.key, p.message)


def errors(reg: Register) -> set[tuple[str, str, str, str]]:
    return {ident(p) for p in validate_register(reg, TODAY, checks=ERROR_CHECKS) if p.severity == "error"}


def text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"  # JSON is YAML


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Register, set[tuple[str, str, str, str]]]:
    root = make_register(tmp_path_factory.mktemp("focus"), example=True)
    Register.load(root)  # fills the read cache: the loads below take records (and their references) from it
    reg = Register.load(root)
    return reg, errors(reg)


def judge(reg: Register, before: set[tuple[str, str, str, str]], overlay: dict[str, str | None]) -> tuple[bool, bool]:
    """(the change adds an error, the focused check would accept it without a whole validation)."""
    after = Register.load(reg.root, overlay=overlay)
    added = bool(errors(after) - before)
    focus = focus_of(after, overlay)
    accepted = focus is not None and not focused_errors(after, TODAY, focus, checks=ERROR_CHECKS)
    return added, accepted


def deliberate(reg: Register) -> list[dict[str, str | None]]:
    """Changes aimed at each kind of cross-record error."""
    changes: list[dict[str, str | None]] = []
    data = {k: r.data for k, r in reg.records.items()}
    rel = {k: r.relpath for k, r in reg.records.items()}
    for key, d in data.items():
        kind = key.split("/", 1)[0]
        changes.append({rel[key]: None})  # deletion: its referrers dangle
        for path, _target in ((p, t) for k, p, t in refs.REFERENCES if k == kind):
            for where, _ in refs.walk(d, path):
                changed = json.loads(json.dumps(d))
                node = changed
                for step in where[:-1]:
                    node = node[step]
                node[where[-1]] = "nope-404"
                changes.append({rel[key]: text(changed)})
        changes.append({rel[key]: text({**d, "id": "other-id"})})
    # A 課等 renamed to a text that one of its files withholds (the leak shows on the unchanged file).
    for key, d in data.items():
        withheld = ((d.get("filebook_withheld") or {}).get("record_items")) if key.startswith("files/") else None
        if withheld and isinstance(d.get("division"), str):
            div = f"divisions/{d['division']}"
            changes.append({rel[div]: text({**data[div], "name": f"{withheld[0]}課"})})
            changes.append({f"files/{key.split('/')[1].lower()}.yaml": text({**d, "id": key.split("/")[1].lower()})})
    # Roles duplicated, a 再委託 loop closed, a 別表 row renumbered.
    for key, d in data.items():
        if key.startswith("roles/"):
            changes.append({"roles/zz-dup.yaml": text({**d, "id": "zz-dup"})})
            changes.append({"roles/aa-dup.yaml": text({**d, "id": "aa-dup"})})
        if key.startswith("contractors/") and isinstance(d.get("parent"), str):
            parent = f"contractors/{d['parent']}"
            changes.append({rel[parent]: text({**data[parent], "parent": key.split("/")[1]})})
        if key.startswith("beppyo/"):
            changes.append({rel[key]: text({**d, "row": 99})})
    return changes


def random_changes(reg: Register, n: int, seed: int) -> list[dict[str, str | None]]:
    """Random string leaves replaced by ids of other records, unknown ids, or withheld texts."""
    rng = random.Random(seed)
    keys = sorted(reg.records)
    ids = [k.split("/")[-1] for k in keys] + ["nope-404"]
    withheld = [
        t for r in reg.of_kind("files") for t in (r.data.get("filebook_withheld") or {}).get("record_items", [])
    ]
    pool = ids + withheld + [f"{t}課" for t in withheld]
    out: list[dict[str, str | None]] = []
    while len(out) < n:
        changes: dict[str, str | None] = {}
        for key in rng.sample(keys, rng.choice((1, 1, 2))):
            d = json.loads(json.dumps(reg.records[key].data))
            leaves: list[tuple[Any, Any]] = []

            def collect(node: Any) -> None:
                items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
                for k, v in items:
                    if isinstance(v, str):
                        leaves.append((node, k))  # noqa: B023 (collect runs inside this iteration)
                    else:
                        collect(v)

            collect(d)
            if leaves:
                node, k = rng.choice(leaves)
                node[k] = rng.choice(pool)
                changes[reg.records[key].relpath] = text(d)
        if changes:
            out.append(changes)
    return out


@pytest.mark.slow
def test_focused_check_never_accepts_a_change_that_adds_an_error(example):
    reg, before = example
    assert before == set(), "the example register is valid"
    cases = deliberate(reg) + random_changes(reg, 120, seed=20261126)
    missed, adding, accepted_clean = [], 0, 0
    for overlay in cases:
        added, accepted = judge(reg, before, overlay)
        adding += added
        if added and accepted:
            missed.append(sorted(overlay))
        accepted_clean += accepted and not added
    assert missed == []
    # The cases did exercise both sides: changes that add errors, and clean changes decided cheaply.
    assert adding > 100 and accepted_clean > 30


def test_focus_is_the_changed_records_and_their_referrers(example):
    reg, _ = example
    division = next(
        r for r in reg.of_kind("divisions") if any(f.data.get("division") == r.id for f in reg.of_kind("files"))
    )
    focus = focus_of(reg, [division.relpath])
    assert focus is not None and division.key in focus
    referrers = {r.key for r in reg.records.values() if division.key in refs.targets(r.kind, r.data)}
    assert referrers and referrers <= focus
    assert focus - referrers == {division.key}
    # A root file (policy.yaml) can affect any record: no focus, the whole register is validated.
    assert focus_of(reg, ["policy.yaml"]) is None
    # A 別表 row brings every system in.
    row = reg.of_kind("beppyo")[0]
    assert {r.key for r in reg.of_kind("systems")} <= focus_of(reg, [row.relpath])


def test_references_kept_in_the_cache_equal_the_computed_ones(example):
    reg, _ = example
    stored = [r for r in reg.records.values() if r.__dict__.get("_refs") is not None]
    assert len(stored) == len(reg.records)
    for rec in stored:
        assert rec.__dict__["_refs"] == refs.targets(rec.kind, rec.data)


def focus_cases(reg: Register) -> list[dict[str, str | None]]:
    """Changes to the kinds whose checks report on the focus only (inspections, audits, reviews,
    incidents, notifications), deletions of what they name, and broken finding references."""
    data = {k: r.data for k, r in reg.records.items()}
    rel = {k: r.relpath for k, r in reg.records.items()}
    kinds = ("inspections", "audits", "reviews", "incidents", "notifications")
    cases: list[dict[str, str | None]] = [c for c in deliberate(reg) if any(p.split("/", 1)[0] in kinds for p in c)]
    for key, d in data.items():
        kind = key.split("/", 1)[0]
        for ref in refs.targets(kind, d):
            if ref in rel:
                cases.append({rel[ref]: None})  # what it names deleted: it dangles
        if kind == "reviews":
            for n, ref in enumerate(d.get("findings") or []):
                changed = json.loads(json.dumps(d))
                changed["findings"][n] = ref.rpartition("#")[0] + "#99"
                cases.append({rel[key]: text(changed)})
            cases.append({rel[key]: text({**d, "basis": {**(d.get("basis") or {}), "audits": ["AUD-2026-NOPE40"]}})})
        if kind == "inspections":
            answers = [a for a in d.get("answers") or [] if isinstance(a, dict)]
            finding = next((f for f in d.get("findings") or [] if isinstance(f, dict)), None)
            if answers:
                changed = json.loads(json.dumps(d))
                changed["answers"].append({**answers[0], "item": answers[0]["item"]})  # answered twice
                cases.append({rel[key]: text(changed)})
            if finding is not None:
                changed = json.loads(json.dumps(d))
                changed["findings"].append({**finding})  # a finding id used twice
                cases.append({rel[key]: text(changed)})
                # a later inspection carrying this finding, and the finding then removed
                year = int(key.split("/")[1]) + 1
                carried = json.loads(json.dumps(d))
                carried.update(year=year, findings=[])
                carried["answers"] = (
                    [*answers[:1], {**answers[0], "item": f"carry@{key}#{finding['id']}"}] if answers else []
                )
                new_rel = f"inspections/{year}/{rec_id(key)}.yaml"
                cases.append({new_rel: text(carried)})
                cases.append({new_rel: text(carried), rel[key]: text({**d, "findings": []})})
    return cases


def rec_id(key: str) -> str:
    return key.rsplit("/", 1)[1]


def test_focused_errors_equal_the_full_errors_of_the_focus(example):
    """On the records the focus names, the focused check finds exactly what a whole validation finds."""
    reg, before = example
    cases = focus_cases(reg)
    compared = differing = 0
    seen_codes: set[str] = set()
    for overlay in cases:
        after = Register.load(reg.root, overlay=overlay)
        focus = focus_of(after, overlay)
        assert focus is not None
        paths = {f"{k}.yaml" for k in focus}
        every = {ident(p) for p in validate_register(after, TODAY, checks=ERROR_CHECKS) if p.severity == "error"}
        # every error the change adds is on a record of the focus ...
        assert {p[0] for p in every - before} <= paths, sorted(overlay)
        # ... and there the focused check finds exactly the whole validation's errors
        full = {p for p in every if p[0] in paths}
        focused = {ident(p) for p in focused_errors(after, TODAY, focus, checks=ERROR_CHECKS) if p.path in paths}
        assert focused == full, sorted(overlay)
        compared += 1
        differing += bool(full)
        seen_codes.update(p[1] for p in full)
    # The cases reached the inspection checks' errors through the focus (not only the changed file).
    assert compared > 50 and differing > 20
    assert {"dangling-ref", "dangling-finding", "answer-duplicate", "finding-id-duplicate"} <= seen_codes


def test_focus_brings_in_who_names_a_finding_or_an_audit(example):
    reg, _ = example
    review = reg.of_kind("reviews")[0]
    named = refs.finding_record(review.data["findings"][0])
    assert named is not None and named in reg.records
    assert review.key in focus_of(reg, [reg.records[named].relpath])
    assert refs.finding_record("carry@audits/AUD-1#3") == "audits/AUD-1"
    assert refs.finding_record("8-4") is None and refs.finding_record("files/F-1#2") is None
    assert "audits/AUD-X" in refs.targets("reviews", {"basis": {"audits": ["AUD-X"]}})
