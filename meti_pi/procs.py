"""Sharing work among processes: the one module that starts processes (issue 12: POSIX calls
behind one small portable module).

- `run_shared(tasks, weights, workers)`: `[task() for task in tasks]`, shared among worker
  processes where `os.fork` exists (Linux, macOS, BSD); sequential elsewhere (Windows), with the
  same results and the same exceptions.
- `background(work)`: run `work` in a child process this one waits for only at exit; runs it
  inline where there is no fork.

Why fork, not concurrent.futures: the tasks are closures over a register already loaded in memory
(10,000 records). A forked child shares it for free; an executor must pickle what it sends (a
closure cannot be), so it needs the tasks parked in a global before its workers fork, and pickles
every result back. Measured (issue 13, CPU time, interleaved runs at 10,000 records):
ProcessPoolExecutor with the fork context cost +7 % on a cold `validate` and +1 % on `inspect`,
and 33 ms against 2 ms for a first small job. So fork stays, here only; a spawn start would make
every worker load the register again, which costs more than the work it shares. Results come
back marshalled through a pipe: plain data only, from our own child.
"""

from __future__ import annotations

import atexit
import marshal
import os
from collections.abc import Callable, Sequence
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
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    _CHILDREN.append(pid)


def run_shared(tasks: Sequence[Callable[[], Any]], weights: Sequence[float], workers: int) -> list[Any]:
    """`[task() for task in tasks]`, shared among `workers` processes (sequential without fork).

    Results must be marshal-able. Tasks go to processes by weight (largest first, to the least
    loaded); this process runs its share meanwhile. A task whose process fails (crash, kill,
    unreadable output) is run again here, so exceptions surface exactly as if run serially.
    """
    workers = min(workers, len(tasks))
    if workers < 2 or not CAN_FORK:
        return [task() for task in tasks]
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for i in sorted(range(len(tasks)), key=lambda i: -weights[i]):
        w = loads.index(min(loads))
        shares[w].append(i)
        loads[w] += weights[i]
    results: list[Any] = [None] * len(tasks)
    children: list[tuple[int, int, list[int]]] = []
    try:
        for share in shares[1:]:
            rfd, wfd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: run its share, send the results marshalled, exit without cleanup
                code = 1
                try:
                    os.close(rfd)
                    payload = marshal.dumps([tasks[i]() for i in share])
                    with os.fdopen(wfd, "wb") as pipe:
                        pipe.write(payload)
                    code = 0
                finally:
                    os._exit(code)
            os.close(wfd)
            children.append((pid, rfd, share))
        for i in shares[0]:
            results[i] = tasks[i]()
        while children:
            pid, rfd, share = children[0]
            with os.fdopen(rfd, "rb") as pipe:
                payload = pipe.read()
            children.pop(0)
            _, status = os.waitpid(pid, 0)
            part: Any = None
            if status == 0:
                try:
                    part = marshal.loads(payload)
                except (EOFError, ValueError, TypeError):
                    part = None
            if not isinstance(part, list) or len(part) != len(share):
                part = [tasks[i]() for i in share]  # that process failed: do its share here
            for i, value in zip(share, part):
                results[i] = value
    finally:
        for pid, rfd, _ in children:  # only after an exception (e.g. ^C): leave no process behind
            try:
                os.close(rfd)
            except OSError:
                pass
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
    return results
