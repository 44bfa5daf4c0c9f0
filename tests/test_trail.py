"""`meti-pi history --verify`: hand edits, trailer mismatches and invalid states are found in the trail."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import git, invoke, make_register

from meti_pi.checks import trail
from meti_pi.checks.validate import validate_register
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)
DIVISION = "schema_version: 1\nid: {id}\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"


def init_register(tmp_path: Path, runner) -> Path:
    """A register made by `meti-pi init` (every commit carries the trailers)."""
    from meti_pi.cli import app

    root = tmp_path / "reg"
    result = runner.invoke(app, ["--today", "2026-11-26", "init", str(root)])
    assert result.exit_code == 0, result.output
    return root


def new_division(runner, root: Path, rid: str) -> None:
    result = invoke(
        runner,
        root,
        "new",
        "divisions",
        "--id",
        rid,
        "--set",
        "name=人事課",
        "--set",
        "org=経済産業省",
        "--set",
        "manager_post=課長",
    )
    assert result.exit_code == 0, result.output


def hand_commit(root: Path, rel: str, text: str | None, message: str = "hand edit") -> str:
    path = root / rel
    if text is None:
        git(root, "rm", "-q", rel)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(root, "add", rel)
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def verify_cli(runner, root: Path, *extra: str):
    result = invoke(runner, root, "history", "--verify", "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


def test_a_trail_made_only_by_meti_pi_is_ok(tmp_path, runner):
    root = init_register(tmp_path, runner)
    new_division(runner, root, "jinji")
    (root / "divisions" / "jinji.yaml").write_text(
        DIVISION.format(id="jinji").replace("課長", "人事課長"), encoding="utf-8"
    )
    assert invoke(runner, root, "commit", str(root / "divisions" / "jinji.yaml")).exit_code == 0
    code, doc = verify_cli(runner, root, "--strict")
    assert code == 0
    assert doc["ok"] is True
    assert doc["commits_checked"] == 3 and doc["commits_validated"] == 3
    assert doc["hand_edits"] == doc["invalid"] == doc["trailer_mismatches"] == []


def test_hand_edit_is_reported_and_fails_only_under_strict(tmp_path, runner):
    root = init_register(tmp_path, runner)
    sha = hand_commit(root, "divisions/keizai.yaml", DIVISION.format(id="keizai"))
    code, doc = verify_cli(runner, root)
    assert code == 0
    assert doc["ok"] is False
    assert [c["commit"] for c in doc["hand_edits"]] == [sha]
    assert doc["hand_edits"][0]["files"] == ["divisions/keizai.yaml"]
    assert doc["invalid"] == []
    code, _ = verify_cli(runner, root, "--strict")
    assert code == 1
    text = invoke(runner, root, "history", "--verify").stdout
    assert sha[:10] in text and "hand edit" in text and "NOT OK" in text


def test_strict_without_verify_and_verify_of_a_part_are_usage_errors(tmp_path, runner):
    """`history --strict` (no --verify) listed the trail and exited 0 over a hand edit, so a CI job
    written so never failed; `history ID --verify` and `--verify -n 1` checked the whole trail
    anyway. Each is now refused (exit 2) saying what to give."""
    root = init_register(tmp_path, runner)
    hand_commit(root, "divisions/keizai.yaml", DIVISION.format(id="keizai"))
    result = invoke(runner, root, "history", "--strict")
    assert result.exit_code == 2 and "--strict goes with --verify" in result.stderr, result.output
    assert result.stdout == ""
    for extra in (["divisions/keizai"], ["-n", "1"]):
        result = invoke(runner, root, "history", "--verify", *extra)
        assert result.exit_code == 2 and "--verify checks the whole trail" in result.stderr, result.output


def test_commit_at_which_the_register_was_invalid_names_what_broke_it(tmp_path, runner):
    root = init_register(tmp_path, runner)
    bad = hand_commit(
        root, "divisions/keizai.yaml", DIVISION.format(id="keizai").replace("org: 経済産業省\n", ""), "break"
    )
    new_division(runner, root, "later")  # a valid meti-pi change while the error persists
    later = git(root, "rev-parse", "HEAD").strip()
    fixed = hand_commit(root, "divisions/keizai.yaml", DIVISION.format(id="keizai"), "fix")
    report = trail.verify(root, TODAY)
    by = {c.commit: c for c in report.commits}
    assert by[bad].errors == 1 and by[bad].introduced[0].path == "divisions/keizai.yaml"
    assert by[bad].introduced[0].code == "schema"
    assert by[later].errors == 1 and by[later].introduced == [] and not by[later].hand_edit
    assert by[fixed].errors == 0
    assert [c.commit for c in report.invalid] == [bad, later]
    code, doc = verify_cli(runner, root, "--strict")
    assert code == 1 and len(doc["invalid"]) == 2
    assert doc["invalid"][0]["introduced"][0]["path"] == "divisions/keizai.yaml"


def test_a_commit_that_broke_a_named_file_names_only_the_broken_file(tmp_path, runner):
    """A 課等 whose YAML was broken by hand: its own error, not a dangling-ref at each record naming
    it (which told the officer to create it again), as validate says (test_validate)."""
    root = init_register(tmp_path, runner)
    new_division(runner, root, "keizai")
    opened = invoke(
        runner, root, "incident", "open", "--known-on", "2026-11-20", "--summary", "紛失", "--division", "keizai"
    )
    assert opened.exit_code == 0, opened.output  # an incident naming the 課等
    bad = hand_commit(root, "divisions/keizai.yaml", 'schema_version: 1\nid: keizai\nname: "人事課\n', "break")
    by = {c.commit: c for c in trail.verify(root, TODAY).commits}
    assert [(p.path, p.code) for p in by[bad].introduced] == [("divisions/keizai.yaml", "yaml")]


def test_amended_meti_pi_commit_is_a_trailer_mismatch(tmp_path, runner):
    root = init_register(tmp_path, runner)
    new_division(runner, root, "jinji")
    (root / "divisions" / "extra.yaml").write_text(DIVISION.format(id="extra"), encoding="utf-8")
    git(root, "add", "divisions/extra.yaml")
    git(root, "commit", "-q", "--amend", "--no-edit")
    report = trail.verify(root, TODAY)
    assert report.hand_edits == []
    [c] = report.mismatched
    assert c.mismatch == ["changed, not named: divisions/extra"]
    assert not report.ok


def test_a_meti_pi_commit_replayed_by_hand_is_flagged(tmp_path, runner):
    """`git cherry-pick` of a meti-pi commit (after a `git revert` of it, say) copies its message,
    trailers and change id: history --verify counted it a meti-pi commit and said ok, though git made
    it by hand. A change id meti-pi draws anew for each change, found on a second commit, is now a
    trailer mismatch naming the commit it replays."""
    root = init_register(tmp_path, runner)
    new_division(runner, root, "jinji")
    (root / "divisions" / "jinji.yaml").write_text(
        DIVISION.format(id="jinji").replace("課長", "人事課長"), encoding="utf-8"
    )
    assert invoke(runner, root, "commit", "divisions/jinji.yaml").exit_code == 0
    original = git(root, "rev-parse", "HEAD").strip()
    git(root, "revert", "--no-edit", "HEAD")
    git(root, "cherry-pick", original)
    replay = git(root, "rev-parse", "HEAD").strip()
    code, doc = verify_cli(runner, root)
    assert code == 0 and doc["ok"] is False
    [c] = doc["trailer_mismatches"]
    assert c["commit"] == replay
    assert c["trailer_mismatch"] == [f"replays {original[:10]}: its Meti-Pi-Change trailer is that commit's"]
    assert [h["subject"] for h in doc["hand_edits"]] == ['Revert "divisions/jinji: edited by hand"']
    code, _ = verify_cli(runner, root, "--strict")
    assert code == 1
    text = invoke(runner, root, "history", "--verify").stdout
    assert f"{replay[:10]} " in text
    assert f"replays {original[:10]}" in text and "made by hand (git cherry-pick)" in text, text
    assert "1 trailer mismatch(es)" in text


def test_a_hand_edit_dated_before_it_was_committed_says_when_it_was(tmp_path, runner):
    """`git commit --date 2026-04-01` (or GIT_AUTHOR_DATE) gives a hand edit any date: --verify showed
    it dated 2026-04-01, as if made before an audit that began later, where it entered the trail on
    2026-11-26. A commit whose author date is another day than its commit date now shows both, and
    --json gives `committed` (the commit date) beside `date`."""
    root = init_register(tmp_path, runner)
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "2026-04-01T09:00:00+09:00",
        "GIT_COMMITTER_DATE": "2026-11-26T10:00:00+09:00",
    }
    (root / "divisions").mkdir(exist_ok=True)
    (root / "divisions" / "keizai.yaml").write_text(DIVISION.format(id="keizai"), encoding="utf-8")
    git(root, "add", "divisions/keizai.yaml")
    subprocess.run(["git", "commit", "-q", "-m", "遡った修正"], cwd=root, env=env, check=True)
    _, doc = verify_cli(runner, root)
    [c] = doc["hand_edits"]
    assert (c["date"][:10], c["committed"][:10]) == ("2026-04-01", "2026-11-26")
    text = invoke(runner, root, "history", "--verify").stdout
    assert "2026-04-01 (committed 2026-11-26) " in text, text
    listed = invoke(runner, root, "history", "-n", "1").stdout
    assert " 2026-04-01 (committed 2026-11-26) " in listed, listed
    [entry] = json.loads(invoke(runner, root, "history", "-n", "1", "--json").stdout)["commits"]
    assert (entry["date"][:10], entry["committed"][:10]) == ("2026-04-01", "2026-11-26")
    from meti_pi.inspect.evidence import evidence_pack

    pack = evidence_pack(root, None, fmt="dir", into=tmp_path)
    assert " 2026-04-01 (committed 2026-11-26) Test Officer: 遡った修正" in (pack.path / "trail.txt").read_text("utf-8")
    same_day = hand_commit(root, "divisions/somu.yaml", DIVISION.format(id="somu"))
    [line] = [line for line in invoke(runner, root, "history", "--verify").stdout.splitlines() if same_day[:10] in line]
    assert "committed" not in line
    assert "committed" not in invoke(runner, root, "history", "-n", "1").stdout


def test_deletion_and_symlink_and_bad_encoding_are_seen_in_history(tmp_path, runner):
    root = init_register(tmp_path, runner)
    new_division(runner, root, "jinji")
    deleted = hand_commit(root, "divisions/jinji.yaml", None, "remove")
    (root / "divisions").mkdir(exist_ok=True)
    os.symlink("/etc/hostname", root / "divisions" / "link.yaml")
    git(root, "add", "divisions/link.yaml")
    git(root, "commit", "-q", "-m", "link")
    link = git(root, "rev-parse", "HEAD").strip()
    (root / "divisions" / "sjis.yaml").write_bytes(DIVISION.format(id="sjis").encode("shift_jis"))
    git(root, "add", "divisions/sjis.yaml")
    git(root, "commit", "-q", "-m", "sjis")
    sjis = git(root, "rev-parse", "HEAD").strip()
    by = {c.commit: c for c in trail.verify(root, TODAY).commits}
    assert by[deleted].errors == 0 and by[deleted].hand_edit
    assert [p.code for p in by[link].introduced] == ["symlink"]
    assert [p.code for p in by[sjis].introduced] == ["encoding"]


def test_merges_of_meti_pi_branches_are_not_hand_edits_but_a_hand_resolution_is(tmp_path, runner):
    root = init_register(tmp_path, runner)
    git(root, "branch", "-M", "main")
    git(root, "switch", "-q", "-c", "side")
    new_division(runner, root, "side-div")
    git(root, "switch", "-q", "main")
    new_division(runner, root, "main-div")
    git(root, "merge", "-q", "--no-edit", "side")
    clean_merge = git(root, "rev-parse", "HEAD").strip()
    # A conflicting change on both sides, resolved by hand with a third text.
    git(root, "switch", "-q", "-c", "side2", "HEAD~1")
    hand_commit(root, "divisions/main-div.yaml", DIVISION.format(id="main-div").replace("人事課長", "A"), "a")
    git(root, "switch", "-q", "main")
    hand_commit(root, "divisions/main-div.yaml", DIVISION.format(id="main-div").replace("人事課長", "B"), "b")
    proc = git_status(root, "merge", "-q", "--no-edit", "side2")
    assert proc != 0
    hand_commit(root, "divisions/main-div.yaml", DIVISION.format(id="main-div").replace("人事課長", "C"), "resolved")
    resolved = git(root, "rev-parse", "HEAD").strip()
    report = trail.verify(root, TODAY)
    by = {c.commit: c for c in report.commits}
    assert by[clean_merge].merge and not by[clean_merge].hand_edit
    assert by[resolved].merge and by[resolved].hand_edit
    side_commit = git(root, "rev-parse", "side").strip()
    assert by[side_commit].command == "new" and by[side_commit].errors == 0  # side branch commits are checked too
    assert report.invalid == []


def git_status(cwd: Path, *args: str) -> int:
    import subprocess

    return subprocess.run(("git", *args), cwd=cwd, capture_output=True).returncode


def test_register_in_a_subfolder_ignores_commits_outside_it(tmp_path, runner):
    root = make_register(tmp_path)  # repo/register, first commit made by hand
    repo = root.parent
    (repo / "README.md").write_text("x\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "docs")
    new_division(runner, root, "jinji")
    report = trail.verify(root, TODAY)
    assert [c.subject for c in report.commits] == ["test register", "divisions/jinji: new divisions record"]
    assert [c.hand_edit for c in report.commits] == [True, False]
    assert report.commits[1].files == ["divisions/jinji.yaml"]


def test_an_empty_repository_verifies_as_ok(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    (root / "register.yaml").write_text("x: 1\n")
    report = trail.verify(root, TODAY)
    assert report.ok and report.commits == []


BROKEN = {
    "divisions/no-org.yaml": DIVISION.format(id="no-org").replace("org: 経済産業省\n", ""),
    "divisions/wrong-id.yaml": DIVISION.format(id="other"),
    "divisions/dup.yaml": DIVISION.format(id="dup") + "name: again\n",
    "divisions/tab.yaml": "a:\n\t- b\n",
    "divisions/empty.yaml": "",
    "files/F-2026-AAAAAA.yaml": "schema_version: 1\nid: F-2026-AAAAAA\nname: x\ndivision: nowhere\n",
    "stray/x.yaml": "a: 1\n",
    "divisions/Bad Name.yaml": "a: 1\n",
    "divisions/list.yaml": "- 1\n- 2\n",
}


def test_trail_validation_agrees_with_validate_register(tmp_path):
    """The cached validation of history --verify must say what `meti-pi validate` says."""
    root = make_register(tmp_path, BROKEN)
    (root / "divisions" / "sjis.yaml").write_bytes(DIVISION.format(id="sjis").encode("shift_jis"))
    os.symlink("../register.yaml", root / "divisions" / "link.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "more")
    expected = sorted(p.render() for p in validate_register(Register.load(root), TODAY) if p.severity == "error")
    report = trail.verify(root, TODAY)
    assert report.commits[-1].errors == len(expected)
    got = sorted(p.render() for p in report.commits[-1].introduced + report.commits[0].introduced)
    assert got == expected
    assert len(expected) >= 10


def _verify_long_history(tmp_path) -> float:
    """150 commits over a register of 170 records, verified; returns the seconds `verify` took."""
    root = make_register(tmp_path, {f"divisions/d{i:03d}.yaml": DIVISION.format(id=f"d{i:03d}") for i in range(150)})
    for i in range(150):  # commits shaped like meti-pi's, made quickly with git itself
        rel = f"divisions/d{i:03d}.yaml"
        (root / rel).write_text(DIVISION.format(id=f"d{i:03d}").replace("人事課長", f"課長{i}"), encoding="utf-8")
        git(root, "commit", "-q", "-m", f"edit {i}\n\nMeti-Pi-Command: test\nMeti-Pi-Record: {rel[:-5]}", "--", rel)
    started = time.monotonic()
    report = trail.verify(root, TODAY)
    elapsed = time.monotonic() - started
    assert len(report.commits) == 151 and report.validated == 151 and report.invalid == []
    assert report.ok is False and len(report.hand_edits) == 1  # the first commit, made by hand
    return elapsed


@pytest.mark.slow
def test_verify_checks_every_commit_of_a_long_history(tmp_path):
    _verify_long_history(tmp_path)


@pytest.mark.stress
def test_verify_is_fast_on_a_long_history(tmp_path):
    """Validation is cached per blob: a few seconds (a wall-time check: stress tier only, issue 17)."""
    elapsed = _verify_long_history(tmp_path)
    assert elapsed < 5, elapsed


@pytest.mark.parametrize("strict", [False, True])
def test_cli_text_output_of_an_ok_trail(tmp_path, runner, strict):
    root = init_register(tmp_path, runner)
    result = invoke(runner, root, "history", "--verify", *(["--strict"] if strict else []))
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: 1 commits changed the register (1 validated)")


@pytest.mark.slow
def test_every_mutating_command_leaves_a_trail_that_verifies(tmp_path, runner):
    """Each mutating command once on the example register: each is one commit with matching trailers,
    the register validates at every commit, and the only hand edit is the register's first commit."""
    from _reliability import ANSWERS, MUTATING_ON_EXAMPLE

    root = make_register(tmp_path, example=True)
    (tmp_path / "answers.yaml").write_text(ANSWERS, encoding="utf-8")
    commits_before = int(git(root, "rev-list", "--count", "HEAD"))
    for name, args in MUTATING_ON_EXAMPLE:
        result = invoke(runner, root, *(a.replace("{tmp}", str(tmp_path)) for a in args))
        assert result.exit_code == 0, (name, result.output[-500:])
    made = int(git(root, "rev-list", "--count", "HEAD")) - commits_before
    assert made == len(MUTATING_ON_EXAMPLE)
    report = trail.verify(root, TODAY)
    assert [c.subject for c in report.hand_edits] == ["test register"]
    assert report.mismatched == [] and report.invalid == []
    assert {c.command for c in report.commits[1:]} >= {
        "new",
        "notify",
        "notify log",
        "incident open",
        "incident close",
        "audit new",
    }


def test_a_commit_naming_a_file_it_does_not_hold_is_invalid_whatever_the_work_tree_holds(tmp_path, runner):
    """register.yaml names policy-x.yaml, which the commit does not hold (left uncommitted): the
    trail looked in the work tree, found it, and passed the commit (a review of the day's change)."""
    root = init_register(tmp_path, runner)
    (root / "policy-x.yaml").write_text((root / "policy.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (root / "register.yaml").read_text(encoding="utf-8")
    assert "policy: policy.yaml" in text
    bad = hand_commit(root, "register.yaml", text.replace("policy: policy.yaml", "policy: policy-x.yaml"))
    by = {c.commit: c for c in trail.verify(root, TODAY).commits}
    assert [(p.path, p.code) for p in by[bad].introduced] == [("register.yaml", "named-file-missing")]


def test_every_commit_names_the_meti_pi_that_made_it_and_a_trail_without_it_still_verifies(tmp_path, runner):
    """The audit officer could not tell which meti-pi decided a change: commits carried no version.
    Each commit meti-pi makes (init, new, a hand edit's `commit`) now carries `Meti-Pi-Version`, which
    history shows (text and --json) as the evidence pack does; a commit of an earlier meti-pi, which
    has none, is still a meti-pi commit to history and history --verify."""
    from meti_pi import __version__
    from meti_pi.inspect.evidence import evidence_pack

    root = init_register(tmp_path, runner)
    (root / "divisions").mkdir(exist_ok=True)
    (root / "divisions" / "old.yaml").write_text(DIVISION.format(id="old"), encoding="utf-8")
    git(root, "add", "divisions/old.yaml")
    message = (
        "divisions/old: new division\n\nMeti-Pi-Command: new\nMeti-Pi-Record: divisions/old\nMeti-Pi-Article: 5(3)"
    )
    git(root, "commit", "-q", "-m", message)  # as meti-pi made it before the version was written
    new_division(runner, root, "jinji")
    (root / "divisions" / "jinji.yaml").write_text(DIVISION.format(id="jinji"), encoding="utf-8")
    assert invoke(runner, root, "commit", str(root / "divisions" / "jinji.yaml")).exit_code == 0

    versions = git(root, "log", "--format=%(trailers:key=Meti-Pi-Version,valueonly,separator=)|").split("|")[:-1]
    assert [v.strip() for v in versions] == [__version__, __version__, "", __version__]  # commit, new, old, init
    listed = json.loads(invoke(runner, root, "history", "--json").stdout)["commits"]
    assert [c["version"] for c in listed] == [__version__, __version__, None, __version__]
    lines = invoke(runner, root, "history").stdout.splitlines()
    assert [line.endswith(f"] meti-pi {__version__}") for line in lines] == [True, True, False, True]
    code, doc = verify_cli(runner, root, "--strict")
    assert code == 0 and doc["hand_edits"] == doc["trailer_mismatches"] == doc["invalid"] == []
    pack = evidence_pack(root, None, fmt="dir", into=tmp_path)
    trail_json = json.loads((pack.path / "trail.json").read_text(encoding="utf-8"))
    assert [c["version"] for c in trail_json] == [__version__, __version__, None, __version__]
    # the pack's trail.txt reads as history does, its shas to 12 characters (gitlayer.trail_line)
    trail_txt = (pack.path / "trail.txt").read_text(encoding="utf-8").splitlines()
    assert [line[:10] + line[12:] for line in trail_txt] == lines
    assert [line[:12] for line in trail_txt] == [c["commit"][:12] for c in listed]


def test_verify_flags_an_audits_evidence_commit_the_history_no_longer_holds(tmp_path, runner):
    """An audit notes the commit its evidence pack is of (evidence[].commit). A history rewritten
    since (here `git rebase --force-rebase` of the audit's two commits: the same changes, new
    commits, trailers and all) left --verify saying nothing: every commit was meti-pi's with its
    trailers, and the pack the audit took named a commit no longer in the trail (an outside test by
    the audit officer). Now NOT OK, naming the audit and the commit; --json `lost_evidence`."""
    root = make_register(tmp_path, example=True)
    new = invoke(runner, root, "audit", "new", "--title", "定期監査", "--division", "boeki-kanri", "--json")
    assert new.exit_code == 0, new.output
    aid = json.loads(new.stdout)["id"]
    packed = invoke(runner, root, "audit", "pack", "--audit", aid, "--out", str(tmp_path / "pack.zip"), "--json")
    assert packed.exit_code == 0, packed.output
    commit = json.loads(packed.stdout)["commit"]

    def verified() -> dict:
        return json.loads(invoke(runner, root, "history", "--verify", "--json").stdout)

    assert verified()["lost_evidence"] == []
    env = {**os.environ, "GIT_COMMITTER_DATE": "2030-01-01T00:00:00+0900"}
    subprocess.run(["git", "rebase", "-q", "--force-rebase", "HEAD~2"], cwd=root, env=env, check=True)
    doc = verified()
    assert doc["ok"] is False and doc["lost_evidence"] == [{"audit": f"audits/{aid}", "commit": commit}]
    text = invoke(runner, root, "history", "--verify").stdout
    assert f"audits/{aid}: its evidence pack is of commit {commit[:10]}, which HEAD's history no longer holds" in text
