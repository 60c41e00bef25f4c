"""LibreOffice started early (`office.Office`): while the appendix is built, then handed the file to convert.

The real LibreOffice runs; what matters is that the early start changes nothing a person sees (the same PDF
with a kept profile, without one, with a damaged one) and leaves nothing behind when the command fails
before converting (no LibreOffice still running, no socket in /tmp, no temp folder).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xlsxwriter

from xlcchc.office import Office, _pipe_of, soffice_available

from .test_appendix_e2e import provincial  # noqa: F401 - the module fixture: TONG_HOP.xlsx of the samples

needs_office = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
posix_only = pytest.mark.skipif(os.name != "posix", reason="LibreOffice is started early on POSIX systems only")


@pytest.fixture(scope="module")
def seeded_cache(tmp_path_factory) -> Path:
    """A cache folder holding the initialised LibreOffice profile that one conversion keeps."""
    root = tmp_path_factory.mktemp("office")
    one = root / "one.xlsx"
    wb = xlsxwriter.Workbook(str(one))
    wb.add_worksheet().write_string(0, 0, "một")
    wb.close()
    code = "import sys; from xlcchc.office import to_pdf; to_pdf(sys.argv[1], sys.argv[2])"
    env = dict(os.environ, XLCCHC_CACHE_DIR=str(root / "cache"))
    subprocess.run([sys.executable, "-c", code, str(one), str(root / "pdf")], check=True, env=env, timeout=300)
    assert [p.name.startswith("libreoffice-profile-") for p in (root / "cache").iterdir()] == [True]
    return root / "cache"


def _appendix_pdf_text(tong_hop: Path, out: Path, cache: str) -> str:
    tmp = out / "tmp"
    tmp.mkdir(parents=True)
    env = dict(os.environ, XLCCHC_CACHE_DIR=cache, TMPDIR=str(tmp))
    r = subprocess.run([sys.executable, "-m", "xlcchc", "appendix", str(tong_hop), "-o", str(out / "PHU_LUC.xlsx"),
                        "--pdf", str(out / "PHU_LUC.pdf")], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Đã ghi bản PDF" in r.stdout
    assert list(tmp.iterdir()) == []  # LibreOffice's profile and work files are gone with its folder
    return subprocess.run(["pdftotext", "-layout", str(out / "PHU_LUC.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout


@needs_office
@posix_only
def test_a_command_failing_before_its_pdf_leaves_no_libreoffice_behind(seeded_cache, tmp_path, monkeypatch):
    """The early LibreOffice is listening when the command fails: it is ended, its socket and folder removed."""
    monkeypatch.setenv("XLCCHC_CACHE_DIR", str(seeded_cache))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # Python's temp folder follows TMPDIR again
    with pytest.raises(RuntimeError, match="the workbook could not be written"):
        with Office(early=True) as office:
            server, pipe = office._server, _pipe_of(office._profile)
            assert server is not None  # a kept profile, room on the disk: started at once
            deadline = time.monotonic() + 120
            while not pipe.exists() and time.monotonic() < deadline:  # LibreOffice now takes arguments
                time.sleep(0.05)
            assert pipe.exists() and server.poll() is None
            raise RuntimeError("the workbook could not be written")
    assert server.poll() is not None
    assert not pipe.exists()
    assert list(tmp_path.iterdir()) == []


@needs_office
@posix_only
def test_the_pdf_is_the_same_with_or_without_the_early_start(seeded_cache, provincial, tmp_path):  # noqa: F811
    """Kept profile (LibreOffice started early), none (started when the workbook is written) and a damaged one
    (an empty folder where the profile was kept: the hand-over or its fallback still converts): one text."""
    early = _appendix_pdf_text(provincial, tmp_path / "early", str(seeded_cache))
    plain = _appendix_pdf_text(provincial, tmp_path / "plain", "")
    damaged_cache = tmp_path / "damaged"
    damaged_cache.mkdir()
    for seed in seeded_cache.iterdir():
        (damaged_cache / seed.name).mkdir()
    damaged = _appendix_pdf_text(provincial, tmp_path / "damaged-run", str(damaged_cache))
    assert "Biểu mẫu 7" in plain and "Trang 1" in plain
    assert early == plain == damaged
