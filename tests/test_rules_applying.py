"""`Catalog.rules_applying` (by sets, what the template's check sheet and `xlcchc check` use) is `rule_applies`
of every rule, for every unit of every regime, with and without rows left out by a period's plan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.catalog.load import available_regimes, load_catalog, registry_of
from xlcchc.periods import parse_period
from xlcchc.plan.computed import plan_computed


def _by_rule(catalog, unit, excluded=frozenset()):
    return [r for r in catalog.rules if catalog.rule_applies(r, unit) and not excluded & set(r.operands)]


def test_every_unit_of_every_regime_gets_the_rules_that_apply_to_it():
    checked = 0
    for regime in available_regimes():
        catalog = load_catalog(regime)
        for unit in registry_of(catalog).units:
            got = catalog.rules_applying(unit)
            assert got == _by_rule(catalog, unit)
            checked += bool(got)
    assert checked > 100  # units that have rules of their own, in all regimes together


def test_rows_a_period_plan_computes_take_their_rules_away():
    catalog = load_catalog("tinh-2025")
    period = parse_period("2026-N")
    taken = 0
    for unit in registry_of(catalog).reporting_units():
        excluded = frozenset(plan_computed(catalog, unit, period))
        got = catalog.rules_applying(unit, excluded)
        assert got == _by_rule(catalog, unit, excluded)
        taken += len(catalog.rules_applying(unit)) - len(got)
    assert taken > 0  # the plan computes rows some rules read


@settings(max_examples=60, deadline=None, derandomize=True)
@given(regime=st.sampled_from(["tinh-2022", "tinh-2025", "huyen-2024"]), data=st.data())
def test_any_rows_left_out(regime, data):
    catalog = load_catalog(regime)
    unit = data.draw(st.sampled_from(registry_of(catalog).units))
    keys = sorted(catalog.indicators)
    excluded = frozenset(data.draw(st.lists(st.sampled_from(keys), max_size=40)))
    assert catalog.rules_applying(unit, excluded) == _by_rule(catalog, unit, excluded)
