"""Stage 2: ``build_data`` -- the instance as flat, indexed model data. Plain Python, no Pyomo.

Index conventions (used by every constraint family):
- column i: one (link group, option) pair; ``n[i]`` links of that option.
- indicator j: a binary ``y[j]`` for a column whose group is uniform or on a latency path.
- switch choice q: one (switch group, model) pair; binary ``z[q]`` and integer ``k[q]``.
- latency slot l: a continuous ``lat[l]`` for a link group used by some path.
"""

from __future__ import annotations

import itertools
import math
import operator
import os
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter, itemgetter

import numpy as np

from optimizer.core.catalog import CatalogIndex
from optimizer.core.compat import build_context
from optimizer.core.facility import FacilityData, build_facility, facility_figures
from optimizer.core.gcpause import paused_gc
from optimizer.core.options import Option, OptionDeriver, accepting_models, instance_derivation, prune_dominated
from optimizer.core.reliability import (
    Mode,
    Params,
    PricedOption,
    group_size,
    host_ends,
    job_stop_fraction,
    line_card_job_stop_fraction,
    link_rates,
    modes_by_item,
    params,
    prune_priced,
    spares_usd,
    switch_group_size,
    switch_rates,
)
from optimizer.core.routing import RoutingData, build_routing
from optimizer.core.schema import Instance, Link, NicNode, Objective, SwitchNode
from optimizer.core.site import SiteParams, site_params

HOURS_PER_YEAR = 8766.0
# The model cover rows (``ModelData.cover_rows``) are left out when there would be more than this many: each
# strengthens the relaxation of one (link group, switch model) pair, which decides the root of the small
# aggregated fabrics (at most 288 rows in the library), but at 10^4-10^5 link groups they add back about as
# many rows as the exact reductions remove and HiGHS's presolve keeps them (100k link groups: 206,108 rows,
# HiGHS about 1.5x slower with them than without, same optimum; benchmarks/README.md).
COVER_ROWS_MAX = 10_000


@dataclass
class GroupData:
    """A link group with its surviving options (as column indices)."""

    id: str
    a: str
    b: str
    length_m: float
    demand_gbps: float
    count: int | None
    uniform: bool
    n_max: int
    cols: list[int] = field(default_factory=list)
    installed_gbps: float = 0.0
    """Capacity already in place (routed-demand extension)."""
    max_count: int | None = None
    """The group's ``max_count`` (None: no such bound): n_max never exceeds it."""


@dataclass
class SwitchGroupData:
    """A switch group: candidate models (choice indices) and its count range."""

    id: str
    k_min: int
    k_max: int
    fixed: bool
    choices: list[int] = field(default_factory=list)
    ends: list[tuple[int, int]] = field(default_factory=list)
    """(column, ends per link at this group): 2 for a link group with a == b."""
    form_classes: list[tuple[list[int], list[int], int]] = field(default_factory=list)
    """(columns, accepting choice indices, big-M) where not every model accepts the columns' ends."""


@dataclass
class NicGroupData:
    """A NIC group: its port capacity and the link ends it terminates."""

    id: str
    ports: int
    ends: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class PathData:
    """A latency requirement: the latency slots of its steps and the switch groups it traverses."""

    id: str
    max_latency_ns: float
    steps: list[str]
    step_slots: list[int]
    switch_visits: list[int]


@dataclass
class ReliabilityData:
    """Reliability extension: per-link and per-switch figures (``optimizer.core.reliability``)."""

    params: Params
    col_interruptions: list[float]
    """Job interruptions per year of one link of column i."""
    col_lost_gpu_h: list[float]
    """GPU-hours lost per year of one link of column i."""
    col_spares_usd: list[float]
    """Capex of the spare stock one link of column i needs."""
    choice_interruptions: list[float]
    choice_lost_gpu_h: list[float]
    choice_spares_usd: list[float]
    col_stop: list[float] = field(default_factory=list)
    """Probability that a failure of a link of column i stops the job (its group's job_stop_fraction)."""
    col_nic_items: list[tuple[str, ...]] = field(default_factory=list)
    """Failure-mode item of each NIC end of a link of column i."""
    col_size: list[int] = field(default_factory=list)
    """Links the service-level spares rule sizes column i's group for."""
    choice_size: list[int] = field(default_factory=list)
    """Switches the service-level spares rule sizes choice q's group for."""
    choice_card_stop: list[float] = field(default_factory=list)
    """Probability that a line card's failure in choice q's switch group stops the job."""

    def downtime_usd(self, lost_gpu_h: float) -> float:
        """Downtime cost over the horizon of ``lost_gpu_h`` GPU-hours lost per year."""
        return self.params.years * self.params.gpu_hour_usd * lost_gpu_h


@dataclass
class ElasticBounds:
    """Bounds of the elastic model (``optimizer.core.elastic``), which relaxes the limits they derive from."""

    k_ub: list[int]
    """Per switch group: the widened bound of its switch count variables."""


@dataclass
class ModelData:
    """Everything ``build_model`` needs, as flat lists indexed as described in the module docstring."""

    name: str
    objective: Objective
    energy_usd_per_w: float
    weights_capex: float
    weights_power: float
    groups: list[GroupData]
    col_group: list[int]
    col_option: list[Option]
    col_ub: list[int]
    ind_col: list[int]
    col_ind: dict[int, int]
    switch_groups: list[SwitchGroupData]
    choice_group: list[int]
    choice_model: list[str]
    choice_capacity_gbps: list[float]
    choice_max_ports: list[int]
    choice_power_w: list[float]
    choice_cost_usd: list[float]
    choice_latency_ns: list[float]
    nic_groups: list[NicGroupData]
    lat_group: list[int]
    paths: list[PathData]
    bandwidth: list[tuple[str, list[int], float]]
    max_power_w: float | None
    max_capex_usd: float | None
    supply: list[tuple[str, int, list[tuple[int, int]], list[int]]]
    """(item, limit, [(column, units per link)], [switch choices of that model])."""
    uniform_groups: list[int]
    pruned_options: int = 0
    unreachable_options: int = 0
    """Options dropped because no feasible plan uses them at their group's exact count (``usable_at_count``)."""
    tighten: bool = True
    """Add the valid tightening rows of the forms family (the optimum is unchanged either way)."""
    routing: RoutingData | None = None
    """The routed-demand data when the instance has demands, else None."""
    whole_units: list[tuple[str, int, list[tuple[int, int]]]] = field(default_factory=list)
    """Compatibility rules: (node group/part label, share, [(column, ends per link)]): the ends of a
    twin-port module or breakout fast end at one node group are a multiple of share."""
    fabric_choice: list[tuple[str, list[int], list[int], list[int], list[int]]] = field(default_factory=list)
    """Compatibility rules, fabrics that may run either protocol: (label, switch choices speaking
    InfiniBand only, Ethernet only, columns qualified for InfiniBand only, Ethernet only)."""
    weights_interruptions: float = 0.0
    reliability: ReliabilityData | None = None
    """The reliability data when the instance has a ``reliability`` section, else None."""
    site: SiteParams | None = None
    """The site power envelope when the instance has a ``site`` section, else None."""
    power_cap_site: bool = False
    """True when ``max_power_w`` is the site's cap (it_power_w - gpus x gpu_w), not ``limits.max_power_w``."""
    facility: FacilityData | None = None
    """The facility figures when the instance has a ``facility`` section, else None."""
    elastic: ElasticBounds | None = None
    """Set on the elastic copy (``optimizer.core.elastic.elastic_data``): the families that own a hard limit
    add priced slacks to it (``optimizer.core.model.elastic``) and the objective is the slacks' price."""

    @property
    def n_cols(self) -> int:
        """Number of (group, option) columns."""
        return len(self.col_group)

    def capex_coefficients(self) -> tuple[list[float], list[float]]:
        """Capex of one link per column and of one switch per choice (with the reliability extension, the
        spare stock each needs is capex too): the coefficients of ``limits.max_capex_usd``."""
        col = [o.cost_usd for o in self.col_option]
        choice = list(self.choice_cost_usd)
        r = self.reliability
        if r is not None:
            col = [c + s for c, s in zip(col, r.col_spares_usd, strict=True)]
            choice = [c + s for c, s in zip(choice, r.choice_spares_usd, strict=True)]
        return col, choice

    @cached_property
    def col_speed_gbps(self) -> np.ndarray:
        """Speed (Gb/s) of each column's option as an array (several families read it; computed once)."""
        return np.fromiter((o.speed_gbps for o in self.col_option), dtype=np.float64, count=len(self.col_option))

    def demand_implied(self) -> np.ndarray:
        """Per group: True where its demand row is implied by its exact-count row (the row can be left out).

        For a group with exact count C whose slowest option runs at s_min, every plan with
        sum_i n[i] = C and n >= 0 carries sum_i speed_i n[i] >= s_min C; when s_min C >= demand - installed,
        the demand row holds at every point the count row allows. Never on the elastic copy (it relaxes
        the counts) nor with routed demands (their rows read the groups' capacity too).
        """
        out = np.zeros(len(self.groups), dtype=bool)
        if self.elastic is not None or self.routing is not None or not self.col_group:
            return out
        slowest = np.full(len(self.groups), np.inf)
        np.minimum.at(slowest, np.asarray(self.col_group, dtype=np.int64), self.col_speed_gbps)
        count = np.array([np.nan if g.count is None else g.count for g in self.groups], dtype=np.float64)
        need = np.array([g.demand_gbps - g.installed_gbps for g in self.groups], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            implied = (need > 0) & np.isfinite(slowest) & (count * slowest >= need)  # NaN (no count): False
        return np.asarray(implied, dtype=bool)

    def nic_ports_implied(self) -> np.ndarray:
        """Per NIC group: True where its port row is implied by exact-count rows (the row can be left out).

        When every link group ending at NIC group v has an exact count C(g), the ends at v total
        sum_g e(g) C(g) at every point the count rows allow (e(g) = 2 when a == b == v); when that is at
        most count(v) x ports(v), the port row always holds. Never on the elastic copy (it relaxes the counts).
        """
        out = np.zeros(len(self.nic_groups), dtype=bool)
        used = [vi for vi, v in enumerate(self.nic_groups) if v.ends]
        if self.elastic is not None or not used:
            return out
        lengths = np.array([len(self.nic_groups[vi].ends) for vi in used], dtype=np.int64)
        row = np.repeat(np.asarray(used, dtype=np.int64), lengths)
        pairs = np.array([p for vi in used for p in self.nic_groups[vi].ends], dtype=np.int64).reshape(-1, 2)
        group = np.asarray(self.col_group, dtype=np.int64)[pairs[:, 0]]
        # one (NIC group, link group) pair per link group: e(g) is the same for all its columns
        _, first = np.unique(row * len(self.groups) + group, return_index=True)
        row, group, ends = row[first], group[first], pairs[first, 1].astype(np.float64)
        count = np.array([np.nan if g.count is None else g.count for g in self.groups], dtype=np.float64)[group]
        total = np.zeros(len(self.nic_groups))
        np.add.at(total, row, ends * count)  # NaN where some group has no exact count
        ports = np.array([v.ports for v in self.nic_groups], dtype=np.float64)
        out[used] = (total <= ports)[used]
        return out

    def binding_paths(self) -> list[PathData]:
        """The paths whose budget row the latency family adds: every path but those no plan can exceed.

        A path whose slowest column on every step plus the slowest model of every switch group it visits
        fits its budget (sum_r max_{i in g_r} latency_i + sum_t max_{q in s_t} latency_ns(q) <=
        max_latency_ns) holds at every plan the other rows allow, so its row cuts off nothing. Never on the
        elastic copy (its budget rows carry the slacks the explanation reads).
        """
        if self.elastic is not None:
            return list(self.paths)

        def worst_ns(p: PathData) -> float:
            steps = (self.groups[self.lat_group[s]].cols for s in p.step_slots)
            worst = sum(max((self.col_option[i].latency_ns for i in cols), default=0.0) for cols in steps)
            visits = (self.switch_groups[si].choices for si in p.switch_visits)
            return worst + sum(max((self.choice_latency_ns[q] for q in qs), default=0.0) for qs in visits)

        return [p for p in self.paths if worst_ns(p) > p.max_latency_ns]

    def cover_rows(self) -> list[tuple[list[int], int, int]]:
        """Model cover rows of the forms family: (columns, choice q, L) for sum_{i in columns} n[i] >= L z[q].

        For a switch group s with a choice of models, a link group g with ends at s whose options are not
        all accepted there by every model, and a model q of s: the columns of g whose end at s model q
        accepts, and L(g), the fewest links g has in any plan (its exact count; else its demand less what
        is installed over its fastest option's speed, rounded up). Valid: if z[q] = 1 no other model is
        chosen, so every link of g uses a column q accepts (the forms rows force the others to 0) and there
        are at least L(g) of them; if z[q] = 0 the row is n >= 0. It ties z to the links, which the port
        rows do only through k: without it the LP relaxation may put a fraction of a group on a cheaper
        model that carries none of its links. Never on the elastic copy (its counts have slacks), and none
        when there would be more than ``COVER_ROWS_MAX`` (valid inequalities: leaving them out changes no
        optimum, only the relaxation).
        """
        if self.elastic is not None or not getattr(self, "tighten", True):
            return []
        out = []
        for sg in self.switch_groups:
            if len(sg.choices) < 2 or not sg.form_classes:
                continue
            accepting: dict[int, list[int]] = {}
            for class_cols, ok, _ in sg.form_classes:
                accepting.update((i, ok) for i in class_cols)
            by_group: dict[int, list[int]] = {}
            for i, _ in sg.ends:
                by_group.setdefault(self.col_group[i], []).append(i)
            for gi, cols in by_group.items():
                least = self._least_links(gi)
                if least > 0 and any(i in accepting for i in cols):
                    out += [
                        ([i for i in cols if i not in accepting or q in accepting[i]], q, least) for q in sg.choices
                    ]
                    if len(out) > COVER_ROWS_MAX:
                        return []
        return out

    def _least_links(self, gi: int) -> int:
        """Fewest links group ``gi`` has in any plan (0 when nothing bounds it from below)."""
        g = self.groups[gi]
        if g.count is not None:
            return g.count
        need = g.demand_gbps - g.installed_gbps
        if need <= 0 or not g.cols:
            return 0
        return math.ceil(need / max(self.col_option[i].speed_gbps for i in g.cols) - 1e-9)

    def form_class_rows(self) -> list[tuple[list[int], list[int], int]]:
        """The form classes (``SwitchGroupData.form_classes``, in order) whose big-M row the forms family adds.

        With the tightening rows on, the big-M row of a class of group g is implied where g has an exact
        count equal to n_max(g): if a model of the accepting set A is chosen, the row's right side is
        n_max(g) = count(g) = sum_{i in g} n[i] >= its left side; if none is, k[q] <= k_max z[q] = 0 for
        every q in A, and the tightening row sum_{i: A(i,s) = A} e(i) n[i] <= sum_{q in A} max_ports(q) k[q]
        forces every column of the class to 0. Either way the row holds, so it is left out. Never on the
        elastic copy (its counts have slacks) nor without the tightening rows.
        """
        classes = [fc for sg in self.switch_groups for fc in sg.form_classes]
        if not getattr(self, "tighten", True) or self.elastic is not None:
            return classes
        out = []
        for fc in classes:
            g = self.groups[self.col_group[fc[0][0]]] if fc[0] else None
            if g is None or g.count is None or g.n_max != g.count:
                out.append(fc)
        return out

    def objective_coefficients(self) -> tuple[list[float], list[float]]:
        """Objective coefficients of n (per column) and k (per switch choice)."""

        per_w = self.energy_usd_per_w + (self.site.usd_per_w if self.site is not None else 0.0)

        def coef(cost: float, power: float) -> float:
            if self.objective == "tco":  # site extension: a watt also displaces GPU capacity
                return cost + power * per_w
            if self.objective == "capex":
                return cost
            if self.objective == "power":
                return power
            return self.weights_capex * cost + self.weights_power * power

        col = [coef(o.cost_usd, o.power_w) for o in self.col_option]
        choice = [coef(c, p) for c, p in zip(self.choice_cost_usd, self.choice_power_w, strict=True)]
        r = self.reliability
        if r is not None:  # reliability extension: spares are capex, downtime a cost, interruptions a weight
            w_spares = {"tco": 1.0, "capex": 1.0, "power": 0.0, "weighted": self.weights_capex}[self.objective]
            w_down = 1.0 if self.objective == "tco" else 0.0
            w_int = self.weights_interruptions / 365.25 if self.objective == "weighted" else 0.0

            def extra(spares: float, lost: float, interruptions: float) -> float:
                return w_spares * spares + w_down * r.downtime_usd(lost) + w_int * interruptions

            col = [
                c + extra(s, x, f)
                for c, s, x, f in zip(col, r.col_spares_usd, r.col_lost_gpu_h, r.col_interruptions, strict=True)
            ]
            choice = [
                c + extra(s, x, f)
                for c, s, x, f in zip(
                    choice, r.choice_spares_usd, r.choice_lost_gpu_h, r.choice_interruptions, strict=True
                )
            ]
        return col, choice


def power_cap(max_power_w: float | None, site: SiteParams | None) -> tuple[float | None, bool]:
    """The network's power cap: the smaller of ``limits.max_power_w`` and the site's (it_power_w - gpus x
    gpu_w), and whether it is the site's."""
    cap = site.network_cap_w if site is not None else None
    if cap is None:
        return max_power_w, False
    if max_power_w is None or cap < max_power_w:
        return cap, True
    return max_power_w, False


def energy_usd_per_w(instance: Instance) -> float:
    """Energy cost of one watt over the horizon: 1/1000 x 8766 x years x pue x price."""
    e = instance.economics
    return HOURS_PER_YEAR / 1000.0 * e.years * e.pue * e.electricity_usd_per_kwh


@paused_gc()  # many long-lived option objects: no cyclic-GC passes over them
def build_data(
    instance: Instance | str | os.PathLike[str],
    objective: Objective | None = None,
    prune: bool = True,
    reduce: bool | None = None,
) -> ModelData:
    """Derive options and index sets for a loaded instance.

    Args:
        instance: a validated instance (from ``load_instance``), or the path of an instance file.
        objective: override the instance's objective mode.
        prune: drop dominated options (never changes the optimal value; see ``prune_dominated``).
        reduce: drop options no feasible plan uses at their group's exact count (never changes the
            feasible plans; see ``usable_at_count``); default: as ``prune``. The elastic explanation of an
            infeasible instance relaxes the counts, so it reads data built with ``reduce=False``.
    """
    if reduce is None:
        reduce = prune
    from optimizer.core.load import as_instance

    instance = as_instance(instance)
    index = CatalogIndex.of(instance.resolved_catalog)
    ctx, instance, _ = build_context(instance, index)  # compatibility rules (no-op without the section)
    nodes = dict(zip(map(attrgetter("id"), instance.nodes), instance.nodes, strict=True))
    if ctx is None:  # the deriver and signatures loading computed for this instance, when it did
        deriver, signatures = instance_derivation(instance, nodes, index)
    else:
        deriver = OptionDeriver(nodes, index, ctx)
        signatures = deriver.signatures(instance.links)
    protected = frozenset(instance.limits.supply)
    whole_unit: frozenset[str] = frozenset()
    if ctx is not None:  # options with whole-unit parts never replace or get replaced (parity rows)
        multi = {t.id for t in index.transceivers.values() if t.ends_per_module > 1}
        multi |= {c.id for c in index.cables.values() if c.links_per_cable > 1}
        whole_unit = frozenset(multi)
    rel_params = params(instance)
    rel_modes = modes_by_item(index) if rel_params is not None else {}
    site = site_params(instance)  # site extension (read once: priced pruning and the model data)
    site_priced = site is not None and site.usd_per_w > 0 and (objective or instance.objective) == "tco"

    switch_groups: list[SwitchGroupData] = []
    sg_index: dict[str, int] = {}
    choice_group: list[int] = []
    choice_model: list[str] = []
    switch_nodes = [node for node in instance.nodes if isinstance(node, SwitchNode)]
    for node in switch_nodes:
        if isinstance(node.count, int):
            k_min = k_max = node.count
        else:
            k_min, k_max = node.count.min, node.count.max
        sg = SwitchGroupData(node.id, k_min, k_max, fixed=k_min == k_max)
        for model in node.models:
            sg.choices.append(len(choice_model))
            choice_group.append(len(switch_groups))
            choice_model.append(model)
        sg_index[node.id] = len(switch_groups)
        switch_groups.append(sg)
    nic_nodes = [node for node in instance.nodes if isinstance(node, NicNode)]
    nic_ids = list(map(attrgetter("id"), nic_nodes))
    nic_caps = list(map(operator.mul, map(attrgetter("count"), nic_nodes), map(attrgetter("ports"), nic_nodes)))
    nic_groups = list(map(NicGroupData, nic_ids, nic_caps))

    # per node group: its port capacity and the list its link ends go to (its switch or NIC group's)
    def switch_cap(node: SwitchNode) -> int:
        return switch_groups[sg_index[node.id]].k_max * max(index.switches[m].max_ports for m in node.models)

    caps: dict[str, int] = dict(zip(nic_ids, nic_caps, strict=True))
    end_lists: dict[str, list[tuple[int, int]]] = dict(zip(nic_ids, map(attrgetter("ends"), nic_groups), strict=True))
    for node in switch_nodes:
        caps[node.id] = switch_cap(node)
        end_lists[node.id] = switch_groups[sg_index[node.id]].ends
    if not sg_index.keys().isdisjoint(nic_ids):  # an id of a NIC and a switch group (an input error): the last
        caps = {n.id: switch_cap(n) if isinstance(n, SwitchNode) else n.count * n.ports for n in instance.nodes}

    # groups on a latency path (their options' latency matters; with routed demands, every group's does)
    path_groups: set[int] = set()
    named_links = instance.bandwidth or any(path.links is not None for path in instance.paths)
    link_pos = (  # a link group's index by id (read where paths or bandwidth rows name groups)
        dict(zip(map(attrgetter("id"), instance.links), range(len(instance.links)), strict=True)) if named_links else {}
    )
    joining: dict[frozenset[str], list[int]] = defaultdict(list)
    on_paths = {v for path in instance.paths for v in path.via}  # steps join only these node groups
    for gi, lk in enumerate(instance.links if on_paths else ()):
        if lk.a in on_paths and lk.b in on_paths:
            joining[frozenset((lk.a, lk.b))].append(gi)
    path_steps: list[list[int]] = []
    for path in instance.paths:
        steps = []
        for j in range(len(path.via) - 1):
            named = path.links[j] if path.links is not None else None
            steps.append(link_pos[named] if named is not None else joining[frozenset(path.via[j : j + 2])][0])
        path_steps.append(steps)
        path_groups.update(steps)

    # Per link group, as columns (C-level passes over the section: a large file has 10^5 groups).
    links = instance.links
    n_groups = len(links)
    ends_a = list(map(attrgetter("a"), links))
    ends_b = list(map(attrgetter("b"), links))
    counts = list(map(attrgetter("count"), links))
    max_counts = list(map(attrgetter("max_count"), links))
    uniforms = list(map(attrgetter("uniform"), links))
    demands = list(map(attrgetter("demand_gbps"), links))
    installed = list(map(attrgetter("installed_gbps"), links))
    same_ends = list(map(operator.eq, ends_a, ends_b))
    # at most the given count, else the ports at its ends (half of them for a group within one node group)
    n_maxes = [0 if count is None else count for count in counts]
    for gi in [gi for gi, count in enumerate(counts) if count is None] if None in counts else ():
        a, b = ends_a[gi], ends_b[gi]
        n_maxes[gi] = caps[a] // 2 if same_ends[gi] else min(caps[a], caps[b])
    if max_counts.count(None) < n_groups:
        n_maxes = [n if m is None else min(n, m) for n, m in zip(n_maxes, max_counts, strict=True)]
    any_demands = bool(instance.demands)
    latency = [any_demands] * n_groups  # the group's options' latency matters
    for gi in path_groups:
        latency[gi] = True

    # Everything about a group's options depends only on its key (signature: end nodes' specs, length,
    # filters; whether latency matters; with the reliability extension, what priced pruning reads of the
    # group), and many groups share one: derive, check compatibility and prune once per key.
    keys: list[tuple[object, ...]]
    if rel_params is None:
        keys = list(zip(signatures, latency, strict=True))
    else:  # priced pruning also reads the group's job stops, NIC ends and size
        demand_key = rel_params.spares_factor is None
        keys = [
            (
                signature,
                lat,
                job_stop_fraction(nodes, link),
                host_ends(nodes, link, rel_modes),
                link.count,
                link.demand_gbps if demand_key else None,
            )
            for signature, lat, link in zip(signatures, latency, links, strict=True)
        ]
    Accepts = frozenset[str] | None
    Usable = list[tuple[Option, Accepts, Accepts, Accepts]]

    def usable_options(link: Link, key: tuple[object, ...]) -> tuple[Usable, int]:
        """The options of a group with this key that survive pruning and can be used, with the number pruned."""
        a, b = link.a, link.b
        same = a == b
        latency_matters = bool(key[1])
        options, _, _ = deriver.derive_keyed(link, key[0])  # type: ignore[arg-type]
        compat = [_compat(nodes, index, a, b, o) for o in options]
        ends_nic = (isinstance(nodes[a], NicNode), isinstance(nodes[b], NicNode))
        extra: list[tuple[float, ...]] | None = (  # facility extension: rows read each end's power, fibres
            [facility_figures(o, index, *ends_nic) for o in options] if instance.facility is not None else None
        )
        if not prune:
            keep = list(range(len(options)))
        elif rel_params is None and site is not None and site_priced:
            keep = _site_keep(instance, options, compat, protected, whole_unit, latency_matters, site, extra)
        elif rel_params is None:
            keep = prune_dominated(options, compat, protected, whole_unit, latency=latency_matters, extra=extra)
        else:  # reliability extension: downtime and spares change what dominates
            keep = _priced_keep(
                instance,
                objective or instance.objective,
                options,
                compat,
                protected,
                rel_modes,
                rel_params,
                whole_unit,
                link,
                nodes,
                site,
                extra,
            )
        usable = []
        for oi in keep:
            c_a, c_b = compat[oi]
            if same and c_a is not None and c_b is not None and not (c_a & c_b):
                continue  # the two ends need different models of one group: never usable
            both = (c_a & c_b) if same and c_a is not None and c_b is not None else None
            usable.append((options[oi], c_a, c_b, both))
        return usable, len(options) - len(keep)

    # the first group of each key derives its options (dict(zip(...)) keeps a key's last value: reversed)
    first_of = dict(zip(reversed(keys), range(n_groups - 1, -1, -1), strict=True))
    by_key = {key: usable_options(links[gi], key) for key, gi in first_of.items()}
    hits = list(map(by_key.__getitem__, keys))
    usables: list[Usable] = list(map(itemgetter(0), hits))
    pruned = sum(map(itemgetter(1), hits))
    unreachable = 0
    if reduce and not any_demands:
        # a group with an exact count and demand left to meet keeps the options some plan uses at its count
        # (one option set per distinct (options, count, need, uniform); ``usable_at_count``)
        needs = list(map(operator.sub, demands, installed))
        at_keys = list(zip(map(id, usables), counts, needs, uniforms, strict=True))
        reduced_of: dict[tuple[int, int | None, float, bool], Usable] = {}
        for at_key, gi in dict(zip(at_keys, range(n_groups), strict=True)).items():
            usable, count, need_gbps, uniform = usables[gi], at_key[1], at_key[2], at_key[3]
            if count is None or need_gbps <= 0 or len(usable) < 2:
                reduced_of[at_key] = usable
                continue
            kept = usable_at_count([u[0].speed_gbps for u in usable], count, need_gbps, uniform)
            reduced_of[at_key] = [usable[i] for i in kept] if kept else usable  # none: infeasible, left to the solver
        before = sum(map(len, usables))
        usables = list(map(reduced_of.__getitem__, at_keys))
        unreachable = before - sum(map(len, usables))

    # columns: group gi's are first..first + n_opts - 1, in the order of its usable options
    n_opts = list(map(len, usables))
    bounds = [0, *itertools.accumulate(n_opts)]
    group_cols = list(map(list, map(range, bounds[:-1], bounds[1:])))
    col_group = list(itertools.chain.from_iterable(map(itertools.repeat, range(n_groups), n_opts)))
    col_option: list[Option] = list(map(itemgetter(0), itertools.chain.from_iterable(usables)))
    col_ub = list(itertools.chain.from_iterable(map(itertools.repeat, n_maxes, n_opts)))
    groups = list(
        map(
            GroupData,
            map(attrgetter("id"), links),
            ends_a,
            ends_b,
            map(attrgetter("length_m"), links),
            demands,
            counts,
            uniforms,
            n_maxes,
            group_cols,
            installed,
            max_counts,
        )
    )

    # link ends at node groups: (column, ends per link) at the NIC or switch group, in the order of the groups
    # (end a before end b); a group with a == b has two ends per link at a and none at b
    ones, twos = itertools.repeat(1), itertools.repeat(2)
    for cols, a, b, same in zip(group_cols, ends_a, ends_b, same_ends, strict=True):
        if same:
            end_lists[a].extend(zip(cols, twos, strict=False))
        else:
            end_lists[a].extend(zip(cols, ones, strict=False))
            end_lists[b].extend(zip(cols, ones, strict=False))

    # the form classes: per end at a switch group with a choice of models (in the order of the groups, end a
    # before end b), its columns by the models accepting them where not every model does. A switch group's
    # choices are consecutive (its first + the model's position), so the classes depend only on the group's
    # options, the side and the switch group's models: found once per such triple (``Classes``).
    form_lists: dict[str, list[tuple[list[int], list[int], int]]] = {}
    first_choice: dict[str, int] = {}
    models_number: dict[str, int] = {}
    numbered: dict[tuple[str, ...], int] = {}
    for sg in switch_groups:
        models = tuple(choice_model[q] for q in sg.choices)
        form_lists[sg.id] = sg.form_classes
        first_choice[sg.id] = sg.choices[0] if sg.choices else 0
        models_number[sg.id] = numbered.setdefault(models, len(numbered))
    models_of = list(numbered)
    usable_ids = list(map(id, usables))
    usable_of = dict(zip(usable_ids, zip(usables, same_ends, strict=True), strict=True))

    class Classes(dict[tuple[int, int, int | None], list[tuple[list[int], list[int]]]]):
        """(usable options' id, side, switch group's models' number or None at a NIC group) -> the classes:
        (column offsets in the group, positions of the accepting models), computed when first asked for."""

        def __missing__(self, key: tuple[int, int, int | None]) -> list[tuple[list[int], list[int]]]:
            uid, side, number = key
            value: list[tuple[list[int], list[int]]] = []
            if number is not None:
                usable, same = usable_of[uid]
                models = models_of[number]
                by_accepted: dict[frozenset[str], list[int]] = {}
                for j, (_, c_a, c_b, both) in enumerate(usable):
                    accepted = both if same else (c_a if side == 0 else c_b)
                    if accepted is not None and len(accepted) < len(models):
                        by_accepted.setdefault(accepted, []).append(j)
                for accepted, offsets in by_accepted.items():
                    value.append((offsets, [k for k, model in enumerate(models) if model in accepted]))
            self[key] = value
            return value

    classes = Classes()
    per_side = [
        list(map(classes.__getitem__, zip(usable_ids, itertools.repeat(side), map(models_number.get, ends))))
        for side, ends in ((0, ends_a), (1, ends_b))
    ]
    if any(per_side[0]) or any(per_side[1]):
        for first, n_max, a, b, q_a, q_b, same, classes_a, classes_b in zip(
            bounds,
            n_maxes,
            ends_a,
            ends_b,
            map(first_choice.get, ends_a),
            map(first_choice.get, ends_b),
            same_ends,
            per_side[0],
            per_side[1],
            strict=False,
        ):
            if classes_a:
                form_lists[a].extend(
                    [([first + j for j in offsets], [q_a + k for k in at], n_max) for offsets, at in classes_a]
                )
            if classes_b and not same:
                form_lists[b].extend(
                    [([first + j for j in offsets], [q_b + k for k in at], n_max) for offsets, at in classes_b]
                )

    # indicators: uniform groups and groups on a latency path
    uniform_groups = [gi for gi, g in enumerate(groups) if g.uniform]
    ind_col: list[int] = []
    col_ind: dict[int, int] = {}
    for gi in sorted(path_groups | set(uniform_groups)):
        for col in groups[gi].cols:
            col_ind[col] = len(ind_col)
            ind_col.append(col)
    lat_group = sorted(path_groups)
    lat_slot = {gi: s for s, gi in enumerate(lat_group)}
    paths = [
        PathData(
            p.id,
            p.max_latency_ns,
            [groups[g].id for g in steps],
            [lat_slot[g] for g in steps],
            [sg_index[v] for v in p.via[1:-1] if v in sg_index],
        )
        for p, steps in zip(instance.paths, path_steps, strict=True)
    ]
    bandwidth = [
        (b.id, [c for gi in sorted({link_pos[x] for x in b.links}) for c in groups[gi].cols], b.min_gbps)
        for b in instance.bandwidth
    ]
    supply_cols: dict[str, list[tuple[int, int]]] = {item: [] for item in instance.limits.supply}
    if supply_cols:
        for col, option in enumerate(col_option):
            for item, units in option.items:
                if item in supply_cols:
                    supply_cols[item].append((col, units))
    supply = [
        (item, limit, supply_cols[item], [q for q, m in enumerate(choice_model) if m == item])
        for item, limit in instance.limits.supply.items()
    ]

    whole_units: list[tuple[str, int, list[tuple[int, int]]]] = []
    fabric_choice: list[tuple[str, list[int], list[int], list[int], list[int]]] = []
    if ctx is not None:
        unit_terms: dict[tuple[str, str, int], list[tuple[int, int]]] = defaultdict(list)
        for col, option in enumerate(col_option):
            g = groups[col_group[col]]
            parts = option.id.split("+") if option.kind == "pair" else [option.id, option.id]
            per_end: dict[tuple[str, str, int], int] = defaultdict(int)
            for node_id, part, share in ((g.a, parts[0], option.shares[0]), (g.b, parts[1], option.shares[1])):
                if share > 1:
                    per_end[(node_id, part, share)] += 1
            for key, mult in per_end.items():
                unit_terms[key].append((col, mult))
        whole_units = [(f"{n}/{p}", share, terms) for (n, p, share), terms in unit_terms.items()]
        for fi, fabric in enumerate(ctx.fabrics):
            if len(fabric.protocols) < 2:
                continue
            members = set(fabric.nodes)
            only: dict[str, tuple[list[int], list[int]]] = {"infiniband": ([], []), "ethernet": ([], [])}
            for q, model in enumerate(choice_model):
                if switch_groups[choice_group[q]].id in members:
                    spoken = index.switches[model].protocol
                    if spoken is not None and len(set(spoken)) == 1:
                        only[spoken[0]][0].append(q)
            for col, option in enumerate(col_option):
                in_fabric = groups[col_group[col]].a in members
                if in_fabric and option.protocols is not None and len(option.protocols) == 1:
                    only[next(iter(option.protocols))][1].append(col)
            if any(only[p][0] or only[p][1] for p in only):
                label = f"fabric{fi}:" + ",".join(fabric.nodes[:3])
                ib, eth = only["infiniband"], only["ethernet"]
                fabric_choice.append((label, ib[0], eth[0], ib[1], eth[1]))

    sw = [index.switches[m] for m in choice_model]
    data = ModelData(
        name=instance.name,
        objective=objective or instance.objective,
        energy_usd_per_w=energy_usd_per_w(instance),
        weights_capex=instance.weights.capex_usd,
        weights_power=instance.weights.power_w,
        groups=groups,
        col_group=col_group,
        col_option=col_option,
        col_ub=col_ub,
        ind_col=ind_col,
        col_ind=col_ind,
        switch_groups=switch_groups,
        choice_group=choice_group,
        choice_model=choice_model,
        choice_capacity_gbps=[s.capacity_gbps for s in sw],
        choice_max_ports=[s.max_ports for s in sw],
        choice_power_w=[s.power_w for s in sw],
        choice_cost_usd=[s.price_usd for s in sw],
        choice_latency_ns=[s.latency_ns for s in sw],
        nic_groups=nic_groups,
        lat_group=lat_group,
        paths=paths,
        bandwidth=bandwidth,
        max_power_w=instance.limits.max_power_w,
        max_capex_usd=instance.limits.max_capex_usd,
        supply=supply,
        uniform_groups=uniform_groups,
        pruned_options=pruned,
        unreachable_options=unreachable,
        whole_units=whole_units,
        fabric_choice=fabric_choice,
    )
    data.weights_interruptions = instance.weights.interruptions_per_day
    data.site = site
    data.max_power_w, data.power_cap_site = power_cap(instance.limits.max_power_w, data.site)
    col_length_m = list(
        itertools.chain.from_iterable(map(itertools.repeat, map(attrgetter("length_m"), links), n_opts))
    )
    choice_node = [switch_nodes[g] for g in choice_group]
    data.reliability = _reliability_data(
        instance, index, col_option, col_length_m, col_group, choice_model, choice_node
    )
    if instance.facility is not None:  # facility extension
        group_ends = list(zip(ends_a, ends_b, strict=True))
        group_cols_by_id = {g.id: g.cols for g in groups}
        data.facility = build_facility(
            instance, index, col_option, col_group, group_ends, choice_model, group_cols_by_id
        )
    if instance.demands:
        group_min = [min((col_option[i].latency_ns for i in g.cols), default=0.0) for g in groups]
        switch_min = [min(data.choice_latency_ns[q] for q in g.choices) for g in switch_groups]
        data.routing = build_routing(instance, group_min, switch_min)
    return data


def usable_at_count(speeds_gbps: list[float], count: int, need_gbps: float, uniform: bool) -> list[int]:
    """Indices of a group's options some plan meeting its demand at its exact count can use.

    The capacity family holds, for a group with exact count C and need D = demand - installed > 0,

        sum_i n[i] = C,   sum_i speed_i n[i] >= D,   n[i] >= 0 integer.

    With n[i] >= 1, the other C - 1 links carry at most (C - 1) s_max (s_max: the fastest option of the
    group), so every feasible point has n[i] = 0 when speed_i + (C - 1) s_max < D: dropping column i
    removes no feasible plan and changes no optimum (the group's options may mix, and a mix with i can
    still help whenever that bound reaches D, so such options are kept). In a ``uniform`` group all C
    links use one option, so n[i] >= 1 needs C speed_i >= D. The fastest option always passes when any
    does. A margin of 1e-9 relative keeps every option within the solver's feasibility tolerance.
    Every other family only restricts plans further, so their rows never make a dropped option usable.
    """
    fastest = max(speeds_gbps)
    floor = need_gbps * (1.0 - 1e-9) - 1e-9
    if uniform:
        return [i for i, s in enumerate(speeds_gbps) if count * s >= floor]
    return [i for i, s in enumerate(speeds_gbps) if s + (count - 1) * fastest >= floor]


def _priced_keep(
    instance: Instance,
    objective: Objective,
    options: list[Option],
    compat: list[tuple[frozenset[str] | None, frozenset[str] | None]],
    protected: frozenset[str],
    modes: dict[str, list[Mode]],
    p: Params,
    whole_unit: frozenset[str],
    link: Link,
    nodes: dict[str, NicNode | SwitchNode],
    site: SiteParams | None,
    extra: list[tuple[float, ...]] | None = None,
) -> list[int]:
    """Options kept by ``prune_priced`` (reliability extension): compares each link's objective coefficient,
    downtime included, and only the figures some constraint of the instance limits (of links of the group
    ``link``: its length prices the spares of a cable priced per metre, its job stops, NIC ends and size
    price the downtime and spares; ``site``: the instance's site figures; ``extra``: the facility figures
    of each option, which facility rows read)."""
    e = energy_usd_per_w(instance)
    e_tco = e + (site.usd_per_w if site is not None else 0.0)  # site extension: the GPU capacity displaced
    w = instance.weights
    by_id = {m.id: m for ms in modes.values() for m in ms}
    lim, rel = instance.limits, instance.reliability
    assert rel is not None
    latency = bool(instance.paths or instance.demands)
    priced = []
    stop, nic_items = job_stop_fraction(nodes, link), host_ends(nodes, link, modes)
    for oi, o in enumerate(options):
        r = link_rates(o.items, o.kind, modes, link.length_m, stop, nic_items)
        lost = r.lost_gpu_h(p)
        spares = spares_usd(r.units, by_id, p, group_size(link, o.speed_gbps))
        obj = {
            "tco": o.cost_usd + spares + e_tco * o.power_w + p.years * p.gpu_hour_usd * lost,
            "capex": o.cost_usd + spares,
            "power": o.power_w,
            "weighted": w.capex_usd * (o.cost_usd + spares)
            + w.power_w * o.power_w
            + w.interruptions_per_day * r.interruptions / 365.25,
        }[objective]
        constrained = (
            *((o.power_w,) if lim.max_power_w is not None or (site and site.it_power_w is not None) else ()),
            *((o.cost_usd + spares,) if lim.max_capex_usd is not None else ()),
            *((o.latency_ns,) if latency else ()),
            *((r.interruptions,) if rel.max_interruptions_per_day is not None else ()),
            *((lost,) if rel.min_availability is not None else ()),
            *(extra[oi] if extra is not None else ()),
        )
        priced.append(PricedOption(obj, constrained))
    return prune_priced(options, compat, protected, priced, whole_unit)


def _site_keep(
    instance: Instance,
    options: list[Option],
    compat: list[tuple[frozenset[str] | None, frozenset[str] | None]],
    protected: frozenset[str],
    whole_unit: frozenset[str],
    latency: bool,
    site: SiteParams,
    extra: list[tuple[float, ...]] | None = None,
) -> list[int]:
    """Options kept by ``prune_priced`` under a site's price of a watt (site extension, ``tco`` objective, no
    ``reliability`` section): compares each link's objective coefficient, cost + (energy + site) x power,
    and only the figures some row of the instance limits (power under a power cap, cost under a capex cap,
    latency on a latency path, ``extra``: the facility figures of each option, which facility rows read), so
    an option that draws less power dominates a dearer-to-run one even when it costs more to buy."""
    per_w = energy_usd_per_w(instance) + site.usd_per_w
    lim = instance.limits
    power_capped = lim.max_power_w is not None or site.it_power_w is not None
    priced = [
        PricedOption(
            o.cost_usd + per_w * o.power_w,
            (
                *((o.power_w,) if power_capped else ()),
                *((o.cost_usd,) if lim.max_capex_usd is not None else ()),
                *((o.latency_ns,) if latency else ()),
                *(extra[oi] if extra is not None else ()),
            ),
        )
        for oi, o in enumerate(options)
    ]
    return prune_priced(options, compat, protected, priced, whole_unit)


def _reliability_data(
    instance: Instance,
    index: CatalogIndex,
    col_option: list[Option],
    col_length_m: list[float],
    col_group: list[int],
    choice_model: list[str],
    choice_node: list[SwitchNode],
) -> ReliabilityData | None:
    """Per-column and per-choice reliability figures (None without a ``reliability`` section)."""
    p = params(instance)
    if p is None:
        return None
    modes = modes_by_item(index)
    by_id = {m.id: m for ms in modes.values() for m in ms}
    links = [instance.links[gi] for gi in col_group]
    nodes = {node.id: node for node in instance.nodes}
    stops = {g.id: job_stop_fraction(nodes, g) for g in instance.links}
    nic_items = {g.id: host_ends(nodes, g, modes) for g in instance.links}
    col_rates = [
        link_rates(o.items, o.kind, modes, x, stops[g.id], nic_items[g.id])
        for o, x, g in zip(col_option, col_length_m, links, strict=True)
    ]
    col_size = [group_size(g, o.speed_gbps) for o, g in zip(col_option, links, strict=True)]
    card_stop = {node.id: line_card_job_stop_fraction(nodes, instance.links, node.id) for node in choice_node}
    choice_card_stop = [card_stop[node.id] for node in choice_node]
    choice_rates = [switch_rates(m, modes, c) for m, c in zip(choice_model, choice_card_stop, strict=True)]
    choice_size = [switch_group_size(node) for node in choice_node]
    return ReliabilityData(
        params=p,
        col_interruptions=[r.interruptions for r in col_rates],
        col_lost_gpu_h=[r.lost_gpu_h(p) for r in col_rates],
        col_spares_usd=[spares_usd(r.units, by_id, p, n) for r, n in zip(col_rates, col_size, strict=True)],
        choice_interruptions=[r.interruptions for r in choice_rates],
        choice_lost_gpu_h=[r.lost_gpu_h(p) for r in choice_rates],
        choice_spares_usd=[spares_usd(r.units, by_id, p, n) for r, n in zip(choice_rates, choice_size, strict=True)],
        col_stop=[stops[g.id] for g in links],
        col_nic_items=[nic_items[g.id] for g in links],
        col_size=col_size,
        choice_size=choice_size,
        choice_card_stop=choice_card_stop,
    )


def _compat(
    nodes: dict[str, NicNode | SwitchNode], index: CatalogIndex, a: str, b: str, option: Option
) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """Models accepting each end of an option (None for a NIC end)."""
    if option.accepting is not None:  # derived under the compatibility rules
        return option.accepting
    out = []
    for node_id, form in ((a, option.form_a), (b, option.form_b)):
        node = nodes[node_id]
        out.append(accepting_models(node, form, option.speed_gbps, index) if isinstance(node, SwitchNode) else None)
    return out[0], out[1]


def links_needed(demand_gbps: float, speed_gbps: float) -> int:
    """Fewest links of one speed that carry a demand."""
    return math.ceil(demand_gbps / speed_gbps - 1e-9) if demand_gbps > 0 else 0
