"""More reporting regimes as data: tinh-2021 (seed 001) and huyen-2024 (seed 004), and the registries one
level down (Thọ Xuân's communes, the 2025 province ← communes structure).

Every label, unit, code list and printed STT is compared with the seed text; the seeds' printed figures
(fixtures transcribed by hand) are checked as values files and give exactly the seeds' own
inconsistencies; and the figures travel template → check → merge → appendix for both regimes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata

import pytest

from xlcchc.catalog import load_catalog, load_registry, registry_of
from xlcchc.catalog.load import load_catalog_file, _data_dir
from xlcchc.check import check_file
from xlcchc.findings import ERROR, WARNING

from .conftest import FIXTURES, ROOT, seeds_dir

REGIMES = ("tinh-2021", "huyen-2024")
SEED_FILE = {"tinh-2021": "001_*.txt", "huyen-2024": "004_*.txt"}
FIXTURE = {"tinh-2021": "seed_tinh_2021.json", "huyen-2024": "seed_huyen_2024.json"}


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def _seed_table(regime: str) -> str:
    """The seed's table as one normalised line: from its title, repeated page headers and tags removed."""
    text = next(seeds_dir().glob(SEED_FILE[regime])).read_text(encoding="utf-8")
    if regime == "tinh-2021":
        text = text[text.index("\nPhụ lục") :]
    else:
        text = text[text.rindex("THỐNG KÊ SỐ LIỆU VỀ KẾT QUẢ") :]
    text = re.sub(r"</?i>", "", text)
    text = text.replace("**", "")
    flat = _norm(text)
    headers = [
        "STT Chỉ tiêu thống kê (Sử dụng trong kỳ báo cáo hàng quý, 6 tháng, năm) Kết quả thống kê Ghi chú Đơn vị tính Kết quả",
        "STT Chỉ tiêu thống kê (Sử dụng trong kỳ báo cáo hàng quý, 6 tháng, 9 tháng, năm) Kết quả thống kê Ghi chú Đơn vị tính Số liệu",
    ]
    for h in headers:
        flat = flat.replace(h, " ")
    return _norm(flat)


@pytest.fixture(scope="module", params=REGIMES)
def regime(request) -> str:
    return request.param


def _printed_in(label: str, text: str) -> bool:
    """Printed as one run, or broken in two by a page break (the value and header between the halves)."""
    if label in text:
        return True
    words = label.split(" ")
    return any(" ".join(words[:k]) in text and " ".join(words[k:]) in text for k in range(1, len(words)))


# --- the catalogs against their seeds -----------------------------------------------------------------------


def test_both_catalogs_load_and_show(regime):
    cat = load_catalog(regime)
    assert cat.regime == regime
    out = subprocess.run([sys.executable, "-m", "xlcchc", "catalog", "show", "--regime", regime, "--json"],
                         capture_output=True, check=True, cwd=ROOT)
    data = json.loads(out.stdout.decode("utf-8"))
    assert data["regime"] == regime and data["fingerprint"] == cat.fingerprint
    assert [f["form"] for f in data["forms"]] == [1, 2, 3, 4, 5, 6, 7]
    txt = subprocess.run([sys.executable, "-m", "xlcchc", "catalog", "show", "--regime", regime],
                         capture_output=True, check=True, cwd=ROOT).stdout.decode("utf-8")
    assert cat.title in txt


def test_every_label_unit_and_code_list_is_printed_in_the_seed(regime):
    cat, seed = load_catalog(regime), _seed_table(regime)
    missing = []
    for ind in cat.indicators.values():
        if not _printed_in(_norm(ind.label), seed):
            missing.append((ind.key, "label", ind.label))
        for line in ind.unit.splitlines():
            if _norm(line) not in seed:
                missing.append((ind.key, "unit", line))
        for c in ind.choices:
            if f"{c.label} = {c.value}" not in seed:
                missing.append((ind.key, "choice", c.label))
    assert missing == []


def test_each_row_is_printed_after_its_stt(regime):
    """The printed STT (or `Trong đó`) comes right before the label; blank STTs have no number there."""
    cat, seed = load_catalog(regime), _seed_table(regime)
    wrong = []
    for ind in cat.indicators.values():
        start = re.escape(_norm(ind.label)[:20])
        stt = ind.printed_stt
        if stt == "":  # no STT printed: the label follows the previous row's value, not a number with a dot
            before = [seed[max(0, m.start() - 12) : m.start()] for m in re.finditer(start, seed)]
            if not any(not re.search(r"(?:\d+(?:\.\d+)+\.|Trong đó|Trong) $", b) for b in before):
                wrong.append((ind.key, stt, ind.label[:40]))
            continue
        if stt == "Trong đó":
            pat = r"Trong (?:đó )?" + start  # “Trong” / “đó” split by a page break once in seed 001
        else:
            pat = re.escape(stt) + r" " + start
        if not re.search(pat, seed):
            wrong.append((ind.key, stt, ind.label[:40]))
    assert wrong == []


def test_the_printed_numbers_in_order_are_the_catalogs(regime):
    """Every numbered row of the seed, in order (duplicates and typos included), is one catalog row."""
    text = next(seeds_dir().glob(SEED_FILE[regime])).read_text(encoding="utf-8")
    text = text[text.index("\nPhụ lục") :] if regime == "tinh-2021" else text[text.rindex("THỐNG KÊ SỐ LIỆU") :]
    printed = re.findall(r"(?m)^\s*(\d+(?:\.\d+)+\.?)\s", text)
    cat = load_catalog(regime)
    ours = [i.printed_stt for f in cat.forms for i in f.indicators if re.match(r"\d", i.printed_stt)]
    assert ours == printed


def test_sections_are_forms_titled_as_printed(regime):
    cat, seed = load_catalog(regime), _seed_table(regime)
    for f in cat.forms:
        assert f"{f.number}. {f.title}" in seed
        assert all(i.form == f.number for i in f.indicators)
    assert cat.value_header == ("Kết quả" if regime == "tinh-2021" else "Số liệu")
    assert f"Đơn vị tính {cat.value_header}" in _norm(
        next(seeds_dir().glob(SEED_FILE[regime])).read_text(encoding="utf-8"))


def test_repeated_and_missing_numbers_keep_the_printed_text():
    c21, c24 = load_catalog("tinh-2021"), load_catalog("huyen-2024")
    assert [(i.code, i.printed_stt) for i in c21.form(1).indicators if i.parent == "1.2"] == [
        ("1.2.1", "1.1.1."), ("1.2.2", "1.1.2."), ("1.2.3", "1.1.3."), ("1.2.4", "1.1.4.")]
    assert [(i.printed_stt, i.label) for i in c21.children("3:3.1.3")] == [
        ("Trong đó", "Số TTHC cấp tỉnh:"), ("", "Số TTHC cấp huyện:"), ("", "Số TTHC cấp xã:")]
    assert c24.indicator("3:3.2.7").printed_stt == "10.2.7"
    assert [c24.indicator(f"6:6.4.{n}").printed_stt for n in (1, 2, 3)] == ["13.4.1", "13.4.2", "13.4.3"]
    assert [(c24.indicator(k).printed_stt) for k in ("3:3.3.1", "3:3.3.2", "3:3.3.3", "3:3.3.4", "3:3.3.5")] == [
        "3.3.1", "3.3.1.", "3.3.2.", "3.3.3.", "3.3.4."]
    # every code unique in its form, every parent a row of the same form
    for cat in (c21, c24):
        for f in cat.forms:
            codes = [i.code for i in f.indicators]
            assert len(codes) == len(set(codes))
            assert all(i.parent in codes for i in f.indicators if i.parent)


def test_code_lists_as_printed():
    c21, c24 = load_catalog("tinh-2021"), load_catalog("huyen-2024")
    pairs = lambda k, cat: [(c.label, c.value) for c in cat.indicator(k).choices]  # noqa: E731
    assert pairs("5:5.3.1", c21) == [("Đã thực hiện", 1), ("Chưa thực hiện", 0)]
    assert c21.indicator("5:5.3.1").unit == "Đã thực hiện = 1\nChưa thực hiện = 0"
    assert pairs("7:7.2", c21) == [("Chưa có", 0), ("2 cấp", 1), ("3 cấp", 2)]
    assert pairs("1:1.5", c21) == [("Không", 0), ("Có", 1)]
    assert pairs("5:5.4.1", c24) == [("Có ban hành KH", 1), ("Không ban hành KH", 0)]
    assert pairs("7:7.6.1", c24) == [("Có thực hiện", 1), ("Không thực hiện", 0)]
    assert c24.indicator("7:7.2").unit == "Đơn vị" and c24.indicator("7:7.2").kind == "percent"  # as printed


def test_sums_only_where_a_sum_is_meant():
    c21, c24 = load_catalog("tinh-2021"), load_catalog("huyen-2024")
    s21 = {r.target: r.terms for r in c21.rules if r.kind == "sum"}
    assert s21 == {"3:3.1.3": ["3:3.1.3.1", "3:3.1.3.2", "3:3.1.3.3"],
                   "4:4.1.4": ["4:4.1.4.1", "4:4.1.4.2", "4:4.1.4.3"]}  # the percentage 4.1.4.4 is not a term
    s24 = {r.target: r.terms for r in c24.rules if r.kind == "sum"}
    assert s24["3:3.3.1"] == ["3:3.3.1.1", "3:3.3.1.2", "3:3.3.1.3", "3:3.3.1.4"]  # direct + postal + online 3/4
    assert s24["3:3.3.1.3"] == ["3:3.3.1.3.1", "3:3.3.1.3.2"]  # each channel: district + communes
    assert s24["4:4.1.3"] == ["4:4.1.3.1", "4:4.1.3.2"]
    assert "3:3.2.5" not in s24  # percentages split by level do not add up
    for cat, sums in ((c21, s21), (c24, s24)):
        for target, terms in sums.items():
            assert all(cat.indicator(t).kind == "count" for t in [target, *terms])
            # a `total` row adds up exactly the terms of its sum rule
        for ind in cat.value_indicators():
            if ind.aggregate.method == "total":
                assert ind.key in sums, ind.key


def test_aggregation_for_every_value_row_with_a_reason_where_not_a_sum(regime):
    cat = load_catalog(regime)
    reg = registry_of(cat)
    for ind in cat.value_indicators():
        a = ind.aggregate
        if a.method != "sum" and a.method != "ratio":
            assert a.reason, ind.key
        if a.method == "lead":
            assert a.lead in reg.by_code
        for b in a.filled_by:
            assert b in {u.kind for u in reg.reporting_units()} or b in reg.by_code, (ind.key, b)


# --- registries and who fills what, at any level ------------------------------------------------------------


def test_registries_one_level_down():
    tx = load_registry("tho-xuan-2024")
    assert tx.top == "H-THO-XUAN" and tx.by_code["H-THO-XUAN"].kind == "huyen"
    communes = tx.reporting_units()
    # Seed 004 row 7.6.2: 30 commune-level units applied ISO — all of the district's communes and towns.
    seed = json.loads((FIXTURES / "seed_huyen_2024.json").read_text(encoding="utf-8"))
    assert len(communes) == next(r["value"] for r in seed["values"] if r["code"] == "7.6.2") == 30
    assert {u.kind for u in communes} == {"xa"} and {u.parent for u in communes} == {"H-THO-XUAN"}
    assert "X-XUAN-HONG" in tx.by_code and tx.by_code["X-XUAN-HONG"].name == "UBND xã Xuân Hồng"
    assert sum(u.code.startswith("TT-") for u in communes) == 3
    assert all(re.fullmatch(r"[A-Z0-9-]+", u.code) for u in tx.units)
    # The district keeps its provincial code: its return to the province and its merge are the same unit.
    assert "H-THO-XUAN" in load_registry("thanh-hoa-2022").by_code

    th25 = load_registry("thanh-hoa-2025")
    kinds = {u.kind for u in th25.reporting_units()}
    assert kinds == {"so", "xa"}  # no district level
    assert all(u.parent == "TINH" for u in th25.reporting_units())
    assert sum(u.kind == "xa" for u in th25.units) == 166  # every commune and ward (tests/test_registry_2025.py)


def test_each_regime_has_one_consolidating_unit_of_its_level():
    for regime in ("tinh-2022", *REGIMES):
        cat = load_catalog(regime)
        reg = registry_of(cat)
        assert [u.code for u in reg.units if u.kind == cat.level] == [reg.top]


def test_who_fills_what_in_the_district_regime():
    cat = load_catalog("huyen-2024")
    reg = registry_of(cat)
    district, commune = reg.by_code["H-THO-XUAN"], reg.by_code["X-XUAN-HONG"]
    assert all(cat.applies(i, district) for i in cat.value_indicators())
    filled = [i.key for i in cat.value_indicators() if cat.applies(i, commune)]
    assert "3:3.3.1.1.2" in filled and "3:3.3.1.1.1" not in filled  # the cấp xã split, not the cấp huyện one
    assert "1:1.1.1" not in filled and "4:4.1.1" not in filled
    assert all("xa" in cat.indicators[k].aggregate.filled_by for k in filled)
    # a share-of-communes row: a yes/no question to a commune, a percentage for the district
    share = cat.indicator("7:7.3.2")
    assert share.aggregate.method == "share_yes"
    assert share.unit_kind_of_value(commune.kind) == "choice" and share.unit_kind_of_value(district.kind) == "percent"
    assert share.unit_label_of_unit(commune.kind) == "Có = 1\nKhông = 0"
    # the commune's own sum rule applies to it (all operands are commune rows)
    assert any(r.target == "3:3.3.3" and cat.rule_applies(r, commune) for r in cat.rules)


def test_the_district_regime_serves_the_2025_province_of_communes_as_data_only(tmp_path):
    """Province ← communes with no district: the same rows, a different registry and level, no code."""
    text = (_data_dir("data") / "huyen-2024.toml").read_text(encoding="utf-8")
    text = (text.replace('regime = "huyen-2024"', 'regime = "thu-2025"')
                .replace('level = "huyen"', 'level = "tinh"')
                .replace('registry = "tho-xuan-2024"', 'registry = "thanh-hoa-2025"'))
    p = tmp_path / "thu-2025.toml"
    p.write_text(text, encoding="utf-8")
    cat = load_catalog_file(p)
    reg = registry_of(cat)
    ward, top = reg.by_code["P-HAC-THANH"], reg.by_code[reg.top]
    assert cat.applies(cat.indicator("3:3.3.1.1.2"), ward) and not cat.applies(cat.indicator("3:3.3.1.1.1"), ward)
    assert all(cat.applies(i, top) for i in cat.value_indicators())
    assert cat.indicator("7:7.3.2").unit_kind_of_value("xa") == "choice"
    assert cat.indicator("7:7.3.2").unit_kind_of_value("tinh") == "percent"


# --- the seeds' printed figures, checked ---------------------------------------------------------------------

EXPECTED_2021 = {
    (WARNING, "3-required-3.2.1"),  # 3.2.1 printed blank
    (WARNING, "3-le-3.2.2-3.2.1"),  # … so 3.2.2 ≤ 3.2.1 cannot be checked
    (ERROR, "cell.fraction"),  # 5.1.1 printed “48/48”, not a number
    (WARNING, "6-eq-6.1-4:4.1.4"),  # autonomy levels 1 + 12 + 21 + 2.256 = 2.290 ≠ 2.221 public service units
    (ERROR, "6-part-4.1.4"),  # … and one level alone, 2.256, is more than all 2.221 units: an error
    (ERROR, "7-le-7.6.2.1-100"),  # 99,3 % + 91,73 % of the same documents sent > 100 %
}

EXPECTED_2024 = {
    # blanks the district left in rows it fills
    *{(WARNING, f"{k.split(':')[0]}-required-{k.split(':')[1]}") for k in (
        "1:1.2.2", "1:1.2.3", "1:1.2.4", "1:1.3.2", "1:1.4.1", "2:2.1.1", "2:2.1.2", "3:3.1.3", "3:3.2.3.2",
        "3:3.2.5", "3:3.2.6", "3:3.2.6.1", "3:3.2.6.2", "3:3.2.7", "3:3.3.1.1.1", "3:3.3.1.2.1", "3:3.3.2.1",
        "3:3.3.2.2", "3:3.3.4", "3:3.3.4.1", "3:3.3.5", "3:3.3.5.2", "3:3.4.1.1", "3:3.4.2.1",
        "6:6.4.1", "6:6.4.2", "6:6.4.3", "7:7.3.3.2")},
    # rules that cannot be checked because of those blanks (a total printed without its parts, or the reverse)
    (WARNING, "1-ge-1.3.1-1.3.2+1.3.3"),
    (WARNING, "2-sum-2.1"),  # 0 printed, both levels blank
    # (3.1.3 printed blank is 309 + 242 = 551, derived from its parts: 3-sum-3.1.3 holds, 7-le-7.5.1 is checked)
    (WARNING, "3-sum-3.2.3"),
    (WARNING, "3-le-3.2.3.2-3.1.3.2"),
    (WARNING, "3-sum-3.3.1.1"),
    (WARNING, "3-sum-3.3.1.2"),
    (WARNING, "3-le-3.3.2-3.3.1.1.1+3.3.1.2.1+3.3.1.3.1+3.3.1.4.1"),
    (WARNING, "3-sum-3.3.2"),
    (WARNING, "3-sum-3.3.4"),  # land: total blank, 41 at commune level
    (WARNING, "3-sum-3.3.5"),  # construction: total blank, 4 at district level
    (WARNING, "3-sum-3.4.1"),
    (WARNING, "3-sum-3.4.2"),  # the district's 260 is printed in the unit column
    (WARNING, "6-sum-6.4"),  # 0 printed, its three bands blank
    (WARNING, "7-le-7.3.3.1-100"),  # 7.3.3.2 blank: the two shares' sum ≤ 100 % cannot be checked
    # the one plain contradiction: the channels overlap, so 3.4 lies between the larger channel and their sum
    (ERROR, "3-between-3.4"),  # 7.341 published > 3.323 on the portal + 3.645 on the website = 6.968
}


@pytest.mark.parametrize("regime, expected", [("tinh-2021", EXPECTED_2021), ("huyen-2024", EXPECTED_2024)])
def test_seed_findings_are_exactly_the_seeds_inconsistencies(regime, expected):
    path = FIXTURES / FIXTURE[regime]
    found = check_file(path)
    assert sorted((f.severity, f.rule) for f in found) == sorted(expected)
    top = registry_of(load_catalog(regime)).top
    assert all(f.unit == top and f.file == path.name for f in found)


def test_seed_messages_name_the_numbers():
    by_rule = {f.rule: f for f in check_file(FIXTURES / "seed_huyen_2024.json")}
    assert "7.341" in by_rule["3-between-3.4"].message and "6.968" in by_rule["3-between-3.4"].message
    assert "3.645" in by_rule["3-between-3.4"].message  # the lower bound: the larger channel
    by_rule = {f.rule: f for f in check_file(FIXTURES / "seed_tinh_2021.json")}
    m = by_rule["6-eq-6.1-4:4.1.4"].message
    assert "2.290" in m and "2.221" in m
    assert "48/48" in by_rule["cell.fraction"].message


def test_fixtures_cover_every_value_row(regime):
    cat = load_catalog(regime)
    data = json.loads((FIXTURES / FIXTURE[regime]).read_text(encoding="utf-8"))
    assert data["regime"] == regime
    keys = [f"{r['form']}:{r['code']}" for r in data["values"]]
    assert sorted(keys) == sorted(i.key for i in cat.value_indicators())
