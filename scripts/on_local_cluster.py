"""Run an ``optimizer`` command on a throw-away Dask LocalCluster on loopback (2 worker processes, 1 thread each).

    python scripts/on_local_cluster.py sweep examples/sweep-electricity-cpo.yaml --out out/sweep-dask
    python scripts/on_local_cluster.py pareto instances/superpod-su-256.yaml --out out/front-dask

The arguments are an ``optimizer`` command line (sweep, pareto or breakeven); ``--scheduler`` is
added with the cluster's address. On a real cluster, start ``dask scheduler`` and
``dask worker tcp://host:8786`` on machines where ``optimizer`` is installed, and pass
``--scheduler tcp://host:8786`` to the command instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dask.distributed import LocalCluster  # noqa: E402

from optimizer.cli import main  # noqa: E402

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("sweep", "pareto", "breakeven"):
        sys.exit("usage: on_local_cluster.py sweep|pareto|breakeven ARGS...")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        code = main([*sys.argv[1:], "--scheduler", cluster.scheduler_address])
    sys.exit(code)
