"""A plan report a planner can send: one self-contained HTML file built from an output folder.

``write_report(directory)`` reads what a run wrote into ``directory`` and writes ``report.html`` beside it:

- a plan (``plan.json``, from ``optimizer solve --out``): the summary (status, objective, bound, gap, solver),
  the totals, the bill of materials, the technology mix (link ends per optics technology), a topology picture of
  the fabric (its tiers of node groups, the link count, speed and chosen technology between each pair of
  tiers), a table per tier of link groups, the switch groups, the latency paths, and the reliability, site,
  routing and compatibility (fabric) sections when plan.json has them; for a plan without a solution, the
  pre-solve reasons and the relaxations that would make one possible;
- a study: the Pareto front (``pareto.json``/``pareto.csv``), a sweep (``sweep.csv``) or a site envelope
  (``envelope.csv``): its table and its chart (the study's own PNG when it drew one, else a chart drawn here).

The file needs nothing else to open: the style sheet is inline and every figure is an SVG (drawn with
matplotlib's Agg-free SVG backend, text as paths) or a PNG, embedded as a ``data:`` URI. The technology of a
link group is its ``technology`` column when the plan has one, else that of its option's two ends in the
catalogue given (the built-in one by default; ``-`` for a part it does not list).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.core.mix import LABELS, TECHNOLOGIES, Classifier
from optimizer.errors import OptimizerError
from optimizer.plots import COLORS

REPORT_FILE = "report.html"
MAX_ROWS = 200
"""Rows of one table in the report (per tier for link groups); the CSV files have them all."""
MAX_TOPOLOGY_TIERS = 8
"""Node tiers drawn in the topology picture at most; the rest are summed into the last one."""


class ReportError(OptimizerError):
    """The folder holds neither a plan nor a study, or its files cannot be read."""


@dataclass
class Folder:
    """What an output folder holds (any part may be absent)."""

    path: Path
    plan: dict[str, Any] | None = None
    pareto: dict[str, Any] | None = None
    pareto_table: pd.DataFrame | None = None
    sweep: pd.DataFrame | None = None
    envelope: pd.DataFrame | None = None
    breakeven: pd.DataFrame | None = None
    breakeven_meta: dict[str, Any] | None = None
    images: dict[str, bytes] = field(default_factory=dict)


def read_folder(directory: str | Path) -> Folder:
    """Read the plan and study files of an output folder (``directory`` may also be a plan.json file)."""
    path = Path(directory)
    if path.is_file():
        path, plan_file = path.parent, path
    else:
        plan_file = path / "plan.json"
    if not path.is_dir():
        raise ReportError(f"{path}: no such folder")
    folder = Folder(path)
    try:
        if plan_file.is_file():
            folder.plan = json.loads(plan_file.read_text(encoding="utf-8"))
            if not isinstance(folder.plan, dict) or "status" not in folder.plan:
                raise ReportError(f"{plan_file}: not a plan file (no status)")
        if (path / "pareto.json").is_file():
            folder.pareto = json.loads((path / "pareto.json").read_text(encoding="utf-8"))
        if (path / "pareto.csv").is_file():
            folder.pareto_table = pd.read_csv(path / "pareto.csv")
        if (path / "sweep.csv").is_file():
            folder.sweep = pd.read_csv(path / "sweep.csv")
        if (path / "envelope.csv").is_file():
            folder.envelope = pd.read_csv(path / "envelope.csv")
        if (path / "breakeven.csv").is_file():
            folder.breakeven = pd.read_csv(path / "breakeven.csv", keep_default_na=False, na_values=[""])
        if (path / "breakeven.json").is_file():
            folder.breakeven_meta = json.loads((path / "breakeven.json").read_text(encoding="utf-8"))
        for name in ("pareto.png", "sweep.png", "envelope.png"):
            if (path / name).is_file():
                folder.images[name] = (path / name).read_bytes()
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ReportError(f"{path}: cannot read the run's files: {exc}") from exc
    studies = (folder.pareto_table, folder.sweep, folder.envelope, folder.breakeven)
    if folder.plan is None and all(s is None for s in studies):
        raise ReportError(
            f"{path}: no plan.json, pareto.csv, sweep.csv, envelope.csv or breakeven.csv here "
            "(the --out folder of a solve or a study)"
        )
    return folder


def write_report(directory: str | Path, *, out: str | Path | None = None, catalog: Any = None) -> Path:
    """Write the report of an output folder as one HTML file (``directory``/report.html unless ``out``).

    ``catalog``: the resolved catalogue of the instance, for the technology of each link group (default: the
    built-in catalogue). Raises ``ReportError`` when the folder holds no plan and no study, ``OutputError``
    when the file cannot be written.
    """
    from optimizer.core.results import OutputError, write_atomic

    folder = read_folder(directory)
    text = render(folder, catalog)
    target = Path(out) if out is not None else folder.path / REPORT_FILE
    try:
        return write_atomic(target, text)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the report: {exc.strerror or exc}") from exc


def write_plan_report(plan: dict[str, Any], target: str | Path, *, catalog: Any = None) -> Path:
    """Write the report of a plan given as its plan.json mapping (``Plan.to_dict()``) to ``target``."""
    from optimizer.core.results import OutputError, write_atomic

    path = Path(target)
    text = render(Folder(path.parent, plan=plan), catalog)
    try:
        return write_atomic(path, text)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the report: {exc.strerror or exc}") from exc


# ---------------------------------------------------------------------------------------------------------------
# technology of link groups and tiers


def link_technologies(links: pd.DataFrame, catalog: Any = None) -> list[str]:
    """The optics technology of each link row: its ``technology`` column when the table has one, else that of
    the option's two ends (``optimizer.core.mix``): ``dsp`` when both are DSP pluggables, ``cpo+lpo`` (sorted)
    for two different ends, a cable's kind; ``-`` for a part the catalogue does not list."""
    if "technology" in links:
        return [str(t) for t in links["technology"]]
    if catalog is None:
        from optimizer.core.catalog import builtin_catalog

        catalog = builtin_catalog()
    classifier = Classifier(catalog)
    out: list[str] = []
    for option in links["option"]:
        try:
            ends = classifier.ends(str(option))
        except (KeyError, ValueError):
            out.append("-")
            continue
        out.append("+".join(sorted(set(ends))))
    return out


def base_name(group: str) -> str:
    """The tier of a node group: its name with per-instance numbers dropped (``leaf-3`` -> ``leaf``)."""
    return re.sub(r"([-_.]?\d+)+([-_.]?[a-z])?$", "", group) or group


def _frame(rows: Any) -> pd.DataFrame:
    return pd.DataFrame(rows if isinstance(rows, list) else [])


# ---------------------------------------------------------------------------------------------------------------
# HTML


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 8px;border-bottom:2px solid #e3e6ea;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.sub{color:#555;margin:0 0 14px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid #dde1e6;border-radius:6px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:18px}.card span{color:#666;font-size:12px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #dde1e6;padding:3px 8px;vertical-align:top}
th{background:#f0f2f5;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold}
.scroll{overflow-x:auto}
figure{margin:10px 0 16px}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:12px}
.ok{color:#1a7f37;font-weight:bold}.bad{color:#c0392b;font-weight:bold}
.note{color:#666;font-size:12px}
ul.reasons li{margin:2px 0}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(x: Any, digits: int = 0) -> str:
    """A number in full with thousands separators (``-`` for a missing one)."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x == "":
        return "-"
    if isinstance(x, bool) or not isinstance(x, int | float):
        try:
            x = float(x)
        except (TypeError, ValueError):
            return _e(x)
    return f"{x:,.{digits}f}"


def _auto(column: str, x: Any) -> str:
    """A cell by its column's unit: USD to the dollar, W to 0.1 W, shares as percent, else whole or 6 digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, bool) or not isinstance(x, int | float):
        return _e(x)
    if column.endswith("_usd"):
        return _num(x, 0)
    if column.endswith("_w") or column.endswith("_ns"):
        return _num(x, 1)
    if column.startswith("share_") or column in ("gap", "power_gap", "availability", "service_level"):
        return f"{100 * x:.2f}%"
    if float(x) == int(x):
        return _num(x, 0)
    if abs(x) >= 1000:  # no exponent: every digit to the cent
        return _num(x, 2)
    return f"{x:,.6g}"


def table_html(
    columns: list[tuple[str, str]],
    rows: Iterable[list[str]],
    *,
    total: list[str] | None = None,
    cls: str = "",
) -> str:
    """A table; ``columns``: (header, ``num`` or ``text``); cells are HTML already escaped."""
    head = "".join(f'<th class="{kind}">{_e(h)}</th>' for h, kind in columns)
    body = []
    for row in rows:
        cells = "".join(f'<td class="{kind}">{cell}</td>' for (_, kind), cell in zip(columns, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    if total is not None:
        cells = "".join(f'<td class="{kind}">{cell}</td>' for (_, kind), cell in zip(columns, total, strict=True))
        body.append(f'<tr class="total">{cells}</tr>')
    rows_html = "".join(body)
    table = f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>'
    return f'<div class="scroll">{table}</div>'


def frame_html(frame: pd.DataFrame, *, limit: int = MAX_ROWS, what: str = "") -> str:
    """A DataFrame as a table, each column formatted by its unit; at most ``limit`` rows (the rest counted)."""
    columns = [
        (
            _header(str(c)),
            "num" if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]) else "text",
        )
        for c in frame.columns
    ]
    rows = [
        [_auto(str(c), v) for c, v in zip(frame.columns, r, strict=True)]
        for r in frame.head(limit).itertuples(index=False)
    ]
    more = f'<p class="note">... {len(frame) - limit:,} more rows: see {_e(what)}</p>' if len(frame) > limit else ""
    return table_html(columns, rows) + more


UNITS = {"w": "W", "usd": "USD", "m": "m", "gbps": "Gb/s", "ns": "ns", "h": "h", "mw": "MW"}


def _header(column: str) -> str:
    words = column.split("_")
    if len(words) > 1 and words[-1] in UNITS:
        words[-1] = UNITS[words[-1]]
    return " ".join(words)


def figure_html(data: bytes, mime: str, caption: str, alt: str) -> str:
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f'<figure><img class="figure" src="{uri}" alt="{_e(alt)}"><figcaption>{_e(caption)}</figcaption></figure>'


def _svg(fig: Any) -> bytes:
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "optimizer-report"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasSVG(fig)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# plan sections


@dataclass
class Tier:
    """The link groups between two tiers of node groups (``a``-``b`` by base name)."""

    a: str
    b: str
    links: pd.DataFrame
    technologies: list[str]

    @property
    def name(self) -> str:
        return f"{self.a}–{self.b}"

    @property
    def count(self) -> int:
        return int(self.links["count"].sum())

    def by_technology(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for tech, n in zip(self.technologies, self.links["count"], strict=True):
            out[tech] += int(n)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def speeds(self) -> dict[float, int]:
        out: dict[float, int] = defaultdict(int)
        for speed, n in zip(self.links["speed_gbps"], self.links["count"], strict=True):
            out[float(speed)] += int(n)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def tiers_of(links: pd.DataFrame, technologies: list[str]) -> list[Tier]:
    if not len(links):
        return []
    frame = links.assign(_tech=technologies, _a=[base_name(str(a)) for a in links["a"]])
    frame["_b"] = [base_name(str(b)) for b in links["b"]]
    tiers = []
    for (a, b), part in frame.groupby(["_a", "_b"], sort=False):
        tiers.append(Tier(str(a), str(b), part.drop(columns=["_tech", "_a", "_b"]), list(part["_tech"])))
    return tiers


def _levels(tiers: list[Tier], switches: set[str]) -> dict[str, int]:
    """A level per node tier for the picture: end points (NICs, hosts) at 0, each switch tier one above the
    lowest tier it links to (breadth first from the end points)."""
    names = list(dict.fromkeys([t.a for t in tiers] + [t.b for t in tiers]))
    neighbours: dict[str, set[str]] = defaultdict(set)
    for t in tiers:
        neighbours[t.a].add(t.b)
        neighbours[t.b].add(t.a)
    level = {n: 0 for n in names if n not in switches}
    if not level:
        level = {names[0]: 0}
    frontier = list(level)
    while frontier:
        nxt = []
        for n in frontier:
            for m in sorted(neighbours[n]):
                if m not in level:
                    level[m] = level[n] + 1
                    nxt.append(m)
        frontier = nxt
    for n in names:  # islands not linked to any end point
        level.setdefault(n, 0)
    return level


def topology_figure(plan: dict[str, Any], tiers: list[Tier]) -> bytes:
    """The fabric: node tiers as boxes by level (end points at the bottom), one line per pair of linked tiers
    labelled with its link count, speed and technology; switch tiers show their model and count."""
    switch_groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in plan.get("nodes") or []:
        switch_groups[base_name(str(r["group"]))].append(r)
    groups_per_tier: dict[str, set[str]] = defaultdict(set)
    for t in tiers:
        groups_per_tier[t.a].update(str(x) for x in t.links["a"])
        groups_per_tier[t.b].update(str(x) for x in t.links["b"])
    level = _levels(tiers, set(switch_groups))
    by_level: dict[int, list[str]] = defaultdict(list)
    for name, lv in sorted(level.items(), key=lambda kv: kv[1]):
        by_level[min(lv, MAX_TOPOLOGY_TIERS - 1)].append(name)
    widest = max((len(v) for v in by_level.values()), default=1)
    fig = _figure(max(7.0, 3.2 * widest), 0.9 + 1.5 * len(by_level))
    ax = fig.subplots()
    ax.set_axis_off()
    pos: dict[str, tuple[float, float]] = {}
    for lv, names in by_level.items():
        for i, name in enumerate(names):
            pos[name] = ((i + 0.5) / len(names) * widest, float(lv))
    for t in tiers:
        (x1, y1), (x2, y2) = pos[t.a], pos[t.b]
        techs = t.by_technology()
        main_tech = next(iter(techs))
        color = COLORS.get(main_tech.split("+")[0], "#555555")
        width = 1.5 + 4.5 * t.count / max(x.count for x in tiers)
        if t.a == t.b:  # links inside one tier (e.g. a ring or a mesh): a loop beside the box
            ax.annotate(
                "",
                (x1 + 0.45, y1 + 0.05),
                (x1 + 0.45, y1 - 0.05),
                arrowprops={"arrowstyle": "-", "connectionstyle": "arc3,rad=-2.5", "color": color, "lw": width},
            )
            lx, ly = x1 + 0.75, y1
        else:
            ax.plot([x1, x2], [y1, y2], color=color, lw=width, alpha=0.75, zorder=1, solid_capstyle="round")
            lx, ly = (x1 + x2) / 2, (y1 + y2) / 2
        speeds = ", ".join(f"{s:g}G" for s in t.speeds())
        tech_text = ", ".join(
            f"{LABELS.get(k, k.upper()) if '+' not in k else k.upper()} {n:,}" for k, n in techs.items()
        )
        ax.text(
            lx,
            ly,
            f"{t.count:,} links, {speeds}\n{tech_text}",
            fontsize=8.5,
            ha="center",
            va="center",
            zorder=3,
            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": color, "lw": 1},
        )
    for name, (x, y) in pos.items():
        members = groups_per_tier.get(name, {name})
        if name in switch_groups:
            rows = switch_groups[name]
            models: dict[str, int] = defaultdict(int)
            for r in rows:
                models[str(r["model"])] += int(r["count"])
            detail = ", ".join(f"{n:,} × {m}" for m, n in models.items())
            color = COLORS["switch"]
        else:
            detail = "end points"
            color = "#4C72B0"
        groups = f"{len(members):,} groups" if len(members) > 1 else "1 group"
        ax.text(
            x,
            y,
            f"{name}\n{detail}\n{groups}",
            fontsize=9.5,
            ha="center",
            va="center",
            zorder=4,
            weight="bold",
            color="white",
            bbox={"boxstyle": "round,pad=0.5", "fc": color, "ec": "none"},
        )
    ax.set_xlim(-0.1, widest + 0.1)
    ax.set_ylim(-0.6, max(by_level) + 0.6)
    ax.set_title(f"{plan.get('instance', '')}: fabric by tier (line width: link count; colour: main technology)")
    return _svg(fig)


def breakdown_figure(tiers: list[Tier], plan: dict[str, Any]) -> bytes:
    """Power (kW) and capex (M USD) per tier: each tier's link groups split by technology, then the switches."""
    power: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    capex: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for t in tiers:
        for tech, p, c in zip(t.technologies, t.links["power_w"], t.links["capex_usd"], strict=True):
            power[t.name][tech] += float(p)
            capex[t.name][tech] += float(c)
    nodes = _frame(plan.get("nodes"))
    for r in nodes.to_dict("records") if len(nodes) else []:
        name = f"{base_name(str(r['group']))} switches"
        power[name]["switch"] += float(r["power_w"])
        capex[name]["switch"] += float(r["capex_usd"])
    names = list(capex)[:24]
    fig = _figure(11, 1.4 + 0.42 * max(len(names), 2))
    ax_p, ax_c = fig.subplots(1, 2, sharey=True)
    ax_p.invert_yaxis()
    techs = list(dict.fromkeys(k for table in (power, capex) for row in table.values() for k in row))
    for ax, table, scale, unit in ((ax_p, power, 1e3, "power (kW)"), (ax_c, capex, 1e6, "capex (million USD)")):
        left = [0.0] * len(names)
        for tech in techs:
            values = [table[n].get(tech, 0.0) / scale for n in names]
            if not any(values):
                continue
            label = "switches" if tech == "switch" else tech.upper()
            ax.barh(
                names,
                values,
                left=left,
                color=COLORS.get(tech.split("+")[0], "#999999"),
                label=label,
                edgecolor="white",
                linewidth=0.5,
            )
            left = [x + v for x, v in zip(left, values, strict=True)]
        for y, total in enumerate(left):
            ax.annotate(f"{total:,.2f}", (total, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_xlabel(unit)
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.18)
    handles, labels = ax_p.get_legend_handles_labels()
    h2, l2 = ax_c.get_legend_handles_labels()
    seen = dict(zip(labels, handles, strict=True)) | dict(zip(l2, h2, strict=True))
    fig.legend(list(seen.values()), list(seen), loc="outside lower center", ncol=min(len(seen), 8))
    fig.suptitle("power and capex by tier and technology (link groups at their own figures, switches apart)")
    return _svg(fig)


def mix_figure(counts: dict[str, int]) -> bytes:
    """Link ends per optics technology, as one horizontal bar."""
    total = sum(counts.values()) or 1
    fig = _figure(9, 1.7)
    ax = fig.subplots()
    left = 0.0
    for tech, n in counts.items():
        share = n / total
        ax.barh([0], [share * 100], left=[left], color=COLORS.get(tech, "#999999"), edgecolor="white")
        if share >= 0.04:
            ax.text(
                left + share * 50,
                0,
                f"{LABELS.get(tech, tech)} {100 * share:.0f}%",
                ha="center",
                va="center",
                color="white",
                fontsize=10,
                weight="bold",
            )
        left += share * 100
    ax.set_xlim(0, 100)
    ax.set_yticks([])
    ax.set_xlabel("share of link ends (%)")
    ax.set_title("technology mix: link ends by optics technology")
    return _svg(fig)


def end_counts(links: pd.DataFrame, catalog: Any = None) -> dict[str, int]:
    """Link ends per technology (two per link): each end's own technology when the catalogue lists the part,
    else the link group's technology (both ends)."""
    if catalog is None:
        from optimizer.core.catalog import builtin_catalog

        catalog = builtin_catalog()
    classifier = Classifier(catalog)
    counts: dict[str, int] = defaultdict(int)
    given = link_technologies(links, catalog) if "technology" in links else None
    for i, (option, n) in enumerate(zip(links["option"], links["count"], strict=True)):
        try:
            ends = classifier.ends(str(option))
        except (KeyError, ValueError):
            tech = given[i] if given is not None else "-"
            ends = (tech, tech) if "+" not in tech else tuple(tech.split("+", 1))  # type: ignore[assignment]
        for tech in ends:
            counts[tech] += int(n)
    order = [t for t in TECHNOLOGIES if counts.get(t)] + sorted(t for t in counts if t not in TECHNOLOGIES)
    return {t: counts[t] for t in order}


def _summary(plan: dict[str, Any]) -> str:
    status = str(plan.get("status"))
    good = status in ("optimal", "feasible")
    solver = plan.get("solver") or {}
    gap = plan.get("gap")
    cards = [
        (f'<span class="{"ok" if good else "bad"}">{_e(status)}</span>', "status"),
        (_num(plan.get("objective"), 2), f"objective ({_e(plan.get('objective_mode'))})"),
        (_num(plan.get("bound"), 2), "best bound"),
        ("-" if gap is None else f"{100 * gap:.4f}%", "gap"),
    ]
    totals = plan.get("totals") or {}
    for key, label in (("capex_usd", "capex USD"), ("power_w", "power W"), ("tco_usd", "TCO USD")):
        if key in totals:
            cards.append((_num(totals[key], 1 if key == "power_w" else 0), label))
    html_cards = "".join(f'<div class="card"><b>{v}</b><span>{label}</span></div>' for v, label in cards)
    timing = ", ".join(
        f"{name} {solver[key]:.2f} s"
        for name, key in (("load", "load_s"), ("build", "build_s"), ("solve", "solve_s"))
        if isinstance(solver.get(key), int | float)
    )
    line = (
        f"HiGHS {_e(solver.get('version', '?'))} ({_e(solver.get('highs_status', '?'))}): {timing}; "
        f"{_num(solver.get('variables'))} variables, {_num(solver.get('constraints'))} constraints, "
        f"{_num(solver.get('nodes'))} B&amp;B nodes, threads {_e(solver.get('threads', '?'))}"
    )
    message = f"<p>solver: {_e(solver['message'])}</p>" if solver.get("message") else ""
    return f'<div class="cards">{html_cards}</div><p class="sub">{line}</p>{message}'


def _totals(totals: dict[str, Any]) -> str:
    rows = [
        ["optics", _num(totals.get("optics_power_w"), 1), _num(totals.get("optics_capex_usd"))],
        ["switches", _num(totals.get("switch_power_w"), 1), _num(totals.get("switch_capex_usd"))],
    ]
    out = table_html(
        [("", "text"), ("power W", "num"), ("capex USD", "num")],
        rows,
        total=["total", _num(totals.get("power_w"), 1), _num(totals.get("capex_usd"))],
    )
    shown = {"optics_power_w", "optics_capex_usd", "switch_power_w", "switch_capex_usd", "power_w", "capex_usd"}
    others = [[_e(_header(k)), _auto(k, v)] for k, v in totals.items() if k not in shown]
    if others:
        out += table_html([("figure", "text"), ("value", "num")], others)
    return out


def _tier_section(tiers: list[Tier]) -> str:
    summary = []
    parts = []
    for t in tiers:
        techs = ", ".join(f"{k} {n:,}" for k, n in t.by_technology().items())
        summary.append(
            [
                _e(t.name),
                _num(len(t.links)),
                _num(t.count),
                _e(", ".join(f"{s:g}" for s in t.speeds())),
                _e(techs),
                _num(t.links["power_w"].sum(), 1),
                _num(t.links["capex_usd"].sum()),
            ]
        )
        rows = [
            [
                _e(r["group"]),
                _e(r["option"]),
                _e(tech),
                _num(r["speed_gbps"]),
                _num(r["count"]),
                _auto("length_m", r["length_m"]),
                _num(r["power_w"], 1),
                _num(r["capex_usd"]),
                _num(r["latency_ns"], 1),
            ]
            for r, tech in zip(t.links.head(MAX_ROWS).to_dict("records"), t.technologies, strict=False)
        ]
        more = (
            f'<p class="note">... {len(t.links) - MAX_ROWS:,} more link groups in this tier: see links.csv</p>'
            if len(t.links) > MAX_ROWS
            else ""
        )
        parts.append(
            f"<h3>tier {_e(t.name)}</h3>"
            + table_html(
                [
                    ("group", "text"),
                    ("option", "text"),
                    ("technology", "text"),
                    ("speed Gb/s", "num"),
                    ("count", "num"),
                    ("length m", "num"),
                    ("power W", "num"),
                    ("capex USD", "num"),
                    ("latency ns", "num"),
                ],
                rows,
                total=[
                    "total",
                    "",
                    "",
                    "",
                    _num(t.count),
                    "",
                    _num(t.links["power_w"].sum(), 1),
                    _num(t.links["capex_usd"].sum()),
                    "",
                ],
            )
            + more
        )
    head = table_html(
        [
            ("tier", "text"),
            ("link groups", "num"),
            ("links", "num"),
            ("speeds Gb/s", "text"),
            ("links by technology", "text"),
            ("power W", "num"),
            ("capex USD", "num"),
        ],
        summary,
    )
    return head + "".join(parts)


def _reliability(rel: dict[str, Any]) -> str:
    cards = [
        (_num(rel.get("failures_per_year"), 1), "failures / year"),
        (_num(rel.get("links_down_per_year"), 1), "links down / year"),
        (f"{rel.get('interruptions_per_day', 0):.4g}", "job interruptions / day"),
        (f"{100 * rel.get('availability', 0):.4f}%", "availability"),
        (_num(rel.get("downtime_usd")), "downtime USD (horizon)"),
        (_num(rel.get("spares_capex_usd")), "spares USD at their need"),
        (_num(rel.get("spares_stock_capex_usd")), "spares USD stocked whole"),
    ]
    out = '<div class="cards">' + "".join(f'<div class="card"><b>{v}</b><span>{k}</span></div>' for v, k in cards)
    out += "</div>"
    if rel.get("by_technology"):
        out += "<h3>by technology</h3>" + frame_html(pd.DataFrame(rel["by_technology"]))
    if rel.get("spares"):
        out += "<h3>spares per failure mode</h3>" + frame_html(pd.DataFrame(rel["spares"]), what="plan.json")
    if rel.get("cpo_failure_domains"):
        out += "<h3>CPO failure domains</h3>" + frame_html(pd.DataFrame(rel["cpo_failure_domains"]))
    if rel.get("rows"):
        out += "<h3>per tier and technology</h3>" + frame_html(pd.DataFrame(rel["rows"]), what="reliability.csv")
    return out


def plan_sections(plan: dict[str, Any], catalog: Any) -> list[tuple[str, str]]:
    """(title, HTML) of each section of a plan's report."""
    sections: list[tuple[str, str]] = [("summary", _summary(plan))]
    if plan.get("diagnostics"):
        items = "".join(f"<li>{_e(r)}</li>" for r in plan["diagnostics"][:MAX_ROWS])
        sections.append(("why there is no plan (pre-solve checks and rules)", f'<ul class="reasons">{items}</ul>'))
    if plan.get("relaxations"):
        sections.append(("what would make a plan possible", frame_html(pd.DataFrame(plan["relaxations"]))))
    totals = plan.get("totals")
    if totals:
        sections.append(("totals", _totals(totals)))
    links = _frame(plan.get("links"))
    if len(links):
        techs = link_technologies(links, catalog)
        tiers = tiers_of(links, techs)
        sections.append(
            (
                "topology",
                figure_html(
                    topology_figure(plan, tiers),
                    "image/svg+xml",
                    "Node tiers (per-instance numbers dropped from group names) from the end points up; each line "
                    "joins two tiers with their link count, speeds and links per technology.",
                    "topology of the fabric",
                ),
            )
        )
        counts = end_counts(links, catalog)
        total = sum(counts.values()) or 1
        mix_rows = [[_e(LABELS.get(t, t)), _num(n), f"{100 * n / total:.1f}%"] for t, n in counts.items()]
        sections.append(
            (
                "technology mix",
                table_html(
                    [("technology", "text"), ("link ends", "num"), ("share", "num")],
                    mix_rows,
                    total=["total", _num(sum(counts.values())), "100.0%"],
                )
                + figure_html(
                    mix_figure(counts), "image/svg+xml", "Link ends (two per link) per technology.", "technology mix"
                )
                + figure_html(
                    breakdown_figure(tiers, plan),
                    "image/svg+xml",
                    "Power and capex per tier.",
                    "power and capex by tier",
                ),
            )
        )
        sections.append(("link groups by tier", _tier_section(tiers)))
    nodes = _frame(plan.get("nodes"))
    if len(nodes):
        sections.append(("switch groups", frame_html(nodes, what="nodes.csv")))
    bom = _frame(plan.get("bom"))
    if len(bom):
        sections.append(("bill of materials", frame_html(bom, what="bom.csv")))
    paths = _frame(plan.get("paths"))
    if len(paths):
        sections.append(("latency paths", frame_html(paths, what="paths.csv")))
    if totals and "gpus_displaced" in totals:
        sections.append(
            (
                "site",
                f"<p>The network's power displaces {_num(totals['gpus_displaced'], 2)} GPUs of the site, worth "
                f"{_num(totals.get('gpus_displaced_usd'))} USD over the horizon (part of the TCO).</p>",
            )
        )
    if plan.get("reliability"):
        sections.append(("reliability", _reliability(plan["reliability"])))
    if plan.get("flows"):
        flows = pd.DataFrame(plan["flows"])
        sections.append(("routing: arc flows", frame_html(flows, what="flows.csv")))
    if plan.get("fabrics"):
        fabrics = pd.DataFrame(plan["fabrics"])
        for col in fabrics.columns:
            fabrics[col] = [", ".join(map(str, v)) if isinstance(v, list) else v for v in fabrics[col]]
        sections.append(("fabrics (compatibility rules)", frame_html(fabrics)))
    return sections


# ---------------------------------------------------------------------------------------------------------------
# study sections


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _chart(folder: Folder, name: str, draw: Any, caption: str) -> str:
    if name in folder.images:
        return figure_html(folder.images[name], "image/png", caption, name)
    return figure_html(draw(), "image/svg+xml", caption, name)


def _pareto_chart(table: pd.DataFrame) -> bytes:
    fig = _figure(9, 5.5)
    ax = fig.subplots()
    x_col = "power_w" if "power_w" in table else table.columns[0]
    ax.step(table[x_col] / 1e3, table["capex_usd"] / 1e6, where="post", color="#BBBBBB")
    ax.scatter(table[x_col] / 1e3, table["capex_usd"] / 1e6, color="#C44E52", zorder=3)
    for i, r in enumerate(table.to_dict("records")):
        ax.annotate(
            f"{i}: {r.get('mix', '')}",
            (r[x_col] / 1e3, r["capex_usd"] / 1e6),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xlabel("total power (kW)")
    ax.set_ylabel("capex (million USD)")
    ax.grid(alpha=0.3)
    ax.set_title("capex versus power: the non-dominated plans")
    return _svg(fig)


def _sweep_chart(table: pd.DataFrame) -> bytes:
    params = [c for c in table.columns if "." in c and not c.startswith("choice:")][:1]
    ok = table[table["status"].isin(["optimal", "feasible"])]
    fig = _figure(9, 4.5)
    ax = fig.subplots()
    metric = "tco_usd" if "tco_usd" in ok else "objective"
    if params and len(ok):
        agg = ok.groupby(params[0], sort=True)[metric].mean()
        ax.plot(agg.index, agg.to_numpy() / 1e6, marker="o")
        ax.set_xlabel(params[0])
    ax.set_ylabel(f"{metric} (million)")
    ax.grid(alpha=0.3)
    ax.set_title(f"sweep: {len(table)} scenarios, {len(ok)} with a plan")
    return _svg(fig)


def _envelope_chart(table: pd.DataFrame) -> bytes:
    fig = _figure(8, 3.5)
    ax = fig.subplots()
    names = [str(v) for v in table["variant"]]
    bars = ax.bar(names, table["gpus"], color=[COLORS.get(n, "#4C72B0") for n in names])
    ax.bar_label(bars, labels=[f"{int(v):,}" for v in table["gpus"]], fontsize=8)
    ax.set_ylabel("GPUs")
    ax.set_title("the most GPUs the site holds per technology variant")
    return _svg(fig)


def _breakeven_chart(table: pd.DataFrame, meta: dict[str, Any]) -> bytes:
    """The objective at each value solved, one colour per choice of the group, each flip a dashed line."""
    fig = _figure(9, 4.2)
    ax = fig.subplots()
    ok = table[table["objective"].notna()]
    palette = ["#4C72B0", "#C44E52", "#55A868", "#8172B2", "#CCB974", "#64B5CD", "#937860"]
    for k, (choice, part) in enumerate(ok.groupby("choice", sort=False)):
        ax.scatter(part["value"], part["objective"] / 1e6, color=palette[k % len(palette)], label=str(choice)[:60])
    for flip in meta.get("flips", []):
        ax.axvline(flip["value"], color="#555555", linestyle="--", lw=1)
        ax.annotate(
            f"{flip['value']:.6g}",
            (flip["value"], 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
        )
    unit = " (factor of the base value)" if meta.get("relative") else ""
    ax.set_xlabel(f"{meta.get('parameter', 'value')}{unit}")
    ax.set_ylabel("objective (million)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title=f"options of {meta.get('group', 'the group')}", title_fontsize=8)
    ax.set_title("break-even: the objective at each value solved, by the group's choice")
    return _svg(fig)


def study_sections(folder: Folder) -> list[tuple[str, str]]:
    sections: list[tuple[str, str]] = []
    if folder.pareto_table is not None:
        table = folder.pareto_table
        meta = folder.pareto or {}
        intro = (
            f"<p>{len(table):,} non-dominated points from {_num(meta.get('solves'))} point solves "
            f"({_num(meta.get('solver_runs'))} solver runs), trading capex against {_e(meta.get('against', 'power'))}."
            "</p>"
        )
        shown = [c for c in table.columns if not c.startswith("share_")]
        sections.append(
            (
                "Pareto front",
                intro
                + _chart(
                    folder,
                    "pareto.png",
                    lambda: _pareto_chart(table),
                    "Capex against power of the non-dominated plans.",
                )
                + frame_html(table[shown], what="pareto.csv"),
            )
        )
    if folder.sweep is not None:
        table = folder.sweep
        counts = table["status"].value_counts().to_dict() if "status" in table else {}
        intro = (
            f"<p>{len(table):,} scenarios: " + ", ".join(f"{n} {_e(s)}" for s, n in sorted(counts.items())) + ".</p>"
        )
        sections.append(
            (
                "sweep",
                intro
                + _chart(folder, "sweep.png", lambda: _sweep_chart(table), "Sweep results against the first parameter.")
                + frame_html(table, what="sweep.csv"),
            )
        )
    if folder.breakeven is not None:
        table = folder.breakeven
        meta = folder.breakeven_meta or {}
        flips = meta.get("flips", [])
        unit = " (factor of the base value)" if meta.get("relative") else ""
        items = "".join(
            f"<li>{_e(meta.get('parameter'))} = <b>{f['value']:.6g}</b>{unit} (between {f['below']:.6g} and "
            f"{f['above']:.6g}): {_e(meta.get('group'))} changes from [{_e(f['choice_below'])}] to "
            f"[{_e(f['choice_above'])}]</li>"
            for f in flips
        )
        found = (
            f'<ul class="reasons">{items}</ul>' if flips else "<p>No change of the group's options in the range.</p>"
        )
        sections.append(
            (
                "break-even",
                found
                + figure_html(
                    _breakeven_chart(table, meta), "image/svg+xml", "Objective against the parameter.", "break-even"
                )
                + frame_html(table, what="breakeven.csv"),
            )
        )
    if folder.envelope is not None:
        table = folder.envelope
        sections.append(
            (
                "site envelope",
                _chart(folder, "envelope.png", lambda: _envelope_chart(table), "The most GPUs per variant.")
                + frame_html(table, what="envelope.csv"),
            )
        )
    return sections


def render(folder: Folder, catalog: Any = None) -> str:
    """The report's HTML text."""
    sections: list[tuple[str, str]] = []
    name = folder.path.name
    if folder.plan is not None:
        sections += plan_sections(folder.plan, catalog)
        name = str(folder.plan.get("instance", name))
    sections += study_sections(folder)
    if folder.plan is None and folder.pareto:
        name = str(folder.pareto.get("instance", name))
    toc = " · ".join(f'<a href="#s{i}">{_e(title)}</a>' for i, (title, _) in enumerate(sections))
    body = "".join(
        f'<section id="s{i}"><h2>{_e(title)}</h2>{content}</section>' for i, (title, content) in enumerate(sections)
    )
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("optics-planner")
    except PackageNotFoundError:
        release = "unknown"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(name)}: plan report</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{_e(name)}</h1>"
        f'<p class="sub">Report of the folder {_e(folder.path.name or str(folder.path))}/ (optimizer {_e(release)}). '
        f"Contents: {toc}</p>{body}</main></body></html>\n"
    )
