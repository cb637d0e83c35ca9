"""Query timing: a pattern run repeatedly with realistic parameters, measured from both ends.

One timing is: the tables the pattern reads, and their indexes, loaded into shared buffers
(``pg_prewarm``: every timing then starts from the same state — a steady server whose working
set fits in memory — instead of whatever the last bulk load left cached; where the data
outgrows memory, reads from disk add to every number); a warm-up (the driver's statement
prepared, as in a running application); one ``EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT
JSON)`` to capture the plan and the statement's query id; then ``runs`` executions with
parameters drawn from the data (:mod:`pgarch_kit.bench.params`), each timed on the client
from send to last row. The server's own execution time comes from ``pg_stat_statements`` for
the same query id, reset just before the runs — so ``calls`` must equal ``runs``, and client
minus server is driver and socket time. Write patterns run in transactions that are rolled
back, leaving the data as it was.

The helpers are installed only in the kit's own sandboxes, or where the caller passes
``allow_setup=True`` (:mod:`pgarch_kit.bench.setup_guard`); elsewhere the timing runs without
them and its ``notes`` say what was skipped.
"""
from __future__ import annotations

import html
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pgarch_kit.model.query import pattern_params, query_shape

from ._html import table
from .params import ParamSampler, prepare_params
from .statements import StatementStats, ensure_statements, read_stats, reset_stats
from .stats import summarize
from .target import BenchError, resolve_target

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.db.explain import Plan
    from pgarch_kit.model import Design, QueryPattern

__all__ = ["BUDGET_MS", "Timing", "Timings", "pattern_of", "prewarm", "time_pattern",
           "time_patterns", "time_query"]

BUDGET_MS = 100.0  # the brief's latency goal for critical paths


@dataclass(frozen=True)
class Timing:
    """What one pattern cost: client latencies of every run, the server's mean execution
    time, the plan, and the table sizes it ran against."""

    pattern: str
    sql: str
    client_ms: tuple[float, ...]
    rows_returned: float                   # mean rows per run
    server: StatementStats | None
    server_note: str | None                # why there is no server side, when there is none
    plan: Plan | None
    table_rows: dict[str, int]
    param_notes: tuple[str, ...] = ()
    critical: bool = False
    writes: bool = False
    budget_ms: float = BUDGET_MS
    notes: tuple[str, ...] = ()            # what was skipped (e.g. setup the user must allow)

    @property
    def runs(self) -> int:
        return len(self.client_ms)

    @property
    def stats(self) -> dict[str, float]:
        return summarize(self.client_ms)

    @property
    def median_ms(self) -> float:
        return self.stats["median"]

    @property
    def p95_ms(self) -> float:
        return self.stats["p95"]

    @property
    def p99_ms(self) -> float:
        return self.stats["p99"]

    @property
    def server_ms(self) -> float | None:
        """Mean execution time inside the server per call (pg_stat_statements)."""
        return self.server.mean_ms if self.server is not None else None

    @property
    def within_budget(self) -> bool:
        return self.p95_ms <= self.budget_ms

    @property
    def largest_table(self) -> tuple[str, int] | None:
        return max(self.table_rows.items(), key=lambda kv: kv[1]) if self.table_rows else None

    def cross_check(self) -> str:
        """pg_stat_statements against the client's count and times, in one sentence."""
        if self.server is None:
            return self.server_note or "no server-side figures"
        agree = "agrees" if self.server.calls == self.runs else "DISAGREES"
        return (f"pg_stat_statements counted {self.server.calls} calls for {self.runs} runs "
                f"({agree}); server mean {self.server.mean_ms:.3f} ms of client median "
                f"{self.median_ms:.3f} ms; {self.server.shared_hit + self.server.shared_read:,} "
                f"buffers ({self.server.shared_read:,} read from disk or OS cache)")

    @property
    def all_notes(self) -> list[str]:
        """Why there is no server side (when there is none) and what was skipped."""
        lead = [self.server_note] if self.server is None and self.server_note else []
        return lead + [n for n in self.notes if n not in lead]

    def to_dict(self) -> dict[str, Any]:
        s = self.stats
        return {"pattern": self.pattern, "runs": self.runs,
                **{f"{k}_ms": round(v, 4) for k, v in s.items()},
                "server_mean_ms": round(self.server_ms, 4) if self.server_ms is not None
                else None,
                "server_calls": self.server.calls if self.server else None,
                "rows_returned": self.rows_returned, "table_rows": dict(self.table_rows),
                "plan": self.plan.summary() if self.plan else None,
                "critical": self.critical, "within_budget": self.within_budget,
                "notes": self.all_notes}

    def __str__(self) -> str:
        s = self.stats
        head = (f"{self.pattern}: median {s['median']:.3f} ms, p95 {s['p95']:.3f} ms, "
                f"p99 {s['p99']:.3f} ms over {self.runs} runs")
        lines = [head, f"  {self.cross_check()}"]
        lines += [f"  note: {n}" for n in self.notes if n != self.server_note]
        if self.plan is not None:
            lines.append("  plan: " + self.plan.summary())
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        s = self.stats
        verdict = ("within" if self.within_budget else "<b style='color:#b91c1c'>over</b>")
        rows = ", ".join(f"{t} {n:,}" for t, n in self.table_rows.items())
        out = (f"<div><b>{html.escape(self.pattern)}</b>: median {s['median']:.3f} ms, "
               f"p95 {s['p95']:.3f} ms, p99 {s['p99']:.3f} ms over {self.runs} runs — "
               f"{verdict} the {self.budget_ms:.0f} ms budget<br>"
               f"<small>{html.escape(self.cross_check())}; tables: {html.escape(rows)}"
               + "".join(f"<br>note: {html.escape(n)}" for n in self.notes
                         if n != self.server_note)
               + "</small></div>")
        if self.plan is not None:
            out += self.plan._repr_html_()
        return out


@dataclass
class Timings:
    """Timings of several patterns: a table in notebooks (``.frame()`` for pandas)."""

    items: list[Timing] = field(default_factory=list)

    def __iter__(self) -> Iterator[Timing]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, name: str) -> Timing:
        for t in self.items:
            if t.pattern == name:
                return t
        raise KeyError(f"no timing for pattern {name!r}; have {[t.pattern for t in self]}")

    def frame(self) -> Any:
        import pandas as pd
        return pd.DataFrame([t.to_dict() for t in self.items])

    def __str__(self) -> str:
        return "\n".join(str(t) for t in self.items)

    def _repr_html_(self) -> str:
        rows, colours = [], []
        for t in self.items:
            rows.append((t.pattern + (" (critical)" if t.critical else ""), f"{t.median_ms:.3f}",
                         f"{t.p95_ms:.3f}", f"{t.p99_ms:.3f}",
                         f"{t.server_ms:.3f}" if t.server_ms is not None else "–",
                         f"{t.rows_returned:,.1f}", t.plan.summary() if t.plan else "",
                         "✓ within" if t.within_budget else "✗ over"))
            colours.append(None if t.within_budget else "#fee2e2")
        return table(("pattern", "median ms", "p95 ms", "p99 ms", "server ms", "rows",
                      "plan", f"{BUDGET_MS:.0f} ms budget"), rows, highlight=colours)


def _execute(cur: Any, sql: str, params: Sequence[str | None], rollback: bool) -> int:
    if rollback:
        with cur.connection.transaction(force_rollback=True):
            cur.execute(sql, params)
            return len(cur.fetchall()) if cur.description else cur.rowcount
    cur.execute(sql, params)
    return len(cur.fetchall()) if cur.description else cur.rowcount


def _explain(cur: Any, sql: str, params: Sequence[str | None]) -> tuple[Plan, int | None]:
    from pgarch_kit.db.explain import Plan
    with cur.connection.transaction(force_rollback=True):
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) {sql}", params)
        doc = cur.fetchone()[0]
    top = doc[0] if isinstance(doc, list) else doc
    return (Plan(sql, top["Plan"], top.get("Execution Time"), top.get("Planning Time")),
            top.get("Query Identifier"))


def _table_rows(conn: psycopg.Connection, design: Design | None, sql: str) -> dict[str, int]:
    """Rows (the planner's count after ANALYZE) of each design table the query reads."""
    out: dict[str, int] = {}
    for r in query_shape(sql).relations:
        name = r.name
        rel = f"{r.schema}.{name}" if r.schema else name
        row = conn.execute("SELECT greatest(reltuples, 0)::bigint, relkind FROM pg_class "
                           "WHERE oid = to_regclass(%s)", (rel,)).fetchone()
        if row is None:
            continue
        count = int(row[0])
        if row[1] == "p":  # partitioned: the sum of its partitions
            count = int(conn.execute(
                "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM "
                "pg_partition_tree(to_regclass(%s)) t JOIN pg_class c ON c.oid = t.relid "
                "WHERE t.isleaf", (rel,)).fetchone()[0])
        out[name] = count
    return out


def prewarm(conn: psycopg.Connection, sql: str, *, create: bool = False) -> bool:
    """Load every table ``sql`` reads (partitions included) and their indexes into shared
    buffers with ``pg_prewarm``; ``create`` may install the extension (callers pass it for a
    kit sandbox only). False when the extension is not there to use."""
    have = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_prewarm'").fetchone()
    if have is None:
        available = conn.execute("SELECT 1 FROM pg_available_extensions "
                                 "WHERE name = 'pg_prewarm'").fetchone()
        if not (create and available):
            return False
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    for r in query_shape(sql).relations:
        rel = f"{r.schema}.{r.name}" if r.schema else r.name
        # the relation itself, or — partitioned — its leaf partitions (pg_partition_tree
        # returns nothing for a plain table); then every index of those
        conn.execute(
            "WITH rels AS (SELECT c.oid FROM pg_class c WHERE c.relkind IN ('r', 'm') AND "
            "(c.oid = to_regclass(%s) OR c.oid IN (SELECT relid FROM "
            "pg_partition_tree(to_regclass(%s)) WHERE isleaf))) "
            "SELECT pg_prewarm(oid) FROM rels UNION ALL "
            "SELECT pg_prewarm(i.indexrelid) FROM pg_index i JOIN rels ON i.indrelid = rels.oid",
            (rel, rel))
    return True


def time_query(conn: psycopg.Connection, sql: str, sampler: ParamSampler | None = None, *,
               name: str = "query", runs: int = 50, warmup: int = 5, seed: int = 0,
               explain: bool = True, statements: bool = True, design: Design | None = None,
               critical: bool = False, budget_ms: float = BUDGET_MS,
               warm: bool = False, allow_setup: bool = False,
               run_conn: psycopg.Connection | None = None) -> Timing:
    """Time ``sql`` (``:name`` or ``$n`` parameters, values from ``sampler``) on ``conn``;
    see the module docstring for what is measured. ``warm`` prewarms the tables it reads
    (:func:`prewarm`), installing ``pg_prewarm`` if needed only in a kit sandbox or with
    ``allow_setup``. ``run_conn``, when given, is the session that runs the query itself (the
    design's SQL: :func:`pgarch_kit.db.runner.design_dsn`); ``conn`` keeps the kit's own work
    (statistics, prewarming, sizes)."""
    import psycopg

    from .setup_guard import conn_dsn, may_set_up, refused
    if runs < 1:
        raise BenchError(f"runs must be at least 1, got {runs}")
    try:
        parsed = pattern_params(sql)
    except Exception as exc:  # pglast's ParseError: PostgreSQL's lexer cannot read it
        raise BenchError(f"{name}: PostgreSQL cannot read the SQL: {exc}") from exc
    if parsed.names and (sampler is None or sampler.names != parsed.names):
        raise BenchError(f"{name}: the query has parameters {list(parsed.names)} but no "
                         "sampler for them — fix: use time_pattern(), or prepare_params()")
    text = parsed.dollar
    rollback = query_shape(sql).writes
    notes: list[str] = []
    if warm:
        dbname = conn.info.dbname
        if not prewarm(conn, sql, create=may_set_up(dbname, conn_dsn(conn), allow_setup)):
            notes.append(refused("CREATE EXTENSION pg_prewarm", dbname)
                         if _prewarm_available(conn) else
                         "tables not prewarmed: the server has no pg_prewarm extension")
    draws = sampler.draw(warmup + runs + 1, seed) if sampler else [[]] * (warmup + runs + 1)
    cur = psycopg.RawCursor(run_conn if run_conn is not None else conn)
    for params in draws[:warmup]:
        _execute(cur, text, params, rollback)
    plan, queryid = _explain(cur, text, draws[warmup]) if explain else (None, None)
    # the view exists only where the extension is installed (never installed here: see
    # ensure_statements for who may)
    use_stats = statements and queryid is not None and conn.execute(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchone() is not None
    if use_stats:
        reset_stats(conn, queryid)
    times: list[float] = []
    returned = 0
    for params in draws[warmup + 1:]:
        start = time.perf_counter_ns()
        returned += _execute(cur, text, params, rollback)
        times.append((time.perf_counter_ns() - start) / 1e6)
    server = read_stats(conn, queryid) if use_stats else None
    note = None
    if server is None:
        note = ("no server-side figures: pg_stat_statements is not installed here"
                if statements else "server-side figures not requested")
    return Timing(name, sql, tuple(times), returned / runs, server, note, plan,
                  _table_rows(conn, design, sql), sampler.notes if sampler else (),
                  critical, rollback, budget_ms, tuple(notes))


def _prewarm_available(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm'"
                        ).fetchone() is not None


def pattern_of(design: Design, query: str) -> QueryPattern:
    """The design's pattern named ``query``, or an ad-hoc pattern when ``query`` is SQL.
    Either must be one statement (a SELECT, INSERT, UPDATE, DELETE or MERGE): the timing
    loop, EXPLAIN and pgbench would otherwise run whatever follows a semicolon."""
    from pgarch_kit.model import QueryPattern
    for q in design.queries:
        if q.name == query:
            return _one_statement(q, f"queries.{q.name}.sql")
    if any(ch.isspace() for ch in query.strip()):
        return _one_statement(QueryPattern("adhoc", query), "the ad-hoc query")
    names = [q.name for q in design.queries]
    raise BenchError(f"design {design.name!r} has no query pattern {query!r} (it has "
                     f"{names or 'none'}) — fix: name one of them, or pass the SQL itself")


def _one_statement(pattern: QueryPattern, where: str) -> QueryPattern:
    from pgarch_kit.model.fragments import sql_problem
    found = sql_problem("pattern", pattern.sql)
    if found is not None:
        message, fix = found
        raise BenchError(f"{where}: {message} — refused, nothing was run; fix: {fix}")
    return pattern


def time_pattern(design: Design, query: str, *, dsn: str | None = None, runs: int = 50,
                 warmup: int = 5, seed: int = 0, sample_size: int = 1000,
                 budget_ms: float = BUDGET_MS, allow_setup: bool = False) -> Timing:
    """Time one query pattern of ``design`` (by name, or SQL) in its loaded sandbox (or the
    database ``dsn`` names), with parameters drawn from the data. In a database that is not
    a kit sandbox nothing is installed (``pg_stat_statements``, ``pg_prewarm``) unless
    ``allow_setup``; the timing's notes then say what was skipped."""
    import psycopg
    pattern = pattern_of(design, query)
    target = resolve_target(design, dsn)
    if query_shape(pattern.sql).writes:
        from pgarch_kit.db.sandbox import guard_destructive
        guard_destructive(target.dbname, f"time the write pattern {pattern.name!r}",
                          dsn=target.dsn)
    from .setup_guard import may_set_up, refused
    setup = may_set_up(target.dbname, target.dsn, allow_setup)
    note = ensure_statements(target.dsn, server=target.server, allow_setup=setup)
    notes = [note] if note is not None else []
    from pgarch_kit.db.runner import design_dsn
    with psycopg.connect(target.dsn, autocommit=True) as conn, \
            psycopg.connect(design_dsn(conn, target.dsn), autocommit=True) as run:
        sampler = prepare_params(run, design, pattern, size=sample_size, seed=seed)
        if not prewarm(conn, pattern.sql, create=setup) and not setup \
                and _prewarm_available(conn):
            notes.append(refused("CREATE EXTENSION pg_prewarm (tables not prewarmed)",
                                 target.dbname))
        timing = time_query(conn, pattern.sql, sampler, name=pattern.name, runs=runs,
                            warmup=warmup, seed=seed, statements=note is None,
                            design=design, critical=pattern.critical, budget_ms=budget_ms,
                            run_conn=run)
    from dataclasses import replace
    return replace(timing, server_note=note or timing.server_note, notes=tuple(notes))


def time_patterns(design: Design, queries: Sequence[str] | None = None, **kwargs: Any
                  ) -> Timings:
    """:func:`time_pattern` for each named pattern (default: every pattern of the design)."""
    names = list(queries) if queries is not None else [q.name for q in design.queries]
    if not names:
        raise BenchError(f"design {design.name!r} declares no query patterns — fix: add "
                         "`queries:` to the design file (name, sql, per_second)")
    return Timings([time_pattern(design, n, **kwargs) for n in names])
