"""Run ``optimizer sweep`` on a throw-away Dask LocalCluster on loopback (2 worker processes, 1 thread each).

    python scripts/sweep_on_local_cluster.py examples/sweep-electricity-cpo.yaml --out /tmp/sweep-dask

Every argument is passed to ``optimizer sweep``; ``--scheduler`` is added with the cluster's address.
On a real cluster, start ``dask scheduler`` and ``dask worker tcp://host:8786`` on machines where
``optimizer`` is installed, and pass ``--scheduler tcp://host:8786`` to ``optimizer sweep`` instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dask.distributed import LocalCluster  # noqa: E402

from optimizer.cli import main  # noqa: E402

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        code = main(["sweep", *sys.argv[1:], "--scheduler", cluster.scheduler_address])
    sys.exit(code)
