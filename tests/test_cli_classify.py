"""`meti-pi classify`: the contract's JSON, exit codes, --profile, --record and the no-leak rule."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from conftest import git, invoke, make_register
from typer.testing import CliRunner

from meti_pi.cli import app

CONTRACT_KEYS = {
    "management_class",
    "reasons",
    "principals",
    "principals_basis",
    "personal_information",
    "specific_personal_information",
    "sensitive",
    "sensitive_categories",
    "identification_codes",
    "financial",
    "notifications",
    "exclusions",
    "filebook_listed",
    # added by issue 14 (the contract allows added keys): the engine's class beside the decided
    # one (Art. 16(1)), and the financial items the policy's financial_damage combinations judge
    "derived_class",
    "financial_items",
}
SCAN_KEYS = CONTRACT_KEYS | {"dataset", "detections"}


def run(*args: str, runner: CliRunner | None = None):
    return (runner or CliRunner()).invoke(app, ["--today", "2026-11-26", *args])


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def staff(path: Path, n: int) -> Path:
    rows = [["職員番号", "氏名", "メールアドレス"]] + [[f"S{i:05d}", "山田 太郎", f"s{i}@example.jp"] for i in range(n)]
    return write_csv(path, rows)


def test_scan_json_has_exactly_the_contract_keys(tmp_path: Path) -> None:
    result = run("classify", str(staff(tmp_path / "s.csv", 1000)), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == SCAN_KEYS
    assert doc["management_class"] == "B"
    assert doc["principals"] == 1000 and doc["principals_basis"] == "scanned"
    assert doc["notifications"] == ["35-1"]
    assert doc["filebook_listed"] is True
    assert set(doc["dataset"]) == {"path", "format", "rows", "columns"}
    assert doc["dataset"]["columns"] == ["職員番号", "氏名", "メールアドレス"]
    assert all(set(d) == {"column", "kind", "matched", "checked"} for d in doc["detections"])
    assert all(set(r) == {"rule", "article", "text"} for r in doc["reasons"])


@pytest.mark.parametrize(("n", "klass", "excluded"), [(999, "C", ["74-2-9"]), (1000, "B", []), (1001, "B", [])])
def test_scan_boundaries(tmp_path: Path, n: int, klass: str, excluded: list[str]) -> None:
    doc = json.loads(run("classify", str(staff(tmp_path / "s.csv", n)), "--json").stdout)
    assert doc["management_class"] == klass
    assert doc["exclusions"] == excluded


def test_judgement_options(tmp_path: Path) -> None:
    path = str(staff(tmp_path / "s.csv", 1000))
    doc = json.loads(run("classify", path, "--json", "--file-kind", "manual").stdout)
    assert doc["exclusions"] == ["74-2-11"] and doc["notifications"] == [] and doc["filebook_listed"]
    doc = json.loads(run("classify", path, "--json", "--exclusion", "74-2-10").stdout)
    assert doc["notifications"] == ["35-2"] and not doc["filebook_listed"]
    doc = json.loads(run("classify", path, "--json", "--confidential").stdout)
    assert doc["management_class"] == "A"
    doc = json.loads(run("classify", path, "--json", "--processing", "anonymized").stdout)
    assert doc["personal_information"] is False


def test_key_option(tmp_path: Path) -> None:
    path = str(staff(tmp_path / "s.csv", 10))
    assert json.loads(run("classify", path, "--json", "--key", "氏名").stdout)["principals"] == 1
    bad = run("classify", path, "--key", "個人番号")
    assert bad.exit_code == 2 and "no such column" in bad.stderr


def test_payroll_example_with_my_number(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "examples" / "datasets" / "payroll.xlsx"
    doc = json.loads(run("classify", str(example), "--json").stdout)
    assert doc["specific_personal_information"] is True
    assert doc["management_class"] == "A"
    assert "35-3" in doc["notifications"]
    # a salary account number alone is no financial-damage risk (policy financial_damage, PPC Q&A A6-11)
    assert doc["financial_items"] == ["bank_account"]
    assert doc["financial"] is False
    assert any(d["kind"] == "my_number" for d in doc["detections"])


def test_corporate_numbers_and_order_numbers_are_not_personal() -> None:
    examples = Path(__file__).resolve().parent.parent / "examples" / "datasets"
    for name in ("corporations.csv", "orders.csv"):
        doc = json.loads(run("classify", str(examples / name), "--json").stdout)
        assert doc["personal_information"] is False, name
        assert doc["principals"] == 0
        assert doc["notifications"] == []


def test_profile(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("principals: 1000\nfile_kind: manual\nmy_number: false\n", encoding="utf-8")
    doc = json.loads(run("classify", "--profile", str(profile), "--json").stdout)
    assert set(doc) == CONTRACT_KEYS
    assert doc["management_class"] == "B" and doc["principals_basis"] == "stated"
    assert doc["filebook_listed"] and doc["notifications"] == []
    profile.write_text("principals: 10000000000\n", encoding="utf-8")  # the bound itself is a count
    assert json.loads(run("classify", "--profile", str(profile), "--json").stdout)["principals"] == 10**10


def test_a_register_option_that_holds_no_register_is_refused_not_replaced_by_the_defaults(tmp_path: Path) -> None:
    # classify reads the register's policy where there is one; one named by --register that is none
    # (a file, a missing folder) was passed over for the default policy, exit 0
    profile = tmp_path / "p.yaml"
    profile.write_text("principals: 1000\n", encoding="utf-8")
    for given in (tmp_path / "p.yaml", tmp_path / "missing"):
        result = run("--register", str(given), "classify", "--profile", str(profile), "--json")
        assert result.exit_code == 3 and "management_class" not in result.stdout, (given, result.output)
        assert str(given) in json.loads(result.stdout)["errors"][0]["message"]
    assert run("classify", "--profile", str(profile), "--json").exit_code == 0  # no option: the defaults


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("principals: [1\n", "p.yaml:2:"),
        ("principal: 3\n", "unknown key"),
        # the contract: path:line where one exists (it said `p.yaml: unknown key(s) principal`)
        ("sensitive: true\nprincipal: 3\n", "p.yaml:2: principal: unknown key(s) principal; allowed: "),
        ("exclusions: [74-2-99]\n", "74-2-99"),
        # a count beyond any population was classified 管理B (10**26 本人): refused at its line
        (
            "sensitive: false\nprincipals: 100000000000000000000000000\n",
            "p.yaml:2: principals: more 本人 than can be (at most 10,000,000,000",
        ),
        ("principals: 10000000001\n", "p.yaml:1: principals: more 本人 than can be"),
    ],
)
def test_bad_profile_is_a_usage_error(tmp_path: Path, text: str, fragment: str) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(text, encoding="utf-8")
    result = run("classify", "--profile", str(profile))
    assert result.exit_code == 2
    assert fragment in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("x.csv", "--profile", "p.yaml"),
        ("missing.csv",),
        ("data.xls",),
        ("--exclusion", "74-2-12", "x.csv"),
    ],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    result = run("classify", *[str(tmp_path / a) if a.endswith((".csv", ".xls", ".yaml")) else a for a in args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_unreadable_dataset_exit_2_without_the_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"氏名": "秘匿太郎"}\n{"氏名": "漏洩花子"\n', encoding="utf-8")
    result = run("classify", str(path))
    assert result.exit_code == 2
    assert f"{path}:2:" in result.stderr
    assert "漏洩花子" not in result.output and "秘匿太郎" not in result.output


def test_table_output(tmp_path: Path) -> None:
    result = run("classify", str(staff(tmp_path / "s.csv", 5)))
    assert result.exit_code == 0
    assert "管理区分: 管理C" in result.stdout
    assert "山田" not in result.stdout


# ------------------------------------------------------------------ --record


FILE_ID = "F-2026-5TV229"  # an example register record without 個人番号


def test_record_writes_the_files_record_and_one_commit(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    data = staff(tmp_path / "staff.csv", 1200)
    before = git(root, "rev-parse", "HEAD").strip()
    result = invoke(runner, root, "classify", str(data), "--record", FILE_ID, "--json")
    assert result.exit_code == 0, result.stderr
    assert git(root, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [f"register/files/{FILE_ID}.yaml"]
    trailers = git(root, "log", "-1", "--format=%(trailers)")
    assert "Meti-Pi-Command: classify" in trailers and f"Meti-Pi-Record: files/{FILE_ID}" in trailers
    from meti_pi.store.yamlload import load

    items_before = load(git(root, "show", f"{before}:register/files/{FILE_ID}.yaml"))["record_items"]
    record = load((root / "files" / f"{FILE_ID}.yaml").read_text(encoding="utf-8"))
    assert record["management_class"] == "B"
    assert record["principals"] == {"count": 1200, "as_of": "2026-11-26", "basis": "scanned"}
    # The officer's 記録項目 are notified items: kept; the scanned columns go to the scan summary.
    assert record["record_items"] == items_before
    scan = record["classification"]["scan"]
    assert scan["columns"] == ["職員番号", "氏名", "メールアドレス"]
    assert scan["dataset"] == "staff.csv" and scan["rows"] == 1200 and len(scan["sha256"]) == 64
    assert record["classification"]["decided_on"] == "2026-11-26"
    assert any(r["rule"] == "class-b" for r in record["classification"]["reasons"])
    message = git(root, "log", "-1", "--format=%B")
    assert "management class falls" not in message + result.stderr  # B stays B
    assert "本人の数 falls from 2,340 as of 2026-11-20 to 1,200 (scanned)" in message  # fewer 本人 is said


def test_recording_the_same_result_again_says_nothing_was_committed(tmp_path: Path, runner: CliRunner) -> None:
    """The same scan recorded twice: the second run changes nothing and makes no commit, and says
    so (it said "recorded 管理B in files/..." as if it had)."""
    root = make_register(tmp_path, example=True)
    data = staff(tmp_path / "staff.csv", 1200)
    first = invoke(runner, root, "classify", str(data), "--record", FILE_ID)
    assert first.exit_code == 0, first.stderr
    assert f"recorded 管理B in files/{FILE_ID} (commit " in first.stderr
    head = git(root, "rev-parse", "HEAD").strip()
    again = invoke(runner, root, "classify", str(data), "--record", FILE_ID)
    assert again.exit_code == 0, again.stderr
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert "recorded 管理B" not in again.stderr and "nothing to commit" in again.stderr


def test_a_count_stated_again_unchanged_keeps_its_as_of_date(tmp_path: Path, runner: CliRunner) -> None:
    """`classify --profile P --record F` moved `principals.as_of` to today though P stated the count the
    record holds (4,812 as of 2026-10-01): the date says when the count was established (the drafts print
    「4,812人（…時点）」, and a file that falls under 74(2)(ix) owes its 74(3) notice from it), so the same
    count keeps it; a new count is dated today."""
    root = make_register(tmp_path, example=True)
    record = root / "files" / "F-2026-FZRXZV.yaml"
    from meti_pi.store.yamlload import load

    assert load(record.read_text(encoding="utf-8"))["principals"]["as_of"] == "2026-10-01"
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "principals: 4812\nsensitive: true\nsensitive_categories: [health_check, medical_history]\n"
        "identification_codes: [mutual_aid_national]\nconfidential: true\nfile_kind: computer\n",
        encoding="utf-8",
    )
    same = invoke(runner, root, "classify", "--profile", str(profile), "--record", "F-2026-FZRXZV", today="2026-12-07")
    assert same.exit_code == 0, same.stderr
    principals = load(record.read_text(encoding="utf-8"))["principals"]
    assert principals == {"count": 4812, "as_of": "2026-10-01", "basis": "stated"}
    profile.write_text(profile.read_text(encoding="utf-8").replace("4812", "4900"), encoding="utf-8")
    new = invoke(runner, root, "classify", "--profile", str(profile), "--record", "F-2026-FZRXZV", today="2026-12-08")
    assert new.exit_code == 0, new.stderr
    assert load(record.read_text(encoding="utf-8"))["principals"] == {
        "count": 4900,
        "as_of": "2026-12-08",
        "basis": "stated",
    }


def test_record_says_in_the_commit_and_on_stderr_when_the_class_falls(tmp_path: Path, runner: CliRunner) -> None:
    """A scan of 50 rows recorded into a 管理B file of 2,340 本人 lowers it to 管理C (fewer
    safeguards, no notice, out of the ファイル簿): the usual cause is a dataset holding part of
    the file, so the change is said where the audit officer and the 管理者 read it."""
    root = make_register(tmp_path, example=True)
    result = invoke(runner, root, "classify", str(staff(tmp_path / "s.csv", 50)), "--record", FILE_ID, "--json")
    assert result.exit_code == 0, result.stderr
    said = f"files/{FILE_ID}: the management class falls from 管理B to 管理C; 本人の数 falls from 2,340 as of 2026-11-20 to 50 (scanned)"
    assert said in result.stderr and "git revert" in result.stderr
    assert said in git(root, "log", "-1", "--format=%B")


def test_record_says_which_characteristics_the_scan_did_not_find(tmp_path: Path, runner: CliRunner) -> None:
    """The example's 健康診断 file records a 共済組合員証番号 (a 個人識別符号) and 4,812 本人; its
    30-row extract holds neither: recording the scan drops both (the file then falls under 74-2-9,
    out of the ファイル簿), and says so; its class (管理A) holds."""
    root = make_register(tmp_path, example=True)
    data = Path(__file__).resolve().parent.parent / "examples" / "datasets" / "health_check.csv"
    result = invoke(runner, root, "classify", str(data), "--record", "F-2026-FZRXZV", "--json")
    assert result.exit_code == 0, result.stderr
    said = "characteristics the scan did not find are no longer recorded: identification_codes (mutual_aid_national)"
    assert said in result.stderr and said in git(root, "log", "-1", "--format=%B")
    assert "本人の数 falls from 4,812 as of 2026-10-01 to 30 (scanned)" in result.stderr
    assert "management class falls" not in result.stderr


def test_a_dry_run_that_would_lower_the_record_advises_not_recording_it(tmp_path: Path, runner: CliRunner) -> None:
    """--dry-run commits nothing: its warning said to "undo this with `git revert`" a commit that was
    never made; it says not to record the extract and to state the file's facts instead."""
    root = make_register(tmp_path, example=True)
    data = Path(__file__).resolve().parent.parent / "examples" / "datasets" / "health_check.csv"
    head = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "classify", str(data), "--record", "F-2026-FZRXZV", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "本人の数 falls from 4,812 as of 2026-10-01 to 30 (scanned)" in result.stderr
    assert "git revert" not in result.stderr
    assert "do not record it: state the file's facts with --profile" in result.stderr
    assert git(root, "rev-parse", "HEAD") == head


def test_a_flag_the_scan_does_not_find_is_said_too() -> None:
    """A characteristic recorded true that the outcome makes false (here 個人番号) is named."""
    from meti_pi.classify.classification import Judgements, decide_outcome, profile_from_mapping, record_lowered

    outcome = decide_outcome(None, profile_from_mapping({"principals": 10}), Judgements(), {})
    record = {"management_class": "C", "characteristics": {"my_number": True, "sensitive": False}}
    said = record_lowered(record, outcome) or ""
    assert "characteristics the stated profile did not find are no longer recorded: my_number (true -> false)" in said
    assert "if that was not meant" in said and "dataset" not in said  # a stated profile is no dataset
    dry = record_lowered(record, outcome, dry_run=True) or ""
    assert "correct the stated profile before recording it" in dry and "git revert" not in dry
    assert record_lowered({"management_class": "C", "characteristics": {"my_number": False}}, outcome) is None


@pytest.mark.parametrize("record", [True, False], ids=["--record", "a plain scan"])
def test_a_dataset_written_to_while_it_is_scanned_is_refused(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, record: bool
) -> None:
    """A row appended while the scan runs (a file still being exported): the counts, and for --record
    the SHA-256 read after them, would be of different contents; refused (exit 2), nothing committed."""
    import meti_pi.classify.detect as detect

    root = make_register(tmp_path, example=True)
    data = staff(tmp_path / "s.csv", 1200)
    real = detect.scan

    def scan_while_written(path, **kw):  # type: ignore[no-untyped-def]
        result = real(path, **kw)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("E99999,山田 太郎,x@example.jp\n")
        return result

    monkeypatch.setattr(detect, "scan", scan_while_written)
    head = git(root, "rev-parse", "HEAD")
    args = ("--record", FILE_ID) if record else ()
    result = invoke(runner, root, "classify", str(data), *args, "--json")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)  # --json: the refusal as the contract's one JSON document
    message = doc["errors"][0]["message"]
    assert doc["ok"] is False and "changed while it was scanned" in message
    assert ("nothing was recorded" in message) == record
    assert git(root, "rev-parse", "HEAD") == head and "Traceback" not in result.stderr


def test_record_fills_record_items_only_when_the_record_has_none(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    path = root / "files" / f"{FILE_ID}.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("record_items:")
    end = text.index("\n", text.index("\n", start) + 1)
    while text[end + 1 : end + 5] == "  - ":
        end = text.index("\n", end + 1)
    path.write_text(text[:start] + "record_items: []" + text[end:], encoding="utf-8")
    git(root, "commit", "-qam", "items not yet written")
    result = invoke(runner, root, "classify", str(staff(tmp_path / "staff.csv", 10)), "--record", FILE_ID, "--json")
    from meti_pi.store.yamlload import load

    assert result.exit_code == 0, result.stderr
    assert load(path.read_text(encoding="utf-8"))["record_items"] == ["職員番号", "氏名", "メールアドレス"]


def test_record_of_a_header_without_rows_is_refused(tmp_path: Path, runner: CliRunner) -> None:
    """A header and no row (an empty query's export) counts no 本人: recorded, it wrote 管理C and 0
    persons over a 管理B file of 2,340 with a warning only. Refused (exit 2), nothing written; the
    scan alone still answers."""
    root = make_register(tmp_path, example=True)
    data = tmp_path / "h.csv"
    data.write_text("氏名,住所,電話番号\n", encoding="utf-8")
    before = git(root, "rev-parse", "HEAD").strip()
    result = invoke(runner, root, "classify", str(data), "--record", FILE_ID, "--json")
    assert result.exit_code == 2
    [error] = json.loads(result.stdout)["errors"]
    assert "no row of data under the header; nothing was recorded" in error["message"]
    assert error["path"] == str(data) and error["line"] is None
    assert git(root, "rev-parse", "HEAD").strip() == before and git(root, "status", "--porcelain") == ""
    assert invoke(runner, root, "classify", str(data)).exit_code == 0


def test_record_dry_run_writes_nothing(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    before = (root / "files" / f"{FILE_ID}.yaml").read_text(encoding="utf-8")
    head = git(root, "rev-parse", "HEAD")
    result = invoke(
        runner, root, "classify", str(staff(tmp_path / "s.csv", 50)), "--record", FILE_ID, "--dry-run", "--json"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["management_class"] == "C"
    assert "falls from 管理B to 管理C" in result.stderr  # said before anything is written
    assert (root / "files" / f"{FILE_ID}.yaml").read_text(encoding="utf-8") == before
    assert git(root, "rev-parse", "HEAD") == head


def test_record_unknown_or_bad_id(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    data = str(staff(tmp_path / "s.csv", 5))
    unknown = invoke(runner, root, "classify", data, "--record", "F-NOPE")  # exit 3 before: 'cannot run'
    assert unknown.exit_code == 2 and "F-NOPE.yaml: no such record" in unknown.output  # as the README's table says
    assert invoke(runner, root, "classify", data, "--record", "../x").exit_code == 2


def test_record_refused_when_my_number_basis_is_missing(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    example = Path(__file__).resolve().parent.parent / "examples" / "datasets" / "payroll.xlsx"
    head = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "classify", str(example), "--record", FILE_ID)
    assert result.exit_code == 1  # the register would become invalid: nothing written
    assert git(root, "rev-parse", "HEAD") == head


# ------------------------------------------------------------------ no leak


def test_no_cell_value_reaches_register_history_or_output(tmp_path: Path, runner: CliRunner) -> None:
    """Scan, record, then look for every cell value in the register, the whole git history and
    everything printed: none may appear."""
    rows = [["職員番号", "氏名", "フリガナ", "生年月日", "電話番号", "メールアドレス", "住所", "既往歴"]]
    for i in range(1100):
        rows.append(
            [
                f"QX{i:06d}",
                f"{'佐藤鈴木高橋田中'[i % 4 * 2 : i % 4 * 2 + 2]} 秘{i:04d}",
                f"ヒミツ タロウ{i:04d}",
                f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}",
                f"090-7{i:03d}-{i:04d}"[:13],
                f"leak.{i:05d}@secret.example",
                f"東京都秘密区隠町{i}-{i % 7}-{i % 5}",
                ["糖尿病", "喘息", "なし"][i % 3] + f"第{i:04d}号",
            ]
        )
    data = write_csv(tmp_path / "secret.csv", rows)
    root = make_register(tmp_path, example=True)
    outputs = []
    for args in (("--json",), ()):
        result = invoke(runner, root, "classify", str(data), "--record", FILE_ID, *args)
        assert result.exit_code == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    repo = root.parent
    history = subprocess.run(
        ["git", "log", "-p", "--all", "--format=%H%n%B"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    files = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    haystacks = {"history": history, "register": files, "output": "\n".join(outputs)}
    values = {cell for row in rows[1:] for cell in row if len(cell) >= 4}
    assert len(values) > 7000
    for where, text in haystacks.items():
        leaked = [v for v in values if v in text]
        assert not leaked, f"{len(leaked)} cell values found in {where}, e.g. {leaked[:1]!r}"
    assert "既往歴" in history  # column names (not values) are recorded: the search does find text


def test_record_judgements_come_from_the_record_unless_given(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    data = str(staff(tmp_path / "s.csv", 1200))
    paper = "F-2026-113VYQ"  # a manual (paper) file in the example register
    doc = json.loads(invoke(runner, root, "classify", data, "--record", paper, "--dry-run", "--json").stdout)
    assert doc["exclusions"] == ["74-2-11"]
    assert doc["notifications"] == []
    assert doc["filebook_listed"] is True
    given = json.loads(
        invoke(runner, root, "classify", data, "--record", paper, "--dry-run", "--json", "--file-kind", "none").stdout
    )
    assert given["notifications"] == ["35-2"]  # 管理B data that is not a file: 35(2)


# ------------------------------------------------------------------ issue 14: --class, the 管理者's decision


def test_record_a_decided_class_with_its_rationale(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    data = str(staff(tmp_path / "s.csv", 50))  # the engine: 管理C (50 本人, no 管理A ground)
    result = invoke(
        runner,
        root,
        "classify",
        data,
        "--record",
        FILE_ID,
        "--class",
        "B",
        "--rationale",
        "外部公開前の審査情報を含むため準ずる管理とする",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["management_class"] == "B" and doc["derived_class"] == "C"
    from meti_pi.store.yamlload import load

    record = load((root / "files" / f"{FILE_ID}.yaml").read_text(encoding="utf-8"))
    assert record["management_class"] == "B"
    assert record["classification"]["derived_class"] == "C"
    assert record["classification"]["class_rationale"] == "外部公開前の審査情報を含むため準ずる管理とする"
    # a rescan without --class keeps the 管理者's decision (it has a reason) and refreshes the advice
    result = invoke(runner, root, "classify", str(staff(tmp_path / "t.csv", 60)), "--record", FILE_ID, "--json")
    assert result.exit_code == 0, result.stderr
    record = load((root / "files" / f"{FILE_ID}.yaml").read_text(encoding="utf-8"))
    assert record["management_class"] == "B" and record["classification"]["class_rationale"]


def test_lower_class_needs_a_rationale(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    data = str(staff(tmp_path / "s.csv", 1200))
    head = git(root, "rev-parse", "HEAD")
    # --confidential: the engine's 管理A
    result = invoke(runner, root, "classify", data, "--confidential", "--record", FILE_ID, "--class", "B")
    assert result.exit_code == 2
    assert "--rationale" in result.stderr and "Traceback" not in result.stderr
    assert git(root, "rev-parse", "HEAD") == head
    ok = invoke(
        runner,
        root,
        "classify",
        data,
        "--confidential",
        "--record",
        FILE_ID,
        "--class",
        "B",
        "--rationale",
        "公表済みの情報が大半で、厳重な管理までは要しないと判断",
    )
    assert ok.exit_code == 0, ok.stderr
    assert invoke(runner, root, "validate").exit_code == 0


@pytest.mark.parametrize(
    ("n", "confidential", "code"),
    [(999, False, 0), (1000, False, 1), (1001, False, 1), (999, True, 0), (1000, True, 1)],
)
def test_class_c_for_a_thousand_principals_is_refused(
    tmp_path: Path, runner: CliRunner, n: int, confidential: bool, code: int
) -> None:
    """Art. 16(1): what is not 管理A and has 千人以上の本人 is 管理B, whatever the 管理者's reason
    (it was recorded as 管理C with a rationale, dropping the 35(2) notice)."""
    root = make_register(tmp_path, example=True)
    data = str(staff(tmp_path / "s.csv", n))
    head = git(root, "rev-parse", "HEAD")
    extra = ["--confidential"] if confidential else []
    args = ["classify", data, *extra, "--class", "C", "--rationale", "影響が小さいと判断", "--json"]
    result = invoke(runner, root, *args, "--record", FILE_ID)
    assert result.exit_code == code, result.output
    if code:
        assert f"{n:,} 本人, 千人以上" in result.stderr and "--class B" in result.stderr
        assert git(root, "rev-parse", "HEAD") == head  # nothing recorded
        assert run(*args).exit_code == 1  # nor computed without --record
    else:
        assert json.loads(result.stdout)["management_class"] == "C"


def test_rationale_without_class_is_a_usage_error(tmp_path: Path) -> None:
    result = run("classify", str(staff(tmp_path / "s.csv", 5)), "--rationale", "理由")
    assert result.exit_code == 2


def test_bank_account_alone_is_not_class_a_but_with_credentials_it_is(tmp_path: Path) -> None:
    rows = [["氏名", "口座番号"]] + [[f"山田 太郎{i}", f"{1234560 + i}"] for i in range(30)]
    doc = json.loads(run("classify", str(write_csv(tmp_path / "a.csv", rows)), "--key", "氏名", "--json").stdout)
    assert doc["financial_items"] == ["bank_account"] and doc["financial"] is False
    assert doc["management_class"] == "C"
    rows = [["氏名", "口座番号", "暗証番号"]] + [[f"山田 太郎{i}", f"{1234560 + i}", f"{1000 + i}"] for i in range(30)]
    doc = json.loads(run("classify", str(write_csv(tmp_path / "b.csv", rows)), "--json").stdout)
    assert set(doc["financial_items"]) == {"bank_account", "account_credentials"} and doc["financial"] is True
    assert doc["management_class"] == "A"


def test_my_numbers_under_a_neutral_header_make_class_a(tmp_path: Path) -> None:
    import random

    from meti_pi.classify.checkdigits import my_number_check_digit

    rng = random.Random(7)
    bodies = ["".join(rng.choice("0123456789") for _ in range(11)) for _ in range(300)]
    rows = [["職員番号", "コード"]] + [[f"E{i:05d}", b + str(my_number_check_digit(b))] for i, b in enumerate(bodies)]
    result = run("classify", str(write_csv(tmp_path / "c.csv", rows)), "--json")
    doc = json.loads(result.stdout)
    assert doc["management_class"] == "A" and doc["specific_personal_information"] is True
    assert "35-3" in doc["notifications"]
    assert all(b not in result.stdout for b in bodies)  # counts only, never a value


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_a_quote_left_open_is_exit_2_not_a_smaller_file(tmp_path: Path, encoding: str) -> None:
    """A review's case: 3,000 staff rows, row 3 `100002,"山田太郎,東京都` — classify said 3 rows,
    管理C, exit 0 (the columnar engine refuses the file and the Python pass read the rest as one cell)."""
    rows = ["職員番号,氏名,住所", *(f"{100000 + i},山田{i}太郎,東京都千代田区{i}" for i in range(3000))]
    rows[3] = '100002,"山田太郎,東京都'
    path = tmp_path / "stray.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode(encoding))
    result = run("classify", str(path), "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["message"].startswith(f"{path}:4: a quoted cell is never closed")


def test_sheet_names_that_could_be_personal_data_are_not_printed(tmp_path: Path) -> None:
    """A workbook with a sheet per person: its names were printed as labels (山田太郎!日付) and
    --record committed them; the --sheet error listed them."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name in ("山田太郎", "taro@example.com", "総務"):
        sheet = book.create_sheet(name)
        sheet.append(["日付", "体温"])
        for day in range(1, 8):
            sheet.append([f"2026-04-{day:02d}", "36.5"])
    path = tmp_path / "persheet.xlsx"
    book.save(path)
    result = run("classify", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert "山田太郎" not in result.stdout and "taro@" not in result.stdout
    columns = json.loads(result.stdout)["dataset"]["columns"]
    assert {c.split("!")[0] for c in columns} == {"シート1", "シート2", "総務"}
    refused = run("classify", str(path), "--sheet", "無い")
    assert refused.exit_code == 2 and "taro@" not in refused.output and "シート2" in refused.output
    # the error names the sheets as the scan does: a person's name too (screening alone passed it)
    assert "山田太郎" not in refused.output and "シート1" in refused.output and "総務" in refused.output


def test_the_sheet_error_lists_sheets_as_the_scan_names_them(tmp_path: Path) -> None:
    """A first sheet named 山田太郎 (shown as シート1, its name maybe personal data) beside a sheet
    really named シート1: the scan names the first 1枚目のシート, the --sheet error listed both as シート1
    (one with a note), not to be told apart. The list now uses the scan's names and says how to pick
    a sheet shown under a stand-in name (by its own name: the scan of it alone prints no sheet name)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name in ("山田太郎", "シート1"):
        sheet = book.create_sheet(name)
        sheet.append(["職員番号", "電話"])
        for i in range(20):
            sheet.append([f"E{i:05d}", f"03-1234-{i:04d}"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    scanned = json.loads(run("classify", str(path), "--json").stdout)["dataset"]["columns"]
    refused = run("classify", str(path), "--sheet", "nope")
    assert refused.exit_code == 2 and "山田太郎" not in refused.output
    listed = refused.output.split("sheets: ", 1)[1].split(";", 1)[0].strip()
    assert listed == "1枚目のシート (its name may be personal data), シート1", refused.output
    assert [c.split("!")[0] for c in scanned] == ["1枚目のシート"] * 2 + ["シート1"] * 2
    assert "chosen by its own name, exactly as the workbook writes it" in refused.output
    chosen = run("classify", str(path), "--sheet", "山田太郎", "--json")
    assert chosen.exit_code == 0 and "山田太郎" not in chosen.stdout, chosen.output
    assert json.loads(chosen.stdout)["dataset"]["columns"] == ["職員番号", "電話"]
    # a workbook with no stand-in: no word on how to pick one
    plain = tmp_path / "plain.xlsx"
    book.remove(book["山田太郎"])
    book.save(plain)
    assert "stand-in" not in run("classify", str(plain), "--sheet", "nope").output


def test_a_count_on_names_alone_says_it_merges_namesakes(tmp_path: Path) -> None:
    """1,500 rows of 20 names (no other identifying column): the count, 20, is a lower bound (同姓同名
    count once) and the reason says so. Its rows reach 1,000, so neither 管理C nor 74-2-9 rests on it
    (both were given: the file out of the notices and the ファイル簿): the count is unknown, 管理B
    until the 管理者 names the key (--key 氏名: the names tell the persons apart) or states it."""
    names = [s + g for s in ("山田", "佐藤", "鈴木", "高橋", "田中") for g in ("太郎", "花子", "一郎", "美咲")]
    path = tmp_path / "names.csv"
    path.write_text("氏名,備考\n" + "".join(f"{names[i % 20]},なし\n" for i in range(1500)), encoding="utf-8")
    doc = json.loads(run("classify", str(path), "--json").stdout)
    [text] = [r["text"] for r in doc["reasons"] if r["rule"] == "principals"]
    assert "同姓同名は一人と数える（下限値）" in text
    assert doc["principals"] is None and doc["principals_basis"] == "unknown"
    assert doc["management_class"] == "B" and "74-2-9" not in doc["exclusions"]
    [unsure] = [r["text"] for r in doc["reasons"] if r["rule"] == "principals-unconfirmed"]
    assert "20人（下限値）から1,500人（行数）" in unsure and "--key" in unsure
    keyed = json.loads(run("classify", str(path), "--key", "氏名", "--json").stdout)
    assert keyed["principals"] == 20 and keyed["management_class"] == "C" and "74-2-9" in keyed["exclusions"]
    path.write_text("職員番号,氏名\n" + "".join(f"{i},{names[i % 20]}\n" for i in range(1500)), encoding="utf-8")
    doc = json.loads(run("classify", str(path), "--json").stdout)
    [text] = [r["text"] for r in doc["reasons"] if r["rule"] == "principals"]
    assert "同姓同名" not in text and doc["principals"] == 1500  # a number identifies each one


@pytest.mark.parametrize(("rows", "unknown"), [(999, False), (1000, True), (1001, True)])
def test_a_lower_bound_count_is_held_against_1000_only_where_its_rows_cannot_reach_it(
    tmp_path: Path, rows: int, unknown: bool
) -> None:
    """20 names over `rows` rows: under 1,000 rows the count, whatever namesakes it merged, is under
    1,000 (a person a row at most): 管理C and 74-2-9 stand; from 1,000 rows they cannot."""
    names = [s + g for s in ("山田", "佐藤", "鈴木", "高橋", "田中") for g in ("太郎", "花子", "一郎", "美咲")]
    path = tmp_path / "names.csv"
    path.write_text("氏名,備考\n" + "".join(f"{names[i % 20]},なし\n" for i in range(rows)), encoding="utf-8")
    doc = json.loads(run("classify", str(path), "--json").stdout)
    assert (doc["principals"] is None) is unknown
    assert doc["management_class"] == ("B" if unknown else "C")
    assert ("74-2-9" in doc["exclusions"]) is not unknown


def test_a_profile_entry_at_fault_is_named_with_its_line(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("file_kind: computer\nprincipals: many\n", encoding="utf-8")
    result = run("classify", "--profile", str(profile))
    assert result.exit_code == 2 and f"{profile}:2: principals: " in result.output


def test_a_rescan_past_a_thousand_refuses_the_kept_class_c(tmp_path: Path, runner: CliRunner) -> None:
    """管理C decided (with a reason) for 50 本人 of a 管理A dataset stands; a rescan that finds
    1,200 without --class keeps the file's decision, which 16(1) no longer allows."""
    root = make_register(tmp_path, example=True)
    args = ["--confidential", "--record", FILE_ID]
    first = invoke(
        runner, root, "classify", str(staff(tmp_path / "s.csv", 50)), *args, "--class", "C", "--rationale", "理由"
    )
    assert first.exit_code == 0, first.output
    head = git(root, "rev-parse", "HEAD")
    again = invoke(runner, root, "classify", str(staff(tmp_path / "t.csv", 1200)), *args)
    assert again.exit_code == 1 and "the decided 管理C (--class, or the file's management_class)" in again.stderr
    assert git(root, "rev-parse", "HEAD") == head


def test_a_column_headed_my_number_whose_values_excel_spoilt_is_said(tmp_path: Path) -> None:
    """個人番号 re-saved by a spreadsheet as 7.48526E+11 bear no check digit: the column went
    unreported without a word (管理C for a file its header says holds 個人番号). The scan says so, by
    counts and the column's name only; a column of real 個人番号 gets no such note."""
    rows = [["職員番号", "個人番号"]] + [[f"S{i:05d}", f"{1 + i % 9}.{48526 + i}E+11"] for i in range(300)]
    result = run("classify", str(write_csv(tmp_path / "spoilt.csv", rows)), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    notes = [r["text"] for r in doc["reasons"] if r["rule"] == "scan-note"]
    assert doc["specific_personal_information"] is False
    assert [n for n in notes if n.startswith("列「個人番号」: 見出しは個人番号を示すが")]
    assert "標本300件中0件" in notes[-1] and "E+11" not in result.stdout
    from meti_pi.classify.checkdigits import my_number_check_digit

    bodies = [f"{100000000 + i * 7919:011d}" for i in range(300)]
    good = [["職員番号", "個人番号"]] + [[f"S{i:05d}", b + str(my_number_check_digit(b))] for i, b in enumerate(bodies)]
    doc = json.loads(run("classify", str(write_csv(tmp_path / "good.csv", good)), "--json").stdout)
    assert doc["specific_personal_information"] is True
    assert not [r for r in doc["reasons"] if r["rule"] == "scan-note" and "見出しは" in r["text"]]


def test_a_dataset_behind_a_folder_it_may_not_enter_is_a_usage_error(tmp_path: Path, monkeypatch) -> None:
    """A folder without search permission (chmod 000, as a non-root user finds it): every stat of
    the file inside fails with EACCES. It was an internal error (exit 3) from the progress check's
    Path.is_file; root, as the tests may run, enters any folder, so the refusal is simulated."""
    import errno

    locked = tmp_path / "locked"
    locked.mkdir()
    path = locked / "staff.csv"
    path.write_text("氏名\n秘匿太郎\n", encoding="utf-8")
    real_stat = Path.stat

    def stat(self: Path, *args: object, **kwargs: object):
        if self.parent == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    result = run("classify", str(path), "--json")
    assert result.exit_code == 2, result.output
    assert f"{path}: cannot read the dataset (Permission denied)" in result.stderr
    assert json.loads(result.stdout)["exit_code"] == 2
    assert "秘匿太郎" not in result.output


def test_a_folder_given_as_the_dataset_is_called_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "staff.csv"
    folder.mkdir()
    result = run("classify", str(folder))
    assert result.exit_code == 2
    assert f"{folder}: a folder, not a file; give the dataset file itself" in result.stderr
    assert "FIFO" not in result.stderr


def test_an_empty_jsonl_is_not_recorded_as_a_file_of_no_one(tmp_path: Path, runner: CliRunner) -> None:
    """An empty .jsonl (an export that failed) was scanned as 0 rows: 管理C, no personal
    information, and --record wrote that into the ファイル簿 record and committed it."""
    root = make_register(tmp_path, example=True)
    data = tmp_path / "export.jsonl"
    data.write_bytes(b"")
    before = git(root, "rev-parse", "HEAD").strip()
    result = invoke(runner, root, "classify", str(data), "--record", FILE_ID, "--json")
    assert result.exit_code == 2, result.output
    assert f"{data}: empty file; there is nothing to classify" in result.stderr
    assert git(root, "rev-parse", "HEAD").strip() == before
    assert git(root, "status", "--porcelain").strip() == ""


def _diff_lines(root: Path) -> tuple[list[str], list[str]]:
    """(removed, added) lines of the last commit's diff."""
    diff = git(root, "show", "--format=", "-U0", "HEAD")
    body = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return [line[1:] for line in body if line[0] == "-"], [line[1:] for line in body if line[0] == "+"]


def test_recording_a_profile_changes_only_the_lines_of_the_changed_facts(tmp_path: Path, runner: CliRunner) -> None:
    """The demo's `classify --profile health_check.profile.yaml --record F-2026-FZRXZV`: the record's
    lists are written in flow style (`identification_codes: [mutual_aid_national]`); the command
    rewrote each list it set as block lines, the unchanged identification_codes too (the commit is
    the audit trail: a one-field change is a one-line diff). Fails on the former code."""
    root = make_register(tmp_path, example=True)
    profile = Path(__file__).resolve().parent.parent / "examples" / "datasets" / "health_check.profile.yaml"
    result = invoke(runner, root, "classify", "--profile", str(profile), "--record", "F-2026-FZRXZV")
    assert result.exit_code == 0, result.output
    removed, added = _diff_lines(root)
    # the count stated is the one recorded (4,812): its as-of date stays
    assert [line.split(":")[0] for line in removed] == ["  sensitive_categories", "  rationale", "  decided_on"]
    assert added[0] == "  sensitive_categories: [health_check, medical_history]"
    assert [line.split(":")[0] for line in added[1:4]] == ["  rationale", "  decided_on", "  derived_class"]
    assert added[4] == "  reasons:" and all(line.startswith("    ") for line in added[5:])
    # Stated again later, nothing but the decision's date changes: one line.
    result = invoke(
        runner, root, "classify", "--profile", str(profile), "--record", "F-2026-FZRXZV", today="2026-11-30"
    )
    assert result.exit_code == 0, result.output
    assert _diff_lines(root) == (["  decided_on: '2026-11-26'"], ["  decided_on: '2026-11-30'"])


def test_recording_a_scan_keeps_the_style_of_the_lists_it_changes(tmp_path: Path, runner: CliRunner) -> None:
    """`classify DATASET --record`: a flow list the scan changes stays one flow line (the former
    code wrote it as block lines); a list the scan drops is one removed line; recording the same
    data again later changes only the dates."""
    root = make_register(tmp_path, example=True)
    data = Path(__file__).resolve().parent.parent / "examples" / "datasets" / "health_check.csv"
    assert invoke(runner, root, "classify", str(data), "--record", "F-2026-FZRXZV").exit_code == 0
    removed, added = _diff_lines(root)
    assert removed[:2] == ["  sensitive_categories: [health_check]", "  identification_codes: [mutual_aid_national]"]
    assert added[0] == "  sensitive_categories: [health_check, medical_history]"
    assert not any("mutual_aid_national" in line for line in added)
    result = invoke(runner, root, "classify", str(data), "--record", "F-2026-FZRXZV", today="2026-11-30")
    assert result.exit_code == 0, result.output
    removed, added = _diff_lines(root)
    assert [line.split(":")[0] for line in removed] == [line.split(":")[0] for line in added]
    # the count, the same, keeps its as_of
    assert {line.split(":")[0].strip() for line in removed} == {"decided_on", "scanned_on"}
