"""validate's personal-data warning for every record kind (meti_pi.checks.hygiene), and its prefilter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from meti_pi.checks.hygiene import could_hold_personal_data
from meti_pi.classify.checkdigits import my_number_check_digit
from meti_pi.classify.screening import screen

MN = "12345678901" + str(my_number_check_digit("12345678901"))
PIECES = [
    MN, MN[:4], MN[4:8], "03", "1234", "5678", "090", "+81", "0081", "@", "＠", "﹫", "taro", "example.com",
    "〒", "100-8901", "東京都", "千代田区", "霞が関", "一丁目", "3番1号", "1-3-1", "番地", "市", "町",
    " ", "-", "・", "、", "(", ")", "（", "）", "０９０", "１２３４", "\u200b", "①", "²", "申請書", "の件",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_the_prefilter_never_hides_a_finding(parts: list[str]) -> None:
    """A string the prefilter passes over is never one screening finds something in: the check may
    skip the screening of most strings and still warn of every finding."""
    text = "".join(parts)
    if screen(text):
        assert could_hold_personal_data(text), text


def test_personal_data_in_any_records_free_text_is_a_warning_at_its_line(tmp_path) -> None:
    from test_validate import DIV, OFFICE, file_record, problems_of, register_from

    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1",
                purpose="山田太郎（電話03-1234-5678）への通知",
                disclosure_office=OFFICE,  # an office's address is not marked for screening: no warning
            ),
            "files/F-2.yaml": file_record(
                "F-2", purpose="補助金の交付事務（令和8年度、1,234件）", disclosure_office=OFFICE
            ),
        },
    )
    found = problems_of(reg, "personal-data")
    assert [(p.path, p.key, p.severity) for p in found] == [("files/F-1.yaml", "$.purpose", "warning")]
    assert "03-1234" not in found[0].message and "電話番号" in found[0].message
    assert found[0].line == 6  # purpose: the sixth line file_record writes
