"""Test-only crash injection for meti-pi processes the crash tests start (tests/_reliability.env
puts this folder on PYTHONPATH): with METI_PI_CRASH_AT=<phase>, the process kills itself (SIGKILL)
when the write path reaches that phase. meti-pi itself reads no such variable."""

import os

_PHASE = os.environ.get("METI_PI_CRASH_AT")
if _PHASE:
    import signal

    from meti_pi.gitlayer import fs

    def _crash(phase: str) -> None:
        if phase == _PHASE:
            os.kill(os.getpid(), signal.SIGKILL)

    fs.crash_hook = _crash
