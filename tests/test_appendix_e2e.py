"""End to end: the sample returns → merge (TONG_HOP.xlsx) → `xlcchc appendix` → PHU_LUC.xlsx and its PDF.

The CLI runs in a child process, as a user runs it; the provincial workbook must come out untouched.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xlcchc.appendix import ANNEX_SHEETS
from xlcchc.catalog import load_catalog
from xlcchc.layout import form_sheet
from xlcchc.merge import merge_folder, read_provincial
from xlcchc.office import soffice_available
from xlcchc.samples import RETURNS_DIR, write_samples

from .test_appendix import form_rows

needs_office = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def provincial(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    write_samples(root / "samples")
    out = root / "TONG_HOP.xlsx"
    merge_folder(root / "samples" / RETURNS_DIR, out)
    return out


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xlcchc", "appendix", *args], capture_output=True, text=True, env=env or dict(os.environ)
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_office
def test_merge_output_to_appendix_and_pdf(provincial, tmp_path):
    before = sha(provincial)
    xlsx, pdf = tmp_path / "out" / "PHU_LUC.xlsx", tmp_path / "out" / "PHU_LUC.pdf"
    proc = run_cli(str(provincial), "-o", str(xlsx), "--pdf", str(pdf), "--annexes", "status")
    assert proc.returncode == 0, proc.stderr
    assert "Đã ghi phụ lục" in proc.stdout and "Đã ghi bản PDF" in proc.stdout
    assert f"Đã tạo thư mục mới: {xlsx.parent.resolve()}" in proc.stderr  # -o into a missing folder: created, said
    assert str(xlsx.resolve()) in proc.stdout
    assert sha(provincial) == before  # the source is never modified
    assert sorted(p.name for p in xlsx.parent.iterdir()) == ["PHU_LUC.pdf", "PHU_LUC.xlsx"]

    fig = read_provincial(provincial)
    cat = load_catalog(fig.regime)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == [form_sheet(f.number) for f in cat.forms] + [ANNEX_SHEETS["status"]]
    for form in cat.forms:
        for ind, row in zip(form.indicators, form_rows(wb[form_sheet(form.number)])):
            expected = fig.values.get(ind.key) if ind.has_value else None
            if isinstance(expected, (int, float)):
                assert row[3] == pytest.approx(expected), ind.key
            else:
                assert row[3] == expected, ind.key
            assert (row[4] or "").replace("\u200b", "") == fig.notes.get(ind.key, ""), ind.key
    units = [r for r in wb[ANNEX_SHEETS["status"]].iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(units) == len(fig.status)

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "518.562" in text and "Phụ lục" in text and "Năm 2022" in text


def test_pdf_without_libreoffice_keeps_the_workbook_and_says_why(provincial, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(os.environ, PATH=str(empty))  # no soffice on the PATH
    xlsx, pdf = tmp_path / "PHU_LUC.xlsx", tmp_path / "PHU_LUC.pdf"
    proc = run_cli(str(provincial), "-o", str(xlsx), "--pdf", str(pdf), "--no-annexes", env=env)
    assert proc.returncode == 2
    assert "Chưa cài LibreOffice nên không chuyển được sang PDF" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert xlsx.exists() and not pdf.exists()
    assert not set(ANNEX_SHEETS.values()) & set(openpyxl.load_workbook(xlsx).sheetnames)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PHU_LUC.xlsx", "bin"]  # no leftover work folder


def test_refuses_to_overwrite_the_provincial_workbook(provincial):
    before = sha(provincial)
    proc = run_cli(str(provincial), "-o", str(provincial))
    assert proc.returncode == 2 and "không ghi đè lên bảng tổng hợp" in proc.stderr
    assert sha(provincial) == before


def test_bad_provincial_file_gives_a_sentence(tmp_path):
    bad = tmp_path / "TONG_HOP.xlsx"
    bad.write_bytes(b"this is not a workbook")
    proc = run_cli(str(bad), "-o", str(tmp_path / "PL.xlsx"))
    assert proc.returncode == 2 and proc.stderr.startswith("Lỗi: ")
    assert "Traceback" not in proc.stderr and not (tmp_path / "PL.xlsx").exists()
    missing = run_cli(str(tmp_path / "khong_co.xlsx"), "-o", str(tmp_path / "PL.xlsx"))
    assert missing.returncode == 2 and "Không tìm thấy tệp tổng hợp" in missing.stderr
