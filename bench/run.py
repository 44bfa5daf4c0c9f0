"""`make bench`: meti-pi at 10,000 records, timed against floors measured in the same run.

    .venv/bin/python bench/run.py [--quick] [--records N] [--reps N] [--only NAME ...]

Generates its own data (bench/.data/, reused while the generator is unchanged): a register of
10,000 records (~1.35 KB each) in a git repository with 2,000 small commits (bench/gen_register.py).
Every figure runs the real command line (`python -m meti_pi ...`) in a subprocess, so interpreter
start, imports, git processes and the read cache are all included: the same code paths users run.

Figures (issue 8): each with its target, its same-run floor, the ratio to the floor, pass/fail.
  1. validate cold (cache emptied before each run) vs CSafeLoader alone parsing the same files on
     one core; validate warm (nothing changed) <= 0.3 s.
  2. a mutating command (write + validate + commit) <= 300 ms: `new`, `commit` of a hand edit and
     `incident open` (issue 13: git itself writes the commit; floor: a plain `git commit --only` of a
     one-file change; issue 18: <= 0.5 s at 100,000 records, growing sub-linearly).
  3. classify (bench/bench_classify.py, when present; its own table follows).
  4. --help, <command> --help, a trivial command (--version) <= 100 ms median; floor `python -c pass`.
  5. inspect, notify --check, status, incident list, history of one record <= 1 s warm
     (history also with a commit-graph holding changed-path filters).
  6. validate after a one-file edit (the CI / pre-commit case: a files record, and a division's
     name); every file touched, run last (no `git status` between figures: what meti-pi leaves in
     git's index, the next figure pays).
--scale 10000,50000,100000 (`make bench SCALE=...`): the register figures at each size, one column
per size and the growth factor from 10,000 records (startup and classify once).
--register-from 100000=/work/benchdata/reg-100000: a copy of a repository generated elsewhere instead of generating
one (the figures also give the peak resident memory of their runs, from wait4).
--quick: 2,000 records and 400 commits, fewer repetitions. Wall times are medians; the machine's
load average is printed, as other work on a 2-core machine moves every figure (parallel code most).
Commands run with byte-code caches as an installed program has them (PYTHONPYCACHEPREFIX under
bench/.data/, whatever PYTHONDONTWRITEBYTECODE says). --pythonpath DIR times a proposed change
(e.g. a patched copy of meti_pi, another typer) side by side; --strict exits 1 on a missed target.
--git-config core.splitIndex=true: git configuration for every git process of the run (commands
and floors alike), as a user's repository config would give it (the README's advice for large
registers); the index is put in that format before the first figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
PY = sys.executable
sys.path.insert(0, str(HERE))

import gen_register  # noqa: E402

TODAY = "2026-11-26"


@dataclass
class Row:
    figure: str
    target: str
    floor: float | None
    measured: float | None
    ok: bool | None
    note: str = ""
    peak: int | None = None  # the largest peak resident memory (KB) of the figure's timed runs

    def cells(self) -> list[str]:
        floor = f"{self.floor * 1000:.0f} ms" if self.floor is not None else "-"
        measured = f"{self.measured * 1000:.0f} ms" if self.measured is not None else "n/a"
        ratio = f"{self.measured / self.floor:.2f}" if self.floor and self.measured is not None else "-"
        verdict = {True: "pass", False: "FAIL", None: "-"}[self.ok]
        return [self.figure, self.target, floor, measured, ratio, verdict, mb(self.peak), self.note]


def mb(kb: int | None) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "-"


# --pythonpath DIRS: put these first on the commands' path (to time a proposed change side by side).
EXTRA_PATH = ""
# --git-config KEY=VALUE: git configuration given to every git process of the timed commands and of
# the floors (GIT_CONFIG_COUNT/KEY/VALUE, as a user's config would be), e.g. core.splitIndex=true.
GIT_CONFIG: list[tuple[str, str]] = []


def env_for(register: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "METI_PI_", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"))
    }
    if EXTRA_PATH:
        env["PYTHONPATH"] = EXTRA_PATH
    if GIT_CONFIG:
        env["GIT_CONFIG_COUNT"] = str(len(GIT_CONFIG))
        for i, (key, value) in enumerate(GIT_CONFIG):
            env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, value
    # Byte-code caches as an installed program has them, kept out of the source tree.
    env["PYTHONPYCACHEPREFIX"] = str(DATA / "pycache")
    env.update(
        {
            "METI_PI_REGISTER": str(register),
            "METI_PI_TODAY": TODAY,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Bench Officer",
            "GIT_AUTHOR_EMAIL": "bench@meti-pi.invalid",
            "GIT_COMMITTER_NAME": "Bench Officer",
            "GIT_COMMITTER_EMAIL": "bench@meti-pi.invalid",
            "LC_ALL": "C.UTF-8",
            "XDG_CACHE_HOME": str(DATA / "xdg-cache"),
        }
    )
    env.update(extra)
    return env


LAST_CPU = 0.0  # user + system seconds of the last run() (its own processes included)
# Peak resident memory (KB) of the runs since the last take_peak(): the largest ru_maxrss that wait4
# reports for a command (its own process, or the largest child it waited for).
PEAK = 0


def take_peak() -> int:
    global PEAK
    peak, PEAK = PEAK, 0
    return peak


def run(args: list[str], env: dict[str, str], *, cwd: Path = DATA, timeout: float = 600) -> tuple[float, int, str]:
    """(wall seconds, exit code, stderr tail) of one subprocess; its CPU time goes to LAST_CPU.

    It runs outside the source tree, as a user's command would: with `python -m`, the current
    folder comes first on sys.path and would otherwise decide which meti_pi is imported.
    """
    global LAST_CPU, PEAK
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip()[-300:]
    LAST_CPU = usage.ru_utime + usage.ru_stime
    PEAK = max(PEAK, usage.ru_maxrss)
    return wall, proc.returncode, tail


def meti(*args: str) -> list[str]:
    return [PY, "-m", "meti_pi", *args]


def median_of(samples: list[float]) -> float:
    return statistics.median(samples)


def floor_pass(env: dict[str, str], reps: int) -> float:
    return median_of([run([PY, "-c", "pass"], env)[0] for _ in range(reps)])


FLOOR_PARSE = textwrap.dedent("""
    import os, sys, time, yaml
    root = sys.argv[1]
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith('.')]
        files += [os.path.join(d, n) for n in names if n.endswith('.yaml')]
    t = time.perf_counter()
    for f in files:
        with open(f, 'rb') as fh:
            yaml.load(fh.read(), Loader=yaml.CSafeLoader)
    print(time.perf_counter() - t, len(files))
""")


def floor_parse(register: Path, env: dict[str, str]) -> float:
    """CSafeLoader alone reading and parsing every file, one core (its own timing: no start-up)."""
    out = subprocess.run(
        [PY, "-c", FLOOR_PARSE, str(register)], env=env, capture_output=True, text=True, check=True
    ).stdout
    return float(out.split()[0])


def git_dir(register: Path) -> Path:
    out = subprocess.run(
        ["git", "rev-parse", "--absolute-git-dir"], cwd=register, capture_output=True, text=True, check=True
    )
    return Path(out.stdout.strip())


# --register-from SIZE=DIR: a repository bench/gen_register.py made elsewhere (e.g. /work/benchdata),
# copied once under bench/.data/ instead of generating one of that size (read-only there).
REGISTER_FROM: dict[int, Path] = {}


def prepare(records: int, commits: int) -> Path:
    """The generated repository, rebuilt when the generator or the sizes changed."""
    stamp_text = f"{records} {commits} {(HERE / 'gen_register.py').stat().st_mtime_ns}"
    repo = DATA / f"reg-{records}"
    stamp = DATA / f"reg-{records}.stamp"
    source = REGISTER_FROM.get(records)
    if source is not None:
        stamp_text, repo, stamp = f"copy of {source}", DATA / f"reg-{records}-copy", DATA / f"reg-{records}-copy.stamp"
        if not (stamp.exists() and stamp.read_text() == stamp_text and (repo / "register").is_dir()):
            shutil.rmtree(repo, ignore_errors=True)
            subprocess.run(["cp", "-a", str(source), str(repo)], check=True)
            stamp.write_text(stamp_text)
            print(f"copied {source} to {repo.relative_to(ROOT)}", flush=True)
    if not (stamp.exists() and stamp.read_text() == stamp_text and (repo / "register").is_dir()):
        t = time.perf_counter()
        gen_register.generate(repo, records, commits)
        stamp.write_text(stamp_text)
        print(
            f"generated {repo.relative_to(ROOT)}: {records} records, {commits} small commits, {time.perf_counter() - t:.1f} s",
            flush=True,
        )
    # Back to the generated state: earlier bench runs added commits and files.
    subprocess.run(["git", "reset", "-q", "--hard", _base_commit(repo)], cwd=repo, check=True)
    subprocess.run(["git", "clean", "-q", "-fdx"], cwd=repo, check=True)
    for graph in (repo / ".git" / "objects" / "info").glob("commit-graph*"):
        if graph.is_dir():
            shutil.rmtree(graph)
        else:
            graph.unlink()
    shutil.rmtree(repo / ".git" / "meti-pi-cache", ignore_errors=True)
    # The index in the format --git-config asks for before the first timed command (git would
    # otherwise split it at the first write, which that command would pay); a split left by an
    # earlier run with core.splitIndex=true is undone (git keeps an index split once it is).
    split = any(k.lower() == "core.splitindex" and v.lower() in ("true", "yes", "on", "1") for k, v in GIT_CONFIG)
    subprocess.run(["git", "update-index", "--split-index" if split else "--no-split-index"], cwd=repo, check=True)
    return repo / "register"


def _base_commit(repo: Path) -> str:
    """The last generated commit (tagged on first use, so bench commits can be dropped)."""
    tag = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", "refs/tags/bench-base"], cwd=repo, capture_output=True, text=True
    )
    if tag.returncode == 0:
        return tag.stdout.strip()
    subprocess.run(["git", "tag", "bench-base", "main"], cwd=repo, check=True)
    return subprocess.run(
        ["git", "rev-parse", "bench-base"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def hot_record(repo: Path) -> str:
    """The record amended by the most commits (the `history` figure reads it)."""
    out = subprocess.run(
        ["git", "log", "--format=%s", "-n", "2000"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    counts: dict[str, int] = {}
    for subject in out.splitlines():
        key = subject.split(":", 1)[0]
        if key.startswith("files/"):
            counts[key] = counts.get(key, 0) + 1
    return max(counts, key=lambda k: counts[k])


# -- the figures ---------------------------------------------------------------------------------------


def bench_validate(register: Path, reps: int, rows: list[Row]) -> None:
    env = env_for(register)
    cache = git_dir(register) / "meti-pi-cache"
    shutil.rmtree(DATA / "xdg-cache", ignore_errors=True)
    floor0 = floor_parse(register, env)
    shutil.rmtree(cache, ignore_errors=True)
    take_peak()
    first, code, _ = run(meti("validate"), env)
    rows.append(
        Row(
            "validate, first run ever (also makes the cache key)",
            "info",
            floor0,
            first,
            None,
            f"exit {code}",
            take_peak(),
        )
    )
    colds, floors, cpus = [], [], []
    for _ in range(reps):
        floors.append(floor_parse(register, env))
        shutil.rmtree(cache, ignore_errors=True)  # the register's cache (the per-user key stays)
        wall, code, _err = run(meti("validate"), env)
        colds.append(wall)
        cpus.append(LAST_CPU)
    cold, floor = median_of(colds), median_of(floors)
    rows.append(
        Row(
            "validate, cold (register cache emptied)",
            "<= floor (CSafeLoader 1 core)",
            floor,
            cold,
            cold <= floor and code in (0, 1),
            f"exit {code}; runs {', '.join(f'{c:.2f}' for c in colds)} s",
            take_peak(),
        )
    )
    rows.append(
        Row(
            "  the same, CPU time of all its processes",
            "info (2 cores)",
            floor,
            median_of(cpus),
            None,
            "ratio > 1 and wall <= floor: the second core pays",
        )
    )
    warms = [run(meti("validate"), env)[0] for _ in range(reps + 4)]
    warm, peak = median_of(warms), take_peak()
    floor = floor_pass(env, 5)
    rows.append(
        Row("validate, warm (nothing changed)", "<= 300 ms", floor, warm, warm <= 0.3, "floor: python -c pass", peak)
    )
    # The CI / pre-commit case: one record changed by hand since the last validation. Each run edits
    # another value, so nothing of the edited state was validated before; the file is restored after.
    # Two edits: a files record's notes, and a division's name (a wider reach: the re-check reads the
    # notices of every file within two references of it).
    for target, key, note in ((edit_target(register), "notes", ""), (division_target(register), "name", ", name")):
        original = target.read_text(encoding="utf-8")
        edits, codes = [], set()
        take_peak()
        try:
            for i in range(reps):
                target.write_text(
                    original.replace(f"\n{key}: ", f"\n{key}: 一件編集{os.getpid()}-{i}", 1), encoding="utf-8"
                )
                wall, code, _ = run(meti("validate"), env)
                edits.append(wall)
                codes.add(code)
        finally:
            target.write_text(original, encoding="utf-8")
        rows.append(
            Row(
                f"validate after a one-file edit ({target.parent.name}/{note})",
                "info (issue 18: <= 1.5 s at 100k)",
                floor,
                median_of(edits),
                None,
                f"exit {sorted(codes)}; runs {', '.join(f'{e:.2f}' for e in edits)} s",
                take_peak(),
            )
        )
        run(meti("validate"), env)  # the restored state validated again, as before this figure


def division_target(register: Path) -> Path:
    """The division whose name the second edit figure changes: the one most files name."""
    counts: dict[str, int] = {}
    for path in (register / "files").glob("F-*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("division: "):
                counts[line.split(": ", 1)[1].strip()] = counts.get(line.split(": ", 1)[1].strip(), 0) + 1
                break
    if not counts:
        raise SystemExit("bench: no files record names a division")
    return register / "divisions" / f"{max(sorted(counts), key=lambda d: counts[d])}.yaml"


def edit_target(register: Path) -> Path:
    """A files record with notes (the one-file edit figure changes its text)."""
    for path in sorted((register / "files").glob("F-*.yaml")):
        if "\nnotes: " in path.read_text(encoding="utf-8"):
            return path
    raise SystemExit("bench: no files record with notes to edit")


def bench_touched(register: Path, rows: list[Row]) -> None:
    """validate with every file touched (a checkout rewriting the work tree): git re-hashes, we do not
    parse. Run last (meti-pi has git refresh its index after a successful command; were it not so, every
    later command would re-hash every file), and the bench runs no `git status` to hide anything."""
    env = env_for(register)
    now = time.time()
    for dirpath, _, names in os.walk(register):
        for name in names:
            os.utime(os.path.join(dirpath, name), (now, now))
    take_peak()
    touched = run(meti("validate"), env)[0]
    peak = take_peak()
    again = run(meti("validate"), env)[0]
    rows.append(
        Row(
            "validate, every file touched (same content)",
            "<= 300 ms (info)",
            None,
            touched,
            None,
            f"git re-hashes stat-dirty files once; the next validate {again:.2f} s (meti-pi had git refresh its index)",
            peak,
        )
    )


def _edit_data(path: Path, i: int) -> None:
    """A hand edit that changes the record's data (its `notes`), as an officer's edit does: an edit
    of a comment alone leaves the data as it was, which the write path checks on the record alone."""
    text = path.read_text(encoding="utf-8")
    if "\nnotes: " in text:
        text = text.replace("\nnotes: ", f"\nnotes: 点検{i}回目。", 1)
    else:
        text += f"notes: 点検{i}回目。\n"
    path.write_text(text, encoding="utf-8")


def bench_write(register: Path, reps: int, rows: list[Row]) -> None:
    env = env_for(register)
    run(meti("validate"), env)  # the state before: validated, as after any earlier command
    news, codes = [], set()
    take_peak()
    for i in range(reps):
        wall, code, err = run(
            meti(
                "new",
                "divisions",
                "--id",
                f"bench-{os.getpid()}-{i}",
                "--set",
                "name=ベンチ課",
                "--set",
                "org=経済産業省",
                "--set",
                "manager_post=課長",
            ),
            env,
        )
        news.append(wall)
        codes.add(code)
        if code != 0:
            print(f"  new failed: {err}", file=sys.stderr)
    peak = take_peak()
    floor = floor_pass(env, 5)
    git_floor = floor_git_commit(register, env, reps)
    rows.append(
        Row(
            "new (write + validate + commit)",
            "<= 300 ms",
            floor,
            median_of(news),
            median_of(news) <= 0.30 and codes == {0},
            f"exit {sorted(codes)}; floor: python -c pass; a plain `git commit` of a one-file change: {git_floor * 1000:.0f} ms",
            peak,
        )
    )
    target = sorted((register / "divisions").glob("div-*.yaml"))[0]
    commits, codes = [], set()
    take_peak()
    for i in range(reps):
        _edit_data(target, i)
        wall, code, err = run(meti("commit", str(target), "-m", "bench edit"), env)
        commits.append(wall)
        codes.add(code)
        if code != 0:
            print(f"  commit failed: {err}", file=sys.stderr)
    rows.append(
        Row(
            "commit of a hand edit (validate + commit)",
            "<= 300 ms",
            floor,
            median_of(commits),
            median_of(commits) <= 0.30 and codes == {0},
            f"exit {sorted(codes)}; `git commit` floor as above",
        )
    )
    division = sorted((register / "divisions").glob("div-*.yaml"))[1].stem
    file_id = sorted((register / "files").glob("F-*.yaml"))[0].stem
    opens, codes = [], set()
    for i in range(reps):
        wall, code, err = run(
            meti(
                "incident",
                "open",
                "--known-on",
                "2026-11-20",
                "--summary",
                f"ベンチ誤送付 {i}",
                "--division",
                division,
                "--file",
                file_id,
            ),
            env,
        )
        opens.append(wall)
        codes.add(code)
        if code != 0:
            print(f"  incident open failed: {err}", file=sys.stderr)
    rows.append(
        Row(
            "incident open (assess + write + validate + commit)",
            "<= 300 ms (issue 18: <= 0.5 s at 100k)",
            floor,
            median_of(opens),
            median_of(opens) <= 0.30 and codes == {0},
            f"exit {sorted(codes)}; `git commit` floor as above",
        )
    )
    # The incident the last `incident open` made (its commit's subject names it), updated in turn.
    subject = subprocess.run(
        ["git", "log", "-1", "--format=%s"], cwd=register, capture_output=True, text=True, check=True
    ).stdout
    incident = subject.split(":", 1)[0].removeprefix("incidents/")
    updates, codes = [], set()
    for i in range(reps):
        wall, code, err = run(meti("incident", "update", incident, "--event", "note", "--note", f"ベンチ経過 {i}"), env)
        updates.append(wall)
        codes.add(code)
        if code != 0:
            print(f"  incident update failed: {err}", file=sys.stderr)
    rows.append(
        Row(
            "incident update (an event: re-assess + write + validate + commit)",
            "<= 300 ms (issue 18: <= 0.5 s at 100k)",
            floor,
            median_of(updates),
            median_of(updates) <= 0.30 and codes == {0},
            f"exit {sorted(codes)}; `git commit` floor as above",
        )
    )


def floor_git_commit(register: Path, env: dict[str, str], reps: int) -> float:
    """The same-run floor of the write figures: git itself committing a one-file change (`git commit
    --only -- FILE`, what meti-pi runs) in the same repository, from a clean index."""
    repo = Path(
        subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=register, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    target = sorted((register / "divisions").glob("div-*.yaml"))[-1]
    walls = []
    for i in range(reps):
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"# git floor {i}\n")
        wall, code, err = run(
            ["git", "commit", "-q", "--no-verify", "-m", "floor", "--only", "--", str(target)], env, cwd=repo
        )
        walls.append(wall)
        if code != 0:
            print(f"  git commit failed: {err}", file=sys.stderr)
    return median_of(walls)


def bench_startup(reps: int, rows: list[Row]) -> None:
    env = env_for(ROOT / "register")
    floor = floor_pass(env, reps)
    for args in (["--help"], ["validate", "--help"], ["new", "--help"], ["status", "--help"], ["--version"]):
        samples = [run(meti(*args), env)[0] for _ in range(reps)]
        m = median_of(samples)
        rows.append(Row(f"meti-pi {' '.join(args)}", "<= 100 ms median", floor, m, m <= 0.1, "floor: python -c pass"))


def bench_commands(register: Path, reps: int, rows: list[Row], repo: Path) -> None:
    env = env_for(register)
    run(meti("validate"), env)
    hot = hot_record(repo)
    commands = [
        ("inspect --year 2026", ["inspect", "--year", "2026"]),
        ("inspect --year 2026 --json", ["inspect", "--year", "2026", "--json"]),
        ("inspect --year 2026 --division (one)", ["inspect", "--year", "2026", "--division", one_division(register)]),
        ("notify --check", ["notify", "--check"]),
        ("status", ["status"]),
        ("incident list", ["incident", "list"]),
        (f"history {hot} ({hot_count(repo, hot)} commits)", ["history", hot]),
    ]
    floor = floor_pass(env, 5)
    for name, args in commands:
        first, code, err = run(meti(*args), env, timeout=900)  # warms the cache
        if code not in (0, 1):
            rows.append(
                Row(name, "<= 1 s warm", floor, None, None, f"exit {code}: {err.splitlines()[-1] if err else ''}"[:120])
            )
            continue
        take_peak()
        samples = [run(meti(*args), env, timeout=900)[0] for _ in range(max(1, reps - 1))]
        m = median_of(samples)
        rows.append(Row(name, "<= 1 s warm", floor, m, m <= 1.0, f"exit {code}; first run {first:.2f} s", take_peak()))
    t = time.perf_counter()
    subprocess.run(
        ["git", "commit-graph", "write", "--reachable", "--changed-paths"], cwd=repo, check=True, capture_output=True
    )
    graph = time.perf_counter() - t
    samples = [run(meti("history", hot), env)[0] for _ in range(reps)]
    m = median_of(samples)
    rows.append(
        Row(
            f"history {hot}, with commit-graph",
            "<= 1 s warm",
            floor,
            m,
            m <= 1.0,
            f"`git commit-graph write --reachable --changed-paths` took {graph:.2f} s",
        )
    )
    t = time.perf_counter()
    subprocess.run(
        ["git", "log", "--format=%H", "--", f"register/{hot}.yaml"], cwd=repo, check=True, capture_output=True
    )
    rows.append(Row("  (floor: git log -- <path> alone, with graph)", "-", None, time.perf_counter() - t, None))


def one_division(register: Path) -> str:
    """The first 課等 (by id): `inspect --year Y --division D`."""
    return sorted(p.stem for p in (register / "divisions").glob("*.yaml"))[0]


def hot_count(repo: Path, key: str) -> int:
    out = subprocess.run(
        ["git", "log", "--format=%H", "--", f"register/{key}.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return len(out.stdout.split())


def bench_classify(quick: bool, rows: list[Row]) -> str:
    """Rows from bench/bench_classify.py (the classify helper's benchmark), when it is there."""
    script = HERE / "bench_classify.py"
    if not script.exists():
        rows.append(
            Row("classify 1M rows", "<= 3x the polars all-text read", None, None, None, "bench_classify.py not present")
        )
        return ""
    proc = subprocess.run(
        [PY, str(script), *(["--quick"] if quick else [])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    rows.append(
        Row("classify (bench/bench_classify.py)", "see its table below", None, None, None, f"exit {proc.returncode}")
    )
    return proc.stdout + (proc.stderr[-2000:] if proc.returncode else "")


def print_table(rows: list[Row]) -> None:
    head = ["figure", "target", "floor", "measured", "ratio", "result", "peak mem", "note"]
    cells = [head] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head) - 1)]
    for c in cells:
        print("  ".join(c[i].ljust(widths[i]) for i in range(len(head) - 1)) + "  " + c[-1])


def print_scaled(sizes: list[int], tables: list[list[Row]]) -> None:
    """One table for several register sizes: measured (and floor) per size, and the growth factor
    from the smallest to the largest beside the growth of the register itself."""
    grow = sizes[-1] / sizes[0]
    head = ["figure", "target", *[f"{n:,} (floor), peak" for n in sizes], f"growth ({grow:g}x records)", "note"]
    cells = [head]
    for i, first in enumerate(tables[0]):
        same = [t[i] if i < len(t) else None for t in tables]
        line = [first.figure, first.target]
        for r in same:
            if r is None or r.measured is None:
                line.append("n/a")
            else:
                floor = f" ({r.floor * 1000:.0f})" if r.floor is not None else ""
                peak = f", {mb(r.peak)}" if r.peak else ""
                line.append(f"{r.measured * 1000:.0f} ms{floor}{peak}")
        a, b = same[0], same[-1]
        if a is not None and b is not None and a.measured and b.measured is not None:
            factor = b.measured / a.measured
            verdict = "super-linear" if factor > grow * 1.1 else ("sub-linear" if factor < grow * 0.5 else "linear")
            line.append(f"{factor:.2f}x {verdict}")
        else:
            line.append("-")
        line.append(same[-1].note if same[-1] is not None else "")
        cells.append(line)
    widths = [max(len(c[i]) for c in cells) for i in range(len(head) - 1)]
    for c in cells:
        print("  ".join(c[i].ljust(widths[i]) for i in range(len(head) - 1)) + "  " + c[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 records, fewer repetitions")
    ap.add_argument("--records", type=int, default=None)
    ap.add_argument(
        "--scale",
        default="",
        help="register sizes, e.g. 100000 or 10000,50000,100000: one column per size "
        "(10,000 always included) and the growth factor (`make bench SCALE=...`)",
    )
    ap.add_argument("--commits", type=int, default=None)
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--only", nargs="*", default=None, help="validate write startup commands classify")
    ap.add_argument(
        "--pythonpath", default="", help="directories put first on the commands' PYTHONPATH (to time a proposed change)"
    )
    ap.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    ap.add_argument(
        "--register-from",
        action="append",
        default=[],
        metavar="SIZE=DIR",
        help="use a copy of the repository DIR (made by bench/gen_register.py with SIZE records) instead of generating it",
    )
    ap.add_argument(
        "--git-config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="git configuration for every git process of the bench, e.g. core.splitIndex=true "
        "(the README's advice for large registers); the index is made in that format before the first figure",
    )
    a = ap.parse_args(argv)
    for spec in a.git_config:
        key, sep, value = spec.partition("=")
        if not sep or not key:
            ap.error(f"--git-config {spec!r}: expected KEY=VALUE")
        GIT_CONFIG.append((key, value))
    for spec in a.register_from:
        size, _, folder = spec.partition("=")
        REGISTER_FROM[int(size.replace("_", ""))] = Path(folder).resolve()
    # The product as installed has its bytecode (pip compiles a wheel's modules); a checkout run
    # with PYTHONDONTWRITEBYTECODE=1 would compile ~100 modules in every timed command (~100 ms).
    # Compiled where the timed commands look for it (PYTHONPYCACHEPREFIX, as in env_for): compiling
    # into meti_pi/__pycache__ left the first timed command compiling again.
    import sysconfig

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "meti_pi"), sysconfig.get_paths()["purelib"]],
        env={**os.environ, "PYTHONPYCACHEPREFIX": str(DATA / "pycache")},
        check=False,
        stdout=subprocess.DEVNULL,
    )
    global EXTRA_PATH
    EXTRA_PATH = a.pythonpath
    records = a.records or (2_000 if a.quick else 10_000)
    commits = a.commits or (400 if a.quick else 2_000)
    reps = a.reps or (3 if a.quick else 5)
    only = set(a.only or ["validate", "write", "startup", "commands", "classify"])
    DATA.mkdir(parents=True, exist_ok=True)
    sizes = (
        sorted({10_000, *(int(x.replace("_", "")) for x in a.scale.split(",") if x.strip())}) if a.scale else [records]
    )
    rows: list[Row] = []
    started = time.perf_counter()
    if "startup" in only:  # independent of the register's size: once
        bench_startup(max(reps, 11), rows)
    tables: list[list[Row]] = []
    for size in sizes:
        register = prepare(size, commits)
        print(
            f"register: {register.relative_to(ROOT)} ({size} records); load average {os.getloadavg()[0]:.2f}"
            + (f"; PYTHONPATH={EXTRA_PATH}" if EXTRA_PATH else "")
            + (f"; git config {' '.join(f'{k}={v}' for k, v in GIT_CONFIG)}" if GIT_CONFIG else ""),
            flush=True,
        )
        sized: list[Row] = []
        if "validate" in only:
            bench_validate(register, reps, sized)
        if "write" in only:
            bench_write(register, reps, sized)
        if "commands" in only:
            bench_commands(register, reps, sized, register.parent)
        if "validate" in only:
            bench_touched(register, sized)
        tables.append(sized)
        print(f"  {size} records done, load average {os.getloadavg()[0]:.2f}", flush=True)
    classify_out = bench_classify(a.quick, rows) if "classify" in only else ""
    print()
    if len(sizes) == 1:
        print_table(rows[: len(rows) - ("classify" in only)] + tables[0] + rows[len(rows) - ("classify" in only) :])
    else:
        print_table(rows)
        print()
        print_scaled(sizes, tables)
    print(
        f"\nmachine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f}; "
        f"bench took {time.perf_counter() - started:.0f} s"
    )
    if classify_out:
        print("\n--- bench/bench_classify.py ---" + classify_out)
    return 1 if a.strict and any(r.ok is False for r in rows + [r for t in tables for r in t]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
