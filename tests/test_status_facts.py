"""`status` and `notify --check` with each file's decision and notice hashes kept by content id
(meti_pi.notify.facts, issue 18): the same output as the engine computing them, run cold, warm,
after hand edits and with a damaged cache file; the cache keeps nothing for content gone."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import make_register

from meti_pi.checks.status import due_items
from meti_pi.notify import facts, notices
from meti_pi.settings import Settings
from meti_pi.store.cache_files import _read
from meti_pi.store.register import Register

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 26)
DAYS = (TODAY, date(2027, 6, 1), date(2025, 4, 1))


def _outputs(reg: Register, today: date) -> str:
    """Everything the two commands print with --json (status, then notify --check's findings)."""
    items = [i.as_json(today) for i in due_items(reg, today, horizon_days=400)]
    found = [f.as_json() for f in notices.check_with_ppc(reg, today) + notices.obsolete_drafts(reg, today)]
    return json.dumps({"status": items, "check": found}, ensure_ascii=False, sort_keys=True)


def _reference(root: Path, today: date) -> str:
    """The engine alone: no read cache, so nothing is primed and each file is decided anew."""
    reg = Register.load(root, settings=Settings(cache=False))
    assert reg.cache is None
    out = _outputs(reg, today)
    assert reg.__dict__.get("_notice_facts") is None
    return out


def _cached(root: Path, settings: Settings, today: date) -> tuple[str, Register]:
    reg = Register.load(root, settings=settings)
    return _outputs(reg, today), reg


def _kept(reg: Register) -> dict[str, object]:
    store = reg.cache.store
    found = _read(store.dir / facts.FILE, facts.kept_fp(store, facts.FILE), store.key)
    assert isinstance(found, dict)
    return found["facts"]


def _generated(tmp_path: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    import gen_register

    return gen_register.generate(tmp_path / "gen", 1200, 30, seed=11)


def _hand_edits(root: Path) -> list[Path]:
    """Uncommitted edits that change what notices the files need: a notified file's purpose
    (stale), a file's class inputs (principals), one file removed."""
    files = sorted((root / "files").glob("*.yaml"))
    edited = []
    for path in files[:3]:
        text = path.read_text(encoding="utf-8")
        text = text.replace("purpose:", "purpose: 変更後の目的。", 1) if "purpose:" in text else text + "\nnote: x\n"
        path.write_text(text, encoding="utf-8")
        edited.append(path)
    files[3].unlink()
    return edited


@pytest.mark.parametrize("source", ["example", "generated"])
def test_primed_facts_give_the_engines_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    root = make_register(tmp_path, example=True) if source == "example" else _generated(tmp_path)
    settings = Settings(cache_home=tmp_path / "xdg")
    for day in DAYS:
        expected = _reference(root, day)
        cold, reg = _cached(root, settings, day)  # computes every file's facts and keeps them
        assert cold == expected
        assert len(reg.__dict__["_notice_facts"]) == len(reg.of_kind("files")) > 0
        kept = _kept(reg)
        assert set(kept) == {reg.cache.ids[r.relpath] for r in reg.of_kind("files")}

    def no_engine(*_a: object) -> None:
        raise AssertionError("a file's facts were computed though its content was kept")

    with monkeypatch.context() as m:  # warm: every file's facts come from the cache
        m.setattr(facts, "compute", no_engine)
        warm, _ = _cached(root, settings, TODAY)
    assert warm == _reference(root, TODAY)

    # Hand edits: exactly the edited files are decided again; the output is the engine's.
    edited = _hand_edits(root)
    computed: list[str] = []
    real = facts.compute
    monkeypatch.setattr(facts, "compute", lambda reg, data: computed.append(str(data.get("id"))) or real(reg, data))
    for day in DAYS:
        after, reg = _cached(root, settings, day)
        assert after == _reference(root, day)
    assert sorted(computed) == sorted(p.stem for p in edited)  # once: the next days read them back
    # Nothing is kept for content the work tree no longer holds (the edited files' old content, the removed file).
    assert set(_kept(reg)) == {reg.cache.ids[r.relpath] for r in reg.of_kind("files")}


def test_a_damaged_or_foreign_facts_file_is_a_miss(tmp_path: Path) -> None:
    root = _generated(tmp_path)
    settings = Settings(cache_home=tmp_path / "xdg")
    expected = _reference(root, TODAY)
    _out, reg = _cached(root, settings, TODAY)
    path = reg.cache.store.dir / facts.FILE
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF  # one byte of the payload: the HMAC no longer holds
    path.write_bytes(bytes(raw))
    again, reg = _cached(root, settings, TODAY)
    assert again == expected
    assert _kept(reg)  # rewritten whole
    # Under another key (someone else's cache copied in) nothing is read: recomputed, the same output.
    other = Settings(cache_home=tmp_path / "other-xdg")
    assert _cached(root, other, TODAY)[0] == expected


def test_another_policy_decides_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The facts depend on the policy: a policy change is a miss for every file (a comment is not)."""
    root = make_register(tmp_path, example=True)
    settings = Settings(cache_home=tmp_path / "xdg")
    _cached(root, settings, TODAY)
    policy = root / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    before = facts.policy_digest(Register.load(root, settings=settings))
    policy.write_text(text + "# a comment changes the file, not the policy\n", encoding="utf-8")
    assert facts.policy_digest(Register.load(root, settings=settings)) == before
    lower = text.replace("class_b_min_principals: 1000", "class_b_min_principals: 10")
    assert lower != text
    policy.write_text(lower, encoding="utf-8")
    computed: list[object] = []
    real = facts.compute
    monkeypatch.setattr(facts, "compute", lambda reg, data: computed.append(data.get("id")) or real(reg, data))
    out, reg = _cached(root, settings, TODAY)
    assert out == _reference(root, TODAY)
    assert len(computed) == len(reg.of_kind("files"))


def test_the_screen_lists_the_first_rows_and_summarises_the_rest(tmp_path: Path, runner, monkeypatch) -> None:
    """`status` on a terminal: the 50 most pressing items and a count of the others; `--all`
    lists every item; `--json` always lists every item."""
    import re

    from conftest import invoke

    from meti_pi.cli import status as cli_status

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = _generated(tmp_path)
    doc = json.loads(invoke(runner, root, "status", "--horizon", "400", "--json").stdout)
    n = len(doc["items"])
    assert n > cli_status.SCREEN_ROWS  # 70 items due on this register
    row = re.compile(r"^│ (\d{4}-\d\d-\d\d|—) ", re.M)  # a row's first line: its due date (or —)
    screen = invoke(runner, root, "status", "--horizon", "400")
    assert screen.exit_code == 0
    assert len(row.findall(screen.stdout)) == cli_status.SCREEN_ROWS
    assert f"ほか {n - cli_status.SCREEN_ROWS}件（全 {n}件" in screen.stdout
    assert "meti-pi status --all" in screen.stdout
    every = invoke(runner, root, "status", "--horizon", "400", "--all")
    assert len(row.findall(every.stdout)) == n and "ほか" not in every.stdout
    # The rows shown are the first rows of the whole list: the screen is a prefix of --all's table.
    shown = screen.stdout.split("\nほか ")[0].rsplit("└", 1)[0]
    assert every.stdout.startswith(shown)
    assert json.loads(invoke(runner, root, "status", "--horizon", "400", "--json").stdout) == doc


@pytest.mark.parametrize(
    "args", [("status",), ("status", "--json"), ("notify", "--check"), ("notify", "--check", "--json")]
)
def test_the_cycle_collector_is_back_on_after_a_read_only_command(
    tmp_path: Path, runner, args: tuple[str, ...]
) -> None:
    """status and notify --check pause the collector for their read only: a process that runs
    several commands (these tests, `make test`) must not be left without it."""
    import gc

    from conftest import invoke

    root = make_register(tmp_path, example=True)
    assert gc.isenabled()
    result = invoke(runner, root, *args)
    assert result.exit_code in (0, 1), result.output[-500:]
    assert gc.isenabled()
