"""Where a write's time goes: each of the bench's write commands, split into git's time and meti-pi's.

    .venv/bin/python bench/write_timeline.py --register /tmp/reg100k/register [--reps 5]

Issue 18 asks for `new` / `commit` / `incident open` / `incident update` <= 0.5 s at 100,000 records
and for the closing note to say what each cost is. This runs the same four commands as
`bench/run.py`'s write figures (the real command line, `python -m meti_pi`, in a subprocess) with
git's trace2 event stream switched on through a global configuration file that includes the user's
own (GIT_CONFIG_GLOBAL: meti-pi hands GIT_CONFIG* to git and drops GIT_TRACE*), and prints, per
command, medians over the runs of:

- wall: the whole process, interpreter start included;
- to git: from the process's start to its first git process (Python, imports, the checks before it);
- git: the time some git process ran (the union of their intervals), with the two large ones apart:
  `git add --intent-to-add` (a new file) and `git commit`;
- meti-pi: wall - git (Python's share: start, imports, reading, validating, writing).

It changes the register as the bench does (new 課等, a hand edit of one, an incident opened and
updated), so run it on a copy. Not a target check: the figures to compare with the targets are
`bench/run.py`'s; this says what they are made of.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

PY = sys.executable
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import _edit_data  # noqa: E402


def git_intervals(trace: Path) -> list[tuple[float, float, list[str]]]:
    """(start, end, argv) of every git process in a trace2 event file, as Unix times."""
    starts: dict[str, tuple[float, list[str]]] = {}
    out: list[tuple[float, float, list[str]]] = []
    if not trace.exists():
        return out
    for line in trace.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("event") == "start":
            when = datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()
            starts[event["sid"]] = (when, event.get("argv", []))
        elif event.get("event") == "exit" and event["sid"] in starts:
            when, argv = starts.pop(event["sid"])
            out.append((when, when + float(event["t_abs"]), argv))
    return out


def union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def timed(args: list[str], cwd: Path, env: dict[str, str], trace: Path) -> dict[str, float]:
    trace.unlink(missing_ok=True)
    started = time.time()
    t = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args[3:])}: exit {proc.returncode}\n{proc.stderr}")
    gits = git_intervals(trace)
    verb = [next((a for a in argv[1:] if not a.startswith("-") and "=" not in a), "") for _, _, argv in gits]
    return {
        "wall": wall,
        "to git": (min(a for a, _, _ in gits) - started) if gits else wall,
        "git": union([(a, b) for a, b, _ in gits]),
        "add -N": sum(b - a for (a, b, argv), v in zip(gits, verb, strict=True) if v == "add"),
        "commit": sum(b - a for (a, b, argv), v in zip(gits, verb, strict=True) if v == "commit"),
        "git processes": float(len(gits)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--register", type=Path, required=True, help="the register folder (a copy: it is changed)")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    register = args.register.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.json"
        config = Path(tmp) / "gitconfig"
        user = Path(os.environ.get("GIT_CONFIG_GLOBAL") or Path.home() / ".gitconfig")
        config.write_text(f"[include]\n\tpath = {user}\n[trace2]\n\teventTarget = {trace}\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "METI_PI_", "PYTHONDONTWRITEBYTECODE"))}
        env["GIT_CONFIG_GLOBAL"] = str(config)
        env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "meti-pi-timeline-pycache"))

        def meti(*a: str) -> list[str]:
            return [PY, "-m", "meti_pi", *a]

        subprocess.run(meti("validate"), cwd=register, env=env, capture_output=True, check=False)  # warm
        rows: dict[str, list[dict[str, float]]] = {}
        division = sorted((register / "divisions").glob("div-*.yaml"))[1].stem
        file_id = sorted((register / "files").glob("F-*.yaml"))[0].stem
        target = sorted((register / "divisions").glob("div-*.yaml"))[0]
        for i in range(args.reps + 1):  # the first round warms the byte-code caches: not counted
            run_id = f"{os.getpid()}-{i}"
            new = timed(
                meti(
                    "new",
                    "divisions",
                    "--id",
                    f"tl-{run_id}",
                    "--set",
                    "name=計測課",
                    "--set",
                    "org=経済産業省",
                    "--set",
                    "manager_post=課長",
                ),
                register,
                env,
                trace,
            )
            _edit_data(target, i)  # the bench's hand edit: the record's data (its notes), not a comment
            commit = timed(meti("commit", str(target), "-m", "timeline edit"), register, env, trace)
            opened = timed(
                meti(
                    "incident",
                    "open",
                    "--known-on",
                    "2026-11-20",
                    "--summary",
                    f"計測誤送付 {run_id}",
                    "--division",
                    division,
                    "--file",
                    file_id,
                ),
                register,
                env,
                trace,
            )
            subject = subprocess.run(
                ["git", "log", "-1", "--format=%s"], cwd=register, capture_output=True, text=True, check=True
            ).stdout
            incident = subject.split(":", 1)[0].removeprefix("incidents/")
            update = timed(
                meti("incident", "update", incident, "--event", "note", "--note", f"計測 {run_id}"),
                register,
                env,
                trace,
            )
            if i:
                for name, row in (
                    ("new", new),
                    ("commit", commit),
                    ("incident open", opened),
                    ("incident update", update),
                ):
                    rows.setdefault(name, []).append(row)
    load = os.getloadavg()[0]
    print(f"register: {register}; {args.reps} runs each, medians in ms; load average {load:.2f}")
    cols = ["wall", "to git", "git", "add -N", "commit", "meti-pi"]
    print(f"{'command':<18}" + "".join(f"{c:>10}" for c in cols) + "   git processes")
    for name, samples in rows.items():
        for s in samples:
            s["meti-pi"] = s["wall"] - s["git"]
        med = {c: statistics.median(s[c] for s in samples) * 1000 for c in cols}
        procs = statistics.median(s["git processes"] for s in samples)
        print(f"{name:<18}" + "".join(f"{med[c]:>10.0f}" for c in cols) + f"   {procs:.0f}")


if __name__ == "__main__":
    main()
