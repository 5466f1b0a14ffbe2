"""``compare(plans)``: plans side by side in one DataFrame: outcome, totals, technology mix, choices.

One row per quantity, one column per plan. The rows are indexed by ``(section, item)``:

    plan        status, objective_mode, objective, gap
    totals      every total any of the plans has (``capex_usd``, ``power_w``, ``energy_usd``, ``tco_usd``, ...;
                the extensions' totals where a plan has them)
    mix         share of link ends per optics technology (``dsp``, ``lpo``, ``lro``, ``cpo``, ``aoc``, ``aec``,
                ``acc``, ``dac``), from each link row's ``technology`` (two ends per link; ``a+b`` counts one
                end of each)
    links       per link group, the options used: ``option xcount`` joined by `` | `` (sorted by option)
    switches    per switch group, the model and count: ``model xcount``

A plan without a row for a group (or a total) has NaN there. ``frame.loc["totals"]`` gives the numbers
(``.astype(float)``), ``frame.loc["links"]`` the choices.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from optimizer.core.mix import TECHNOLOGIES
from optimizer.core.results import Plan


def _plan_of(plan: Plan | str | os.PathLike[str]) -> Plan:
    return plan if isinstance(plan, Plan) else Plan.read(plan)


def _names(plans: Sequence[Plan], given: Sequence[str] | None) -> list[str]:
    if given is not None:
        names = [str(n) for n in given]
        if len(names) != len(plans):
            raise ValueError(f"names: {len(names)} names for {len(plans)} plans")
        if len(set(names)) != len(names):
            raise ValueError("names: each plan needs its own name")
        return names
    out: list[str] = []
    for plan in plans:  # the instance names, numbered where they repeat
        name, k = plan.instance, 2
        while name in out:
            name, k = f"{plan.instance} ({k})", k + 1
        out.append(name)
    return out


def technology_shares(plan: Plan) -> dict[str, float]:
    """Share of link ends per optics technology (``TECHNOLOGIES``) from the links' ``technology`` column
    (NaN for every technology when the plan has no link ends or no technology column)."""
    counts = dict.fromkeys(TECHNOLOGIES, 0.0)
    links = plan.links
    if "technology" not in links.columns or links["technology"].isna().any():
        return dict.fromkeys(TECHNOLOGIES, float("nan"))
    for tech, count in zip(links["technology"], links["count"], strict=True):
        ends = str(tech).split("+", 1)
        for end in ends if len(ends) == 2 else ends * 2:
            counts[end] = counts.get(end, 0.0) + float(count)
    total = sum(counts.values())
    if not total:
        return dict.fromkeys(TECHNOLOGIES, float("nan"))
    return {t: counts.get(t, 0.0) / total for t in TECHNOLOGIES}


def _choices(plan: Plan) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    links = plan.links.sort_values(["group", "option"])
    for group, rows in links.groupby("group", sort=True):
        out[("links", str(group))] = " | ".join(f"{r.option} x{r.count:g}" for r in rows.itertuples())
    for r in plan.nodes.itertuples():
        out[("switches", str(r.group))] = f"{r.model} x{r.count}"
    return out


def compare(
    plans: Sequence[Plan | str | os.PathLike[str]],
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The plans side by side (see the module docstring): a DataFrame indexed by ``(section, item)`` with one
    column per plan.

    Args:
        plans: ``Plan`` objects, or plan folders / plan.json files (read with ``Plan.read``).
        names: the column names (default: the plans' instance names, numbered where they repeat).
    """
    loaded = [_plan_of(p) for p in plans]
    if not loaded:
        raise ValueError("compare: no plans")
    columns = _names(loaded, names)
    cells: dict[str, dict[tuple[str, str], Any]] = {}
    order: dict[tuple[str, str], None] = {}
    for name, plan in zip(columns, loaded, strict=True):
        col: dict[tuple[str, str], Any] = {
            ("plan", "status"): str(plan.status),
            ("plan", "objective_mode"): plan.objective_mode,
            ("plan", "objective"): plan.objective,
            ("plan", "gap"): plan.gap,
        }
        for key, value in (plan.totals or {}).items():
            col[("totals", key)] = value
        for tech, share in technology_shares(plan).items():
            col[("mix", tech)] = share
        col.update(_choices(plan))
        cells[name] = col
        order.update(dict.fromkeys(col))
    sections = ("plan", "totals", "mix", "links", "switches")
    rows = sorted(order, key=lambda k: sections.index(k[0]))  # stable: first appearance within a section
    index = pd.MultiIndex.from_tuples(rows, names=["section", "item"])
    return pd.DataFrame({name: [cells[name].get(r, float("nan")) for r in rows] for name in columns}, index=index)
