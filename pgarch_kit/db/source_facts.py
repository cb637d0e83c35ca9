"""Intents from the source: what a live database says about its own volumes and queries.

A design read from a running database (:func:`pgarch_kit.db.importer.import_live`) should
not start as if it were empty: the capacity plan, the data generator and DESIGN.md all size
themselves from the tables' expected rows and the query patterns. So the import also reads

* **rows** per table — an exact ``count(*)`` where the table is small enough for that to be
  cheap (its heap under ``count_below`` bytes, each count under a statement timeout), else
  PostgreSQL's own estimate ``pg_class.reltuples`` (as of the last VACUUM/ANALYZE); which one
  is recorded per table. A partitioned table gets the sum of its leaf partitions;
* **sizes** — ``pg_total_relation_size`` (heap, TOAST and indexes);
* **the top queries** — where ``pg_stat_statements`` is installed in the database and
  readable: its statements over the design's tables, by total execution time, become query
  patterns (``$1`` parameters as the extension normalised them; ``per_second`` = calls over
  the age of the statistics). Utility statements, the kit's own statements and anything
  touching a relation outside the design are left out.

Everything read is kept as data: the facts in :class:`~pgarch_kit.model.SourceFacts`
(``design.source``), the rows as each table's ``intent.rows``, the statements as
:class:`~pgarch_kit.model.QueryPattern` SQL text — never run here, and escaped by every output
like any other design text (a statement's text is whatever a client sent). Nothing is written:
the reads run in one read-only transaction; ``pg_stat_statements`` is never created or reset.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pgarch_kit.db.connect import KIT_MARK
from pgarch_kit.model import Design, QueryPattern, SourceFacts, SourceTable, derive_name
from pgarch_kit.model.query import query_shape

if TYPE_CHECKING:
    import psycopg

__all__ = ["COUNT_BELOW_BYTES", "TOP_QUERIES", "read_source"]

COUNT_BELOW_BYTES = 64 * 1024 ** 2  # a heap this small is scanned in well under a second
_COUNT_BUDGET_BYTES = 1024 ** 3     # all exact counts together read at most this much heap
_COUNT_TIMEOUT = "5s"               # one count that takes longer falls back to the estimate
TOP_QUERIES = 20
_CANDIDATES = 500                   # statements read from pg_stat_statements before filtering
# Every statement the kit runs here ends with the kit's mark, which pg_stat_statements keeps
# in the text it stores (a leading comment it drops): a later import skips the kit's own
# counts, as it skips the loader's, the verifier's and the benchmarks' statements.
MARK = KIT_MARK
_KINDS = ("select", "insert", "update", "delete", "merge")
_HIDDEN = "<insufficient privilege>"


def read_source(conn: psycopg.Connection, design: Design, *,
                count_below: int = COUNT_BELOW_BYTES, top: int = TOP_QUERIES) -> Design:
    """``design`` (just introspected from ``conn``) with the source's rows as intents, its top
    queries as query patterns (when ``pg_stat_statements`` has some; ``top`` at most) and the
    facts in ``design.source``. ``count_below``: tables whose heap is smaller are counted
    exactly, larger ones estimated (0 estimates every table)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        version, database, now = conn.execute(
            "SELECT current_setting('server_version_num')::int, current_database(), "
            "clock_timestamp()" + MARK).fetchone()
        # the statistics first: this import's own counts are not in them yet
        patterns, note = _top_queries(conn, design, now, top)
        tables = _table_facts(conn, design, count_below)
    by_key = {(t.schema, t.table): t for t in tables}
    new_tables = []
    for t in design.tables:
        fact = by_key.get(t.key)
        if fact is not None and fact.rows is not None and t.intent.rows is None:
            t = replace(t, intent=replace(t.intent, rows=fact.rows))
        new_tables.append(t)
    facts = SourceFacts(database, f"{version // 10000}.{version % 10000}",
                        now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        tuple(tables), note)
    return replace(design, tables=tuple(new_tables),
                   queries=design.queries + _named(patterns, design), source=facts)


# --- rows and sizes ------------------------------------------------------------------------

_TABLES_SQL = """
SELECT n.nspname, c.relname, c.relkind, c.reltuples::float8, pg_relation_size(c.oid),
       CASE WHEN c.relkind = 'p' THEN
            (SELECT coalesce(sum(pg_total_relation_size(p.relid)), 0)::bigint
             FROM pg_partition_tree(c.oid) p)
            ELSE pg_total_relation_size(c.oid) END,
       CASE WHEN c.relkind = 'p' THEN
            (SELECT array_agg(ARRAY[ln.nspname, l.relname]::text[])
             FROM pg_partition_tree(c.oid) p JOIN pg_class l ON l.oid = p.relid
             JOIN pg_namespace ln ON ln.oid = l.relnamespace WHERE p.isleaf) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[]))""" + MARK

_LEAVES_SQL = """
SELECT n.nspname, c.relname, c.reltuples::float8, pg_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[]))""" + MARK


def _table_facts(conn: psycopg.Connection, design: Design, count_below: int
                 ) -> list[SourceTable]:
    keys = [t.key for t in design.tables]
    rows = conn.execute(_TABLES_SQL, ([s for s, _ in keys], [n for _, n in keys])).fetchall()
    found = {(r[0], r[1]): r for r in rows}
    # leaf partitions of a partitioned table the design lacks (another schema) still count
    wanted = {tuple(leaf) for r in rows if r[2] == "p" for leaf in (r[6] or ())}
    extra = [k for k in wanted if k not in found]
    leaves = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(
        _LEAVES_SQL, ([s for s, _ in extra], [n for _, n in extra])).fetchall()} if extra else {}
    leaves.update({k: (r[3], r[4]) for k, r in found.items() if r[2] == "r"})
    budget = [_COUNT_BUDGET_BYTES]
    counted = {k: _rows(conn, k, reltuples, heap, count_below, budget)
               for k, (reltuples, heap) in sorted(leaves.items())}
    out = []
    for t in design.tables:
        r = found.get(t.key)
        if r is None:
            continue  # not a plain or partitioned table at the source (a foreign table, say)
        if r[2] == "p":
            parts = [counted.get(tuple(leaf), (None, None)) for leaf in (r[6] or ())]
            n = None if any(p[0] is None for p in parts) else sum(p[0] for p in parts)
            how = (None if n is None else
                   "count" if all(p[1] == "count" for p in parts) else "estimate")
        else:
            n, how = counted[t.key]
        out.append(SourceTable(t.name, t.schema, n, how, int(r[5])))
    return out


def _rows(conn: psycopg.Connection, key: tuple[str, str], reltuples: float, heap: int,
          count_below: int, budget: list[int]) -> tuple[int | None, str | None]:
    """(rows, how): counted when small and within the budget, else the planner's estimate
    (None when the table was never analysed: reltuples is -1 then)."""
    import psycopg
    from psycopg import sql
    if heap < count_below and heap <= budget[0]:
        budget[0] -= heap
        try:
            with conn.transaction():  # a savepoint: a timeout or a refusal ends only this
                conn.execute(f"SET LOCAL statement_timeout = '{_COUNT_TIMEOUT}'")
                conn.execute("SET LOCAL lock_timeout = '1s'")
                n = conn.execute(sql.SQL("SELECT count(*) FROM ONLY {}.{}" + MARK).format(
                    sql.Identifier(key[0]), sql.Identifier(key[1]))).fetchone()[0]
            return int(n), "count"
        except psycopg.Error:
            pass  # too slow, locked, or not ours to read: the estimate says enough
    if reltuples >= 0:
        return round(reltuples), "estimate"
    return None, None


# --- the top queries -------------------------------------------------------------------------

def _top_queries(conn: psycopg.Connection, design: Design, now: datetime, top: int
                 ) -> tuple[list[tuple[str, QueryPattern]], str]:
    """(base name, pattern) of the top statements, and the one line saying what was read."""
    import psycopg
    from psycopg import sql
    found = conn.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON "
                         "n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'"
                         + MARK).fetchone()
    if found is None:
        return [], ("no query patterns: pg_stat_statements is not installed in this database "
                    "(to import the application's top queries: add it to "
                    "shared_preload_libraries, restart, CREATE EXTENSION pg_stat_statements, "
                    "let the application run, then import again)")
    schema = sql.Identifier(found[0])
    view = sql.SQL("{}.pg_stat_statements").format(schema)
    cols = {r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0" + MARK,
        (view.as_string(conn),)).fetchall()}
    total = sql.Identifier("total_exec_time" if "total_exec_time" in cols else "total_time")
    since = sql.SQL("stats_since" if "stats_since" in cols else "NULL::timestamptz")
    query = sql.SQL("SELECT query, calls, {since} FROM {view} WHERE dbid = (SELECT oid "
                    "FROM pg_database WHERE datname = current_database()){top} ORDER BY {total} "
                    "DESC LIMIT {n}" + MARK).format(
        since=since, view=view, total=total, n=sql.Literal(_CANDIDATES),
        top=sql.SQL(" AND toplevel" if "toplevel" in cols else ""))
    try:
        with conn.transaction():
            stats = conn.execute(query).fetchall()
            info = sql.SQL("{}.pg_stat_statements_info").format(schema)  # PostgreSQL 14+
            reset = None
            if conn.execute("SELECT to_regclass(%s)" + MARK,
                            (info.as_string(conn),)).fetchone()[0] is not None:
                reset = conn.execute(sql.SQL("SELECT stats_reset FROM {}" + MARK).format(info)
                                     ).fetchone()[0]
    except psycopg.Error as exc:
        return [], (f"no query patterns: pg_stat_statements is installed but could not be "
                    f"read ({exc.diag.message_primary or type(exc).__name__})")
    tables = {(t.schema, t.name) for t in design.tables} | {v.key for v in design.views}
    out: list[tuple[str, QueryPattern]] = []
    hidden = skipped = 0
    oldest: datetime | None = None
    for text, calls, entry_since in stats:
        if text is None or text == _HIDDEN:
            hidden += 1
            continue
        shape = None if MARK.strip() in text else _shape(text, tables)
        if shape is None:
            skipped += 1
            continue
        if len(out) == top:
            continue
        start = entry_since or reset
        age = (now - start).total_seconds() if start is not None else None
        oldest = start if oldest is None or (start and start < oldest) else oldest
        rate = round(calls / age, 4) if age and age > 0 else None
        out.append((shape, QueryPattern(shape, text.strip(), per_second=rate)))
    return out, _queries_note(len(out), len(stats), skipped, hidden, now, oldest)


def _queries_note(kept: int, read: int, skipped: int, hidden: int, now: datetime,
                  oldest: datetime | None) -> str:
    if kept:
        if oldest is None:
            window = ", no rates (the statistics' age is unknown)"
        else:
            seconds = (now - oldest).total_seconds()
            window = f", rates over {_age(seconds)} of statistics" + (
                " (rough: import again once the application has run for a while)"
                if seconds < 3600 else "")
        line = (f"{kept} query pattern(s) from pg_stat_statements, the top by total execution "
                f"time over the design's tables{window}")
    else:
        line = ("no query patterns: pg_stat_statements holds no statement over the design's "
                f"tables in this database ({read} statement(s) read)")
    if skipped and kept:
        line += f"; {skipped} other statement(s) skipped (utility, the kit's own, or not " \
                f"over the design's tables)"
    if hidden:
        line += (f"; {hidden} statement(s) of other roles hidden (reading them needs "
                 f"pg_read_all_stats)")
    return line


def _age(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}s"
    return f"{seconds:.1f} seconds"


def _shape(text: str, tables: set[tuple[str, str]]) -> str | None:
    """``kind_table`` for one SELECT/INSERT/UPDATE/DELETE/MERGE whose every relation is one
    of ``tables`` (CTEs aside); None for anything else, including text the parser refuses
    (read by :func:`pgarch_kit.model.query.query_shape`, as the design's own patterns are)."""
    shape = query_shape(text)
    if shape.error or shape.statements != 1 or shape.kind not in _KINDS or not shape.relations:
        return None
    for r in shape.relations:
        if not any(name == r.name and (r.schema is None or schema == r.schema)
                   for schema, name in tables):
            return None
    main = shape.writes_to[0].relation.name if shape.kind != "select" else \
        shape.relations[0].name
    return "_".join((shape.kind, _plain(main)))


def _plain(name: str) -> str:
    """A table name as an identifier fragment: lower-case ASCII letters, digits, ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "table"


def _named(patterns: list[tuple[str, QueryPattern]], design: Design
           ) -> tuple[QueryPattern, ...]:
    """Unique, safe names: ``select_orders``, ``select_orders_2`` … (:func:`derive_name`)."""
    taken = {q.name for q in design.queries}
    out = []
    for base, q in patterns:
        name, i = derive_name(base), 1
        while name in taken:
            i += 1
            name = derive_name(base, suffix=str(i))
        taken.add(name)
        out.append(replace(q, name=name))
    return tuple(out)
