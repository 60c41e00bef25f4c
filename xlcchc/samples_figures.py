"""The units' figures of the bundled 2022 samples, made from the printed provincial figures (`xlcchc.samples`).

The printed 2022 appendix is the target (`load_target`); `distribute` splits it over the registry's units
following the catalog's aggregation, so that merging the units' returns gives the printed figures again:
`sum` rows by integer apportionment with size weights (`apportion`, largest remainder, `a <= b` kept per
unit), `lead` rows carried by the lead agency, `share_yes` rows as the printed share of units answering 1.
Deterministic: one random generator from a fixed seed, drawn in a fixed order.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from .catalog.models import Catalog, Indicator, Registry, Unit
from .numbers import NONE_MARKS

TARGET_FILE = Path(__file__).with_name("samples_target_2022.json")
SEED = 2022

#: The unit that does not send a return. Its summed figures are zero (Ban Dân tộc handles almost no
#: administrative files and runs no public service units), so the printed totals still hold.
MISSING_UNIT = "BDT"

Value = float | int | str | None


# --- the printed target ------------------------------------------------------------------------


@dataclass
class Target:
    regime: str
    period: str
    values: dict[str, Value]  # form:code → printed figure (None = printed blank, "-" as printed)
    notes: dict[str, str]
    sizes: dict[str, dict[str, float]]  # unit → profile → relative size


def load_target(path: Path = TARGET_FILE) -> Target:
    """The printed 2022 provincial figures (a copy of the hand transcription the tests use)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    values: dict[str, Value] = {}
    notes: dict[str, str] = {}
    for r in data["values"]:
        key = f"{r['form']}:{r['code']}"
        values[key] = r["value"]
        if r.get("note"):
            notes[key] = r["note"]
    return Target(data["regime"], data["period"], values, notes, data["sizes"])


def printed_number(v: Value) -> float | None:
    """A printed figure as a number: `-` is zero (the appendix prints it for none), blank is None."""
    if v is None:
        return None
    if isinstance(v, str):
        return 0.0 if v.strip() in NONE_MARKS else None
    return float(v)


# --- integer apportionment ---------------------------------------------------------------------


def apportion(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder), each ≤ its cap.

    Exact: the parts always add up to `total` (when the caps allow it). Ties are broken by position,
    so the result is deterministic. Units with weight 0 get 0.
    """
    n = len(weights)
    if total < 0:
        raise ValueError("total must be ≥ 0")
    caps = list(caps) if caps is not None else [total] * n
    if sum(c for c, w in zip(caps, weights) if w > 0) < total:
        raise ValueError(f"caps too small for {total}")
    parts = [0] * n
    left = total
    active = [i for i in range(n) if weights[i] > 0 and caps[i] > 0]
    while left > 0 and active:
        wsum = math.fsum(weights[i] for i in active)
        quotas = {i: left * weights[i] / wsum for i in active}
        floors = {i: min(int(math.floor(quotas[i])), caps[i] - parts[i]) for i in active}
        given = sum(floors.values())
        for i in active:
            parts[i] += floors[i]
        rest = left - given
        # Largest remainders first (only among units still below their cap).
        order = sorted(
            (i for i in active if parts[i] < caps[i]),
            key=lambda i: (-(quotas[i] - math.floor(quotas[i])), i),
        )
        for i in order[:rest]:
            parts[i] += 1
        left = total - sum(parts)
        active = [i for i in active if parts[i] < caps[i]]
    if left:
        raise ValueError(f"could not place {left} of {total}")
    return parts


# --- the units' figures --------------------------------------------------------------------------


def _profile(ind: Indicator) -> str:
    """Which size measure drives a row: files handled, or the size of the organisation."""
    return "ho_so" if ind.unit.strip() in ("Hồ sơ", "PAKN") else "bo_may"


@dataclass
class UnitReturn:
    unit: str
    values: dict[str, Value] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _sum_targets(catalog: Catalog) -> dict[str, list[str]]:
    """Per-unit sum rules: a summed parent whose breakdown rows are summed over the same units."""
    out: dict[str, list[str]] = {}
    for r in catalog.rules:
        if r.kind != "sum" or not r.target:
            continue
        t = catalog.indicator(r.target)
        terms = [catalog.indicator(k) for k in r.terms]
        if t.aggregate.method == "sum" and all(
            x.aggregate.method == "sum" and x.aggregate.filled_by == t.aggregate.filled_by for x in terms
        ):
            out[r.target] = list(r.terms)
    return out


def _caps(catalog: Catalog) -> dict[str, str]:
    """left → right of single-operand `left <= right` rules (also `right >= left`)."""
    out: dict[str, str] = {}
    for r in catalog.rules:
        if r.kind != "compare" or len(r.left) != 1 or len(r.right) != 1:
            continue
        if r.op == "<=":
            out.setdefault(r.left[0], r.right[0])
        elif r.op == ">=":
            out.setdefault(r.right[0], r.left[0])
    return out


def distribute(
    catalog: Catalog, registry: Registry, target: Target, *, seed: int = SEED, missing: str = MISSING_UNIT
) -> dict[str, UnitReturn]:
    """Every reporting unit's figures such that the merge gives the printed figures (see module doc).

    The steps draw from one random generator in a fixed order (the samples are byte-identical for a seed):
    summed rows, rows derived from their parts, lead rows, own figures kept under their caps, shares of
    units answering yes."""
    d = _Distribution(catalog, registry.reporting_units(), target, random.Random(seed), missing)
    d.summed_rows()
    d.derived_rows()
    d.lead_rows()
    d.own_figures_capped()
    d.share_yes_rows()
    return d.out


class _Distribution:
    """The units' figures as `distribute` makes them, row family by row family."""

    def __init__(self, catalog: Catalog, units: list[Unit], target: Target, rng: random.Random, missing: str):
        self.catalog, self.units, self.target, self.rng, self.missing = catalog, units, target, rng, missing
        self.out = {u.code: UnitReturn(u.code) for u in units}
        self.sizes = target.sizes
        self.derived = _sum_targets(catalog)
        self.caps = _caps(catalog)

    def fillers(self, ind: Indicator) -> list[Unit]:
        by = ind.aggregate.filled_by
        return [u for u in self.units if u.kind in by or u.code in by]

    def weight(self, u: Unit, ind: Indicator) -> float:
        if u.code == self.missing:
            return 0.0
        w = float(self.sizes.get(u.code, {}).get(_profile(ind), 1.0))
        return w * math.exp(self.rng.gauss(0.0, 0.25)) if w > 0 else 0.0

    def summed_rows(self) -> None:
        """Summed rows, caps (right-hand sides) before the rows they bound; parents of sum rules afterwards."""
        catalog, caps, derived, out = self.catalog, self.caps, self.derived, self.out
        summed = [i for i in catalog.value_indicators() if i.aggregate.method == "sum" and i.key not in derived]
        order: list[Indicator] = []

        def place(ind: Indicator, seen: tuple[str, ...] = ()) -> None:
            if ind in order or ind.key in seen:
                return
            cap = caps.get(ind.key)
            if cap and cap not in derived and catalog.indicator(cap).aggregate.method == "sum":
                place(catalog.indicator(cap), seen + (ind.key,))
            order.append(ind)

        for ind in summed:
            place(ind)
        for ind in order:
            fl = self.fillers(ind)
            total = printed_number(self.target.values.get(ind.key))
            if total is None:  # printed blank: nobody reports it
                for u in fl:
                    out[u.code].values[ind.key] = None
                continue
            for u, p in zip(fl, self._parts(ind, fl, int(round(total)))):
                out[u.code].values[ind.key] = p

    def _parts(self, ind: Indicator, fl: list[Unit], total_i: int) -> list[int]:
        """The fillers' shares of a summed row's printed total, each under its cap row's figure if it has one."""
        cap_key = self.caps.get(ind.key)
        cap_vals = None
        if cap_key and all(cap_key in self.out[u.code].values for u in fl):
            cap_vals = [int(self.out[u.code].values[cap_key] or 0) for u in fl]
        if cap_vals is not None and sum(cap_vals) >= total_i:
            # left ≤ right per unit: share the shortfall (right − left) out, each unit's ≤ its right side.
            short = apportion(
                sum(cap_vals) - total_i,
                [c * math.exp(self.rng.gauss(0.0, 0.6)) if c > 0 else 0.0 for c in cap_vals],
                cap_vals,
            )
            return [c - s for c, s in zip(cap_vals, short)]
        return apportion(total_i, [self.weight(u, ind) for u in fl])

    def derived_rows(self) -> None:
        for key in _derived_order(self.derived):
            ind = self.catalog.indicator(key)
            for u in self.fillers(ind):
                terms = [self.out[u.code].values.get(t) for t in self.derived[key]]
                nums = [t for t in terms if isinstance(t, (int, float))]
                self.out[u.code].values[key] = sum(nums) if nums else None

    def lead_rows(self) -> None:
        """Lead rows: the lead's return carries the printed figure and note; other fillers their own figures."""
        for ind in self.catalog.value_indicators():
            agg = ind.aggregate
            if not agg.lead_like:
                continue
            printed = self.target.values.get(ind.key)
            lead = self.out.get(agg.lead or "")
            if lead is not None:
                lead.values[ind.key] = printed
                if ind.key in self.target.notes:
                    lead.notes[ind.key] = self.target.notes[ind.key]
            for u in self.fillers(ind):
                if u.code == agg.lead:
                    continue
                self.out[u.code].values[ind.key] = _own_figure(ind, printed, u, self.sizes, self.rng)

    def own_figures_capped(self) -> None:
        """Own figures respect `left <= right` too (tasks done ≤ tasks planned)."""
        for ind in self.catalog.value_indicators():
            right = self.caps.get(ind.key)
            if not ind.aggregate.lead_like or not right:
                continue
            for u in self.fillers(ind):
                if u.code == ind.aggregate.lead:
                    continue
                values = self.out[u.code].values
                lv, rv = values.get(ind.key), values.get(right)
                if isinstance(lv, (int, float)) and isinstance(rv, (int, float)) and lv > rv:
                    values[ind.key] = rv - int(rv * self.rng.uniform(0.0, 0.1))

    def share_yes_rows(self) -> None:
        """Share of units answering yes."""
        for ind in self.catalog.value_indicators():
            if ind.aggregate.method != "share_yes":
                continue
            fl = [u for u in self.fillers(ind) if u.code != self.missing]
            p = printed_number(self.target.values.get(ind.key))
            if p is None:
                continue
            yes = int(round(p * len(fl) / 100.0))
            no = set(self.rng.sample(range(len(fl)), len(fl) - yes)) if yes < len(fl) else set()
            for n, u in enumerate(fl):
                self.out[u.code].values[ind.key] = 0 if n in no else 1


def _derived_order(derived: dict[str, list[str]]) -> list[str]:
    """Parents after their breakdown rows (2.4 before 2.1 when 2.1 = … + 2.4 + …)."""
    done: list[str] = []

    def visit(k: str) -> None:
        if k in done:
            return
        for t in derived.get(k, []):
            if t in derived:
                visit(t)
        done.append(k)

    for k in derived:
        visit(k)
    return done


def _own_figure(ind: Indicator, printed: Value, u: Unit, sizes: dict, rng: random.Random) -> Value:
    """A unit's own figure for a row it fills but that is not summed: plausible beside the lead's."""
    if ind.kind == "choice":
        return printed if isinstance(printed, (int, float)) else ind.choices[-1].value
    p = printed_number(printed)
    if p is None:
        return None
    peers = [s.get(_profile(ind), 1.0) for code, s in sizes.items()]
    rel = float(sizes.get(u.code, {}).get(_profile(ind), 1.0)) / (max(peers) or 1.0)
    share = (0.15 + 0.6 * min(1.0, math.sqrt(rel))) * rng.uniform(0.8, 1.2)
    if ind.kind == "percent":
        return round(min(100.0, p * rng.uniform(0.9, 1.0)), 2)
    return max(0, int(round(p * share)))
