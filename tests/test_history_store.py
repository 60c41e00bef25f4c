"""The history store on real merged workbooks: add, replace, versioned schema, concurrent and killed
writers, damaged or foreign files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xlcchc.cli import main
from xlcchc.history.record import add_provincial
from xlcchc.history.store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, HistoryError, migrate, open_store
from xlcchc.merge import merge_folder, read_provincial

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "bao-cao-2022"


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> dict[str, Path]:
    """Two merges of the same period (all sample returns; all but three units) and one of another period."""
    root = tmp_path_factory.mktemp("hist")
    full = root / "TONG_HOP.xlsx"
    merge_folder(SAMPLES, full, period="2022-N")
    part_dir = root / "part"
    part_dir.mkdir()
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".xlsx" and not p.name.startswith("~$"))
    for p in files[3:]:
        shutil.copy(p, part_dir / p.name)
    part = root / "TONG_HOP_thieu.xlsx"
    merge_folder(part_dir, part, period="2022-N")
    half = root / "TONG_HOP_6T.xlsx"
    merge_folder(SAMPLES, half, period="2022-6T")
    return {"full": full, "part": part, "half": half}


def _count(db: Path, sql: str, *args) -> int:
    with sqlite3.connect(db) as c:
        return c.execute(sql, args).fetchone()[0]


def test_add_records_every_value_with_its_source(tmp_path, merged):
    db = tmp_path / "h.sqlite"
    fig = read_provincial(merged["full"])
    with open_store(db) as store:
        added = add_provincial(store, merged["full"])
        assert not added.unchanged and added.replaced is None
        vals = store.values(added.load.id)
    expected = sum(1 for v in fig.values.values() if v is not None) + sum(
        1 for u in fig.by_unit.values() for v in u.values() if v is not None)
    assert added.values == expected
    assert {k: v for k, v in fig.values.items() if v is not None} == vals[fig.unit]
    for unit, uv in fig.by_unit.items():
        assert vals.get(unit, {}) == {k: v for k, v in uv.items() if v is not None}
    # Every unit's row names the return it came from and that file's SHA-256, as in the status sheet.
    status = {s.unit: s for s in fig.status if s.status in ("Đã nộp", "Có lỗi")}
    with sqlite3.connect(db) as c:
        for unit, file, sha in c.execute("SELECT DISTINCT unit, file, sha256 FROM value WHERE unit != 'TINH'"):
            assert (file, sha) == (status[unit].file, status[unit].sha256)
        row = c.execute("SELECT regime, catalog_fingerprint, xlcchc_version FROM load").fetchone()
    from xlcchc.catalog.load import load_catalog

    assert row[0] == "tinh-2022" and row[1] == load_catalog("tinh-2022").fingerprint and row[2]


def test_readding_replaces_and_keeps_the_previous_version(tmp_path, merged, capsys):
    db = tmp_path / "h.sqlite"
    assert main(["history", "add", str(merged["full"]), "--db", str(db)]) == 0
    assert main(["history", "add", str(merged["full"]), "--db", str(db)]) == 0
    assert "không thay đổi" in capsys.readouterr().out
    assert main(["history", "add", str(merged["part"]), "--db", str(db)]) == 0
    assert "vẫn được giữ" in capsys.readouterr().out
    assert main(["history", "show", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["file"], r["current"]) for r in rows] == [("TONG_HOP.xlsx", False), ("TONG_HOP_thieu.xlsx", True)]
    assert rows[0]["superseded_by"] == rows[1]["version"]
    # The series shows the current version only; the old one's values are still in the file.
    fig = read_provincial(merged["part"])
    assert main(["history", "show", "--db", str(db), "--indicator", "3:3.1.1", "--json"]) == 0
    series = json.loads(capsys.readouterr().out)
    assert [p["value"] for p in series["points"]] == [fig.values["3:3.1.1"]]
    assert _count(db, "SELECT COUNT(DISTINCT load_id) FROM value") == 2


def test_default_location_is_beside_the_merged_workbook(tmp_path, merged):
    src = tmp_path / "TONG_HOP.xlsx"
    shutil.copy(merged["full"], src)
    assert main(["history", "add", str(src)]) == 0
    assert (tmp_path / "LICH_SU_SO_LIEU_CCHC.sqlite").is_file()


def test_export_csv_and_xlsx_hold_every_current_value(tmp_path, merged):
    import openpyxl

    db = tmp_path / "h.sqlite"
    with open_store(db) as store:
        a = add_provincial(store, merged["full"])
        b = add_provincial(store, merged["half"])
    assert main(["history", "export", "--db", str(db), "-o", str(tmp_path / "h.csv")]) == 0
    lines = (tmp_path / "h.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + a.values + b.values
    assert lines[0].startswith("Kỳ báo cáo,")
    assert main(["history", "export", "--db", str(db), "--format", "xlsx", "-o", str(tmp_path / "h.xlsx")]) == 0
    ws = openpyxl.load_workbook(tmp_path / "h.xlsx").active
    assert ws.max_row == 1 + a.values + b.values
    periods = {ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    assert periods == {"2022-N", "2022-6T"}


# --- schema versions -------------------------------------------------------------------------


def test_a_version_1_store_is_upgraded_with_its_data(tmp_path):
    db = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, db, upto=1)
    conn.execute("INSERT INTO load VALUES (1, 'TINH', '2022-N', 'tinh-2022', 'thanh-hoa-2022', 'f', '0.0.1', "
                 "'T.xlsx', 'abc', '2023-01-01T00:00:00+00:00', NULL)")
    conn.execute("INSERT INTO value VALUES (1, 'TINH', 3, '3.1.1', 42.0, NULL, 'T.xlsx', 'abc')")
    conn.close()
    assert _count(db, "PRAGMA user_version") == 1
    with open_store(db) as store:
        assert store.values(1) == {"TINH": {"3:3.1.1": 42.0}}
        assert [ld.period for ld in store.loads()] == ["2022-N"]
    assert _count(db, "PRAGMA user_version") == SCHEMA_VERSION == 2
    # Version 2's guarantee now holds in the file: a second current version of a period is refused.
    with sqlite3.connect(db) as c, pytest.raises(sqlite3.IntegrityError):
        c.execute("INSERT INTO load VALUES (2, 'TINH', '2022-N', 'tinh-2022', 'r', 'f', 'v', 'U.xlsx', 'def', 't', NULL)")


def test_a_store_written_now_opens_in_the_next_version(tmp_path, merged):
    db = tmp_path / "h.sqlite"
    with open_store(db) as store:
        added = add_provincial(store, merged["half"])
        before = store.values(added.load.id)
    nxt = [*MIGRATIONS, "CREATE TABLE note (load_id INTEGER NOT NULL, text TEXT NOT NULL)"]
    with open_store(db, migrations=nxt) as store:
        assert store.values(added.load.id) == before
        store.conn.execute("INSERT INTO note VALUES (?, 'ok')", (added.load.id,))
    assert _count(db, "PRAGMA user_version") == len(nxt)
    # … and this version, meeting the newer file, says so instead of writing into it.
    with pytest.raises(HistoryError, match="mới hơn"):
        with open_store(db):
            pass


# --- bad files ---------------------------------------------------------------------------------


def test_damaged_and_foreign_files_get_a_clear_message(tmp_path, merged, capsys):
    damaged = tmp_path / "hong.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    foreign = tmp_path / "khac.sqlite"
    with sqlite3.connect(foreign) as c:
        c.execute("CREATE TABLE khach_hang (ten TEXT)")
    text = tmp_path / "ghi_chu.sqlite"
    text.write_text("không phải cơ sở dữ liệu\n" * 50, encoding="utf-8")
    for path, words in ((damaged, "bị hỏng"), (foreign, "cơ sở dữ liệu khác"), (text, "bị hỏng")):
        before = path.read_bytes()
        assert main(["history", "add", str(merged["half"]), "--db", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("Lỗi: ") and words in err and "Traceback" not in err
        assert path.read_bytes() == before, "a file that is not our store is never written"
    assert main(["history", "show", "--db", str(tmp_path / "chua_co.sqlite")]) == 2
    assert "chưa có tệp lịch sử" in capsys.readouterr().err
    # A workbook that is not a merged workbook is refused by the provincial reader, nothing is added.
    db = tmp_path / "h.sqlite"
    sample = next(SAMPLES.glob("BC_CCHC_2022_S*.xlsx"))
    assert main(["history", "add", str(sample), "--db", str(db)]) == 2
    assert "bảng tổng hợp" in capsys.readouterr().err


@pytest.mark.parametrize("edit,table", [
    ("DROP TABLE value", "value"),
    ("ALTER TABLE value RENAME TO value_cu; CREATE TABLE value (x)", "value"),
    ("DROP TABLE adjustment; CREATE VIEW adjustment AS SELECT 1 AS load_id", "adjustment"),
    ("ALTER TABLE value DROP COLUMN text", "value"),
])
def test_a_store_whose_tables_were_edited_is_refused_as_damaged(tmp_path, merged, capsys, edit, table):
    """The version and marker say ours, the tables are not the migrations' (dropped, renamed, a view, a
    column gone): every command said “lỗi không mong đợi (OperationalError: no such table: value)”."""
    db = tmp_path / "ls.sqlite"
    assert main(["history", "add", str(merged["full"]), "--db", str(db)]) == 0
    with sqlite3.connect(db) as c:
        c.executescript(edit)
    before = db.read_bytes()
    capsys.readouterr()
    for args in (["history", "show", "--db", str(db), "--indicator", "3:3.1"], ["history", "export", "--db", str(db),
                 "-o", str(tmp_path / "ra.csv")], ["history", "add", str(merged["half"]), "--db", str(db)]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err == (f"Lỗi: tệp lịch sử “ls.sqlite” bị hỏng (bảng {table} bị xóa hoặc sửa cấu trúc); "
                       "hãy dùng bản sao lưu, hoặc chọn tệp khác bằng --db\n"), err
    assert db.read_bytes() == before


def test_a_table_of_its_own_in_the_store_is_no_damage(tmp_path, merged):
    db = tmp_path / "ls.sqlite"
    assert main(["history", "add", str(merged["full"]), "--db", str(db)]) == 0
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE ghi_chu_rieng (noi_dung TEXT)")
    assert main(["history", "show", "--db", str(db), "--indicator", "3:3.1"]) == 0


@pytest.mark.parametrize("figure", ["9e999", "-9e999", "'mười'", "x'00ff'"])
def test_a_store_holding_a_figure_that_is_no_number_is_refused_as_damaged(tmp_path, merged, capsys, figure):
    """An infinite figure (SQLite keeps 9e999 as REAL) went into TONG_HOP's trend rows — merge --history said
    “lỗi không mong đợi (TypeError: NAN/INF not supported in write_number() …)” — and into the check's
    sentences (“… nhỏ hơn kỳ 9 tháng năm 2022 (inf)”); text or bytes in the figure column likewise."""
    db = tmp_path / "ls.sqlite"
    assert main(["history", "add", str(merged["half"]), "--db", str(db)]) == 0
    with sqlite3.connect(db) as c:
        c.execute(f"UPDATE value SET num = {figure} WHERE rowid IN (SELECT rowid FROM value WHERE num IS NOT NULL LIMIT 3)")
    capsys.readouterr()
    out = tmp_path / "TONG_HOP.xlsx"
    for args in (["history", "show", "--db", str(db), "--indicator", "3:3.1"],
                 ["merge", str(SAMPLES), "-o", str(out), "--period", "Năm 2022", "--history", str(db)]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.endswith("Lỗi: tệp lịch sử “ls.sqlite” bị hỏng (bảng value có số liệu không phải là số); "
                            "hãy dùng bản sao lưu, hoặc chọn tệp khác bằng --db\n"), err[-400:]
    assert not out.exists()


# --- concurrent and killed writers ------------------------------------------------------------

_ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def test_two_concurrent_adds_leave_a_consistent_store(tmp_path, merged):
    """Two processes add two versions of the same period at the same moment (a start barrier)."""
    db = tmp_path / "h.sqlite"
    go = tmp_path / "go"
    script = (
        "import sys, time, pathlib\n"
        "from xlcchc.history.store import open_store\n"
        "from xlcchc.history.record import add_provincial\n"
        "from xlcchc.merge import read_provincial\n"
        "read_provincial(sys.argv[2])  # warm up: parse the catalog before the barrier\n"
        "while not pathlib.Path(sys.argv[3]).exists(): time.sleep(0.005)\n"
        "with open_store(sys.argv[1]) as s: print(add_provincial(s, sys.argv[2]).load.id)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(db), str(merged[k]), str(go)], env=_ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in ("full", "part")]
    time.sleep(1.0)
    go.write_text("go")
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        loads = c.execute("SELECT id, file, superseded_by FROM load ORDER BY id").fetchall()
        assert len(loads) == 2
        (first, _, sup), (second, _, cur) = loads
        assert sup == second and cur is None, "exactly one current version, the other superseded by it"
        for lid, file, _ in loads:
            fig = read_provincial(merged["full"] if file == "TONG_HOP.xlsx" else merged["part"])
            n = sum(1 for v in fig.values.values() if v is not None) + sum(
                1 for u in fig.by_unit.values() for v in u.values() if v is not None)
            assert c.execute("SELECT COUNT(*) FROM value WHERE load_id = ?", (lid,)).fetchone()[0] == n


def test_a_killed_writer_leaves_no_partial_period(tmp_path, merged):
    db = tmp_path / "h.sqlite"
    with open_store(db) as store:
        kept = add_provincial(store, merged["half"])
    marker = tmp_path / "inside"
    # The writer stops for good after every row of the period is inserted, before the commit.
    script = (
        "import sys, time, pathlib\n"
        "import xlcchc.history.record as rec\n"
        "from xlcchc.history.store import open_store\n"
        "calls = []\n"
        "def version():\n"
        "    calls.append(1)\n"
        "    if len(calls) == 2:\n"
        "        pathlib.Path(sys.argv[3]).write_text('x')\n"
        "        time.sleep(600)\n"
        "    return '0.1.0'\n"
        "rec.xlcchc_version = version\n"
        "with open_store(sys.argv[1]) as s: rec.add_provincial(s, sys.argv[2])\n"
    )
    p = subprocess.Popen([sys.executable, "-c", script, str(db), str(merged["full"]), str(marker)], env=_ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # The rows are written but not committed; the process dies as a power cut would end it.
    assert Path(str(db) + "-journal").exists()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    with open_store(db) as store:
        assert [(ld.period, ld.id) for ld in store.loads()] == [("2022-6T", kept.load.id)]
        fig = read_provincial(merged["half"])
        assert set(store.values(kept.load.id)) == {u for u, v in fig.by_unit.items() if v} | {"TINH"}
    assert _count(db, "SELECT COUNT(*) FROM value WHERE load_id != ?", kept.load.id) == 0
    assert _count(db, "PRAGMA application_id") == APPLICATION_ID
    # The store still takes the period afterwards.
    with open_store(db) as store:
        assert not add_provincial(store, merged["full"]).unchanged


def test_the_consolidators_adjustments_are_recorded(tmp_path, merged):
    """An adjustment typed in TONG_HOP.xlsx (as Excel would) is stored with its reason and the computed figure."""
    import openpyxl

    src = tmp_path / "TONG_HOP.xlsx"
    shutil.copy(merged["half"], src)
    wb = openpyxl.load_workbook(src)
    for suffix, value in (("_DC", "1.234"), ("_LD", "Số liệu của Cục Thống kê")):
        sheet, ref = next(iter(wb.defined_names["TH3_3_1_1" + suffix].destinations))
        wb[sheet][ref.replace("$", "")] = value
    wb.save(src)
    fig = read_provincial(src)
    with open_store(tmp_path / "h.sqlite") as store:
        added = add_provincial(store, src)
        assert store.adjustments(added.load.id) == [
            (3, "3.1.1", 1234.0, None, fig.adjustments[0].computed, None, "Số liệu của Cục Thống kê")]
        assert store.values(added.load.id)["TINH"]["3:3.1.1"] == 1234.0  # the figure as approved
