"""Crafted values files (JSON/CSV for `check` and `values import`): a clear Vietnamese sentence, never an English
exception name or message, and never a figure JSON or a spreadsheet would not call a number."""

import json
import re
import subprocess
import sys

import pytest

from xlcchc.check import check_file
from xlcchc.values import ValuesError, load_values_file

from .conftest import FIXTURES, ROOT

SEED = FIXTURES / "seed_tinh_2022.json"
#: What an exception's English leaks as (its class name in the generic wrapper, pydantic's own messages).
ENGLISH = re.compile(r"Error\b|Input should|Field required|valid (?:integer|string|number|dictionary|list)")


def _seed_with(first_value: str) -> str:
    """The seed values file as text, its first value replaced by `first_value` (raw JSON)."""
    text = SEED.read_text(encoding="utf-8")
    doc = json.loads(text)
    old = json.dumps(doc["values"][0]["value"])
    pattern = re.compile(r'("value":\s*)' + re.escape(old))
    assert pattern.search(text), old
    return pattern.sub(lambda m: m.group(1) + first_value, text, count=1)


CRAFTED_JSON = {
    "a 5000-digit integer": _seed_with("9" * 5000),
    "NaN": _seed_with("NaN"),
    "Infinity": _seed_with("Infinity"),
    "-Infinity": _seed_with("-Infinity"),
    "a float overflowing to infinity": _seed_with("1e400"),
    "nesting 100 000 deep": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("what", sorted(CRAFTED_JSON))
def test_a_crafted_json_values_file_is_refused_in_vietnamese(tmp_path, what):
    p = tmp_path / "so_lieu.json"
    p.write_text(CRAFTED_JSON[what], encoding="utf-8")
    with pytest.raises(ValuesError) as ei:
        load_values_file(p)
    assert "so_lieu.json" in str(ei.value) and not ENGLISH.search(str(ei.value)), str(ei.value)
    found = check_file(p)
    assert [f.rule for f in found] == ["doc.invalid"] and found[0].message == str(ei.value)


def test_values_import_of_a_crafted_json_says_one_vietnamese_sentence(tmp_path):
    p = tmp_path / "so_lieu.json"
    p.write_text(CRAFTED_JSON["a 5000-digit integer"], encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "xlcchc", "values", "import", str(SEED), str(p), "-o",
                        str(tmp_path / "ra.xlsx")], capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("Lỗi: tệp “so_lieu.json”"), r.stderr
    assert "không mong đợi" not in r.stderr and not ENGLISH.search(r.stderr), r.stderr
    assert not (tmp_path / "ra.xlsx").exists()


@pytest.mark.parametrize("doc", [[1, 2], "x", None, {"values": 5}, {"values": [5]}, {"values": [{"form": "a", "code": "1"}]},
                                 {"values": [{"form": 1}]}, {"values": [{"form": 1, "code": 1}]},
                                 {"values": [{"form": 1, "code": "1", "value": [1]}]}, {"unit": 5}, {"tasks": [{}]}])
def test_a_values_file_of_the_wrong_shape_is_explained_in_vietnamese(tmp_path, doc):
    p = tmp_path / "so_lieu.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValuesError) as ei:
        load_values_file(p)
    text = str(ei.value)
    assert text.startswith("tệp “so_lieu.json” sai cấu trúc ở") and not ENGLISH.search(text), text


def _seed_csv(tmp_path, first_value: str):
    """The seed as a CSV values file, its first figure typed as `first_value`."""
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    rows = ["form,code,value,note"] + [f'{r["form"]},{r["code"]},{"" if r.get("value") is None else r["value"]},'
                                       for r in doc["values"]]
    first = doc["values"][0]
    rows[1] = f'{first["form"]},{first["code"]},{first_value},'
    p = tmp_path / "so_lieu.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p, f'{first["form"]}:{first["code"]}'


@pytest.mark.parametrize("typed", ["nan", "-infinity", "inf", "1_000", "1e400"])
def test_csv_text_that_is_no_plain_number_stays_text(tmp_path, typed):
    """A spreadsheet opens these as text: the CSV reader keeps them text, so the check says it is no number
    (it said “nan là số có phần thập phân”, “-inf là số âm”, and took 1_000 for 1000)."""
    p, key = _seed_csv(tmp_path, typed)
    doc = load_values_file(p)
    assert doc.as_dict()[key] == typed
    found = [f.message for f in check_file(p) if f"{f.form}:{f.code}" == key]
    assert found and all(f"“{typed}” không phải" in m for m in found), found


@pytest.mark.parametrize("typed,number", [("59", 59), ("-3", -3), ("99.99", 99.99), ("+5", 5.0), (".5", 0.5), ("1E3", 1000.0)])
def test_csv_plain_numbers_are_numbers_as_before(tmp_path, typed, number):
    p, key = _seed_csv(tmp_path, typed)
    got = load_values_file(p).as_dict()[key]
    assert got == number and type(got) is type(number)


def test_a_csv_field_over_the_csv_limit_is_refused_in_vietnamese(tmp_path):
    p, _ = _seed_csv(tmp_path, "59")
    p.write_text(p.read_text(encoding="utf-8").replace(",59,", ',59,"' + "x" * 200_000 + '"', 1), encoding="utf-8")
    with pytest.raises(ValuesError) as ei:
        load_values_file(p)
    assert "so_lieu.csv" in str(ei.value) and not ENGLISH.search(str(ei.value)), str(ei.value)
    assert [f.rule for f in check_file(p)] == ["doc.invalid"]


def test_values_import_into_a_zip_bomb_is_refused_before_inflating_it(tmp_path):
    """`values import` read every part of the template it was given, whatever its size: a 2 GB part of
    zeros (2 MB on disk) took 2.1 GB of memory and ended in “lỗi không mong đợi (MemoryError)”. The
    template now gets the reader's zip caps (declared sizes, ratio) before anything is inflated."""
    import zipfile

    template = tmp_path / "mau.xlsx"
    with zipfile.ZipFile(ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx") as zin, \
            zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        with zout.open("xl/media/lon.bin", "w") as big:
            for _ in range(100):
                big.write(bytes(1 << 20))
    values = tmp_path / "so_lieu.json"
    values.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "ra.xlsx"
    r = subprocess.run([sys.executable, "-m", "xlcchc", "values", "import", str(template), str(values), "-o", str(out)],
                       capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    assert r.returncode == 2 and "giải nén lớn bất thường" in r.stderr, r.stderr
    assert not out.exists()
