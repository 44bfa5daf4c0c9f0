"""Sharing work among processes: the one module that starts processes (issue 12: POSIX calls
behind one small portable module).

- `run_shared(tasks, weights, workers)`: `[task() for task in tasks]`, shared among the workers
  of a standard ProcessPoolExecutor (fork context) where `os.fork` exists (Linux, macOS, BSD);
  sequential elsewhere (Windows), with the same results and the same exceptions.
- `background(work)`: run `work` in a child process this one waits for only at exit; runs it
  inline where there is no fork (one fire-and-forget child: not a pool's job).
- `beside(check)`: run `check` in a forked child while this process goes on, and ask later
  whether it passed (one check beside work that holds the GIL: an .xlsx sheet measured while
  python-calamine opens the workbook); None where a fork is unavailable or unwise.

Why the fork context: the tasks are closures over a register already loaded in memory (10,000
records). A forked worker shares it for free; the tasks are parked in `_PARKED` before the
workers fork, and only share indexes are sent. A spawn start would make every worker load the
register again, which costs more than the work it shares. Measured against the home-made fork
pool this replaced (issue 17; the 10,000-record bench register, METI_PI_NO_CACHE=1, interleaved
runs, CPU medians, load average 5-10): cold `validate` 3.51 s vs 3.45 s (+1.7 %) and in a second
series 3.57 s vs 3.63 s (-1.7 %); `inspect --year --json` 3.74 s vs 3.62 s (+3.3 %). Wall times
were within the noise of the shared machine.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

# The one switch: a platform without fork runs everything in this process.
CAN_FORK = hasattr(os, "fork")

# Background writers started by background(): waited for before this process exits.
_CHILDREN: list[int] = []


def _reap() -> None:
    while _CHILDREN:
        pid = _CHILDREN.pop()
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


atexit.register(_reap)


def cpus() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def background(work: Callable[[], Any]) -> None:
    """Run `work` in a child process, waited for when this process exits (inline without fork).

    The child's failure is silent: use it only for work whose loss costs speed, never data
    (the read cache: files are written whole or not at all)."""
    if not CAN_FORK:
        work()
        return
    _reap()
    _CHILDREN.append(_fork(work))


def _fork(work: Callable[[], object]) -> int:
    """The pid of a forked child that runs `work` and ends with os._exit: status 0 when `work`
    returned, 1 when it raised anything (no exit handler, no flush of the parent's buffers)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    return pid


def run_shared(tasks: Sequence[Callable[[], Any]], weights: Sequence[float], workers: int) -> list[Any]:
    """`[task() for task in tasks]`, shared among `workers` processes (sequential without fork).

    Each process takes the next task not yet taken, largest weight first, until none is left
    (this process too, meanwhile): a process that drew cheap tasks takes more, so the shares even
    out without knowing the costs (a cold `validate` has no weights: every check weighs 1, and
    fixed shares left one process 0.8 s behind the other at 100,000 records). The others are the
    workers of a ProcessPoolExecutor whose workers are forked, so they inherit the tasks
    (`_PARKED`), the register they close over and the tasks to take: a pipe holding one token per
    task, read by whichever process is free (no lock: a process killed while taking one cannot
    stop the others). Results must be picklable plain data. A task that raised, or that a worker
    took and did not send back (a crash, a kill), is run again here in index order, so the
    exception raised is the one a serial run raises first.
    """
    global _PARKED
    workers = min(workers, len(tasks))
    if workers < 2 or not CAN_FORK:
        return [task() for task in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -weights[i])
    # Imported here, not at the top: a write (the focused checks) never shares work, and the pool's
    # modules (multiprocessing, concurrent.futures, pickle, logging) cost it ~8 ms at every start.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    results: dict[int, Any] = {}
    tokens, per = _tokens(len(order))
    _PARKED = (tasks, order, tokens, per)
    try:
        # The fork context starts every worker at the first submit, before the executor's own thread.
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [_submitted(pool) for _ in range(workers - 1)]
            results.update(_run_parked())
            for future in futures:
                try:
                    if future is None:
                        raise RuntimeError("not submitted")
                    results.update(future.result())
                except Exception:  # noqa: BLE001 - that worker failed (BrokenProcessPool): its tasks run below
                    pass
    except OSError:  # no pool here (its locks need /dev/shm, absent in some containers): the tasks run below
        pass
    finally:
        _PARKED = ()
        os.close(tokens)
    return [results[i] if i in results else tasks[i]() for i in range(len(tasks))]


# The run_shared call in progress: its tasks, their order and the read end of the pipe of tasks
# not yet taken. A forked worker finds them here (a closure over a loaded register cannot be
# pickled, and need not be: the worker is a copy of this process).
_PARKED: Any = ()

_TOKEN = 4  # bytes a token: the first position, in the order of the tasks, of the ones it stands for
_MAX_TOKENS = 4096  # 16 KiB: what any pipe holds before a reader drains it (macOS's smallest)


def _tokens(count: int) -> tuple[int, int]:
    """(the read end of a pipe of tokens, the positions each stands for): one token per task, or per
    run of tasks when there are more than _MAX_TOKENS. The pipe is non-blocking: a read of one
    token is atomic (under PIPE_BUF), and an empty pipe says so at once."""
    per = -(-count // _MAX_TOKENS)
    data = b"".join(k.to_bytes(_TOKEN, "little") for k in range(0, count, per))
    read, write = os.pipe()
    try:
        os.write(write, data)
    finally:
        os.close(write)
    os.set_blocking(read, False)
    return read, per


def _submitted(pool: Any) -> Any:
    """The future of a worker's part in `pool`; None when the pool is broken already (a worker died
    before this part was handed out: submit raises BrokenProcessPool), and its tasks run here."""
    try:
        return pool.submit(_run_parked)
    except Exception:  # noqa: BLE001 - BrokenProcessPool (or a pool shutting down): run here
        return None


def _run_parked() -> dict[int, Any]:
    """Take the next tasks not yet taken and run them, until none is left: {task index: result}. A
    task that raises is left out (run_shared runs it again, in index order, and raises it there)."""
    tasks, order, tokens, per = _PARKED
    done: dict[int, Any] = {}
    while True:
        try:
            token = os.read(tokens, _TOKEN)
        except BlockingIOError:
            return done
        if len(token) < _TOKEN:
            return done
        first = int.from_bytes(token, "little")
        for i in order[first : first + per]:
            try:
                done[i] = tasks[i]()
            except Exception:  # noqa: BLE001 - raised again where run_shared runs it in index order
                continue


class Beside:
    """Checks running in order in a forked child (beside()). Its answers: one byte on a pipe after
    each check that returned (reached), and its exit status (passed)."""

    def __init__(self, pid: int, marks: int) -> None:
        self.pid = pid
        self._marks = marks  # the read end of the child's pipe
        self._reached = 0
        self._code: int | None = None
        _BESIDE.append(self)

    def reached(self, n: int) -> bool:
        """Wait until the first `n` checks have returned in the child: False as soon as one raised
        (the child ended without its mark), True once the n-th mark is read."""
        while self._reached < n and self._code is None:
            got = os.read(self._marks, 64)
            if not got:  # the child ended
                break
            self._reached += len(got)
        return self._reached >= n

    def passed(self) -> bool:
        """Wait for the child: True only when every check returned (no exception, crash or kill)."""
        if self._code is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self._code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:  # reaped elsewhere: its answer is lost, so it did not pass
                self._code = -1
            os.close(self._marks)
        if self in _BESIDE:
            _BESIDE.remove(self)
        return self._code == 0

    def stop(self) -> None:
        """End the child if it still runs, and reap it (no zombie on any path)."""
        if self._code is None:
            try:
                os.kill(self.pid, getattr(signal, "SIGKILL", signal.SIGTERM))  # (only forked children get here)
            except ProcessLookupError:
                pass
        self.passed()


# Children of beside() not waited for yet: a check nobody asked about (the command failed first) is
# ended at exit.
_BESIDE: list[Beside] = []


def _stop_beside() -> None:
    for child in list(_BESIDE):
        child.stop()


atexit.register(_stop_beside)


def beside(*checks: Callable[[], object]) -> Beside | None:
    """`checks` started in a forked child that runs them in order beside this process;
    `reached(n)` waits until the first n returned, `passed()` until the child ended.

    None where a fork is unavailable (the caller runs the checks itself) or unwise: with another
    thread running, the child could wait forever on a lock that thread held at the fork. The
    child writes nothing but a byte on its pipe after each check that returned, and ends with
    os._exit (no exit handler, no flush of this process's buffers): status 0 when every check
    returned, 1 when one raised anything (a refusal included; the caller runs that check again
    itself to raise it). A child not asked about is ended at exit.
    """
    if not CAN_FORK or threading.active_count() > 1:
        return None
    marks, mark = os.pipe()
    try:
        pid = _fork(partial(_marked, checks, mark))
    except BaseException:
        os.close(marks)
        raise
    finally:
        os.close(mark)
    return Beside(pid, marks)


def _marked(checks: Sequence[Callable[[], object]], mark: int) -> None:
    for check in checks:
        check()
        os.write(mark, b"+")
