"""Benchmark of `xlcchc merge` beside baselines run in the same session (issue 17).

    python bench/merge_bench.py [-n 600] [--runs 3] [--baseline-max 100] [--workers N] [--keep DIR]

Generates N returned workbooks: one real filled template per reporting unit (`build_template` +
`fill_template`), then N versions spread over the units, made by patching the numbers in the sheet
XML (and the cover's sending date, so that the newest version of each unit is well defined) — so
generation is not the bottleneck. Each measurement is a whole fresh process (interpreter start and
imports included: what the consolidator waits for), median of `--runs` taken interleaved (xlcchc,
calamine, floor, xlcchc, …, so that a drifting load favours none of them):
- xlcchc: `merge_folder` (read, check, choose, aggregate, write TONG_HOP.xlsx);
- calamine: what a competent engineer writes in an afternoon — python-calamine on 2 processes, names
  from workbook.xml by regex, newest per unit, the same aggregation; no checks, no output workbook;
- openpyxl: `load_workbook` of every file on one process (extrapolated beyond `--baseline-max`; its
  figures are then compared with the merge of the files it read, merged on their own);
- the floor: unzip every member of every file on 2 processes;
- the merge's parent memory (tracemalloc): held at the end (the figures still alive) and at its peak, on
  half the files (every other one, hard links) and on all of them; the difference per file added is what
  the parent keeps per file (issue 17: at most 1 KiB).
The baselines' loading of our catalog is not counted against them. Prints wall seconds, files per
second, peak RSS, the CPU seconds of the merge's parent and of its workers (load-independent, unlike
wall time) and the ratio xlcchc/baseline, and exits 1 if a baseline's provincial figures differ from the
merge's. The machine's load average is printed with the figures (the machine is shared).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(folder: Path, n: int) -> None:
    import datetime as dt
    import random

    from xlcchc.catalog.load import load_catalog, registry_of
    from xlcchc.periods import parse_period
    from xlcchc.read import read_return
    from xlcchc.template import build_template, fill_template
    from xlcchc.values import ValueRow, ValuesDoc

    cat = load_catalog("tinh-2022")
    reg = registry_of(cat)
    period = parse_period("2022-N")
    units = reg.reporting_units()
    base_dir = folder.parent / "_base"
    base_dir.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    bases = []
    for u in units:
        rnd = random.Random(u.code)
        tpl = base_dir / f"tpl_{u.code}.xlsx"
        build_template(cat, u, period, tpl)
        rows = []
        for ind in cat.value_indicators():
            if not cat.applies(ind, u) or cat.computed(ind, u) or ind.kind == "text":
                continue
            if ind.kind == "choice" or ind.aggregate.method == "share_yes":
                v = rnd.choice([c.value for c in ind.unit_choices()])
            elif ind.kind == "percent":
                v = rnd.randint(0, 100)
            else:
                v = rnd.randint(100, 900) * (50 if u.kind == "huyen" else 1)
            rows.append(ValueRow(form=ind.form, code=ind.code, value=v))
        out = base_dir / f"{u.code}.xlsx"
        fill_template(tpl, ValuesDoc(regime=cat.regime, unit=u.code, period=period.code, values=rows), out,
                      cover={"BIA_NGAY_GUI": dt.datetime(2023, 1, 1), "BIA_TRANG_THAI": "Chính thức"})
        ret = read_return(out)
        inputs = {}  # sheet member → set of input addresses holding numbers
        for k, c in ret.cells.items():
            if c.formula is None and isinstance(c.raw, float):
                sheet, addr = c.cell.rsplit("!", 1)
                inputs.setdefault(sheet.strip("'"), set()).add(addr)
        cover = {}
        bases.append((u.code, out.read_bytes(), inputs))
    for i in range(n):
        code, data, inputs = bases[i % len(bases)]
        version = i // len(bases)
        (folder / f"{code}_v{version:03d}.xlsx").write_bytes(_variant(data, inputs, version))


_SHEET_OF = re.compile(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"')


def _variant(data: bytes, inputs: dict[str, set[str]], version: int) -> bytes:
    """A copy with every input number shifted by `version` and the cover date `version` hours later."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    wb = zin.read("xl/workbook.xml")
    rels = zin.read("xl/_rels/workbook.xml.rels").decode()
    members = {}
    for name, rid in _SHEET_OF.findall(wb):
        m = re.search(rf'Id="{rid.decode()}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid.decode()}"', rels)
        target = (m.group(1) or m.group(2)).lstrip("/")
        members[name.decode()] = target if target.startswith("xl/") else "xl/" + target
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            sheet = next((s for s, mem in members.items() if mem == info.filename), None)
            if sheet and sheet in inputs:
                addrs = inputs[sheet]

                def bump(m):
                    if m.group(1).decode() in addrs:
                        return m.group(0)[: m.start(3) - m.start(0)] + str(float(m.group(3)) + version).encode() + b"</v>"
                    return m.group(0)

                body = re.sub(rb'<c r="([A-Z]+\d+)"([^>]*)><v>([0-9.]+)</v>', bump, body)
            elif sheet == "Bìa":
                body = re.sub(rb"<v>(4\d{4}(?:\.\d+)?)</v>",
                              lambda m: b"<v>" + str(float(m.group(1)) + version / 24).encode() + b"</v>", body)
            zout.writestr(info, body)
    return out.getvalue()


TARGET_S = 1.0  # issue 17: 600 returns in at most 1 s wall, and no slower than the calamine baseline


def run_merge(folder: Path, output: Path, workers: int | None) -> dict:
    from xlcchc.merge import merge_folder

    t = time.perf_counter()
    fig = merge_folder(folder, output, workers=workers)
    return {"seconds": time.perf_counter() - t, "used": sum(1 for s in fig.status if s.status in ("Đã nộp", "Có lỗi")),
            "values": {k: v for k, v in fig.values.items()}}


def run_memory(folder: Path, output: Path, workers: int | None) -> dict:
    """The merge's parent under tracemalloc: bytes held when `merge_folder` returns (its figures alive, as a
    caller keeps them) and the peak. Imports come first (the same for any number of files); the workers
    stop tracing when forked (their memory is their own, and tracing would only slow them)."""
    import gc
    import tracemalloc

    import xlcchc.merge.folder  # noqa: F401 - imported before tracing: not per file
    from xlcchc.merge import merge_folder

    if output.exists():
        output.unlink()
    os.register_at_fork(after_in_child=tracemalloc.stop)
    tracemalloc.start()
    fig = merge_folder(folder, output, workers=workers)
    raw, peak = tracemalloc.get_traced_memory()
    gc.collect()  # xlsxwriter's workbook is a cycle of objects: garbage, freed at the next full collection
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {"held": held, "held_raw": raw, "peak": peak, "status_rows": len(fig.status)}


def half_folder(folder: Path, dest: Path) -> int:
    """Every other file of `folder` (sorted) in `dest`, as hard links (a copy where links are refused):
    the memory measure's smaller folder, holding every unit when the folder has several versions each."""
    return _linked(sorted(p for p in folder.iterdir() if p.is_file())[::2], dest)


def baseline_files(folder: Path) -> list[Path]:
    """The workbooks a baseline reads, in the order it reads them (openpyxl reads the first `limit`)."""
    return sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith("~$"))


def subset_folder(folder: Path, dest: Path, count: int) -> int:
    """The files openpyxl read when it read only `count` of them, in `dest` (hard links): the merge of
    that folder is what its figures are compared with."""
    return _linked(baseline_files(folder)[:count], dest)


def _linked(files: list[Path], dest: Path) -> int:
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for p in files:
        try:
            os.link(p, dest / p.name)
        except OSError:
            shutil.copy2(p, dest / p.name)
    return len(files)


def memory_per_file(folder: Path, out: Path, workers: int | None, env: dict | None = None) -> dict:
    """KiB the merge's parent holds and peaks at per file added: half the folder against all of it."""
    small = folder.parent / f"{folder.name}_half"
    n_small = half_folder(folder, small)
    n_all = sum(1 for p in folder.iterdir() if p.is_file())
    try:
        a = _child("memory", {"folder": str(small), "out": str(out), "workers": workers}, env)
        b = _child("memory", {"folder": str(folder), "out": str(out), "workers": workers}, env)
    finally:
        shutil.rmtree(small, ignore_errors=True)
        out.unlink(missing_ok=True)
    added = max(n_all - n_small, 1)
    return {"files": (n_small, n_all), "held": (b["held"] - a["held"]) / added / 1024,
            "held_raw": (b["held_raw"] - a["held_raw"]) / added / 1024,
            "peak": (b["peak"] - a["peak"]) / added / 1024, "held_all": b["held"], "peak_all": b["peak"]}


MEMORY_TARGET_KIB = 1.0  # issue 17: the merge's parent at most 1 KiB a file


def run_baseline(folder: Path, limit: int, regime: str = "tinh-2022", period: str | None = None) -> dict:
    """openpyxl, one process: every value by its defined name, newest return per unit, same aggregation."""
    import openpyxl

    from xlcchc.catalog.load import load_catalog, registry_of
    from xlcchc.layout import value_name
    from xlcchc.merge.aggregate import base_values, finalize

    t_cat = time.perf_counter()
    cat = load_catalog(regime)
    reg = registry_of(cat)
    t = time.perf_counter()
    files = baseline_files(folder)
    count = min(limit, len(files))
    best: dict[str, tuple] = {}
    for p in files[:count]:
        try:
            wb = openpyxl.load_workbook(p, data_only=True)
        except Exception:  # noqa: BLE001 - damaged or foreign: skipped
            continue

        def cell(name):
            dn = wb.defined_names.get(name)
            if dn is None:
                return None
            sheet, ref = next(iter(dn.destinations))
            return wb[sheet][ref.replace("$", "")].value if sheet in wb.sheetnames else None
        unit = cell("XLCCHC_UNIT")
        if cell("XLCCHC_REGIME") != regime or (period is not None and cell("XLCCHC_PERIOD") != period) \
                or unit not in reg.by_code:
            continue
        sent = cell("BIA_NGAY_GUI")
        vals = {i.key: _number(cell(value_name(i.form, i.code))) for i in cat.value_indicators()}
        key = (str(sent), p.name)
        if unit not in best or key > best[unit][0]:
            best[unit] = (key, vals)
    by_unit = {u: v for u, (_, v) in best.items() if u != reg.top}
    computed, final = finalize(cat, base_values(cat, reg, by_unit))
    secs = time.perf_counter() - t
    return {"seconds": secs, "files": count, "per_file": secs / max(count, 1), "values": final,
            "untimed": t - t_cat}


def _number(v) -> float | None:
    """A cell as a figure, by the forms' number conventions (xlcchc.numbers.parse_vn), as the merge reads
    it: numbers as they are, the marks for "none" (`-`, as the printed appendix writes zero) as 0 — a
    lead's row where the lead typed `-` is 0, not blank —, a count typed as text the Vietnamese way
    (`13.069`) as that number; other text is no figure."""
    from xlcchc.numbers import parse_vn

    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        p = parse_vn(v)
        return p.value if p.problem is None and not p.percent_sign else None
    return None


_DEFINED = re.compile(rb'<definedName name="([^"]+)"[^>]*>([^<]+)</definedName>')


def _calamine_one(path: str, keys: list[tuple[str, str]]) -> tuple:
    """One return the afternoon way: names from workbook.xml by regex, cells from calamine's sheet grids."""
    import python_calamine as pc

    with zipfile.ZipFile(path) as z:
        wbxml = z.read("xl/workbook.xml")
    names = {}
    for n, target in _DEFINED.findall(wbxml):
        t = target.decode()
        if "!" in t:
            sheet, ref = t.rsplit("!", 1)
            names[n.decode()] = (sheet.strip("'").replace("''", "'"), ref.replace("$", ""))
    wb = pc.CalamineWorkbook.from_path(path)
    grids: dict[str, list] = {}

    def cell(name):
        sr = names.get(name)
        if sr is None:
            return None
        sheet, ref = sr
        grid = grids.get(sheet)
        if grid is None:
            ws = wb.get_sheet_by_name(sheet)
            grid = grids[sheet] = (ws.start, ws.to_python())
        (r0, c0), rows = grid
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        r, c = int(m.group(2)) - 1 - r0, col - 1 - c0
        if 0 <= r < len(rows) and 0 <= c < len(rows[r]):
            v = rows[r][c]
            return None if v == "" else v
        return None

    unit, sent = cell("XLCCHC_UNIT"), cell("BIA_NGAY_GUI")
    ident = (cell("XLCCHC_REGIME"), cell("XLCCHC_PERIOD"))
    vals = {key: _number(cell(name)) for key, name in keys}
    return unit, str(sent), Path(path).name, vals, ident


def _calamine_star(args):
    try:
        return _calamine_one(*args)
    except Exception:  # noqa: BLE001 - a damaged or foreign file: the afternoon hack skips it
        return None


def run_calamine(folder: Path, workers: int = 2, regime: str = "tinh-2022", period: str | None = None) -> dict:
    """The issue's baseline: python-calamine on 2 processes, no checks, the same aggregation.

    Files of another regime or period (by their metadata names) and files calamine cannot open are
    skipped; the newest return of each unit (cover date, then name) is used."""
    import multiprocessing as mp

    from xlcchc.catalog.load import load_catalog, registry_of
    from xlcchc.layout import value_name
    from xlcchc.merge.aggregate import base_values, finalize

    t_cat = time.perf_counter()
    cat = load_catalog(regime)
    reg = registry_of(cat)
    keys = [(i.key, value_name(i.form, i.code)) for i in cat.value_indicators()]
    t = time.perf_counter()
    files = baseline_files(folder)
    jobs = [(str(p), keys) for p in files]
    with mp.get_context("fork").Pool(workers) as pool:
        results = pool.map(_calamine_star, jobs, chunksize=max(1, len(jobs) // (workers * 8)))
    best: dict[str, tuple] = {}
    for got in results:
        if got is None:
            continue
        unit, sent, name, vals, (reg_id, per) = got
        if reg_id != regime or (period is not None and per != period) or unit not in reg.by_code:
            continue
        key = (sent, name)
        if unit not in best or key > best[unit][0]:
            best[unit] = (key, vals)
    by_unit = {u: v for u, (_, v) in best.items() if u != reg.top}
    computed, final = finalize(cat, base_values(cat, reg, by_unit))
    secs = time.perf_counter() - t
    return {"seconds": secs, "files": len(files), "per_file": secs / max(len(files), 1), "values": final,
            "untimed": t - t_cat}


def _unzip_one(path: str) -> int:
    try:
        with zipfile.ZipFile(path) as z:
            return sum(len(z.read(i)) for i in z.infolist())
    except Exception:  # noqa: BLE001 - not a zip: nothing to inflate
        return 0


def run_unzip(folder: Path, workers: int = 2) -> dict:
    """The floor: inflate every member of every file on 2 processes, nothing else."""
    import multiprocessing as mp

    t = time.perf_counter()
    files = [str(p) for p in sorted(folder.rglob("*.xlsx"))]
    with mp.get_context("fork").Pool(workers) as pool:
        total = sum(pool.map(_unzip_one, files, chunksize=max(1, len(files) // (workers * 8))))
    return {"seconds": time.perf_counter() - t, "files": len(files), "bytes": total}


def _child(kind: str, args: dict, env: dict | None = None) -> dict:
    """Run one measurement in a fresh interpreter (the whole process timed, imports included);
    peak RSS of the process itself and of its workers."""
    code = (
        "import time; t0=time.perf_counter(); import json,sys,resource; sys.path.insert(0,%r); import bench.merge_bench as b;"
        "from pathlib import Path; a=json.loads(sys.argv[1]); k=a['kind'];"
        "r = b.run_merge(Path(a['folder']), Path(a['out']), a['workers']) if k=='merge' else "
        "b.run_memory(Path(a['folder']), Path(a['out']), a['workers']) if k=='memory' else "
        "b.run_baseline(Path(a['folder']), a['limit'], a.get('regime', 'tinh-2022'), a.get('period')) if k=='openpyxl' else "
        "b.run_calamine(Path(a['folder']), regime=a.get('regime', 'tinh-2022'), period=a.get('period')) if k=='calamine' else "
        "b.run_unzip(Path(a['folder']));"
        "r['rss_self']=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "r['rss_children']=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "s=resource.getrusage(resource.RUSAGE_SELF); c=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "r['cpu_self']=s.ru_utime+s.ru_stime; r['cpu_children']=c.ru_utime+c.ru_stime;"
        "r['process']=time.perf_counter()-t0;"
        "print(json.dumps(r, default=str))"
    ) % str(ROOT)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, json.dumps({"kind": kind, **args})],
                         capture_output=True, text=True, check=True, env={**os.environ, **(env or {})})
    r = json.loads(out.stdout.strip().splitlines()[-1])
    # Interpreter start and imports included, as a user waits; a baseline's use of our catalog (which an
    # afternoon hack would have typed in) is not counted against it.
    r["wall"] = time.perf_counter() - t - r.get("untimed", 0.0)
    return r


def differing(a: dict, b: dict) -> list[str]:
    """The figures two sets of provincial figures do not share (blank where blank, equal numbers)."""
    out = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if (x is None) != (y is None):
            out.append(k)
        elif x is None:
            continue
        elif isinstance(x, str) or isinstance(y, str):
            if x != y:
                out.append(k)
        elif abs(float(x) - float(y)) > 1e-6:
            out.append(k)
    return out


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _median_runs(kinds: dict[str, dict], runs: int, env: dict | None = None) -> dict[str, dict]:
    """The median run (by wall time) of each measurement, the runs interleaved (xlcchc, calamine, floor,
    xlcchc, …): on a shared machine the load drifts, and measuring one after the other would give a
    slower or a faster quarter of an hour to one of them."""
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(runs):
        for kind, args in kinds.items():
            results[kind].append(_child(kind, args, env))
    return {k: sorted(rs, key=lambda r: r["wall"])[len(rs) // 2] for k, rs in results.items()}


def openpyxl_agreement(folder: Path, o: dict, merged: dict, out: Path, workers: int | None,
                       env: dict | None = None, ignore: Iterable[str] = ()) -> tuple[bool, str]:
    """Whether openpyxl's figures are the merge's (`merged`, of the whole folder) when it read every file;
    when it read only the first ones, whether they are the merge's of those files alone (merged here, not
    timed). Also the sentence saying so. `ignore`: rows the baseline cannot compute (counted from the
    plan's task sheets, which it does not read)."""
    n = len(baseline_files(folder))
    scope = ""
    if o["files"] < n:
        sub = folder.parent / f"{folder.name}_openpyxl"
        subset_folder(folder, sub, o["files"])
        try:
            merged = _child("merge", {"folder": str(sub), "out": str(out), "workers": workers}, env)["values"]
        finally:
            shutil.rmtree(sub, ignore_errors=True)
            out.unlink(missing_ok=True)
        scope = f" on the {o['files']} files it read, merged alone"
    skip = set(ignore)
    diff = [k for k in differing(merged, o["values"]) if k not in skip]
    kept = sum(1 for k in merged if k not in skip)
    said = (f"{'yes' if not diff else 'NO'}{scope} ({kept - len(diff)} of {kept}"
            f"{'; differ: ' + ', '.join(diff[:12]) if diff else ''})")
    return not diff, said


def compare(folder: Path, out: Path, *, n: int, runs: int, baseline_max: int, workers: int | None,
            title: str, target_s: float | None, regime: str = "tinh-2022", period: str | None = None,
            env: dict | None = None, apart: Iterable[str] = ()) -> bool:
    """Measure xlcchc, calamine, openpyxl and the unzip floor on one folder, side by side; print a table.

    `apart`: rows the baselines cannot compute (counted from the plan's task sheets, which they do not
    read), left out of the agreement and listed on their own.

    Returns whether the figures of all baselines agree with the merge's (the caller fails otherwise)."""
    print(f"\n== {title}: {n} returns, median of {runs} whole-process runs ({load()}) ==")
    if out.exists():
        out.unlink()
    ident = {"regime": regime, "period": period}
    got = _median_runs({"merge": {"folder": str(folder), "out": str(out), "workers": workers},
                        "calamine": {"folder": str(folder), **ident}, "unzip": {"folder": str(folder)}}, runs, env)
    m, c, u = got["merge"], got["calamine"], got["unzip"]
    o = _child("openpyxl", {"folder": str(folder), "limit": baseline_max, **ident}, env) if baseline_max else None
    mb = lambda kb: kb / 1024  # noqa: E731 - ru_maxrss is in KiB on Linux
    rows = [("xlcchc merge (checks, TONG_HOP.xlsx)", m["wall"], m), ("calamine, 2 processes, no checks", c["wall"], c),
            ("unzip every file, 2 processes (floor)", u["wall"], u)]
    if o is not None:
        opx = o["per_file"] * n + (o["wall"] - o["seconds"])
        note = "" if o["files"] == n else f" (extrapolated from {o['files']} files)"
        rows.append((f"openpyxl, 1 process{note}", opx, o))
    print(f"{'':50s} {'wall s':>7s} {'files/s':>8s} {'RSS MiB':>8s} {'xlcchc/this':>11s}")
    for label, secs, r in rows:
        rss = mb(r["rss_self"])
        print(f"{label:50s} {secs:7.2f} {n / secs:8.0f} {rss:8.0f} {m['wall'] / secs:10.2f}x")
    print(f"{'':50s} (workers' peak RSS: xlcchc {mb(m['rss_children']):.0f} MiB, calamine {mb(c['rss_children']):.0f} MiB)")
    print(f"{'':50s} (CPU s, parent + workers: xlcchc {m['cpu_self']:.2f} + {m['cpu_children']:.2f}, "
          f"calamine {c['cpu_self']:.2f} + {c['cpu_children']:.2f})")
    mem = memory_per_file(folder, out.with_name(out.stem + "_mem.xlsx"), workers, env)
    print(f"merge's parent memory (tracemalloc, {mem['files'][0]} vs {mem['files'][1]} files): held "
          f"{mem['held']:+.2f} KiB a file ({mem['held_raw']:+.2f} before the cycle collector ran), peak "
          f"{mem['peak']:+.2f} KiB a file (with {mem['files'][1]}: held "
          f"{mem['held_all'] / 2**20:.1f} MiB, peak {mem['peak_all'] / 2**20:.1f} MiB); target <= "
          f"{MEMORY_TARGET_KIB:.0f} KiB a file: {'met' if max(mem['held'], mem['peak']) <= MEMORY_TARGET_KIB else 'NOT met'}")
    skip = set(apart)
    diff_c = [k for k in differing(m["values"], c["values"]) if k not in skip]
    ok_c = not diff_c
    ok_o, said_o = (openpyxl_agreement(folder, o, m["values"], out.with_name(out.stem + "_openpyxl.xlsx"), workers, env,
                                       ignore=skip)
                    if o is not None else (True, "not run"))
    kept = sum(1 for k in m["values"] if k not in skip)
    print(f"figures agree: calamine {'yes' if ok_c else 'NO'} ({kept - len(diff_c)} of {kept}"
          f"{'; differ: ' + ', '.join(diff_c[:12]) if diff_c else ''}); openpyxl {said_o}; units used {m['used']}"
          + (f"; left apart: {', '.join(sorted(skip))} (counted from the plan's tasks, which the baselines do not read)"
             if skip else ""))
    if target_s is not None:
        met = m["wall"] <= target_s and m["wall"] <= c["wall"]
        print(f"target: <= {target_s:.1f} s wall and xlcchc/calamine <= 1.0: {'met' if met else 'NOT met'} "
              f"({m['wall']:.2f} s, {m['wall'] / c['wall']:.2f}x; {load()} at the end)")
    return ok_c and ok_o


def _current(folder: Path) -> bool:
    """Whether kept returns still match the catalog (a changed catalog makes them another version's)."""
    from xlcchc.read import ReturnError, read_return

    try:
        read_return(next(iter(sorted(folder.glob("*.xlsx")))))
        return True
    except (ReturnError, StopIteration):
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=600, help="number of returned workbooks (default 600)")
    ap.add_argument("--baseline-max", type=int, default=100,
                    help="files openpyxl really reads (rest extrapolated; 0 = skip openpyxl)")
    ap.add_argument("--runs", type=int, default=3, help="whole-process runs per measurement (median)")
    ap.add_argument("--workers", type=int, default=None, help="worker processes for the merge (default: automatic)")
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (reused if it has N files)")
    a = ap.parse_args()
    root = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="xlcchc_bench_"))
    folder = root / f"returns_{a.n}"
    if not (folder.is_dir() and len(list(folder.glob("*.xlsx"))) == a.n and _current(folder)):
        shutil.rmtree(folder, ignore_errors=True)
        t = time.perf_counter()
        generate(folder, a.n)
        print(f"generated {a.n} workbooks in {time.perf_counter() - t:.1f} s ({folder})")
    ok = compare(folder, root / "TONG_HOP.xlsx", n=a.n, runs=a.runs, baseline_max=a.baseline_max,
                 workers=a.workers, title=f"{a.n} copies of the 47 units' returns (tinh-2022)", target_s=TARGET_S)
    if not ok:
        print("FIGURES DISAGREE: the merge and a baseline computed different provincial figures", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
