"""`validate`'s incremental re-check (meti_pi.checks.incremental) gives exactly what a full
validation gives: over a matrix of edits (every kind: changed, added, deleted; a referent changed;
policy changed; `today` moved past deadlines; random edits), the problems after each edit and after
its revert are compared, as `validate --json` prints them, with a validation without the cache."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke, make_register
from test_validate_focus import random_changes

from meti_pi.checks import incremental, validate_work
from meti_pi.checks.validate import validate_register, validate_work_tree
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import refs
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)
NO_CACHE = Settings(cache=False)


def report(problems: list[Any], records: int = 0) -> str:
    """The problems as `validate --json` prints them."""
    errors = [p.as_json() for p in problems if p.severity == "error"]
    warnings = [p.as_json() for p in problems if p.severity == "warning"]
    return json.dumps({"errors": errors, "warnings": warnings, "records": records}, ensure_ascii=False)


def text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"  # JSON is YAML


class Spy:
    """Counts how validate ended: on the work tree read lazily (`work`), incrementally on the register
    read whole, or the whole way."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.incremental = 0
        self.full = 0
        self.work = 0
        real = incremental.run
        real_work = validate_work.validate_work

        def run(*args: Any, **kwargs: Any) -> Any:
            out = real(*args, **kwargs)
            if out is None:
                self.full += 1
            else:
                self.incremental += 1
            return out

        def work(*args: Any, **kwargs: Any) -> Any:
            out = real_work(*args, **kwargs)
            if out is not None:
                self.work += 1
            return out

        monkeypatch.setattr(incremental, "run", run)
        monkeypatch.setattr(validate_work, "validate_work", work)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Spy]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("METI_PI_NO_CACHE", raising=False)
    monkeypatch.setattr(incremental, "MAX_SHARE", 1.0)  # the example is small: any reach is worth it here
    monkeypatch.setattr(validate_work, "MAX_SHARE", 1.0)
    root = make_register(tmp_path, example=True)
    return root, Spy(monkeypatch)


def validated(
    root: Path, monkeypatch: pytest.MonkeyPatch, today: date = TODAY, *, how: str = "work"
) -> tuple[str, str]:
    """(through the cache: incremental when it can, without the cache: the whole way), with the
    number of records. how="work": as `validate` does it (the work tree read lazily when the base
    applies, else the register read whole); "register": the register read whole (validate_register)."""
    done = validate_work_tree(root, today, DEFAULT) if how == "work" else None
    if done is not None:
        cached = report(done[0], done[1])
    else:
        reg = Register.load(root)
        cached = report(validate_register(reg, today), len(reg.records))
    # Without the cache: Settings(cache=False) (what METI_PI_NO_CACHE=1 gives the command line; the
    # environment variable alone does not reach Register.load, which takes its Settings).
    reg = Register.load(root, settings=NO_CACHE)
    full = report(validate_register(reg, today), len(reg.records))
    return cached, full


def apply(root: Path, change: dict[str, str | None]) -> dict[str, str | None]:
    """Write `change` into the work tree; returns the change that reverts it."""
    undo: dict[str, str | None] = {}
    for rel, new in change.items():
        path = root / rel
        undo[rel] = path.read_text(encoding="utf-8") if path.exists() else None
        if new is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new, encoding="utf-8")
    return undo


def matrix(reg: Register, seed: int = 18) -> list[tuple[str, dict[str, str | None]]]:
    """Per kind: a field changed, a record added, one deleted, a reference pointed elsewhere or
    nowhere; then random string leaves replaced by other records' ids or unknown ones."""
    out: list[tuple[str, dict[str, str | None]]] = []
    by_kind: dict[str, list[Any]] = {}
    for rec in reg.records.values():
        by_kind.setdefault(rec.kind, []).append(rec)
    for kind, recs in sorted(by_kind.items()):
        rec = recs[len(recs) // 2]
        data = json.loads(json.dumps(rec.data))
        leaf = next((k for k, v in data.items() if isinstance(v, str) and k not in ("id", "schema_version")), None)
        if leaf is not None:
            out.append((f"{kind}: {leaf} changed", {rec.relpath: text({**data, leaf: data[leaf] + " 改"})}))
        new_rel = rec.relpath.rsplit("/", 1)[0] + "/zz-added.yaml"
        out.append((f"{kind}: added", {new_rel: text({**data, "id": "zz-added"})}))
        out.append((f"{kind}: deleted", {rec.relpath: None}))
        for k, path, target in refs.REFERENCES:
            if k != kind:
                continue
            for where, _ in refs.walk(data, path):
                for value, label in ((by_kind.get(target, [rec])[0].id, "elsewhere"), ("nope-404", "nowhere")):
                    changed = json.loads(json.dumps(data))
                    node = changed
                    for step in where[:-1]:
                        node = node[step]
                    node[where[-1]] = value
                    out.append((f"{kind}: {'.'.join(map(str, where))} points {label}", {rec.relpath: text(changed)}))
                break
    # a referent changed: a 課等 renamed, a file's class and holding changed under its notices and 台帳
    for rec in by_kind.get("divisions", [])[:1]:
        out.append(("divisions: renamed", {rec.relpath: text({**rec.data, "name": "改名課"})}))
    for rec in by_kind.get("divisions", []):
        out.append((f"{rec.key}: another 行政機関", {rec.relpath: text({**rec.data, "org": "中小企業庁"})}))
    for rec in by_kind.get("files", []):
        withheld = (rec.data.get("filebook_withheld") or {}).get("record_items")
        div = reg.get("divisions", str(rec.data.get("division")))
        if withheld and div is not None:
            out.append(
                (
                    f"{div.key}: named after what {rec.id} withholds",
                    {div.relpath: text({**div.data, "name": f"{withheld[0]}課"})},
                )
            )
    # duties that fall to nobody (check_unassigned_duties): the 副総括's office headed otherwise, a
    # 課等 given another's name, a regional bureau's unit renamed
    for rec in by_kind.get("divisions", []):
        if rec.data.get("manager_post") == "大臣官房個人情報保護室長":
            out.append((f"{rec.key}: headed otherwise", {rec.relpath: text({**rec.data, "manager_post": "室長"})}))
    for a, b in zip(by_kind.get("divisions", [])[:2], by_kind.get("divisions", [])[1:3]):
        out.append((f"{b.key}: named as {a.key}", {b.relpath: text({**b.data, "name": a.data["name"]})}))
    used = {str(r.data.get("bureau")) for r in by_kind.get("systems", [])}
    for rec in [r for r in by_kind.get("bureaus", []) if r.id in used]:
        out.append((f"{rec.key}: unit renamed", {rec.relpath: text({**rec.data, "unit": "改名局"})}))
    for rec in by_kind.get("notifications", []):
        for state in ("withdrawn", "drafted", "submitted"):
            if rec.data.get("state") != state:
                out.append((f"{rec.key}: {state}", {rec.relpath: text({**rec.data, "state": state})}))
    with_contractors = [r for r in by_kind.get("files", []) if r.data.get("contractors")]
    for rec in [*by_kind.get("files", [])[:3], *with_contractors]:
        data = json.loads(json.dumps(rec.data))
        data["management_class"] = {"A": "C", "B": "A", "C": "B"}.get(data.get("management_class"), "A")
        data.setdefault("holding", {})["start"] = "2026-11-01"
        out.append((f"{rec.key}: class and holding changed", {rec.relpath: text(data)}))
    # random string leaves replaced by other records' ids, unknown ids or withheld texts (as the write path's test)
    out.extend((f"random {i}", change) for i, change in enumerate(random_changes(reg, 30, seed)))
    return out


def check_matrix(root: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch, every: int, how: str = "work") -> None:
    first, full = validated(root, monkeypatch, how=how)
    assert first == full
    assert spy.full == 1  # no base yet
    changes = matrix(Register.load(root))
    assert len(changes) >= 80
    changes = changes[::every]
    for label, change in changes:
        undo = apply(root, change)
        cached, full = validated(root, monkeypatch, how=how)
        assert cached == full, f"after: {label}"
        apply(root, undo)
        cached, full = validated(root, monkeypatch, how=how)
        assert cached == full, f"after reverting: {label}"
    # every edit of a record is re-checked incrementally (none of them fell back to the whole way)
    assert spy.full == 1
    if how == "work":  # on the work tree read lazily
        assert (spy.work, spy.incremental) == (2 * len(changes), 0)
    else:
        assert (spy.work, spy.incremental) == (0, 2 * len(changes))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["work", "register"])
def test_incremental_equals_full_over_a_matrix_of_edits(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    root, spy = setup
    check_matrix(root, spy, monkeypatch, every=1, how=how)


@pytest.mark.parametrize("how", ["work", "register"])
def test_incremental_equals_full_over_every_fifth_edit(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """The matrix above, thinned for the fast tier (`make test-fast`)."""
    root, spy = setup
    check_matrix(root, spy, monkeypatch, every=5, how=how)


def test_edits_accumulate_on_one_base(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    """Edits made one after another without reverting, each validated on the previous one's base."""
    root, spy = setup
    validated(root, monkeypatch)
    for _, change in matrix(Register.load(root), seed=7)[::7]:
        if all(rel.endswith(".yaml") and (root / rel).parent.exists() for rel in change):
            apply(root, change)
            cached, full = validated(root, monkeypatch)
            assert cached == full
    assert spy.work >= 8


def test_policy_change_validates_the_whole_register(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    root, spy = setup
    validated(root, monkeypatch)
    policy = root / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    cached, full = validated(root, monkeypatch)
    assert cached == full
    assert (spy.work, spy.incremental, spy.full) == (0, 0, 2)


def test_a_threshold_changed_in_the_policy_is_warned_of_whichever_way_validate_goes(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """checks.thresholds: its warning is policy.yaml's. A policy change validates the whole way and
    finds it; a record edited afterwards is re-checked incrementally and keeps it (from the base);
    the policy reverted drops it."""
    root, spy = setup
    validated(root, monkeypatch)
    policy = root / "policy.yaml"
    before = policy.read_text(encoding="utf-8")
    policy.write_text(before.replace("ppc_report_more_than: 100 ", "ppc_report_more_than: 150 "), encoding="utf-8")

    def warned(report: str) -> list[str]:
        return [w["message"] for w in json.loads(report)["warnings"] if w["code"] == "policy-threshold"]

    cached, full = validated(root, monkeypatch)
    assert cached == full and len(warned(cached)) == 1
    assert (spy.work, spy.full) == (0, 2)
    label, change = next((label, c) for label, c in matrix(Register.load(root)) if label.startswith("files:"))
    undo = apply(root, change)
    cached, full = validated(root, monkeypatch)
    assert cached == full and len(warned(cached)) == 1, label
    assert (spy.work, spy.full) == (1, 2)  # incremental, on the work tree
    apply(root, undo)
    policy.write_text(before, encoding="utf-8")
    cached, full = validated(root, monkeypatch)
    assert cached == full and warned(cached) == []
    assert spy.full == 3


def test_today_moved_past_deadlines_validates_the_whole_register(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, spy = setup
    before, _ = validated(root, monkeypatch, date(2025, 1, 1))
    later, full = validated(root, monkeypatch, date(2027, 6, 1))
    assert later == full
    assert later != before  # deadlines passed in between: the findings differ
    assert (spy.work, spy.incremental, spy.full) == (0, 0, 2)


def test_a_planted_or_damaged_base_is_a_miss(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    root, spy = setup
    validated(root, monkeypatch)
    folder = next((root.parent / ".git" / "meti-pi-cache").iterdir())
    found = folder / "base-found"
    data = bytearray(found.read_bytes())
    data[-5] ^= 0xFF  # the payload no longer matches its HMAC
    found.write_bytes(bytes(data))
    (root / "files").joinpath(sorted(p.name for p in (root / "files").iterdir())[0]).write_text(
        "id: 1\n", encoding="utf-8"
    )
    cached, full = validated(root, monkeypatch)
    assert cached == full
    assert (spy.work, spy.incremental) == (0, 0)


def test_problems_about_content_gone_leave_the_base(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    """A file edited away: any command that reads the register drops the base's problems about it
    (their messages may quote it), and the next validate checks it again."""
    root, spy = setup
    some = Register.load(root).of_kind("files")[0]
    bad = root / "files" / "zz-bad.yaml"
    bad.write_text(text({**some.data, "id": "zz-bad", "division": "nope-404"}), encoding="utf-8")
    validated(root, monkeypatch)
    store = Register.load(root).cache.store
    assert any(p[0] == "files/zz-bad.yaml" for part in store.base()["found"] for p in part)
    bad.unlink()
    Register.load(root)  # any command
    base = store.base()
    assert base is not None and "files/zz-bad.yaml" in base["dropped"]
    assert not any(p[0] == "files/zz-bad.yaml" for part in base["found"] for p in part)
    cached, full = validated(root, monkeypatch)
    assert cached == full
    assert (spy.work, spy.incremental) == (1, 0)


def test_cli_validate_json_after_an_edit_equals_no_cache(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch, runner: Any
) -> None:
    root, spy = setup
    assert invoke(runner, root, "validate", "--json").exit_code in (0, 1)
    rel = sorted(p.name for p in (root / "notifications").iterdir())[0]
    (root / "notifications" / rel).unlink()
    cached = invoke(runner, root, "validate", "--json")
    monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    full = invoke(runner, root, "validate", "--json")
    assert cached.stdout == full.stdout and cached.exit_code == full.exit_code
    assert (spy.work, spy.incremental) == (1, 0)


def test_a_file_named_with_a_line_break_keeps_no_base(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    """The base lists file names one a line: a name holding a line break would misplace the rest."""
    root, spy = setup
    (root / "files" / "odd\nname.yaml").write_text("id: x\n", encoding="utf-8")
    cached, full = validated(root, monkeypatch)
    assert cached == full
    assert Register.load(root).cache.store.base() is None
    cached, full = validated(root, monkeypatch)
    assert cached == full
    assert (spy.work, spy.incremental) == (0, 0)


def test_the_reference_index_updated_equals_one_built_anew() -> None:
    """RefIndex.updated (the base after an edit) holds what RefIndex.build of the edited references holds."""
    import random

    rnd = random.Random(18)
    names = [f"files/F-{i}" for i in range(40)] + [f"divisions/D-{i}" for i in range(5)]
    for _ in range(300):
        forward = {k: tuple(sorted(set(rnd.sample(names, rnd.randint(0, 3))) - {k})) for k in rnd.sample(names, 30)}
        index = incremental.RefIndex.build(forward)
        assert index is not None
        now = {k: tuple(sorted(set(rnd.sample(names, rnd.randint(0, 3))) - {k})) for k in rnd.sample(names, 3)}
        got = index.updated(now)
        want = incremental.RefIndex.build({**forward, **now})
        assert got is not None and want is not None
        assert got.stored() == want.stored()


def reach_scenarios(reg: Register) -> list[tuple[str, dict[str, str | None], dict[str, str | None]]]:
    """(label, a state validated first, an edit of a referent) whose problems change two references
    away from the edit: they come out right only if check_contractors' and check_notices' reach
    (incremental.SCOPES) is long enough (cut either by one hop and a scenario fails)."""
    out: list[tuple[str, dict[str, str | None], dict[str, str | None]]] = []
    files = reg.of_kind("files")
    # A contractor listing no file is judged by its divisions' files (Art. 14(4), ab_work): a file's
    # class changed is two references away (contractor -> division <- file).
    some = reg.of_kind("contractors")[0]
    for div in sorted({str(f.data.get("division")) for f in files})[:3]:
        own = [f for f in files if f.data.get("division") == div]
        state: dict[str, str | None] = {
            f.relpath: text({**f.data, "management_class": "A" if i == 0 else "C", "holding": {"start": "2020-04-01"}})
            for i, f in enumerate(own)
        }
        state["contractors/zz-c.yaml"] = text(
            {
                **{k: v for k, v in some.data.items() if k not in ("files", "parent", "annual_confirmations")},
                "id": "zz-c",
                "divisions": [div],
                "contract": {**some.data["contract"], "start": "2020-01-01", "end": "2099-03-31"},
                "post_contract_confirmation": {"date": "2020-02-01", "ref": "確認書（架空）"},
            }
        )
        first = own[0]
        edit = {first.relpath: text({**first.data, "management_class": "C", "holding": {"start": "2020-04-01"}})}
        out.append((f"contractors: a file of {div} no longer 管理A", state, edit))
    # A 台帳 names its file, whose notices the 台帳 must list (Art. 38): a 台帳 emptied is two
    # references away from the notices' problems (ledger -> file <- notice).
    # Notices of one file and kind are judged together (the live one, the stale, the late): a second
    # notice added or withdrawn is two references away from the first (notice -> file <- notice).
    for n in reg.of_kind("notifications")[:6]:
        twin = {**n.data, "id": "zz-n2", "state": "drafted"}
        rel = n.relpath.rsplit("/", 1)[0] + "/zz-n2.yaml"
        out.append(
            (f"{n.key}: a second notice withdrawn", {rel: text(twin)}, {rel: text({**twin, "state": "withdrawn"})})
        )
        out.append((f"{n.key}: a second notice deleted", {rel: text(twin)}, {rel: None}))
    noticed = {str(n.data.get("file")) for n in reg.of_kind("notifications")}
    for led in [r for r in reg.of_kind("ledger") if r.id in noticed][:3]:
        out.append((f"{led.key}: notified emptied", {}, {led.relpath: text({**led.data, "notified": []})}))
        out.append((f"{led.key}: deleted", {}, {led.relpath: None}))
    return out


@pytest.mark.parametrize("how", ["work", "register"])
def test_the_reach_of_contractors_and_notices(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    root, spy = setup
    scenarios = reach_scenarios(Register.load(root))
    assert len(scenarios) >= 6
    for label, state, edit in scenarios:
        undo_state = apply(root, state)
        before, full = validated(root, monkeypatch, how=how)
        assert before == full, f"before: {label}"
        undo = apply(root, edit)
        cached, full = validated(root, monkeypatch, how=how)
        assert cached == full, f"after: {label}"
        assert cached != before, f"the edit changes the problems: {label}"
        apply(root, undo)
        apply(root, undo_state)
    assert spy.full == 1


def test_work_tree_staged_and_committed_edits(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    """validate on the work tree read lazily (store.worktree) knows an edit wherever it is: in the
    work tree only, staged, committed (HEAD moved), staged then undone in the work tree, removed
    from the index only, a file deleted in the work tree, an untracked new record."""
    from conftest import git

    root, spy = setup
    repo = root.parent
    validated(root, monkeypatch)
    files = sorted((root / "files").iterdir())
    a, b, c = files[0], files[1], files[2]
    original_a = a.read_text(encoding="utf-8")
    steps: list[tuple[str, Any]] = [
        ("edited in the work tree", lambda: a.write_text(original_a + "notes: 一件\n", encoding="utf-8")),
        ("staged", lambda: git(repo, "add", str(a))),
        ("committed", lambda: git(repo, "commit", "-q", "-m", "edit")),
        ("edited again, staged, then undone in the work tree", lambda: _stage_then_undo(repo, a)),
        ("removed from the index only", lambda: git(repo, "rm", "-q", "--cached", str(b))),
        ("deleted in the work tree", lambda: c.unlink()),
        (
            "an untracked new record",
            lambda: (root / "files" / "zz-new.yaml").write_text(
                original_a.replace(f"id: {a.stem}", "id: zz-new"), encoding="utf-8"
            ),
        ),
        ("committed all", lambda: (git(repo, "add", "-A"), git(repo, "commit", "-q", "-m", "all"))),
    ]
    for label, step in steps:
        step()
        cached, full = validated(root, monkeypatch)
        assert cached == full, f"after: {label}"
    assert spy.work == len(steps)


def _stage_then_undo(repo: Path, path: Path) -> None:
    from conftest import git

    before = path.read_text(encoding="utf-8")
    path.write_text(before + "# staged only\n", encoding="utf-8")
    git(repo, "add", str(path))
    path.write_text(before, encoding="utf-8")


def test_every_file_touched_is_read_as_heads(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout rewriting every file with the same content (new stat data): git lists them all;
    the work tree's reading hashes them, finds HEAD's content and parses none of them."""
    import os

    from meti_pi.store import register as register_mod

    root, _ = setup
    validated(root, monkeypatch)
    for path in root.rglob("*.yaml"):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    parsed: list[str] = []
    real = register_mod._read_one

    def read_one(root: Path, rel: str, **kwargs: Any) -> Any:
        parsed.append(rel)
        return real(root, rel, **kwargs)

    from meti_pi.store import worktree

    with monkeypatch.context() as m:
        m.setattr(register_mod, "_read_one", read_one)
        m.setattr(worktree, "_read_one", read_one)
        done = validate_work_tree(root, TODAY, DEFAULT)
    assert done is not None and parsed == []
    reg = Register.load(root, settings=NO_CACHE)
    assert report(done[0], done[1]) == report(validate_register(reg, TODAY), len(reg.records))


def test_without_a_base_the_work_tree_is_not_listed(setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold cache (or another day's base) reads the register whole: the work tree is not first
    compared with HEAD kind by kind for nothing (~0.6 s of a cold validate at 100,000 records)."""
    root, _ = setup
    listed: list[int] = []
    real = validate_work.work_tree
    monkeypatch.setattr(validate_work, "work_tree", lambda *a, **k: listed.append(1) or real(*a, **k))
    assert validate_work_tree(root, TODAY, DEFAULT) is None
    assert listed == []
    validate_register(Register.load(root), TODAY)  # keeps the base
    assert validate_work_tree(root, TODAY, DEFAULT) is not None
    assert listed == [1]
    assert validate_work_tree(root, date(2026, 11, 27), DEFAULT) is None  # another day: the whole way
    assert listed == [1]


def test_the_order_of_a_cold_validate_names_checks_that_exist() -> None:
    """COLD_WEIGHTS orders the checks when no timing is kept: a name there that no check has (a
    check renamed) would silently leave the largest check for last."""
    from meti_pi.checks.shared import COLD_WEIGHTS
    from meti_pi.checks.validate import CHECKS

    assert set(COLD_WEIGHTS) <= {c.__name__ for c in CHECKS}


def test_a_file_edit_reads_the_notices_within_reach_together(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A files record edited re-checks the notices of the files within check_notices' reach: the
    engine (notify.findings.check) reads them in one go (one pass over their cache shards or one read
    of their blobs), not file by file (a 課等's files at 100,000 records: a git call per file, 1,800
    calls, 1.5 s). A 課等 renamed reads none (check_notices reads no 課等: incremental.READS)."""
    from meti_pi.notify import findings
    from meti_pi.store import lazy

    root, spy = setup
    validated(root, monkeypatch)
    reads: list[list[str]] = []
    engine: list[bool] = []
    real, real_check = lazy.Records.read, findings.check

    def read(self: Any, rels: Any) -> None:
        rels = list(rels)
        wanted = [r for r in rels if r.startswith("notifications/") and r not in self.made]
        if wanted and engine:
            reads.append(wanted)
        real(self, rels)

    def check(reg: Any, today: date) -> Any:
        engine.append(True)
        try:
            return real_check(reg, today)
        finally:
            engine.pop()

    monkeypatch.setattr(lazy.Records, "read", read)
    monkeypatch.setattr(findings, "check", check)
    division = root / "divisions" / "kanbo-jinji.yaml"
    division.write_text(division.read_text(encoding="utf-8").replace("\nname: ", "\nname: 新", 1), encoding="utf-8")
    cached, full = validated(root, monkeypatch)
    assert cached == full and spy.work == 1  # the edit re-checked on the work tree
    assert reads == []
    reg = Register.load(root)
    file_of = {n.relpath: str(n.data.get("file")) for n in reg.of_kind("notifications")}
    most = 0
    for fid in sorted(set(file_of.values())):
        edited = reg.get("files", fid)
        assert edited is not None
        undo = apply(root, {edited.relpath: text({**edited.data, "purpose": f"{edited.data.get('purpose')}改"})})
        reads.clear()
        cached, full = validated(root, monkeypatch)
        assert cached == full, fid
        assert len(reads) <= 1, (fid, reads)
        most = max(most, len({file_of[r] for batch in reads for r in batch}))
        apply(root, undo)
        validated(root, monkeypatch)
    assert most >= 2  # an edit whose reach holds the notices of several files (read file by file: 2 reads)


@pytest.fixture
def audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Spy]:
    """The example with audits, one of them by an auditor who heads the audited 課等 by post."""
    from test_incremental_reads import AUDITS

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("METI_PI_NO_CACHE", raising=False)
    monkeypatch.setattr(incremental, "MAX_SHARE", 1.0)
    monkeypatch.setattr(validate_work, "MAX_SHARE", 1.0)
    return make_register(tmp_path, AUDITS, example=True), Spy(monkeypatch)


def _division_edits(root: Path) -> list[tuple[str, dict[str, str | None], dict[str, str | None], bool]]:
    """(label, a state validated first, an edit of a 課等, whether the edit changes the problems):
    fields the checks FIELDS lists read (a post heading an audited 課等, the 問合せ先 an open
    incident prints) and do not read (the name), and a record one of them has a problem about."""
    reg = Register.load(root, settings=NO_CACHE)
    boeki, kaikei = reg.records["divisions/boeki-kanri"], reg.records["divisions/kanbo-kaikei"]
    kanto = reg.records["divisions/kanto-chusho"]
    # a contact with no phone: the same fields, a value changed (a field removed is no edit UNREAD_FIELDS takes)
    unphoned = text({**kaikei.data, "contact": {"email": "kaikei@meti.invalid"}})
    other_head = {boeki.relpath: text({**boeki.data, "manager_post": "別の課長"})}
    return [
        # the 別表 names it: its systems' 甲 is matched no more (check_unassigned_duties reads names)
        ("a 課等 audited by its head renamed", {}, {boeki.relpath: text({**boeki.data, "name": "改名課"})}, True),
        ("the audited 課等 headed otherwise", {}, other_head, True),
        (
            "the auditor made a 副 of the audited 課等",
            other_head,
            {
                boeki.relpath: text(
                    {**boeki.data, "manager_post": "別の課長", "deputy_manager_posts": ["貿易経済協力局貿易管理課長"]}
                )
            },
            True,
        ),
        ("the incident's 課等 left without a contact phone", {}, {kaikei.relpath: unphoned}, True),
        # its data kept, its lines moved: the warning about it is placed anew
        (
            "a comment above a 課等 warned of its contact",
            {kaikei.relpath: unphoned},
            {kaikei.relpath: "# 注記\n" + unphoned},
            True,
        ),
        # a reference changed (to a bureau with no record): check_references reads it
        (
            "a 課等's bureau changed",
            {"bureaus/R9.yaml": None},
            {kanto.relpath: text({**kanto.data, "bureau": "R9"})},
            True,
        ),
    ]


def test_a_division_edit_re_checks_what_reads_the_fields_it_changed(
    audited: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """UNREAD_FIELDS (checks/fields_read): after each edit the result equals a full validation, the
    edits of a field a check reads changing its problems."""
    root, spy = audited
    first, full = validated(root, monkeypatch)
    assert first == full
    for label, state, edit, differs in _division_edits(root):
        undo_state = apply(root, state)
        before, full = validated(root, monkeypatch)
        assert before == full, f"before: {label}"
        undo = apply(root, edit)
        cached, full = validated(root, monkeypatch)
        assert cached == full, f"after: {label}"
        assert (cached != before) == differs, label
        apply(root, undo)
        apply(root, undo_state)
    assert spy.full == 1


def test_a_division_renamed_runs_no_check_that_reads_no_name(
    audited: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 課等 renamed on the work tree: check_inspections (its posts), check_contacts (its contact),
    check_references (its bureau) and check_consistency (its org) keep the base's problems (they ran
    again: 0.26 s of the 1.74 s validate after a rename at 100,000 records); the checks that print or
    match a 課等's name run. Its posts changed: check_inspections runs."""
    root, spy = audited
    ran: list[str] = []
    real = validate_work.recheck_all

    def spied(checks: Any, *rest: Any) -> Any:
        def wrap(check: Any) -> Any:
            def run(reg: Any, today: date) -> Any:
                ran.append(check.__qualname__)
                return check(reg, today)

            run.__module__, run.__qualname__ = check.__module__, check.__qualname__
            return run

        return real([wrap(c) for c in checks], *rest)

    monkeypatch.setattr(validate_work, "recheck_all", spied)
    validated(root, monkeypatch)
    path = root / "divisions" / "boeki-kanri.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("\nname: ", "\nname: 新", 1), encoding="utf-8")
    cached, full = validated(root, monkeypatch)
    assert cached == full and spy.work == 1
    assert not {"check_inspections", "check_contacts", "check_references", "check_consistency"} & set(ran)
    assert {"check_filebook", "check_beppyo", "check_unassigned_duties", "check_personal_data"} <= set(ran)
    ran.clear()
    path.write_text(original.replace("\nmanager_post: ", "\nmanager_post: 新", 1), encoding="utf-8")
    cached, full = validated(root, monkeypatch)
    assert cached == full and spy.work == 2
    assert "check_inspections" in ran and "check_contacts" not in ran


def test_the_work_trees_files_are_listed_once_for_the_base(
    setup: tuple[Path, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A validate after an edit lists the work tree's files (path -> content id) once: WorkTree.ids
    is made once (validate and its flush asked it twice, ~45 ms each at 100,000 records) and the
    sorted listing changed_files makes is the one the next base is written from (sorted and joined
    twice: ~35 ms). The same files either way, in path order, an added and an edited one included."""
    from meti_pi.store.worktree import work_tree

    root, spy = setup
    validated(root, monkeypatch)
    edited = root / "divisions" / "kanbo-jinji.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "notes: 一件\n", encoding="utf-8")
    (root / "files" / "zz-new.yaml").write_text("id: zz-new\n", encoding="utf-8")
    wt = work_tree(root)
    assert wt is not None
    ids = wt.ids()
    assert wt.ids() is ids and list(ids) == sorted(ids)
    reg = Register.load(root)
    assert ids == reg.cache.ids
    listing = incremental.listed(ids)
    assert listing[1].split("\n") == sorted(ids) and listing[2].split("\n") == [ids[r] for r in sorted(ids)]
    base = reg.cache.store.base()
    assert (
        incremental.changed_files(base, ids, listing)
        == incremental.changed_files(base, ids)
        == {
            "divisions/kanbo-jinji.yaml",
            "files/zz-new.yaml",
        }
    )
    # One validate of the edited work tree: its files mapped once, the listing sorted and joined once.
    from meti_pi.store.worktree import WorkTree

    made, lists = [], []
    real_ids, real_listed = WorkTree.ids, incremental.listed

    def ids_counted(self: WorkTree) -> dict[str, str]:
        made.append(self._ids is None)
        return real_ids(self)

    def listed_counted(ids: dict[str, str]) -> Any:
        lists.append(len(ids))
        return real_listed(ids)

    monkeypatch.setattr(WorkTree, "ids", ids_counted)
    monkeypatch.setattr(incremental, "listed", listed_counted)
    monkeypatch.setattr(validate_work, "listed", listed_counted)
    assert validate_work_tree(root, TODAY, DEFAULT) is not None
    assert made.count(True) == 1, made  # however often asked (validate, its flush), made once
    assert lists == [len(ids)]
    monkeypatch.setattr(WorkTree, "ids", real_ids)
    monkeypatch.setattr(incremental, "listed", real_listed)
    monkeypatch.setattr(validate_work, "listed", real_listed)
    cached, full = validated(root, monkeypatch)  # on the base the listing wrote
    assert cached == full and spy.work == 2
