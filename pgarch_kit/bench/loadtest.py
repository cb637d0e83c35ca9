"""Load tests: the design's query mix under pgbench at growing client counts, and what the
measurements say about connection pooling.

:func:`load_test` keeps each pattern's parameter sample in the sandbox (``pgarch_bench``),
writes one pgbench script per pattern weighted by its ``per_second``, and runs pgbench at each
client count. :class:`PoolAdvice` reads the runs with Little's law — connections busy =
throughput × time each transaction holds one — to size a PgBouncer pool: past the knee (the
fewest clients that reach ~90% of the best throughput) more server connections only queue
inside PostgreSQL, so the pool stays near the knee and the application's thousands of clients
wait in PgBouncer instead.
"""
from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .pgbench import PgbenchRun, Script, run_pgbench, sampling_rate, weights
from .target import BenchError, resolve_target

if TYPE_CHECKING:
    from pgarch_kit.model import Design

__all__ = ["LoadTest", "PoolAdvice", "load_test", "scripts_for"]

KNEE_SHARE = 0.9


@dataclass(frozen=True)
class PoolAdvice:
    """Pool sizing from the measurements (Little's law, L = λ·W)."""

    target_tps: float | None       # the design's total per_second, when it declares rates
    service_ms: float              # mean transaction time with one client: W without queueing
    knee_clients: int              # fewest clients reaching KNEE_SHARE of the best throughput
    max_tps: float
    latency_at_knee_ms: float

    @property
    def busy_connections(self) -> float | None:
        """Connections busy on average at the design's rate: λ × W."""
        if self.target_tps is None:
            return None
        return self.target_tps * self.service_ms / 1000.0

    @property
    def pool_size(self) -> int:
        """Server connections to give PgBouncer: the knee, and never fewer than the design's
        rate needs with 2× headroom for bursts."""
        need = math.ceil(2 * (self.busy_connections or 0.0))
        return max(self.knee_clients, need, 1)

    @property
    def headroom(self) -> float | None:
        """Best measured throughput over the design's rate (>1: this server keeps up)."""
        return self.max_tps / self.target_tps if self.target_tps else None

    def lines(self) -> list[str]:
        out = [f"service time W (1 client): {self.service_ms:.3f} ms per transaction"]
        if self.target_tps is not None:
            busy = self.busy_connections or 0.0
            out.append(f"design rate λ = {self.target_tps:,.0f} transactions/s → λ·W = "
                       f"{busy:.2f} connections busy on average")
            verdict = ("keeps up" if (self.headroom or 0) >= 1 else
                       "does NOT keep up: add cores, read replicas, or cache the hottest reads")
            out.append(f"best measured {self.max_tps:,.0f} tps = {self.headroom:.1f}× the "
                       f"design rate: this server {verdict}")
        out.append(f"throughput reaches {KNEE_SHARE:.0%} of its best at {self.knee_clients} "
                   f"clients (latency {self.latency_at_knee_ms:.2f} ms); beyond, connections "
                   f"only queue inside PostgreSQL")
        out.append(f"PgBouncer: pool_mode = transaction, default_pool_size = {self.pool_size}, "
                   f"max_client_conn = 10000 — ten thousand application clients share "
                   f"{self.pool_size} server connections")
        return out


@dataclass
class LoadTest:
    """Runs of the design's query mix at each client count, and the pool advice."""

    design: str
    duration: float
    patterns: list[str]
    weights: list[int]
    runs: list[PgbenchRun] = field(default_factory=list)
    target_tps: float | None = None
    param_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def advice(self) -> PoolAdvice:
        if not self.runs:
            raise BenchError("no runs to advise from")
        runs = sorted(self.runs, key=lambda r: r.clients)
        best = max(r.tps for r in runs)
        knee = next(r for r in runs if r.tps >= KNEE_SHARE * best)
        base = runs[0]
        service = base.percentiles()["mean"] if base.latency_ms.size else (
            1000.0 * base.clients / base.tps)
        return PoolAdvice(self.target_tps, service, knee.clients, best,
                          knee.percentiles()["mean"] if knee.latency_ms.size else math.nan)

    def frame(self) -> Any:
        """One row per client count: tps, failures, latency percentiles (ms)."""
        import pandas as pd
        rows = []
        for r in self.runs:
            p = r.percentiles()
            rows.append({"clients": r.clients, "threads": r.threads, "tps": round(r.tps, 1),
                         "transactions": r.transactions, "failed": r.failed,
                         **{f"{k}_ms": round(v, 3) for k, v in p.items()},
                         "logged": f"{r.sampling_rate:.0%}"})
        return pd.DataFrame(rows)

    def pattern_frame(self) -> Any:
        """One row per (client count, pattern): its transactions, latency percentiles, and —
        with ``per_statement`` — the mean time of its SQL alone (without the parameter
        lookup)."""
        import pandas as pd
        rows = []
        for r in self.runs:
            for i, name in enumerate(self.patterns):
                p = r.percentiles(i)
                count = r.per_script.get(name, 0)
                rows.append({"clients": r.clients, "pattern": name, "transactions": count,
                             "tps": round(count / r.duration, 1),
                             **{f"{k}_ms": round(v, 3) for k, v in p.items()},
                             "statement_ms": r.statement_ms.get(name)})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        a = self.advice
        return {"design": self.design, "duration_s": self.duration,
                "patterns": dict(zip(self.patterns, self.weights)),
                "runs": self.frame().to_dict(orient="records"),
                "per_pattern": self.pattern_frame().to_dict(orient="records"),
                "pool": {"target_tps": a.target_tps, "service_ms": round(a.service_ms, 4),
                         "busy_connections": a.busy_connections,
                         "knee_clients": a.knee_clients, "max_tps": round(a.max_tps, 1),
                         "pool_size": a.pool_size}}

    def __str__(self) -> str:
        lines = [f"load test of {self.design}: {len(self.patterns)} pattern(s), "
                 f"{self.duration:g} s per client count"]
        for r in self.runs:
            p = r.percentiles()
            lines.append(f"  {r.clients:>4} clients: {r.tps:>10,.0f} tps  p50 {p['p50']:.2f}"
                         f"  p95 {p['p95']:.2f}  p99 {p['p99']:.2f} ms  failed {r.failed}")
        lines += ["pool sizing:"] + [f"  {x}" for x in self.advice.lines()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        table = self.frame().to_html(index=False, border=0)
        advice = "".join(f"<li>{html.escape(x)}</li>" for x in self.advice.lines())
        mix = ", ".join(f"{html.escape(p)} ×{w}" for p, w in zip(self.patterns, self.weights))
        return (f"<div><b>Load test of {html.escape(self.design)}</b> — pgbench, "
                f"{self.duration:g} s per client count; mix: {mix}</div>{table}"
                f"<div><b>Pool sizing (Little's law)</b><ul>{advice}</ul></div>")


def scripts_for(design: Design, conn: Any, names: Sequence[str] | None = None, *,
                sample_size: int = 1000, seed: int = 0
                ) -> tuple[list[Script], dict[str, tuple[str, ...]]]:
    """One pgbench script per pattern, with parameter samples kept in ``pgarch_bench``."""
    from pgarch_kit.model.query import pattern_params

    from .params import prepare_params
    from .timing import pattern_of
    patterns = [pattern_of(design, n) for n in (names or [q.name for q in design.queries])]
    if not patterns:
        raise BenchError(f"design {design.name!r} declares no query patterns — fix: add "
                         "`queries:` (name, sql, per_second) to the design file")
    scripts, notes = [], {}
    for p, w in zip(patterns, weights([p.per_second for p in patterns])):
        sampler = prepare_params(conn, design, p, size=sample_size, seed=seed, keep=True)
        sql = pattern_params(p.sql).pgbench_typed(dict(sampler.types))
        text = "\n".join([*sampler.pgbench_lines(), sql + ";"]) + "\n"
        scripts.append(Script(p.name, text, w))
        notes[p.name] = sampler.notes
    return scripts, notes


def load_test(design: Design, *, clients: Sequence[int] = (1, 4, 16, 64),
              duration: int = 10, queries: Sequence[str] | None = None,
              dsn: str | None = None, seed: int = 0, progress: bool = True,
              per_statement: bool = False) -> LoadTest:
    """Run the design's query mix with pgbench at each client count on its loaded sandbox
    (or the database ``dsn`` names) and parse every run; see the module docstring.
    ``per_statement`` adds each statement's mean latency (pgbench's ``-r``), which separates
    a pattern's own SQL from its parameter lookup, at a small cost in throughput."""
    import psycopg
    from tqdm.auto import tqdm

    from pgarch_kit.db.runner import design_dsn
    from pgarch_kit.db.sandbox import guard_destructive
    if duration < 1 or duration != int(duration):
        raise BenchError(f"duration {duration}: give whole seconds ≥ 1 (pgbench's -T)")
    target = resolve_target(design, dsn)
    guard_destructive(target.dbname, "run a load test (it writes pgarch_bench parameter "
                      "tables, and the design's write patterns change data)", dsn=target.dsn)
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        max_conn = int(conn.execute("SHOW max_connections").fetchone()[0])
        # pgbench runs the design's patterns (and its triggers, views, routines) as the
        # runner in a sandbox the kit loaded; the parameter samples it reads are made by the
        # same role, so they belong to it and the sandbox stays the runner's
        run_dsn = design_dsn(conn, target.dsn)
    with psycopg.connect(run_dsn, autocommit=True) as run:
        scripts, notes = scripts_for(design, run, queries, seed=seed)
    too_many = [c for c in clients if c > max_conn - 5]
    if too_many:
        raise BenchError(f"{too_many} clients exceed this server's max_connections "
                         f"({max_conn}, 5 kept for others) — fix: fewer clients, or raise "
                         f"max_connections (and pool: that is what PgBouncer is for)")
    chosen = [p for p in design.queries if p.name in {s.name for s in scripts}]
    rates = [p.per_second for p in chosen if p.per_second]
    result = LoadTest(design.name, duration, [s.name for s in scripts],
                      [s.weight for s in scripts], target_tps=sum(rates) if rates else None,
                      param_notes=notes)
    order = sorted(clients)
    # a one-second warm-up: caches filled, statements prepared, and the throughput that sets
    # how much of the next run's log to keep
    expected = run_pgbench(run_dsn, scripts, clients=order[0], duration=1, log=False).tps
    bar = tqdm(order, desc="load test", unit="run", disable=not progress)
    for c in bar:
        bar.set_postfix_str(f"{c} clients, {duration:g} s")
        run = run_pgbench(run_dsn, scripts, clients=c, duration=duration,
                          sampling=sampling_rate(expected), per_statement=per_statement)
        result.runs.append(run)
        expected = max(expected, run.tps)
    return result
