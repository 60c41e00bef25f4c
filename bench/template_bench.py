"""Benchmark of `xlcchc template --all-units` beside its floor, run in the same session (issue 17).

    python bench/template_bench.py [--period "Năm 2026"] [--regime R] [--runs 3] [--alone 12]

Target: all units of the two-tier regime (≈182 workbooks, Năm 2026) in at most 3 s wall. Each row is a
whole fresh process (interpreter start and imports included: what the user waits for), median of
`--runs`, with its wall and CPU seconds (CPU of the process and of its workers):
- the command as shipped (the groups' templates built on both cores, the units derived in the parent);
- the same on one process (`workers=1`): the CPU a core spends, and the gain of the second core;
- each unit built on its own with `template_bytes` (as before the templates were derived per group),
  extrapolated from `--alone` units;
- the floor: a process that writes the same files from memory the way the command does (atomically,
  `fileio.write_bytes`), after reading them in; and a bare interpreter start.
Exits 1 if the one-process and the pooled outputs are not byte-identical. The machine is shared
(2 cores, 8 engineers): the load average is printed with the figures; compare ratios in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SETUP = (
    "import sys,time\nsys.path.insert(0,{root!r})\n"
    "from pathlib import Path\n"
    "from xlcchc.catalog.load import load_catalog, registry_of\n"
    "from xlcchc.catalog.select import choose_regime\n"
    "from xlcchc.periods import parse_period\n"
    "from xlcchc.fileio import write_bytes\n"
    "period=parse_period({period!r}); cat=load_catalog(choose_regime({regime!r}, period))\n"
    "units=registry_of(cat).reporting_units(); out=Path({out!r})\n"
)

ONE_PROCESS = (
    "from xlcchc.template import template_filename\nfrom xlcchc.template_units import templates_for_units\n"
    "for u, data in templates_for_units(cat, units, period, workers=1):\n"
    "    write_bytes(out / template_filename(u, period), data)\n"
)

ALONE = (
    "from xlcchc.template import template_bytes, template_filename\n"
    "import resource\nt=time.perf_counter(); c=time.process_time()\n"
    "for u in units[:{n}]:\n"
    "    write_bytes(out / template_filename(u, period), template_bytes(cat, u, period))\n"
    "print(len(units), {n}, time.perf_counter()-t, time.process_time()-c)\n"
)

FLOOR = (
    "import sys\nsys.path.insert(0,{root!r})\nfrom pathlib import Path\nfrom xlcchc.fileio import write_bytes\n"
    "src=Path({src!r}); out=Path({out!r})\n"
    "files=[(p.name, p.read_bytes()) for p in sorted(src.iterdir())]\n"
    "for name, data in files:\n    write_bytes(out / name, data)\n"
)


def _run(cmd: list[str], out: Path) -> dict:
    """Wall and CPU seconds (the process and every worker it waited for) of one fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:4])}…\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "stdout": done.stdout}


def _median(cmd: list[str], out: Path, runs: int) -> dict:
    results = sorted((_run(cmd, out) for _ in range(runs)), key=lambda r: r["wall"])
    return results[len(results) // 2]


def _same(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    return names == sorted(p.name for p in b.iterdir()) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--period", default="Năm 2026")
    ap.add_argument("--regime", default=None, help="default: the regime in force for the period")
    ap.add_argument("--runs", type=int, default=3, help="whole-process runs per row (median)")
    ap.add_argument("--alone", type=int, default=12, help="units built on their own, extrapolated (0 = skip)")
    a = ap.parse_args()
    py = sys.executable
    work = Path(tempfile.mkdtemp(prefix="xlcchc_tpl_bench_"))
    try:
        shipped, one, alone, floor = work / "shipped", work / "one", work / "alone", work / "floor"
        fmt = {"root": str(ROOT), "period": a.period, "regime": a.regime}
        cli = [py, "-m", "xlcchc", "template", "--all-units", "--period", a.period, "-o", str(shipped)]
        if a.regime:
            cli[4:4] = ["--regime", a.regime]
        print(f"== template --all-units, {a.period}: median of {a.runs} whole-process runs ({load()}) ==")
        rows = [("xlcchc template --all-units (both cores)", _median(cli, shipped, a.runs))]
        n = len(list(shipped.iterdir()))
        rows.append(("the same on one process", _median([py, "-c", _SETUP.format(**fmt, out=str(one)) + ONE_PROCESS],
                                                         one, a.runs)))
        identical = _same(shipped, one)
        if a.alone:
            r = _run([py, "-c", _SETUP.format(**fmt, out=str(alone)) + ALONE.format(n=a.alone)], alone)
            total, k, secs, cpu = r["stdout"].split()
            scale = int(total) / int(k)
            # The process's fixed part (start, imports) once, the per-unit part scaled to every unit.
            rows.append((f"each unit built alone (extrapolated from {k})",
                         {"wall": r["wall"] - float(secs) + float(secs) * scale, "cpu": r["cpu"] - float(cpu) + float(cpu) * scale}))
        rows.append(("floor: write the same files (read in first)",
                     _median([py, "-c", FLOOR.format(root=str(ROOT), src=str(shipped), out=str(floor))], floor, a.runs)))
        rows.append(("bare interpreter (python -c pass)", _median([py, "-c", "pass"], work / "empty", a.runs)))
        first = rows[0][1]
        print(f"{'':46s} {'wall s':>7s} {'CPU s':>7s} {'files/s':>8s} {'shipped/this (wall)':>20s}")
        for label, r in rows:
            print(f"{label:46s} {r['wall']:7.2f} {r['cpu']:7.2f} {n / r['wall']:8.0f} {first['wall'] / r['wall']:19.2f}x")
        print(f"{n} workbooks; pooled and one-process outputs byte-identical: {'yes' if identical else 'NO'}; "
              f"target <= 3.0 s wall: {'met' if first['wall'] <= 3.0 else 'NOT met'} ({first['wall']:.2f} s; {load()})")
        return 0 if identical else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
