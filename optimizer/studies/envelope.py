"""The most GPUs a site can hold: for a site's IT power and a fabric design, the largest GPU count whose
GPUs plus optimally planned fabric fit (``optimizer envelope``).

A design is a set of generator options without ``gpus`` (``optimizer.generate.Design``: the fields of
``ClusterSpec``: topology, ecosystem, NIC speed, tiers, models, exclusions, ...); the study only calls its
methods, so it does not depend on the generator module. For a GPU count N the study generates the
design at N GPUs, adds a ``site`` section (``it_power_w``, ``gpu_w``, ``gpus`` = N, ``gpu_hour_usd``;
instances/README.md, "Site power envelope"), so the network may draw at most it_power_w - N x gpu_w, and
solves it. N is **feasible** when the planner returns a plan (the verifier, ``optimizer.verify``, re-checks
it), **infeasible** when HiGHS proves there is none, when the GPUs alone exceed the site
(N x gpu_w > it_power_w, decided without a solve), or when the generator cannot build the design at N
(e.g. beyond the reach of the tiers asked for).

**Step.** The generator's granularity is one node: ``gpus`` must be a multiple of ``gpus_per_node``, and
any such count gives a fabric (a partial scalable unit takes a partly filled leaf per rail). So the step
is one node (``gpus_per_node`` GPUs) unless a coarser one is asked for (a multiple of it, e.g. one
scalable unit).

**Search.** Counts are whole steps j (N = j x step). The bracket starts at lo = 0 (no GPUs: nothing to
fit) and hi = floor(it_power_w / (gpu_w x step)) + 1 (the GPUs alone exceed the site). Each round solves
points strictly inside (lo, hi): the first round a few guesses below hi (the network draws a few per cent
of a site), later rounds the midpoint; after a round, hi becomes the smallest infeasible point and lo the
largest feasible point seen and hi the smallest infeasible point above it. Every round keeps "lo
feasible, hi infeasible", so the bisection ends with hi = lo + 1: **the plan at N = lo x step fits and
N + step does not** (each proven as above). The power a fabric needs is not monotone in N (a tier's switch
count moves in whole switches, integral wiring exists only for some counts, a new tier or pod comes in at a
threshold), so a larger count beyond an infeasible one may fit again. After the bracket closes the search
therefore also solves the next ``beyond_steps`` counts above N; if one fits, it becomes the new lo and the
search goes on above it. The answer reports ``clear_to_gpus`` (every count in (N, clear_to_gpus] is proven
not to fit) and ``largest`` (true when that reaches the counts whose GPUs alone exceed the site: N is then
the largest count of the design, not only a maximal one). Points of every variant run together on the
executor (``TaskRunner``: in this process, local processes or Dask).

**Variants.** Technology choices compared side by side: each variant allows a set of link technologies
(``dsp``, ``lpo``, ``lro``, ``cpo``, ``aoc``, ``aec``, ``acc``, ``dac``); every catalogue transceiver or cable
of another technology is added to the design's ``exclude`` list. The defaults are ``pluggable`` (DSP
pluggables, AOC and copper), ``lpo`` (also LPO and LRO pluggables) and ``cpo`` (also CPO engines). A
CPO switch whose ports only take CPO engines then has no usable end and is never chosen.
"""

from __future__ import annotations

import dataclasses
import math
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from optimizer.core.solve import SolveOptions
from optimizer.studies.executor import TaskRunner
from optimizer.studies.guards import check_workers_ran, refuse_inside_starting_worker, require_distributed

if TYPE_CHECKING:
    from optimizer.core.schema import Catalog

LINK_TECHNOLOGIES = ("dsp", "lpo", "lro", "cpo", "aoc", "aec", "acc", "dac")
DEFAULT_VARIANTS: dict[str, tuple[str, ...]] = {
    "pluggable": ("dsp", "aoc", "aec", "acc", "dac"),
    "lpo": ("dsp", "lpo", "lro", "aoc", "aec", "acc", "dac"),
    "cpo": LINK_TECHNOLOGIES,
}
"""Technology variants compared by default: DSP pluggables and cables; also linear pluggables; also CPO."""
FIRST_GUESSES = (0.8, 0.9, 0.95)
"""Shares of the GPU-only bound probed in the first round (the network draws a few per cent of a site)."""
FEASIBLE = ("optimal", "feasible")
TABLE_COLUMNS = [
    "variant",
    "technologies",
    "gpus",
    "step_gpus",
    "next_gpus",
    "next_status",
    "clear_to_gpus",
    "largest",
    "it_power_w",
    "gpu_power_w",
    "network_power_w",
    "network_mw",
    "headroom_w",
    "network_capex_usd",
    "network_capex_per_gpu_usd",
    "gpus_displaced",
    "objective",
    "status",
    "verified",
    "solves",
]


class EnvelopeError(ValueError):
    """A study that cannot start (bad design options, bad site figures, unknown technology)."""


class Design(Protocol):
    """A fabric design buildable at any GPU count: ``optimizer.generate.Design`` (generator options without
    ``gpus``). Picklable: it ships to the workers."""

    @property
    def options(self) -> Mapping[str, Any]: ...

    @property
    def gpus_per_node(self) -> int: ...

    def check(self) -> None: ...

    def catalog(self) -> Catalog: ...

    def excluding(self, ids: list[str]) -> Design: ...

    def instance(self, gpus: int) -> dict[str, Any]: ...


@dataclass
class EnvelopeVariant:
    """One technology variant's answer."""

    name: str
    technologies: tuple[str, ...]
    gpus: int
    """The largest count found: its plan fits and gpus + step does not."""
    step_gpus: int
    best: dict[str, Any] | None
    """The point at ``gpus`` (None when not even one step fits): its row, with ``plan`` (plan.json)."""
    next: dict[str, Any]
    """The point at ``gpus + step``: why it does not fit (``status``: infeasible, gpus_exceed_site or
    no_design, with ``message``)."""
    points: list[dict[str, Any]] = field(default_factory=list)
    """Every point solved (without plans), sorted by GPU count."""
    clear_to_gpus: int = 0
    """Every count above ``gpus`` up to this one is proven not to fit."""
    largest: bool = False
    """True when every larger count is proven not to fit (``clear_to_gpus`` reaches the counts whose GPUs
    alone exceed the site): ``gpus`` is then the largest count of the design, not only a maximal one."""


@dataclass
class EnvelopeResult:
    """The study's answer for every variant, as a table (``.table``) and files (``.write``)."""

    it_power_w: float
    gpu_w: float
    gpu_hour_usd: float
    design: dict[str, Any]
    """The design's generator options."""
    variants: list[EnvelopeVariant]
    wall_s: float = 0.0

    @property
    def table(self) -> pd.DataFrame:
        """One row per variant: GPUs, network power (W and MW), capex per GPU, verification."""
        rows = []
        for v in self.variants:
            b = v.best or {}
            power = b.get("power_w", 0.0) if v.best else 0.0
            capex = b.get("capex_usd", 0.0) if v.best else 0.0
            rows.append(
                {
                    "variant": v.name,
                    "technologies": ",".join(v.technologies),
                    "gpus": v.gpus,
                    "step_gpus": v.step_gpus,
                    "next_gpus": v.gpus + v.step_gpus,
                    "next_status": v.next.get("status"),
                    "clear_to_gpus": v.clear_to_gpus,
                    "largest": v.largest,
                    "it_power_w": self.it_power_w,
                    "gpu_power_w": v.gpus * self.gpu_w,
                    "network_power_w": power,
                    "network_mw": power / 1e6,
                    "headroom_w": self.it_power_w - v.gpus * self.gpu_w - power,
                    "network_capex_usd": capex,
                    "network_capex_per_gpu_usd": capex / v.gpus if v.gpus else None,
                    "gpus_displaced": b.get("gpus_displaced"),
                    "objective": b.get("objective"),
                    "status": b.get("status"),
                    "verified": b.get("violations") == 0 if v.best else None,
                    "solves": sum(1 for p in v.points if p.get("solved")),
                }
            )
        return pd.DataFrame(rows, columns=TABLE_COLUMNS)

    def write(self, directory: str | Path, plot: bool = True) -> list[Path]:
        """Write envelope.csv, points.csv, each variant's plan at its GPU count (plans/<variant>.json) and
        envelope.png (``plot``); return the paths written."""
        import json

        out = Path(directory)
        (out / "plans").mkdir(parents=True, exist_ok=True)
        written = [out / "envelope.csv", out / "points.csv"]
        self.table.to_csv(written[0], index=False)
        points = [{"variant": v.name, **p} for v in self.variants for p in v.points]
        pd.DataFrame(points).to_csv(written[1], index=False)
        for v in self.variants:
            if v.best is not None and v.best.get("plan") is not None:
                path = out / "plans" / f"{v.name}.json"
                path.write_text(json.dumps(v.best["plan"], indent=1, default=str), encoding="utf-8")
                written.append(path)
        if plot:
            from optimizer.plots import plot_envelope

            plot_envelope(self, out / "envelope.png")
            written.append(out / "envelope.png")
        return written


def variant_excludes(design: Design, technologies: Sequence[str]) -> list[str]:
    """Catalogue transceiver and cable ids (of the design's catalogue) whose technology is not allowed."""
    from optimizer.core.catalog import technology

    catalog = design.catalog()
    allowed = set(technologies)
    out = [t.id for t in catalog.transceivers if technology(t) not in allowed]
    out += [c.id for c in catalog.cables if c.kind not in allowed]
    return sorted(out)


def solve_point(task: dict[str, Any]) -> dict[str, Any]:
    """Generate the design at ``task["gpus"]`` GPUs with the site, solve and verify it (runs on a worker);
    never raises: failures are rows."""
    from optimizer.core.load import load_instance
    from optimizer.core.mix import plan_mix
    from optimizer.core.pipeline import solve
    from optimizer.core.verify import check_plan
    from optimizer.errors import InstanceError

    gpus = int(task["gpus"])
    row: dict[str, Any] = {"gpus": gpus, "status": "error", "solved": False}
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    site = task["site"]
    try:
        if gpus * site["gpu_w"] > site["it_power_w"]:
            row.update(status="gpus_exceed_site", message=f"{gpus} GPUs x {site['gpu_w']:g} W exceed the site")
            return row
        try:
            document = task["design"].instance(gpus)
        except ValueError as exc:
            row.update(status="no_design", message=str(exc).splitlines()[0])
            return row
        document["site"] = {**site, "gpus": gpus}
        instance = load_instance(document)
        plan = solve(instance, SolveOptions(**task["options"]))
        row.update(status=str(plan.status), solved=True, objective=plan.objective)
        row["message"] = "; ".join(plan.diagnostics)
        if plan.totals is not None:
            row.update({k: plan.totals.get(k) for k in ("power_w", "capex_usd", "gpus_displaced")})
            plan_dict = plan.to_dict()
            violations = check_plan(instance, plan_dict)
            row["violations"] = len(violations)
            if violations:
                row["message"] = "; ".join(f"{v.where}: {v.message}" for v in violations[:3])
            _, share, label = plan_mix(plan, instance.resolved_catalog)
            row.update({f"share_{t}": s for t, s in share.items()})
            row["mix"] = label
            if task.get("keep_plan"):
                row["plan"] = plan_dict
    except InstanceError as exc:  # e.g. a link longer than every part's reach once the fabric spans buildings
        row.update(status="no_design", message="not plannable: " + " | ".join(str(i) for i in exc.issues[:3]))
    except Exception as exc:  # one point's failure is data, never an abort of the study
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    finally:
        row["wall_s"] = round(time.perf_counter() - start, 4)
    return row


def _feasible(row: Mapping[str, Any]) -> bool | None:
    """True with a verified plan, False when proven to have none, None when undecided (error, time out)."""
    if row["status"] in FEASIBLE:
        return row.get("violations") == 0 or None
    if row["status"] in ("infeasible", "gpus_exceed_site", "no_design"):
        return False
    return None


@dataclass
class _Search:
    """The bracket of one variant, in steps: ``lo`` feasible (0: no GPUs), ``hi`` the smallest proven
    infeasible count above it, ``top`` the first count whose GPUs alone exceed the site."""

    name: str
    technologies: tuple[str, ...]
    design: Design
    lo: int
    hi: int
    beyond: int = 0
    seen: dict[int, dict[str, Any]] = field(default_factory=dict)
    failed: str | None = None

    def next_points(self, first: bool, top: int) -> list[int]:
        if self.failed:
            return []
        if self.hi - self.lo > 1:
            if first:
                guesses = {min(self.hi - 1, max(self.lo + 1, math.floor(self.hi * g))) for g in FIRST_GUESSES}
                return sorted(j for j in guesses if j not in self.seen)
            return [(self.lo + self.hi) // 2]
        # converged: also prove the next ``beyond`` steps infeasible (a larger count may fit again)
        return [j for j in range(self.hi + 1, min(self.lo + self.beyond, top - 1) + 1) if j not in self.seen]

    def update(self, step: int, top: int) -> None:
        verdicts = {j: _feasible(row) for j, row in self.seen.items()}
        undecided = sorted(j for j, v in verdicts.items() if v is None)
        if undecided:
            row = self.seen[undecided[0]]
            self.failed = f"{undecided[0] * step} GPUs: {row['status']}: {row.get('message', '')}"
            return
        self.lo = max([j for j, v in verdicts.items() if v], default=self.lo)
        self.hi = min([j for j, v in verdicts.items() if v is False and j > self.lo], default=top)

    def clear_to(self, top: int) -> int:
        """The largest count M (in steps) such that every count in (lo, M] is proven not to fit."""
        j = self.lo
        while j + 1 < top and _feasible(self.seen.get(j + 1, {"status": "unknown"})) is False:
            j += 1
        return top if j + 1 >= top else j


def _check_design(name: str, design: Design, gpus: int) -> None:
    """Raise ``EnvelopeError`` when the design's instance at ``gpus`` GPUs has input errors (e.g. a catalogue
    id that does not exist); a design the generator cannot build at that size is left to the search."""
    from optimizer.core.load import load_instance
    from optimizer.errors import InstanceError

    try:
        document = design.instance(gpus)
    except ValueError:  # the size: left to the search
        return
    try:
        load_instance(document)
    except InstanceError as exc:
        problems = "; ".join(f"{i.where}: {i.message}" for i in exc.issues[:5])
        raise EnvelopeError(f"variant {name}: the design at {gpus} GPUs: {problems}") from None


def envelope(
    design: Design,
    it_power_w: float,
    gpu_w: float,
    *,
    gpu_hour_usd: float = 0.0,
    variants: Mapping[str, Sequence[str]] | None = None,
    step_gpus: int | None = None,
    beyond_steps: int = 8,
    options: SolveOptions | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    on_point: Callable[[str, dict[str, Any]], None] | None = None,
) -> EnvelopeResult:
    """The largest GPU count of each technology variant of a design that fits a site (module docstring).

    Args:
        design: the fabric design (``optimizer.generate.Design``: generator options without ``gpus``).
        it_power_w: the site's IT power for GPUs and network (W).
        gpu_w: power per GPU with its host share (W).
        gpu_hour_usd: value of one GPU-hour; prices the network's watts in each plan (0: electricity only).
        variants: name -> allowed link technologies (default ``DEFAULT_VARIANTS``).
        step_gpus: the granularity (default one node, ``gpus_per_node``; must be a multiple of it).
        beyond_steps: after the bracket closes, also prove the counts up to this many steps above the answer
            infeasible (and move up if one fits after all); 0: only the next step.
        options: solve options of each point (default one thread).
        workers, scheduler: where points run (``optimizer.studies.executor.TaskRunner``): by default in this
            process; None: by the size of each round of points (``auto_workers``).
        on_point: called with (variant, row) as each point finishes (progress).

    Raises:
        EnvelopeError: bad design options, site figures, step or technologies.
    """
    started = time.perf_counter()
    if not (math.isfinite(it_power_w) and it_power_w > 0 and math.isfinite(gpu_w) and gpu_w > 0):
        raise EnvelopeError(f"it_power_w and gpu_w must be positive numbers, got {it_power_w!r} and {gpu_w!r}")
    if not (math.isfinite(gpu_hour_usd) and gpu_hour_usd >= 0):
        raise EnvelopeError(f"gpu_hour_usd must be a non-negative number, got {gpu_hour_usd!r}")
    if "gpus" in design.options:
        raise EnvelopeError("design: gpus is what the study chooses, not a design option")
    try:
        design.check()
    except ValueError as exc:
        raise EnvelopeError(f"design: {exc}") from None
    per_node = design.gpus_per_node
    step = step_gpus or per_node
    if step <= 0 or step % per_node:
        raise EnvelopeError(f"step_gpus ({step}) must be a positive multiple of gpus_per_node ({per_node})")
    variants = dict(variants or DEFAULT_VARIANTS)
    for name, techs in variants.items():
        unknown = sorted(set(techs) - set(LINK_TECHNOLOGIES))
        if unknown or not techs:
            raise EnvelopeError(
                f"variant {name}: unknown technologies {unknown} (known: {', '.join(LINK_TECHNOLOGIES)})"
            )
    refuse_inside_starting_worker("optimizer.envelope")
    if scheduler:
        require_distributed()
    opts = dataclasses.asdict(options or SolveOptions(threads=1))
    opts.pop("progress", None)
    site = {"it_power_w": float(it_power_w), "gpu_w": float(gpu_w), "gpu_hour_usd": float(gpu_hour_usd)}
    top = math.floor(it_power_w / (gpu_w * step)) + 1  # top x step GPUs alone exceed the site
    searches = []
    for name, techs in variants.items():
        variant = design.excluding(variant_excludes(design, techs))
        searches.append(_Search(name, tuple(techs), variant, 0, top, beyond_steps))
    for search in searches:  # a design error (e.g. an unknown model id) shows at any size
        _check_design(search.name, search.design, step)

    runner = TaskRunner(workers, scheduler)
    try:
        first = True
        while True:
            batch = [(s, j) for s in searches for j in s.next_points(first, top)]
            if not batch:
                break
            first = False
            tasks = [
                {"gpus": j * step, "design": s.design, "site": site, "options": opts, "keep_plan": True}
                for s, j in batch
            ]
            lost: list[str] = []

            def got(i: int, row: dict[str, Any], batch: list[tuple[_Search, int]] = batch) -> None:
                s, j = batch[i]
                s.seen[j] = row
                if on_point is not None:
                    on_point(s.name, row)

            def failed(i: int, message: str, batch: list[tuple[_Search, int]] = batch, lost: list[str] = lost) -> None:
                s, j = batch[i]
                s.seen[j] = {"gpus": j * step, "status": "error", "message": message, "solved": False}
                lost.append(message)

            runner.run(solve_point, tasks, got, failed)
            if len(lost) == len(tasks):
                check_workers_ran("optimizer.envelope", workers, scheduler, lost)
            for s in searches:
                s.update(step, top)
        results = []
        for s in searches:
            if s.failed:
                raise EnvelopeError(f"variant {s.name}: undecided point at {s.failed}")
            best = s.seen[s.lo] if s.lo > 0 else None
            nxt = s.seen.get(s.hi) or solve_point(
                {"gpus": s.hi * step, "design": s.design, "site": site, "options": opts}
            )
            points = [{k: v for k, v in row.items() if k != "plan"} for _, row in sorted(s.seen.items())]
            clear = s.clear_to(top)
            results.append(
                EnvelopeVariant(
                    s.name, s.technologies, s.lo * step, step, best, nxt, points, clear * step, clear >= top
                )
            )
    finally:
        runner.close()
    return EnvelopeResult(
        float(it_power_w),
        float(gpu_w),
        float(gpu_hour_usd),
        dict(design.options),
        results,
        round(time.perf_counter() - started, 3),
    )
