"""Crash safety: a mutating command killed with SIGKILL anywhere leaves a register that validates.

Kill points are injected two ways:
- deterministically, with METI_PI_CRASH_AT=<phase> (tests/crashhook installs gitlayer.fs.crash_hook,
  which kills the process at that named point: with the lock, after validation, after the journal,
  with a temporary file written, after each file, after all files — all before git's commit point —
  right after `git commit`, at the end; and in recovery after each file put back);
- at random times, by SIGKILL from outside (biased towards the end of the run, where the write
  and the commit happen), for the process alone or for its whole process group (git children too).

After each kill: no partial record is visible (each target file is whole: either the old or the
new text, or before the commit point the whole new text the journal announces), the next command
recovers (the change found committed, or its files put back; stale register lock taken over), the register validates, work tree = index = HEAD, `git fsck --strict` is clean, no
accepted write is lost, and re-running the command succeeds.
Fast cases run in `make test`; `make stress` runs 100+ random kills and prints a summary table.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from _reliability import (
    SHARED,
    SHARED_TEXT,
    TODAY,
    commits_since,
    edit_cmd,
    env,
    files_of,
    git,
    head,
    invariant_violations,
    meti_cmd,
)
from conftest import git as git_ok
from conftest import make_register

pytestmark = pytest.mark.slow  # processes killed at each phase (issue 17: out of make test-fast)

PHASES = ("locked", "validated", "journal", "tmp-written", "file-written", "files-written", "committed", "done")
# The commit point is git's own (`git commit` moving the branch): the files are written before it.
BEFORE_COMMIT_POINT = {"locked", "validated", "journal", "tmp-written", "file-written", "files-written"}
MULTI = "multi"  # one change writing two files: a new record and an edit of another


@dataclass
class Outcome:
    """One run: how it ended and everything found wrong."""

    scenario: str
    killed: bool
    committed: bool
    problems: list[str] = field(default_factory=list)
    lost: bool = False
    rerun_seconds: float = 0.0

    @property
    def invalid(self) -> bool:
        return bool(self.problems)


MULTI_DRIVER = r"""
import sys
from datetime import date
from pathlib import Path
from meti_pi import gitlayer
from meti_pi.actions.transaction import transaction
from meti_pi.errors import MetiPiError
root, item = sys.argv[1:3]
try:
    with transaction(Path(root), command="test-multi", summary="two files", today=date(2026, 11, 26)) as tx:
        tx.create("systems", {"name": "システム " + item, "beppyo_row": 2})
        doc = tx.edit("divisions/shared")
        doc.setdefault("deputy_manager_posts", []).append(item)
except MetiPiError as exc:
    sys.stderr.write(f"meti-pi: {exc}\n")
    sys.exit(exc.exit_code)
"""


# Real commands on the example register: (argv after the global options, re-running makes a new commit).
REAL: dict[str, tuple[list[str], bool]] = {
    "incident open": (
        ["incident", "open", "--known-on", "2026-11-20", "--summary", "書類の誤送付{tag}", "--division", "kanbo-jinji"],
        True,
    ),
    "notify log": (
        ["notify", "log", "F-2026-88WMCK", "--kind", "use", "--summary", "集計に利用{tag}"],
        True,
    ),  # notified (Art. 38)
    "notify draft": (["notify", "F-2026-WS4AX4", "--kind", "35-1"], False),  # a notice and the 台帳 entry: two files
    "classify --record": (
        [
            "classify",
            str(Path(__file__).resolve().parent.parent / "examples" / "datasets" / "staff_utf8.csv"),
            "--record",
            "F-2026-113VYQ",
        ],
        False,
    ),
}


def crash_register(tmp_path: Path, *, example: bool = False) -> Path:
    root = make_register(tmp_path, {f"{SHARED}.yaml": SHARED_TEXT}, example=example)
    policy = root / "policy.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("lock_timeout_seconds: 30", "lock_timeout_seconds: 3"),
        encoding="utf-8",
    )
    git_ok(root, "commit", "-q", "-am", "short lock timeout")
    return root


def command(root: Path, scenario: str, tag: str) -> list[str]:
    import sys

    if scenario == "new":
        return meti_cmd(root, "new", "systems", "--set", f"name=システム{tag}", "--set", "beppyo_row=1")
    if scenario == "edit":
        return edit_cmd(root, SHARED, f"副課長{tag}")
    if scenario == MULTI:
        return [sys.executable, "-c", MULTI_DRIVER, str(root), f"副課長{tag}"]
    if scenario in REAL:
        return meti_cmd(root, *(a.replace("{tag}", tag) for a in REAL[scenario][0]))
    raise ValueError(scenario)


def targets(root: Path, base: str, new: str | None) -> list[str]:
    """Register files the change touches (from its commit, or the work tree when nothing was committed)."""
    if new and new != base:
        return [f.removeprefix("register/") for f in files_of(root, new)]
    changed = git(root, "diff", "--name-only", base).stdout.split()
    untracked = git(root, "ls-files", "--others", "--exclude-standard").stdout.split()
    return [f.removeprefix("register/") for f in changed + untracked]


def blob(root: Path, rev: str, rel: str) -> bytes | None:
    proc = subprocess.run(("git", "show", f"{rev}:register/{rel}"), cwd=root, capture_output=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


def digest(data: bytes | None) -> str | None:
    import hashlib

    return None if data is None else hashlib.sha256(data).hexdigest()


def check_whole_files(root: Path, base: str, new: str, out: Outcome) -> None:
    """Before any recovery: every changed register file is whole, holding the old text or the new."""
    from meti_pi.checks.validate import validate_register
    from meti_pi.store.register import Register

    journal = root.parent / ".git" / "meti-pi-journal.json"
    announced = {f["new"] for f in json.loads(journal.read_text())["files"].values()} if journal.exists() else set()
    for rel in targets(root, base, new):
        path = root / rel
        if path.name.startswith(".") and ".meti-pi-tmp-" in path.name:
            continue  # an unrenamed temporary file is not a record (Register.load ignores it); recovery removes it
        now = path.read_bytes() if path.exists() else None
        # Before the commit point the work tree may hold the whole new text the journal announces.
        if now not in (blob(root, base, rel), blob(root, new, rel)) and digest(now) not in announced:
            out.problems.append(f"partial file visible before recovery: {rel}")
    if out.scenario not in (
        MULTI,
        "notify draft",
    ):  # a two-file change may be half rolled forward until the next command runs
        errors = [p for p in validate_register(Register.load(root), date.fromisoformat(TODAY)) if p.severity == "error"]
        if errors:
            out.problems.append(f"register invalid before recovery: {errors[0].render()}")


def run_once(
    root: Path, scenario: str, tag: str, *, phase: str | None = None, delay: float | None = None, group: bool = False
) -> Outcome:
    """Run one command, kill it as asked, then check, recover with the next command, check again, re-run."""
    base = head(root)
    extra = {"METI_PI_CRASH_AT": phase} if phase else {}
    proc = subprocess.Popen(
        command(root, scenario, tag),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(**extra),
        start_new_session=group,
        cwd=root.parent.parent,
    )
    if delay is not None:
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
    _, stderr = proc.communicate(timeout=60)
    if group:  # let orphaned children of the group finish dying before we look
        time.sleep(0.05)
    new = head(root)
    killed = proc.returncode == -signal.SIGKILL
    out = Outcome(scenario, killed, committed=new != base)
    if proc.returncode not in (0, -signal.SIGKILL):
        out.problems.append(f"unexpected exit {proc.returncode}: {stderr.decode(errors='replace')[-300:]}")
    if phase and not killed:
        out.problems.append(f"crash point {phase} was not reached")
    if phase:
        should_commit = phase not in BEFORE_COMMIT_POINT
        if out.committed != should_commit:
            out.problems.append(f"killed at {phase}: committed={out.committed}, expected {should_commit}")
    if len(commits_since(root, base)) > 1:
        out.problems.append("more than one commit for one command")
    if proc.returncode == 0 and not out.committed:
        out.lost = True
    check_whole_files(root, base, new, out)

    # The next command (a read command here) recovers: finishes or discards the interrupted change.
    started = time.monotonic()
    nxt = subprocess.run(meti_cmd(root, "validate"), capture_output=True, text=True, env=env(), timeout=60)
    if nxt.returncode != 0:
        out.problems.append(f"validate after the kill exited {nxt.returncode}: {(nxt.stdout + nxt.stderr)[-300:]}")
    if time.monotonic() - started > 2.5:
        out.problems.append("the next command waited for the dead command's lock")
    out.problems += invariant_violations(root)
    if out.committed:
        for rel in targets(root, base, new):
            now = (root / rel).read_bytes() if (root / rel).exists() else None
            if now != blob(root, new, rel):
                out.lost = True
                out.problems.append(f"committed change not in the work tree after recovery: {rel}")
    # Re-running the command succeeds.
    started = time.monotonic()
    again = subprocess.run(
        command(root, scenario, tag + "r"),
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
        cwd=root.parent.parent,
    )
    if again.returncode != 0:
        out.problems.append(f"re-run exited {again.returncode}: {again.stderr[-300:]}")
    elif head(root) == new and REAL.get(scenario, ([], True))[1]:
        out.problems.append("re-run made no commit")
    elif head(root) == base:
        out.problems.append("neither the killed run nor the re-run committed the change")
    out.rerun_seconds = time.monotonic() - started
    return out


def summarize(outcomes: list[Outcome]) -> dict[str, int]:
    return {
        "runs": len(outcomes),
        "killed": sum(o.killed for o in outcomes),
        "committed": sum(o.committed for o in outcomes),
        "failures": sum(o.invalid or o.lost for o in outcomes),
        "lost_writes": sum(o.lost for o in outcomes),
        "invalid_states": sum(o.invalid for o in outcomes),
    }


def assert_all_good(outcomes: list[Outcome]) -> None:
    bad = [(o.scenario, o.problems) for o in outcomes if o.invalid or o.lost]
    assert bad == []


# -- fast cases (make test) ---------------------------------------------------------------


@pytest.mark.parametrize("phase", PHASES)
def test_kill_at_each_phase_of_new(tmp_path, phase):
    root = crash_register(tmp_path)
    out = run_once(root, "new", "P", phase=phase)
    assert out.problems == [] and not out.lost
    assert out.committed == (phase not in BEFORE_COMMIT_POINT)


def test_kill_between_two_files_and_again_during_recovery(tmp_path):
    """Killed after the first of two files (before the commit point); the next command is itself killed
    while putting the files back; the third finishes it."""
    root = crash_register(tmp_path)
    base = head(root)
    before = {rel: (root / rel).read_bytes() for rel in (f"{SHARED}.yaml",)}
    first = subprocess.run(command(root, MULTI, "M"), env=env(METI_PI_CRASH_AT="file-written"), capture_output=True)
    assert first.returncode == -signal.SIGKILL
    assert head(root) == base
    second = subprocess.run(meti_cmd(root, "validate"), env=env(METI_PI_CRASH_AT="file-restored"), capture_output=True)
    assert second.returncode in (-signal.SIGKILL, 0)
    third = subprocess.run(meti_cmd(root, "validate"), env=env(), capture_output=True, text=True)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "undid an interrupted change" in second.stderr.decode() + third.stderr
    assert invariant_violations(root) == []
    assert head(root) == base and all((root / rel).read_bytes() == data for rel, data in before.items())


def test_killed_while_git_commits_the_orphaned_git_keeps_the_lock(tmp_path):
    """SIGKILL while `git commit` runs: git, in its own session, finishes later. The next command waits
    for it (the lock is inherited by git children) and finds the change committed, not undone."""
    import shutil
    import stat

    root = crash_register(tmp_path)
    base = head(root)
    wrapper_dir = tmp_path / "bin"
    wrapper_dir.mkdir()
    mark = tmp_path / "in-commit"
    wrapper = wrapper_dir / "git"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" commit "*) : > "{mark}"; sleep 1.5;; esac\n'
        f'exec "{shutil.which("git")}" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    proc = subprocess.Popen(
        command(root, "new", "W"),
        env=env(PATH=f"{wrapper_dir}:{os.environ['PATH']}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not mark.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "git commit never started"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # meti-pi's whole group: git runs in a session of its own
    proc.communicate()
    assert head(root) == base  # the orphaned git commit is still sleeping
    nxt = subprocess.run(meti_cmd(root, "validate"), capture_output=True, text=True, env=env(), timeout=60)
    assert nxt.returncode == 0, nxt.stdout + nxt.stderr
    assert head(root) != base, "the orphaned git commit moved the branch"
    assert "had been committed" in nxt.stderr
    assert invariant_violations(root) == []


@pytest.mark.parametrize("lock", ["index.lock", "HEAD.lock", "refs/heads/main.lock"])
def test_a_stale_git_lock_stops_the_command_with_gits_advice_and_is_never_deleted(tmp_path, lock):
    """A lock git left (a git killed by someone, or running now): meti-pi retries briefly, then exits 3
    with git's own words, having committed, staged and changed nothing; the lock stays where it is."""
    root = crash_register(tmp_path)
    git_dir = root.parent / ".git"
    base = head(root)
    (git_dir / lock).write_text("")
    started = time.monotonic()
    proc = subprocess.run(command(root, "new", "K"), capture_output=True, text=True, env=env(), timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert time.monotonic() - started >= 1.5  # waited for a running git to finish first
    assert lock in proc.stderr and "Another git process seems to be running" in proc.stderr
    assert "nothing was committed" in proc.stderr and "Traceback" not in proc.stderr
    assert (git_dir / lock).exists() and head(root) == base
    (git_dir / lock).unlink()  # as git advises, by the person who knows no git is running
    assert invariant_violations(root) == []
    again = subprocess.run(command(root, "new", "K2"), capture_output=True, text=True, env=env(), timeout=60)
    assert again.returncode == 0, again.stderr
    assert head(root) != base and invariant_violations(root) == []


@pytest.mark.parametrize("phase", ["journal", "file-written"])
def test_kill_a_real_two_file_command(tmp_path, phase):
    """`notify draft` writes a notice and the 台帳 entry: killed before the commit point, or between its two files."""
    root = crash_register(tmp_path, example=True)
    out = run_once(root, "notify draft", "D", phase=phase)
    assert out.problems == [] and not out.lost
    assert not out.committed


def test_random_kills_fast(tmp_path):
    """Four random-time kills of `new` and of an edit (the stress test does 130 more)."""
    root = crash_register(tmp_path)
    rng = random.Random(7)
    outcomes = [run_once(root, ("new", "edit")[i % 2], f"F{i}", delay=rng.uniform(0.15, 0.6)) for i in range(4)]
    assert_all_good(outcomes)


def test_no_journal_and_no_lock_file_content_means_nothing_to_recover(tmp_path):
    """A lock file left by a killed holder (its details still inside) does not block or confuse the next command."""
    root = crash_register(tmp_path)
    lock_file = root.parent / ".git" / "meti-pi.lock"
    lock_file.write_text(json.dumps({"command": "new", "pid": 999999, "host": "x", "since": "2026-11-26T00:00:00"}))
    proc = subprocess.run(command(root, "new", "L"), capture_output=True, text=True, env=env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert invariant_violations(root) == []


# -- stress (make stress) ------------------------------------------------------------------


def typical_duration(root: Path, scenario: str) -> float:
    times = []
    for i in range(3):
        started = time.monotonic()
        subprocess.run(command(root, scenario, f"T{i}"), capture_output=True, env=env(), timeout=60, check=True)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def random_kills(root: Path, scenario: str, runs: int, seed: str, *, group: bool = False) -> list[Outcome]:
    """Kill at a random time: a third anywhere in the run, two thirds in its last half (the write and
    the commit). The run's length is re-measured from the uncrashed re-runs, as the machine's load varies."""
    rng = random.Random(seed)
    recent = [typical_duration(root, scenario)]
    outcomes = []
    for i in range(runs):
        typical = statistics.median(recent[-5:])
        delay = rng.uniform(0.05, typical * 1.05) if i % 3 == 0 else rng.uniform(typical * 0.5, typical * 1.1)
        out = run_once(root, scenario, f"R{i}", delay=delay, group=group)
        outcomes.append(out)
        if out.rerun_seconds:
            recent.append(out.rerun_seconds)
    return outcomes


def record(tmp_path_factory: pytest.TempPathFactory, name: str, outcomes: list[Outcome]) -> None:
    with open(tmp_path_factory.getbasetemp() / "stress-results.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"scenario": name, **summarize(outcomes)}) + "\n")


@pytest.mark.stress
@pytest.mark.parametrize("scenario", ["new", "edit", MULTI])
def test_stress_kill_at_each_phase(tmp_path, tmp_path_factory, scenario):
    root = crash_register(tmp_path)
    outcomes = [run_once(root, scenario, f"P{i}", phase=p) for i, p in enumerate(PHASES)]
    record(tmp_path_factory, f"phase kills ({scenario})", outcomes)
    assert_all_good(outcomes)


@pytest.mark.stress
@pytest.mark.parametrize("scenario", list(REAL))
def test_stress_kill_real_commands_at_each_phase(tmp_path, tmp_path_factory, scenario):
    root = crash_register(tmp_path, example=True)
    outcomes = []
    for i, p in enumerate(PHASES):
        start = head(root)
        outcomes.append(run_once(root, scenario, f"P{i}", phase=p))
        if not REAL[scenario][1]:
            # A command that does its work once: undo it (by new commits) so the next phase has work to do.
            git_ok(root, "revert", "--no-edit", f"{start}..HEAD")
    record(tmp_path_factory, f"phase kills ({scenario})", outcomes)
    assert_all_good(outcomes)


@pytest.mark.stress
@pytest.mark.parametrize("scenario,runs", [("new", 50), ("edit", 50)])
def test_stress_random_kills(tmp_path, tmp_path_factory, scenario, runs):
    root = crash_register(tmp_path)
    outcomes = random_kills(root, scenario, runs, f"{scenario}-{runs}")
    record(tmp_path_factory, f"random SIGKILL ({scenario})", outcomes)
    assert_all_good(outcomes)


@pytest.mark.stress
def test_stress_random_group_kills(tmp_path, tmp_path_factory):
    """SIGKILL to the whole process group (git children die too), as a power cut would."""
    root = crash_register(tmp_path)
    outcomes = random_kills(root, "new", 30, "group", group=True)
    record(tmp_path_factory, "random group SIGKILL (new)", outcomes)
    assert_all_good(outcomes)


@pytest.mark.stress
@pytest.mark.parametrize("phase", ["journal", "file-written", "files-written", "committed"])
def test_stress_every_mutating_command_killed(tmp_path, tmp_path_factory, phase):
    """Each mutating command of the CLI (on the example register, in a working order) killed at `phase`;
    recovered by the next command; re-run when the kill came before the commit point."""
    from _reliability import ANSWERS, MUTATING_ON_EXAMPLE

    root = crash_register(tmp_path, example=True)
    (tmp_path / "answers.yaml").write_text(ANSWERS, encoding="utf-8")
    outcomes = []
    for name, args in MUTATING_ON_EXAMPLE:
        argv = meti_cmd(root, *(a.replace("{tmp}", str(tmp_path)) for a in args))
        base = head(root)
        proc = subprocess.run(argv, capture_output=True, env=env(METI_PI_CRASH_AT=phase), cwd=tmp_path, timeout=120)
        out = Outcome(name, proc.returncode == -signal.SIGKILL, committed=head(root) != base)
        if not out.killed:
            out.problems.append(
                f"not killed at {phase}: exit {proc.returncode} {proc.stderr.decode(errors='replace')[-300:]}"
            )
        if out.committed != (phase not in BEFORE_COMMIT_POINT):
            out.problems.append(f"committed={out.committed} after a kill at {phase}")
        check_whole_files(root, base, head(root), out)
        nxt = subprocess.run(meti_cmd(root, "validate"), capture_output=True, text=True, env=env(), timeout=120)
        if nxt.returncode != 0:
            out.problems.append(f"validate after the kill: exit {nxt.returncode} {nxt.stdout[-300:]}")
        out.problems += invariant_violations(root)
        if not out.committed:
            again = subprocess.run(argv, capture_output=True, text=True, env=env(), cwd=tmp_path, timeout=120)
            if again.returncode != 0 or head(root) == base:
                out.problems.append(
                    f"re-run: exit {again.returncode}, committed={head(root) != base}: {again.stderr[-300:]}"
                )
        outcomes.append(out)
    record(tmp_path_factory, f"every command killed at {phase}", outcomes)
    assert_all_good(outcomes)


@pytest.mark.stress
def test_stress_zz_summary_table(tmp_path_factory):
    """Print the table of every stress run of this session (make stress runs pytest with -s)."""
    path = tmp_path_factory.getbasetemp() / "stress-results.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    assert rows, "no stress results recorded"
    cols = ["runs", "killed", "committed", "failures", "lost_writes", "invalid_states"]
    total = {c: sum(r[c] for r in rows) for c in cols}
    width = max(len(r["scenario"]) for r in rows) + 2
    lines = ["", "crash-safety stress summary", f"{'scenario':<{width}}" + "".join(f"{c:>15}" for c in cols)]
    for r in [*rows, {"scenario": "TOTAL", **total}]:
        lines.append(f"{r['scenario']:<{width}}" + "".join(f"{r[c]:>15}" for c in cols))
    print("\n".join(lines))
    assert total["lost_writes"] == 0 and total["invalid_states"] == 0 and total["failures"] == 0
