"""Benchmark of the history store (`python bench/history_bench.py [YEARS]`).

On the committed 2022 samples (Quý I, 6 tháng, 9 tháng, năm): the time of `merge` without and with
`--history` side by side (the cost of the checks across periods), of `history add` per period and the
size of the store; then the same year's figures stored again under YEARS earlier years (4 periods each)
to see how the merge's checks and a series look-up grow with a long history. Figures are printed,
never asserted.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xlcchc.history.record import add_figures, add_provincial  # noqa: E402
from xlcchc.history.series import Snapshot  # noqa: E402
from xlcchc.history.store import open_store  # noqa: E402
from xlcchc.merge import merge_folder, read_provincial  # noqa: E402
from xlcchc.samples import RETURNS_DIR  # noqa: E402
from xlcchc.samples_periods import EARLIER  # noqa: E402

SAMPLES = ROOT / "samples"
RUNS = 3


def timed(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(years: int = 10) -> None:
    folders = [(p, SAMPLES / f) for p, f, *_ in EARLIER] + [("2022-N", SAMPLES / RETURNS_DIR)]
    with tempfile.TemporaryDirectory(prefix="xlcchc-hist-bench-") as tmp:
        root = Path(tmp)
        db = root / "h.sqlite"
        print(f"{'kỳ':8} {'merge (s)':>10} {'merge --history (s)':>20} {'tỷ lệ':>6} {'history add (s)':>16} {'số liệu':>8}")
        for i, (period, folder) in enumerate(folders):
            out = root / f"TH_{period}.xlsx"
            plain = timed(lambda: merge_folder(folder, root / "plain.xlsx", period=period, workers=1))
            with_h = timed(lambda: merge_folder(folder, out, period=period, workers=1, history=db if i else None))
            t = time.perf_counter()
            with open_store(db) as s:
                added = add_provincial(s, out)
            add_s = time.perf_counter() - t
            print(f"{period:8} {plain:10.2f} {with_h:20.2f} {with_h / plain:6.2f} {add_s:16.3f} {added.values:8}")
        print(f"kho sau 4 kỳ: {db.stat().st_size / 1024:.0f} KiB")

        # A long history: the same figures again under earlier years.
        fig = {p: read_provincial(root / f"TH_{p}.xlsx") for p, _ in folders}
        t = time.perf_counter()
        with open_store(db) as s:
            for y in range(2022 - years, 2022):
                for p, f in fig.items():
                    code = f"{y}-{p.split('-')[1]}"
                    add_figures(s, f.model_copy(update={"period": code}), file=f"TH_{code}.xlsx", sha256=code)
        print(f"thêm {4 * years} kỳ nữa: {time.perf_counter() - t:.2f} s; kho: {db.stat().st_size / 1024 / 1024:.1f} MiB")
        plain = timed(lambda: merge_folder(SAMPLES / RETURNS_DIR, root / "plain.xlsx", period="2022-N", workers=1))
        with_h = timed(lambda: merge_folder(SAMPLES / RETURNS_DIR, root / "TH_N2.xlsx", period="2022-N", workers=1,
                                            history=db))
        print(f"merge năm 2022 với {4 * years + 3} kỳ trước: {with_h:.2f} s (không có lịch sử {plain:.2f} s, "
              f"tỷ lệ {with_h / plain:.2f})")

        def series():
            with open_store(db) as s:
                Snapshot(s).series("TINH", "3:3.1", "tinh-2022")

        print(f"một chuỗi số liệu (mở kho + history show --indicator): {timed(series) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
