"""Hostile files (issue 15): FIFOs, devices, oversized option and register files, a CSV line of
200 MB, an .xlsx whose shared strings or used range would make python-calamine expand it beyond
reason. Each is refused with exit 2 (or reported by validate) naming the file and what to do,
nothing is written, and the command stays under 500 MB of memory and 10 s (measured in a
subprocess with resource.getrusage: a check of the limits, not a timing of meti-pi)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _reliability import TODAY, env
from conftest import git, make_register
from test_bad_input import assert_nothing_written, snapshot

MAX_RSS_BYTES = 500 << 20
MAX_SECONDS = 10.0

# Runs the real CLI in this process and reports its peak RSS and time on a pipe (at exit). The peak
# is the process's own: VmHWM, which exec starts afresh. ru_maxrss keeps the high-water mark of the
# process it was forked from, so once pytest had grown past 500 MiB every run here "took" 507 MiB
# (an outside run of `make test`: 26 failures, none alone).
MEASURED = r"""
import atexit, os, resource, sys, time
start = time.monotonic()
def own_peak():
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
def report():
    peak = own_peak()
    os.write(int(os.environ["METI_PI_MEASURE_FD"]), f"{peak} {time.monotonic() - start}".encode())
atexit.register(report)
sys.argv = ["meti-pi", *sys.argv[1:]]
from meti_pi.cli import main
main()
"""


def measured(root: Path, *args: str, timeout: float = 60) -> tuple[int, str, int, float]:
    """(exit code, stderr + stdout, peak RSS bytes, seconds) of one real CLI run."""
    read, write = os.pipe()
    proc = subprocess.run(
        [sys.executable, "-c", MEASURED, "--register", str(root), "--today", TODAY, *args],
        capture_output=True,
        env=env(METI_PI_MEASURE_FD=str(write)),
        timeout=timeout,
        pass_fds=(write,),
    )
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        peak, seconds = fh.read().split()
    return (
        proc.returncode,
        proc.stderr.decode(errors="replace") + proc.stdout.decode(errors="replace"),
        int(peak),
        float(seconds),
    )


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    return make_register(tmp_path, example=True)


def _check(root: Path, args: list[str], code: int, message: str) -> str:
    before = snapshot(root.parent)
    got, output, peak, seconds = measured(root, *args)
    assert got == code, output[-800:]
    assert message in output, output[-800:]
    assert "Traceback" not in output and "unexpected error" not in output
    assert peak < MAX_RSS_BYTES, f"peak RSS {peak >> 20} MiB"
    assert seconds < MAX_SECONDS, f"{seconds:.1f} s"
    assert_nothing_written(before, root.parent)
    return output


# -- datasets ------------------------------------------------------------------------------------


def _workbook(path: Path, cells: dict[str, str]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for ref, value in cells.items():
        wb.active[ref] = value
    wb.save(path)
    return path


def _with_shared_string(path: Path, size: int) -> Path:
    """A copy of a one-cell workbook whose only shared string is `size` bytes (compresses ~1000:1)."""
    small = _workbook(path.with_name("small.xlsx"), {"A1": "x"})
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                dst.writestr(info, src.read(info))
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
            )
            block = b"A" * (1 << 20)
            for _ in range(size >> 20):
                out.write(block)
            out.write(b"</t></si></sst>")
    return path


@pytest.mark.slow
def test_xlsx_shared_string_bomb(reg, tmp_path):
    path = _with_shared_string(tmp_path / "bomb.xlsx", 400 << 20)
    assert path.stat().st_size < 4 << 20  # a small file...
    _check(reg, ["classify", str(path)], 2, "shared strings (the text of its cells) expand to more than 128 MiB")


def test_xlsx_far_cell(reg, tmp_path):
    path = _workbook(tmp_path / "far.xlsx", {"A1": "氏名", "A2": "山田", "XFD1048576": "x"})
    _check(reg, ["classify", str(path)], 2, "spans 1,048,576 rows x 16,384 columns")


@pytest.mark.slow
def test_csv_line_of_200_mb(reg, tmp_path):
    path = tmp_path / "long.csv"
    with path.open("wb") as fh:
        fh.write(b"name,note\n")
        block = b"x" * (1 << 20)
        for _ in range(200):
            fh.write(block)
        fh.write(b",y\n")
    _check(reg, ["classify", str(path)], 2, "long.csv:2: a line longer than 16 MiB")


def test_jsonl_line_too_long(reg, tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"a": "' + b"x" * (20 << 20) + b'"}\n')
    _check(reg, ["classify", str(path)], 2, "long.jsonl:1: a line longer than 16 MiB")


def test_csv_field_over_the_limit(reg, tmp_path):
    path = tmp_path / "field.csv"
    # One quoted cell of 17 MiB over many short lines: no line is long, the field is.
    path.write_bytes(b'a,b\n"' + (b"y" * 1000 + b"\n") * (17 << 10) + b'",1\n')
    _check(reg, ["classify", str(path)], 2, "a cell of more than 16 MiB")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_dataset_that_is_not_a_regular_file(reg, tmp_path, kind):
    path = tmp_path / "data.csv"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    _check(reg, ["classify", str(path)], 2, "not a regular file (a FIFO, device or socket)")


# -- option files ----------------------------------------------------------------------------------

OPTION_RUNS = {
    "new --from": ["new", "divisions", "--id", "x-div", "--from", "{file}"],
    "incident open --from": ["incident", "open", "--from", "{file}"],
    "inspect --answers": ["inspect", "--year", "2026", "--division", "kanbo-jinji", "--answers", "{file}"],
    "classify --profile": ["classify", "--profile", "{file}"],
}


@pytest.mark.slow  # 24 CLI processes (issue 17: out of make test-fast)
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "oversized", "folder"])
@pytest.mark.parametrize("run", OPTION_RUNS.values(), ids=OPTION_RUNS.keys())
def test_option_file_limits(reg, tmp_path, run, kind):
    path = tmp_path / "option.yaml"
    if kind == "folder":  # was called "not a regular file (a FIFO, device or socket)"
        path.mkdir()
        message = f"{path}: a folder, not a file; give the file itself"
    elif kind == "fifo":
        os.mkfifo(path)
        message = "not a regular file"
    elif kind == "dev-zero":
        path = Path("/dev/zero")
        message = "not a regular file"
    else:
        path.write_text("notes: '" + "あ" * (2 << 20) + "'\n", encoding="utf-8")  # 6 MiB
        message = "over the limit of 4,194,304 (policy max_file_bytes)"
    dataset = Path(__file__).resolve().parent.parent / "examples" / "datasets" / "staff_utf8.csv"
    args = [a.replace("{file}", str(path)).replace("{dataset}", str(dataset)) for a in run]
    out = _check(reg, args, 2, message)
    assert str(path) in out


# -- register files ----------------------------------------------------------------------------------


REGISTER_RUNS = [
    ["validate"],
    ["show", "divisions/kanbo-jinji"],
    ["status"],
    ["export", "filebook", "--format", "csv"],
    ["incident", "list"],
    ["incident", "open", "--known-on", "2026-11-20", "--division", "kanbo-jinji", "--summary", "誤送付", "--dry-run"],
]


@pytest.mark.slow  # a CLI process per command (issue 17: out of make test-fast)
@pytest.mark.parametrize("args", REGISTER_RUNS, ids=[" ".join(a[:2]) for a in REGISTER_RUNS])
def test_a_fifo_in_the_register_never_blocks(reg, args):
    os.mkfifo(reg / "divisions" / "evil.yaml")
    before = snapshot(reg.parent)
    code, output, peak, seconds = measured(reg, *args, timeout=30)
    assert code in (0, 1), output[-800:]
    assert "Traceback" not in output
    if args[:2] == ["incident", "open"]:
        # A write decides from the register of the commit it sits on (read at HEAD, issue 18), as `new`
        # does: the FIFO is not in it, so it is never opened.
        assert "evil.yaml" not in output
    else:
        assert "divisions/evil.yaml" in output and "not a regular file" in output  # skipped, and said so
    if args[0] in ("validate", "export"):
        assert code == 1
    assert seconds < MAX_SECONDS and peak < MAX_RSS_BYTES
    assert_nothing_written(before, reg.parent, index_refreshed=code == 0)


ONCE_RUNS = [
    ["status"],
    ["status", "--json"],
    ["show", "divisions/kanbo-jinji"],
    ["show", "divisions/evil"],  # the FIFO itself: no such record (exit 2)
    ["notify", "--check"],
    ["incident", "list"],
]


@pytest.mark.parametrize("args", ONCE_RUNS, ids=[" ".join(a) for a in ONCE_RUNS])
def test_a_fifo_in_the_register_is_warned_of_once(reg, args):
    """`status` said "divisions/evil.yaml: not a regular file ...; skipped" twice for one FIFO: once
    for the work tree's changed files (overlay_problems), once for the lazy register's read faults
    (refuse_read_faults); `show` too. Each command now says it once."""
    from typer.testing import CliRunner

    from meti_pi.cli import app

    os.mkfifo(reg / "divisions" / "evil.yaml")
    result = CliRunner().invoke(app, ["--register", str(reg), "--today", TODAY, *args])
    assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output, result.output[-800:]
    assert result.stderr.count("divisions/evil.yaml: not a regular file") == 1, result.stderr


EXPORT_RUNS = [
    ("divisions", ["export", "sqlite", "out.db"]),
    ("divisions", ["export", "filebook", "--format", "csv"]),
    ("incidents", ["export", "sqlite", "out.db"]),  # sqlite holds every kind
]


@pytest.mark.parametrize(("folder", "args"), EXPORT_RUNS, ids=[f"{f} {a[1]}" for f, a in EXPORT_RUNS])
def test_an_export_refuses_a_fifo_it_needs_without_calling_it_skipped(reg, tmp_path, folder, args):
    """`export sqlite X.db` with a FIFO in the register said "divisions/zz.yaml: ...; skipped", then
    refused the export naming the same file as error[unreadable]: skipped and refused at once. An
    export refuses a file it needs that is no regular file, as validate lists it as an error; it no
    longer says it skipped it."""
    from typer.testing import CliRunner

    from meti_pi.cli import app

    os.mkfifo(reg / folder / "zz.yaml")
    args = [str(tmp_path / a) if a == "out.db" else a for a in args]
    result = CliRunner().invoke(app, ["--register", str(reg), "--today", TODAY, *args])
    assert result.exit_code == 1, result.output[-800:]
    assert f"{folder}/zz.yaml: error[unreadable] not a regular file" in result.output
    assert "skipped" not in result.stderr, result.stderr
    assert not (tmp_path / "out.db").exists()


@pytest.mark.parametrize("fmt", [[], ["--format", "junit"]], ids=["text", "junit"])
def test_validate_lists_a_fifo_as_an_error_not_also_as_skipped(reg, fmt):
    """validate said "divisions/zz.yaml: ...; skipped" on stderr and then listed the same file as
    error[unreadable] (exit 1): it skips nothing, it reports the file. Now the error alone, in the
    text report and in junit's (the register read whole)."""
    from typer.testing import CliRunner

    from meti_pi.cli import app

    os.mkfifo(reg / "divisions" / "zz.yaml")
    result = CliRunner().invoke(app, ["--register", str(reg), "--today", TODAY, "validate", *fmt])
    assert result.exit_code == 1, result.output[-800:]
    assert "zz.yaml" in result.stdout and "not a regular file" in result.stdout, result.stdout[-800:]
    assert "skipped" not in result.stderr, result.stderr


def test_the_filebook_skips_a_fifo_it_does_not_read_and_says_so(reg):
    """The ファイル簿 reads files/, divisions/ and the root files: a FIFO elsewhere is skipped (said
    once), as status skips it, and the book is exported."""
    from typer.testing import CliRunner

    from meti_pi.cli import app

    os.mkfifo(reg / "incidents" / "zz.yaml")
    args = ["--register", str(reg), "--today", TODAY, "export", "filebook", "--format", "csv"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output[-800:]
    assert result.stderr.count("incidents/zz.yaml: not a regular file") == 1, result.stderr
    assert "skipped" in result.stderr


def test_an_oversized_register_file_is_reported_not_read(reg):
    path = reg / "divisions" / "huge.yaml"
    path.write_text("schema_version: 1\nid: huge\nnotes: '" + "x" * (5 << 20) + "'\n", encoding="utf-8")
    code, output, _peak, _seconds = measured(reg, "validate")
    assert code == 1 and "divisions/huge.yaml" in output and "over the limit of 4,194,304" in output


def test_the_limit_is_a_policy_value(reg):
    policy = reg / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "max_file_bytes: 2048\n", encoding="utf-8")
    git(reg.parent, "commit", "-qam", "a small limit")
    _code, output, _, _ = measured(reg, "validate", "--json")
    assert "over the limit of 2,048 (policy max_file_bytes)" in output


def test_a_fifo_where_a_command_writes_is_refused_not_read(reg):
    os.mkfifo(reg / "divisions" / "case-div.yaml")
    out = _check(
        reg,
        [
            "new",
            "divisions",
            "--id",
            "case-div",
            "--set",
            "name=人事課",
            "--set",
            "org=経済産業省",
            "--set",
            "manager_post=課長",
        ],
        2,
        "divisions/case-div.yaml: not a regular file",
    )
    assert "Nothing was written" in out
