"""The command line teaches its own data (issue 16): field lists, schema errors that say what to
fill and how, whole-sentence summaries, one JSON document on stdout for every --json run, and
exit codes as the README's table."""

from __future__ import annotations

import json

import pytest
from conftest import invoke, make_register

from meti_pi.cli import COMMANDS, first_sentence
from meti_pi.store import schema


@pytest.fixture
def root(tmp_path):
    return make_register(tmp_path, example=True)


def test_schema_lists_fields_with_titles_types_examples_and_required(runner, root):
    result = invoke(runner, root, "schema", "files")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("files (files.schema.json)")  # no blank first line (a review)
    assert "* name  個人情報ファイルの名称  [text]" in out
    assert "* holding.start  保有開始日  [date (YYYY-MM-DD)]  e.g. 2026-04-01" in out
    assert "file_kind  個人情報ファイルの種別  [one of computer|manual|none]" in out
    # Required only when the file holds 個人番号, and it says so.
    assert "+ my_number_basis  個人番号の根拠" in out and "required when: a file holding 個人番号" in out
    doc = json.loads(invoke(runner, root, "schema", "divisions", "--json").stdout)
    keys = {f["key"]: f for f in doc["fields"]}
    assert keys["name"]["required"] and keys["name"]["title"] == "名称" and not keys["contact.phone"]["required"]
    assert invoke(runner, root, "schema", "nosuchkind").exit_code == 2
    assert "meti-pi schema KIND" in " ".join(invoke(runner, root, "new", "--help").stdout.split())
    # `new KIND --help` ends with the same field list.
    helped = invoke(runner, root, "new", "files", "--help")
    assert (
        helped.exit_code == 0 and "* holding.start  保有開始日  [date (YYYY-MM-DD)]  e.g. 2026-04-01" in helped.stdout
    )
    assert "* name  名称  [text]  e.g. 大臣官房人事課" in invoke(runner, root, "schema", "divisions").stdout


def test_schema_examples_fit_the_field(runner, root):
    """A text whose description says "validate" was shown with a date example, and a field of two
    types printed as [['integer', 'null']] (an outside new-user run)."""
    listing = invoke(runner, root, "schema", "files").output
    lines = {}
    for line in listing.splitlines():  # "* key  title  [type]  e.g. …" ("*": required) or "  key  …"
        words = line.split()
        if len(words) > 1 and not line.startswith("      "):
            lines[words[1] if words[0] == "*" else words[0]] = line
    assert "[integer (or empty)]  e.g. 1" in lines["principals.count"]
    assert (
        "[text]" in lines["classification.class_rationale"]
        and "2026-04-01" not in lines["classification.class_rationale"]
    )
    assert "e.g. 2026-04-01" in lines["classification.decided_on"]


def test_schema_errors_name_the_japanese_title_why_and_a_set_example():
    base = {
        "schema_version": 1,
        "id": "F-1",
        "name": "x",
        "org": "経済産業省",
        "division": "d",
        "purpose": "p",
        "record_items": ["a"],
        "record_scope": "s",
        "collection_method": "c",
        "file_kind": "computer",
        "holding": {"start": "2026-04-01"},
        "characteristics": {"my_number": True},
    }
    ((path, message),) = schema.errors("files.schema.json", base)
    assert path == () and "個人番号の根拠（my_number_basis）is required because a file holding 個人番号" in message
    assert "`my_number_basis: {use_basis: 番号法第9条第4項}` in the record, then `meti-pi commit`" in message
    assert "--set my_number_basis.use_basis=" in message and "meti-pi schema files" in message
    messages = dict(schema.errors("files.schema.json", {**base, "holding": "2026-04-01", "my_number_basis": {}}))
    assert "保有期間（holding）has parts: set them as `holding: {start: 2026-04-01}`" in messages[("holding",)]
    assert "--set holding.start=2026-04-01" in messages[("holding",)]
    wrong = dict(schema.errors("files.schema.json", {**base, "file_kind": "paper", "my_number_basis": {}}))
    assert "one of computer|manual|none" in wrong[("file_kind",)]


def test_new_prompts_for_the_parts_of_an_object(runner, root, monkeypatch):
    from meti_pi.cli import register_cmds

    monkeypatch.setattr(register_cmds, "can_prompt", lambda: True)
    answers = ["テスト課", "経済産業省", "テスト課長"]
    result = invoke(
        runner, root, "new", "divisions", "--id", "test-ka", "--dry-run", "--json", input="\n".join(answers) + "\n"
    )
    assert result.exit_code == 0, result.output
    # file_kind none: not in the ファイル簿, so APPI 75(1)'s items (not prompted for) are not required.
    files = ["名簿", "経済産業省", "kanbo-jinji", "目的", "[氏名]", "職員", "本人から", "none", "2026-04-01"]
    result = invoke(runner, root, "new", "files", "--dry-run", "--json", input="\n".join(files) + "\n")
    assert result.exit_code == 0, result.output
    assert "holding.start (保有開始日; date (YYYY-MM-DD))" in result.output


def test_command_summaries_are_whole_sentences(runner, root):
    assert (
        first_sentence("Draft each Art. 35/36 notice FILE_ID requires. More here.")
        == "Draft each Art. 35/36 notice FILE_ID requires."
    )
    assert first_sentence("Arts. 39/40 incidents: open, update.\n\nDetails.") == "Arts. 39/40 incidents: open, update."
    for group in ("notify", "incident", "inspect", "audit"):
        listing = invoke(runner, root, group, "--help").stdout
        commands = listing.split("Commands:")[1] if "Commands:" in listing else ""
        for line in commands.splitlines():
            assert not line.rstrip().endswith(("Art.", "Arts.")), (group, line)  # click cut it at "Art."
    assert "Draft each Art. 35/36 notice FILE_ID requires and has not made" in " ".join(
        invoke(runner, root, "notify", "--help").stdout.split()
    )
    assert all(not text.endswith("Art.") for _, text in COMMANDS.values())


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", "F-2026-NOSUCH", "--json"], 2),  # an unknown id is a usage error
        (["notify", "F-2026-S1J6E5", "--kind", "99", "--json"], 2),
        (["validate", "--json", "--no-such-option"], 2),
        (["incident", "report", "INC-2026-NOSUCH", "--kind", "final", "--json"], 2),
        (["new", "files", "--set", "name=x", "--json"], 1),  # refused: the record would be invalid
        (["notify", "withdraw", "N-2024-XWB2KM", "--reason", "x", "--json"], 1),  # submitted, not a draft
    ],
)
def test_every_json_run_prints_one_json_document_errors_included(runner, root, args, code):
    result = invoke(runner, root, *args)
    assert result.exit_code == code, result.output
    doc = json.loads(result.stdout)  # exactly one document: json.loads refuses anything after it
    assert doc["ok"] is False and doc["exit_code"] == code and doc["errors"] and doc["errors"][-1]["message"]


def test_cannot_run_is_json_too(runner, tmp_path):
    from meti_pi.cli import app

    result = runner.invoke(app, ["--register", str(tmp_path / "none"), "validate", "--json"])
    assert result.exit_code == 3
    assert json.loads(result.stdout)["errors"][-1]["code"] == "cannot-run"


def test_show_of_an_unknown_id_exits_2_without_json_too(runner, root):
    result = invoke(runner, root, "show", "F-2026-NOSUCH")
    assert result.exit_code == 2 and "no record with id" in result.stderr and result.stdout == ""


# -- progress where people wait -------------------------------------------------------------------


def test_progress_is_silent_when_piped(runner, root, tmp_path):
    # CliRunner's streams are not terminals: the long steps print no progress, only their output.
    every = invoke(runner, root, "inspect", "--year", "2026")
    assert every.exit_code == 0, every.output
    assert "building the checklists" not in every.stderr and "\x1b[" not in every.stderr
    pack = invoke(runner, root, "audit", "pack", "--out", str(tmp_path / "pack.zip"))
    assert pack.exit_code == 0, pack.output
    assert "reading the register" not in pack.stderr and "\x1b[" not in pack.stderr


def test_progress_on_a_terminal_counts_divisions(root, monkeypatch):
    from meti_pi.cli.common import Busy
    from meti_pi.inspect import checklist as cl
    from meti_pi.store.register import Register

    seen: list[tuple[int, int]] = []
    busy = Busy("building", force=True)
    monkeypatch.setattr(busy, "update", lambda done, total=None: seen.append((done, total)))
    from datetime import date

    from meti_pi.settings import Settings

    reg = Register.load(root, settings=Settings(parallel_min=1000))  # one process: every division reported
    with busy:
        out = cl.map_all(reg, 2026, date(2026, 11, 26), lambda c: c.division, progress=busy.update)
    assert seen == [(n, len(out)) for n in range(1, len(out) + 1)] and len(out) == 14
    assert not Busy("x", force=False).active


# -- documents' sentences and contacts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reasons", "klass", "sentence"),
    [
        (
            [("class-a:my_number", "個人番号を含む → 管理A（policy の管理A該当事由 my_number）")],
            "A",
            "個人番号を含むため、管理Ａとする。",
        ),
        (
            [("class-b", "本人の数 2,000人 ≥ 1,000人（千人以上）→ 管理B")],
            "B",
            "本人の数が千人以上であるため、管理Ｂとする。",
        ),
        (
            [("class-b:unknown-count", "本人の数が不明 → 計数されるまで管理B（1,000人以上）として扱う")],
            "B",
            "本人の数が不明であり、計数されるまで管理Ｂとして取り扱う。",
        ),
        (
            [("class-c", "管理A該当事由なし、本人の数 999人 < 1,000人 → 管理C")],
            "C",
            "管理Ａとすべき事由がなく、本人の数が千人未満であるため、管理Ｃとする。",
        ),
        (  # a policy's other line, in the sentence's full-width style (「500人」 was written)
            [("class-b", "本人の数 2,000人 ≥ 1,500人（千人以上）→ 管理B")],
            "B",
            "本人の数が１，５００人以上であるため、管理Ｂとする。",
        ),
        (
            [("class-c", "管理A該当事由なし、本人の数 499人 < 500人 → 管理C")],
            "C",
            "管理Ａとすべき事由がなく、本人の数が５００人未満であるため、管理Ｃとする。",
        ),
    ],
)
def test_class_reasons_become_document_sentences(reasons, klass, sentence):
    from meti_pi.classify.classification import document_rationale

    text = document_rationale([{"rule": r, "text": t} for r, t in reasons], klass)
    assert text == sentence and not any(m in text for m in ("→", "≥", "<", "policy", "_"))


@pytest.mark.parametrize(
    "profile",
    [
        {"principals": 5, "confidential": True},
        {"principals": 5, "confidential": True, "my_number": True, "sensitive": True},
    ],
    ids=["confidential", "three grounds"],
)
def test_every_class_a_ground_reads_as_a_clause_before_tame(profile):
    """The record's rationale joins the engine's class-A grounds with 「、」 before 「ため、管理Ａとする。」:
    each must end in a verb (含む, した), never a bare noun (「…と判断ため」 was written); each but the
    last in its 連用形 (含み, し: 「個人番号を含む、要配慮個人情報を含む（病歴）ため」 read as a list)."""
    import re

    from meti_pi.classify.classification import decide, document_rationale, profile_from_mapping

    decision = decide(profile_from_mapping(profile), {})
    text = document_rationale(decision.reasons, decision.management_class)
    grounds = text.removesuffix("ため、管理Ａとする。")
    assert decision.management_class == "A" and grounds != text
    assert grounds.endswith("と判断した") and "判断ため" not in text
    clauses = re.sub(r"（[^）]*）", "", grounds).split("、")  # the categories in brackets hold 「、」 too
    assert len(clauses) == len(profile) - 1
    assert all(c.endswith(("含み", "し")) for c in clauses[:-1]) and clauses[-1].endswith(("含む", "した"))
    if "sensitive" in profile:
        assert "要配慮個人情報を含" in text and "を含む（" not in text  # the categories before 含む


def test_sensitive_categories_are_named_in_japanese():
    from meti_pi.classify.classification import japanese_label

    assert japanese_label("medical_history") == "病歴" and japanese_label("basic_pension") == "基礎年金番号"


def test_a_division_without_contact_is_warned_when_an_open_incident_needs_it(runner, root):
    import re

    path = root / "divisions" / "kanbo-kaikei.yaml"  # the division of the example's open incident
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"contact:\n(  .*\n)+", "", text), encoding="utf-8")
    doc = json.loads(invoke(runner, root, "validate", "--json").stdout)
    warned = [w for w in doc["warnings"] if w["code"] == "contact-missing"]
    assert [w["path"] for w in warned] == ["divisions/kanbo-kaikei.yaml"] and "INC-2026-H0JQNC" in warned[0]["message"]
    path.write_text(text, encoding="utf-8")
    doc = json.loads(invoke(runner, root, "validate", "--json").stdout)
    assert not [w for w in doc["warnings"] if w["code"] == "contact-missing"]


def test_a_contact_that_is_no_mapping_is_a_schema_error_not_a_crash(runner, root, monkeypatch):
    """`contact: 代表電話` (a text where the schema wants a mapping) on the 課等 of an open incident
    that needs a notice: validate raised AttributeError in check_contacts (an outside review, session
    13). It is the schema's error now, and the 課等 is warned as having no contact."""
    import re

    path = root / "divisions" / "kanbo-kaikei.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"contact:\n(  .*\n)+", "contact: 代表電話\n", text), encoding="utf-8")
    for no_cache in ("1", ""):
        monkeypatch.setenv("METI_PI_NO_CACHE", no_cache)
        result = invoke(runner, root, "validate", "--json")
        assert result.exit_code == 1, result.output
        doc = json.loads(result.stdout)
        assert [e["path"] for e in doc["errors"]] == ["divisions/kanbo-kaikei.yaml"]
        assert [w["path"] for w in doc["warnings"] if w["code"] == "contact-missing"] == ["divisions/kanbo-kaikei.yaml"]


def test_contractor_clauses_are_required_for_outsourcing_only(runner, root):
    """contract.kind: dispatch (a 労働者派遣契約, Art. 15) needs no Art. 14(2) clauses: the listing
    says when they are required, and `new contractors` still asks for them (the default is 委託)."""
    from meti_pi.actions.records import required_fields

    out = invoke(runner, root, "schema", "contractors").stdout
    assert "contract.kind  契約の種類" in out
    assert "+ clauses  契約条項（規程第14条第2項）" in out and "required when: a 委託 contract" in out
    assert "clauses" in [name for name, _spec in required_fields("contractors")]


def test_validate_tells_the_line_to_write_not_new_s_set(runner, root):
    """validate reports records on disk: a schema error's example is the line to write in the file
    (`file_kind: computer`), not `--set file_kind=computer`, which only `new` and `update` take."""
    import subprocess

    path = root / "files" / "F-2026-CT38TF.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("file_kind: computer", "file_kind: compute"), "utf-8")
    subprocess.run(["git", "commit", "-qam", "a typo"], cwd=root, check=True)
    for args in (("validate",), ("validate", "--json"), ("validate", "--format", "github")):
        result = invoke(runner, root, *args)
        assert result.exit_code == 1
        assert "e.g. `file_kind: computer`" in result.stdout and "--set" not in result.stdout, args


def _typo_in_file_kind(root):
    path = root / "files" / "F-2026-CT38TF.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("file_kind: computer", "file_kind: compute"), "utf-8")
    return path


def test_commit_of_a_hand_edit_tells_the_line_to_write_not_new_s_set(runner, root):
    """`meti-pi commit` refuses a hand edit that fails its schema: the record is on disk, so the
    example is the line to write there (`file_kind: computer`), not new's `--set file_kind=computer`."""
    result = invoke(runner, root, "commit", str(_typo_in_file_kind(root)), "-m", "a typo")
    assert result.exit_code == 1
    assert "F-2026-CT38TF.yaml:" in result.output and "e.g. `file_kind: computer`" in result.output
    assert "--set" not in result.output


def test_export_filebook_refusal_tells_the_line_to_write_not_new_s_set(runner, root, tmp_path):
    """`export filebook` refuses a committed record that fails its schema: the line to write in it."""
    import subprocess

    _typo_in_file_kind(root)
    subprocess.run(["git", "commit", "-qam", "a typo"], cwd=root, check=True)
    result = invoke(runner, root, "export", "filebook", "--out", str(tmp_path / "book.csv"))
    assert result.exit_code == 1 and not (tmp_path / "book.csv").exists()
    assert "F-2026-CT38TF.yaml:" in result.output and "e.g. `file_kind: computer`" in result.output
    assert "--set" not in result.output


def test_new_from_a_file_tells_the_line_to_write_in_that_file(runner, root, tmp_path):
    """`new KIND --from FILE`: a field that fails its schema is the file's, shown at its line with
    the line to write there (`file_kind: computer`), not `--set file_kind=computer`; a field missing
    is to be written in the --from file, not in a record to `meti-pi commit` (none was made)."""
    given = tmp_path / "fields.yaml"
    given.write_text("name: 補助金申請書綴\nfile_kind: compute\n", encoding="utf-8")
    result = invoke(runner, root, "new", "files", "--from", str(given), "--dry-run")
    assert result.exit_code == 1
    assert f"{given}:2: $.file_kind: " in result.output and "e.g. `file_kind: computer`" in result.output
    assert "Set it as `org: 経済産業省` in the --from file (all fields:" in result.output
    assert "--set" not in result.output and "meti-pi commit" not in result.output, result.output
    # given with --set, the field keeps --set's example: that is where it is written
    result = invoke(runner, root, "new", "files", "--from", str(given), "--set", "file_kind=compute", "--dry-run")
    assert "--set file_kind: $.file_kind: " in result.output and "e.g. --set file_kind=computer" in result.output


def test_an_item_of_a_list_is_taught_as_an_item_not_as_the_list(runner, root):
    """A list's item that fails its schema (`sensitive_categories: [bogus]`, `record_items` holding
    12) was taught as the list's own value: validate said `sensitive_categories: race` and
    `record_items: "…"`, lines that, written, fail again (text where a list belongs), and `new` said
    `--set characteristics.sensitive_categories=race` alike. The hint says to write the item under
    the list's key, with the list's title."""
    import subprocess

    path = root / "files" / "F-2026-CT38TF.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  sensitive: false\n", "  sensitive: false\n  sensitive_categories: [bogus]\n"
    )
    path.write_text(text.replace("  - 担当部署\n", "  - 12\n"), encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "hand edits"], cwd=root, check=True)
    result = invoke(runner, root, "validate")
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())
    assert "F-2026-CT38TF.yaml:23: $.characteristics.sensitive_categories[0]: error[schema]" in out, out
    assert "（characteristics.sensitive_categories）is a list, each item one of race|" in out, out
    assert "; write each item as `- race` under `sensitive_categories:`" in out, out
    assert "write each item as `- \"氏名\"` under `record_items:`" in out and "put it in double quotes" in out, out
    assert "`sensitive_categories: race`" not in out and "`record_items: \"…\"`" not in out, out
    made = invoke(runner, root, "new", "files", "--set", "characteristics.sensitive_categories=[bogus]", "--dry-run")
    assert made.exit_code == 1
    assert "write each item as `- race` under `sensitive_categories:`" in made.stderr, made.stderr
    assert "--set characteristics.sensitive_categories=race" not in made.stderr, made.stderr
