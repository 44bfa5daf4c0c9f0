"""`meti-pi export sqlite` (issue 12): every kind as tables that join, deterministic, atomic."""

from __future__ import annotations

import json
import shutil
import sqlite3

from conftest import git, invoke, make_register

from meti_pi.store.kinds import KINDS
from meti_pi.store.register import Register


def _db(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    return con


def test_every_kind_is_a_table_holding_exactly_the_register(tmp_path, runner) -> None:
    root = make_register(tmp_path, example=True)
    out = tmp_path / "reg.db"
    result = invoke(runner, root, "export", "sqlite", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    reg = Register.load(root)
    con = _db(out)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert (
        set(KINDS) <= tables
        and {"documents", "meta", "files_systems", "files_contractors", "ledger_notified"} <= tables
    )
    for kind in KINDS:
        rows = {r["path"]: r for r in con.execute(f'SELECT * FROM "{kind}"')}
        records = {rec.relpath: rec for rec in reg.records.values() if rec.kind == kind}
        assert set(rows) == set(records), kind
        assert summary["tables"][kind] == len(records)
        for rel, rec in records.items():
            row = rows[rel]
            assert row["id"] == rec.id
            for name, value in rec.data.items():
                if name == "id":
                    continue
                cell = row[name]
                if isinstance(value, (dict, list)):
                    assert json.loads(cell) == value, (rel, name)
                elif isinstance(value, bool):
                    assert cell == int(value), (rel, name)
                else:
                    assert cell == value, (rel, name)  # values exactly as held: nothing masked or derived
    docs = {r["path"]: json.loads(r["data"]) for r in con.execute("SELECT * FROM documents")}
    assert docs["policy.yaml"] == reg.singletons["policy.yaml"].data


def test_references_join(tmp_path, runner) -> None:
    root = make_register(tmp_path, example=True)
    out = tmp_path / "reg.db"
    assert invoke(runner, root, "export", "sqlite", str(out)).exit_code == 0
    reg = Register.load(root)
    con = _db(out)
    # Scalar references: a plain join (and declared foreign keys, which Datasette follows).
    joined = {r[0]: r[1] for r in con.execute("SELECT f.id, d.name FROM files f JOIN divisions d ON d.id = f.division")}
    expected = {
        r.id: reg.data_of("divisions", r.data["division"])["name"]
        for r in reg.records.values()
        if r.kind == "files" and reg.data_of("divisions", r.data.get("division", ""))
    }
    assert joined == expected and joined
    assert ("divisions", "division", "id") in {
        (r[2], r[3], r[4]) for r in con.execute("PRAGMA foreign_key_list(files)")
    }
    # References in lists: link tables, in list order.
    pairs = [
        tuple(r)
        for r in con.execute(
            "SELECT f.id, s.id FROM files f JOIN files_systems l ON l.files_path = f.path "
            "JOIN systems s ON s.id = l.systems_id ORDER BY f.id, l.position"
        )
    ]
    assert (
        pairs
        == sorted(
            ((r.id, s) for r in reg.records.values() if r.kind == "files" for s in r.data.get("systems", [])),
            key=lambda p: p[0],
        )
        and pairs
    )
    # JSON columns answer questions with json_extract.
    held = con.execute("SELECT count(*) FROM files WHERE json_extract(holding, '$.start') IS NOT NULL").fetchone()[0]
    assert held == sum(
        1 for r in reg.records.values() if r.kind == "files" and (r.data.get("holding") or {}).get("start")
    )
    # Integrity: no dangling link in the example register.
    assert (
        con.execute(
            "SELECT count(*) FROM files_systems l LEFT JOIN systems s ON s.id = l.systems_id WHERE s.id IS NULL"
        ).fetchone()[0]
        == 0
    )


def test_same_register_same_bytes(tmp_path, runner) -> None:
    root = make_register(tmp_path, example=True)
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    assert invoke(runner, root, "export", "sqlite", str(first)).exit_code == 0
    # Another copy of the same register, read in another order of the file system, another day.
    other = tmp_path / "other" / "register"
    shutil.copytree(root, other)
    (other / "files" / ".keep").write_text("", encoding="utf-8")
    result = invoke(runner, other, "export", "sqlite", str(second), today="2027-04-01")
    assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    # A change to one record changes the database.
    rel = next((root / "files").glob("*.yaml"))
    rel.write_text(rel.read_text(encoding="utf-8").replace("\nname: ", "\nname: 改", 1), encoding="utf-8")
    assert invoke(runner, root, "export", "sqlite", str(second), "--force").exit_code == 0
    assert first.read_bytes() != second.read_bytes()


def test_refuses_to_overwrite_without_force_and_leaves_no_temporary_file(tmp_path, runner) -> None:
    root = make_register(tmp_path)
    out = tmp_path / "reg.db"
    out.write_bytes(b"precious")
    result = invoke(runner, root, "export", "sqlite", str(out))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_bytes() == b"precious"
    result = invoke(runner, root, "export", "sqlite", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"SQLite format 3\0")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    assert git(root, "status", "--porcelain") == ""  # the export writes nothing in the register


def test_unreadable_record_writes_nothing(tmp_path, runner) -> None:
    root = make_register(tmp_path, {"divisions/broken.yaml": "id: [unclosed\n"})
    out = tmp_path / "reg.db"
    result = invoke(runner, root, "export", "sqlite", str(out))
    assert result.exit_code == 1
    assert "divisions/broken.yaml:" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".reg.db")]


def test_a_directory_is_refused(tmp_path, runner) -> None:
    root = make_register(tmp_path)
    result = invoke(runner, root, "export", "sqlite", str(tmp_path))
    assert result.exit_code == 2


def test_a_folder_that_does_not_exist_is_a_usage_error_not_a_crash(tmp_path, runner) -> None:
    """sqlite3 raised its own OperationalError there: 'an unexpected error (a bug)', exit 3."""
    root = make_register(tmp_path, example=True)
    out = tmp_path / "nosuchdir" / "r.db"
    result = invoke(runner, root, "export", "sqlite", str(out), "--json")
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["errors"][0]["message"].startswith(f"cannot write {out}: there is no folder")
    assert not out.parent.exists()


def test_a_record_that_fails_its_schema_writes_nothing(tmp_path, runner) -> None:
    """A 課等 with a field its schema does not know (`budget:`) was exported, exit 0, the field
    silently left out (a table has a column per field of the schema): like a document from such a
    record, the database is refused (exit 1) with the record's file:line, nothing written; the
    same when validate has put the record's problems in the read cache."""
    division = "schema_version: 1\nid: jinji\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"
    root = make_register(tmp_path, {"divisions/jinji.yaml": division + "budget: 100\n"})
    out = tmp_path / "reg.db"
    for _ in range(2):
        result = invoke(runner, root, "export", "sqlite", str(out), "--json")
        assert result.exit_code == 1, result.output
        errors = json.loads(result.stdout)["errors"]
        assert (errors[0]["path"], errors[0]["line"], errors[0]["code"]) == ("divisions/jinji.yaml", 6, "schema")
        assert errors[-1]["message"] == (
            "divisions/jinji.yaml does not match its schema: edit it at the lines shown and `meti-pi commit` it "
            "before exporting the database"
        )
        assert "Traceback" not in result.stderr
        assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".reg.db")]
        assert invoke(runner, root, "validate").exit_code == 1  # the second export reads the read cache
