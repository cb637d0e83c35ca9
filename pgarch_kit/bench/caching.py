"""Caching, measured on loaded data — and checked: each layer must give the answers the
original query gives, or the trial says so.

* :func:`matview_trial` creates the view, compares the rewritten query's answers with the
  original's for sampled parameters, times both and the refresh.
* :func:`summary_trial` adds the summary columns and triggers, compares them with a recount
  after deletes, moves and re-inserts (rolled back), times the read both ways and the cost
  the trigger adds to a write.
* :func:`cache_trial` installs the invalidation triggers, runs a listener that deletes keys
  as notifications arrive, checks that no read after a committed write returns the old
  answer (and that without the listener it would), and measures hit rate and latency with
  Python threads reading through Redis against the same reads straight from PostgreSQL.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from pgarch_kit._escape import html_text
from pgarch_kit.model.names import quote_ident
from pgarch_kit.production.caching import summary_trigger_name

from ._html import table as html_table
from .target import BenchError, resolve_target

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Design
    from pgarch_kit.production.caching import CachedQuery, CachePlan, MatviewPlan, SummaryPlan

    from .params import ParamSampler

__all__ = ["CacheTrial", "MatviewTrial", "SummaryTrial", "cache_trial", "matview_trial",
           "summary_trial"]


def _same(a: list[tuple], b: list[tuple]) -> bool:
    """Equal result sets, numbers compared to 1e-9 relative (an average computed as sum/count
    differs from avg() in the last digits)."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        if len(ra) != len(rb):
            return False
        for x, y in zip(ra, rb):
            if isinstance(x, (int, float, Decimal)) and isinstance(y, (int, float, Decimal)):
                if abs(float(x) - float(y)) > 1e-9 * max(1.0, abs(float(x))):
                    return False
            elif x != y:
                return False
    return True


def _exec(conn: psycopg.Connection, dollar_sql: str, values: list) -> Any:
    """Run SQL with ``$n`` parameters (values as text: the server casts them)."""
    import psycopg
    return psycopg.RawCursor(conn).execute(dollar_sql, values or None)


def _run(conn: psycopg.Connection, sql: str, values: list) -> list:
    from pgarch_kit.model.query import pattern_params
    return _exec(conn, pattern_params(sql).dollar, values).fetchall()


def _time(conn: psycopg.Connection, sql: str, sampler: ParamSampler | None, runs: int) -> Any:
    from .timing import time_query
    return time_query(conn, sql, sampler, runs=runs, explain=False, statements=False)


# ------------------------------------------------------------------ materialized views

@dataclass
class MatviewTrial:
    plan: MatviewPlan
    view_rows: int
    create_ms: float
    refresh_ms: float                 # REFRESH … CONCURRENTLY, median of three
    before_ms: float                  # median of the original pattern
    after_ms: float                   # median of the rewritten one
    checked: int                      # parameter sets compared
    mismatches: list[tuple[list, list, list]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checked > 0 and not self.mismatches

    @property
    def speedup(self) -> float:
        return self.before_ms / self.after_ms if self.after_ms else float("inf")

    def __str__(self) -> str:
        return (f"{self.plan.name} for {self.plan.pattern}: {self.view_rows} rows; query "
                f"{self.before_ms:.2f} → {self.after_ms:.3f} ms ({self.speedup:.0f}× faster); "
                f"refresh {self.refresh_ms:.0f} ms (create {self.create_ms:.0f} ms); answers "
                f"{'identical' if self.ok else 'DIFFER'} for {self.checked} parameter sets")

    def _repr_html_(self) -> str:
        rows = [("query (median)", f"{self.before_ms:.2f} ms", f"{self.after_ms:.3f} ms"),
                ("refresh CONCURRENTLY", "—", f"{self.refresh_ms:.0f} ms"),
                ("answers, sampled", f"{self.checked}", "identical" if self.ok else
                 f"{len(self.mismatches)} differ")]
        return (f"<div><b>Materialized view</b> <code>{html_text(self.plan.name)}</code> for "
                f"{html_text(self.plan.pattern)} — {self.speedup:.0f}× faster, "
                f"{self.view_rows} rows; {html_text('; '.join(self.plan.caveats))}</div>"
                + html_table(("", "original", "on the view"), rows))


def _day_aligned(conn: psycopg.Connection, sampler: ParamSampler,
                 params: tuple[str, ...]) -> ParamSampler:
    """The sampler with the given parameters truncated to midnight: the view answers whole
    days."""
    if not params or sampler.dense is not None:
        return sampler
    idx = [sampler.names.index(p) for p in params if p in sampler.names]
    rows = []
    for row in sampler.rows:
        row = list(row)
        for i in idx:
            if row[i] is not None:
                row[i] = conn.execute("SELECT date_trunc('day', %s::timestamptz)::text",
                                      (row[i],)).fetchone()[0]
        rows.append(tuple(row))
    return replace(sampler, rows=tuple(rows))


def _prepare(design: Design, pattern: str, dsn: str | None, operation: str
             ) -> tuple[Any, Any]:
    from pgarch_kit.db.sandbox import guard_destructive

    from .timing import pattern_of
    target = resolve_target(design, dsn)
    guard_destructive(target.dbname, operation, dsn=target.dsn)
    return target, pattern_of(design, pattern)


def matview_trial(design: Design, plan: MatviewPlan, *, dsn: str | None = None,
                  runs: int = 30, checks: int = 25, keep: bool = False) -> MatviewTrial:
    """Create ``plan``'s view in the loaded sandbox, check and time it (dropped after unless
    ``keep``)."""
    import psycopg

    from .params import prepare_params
    target, pattern = _prepare(design, plan.pattern, dsn,
                               f"create materialized view {plan.name}")
    name = quote_ident(plan.name)
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        conn.execute(f"DROP MATERIALIZED VIEW IF EXISTS {name}")
        t0 = time.perf_counter()
        conn.execute(f"CREATE MATERIALIZED VIEW {name} AS {plan.query}")
        if plan.keys:
            cols = ", ".join(quote_ident(k) for k in plan.keys)
            conn.execute(f"CREATE UNIQUE INDEX {quote_ident(plan.index_name)} ON {name} ({cols})")
        create_ms = (time.perf_counter() - t0) * 1000
        conn.execute(f"ANALYZE {name}")
        rows = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        refresh = []
        for _ in range(3):
            t0 = time.perf_counter()
            conn.execute(plan.refresh_sql())
            refresh.append((time.perf_counter() - t0) * 1000)
        sampler = _day_aligned(conn, prepare_params(conn, design, pattern, size=200),
                               plan.day_params)
        trial = MatviewTrial(plan, rows, create_ms, float(np.median(refresh)), 0, 0, 0)
        for values in sampler.draw(checks, seed=1):
            a = _run(conn, pattern.sql, values)
            b = _run(conn, plan.rewritten, values)
            trial.checked += 1
            if not _same(a, b):
                trial.mismatches.append((values, a, b))
        trial.before_ms = _time(conn, pattern.sql, sampler, runs).median_ms
        trial.after_ms = _time(conn, plan.rewritten, sampler, runs).median_ms
        if not keep:
            conn.execute(f"DROP MATERIALIZED VIEW {name}")
    return trial


# ---------------------------------------------------------------------- summary columns

@dataclass
class SummaryTrial:
    plan: SummaryPlan
    backfill_ms: float
    before_ms: float
    after_ms: float
    write_ms: tuple[float, float]        # one-row update of a child: without, with the trigger
    checked: int                         # parents compared with a recount
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checked > 0 and not self.mismatches

    def __str__(self) -> str:
        w0, w1 = self.write_ms
        return (f"summary columns on {self.plan.parent} for {self.plan.pattern}: read "
                f"{self.before_ms:.3f} → {self.after_ms:.3f} ms "
                f"({self.before_ms / self.after_ms:.1f}× faster); a one-row write of "
                f"{self.plan.child} {w0:.3f} → {w1:.3f} ms with the trigger; backfill "
                f"{self.backfill_ms:.0f} ms; {self.checked} parents match a recount"
                + ("" if self.ok else f" — MISMATCH: {'; '.join(self.mismatches[:3])}"))

    def _repr_html_(self) -> str:
        w0, w1 = self.write_ms
        rows = [("read (median)", f"{self.before_ms:.3f} ms", f"{self.after_ms:.3f} ms"),
                (f"one-row update of {self.plan.child}", f"{w0:.3f} ms", f"{w1:.3f} ms"),
                ("match a recount after deletes, moves, inserts",
                 "—", f"{self.checked} parents" if self.ok else
                 f"{len(self.mismatches)} MISMATCHES")]
        return (f"<div><b>Summary columns</b> on {html_text(self.plan.parent)} for "
                f"{html_text(self.plan.pattern)} — {html_text(self.plan.reason)}</div>"
                + html_table(("", "without", "with summary columns"), rows))


def _recount(conn: psycopg.Connection, plan: SummaryPlan, parents: list) -> list[str]:
    """Parents whose stored summary differs from a recount of their children."""
    fk, pk = quote_ident(plan.fk), quote_ident(plan.parent_key)
    out = []
    for name, fn, col, _ in plan.columns:
        agg = "count(*)" if fn == "count" and col is None else \
            f"count({quote_ident(col or '')})" if fn == "count" else \
            f"coalesce(sum({quote_ident(col or '')}), 0)"
        bad = conn.execute(
            f"SELECT p.{pk}, p.{quote_ident(name)}, (SELECT {agg} FROM "
            f"{quote_ident(plan.child)} c WHERE c.{fk} = p.{pk}) FROM "
            f"{quote_ident(plan.parent)} p WHERE p.{pk} = ANY(%s)", (parents,)).fetchall()
        out += [f"{plan.parent} {k}: {name} = {stored}, recount {real}"
                for k, stored, real in bad if stored != real]
    return out


def summary_trial(design: Design, plan: SummaryPlan, *, dsn: str | None = None,
                  runs: int = 30, writes: int = 200, keep: bool = False) -> SummaryTrial:
    """Add ``plan``'s columns and triggers in the loaded sandbox, check them against
    recounts through deletes, moves and re-inserts (rolled back), and time reads and writes
    (removed after unless ``keep``)."""
    import psycopg

    from .params import prepare_params
    target, pattern = _prepare(design, plan.pattern, dsn,
                               f"add summary columns to {plan.parent}")
    child = design.table(plan.child)
    assert child is not None and child.primary_key is not None
    fk, pk = quote_ident(plan.fk), quote_ident(plan.parent_key)
    cols = [c.name for c in child.columns if c.generated is None]
    col_list = ", ".join(quote_ident(c) for c in cols)
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        conn.execute(plan.drop_sql())
        sampler = prepare_params(conn, design, pattern, size=200)
        before = _time(conn, pattern.sql, sampler, runs).median_ms
        t0 = time.perf_counter()
        with conn.transaction():
            conn.execute(plan.sql())
        backfill_ms = (time.perf_counter() - t0) * 1000
        conn.execute(f"ANALYZE {quote_ident(plan.parent)}")
        after = _time(conn, plan.rewritten, sampler, runs).median_ms
        busiest = conn.execute(
            f"SELECT {fk} FROM {quote_ident(plan.child)} WHERE {fk} IS NOT NULL GROUP BY 1 "
            f"ORDER BY count(*) DESC LIMIT 2").fetchall()
        if len(busiest) < 2:
            raise BenchError(f"{plan.child} needs rows under two {plan.parent} rows")
        p, q = busiest[0][0], busiest[1][0]
        sample = [v[0] for v in conn.execute(
            f"SELECT {pk} FROM {quote_ident(plan.parent)} TABLESAMPLE SYSTEM (5) LIMIT 50"
        ).fetchall()]
        mismatches = [f"after backfill: {m}" for m in _recount(conn, plan, [*sample, p, q])]
        keys = ", ".join(quote_ident(c) for c in child.primary_key.columns)
        with conn.transaction(force_rollback=True):
            rows = conn.execute(f"SELECT {keys} FROM {quote_ident(plan.child)} "
                                f"WHERE {fk} = %s ORDER BY {keys}", (p,)).fetchall()
            half = rows[: max(1, len(rows) // 2)]
            conn.execute(f"CREATE TEMP TABLE pgarch_removed AS SELECT {col_list} FROM "
                         f"{quote_ident(plan.child)} WHERE false")
            where = " AND ".join(f"{quote_ident(c)} = %s" for c in child.primary_key.columns)
            for row in half:
                conn.execute(f"WITH d AS (DELETE FROM {quote_ident(plan.child)} WHERE {where} "
                             f"RETURNING {col_list}) INSERT INTO pgarch_removed SELECT * FROM d",
                             row)
            mismatches += [f"after deletes: {m}" for m in _recount(conn, plan, [p, q])]
            conn.execute(f"UPDATE {quote_ident(plan.child)} SET {fk} = %s WHERE {fk} = %s",
                         (q, p))
            mismatches += [f"after moves: {m}" for m in _recount(conn, plan, [p, q])]
            conn.execute(f"INSERT INTO {quote_ident(plan.child)} ({col_list}) OVERRIDING "
                         f"SYSTEM VALUE SELECT {col_list} FROM pgarch_removed")
            mismatches += [f"after re-inserts: {m}" for m in _recount(conn, plan, [p, q])]
        targets = conn.execute(f"SELECT {keys} FROM {quote_ident(plan.child)} "
                               f"TABLESAMPLE SYSTEM (10) LIMIT %s", (writes,)).fetchall()
        timings: dict[bool, list[float]] = {False: [], True: []}
        update = f"UPDATE {quote_ident(plan.child)} SET {fk} = {fk} WHERE {where}"
        for _ in range(2):
            for enabled in (False, True):
                with conn.transaction(force_rollback=True):
                    if not enabled:
                        for e in ("insert", "delete", "update"):
                            conn.execute(f"ALTER TABLE {quote_ident(plan.child)} DISABLE TRIGGER "
                                         f"{quote_ident(summary_trigger_name(plan.child, e))}")
                    t0 = time.perf_counter()
                    for row in targets:
                        conn.execute(update, row)
                    timings[enabled].append((time.perf_counter() - t0) * 1000 / len(targets))
        trial = SummaryTrial(plan, backfill_ms, before, after,
                             (min(timings[False]), min(timings[True])),
                             len(sample) + 2, mismatches)
        if not keep:
            conn.execute(plan.drop_sql())
    return trial


# ------------------------------------------------------------------------- cache-aside

@dataclass
class PatternLoad:
    pattern: str
    calls: int
    hits: int
    hit_ms: list[float]
    miss_ms: list[float]
    direct_ms: list[float]

    @property
    def hit_rate(self) -> float:
        return self.hits / self.calls if self.calls else 0.0


@dataclass
class CacheTrial:
    plan: CachePlan
    seconds: float
    threads: int
    skew: str
    loads: dict[str, PatternLoad] = field(default_factory=dict)
    throughput: tuple[float, float] = (0.0, 0.0)   # reads/s: database only, through the cache
    fresh: dict[str, tuple[int, int]] = field(default_factory=dict)  # pattern: checks, stale
    control: dict[str, tuple[int, int]] = field(default_factory=dict)  # no listener
    invalidation_ms: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No stale read with invalidation on; at least one pattern checked."""
        return bool(self.fresh) and all(stale == 0 for _, stale in self.fresh.values())

    @property
    def hit_rate(self) -> float:
        calls = sum(p.calls for p in self.loads.values())
        return sum(p.hits for p in self.loads.values()) / calls if calls else 0.0

    def frame(self) -> Any:
        import pandas as pd
        def pct(xs: list[float], q: float) -> float:
            return float(np.percentile(xs, q)) if xs else float("nan")
        rows = []
        for p in self.loads.values():
            rows.append({"pattern": p.pattern, "calls": p.calls, "hit_rate": p.hit_rate,
                         "verdict": self.verdict(p.pattern),
                         "hit_p50_ms": pct(p.hit_ms, 50), "miss_p50_ms": pct(p.miss_ms, 50),
                         "cached_p95_ms": pct(p.hit_ms + p.miss_ms, 95),
                         "direct_p50_ms": pct(p.direct_ms, 50),
                         "direct_p95_ms": pct(p.direct_ms, 95)})
        return pd.DataFrame(rows)

    def verdict(self, pattern: str) -> str:
        """Faster through the cache, or only fewer database calls — said plainly."""
        p = self.loads[pattern]
        if not p.hit_ms or not p.direct_ms:
            return "not measured"
        hit, direct = float(np.median(p.hit_ms)), float(np.median(p.direct_ms))
        saved = f"{p.hit_rate:.0%} of its reads never reach PostgreSQL"
        if hit < direct * 0.8:
            return f"{direct / hit:.1f}× faster on a hit; {saved}"
        return (f"no faster here ({direct:.2f} ms from PostgreSQL's memory, {hit:.2f} ms from "
                f"Redis): {saved} — worth it when the database is remote or busy")

    def __str__(self) -> str:
        direct, cached = self.throughput
        inv = (f", invalidation p50 {np.median(self.invalidation_ms):.1f} ms"
               if self.invalidation_ms else "")
        lines = [f"cache-aside, {self.threads} threads × {self.seconds:g} s, keys {self.skew}: "
                 f"hit rate {self.hit_rate:.0%}, {direct:.0f} → {cached:.0f} reads/s{inv}"]
        for name, (checks, stale) in self.fresh.items():
            ctl = self.control.get(name)
            lines.append(f"  {name}: {checks} writes then reads, {stale} stale"
                         + (f" (without the listener: {ctl[1]} of {ctl[0]} stale)" if ctl else ""))
        lines.append(self.frame().drop(columns="verdict").to_string(
            index=False, float_format=lambda v: f"{v:.3f}"))
        lines += [f"  {n}: {self.verdict(n)}" for n in self.loads]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        direct, cached = self.throughput
        frame = self.frame()
        rows = [(r.pattern, r.calls, f"{r.hit_rate:.0%}", f"{r.hit_p50_ms:.3f}",
                 f"{r.miss_p50_ms:.3f}", f"{r.direct_p50_ms:.3f}", r.verdict)
                for r in frame.itertuples()]
        fresh = [(n, c, s, f"{self.control[n][1]} of {self.control[n][0]}"
                  if n in self.control else "—") for n, (c, s) in self.fresh.items()]
        inv = (f"; invalidation reaches Redis in {np.median(self.invalidation_ms):.1f} ms "
               f"(median)" if self.invalidation_ms else "")
        return (f"<div><b>Redis cache-aside</b> — {self.threads} threads for {self.seconds:g} s, "
                f"keys drawn {self.skew}: hit rate {self.hit_rate:.0%}, {direct:.0f} reads/s "
                f"from PostgreSQL alone → {cached:.0f} through the cache{inv}</div>"
                + html_table(("pattern", "calls", "hit rate", "hit p50 ms", "miss p50 ms",
                              "database p50 ms", "verdict"), rows)
                + "<div style='color:#555'>Latencies are measured in Python threads (the "
                  "client's own cost included); the reads are the design's patterns with "
                  "parameters drawn from the data.</div>"
                + "<div><b>Freshness</b> — a committed write, then a read through the cache"
                  "</div>"
                + html_table(("pattern", "writes", "stale reads", "without the listener"),
                             fresh, highlight=[None if r[2] == 0 else "#fee2e2"
                                               for r in fresh]))


class _Cache:
    """The application side of cache-aside, as a reader would write it."""

    def __init__(self, plan: CachePlan, client: Any) -> None:
        self.plan, self.redis = plan, client

    def key(self, q: CachedQuery, values: dict[str, Any]) -> str:
        gen = None
        if q.generation:
            raw = self.redis.get(q.generation_key(self.plan.prefix))
            gen = int(raw) if raw else 0
        return q.key(self.plan.prefix, values, gen)

    def read(self, conn: psycopg.Connection, q: CachedQuery, sql: str,
             values: list) -> tuple[str, bool]:
        key = self.key(q, dict(zip(q.params, values)))
        hit = self.redis.get(key)
        if hit is not None:
            return hit.decode(), True
        result = json.dumps(_exec(conn, sql, values).fetchall(), default=str)
        self.redis.set(key, result, ex=q.ttl)
        return result, False


class _Listener(threading.Thread):
    """LISTEN on the plan's channel; delete the keys each notification names."""

    def __init__(self, dsn: str, cache: _Cache) -> None:
        super().__init__(daemon=True)
        self.dsn, self.cache = dsn, cache
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.handled = 0

    def run(self) -> None:
        import psycopg
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f"LISTEN {quote_ident(self.cache.plan.channel)}")
            self.ready.set()
            while not self.stop.is_set():
                for note in conn.notifies(timeout=0.1, stop_after=100):
                    keys, bumps = self.cache.plan.invalidations(note.payload)
                    for q in bumps:
                        self.cache.redis.incr(q.generation_key(self.cache.plan.prefix))
                    if keys:
                        self.cache.redis.delete(*{self.cache.key(q, v) for q, v in keys})
                    self.handled += 1


_CHANGES = {"text": ("{c} || '~'", "left({c}, -1)"), "character varying": ("{c} || '~'",
            "left({c}, -1)"), "citext": ("{c} || '~'", "left({c}, -1)"),
            "numeric": ("{c} + 1", "{c} - 1"), "integer": ("{c} + 1", "{c} - 1"),
            "bigint": ("{c} + 1", "{c} - 1"), "smallint": ("{c} + 1", "{c} - 1")}


@dataclass(frozen=True)
class _Changer:
    """How to change one call's answer: an UPDATE of a column the pattern returns or
    aggregates, on a row it reads — picked from the rows it returns when they carry the
    table's primary key, else found with the pattern's own FROM and WHERE — and its undo."""

    rel: str
    pk: tuple[str, ...]
    column: str
    change: str
    undo: str
    finder: str                      # SELECT <pk> FROM <pattern's FROM> WHERE … LIMIT 1
    finder_names: tuple[str, ...]    # its parameters, by name

    def statements(self) -> tuple[str, str]:
        where = " AND ".join(f"{quote_ident(k)} = %s" for k in self.pk)
        col = quote_ident(self.column)
        return (f"UPDATE {self.rel} SET {col} = {self.change.format(c=col)} WHERE {where}",
                f"UPDATE {self.rel} SET {col} = {self.undo.format(c=col)} WHERE {where}")

    def row(self, conn: psycopg.Connection, sql: str, names: tuple[str, ...],
            values: list) -> tuple | None:
        cur = _exec(conn, sql, values)
        cols = [d.name for d in cur.description or ()]
        first = cur.fetchone()
        if first is None:
            return None
        if set(self.pk) <= set(cols):
            return tuple(first[cols.index(k)] for k in self.pk)
        by_name = dict(zip(names, values))
        found = _exec(conn, self.finder, [by_name[n] for n in self.finder_names]).fetchone()
        return tuple(found) if found else None


def _changer(design: Design, q: CachedQuery, sql: str) -> _Changer | None:
    from pglast import ast

    from pgarch_kit.model.query import parse_pattern, pattern_params
    from pgarch_kit.model.query.tree import column_ref, nodes
    from pgarch_kit.model.types import parse_type
    parsed = parse_pattern(sql)
    if len(parsed.statements) != 1:
        return None
    st = parsed.statements[0]
    keyed = {fld for _, pairs in q.keyed for _, fld in pairs}
    refs = [r for n in nodes(st.targetList) if (r := column_ref(n))]
    ranges = [n for n in nodes(st.fromClause) if isinstance(n, ast.RangeVar)]
    for rv in ranges:
        alias, t = (rv.alias.aliasname if rv.alias else rv.relname), design.table(rv.relname)
        if t is None or t.primary_key is None:
            continue
        for qualifier, name in refs:
            if qualifier not in (None, alias) or (qualifier is None and len(ranges) > 1) \
                    or any(name in f for f in keyed) \
                    or name in t.primary_key.columns:
                continue
            c = t.column(name)
            if c is None or (how := _CHANGES.get(parse_type(c.type).base)) is None:
                continue
            pk = ", ".join(f"{quote_ident(alias)}.{quote_ident(k)}"
                           for k in t.primary_key.columns)
            finder = (f"SELECT {pk} FROM {', '.join(parsed.deparse(f) for f in st.fromClause)}"
                      + (f" WHERE {parsed.deparse(st.whereClause)}" if st.whereClause else "")
                      + " LIMIT 1")
            split = pattern_params(finder)
            return _Changer(f"{quote_ident(t.schema)}.{quote_ident(t.name)}",
                            t.primary_key.columns, name, how[0], how[1], split.dollar,
                            split.names)
    return None


def _freshness(design: Design, cache: _Cache, conn: psycopg.Connection, q: CachedQuery,
               original: str, draws: list[list], listener: _Listener | None, checks: int,
               waits: list[float]) -> tuple[int, int]:
    """``checks`` times: read through the cache, commit a write that changes the answer, read
    again: (checks made, stale answers). ``original`` is the pattern's SQL."""
    from pgarch_kit.model.query import pattern_params
    sql = pattern_params(original).dollar
    changer = _changer(design, q, original)
    if changer is None:
        return 0, 0
    change, undo = changer.statements()
    done = stale = 0
    for values in draws[: checks * 5]:
        if done >= checks:
            break
        key_row = changer.row(conn, sql, q.params, values)
        if key_row is None:
            continue
        cache.read(conn, q, sql, values)            # cached now
        handled = listener.handled if listener else 0
        args = dict(zip(q.params, values))
        conn.execute(change, key_row)
        t0 = time.perf_counter()
        if listener is not None:
            while listener.handled == handled and time.perf_counter() - t0 < 2:
                time.sleep(0.0002)              # the notification arrived and was handled
            settle = time.perf_counter() + 0.05
            # invalidated: the key is gone, or (a generation bump) is no longer the key
            while cache.redis.exists(cache.key(q, args)) and time.perf_counter() < settle:
                time.sleep(0.0002)
            waits.append((time.perf_counter() - t0) * 1000)
        cached, _ = cache.read(conn, q, sql, values)
        fresh = json.dumps(_exec(conn, sql, values).fetchall(), default=str)
        stale += cached != fresh
        done += 1
        handled = listener.handled if listener else 0
        conn.execute(undo, key_row)
        if listener is not None:                    # let the undo's invalidation land too
            t0 = time.perf_counter()
            while listener.handled == handled and time.perf_counter() - t0 < 2:
                time.sleep(0.0002)
        else:
            cache.redis.delete(cache.key(q, args))
    return done, stale


def _clear(client: Any, prefix: str) -> None:
    keys = list(client.scan_iter(f"{prefix}:*", count=1000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i:i + 1000])


def cache_trial(design: Design, plan: CachePlan | None = None, *, seconds: float = 3.0,
                threads: int = 4, skew: str = "zipf 1.1", checks: int = 10,
                redis_url: str | None = None, dsn: str | None = None,
                keep_triggers: bool = False) -> CacheTrial:
    """Install ``plan``'s invalidation triggers in the loaded sandbox, check freshness with
    and without the listener, then load: ``threads`` Python threads for ``seconds`` reading
    straight from PostgreSQL, then the same through Redis (cold at the start). Keys are drawn
    with ``skew`` where a pattern states none — a cache pays only when keys repeat."""
    import psycopg

    from pgarch_kit.db.redis_server import redis_client
    from pgarch_kit.db.sandbox import guard_destructive
    from pgarch_kit.model.query import pattern_params
    from pgarch_kit.production.caching import cache_plan

    from .params import parse_skew, prepare_params
    from .timing import pattern_of
    plan = plan or cache_plan(design)
    if not plan.queries:
        raise BenchError(f"no read pattern of {design.name!r} to cache: name some with "
                         f"cache_plan(design, patterns=[...])")
    target = resolve_target(design, dsn)
    guard_destructive(target.dbname, "install cache invalidation triggers", dsn=target.dsn)
    client = redis_client(redis_url)
    cache = _Cache(plan, client)
    _clear(client, plan.prefix)
    trial = CacheTrial(plan, seconds, threads, skew)
    patterns = {q.pattern: pattern_of(design, q.pattern) for q in plan.queries}
    sqls = {n: pattern_params(p.sql).dollar for n, p in patterns.items()}
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        conn.execute(plan.drop_sql())
        with conn.transaction():
            conn.execute(plan.notify_sql())
        draws: dict[str, list[list]] = {}
        for q in plan.queries:
            p = patterns[q.pattern]
            sampler = prepare_params(conn, design, p, size=2000)
            if p.skew is None:
                sampler = replace(sampler, skew=parse_skew(skew))
            draws[q.pattern] = sampler.draw(20000, seed=3)
        try:
            for q in plan.queries:        # control first: without the listener reads go stale
                trial.control[q.pattern] = _freshness(design, cache, conn, q,
                                                      patterns[q.pattern].sql,
                                                      draws[q.pattern][::-1], None,
                                                      max(2, checks // 3), [])
            listener = _Listener(target.dsn, cache)
            listener.start()
            listener.ready.wait(10)
            for q in plan.queries:
                trial.fresh[q.pattern] = _freshness(design, cache, conn, q,
                                                    patterns[q.pattern].sql,
                                                    draws[q.pattern], listener, checks,
                                                    trial.invalidation_ms)
            trial.fresh = {k: v for k, v in trial.fresh.items() if v[0]}
            trial.control = {k: v for k, v in trial.control.items() if v[0]}
            _clear(client, plan.prefix)
            trial.loads = {q.pattern: PatternLoad(q.pattern, 0, 0, [], [], [])
                           for q in plan.queries}
            weights = np.array([max(patterns[q.pattern].per_second or 1, 1)
                                for q in plan.queries], dtype=float)
            for cached in (False, True):
                count = _load(target.dsn, cache, plan, sqls, draws, weights / weights.sum(),
                              trial, cached)
                trial.throughput = (count / seconds, trial.throughput[1]) if not cached else \
                    (trial.throughput[0], count / seconds)
            listener.stop.set()
            listener.join(5)
        finally:
            if not keep_triggers:
                conn.execute(plan.drop_sql())
    return trial


def _load(dsn: str, cache: _Cache, plan: CachePlan, sqls: dict[str, str],
          draws: dict[str, list[list]], weights: np.ndarray, trial: CacheTrial,
          cached: bool) -> int:
    import psycopg
    lock = threading.Lock()
    total = [0]

    def worker(n: int) -> None:
        rng = np.random.default_rng(n + (100 if cached else 0))
        local: dict[str, PatternLoad] = {q.pattern: PatternLoad(q.pattern, 0, 0, [], [], [])
                                         for q in plan.queries}
        calls = 0
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
            deadline = time.perf_counter() + trial.seconds
            while time.perf_counter() < deadline:
                q = plan.queries[int(rng.choice(len(plan.queries), p=weights))]
                values = draws[q.pattern][int(rng.integers(len(draws[q.pattern])))]
                t0 = time.perf_counter()
                if cached:
                    _, hit = cache.read(conn, q, sqls[q.pattern], values)
                    ms = (time.perf_counter() - t0) * 1000
                    rec = local[q.pattern]
                    rec.calls += 1
                    rec.hits += hit
                    (rec.hit_ms if hit else rec.miss_ms).append(ms)
                else:
                    _exec(conn, sqls[q.pattern], values).fetchall()
                    local[q.pattern].direct_ms.append((time.perf_counter() - t0) * 1000)
                calls += 1
        with lock:
            total[0] += calls
            for name, rec in local.items():
                agg = trial.loads[name]
                agg.calls += rec.calls
                agg.hits += rec.hits
                agg.hit_ms += rec.hit_ms
                agg.miss_ms += rec.miss_ms
                agg.direct_ms += rec.direct_ms

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(trial.threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return total[0]
