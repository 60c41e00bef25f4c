"""Every rule kind, compiled to a formula, says in LibreOffice what `formulas.rule_status` says in Python.

One small workbook per run: a row per (rule, values) case, the operands in the row's own cells, the
compiled status formula in column A. Values are drawn near the rules' boundaries (equal sums, a bound
hit exactly, a percentage truncated or rounded, 100 for an almost-all ratio) so that every branch of
every kind is exercised; the rules are those of the three regimes' catalogs, so a new rule kind in a
catalog is covered as soon as it is written.
"""

import random

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.formulas import (
    computed_ratio,
    percent_accepted,
    ratio_formula,
    rule_formula,
    rule_status,
    shown_formula_text,
)
from xlcchc.office import recalculate, soffice_available

REGIMES = ("tinh-2021", "tinh-2022", "huyen-2024", "tinh-2025")  # the regimes whose rules #15 wrote or revisited
CASES_PER_RULE = 6
PAIRS = [(518549, 518562), (732, 732), (6234262, 10630268), (871, 901), (871, 910), (27, 41), (1, 100000),
         (0, 5), (2, 3), (1, 8), (199, 200), (1999, 2000), (29, 100), (1, 3), (5, 0)]


def _percent_candidates(a: float, b: float) -> list:
    if b == 0:
        return [None, 0, 50]
    x = a / b * 100
    return [round(x, 2), round(x, 1), round(x), int(x * 100) / 100, int(x * 10) / 10, int(x), 100, 0,
            round(x, 2) + 0.01, x, None]


def _cells(rule, cat) -> list[str]:
    """The operands and, for a total that may be derived from its parts, the parts (recursively)."""
    out: list[str] = []

    def visit(k):
        if k not in out:
            out.append(k)
            for t in cat.partitions.get(k, []):
                visit(t)

    for k in rule.operands:
        visit(k)
    return out


def _values(rule, cat, rng: random.Random) -> dict:
    vals: dict = {}
    for k in _cells(rule, cat):
        ind = cat.indicators[k]
        r = rng.random()
        if r < 0.08 or (k in cat.partitions and r < 0.4):  # a blank total, derived from its parts
            vals[k] = None
        elif ind.kind == "percent":
            vals[k] = rng.choice([0, 100, 50, 99.99, 33.33, 12.5])
        elif ind.kind == "choice":
            vals[k] = rng.choice([c.value for c in ind.choices] or [0, 1])
        else:
            vals[k] = rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 10, 12])
    if rule.kind == "ratio":
        a, b = rng.choice(PAIRS)
        vals[rule.numerator], vals[rule.denominator] = a, b
        vals[rule.target] = rng.choice(_percent_candidates(a, b))
    elif rule.kind == "zero_if" and rng.random() < 0.6:
        vals[rule.target] = 0
    elif rule.kind == "fraction":
        n = vals.get(rule.denominator) if rule.denominator else None
        if rule.denominator and (n in (None, 0) or rng.random() < 0.3):
            n = vals[rule.denominator] = rng.choice([3, 5, 6, 7])
        n = n or 20
        vals[rule.target] = rng.choice([round(100 * rng.randint(0, n) / n, 2), int(100 * rng.randint(0, n) / n),
                                        rng.choice([33.3, 41.5, 99.99, 100, 0, 12.5])])
    elif rule.kind == "between" and rng.random() < 0.5:
        vals[rule.target] = rng.choice([vals.get(k) or 0 for k in rule.left + rule.right])
    elif rule.kind == "sum" and rng.random() < 0.5:
        vals[rule.target] = sum(v or 0 for k, v in vals.items() if k in rule.terms)
    elif rule.kind == "compare" and rng.random() < 0.4 and len(rule.left) == 1:
        others = [v or 0 for k, v in vals.items() if k in rule.right]
        vals[rule.left[0]] = sum(others) if rule.op != "between" else max(others, default=0)
    return vals


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice is required for the parity test")
def test_every_rule_kind_agrees_with_libreoffice(tmp_path):
    rng = random.Random(15)
    rows = []  # (label, python status or value, formula, values)
    for regime in REGIMES:
        cat = load_catalog(regime)
        reg = registry_of(cat)
        top = reg.by_code[reg.top]
        for rule in cat.rules:
            if rule.kind in ("domain", "required"):
                continue
            for _ in range(CASES_PER_RULE):
                rows.append((regime, rule, _values(rule, cat, rng), cat, top))
    path = tmp_path / "kinds.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("K")
    expected = []
    seen: dict[str, set] = {}
    for r, (regime, rule, vals, cat, unit) in enumerate(rows):
        cols = {k: i + 1 for i, k in enumerate(_cells(rule, cat))}
        for k, c in cols.items():
            v = vals.get(k)
            if v is None:
                ws.write_blank(r, c, None)
            else:
                ws.write_number(r, c, v)

        def ref(key, r=r, cols=cols):
            return xl_rowcol_to_cell(r, cols[key], row_abs=True, col_abs=True)

        ws.write_formula(r, 0, rule_formula(rule, cat, unit, ref), None, "")
        expected.append((f"{regime} {rule.id} {vals}", rule_status(rule, vals, cat, unit)))
        seen.setdefault(rule.kind, set()).add(expected[-1][1])
    # computed percentage cells and the percentage acceptance itself, on the hard pairs
    base = len(rows)
    checks = []
    for i, (a, b) in enumerate(PAIRS):
        for j, t in enumerate(_percent_candidates(a, b)):
            r = base + i * 12 + j
            ws.write_number(r, 1, a)
            ws.write_number(r, 2, b)
            if t is None:
                ws.write_blank(r, 3, None)
            else:
                ws.write_number(r, 3, t)
            ws.write_formula(r, 0, ratio_formula("B%d" % (r + 1), "C%d" % (r + 1)), None, "")
            checks.append((r, "shown", (a, b), computed_ratio(a, b)))
            if b != 0 and t is not None:
                ws.write_formula(r, 4, f"=IF({_acc(r)},1,0)", None, "")
                checks.append((r, "accepted", (t, a, b), 1 if percent_accepted(t, a, b) else 0))
    wb.close()
    out = recalculate(path, tmp_path / "recalc")
    sheet = openpyxl.load_workbook(out, data_only=True)["K"]
    diffs = []
    for r, (label, want) in enumerate(expected):
        got = sheet.cell(r + 1, 1).value
        if got != want:
            diffs.append((label, want, got))
    for r, what, args, want in checks:
        got = sheet.cell(r + 1, 1 if what == "shown" else 5).value
        got = None if got in ("", None) else got
        if what == "shown" and (got is None) != (want is None) or (want is not None and got != pytest.approx(want, abs=1e-12)):
            diffs.append((what, args, want, got))
    assert diffs == []
    kinds = {rule.kind for _, rule, *_ in rows}
    assert {"sum", "ratio", "compare", "between", "part", "zero_if", "fraction"} <= kinds
    assert any(r.units for _, r, *_ in rows) and any(r.constant for _, r, *_ in rows)
    assert any(r.left_fn != "sum" for _, r, *_ in rows)
    for kind in ("sum", "ratio", "compare", "between", "part", "zero_if", "fraction"):
        assert "OK" in seen[kind] and seen[kind] & {"Lỗi", "Cảnh báo"}, (kind, seen[kind])
    statuses = {s for _, s in expected}
    assert {"OK", "Lỗi", "Cảnh báo", "Thiếu số liệu", "—"} <= statuses  # every branch was exercised


def _acc(r: int) -> str:
    from xlcchc.formulas import _accepted_text

    return _accepted_text(f"D{r + 1}", f"B{r + 1}", f"C{r + 1}")


def test_shown_formula_text_names_its_operands():
    assert "A1<B1" in shown_formula_text("A1", "B1")
