"""Measured index advice: every candidate index built for real on the loaded data, and kept
only if the measurements say so.

Planner-only tools (Dexter, HypoPG) stop at "the planner would use it, at this estimated
cost". Here, for one query pattern:

1. the tables are vacuumed, as autovacuum would leave them (a fresh bulk load has no
   visibility map, so an index-only scan would read the heap as it never does in steady
   state), and the pattern is timed as it is (:func:`pgarch_kit.bench.timing.time_query`);
2. where the HypoPG extension is installed, each candidate is first created hypothetically and
   the plan's estimated cost read with and without it — the what-if, free of charge;
3. each candidate (:mod:`pgarch_kit.bench.candidates`) is then built (timed), the pattern timed
   again with the *same* parameters, the index's size read, and its cost on INSERT measured:
   the same rows inserted into a scratch copy of the table with its current indexes, with and
   without the candidate (in a transaction that is rolled back); then the index is dropped;
4. the verdict weighs time saved per second (the pattern's ``per_second`` × latency saved)
   against time added to writes per second (the table's growth rate × extra insert cost),
   and keeps the best candidate that the planner really uses and that makes the pattern at
   least 1.5× faster; every other candidate is dropped with its reason.

The sandbox is left with the indexes it had. ``advice.apply(design)`` adds the kept ones.
"""
from __future__ import annotations

import contextlib
import html
import statistics
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pgarch_kit.model.names import quote_ident
from pgarch_kit.model.query import pattern_params

from ._html import table
from .candidates import Candidate, candidates
from .params import prepare_params
from .statements import ensure_statements
from .target import BenchError, resolve_target
from .timing import BUDGET_MS, Timing, pattern_of, time_query

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Design, Index

__all__ = ["HypoResult", "IndexAdvice", "Trial", "index_advice"]

MIN_SPEEDUP = 1.5
_HYPO_METHODS = ("btree", "brin", "hash")  # what HypoPG can simulate
_SECONDS_PER_MONTH = 30 * 86400


@dataclass(frozen=True)
class HypoResult:
    cost_before: float
    cost_after: float
    used: bool

    def __str__(self) -> str:
        use = "would use it" if self.used else "would not use it"
        return f"planner {use}: cost {self.cost_before:,.0f} → {self.cost_after:,.0f}"


@dataclass
class Trial:
    """One candidate, built and measured; ``verdict`` and ``why`` are set by the weighing."""

    candidate: Candidate
    ddl: str
    hypo: HypoResult | None
    build_seconds: float
    size_bytes: int
    after: Timing
    used: bool
    insert_us_before: float        # per row, scratch copy with the table's current indexes
    insert_us_after: float         # per row, the same plus this candidate
    verdict: str = "drop"
    why: str = ""
    note: str = ""                 # a measured fact that explains the result (BRIN: correlation)

    @property
    def name(self) -> str:
        return self.candidate.index.name

    @property
    def insert_extra_us(self) -> float:
        return self.insert_us_after - self.insert_us_before

    @property
    def insert_extra_pct(self) -> float:
        return 100.0 * self.insert_extra_us / self.insert_us_before if self.insert_us_before \
            else 0.0


@dataclass
class IndexAdvice:
    """The before timing, every trial, and the verdicts; see the module docstring."""

    pattern: str
    sql: str
    per_second: float | None
    before: Timing
    trials: list[Trial] = field(default_factory=list)
    hypopg: str = ""                 # "used", or why not
    server_version: int = 180000

    @property
    def kept(self) -> list[Trial]:
        return [t for t in self.trials if t.verdict == "keep"]

    def speedup(self, trial: Trial) -> float:
        return self.before.median_ms / max(trial.after.median_ms, 1e-9)

    def kept_indexes(self) -> list[tuple[str, Index]]:
        """(table, Index) for each kept candidate, renamed the way PostgreSQL would."""
        from pgarch_kit.model.edit import index_name
        out = []
        for t in self.kept:
            idx = t.candidate.index
            cols = [k.column if not k.expression else "expr" for k in idx.keys]
            suffix = {"gin": "gin", "brin": "brin"}.get(idx.method, "idx")
            out.append((t.candidate.table.name,
                        replace(idx, name=index_name(t.candidate.table.name, cols, suffix),
                                comment=f"for query pattern {self.pattern}: "
                                        f"{self.speedup(t):.0f}x faster (measured)")))
        return out

    def apply(self, design: Design) -> Design:
        """``design`` with the kept indexes added (a new Design; the file is not touched)."""
        from pgarch_kit.model.edit import add_index
        for table_name, idx in self.kept_indexes():
            design = add_index(design, table_name, idx)
        return design

    def frame(self) -> Any:
        import pandas as pd
        rows = [{"index": "(as designed)", "kind": "", "median_ms": self.before.median_ms,
                 "p95_ms": self.before.p95_ms, "speedup": 1.0, "size_kB": None,
                 "insert_extra_%": None, "planner (HypoPG)": "", "verdict": ""}]
        for t in self.trials:
            rows.append({"index": t.name, "kind": t.candidate.kind,
                         "median_ms": t.after.median_ms, "p95_ms": t.after.p95_ms,
                         "speedup": round(self.speedup(t), 2),
                         "size_kB": round(t.size_bytes / 1024, 1),
                         "insert_extra_%": round(t.insert_extra_pct, 1),
                         "planner (HypoPG)": str(t.hypo) if t.hypo else "",
                         "verdict": f"{t.verdict}: {t.why}"})
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        lines = [f"index advice for {self.pattern}: as designed median "
                 f"{self.before.median_ms:.3f} ms, p95 {self.before.p95_ms:.3f} ms "
                 f"({self.before.plan.summary() if self.before.plan else ''})",
                 f"  HypoPG: {self.hypopg}"]
        for t in self.trials:
            lines.append(f"  {t.verdict.upper():4}  {t.ddl}")
            lines.append(f"        median {t.after.median_ms:.3f} ms ({self.speedup(t):.1f}×), "
                         f"{t.size_bytes / 1024:,.0f} kB, built in {t.build_seconds:.2f} s, "
                         f"INSERT {t.insert_extra_pct:+.0f}% — {t.why}")
            if t.hypo is not None:
                lines.append(f"        HypoPG what-if: {t.hypo}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = [("as designed: " + (self.before.plan.summary() if self.before.plan else ""),
                 f"{self.before.median_ms:.3f}", f"{self.before.p95_ms:.3f}", "1×", "", "", "",
                 "")]
        for t in self.trials:
            rows.append((t.ddl, f"{t.after.median_ms:.3f}", f"{t.after.p95_ms:.3f}",
                         f"{self.speedup(t):,.1f}×", f"{t.size_bytes / 1024:,.0f} kB",
                         f"{t.insert_extra_pct:+.0f}% ({t.insert_extra_us:+.1f} µs/row)",
                         str(t.hypo) if t.hypo else "–", f"{t.verdict}: {t.why}"))
        colours = [None] + ["#dcfce7" if t.verdict == "keep" else None for t in self.trials]
        return (f"<div><b>Measured index advice for {html.escape(self.pattern)}</b> — HypoPG: "
                f"{html.escape(self.hypopg)}</div>"
                + table(("candidate", "median ms", "p95 ms", "speed-up", "size", "INSERT cost",
                         "HypoPG what-if", "verdict"), rows, highlight=colours, code=(0,)))


# --------------------------------------------------------------------------- measuring

def _hypopg(conn: psycopg.Connection) -> str:
    """'used' when HypoPG can be created here, else why not."""
    row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()
    if row is None:
        return ("not installed on this server (Debian: apt-get install "
                "postgresql-<version>-hypopg); candidates are measured for real only")
    conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    return "used"


def _plan_cost(cur: Any, sql: str, params: list) -> tuple[float, list[str]]:
    cur.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    doc = cur.fetchone()[0]
    plan = (doc[0] if isinstance(doc, list) else doc)["Plan"]
    names, stack = [], [plan]
    while stack:
        node = stack.pop()
        if "Index Name" in node:
            names.append(node["Index Name"])
        stack.extend(node.get("Plans", []))
    return float(plan["Total Cost"]), names


def _what_if(conn: psycopg.Connection, ddl: str, sql: str, params: list) -> HypoResult:
    import psycopg
    cur = psycopg.RawCursor(conn)
    before, _ = _plan_cost(cur, sql, params)
    row = conn.execute("SELECT indexrelid, indexname FROM hypopg_create_index(%s)",
                       (ddl,)).fetchone()
    try:
        after, used = _plan_cost(cur, sql, params)
        return HypoResult(before, after, any(row[1] == n or str(row[0]) in n for n in used))
    finally:
        conn.execute("SELECT hypopg_reset()")


def _insert_cost(conn: psycopg.Connection, table: Any, index: Index, rows: int,
                 version: int, repeats: int = 5) -> tuple[float, float]:
    """Microseconds per inserted row into a scratch copy of ``table`` (its columns, checks and
    indexes), without and with ``index``; medians of ``repeats`` alternating trials, all in
    one transaction that is rolled back."""
    from psycopg import sql as psql

    from pgarch_kit.ddl.render_index import index_sql
    src = _qualified(table, table.name)
    cols = ", ".join(quote_ident(c.name) for c in table.columns if c.generated is None)
    probe = "pgarch_insert_probe"
    base, with_index = [], []
    with conn.transaction(force_rollback=True):
        conn.execute(f"CREATE TEMP TABLE {probe} (LIKE {src} INCLUDING DEFAULTS "
                     f"INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING GENERATED)")
        insert = psql.SQL(f"INSERT INTO {probe} ({cols}) SELECT {cols} FROM {src} "
                          f"LIMIT {int(rows)}")
        extra = index_sql("pg_temp", probe, replace(index, name="pgarch_probe_candidate"),
                          version)
        for _ in range(repeats):
            for timings, build in ((base, False), (with_index, True)):
                conn.execute(f"TRUNCATE {probe}")
                if build:
                    conn.execute(extra)
                start = time.perf_counter()
                count = conn.execute(insert).rowcount
                timings.append((time.perf_counter() - start) * 1e6 / max(count, 1))
                if build:
                    conn.execute("DROP INDEX pg_temp.pgarch_probe_candidate")
    return statistics.median(base), statistics.median(with_index)


def _verdicts(advice: IndexAdvice, write_rate: dict[str, float]) -> None:
    """Keep the best used candidate at ≥ MIN_SPEEDUP, by net time saved per second."""
    rate = advice.per_second or 1.0
    scored = []
    for t in advice.trials:
        speed = advice.speedup(t)
        saved = rate * (advice.before.median_ms - t.after.median_ms)           # ms per s
        cost = write_rate.get(t.candidate.table.name, 0.0) * t.insert_extra_us / 1000
        t.verdict = "drop"
        if not t.used:
            t.why = "the planner does not use it for this pattern"
        elif speed < MIN_SPEEDUP:
            t.why = f"only {speed:.2f}× faster: not worth its size and write cost"
        elif saved <= cost:
            t.why = f"saves {saved:.3f} ms/s of reads but costs {cost:.3f} ms/s of writes"
        else:
            scored.append((saved - cost, -t.size_bytes, t))
    for t in advice.trials:
        if t.note and t.why:
            t.why += f" ({t.note})"
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    for i, (net, _size, t) in enumerate(scored):
        if i == 0:
            over = (f"; p95 {t.after.p95_ms:.1f} ms is still over the budget"
                    if t.after.p95_ms > advice.before.budget_ms else "")
            t.verdict = "keep"
            t.why = (f"{advice.speedup(t):,.1f}× faster, saves {net:,.2f} ms of server time "
                     f"per second net{over}")
        else:
            t.why = (f"works ({advice.speedup(t):,.1f}×) but {scored[0][2].name} does more "
                     "for this pattern")


def _brin_note(conn: psycopg.Connection, c: Candidate) -> str:
    """For a BRIN candidate: how well its column follows the physical row order (pg_stats);
    near ±1 lets BRIN skip block ranges, near 0 it must read them all."""
    key = c.index.keys[0]
    if c.index.method != "brin" or key.expression:
        return ""
    row = conn.execute("SELECT correlation FROM pg_stats WHERE schemaname = %s AND "
                       "tablename = %s AND attname = %s",
                       (c.table.schema, c.table.name, key.column)).fetchone()
    if row is None or row[0] is None:
        return ""
    return f"{key.column} follows the row order with correlation {row[0]:.2f}"


def _write_rates(design: Design) -> dict[str, float]:
    """Rows inserted per second into each table, from its ``growth_per_month`` intent."""
    return {t.name: (t.intent.growth_per_month or 0) / _SECONDS_PER_MONTH
            for t in design.tables}


def index_advice(design: Design, query: str, *, dsn: str | None = None, runs: int = 30,
                 warmup: int = 3, seed: int = 0, insert_rows: int = 20000,
                 only: list[str] | None = None, budget_ms: float = BUDGET_MS) -> IndexAdvice:
    """Measure each index candidate for the pattern ``query`` (name or SQL) on the design's
    loaded sandbox (or ``dsn``); ``only`` limits the trials to those kinds (``btree``,
    ``covering``, ``partial``, ``gin``, ``trigram``, ``brin``). See the module docstring."""
    import psycopg

    from pgarch_kit.db.runner import design_dsn
    from pgarch_kit.db.sandbox import guard_destructive
    from pgarch_kit.ddl.render_index import index_sql
    pattern = pattern_of(design, query)
    target = resolve_target(design, dsn)
    guard_destructive(target.dbname, f"build and drop trial indexes for {pattern.name!r}",
                      dsn=target.dsn)
    note = ensure_statements(target.dsn, server=target.server)
    with contextlib.ExitStack() as stack:
        conn = stack.enter_context(psycopg.connect(target.dsn, autocommit=True))
        version = conn.info.server_version
        trgm = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
                            ).fetchone() is not None
        found = candidates(design, pattern.sql, have_trgm=trgm)
        if only:
            found = [c for c in found if c.kind in only]
        if not found:
            raise BenchError(f"no index candidates for {pattern.name!r}: the design's indexes "
                             "already cover its filters and sort (or it filters on nothing)")
        # steady state first, as autovacuum leaves a table: a visibility map that lets an
        # index-only scan skip the heap (a fresh bulk load has none)
        for t in {c.table.name: c.table for c in found}.values():
            conn.execute(f"VACUUM (ANALYZE) {_qualified(t, t.name)}")
        # the pattern itself runs as the design's role (the runner in a sandbox the kit
        # loaded); building, dropping and imagining indexes stays the kit's own work
        run = stack.enter_context(psycopg.connect(design_dsn(conn, target.dsn),
                                                  autocommit=True))
        sampler = prepare_params(run, design, pattern, seed=seed)
        timed = {"name": pattern.name, "runs": runs, "warmup": warmup, "seed": seed,
                 "statements": note is None, "design": design, "critical": pattern.critical,
                 "budget_ms": budget_ms, "warm": True, "run_conn": run,
                 "allow_setup": True}  # guard_destructive above: a sandbox, or refused
        before = time_query(conn, pattern.sql, sampler, **timed)
        advice = IndexAdvice(pattern.name, pattern.sql, pattern.per_second, before,
                             hypopg=_hypopg(conn), server_version=version)
        params = sampler.draw(warmup + 1, seed)[warmup]
        text = pattern_params(pattern.sql).dollar
        for c in found:
            ddl = index_sql(c.table.schema, c.table.name, c.index, version)
            if c.needs_extension:
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {c.needs_extension}")
            hypo = None
            if advice.hypopg == "used" and c.index.method in _HYPO_METHODS:
                hypo = _what_if(conn, ddl.rstrip(";"), text, params)
            start = time.perf_counter()
            conn.execute(ddl)
            built = time.perf_counter() - start
            index = _qualified(c.table, c.index.name)
            try:
                if any(k.expression for k in c.index.keys):  # statistics on the expression
                    conn.execute(f"ANALYZE {_qualified(c.table, c.table.name)}")
                size = conn.execute("SELECT pg_relation_size(to_regclass(%s))",
                                    (index,)).fetchone()[0] or 0
                after = time_query(conn, pattern.sql, sampler, **timed)
                used = after.plan is not None and after.plan.uses(c.index.name)
            finally:
                conn.execute(f"DROP INDEX {index}")
            ins_before, ins_after = _insert_cost(conn, c.table, c.index, insert_rows, version)
            advice.trials.append(Trial(c, ddl, hypo, built, int(size), after, used,
                                       ins_before, ins_after, note=_brin_note(conn, c)))
        _verdicts(advice, _write_rates(design))
    return advice


def _qualified(table: Any, name: str) -> str:
    """``schema.name`` quoted: a relation (or index) in ``table``'s schema."""
    return f"{quote_ident(table.schema)}.{quote_ident(name)}"
