"""Explain an infeasible instance by the least change of its limits that admits a plan.

``explain_infeasible`` builds the elastic copy of the model (every hard limit with a priced slack; the
math is in ``optimizer.core.model.elastic``), solves it with HiGHS in the time left, and reads the plan it
finds: each limit that plan exceeds becomes a ``Relaxation`` naming the limit, its current value and the
value that suffices. Values are read from the rounded plan itself (not from the slacks), rounded outward
to whole units, so the instance changed as suggested admits that very plan: re-solving it is feasible.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from optimizer.core.data import ElasticBounds, ModelData, ReliabilityData
from optimizer.core.model import build_for_solve
from optimizer.core.model.linear import Model, var_values
from optimizer.core.reliability import DAYS_PER_YEAR, HOURS_PER_YEAR
from optimizer.core.schema import Instance, NicNode, SwitchNode
from optimizer.core.solve import SolveOptions, SolveStatus, solve_model

MIN_TIME_S = 0.5
"""Least time left (s) worth starting the elastic solve with."""


@dataclass(frozen=True)
class Relaxation:
    """One limit that must move for a plan to exist.

    Attributes:
        limit: which kind of limit: ``max_power_w``, ``max_capex_usd``, ``supply``, ``path_latency``,
            ``bandwidth``, ``switch_count_max``, ``switch_count_min``, ``switch_count``, ``nic_ports``,
            ``link_count``, ``interruptions_cap``, ``availability_floor`` (reliability caps), ``site_power``
            (the site's ``it_power_w``), ``switch_racks``, ``gpu_rack_power``, ``liquid_cooling``,
            ``fibre_path`` (facility limits).
        id: the path, bandwidth entry, node, link group or catalogue item (None for power and capex caps
            and the reliability caps).
        unit: the limit's unit (``W``, ``USD``, ``units``, ``ns``, ``Gb/s``, ``switches``, ``ports``, ``links``,
            ``interruptions/day``, ``racks``, ``kW``, ``fibres``; empty for availability, a fraction).
        current: the limit's value in the instance.
        needed: the value that suffices (at least this for upper limits, at most for lower ones, exactly
            for exact counts).
        field: the instance field to change, as a sweep parameter path (``limits.max_power_w``,
            ``paths.<id>.max_latency_ns``, ``nodes.<id>.count``, ...).
        value: the value of ``field`` that suffices (for NIC ports: the NIC count).
        text: one line for people.
    """

    limit: str
    id: str | None
    unit: str
    current: float
    needed: float
    field: str
    value: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The plan.json entry."""
        return asdict(self)


def _noise(x: float) -> float:
    """Float noise of a sum of about ``x``: far below any unit, so rounding never crosses a whole value."""
    return max(1e-9, 1e-12 * abs(x))


def _up(x: float) -> float:
    """``x`` rounded up to a whole unit (to 0.001 below 10), ignoring float noise."""
    if abs(x) < 10:
        return math.ceil(x * 1000 - 1e-6) / 1000
    return float(math.ceil(x - _noise(x)))


def _down(x: float) -> float:
    """``x`` rounded down to a whole unit (to 0.001 below 10), ignoring float noise."""
    if abs(x) < 10:
        return math.floor(x * 1000 + 1e-6) / 1000
    return float(math.floor(x + _noise(x)))


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.3f}".rstrip("0").rstrip(".")


def _up_significant(x: float, digits: int = 6) -> float:
    """``x`` > 0 rounded up to ``digits`` significant digits, ignoring float noise (a cap on interruptions
    per day can be 1e-9: a fixed number of decimals would round it away)."""
    step = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    return float(f"{math.ceil(x / step - 1e-6) * step:.{digits}g}")


def _exceeds(activity: float, limit: float) -> bool:
    return activity > limit + _noise(limit)


def elastic_data(d: ModelData) -> ModelData:
    """A copy of ``d`` for the elastic model: bounds that derive from limits widened (see the model module)."""
    e = copy.copy(d)
    e.groups = [copy.copy(g) for g in d.groups]
    slowest = [min((d.col_option[i].speed_gbps for i in g.cols), default=0.0) for g in d.groups]
    bound = [g.n_max for g in d.groups]
    for gi, g in enumerate(d.groups):
        if not g.cols or slowest[gi] <= 0:
            continue
        need = g.demand_gbps - g.installed_gbps
        bound[gi] = max(bound[gi], g.count or 0, math.ceil(need / slowest[gi] - 1e-9) if need > 0 else 0)
    for _, cols, min_gbps in d.bandwidth:
        for gi in {d.col_group[i] for i in cols}:
            if slowest[gi] > 0:
                bound[gi] = max(bound[gi], math.ceil(min_gbps / slowest[gi] - 1e-9))
    for gi, extra in _whole_unit_room(d).items():  # room to reach the next whole module (compatibility)
        g = d.groups[gi]
        cap = g.max_count if g.max_count is not None else bound[gi] + extra  # max_count has no slack
        bound[gi] = max(bound[gi], min(bound[gi] + extra, cap))
    for gi, g in enumerate(e.groups):
        g.n_max = bound[gi]
    e.col_ub = [bound[gi] for gi in d.col_group]
    e.switch_groups = []
    k_ub = []
    for sg in d.switch_groups:
        c = copy.copy(sg)
        c.form_classes = [
            (cols, ok, bound[d.col_group[cols[0]]] if cols else big_m) for cols, ok, big_m in sg.form_classes
        ]
        e.switch_groups.append(c)
        groups = {d.col_group[i]: mult for i, mult in sg.ends}
        ports = sum(mult * bound[gi] for gi, mult in groups.items())
        gbps = sum(
            mult * bound[gi] * max(d.col_option[i].speed_gbps for i in d.groups[gi].cols) for gi, mult in groups.items()
        )
        fewest_ports = min(d.choice_max_ports[q] for q in sg.choices)
        least_gbps = min(d.choice_capacity_gbps[q] for q in sg.choices)
        k_ub.append(
            max(
                sg.k_max,
                math.ceil(ports / max(fewest_ports, 1)),
                math.ceil(gbps / least_gbps) if least_gbps > 0 else 0,
            )
        )
    e.elastic = ElasticBounds(k_ub=k_ub)
    return e


def _whole_unit_room(d: ModelData) -> dict[int, int]:
    """Compatibility rules: per link group whose ends fill whole modules (twin-port modules, breakout fast
    ends), the extra links the elastic copy may add: lcm(shares) - 1, so that its exact count (or the
    ports at its ends) can move to the next whole module."""
    shares: dict[int, set[int]] = {}
    for _, share, terms in d.whole_units:
        for i, _ in terms:
            shares.setdefault(d.col_group[i], set()).add(share)
    return {gi: math.lcm(*s) - 1 for gi, s in shares.items()}


def explain_infeasible(
    instance: Instance, d: ModelData, options: SolveOptions, deadline: float
) -> tuple[list[Relaxation], str]:
    """The limits that must move (and by how much) for ``instance`` to have a plan, and a note on how sure.

    Returns ``([], note)`` when there is no time left, the elastic model has no solution either (a conflict
    no limit explains, e.g. a link group none of whose options any switch model takes), or it found none
    in time.
    """
    left = deadline - time.monotonic()
    if left < MIN_TIME_S:
        return [], "no time left to search for the least change of the limits"
    e = elastic_data(d)
    m = build_for_solve(e, options.interface, options.solver)
    report = solve_model(
        m, replace(options, warm_start=False, progress=None, relaxation=False, objective=None), deadline
    )
    if report.status == SolveStatus.INFEASIBLE:
        return [], "no change of the limits alone admits a plan"
    if not report.status.has_solution:
        return (
            [],
            "no change of the limits found in the time left "
            f"({report.status}: {report.message or report.highs_status})",
        )
    found = read_relaxations(m, e, d, instance)
    if not found:
        return [], "the elastic model found a plan within every limit: the infeasibility proof may be numerical noise"
    if report.status == SolveStatus.OPTIMAL:
        return found, "the least change of the limits (each limit's change as a share of its value)"
    return found, "a change of the limits that admits a plan (the search for the least one stopped early)"


def _reliability_relaxations(rel: ReliabilityData, n: list[int], k: list[int]) -> list[Relaxation]:
    """Reliability extension: the caps on interruptions per day and on availability that the plan exceeds."""
    out: list[Relaxation] = []
    p = rel.params
    if p.max_interruptions_per_day is not None:
        per_year = sum(f * x for f, x in zip(rel.col_interruptions, n, strict=True))
        per_year += sum(f * x for f, x in zip(rel.choice_interruptions, k, strict=True))
        per_day, cap = per_year / DAYS_PER_YEAR, p.max_interruptions_per_day
        if per_day > cap * (1 + 1e-9):  # relative: a cap can be as small as 1e-12 per day
            need = _up_significant(per_day)
            out.append(
                Relaxation(
                    "interruptions_cap",
                    None,
                    "interruptions/day",
                    cap,
                    need,
                    "reliability.max_interruptions_per_day",
                    need,
                    f"interruptions cap {cap:.6g} per day: raise to at least {need:.6g} per day",
                )
            )
    if p.min_availability is not None:
        lost = sum(x * c for x, c in zip(rel.col_lost_gpu_h, n, strict=True))
        lost += sum(x * c for x, c in zip(rel.choice_lost_gpu_h, k, strict=True))
        availability = 1.0 - lost / (p.gpus * HOURS_PER_YEAR) if p.gpus else 1.0
        if availability < p.min_availability - _noise(p.min_availability):
            need = math.floor(availability * 1e9 + 1e-6) / 1e9  # nines matter: keep nine digits
            out.append(
                Relaxation(
                    "availability_floor",
                    None,
                    "",
                    p.min_availability,
                    need,
                    "reliability.min_availability",
                    need,
                    f"availability floor {p.min_availability:.6g}: lower to at most {need:.6g}",
                )
            )
    return out


def _site_relaxations(d: ModelData, gpu_power_w: float, cap_w: float, n: list[int], k: list[int]) -> list[Relaxation]:
    """The site's IT power when the plan's network exceeds what the GPUs leave (it_power_w - gpus x gpu_w)."""
    used = sum(o.power_w * x for o, x in zip(d.col_option, n, strict=True))
    used += sum(p * x for p, x in zip(d.choice_power_w, k, strict=True))
    if not _exceeds(used, cap_w):
        return []
    it_power, need = cap_w + gpu_power_w, _up(used + gpu_power_w)
    return [
        Relaxation(
            "site_power",
            None,
            "W",
            it_power,
            need,
            "site.it_power_w",
            need,
            f"site IT power {_num(it_power)} W ({_num(gpu_power_w)} W of GPUs leave {_num(cap_w)} W for the "
            f"network, which needs {_num(_up(used))} W): raise to at least {_num(need)} W (+{_num(need - it_power)} W)",
        )
    ]


def _kw_up(x: float) -> float:
    """``x`` kW rounded up to a whole watt (ignoring float noise)."""
    return math.ceil(x * 1000.0 - 1e-6) / 1000.0


def _facility_relaxations(d: ModelData, n: list[int], k: list[int]) -> list[Relaxation]:
    """Facility extension: the switch racks, GPU-rack power, liquid cooling and fibres per cable path that
    the plan exceeds, each with the value that makes it fit."""
    from optimizer.core.facility import switch_racks

    f = d.facility
    assert f is not None
    p = f.params
    out: list[Relaxation] = []
    if p.max_switch_racks is not None:
        units = sum(u * x for u, x in zip(f.choice_rack_units, k, strict=True))
        power = sum(w * x for w, x in zip(d.choice_power_w, k, strict=True))
        power += sum(w * x for w, x in zip(f.col_switch_w, n, strict=True))
        racks, by_space, by_power = switch_racks(units, power, p)
        if racks > p.max_switch_racks:
            why = [f"{_num(units)} U at {p.switch_rack_units} U per rack: {by_space}"]
            if p.switch_rack_kw is not None:
                why.append(f"{_num(_up(power))} W at {_num(p.switch_rack_kw)} kW per rack: {by_power}")
            other = ""
            if p.switch_rack_kw is not None and by_space <= p.max_switch_racks < by_power and p.max_switch_racks:
                kw = _kw_up(power / 1000.0 / p.max_switch_racks)
                other = f", or raise facility.switch_rack_kw to at least {_num(kw)} kW"
            out.append(
                Relaxation(
                    "switch_racks",
                    None,
                    "racks",
                    p.max_switch_racks,
                    racks,
                    "facility.max_switch_racks",
                    racks,
                    f"switch racks: the hall has room for {p.max_switch_racks}, the plan needs {racks} "
                    f"({'; '.join(why)}): raise facility.max_switch_racks to at least {racks} "
                    f"(+{racks - p.max_switch_racks}){other}",
                )
            )
    cap_w = f.gpu_network_cap_w
    if cap_w is not None and p.gpu_racks is not None and p.gpu_rack_kw is not None:
        used = sum(w * x for w, x in zip(f.col_nic_w, n, strict=True))
        if _exceeds(used, cap_w):
            need = _kw_up(p.gpu_rack_base_kw + used / 1000.0 / p.gpu_racks)
            out.append(
                Relaxation(
                    "gpu_rack_power",
                    None,
                    "kW",
                    p.gpu_rack_kw,
                    need,
                    "facility.gpu_rack_kw",
                    need,
                    f"GPU rack power {_num(p.gpu_rack_kw)} kW: each of the {p.gpu_racks} GPU racks draws "
                    f"{_num(p.gpu_rack_base_kw)} kW plus {_num(_kw_up(used / 1000.0 / p.gpu_racks))} kW of link "
                    f"ends at its NICs: raise facility.gpu_rack_kw to at least {_num(need)} kW "
                    f"(+{_num(_kw_up(need - p.gpu_rack_kw))} kW)",
                )
            )
    liquid_w = f.liquid_cap_w
    if liquid_w is not None and p.liquid_cooling_kw is not None:
        used = sum(w * x for w, x, liq in zip(d.choice_power_w, k, f.choice_liquid, strict=True) if liq)
        used += sum(w * x for w, x in zip(f.col_liquid_w, n, strict=True))
        if _exceeds(used, liquid_w):
            need = _kw_up(used / 1000.0)
            out.append(
                Relaxation(
                    "liquid_cooling",
                    None,
                    "kW",
                    p.liquid_cooling_kw,
                    need,
                    "facility.liquid_cooling_kw",
                    need,
                    f"liquid cooling {_num(p.liquid_cooling_kw)} kW: the liquid-cooled switches need "
                    f"{_num(need)} kW: raise facility.liquid_cooling_kw to at least {_num(need)} kW "
                    f"(+{_num(_kw_up(need - p.liquid_cooling_kw))} kW)",
                )
            )
    for path_id, cols, limit in f.fibre_paths:
        used_fibres = sum(f.col_fibres[i] * n[i] for i in cols)
        if used_fibres > limit:
            out.append(
                Relaxation(
                    "fibre_path",
                    path_id,
                    "fibres",
                    limit,
                    used_fibres,
                    f"facility.fibre_paths.{path_id}.max_fibres",
                    used_fibres,
                    f"cable path {path_id}: {_num(limit)} fibres: raise to at least {_num(used_fibres)} "
                    f"(+{_num(used_fibres - limit)})",
                )
            )
    return out


def read_relaxations(m: Model, e: ModelData, d: ModelData, instance: Instance) -> list[Relaxation]:
    """The limits of ``d`` that the elastic model's rounded plan exceeds, with the values that admit it."""
    n = [round(x or 0.0) for x in var_values(m.n)]
    k = [round(x or 0.0) for x in var_values(m.k)]
    z = [x or 0.0 for x in var_values(m.z)]
    nodes = {node.id: node for node in instance.nodes}
    out: list[Relaxation] = []

    rel = d.reliability
    col_capex, choice_capex = d.capex_coefficients()
    limits_power = instance.limits.max_power_w if d.power_cap_site else d.max_power_w
    for label, limit, unit, per_col, per_choice, field in (
        ("power cap", limits_power, "W", [o.power_w for o in d.col_option], d.choice_power_w, "max_power_w"),
        ("capex cap", d.max_capex_usd, "USD", col_capex, choice_capex, "max_capex_usd"),
    ):
        if limit is None:
            continue
        used = sum(c * x for c, x in zip(per_col, n, strict=True)) + sum(
            c * x for c, x in zip(per_choice, k, strict=True)
        )
        if _exceeds(used, limit):
            need = _up(used)
            out.append(
                Relaxation(
                    field,
                    None,
                    unit,
                    limit,
                    need,
                    f"limits.{field}",
                    need,
                    f"{label} {_num(limit)} {unit}: raise to at least {_num(need)} {unit} "
                    f"(+{_num(need - limit)} {unit})",
                )
            )

    if d.power_cap_site and d.site is not None and d.max_power_w is not None:
        out += _site_relaxations(d, d.site.gpu_power_w, d.max_power_w, n, k)

    if rel is not None:
        out += _reliability_relaxations(rel, n, k)

    if d.facility is not None:
        out += _facility_relaxations(d, n, k)

    for item, limit, col_terms, choices in d.supply:
        used = sum(u * n[i] for i, u in col_terms) + sum(k[q] for q in choices)
        if used > limit:
            out.append(
                Relaxation(
                    "supply",
                    item,
                    "units",
                    limit,
                    used,
                    f"limits.supply.{item}",
                    used,
                    f"supply of {item} {_num(limit)}: raise to at least {_num(used)} (+{_num(used - limit)})",
                )
            )

    chosen = [max(sg.choices, key=lambda q: z[q]) for sg in d.switch_groups]
    worst = [0.0] * len(d.groups)
    for i, x in enumerate(n):
        if x > 0:
            worst[d.col_group[i]] = max(worst[d.col_group[i]], d.col_option[i].latency_ns)
    for p in d.paths:
        latency = sum(worst[d.lat_group[s]] for s in p.step_slots)
        latency += sum(d.choice_latency_ns[chosen[si]] for si in p.switch_visits)
        if _exceeds(latency, p.max_latency_ns):
            need = _up(latency)
            out.append(
                Relaxation(
                    "path_latency",
                    p.id,
                    "ns",
                    p.max_latency_ns,
                    need,
                    f"paths.{p.id}.max_latency_ns",
                    need,
                    f"path {p.id}: latency budget {_num(p.max_latency_ns)} ns: raise to at least {_num(need)} ns "
                    f"(+{_num(need - p.max_latency_ns)} ns)",
                )
            )

    for bw_id, cols, min_gbps in d.bandwidth:
        got = sum(d.col_option[i].speed_gbps * n[i] for i in cols)
        if got < min_gbps - _noise(min_gbps):
            need = _down(got)
            out.append(
                Relaxation(
                    "bandwidth",
                    bw_id,
                    "Gb/s",
                    min_gbps,
                    need,
                    f"bandwidth.{bw_id}.min_gbps",
                    need,
                    f"bandwidth {bw_id}: {_num(min_gbps)} Gb/s required: lower to at most {_num(need)} Gb/s "
                    f"(-{_num(min_gbps - need)} Gb/s)",
                )
            )

    for sg in d.switch_groups:
        count = sum(k[q] for q in sg.choices)
        if sg.k_min <= count <= sg.k_max:
            continue
        node = nodes[sg.id]
        fixed = isinstance(node, SwitchNode) and isinstance(node.count, int)
        if fixed:
            out.append(
                Relaxation(
                    "switch_count",
                    sg.id,
                    "switches",
                    sg.k_max,
                    count,
                    f"nodes.{sg.id}.count",
                    count,
                    f"switch group {sg.id}: exactly {_num(sg.k_max)} switches: change to {_num(count)} "
                    f"({count - sg.k_max:+,})",
                )
            )
        elif count > sg.k_max:
            out.append(
                Relaxation(
                    "switch_count_max",
                    sg.id,
                    "switches",
                    sg.k_max,
                    count,
                    f"nodes.{sg.id}.count.max",
                    count,
                    f"switch group {sg.id}: at most {_num(sg.k_max)} switches: allow at least {_num(count)} "
                    f"(+{_num(count - sg.k_max)})",
                )
            )
        else:
            out.append(
                Relaxation(
                    "switch_count_min",
                    sg.id,
                    "switches",
                    sg.k_min,
                    count,
                    f"nodes.{sg.id}.count.min",
                    count,
                    f"switch group {sg.id}: at least {_num(sg.k_min)} switches: allow as few as {_num(count)} "
                    f"(-{_num(sg.k_min - count)})",
                )
            )

    for v in d.nic_groups:
        used = sum(mult * n[i] for i, mult in v.ends)
        if used <= v.ports:
            continue
        node = nodes[v.id]
        per = node.ports if isinstance(node, NicNode) else 1
        nics = math.ceil(used / per)
        out.append(
            Relaxation(
                "nic_ports",
                v.id,
                "ports",
                v.ports,
                used,
                f"nodes.{v.id}.count",
                nics,
                f"NIC group {v.id}: {_num(v.ports)} ports: needs at least {_num(used)} ports "
                f"(count at least {_num(nics)} NICs of {per} ports)",
            )
        )

    for g in d.groups:
        if g.count is None:
            continue
        links = sum(n[i] for i in g.cols)
        if links != g.count:
            out.append(
                Relaxation(
                    "link_count",
                    g.id,
                    "links",
                    g.count,
                    links,
                    f"links.{g.id}.count",
                    links,
                    f"link group {g.id}: exactly {_num(g.count)} links: change to {_num(links)} ({links - g.count:+,})",
                )
            )
    return out


# ------------------------------------------------------------------ compatibility rules (no limit to move)
PROTOCOL_NAMES = {"infiniband": "InfiniBand", "ethernet": "Ethernet"}


def rule_conflicts(instance: Instance, d: ModelData, options: SolveOptions, deadline: float) -> list[str]:
    """Compatibility rules that make an infeasible instance infeasible, where, and the change that fixes it.

    The rules that have rows in the model are whole modules, one protocol per fabric and one model per
    switch group (the per-end rules leave some ends to some models only: the ``forms`` rows). The model is
    solved again without one rule's rows, for each rule in turn, and, when none alone is the cause,
    without all of them. If such a model has a plan, the rules dropped are a cause (with them no plan
    exists, without them one does), and the plan shows where it breaks them:

    - whole modules: a node group that takes a number of ends of a twin-port module or breakout fast
      end that is not a multiple of its share. Fix: one more (or one fewer) link with that part there,
      so the ends fill whole modules (the elastic copy's ``relaxations`` give a count that works), or a
      part with one end per cage there;
    - one protocol per fabric: a fabric using parts or switch models qualified for InfiniBand only and
      others for Ethernet only. Fix: qualify the items of one side for the other protocol too (the side
      with fewer distinct items; the rule-free plan then meets the rule), or allow parts or models of
      the other protocol where that side's items are used;
    - one model per switch group: link groups at one switch group whose options only different models
      take. Fix: a model of the group that takes them all, or parts the chosen model takes.

    Returns one line per conflict found (empty when no rule explains the infeasibility, the instance has
    no compatibility section or no such rows, or no time is left).
    """
    if instance.compatibility is None:
        return []
    present = [rule for rule in _RULES if _has_rows(d, rule)]
    for dropped in [*([r] for r in present), *([present] if len(present) > 1 else [])]:
        if deadline - time.monotonic() < MIN_TIME_S:
            break
        plan = _solve_without(d, dropped, options, deadline)
        if plan is None:
            continue
        n, z = plan
        out: list[str] = []
        if "whole_units" in dropped:
            out += _whole_unit_conflicts(d, n)
        if "fabric_choice" in dropped:
            out += _protocol_conflicts(instance, d, n, z)
        if "form_classes" in dropped:
            out += _switch_model_conflicts(d, n, z)
        if out:
            return out
    return []


_RULES = ("whole_units", "fabric_choice", "form_classes")
"""The rules ``rule_conflicts`` drops: whole modules, one protocol per fabric, one model per switch group."""


def _has_rows(d: ModelData, rule: str) -> bool:
    if rule == "form_classes":
        return any(sg.form_classes for sg in d.switch_groups)
    return bool(getattr(d, rule))


def _solve_without(
    d: ModelData, rules: list[str], options: SolveOptions, deadline: float
) -> tuple[list[int], list[float]] | None:
    """A plan (n, z) of the model without the rows of ``rules``, or None if it has none (in time)."""
    free = copy.copy(d)
    for rule in rules:
        if rule == "form_classes":
            free.switch_groups = [replace(sg, form_classes=[]) for sg in d.switch_groups]
        else:
            setattr(free, rule, [])
    m = build_for_solve(free, options.interface, options.solver)
    report = solve_model(
        m, replace(options, warm_start=False, progress=None, relaxation=False, objective=None), deadline
    )
    if not report.status.has_solution:
        return None
    return [round(x or 0.0) for x in var_values(m.n)], [x or 0.0 for x in var_values(m.z)]


def _switch_model_conflicts(d: ModelData, n: list[int], z: list[float]) -> list[str]:
    """Switch groups where plan (``n``, ``z``) uses ends that the chosen model does not take."""
    out = []
    for sg in d.switch_groups:
        chosen = max(sg.choices, key=lambda q: z[q])
        used: set[tuple[str, str, tuple[str, ...]]] = set()  # (link group, option, models that take it)
        wrong: set[str] = set()  # link groups with ends the chosen model does not take
        for cols, ok, _ in sg.form_classes:
            for i in cols:
                if n[i] > 0:
                    group = d.groups[d.col_group[i]].id
                    used.add((group, d.col_option[i].id, tuple(d.choice_model[q] for q in ok)))
                    if chosen not in ok:
                        wrong.add(group)
        if not wrong:
            continue
        shown = "; ".join(f"link group '{g}' uses '{o}', which {_only(models)}" for g, o, models in sorted(used))
        listed = ", ".join(repr(g) for g in sorted(wrong))
        out.append(
            f"one model per switch group: switch group '{sg.id}' runs one model, but {shown}: allow a model "
            f"of '{sg.id}' that takes them all, or parts that '{d.choice_model[chosen]}' takes in link "
            f"group{'s' if len(wrong) > 1 else ''} {listed}"
        )
    return out


def _only(models: tuple[str, ...]) -> str:
    if not models:
        return "no model takes"
    return f"only {', '.join(repr(m) for m in models)} take{'s' if len(models) == 1 else ''}"


def _whole_unit_conflicts(d: ModelData, n: list[int]) -> list[str]:
    """Node groups where plan ``n`` takes ends of a whole-unit part that are not a multiple of its share."""
    out = []
    for label, share, terms in d.whole_units:
        ends = sum(mult * n[i] for i, mult in terms)
        if ends % share == 0:
            continue
        node, part = label.split("/", 1)
        groups = sorted({d.groups[d.col_group[i]].id for i, _ in terms if n[i] > 0})
        short = share - ends % share
        out.append(
            f"whole modules: node group '{node}' takes {ends} ends of '{part}' ({share} per module or "
            f"cable) in link group{'s' if len(groups) > 1 else ''} {', '.join(repr(g) for g in groups)}, "
            f"not a multiple of {share}: add {short} link{'s' if short > 1 else ''} with '{part}' there "
            f"(or remove {ends % share}) so the ends fill whole modules, or allow a part with one end per "
            f"cage at '{node}'"
        )
    return out


def _protocol_conflicts(instance: Instance, d: ModelData, n: list[int], z: list[float]) -> list[str]:
    """Fabrics where plan (``n``, ``z``) uses items qualified for InfiniBand only and for Ethernet only."""
    from optimizer.core.catalog import CatalogIndex
    from optimizer.core.compat import fabric_members, protocols_of

    index = CatalogIndex.of(instance.resolved_catalog)
    members = fabric_members(instance)
    out = []
    for _, ib_choices, eth_choices, ib_cols, eth_cols in d.fabric_choice:
        # items of each side: (catalogue id, where it is used)
        used: dict[str, dict[str, set[str]]] = {"infiniband": {}, "ethernet": {}}
        fabric: list[str] = []
        for protocol, choices, cols in (("infiniband", ib_choices, ib_cols), ("ethernet", eth_choices, eth_cols)):
            other = "ethernet" if protocol == "infiniband" else "infiniband"
            for q in choices:
                if z[q] > 0.5:
                    sg = d.switch_groups[d.choice_group[q]].id
                    used[protocol].setdefault(d.choice_model[q], set()).add(f"switch group '{sg}'")
                    fabric = fabric or members[next(r for r, ids in members.items() if sg in ids)]
            for i in cols:
                if n[i] > 0:
                    g = d.groups[d.col_group[i]]
                    option = d.col_option[i]
                    ids = [option.id] if option.kind != "pair" else option.id.split("+")
                    for part_id in ids:
                        part = index.transceivers.get(part_id) or index.cables.get(part_id)
                        if part is not None and other not in protocols_of(part):
                            used[protocol].setdefault(part_id, set()).add(f"link group '{g.id}'")
                    fabric = fabric or members[next(r for r, nodes in members.items() if g.a in nodes)]
        if not used["infiniband"] or not used["ethernet"]:
            continue
        side = min(("ethernet", "infiniband"), key=lambda p: (len(used[p]), p))
        to = "infiniband" if side == "ethernet" else "ethernet"

        fix = ", ".join(f"'{item}'" for item in sorted(used[side]))
        where = ", ".join(sorted({w for ws in used[side].values() for w in ws}))
        shown = ", ".join(fabric[:8]) + (", ..." if len(fabric) > 8 else "")
        out.append(
            f"one protocol per fabric: the fabric of node groups {shown} needs InfiniBand for "
            f"{_items(used['infiniband'])} and Ethernet for {_items(used['ethernet'])}: qualify {fix} for {to} "
            f"too (protocol: [ethernet, infiniband]), or allow parts or models that speak {PROTOCOL_NAMES[to]} "
            f"in {where}"
        )
    return out


def _items(used: dict[str, set[str]]) -> str:
    """Catalogue items and where a plan uses them: ``'x' (link group 'g'); 'm' (switch group 's')``."""
    return "; ".join(f"'{item}' ({', '.join(sorted(where))})" for item, where in sorted(used.items()))
