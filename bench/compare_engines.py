"""polars and DuckDB side by side on the same CSV files: time, peak RSS, CPU (issue 18 item 4).

    .venv/bin/python bench/compare_engines.py FILE [FILE...]

Each figure runs in a fresh interpreter (import included), so peak RSS is that run's alone:
1. `read`: every column as text, materialised (polars `read_csv(infer_schema=False)`; DuckDB
   `CREATE TABLE AS SELECT * FROM read_csv(all_varchar=true)`);
2. `scan`: the shape of classify's work, streamed: per column the non-empty count and a
   regular-expression full-match count, a substring search on the last column, and an exact
   distinct count of the hashed 4th column (polars streaming engine; DuckDB SQL).
CPU is (user + system) / wall: 2.0 means both cores were busy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

POLARS_READ = """
import polars as pl
df = pl.read_csv(PATH, infer_schema=False)
n = df.height
"""
DUCKDB_READ = """
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar=false")
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar=true, header=true)", [PATH])
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
"""
SHAPE = r"[0-9０-９()（）+＋\- ー－]{10,18}"
POLARS_SCAN = f"""
import polars as pl
lf = pl.scan_csv(PATH, infer_schema=False)
cols = lf.collect_schema().names()
exprs = []
for i, c in enumerate(cols):
    exprs.append((pl.col(c) != "").sum().alias(f"n{{i}}"))
    exprs.append(pl.col(c).str.contains(r"^(?:{SHAPE})$").sum().alias(f"m{{i}}"))
exprs.append(pl.col(cols[-1]).str.contains("糖尿病|うつ病|前科").sum().alias("s"))
exprs.append(pl.col(cols[3]).hash(7).n_unique().alias("u"))
out = lf.select(exprs).collect(engine="streaming")
n = out["u"][0]
"""
DUCKDB_SCAN = f"""
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar=false")
cols = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_csv(?, all_varchar=true, header=true)", [PATH]).fetchall()]
parts = []
for c in cols:
    q = '"' + c + '"'
    parts.append(f"count(*) FILTER (WHERE {{q}} <> '')")
    parts.append(f"count(*) FILTER (WHERE regexp_full_match({{q}}, '{SHAPE}'))")
parts.append("count(*) FILTER (WHERE regexp_matches(\\"" + cols[-1] + "\\", '糖尿病|うつ病|前科'))")
parts.append("count(DISTINCT hash(\\"" + cols[3] + "\\"))")
row = con.execute("SELECT " + ", ".join(parts) + " FROM read_csv(?, all_varchar=true, header=true)", [PATH]).fetchone()
n = row[-1]
"""
HARNESS = """
import resource, time, json
t0 = time.perf_counter(); r0 = resource.getrusage(resource.RUSAGE_SELF)
PATH = {path!r}
{body}
r1 = resource.getrusage(resource.RUSAGE_SELF); wall = time.perf_counter() - t0
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print(json.dumps({{"wall": wall, "cpu": cpu / wall, "rss": r1.ru_maxrss / 1024, "n": n}}))
"""


def run(body: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", HARNESS.format(path=str(path), body=body)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(paths: list[str]) -> int:
    print(f"{'file':28s} {'engine':8s} {'work':5s} {'wall':>7s} {'peak RSS':>9s} {'CPU':>5s}")
    for p in map(Path, paths):
        for engine, work, body in (
            ("polars", "read", POLARS_READ),
            ("duckdb", "read", DUCKDB_READ),
            ("polars", "scan", POLARS_SCAN),
            ("duckdb", "scan", DUCKDB_SCAN),
        ):
            r = run(body, p)
            print(f"{p.name:28s} {engine:8s} {work:5s} {r['wall']:6.2f}s {r['rss']:7.0f}MB {r['cpu']:5.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
