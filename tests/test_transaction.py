"""The write path: one commit, exactly the files written, never the user's other work."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import git, invoke, make_register
from typer.testing import CliRunner

from meti_pi import gitlayer
from meti_pi.actions.transaction import Transaction, transaction
from meti_pi.errors import MetiPiError, RuleViolation
from meti_pi.gitlayer import lock
from meti_pi.gitlayer.commit import notes as transaction_notes
from meti_pi.settings import Settings

TODAY = date(2026, 11, 26)
DIVISION = {"name": "大臣官房人事課", "org": "経済産業省", "manager_post": "人事課長"}


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def add_division(root: Path, rid: str = "kanbo-jinji", **kw) -> Transaction:
    with transaction(root, command="new", summary="new division", article="5(3)", today=TODAY, **kw) as tx:
        tx.create("divisions", dict(DIVISION), id=rid)
    return tx


def test_commit_holds_exactly_the_written_file_and_trailers(tmp_path):
    root = make_register(tmp_path)
    repo = root.parent
    # The user's own work in progress: a staged change, an unstaged change, an untracked file.
    (repo / "notes.txt").write_text("draft\n")
    git(repo, "add", "notes.txt")
    policy = root / "policy.yaml"
    policy.write_text(policy.read_text() + "# my unsaved thought\n")
    (repo / "scratch.txt").write_text("x\n")

    tx = add_division(root)

    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == ["register/divisions/kanbo-jinji.yaml"]
    trailers = git(repo, "log", "-1", "--format=%(trailers)")
    assert "Meti-Pi-Command: new" in trailers
    assert "Meti-Pi-Record: divisions/kanbo-jinji" in trailers
    assert "Meti-Pi-Article: 5(3)" in trailers
    assert git(repo, "log", "-1", "--format=%s").strip() == "divisions/kanbo-jinji: new division"
    assert tx.commit_sha == head(repo)
    # The user's work is exactly as it was.
    status = git(repo, "status", "--porcelain")
    assert "A  notes.txt" in status
    assert " M register/policy.yaml" in status
    assert "?? scratch.txt" in status
    assert "kanbo-jinji" not in status
    assert (root / "divisions" / "kanbo-jinji.yaml").read_text().count("大臣官房人事課") == 1


def test_refuses_when_a_target_has_uncommitted_edits(tmp_path):
    root = make_register(tmp_path)
    add_division(root)
    target = root / "divisions" / "kanbo-jinji.yaml"
    target.write_text(target.read_text().replace("人事課長", "人事課長（手編集）"))
    before = head(root)
    with pytest.raises(MetiPiError, match="uncommitted edits"):
        with transaction(root, command="edit", summary="x", today=TODAY) as tx:
            doc = tx.edit("divisions/kanbo-jinji")
            doc["address"] = "東京都千代田区霞が関1-3-1"
    assert head(root) == before
    assert "手編集" in target.read_text()  # the user's edit survives


def test_refuses_a_change_that_adds_an_error_and_writes_nothing(tmp_path):
    root = make_register(tmp_path)
    before = head(root)
    with pytest.raises(RuleViolation) as info:
        with transaction(root, command="new", summary="bad", today=TODAY) as tx:
            tx.create("divisions", {"name": "X", "org": "特許庁", "manager_post": "課長"}, id="tokkyo")
    assert info.value.exit_code == 1
    assert any(p.path == "divisions/tokkyo.yaml" and p.code == "schema" for p in info.value.problems)
    assert head(root) == before
    assert not (root / "divisions" / "tokkyo.yaml").exists()


def test_existing_errors_elsewhere_do_not_block_a_valid_change(tmp_path):
    root = make_register(tmp_path, {"divisions/broken.yaml": "schema_version: 1\nid: broken\n"})
    tx = add_division(root)
    assert tx.commit_sha is not None


def test_dry_run_writes_nothing(tmp_path):
    root = make_register(tmp_path)
    before = head(root)
    tx = add_division(root, dry_run=True)
    assert tx.commit_sha is None
    assert head(root) == before
    assert not (root / "divisions" / "kanbo-jinji.yaml").exists()


def test_no_change_no_commit(tmp_path):
    root = make_register(tmp_path)
    add_division(root)
    before = head(root)
    with transaction(root, command="edit", summary="same", today=TODAY) as tx:
        doc = tx.edit("divisions/kanbo-jinji")
        doc["name"] = DIVISION["name"]
    assert tx.commit_sha is None and head(root) == before


def test_edit_is_a_one_line_diff_and_keeps_comments(tmp_path):
    root = make_register(tmp_path)
    with transaction(root, command="edit", summary="tighten lock wait", today=TODAY) as tx:
        doc = tx.edit("policy")
        doc["lock_timeout_seconds"] = 10
    diff = git(root, "show", "--format=", "-U0", "HEAD")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "-lock_timeout_seconds: 30          # how long a command waits for another to finish",
        "+lock_timeout_seconds: 10          # how long a command waits for another to finish",
    ]


def test_replacing_a_list_keeps_the_comment_line_that_introduces_the_next_key(tmp_path):
    """A comment line written between `deputy_manager_posts` and the next key stays there when a
    command replaces the list (ruamel kept it on the list's last element, and dropped it with it)."""
    root = make_register(
        tmp_path,
        {
            "divisions/kanbo-jinji.yaml": """
        schema_version: 1
        id: kanbo-jinji
        name: 大臣官房人事課
        deputy_manager_posts:
          - 企画官
        # 組織令の改正で見直す
        org: 経済産業省
        manager_post: 人事課長
        """
        },
    )
    with transaction(root, command="edit", summary="deputy", today=TODAY) as tx:
        tx.edit("divisions/kanbo-jinji")["deputy_manager_posts"] = ["企画官", "調査官"]
    diff = git(root, "show", "--format=", "-U0", "HEAD")
    assert [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))] == [
        "+  - 調査官"
    ]
    assert "could not be kept" not in git(root, "log", "-1", "--format=%B") and not transaction_notes


def test_a_changed_fact_of_a_hand_written_incident_is_a_diff_of_what_changed(tmp_path):
    """The example incident is hand-written with empty values (`closed_on:`); an update that
    changes one fact must not rewrite each of them as `null` (it did: 112 lines for one fact)."""
    root = make_register(tmp_path, example=True)
    result = invoke(
        CliRunner(), root, "incident", "update", "INC-2026-H0JQNC", "--principals", "1500", "--on", "2026-11-21"
    )
    assert result.exit_code == 0, result.output
    diff = git(root, "show", "--format=", "-U0", "HEAD")
    removed = {line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")}
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert "  principals: 1500" in added and "  principals:" in removed
    assert not [line for line in added if line.endswith(": null") and line[: -len(" null")] in removed]


@pytest.mark.parametrize(
    ("state", "fragment"),
    [
        ("detached", "detached"),
        ("merge", "middle of a merge"),
        ("rebase", "middle of a rebase"),
        ("no-identity", "no identity"),
        ("not-git", "not inside a git work tree"),
    ],
)
def test_refuses_to_run_in_unsafe_repository_states(tmp_path, monkeypatch, state, fragment):
    root = make_register(tmp_path)
    repo = root.parent
    if state == "detached":
        git(repo, "checkout", "-q", "--detach")
    elif state == "merge":
        (repo / ".git" / "MERGE_HEAD").write_text(head(repo) + "\n")
    elif state == "rebase":
        (repo / ".git" / "rebase-merge").mkdir()
    elif state == "no-identity":
        for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
            monkeypatch.delenv(var)
        monkeypatch.setenv("EMAIL", "")
        git(repo, "config", "user.useConfigOnly", "true")
    elif state == "not-git":
        subprocess.run(["rm", "-rf", str(repo / ".git")], check=True)
    with pytest.raises(MetiPiError) as info:
        add_division(root)
    assert info.value.exit_code == 3
    assert fragment in str(info.value)
    assert not (root / "divisions" / "kanbo-jinji.yaml").exists()


def test_lock_timeout_names_the_holder(tmp_path):
    root = make_register(tmp_path)
    repo = gitlayer.repo_of(root)
    with transaction(root, command="edit", summary="x", today=TODAY) as tx:
        tx.edit("policy")["lock_timeout_seconds"] = 0
    with lock.held(repo.git_dir / "meti-pi.lock", command="notify F-1", timeout=1):
        with pytest.raises(MetiPiError, match=r"locked by `meti-pi notify F-1`"):
            add_division(root)


class Killed(BaseException):
    """Stands for SIGKILL in-process: not an Exception, so no handler of the write path runs."""


def kill_at(monkeypatch, phase: str) -> None:
    from meti_pi.gitlayer import fs

    def hook(at: str) -> None:
        if at == phase:
            raise Killed(phase)

    monkeypatch.setattr(fs, "crash_hook", hook)


DEPUTY_TEXT = "deputy_manager_posts:\n- 企画官\n"


def edit_interrupted(root: Path, monkeypatch, phase: str) -> Path:
    """An edit of divisions/kanbo-jinji killed at `phase`; the file it writes."""
    kill_at(monkeypatch, phase)
    with pytest.raises(Killed):
        with transaction(root, command="edit", summary="deputy", today=TODAY) as tx:
            tx.edit("divisions/kanbo-jinji")["deputy_manager_posts"] = ["企画官"]
    monkeypatch.setattr(gitlayer.fs, "crash_hook", None)
    return root / "divisions/kanbo-jinji.yaml"


@pytest.mark.parametrize("phase", ["file-written", "files-written"])
def test_a_change_killed_before_the_commit_point_is_undone(tmp_path, monkeypatch, phase):
    root = make_register(tmp_path)
    add_division(root)
    before = head(root)
    original = (root / "divisions/kanbo-jinji.yaml").read_bytes()
    path = edit_interrupted(root, monkeypatch, phase)
    assert "企画官" in path.read_text(encoding="utf-8")  # written, not committed
    assert head(root) == before
    note = gitlayer.recover_if_needed(root)
    assert note and "undid" in note
    assert path.read_bytes() == original
    assert git(root, "status", "--porcelain", "--untracked-files=all", "--ignored") == ""
    assert not (root.parent / ".git" / "meti-pi-journal.json").exists()


def test_a_new_record_killed_before_the_commit_point_leaves_nothing_staged(tmp_path, monkeypatch):
    root = make_register(tmp_path)
    kill_at(monkeypatch, "files-written")
    with pytest.raises(Killed):
        add_division(root)
    monkeypatch.setattr(gitlayer.fs, "crash_hook", None)
    assert (root / "divisions/kanbo-jinji.yaml").exists()
    assert "undid" in (gitlayer.recover_if_needed(root) or "")
    assert not (root / "divisions/kanbo-jinji.yaml").exists()
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    add_division(root)  # and the command runs again
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/divisions/kanbo-jinji.yaml"]


def test_recovery_never_overwrites_a_file_edited_after_the_crash(tmp_path, monkeypatch):
    """The interrupted change wrote the file; the person edited it afterwards: recovery refuses (exit 3),
    touching nothing, says how to resolve; once resolved, commands run again."""
    root = make_register(tmp_path)
    add_division(root)
    path = edit_interrupted(root, monkeypatch, "files-written")
    path.write_text(path.read_text(encoding="utf-8") + "# 手で直した\n", encoding="utf-8")
    edited = path.read_bytes()
    journal = root.parent / ".git" / "meti-pi-journal.json"
    with pytest.raises(MetiPiError) as info:
        gitlayer.recover_if_needed(root)
    assert info.value.exit_code == 3
    assert (
        "nothing was overwritten" in str(info.value)
        and "git restore" in str(info.value)
        and str(journal) in str(info.value)
    )
    with pytest.raises(MetiPiError, match="nothing was overwritten"):
        add_division(root, "kanbo-kaikei")
    assert path.read_bytes() == edited and journal.exists()
    # Resolved as the message says (keep the edit): the journal is deleted by hand.
    journal.unlink()
    add_division(root, "kanbo-kaikei")
    assert path.read_bytes() == edited


def test_recovery_refused_advises_git_commands_that_work_from_the_current_folder(tmp_path, monkeypatch):
    """Run from a sub-folder (`cd register/divisions`), the refusal to overwrite a file edited after
    a crash advised `git restore -- register/divisions/kanbo-jinji.yaml`, a path from the
    repository's top that git does not find there: the paths are written from the current folder."""
    root = make_register(tmp_path)
    add_division(root)
    path = edit_interrupted(root, monkeypatch, "files-written")
    path.write_text(path.read_text(encoding="utf-8") + "# 手で直した\n", encoding="utf-8")
    monkeypatch.chdir(root / "divisions")
    result = invoke(CliRunner(), root, "status")
    assert result.exit_code == 3, result.output
    said = " ".join(result.stderr.split())
    assert "kanbo-jinji.yaml changed since it was written" in said and "register/" not in said.split("delete")[0]
    assert "(`git diff -- kanbo-jinji.yaml`)" in said and "run `git restore -- kanbo-jinji.yaml` and then" in said
    subprocess.run(["git", "restore", "--", "kanbo-jinji.yaml"], cwd=root / "divisions", check=True)  # as advised
    assert "# 手で直した" not in path.read_text(encoding="utf-8")


def test_a_change_killed_after_the_commit_point_has_nothing_left_to_do(tmp_path, monkeypatch):
    root = make_register(tmp_path)
    add_division(root)
    before = head(root)
    path = edit_interrupted(root, monkeypatch, "committed")
    assert head(root) != before and "Meti-Pi-Change: " in git(root, "log", "-1", "--format=%B")
    written = path.read_bytes()
    note = gitlayer.recover_if_needed(root)
    assert note and "had been committed" in note
    assert path.read_bytes() == written
    assert git(root, "status", "--porcelain", "--untracked-files=all", "--ignored") == ""


def test_an_unreadable_journal_stops_every_command_and_says_so(tmp_path):
    root = make_register(tmp_path)
    journal = root.parent / ".git" / "meti-pi-journal.json"
    journal.write_text("{not json")
    with pytest.raises(MetiPiError, match="cannot be read"):
        add_division(root)
    assert journal.exists()


def test_register_in_a_subfolder_of_a_larger_repo(tmp_path):
    root = make_register(tmp_path, subdir="compliance/register")
    add_division(root)
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [
        "compliance/register/divisions/kanbo-jinji.yaml"
    ]
    hist = gitlayer.history(root, "divisions/kanbo-jinji.yaml")
    assert hist[0]["records"] == ["divisions/kanbo-jinji"] and hist[0]["command"] == "new"
    assert hist[0]["files"] == ["divisions/kanbo-jinji.yaml"]


def test_paths_outside_the_register_are_refused(tmp_path):
    root = make_register(tmp_path)
    with pytest.raises(MetiPiError):
        with transaction(root, command="x", summary="x", today=TODAY) as tx:
            tx.write_text("../outside.yaml", "a: 1\n")
    with pytest.raises(MetiPiError):
        with transaction(root, command="x", summary="x", today=TODAY) as tx:
            tx.create("divisions", dict(DIVISION), id="../../etc")


def test_validation_is_against_what_the_commit_will_hold_not_unsaved_work(tmp_path):
    """A record that exists only as the user's uncommitted file cannot be relied on by an audit commit."""
    root = make_register(tmp_path)
    (root / "divisions").mkdir(exist_ok=True)
    (root / "divisions" / "draft-div.yaml").write_text(
        "schema_version: 1\nid: draft-div\nname: 下書きの課\norg: 経済産業省\nmanager_post: 課長\n", encoding="utf-8"
    )
    before = head(root)
    with pytest.raises(RuleViolation) as info:
        with transaction(root, command="new", summary="system", today=TODAY) as tx:
            tx.create(
                "systems", {"name": "業務システム", "beppyo_row": 6, "business_division": "draft-div"}, id="SYS-1"
            )
    assert any(p.code == "dangling-ref" for p in info.value.problems)
    assert head(root) == before
    assert (root / "divisions" / "draft-div.yaml").exists()  # the user's file is untouched


def test_an_unsaved_broken_edit_elsewhere_neither_blocks_nor_enters_the_commit(tmp_path):
    root = make_register(tmp_path)
    policy = root / "policy.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("fiscal_year_start_month: 4", "fiscal_year_start_month: 13"),
        encoding="utf-8",
    )
    with transaction(root, command="new", summary="division", today=TODAY) as tx:
        seen = tx.register().policy["fiscal_year_start_month"]
        tx.create("divisions", dict(DIVISION), id="kanbo-jinji")
    assert seen == 4  # the command decided on the committed policy
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/divisions/kanbo-jinji.yaml"]
    assert "fiscal_year_start_month: 13" in policy.read_text(encoding="utf-8")


def test_an_edit_the_yaml_writer_garbles_is_written_afresh_with_a_warning(tmp_path, monkeypatch, capsys):
    """When ruamel's text does not read back as the edited data (a known emitter fault), the record
    is written afresh: every value exact, comments lost, and the commit and a note say so (the git
    layer prints nothing; the CLI writes its notes to stderr)."""
    from meti_pi.store import yamlio, yamlload

    root = make_register(
        tmp_path,
        {
            "divisions/kanbo-jinji.yaml": """
        # 人事課
        schema_version: 1
        id: kanbo-jinji
        name: 大臣官房人事課  # 正式名称
        org: 経済産業省
        manager_post: 人事課長
        """
        },
    )
    real = yamlio.dump_rt

    def garbled_when_commented(doc):  # the fault needs a comment; the fresh document has none
        text = real(doc)
        return text.replace("人事課長", "人事課長\nx: 1") if "#" in text else text

    monkeypatch.setattr(yamlio, "dump_rt", garbled_when_commented)
    with transaction(root, command="edit", summary="deputy", today=TODAY) as tx:
        tx.edit("divisions/kanbo-jinji")["deputy_manager_posts"] = ["企画官"]
    monkeypatch.setattr(yamlio, "dump_rt", real)
    text = (root / "divisions/kanbo-jinji.yaml").read_text(encoding="utf-8")
    assert yamlload.load(text) == {
        "schema_version": 1,
        "id": "kanbo-jinji",
        "name": "大臣官房人事課",
        "org": "経済産業省",
        "manager_post": "人事課長",
        "deputy_manager_posts": ["企画官"],
    }
    assert "# 正式名称" not in text
    assert "comments of divisions/kanbo-jinji.yaml could not be kept" in git(root, "log", "-1", "--format=%B")
    assert any("could not be kept" in note for note in transaction_notes) and capsys.readouterr().err == ""
    transaction_notes.clear()


def test_an_edit_that_cannot_be_written_exactly_is_refused(tmp_path, monkeypatch):
    from meti_pi.store import yamlio

    root = make_register(tmp_path)
    add_division(root)
    before = head(root)
    monkeypatch.setattr(yamlio, "dump_rt", lambda doc: "x: 1\n")
    with pytest.raises(MetiPiError, match="reads back unchanged"):
        with transaction(root, command="edit", summary="deputy", today=TODAY) as tx:
            tx.edit("divisions/kanbo-jinji")["manager_post"] = "課長"
    assert head(root) == before


def test_a_target_edited_while_the_command_runs_is_not_overwritten(tmp_path):
    """git lists the register once, under the lock; a target someone edits after that is found by its
    bytes (not HEAD's any more) and the command refuses, writing nothing."""
    root = make_register(tmp_path)
    add_division(root)
    before = head(root)
    path = root / "divisions/kanbo-jinji.yaml"
    with pytest.raises(MetiPiError, match="uncommitted edits"):
        with transaction(root, command="edit", summary="post", today=TODAY) as tx:
            tx.edit("divisions/kanbo-jinji")["manager_post"] = "課長"
            path.write_text(path.read_text(encoding="utf-8") + "# 編集中\n", encoding="utf-8")
    assert head(root) == before
    assert path.read_text(encoding="utf-8").endswith("# 編集中\n")


def _editor_saves(monkeypatch, path, phase: str) -> None:
    """An editor saves `path` (a line appended) when the write reaches `phase` (fs.crash_hook)."""
    from meti_pi.gitlayer import fs

    def save(at: str) -> None:
        if at == phase:
            path.write_text(path.read_text(encoding="utf-8") + "# 編集中\n", encoding="utf-8")

    monkeypatch.setattr(fs, "crash_hook", save)


@pytest.mark.parametrize("phase", ["validated", "journal", "tmp-written"])
def test_a_target_saved_while_its_new_text_is_being_written_is_not_overwritten(tmp_path, monkeypatch, phase):
    """An editor saves the record (someone's unsaved work) after the dirty check, while meti-pi notes
    the journal or writes its temporary file (each fsynced: milliseconds on a disk): meti-pi refuses
    (exit 3), the saved text kept, nothing committed. Before: exit 0, the saved text replaced by
    meti-pi's and gone (not in the work tree, not in HEAD, the kept old file removed)."""
    from meti_pi.gitlayer import fs

    root = make_register(tmp_path)
    add_division(root)
    before = head(root)
    path = root / "divisions/kanbo-jinji.yaml"

    _editor_saves(monkeypatch, path, phase)
    with pytest.raises(MetiPiError, match="edited while meti-pi was writing it") as info:
        with transaction(root, command="edit", summary="post", today=TODAY) as tx:
            tx.edit("divisions/kanbo-jinji")["manager_post"] = "課長"
    monkeypatch.setattr(fs, "crash_hook", None)
    assert info.value.exit_code == 3 and "not overwritten" in str(info.value)
    assert "nothing was committed" in str(info.value) or "nothing was written or committed" in str(info.value)
    assert head(root) == before
    saved = path.read_text(encoding="utf-8")
    assert saved.endswith("# 編集中\n") and "manager_post: 課長\n" not in saved
    assert not (root.parent / ".git" / "meti-pi-journal.json").exists()
    assert not list(root.rglob("*.meti-pi-tmp-*"))
    assert git(root, "status", "--porcelain").split() == ["M", "register/divisions/kanbo-jinji.yaml"]


def test_a_target_saved_after_it_was_written_and_taken_by_git_is_not_committed_as_validated(tmp_path, monkeypatch):
    """An editor saves the record after meti-pi wrote it and before `git commit --only` read it: git
    commits the saved text, which meti-pi never validated or screened, under meti-pi's trailers.
    meti-pi compares what git committed with what it validated and says so (exit 3: the change WAS
    committed, and with what). Before: exit 0 and a warning to check `git diff HEAD`, which showed
    nothing (the work tree was HEAD's)."""
    from meti_pi.gitlayer import fs

    root = make_register(tmp_path)
    add_division(root)
    before = head(root)
    path = root / "divisions/kanbo-jinji.yaml"

    _editor_saves(monkeypatch, path, "files-written")
    with pytest.raises(MetiPiError, match="WAS committed") as info:
        with transaction(root, command="edit", summary="post", today=TODAY) as tx:
            tx.edit("divisions/kanbo-jinji")["manager_post"] = "課長"
    monkeypatch.setattr(fs, "crash_hook", None)
    assert info.value.exit_code == 3 and "not the text meti-pi validated" in str(info.value)
    assert head(root) != before
    assert git(root, "show", "HEAD:register/divisions/kanbo-jinji.yaml").endswith("# 編集中\n")
    assert not (root.parent / ".git" / "meti-pi-journal.json").exists()


def test_a_file_someone_creates_at_a_new_records_path_meanwhile_is_not_overwritten(tmp_path):
    root = make_register(tmp_path)
    before = head(root)
    with pytest.raises(MetiPiError, match="uncommitted edits"):
        with transaction(root, command="new", summary="new division", today=TODAY) as tx:
            tx.create("divisions", dict(DIVISION), id="kanbo-jinji")
            (root / "divisions").mkdir(exist_ok=True)
            (root / "divisions/kanbo-jinji.yaml").write_text("# someone's draft\n", encoding="utf-8")
    assert head(root) == before
    assert (root / "divisions/kanbo-jinji.yaml").read_text(encoding="utf-8") == "# someone's draft\n"


@pytest.mark.parametrize("cache", ["on", "off"])
def test_staged_and_unstaged_work_elsewhere_is_judged_as_head_has_it(tmp_path, monkeypatch, cache):
    """Another record broken in the work tree (staged or not) does not block a valid change and is
    not folded in: the change is validated against HEAD's version of it, read from git (and the
    read cache when there is one), never from the work tree."""
    kw = {"settings": Settings(cache=False)} if cache == "off" else {}
    root = make_register(tmp_path)
    add_division(root, "a-div", **kw)
    add_division(root, "b-div", **kw)
    (root / "divisions/a-div.yaml").write_text("id: [broken\n", encoding="utf-8")
    (root / "divisions/b-div.yaml").write_text("id: b-div\n", encoding="utf-8")  # schema-invalid
    git(root.parent, "add", "register/divisions/b-div.yaml")
    tx = add_division(root, "c-div", **kw)
    assert git(root, "show", "--name-only", "--format=", tx.commit_sha).split() == ["register/divisions/c-div.yaml"]
    assert (root / "divisions/a-div.yaml").read_text(encoding="utf-8") == "id: [broken\n"
    assert "register/divisions/b-div.yaml" in git(root, "diff", "--cached", "--name-only")


def test_a_file_deleted_in_the_work_tree_still_counts_as_head_has_it(tmp_path):
    """A record removed by hand (not committed) is still there for the change's validation: a new
    record referring to it is accepted, and the deletion is left to the user."""
    root = make_register(tmp_path)
    add_division(root)
    (root / "divisions/kanbo-jinji.yaml").unlink()
    with transaction(root, command="new", summary="system", today=TODAY) as tx:
        sid = tx.create("systems", {"name": "人事給与システム", "beppyo_row": 1, "managing_division": "kanbo-jinji"})
    assert git(root, "show", "--name-only", "--format=", tx.commit_sha).split() == [f"register/systems/{sid}.yaml"]
    assert not (root / "divisions/kanbo-jinji.yaml").exists()


def test_the_register_at_a_commit_lists_what_the_work_tree_listing_would(tmp_path):
    """tree_of (the write path's listing, from git) keeps exactly the paths Register.load reads from
    disk: the root files, *.yaml/*.yml below folders not hidden; links and other files left out."""
    from meti_pi.store.register import is_register_file, tree_of

    extra = {
        "divisions/a.yaml": "x: 1\n",
        "divisions/b.yml": "x: 1\n",
        ".hidden/c.yaml": "x: 1\n",
        "files/.d.yaml": "x: 1\n",
        "notes/e.txt": "x\n",
        "deep/f/g.yaml": "x: 1\n",
        "stray.yaml": "x: 1\n",
        "x/.y/z.yaml": "x: 1\n",
    }
    root = make_register(tmp_path, extra)
    (root / "divisions" / "link.yaml").symlink_to("a.yaml")
    git(root.parent, "add", "-A")
    git(root.parent, "commit", "-q", "-m", "more")
    listed = set(tree_of(root, "HEAD"))
    committed = set(git(root, "ls-files").split())
    assert listed == {rel for rel in committed if is_register_file(rel)} - {"divisions/link.yaml"}
    assert {"divisions/a.yaml", "divisions/b.yml", "files/.d.yaml", "deep/f/g.yaml", "policy.yaml"} <= listed
    assert not {".hidden/c.yaml", "notes/e.txt", "stray.yaml", "x/.y/z.yaml"} & listed


def test_a_failure_after_gits_commit_point_says_the_change_was_committed(tmp_path, monkeypatch):
    """git committed, then reported a failure (e.g. writing the index on a full disk): the command
    says the change WAS committed, with its id, leaves the files as committed and no journal."""
    import sys

    from meti_pi.gitlayer.runner import GitFailed

    tx_mod = sys.modules["meti_pi.gitlayer.commit"]
    real = tx_mod._git_write

    def commits_then_fails(repo, args, **kw):
        real(repo, args, **kw)
        if args[0] == "commit":
            raise GitFailed("git commit failed: unable to write new index file", "")

    monkeypatch.setattr(tx_mod, "_git_write", commits_then_fails)
    root = make_register(tmp_path)
    before = head(root)
    with pytest.raises(MetiPiError) as info:
        add_division(root)
    sha = head(root)
    assert sha != before and f"WAS committed as {sha[:12]}" in str(info.value)
    assert (root / "divisions/kanbo-jinji.yaml").read_bytes() == git(
        root, "show", "HEAD:register/divisions/kanbo-jinji.yaml"
    ).encode()
    assert not (root.parent / ".git" / "meti-pi-journal.json").exists()


def test_hand_edits_are_compared_as_git_would_add_them(tmp_path):
    """HASHED_NOT_STATUS: `commit` keeps a file whose bytes differ from HEAD's only when its content,
    as git would add it (line endings under core.autocrlf), differs: a CRLF rewrite of an unchanged
    record is nothing to commit; a real edit, a removed and an added record are committed."""
    from meti_pi.actions.hand_commit import commit_paths

    root = make_register(tmp_path, example=True)
    git(root.parent, "config", "core.autocrlf", "true")
    divisions = sorted((root / "divisions").glob("*.yaml"))
    same, edited = divisions[0], divisions[1]
    removed = root / "divisions" / "kanbo-tokei-system.yaml"  # a 課等 no record names: its removal is valid
    same.write_bytes(same.read_bytes().replace(b"\n", b"\r\n"))  # the same content to git
    rel = lambda p: p.relative_to(root).as_posix()  # noqa: E731
    before = head(root)
    assert commit_paths(root, [rel(same)], command="commit", summary="s", today=TODAY) is None
    assert head(root) == before
    edited.write_text(edited.read_text(encoding="utf-8") + "# 手で編集\n", encoding="utf-8")
    removed.unlink()
    added = root / "divisions" / "zz-added.yaml"
    added.write_text(same.read_text(encoding="utf-8").replace(f"id: {same.stem}", "id: zz-added"), encoding="utf-8")
    sha = commit_paths(
        root, [rel(p) for p in (same, edited, removed, added)], command="commit", summary="s", today=TODAY
    )
    assert sha is not None and head(root) == sha
    prefix = root.relative_to(root.parent).as_posix() + "/"
    assert sorted(git(root.parent, "show", "--name-only", "--format=", sha).split()) == sorted(
        prefix + rel(p) for p in (edited, removed, added)
    )


@pytest.mark.parametrize("how", ["deleted", "renamed"])
def test_commit_refuses_a_removal_that_leaves_references_dangling(tmp_path, how):
    """A record deleted or renamed by hand leaves the records that name it dangling: those errors are
    the edit's, though they are in files it did not touch (commit took only the edited files' errors,
    exit 0, and history --verify then listed a commit at which the register did not validate)."""
    from meti_pi.actions.hand_commit import commit_paths

    root = make_register(tmp_path, example=True)
    old = root / "divisions" / "kanbo-jinji.yaml"
    paths = ["divisions/kanbo-jinji.yaml"]
    if how == "renamed":
        new = root / "divisions" / "kanbo-jinji2.yaml"
        new.write_text(
            old.read_text(encoding="utf-8").replace("id: kanbo-jinji\n", "id: kanbo-jinji2\n"), encoding="utf-8"
        )
        paths.append("divisions/kanbo-jinji2.yaml")
    old.unlink()
    before = head(root)
    with pytest.raises(RuleViolation) as refused:
        commit_paths(root, paths, command="commit", summary="s", today=TODAY)
    dangling = {p.path for p in refused.value.problems if p.code == "dangling-ref"}
    assert {"files/F-2026-CW74AB.yaml", "systems/SYS-2026-8106ZT.yaml"} <= dangling
    assert head(root) == before


def test_commit_is_not_blamed_for_errors_the_register_held_before(tmp_path):
    """An error committed earlier elsewhere (with git alone) does not stop a valid hand edit."""
    from meti_pi.actions.hand_commit import commit_paths

    root = make_register(tmp_path, example=True)
    bad = root / "files" / "F-2026-CW74AB.yaml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("division: kanbo-jinji", "division: no-such-ka"), encoding="utf-8"
    )
    git(root.parent, "commit", "-q", "-am", "a dangling reference, by hand")
    edited = root / "divisions" / "kanbo-koho.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# 手で編集\n", encoding="utf-8")
    sha = commit_paths(root, ["divisions/kanbo-koho.yaml"], command="commit", summary="s", today=TODAY)
    assert sha is not None and head(root) == sha


def test_an_error_held_before_whose_message_changes_is_not_the_edits(tmp_path):
    """An org-mismatch committed by hand quotes the 課等's org: editing that org changed its message,
    and the commit was refused as if the edit had made the error (an outside review). Errors are
    compared by place (path, code, key)."""
    from meti_pi.actions.hand_commit import commit_paths

    root = make_register(tmp_path, example=True)
    held = root / "files" / "F-2026-MQJTB8.yaml"
    held.write_text(held.read_text(encoding="utf-8").replace("org: 経済産業省", "org: 中小企業庁"), encoding="utf-8")
    git(root.parent, "commit", "-q", "-am", "an org-mismatch, by hand")
    edited = root / "divisions" / "kanto-seisaku-hyoka.yaml"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("org: 経済産業省", "org: 資源エネルギー庁"), encoding="utf-8"
    )
    sha = commit_paths(root, ["divisions/kanto-seisaku-hyoka.yaml"], command="commit", summary="s", today=TODAY)
    assert sha is not None and head(root) == sha


def test_a_new_problem_without_a_field_is_not_hidden_behind_an_old_one(tmp_path):
    """A ファイル簿 leak of a withheld text is reported without the field's key: matched by place
    alone, a new leak (in field 'sensitive', through the policy's label) hid behind the old one (in
    field 'division', which the same commit mends) and was committed (an outside review)."""
    from meti_pi.actions.hand_commit import commit_paths

    root = make_register(tmp_path, example=True)
    division = root / "divisions" / "boeki-kanri.yaml"
    original = division.read_text(encoding="utf-8")
    division.write_text(
        original.replace("name: 貿易経済協力局貿易管理課", "name: 審査上の着眼事項担当課"), encoding="utf-8"
    )
    git(root.parent, "commit", "-q", "-am", "a withheld text in a 課等's name, by hand")
    division.write_text(original, encoding="utf-8")
    policy = root / "policy.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "    sensitive_no: 含まない\n", "    sensitive_no: 含まない（審査上の着眼事項を除く）\n"
        ),
        encoding="utf-8",
    )
    before = head(root)
    with pytest.raises(RuleViolation) as refused:
        commit_paths(root, ["policy.yaml", "divisions/boeki-kanri.yaml"], command="commit", summary="s", today=TODAY)
    assert any(p.code == "filebook-withheld-leak" for p in refused.value.problems)
    assert head(root) == before


def test_problems_are_matched_by_message_then_by_a_fields_place():
    from meti_pi.actions.transaction import _not_held
    from meti_pi.errors import Problem

    def p(key: str, message: str, path: str = "files/F.yaml") -> Problem:
        return Problem(path, 3, "c", message, "error", key)

    assert _not_held([p("$.org", "org 資源エネルギー庁")], [p("$.org", "org 経済産業省")]) == []  # its data changed
    new = p("", "field 'sensitive'")
    assert _not_held([new], [p("", "field 'division'")]) == [new]  # no field: its message says which
    assert _not_held([p("$", "'b' is required")], [p("$", "'a' is required")]) == [p("$", "'b' is required")]
    twice = [p("$.org", "x"), p("$.org", "x")]
    assert _not_held(twice, [p("$.org", "x")]) == [p("$.org", "x")]  # counted
    assert _not_held([p("$.org", "x", "files/G.yaml")], [p("$.org", "x")]) == [p("$.org", "x", "files/G.yaml")]


def test_an_error_held_before_costs_no_whole_validation(tmp_path, monkeypatch):
    """A role named twice (a check over every role) stayed in every focused validation: each commit
    then validated the whole register twice (3 s at 20,000 records against 0.5 s). The focus is
    compared before and after instead; the whole register only for a root file."""
    from meti_pi.actions.hand_commit import commit_paths
    from meti_pi.checks import validate

    root = make_register(tmp_path, example=True)
    twin = root / "roles" / "audit-officer-2.yaml"
    twin.write_text(
        (root / "roles" / "audit-officer.yaml")
        .read_text(encoding="utf-8")
        .replace("id: audit-officer", "id: audit-officer-2"),
        encoding="utf-8",
    )
    git(root.parent, "add", "-A")
    git(root.parent, "commit", "-q", "-m", "a second audit officer, by hand")
    whole: list[int] = []
    full = validate.validate_register
    monkeypatch.setattr(validate, "validate_register", lambda *a, **k: whole.append(1) or full(*a, **k))
    edited = root / "divisions" / "kanbo-koho.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# 手で編集\n", encoding="utf-8")
    assert commit_paths(root, ["divisions/kanbo-koho.yaml"], command="commit", summary="s", today=TODAY)
    files = root / "files" / "F-2026-MQJTB8.yaml"
    files.write_text(
        files.read_text(encoding="utf-8").replace("division: kanto-seisaku-hyoka", "division: kanbo-koho"),
        encoding="utf-8",
    )
    assert commit_paths(root, ["files/F-2026-MQJTB8.yaml"], command="commit", summary="s", today=TODAY)
    assert whole == []
    # and the error held before still does not block; one the edit adds still does
    (root / "divisions" / "kanbo-koho.yaml").unlink()
    with pytest.raises(RuleViolation):
        commit_paths(root, ["divisions/kanbo-koho.yaml"], command="commit", summary="s", today=TODAY)


def test_a_new_record_is_committed_where_gitignore_matches_it_and_the_index_keeps_its_format(tmp_path):
    """A new file is announced with `git add --force --intent-to-add`: an ignore rule does not keep
    the record out, and no intent-to-add entry is left (git keeps its index at version 2)."""
    root = make_register(tmp_path)
    repo = root.parent
    (repo / ".gitignore").write_text("register/divisions/*.yaml\n")
    add_division(root)
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["register/divisions/kanbo-jinji.yaml"]
    assert git(repo, "status", "--porcelain").split() == ["??", ".gitignore"]
    assert (repo / ".git" / "index").read_bytes()[4:8] == (2).to_bytes(4, "big")


def test_a_new_record_whose_commit_git_refuses_leaves_nothing_staged(tmp_path, monkeypatch):
    """The new path is in git's index when `git commit` fails: the undo takes it out again."""
    from meti_pi.gitlayer import commit as commit_mod

    root = make_register(tmp_path)
    real = commit_mod._git_write

    def refuse_commit(repo, args, **kw):
        if args[0] == "commit":
            raise commit_mod.GitFailed("git commit failed: refused for the test")
        return real(repo, args, **kw)

    monkeypatch.setattr(commit_mod, "_git_write", refuse_commit)
    with pytest.raises(MetiPiError, match="nothing was committed"):
        add_division(root)
    assert not (root / "divisions/kanbo-jinji.yaml").exists()
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(root, "ls-files", "--", "divisions/kanbo-jinji.yaml") == ""


def test_a_write_waiting_for_the_lock_is_told_once(tmp_path, monkeypatch):
    """A command waiting up to lock_timeout_seconds (30 s by default) was silent all that time: the
    CLI's settings now carry a notice, told once, with the holder."""
    import dataclasses

    from meti_pi.settings import DEFAULT

    root = make_register(tmp_path)
    repo = gitlayer.repo_of(root)
    with transaction(root, command="edit", summary="x", today=TODAY) as tx:
        tx.edit("policy")["lock_timeout_seconds"] = 1
    monkeypatch.setattr(lock, "WAIT_NOTICE_AFTER", 0.2)
    told: list[tuple[str, float]] = []
    settings = dataclasses.replace(DEFAULT, lock_wait=lambda holder, timeout: told.append((holder, timeout)))
    with lock.held(repo.git_dir / "meti-pi.lock", command="notify F-1", timeout=1):
        with pytest.raises(MetiPiError, match=r"locked by `meti-pi notify F-1`"):
            with transaction(root, command="edit", summary="y", today=TODAY, settings=settings) as tx:
                tx.edit("policy")["lock_timeout_seconds"] = 2
    assert len(told) == 1 and "`meti-pi notify F-1`" in told[0][0] and told[0][1] == 1


def test_commit_checks_the_files_register_yaml_names_in_what_the_commit_holds(tmp_path):
    """register.yaml naming a file the work tree holds but the commit does not (untracked, or not
    named in the same commit) passed: check_named_files looked at the work tree, and a clone of the
    commit failed validation. It is refused at register.yaml's line, saying to commit the file too."""
    from meti_pi.actions.hand_commit import commit_paths

    root = make_register(tmp_path, example=True)
    register = root / "register.yaml"
    # a policy file that is no register record (meti-pi commit refuses it): committed with git first
    shutil.copy(root / "policy.yaml", root / "policy-2027.yaml")
    register.write_text(
        register.read_text(encoding="utf-8").replace("policy: policy.yaml", "policy: policy-2027.yaml"),
        encoding="utf-8",
    )
    before = head(root)
    with pytest.raises(RuleViolation) as refused:
        commit_paths(root, ["register.yaml"], command="commit", summary="s", today=TODAY)
    [problem] = [p for p in refused.value.problems if p.code == "named-file-missing"]
    assert problem.path == "register.yaml" and problem.line == 13
    assert "policy-2027.yaml" in problem.message and "git add policy-2027.yaml" in problem.message
    assert head(root) == before
    git(root.parent, "add", "register/policy-2027.yaml")
    git(root.parent, "commit", "-q", "-m", "the 2027 policy, by hand")
    assert commit_paths(root, ["register.yaml"], command="commit", summary="s", today=TODAY)
    # a register file the commit lacks (removed from git, kept in the work tree): named in the same commit
    git(root.parent, "rm", "-q", "--cached", "register/citations.yaml")
    git(root.parent, "commit", "-q", "-m", "citations untracked, by hand")
    register.write_text(register.read_text(encoding="utf-8") + "# 手で編集\n", encoding="utf-8")
    before = head(root)
    with pytest.raises(RuleViolation) as refused:
        commit_paths(root, ["register.yaml"], command="commit", summary="s", today=TODAY)
    [problem] = [p for p in refused.value.problems if p.code == "named-file-missing"]
    assert "citations.yaml" in problem.message and "meti-pi commit" in problem.message
    assert head(root) == before
    sha = commit_paths(root, ["register.yaml", "citations.yaml"], command="commit", summary="s", today=TODAY)
    assert sha is not None and "register/citations.yaml" in git(root.parent, "show", "--name-only", "--format=", sha)


def test_a_first_commit_is_validated_as_it_will_be_held(tmp_path):
    """With no commit yet, `commit` validated the work tree: register.yaml alone was committed while
    the policy and citations it names were only in the work tree, and a record whose 課等 was not
    committed passed. The commit's files alone are validated now (nothing else exists yet)."""
    from meti_pi.actions.hand_commit import commit_paths

    repo = tmp_path / "repo"
    root = repo / "register"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "register", root)
    git(repo, "init", "-q", "-b", "main")
    with pytest.raises(RuleViolation) as refused:
        commit_paths(root, ["register.yaml"], command="commit", summary="s", today=TODAY)
    missing = sorted(p.message.split(" ")[0] for p in refused.value.problems if p.code == "named-file-missing")
    assert missing == ["citations.yaml", "policy.yaml"]
    # each names both in its hint (one naming only its own file failed again on the other)
    hints = [p.message for p in refused.value.problems if p.code == "named-file-missing"]
    assert all("`meti-pi commit register.yaml policy.yaml citations.yaml`" in h for h in hints), hints
    assert git(repo, "rev-list", "--all") == ""
    singletons = ["register.yaml", "policy.yaml", "citations.yaml"]
    with pytest.raises(RuleViolation) as refused:
        commit_paths(root, [*singletons, "files/F-2026-CW74AB.yaml"], command="commit", summary="s", today=TODAY)
    assert {p.code for p in refused.value.problems} >= {"dangling-ref"}  # its 課等 is not in the commit
    assert git(repo, "rev-list", "--all") == ""
    sha = commit_paths(root, singletons, command="commit", summary="s", today=TODAY)
    assert sha is not None
    assert sorted(git(repo, "show", "--name-only", "--format=", sha).split()) == sorted(
        f"register/{s}" for s in singletons
    )


def test_a_change_with_no_commit_yet_is_validated_as_its_commit_will_hold_it(tmp_path):
    """The example register copied into a repository with no commit yet (the README's first step left
    out): `incident open` decided and validated its change against the work tree, whose register.yaml,
    policy and 課等 are in no commit, and committed the incident alone; the trail's first commit held a
    register that does not validate (its 課等 dangling, no register.yaml). Refused now, naming what the
    commit lacks, nothing committed; `init`, whose commit holds every file it needs, still commits."""
    repo = tmp_path / "repo"
    root = repo / "register"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "register", root)
    git(repo, "init", "-q", "-b", "main")
    incidents = sorted((root / "incidents").iterdir())
    result = invoke(
        CliRunner(),
        root,
        "incident",
        "open",
        "--known-on",
        "2026-11-20",
        "--summary",
        "書類の誤送付",
        "--division",
        "kanbo-jinji",
    )
    assert result.exit_code == 3, result.output
    assert "no commit yet" in result.output and "register.yaml" in result.output, result.output
    assert "Traceback" not in result.output
    assert git(repo, "rev-list", "--all") == ""
    assert sorted((root / "incidents").iterdir()) == incidents  # nothing written
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q", "-b", "main")
    result = invoke(CliRunner(), fresh / "register", "init", str(fresh / "register"))
    assert result.exit_code == 0, result.output
    assert git(fresh, "status", "--porcelain", "--untracked-files=all") == ""


def test_an_id_case_clash_held_before_is_not_the_edits_whichever_file_is_edited(tmp_path):
    """Two 課等 whose ids differ only by letter case, committed by hand: editing either file was
    refused, the clash blamed on the edited file though the register held it before. The clash is
    compared by its records (whichever of them it is reported at); a new clash is still refused."""
    from meti_pi.actions.hand_commit import commit_paths

    root = make_register(tmp_path, example=True)
    lower = root / "divisions" / "kanbo-koho.yaml"
    text = lower.read_text(encoding="utf-8")
    (root / "divisions" / "Kanbo-koho.yaml").write_text(text.replace("id: kanbo-koho", "id: Kanbo-koho"), "utf-8")
    git(root.parent, "add", "-A")
    git(root.parent, "commit", "-q", "-m", "a 課等 whose id differs only by case, by hand")
    for rid in ("Kanbo-koho", "kanbo-koho"):
        edited = root / "divisions" / f"{rid}.yaml"
        edited.write_text(edited.read_text(encoding="utf-8") + "# 手で編集\n", encoding="utf-8")
        sha = commit_paths(root, [f"divisions/{rid}.yaml"], command="commit", summary="s", today=TODAY)
        assert sha is not None and head(root) == sha, rid
    # with a root file in the same commit (the whole register validated)
    policy = root / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "# 手で編集\n", encoding="utf-8")
    edited = root / "divisions" / "kanbo-koho.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# もう一度\n", encoding="utf-8")
    assert commit_paths(root, ["policy.yaml", "divisions/kanbo-koho.yaml"], command="commit", summary="s", today=TODAY)
    # a third record of the same id, or a clash of another id, is the edit's
    for rid in ("KANBO-koho", "Kanbo-jinji"):
        other = rid.lower()
        new = root / "divisions" / f"{rid}.yaml"
        new.write_text(
            (root / "divisions" / f"{other}.yaml").read_text(encoding="utf-8").replace(f"id: {other}", f"id: {rid}"),
            encoding="utf-8",
        )
        before = head(root)
        with pytest.raises(RuleViolation) as refused:
            commit_paths(root, [f"divisions/{rid}.yaml"], command="commit", summary="s", today=TODAY)
        assert [p.path for p in refused.value.problems if p.code == "id-case"] == [f"divisions/{rid}.yaml"], rid
        assert head(root) == before
        new.unlink()


def test_an_id_case_clash_is_matched_by_its_records_not_the_file_it_is_reported_at():
    """check_ids reports a clash at the later of its two records in the order it checks them (the
    whole register's, or a focus's): the same pair reported at the other record is not a new error;
    another pair is, even of the same id folded (a record renamed within the clash)."""
    from meti_pi.actions.transaction import _not_held
    from meti_pi.errors import Problem

    def clash(rid: str, other: str) -> Problem:
        message = f"id differs only by letter case from divisions/{other}; ids must stay distinct on every file system"
        return Problem(f"divisions/{rid}.yaml", 3, "id-case", message, "error", "$.id")

    assert _not_held([clash("Kanbo-koho", "kanbo-koho")], [clash("kanbo-koho", "Kanbo-koho")]) == []
    twice = [clash("kanbo-koho", "Kanbo-koho")] * 2
    assert _not_held(twice, [clash("Kanbo-koho", "kanbo-koho")]) == twice[:1]  # counted
    for new in (clash("Kanbo-jinji", "kanbo-jinji"), clash("KANBO-koho", "kanbo-koho")):
        assert _not_held([new], [clash("Kanbo-koho", "kanbo-koho")]) == [new]
    # one of three removed: the clash left is reported at a record that reported one before
    three = [clash("Kanbo-koho", "KANBO-koho"), clash("kanbo-koho", "Kanbo-koho")]
    assert _not_held([clash("kanbo-koho", "KANBO-koho")], three) == []


@pytest.mark.parametrize("command", ["commit", "new"])
@pytest.mark.parametrize("where", ["register", "outside"])
def test_a_file_saved_after_the_commit_is_named_by_a_git_diff_that_works_from_the_current_folder(
    tmp_path, monkeypatch, where, command
):
    """An editor saves the record after git committed meti-pi's text: the warning advised `git diff
    HEAD -- register/divisions/kanbo-jinji.yaml`, a path from the repository's top, which git reads
    from the current folder: from the register's folder (REPO/register) it showed nothing, and from
    outside the repository git refused. Now the command is written from the folder the command ran
    in (`git -C TOP` from outside), and run there as printed it shows the saved line."""
    import shlex

    from meti_pi.gitlayer import fs

    root = make_register(tmp_path)
    add_division(root)
    path = root / "divisions" / ("kanbo-jinji.yaml" if command == "commit" else "kanbo-kaikei.yaml")
    if command == "commit":  # a hand edit, committed with `meti-pi commit` (actions.hand_commit)
        path.write_text(path.read_text(encoding="utf-8").replace("人事課長", "課長"), encoding="utf-8")
        args = ["commit", str(path), "--message", "post"]
    else:  # a command's change (actions.transaction)
        args = ["new", "divisions", "--id", "kanbo-kaikei", *(f"--set={k}={v}" for k, v in DIVISION.items())]
    here = root if where == "register" else tmp_path / "elsewhere"
    here.mkdir(exist_ok=True)
    monkeypatch.chdir(here)
    _editor_saves(monkeypatch, path, "committed")
    result = invoke(CliRunner(), root, *args)
    monkeypatch.setattr(fs, "crash_hook", None)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "changed in the work tree while meti-pi committed it" in said, said
    advised = said.split("check `", 1)[1].split("`", 1)[0]
    assert advised.startswith("git -C " if where == "outside" else "git diff"), advised
    shown = subprocess.run(shlex.split(advised), cwd=here, capture_output=True, text=True, check=True).stdout
    assert "+# 編集中" in shown
