"""An .xlsx scan's start: the scanner's modules do not import what only the columnar engine's pass
uses (concurrent.futures and its logging: ~3 ms of every .xlsx classify)."""

from __future__ import annotations

import subprocess
import sys


def test_the_scanner_imports_no_thread_pool_until_the_columnar_pass() -> None:
    code = (
        "import sys\n"
        "import meti_pi.classify.detect, meti_pi.cli.classify\n"
        "print(sorted(m for m in ('concurrent.futures', 'logging') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
