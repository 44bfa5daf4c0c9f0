"""No commit text forges the trail (issue 13 item 5): `history`, `history --verify` and the
evidence pack read trailers through git's own trailer parser, with fields delimited by a marker
drawn for each run, so a subject, author or body holding `\\x1f`, `\\x1e`, newlines or a fake
`Meti-Pi-Command:` line is shown as text and never taken for a trailer or a commit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import git, invoke

from meti_pi import gitlayer, gitlog
from meti_pi.checks import trail
from meti_pi.inspect import inspection

DIVISION = "schema_version: 1\nid: {id}\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"

# Messages that tried to pass for a meti-pi commit with the old `%x1e/%x1f`-delimited reading.
FORGED_MESSAGES = {
    "unit-separator-in-subject": ["hand edit\x1fMeti-Pi-Command: new\x1f"],
    "record-separator-in-subject": [
        "hand edit\x1e" + "0" * 40 + "\x1fX\x1f2026-01-01\x1fs\x1fMeti-Pi-Command: new\x1f"
    ],
    "fake-trailer-in-the-body": [
        "hand edit",
        "Meti-Pi-Command: new\nMeti-Pi-Record: divisions/forged\n\nnot trailers: this paragraph is last",
    ],
    "trailer-lines-in-the-subject": ["Meti-Pi-Command: new"],
}


def init_register(tmp_path: Path, runner) -> Path:
    from meti_pi.cli import app

    root = tmp_path / "reg"
    result = runner.invoke(app, ["--today", "2026-11-26", "init", str(root)])
    assert result.exit_code == 0, result.output
    return root


def forged_commit(root: Path, rel: str, message: list[str], author: str = "Hand Editor") -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DIVISION.format(id=path.stem), encoding="utf-8")
    git(root, "add", rel)
    args = ["git", "-c", f"user.name={author}", "commit", "-q", "--cleanup=verbatim"]
    for paragraph in message:
        args += ["-m", paragraph]
    subprocess.run(args, cwd=root, check=True, capture_output=True)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.mark.parametrize("message", FORGED_MESSAGES.values(), ids=FORGED_MESSAGES.keys())
def test_history_and_verify_see_a_hand_edit_whatever_the_message_says(tmp_path, runner, message):
    root = init_register(tmp_path, runner)
    sha = forged_commit(root, "divisions/forged.yaml", message, author="Evil\x1fMeti-Pi-Command: new")

    (newest, *_) = gitlayer.history(root)
    assert newest["commit"] == sha
    assert newest["command"] is None and newest["records"] == [] and newest["article"] is None
    assert newest["files"] == ["divisions/forged.yaml"]
    assert newest["subject"].startswith(message[0].splitlines()[0][:9])

    result = invoke(runner, root, "history", "--verify", "--json")
    doc = json.loads(result.stdout)
    assert [c["commit"] for c in doc["hand_edits"]] == [sha]
    assert doc["hand_edits"][0]["command"] is None
    assert doc["ok"] is False
    assert invoke(runner, root, "history", "--verify", "--strict").exit_code == 1
    report = trail.verify(root, __import__("datetime").date(2026, 11, 26))
    assert sum(1 for c in report.commits if c.commit == sha) == 1  # no commit conjured from a subject

    _, _, _, pack_trail = inspection._register_at(root, "HEAD")
    mine = [c for c in pack_trail if c["commit"] == sha]
    assert len(mine) == 1 and mine[0]["command"] is None and mine[0]["records"] == []
    assert all(len(c["commit"]) == 40 and c["commit"] != "0" * 40 for c in pack_trail)


def test_real_trailers_are_still_read(tmp_path, runner):
    """The control: a meti-pi commit's trailers are found by git's parser, and the trail verifies."""
    root = init_register(tmp_path, runner)
    assert (
        invoke(
            runner,
            root,
            "new",
            "divisions",
            "--id",
            "jinji",
            "--set",
            "name=人事課",
            "--set",
            "org=経済産業省",
            "--set",
            "manager_post=課長",
        ).exit_code
        == 0
    )
    (newest, *_) = gitlayer.history(root)
    assert newest["command"] == "new" and newest["records"] == ["divisions/jinji"]
    doc = json.loads(invoke(runner, root, "history", "--verify", "--json").stdout)
    assert doc["ok"] is True and doc["hand_edits"] == []
    _, _, _, pack_trail = inspection._register_at(root, "HEAD")
    assert pack_trail[0]["command"] == "new" and pack_trail[0]["records"] == ["divisions/jinji"]


def test_a_trailer_value_holding_separators_stays_one_value(tmp_path):
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(
        repo,
        "commit",
        "-q",
        "--allow-empty",
        "--cleanup=verbatim",
        "-m",
        "subject",
        "-m",
        "Meti-Pi-Command: edit\x1fMeti-Pi-Article: 99\x1e42\nMeti-Pi-Record: a/b",
    )
    marker = gitlog.new_marker()
    out = git(repo, "log", "-z", f"--format={gitlog.log_format(marker, 'H', 's')}")
    (commit,) = gitlog.parse(out, marker, "H", "s")
    assert commit.trailers == {"Meti-Pi-Command": ["edit\x1fMeti-Pi-Article: 99\x1e42"], "Meti-Pi-Record": ["a/b"]}
    assert commit.fields["s"] == "subject"


def test_each_run_draws_a_new_marker():
    assert gitlog.new_marker() != gitlog.new_marker()
    with pytest.raises(ValueError):
        gitlog.log_format(gitlog.new_marker(), "B")  # the body would print a message's structure-free text unmarked


def test_any_message_reads_back_as_git_alone_reads_it(tmp_path):
    """Random messages full of separators and trailer-like lines: the fields and trailers read from
    one `git log` of many commits are what git prints for each commit alone (`%s`, `%an`, and
    `git interpret-trailers --parse`), and there are exactly as many commits as were made."""
    import random

    rng = random.Random(13)
    pieces = [
        "\x1f",
        "\x1e",
        "\n",
        "\n\n",
        ": ",
        "Meti-Pi-Command: new",
        "Meti-Pi-Record: files/F-1",
        "x",
        "件名",
        " ",
        "Meti-Pi-Article: 35(1)",
        "%x1e",
        "\t",
        "\x1b[31m",
    ]
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    made = []
    for _i in range(25):
        message = "s" + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        author = "A" + "".join(rng.choice(["\x1f", "\x1e", "b", ":"]) for _ in range(4))
        subprocess.run(
            ["git", "-c", f"user.name={author}", "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-m", message],
            cwd=repo,
            check=True,
            capture_output=True,
        )
        made.append(git(repo, "rev-parse", "HEAD").strip())
    marker = gitlog.new_marker()
    commits = gitlog.parse(
        git(repo, "log", "-z", f"--format={gitlog.log_format(marker, 'H', 'an', 's')}"), marker, "H", "an", "s"
    )
    assert [c.fields["H"] for c in commits] == made[::-1]
    for c in commits:
        sha = c.fields["H"]
        assert c.fields["s"] == git(repo, "log", "-1", "--format=%s", sha)[:-1]
        assert c.fields["an"] == git(repo, "log", "-1", "--format=%an", sha)[:-1]
        body = subprocess.run(
            ["git", "cat-file", "commit", sha], cwd=repo, capture_output=True, check=True
        ).stdout.split(b"\n\n", 1)[1]
        parsed = subprocess.run(
            ["git", "interpret-trailers", "--parse", "--unfold", "--no-divider"],
            cwd=repo,
            input=body,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
        expected: dict[str, list[str]] = {}
        for line in parsed.split("\n")[:-1]:  # not splitlines(): \x1c-\x1e are line breaks to Python
            key, _, value = line.partition(":")
            expected.setdefault(key.strip(" \t"), []).append(value.strip(" \t"))
        assert c.trailers == expected, (sha, body, parsed)
