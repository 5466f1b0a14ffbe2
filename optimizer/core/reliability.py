"""Reliability figures of a plan (reliability extension): failures, interruptions, downtime and spares.

Plain Python, no Pyomo: the model data (``optimizer.core.data``) takes its per-link and per-switch
coefficients from here and the plan (``optimizer.core.results``) its reported figures, so both use the
same arithmetic. ``optimizer.core.verify`` recomputes everything on its own.

A failure mode m of catalogue item x (a row of the catalogue's ``reliability`` section) has a rate
``fit(m)`` per 10^9 hours of one failing unit and a failure domain ``D(m)``: the links lost together when
one unit fails. Per link of an option (or per switch of a model) the failing units of m are

    u(m) = ends of x on the link / D(m)      transceivers (D default: ends_per_module)
    u(m) = 1                                  cables (one cable per link; D default: 1 link)
    u(m) = 1 per switch                       switches (D default: max_ports)

where an explicit ``domain_ends`` of the mode overrides the default D(m) for every kind of item (a
switch mode of a line card loses its 8 ports, a cable mode may take 2 links down together)
and with h = 8766 hours per year and R(m) the links down during the repair (``repair_domain_ends``,
default D(m)), per link (or switch) and year:

    failures   f = sum_m u(m) fit(m) h / 1e9              each failure is one job interruption
    flaps      p = sum_m u(m) flap_fit(m) h / 1e9          each flap is one job interruption
    links down   = sum_m u(m) fit(m) h / 1e9 x D(m)
    down link-hours r = sum_m u(m) fit(m) h / 1e9 x R(m) x mttr_h(m)

The instance's ``reliability`` section prices them: every interruption stops G_stop GPUs
(``gpus_per_interruption``, default the fabric's ``gpus``) for ``restart_h``, and every link down idles
``idle_gpus_per_lost_link`` GPUs for the repair, so the GPU-hours lost per year are

    L = (f + p) G_stop restart_h + r idle_gpus_per_lost_link

and the downtime cost over the horizon is ``years x gpu_hour_usd x L``. Availability is
1 - L_total / (gpus x h). Spares: for each mode m, with U(m) the failing units of m in the plan,

    spares(m) >= spares_factor x U(m) fit(m) spares_lead_time_h / 1e9      (an integer)

i.e. the expected failures while a used spare is replenished times a service factor, rounded up; the
plan states the Poisson probability that the spares cover the failures of one lead time. A spare's price
is the mode's ``spare_cost_usd``, by default the failing unit's price; a cable priced per metre
(``cost_usd_per_m`` > 0) is a different part at each length, so its spares are sized and stocked per
length used (``SpareKey``) and priced, by default, at the cable's price at that length
(cost_usd + cost_usd_per_m x length_m). Everything
except the rounding of spares is linear in the link and switch counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from optimizer.core.catalog import CatalogIndex
from optimizer.core.schema import Instance, NicNode, Reliability

HOURS_PER_YEAR = 8766.0
DAYS_PER_YEAR = HOURS_PER_YEAR / 24.0
PER_FIT = 1e-9
SIGNIFICANT_DIGITS = 12
"""Reliability figures of a plan keep 12 significant digits: a fabric's interruptions per day can be 1e-4
or less, where rounding to a fixed number of decimals would leave two digits."""


def round_significant(x: float) -> float:
    """``x`` to ``SIGNIFICANT_DIGITS`` significant digits (0.0 for zero): how the plan reports reliability
    figures."""
    v = float(f"{x:.{SIGNIFICANT_DIGITS}g}")
    return 0.0 if v == 0 else v


@dataclass(frozen=True)
class Mode:
    """A failure mode with its defaults resolved."""

    id: str
    item: str
    mode: str
    repair: str
    fit: float
    flap_fit: float
    domain_links: int
    """Links lost per failure (the failure domain)."""
    repair_links: int
    """Links down while the repair is made."""
    mttr_h: float
    spare_cost_usd: float
    """Price of one spare (at length 0 for a cable priced per metre)."""
    spare_cost_usd_per_m: float = 0.0
    """Added to the spare price per metre of the link's length (a cable priced per metre, default price)."""
    per_length: bool = False
    """Spares are distinct parts per link length (a cable priced per metre)."""

    def key(self, length_m: float) -> SpareKey:
        """The spares row of one link of this length: the mode, and the length when it matters."""
        return (self.id, length_m if self.per_length else None)

    def spare_price(self, length_m: float | None) -> float:
        """Price of one spare for links of ``length_m`` (None: a part whose price has no length)."""
        return self.spare_cost_usd + self.spare_cost_usd_per_m * (length_m or 0.0)


SpareKey = tuple[str, float | None]
"""A spares row: the failure mode's id and, for a cable priced per metre, the link length of its spares."""


@dataclass(frozen=True)
class Params:
    """The instance's downtime economics with defaults resolved."""

    years: float
    gpu_hour_usd: float
    restart_h: float
    gpus: int
    gpus_per_interruption: int
    idle_gpus_per_lost_link: float
    spares_lead_time_h: float
    spares_factor: float
    max_interruptions_per_day: float | None
    min_availability: float | None

    @property
    def gpu_h_per_event(self) -> float:
        """GPU-hours lost per interruption."""
        return self.gpus_per_interruption * self.restart_h


@dataclass
class Rates:
    """Expected figures per year of one link (or one switch); ``units`` = failing units per spares row
    (failure mode id, and the length for a cable priced per metre)."""

    failures: float = 0.0
    flaps: float = 0.0
    links_down: float = 0.0
    down_link_h: float = 0.0
    units: dict[SpareKey, float] = field(default_factory=dict)

    @property
    def interruptions(self) -> float:
        """Job interruptions per year (failures and flaps)."""
        return self.failures + self.flaps

    def lost_gpu_h(self, p: Params) -> float:
        """GPU-hours lost per year."""
        return self.interruptions * p.gpu_h_per_event + self.down_link_h * p.idle_gpus_per_lost_link

    def downtime_usd(self, p: Params) -> float:
        """Downtime cost over the horizon."""
        return p.years * p.gpu_hour_usd * self.lost_gpu_h(p)


def params(instance: Instance) -> Params | None:
    """The resolved downtime economics, or None without a ``reliability`` section."""
    r: Reliability | None = instance.reliability
    if r is None:
        return None
    gpus = r.gpus or sum(n.count for n in instance.nodes if isinstance(n, NicNode))
    return Params(
        years=instance.economics.years,
        gpu_hour_usd=r.gpu_hour_usd,
        restart_h=r.restart_h,
        gpus=gpus,
        gpus_per_interruption=r.gpus_per_interruption or gpus,
        idle_gpus_per_lost_link=r.idle_gpus_per_lost_link,
        spares_lead_time_h=r.spares_lead_time_h,
        spares_factor=r.spares_factor,
        max_interruptions_per_day=r.max_interruptions_per_day,
        min_availability=r.min_availability,
    )


def modes_by_item(index: CatalogIndex) -> dict[str, list[Mode]]:
    """Failure modes per catalogue item, defaults resolved (see the module docstring)."""
    out: dict[str, list[Mode]] = {}
    for r in index.reliability.values():
        per_m, per_length = 0.0, False
        if r.item in index.transceivers:
            t = index.transceivers[r.item]
            domain = r.domain_ends or t.ends_per_module
            spare = t.cost_usd * domain
        elif r.item in index.cables:
            c = index.cables[r.item]
            domain, spare = r.domain_ends or 1, c.cost_usd
            per_length = c.cost_usd_per_m > 0
            per_m = c.cost_usd_per_m if r.spare_cost_usd is None else 0.0
        elif r.item in index.switches:
            s = index.switches[r.item]
            domain, spare = r.domain_ends or s.max_ports, s.price_usd
        else:
            continue
        out.setdefault(r.item, []).append(
            Mode(
                r.id,
                r.item,
                r.mode,
                r.repair,
                r.rate_fit,
                r.flap_fit,
                domain,
                r.repair_domain_ends or domain,
                r.mttr_h,
                spare if r.spare_cost_usd is None else r.spare_cost_usd,
                per_m,
                per_length,
            )
        )
    return out


def _add(rates: Rates, mode: Mode, units: float, length_m: float) -> None:
    per_h = units * PER_FIT * HOURS_PER_YEAR
    rates.failures += per_h * mode.fit
    rates.flaps += per_h * mode.flap_fit
    rates.links_down += per_h * mode.fit * mode.domain_links
    rates.down_link_h += per_h * mode.fit * mode.repair_links * mode.mttr_h
    key = mode.key(length_m)
    rates.units[key] = rates.units.get(key, 0.0) + units


def link_rates(
    items: tuple[tuple[str, int], ...], kind: str, modes: dict[str, list[Mode]], length_m: float = 0.0
) -> Rates:
    """Figures per year of one link of an option (``items``: catalogue items with units per link) in a
    group of ``length_m`` (the length prices the spares of a cable priced per metre)."""
    rates = Rates()
    for item, ends in items:
        for mode in modes.get(item, ()):
            _add(rates, mode, 1.0 if kind == "cable" else ends / mode.domain_links, length_m)
    return rates


def switch_rates(model: str, modes: dict[str, list[Mode]]) -> Rates:
    """Figures per year of one switch of a model (its link ends are separate items)."""
    rates = Rates()
    for mode in modes.get(model, ()):
        _add(rates, mode, 1.0, 0.0)
    return rates


def spares_needed(mode: Mode, units: float, p: Params) -> float:
    """The spare stock a mode needs: factor x expected failures in one lead time (not rounded)."""
    return p.spares_factor * units * mode.fit * PER_FIT * p.spares_lead_time_h


def spares_usd(units: dict[SpareKey, float], modes: dict[str, Mode], p: Params) -> float:
    """Capex of the spare stock that ``units`` failing units per spares row need (linear in the units)."""
    return sum(modes[m].spare_price(length) * spares_needed(modes[m], u, p) for (m, length), u in units.items())


def spares_count(mode: Mode, units: float, p: Params) -> int:
    """Whole spares to stock: ``spares_needed`` rounded up."""
    need = spares_needed(mode, units, p)
    return max(0, math.ceil(need - 1e-9))


def poisson_cdf(k: int, mu: float) -> float:
    """P(X <= k) for X ~ Poisson(mu): the chance that k spares cover the failures of one lead time."""
    if mu <= 0:
        return 1.0
    term = math.exp(-mu)
    total = term
    for j in range(1, k + 1):
        term *= mu / j
        total += term
    return min(1.0, total)


# ------------------------------------------------------------------------ option pruning with reliability
@dataclass(frozen=True)
class PricedOption:
    """What pruning compares for one option when the instance has a ``reliability`` section."""

    objective: float
    """Objective coefficient of one link (the instance's objective mode, downtime and spares included)."""
    constrained: tuple[float, ...]
    """Per-link figures that some constraint of the instance limits (power, capex with spares, latency,
    interruptions, lost GPU-hours: only those the instance constrains)."""


def prune_priced(
    options: list[Any],
    compat: list[tuple[frozenset[str] | None, frozenset[str] | None]],
    protected_items: frozenset[str],
    priced: list[PricedOption],
    whole_unit_items: frozenset[str] = frozenset(),
) -> list[int]:
    """Indices of options to keep when reliability is priced (the optimum is unchanged).

    Option p dominates q when both run at the same speed, p fits wherever q does, p uses no supply-limited
    item (or exactly q's items), p's objective coefficient (downtime and spares included) is no larger and
    p is no worse in every per-link figure that a constraint of the instance limits. Replacing every q link
    by a p link then keeps every constraint satisfied and the objective no worse (all figures are linear in
    the counts). Under the compatibility rules, as in ``options.prune_dominated``: p must be qualified for
    every protocol q is, and neither may use a whole-unit part (twin-port module, breakout) unless both use
    exactly the same items. When p and q dominate each other the first is kept.
    """

    def dominates(pi: int, qi: int) -> bool:
        p, q = options[pi], options[qi]
        a, b = priced[pi], priced[qi]
        if p.speed_gbps != q.speed_gbps or a.objective > b.objective:
            return False
        if any(x > y for x, y in zip(a.constrained, b.constrained, strict=True)):
            return False
        ends = zip(compat[pi], compat[qi], strict=True)
        if any(cp is not None and cq is not None and not cq <= cp for cp, cq in ends):
            return False
        if whole_unit_items and p.items != q.items:
            used = {item for item, _ in p.items} | {item for item, _ in q.items}
            if used & whole_unit_items:
                return False
        protocols_p, protocols_q = getattr(p, "protocols", None), getattr(q, "protocols", None)
        if protocols_p is not None and (protocols_q is None or not protocols_q <= protocols_p):
            return False
        return p.items == q.items or not any(item in protected_items for item, _ in p.items)

    keep: list[int] = []
    for qi in range(len(options)):
        if not any(pi != qi and dominates(pi, qi) and (pi < qi or not dominates(qi, pi)) for pi in range(len(options))):
            keep.append(qi)
    return keep
