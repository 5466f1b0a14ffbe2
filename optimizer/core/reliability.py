"""Reliability figures of a plan (reliability extension): failures, interruptions, downtime and spares.

Plain Python, no Pyomo: the model data (``optimizer.core.data``) takes its per-link and per-switch
coefficients from here and the plan (``optimizer.core.results``) its reported figures, so both use the
same arithmetic. ``optimizer.core.verify`` recomputes everything on its own.

A failure mode m of catalogue item x (a row of the catalogue's ``reliability`` section) has a rate
``fit(m)`` per 10^9 hours of one failing unit and a failure domain ``D(m)``: the links lost together when
one unit fails. Per link of an option (or per switch of a model) the failing units of m are

    u(m) = ends of x on the link / D(m)      transceivers (D default: ends_per_module)
    u(m) = 1                                  cables (one cable per link; D default: 1 link)
    u(m) = 1 / D(m) per NIC end of a host link NICs (D default: the NIC's ports; ``nic``: 1 port)
    u(m) = 1 per switch                       switches (D default: max_ports)
    u(m) = line_cards per switch              line cards of a modular chassis (``repair: line_card``;
                                              D default: max_ports / line_cards)

where an explicit ``domain_ends`` of the mode overrides the default D(m) for every kind of item (a
CPO engine loses the ports it serves, a cable mode may take 2 links down together). A NIC end
takes the modes of its group's catalogue NIC (``model``) when that NIC has rows, else those of the
generic item ``nic``. With h = 8766 hours per year, R(m) the links down during the repair
(``repair_domain_ends``, default D(m)) and T(m) the hours they stay down (``mttr_h``; a part that fails
in place keeps only its domain down, R = D, for T = window_h / 2), per link (or switch) and year:

    failures   f = sum_m u(m) fit(m) h / 1e9
    flaps      p = sum_m u(m) flap_fit(m) h / 1e9
    job stops  s x (f + p)                               s = the link group's job_stop_fraction
    links down   = sum_m u(m) fit(m) h / 1e9 x D(m)
    down link-hours r = sum_m u(m) fit(m) h / 1e9 x R(m) x T(m)

s is 1 for a switch, and for a link group its ``job_stop_fraction``, by default 1 for a host link and
1 / P between switch groups (``job_stop_fraction``). A line card's failure takes down only its own ports,
so it stops the job as the loss of one link of the switch group would: s = the largest job stop fraction
of the link groups with an end at the switch group (``line_card_job_stop_fraction``; 1 for a ToR chassis
with host links, 1 / P for a spine chassis between switch groups). The instance's ``reliability`` section prices them:
every job stop stops G_stop GPUs (``gpus_per_interruption``, default the fabric's ``gpus``) for
``restart_h``, and every link down idles ``idle_gpus_per_lost_link`` GPUs while it is down (a failure that
does not stop the job costs only this), so the GPU-hours lost per year are

    L = s (f + p) G_stop restart_h + r idle_gpus_per_lost_link

and the downtime cost over the horizon is ``years x gpu_hour_usd x L``. Availability is
1 - L_total / (gpus x h). Spares: with mu = failing units x fit(m) x spares_lead_time_h / 1e9 the
expected failures in one lead time, either ``spares_factor`` x mu (given), or the service-level rule:
the Poisson quantile Q(mu) at ``spares_service_level`` (default 0.95). The objective prices a linear
need: per link of an option in a group, the quantile of the group's failures as if all its n links
used that option, shared out per link, Q(n u fit L / 1e9) / n (n = the group's ``count``, else its demand
over the option's speed rounded up; for a switch the group's count or range minimum; n >= 1). The bill
of materials stocks the quantile of the pooled failures of each mode, Q(mu) (factor rule: the need
rounded up). A spare's price is the mode's ``spare_cost_usd``, by default the failing unit's price; a
cable priced per metre (``cost_usd_per_m`` > 0) is a different part at each length, so its spares are
sized and stocked per length used (``SpareKey``) and priced, by default, at the cable's price at that
length (cost_usd + cost_usd_per_m x length_m). Everything except the stocked whole spares is linear in
the link and switch counts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optimizer.core.catalog import CatalogIndex
from optimizer.core.schema import Instance, Link, NicNode, Reliability, SwitchNode

HOURS_PER_YEAR = 8766.0
DAYS_PER_YEAR = HOURS_PER_YEAR / 24.0
PER_FIT = 1e-9
NIC_ITEM = "nic"
"""Item of the failure modes of the NIC port at the host end of a link whose NIC group names no catalogue
NIC with failure modes of its own."""
DEFAULT_SERVICE_LEVEL = 0.95
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
    """Repair time (for a part that fails in place: the repair in the maintenance window)."""
    down_h: float
    """Hours the repair domain is down per failure (mttr_h, or window_h / 2 for a part that fails in place)."""
    spare_cost_usd: float
    """Price of one spare (at length 0 for a cable priced per metre)."""
    spare_cost_usd_per_m: float = 0.0
    """Added to the spare price per metre of the link's length (a cable priced per metre, default price)."""
    per_length: bool = False
    """Spares are distinct parts per link length (a cable priced per metre)."""
    units_per_switch: int = 1
    """Failing units per switch of the item: its line cards for a line-card mode, else 1."""

    @property
    def down_links(self) -> int:
        """Links down per failure until the part is repaired: the failure domain for a part that fails in
        place (its repair waits for a maintenance window), else the repair domain."""
        return self.domain_links if self.repair == "fail_in_place" else self.repair_links

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
    spares_factor: float | None
    """Spares = factor x expected failures when the instance gives it; else the service-level rule."""
    service_level: float
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
    interruptions: float = 0.0
    """Job interruptions per year: failures and flaps that stop the job (job_stop_fraction x both)."""
    links_down: float = 0.0
    down_link_h: float = 0.0
    units: dict[SpareKey, float] = field(default_factory=dict)

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
        service_level=DEFAULT_SERVICE_LEVEL if r.spares_service_level is None else r.spares_service_level,
        max_interruptions_per_day=r.max_interruptions_per_day,
        min_availability=r.min_availability,
    )


def modes_by_item(index: CatalogIndex) -> dict[str, list[Mode]]:
    """Failure modes per catalogue item, defaults resolved (see the module docstring)."""
    out: dict[str, list[Mode]] = {}
    for r in index.reliability.values():
        per_m, per_length, per_switch = 0.0, False, 1
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
            if r.repair == "line_card" and s.line_cards is not None:  # one card: its ports, its share of the price
                domain, spare = r.domain_ends or s.max_ports // s.line_cards, s.price_usd / s.line_cards
                per_switch = s.line_cards
        elif r.item in index.nics:
            nic = index.nics[r.item]
            domain, spare = r.domain_ends or nic.ports, nic.cost_usd
        elif r.item == NIC_ITEM:
            domain, spare = r.domain_ends or 1, 0.0
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
                r.down_h,
                spare if r.spare_cost_usd is None else r.spare_cost_usd,
                per_m,
                per_length,
                per_switch,
            )
        )
    return out


def _add(rates: Rates, mode: Mode, units: float, length_m: float, stop: float) -> None:
    per_h = units * PER_FIT * HOURS_PER_YEAR
    rates.failures += per_h * mode.fit
    rates.flaps += per_h * mode.flap_fit
    rates.interruptions += stop * per_h * (mode.fit + mode.flap_fit)
    rates.links_down += per_h * mode.fit * mode.domain_links
    rates.down_link_h += per_h * mode.fit * mode.down_links * mode.down_h
    key = mode.key(length_m)
    rates.units[key] = rates.units.get(key, 0.0) + units


def link_rates(
    items: tuple[tuple[str, int], ...],
    kind: str,
    modes: dict[str, list[Mode]],
    length_m: float = 0.0,
    stop: float = 1.0,
    nic_items: tuple[str, ...] = (),
) -> Rates:
    """Figures per year of one link of an option (``items``: catalogue items with units per link) in a
    group of ``length_m`` (the length prices the spares of a cable priced per metre) whose failures stop
    the job with probability ``stop``; ``nic_items``: the failure-mode item of each NIC end (``host_ends``)."""
    rates = Rates()
    for item, ends in items:
        for mode in modes.get(item, ()):
            _add(rates, mode, 1.0 if kind == "cable" else ends / mode.domain_links, length_m, stop)
    for item in nic_items:
        for mode in modes.get(item, ()):
            _add(rates, mode, 1.0 / mode.domain_links, length_m, stop)
    return rates


def switch_rates(model: str, modes: dict[str, list[Mode]], card_stop: float = 1.0) -> Rates:
    """Figures per year of one switch of a model (its link ends are separate items); every whole-switch
    failure stops the job, a line card's failure (``units_per_switch`` cards per switch) with probability
    ``card_stop`` (``line_card_job_stop_fraction``)."""
    rates = Rates()
    for mode in modes.get(model, ()):
        stop = card_stop if mode.repair == "line_card" else 1.0
        _add(rates, mode, float(mode.units_per_switch), 0.0, stop)
    return rates


def line_card_job_stop_fraction(nodes: Mapping[str, NicNode | SwitchNode], links: list[Link], node_id: str) -> float:
    """Probability that a line card's failure in switch group ``node_id`` stops the job: the largest
    ``job_stop_fraction`` of the link groups with an end at the group (a card carries links of any of them
    and loses only those), 1 when no link group reaches it."""
    stops = [job_stop_fraction(nodes, g) for g in links if node_id in (g.a, g.b)]
    return max(stops, default=1.0)


def _count_min(node: NicNode | SwitchNode) -> int:
    count = node.count
    return count if isinstance(count, int) else count.min


def job_stop_fraction(nodes: Mapping[str, NicNode | SwitchNode], link: Link) -> float:
    """Probability that a failure or flap of a link of this group stops the job: the group's
    ``job_stop_fraction``, else 1 for a host link (a NIC group at one end: one path from the NIC to its
    first switch) and 1 / P between switch groups, P = the smaller switch count of the two groups (the
    minimum of a range, at least 1): the equal-cost next hops a switch of the larger group has towards the
    smaller one, over which the failed link's flows are moved."""
    if link.job_stop_fraction is not None:
        return link.job_stop_fraction
    a, b = nodes[link.a], nodes[link.b]
    if isinstance(a, NicNode) or isinstance(b, NicNode):
        return 1.0
    return 1.0 / max(1, min(_count_min(a), _count_min(b)))


def host_ends(nodes: Mapping[str, NicNode | SwitchNode], link: Link, modes: dict[str, list[Mode]]) -> tuple[str, ...]:
    """The failure-mode item of each NIC end of a link of this group: the NIC group's catalogue NIC when it
    has failure modes, else the generic ``nic``."""
    out: list[str] = []
    for node in {nodes[link.a].id: nodes[link.a], nodes[link.b].id: nodes[link.b]}.values():
        if isinstance(node, NicNode):
            ends = 2 if link.a == link.b else 1
            out += [node.model if node.model is not None and node.model in modes else NIC_ITEM] * ends
    return tuple(out)


def group_size(link: Link, speed_gbps: float) -> int:
    """Links of a group that the service-level rule sizes its spares for, if all used one option of this
    speed: the group's ``count``, else its demand over the speed rounded up (at least 1)."""
    if link.count is not None:
        return max(1, link.count)
    return max(1, math.ceil(link.demand_gbps / speed_gbps - 1e-9))


def switch_group_size(node: SwitchNode) -> int:
    """Switches that the service-level rule sizes a switch group's spares for: its count or range minimum,
    at least 1."""
    return max(1, _count_min(node))


def poisson_cdf(k: int, mu: float) -> float:
    """P(X <= k) for X ~ Poisson(mu): the chance that k spares cover the failures of one lead time."""
    if mu <= 0:
        return 1.0
    total = 0.0
    for j in range(k + 1):
        total += math.exp(-mu + j * math.log(mu) - math.lgamma(j + 1))
    return min(1.0, total)


@functools.lru_cache(maxsize=65536)
def poisson_quantile(level: float, mu: float) -> int:
    """The fewest spares k with P(X <= k) >= level, X ~ Poisson(mu) (0 when mu = 0)."""
    if mu <= 0:
        return 0
    total, k = 0.0, 0
    log_mu = math.log(mu)
    while True:
        total += math.exp(-mu + k * log_mu - math.lgamma(k + 1))
        if total >= level - 1e-12:
            return k
        k += 1


def lead_time_failures(mode: Mode, units: float, p: Params) -> float:
    """Expected failures of ``units`` failing units of a mode in one spares lead time."""
    return units * mode.fit * PER_FIT * p.spares_lead_time_h


def spares_needed(mode: Mode, units: float, p: Params, basis: float | None = None) -> float:
    """The spare stock the objective prices for ``units`` failing units (not rounded, linear in the units):
    factor x expected failures in one lead time, or their share of the Poisson quantile of ``basis`` units
    (the group's units if it used one option throughout; default ``units``)."""
    mu = lead_time_failures(mode, units, p)
    if p.spares_factor is not None:
        return p.spares_factor * mu
    basis = units if basis is None else basis
    if units <= 0 or basis <= 0:
        return 0.0
    return poisson_quantile(p.service_level, lead_time_failures(mode, basis, p)) * units / basis


def spares_usd(units: dict[SpareKey, float], modes: dict[str, Mode], p: Params, size: float = 1.0) -> float:
    """Capex of the spare stock that ``units`` failing units per spares row (one link or switch) need in a
    group of ``size`` links or switches (linear in the units)."""
    return sum(
        modes[m].spare_price(length) * spares_needed(modes[m], u, p, size * u) for (m, length), u in units.items()
    )


def spares_count(mode: Mode, units: float, need: float, p: Params) -> int:
    """Whole spares to stock for ``units`` failing units of a mode in the plan: the Poisson quantile of
    their failures in one lead time, or (factor rule) the priced need rounded up."""
    if p.spares_factor is not None:
        return max(0, math.ceil(need - 1e-9))
    return poisson_quantile(p.service_level, lead_time_failures(mode, units, p))


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
