"""The checks of a whole validation run in several processes on a large register (meti_pi.procs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from meti_pi import procs
from meti_pi.checks.incremental import name_of
from meti_pi.errors import Problem
from meti_pi.gcpause import paused_gc
from meti_pi.store.register import Register

Check = Callable[[Register, date], Iterable[Problem]]

# Records from which the checks are shared among processes (Settings.parallel_min overrides, for tests).
PARALLEL_CHECKS_MIN = 1500

# The order in which processes take the checks when the cache holds no timing of the last run (a cold
# validate): roughly what each took at 100,000 records (bench/gen_register.py), largest first, so
# that no process is left with the largest one at the end. Only the order: results never depend on it.
COLD_WEIGHTS = {
    "check_notices": 1.9,
    "check_decisions": 1.0,
    "check_inspections": 0.65,
    "check_references": 0.6,
    "check_ids": 0.6,
    "check_personal_data": 0.5,
    "check_incidents": 0.35,
    "check_files": 0.2,
}


def run_checks(reg: Register, today: date, checks: tuple[Check, ...], view: Any) -> list[list[Problem]]:
    """Each check's problems, in order; on a large register the checks run in several processes.

    Checks are independent functions of (register, today), so running some in a forked copy of
    this process gives the same problems; a check that fails there is run again here.
    """
    import time

    least = reg.settings.parallel(PARALLEL_CHECKS_MIN)
    workers = procs.cpus() if len(reg.records) >= least and len(checks) > 1 else 1
    weights = view.weights() if view is not None else {}

    def task(check: Check) -> Callable[[], tuple[float, list[tuple[Any, ...]]]]:
        def run() -> tuple[float, list[tuple[Any, ...]]]:
            started = time.perf_counter()
            found = [p.fields() for p in check(reg, today)]
            return time.perf_counter() - started, found

        return run

    names = [name_of(c) for c in checks]
    with paused_gc():  # checks build many short-lived objects: collections would only cost time here
        order = [weights.get(n, COLD_WEIGHTS.get(n.rsplit(".", 1)[-1], 0.05)) for n in names]
        results = procs.run_shared([task(c) for c in checks], order, workers)
    if view is not None:
        view.save_weights({n: r[0] for n, r in zip(names, results)})
    return [[Problem(*p) for p in found] for _, found in results]
