"""git's own race between two `git commit`s, and what meti-pi does about it (gitlayer.commit, MESSAGE_TAKEN).

A `git commit` made by hand does not take meti-pi's lock. git itself serialises two commits only in
part: each reads HEAD and the index before it takes index.lock, the branch moves before the new index
is written, and the message goes through one .git/COMMIT_EDITMSG for every commit in progress.
(Reproduced with git alone, `tools/git_commit_race.sh`: two shell loops, one `git commit --only f`, one
`git commit --allow-empty`; a few in a few hundred of the second put f back, a message lands on the
other commit, or git aborts "due to empty commit message".)

Each outcome is made here deterministically with a git hook standing in for the commit made by hand
at the same moment; `tests/test_concurrency.py` runs the real race.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from _reliability import SHARED, SHARED_TEXT, env, git, head, invariant_violations, meti_cmd
from conftest import make_register

pytestmark = pytest.mark.slow  # real commands, hooks


def hook(root: Path, name: str, body: str) -> None:
    path = root.parent / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def new_system(root: Path, name: str = "競合試験システム") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        meti_cmd(root, "new", "systems", "--set", f"name={name}", "--set", "beppyo_row=1"),
        capture_output=True,
        text=True,
        env=env(),
        cwd=root.parent,
        timeout=120,
    )


def hand_edits_since(root: Path, base: str) -> list[str]:
    """Subjects of the commits after `base` that `meti-pi history --verify` lists as hand edits."""
    proc = subprocess.run(
        meti_cmd(root, "history", "--verify", "--json"), capture_output=True, text=True, env=env(), timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    since = set(git(root, "rev-list", f"{base}..HEAD").stdout.split())
    return [c["subject"] for c in json.loads(proc.stdout)["hand_edits"] if c["commit"] in since]


def test_a_message_emptied_by_a_commit_made_at_the_same_moment_is_tried_again(tmp_path):
    """The other commit truncated COMMIT_EDITMSG between git writing meti-pi's message and reading it
    back: git aborted "due to empty commit message" before making a commit; meti-pi tries again
    (before: exit 3, the change refused)."""
    root = make_register(tmp_path)
    before = head(root)
    marker = tmp_path / "emptied"
    # prepare-commit-msg runs between git writing the message file and reading it back (--no-verify
    # does not skip it): empty it once, as the racing commit's open(O_TRUNC) does.
    hook(root, "prepare-commit-msg", f'[ -e "{marker}" ] || {{ touch "{marker}"; : > "$1"; }}')
    proc = new_system(root)
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()  # the first attempt was emptied
    assert git(root, "rev-list", f"{before}..HEAD").stdout.split() == [head(root)]  # one commit
    body = git(root, "log", "-1", "--format=%B").stdout
    assert "Meti-Pi-Command: new" in body and "Meti-Pi-Change: " in body
    assert invariant_violations(root) == []


def test_a_message_taken_by_a_commit_made_at_the_same_moment_is_reported_and_the_files_kept(tmp_path):
    """The other commit wrote its own message over meti-pi's before git read it back: git committed
    meti-pi's change under the other message. meti-pi says so (exit 3), keeps the files as committed
    (HEAD holds them: putting them back would make the work tree differ from HEAD), leaves no journal,
    and `history --verify` lists the commit as a hand edit. Before: "HEAD's history does not hold it",
    and the next command put the files back."""
    root = make_register(tmp_path)
    before = head(root)
    hook(root, "prepare-commit-msg", 'printf "user: my own change\\n" > "$1"')
    proc = new_system(root)
    assert proc.returncode == 3
    assert "took meti-pi's commit message" in proc.stderr and "IS in HEAD" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "user: my own change"
    added = git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").stdout.split()
    assert len(added) == 1 and added[0].startswith("register/systems/")
    (root.parent / ".git" / "hooks" / "prepare-commit-msg").unlink()
    after = subprocess.run(meti_cmd(root, "validate"), capture_output=True, text=True, env=env(), timeout=120)
    assert after.returncode == 0, after.stderr
    assert git(root, "status", "--porcelain").stdout == ""  # the file was kept as committed
    assert invariant_violations(root) == []
    assert hand_edits_since(root, before) == ["user: my own change"]


def test_a_change_committed_under_another_message_is_not_put_back_by_recovery(tmp_path):
    """Killed right after such a commit (before meti-pi could look): recovery finds the change in HEAD
    by its content and drops the journal without touching the files (before: it put them back)."""
    root = make_register(tmp_path)
    hook(root, "prepare-commit-msg", 'printf "user: my own change\\n" > "$1"')
    proc = subprocess.run(
        meti_cmd(root, "new", "systems", "--set", "name=競合試験システム", "--set", "beppyo_row=1"),
        capture_output=True,
        text=True,
        env=env(METI_PI_CRASH_AT="committed"),
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode != 0
    assert (root.parent / ".git" / "meti-pi-journal.json").exists()
    (root.parent / ".git" / "hooks" / "prepare-commit-msg").unlink()
    after = subprocess.run(meti_cmd(root, "validate"), capture_output=True, text=True, env=env(), timeout=120)
    assert after.returncode == 0, after.stderr
    assert "no commit carries its Meti-Pi-Change trailer" in after.stderr
    assert git(root, "status", "--porcelain").stdout == ""
    assert invariant_violations(root) == []


def test_a_commit_made_right_after_ours_putting_the_record_back_is_reported(tmp_path):
    """The other commit read the index before meti-pi's commit wrote it and landed on top of it,
    with the register as it was before (made here by the post-commit hook, with git's plumbing).
    meti-pi sees HEAD moved and its file changed again: exit 3 saying the change WAS committed (before:
    exit 0, silently reverted)."""
    root = make_register(tmp_path)
    before = head(root)
    marker = tmp_path / "reverted"
    hook(
        root,
        "post-commit",
        f'[ -e "{marker}" ] && exit 0; touch "{marker}"; unset GIT_INDEX_FILE; '
        'c=$(git commit-tree "HEAD~1^{tree}" -p HEAD -m "user: stale index") && git update-ref HEAD "$c"',
    )
    proc = new_system(root)
    assert proc.returncode == 3, proc.stderr
    assert "WAS committed" in proc.stderr and "again" in proc.stderr
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "user: stale index"
    assert hand_edits_since(root, before) == ["user: stale index"]


def test_a_message_written_into_by_a_commit_made_at_the_same_moment_is_reported(tmp_path):
    """The other commit wrote its shorter message over the start of meti-pi's (both had opened the
    file): the commit holds the change and meti-pi's trailers, but not its message. meti-pi compares
    the message git stored with the one it gave and says so (exit 3; before: exit 0)."""
    root = make_register(tmp_path)
    hook(root, "prepare-commit-msg", 'printf "user file 1\\n" | dd of="$1" conv=notrunc 2>/dev/null')
    proc = new_system(root)
    assert proc.returncode == 3
    assert "wrote into it" in proc.stderr and "IS in HEAD" in proc.stderr
    body = git(root, "log", "-1", "--format=%B").stdout
    assert body.startswith("user file 1\n") and "Meti-Pi-Change: " in body
    (root.parent / ".git" / "hooks" / "prepare-commit-msg").unlink()
    assert invariant_violations(root) == []


def test_a_prepare_commit_msg_hook_adding_to_the_message_is_not_a_race(tmp_path):
    """A hook that adds to meti-pi's message (a ticket number) leaves meti-pi's message whole: exit 0."""
    root = make_register(tmp_path)
    hook(root, "prepare-commit-msg", 'printf "\\nTicket: PPC-1\\n" >> "$1"')
    proc = new_system(root)
    assert proc.returncode == 0, proc.stderr
    assert "Ticket: PPC-1" in git(root, "log", "-1", "--format=%B").stdout


def test_history_verify_lists_a_commit_carrying_meti_pis_trailers_that_does_not_change_what_they_name(tmp_path):
    """A user commit that read meti-pi's message (or a forged one) changes no register file, so the
    register walk never saw it; `history --verify` lists it as a trailer mismatch."""
    root = make_register(tmp_path)
    before = head(root)
    (root.parent / "notes.txt").write_text("x\n")
    git(root.parent, "add", "notes.txt")
    message = "user file\n\nMeti-Pi-Command: new\nMeti-Pi-Record: divisions/nowhere\nMeti-Pi-Change: 0123456789abcdef\n"
    assert git(root, "commit", "-q", "-m", message).returncode == 0
    proc = subprocess.run(
        meti_cmd(root, "history", "--verify", "--json"), capture_output=True, text=True, env=env(), timeout=120
    )
    report = json.loads(proc.stdout)
    assert report["ok"] is False
    [listed] = [c for c in report["trailer_mismatches"] if c["commit"] == head(root)]
    assert listed["trailer_mismatch"] == ["named, not changed: divisions/nowhere"]
    assert head(root) != before


def test_a_hand_commit_that_took_meti_pis_written_file_is_not_put_back(tmp_path, monkeypatch):
    """A `git commit -a` made by hand between meti-pi writing the record and its `git commit` (meti-pi's
    lock does not stop git) commits meti-pi's file under the user's message; meti-pi's own commit then
    has nothing to commit. The change IS in HEAD: meti-pi says so (exit 3) and leaves the file as HEAD
    holds it. Before: "nothing was committed and no file was changed" while it put the file back, so
    the work tree held the record's old text against HEAD's new one (the next `git commit -a` would
    have reverted the record without a word)."""
    from datetime import date

    from meti_pi.actions.transaction import transaction
    from meti_pi.errors import MetiPiError
    from meti_pi.gitlayer import fs

    root = make_register(tmp_path, {f"{SHARED}.yaml": SHARED_TEXT})
    top = root.parent

    def hand_commit(phase: str) -> None:
        if phase == "files-written":
            assert git(top, "commit", "-qam", "user: everything I had").returncode == 0

    monkeypatch.setattr(fs, "crash_hook", hand_commit)
    with pytest.raises(MetiPiError) as info:
        with transaction(root, command="test-edit", summary="deputy", today=date(2026, 11, 26)) as tx:
            tx.edit(SHARED)["deputy_manager_posts"] = ["副課長"]
    monkeypatch.setattr(fs, "crash_hook", None)
    assert info.value.exit_code == 3
    said = str(info.value)
    assert "IS in HEAD" in said and "nothing was committed" not in said, said
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "user: everything I had"
    assert "副課長" in git(top, "show", f"HEAD:register/{SHARED}.yaml").stdout
    assert "副課長" in (root / f"{SHARED}.yaml").read_text(encoding="utf-8")  # as HEAD holds it
    assert invariant_violations(root) == []


def test_a_hand_git_add_all_during_a_change_leaves_meti_pis_kept_copies_out(tmp_path, monkeypatch):
    """`init` writes the register's .gitignore: a `git add -A && git commit` made by hand while a change
    is written (the old file kept beside the new one) commits the user's edit and meti-pi's written
    file, never the kept copy `.<name>.meti-pi-tmp-old` (before: it landed in the user's commit, then
    stayed in HEAD as a stray file)."""
    from datetime import date

    from meti_pi.actions.records import init_register
    from meti_pi.actions.transaction import transaction
    from meti_pi.errors import MetiPiError
    from meti_pi.gitlayer import fs

    root = tmp_path / "register"
    init_register(root, today=date(2026, 11, 26))
    kept: list[bool] = []

    def hand_commit(phase: str) -> None:
        if phase == "files-written":
            kept.append((root / "roles" / ".sokatsu.yaml.meti-pi-tmp-old").exists())
            assert git(root, "add", "-A").returncode == 0
            assert git(root, "commit", "-qm", "user: everything I had").returncode == 0

    monkeypatch.setattr(fs, "crash_hook", hand_commit)
    with pytest.raises(MetiPiError) as info:
        with transaction(root, command="test-edit", summary="post", today=date(2026, 11, 26)) as tx:
            tx.edit("roles/sokatsu")["post"] = "大臣官房長"
    assert info.value.exit_code == 3  # the user's commit took the change (test above)
    monkeypatch.setattr(fs, "crash_hook", None)
    assert kept == [True]  # the copy was there when the user's commit was made
    assert git(root, "show", "--name-only", "--format=", "HEAD").stdout.split() == ["roles/sokatsu.yaml"]
    assert invariant_violations(root) == []
