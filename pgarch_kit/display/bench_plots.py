"""Plots of timings and load tests: latency against data size (log–log, with the budget line
and the extrapolation to the design's volume), throughput and latency against clients and
over time, and the measured effect of index candidates."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .plots import Plot

if TYPE_CHECKING:
    from pgarch_kit.bench.indexes import IndexAdvice
    from pgarch_kit.bench.loadtest import LoadTest
    from pgarch_kit.bench.scaling import ScalingCurves

__all__ = ["index_advice_plot", "load_test_plot", "scaling_plot"]

_COLORS = ("#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d",
           "#7c3aed", "#ea580c", "#0f766e")
_BUDGET = "#dc2626"


def scaling_plot(curves: ScalingCurves, *, title: str | None = None) -> Plot:
    """Latency of each pattern against the rows of the largest table it reads, on log–log
    axes: the median at each step (dots and line) with a bar up to its p95, the shape fitted
    to the medians carried out to the volume the design expects (dashed), the p95 predicted
    there (a star), and the latency budget (red)."""
    import numpy as np
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9.5, 5.4), layout="constrained")
    ax = fig.subplots()
    top = 0.0
    for i, c in enumerate(curves.curves):
        color = _COLORS[i % len(_COLORS)]
        kind = c.fit.kind if c.fit else "?"
        flag = "  ✗ over budget" if c.breaks_budget else ""
        ax.plot(c.rows, c.median_ms, "o-", color=color, lw=2,
                label=f"{c.pattern} ({c.table}): {kind}{flag}")
        ax.vlines(c.rows, c.median_ms, c.p95_ms, color=color, lw=4, alpha=0.3)
        top = max(top, *c.p95_ms)
        if c.fit is not None:
            xs = np.geomspace(max(c.rows), c.target_rows, 40)
            ax.plot(xs, [c.fit.predict(x) for x in xs], "--", color=color, lw=1.2, alpha=0.8)
            p95 = c.predict_p95(c.target_rows) or 0.0
            ax.plot([c.target_rows], [p95], "*", color=color, ms=14,
                    markeredgecolor="black", markeredgewidth=0.6)
            top = max(top, p95)
    budget = curves.curves[0].budget_ms if curves.curves else 100.0
    ax.axhline(budget, color=_BUDGET, lw=1.5, ls="-.", label=f"{budget:.0f} ms budget")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows in the largest table the pattern reads\n(dots: median · bars: up to "
                  "p95 · dashed: fitted shape, extrapolated · ★: predicted p95 at the expected "
                  "volume)", fontsize=9)
    ax.set_ylabel("latency per call (ms, client side)")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title or f"{curves.design}: latency as the data grows", fontsize=11)
    if top > 0:
        ax.set_ylim(top=max(top * 4, budget * 3))
    return Plot(fig)


def load_test_plot(lt: LoadTest, *, title: str | None = None) -> Plot:
    """Three panels: throughput against clients, latency percentiles against clients, and
    throughput second by second during each run."""
    from matplotlib.figure import Figure
    runs = sorted(lt.runs, key=lambda r: r.clients)
    clients = [r.clients for r in runs]
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    tps_ax, lat_ax, time_ax = fig.subplots(1, 3)
    tps_ax.plot(clients, [r.tps for r in runs], "o-", color=_COLORS[0], lw=2)
    knee = lt.advice.knee_clients
    tps_ax.axvline(knee, color="#6b7280", ls=":", lw=1)
    tps_ax.annotate(f"knee: {knee} clients", (knee, min(r.tps for r in runs)),
                    textcoords="offset points", xytext=(4, 4), fontsize=8, color="#374151")
    tps_ax.set_title("throughput", fontsize=10)
    tps_ax.set_ylabel("transactions per second")
    for q, style in (("p50", "o-"), ("p95", "s--"), ("p99", "^:")):
        lat_ax.plot(clients, [r.percentiles()[q] for r in runs], style, lw=1.8, label=q)
    lat_ax.set_yscale("log")
    lat_ax.set_title("latency per transaction", fontsize=10)
    lat_ax.set_ylabel("ms")
    lat_ax.legend(fontsize=8)
    for i, r in enumerate(runs):
        series = r.per_second()
        time_ax.plot(series["second"], series["tps"], "-", color=_COLORS[i % len(_COLORS)],
                     lw=1.5, label=f"{r.clients} clients")
    time_ax.set_title("throughput over each run", fontsize=10)
    time_ax.set_xlabel("second of the run")
    time_ax.set_ylabel("transactions per second")
    time_ax.set_ylim(bottom=0)
    time_ax.legend(fontsize=8)
    for ax in (tps_ax, lat_ax):
        ax.set_xscale("log", base=2)
        ax.set_xticks(clients, [str(c) for c in clients])
        ax.set_xlabel("concurrent clients (pgbench -c)")
    for ax in (tps_ax, lat_ax, time_ax):
        ax.grid(True, which="both", alpha=0.25)
    fig.suptitle(title or f"{lt.design}: load test of the query mix "
                 f"({lt.duration:g} s per client count)", fontsize=11)
    return Plot(fig)


def index_advice_plot(advice: IndexAdvice, *, title: str | None = None) -> Plot:
    """Median latency (bar) and p95 (tick) as designed and with each candidate, log scale;
    the kept candidate green, dropped ones grey, with size and INSERT cost beside each."""
    from matplotlib.figure import Figure
    labels = ["as designed"] + [f"{t.candidate.kind}: {t.name.removeprefix('pgarch_cand_')}"
                                for t in advice.trials]
    medians = [advice.before.median_ms] + [t.after.median_ms for t in advice.trials]
    p95 = [advice.before.p95_ms] + [t.after.p95_ms for t in advice.trials]
    colors = ["#9ca3af"] + ["#16a34a" if t.verdict == "keep" else "#cbd5e1"
                            for t in advice.trials]
    notes = [""] + [f"{advice.speedup(t):,.1f}×, {t.size_bytes / 1024:,.0f} kB, "
                    f"INSERT {t.insert_extra_pct:+.0f}%" for t in advice.trials]
    fig = Figure(figsize=(9.5, 1.2 + 0.55 * len(labels)), layout="constrained")
    ax = fig.subplots()
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, medians, color=colors, edgecolor="#374151", height=0.6)
    ax.plot(p95, ys, "|", color="#111827", ms=14, mew=2, label="p95")
    for y, m, q, note in zip(ys, medians, p95, notes):
        if note:  # right of the p95 tick, so the two never overlap
            ax.annotate(note, (max(m, q), y), textcoords="offset points", xytext=(9, -3),
                        fontsize=8)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("median latency (ms, log scale); | = p95")
    ax.grid(True, axis="x", which="both", alpha=0.25)
    ax.set_xlim(right=max(p95 + medians) * 20)
    ax.set_title(title or f"{advice.pattern}: each candidate index built and measured "
                 f"(green: kept)", fontsize=10)
    return Plot(fig)


def capacity_plot(capacities: list, *, title: str | None = None) -> Plot:
    """Disk per table at each volume (``Capacity`` objects: launch, horizon, 10x …), heap and
    indexes stacked, on a log scale so small and big tables both read."""
    import numpy as np
    from matplotlib.figure import Figure
    names = [t.name for t in sorted(capacities[-1].tables, key=lambda t: -t.total_bytes)]
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(capacities)
    x = np.arange(len(names))
    gb = 1024 ** 3
    for i, cap in enumerate(capacities):
        by = {t.name: t for t in cap.tables}
        heap = [by[n].heap_bytes / gb + by[n].toast_bytes / gb for n in names]
        index = [by[n].index_bytes / gb for n in names]
        color = _COLORS[i % len(_COLORS)]
        ax.bar(x + i * width, heap, width, color=color,
               label=f"{cap.label} ({cap.total_bytes / gb:,.1f} GB): tables")
        ax.bar(x + i * width, index, width, bottom=heap, color=color, alpha=0.45,
               hatch="//", label=f"{cap.label}: indexes")
    ax.set_xticks(x + width * (len(capacities) - 1) / 2, names, rotation=20, ha="right",
                  fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("GB on disk (log scale)")
    ax.grid(True, axis="y", which="both", alpha=0.25)
    ax.legend(fontsize=7, ncol=len(capacities), loc="upper right")
    ax.set_title(title or f"{capacities[0].design}: size per table and its indexes",
                 fontsize=11)
    return Plot(fig)


def replica_lag_plot(lag, *, title: str | None = None) -> Plot:
    """WAL the replica has yet to replay, and how old its last replayed change is, over the
    write load (a ``ReplicaLag``)."""
    from matplotlib.figure import Figure
    frame = lag.frame()
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(frame["second"], frame["bytes_behind"] / 1024, "-", color=_COLORS[0], lw=1.5)
    left.set_xlabel("second of the write load")
    left.set_ylabel("kB of WAL not yet replayed")
    left.set_title("replica behind the primary (bytes)", fontsize=10)
    right.plot(frame["second"], frame["replay_age_ms"], "-", color=_COLORS[2], lw=1.5)
    right.set_xlabel("second of the write load")
    right.set_ylabel("ms since the last replayed commit")
    right.set_title("replica behind the primary (time)", fontsize=10)
    for ax in (left, right):
        ax.grid(True, alpha=0.25)
        ax.set_ylim(bottom=0)
    tps = f"{lag.run.tps:,.0f} updates/s" if lag.run else ""
    fig.suptitle(title or f"{lag.design}: streaming replica under {tps}", fontsize=11)
    return Plot(fig)
