"""A MIP start from an earlier plan of the same network (for example a Pareto neighbour).

``plan_start(plan)`` keeps what a start needs from a plan: the links per (group, option) and the
switch counts per (group, model). ``apply_start(m, d, start)`` sets every variable of a model built
from ``d`` to the values that plan implies (n, k from the counts; y = 1 on used columns; z = 1 on
the chosen models; lat = the worst latency of the options used; under the compatibility rules the whole
modules and the fabric protocol the plan implies), so HiGHS gets a complete start.
It is feasible whenever the plan satisfies the model's limits (e.g. a plan with less power than a
new power cap); HiGHS ignores a start that is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Model, set_var_values


def plan_start(plan: Any) -> dict[str, list[list[Any]]]:
    """The start of a solved ``Plan``: links [[group, option, count]] and nodes [[group, model, count]]."""
    links = plan.links
    nodes = plan.nodes
    return {
        "links": [list(r) for r in zip(links["group"], links["option"], links["count"], strict=True)],
        "nodes": [list(r) for r in zip(nodes["group"], nodes["model"], nodes["count"], strict=True)],
    }


def apply_start(m: Model, d: ModelData, start: Mapping[str, Any]) -> bool:
    """Set the variables of ``m`` to ``start``; False (nothing set) when it names a column the model lacks."""
    col_of = {(d.groups[d.col_group[i]].id, d.col_option[i].id): i for i in range(d.n_cols)}
    choice_of = {(d.switch_groups[d.choice_group[q]].id, d.choice_model[q]): q for q in range(len(d.choice_model))}
    n = [0.0] * d.n_cols
    k = [0.0] * len(d.choice_model)
    z = [0.0] * len(d.choice_model)
    for group, option, count in start.get("links", []):
        i = col_of.get((group, option))
        if i is None:
            return False
        n[i] = float(count)
    for group, model, count in start.get("nodes", []):
        q = choice_of.get((group, model))
        if q is None:
            return False
        k[q], z[q] = float(count), 1.0
    worst = [0.0] * len(d.groups)
    for i, count in enumerate(n):
        if count > 0:
            worst[d.col_group[i]] = max(worst[d.col_group[i]], d.col_option[i].latency_ns)
    values = (
        (m.n, n),
        (m.y, [1.0 if n[i] > 0 else 0.0 for i in d.ind_col]),
        (m.z, z),
        (m.k, k),
        (m.lat, [worst[g] for g in d.lat_group]),
    )
    for var, vals in values:
        set_var_values(var, vals)
    _compat_start(m, d, n, z)
    return True


def _compat_start(m: Model, d: ModelData, n: list[float], z: list[float]) -> None:
    """The compatibility family's variables implied by the start: whole modules per (node group, part)
    and, per fabric that may run either protocol, Ethernet when an Ethernet-only model or part is used."""
    if d.whole_units and hasattr(m, "compat_modules"):
        modules = [sum(mult * n[i] for i, mult in terms) / share for _, share, terms in d.whole_units]
        set_var_values(m.compat_modules, modules)
    if d.fabric_choice and hasattr(m, "compat_fabric_ethernet"):
        ethernet = [
            1.0 if any(z[q] > 0 for q in eth_choices) or any(n[i] > 0 for i in eth_cols) else 0.0
            for _, _, eth_choices, _, eth_cols in d.fabric_choice
        ]
        set_var_values(m.compat_fabric_ethernet, ethernet)
