"""Pre-solve reasons why an instance cannot be feasible (reported when the status is infeasible).

Each check is a valid relaxation: if it fails, no plan exists. The checks do not prove
feasibility when they all pass (the conflict may involve several constraints together).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from optimizer.core.data import ModelData


def _links_at_least(d: ModelData, gi: int) -> int:
    """Fewest links group gi can have in any plan."""
    g = d.groups[gi]
    if g.count is not None:
        return g.count
    if g.demand_gbps <= 0 or not g.cols:
        return 0
    fastest = max(d.col_option[i].speed_gbps for i in g.cols)
    return math.ceil(g.demand_gbps / fastest - 1e-9)


def _gbps_at_least(d: ModelData, gi: int) -> float:
    g = d.groups[gi]
    if g.count is not None and g.cols:
        return max(g.demand_gbps, g.count * min(d.col_option[i].speed_gbps for i in g.cols))
    return g.demand_gbps


def presolve_reasons(d: ModelData) -> list[str]:
    """Human-readable reasons found by single-constraint relaxations."""
    reasons: list[str] = []
    for gi, g in enumerate(d.groups):
        need = _links_at_least(d, gi)
        if g.count is not None and g.cols and g.count * max(d.col_option[i].speed_gbps for i in g.cols) < g.demand_gbps:
            fastest = max(d.col_option[i].speed_gbps for i in g.cols)
            reasons.append(
                f"link group '{g.id}': count {g.count} x fastest option {fastest:g} Gb/s "
                f"< demand {g.demand_gbps:g} Gb/s"
            )
        if need > g.n_max and g.count is None:
            reasons.append(f"link group '{g.id}': needs at least {need} links, but its ends offer only {g.n_max} ports")
    for v in d.nic_groups:
        groups = {d.col_group[i] for i, _ in v.ends}
        need = sum(_links_at_least(d, gi) * (2 if d.groups[gi].a == d.groups[gi].b else 1) for gi in groups)
        if need > v.ports:
            reasons.append(f"NIC group '{v.id}': link groups need at least {need} ports, it has {v.ports}")
    for sg in d.switch_groups:
        groups = {d.col_group[i] for i, _ in sg.ends}
        mult = {gi: (2 if d.groups[gi].a == d.groups[gi].b else 1) for gi in groups}
        need_ports = sum(_links_at_least(d, gi) * mult[gi] for gi in groups)
        need_gbps = sum(_gbps_at_least(d, gi) * mult[gi] for gi in groups)
        max_ports = sg.k_max * max(d.choice_max_ports[q] for q in sg.choices)
        max_gbps = sg.k_max * max(d.choice_capacity_gbps[q] for q in sg.choices)
        if need_gbps > max_gbps + 1e-6:
            reasons.append(
                f"switch group '{sg.id}': link groups need at least {need_gbps:g} Gb/s, "
                f"{sg.k_max} switches of its largest model carry {max_gbps:g} Gb/s"
            )
        if need_ports > max_ports:
            reasons.append(
                f"switch group '{sg.id}': link groups need at least {need_ports} ports, "
                f"{sg.k_max} switches offer at most {max_ports}"
            )
    for p in d.paths:
        low = 0.0
        for slot in p.step_slots:
            gi = d.lat_group[slot]
            if _links_at_least(d, gi) > 0:
                low += min(d.col_option[i].latency_ns for i in d.groups[gi].cols)
        for si in p.switch_visits:
            low += min(d.choice_latency_ns[q] for q in d.switch_groups[si].choices)
        if low > p.max_latency_ns + 1e-9:
            reasons.append(
                f"path '{p.id}': latency lower bound {low:g} ns (fastest options and switch models) "
                f"exceeds its budget {p.max_latency_ns:g} ns"
            )
    for bw_id, cols, min_gbps in d.bandwidth:
        # a group's links share its n_max ports (or its exact count), whatever the options
        groups = {d.col_group[i] for i in cols}
        top = sum(d.groups[gi].n_max * max(d.col_option[i].speed_gbps for i in d.groups[gi].cols) for gi in groups)
        if top < min_gbps:
            reasons.append(f"bandwidth '{bw_id}': at most {top:g} Gb/s possible, {min_gbps:g} required")
    reasons += _budget_reasons(d)
    reasons += _reliability_reasons(d)
    reasons += _facility_reasons(d)
    return reasons


def _reliability_reasons(d: ModelData) -> list[str]:
    """Reliability extension: lower bounds on interruptions and lost GPU-hours (most reliable option per
    Gb/s, fewest switches of the most reliable model) against the caps."""
    r = d.reliability
    if r is None:
        return []
    p = r.params
    out = []
    for label, cap, per_col, per_choice, unit in (
        ("max_interruptions_per_day", p.max_interruptions_per_day, r.col_interruptions, r.choice_interruptions, 365.25),
        ("min_availability", p.min_availability, r.col_lost_gpu_h, r.choice_lost_gpu_h, 1.0),
    ):
        if cap is None:
            continue
        low = _lower_bound(d, per_col, per_choice)
        if label == "max_interruptions_per_day" and low / unit > cap * (1 + 1e-9):
            out.append(f"reliability: the plan has at least {low / unit:.6g} interruptions per day, the cap is {cap:g}")
        if label == "min_availability":
            best = 1.0 - low / (p.gpus * 8766.0)
            if best < cap - 1e-12:
                out.append(f"reliability: availability is at most {best:.9g}, the floor is {cap:g}")
    return out


def _facility_reasons(d: ModelData) -> list[str]:
    """Facility extension: lower bounds (``_lower_bound``) of the switch racks' space and power, the GPU
    racks' network power, the liquid load and each cable path's fibres against the section's limits."""
    f = d.facility
    if f is None:
        return []
    p = f.params
    zero_q = [0.0] * len(d.choice_model)
    zero_i = [0.0] * d.n_cols
    liquid_q = [w if liq else 0.0 for w, liq in zip(d.choice_power_w, f.choice_liquid, strict=True)]
    racks = f"{p.max_switch_racks} switch racks (max_switch_racks)"
    checks = [
        ("U of switches", f.racks_cap_space_u, zero_i, [float(u) for u in f.choice_rack_units], f"{racks} hold"),
        ("W in the switch racks", f.racks_cap_w, f.col_switch_w, d.choice_power_w, f"{racks} take"),
        (
            "W of link ends at the NICs",
            f.gpu_network_cap_w,
            f.col_nic_w,
            zero_q,
            "the GPU racks leave (gpu_racks x (gpu_rack_kw - gpu_rack_base_kw))",
        ),
        ("W of liquid-cooled load", f.liquid_cap_w, f.col_liquid_w, liquid_q, "liquid_cooling_kw is"),
    ]
    out = []
    for label, cap, per_col, per_choice, limit in checks:
        if cap is None:
            continue
        low = _lower_bound(d, per_col, per_choice)
        if low > cap + 1e-6:
            out.append(f"facility: the plan needs at least {low:,.0f} {label}, {limit} {cap:,.0f}")
    for path_id, cols, max_fibres in f.fibre_paths:
        on_path = set(cols)
        fibres = [float(x) if i in on_path else 0.0 for i, x in enumerate(f.col_fibres)]
        least = _lower_bound(d, fibres, zero_q)
        if least > max_fibres + 1e-6:
            out.append(
                f"facility: cable path '{path_id}' needs at least {least:,.0f} fibres, max_fibres is {max_fibres:,}"
            )
    return out


def _lower_bound(d: ModelData, per_col: Sequence[float], per_choice: Sequence[float]) -> float:
    """A lower bound of sum_i per_col[i] n[i] + sum_q per_choice[q] k[q] (per_col, per_choice >= 0): each
    group at its cheapest option per link (exact count) or per Gb/s (demand), each switch group at its
    fewest switches of its cheapest model."""
    low = 0.0
    for g in d.groups:
        if not g.cols:
            continue
        if g.count is not None:
            low += g.count * min(per_col[i] for i in g.cols)
        elif g.demand_gbps > 0:
            low += g.demand_gbps * min(per_col[i] / d.col_option[i].speed_gbps for i in g.cols)
    low += sum(sg.k_min * min(per_choice[q] for q in sg.choices) for sg in d.switch_groups)
    return low


def _budget_reasons(d: ModelData) -> list[str]:
    """Power/capex lower bounds (cheapest option per Gb/s, fewest switches) against the limits."""
    out = []
    for label, limit, per_col, per_choice in (
        ("power", d.max_power_w, [o.power_w for o in d.col_option], d.choice_power_w),
        ("capex", d.max_capex_usd, *d.capex_coefficients()),
    ):
        if limit is None:
            continue
        low = _lower_bound(d, per_col, per_choice)
        if low > limit + 1e-6:
            unit = "W" if label == "power" else "USD"
            if label == "power" and d.power_cap_site:
                out.append(
                    f"site: the network needs at least {low:,.0f} W, the site leaves it {limit:,.0f} W "
                    "(it_power_w - gpus x gpu_w)"
                )
                continue
            out.append(f"limits: the plan needs at least {low:,.0f} {unit} of {label}, the limit is {limit:,.0f}")
    out += _joint_supply_reasons(d)
    for item, limit, col_terms, _ in d.supply:
        cols = {i for i, _ in col_terms}
        for gi, g in enumerate(d.groups):
            if g.cols and all(i in cols for i in g.cols):
                need = _links_at_least(d, gi)
                per = min(u for i, u in col_terms if i in g.cols)
                if need * per > limit:
                    out.append(
                        f"limits.supply.{item}: link group '{g.id}' can only use options with '{item}' "
                        f"and needs at least {need * per} units, supply is {limit}"
                    )
    return out


def _joint_supply_reasons(d: ModelData) -> list[str]:
    """Groups whose every option uses some supply-limited item, where two or more such items together
    cannot cover the group: each link takes, from those items' combined supply, at least the fewest units
    any of its options takes."""
    per_col: dict[int, dict[str, int]] = {}
    limit_of: dict[str, int] = {}
    for item, limit, col_terms, _ in d.supply:
        limit_of[item] = limit
        for i, units in col_terms:
            per_col.setdefault(i, {})[item] = per_col.get(i, {}).get(item, 0) + units
    out = []
    for gi, g in enumerate(d.groups):
        if not g.cols or not all(i in per_col for i in g.cols):
            continue
        items = sorted({item for i in g.cols for item in per_col[i]})
        if len(items) < 2:
            continue  # one item: the single-item check below
        need = _links_at_least(d, gi) * min(sum(per_col[i].values()) for i in g.cols)
        total = sum(limit_of[item] for item in items)
        if need > total:
            out.append(
                f"limits.supply: link group '{g.id}' can only use options with {', '.join(items)} "
                f"and needs at least {need} units of them, together they supply {total}"
            )
    return out
