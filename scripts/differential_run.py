"""Longer run of the reader's differential test (`python scripts/differential_run.py [N] [--save]`).

Mutates real returns N times (default 500) like tests/test_read_differential.py and prints how many
files were accepted and equal to openpyxl's reading, refused, or different; with --save every
different case is written to tests/differential/corpus/ (with its oracle file) to be replayed in CI.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bad_inputs.make_corpus import filled  # noqa: E402
from tests.differential.mutate import OPS, differences, mutate  # noqa: E402


def main(argv: list[str]) -> int:
    n = int(next((a for a in argv if a.isdigit()), "500"))
    save = "--save" in argv
    bases = {u: filled(u) for u in ("SNV", "H-THO-XUAN", "TINH")}
    counts: Counter = Counter()
    by_op: Counter = Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="xlcchc-diff-") as tmp:
        for i in range(n):
            rng = random.Random(i)
            unit = rng.choice(sorted(bases))
            ops = [o for o in OPS if rng.random() < 0.3]
            data, shown = mutate(bases[unit], rng, ops)
            p, q = Path(tmp) / "m.xlsx", Path(tmp) / "o.xlsx"
            p.write_bytes(data)
            q.write_bytes(shown)
            diff = differences(p, q)
            kind = "refused" if diff is None else ("different" if diff else "equal")
            counts[kind] += 1
            for o in ops or ["values"]:
                by_op[(o, kind)] += 1
            if diff:
                print(f"#{i} {unit} {ops}: {diff[:3]}")
                if save:
                    corpus = ROOT / "tests" / "differential" / "corpus"
                    (corpus / f"found_{i}.xlsx").write_bytes(data)
                    (corpus / f"found_{i}.oracle.xlsx").write_bytes(shown)
    secs = time.perf_counter() - started
    print(f"{n} mutated files in {secs:.1f} s ({secs / n * 1000:.0f} ms each): "
          f"{counts['equal']} accepted and equal to openpyxl, {counts['refused']} refused, {counts['different']} different")
    for o in [*OPS, "values"]:
        print(f"  {o:9} " + ", ".join(f"{k} {by_op[(o, k)]}" for k in ("equal", "refused", "different")))
    return 1 if counts["different"] else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
