"""Worksheet functions of the add-in: CCHC_TYLE, CCHC_GIATRI, CCHC_SOLOI.

They reach Excel through xlwings (Windows: `XLPy.CallUDF`, from the VBA wrappers the add-in build
generates from the metadata below). A worksheet function must never raise: a Python exception
would show up as a long error text in the cell, so every bad input returns an Excel error value
instead (`#VALUE!` for an argument of the wrong type, `#DIV/0!`, `#N/A` for "no such unit/row",
`#REF!` for a provincial workbook that cannot be read). Templates never call these functions:
their own formulas and check sheet work without the add-in.
"""

from __future__ import annotations

import inspect
import math
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import xlwings as xw

#: Excel's error values with the HRESULT that COM uses for them (CVErr codes 2000 + n).
XL_ERRORS = {
    "#NULL!": -2146826288,
    "#DIV/0!": -2146826281,
    "#VALUE!": -2146826273,
    "#REF!": -2146826265,
    "#NAME?": -2146826259,
    "#NUM!": -2146826252,
    "#N/A": -2146826246,
}


class XlError(str):
    """An Excel error value, e.g. `XlError("#VALUE!")`; compares equal to its text."""


def excel_error(name: str) -> Any:
    """The value a UDF returns for an error: a real error cell in Excel on Windows, else `XlError`.

    xlwings hands a UDF's return value to COM unchanged when it is not a date/number/None, so a
    pywin32 VARIANT of type VT_ERROR arrives in the cell as the error itself (not as text), and
    ISERROR/IFERROR work on it.
    """
    if name not in XL_ERRORS:
        raise ValueError(name)
    if sys.platform.startswith("win"):
        try:
            import pythoncom
            from win32com.client import VARIANT

            return VARIANT(pythoncom.VT_ERROR, XL_ERRORS[name])
        except ImportError:  # pragma: no cover - pywin32 is an xlwings dependency on Windows
            pass
    return XlError(name)


def _describe(f: Callable, *, volatile: bool = False, call_in_wizard: bool = True, category: str = "CCHC",
              docs: dict[str, str] | None = None) -> None:
    """Set `f.__xlfunc__` the way `xlwings.udfs.xlfunc` does, where that decorator is a no-op.

    On Windows `xw.func` records this metadata itself; elsewhere (Linux, macOS) xlwings' UDF module
    needs pywin32 and `xw.func` leaves the function bare, yet the add-in build (which may run on
    any system) reads the metadata to write the VBA wrappers.
    """
    sig = inspect.signature(f)
    args, argmap = [], {}
    for pos, p in enumerate(sig.parameters.values()):
        info: dict[str, Any] = {
            "name": p.name,
            "pos": pos,
            "vba": None,
            "doc": (docs or {}).get(p.name, "Positional argument " + str(pos + 1)),
            "vararg": p.kind is inspect.Parameter.VAR_POSITIONAL,
            "options": {},
        }
        if p.default is not inspect.Parameter.empty:
            info["optional"] = p.default
        args.append(info)
        argmap[p.name] = info
    f.__xlfunc__ = {
        "name": f.__name__,
        "sub": False,
        "args": args,
        "argmap": argmap,
        "ret": {"doc": f.__doc__ or "", "options": {}},
        "category": category,
        "call_in_wizard": call_in_wizard,
        "volatile": volatile,
        "async_mode": None,
    }


def udf(docs: dict[str, str] | None = None, **kwargs: Any) -> Callable[[Callable], Callable]:
    """`xw.func(**kwargs)` with `xw.arg(name, doc=…)` per argument (the help Excel shows in Insert
    Function), plus the same registration metadata where xlwings does not record it."""

    def inner(f: Callable) -> Callable:
        for name, doc in (docs or {}).items():  # before xw.func: xlwings' arg() resets category/volatile
            f = xw.arg(name, doc=doc)(f)
        f = xw.func(category="CCHC", **kwargs)(f)
        if not hasattr(f, "__xlfunc__"):
            _describe(f, category="CCHC", docs=docs, **kwargs)
        return f

    return inner


# --- argument helpers -------------------------------------------------------------------------------


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _code_text(v: Any) -> str | None:
    """An indicator code as typed in a cell: text `3.1.2`, or a number Excel made of `3` or `3.1`."""
    if isinstance(v, str):
        return v.strip() or None
    n = _number(v)
    if n is None:
        return None
    return str(int(n)) if n.is_integer() else repr(n)


# --- CCHC_TYLE ----------------------------------------------------------------------------------------


@udf(docs={"tu_so": "Tử số: số lượng (ô hoặc số).", "mau_so": "Mẫu số: tổng số (ô hoặc số), khác 0."})
def CCHC_TYLE(tu_so, mau_so):
    """Tỷ lệ phần trăm = tử số / mẫu số × 100, làm tròn 2 chữ số thập phân như trong biểu mẫu."""
    from ..formulas import percent_shown

    if _blank(tu_so) or _blank(mau_so):
        return ""  # like the template's own ratio cells: blank until both figures are there
    num, den = _number(tu_so), _number(mau_so)
    if num is None or den is None:
        return excel_error("#VALUE!")
    if num < 0 or den < 0:
        return excel_error("#NUM!")
    if den == 0:
        return excel_error("#DIV/0!")
    shown = percent_shown(num, den)  # 99,99 rather than 100 when a few are missing
    return excel_error("#NUM!") if shown is None else shown  # 1/5e-324: what the template's own cell shows


# --- CCHC_GIATRI ----------------------------------------------------------------------------------


_cache_lock = threading.Lock()
_provincial_cache: dict[tuple[str, int, int], Any] = {}


def provincial_figures(path: Path | str):
    """`read_provincial(path)`, cached by path, size and modification time (a recalculation of a sheet
    full of CCHC_GIATRI formulas reads the workbook once, and again only after it is saved)."""
    from ..merge import read_provincial

    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_mtime_ns, st.st_size)
    with _cache_lock:
        hit = _provincial_cache.get(key)
    if hit is not None:
        return hit
    fig = read_provincial(p)
    with _cache_lock:
        for k in [k for k in _provincial_cache if k[0] == key[0]]:
            del _provincial_cache[k]
        _provincial_cache[key] = fig
    return fig


def _caller_path(caller: Any) -> str | None:
    try:
        full = caller.sheet.book.fullname
    except Exception:  # noqa: BLE001 - no caller (called from VBA) or an unsaved workbook
        return None
    return full if full and os.path.isabs(full) else None


@udf(docs={
    "ma_don_vi": "Mã đơn vị báo cáo, hoặc mã của tỉnh để lấy số liệu toàn tỉnh.",
    "bieu_mau": "Số biểu mẫu, từ 1 đến 7.",
    "ma_chi_tieu": "Mã chỉ tiêu như trong biểu mẫu, ví dụ \"3.1.2\".",
    "tep_tong_hop": "Đường dẫn bảng tổng hợp (không bắt buộc; mặc định là tệp đang chứa công thức).",
})
def CCHC_GIATRI(ma_don_vi, bieu_mau, ma_chi_tieu, tep_tong_hop=None, caller=None):
    """Số liệu của một đơn vị (hoặc toàn tỉnh) trong bảng tổng hợp: mã đơn vị, số biểu mẫu, mã chỉ tiêu[, tệp tổng hợp]."""
    form = _number(bieu_mau)
    code = _code_text(ma_chi_tieu)
    unit = ma_don_vi.strip() if isinstance(ma_don_vi, str) else _code_text(ma_don_vi)
    if form is None or not form.is_integer() or code is None or not unit:
        return excel_error("#VALUE!")
    path = tep_tong_hop if isinstance(tep_tong_hop, str) and tep_tong_hop.strip() else _caller_path(caller)
    if path is None:
        return excel_error("#REF!")
    try:
        fig = provincial_figures(path)
    except Exception:  # noqa: BLE001 - missing, locked or not a provincial workbook
        return excel_error("#REF!")
    key = f"{int(form)}:{code}"
    if unit.upper() == fig.unit.upper():
        values = fig.values
    else:
        values = next((v for u, v in fig.by_unit.items() if u.upper() == unit.upper()), None)
        if values is None:
            return excel_error("#N/A")
    if key not in values:
        return excel_error("#N/A")
    v = values[key]
    return "" if v is None else v


# --- CCHC_SOLOI -----------------------------------------------------------------------------------


_errors_cache: dict[tuple[str, int, int], int] = {}


def count_errors_in(path: Path | str) -> int:
    """Errors (severity Lỗi) the shared check finds in the saved workbook, cached by mtime."""
    from ..check import check_file
    from ..findings import count_errors

    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_mtime_ns, st.st_size)
    with _cache_lock:
        if key in _errors_cache:
            return _errors_cache[key]
    n = count_errors(check_file(p))
    with _cache_lock:
        _errors_cache[key] = n
    return n


@udf(volatile=True)
def CCHC_SOLOI(caller=None):
    """Số lỗi của báo cáo này (theo lần lưu gần nhất), như nút Kiểm tra đếm."""
    path = _caller_path(caller)
    if path is None:
        return excel_error("#N/A")  # a workbook never saved has no file to check yet
    try:
        return count_errors_in(path)
    except Exception:  # noqa: BLE001
        return excel_error("#REF!")
