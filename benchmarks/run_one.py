"""One benchmark run in a fresh process: ``python -m benchmarks.run_one '<json spec>'`` prints one JSON line.

The spec has ``instance`` (file), ``variant`` (``planner`` or ``floor``), ``threads``, ``seed``,
``time_limit_s``, ``mip_rel_gap``, ``interface`` and ``solver`` (planner only) and ``verify``. Running each
variant in its own process makes peak memory (``ru_maxrss``) a per-run figure.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any


def _peak_mb() -> float:
    """This process's peak RSS: VmHWM where /proc has it (``ru_maxrss`` also counts the RSS of the parent
    that started this process before its exec, which would put a floor under small runs)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


_STAGE_CPU: dict[str, float] = {}
"""CPU seconds of the shared stages of this run (``load_cpu_s``, ``options_cpu_s``)."""


def _load_and_derive(spec: dict[str, Any]) -> tuple[Any, Any, float, float, float]:
    """Stages both variants share: load + validate, then option derivation; with their start times (their CPU
    seconds go to ``_STAGE_CPU``)."""
    from optimizer.core.data import build_data
    from optimizer.core.load import load_instance

    t0, c0 = time.perf_counter(), time.process_time()
    instance = load_instance(spec["instance"])
    t1, c1 = time.perf_counter(), time.process_time()
    data = build_data(instance)
    data.tighten = spec.get("tighten", True)
    t2, c2 = time.perf_counter(), time.process_time()
    _STAGE_CPU.update(load_cpu_s=c1 - c0, options_cpu_s=c2 - c1)
    return instance, data, t0, t1, t2


def run_planner(spec: dict[str, Any]) -> dict[str, Any]:
    """Planner pipeline, stage by stage: load, options (build_data), Pyomo build, hand-off, solve, extract."""
    from optimizer.core.catalog import CatalogIndex
    from optimizer.core.model import build_for_solve
    from optimizer.core.results import extract_plan
    from optimizer.core.solve import SolveOptions, solve_model

    out: dict[str, Any] = {}
    instance, data, t0, t1, t2 = _load_and_derive(spec)
    options = SolveOptions(
        time_limit_s=spec["time_limit_s"],
        mip_rel_gap=spec["mip_rel_gap"],
        threads=spec["threads"],
        seed=spec["seed"],
        interface=spec.get("interface", "direct"),
        objective_scaling=spec.get("objective_scaling", True),
        solver=spec.get("solver", "highs"),
    )
    model = build_for_solve(data, options.interface, options.solver)  # what ``optimizer.solve`` builds
    t3 = time.perf_counter()
    report = solve_model(model, options)
    t4 = time.perf_counter()
    plan = extract_plan(model, data, CatalogIndex.of(instance.resolved_catalog), report, {}, [])
    _complete_plan(plan, instance)
    t5 = time.perf_counter()
    out.update(
        link_groups=len(instance.links),
        load_s=t1 - t0,
        options_s=t2 - t1,
        build_s=t3 - t2,
        handoff_s=report.handoff_s,
        solve_s=report.highs_s,
        solve_call_s=report.solve_s,
        solver=options.solver,
        extract_s=report.extract_s + (t5 - t4),
        interface_other_s=max(0.0, report.solve_s - report.handoff_s - report.highs_s - report.extract_s),
        status=str(plan.status),
        highs_status=report.highs_status,
        objective=plan.objective,
        solver_objective=report.objective,
        bound=report.bound,
        gap=plan.gap,
        nodes=report.nodes,
        threads=report.threads,
        **(report.size or {}),
    )
    out["peak_mb"] = _peak_mb()
    if spec.get("verify") and plan.status.has_solution:
        from optimizer.core.verify import check_plan

        problems = check_plan(instance, plan.to_dict())
        out["verified"] = not problems
        if problems:
            out["verify_problems"] = [str(p) for p in problems[:5]]
    return out


def _complete_plan(plan: Any, instance: Any) -> None:
    """What ``optimizer.solve`` adds to the extracted plan: the fabrics' protocols (compatibility section) and
    the weights of a weighted objective, so that the verifier sees the plan a user gets."""
    from optimizer.core.catalog import CatalogIndex

    if instance.compatibility is not None and plan.totals is not None:
        from optimizer.core.compat import plan_fabrics

        links = list(zip(plan.links["group"], plan.links["option"], strict=True))
        nodes = list(zip(plan.nodes["group"], plan.nodes["model"], strict=True))
        plan.fabrics = plan_fabrics(instance, CatalogIndex.of(instance.resolved_catalog), links, nodes)
    if plan.objective_mode == "weighted":
        plan.objective_weights = instance.weights.model_dump()
        if instance.reliability is None:
            plan.objective_weights.pop("interruptions_per_day", None)


def run_floor(spec: dict[str, Any]) -> dict[str, Any]:
    """The floor: same load and options, then numpy arrays straight into highspy."""
    import highspy

    from benchmarks.floor import FLOOR_FAMILIES, floor_arrays, floor_highs
    from optimizer.core.model import FAMILIES

    instance, data, t0, t1, t2 = _load_and_derive(spec)
    # the routing family adds nothing without demands; with demands the floor would be a smaller MILP
    empty = set() if data.routing is not None else {"routing"}
    if not data.whole_units and not data.fabric_choice:  # compatibility rows only under the opt-in
        empty.add("compatibility")
    if data.reliability is None:  # likewise the reliability family without a reliability section
        empty.add("reliability")
    if data.facility is None:  # and the facility families without a facility section
        empty |= {"facility_racks", "facility_power", "facility_fibres"}
    missing = sorted({f.FAMILY for f in FAMILIES} - FLOOR_FAMILIES - empty)
    if missing:
        return {
            "link_groups": len(instance.links),
            "load_s": t1 - t0,
            "options_s": t2 - t1,
            "status": "n/a",
            "message": f"floor lacks families {missing}",
            "peak_mb": _peak_mb(),
        }
    arrays = floor_arrays(data)
    t3 = time.perf_counter()
    h = floor_highs(arrays, spec["threads"], spec["time_limit_s"], spec["mip_rel_gap"], spec["seed"])
    t4 = time.perf_counter()
    h.run()
    t5 = time.perf_counter()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    x = list(h.getSolution().col_value) if has else []
    t6 = time.perf_counter()
    status = h.getModelStatus()
    optimal = status == highspy.HighsModelStatus.kOptimal and has
    objective = info.objective_function_value if has else None
    bound = info.mip_dual_bound if has else None
    return {
        "link_groups": len(instance.links),
        "load_s": t1 - t0,
        "options_s": t2 - t1,
        "build_s": t3 - t2,
        "handoff_s": t4 - t3,
        "solve_s": t5 - t4,
        "extract_s": t6 - t5,
        "status": "optimal" if optimal else ("feasible" if has else "no_solution"),
        "highs_status": h.modelStatusToString(status),
        "objective": objective,
        "solver_objective": objective,
        "bound": bound,
        "gap": info.mip_gap if has else None,
        "nodes": int(info.mip_node_count),
        "threads": spec["threads"],
        "columns": int(arrays["n_var"]),
        "integers": int(arrays["integrality"].sum()),
        "rows": len(arrays["row_lower"]),
        "nonzeros": len(arrays["values"]),
        "values_loaded": len(x),
        "peak_mb": _peak_mb(),
    }


def run_handoff(spec: dict[str, Any]) -> dict[str, Any]:
    """Build + hand-off only (variant ``planner-handoff``, ``floor-handoff`` or ``linopy-handoff``).

    Stops once a ``highspy.Highs`` holds the model; records wall and CPU seconds of the build and the
    hand-off and the process's peak RSS at that point. The variant's modules are imported before the
    timed window (their CPU time is recorded apart as ``import_cpu_s``: a one-off cost per process, which
    the CLI rows count), so the window holds the build and the hand-off alone. The whole run has the
    cyclic GC paused, as the CLI's ``solve`` has (no collection pass lands in one variant's stage and not
    another's).
    """
    from optimizer.core.gcpause import paused_gc

    with paused_gc():
        instance, data, t0, t1, t2 = _load_and_derive(spec)
        variant = spec["variant"]
        c_import = time.process_time()
        if variant == "planner-handoff":
            from optimizer.core.model import build_for_solve
            from optimizer.core.solve import (
                SolveOptions,
                _new_highs,
                _set_threads,
                configure,
                linear_arrays,
                pass_arrays,
            )
        elif variant == "floor-handoff":
            from benchmarks.floor import floor_arrays, floor_highs
        else:
            from benchmarks.linopy_peer import linopy_highs, linopy_model
        import_cpu_s = time.process_time() - c_import
        tb, c2 = time.perf_counter(), time.process_time()
        if variant == "planner-handoff":
            model = build_for_solve(data)  # what ``optimizer.solve`` builds
            t3, c3 = time.perf_counter(), time.process_time()
            _set_threads(spec["threads"])
            arrays = linear_arrays(model)
            h = _new_highs()
            configure(h, SolveOptions(threads=spec["threads"]), spec["threads"], arrays.cost)
            pass_arrays(h, arrays)
        elif variant == "floor-handoff":
            fa = floor_arrays(data)
            t3, c3 = time.perf_counter(), time.process_time()
            h = floor_highs(fa, spec["threads"], spec["time_limit_s"], spec["mip_rel_gap"], spec["seed"])
        else:
            lm = linopy_model(data)
            t3, c3 = time.perf_counter(), time.process_time()
            h = linopy_highs(lm)
        t4, c4 = time.perf_counter(), time.process_time()
        peak = _peak_mb()
    return {
        "link_groups": len(instance.links),
        "load_s": t1 - t0,
        "options_s": t2 - t1,
        **_STAGE_CPU,
        "import_cpu_s": import_cpu_s,
        "build_s": t3 - tb,
        "handoff_s": t4 - t3,
        "build_cpu_s": c3 - c2,
        "handoff_cpu_s": c4 - c3,
        "columns": h.getNumCol(),
        "rows": h.getNumRow(),
        "nonzeros": h.getNumNz(),
        "peak_handoff_mb": peak,
        "status": "handed-off",
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    if spec["variant"].endswith("-handoff"):
        fn = run_handoff
    else:
        fn = run_floor if spec["variant"] == "floor" else run_planner
    try:
        result = fn(spec)
    except Exception as exc:  # a failed run is a result, not a crash of the harness
        result = {"status": "error", "message": f"{type(exc).__name__}: {exc}", "peak_mb": _peak_mb()}
    sys.stdout.write("\n@@RESULT@@" + json.dumps(result, default=float) + "\n")


if __name__ == "__main__":
    main()
