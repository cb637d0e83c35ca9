"""Plots display themselves as PNG (so exported reports embed them) without pyplot."""
from __future__ import annotations

from dataclasses import dataclass

from pgarch_kit.display import load_speed_plot


@dataclass
class _Result:
    total_rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds


def test_load_speed_plot_renders_png() -> None:
    plot = load_speed_plot([_Result(1000, 0.5), _Result(10_000, 2.0), _Result(100_000, 9.0)])
    png = plot._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    axes = plot.figure.get_axes()
    assert len(axes) == 2 and list(axes[0].lines[0].get_xdata()) == [1000, 10_000, 100_000]
