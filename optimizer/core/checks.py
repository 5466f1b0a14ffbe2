"""Semantic checks on a schema-valid instance: references, duplicates, paths, options.

Every check appends to one list so the user sees every problem at once.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Mapping
from operator import attrgetter

from optimizer.core.catalog import CatalogIndex
from optimizer.core.compat import build_context
from optimizer.core.options import OptionDeriver, instance_derivation, no_option_message
from optimizer.core.schema import Instance, Link, NicNode, SwitchNode
from optimizer.errors import InputWarning, Issue


def _duplicates(file: str, section: str, ids: list[str]) -> list[Issue]:
    if len(set(ids)) == len(ids):  # the usual case, in one C-level pass
        return []
    seen: dict[str, int] = {}
    issues = []
    for i, item_id in enumerate(ids):
        if item_id in seen:
            also = f"{section}[{seen[item_id]}]"
            issues.append(Issue(file, f"{section}[{i}].id", f"duplicate id '{item_id}' (also {also})"))
        else:
            seen[item_id] = i
    return issues


def _known(ids: object) -> str:
    names = sorted(ids)  # type: ignore[call-overload]
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return shown or "none"


def check_instance(
    instance: Instance, invalid_ids: Mapping[str, set[str]] | None = None, derive_options: bool = True
) -> list[Issue]:
    """All semantic problems of an instance whose catalogue is resolved.

    ``invalid_ids``: per section (nodes, links, ...), ids of entries already reported as invalid
    and left out; references to them are not reported again.
    """
    invalid = invalid_ids or {}
    bad_nodes, bad_links = invalid.get("nodes", set()), invalid.get("links", set())
    file = instance.source
    index = CatalogIndex.of(instance.resolved_catalog)
    item_ids = set(index.transceivers) | set(index.cables) | set(index.switches)
    issues: list[Issue] = []
    node_ids = list(map(attrgetter("id"), instance.nodes))
    issues += _duplicates(file, "nodes", node_ids)
    link_ids = list(map(attrgetter("id"), instance.links))
    issues += _duplicates(file, "links", link_ids)
    issues += _duplicates(file, "paths", [p.id for p in instance.paths])
    issues += _duplicates(file, "bandwidth", [b.id for b in instance.bandwidth])

    nodes: dict[str, NicNode | SwitchNode] = dict(zip(node_ids, instance.nodes, strict=True))
    if len(nodes) < len(node_ids):  # an id given twice: the first node group holds it
        nodes = {}
        for node in instance.nodes:
            nodes.setdefault(node.id, node)
    nic_nodes = [node for node in instance.nodes if isinstance(node, NicNode)]
    switch_at = [(i, node) for i, node in enumerate(instance.nodes) if isinstance(node, SwitchNode)]
    switch_nodes = [node for _, node in switch_at]
    for i, node in switch_at:
        for j, model in enumerate(node.models):
            if model not in index.switches:
                known_elsewhere = model in item_ids | set(index.media)
                hint = f" ('{model}' is a {index.section_of(model)} entry)" if known_elsewhere else ""
                issues.append(
                    Issue(
                        file,
                        f"nodes[{i}].models[{j}]",
                        f"unknown switch model '{model}'{hint}; known: {_known(index.switches)}",
                    )
                )
        if len(set(node.models)) != len(node.models):
            issues.append(Issue(file, f"nodes[{i}].models", "lists a model twice"))

    rules_off_only: set[str] = set()  # parts that are options only under the compatibility rules
    if instance.compatibility is None:
        rules_off_only = {t.id for t in index.transceivers.values() if t.compatibility_only}
        rules_off_only |= {c.id for c in index.cables.values() if c.compatibility_only}

    def item_refs(where: str, ids: list[str], wanted: bool = False) -> None:
        for j, item in enumerate(ids):
            if item in index.media and item not in item_ids:
                # a valid catalogue id (format v1, sections 1 and 4.3) that matches no item an option uses
                issue = Issue(
                    file, f"{where}[{j}]", f"'{item}' is a media id; it matches no option's items, so it has no effect"
                )
                warnings.warn(InputWarning(issue), stacklevel=4)
            elif wanted and item in rules_off_only:  # allowed, but an option only under the compatibility rules
                message = (
                    f"'{item}' is compatibility_only and the instance has no compatibility section: "
                    "it is not an option, so allowing it has no effect"
                )
                warnings.warn(InputWarning(Issue(file, f"{where}[{j}]", message)), stacklevel=4)
            elif item not in item_ids:
                issues.append(Issue(file, f"{where}[{j}]", f"unknown catalogue id '{item}'"))

    links_by_id: dict[str, Link] = dict(zip(link_ids, instance.links, strict=True))
    if len(links_by_id) < len(link_ids):  # an id given twice: the first group holds it
        links_by_id = {}
        for link in instance.links:
            links_by_id.setdefault(link.id, link)
    # a large file usually names known nodes only and no catalogue items: then there is nothing to report
    ends_known = all(map(nodes.__contains__, map(attrgetter("a"), instance.links))) and all(
        map(nodes.__contains__, map(attrgetter("b"), instance.links))
    )
    allowed = list(map(attrgetter("allowed"), instance.links))
    no_items = allowed.count(None) == len(allowed) and not any(map(attrgetter("exclude"), instance.links))
    for i, link in enumerate(instance.links if not (ends_known and no_items) else ()):
        for end in ("a", "b"):
            ref = getattr(link, end)
            if ref not in nodes and ref not in bad_nodes:
                issues.append(Issue(file, f"links[{i}].{end}", f"unknown node '{ref}'; known: {_known(nodes)}"))
        if link.allowed is not None:
            item_refs(f"links[{i}].allowed", link.allowed, wanted=True)
        item_refs(f"links[{i}].exclude", link.exclude)

    for item in instance.limits.supply:
        if item in index.media:
            issues.append(Issue(file, f"limits.supply.{item}", "a media id; media are not supplied items"))
        elif item not in item_ids:
            issues.append(Issue(file, f"limits.supply.{item}", f"unknown catalogue id '{item}'"))

    # option derivation needs valid references; report groups with demand and no option
    models_ok = all(m in index.switches for n in switch_nodes for m in n.models)
    models_ok = models_ok and None not in map(attrgetter("max_port_gbps"), nic_nodes)
    ctx = None
    if models_ok:  # compatibility rules: usable models per switch group, one protocol per fabric
        ctx, effective, compat_issues = build_context(instance, index)
        issues += compat_issues
        models_ok = not compat_issues
        if ctx is not None:
            nodes = {}
            for node in effective.nodes:
                nodes.setdefault(node.id, node)
    if models_ok and derive_options:
        links = instance.links
        # the groups whose options must exist: known ends, and a demand or a count
        wanted = [
            i
            for i, demand, count in zip(
                range(len(links)),
                map(attrgetter("demand_gbps"), links),
                map(attrgetter("count"), links),
                strict=False,
            )
            if demand > 0 or (count or 0) > 0
        ]
        if not ends_known or ctx is not None:  # (the effective node groups of the compatibility rules)
            wanted = [i for i in wanted if links[i].a in nodes and links[i].b in nodes]
        checked = list(zip(wanted, map(links.__getitem__, wanted), strict=True))
        if ctx is None:  # shared with build_data, which derives the options of the same groups again
            deriver, every_key = instance_derivation(instance, nodes, index)
            keys = list(map(every_key.__getitem__, wanted))
        else:
            deriver = OptionDeriver(nodes, index, ctx)
            keys = deriver.signatures([link for _, link in checked])
        first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))  # key -> its first group
        none = {key for key, at in first.items() if not deriver.derive_keyed(checked[at][1], key)[0]}
        for (i, link), key in zip(checked, keys, strict=True) if none else ():
            if key not in none:
                continue  # groups of one signature have the same options: these have some
            options, removed, candidates = deriver.derive_keyed(link, key)
            if not options:
                message = f"link group '{link.id}': " + no_option_message(removed, candidates)
                issues.append(Issue(file, f"links[{i}]", message))

    issues += _check_paths(instance, nodes, links_by_id, bad_nodes, bad_links)
    if instance.demands:
        from optimizer.core.routing import check_demands

        issues += check_demands(instance)
    for i, bw in enumerate(instance.bandwidth):
        for j, ref in enumerate(bw.links):
            if ref not in links_by_id and ref not in bad_links:
                issues.append(Issue(file, f"bandwidth[{i}].links[{j}]", f"unknown link group '{ref}'"))
    issues += _check_reliability(instance)
    issues += _check_periods(instance, nodes, links_by_id, item_ids)
    issues += _check_facility(instance, index, links_by_id, bad_links)
    return issues


def _check_facility(
    instance: Instance, index: CatalogIndex, links_by_id: Mapping[str, object], bad_links: set[str]
) -> list[Issue]:
    """Facility extension: every switch model a group may choose has rack units and fits one switch rack,
    every transceiver has a fibre count, fibre paths name known link groups, no periods."""
    f = instance.facility
    if f is None:
        return []
    file = instance.source
    issues: list[Issue] = []
    if instance.periods is not None:
        issues.append(Issue(file, "facility", "a facility section cannot be combined with periods (roadmaps)"))
    models = sorted({m for n in instance.nodes if isinstance(n, SwitchNode) for m in n.models if m in index.switches})
    for m in models:
        sw = index.switches[m]
        if sw.rack_units is None:
            issues.append(
                Issue(file, "facility", f"switch model '{m}' has no rack_units (the facility section needs it)")
            )
        elif sw.rack_units > f.switch_rack_units:
            issues.append(
                Issue(
                    file,
                    "facility.switch_rack_units",
                    f"switch model '{m}' takes {sw.rack_units} U, more than one switch rack's {f.switch_rack_units} U",
                )
            )
        if f.switch_rack_kw is not None and sw.power_w > 1000.0 * f.switch_rack_kw:
            issues.append(
                Issue(
                    file,
                    "facility.switch_rack_kw",
                    f"switch model '{m}' draws {sw.power_w:g} W, more than one switch rack's {f.switch_rack_kw:g} kW",
                )
            )
    missing = sorted(t.id for t in index.transceivers.values() if t.fibres is None)
    if missing:
        shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
        issues.append(
            Issue(file, "facility", f"transceivers without fibres (the facility section needs them): {shown}")
        )
    for i, fp in enumerate(f.fibre_paths):
        for j, ref in enumerate(fp.links):
            if ref not in links_by_id and ref not in bad_links:
                issues.append(Issue(file, f"facility.fibre_paths[{i}].links[{j}]", f"unknown link group '{ref}'"))
    ids = [fp.id for fp in f.fibre_paths]
    issues += _duplicates(file, "facility.fibre_paths", ids)
    return issues


def _check_periods(
    instance: Instance, nodes: Mapping[str, NicNode | SwitchNode], links: Mapping[str, Link], item_ids: set[str]
) -> list[Issue]:
    """Roadmap extension: periods in increasing years inside the horizon, references to known groups and
    items, an objective a roadmap plans (tco or capex), no routed demands; ``installed`` only with periods."""
    file = instance.source
    issues: list[Issue] = []
    periods = instance.periods
    if periods is None:
        if instance.installed is not None:
            issues.append(Issue(file, "installed", "needs a periods section (the installed base is a roadmap's start)"))
        return issues
    if instance.objective not in ("tco", "capex"):
        issues.append(Issue(file, "objective", f"a roadmap (periods) plans tco or capex, not {instance.objective}"))
    if instance.demands:
        issues.append(Issue(file, "periods", "routed demands are not planned over periods (drop one of the two)"))
    years = [p.year for p in periods.steps]
    for i in range(1, len(years)):
        if years[i] <= years[i - 1]:
            issues.append(
                Issue(file, f"periods.steps[{i}].year", f"must be after the previous period's year {years[i - 1]}")
            )
    end = periods.end_year if periods.end_year is not None else years[0] + instance.economics.years
    if end <= years[-1]:
        where = "periods.end_year" if periods.end_year is not None else "economics.years"
        issues.append(Issue(file, where, f"the horizon ends in {end:g}, not after the last period's year {years[-1]}"))
    cat = instance.resolved_catalog
    supply_keys = {"dsp", "lpo", "lro", "cpo", "dac", "acc", "aec", "aoc", "switch"}
    for e in [*cat.transceivers, *cat.cables, *cat.switches]:
        if e.supply_class is not None:
            supply_keys.add(e.supply_class)
    for i, step in enumerate(periods.steps):
        where = f"periods.steps[{i}]"
        for gi, link in enumerate(links.values()):  # scaled figures stay within the bounds on numbers
            scaled = [
                (x * step.scale, bound, name)
                for x, bound, name in ((link.count or 0, 1e9, "count"), (link.demand_gbps, 1e12, "demand_gbps"))
            ]
            for value, bound, name in scaled:
                if link.id not in step.links and value > bound:
                    issues.append(Issue(file, f"{where}.scale", f"makes links[{gi}].{name} {value:g}, above {bound:g}"))
        for gid in step.links:
            if gid not in links:
                issues.append(Issue(file, f"{where}.links.{gid}", f"unknown link group '{gid}'"))
        for nid, count in step.nodes.items():
            node = nodes.get(nid)
            if node is None:
                issues.append(Issue(file, f"{where}.nodes.{nid}", f"unknown node group '{nid}'"))
            elif isinstance(node, NicNode) and not isinstance(count, int):
                issues.append(Issue(file, f"{where}.nodes.{nid}", "a NIC group's count is a number, not a range"))
        for j, gid in enumerate(step.absent):
            if gid not in links and gid not in nodes:
                issues.append(Issue(file, f"{where}.absent[{j}]", f"unknown node or link group '{gid}'"))
        for item in step.supply:
            if item not in item_ids and item not in supply_keys:
                issues.append(
                    Issue(file, f"{where}.supply.{item}", f"'{item}' is no catalogue item, supply_class or technology")
                )
    installed = instance.installed
    if installed is not None:
        for j, s in enumerate(installed.switches):
            node = nodes.get(s.group)
            if not isinstance(node, SwitchNode):
                issues.append(Issue(file, f"installed.switches[{j}].group", f"unknown switch group '{s.group}'"))
            elif s.model not in node.models:
                issues.append(
                    Issue(file, f"installed.switches[{j}].model", f"'{s.model}' is not a model of '{s.group}'")
                )
        groups = [("links", j, g.group) for j, g in enumerate(installed.links)]
        groups += [("fibre", j, f.group) for j, f in enumerate(installed.fibre)]
        for section, j, group in groups:
            if group not in links:
                issues.append(Issue(file, f"installed.{section}[{j}].group", f"unknown link group '{group}'"))
    return issues


def _check_reliability(instance: Instance) -> list[Issue]:
    """Reliability extension: failure modes name known items; the interruptions weight and a link group's
    job_stop_fraction need the ``reliability`` section."""
    from optimizer.core.catalog import builtin_catalog, reliability_issues

    file = instance.source
    catalog = instance.resolved_catalog
    issues = [] if catalog is builtin_catalog() else reliability_issues(catalog, file, "catalog.")
    if instance.reliability is None and instance.weights.interruptions_per_day > 0:
        issues.append(Issue(file, "weights.interruptions_per_day", "needs a reliability section (downtime economics)"))
    if instance.reliability is None:
        issues += [
            Issue(file, f"links.{g.id}.job_stop_fraction", "needs a reliability section (downtime economics)")
            for g in instance.links
            if g.job_stop_fraction is not None
        ]
    return issues


def _check_paths(
    instance: Instance,
    nodes: dict[str, NicNode | SwitchNode],
    links_by_id: dict[str, Link],
    bad_nodes: set[str],
    bad_links: set[str],
) -> list[Issue]:
    file = instance.source
    issues: list[Issue] = []
    joining: dict[frozenset[str], list[str]] = defaultdict(list)
    on_paths = {v for path in instance.paths for v in path.via}  # steps join only these node groups
    for link in instance.links if on_paths else ():
        if link.a in on_paths and link.b in on_paths:
            joining[frozenset((link.a, link.b))].append(link.id)
    for i, path in enumerate(instance.paths):
        bad_node = False
        for j, ref in enumerate(path.via):
            if ref not in nodes:
                if ref not in bad_nodes:
                    issues.append(Issue(file, f"paths[{i}].via[{j}]", f"unknown node '{ref}'"))
                bad_node = True
        if path.links is not None and len(path.links) != len(path.via) - 1:
            issues.append(
                Issue(
                    file,
                    f"paths[{i}].links",
                    f"has {len(path.links)} entries, expected len(via) - 1 = {len(path.via) - 1}",
                )
            )
            continue
        if bad_node:
            continue
        for j in range(len(path.via) - 1):
            u, v = path.via[j], path.via[j + 1]
            named = path.links[j] if path.links is not None else None
            groups = joining.get(frozenset((u, v)), [])
            if named is not None:
                if named in bad_links:
                    continue  # that entry is already reported as invalid
                if named not in links_by_id:
                    issues.append(Issue(file, f"paths[{i}].links[{j}]", f"unknown link group '{named}'"))
                elif named not in groups:
                    issues.append(
                        Issue(file, f"paths[{i}].links[{j}]", f"link group '{named}' does not join '{u}' and '{v}'")
                    )
            elif not groups and not bad_links:  # an invalid link entry may be the one joining them
                issues.append(
                    Issue(file, f"paths[{i}].via[{j}]", f"step '{u}' -> '{v}': no link group joins these node groups")
                )
            elif len(groups) > 1:
                issues.append(
                    Issue(
                        file,
                        f"paths[{i}].via[{j}]",
                        f"step '{u}' -> '{v}': several link groups join these node groups "
                        f"({', '.join(groups)}); name one in paths[{i}].links[{j}]",
                    )
                )
    return issues
