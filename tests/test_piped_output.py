"""Piped or redirected output is not laid out for an 80-column terminal (an outside new-user run:
`meti-pi status | cat` split division ids mid-word, `meti-pi inspect | cat` cut the checklist's
title with 「…」): grep and scripts see whole values. COLUMNS, when set, is still the width.
A reader that stops reading (`| head -3`) ends the command quietly with 141, not 1 ("rule errors")."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import EXAMPLE, invoke, make_register
from rich.cells import cell_len
from typer.testing import CliRunner

TODAY = "2026-12-07"


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    return make_register(tmp_path, example=True)


def test_status_piped_shows_each_item_whole_on_one_line(root, monkeypatch):
    result = invoke(CliRunner(), root, "status", "--all", today=TODAY)
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.stdout.splitlines() if "(files/F-2026-CT38TF)" in ln and "第35条第1項の通知" in ln]
    # its due date, category, article, whole title, reference and division on the one line
    for part in (
        "2024-06-01",
        "通知 第35条第1項",
        "「統計調査回答事業所担当者連絡先ファイル」の第35条第1項の通知",
        "kanbo-tokei-kozo",
    ):
        assert part in line, line
    # 7, and the example's 14 inspections of 年度 2025 not done or not finished (Art. 41(1)): the
    # register holds 年度 2025 (three 課等 inspected it), so every 課等 owed it
    assert "期限経過 21件" in result.stdout.splitlines()[0]
    # the table is as wide as its contents, not stretched to an unbounded width
    assert max(cell_len(ln) for ln in result.stdout.splitlines()) < 400
    # COLUMNS, when set, is the width asked for, piped or not
    monkeypatch.setenv("COLUMNS", "60")
    narrow = invoke(CliRunner(), root, "status", "--all", today=TODAY)
    assert max(cell_len(ln) for ln in narrow.stdout.splitlines()) == 60


def test_inspect_piped_title_is_whole(root):
    result = invoke(CliRunner(), root, "inspect", "--year", "2026", "--division", "boeki-kanri", today=TODAY)
    assert result.exit_code == 0, result.output
    title = result.stdout.splitlines()[0]
    assert "貿易管理課（boeki-kanri）令和８年度の点検項目 37件・登録情報による事前記入 4件 ─" in title
    assert "…" not in result.stdout


def test_show_piped_keeps_long_lines_whole(root):
    result = invoke(CliRunner(), root, "show", "F-2026-HFCE3G", today=TODAY)
    assert result.exit_code == 0, result.output
    long = max((EXAMPLE / "files" / "F-2026-HFCE3G.yaml").read_text(encoding="utf-8").splitlines(), key=cell_len)
    assert cell_len(long) > 120 and long in result.stdout.splitlines()


@pytest.mark.parametrize("json_flag", [(), ("--json",)])
def test_a_reader_that_stops_reading_ends_the_command_quietly_with_141(root, json_flag):
    """The output (~230 kB; 330 kB as JSON) is more than a pipe holds: meti-pi writes on after the
    reader closed it. It was exit 1, the contract's "rule errors", with no word."""
    args = ["--register", str(root), "--today", TODAY, "inspect", "--year", "2026", *json_flag]
    proc = subprocess.Popen([sys.executable, "-m", "meti_pi", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 141
    assert err == b""  # no traceback, no message
