"""The read-only commands never crash on a register a person edited by hand (written by an outside
review, session 13, that found 22 root causes this way; see tests/test_schema_failures_stop_commands.py).

After each random edit of the example register's records (a record deleted; a copy added under a
new id; a leaf set to another record's id, an unknown id, a boolean, None, a number, a date, a
class, a state, plain text, [] or {}; a key deleted; a quarter of the edits committed), every
read-only command runs in-process: none may end in a Python exception other than meti-pi's own
errors and exits, nor print a traceback or "unexpected error". Even seeds read the register whole
(METI_PI_NO_CACHE=1), odd seeds through a cache kept across the seed's edits (the lazy paths).
The review ran 200 seeds of 15 edits (57,000 runs); 24 seeds of 12 edits (5,472 runs) passed on
the fixed code by hand; here 8 seeds of 15 edits, in the slow tier."""

from __future__ import annotations

import json
import random
import traceback
from pathlib import Path
from typing import Any

import pytest
from conftest import git, invoke, make_register
from typer.testing import CliRunner

from meti_pi.errors import MetiPiError

SEEDS = 8  # seeds 1, 5 and 7 crashed the former code (exit 3, "a bug")
STEPS = 15

VALUES: list[Any] = [True, False, None, 0, 1, 5, -3, 2000, 1.5, 10**12, "2027-01-01", "2020-01-01", "2026-13-45"]
VALUES += ["A", "B", "C", "closed", "open", "submitted", "drafted", "acknowledged", "withdrawn"]
VALUES += ["computer", "manual", "代表電話", "ただのテキスト", "", [], {}]
SHOWN = ("files", "divisions", "contractors", "incidents", "notifications")


def text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"  # JSON is YAML


def load(path: Path) -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    return json.loads(json.dumps(y.load(path.read_text(encoding="utf-8")), default=str))


def records(root: Path) -> list[str]:
    """register-relative paths of every record (not the root files)."""
    return sorted(str(p.relative_to(root)) for p in root.glob("*/**/*.yaml") if not p.name.startswith("."))


def ids_of(root: Path, kind: str) -> list[str]:
    return sorted(p.stem for p in (root / kind).glob("*.yaml"))


def mutate(rng: random.Random, root: Path) -> tuple[dict[str, str | None], str]:
    """One random edit: (relpath -> new text or None, a description)."""
    keys = records(root)
    ids = [Path(k).stem for k in keys] + ["nope-404", "F-2026-ZZZZZZ"]
    rel = rng.choice(keys)
    data = load(root / rel)
    op = rng.random()
    if op < 0.06:
        return {rel: None}, f"delete {rel}"
    if op < 0.12:
        new = rel.rsplit("/", 1)[0] + f"/zz-{rng.randrange(1000)}.yaml"
        if isinstance(data, dict):
            data["id"] = Path(new).stem
        return {new: text(data)}, f"copy {rel} -> {new}"
    leaves: list[tuple[Any, Any, str]] = []

    def collect(node: Any, path: str) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            p = f"{path}.{k}" if isinstance(node, dict) else f"{path}[{k}]"
            leaves.append((node, k, p))
            if isinstance(v, dict | list):
                collect(v, p)

    collect(data, "$")
    if not leaves:
        return {}, "nothing"
    node, k, p = rng.choice(leaves)
    r = rng.random()
    if r < 0.3:
        value: Any = rng.choice(ids)
    elif r < 0.4 and isinstance(node, dict):
        del node[k]
        return {rel: text(data)}, f"{rel}: del {p}"
    elif r < 0.85:
        value = rng.choice(VALUES)
    elif isinstance(node[k], str):
        value = node[k] + " 改"
    else:
        value = rng.choice(ids)
    node[k] = value
    return {rel: text(data)}, f"{rel}: {p} = {json.dumps(value, ensure_ascii=False)}"


def apply(root: Path, change: dict[str, str | None]) -> None:
    for rel, new in change.items():
        path = root / rel
        if new is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new, encoding="utf-8")


def commands(rng: random.Random, root: Path, touched: str | None) -> list[list[str]]:
    def pick(kind: str) -> str | None:
        if touched and touched.startswith(kind + "/") and rng.random() < 0.6:
            return Path(touched).stem
        found = ids_of(root, kind)
        return rng.choice(found) if found else None

    out: list[list[str]] = [
        ["status"],
        ["status", "--json"],
        ["notify", "--check", "--json"],
        ["incident", "list", "--json"],
        ["inspect", "--year", "2026", "--json"],
        ["export", "filebook", "--format", "csv"],
        ["export", "filebook", "--json"],
        ["audit", "list", "--json"],
        ["inspect", "--report", "--year", "2026", "--json"],
    ]
    for kind in SHOWN:
        rid = pick(kind)
        if rid:
            out.append(["show", f"{kind}/{rid}"])
    hk = rng.choice(SHOWN)
    rid = pick(hk)
    if rid:
        out.append(["history", f"{hk}/{rid}"])
    div = pick("divisions")
    if div:
        out.append(["inspect", "--year", "2026", "--division", div])
    fid = pick("files")
    if fid:
        kind = ["--kind", rng.choice(["35-1", "35-2", "35-3", "36"])] if rng.random() < 0.5 else []
        out.append(["notify", "draft", fid, *kind, "--dry-run"])
    inc = pick("incidents")
    if inc:
        out.append(["incident", "report", inc, "--kind", rng.choice(["preliminary", "final", "principal-notice"])])
    nid = pick("notifications")
    if nid:
        out.append(["notify", "render", nid])
    return out


def analyse(result: Any) -> dict[str, Any] | None:
    """A crash: an exception that is not meti-pi's own (or Exit/SystemExit), or a traceback printed."""
    try:
        output = result.output
    except Exception:  # noqa: BLE001
        output = ""
    try:
        output += result.stderr
    except Exception:  # noqa: BLE001
        pass
    exc = result.exception
    bad = exc is not None and not isinstance(exc, SystemExit | MetiPiError)
    printed = "Traceback" in output or "unexpected error" in output
    if not (bad or printed):
        return None
    info: dict[str, Any] = {"printed": printed, "output_tail": output[-1500:]}
    if exc is not None and result.exc_info:
        frames = traceback.extract_tb(result.exc_info[2])
        ours = [f for f in frames if "/meti_pi/" in f.filename]
        info["type"] = type(exc).__name__
        info["message"] = str(exc)[:300]
        info["where"] = (
            f"{ours[-1].filename.split('/meti_pi/')[-1]}:{ours[-1].lineno} in {ours[-1].name}" if ours else None
        )
        info["innermost"] = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else None
        info["stack"] = [f"{f.filename.split('/meti_pi/')[-1]}:{f.lineno} {f.name}" for f in ours[-8:]]
    return info


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(SEEDS))
def test_read_commands_survive_random_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner, seed: int
) -> None:
    cached = seed % 2 == 1
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if cached:
        monkeypatch.delenv("METI_PI_NO_CACHE", raising=False)
    else:
        monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    monkeypatch.chdir(tmp_path)  # drafts with a default --out land here
    root = make_register(tmp_path, example=True)
    repo = root.parent
    rng = random.Random(seed)
    runs = 0
    edits: list[str] = []
    for step in range(STEPS):
        change, what = mutate(rng, root)
        if not change:
            continue
        apply(root, change)
        edits.append(what)
        if rng.random() < 0.25:
            git(repo, "add", "-A", "register")
            git(repo, "commit", "-q", "--allow-empty", "-m", f"fuzz {step}")
        for args in commands(rng, root, next(iter(change))):
            result = invoke(runner, root, *args)
            runs += 1
            crash = analyse(result)
            assert crash is None, f"seed {seed}, {args}, after {edits}: {json.dumps(crash, ensure_ascii=False)[:1500]}"
    assert runs >= STEPS * 10
