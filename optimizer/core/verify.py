"""Independent verifier of a plan against its instance (format v1, sections 2-4 of the contract).

Re-derives every number of a plan.json mapping from the instance (schema objects, resolved catalogue) and
the plan's decisions alone, following the contract text; no Pyomo and none of the planner's data, options,
model or results code, so a bug there cannot hide itself here.
"""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer.core.schema import Cable, Instance, Link, NicNode, Switch, SwitchNode, Transceiver

HOURS_PER_YEAR = 8766.0
PLAN_FORMAT = "optimizer-plan/1"
ABS_TOL = 1e-6
RELIABILITY_ABS_TOL = 1e-12
"""Absolute floor of the comparison of reliability figures (stated to 12 significant digits; interruptions
per day can be 1e-4 or less, and a cap 1e-9)."""
WITH_PLAN = ("optimal", "feasible")
WITHOUT_PLAN = ("infeasible", "unbounded", "no_solution", "error")
MODES = ("tco", "capex", "power", "weighted")


@dataclass(frozen=True)
class Violation:
    """One violated constraint or wrong number of a plan.

    Attributes:
        where: the plan element, e.g. ``links[2]``, ``nodes.leaf``, ``paths.cross-leaf``, ``totals.power_w``.
        message: what is wrong, with the recomputed and the stated values.
    """

    where: str
    message: str


@dataclass(frozen=True)
class _LinkRow:
    where: str
    row: Mapping[str, Any]
    link: Link
    option: str
    attrs: dict[str, Any]
    count: int


@dataclass(frozen=True)
class _NodeRow:
    where: str
    row: Mapping[str, Any]
    model: Switch
    count: int


class _Index:
    """The instance's nodes, link groups and catalogue entries by id."""

    def __init__(self, instance: Instance) -> None:
        cat = instance.resolved_catalog
        self.nodes = {n.id: n for n in instance.nodes}
        self.links = {g.id: g for g in instance.links}
        self.media = {m.id: m for m in cat.media}
        self.transceivers = {t.id: t for t in cat.transceivers}
        self.cables = {c.id: c for c in cat.cables}
        self.switches = {s.id: s for s in cat.switches}
        self.nics = {n.id: n for n in cat.nics}
        self.rules_on = instance.compatibility is not None
        self.profiles = {p.id: p for p in cat.profiles}


def _number(value: Any) -> float | None:
    """A finite int/float (not bool) as float, else None."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _whole(value: Any) -> int | None:
    return int(value) if _number(value) is not None and float(value).is_integer() else None


def _le(x: float, y: float, rel_tol: float) -> bool:
    return x <= y + max(ABS_TOL, rel_tol * max(abs(x), abs(y)))


def _end_problem(ix: _Index, node_id: str, form: str, speed: float) -> str | None:
    """Why an end of this form and speed cannot be used at a node group (None if it can)."""
    node = ix.nodes[node_id]
    if isinstance(node, NicNode):
        if form not in node.forms:
            return f"NIC group '{node_id}' does not take end form '{form}'"
        if speed > node.port_gbps:
            return f"speed {speed:g} above max_port_gbps {node.port_gbps:g} of NIC group '{node_id}'"
        return None
    models = [ix.switches[m] for m in node.models if m in ix.switches]
    if not any(form in m.forms for m in models):
        return f"no model of switch group '{node_id}' takes end form '{form}'"
    if not any(form in m.forms and speed <= m.max_port_gbps for m in models):
        return f"speed {speed:g} above max_port_gbps of every model of '{node_id}' taking form '{form}'"
    return None


def _attributes(ix: _Index, link: Link, option_id: str) -> dict[str, Any] | str:
    length = link.length_m
    if "+" in option_id:
        parts = option_id.split("+")
        if len(parts) != 2 or not all(p in ix.transceivers for p in parts):
            return f"option '{option_id}' is not 't+u' with two catalogue transceiver ids"
        t, u = ix.transceivers[parts[0]], ix.transceivers[parts[1]]
        if t.media != u.media or t.speed_gbps != u.speed_gbps:
            return f"'{t.id}' and '{u.id}' differ in media or speed_gbps"
        media, reach = ix.media[t.media], min(t.reach_m, u.reach_m)
        attrs: dict[str, Any] = {
            "speed_gbps": t.speed_gbps,
            "power_w": t.power_w + u.power_w,
            "cost_usd": t.cost_usd + u.cost_usd + media.cost_usd_per_m * length,
            "latency_ns": t.latency_ns + u.latency_ns + media.latency_ns_per_m * length,
            "form_a": t.form,
            "form_b": u.form,
            "items": {t.id: 2} if t.id == u.id else {t.id: 1, u.id: 1},
        }
    elif option_id in ix.cables:
        c = ix.cables[option_id]
        reach = c.reach_m
        attrs = {  # a breakout's figures are for the whole assembly: 1/links_per_cable per link
            "speed_gbps": c.speed_gbps,
            "power_w": c.power_w / c.links_per_cable,
            "cost_usd": (c.cost_usd + c.cost_usd_per_m * length) / c.links_per_cable,
            "latency_ns": c.latency_ns + c.propagation_ns_per_m * length,
            "form_a": "cable",
            "form_b": "cable",
            "items": {c.id: 1},
        }
    else:
        return f"unknown option '{option_id}': neither a cable id nor 't+u' of transceiver ids"
    speed, items = attrs["speed_gbps"], set(attrs["items"])
    if not ix.rules_on:
        only = [i for i in items if getattr(ix.transceivers.get(i) or ix.cables.get(i), "compatibility_only", False)]
        if only:
            return f"{only} are options only under a compatibility section"
    if reach < length:
        return f"reach_m {reach:g} below length_m {length:g} of group '{link.id}'"
    if link.min_link_gbps is not None and speed < link.min_link_gbps:
        return f"speed {speed:g} below min_link_gbps {link.min_link_gbps:g} of group '{link.id}'"
    for node_id, form in ((link.a, attrs["form_a"]), (link.b, attrs["form_b"])):
        if problem := _end_problem(ix, node_id, form, speed):
            return problem
    if link.allowed is not None and not items <= set(link.allowed):
        return f"uses {sorted(items - set(link.allowed))} not in allowed of group '{link.id}'"
    if items & set(link.exclude):
        return f"uses excluded {sorted(items & set(link.exclude))} of group '{link.id}'"
    return attrs


def option_attributes(instance: Instance, link: Link | str, option_id: str) -> dict[str, Any] | str:
    """Attributes of a link option per the model of instances/README.md, or why it is not a candidate of the group.

    Args:
        instance: a loaded instance (catalogue resolved).
        link: the link group (or its id).
        option_id: a cable id, or ``t+u`` (a-end transceiver id, b-end id; either order when a == b).

    Returns:
        ``dict(speed_gbps, power_w, cost_usd, latency_ns, form_a, form_b, items)`` with ``items`` the
        catalogue item id -> units per link, or a str naming the filter that rejects the option.
    """
    ix = _Index(instance)
    if isinstance(link, str):
        if link not in ix.links:
            return f"unknown link group '{link}'"
        link = ix.links[link]
    return _attributes(ix, link, option_id)


def _rows(plan: Mapping[str, Any], key: str, out: list[Violation]) -> list[Mapping[str, Any]]:
    rows = plan.get(key)
    if isinstance(rows, list) and all(isinstance(r, Mapping) for r in rows):
        return rows
    out.append(Violation(key, "expected a list of row mappings"))
    return []


Decisions = tuple[list[_LinkRow], dict[str, _NodeRow], list[Violation]]


def _decisions(ix: _Index, plan: Mapping[str, Any]) -> Decisions:
    """Parse the plan's decisions; rows that are not valid decisions are reported and left out."""
    out: list[Violation] = []
    links: list[_LinkRow] = []
    seen: dict[tuple[str, str], str] = {}
    for i, row in enumerate(_rows(plan, "links", out)):
        where, group, option = f"links[{i}]", row.get("group"), row.get("option")
        count = _whole(row.get("count"))
        if group not in ix.links or not isinstance(option, str):
            out.append(Violation(where, f"unknown link group {group!r} or option {option!r}"))
            continue
        link = ix.links[group]
        if link.divisible:  # routed-demand extension: linear capacity, fractional link counts
            count = _number(row.get("count"))  # type: ignore[assignment]
        attrs = _attributes(ix, link, option)
        key = (group, "+".join(sorted(option.split("+"))) if link.a == link.b else option)
        if isinstance(attrs, str):
            out.append(Violation(where, f"option '{option}' is not a candidate of '{group}': {attrs}"))
        elif count is None or count <= 0:
            out.append(Violation(where, f"count {row.get('count')!r} is not a positive integer"))
        elif key in seen:
            out.append(Violation(where, f"duplicate row for ({group}, {option}); also {seen[key]}"))
        else:
            seen[key] = where
            links.append(_LinkRow(where, row, link, option, attrs, count))
    nodes: dict[str, _NodeRow] = {}
    node_rows = _rows(plan, "nodes", out)
    for row in node_rows:
        group, model, count = row.get("group"), row.get("model"), _whole(row.get("count"))
        where, node = f"nodes.{group}", ix.nodes.get(group) if isinstance(group, str) else None
        if not isinstance(node, SwitchNode):
            out.append(Violation(where, f"{group!r} is not a switch group"))
            continue
        lo, hi = (node.count, node.count) if isinstance(node.count, int) else (node.count.min, node.count.max)
        if group in nodes:
            out.append(Violation(where, "more than one row for this switch group"))
        elif model not in node.models or model not in ix.switches:
            out.append(Violation(where, f"model {model!r} is not one of the group's models {node.models}"))
        elif count is None or not lo <= count <= hi:
            out.append(Violation(where, f"count {row.get('count')!r} is not an integer in [{lo}, {hi}]"))
        else:
            nodes[str(group)] = _NodeRow(where, row, ix.switches[model], count)
    for node_id, node in ix.nodes.items():
        if isinstance(node, SwitchNode) and not any(r.get("group") == node_id for r in node_rows):
            out.append(Violation(f"nodes.{node_id}", "no row for this switch group"))
    return links, nodes, out


def _switch_price_usd(model: Switch) -> float:
    """The format doc: a switch costs cost_usd x (1 + cpo_premium_fraction) (the premium defaults to 0)."""
    return model.cost_usd + model.cost_usd * model.cpo_premium_fraction


def _totals(
    instance: Instance, links: list[_LinkRow], nodes: dict[str, _NodeRow], plan: Mapping[str, Any] | None = None
) -> dict[str, float]:
    t = {
        "optics_power_w": sum(r.count * r.attrs["power_w"] for r in links),
        "optics_capex_usd": sum(r.count * r.attrs["cost_usd"] for r in links),
        "switch_power_w": sum(r.count * r.model.power_w for r in nodes.values()),
        "switch_capex_usd": sum(r.count * _switch_price_usd(r.model) for r in nodes.values()),
    }
    t["power_w"] = t["optics_power_w"] + t["switch_power_w"]
    t["capex_usd"] = t["optics_capex_usd"] + t["switch_capex_usd"]
    if instance.demands:  # routed-demand extension: installed, setup and routing costs are capex
        network = _network_costs(instance, links, plan or {})
        t.update(network)
        t["capex_usd"] += sum(network.values())
    e = instance.economics
    t["energy_usd"] = t["power_w"] / 1000 * HOURS_PER_YEAR * e.years * e.pue * e.electricity_usd_per_kwh
    t["tco_usd"] = t["capex_usd"] + t["energy_usd"]
    if instance.reliability is not None:  # reliability extension: spares are capex, downtime a cost
        fig = reliability_figures(instance, links, nodes)
        t["spares_capex_usd"] = fig["spares_capex_usd"]
        t["downtime_usd"] = fig["downtime_usd"]
        t["interruptions_per_day"] = fig["interruptions_per_day"]
        t["capex_usd"] += t["spares_capex_usd"]
        t["tco_usd"] += t["spares_capex_usd"] + t["downtime_usd"]
    if instance.facility is not None:  # facility extension: racks, fibres and cabling (not in capex)
        fac = facility_figures(instance, links, nodes)
        t["switch_racks"] = fac["switch_racks"]
        t["fibres"] = fac["fibres"]
        if "cabling_capex_usd" in fac:
            t["cabling_capex_usd"] = fac["cabling_capex_usd"]
    if instance.site is not None:  # site extension: the GPU capacity the network's power displaces
        gpus, gpu_w, gpu_hour_usd = site_figures(instance)
        t["gpus_displaced"] = t["power_w"] / gpu_w
        t["gpus_displaced_usd"] = t["gpus_displaced"] * gpu_hour_usd * HOURS_PER_YEAR * e.years
        t["tco_usd"] += t["gpus_displaced_usd"]
    return t


def _end_power_w(ix_transceivers: Mapping[str, Transceiver], r: _LinkRow) -> tuple[float, float]:
    """Facility extension: the power of one link's end at a and at b (a pair: each transceiver's power_w;
    a cable: half of its power per link at each end)."""
    if "+" in r.option:  # a transceiver pair (a cable id has no '+': see _attributes)
        t, _, u = r.option.partition("+")
        return ix_transceivers[t].power_w, ix_transceivers[u].power_w
    return r.attrs["power_w"] / 2.0, r.attrs["power_w"] / 2.0


def facility_figures(instance: Instance, links: list[_LinkRow], nodes: Mapping[str, _NodeRow]) -> dict[str, Any]:
    """Facility extension (instances/README.md, "Facility"): the plan's switch racks, rack units, rack power,
    NIC-end power in the GPU racks, liquid load, fibres per link group and cable path, and the structured
    cabling, recomputed from its decisions by the rules of the format doc."""
    f = instance.facility
    assert f is not None
    cat = instance.resolved_catalog
    trans = {t.id: t for t in cat.transceivers}
    nics = {n.id for n in instance.nodes if isinstance(n, NicNode)}
    switches = {s.id: s for s in cat.switches}
    liquid_only = {
        n.id
        for n in instance.nodes
        if isinstance(n, SwitchNode) and all(switches[m].cooling == "liquid" for m in n.models if m in switches)
    }
    rack_units = sum(r.count * (r.model.rack_units or 0) for r in nodes.values())
    rack_power = sum(r.count * r.model.power_w for r in nodes.values())
    liquid = sum(r.count * r.model.power_w for r in nodes.values() if r.model.cooling == "liquid")
    nic_w = 0.0
    fibres: dict[str, int] = defaultdict(int)
    for r in links:
        p_a, p_b = _end_power_w(trans, r)
        for node_id, p in ((r.link.a, p_a), (r.link.b, p_b)):
            if node_id in nics:
                nic_w += r.count * p
            else:
                rack_power += r.count * p
            if node_id in liquid_only:
                liquid += r.count * p
        if "+" in r.option:
            t, _, u = r.option.partition("+")
            fibres[r.link.id] += r.count * max(trans[t].fibres or 0, trans[u].fibres or 0)
    by_space = math.ceil(rack_units / f.switch_rack_units - 1e-9) if rack_units > 0 else 0
    by_power = 0
    if f.switch_rack_kw is not None and rack_power > 0:
        by_power = math.ceil(rack_power / (1000.0 * f.switch_rack_kw) - 1e-9)
    out: dict[str, Any] = {
        "switch_racks": max(by_space, by_power),
        "switch_racks_by_space": by_space,
        "switch_racks_by_power": by_power,
        "rack_units": rack_units,
        "switch_rack_power_w": rack_power,
        "gpu_rack_network_w": nic_w,
        "liquid_load_w": liquid,
        "fibres": sum(fibres.values()),
        "link_groups": dict(fibres),
        "fibre_paths": {fp.id: sum(fibres.get(g, 0) for g in set(fp.links)) for fp in f.fibre_paths},
    }
    rule = f.cabling
    if rule is not None:
        lines = {}
        for link in instance.links:
            x = fibres.get(link.id, 0)
            if x <= 0 or link.length_m < rule.min_length_m:
                continue
            trunks = math.ceil(x / rule.trunk_fibres)
            per_end = math.ceil(x / rule.cassette_fibres)
            panels = 2 * math.ceil(per_end / rule.cassettes_per_panel)
            cost = trunks * (rule.trunk_cost_usd + rule.trunk_cost_usd_per_m * link.length_m)
            cost += 2 * per_end * rule.cassette_cost_usd + panels * rule.panel_cost_usd
            lines[link.id] = {"trunks": trunks, "cassettes": 2 * per_end, "panels": panels, "capex_usd": cost}
        out["cabling"] = lines
        out["cabling_capex_usd"] = sum(v["capex_usd"] for v in lines.values())
    return out


def check_facility(
    instance: Instance, plan: Mapping[str, Any], links: list[_LinkRow], nodes: Mapping[str, _NodeRow], rel_tol: float
) -> list[Violation]:
    """Facility extension: the hall's limits (switch racks, GPU-rack power, liquid cooling, fibres per cable
    path) hold for the plan, and the plan's ``facility`` section states the recomputed figures."""
    f = instance.facility
    assert f is not None
    fig = facility_figures(instance, links, nodes)
    out: list[Violation] = []

    def same(where: str, stated: Any, expected: float) -> None:
        number = _number(stated)
        if number is None or not math.isclose(number, expected, rel_tol=rel_tol, abs_tol=ABS_TOL):
            out.append(Violation(where, f"states {stated!r}, recomputed {expected:.10g}"))

    if f.max_switch_racks is not None and fig["switch_racks"] > f.max_switch_racks:
        out.append(
            Violation(
                "facility.max_switch_racks",
                f"{fig['switch_racks']} switch racks ({fig['rack_units']} U, {fig['switch_rack_power_w']:g} W) "
                f"exceed {f.max_switch_racks}",
            )
        )
    if f.gpu_rack_kw is not None and f.gpu_racks is not None:
        per_rack_kw = f.gpu_rack_base_kw + fig["gpu_rack_network_w"] / 1000.0 / f.gpu_racks
        if not _le(per_rack_kw, f.gpu_rack_kw, rel_tol):
            out.append(
                Violation("facility.gpu_rack_kw", f"a GPU rack draws {per_rack_kw:g} kW, above {f.gpu_rack_kw:g}")
            )
    if f.liquid_cooling_kw is not None and not _le(fig["liquid_load_w"], 1000.0 * f.liquid_cooling_kw, rel_tol):
        out.append(
            Violation(
                "facility.liquid_cooling_kw",
                f"liquid load {fig['liquid_load_w']:g} W exceeds {f.liquid_cooling_kw:g} kW",
            )
        )
    for fp in f.fibre_paths:
        if fig["fibre_paths"][fp.id] > fp.max_fibres:
            out.append(
                Violation(
                    f"facility.fibre_paths.{fp.id}",
                    f"{fig['fibre_paths'][fp.id]} fibres exceed max_fibres {fp.max_fibres}",
                )
            )
    section = plan.get("facility")
    if not isinstance(section, Mapping):
        return [*out, Violation("facility", "missing: the instance has a facility section")]
    for key in (
        "switch_racks",
        "switch_racks_by_space",
        "switch_racks_by_power",
        "rack_units",
        "switch_rack_power_w",
        "gpu_rack_network_w",
        "liquid_load_w",
        "fibres",
    ):
        same(f"facility.{key}", section.get(key), fig[key])
    stated_groups = {
        r.get("group"): r.get("fibres") for r in section.get("link_groups") or [] if isinstance(r, Mapping)
    }
    for gid in set(stated_groups) | set(fig["link_groups"]):
        same(f"facility.link_groups.{gid}", stated_groups.get(gid), fig["link_groups"].get(gid, 0))
    stated_paths = {r.get("id"): r.get("fibres") for r in section.get("fibre_paths") or [] if isinstance(r, Mapping)}
    for pid, x in fig["fibre_paths"].items():
        same(f"facility.fibre_paths.{pid}", stated_paths.get(pid), x)
    if "cabling" in fig:
        stated_lines = {r.get("group"): r for r in section.get("cabling") or [] if isinstance(r, Mapping)}
        for gid in set(stated_lines) | set(fig["cabling"]):
            line, row = fig["cabling"].get(gid), stated_lines.get(gid, {})
            if line is None:
                out.append(Violation(f"facility.cabling.{gid}", "a cabling line for a group the rule gives none"))
                continue
            for key in ("trunks", "cassettes", "panels", "capex_usd"):
                same(f"facility.cabling.{gid}.{key}", row.get(key), line[key])
        same("facility.cabling_capex_usd", section.get("cabling_capex_usd"), fig["cabling_capex_usd"])
    return out


def site_figures(instance: Instance) -> tuple[int, float, float]:
    """Site extension (instances/README.md, "Site power envelope"): (GPUs the site hosts, W per GPU, USD per
    GPU-hour) with the documented defaults: ``site.gpus`` else ``reliability.gpus`` else the NIC groups'
    summed count; ``site.gpu_hour_usd`` else ``reliability.gpu_hour_usd`` else 0."""
    site, rel = instance.site, instance.reliability
    assert site is not None
    gpus = site.gpus
    if gpus is None and rel is not None:
        gpus = rel.gpus
    if gpus is None:
        gpus = sum(n.count for n in instance.nodes if isinstance(n, NicNode))
    value = site.gpu_hour_usd
    if value is None:
        value = 0.0 if rel is None else rel.gpu_hour_usd
    return gpus, site.gpu_w, value


def _objective(
    instance: Instance, totals: Mapping[Any, float], mode: str, weights: Mapping[str, Any] | None = None
) -> float:
    """The objective of ``mode``; a ``weighted`` plan that states its ``objective_weights`` is scored with
    those (a Pareto point minimises capex plus its own tie-break weight on power), else the instance's."""
    w = {
        "capex_usd": instance.weights.capex_usd,
        "power_w": instance.weights.power_w,
        "interruptions_per_day": instance.weights.interruptions_per_day,
    }
    if isinstance(weights, Mapping):
        w.update({k: float(weights[k]) for k in w if isinstance(weights.get(k), int | float)})
    weighted = w["capex_usd"] * totals["capex_usd"] + w["power_w"] * totals["power_w"]
    weighted += w["interruptions_per_day"] * totals.get("interruptions_per_day", 0.0)
    return {
        "tco": totals["tco_usd"],
        "capex": totals["capex_usd"],
        "power": totals["power_w"],
        "weighted": weighted,
    }[mode]


def plan_objective(instance: Instance, plan: Mapping[str, Any], mode: str | None = None) -> float:
    """The objective value recomputed from the plan's decisions (link counts, switch models and counts).

    Args:
        instance: the loaded instance the plan is for.
        plan: the plan.json mapping.
        mode: objective mode; default ``plan["objective_mode"]``, else the instance's ``objective``.

    Raises:
        ValueError: for an unknown mode or when a row is not a valid decision.
    """
    mode = mode or plan.get("objective_mode") or instance.objective
    if mode not in MODES:
        raise ValueError(f"unknown objective mode {mode!r}")
    links, nodes, problems = _decisions(_Index(instance), plan)
    if problems:
        raise ValueError("; ".join(f"{v.where}: {v.message}" for v in problems))
    return _objective(instance, _totals(instance, links, nodes, plan), mode, plan.get("objective_weights"))


def _non_finite(value: Any, where: str) -> Iterator[Violation]:
    if isinstance(value, float) and not math.isfinite(value):
        yield Violation(where, f"{value!r} is not a plain JSON number")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _non_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _non_finite(item, f"{where}[{i}]")


def check_plan(instance: Instance | str | os.PathLike[str], plan: Any, rel_tol: float = 1e-6) -> list[Violation]:
    """Every violated constraint or wrong number of a plan (contract sections 2-4).

    Args:
        instance: the loaded instance the plan is for, or the path of its file (read with
            ``load_instance``, as every caller reads it: loading is not a rule of the plan).
        plan: the plan.json mapping, a ``Plan`` (anything with ``to_dict()``), or the path of a plan.json or
            of the folder holding it.
        rel_tol: relative tolerance of number comparisons (absolute floor 1e-6).

    Returns:
        The violations found; empty when the plan is correct.

    Raises:
        InstanceError: ``instance`` is a path to an invalid file.
        OSError, ValueError: ``plan`` is a path to a missing or unreadable plan.json.
    """
    if not isinstance(instance, Instance):
        from optimizer.core.load import as_instance

        instance = as_instance(instance)
    plan = _plan_mapping(plan)
    return _check_plan(instance, plan, rel_tol)


def _plan_mapping(plan: Any) -> Mapping[str, Any]:
    """The plan.json mapping of what ``check_plan`` was given (a mapping, a ``Plan``, a path)."""
    if isinstance(plan, Mapping):
        return plan
    if isinstance(plan, str | os.PathLike):
        path = Path(plan)
        if path.is_dir():
            path = path / "plan.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, Mapping):
            raise ValueError(f"{path}: not a plan (expected a JSON object)")
        return doc
    to_dict = getattr(plan, "to_dict", None)
    if callable(to_dict):
        mapping: Mapping[str, Any] = to_dict()
        return mapping
    raise TypeError(f"expected a plan mapping, a Plan or a path to plan.json, got {type(plan).__name__}")


def _check_plan(instance: Instance, plan: Mapping[str, Any], rel_tol: float) -> list[Violation]:
    out = list(_non_finite(plan, ""))

    def add(where: str, message: str) -> None:
        out.append(Violation(where, message))

    def same(where: str, stated: Any, expected: float, abs_tol: float = ABS_TOL) -> None:
        number = _number(stated)
        if number is None or not math.isclose(number, expected, rel_tol=rel_tol, abs_tol=abs_tol):
            add(where, f"states {stated!r}, recomputed {expected:.10g}")

    if plan.get("format") != PLAN_FORMAT:
        add("format", f"{plan.get('format')!r} is not '{PLAN_FORMAT}'")
    if plan.get("instance") != instance.name:
        add("instance", f"{plan.get('instance')!r} is not the instance name '{instance.name}'")
    status = plan.get("status")
    if status not in WITH_PLAN:  # clarification 9
        if status not in WITHOUT_PLAN:
            add("status", f"unknown status {status!r}")
        out += [
            Violation(k, f"must be null without an incumbent ({status})")
            for k in ("totals", "objective", "bound", "gap")
            if plan.get(k) is not None
        ]
        out += [
            Violation(k, f"must be [] without an incumbent ({status})")
            for k in ("links", "nodes", "paths")
            if plan.get(k) != []
        ]
        return out

    ix = _Index(instance)
    links, nodes, problems = _decisions(ix, plan)
    out += problems
    by_group: dict[str, list[_LinkRow]] = defaultdict(list)
    ends: dict[str, list[tuple[_LinkRow, str]]] = defaultdict(list)  # node group -> (row, form) per end
    for r in links:
        a = r.attrs
        expected = {
            "speed_gbps": a["speed_gbps"],
            "power_w": r.count * a["power_w"],
            "capex_usd": r.count * a["cost_usd"],
            "latency_ns": a["latency_ns"],
        }
        for key, value in expected.items():
            same(f"{r.where}.{key}", r.row.get(key), value)
        by_group[r.link.id].append(r)
        ends[r.link.a].append((r, a["form_a"]))
        ends[r.link.b].append((r, a["form_b"]))

    capacity: dict[str, float] = {}
    for gid, link in ix.links.items():  # constraint 1
        capacity[gid] = sum(r.attrs["speed_gbps"] * r.count for r in by_group[gid])
        n_links = sum(r.count for r in by_group[gid])
        if not _le(link.demand_gbps, link.installed_gbps + capacity[gid], rel_tol):
            add(
                f"links.{gid}",
                f"capacity {link.installed_gbps + capacity[gid]:g} Gb/s below demand_gbps {link.demand_gbps:g}",
            )
        if link.max_count is not None and n_links > link.max_count:
            add(f"links.{gid}", f"{n_links} links, max_count allows {link.max_count}")
        if link.count is not None and n_links != link.count:
            add(f"links.{gid}", f"{n_links} links, count requires {link.count}")
        if link.uniform and len(by_group[gid]) > 1:
            add(f"links.{gid}", f"uniform group uses {len(by_group[gid])} options")

    above_minimum = 0
    for node_id, node in ix.nodes.items():  # constraints 2-4 (an a == b link has two ends here)
        used_gbps = sum(r.attrs["speed_gbps"] * r.count for r, _ in ends[node_id])
        used_ports = sum(r.count for r, _ in ends[node_id])
        if isinstance(node, NicNode) and used_ports > node.count * node.ports:
            add(f"nodes.{node_id}", f"{used_ports} link ends exceed count x ports {node.count * node.ports}")
        if node_id not in nodes:
            continue
        nr, m = nodes[node_id], nodes[node_id].model
        for r, form in ends[node_id]:
            if form not in m.forms or r.attrs["speed_gbps"] > m.max_port_gbps:
                add(
                    nr.where,
                    f"model '{m.id}' does not take the {form} {r.attrs['speed_gbps']:g} Gb/s end "
                    f"of {r.where} ('{r.option}')",
                )
        same(f"{nr.where}.used_gbps", nr.row.get("used_gbps"), used_gbps)
        same(f"{nr.where}.used_ports", nr.row.get("used_ports"), used_ports)
        if not _le(used_gbps, nr.count * m.capacity_gbps, rel_tol):
            add(nr.where, f"used_gbps {used_gbps:g} exceeds {nr.count} x capacity_gbps {m.capacity_gbps:g}")
        if used_ports > nr.count * m.max_ports:
            add(nr.where, f"used_ports {used_ports} exceeds {nr.count} x max_ports {m.max_ports}")
        least = max(0, math.ceil(used_ports / m.max_ports - 1e-9), math.ceil(used_gbps / m.capacity_gbps - 1e-9))
        above_minimum += nr.count - least
        if "port_minimum" in nr.row:  # plans written before the column have none
            same(f"{nr.where}.port_minimum", nr.row.get("port_minimum"), least)
            same(f"{nr.where}.switches_above_port_minimum", nr.row.get("switches_above_port_minimum"), nr.count - least)

    worst = {gid: max(r.attrs["latency_ns"] for r in rows) for gid, rows in by_group.items() if rows}
    path_rows = {r.get("id"): r for r in _rows(plan, "paths", out)}
    for path in instance.paths:  # constraint 5, clarification 6
        where, latency = f"paths.{path.id}", 0.0
        for j in range(len(path.via) - 1):
            named = path.links[j] if path.links is not None else None
            pair = {path.via[j], path.via[j + 1]}
            joining = [g.id for g in instance.links if {g.a, g.b} == pair]
            if named is None and len(joining) != 1:
                add(where, f"step {j}: {len(joining)} link groups join {sorted(pair)} (input error)")
            latency += worst.get(named or (joining[0] if joining else ""), 0.0)
        latency += sum(nodes[v].model.latency_ns for v in path.via[1:-1] if v in nodes)
        if not _le(latency, path.max_latency_ns, rel_tol):
            add(where, f"latency {latency:g} ns exceeds max_latency_ns {path.max_latency_ns:g}")
        row = path_rows.pop(path.id, None)
        if row is None:
            add(where, "no row for this path")
            continue
        same(f"{where}.latency_ns", row.get("latency_ns"), latency)
        same(f"{where}.max_latency_ns", row.get("max_latency_ns"), path.max_latency_ns)
        if "slack_ns" in row:
            same(f"{where}.slack_ns", row["slack_ns"], path.max_latency_ns - latency)
    out += [Violation(f"paths.{pid}", "row for a path the instance does not have") for pid in path_rows]

    for bw in instance.bandwidth:  # constraint 6, clarification 7
        total = sum(capacity.get(g, 0.0) for g in set(bw.links))
        if not _le(bw.min_gbps, total, rel_tol):
            add(f"bandwidth.{bw.id}", f"capacity {total:g} Gb/s below min_gbps {bw.min_gbps:g}")

    if instance.demands:
        out += _check_routing(instance, plan, capacity, by_group, nodes, rel_tol)
    if instance.compatibility is not None:
        out += _check_compatibility(instance, ix, links, nodes, plan.get("fabrics"))
    if instance.reliability is not None:
        out += check_reliability(instance, plan, links, nodes, rel_tol)
    if instance.facility is not None:
        out += check_facility(instance, plan, links, nodes, rel_tol)
    totals, lim = _totals(instance, links, nodes, plan), instance.limits  # constraint 7
    if lim.max_power_w is not None and not _le(totals["power_w"], lim.max_power_w, rel_tol):
        add("limits.max_power_w", f"power {totals['power_w']:g} W exceeds {lim.max_power_w:g}")
    if instance.site is not None and instance.site.it_power_w is not None:  # site extension
        gpus, gpu_w, _ = site_figures(instance)
        if not _le(totals["power_w"], instance.site.it_power_w - gpus * gpu_w, rel_tol):
            add(
                "site.it_power_w",
                f"{gpus} GPUs x {gpu_w:g} W + network {totals['power_w']:g} W exceeds {instance.site.it_power_w:g} W",
            )
    if lim.max_capex_usd is not None and not _le(totals["capex_usd"], lim.max_capex_usd, rel_tol):
        add("limits.max_capex_usd", f"capex {totals['capex_usd']:g} USD exceeds {lim.max_capex_usd:g}")
    for item, limit in lim.supply.items():
        units = sum(r.count * r.attrs["items"].get(item, 0) for r in links)
        units += sum(r.count for r in nodes.values() if r.model.id == item)
        if units > limit:
            add(f"limits.supply.{item}", f"{units} units used, supply is {limit}")

    stated = plan.get("totals")
    if not isinstance(stated, Mapping):
        add("totals", "missing with an incumbent")
    else:
        for key, value in totals.items():
            tol = RELIABILITY_ABS_TOL if key == "interruptions_per_day" else ABS_TOL  # 12 significant digits
            same(f"totals.{key}", stated.get(key), value, tol)
        if "switches_above_port_minimum" in stated:
            same("totals.switches_above_port_minimum", stated.get("switches_above_port_minimum"), above_minimum)
    mode = plan.get("objective_mode", instance.objective)
    if mode not in MODES:
        add("objective_mode", f"unknown objective mode {mode!r}")
    else:
        same("objective", plan.get("objective"), _objective(instance, totals, mode, plan.get("objective_weights")))
    objective, bound, gap = (_number(plan.get(k)) for k in ("objective", "bound", "gap"))
    if bound is None or objective is None:
        if plan.get("bound") is not None or plan.get("gap") is not None:
            add("gap", "bound and gap must be null, or numbers with a numeric objective")
    else:
        same("gap", plan.get("gap"), abs(objective - bound) / max(abs(objective), 1e-9))
        if not _le(bound, objective, rel_tol):
            add("bound", f"bound {bound:g} above the objective {objective:g} of a minimisation")
        solver = plan.get("solver")
        mip_gap = _number(solver.get("mip_rel_gap")) if isinstance(solver, Mapping) else None
        mip_gap = 1e-4 if mip_gap is None else mip_gap
        if status == "optimal" and gap is not None and not _le(gap, mip_gap, rel_tol):
            add("gap", f"status optimal with gap {gap:g} above mip_rel_gap {mip_gap:g}")
    return out


# ------------------------------------------------------------------------ routed demands (extension)


def _arc_ok(link: Link, tail: Any, head: Any) -> bool:
    if link.a == link.b:
        return False
    if (tail, head) == (link.a, link.b):
        return True
    return (tail, head) == (link.b, link.a) and link.direction != "directed"


def _restricted(instance: Instance, demand: Any) -> bool:
    return demand.paths is not None or demand.max_hops is not None or demand.max_latency_ns is not None


def _arc_loads(instance: Instance, plan: Mapping[str, Any]) -> dict[tuple[str, str, str], float]:
    """Flow per (group, from, to) from the plan's flows and routes (unknown rows are skipped here)."""
    links = {g.id: g for g in instance.links}
    load: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in plan.get("flows") or []:
        value = _number(row.get("gbps")) if isinstance(row, Mapping) else None
        if value is not None and row.get("group") in links:
            load[(row["group"], row.get("from"), row.get("to"))] += value
    srcs = {d.id: d.src for d in instance.demands}
    for row in plan.get("routes") or []:
        if not isinstance(row, Mapping) or row.get("demand") not in srcs:
            continue
        value, at = _number(row.get("gbps")), srcs[row["demand"]]
        for gid in row.get("links") or []:
            link = links.get(gid)
            if link is None or value is None:
                break
            nxt = link.b if at == link.a else link.a
            load[(gid, at, nxt)] += value
            at = nxt
    return load


def _network_costs(instance: Instance, links: list[_LinkRow], plan: Mapping[str, Any]) -> dict[str, float]:
    """installed, setup and routing costs of a routed plan (routing: bidirected = cost x larger direction)."""
    used = {r.link.id for r in links if r.count > 0}
    load = _arc_loads(instance, plan)
    installed = sum(g.installed_cost_usd for g in instance.links)
    setup = sum(g.setup_cost_usd for g in instance.links if g.installed_gbps > 0 or g.id in used)
    routing = 0.0
    for g in instance.links:
        if g.routing_cost_usd_per_gbps and g.a != g.b:
            fwd, back = load.get((g.id, g.a, g.b), 0.0), load.get((g.id, g.b, g.a), 0.0)
            routing += g.routing_cost_usd_per_gbps * (max(fwd, back) if g.direction == "bidirected" else fwd + back)
    return {"installed_capex_usd": installed, "setup_capex_usd": setup, "routing_capex_usd": routing}


def _check_routing(
    instance: Instance,
    plan: Mapping[str, Any],
    capacity: dict[str, float],
    by_group: Mapping[str, list[_LinkRow]],
    nodes: dict[str, _NodeRow],
    rel_tol: float,
) -> list[Violation]:
    """Routed demands: commodities, flow conservation, path restrictions, latency and capacity per direction."""
    out: list[Violation] = []
    links = {g.id: g for g in instance.links}
    demands = {d.id: d for d in instance.demands}
    scale = max([d.gbps for d in instance.demands] + [1.0])
    tol = max(ABS_TOL, rel_tol * scale) * 10

    def add(where: str, message: str) -> None:
        out.append(Violation(where, message))

    # commodities: every unrestricted demand in exactly one commodity with its source
    carried: dict[str, str] = {}
    commodity_demands: dict[str, list[Any]] = {}
    for i, com in enumerate(plan.get("commodities") or []):
        cid, where = com.get("id"), f"commodities[{i}]"
        members = []
        for did in com.get("demands") or []:
            dem = demands.get(did)
            if dem is None:
                add(where, f"unknown demand {did!r}")
                continue
            if did in carried:
                add(where, f"demand '{did}' is also carried by commodity '{carried[did]}'")
            carried[did] = cid
            if dem.src != com.get("source"):
                add(where, f"demand '{did}' starts at '{dem.src}', not at the commodity source {com.get('source')!r}")
            if _restricted(instance, dem):
                add(where, f"demand '{did}' has a path, hop or latency restriction but is routed as arc flow")
            members.append(dem)
        if instance.routing == "single_path" and len(members) > 1:
            add(where, "single_path routing: a commodity must carry one demand")
        commodity_demands[cid] = members
    net: dict[tuple[Any, Any], float] = defaultdict(float)
    flow_values: dict[Any, list[float]] = defaultdict(list)
    for i, row in enumerate(plan.get("flows") or []):
        where = f"flows[{i}]"
        value, link = _number(row.get("gbps")), links.get(row.get("group"))
        if row.get("commodity") not in commodity_demands:
            add(where, f"unknown commodity {row.get('commodity')!r}")
            continue
        if link is None or not _arc_ok(link, row.get("from"), row.get("to")):
            add(where, f"no arc {row.get('from')!r} -> {row.get('to')!r} in link group {row.get('group')!r}")
            continue
        if value is None or value < -tol:
            add(where, f"flow {row.get('gbps')!r} is not a non-negative number")
            continue
        net[(row["commodity"], row["from"])] += value
        net[(row["commodity"], row["to"])] -= value
        flow_values[row["commodity"]].append(value)
    for cid, members in commodity_demands.items():  # flow conservation
        expect: dict[Any, float] = defaultdict(float)
        for dem in members:
            expect[dem.src] += dem.gbps
            expect[dem.dst] -= dem.gbps
        for node in set(expect) | {v for c, v in net if c == cid}:
            if abs(net.get((cid, node), 0.0) - expect.get(node, 0.0)) > tol:
                add(
                    f"commodities.{cid}",
                    f"net outflow at '{node}' is {net.get((cid, node), 0.0):.9g}, expected {expect.get(node, 0.0):.9g}",
                )
        if (
            instance.routing == "single_path"
            and members
            and any(abs(v - members[0].gbps) > tol for v in flow_values[cid])
        ):
            add(f"commodities.{cid}", "single_path routing: a flow value differs from the demand volume")

    # path-routed demands
    worst = {gid: max(r.attrs["latency_ns"] for r in rows) for gid, rows in by_group.items() if rows}
    routed: dict[str, float] = defaultdict(float)
    n_routes: dict[str, int] = defaultdict(int)
    for i, row in enumerate(plan.get("routes") or []):
        where, dem = f"routes[{i}]", demands.get(row.get("demand"))
        value = _number(row.get("gbps"))
        if dem is None or value is None or value < -tol:
            add(where, f"unknown demand {row.get('demand')!r} or bad gbps {row.get('gbps')!r}")
            continue
        if dem.id in carried:
            add(where, f"demand '{dem.id}' is also carried by commodity '{carried[dem.id]}'")
        path, at, seen, latency = list(row.get("links") or []), dem.src, {dem.src}, 0.0
        for j, gid in enumerate(path):
            link = links.get(gid)
            nxt = None if link is None else (link.b if at == link.a else link.a)
            if link is None or nxt is None or not _arc_ok(link, at, nxt) or nxt in seen:
                add(where, f"step {j} ({gid!r}) does not continue a simple path from '{at}'")
                break
            if j > 0 and at in nodes:
                latency += nodes[at].model.latency_ns
            latency += worst.get(gid, 0.0)
            seen.add(nxt)
            at = nxt
        else:
            if at != dem.dst:
                add(where, f"path ends at '{at}', not at dst '{dem.dst}'")
        if dem.max_hops is not None and len(path) > dem.max_hops:
            add(where, f"{len(path)} hops exceed max_hops {dem.max_hops}")
        if dem.paths is not None and path not in dem.paths:
            add(where, "path is not one of the demand's admissible paths")
        if dem.max_latency_ns is not None and value > tol and not _le(latency, dem.max_latency_ns, rel_tol):
            add(where, f"path latency {latency:g} ns exceeds max_latency_ns {dem.max_latency_ns:g}")
        routed[dem.id] += value
        n_routes[dem.id] += 1 if value > tol else 0
    for dem in instance.demands:
        if dem.id in carried:
            continue
        if abs(routed.get(dem.id, 0.0) - dem.gbps) > tol:
            add(f"demands.{dem.id}", f"routes carry {routed.get(dem.id, 0.0):.9g} Gb/s of {dem.gbps:g}")
        if instance.routing == "single_path" and n_routes.get(dem.id, 0) > 1:
            add(f"demands.{dem.id}", f"single_path routing but {n_routes[dem.id]} paths carry flow")

    # capacity per direction (routed flow plus the group's own demand_gbps)
    load = _arc_loads(instance, plan)
    for g in instance.links:
        if g.a == g.b:
            continue
        fwd, back = load.get((g.id, g.a, g.b), 0.0), load.get((g.id, g.b, g.a), 0.0)
        cap = g.installed_gbps + capacity.get(g.id, 0.0)
        used = {"bidirected": max(fwd, back), "undirected": fwd + back, "directed": fwd}[g.direction]
        if g.direction == "directed" and back > tol:
            add(f"links.{g.id}", f"directed group carries {back:g} Gb/s from b to a")
        if not _le(used + g.demand_gbps, cap, rel_tol) and used + g.demand_gbps - cap > tol:
            add(
                f"links.{g.id}",
                f"routed flow {used:g} + demand_gbps {g.demand_gbps:g} exceeds capacity {cap:g} ({g.direction})",
            )
    return out


# ------------------------------------------------------------------------ compatibility rules (extension)


def technology(part: Transceiver | Cable) -> str:
    """A part's technology for support lists: its ``technology`` field, a cable's kind, cpo for a CPO
    engine, lro/lpo when the id or description says linear receive/linear pluggable, else dsp."""
    if isinstance(part, Cable):
        return part.kind
    if part.technology is not None:
        return part.technology
    if part.form == "cpo":
        return "cpo"
    text = (part.description or "").lower()
    if "lro" in part.id.lower() or "linear receive" in text:
        return "lro"
    if "lpo" in part.id.lower() or "linear pluggable" in text:
        return "lpo"
    return "dsp"


def _available(entry: Any, rules: Any) -> str | None:
    """Why an entry is not available under the instance's opt-in (None: it is)."""
    status = getattr(entry, "status", None) or "shipping"
    if status in rules.status:
        return None
    year = getattr(entry, "year", None)
    by = rules.available_by
    if by is not None and status in ("sampling", "announced") and year is not None and year <= by:
        return None
    return f"'{entry.id}' has status {status} ({year}), not opted in"


def _protocols(entry: Any) -> set[str]:
    value = getattr(entry, "protocol", None)
    if value is None:
        return {"infiniband", "ethernet"}
    return {value} if isinstance(value, str) else set(value)


def _fits_port(port: Any, part: Transceiver | Cable, share: int, speed: float) -> str | None:
    """The compatibility rule a part's end breaks at a port (NIC group or switch model), or None."""
    if port.protocol is not None and part.protocol is not None and not set(port.protocol) & set(part.protocol):
        return f"protocol: '{part.id}' speaks {part.protocol}, the port {port.protocol}"
    if port.lane_gbps is not None and part.lane_gbps is not None and part.lane_gbps not in port.lane_gbps:
        return f"lane rate: '{part.id}' has {part.lane_gbps:g}G lanes, the port {port.lane_gbps}"
    engine = isinstance(part, Transceiver) and part.form == "cpo"
    if not engine and port.cage is not None and part.cage is not None and port.cage not in part.cage:
        return f"cage: '{part.id}' plugs into {part.cage}, the port is {port.cage}"
    if not engine and port.cage_gbps is not None and not math.isclose(speed * share, port.cage_gbps):
        return f"fill: {share} x {speed:g}G of '{part.id}' does not fill a {port.cage_gbps:g}G cage"
    # one end of a module draws power_w, one end of a cable half its per-link power; times the links in the cage
    per_end = part.power_w if isinstance(part, Transceiver) else part.power_w / (2 * part.links_per_cable)
    power = per_end * share
    if not engine and port.max_module_w is not None and power > port.max_module_w + 1e-9:
        return f"power class: '{part.id}' draws {power:g} W in a cage of max_module_w {port.max_module_w:g}"
    if port.supports is not None and technology(part) not in port.supports and part.id not in port.supports:
        return f"support list: '{part.id}' ({technology(part)}) is not supported by the port"
    return None


def _check_compatibility(
    instance: Instance, ix: _Index, links: list[_LinkRow], nodes: dict[str, _NodeRow], stated: Any
) -> list[Violation]:
    """The compatibility rules (instances/README.md "Compatibility"), read from the instance and the plan;
    ``stated`` is the plan's ``fabrics`` list (each fabric's node groups and the protocol it runs)."""
    rules = instance.compatibility
    assert rules is not None
    out: list[Violation] = []
    profile = ix.profiles.get(rules.profile) if rules.profile is not None else None
    if rules.profile is not None and profile is None:
        out.append(Violation("compatibility.profile", f"unknown profile '{rules.profile}'"))
    fixed = {"infiniband", "ethernet"}
    if rules.protocol is not None:
        fixed &= {rules.protocol}
    if profile is not None and profile.protocol is not None:
        fixed &= {profile.protocol}
        if rules.protocol is not None and rules.protocol != profile.protocol:
            out.append(Violation("compatibility.protocol", f"contradicts the protocol of profile '{profile.id}'"))
    root_of = _fabric_roots(instance)
    usable = _usable_models(instance, ix, rules, profile, fixed, root_of)

    def port(node_id: str) -> Any:
        node = ix.nodes[node_id]
        if isinstance(node, NicNode):
            return node
        row = nodes.get(node_id)
        return row.model if row is not None else None

    for row in nodes.values():  # switch models: availability, profile
        if reason := _available(row.model, rules):
            out.append(Violation(row.where, f"availability: {reason}"))
        if profile is not None and profile.switches is not None and row.model.id not in profile.switches:
            out.append(Violation(row.where, f"profile: model '{row.model.id}' is not in profile '{profile.id}'"))
    for node in instance.nodes:
        if isinstance(node, NicNode) and node.model is not None:
            nic = ix.nics.get(node.model)
            if nic is not None and (reason := _available(nic, rules)):
                out.append(Violation(f"nodes.{node.id}", f"availability: {reason}"))
            if profile is not None and profile.nics is not None and node.model not in profile.nics:
                out.append(
                    Violation(f"nodes.{node.id}", f"profile: NIC '{node.model}' is not in profile '{profile.id}'")
                )

    ends: dict[tuple[str, str, int], int] = defaultdict(int)  # (node, part, share) -> ends
    parts_at: dict[str, list[tuple[str, Any]]] = defaultdict(list)  # link group -> parts used
    for r in links:
        link = r.link
        sides: list[tuple[str, Transceiver | Cable, int]]
        if r.option in ix.cables:
            c = ix.cables[r.option]
            per = c.links_per_cable
            fast_b = per > 1 and c.fast_ends == 1 and _fast_at_b(ix, link, c, usable)
            fast_a = per > 1 and (c.fast_ends == 2 or not fast_b)
            fast_b = fast_b or (per > 1 and c.fast_ends == 2)
            sides = [(link.a, c, per if fast_a else 1), (link.b, c, per if fast_b else 1)]
        else:
            t_id, u_id = r.option.split("+")
            t, u = ix.transceivers[t_id], ix.transceivers[u_id]
            sides = [(link.a, t, t.ends_per_module), (link.b, u, u.ends_per_module)]
            lane_t, lane_u = t.line_lane_gbps or t.lane_gbps, u.line_lane_gbps or u.lane_gbps
            if lane_t is not None and lane_u is not None and lane_t != lane_u:
                out.append(Violation(r.where, f"line lane rate: '{t.id}' {lane_t:g}G and '{u.id}' {lane_u:g}G"))
            if not _protocols(t) & _protocols(u):
                out.append(Violation(r.where, f"protocol: '{t.id}' and '{u.id}' share no protocol"))
        for node_id, part, share in sides:
            parts_at[link.id].append((node_id, part))
            if reason := _available(part, rules):
                out.append(Violation(r.where, f"availability: {reason}"))
            listed = profile is None or profile.supports is None
            listed = listed or technology(part) in profile.supports or part.id in profile.supports  # type: ignore[union-attr,operator]
            if not listed:
                out.append(Violation(r.where, f"profile: '{part.id}' is not in profile '{profile.id}'"))  # type: ignore[union-attr]
            p = port(node_id)
            if p is not None and (problem := _fits_port(p, part, share, r.attrs["speed_gbps"])):
                out.append(Violation(r.where, f"{problem} (at '{node_id}')"))
            if share > 1:
                ends[(node_id, part.id, share)] += r.count
    for (node_id, part_id, share), n in ends.items():  # whole modules: both halves of a cage, one part
        if n % share:
            out.append(Violation(f"nodes.{node_id}", f"{n} ends of '{part_id}' are not whole units of {share}"))

    # one protocol per fabric (node groups joined by link groups)
    fabrics: dict[str, list[str]] = defaultdict(list)
    for node in instance.nodes:
        fabrics[root_of[node.id]].append(node.id)
    group_of = {g.id: root_of[g.a] for g in instance.links}
    runs: dict[str, list[str]] = {}  # fabric -> the protocols it runs
    for root, members in fabrics.items():
        common = set(fixed)
        for node_id in members:
            p = port(node_id)
            if p is not None:
                common &= _protocols(p)
        for gid, used in parts_at.items():
            if group_of[gid] == root:
                for _, part in used:
                    common &= _protocols(part)
        if not common:
            out.append(Violation(f"fabric.{members[0]}", f"no protocol common to the fabric of {', '.join(members)}"))
        runs[root] = sorted(common)
    out += _check_fabrics(fabrics, runs, stated)
    return out


def _check_fabrics(fabrics: Mapping[str, list[str]], runs: Mapping[str, list[str]], stated: Any) -> list[Violation]:
    """The plan's ``fabrics``: one entry per fabric (its node groups) with the protocol it runs: the one
    every NIC group, chosen switch model and part used in it speaks within the protocol the instance or
    its profile fixes, as a string, or both as a list when nothing restricts it."""
    if not isinstance(stated, list):
        return [Violation("fabrics", f"states {stated!r}, expected a list of the fabrics and their protocols")]
    out: list[Violation] = []
    by_nodes = {frozenset(f["nodes"]): f for f in stated if isinstance(f, Mapping) and isinstance(f.get("nodes"), list)}
    if len(by_nodes) != len(stated):
        out.append(Violation("fabrics", "every entry needs a list of node groups, each fabric once"))
    for root, members in fabrics.items():
        where = f"fabrics.{members[0]}"
        entry = by_nodes.pop(frozenset(members), None)
        if entry is None:
            out.append(Violation(where, f"no entry for the fabric of {', '.join(members)}"))
            continue
        common = runs[root]
        expected: Any = common[0] if len(common) == 1 else common
        protocol = entry.get("protocol")
        got = sorted(protocol) if isinstance(protocol, list) and len(protocol) > 1 else protocol
        if got != expected:
            out.append(Violation(f"{where}.protocol", f"states {protocol!r}, the fabric runs {expected!r}"))
    out += [Violation("fabrics", f"entry for node groups {sorted(k)} that form no fabric") for k in by_nodes]
    return out


def _fabric_roots(instance: Instance) -> dict[str, str]:
    """Node group id -> a representative of its fabric: node groups joined by link groups, where a group
    that can hold no link (count 0 or max_count 0, no installed capacity) joins nothing."""
    parent = {n.id: n.id for n in instance.nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for g in instance.links:
        if g.a in parent and g.b in parent and not (0 in (g.count, g.max_count) and not g.installed_gbps):
            parent[find(g.a)] = find(g.b)
    return {n: find(n) for n in parent}


def _usable_models(
    instance: Instance, ix: _Index, rules: Any, profile: Any, fixed: set[str], root_of: Mapping[str, str]
) -> dict[str, list[Switch]]:
    """Per switch group, the models left after rules 1, 2 and 6: available, in the profile, speaking a
    protocol the instance allows, and one of the protocols its fabric can run (those of every NIC group
    and of at least one such model of every switch group)."""
    usable: dict[str, list[Switch]] = {}
    for node in instance.nodes:
        if isinstance(node, SwitchNode):
            models = [ix.switches[m] for m in node.models if m in ix.switches]
            in_profile = [m for m in models if profile is None or profile.switches is None or m.id in profile.switches]
            usable[node.id] = [m for m in in_profile if not _available(m, rules) and _protocols(m) & fixed]
    runs: dict[str, set[str]] = defaultdict(lambda: set(fixed))
    for node in instance.nodes:
        spoken = _protocols(node) if isinstance(node, NicNode) else set().union(*map(_protocols, usable[node.id]))
        if isinstance(node, NicNode) or usable[node.id]:
            runs[root_of[node.id]] &= spoken
    return {nid: [m for m in ms if _protocols(m) & runs[root_of[nid]]] for nid, ms in usable.items()}


def _fast_at_b(ix: _Index, link: Link, cable: Cable, usable: Mapping[str, list[Switch]]) -> bool:
    """A breakout's fast end is at b when b's port (NIC group, or any usable model of a switch group) has a
    cage of links_per_cable x speed_gbps, else at a."""
    target = cable.links_per_cable * cable.speed_gbps

    def has(node_id: str) -> bool:
        node = ix.nodes[node_id]
        if isinstance(node, NicNode):
            return node.cage_gbps is not None and math.isclose(node.cage_gbps, target)
        return any(m.cage_gbps is not None and math.isclose(m.cage_gbps, target) for m in usable.get(node_id, []))

    return has(link.b) or not has(link.a)


# ------------------------------------------------------------------------ reliability (extension)
_FIT_HOURS = 1e-9
_DAYS_PER_YEAR = HOURS_PER_YEAR / 24


def _failure_modes(instance: Instance) -> dict[str, list[dict[str, Any]]]:
    """The catalogue's failure modes per item, with the format's defaults. Domain (link ends lost per
    failure): the row's domain_ends when given, for every kind of item; else the module's ends_per_module,
    one link for a cable, max_ports for a switch, a catalogue NIC's ports, one port for ``nic``. Repair
    domain and its down time: repair_domain_ends (else the domain) for mttr_h; a mode that fails in place
    keeps only its domain down, for window_h / 2. Spare price: spare_cost_usd, else the failing unit's price
    (transceiver cost_usd x domain, the switch's or the NIC's cost_usd, 0 for ``nic``, the cable's price at
    the link group's length: cost_usd + cost_usd_per_m x length_m); a cable priced per metre is a different
    spare part at each length."""
    cat = instance.resolved_catalog
    trans = {t.id: t for t in cat.transceivers}
    cables = {c.id: c for c in cat.cables}
    switches = {s.id: s for s in cat.switches}
    nics = {n.id: n for n in cat.nics}
    out: dict[str, list[dict[str, Any]]] = {}
    for r in cat.reliability:
        fit = r.fit if r.fit is not None else 1e9 / float(r.mtbf_h or 1.0)
        price_per_m, per_length, cards = 0.0, False, None
        if r.item in trans:
            domain = r.domain_ends or trans[r.item].ends_per_module
            price = trans[r.item].cost_usd * domain
        elif r.item in cables:
            cable = cables[r.item]
            domain, price = r.domain_ends or 1, cable.cost_usd
            price_per_m, per_length = cable.cost_usd_per_m, cable.cost_usd_per_m > 0
        elif r.item in switches:
            domain, price = r.domain_ends or switches[r.item].max_ports, _switch_price_usd(switches[r.item])
            cards = switches[r.item].line_cards
            if r.repair == "line_card" and cards:  # each card fails alone: its ports, its share of the price
                domain, price = r.domain_ends or switches[r.item].max_ports // cards, price / cards
        elif r.item in nics:
            domain, price = r.domain_ends or nics[r.item].ports, nics[r.item].cost_usd
        elif r.item == "nic":
            domain, price = r.domain_ends or 1, 0.0
        else:
            continue
        if r.spare_cost_usd is not None:
            price, price_per_m = r.spare_cost_usd, 0.0
        in_place = r.repair == "fail_in_place"  # ports down until the next window: window_h / 2 on average
        out.setdefault(r.item, []).append(
            {
                "id": r.id,
                "fit": fit,
                "flap_fit": r.flap_fit,
                "domain": domain,
                "repair_domain": domain if in_place else (r.repair_domain_ends or domain),
                "mttr_h": (r.window_h or 0.0) / 2 if in_place else r.mttr_h,
                "spare_cost_usd": price,
                "spare_cost_usd_per_m": price_per_m,
                "per_length": per_length,
                "whole": r.item in cables or r.item in switches,  # one per link, one per switch (or card)
                "per_switch": cards if r.item in switches and r.repair == "line_card" and cards else 1,
                "line_card": r.item in switches and r.repair == "line_card",
            }
        )
    return out


def _poisson_quantile(level: float, mu: float) -> int:
    """Fewest k with P(X <= k) >= level for X ~ Poisson(mu), summing the terms in logs (no underflow)."""
    k, cdf = 0, 0.0
    while mu > 0:
        cdf += math.exp(k * math.log(mu) - mu - math.lgamma(k + 1))
        if cdf >= level - 1e-12:
            return k
        k += 1
    return 0


def reliability_figures(instance: Instance, links: list[_LinkRow], nodes: Mapping[str, _NodeRow]) -> dict[str, Any]:
    """Expected failures, flaps, interruptions, lost GPU-hours, downtime, failing units and spares needed per
    mode, and the spares' capex (need x price) of a plan's decisions (reliability extension,
    instances/README.md "Reliability"), from the instance alone. A link group's failures and flaps stop the
    job with its job_stop_fraction: given, else 1 with a NIC group at an end, else 1 / P with P the smaller
    switch count of its two groups (a range at its min, P >= 1); switches always stop it. Each NIC end of
    a link adds the modes of its group's catalogue NIC when that NIC has rows, else those of ``nic``.
    Spares: factor x expected failures in one lead time (spares_factor given; stocked rounded up), else
    per link the Poisson quantile, at spares_service_level (0.95), of its group's failures if all n links
    used its option, over n (n: count, else demand over the option's speed rounded up; a switch group's
    count or range min; n >= 1); stocked: the quantile of the plan's pooled failures of the mode."""
    rel = instance.reliability
    assert rel is not None
    modes = _failure_modes(instance)
    gpus = rel.gpus or sum(n.count for n in instance.nodes if isinstance(n, NicNode))
    stop = rel.gpus_per_interruption or gpus
    level = 0.95 if rel.spares_service_level is None else rel.spares_service_level
    failures = flaps = stops = down_link_h = links_down = 0.0
    units: dict[tuple[str, float | None], float] = defaultdict(float)  # per (mode, length of its spares)
    need: dict[tuple[str, float | None], float] = defaultdict(float)  # the need the objective prices
    node_by_id = {n.id: n for n in instance.nodes}

    def lowest(node_id: str) -> int:  # a switch group's count, or the minimum of its range
        count = node_by_id[node_id].count
        return count if isinstance(count, int) else count.min

    def account(
        item: str, per: float, count: float, length_m: float, share: float, size: int, card_share: float = 1.0
    ) -> None:
        nonlocal failures, flaps, stops, down_link_h, links_down
        for m in modes.get(item, ()):
            u = count * (m["per_switch"] if m["whole"] else per / m["domain"])
            stop_share = card_share if m["line_card"] else share
            key = (m["id"], length_m if m["per_length"] else None)
            units[key] += u
            lead = m["fit"] * _FIT_HOURS * rel.spares_lead_time_h  # expected failures of one unit per lead time
            if rel.spares_factor is not None:
                need[key] += rel.spares_factor * u * lead
            elif count > 0:  # the group's share of the quantile of its own failures, all of one option
                per_unit = u / count
                need[key] += _poisson_quantile(level, size * per_unit * lead) * count / size
            failures += u * m["fit"] * _FIT_HOURS * HOURS_PER_YEAR
            flaps += u * m["flap_fit"] * _FIT_HOURS * HOURS_PER_YEAR
            stops += stop_share * u * (m["fit"] + m["flap_fit"]) * _FIT_HOURS * HOURS_PER_YEAR
            links_down += u * m["fit"] * _FIT_HOURS * HOURS_PER_YEAR * m["domain"]
            down_link_h += u * m["fit"] * _FIT_HOURS * HOURS_PER_YEAR * m["repair_domain"] * m["mttr_h"]

    shares: dict[str, float] = {}
    for g in instance.links:
        if g.job_stop_fraction is not None:
            shares[g.id] = g.job_stop_fraction
        elif any(isinstance(node_by_id[x], NicNode) for x in (g.a, g.b)):
            shares[g.id] = 1.0
        else:
            shares[g.id] = 1.0 / max(1, min(lowest(g.a), lowest(g.b)))
    for r in links:
        g = r.link
        nic_ends = [x for x in (g.a, g.b) if isinstance(node_by_id[x], NicNode)]
        share = shares[g.id]
        size = g.count if g.count is not None else math.ceil(g.demand_gbps / float(r.attrs["speed_gbps"]) - 1e-9)
        size = max(1, size)
        for item, per_link in r.attrs["items"].items():
            account(item, per_link, r.count, g.length_m, share, size)
        nic_items: dict[str, float] = defaultdict(float)  # NIC ends per link of each failure-mode item
        for x in nic_ends:  # a NIC to NIC group (a == b) lists its NIC group twice: both ends
            model = getattr(node_by_id[x], "model", None)
            nic_items[model if model is not None and model in modes else "nic"] += 1.0
        for item, ends in nic_items.items():  # u(m) per link sums the ends (one quantile per mode and link)
            account(item, ends, r.count, g.length_m, share, size)
    for group_id, nr in nodes.items():  # a line card stops the job as its group's most disruptive link would
        card_share = max((shares[g.id] for g in instance.links if group_id in (g.a, g.b)), default=1.0)
        account(nr.model.id, 1.0, nr.count, 0.0, 1.0, max(1, lowest(group_id)), card_share)
    lost = stops * stop * rel.restart_h + down_link_h * rel.idle_gpus_per_lost_link
    by_id = {m["id"]: m for ms in modes.values() for m in ms}
    stock = {
        key: (
            max(0, math.ceil(need[key] - 1e-9))
            if rel.spares_factor is not None
            else _poisson_quantile(level, u * by_id[key[0]]["fit"] * _FIT_HOURS * rel.spares_lead_time_h)
        )
        for key, u in units.items()
    }

    def price(key: tuple[str, float | None]) -> float:
        m = by_id[key[0]]
        return float(m["spare_cost_usd"] + m["spare_cost_usd_per_m"] * (key[1] or 0.0))

    return {
        "spares_needed": dict(need),
        "spares_stock": stock,
        "spare_units": dict(units),
        "spare_price_usd": {key: price(key) for key in need},
        "spares_capex_usd": sum(n * price(key) for key, n in need.items()),
        "gpus": gpus,
        "failures_per_year": failures,
        "flaps_per_year": flaps,
        "links_down_per_year": links_down,
        "interruptions_per_day": stops / _DAYS_PER_YEAR,
        "lost_gpu_hours_per_year": lost,
        "availability": 1.0 - lost / (gpus * HOURS_PER_YEAR),
        "downtime_usd": instance.economics.years * rel.gpu_hour_usd * lost,
        "units": dict(units),
    }


def _stated_spares(plan: Mapping[str, Any]) -> dict[tuple[str, float | None], Mapping[str, Any]]:
    """The plan's spares rows by (mode, length_m): length_m is null except for a cable priced per metre."""
    section = plan.get("reliability")
    rows = section.get("spares") if isinstance(section, Mapping) else None
    if not isinstance(rows, list):
        return {}
    out: dict[tuple[str, float | None], Mapping[str, Any]] = {}
    for r in rows:
        if isinstance(r, Mapping) and _number(r.get("spares")) is not None:
            length = _number(r.get("length_m"))
            out[(str(r.get("mode")), None if length is None else float(length))] = r
    return out


def _spares_where(key: tuple[str, float | None]) -> str:
    return f"reliability.spares.{key[0]}" + ("" if key[1] is None else f"@{key[1]:g}m")


def check_reliability(
    instance: Instance,
    plan: Mapping[str, Any],
    links: list[_LinkRow],
    nodes: Mapping[str, _NodeRow],
    rel_tol: float = 1e-6,
) -> list[Violation]:
    """The plan's reliability section against figures recomputed from its decisions, the stocked spares
    against their sizing rule (the need rounded up), and the caps on interruptions and availability."""
    rel = instance.reliability
    assert rel is not None
    out: list[Violation] = []
    fig = reliability_figures(instance, links, nodes)
    section = plan.get("reliability")
    if not isinstance(section, Mapping):
        return [Violation("reliability", "missing: the instance has a reliability section")]

    def same(where: str, stated: Any, expected: float) -> None:
        number = _number(stated)
        tol = max(rel_tol, 1e-8)
        if number is None or not math.isclose(number, expected, rel_tol=tol, abs_tol=RELIABILITY_ABS_TOL):
            out.append(Violation(where, f"states {stated!r}, recomputed {expected:.10g}"))

    for key in (
        "failures_per_year",
        "flaps_per_year",
        "links_down_per_year",
        "interruptions_per_day",
        "lost_gpu_hours_per_year",
        "availability",
        "downtime_usd",
    ):
        same(f"reliability.{key}", section.get(key), fig[key])
    same("reliability.spares_capex_usd", section.get("spares_capex_usd"), fig["spares_capex_usd"])
    spares = _stated_spares(plan)
    for spare, need in fig["spares_needed"].items():
        row = spares.pop(spare, None)
        where = _spares_where(spare)
        if row is None:
            if fig["spare_units"][spare] > 0:  # a mode of no unit in use (a switch group sized to 0) needs no row
                out.append(Violation(where, "no row for a failure mode (and spare length) the plan uses"))
            continue
        count = float(row["spares"])
        if count != fig["spares_stock"][spare]:
            rule = "the need rounds up" if rel.spares_factor is not None else "the Poisson quantile of the failures"
            out.append(Violation(where, f"{count:g} spares, {rule} to {fig['spares_stock'][spare]} (need {need:.6g})"))
        if "spare_cost_usd" in row:
            same(f"{where}.spare_cost_usd", row.get("spare_cost_usd"), fig["spare_price_usd"][spare])
    for spare, row in spares.items():
        if float(row["spares"]):
            out.append(
                Violation(_spares_where(spare), f"{float(row['spares']):g} spares for a mode the plan does not use")
            )
    cap = rel.max_interruptions_per_day
    if cap is not None and fig["interruptions_per_day"] > cap + max(RELIABILITY_ABS_TOL, rel_tol * cap):
        out.append(
            Violation(
                "reliability.max_interruptions_per_day",
                f"{fig['interruptions_per_day']:.6g} interruptions per day exceed {rel.max_interruptions_per_day:g}",
            )
        )
    if rel.min_availability is not None and fig["availability"] < rel.min_availability - 1e-12:
        out.append(
            Violation(
                "reliability.min_availability",
                f"availability {fig['availability']:.9g} below {rel.min_availability:g}",
            )
        )
    return out


ROADMAP_FORMAT = "optimizer-roadmap/1"


def _period_years(instance: Instance) -> tuple[list[int], list[float]]:
    """The periods' years and spans (format doc: the last period runs to ``end_year``, default first year +
    ``economics.years``)."""
    assert instance.periods is not None
    ys = [p.year for p in instance.periods.steps]
    end = (
        float(instance.periods.end_year) if instance.periods.end_year is not None else ys[0] + instance.economics.years
    )
    ends = [float(y) for y in ys[1:]] + [end]
    return ys, [e - y for y, e in zip(ys, ends, strict=True)]


def _price(entry: Any, year: int, first: int, by_technology: Mapping[Any, float] | None = None) -> float:
    """A catalogue entry's price factor in ``year`` (format doc: (1 - d)^max(0, year - price_year), d its own
    decline, else its technology's: a transceiver's class, a cable's kind, ``switch``)."""
    if entry.price_by_year:  # the value of the latest listed year <= year, cost_usd before the first
        at = [y for y in entry.price_by_year if y <= year]
        return entry.price_by_year[max(at)] / entry.cost_usd if at and entry.cost_usd else 1.0
    start = entry.price_year or entry.year or first
    rate = entry.price_decline_per_year
    if not rate and by_technology:
        kind = technology(entry) if isinstance(entry, Transceiver | Cable) else "switch"
        rate = by_technology.get(kind, 0.0)
    return float((1.0 - rate) ** max(0, year - start))


def _power(entry: Any, year: int, first: int) -> float:
    """A catalogue entry's power in ``year`` (format doc: power_by_year's value of the latest listed year <=
    year, else power_w x (1 - power_decline_per_year)^max(0, year - price_year, else year, else first))."""
    if entry.power_by_year:
        at = [y for y in entry.power_by_year if y <= year]
        return float(entry.power_by_year[max(at)]) if at else float(entry.power_w)
    start = entry.price_year or entry.year or first
    return float(entry.power_w * (1.0 - entry.power_decline_per_year) ** max(0, year - start))


def _supply_key_names(entry: Any, key: str) -> bool:
    """A period's supply key caps an entry named by its id, its supply_class or its technology."""
    kind = technology(entry) if isinstance(entry, Transceiver | Cable) else "switch"
    return key in (entry.id, entry.supply_class, kind)


def _period_instance(instance: Instance, t: int, span: float) -> Instance:
    """Period t's single-period instance as the format doc derives it: scaled or overridden link groups,
    node counts, absent groups at count 0 and demand 0, ``economics.years`` = the period's span, every
    transceiver, cable and switch model at its price in the period's year; no periods, nothing installed."""
    assert instance.periods is not None
    step = instance.periods.steps[t]
    year, first = step.year, instance.periods.steps[0].year
    tech = instance.periods.price_decline_per_year
    nodes = []
    for node in instance.nodes:
        count = step.nodes.get(node.id, node.count)
        if node.id in step.absent:
            count = 0
        if isinstance(node, NicNode) and not isinstance(count, int):
            count = count.max
        nodes.append(node._unchecked_copy(**{"count": count}))
    gone = {n.id for n in nodes if (n.count if isinstance(n.count, int) else n.count.max) == 0}
    links = []
    for g in instance.links:
        if g.id in step.absent or g.a in gone or g.b in gone:
            links.append(g._unchecked_copy(**{"demand_gbps": 0.0, "count": None if g.count is None else 0}))
            continue
        demand = g.demand_gbps * step.scale
        exact = None if g.count is None else math.ceil(g.count * step.scale - 1e-9)
        over = step.links.get(g.id)
        if over is not None:
            demand = demand if over.demand_gbps is None else over.demand_gbps
            exact = exact if over.count is None else over.count
        links.append(g._unchecked_copy(**{"demand_gbps": demand, "count": exact}))
    cat = instance.resolved_catalog

    def priced(entries: list[Any], per_m: bool) -> list[Any]:
        out = []
        for e in entries:
            f = _price(e, year, first, tech)
            update = {"cost_usd": e.cost_usd * f, **({"cost_usd_per_m": e.cost_usd_per_m * f} if per_m else {})}
            update["power_w"] = _power(e, year, first)
            out.append(e._unchecked_copy(**update))
        return out

    catalog = cat._unchecked_copy(
        **{
            "transceivers": priced(cat.transceivers, False),
            "cables": priced(cat.cables, True),
            "switches": priced(cat.switches, False),
        }
    )
    derived = instance._unchecked_copy(
        **{
            "nodes": nodes,
            "links": links,
            "economics": instance.economics._unchecked_copy(**{"years": span}),
            "catalog": catalog,
            "periods": None,
            "installed": None,
            "name": f"{instance.name}@{year}",
        },
    )
    derived._source = instance.source
    return derived


def check_roadmap(
    instance: Instance, roadmap: Mapping[str, Any], plans: list[Mapping[str, Any]], rel_tol: float = 1e-6
) -> list[Violation]:
    """Every violated rule or wrong number of a roadmap (format doc, "Roadmaps over several periods"): each
    period's plan against its period's instance, the carry-over of links, switches and fibre, availability
    and lead times of purchases, supply and budget per period, purchase prices and the NPV arithmetic."""
    out: list[Violation] = []

    def add(where: str, message: str) -> None:
        out.append(Violation(where, message))

    def same(where: str, stated: Any, expected: float) -> None:
        number = _number(stated)
        if number is None or not math.isclose(number, expected, rel_tol=rel_tol, abs_tol=ABS_TOL):
            add(where, f"states {stated!r}, recomputed {expected:.10g}")

    assert instance.periods is not None
    if roadmap.get("format") != ROADMAP_FORMAT:
        add("format", f"{roadmap.get('format')!r} is not '{ROADMAP_FORMAT}'")
    ys, spans = _period_years(instance)
    if roadmap.get("status") not in WITH_PLAN:
        return out
    rows = roadmap.get("periods")
    if not isinstance(rows, list) or len(rows) != len(ys) or len(plans) != len(ys):
        add("periods", f"needs one summary row and one plan per period ({len(ys)})")
        return out
    r = instance.periods.discount_rate
    tech = instance.periods.price_decline_per_year
    ix = _Index(instance)
    first = ys[0]
    stock_links: dict[tuple[str, str], float] = defaultdict(float)
    stock_switches: dict[tuple[str, str], float] = defaultdict(float)
    fibre: dict[tuple[str, str], float] = defaultdict(float)
    arriving: dict[int, list[tuple[str, tuple[str, str], float]]] = defaultdict(list)

    def medium(option: str) -> str | None:
        part = option.split("+", 1)[0]
        return ix.transceivers[part].media if part in ix.transceivers else None

    def parts(option: str) -> list[Any]:
        if option in ix.cables:
            return [ix.cables[option]]
        return [ix.transceivers[p] for p in option.split("+", 1) if p in ix.transceivers]

    inst = instance.installed
    if inst is not None:
        for s in inst.switches:
            stock_switches[(s.group, s.model)] += s.count
        for g in inst.links:
            stock_links[(g.group, g.option)] += g.count
            if (m := medium(g.option)) is not None:
                fibre[(g.group, m)] += g.count
        for fb in inst.fibre:
            fibre[(fb.group, fb.media)] += fb.count
    npv = 0.0
    for t, (year, row, plan) in enumerate(zip(ys, rows, plans, strict=True)):
        where = f"periods[{t}]"
        period = instance.periods.steps[t]
        derived = _period_instance(instance, t, spans[t])
        out += [Violation(f"{year}/{v.where}", v.message) for v in check_plan(derived, plan, rel_tol)]
        df = (1.0 + r) ** -(year - first)
        whole = math.floor(spans[t] + 1e-9)
        annuity = sum((1.0 + r) ** -(year + j - first) for j in range(whole))
        annuity += max(0.0, spans[t] - whole) * (1.0 + r) ** -(year + whole - first)
        same(f"{where}.discount_factor", row.get("discount_factor"), df)
        same(f"{where}.annuity", row.get("annuity"), annuity)
        purchases = row.get("purchases") or {}
        units: dict[str, float] = defaultdict(float)
        capex = 0.0
        for j, b in enumerate(purchases.get("links", [])):
            w = f"{where}.purchases.links[{j}]"
            link = ix.links.get(b["group"])
            ps = parts(b["option"])
            if link is None or not ps:
                add(w, f"unknown group or option {b['group']}/{b['option']}")
                continue
            late = [p.id for p in ps if p.year is not None and p.year > year]
            if late:
                add(w, f"{', '.join(late)} cannot be bought before its year")
            lead = max(p.lead_time_years for p in ps)
            due = next((u for u in range(t, len(ys)) if ys[u] >= year + lead), None)
            if due is None or b.get("in_service_from") != ys[due]:
                add(
                    w,
                    f"in_service_from {b.get('in_service_from')!r}: lead time {lead} from {year} gives "
                    f"{None if due is None else ys[due]}",
                )
                continue
            arriving[due].append(("link", (b["group"], b["option"]), b["count"]))
            if b["option"] in ix.cables:
                c = ix.cables[b["option"]]
                price = (c.cost_usd + c.cost_usd_per_m * link.length_m) * _price(c, year, first, tech)
                units[c.id] += b["count"]
            else:
                a_id, b_id = b["option"].split("+", 1)
                price = sum(
                    ix.transceivers[p].cost_usd * _price(ix.transceivers[p], year, first, tech) for p in (a_id, b_id)
                )
                units[a_id] += b["count"]
                units[b_id] += b["count"]
            if instance.reliability is None:  # with reliability the price includes the spares (not re-derived)
                same(f"{w}.cost_usd", b.get("cost_usd"), b["count"] * price)
            capex += float(b.get("cost_usd", 0.0))
        for j, s in enumerate(purchases.get("switches", [])):
            w = f"{where}.purchases.switches[{j}]"
            model = ix.switches.get(s["model"])
            if model is None:
                add(w, f"unknown switch model {s['model']}")
                continue
            if model.year is not None and model.year > year:
                add(w, f"{model.id} cannot be bought before {model.year}")
            due = next((u for u in range(t, len(ys)) if ys[u] >= year + model.lead_time_years), None)
            if due is None or s.get("in_service_from") != ys[due]:
                add(w, f"in_service_from {s.get('in_service_from')!r} does not follow the lead time")
                continue
            arriving[due].append(("switch", (s["group"], s["model"]), s["count"]))
            units[model.id] += s["count"]
            if instance.reliability is None:
                same(f"{w}.cost_usd", s.get("cost_usd"), s["count"] * model.cost_usd * _price(model, year, first, tech))
            capex += float(s.get("cost_usd", 0.0))
        for j, fb in enumerate(purchases.get("fibre", [])):
            w = f"{where}.purchases.fibre[{j}]"
            link, med = ix.links.get(fb["group"]), ix.media.get(fb["media"])
            if link is None or med is None:
                add(w, f"unknown group or medium {fb['group']}/{fb['media']}")
                continue
            fibre[(fb["group"], fb["media"])] += fb["count"]
            same(f"{w}.cost_usd", fb.get("cost_usd"), fb["count"] * med.cost_usd_per_m * link.length_m)
            capex += float(fb.get("cost_usd", 0.0))
        for kind, key, count in arriving.pop(t, []):
            (stock_links if kind == "link" else stock_switches)[key] += count
        resale = 0.0
        for j, sale in enumerate(row.get("sold") or []):
            w = f"{where}.sold[{j}]"
            if "model" in sale:
                key, stock, model = (sale["group"], sale["model"]), stock_switches, ix.switches.get(sale["model"])
                value = (
                    0.0 if model is None else model.resale_fraction * model.cost_usd * _price(model, year, first, tech)
                )
            else:
                key, stock = (sale["group"], sale["option"]), stock_links
                link = ix.links.get(sale["group"])
                option = sale["option"]
                value = 0.0
                if option in ix.cables and link is not None:
                    c = ix.cables[option]
                    value = (
                        c.resale_fraction
                        * (c.cost_usd + c.cost_usd_per_m * link.length_m)
                        * _price(c, year, first, tech)
                    )
                else:  # a pair: each end's module (the same module at both ends counts twice)
                    for end in option.split("+", 1):
                        module = ix.transceivers.get(end)
                        if module is not None:
                            value += module.resale_fraction * module.cost_usd * _price(module, year, first, tech)
            if sale["count"] > stock[key] + 1e-9:
                add(w, f"{sale['count']} sold, {stock[key]:g} installed or bought")
            stock[key] -= sale["count"]
            same(f"{w}.value_usd", sale.get("value_usd"), sale["count"] * value)
            resale += float(sale.get("value_usd", 0.0))
        same(f"{where}.resale_usd", row.get("resale_usd", 0.0), resale)
        for supply_key, limit in period.supply.items():
            bought = 0.0
            for item, n in units.items():
                entry: Any = ix.transceivers.get(item) or ix.cables.get(item) or ix.switches.get(item)
                if entry is not None and _supply_key_names(entry, supply_key):
                    bought += n
            if bought > limit:
                add(f"{where}.supply.{supply_key}", f"{bought:g} units bought, supply {limit}")
        if period.max_capex_usd is not None and not _le(capex, period.max_capex_usd, rel_tol):
            add(f"{where}.capex_usd", f"purchases {capex:.10g} above max_capex_usd {period.max_capex_usd:g}")
        same(f"{where}.capex_usd", row.get("capex_usd"), capex)
        in_use: dict[tuple[str, str], float] = defaultdict(float)
        for g in plan.get("links", []):
            in_use[(g["group"], g["option"])] += g["count"]
        for key, n in in_use.items():
            if n > stock_links[key] + 1e-9:
                add(
                    f"{where}.links.{key[0]}",
                    f"{n:g} links of {key[1]} in service, {stock_links[key]:g} installed or bought",
                )
        over: dict[tuple[str, str], float] = defaultdict(float)
        for (group, option), n in in_use.items():
            if (m := medium(option)) is not None:
                over[(group, m)] += n
        for key, n in over.items():
            if n > fibre[key] + 1e-9:
                add(f"{where}.fibre.{key[0]}", f"{n:g} links over {key[1]}, {fibre[key]:g} links' worth laid")
        for s in plan.get("nodes", []):
            if s["count"] > stock_switches[(s["group"], s["model"])] + 1e-9:
                have = stock_switches[(s["group"], s["model"])]
                add(
                    f"{where}.nodes.{s['group']}",
                    f"{s['count']} switches of {s['model']} in service, {have:g} installed or bought",
                )
        totals = plan.get("totals") or {}
        running = 0.0
        if roadmap.get("objective_mode", instance.objective) == "tco":
            running = float(plan.get("objective") or 0.0) - float(totals.get("capex_usd") or 0.0)
        same(f"{where}.npv_capex_usd", row.get("npv_capex_usd"), df * (capex - resale))
        same(f"{where}.npv_running_usd", row.get("npv_running_usd"), annuity / spans[t] * running)
        npv += df * (capex - resale) + annuity / spans[t] * running
    same("objective", roadmap.get("objective"), npv)
    return out
