"""Roadmap extension: the single-period instance of each period, prices by year and the discounting
(instances/README.md, "Roadmaps over several periods"). Plain Python over the schema, no model code.

Period t (year y_t) runs until the next period's year, the last one until ``periods.end_year`` (default:
the first year + ``economics.years``); its span is s_t = end_t - y_t years. With discount rate r, a cost
paid in year y is worth df(y) = (1 + r)^-(y - y_1) today (y_1: the first period's year), and a yearly
running cost during period t is worth A_t = sum_{j=0}^{floor(s_t)-1} df(y_t + j) + frac(s_t) x
df(y_t + floor(s_t)) per year (s_t with r = 0).

The instance of period t is the file's instance with: every link group's ``demand_gbps`` x ``scale``
and ``count`` x ``scale`` rounded up (or the period's ``links`` override), node counts from the period's
``nodes``, the ``absent`` groups (and link groups at absent node groups) with count 0 and demand 0,
``economics.years`` = s_t, and every transceiver, cable and switch model at its price in y_t:
cost_usd x (1 - d)^max(0, y_t - price_year) (a cable's ``cost_usd_per_m`` alike), d the entry's
``price_decline_per_year``, else its technology's in ``periods.price_decline_per_year``, price_year
defaulting to the entry's ``year``, else y_1; an entry with ``price_by_year`` costs the value of the latest
listed year <= y_t instead (cost_usd before the first; a cable's per-metre price scales by the same ratio).
Its power is ``power_by_year`` alike, else power_w x (1 - ``power_decline_per_year``)^max(0, y_t - start)
with the same start year (every unit in service draws its period's figure: stock has no vintage). The
derived instance has no ``periods`` and no ``installed``: it is an ordinary single-period instance, planned
and verified as one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from optimizer.core.catalog import technology
from optimizer.core.schema import Cable, Catalog, CountRange, Instance, Link, NicNode, Period, Transceiver


def years(instance: Instance) -> list[int]:
    """The periods' years, in order."""
    assert instance.periods is not None
    return [p.year for p in instance.periods.steps]


def end_year(instance: Instance) -> float:
    """The year the horizon ends (exclusive)."""
    assert instance.periods is not None
    if instance.periods.end_year is not None:
        return float(instance.periods.end_year)
    return years(instance)[0] + instance.economics.years


def spans(instance: Instance) -> list[float]:
    """Years each period lasts."""
    ys = years(instance)
    ends = [float(y) for y in ys[1:]] + [end_year(instance)]
    return [e - y for y, e in zip(ys, ends, strict=True)]


def discount_factor(instance: Instance, year: float) -> float:
    """df(year) = (1 + r)^-(year - first year)."""
    assert instance.periods is not None
    r = instance.periods.discount_rate
    return float((1.0 + r) ** -(year - years(instance)[0]))


def annuity(instance: Instance, t: int) -> float:
    """A_t: today's value of one unit of yearly running cost during period t."""
    y, s = years(instance)[t], spans(instance)[t]
    whole = math.floor(s + 1e-9)
    total = sum(discount_factor(instance, y + j) for j in range(whole))
    return total + max(0.0, s - whole) * discount_factor(instance, y + whole)


def price_factor(entry: Any, year: int, first_year: int, by_technology: Mapping[Any, float] | None = None) -> float:
    """(1 - d)^max(0, year - price_year) of a catalogue entry: d its own ``price_decline_per_year``, else its
    technology's in ``by_technology`` (``periods.price_decline_per_year``), else 0."""
    table = getattr(entry, "price_by_year", None)
    if table:
        listed = [y for y in table if y <= year]
        if not listed or not entry.cost_usd:
            return 1.0
        return float(table[max(listed)] / entry.cost_usd)
    rate = getattr(entry, "price_decline_per_year", 0.0) or 0.0
    if not rate and by_technology:
        rate = by_technology.get(technology_of(entry), 0.0)
    if not rate:
        return 1.0
    start = getattr(entry, "price_year", None) or getattr(entry, "year", None) or first_year
    return float((1.0 - rate) ** max(0, year - start))


def power_w(entry: Any, year: int, first_year: int) -> float:
    """An entry's power in ``year``: its ``power_by_year`` value of the latest listed year <= year (power_w
    before the first), else power_w x (1 - d)^max(0, year - start), d its ``power_decline_per_year`` and
    start its price_year, else its year, else the first period's year."""
    table = getattr(entry, "power_by_year", None)
    if table:
        listed = [y for y in table if y <= year]
        return float(table[max(listed)]) if listed else float(entry.power_w)
    rate = getattr(entry, "power_decline_per_year", 0.0) or 0.0
    if not rate:
        return float(entry.power_w)
    start = getattr(entry, "price_year", None) or getattr(entry, "year", None) or first_year
    return float(entry.power_w * (1.0 - rate) ** max(0, year - start))


def supplied_by(entry: Any, key: str) -> bool:
    """A ``steps[].supply`` key names the entry: its id, its ``supply_class`` or its technology."""
    return bool(entry.id == key or getattr(entry, "supply_class", None) == key or technology_of(entry) == key)


def technology_of(entry: Any) -> str:
    """The technology key of ``periods.price_decline_per_year``: a transceiver's technology class, a cable's
    kind, ``switch`` for a switch model."""
    if isinstance(entry, Transceiver | Cable):
        return technology(entry)
    return "switch"


def available(entry: Any, year: int) -> bool:
    """A part or switch model can be bought in ``year``: it has no ``year`` or it is at most ``year``."""
    first = getattr(entry, "year", None)
    return first is None or first <= year


def arrival(ys: list[int], t: int, lead_time_years: int) -> int | None:
    """The first period whose year is at least y_t + lead time (None: after the last period)."""
    for u in range(t, len(ys)):
        if ys[u] >= ys[t] + lead_time_years:
            return u
    return None


def _link(link: Link, period: Period, gone: bool) -> Link:
    if gone:
        return link._unchecked_copy(**{"demand_gbps": 0.0, "count": 0 if link.count is not None else None})
    update: dict[str, Any] = {"demand_gbps": link.demand_gbps * period.scale}
    if link.count is not None:
        update["count"] = math.ceil(link.count * period.scale - 1e-9)
    override = period.links.get(link.id)
    if override is not None:
        if override.demand_gbps is not None:
            update["demand_gbps"] = override.demand_gbps
        if override.count is not None:
            update["count"] = override.count
    return link._unchecked_copy(**update)


def _catalog(catalog: Catalog, year: int, first_year: int, by_technology: Mapping[Any, float]) -> Catalog:
    def priced(entries: list[Any], per_m: bool) -> list[Any]:
        out = []
        for e in entries:
            f = price_factor(e, year, first_year, by_technology)
            w = power_w(e, year, first_year)
            if f == 1.0 and w == e.power_w:
                out.append(e)
                continue
            update = {"cost_usd": e.cost_usd * f, "power_w": w}
            if per_m:
                update["cost_usd_per_m"] = e.cost_usd_per_m * f
            out.append(e._unchecked_copy(**update))
        return out

    return catalog._unchecked_copy(
        **{
            "transceivers": priced(catalog.transceivers, False),
            "cables": priced(catalog.cables, True),
            "switches": priced(catalog.switches, False),
        }
    )


def period_instance(instance: Instance, t: int) -> Instance:
    """The single-period instance of period t (see the module docstring)."""
    assert instance.periods is not None
    period = instance.periods.steps[t]
    ys = years(instance)
    absent = set(period.absent)
    nodes: list[Any] = []
    for node in instance.nodes:
        count: Any = node.count
        if node.id in period.nodes:
            count = period.nodes[node.id]
        if node.id in absent:
            count = 0
        if isinstance(node, NicNode) and isinstance(count, CountRange):
            count = count.max  # a NIC group's count is a number (checked on input)
        nodes.append(node._unchecked_copy(**{"count": count}) if count is not node.count else node)
    gone_nodes = {n.id for n in nodes if (n.count if isinstance(n.count, int) else n.count.max) == 0}
    links = [_link(g, period, g.id in absent or g.a in gone_nodes or g.b in gone_nodes) for g in instance.links]
    economics = instance.economics._unchecked_copy(**{"years": spans(instance)[t]})
    derived = instance._unchecked_copy(
        **{
            "nodes": nodes,
            "links": links,
            "economics": economics,
            "catalog": _catalog(instance.resolved_catalog, ys[t], ys[0], instance.periods.price_decline_per_year),
            "periods": None,
            "installed": None,
            "name": f"{instance.name}@{ys[t]}",
        },
    )
    derived._source = instance.source
    return derived
