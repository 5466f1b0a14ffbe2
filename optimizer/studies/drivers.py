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
   the margin; failure and flap rates (whose cost is not per unit) pass whenever their item is used.
2. One solve per kept figure at the adverse end (all in parallel on the executor). A figure whose solve
   keeps every choice is robust over its range.
3. Break-even. For a figure whose solve changes choices, the plan's objective is linear in a price or a
   power figure, so the value where the base plan and the new plan cost the same is where the two cost
   lines cross: each plan is re-priced exactly at a second value (``optimizer.core.verify.plan_objective``
   from its decisions) and the crossing is solved just below and just above it (``BRACKET``). When the
   solve below keeps the base choices and the one above changes them, that bracket is the break-even; a
   third plan between the two (or a figure the objective is not linear in, e.g. an MTBF) moves the
   nearer end of the bracket to the new solve and the crossing is recomputed, as a secant search, up to
   ``MAX_ROUNDS`` rounds, after which the bracket found is reported.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer.core.solve import SolveOptions
from optimizer.studies.guards import refuse_inside_starting_worker, require_distributed
from optimizer.studies.robustness import Figure, PriceBook, link_choices, switch_choices, uncertain_figures
from optimizer.studies.sweep import RELIABILITY_FIELDS, apply_overrides

SCREEN_MARGIN = 0.25
"""A figure is solved when, at the adverse end of its range, the chosen option is less than this fraction
cheaper per Gb/s than its runner-up."""
BRACKET = 1e-4
"""Half-width of the confirming bracket around a break-even, as a fraction of the figure's range."""
MIN_EFFECT = 0.01
"""... and when its move changes the gap between the two by at least this fraction of the chosen option's
per-Gb/s coefficient (a choice that flips on a smaller change is a near tie, not a decision driver)."""
MAX_ROUNDS = 6
EXTEND = 1.0
"""A figure whose solve at the adverse end keeps every choice is solved once more this many times the
distance from its value to that end further out (not below 0): a change there is bracketed as in step 3
and reported as a robust choice's break-even."""


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
    """The confirming bracket: solved values on each side of the break-even."""
    new_choice: str
    """The group's choice past the break-even ("" when robust)."""
    robust: bool
    """True when the break-even lies outside the range (the choice holds over the whole range)."""
    confirmed: bool
    """True when the bracket was solved on both sides and brackets only this change."""

    def text(self) -> str:
        """One line for a planner, e.g. ``leaf: th5-cpo until catalog.th5-cpo.cost_usd > 1.16 x (range
        0.75-1.25 x): NOT robust``."""
        if self.relative and self.value:
            scale, unit = self.value, " x"
        else:
            scale, unit = 1.0, ""

        def shown(x: float) -> str:
            return f"{x / scale:.3g}{unit}" if unit else f"{x:,.6g}"

        rng = f"range {shown(self.low)}-{shown(self.high)}"
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

    Returns status, objective, the plan's choices and its plan.json mapping (for re-pricing)."""
    from optimizer.core.load import load_instance
    from optimizer.core.pipeline import solve

    shared = shared if shared is not None else task
    row: dict[str, Any] = {"status": "error"}
    try:
        doc = apply_overrides(shared["document"], {task["path"]: task["value"]}, {}, task["base_dir"])
        instance = load_instance(doc, base_dir=task["base_dir"])
        plan = solve(instance, SolveOptions(**task["options"]))
        row.update(status=str(plan.status), objective=plan.objective)
        if plan.totals is not None:
            row.update(choices=link_choices(plan), models=switch_choices(plan), plan=plan.to_dict())
    except Exception as exc:  # a worker reports failures as data
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    return row


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
    kept = []
    for f in figures:
        if f.item not in relevant or f.high <= f.low:  # a firm figure cannot move
            continue
        name = f.name
        if name in RELIABILITY_FIELDS or name == "cost_usd_per_m":
            kept.append(f)
            continue
        weight = cost_w if name == "cost_usd" else power_w
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
        extend: how far beyond its range a figure whose choices hold is also solved, in range widths from
            the adverse end (``EXTEND``; 0: not at all), to state the break-even of a robust choice.
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

            runner.run(fn, tasks, got, lost)
            if fn is solve_point:
                solves["n"] += len(tasks)
            return out

        def point(f: Figure, x: float) -> dict[str, Any]:
            return {"path": f.path, "value": x, "base_dir": base_dir_s, "options": opts}

        adverse = {f.path: (f.high if f.item in used_items else f.low) for f in kept}
        ends = run(solve_point, [point(f, adverse[f.path]) for f in kept])
        # (figure, (x, plan, objective) keeping the choices, x changing them, the solve there)
        flipping: list[tuple[Figure, tuple[float, Any, Any], float, dict[str, Any]]] = []
        holding: list[tuple[Figure, dict[str, Any], float]] = []
        for f, row in zip(kept, ends, strict=True):
            if row.get("status") not in ("optimal", "feasible"):
                continue
            xa = adverse[f.path]
            if _choices(row) != base_choice:
                flipping.append((f, (f.value, base_doc, plan.objective), xa, row))
            elif extend > 0:
                far = max(xa + extend * (xa - f.value), 0.0)
                if far != xa:
                    holding.append((f, row, far))
        if holding:  # beyond the range: how far a robust choice holds
            far_rows = run(solve_point, [point(f, far) for f, _, far in holding])
            for (f, row, far), far_row in zip(holding, far_rows, strict=True):
                if far_row.get("status") in ("optimal", "feasible") and _choices(far_row) != base_choice:
                    flipping.append((f, (adverse[f.path], row["plan"], row["objective"]), far, far_row))
        state = [
            {
                "f": f,
                "lo": lo,
                "hi": (x, row["plan"], row["objective"]),
                "hi_row": row,
                "done": False,
                "confirmed": False,
            }
            for f, lo, x, row in flipping
        ]
        for _ in range(MAX_ROUNDS):
            active = [s for s in state if not s["done"]]
            if not active:
                break
            # re-price each side's plan at the other side's value (exact, from the decisions)
            reprice_tasks = []
            for s in active:
                (xl, pl, _), (xh, ph, _) = s["lo"], s["hi"]
                reprice_tasks.append(
                    {"path": s["f"].path, "value": xl, "plans": [ph], "mode": mode, "base_dir": base_dir_s}
                )
                reprice_tasks.append(
                    {"path": s["f"].path, "value": xh, "plans": [pl], "mode": mode, "base_dir": base_dir_s}
                )
            priced = run(_reprice, reprice_tasks)
            tasks = []
            for j, s in enumerate(active):
                (xl, _, ol), (xh, _, oh) = s["lo"], s["hi"]
                hi_at_lo = (priced[2 * j].get("objectives") or [math.nan])[0]
                lo_at_hi = (priced[2 * j + 1].get("objectives") or [math.nan])[0]
                x = _crossing(xl, xh, ol, lo_at_hi, hi_at_lo, oh)
                f = s["f"]
                eps = BRACKET * max(f.high - f.low, abs(f.value) * 1e-3, 1e-9)
                step = eps if xh > xl else -eps
                x = min(max(x, min(xl, xh) + eps), max(xl, xh) - eps) if abs(xh - xl) > 2 * eps else (xl + xh) / 2
                s["x"] = x
                tasks += [point(f, x - step), point(f, x + step)]
            rows = run(solve_point, tasks)
            for j, s in enumerate(active):
                below, above = rows[2 * j], rows[2 * j + 1]
                f, x = s["f"], s["x"]
                step = abs(tasks[2 * j + 1]["value"] - x)
                sign = 1 if s["hi"][0] > s["lo"][0] else -1
                ok_b = below.get("status") in ("optimal", "feasible")
                ok_a = above.get("status") in ("optimal", "feasible")
                if not (ok_b and ok_a):
                    s["done"] = True
                    continue
                keeps_b = _choices(below) == base_choice
                keeps_a = _choices(above) == base_choice
                if keeps_b and not keeps_a:
                    s["lo"] = (x - sign * step, below["plan"], below["objective"])
                    s["hi"] = (x + sign * step, above["plan"], above["objective"])
                    s["hi_row"] = above
                    s["done"] = s["confirmed"] = True
                elif keeps_b:  # both keep: the change is further out
                    s["lo"] = (x + sign * step, above["plan"], above["objective"])
                else:  # both change: the change is nearer
                    s["hi"] = (x - sign * step, below["plan"], below["objective"])
                    s["hi_row"] = below
            for s in state:
                if abs(s["hi"][0] - s["lo"][0]) <= 2.5 * BRACKET * max(s["f"].high - s["f"].low, 1e-9):
                    s["done"] = True
        for s in state:
            f = s["f"]
            xl, xh = s["lo"][0], s["hi"][0]
            value = (xl + xh) / 2
            after = _choices(s["hi_row"])
            for key, choice in base_choice.items():
                if after.get(key) == choice:
                    continue
                drivers.append(
                    Driver(
                        kind=key[0],
                        group=key[1],
                        choice=choice,
                        figure=f.path,
                        value=f.value,
                        low=f.low,
                        high=f.high,
                        relative=f.relative,
                        direction=">" if xh > xl else "<",
                        breakeven=value,
                        below=min(xl, xh),
                        above=max(xl, xh),
                        new_choice=str(after.get(key, "(none)")),
                        robust=not (f.low <= value <= f.high),
                        confirmed=bool(s["confirmed"]),
                    )
                )
    drivers.sort(key=lambda d: (d.kind, d.group, d.robust, d.figure))
    return DriversResult(drivers, [f.path for f in kept], len(figures), solves["n"])


def _crossing(xl: float, xh: float, ol: float, lo_at_hi: float, hi_at_lo: float, oh: float) -> float:
    """Where the line of the lower plan (ol at xl, lo_at_hi at xh) meets the line of the upper plan
    (hi_at_lo at xl, oh at xh); the midpoint when the lines do not cross between them."""
    d_lo = hi_at_lo - ol  # upper plan minus lower plan at xl (>= 0: the lower plan is optimal there)
    d_hi = oh - lo_at_hi  # at xh (<= 0)
    if not (math.isfinite(d_lo) and math.isfinite(d_hi)) or d_lo == d_hi:
        return (xl + xh) / 2
    t = d_lo / (d_lo - d_hi)
    return xl + min(max(t, 0.0), 1.0) * (xh - xl)
