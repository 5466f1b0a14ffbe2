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
   end further out, not below 0; all in parallel on the executor). A figure whose solve there keeps every
   choice is robust over its range and beyond.
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
   watched choices) or hi end, as a secant search. A figure without the certificate (a power figure, a
   reliability figure, whose objective need not be linear, or any figure under a capex limit) moves the
   end its solve's choices belong to. The break-even is confirmed once the lo and hi ends, each solved
   (or certified), are at most ``2 x BRACKET`` apart; after ``MAX_ROUNDS`` solves of one search the
   bracket found is reported unconfirmed. Groups that change at a later value of the same figure are
   searched on from there. A group whose change costs less than the MIP gap may show at the first
   break-even of the figure: on either side of it both plans are optimal to the gap. Without
   confirmation (``confirm=False``) the first crossing is reported as it is, unsolved.
4. Every solve gets a MIP start (``optimizer.core.start``): the base plan for the solves past the adverse
   ends, the plan of the cheaper end at the crossing for a bracket's solve (feasible: prices do not
   change feasibility; HiGHS ignores a start that is not).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
) -> DriversResult:
    """The decision drivers of the instance's optimal plan (see the module docstring).

    Args:
        document: the instance mapping (with a price book's values already applied).
        base_dir: folder relative paths of the instance resolve against.
        options: solve options (default: threads 1).
        price_book: ranges replacing the others (``optimizer.studies.robustness.read_price_book``).
        plan: the plan of the document (solved here when not given).
        workers, scheduler: where the solves run (``optimizer.studies.executor``).
        margin: the screen's margin (``SCREEN_MARGIN``).
        extend: how far past the adverse end each figure is solved (``EXTEND``; 0: at the end itself).
        confirm: bracket each break-even by solves (step 3); False: report where the base plan's and the
            new plan's cost lines cross, unsolved (``confirmed`` false; exact unless a third plan is
            cheaper in between), for one solve per kept figure in all.
        starts: give every solve a MIP start (step 4 of the module docstring); False: solve each from
            scratch (the same choices, slower near a tie).
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

        def point(f: Figure, x: float, near: Mapping[str, Any]) -> dict[str, Any]:
            """A solve of ``f`` at ``x`` started from the plan ``near`` (a plan.json mapping)."""
            start = _start_of(near) if starts else None
            return {"path": f.path, "value": x, "base_dir": base_dir_s, "options": opts, "start": start}

        def solved(row: Mapping[str, Any]) -> bool:
            return row.get("status") in ("optimal", "feasible") and "plan" in row

        adverse = {f.path: (f.high if f.item in used_items else f.low) for f in kept}
        far = {p: max(x + extend * (x - f.value), 0.0) for f in kept for p, x in [(f.path, adverse[f.path])]}
        ends = run(solve_point, [point(f, far[f.path], base_doc) for f in kept])

        # one search per (figure, groups still to change): "lo" keeps those groups' base choices, "hi" does not;
        # each end is a point {x, plan (plan.json), obj, bound (-inf unless solved to optimality), row (choices)}
        def at(x: float, row: Mapping[str, Any], doc: Mapping[str, Any], obj: float, bound: Any) -> dict[str, Any]:
            sure = str(doc.get("status")) == "optimal" and bound is not None and math.isfinite(float(bound))
            return {"x": x, "plan": doc, "obj": obj, "bound": float(bound) if sure else -math.inf, "row": row}

        base_pt = at(0.0, base_row, base_doc, float(plan.objective), plan.bound)
        capex_free = instance.limits.max_capex_usd is None
        state: list[dict[str, Any]] = []
        for f, row in zip(kept, ends, strict=True):
            if not solved(row):
                continue
            watch = frozenset(k for k, c in base_choice.items() if _choices(row).get(k) != c)
            if watch:
                hi = at(far[f.path], row, row["plan"], row["objective"], row["plan"].get("bound"))
                linear = capex_free and f.name in ("cost_usd", "cost_usd_per_m")
                lo = {**base_pt, "x": f.value}
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
            priced = run(
                _reprice,
                [
                    {"path": st["f"].path, "value": x, "plans": [other], "mode": mode, "base_dir": base_dir_s}
                    for st in state
                    for x, other in ((st["lo"]["x"], st["hi"]["plan"]), (st["hi"]["x"], st["lo"]["plan"]))
                ],
            )
            nxt: list[dict[str, Any]] = []
            asked: list[dict[str, Any]] = []
            tasks: list[dict[str, Any]] = []
            for j, st in enumerate(state):
                lo, hi, f = st["lo"], st["hi"], st["f"]
                xl, xh, ol, oh = lo["x"], hi["x"], lo["obj"], hi["obj"]
                hi_at_lo = (priced[2 * j].get("objectives") or [math.nan])[0]
                lo_at_hi = (priced[2 * j + 1].get("objectives") or [math.nan])[0]
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
                tasks.append(point(f, x, lo["plan"] if lo_x <= hi_x else hi["plan"]))
            rows = run(solve_point, tasks)
            for st, row in zip(asked, rows, strict=True):
                if not solved(row):
                    continue
                lo, hi, x, step, lo_x, hi_x = st["lo"], st["hi"], st["x"], st["step"], st["lo_x"], st["hi_x"]
                got = at(x, row, row["plan"], row["objective"], row["plan"].get("bound"))
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
    return DriversResult(drivers, [f.path for f in kept], len(figures), solves["n"])


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
