"""Values files: a workbook's figures as JSON or CSV, in and out.

The shape `values export` writes is the shape `values import` and `check VALUES.json` read:
`{"regime", "unit", "period", "values": [{"form": 3, "code": "3.1.2", "value": 518549, "note": ""}, …]}`
(CSV: `form,code,value,note`). A template with a “Nhiệm vụ” sheet adds `"tasks": [{"task": "01.3",
"status": "Đã hoàn thành", "done_on": "2023-03-20", "product": "…", "note": ""}, …]` (CSV: a second
section after a blank line, header `task,status,done_on,product,note`). Values stay as given: a number is a number, text stays text, so a file
can carry exactly what a unit typed (`"1.234"`, `"-"`) and the checker judges it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from .errors import XlcchcError
from .fileio import write_text
from .regular_file import regular_bytes

#: A unit's values file is some 10-40 KB (a few hundred rows); reading stops past this.
MAX_VALUES_BYTES = 16 * 2**20


class ValuesError(XlcchcError):
    pass


class ValueRow(BaseModel):
    form: int
    code: str
    value: float | int | str | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.form}:{self.code}"


class TaskRow(BaseModel):
    """A task's row of the “Nhiệm vụ” sheet: status as typed, date completed (ISO or dd/mm/yyyy), product, note."""

    task: str
    status: str | None = None
    done_on: str | None = None
    product: str = ""
    note: str = ""


class ValuesDoc(BaseModel):
    regime: str | None = None
    unit: str | None = None
    period: str | None = None
    values: list[ValueRow] = Field(default_factory=list)
    tasks: list[TaskRow] = Field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {r.key: r.value for r in self.values}

    def notes(self) -> dict[str, str]:
        return {r.key: r.note for r in self.values if r.note}


def load_values_file(path: Path | str) -> ValuesDoc:
    """Read a JSON or CSV values file; a bad file raises ValuesError with a Vietnamese message."""
    path = Path(path)
    try:
        raw = regular_bytes(path, MAX_VALUES_BYTES)
    except IsADirectoryError:
        raise ValuesError(f"“{path}” là một thư mục, không phải tệp số liệu") from None
    except OSError as e:
        raise ValuesError(f"không đọc được tệp số liệu “{path.name}”: {e.strerror}") from None
    if len(raw) > MAX_VALUES_BYTES:
        raise ValuesError(f"tệp số liệu “{path.name}” quá lớn (trên {MAX_VALUES_BYTES // 2**20} MB); tệp số liệu của "
                          "một đơn vị chỉ vài chục KB")
    text = raw.decode("utf-8-sig", errors="replace")
    if path.suffix.lower() == ".csv":
        try:
            return _from_csv(path.name, text)
        except csv.Error as e:  # a field over csv's 128 KiB limit, a stray quote in strict places
            raise ValuesError(f"tệp “{path.name}” không phải bảng CSV hợp lệ ({_csv_problem(e)})") from None
    data = _json_data(path.name, text)
    try:
        return ValuesDoc.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        raise ValuesError(f"tệp “{path.name}” sai cấu trúc ở “{_where(err['loc'])}”: {_shape_problem(err)}") from None


def _json_data(name: str, text: str) -> Any:
    """The file's JSON, refusing what JSON (RFC 8259) has no number for: Python's reader takes NaN, Infinity
    and 1e400 (as infinity), which no spreadsheet cell holds; and its own limits (an integer over 4300
    digits, nesting deeper than the stack) raise ValueError/RecursionError, not a sentence for the user."""

    def finite(token: str) -> float:
        x = float(token)
        if not math.isfinite(x):
            raise _NotJsonNumber(token)
        return x

    def constant(token: str) -> Any:
        raise _NotJsonNumber(token)

    try:
        return json.loads(text, parse_float=finite, parse_constant=constant)
    except json.JSONDecodeError as e:
        raise ValuesError(f"tệp “{name}” không phải JSON hợp lệ (dòng {e.lineno}, cột {e.colno})") from None
    except _NotJsonNumber as e:
        raise ValuesError(f"tệp “{name}” có giá trị “{e.args[0][:20]}” không phải là một số hữu hạn; "
                          "hãy ghi số liệu bằng chữ số") from None
    except ValueError:  # int() of a literal longer than sys.get_int_max_str_digits()
        raise ValuesError(f"tệp “{name}” có một số quá dài (hàng nghìn chữ số), không thể là số liệu thống kê") from None
    except RecursionError:
        raise ValuesError(f"tệp “{name}” lồng quá nhiều tầng, không phải tệp số liệu") from None


class _NotJsonNumber(ValueError):
    """NaN, Infinity or a float literal beyond the largest double, met while the JSON is decoded."""


#: pydantic's English messages, by error type, for the shape of a values file (the first error is said).
_SHAPE_PROBLEMS = {
    "model_type": "cần một đối tượng JSON {…}", "dict_type": "cần một đối tượng JSON {…}",
    "list_type": "cần một danh sách JSON […]", "missing": "thiếu trường bắt buộc này",
    "string_type": "cần một chuỗi văn bản", "int_parsing": "cần một số nguyên", "int_type": "cần một số nguyên",
    "int_from_float": "cần một số nguyên", "extra_forbidden": "trường không có trong mẫu",
}
#: The branch names pydantic adds to the location of an error inside a union (`value` is number, text or null).
_UNION_BRANCHES = {"float", "int", "str", "none", "function-after", "lax-or-strict"}


def _shape_problem(err: dict) -> str:
    if err["type"] in _SHAPE_PROBLEMS:
        return _SHAPE_PROBLEMS[err["type"]]
    if err["loc"] and err["loc"][-1] in _UNION_BRANCHES:
        return "cần một số, một chuỗi văn bản hoặc null"
    return "giá trị không đúng kiểu"


def _where(loc: tuple) -> str:
    """`values[3].form`: the JSON path of the error (positions from 1, as a person counts the rows)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif part not in _UNION_BRANCHES:
            out += f".{part}" if out else str(part)
    return out or "toàn bộ tệp"


def _csv_problem(e: csv.Error) -> str:
    return "có ô dài hơn giới hạn 131.072 ký tự" if "field limit" in str(e) else "dấu ngoặc kép hoặc ký tự lạ"


_TASK_HEADER = ["task", "status", "done_on", "product", "note"]


def _from_csv(name: str, text: str) -> ValuesDoc:
    """Values first; the tasks section (if any) starts at its own header line `task,status,…`."""
    lines = text.splitlines(keepends=True)
    cut = next((i for i, l in enumerate(lines) if l.strip().startswith("task,")), len(lines))
    doc = _values_csv(name, "".join(lines[:cut]))
    if cut < len(lines):
        reader = csv.DictReader(io.StringIO("".join(lines[cut:])))
        for rec in reader:
            rec = {k.strip(): (v or "") for k, v in rec.items() if k}
            if not rec.get("task", "").strip():
                continue
            rec = {k: _csv_unsafe(v) for k, v in rec.items()}
            doc.tasks.append(TaskRow(task=rec["task"].strip(), status=rec.get("status") or None,
                                     done_on=rec.get("done_on") or None, product=rec.get("product", ""), note=rec.get("note", "")))
    return doc


def _values_csv(name: str, text: str) -> ValuesDoc:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"form", "code", "value"} <= {f.strip() for f in reader.fieldnames}:
        raise ValuesError(f"tệp “{name}” cần các cột form,code,value (và note nếu có)")
    rows = []
    for n, rec in enumerate(reader, start=2):
        rec = {k.strip(): (v if v is not None else "") for k, v in rec.items() if k}
        try:
            form = int(rec["form"])
        except ValueError:
            raise ValuesError(f"tệp “{name}”, dòng {n}: số biểu mẫu “{rec['form']}” không hợp lệ") from None
        value: Any = rec.get("value", "")
        if value == "":
            value = None
        elif value.startswith("'") and value[1:].startswith(CSV_TRIGGERS):
            value = value[1:]  # text neutralised by `dump_values`: stays text
        else:
            value = _csv_number(value)
        rows.append(ValueRow(form=form, code=rec["code"].strip(), value=value, note=_csv_unsafe(rec.get("note", ""))))
    return ValuesDoc(values=rows)


#: A plain machine number as `float()` reads it, minus what a spreadsheet opens as text: `nan`, `inf`,
#: `infinity`, digit-group underscores (`1_000`) and non-ASCII digits (`٥٩`), which `float` and `int` accept.
_MACHINE_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _csv_number(text: str) -> float | int | str:
    """CSV has no types: a plain machine number (`518549`, `99.99`) is a number, anything else stays text
    (also a number beyond the largest double, `1e400`, which `float` makes infinite)."""
    t = text.strip()
    if not _MACHINE_NUMBER.fullmatch(t):
        return text
    try:
        if t.lstrip("-").isdigit():
            return int(t)
    except ValueError:  # over sys.get_int_max_str_digits(): text, which the check says is too large
        return text
    f = float(t)
    return f if math.isfinite(f) else text


#: What a spreadsheet runs when a CSV cell starts with it (OWASP "CSV injection"): such text is written
#: with a leading apostrophe, which Excel and LibreOffice show as text and `load_values_file` removes.
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"  # without it Excel opens a UTF-8 CSV as the Windows code page: no diacritics


def csv_safe(v: Any) -> Any:
    """A CSV cell that no spreadsheet program evaluates: text starting with a trigger gets an apostrophe."""
    if isinstance(v, str) and v.startswith(CSV_TRIGGERS):
        return "'" + v
    return v


def _csv_unsafe(v: str) -> str:
    return v[1:] if v.startswith("'") and v[1:].startswith(CSV_TRIGGERS) else v


def dump_values(doc: ValuesDoc, fmt: str = "json") -> str:
    if fmt == "csv":
        out = io.StringIO()
        out.write(CSV_BOM)
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["form", "code", "value", "note"])
        for r in doc.values:
            w.writerow([r.form, r.code, "" if r.value is None else csv_safe(r.value), csv_safe(r.note)])
        if doc.tasks:
            w.writerow([])
            w.writerow(_TASK_HEADER)
            for t in doc.tasks:
                w.writerow([csv_safe(x) for x in (t.task, t.status or "", t.done_on or "", t.product, t.note)])
        return out.getvalue()
    data = doc.model_dump()
    if not doc.tasks:
        data.pop("tasks")  # a workbook without a “Nhiệm vụ” sheet keeps the shape it always had
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# --- workbook ↔ values file ----------------------------------------------------------------------


def typed_rows(catalog, unit, values: dict[str, Any], notes: dict[str, str], *, skip: Any = ()) -> list[ValueRow]:
    """The rows of a values file for what `unit` types: each row it fills (not a formula, not in `skip`)
    that has a figure or a note, in catalog order. The one walk of every generator of values files (the
    sample returns, a province's national return), so they cannot differ on which rows a unit types."""
    rows = []
    for ind in catalog.value_indicators():
        if not catalog.applies(ind, unit) or catalog.computed(ind, unit) or ind.key in skip:
            continue
        v = values.get(ind.key)
        note = notes.get(ind.key, "")
        if v is None and not note:
            continue
        rows.append(ValueRow(form=ind.form, code=ind.code, value=v, note=note))
    return rows


def export_values(path: Path | str) -> ValuesDoc:
    """The figures of a returned workbook as a ValuesDoc, exactly as typed (text stays text).

    Every row the unit fills is listed (blank ones with value None), in catalog order; a computed
    percentage is exported with the value recomputed from its numerator and denominator, never the
    cached formula result. An unusable workbook raises ReturnError (Vietnamese message).
    """
    from .read import CellError, read_return, values_of

    ret = read_return(path)
    derived = values_of(ret)
    cat, unit = ret.catalog, ret.unit_obj
    rows: list[ValueRow] = []
    for ind in cat.value_indicators():
        c = ret.cells.get(ind.key)
        if c is None:
            continue
        if cat.computed(ind, unit):
            value: Any = derived.get(ind.key)
        elif c.formula is not None:
            value = "=" + c.formula  # a formula typed into an input cell: shown, never evaluated
        else:
            value = c.raw
            if isinstance(value, CellError):
                value = str(value)
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
        rows.append(ValueRow(form=ind.form, code=ind.code, value=value, note=ret.notes.get(ind.key, "")))
    tasks = [TaskRow(**r.to_json() | {"task": tid}) for tid, r in ret.tasks.items()]
    return ValuesDoc(regime=ret.regime, unit=ret.unit, period=ret.period, values=rows, tasks=tasks)


def cli_export(args) -> int:
    """`xlcchc values export FILE.xlsx [--format json|csv] [-o OUT]`."""
    import sys

    doc = export_values(args.file)
    text = dump_values(doc, args.format)
    if args.output:
        write_text(Path(args.output), text)
        from .periods import PeriodError, parse_period

        try:
            period = parse_period(doc.period).label
        except PeriodError:
            period = doc.period
        print(f"Đã ghi {len(doc.values)} chỉ tiêu của {doc.unit} ({period}) vào {Path(args.output).resolve()}")
    else:
        sys.stdout.write(text)
    return 0


def cli_import(args) -> int:
    """`xlcchc values import TEMPLATE.xlsx VALUES.json -o OUT.xlsx`: fill a template (the template module writes)."""
    from .template import fill_template

    doc = load_values_file(args.values)
    report = fill_template(args.template, doc, args.output)
    _print_fill_report(report, args.output)
    return 0


def _print_fill_report(report: Any, output: str) -> None:
    """Say in Vietnamese what was written and what was left out (and why)."""
    summary = report.summary() if hasattr(report, "summary") else f"đã ghi số liệu vào “{output}”"
    print(summary[0].upper() + summary[1:])
    for label, issues in (("Bỏ qua", getattr(report, "skipped", [])), ("Không khớp", getattr(report, "disagreements", []))):
        for i in issues:
            form, code, reason = getattr(i, "form", ""), getattr(i, "code", ""), getattr(i, "reason", i)
            print(f" - {label}: Biểu mẫu {form}, mục {code}: {reason}")
