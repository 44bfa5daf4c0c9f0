"""init, validate, new, commit, show, history through the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO, SHIPPED, git, invoke, make_register

from meti_pi.errors import MetiPiError


def test_validate_shipped_register_is_clean(runner):
    result = invoke(runner, SHIPPED, "validate", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["errors"] == []


def test_validate_reports_every_problem_at_once_and_writes_nothing(tmp_path, runner):
    root = make_register(
        tmp_path,
        {
            "divisions/ok.yaml": "schema_version: 1\nid: ok\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n",
            "divisions/syntax.yaml": "schema_version: 1\nid: syntax\nname: [unclosed\n",
            "divisions/schema.yaml": "schema_version: 1\nid: schema\nname: 課\norg: 特許庁\nmanager_post: 課長\n",
            "divisions/other-name.yaml": "schema_version: 1\nid: not-the-file-name\nname: 課\norg: 経済産業省\nmanager_post: 課長\n",
            "systems/SYS-1.yaml": "schema_version: 1\nid: SYS-1\nname: 業務システム\nbeppyo_row: 6\nbusiness_division: nowhere\n",
            "divisions/bomb.yaml": "a: &a [x, x]\nb: [*a, *a]\n",
            "divisions/empty.yaml": "",
        },
    )
    (root / "divisions" / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "validate", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    by_path = {}
    for err in doc["errors"]:
        by_path.setdefault(err["path"], []).append(err)
    syntax = by_path["divisions/syntax.yaml"][0]
    assert syntax["code"] == "yaml" and syntax["line"] == 4 and "started at line 3" in syntax["message"]
    schema_err = by_path["divisions/schema.yaml"][0]
    assert schema_err["code"] == "schema" and schema_err["line"] == 4 and schema_err["key"] == "$.org"
    assert (
        by_path["divisions/other-name.yaml"][0]["code"] == "id-mismatch"
        and by_path["divisions/other-name.yaml"][0]["line"] == 2
    )
    dangling = by_path["systems/SYS-1.yaml"][0]
    assert dangling["code"] == "dangling-ref" and dangling["line"] == 5 and "divisions/nowhere" in dangling["message"]
    assert "anchors" in by_path["divisions/bomb.yaml"][0]["message"]
    assert by_path["divisions/empty.yaml"][0]["code"] == "empty"
    assert by_path["divisions/binary.yaml"][0]["code"] in ("encoding", "yaml")
    assert "divisions/ok.yaml" not in by_path
    assert git(root, "rev-parse", "HEAD") == before
    assert git(root.parent, "status", "--porcelain").strip().splitlines() == ["?? register/divisions/binary.yaml"]


def test_a_nul_byte_in_a_record_is_shown_at_its_line_and_column(tmp_path, runner):
    """A NUL byte in a register file was reported with no line (`"line": null` in --json, the path
    alone in text) and no way out: its line and column are given, with what the file is taken for and
    what to do; a UTF-16 file (no BOM) of ASCII text is found at its first line."""
    division = "schema_version: 1\nid: nul\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"
    root = make_register(tmp_path, {"divisions/nul.yaml": division})
    path = root / "divisions" / "nul.yaml"
    path.write_bytes(division.replace("人事課長", "人事\x00課長").encode())
    result = invoke(runner, root, "validate", "--json")
    assert result.exit_code == 1
    (error,) = [e for e in json.loads(result.stdout)["errors"] if e["path"] == "divisions/nul.yaml"]
    assert error["line"] == 5 and error["code"] == "yaml", error
    assert "NUL bytes (the first at column 17); it is not YAML text" in error["message"]
    assert "save it as UTF-8 text, or `git restore` it" in error["message"]
    assert "divisions/nul.yaml:5: error[yaml] file contains NUL bytes (the first at column 17)" in (
        invoke(runner, root, "validate").stdout
    )
    path.write_bytes("schema_version: 1\nid: nul\n".encode("utf-16-le"))  # ASCII: decodes as UTF-8
    (error,) = json.loads(invoke(runner, root, "validate", "--json").stdout)["errors"]
    assert error["line"] == 1 and "(the first at column 2)" in error["message"], error


def test_validate_text_output_is_path_line(tmp_path, runner):
    root = make_register(
        tmp_path,
        {"divisions/schema.yaml": "schema_version: 1\nid: schema\nname: 課\norg: 特許庁\nmanager_post: 課長\n"},
    )
    result = invoke(runner, root, "validate")
    assert result.exit_code == 1
    assert "divisions/schema.yaml:4: $.org: error[schema]" in result.stdout


def test_strict_turns_warnings_into_failure(tmp_path, runner):
    root = make_register(tmp_path, {"roles/sokatsu.yaml": None} if False else {})
    (root / "roles" / "sokatsu.yaml").unlink()
    assert invoke(runner, root, "validate").exit_code == 0
    result = invoke(runner, root, "validate", "--strict", "--json")
    assert result.exit_code == 1
    assert any(w["code"] == "role-missing" for w in json.loads(result.stdout)["warnings"])


def test_no_register_found_exits_3(tmp_path, runner, monkeypatch):
    from meti_pi.cli import app

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 3
    assert "no register found" in result.stderr


def test_a_register_path_from_the_environment_that_is_none_is_named_as_the_environments(tmp_path, runner, monkeypatch):
    """$METI_PI_REGISTER set elsewhere (a shell profile, a CI job) to a folder with no register made
    every command say "/x: no register.yaml there; pass the register directory", the user having
    passed none: the message now says the path is $METI_PI_REGISTER's; --register's is as it was."""
    from meti_pi.cli import app

    monkeypatch.chdir(tmp_path)
    afile = tmp_path / "out.csv"
    afile.write_text("a\n", encoding="utf-8")
    for given in (tmp_path / "登録簿", afile):
        monkeypatch.setenv("METI_PI_REGISTER", str(given))
        for args in (["status"], ["classify", str(afile)]):
            result = runner.invoke(app, ["--today", "2026-11-26", *args])
            assert result.exit_code == 3, result.output
            assert f"{given}" in result.stderr and "that path is $METI_PI_REGISTER's" in result.stderr, result.stderr
            assert "Traceback" not in result.output
    monkeypatch.delenv("METI_PI_REGISTER")
    result = invoke(runner, tmp_path / "登録簿", "status")
    assert result.exit_code == 3 and "METI_PI_REGISTER" not in result.stderr, result.stderr


def test_a_register_option_naming_a_file_says_it_is_a_file(tmp_path, runner, monkeypatch):
    """`--register /etc/passwd` (a file) said "no register.yaml there" and suggested
    `meti-pi init /etc/passwd`, which then failed on the file (an internal error): it is said to be a
    file, not a register folder; for the register's own register.yaml, its folder is named."""
    from meti_pi.cli import app

    afile = tmp_path / "passwd"
    afile.write_text("root:x:0:0::/root:/bin/sh\n")
    for given in (afile, afile / "sub"):
        result = invoke(runner, given, "validate", "--json")
        assert result.exit_code == 3, result.output
        message = json.loads(result.stdout)["errors"][0]["message"]
        assert f"{afile}" in message and "a file, not a register folder" in message, message
        assert "pass the folder that holds register.yaml" in message
        assert f"meti-pi init {given}" not in message
    marker = tmp_path / "reg" / "register.yaml"
    marker.parent.mkdir()
    marker.write_text("schema_version: 1\n")
    result = invoke(runner, marker, "validate")
    assert result.exit_code == 3
    assert f"{marker} is a file, not a register folder; pass the folder that holds it: {marker.parent}" in result.stderr
    monkeypatch.chdir(tmp_path)
    for given in (afile, afile / "sub"):
        result = runner.invoke(app, ["--today", "2026-11-26", "init", str(given)])
        assert result.exit_code == 2, result.output
        assert "not a folder; give init a folder that is new or holds no register" in result.stderr
        assert "unexpected error" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["passwd", "reg"]


def test_init_new_show_history(tmp_path, runner, monkeypatch):
    from meti_pi.cli import app

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "reg"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "reg"
    assert (root / "beppyo" / "row-9.yaml").exists()
    head = (root / "beppyo" / "row-9.yaml").read_text().splitlines()[0]
    # The modeline points at the register's own copy of the schemas (issue 12), never an install folder.
    assert head == "# yaml-language-server: $schema=../.schemas/beppyo.schema.json"
    # The init commit names its records, and only records: its .gitignore and the .schemas/ copies
    # are files beside them (the trailer read "Meti-Pi-Record: .giti", a path cut as if a .yaml).
    named = [t.split(": ", 1)[1] for t in git(root, "log", "-1", "--format=%(trailers)").splitlines() if "Record" in t]
    assert "beppyo/row-9" in named and "register" in named
    assert all((root / f"{r}.yaml").is_file() for r in named), named
    assert (root / "beppyo" / head.split("=", 1)[1]).read_bytes() == (
        REPO / "schemas" / "beppyo.schema.json"
    ).read_bytes()
    for rid, name, post in (
        ("kanbo-joho", "大臣官房情報システム室", "情報システム室長"),
        ("shomu-jigyo", "商務情報政策局情報産業課", "情報産業課長"),
    ):
        result = invoke(
            runner,
            root,
            "new",
            "divisions",
            "--id",
            rid,
            "--set",
            f"name={name}",
            "--set",
            "org=経済産業省",
            "--set",
            f"manager_post={post}",
        )
        assert result.exit_code == 0, result.output
    result = invoke(
        runner,
        root,
        "new",
        "systems",
        "--json",
        "--set",
        "name=補助金申請管理システム",
        "--set",
        "beppyo_row=6",
        "--set",
        "business_division=shomu-jigyo",
    )
    assert result.exit_code == 0, result.output
    sid = json.loads(result.stdout)["id"]
    assert sid.startswith("SYS-2026-")
    shown = json.loads(invoke(runner, root, "show", sid, "--json").stdout)
    system = shown["resolved"]["system"]
    assert system["gou"]["division"] == "shomu-jigyo"  # row 6: 当該個別業務を所掌する課等
    assert system["otsu"]["division"] == "kanbo-joho"  # row 6: 大臣官房情報システム室
    hist = json.loads(invoke(runner, root, "history", sid, "--json").stdout)["commits"]
    assert len(hist) == 1 and hist[0]["command"] == "new" and hist[0]["records"] == [f"systems/{sid}"]
    whole = json.loads(invoke(runner, root, "history", "--json").stdout)["commits"]
    assert [c["command"] for c in whole] == ["new", "new", "new", "init"]
    # A record's path as the shell gives it (here: from the folder above the register) or absolute,
    # as the README's [PATH] says: it read as a path inside the register ('no commits', exit 3).
    for given in (f"reg/systems/{sid}.yaml", str(root / "systems" / f"{sid}.yaml"), f"systems/{sid}.yaml"):
        found = json.loads(invoke(runner, root, "history", given, "--json").stdout)["commits"]
        assert [c["commit"] for c in found] == [c["commit"] for c in hist], given
    assert invoke(runner, root, "history", "systems/SYS-NOPE.yaml").exit_code == 2  # no such file, no commit
    assert invoke(runner, root, "history", "-n", "0").exit_code == 2  # it printed every commit


def test_new_refuses_invalid_record_with_exit_1(tmp_path, runner):
    root = make_register(tmp_path)
    result = invoke(
        runner,
        root,
        "new",
        "divisions",
        "--id",
        "x",
        "--set",
        "name=課",
        "--set",
        "org=特許庁",
        "--set",
        "manager_post=課長",
    )
    assert result.exit_code == 1
    # at the option that gave the value (the record's file is never written)
    assert "--set org: $.org:" in result.stderr and "change refused" in result.stderr
    assert not (root / "divisions" / "x.yaml").exists()


@pytest.mark.parametrize(
    ("kind", "existing", "year"),
    [("divisions", "kanbo-jinji", None), ("inspections", "kanbo-jinji", 2025), ("contractors", "C-2026-1FGA5K", None)],
)
def test_new_id_differing_only_by_case_is_shown_at_id(tmp_path, runner, kind, existing, year):
    """A new record whose --id differs only by letter case from a record of the register (kanbo-jinji,
    given as Kanbo-Jinji) is refused with the clash at --id, the record being made: it was shown at
    the existing record's file (divisions/kanbo-jinji.yaml:2), which is not at fault."""
    root = make_register(tmp_path, example=True)
    rel = f"{kind}/{year}/{existing}.yaml" if year else f"{kind}/{existing}.yaml"
    fields = tmp_path / "fields.yaml"
    fields.write_bytes((root / rel).read_bytes())
    before = git(root, "rev-parse", "HEAD")
    given = existing.swapcase()
    args = ["new", kind, "--id", given, "--from", str(fields), "--json", *(["--year", str(year)] if year else [])]
    result = invoke(runner, root, *args)
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    clashes = [(e["path"], e["line"], e["key"]) for e in errors if e["code"] == "id-case"]
    assert clashes == [("--id", None, "$.id")], errors
    assert all(e["path"] != rel for e in errors), errors
    assert git(root, "rev-parse", "HEAD") == before
    assert git(root.parent, "status", "--porcelain").strip() == ""


def test_a_nul_byte_in_a_file_given_to_a_command_is_not_advised_git_restore(tmp_path, runner):
    """A NUL byte in a fields, facts, answers or profile file (usually outside git) was advised
    "`git restore` it if it was damaged", which does nothing there: such a file is only to be saved
    as UTF-8 text; a register file keeps the `git restore` advice (the test above)."""
    root = make_register(tmp_path, {})
    before = git(root, "rev-parse", "HEAD")
    given = tmp_path / "given.yaml"
    given.write_bytes("name: 人事\x00課\n".encode())
    for args in (
        ("new", "divisions"),
        ("audit", "new", "--title", "定期監査"),
        ("incident", "open"),
        ("incident", "update", "INC-2026-0001"),
        ("classify", "--profile"),
    ):
        result = invoke(runner, root, *args, *(() if args[-1] == "--profile" else ("--from",)), str(given))
        assert result.exit_code == 2, (args, result.output)
        assert f"{given}:1: file contains NUL bytes (the first at column 9)" in result.stderr, (args, result.stderr)
        assert "save it as UTF-8 text" in result.stderr and "git restore" not in result.stderr, (args, result.stderr)
    assert git(root, "rev-parse", "HEAD") == before


def test_a_fields_file_holding_nothing_says_so(tmp_path, runner):
    """`new KIND --from f.yaml` (and `audit new --from`) with an empty file, or comments alone, said
    "f.yaml:1: expected a YAML mapping of field: value": the file holds no field, and what to write."""
    root = make_register(tmp_path, {})
    before = git(root, "rev-parse", "HEAD")
    fields = tmp_path / "fields.yaml"
    for text in ("", "# 課の情報\n"):
        fields.write_text(text, encoding="utf-8")
        for args in (("new", "divisions"), ("audit", "new", "--title", "定期監査")):
            result = invoke(runner, root, *args, "--from", str(fields))
            assert result.exit_code == 2, result.output
            assert (
                f"{fields}:1: holds no fields (it is empty, or only comments); write each field as a `key: value` line"
                in (result.stderr)
            )
    assert git(root, "rev-parse", "HEAD") == before


def test_a_fields_file_not_a_mapping_is_named_at_its_line(tmp_path, runner):
    """`new KIND --from f.yaml` (and `audit new --from`) with f.yaml holding `- a` after a comment and
    `---` said "f.yaml:1: expected a YAML mapping of field: value": line 1 is the comment; the line
    is the one where the document starts, with what it is and what to write."""
    root = make_register(tmp_path, {})
    before = git(root, "rev-parse", "HEAD")
    fields = tmp_path / "fields.yaml"
    fields.write_text("# 課の情報\n---\n- a\n", encoding="utf-8")
    for args in (("new", "divisions"), ("audit", "new", "--title", "定期監査")):
        result = invoke(runner, root, *args, "--from", str(fields))
        assert result.exit_code == 2, result.output
        assert (
            f"{fields}:3: expected a YAML mapping, not a list (`- item` lines): write each field as a `key: value` line"
            in result.stderr
        ), result.stderr
    assert git(root, "rev-parse", "HEAD") == before


def test_new_takes_the_id_a_fields_file_gives_for_a_kind_that_allocates_none(tmp_path, runner):
    """`new divisions --from d.yaml` with `id: kanbo-shinki` in d.yaml (an existing division copied
    as a template) was refused "divisions records need an explicit id: give one with --id", the id
    being there; --id still wins over the file's."""
    root = make_register(tmp_path, example=True)
    fields = tmp_path / "課.yaml"
    text = (root / "divisions" / "kanbo-koho.yaml").read_text(encoding="utf-8")
    fields.write_text(text.replace("id: kanbo-koho", "id: kanbo-shinki"), encoding="utf-8")
    result = invoke(runner, root, "new", "divisions", "--from", str(fields), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "kanbo-shinki" and (root / "divisions" / "kanbo-shinki.yaml").is_file()
    result = invoke(runner, root, "new", "divisions", "--from", str(fields), "--id", "kanbo-betsu", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "kanbo-betsu"
    assert "id: kanbo-betsu" in (root / "divisions" / "kanbo-betsu.yaml").read_text(encoding="utf-8")
    fields.write_text(text.replace("id: kanbo-koho\n", ""), encoding="utf-8")
    result = invoke(runner, root, "new", "divisions", "--from", str(fields))
    assert result.exit_code == 2 and "or as `id:` in the --from file" in result.stderr, result.output


def test_a_file_given_in_shift_jis_is_asked_for_in_utf8(tmp_path, runner):
    """A fields, answers, facts or profile file saved as Shift_JIS (メモ帳, Excel) was refused "not
    UTF-8 text (register files must be UTF-8)", a rule of the register's own files; it is now told
    to be saved as UTF-8, at the line of the first byte at fault."""
    root = make_register(tmp_path, example=True)
    given = tmp_path / "入力.yaml"
    given.write_bytes("division: kanbo-jinji\nsummary: 紛失\n".encode("cp932"))
    for args in (
        ["new", "divisions", "--id", "x-ka", "--from", str(given)],
        ["inspect", "--year", "2026", "--answers", str(given), "--dry-run"],
        ["incident", "open", "--from", str(given), "--dry-run"],
        ["classify", "--profile", str(given)],
    ):
        result = invoke(runner, root, *args)
        assert result.exit_code == 2, (args, result.output)
        assert f"{given}:2: not UTF-8 text" in result.stderr and "save the file as UTF-8" in result.stderr, args
        assert "register files" not in result.stderr


def test_new_without_fields_off_a_terminal_is_a_usage_error(tmp_path, runner):
    root = make_register(tmp_path)
    result = invoke(runner, root, "new", "divisions")
    assert result.exit_code == 2


def test_new_prompts_from_the_schema(tmp_path, runner, monkeypatch):
    root = make_register(tmp_path)
    import meti_pi.cli.register_cmds as cmds

    monkeypatch.setattr(cmds, "can_prompt", lambda: True)
    result = invoke(
        runner, root, "new", "divisions", "--id", "kanbo-jinji", input="大臣官房人事課\n経済産業省\n人事課長\n"
    )
    assert result.exit_code == 0, result.output
    text = (root / "divisions" / "kanbo-jinji.yaml").read_text()
    assert "manager_post: 人事課長" in text and "name: 大臣官房人事課" in text
    # No day it was set up: `status` counts its inspections from the register's first year, and says so.
    assert "divisions/kanbo-jinji has no established_on (設置日)" in result.stderr


def test_a_wrong_prompted_answer_is_asked_again(tmp_path, runner, monkeypatch):
    """An answer its field refuses (an org not in the list, a date that is no date) was taken, and
    after the last prompt the whole record was refused, every answer lost, its problem placed in a
    file never written with a `--set` hint. Now the prompt says what is wrong and asks again."""
    root = make_register(tmp_path)
    import meti_pi.cli.register_cmds as cmds

    monkeypatch.setattr(cmds, "can_prompt", lambda: True)
    answers = ["大臣官房人事課", "経産省", "経済産業省", "人事課長"]
    result = invoke(runner, root, "new", "divisions", "--id", "kanbo-jinji", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "the value is not one of ['経済産業省'" in result.stderr and "answer again" in result.stderr
    assert "org: 経済産業省" in (root / "divisions" / "kanbo-jinji.yaml").read_text(encoding="utf-8")
    # A date given in another form is asked again too (the files kind's holding.start).
    files = ["名簿", "経済産業省", "kanbo-jinji", "目的", "[氏名]", "職員", "本人から", "none", "令和8年4月1日"]
    result = invoke(runner, root, "new", "files", "--dry-run", input="\n".join([*files, "2026-04-01"]) + "\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("answer again") == 1, result.stderr


def test_a_new_division_with_its_day_set_up_gets_no_note(tmp_path, runner):
    root = make_register(tmp_path)
    fields = ["--set", "name=大臣官房広報室", "--set", "org=経済産業省", "--set", "manager_post=広報室長"]
    result = invoke(runner, root, "new", "divisions", "--id", "koho", *fields, "--set", "established_on=2026-11-01")
    assert result.exit_code == 0 and "established_on" not in result.stderr, result.output
    result = invoke(runner, root, "new", "divisions", "--id", "koho2", *fields)
    assert result.exit_code == 0 and "divisions/koho2 has no established_on" in result.stderr, result.output
    # named from the folder the test runs in, outside the repository: the file absolute, the register given
    named = str((root / "divisions" / "koho2.yaml").resolve())
    assert f"add `established_on: YYYY-MM-DD` to {named} and run `meti-pi --register " in result.stderr
    # A dry run writes no divisions/koho3.yaml to add the day to: the note says to give it to the command.
    result = invoke(runner, root, "new", "divisions", "--id", "koho3", *fields, "--dry-run")
    assert result.exit_code == 0 and not (root / "divisions" / "koho3.yaml").exists(), result.output
    assert "divisions/koho3 has no established_on" in result.stderr and "koho3.yaml" not in result.stderr
    assert "--set established_on=YYYY-MM-DD" in result.stderr


def test_a_date_given_empty_or_malformed_is_one_error_saying_what_to_write(tmp_path, runner):
    """`new divisions ... --set established_on=` gave two schema errors for one mistake ("does not
    match '^\\d{4}-…'" and "is not a 'date'"): one now, saying it is empty, to write a date (the
    example) or, where the field may be left out, to leave it out; the same for every date field (one
    type), a malformed date and an explicit null; a date a rule requires is not said to be optional."""
    root = make_register(tmp_path, example=True)
    fields = ["--set", "name=大臣官房広報室", "--set", "org=経済産業省", "--set", "manager_post=広報室長"]

    def errors(kind: str, *args: str) -> list[str]:
        result = invoke(runner, root, "new", kind, *args)
        assert result.exit_code == 1 and "nothing was written" in result.stderr, result.output
        return [line for line in result.stderr.splitlines() if "error[schema]" in line]

    for given, said in (
        ("", "empty: write a date, or leave the field out (it is optional)"),
        ("null", "null (no value): write a date, or leave the field out (it is optional)"),
        ("2026-4-1", "the value is not a date"),
        ("2026-02-30", "the value is not a date"),
    ):
        lines = errors("divisions", "--id", "koho", *fields, "--set", f"established_on={given}")
        assert lines == [
            f"--set established_on: $.established_on: error[schema] {said} — 設置日（established_on）is date "
            "(YYYY-MM-DD), e.g. --set established_on=2026-04-01"
        ], lines
    notice = ["--set", "kind=35-1", "--set", "file=F-2026-88WMCK", "--set", "drafted_on=2026-11-01"]
    lines = errors(
        "notifications", *notice, "--set", "state=submitted", "--set", "submitted_on=", "--set", "withdrawn_on="
    )
    assert lines == [
        "--set submitted_on: $.submitted_on: error[schema] empty: write a date — 提出日（submitted_on）is date "
        "(YYYY-MM-DD), e.g. --set submitted_on=2026-04-01",  # state: submitted requires it
        "--set withdrawn_on: $.withdrawn_on: error[schema] empty: write a date, or leave the field out (it is "
        "optional) — 取下げ日（withdrawn_on）is date (YYYY-MM-DD), e.g. --set withdrawn_on=2026-04-01",
    ], lines


def test_commit_hand_edit_joins_the_trail(tmp_path, runner, monkeypatch):
    root = make_register(tmp_path)
    path = root / "policy.yaml"
    path.write_text(path.read_text().replace("promptly_days: 3 ", "promptly_days: 2 "))
    other = root / "register.yaml"
    other.write_text(other.read_text() + "# unrelated edit\n")
    monkeypatch.chdir(root)
    result = invoke(runner, root, "commit", "policy.yaml", "-m", "速やかに = 2 days")
    assert result.exit_code == 0, result.output
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/policy.yaml"]
    assert "Meti-Pi-Command: commit" in git(root, "log", "-1", "--format=%(trailers)")
    assert " M register/register.yaml" in git(root, "status", "--porcelain")


def test_commit_refuses_a_hand_edit_with_errors(tmp_path, runner, monkeypatch):
    root = make_register(tmp_path)
    path = root / "policy.yaml"
    path.write_text(path.read_text().replace("fiscal_year_start_month: 4", "fiscal_year_start_month: 13"))
    monkeypatch.chdir(root)
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "commit", "policy.yaml")
    assert result.exit_code == 1
    assert "policy.yaml:" in result.stderr
    assert git(root, "rev-parse", "HEAD") == before


def test_commit_of_a_path_that_names_no_file_is_a_usage_error(tmp_path, runner, monkeypatch):
    """It said 'nothing to commit: the files match the last commit', exit 0 (a typo in the path)."""
    root = make_register(tmp_path)
    monkeypatch.chdir(root)
    result = invoke(runner, root, "commit", "divisions/nope.yaml")
    assert result.exit_code == 2 and "divisions/nope.yaml: no such file" in result.stderr


def test_commit_from_elsewhere_takes_a_path_relative_to_the_register(tmp_path, runner, monkeypatch):
    """`meti-pi --register R commit divisions/x.yaml`, run from outside R as validate's advice names
    the file ("... in contractors/C-….yaml and run `meti-pi commit`"), was refused "not inside the
    register": a path that names no file from here but one of the register is that file."""
    root = make_register(tmp_path)
    path = root / "policy.yaml"
    path.write_text(path.read_text().replace("promptly_days: 3 ", "promptly_days: 2 "))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = invoke(runner, root, "commit", "policy.yaml", "-m", "速やかに = 2 days")
    assert result.exit_code == 0, result.output
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/policy.yaml"]
    (elsewhere / "policy.yaml").write_text("x: 1\n")  # a file of that name here is the one meant
    result = invoke(runner, root, "commit", "policy.yaml")
    assert result.exit_code == 2 and "not inside the register" in result.stderr, result.output


def test_commit_of_a_file_beside_the_records_says_how_it_is_committed(tmp_path, runner, monkeypatch):
    """`meti-pi commit .gitignore` (init writes one) said only "not a register record file", exit 2:
    it says that a file beside the records is committed with git itself, and that the .schemas/
    copies are `meti-pi schemas --write`'s; a folder or a missing file gets no such advice."""
    root = make_register(tmp_path)
    monkeypatch.chdir(root)
    (root / ".gitignore").write_text("*.log\n", encoding="utf-8")
    (root / ".schemas").mkdir(exist_ok=True)
    (root / ".schemas" / "divisions.schema.json").write_text("{}\n", encoding="utf-8")
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "commit", ".gitignore")
    assert result.exit_code == 2
    assert ".gitignore: not a register record file" in result.stderr
    assert "commit a file beside them with git itself (in the register's folder: `git commit -- .gitignore`)" in (
        result.stderr
    )
    result = invoke(runner, root, "commit", ".schemas/divisions.schema.json")
    assert result.exit_code == 2
    assert "the .schemas/ copies are written and committed by `meti-pi schemas --write`" in result.stderr
    for path in ("divisions", "nope.txt"):
        result = invoke(runner, root, "commit", path)
        assert result.exit_code == 2 and "not a register record file" in result.stderr
        assert "git commit" not in result.stderr and "schemas --write" not in result.stderr
    assert git(root, "rev-parse", "HEAD") == before


def test_commit_subject_is_screened_for_personal_data(tmp_path, runner, monkeypatch):
    """The subject stays in the trail for good; a review committed a 個人番号 and an e-mail address there."""
    root = make_register(tmp_path)
    path = root / "policy.yaml"
    path.write_text(path.read_text().replace("promptly_days: 3 ", "promptly_days: 2 "))
    monkeypatch.chdir(root)
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "commit", "policy.yaml", "-m", "taro@example.com の件で修正")
    assert result.exit_code == 2 and "-m (the commit subject)" in result.stderr
    assert "taro@" not in result.output
    assert git(root, "rev-parse", "HEAD") == before


def test_commit_validates_the_register_the_commit_will_hold(tmp_path, runner, monkeypatch):
    """A hand edit is checked against HEAD plus the edit: a broken file elsewhere in the work tree
    does not block it, and a reference to a record that exists only uncommitted is dangling."""
    root = make_register(
        tmp_path,
        {
            "divisions/kanbo-jinji.yaml": """
        schema_version: 1
        id: kanbo-jinji
        name: 大臣官房人事課
        org: 経済産業省
        manager_post: 人事課長
        """
        },
    )
    monkeypatch.chdir(root)
    (root / "divisions/draft.yaml").write_text("id: [broken\n", encoding="utf-8")  # someone's unsaved work
    (root / "divisions/kanbo-soumu.yaml").write_text(
        (root / "divisions/kanbo-jinji.yaml").read_text(encoding="utf-8").replace("kanbo-jinji", "kanbo-soumu"),
        encoding="utf-8",
    )
    system = root / "systems/SYS-2026-AAAAAA.yaml"
    system.parent.mkdir(exist_ok=True)
    system.write_text(
        "schema_version: 1\nid: SYS-2026-AAAAAA\nname: 人事システム\nbeppyo_row: 1\nmanaging_division: kanbo-soumu\n",
        encoding="utf-8",
    )
    before = git(root, "rev-parse", "HEAD")
    refused = invoke(runner, root, "commit", "systems/SYS-2026-AAAAAA.yaml")
    assert refused.exit_code == 1, refused.output
    assert "dangling-ref" in refused.stderr and "divisions/kanbo-soumu" in refused.stderr
    assert git(root, "rev-parse", "HEAD") == before
    system.write_text(system.read_text(encoding="utf-8").replace("kanbo-soumu", "kanbo-jinji"), encoding="utf-8")
    accepted = invoke(runner, root, "commit", "systems/SYS-2026-AAAAAA.yaml")
    assert accepted.exit_code == 0, accepted.output
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/systems/SYS-2026-AAAAAA.yaml"]


def test_two_branches_adding_records_merge_cleanly(tmp_path, runner):
    root = make_register(tmp_path)
    repo = root.parent
    git(repo, "checkout", "-q", "-b", "officer-a")
    for i in range(3):
        assert invoke(runner, root, "new", "systems", "--set", f"name=A{i}", "--set", "beppyo_row=1").exit_code == 0
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "officer-b")
    for i in range(3):
        assert invoke(runner, root, "new", "systems", "--set", f"name=B{i}", "--set", "beppyo_row=1").exit_code == 0
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "officer-a")
    merged = subprocess.run(["git", "merge", "--no-edit", "officer-b"], cwd=repo, capture_output=True, text=True)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert len(list((root / "systems").glob("*.yaml"))) == 6
    assert invoke(runner, root, "validate").exit_code == 0


def test_python_dash_m_and_help_list_every_command():
    out = subprocess.run([sys.executable, "-m", "meti_pi", "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0
    from meti_pi.cli import COMMANDS

    for name in COMMANDS:
        assert name in out.stdout


def test_unexpected_errors_hide_locals_and_messages(tmp_path, monkeypatch, capsys):
    from meti_pi import cli

    secret = "山田太郎-090-1234-5678"

    def boom() -> None:
        leaked = secret  # noqa: F841 - a local that must never be printed
        raise ValueError(f"bad value {secret}")

    monkeypatch.setattr(cli, "app", boom)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert secret not in err and "ValueError" in err and "unexpected error" in err


def test_show_on_a_terminal_prints_the_record_and_readable_references(runner):
    from conftest import EXAMPLE

    result = invoke(runner, EXAMPLE, "show", "F-2026-S1J6E5")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "management_class: A" in out
    assert "別表第5項; 甲: 大臣官房情報システム室 (kanbo-joho-system)" in out
    assert "委託先:" in out and "C-2026-33BGJE" in out


def test_bare_id_prefers_the_file_over_its_ledger_entry(runner):
    from conftest import EXAMPLE

    result = invoke(runner, EXAMPLE, "show", "F-2026-S1J6E5", "--json")
    assert json.loads(result.stdout)["key"] == "files/F-2026-S1J6E5"


def test_init_and_commit_take_dry_run(tmp_path, runner, monkeypatch):
    """The contract: mutating commands accept --dry-run (init and commit did not: 'No such option')."""
    from meti_pi.cli import app

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "reg", "--dry-run"])
    assert result.exit_code == 0 and "would initialise" in result.output, result.output
    assert not (tmp_path / "reg").exists() and not (tmp_path / ".git").exists()
    root = make_register(tmp_path / "real")
    path = root / "policy.yaml"
    path.write_text(path.read_text().replace("promptly_days: 3 ", "promptly_days: 2 "))
    before = git(root, "rev-parse", "HEAD")
    monkeypatch.chdir(root)
    result = invoke(runner, root, "commit", "policy.yaml", "--dry-run")
    assert result.exit_code == 0 and "would commit" in result.output, result.output
    assert git(root, "rev-parse", "HEAD") == before and " M register/policy.yaml" in git(root, "status", "--porcelain")
    path.write_text(path.read_text().replace("fiscal_year_start_month: 4", "fiscal_year_start_month: 13"))
    assert invoke(runner, root, "commit", "policy.yaml", "--dry-run").exit_code == 1  # validated as for real


def test_init_keeps_the_gitignore_the_folder_holds_and_adds_meti_pis_lines_to_it(tmp_path, runner, monkeypatch):
    """`meti-pi init .` in a repository whose root held a .gitignore replaced it with meti-pi's two
    lines, and committed that: the user's `*.log` and `secret.txt` were no longer ignored. The
    folder's own lines are kept, meti-pi's added after them, once."""
    from meti_pi.actions.records import KEPT_COPIES_IGNORED
    from meti_pi.cli import app

    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("*.log\nsecret.txt")  # no newline at its end
    git(tmp_path, "add", ".gitignore")
    git(tmp_path, "commit", "-qm", "the user's own")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "."])
    assert result.exit_code == 0, result.output
    expected = "*.log\nsecret.txt\n" + KEPT_COPIES_IGNORED
    assert (tmp_path / ".gitignore").read_text() == expected
    assert git(tmp_path, "show", "HEAD:.gitignore") == expected and git(tmp_path, "status", "--porcelain") == ""
    # A folder whose .gitignore ignores them already is left as it is (and out of init's commit).
    held = "# mine\n.*.meti-pi-tmp-*\n"
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / ".gitignore").write_text(held)
    git(tmp_path, "add", "second/.gitignore")
    git(tmp_path, "commit", "-qm", "the second's")
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "second"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "second" / ".gitignore").read_text() == held
    assert ".gitignore" not in git(tmp_path, "show", "--name-only", "--format=", "HEAD")


def test_init_over_an_uncommitted_gitignore_says_to_commit_it_first(tmp_path, runner, monkeypatch):
    """`git init r && echo '*.log' > r/.gitignore && meti-pi init r` exited 3 advising `git restore`,
    which does nothing for an untracked file. init takes no uncommitted file into its commit; it says
    so, with what works (commit it with git first, or move it away), writes nothing, and once the
    file is committed init keeps its lines and adds meti-pi's (the test above)."""
    from meti_pi.actions.records import KEPT_COPIES_IGNORED
    from meti_pi.cli import app

    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("*.log\n")
    monkeypatch.chdir(tmp_path)
    for staged in (False, True):
        if staged:
            git(tmp_path, "add", ".gitignore")
        for dry in ((), ("--dry-run",)):
            result = runner.invoke(app, ["--today", "2026-11-26", "init", ".", *dry])
            assert result.exit_code == 3, result.output
            assert ".gitignore: not committed yet (" in result.stderr, result.stderr
            assert "`git add .gitignore && git commit -m 'ignore rules' -- .gitignore`), or move it away" in (
                result.stderr
            )
            assert "git restore" not in result.stderr
            assert sorted(p.name for p in tmp_path.iterdir()) == [".git", ".gitignore"]
            assert (tmp_path / ".gitignore").read_text() == "*.log\n"
    git(tmp_path, "commit", "-qm", "ignore rules")
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "."])
    assert result.exit_code == 0, result.output
    assert git(tmp_path, "show", "HEAD:.gitignore") == "*.log\n" + KEPT_COPIES_IGNORED


def test_new_names_a_record_kept_by_year_with_its_year(tmp_path, runner):
    """`new inspections --year 2025 --id jinji` said "added inspections/jinji", a key `show` does not
    find ("no record inspections/jinji"): the record is inspections/2025/jinji."""
    root = make_register(
        tmp_path, {"divisions/jinji.yaml": "name: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"}
    )
    fields = ["--set", "year=2025", "--set", "period.start=2025-04-01", "--set", "period.end=2026-03-31"]
    fields += ["--set", "division=jinji", "--set", "catalogue_version=v1", "--set", "answers=[]"]
    result = invoke(runner, root, "new", "inspections", "--year", "2025", "--id", "jinji", *fields)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("added inspections/2025/jinji (commit "), result.output
    assert invoke(runner, root, "show", "inspections/2025/jinji").exit_code == 0


def test_new_says_how_to_quote_text_yaml_reads_as_a_number(tmp_path, runner):
    """`new inspections --set catalogue_version=2026.4` (the catalogue's version) was refused with
    「is text, e.g. --set catalogue_version=…」: YAML reads 2026.4 as a number, and nothing said to
    quote it. The hint says so, with the form the --set parser takes, never the value (a schema message
    does not quote what it refuses); one rule for every text field (a phone number too), none for a
    field of fixed words; the quoted form is taken, 1.10 kept as typed."""
    root = make_register(
        tmp_path, {"divisions/jinji.yaml": "name: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"}
    )
    fields = ["--year", "2025", "--id", "jinji", "--set", "year=2025", "--set", "period.start=2025-04-01"]
    fields += ["--set", "period.end=2026-03-31", "--set", "division=jinji", "--set", "answers=[]"]
    for typed, read in (("2026.7", "a number"), ("7", "a number"), ("true", "true/false (a boolean)")):
        result = invoke(runner, root, "new", "inspections", *fields, "--set", f"catalogue_version={typed}")
        assert result.exit_code == 1, result.output
        assert (
            "--set catalogue_version: $.catalogue_version: error[schema] the value is not of type 'string' — "
            f"点検項目の版（catalogue_version）is text, and YAML read the value, unquoted, as {read}: put it in"
            " double quotes (within single quotes on a command line), e.g. --set catalogue_version='\"2026.4\"'\n"
        ) in result.stderr, result.stderr
        assert "2026.7" not in result.stderr  # the value typed is never shown
    done = invoke(runner, root, "new", "inspections", *fields, "--set", 'catalogue_version="1.10"')
    assert done.exit_code == 0, done.output
    assert "catalogue_version: '1.10'\n" in (root / "inspections" / "2025" / "jinji.yaml").read_text(encoding="utf-8")
    phone = invoke(runner, root, "new", "divisions", "--id", "x", "--set", "name=x課", "--set", "org=経済産業省",
                   "--set", "manager_post=課長", "--set", "contact.phone=0335011511", "--dry-run")  # fmt: skip
    assert phone.exit_code == 1 and "(within single quotes on a command line), e.g. --set contact.phone='\"" in (
        phone.stderr
    ), phone.stderr
    words = invoke(runner, root, "new", "files", "--set", "file_kind=1", "--dry-run")
    assert "e.g. --set file_kind=computer\n" in words.stderr and "quote" not in words.stderr, words.stderr


def test_text_read_as_true_false_or_null_names_the_field_and_what_yaml_read(tmp_path, runner):
    """`name: true` (or `--set name=true`) was refused with 「True is not of type 'string'」, Python's word
    for YAML's true, and `name:` left empty (or `name: null`) with 「None is not of type 'string'」 and no
    word of what YAML had read: each now says the value (not Python's), the field, what YAML read it as
    and what to write; the one hint of a text field YAML read as other than text (the numbers' too)."""
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": "schema_version: 1\nid: jinji\nname: 大臣官房人事課\norg: 経済産業省\nmanager_post: 人事課長\n"
        },
    )
    record = root / "divisions" / "jinji.yaml"
    as_made = record.read_text(encoding="utf-8")
    cases = (
        ("true", 'as true/false (a boolean): put it in double quotes, e.g. `name: "大臣官房人事課"`'),
        ("", "as empty (null): write the text (the word null itself in quotes), e.g. `name: 大臣官房人事課`"),
        (
            "null",
            "as empty (null): write the text (the word null itself in quotes), e.g. `name: 大臣官房人事課`",
        ),
    )
    for written, read in cases:
        record.write_text(as_made.replace("name: 大臣官房人事課\n", f"name: {written}\n"), encoding="utf-8")
        result = invoke(runner, root, "validate")
        assert result.exit_code == 1, result.output
        assert (
            "divisions/jinji.yaml:3: $.name: error[schema] the value is not of type 'string' — 名称（name）is text,"
            f" and YAML read the value{', unquoted,' if written == 'true' else ''} {read}\n"
        ) in result.stdout, result.stdout
        assert "True" not in result.stdout and "None" not in result.stdout
    fields = ["--id", "x", "--set", "org=経済産業省", "--set", "manager_post=課長", "--dry-run"]
    typed = invoke(runner, root, "new", "divisions", *fields, "--set", "name=true")
    assert typed.exit_code == 1 and "True" not in typed.stderr, typed.stderr
    assert (
        "--set name: $.name: error[schema] the value is not of type 'string' — 名称（name）is text, and YAML read"
        " the value, unquoted, as true/false (a boolean): put it in double quotes (within single quotes on a"
        " command line), e.g. --set name='\"大臣官房人事課\"'\n"
    ) in typed.stderr, typed.stderr


def test_init_refused_leaves_no_folder_and_no_git_repository(tmp_path, runner, monkeypatch):
    """`init` refused for want of a git identity (exit 3) left DIR behind, and outside a work tree
    the `git init` it ran: a refused command writes nothing."""
    from meti_pi.cli import app

    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    config = tmp_path.parent / f"{tmp_path.name}.gitconfig"  # no name, none guessed from the host
    config.write_text("[user]\n\tuseConfigOnly = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "deep/reg"])
    assert result.exit_code == 3 and "identity" in result.stderr, result.output
    assert list(tmp_path.iterdir()) == []  # neither deep/reg nor deep/reg/.git
    git(tmp_path, "init", "-q")  # inside a work tree: the folder is not left behind either
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "reg"])
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "reg").exists()


def test_init_refused_by_a_hook_leaves_no_folder(tmp_path, runner, monkeypatch):
    """`init` in a repository whose prepare-commit-msg hook refused the commit said "nothing was
    committed and no file was changed" and left reg/ behind, holding the empty folders its writes
    had made (.schemas/, beppyo/, bureaus/, roles/)."""
    from meti_pi.cli import app

    git(tmp_path, "init", "-q")
    hook = tmp_path / ".git" / "hooks" / "prepare-commit-msg"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "reg"])
    assert result.exit_code == 3 and "prepare-commit-msg hook refused" in result.stderr, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git"]
    (tmp_path / "kept").mkdir()  # a folder the user made: its own folders go, the folder stays
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "kept"])
    assert result.exit_code == 3 and list((tmp_path / "kept").iterdir()) == [], result.output


def test_a_hand_edit_putting_personal_data_in_a_field_is_refused_at_its_line(tmp_path, runner, monkeypatch):
    """`commit` refused it as `divisions/x.yaml: $.notes: looks like ...`: no line, where the file
    the officer edited has one."""
    root = make_register(
        tmp_path, {"divisions/kanbo-somu.yaml": "name: 大臣官房総務課\norg: 経済産業省\nmanager_post: 総務課長\n"}
    )
    path = root / "divisions" / "kanbo-somu.yaml"
    path.write_text(path.read_text() + "notes: 担当 taro@example.com\n")
    monkeypatch.chdir(root)
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "commit", "divisions/kanbo-somu.yaml")
    assert result.exit_code == 2, result.output
    assert "divisions/kanbo-somu.yaml:4: $.notes: looks like it holds personal data" in result.stderr
    assert "taro@" not in result.output and git(root, "rev-parse", "HEAD") == before


def test_a_comment_line_a_hand_edit_adds_is_screened(tmp_path, runner, monkeypatch):
    """A review committed `# 本人: 山田太郎 個人番号 123456789018 taro@example.com` in an incident."""
    root = make_register(tmp_path)
    path = root / "policy.yaml"
    path.write_text(path.read_text() + "# 連絡先 taro@example.com\n")
    monkeypatch.chdir(root)
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "commit", "policy.yaml")
    last = len(path.read_text().splitlines())  # the comment's own line is named
    assert result.exit_code == 2 and f"policy.yaml:{last}: a comment" in result.stderr and "taro@" not in result.output
    assert git(root, "rev-parse", "HEAD") == before
    # a comment after a value too (it was not screened); a '#' inside a quoted value is not one
    path.write_text(
        path.read_text()
        .replace("# 連絡先 taro@example.com\n", "")
        .replace("promptly_days: 3 ", "promptly_days: 3  # 担当 090-1234-5678 ")
    )
    result = invoke(runner, root, "commit", "policy.yaml")
    line = 1 + next(i for i, t in enumerate(path.read_text().splitlines()) if "090-" in t)
    assert result.exit_code == 2 and f"policy.yaml:{line}: a comment" in result.stderr and "090-" not in result.output


def test_a_bare_division_id_means_the_division_beside_its_inspections(tmp_path, runner):
    """An inspection is named as its 課等 (inspections/2025/kanbo-jinji): `show kanbo-jinji` refused
    the id as naming several records once the 課等 was inspected. Several years of one 課等's
    inspections alone stay ambiguous."""
    root = make_register(tmp_path, example=True)
    result = invoke(runner, root, "show", "kanbo-jinji", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["path"] == "divisions/kanbo-jinji.yaml"
    history = invoke(runner, root, "history", "kanbo-jinji", "--json")
    assert history.exit_code == 0 and json.loads(history.stdout)["target"] == "divisions/kanbo-jinji.yaml"


def test_history_of_a_path_outside_the_register_is_a_usage_error(tmp_path, runner, monkeypatch):
    """`history /etc/hosts.yaml` or `history files/../../x.yaml` failed "git log failed: fatal: ...
    is outside repository", exit 3 (cannot run), git's words on stderr, with the register at the top of
    its repository: it is a bad argument, exit 2."""
    root = make_register(tmp_path, subdir="")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for here in (root, elsewhere):
        monkeypatch.chdir(here)
        for target in ("/etc/hosts.yaml", "files/../../x.yaml", str(tmp_path / "x.yaml")):
            result = invoke(runner, root, "history", target)
            assert result.exit_code == 2, (here, target, result.output)
            assert "not a file of the register" in result.stderr and "fatal" not in result.stderr
    monkeypatch.chdir(root)
    assert invoke(runner, root, "history", "policy.yaml").exit_code == 0


def test_history_of_a_deleted_record_by_its_id(tmp_path, runner):
    """The trail of a record deleted by `meti-pi commit` is read by KIND/ID and by its id, as by its
    path: an auditor asks for the record, not for its file (it said 'no record', exit 2)."""
    root = make_register(tmp_path, example=True)
    (root / "files" / "F-2026-MQ8M1J.yaml").unlink()
    assert invoke(runner, root, "commit", str(root / "files" / "F-2026-MQ8M1J.yaml")).exit_code == 0
    by_path = json.loads(invoke(runner, root, "history", "files/F-2026-MQ8M1J.yaml", "--json").stdout)
    assert len(by_path["commits"]) >= 2 and by_path["commits"][0]["command"] == "commit"
    for given in ("files/F-2026-MQ8M1J", "F-2026-MQ8M1J"):
        result = invoke(runner, root, "history", given, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == by_path, given
    assert invoke(runner, root, "history", "files/F-2026-NOPE").exit_code == 2  # never existed
    assert invoke(runner, root, "history", "F-2026-NOPE").exit_code == 2


def test_history_of_a_renamed_record_goes_back_past_its_rename(tmp_path, runner):
    """A 課等 renamed (its file moved to the new id, the records naming it changed, one `meti-pi commit`)
    had a trail that began at the rename: `history divisions/NEW` listed that commit alone, and nothing
    said where the rest was. It now goes on with the file it was renamed from, each earlier commit
    marked with the path the record then had; a record made as a copy of another (`new --from` a
    copy) is not given the other's trail."""
    root = make_register(tmp_path, example=True)
    repo = root.parent
    old, new = root / "divisions" / "kanbo-koho.yaml", root / "divisions" / "kanbo-koho-ka.yaml"
    edited = old.read_text(encoding="utf-8").replace("大臣官房広報室長", "大臣官房広報室長（併任）")
    old.write_text(edited, encoding="utf-8")
    assert invoke(runner, root, "commit", "divisions/kanbo-koho.yaml", "-m", "室長の併任").exit_code == 0
    before = json.loads(invoke(runner, root, "history", "divisions/kanbo-koho", "--json").stdout)["commits"]
    assert len(before) == 2
    git(repo, "mv", "register/divisions/kanbo-koho.yaml", "register/divisions/kanbo-koho-ka.yaml")
    new.write_text(
        new.read_text(encoding="utf-8").replace("id: kanbo-koho\n", "id: kanbo-koho-ka\n").replace("広報室", "広報課"),
        encoding="utf-8",
    )
    named = [
        p.relative_to(root).as_posix()
        for p in (root / "files").glob("*.yaml")
        if "division: kanbo-koho\n" in p.read_text(encoding="utf-8")
    ]
    for rel in named:
        text = (root / rel).read_text(encoding="utf-8").replace("division: kanbo-koho\n", "division: kanbo-koho-ka\n")
        (root / rel).write_text(text, encoding="utf-8")
    renamed = invoke(
        runner, root, "commit", "divisions/kanbo-koho.yaml", "divisions/kanbo-koho-ka.yaml", *named, "-m", "改組"
    )
    assert renamed.exit_code == 0, renamed.output
    doc = json.loads(invoke(runner, root, "history", "kanbo-koho-ka", "--json").stdout)
    assert doc["target"] == "divisions/kanbo-koho-ka.yaml"
    assert [c["subject"] for c in doc["commits"]] == ["divisions/kanbo-koho-ka: 改組"] + [c["subject"] for c in before]
    assert [c["commit"] for c in doc["commits"][1:]] == [c["commit"] for c in before]
    assert doc["commits"][0]["files"] == ["divisions/kanbo-koho-ka.yaml", "divisions/kanbo-koho.yaml"]
    assert [c["files"] for c in doc["commits"][1:]] == [["divisions/kanbo-koho.yaml"]] * 2
    lines = invoke(runner, root, "history", "divisions/kanbo-koho-ka.yaml").stdout.splitlines()
    assert len(lines) == 3 and "(as divisions/kanbo-koho.yaml)" not in lines[0]
    assert all(line.endswith(" (as divisions/kanbo-koho.yaml)") for line in lines[1:]), lines
    assert len(invoke(runner, root, "history", "kanbo-koho-ka", "-n", "2").stdout.splitlines()) == 2
    # a copy is not a rename: the record it was copied from keeps its trail to itself
    template = (root / "divisions" / "kanbo-jinji.yaml").read_text(encoding="utf-8").replace("id: kanbo-jinji\n", "")
    (tmp_path / "copy.yaml").write_text(template, encoding="utf-8")
    made = invoke(runner, root, "new", "divisions", "--from", str(tmp_path / "copy.yaml"), "--id", "kanbo-jinji2")
    assert made.exit_code == 0, made.output
    assert len(json.loads(invoke(runner, root, "history", "kanbo-jinji2", "--json").stdout)["commits"]) == 1


def test_uncommitted_work_in_a_file_to_write_is_met_with_advice_that_works_for_it(tmp_path, runner, monkeypatch):
    """The refusal of someone's uncommitted work advised `git restore PATH` for every file, which does
    nothing for a file git does not hold (an untracked inspection record written by hand): the paths
    are grouped by what is uncommitted (edited or deleted, new, staged, staged new), each with what
    works for it, and `meti-pi commit` takes each of them as advised."""
    root = make_register(tmp_path, example=True)
    repo = root.parent
    monkeypatch.chdir(repo)  # the message names repository paths, as git and `meti-pi commit` read them here
    answers = tmp_path / "answers.yaml"
    answers.write_text("division: kanbo-koho\ninspected_on: 2026-10-01\nanswers:\n  '8-4': yes\n", encoding="utf-8")
    record = root / "files" / "F-2026-113VYQ.yaml"
    by_hand = root / "inspections" / "2026" / "kanbo-koho.yaml"
    division = root / "divisions" / "kanbo-koho.yaml"
    dataset = str(REPO / "examples" / "datasets" / "staff_utf8.csv")
    classify = ("classify", dataset, "--record", "F-2026-113VYQ")

    def refused(*args: str) -> str:
        before = git(repo, "rev-parse", "HEAD")
        result = invoke(runner, root, *args)
        assert result.exit_code == 3, result.output
        assert git(repo, "rev-parse", "HEAD") == before and "Traceback" not in result.output
        return " ".join(result.stderr.split())

    record.write_text(record.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    said = refused(*classify)
    assert (
        "must write: register/files/F-2026-113VYQ.yaml (edited): commit it with `meti-pi commit PATH`, "
        "or discard the change with `git restore PATH`" in said
    ), said
    git(repo, "add", "register/files/F-2026-113VYQ.yaml")
    said = refused(*classify)
    assert (
        "register/files/F-2026-113VYQ.yaml (staged): commit it with `meti-pi commit PATH` (as the work tree holds "
        "it), or discard the change with `git restore --staged --worktree PATH`" in said
    ), said
    git(repo, "restore", "--staged", "--worktree", "register/files/F-2026-113VYQ.yaml")
    assert "# mine" not in record.read_text(encoding="utf-8")
    # Deleted in the index and written again in the work tree (git status lists it twice, "D " and "??"): staged.
    kept = record.read_text(encoding="utf-8")
    git(repo, "rm", "-q", "register/files/F-2026-113VYQ.yaml")
    record.write_text(kept + "# mine\n", encoding="utf-8")
    assert "register/files/F-2026-113VYQ.yaml (staged): commit it with `meti-pi commit PATH`" in refused(*classify)
    git(repo, "restore", "--staged", "--worktree", "register/files/F-2026-113VYQ.yaml")
    assert record.read_text(encoding="utf-8") == kept

    division.unlink()
    said = refused(
        "new", "divisions", "--id", "kanbo-koho", "--set", "name=広報室", "--set", "org=経済産業省",
        "--set", "manager_post=広報室長",
    )  # fmt: skip
    assert "register/divisions/kanbo-koho.yaml (deleted): commit it with `meti-pi commit PATH`, or discard" in said
    git(repo, "restore", "register/divisions/kanbo-koho.yaml")

    by_hand.parent.mkdir()
    by_hand.write_text("division: kanbo-koho\n", encoding="utf-8")
    said = refused("inspect", "--answers", str(answers))
    assert (
        "register/inspections/2026/kanbo-koho.yaml (new, in no commit; `git restore` does nothing for it): "
        "commit it with `meti-pi commit PATH`, or move it out of the register or delete it" in said
    ), said
    assert "discard" not in said
    git(repo, "add", "register/inspections/2026/kanbo-koho.yaml")
    said = refused("inspect", "--answers", str(answers))
    assert (
        "register/inspections/2026/kanbo-koho.yaml (staged, new, in no commit): commit it with `meti-pi commit "
        "PATH` (as the work tree holds it), or unstage it with `git restore --staged PATH` and move it out" in said
    ), said
    # Several files, grouped: the edited one and the new one each with their own advice.
    record.write_text(record.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    git(repo, "restore", "--staged", "register/inspections/2026/kanbo-koho.yaml")
    from meti_pi.actions.uncommitted import _refuse_dirty
    from meti_pi.gitlayer.runner import head_commit, repo_of

    with pytest.raises(MetiPiError) as refusal:
        rels = ["files/F-2026-113VYQ.yaml", "inspections/2026/kanbo-koho.yaml"]
        _refuse_dirty(repo_of(root), rels, None, head_commit(repo) or "")
    assert str(refusal.value) == (
        "uncommitted edits in file(s) this command must write: register/files/F-2026-113VYQ.yaml (edited): commit "
        "it with `meti-pi commit PATH`, or discard the change with `git restore PATH`; "
        "register/inspections/2026/kanbo-koho.yaml (new, in no commit; `git restore` does nothing for it): commit "
        "it with `meti-pi commit PATH`, or move it out of the register or delete it"
    )
    # The advice works: `meti-pi commit` takes the new record (made valid) and the inspection is recorded.
    by_hand.write_text(
        (root / "inspections" / "2025" / "kanbo-jinji.yaml").read_text(encoding="utf-8").replace("2025", "2026")
        .replace("kanbo-jinji", "kanbo-koho"), encoding="utf-8",
    )  # fmt: skip
    git(repo, "checkout", "register/files/F-2026-113VYQ.yaml")
    committed = invoke(runner, root, "commit", "register/inspections/2026/kanbo-koho.yaml")
    assert committed.exit_code == 0, committed.output
    recorded = invoke(runner, root, "inspect", "--answers", str(answers))
    assert recorded.exit_code == 0, recorded.output


def test_uncommitted_work_advice_works_from_where_the_user_is(tmp_path):
    """Run from a sub-folder (`cd register/files`), the refusal named the file from the repository's
    top (`register/files/F-….yaml`), which neither `meti-pi commit PATH` nor `git restore PATH` finds
    from there: the paths are written from the current folder, and from outside the repository git
    and meti-pi are told where (`git -C TOP`, `meti-pi --register DIR commit`). Each advice is run
    as given, from where it was given."""
    import re
    import shlex

    root = make_register(tmp_path, example=True)
    repo = root.parent
    here = root / "files"
    record = here / "F-2026-113VYQ.yaml"
    dataset = str(REPO / "examples" / "datasets" / "staff_utf8.csv")
    env = {k: v for k, v in os.environ.items() if k != "METI_PI_REGISTER"}

    def run(cwd, *args):
        cmd = [sys.executable, "-m", "meti_pi", *args]
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, check=False, env=env)

    def refusal(cwd, *register):
        record.write_text(record.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
        proc = run(cwd, *register, "--today", "2026-11-26", "classify", dataset, "--record", "F-2026-113VYQ")
        assert proc.returncode == 3, proc.stderr
        said = " ".join(proc.stderr.split())
        m = re.search(r"must write: (\S+) \(edited\): commit it with `([^`]*) PATH`, or discard the change with "
                      r"`([^`]*) PATH`", said)  # fmt: skip
        assert m, said
        return m[1], shlex.split(m[2]), shlex.split(m[3])

    path, commit, restore = refusal(here)
    assert (path, commit, restore) == ("F-2026-113VYQ.yaml", ["meti-pi", "commit"], ["git", "restore"])
    subprocess.run([*restore, path], cwd=here, check=True)
    assert "# mine" not in record.read_text(encoding="utf-8")
    path, commit, restore = refusal(here)
    done = run(here, *commit[1:], path, "-m", "a comment")
    assert done.returncode == 0 and "committed 1 file(s)" in done.stdout, done.stderr
    assert git(repo, "status", "--porcelain") == ""
    # from outside the repository, with --register
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    path, commit, restore = refusal(outside, "--register", str(root))
    assert restore == ["git", "-C", str(repo), "restore"] and commit == ["meti-pi", "--register", str(root), "commit"]
    subprocess.run([*restore, path], cwd=outside, check=True)
    assert git(repo, "status", "--porcelain") == ""
    refusal(outside, "--register", str(root))
    assert run(outside, *commit[1:], path).returncode == 0
    assert git(repo, "status", "--porcelain") == ""
