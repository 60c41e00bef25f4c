"""The rules of a catalog that apply to one kind of unit, compiled once: what the check runs per return.

A merge checks hundreds of returns of a few kinds of unit (a two-tier province: 166 communes, one fill key
for all of them). What a rule's status depends on besides the values — which rules apply, the value kind and
code list of a row, which rows are computed, registry counts, which operands are derived totals — is the
same for every return of a fill key (`Catalog.fill_key`), so it is worked out here once and kept as plain
tuples and status functions (`formulas.status_function`, the one Python mirror of the check sheet). The
catalog stays the only source: nothing here is written per rule.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .catalog.models import Catalog, Rule, Unit
from .formulas import StatusFn, domain_test, status_function

__all__ = ["RulePlan", "rule_plan"]

_ROW_RULES = ("domain", "required")


class RulePlan:
    """Rules in catalog order with their status functions, and the indexes the check and the diagnosis use.

    - `rules`, `status`: the rules and, at the same positions, their status functions;
    - `relations`: (rule, status function) of the rules between rows (not domain / required);
    - `status_of`: rule id → status function; `operands`: rule id → operand keys (target first);
    - `reading`: key → the relations that read it, in catalog order;
    - `computed`: the operand keys that are formulas for this unit (`Catalog.computed`);
    - `value_keys`: rows that hold a value; `numeric_keys`: those the unit does not type text in.
    """

    __slots__ = ("rules", "status", "relations", "status_of", "operands", "reading", "computed",
                 "value_keys", "numeric_keys", "_domain", "_catalog", "_unit")

    def __init__(self, catalog: Catalog, unit: Unit, rules: Iterable[Rule]):
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.status: tuple[StatusFn, ...] = tuple(status_function(r, catalog, unit) for r in self.rules)
        self.status_of: dict[str, StatusFn] = {r.id: fn for r, fn in zip(self.rules, self.status)}
        self.operands: dict[str, tuple[str, ...]] = {r.id: tuple(r.operands) for r in self.rules}
        self.relations: tuple[tuple[Rule, StatusFn], ...] = tuple(
            (r, fn) for r, fn in zip(self.rules, self.status) if r.kind not in _ROW_RULES)
        reading: dict[str, list[Rule]] = {}
        for r, _ in self.relations:
            for k in self.operands[r.id]:
                reading.setdefault(k, []).append(r)
        self.reading: dict[str, tuple[Rule, ...]] = {k: tuple(rs) for k, rs in reading.items()}
        inds = catalog.indicators
        self.computed = frozenset(k for ops in self.operands.values() for k in ops
                                  if catalog.computed(inds[k], unit))
        self.value_keys = frozenset(k for k, ind in inds.items() if ind.has_value)
        self.numeric_keys = frozenset(k for k in self.value_keys if inds[k].unit_kind_of_value(unit.kind) != "text")
        self._domain: dict[str, Callable[[Any], bool]] = {}
        self._catalog, self._unit = catalog, unit

    def domain_ok(self, key: str, v: Any) -> bool:
        """`formulas.domain_ok` of row `key` for this unit (its kind and codes worked out on first use)."""
        test = self._domain.get(key)
        if test is None:
            test = self._domain[key] = domain_test(self._catalog.indicators[key], self._unit.kind)
        return test(v)


_PLANS: dict[tuple, RulePlan] = {}


def rule_plan(catalog: Catalog, unit: Unit, excluded: frozenset = frozenset()) -> RulePlan:
    """The plan of the rules that apply to `unit`, in catalog order, once per fill key and not once per file.
    `excluded`: rows the period's plan computes (a rule reading one is not the unit's)."""
    key = (catalog.regime, catalog.fingerprint, *catalog.fill_key(unit), excluded)  # same rules for one fill key
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = RulePlan(catalog, unit, (
            r for r in catalog.rules if catalog.rule_applies(r, unit) and not excluded.intersection(r.operands)))
    return plan
