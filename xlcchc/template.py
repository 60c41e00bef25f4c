"""Locked Excel templates generated from the catalog (`xlcchc template`); filling them is `xlcchc.template_fill`.

A template is the only thing a unit touches, so it carries everything the unit needs without Python:
input cells with data validation and Vietnamese prompts, percentages as formulas, a check sheet whose
formulas say what `xlcchc check` says (`xlcchc.formulas`), and the names and metadata a reader uses to
find every value without trusting row numbers (`xlcchc.layout`). Output is deterministic (fixed creation
date, sorted iteration, fixed zip timestamps) so a committed template can be compared byte for byte.

The template is made in stages, one module each: where every cell goes (`template_geometry`: the `Plan`),
the sheets (`template_sheets`; the task sheet of a plan period, `template_tasks`), the zip
(`template_zip`: structure protection added, deterministic re-zipping), the units' templates derived from
one built per group (`template_units`); filling (`template_fill`, on the zip as `template_book` reads it).
This module makes the workbook and keeps the public names of all of them: `from xlcchc.template import …`.
"""

from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter
import xlsxwriter.worksheet

from . import layout
from .catalog.load import DEFAULT_REGIME, load_catalog, registry_of
from .catalog.models import Catalog, Unit
from .fileio import write_bytes
from .periods import Period, parse_period
from .signing import SigningKey
from .template_book import load_book_bytes
from .template_fill import FillIssue, FillReport, fill_template
from .template_geometry import (
    CREATED,
    DIGIT_PX,
    ERROR_FILL,
    FONT,
    FONT_SIZE,
    OK_FILL,
    REFERENCE_PERIOD,
    WARNING_FILL,
    Plan,
    TemplateError,
    _check_period,
    _find_unit,
    _quote,
    make_plan,
)
from .template_sheets import Formats, blank_statuses, page_setup, wb_format, write_check, write_cover, write_form, write_meta
from .template_zip import lock_structure, rewrite_zip, write_zip

#: Names other modules, tests and scripts import from here (the modules above define them).
__all__ = [
    "ERROR_FILL", "OK_FILL", "REFERENCE_PERIOD", "REFERENCE_UNITS", "WARNING_FILL", "FillIssue", "FillReport",
    "Plan", "TemplateError", "build_template", "cli_template", "fill_template", "load_book_bytes", "make_plan",
    "reference_template_files", "rewrite_zip", "template_bytes", "template_filename", "template_meta",
    "template_names", "wb_format", "write_reference_templates", "write_zip",
]
_write_zip = write_zip  # the name tests/test_template_zip.py imports (it was defined here before the split)

# --- the workbook ----------------------------------------------------------------------------------

_PREPARED: dict[tuple[str, bool, bool], str] = {}


class _Worksheet(xlsxwriter.worksheet.Worksheet):
    """xlsxwriter's worksheet with its formula preparation memoised.

    xlsxwriter runs ~30 regular expressions over every formula (over ~130 for data validation and
    conditional formats) to spell newer functions `_xlfn.…`; that was a fifth of building a template.
    The preparation is a function of the formula text and two flags only, and the same formulas recur
    in every template of a regime (rules, validations), so each distinct one is prepared once."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        key = (formula, bool(expand_future_functions), bool(self.use_future_functions))
        got = _PREPARED.get(key)
        if got is None:
            if len(_PREPARED) > 50_000:  # a long-lived process (the Excel add-in) stays bounded
                _PREPARED.clear()
            got = _PREPARED[key] = super()._prepare_formula(formula, expand_future_functions)
        return got

def template_bytes(catalog: Catalog, unit: Unit, period: Period, *, key: SigningKey | None = None) -> bytes:
    """The template of `unit` for `period` as .xlsx bytes (deterministic for one signing key).

    Signed with `key`, by default the consolidating office's key (`xlcchc.signing.signing_key`: the
    `XLCCHC_KEY_FILE` file, else the profile's, created on first use)."""
    _check_period(catalog, period)
    plan = make_plan(catalog, unit, period)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
        # The Normal style is the cells' font, Times New Roman 12, as in the appendix and TONG_HOP: column
        # widths are stored in units of the Normal font's digit width, so with Calibri as Normal a machine
        # without Calibri (LibreOffice on Linux substitutes a wider font) widened every column, and the
        # row heights measured for the text fitted neither Excel (7 px a unit) nor LibreOffice (9 px).
        "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE},
        "default_column_width": DIGIT_PX * 9,  # 8.43 digits of Times New Roman 12 (8 px each) + 5 px
        "default_row_height": 21,
    })
    wb.worksheet_class = _Worksheet
    wb.set_properties(
        {
            "title": f"{catalog.title} – {unit.name} – {period.label}",
            "subject": "Biểu mẫu thống kê cải cách hành chính",
            "author": "xlcchc",
            "company": "",
            "created": CREATED,
        }
    )
    fmt = Formats(wb)
    cover = wb.add_worksheet(layout.COVER_SHEET)
    form_sheets = {f.number: wb.add_worksheet(layout.form_sheet(f.number)) for f in catalog.forms}
    from .template_tasks import task_layout  # the plan's tasks the unit leads (xlcchc.template_tasks)

    tasks = task_layout(catalog, unit, period)
    task_sheet = wb.add_worksheet(layout.TASK_SHEET) if tasks else None
    check = wb.add_worksheet(layout.CHECK_SHEET)
    meta = wb.add_worksheet(layout.META_SHEET)

    names = plan.names()
    if tasks:
        names.update(tasks.names())
        names[layout.meta_name(layout.PLAN_META)] = f"={_quote(layout.META_SHEET)}!$B${layout.PLAN_META_INDEX + 1}"
    meta_values = template_meta(catalog, unit, period, names, key, plan_meta=tasks.meta_value if tasks else None)
    blank = blank_statuses(plan)
    write_cover(cover, fmt, plan)
    for f in catalog.forms:
        write_form(form_sheets[f.number], fmt, plan, f.number, blank)
    extra = []
    if tasks:
        from .template_tasks import check_rows, write_task_sheet

        write_task_sheet(task_sheet, fmt, tasks, lambda ws, c, r, rep: page_setup(ws, plan, last_col=c, last_row=r, repeat=rep))
        extra = check_rows(tasks)
    write_check(check, fmt, plan, blank, extra)
    write_meta(meta, fmt, meta_values)
    if tasks:
        meta.write_string(layout.PLAN_META_INDEX, 0, layout.PLAN_META)
        meta.write_string(layout.PLAN_META_INDEX, 1, tasks.meta_value)
    for name in sorted(names):
        wb.define_name(name, names[name])
    cover.activate()
    wb.close()
    return lock_structure(buf.getvalue())


def template_meta(
    catalog: Catalog, unit: Unit, period: Period, names: dict[str, str], key: SigningKey | None, *, plan_meta: str | None = None,
    layout_hash: str | None = None,
) -> dict[str, str]:
    """The metadata sheet's values, signed (`signature`) over the keys the reader trusts (the plan's too).

    `plan_meta` is written by the caller in its own row (it is not one of `layout.META_KEYS`);
    `layout_hash`, when given, is `layout.layout_hash(names)` computed once for units sharing a layout."""
    from .signing import sign, signing_key

    meta_values = {
        "format": layout.FORMAT_VERSION,
        "regime": catalog.regime,
        "fingerprint": catalog.fingerprint,
        "unit": unit.code,
        "unit_name": unit.name,
        "period": period.code,
        "period_label": period.label,
        "layout": layout_hash or layout.layout_hash(names),
    }
    if unit.official_code is not None:
        meta_values["official_code"] = str(unit.official_code)
    signed = {**meta_values, layout.PLAN_META: plan_meta or ""}
    meta_values["signature"] = sign(signed, key or signing_key())
    return meta_values


def template_names(catalog: Catalog, unit: Unit, period: Period) -> tuple[dict[str, str], str | None]:
    """Every defined name of the unit's template and its plan metadata (what the signature covers)."""
    from .template_tasks import task_layout

    names = make_plan(catalog, unit, period).names()
    tasks = task_layout(catalog, unit, period)
    if tasks:
        names.update(tasks.names())
        names[layout.meta_name(layout.PLAN_META)] = f"={_quote(layout.META_SHEET)}!$B${layout.PLAN_META_INDEX + 1}"
    return names, (tasks.meta_value if tasks else None)


def build_template(catalog: Catalog, unit: Unit, period: Period, path: Path | str, *, key: SigningKey | None = None) -> Path:
    """Write the template of `unit` for `period` to `path` (atomically: never a half-written file)."""
    return write_bytes(path, template_bytes(catalog, unit, period, key=key))


# --- reference templates ----------------------------------------------------------------------------

#: Units whose blank template is committed under templates/<regime>/ (one per kind of unit).
REFERENCE_UNITS = ("TINH", "SNV", "H-THO-XUAN")


def reference_template_files(regime: str = DEFAULT_REGIME) -> dict[str, bytes]:
    """Relative path → bytes of the committed blank templates (compared byte for byte by a test)."""
    from .signing import sample_key

    cat = load_catalog(regime)
    period = parse_period(REFERENCE_PERIOD)
    out = {}
    for code in REFERENCE_UNITS:
        unit = _find_unit(cat, code)
        # Reference templates are samples: signed with the published sample key, like samples/.
        out[f"{regime}/{unit.code}_{period.code}.xlsx"] = template_bytes(cat, unit, period, key=sample_key())
    return out


def write_reference_templates(root: Path | str, regime: str = DEFAULT_REGIME) -> list[Path]:
    root = Path(root)
    written = []
    for rel, data in sorted(reference_template_files(regime).items()):
        path = root / rel
        write_bytes(path, data)
        written.append(path)
    return written


# --- CLI ------------------------------------------------------------------------------------------

def template_filename(unit: Unit, period: Period) -> str:
    return f"{unit.code}_{period.code}.xlsx"


def cli_template(args) -> int:
    from .catalog.select import choose_regime
    from .signing import signing_key

    period = parse_period(args.period)
    catalog = load_catalog(choose_regime(args.regime, period))
    _check_period(catalog, period)
    out = Path(args.output)
    if args.all_units:
        if args.unit:
            raise TemplateError("Dùng --unit hoặc --all-units, không dùng cả hai")
        if out.suffix.lower() == ".xlsx":
            raise TemplateError(f"Với --all-units, -o phải là một thư mục, không phải tệp “{out.name}”")
        from .template_units import templates_for_units

        units = registry_of(catalog).reporting_units()
        key = signing_key(getattr(args, "key", None))
        for unit, data in templates_for_units(catalog, units, period, key=key):  # one build per kind of unit
            write_bytes(out / template_filename(unit, period), data)
        print(f"Đã tạo {len(units)} biểu mẫu trong thư mục {Path(out).resolve()}")
        return 0
    if not args.unit:
        raise TemplateError("Cần --unit MÃ_ĐƠN_VỊ (hoặc --all-units); xem danh sách: xlcchc catalog units")
    unit = _find_unit(catalog, args.unit)
    if out.is_dir():
        out = out / template_filename(unit, period)
    elif out.suffix.lower() != ".xlsx":
        raise TemplateError(f"Tệp kết quả phải có đuôi .xlsx: “{out.name}”")
    build_template(catalog, unit, period, out, key=signing_key(getattr(args, "key", None)))
    print(f"Đã tạo biểu mẫu {unit.name} – {period.label}: {Path(out).resolve()}")
    return 0
