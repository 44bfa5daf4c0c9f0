"""The cyclic collector paused from the console entry until the command's module is imported
(gcpause.hold_start / end_start), and around one pass (paused_gc): always back as it was."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from meti_pi import gcpause


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was_on = gc.isenabled()
    yield
    gcpause._HELD = False
    (gc.enable if was_on else gc.disable)()


def test_the_start_is_held_then_the_collector_comes_back_with_the_start_promoted() -> None:
    gc.enable()
    gcpause.hold_start()
    assert not gc.isenabled()
    gcpause.hold_start()  # held twice (python -m, then cli.main): one end brings it back
    young = [[i] for i in range(1000)]
    assert gc.get_count()[0] > 0
    gcpause.end_start()
    assert gc.isenabled() and gc.get_count()[0] < 10  # promoted: the first collection does not walk them
    assert all(gc.is_tracked(x) for x in young[:3])
    gcpause.end_start()  # nothing held any more: no effect
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    gcpause.hold_start()
    gcpause.end_start()
    assert not gc.isenabled()
    with gcpause.paused_gc():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_command_module_import_ends_the_start() -> None:
    """LazyGroup.get_command imports the command's module, then gives the collector back: the
    command's body runs with it, as before."""
    import typer

    from meti_pi.cli import COMMANDS, LazyGroup, app

    gc.enable()
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    gcpause.hold_start()
    assert group.get_command(None, "schema") is not None and "schema" in COMMANDS
    assert gc.isenabled()


def test_python_m_meti_pi_collects_nothing_before_the_command_module() -> None:
    """`python -m meti_pi`: no collection from the entry's hold_start to the command's module; the
    collector back on by the end (here a subcommand's --help: its module imported, no body).
    Counted from hold_start, not from the process start: the package's own import comes first
    (runpy imports it before __main__ runs), and where no bytecode is cached (a fresh clone under
    PYTHONDONTWRITEBYTECODE, as CI) compiling it may well collect, before any of meti-pi runs."""
    code = (
        "import gc, os, runpy, sys\n"
        "from meti_pi import gcpause\n"
        "held, early = [], []\n"
        "first = gcpause.hold_start\n"
        "def hold():\n"
        "    held.append('meti_pi.cli' in sys.modules); first()\n"
        "gcpause.hold_start = hold\n"
        "gc.callbacks.append(lambda phase, info: early.append(1) if phase == 'start' and held and "
        "'meti_pi.cli.register_cmds' not in sys.modules else None)\n"
        "real = os._exit\n"
        "def done(code):\n"
        "    sys.stdout.write(f'\\n{gc.isenabled()} {held[:1]} {len(early)}\\n'); sys.stdout.flush(); real(code)\n"
        "os._exit = done\n"
        "sys.argv = ['meti-pi', 'schema', '--help']\n"
        "runpy.run_module('meti_pi', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "METI_PI_REGISTER"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    # held before the CLI's imports (by __main__), no collection from there, the collector back
    assert out.stdout.split()[-3:] == ["True", "[False]", "0"], out.stdout[-300:]
