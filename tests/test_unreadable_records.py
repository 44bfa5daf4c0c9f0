"""A register file that cannot be read stops every command that would answer without its record
(a review: `notify --check` said 0 problems, `status` and `incident list` exited 0, `show` showed
another record, once the files they had problems with were broken). validate, export and history
report such files themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import git, invoke, make_register

BROKEN = "files/F-2026-WS4AX4.yaml"


@pytest.mark.parametrize("committed", [False, True], ids=["edited", "committed"])
@pytest.mark.parametrize(
    "args",
    [("notify", "--check"), ("status",), ("show", "F-2026-S1J6E5"), ("incident", "list")],
    ids=lambda a: " ".join(a),
)
def test_a_command_stops_and_names_the_file(
    tmp_path: Path, runner: Any, committed: bool, args: tuple[str, ...]
) -> None:
    root = make_register(tmp_path, example=True)
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    if committed:  # with git itself, past meti-pi commit and the hooks
        git(root, "commit", "-q", "-am", "a broken file")
    result = invoke(runner, root, *args)
    assert result.exit_code == 1, result.output
    assert f"{BROKEN}:" in result.output and "cannot be read" in result.output


def test_validate_still_lists_it_with_every_other_problem(tmp_path: Path, runner: Any) -> None:
    root = make_register(tmp_path, example=True)
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    result = invoke(runner, root, "validate")
    assert result.exit_code == 1 and f"{BROKEN}:" in result.output and "cannot be read" not in result.output
