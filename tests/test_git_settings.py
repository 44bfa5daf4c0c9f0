"""The write path under git's own settings: each repository kind and setting below runs `new`, an
edit (`incident update`) and `notify` through the real CLI. git does the writing (`git commit --only`),
so its settings apply: each run ends with `git fsck --strict` clean, one commit per command holding
only the command's files, and the user's staged, unstaged and untracked work exactly as it was."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from _reliability import env, meti_cmd
from conftest import EXAMPLE, git, make_register

COMMANDS = [
    ["new", "systems", "--set", "name=設定試験システム", "--set", "beppyo_row=1"],
    [
        "incident",
        "update",
        "INC-2026-H0JQNC",
        "--cause",
        "宛先確認の不足",
        "--measure-done",
        "二人確認の徹底",
        "--no-planned-measures",
    ],
    ["notify", "F-2026-WS4AX4", "--kind", "35-1", "--out", "{tmp}/drafts"],
]
INCIDENT = "register/incidents/INC-2026-H0JQNC.yaml"
# A clean filter git must apply: it adds a marker line (still YAML: a comment); smudge takes it away.
CLEAN = "awk 'NR==1 && $0 != \"# cleaned\" {print \"# cleaned\"} {print}'"
SMUDGE = "awk 'NR==1 && $0 == \"# cleaned\" {next} {print}'"


def _new_system(root: Path, cwd: Path, name: str) -> subprocess.CompletedProcess[str]:
    """`meti-pi new systems` of a 別表 row 1 system named `name`, run as a user runs it."""
    return subprocess.run(
        meti_cmd(root, "new", "systems", "--set", f"name={name}", "--set", "beppyo_row=1"),
        capture_output=True,
        text=True,
        env=env(),
        cwd=cwd,
        timeout=120,
    )


def checkout_again(repo: Path) -> None:
    """Check the register out afresh, so the work tree holds what git's settings make of it."""
    shutil.rmtree(repo / "register")
    git(repo, "checkout", "--", "register")


def example_in(repo: Path, *init: str) -> Path:
    shutil.copytree(EXAMPLE, repo / "register")
    git(repo, "init", "-q", "-b", "main", *init)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "example register")
    return repo / "register"


def sha256(tmp: Path) -> Path:
    return example_in(tmp / "repo", "--object-format=sha256")


def autocrlf(tmp: Path) -> Path:
    root = make_register(tmp, example=True)
    git(root.parent, "config", "core.autocrlf", "true")
    checkout_again(root.parent)
    assert b"\r\n" in (root.parent / INCIDENT).read_bytes()
    return root


def eol_crlf(tmp: Path) -> Path:
    root = make_register(tmp, example=True)
    (root.parent / ".gitattributes").write_text("* text eol=crlf\n")
    git(root.parent, "add", ".gitattributes")
    git(root.parent, "commit", "-q", "-m", "crlf checkouts")
    checkout_again(root.parent)
    assert b"\r\n" in (root.parent / INCIDENT).read_bytes()
    return root


def clean_smudge(tmp: Path) -> Path:
    root = make_register(tmp, example=True)
    repo = root.parent
    git(repo, "config", "filter.mark.clean", CLEAN)
    git(repo, "config", "filter.mark.smudge", SMUDGE)
    git(repo, "config", "filter.mark.required", "true")
    (repo / ".gitattributes").write_text("register/incidents/** filter=mark\n")
    git(repo, "add", ".gitattributes")
    git(repo, "add", "--renormalize", "register/incidents")
    git(repo, "commit", "-q", "-m", "filtered incidents")
    checkout_again(repo)
    assert git(repo, "cat-file", "-p", f"HEAD:{INCIDENT}").startswith("# cleaned\n")
    assert not (repo / INCIDENT).read_text(encoding="utf-8").startswith("# cleaned")
    return root


def gpg_signed(tmp: Path) -> Path:
    root = make_register(tmp, example=True)
    home = os.environ["GNUPGHOME"]
    subprocess.run(
        [
            "gpg",
            "--batch",
            "--homedir",
            home,
            "--passphrase",
            "",
            "--quick-gen-key",
            "Test Officer <officer@meti-pi.invalid>",
            "ed25519",
            "sign",
            "never",
        ],
        check=True,
        capture_output=True,
    )
    fpr = subprocess.run(
        ["gpg", "--homedir", home, "--list-secret-keys", "--with-colons"], check=True, capture_output=True, text=True
    ).stdout
    key = next(line.split(":")[9] for line in fpr.splitlines() if line.startswith("fpr:"))
    git(root.parent, "config", "user.signingkey", key)
    git(root.parent, "config", "commit.gpgsign", "true")
    return root


def linked_worktree(tmp: Path) -> Path:
    root = make_register(tmp, example=True)
    git(root.parent, "worktree", "add", "-q", str(tmp / "linked"), "-b", "side")
    return tmp / "linked" / "register"


def submodule(tmp: Path) -> Path:
    inner = make_register(tmp / "inner", example=True).parent
    top = tmp / "super"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "reg")
    git(top, "commit", "-q", "-m", "register as a submodule")
    return top / "reg" / "register"


def packed_refs(tmp: Path) -> Path:
    root = make_register(tmp, example=True)
    git(root.parent, "pack-refs", "--all", "--prune")
    assert not (root.parent / ".git" / "refs" / "heads" / "main").exists()
    return root


def shallow_clone(tmp: Path) -> Path:
    origin = make_register(tmp / "origin", example=True).parent
    (origin / "register" / "notes.md").write_text("second commit\n")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "second")
    git(tmp, "clone", "-q", "--depth", "1", f"file://{origin}", "clone")
    assert (tmp / "clone" / ".git" / "shallow").exists()
    return tmp / "clone" / "register"


def split_index(tmp: Path) -> Path:
    """The README's advice for large registers: git's split index and its compact index version."""
    root = make_register(tmp, example=True)
    git(root.parent, "config", "feature.manyFiles", "true")
    git(root.parent, "config", "core.splitIndex", "true")
    git(root.parent, "update-index", "--index-version", "4")
    git(root.parent, "update-index", "--split-index")
    assert list((root.parent / ".git").glob("sharedindex.*"))
    return root


SETUPS: dict[str, Callable[[Path], Path]] = {
    "sha256": sha256,
    "autocrlf": autocrlf,
    "eol-crlf": eol_crlf,
    "clean-smudge": clean_smudge,
    "gpgsign": gpg_signed,
    "linked-worktree": linked_worktree,
    "submodule": submodule,
    "packed-refs": packed_refs,
    "shallow": shallow_clone,
    "split-index": split_index,
}


@pytest.fixture
def gnupg_home(monkeypatch):
    home = tempfile.mkdtemp(prefix="gpg", dir="/tmp")  # short: gpg-agent's socket path has a length limit
    os.chmod(home, 0o700)
    monkeypatch.setenv("GNUPGHOME", home)
    yield home
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False)
    shutil.rmtree(home, ignore_errors=True)


def work_tree_of(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--show-toplevel").strip())


@pytest.mark.slow  # a repository per git setting, several commands each (issue 17: out of make test-fast)
@pytest.mark.parametrize("kind", list(SETUPS))
def test_new_edit_and_notify_under_gits_settings(tmp_path, kind, gnupg_home):
    root = SETUPS[kind](tmp_path)
    top = work_tree_of(root)
    # The user's own work in progress, which no meti-pi commit may take or change.
    (top / "notes.txt").write_text("draft\n")
    git(top, "add", "notes.txt")
    policy = root / "policy.yaml"
    policy.write_bytes(policy.read_bytes() + b"# my unsaved thought\n")
    (top / "scratch.txt").write_text("x\n")
    user_status = sorted(git(top, "status", "--porcelain").splitlines())
    base = git(top, "rev-parse", "HEAD").strip()

    for argv in COMMANDS:
        argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
        proc = subprocess.run(
            meti_cmd(root, *argv), capture_output=True, text=True, env=env(), cwd=tmp_path, timeout=120
        )
        assert proc.returncode == 0, (argv, proc.stdout[-500:], proc.stderr[-800:])

    commits = git(top, "rev-list", f"{base}..HEAD").split()
    assert len(commits) == 3
    for sha in commits:
        files = git(top, "show", "--name-only", "--format=", sha).split()
        assert files and all(f.startswith("register/") and f != "register/policy.yaml" for f in files), files
        assert "Meti-Pi-Command: " in git(top, "log", "-1", "--format=%(trailers)", sha)
    # The user's work: exactly as it was (the status lists nothing of meti-pi's).
    assert sorted(git(top, "status", "--porcelain").splitlines()) == user_status
    assert git(top, "diff", "--cached", "--name-only").split() == ["notes.txt"]
    fsck = subprocess.run(["git", "fsck", "--strict", "--no-progress"], cwd=top, capture_output=True, text=True)
    assert fsck.returncode == 0 and not [
        line for line in (fsck.stdout + fsck.stderr).splitlines() if not line.startswith("dangling ")
    ]

    if kind == "sha256":
        assert len(commits[0]) == 64
    if kind == "clean-smudge":  # the committed blob is the filtered one; the work tree the smudged one
        committed = git(top, "cat-file", "-p", f"HEAD~1:{INCIDENT}")
        assert committed.startswith("# cleaned\n") and "宛先確認の不足" in committed
        assert not (top / INCIDENT).read_text(encoding="utf-8").startswith("# cleaned")
    if kind in ("autocrlf", "eol-crlf"):  # blobs keep LF; the check-out work tree still compares clean
        assert "\r" not in git(top, "cat-file", "-p", f"HEAD~1:{INCIDENT}")
    if kind == "gpgsign":
        assert set(git(top, "log", "--format=%G?", f"{base}..HEAD").split()) <= {"G", "U"}
    if kind == "linked-worktree":
        assert git(top, "rev-parse", "--abbrev-ref", "HEAD").strip() == "side"
        assert git(tmp_path / "repo", "rev-parse", "main").strip() == base  # the main work tree's branch did not move
    if kind == "split-index":  # git kept its index split through meti-pi's writes: the index still
        # carries git's "link" extension (to its shared index; no path of this register holds "link")
        assert list((top / ".git").glob("sharedindex.*")) and b"link" in (top / ".git" / "index").read_bytes()
    if kind == "packed-refs":
        assert git(top, "rev-parse", "refs/heads/main").strip() == commits[0]


def test_every_git_config_variable_reaches_git(tmp_path, monkeypatch):
    """GIT_CONFIG_COUNT with 12 pairs: the identity set only by pairs 10 and 11 is the commit's."""
    root = make_register(tmp_path)
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("GIT_CONFIG_COUNT", "12")
    for i in range(10):
        monkeypatch.setenv(f"GIT_CONFIG_KEY_{i}", f"metipi.test{i}")
        monkeypatch.setenv(f"GIT_CONFIG_VALUE_{i}", str(i))
    monkeypatch.setenv("GIT_CONFIG_KEY_10", "user.name")
    monkeypatch.setenv("GIT_CONFIG_VALUE_10", "Env Officer")
    monkeypatch.setenv("GIT_CONFIG_KEY_11", "user.email")
    monkeypatch.setenv("GIT_CONFIG_VALUE_11", "env@meti-pi.invalid")
    proc = _new_system(root, tmp_path, "環境設定システム")
    assert proc.returncode == 0, proc.stderr
    assert git(root, "log", "-1", "--format=%an <%ae>|%cn").strip() == "Env Officer <env@meti-pi.invalid>|Env Officer"


def test_commit_hooks_as_decided(tmp_path):
    """pre-commit and commit-msg do not run for meti-pi's commits (it has validated the change under its
    lock); post-commit and reference-transaction do. A `meti-pi validate` run by the post-commit hook
    does not wait for the lock its own parent holds."""
    root = make_register(tmp_path)
    hooks = root.parent / ".git" / "hooks"
    marks = tmp_path / "marks"
    marks.mkdir()
    validate = " ".join(f"'{a}'" for a in meti_cmd(root, "validate"))
    for name, body in {
        "pre-commit": f'touch "{marks}/pre-commit"; exit 1',
        "commit-msg": f'touch "{marks}/commit-msg"; exit 1',
        "post-commit": f'{validate} >/dev/null 2>"{marks}/validate.err"; echo $? > "{marks}/post-commit"',
        "reference-transaction": f'echo "$1" >> "{marks}/reference-transaction"',
    }.items():
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\n{body}\n")
        hook.chmod(0o755)
    proc = _new_system(root, tmp_path, "フック試験システム")
    assert proc.returncode == 0, proc.stderr
    assert not (marks / "pre-commit").exists() and not (marks / "commit-msg").exists()
    assert (marks / "post-commit").read_text().strip() == "0", (marks / "validate.err").read_text()
    assert "committed" in (marks / "reference-transaction").read_text()


def test_a_prepare_commit_msg_hook_that_refuses_is_named(tmp_path):
    """A prepare-commit-msg hook exiting 1 without a word made meti-pi say only "git commit failed:
    exit 1" (git prints nothing of its own): the hook is named, with where to see it, and nothing is
    committed or left in the work tree; what the hook printed is kept."""
    root = make_register(tmp_path)
    repo = root.parent
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    before = (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain", "--untracked-files=all"))
    for body, said in (
        ("exit 1", "git commit failed: exit 1"),
        ("echo 'チケット番号がない' >&2; exit 1", "チケット番号がない"),
    ):
        hook.write_text(f"#!/bin/sh\n{body}\n")
        hook.chmod(0o755)
        proc = _new_system(root, tmp_path, "フック拒否システム")
        assert proc.returncode == 3, proc.stderr
        assert f"the repository's prepare-commit-msg hook refused the commit (see it: `cat {hook.resolve()}`)" in (
            proc.stderr
        )
        assert said in proc.stderr and "nothing was committed and no file was changed" in proc.stderr
        assert (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain", "--untracked-files=all")) == before
    hook.chmod(0o644)  # git runs no hook that is not executable: nothing to blame
    assert _new_system(root, tmp_path, "フック拒否システム").returncode == 0


def test_a_commit_git_itself_refuses_is_not_blamed_on_a_prepare_commit_msg_hook(tmp_path):
    """git's "nothing to commit" (on stdout, nothing on stderr) in a repository with a harmless
    prepare-commit-msg hook was said to be the hook refusing the commit: git stops before it runs
    that hook, and what is on git's stdout is git's own (a hook's stdout goes to stderr, so a hook
    that prints on stdout and refuses is still named)."""
    from meti_pi.gitlayer import repo_of
    from meti_pi.gitlayer.commit import _git_write
    from meti_pi.gitlayer.runner import GitFailed

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("a\n")
    git(tmp_path, "add", "f")
    git(tmp_path, "commit", "-qm", "a")
    hook = tmp_path / ".git" / "hooks" / "prepare-commit-msg"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    repo = repo_of(tmp_path)
    with pytest.raises(GitFailed) as info:
        _git_write(repo, ["commit", "-q", "--no-verify", "-m", "x", "--only", "--", "f"])
    assert str(info.value) == "git commit failed: nothing to commit, working tree clean", str(info.value)
    hook.write_text("#!/bin/sh\necho 'no ticket'\nexit 1\n")
    (tmp_path / "f").write_text("b\n")
    with pytest.raises(GitFailed) as info:
        _git_write(repo, ["commit", "-q", "--no-verify", "-m", "x", "--only", "--", "f"])
    assert str(info.value).startswith("the repository's prepare-commit-msg hook refused the commit"), str(info.value)
    assert "no ticket" in str(info.value)


PASS_THROUGH_B64 = (
    "import base64, binascii, sys\n"
    "d = sys.stdin.buffer.read()\n"
    "try:\n"
    "    out = base64.b64decode(d.replace(b'\\n', b''), validate=True)\n"
    "except binascii.Error:\n"
    "    out = d\n"
    "sys.stdout.buffer.write(out)\n"
)


@pytest.mark.slow  # a filter process per blob (issue 17: out of make test-fast)
def test_an_encrypting_filter_is_read_through_as_a_checkout_would(tmp_path):
    """git-crypt and transcrypt keep ciphertext in the blobs: meti-pi reads every blob at a commit
    through the filter (`cat-file --filters`), so validation of a change, `validate` and
    `history --verify` see the records, not the ciphertext (base64 stands in for the cipher)."""
    root = make_register(tmp_path, example=True)
    repo = root.parent
    git(repo, "config", "filter.crypt.clean", "base64")
    # Like git-crypt's, the smudge passes through what is not its ciphertext (history from before).
    git(repo, "config", "filter.crypt.smudge", f"{shlex.quote(sys.executable)} -c {shlex.quote(PASS_THROUGH_B64)}")
    git(repo, "config", "filter.crypt.required", "true")
    (repo / ".gitattributes").write_text("register/incidents/** filter=crypt\n")
    git(repo, "add", ".gitattributes")
    git(repo, "add", "--renormalize", "register/incidents")
    git(repo, "commit", "-q", "-m", "encrypted incidents")
    checkout_again(repo)
    assert "宛先" not in git(repo, "cat-file", "-p", f"HEAD:{INCIDENT}")  # ciphertext in the blob

    def meti(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            meti_cmd(root, *argv), capture_output=True, text=True, env=env(), cwd=tmp_path, timeout=120
        )

    done = meti(*COMMANDS[1])  # an edit of an encrypted incident, validated against HEAD read through the filter
    assert done.returncode == 0, done.stderr[-800:]
    assert "宛先確認の不足" not in git(repo, "cat-file", "-p", f"HEAD:{INCIDENT}")  # committed encrypted
    assert git(repo, "status", "--porcelain", "--", "register").strip() == ""
    valid = meti("validate", "--json")
    assert valid.returncode == 0, valid.stdout[-800:]
    verified = meti("history", "--verify")
    assert verified.returncode == 0, (verified.stdout[-800:], verified.stderr[-800:])
    # An edit that breaks an encrypted incident is refused: its errors are seen through the filter.
    broken = (repo / INCIDENT).read_text(encoding="utf-8").replace("division:", "division_typo:", 1)
    (repo / INCIDENT).write_text(broken, encoding="utf-8")
    refused = meti("commit", str(repo / INCIDENT))
    assert refused.returncode == 1, refused.stderr[-800:]


def test_a_commit_git_cannot_sign_says_why_and_writes_nothing(tmp_path):
    """commit.gpgsign with a key gpg cannot use: git says "error: gpg failed to sign the data" and then
    "fatal: failed to write commit object". meti-pi gives git's cause with its last word, puts the file
    back and commits nothing (before: only "failed to write commit object", the cause left out)."""
    root = make_register(tmp_path)
    top = root.parent
    gpg = tmp_path / "gpg-without-key"
    gpg.write_text('#!/bin/sh\necho "gpg: signing failed: No secret key" >&2\nexit 2\n')
    gpg.chmod(0o755)
    git(top, "config", "commit.gpgsign", "true")
    git(top, "config", "gpg.program", str(gpg))
    base = git(top, "rev-parse", "HEAD").strip()
    proc = _new_system(root, tmp_path, "署名試験システム")
    assert proc.returncode == 3
    assert "gpg failed to sign the data" in proc.stderr and "nothing was committed" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert git(top, "rev-parse", "HEAD").strip() == base
    assert git(top, "status", "--porcelain", "--untracked-files=all") == ""
