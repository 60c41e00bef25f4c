"""A printed percentage may be rounded or truncated, but never says 100 (or 0) when it is not."""

import pytest

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_values
from xlcchc.formulas import computed_ratio, percent_accepted, percent_printed, percent_shown
from xlcchc.merge.aggregate import finalize


@pytest.mark.parametrize(
    "t,num,den,ok",
    [
        (99.99, 518549, 518562, True),  # the 2022 seed: 99,9975 truncated
        (100, 518549, 518562, False),  # 13 dossiers late: never 100
        (100.0, 732, 732, True),
        (99.67, 732, 732, False),  # the seed's 7:6.2
        (57, 6234262, 10630268, False),  # 58,65: neither truncated nor rounded
        (58, 6234262, 10630268, True),  # truncated to a whole
        (59, 6234262, 10630268, True),  # rounded to a whole
        (58.6, 6234262, 10630268, True),
        (58.7, 6234262, 10630268, False),  # 58,645… rounds to 58,6
        (96.67, 871, 910, False),
        (96.67, 871, 901, True),
        (65.85, 27, 41, True),
        (0, 1, 100000, False),  # a few are not none
        (0.01, 1, 100000, True),
        (0.0, 0, 5, True),
        (66.6667, 2, 3, True),  # unrounded copy of 66,666…
        (66.66, 2, 3, True),
        (66.67, 2, 3, True),
        (66.68, 2, 3, False),
    ],
)
def test_percent_accepted(t, num, den, ok):
    assert percent_accepted(t, num, den) is ok


def test_shown_and_printed_never_round_to_100_or_0():
    assert percent_shown(518549, 518562) == 99.99
    assert computed_ratio(518549, 518562) == 99.99
    assert percent_shown(1, 100000) == 0.01
    assert percent_shown(5, 5) == 100.0 and percent_shown(0, 5) == 0.0
    assert percent_printed(99.9975) == 99.99 and percent_printed(100.0) == 100.0
    assert percent_printed(0.001) == 0.01 and percent_printed(12.345) == 12.35


def test_merge_figure_of_almost_all_is_not_100():
    cat = load_catalog("tinh-2022")
    _, final = finalize(cat, {"3:3.1.1": 518562.0, "3:3.1.2": 518549.0})
    assert final["3:3.1"] == 99.99


def test_seed_99_99_accepted_100_refused():
    cat = load_catalog("tinh-2022")
    unit = registry_of(cat).by_code["TINH"]
    base = {"3:3.1.1": 518562, "3:3.1.2": 518549}
    assert not [f for f in check_values({**base, "3:3.1": 99.99}, cat, unit) if f.rule == "3-ratio-3.1"]
    bad = [f for f in check_values({**base, "3:3.1": 100}, cat, unit) if f.rule == "3-ratio-3.1"]
    assert len(bad) == 1 and "99,99%" in bad[0].message and bad[0].expected == 99.99
