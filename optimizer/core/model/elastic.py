"""Elastic rows: the model's hard limits with priced slacks (used to explain an infeasible instance).

When ``ModelData.elastic`` is set (the copy made by ``optimizer.core.elastic.elastic_data``), every family
that owns a hard limit adds a non-negative slack s to the limit's row, in the direction that loosens it:

    upper limit    body <= L     becomes   body - s <= L
    lower limit    body >= L     becomes   body + s >= L
    exact value    body  = L     becomes   body - s_up + s_down = L

and the objective family replaces the planner's objective by the price of the slacks:

    minimise  sum_l s_l / max(|L_l|, 1)

so moving any limit by the same share of its own value costs the same (a limit of 0 counts as 1 unit:
a supply of 0 raised to 512 costs as much as 512 times a doubled power cap). The elastic model is
feasible whenever some values of the limits admit a plan; its optimum is the least such change in that
measure, and any feasible point of it is a change that restores feasibility.

The limits and the families that own them:

    limits          max_power_w, max_capex_usd (upper); supply(x) per catalogue item (upper)
    reliability     365.25 x max_interruptions_per_day, (1 - min_availability) x gpus x 8766 (upper)
    facility_racks  max_switch_racks x switch_rack_units, max_switch_racks x switch_rack_kw (upper)
    facility_power  gpu_racks x (gpu_rack_kw - gpu_rack_base_kw), liquid_cooling_kw (upper)
    facility_fibres max_fibres(P) per cable path (upper)
    latency         max_latency_ns(p) per path (upper)
    bandwidth       min_gbps(B) per aggregate bandwidth entry (lower)
    nic_capacity    count(v) x ports(v) per NIC group (upper)
    capacity        count(g) per link group with an exact count (exact)
    switch_model    k_max(s) and k_min(s) per switch group: k[q] - k_max z[q] - s <= 0 and
                    k[q] - k_min z[q] + t >= 0 (one s, t per group), plus k[q] <= U_k(s) z[q] so that only
                    the chosen model has switches

Bounds derived from limits are widened in the elastic copy, so they do not hide a limit's slack: the
column bound and big-M n_max(g) (ports of its ends, or its exact count) become

    U(g) = max(n_max(g), count(g), ceil((demand(g) - installed(g)) / slowest(g)),
               ceil(min_gbps(B) / slowest(g)) for every bandwidth entry B with g)

(no least change needs more links in a group than its demand, count or bandwidth entries ask for, at
its slowest option), plus, under the compatibility rules, lcm(shares) - 1 for a group whose ends fill
whole modules (so that its count, or the ports at its ends, can reach the next whole module; never past
its max_count), and the switch count bound k_max(s) becomes U_k(s), the switches of the
smallest model that carry U(g) links of every group at s (ports and Gb/s). Routed-demand rows
(``routing``) stay hard.
"""

from __future__ import annotations

from typing import Any

from optimizer.core.model.linear import Model, columns, new_var


def weight(limit: float) -> float:
    """Price of one unit of slack on a limit of value ``limit``."""
    return 1.0 / max(abs(float(limit)), 1.0)


def slacks(m: Model, name: str, limits: list[float]) -> list[int]:
    """Add ``slack_<name>[r] >= 0`` for each limit value, price them in ``m.elastic_terms`` and return their
    column indices (``optimizer.core.model.linear.columns``), as the families' row terms use."""
    out = columns(m, new_var(m, f"slack_{name}", len(limits), "real"))
    terms = getattr(m, "elastic_terms", None)
    if terms is None:
        terms = []
        m.elastic_terms = terms
    terms.extend((weight(limit), s) for limit, s in zip(limits, out, strict=True))
    return out


def active(d: Any) -> bool:
    """True for the elastic copy of the model data."""
    return getattr(d, "elastic", None) is not None
