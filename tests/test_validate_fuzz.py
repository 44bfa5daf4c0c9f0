"""Incremental `validate` equals a full validation after random edits made one after another
(issue 18; written from an outside review of session 13): records deleted and added, leaves set to
other records' ids, unknown ids, booleans, numbers, dates, classes and states, values of the wrong
type. After each edit, `validate` as the command runs it (the work tree read lazily when its base
applies) is compared with a validation without the cache, byte for byte; neither may raise (a
register holds whatever a person typed). Half the runs read the register with the cache between
the edit and `validate` (that prunes the stored problems of the changed file: the `dropped` path)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from test_validate_incremental import Spy, apply, setup, text, validated  # noqa: F401 - setup: the fixture used below

from meti_pi.settings import Settings
from meti_pi.store.register import Register

STEPS = 40
VALUES: list[Any] = [True, False, None, 0, 5, 2000, "2027-01-01", "2020-01-01", "A", "B", "C", "closed", "open"]
VALUES += ["submitted", "drafted", "withdrawn", "computer", "manual", "代表電話", [], {}]


def mutate(rng: random.Random, reg: Register) -> dict[str, str | None]:
    """One random edit of the register's records (relpath -> new text, None: deleted)."""
    keys = sorted(reg.records)
    ids = [k.split("/")[-1] for k in keys] + ["nope-404", "NOPE"]
    rec = reg.records[rng.choice(keys)]
    data = json.loads(json.dumps(rec.data, default=str))
    op = rng.random()
    if op < 0.08:
        return {rec.relpath: None}
    if op < 0.14:
        new = rec.relpath.rsplit("/", 1)[0] + f"/zz-{rng.randrange(1000)}.yaml"
        data["id"] = new.rsplit("/", 1)[1][: -len(".yaml")]
        return {new: text(data)}
    leaves: list[tuple[Any, Any]] = []

    def collect(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            leaves.append((node, k))
            if isinstance(v, dict | list):
                collect(v)

    collect(data)
    if not leaves:
        return {}
    node, k = rng.choice(leaves)
    r = rng.random()
    if r < 0.4:
        node[k] = rng.choice(ids)
    elif r < 0.5 and isinstance(node, dict):
        del node[k]
    elif r < 0.75:
        node[k] = rng.choice(VALUES)
    elif isinstance(node[k], str):
        node[k] = node[k] + " 改"
    else:
        node[k] = rng.choice(ids)
    return {rec.relpath: text(data)}


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_incremental_equals_full_after_random_edits(
    setup: tuple[Path, Spy],  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    root, spy = setup
    validated(root, monkeypatch)
    rng = random.Random(seed)
    prune = seed % 2 == 1
    edits = 0
    for step in range(STEPS):
        change = mutate(rng, Register.load(root, settings=Settings(cache=False)))
        if not change:
            continue
        apply(root, change)
        if prune:
            Register.load(root)  # a command reading the register with the cache
        cached, full = validated(root, monkeypatch)
        assert cached == full, f"seed {seed}, step {step}: {sorted(change)}"
        edits += 1
    assert edits >= STEPS // 2
    assert spy.work + spy.incremental >= edits // 2  # most edits were re-checked incrementally
