"""Kiểm tra cài đặt add-in xlcchc trên một máy Windows có Excel (smoke test, issue 14).

Chạy trong Command Prompt, bằng đúng Python đã cài xlcchc:

    python scripts\\kiem_tra_cai_dat.py

What it does, for whoever has Excel (the project's CI has none):
1. starts its own Excel, with XLCCHC_KIEM_TRA_CAI_DAT in its environment, so that neither the VBA
   nor Python opens a dialog that would block the run (the folder picker and the period box read
   thu-muc.txt / ky.txt written here; messages go to the status bar or to thong-bao.jsonl, which
   this script reads), and installs the freshly built add-in through xlwings
   (`xlwings addin install`'s own routine: copy into XLSTART, open it);
2. in a work folder whose path has Vietnamese letters, runs every ribbon callback with
   `app.api.Run`: with no workbook open, with an unsaved workbook, on a sample return, on a hostile
   return (an xlcchc.conf sheet and a .zip of code beside it), Tổng hợp, Xuất phụ lục, Tạo biểu mẫu,
   Hướng dẫn; enters each worksheet function in cells;
3. writes the result, item by item (ĐẠT / KHÔNG ĐẠT / BỎ QUA), to kiem-tra-cai-dat.txt in the work
   folder and on screen. Exit status 0 when everything passed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "bao-cao-2022"
SAMPLE = "BC_CCHC_2022_H-NGA-SON.xlsx"  # one planted error: 3.2.2 > 3.2.1 in Biểu mẫu 3
ADDIN = "xlcchc.xlam"
ENV = "XLCCHC_KIEM_TRA_CAI_DAT"
PASS, FAIL, SKIP = "ĐẠT", "KHÔNG ĐẠT", "BỎ QUA"


@dataclass
class Report:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, item: str, ok: bool | None, detail: str = "") -> None:
        status = SKIP if ok is None else PASS if ok else FAIL
        self.rows.append((status, item, detail))
        print(f"[{status}] {item}" + (f" — {detail}" if detail else ""), flush=True)

    def text(self) -> str:
        failed = sum(1 for s, _i, _d in self.rows if s == FAIL)
        head = [
            "KẾT QUẢ KIỂM TRA CÀI ĐẶT ADD-IN XLCCHC",
            f"Máy: {os.environ.get('COMPUTERNAME', '?')} — Python: {sys.executable}",
            f"Tổng cộng {len(self.rows)} mục: {len(self.rows) - failed} đạt hoặc bỏ qua, {failed} không đạt.",
            "",
        ]
        body = [f"[{s}] {i}" + (f"\n        {d}" if d else "") for s, i, d in self.rows]
        return "\n".join(head + body) + "\n"

    @property
    def ok(self) -> bool:
        return all(s != FAIL for s, _i, _d in self.rows)


def excel_exe() -> str:
    """EXCEL.EXE from the registry's App Paths (where Windows itself finds it)."""
    import winreg

    for hive in (winreg.HKEY_CURRENT_USER, winreg.HKEY_LOCAL_MACHINE):
        try:
            with winreg.OpenKey(hive, r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe") as key:
                return winreg.QueryValue(key, None)
        except OSError:
            continue
    raise SystemExit("Không tìm thấy Microsoft Excel trên máy này (App Paths\\excel.exe).")


def start_excel(workdir: Path):
    """An Excel of our own, started with the smoke-test environment, as an xlwings App."""
    import xlwings as xw

    env = dict(os.environ, **{ENV: str(workdir)})
    before = set(xw.apps.keys()) if xw.apps else set()
    proc = subprocess.Popen([excel_exe(), "/x", "/e"], env=env)  # /x: own process, /e: no start screen
    for _ in range(120):
        time.sleep(0.5)
        new = [pid for pid in (xw.apps.keys() if xw.apps else []) if pid not in before]
        if proc.pid in new or new:
            app = xw.apps[proc.pid if proc.pid in new else new[0]]
            app.display_alerts = False
            return app
    raise SystemExit("Excel không khởi động được trong 60 giây.")


def messages(workdir: Path) -> list[dict]:
    log = workdir / "thong-bao.jsonl"
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text("utf-8").splitlines() if line.strip()]


def run(app, workdir: Path, macro: str) -> tuple[dict | None, str]:
    """Run one ribbon callback of the add-in; returns (the new Python message, the status bar text).

    `Application.Run` returns when the macro has: RunPython waits for Python to finish."""
    seen = len(messages(workdir))
    app.api.StatusBar = False
    app.api.Run(f"'{ADDIN}'!{macro}", app.api)  # a callback takes the ribbon control: any object will do
    for _ in range(10):  # the message file is written just before Python exits
        new = messages(workdir)[seen:]
        if new:
            break
        time.sleep(0.3)
    status = app.api.StatusBar
    return (new[-1] if new else None), (status if isinstance(status, str) else "")


def answer(workdir: Path, name: str, value: str) -> None:
    """What the folder picker or the input box would have returned (read by the VBA in test mode)."""
    (workdir / name).write_text(value, encoding="utf-16")


def hostile_folder(workdir: Path) -> Path:
    """A return with an xlcchc.conf sheet, a .zip and a package of code beside it."""
    import openpyxl

    folder = workdir / "Báo cáo lạ"
    folder.mkdir()
    marker = folder / "MA_LA_DA_CHAY.txt"
    wb = openpyxl.load_workbook(SAMPLES / SAMPLE)
    conf = wb.create_sheet("xlcchc.conf")
    for i, (k, v) in enumerate([("PYTHONPATH", str(folder)), ("ADD_WORKBOOK_TO_PYTHONPATH", "true")], 1):
        conf.cell(i, 1, k)
        conf.cell(i, 2, v)
    wb.save(folder / "BC_X.xlsx")
    payload = f"open({str(marker)!r}, 'w').write('x')\n"
    with zipfile.ZipFile(folder / "BC_X.zip", "w") as z:
        for name in ("xlcchc/__init__.py", "xlcchc/excel/__init__.py", "xlcchc/excel/entry.py"):
            z.writestr(name, payload)
    (folder / "xlcchc").mkdir()
    (folder / "xlcchc" / "__init__.py").write_text(payload)
    (folder / "xlcchc.conf").write_text(f'"PYTHONPATH","{folder}"\n')
    return folder


def wait_value(rng, bad=(None, "#N/A", "#GETTING_DATA"), timeout: float = 90):
    end = time.time() + timeout
    value = rng.value
    while time.time() < end and (value in bad or (isinstance(value, str) and value.startswith("#"))):
        time.sleep(1)
        rng.sheet.book.app.calculate()
        value = rng.value
    return value


def smoke(report: Report, workdir: Path, keep: bool) -> None:
    import xlwings as xw
    from xlwings import cli as xwcli

    from xlcchc.excel import addin

    xlam = addin.build_addin(workdir / ADDIN)
    conf = addin.write_config(addin.config_path(), sys.executable)
    report.add("Tạo add-in và ghi cấu hình Python", True, f"{xlam} — {conf}")
    app = start_excel(workdir)
    try:
        xwcli._addin_install(str(xlam))  # xlwings' own install: copy into XLSTART, open it
        installed = Path(app.startup_path) / ADDIN
        report.add("Cài add-in vào XLSTART qua xlwings", installed.is_file(), str(installed))
        try:
            app.api.Run(f"'{ADDIN}'!CCHC_DangKyHam")
            report.add("Đăng ký nhóm hàm CCHC (Application.MacroOptions)", True)
        except Exception as e:  # noqa: BLE001
            report.add("Đăng ký nhóm hàm CCHC (Application.MacroOptions)", False, str(e))

        for book in list(app.books):
            book.close()
        msg, status = run(app, workdir, "CCHC_KiemTra")
        report.add("Kiểm tra khi không mở tệp nào: báo bằng tiếng Việt, không lỗi 91",
                   "Hãy mở báo cáo" in status, status)

        returns = workdir / "Báo cáo nộp"
        shutil.copytree(SAMPLES, returns, ignore=shutil.ignore_patterns("~$*", "*.md"))
        answer(workdir, "thu-muc.txt", str(returns))
        msg, status = run(app, workdir, "CCHC_TongHop")
        tong_hop = workdir / "TONG_HOP.xlsx"
        report.add("Tổng hợp khi không mở tệp nào", bool(msg) and tong_hop.is_file(), (msg or {}).get("text", status))

        msg, status = run(app, workdir, "CCHC_HuongDan")
        report.add("Hướng dẫn (trang HTML có hình)", bool(msg) and ".html" in msg.get("text", ""),
                   (msg or {}).get("text", status)[-200:])

        book = app.books.add()
        msg, status = run(app, workdir, "CCHC_KiemTra")
        report.add("Kiểm tra sổ chưa lưu: nhắc lưu trước", bool(msg) and "chưa được lưu" in msg["text"],
                   (msg or {}).get("text", status))
        book.close()

        sample = workdir / "Báo cáo của đơn vị" / SAMPLE
        sample.parent.mkdir()
        shutil.copyfile(SAMPLES / SAMPLE, sample)
        book = app.books.open(str(sample))
        msg, status = run(app, workdir, "CCHC_KiemTra")
        marked = "Kết quả kiểm tra" in [s.name for s in book.sheets]
        report.add("Kiểm tra báo cáo mẫu (đường dẫn có dấu): 1 lỗi, ô tô màu, trang kết quả",
                   bool(msg) and msg["text"].startswith("Có 1 lỗi") and marked, (msg or {}).get("text", status)[:160])

        cell = book.sheets["Bìa"].range("H1")
        cell.formula = "=CCHC_SOLOI()"
        value = wait_value(cell)
        report.add("Hàm CCHC_SOLOI() trong báo cáo", value == 1, repr(value))
        book.close()

        hostile = hostile_folder(workdir)
        book = app.books.open(str(hostile / "BC_X.xlsx"))
        msg, status = run(app, workdir, "CCHC_KiemTra")
        ran = (hostile / "MA_LA_DA_CHAY.txt").exists()
        report.add("Báo cáo lạ (trang xlcchc.conf, tệp .zip, thư mục mã bên cạnh) không chạy được mã",
                   bool(msg) and not ran, "mã lạ ĐÃ chạy!" if ran else (msg or {}).get("text", status)[:120])
        book.close()

        unc = "\\\\localhost\\" + str(sample).replace(":", "$", 1)
        if Path(unc).is_file():
            book = app.books.open(unc)
            msg, status = run(app, workdir, "CCHC_KiemTra")
            report.add("Kiểm tra báo cáo trên đường dẫn mạng (\\\\localhost\\…)",
                       bool(msg) and msg["text"].startswith("Có 1 lỗi"), unc)
            book.close()
        else:
            report.add("Kiểm tra báo cáo trên đường dẫn mạng", None, f"không mở được {unc} (chia sẻ quản trị tắt)")

        if tong_hop.is_file():
            book = app.books.open(str(tong_hop))
            msg, status = run(app, workdir, "CCHC_XuatPhuLuc")
            report.add("Xuất phụ lục từ bảng tổng hợp", (workdir / "PHU_LUC.xlsx").is_file(),
                       (msg or {}).get("text", status))
            for b in list(app.books):
                b.close()

        forms = workdir / "Biểu mẫu mới"
        forms.mkdir()
        answer(workdir, "thu-muc.txt", str(forms))
        answer(workdir, "ky.txt", "Năm 2024")
        msg, status = run(app, workdir, "CCHC_TaoBieuMau")
        made = list(forms.glob("*.xlsx"))
        report.add("Tạo biểu mẫu cho mọi đơn vị (kỳ Năm 2024)", bool(made), f"{len(made)} tệp")

        book = app.books.add()
        book.save(str(workdir / "Thử hàm.xlsx"))
        sheet = book.sheets[0]
        sheet["A1"].formula = "=CCHC_TYLE(1,3)"
        sheet["A2"].formula = "=ISERROR(CCHC_TYLE(1,0))"
        report.add("Hàm CCHC_TYLE(1;3) = 33,33", wait_value(sheet["A1"]) == 33.33, repr(sheet["A1"].value))
        report.add("CCHC_TYLE(1;0) là lỗi Excel (#DIV/0!)", wait_value(sheet["A2"], bad=(None,)) is True,
                   repr(sheet["A2"].value))
        if tong_hop.is_file():
            from xlcchc.merge import read_provincial

            fig = read_provincial(tong_hop)
            key = next(k for k, v in sorted(fig.values.items()) if isinstance(v, (int, float)))
            form, code = key.split(":")
            sheet["A3"].formula = f'=CCHC_GIATRI("{fig.unit}",{form},"{code}","{tong_hop}")'
            got = wait_value(sheet["A3"])
            report.add("Hàm CCHC_GIATRI đọc bảng tổng hợp", got == fig.values[key], f"{got!r} (mong đợi {fig.values[key]!r})")
        book.close()
    finally:
        if not keep:
            try:
                app.quit()
            except Exception:  # noqa: BLE001
                pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kiểm tra cài đặt add-in xlcchc trên Windows có Excel.")
    parser.add_argument("--giu-excel", action="store_true", help="không đóng Excel khi xong (để xem)")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("win"):
        print("Kịch bản này chỉ chạy trên Windows có Microsoft Excel.", file=sys.stderr)
        return 2
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    workdir = Path(tempfile.mkdtemp(prefix="xlcchc-kiểm-tra-"))
    os.environ[ENV] = str(workdir)  # inherited by the Excel this script starts
    report = Report()
    try:
        smoke(report, workdir, args.giu_excel)
    except Exception as e:  # noqa: BLE001 - the report says where it stopped
        report.add("Chạy kịch bản kiểm tra", False, f"{type(e).__name__}: {e}")
    out = workdir / "kiem-tra-cai-dat.txt"
    out.write_text(report.text(), encoding="utf-8-sig")  # BOM: Notepad shows the diacritics
    print(f"\nBáo cáo: {out}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
