"""Percentiles and growth fits on points whose shape is known (pure)."""
from __future__ import annotations

import math

import pytest

from pgarch_kit.bench.stats import fit_growth, percentiles, summarize

ROWS = [1e4, 1e5, 1e6, 1e7]


@pytest.mark.parametrize(("ms", "kind"), [
    ([0.050, 0.052, 0.049, 0.055], "constant"),        # an index lookup, with noise
    ([0.05, 0.06, 0.07, 0.08], "logarithmic"),         # one more level per 10x
    ([0.3, 2.1, 20.5, 210.0], "linear"),               # a scan
    ([0.2, 3.0, 100.0, 3500.0], "worse than linear"),  # ~ rows^1.5
])
def test_fit_growth_tells_the_shapes_apart(ms: list[float], kind: str) -> None:
    g = fit_growth(ROWS, ms)
    assert g.kind == kind
    for r, y in zip(ROWS, ms):  # the chosen shape explains the points
        assert g.predict(r) == pytest.approx(y, rel=0.35)


def test_extrapolation_follows_the_shape() -> None:
    linear = fit_growth(ROWS[:3], [0.3, 2.1, 20.5])
    assert linear.predict(1e7) == pytest.approx(205, rel=0.1)
    flat = fit_growth(ROWS[:3], [0.05, 0.05, 0.051])
    assert flat.predict(1e9) < 0.06


def test_fit_growth_refuses_too_few_or_bad_points() -> None:
    with pytest.raises(ValueError, match="two points"):
        fit_growth([1e4], [1.0])
    with pytest.raises(ValueError):
        fit_growth([1e4, 0], [1.0, 2.0])


def test_percentiles_and_summary() -> None:
    values = list(range(1, 101))
    p50, p95, p99 = percentiles(values)
    assert (p50, p95, p99) == pytest.approx((50.5, 95.05, 99.01))
    s = summarize(values)
    assert s["min"] == 1 and s["max"] == 100 and s["mean"] == pytest.approx(50.5)
    assert all(math.isnan(v) for v in summarize([]).values())
