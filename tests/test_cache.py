"""The read cache (meti_pi.store.cache) and the fast read path: never wrong, whatever happens to the files.

Each test compares what validate reports through the cache with a reference computed the way
the foundation did it (every file parsed, every schema checked by jsonschema alone, no cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import git, make_register

from meti_pi import procs
from meti_pi.checks.validate import CHECKS, validate_register
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import cache, schema
from meti_pi.store.register import Record, Register, list_record_files, parse_record

TODAY = date(2026, 11, 26)

BAD_FILES = {
    # a record failing its schema (unknown key, wrong type)
    "divisions/bad-schema.yaml": """
        schema_version: 1
        id: bad-schema
        name: 試験課
        org: 経済産業省
        manager_post: 課長
        colour: blue
    """,
    "divisions/bad-id.yaml": """
        schema_version: 1
        id: other-id
        name: 試験課
        org: 経済産業省
        manager_post: 課長
    """,
    "divisions/bad-yaml.yaml": "schema_version: 1\nid: [unclosed\n",
    "divisions/alias.yaml": "a: &x [1, 2]\nb: *x\n",
    "divisions/empty.yaml": "",
    "divisions/list.yaml": "- a\n- b\n",
    "divisions/dup.yaml": "schema_version: 1\nid: dup\nid: dup\n",
    "divisions/date.yaml": """
        schema_version: 1
        id: date
        name: 試験課
        org: 経済産業省
        manager_post: 課長
        training:
          - date: 2024-13-45
            course: 研修
    """,
    "systems/dangling.yaml": """
        schema_version: 1
        id: dangling
        name: 試験システム
        beppyo_row: 1
        business_division: no-such-division
    """,
}


def reference(root: Path, today: date = TODAY) -> list[tuple[object, ...]]:
    """Problems as the foundation found them: parse every file, jsonschema for every record, no cache."""
    real_fast = schema.fast_valid
    schema.fast_valid = lambda schema_file, data: False  # type: ignore[assignment]
    try:
        records: dict[str, Record] = {}
        singletons: dict[str, Record] = {}
        problems = []
        for rel in sorted(list_record_files(root)):
            record, found = parse_record(root, rel)
            problems.extend(found)
            if record is not None:
                (singletons if record.kind == "" else records)[rel if record.kind == "" else record.key] = record
        reg = Register(root=root, records=records, singletons=singletons, load_problems=problems)
        return [astuple(p) for p in validate_register(reg, today)]
    finally:
        schema.fast_valid = real_fast  # type: ignore[assignment]


def astuple(p: object) -> tuple[object, ...]:
    return (p.path, p.line, p.code, p.key, p.severity, p.message)  # type: ignore[attr-defined]


def through_cache(root: Path, today: date = TODAY, settings: Settings = DEFAULT) -> list[tuple[object, ...]]:
    reg = Register.load(root, settings=settings)
    assert reg.cache is not None, "the cache should be in use in a git work tree"
    return [astuple(p) for p in validate_register(reg, today)]


def warm_result_used(root: Path, today: date = TODAY) -> bool:
    """True when validate would answer from a stored whole-register result."""
    reg = Register.load(root)
    key = reg.cache.result_key(reg, today, CHECKS)
    return key is not None and reg.cache.result(key) is not None


def cache_dir(root: Path) -> Path:
    """The register's folder in the cache (one per register: `<git dir>/meti-pi-cache/r-*`)."""
    top = Path(git(root, "rev-parse", "--absolute-git-dir").strip()) / cache.DIR_NAME
    found = sorted(top.glob("r-*"))
    return found[0] if found else top / "r-none"


@pytest.fixture
def reg_root(tmp_path: Path) -> Path:
    return make_register(tmp_path, BAD_FILES, example=True)


def test_cold_and_warm_report_every_problem(reg_root: Path) -> None:
    expected = reference(reg_root)
    codes = {p[2] for p in expected}
    assert {"schema", "id-mismatch", "yaml", "empty", "not-a-mapping", "dangling-ref"} <= codes
    assert not cache_dir(reg_root).exists()
    assert through_cache(reg_root) == expected  # cold: fills the cache
    assert list(cache_dir(reg_root).glob("rec.*"))
    assert warm_result_used(reg_root)
    assert through_cache(reg_root) == expected  # warm: from the stored result
    # Records rebuilt from the cache (not the stored result) agree too.
    (cache_dir(reg_root) / "results").unlink()
    assert through_cache(reg_root) == expected


def test_lazy_records_equal_parsed_records(reg_root: Path) -> None:
    through_cache(reg_root)
    reg = Register.load(reg_root)
    for key, rec in reg.records.items():
        fresh, _ = parse_record(reg_root, rec.relpath)
        assert fresh is not None
        assert rec.data == fresh.data, key
        assert rec.text == fresh.text, key
        assert rec.key == key and rec.kind == fresh.kind and rec.id == fresh.id
        assert isinstance(rec, Record)


def test_text_of_a_cached_record_after_the_file_changed(reg_root: Path) -> None:
    through_cache(reg_root)
    reg = Register.load(reg_root)
    rec = reg.get("roles", "sokatsu")
    assert rec is not None
    original = (reg_root / rec.relpath).read_text(encoding="utf-8")
    (reg_root / rec.relpath).write_text("changed: after load\n", encoding="utf-8")
    assert rec.text == original  # the blob git holds, not the new file


def test_edit_is_seen(reg_root: Path) -> None:
    through_cache(reg_root)
    path = reg_root / "divisions" / "bad-schema.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("colour: blue\n", ""), encoding="utf-8")
    expected = reference(reg_root)
    assert not any(p[0] == "divisions/bad-schema.yaml" and p[2] == "schema" for p in expected)
    assert through_cache(reg_root) == expected


def test_file_rewritten_behind_gits_back_with_same_size_and_mtime(reg_root: Path) -> None:
    """Same length, mtime put back: git's index stat check still sees the ctime change."""
    assert through_cache(reg_root) == reference(reg_root)
    path = reg_root / "divisions" / "bad-id.yaml"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    new = text.replace("other-id", "bad-id__")  # same byte length
    assert len(new.encode()) == len(text.encode())
    path.write_text(new, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    expected = reference(reg_root)
    assert any(p[0] == "divisions/bad-id.yaml" and "bad-id__" in str(p[5]) for p in expected)
    assert through_cache(reg_root) == expected


def test_user_settings_that_trust_stat_data_are_overridden(reg_root: Path) -> None:
    repo = reg_root.parent
    git(repo, "config", "core.checkStat", "minimal")
    git(repo, "config", "core.trustctime", "false")
    through_cache(reg_root)
    path = reg_root / "divisions" / "bad-id.yaml"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("other-id", "bad-id__"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert through_cache(reg_root) == reference(reg_root)


def test_assume_unchanged_and_skip_worktree_files_are_hashed(reg_root: Path) -> None:
    through_cache(reg_root)
    repo = reg_root.parent
    git(repo, "update-index", "--assume-unchanged", "register/divisions/bad-id.yaml")
    git(repo, "update-index", "--skip-worktree", "register/divisions/bad-schema.yaml")
    for name in ("bad-id.yaml", "bad-schema.yaml"):
        path = reg_root / "divisions" / name
        path.write_text(path.read_text(encoding="utf-8") + "extra_key: 1\n", encoding="utf-8")
    expected = reference(reg_root)
    assert sum(1 for p in expected if "extra_key" in str(p[5])) == 2
    assert through_cache(reg_root) == expected


def test_untracked_ignored_and_deleted_files(reg_root: Path) -> None:
    through_cache(reg_root)
    (reg_root / "divisions" / "new-div.yaml").write_text("schema_version: 1\nid: new-div\n", encoding="utf-8")
    (reg_root.parent / ".gitignore").write_text("register/divisions/ignored.yaml\n", encoding="utf-8")
    (reg_root / "divisions" / "ignored.yaml").write_text("schema_version: 1\nid: wrong\n", encoding="utf-8")
    (reg_root / "divisions" / "empty.yaml").unlink()
    expected = reference(reg_root)
    assert any(p[0] == "divisions/ignored.yaml" for p in expected)
    assert any(p[0] == "divisions/new-div.yaml" for p in expected)
    assert not any(p[0] == "divisions/empty.yaml" for p in expected)
    assert through_cache(reg_root) == expected
    assert through_cache(reg_root) == expected  # and warm


def test_checkout_and_rebase(reg_root: Path) -> None:
    repo = reg_root.parent
    git(repo, "checkout", "-q", "-b", "side")
    (reg_root / "divisions" / "bad-yaml.yaml").write_text(
        "schema_version: 1\nid: bad-yaml\nname: 課\norg: 経済産業省\nmanager_post: 課長\n", encoding="utf-8"
    )
    git(repo, "commit", "-q", "-am", "fix yaml on side")
    side = reference(reg_root)
    assert through_cache(reg_root) == side
    git(repo, "checkout", "-q", "main")
    (reg_root / "divisions" / "bad-id.yaml").write_text(
        (reg_root / "divisions" / "bad-id.yaml").read_text(encoding="utf-8").replace("other-id", "bad-id"),
        encoding="utf-8",
    )
    git(repo, "commit", "-q", "-am", "fix id on main")
    main = reference(reg_root)
    assert main != side
    assert through_cache(reg_root) == main
    git(repo, "checkout", "-q", "side")
    assert through_cache(reg_root) == side  # entries of both branches are kept: warm again
    git(repo, "rebase", "-q", "main")
    rebased = reference(reg_root)
    assert rebased not in (main, side)
    assert through_cache(reg_root) == rebased
    git(repo, "checkout", "-q", "main")
    assert through_cache(reg_root) == main


def test_different_day_is_a_different_result(reg_root: Path) -> None:
    later = date(2031, 4, 1)
    assert through_cache(reg_root) == reference(reg_root)
    assert through_cache(reg_root, later) == reference(reg_root, later)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "empty", "directory"])
def test_corrupted_cache_is_ignored_and_rebuilt(reg_root: Path, damage: str) -> None:
    expected = reference(reg_root)
    assert through_cache(reg_root) == expected
    for path in [*cache_dir(reg_root).glob("rec.*"), cache_dir(reg_root) / "results"]:
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            path.write_bytes(os.urandom(len(data)))
        elif damage == "flip":
            middle = len(data) // 2
            path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
        elif damage == "empty":
            path.write_bytes(b"")
        else:
            path.unlink()
            path.mkdir()
    assert through_cache(reg_root) == expected
    if damage != "directory":
        assert warm_result_used(reg_root)  # rebuilt
        assert through_cache(reg_root) == expected


@pytest.mark.slow
def test_concurrent_writers(reg_root: Path) -> None:
    """Several processes filling the cache at once: every result right, the cache whole afterwards."""
    expected = reference(reg_root)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from datetime import date
        from pathlib import Path
        from meti_pi.store.register import Register
        from meti_pi.checks.validate import validate_register
        root = Path({str(reg_root)!r})
        out = []
        for day in (1, 2, 3, 1):
            reg = Register.load(root)
            out.append([(p.path, p.line, p.code, p.key, p.severity, p.message) for p in validate_register(reg, date(2026, 11, 26))])
        print(repr(out))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    for out in outs:
        for run in eval(out):  # noqa: S307 - our own repr of tuples
            assert run == expected
    assert not [p for p in cache_dir(reg_root).iterdir() if p.name.endswith(".tmp")]
    assert through_cache(reg_root) == expected
    assert warm_result_used(reg_root)


def test_parallel_parse_agrees_with_serial(reg_root: Path) -> None:
    expected = reference(reg_root)
    assert through_cache(reg_root, settings=Settings(parallel_min=1)) == expected  # cold, parsed by several processes
    shutil.rmtree(cache_dir(reg_root))
    reg = Register.load(reg_root, settings=Settings(cache=False))
    assert reg.cache is None
    assert [astuple(p) for p in validate_register(reg, TODAY)] == expected


def test_overlay_and_mutated_register(reg_root: Path) -> None:
    through_cache(reg_root)
    overlay = {"divisions/bad-schema.yaml": None, "divisions/added.yaml": "schema_version: 1\nid: added\n"}
    reg = Register.load(reg_root, overlay=overlay)
    got = [astuple(p) for p in validate_register(reg, TODAY)]
    assert not any(p[0] == "divisions/bad-schema.yaml" for p in got)
    assert any(p[0] == "divisions/added.yaml" and p[2] == "schema" for p in got)
    assert (reg_root / "divisions" / "bad-schema.yaml").exists() and not (
        reg_root / "divisions" / "added.yaml"
    ).exists()
    # A register changed in memory after loading is never answered from a stored result.
    reg = Register.load(reg_root)
    del reg.records["divisions/bad-id"]
    assert reg.cache.result_key(reg, TODAY, CHECKS) is None
    got = [astuple(p) for p in validate_register(reg, TODAY)]
    assert not any(p[0] == "divisions/bad-id.yaml" for p in got)


def test_no_git_no_cache(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    shutil.copytree(make_register(tmp_path, BAD_FILES, example=True), root)
    reg = Register.load(root)
    assert reg.cache is None
    assert [astuple(p) for p in validate_register(reg, TODAY)] == reference(root)


def test_cache_stays_inside_the_git_dir(reg_root: Path) -> None:
    through_cache(reg_root)
    assert git(reg_root.parent, "status", "--porcelain", "--untracked-files=all") == ""


def test_symlink_and_binary_files_are_reported(reg_root: Path) -> None:
    (reg_root / "divisions" / "link.yaml").symlink_to(reg_root / "divisions" / "bad-id.yaml")
    (reg_root / "divisions" / "binary.yaml").write_bytes(b"\xff\xfe\x00\x01" * 10)
    expected = reference(reg_root)
    assert {"symlink", "encoding"} <= {p[2] for p in expected}
    assert through_cache(reg_root) == expected
    assert through_cache(reg_root) == expected


def test_run_shared_gives_serial_results_and_survives_a_dead_worker(tmp_path: Path) -> None:
    parent = os.getpid()
    died = tmp_path / "died"

    def die_in_a_child(label: str) -> str:
        """In a worker: it dies (what it took is run again here). Here: it waits (20 s at most)
        until a worker has died, so that the other heavy task is left to a worker. Which process
        takes which task is a race (a worker forked first can take the heaviest): either way one
        of the two heavy tasks kills a worker."""
        if os.getpid() != parent:
            died.touch()
            os._exit(7)
        deadline = time.monotonic() + 20
        while not died.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return label

    tasks = [lambda: die_in_a_child("first"), *(lambda i=i: i * i for i in range(7)), lambda: die_in_a_child("last")]
    weights = [9.0, *[1.0] * 7, 5.0]
    assert procs.run_shared(tasks, weights, 3) == ["first", *(i * i for i in range(7)), "last"]
    assert died.exists()


def test_run_shared_runs_here_a_share_the_broken_pool_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies before the next share is handed out breaks the pool: `submit` itself
    raises BrokenProcessPool (seen once in a test run). That share is run here too."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    real = ProcessPoolExecutor.submit
    calls: list[int] = []

    def submit(self: object, fn: object, /, *args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise BrokenProcessPool("a child process terminated abruptly")
        return real(self, fn, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    tasks = [lambda i=i: i * i for i in range(9)]
    assert procs.run_shared(tasks, [1.0] * len(tasks), 3) == [i * i for i in range(9)]
    assert len(calls) == 2


def test_run_shared_raises_as_serial_would() -> None:
    def boom() -> None:
        raise ValueError("a bug in a check")

    with pytest.raises(ValueError, match="a bug in a check"):
        procs.run_shared([lambda: 1, boom, lambda: 2], [1.0, 5.0, 1.0], 2)


def test_of_kind_index_follows_changes(reg_root: Path) -> None:
    reg = Register.load(reg_root)

    def scan(kind: str, unchecked: frozenset[str] = frozenset()) -> list[str]:
        return [
            r.relpath for k, r in dict(reg.records).items() if k.startswith(kind + "/") and r.relpath not in unchecked
        ]

    kinds = sorted({k.split("/")[0] for k in reg.records})
    for kind in kinds:
        assert [r.relpath for r in reg.of_kind(kind)] == scan(kind)
    first = reg.of_kind("divisions")
    first.clear()  # callers may change the list they get
    assert reg.of_kind("divisions")
    gone = next(iter(reg.records))
    del reg.records[gone]
    reg.records["divisions/zz"] = reg.records.pop("divisions/bad-id")
    reg.records.setdefault("divisions/yy", reg.get("divisions", "zz"))
    for kind in kinds:
        assert [r.relpath for r in reg.of_kind(kind)] == scan(kind)
    clean = Register(reg.root, reg.records, reg.singletons, [], frozenset({"divisions/bad-schema.yaml"}))
    assert [r.relpath for r in clean.of_kind("divisions")] == scan(
        "divisions", frozenset({"divisions/bad-schema.yaml"})
    )
    assert [r.relpath for r in reg.of_kind("inspections/2026")] == scan("inspections/2026")


def test_saving_texts_costs_in_proportion_to_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold start stores every record's text, spread over 256 shards by content id. Each text's shard
    is found once: the texts were scanned again for every shard (256 x N calls: 6.7 s of the
    background writer at 100,000 records, taken from the checks' cores), and every text reads back."""
    from meti_pi.store import cache_files

    calls: list[str] = []
    real = cache_files.text_shard_of
    monkeypatch.setattr(cache_files, "text_shard_of", lambda cid: calls.append(cid) or real(cid))
    store = cache_files.Store(tmp_path, "fp", b"k" * 32)
    texts = {f"{i:040x}"[::-1]: f"id: r{i}\n".encode() for i in range(2000)}  # first digits spread
    entries = {f"{cid}:files.schema.json": ("ok", b"", (), ()) for cid in texts}
    store.save(entries, set(entries), texts)
    assert len({real(c) for c in texts}) == 256
    assert len(calls) <= 3 * len(texts)  # was 256 x 2,000 = 512,000
    again = cache_files.Store(tmp_path, "fp", b"k" * 32)
    assert all(again.text(cid) == text for cid, text in texts.items())
