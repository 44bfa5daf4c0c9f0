"""The cyclic garbage collector paused around one pass that builds many objects and frees none
(parsing the register, running the checks, scanning a dataset, building the checklists, a read-only
command's one read): collections there would only walk live objects again. The collector comes back
as it was, so a process running several commands (the tests, a library caller) keeps it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
