"""Faults and output hygiene (issue #13): devices are never opened, CSV never runs, the console never
receives a file's control characters raw, library warnings never reach the user."""

import os
import subprocess
import sys
import time

import pytest

from xlcchc.check import check_file
from xlcchc.read import ReturnError, read_return
from xlcchc.values import dump_values, export_values, load_values_file

from .bad_inputs.make_corpus import filled, set_values
from .conftest import ROOT


#: A regression here reads /dev/zero (or 1e300 rows) until memory runs out: the risky part runs first in a
#: child with this much address space and a timeout, so that it fails as a test, not as the machine.
CHILD_MEMORY = 2 * 1024**3


def _capped() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def _run_capped(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          timeout=timeout, preexec_fn=_capped)


def test_check_dev_zero_is_refused_at_once():
    t = time.monotonic()
    r = _run_capped(["-m", "xlcchc", "check", "/dev/zero"], timeout=60)
    assert r.returncode == 2 and "không phải tệp dữ liệu thông thường" in r.stdout + r.stderr, r.stdout + r.stderr
    with pytest.raises(ReturnError) as ei:
        read_return("/dev/zero")
    assert ei.value.code == "doc.not_file" and "không phải tệp dữ liệu thông thường" in str(ei.value)
    assert time.monotonic() - t < 60  # (the old reader read /dev/zero until memory ran out)


def test_merge_skips_fifos_and_links_to_devices_without_opening_them(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "snv.xlsx").write_bytes(filled())
    os.mkfifo(folder / "pipe.xlsx")  # opening it for reading would block the merge forever
    (folder / "zero.xlsx").symlink_to("/dev/zero")
    code = ("import json, sys; from xlcchc.merge import merge_folder\n"
            "fig = merge_folder(sys.argv[1], sys.argv[2])\n"
            "print(json.dumps({s.file: [s.unit, s.detail] for s in fig.status if s.file}))")
    try:  # in a child: opening the FIFO would hang it (a timeout here), reading /dev/zero exhaust its memory
        r = _run_capped(["-c", code, str(folder), str(tmp_path / "TONG_HOP.xlsx")], timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the merge opened the FIFO and blocked")
    assert r.returncode == 0, r.stderr
    import json

    by_file = json.loads(r.stdout.strip().splitlines()[-1])
    for name in ("pipe.xlsx", "zero.xlsx"):
        assert "không mở" in by_file[name][1], name
    assert by_file["snv.xlsx"][0] == "SNV"


def test_csv_export_neutralises_formula_text_and_starts_with_a_bom(tmp_path):
    probe = tmp_path / "probe.xlsx"
    probe.write_bytes(filled())
    rows0 = export_values(probe).values  # the rows the unit fills, whatever the catalog
    keys = [r.key for r in rows0]
    texts = ["=HYPERLINK(\"http://x\",\"bấm\")", "+1", "-2+3", "@SUM(A1)", "\tx", "bình thường"]
    notes = dict(zip(keys, texts))
    value_key = next(r.key for r in rows0[len(texts):] if isinstance(r.value, int))  # an input row, not a ratio
    src = tmp_path / "r.xlsx"
    src.write_bytes(set_values(filled(), {value_key: "=1+1"}, notes))
    doc = export_values(src)
    text = dump_values(doc, "csv")
    assert text.startswith("\ufeff")
    import csv
    import io

    rows = {(r["form"], r["code"]): r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    for key, note in notes.items():
        f, c = key.split(":")
        cell = rows[(f, c)]["note"]
        assert cell == ("'" + note if note[0] in "=+-@\t\r" else note), key
    assert rows[tuple(value_key.split(":"))]["value"] == "'=1+1"
    from xlcchc.values import csv_safe

    assert csv_safe("\rx") == "'\rx" and csv_safe(-5) == -5 and csv_safe("5-2") == "5-2"
    # The file reads back as it was typed (the apostrophe was ours).
    p = tmp_path / "v.csv"
    p.write_text(text, encoding="utf-8")
    back = load_values_file(p)
    assert back.notes() == {k: v for k, v in doc.notes().items()}
    assert {r.key: r.value for r in back.values}[value_key] == "=1+1"


def test_console_shows_control_characters_of_a_file_as_escapes(tmp_path):
    src = tmp_path / "bad\x1b[2Jname.xlsx"
    src.write_bytes(set_values(filled(), {"3:3.1.1": "12\x1b[31mđỏ"}, {}))
    r = subprocess.run([sys.executable, "-m", "xlcchc", "check", str(src)], capture_output=True, text=True,
                       encoding="utf-8", cwd=ROOT, timeout=120)
    out = r.stdout + r.stderr
    assert "\x1b" not in out and "\\x1b" in out, out[:500]


#: What Excel adds to a sheet when a unit sets a list validation pointing at another sheet (an x14 extension):
#: openpyxl, which writes the annotated copy, warns that it drops it.
X14_VALIDATION = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                  b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                  b'<x14:dataValidations count="0" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
                  b'</ext></extLst></worksheet>')


def test_library_warnings_do_not_reach_the_console(tmp_path):
    """A return openpyxl really warns about (an Excel x14 extension) is annotated without a warning line.

    The first half proves the warning is real (so the second half is not vacuous): openpyxl, loading the
    same file, warns. Through the CLI, as a user runs it, stderr holds no trace of it."""
    import warnings

    import openpyxl

    from .bad_inputs.make_corpus import rewrite_zip

    src = tmp_path / "r.xlsx"
    src.write_bytes(rewrite_zip(filled(), {"xl/worksheets/sheet4.xml": lambda x: x.replace(b"</worksheet>", X14_VALIDATION)}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        openpyxl.load_workbook(src)
    assert any("extension is not supported" in str(w.message) for w in caught), [str(w.message) for w in caught]
    out = tmp_path / "danh_dau.xlsx"
    r = subprocess.run([sys.executable, "-m", "xlcchc", "check", str(src), "--annotate", str(out)],
                       capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    assert r.returncode == 0 and out.exists(), r.stdout + r.stderr
    assert "Warning" not in r.stderr and "not supported" not in r.stderr and "warn(" not in r.stderr, r.stderr


def test_temp_files_of_an_interrupted_run_are_never_read_and_cleaned_next_time(tmp_path):
    from xlcchc.fileio import TEMP_PREFIX, write_bytes
    from xlcchc.merge import merge_folder

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "snv.xlsx").write_bytes(filled())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = folder / f"{TEMP_PREFIX}{int(dead.stdout)}-TONG_HOP.xlsx.abc.xlsx"
    stale.write_bytes(filled("STP"))  # a half-written output of a run that was killed
    fig = merge_folder(folder, folder / "TONG_HOP.xlsx")
    assert not any(s.file and TEMP_PREFIX in s.file for s in fig.status)
    assert "STP" not in {s.unit for s in fig.status if s.file}
    assert not stale.exists()  # the merge's own write cleaned the folder
    write_bytes(tmp_path / "x.bin", b"1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "x.bin"]


def test_provenance_hash_is_of_the_bytes_merged_even_if_the_file_is_replaced_meanwhile(tmp_path):
    """A file replaced between the folder scan and its reading (a colleague saves a corrected return into the
    folder during the merge) is recorded under the hash of the bytes that were read and merged, not of the
    bytes the folder held when the merge started."""
    import hashlib

    from xlcchc.merge import merge_folder

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(filled("SNV"))
    (folder / "b.xlsx").write_bytes(filled("STP"))
    before, after = (folder / "b.xlsx").read_bytes(), filled("SXD")
    replaced = []

    def progress(done, total, name):
        if name == "a.xlsx":  # a.xlsx answered, b.xlsx not yet read
            (folder / "b.xlsx").write_bytes(after)
            replaced.append(name)

    fig = merge_folder(folder, tmp_path / "TONG_HOP.xlsx", workers=1, progress=progress)
    b = {s.file: s for s in fig.status if s.file}["b.xlsx"]
    assert replaced and b.unit == "SXD"  # what was merged is the new file
    assert b.sha256 == hashlib.sha256(after).hexdigest() != hashlib.sha256(before).hexdigest()


def test_text_longer_than_a_cell_is_cut_visibly_with_a_finding(tmp_path):
    from xlcchc.read.interpret import CELL_MAX, CUT_MARK

    src = tmp_path / "r.xlsx"
    src.write_bytes(set_values(filled(), {}, {"3:3.1.1": "x" * 40_000}))
    ret = read_return(src)
    note = ret.notes["3:3.1.1"]
    assert len(note) == CELL_MAX and note.endswith(CUT_MARK)
    cut = [p for p in ret.problems if p.rule == "cell.text_cut"]
    assert cut and "40.000 ký tự" in cut[0].message and cut[0].cell == "'Biểu mẫu 3'!E20"


def test_many_identical_copies_are_rows_not_one_cell(tmp_path):
    from xlcchc.merge import merge_folder

    folder = tmp_path / "in"
    folder.mkdir()
    data = filled()
    for i in range(30):
        (folder / f"snv_{i:02}.xlsx").write_bytes(data)
    fig = merge_folder(folder, tmp_path / "TONG_HOP.xlsx")
    used = [s for s in fig.status if s.unit == "SNV" and s.status != "Trùng"]
    copies = [s for s in fig.status if s.unit == "SNV" and s.status == "Trùng"]
    assert len(used) == 1 and len(copies) == 29
    assert "và 24 bản khác" in used[0].detail and len(used[0].detail) < 500
    assert all("Bản sao giống hệt của “snv_00.xlsx”" in s.detail for s in copies)


def _tong_hop(tmp_path):
    from xlcchc.merge import merge_folder

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "snv.xlsx").write_bytes(filled())
    out = tmp_path / "TONG_HOP.xlsx"
    merge_folder(folder, out)
    return out


@pytest.mark.parametrize("rows", [1e300, float("inf")], ids=["1e300", "inf"])
def test_damaged_provincial_workbook_gives_a_clear_message(tmp_path, rows):
    import openpyxl

    from xlcchc.merge import ProvincialError, read_provincial

    out = _tong_hop(tmp_path)
    wb = openpyxl.load_workbook(out)
    wb["_xlcchc"]["B1"] = rows  # the hidden sheet's row count, edited
    wb.save(out)
    code = "import sys; from xlcchc.merge import read_provincial; read_provincial(sys.argv[1])"
    r = _run_capped(["-c", code, str(out)])  # a regression allocates 1e300 rows: in a child first
    assert "ProvincialError" in r.stderr and "MemoryError" not in r.stderr, r.stderr[-500:]
    with pytest.raises(ProvincialError) as ei:
        read_provincial(out)
    assert "bị sửa hoặc hỏng" in str(ei.value)


def test_absurd_adjustments_are_refused_with_their_row(tmp_path):
    import openpyxl

    from xlcchc.merge import read_provincial

    out = _tong_hop(tmp_path)
    wb = openpyxl.load_workbook(out)
    for name, value in (("TH3_3_1_1_DC", 1e300), ("TH3_3_1_2_DC", -5)):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")] = value
    wb.save(out)
    fig = read_provincial(out)
    assert not fig.adjustments
    found = {f.code: f for f in fig.findings if f.rule == "merge.adjustment_range"}
    assert set(found) == {"3.1.1", "3.1.2"} and "ngoài khoảng hợp lý" in found["3.1.1"].message
    assert found["3.1.1"].cell.startswith("'")


def test_a_worker_killed_mid_merge_costs_nothing_and_the_merge_completes(tmp_path):
    import multiprocessing
    import signal

    from xlcchc.merge import merge_folder

    folder = tmp_path / "in"
    folder.mkdir()
    units = ["STP", "SXD", "SGTVT", "SNV", "H-THO-XUAN", "H-BA-THUOC"]
    for u in units:
        (folder / f"{u}.xlsx").write_bytes(filled(u))
    killed = []

    def progress(done, total, name):
        if not killed:  # after the first answer: kill every worker of the pool (as the OOM killer would)
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    fig = merge_folder(folder, tmp_path / "TONG_HOP.xlsx", workers=2, progress=progress)
    assert killed
    got = {s.unit for s in fig.status if s.file and s.status != "Không hợp lệ"}
    assert set(units) <= got, [(s.file, s.status, s.detail) for s in fig.status if s.file]


def test_a_return_that_kills_its_own_worker_is_invalid_and_the_others_are_merged(tmp_path, monkeypatch):
    """The worker reading one file dies every time it reads it (the hook SIGKILLs it, as the OOM killer would):
    the pool breaks, the files not yet answered are read again alone, that one kills its own process too and
    is Không hợp lệ with a Vietnamese reason; every other file is merged and TONG_HOP.xlsx is written."""
    from xlcchc.merge import merge_folder
    from xlcchc.merge.collect import CRASH_ENV

    folder = tmp_path / "in"
    folder.mkdir()
    units = ["STP", "SXD", "SNV", "H-THO-XUAN", "H-BA-THUOC"]
    for u in units:
        (folder / f"{u}.xlsx").write_bytes(filled(u))
    (folder / "SGTVT_lam_dung_may.xlsx").write_bytes(filled("SGTVT"))
    monkeypatch.setenv(CRASH_ENV, "SGTVT_lam_dung_may.xlsx")
    out = tmp_path / "TONG_HOP.xlsx"
    fig = merge_folder(folder, out, workers=2)
    by_file = {s.file: s for s in fig.status if s.file}
    bad = by_file["SGTVT_lam_dung_may.xlsx"]
    assert bad.status == "Không hợp lệ" and "bị dừng đột ngột" in bad.detail, (bad.status, bad.detail)
    assert {by_file[f"{u}.xlsx"].unit for u in units} == set(units)
    assert all(by_file[f"{u}.xlsx"].status != "Không hợp lệ" for u in units)
    assert "SGTVT" not in fig.by_unit and out.exists()
    # The file itself is a good return: read in the merge's own process (no pool), the hook is not honoured.
    fig1 = merge_folder(folder, tmp_path / "TONG_HOP_1.xlsx", workers=1)
    assert {s.file: s for s in fig1.status if s.file}["SGTVT_lam_dung_may.xlsx"].unit == "SGTVT"


def _strict(data: bytes) -> bytes:
    """The same workbook in Strict Open XML namespaces (what Excel writes for “Strict Open XML Spreadsheet”)."""
    from .bad_inputs.make_corpus import rewrite_zip

    pairs = [
        (b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
        (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", b"http://purl.oclc.org/ooxml/officeDocument/relationships"),
    ]

    def conv(x: bytes) -> bytes:
        for a, b in pairs:
            x = x.replace(a, b)
        return x

    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    return rewrite_zip(data, {n: conv for n in names if n.endswith((".xml", ".rels"))})


def test_strict_ooxml_annotate_refuses_instead_of_writing_a_broken_copy(tmp_path):
    src = tmp_path / "strict.xlsx"
    src.write_bytes(_strict(set_values(filled(), {"3:3.1.1": "abc"})))
    out = tmp_path / "danh_dau.xlsx"
    r = subprocess.run([sys.executable, "-m", "xlcchc", "check", str(src), "--annotate", str(out)],
                       capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    text = r.stdout + r.stderr
    assert "Traceback" not in text
    if out.exists():  # a copy was written: it must be a correct one
        assert "Đã ghi bản sao" in text
        ret = read_return(out)
        assert ret.cells["3:3.1.1"].raw == "abc"
    else:
        assert "Đã ghi bản sao" not in text and "Strict Open XML" in text and r.returncode == 2


def test_a_copy_that_lost_a_layout_name_is_never_written_as_annotated(tmp_path):
    """The second guard of --annotate (for what openpyxl may drop beyond Strict files): a copy missing one of the
    source's sheets or layout names is refused, whatever made it so."""
    from xlcchc.annotate import AnnotateError, _same_structure

    from .bad_inputs.make_corpus import _delete_names, _sheet_remove

    src = filled()
    _same_structure("r.xlsx", src, src)  # an intact copy passes
    for broken in (_delete_names(src, "BM3_3_1_1"), _sheet_remove(src, "Biểu mẫu 7")):
        with pytest.raises(AnnotateError) as ei:
            _same_structure("r.xlsx", src, broken)
        assert "không giữ được trang hoặc tên ô" in str(ei.value)


#: A file name that is not UTF-8 (Linux keeps the bytes; Python hands them over as lone surrogates, and a
#: Windows name may hold an unpaired surrogate itself): printing it raised UnicodeEncodeError, an English
#: traceback message, and stopped the whole merge.
NOT_UTF8_NAME = os.fsdecode(b"bao-cao-\xff\xfe.xlsx")


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlcchc", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, timeout=300)


def test_check_of_a_file_whose_name_is_not_utf8_shows_its_bytes_as_escapes(tmp_path):
    src = tmp_path / NOT_UTF8_NAME
    src.write_bytes(filled())
    r = _run_cli("check", str(src))
    out = r.stdout + r.stderr
    assert r.returncode in (0, 1), out
    assert "UnicodeEncodeError" not in out and "\\udcff\\udcfe" in out, out[:500]


def test_merge_with_a_file_whose_name_is_not_utf8_merges_it_and_the_others(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / NOT_UTF8_NAME).write_bytes(filled())
    (folder / "hai.xlsx").write_bytes(set_values(filled(), {}, {}))
    out = tmp_path / "TONG_HOP.xlsx"
    r = _run_cli("merge", str(folder), "-o", str(out))
    text = r.stdout + r.stderr
    assert r.returncode in (0, 1) and out.exists(), text[-800:]
    assert "UnicodeEncodeError" not in text and "lỗi không mong đợi" not in text, text[-800:]


def test_merge_into_and_history_of_a_provincial_workbook_whose_name_is_not_utf8(tmp_path):
    """The output's name goes into TONG_HOP (its findings and metadata) and the history keeps the file name:
    both raised UnicodeEncodeError for a name holding bytes that are not UTF-8."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "mot.xlsx").write_bytes(filled())
    out = tmp_path / NOT_UTF8_NAME
    r = _run_cli("merge", str(folder), "-o", str(out))
    assert r.returncode in (0, 1) and out.exists(), (r.stdout + r.stderr)[-800:]
    db = tmp_path / "lich_su.sqlite"
    r = _run_cli("history", "add", str(out), "--db", str(db))
    assert r.returncode == 0, (r.stdout + r.stderr)[-800:]
    import sqlite3

    with sqlite3.connect(db) as con:
        assert [f for (f,) in con.execute("SELECT file FROM load")] == ["bao-cao-\\udcff\\udcfe.xlsx"]


@pytest.mark.parametrize("command", [
    ["merge", "{folder}", "-o", "{tmp}/TONG_HOP.xlsx", "--expected", "{device}"],
    ["appendix", "{device}", "-o", "{tmp}/PHU_LUC.xlsx"],
    ["history", "add", "{device}", "--db", "{tmp}/ls.sqlite"],
    ["national", "returns", "{device}", "-o", "{tmp}/tw"],
    ["values", "import", "{device}", "{values}", "-o", "{tmp}/ra.xlsx"],
    ["values", "import", "{template}", "{device}", "-o", "{tmp}/ra.xlsx"],
    ["check", "{device_json}"],
    ["check", "{template}", "--key", "{device}"],
])
def test_a_device_or_fifo_named_on_the_command_line_is_refused_without_reading_it(tmp_path, command):
    """Every file a command line names is read like a return: /dev/zero was read until memory ran out
    (“lỗi không mong đợi (MemoryError)”), a FIFO blocked the command forever."""
    folder = tmp_path / "in"
    folder.mkdir()
    template = tmp_path / "mau.xlsx"
    template.write_bytes(filled())
    (folder / "mot.xlsx").write_bytes(filled())
    values = tmp_path / "so_lieu.json"
    values.write_text(dump_values(export_values(template)), encoding="utf-8")
    fifo = tmp_path / "ong.json"
    os.mkfifo(fifo)
    zero_json = tmp_path / "zero.json"
    zero_json.symlink_to("/dev/zero")
    for device, device_json in (("/dev/zero", zero_json), (fifo, fifo)):
        args = [a.format(folder=folder, tmp=tmp_path, device=device, device_json=device_json, values=values,
                         template=template) for a in command]
        try:
            r = _run_capped(["-m", "xlcchc", *args], timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{args} blocked on {device}")
        out = r.stdout + r.stderr
        assert "không phải tệp dữ liệu thông thường" in out and "không mong đợi" not in out, (args, out[-600:])
        assert r.returncode != 0, (args, out[-600:])


@pytest.mark.parametrize("key,text", [
    ("units#0", "không phải JSON"), ("units#0", "5"), ("units#0", '{"SNV": 1}'),
    ("status#0", "[{"), ("status#0", '[{"x": 1}]'), ("status#0", "[1]"),
    ("unit_findings#0", '[{"severity": "?"}]'), ("unit_findings#0", "[" * 50_000 + "]" * 50_000),
])
def test_an_edited_metadata_blob_of_a_provincial_workbook_is_a_clear_refusal(tmp_path, key, text):
    """The very hidden sheet's JSON, retyped: json's, pydantic's or a TypeError's English reached the user
    (“lỗi không mong đợi (JSONDecodeError: Expecting value …)”) from appendix, history and national."""
    import openpyxl

    from xlcchc.merge import ProvincialError, read_provincial

    out = _tong_hop(tmp_path)
    wb = openpyxl.load_workbook(out)
    ws = wb["_xlcchc"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
    ws.cell(row, 2).value = text
    wb.save(out)
    with pytest.raises(ProvincialError) as ei:
        read_provincial(out)
    blob = key.split("#")[0]
    assert str(ei.value) == (f"“TONG_HOP.xlsx”: thông tin bảng tổng hợp bị sửa hoặc hỏng (mục “{blob}”); "
                             "hãy chạy lại lệnh tổng hợp vào một tệp mới")
    r = _run_capped(["-m", "xlcchc", "appendix", str(out), "-o", str(tmp_path / "PHU_LUC.xlsx")])
    assert r.returncode == 2 and r.stderr == f"Lỗi: {ei.value}\n", r.stderr[-500:]


@pytest.mark.parametrize("key,edit", [
    ("units#0", lambda units: units + units[:1]),  # a unit twice
    ("units#0", lambda units: ["NOPE", *units[1:]]),  # a code the registry does not have
    ("units#0", lambda units: [1, *units[1:]]),  # not a code at all
    ("unit_col", lambda col: "A"),
    ("unit_col", lambda col: "ZZZZZZ"),
])
def test_an_edited_unit_list_or_column_of_a_provincial_workbook_is_refused(tmp_path, key, edit):
    """The per-unit columns are found by the metadata's unit list and first column: retyped, they put one unit's
    figures under another's name and the appendix printed different figures, silently (D-adv, 23:36)."""
    import json

    import openpyxl

    from xlcchc.merge import ProvincialError, read_provincial

    out = _tong_hop(tmp_path)
    before = read_provincial(out).values
    wb = openpyxl.load_workbook(out)
    ws = wb["_xlcchc"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
    old = ws.cell(row, 2).value
    ws.cell(row, 2).value = json.dumps(edit(json.loads(old))) if key.startswith("units") else edit(old)
    wb.save(out)
    with pytest.raises(ProvincialError) as ei:
        read_provincial(out)
    assert str(ei.value) == (f"“TONG_HOP.xlsx”: thông tin bảng tổng hợp bị sửa hoặc hỏng (mục “{key.split('#')[0]}”); "
                             "hãy chạy lại lệnh tổng hợp vào một tệp mới")
    ws.cell(row, 2).value = old  # put back as it was: read as before
    wb.save(out)
    assert read_provincial(out).values == before


@pytest.mark.parametrize("name", [NOT_UTF8_NAME, "c1\x85\x9b[2J.xlsx", "del\x7f.xlsx", "rlo\u202egpj.xlsx"])
def test_check_json_of_a_crafted_file_name_stays_json_and_names_the_file(tmp_path, name):
    """The console's escapes of what a terminal must not get raw are JSON escapes of the same character
    where JSON allows (`\\u0085`, `\\udcff`): `\\x85`, `\\xff` made `check --json`'s output invalid JSON."""
    import json

    src = tmp_path / name
    src.write_bytes(set_values(filled(), {"3:3.1.1": "không phải số"}, {}))  # one finding at least
    r = _run_cli("check", str(src), "--json")
    assert r.returncode == 1, r.stderr
    assert not any(ch in r.stdout for ch in "\x85\x9b\x7f\u202e"), r.stdout[:300]
    assert {row["file"] for row in json.loads(r.stdout)} == {name}
