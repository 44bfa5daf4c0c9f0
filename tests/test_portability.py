"""Where officers work (issue 12): shell completion, and POSIX-only calls kept to the two modules
being made portable (lock.py: file lock; cache.py: process pool). Tested on Linux only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

METI_PI = Path(sys.executable).with_name("meti-pi")
# typer detects the user's shell from the process tree; tests name it instead (typer's own switch).
NAMED_SHELL = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
# POSIX-only: anything here outside the allowed modules would stop meti-pi on Windows.
POSIX_ONLY = {
    r"\bimport fcntl\b|\bfcntl\.": {"lock.py"},
    r"\bos\.fork\(|\bos\.waitpid\(|\bos\.setsid\(": {"procs.py"},
    r"[\"']/proc/": {"lock.py"},
    r"[\"']/dev/": set(),
    r"signal\.SIGKILL\b(?!\")": set(),  # getattr(signal, "SIGKILL", ...) is portable
    r"\bimport (pwd|grp|termios|tty|resource)\b": set(),
}


def test_posix_only_calls_stay_in_their_modules() -> None:
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "meti_pi").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in POSIX_ONLY:
            if re.search(pattern, text):
                found.setdefault(pattern, set()).add(path.name)
    for pattern, allowed in POSIX_ONLY.items():
        assert found.get(pattern, set()) <= allowed, (pattern, found.get(pattern))


def test_show_completion_bash_completes_commands_and_options(tmp_path: Path) -> None:
    env = {**os.environ, **NAMED_SHELL, "PATH": f"{METI_PI.parent}{os.pathsep}{os.environ['PATH']}"}
    script = subprocess.run(
        [METI_PI, "--show-completion", "bash"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "complete -o default -F _meti_pi_completion meti-pi" in script
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    (tmp_path / "completion.sh").write_text(script, encoding="utf-8")
    env.pop("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION")  # completing itself needs no shell name
    probe = (
        'source "$1"; complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _meti_pi_completion meti-pi; '
        'printf "%s\\n" "${COMPREPLY[@]}"; echo --; }; '
        'complete_words meti-pi val; complete_words meti-pi export ""; complete_words meti-pi validate --for'
    )
    out = subprocess.run(
        ["bash", "--norc", "-c", probe, "probe", tmp_path / "completion.sh"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    first, second, third, _ = out.split("--\n")
    assert first.split() == ["validate"]
    assert {"filebook", "sqlite"} <= set(second.split())
    assert third.split() == ["--format"]


@pytest.mark.skipif(not METI_PI.exists(), reason="needs the installed meti-pi script")
def test_completion_for_zsh_and_install_into_a_home(tmp_path: Path) -> None:
    env = {**os.environ, **NAMED_SHELL, "HOME": str(tmp_path)}
    zsh = subprocess.run(
        [METI_PI, "--show-completion", "zsh"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "compdef _meti_pi_completion meti-pi" in zsh
    done = subprocess.run(
        [METI_PI, "--install-completion", "bash"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    installed = list(tmp_path.rglob("meti-pi*"))
    assert installed and "_meti_pi_completion" in installed[0].read_text(encoding="utf-8")
    assert "meti-pi" in (tmp_path / ".bashrc").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("rid", "reserved"),
    [
        ("nul", True),
        ("CON", True),
        ("aux.1", True),
        ("com1", True),
        ("LPT9", True),
        ("com10", False),
        ("console", False),
        ("con-1", False),
        ("nul_", False),
        ("kanbo-jinji", False),
    ],
)
def test_windows_device_names_are_not_ids(rid: str, reserved: bool) -> None:
    from meti_pi.store.ids import windows_reserved

    assert windows_reserved(rid) is reserved


def test_a_record_named_as_a_windows_device_is_refused(tmp_path: Path, runner) -> None:
    from conftest import invoke, make_register

    root = make_register(tmp_path)
    result = invoke(
        runner,
        root,
        "new",
        "divisions",
        "--id",
        "aux",
        "--set",
        "name=課",
        "--set",
        "org=経済産業省",
        "--set",
        "manager_post=課長",
    )
    assert result.exit_code == 1
    assert "--id: $.id: error[id-reserved]" in result.stderr  # at the option that gave it
    assert not (root / "divisions" / "aux.yaml").exists()
    # Found in a register edited elsewhere, too.
    (root / "divisions").mkdir(exist_ok=True)
    (root / "divisions" / "nul.yaml").write_text(
        "schema_version: 1\nid: nul\nname: 課\norg: 経済産業省\nmanager_post: 課長\n", encoding="utf-8"
    )
    done = invoke(runner, root, "validate")
    assert done.exit_code == 1 and "divisions/nul.yaml:2: $.id: error[id-reserved]" in done.stdout
