"""`meti-pi export sqlite` streamed (issue 18): the register read lazily and written kind by kind,
each kind's records let go before the next is read, no record's data kept once written (read whole
and decoded, 100,000 records took ~800 MB). The database is the one the export wrote when it read
the register whole (that algorithm is kept here as the reference): the same dump and the same
bytes; files that cannot be read are refused as before, nothing written."""

from __future__ import annotations

import gc
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import git, invoke, make_register

from meti_pi.settings import Settings
from meti_pi.store import sqlite_export
from meti_pi.store.kinds import KINDS
from meti_pi.store.record import Record
from meti_pi.store.refs import walk
from meti_pi.store.register import Register

REPO = Path(__file__).resolve().parents[1]


def _former(root: Path, path: Path) -> None:
    """The database as the export wrote it before it streamed: the register read whole, every
    record's data decoded and grouped by kind, then the rows in the same order."""
    reg = Register.load(root, settings=Settings(cache=False))
    by_kind: dict[str, list[Any]] = {}
    for rec in reg.records.values():
        if rec.kind in KINDS and rec.data is not None:
            by_kind.setdefault(rec.kind, []).append(rec)
    rows: list[tuple[str, tuple[Any, ...]]] = [
        ("meta", ("format", str(sqlite_export.FORMAT))),
        ("meta", ("meti_pi_version", sqlite_export.__version__)),
    ]
    rows += [
        ("documents", (rel, sqlite_export._value(None, reg.singletons[rel].data))) for rel in sorted(reg.singletons)
    ]
    for kind in KINDS:
        cols = sqlite_export._columns(kind)
        for rec in sorted(by_kind.get(kind, []), key=lambda r: r.relpath):
            data = rec.data if isinstance(rec.data, dict) else {}
            rows.append((kind, (rec.relpath, rec.id, *(sqlite_export._value(t, data.get(n)) for n, t in cols))))
    for kind, key, _target, table in sqlite_export._list_refs():
        for rec in sorted(by_kind.get(kind, []), key=lambda r: r.relpath):
            for position, (_, value) in enumerate(walk(rec.data, key)):
                cell = value if isinstance(value, str) else sqlite_export._value(None, value)
                rows.append((table, (rec.relpath, rec.id, position, cell)))
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA page_size = 4096")
    con.execute("BEGIN")
    for statement in sqlite_export.ddl():
        con.execute(statement)
    for table, row in rows:
        con.execute(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(row))})', row)
    con.execute("COMMIT")
    con.close()


def _dump(path: Path) -> list[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _generated(tmp_path: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    import gen_register

    return Path(gen_register.generate(tmp_path / "gen", 1500, 40, seed=5))


@pytest.fixture(autouse=True)
def _own_cache_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("METI_PI_NO_CACHE", raising=False)


class _Watched:
    """A connection that notes, at the first row of each kind's table, the records alive in this
    process (those of the register at `root`) and how many hold their data decoded."""

    def __init__(self, con: sqlite3.Connection, root: Path, seen: list[tuple[str, set[str], int]]) -> None:
        self.con, self.root, self.seen = con, root.resolve(), seen

    def execute(self, sql: str, params: Any = ()) -> Any:
        if sql.startswith("INSERT INTO"):
            table = sql.split('"')[1]
            if table in KINDS and table not in {kind for kind, _, _ in self.seen}:
                alive = [
                    o
                    for o in gc.get_objects()
                    if isinstance(o, Record) and o.kind in KINDS and o.path.resolve().is_relative_to(self.root)
                ]
                decoded = sum(1 for r in alive if not hasattr(r, "__dict__") or "data" in r.__dict__)
                self.seen.append((table, {r.kind for r in alive}, decoded))
        return self.con.execute(sql, params)

    def close(self) -> None:
        self.con.close()


def _watch(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[tuple[str, set[str], int]]:
    """What _Watched notes of every database the export writes from now on."""
    seen: list[tuple[str, set[str], int]] = []
    real = sqlite3.connect
    shim = type(sys)("sqlite3_watched")
    shim.connect = lambda path, **kw: _Watched(real(path, **kw), root, seen)  # type: ignore[attr-defined]
    monkeypatch.setattr(sqlite_export, "sqlite3", shim)
    return seen


@pytest.mark.parametrize("source", ["example", pytest.param("generated", marks=pytest.mark.slow)])
def test_one_kind_alive_at_a_time_the_same_database_the_same_refusal(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """Read whole and decoded, every record held its data while the first row was written. Streamed,
    when a kind's first row is written the records alive are that kind's alone (the kinds before it
    let go), cold and warm; warm (built from the read cache) only the record being written holds its
    data decoded (cold, a record parsed in this process holds what it parsed to). The database is the
    former one, dump and bytes, and read whole where there is no cache. Files that cannot be read
    (committed or not; a kind's, a misplaced one, one in a folder that is no kind) are found on the
    way and refused as the whole read refused them, in its order, nothing written."""
    root = make_register(tmp_path, example=True) if source == "example" else _generated(tmp_path)
    if source == "generated":
        monkeypatch.setenv("METI_PI_PARALLEL_MIN", "100")  # cold, the larger kinds are parsed by workers
    expected = tmp_path / "former.db"
    _former(root, expected)
    assert len(_dump(expected)) > 100
    seen = _watch(monkeypatch, root)
    held = {kind for kind in KINDS if (root / kind).is_dir()}
    assert len(held) >= 8
    gc.collect()
    for run in ("cold", "warm"):
        seen.clear()
        out = tmp_path / f"{run}.db"
        result = invoke(runner, root, "export", "sqlite", str(out))
        assert result.exit_code == 0, result.output
        assert {kind for kind, _, _ in seen} == held, (run, seen)
        for kind, kinds_alive, decoded in seen:
            assert kinds_alive == {kind}, (run, kind, kinds_alive)
            assert decoded <= 1 or run == "cold", (run, kind, decoded)
        assert _dump(out) == _dump(expected), run
        assert out.read_bytes() == expected.read_bytes(), run
    monkeypatch.setenv("METI_PI_NO_CACHE", "1")  # read whole (Register.load), as without a cache or git
    result = invoke(runner, root, "export", "sqlite", str(tmp_path / "whole.db"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "whole.db").read_bytes() == expected.read_bytes()
    monkeypatch.delenv("METI_PI_NO_CACHE")

    broken = {
        "divisions/broken.yaml": "id: [unclosed\n",
        "notes/stray.yaml": "a: 1\n",
        "files/sub/F-2026-0001.yaml": "id: F-2026-0001\n",
        "systems/S-NEW.yaml": "id: [\n",
    }
    for rel, text in broken.items():
        (root / rel).parent.mkdir(exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "--", *(rel for rel in broken if not rel.startswith("systems/")))
    git(root, "commit", "-qm", "broken files")  # the new system's file is left untracked
    expected_errors = [
        {"path": p.path, "line": p.line, "message": p.message}
        for p in Register.load(root, settings=Settings(cache=False)).load_problems
    ]
    assert sorted(e["path"] for e in expected_errors) == sorted(broken)
    seen.clear()
    out = tmp_path / "refused.db"
    result = invoke(runner, root, "export", "sqlite", str(out), "--json")
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    assert [{k: e[k] for k in ("path", "line", "message")} for e in errors[:-1]] == expected_errors
    assert errors[-1]["message"].startswith("the database was not written")
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".refused.db")]
    assert all(kinds_alive == {kind} for kind, kinds_alive, _ in seen), seen
