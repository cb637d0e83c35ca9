"""The design document's measured plot: each query pattern's median and p95 latency against
the latency budget, so a reader sees at a glance which patterns have headroom and which do
not. It reads the export layer's ``Evidence`` by its attributes only (``patterns``,
``budget_ms`` …): display sits below export and must not import it."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .bench_plots import _BUDGET, _COLORS
from .plots import Plot

__all__ = ["pattern_timings_plot", "timings_plot"]


def pattern_timings_plot(rows: Sequence[tuple[str, float, float, bool]], *,
                         budget_ms: float = 100.0, title: str = "query patterns") -> Plot:
    """Horizontal bars per pattern — median (solid) and p95 (light) on a log scale, since a
    lookup and a scan differ by orders of magnitude — with the budget as a red line; critical
    patterns are starred and patterns over the budget drawn red. ``rows``: (pattern, median
    ms, p95 ms, critical)."""
    import numpy as np
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 2.4 + 0.45 * max(len(rows), 1)), layout="constrained")
    ax = fig.subplots()
    if not rows:
        ax.text(0.5, 0.5, "no measured query patterns", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        fig.suptitle(title, fontsize=11)
        return Plot(fig)
    ys = np.arange(len(rows))[::-1]
    names = [f"★ {n}" if critical else n for n, _, _, critical in rows]
    median = [max(m, 1e-3) for _, m, _, _ in rows]
    p95 = [max(p, 1e-3) for _, _, p, _ in rows]
    colors = [_BUDGET if p > budget_ms else _COLORS[0] for p in p95]
    ax.barh(ys, p95, height=0.6, color=colors, alpha=0.3, label="p95")
    ax.barh(ys, median, height=0.6, color=colors, label="median")
    for y, m, p in zip(ys, median, p95):
        ax.annotate(f"{m:.3g} / {p:.3g} ms", (p, y), textcoords="offset points",
                    xytext=(4, -3), fontsize=8)
    ax.axvline(budget_ms, color=_BUDGET, lw=1.5, ls="-.", label=f"{budget_ms:.0f} ms budget")
    ax.set_xscale("log")
    ax.set_xlim(min(median) / 3, max(max(p95) * 8, budget_ms * 2))
    ax.set_yticks(ys, names, fontsize=9)
    ax.set_xlabel("latency per call, client side (ms, log scale) — ★ critical path")
    ax.grid(True, axis="x", which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title, fontsize=11)
    return Plot(fig)


def timings_plot(evidence: Any, path: str | Path) -> Path:
    """Write :func:`pattern_timings_plot` of an ``Evidence``
    (:mod:`pgarch_kit.export.evidence`) as a PNG at ``path``; returns the path. Patterns
    that could not be timed are left out (the design document lists them)."""
    rows = [(p.pattern, p.median_ms, p.p95_ms, p.critical) for p in evidence.patterns
            if p.measured]
    plot = pattern_timings_plot(
        rows, budget_ms=evidence.budget_ms,
        title=(f"{evidence.design}: query patterns at scale {evidence.scale:g} "
               f"(PostgreSQL {evidence.server_version_text})"))
    plot.save(path)  # atomic; creates the folder
    return Path(path)
