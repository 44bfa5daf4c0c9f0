"""No personal data leaks: marker values planted in datasets and in incident free text never reach the
register, the git history (reachable or not), any output file, stdout or stderr of any command.

The markers are unique per run and look like what they stand for (an e-mail address, a telephone
number, a 個人番号 with a valid check digit, a name), so that screening and detection see them as
personal data; they sit only in cells (never in a header) and in free text that must be refused.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from _reliability import env, meti_cmd
from conftest import git, make_register

from meti_pi.classify.checkdigits import my_number_check_digit

FILE_ID = "F-2026-113VYQ"  # a ファイル簿 record of the example register
INCIDENT_DIVISION = "kanbo-jinji"


def make_markers() -> dict[str, str]:
    token = secrets.token_hex(4).upper()
    digits = f"{secrets.randbelow(10**8):08d}"
    body = f"{secrets.randbelow(10**11):011d}"
    return {
        "name": f"鬼灯{token}",
        "email": f"mk{token.lower()}@leak-test.example.jp",
        "phone": f"090-{digits[:4]}-{digits[4:]}",
        "my_number": body + str(my_number_check_digit(body)),
        "note": f"ZQX{token}MARK",
    }


def encodings(markers: dict[str, str]) -> list[bytes]:
    """Each marker as it could appear in bytes (UTF-8, CP932, UTF-16), plus the digits alone."""
    out: list[bytes] = []
    for value in markers.values():
        for enc in ("utf-8", "cp932", "utf-16-le"):
            try:
                out.append(value.encode(enc))
            except UnicodeEncodeError:
                pass
    out.append(markers["phone"].replace("-", "").encode())
    return out


def write_datasets(folder: Path, markers: dict[str, str]) -> dict[str, Path]:
    """The same rows as CSV (UTF-8 and Shift_JIS), TSV, JSONL and XLSX; markers only in cells."""
    header = ["氏名", "メールアドレス", "電話番号", "個人番号", "備考"]
    rows = [[markers["name"], markers["email"], markers["phone"], markers["my_number"], markers["note"]]]
    rows += [[f"職員{i}", f"staff{i}@meti-test.example.jp", f"03-3501-{1000 + i}", "", "特記なし"] for i in range(30)]
    folder.mkdir()
    paths = {
        "csv": folder / "staff.csv",
        "sjis": folder / "staff_sjis.csv",
        "tsv": folder / "staff.tsv",
        "jsonl": folder / "staff.jsonl",
        "xlsx": folder / "staff.xlsx",
    }
    csv_text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    paths["csv"].write_text(csv_text, encoding="utf-8")
    paths["sjis"].write_bytes(csv_text.encode("cp932"))
    paths["tsv"].write_text(csv_text.replace(",", "\t"), encoding="utf-8")
    paths["jsonl"].write_text(
        "".join(json.dumps(dict(zip(header, r)), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "名簿"
    for r in [header, *rows]:
        ws.append(r)
    wb.save(paths["xlsx"])
    # Without the 個人番号 column, for --record (a file holding 個人番号 needs its legal basis recorded first).
    paths["record_csv"] = folder / "staff_no_mynumber.csv"
    paths["record_csv"].write_text("\n".join(",".join(r[:3] + r[4:]) for r in [header, *rows]) + "\n", encoding="utf-8")
    return paths


def search(blob: bytes, needles: list[bytes]) -> list[bytes]:
    return [n for n in needles if n in blob]


def every_byte_of(path: Path) -> bytes:
    """A file's bytes, and its zlib-inflated bytes when it is compressed (git objects, caches)."""
    data = path.read_bytes()
    try:
        data += zlib.decompress(data)
    except zlib.error:
        pass
    return data


@pytest.fixture
def scene(tmp_path):
    root = make_register(tmp_path, example=True)
    markers = make_markers()
    datasets = write_datasets(tmp_path / "datasets", markers)
    return root, markers, datasets, tmp_path


def run(root: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(meti_cmd(root, *args), capture_output=True, env=env(), cwd=cwd, timeout=120)


@pytest.mark.slow
def test_markers_never_leave_the_dataset_or_the_refused_free_text(scene):
    root, markers, datasets, tmp_path = scene
    needles = encodings(markers)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    work = tmp_path / "cwd"  # drafts and outputs written relative to the current folder land here
    work.mkdir()
    facts = tmp_path / "facts.yaml"
    facts.write_text(
        f"known_on: '2026-11-20'\nsummary: '{markers['email']} 宛に誤送信'\ndivision: {INCIDENT_DIVISION}\n",
        encoding="utf-8",
    )

    # (arguments, expected exit codes): every command, with --json and without where it has it.
    steps: list[tuple[list[str], set[int]]] = []
    for kind, path in datasets.items():
        if kind == "record_csv":
            continue
        steps.append((["classify", str(path)], {0}))
        steps.append((["classify", str(path), "--json"], {0}))
    steps += [
        (["classify", str(datasets["record_csv"]), "--record", FILE_ID, "--dry-run"], {0}),
        (["classify", str(datasets["record_csv"]), "--record", FILE_ID, "--json"], {0}),
        (["classify", str(datasets["record_csv"]), "--key", "メールアドレス", "--record", FILE_ID], {0}),
        (["classify", str(datasets["csv"]), "--record", FILE_ID], {1}),  # 個人番号 without its basis: refused
        # Free text holding personal data is refused, and the refusal does not quote it.
        (
            [
                "incident",
                "open",
                "--known-on",
                "2026-11-20",
                "--division",
                INCIDENT_DIVISION,
                "--summary",
                f"{markers['name']}様（電話 {markers['phone']}）の申請書を誤送付",
            ],
            {2},
        ),
        (
            [
                "incident",
                "open",
                "--known-on",
                "2026-11-20",
                "--division",
                INCIDENT_DIVISION,
                "--json",
                "--summary",
                f"個人番号 {markers['my_number']} を含む書類を紛失",
            ],
            {2},
        ),
        (["incident", "open", "--from", str(facts)], {2}),
        (
            [
                "incident",
                "open",
                "--known-on",
                "2026-11-20",
                "--division",
                INCIDENT_DIVISION,
                "--dry-run",
                "--summary",
                f"{markers['email']} への誤送信",
            ],
            {2},
        ),
        (
            [
                "incident",
                "open",
                "--known-on",
                "2026-11-20",
                "--division",
                INCIDENT_DIVISION,
                "--summary",
                "申請書の誤送付",
                "--json",
            ],
            {0},
        ),
        (["notify", "log", FILE_ID, "--kind", "use", "--summary", f"{markers['email']} に送付"], {2}),
        (["validate"], {0, 1}),
        (["validate", "--json"], {0, 1}),
        (["validate", "--strict"], {0, 1}),
        (["show", FILE_ID], {0}),
        (["show", FILE_ID, "--json"], {0}),
        (["history"], {0}),
        (["history", "--json"], {0}),
        (["history", FILE_ID, "--json"], {0}),
        (["history", "--verify"], {0}),
        (["history", "--verify", "--json", "--strict"], {0, 1}),
        (["notify", "check"], {0, 1}),
        (["notify", "check", "--json"], {0, 1}),
        (["incident", "list"], {0}),
        (["incident", "list", "--json"], {0}),
        (["export", "filebook", "--out", str(out_dir / "filebook.csv")], {0, 1}),
        (["export", "filebook", "--format", "md", "--out", str(out_dir / "filebook.md")], {0, 1}),
        (["status"], {0, 1}),
        (["status", "--json"], {0, 1}),
        (["inspect", "--year", "2026", "--json"], {0, 1}),
    ]
    # The incident opened above, then updates carrying personal data (refused).
    results = []
    for args, expected in steps:
        proc = run(root, work, *args)
        results.append((args, proc))
        assert proc.returncode in expected, (args, proc.returncode, proc.stderr.decode(errors="replace")[-400:])
        assert "Traceback" not in proc.stderr.decode(errors="replace")
    opened = next(json.loads(p.stdout) for a, p in results if a[:2] == ["incident", "open"] and p.returncode == 0)
    for args, expected in [
        (
            [
                "incident",
                "update",
                opened["id"],
                "--event",
                "note",
                "--note",
                f"{markers['name']} 本人に電話 {markers['phone']}",
            ],
            {2},
        ),
        (
            [
                "incident",
                "update",
                opened["id"],
                "--event",
                "containment",
                "--on",
                "2026-11-21",
                "--method",
                f"{markers['email']} に連絡",
            ],
            {2},
        ),
        (["incident", "report", opened["id"], "--kind", "preliminary", "--out", str(out_dir)], {0, 1}),
    ]:
        proc = run(root, work, *args)
        results.append((args, proc))
        assert proc.returncode in expected, (args, proc.returncode, proc.stderr.decode(errors="replace")[-400:])

    # The classify runs were real: the scan found the personal data it was meant to find.
    scanned = json.loads(
        next(p.stdout for a, p in results if a[0] == "classify" and a[-1] == "--json" and "--record" not in a)
    )
    assert scanned["personal_information"] is True and scanned["specific_personal_information"] is True
    assert scanned["dataset"]["rows"] == 31

    leaks: list[str] = []
    for args, proc in results:
        for stream, data in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            for n in search(data, needles):
                leaks.append(f"{stream} of {' '.join(args[:3])}: {n!r}")
    repo = root.parent
    # Every file of the work tree and of the git directory (objects, packs, index, caches, journal).
    for path in [*repo.rglob("*"), *work.rglob("*"), *out_dir.rglob("*")]:
        if path.is_file() and not path.is_symlink():
            for n in search(every_byte_of(path), needles):
                leaks.append(f"{path.relative_to(tmp_path)}: {n!r}")
    # The history as git shows it, and every object, reachable or not (dangling blobs of refused changes).
    log = subprocess.run(("git", "log", "-p", "--all", "--reflog"), cwd=repo, capture_output=True).stdout
    objects = subprocess.run(
        ("git", "cat-file", "--batch-all-objects", "--batch", "--unordered"), cwd=repo, capture_output=True
    ).stdout
    fsck = subprocess.run(("git", "fsck", "--lost-found", "--no-progress"), cwd=repo, capture_output=True)
    lost = b"".join(every_byte_of(p) for p in (repo / ".git" / "lost-found").rglob("*") if p.is_file())
    for what, data in (
        ("git log -p --all", log),
        ("git objects", objects),
        ("git fsck --lost-found", fsck.stdout + fsck.stderr + lost),
    ):
        for n in search(data, needles):
            leaks.append(f"{what}: {n!r}")
    assert len(objects) > 10_000  # the search did read the object store
    assert leaks == []
    # The classification was recorded (counts and column names only).
    recorded = (root / "files" / f"{FILE_ID}.yaml").read_text(encoding="utf-8")
    assert "メールアドレス" in recorded and "basis: scanned" in recorded


def test_unexpected_error_shows_frames_only_never_locals_or_the_message(tmp_path, monkeypatch, capsys):
    """A bug deep in a command (here: in the dataset reader) while a local holds a cell value."""
    from meti_pi.classify import datasets
    from meti_pi.cli import main

    root = make_register(tmp_path, example=True)
    markers = make_markers()
    paths = write_datasets(tmp_path / "datasets", markers)
    real_open = datasets.open_dataset

    def broken_open(path, *args, **kwargs):
        cell_value = markers["name"]  # a local holding personal data at the moment of the failure
        secret_row = [markers["email"], markers["phone"]]
        raise KeyError(f"unexpected {cell_value} {secret_row}")

    monkeypatch.setattr(datasets, "open_dataset", broken_open)
    monkeypatch.delenv("METI_PI_DEBUG", raising=False)
    monkeypatch.setattr(
        sys, "argv", ["meti-pi", "--register", str(root), "--today", "2026-11-26", "classify", str(paths["csv"])]
    )
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 3
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "an unexpected error has occurred" in captured.err
    assert "in broken_open" in captured.err  # the frames are there, to report the bug
    assert "KeyError: (message hidden; set METI_PI_DEBUG=1 to show it)" in captured.err
    for value in markers.values():
        assert value not in text
    assert "cell_value" not in text and "secret_row" not in text  # no locals, not even their names
    assert real_open is not broken_open


def test_refusal_messages_name_the_kind_and_position_never_the_value(tmp_path):
    root = make_register(tmp_path, example=True)
    markers = make_markers()
    proc = run(
        root,
        tmp_path,
        "incident",
        "open",
        "--known-on",
        "2026-11-20",
        "--division",
        INCIDENT_DIVISION,
        "--summary",
        f"連絡先 {markers['email']} / {markers['phone']}",
    )
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "メールアドレス" in err and "電話番号" in err and "character" in err
    for value in markers.values():
        assert value not in err and value not in proc.stdout.decode()
    assert git(root.parent, "status", "--porcelain") == ""


# -- issue 15: header-less datasets, every free-text option with every separator, hostile exports ------

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
CONTROL_BYTES = [bytes([b]) for b in range(0x20) if b not in (0x09, 0x0A)] + [b"\x7f", b"\xc2\x9b", b"\xc2\x9d"]


def first_row_markers() -> dict[str, str]:
    """A first row of values (no header): a rare name, a kana name, an address, a diagnosis; unique per run."""
    token = secrets.token_hex(4).upper()
    kana = "".join(KANA[secrets.randbelow(len(KANA))] for _ in range(5))
    n = [secrets.randbelow(900) + 100 for _ in range(3)]
    given = "".join("凛蓮葵陽翔湊樹蒼朔颯碧楓椿柚菫萌雫澪".__getitem__(secrets.randbelow(18)) for _ in range(2))
    return {
        "name": f"勅使河原{given}",
        "kana": f"テシガハラ {kana}",
        "address": f"東京都港区六本木{n[0]}丁目{n[1]}番{n[2]}号",
        "diagnosis": f"ZQX{token}症候群",
    }


def write_headerless(folder: Path, first: dict[str, str], markers: dict[str, str]) -> dict[str, Path]:
    """CSV, TSV and XLSX whose first row is a person; JSONL whose keys are an e-mail, a phone, a 個人番号, a name."""
    rows = [list(first.values())]
    rows += [[f"佐藤{i}郎", f"サトウ タロウ{i}", f"大阪府大阪市北区梅田{i}-1-1", "高血圧症"] for i in range(40)]
    folder.mkdir()
    paths = {
        "csv": folder / "patients.csv",
        "tsv": folder / "patients.tsv",
        "xlsx": folder / "patients.xlsx",
        "jsonl": folder / "keys.jsonl",
    }
    paths["csv"].write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    paths["tsv"].write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(paths["xlsx"])
    keys = {markers["email"]: 1, markers["phone"]: 2, markers["my_number"]: 3, first["name"]: 4, "氏名": "山田 太郎"}
    paths["jsonl"].write_text("".join(json.dumps(keys, ensure_ascii=False) + "\n" for _ in range(20)), encoding="utf-8")
    return paths


# Every free-text option of every command (the text goes where {text} is).
FREE_TEXT_RUNS = {
    "incident open --summary": [
        "incident",
        "open",
        "--known-on",
        "2026-11-20",
        "--division",
        INCIDENT_DIVISION,
        "--summary",
        "{text}",
    ],
    **{
        f"incident open {opt}": [
            "incident",
            "open",
            "--known-on",
            "2026-11-20",
            "--division",
            INCIDENT_DIVISION,
            "--summary",
            "誤送付",
            opt,
            "{text}",
        ]
        for opt in (
            "--discovered-by",
            "--items",
            "--cause",
            "--secondary-damage",
            "--other",
            "--measure-done",
            "--measure-planned",
        )
    },
    "incident update --note": ["incident", "update", "{incident}", "--event", "note", "--note", "{text}"],
    "incident update --method": ["incident", "update", "{incident}", "--event", "containment", "--method", "{text}"],
    **{
        f"incident update {opt}": ["incident", "update", "{incident}", opt, "{text}"]
        for opt in (
            "--cause",
            "--discovered-by",
            "--items",
            "--secondary-damage",
            "--other",
            "--substitute-measure",
            "--measure-done",
        )
    },
    "notify log --summary": ["notify", "log", FILE_ID, "--kind", "use", "--summary", "{text}"],
    **{
        f"notify log {opt}": [
            "notify",
            "log",
            FILE_ID,
            "--kind",
            "provision",
            "--summary",
            "送付",
            "--recipient",
            "委託先",
            "--basis",
            "法69条",
            opt,
            "{text}",
        ]
        for opt in ("--recipient", "--basis", "--method")
    },
    "notify explain --reason": ["notify", "explain", "N-2024-AQ4R7A", "--reason", "{text}"],
    "notify --late-reason": ["notify", "F-2026-WS4AX4", "--out", "{out}", "--late-reason", "{text}"],
    "audit new --title": [
        "audit",
        "new",
        "--title",
        "{text}",
        "--division",
        INCIDENT_DIVISION,
        "--auditor",
        "監察官@kanbo-somu",
    ],
    "new --set description": [
        "new",
        "systems",
        "--set",
        "name=相談記録",
        "--set",
        "beppyo_row=6",
        "--set",
        "business_division=chusho-keiei-shien",
        "--set",
        "connected_to_meti_network=true",
        "--set",
        "description={text}",
    ],
}


def separated_values(markers: dict[str, str], seps: list[str]) -> list[tuple[str, list[str]]]:
    """(text, needles): the 個人番号 and the phone marker written with each separator variant."""
    mn, phone = markers["my_number"], markers["phone"].replace("-", "")
    out = []
    for sep in seps:
        mn_text = sep.join((mn[:4], mn[4:8], mn[8:]))
        phone_text = sep.join((phone[:3], phone[3:7], phone[7:]))
        out.append((f"個人番号 {mn_text} 電話 {phone_text} を含む", [mn_text, phone_text]))
    return out


@pytest.mark.slow
def test_issue_15_markers_never_leak(tmp_path):
    from conftest import invoke
    from test_screening_separators import SEPARATORS
    from typer.testing import CliRunner

    root = make_register(tmp_path, example=True)
    repo = root.parent
    markers, first = make_markers(), first_row_markers()
    datasets = write_headerless(tmp_path / "datasets", first, markers)
    out_dir = tmp_path / "out"
    runner = CliRunner()
    outputs: list[tuple[str, bytes]] = []
    planted: set[str] = set(first.values()) | {markers["email"], markers["phone"], markers["my_number"]}

    def run_in(args: list[str], expected: set[int]) -> None:
        result = invoke(runner, root, *args)
        assert result.exit_code in expected, (args, result.exit_code, result.output[-500:])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        outputs.append((" ".join(args[:3]), result.stdout_bytes + result.stderr_bytes))

    # 1. Header-less datasets: classified (and recorded), the first row's text is never a column name.
    for fmt, path in datasets.items():
        proc = run(root, tmp_path, "classify", str(path), "--json")
        assert proc.returncode == 0, proc.stderr.decode()[-400:]
        outputs.append((f"classify {fmt}", proc.stdout + proc.stderr))
        scanned = json.loads(proc.stdout)
        assert scanned["dataset"]["rows"] == (41 if fmt != "jsonl" else 20)
        if fmt != "jsonl":
            assert scanned["dataset"]["columns"] == ["列1", "列2", "列3", "列4"]
    run_in(["classify", str(datasets["csv"]), "--record", FILE_ID], {0})
    run_in(["classify", str(datasets["jsonl"]), "--record", FILE_ID], {0, 1})
    recorded = (root / "files" / f"{FILE_ID}.yaml").read_text(encoding="utf-8")
    assert "列1" in recorded

    # 2. Every free-text option with every separator variant: refused (exit 2), never quoted.
    opened = invoke(
        runner,
        root,
        "incident",
        "open",
        "--known-on",
        "2026-11-20",
        "--division",
        INCIDENT_DIVISION,
        "--summary",
        "申請書の誤送付",
        "--json",
    )
    assert opened.exit_code == 0, opened.output
    incident_id = json.loads(opened.stdout)["id"]
    seps = list(SEPARATORS.values())
    runs = 0
    for i, (_name, template) in enumerate(FREE_TEXT_RUNS.items()):
        # Each option gets three separator variants (rotating), and the e-mail marker; every variant is used.
        chosen = [seps[(3 * i + k) % len(seps)] for k in range(3)]
        texts = [*separated_values(markers, chosen), (f"宛先 {markers['email']} に誤送信", [markers["email"]])]
        for text, needles in texts:
            planted.update(needles)
            args = [
                a.replace("{text}", text).replace("{incident}", incident_id).replace("{out}", str(out_dir))
                for a in template
            ]
            run_in(args, {2})
            runs += 1
    assert runs >= 100 and len(
        {s for i in range(len(FREE_TEXT_RUNS)) for s in [seps[(3 * i + k) % len(seps)] for k in range(3)]}
    ) == len(seps)

    # 3. Exports after all that (and the register's own outputs).
    for args in (
        ["export", "filebook", "--out", str(tmp_path / "fb.csv")],
        ["export", "filebook", "--format", "md", "--out", str(tmp_path / "fb.md")],
        ["export", "filebook", "--format", "xlsx", "--out", str(tmp_path / "fb.xlsx")],
        ["validate"],
        ["status"],
        ["history"],
        ["show", FILE_ID],
    ):
        run_in(args, {0, 1})

    needles: list[bytes] = []
    for value in planted:
        for enc in ("utf-8", "cp932", "utf-16-le"):
            try:
                needles.append(value.encode(enc))
            except UnicodeEncodeError:
                pass
    leaks = [f"{what}: {n!r}" for what, data in outputs for n in search(data, needles)]
    leaks += [f"{what}: control byte {b!r}" for what, data in outputs for b in CONTROL_BYTES if b in data]
    for path in [*repo.rglob("*"), *tmp_path.glob("fb.*"), *out_dir.rglob("*")]:
        if path.is_file() and not path.is_symlink():
            leaks += [f"{path.relative_to(tmp_path)}: {n!r}" for n in search(every_byte_of(path), needles)]
    objects = subprocess.run(
        ("git", "cat-file", "--batch-all-objects", "--batch", "--unordered"), cwd=repo, capture_output=True
    ).stdout
    log = subprocess.run(("git", "log", "-p", "--all", "--reflog"), cwd=repo, capture_output=True).stdout
    leaks += [f"git: {n!r}" for n in search(objects + log, needles)]
    assert len(objects) > 10_000
    print(
        f"issue 15: {len(planted)} markers planted ({len(needles)} encodings), {runs} refused free-text runs, {len(leaks)} leaked"
    )
    assert leaks == []
