"""The bundled sample returns of 2022: one realistic workbook per reporting unit, plus a few wrong ones.

Why this exists: the demo, the tests and anyone trying the tool need returns that look like what units
really send and that, merged, give the figures printed in the 2022 appendix (the reference the whole
project is checked against). So the generator starts from the printed provincial figures and splits
them over the units of the registry, following the catalog's aggregation (nothing here names an
indicator except the planted errors, which are sample data):

- `sum` rows: integer apportionment (largest remainder) with size weights of each unit, so the units'
  figures add up to the printed total exactly; `a <= b` rules between summed rows hold per unit;
  parents of `sum` rules are the sums of their breakdown rows per unit;
- `lead` rows: the lead agency's return carries the printed figure (and the printed note); units that
  also fill the row for themselves get their own plausible figures (never summed);
- `share_yes` rows: the printed share of units answer 1;
- `ratio` and `total` rows are derived by the merge and are never written (in a unit's template a
  percentage whose numerator and denominator are on the form is a formula).

Then a few returns are made wrong on purpose (see `PLANTED` and samples/README.md). Everything is
deterministic: a fixed random seed, sorted iteration, fixed dates, so a re-run gives identical bytes.
"""

from __future__ import annotations

import functools
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog.load import load_catalog, registry_of
from .catalog.models import Catalog, Registry, Unit
from .errors import XlcchcError
from .layout import STATUS_DRAFT, STATUS_FINAL
from .numbers import fmt_vn
from .fileio import write_bytes
from .samples_figures import (  # noqa: F401 - the units' figures; the other sample modules import them from here
    MISSING_UNIT,
    SEED,
    TARGET_FILE,
    Target,
    UnitReturn,
    Value,
    _derived_order,
    _sum_targets,
    apportion,
    distribute,
    load_target,
    printed_number,
)

RETURNS_DIR = "bao-cao-2022"  # the folder of returns inside samples/ (README.md sits beside it)


class SamplesError(XlcchcError):
    pass


# --- the planted errors --------------------------------------------------------------------------

# Sample data: the units and rows the wrong returns touch. Each entry also says what the check or the
# merge should report, for samples/README.md and the demo's summary.
TYPO_UNIT, TYPO_DONOR = "H-NGA-SON", "TP-THANH-HOA"  # on-time files > files resolved (3.2.2 > 3.2.1)
TYPO_NUM, TYPO_DEN = "3:3.2.2", "3:3.2.1"
OVERTYPED_UNIT, OVERTYPED_KEY, OVERTYPED_VALUE = "H-HAU-LOC", "3:3.3", 100  # a percentage typed over its formula
TEXT_UNIT, TEXT_KEY = "SGTVT", "3:3.1.1"  # a count typed as text with Vietnamese thousands dots
EQ_NOTE_UNIT, EQ_NOTE_KEY = "TX-NGHI-SON", "3:3.3.1"
EQ_NOTE = "=> Số liệu lấy từ Hệ thống thông tin giải quyết TTHC của tỉnh, chưa gồm hồ sơ nộp tại Công an xã"
TWICE_UNIT = "H-THO-XUAN"  # an older draft and the final return
STALE_UNIT, STALE_PERIOD = "TP-SAM-SON", "2022-6T"  # an extra return of another period
DAMAGED_UNIT = "SXD"  # an extra, truncated copy
LOCK_UNIT = "SNV"  # Excel's `~$` owner file left in the folder


def file_name(unit: str, suffix: str = "") -> str:
    return f"BC_CCHC_2022_{unit}{suffix}.xlsx"


DRAFT_FILE = file_name(TWICE_UNIT, "_du_thao")  # sorts after the final one: file order must not decide
STALE_FILE = f"BC_CCHC_6thang2022_{STALE_UNIT}.xlsx"
DAMAGED_FILE = file_name(DAMAGED_UNIT, " (1)")
LOCK_FILE = "~$" + file_name(LOCK_UNIT)


def plant_typo(returns: dict[str, UnitReturn]) -> tuple[int, int]:
    """One district types more on-time files than files resolved; the totals stay as printed.

    The typed figure is the resolved count with its last two digits swapped (a slip of the keyboard),
    and the larger city's on-time count is lower by the same amount, so the province's sums hold.
    """
    u, donor = returns[TYPO_UNIT].values, returns[TYPO_DONOR].values
    den = int(u[TYPO_DEN])
    s = str(den)
    typed = int(s[:-2] + s[-1] + s[-2]) if len(s) >= 2 and s[-1] > s[-2] else den + 9
    delta = typed - int(u[TYPO_NUM])
    if int(donor[TYPO_NUM]) - delta < 0:
        raise SamplesError("không bù được lỗi gõ nhầm")
    u[TYPO_NUM] = typed
    donor[TYPO_NUM] = int(donor[TYPO_NUM]) - delta
    return typed, den


# --- writing the workbooks -----------------------------------------------------------------------

ZIP_DATE = (2023, 1, 16, 8, 0, 0)
_FAMILY = ["Nguyễn", "Lê", "Trịnh", "Lê", "Hoàng", "Phạm", "Đỗ", "Mai", "Vũ", "Bùi"]
_MIDDLE = ["Văn", "Thị", "Đình", "Thị Thu", "Minh", "Ngọc", "Xuân", "Hữu"]
_GIVEN = ["Hùng", "Lan", "Dũng", "Hương", "Thắng", "Hà", "Tuấn", "Phương", "Nam", "Huyền", "Quang", "Trang"]


def _cover(rng: random.Random, day: int, status: str, month: int = 1, year: int = 2023) -> dict[str, Any]:
    import datetime as dt

    name = f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
    phone = f"0237.{rng.randint(3700, 3899)}.{rng.randint(100, 999)}"
    return {
        "BIA_NGUOI_LAP": name,
        "BIA_DIEN_THOAI": phone,
        "BIA_NGAY_GUI": dt.date(year, month, day),
        "BIA_TRANG_THAI": status,
    }


def _xml_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell_xml(addr: str, attrs: str, value: Any) -> bytes:
    import datetime as dt

    attrs = re.sub(r'\s+t="[^"]*"', "", attrs).rstrip("/").rstrip()
    if isinstance(value, dt.date):
        value = (value - dt.date(1899, 12, 30)).days
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    if isinstance(value, (int, float)):
        v = repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
        return f'<c r="{addr}"{attrs}><v>{v}</v></c>'.encode()
    return f'<c r="{addr}"{attrs} t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'.encode()


def patch_cells(data: bytes, edits: dict[str, Any], *, unprotect: bool = False) -> bytes:
    """Set cells found by defined name, the way a person typing in Excel would (formulas are replaced).

    Used for the cover fields and for the planted “typed over a formula” return: a zip-level edit of
    the sheet XML keeps every other byte (protection, validation, styles) and the fixed zip dates.
    With `unprotect`, the edited sheets also lose their protection (the unit unprotected the sheet).
    """
    from .template import load_book_bytes, rewrite_zip

    names = load_book_bytes(data).names  # defined name → (sheet part, cell)
    by_member: dict[str, dict[str, Any]] = {}
    for name, value in edits.items():
        if name not in names:
            raise SamplesError(f"tên ô {name} không hợp lệ")
        member, ref = names[name]
        by_member.setdefault(member, {})[ref] = value

    def edit(member: str, body: bytes) -> bytes:
        for addr, value in sorted(by_member[member].items()):
            pat = re.compile(rb'<c r="' + addr.encode() + rb'"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
            m = pat.search(body)
            if m is None:
                raise SamplesError(f"không thấy ô {addr} trong {member}")
            new = _cell_xml(addr, m.group(1).decode(), value)
            body = body[: m.start()] + new + body[m.end() :]
        if unprotect:
            body = re.sub(rb"<sheetProtection\b[^>]*/>", b"", body)
        return body

    return rewrite_zip(data, {member: functools.partial(edit, member) for member in by_member})


def _doc(catalog: Catalog, unit: Unit, period: str, ret: UnitReturn):
    """The values file of a return: only rows the unit types (formulas and other units' rows are left out)."""
    from .values import ValuesDoc, typed_rows

    from .periods import parse_period
    from .plan.computed import plan_computed

    by_plan = plan_computed(catalog, unit, parse_period(period))  # Biểu mẫu 1 2.1/2.2 of SNV in a plan period
    rows = typed_rows(catalog, unit, ret.values, ret.notes, skip=by_plan)
    from .samples_tasks import sample_tasks  # task statuses when the period has a plan (none in 2022)

    return ValuesDoc(regime=catalog.regime, unit=unit.code, period=period, values=rows,
                     tasks=sample_tasks(catalog, unit, period))


def _fill(catalog: Catalog, unit: Unit, period: str, ret: UnitReturn, cover: dict, work: Path) -> bytes:
    """Template → filled return through the same path as `xlcchc values import`; the bytes of the result."""
    from .periods import parse_period
    from .template import build_template

    from .signing import sample_key

    tpl = work / f"tpl_{unit.code}_{period}.xlsx"
    if not tpl.exists():  # samples are signed with the published sample key (written beside them)
        build_template(catalog, unit, parse_period(period), tpl, key=sample_key())
    return fill_return(tpl, catalog, unit, period, ret, cover, work)


def fill_return(tpl: Path, catalog: Catalog, unit: Unit, period: str, ret: UnitReturn, cover: dict, work: Path,
                *, unlisted: bool = False) -> bytes:
    """A template filled with a unit's figures through `fill_template` (the path of `values import`), in the
    folder `work`; the bytes of the result, the result removed. Every row must be written: a skipped row or
    a rate disagreeing with its parts is a generator bug. `unlisted`: the unit is not in the registry (a
    commune merged away), the template's own unit is trusted."""
    from .template import fill_template

    out = work / f"out_{unit.code}_{period}.xlsx"
    report = fill_template(tpl, _doc(catalog, unit, period, ret), out, cover=cover, unit=unit if unlisted else None)
    if report.skipped or report.disagreements:
        raise SamplesError(f"{unit.code}: {report.summary()}")
    data = out.read_bytes()
    out.unlink()
    return data


def _scaled(ret: UnitReturn, catalog: Catalog, factor: float, blank_forms: tuple[int, ...] = ()) -> UnitReturn:
    """An earlier or partial version of a return: summed counts scaled down, some forms not yet filled."""
    out = UnitReturn(ret.unit, notes=dict(ret.notes))
    for key, v in ret.values.items():
        ind = catalog.indicator(key)
        if ind.form in blank_forms:
            continue
        if ind.aggregate.method == "sum" and isinstance(v, (int, float)):
            v = int(v * factor)
        out.values[key] = v
    # Scaling keeps a ≤ b (both floored from b ≥ a); sums of breakdown rows are recomputed.
    resum(catalog, out.values)
    return out


def resum(catalog: Catalog, values: dict[str, Value]) -> None:
    """Parents of the per-unit sum rules recomputed from their (changed) breakdown rows, in place."""
    for key, terms in _derived_order_items(catalog):
        if key in values:
            nums = [values.get(t) for t in terms if isinstance(values.get(t), (int, float))]
            values[key] = sum(nums) if nums else None


def _derived_order_items(catalog: Catalog) -> list[tuple[str, list[str]]]:
    derived = _sum_targets(catalog)
    return [(k, derived[k]) for k in _derived_order(derived)]


def _lock_file_bytes(owner: str) -> bytes:
    """Excel's `~$` owner file: the name of who has the workbook open, in its fixed 165-byte layout."""
    ascii_name = owner.encode("ascii", "replace")[:53]
    data = bytes([len(ascii_name)]) + ascii_name.ljust(53, b" ") + owner.encode("utf-16-le")
    return data.ljust(165, b"\x00")[:165]


@dataclass
class Sample:
    """One file of the sample folder and what the check and the merge should say about it."""

    file: str
    unit: str
    what: str = ""  # what is wrong (Vietnamese), empty for a clean return
    expect: str = ""  # what the check / merge should report


def plant_typing(returns: dict[str, UnitReturn], text: tuple[str, str], note: tuple[str, str, str]) -> Any:
    """Two habits of people typing, planted in every bundle: a count typed as text with thousands dots
    (`text` = unit, key) and a note beginning with “=” (`note` = unit, key, text); the count's true value."""
    unit, key = text
    true = returns[unit].values[key]
    returns[unit].values[key] = fmt_vn(true)
    n_unit, n_key, n_text = note
    returns[n_unit].notes[n_key] = n_text
    return true


def with_draft(ret: UnitReturn, catalog: Catalog, cover: dict, *, final_on: Any, draft_on: Any,
               factor: float) -> tuple[UnitReturn, dict]:
    """A unit that sent twice: its final return dated `final_on` (the cover is changed in place) and an
    older draft dated `draft_on`, with provisional figures and forms 6 and 7 not yet filled."""
    cover["BIA_NGAY_GUI"] = final_on
    draft = _scaled(ret, catalog, factor, blank_forms=(6, 7))
    return draft, dict(cover, BIA_NGAY_GUI=draft_on, BIA_TRANG_THAI=STATUS_DRAFT)


def overtype_rate(data: bytes, catalog: Catalog, unit: str, key: str, value: Any, file: str) -> tuple[bytes, Sample]:
    """The return of a unit that unprotected a form and typed `value` over the formula of the rate `key`."""
    from .layout import value_name

    ind = catalog.indicator(key)
    data = patch_cells(data, {value_name(ind.form, ind.code): value}, unprotect=True)
    return data, Sample(
        file, unit, f"bỏ khóa trang Biểu mẫu {ind.form} và gõ đè {value} lên ô công thức tỷ lệ mục {ind.code}",
        f"Kiểm tra: cảnh báo cell.overwritten (ô tỷ lệ bị gõ đè); tỷ lệ được tính lại từ "
        f"{ind.aggregate.numerator.split(':')[1]}/{ind.aggregate.denominator.split(':')[1]}",
    )


def generate(seed: int = SEED) -> tuple[dict[str, bytes], list[Sample]]:
    """All files of the sample folder (relative path → bytes) and the list of planted problems."""
    import datetime as dt

    catalog = load_catalog(load_target().regime)
    registry = registry_of(catalog)
    target = load_target()
    period = target.period
    returns = distribute(catalog, registry, target, seed=seed)
    from .samples_periods import earlier_files, missing_unit_sample, outlier_sample, plant_outlier

    clean = {u: UnitReturn(r.unit, dict(r.values), dict(r.notes)) for u, r in returns.items()}  # earlier periods
    typed, den = plant_typo(returns)
    out_typed, out_true = plant_outlier(returns)
    true_text_value = plant_typing(returns, (TEXT_UNIT, TEXT_KEY), (EQ_NOTE_UNIT, EQ_NOTE_KEY, EQ_NOTE))
    rng = random.Random(seed + 1)
    files: dict[str, bytes] = {}
    planted: list[Sample] = []
    base = RETURNS_DIR + "/"
    with tempfile.TemporaryDirectory(prefix="xlcchc-samples-") as tmp:
        work = Path(tmp)
        for unit in registry.reporting_units():
            if unit.code == MISSING_UNIT:
                planted.append(Sample(
                    "(không có tệp)", unit.code, f"{unit.name} không gửi báo cáo",
                    "Tổng hợp: đơn vị “Chưa nộp”. Số liệu cộng của đơn vị này được đặt bằng 0 nên tổng toàn tỉnh vẫn khớp Phụ lục",
                ))
                continue
            day = rng.randint(3, 13)
            cover = _cover(rng, day, STATUS_FINAL)
            ret = returns[unit.code]
            if unit.code == TWICE_UNIT:
                draft, dcover = with_draft(ret, catalog, cover, final_on=dt.date(2023, 1, 12),
                                           draft_on=dt.date(2023, 1, 5), factor=0.92)
                files[base + DRAFT_FILE] = _fill(catalog, unit, period, draft, dcover, work)
                planted.append(Sample(
                    DRAFT_FILE, unit.code,
                    "bản dự thảo cũ (gửi 05/01/2023, “Dự thảo”, số liệu tạm, chưa nhập Biểu mẫu 6, 7) bên cạnh báo cáo chính thức (12/01/2023)",
                    f"Tổng hợp: đơn vị gửi hai lần; dùng {file_name(unit.code)} (mới hơn, “Chính thức”), bản dự thảo “Trùng”, không cộng",
                ))
            data = _fill(catalog, unit, period, ret, cover, work)
            if unit.code == OVERTYPED_UNIT:
                data, sample = overtype_rate(data, catalog, unit.code, OVERTYPED_KEY, OVERTYPED_VALUE, file_name(unit.code))
                planted.append(sample)
            files[base + file_name(unit.code)] = data
        # The extra files: another period, a damaged copy, Excel's lock file.
        stale_unit = registry.by_code[STALE_UNIT]
        stale = _scaled(returns[STALE_UNIT], catalog, 0.48)
        files[base + STALE_FILE] = _fill(catalog, stale_unit, STALE_PERIOD, stale, _cover(rng, 8, STATUS_FINAL, 7, 2022), work)
        earlier, earlier_planted = earlier_files(catalog, registry, clean, work, seed + 2)
        files.update(earlier)
        from .samples_2023 import plan_files  # 9 tháng 2023: the 2023 plan's task statuses

        plan_returns, plan_planted = plan_files(catalog, registry, clean, work, seed + 3)
        files.update(plan_returns)
    full = files[base + file_name(DAMAGED_UNIT)]
    files[base + DAMAGED_FILE] = full[: len(full) * 11 // 20]
    files[base + LOCK_FILE] = _lock_file_bytes("Nguyen Van Hung")
    planted += _planted_extras(typed, den, true_text_value)
    from .samples_periods import OUTLIER_UNIT

    planted += [
        outlier_sample(RETURNS_DIR, file_name(OUTLIER_UNIT), out_typed, out_true, catalog),
        *earlier_planted,
        missing_unit_sample(MISSING_UNIT, registry.label(MISSING_UNIT)),
        *plan_planted,
    ]
    from .signing import SAMPLE_KEY_FILE_NAME, sample_key_text

    files["README.md"] = readme(planted, catalog, registry).encode("utf-8")
    files[SAMPLE_KEY_FILE_NAME] = sample_key_text().encode("utf-8")
    return files, planted


def _planted_extras(typed: int, den: int, true_text_value: Any) -> list[Sample]:
    """The planted problems besides the units' own returns: the typo, the text figure, the note starting with
    “=”, and the extra files (another period, a damaged copy, Excel's lock file)."""
    return [
        Sample(
            file_name(TYPO_UNIT), TYPO_UNIT,
            f"gõ nhầm: mục {TYPO_NUM.split(':')[1]} (đúng hạn) = {fmt_vn(typed)} lớn hơn mục {TYPO_DEN.split(':')[1]} (đã giải quyết) = {fmt_vn(den)} (đảo hai chữ số cuối)",
            f"Kiểm tra: Lỗi {TYPO_NUM.split(':')[0]}-le-{TYPO_NUM.split(':')[1]}-{TYPO_DEN.split(':')[1]}. Tổng toàn tỉnh vẫn khớp Phụ lục (số đúng hạn của {TYPO_DONOR} được chọn thấp hơn tương ứng)",
        ),
        Sample(
            file_name(TEXT_UNIT), TEXT_UNIT,
            f"mục {TEXT_KEY.split(':')[1]} (Biểu mẫu {TEXT_KEY.split(':')[0]}) nhập dạng văn bản “{fmt_vn(true_text_value)}” (dấu chấm ngăn cách hàng nghìn)",
            f"Kiểm tra: cảnh báo cell.text_number (ô chứa văn bản, được hiểu là {fmt_vn(true_text_value)}; hãy gõ lại dạng số). "
            f"Kiểm tra và tổng hợp đọc đúng {true_text_value} (không phải {fmt_vn(true_text_value)} = số thập phân), cộng vào tổng toàn tỉnh",
        ),
        Sample(
            file_name(EQ_NOTE_UNIT), EQ_NOTE_UNIT,
            f"ghi chú mục {EQ_NOTE_KEY.split(':')[1]} (Biểu mẫu {EQ_NOTE_KEY.split(':')[0]}) bắt đầu bằng dấu “=”: “{EQ_NOTE[:40]}…”",
            "Kiểm tra: cảnh báo cell.note_formula (ghi chú bắt đầu bằng “=”, giữ nguyên là văn bản). "
            "Ghi chú được giữ nguyên là văn bản, không bao giờ bị tính như công thức (kể cả trong TONG_HOP.xlsx)",
        ),
        Sample(
            STALE_FILE, STALE_UNIT,
            "tệp thừa: báo cáo 6 tháng đầu năm 2022 của cùng đơn vị (kỳ 2022-6T)",
            f"Tổng hợp: “Sai kỳ báo cáo”, không cộng; số liệu năm lấy từ {file_name(STALE_UNIT)}",
        ),
        Sample(
            DAMAGED_FILE, DAMAGED_UNIT,
            "tệp thừa bị hỏng: bản sao bị cắt cụt (55% dung lượng, tải về không hết)",
            f"Kiểm tra: tệp không mở được (doc.*); tổng hợp: “Không hợp lệ”, không làm dừng các tệp khác; số liệu lấy từ {file_name(DAMAGED_UNIT)}",
        ),
        Sample(
            LOCK_FILE, LOCK_UNIT,
            "tệp khóa “~$” do Excel để lại khi bảng tính đang mở",
            "Kiểm tra: doc.lock_file (tệp khóa tạm của Excel, không phải báo cáo); tổng hợp: bỏ qua (không phải báo cáo)",
        ),
    ]


def readme(planted: list[Sample], catalog: Catalog, registry: Registry) -> str:
    """samples/README.md: what the folder holds and the table of planted problems (generated, not edited)."""
    from .samples_2023 import readme_paragraph
    from .samples_periods import EARLIER

    n_units = len(registry.reporting_units())
    lines = [
        "# Bộ báo cáo mẫu năm 2022 (sample returns)",
        "",
        "Tạo bởi `xlcchc samples` (đừng sửa tay: chạy lại lệnh sẽ cho đúng từng byte như cũ).",
        "",
        f"`{RETURNS_DIR}/` chứa báo cáo năm 2022 (kỳ `2022-N`, chế độ `{catalog.regime}`) của {n_units - 1}/{n_units} "
        f"đơn vị trong danh mục `{registry.id}`, mỗi tệp là biểu mẫu do `xlcchc template` tạo và được điền bằng "
        "`xlcchc values import`. Số liệu từng đơn vị được chia từ số liệu toàn tỉnh in trong Phụ lục Báo cáo CCHC "
        "năm 2022 theo quy mô đơn vị (thành phố lớn nhiều hồ sơ hơn huyện miền núi; Sở Tài nguyên và Môi trường "
        "nhiều hơn Sở Ngoại vụ), sao cho tổng hợp lại đúng bằng số đã in: tổng cộng đúng từng đơn vị, tỷ lệ tính "
        "lại từ tử số/mẫu số đã cộng, số của cơ quan chủ trì lấy đúng số in (kèm ghi chú in trong Phụ lục).",
        "",
        "Các chỗ chính Phụ lục in không khớp nhau được giữ nguyên để bước kiểm tra tự phát hiện: 3:3.1 in 99,99 "
        "nhưng 518.549/518.562 = 100,00; 6:1 in 57 nhưng 6.234.262/10.630.268 = 58,65; 7:6.2 in 99,67 nhưng "
        "732/732 = 100; 7:6.3 in 96,67 nhưng 871/910 = 95,71; 7:6.3.1 in 910 nhưng 169 + 732 = 901; "
        "4:3.2 có mặt 58.120 > 4:3.1 được giao 6.144 (báo cáo của Sở Nội vụ).",
        "",
        "Các kỳ trước của năm 2022 (cho lịch sử số liệu, `xlcchc history`, và các kiểm tra so với kỳ trước): "
        + ", ".join(f"`{folder}/` (kỳ `{period}`)" for period, folder, *_ in EARLIER)
        + ". Số lũy kế và số cộng của mỗi đơn vị bằng số cả năm nhân phần năm đã qua của đơn vị đó "
        "(Quý I 20–30%, 6 tháng 45–55%, 9 tháng 70–80%), nên số lũy kế không bao giờ giảm; các số khác như cả năm.",
        "",
        readme_paragraph(registry),
        "",
        "Các biểu mẫu được ký bằng **khóa ký mẫu** công khai `KHOA_KY_MAU.key` (bên cạnh tệp này) để bản chạy "
        "thử kiểm tra được chữ ký: `xlcchc check --key samples/KHOA_KY_MAU.key …`, `xlcchc merge --key …`. "
        "Ai cũng có khóa này nên nó không chứng minh gì; biểu mẫu thật được ký bằng khóa riêng của cơ quan "
        "tổng hợp (xem `xlcchc key`).",
        "",
        *planted_table(planted),
    ]
    return "\n".join(lines)


def planted_table(planted: list[Sample]) -> list[str]:
    """The README's section listing the planted problems (one Markdown table row per file), then a blank line."""
    lines = [
        "## Các lỗi cố ý (planted)",
        "",
        "| tệp | đơn vị | sai gì | kiểm tra / tổng hợp phải báo |",
        "| --- | --- | --- | --- |",
    ]
    for s in planted:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in (s.file, s.unit, s.what, s.expect)) + " |")
    lines.append("")
    return lines


def write_samples(output: Path | str, seed: int = SEED) -> list[Path]:
    """Write the sample folder: each file atomically; old returns no longer generated are removed."""
    output = Path(output)
    files, _ = generate(seed)
    written = []
    for rel, data in sorted(files.items()):
        written.append(write_bytes(output / rel, data))
    keep = {output / rel for rel in files}
    for folder in sorted({(output / rel).parent for rel in files} - {output}):
        for p in sorted(folder.iterdir()):
            if p.is_file() and p not in keep:
                p.unlink()
    return written


def cli_samples(args) -> int:
    if getattr(args, "regime", None) not in (None, "", load_target().regime):
        from .samples_2026 import cli_samples as cli_2026

        return cli_2026(args)
    paths = write_samples(args.output)
    n = sum(1 for p in paths if p.suffix == ".xlsx" and not p.name.startswith("~$"))
    print(f"Đã tạo {n} tệp báo cáo mẫu trong “{(Path(args.output) / RETURNS_DIR).resolve()}” và {(Path(args.output) / 'README.md').resolve()}")
    return 0
