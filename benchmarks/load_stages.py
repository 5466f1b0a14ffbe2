"""CPU time of loading, option derivation and the model build on one file, each run in a fresh process; two trees
interleaved.

    python -m benchmarks.load_stages benchmarks/.cache/scale-100000-seed1.json --repeat 3 --tree before=/path/to/old

A run imports the planner, then times with ``time.process_time`` (the cyclic GC paused, as in ``optimizer solve``):
``load_instance`` (read, parse, validate, semantic checks), ``build_data`` (option derivation) and
``build_for_solve`` (the model ``optimizer.solve`` hands HiGHS). The table gives the medians over the repeats and
(load + options) / build, the ratio the scale target bounds. ``--tree LABEL=DIR`` adds a source tree (a checkout
of another commit), run from its folder with ``PYTHONPATH=DIR``, interleaved run by run with this one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.startup import source_trees

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, sys, time
from optimizer.core.data import build_data
from optimizer.core.gcpause import paused_gc
from optimizer.core.load import load_instance
from optimizer.core.model import build_for_solve

with paused_gc():
    c0 = time.process_time()
    instance = load_instance(sys.argv[1])
    c1 = time.process_time()
    data = build_data(instance)
    c2 = time.process_time()
    model = build_for_solve(data)
    c3 = time.process_time()
print(json.dumps({"load_cpu_s": c1 - c0, "options_cpu_s": c2 - c1, "build_cpu_s": c3 - c2}))
"""


def run_stages(file: str, tree: str | None) -> dict[str, float]:
    """CPU seconds of the three stages in one fresh process."""
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree
    cmd = [sys.executable, "-c", _CHILD, str(Path(file).resolve())]
    proc = subprocess.run(cmd, cwd=tree or ROOT, env=env, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", action="append", default=[], help="LABEL=DIR: another source tree to compare")
    args = parser.parse_args(argv)
    trees = source_trees(args.tree)
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    runs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
    for _ in range(args.repeat):
        for label, tree in trees:
            runs[label].append(run_stages(args.file, tree))
            print(label, json.dumps(runs[label][-1]), flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print("| tree | load CPU s | options CPU s | build CPU s | (load + options) / build | runs |")
    print("|---|---|---|---|---|---|")
    for label, _ in trees:
        med = {k: statistics.median(r[k] for r in runs[label]) for k in ("load_cpu_s", "options_cpu_s", "build_cpu_s")}
        ratio = (med["load_cpu_s"] + med["options_cpu_s"]) / med["build_cpu_s"]
        print(
            f"| {label} | {med['load_cpu_s']:.2f} | {med['options_cpu_s']:.2f} | {med['build_cpu_s']:.2f} | "
            f"{ratio:.2f}x | {len(runs[label])} |"
        )


if __name__ == "__main__":
    main()
