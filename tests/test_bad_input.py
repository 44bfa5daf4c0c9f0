"""The bad-input corpus (tests/corpus/manifest.yaml): each malformed input gets its exit code and message,
and nothing is ever written (HEAD, index, work tree and object store unchanged, no journal left)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, REPO, git, invoke, make_register

from meti_pi.store import yamlload

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST: dict[str, Any] = yamlload.load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["cases"]
MUTATING: list[str] = MANIFEST["defaults"]["mutating_run"]
EXAMPLE_DATASETS = REPO / "examples" / "datasets"


def test_the_corpus_is_big_enough_and_well_formed():
    files = {c["file"] for c in CASES if "file" in c}
    assert len(CASES) >= 50 and len(files) >= 50
    assert len({c["case"] for c in CASES}) == len(CASES), "case names are unique"
    for c in CASES:
        assert c["setup"] in ("record", "symlink", "input", "missing", "state", "none"), c
        assert set(c) <= {
            "case",
            "file",
            "setup",
            "at",
            "target",
            "run",
            "exit",
            "message",
            "commit_exit",
            "commit_message",
            "state",
            "file_name",
            "known_failure",
        }, c
        assert c["exit"] in (1, 2, 3) and c["message"], c
        if "file" in c:
            assert (CORPUS / c["file"]).is_file(), c["file"]
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file() and p.name != "manifest.yaml"}
    assert on_disk == files, "every corpus file is used by a case"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One committed register, copied (with its .git) for each case: faster than a new repository each time."""
    base = tmp_path_factory.mktemp("template")
    env = {
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@x.invalid",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@x.invalid",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        make_register(base)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return base / "repo"


def fresh(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template, tmp_path / "repo", symlinks=True)
    return tmp_path / "repo" / "register"


def snapshot(repo: Path) -> dict[str, Any]:
    """Everything a command could have written: HEAD, index, work tree (bytes), loose objects, journal."""
    tree: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(repo).as_posix()
            if path.is_symlink():
                tree[rel] = "link:" + os.readlink(path)
            else:  # a FIFO planted by a hostile-file case is never read (it would block)
                tree[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "special"
    git_dir = repo / ".git"
    return {
        "head": subprocess.run(
            ("git", "rev-parse", "-q", "--verify", "HEAD"), cwd=repo, capture_output=True, text=True
        ).stdout,
        "index": hashlib.sha256((git_dir / "index").read_bytes()).hexdigest() if (git_dir / "index").exists() else None,
        "staged": subprocess.run(("git", "ls-files", "-s"), cwd=repo, capture_output=True, text=True).stdout,
        "refs": subprocess.run(("git", "for-each-ref"), cwd=repo, capture_output=True, text=True).stdout,
        "objects": subprocess.run(("git", "count-objects"), cwd=repo, capture_output=True, text=True).stdout,
        "tree": tree,
        "journal": (git_dir / "meti-pi-journal.json").exists(),
    }


def place(root: Path, rel: str, case: dict[str, Any]) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if case["setup"] == "symlink":
        (root.parent.parent / "outside.yaml").write_text("schema_version: 1\nid: outside\n", encoding="utf-8")
        os.symlink(case["target"], path)
    else:
        shutil.copyfile(CORPUS / case["file"], path)


def commit_by_hand(repo: Path, message: str = "by hand") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def prepare_state(state: str, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the repository in `state`; returns the register to pass to --register."""
    repo = root.parent
    if state == "no-git":
        shutil.rmtree(repo / ".git")
    elif state == "detached":
        git(repo, "checkout", "-q", "--detach", "HEAD")
    elif state in ("merge", "rebase", "cherry-pick"):
        # Two branches that change the same line: the operation stops half-way on the conflict.
        git(repo, "switch", "-q", "-c", "other")
        (repo / "note.txt").write_text("other\n")
        commit_by_hand(repo, "other")
        git(repo, "switch", "-q", "main")
        (repo / "note.txt").write_text("main\n")
        commit_by_hand(repo, "main")
        operation = {"merge": ("merge", "-q"), "rebase": ("rebase",), "cherry-pick": ("cherry-pick",)}[state]
        assert subprocess.run(("git", *operation, "other"), cwd=repo, capture_output=True).returncode != 0
    elif state == "no-identity":
        for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
            monkeypatch.delenv(key, raising=False)
    elif state == "index-lock":
        (repo / ".git" / "index.lock").write_text("")
    elif state == "no-register":
        (root / "register.yaml").unlink()
        commit_by_hand(repo)
    elif state == "dirty-record":
        shutil.rmtree(root)
        shutil.copytree(EXAMPLE, root)
        commit_by_hand(repo, "example register")
        target = root / "files" / "F-2026-113VYQ.yaml"
        target.write_text(target.read_text(encoding="utf-8") + "# an officer's unsaved edit\n", encoding="utf-8")
    elif state in ("impossible-date-record", "sjis-record", "alias-record"):
        shutil.rmtree(root)
        shutil.copytree(EXAMPLE, root)
        target = root / "files" / "F-2026-113VYQ.yaml"
        text = target.read_text(encoding="utf-8")
        if state == "impossible-date-record":
            text = re.sub(r"(?m)^  start: '[0-9-]+'$", "  start: 2025-02-30", text)
            assert "2025-02-30" in text
            target.write_text(text, encoding="utf-8")
        elif state == "sjis-record":
            target.write_bytes(text.encode("cp932"))
        else:
            target.write_text(text.replace("name: ", "name: &n ", 1) + "notes2: *n\n", encoding="utf-8")
        commit_by_hand(repo, "broken by hand")
    elif state == "untracked-target":
        (root / "divisions" / "case-div.yaml").parent.mkdir(exist_ok=True)
        (root / "divisions" / "case-div.yaml").write_text("draft: true\n", encoding="utf-8")
    else:
        raise ValueError(state)
    return root


def expand(args: Any, values: dict[str, str]) -> list[str]:
    if args == "{mutating}":
        args = MUTATING
    return [re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], a) for a in args]


def run(runner: Any, root: Path, args: list[str]) -> tuple[int, str]:
    result = invoke(runner, root, *args)
    # The CLI funnel turns unexpected exceptions into exit 3 with frames only; in-process they surface here.
    assert result.exception is None or isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}"
    return result.exit_code, result.output


def assert_nothing_written(before: dict[str, Any], repo: Path, *, index_refreshed: bool = False) -> None:
    """`index_refreshed`: a command that succeeded has git refresh the stat data of its index (issue
    18), so the index file may differ while what it stages may not."""
    after = snapshot(repo)
    for key in ("head", "staged" if index_refreshed else "index", "refs", "objects", "journal"):
        assert after[key] == before[key], f"{key} changed"
    added = sorted(set(after["tree"]) - set(before["tree"]))
    changed = sorted(k for k in before["tree"] if after["tree"].get(k) != before["tree"][k])
    assert added == [] and changed == [], (added, changed)


def _params(cases: list[dict[str, Any]]) -> list[Any]:
    """Cases that meti-pi does not yet pass are strict xfails: they say why, and flip to a failure once fixed."""
    return [
        pytest.param(
            c,
            id=c["case"],
            marks=[pytest.mark.xfail(reason=c["known_failure"], strict=True)] if "known_failure" in c else [],
        )
        for c in cases
    ]


@pytest.mark.parametrize("case", _params(CASES))
def test_bad_input(case, template, tmp_path, runner, monkeypatch):
    root = fresh(template, tmp_path)
    repo = root.parent
    values = {"register": str(root), "example_datasets": str(EXAMPLE_DATASETS)}
    setup = case["setup"]
    if setup in ("record", "symlink"):
        place(root, case["at"], case)
        commit_by_hand(repo)
        values["at"] = str(root / case["at"])
    elif setup == "input":
        inputs = tmp_path / "inputs"
        inputs.mkdir()
        values["input"] = str(shutil.copy(CORPUS / case["file"], inputs / Path(case["file"]).name))
    elif setup == "missing":
        values["input"] = str(tmp_path / case.get("file_name", "no-such-input.yaml"))
    elif setup == "state":
        root = prepare_state(case["state"], root, tmp_path, monkeypatch)
    before = snapshot(repo)
    args = expand(case.get("run", MANIFEST["defaults"]["record_run"]), values)
    code, output = run(runner, root, args)
    assert code == case["exit"], output[-600:]
    assert case["message"] in output, output[-600:]
    assert "Traceback" not in output and "unexpected error" not in output
    assert len(output) < 20_000, "messages stay short (no file content echoed)"
    assert_nothing_written(before, repo)


RECORD_CASES = [c for c in CASES if c["setup"] in ("record", "symlink") and "run" not in c]


@pytest.mark.parametrize("case", RECORD_CASES, ids=[c["case"] for c in RECORD_CASES])
def test_bad_record_is_not_committed(case, template, tmp_path, runner):
    """The same file left uncommitted and given to `meti-pi commit`: refused, nothing committed."""
    root = fresh(template, tmp_path)
    repo = root.parent
    place(root, case["at"], case)
    before = snapshot(repo)
    code, output = run(runner, root, ["commit", str(root / case["at"])])
    assert code == case.get("commit_exit", 1), output[-600:]
    assert case.get("commit_message", case["message"]) in output, output[-600:]
    assert "nothing was committed" in output or code != 1
    assert "Traceback" not in output and "unexpected error" not in output
    assert_nothing_written(before, repo)


def test_a_mutating_command_still_works_beside_a_bad_record(template, tmp_path, runner):
    """Existing faults elsewhere do not block a valid change (they are not made worse)."""
    root = fresh(template, tmp_path)
    (root / "divisions").mkdir(exist_ok=True)
    shutil.copyfile(CORPUS / "tags/python-object.yaml", root / "divisions" / "bad.yaml")
    commit_by_hand(root.parent)
    code, output = run(runner, root, MUTATING)
    assert code == 0, output
    assert not Path("/tmp/meti-pi-pwned").exists()
