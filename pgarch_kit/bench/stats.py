"""Pure statistics for timings: latency percentiles, and how latency grows with the data.

A query served by the right index costs about the same at 10 thousand and 10 million rows
(constant, or logarithmic — one more B-tree level per ~100-500× rows); a scan grows linearly;
a bad join or sort grows faster. :func:`fit_growth` fits each of these shapes to measured
(rows, latency) points and keeps the simplest that explains them, so a designer can
extrapolate to the volume the design expects and see which patterns will break the budget
before the data exists. No database access.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["GROWTH_KINDS", "Growth", "fit_growth", "percentiles", "summarize"]

GROWTH_KINDS = ("constant", "logarithmic", "linear", "worse than linear")
# The simplest shape is kept whose relative error is within _CLOSE of the best shape's, or
# below _NOISE — the scatter a repeated median timing shows anyway.
_CLOSE = 1.25
_NOISE = 0.12


def percentiles(values: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> list[float]:
    if len(values) == 0:
        return [math.nan for _ in qs]
    return [float(v) for v in np.percentile(np.asarray(values, dtype=float), qs)]


def summarize(values: Sequence[float]) -> dict[str, float]:
    """min / median / p95 / p99 / max / mean of a latency sample (ms)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return {k: math.nan for k in ("min", "median", "p95", "p99", "max", "mean")}
    p50, p95, p99 = percentiles(arr)
    return {"min": float(arr.min()), "median": p50, "p95": p95, "p99": p99,
            "max": float(arr.max()), "mean": float(arr.mean())}


@dataclass(frozen=True)
class Growth:
    """The shape fitted to (rows, ms) points: ``kind`` in :data:`GROWTH_KINDS`, the model's
    coefficients, its relative error, and the log–log slope (0 flat, 1 linear)."""

    kind: str
    a: float                       # intercept (ms)
    b: float                       # coefficient of the growing term
    exponent: float                # k of b·rows^k for "worse than linear"
    slope: float                   # d log(ms) / d log(rows) over the measured range
    error: float                   # RMS of relative residuals
    points: int

    def predict(self, rows: float) -> float:
        """Latency (ms) the fitted shape gives at ``rows``."""
        if self.kind == "constant":
            return self.a
        if self.kind == "logarithmic":
            return self.a + self.b * math.log(rows)
        if self.kind == "linear":
            return self.a + self.b * rows
        return self.a + self.b * rows ** self.exponent

    def describe(self) -> str:
        return {"constant": "flat: does not grow with the data",
                "logarithmic": "grows logarithmically (an index lookup)",
                "linear": "grows linearly with the rows (it reads them all)",
                "worse than linear": f"grows faster than the rows (∝ rows^{self.exponent:.1f})",
                }[self.kind]


def _lstsq(x: np.ndarray, y: np.ndarray, *, free_intercept: bool = False
           ) -> tuple[float, float]:
    """a + b·x minimising *relative* residuals (points span orders of magnitude, and a 10%
    miss matters as much at 1 ms as at 1 s), with b ≥ 0 — latency never falls as data
    grows — and a ≥ 0 (a fixed cost per call) unless ``free_intercept`` (for x = log rows,
    where a is the value at one row and means nothing on its own)."""
    w = 1.0 / np.maximum(y, 1e-12)
    design = np.column_stack([w, x * w])
    (a, b), *_ = np.linalg.lstsq(design, np.ones_like(y), rcond=None)
    if b < 0:
        return float(np.median(y)), 0.0
    if a < 0 and not free_intercept:
        xw = x * w
        return 0.0, max(float(xw.sum() / (xw * xw).sum()), 0.0) if (xw * xw).sum() else 0.0
    return float(a), float(b)


def _rel_error(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(((pred - y) / np.maximum(y, 1e-9)) ** 2)))


def fit_growth(rows: Sequence[float], ms: Sequence[float]) -> Growth:
    """Fit constant, logarithmic, linear and power (k > 1) shapes to the points and keep
    the simplest one that explains them about as well as the best (see :data:`_CLOSE`)."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(ms, dtype=float)
    if x.size < 2 or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_growth needs at least two points with positive rows and times")
    slope = float(np.polyfit(np.log(x), np.log(y), 1)[0])
    fits: list[Growth] = []
    a = float(np.median(y))
    fits.append(Growth("constant", a, 0.0, 0.0, slope, _rel_error(np.full_like(y, a), y), x.size))
    a, b = _lstsq(np.log(x), y, free_intercept=True)
    fits.append(Growth("logarithmic", a, b, 0.0, slope,
                       _rel_error(a + b * np.log(x), y), x.size))
    a, b = _lstsq(x, y)
    fits.append(Growth("linear", a, b, 1.0, slope, _rel_error(a + b * x, y), x.size))
    if x.size >= 3 and slope > 1.0:
        best: Growth | None = None
        for k in np.arange(1.1, 3.01, 0.05):
            a, b = _lstsq(x ** k, y)
            g = Growth("worse than linear", a, b, float(k), slope,
                       _rel_error(a + b * x ** k, y), x.size)
            if best is None or g.error < best.error:
                best = g
        if best is not None:
            fits.append(best)
    # the simplest shape that explains the points about as well as the best one does
    best = min(g.error for g in fits)
    return next(g for g in fits if g.error <= max(_NOISE, best * _CLOSE))
