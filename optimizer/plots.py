"""Figures for people: a plan's power and capex breakdown, the Pareto front, sweep results, site envelopes.

Every ``plot_*`` function returns the matplotlib ``Figure`` (a notebook shows it) and writes it as a PNG only
when given a ``path``. With ``ax`` it draws into the caller's axes instead of a new figure (one ``Axes`` for a
one-panel plot, a sequence of as many ``Axes`` as the plot has panels otherwise) and returns their figure; the
figure-level title and legend are then left to the caller (each panel keeps its own).

matplotlib is imported inside the functions (importing ``optimizer`` stays light) and a new figure is drawn
through its Agg canvas directly, never through pyplot, so no global backend is set in the caller's process.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from optimizer.core.mix import LABELS, TECHNOLOGIES, Classifier, dominant_label

COLORS = {
    "dsp": "#4C72B0",
    "lpo": "#55A868",
    "lro": "#8C8C3C",
    "cpo": "#C44E52",
    "aoc": "#8172B2",
    "aec": "#CCB974",
    "acc": "#64B5CD",
    "dac": "#937860",
    "fibre": "#DDDDDD",
    "switch": "#7F7F7F",
}
MAX_TIERS = 12


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | Path | None) -> Any:
    """Write ``fig`` as a PNG at ``path`` (when given); return the figure."""
    if path is not None:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, format="png")
    return fig


def _axes(ax: Any, panels: int, width: float, height: float) -> tuple[Any, list[Any], bool]:
    """(figure, ``panels`` axes, whether the figure is ours): a new figure, or the caller's axes."""
    if ax is None:
        fig = _figure(width, height)
        made = fig.subplots(1, panels) if panels > 1 else [fig.subplots()]
        return fig, list(made), True
    axes = list(ax) if isinstance(ax, list | tuple) or hasattr(ax, "flat") else [ax]
    if hasattr(ax, "flat"):
        axes = list(ax.flat)
    if len(axes) != panels:
        raise ValueError(f"ax: this plot has {panels} panel(s), got {len(axes)} axes")
    return axes[0].figure, axes, False


def _catalog_of(catalog: Any) -> Any:
    """A catalogue from a ``Catalog``, an ``Instance`` or the path of an instance file."""
    from optimizer.core.load import as_instance
    from optimizer.core.schema import Catalog, Instance

    if isinstance(catalog, Catalog):
        return catalog
    instance = catalog if isinstance(catalog, Instance) else as_instance(catalog)
    return instance.resolved_catalog


def tier_of(a: str, b: str) -> str:
    """Tier label of a link group: its node groups with per-instance numbers dropped (leaf-3 -> leaf)."""

    def base(name: str) -> str:
        return re.sub(r"([-_.]?\d+)+([-_.]?[a-z])?$", "", name) or name

    return f"{base(a)}–{base(b)}"


def plan_breakdown(plan: Any, catalog: Any) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """(power W, capex USD) per tier and technology; switch tiers under technology ``switch``."""
    classifier = Classifier(catalog)
    power: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    capex: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    transceivers = classifier.index.transceivers
    for r in plan.links.itertuples():
        tier = tier_of(r.a, r.b)
        ends = classifier.ends(r.option)
        if r.kind == "cable":
            power[tier][ends[0]] += r.power_w
            capex[tier][ends[0]] += r.capex_usd
            continue
        # a transceiver pair: each end's own figures; the fibre is the rest of the link's cost
        end_ids = r.option.split("+", 1)
        for item, tech in zip(end_ids, ends, strict=True):
            power[tier][tech] += transceivers[item].power_w * r.count
            capex[tier][tech] += transceivers[item].cost_usd * r.count
        capex[tier]["fibre"] += r.capex_usd - sum(transceivers[i].cost_usd for i in end_ids) * r.count
    for r in plan.nodes.itertuples():
        tier = re.sub(r"([-_.]?\d+)+$", "", r.group) or r.group
        power[f"{tier} switches"]["switch"] += r.power_w
        capex[f"{tier} switches"]["switch"] += r.capex_usd
    return _top(power, capex)


def _top(
    power: dict[str, dict[str, float]], capex: dict[str, dict[str, float]]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    if len(capex) <= MAX_TIERS:
        return power, capex
    ranked = sorted(capex, key=lambda t: -sum(capex[t].values()))
    keep, rest = ranked[: MAX_TIERS - 1], ranked[MAX_TIERS - 1 :]
    for table in (power, capex):
        other: dict[str, float] = defaultdict(float)
        for t in rest:
            for tech, v in table.pop(t, {}).items():
                other[tech] += v
        table["other"] = other
    return ({t: power[t] for t in [*keep, "other"]}, {t: capex[t] for t in [*keep, "other"]})


def _stacked(ax: Any, table: dict[str, dict[str, float]], scale: float, unit: str, title: str) -> None:
    tiers = list(table)
    techs = [t for t in (*TECHNOLOGIES, "fibre", "switch") if any(table[r].get(t, 0) > 1e-9 for r in tiers)]
    left = [0.0] * len(tiers)
    for tech in techs:
        values = [table[r].get(tech, 0.0) / scale for r in tiers]
        ax.barh(
            tiers,
            values,
            left=left,
            color=COLORS.get(tech),
            label=LABELS.get(tech, tech),
            edgecolor="white",
            linewidth=0.5,
        )
        left = [x + v for x, v in zip(left, values, strict=True)]
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    for y, total in enumerate(left):
        ax.annotate(f"{total:,.1f}", (total, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.margins(x=0.15)


def plot_plan(plan: Any, catalog: Any, path: str | Path | None = None, *, ax: Any = None) -> Any:
    """Power (kW) and capex (M USD) of a plan, by tier and optics technology: the ``Figure`` (two panels; ``ax``:
    two axes to draw into), written as a PNG at ``path`` when given. ``catalog``: the plan's catalogue, its
    ``Instance`` or the path of its instance file."""
    power, capex = plan_breakdown(plan, _catalog_of(catalog))
    if ax is None:
        fig = _figure(12, 1.6 + 0.45 * max(len(capex), 2))
        ax_p, ax_c = fig.subplots(1, 2, sharey=True)
        ax_p.invert_yaxis()  # first tier on top (the axes share y: invert once)
        ours = True
    else:
        fig, (ax_p, ax_c), ours = _axes(ax, 2, 12, 4)
    t = plan.totals or {}
    _stacked(ax_p, power, 1e3, "power (kW)", f"power by tier: {t.get('power_w', 0) / 1e3:,.1f} kW total")
    _stacked(ax_c, capex, 1e6, "capex (million USD)", f"capex by tier: {t.get('capex_usd', 0) / 1e6:,.2f} M USD total")
    handles, labels = ax_p.get_legend_handles_labels()
    h2, l2 = ax_c.get_legend_handles_labels()
    seen = dict(zip(labels, handles, strict=True)) | dict(zip(l2, h2, strict=True))
    if not ours:
        ax_c.legend(list(seen.values()), list(seen), fontsize=7)
        return _save(fig, path)
    fig.legend(
        list(seen.values()),
        list(seen),
        loc="outside lower center",
        ncol=min(len(seen), 9),
        title="link ends by optics technology (each end's own figures), fibre, switches",
    )
    fig.suptitle(
        f"{plan.instance}: {plan.status} plan, objective {plan.objective_mode} {plan.objective:,.0f}"
        if plan.objective is not None
        else plan.instance
    )
    return _save(fig, path)


def label_groups(x: list[float], y: list[float], mixes: list[str], tol: float = 0.01) -> list[list[int]]:
    """Runs of consecutive points that would print on top of each other (within ``tol`` of both axis
    spans, same mix) and so share one label; the two end points always keep their own."""
    span_x = (max(x) - min(x)) or 1.0 if x else 1.0
    span_y = (max(y) - min(y)) or 1.0 if y else 1.0
    groups: list[list[int]] = []
    for i in range(len(x)):
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and last > 0
            and i < len(x) - 1
            and mixes[i] == mixes[last]
            and abs(x[i] - x[last]) < tol * span_x
            and abs(y[i] - y[last]) < tol * span_y
        ):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def plot_pareto(front: Any, path: str | Path | None = None, *, ax: Any = None) -> Any:
    """Capex (M USD) versus power (kW) of a Pareto front, each point labelled by its optics mix (or versus
    expected job interruptions per day for a front ``against`` interruptions): the ``Figure``, written as a
    PNG at ``path`` when given; ``ax``: the axes to draw into."""
    pts = front.points
    fig, (ax,), _ = _axes(ax, 1, 10, 6.5)
    against = getattr(front, "against", "power")
    if against == "power":
        power = [p["power_w"] / 1e3 for p in pts]
        x_label, what = "total power (kW): optics + switches", "power"
    else:
        power = [p["interruptions_per_day"] for p in pts]
        x_label, what = "expected job interruptions per day (network)", "interruptions"
    capex = [p["capex_usd"] / 1e6 for p in pts]
    ax.step(power, capex, where="post", color="#BBBBBB", zorder=1, label="front (staircase)")
    both = [p["status"] == "optimal" and p.get("power_status") in (None, "optimal") for p in pts]
    optimal = [i for i, ok in enumerate(both) if ok]
    other = [i for i, ok in enumerate(both) if not ok]
    ax.scatter(
        [power[i] for i in optimal],
        [capex[i] for i in optimal],
        color="#C44E52",
        zorder=3,
        label="point, optimal within its gap",
    )
    if other:
        ax.scatter(
            [power[i] for i in other],
            [capex[i] for i in other],
            color="white",
            edgecolor="#C44E52",
            zorder=3,
            label="point, a stage stopped at its limit",
        )

    def mix_of(p: dict[str, Any]) -> str:
        shares = {t: p.get(f"share_{t}") or 0.0 for t in TECHNOLOGIES}
        return dominant_label(shares, top=3) if any(shares.values()) else p.get("mix", "")

    for group in label_groups(power, capex, [mix_of(p) for p in pts]):
        i, j = group[0], group[-1]
        end = f" (min {what})" if i == 0 else " (min capex)" if j == len(pts) - 1 and j else ""
        name = f"{i}" if i == j else f"{i}-{j}"
        ax.annotate(
            f"{name}{end}: {mix_of(pts[i])}",
            (power[i], capex[i]),
            xytext=(7, 4),
            textcoords="offset points",
            fontsize=7.5,
            va="bottom",
            weight="bold" if end else "normal",
        )
    ax.set_xlabel(x_label)
    ax.set_ylabel("capex (million USD): optics + fibre + switches")
    ax.set_title(
        f"{front.instance}: capex vs {what} Pareto front, {len(pts)} non-dominated points\n"
        f"(label: point number and share of link ends by optics technology)"
    )
    ax.grid(alpha=0.3)
    ax.margins(x=0.2, y=0.08)
    ax.legend(loc="upper right")
    return _save(fig, path)


def plot_sweep(
    table: Any,
    params: list[str] | None = None,
    path: str | Path | None = None,
    relative: list[str] | None = None,
    *,
    ax: Any = None,
) -> Any:
    """Sweep results: CPO share of ports and TCO (or objective) versus the first parameter: the ``Figure`` (two
    panels; ``ax``: two axes to draw into), written as a PNG at ``path`` when given.

    ``table``: the sweep's table, or the ``SweepResult`` itself (its parameters and relative paths are then
    the defaults). One line per value of the second parameter (other parameters averaged out); scenarios
    without a plan are left out. Paths in ``relative`` are factors of the base value (shown as "x 1.1").
    """
    if hasattr(table, "table") and hasattr(table, "parameters"):  # a SweepResult
        params = params if params is not None else list(table.parameters)
        relative = relative if relative is not None else list(table.relative)
        table = table.table
    if not params:
        raise ValueError("plot_sweep: give the swept parameters (or the SweepResult)")
    relative = relative or []
    ok = table[table["status"].isin(["optimal", "feasible"])].copy()
    fig, (ax_s, ax_t), ours = _axes(ax, 2, 13, 5.2)
    x = params[0]
    series = params[1] if len(params) > 1 else None
    metric = "tco_usd" if "tco_usd" in ok else "objective"
    groups = [(None, ok)] if series is None else list(ok.groupby(series, sort=True))
    for value, frame in groups:
        agg = (
            frame.groupby(x, sort=True)
            .agg(cpo=("share_cpo", "mean"), lin=("share_linear", "mean"), metric=(metric, "mean"))
            .reset_index()
        )
        label = None
        if series is not None:
            shown = f"{value:g}" if isinstance(value, float | int) else str(value)
            label = f"{series} × {shown}" if series in relative else f"{series} = {shown}"
        line = ax_s.plot(agg[x], 100 * agg["cpo"], marker="o", label=label)[0]
        ax_s.plot(agg[x], 100 * agg["lin"], marker="x", linestyle=":", color=line.get_color())
        ax_t.plot(agg[x], agg["metric"] / 1e6, marker="o", label=label, color=line.get_color())
    xlabel = f"{x} (factor of the base value)" if x in relative else x
    ax_s.set_xlabel(xlabel)
    ax_s.set_ylabel("share of link ends (%)")
    ax_s.set_title("CPO share (solid, o) and LPO+LRO share (dotted, x) of ports")
    ax_s.set_ylim(-3, 103)
    ax_t.set_xlabel(xlabel)
    ax_t.set_ylabel("TCO (million USD)" if metric == "tco_usd" else "objective")
    ax_t.set_title("total cost of ownership (capex + energy)" if metric == "tco_usd" else "objective")
    for ax in (ax_s, ax_t):
        ax.grid(alpha=0.3)
        if series is not None:
            ax.legend(fontsize=8)
    failed = len(table) - len(ok)
    note = f"; {failed} scenario(s) without a plan left out" if failed else ""
    if ours:
        fig.suptitle(f"sweep of {len(table)} scenarios{note}")
    return _save(fig, path)


def plot_envelope(result: Any, path: str | Path | None = None, *, ax: Any = None) -> Any:
    """The most GPUs a site holds per technology variant (``optimizer.studies.envelope``): GPUs, network MW
    and network capex per GPU side by side, one bar per variant: the ``Figure`` (three panels; ``ax``: three
    axes to draw into), written as a PNG at ``path`` when given."""
    table = result.table
    names = [str(v) for v in table["variant"]]
    colors = [COLORS.get(n, "#4C72B0") for n in names]
    fig, axes, ours = _axes(ax, 3, 10, 3.6)
    panels = (
        ("gpus", 1.0, "GPUs"),
        ("network_mw", 1.0, "network MW"),
        ("network_capex_per_gpu_usd", 1.0, "network capex per GPU (USD)"),
    )
    for ax, (col, scale, title) in zip(axes, panels, strict=True):
        values = [0.0 if v is None or v != v else float(v) * scale for v in table[col]]
        bars = ax.bar(names, values, color=colors)
        ax.bar_label(bars, labels=[f"{v:,.0f}" if v >= 100 else f"{v:,.3g}" for v in values], fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(axis="x", labelsize=9)
        ax.margins(y=0.15)
    if ours:
        fig.suptitle(
            f"site {result.it_power_w / 1e6:,.4g} MW IT, {result.gpu_w:,.0f} W per GPU: the most GPUs each variant "
            "holds",
            fontsize=11,
        )
    return _save(fig, path)


def plot_robustness(frequencies: Any, samples: Any, base: dict[str, Any], path: str | Path | None = None) -> Any:
    """Decision frequencies and the cost of being wrong, at a glance.

    Left: per link group and switch group, a bar split into the share of samples choosing each option or
    model; the base plan's choice is outlined and named. Right: the distribution of the samples' optimal
    objective and of the base plan's objective at the same prices (the gap between them is the regret),
    with the base plan's objective at the catalogue's figures marked. Returns the ``Figure`` (a PNG at
    ``path`` when given)."""
    import numpy as np

    rows = list(frequencies.itertuples(index=False))
    groups: list[tuple[str, str]] = []
    for r in rows:
        if (r.kind, r.group) not in groups:
            groups.append((r.kind, r.group))
    shown = groups[:MAX_TIERS]
    fig = _figure(13, max(3.5, 0.55 * len(shown) + 1.6))
    ax_f, ax_d = fig.subplots(1, 2, width_ratios=[1.4, 1])
    palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B2", "#937860", "#DA8BC3", "#8C8C8C"]
    base_choice = {("link", g): c for g, c in (base.get("choices") or {}).items()}
    base_choice.update({("switch", g): m for g, m in (base.get("models") or {}).items()})
    for y, (kind, group) in enumerate(reversed(shown)):
        left = 0.0
        for k, r in enumerate(x for x in rows if (x.kind, x.group) == (kind, group)):
            is_base = base_choice.get((kind, group)) == r.choice
            ax_f.barh(
                y,
                r.share,
                left=left,
                color=palette[k % len(palette)],
                edgecolor="black" if is_base else "white",
                linewidth=1.6 if is_base else 0.5,
            )
            if r.share >= 0.12:
                ax_f.text(left + r.share / 2, y, f"{r.choice}\n{r.share:.0%}", ha="center", va="center", fontsize=7)
            left += r.share
    ax_f.set_yticks(range(len(shown)), [f"{g} ({k})" for k, g in reversed(shown)], fontsize=8)
    ax_f.set_xlim(0, 1)
    ax_f.set_xlabel("share of samples (outlined: the base plan's choice)")
    ax_f.set_title("How often each choice is optimal")
    ok = samples[samples["status"].isin(["optimal", "feasible"])]
    optimum = np.asarray(ok["objective"].dropna(), dtype=float)
    repriced = np.asarray(ok["base_objective"].dropna(), dtype=float)
    if len(optimum):
        scale, unit = (1e6, "M") if max(abs(optimum).max(), 1.0) >= 1e6 else (1.0, "")
        bins = np.histogram_bin_edges(np.concatenate([optimum, repriced]) / scale, bins=min(30, max(5, len(optimum))))
        ax_d.hist(optimum / scale, bins=bins, alpha=0.6, label="each sample's optimum", color="#4C72B0")
        if len(repriced):
            ax_d.hist(
                repriced / scale, bins=bins, alpha=0.5, label="base plan at the sample's figures", color="#C44E52"
            )
        if base.get("objective") is not None:
            ax_d.axvline(base["objective"] / scale, color="black", linestyle="--", label="base plan, catalogue figures")
        regret = np.asarray(ok["regret"].dropna(), dtype=float) if "regret" in ok else np.array([])
        title = "Objective over the samples"
        if len(regret):

            def usd(x: float) -> str:
                return f"{x / scale:,.2f}{unit}" if unit else f"{x:,.0f}"

            title += f"\nbase plan regret: median {usd(float(np.median(regret)))}, "
            title += f"p95 {usd(float(np.percentile(regret, 95)))}, max {usd(float(regret.max()))}"
        ax_d.set_title(title, fontsize=9)
        ax_d.set_xlabel(f"objective ({unit}USD for tco/capex)" if unit else "objective")
        ax_d.set_ylabel("samples")
        ax_d.legend(fontsize=7)
    return _save(fig, path)


ROADMAP_SHARES = ("cpo", "lpo", "dsp", "aoc", "copper")
ROADMAP_LABELS = {"cpo": "CPO", "lpo": "LPO/LRO", "dsp": "DSP", "aoc": "AOC", "copper": "copper (DAC/ACC/AEC)"}


def plot_roadmap(roadmap: Any, path: str | Path | None = None) -> Any:
    """The technology mix of link ends in service per period (stacked shares) and each period's capex and
    NPV, of a solved roadmap (``RoadmapPlan``): the ``Figure`` (a PNG at ``path`` when given)."""
    rows = roadmap.periods
    years = [str(p["year"]) for p in rows]
    fig = _figure(11, 4.2)
    ax_mix, ax_usd = fig.subplots(1, 2)
    bottom = [0.0] * len(rows)
    for key in ROADMAP_SHARES:
        values = [100 * p["share"].get(key, 0.0) for p in rows]
        if any(values):
            color = COLORS.get("dac" if key == "copper" else key)
            ax_mix.bar(years, values, bottom=bottom, label=ROADMAP_LABELS[key], color=color)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax_mix.set_ylabel("share of link ends in service (%)")
    ax_mix.set_title("technology mix per period")
    ax_mix.legend(loc="lower right", fontsize="small")
    capex = [p["capex_usd"] / 1e6 for p in rows]
    npv = [(p["npv_capex_usd"] + p["npv_running_usd"]) / 1e6 for p in rows]
    xs = list(range(len(rows)))
    ax_usd.bar([x - 0.2 for x in xs], capex, width=0.4, label="purchases (capex)")
    ax_usd.bar([x + 0.2 for x in xs], npv, width=0.4, label="NPV of purchases and running cost")
    ax_usd.set_xticks(xs, years)
    ax_usd.set_ylabel("million USD")
    ax_usd.set_title("spend per period")
    ax_usd.legend(loc="upper left", fontsize="small")
    total = "-" if roadmap.objective is None else f"{roadmap.objective:,.0f}"
    fig.suptitle(f"{roadmap.instance}: {roadmap.status} roadmap, NPV {total} USD")
    return _save(fig, path)
