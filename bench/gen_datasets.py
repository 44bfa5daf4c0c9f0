"""Synthetic datasets for meti-pi classify: examples, a labelled corpus, and big benchmark files.

Every person, number and address here is invented (seeded random). 個人番号 and 法人番号 are
random bodies with a computed check digit: they pass the check but belong to nobody.

    .venv/bin/python bench/gen_datasets.py examples      # rewrite examples/datasets/
    .venv/bin/python bench/gen_datasets.py corpus DIR    # the labelled corpus (see labelled_corpus)
    .venv/bin/python bench/gen_datasets.py big ROWS FILE # the N-row x 8-column benchmark CSV
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "datasets"

SURNAMES = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "松本",
    "井上",
    "木村",
    "清水",
    "山崎",
    "池田",
    "橋本",
]
SURNAME_KANA = [
    "サトウ",
    "スズキ",
    "タカハシ",
    "タナカ",
    "イトウ",
    "ワタナベ",
    "ヤマモト",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
    "ヨシダ",
    "ヤマダ",
    "ササキ",
    "マツモト",
    "イノウエ",
    "キムラ",
    "シミズ",
    "ヤマザキ",
    "イケダ",
    "ハシモト",
]
GIVEN = [
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健太",
    "由美",
    "翔",
    "陽菜",
    "大輔",
    "さくら",
    "拓也",
    "真由美",
    "直樹",
    "彩",
    "誠",
]
GIVEN_KANA = [
    "タロウ",
    "ハナコ",
    "イチロウ",
    "ミサキ",
    "ケンタ",
    "ユミ",
    "ショウ",
    "ヒナ",
    "ダイスケ",
    "サクラ",
    "タクヤ",
    "マユミ",
    "ナオキ",
    "アヤ",
    "マコト",
]
PREFECTURES = ["東京都", "北海道", "大阪府", "京都府", "神奈川県", "埼玉県", "千葉県", "愛知県", "福岡県", "宮城県"]
TOWNS = ["見本市架空町", "試験市仮名区例題町", "模擬郡想定村", "架空区見本", "例示市試作町"]
COMPANIES = ["株式会社見本商事", "架空工業株式会社", "有限会社例示製作所", "試験物産株式会社", "仮名運輸株式会社"]
PRODUCTS = ["コピーヨウシ", "ボールペン", "クリアファイル", "ホッチキス", "ノートパソコン"]
DEPARTMENTS = ["総務課", "人事課", "会計課", "情報システム室", "広報室"]
SUBJECTS = ["会議室の予約について", "資料送付のお願い", "来週の打合せ日程", "備品の発注", "研修の案内"]
NOTES = ["特になし", "資料送付済み", "次回面談予定", "書類不備なし", "住所変更の届出あり"]
SENSITIVE_NOTES = ["糖尿病で通院中", "健診で要精密検査", "うつ病のため休職", "療育手帳を所持"]
HISTORY = ["なし", "高血圧症", "喘息", "なし", "脳梗塞"]
CHECKUP = ["異常なし", "要経過観察", "要精密検査", "異常なし"]

_W = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_FW = str.maketrans("0123456789-", "０１２３４５６７８９－")


def my_number(rng: random.Random) -> str:
    """12 digits with a valid 個人番号 check digit (legal brief §4.4)."""
    body = "".join(rng.choice("0123456789") for _ in range(11))
    r = sum(int(d) * w for d, w in zip(body, _W, strict=True)) % 11
    return body + str(0 if r <= 1 else 11 - r)


def corporate_number(rng: random.Random) -> str:
    """13 digits whose first digit is the 法人番号 check digit (legal brief §4.5)."""
    body = "".join(rng.choice("0123456789") for _ in range(12))
    total = sum(int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(body), start=1))
    return str(9 - total % 9) + body


def card_number(rng: random.Random) -> str:
    """16 digits passing Luhn, starting 4 (a test-range style number)."""
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += (d * 2 - 9 if d > 4 else d * 2) if i % 2 == 0 else d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def person(rng: random.Random) -> tuple[str, str]:
    i, j = rng.randrange(len(SURNAMES)), rng.randrange(len(GIVEN))
    return f"{SURNAMES[i]} {GIVEN[j]}", f"{SURNAME_KANA[i]} {GIVEN_KANA[j]}"


def birth(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)


def seireki(rng: random.Random) -> str:
    y, m, d = birth(rng)
    return f"{y}-{m:02d}-{d:02d}"


def wareki(rng: random.Random) -> str:
    y, m, d = birth(rng)
    if y < 1989:
        return f"昭和{y - 1925}年{m}月{d}日"
    return f"平成{'元' if y == 1989 else y - 1988}年{m}月{d}日" if (y, m, d) >= (1989, 1, 8) else f"昭和64年{m}月{d}日"


def address(rng: random.Random) -> str:
    return f"{rng.choice(PREFECTURES)}{rng.choice(TOWNS)}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"


def phone(rng: random.Random) -> str:
    return rng.choice(
        [
            f"090-{digits(rng, 4)}-{digits(rng, 4)}",
            f"03-{digits(rng, 4)}-{digits(rng, 4)}",
            f"080-{digits(rng, 4)}-{digits(rng, 4)}",
        ]
    )


def email(rng: random.Random, i: int) -> str:
    return f"user{i}.{digits(rng, 3)}@example.jp"


# ---------------------------------------------------------------- labelled corpus


@dataclass(frozen=True)
class Col:
    """A corpus column: header, value maker, and the kinds it truly holds."""

    header: str
    make: Callable[[random.Random, int], str]
    kinds: frozenset[str]


def _cols(fullwidth: bool, japanese_dates: bool) -> list[Col]:
    fw = (lambda s: s.translate(_FW)) if fullwidth else (lambda s: s)
    k = frozenset
    return [
        Col("職員番号", lambda r, i: f"S{i:06d}", k({"person_id"})),
        Col("氏名", lambda r, i: person(r)[0], k({"name"})),
        Col("記入者", lambda r, i: person(r)[0].replace(" ", ""), k({"name"})),  # no header word: surnames decide
        Col("フリガナ", lambda r, i: person(r)[1], k({"name_kana"})),
        Col("生年月日", lambda r, i: wareki(r) if japanese_dates else seireki(r), k({"birth_date"})),
        Col("住所", lambda r, i: address(r), k({"address"})),
        Col("送り先", lambda r, i: address(r), k({"address"})),
        Col("〒", lambda r, i: fw(f"{digits(r, 3)}-{digits(r, 4)}"), k({"postal_code"})),
        Col("電話番号", lambda r, i: fw(phone(r)), k({"phone"})),
        Col("連絡先", lambda r, i: phone(r), k({"phone"})),
        Col("mail", lambda r, i: email(r, i), k({"email"})),
        Col("宛先", lambda r, i: email(r, i), k({"email"})),
        Col("個人番号", lambda r, i: fw(my_number(r)), k({"my_number"})),
        Col("番号A", lambda r, i: (lambda n: f"{n[:4]}-{n[4:8]}-{n[8:]}")(my_number(r)), k({"my_number"})),
        Col("旅券番号", lambda r, i: f"T{r.choice('KRZ')}{digits(r, 7)}", k({"passport"})),
        Col(
            "カードNo",
            lambda r, i: (
                f"{r.choice('ABCDEFG')}{r.choice('ABCDEFG')}{digits(r, 8)}{r.choice('ABCDEFG')}{r.choice('ABCDEFG')}"
            ),
            k({"residence_card"}),
        ),
        Col("免許証番号", lambda r, i: digits(r, 12), k({"drivers_license"})),
        Col("基礎年金番号", lambda r, i: f"{digits(r, 4)}-{digits(r, 6)}", k({"basic_pension"})),
        Col("カード番号", lambda r, i: card_number(r), k({"card_number"})),
        Col("口座番号", lambda r, i: digits(r, 7), k({"bank_account"})),
        Col("顔写真", lambda r, i: f"photo/{i:06d}.jpg", k({"biometric"})),
        Col("法人番号", lambda r, i: corporate_number(r), k({"corporate_number"})),
        Col("事業者コード", lambda r, i: corporate_number(r), k({"corporate_number"})),
        Col("既往歴", lambda r, i: r.choice(HISTORY), k({"sensitive:medical_history"})),
        Col("健診結果", lambda r, i: r.choice(CHECKUP), k({"sensitive:health_check"})),
        # one row in 50 says 糖尿病で通院中: a disease (病歴) and ongoing treatment (診療)
        Col(
            "相談メモ",
            lambda r, i: r.choice(NOTES) if i % 50 else SENSITIVE_NOTES[0],
            k({"sensitive:medical_history", "sensitive:medical_treatment"}),
        ),
        # hard positives the scan is expected to miss (no header word, no distinctive form)
        Col(
            "Contact",
            lambda r, i: f"{r.choice(['Taro', 'Hanako', 'Ken'])} {r.choice(['Yamada', 'Sato', 'Suzuki'])}",
            k({"name"}),
        ),
        Col("連絡先2", lambda r, i: f"090{digits(r, 8)}", k({"phone"})),
        # decoys: none of these is personal data
        Col("コース名", lambda r, i: r.choice(["ビジネス マナー", "エクセル キソ", "プレゼン ジッセン"]), k()),
        Col("型番", lambda r, i: f"{digits(r, 3)}-{digits(r, 4)}", k()),
        Col("研修名", lambda r, i: r.choice(["逮捕術研修の案内", "新任者研修", "安全運転講習"]), k()),
        Col("整理番号", lambda r, i: f"{digits(r, 4)}-{digits(r, 4)}-{digits(r, 4)}", k()),
        Col("注文番号", lambda r, i: digits(r, 12), k()),
        Col("JANコード", lambda r, i: digits(r, 13), k()),
        Col("伝票番号", lambda r, i: digits(r, 16), k()),
        Col("金額", lambda r, i: str(r.randint(100, 99999)), k()),
        Col("会社名", lambda r, i: r.choice(COMPANIES), k()),
        Col("品名", lambda r, i: r.choice(PRODUCTS), k()),
        Col("部署", lambda r, i: r.choice(DEPARTMENTS), k()),
        Col("件名", lambda r, i: r.choice(SUBJECTS), k()),
        Col("備考", lambda r, i: r.choice(NOTES), k()),
        Col("受付日", lambda r, i: seireki(r), k()),
        Col("品番", lambda r, i: f"AB-{digits(r, 4)}", k()),
        Col("区分コード", lambda r, i: digits(r, 7), k()),
    ]


def _rows(cols: list[Col], n: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)
    for i in range(n):
        yield [c.make(rng, i) for c in cols]


def labelled_corpus(
    outdir: Path, rows: int = 600, seed: int = 20261126
) -> list[tuple[Path, dict[str, frozenset[str]]]]:
    """Write the corpus files; return each with its labels (column -> true kinds)."""
    outdir.mkdir(parents=True, exist_ok=True)
    out = []
    plans = [
        ("corpus_utf8.csv", False, False, "utf-8"),
        ("corpus_sjis.csv", True, True, "cp932"),
        ("corpus.xlsx", False, False, None),
        ("corpus.jsonl", False, True, None),
    ]
    for k, (name, fullwidth, japanese_dates, encoding) in enumerate(plans):
        cols = _cols(fullwidth, japanese_dates)
        path = outdir / name
        data = _rows(cols, rows, seed + k)
        headers = [c.header for c in cols]
        if name.endswith(".csv"):
            write_csv(path, headers, data, encoding or "utf-8")
        elif name.endswith(".xlsx"):
            write_xlsx(path, {"名簿": (headers, list(data))})
        else:
            write_jsonl(path, headers, data)
        out.append((path, {c.header: c.kinds for c in cols}))
    return out


# ---------------------------------------------------------------- writers


def write_csv(
    path: Path,
    headers: list[str],
    rows: Iterator[list[str]] | list[list[str]],
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n" if encoding == "cp932" else "\n")
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, headers: list[str], rows: Iterator[list[str]] | list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(dict(zip(headers, row, strict=True)), ensure_ascii=False) + "\n")
    return path


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], list[list[str]]]]) -> Path:
    """An .xlsx as Excel writes it: shared strings in UTF-8 (openpyxl's write-only mode would
    write every string inline as &#NNNNN; references, a file five times bigger than Excel's)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, (headers, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# ---------------------------------------------------------------- examples/datasets


def make_examples(outdir: Path = EXAMPLES) -> list[Path]:
    """The small example files shipped in examples/datasets (fictional people only)."""
    outdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(8)
    written = []

    def people(n: int) -> list[tuple[str, str]]:
        return [person(rng) for _ in range(n)]

    staff = [[f"S{i:05d}", *p, seireki(rng), phone(rng), email(rng, i), address(rng)] for i, p in enumerate(people(40))]
    written.append(
        write_csv(
            outdir / "staff_utf8.csv",
            ["職員番号", "氏名", "フリガナ", "生年月日", "電話番号", "メールアドレス", "住所"],
            staff,
        )
    )
    applicants = [[p[0], wareki(rng), address(rng), phone(rng).translate(_FW)] for p in people(30)]
    written.append(
        write_csv(outdir / "applicants_sjis.csv", ["申請者氏名", "生年月日", "住所", "電話"], applicants, "cp932")
    )
    members = [
        [f"M{i:04d}", p[0], f"{digits(rng, 3)}-{digits(rng, 4)}", email(rng, i)] for i, p in enumerate(people(25))
    ]
    written.append(
        write_csv(outdir / "members.tsv", ["会員番号", "氏名", "郵便番号", "メールアドレス"], members, delimiter="\t")
    )
    payroll = []
    for i, p in enumerate(people(20)):
        n = my_number(rng)
        payroll.append(
            [f"S{i:05d}", p[0], f"{n[:4]} {n[4:8]} {n[8:]}", "0001", digits(rng, 7), str(rng.randint(200, 600) * 1000)]
        )
    written.append(
        write_xlsx(
            outdir / "payroll.xlsx",
            {
                "給与": (["職員番号", "氏名", "個人番号", "銀行コード", "口座番号", "支給額"], payroll),
                "集計": (["区分", "人数"], [["常勤", "15"], ["非常勤", "5"]]),
            },
        )
    )
    corps = [
        [corporate_number(rng), rng.choice(COMPANIES), address(rng), f"03-{digits(rng, 4)}-{digits(rng, 4)}"]
        for _ in range(30)
    ]
    written.append(write_csv(outdir / "corporations.csv", ["法人番号", "法人名", "所在地", "代表電話"], corps))
    checks = [[f"S{i:05d}", rng.choice(CHECKUP), rng.choice(HISTORY), rng.choice(NOTES)] for i in range(30)]
    written.append(write_csv(outdir / "health_check.csv", ["職員番号", "健診結果", "既往歴", "備考"], checks))
    orders = [[digits(rng, 12), rng.choice(PRODUCTS), str(rng.randint(1, 20)), seireki(rng)] for _ in range(40)]
    written.append(write_csv(outdir / "orders.csv", ["注文番号", "品名", "数量", "受付日"], orders))
    events = [
        {"受付ID": f"E{i:04d}", "氏名": p[0], "メール": email(rng, i), "参加": bool(i % 2), "人数": rng.randint(1, 3)}
        for i, p in enumerate(people(20))
    ]
    path = outdir / "events.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    written.append(path)
    return written


# ---------------------------------------------------------------- the benchmark file


BIG_HEADER = ["社員番号", "氏名", "フリガナ", "生年月日", "電話番号", "メールアドレス", "住所", "個人番号"]


def write_big(path: Path, rows: int, seed: int = 1) -> Path:
    """An N-row x 8-column staff CSV (~136 bytes a row), written fast from value pools."""
    rng = random.Random(seed)
    pool = 4096
    names = [person(rng) for _ in range(pool)]
    births = [seireki(rng) for _ in range(pool)]
    phones = [phone(rng) for _ in range(pool)]
    addresses = [address(rng) for _ in range(pool)]
    numbers = [my_number(rng) for _ in range(pool * 4)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(BIG_HEADER) + "\n")
        lines = []
        for i in range(rows):
            j = (i * 7919) % pool
            name, kana = names[j]
            lines.append(
                f"E{i:08d},{name},{kana},{births[(j * 31) % pool]},{phones[(i * 13) % pool]},"
                f"user{i}@example.jp,{addresses[(i * 17) % pool]},{numbers[i % len(numbers)]}\n"
            )
            if len(lines) == 50_000:
                handle.write("".join(lines))
                lines = []
        handle.write("".join(lines))
    return path


def write_big_xlsx(path: Path, rows: int, seed: int = 1) -> Path:
    """The same columns as write_big, as one .xlsx sheet laid out as Excel saves it."""
    rng = random.Random(seed)

    def data() -> Iterator[list[str]]:
        for i in range(rows):
            name, kana = person(rng)
            yield [
                f"E{i:08d}",
                name,
                kana,
                seireki(rng),
                phone(rng),
                f"user{i}@example.jp",
                address(rng),
                my_number(rng),
            ]

    return write_xlsx_shared(path, BIG_HEADER, data())


def write_xlsx_shared(path: Path, headers: list[str], rows: Iterator[list[str]]) -> Path:
    """A one-sheet .xlsx with a shared-string table in UTF-8, the way Excel writes text cells.

    (openpyxl writes every string inline as &#NNNNN; references: five times the size, and a
    slower file to read than what offices actually exchange.)
    """
    import zipfile
    from xml.sax.saxutils import escape

    index: dict[str, int] = {}
    sheet_rows = []
    for r, row in enumerate([headers, *rows], start=1):
        cells = "".join(
            f'<c r="{_col(c)}{r}" t="s"><v>{index.setdefault(v, len(index))}</v></c>' for c, v in enumerate(row)
        )
        sheet_rows.append(f'<row r="{r}">{cells}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}">'
            '<sheets><sheet name="名簿" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>',
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(index)}" uniqueCount="{len(index)}">'
            + "".join(f"<si><t>{escape(s)}</t></si>" for s in index)
            + "</sst>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
    return path


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def main(argv: list[str]) -> int:
    if argv[:1] == ["examples"]:
        for path in make_examples():
            print(path.relative_to(ROOT))
        return 0
    if argv[:1] == ["corpus"] and len(argv) == 2:
        for path, _ in labelled_corpus(Path(argv[1])):
            print(path)
        return 0
    if argv[:1] == ["big"] and len(argv) == 3:
        print(write_big(Path(argv[2]), int(argv[1])))
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
