"""The room the fabric stands in (instances/README.md, "Facility"); read only under a ``facility`` section.

Per link of option o (a column) the facility figures are:

- the power of its ends, split by where they stand: p_a(o), p_b(o) (a transceiver pair: the power of the
  transceiver at each end; a cable: half its power at each end), so that p_a + p_b = power_w(o);
  ``nic_w`` sums the ends at NIC groups (they stand in the GPU racks), ``switch_w`` the ends at switch
  groups (they stand in the switch racks);
- its fibres F(o): the transceiver's ``fibres`` (the larger of the two ends'), 0 for a cable (a DAC, ACC,
  AEC or AOC is a point-to-point assembly, never on the structured cabling).

Per switch model: its rack units RU and whether it is liquid-cooled. The constraint families
(``optimizer.core.model.constraints.facility_racks``, ``facility_power``, ``facility_fibres``) read these
figures; ``switch_racks`` and ``cabling_line`` are the plan's counts (``facility_section``, the plan's
``facility`` section; ``optimizer.core.verify`` recomputes them on its own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from optimizer.core.catalog import CatalogIndex
from optimizer.core.options import Option
from optimizer.core.schema import Cabling, Facility, Instance, NicNode, SwitchNode


@dataclass
class FacilityData:
    """Facility figures per column and per switch choice (indices of ``optimizer.core.data``)."""

    params: Facility
    col_nic_w: list[float]
    """Power of the ends of one link of column i that stand at NIC groups (in GPU racks)."""
    col_switch_w: list[float]
    """Power of the ends of one link of column i that stand at switch groups (in switch racks)."""
    col_fibres: list[int]
    """Fibres of one link of column i."""
    choice_rack_units: list[int]
    choice_liquid: list[bool]
    col_liquid_w: list[float] = field(default_factory=list)
    """Power of the ends of one link of column i that stand at liquid-only switch groups (every model of
    the group liquid-cooled): their heat goes to the liquid loop."""
    fibre_paths: list[tuple[str, list[int], int]] = field(default_factory=list)
    """(path id, columns of its link groups, max_fibres)."""

    @property
    def switch_rack_w(self) -> float | None:
        """Power cap of one switch rack (W), None without ``switch_rack_kw``."""
        kw = self.params.switch_rack_kw
        return None if kw is None else 1000.0 * kw

    @property
    def gpu_network_cap_w(self) -> float | None:
        """What the GPU racks leave to the link ends at their NICs: gpu_racks x (gpu_rack_kw - base) x 1000 (W)."""
        p = self.params
        if p.gpu_rack_kw is None or p.gpu_racks is None:
            return None
        return p.gpu_racks * 1000.0 * (p.gpu_rack_kw - p.gpu_rack_base_kw)

    @property
    def liquid_cap_w(self) -> float | None:
        """Liquid-cooling capacity for the liquid-cooled switches (W), None without a cap."""
        kw = self.params.liquid_cooling_kw
        return None if kw is None else 1000.0 * kw

    @property
    def racks_cap_space_u(self) -> float | None:
        """Rack units the hall's switch racks offer: max_switch_racks x switch_rack_units (None: no cap)."""
        p = self.params
        return None if p.max_switch_racks is None else float(p.max_switch_racks * p.switch_rack_units)

    @property
    def racks_cap_w(self) -> float | None:
        """Power the hall's switch racks take: max_switch_racks x switch_rack_kw x 1000 (None: no cap)."""
        p, per = self.params, self.switch_rack_w
        return None if p.max_switch_racks is None or per is None else p.max_switch_racks * per


def end_power_w(option: Option, index: CatalogIndex) -> tuple[float, float]:
    """Power of the end at a and at b of one link of ``option`` (they sum to its power_w)."""
    if option.kind == "pair":
        t_id, _, u_id = option.id.partition("+")
        return index.transceivers[t_id].power_w, index.transceivers[u_id].power_w
    return option.power_w / 2.0, option.power_w / 2.0


def option_fibres(option: Option, index: CatalogIndex) -> int:
    """Fibres one link of ``option`` runs over the structured cabling (0 for a cable; a transceiver
    without ``fibres`` counts 0: ``check_instance`` reports it under a facility section)."""
    if option.kind != "pair":
        return 0
    t_id, _, u_id = option.id.partition("+")
    return max(index.transceivers[t_id].fibres or 0, index.transceivers[u_id].fibres or 0)


def facility_figures(option: Option, index: CatalogIndex, a_is_nic: bool, b_is_nic: bool) -> tuple[float, float, int]:
    """(power at NIC ends, power at switch ends, fibres) of one link of ``option``."""
    p_a, p_b = end_power_w(option, index)
    nic = (p_a if a_is_nic else 0.0) + (p_b if b_is_nic else 0.0)
    return nic, p_a + p_b - nic, option_fibres(option, index)


def switch_racks(rack_units: float, power_w: float, params: Facility) -> tuple[int, int, int]:
    """(switch racks, racks by space, racks by power): racks by space = ceil(U / switch_rack_units), by power
    = ceil(P / (1000 x switch_rack_kw)) (0 without a kW cap), the racks the larger of the two."""
    by_space = math.ceil(rack_units / params.switch_rack_units - 1e-9) if rack_units > 0 else 0
    by_power = 0
    if params.switch_rack_kw is not None and power_w > 0:
        by_power = math.ceil(power_w / (1000.0 * params.switch_rack_kw) - 1e-9)
    return max(by_space, by_power), by_space, by_power


@dataclass(frozen=True)
class CablingLine:
    """The structured cabling of one link group (the rule of ``Cabling``)."""

    group: str
    fibres: int
    trunks: int
    cassettes: int
    panels: int
    cost_usd: float


def cabling_line(group: str, length_m: float, fibres: int, rule: Cabling) -> CablingLine | None:
    """The cabling of a link group running ``fibres`` fibres over ``length_m`` (None: patched directly,
    i.e. shorter than ``min_length_m`` or no fibre)."""
    if fibres <= 0 or length_m < rule.min_length_m:
        return None
    trunks = math.ceil(fibres / rule.trunk_fibres)
    per_end = math.ceil(fibres / rule.cassette_fibres)
    cassettes = 2 * per_end
    panels = 2 * math.ceil(per_end / rule.cassettes_per_panel)
    cost = (
        trunks * (rule.trunk_cost_usd + rule.trunk_cost_usd_per_m * length_m)
        + cassettes * rule.cassette_cost_usd
        + panels * rule.panel_cost_usd
    )
    return CablingLine(group, fibres, trunks, cassettes, panels, cost)


def liquid_groups(instance: Instance, index: CatalogIndex) -> frozenset[str]:
    """Switch groups every model of which is liquid-cooled (the ends in their ports cool on the liquid loop)."""
    return frozenset(
        n.id
        for n in instance.nodes
        if isinstance(n, SwitchNode) and all(index.switches[m].cooling == "liquid" for m in n.models)
    )


def build_facility(
    instance: Instance,
    index: CatalogIndex,
    col_option: list[Option],
    col_group: list[int],
    group_ends: list[tuple[str, str]],
    choice_model: list[str],
    group_cols: dict[str, list[int]],
) -> FacilityData | None:
    """The facility figures of the model's columns and switch choices (None without a ``facility`` section).

    ``group_ends[g]``: the node groups at end a and end b of link group g; ``group_cols``: the columns of
    each link group by id."""
    p = instance.facility
    if p is None:
        return None
    nic = {n.id for n in instance.nodes if isinstance(n, NicNode)}
    liquid = liquid_groups(instance, index)
    nic_w: list[float] = []
    switch_w: list[float] = []
    liquid_w: list[float] = []
    fibres: list[int] = []
    for o, g in zip(col_option, col_group, strict=True):
        a, b = group_ends[g]
        x, y, f = facility_figures(o, index, a in nic, b in nic)
        p_a, p_b = end_power_w(o, index)
        nic_w.append(x)
        switch_w.append(y)
        liquid_w.append((p_a if a in liquid else 0.0) + (p_b if b in liquid else 0.0))
        fibres.append(f)
    paths = [(fp.id, [i for gid in fp.links for i in group_cols.get(gid, [])], fp.max_fibres) for fp in p.fibre_paths]
    return FacilityData(
        params=p,
        col_nic_w=nic_w,
        col_switch_w=switch_w,
        col_fibres=fibres,
        choice_rack_units=[index.switches[m].rack_units or 0 for m in choice_model],
        choice_liquid=[index.switches[m].cooling == "liquid" for m in choice_model],
        col_liquid_w=liquid_w,
        fibre_paths=paths,
    )


def facility_section(
    n: list[int], k: list[int], chosen: list[int], d: Any, index: CatalogIndex
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan's facility figures (plan.json ``facility``) and the structured-cabling lines of its bill of
    materials, from the counts ``n`` (per column) and ``k`` (per switch choice) of model data ``d`` whose
    ``facility`` is set; ``chosen``: the chosen choice of each switch group."""
    f: FacilityData = d.facility
    p = f.params
    rack_units = sum(f.choice_rack_units[q] * x for q, x in enumerate(k))
    rack_power = sum(d.choice_power_w[q] * x for q, x in enumerate(k))
    rack_power += sum(w * x for w, x in zip(f.col_switch_w, n, strict=True))
    racks, by_space, by_power = switch_racks(rack_units, rack_power, p)
    nic_w = sum(w * x for w, x in zip(f.col_nic_w, n, strict=True))
    liquid = sum(d.choice_power_w[q] * x for q, x in enumerate(k) if f.choice_liquid[q])
    liquid += sum(w * x for w, x in zip(f.col_liquid_w, n, strict=True))
    fibres_by_group = [0] * len(d.groups)
    for i, x in enumerate(n):
        fibres_by_group[d.col_group[i]] += f.col_fibres[i] * x
    out: dict[str, Any] = {
        "switch_racks": racks,
        "switch_racks_by_space": by_space,
        "switch_racks_by_power": by_power,
        "switch_rack_units": p.switch_rack_units,
        "rack_units": rack_units,
        "switch_rack_power_w": rack_power,
        "switch_rack_kw": rack_power / 1000.0 / racks if racks else 0.0,
        "switch_rack_kw_cap": p.switch_rack_kw,
        "max_switch_racks": p.max_switch_racks,
        "gpu_racks": p.gpu_racks,
        "gpu_rack_network_w": nic_w,
        "gpu_rack_kw": (p.gpu_rack_base_kw + nic_w / 1000.0 / p.gpu_racks) if p.gpu_racks else None,
        "gpu_rack_kw_cap": p.gpu_rack_kw,
        "liquid_load_w": liquid,
        "liquid_cooling_kw_cap": p.liquid_cooling_kw,
        "fibres": sum(fibres_by_group),
        "switches": [
            {
                "group": sg.id,
                "model": d.choice_model[q],
                "count": sum(k[c] for c in sg.choices),
                "rack_units": f.choice_rack_units[q],
                "cooling": "liquid" if f.choice_liquid[q] else "air",
            }
            for sg, q in zip(d.switch_groups, chosen, strict=True)
        ],
        "link_groups": [{"group": g.id, "fibres": x} for g, x in zip(d.groups, fibres_by_group, strict=True) if x > 0],
        "fibre_paths": [
            {"id": pid, "fibres": sum(f.col_fibres[i] * n[i] for i in cols), "max_fibres": limit}
            for pid, cols, limit in f.fibre_paths
        ],
    }
    bom: list[dict[str, Any]] = []
    if p.cabling is not None:
        rule = p.cabling
        lines = [cabling_line(g.id, g.length_m, x, rule) for g, x in zip(d.groups, fibres_by_group, strict=True)]
        kept = [ln for ln in lines if ln is not None]
        out["cabling"] = [
            {
                "group": ln.group,
                "fibres": ln.fibres,
                "trunks": ln.trunks,
                "cassettes": ln.cassettes,
                "panels": ln.panels,
                "capex_usd": ln.cost_usd,
            }
            for ln in kept
        ]
        out["cabling_capex_usd"] = sum(ln.cost_usd for ln in kept)
        length = {g.id: g.length_m for g in d.groups}
        trunk_m = sum(ln.trunks * length[ln.group] for ln in kept)
        for item, units, metres, capex in (
            (
                f"mpo-trunk-{rule.trunk_fibres}f",
                sum(ln.trunks for ln in kept),
                trunk_m,
                sum(ln.trunks * rule.trunk_cost_usd for ln in kept) + trunk_m * rule.trunk_cost_usd_per_m,
            ),
            (
                f"mpo-cassette-{rule.cassette_fibres}f",
                sum(ln.cassettes for ln in kept),
                None,
                sum(ln.cassettes for ln in kept) * rule.cassette_cost_usd,
            ),
            ("patch-panel", sum(ln.panels for ln in kept), None, sum(ln.panels for ln in kept) * rule.panel_cost_usd),
        ):
            if units:
                bom.append(
                    {
                        "item": item,
                        "section": "cabling",
                        "units": units,
                        "modules": units,
                        "length_m": metres,
                        "power_w": 0.0,
                        "capex_usd": capex,
                    }
                )
    return out, bom
