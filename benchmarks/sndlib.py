"""SNDlib reference run: solve SNDlib problems and compare with published optima -> benchmarks/sndlib.md.

Usage (from the repository root; SNDlib data resolved as in ``optimizer.sources.sndlib.data_dir``):

    python -m benchmarks.sndlib [--small-limit 60] [--miplib-limit 300] [--plain-small-limit 30]
                                [--plain-miplib-limit 120] [--only NAME ...] [--formulation F]
                                [--keep benchmarks/sndlib.md] [--out benchmarks/sndlib.md]
    python -m benchmarks.sndlib --root-lp PROBLEM ...   (the root cut loop's LP bound, before and after)

``--keep`` reads the runs of an earlier output and re-runs only the selected jobs, replacing those
entries (the header then lists every run start and what was re-run).

Every problem is solved with the strengthened routed formulation (cut-set rows, symmetry rows,
root cutting-plane loop, LP-rounding warm start) at threads=1; the plain formulation (aggregated arc
flow only) is solved for the comparison set with its own stated limit. The markdown is rewritten after every solve, so
a cut-short run still leaves its results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from optimizer.core.pipeline import solve
from optimizer.core.solve import Progress, SolveOptions, highs_version
from optimizer.sources.sndlib import data_dir, load_problem, problem_files

SMALL = ["abilene", "polska", "atlanta", "france", "geant", "pdh", "di-yuan", "nobel-us"]
MIPLIB = [  # (problem, published value, proven optimal?)
    ("germany50--D-B-M-N-C-A-N-N", 473840.0, True),
    ("germany50--U-U-M-N-C-A-N-N", 628490.0, True),
    ("dfn-gwin--U-U-M-N-C-A-N-N", 38752.0, True),
    ("ta1--U-U-M-N-C-A-N-N", 7518328.2, True),
    ("cost266--U-U-E-N-C-A-N-N", 25148940.56, True),
    ("zib54--U-U-E-N-C-A-N-N", 10334015.82, True),
    ("ta2--U-U-E-N-C-A-N-N", 37871728.59, True),
    ("dfn-bwin--D-B-E-N-C-A-N-N", 73623.79, False),
    ("janos-us--D-D-M-N-C-A-N-N", 1493300.0, False),
]
PLAIN_MIPLIB = ["germany50--D-B-M-N-C-A-N-N", "dfn-gwin--U-U-M-N-C-A-N-N", "ta1--U-U-M-N-C-A-N-N"]
TOL = 1e-4
KEPT_SECTION = "## One thread, 600 s: before and after the root cutting-plane loop"
"""Heading of the section of sndlib.md measured with the CLI (not by this script): kept when it re-writes the file."""


@dataclass
class Run:
    """One solve of one problem with one formulation."""

    problem: str
    formulation: str
    limit_s: float
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    time_s: float
    published: float | None = None
    proven: bool = False
    reach_s: float | None = None
    note: str = ""

    def check(self) -> str:
        """ok / CONTRADICTS / n/a against the published value."""
        if self.published is None or self.objective is None:
            return "n/a"
        tol = TOL * abs(self.published)
        if self.objective < self.published - tol:
            return "BELOW published (contradiction)" if self.proven else "new best (below best known)"
        if self.proven and self.status == "optimal" and self.objective > self.published + tol:
            return "CONTRADICTS (optimal above published)"
        if self.proven and self.bound is not None and self.bound > self.published + tol:
            return "CONTRADICTS (bound above published)"
        if abs(self.objective - self.published) <= tol:
            return "reproduced"
        return "not reached (consistent)"


def small_problems(folder: Path) -> list[str]:
    """Every -N-C-A-N-N problem of the small networks."""
    out = []
    for net in SMALL:
        for f in sorted((folder / net / "models").glob("*-N-C-A-N-N.txt")):
            out.append(f"{net}--{f.stem}")
    return out


def run_one(folder: Path, problem: str, formulation: str, limit_s: float, published: float | None, proven: bool) -> Run:
    """Solve one problem; record the first time the incumbent is within TOL of the published value."""
    reach: list[float] = []

    def progress(p: Progress) -> None:
        hit = published is not None and p.incumbent is not None and p.incumbent <= published * (1 + TOL) + 1e-9
        if hit and not reach:
            reach.append(p.elapsed_s)

    strong = formulation == "strengthened"
    start = time.perf_counter()
    instance = load_problem(*problem_files(problem, folder))
    plan = solve(
        instance,
        SolveOptions(
            time_limit_s=limit_s,
            threads=1,
            routing_cuts=strong,
            warm_start=strong,
            progress=progress if published is not None else None,
        ),
    )
    total = time.perf_counter() - start
    run = Run(
        problem, formulation, limit_s, str(plan.status), plan.objective, plan.bound, plan.gap, total, published, proven
    )
    if published is not None and plan.objective is not None and plan.objective <= published * (1 + TOL) + 1e-9:
        run.reach_s = reach[0] if reach else total
    return run


def _num(text: str) -> float | None:
    text = text.strip().split(" ")[0].replace(",", "")
    return None if text in ("-", "") else float(text)


def read_md(path: Path) -> tuple[list[Run], list[str]]:
    """Runs and header notes of an earlier output of this script (for ``--keep``)."""
    runs: list[Run] = []
    notes: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Generated by") or line.startswith("Re-run"):
            notes.append(line)
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or "--" not in cells[0] or cells[0].startswith("---"):
            continue
        if len(cells) == 11:  # MIPLIB table
            pub = cells[1]
            runs.append(
                Run(
                    cells[0],
                    cells[3],
                    float(cells[4]),
                    cells[2],
                    _num(cells[5]),
                    _num(cells[6]),
                    _num(cells[7]),
                    float(cells[8]),
                    _num(pub),
                    "(opt)" in pub,
                    _num(cells[9]),
                )
            )
        elif len(cells) == 8:  # small networks
            runs.append(
                Run(
                    cells[0],
                    cells[1],
                    float(cells[2]),
                    cells[3],
                    _num(cells[4]),
                    _num(cells[5]),
                    _num(cells[6]),
                    float(cells[7]),
                )
            )
    return runs, notes


def fmt(x: float | None, digits: int = 2) -> str:
    """Number for the table."""
    return "-" if x is None else f"{x:,.{digits}f}"


def write_md(
    path: Path, runs: list[Run], args: argparse.Namespace, started: str, done: bool, notes: list[str] | None = None
) -> None:
    """Render the results table."""
    state = "" if done else ", RUN IN PROGRESS"
    if notes:
        head = [
            *notes,
            f"Re-run with `--keep` (started {started} UTC{state}): {', '.join(args.only or [])} "
            f"({args.formulation or 'both formulations'}); every other row is from the run(s) above.",
            "",
        ]
    else:
        head = [f"Generated by `python -m benchmarks.sndlib` (started {started} UTC{state}).", ""]
    lines = [
        "# SNDlib reference results",
        "",
        *head,
        f"Machine: {platform.machine()}, shared 2-core host (other jobs running); Python {platform.python_version()}, "
        f"HiGHS {highs_version()}, threads=1, mip_rel_gap 1e-4.",
        f"Time limits: small networks {args.small_limit:g} s, MIPLIB problems {args.miplib_limit:g} s "
        f"(strengthened); plain comparison: small {args.plain_small_limit:g} s, MIPLIB subset "
        f"{args.plain_miplib_limit:g} s. `time_s` is wall time of load + build + solve.",
        "Objective conventions: SNDlib module + routing (bidirected: cost x larger direction) + setup cost, "
        "plus the constant pre-installed cost (MIPLIB convention).",
        "",
        "Formulations: *strengthened* = source-aggregated arc flow + rounded cut-set rows (single nodes and "
        "link end pairs) + symmetry rows for identical parallel links + root cutting-plane loop (MIR "
        "cut-set, flow-cutset, cardinality and metric rows) + LP-rounding warm start; *plain* = "
        "source-aggregated arc flow only.",
        "",
        "## MIPLIB problems (published values)",
        "",
        "| problem | published | status | formulation | limit s | objective | bound | gap | time s | "
        "time to published s | check |",
        "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        if r.published is None:
            continue
        pub = f"{r.published:,.2f} ({'opt' if r.proven else 'best known'})"
        lines.append(
            f"| {r.problem} | {pub} | {r.status} | {r.formulation} | {r.limit_s:g} | {fmt(r.objective)} | "
            f"{fmt(r.bound)} | {fmt(r.gap, 6) if r.gap is not None else '-'} | {r.time_s:.1f} | "
            f"{fmt(r.reach_s, 1)} | {r.check()} |"
        )
    lines += [
        "",
        "## Small networks, every -N-C-A-N-N problem",
        "",
        "| problem | formulation | limit s | status | objective | bound | gap | time s |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        if r.published is None:
            lines.append(
                f"| {r.problem} | {r.formulation} | {r.limit_s:g} | {r.status} | {fmt(r.objective)} | "
                f"{fmt(r.bound)} | {fmt(r.gap, 6) if r.gap is not None else '-'} | {r.time_s:.1f} |"
            )
    limits = {(r.formulation, r.published is None): r.limit_s for r in runs}
    equal = all(limits.get(("plain", small)) in (None, limits.get(("strengthened", small))) for small in (True, False))
    lines += [
        "",
        "## Strengthened vs plain",
        "",
        "Ratio = plain time / strengthened time where both proved optimality; otherwise the gaps at the "
        + (
            "(equal) limits are listed."
            if equal
            else "limits are listed. The limits differ between the formulations here (see above), so compare "
            "gaps with care; `benchmarks/sndlib-formulations.md` has an equal-limit run of both."
        ),
        "",
        "| problem | strengthened: status, time s, gap | plain: status, time s, gap | time ratio plain/strong |",
        "| --- | --- | --- | ---: |",
    ]
    by = {(r.problem, r.formulation): r for r in runs}
    for (problem, form), strong in by.items():
        if form != "strengthened" or (problem, "plain") not in by:
            continue
        plain = by[(problem, "plain")]
        ratio = "-"
        if strong.status == "optimal" and plain.status == "optimal":
            ratio = f"{plain.time_s / max(strong.time_s, 1e-3):.2f}"
        lines.append(
            f"| {problem} | {strong.status}, {strong.time_s:.1f}, {fmt(strong.gap, 4)} | "
            f"{plain.status}, {plain.time_s:.1f}, {fmt(plain.gap, 4)} | {ratio} |"
        )
    kept = ""
    if path.exists():  # the hand-written before/after section is kept across re-runs
        text = path.read_text(encoding="utf-8")
        if KEPT_SECTION in text:
            kept = "\n" + text[text.index(KEPT_SECTION) :]
    path.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")


def _ordered(runs: list[Run]) -> list[Run]:
    """Strengthened before plain, each in the job order (small networks, then MIPLIB)."""
    order = {name: i for i, (name, _, _) in enumerate(MIPLIB)}
    return sorted(
        runs, key=lambda r: (r.formulation != "strengthened", r.published is not None, order.get(r.problem, 0))
    )


def root_lp_table(folder: Path, problems: list[str], time_limit_s: float = 600.0) -> list[str]:
    """Markdown rows: the LP bound of the strengthened build before and after the root cutting-plane loop
    (``optimizer.core.routed.separate_cutsets``, as a run with ``time_limit_s`` gets it), its rounds, rows
    and CPU seconds (one thread), with the 1-minute load average."""
    import os

    from optimizer.core.data import build_data
    from optimizer.core.model import build_arrays
    from optimizer.core.routed import separate_cutsets

    rows = [
        "| problem | LP before | LP after | rise % | rounds | rows added | loop CPU s | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for problem in problems:
        data = build_data(load_problem(*problem_files(problem, folder)))
        model = build_arrays(data)
        cpu = time.process_time()
        sep = separate_cutsets(model, data, SolveOptions(time_limit_s=time_limit_s, threads=1))
        cpu = time.process_time() - cpu
        if sep is None or sep.lp_before is None or sep.lp_after is None:
            rows.append(f"| {problem} | - | - | - | - | - | {cpu:.1f} | {os.getloadavg()[0]:.1f} |")
            continue
        rise = 100 * (sep.lp_after / sep.lp_before - 1)
        rows.append(
            f"| {problem} | {sep.lp_before:,.2f} | {sep.lp_after:,.2f} | {rise:.2f} | {sep.rounds} | {sep.cuts} | "
            f"{cpu:.1f} | {os.getloadavg()[0]:.1f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the markdown."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small-limit", type=float, default=60.0)
    ap.add_argument("--miplib-limit", type=float, default=240.0)
    ap.add_argument("--plain-small-limit", type=float, default=30.0)
    ap.add_argument("--plain-miplib-limit", type=float, default=120.0)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument(
        "--formulation", choices=["strengthened", "plain"], default=None, help="Only jobs of this formulation."
    )
    ap.add_argument("--keep", default=None, help="Earlier output whose other runs are kept.")
    ap.add_argument("--out", default=str(Path(__file__).with_name("sndlib.md")))
    ap.add_argument(
        "--root-lp",
        nargs="+",
        default=None,
        metavar="PROBLEM",
        help="Only print the root cutting-plane loop's effect on these problems (a markdown table) and exit.",
    )
    args = ap.parse_args(argv)
    folder = data_dir()
    if folder is None:
        print("no SNDlib data found (set SNDLIB_DIR)", file=sys.stderr)
        return 1
    if args.root_lp:
        print("\n".join(root_lp_table(folder, args.root_lp)))
        return 0
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    jobs: list[tuple[str, str, float, float | None, bool]] = []
    for p in small_problems(folder):
        jobs.append((p, "strengthened", args.small_limit, None, False))
    for p, value, proven in MIPLIB:
        jobs.append((p, "strengthened", args.miplib_limit, value, proven))
    for p in small_problems(folder):
        jobs.append((p, "plain", args.plain_small_limit, None, False))
    for p, value, proven in MIPLIB:
        if p in PLAIN_MIPLIB:
            jobs.append((p, "plain", args.plain_miplib_limit, value, proven))
    if args.only:
        jobs = [j for j in jobs if j[0] in args.only]
    if args.formulation:
        jobs = [j for j in jobs if j[1] == args.formulation]
    kept: list[Run] = []
    notes: list[str] | None = None
    if args.keep:
        kept, notes = read_md(Path(args.keep))
        redo = {(j[0], j[1]) for j in jobs}
        kept = [r for r in kept if (r.problem, r.formulation) not in redo]
    runs: list[Run] = []
    out = Path(args.out)
    for problem, form, limit, value, proven in jobs:
        try:
            run = run_one(folder, problem, form, limit, value, proven)
        except Exception as exc:  # a failing problem must not lose the others
            traceback.print_exc()
            run = Run(
                problem, form, limit, "error", None, None, None, 0.0, value, proven, note=f"{type(exc).__name__}: {exc}"
            )
        runs.append(run)
        print(
            f"{problem} {form} {run.status} obj={run.objective} bound={run.bound} t={run.time_s:.1f} "
            f"{run.check()} {run.note}",
            flush=True,
        )
        write_md(out, _ordered(kept + runs), args, started, done=False, notes=notes)
    write_md(out, _ordered(kept + runs), args, started, done=True, notes=notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
