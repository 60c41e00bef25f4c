"""The declarative description of a reporting regime: forms, indicators, rules, aggregation.

Everything downstream (templates, embedded formulas, Python checks, merge, appendix) is generated from
these objects, so a new reporting regime is a new data file, not new code. Validation here is strict
because a mistake in the catalog would silently become a wrong template for every unit.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from ..record import Record, field, literal_aliases, record

# The values a field may take, by the name its annotation gives (`kind: Kind`): typing.Literal aliases,
# made on first use by the module's __getattr__ (pydantic and the records' exact checks ask for them), so
# that importing the catalog's models does not import typing (a cold `check`, issue 17).
_LITERALS = {
    "Kind": ("heading", "count", "decimal", "percent", "money", "choice", "text"),
    "Severity": ("Lỗi", "Cảnh báo"),
    "Method": ("sum", "total", "ratio", "lead", "share_yes", "none", "plan_tasks", "plan_done"),
    "UnitKind": ("tw", "tinh", "so", "huyen", "xa"),  # tw: the national level (ministry)
}
__getattr__ = literal_aliases(globals(), _LITERALS)
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Literal

#: Methods whose figure is the lead unit's (the plan methods fall back to it in a period without a plan).
LEAD_METHODS = frozenset({"lead", "plan_tasks", "plan_done"})

#: Kinds that hold a number (the rest: headings have no value, text is free text).
NUMERIC_KINDS = frozenset({"count", "decimal", "percent", "money", "choice"})

ERROR: Severity = "Lỗi"
WARNING: Severity = "Cảnh báo"


@record
class Choice(Record):
    value: int
    label: str


@record
class Aggregate(Record):
    """How the provincial (or district) figure of an indicator is formed from the units' returns.

    `filled_by` lists the kinds of reporting unit (`so`, `huyen`, `xa`) or unit codes that fill the row
    in their own return; the consolidating unit (`tinh`, or the district in a district regime) always
    can. `reason` is kept where the method is not a plain sum, for the consolidator who asks why.
    `plan_tasks` / `plan_done` (Biểu mẫu 1, 2.1 / 2.2): the number of tasks of the plan in force for the
    period and of those every lead unit has completed, counted from the tasks tracked on the units'
    “Nhiệm vụ” sheets (`xlcchc.plan`); in a period without a plan, the lead unit's typed figure.
    """

    @property
    def lead_like(self) -> bool:
        """The figure is the lead unit's (always for `lead`; for the plan methods when there is no plan)."""
        return self.method in LEAD_METHODS

    method: Method
    filled_by: list[str] = field(default_factory=list)
    lead: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    reason: str | None = None
    #: Consolidated figures added to a `sum` (keys of rows formed from units' returns, not derived):
    #: 5:4 discipline = Σ departments and districts + 4.1, the provincial leaders no unit reports.
    plus: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.method in LEAD_METHODS and not self.lead:
            raise ValueError(f"phương thức '{self.method}' cần mã đơn vị chủ trì (lead)")
        if self.method == "ratio" and not (self.numerator and self.denominator):
            raise ValueError("phương thức 'ratio' cần tử số (numerator) và mẫu số (denominator)")


@record
class Indicator(Record):
    """One row of a form, as printed: STT, label, unit of measure, and what kind of value it holds."""

    form: int
    code: str
    stt: str | None = None  # as printed when it differs from `code` ("Trong đó", a duplicated number)
    parent: str | None = None
    label: str
    unit: str = ""
    kind: Kind
    choices: list[Choice] = field(default_factory=list)
    aggregate: Aggregate = Aggregate(method="none")
    required: bool = True
    cumulative: bool = False
    #: A blank value here is known from its breakdown: the terms of the sum rule whose target it is
    #: form a partition (every unit counted once, nothing else), so Σ parts is the total when they
    #: are all given. Declared per row in the catalog (`from_parts = true`): not every sum is one.
    from_parts: bool = False

    @property
    def key(self) -> str:
        return f"{self.form}:{self.code}"

    @property
    def printed_stt(self) -> str:
        return self.stt if self.stt is not None else self.code + "."

    @property
    def has_value(self) -> bool:
        return self.kind != "heading"

    @property
    def depth(self) -> int:
        return self.code.count(".")

    def unit_choices(self) -> list[Choice]:
        """The code list a reporting unit answers with: a share-of-units row is a yes/no question to each unit."""
        if self.aggregate.method == "share_yes":
            return [Choice(value=1, label="Có"), Choice(value=0, label="Không")]
        return list(self.choices)

    def unit_kind_of_value(self, unit_kind: str) -> Kind:
        """What a unit of `unit_kind` types in this row (the consolidating level sees the printed kind).

        A share-of-units row is a yes/no question to exactly the units that answer it (`filled_by`);
        deciding by `filled_by` rather than by naming the province keeps it right one level down,
        where the consolidating unit is a district (`huyen-2024`) and the answering units are communes.
        """
        if self.aggregate.method == "share_yes" and unit_kind in self.aggregate.filled_by:
            return "choice"
        return self.kind

    def unit_label_of_unit(self, unit_kind: str) -> str:
        """The text of the unit column for a unit of `unit_kind` (code lists are shown there, as printed)."""
        if self.unit_kind_of_value(unit_kind) != self.kind:  # a share-of-units row asked as yes/no
            return "\n".join(f"{c.label} = {c.value}" for c in self.unit_choices())
        return self.unit


@record
class Rule(Record):
    """A consistency rule, evaluated by Python and compiled into the template's check sheet.

    Operands are indicator keys `form:code`. Kinds (docs/rules.md has an example of each):
    - `sum`: target = Σ terms (a parent and its breakdown rows, only where a sum is meant);
    - `ratio`: target = numerator / denominator × 100 (a printed percentage, rounded or truncated);
    - `compare`: F(left) `op` G(right) + constant (+ the number of registry units of kind `units`),
      F and G one of Σ (`sum`), `max`, `min` (orderings, cross-form consistency, shares ≤ 100 %);
    - `between`: F(left) ≤ target ≤ G(right) + constant (a published total between the largest
      channel and the sum of channels that overlap; a rate between its parts' smallest and largest);
    - `part`: every present term ≤ target (a part alone exceeding its total), evaluated as soon as
      the target and one term are there;
    - `zero_if`: target = 0 ⇒ every term is blank or 0 (no survey ⇒ no survey forms);
    - `fraction`: target (a percentage) is k / n × 100 for a whole k, n = `denominator`'s value or
      the number of registry units of kind `units` (a share of five inspected units is 0, 20, 40 … %);
    - `domain`: the value fits its kind (whole number ≥ 0, 0–100 %, a code of the list…);
    - `required`: a row the unit must fill is not blank.
    """

    id: str
    kind: Literal["sum", "ratio", "compare", "between", "part", "zero_if", "fraction", "domain", "required"]
    form: int
    severity: Severity
    message: str
    target: str | None = None
    terms: list[str] = field(default_factory=list)
    numerator: str | None = None
    denominator: str | None = None
    left: list[str] = field(default_factory=list)
    op: Literal["<=", ">=", "="] | None = None
    right: list[str] = field(default_factory=list)
    tolerance: float = 0.0
    left_fn: Literal["sum", "max", "min"] = "sum"
    right_fn: Literal["sum", "max", "min"] = "sum"
    constant: float = 0.0
    units: str | None = None  # a registry unit kind whose count is added to the right side / is n

    @cached_property
    def operands(self) -> tuple[str, ...]:
        """Every indicator the rule reads, in a stable order (target first). Worked out once per rule (a rule is
        frozen): the check, its diagnosis and the template all ask for it, per return and per rule."""
        out: list[str] = []
        for k in [self.target, *self.terms, self.numerator, self.denominator, *self.left, *self.right]:
            if k and k not in out:
                out.append(k)
        return tuple(out)


@record
class Form(Record):
    number: int
    title: str
    indicators: list[Indicator]


@record
class Unit(Record):
    """A reporting unit (đơn vị báo cáo): a department, a district-level or commune people's committee."""

    code: str
    name: str
    kind: UnitKind
    parent: str | None = None  # the unit it reports to, when not the registry's top unit
    short: str | None = None
    official_code: int | None = None  # mã đơn vị hành chính (communes, provinces), from vietnam-provinces
    note: str | None = None  # where the unit comes from (a merger, the seed naming it), for the reviewer

    @property
    def short_name(self) -> str:
        return self.short or self.name


@record
class Registry(Record):
    """The units that report within one administrative structure (Thanh Hóa 2022, a district…)."""

    id: str
    name: str
    top: str  # code of the consolidating unit (TINH, or a district)
    units: list[Unit]
    province: int | None = None  # official code of the province whose communes come from the library

    def to_json(self) -> list[dict]:
        """The stable JSON shape of `xlcchc catalog units --json`."""
        return [
            {"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent, "official_code": u.official_code}
            for u in self.units
        ]

    @cached_property
    def by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    def label(self, code: str, *, short: bool = False) -> str:
        """A unit's name for a person (its short name where space is tight); the code if not registered."""
        u = self.by_code.get(code)
        if u is None:
            return code
        return u.short_name if short else u.name

    def reporting_units(self) -> list[Unit]:
        """The units expected to send a return to `top` (the consolidating unit excluded)."""
        return [u for u in self.units if u.code != self.top]


@record
class InForce(Record):
    """The dates a regime is in force for: a period belongs to it when the period's last day falls within."""

    start: date
    until: date | None = None

    def covers(self, last_day: date) -> bool:
        return self.start <= last_day and (self.until is None or last_day <= self.until)

    def text(self) -> str:
        fmt = "%d/%m/%Y"
        return f"từ {self.start.strftime(fmt)}" + (f" đến {self.until.strftime(fmt)}" if self.until else "")


@record
class Change(Record):
    """One difference of an extending regime from its base, with the reason the reviewer confirms."""

    form: int | None
    code: str
    action: Literal["bỏ", "sửa", "bỏ quy tắc", "thêm quy tắc"]
    before: str
    after: str
    reason: str


@record
class Catalog(Record):
    """A reporting regime (`tinh-2022`, …): its forms and rules and the registry of units it serves."""

    regime: str
    title: str
    level: UnitKind
    usage: str = ""
    registry: str
    periods: list[str]
    value_header: str = "Số liệu"
    forms: list[Form]
    rules: list[Rule]
    source: str = ""
    in_force: InForce | None = None
    extends: str | None = None  # the regime this one was written as differences from
    changes: list[Change] = field(default_factory=list)

    @cached_property
    def indicators(self) -> dict[str, Indicator]:
        return {i.key: i for f in self.forms for i in f.indicators}

    def indicator(self, key: str) -> Indicator:
        return self.indicators[key]

    def form(self, number: int) -> Form:
        for f in self.forms:
            if f.number == number:
                return f
        raise KeyError(number)

    def value_indicators(self) -> list[Indicator]:
        return [i for f in self.forms for i in f.indicators if i.has_value]

    def children(self, key: str) -> list[Indicator]:
        ind = self.indicators[key]
        return [i for i in self.form(ind.form).indicators if i.parent == ind.code]

    @cached_property
    def partitions(self) -> dict[str, list[str]]:
        """key of a `from_parts` row → the terms of its sum rule (a blank total derived from them)."""
        out: dict[str, list[str]] = {}
        for r in self.rules:
            if r.kind == "sum" and r.target and self.indicators[r.target].from_parts and r.target not in out:
                out[r.target] = list(r.terms)
        return out

    def rules_of(self, form: int) -> list[Rule]:
        return [r for r in self.rules if r.form == form]

    def rules_reading(self, key: str) -> list[Rule]:
        return [r for r in self.rules if key in r.operands]

    # --- who fills what -------------------------------------------------------------------------
    def applies(self, ind: Indicator, unit: Unit) -> bool:
        """Whether `unit` fills `ind` in its own return (rows that do not apply are greyed and locked)."""
        if not ind.has_value:
            return False
        if unit.kind == self.level:
            return True
        agg = ind.aggregate
        if unit.code in agg.filled_by or unit.kind in agg.filled_by:
            return True
        return agg.method in LEAD_METHODS and agg.lead == unit.code

    @cached_property
    def _named_units(self) -> frozenset[str]:
        return frozenset(x for i in self.indicators.values() for x in [*i.aggregate.filled_by, i.aggregate.lead] if x)

    def fill_key(self, unit: Unit) -> tuple[str, str | None]:
        """What `applies` (hence `computed`, `rule_applies`) looks at in a unit: its kind, and its code only
        where the catalog names it. Units with one key fill the same rows, so per-unit plans are worked out
        once per key (a two-tier province has 166 communes and one key for them)."""
        return (unit.kind, unit.code if unit.code in self._named_units else None)

    def computed(self, ind: Indicator, unit: Unit) -> bool:
        """A percentage whose numerator and denominator are on the form is a formula, never typed."""
        agg = ind.aggregate
        if agg.method != "ratio" or ind.aggregate.numerator is None:
            return False
        num = self.indicators.get(agg.numerator)
        den = self.indicators.get(agg.denominator or "")
        return bool(num and den and self.applies(num, unit) and self.applies(den, unit))

    def rule_applies(self, rule: Rule, unit: Unit) -> bool:
        """Whether `rule` is the unit's: every row it reads is one the unit fills."""
        return all(self.applies(self.indicators[k], unit) for k in rule.operands)

    def rules_applying(self, unit: Unit, excluded: frozenset[str] = frozenset()) -> list[Rule]:
        """The rules for which `rule_applies`, in catalog order, less those reading a row in `excluded` (the
        rows the period's plan computes: a rule reading one is not the unit's). The template's check sheet
        and `xlcchc check` both take their rules from here.

        Worked out by sets, the rows the unit fills (`applies` once a row, not once a rule and operand)
        against each rule's operands (a set made once per catalog): `rule_applies` of every rule, since a
        catalog's rules read only its own rows (refused otherwise when it is compiled)."""
        fills = frozenset(k for k, ind in self.indicators.items() if self.applies(ind, unit))
        return [r for r, ops in _operand_sets(self) if ops <= fills and excluded.isdisjoint(ops)]

    # --- identity -------------------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """A short hash of the catalog's content: a template records it, the reader compares it."""
        # What a unit's return depends on: forms and rules. When and how the regime is in force, and how
        # it was written (extends, changes), are not part of it (so adding them kept tinh-2022's identity).
        # (json and the digest imported here: the fingerprint is computed once, then kept with the cached catalog.)
        import json

        from ..digest import sha256

        data = self.model_dump(mode="json", exclude={"source", "in_force", "extends", "changes"})
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return sha256(blob.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> dict:
        """The stable JSON shape of `xlcchc catalog show --json` (other tools read it)."""
        return {
            "regime": self.regime,
            "title": self.title,
            "level": self.level,
            "registry": self.registry,
            "periods": self.periods,
            "in_force": self.in_force.model_dump(mode="json") if self.in_force else None,
            **({"extends": self.extends} if self.extends else {}),
            "fingerprint": self.fingerprint,
            "forms": [
                {
                    "form": f.number,
                    "title": f.title,
                    "indicators": [
                        {
                            "form": i.form,
                            "code": i.code,
                            "stt": i.printed_stt,
                            "parent": i.parent,
                            "label": i.label,
                            "unit": i.unit,
                            "kind": i.kind,
                            "choices": [c.model_dump() for c in i.choices],
                            "aggregate": i.aggregate.model_dump(exclude_none=True),
                        }
                        for i in f.indicators
                    ],
                }
                for f in self.forms
            ],
            "rules": [r.model_dump(exclude_none=True, exclude_defaults=False) for r in self.rules],
            **({"changes": [c.model_dump() for c in self.changes]} if self.extends else {}),
        }


_OPERAND_SETS: dict[tuple, tuple[tuple[Rule, frozenset[str]], ...]] = {}


def _operand_sets(catalog: Catalog) -> tuple[tuple[Rule, frozenset[str]], ...]:
    """Each rule of `catalog` with the set of its operands, once per catalog. Kept here, not as a cached
    property: `record.warm` would store it in the catalog's cached pickle, which a cold check loads whole."""
    key = (catalog.regime, catalog.fingerprint)
    got = _OPERAND_SETS.get(key)
    if got is None:
        got = _OPERAND_SETS[key] = tuple((r, frozenset(r.operands)) for r in catalog.rules)
    return got
