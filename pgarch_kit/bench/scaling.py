"""Scaling curves: load the design at growing volumes, time every pattern at each, and say
which ones will break the latency budget at the volume the design expects.

Each step recreates the sandbox with :func:`pgarch_kit.db.load.load` at one scale (so the
data has the design's shape — fan-outs, skew, null ratios — at every size), then times each
pattern with :func:`pgarch_kit.bench.timing.time_query`. Per pattern, the x axis is the row
count of the largest table it reads; :func:`pgarch_kit.bench.stats.fit_growth` fits the shape
of the median — the p95 of a few dozen sub-millisecond runs is too noisy to read a shape from
— and the p95 is predicted as that shape times the measured tail (p95 over median at the
largest step), at the table's expected volume (its ``rows`` intent plus ``growth_per_month``
over the horizon), or at ten times the largest step when the design states no volume.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._html import table
from .stats import Growth, fit_growth
from .target import BenchError, embedded_server
from .timing import BUDGET_MS, Timing, Timings, time_query

if TYPE_CHECKING:
    from pgarch_kit.model import Design

__all__ = ["HORIZON_MONTHS", "Curve", "ScalingCurves", "expected_rows", "scale_for_rows",
           "scaling"]

HORIZON_MONTHS = 24  # the advisor's growth horizon, too


def expected_rows(design: Design, table: str, months: int = HORIZON_MONTHS) -> int | None:
    """Rows the design expects in ``table`` after ``months``: ``rows`` + growth; ``None`` when
    the design says nothing about its volume."""
    t = design.table(table)
    if t is None or (t.intent.rows is None and t.intent.growth_per_month is None):
        return None
    return (t.intent.rows or 0) + (t.intent.growth_per_month or 0) * months


def scale_for_rows(design: Design, rows: int) -> tuple[float, str]:
    """The scale factor that puts ``rows`` rows in the design's largest table, and its name."""
    from pgarch_kit.datagen import plan
    dp = plan(design, scale=1.0)
    largest = max(dp.order, key=dp.rows)
    return rows / max(dp.rows(largest), 1), largest


@dataclass(frozen=True)
class Curve:
    """One pattern across the scales: x = rows of its largest table, y = latency."""

    pattern: str
    table: str
    rows: tuple[int, ...]
    timings: tuple[Timing, ...]
    fit: Growth | None               # the shape of the median (robust against outliers)
    expected: int | None             # rows the design expects in ``table``
    critical: bool
    budget_ms: float

    @property
    def median_ms(self) -> tuple[float, ...]:
        return tuple(t.median_ms for t in self.timings)

    @property
    def p95_ms(self) -> tuple[float, ...]:
        return tuple(t.p95_ms for t in self.timings)

    @property
    def target_rows(self) -> int:
        """Where to extrapolate: the expected volume, else ten times the largest measured."""
        return self.expected or max(self.rows) * 10

    @property
    def tail(self) -> float:
        """p95 over median at the largest step: how much slower the slow calls are."""
        return max(self.p95_ms[-1] / max(self.median_ms[-1], 1e-9), 1.0)

    def predict_median(self, rows: float) -> float | None:
        return self.fit.predict(rows) if self.fit else None

    def predict_p95(self, rows: float) -> float | None:
        """The median's fitted shape at ``rows``, times the measured tail (p95/median)."""
        return self.fit.predict(rows) * self.tail if self.fit else None

    def breaks_at(self) -> float | None:
        """Rows at which the fitted p95 crosses the budget (``None``: not below 10^12 rows);
        when a measured point is already over, the smallest such point."""
        over = [r for r, p in zip(self.rows, self.p95_ms) if p > self.budget_ms]
        if over:
            return float(min(over))
        if self.fit is None:
            return None
        lo, hi = math.log(max(self.rows)), math.log(1e12)
        if (self.predict_p95(math.exp(hi)) or 0) <= self.budget_ms:
            return None
        for _ in range(60):  # bisection on log(rows): the fitted shapes only ever rise
            mid = (lo + hi) / 2
            over = (self.predict_p95(math.exp(mid)) or 0) > self.budget_ms
            lo, hi = (lo, mid) if over else (mid, hi)
        return math.exp(hi)

    @property
    def verdict(self) -> str:
        at = self.target_rows
        p = self.predict_p95(at)
        if p is None:
            return "not enough points to extrapolate"
        where = "expected" if self.expected else "10× measured"
        if p <= self.budget_ms:
            return f"ok: p95 ≈ {_ms(p)} ms at {at:,} rows ({where})"
        crossing = self.breaks_at()
        measured = any(p > self.budget_ms for p in self.p95_ms)
        cross = (f"; already over {self.budget_ms:.0f} ms at {crossing:,.0f} rows (measured)"
                 if measured else f"; crosses {self.budget_ms:.0f} ms near {crossing:,.0f} rows"
                 if crossing else "")
        return f"BREAKS the budget: p95 ≈ {_ms(p)} ms at {at:,} rows ({where}){cross}"

    @property
    def breaks_budget(self) -> bool:
        p = self.predict_p95(self.target_rows)
        return p is not None and p > self.budget_ms


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


@dataclass
class ScalingCurves:
    """Every pattern's curve plus what was loaded at each step; ``scaling_plot`` draws it."""

    design: str
    steps: list[dict[str, int]] = field(default_factory=list)   # rows per table per step
    load_seconds: list[float] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)

    def __getitem__(self, pattern: str) -> Curve:
        for c in self.curves:
            if c.pattern == pattern:
                return c
        raise KeyError(f"no curve for pattern {pattern!r}; have {[c.pattern for c in self]}")

    def __iter__(self):
        return iter(self.curves)

    @property
    def breaking(self) -> list[Curve]:
        """Patterns whose p95 is predicted over budget at the expected volume."""
        return [c for c in self.curves if c.breaks_budget]

    def to_dict(self) -> dict[str, Any]:
        return {"design": self.design, "steps": self.steps,
                "curves": [{"pattern": c.pattern, "table": c.table, "rows": list(c.rows),
                            "median_ms": [round(v, 4) for v in c.median_ms],
                            "p95_ms": [round(v, 4) for v in c.p95_ms],
                            "growth": c.fit.kind if c.fit else None,
                            "slope": round(c.fit.slope, 3) if c.fit else None,
                            "expected_rows": c.expected, "target_rows": c.target_rows,
                            "predicted_p95_ms": c.predict_p95(c.target_rows),
                            "breaks_budget": c.breaks_budget, "critical": c.critical}
                           for c in self.curves]}

    def __str__(self) -> str:
        lines = [f"scaling of {self.design}: {len(self.steps)} steps"]
        for c in self.curves:
            kind = c.fit.kind if c.fit else "?"
            lines.append(f"  {c.pattern} ({c.table}): {kind}; {c.verdict}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for c in self.curves:
            rows.append((c.pattern + (" (critical)" if c.critical else ""), c.table,
                         " → ".join(f"{r:,}" for r in c.rows),
                         " → ".join(_ms(v) for v in c.median_ms),
                         " → ".join(_ms(v) for v in c.p95_ms),
                         c.fit.describe() if c.fit else "?", c.verdict))
        return table(("pattern", "largest table", "rows measured", "median ms", "p95 ms",
                      "growth (fitted on the median)", "verdict (p95)"), rows,
                     highlight=["#fee2e2" if c.breaks_budget else None for c in self.curves])


def _main_table(timing: Timing, rows: dict[str, int]) -> str | None:
    tables = [t for t in timing.table_rows if t in rows]
    return max(tables, key=lambda t: rows[t]) if tables else None


def scaling(design: Design, *, rows: Sequence[int] | None = None,
            scales: Sequence[float] | None = None, queries: Sequence[str] | None = None,
            runs: int = 30, warmup: int = 3, seed: int = 0, sample_size: int = 500,
            budget_ms: float = BUDGET_MS, progress: bool = True) -> ScalingCurves:
    """Load ``design`` at each scale into its sandbox and time its patterns there.

    Give ``rows`` (rows of the largest table per step, e.g. ``[10_000, 100_000, 1_000_000]``)
    or ``scales`` (factors of the design's intents). The sandbox is recreated at each step
    and holds the largest step's data afterwards."""
    import psycopg
    from tqdm.auto import tqdm

    from pgarch_kit.db.load import load
    from pgarch_kit.db.runner import design_dsn

    from .params import prepare_params
    from .statements import ensure_statements
    from .timing import pattern_of
    if (rows is None) == (scales is None):
        raise BenchError("give either rows=[...] (rows of the largest table per step) or "
                         "scales=[...] (factors of the design's intents), not both or none")
    if rows is not None:
        factors = [scale_for_rows(design, int(r))[0] for r in rows]
    else:
        factors = [float(s) for s in scales or ()]
    if len(factors) < 2 or any(f <= 0 for f in factors):
        raise BenchError("scaling needs at least two positive steps to draw a curve")
    factors = sorted(factors)
    patterns = [pattern_of(design, q) for q in (queries or [q.name for q in design.queries])]
    if not patterns:
        raise BenchError(f"design {design.name!r} declares no query patterns — fix: add "
                         "`queries:` to the design file")
    result = ScalingCurves(design.name)
    per_step: list[Timings] = []
    bar = tqdm(factors, desc="scaling", unit="step", disable=not progress)
    for factor in bar:
        bar.set_postfix_str(f"loading scale {factor:.4g}")
        loaded = load(design, scale=factor, seed=seed, progress=False, verify=False,
                      vacuum=True)
        result.steps.append(dict(loaded.rows))
        result.load_seconds.append(loaded.seconds)
        note = ensure_statements(loaded.dsn, server=embedded_server())
        timings = Timings()
        with psycopg.connect(loaded.dsn, autocommit=True) as conn, \
                psycopg.connect(design_dsn(conn, loaded.dsn), autocommit=True) as run:
            for p in patterns:
                bar.set_postfix_str(f"timing {p.name}")
                sampler = prepare_params(run, design, p, size=sample_size, seed=seed)
                timings.items.append(time_query(
                    conn, p.sql, sampler, name=p.name, runs=runs, warmup=warmup, seed=seed,
                    statements=note is None, design=design, critical=p.critical,
                    budget_ms=budget_ms, warm=True, allow_setup=True,  # load(): a sandbox
                    run_conn=run))
        per_step.append(timings)
    for p in patterns:
        series = [step[p.name] for step in per_step]
        table = _main_table(series[-1], result.steps[-1]) or "?"
        xs = tuple(result.steps[i].get(table, 0) for i in range(len(per_step)))
        ok = [i for i, x in enumerate(xs) if x > 0]
        fit = (fit_growth([xs[i] for i in ok], [max(series[i].median_ms, 1e-6) for i in ok])
               if len(ok) >= 2 else None)
        result.curves.append(Curve(p.name, table, xs, tuple(series), fit,
                                   expected_rows(design, table), p.critical, budget_ms))
    return result
