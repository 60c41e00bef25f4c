"""The tinh-2022 catalog against its seed, and the loader's refusal of broken catalog files."""

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from xlcchc.catalog import CatalogError, load_catalog, load_catalog_file, registry_of

from .conftest import seeds_dir


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def _split_by_page_break(label: str, text: str) -> bool:
    """A row broken by a page break: its two halves are printed apart (with the value between)."""
    words = label.split(" ")
    return any(
        " ".join(words[:k]) in text and " ".join(words[k:]) in text for k in range(3, len(words) - 2)
    )


@pytest.fixture(scope="module")
def seed_appendix() -> str:
    text = next(seeds_dir().glob("000_*.txt")).read_text(encoding="utf-8")
    part = text[text.index("Phụ lục") :]
    part = part.replace("VBQPPL62", "VBQPPL")  # footnote 62 stuck to the word
    # The extraction breaks table rows over lines and repeats the header at page breaks.
    header = "STT Chỉ tiêu thống kê (Sử dụng trong kỳ báo cáo hàng quý, 6 tháng, năm) Kết quả thống kê Ghi chú Đơn vị tính Số liệu"
    return _norm(part).replace(header, " ")


def test_every_label_and_unit_is_printed_in_the_seed(seed_appendix):
    cat = load_catalog("tinh-2022")
    missing = []
    for ind in cat.indicators.values():
        label = _norm(ind.label)
        if label not in seed_appendix and not _split_by_page_break(label, seed_appendix):
            missing.append((ind.key, "label", label))
        for line in ind.unit.splitlines():
            if line.strip() and _norm(line) not in seed_appendix:
                missing.append((ind.key, "unit", line))
        # the row starts with its STT as printed (trailing dot optional in the seed)
        first = _norm(ind.label.splitlines()[0])[:25]
        if not re.search(re.escape(ind.code) + r"\.? " + re.escape(first), seed_appendix):
            missing.append((ind.key, "stt", ind.code))
    assert missing == []


def test_every_form_and_row_count_matches_the_seed(seed_appendix):
    cat = load_catalog("tinh-2022")
    assert [f.number for f in cat.forms] == [1, 2, 3, 4, 5, 6, 7]
    for f in cat.forms:
        assert f"Biểu mẫu {f.number} {f.title}" in seed_appendix
    # Rows as counted by hand in the seed appendix, heading rows included.
    assert [len(f.indicators) for f in cat.forms] == [22, 14, 25, 21, 16, 13, 35]


def test_code_lists_as_printed():
    cat = load_catalog("tinh-2022")
    assert [(c.label, c.value) for c in cat.indicator("1:6.2").choices] == [
        ("Trực tuyến", 0), ("Phát phiếu", 1), ("Kết hợp", 2)]
    assert [(c.label, c.value) for c in cat.indicator("7:2").choices] == [("Chưa có", 0), ("2 cấp", 1), ("3 cấp", 2)]
    assert cat.indicator("7:4").unit == "Chưa = 0\nĐang làm = 1\nHoàn thành = 2"


def test_rules_cover_every_percentage_with_numerator_and_denominator():
    cat = load_catalog("tinh-2022")
    ratio_targets = {r.target for r in cat.rules if r.kind == "ratio"}
    assert "3:3.1" in ratio_targets
    r = next(r for r in cat.rules if r.target == "3:3.1" and r.kind == "ratio")
    assert (r.numerator, r.denominator) == ("3:3.1.2", "3:3.1.1")
    for ind in cat.indicators.values():
        if ind.kind == "percent" and ind.aggregate.method == "ratio":
            assert ind.key in ratio_targets
    # a domain rule for every value row, a completeness rule for every required row
    domain = {r.target for r in cat.rules if r.kind == "domain"}
    assert domain == {i.key for i in cat.value_indicators()}


def test_sums_only_where_a_sum_is_meant():
    cat = load_catalog("tinh-2022")
    sums = {r.target: r.terms for r in cat.rules if r.kind == "sum"}
    # 1.5.4 is a percentage under 1.5: not part of its sum
    assert sums["4:1.5"] == ["4:1.5.1", "4:1.5.2", "4:1.5.3"]
    assert sums["6:2.1"] == ["6:2.2", "6:2.3", "6:2.4", "6:2.5"]
    for target, terms in sums.items():
        for t in terms:
            assert cat.indicator(t).kind == "count"


def test_aggregation_is_declared_for_every_value_row_with_a_reason_where_not_a_sum():
    cat = load_catalog("tinh-2022")
    reg = registry_of(cat)
    for ind in cat.value_indicators():
        a = ind.aggregate
        assert a.method in ("sum", "total", "ratio", "lead", "share_yes", "plan_tasks", "plan_done")
        if a.method in ("lead", "share_yes", "total", "plan_tasks", "plan_done"):
            assert a.reason, ind.key
        if a.lead_like:
            assert a.lead in reg.by_code
    # Biểu mẫu 1 item 2 is counted from the tracked tasks of the plan (Sở Nội vụ's figure without a plan)
    assert [cat.indicator(k).aggregate.method for k in ("1:2.1", "1:2.2")] == ["plan_tasks", "plan_done"]
    assert cat.indicator("3:1.4.1").aggregate.lead == "VPUBND"
    assert cat.indicator("4:2.1").aggregate.lead == "SNV"
    assert cat.indicator("7:5.1.1").aggregate.method == "share_yes"


def test_registry_has_the_27_districts_and_the_province():
    reg = registry_of(load_catalog("tinh-2022"))
    assert sum(u.kind == "huyen" for u in reg.units) == 27
    assert reg.by_code["TINH"].kind == "tinh"
    assert "Sở Nội vụ" in {u.name for u in reg.units}


def test_fingerprint_is_stable_and_content_sensitive(tmp_path):
    src = Path(load_catalog("tinh-2022").source)
    from xlcchc.catalog.load import _data_dir

    text = (_data_dir("data") / "tinh-2022.toml").read_text(encoding="utf-8")
    p = tmp_path / "tinh-2022.toml"
    p.write_text(text, encoding="utf-8")
    a = load_catalog_file(p).fingerprint
    assert a == load_catalog("tinh-2022").fingerprint
    p.write_text(text.replace("Số TTHC công bố mới", "Số TTHC công bố"), encoding="utf-8")
    assert load_catalog_file(p).fingerprint != a
    assert src.name == "tinh-2022.toml"


@pytest.mark.parametrize(
    "edit, expected",
    [
        (("code = \"3.1.2\"", "code = \"3.1.1\""), "Biểu mẫu 3, mục 3.1.1: mã chỉ tiêu bị trùng"),
        (("agg = \"ratio:3.1.2/3.1.1\"", "agg = \"ratio:3.1.2/3.1.9\""), "Biểu mẫu 3, mục 3.1: tỷ lệ tham chiếu mục “3:3.1.9”"),
        (("sum = \"1.4 = 1.4.1 + 1.4.2 + 1.4.3\"", "sum = \"1.4 = 1.4.1 + 1.4.2 + 1.4.4\""), "tham chiếu mục “3:1.4.4” không tồn tại"),
        (("choices = [\"Trực tuyến = 0\", \"Phát phiếu = 1\", \"Kết hợp = 2\"]", "choices = []"), "Biểu mẫu 1, mục 6.2: dòng mã trả lời (choice) cần danh sách mã"),
        (("agg = \"lead:STP\"", "agg = \"lead:SO-KHONG-CO\""), "Biểu mẫu 2, mục 1.1: đơn vị chủ trì “SO-KHONG-CO”"),
        (("kind = \"money\"", "kind = \"tien\""), "Biểu mẫu 6, mục 1.1"),
        (("regime = \"tinh-2022\"", "regime = [\"tinh-2022\""), "lỗi cú pháp TOML"),
    ],
)
def test_broken_catalog_names_file_form_and_code(tmp_path, edit, expected):
    from xlcchc.catalog.load import _data_dir

    text = (_data_dir("data") / "tinh-2022.toml").read_text(encoding="utf-8")
    assert edit[0] in text
    p = tmp_path / "hong.toml"
    p.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog_file(p)
    assert str(e.value).startswith("hong.toml")
    assert expected in str(e.value)


def test_catalog_show_json_shape():
    out = subprocess.run([sys.executable, "-m", "xlcchc", "catalog", "show", "--json"], capture_output=True, check=True)
    data = json.loads(out.stdout.decode("utf-8"))
    assert data["regime"] == "tinh-2022"
    ind = data["forms"][2]["indicators"][14]
    assert set(ind) >= {"form", "code", "parent", "label", "unit", "kind", "choices", "aggregate"}
    assert ind["code"] == "3.1.1" and ind["parent"] == "3.1" and ind["kind"] == "count"
    assert any(r["kind"] == "ratio" and r["target"] == "3:3.1" for r in data["rules"])
