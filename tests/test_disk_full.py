"""A full disk during every write of a user's output (issue #13): the merge, the appendix (its .xlsx and its
PDF, LibreOffice included), the annotated copy of `check --annotate` and `history export`.

Each runs the CLI as the user does on a really full disk (`tests/fullfs.py`: a filled tmpfs, ENOSPC, or a
file-size limit, EFBIG), with TMPDIR on that disk and the previous output already there. Expected: one
Vietnamese sentence "ổ đĩa đã đầy …" naming the output, a non-zero exit, no traceback, the previous output
byte for byte as it was, nothing else on the disk and nothing in the temp folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .bad_inputs.make_corpus import filled
from xlcchc.office import soffice_available

from .conftest import ROOT
from .fullfs import run_on_full_disk, sha

needs_office = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """Inputs on the ordinary disk: a folder with one return, its TONG_HOP.xlsx, a history file of it."""
    from xlcchc.merge import merge_folder

    base = tmp_path_factory.mktemp("inputs")
    folder = base / "in"
    folder.mkdir()
    (folder / "snv.xlsx").write_bytes(filled())
    tong_hop = base / "TONG_HOP.xlsx"
    merge_folder(folder, tong_hop)
    db = base / "LICH_SU.sqlite"
    r = subprocess.run([sys.executable, "-m", "xlcchc", "history", "add", str(tong_hop), "--db", str(db)],
                       capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return {"folder": folder, "return": folder / "snv.xlsx", "tong_hop": tong_hop, "db": db}


def _assert_refused_cleanly(run, target: Path, kept: dict[str, str]) -> None:
    text = run.stdout + run.stderr
    assert run.returncode == 2, (run.mechanism, text)
    assert "ổ đĩa đã đầy" in run.stderr and f"“{target}”" in run.stderr, (run.mechanism, text)
    assert "Traceback" not in text and "Errno" not in text, text
    said = [line for line in run.stderr.splitlines() if line.strip() and not line.lstrip("\r").startswith("[#")]
    assert len(said) == 1 and said[0].startswith("Lỗi: ổ đĩa đã đầy"), run.stderr  # one sentence (and the progress bar)
    # The previous output as it was; nothing half-written beside it; nothing in TMPDIR (tmp/ is empty).
    assert run.files == {"out/": "", **kept}, (run.mechanism, run.files)


CASES = {
    # name: (argv after the inputs are known, target, free bytes)
    "merge": (lambda m, t: ["merge", str(m["folder"]), "-o", str(t)], "TONG_HOP.xlsx", 20_000),
    "appendix": (lambda m, t: ["appendix", str(m["tong_hop"]), "-o", str(t)], "PHU_LUC.xlsx", 8_000),
    "annotate": (lambda m, t: ["check", str(m["return"]), "--annotate", str(t)], "danh_dau.xlsx", 8_000),
    "history-xlsx": (lambda m, t: ["history", "export", "--db", str(m["db"]), "--format", "xlsx", "-o", str(t)],
                     "LICH_SU.xlsx", 8_000),
    "history-csv": (lambda m, t: ["history", "export", "--db", str(m["db"]), "-o", str(t)], "LICH_SU.csv", 8_000),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_disk_full_is_one_sentence_and_leaves_the_previous_output(tmp_path, made, case):
    argv, name, free = CASES[case]
    disk = tmp_path / "disk"
    target = disk / "out" / name
    old = made["tong_hop"].read_bytes() if case == "merge" else f"bản cũ của {name}".encode()
    run = run_on_full_disk(argv(made, target), disk, free=free, put={f"out/{name}": old})
    _assert_refused_cleanly(run, target, {f"out/{name}": sha(old)})


@needs_office
def test_disk_full_while_libreoffice_makes_the_pdf(tmp_path, made):
    """Room for the appendix workbook, none for LibreOffice's profile and PDF: the .xlsx is written (complete),
    the PDF is refused in one sentence, the previous PDF is kept and LibreOffice's temp files are gone."""
    disk = tmp_path / "disk"
    xlsx, pdf = disk / "out" / "PHU_LUC.xlsx", disk / "out" / "PHU_LUC.pdf"
    old = b"%PDF-1.4 ban cu\n"
    # A tmpfs' room is shared by every file (the workbook and its work files take ~110 kB, LibreOffice's
    # profile ~450 kB); a file-size limit is per file (the workbook's largest file ~20 kB, the PDF ~96 kB).
    run = run_on_full_disk(["appendix", str(made["tong_hop"]), "-o", str(xlsx), "--pdf", str(pdf)], disk,
                           free={"tmpfs": 256_000, "rlimit": 48_000}, put={"out/PHU_LUC.pdf": old})
    assert "Đã ghi phụ lục" in run.stdout, run.stdout + run.stderr
    written = run.files.pop("out/PHU_LUC.xlsx")
    assert written, run.files
    _assert_refused_cleanly(run, pdf, {"out/PHU_LUC.pdf": sha(old)})


def test_work_folder_of_a_killed_run_is_removed_by_the_next(tmp_path, made):
    """A run killed mid-write (SIGKILL: no `finally` runs) leaves its private work folder in TMPDIR; the
    next run that makes one removes it (its process is gone), and leaves TMPDIR as it found it."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.pop("XLCCHC_DEBUG", None)
    code = ("import os, signal\n"
            "from xlcchc.fileio import private_tmpdir\n"
            "with private_tmpdir() as work:\n"
            "    open(os.path.join(work, 'sheet1.xml'), 'w').write('<c>unit data</c>')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, timeout=120)
    assert killed.returncode == -9 and [p.name.startswith(".~xlcchc-") for p in tmp.iterdir()] == [True]
    out = tmp_path / "PHU_LUC.xlsx"
    r = subprocess.run([sys.executable, "-m", "xlcchc", "appendix", str(made["tong_hop"]), "-o", str(out)],
                       env=env, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert r.returncode == 0 and out.exists(), r.stdout + r.stderr
    assert list(tmp.iterdir()) == []
