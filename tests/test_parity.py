"""The check sheet (recalculated by LibreOffice) and the Python check fail the same rules."""

import random

import pytest

from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_return
from xlcchc.formulas import STATUS_MISSING
from xlcchc.office import recalculate, soffice_available
from xlcchc.periods import parse_period
from xlcchc.read import _Book, _Package, read_return
from xlcchc.template import build_template, fill_template, make_plan
from xlcchc.values import ValueRow, ValuesDoc

from .bad_inputs.make_corpus import random_values

CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
PERIOD = parse_period("2022-N")

FILLINGS = [  # (unit, seed, consistent, blank rate)
    ("TINH", 1, True, 0.0),
    ("TINH", 2, False, 0.0),
    ("TINH", 3, False, 0.3),
    ("SNV", 4, True, 0.0),
    ("SNV", 5, False, 0.2),
    ("H-THO-XUAN", 6, False, 0.0),
    ("H-THO-XUAN", 7, True, 0.4),
]


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice is required for the parity test")
def test_check_sheet_and_python_fail_the_same_rules(tmp_path):
    cases = []
    for n, (code, seed, consistent, blank) in enumerate(FILLINGS):
        unit = REG.by_code[code]
        vals = random_values(CAT, unit, random.Random(seed), consistent=consistent, blank_rate=blank)
        if not consistent:  # make sure sums and orderings fail too, not only ratios
            rng = random.Random(seed)
            for k in rng.sample(sorted(vals), k=min(8, len(vals))):
                if isinstance(vals[k], int) and CAT.indicators[k].unit_kind_of_value(unit.kind) == "count":
                    vals[k] += rng.randint(1, 900)
        tpl = build_template(CAT, unit, PERIOD, tmp_path / "tpl" / f"{code}.xlsx")
        doc = ValuesDoc(regime=CAT.regime, unit=code, period=PERIOD.code, values=[
            ValueRow(form=int(k.split(":")[0]), code=k.split(":")[1], value=v) for k, v in sorted(vals.items())])
        out = tmp_path / "in" / f"{n}_{code}.xlsx"
        out.parent.mkdir(exist_ok=True)
        fill_template(tpl, doc, out)
        cases.append((unit, out))
    total_failing = 0
    for unit, path in cases:
        recalc = recalculate(path, tmp_path / "recalc" / path.stem)
        plan = make_plan(CAT, unit, PERIOD)
        book = _Book(_Package(recalc.name, recalc.read_bytes()))
        addrs = {rid: f"F{row + 1}" for rid, row in plan.status_row.items()}
        cells = book.cells(layout.CHECK_SHEET, set(addrs.values()))
        sheet = {}
        for rid, a in addrs.items():
            status, _ = book.raw_value(cells[a])
            sheet[rid] = status
        sheet_failing = {rid for rid, s in sheet.items() if s in ("Lỗi", "Cảnh báo", STATUS_MISSING)}
        py = check_return(read_return(path))
        py_failing = {f.rule for f in py if not f.rule.startswith(("cell.", "doc."))}
        assert sheet_failing == py_failing, (path.name, sheet_failing ^ py_failing)
        # and the recalculated copy reads and checks the same
        assert {f.rule for f in check_return(read_return(recalc))} >= py_failing
        total_failing += len(py_failing)
    assert total_failing > 20  # the fillings do exercise failures
