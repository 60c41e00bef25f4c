"""Benchmark of reading + checking returned workbooks (`python bench/check_bench.py [N]`).

Builds N filled workbooks (real templates, random consistent values, units of every kind), checks
them in-process, and prints milliseconds per workbook beside a baseline (openpyxl loading the same
file fully), then the cold start of `xlcchc check` on one file (median of several subprocess runs)
beside `python -c "import openpyxl"`. Figures are printed, never asserted.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bad_inputs.make_corpus import random_values  # noqa: E402
from xlcchc.catalog import load_catalog, registry_of  # noqa: E402
from xlcchc.check import check_file  # noqa: E402
from xlcchc.periods import parse_period  # noqa: E402
from xlcchc.template import build_template, fill_template  # noqa: E402
from xlcchc.values import ValueRow, ValuesDoc  # noqa: E402


TARGET_MS = 50.0  # issue 3: per workbook, in-process
TARGET_COLD_MS = 120.0  # issue 17: cold `xlcchc check` of one file (what Excel's button waits for)


def build(folder: Path, n: int) -> list[Path]:
    cat = load_catalog("tinh-2022")
    reg = registry_of(cat)
    period = parse_period("2022-N")
    units = reg.reporting_units()
    rng = random.Random(2022)
    templates = {}
    files = []
    for i in range(n):
        unit = units[i % len(units)]
        if unit.code not in templates:
            templates[unit.code] = build_template(cat, unit, period, folder / "tpl" / f"{unit.code}.xlsx")
        vals = random_values(cat, unit, rng, consistent=i % 3 != 0)
        doc = ValuesDoc(regime=cat.regime, unit=unit.code, period=period.code, values=[
            ValueRow(form=int(k.split(":")[0]), code=k.split(":")[1], value=v) for k, v in sorted(vals.items())])
        out = folder / f"{i:03d}_{unit.code}.xlsx"
        fill_template(templates[unit.code], doc, out)
        files.append(out)
    return files


def per_file(fn, files: list[Path]) -> float:
    t = time.perf_counter()
    for f in files:
        fn(f)
    return (time.perf_counter() - t) * 1000 / len(files)


def cold(cmd: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=ROOT)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(n: int = 100) -> None:
    from openpyxl import load_workbook

    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        t = time.perf_counter()
        files = build(folder, n)
        print(f"built {n} filled workbooks in {time.perf_counter() - t:.1f} s "
              f"(mean size {sum(f.stat().st_size for f in files) / n / 1024:.0f} KiB)")
        check_file(files[0])  # warm the catalog caches, as a merge of many files would be
        findings = 0
        ms_check = per_file(lambda f: check_file(f), files)
        findings = sum(len(check_file(f)) for f in files)
        ms_openpyxl = per_file(lambda f: load_workbook(f), files)
        ms_openpyxl_ro = per_file(lambda f: [list(ws.iter_rows(values_only=True)) for ws in load_workbook(f, read_only=True).worksheets], files)
        print(f"{'in-process, per workbook':34s} {'ms':>8s}")
        print(f"{'xlcchc read_return + check':34s} {ms_check:8.1f}   ({findings} findings in total)")
        print(f"{'baseline openpyxl load_workbook':34s} {ms_openpyxl:8.1f}")
        print(f"{'baseline openpyxl read_only rows':34s} {ms_openpyxl_ro:8.1f}")
        print(f"{'ratio openpyxl load / xlcchc':34s} {ms_openpyxl / ms_check:8.1f}×")
        print(f"{'target read_return + check':34s} {TARGET_MS:8.1f}   ({'met' if ms_check <= TARGET_MS else 'NOT met'})")
        one = str(files[1])
        c_check = cold([sys.executable, "-m", "xlcchc", "check", one])
        c_py = cold([sys.executable, "-c", "pass"])
        c_opx = cold([sys.executable, "-c", f"import openpyxl; openpyxl.load_workbook({one!r})"])
        print(f"{'cold start, median of 7 runs':34s} {'ms':>8s}")
        print(f"{'xlcchc check ONE.xlsx':34s} {c_check:8.0f}")
        print(f"{'baseline python -c pass':34s} {c_py:8.0f}   (xlcchc check / bare python: {c_check / c_py:.1f}x; "
              f"load average {' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())})")
        print(f"{'baseline python + openpyxl load':34s} {c_opx:8.0f}")
        print(f"{'target xlcchc check cold start':34s} {TARGET_COLD_MS:8.0f}   ({'met' if c_check <= TARGET_COLD_MS else 'NOT met'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
