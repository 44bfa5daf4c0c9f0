"""Outside legal review of `notify` (規程 Arts. 35, 36, 38; APPI 69, 74; 番号法 19, 30)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import invoke, make_register
from typer.testing import CliRunner

MY_NUMBER_FILE = "F-2026-WS4AX4"  # example register: 個人番号関係事務 (支払調書), my_number: true


@pytest.mark.parametrize(
    "basis", ["個人情報保護法第69条第2項第3号", "個人情報保護法第６９条第２項第４号", "APPI 69(2)(ii)-(iv)"]
)
def test_provision_of_my_number_data_on_appi_69_2_ii_to_iv_is_refused(
    runner: CliRunner, tmp_path: Path, basis: str
) -> None:
    # 番号法30(1) switches off APPI 69(2)(ii)-(iv) for 特定個人情報 (legal brief §1.5, VERIFIED).
    root = make_register(tmp_path, example=True)
    args = ("notify", "log", MY_NUMBER_FILE, "--kind", "provision", "--summary", "支払調書データの提供")
    result = invoke(runner, root, *args, "--recipient", "某庁", "--basis", basis)
    assert result.exit_code == 1, result.output
    assert "番号法第19条" in result.output
    assert "events" not in (root / "ledger" / f"{MY_NUMBER_FILE}.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "basis",
    ["個人情報保護法第69条第2項第1号（本人の同意）", "APPI 69(2)(i)", "個人情報保護法第69条第1項", "APPI 69(1)"],
)
def test_provision_of_my_number_data_on_appi_69_2_i_is_refused(runner: CliRunner, tmp_path: Path, basis: str) -> None:
    # 番号法30(1) rewrites APPI 69(2)(i) for 特定個人情報 into the body's own use (for life, body or
    # property), not a provision (legal brief §1.5, VERIFIED): consent is no basis for providing it,
    # which rests on 番号法19 alone (19(1): to the 本人) as the refusal of (ii)-(iv) says.
    root = make_register(tmp_path, example=True)
    args = ("notify", "log", MY_NUMBER_FILE, "--kind", "provision", "--summary", "支払調書データの提供")
    result = invoke(runner, root, *args, "--recipient", "本人", "--basis", basis)
    assert result.exit_code == 1, result.output
    assert "番号法第19条" in result.output and f"files/{MY_NUMBER_FILE} holds 個人番号" in result.output
    assert "events" not in (root / "ledger" / f"{MY_NUMBER_FILE}.yaml").read_text(encoding="utf-8")


def test_a_file_holding_my_number_by_its_identification_codes_is_a_my_number_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    # The engine reads 個人番号 from the flag or the 個人識別符号 recorded (its 35(3) notice is
    # required either way); the provision check read the flag alone and logged an APPI 69 basis.
    from conftest import git

    root = make_register(tmp_path, example=True)
    path = root / "files" / f"{MY_NUMBER_FILE}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  my_number: true\n", ""), encoding="utf-8")
    git(root, "commit", "-qam", "flag left out")
    args = ("notify", "log", MY_NUMBER_FILE, "--kind", "provision", "--summary", "支払調書データの提供")
    result = invoke(runner, root, *args, "--recipient", "某庁", "--basis", "個人情報保護法第69条第2項第3号")
    assert result.exit_code == 1, result.output
    assert "番号法第19条" in result.output


def test_provision_of_my_number_data_on_its_own_basis_is_logged(runner: CliRunner, tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    args = ("notify", "log", MY_NUMBER_FILE, "--kind", "provision", "--summary", "支払調書の提出")
    result = invoke(runner, root, *args, "--recipient", "税務署", "--basis", "番号法第19条第2号")
    assert result.exit_code == 0, result.output


def test_provision_of_other_data_on_appi_69_2_iii_is_logged(runner: CliRunner, tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    args = ("notify", "log", "F-2026-S1J6E5", "--kind", "provision", "--summary", "審査のための提供")
    result = invoke(runner, root, *args, "--recipient", "某庁", "--basis", "個人情報保護法第69条第2項第3号")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("file_id", ["F-2026-WS4AX4", "F-2026-CT38TF"])
def test_appi_74_3_notice_refused_for_a_file_still_held_above_the_threshold(
    runner: CliRunner, tmp_path: Path, file_id: str
) -> None:
    # APPI 74(3): the notice follows the end of holding or the fall under 74(2)(ix); neither happened
    # (WS4AX4 was notified, CT38TF never was; both are held, with 1,000 本人 or more).
    root = make_register(tmp_path, example=True)
    before = sorted(p.name for p in (root / "notifications").iterdir())
    result = invoke(runner, root, "notify", "record", file_id, "--kind", "appi-74-3", "--on", "2026-11-20")
    assert result.exit_code == 1, result.output
    assert "74(3)" in result.output and "holding.end" in result.output
    assert sorted(p.name for p in (root / "notifications").iterdir()) == before
