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


def promote() -> None:
    """Move every object the collector tracks to its oldest generation, without walking them (two
    list splices), and reset the young generation's count. Called at the end of a paused pass that
    leaves many objects alive: re-enabled, the collector would otherwise walk all of them at the
    first allocation (they were all allocated young: ~0.2-0.5 s after a read of 100,000 records),
    to find them alive. Cyclic garbage among them waits for the next full collection, as any
    long-lived garbage does."""
    gc.freeze()
    gc.unfreeze()


# The console entry's start: interpreter, typer, the CLI and the command's module build objects that
# all live until the exit; the young collections among them (~25-60 in a command's start, 3-5 ms)
# only walk them again. hold_start() pauses the collector from the entry on; end_start() brings it
# back once the command's module is imported, before the command's body runs, with everything built
# so far promoted (so the first collection does not walk it). Only a collector that was running is
# paused and resumed: a caller who turned it off keeps it off.
_HELD = False


def hold_start() -> None:
    global _HELD
    if gc.isenabled():
        gc.disable()
        _HELD = True


def end_start() -> None:
    global _HELD
    if _HELD:
        _HELD = False
        promote()
        gc.enable()
