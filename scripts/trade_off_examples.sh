#!/usr/bin/env sh
# Reproduce the trade-off examples of the README (Pareto front, sweep locally and on a Dask
# LocalCluster with a table comparison, break-even searches).
#
#   scripts/trade_off_examples.sh [INSTANCE] [OUT]
#
# INSTANCE is the instance of the Pareto front; by default a 16,384-GPU fat-tree generated with
# benchmarks/generate.py (32 pods, 1,056 link groups). Pass a bundled 16k-GPU instance file to use it.
set -eu
cd "$(dirname "$0")/.."
OUT=${2:-out/trade-offs}
mkdir -p "$OUT"
INSTANCE=${1:-}
if [ -z "$INSTANCE" ]; then
    INSTANCE="$OUT/scale-16k.yaml"
    python -m benchmarks.generate --link-groups 1056 --seed 1 -o "$INSTANCE"
fi

echo "== Pareto front of $INSTANCE"
python -m optimizer pareto "$INSTANCE" --points 10 --out "$OUT/pareto" -q

echo "== example sweep, local worker processes"
rm -rf "$OUT/sweep-local" "$OUT/sweep-dask"   # solve every scenario afresh in both runs
python -m optimizer sweep examples/sweep-electricity-cpo.yaml --out "$OUT/sweep-local" -q
echo "== the same sweep on a Dask LocalCluster"
python scripts/on_local_cluster.py sweep examples/sweep-electricity-cpo.yaml --out "$OUT/sweep-dask" -q
cmp "$OUT/sweep-local/sweep.csv" "$OUT/sweep-dask/sweep.csv" && echo "sweep.csv: identical tables"

echo "== break-even searches"
python -m optimizer breakeven instances/latency-cpo-1k.yaml --param 'catalog.cpo-*.cost_usd' --range x0.9:1.3 \
    --group gpu-leaf --tol 0.001
python -m optimizer breakeven instances/latency-cpo-1k.yaml --param economics.electricity_usd_per_kwh \
    --range 0.03:0.30 --group gpu-leaf --set 'catalog.cpo-*.cost_usd=x1.1' --tol 0.0005
