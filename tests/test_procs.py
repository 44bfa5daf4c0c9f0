"""meti_pi.procs: the one module that starts processes; where there is no fork, the same results in one process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from meti_pi import procs


def test_without_fork_everything_runs_here_with_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    tasks = [lambda i=i: (i * i, os.getpid()) for i in range(6)]
    monkeypatch.setattr(procs, "CAN_FORK", False)
    assert procs.run_shared(tasks, [1.0] * 6, 4) == [(i * i, parent) for i in range(6)]


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_with_fork_the_work_is_shared_and_the_results_are_in_order(tmp_path: Path) -> None:
    parent = os.getpid()

    def task(i: int) -> tuple[int, int]:
        # each task waits (20 s at most) until three processes have each taken one: the work is
        # shared among three, whichever takes which
        (tmp_path / str(os.getpid())).touch()
        deadline = time.monotonic() + 20
        while len(os.listdir(tmp_path)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        return i * i, os.getpid()

    tasks = [lambda i=i: task(i) for i in range(6)]
    out = procs.run_shared(tasks, [1.0] * 6, 3)
    assert [v for v, _ in out] == [i * i for i in range(6)]
    assert len({pid for _, pid in out}) == 3 and parent in {pid for _, pid in out}


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_the_exception_raised_is_the_first_a_serial_run_raises() -> None:
    """Two tasks fail: whichever process takes which, the one raised is the first in index order."""

    def fails(name: str) -> None:
        raise ValueError(name)

    def slow() -> int:
        time.sleep(0.3)
        return 1

    for _ in range(4):
        with pytest.raises(ValueError, match="task 0"):
            procs.run_shared([lambda: fails("task 0"), slow, lambda: fails("task 2")], [0.5, 1.0, 0.1], 2)


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_more_tasks_than_tokens_are_taken_in_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(procs, "_MAX_TOKENS", 3)
    tasks = [lambda i=i: i * i for i in range(10)]
    assert procs.run_shared(tasks, [float(i % 4) for i in range(10)], 2) == [i * i for i in range(10)]


def test_background_work_is_done_by_exit_or_inline_without_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = tmp_path / "done"
    parent = os.getpid()
    procs.background(lambda: done.write_text("forked" if os.getpid() != parent else "here"))
    procs._reap()  # what happens at exit
    deadline = time.monotonic() + 10
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert done.read_text() == ("forked" if procs.CAN_FORK else "here")
    monkeypatch.setattr(procs, "CAN_FORK", False)
    inline = tmp_path / "inline"
    procs.background(lambda: inline.write_text(str(os.getpid())))
    assert inline.read_text() == str(os.getpid())


def test_only_procs_starts_processes() -> None:
    """POSIX process calls sit behind meti_pi/procs.py (issue 12), so a port touches one module."""
    package = Path(procs.__file__).resolve().parent
    calls = ("os.fork(", "os.waitpid(", "os.sched_getaffinity(", "os.wait(")
    found = [
        f"{p.relative_to(package)}: {c}"
        for p in package.rglob("*.py")
        if p.name != "procs.py"
        for c in calls
        if c in p.read_text(encoding="utf-8")
    ]
    assert found == []


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_beside_runs_the_check_in_a_child_and_answers_by_its_exit(tmp_path: Path) -> None:
    """passed() is True only when the check returned in the child; a raise (any kind) is False."""
    where = tmp_path / "pid"
    child = procs.beside(lambda: where.write_text(str(os.getpid())))
    assert child is not None and child.passed() and child.passed()  # asked twice: one answer
    assert where.read_text() != str(os.getpid())
    for failure in (ValueError("refused"), KeyboardInterrupt(), SystemExit(0)):

        def fail(failure: BaseException = failure) -> None:
            raise failure

        child = procs.beside(fail)
        assert child is not None and not child.passed()
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # reaped: no zombie


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_beside_stop_ends_a_running_child_and_reaps_it() -> None:
    child = procs.beside(lambda: time.sleep(60))
    assert child is not None
    started = time.monotonic()
    child.stop()
    assert time.monotonic() - started < 30 and not child.passed()  # killed, not waited for
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)
    child.stop()  # again: nothing left to end


def test_beside_is_none_without_fork_or_beside_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller runs the check itself where a fork is unavailable, or unwise: a child forked while
    another thread runs could wait forever on a lock that thread held."""
    import threading

    ran: list[int] = []
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert procs.beside(lambda: ran.append(1)) is None
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(procs, "CAN_FORK", False)
    assert procs.beside(lambda: ran.append(1)) is None
    assert ran == []


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_the_exit_handler_ends_every_child_beside_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """_stop_beside (at exit) ends the children nobody asked about, and returns even for a child
    already reaped but still listed (a Ctrl-C between its wait and its removal)."""
    monkeypatch.setattr(procs, "_BESIDE", [])
    running = procs.beside(lambda: time.sleep(60))
    reaped = procs.beside(lambda: None)
    assert running is not None and reaped is not None and reaped.passed()
    procs._BESIDE.append(reaped)  # as if interrupted after its wait
    procs._stop_beside()
    assert procs._BESIDE == [] and not running.passed()
    with pytest.raises(ChildProcessError):
        os.waitpid(running.pid, os.WNOHANG)


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_beside_marks_each_check_that_returned_in_order(tmp_path: Path) -> None:
    """Several checks run in order in one child: reached(n) answers as soon as the n-th returned
    (while the next still runs), False once one raised; the checks after a failure never run."""
    release = tmp_path / "release"

    def wait_for_release() -> None:
        while not release.exists():
            time.sleep(0.01)

    child = procs.beside(lambda: None, wait_for_release)
    assert child is not None and child.reached(1)  # the second check is still waiting
    release.write_text("go")
    assert child.reached(2) and child.passed() and child.reached(2)

    def fail() -> None:
        raise ValueError("refused")

    ran = tmp_path / "ran"
    child = procs.beside(fail, lambda: ran.write_text("x"))
    assert child is not None and not child.reached(1) and not child.passed()
    assert not ran.exists()
    child = procs.beside(lambda: None, fail)
    assert child is not None and child.reached(1) and not child.reached(2) and not child.passed()


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_a_process_busy_with_a_long_task_leaves_the_rest_to_the_others(tmp_path: Path) -> None:
    """Tasks are taken one at a time by whichever process is free, not dealt out beforehand: the
    first (largest) task waits until every other task has run. Dealt out in fixed shares, some of
    them would wait behind it in its own process, and it would time out."""
    marks = tmp_path / "marks"
    marks.touch()

    def long() -> str:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if len(marks.read_text()) == 7:
                return "the others ran meanwhile"
            time.sleep(0.01)
        return "timed out"

    def short(i: int) -> int:
        with open(marks, "a") as fh:
            fh.write("+")
        return i

    tasks = [long, *(lambda i=i: short(i) for i in range(1, 8))]
    assert procs.run_shared(tasks, [5.0] + [1.0] * 7, 2) == ["the others ran meanwhile", *range(1, 8)]


@pytest.mark.skipif(not procs.CAN_FORK, reason="no fork on this platform")
def test_without_a_process_pool_the_tasks_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the pool cannot be made (its locks need /dev/shm, which some containers lack: the
    standard library raises FileNotFoundError), the work is done in this process, not refused."""
    import concurrent.futures

    def refuse(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "__init__", refuse)
    parent = os.getpid()
    out = procs.run_shared([lambda i=i: (i * i, os.getpid()) for i in range(5)], [1.0] * 5, 2)
    assert out == [(i * i, parent) for i in range(5)]
