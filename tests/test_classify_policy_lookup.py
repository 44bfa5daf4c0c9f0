"""classify without a register takes the default policy without importing the register module
(issue 18: ~40 ms of imports a plain scan does not need); with one, it takes the register's policy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, json, sys
sys.argv = ["meti-pi", *json.loads(sys.argv[1])]
atexit.register(lambda: sys.stderr.write("\\n@@MODULES@@" + json.dumps(sorted(sys.modules))))
from meti_pi.cli import main
main()
"""


def _run(cwd: Path, *args: str) -> tuple[dict[str, object], set[str]]:
    env = {k: v for k, v in os.environ.items() if k != "METI_PI_REGISTER"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout), set(json.loads(proc.stderr.rsplit("@@MODULES@@", 1)[1]))


def test_classify_without_a_register_does_not_import_the_register_module(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    data.write_text("氏名,電話番号\n山田太郎,03-1234-5678\n", encoding="utf-8")
    out, modules = _run(tmp_path, "classify", str(data), "--json")
    assert "meti_pi.store.register" not in modules
    assert "meti_pi.store.locate" in modules  # the register was looked for
    assert out["management_class"] in ("A", "B", "C")  # type: ignore[index]


def test_a_missing_register_option_still_falls_back_to_the_defaults(tmp_path: Path) -> None:
    from meti_pi.store.locate import find_register
    from meti_pi.store.register import find_register as reexported

    assert reexported is find_register
    data = tmp_path / "people.csv"
    data.write_text("氏名\n山田太郎\n", encoding="utf-8")
    out, _ = _run(tmp_path, "classify", str(data), "--json")
    assert out["management_class"] == "C"  # type: ignore[index]


WARM = """
import sys, threading
from pathlib import Path
from meti_pi.cli.classify import _warm_engine
_warm_engine(Path(sys.argv[1]))
for t in threading.enumerate():
    if t.name == "meti-pi-import-polars":
        t.join()
print("polars" in sys.modules)
"""


def test_polars_is_imported_ahead_only_for_files_the_engine_reads() -> None:
    """The engine's import starts in a thread for .csv/.tsv/.jsonl/.parquet, never for .xlsx."""

    def warmed(name: str) -> bool:
        out = subprocess.run([sys.executable, "-c", WARM, name], capture_output=True, text=True, check=True)
        return out.stdout.strip() == "True"

    assert warmed("data.csv") and warmed("DATA.JSONL")
    assert not warmed("book.xlsx")
