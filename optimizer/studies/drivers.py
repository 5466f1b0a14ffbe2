"""Decision drivers of a plan: the uncertain figures whose change within range flips a choice, with the
break-even value of each (robustness extension).

For every link group's chosen options and every switch group's model, a driver is an uncertain figure
(``optimizer.studies.robustness``) whose move towards one end of its range changes that choice, stated
with the value where it changes. Finding them takes three steps:

1. Screen (no solve). A figure can only flip a choice through the item it prices. Per link group the
   chosen options and the runner-up (the cheapest other candidate option per Gb/s of the objective's
   per-link coefficient) are compared; per switch group the model and the cheapest other model per Gb/s
   of capacity. A figure is kept when its item is part of the plan or of a runner-up, and its move to
   the adverse end of its range (up for an item the plan uses, down for one it does not) leaves the
   chosen option (model) less than ``SCREEN_MARGIN`` cheaper per Gb/s than its runner-up at those figures
   and changes the gap between them by at least ``MIN_EFFECT`` of the chosen one's coefficient.
   This per-unit comparison ignores what couples the groups (switch ports, latency paths, supply), hence
   the margin; failure and flap rates (whose cost is not per unit) pass whenever their item is used. A
   switch's price moves its coefficient by (1 + its ``cpo_premium_fraction``) per USD, and its premium by
   its ``cost_usd`` per unit of premium (both are prices, weighted like ``cost_usd``).
2. One solve per kept figure past the adverse end (``EXTEND`` times the distance from its value to that
   end further out, not below 0; in parallel on the executor for the figures solved in full). A figure
   whose solve there keeps every choice is robust over its range and beyond.
3. Break-even. For a figure whose solve changes choices, the plan's objective is linear in a price or a
   power figure, so the value where the base plan ("lo", keeping the watched groups' choices) and the new
   plan ("hi") cost the same is where the two cost lines cross: each plan is re-priced exactly at the
   other's value (``optimizer.core.verify.plan_objective`` from its decisions) and one solve is made at
   the crossing (kept at least ``BRACKET`` inside the bracket). For a price (``cost_usd``,
   ``cost_usd_per_m``) of an instance without a capex limit a price enters no constraint, so the optimum
   Z(p) = min over plans of (a + u p) is a concave function of the price p. Certificate: when the solve at
   the crossing x proves (its bound) that no plan costs less there than the lo plan's cost line by more
   than the MIP gap, then, with the lo plan optimal at its end (to the gap), concavity puts Z above the
   chord between the two, which is the lo plan's own line: the lo plan stays optimal (to the gap) over
   the whole interval up to x. The same for the hi plan from x on. When both hold the break-even is x,
   confirmed by one solve instead of a solve on each side; the bracket reported is ``BRACKET`` either side
   of x (where the other plan is worse by at least twice the gap). When only one holds, that end moves to
   x; when neither does, the solve found a third, cheaper plan, which becomes the new lo (it keeps the
   watched choices) or hi end, as a secant search. A figure on its own model (step 5) has the certificate
   too: there only its cost vector moves. A figure without it (one solved in full that is not a price: a
   reliability figure, whose objective need not be linear, a power figure under a power cap, or any
   figure under a capex limit) moves the end its solve's choices belong to. The break-even is confirmed
   once the lo and hi ends, each solved (or certified), are at most ``2 x BRACKET`` apart; after
   ``MAX_ROUNDS`` solves of one search the bracket found is reported unconfirmed. Groups that change at
   a later value of the same figure are searched on from there. A group whose change costs less than the
   MIP gap may show at the first break-even of the figure: on either side of it both plans are optimal
   to the gap. Without confirmation (``confirm=False``) the first crossing is reported as it is,
   unsolved.
4. Every solve gets a MIP start (``optimizer.core.start``): the base plan for the solves past the adverse
   ends, the plan of the cheaper end at the crossing for a bracket's solve (feasible: prices do not
   change feasibility; HiGHS ignores a start that is not).
5. The figure's own model (``FigureModels``). A figure that enters only the objective, linearly (a catalogue
   ``cost_usd``, ``cost_usd_per_m`` or ``cpo_premium_fraction`` without a capex limit, a ``power_w`` without a power
   cap or ``facility`` section, an ``economics`` energy figure without a power cap; no reliability section, no routed
   demands), is solved on one MILP built once for the plan: the instance's model without dominance pruning, whose
   cost vector at value x is c0 + (x - value) g. The gradient g is read from the data derived with the figure at its
   far value (optics figures of items no option uses together share one derivation; a far value that changes the
   model's columns, e.g. a module's power past a cage's limit, leaves the figure to full solves). A column is bounded
   to 0 over the figure's segment (value to far value) only where another column of its group dominates it at both
   ends (the rule of ``prune_dominated`` with each end's cost and power): costs are linear along the segment, so the
   dominance holds all along it and the optimum is unchanged. A plan is its column vector, priced at any value as the
   cost vector times it (no re-derivation). When at most ``MAX_SPLIT`` ways exist to give every switch group one
   model, a solve is one MILP per way (the other models' ``z`` bounded to 0) and their best: every group takes
   exactly one model, so the least of the parts is the optimum and the least of their bounds a bound (the whole MILP
   is slow to prove near a tie between models, where each part is not). A solve counts once however many parts it
   has. Solves of the one model skip HiGHS's feasibility-jump heuristic (a MIP start is always given; the optimum is
   unchanged).
6. Shared rays. Figures on the one model whose gradients are parallel (a switch's price, premium and
   power all move its choice's cost) and move the costs the same way share one search: the follower at
   v2 + s is the leader at v1 + a s (g2 = a g1), the leader is the one moving the costs furthest, and the
   follower's break-evens and brackets are the leader's mapped back, those within its own segment.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.core.edit import RELIABILITY_FIELDS
from optimizer.core.solve import SolveOptions
from optimizer.studies.guards import refuse_inside_starting_worker, require_distributed
from optimizer.studies.robustness import Figure, PriceBook, link_choices, switch_choices, uncertain_figures
from optimizer.studies.sweep import apply_overrides

SCREEN_MARGIN = 0.25
"""A figure is solved when, at the adverse end of its range, the chosen option is less than this fraction
cheaper per Gb/s than its runner-up."""
BRACKET = 2e-3
"""Half-width of the confirming bracket around a break-even, as a fraction of the figure's range (at least
what makes the two plans' objectives differ by twice the MIP gap: closer to the crossing a solve may return
either plan, and HiGHS takes long to tell near-equal plans apart)."""
MIN_EFFECT = 0.01
"""... and when its move changes the gap between the two by at least this fraction of the chosen option's
per-Gb/s coefficient (a choice that flips on a smaller change is a near tie, not a decision driver)."""
MAX_ROUNDS = 6
EXTEND = 1.0
"""Each kept figure is solved this many times the distance from its value to the adverse end of its range
beyond that end (not below 0), so that a break-even just outside the range is found too (and reported as
robust); 0: at the adverse end itself."""


@dataclass
class Driver:
    """One figure that flips (or could flip) a group's choice."""

    kind: str
    """``link`` or ``switch``."""
    group: str
    choice: str
    """The group's choice in the plan."""
    figure: str
    """The figure's path (``catalog.<id>.<field>``)."""
    value: float
    low: float
    high: float
    relative: bool
    direction: str
    """``>`` when the choice changes as the figure rises, ``<`` as it falls."""
    breakeven: float | None
    """Where the choice changes (None: it does not change within the range)."""
    below: float | None
    above: float | None
    """The confirming bracket (below < above): values on each side of the break-even where the choice is
    known, by a solve or by the certificate of the module docstring's step 3."""
    new_choice: str
    """The group's choice past the break-even ("" when robust)."""
    robust: bool
    """True when the break-even lies outside the range (the choice holds over the whole range)."""
    confirmed: bool
    """True when the bracket was solved on both sides and brackets only this change."""

    def text(self) -> str:
        """One line for a planner, e.g. ``leaf: th5-cpo until catalog.th5-cpo.cost_usd > 1.16 x (range
        0.75-1.25 x): NOT robust``; a figure given relative to its value is shown as a factor of it."""
        if self.relative and self.value:
            scale, unit = self.value, " x"
        else:
            scale, unit = 1.0, ""

        def shown(x: float) -> str:
            return f"{x / scale:.3g}{unit}" if unit else f"{x:,.6g}"

        low = f"{self.low / scale:.3g}" if unit else shown(self.low)
        rng = f"range {low}-{shown(self.high)}"
        if self.breakeven is None:
            return f"{self.group}: {self.choice} holds over {self.figure} ({rng}): robust"
        verdict = "robust" if self.robust else "NOT robust"
        return (
            f"{self.group}: {self.choice} until {self.figure} {self.direction} {shown(self.breakeven)} ({rng}), "
            f"then {self.new_choice}: {verdict}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "text": self.text()}


@dataclass
class DriversResult:
    """Decision drivers of a plan, the figures screened and the solves made."""

    drivers: list[Driver]
    screened: list[str]
    """Figures kept by the screen (each solved at its adverse end)."""
    figures: int
    """Uncertain figures of the instance."""
    solves: int
    """Solves made: full solves and solves on a figure's own model (one however many parts it has)."""


def _choices(row: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    out = {("link", g): c for g, c in (row.get("choices") or {}).items()}
    out.update({("switch", g): m for g, m in (row.get("models") or {}).items()})
    return out


def solve_point(task: dict[str, Any], shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """Solve the instance with one figure at one value (runs on a worker); never raises.

    ``task["start"]`` (optional): a MIP start (``optimizer.core.start.plan_start``), e.g. the plan expected
    to be optimal there. Returns status, objective, the plan's choices and its plan.json mapping (for
    re-pricing)."""
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve

    shared = shared if shared is not None else task
    row: dict[str, Any] = {"status": "error"}
    try:
        doc = apply_overrides(shared["document"], {task["path"]: task["value"]}, {}, task["base_dir"])
        instance = load_instance(doc, base_dir=task["base_dir"])
        plan = solve(instance, SolveOptions(**task["options"]), mip_start=task.get("start"))
        row.update(status=str(plan.status), objective=plan.objective)
        if plan.totals is not None:
            row.update(choices=link_choices(plan), models=switch_choices(plan), plan=plan.to_dict())
    except Exception as exc:  # a worker reports failures as data
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    return row


def _start_of(plan_doc: Mapping[str, Any]) -> dict[str, list[list[Any]]]:
    """The MIP start (``optimizer.core.start.plan_start``) of a plan.json mapping."""
    return {
        "links": [[r["group"], r["option"], r["count"]] for r in plan_doc.get("links") or []],
        "nodes": [[r["group"], r["model"], r["count"]] for r in plan_doc.get("nodes") or []],
    }


def _reprice(task: dict[str, Any], shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """The objective of given plans with one figure at one value (runs on a worker); never raises."""
    from optimizer.core.load import load_instance
    from optimizer.core.verify import plan_objective

    shared = shared if shared is not None else task
    try:
        doc = apply_overrides(shared["document"], {task["path"]: task["value"]}, {}, task["base_dir"])
        instance = load_instance(doc, base_dir=task["base_dir"])
        return {"objectives": [plan_objective(instance, p, task["mode"]) for p in task["plans"]]}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def screen(instance: Any, plan: Any, figures: list[Figure], margin: float = SCREEN_MARGIN) -> list[Figure]:
    """The figures worth a solve (step 1 of the module docstring), in the order given."""
    from optimizer.core.data import build_data

    data = build_data(instance, prune=False)
    cost_w, power_w = _objective_weights(data)
    chosen = link_choices(plan)
    models = switch_choices(plan)
    used: set[str] = set()
    for row in plan.links.itertuples():
        used.update(str(row.option).split("+"))
    used |= set(models.values())
    coef = _coefficients(data)
    # per group: (units per link of the chosen option, of the runner-up, their per-Gb/s coefficients, speeds)
    pairs: list[tuple[dict[str, float], dict[str, float], float, float, float, float]] = []
    for g in data.groups:
        cols = g.cols
        if not cols or g.id not in chosen:
            continue
        picked = set(chosen[g.id].split(" | "))
        mine = [c for c in cols if data.col_option[c].id in picked]
        others = [c for c in cols if data.col_option[c].id not in picked]
        if not mine or not others:
            continue
        per = {c: coef[0][c] / data.col_option[c].speed_gbps for c in cols}
        best_mine = min(mine, key=per.__getitem__)
        runner = min(others, key=per.__getitem__)
        pairs.append(
            (
                _units(data.col_option[best_mine].items),
                _units(data.col_option[runner].items),
                per[best_mine],
                per[runner],
                data.col_option[best_mine].speed_gbps,
                data.col_option[runner].speed_gbps,
            )
        )
    for sg in data.switch_groups:
        model = models.get(sg.id)
        if model is None:
            continue
        mine = [k for k in sg.choices if data.choice_model[k] == model]
        others = [k for k in sg.choices if data.choice_model[k] != model]
        if not mine or not others:
            continue
        per = {k: coef[1][k] / data.choice_capacity_gbps[k] for k in sg.choices}
        runner = min(others, key=per.__getitem__)
        pairs.append(
            (
                {model: 1.0},
                {data.choice_model[runner]: 1.0},
                per[mine[0]],
                per[runner],
                data.choice_capacity_gbps[mine[0]],
                data.choice_capacity_gbps[runner],
            )
        )
    relevant = used | {item for _, r, _, _, _, _ in pairs for item in r}
    switches = instance.resolved_catalog.switches
    switch_cost_usd = {sw.id: sw.cost_usd for sw in switches}
    switch_premium = {sw.id: sw.cpo_premium_fraction for sw in switches}
    kept = []
    for f in figures:
        if f.item not in relevant or f.high <= f.low:  # a firm figure cannot move
            continue
        name = f.name
        if name in RELIABILITY_FIELDS or name == "cost_usd_per_m":
            kept.append(f)
            continue
        if name == "cpo_premium_fraction":  # a switch pays cost_usd x (1 + premium): a price per unit of premium
            weight = cost_w * switch_cost_usd.get(f.item, 0.0)
        elif name == "cost_usd":  # a CPO switch pays its premium on top of the figure
            weight = cost_w * (1.0 + switch_premium.get(f.item, 0.0))
        else:
            weight = power_w
        adverse = f.high if f.item in used else f.low
        delta = (adverse - f.value) * weight
        for mine_units, other_units, per_mine, per_other, speed_mine, speed_other in pairs:
            if f.item not in mine_units and f.item not in other_units:
                continue
            new_mine = per_mine + mine_units.get(f.item, 0.0) * delta / speed_mine
            new_other = per_other + other_units.get(f.item, 0.0) * delta / speed_other
            effect = abs((new_mine - per_mine) - (new_other - per_other))
            if new_mine > new_other * (1 - margin) and effect >= MIN_EFFECT * abs(per_mine):
                kept.append(f)
                break
    return kept


def _units(items: tuple[tuple[str, int], ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item, units in items:
        out[item] = out.get(item, 0.0) + units
    return out


def _objective_weights(data: Any) -> tuple[float, float]:
    """d(objective)/d(cost_usd) and d(objective)/d(power_w) of one unit."""
    per_w = data.energy_usd_per_w + (data.site.usd_per_w if data.site is not None else 0.0)
    return {
        "tco": (1.0, per_w),
        "capex": (1.0, 0.0),
        "power": (0.0, 1.0),
    }.get(data.objective, (data.weights_capex, data.weights_power))


def _coefficients(data: Any) -> tuple[list[float], list[float]]:
    return data.objective_coefficients()  # type: ignore[no-any-return]


def plan_drivers(
    document: Mapping[str, Any],
    *,
    base_dir: str | Path = ".",
    options: SolveOptions | None = None,
    price_book: PriceBook | None = None,
    plan: Any = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    margin: float = SCREEN_MARGIN,
    extend: float = EXTEND,
    confirm: bool = True,
    starts: bool = True,
    one_model: bool = True,
) -> DriversResult:
    """The decision drivers of the instance's optimal plan (see the module docstring).

    Args:
        document: the instance mapping (with a price book's values already applied).
        base_dir: folder relative paths of the instance resolve against.
        options: solve options (default: threads 1).
        price_book: ranges replacing the others (``optimizer.studies.robustness.read_price_book``).
        plan: the plan of the document (solved here when not given).
        workers, scheduler: where the full solves run (``optimizer.studies.executor``); the solves on a
            figure's own model run in this process.
        margin: the screen's margin (``SCREEN_MARGIN``).
        extend: how far past the adverse end each figure is solved (``EXTEND``; 0: at the end itself).
        confirm: bracket each break-even by solves (step 3); False: report where the base plan's and the
            new plan's cost lines cross, unsolved (``confirmed`` false; exact unless a third plan is
            cheaper in between), for one solve per kept figure in all.
        starts: give every solve a MIP start (step 4 of the module docstring); False: solve each from
            scratch (the same choices, slower near a tie).
        one_model: solve the figures that allow it on the figure's own model and share searches along one
            cost ray (steps 5 and 6); False: every solve loads and solves the instance in full (the same
            drivers, slower; on the executor's workers).
    """
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve
    from optimizer.studies.executor import TaskRunner

    refuse_inside_starting_worker("optimizer.plan_drivers")
    if scheduler:
        require_distributed()
    options = options or SolveOptions(threads=1)
    opts = dataclasses.asdict(options)
    opts.pop("progress", None)
    mode = opts.get("objective")
    gap = float(opts.get("mip_rel_gap") or 0.0)
    instance = load_instance(document, base_dir=base_dir)
    if plan is None:
        plan = solve(instance, options)
    figures = uncertain_figures(instance, price_book)
    if plan.totals is None:
        return DriversResult([], [], len(figures), 0)
    base_doc = plan.to_dict()
    base_row = {"choices": link_choices(plan), "models": switch_choices(plan)}
    base_choice = _choices(base_row)
    kept = screen(instance, plan, figures, margin)
    base_dir_s = str(Path(base_dir).resolve())
    used_items = {p for r in plan.links.itertuples() for p in str(r.option).split("+")} | set(
        switch_choices(plan).values()
    )
    solves = {"n": 0}
    drivers: list[Driver] = []
    base_bound = -math.inf
    if str(plan.status) == "optimal" and plan.bound is not None and math.isfinite(float(plan.bound)):
        base_bound = float(plan.bound)

    fast = FigureModels(instance, plan, options) if one_model and kept else None
    adverse = {f.path: (f.high if f.item in used_items else f.low) for f in kept}
    far = {p: max(x + extend * (x - f.value), 0.0) for f in kept for p, x in [(f.path, adverse[f.path])]}
    on_one = fast.prepare(kept, far) if fast is not None else set()
    # figures moving the plan's costs along one ray share their searches (step 6 of the module docstring)
    follows = _shared_rays([f for f in kept if f.path in on_one], far, fast) if fast is not None else {}
    searched = [f for f in kept if f.path not in follows]

    with TaskRunner(workers, scheduler, shared={"document": dict(document)}) as runner:

        def run(fn: Any, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = [{"status": "error"}] * len(tasks)

            def got(i: int, row: dict[str, Any]) -> None:
                out[i] = row

            def lost(i: int, message: str) -> None:
                out[i] = {"status": "error", "message": message}

            if tasks:
                runner.run(fn, tasks, got, lost)
            if fn is solve_point:
                solves["n"] += len(tasks)
            return out

        def solve_all(asked: list[tuple[Figure, float, Any]]) -> list[dict[str, Any]]:
            """Solve each (figure, value, start plan): on the figure's model (step 5) or in full."""
            out: list[dict[str, Any]] = [{"status": "error"}] * len(asked)
            full: list[int] = []
            for j, (f, x, near) in enumerate(asked):
                if f.path in on_one and fast is not None:
                    out[j] = fast.solve(f, x, near if starts else None)
                else:
                    full.append(j)
            tasks = [
                {
                    "path": asked[j][0].path,
                    "value": asked[j][1],
                    "base_dir": base_dir_s,
                    "options": opts,
                    "start": _start_of(asked[j][2]) if starts else None,
                }
                for j in full
            ]
            for j, row in zip(full, run(solve_point, tasks), strict=True):
                if "plan" in row:
                    row = {**row, "bound": row["plan"].get("bound")}
                out[j] = row
            return out

        def price_all(asked: list[tuple[Figure, float, Any]]) -> list[float]:
            """The objective of each (figure, value, plan)."""
            out = [math.nan] * len(asked)
            full: list[int] = []
            for j, (f, x, other) in enumerate(asked):
                if f.path in on_one and fast is not None:
                    out[j] = fast.price(f, x, other)
                else:
                    full.append(j)
            tasks = [
                {"path": asked[j][0].path, "value": asked[j][1], "plans": [asked[j][2]], "mode": mode}
                | {"base_dir": base_dir_s}
                for j in full
            ]
            for j, row in zip(full, run(_reprice, tasks), strict=True):
                out[j] = (row.get("objectives") or [math.nan])[0]
            return out

        def solved(row: Mapping[str, Any]) -> bool:
            return row.get("status") in ("optimal", "feasible") and "plan" in row

        def base_of(f: Figure) -> Any:
            return fast.base if f.path in on_one and fast is not None else base_doc

        ends = solve_all([(f, far[f.path], base_of(f)) for f in searched])

        # one search per (figure, groups still to change): "lo" keeps those groups' base choices, "hi" does not;
        # each end is a point {x, plan (a plan.json mapping, or a column vector on the figure's model), obj,
        # bound (-inf unless solved to optimality), row (choices)}
        def at(x: float, row: Mapping[str, Any]) -> dict[str, Any]:
            bound = row.get("bound")
            sure = row.get("status") == "optimal" and bound is not None and math.isfinite(float(bound))
            b = float(bound) if sure else -math.inf  # type: ignore[arg-type]
            return {"x": x, "plan": row["plan"], "obj": float(row["objective"]), "bound": b, "row": row}

        capex_free = instance.limits.max_capex_usd is None
        state: list[dict[str, Any]] = []
        for f, row in zip(searched, ends, strict=True):
            if not solved(row):
                continue
            watch = frozenset(k for k, c in base_choice.items() if _choices(row).get(k) != c)
            if watch:
                hi = at(far[f.path], row)
                linear = f.path in on_one or (capex_free and f.name in ("cost_usd", "cost_usd_per_m"))
                lo = {
                    "x": f.value,
                    "plan": base_of(f),
                    "obj": fast.price(f, f.value, fast.base) if f.path in on_one and fast else float(plan.objective),
                    "bound": base_bound,
                    "row": base_row,
                }
                state.append({"f": f, "lo": lo, "hi": hi, "far": hi, "watch": watch, "linear": linear, "n": 0})
        # (figure, break-even, bracket below, above, the row past it, groups changed there, confirmed)
        found: list[tuple[Figure, float, float | None, float | None, Mapping[str, Any], frozenset[Any], bool]] = []

        def changed_in(row: Mapping[str, Any], watch: frozenset[Any]) -> frozenset[Any]:
            got = _choices(row)
            return frozenset(k for k in watch if got.get(k) != base_choice[k])

        def settle(st: dict[str, Any], x: float, above: dict[str, Any], bracket: tuple[float, float]) -> None:
            """A confirmed change at ``x``: record it and search on for the groups that change later."""
            changed = changed_in(above["row"], st["watch"])
            found.append((st["f"], x, min(bracket), max(bracket), above["row"], changed, True))
            rest = st["watch"] - changed
            if rest and _sign(st["far"]["x"] - above["x"]) == _sign(st["far"]["x"] - st["lo"]["x"]):
                nxt.append({**st, "lo": above, "hi": st["far"], "watch": rest, "n": 0})

        rounds = 0
        while state and rounds < MAX_ROUNDS * 3:
            rounds += 1
            priced = price_all(
                [
                    (st["f"], x, other)
                    for st in state
                    for x, other in ((st["lo"]["x"], st["hi"]["plan"]), (st["hi"]["x"], st["lo"]["plan"]))
                ]
            )
            nxt: list[dict[str, Any]] = []
            asked: list[dict[str, Any]] = []
            tasks: list[tuple[Figure, float, Any]] = []
            for j, st in enumerate(state):
                lo, hi, f = st["lo"], st["hi"], st["f"]
                xl, xh, ol, oh = lo["x"], hi["x"], lo["obj"], hi["obj"]
                hi_at_lo, lo_at_hi = priced[2 * j], priced[2 * j + 1]
                x = _crossing(xl, xh, ol, lo_at_hi, hi_at_lo, oh)
                eps = BRACKET * max(f.high - f.low, abs(f.value) * 1e-3, 1e-9)
                # the two plans' objectives must differ by more than the MIP gap on each side of the
                # crossing, or a solve there may return either plan
                slopes = abs((lo_at_hi - ol) - (oh - hi_at_lo)) / abs(xh - xl) if xh != xl else 0.0
                if slopes > 0 and math.isfinite(slopes):
                    eps = max(eps, 2.0 * gap * max(abs(ol), abs(oh)) / slopes)
                step = eps if xh > xl else -eps
                if not confirm:  # the crossing of the two plans' cost lines, unsolved
                    found.append((f, x, None, None, hi["row"], st["watch"], False))
                    continue
                if abs(xh - xl) <= 2 * eps * (1 + 1e-9):  # solved on both sides of a bracket this narrow
                    x = min(max(x, min(xl, xh)), max(xl, xh))
                    settle(st, x, hi, (min(xl, xh), max(xl, xh)))
                    continue
                if st["n"] >= MAX_ROUNDS:  # report the bracket found
                    changed = changed_in(hi["row"], st["watch"])
                    found.append((f, (xl + xh) / 2, min(xl, xh), max(xl, xh), hi["row"], changed, False))
                    continue
                x = min(max(x, min(xl, xh) + eps), max(xl, xh) - eps)
                t = (x - xl) / (xh - xl)
                lo_x, hi_x = ol + t * (lo_at_hi - ol), hi_at_lo + t * (oh - hi_at_lo)
                st.update(x=x, step=step, lo_x=lo_x, hi_x=hi_x, n=st["n"] + 1)
                asked.append(st)
                tasks.append((f, x, lo["plan"] if lo_x <= hi_x else hi["plan"]))
            rows = solve_all(tasks)
            for st, row in zip(asked, rows, strict=True):
                if not solved(row):
                    continue
                lo, hi, x, step, lo_x, hi_x = st["lo"], st["hi"], st["x"], st["step"], st["lo_x"], st["hi_x"]
                got = at(x, row)
                # certificate (module docstring, step 3): no plan is cheaper at x than the lo (hi) plan by
                # more than the gap, so by concavity that plan stays optimal from its end up to x
                ends_sure = st["linear"] and lo["bound"] > -math.inf and hi["bound"] > -math.inf
                tol = gap * max(abs(lo_x), abs(hi_x)) + 1e-12 * max(abs(lo_x), abs(hi_x), 1.0)
                sure_lo = ends_sure and got["bound"] >= lo_x - tol
                sure_hi = ends_sure and got["bound"] >= hi_x - tol
                if sure_lo and sure_hi:  # the lo plan is optimal up to x, the hi plan from x on
                    settle(st, x, {**hi, "x": x, "obj": hi_x, "bound": got["bound"]}, (x - step, x + step))
                    continue
                if sure_lo:
                    st["lo"] = {**lo, "x": x, "obj": lo_x, "bound": got["bound"]}
                elif sure_hi:
                    st["hi"] = {**hi, "x": x, "obj": hi_x, "bound": got["bound"]}
                elif not changed_in(row, st["watch"]):
                    st["lo"] = got
                else:
                    st["hi"] = got
                nxt.append(st)
            state = nxt
        by_leader: dict[str, list[tuple[Figure, float]]] = {}
        for f2 in kept:
            if f2.path in follows:
                leader, a = follows[f2.path]
                by_leader.setdefault(leader.path, []).append((f2, a))
        for f, value, below_x, above_x, after_row, changed, confirmed in list(found):
            for f2, a in by_leader.get(f.path, []):
                # the leader at x is the follower at v2 + (x - v1) / a; kept when within the follower's segment
                def back(x: float | None, f2: Figure = f2, a: float = a, f: Figure = f) -> float | None:
                    return None if x is None else f2.value + (x - f.value) / a

                x2 = back(value)
                assert x2 is not None
                if min(f2.value, far[f2.path]) <= x2 <= max(f2.value, far[f2.path]):
                    ends2 = [back(below_x), back(above_x)]
                    lo2 = None if ends2[0] is None or ends2[1] is None else min(ends2)  # type: ignore[type-var]
                    hi2 = None if ends2[0] is None or ends2[1] is None else max(ends2)  # type: ignore[type-var]
                    found.append((f2, x2, lo2, hi2, after_row, changed, confirmed))
        for f, value, below_x, above_x, after_row, changed, confirmed in found:
            after = _choices(after_row)
            for key in sorted(changed):
                drivers.append(
                    Driver(
                        kind=key[0],
                        group=key[1],
                        choice=base_choice[key],
                        figure=f.path,
                        value=f.value,
                        low=f.low,
                        high=f.high,
                        relative=f.relative,
                        direction=">" if value > f.value else "<",
                        breakeven=value,
                        below=below_x,
                        above=above_x,
                        new_choice=str(after.get(key, "(none)")),
                        robust=not (f.low <= value <= f.high),
                        confirmed=confirmed,
                    )
                )
    drivers.sort(key=lambda d: (d.kind, d.group, d.robust, d.figure))
    solves["n"] += fast.solves if fast is not None else 0
    return DriversResult(drivers, [f.path for f in kept], len(figures), solves["n"])


# ------------------------------------------------------------------------------ re-solves on one model
LINEAR_FIELDS = ("cost_usd", "cost_usd_per_m", "cpo_premium_fraction", "power_w")
"""Catalogue fields a figure may move on the figure's own model (step 5 of the module docstring): each
enters the objective linearly (a CPO switch pays ``cost_usd x (1 + cpo_premium_fraction)``: linear in
each) and, under the conditions of ``FigureModels.prepare``, no constraint."""
MAX_SPLIT = 32
"""Most ways to give every switch group one model for which a re-solve is split into one MILP per way."""
ECONOMICS_FIELDS = ("electricity_usd_per_kwh", "pue", "years")


class FigureModels:
    """The instance's MILP built once without pruning (``build_arrays``), re-solved per figure value with
    only its objective and column bounds changed (step 5 of the module docstring). A plan is its column
    vector; its objective at a value is the cost vector there times the vector, exactly as HiGHS sees it."""

    def __init__(self, instance: Any, plan: Any, options: SolveOptions) -> None:
        from optimizer.core.data import build_data
        from optimizer.core.model import build_arrays
        from optimizer.core.model.linear import column_values, first_column, record
        from optimizer.core.start import apply_start, plan_start

        self.instance = instance
        self.options = dataclasses.replace(options, warm_start=True, progress=None, feasibility_jump=False)
        mode = options.objective
        self.mode = mode
        self.usable = options.solver == "highs" and options.interface == "direct" and not instance.demands
        if not self.usable or instance.reliability is not None:
            self.usable = False
            return
        self.data = build_data(instance, objective=mode, prune=False, reduce=True)  # type: ignore[arg-type]
        d = self.data
        if d.routing is not None or d.reliability is not None or d.elastic is not None:
            self.usable = False
            return
        self.model: Any = build_arrays(d)
        m: Any = self.model
        self.rec = record(m)
        self.cost = np.array(self.rec.cost, dtype=np.float64)
        self.first_n, self.first_k = first_column(m, m.n), first_column(m, m.k)
        self.upper = np.array(m.n.upper, dtype=np.float64)
        if not apply_start(m, d, plan_start(plan)):  # a column the unpruned model lacks: never expected
            self.usable = False
            return
        self.base = np.nan_to_num(column_values(m), nan=0.0)
        self.columns = [(d.col_group[i], d.col_option[i].id) for i in range(d.n_cols)]
        self.lines: dict[str, tuple[np.ndarray, np.ndarray, float] | None] = {}
        self.dominance: _Dominance | None = None
        self.solves = 0
        self.first_z = first_column(m, m.z)
        ways = math.prod(len(sg.choices) for sg in d.switch_groups)
        self.splits: list[tuple[int, ...]] | None = None
        if 1 < ways <= MAX_SPLIT:
            self.splits = list(itertools.product(*[sg.choices for sg in d.switch_groups]))

    def prepare(self, figures: list[Figure], far: Mapping[str, float]) -> set[str]:
        """Find the line (``lines``) of each figure that can move on this model between its value and its
        ``far`` value; returns their paths. A figure cannot when it may enter a constraint (a price under
        a capex limit, a power figure under a power cap), is no linear field, or moving it changes the
        model's columns. Transceiver and cable figures of items no option uses together are moved
        together in one derivation of the data (each column's change belongs to the one item it uses)."""
        if not self.usable:
            return set()
        d = self.data
        items_of = [{item for item, _ in o.items} for o in d.col_option]
        index = self.instance.resolved_catalog
        optics = {t.id for t in index.transceivers} | {c.id for c in index.cables}
        batches: list[list[Figure]] = []
        taken: list[set[str]] = []
        for f in figures:
            parts = f.path.split(".")
            if not self._eligible(parts, f.value, far[f.path]):
                self.lines[f.path] = None
                continue
            item = parts[1] if parts[0] == "catalog" and parts[1] in optics else None
            for batch, items in zip(batches, taken, strict=True):
                if item is None or item in items or not all(x is not None for x in items):
                    continue
                if any(item in used and used & items for used in items_of):
                    continue  # an option uses this item with one of the batch's
                batch.append(f)
                items.add(item)
                break
            else:
                batches.append([f])
                taken.append({item} if item is not None else {None})  # type: ignore[arg-type]
        for batch in batches:
            if not self._derive(batch, far, items_of):
                for f in batch:
                    self._derive([f], far, items_of)
        return {p for p, line in self.lines.items() if line is not None}

    def _eligible(self, parts: list[str], value: float, far: float) -> bool:
        d = self.data
        if far == value:
            return False
        if parts[0] == "economics":
            return len(parts) == 2 and parts[1] in ECONOMICS_FIELDS and d.max_power_w is None
        if parts[0] != "catalog" or len(parts) != 3 or parts[2] not in LINEAR_FIELDS:
            return False
        if parts[2] == "power_w":  # a power figure enters the power cap and the facility's power rows
            return d.max_power_w is None and d.facility is None
        return d.max_capex_usd is None  # a price enters the capex limit

    def _derive(self, batch: list[Figure], far: Mapping[str, float], items_of: list[set[str]]) -> bool:
        """Set the lines of ``batch`` from one derivation with all its figures at their far values; False
        when a changed cost does not belong to exactly one of them (then each is derived alone)."""
        from optimizer.core.data import build_data

        d = self.data
        moved = self.instance
        for f in batch:
            moved = _moved(moved, f.path.split("."), far[f.path])
            if moved is None:
                break
        d_far = None if moved is None else build_data(moved, objective=self.mode, prune=False, reduce=True)  # type: ignore[arg-type]
        if d_far is None or (
            [(d_far.col_group[i], d_far.col_option[i].id) for i in range(d_far.n_cols)] != self.columns
            or d_far.choice_model != d.choice_model
            or d_far.max_power_w != d.max_power_w
        ):
            if len(batch) > 1:
                return False
            self.lines[batch[0].path] = None
            return True
        col0, choice0 = (np.asarray(v, dtype=np.float64) for v in d.objective_coefficients())
        col1, choice1 = (np.asarray(v, dtype=np.float64) for v in d_far.objective_coefficients())
        d_col, d_choice = col1 - col0, choice1 - choice0
        owner_col = np.full(len(d_col), -1)
        owner_choice = np.full(len(d_choice), -1)
        changed_opt = [
            o0.cost_usd != o1.cost_usd or o0.power_w != o1.power_w
            for o0, o1 in zip(d.col_option, d_far.col_option, strict=True)
        ]
        if len(batch) == 1:
            owner_col[:] = 0
            owner_choice[:] = 0
        else:  # optics only: each changed column uses exactly one of the batch's items
            items = [f.path.split(".")[1] for f in batch]
            for i in range(len(d_col)):
                owners = [j for j, item in enumerate(items) if item in items_of[i]]
                if len(owners) == 1:
                    owner_col[i] = owners[0]
                elif d_col[i] != 0 or changed_opt[i]:
                    return False
            if np.any(d_choice != 0):
                return False
        if self.dominance is None:
            self.dominance = _Dominance(self.instance, d)
        for j, f in enumerate(batch):
            step = far[f.path] - f.value
            grad = np.zeros_like(self.cost)
            grad[self.first_n : self.first_n + len(d_col)] = np.where(owner_col == j, d_col, 0.0) / step
            grad[self.first_k : self.first_k + len(d_choice)] = np.where(owner_choice == j, d_choice, 0.0) / step
            options1 = [
                o1 if owner_col[i] == j else o0
                for i, (o0, o1) in enumerate(zip(d.col_option, d_far.col_option, strict=True))
            ]
            upper = self.upper.copy()
            upper[self.dominance.removed(options1)] = 0.0
            self.lines[f.path] = (grad, upper, f.value)
        return True

    def choices(self, x: np.ndarray) -> dict[str, Any]:
        """The row of a plan vector: its link choices and switch models (as ``link_choices``)."""
        d = self.data
        links: dict[str, set[str]] = {}
        for i in range(d.n_cols):
            if x[self.first_n + i] > 0.5:
                links.setdefault(d.groups[d.col_group[i]].id, set()).add(d.col_option[i].id)
        models = {
            d.switch_groups[d.choice_group[q]].id: d.choice_model[q]
            for q in range(len(d.choice_model))
            if x[self.first_k + q] > 0.5
        }
        return {"choices": {g: " | ".join(sorted(o)) for g, o in links.items()}, "models": models}

    def price(self, f: Figure, value: float, x: np.ndarray) -> float:
        """The objective of plan vector ``x`` with the figure at ``value``."""
        grad, _, v0 = self.lines[f.path]  # type: ignore[misc]
        return float((self.cost + (value - v0) * grad) @ x + self.rec.offset)

    def solve(self, f: Figure, value: float, start: np.ndarray | None) -> dict[str, Any]:
        """Solve with the figure at ``value`` from the MIP start ``start`` (a plan vector); never raises.

        With at most ``MAX_SPLIT`` ways to give every switch group one model, one small MILP per way
        (the group's other models' ``z`` bounded to 0), and the best of them (step 5 of the module
        docstring); else the whole MILP."""
        from optimizer.core.model.linear import column_values, load_columns

        grad, upper, v0 = self.lines[f.path]  # type: ignore[misc]
        m = self.model
        self.solves += 1
        z_upper = np.array(m.z.upper, dtype=np.float64)
        try:
            self.rec.cost = self.cost + (value - v0) * grad
            m.n.upper[:] = upper
            if self.splits is None:
                load_columns(m, start if start is not None else np.full(len(self.base), np.nan))
                return self._row(self._solve_model(), column_values(m))
            parts = []
            for chosen in self.splits:
                m.z.upper[:] = 0.0
                m.z.upper[list(chosen)] = z_upper[list(chosen)]
                fits = start is not None and all(start[self.first_z + q] > 0.5 for q in chosen)
                load_columns(m, start if fits else np.full(len(self.base), np.nan))  # type: ignore[arg-type]
                parts.append((self._solve_model(), column_values(m)))
            return self._best(parts)
        except Exception as exc:  # a failed solve is data
            return {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
        finally:
            self.rec.cost = self.cost
            m.n.upper[:] = self.upper
            m.z.upper[:] = z_upper

    def _solve_model(self) -> Any:
        from optimizer.core.solve import solve_model

        return solve_model(self.model, self.options)

    def _row(self, report: Any, values: np.ndarray) -> dict[str, Any]:
        row: dict[str, Any] = {"status": str(report.status), "objective": report.objective, "bound": report.bound}
        if report.status.has_solution and report.objective is not None:
            x = np.nan_to_num(values, nan=0.0)
            row.update(self.choices(x), plan=x)
        return row

    def _best(self, parts: list[tuple[Any, np.ndarray]]) -> dict[str, Any]:
        """The row of the best of the split solves: its plan, the least objective, and the least bound
        (optimal when every part is optimal or infeasible, so no plan is missed)."""
        solved = [(r, v) for r, v in parts if r.status.has_solution and r.objective is not None]
        closed = all(str(r.status) in ("optimal", "infeasible") for r, _ in parts)
        if not solved:
            status = "infeasible" if all(str(r.status) == "infeasible" for r, _ in parts) else "no_solution"
            return {"status": status, "objective": None, "bound": None}
        report, values = min(solved, key=lambda rv: float(rv[0].objective))
        bounds = [r.bound for r, _ in parts if str(r.status) != "infeasible"]
        bound = min(bounds) if closed and all(b is not None for b in bounds) else None
        x = np.nan_to_num(values, nan=0.0)
        row = {"status": "optimal" if closed else "feasible", "objective": report.objective, "bound": bound}
        return {**row, **self.choices(x), "plan": x}


def _shared_rays(
    figures: list[Figure], far: Mapping[str, float], fast: FigureModels
) -> dict[str, tuple[Figure, float]]:
    """Figures whose move changes the costs along the same ray as another's longer move: follower path ->
    (leader, a), where the follower's gradient is ``a`` times the leader's (the follower at ``v2 + s`` is
    the leader at ``v1 + a s``) and the follower's whole segment maps into the leader's."""
    moves = []
    for f in figures:
        grad = fast.lines[f.path][0]  # type: ignore[index]
        moves.append((f, grad, (far[f.path] - f.value) * grad))
    out: dict[str, tuple[Figure, float]] = {}
    leaders: list[tuple[Figure, np.ndarray, np.ndarray]] = []
    for f, grad, move in sorted(moves, key=lambda t: -float(np.linalg.norm(t[2]))):
        size = float(np.linalg.norm(move))
        for lf, lgrad, lmove in leaders:
            a = float(grad @ lgrad) / float(lgrad @ lgrad)
            same_ray = float(np.linalg.norm(grad - a * lgrad)) <= 1e-9 * float(np.linalg.norm(grad))
            if a != 0 and same_ray and float(move @ lmove) > 0 and size <= float(np.linalg.norm(lmove)) * (1 + 1e-12):
                out[f.path] = (lf, a)
                break
        else:
            if size > 0:
                leaders.append((f, grad, move))
    return out


def _moved(instance: Any, parts: list[str], value: float) -> Any:
    """The instance with one linear figure at ``value``, or None for a path this does not cover.

    A plain copy with the one number replaced (pydantic's own ``model_copy``, which does not validate
    again: a figure's value within or past its range is a number of the field's kind, and every derived
    figure is recomputed by ``build_data`` from the copy)."""
    from pydantic import BaseModel

    def copied(model: Any, update: dict[str, Any]) -> Any:
        return BaseModel.model_copy(model, update=update)

    if parts[0] == "economics" and len(parts) == 2 and parts[1] in ECONOMICS_FIELDS:
        return copied(instance, {"economics": copied(instance.economics, {parts[1]: value})})
    if parts[0] != "catalog" or len(parts) != 3 or parts[2] not in LINEAR_FIELDS:
        return None
    catalog = instance.resolved_catalog
    update: dict[str, list[Any]] = {}
    for section in ("media", "transceivers", "cables", "switches"):
        entries = getattr(catalog, section)
        for j, entry in enumerate(entries):
            if entry.id == parts[1] and parts[2] in type(entry).model_fields:
                entries = list(entries)
                entries[j] = copied(entry, {parts[2]: value})
                update[section] = entries
    if not update:
        return None
    return copied(instance, {"catalog": copied(catalog, update)})


class _Dominance:
    """Which columns of a group another column dominates at both ends of a figure's segment (the rule of
    ``optimizer.core.options.prune_dominated``, with each column's cost and power at both ends): on the
    segment every cost and power is linear, so the dominance holds all along it, and removing the
    dominated columns never changes the optimum there (exact ties keep the first column). Stricter than
    the rule where that is simpler (latency compared on every path group, whole-unit parts always kept
    apart), which only keeps more columns."""

    def __init__(self, instance: Any, d: Any) -> None:
        from optimizer.core.catalog import CatalogIndex
        from optimizer.core.data import _compat

        index = CatalogIndex.of(instance.resolved_catalog)
        nodes = {n.id: n for n in instance.nodes}
        self.d = d
        self.protected = frozenset(instance.limits.supply)
        whole = {t.id for t in index.transceivers.values() if t.ends_per_module > 1}
        self.whole = whole | {c.id for c in index.cables.values() if c.links_per_cable > 1}
        on_path = {g for p in d.paths for g in p.steps}
        self.latency = [bool(instance.demands) or g.id in on_path for g in d.groups]
        self.compat = [
            _compat(nodes, index, d.groups[d.col_group[i]].a, d.groups[d.col_group[i]].b, o)
            for i, o in enumerate(d.col_option)
        ]
        self.base = {gi: self._group(gi, d.col_option) for gi in range(len(d.groups))}

    def removed(self, options1: list[Any]) -> list[int]:
        """The dominated columns over the segment from the base data to the columns' options ``options1``
        at its other end."""
        d0 = self.d
        touched = {
            d0.col_group[i]
            for i, (o0, o1) in enumerate(zip(d0.col_option, options1, strict=True))
            if o0.cost_usd != o1.cost_usd or o0.power_w != o1.power_w
        }
        return [
            i for gi in range(len(d0.groups)) for i in (self._group(gi, options1) if gi in touched else self.base[gi])
        ]

    def _group(self, gi: int, options1: list[Any]) -> list[int]:
        d0 = self.d
        cols = d0.groups[gi].cols
        latency = self.latency[gi]
        compat = self.compat
        out: list[int] = []
        for qi in cols:
            q0, q1 = d0.col_option[qi], options1[qi]
            for pi in cols:
                p0, p1 = d0.col_option[pi], options1[pi]
                if pi == qi or p0.speed_gbps != q0.speed_gbps:
                    continue
                if not (p0.power_w <= q0.power_w and p0.cost_usd <= q0.cost_usd):
                    continue
                if not (p1.power_w <= q1.power_w and p1.cost_usd <= q1.cost_usd):
                    continue
                if latency and p0.latency_ns > q0.latency_ns:
                    continue
                ends = zip(compat[pi], compat[qi], strict=True)
                if any(cp is not None and cq is not None and not cq <= cp for cp, cq in ends):
                    continue
                if p0.items != q0.items:
                    if any(item in self.protected for item, _ in p0.items):
                        continue
                    if ({i for i, _ in p0.items} | {i for i, _ in q0.items}) & self.whole:
                        continue
                if p0.protocols is not None and (q0.protocols is None or not q0.protocols <= p0.protocols):
                    continue
                tie = (
                    p0.power_w == q0.power_w
                    and p0.cost_usd == q0.cost_usd
                    and p1.power_w == q1.power_w
                    and p1.cost_usd == q1.cost_usd
                    and (p0.latency_ns == q0.latency_ns or not latency)
                    and compat[pi] == compat[qi]
                )
                if tie and pi > qi:
                    continue
                out.append(qi)
                break
        return out


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _crossing(xl: float, xh: float, ol: float, lo_at_hi: float, hi_at_lo: float, oh: float) -> float:
    """Where the line of the lower plan (ol at xl, lo_at_hi at xh) meets the line of the upper plan
    (hi_at_lo at xl, oh at xh); the midpoint when the lines do not cross between them."""
    d_lo = hi_at_lo - ol  # upper plan minus lower plan at xl (>= 0: the lower plan is optimal there)
    d_hi = oh - lo_at_hi  # at xh (<= 0)
    if not (math.isfinite(d_lo) and math.isfinite(d_hi)) or d_lo == d_hi:
        return (xl + xh) / 2
    t = d_lo / (d_lo - d_hi)
    return xl + min(max(t, 0.0), 1.0) * (xh - xl)
