"""The reliability section of a plan (reliability extension): figures per tier and technology, spares
per failure mode, failure domains of CPO choices. Arithmetic: ``optimizer.core.reliability``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from optimizer.core.catalog import CatalogIndex, technology
from optimizer.core.data import ModelData
from optimizer.core.reliability import (
    DAYS_PER_YEAR,
    HOURS_PER_YEAR,
    Rates,
    SpareKey,
    lead_time_failures,
    link_rates,
    modes_by_item,
    poisson_cdf,
    round_significant,
    spares_count,
    spares_needed,
    switch_rates,
)

ROW_COLUMNS = [
    "group",
    "kind",
    "option",
    "technology",
    "count",
    "job_stop_fraction",
    "failures_per_year",
    "links_down_per_year",
    "flaps_per_year",
    "interruptions_per_day",
    "lost_gpu_hours_per_year",
    "downtime_usd",
    "failure_domains",
]
SPARE_COLUMNS = [
    "mode",
    "item",
    "length_m",
    "repair",
    "units",
    "failures_in_lead_time",
    "spares_needed",
    "spares",
    "spare_cost_usd",
    "capex_usd",
    "stock_capex_usd",
    "service_level",
]
"""Per failure mode (and per link length for a cable priced per metre: ``length_m``, else None):
``spares_needed`` = the linear need the objective prices (factor x expected failures, or each group's share
of the Poisson quantile of its own failures); ``capex_usd`` = spares_needed x price (in the totals);
``spares`` = the whole spares stocked (the need rounded up, or the Poisson quantile of the plan's pooled
failures of the mode); ``stock_capex_usd`` = spares x price, what the bill of materials buys."""

_r = round_significant


def _technology(option_items: tuple[tuple[str, int], ...], kind: str, index: CatalogIndex) -> str:
    if kind == "cable":
        return index.cables[option_items[0][0]].kind
    techs = sorted({technology(index.transceivers[item]) for item, _ in option_items})
    return "+".join(techs)


def _domains(items: tuple[tuple[str, int], ...], modes: dict[str, Any]) -> str:
    parts = []
    for item, _ in items:
        for mode in modes.get(item, ()):
            if mode.repair == "fail_in_place":
                repair = f"fails in place, down {mode.down_h:g} h to the maintenance window"
            else:
                repair = f"{mode.repair} repair, {mode.mttr_h:g} h"
            parts.append(f"{mode.id}: {mode.domain_links} links, {repair}")
    return "; ".join(parts)


def reliability_section(
    n: list[Any], k: list[int], d: ModelData, index: CatalogIndex
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, float]]:
    """(plan.json ``reliability`` section, reliability.csv table, totals additions) of a plan's counts."""
    r = d.reliability
    assert r is not None
    p = r.params
    modes = modes_by_item(index)
    rows: list[dict[str, Any]] = []
    units: dict[SpareKey, float] = {}
    needs: dict[SpareKey, float] = {}
    total = Rates()

    def add_row(
        group: str,
        kind: str,
        option: str,
        tech: str,
        count: float,
        rates: Rates,
        domains: str,
        size: int,
        stop: float = 1.0,
    ) -> None:
        for key, u in rates.units.items():
            units[key] = units.get(key, 0.0) + count * u
            needs[key] = needs.get(key, 0.0) + count * spares_needed(by_id[key[0]], u, p, size * u)
        total.failures += count * rates.failures
        total.flaps += count * rates.flaps
        total.interruptions += count * rates.interruptions
        total.links_down += count * rates.links_down
        total.down_link_h += count * rates.down_link_h
        rows.append(
            {
                "group": group,
                "kind": kind,
                "option": option,
                "technology": tech,
                "count": count,
                "job_stop_fraction": _r(stop),
                "failures_per_year": _r(count * rates.failures),
                "links_down_per_year": _r(count * rates.links_down),
                "flaps_per_year": _r(count * rates.flaps),
                "interruptions_per_day": _r(count * rates.interruptions / DAYS_PER_YEAR),
                "lost_gpu_hours_per_year": _r(count * rates.lost_gpu_h(p)),
                "downtime_usd": _r(count * rates.downtime_usd(p)),
                "failure_domains": domains,
            }
        )

    by_id = {m.id: m for ms in modes.values() for m in ms}
    cpo_domains = []
    for i, count in enumerate(n):
        if not count:
            continue
        o, g = d.col_option[i], d.groups[d.col_group[i]]
        rates = link_rates(o.items, o.kind, modes, g.length_m, r.col_stop[i], r.col_nic_items[i])
        parts = (*o.items, *((item, 1) for item in r.col_nic_items[i]))
        tech = _technology(o.items, o.kind, index)
        add_row(g.id, "link", o.id, tech, count, rates, _domains(parts, modes), r.col_size[i], r.col_stop[i])
        for item, _ in o.items:
            if item in index.transceivers and index.transceivers[item].form == "cpo":
                for mode in modes.get(item, ()):
                    cpo_domains.append(
                        {
                            "group": g.id,
                            "option": o.id,
                            "item": item,
                            "mode": mode.id,
                            "ports_lost": mode.domain_links,
                            "ports_down_in_repair": mode.down_links,
                            "repair": mode.repair,
                            "mttr_h": mode.mttr_h,
                            "down_h": mode.down_h,
                        }
                    )
    for sg in d.switch_groups:
        for q in sg.choices:
            if k[q]:
                model = d.choice_model[q]
                card_stop = r.choice_card_stop[q] if r.choice_card_stop else 1.0
                rates = switch_rates(model, modes, card_stop)
                domains = _domains(((model, 1),), modes)
                add_row(sg.id, "switch", model, "switch", k[q], rates, domains, r.choice_size[q])

    spares: list[dict[str, Any]] = []
    stock_capex = 0.0
    for key in sorted(units, key=lambda x: (x[0], -1.0 if x[1] is None else x[1])):
        mode_id, length_m = key
        mode = by_id[mode_id]
        u = units[key]
        mu = lead_time_failures(mode, u, p)
        need = needs[key]
        count = spares_count(mode, u, need, p)
        stock_capex += count * mode.spare_price(length_m)
        price = mode.spare_price(length_m)
        spares.append(
            {
                "mode": mode_id,
                "item": mode.item,
                "length_m": length_m,
                "repair": mode.repair,
                "units": _r(u),
                "failures_in_lead_time": _r(mu),
                "spares_needed": _r(need),
                "spares": count,
                "spare_cost_usd": _r(price),
                "capex_usd": _r(need * price),
                "stock_capex_usd": _r(count * price),
                "service_level": _r(poisson_cdf(count, mu)),
            }
        )
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    by_tech = []
    if rows:
        grouped = frame.groupby("technology", sort=True)[
            ["failures_per_year", "links_down_per_year", "interruptions_per_day", "downtime_usd"]
        ].sum()
        by_tech = [{"technology": str(t), **{c: _r(float(v)) for c, v in row.items()}} for t, row in grouped.iterrows()]
    lost = total.lost_gpu_h(p)
    spares_capex = sum(need * by_id[m].spare_price(length) for (m, length), need in needs.items())
    totals = {
        "spares_capex_usd": spares_capex,
        "downtime_usd": total.downtime_usd(p),
        "interruptions_per_day": total.interruptions / DAYS_PER_YEAR,
    }
    section = {
        "gpus": p.gpus,
        "gpus_per_interruption": p.gpus_per_interruption,
        "failures_per_year": _r(total.failures),
        "flaps_per_year": _r(total.flaps),
        "links_down_per_year": _r(total.links_down),
        "interruptions_per_day": _r(total.interruptions / DAYS_PER_YEAR),
        "lost_gpu_hours_per_year": _r(lost),
        "availability": _r(1.0 - lost / (p.gpus * HOURS_PER_YEAR)),
        "downtime_usd": _r(total.downtime_usd(p)),
        "spares_capex_usd": _r(spares_capex),
        "spares_stock_capex_usd": _r(stock_capex),
        "rows": frame.to_dict("records"),
        "by_technology": by_tech,
        "spares": spares,
        "cpo_failure_domains": cpo_domains,
    }
    return section, frame, totals


def bom_spares(bom: pd.DataFrame, section: dict[str, Any]) -> pd.DataFrame:
    """The bill of materials with the whole spares to stock for each item's failure modes and their price."""
    count: dict[str, int] = {}
    capex: dict[str, float] = {}
    for s in section["spares"]:
        count[s["item"]] = count.get(s["item"], 0) + s["spares"]
        capex[s["item"]] = capex.get(s["item"], 0.0) + s["stock_capex_usd"]
    out = bom.copy()
    pairs = list(zip(out["item"], out["section"], strict=True))
    out["spares"] = [count.get(item, 0) if sec != "media" else None for item, sec in pairs]
    out["spares_stock_usd"] = [_r(capex.get(item, 0.0)) if sec != "media" else None for item, sec in pairs]
    out["spares"] = out["spares"].astype("Int64")
    out["spares_stock_usd"] = out["spares_stock_usd"].astype("float64")
    return out
