"""Measure Pyomo -> HiGHS hand-off candidates on one instance, each in a fresh process.

    python -m benchmarks.handoff FILE [--candidates direct,appsi,contrib,lp,standard_form]

Every candidate gets the same Pyomo model (``build_model(build_data(load_instance(FILE)))``) and is
timed until a ``highspy.Highs`` holds the whole model (no solve), except ``contrib``, whose only
public entry point is ``solve``: it is timed for a solve with ``time_limit=0`` (the hand-off plus
HiGHS's set-up, which returns at once). Peak RSS is the process's ``ru_maxrss`` (model included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CANDIDATES = ("direct", "appsi", "contrib", "lp", "standard_form")


def _measure(path: str, candidate: str) -> dict:
    from optimizer.core.data import build_data
    from optimizer.core.load import load_instance
    from optimizer.core.model import build_model
    from optimizer.core.solve import _new_highs, highs_lp, linear_arrays

    m = build_model(build_data(load_instance(path)))
    h = _new_highs()
    start = time.perf_counter()
    if candidate == "direct":
        h.passModel(highs_lp(linear_arrays(m)))
    elif candidate == "appsi":
        from pyomo.contrib.appsi.solvers.highs import Highs

        opt = Highs()
        opt.set_instance(m)
        h = opt._solver_model
    elif candidate == "contrib":
        from pyomo.contrib.solver.common.factory import SolverFactory

        opt = SolverFactory("highs")
        opt.solve(m, time_limit=0, load_solutions=False, raise_exception_on_nonoptimal_result=False)
        h = opt._solver_model
    elif candidate == "lp":
        with tempfile.TemporaryDirectory() as tmp:
            lp = os.path.join(tmp, "model.lp")
            m.write(lp, io_options={"symbolic_solver_labels": False})
            h.readModel(lp)
    elif candidate == "standard_form":
        import highspy
        import numpy as np
        from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

        sf = LinearStandardFormCompiler().write(m, mixed_form=True)
        a = sf.A.tocsr()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
        lp.col_cost_ = np.asarray(sf.c.todense()).ravel() if sf.c.shape[0] else np.zeros(a.shape[1])
        lb = np.array([v.lb if v.lb is not None else -highspy.kHighsInf for v in sf.columns], dtype=float)
        ub = np.array([v.ub if v.ub is not None else highspy.kHighsInf for v in sf.columns], dtype=float)
        lp.col_lower_, lp.col_upper_ = lb, ub
        rhs = np.asarray(sf.rhs, dtype=float)
        sense = np.asarray([s for _, s in sf.rows])
        lp.row_lower_ = np.where(sense >= 0, rhs, -highspy.kHighsInf)
        lp.row_upper_ = np.where(sense <= 0, rhs, highspy.kHighsInf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
        h.passModel(lp)
    else:
        raise ValueError(candidate)
    elapsed = time.perf_counter() - start
    return {
        "candidate": candidate,
        "handoff_s": elapsed,
        "rows": h.getNumRow(),
        "columns": h.getNumCol(),
        "nonzeros": h.getNumNz(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print("@@RESULT@@" + json.dumps(_measure(args.file, args.one)))
        return
    root = Path(__file__).resolve().parent.parent
    for cand in args.candidates.split(","):
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.handoff", args.file, "--one", cand],
            cwd=root,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        i = proc.stdout.rfind("@@RESULT@@")
        if i < 0:
            print(json.dumps({"candidate": cand, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}))
        else:
            print(proc.stdout[i + len("@@RESULT@@") :].strip(), flush=True)


if __name__ == "__main__":
    main()
