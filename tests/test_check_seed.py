"""The seed's own printed figures, checked as a values file: the known inconsistencies of the 2022 appendix."""

import json
import subprocess
import sys

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_file, check_values
from xlcchc.findings import ERROR, WARNING

from .conftest import FIXTURES, ROOT

SEED = FIXTURES / "seed_tinh_2022.json"

# Every finding the seed gives, (severity, rule): read off the printed appendix by hand.
EXPECTED = {
    (WARNING, "1-ge-5.1-5.2+5.3+5.4"),  # 5.1 and 5.2 blank (the note explains), 5.3 and 5.4 printed
    (WARNING, "1-required-5.1"),
    (WARNING, "1-required-5.2"),
    (WARNING, "4-required-1.5"),  # 1.5 blank while its breakdown is filled
    (WARNING, "4-required-1.5.4"),
    (WARNING, "4-required-2.4"),
    (WARNING, "4-required-2.5"),
    (ERROR, "4-le-3.2-3.1"),  # 58.120 present > 6.144 assigned
    (WARNING, "5-required-2.5"),
    (ERROR, "6-ratio-1"),  # 57 printed, 6.234.262/10.630.268 = 58,65
    # 4:1.5 printed blank is 10 + 220 + 1.953 = 2.183 from its parts (so 4-sum-1.5 holds and 5:1.2 ≤ 2.183 is
    # checked); the real mismatch with 6:2.1 = 2.253 is reported
    (WARNING, "6-eq-2.1-4:1.5"),
    (ERROR, "7-ratio-6.2"),  # 99,67 printed, 732/732 = 100,00
    (ERROR, "7-ratio-6.3"),  # 96,67 printed, 871/910 = 95,71
    (WARNING, "7-eq-6.3.1-6.1.2+6.2.2"),  # 910 ≠ 6.1.2 + 6.2.2 = 901
}


def test_seed_findings_are_exactly_the_known_inconsistencies():
    found = check_file(SEED)
    assert {(f.severity, f.rule) for f in found} == EXPECTED
    assert len(found) == len(EXPECTED)
    assert all(f.unit == "TINH" and f.file == "seed_tinh_2022.json" for f in found)


def test_seed_messages_read_in_vietnamese_numbers():
    by_rule = {f.rule: f for f in check_file(SEED)}
    # 99,99 printed for 518.549/518.562 = 99,9975 is the truncation, and 100 would claim no late dossier.
    assert "3-ratio-3.1" not in by_rule
    assert "6.234.262/10.630.268 = 58,65%" in by_rule["6-ratio-1"].message
    assert "57,00%" in by_rule["6-ratio-1"].message
    m = by_rule["4-le-3.2-3.1"].message
    assert "3.2 = 58.120 > 3.1 = 6.144" in m
    m = by_rule["7-eq-6.3.1-6.1.2+6.2.2"].message
    assert "6.3.1 = 910 ≠ 6.1.2 + 6.2.2 = 901" in m
    m = by_rule["6-eq-2.1-4:1.5"].message
    assert "2.253 ≠ 1.5 (Biểu mẫu 4) = 2.183" in m
    assert "mục 1.5 (Biểu mẫu 4) để trống, tính từ 1.5.1–1.5.3 = 2.183" in m


def test_cli_check_values_file_json_and_exit_status():
    r = subprocess.run(
        [sys.executable, "-m", "xlcchc", "check", str(SEED), "--json", "--regime", "tinh-2022"],
        capture_output=True, text=True, cwd=ROOT, encoding="utf-8",
    )
    assert r.returncode == 1, r.stderr
    rows = json.loads(r.stdout)
    assert {(x["severity"], x["rule"]) for x in rows} == EXPECTED
    assert set(rows[0]) == {"file", "form", "code", "cell", "severity", "rule", "message", "expected", "actual",
                            "suspect", "suggested"}
    diagnosed = {x["rule"]: (x["suspect"], x["suggested"]) for x in rows if x["suspect"]}
    assert diagnosed["7-ratio-6.3"] == diagnosed["7-eq-6.3.1-6.1.2+6.2.2"] == ("7:6.3.1", 901)


def test_corrected_seed_has_no_errors(tmp_path):
    """Fix the printed ratios and the two blanks: the file passes (exit 0, warnings allowed)."""
    data = json.loads(SEED.read_text(encoding="utf-8"))
    fixes = {"3:3.1": None, "6:1": None, "7:6.2": None, "7:6.3": None, "4:1.5": 10 + 220 + 1953, "4:3.2": 6000}
    for row in data["values"]:
        key = f"{row['form']}:{row['code']}"
        if key in fixes:
            row["value"] = fixes[key]
    if not any(f"{r['form']}:{r['code']}" == "4:1.5" for r in data["values"]):
        data["values"].append({"form": 4, "code": "1.5", "value": fixes["4:1.5"], "note": ""})
    p = tmp_path / "seed_fixed.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    found = check_file(p)
    assert [f for f in found if f.severity == ERROR] == []
    r = subprocess.run([sys.executable, "-m", "xlcchc", "check", str(p)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_text_as_typed_is_normalised_like_the_reader():
    cat = load_catalog("tinh-2022")
    unit = registry_of(cat).by_code["TINH"]
    vals = {"3:3.1.1": "518.562", "3:3.1.2": "518.549", "3:3.1": "99,99%", "3:1.4.1": "48/48"}
    found = check_values(vals, cat, unit)
    rules = {f.rule for f in found}
    assert "3-ratio-3.1" not in rules  # 99,99 = 99,9975 truncated, after normalising both counts
    frac = [f for f in found if f.rule == "cell.fraction"]
    assert len(frac) == 1 and "phân số" in frac[0].message and "nhập một số duy nhất" in frac[0].message
