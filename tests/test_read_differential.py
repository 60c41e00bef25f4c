"""Differential test: the fast reader against an independent implementation (openpyxl, and LibreOffice).

Real returns are mutated (random values of every cell type, reordered attributes, a namespace prefix,
inline and rich-text strings, shared formulas, comments, extLst content, duplicated parts); for every
file the reader accepts, every value and note equals what openpyxl reads from it, or the reader refuses
the file. Fixed seed and a bounded number of examples here; `scripts/differential_run.py` runs longer.
Cases it found are kept in tests/differential/corpus/ and replayed.
"""

import math
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcchc.read import ReturnError, read_return

from .bad_inputs.make_corpus import filled
from .differential.mutate import OPS, differences, mutate

CORPUS = Path(__file__).resolve().parent / "differential" / "corpus"
BASE = {}


def _base(unit: str) -> bytes:
    if unit not in BASE:
        BASE[unit] = filled(unit)
    return BASE[unit]


@settings(max_examples=int(os.environ.get("XLCCHC_DIFF_EXAMPLES", "15")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), ops=st.lists(st.sampled_from(OPS), unique=True, max_size=3),
       unit=st.sampled_from(["SNV", "H-THO-XUAN"]))
def test_reader_agrees_with_openpyxl_or_refuses(tmp_path, seed, ops, unit):
    data, shown = mutate(_base(unit), random.Random(seed), ops)
    path, oracle = tmp_path / f"m{seed}.xlsx", tmp_path / f"o{seed}.xlsx"
    path.write_bytes(data)
    oracle.write_bytes(shown)
    diff = differences(path, oracle)
    assert diff in (None, []), (ops, diff)
    if "dup_part" in ops:
        assert diff is None  # a duplicated part is always refused


def _corpus():
    return sorted(p for p in CORPUS.glob("*.xlsx") if not p.name.endswith(".oracle.xlsx"))


def test_corpus_is_kept():
    assert len(_corpus()) >= 5


@pytest.mark.parametrize("case", _corpus(), ids=lambda p: p.stem)
def test_corpus_case(case):
    oracle = case.with_name(case.stem + ".oracle.xlsx")
    diff = differences(case, oracle if oracle.exists() else None)
    assert diff in (None, []), diff


def test_libreoffice_sees_what_the_reader_reads(tmp_path):
    """On a sample: the mutated file re-saved by LibreOffice reads the same values and notes."""
    from xlcchc.office import recalculate

    data, _ = mutate(_base("SNV"), random.Random(7), ["reorder"])
    src = tmp_path / "m.xlsx"
    src.write_bytes(data)
    ours = read_return(src)
    lo = read_return(recalculate(src, tmp_path / "lo"))
    def same(a, b) -> bool:  # LibreOffice writes numbers with 15 significant digits
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-14)
        except (TypeError, ValueError):
            return a == b or (a in (None, "") and b in (None, ""))

    for key, c in ours.cells.items():
        if c.formula is None:
            assert same(c.raw, lo.cells[key].raw), (key, c.raw, lo.cells[key].raw)
    for key, v in ours.notes.items():
        if not v.startswith("="):
            assert same(v, lo.notes.get(key)), key
