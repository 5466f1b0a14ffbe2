"""Roadmap extension: the data of a roadmap over several periods (instances/README.md, "Roadmaps over
several periods"). Plain Python, no Pyomo.

Each period has its own ``ModelData`` from ``build_data`` on its single-period instance
(``optimizer.core.periods.period_instance``), built without dominance pruning so that every period has the
same columns (group, option) and switch choices (group, model) in the same order: column i of every
period means the same (group, option), and the linking family (``constraints/roadmap.py``) aligns the
copies by index. What the linking rows read is derived here: per period the purchase price of one link
of a column (its capex coefficient less the fibre it lays), of a switch, the bounds on purchases
(availability, lead times), the supply caps and the budget caps; the fibre plant's keys (link group,
medium) and the installed stock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.core import periods as P
from optimizer.core.catalog import CatalogIndex
from optimizer.core.data import ModelData, build_data
from optimizer.core.schema import Cable, Instance, Objective, Switch, Transceiver
from optimizer.errors import InstanceError, Issue


@dataclass
class RoadmapData:
    """Everything the roadmap model needs besides each period's ``ModelData``."""

    name: str
    years: list[int]
    spans: list[float]
    discount: list[float]
    """df(y_t): today's value of a cost paid in period t's year."""
    annuity: list[float]
    """A_t: today's value of one unit of yearly running cost during period t."""
    data: list[ModelData]
    instances: list[Instance]
    col_fibre: list[int]
    """Per column: its fibre key (index into ``fibre``), -1 for a cable."""
    fibre: list[tuple[int, str]]
    """Fibre keys: (link group, medium), one per medium some column of the group uses."""
    fibre_usd: list[float]
    """Price of one link's worth of fibre of a key (cost_usd_per_m of the medium x length)."""
    buy_usd: list[list[float]]
    """[t][i]: price of one link of column i bought in period t, without its fibre."""
    buyk_usd: list[list[float]]
    """[t][q]: price of one switch of choice q bought in period t."""
    buy_ub: list[list[float | None]]
    """[t][i]: 0 where column i cannot be bought in period t (a part not yet available, or arriving after
    the last period), else None."""
    buyk_ub: list[list[float | None]]
    arrive: list[list[int]]
    """[t][i]: the period a link of column i bought in period t enters service (t when it cannot be bought)."""
    arrivek: list[list[int]]
    sell_usd: list[list[float]] = field(default_factory=list)
    """[t][i]: what one link of column i taken out of stock and sold in period t returns (its parts'
    ``resale_fraction`` x their price in y_t; fibre is not sold)."""
    sellk_usd: list[list[float]] = field(default_factory=list)
    installed_n: list[int] = field(default_factory=list)
    installed_k: list[int] = field(default_factory=list)
    installed_fibre: list[int] = field(default_factory=list)
    supply: list[list[tuple[str, int, list[tuple[int, int]], list[int]]]] = field(default_factory=list)
    """[t]: (supply key, units that can be bought in period t, [(column, units per link)], [switch choices]);
    a key names an item, a ``supply_class`` or a technology (``periods.supplied_by``)."""
    max_capex_usd: list[float | None] = field(default_factory=list)

    @property
    def n_periods(self) -> int:
        return len(self.years)


def _layout(d: ModelData) -> tuple[list[tuple[int, str]], list[str]]:
    return [(g, o.id) for g, o in zip(d.col_group, d.col_option, strict=True)], list(d.choice_model)


def build_roadmap_data(instance: Instance, objective: Objective | None = None) -> RoadmapData:
    """Derive each period's data on one shared layout and what the linking rows read (``objective``:
    override the instance's, tco or capex)."""
    assert instance.periods is not None
    ys = P.years(instance)
    instances = [P.period_instance(instance, t) for t in range(len(ys))]
    data = [build_data(inst, objective=objective, prune=False) for inst in instances]
    layout = _layout(data[0])
    for d in data[1:]:
        if _layout(d) != layout:  # options never depend on prices or counts: a broken invariant, not input
            raise AssertionError("roadmap: periods derived different columns")
    d0 = data[0]
    index = CatalogIndex.of(instance.resolved_catalog)
    media_usd = {m.id: m.cost_usd_per_m for m in instance.resolved_catalog.media}
    fibre: list[tuple[int, str]] = []
    fibre_at: dict[tuple[int, str], int] = {}
    col_fibre: list[int] = []
    fibre_usd: list[float] = []
    col_media_usd: list[float] = []
    for g, o in zip(d0.col_group, d0.col_option, strict=True):
        if o.kind != "pair":
            col_fibre.append(-1)
            col_media_usd.append(0.0)
            continue
        medium = index.transceivers[o.items[0][0]].media
        key = (g, medium)
        if key not in fibre_at:
            fibre_at[key] = len(fibre)
            fibre.append(key)
            fibre_usd.append(media_usd.get(medium, 0.0) * d0.groups[g].length_m)
        col_fibre.append(fibre_at[key])
        col_media_usd.append(media_usd.get(medium, 0.0) * d0.groups[g].length_m)

    def parts(o_items: tuple[tuple[str, int], ...]) -> list[object]:
        out: list[object] = []
        for item, _ in o_items:
            entry = index.transceivers.get(item) or index.cables.get(item)
            if entry is not None:
                out.append(entry)
        return out

    col_parts = [parts(o.items) for o in d0.col_option]
    col_lead = [max((getattr(e, "lead_time_years", 0) for e in ps), default=0) for ps in col_parts]
    choice_entry = [index.switches[m] for m in d0.choice_model]
    buy_usd, buyk_usd, buy_ub, buyk_ub, arrive, arrivek = [], [], [], [], [], []
    for t, d in enumerate(data):
        capex_col, capex_choice = d.capex_coefficients()
        buy_usd.append([c - f for c, f in zip(capex_col, col_media_usd, strict=True)])
        buyk_usd.append(list(capex_choice))
        ub_t: list[float | None] = []
        arr_t: list[int] = []
        for ps, lead in zip(col_parts, col_lead, strict=True):
            at = P.arrival(ys, t, lead)
            ok = at is not None and all(P.available(e, ys[t]) for e in ps)
            ub_t.append(None if ok else 0.0)
            arr_t.append(at if ok and at is not None else t)
        buy_ub.append(ub_t)
        arrive.append(arr_t)
        ubk_t: list[float | None] = []
        arrk_t: list[int] = []
        for e in choice_entry:
            at = P.arrival(ys, t, e.lead_time_years)
            ok = at is not None and P.available(e, ys[t])
            ubk_t.append(None if ok else 0.0)
            arrk_t.append(at if ok and at is not None else t)
        buyk_ub.append(ubk_t)
        arrivek.append(arrk_t)
    by_tech = instance.periods.price_decline_per_year
    sell_usd, sellk_usd = [], []
    for y in ys:
        sell_t = []
        for g, o in zip(d0.col_group, d0.col_option, strict=True):
            value = 0.0
            for item, units in o.items:
                t_entry = index.transceivers.get(item)
                c_entry = index.cables.get(item)
                if t_entry is not None:
                    price = t_entry.cost_usd * P.price_factor(t_entry, y, ys[0], by_tech)
                    value += units * t_entry.resale_fraction * price
                elif c_entry is not None:
                    price = (c_entry.cost_usd + c_entry.cost_usd_per_m * d0.groups[g].length_m) * P.price_factor(
                        c_entry, y, ys[0], by_tech
                    )
                    value += units * c_entry.resale_fraction * price
            sell_t.append(value)
        sell_usd.append(sell_t)
        sellk_usd.append([e.resale_fraction * e.cost_usd * P.price_factor(e, y, ys[0], by_tech) for e in choice_entry])
    r = RoadmapData(
        name=instance.name,
        years=ys,
        spans=P.spans(instance),
        discount=[P.discount_factor(instance, y) for y in ys],
        annuity=[P.annuity(instance, t) for t in range(len(ys))],
        data=data,
        instances=instances,
        col_fibre=col_fibre,
        fibre=fibre,
        fibre_usd=fibre_usd,
        buy_usd=buy_usd,
        buyk_usd=buyk_usd,
        buy_ub=buy_ub,
        buyk_ub=buyk_ub,
        arrive=arrive,
        arrivek=arrivek,
        sell_usd=sell_usd,
        sellk_usd=sellk_usd,
    )
    _installed(instance, r)
    cat = instance.resolved_catalog
    entries: list[Transceiver | Cable | Switch] = [*cat.transceivers, *cat.cables, *cat.switches]
    for period in instance.periods.steps:
        r.max_capex_usd.append(period.max_capex_usd)
        rows = []
        for supply_key, limit in period.supply.items():
            named = {e.id for e in entries if P.supplied_by(e, supply_key)}
            cols = [(i, u) for i, o in enumerate(d0.col_option) for it, u in o.items if it in named]
            rows.append((supply_key, limit, cols, [q for q, m in enumerate(d0.choice_model) if m in named]))
        r.supply.append(rows)
    return r


def _installed(instance: Instance, r: RoadmapData) -> None:
    """The starting stock per column, switch choice and fibre key (input errors for what matches none)."""
    d0 = r.data[0]
    r.installed_n = [0] * d0.n_cols
    r.installed_k = [0] * len(d0.choice_model)
    r.installed_fibre = [0] * len(r.fibre)
    inst = instance.installed
    if inst is None:
        return
    file = instance.source
    issues: list[Issue] = []
    group_of = {g.id: gi for gi, g in enumerate(d0.groups)}
    col_of = {(d0.col_group[i], o.id): i for i, o in enumerate(d0.col_option)}
    sg_of = {sg.id: sg for sg in d0.switch_groups}
    fibre_of = {key: f for f, key in enumerate(r.fibre)}
    for j, s in enumerate(inst.switches):
        sg = sg_of.get(s.group)
        q = None if sg is None else next((c for c in sg.choices if d0.choice_model[c] == s.model), None)
        if q is None:
            issues.append(
                Issue(file, f"installed.switches[{j}]", f"no switch group '{s.group}' with model '{s.model}'")
            )
            continue
        r.installed_k[q] += s.count
    for j, link in enumerate(inst.links):
        gi = group_of.get(link.group)
        i = None if gi is None else col_of.get((gi, link.option))
        if i is None:
            where = f"installed.links[{j}]"
            issues.append(Issue(file, where, f"'{link.option}' is not an option of link group '{link.group}'"))
            continue
        r.installed_n[i] += link.count
        if r.col_fibre[i] >= 0:
            r.installed_fibre[r.col_fibre[i]] += link.count
    for j, fb in enumerate(inst.fibre):
        gi = group_of.get(fb.group)
        f = None if gi is None else fibre_of.get((gi, fb.media))
        if f is None:
            where = f"installed.fibre[{j}]"
            issues.append(Issue(file, where, f"no option of link group '{fb.group}' runs over medium '{fb.media}'"))
            continue
        r.installed_fibre[f] += fb.count
    if issues:
        raise InstanceError(issues)
