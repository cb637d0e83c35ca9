"""Plots people would rather look at than read. Each returns a matplotlib Figure (which a
notebook shows, and nbconvert embeds as a PNG in the exported report)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Plot", "load_speed_plot"]


class Plot:
    """A figure that displays itself as PNG in any notebook (and so in exported HTML),
    whatever matplotlib backend the kernel uses; ``.figure`` is the matplotlib Figure."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure

    def png(self, dpi: int = 110) -> bytes:
        import io
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the PNG atomically (a regular file only; see :mod:`pgarch_kit._fileio`)."""
        import io

        from pgarch_kit._fileio import atomic_write_bytes
        fmt = Path(path).suffix.lower().lstrip(".") or "png"  # as savefig(path) would infer
        buf = io.BytesIO()
        self.figure.savefig(buf, format=fmt, dpi=110)
        return atomic_write_bytes(path, buf.getvalue())


def load_speed_plot(results: Sequence[Any], *, title: str = "Synthetic data load") -> Plot:
    """Rows loaded vs. seconds and rows per second, one point per load (``LoadResult``s)."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no backend needed
    rows = [r.total_rows for r in results]
    secs = [r.seconds for r in results]
    rate = [r.rows_per_second for r in results]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(rows, secs, "o-", color="#2563eb")
    left.set_xlabel("rows loaded")
    left.set_ylabel("seconds (generate + COPY + indexes + FKs)")
    left.set_title("time grows linearly with rows")
    right.plot(rows, rate, "o-", color="#16a34a")
    right.set_xlabel("rows loaded")
    right.set_ylabel("rows per second")
    right.set_ylim(bottom=0)
    right.set_title("throughput")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.ticklabel_format(style="plain", axis="x")
    fig.suptitle(title)
    return Plot(fig)
