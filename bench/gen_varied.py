"""An independent classify benchmark file: 8 columns of varied Japanese personal and non-personal data.

Written apart from gen_datasets.py (its value pools and formats are not the ones the scan was
tuned on): names in kanji, kana and romaji with several spacings, addresses with kanji numerals
and 丁目/番地/号, phone numbers in seven formats (full-width too), e-mails, dates in 和暦 (long,
short and compact) and 西暦 forms, 個人番号 with valid and invalid check digits (grouped,
full-width, plain), amounts, codes, and a free-text column with embedded identifiers and
要配慮 words. Every value is invented (seeded random).

    .venv/bin/python bench/gen_varied.py ROWS FILE [--tsv]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HEADER = ["お名前", "現住所", "連絡先電話", "Eメール", "生年月日", "マイナンバー", "支払金額", "備考欄"]

_SEI = [
    "阿部",
    "石川",
    "上田",
    "遠藤",
    "大野",
    "岡田",
    "小川",
    "金子",
    "北村",
    "工藤",
    "近藤",
    "斎藤",
    "坂本",
    "柴田",
    "杉山",
    "高木",
    "竹内",
    "千葉",
    "土屋",
    "中島",
    "西村",
    "野口",
    "長谷川",
    "原田",
    "平野",
    "福田",
    "藤井",
    "前田",
    "松井",
    "宮崎",
    "村上",
    "森田",
    "安田",
    "山口",
    "横山",
    "和田",
    "渡部",
    "五十嵐",
    "久保田",
    "菅原",
]
_MEI = [
    "陽子",
    "健一",
    "裕子",
    "浩",
    "恵美",
    "修",
    "智子",
    "隆",
    "明美",
    "剛",
    "優子",
    "進",
    "愛",
    "勝",
    "京子",
    "悠真",
    "結衣",
    "蓮",
    "葵",
    "湊",
    "芽依",
    "大和",
    "凛",
    "陽翔",
    "紬",
]
_SEI_KANA = ["アベ", "イシカワ", "ウエダ", "エンドウ", "オオノ", "オカダ", "オガワ", "カネコ", "キタムラ", "クドウ"]
_MEI_KANA = ["ヨウコ", "ケンイチ", "ユウコ", "ヒロシ", "エミ", "オサム", "トモコ", "タカシ"]
_ROMA = ["Sato", "Kato", "Ono", "Mori", "Ueda", "Abe", "Goto", "Hara"]
_ROMA_GIVEN = ["Yuki", "Ken", "Aya", "Jun", "Mai", "Sho", "Rin", "Dai"]
_PREF = [
    "青森県",
    "岩手県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "新潟県",
    "富山県",
    "石川県",
    "長野県",
    "岐阜県",
    "静岡県",
    "三重県",
    "滋賀県",
    "兵庫県",
    "奈良県",
    "岡山県",
    "広島県",
    "山口県",
    "香川県",
    "愛媛県",
    "高知県",
    "熊本県",
    "大分県",
    "沖縄県",
    "東京都",
    "北海道",
    "大阪府",
]
_CITY = ["桜台市", "緑ヶ丘町", "北山区", "南浜市", "東原村", "西川郡中野町", "青葉区", "若葉市", "旭町"]
_AREA = ["本町", "中央", "栄", "幸町", "元町", "新田", "宮前", "松原"]
_KNUM = "一二三四五六七八九"
_FW = str.maketrans("0123456789-()+", "０１２３４５６７８９－（）＋")
_NOTE_PLAIN = [
    "特記事項なし",
    "書類受領済",
    "再送付予定",
    "窓口で受付",
    "電話で確認済み",
    "担当者不在のため折返し",
    "来月更新",
    "同上",
    "口座振替に変更",
    "住所変更届あり",
]
_NOTE_SENS = ["糖尿病の治療中", "障害者手帳あり", "前科について申告あり", "うつ病で通院中", "健康診断で要再検査"]
_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _my_number(rng: random.Random, valid: bool) -> str:
    body = _digits(rng, 11)
    r = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11
    check = 0 if r <= 1 else 11 - r
    return body + str(check if valid else (check + rng.randint(1, 9)) % 10)


def _name(rng: random.Random) -> str:
    k = rng.random()
    if k < 0.55:
        return rng.choice(_SEI) + rng.choice(["\u3000", " ", ""]) + rng.choice(_MEI)
    if k < 0.85:
        return rng.choice(_SEI_KANA) + rng.choice(["\u3000", " "]) + rng.choice(_MEI_KANA)
    return f"{rng.choice(_ROMA_GIVEN)} {rng.choice(_ROMA)}"


def _address(rng: random.Random) -> str:
    head = rng.choice(_PREF) + rng.choice(_CITY) + rng.choice(_AREA)
    k = rng.random()
    if k < 0.4:
        return f"{head}{rng.randint(1, 9)}-{rng.randint(1, 40)}-{rng.randint(1, 25)}"
    if k < 0.7:
        return f"{head}{rng.choice(_KNUM)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    if k < 0.85:
        return f"{head}{rng.randint(100, 3000)}番地"
    return f"{rng.choice(_CITY)}{rng.choice(_AREA)}{rng.randint(1, 9)}-{rng.randint(1, 9)}-{rng.randint(1, 9)} {rng.choice(['ハイツ', 'コーポ', 'メゾン'])}{rng.randint(101, 905)}"


def _phone(rng: random.Random) -> str:
    a, b = _digits(rng, 4), _digits(rng, 4)
    forms = [
        f"03-{a}-{b}",
        f"090-{a}-{b}",
        f"(06){a}-{b}",
        f"0{rng.choice('789')}0{a}{b}",
        f"+81-80-{a}-{b}",
        f"045-{a[:3]}-{b}",
        f"0120-{a[:3]}-{b[:3]}",
    ]
    s = rng.choice(forms)
    return s.translate(_FW) if rng.random() < 0.1 else s


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(1935, 2010), rng.randint(1, 12), rng.randint(1, 28)
    if y >= 1990:
        era, ey, letter = "平成", y - 1988, "H"
    else:
        era, ey, letter = "昭和", y - 1925, "S"
    forms = [
        f"{era}{ey}年{m}月{d}日",
        f"{letter}{ey}.{m}.{d}",
        f"{y}/{m}/{d}",
        f"{y}-{m:02d}-{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{y}年{m}月{d}日",
    ]
    return rng.choice(forms)


def _mn(rng: random.Random) -> str:
    n = _my_number(rng, rng.random() < 0.9)
    k = rng.random()
    if k < 0.5:
        return n
    if k < 0.8:
        return f"{n[:4]}-{n[4:8]}-{n[8:]}"
    if k < 0.9:
        return f"{n[:4]} {n[4:8]} {n[8:]}"
    return n.translate(_FW)


def _amount(rng: random.Random) -> str:
    v = rng.randint(0, 2_000_000)
    return rng.choice([str(v), f"{v:,}", f"¥{v:,}", f"{v:,}円", ""])


def _note(rng: random.Random, i: int) -> str:
    k = rng.random()
    if k < 0.35:
        return ""
    if k < 0.7:
        return rng.choice(_NOTE_PLAIN)
    if k < 0.78:
        return f"受付番号A-{rng.randint(10000, 99999)}、{rng.choice(_NOTE_PLAIN)}"
    if k < 0.84:
        return f"連絡は{_phone(rng)}まで"
    if k < 0.88:
        return f"控え: {_mn(rng)}"
    if k < 0.92:
        return f"転送先 u{i}@mail.example.ne.jp"
    return rng.choice(_NOTE_SENS)


def _quoted(delimiter: str, value: str) -> str:
    return f'"{value}"' if delimiter in value else value


def write_varied(path: Path, rows: int, seed: int = 7, delimiter: str = ",") -> Path:
    """ROWS rows of the 8 columns (value pools of 65,536 per column; e-mails unique per row)."""
    rng = random.Random(seed)
    pool = 1 << 16
    names = [_name(rng) for _ in range(pool)]
    addresses = [_address(rng) for _ in range(pool)]
    phones = [_phone(rng) for _ in range(pool)]
    dates = [_date(rng) for _ in range(pool)]
    numbers = [_mn(rng) for _ in range(pool)]
    amounts = [_amount(rng) for _ in range(pool)]
    notes = [_note(rng, i) for i in range(pool)]
    domains = ["example.jp", "mail.example.co.jp", "example.ne.jp", "EXAMPLE.ORG"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(delimiter.join(HEADER) + "\n")
        out: list[str] = []
        for i in range(rows):
            j = (i * 40503) & (pool - 1)
            mail = f"{'k' if i % 3 else 'Taro.'}{i}@{domains[i & 3]}"
            out.append(
                delimiter.join(
                    _quoted(delimiter, v)
                    for v in (
                        names[j],
                        addresses[(j * 7) & (pool - 1)],
                        phones[(i * 13) & (pool - 1)],
                        mail,
                        dates[(j * 31) & (pool - 1)],
                        numbers[(i * 11) & (pool - 1)],
                        amounts[(i * 3) & (pool - 1)],
                        notes[(i * 5) & (pool - 1)],
                    )
                )
                + "\n"
            )
            if len(out) == 50_000:
                handle.write("".join(out))
                out = []
        handle.write("".join(out))
    return path


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    write_varied(Path(args[1]), int(args[0]), delimiter="\t" if "--tsv" in sys.argv else ",")
