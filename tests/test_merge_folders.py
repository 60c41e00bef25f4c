"""`merge_folders`: several merges in a row with one pool, the next folder read while this one is written.

Each run must give exactly what `merge_folder` alone gives (the same TONG_HOP.xlsx bytes, the same
figures and status), whatever the pipelining: an output inside a later run's folder is seen by that run,
a run that cannot start raises where it would have, and a worker killed in one folder loses nothing there
or in the folders read after it."""

import pytest

from xlcchc.merge import MergeError, merge_folder
from xlcchc.merge.collect import CRASH_ENV
from xlcchc.merge.folder import merge_folders

from .bad_inputs.make_corpus import filled

UNITS = [["STP", "SXD", "SNV"], ["H-THO-XUAN", "H-BA-THUOC", "SGTVT"], ["SYT", "STC"]]


def _folders(tmp_path, units=UNITS):
    out = []
    for i, group in enumerate(units):
        folder = tmp_path / f"in{i}"
        folder.mkdir()
        for j, u in enumerate(group):
            (folder / f"{u}.xlsx").write_bytes(filled(u, seed=i * 10 + j + 1))
        out.append(folder)
    return out


def _same(a, b):
    assert a.values == b.values and a.by_unit == b.by_unit
    assert [s.model_dump() for s in a.status] == [s.model_dump() for s in b.status]
    assert [f.model_dump() for f in a.findings] == [f.model_dump() for f in b.findings]


def test_each_run_is_what_merge_folder_alone_gives(tmp_path):
    folders = _folders(tmp_path)
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    alone = [merge_folder(f, tmp_path / "one" / f"{f.name}.xlsx", workers=2) for f in folders]
    runs = [{"folder": f, "output": tmp_path / "batch" / f"{f.name}.xlsx"} for f in folders]
    got = list(merge_folders(runs, workers=2))
    assert len(got) == len(alone)
    for f, a, b in zip(folders, alone, got):
        _same(a, b)
        assert (tmp_path / "one" / f"{f.name}.xlsx").read_bytes() == (tmp_path / "batch" / f"{f.name}.xlsx").read_bytes()


def test_an_output_inside_the_next_folder_is_seen_by_it(tmp_path):
    """Run 0 writes its TONG_HOP.xlsx into run 1's folder: run 1 must list it as the program's own output,
    as it does when the two merges run one after the other (its folder is scanned after the write)."""
    folders = _folders(tmp_path, UNITS[:2])
    inside = folders[1] / "TONG_HOP_0.xlsx"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    runs = [{"folder": folders[0], "output": inside}, {"folder": folders[1], "output": tmp_path / "a" / "t1.xlsx"}]
    first, second = merge_folders(runs, workers=2)
    assert "TONG_HOP_0.xlsx" in [rel for rel, _ in second.skipped]
    inside.unlink()
    merge_folder(folders[0], inside, workers=2)
    _same(second, merge_folder(folders[1], tmp_path / "b" / "t1.xlsx", workers=2))
    assert (tmp_path / "a" / "t1.xlsx").read_bytes() == (tmp_path / "b" / "t1.xlsx").read_bytes()


def test_a_run_that_cannot_start_raises_after_the_runs_before_it(tmp_path):
    folders = _folders(tmp_path, UNITS[:1])
    runs = [{"folder": folders[0], "output": tmp_path / "t0.xlsx"},
            {"folder": tmp_path / "khong-co", "output": tmp_path / "t1.xlsx"}]
    it = merge_folders(runs, workers=2)
    assert next(it).by_unit
    with pytest.raises(MergeError, match="không tìm thấy thư mục"):
        next(it)


def test_a_worker_killed_in_one_folder_loses_nothing_there_or_after(tmp_path, monkeypatch):
    """The file that kills its worker breaks the shared pool while the next folder's reads are queued: the
    files not yet answered (in both folders) are read again alone, the third folder gets a new pool."""
    folders = _folders(tmp_path)
    (folders[0] / "SGTVT_lam_dung_may.xlsx").write_bytes(filled("SGTVT"))
    monkeypatch.setenv(CRASH_ENV, "SGTVT_lam_dung_may.xlsx")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    runs = [{"folder": f, "output": tmp_path / "a" / f"{f.name}.xlsx"} for f in folders]
    got = list(merge_folders(runs, workers=2))
    bad = {s.file: s for s in got[0].status if s.file}["SGTVT_lam_dung_may.xlsx"]
    assert bad.status == "Không hợp lệ" and "bị dừng đột ngột" in bad.detail
    for group, fig in zip(UNITS, got):
        assert set(group) <= set(fig.by_unit), (group, sorted(fig.by_unit))
    monkeypatch.delenv(CRASH_ENV)
    for f, fig in zip(folders[1:], got[1:]):
        _same(fig, merge_folder(f, tmp_path / "b" / f"{f.name}.xlsx", workers=2))
