"""Conventions shared by the template writer and every reader of a workbook.

A returned workbook is found by these names and this metadata, never by row numbers: the template
writes them, the reader trusts only them, and a change here is a change of the file format (bump
`FORMAT_VERSION`).
"""

from __future__ import annotations

import re
from functools import lru_cache

FORMAT_VERSION = "1"

COVER_SHEET = "Bìa"
CHECK_SHEET = "Kiểm tra"
META_SHEET = "_xlcchc"  # very hidden: key/value pairs, columns A and B, from row 1
RESULT_SHEET = "Kết quả kiểm tra"  # added by `check --annotate`
#: Where `check --annotate` marks its copy as its own: a hidden cell of the result sheet holding this prefix and
#: the digest of the figures as annotated (`xlcchc.read.model.content_digest`). The merge skips a copy whose
#: figures are still those (the tool's own output); a copy the unit has corrected reads as its return.
ANNOTATION_CELL = "H1"
ANNOTATION_PREFIX = "xlcchc-ban-danh-dau:v1:"
TASK_SHEET = "Nhiệm vụ"  # the plan's tasks the unit leads (only in templates of a period with a plan)
PLAN_META = "plan"  # optional metadata key (after META_KEYS): "<plan id>:<plan fingerprint>"


def form_sheet(form: int) -> str:
    return f"Biểu mẫu {form}"


@lru_cache(maxsize=8192)
def _code_part(code: str) -> str:
    return _NOT_NAME.sub("_", code)


_NOT_NAME = re.compile(r"[^0-9A-Za-z]")


def value_name(form: int, code: str) -> str:
    """Workbook-level defined name of the value cell of indicator `form:code` (`BM3_3_1_2`)."""
    return f"BM{form}_{_code_part(code)}"


def note_name(form: int, code: str) -> str:
    """Defined name of the note (Ghi chú) cell of an indicator (`BM3_3_1_2_GC`)."""
    return value_name(form, code) + "_GC"


_VALUE_NAME = re.compile(r"^BM(\d+)_([0-9A-Za-z_]+?)(_GC)?$")


def parse_name(name: str) -> tuple[int, str, bool] | None:
    """(form, code-part, is_note) of a name written by `value_name`/`note_name`; None for other names.

    The code part has `.` replaced by `_`; map it back through the catalog (`code_part`), not by guessing.
    """
    m = _VALUE_NAME.match(name)
    if not m:
        return None
    return int(m.group(1)), m.group(2), bool(m.group(3))


def code_part(code: str) -> str:
    return _code_part(code)


def task_name(task_id: str, field: str) -> str:
    """Defined name of a task's input cell on the “Nhiệm vụ” sheet: `NV_01_3_TT` (status), `_NGAY`, `_SP`, `_GC`."""
    return f"NV_{_code_part(task_id)}_{field}"


# Cover-sheet inputs (the unit fills them), by defined name.
COVER_FIELDS = {
    "BIA_NGUOI_LAP": "Người lập biểu",
    "BIA_DIEN_THOAI": "Điện thoại",
    "BIA_NGAY_GUI": "Ngày gửi báo cáo",
    "BIA_TRANG_THAI": "Trạng thái báo cáo",  # Dự thảo / Chính thức
}
STATUS_FINAL = "Chính thức"
STATUS_DRAFT = "Dự thảo"

# Metadata keys in META_SHEET (and the defined names XLCCHC_<KEY> pointing at their value cells).
META_KEYS = (
    "format",  # FORMAT_VERSION
    "regime",  # catalog regime id
    "fingerprint",  # Catalog.fingerprint
    "unit",  # reporting unit code
    "unit_name",
    "period",  # period code, e.g. 2022-N
    "period_label",
    "layout",  # hash of the name → cell map the template wrote (detects inserted/removed rows)
)


#: Keys written only when the unit has them (after META_KEYS, so templates of units without them are unchanged).
OPTIONAL_META_KEYS = (
    "official_code",  # mã đơn vị hành chính of a commune or province (vietnam-provinces)
    "signature",  # HMAC of the consolidating office over the keys the reader trusts (xlcchc.signing)
)


#: 0-based row of PLAN_META on the metadata sheet: after every other key, so that it never shares a row with an
#: optional key (a commune leading plan tasks also has an official code).
PLAN_META_INDEX = len(META_KEYS) + len(OPTIONAL_META_KEYS)


def meta_name(key: str) -> str:
    return f"XLCCHC_{key.upper()}"


# --- the layout fingerprint (shared by the template writer and the reader) ----------------------

_REF = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


def split_ref(ref: str) -> tuple[str, str] | None:
    """(sheet, `C12`) of a defined name's target such as `'Biểu mẫu 3'!$C$12`; None for anything else.

    Both sides need one normal form: xlsxwriter, openpyxl and Excel quote and `$` sheet references
    differently, and a re-saved workbook must still hash the same.
    """
    m = _REF.match(ref.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    return sheet, f"{m.group(3)}{m.group(4)}"


def is_layout_name(name: str) -> bool:
    """Names the template writes (value, note, cover and metadata cells); other names a user adds are ignored."""
    return _VALUE_NAME.match(name) is not None or name.startswith(("BIA_", "XLCCHC_", "NV_"))  # = parse_name(name) is not None


def layout_hash(names: dict[str, str]) -> str:
    """Hash of the `name=Sheet!$C$R` map over layout names, written as metadata `layout`.

    The reader recomputes it from the returned workbook: an inserted or deleted row moves the cells
    the names point at, a deleted name drops a line; either changes the hash. Unparseable targets
    (`#REF!` after a deleted row) are kept verbatim so they change it too.
    """
    from .digest import sha256

    lines = []
    for name in sorted(n for n in names if is_layout_name(n)):
        # `split_ref`'s match, written `Sheet!$C$12`: its column is the letters and its row the digits of
        # the cell it gives (the column group holds only letters, the row group only digits).
        m = _REF.match(names[name].strip())
        if m:
            sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
            lines.append(f"{name}={sheet}!${m.group(3)}${m.group(4)}")
        else:
            lines.append(f"{name}={names[name]}")
    return sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]
