"""Which regime a merge uses when not told: the one in force for the period (issue 11), not the majority.

Real returns: the committed 2022 samples (a folder of the district era) and, in test_samples_2026, the
2026 bundle of the two-tier province.
"""

from __future__ import annotations

import shutil

from xlcchc.catalog.select import regime_of_returns
from xlcchc.merge import merge_folder
from xlcchc.periods import parse_period

from .conftest import ROOT

SAMPLES = ROOT / "samples" / "bao-cao-2022"


def test_a_2022_folder_still_gives_tinh_2022_exactly_as_when_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("BC_CCHC_2022_SNV.xlsx", "BC_CCHC_2022_STC.xlsx", "BC_CCHC_2022_H-THO-XUAN.xlsx",
                 "BC_CCHC_6thang2022_TP-SAM-SON.xlsx"):
        shutil.copy(SAMPLES / name, folder / name)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    picked = merge_folder(folder, tmp_path / "a" / "TONG_HOP.xlsx")
    named = merge_folder(folder, tmp_path / "b" / "TONG_HOP.xlsx", regime="tinh-2022", period="2022-N")
    assert picked.regime == "tinh-2022" and picked.period == "2022-N"
    assert picked.regime_choice.startswith("Chế độ báo cáo: tinh-2022 (áp dụng cho kỳ Năm 2022")
    assert "3/4 báo cáo" in picked.regime_choice  # the 6-month return states another period
    assert named.regime_choice == ""  # told: nothing to say
    assert (tmp_path / "a" / "TONG_HOP.xlsx").read_bytes() == (tmp_path / "b" / "TONG_HOP.xlsx").read_bytes()
    # no official codes in the district era: the form sheets' help row is as it always was
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "a" / "TONG_HOP.xlsx", read_only=True)["Biểu mẫu 3"]
    row, codes_row = ws.iter_rows(min_row=3, max_row=4, values_only=True)
    assert row[0].startswith("Cột Điều chỉnh") and "mã đơn vị hành chính" not in row[0] and not any(row[1:9])
    assert "Sở Nội vụ" in row[9:] and not any(codes_row)  # the names beside the help; no code row


def test_the_period_not_the_majority_of_files_picks_the_regime():
    """Most files on the 2022 forms, the period 2026: the 2026 regime; the level is the returns' own."""
    assert regime_of_returns([("tinh-2022", "2026-N")] * 5 + [("tinh-2025", "2026-N")], None)[0] == "tinh-2025"
    name, period, said = regime_of_returns([("tinh-2022", "2022-N")] * 2, parse_period("2026-N"))
    assert (name, period.code) == ("tinh-2025", "2026-N") and "Năm 2026" in said and "thư mục" not in said
    assert regime_of_returns([("huyen-2024", "2024-Q1")], None)[0] == "huyen-2024"  # a district's merge
    assert regime_of_returns([("quoc-gia-2025", "2026-N")] * 3, None)[0] == "quoc-gia-2025"  # the ministry's
    assert regime_of_returns([("tinh-2022", "2025-6T")], None)[0] == "tinh-2022"  # before 1 July 2025
    assert regime_of_returns([("tinh-2022", "2025-9T")], None)[0] == "tinh-2025"


def test_a_provinces_own_regime_is_used_for_its_returns(tmp_path, monkeypatch):
    """Any province (issue 11): its regime is a 4-line `extends = "tinh-2025"` file without dates of its own;
    a merge of its units' returns uses it (its base's dates), not the bundled tinh-2025 that would refuse
    them all; for a period its base does not serve, the period's regime as before."""
    from xlcchc.catalog.registry_cli import province_registry, registry_toml

    reg = province_registry("Cao Bằng")
    (tmp_path / "units").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "units" / f"{reg.id}.toml").write_text(registry_toml(reg), encoding="utf-8")
    (tmp_path / "data" / "tinh-cao-bang-2025.toml").write_text(
        f'extends = "tinh-2025"\nregime = "tinh-cao-bang-2025"\nregistry = "{reg.id}"\n', encoding="utf-8")
    monkeypatch.setenv("XLCCHC_CATALOG_DIR", str(tmp_path))
    name, period, said = regime_of_returns([("tinh-cao-bang-2025", "2026-N")] * 3 + [("tinh-2022", "2026-N")], None)
    assert (name, period.code) == ("tinh-cao-bang-2025", "2026-N") and "mở rộng tinh-2025" in said
    assert regime_of_returns([("tinh-cao-bang-2025", "2026-N")], parse_period("2022-N"))[0] == "tinh-2022"
    assert regime_of_returns([("tinh-2025", "2026-N")] * 2, None)[0] == "tinh-2025"  # Thanh Hóa's as before


def test_a_folder_of_a_period_no_regime_covers_is_a_sentence_listing_the_regimes(tmp_path):
    """Returns stating a period before any regime (2020): the merge cannot pick one and says so, naming
    every regime with its dates, and writes nothing."""
    import pytest

    from xlcchc.catalog.load import CatalogError
    from xlcchc.merge.folder import MergeError

    with pytest.raises(CatalogError, match="Không có chế độ báo cáo cấp tỉnh áp dụng cho kỳ “Năm 2020”") as e:
        regime_of_returns([("tinh-2021", "2020-N")], None)
    assert "tinh-2022 (cấp tỉnh, từ 01/01/2022 đến 30/06/2025)" in str(e.value) and "--regime" in str(e.value)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "BC_CCHC_2022_SNV.xlsx", folder / "BC_CCHC_2022_SNV.xlsx")
    with pytest.raises(MergeError, match="Năm 2020"):
        merge_folder(folder, tmp_path / "TONG_HOP.xlsx", period="2020-N")
    assert not (tmp_path / "TONG_HOP.xlsx").exists()
