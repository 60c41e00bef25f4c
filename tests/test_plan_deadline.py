"""The deadline parser on every form of deadline the two plans print (seeds 003 and 002)."""

from datetime import date

import pytest

from xlcchc.plan.deadline import parse_deadline


@pytest.mark.parametrize("text, year, due", [
    ("Quý III/2023.", None, date(2023, 9, 30)),
    ("Quý IV/2023.", None, date(2023, 12, 31)),
    ("Quý I/2026.", None, date(2026, 3, 31)),
    ("Quý II/2026", None, date(2026, 6, 30)),
    ("Tháng 3/2023.", None, date(2023, 3, 31)),
    ("Tháng 11/2023.", None, date(2023, 11, 30)),
    ("Tháng 12/2023.", None, date(2023, 12, 31)),
    ("Năm 2023.", None, date(2023, 12, 31)),
    ("Năm 2026", None, date(2026, 12, 31)),
    ("Báo cáo, trình UBND tỉnh trong quý II/2023.", None, date(2023, 6, 30)),
    ("Báo cáo kết quả khảo sát: tháng 12/2023.", None, date(2023, 12, 31)),
])
def test_a_date_or_period_end(text, year, due):
    d = parse_deadline(text, year)
    assert (d.kind, d.due) == ("date", due)
    assert d.text == text and d.structured


def test_chậm_nhất_and_trước():
    d = parse_deadline("- Xây dựng kế hoạch: chậm nhất quý II/2023. - Báo cáo kết quả thực hiện: chậm nhất quý I/2024.")
    assert [(m.label, m.due) for m in d.milestones] == [
        ("Xây dựng kế hoạch", date(2023, 6, 30)), ("Báo cáo kết quả thực hiện", date(2024, 3, 31))]
    assert (d.kind, d.due) == ("date", date(2024, 3, 31))
    d = parse_deadline("- Kế hoạch của UBND tỉnh: chậm nhất trong quý I/2023. - Báo cáo kết quả thực hiện: tháng 11/2023.")
    assert [m.due for m in d.milestones] == [date(2023, 3, 31), date(2023, 11, 30)]
    d = parse_deadline("- Báo cáo tự chấm điểm cùng tài liệu kiểm chứng của các cơ quan, đơn vị: Trước 25/12/2023; "
                       "- Báo cáo tổng hợp chỉ số CCHC toàn tỉnh: quý I/2024.")
    assert [m.due for m in d.milestones] == [date(2023, 12, 25), date(2024, 3, 31)]
    d = parse_deadline("- Ban hành kế hoạch: chậm nhất tháng 01/2026. - Hoàn thành các nhiệm vụ: theo Kế hoạch của UBND "
                       "tỉnh và Kế hoạch của cơ quan, đơn vị. - Báo cáo kết quả thực hiện: định kỳ hàng năm.")
    assert [(m.kind, m.due, m.every) for m in d.milestones] == [
        ("date", date(2026, 1, 31), None), ("conditional", None, None), ("recurring", None, "year")]


def test_several_milestones_in_one_cell():
    d = parse_deadline("- Kế hoạch CCHC 2023 của các cơ quan, đơn vị: Trước 05/01/2023; - Báo cáo kết quả thực hiện của: "
                       "định kỳ hàng quý hoặc đột xuất theo quy định.")
    assert [(m.label, m.kind, m.due, m.every) for m in d.milestones] == [
        ("Kế hoạch CCHC 2023 của các cơ quan, đơn vị", "date", date(2023, 1, 5), None),
        ("Báo cáo kết quả thực hiện của", "recurring", None, "quarter"),
    ]
    assert d.kind == "recurring" and d.due == date(2023, 1, 5)
    d = parse_deadline("- Kế hoạch kiểm tra, rà soát văn bản QPPL: chậm nhất trong Quý I/2023. - Báo cáo kết quả rà soát: "
                       "định kỳ hàng quý - Quyết định xử lý văn bản QPPL: thường xuyên.")
    assert [m.every for m in d.milestones] == [None, "quarter", "continuous"]


def test_a_quarter_without_year_takes_the_plan_year_or_is_not_guessed():
    assert parse_deadline("- Kế hoạch: quý I. - Báo cáo: tháng 11", 2023).due == date(2023, 11, 30)
    d = parse_deadline("- Kế hoạch: quý I. - Báo cáo: tháng 11")
    assert d.kind == "text" and d.due is None and not d.structured


@pytest.mark.parametrize("text, every", [
    ("Thường xuyên.", "continuous"),
    ("Thường xuyên theo Kế hoạch của UBND tỉnh.", "continuous"),
    ("Hàng năm.", "year"),
    ("Hằng năm.", "year"),
    ("Báo cáo kết quả khảo sát: tháng 12 hàng năm.", "year"),
    ("Theo Kế hoạch hằng năm hoặc đột xuất.", "year"),
    ("Thực hiện theo hướng dẫn, yêu cầu của Bộ Nội vụ hằng năm.", "year"),
    ("Bắt đầu từ Quý I/2026.", "continuous"),
    ("Từ năm 2026.", "continuous"),
])
def test_recurring(text, every):
    d = parse_deadline(text)
    assert (d.kind, d.due, d.milestones[0].every) == ("recurring", None, every)


@pytest.mark.parametrize("text", [
    "Khi có văn bản chỉ đạo của Trung ương.",
    "Ngay sau khi các bộ, ngành ban hành văn bản hướng dẫn.",
    "Sau khi có văn bản của Trung ương.",
    "Theo hướng dẫn của Văn phòng Chính phủ.",
    "Theo thời hạn quy định của Văn bản quy phạm pháp luật.",
    "Thực hiện theo hướng dẫn và thời gian quy định.",
    # the date is that of the referenced plan, not a deadline
    "Theo Kế hoạch số 101/KH-UBND ngày 25/5/2025 của UBND tỉnh.",
    "Theo tiến độ tại Kế hoạch số 232/KH UBND ngày 22/11/2024.",
    "Theo lộ trình Kế hoạch số 220/KH-UBND ngày 23/10/2025 của UBND tỉnh.",
])
def test_conditional(text):
    d = parse_deadline(text)
    assert (d.kind, d.due) == ("conditional", None)


def test_unreadable_text_is_kept_not_guessed():
    d = parse_deadline("Chờ ý kiến lãnh đạo")
    assert d.kind == "text" and d.due is None and d.text == "Chờ ý kiến lãnh đạo"
    assert d.to_json() == {"kind": "text", "due": None, "milestones": [
        {"label": None, "text": "Chờ ý kiến lãnh đạo", "kind": "text", "due": None, "every": None}]}
