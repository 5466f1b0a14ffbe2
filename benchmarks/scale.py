"""Scale comparison in one run: planner vs the floor vs linopy (build + hand-off), and the whole CLI vs HiGHS.

    python -m benchmarks scale --sizes 10000,100000,300000 --repeat 3 --out benchmarks/results/scale.jsonl
    python -m benchmarks scale-table benchmarks/results/scale.jsonl

For every size (link groups of ``benchmarks.generate``, written once as JSON, the recommended input
form for large instances) and every repeat, fresh processes run interleaved:

- ``planner-handoff``, ``floor-handoff``, ``linopy-handoff`` (``benchmarks.run_one``): load, options,
  then the variant's build and hand-off until a ``highspy.Highs`` holds the model; wall and CPU
  seconds of build and hand-off, peak RSS at that point (linopy only when installed: ``.[bench]``);
- ``cli``: ``python -m optimizer solve FILE --threads 1 -q --out DIR``, timed from process start to
  exit (files written), with HiGHS's own run time read from the plan.json it wrote (``solver.highs_s``);
  repeated at the sizes of ``--cli-sizes`` (default all), once at the others.

Once per size, the floor's full solve checks that the planner's optimum (from the CLI's plan.json)
is the floor's. Ratios in the table are ratios of the medians over the repeats; build + hand-off
ratios use CPU seconds (single-threaded stages: robust to other jobs on the machine).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import _git_commit, run_variant, same_optimum, versions
from benchmarks.suite import ROOT

HANDOFF_VARIANTS = ("planner-handoff", "floor-handoff", "linopy-handoff")


def instance_file(link_groups: int, cache_dir: Path, seed: int = 1) -> Path:
    """The generated scale instance as JSON (written once)."""
    path = cache_dir / f"scale-{link_groups}-seed{seed}.json"
    if not path.exists():
        from benchmarks.generate import generate

        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(generate(link_groups, seed)), encoding="utf-8")
        tmp.replace(path)
    return path


def run_cli(path: Path, settings: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """The whole ``optimizer solve`` command in a fresh process: wall time and what its plan.json says."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            sys.executable,
            "-m",
            "optimizer",
            "solve",
            str(path),
            "--threads",
            str(settings["threads"]),
            "--seed",
            str(settings["seed"]),
            "--time-limit",
            str(settings["time_limit_s"]),
            "--gap",
            str(settings["mip_rel_gap"]),
            "-q",
            "--out",
            out,
        ]
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"status": "error", "message": f"run exceeded {timeout_s:.0f} s"}
        wall = time.perf_counter() - start
        plan_file = Path(out) / "plan.json"
        if not plan_file.exists():
            return {
                "status": "error",
                "message": f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}",
                "wall_s": wall,
            }
        plan = json.loads(plan_file.read_text(encoding="utf-8"))
    solver = plan.get("solver", {})
    highs = solver.get("highs_s")
    return {
        "status": plan.get("status"),
        "wall_s": wall,
        "highs_s": highs,
        "wall_to_highs": wall / highs if highs else None,
        "load_s": solver.get("load_s"),
        "data_s": solver.get("data_s"),
        "build_s": solver.get("build_s"),
        "handoff_s": solver.get("handoff_s"),
        "objective": plan.get("objective"),
        "solver_objective": solver.get("solver_objective"),
        "exit": proc.returncode,
    }


def run_scale(
    sizes: list[int],
    repeat: int,
    settings: dict[str, Any],
    out: Path,
    *,
    linopy: bool = True,
    cli: bool = True,
    cli_sizes: list[int] | None = None,
    cache_dir: Path | None = None,
    log: Any = None,
) -> list[dict[str, Any]]:
    """Run the comparison (see the module docstring), appending one JSON line per run to ``out``.

    ``cli_sizes``: sizes whose CLI run is repeated (default: all); the others run the CLI once (for the
    optimum check against the floor).
    """
    from benchmarks.linopy_peer import available

    cache_dir = cache_dir or ROOT / "benchmarks" / ".cache"
    variants = [v for v in HANDOFF_VARIANTS if v != "linopy-handoff" or (linopy and available())]
    common = {
        "commit": _git_commit(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_avg_start": os.getloadavg()[0],
        **versions(),
        **{k: settings[k] for k in ("threads", "seed", "time_limit_s", "mip_rel_gap")},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []

    def keep(rec: dict[str, Any]) -> None:
        records.append(rec)
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec, default=float) + "\n")
        if log:
            log(_line(rec))

    timeout = 3 * float(settings["time_limit_s"]) + 1800
    for size in sizes:
        path = instance_file(size, cache_dir)
        base = {**common, "size": size, "file": path.name}
        for rep in range(repeat):
            for variant in variants:
                keep({**base, "rep": rep, "kind": variant, **run_variant(path, variant, settings, timeout)})
            if cli and (rep == 0 or cli_sizes is None or size in cli_sizes):
                keep(
                    {
                        **base,
                        "rep": rep,
                        "kind": "cli",
                        "load_avg": os.getloadavg()[0],
                        **run_cli(path, settings, timeout),
                    }
                )
        floor = run_variant(path, "floor", {**settings, "verify": False}, timeout)
        planner = next((r for r in records if r["size"] == size and r["kind"] == "cli" and r.get("status")), None)
        match = same_optimum(planner, floor, settings["mip_rel_gap"]) if planner else None
        keep({**base, "rep": 0, "kind": "floor-solve", **floor, "same_optimum_as_planner": match})
    return records


def _line(r: dict[str, Any]) -> str:
    kind = r["kind"]
    if kind == "cli":
        return (
            f"{r['size']} rep {r['rep']} cli: {r.get('status')} wall {_f(r.get('wall_s'))} s, "
            f"HiGHS {_f(r.get('highs_s'))} s, ratio {_f(r.get('wall_to_highs'))}x"
        )
    if kind == "floor-solve":
        same = r.get("same_optimum_as_planner")
        return f"{r['size']} floor solve: {r.get('status')} obj {r.get('objective')} same as planner {same}"
    return (
        f"{r['size']} rep {r['rep']} {kind}: build {_f(r.get('build_cpu_s'))} + hand-off {_f(r.get('handoff_cpu_s'))} "
        f"CPU s, peak {_f(r.get('peak_handoff_mb'), 0)} MB {r.get('message', '')}"
    )


def _f(x: Any, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _median(records: list[dict[str, Any]], size: int, kind: str, key: Any) -> float | None:
    vals = [key(r) for r in records if r["size"] == size and r["kind"] == kind]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def _bh_cpu(r: dict[str, Any]) -> float | None:
    if r.get("build_cpu_s") is None or r.get("handoff_cpu_s") is None:
        return None
    return r["build_cpu_s"] + r["handoff_cpu_s"]


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:.2f}x"


def scale_table(records: list[dict[str, Any]]) -> str:
    """Markdown tables of a scale run: medians over the repeats and their ratios."""
    sizes = sorted({r["size"] for r in records})
    lines = [
        "| link groups | planner build + hand-off CPU s | floor CPU s | linopy CPU s | planner / floor | "
        "planner / linopy | planner peak MB | floor peak MB | memory ratio | repeats |",
        "|" + "---|" * 10,
    ]
    for n in sizes:
        p = _median(records, n, "planner-handoff", _bh_cpu)
        f = _median(records, n, "floor-handoff", _bh_cpu)
        li = _median(records, n, "linopy-handoff", _bh_cpu)
        pm = _median(records, n, "planner-handoff", lambda r: r.get("peak_handoff_mb"))
        fm = _median(records, n, "floor-handoff", lambda r: r.get("peak_handoff_mb"))
        reps = sum(1 for r in records if r["size"] == n and r["kind"] == "planner-handoff")
        lines.append(
            f"| {n:,} | {_f(p, 3)} | {_f(f, 3)} | {_f(li, 3)} | {_ratio(p, f)} | {_ratio(p, li)} | "
            f"{_f(pm, 0)} | {_f(fm, 0)} | {_ratio(pm, fm)} | {reps} |"
        )
    lines += [
        "",
        "Module imports (CPU s, outside the window above; a one-off cost per process, counted in the CLI rows):",
        "",
        "| link groups | planner | floor | linopy |",
        "|---|---|---|---|",
        *(
            f"| {n:,} | "
            + " | ".join(
                _f(_median(records, n, kind, lambda r: r.get("import_cpu_s")), 3)
                for kind in ("planner-handoff", "floor-handoff", "linopy-handoff")
            )
            + " |"
            for n in sizes
        ),
        "",
        "Load and option derivation against the model build (planner hand-off runs, CPU s):",
        "",
        "| link groups | load CPU s | options CPU s | build CPU s | (load + options) / build |",
        "|---|---|---|---|---|",
        *(_stages_row(records, n) for n in sizes),
        "",
        "| link groups | CLI wall s | HiGHS s | wall / HiGHS | load s | status | same optimum as floor | "
        "load average |",
        "|" + "---|" * 8,
    ]
    for n in sizes:
        wall = _median(records, n, "cli", lambda r: r.get("wall_s"))
        highs = _median(records, n, "cli", lambda r: r.get("highs_s"))
        ratio = _median(records, n, "cli", lambda r: r.get("wall_to_highs"))
        load = _median(records, n, "cli", lambda r: r.get("load_s"))
        statuses = sorted({str(r.get("status")) for r in records if r["size"] == n and r["kind"] == "cli"})
        same = [r.get("same_optimum_as_planner") for r in records if r["size"] == n and r["kind"] == "floor-solve"]
        loads = [r.get("load_avg") for r in records if r["size"] == n and r["kind"] == "cli" and r.get("load_avg")]
        lines.append(
            f"| {n:,} | {_f(wall)} | {_f(highs)} | {'-' if ratio is None else f'{ratio:.2f}x'} | {_f(load)} | "
            f"{'/'.join(statuses) or '-'} | { ({True: 'yes', False: 'NO', None: 'n/a'}[same[0]] if same else '-') } | "
            f"{_f(min(loads), 1) if loads else '-'}-{_f(max(loads), 1) if loads else '-'} |"
        )
    return "\n".join(lines)


def _stages_row(records: list[dict[str, Any]], size: int) -> str:
    load = _median(records, size, "planner-handoff", lambda r: r.get("load_cpu_s"))
    options = _median(records, size, "planner-handoff", lambda r: r.get("options_cpu_s"))
    build = _median(records, size, "planner-handoff", lambda r: r.get("build_cpu_s"))
    both = None if load is None or options is None else load + options
    return f"| {size:,} | {_f(load)} | {_f(options)} | {_f(build)} | {_ratio(both, build)} |"
