"""Compatibility rules that couple decisions (only with a ``compatibility`` section; see
``optimizer.core.compat`` for the per-end filters, which act before the model is built).

**One protocol per fabric.** A fabric is a set of node groups joined by link groups. Where the
filters leave both protocols possible for fabric f (its NIC groups speak both, its switch groups have
candidate models of each family, or options qualified for one protocol only), a binary x[f] chooses:
x[f] = 1 Ethernet, 0 InfiniBand. For every switch choice q of a group in f and every column i of a
link group in f:

    z[q] <= x[f]                    model q speaks only Ethernet
    z[q] <= 1 - x[f]                model q speaks only InfiniBand
    n[i] <= n_max(g) x[f]           option i is qualified for Ethernet only
    n[i] <= n_max(g) (1 - x[f])     option i is qualified for InfiniBand only

so every chosen model and every option used in f speaks the chosen protocol: an InfiniBand leaf can
never sit under an Ethernet spine. This is exact: a plan is feasible for the rows iff one protocol is
common to every chosen model and every part used in the fabric (models and parts speaking both
impose nothing; n_max(g) bounds n[i]). Fabrics whose protocol the filters already fix need no binary:
parts and models of the other protocol were removed before the build.

**Whole modules per node group.** A twin-port module carries two links and a breakout cable feeds
links_per_cable links from one cage; both halves of a twin-port cage take the same part. For each node
group v and such part p with share s (ends_per_module, or links_per_cable at the fast end), with an
integer u[v,p] >= 0 (modules of p at v):

    sum_{i uses p at v} e(i) n[i] = s u[v,p]

(e(i): ends of p at v per link of column i). The ends of p at v thus fill whole modules, so no cage
holds halves of two different parts.
"""

from __future__ import annotations

from optimizer.core.data import ModelData
from optimizer.core.model.linear import Model, Row, add_rows, columns, new_var

FAMILY = "compatibility"


def add(m: Model, d: ModelData) -> None:
    """Add the protocol-choice and whole-module rows (see module docstring)."""
    if not d.whole_units and not d.fabric_choice:
        return
    n, z = columns(m, m.n), columns(m, m.z)
    x = columns(m, new_var(m, "compat_fabric_ethernet", len(d.fabric_choice), "binary"))
    rows: list[Row] = []
    for f, (_, ib_choices, eth_choices, ib_cols, eth_cols) in enumerate(d.fabric_choice):
        rows += [(None, [(1.0, z[q]), (-1.0, x[f])], 0.0) for q in eth_choices]
        rows += [(None, [(1.0, z[q]), (1.0, x[f])], 1.0) for q in ib_choices]
        rows += [(None, [(1.0, n[i]), (-float(d.col_ub[i]), x[f])], 0.0) for i in eth_cols]
        rows += [(None, [(1.0, n[i]), (float(d.col_ub[i]), x[f])], float(d.col_ub[i])) for i in ib_cols]
    add_rows(m, "compat_protocol", rows)
    bounds = []
    for _, share, terms in d.whole_units:
        bounds.append(sum(mult * d.col_ub[i] for i, mult in terms) // share)
    u = columns(m, new_var(m, "compat_modules", len(d.whole_units), "integer", bounds))
    whole: list[Row] = [
        (0.0, [(float(mult), n[i]) for i, mult in terms] + [(-float(share), u[j])], 0.0)
        for j, (_, share, terms) in enumerate(d.whole_units)
    ]
    add_rows(m, "compat_whole_modules", whole)
