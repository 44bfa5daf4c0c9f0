"""Benchmark of `meti-pi classify`: detection quality and scan speed, against same-run floors.

    .venv/bin/python bench/bench_classify.py [--quick] [--big]

1. A labelled corpus (UTF-8 CSV, Shift_JIS CSV, .xlsx, .jsonl; positives and decoys) is
   generated and scanned; a per-kind precision/recall table is printed (a column is one case).
2. Two 1,000,000-row x 8-column CSVs are generated into bench/.data/: the bench's own staff file
   (gen_datasets.write_big) and an independently written one of varied values with a free-text
   column (gen_varied.write_varied). The real CLI (`python -m meti_pi classify FILE --json`, in a
   subprocess, interpreter start included) is timed against two same-run floors measured in a
   fresh interpreter (import excluded): polars reading every column as text
   (`pl.read_csv(infer_schema=False)`, the target's reference: classify <= 3x) and a bare
   csv.reader pass. Peak memory is the CLI's own peak RSS (the largest of the timed runs; with the
   children it waits for), never the bench's: each run is started by a clean spawner (SPAWN). A
   100,000-row .xlsx is timed against python-calamine reading every row. Five interleaved runs
   each: median [min-max] of the wall times, and a CPU row (user + system of the whole process,
   both cores) — the figure to read when the machine is shared and wall times swing — and
   CPU/wall, which shows whether both cores were used (> 1.5; on a loaded machine it cannot).
   Informative rows (no target): a whole `python -c "import polars; read_csv"` process beside
   classify (interpreter start and polars' import included on both sides), and classify's fixed
   start (the CLI on 1,000 rows) beside a process that only imports polars.
3. --big: the same at 10,000,000 rows (~1.4 GB each); peak memory must stay flat (<= 300 MB).
--quick: 200,000 rows instead of 1,000,000 (and 20,000 for .xlsx), one timing each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import gen_datasets  # noqa: E402
import gen_varied  # noqa: E402

PY = sys.executable


# ---------------------------------------------------------------- 1. precision / recall


def precision_recall(rows: int = 600) -> tuple[dict[str, tuple[int, int, int]], str]:
    """kind -> (true positives, false positives, false negatives) over the corpus columns."""
    from meti_pi.classify.detect import scan

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = gen_datasets.labelled_corpus(Path(tmp), rows=rows)
        shape = f"{len(corpus)} files x {len(corpus[0][1])} columns x {rows} rows"
        for path, labels in corpus:
            result = scan(path)
            found: dict[str, set[str]] = defaultdict(set)
            names = list(labels)
            for d in result.detections:
                if d.confirmed:
                    column = d.column.split("!", 1)[-1]
                    # A header cell typed like its column's values is recorded as 列N, never as its
                    # text (issue 15: header detection fails safe): score it as the Nth column.
                    if column.startswith("列") and column[1:].isdigit() and 0 < int(column[1:]) <= len(names):
                        column = names[int(column[1:]) - 1]
                    found[column].add(d.kind)
            for column, truth in labels.items():
                for kind in truth | found[column]:
                    cell = counts[kind]
                    if kind in truth and kind in found[column]:
                        cell[0] += 1
                    elif kind in found[column]:
                        cell[1] += 1
                    else:
                        cell[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in sorted(counts.items())}, shape


def print_pr(table: dict[str, tuple[int, int, int]], shape: str) -> None:
    print(f"\nPer-kind precision / recall (labelled corpus: {shape}; 1 column = 1 case)")
    print(f"{'kind':32s} {'TP':>3s} {'FP':>3s} {'FN':>3s} {'precision':>9s} {'recall':>7s}")
    total = [0, 0, 0]
    for kind, (tp, fp, fn) in table.items():
        total = [total[0] + tp, total[1] + fp, total[2] + fn]
        print(f"{kind:32s} {tp:3d} {fp:3d} {fn:3d} {_ratio(tp, tp + fp):>9s} {_ratio(tp, tp + fn):>7s}")
    tp, fp, fn = total
    print(f"{'all kinds':32s} {tp:3d} {fp:3d} {fn:3d} {_ratio(tp, tp + fp):>9s} {_ratio(tp, tp + fn):>7s}")


def _ratio(n: int, of: int) -> str:
    return f"{n / of:.2f}" if of else "—"


# ---------------------------------------------------------------- 2. speed and memory


def _child_cpu() -> float:
    """User + system CPU seconds of the finished children so far (the figure to read when the machine is shared)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _spread(values: list[float]) -> str:
    """Median, and the range when there are several runs."""
    med = statistics.median(values)
    return f"{med:.2f} s" if len(values) == 1 else f"{med:.2f} s [{min(values):.2f}-{max(values):.2f}]"


def floor_csv(path: Path) -> float:
    """A bare csv.reader pass over the file, in a fresh interpreter (the same-run floor)."""
    code = (
        "import csv,sys,time\n"
        "t=time.perf_counter()\n"
        f"f=open({str(path)!r},newline='',encoding='utf-8')\n"
        "for row in csv.reader(f): pass\n"
        "print(time.perf_counter()-t)\n"
    )
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def floor_xlsx(path: Path) -> float:
    """python-calamine reading every row of the sheet (the .xlsx floor)."""
    code = (
        "import time\nt=time.perf_counter()\n"
        "import python_calamine\n"
        f"b=python_calamine.CalamineWorkbook.from_path({str(path)!r})\n"
        "for r in b.get_sheet_by_index(0).iter_rows(): pass\n"
        "print(time.perf_counter()-t)\n"
    )
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def _floor_read(call: str) -> float:
    """Seconds of one polars read (`call`, import excluded), in a fresh interpreter."""
    code = f"import time\nimport polars as pl\nt=time.perf_counter()\n{call}\nprint(time.perf_counter()-t)\n"
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def floor_polars(path: Path) -> float:
    """polars reading every column as text (import excluded), in a fresh interpreter."""
    return _floor_read(f"pl.read_csv({str(path)!r}, infer_schema=False)")


def floor_polars_process(path: Path) -> float:
    """Wall seconds of a whole `python -c "import polars; read_csv(...)"` process (interpreter start and
    polars' import included, as classify's figure includes them): an informative floor only, the
    target is read against floor_polars."""
    code = f"import polars as pl\npl.read_csv({str(path)!r}, infer_schema=False)\n"
    start = time.perf_counter()
    subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def floor_ndjson(path: Path) -> float:
    """polars reading the JSON lines (import excluded), in a fresh interpreter."""
    return _floor_read(f"pl.read_ndjson({str(path)!r})")


def write_jsonl(source: Path, path: Path) -> None:
    """`source` (a .csv) as JSON lines, one object per row, every value a string."""
    import polars as pl

    pl.read_csv(source, infer_schema=False).write_ndjson(path)


def jsonl_rows(rows: int, repeats: int) -> list[tuple[str, str, str, str, str]]:
    """classify of the varied data as .jsonl against polars' read_ndjson of the same file."""
    source = ensure(DATA / f"varied_{rows}.csv", lambda p: gen_varied.write_varied(p, rows))
    path = ensure(DATA / f"varied_{rows}.jsonl", lambda p: write_jsonl(source, p))
    floors, walls, cpus = [], [], []
    run_cli(path)  # once untimed (byte code)
    for _ in range(repeats):
        floors.append(floor_ndjson(path))
        wall, _, result, used = run_cli(path)
        walls.append(wall)
        cpus.append(used)
    assert result["dataset"]["rows"] == rows, result["dataset"]  # type: ignore[index]
    floor, wall = statistics.median(floors), statistics.median(walls)
    return [
        (
            f"classify {rows:,}x8 varied JSONL",
            "(no target)",
            f"{_spread(floors)} read_ndjson",
            _spread(walls),
            f"{wall / floor:.2f}x",
        ),
        ("  CPU (user+sys)", "—", "—", f"{statistics.median(cpus):.2f} s", "—"),
    ]


def cli_env() -> dict[str, str]:
    """The CLI's environment: byte-code caches as an installed program has them (pip compiles a
    wheel's modules; as bench/run.py, under bench/.data/, whatever PYTHONDONTWRITEBYTECODE says:
    else every run compiles the classify modules again, ~0.1 s)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "METI_PI_REGISTER")}
    env.update(METI_PI_TODAY="2026-11-26", PYTHONPYCACHEPREFIX=str(DATA / "pycache"))
    return env


# The CLI is started by this tiny interpreter, never by the bench itself. A child's ru_maxrss (from
# wait4, RUSAGE_CHILDREN or /usr/bin/time) is the larger of its own peak and the high-water mark of
# the process that spawned it: at exec the kernel folds the mark of the address space being left
# into the new program's (exec_mmap), and the address space a vfork/posix_spawn child leaves is its
# parent's. The bench grows (it generates the files, writes the .jsonl through polars, scans the
# labelled corpus in process), so a CLI started from it "peaked" at the bench's size: measured, a
# 128 MB classify run reported as 718 MB once the bench held 700 MB. This spawner is a fresh exec
# (its mark starts afresh, as the VmHWM that tests/test_hostile_files.py reads does), imports
# nothing (-S; os, sys and time are built in: ~9 MB), starts the CLI and reports on a pipe what
# wait4 says of it: exit code, wall and CPU seconds, and the peak of the CLI and of the children it
# waited for (the .xlsx guard). Its own VmHWM, the one mark a figure could inherit, is reported
# beside it; a peak at or below it would be the spawner's and is refused.
SPAWN = r"""
import os, sys, time
fd = int(sys.argv[1])
os.set_inheritable(fd, False)
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
try:
    with open("/proc/self/status", encoding="ascii") as fh:
        floor = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    floor = 0
cpu = usage.ru_utime + usage.ru_stime
os.write(fd, f"{os.waitstatus_to_exitcode(status)} {wall} {cpu} {usage.ru_maxrss} {floor}".encode())
"""


def run_measured(
    args: list[str], env: dict[str, str], cwd: str
) -> tuple[subprocess.CompletedProcess[str], float, float, float]:
    """(the finished process, wall seconds, CPU seconds, peak RSS in MB) of `args` started by SPAWN.
    The wall time is taken around the child alone (interpreter start included, the spawner's excluded);
    the CPU time and the peak are the child's and those of the children it waited for."""
    read, write = os.pipe()
    try:
        proc = subprocess.run(
            [PY, "-S", "-c", SPAWN, str(write), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            pass_fds=(write,),
        )
    finally:
        os.close(write)
    with os.fdopen(read, "rb") as fh:
        report = fh.read().split()
    if len(report) != 5:
        raise SystemExit(f"the spawner failed ({proc.returncode}): {proc.stderr[-2000:]}")
    proc.returncode = int(report[0])
    peak_kb, floor_kb = int(report[3]), int(report[4])
    if peak_kb <= floor_kb:
        raise SystemExit(f"peak {peak_kb} kB is not above the spawner's own {floor_kb} kB: not the child's own")
    return proc, float(report[1]), float(report[2]), peak_kb / 1024


def run_cli(path: Path) -> tuple[float, float, dict[str, object], float]:
    """Wall time (interpreter start included), peak RSS (MB, its own: SPAWN), the JSON output and the
    CPU seconds (user + system, both cores) of the real CLI."""
    proc, wall, cpu, peak = run_measured(
        [PY, "-m", "meti_pi", "classify", str(path), "--json"], cli_env(), tempfile.gettempdir()
    )
    if proc.returncode != 0:
        raise SystemExit(f"classify failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, peak, json.loads(proc.stdout), cpu


def ensure(path: Path, make) -> Path:  # type: ignore[no-untyped-def]
    if not path.exists():
        t = time.perf_counter()
        make(path)
        print(
            f"generated {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
    return path


DATASETS = {
    "staff": lambda path, rows: gen_datasets.write_big(path, rows),  # the bench's own
    "varied": lambda path, rows: gen_varied.write_varied(path, rows),  # written independently (bench/gen_varied.py)
}


def csv_rows(rows: int, repeats: int) -> list[tuple[str, str, str, str, str]]:
    """classify vs the polars all-text read (and csv.reader) on both datasets of `rows` rows."""
    table = []
    for name, make in DATASETS.items():
        path = ensure(DATA / f"{name}_{rows}.csv", lambda p, make=make: make(p, rows))
        polars, readers, walls, cpus, floor_cpus, processes, peaks = [], [], [], [], [], [], []
        result: dict[str, object] = {}
        run_cli(path)  # once untimed: the byte-code cache under PYTHONPYCACHEPREFIX is written by the first run
        for _ in range(repeats):  # interleaved so that all see the same machine load
            cpu = _child_cpu()
            polars.append(floor_polars(path))
            floor_cpus.append(_child_cpu() - cpu)
            readers.append(floor_csv(path))
            processes.append(floor_polars_process(path))
            wall, peak, result, used = run_cli(path)
            walls.append(wall)
            cpus.append(used)
            peaks.append(peak)
        floor, reader, wall = statistics.median(polars), statistics.median(readers), statistics.median(walls)
        assert result["dataset"]["rows"] == rows, result["dataset"]  # type: ignore[index]
        table.append(
            (
                f"classify {rows:,}x8 {name} CSV",
                "≤ 3x polars read",
                f"{_spread(polars)} polars",
                _spread(walls),
                f"{wall / floor:.2f}x",
            )
        )
        if len(walls) > 1:  # each run against the polars read just before it (the same moment's load)
            pairs = sorted(w / f for w, f in zip(walls, polars, strict=True))
            table.append(
                ("  each run / its polars read", "≤ 3x every run", "—", "—", f"{pairs[0]:.2f}-{pairs[-1]:.2f}x")
            )
        table.append(
            (
                "  CPU (user+sys; polars: whole process)",
                "—",
                f"{statistics.median(floor_cpus):.2f} s polars",
                f"{statistics.median(cpus):.2f} s",
                f"{statistics.median(cpus) / statistics.median(floor_cpus):.2f}x",
            )
        )
        table.append(
            (
                "  CPU/wall of classify (both cores: > 1.5)",
                "—",
                "—",
                f"{statistics.median(c / w for c, w in zip(cpus, walls, strict=True)):.2f}",
                "—",
            )
        )
        table.append(
            (
                "  informative: whole polars process",
                "(no target)",
                f"{_spread(processes)} python -c",
                f"{wall:.2f} s",
                f"{wall / statistics.median(processes):.2f}x",
            )
        )
        table.append(
            (
                "  the same against csv.reader",
                "—",
                f"{reader:.2f} s csv.reader",
                f"{wall:.2f} s",
                f"{wall / reader:.2f}x",
            )
        )
        table.append((f"  peak memory, {rows:,} rows {name}", "≤ 300 MB, flat", "—", f"{max(peaks):.0f} MB", "—"))
    return table


def start_rows(repeats: int) -> list[tuple[str, str, str, str, str]]:
    """classify's fixed start: the CLI on the first 1,000 rows of the varied data (interpreter,
    imports, polars' import, the head's typing, the decision and the output; the scan itself is
    a few ms), against a bare interpreter and a process that only imports polars."""
    path = ensure(DATA / "varied_1000.csv", lambda p: gen_varied.write_varied(p, 1000))
    walls: list[float] = []
    cpus: list[float] = []
    bare: list[float] = []
    imports: list[float] = []
    run_cli(path)
    for _ in range(max(repeats, 3)):
        wall, _, _, used = run_cli(path)
        walls.append(wall)
        cpus.append(used)
        for cmd, into in (("pass", bare), ("import polars", imports)):
            start = time.perf_counter()
            subprocess.run([PY, "-c", cmd], check=True, env=cli_env())
            into.append(time.perf_counter() - start)
    return [
        (
            "classify 1,000 rows (the fixed start)",
            "(no target)",
            f"{_spread(imports)} import polars",
            _spread(walls),
            f"{statistics.median(walls) / statistics.median(imports):.2f}x",
        ),
        (
            "  CPU (user+sys); bare interpreter",
            "—",
            f"{statistics.median(bare):.2f} s python -c pass",
            f"{statistics.median(cpus):.2f} s",
            "—",
        ),
    ]


def speed(quick: bool, big: bool) -> list[tuple[str, str, str, str, str]]:
    rows = 200_000 if quick else 1_000_000
    xrows = 20_000 if quick else 100_000
    repeats = 1 if quick else 5
    table = start_rows(repeats) + csv_rows(rows, repeats)
    xlsx_path = ensure(DATA / f"staff_{xrows}.xlsx", lambda p: gen_datasets.write_big_xlsx(p, xrows))
    xfloors, xwalls, xcpus, xfloor_cpus = [], [], [], []
    run_cli(xlsx_path)  # once untimed (python-calamine's byte code)
    for _ in range(repeats):
        cpu = _child_cpu()
        xfloors.append(floor_xlsx(xlsx_path))
        xfloor_cpus.append(_child_cpu() - cpu)
        wall, _, _, used = run_cli(xlsx_path)
        xwalls.append(wall)
        xcpus.append(used)
    xfloor, xwall = statistics.median(xfloors), statistics.median(xwalls)
    table.append(
        (
            f"classify {xrows:,}-row XLSX (wall)",
            "≤ 1.3x calamine" if not quick else "(quick)",
            f"{_spread(xfloors)} calamine",
            _spread(xwalls),
            f"{xwall / xfloor:.2f}x",
        )
    )
    table.append(
        (
            "  CPU (user+sys; calamine: whole process)",
            "—",
            f"{statistics.median(xfloor_cpus):.2f} s calamine",
            f"{statistics.median(xcpus):.2f} s",
            f"{statistics.median(xcpus) / statistics.median(xfloor_cpus):.2f}x",
        )
    )
    table += jsonl_rows(rows, repeats)
    if big:
        table += csv_rows(10_000_000, 1)
    return table


def print_speed(table: list[tuple[str, str, str, str, str]]) -> None:
    print("\nScan speed and memory (same-run floors)")
    print(f"{'figure':44s} {'target':22s} {'floor':32s} {'measured':22s} {'ratio':>6s}")
    for figure, target, floor, measured, ratio in table:
        print(f"{figure:44s} {target:22s} {floor:32s} {measured:22s} {ratio:>6s}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller files, one timing each")
    parser.add_argument("--big", action="store_true", help="also time 10,000,000 rows of each dataset (~1.4 GB files)")
    args = parser.parse_args()
    print_pr(*precision_recall())
    print_speed(speed(args.quick, args.big))
    print(f"\nmachine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
