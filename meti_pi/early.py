"""A function run in a thread beside the caller, its result (or the exception it raised) handed
back where the caller asks for it.

Used where work that mostly waits or releases the GIL can overlap the caller's Python work: the
write path's git checks (actions/uncommitted: EARLY_CHECK) and a scan's distinct count beside the
folding of its counts (classify/keys.DistinctHashes.start_count). The thread is handed plain data
only: nothing here makes shared objects safe to use from two threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Early(Generic[T]):
    """`fn(*args)` started in a daemon thread at once; `result()` waits for it and returns its value
    or raises what it raised; `wait()` only waits (no thread of it outlives the caller's refusal)."""

    def __init__(self, fn: Callable[..., T], *args: object, name: str = "meti-pi-early") -> None:
        self.error: Exception | None = None
        self.value: T | None = None
        self.thread = threading.Thread(target=self._run, args=(fn, args), name=name, daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[..., T], args: tuple[object, ...]) -> None:
        try:
            self.value = fn(*args)
        except Exception as exc:  # noqa: BLE001 - any failure is handed to the caller's thread by result()
            self.error = exc

    def done(self) -> bool:
        """Whether `fn` has returned or raised (result() would not wait)."""
        return not self.thread.is_alive()

    def wait(self) -> None:
        self.thread.join()

    def result(self) -> T:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # set by _run whenever no error was
