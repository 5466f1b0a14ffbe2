"""CPU time of whole ``optimizer solve`` processes on small files, where start-up dominates; two trees interleaved.

    python -m benchmarks.startup instances/library/su-256-400g.yaml --repeat 5 --tree before=/path/to/old/checkout

Each run is ``python -m optimizer solve FILE --threads 1 -q --out TMP`` in a fresh process; its CPU time (user +
system, from ``wait4``) is what the table reports, with the median over the repeats. ``--tree LABEL=DIR`` adds a
source tree (a checkout of another commit), run from that folder with ``PYTHONPATH=DIR`` in the same environment
and interleaved with this one (label ``this``) run by run, so that both see the same load. The load average
(``os.getloadavg``) is printed at the start and the end. Runs write and read bytecode caches as an installed
package does (``PYTHONDONTWRITEBYTECODE`` is dropped for them; one untimed warm-up run per file and tree).

The runs inherit the environment. The console entry point runs numpy's OpenBLAS with one thread unless the
environment sets a count (``optimizer.cli.entry``), which a tree without that rule does not do; to compare
the trees with the same BLAS setting, set it for the whole run (``OPENBLAS_NUM_THREADS=2`` is OpenBLAS's
default on a 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cpu_s(file: str, tree: str | None) -> float:
    """CPU seconds (user + system) of one ``optimizer solve`` process."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed package runs: modules from their cached bytecode
    if tree:  # the tree's package first: run from its folder (``-m`` puts the working folder first on the path)
        env["PYTHONPATH"] = tree
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "optimizer", "solve", str(Path(file).resolve()), "--threads", "1", "-q"]
        cmd += ["--out", out]
        proc = subprocess.Popen(cmd, cwd=tree or ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(
                f"{file}: exit {proc.returncode}: {proc.stderr.read().decode()[-300:] if proc.stderr else ''}"
            )
        if proc.stderr:
            proc.stderr.close()
    return usage.ru_utime + usage.ru_stime


def source_trees(specs: list[str]) -> list[tuple[str, str | None]]:
    """("this", None) and each ``--tree LABEL=DIR`` as (label, resolved directory)."""
    trees: list[tuple[str, str | None]] = [("this", None)]
    for spec in specs:
        label, _, path = spec.partition("=")
        trees.append((label, str(Path(path).resolve())))
    return trees


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tree", action="append", default=[], help="LABEL=DIR: another source tree to compare")
    args = parser.parse_args(argv)
    trees = source_trees(args.tree)
    for file in args.files:  # a warm-up run per tree writes the bytecode caches (not timed)
        for _, tree in trees:
            run_cpu_s(file, tree)
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    times: dict[tuple[str, str], list[float]] = {}
    for file in args.files:
        for _ in range(args.repeat):
            for label, tree in trees:
                times.setdefault((file, label), []).append(run_cpu_s(file, tree))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    header = " | ".join(f"{label} CPU s (median; min-max)" for label, _ in trees)
    print(f"| file | {header} |" + (" this / " + trees[1][0] + " |" if len(trees) > 1 else ""))
    print("|" + "---|" * (1 + len(trees) + (1 if len(trees) > 1 else 0)))
    for file in args.files:
        cells = []
        medians = []
        for label, _ in trees:
            values = times[(file, label)]
            medians.append(statistics.median(values))
            cells.append(f"{medians[-1]:.3f} ({min(values):.3f}-{max(values):.3f})")
        ratio = f" {medians[0] / medians[1]:.2f}x |" if len(trees) > 1 else ""
        print(f"| {Path(file).name} | " + " | ".join(cells) + " |" + ratio)


if __name__ == "__main__":
    main()
