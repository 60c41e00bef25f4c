"""The committed sample folder: regenerating it gives the same bytes, and it holds what README.md says."""

import filecmp

from xlcchc.samples import (
    DAMAGED_FILE,
    DRAFT_FILE,
    LOCK_FILE,
    MISSING_UNIT,
    RETURNS_DIR,
    STALE_FILE,
    file_name,
    write_samples,
)
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.read import read_return

from .conftest import ROOT

SAMPLES = ROOT / "samples"


def test_regenerating_gives_byte_identical_files(tmp_path):
    write_samples(tmp_path)
    ours = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    # README-2026.md is written by `xlcchc samples --regime tinh-2025` (checked in tests/test_samples_2026.py).
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*") if p.is_file() and p.name != "README-2026.md")
    assert ours == committed
    different = [str(p) for p in ours if not filecmp.cmp(tmp_path / p, SAMPLES / p, shallow=False)]
    assert different == []


def test_one_return_per_unit_except_the_missing_one():
    cat = load_catalog("tinh-2022")
    reg = registry_of(cat)
    folder = SAMPLES / RETURNS_DIR
    for unit in reg.reporting_units():
        path = folder / file_name(unit.code)
        if unit.code == MISSING_UNIT:
            assert not path.exists()
            continue
        ret = read_return(path)
        assert (ret.unit, ret.period, ret.regime) == (unit.code, "2022-N", "tinh-2022")
        assert ret.cover["BIA_TRANG_THAI"] == "Chính thức"
        assert 20_000 < path.stat().st_size < 60_000
    for extra in (DRAFT_FILE, STALE_FILE, DAMAGED_FILE, LOCK_FILE):
        assert (folder / extra).exists()
    assert read_return(folder / STALE_FILE).period == "2022-6T"
    assert read_return(folder / DRAFT_FILE).cover["BIA_TRANG_THAI"] == "Dự thảo"


def test_readme_lists_every_planted_file():
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in (DRAFT_FILE, STALE_FILE, DAMAGED_FILE, LOCK_FILE, file_name("H-NGA-SON"), file_name("H-HAU-LOC"),
                 file_name("SGTVT"), file_name("TX-NGHI-SON")):
        assert f"| {name} |" in text, name
    assert "Chưa nộp" in text and MISSING_UNIT in text


def test_text_count_and_equals_note_are_kept_as_typed():
    folder = SAMPLES / RETURNS_DIR
    ret = read_return(folder / file_name("SGTVT"))
    cell = ret.cells["3:3.1.1"]
    assert isinstance(cell.raw, str) and "." in cell.raw
    assert cell.value == int(cell.raw.replace(".", ""))
    note = read_return(folder / file_name("TX-NGHI-SON")).notes["3:3.3.1"]
    assert note.startswith("=")
