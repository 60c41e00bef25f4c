"""The rules of a catalog that apply to one kind of unit, compiled once: what the check runs per return.

A merge checks hundreds of returns of a few kinds of unit (a two-tier province: 166 communes, one fill key
for all of them). What a rule's status depends on besides the values — which rules apply, the value kind and
code list of a row, which rows are computed, registry counts, which operands are derived totals — is the
same for every return of a fill key (`Catalog.fill_key`), so it is worked out here once and kept as plain
tuples and status functions (`formulas.status_function`, the one Python mirror of the check sheet). The
catalog stays the only source: nothing here is written per rule.
"""

from __future__ import annotations

from functools import cached_property
from .catalog.models import Catalog, Rule, Unit
from .formulas import domain_test, operand_reader, side_function, status_function

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Mapping

    from .formulas import StatusFn

__all__ = ["RulePlan", "rule_plan"]

_ROW_RULES = ("domain", "required")


class RulePlan:
    """Rules in catalog order with their status functions, and the indexes the check and the diagnosis use.

    - `rules`, `status`: the rules and, at the same positions, their status functions;
    - `relations`: (rule, status function) of the rules between rows (not domain / required);
    - `value_keys`: rows that hold a value; `numeric_keys`: those the unit does not type text in;
    - for the diagnosis only (made on its first use: a return whose rules hold never needs them):
      `status_of` rule id → status function, `operands` rule id → operand keys (target first),
      `reading` key → the relations that read it (catalog order),
      `is_computed(key)` whether a row is a formula for this unit (`Catalog.computed`);
    - `ratio_rows`: the computed percentages (the check's `cell.ratio_uncomputable`), made on first use.
    """

    def __init__(self, catalog: Catalog, unit: Unit, rules: Iterable[Rule]):
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.status: tuple[StatusFn, ...] = tuple(status_function(r, catalog, unit) for r in self.rules)
        self.relations: tuple[tuple[Rule, StatusFn], ...] = tuple(
            (r, fn) for r, fn in zip(self.rules, self.status) if r.kind not in _ROW_RULES)
        self.value_keys, self.numeric_keys = _value_keys(catalog, unit.kind)
        self._domain: dict[str, Callable[[Any], bool]] = {}
        self._computed: dict[str, bool] = {}
        self._readers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {}
        self._sides: dict = {}  # (rule id, "left" / "right") → (side function, side in words)
        #: What the check words a row's findings with, by key (`check._domain_words`): the same for the fill key.
        self.words: dict = {}
        self._catalog, self._unit = catalog, unit

    @cached_property
    def ratio_rows(self) -> tuple[tuple[str, str, str], ...]:
        """(key, numerator, denominator) of the rows computed for this unit (`read.normalise.ratio_rows`),
        looked up once per plan rather than by fill key once per return."""
        from .read.normalise import ratio_rows

        return ratio_rows(self._catalog, self._unit)

    @cached_property
    def status_of(self) -> dict[str, StatusFn]:
        return {r.id: fn for r, fn in zip(self.rules, self.status)}

    @cached_property
    def operands(self) -> dict[str, tuple[str, ...]]:
        return {r.id: r.operands for r in self.rules}

    @cached_property
    def reading(self) -> dict[str, tuple[Rule, ...]]:
        reading: dict[str, list[Rule]] = {}
        for r, _ in self.relations:
            for k in self.operands[r.id]:
                reading.setdefault(k, []).append(r)
        return {k: tuple(rs) for k, rs in reading.items()}

    def is_computed(self, key: str) -> bool:
        """`Catalog.computed` of row `key` for this unit (worked out on first use)."""
        got = self._computed.get(key)
        if got is None:
            got = self._computed[key] = self._catalog.computed(self._catalog.indicators[key], self._unit)
        return got

    def read(self, rule: Rule, values: Mapping[str, Any]) -> dict[str, Any]:
        """What each operand of `rule` reads (`formulas.operand_reader`, made on first use)."""
        reader = self._readers.get(rule.id)
        if reader is None:
            reader = self._readers[rule.id] = operand_reader(rule, self._catalog)
        return reader(values)

    def side(self, rule: Rule, which: str) -> tuple:
        """(`formulas.side_function`, `catalog.rules.side_words` in the rule's own form) of one side ("left" or
        "right") of a comparison, made on first use: the check words a failing comparison with both."""
        got = self._sides.get((rule.id, which))
        if got is None:
            from .catalog.rules import side_words

            got = self._sides[(rule.id, which)] = (side_function(rule, which, self._catalog),
                                                    side_words(rule, which, rule.form))
        return got

    def domain_ok(self, key: str, v: Any) -> bool:
        """`formulas.domain_ok` of row `key` for this unit (its kind and codes worked out on first use)."""
        test = self._domain.get(key)
        if test is None:
            test = self._domain[key] = domain_test(self._catalog.indicators[key], self._unit.kind)
        return test(v)


_VALUE_KEYS: dict[tuple, tuple[frozenset[str], frozenset[str]]] = {}


def _value_keys(catalog: Catalog, unit_kind: str) -> tuple[frozenset[str], frozenset[str]]:
    """(rows holding a value, those of them a unit of `unit_kind` types a number in), once per unit kind."""
    key = (catalog.regime, catalog.fingerprint, unit_kind)
    got = _VALUE_KEYS.get(key)
    if got is None:
        inds = catalog.indicators
        values = frozenset(k for k, ind in inds.items() if ind.has_value)
        got = _VALUE_KEYS[key] = (values, frozenset(k for k in values if inds[k].unit_kind_of_value(unit_kind) != "text"))
    return got


_PLANS: dict[tuple, RulePlan] = {}


def rule_plan(catalog: Catalog, unit: Unit, excluded: frozenset = frozenset()) -> RulePlan:
    """The plan of the rules that apply to `unit`, in catalog order, once per fill key and not once per file.
    `excluded`: rows the period's plan computes (a rule reading one is not the unit's)."""
    key = (catalog.regime, catalog.fingerprint, *catalog.fill_key(unit), excluded)  # same rules for one fill key
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = RulePlan(catalog, unit, catalog.rules_applying(unit, excluded))
    return plan
