"""An output named on the command line is never one of the command's own input files: `values export X.xlsx
-o X.xlsx` wrote the JSON over the unit's return, `history export --db H -o H` the CSV over the whole
history database (every period gone). The input stays byte for byte; the user gets one sentence."""

import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

SNV = ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx"


def _cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlcchc", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def history(tmp_path):
    """A real history database with one merged period in it."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SNV, folder / SNV.name)
    tong_hop = tmp_path / "TONG_HOP.xlsx"
    assert _cli("merge", folder, "-o", tong_hop, "--period", "Năm 2022", cwd=tmp_path).returncode in (0, 1)
    db = tmp_path / "lich_su.sqlite"
    r = _cli("history", "add", tong_hop, "--db", db, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return db


def _refused(r, victim, before):
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("Lỗi: tệp kết quả") and "tệp đầu vào" in r.stderr and "không mong đợi" not in r.stderr, r.stderr
    assert _digest(victim) == before


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_values_export_over_its_own_return_is_refused(tmp_path, fmt):
    src = tmp_path / SNV.name
    shutil.copyfile(SNV, src)
    before = _digest(src)
    _refused(_cli("values", "export", src, "--format", fmt, "-o", src, cwd=tmp_path), src, before)
    link = tmp_path / "cung_tep.xlsx"
    os.link(src, link)  # the same file under another name
    _refused(_cli("values", "export", src, "--format", fmt, "-o", link, cwd=tmp_path), src, before)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_history_export_over_the_history_database_is_refused(history, tmp_path, fmt):
    before = _digest(history)
    _refused(_cli("history", "export", "--db", history, "--format", fmt, "-o", history, cwd=tmp_path), history, before)
    r = _cli("history", "show", "--db", history, cwd=tmp_path)
    assert r.returncode == 0 and "1 kỳ" in r.stdout, r.stdout + r.stderr


def test_an_output_beside_its_input_is_written_as_before(history, tmp_path):
    out = tmp_path / "lich_su.csv"
    r = _cli("history", "export", "--db", history, "-o", out, cwd=tmp_path)
    assert r.returncode == 0 and out.read_text(encoding="utf-8-sig").startswith("Kỳ báo cáo,"), r.stderr


@pytest.mark.parametrize("command", [
    ["guide", "-o", "{out}"],
    ["values", "export", str(SNV), "-o", "{out}"],
    ["merge", "{folder}", "-o", "{out}.xlsx"],
    ["template", "--unit", "SNV", "--period", "Năm 2022", "-o", "{out}.xlsx"],
])
def test_an_output_that_is_a_fifo_or_device_is_never_replaced(tmp_path, command):
    """The atomic write renamed its work file over whatever the name was: `guide -o /dev/full`, run as an
    administrator, replaced the device node with a HTML file (and said “Đã tạo hướng dẫn”); a FIFO is
    replaced the same way. The node stays, the user gets one sentence."""
    import stat

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SNV, folder / SNV.name)
    fifo = tmp_path / "ong"
    target = fifo.with_name(fifo.name + ".xlsx") if command[-1].endswith(".xlsx") else fifo
    os.mkfifo(target)
    r = _cli(*[a.format(out=fifo, folder=folder) for a in command], cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"“{target}” không phải tệp dữ liệu thông thường" in r.stderr and "không mong đợi" not in r.stderr, r.stderr
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~xlcchc")]


def test_an_output_that_cannot_be_created_is_named_not_its_work_file(tmp_path):
    """A failed write named the hidden work file (“/proc/.~xlcchc-29606-x.xlsx.8rsjpwzn.part”), a name the user
    never gave: the sentence names the output asked for."""
    r = _cli("template", "--unit", "SNV", "--period", "Năm 2022", "-o", "/proc/khong_ghi_duoc.xlsx", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "“/proc/khong_ghi_duoc.xlsx”" in r.stderr and ".~xlcchc" not in r.stderr, r.stderr
