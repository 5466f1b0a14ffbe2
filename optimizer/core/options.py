"""Link options of a link group (instances/README.md, "What the planner computes"). Plain Python, no Pyomo.

For link group g between node groups a and b the candidates are every cable with reach >= length,
and every ordered pair of transceivers (t at a, u at b) with equal media and speed and
min(reach) >= length; a candidate survives if each end's form and speed are accepted at its node
(a NIC's forms and max_port_gbps; for a switch group, at least one model accepting the end),
speed >= min_link_gbps, and allowed/exclude hold. For a == b, t+u and u+t are one option.

Under a ``compatibility`` section (``optimizer.core.compat``) a candidate must also pass the
compatibility rules: the part is available (and in the profile), each end fits its port (a NIC group,
or for a switch group at least one candidate model: protocol, lane rate, cage, fill, power class,
support list), paired transceivers share a line lane rate and a protocol, and the option's protocols
meet its fabric's. The filter report names the rule and the parts it removed.
"""

from __future__ import annotations

import itertools
import operator
import weakref
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

from optimizer.core.catalog import CatalogIndex
from optimizer.core.compat import CompatContext, fast_end_at_b, port_name, port_problem, protocols_of
from optimizer.core.schema import PROTOCOLS, Cable, Instance, Link, NicNode, SwitchNode, Transceiver

NodeSpec = NicNode | SwitchNode


@dataclass(frozen=True, slots=True)
class Option:
    """One way to build every link of a group: a cable, or a transceiver at each end."""

    id: str
    kind: str  # "cable" | "pair"
    speed_gbps: float
    power_w: float
    cost_usd: float
    latency_ns: float
    form_a: str
    form_b: str
    items: tuple[tuple[str, int], ...]
    """Catalogue items one link uses, with units (a transceiver used at both ends counts 2)."""
    accepting: tuple[frozenset[str] | None, frozenset[str] | None] | None = None
    """Compatibility rules only: the models of each end's switch group that take the end (None for a
    NIC end); None without compatibility rules (then ``accepting_models`` gives them)."""
    protocols: frozenset[str] | None = None
    """Compatibility rules only: protocols every part of the option is qualified for (None: any)."""
    shares: tuple[int, int] = (1, 1)
    """Links sharing one part unit at end a and end b (ends_per_module, links_per_cable at a breakout's
    fast end); read by the compatibility rule that a node's ends come in whole modules."""


def accepting_models(node: SwitchNode, form: str, speed_gbps: float, index: CatalogIndex) -> frozenset[str]:
    """Models of a switch group whose ports take an end of this form and speed."""
    return frozenset(
        m for m in node.models if form in index.switches[m].forms and speed_gbps <= index.switches[m].max_port_gbps
    )


def _end_problem(node: NodeSpec, form: str, speed_gbps: float, index: CatalogIndex) -> str | None:
    if isinstance(node, NicNode):
        if form not in node.forms:
            return f"end form '{form}' not taken by NIC group '{node.id}' (forms: {', '.join(node.forms)})"
        if speed_gbps > node.port_gbps:
            return f"speed above max_port_gbps {node.port_gbps:g} of NIC group '{node.id}'"
        return None
    models = [index.switches[m] for m in node.models if m in index.switches]
    if not any(form in m.forms for m in models):
        return f"end form '{form}' not taken by any model of switch group '{node.id}'"
    if not any(form in m.forms and speed_gbps <= m.max_port_gbps for m in models):
        return f"speed above max_port_gbps of every model of switch group '{node.id}' taking form '{form}'"
    return None


def _node_signature(node: NodeSpec | None) -> tuple[object, ...]:
    """What options depend on at a node (not its id: ids appear only in filter messages)."""
    if isinstance(node, NicNode):
        return ("nic", tuple(node.forms), node.max_port_gbps)
    if isinstance(node, SwitchNode):
        return ("switch", tuple(node.models))
    return ("unknown",)


_NONE_EXCLUDED: frozenset[str] = frozenset()


class OptionDeriver:
    """Derives options per link group, caching by the group's signature (many groups share one)."""

    def __init__(self, nodes: dict[str, NodeSpec], index: CatalogIndex, ctx: CompatContext | None = None):
        self.nodes = nodes
        self.index = index
        self.ctx = ctx
        self._cache: dict[tuple[object, ...], tuple[list[Option], Counter[str], int]] = {}
        self._node_keys: dict[str, int] = {}
        self._node_signatures: dict[tuple[object, ...], int] = {}
        self._numbered = False
        buckets: dict[tuple[str, float], list[str]] = defaultdict(list)
        for t in index.transceivers.values():
            if ctx is None and t.compatibility_only:
                continue  # not a candidate without the compatibility rules
            buckets[(t.media, t.speed_gbps)].append(t.id)
        self._buckets = [sorted(ids) for ids in buckets.values()]

    def signature(self, link: Link) -> tuple[object, ...]:
        """What a group's options depend on: groups with equal signatures have equal options."""
        if self.ctx is not None:  # port rules and the fabric's protocols are per node group
            compat_key: tuple[object, ...] = tuple(
                (
                    self.nodes[x].model_dump_json() if isinstance(self.nodes.get(x), NicNode) else None,
                    self.ctx.node_protocols(x),
                )
                for x in (link.a, link.b)
            )
        else:
            compat_key = ()
        return (
            compat_key,
            self._node_key(link.a),
            self._node_key(link.b),
            link.a == link.b,
            link.length_m,
            link.min_link_gbps,
            None if link.allowed is None else frozenset(link.allowed),
            frozenset(link.exclude) if link.exclude else _NONE_EXCLUDED,
        )

    def signatures(self, links: Sequence[Link]) -> list[tuple[object, ...]]:
        """The signature of every group, computed column by column: equal for groups with equal options (the
        full ``signature``, or a shorter key when no group filters catalogue items); keys for
        ``derive_keyed``."""
        if self.ctx is not None:
            return [self.signature(link) for link in links]
        ends_a = list(map(attrgetter("a"), links))
        ends_b = list(map(attrgetter("b"), links))
        self._number_nodes()
        known = self._node_keys
        keys_a = list(map(known.get, ends_a))
        if None in keys_a:  # an id without a node group
            keys_a = list(map(self._node_key, ends_a))
        keys_b = list(map(known.get, ends_b))
        if None in keys_b:
            keys_b = list(map(self._node_key, ends_b))
        allowed_given = list(map(attrgetter("allowed"), links))
        if allowed_given.count(None) == len(allowed_given) and not any(map(attrgetter("exclude"), links)):
            # no group filters catalogue items: shorter keys (never equal to a key with filters, which is
            # longer), equal for groups with equal options as the full ones are
            return list(
                zip(
                    keys_a,
                    keys_b,
                    map(operator.eq, ends_a, ends_b),
                    map(attrgetter("length_m"), links),
                    map(attrgetter("min_link_gbps"), links),
                    strict=True,
                )
            )
        allowed = [None if x is None else frozenset(x) for x in allowed_given]
        excluded = [frozenset(x) if x else _NONE_EXCLUDED for x in map(attrgetter("exclude"), links)]
        return list(
            zip(
                itertools.repeat(()),
                keys_a,
                keys_b,
                map(operator.eq, ends_a, ends_b),
                map(attrgetter("length_m"), links),
                map(attrgetter("min_link_gbps"), links),
                allowed,
                excluded,
                strict=False,
            )
        )

    def derive_keyed(self, link: Link, key: tuple[object, ...]) -> tuple[list[Option], Counter[str], int]:
        """``derive`` for a group whose ``signature`` is already known."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._derive(link)
            self._cache[key] = hit
        if not hit[0]:
            return self._derive(link)  # filter messages name this group's own nodes
        return hit

    def _number_nodes(self) -> None:
        """``_node_key`` of every node group at once, once: the NIC groups in C-level passes (a large file has
        one per link group), the switch groups one by one; ids without a node are numbered on demand."""
        if self._numbered:
            return
        self._numbered = True
        ids = list(self.nodes)
        specs = list(self.nodes.values())
        is_nic = list(map({NicNode}.__contains__, map(type, specs)))
        nic_specs = list(itertools.compress(specs, is_nic))
        forms = list(map(tuple, map(attrgetter("forms"), nic_specs)))
        port_gbps = list(map(attrgetter("max_port_gbps"), nic_specs))
        numbers = self._node_signatures
        nic_ids = itertools.compress(ids, is_nic)
        if nic_specs and forms.count(forms[0]) == len(forms) and port_gbps.count(port_gbps[0]) == len(port_gbps):
            # one signature for every NIC group (a generated file): numbered once, no hashing per group
            number = numbers.setdefault(("nic", forms[0], port_gbps[0]), len(numbers))
            self._node_keys.update(zip(nic_ids, itertools.repeat(number)))
        else:
            signatures = list(zip(itertools.repeat("nic"), forms, port_gbps, strict=False))
            for signature in dict.fromkeys(signatures):  # the distinct ones, few
                numbers.setdefault(signature, len(numbers))
            self._node_keys.update(zip(nic_ids, map(numbers.__getitem__, signatures), strict=True))
        for node_id in itertools.compress(ids, map(operator.not_, is_nic)):
            self._node_key(node_id)

    def _node_key(self, node_id: str) -> int:
        """The node group's ``_node_signature`` as a small number (equal signatures, equal numbers), so that
        signatures hash and compare fast when many groups share them."""
        key = self._node_keys.get(node_id)
        if key is None:
            signature = _node_signature(self.nodes.get(node_id))
            key = self._node_keys[node_id] = self._node_signatures.setdefault(signature, len(self._node_signatures))
        return key

    def derive(self, link: Link) -> tuple[list[Option], Counter[str], int]:
        """Options of a link group, the count of candidates each filter removed, and the candidate count."""
        return self.derive_keyed(link, self.signature(link))

    def _derive(self, link: Link) -> tuple[list[Option], Counter[str], int]:
        index = self.index
        node_a, node_b = self.nodes[link.a], self.nodes[link.b]
        allowed = None if link.allowed is None else set(link.allowed)
        exclude = set(link.exclude)
        removed: Counter[str] = Counter()
        options: list[Option] = []
        candidates = 0
        length = link.length_m

        def check(speed: float, reach: float, form_a: str, form_b: str, items: list[str]) -> bool:
            if reach < length:
                removed[f"reach_m below length_m {length:g}"] += 1
                return False
            if link.min_link_gbps is not None and speed < link.min_link_gbps:
                removed[f"speed below min_link_gbps {link.min_link_gbps:g}"] += 1
                return False
            for node, form in ((node_a, form_a), (node_b, form_b)):
                problem = _end_problem(node, form, speed, index)
                if problem:
                    removed[problem] += 1
                    return False
            if allowed is not None and not set(items) <= allowed:
                removed["uses a catalogue item not in allowed"] += 1
                return False
            if exclude & set(items):
                removed["uses an excluded catalogue item"] += 1
                return False
            return True

        ctx = self.ctx
        examples: dict[str, set[str]] = defaultdict(set)
        fabric = ctx.node_protocols(link.a) if ctx is not None else frozenset(PROTOCOLS)

        def compat_end(
            node: NodeSpec, part: Transceiver | Cable, fast: bool, speed: float
        ) -> frozenset[str] | None | Literal[False]:
            """Models of the node's switch group taking the end (None at a NIC), or False (recorded)."""
            assert ctx is not None
            if isinstance(node, NicNode):
                problem = port_problem(node, part, fast, speed, port_name(node, None))
                if problem:
                    removed[problem] += 1
                    examples[problem].add(part.id)
                    return False
                return None
            form = "cable" if isinstance(part, Cable) else part.form
            ok, why = [], []
            for m in node.models:
                sw = index.switches[m]
                if form not in sw.forms or speed > sw.max_port_gbps:
                    continue
                problem = port_problem(sw, part, fast, speed, port_name(node, m))
                if problem:
                    why.append(problem)
                else:
                    ok.append(m)
            if not ok:
                reason = "; ".join(why) if why else f"no model of switch group '{node.id}' takes the end"
                removed[reason] += 1
                examples[reason].add(part.id)
                return False
            return frozenset(ok)

        def available(part: Transceiver | Cable) -> bool:
            if ctx is None:
                return True
            reason = ctx.part_reason(part)
            if reason is None and not protocols_of(part) & fabric:
                reason = f"protocol: part speaks {'/'.join(sorted(protocols_of(part)))}, the fabric runs " + "/".join(
                    sorted(fabric)
                )
            if reason is not None:
                removed[reason] += 1
                examples[reason].add(part.id)
                return False
            return True

        fits_nic = {t.id for t in index.transceivers.values() if "nic" in t.fits}
        fits_switch = {t.id for t in index.transceivers.values() if "switch" in t.fits}

        def fits(t_id: str, node: NodeSpec) -> bool:
            ok = fits_nic if isinstance(node, NicNode) else fits_switch
            if t_id in ok:
                return True
            removed[f"'{t_id}' does not fit {node.kind} group '{node.id}' (fits)"] += 1
            return False

        for cable in index.cables.values():
            if ctx is None and cable.compatibility_only:
                continue  # not a candidate without the compatibility rules
            candidates += 1
            if not available(cable):
                continue
            if check(cable.speed_gbps, cable.reach_m, "cable", "cable", [cable.id]):
                per_link = cable.links_per_cable
                accepting: tuple[frozenset[str] | None, frozenset[str] | None] | None = None
                shares, protocols = (1, 1), None
                if ctx is not None:
                    at_b = per_link > 1 and fast_end_at_b(node_a, node_b, cable, ctx)
                    twin = per_link > 1 and cable.fast_ends == 2
                    fast_a, fast_b = twin or (per_link > 1 and not at_b), twin or at_b
                    end_a = compat_end(node_a, cable, fast_a, cable.speed_gbps)
                    end_b = compat_end(node_b, cable, fast_b, cable.speed_gbps) if end_a is not False else False
                    if end_a is False or end_b is False:
                        continue
                    accepting = (end_a, end_b)
                    shares = (per_link if fast_a else 1, per_link if fast_b else 1)
                    protocols = None if cable.protocol is None else frozenset[str](cable.protocol)
                options.append(
                    Option(
                        id=cable.id,
                        kind="cable",
                        speed_gbps=cable.speed_gbps,
                        power_w=cable.power_w / per_link,
                        cost_usd=(cable.cost_usd + cable.cost_usd_per_m * length) / per_link,
                        latency_ns=cable.latency_ns + cable.propagation_ns_per_m * length,
                        form_a="cable",
                        form_b="cable",
                        items=((cable.id, 1),),
                        accepting=accepting,
                        protocols=protocols,
                        shares=shares,
                    )
                )
        same_group = link.a == link.b
        for bucket in self._buckets:
            for t_id in bucket:
                for u_id in bucket:
                    if same_group and u_id < t_id:
                        continue  # t+u and u+t are the same option when a == b
                    candidates += 1
                    t, u = index.transceivers[t_id], index.transceivers[u_id]
                    if not (available(t) and available(u)):
                        continue
                    if not (fits(t_id, node_a) and fits(u_id, node_b)):
                        continue
                    if not check(t.speed_gbps, min(t.reach_m, u.reach_m), t.form, u.form, [t_id, u_id]):
                        continue
                    accepting, pair_protocols = None, None
                    if ctx is not None:
                        pair = _pair_problem(t, u)
                        if pair:
                            removed[pair] += 1
                            examples[pair].add(f"{t_id}+{u_id}")
                            continue
                        end_a = compat_end(node_a, t, False, t.speed_gbps)
                        end_b = compat_end(node_b, u, False, u.speed_gbps) if end_a is not False else False
                        if end_a is False or end_b is False:
                            continue
                        accepting = (end_a, end_b)
                        both = protocols_of(t) & protocols_of(u)
                        pair_protocols = None if both == frozenset(PROTOCOLS) else both
                    media = index.media[t.media]
                    items = ((t_id, 2),) if t_id == u_id else ((t_id, 1), (u_id, 1))
                    options.append(
                        Option(
                            id=f"{t_id}+{u_id}",
                            kind="pair",
                            speed_gbps=t.speed_gbps,
                            power_w=t.power_w + u.power_w,
                            cost_usd=t.cost_usd + u.cost_usd + media.cost_usd_per_m * length,
                            latency_ns=t.latency_ns + u.latency_ns + media.latency_ns_per_m * length,
                            form_a=t.form,
                            form_b=u.form,
                            items=items,
                            accepting=accepting,
                            protocols=pair_protocols,
                            shares=(t.ends_per_module, u.ends_per_module),
                        )
                    )
        if examples:  # name the parts each compatibility rule removed
            for reason, ids in examples.items():
                shown = ", ".join(sorted(ids)[:6]) + (", ..." if len(ids) > 6 else "")
                removed[f"{reason} [{shown}]"] = removed.pop(reason)
        return options, removed, candidates


class _Derivation:
    """A deriver and the signature of every link group of one instance, with what they were computed from."""

    __slots__ = ("instance", "catalog", "links", "node_ids", "node_specs", "deriver", "signatures", "__weakref__")

    def __init__(
        self,
        instance: Instance,
        nodes: dict[str, NodeSpec],
        deriver: OptionDeriver,
        signatures: list[tuple[object, ...]],
    ):
        self.instance = weakref.ref(instance)
        self.catalog = instance.catalog
        self.links = tuple(instance.links)
        self.node_ids = tuple(nodes)
        self.node_specs = tuple(nodes.values())
        self.deriver = deriver
        self.signatures = signatures

    def serves(self, instance: Instance, nodes: dict[str, NodeSpec]) -> bool:
        """True when computed for this very instance, with the same link groups, node groups and catalogue."""
        return (
            self.instance() is instance
            and self.catalog is instance.catalog
            and len(self.links) == len(instance.links)
            and all(map(operator.is_, self.links, instance.links))
            and len(self.node_specs) == len(nodes)
            and all(map(operator.is_, self.node_specs, nodes.values()))
            and self.node_ids == tuple(nodes)
        )


_last_derivation: _Derivation | None = None


def instance_derivation(
    instance: Instance, nodes: dict[str, NodeSpec], index: CatalogIndex
) -> tuple[OptionDeriver, list[tuple[object, ...]]]:
    """An ``OptionDeriver`` for an instance without compatibility rules and the signature of each of its link
    groups (``OptionDeriver.signatures`` of ``instance.links``), computed once per instance.

    Loading derives the options of every signature (the semantic checks report a group without options)
    and ``build_data`` derives them again for the same instance: the second call reuses the first's
    deriver, its signatures and its derived options. The answer is kept for the last instance asked about
    (held weakly, and dropped when that instance no longer exists) and reused only for that very object
    with the same link-group and node-group objects (identity, so a list edited in place is noticed) and
    the same catalogue; the models are frozen, so the same objects have the same fields. Anything else
    computes them anew. ``nodes``: node groups by id;
    ``index``: the instance's catalogue indexed (``CatalogIndex.of(instance.resolved_catalog)``).
    """
    global _last_derivation
    last = _last_derivation
    if last is not None and last.serves(instance, nodes):
        return last.deriver, last.signatures
    deriver = OptionDeriver(nodes, index)
    signatures = deriver.signatures(instance.links)
    derivation = _last_derivation = _Derivation(instance, nodes, deriver, signatures)
    weakref.finalize(instance, _forget, weakref.ref(derivation))  # nothing kept once the instance is gone
    return deriver, signatures


def _forget(derivation: weakref.ref[_Derivation]) -> None:
    """Drop the kept derivation if it is still this one (its instance no longer exists)."""
    global _last_derivation
    if _last_derivation is not None and _last_derivation is derivation():
        _last_derivation = None


def _pair_problem(t: Transceiver, u: Transceiver) -> str | None:
    """Why two transceivers cannot form a link under the compatibility rules (None: they can)."""
    lane_t = t.line_lane_gbps or t.lane_gbps
    lane_u = u.line_lane_gbps or u.lane_gbps
    if lane_t is not None and lane_u is not None and lane_t != lane_u:
        return f"line lane rate: {lane_t:g}G and {lane_u:g}G optical lanes do not pair"
    if not protocols_of(t) & protocols_of(u):
        return "protocol: the two ends share no protocol"
    return None


def no_option_message(removed: Counter[str], candidates: int) -> str:
    """The input-error message for a group whose every candidate was filtered out."""
    if candidates == 0:
        return "no option survives: the catalogue has no cables or transceivers"
    reasons = "; ".join(f"{reason}: {n} removed" for reason, n in sorted(removed.items(), key=lambda kv: -kv[1]))
    return f"no option survives the filters ({candidates} candidates; {reasons})"


def prune_dominated(
    options: list[Option],
    compat: list[tuple[frozenset[str] | None, frozenset[str] | None]],
    protected_items: frozenset[str],
    whole_unit_items: frozenset[str] = frozenset(),
    latency: bool = True,
    extra: list[tuple[float, ...]] | None = None,
) -> list[int]:
    """Indices of options to keep after removing dominated ones (the optimum is unchanged).

    Option p dominates q when both run at the same speed, p is no worse in power, cost and latency
    (latency only when ``latency`` is True: the group is a step of a latency path, or the instance
    routes demands; elsewhere no row and no objective reads an option's latency),
    the switch models accepting p's ends include those accepting q's (so p fits wherever q does),
    and p uses no supply-limited item (or exactly q's items); under the compatibility rules p must be
    qualified for every protocol q is, and neither may use a whole-unit part (twin-port module,
    breakout) unless both use exactly the same items (removing q's halves could leave a node with an
    odd count). ``extra`` (per option, facility extension): more per-link figures that rows read (the
    power at NIC ends and at switch ends, the fibres); p must be no worse in each. Then replacing every q
    link by a p link keeps every constraint satisfied and no objective (all weights are >= 0) gets worse.
    Exact ties keep the first option only.
    """
    keep: list[int] = []
    for qi, q in enumerate(options):
        dominated = False
        for pi, p in enumerate(options):
            if pi == qi or p.speed_gbps != q.speed_gbps:
                continue
            if not (p.power_w <= q.power_w and p.cost_usd <= q.cost_usd):
                continue
            if latency and p.latency_ns > q.latency_ns:
                continue
            if extra is not None and any(x > y for x, y in zip(extra[pi], extra[qi], strict=True)):
                continue
            ends = zip(compat[pi], compat[qi], strict=True)
            if any(cp is not None and cq is not None and not cq <= cp for cp, cq in ends):
                continue
            if p.items != q.items and any(item in protected_items for item, _ in p.items):
                continue
            if whole_unit_items and p.items != q.items:
                used = {item for item, _ in p.items} | {item for item, _ in q.items}
                if used & whole_unit_items:
                    continue
            if p.protocols is not None and (q.protocols is None or not q.protocols <= p.protocols):
                continue  # p must be usable in every fabric protocol q is
            tie = (
                p.power_w == q.power_w
                and p.cost_usd == q.cost_usd
                and (p.latency_ns == q.latency_ns or not latency)
                and compat[pi] == compat[qi]
                and (extra is None or extra[pi] == extra[qi])
            )
            if tie and pi > qi:
                continue
            dominated = True
            break
        if not dominated:
            keep.append(qi)
    return keep
