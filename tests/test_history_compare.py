"""`appendix --compare`: columns of earlier periods from the history, through the regime mapping."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xlcchc.cli import main
from xlcchc.history.record import add_figures, add_provincial
from xlcchc.history.store import open_store
from xlcchc.merge import merge_folder, read_provincial
from xlcchc.provincial import ProvincialFigures

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    n = root / "TONG_HOP.xlsx"
    merge_folder(SAMPLES / "bao-cao-2022", n, period="2022-N")
    t9 = root / "TONG_HOP_9T.xlsx"
    merge_folder(SAMPLES / "bao-cao-2022-9thang", t9, period="2022-9T")
    db = root / "LICH_SU_SO_LIEU_CCHC.sqlite"  # the default name beside TONG_HOP.xlsx
    with open_store(db) as s:
        add_provincial(s, t9)
        # The year before, merged under the 2021 forms (other codes for the same rates).
        add_figures(s, ProvincialFigures(regime="tinh-2021", period="2021-N",
                                         values={"3:3.4.1": 97.25, "1:1.1.1": 40.0}), file="TH_2021.xlsx", sha256="x")
    return root, n, t9


def _sheet_rows(path: Path, sheet: str):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    return ws, [list(r) for r in ws.iter_rows(values_only=True)]


def test_compare_columns_hold_last_year_and_the_previous_period(setup, capsys):
    root, n, t9 = setup
    out = root / "PHU_LUC.xlsx"
    assert main(["appendix", str(n), "-o", str(out), "--compare"]) == 0
    ws, rows = _sheet_rows(out, "Biểu mẫu 3")
    i = next(i for i, r in enumerate(rows) if "Kỳ trước (9 tháng năm 2022)" in r)
    head = rows[i]
    c_year, c_prev = head.index("Cùng kỳ năm trước (Năm 2021)"), head.index("Kỳ trước (9 tháng năm 2022)")
    assert head.index("Số liệu") < c_year < c_prev < rows[i - 1].index("Ghi chú")
    by_stt = {r[0]: r for r in rows if r[0]}
    nine = read_provincial(t9).values
    assert by_stt["3.1."][c_year] == 97.25  # tinh-2021 3:3.4.1 is tinh-2022 3:3.1
    assert by_stt["3.1.1."][c_prev] == nine["3:3.1.1"]
    assert by_stt["3.1.1."][c_year] is None  # no 2021 figure stored for it
    assert by_stt["3.4."][c_year] is None  # PAKN: no counterpart in tinh-2021
    _, rows1 = _sheet_rows(out, "Biểu mẫu 1")
    head1 = next(r for r in rows1 if r and "Kỳ trước (9 tháng năm 2022)" in r)
    by_stt1 = {r[0]: r for r in rows1 if r[0]}
    assert by_stt1["2.1."][head1.index("Cùng kỳ năm trước (Năm 2021)")] == 40
    assert ws.page_setup.orientation == "landscape"


def test_a_period_missing_from_the_history_leaves_its_column_out(setup, capsys):
    root, n, t9 = setup
    out = root / "PHU_LUC_9T.xlsx"
    assert main(["appendix", str(t9), "-o", str(out), "--compare", "cung-ky",
                 "--history", str(root / "LICH_SU_SO_LIEU_CCHC.sqlite")]) == 0
    assert "chưa có số liệu kỳ 9 tháng năm 2021" in capsys.readouterr().err
    _, rows = _sheet_rows(out, "Biểu mẫu 3")
    assert not any("Cùng kỳ năm trước" in str(c) for r in rows for c in r if c)
    assert main(["appendix", str(t9), "-o", str(out), "--compare", "nam-ngoai"]) == 2
    assert "không hiểu cột so sánh" in capsys.readouterr().err
