"""The terminal shows text, never control sequences (issue 15): record text, dataset headers, git
subjects and messages all pass one funnel (cli.common.SafeStream) that escapes C0/C1 controls."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest
from _reliability import env, meti_cmd
from conftest import git, make_register

from meti_pi.cli.common import safe_text

# ESC[2J clears the screen, OSC 0 sets the window title, OSC 52 writes the clipboard, BEL rings,
# \x9b is the one-byte (C1) CSI.
HOSTILE_YAML = r'"人事課\e[2J\e]0;pwned\a\e]52;c;ZXZpbA==\a\x9b31m\u202e"'
FORBIDDEN = (b"\x1b[2J", b"\x1b]", b"\x07", b"\xc2\x9b", b"\xe2\x80\xae")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("term")
    os.environ.setdefault("GIT_AUTHOR_NAME", "T")
    root = make_register(tmp, example=True)
    path = root / "divisions" / "kanbo-jinji.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: 大臣官房人事課", f"name: {HOSTILE_YAML}"), encoding="utf-8"
    )
    git(root.parent, "add", "-A")
    git(root.parent, "commit", "-q", "-m", "subject \x1b]52;c;ZXZpbA==\x07 \x1b[2J \x9b", "--no-verify")
    dataset = tmp / "escapes.csv"
    dataset.write_text(
        "氏名\x1b[2J,メール\x1b]0;t\x07\n" + "".join(f"職員{i},s{i}@example.jp\n" for i in range(30)), encoding="utf-8"
    )
    return root, dataset


COMMANDS = [
    ["show", "divisions/kanbo-jinji"],
    ["show", "divisions/kanbo-jinji", "--json"],
    ["status"],
    ["status", "--json"],
    ["history"],
    ["history", "--json"],
    ["validate"],
    ["inspect", "--year", "2026", "--division", "kanbo-jinji"],
    ["classify", "{dataset}"],
    ["classify", "{dataset}", "--json"],
    ["show", "no-such\x1b[2J"],
    ["classify", "{dataset}\x1b[2J.csv"],
]


@pytest.mark.slow  # a CLI process per command on a pseudo-terminal (issue 17: out of make test-fast)
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a).replace("\x1b", "ESC") for a in COMMANDS])
def test_no_control_byte_reaches_the_terminal(hostile, args):
    root, dataset = hostile
    argv = meti_cmd(root, *[a.replace("{dataset}", str(dataset)) for a in args])
    proc = subprocess.run(argv, capture_output=True, env=env(), timeout=120)
    assert "Traceback" not in proc.stderr.decode(errors="replace")
    out = proc.stdout + proc.stderr
    for seq in FORBIDDEN:
        assert seq not in out, (args, seq, out[-300:])
    assert b"\x1b" not in out  # not a terminal: no colour either


def test_the_text_is_still_shown_escaped(hostile):
    root, _ = hostile
    proc = subprocess.run(meti_cmd(root, "history"), capture_output=True, env=env(), timeout=120)
    shown = proc.stdout.decode()
    assert "subject \\u001b]52;c;ZXZpbA==\\u0007" in shown and "\\u009b" in shown
    proc = subprocess.run(meti_cmd(root, "show", "divisions/kanbo-jinji"), capture_output=True, env=env(), timeout=120)
    assert r"人事課\e[2J" in proc.stdout.decode()  # the file's own text: YAML escapes, not the characters


def test_on_a_terminal_colours_pass_and_nothing_else(hostile):
    root, _ = hostile
    out = on_a_terminal(meti_cmd(root, "status"))
    for seq in FORBIDDEN:
        assert seq not in out, seq


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1b[2Jb", "a\\u001b[2Jb"),
        ("\x1b]52;c;eA==\x07", "\\u001b]52;c;eA==\\u0007"),
        ("x\x9by", "x\\u009by"),
        ("行1\n行2\tタブ", "行1\n行2\tタブ"),
        ("\r上書き", "\\u000d上書き"),
        ("\u202eabc", "\\u202eabc"),
    ],
)
def test_safe_text(text, shown):
    assert safe_text(text) == shown
    assert safe_text("\x1b[1;31m赤\x1b[0m", keep_colour=True) == "\x1b[1;31m赤\x1b[0m"


def on_a_terminal(argv: list[str]) -> bytes:
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(argv, stdout=terminal, stderr=terminal, env=env(TERM="xterm-256color", COLUMNS="200"))
    os.close(terminal)
    out = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(controller)
    return out


def test_a_subject_s_colour_codes_do_not_hide_a_hand_edit_on_a_terminal(tmp_path):
    """A terminal let a commit subject's colour codes (SGR) through, as it lets meti-pi's own colours:
    a hand commit subjected 「定例更新 [commit] meti-pi 0.1.0」 and ESC[8m (conceal) showed in `history`
    as a meti-pi commit, its 「[hand edit]」 and every line after it concealed, and in `history --verify`
    hid its note and the NOT OK verdict. The trail's text (subjects, authors) is shown escaped there."""
    root = make_register(tmp_path, example=True)
    path = root / "divisions" / "kanbo-jinji.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 更新\n", encoding="utf-8")
    conceal = "定例更新 [commit] meti-pi 0.1.0\x1b[8m"
    git(root.parent, "commit", "-q", "-a", "--cleanup=verbatim", "-m", conceal, "--no-verify")
    for args in (["history", "-n", "1"], ["history", "--verify"]):
        out = on_a_terminal(meti_cmd(root, *args))
        assert b"\x1b[8m" not in out, (args, out[-300:])
        shown = out.decode()
        assert "定例更新 [commit] meti-pi 0.1.0\\u001b[8m" in shown, (args, shown[-300:])
    assert "[hand edit]" in on_a_terminal(meti_cmd(root, "history", "-n", "1")).decode()
