"""Compatibility rules (optional ``compatibility`` section; instances/README.md "Compatibility").

Plain Python, no Pyomo. Only read when the instance has a ``compatibility`` section; without it every
function here leaves the instance as format v1 defines it.

What the rules say, per link end at a port (a NIC group, or one switch model of a switch group):
- protocol: the part's ``protocol`` (absent: any) meets the port's;
- lane rate: the part's ``lane_gbps`` is one of the port's;
- cage: the part's ``cage`` list holds the port's cage form factor;
- fill: speed_gbps x share = the port's ``cage_gbps`` (share: ``ends_per_module`` of a module,
  ``links_per_cable`` at a breakout's fast end, else 1);
- power class: the power in the cage (power_w x ends_per_module of a module; a cable end: half of its
  per-link power power_w / links_per_cable, times the links through the cage) is at most the port's
  ``max_module_w``;
- support list: the part's technology or id is in the port's ``supports``.
A rule whose field only one side gives (a part without ``cage`` at a port with one) does not restrict.
CPO ends (engines inside the switch) have no cage: only protocol, lane and support apply. Per link:
paired transceivers have equal line lane rates and a common protocol. Per part: it is available
(``status``/``year`` against the instance's opt-in) and, with a ``profile``, qualified by the profile.
Per switch group: models that are unavailable, outside the profile, or speak no protocol the fabric
can run are removed. Per fabric (node groups joined by link groups): one protocol; where two remain
possible the model chooses (constraint family ``compatibility``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from optimizer.core.catalog import CatalogIndex, technology
from optimizer.core.schema import (
    PROTOCOLS,
    Cable,
    Compatibility,
    Instance,
    NicNode,
    PortRules,
    Profile,
    Switch,
    SwitchNode,
    Transceiver,
)
from optimizer.errors import Issue

Part = Transceiver | Cable
Port = Switch | NicNode


def status_of(entry: object) -> str:
    """An entry's availability status; absent reads as shipping."""
    return getattr(entry, "status", None) or "shipping"


def unavailable_reason(entry: object, rules: Compatibility) -> str | None:
    """Why a catalogue entry is not an option under these rules (None: available)."""
    status = status_of(entry)
    if status in rules.status:
        return None
    year = getattr(entry, "year", None)
    if rules.available_by is not None and status in ("sampling", "announced"):
        if year is None:
            return f"availability: status {status} without a year, which available_by {rules.available_by} cannot admit"
        if year <= rules.available_by:
            return None
        return f"availability: status {status} ({year}) after available_by {rules.available_by}"
    return f"availability: status {status} not opted in (compatibility.status: {', '.join(rules.status)})"


def part_share(part: Part, fast: bool) -> int:
    """Links of one part sharing one cage: ends_per_module, links_per_cable at a fast end, else 1."""
    if isinstance(part, Transceiver):
        return part.ends_per_module
    return part.links_per_cable if fast else 1


def part_power_at_cage(part: Part, share: int) -> float:
    """Power drawn in one cage: the power of one end times the links sharing the cage (``part_share``).

    One end of a transceiver draws its power_w (a twin-port module: power_w x ends_per_module); one end
    of a cable draws half of its per-link power, power_w / (2 x links_per_cable), so a plain cable's
    end and a breakout's fast end draw power_w / 2 and a breakout's slow end power_w / (2 x links_per_cable).
    """
    if isinstance(part, Transceiver):
        return part.power_w * share
    return part.power_w / (2 * part.links_per_cable) * share


def port_problem(port: PortRules, part: Part, fast: bool, speed: float, where: str) -> str | None:
    """The first compatibility rule that keeps this part's end out of this port (None: it fits).

    The message starts with the rule's name (protocol, lane rate, cage, fill, power class, support list).
    """
    if port.protocol is not None and part.protocol is not None and not set(port.protocol) & set(part.protocol):
        return f"protocol: part speaks {'/'.join(part.protocol)}, {where} {'/'.join(port.protocol)}"
    if port.lane_gbps is not None and part.lane_gbps is not None and part.lane_gbps not in port.lane_gbps:
        lanes = "/".join(f"{v:g}" for v in port.lane_gbps)
        return f"lane rate: part {part.lane_gbps:g}G lanes, {where} {lanes}G"
    caged = not (isinstance(part, Transceiver) and part.form == "cpo")
    if caged and port.cage is not None and part.cage is not None and port.cage not in part.cage:
        return f"cage: part plugs into {'/'.join(part.cage)}, {where} has {port.cage}"
    share = part_share(part, fast)
    if caged and port.cage_gbps is not None and abs(speed * share - port.cage_gbps) > 1e-9:
        return f"fill: {share} x {speed:g}G does not fill the {port.cage_gbps:g}G cage of {where}"
    power = part_power_at_cage(part, share)
    if caged and port.max_module_w is not None and power > port.max_module_w + 1e-9:
        return f"power class: {power:g} W above max_module_w {port.max_module_w:g} of {where}"
    if port.supports is not None and technology(part) not in port.supports and part.id not in port.supports:
        return f"support list: {technology(part)} part not supported by {where}"
    return None


def protocols_of(entry: object) -> frozenset[str]:
    """Protocols an entry allows (absent: both)."""
    value = getattr(entry, "protocol", None)
    if value is None:
        return frozenset(PROTOCOLS)
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(value)


@dataclass
class Fabric:
    """A connected set of node groups (joined by link groups) and the protocols it may run."""

    nodes: list[str]
    protocols: frozenset[str]


@dataclass
class CompatContext:
    """The compatibility rules of one instance, resolved against its catalogue."""

    rules: Compatibility
    index: CatalogIndex
    profile: Profile | None
    unavailable: dict[str, str] = field(default_factory=dict)
    """Part id -> why it is not an option (availability or profile)."""
    fabrics: list[Fabric] = field(default_factory=list)
    fabric_of: dict[str, int] = field(default_factory=dict)
    """Node group id -> index into ``fabrics``."""

    def part_reason(self, part: Part) -> str | None:
        """Why a part is not an option anywhere (None: it may be)."""
        return self.unavailable.get(part.id)

    def node_protocols(self, node_id: str) -> frozenset[str]:
        """Protocols the fabric of a node group may run."""
        fi = self.fabric_of.get(node_id)
        return self.fabrics[fi].protocols if fi is not None else frozenset(PROTOCOLS)


def _profile_supports(profile: Profile | None, part: Part) -> bool:
    if profile is None or profile.supports is None:
        return True
    return technology(part) in profile.supports or part.id in profile.supports


def fixed_protocols(rules: Compatibility, profile: Profile | None) -> frozenset[str]:
    """The protocols every fabric may run under the instance's ``protocol`` and its profile's (both: none fixed)."""
    fixed = frozenset(PROTOCOLS)
    if rules.protocol is not None:
        fixed &= {rules.protocol}
    if profile is not None and profile.protocol is not None:
        fixed &= {profile.protocol}
    return fixed


def fixed_protocols_text(rules: Compatibility, profile: Profile | None) -> str:
    """How a message names the protocol the instance fixes and where it comes from, e.g. ``the instance
    fixes infiniband (compatibility.protocol)`` (an instance protocol that contradicts its profile's is an
    input error before any message needs this)."""
    sources = []
    if rules.protocol is not None:
        sources.append("compatibility.protocol")
    if profile is not None and profile.protocol is not None:
        sources.append(f"profile '{profile.id}' protocol")
    fixed = fixed_protocols(rules, profile)
    return f"the instance fixes {'/'.join(sorted(fixed)) or 'none'} ({', '.join(sources)})"


def build_context(instance: Instance, index: CatalogIndex) -> tuple[CompatContext | None, Instance, list[Issue]]:
    """The compatibility context, the instance with switch groups reduced to their usable models, and
    the input errors found (unknown profile, a switch group without usable model, a fabric without a
    common protocol). Without a ``compatibility`` section: (None, instance unchanged, [])."""
    rules = instance.compatibility
    if rules is None:
        return None, instance, []
    file = instance.source
    issues: list[Issue] = []
    profile = None
    if rules.profile is not None:
        profile = index.profiles.get(rules.profile)
        if profile is None:
            known = ", ".join(sorted(index.profiles)) or "none"
            issues.append(Issue(file, "compatibility.profile", f"unknown profile '{rules.profile}'; known: {known}"))
    ctx = CompatContext(rules, index, profile)
    parts: list[Part] = [*index.transceivers.values(), *index.cables.values()]
    for part in parts:
        reason = unavailable_reason(part, rules)
        if reason is None and not _profile_supports(profile, part):
            reason = f"profile: not in profile '{profile.id}'"  # type: ignore[union-attr]
        if reason is not None:
            ctx.unavailable[part.id] = reason

    fixed = fixed_protocols(rules, profile)
    if (
        profile is not None
        and profile.protocol is not None
        and rules.protocol is not None
        and rules.protocol != profile.protocol
    ):
        message = f"'{rules.protocol}' contradicts profile '{profile.id}', which fixes '{profile.protocol}'"
        issues.append(Issue(file, "compatibility.protocol", message + "; give one of them"))
        return ctx, instance, issues

    # switch models: availability, profile, then the fabric's protocols
    usable: dict[str, list[str]] = {}
    dropped: dict[str, list[str]] = defaultdict(list)
    for i, node in enumerate(instance.nodes):
        if isinstance(node, NicNode):
            nic = index.nics.get(node.model) if node.model is not None else None
            if nic is not None and (reason := unavailable_reason(nic, rules)) is not None:
                issues.append(
                    Issue(file, f"nodes[{i}].model", f"NIC model '{node.model}' of NIC group '{node.id}': {reason}")
                )
            in_profile = profile is None or profile.nics is None or node.model is None or node.model in profile.nics
            if not in_profile:
                issues.append(
                    Issue(file, f"nodes[{i}].model", f"NIC model '{node.model}' is not in profile '{profile.id}'")  # type: ignore[union-attr]
                )
            continue
        keep = []
        for m in node.models:
            sw = index.switches.get(m)
            if sw is None:
                continue
            reason = unavailable_reason(sw, rules)
            if reason is None and profile is not None and profile.switches is not None and m not in profile.switches:
                reason = f"profile: not in profile '{profile.id}'"
            if reason is None and not protocols_of(sw) & fixed:
                spoken = "/".join(sorted(protocols_of(sw)))
                reason = f"protocol: speaks {spoken}, {fixed_protocols_text(rules, profile)}"
            if reason is None:
                keep.append(m)
            else:
                dropped[node.id].append(f"{m} ({reason})")
        usable[node.id] = keep

    # fabrics: connected components of node groups through link groups
    members = fabric_members(instance)
    nodes = {n.id: n for n in instance.nodes}
    for ids in members.values():
        allowed = set(fixed)
        for nid in ids:
            node = nodes[nid]
            if isinstance(node, NicNode):
                allowed &= protocols_of(node)
            elif usable.get(nid):
                allowed &= set().union(*(protocols_of(index.switches[m]) for m in usable[nid]))
        fi = len(ctx.fabrics)
        ctx.fabrics.append(Fabric(ids, frozenset(allowed)))
        for nid in ids:
            ctx.fabric_of[nid] = fi
        if not allowed and len(ids) > 1:
            shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
            issues.append(
                Issue(file, "compatibility", f"fabric of node groups {shown}: no protocol is spoken by all of them")
            )
        # models speaking none of the fabric's protocols can never be chosen
        for nid in ids:
            if nid not in usable:
                continue
            keep = []
            for m in usable[nid]:
                if protocols_of(index.switches[m]) & allowed:
                    keep.append(m)
                else:
                    dropped[nid].append(f"{m} (protocol: the fabric runs {'/'.join(sorted(allowed)) or 'none'})")
            usable[nid] = keep

    new_nodes: list[NicNode | SwitchNode] = []
    for i, node in enumerate(instance.nodes):
        if isinstance(node, SwitchNode) and node.id in usable and usable[node.id] != node.models:
            if not usable[node.id]:
                issues.append(
                    Issue(
                        file,
                        f"nodes[{i}].models",
                        f"switch group '{node.id}': no model is usable under the compatibility rules: "
                        + "; ".join(dropped[node.id]),
                    )
                )
                new_nodes.append(node)
            else:
                new_nodes.append(node._unchecked_copy(models=usable[node.id]))
        else:
            new_nodes.append(node)
    effective = instance._unchecked_copy(nodes=new_nodes)
    effective._source = instance.source
    return ctx, effective, issues


def resolve_nic_models(instance: Instance, index: CatalogIndex) -> tuple[Instance, list[Issue]]:
    """Fill NIC groups that name a catalogue NIC (``model``) with the model's fields they do not give.

    Returns the instance (unchanged when no NIC group names a model) and the unknown-model errors.
    """
    issues: list[Issue] = []
    changed = False
    new_nodes: list[NicNode | SwitchNode] = []
    for i, node in enumerate(instance.nodes):
        if isinstance(node, NicNode) and node.model is not None:
            nic = index.nics.get(node.model)
            if nic is None:
                known = ", ".join(sorted(index.nics)) or "none"
                issues.append(
                    Issue(instance.source, f"nodes[{i}].model", f"unknown NIC model '{node.model}'; known: {known}")
                )
                new_nodes.append(node)
                continue
            given = node.model_fields_set
            fields = ("ports", "max_port_gbps", "forms", *PortRules.model_fields)
            update = {f: getattr(nic, f) for f in fields if f not in given}
            new_nodes.append(node._unchecked_copy(**update))
            changed = True
        else:
            new_nodes.append(node)
    if not changed:
        return instance, issues
    resolved = instance._unchecked_copy(nodes=new_nodes)
    resolved._source = instance.source
    return resolved, issues


def port_of(node: NicNode | SwitchNode, model: str | None, index: CatalogIndex) -> PortRules:
    """The port rules at a node: the NIC group itself, or a switch model."""
    if isinstance(node, NicNode):
        return node
    return index.switches[model]  # type: ignore[index]


def port_name(node: NicNode | SwitchNode, model: str | None) -> str:
    """How messages name a port: NIC group 'x' or model 'm' of switch group 'x'."""
    if isinstance(node, NicNode):
        return f"NIC group '{node.id}'"
    return f"'{model}' of switch group '{node.id}'"


def fast_end_at_b(node_a: NicNode | SwitchNode, node_b: NicNode | SwitchNode, cable: Cable, ctx: CompatContext) -> bool:
    """Orientation of a breakout cable: its fast end is at b when b's port (a NIC group, or at least one
    usable model of a switch group: ``node`` is the group after ``build_context`` removed the models the
    rules rule out) has a cage of links_per_cable x speed_gbps, else at a."""
    index = ctx.index
    target = cable.links_per_cable * cable.speed_gbps

    def has(node: NicNode | SwitchNode) -> bool:
        if isinstance(node, NicNode):
            return node.cage_gbps is not None and abs(node.cage_gbps - target) < 1e-9
        return any(
            (sw := index.switches.get(m)) is not None and sw.cage_gbps is not None and abs(sw.cage_gbps - target) < 1e-9
            for m in node.models
        )

    return has(node_b) or not has(node_a)


def fabric_members(instance: Instance) -> dict[str, list[str]]:
    """The fabrics of an instance: connected components of node groups through link groups, as
    {a member's id: the node group ids of the component, in file order}. A link group that can hold no
    link (``count: 0`` or ``max_count: 0``, and no ``installed_gbps``) joins nothing."""
    parent = {n.id: n.id for n in instance.nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in instance.links:
        empty = 0 in (link.count, link.max_count) and not link.installed_gbps
        if link.a in parent and link.b in parent and not empty:
            parent[find(link.a)] = find(link.b)
    members: dict[str, list[str]] = defaultdict(list)
    for n in instance.nodes:
        members[find(n.id)].append(n.id)
    return dict(members)


def plan_fabrics(
    instance: Instance, index: CatalogIndex, links: list[tuple[str, str]], nodes: list[tuple[str, str]]
) -> list[dict[str, object]]:
    """The fabrics of a solved plan and the protocol each runs (plan.json ``fabrics``).

    A fabric is a set of node groups joined by link groups; its protocol is the one every NIC group, every
    chosen switch model and every part used in it speaks, within the protocol the instance or its profile
    fixes (``links``: (group, option) rows with links; ``nodes``: (switch group, model) rows). ``protocol``
    is that protocol, or both when nothing restricts it (``["ethernet", "infiniband"]``).
    """
    members = fabric_members(instance)
    root_of = {nid: root for root, ids in members.items() for nid in ids}
    by_id = {n.id: n for n in instance.nodes}
    rules = instance.compatibility
    fixed: frozenset[str] = frozenset(PROTOCOLS)
    if rules is not None:  # the instance's protocol and its profile's restrict every fabric
        fixed = fixed_protocols(rules, index.profiles.get(rules.profile) if rules.profile is not None else None)
    allowed: dict[str, set[str]] = {root: set(fixed) for root in members}
    for n in instance.nodes:
        if isinstance(n, NicNode):
            allowed[root_of[n.id]] &= protocols_of(n)
    for group, model in nodes:
        if group in by_id and model in index.switches:
            allowed[root_of[group]] &= protocols_of(index.switches[model])
    group_end = {g.id: g.a for g in instance.links if g.a in root_of}
    for group, option in links:
        if group not in group_end:
            continue
        root = root_of[group_end[group]]
        parts: list[Part] = [index.cables[option]] if option in index.cables else []
        if not parts:
            parts = [index.transceivers[p] for p in option.split("+") if p in index.transceivers]
        for part in parts:
            allowed[root] &= protocols_of(part)
    out: list[dict[str, object]] = []
    for root, ids in members.items():
        protocols = sorted(allowed[root])
        out.append({"nodes": ids, "protocol": protocols[0] if len(protocols) == 1 else protocols})
    return out
