"""Plots of the production evidence: where a read is served from (Redis hit, miss, or
PostgreSQL alone) and how fast, and what a lower fill factor does to HOT updates and growth."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .bench_plots import _COLORS
from .plots import Plot

if TYPE_CHECKING:
    from pgarch_kit.bench.caching import CacheTrial
    from pgarch_kit.bench.concurrency import HotTrial

__all__ = ["cache_plot", "hot_plot"]


def cache_plot(trial: CacheTrial, *, title: str | None = None) -> Plot:
    """Per pattern: p50 latency from PostgreSQL alone, on a cache hit and on a miss (bars,
    log scale), and the hit rate (right)."""
    from matplotlib.figure import Figure
    frame = trial.frame()
    fig = Figure(figsize=(10, 1.4 + 0.55 * len(frame)), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(3, 1), sharey=True)
    ys = np.arange(len(frame))[::-1]
    h = 0.26
    for i, (col, label) in enumerate((("direct_p50_ms", "PostgreSQL alone"),
                                      ("hit_p50_ms", "Redis hit"),
                                      ("miss_p50_ms", "miss (query + store)"))):
        left.barh(ys + (1 - i) * h, frame[col], height=h, color=_COLORS[i], label=label)
    left.set_yticks(ys, frame["pattern"], fontsize=8)
    left.set_xscale("log")
    left.set_xlabel("median latency (ms, log scale)")
    left.grid(True, axis="x", which="both", alpha=0.25)
    left.legend(fontsize=8, loc="lower right")
    right.barh(ys, frame["hit_rate"] * 100, color=_COLORS[1], height=0.5)
    for y, rate in zip(ys, frame["hit_rate"]):
        right.annotate(f"{rate:.0%}", (rate * 100, y), textcoords="offset points",
                       xytext=(3, -3), fontsize=8)
    right.set_xlim(0, 115)
    right.set_xlabel("hit rate (%)")
    right.grid(True, axis="x", alpha=0.25)
    fig.suptitle(title or f"cache-aside in Redis: {trial.threads} threads × {trial.seconds:g} s,"
                 f" keys {trial.skew}, hit rate {trial.hit_rate:.0%}", fontsize=11)
    return Plot(fig)


def hot_plot(trial: HotTrial, *, title: str | None = None) -> Plot:
    """Share of HOT updates and table growth at each fill factor."""
    from matplotlib.figure import Figure
    runs = sorted(trial.runs, key=lambda r: -r.fillfactor)
    labels = [f"fillfactor {r.fillfactor}" for r in runs]
    fig = Figure(figsize=(9, 2.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.bar(labels, [r.hot_ratio * 100 for r in runs], color=_COLORS[1])
    left.set_ylabel("HOT updates (%)")
    left.set_ylim(0, 105)
    before = [r.pages_before for r in runs]
    after = [r.pages_after - r.pages_before for r in runs]
    right.bar(labels, before, color="#cbd5e1", label="pages after load")
    right.bar(labels, after, bottom=before, color=_COLORS[2], label="grown by the updates")
    right.set_ylabel("table pages (8 kB)")
    right.legend(fontsize=8, loc="lower right")
    for ax in (left, right):
        ax.grid(True, axis="y", alpha=0.25)
    for x, r in enumerate(runs):
        left.annotate(f"{r.hot_ratio:.0%}", (x, r.hot_ratio * 100), ha="center",
                      textcoords="offset points", xytext=(0, 3), fontsize=9)
        right.annotate(f"+{r.growth:.0%}", (x, r.pages_after), ha="center",
                       textcoords="offset points", xytext=(0, 3), fontsize=9)
    fig.suptitle(title or f"{trial.table}: {runs[0].updates:,} updates of {trial.column} "
                 f"(in no index) on {trial.rows:,} rows", fontsize=11)
    return Plot(fig)
