"""Regenerate the generated instance library (instances/library/*.yaml) with ``optimizer generate``.

    python scripts/make_instances.py            # all
    python scripts/make_instances.py su-256     # those whose file name contains the text

Each file's description records the exact command (see optimizer/sources/generate.py). Files without
``--ecosystem`` use the generator's default (Broadcom-based Ethernet, or the ecosystem of the models given).
The four hand-written instances (tiny, superpod-su-256, superpod-su-256-reference, latency-cpo-1k) are not
touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizer.cli import main  # noqa: E402

# Budgets of the ordinary instances: loose enough for DSP optics (they record intent and make the
# latency of each plan visible); the latency-critical variant tightens them.
LAT = ["--latency", "same-leaf=2000", "--latency", "cross-spine=4000", "--latency", "cross-core=8000"]

# the 16k 800G fabric on Quantum-X800 with NVIDIA's SU rule, which three library files share
NVIDIA_16K = ["--gpus", "16384", "--nic-gbps", "800", "--ecosystem", "nvidia-ib", "--wiring", "integral", *LAT]

LIBRARY: dict[str, list[str]] = {
    # the NVIDIA scalable unit, generated (compare superpod-su-256.yaml, written by hand)
    "su-256-400g": ["--gpus", "256", "--nic-gbps", "400", "--ecosystem", "nvidia-ib", *LAT],
    # NVIDIA InfiniBand SuperPODs: DGX H100 class (Quantum-2, 3 tiers) and Quantum-X800 as NVIDIA publishes it
    # (18 x 2 spines: NVIDIA's SU rule, equal links on every leaf-spine pair, --wiring integral; the default
    # balanced wiring takes the port minimum, 32 spines)
    "superpod-h100-4k-400g": ["--gpus", "4096", "--nic-gbps", "400", "--ecosystem", "nvidia-ib", *LAT],
    "superpod-x800-4608-800g": [
        *["--gpus", "4608", "--nic-gbps", "800", "--ecosystem", "nvidia-ib", "--wiring", "integral", *LAT]
    ],
    # the 16k 800G fabric on Quantum-X800 (Q3400 / Q3450-CPO, 3 tiers): priced at electricity only, and the same
    # fabric under a site envelope (its site section is appended after generation: see SITE below); both keep the
    # SU rule (--wiring integral: 29 SUs of 8 rail leaves, 232 / 232 / 144) their studies were measured on
    "rail-fat-tree-16k-800g-nvidia": NVIDIA_16K,
    "site-envelope-16k-800g-nvidia": [
        *NVIDIA_16K,
        "--description",
        "The fabric of rail-fat-tree-16k-800g-nvidia under a site envelope (the site section at the end of the file).",
    ],
    # the same fabric in a hall: 48 U / 40 kW air-cooled switch racks, room for 64 of them, a 1.6 MW liquid loop
    # for liquid-cooled switches, 57 kW GPU racks capped at 60 kW, structured cabling (its facility section is
    # appended after generation: see FACILITY below)
    "facility-hall-16k-800g-nvidia": [
        *NVIDIA_16K,
        "--description",
        "The fabric of rail-fat-tree-16k-800g-nvidia in a hall (the facility section at the end of the file).",
    ],
    # GB200 / GB300 NVL72 racks (18 trays x 4 GPUs, SU of 8 racks = 576 GPUs): GB200 on Quantum-2 at 4 SUs, where
    # the SU's rails of 144 GPUs do not divide onto 32-port leaves (the default wiring takes the port minimum,
    # 72 / 72 / 36), and GB300 on Quantum-X800 at 18 SUs (144 / 72, Lambda's 216 switches for 10,368 GPUs)
    "nvl72-gb200-2304-400g": [
        *["--system", "nvl72", "--gpus", "2304", "--nic-gbps", "400", "--ecosystem", "nvidia-ib", *LAT]
    ],
    "nvl72-gb300-10368-800g": [
        *["--system", "nvl72", "--gpus", "10368", "--nic-gbps", "800", "--ecosystem", "nvidia-ib", *LAT]
    ],
    # Published fabrics of 2025-27 (each reproduced in tests/test_reference.py, which cites its source):
    # DGX B300 Ethernet SuperPOD at 8,192 GPUs (2 x 400G planes, 256 leaf / 128 spine with the default uplink
    # choice); Broadcom Tomahawk 6 at 200G (512 x 200G: 131,072 GPUs in 2 tiers, 512 leaves / 256 spines); a
    # Spectrum-X multiplane fabric (4 x 200G planes of 512-port Spectrum-X Photonics, a sampling part: 131,072
    # GPUs in 2 tiers); Meta's 24k RoCE cluster (1,536 ToRs, modular chassis above them, 1:7 to the aggregation
    # tier, NVIDIA-style integral wiring as the test pins it); an Alibaba HPN-style pod (15,360 GPUs, 2 x 200G per
    # GPU homed to two ToRs). The 131k fabrics and Meta's cluster carry no latency budgets: their cross-hall runs and
    # deep-buffer chassis exceed the library's default budgets, and the published designs state none.
    "b300-ethernet-8192-2x400g": [
        *["--gpus", "8192", "--nic-gbps", "400", "--planes", "2", "--ecosystem", "spectrum-x", *LAT]
    ],
    "th6-131k-200g": ["--gpus", "131072", "--nic-gbps", "200"],
    "spectrum-x-multiplane-131k-4x200g": [
        *["--gpus", "131072", "--nic-gbps", "200", "--planes", "4", "--ecosystem", "spectrum-x"],
        *["--status", "sampling", "--layout", "rows_per_hall=128"],
    ],
    "meta-24k-roce-400g": [
        *["--topology", "clos", "--gpus", "24576", "--nic-gbps", "400", "--tiers", "3"],
        *["--core-oversubscription", "7", "--ecosystem", "broadcom", "--wiring", "integral"],
        *["--leaf-models", "th4", "--spine-models", "7816r3", "--core-models", "7816r3"],
        *["--layout", "nodes_per_rack=2", "--layout", "leaf_placement=top-of-rack"],
    ],
    "hpn-pod-15360-2x200g-dual": [
        *["--gpus", "15360", "--nic-gbps", "200", "--planes", "2", "--homing", "dual", "--nodes-per-su", "128"],
        *["--leaf-models", "th5-256x200", "--spine-models", "th5-256x200", *LAT],
    ],
    # NVIDIA Spectrum-X Ethernet, two planes of 400G per GPU
    "spectrum-x-4k-2x400g": [
        "--gpus",
        "4096",
        "--nic-gbps",
        "400",
        "--planes",
        "2",
        "--ecosystem",
        "spectrum-x",
        *LAT,
    ],
    **{
        f"rail-fat-tree-{label}-{nic}g": ["--gpus", str(gpus), "--nic-gbps", str(nic), *LAT]
        for label, gpus in (("1k", 1024), ("4k", 4096), ("16k", 16384), ("32k", 32768))
        for nic in (400, 800)
    },
    # two buildings: the cross-building core links are ~800 m, so the cross-core budget is wider
    **{
        f"rail-fat-tree-128k-{nic}g": [
            "--gpus",
            "131072",
            "--nic-gbps",
            str(nic),
            *LAT[:4],
            "--latency",
            "cross-core=15000",
        ]
        for nic in (400, 800)
    },
    "rail-fat-tree-4k-800g-explicit": ["--gpus", "4096", "--nic-gbps", "800", "--granularity", "explicit", *LAT],
    "clos-4k-800g-oversub2": [
        "--topology",
        "clos",
        "--gpus",
        "4096",
        "--nic-gbps",
        "800",
        "--oversubscription",
        "2",
        "--wiring",
        "integral",
        *LAT,
    ],
    "rail-only-16k-800g": [
        "--topology",
        "rail-only",
        "--gpus",
        "16384",
        "--nic-gbps",
        "800",
        "--latency",
        "same-leaf=2000",
        "--latency",
        "cross-spine=6000",
    ],
    # variants (16k GPUs; 800G unless named)
    "latency-critical-16k-800g": [
        "--gpus",
        "16384",
        "--nic-gbps",
        "800",
        "--latency",
        "same-leaf=800",
        "--latency",
        "cross-spine=2700",
        "--latency",
        "cross-core=5200",
    ],
    # CPO is an option at 400G (TH5-CPO cores); at 800G the profile's 100G-lane TH6 spines have no CPO twin
    "cpo-capped-16k-400g": ["--gpus", "16384", "--nic-gbps", "400", "--cpo-share", "0.05", *LAT],
    "power-capped-hall-16k-800g": [
        "--gpus",
        "16384",
        "--nic-gbps",
        "800",
        "--objective",
        "capex",
        "--max-power-w",
        "1570000",
        *LAT,
    ],
    "rail-fat-tree-16k-3200g-whatif": [
        "--gpus",
        "16384",
        "--nic-gbps",
        "3200",
        "--leaf-models",
        "sw204t-whatif,sw204t-cpo-whatif",
        "--spine-models",
        "sw204t-whatif,sw204t-cpo-whatif",
        "--core-models",
        "sw204t-whatif,sw204t-cpo-whatif",
        "--catalog",
        "instances/library/catalog-3200-whatif.yaml",
        "--status",
        "what-if",
        *LAT,
    ],
}

# Sections appended after the generated text (the generator has no site options): a 27 MW IT site whose
# 16,384 GPUs of 1,400 W (22.94 MW) leave the network 4.06 MW, each GPU-hour worth 2.5 USD.
SITE: dict[str, str] = {
    "site-envelope-16k-800g-nvidia": "site:\n  it_power_w: 27000000\n  gpu_w: 1400\n  gpu_hour_usd: 2.5\n",
}


# The hall of facility-hall-16k-800g-nvidia (instances/README.md, "Facility"): GPU racks of 4 DGX-class nodes
# (57 kW before the link ends at their NICs, capped at 60 kW), 48 U switch racks of 40 kW (air), room for 64
# of them, 1.6 MW of liquid cooling for liquid-cooled switches; MPO-144 trunks, 24-fibre cassettes and 1U
# panels of 4 cassettes at estimated prices; one cable path between the two halls.
FACILITY: dict[str, str] = {
    "facility-hall-16k-800g-nvidia": (
        "facility:\n"
        "  switch_rack_units: 48\n"
        "  switch_rack_kw: 40\n"
        "  max_switch_racks: 64\n"
        "  gpu_racks: 512\n"
        "  gpu_rack_kw: 60\n"
        "  gpu_rack_base_kw: 57\n"
        "  liquid_cooling_kw: 1600\n"
        "  cabling:\n"
        "    min_length_m: 15\n"
        "    trunk_fibres: 144\n"
        "    trunk_cost_usd: 600\n"
        "    trunk_cost_usd_per_m: 4\n"
        "    cassette_fibres: 24\n"
        "    cassette_cost_usd: 250\n"
        "    cassettes_per_panel: 4\n"
        "    panel_cost_usd: 150\n"
        "  fibre_paths:\n"
        "    - {id: hall-a-to-hall-b, links: [spine-core-xhall-125m], max_fibres: 98304}\n"
    ),
}


def build(only: str = "") -> int:
    """Write every library file whose name contains ``only``; the exit code of the first failure, or 0."""
    for name, args in LIBRARY.items():
        if only and only not in name:
            continue
        path = ROOT / "instances" / "library" / f"{name}.yaml"
        code = main(["generate", *args, "--name", name, "-o", str(path)])
        if code:
            print(f"{name}: optimizer generate failed with exit code {code}", file=sys.stderr)
            return code
        if name in SITE:
            path.write_text(path.read_text(encoding="utf-8") + SITE[name], encoding="utf-8")
        if name in FACILITY:
            path.write_text(path.read_text(encoding="utf-8") + FACILITY[name], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(build(sys.argv[1] if len(sys.argv) > 1 else ""))
