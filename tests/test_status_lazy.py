"""`status` and `notify --check` on the work tree read lazily, the files, notices and 台帳 given by
their projections (meti_pi.notify.projected, issue 18): the same output as the register read
whole (`Register.load`, no cache), cold and warm, on the example register and a generated one with
every kind, after hand edits of every sort the work tree can hold (modified, staged, untracked,
deleted, a schema error, a YAML error); and warm, a quiet file's record is not decoded at all."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import invoke, make_register

from meti_pi.checks.status import due_items
from meti_pi.notify import facts, projected
from meti_pi.notify.findings import register_check
from meti_pi.settings import Settings
from meti_pi.store.register import Register

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 26)
DAYS = (TODAY, date(2027, 6, 1), date(2025, 4, 1))


def _outputs(reg: Register, today: date) -> str:
    """What the two commands print with --json: status's items, notify --check's findings and 台帳 problems."""
    items = [i.as_json(today) for i in due_items(reg, today, horizon_days=400)]
    found, ledger = register_check(reg, today)
    return json.dumps(
        {"status": items, "check": [f.as_json() for f in found], "ledger": [p.as_json() for p in ledger]},
        ensure_ascii=False,
        sort_keys=True,
    )


def _reference(root: Path, today: date) -> str:
    """The register read whole, without any cache: the engine describes every record itself."""
    return _outputs(Register.load(root, settings=Settings(cache=False)), today)


def _lazy(root: Path, settings: Settings, today: date) -> tuple[str, projected.Loaded]:
    loaded = projected.load(root, settings)
    assert loaded.lazy
    out = _outputs(loaded.reg, today)
    loaded.finish()
    return out, loaded


def _generated(tmp_path: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    import gen_register

    return gen_register.generate(tmp_path / "gen", 1500, 40, seed=5)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _with(root: Path, kind: str, field: str) -> list[Path]:
    return [p for p in sorted((root / kind).glob("*.yaml")) if f"\n{field}" in p.read_text(encoding="utf-8")]


def _described(out: str) -> set[str]:
    """The records the output of `_outputs` describes: status items' refs, findings' and 台帳 problems' paths."""
    found = json.loads(out)
    return (
        {i["ref"] for i in found["status"]} | {f["path"] for f in found["check"]} | {p["path"] for p in found["ledger"]}
    )


def _all_days_equal(root: Path, settings: Settings) -> None:
    for day in DAYS:
        assert _lazy(root, settings, day)[0] == _reference(root, day), day


@pytest.mark.parametrize("source", ["example", "generated"])
def test_the_lazy_read_gives_the_whole_reads_output(tmp_path: Path, source: str) -> None:
    root = make_register(tmp_path, example=True) if source == "example" else _generated(tmp_path)
    settings = Settings(cache_home=tmp_path / "xdg")
    assert (root / "notifications").is_dir() and (root / "files").is_dir()
    for day in DAYS:  # cold (projections made and kept), then warm (read back)
        expected = _reference(root, day)
        assert _lazy(root, settings, day)[0] == expected
        assert _lazy(root, settings, day)[0] == expected

    # Hand edits of every sort, each compared with the register read whole.
    files = sorted((root / "files").glob("*.yaml"))
    notes = _with(root, "notifications", "items_hash:")
    assert len(files) > 6 and len(notes) > 2
    _edit(files[0], "name:", "name: 改名後")  # modified, not staged (a notified file: stale)
    _edit(files[1], "name:", "name: 段階")  # modified and staged
    _git(root, "add", "--", str(files[1]))
    files[2].unlink()  # deleted, not staged
    _git(root, "rm", "-q", "--", str(files[3]))  # deleted and staged
    (root / "files" / "F-2026-ZZZZ01.yaml").write_text(  # untracked: a copy of a file under another id
        files[4].read_text(encoding="utf-8").replace(files[4].stem, "F-2026-ZZZZ01"), encoding="utf-8"
    )
    _edit(notes[0], "items_hash:", "items_hash: '0'\nold_hash:")  # a notice no longer current
    ledgers = _with(root, "ledger", "notified:")
    assert len(ledgers) > 2
    text = ledgers[0].read_text(encoding="utf-8")
    state = next(s for s in ("acknowledged", "submitted", "drafted") if f"state: {s}" in text)
    _edit(ledgers[0], f"state: {state}", "state: withdrawn")  # the 台帳 out of step with a notice
    ledgers[1].unlink()  # a 台帳 gone: its notices are not in one
    assert json.loads(_reference(root, TODAY))["ledger"]
    _all_days_equal(root, settings)
    _edit(files[5], "name:", "name: [not, a, name]\nformer:")  # a schema error: status reads it as today
    _all_days_equal(root, settings)
    (root / "notifications" / notes[1].name).write_text("id: [unclosed\n", encoding="utf-8")  # a YAML error
    _all_days_equal(root, settings)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "edits")  # the same content, now HEAD's
    _all_days_equal(root, settings)


def test_warm_a_quiet_file_is_not_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm, the files and notices are their projections: none is decoded but those the output
    describes (the files with something due, to locate the line), and no file's facts are computed."""
    root = _generated(tmp_path)
    settings = Settings(cache_home=tmp_path / "xdg")
    expected = _reference(root, TODAY)
    assert _lazy(root, settings, TODAY)[0] == expected  # cold: projections, facts, quiet files kept
    decoded: list[str] = []
    real = projected.ProjectedRecords.real
    monkeypatch.setattr(projected.ProjectedRecords, "real", lambda self, rel: decoded.append(rel) or real(self, rel))
    monkeypatch.setattr(facts, "compute", lambda *_a: pytest.fail("facts computed though kept"))
    out, loaded = _lazy(root, settings, TODAY)
    assert out == expected
    described = _described(out)
    assert all(rel[:-5] in described or rel in described for rel in decoded), sorted(set(decoded))[:5]
    n_files = len(loaded.reg.keys_of("files"))
    quiet = facts.quiet_of(loaded.reg)
    assert quiet is not None and len(quiet.now) > n_files // 2  # most files are quiet on this register


@pytest.mark.parametrize("changed", [None, "projected", "quiet"])
def test_after_an_upgrade_the_projections_and_quiet_files_of_unchanged_code_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str | None
) -> None:
    """The projections and the quiet files are kept under their own layers (store.cache_layers:
    `projected`, `quiet`): the first `status` after an upgrade that leaves their code alone decodes
    no record it does not describe and finds the quiet files kept; one that changes that code
    makes them afresh. The output is the whole read's either way."""
    from typing import Any

    from meti_pi.store import cache, cache_layers
    from meti_pi.store.cache_key import user_key

    root = _generated(tmp_path)
    settings = Settings(cache_home=tmp_path / "xdg")
    user_key.cache_clear()
    expected = _reference(root, TODAY)
    assert _lazy(root, settings, TODAY)[0] == expected  # cold: projections, facts, quiet files kept
    real_compute = cache_layers.compute

    def compute(pkg: Path = cache_layers.PACKAGE_DIR) -> dict[str, Any]:  # another installation's code
        found = real_compute(pkg)
        if changed is not None:
            found["layers"][changed] = "new code"
        return found

    monkeypatch.setattr(cache, "fingerprint", lambda: "after-an-upgrade")  # every file rewritten
    monkeypatch.setattr(cache_layers, "compute", compute)
    decoded: list[str] = []
    real = projected.ProjectedRecords.real
    monkeypatch.setattr(projected.ProjectedRecords, "real", lambda self, rel: decoded.append(rel) or real(self, rel))
    out, loaded = _lazy(root, settings, TODAY)
    assert out == expected
    described = _described(out)
    undescribed = [rel for rel in decoded if rel[:-5] not in described and rel not in described]
    quiet = facts.quiet_of(loaded.reg)
    assert quiet is not None
    n_files = len(loaded.reg.keys_of("files"))
    records = loaded.reg.records
    assert isinstance(records, projected.ProjectedRecords)
    if changed == "projected":
        assert {"files", "notifications"} <= records.fresh  # projected afresh
    else:
        assert records.fresh == set() and undescribed == []  # every projection kept
    if changed == "quiet":
        assert quiet.stored == {}  # found quiet afresh
    else:
        assert len(quiet.stored) > n_files // 2
    user_key.cache_clear()


def test_a_damaged_projection_file_is_a_miss(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    settings = Settings(cache_home=tmp_path / "xdg")
    expected = _reference(root, TODAY)
    _out, loaded = _lazy(root, settings, TODAY)
    store = loaded.work.view.store  # type: ignore[union-attr]
    for name in (projected.FILE + "files", projected.FILE + "notifications", facts.QUIET_FILE, facts.FILE):
        path = store.dir / name
        raw = bytearray(path.read_bytes())
        raw[-3] ^= 0xFF  # the HMAC no longer holds
        path.write_bytes(bytes(raw))
    assert _lazy(root, settings, TODAY)[0] == expected
    assert _lazy(root, settings, TODAY)[0] == expected  # rewritten, read back


@pytest.mark.parametrize("source", ["example", "generated"])
def test_the_commands_json_is_the_whole_reads(
    tmp_path: Path, runner, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """The commands themselves: with the lazy read, the JSON they print without a cache (the
    register read whole, Register.load), byte for byte, cold and warm."""
    root = make_register(tmp_path, example=True) if source == "example" else _generated(tmp_path)
    commands = (("status", "--json", "--horizon", "400"), ("notify", "--check", "--json"))
    monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    whole = [invoke(runner, root, *args) for args in commands]
    assert all(r.exit_code in (0, 1) for r in whole), [r.output[-300:] for r in whole]
    assert json.loads(whole[0].stdout)["items"]
    monkeypatch.delenv("METI_PI_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    for _ in range(2):  # cold, warm
        for args, expected in zip(commands, whole):
            got = invoke(runner, root, *args)
            assert (got.exit_code, got.stdout) == (expected.exit_code, expected.stdout), args
    kept = {p.name for p in (root.parent / ".git" / "meti-pi-cache").rglob("*")}
    assert {projected.FILE + "files", projected.FILE + "notifications", facts.QUIET_FILE} <= kept
