"""Caching and read-heavy paths, generated from the design's query patterns.

Three layers, cheapest first:

* **Materialized views** for aggregate patterns: equality parameters become group keys, a
  range on a timestamp becomes a day bucket, and the pattern is rewritten to re-aggregate the
  view (``sum`` of counts, ``sum/sum`` for an average). The view gets the unique index that
  ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` needs (readers are not blocked during a
  refresh), and a refresh schedule.
* **Summary columns** kept by triggers: a count or sum of a parent's children, stored on the
  parent — one row read instead of many — paid for on every child write (statement-level
  triggers with transition tables, one UPDATE per statement, not per row).
* **Cache-aside in Redis** for hot lookups: a key per pattern and parameter values, a TTL,
  and invalidation *from the database*: a trigger sends ``pg_notify`` with the key columns of
  each changed row, delivered at commit (never for a rolled-back write), and a listener deletes
  exactly those keys — or, when a write cannot name the keys (a range, a JSON filter), bumps
  the pattern's generation so every old key is orphaned.

Pure: SQL text and plans. :mod:`pgarch_kit.bench.caching` measures each on loaded data and
checks that the rewritten queries and triggers give the same answers as the originals.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..model.design import Design, QueryPattern, Table
from ..model.names import derive_name, quote_ident
from ..model.query import parse_pattern, query_shape
from ..model.query.tree import (
    aliases,
    column_names,
    column_ref,
    comparison,
    conjuncts,
    nodes,
    param_numbers,
)
from ..model.types import parse_type

__all__ = ["CHANNEL", "CachePlan", "CachedQuery", "CachingPlan", "MatviewPlan",
           "SummaryPlan", "cache_plan", "caching_plan", "matview_plans", "summary_plans",
           "summary_trigger_name"]

CHANNEL = "pgarch_cache"
_AGGREGATES = {"count", "sum", "min", "max", "avg"}
_CLOCK = {"now", "current_timestamp", "current_date", "localtimestamp", "clock_timestamp",
          "current_time", "localtime", "statement_timestamp", "transaction_timestamp"}
_SECONDS_PER_MONTH = 30 * 86400


def summary_trigger_name(child: str, event: str) -> str:
    """The trigger that keeps a summary column current for ``event`` (insert/delete/update) on
    ``child``: one name for the plan's CREATE, its DROP and the trial that disables it."""
    return derive_name(child, "summary", suffix=event.lower())


def _rel(t: Table) -> str:
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"


def _table_of(design: Design, alias_map: dict[str, str], qualifier: str | None,
              column: str) -> Table | None:
    if qualifier is not None:
        return design.table(alias_map.get(qualifier, qualifier))
    found = [design.table(n) for n in set(alias_map.values())]
    found = [t for t in found if t is not None and t.column(column) is not None]
    return found[0] if len(found) == 1 else None


def _aggregate(node: Any) -> tuple[str, Any] | None:
    """(function, argument or None for ``count(*)``) of a plain aggregate call."""
    from pglast import ast
    if not isinstance(node, ast.FuncCall) or node.over is not None or node.agg_distinct \
            or node.agg_filter is not None or node.agg_order:
        return None
    name = node.funcname[-1].sval
    if name not in _AGGREGATES:
        return None
    if node.agg_star:
        return (name, None)
    return (name, node.args[0]) if node.args and len(node.args) == 1 else None


# ------------------------------------------------------------------ materialized views

@dataclass(frozen=True)
class MatviewPlan:
    pattern: str
    name: str
    query: str                       # the view's SELECT
    keys: tuple[str, ...]            # its unique key: REFRESH … CONCURRENTLY needs one
    rewritten: str                   # the pattern, against the view
    day_params: tuple[str, ...] = () # parameters the view answers exactly at day boundaries
    caveats: tuple[str, ...] = ()
    refresh_minutes: int = 5
    existing: bool = False           # a view the design already has
    rows_per_answer: float | None = None   # rows the original aggregates per call (estimate)

    @property
    def pays(self) -> bool | None:
        """Whether the view saves much: the original reads ≥ 50 rows per call (from the
        tables' row intents; None when they state none)."""
        return None if self.rows_per_answer is None else self.rows_per_answer >= 50

    @property
    def verdict(self) -> str:
        if self.rows_per_answer is None:
            return "state the tables' rows to estimate the saving"
        return (f"~{self.rows_per_answer:,.0f} rows aggregated per call become one: "
                + ("pays" if self.pays else "an index already answers this cheaply"))

    @property
    def index_name(self) -> str:
        return derive_name(self.name, suffix="key")

    def sql(self, schedule: bool = True) -> str:
        """The view and its key; with ``schedule``, the pg_cron job that refreshes it."""
        out = [] if self.existing else [
            f"CREATE MATERIALIZED VIEW {quote_ident(self.name)} AS\n{self.query};"]
        if self.keys and not self.existing:
            cols = ", ".join(quote_ident(k) for k in self.keys)
            out.append(f"CREATE UNIQUE INDEX {quote_ident(self.index_name)} ON "
                       f"{quote_ident(self.name)} ({cols});")
        if schedule:
            out.append(f"-- refresh every {self.refresh_minutes} min (pg_cron shown; any "
                       f"scheduler works):\n{self.schedule_sql()}")
        return "\n".join(out)

    def refresh_sql(self) -> str:
        how = "CONCURRENTLY " if self.keys else ""
        return f"REFRESH MATERIALIZED VIEW {how}{quote_ident(self.name)};"

    def schedule_sql(self) -> str:
        return (f"SELECT cron.schedule('refresh_{self.name}', '*/{self.refresh_minutes} * * * *',"
                f" $$REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if self.keys else ''}"
                f"{quote_ident(self.name)}$$);")


def _is_time(t: Table | None, column: str) -> str | None:
    c = t.column(column) if t is not None else None
    if c is None:
        return None
    base = parse_type(c.type).base
    if base in ("timestamp with time zone", "timestamptz", "timestamp",
                "timestamp without time zone"):
        return "timestamp"
    return "date" if base == "date" else None


def _select(q: QueryPattern) -> tuple[Any, Any] | None:
    """(parsed pattern, its SelectStmt) when the pattern is one plain SELECT, else None:
    only those can be cached, summarised or materialised."""
    from pglast import ast
    try:
        p = parse_pattern(q.sql)
    except Exception:
        return None
    if len(p.statements) != 1 or not isinstance(p.statements[0], ast.SelectStmt):
        return None
    return p, p.statements[0]


def _matview(design: Design, q: QueryPattern) -> MatviewPlan | None:
    if (found := _select(q)) is None:
        return None
    p, st = found
    if int(st.op) != 0 or st.withClause or st.distinctClause or st.havingClause \
            or st.lockingClause or not st.fromClause or st.limitCount is not None:
        return None
    amap = aliases(st.fromClause)
    group_sql = [p.deparse(g) for g in st.groupClause or ()]
    keys: list[tuple[str, str]] = []          # (expression in the view, its column name)
    outer_where: list[str] = []
    inner_where: list[str] = []
    day_params: list[str] = []
    eq_columns: list[tuple[str | None, str]] = []
    for term in conjuncts(st.whereClause):
        if not param_numbers(term):
            inner_where.append(p.deparse(term))
            continue
        cmp = comparison(term)
        if cmp is None:
            return None
        op, left, right = cmp
        col, other = (left, right) if column_ref(left) else (right, left)
        ref = column_ref(col)
        if ref is None or column_ref(other) or column_names(other):
            return None
        name = ref[1]
        if op == "=":
            eq_columns.append(ref)
            if all(k[1] != name for k in keys):
                keys.append((p.deparse(col), name))
            outer_where.append(f"{quote_ident(name)} {op} {p.deparse(other)}")
            continue
        kind = _is_time(_table_of(design, amap, ref[0], name), name)
        if op not in ("<", "<=", ">", ">=") or kind is None:
            return None
        bucket = derive_name(name, suffix="day")
        expr = f"date_trunc('day', {p.deparse(col)})" if kind == "timestamp" else p.deparse(col)
        if all(k[1] != bucket for k in keys):
            keys.append((expr, bucket))
        outer_where.append(f"{quote_ident(bucket)} {op} {p.deparse(other)}")
        day_params += [p.name(n) for n in param_numbers(other)]
    inner_cols: list[str] = []
    outer_cols: list[str] = []
    for i, target in enumerate(st.targetList):
        agg = _aggregate(target.val)
        text = p.deparse(target.val)
        if agg is None:
            if text not in group_sql:
                return None
            ref = column_ref(target.val)
            name = target.name or (ref[1] if ref else f"g{i + 1}")
            if all(k[1] != name for k in keys):
                keys.append((text, name))
            outer_cols.append(quote_ident(name))
            continue
        fn, arg = agg
        name = target.name or (fn if arg is None else f"{fn}_{column_ref(arg)[1]}"
                               if column_ref(arg) else f"{fn}_{i + 1}")
        qn = quote_ident(name)
        if fn == "avg":
            a = p.deparse(arg)
            inner_cols += [f"sum({a}) AS {quote_ident(name + '_sum')}",
                           f"count({a}) AS {quote_ident(name + '_count')}"]
            outer_cols.append(f"sum({quote_ident(name + '_sum')}) / "
                              f"nullif(sum({quote_ident(name + '_count')}), 0) AS {qn}")
            continue
        inner_cols.append(f"{text} AS {qn}")
        outer_cols.append(f"coalesce(sum({qn}), 0)::bigint AS {qn}" if fn == "count" else
                          f"{'sum' if fn == 'sum' else fn}({qn}) AS {qn}")
    if not any(_aggregate(t.val) for t in st.targetList):
        return None
    for g in group_sql:
        if all(k[0] != g for k in keys):
            keys.append((g, f"g{len(keys) + 1}"))
    if st.sortClause and not column_names(st.sortClause) <= {k[1] for k in keys} | {
            t.name for t in st.targetList if t.name}:
        return None
    name = derive_name(q.name, suffix="mv")
    from_sql = ", ".join(p.deparse(f) for f in st.fromClause)
    key_sql = [f"{expr} AS {quote_ident(n)}" for expr, n in keys]
    query = (f"SELECT {', '.join(key_sql + inner_cols)}\nFROM {from_sql}"
             + (f"\nWHERE {' AND '.join(inner_where)}" if inner_where else "")
             + (f"\nGROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys
                else ""))
    outer_group = [quote_ident(next(n for e, n in keys if e == g)) for g in group_sql]
    rewritten = (f"SELECT {', '.join(outer_cols)} FROM {quote_ident(name)}"
                 + (f" WHERE {' AND '.join(outer_where)}" if outer_where else "")
                 + (f" GROUP BY {', '.join(outer_group)}" if outer_group else "")
                 + (f" ORDER BY {', '.join(p.deparse(s) for s in st.sortClause)}"
                    if st.sortClause else ""))
    caveats = ["answers are as old as the last refresh"]
    if day_params:
        caveats.append(f"exact when {', '.join(':' + d for d in dict.fromkeys(day_params))} "
                       f"falls on a day boundary (in the refreshing session's TimeZone): a "
                       f"daily report; finer ranges need an hourly bucket")
    if not keys:
        caveats.append("one row and no key: REFRESH cannot be CONCURRENTLY (it blocks readers "
                       "for the refresh)")
    return MatviewPlan(q.name, name, query, tuple(n for _, n in keys), rewritten,
                       tuple(dict.fromkeys(day_params)), tuple(caveats),
                       rows_per_answer=_rows_per_answer(design, amap, eq_columns, bool(day_params)))


def _rows_per_answer(design: Design, amap: dict[str, str], eq: list[tuple[str | None, str]],
                     by_day: bool) -> float | None:
    """Rows of the largest table in FROM that one call aggregates: its rows split by each
    equality key's distinct values (a foreign key: the parent's rows) and by day."""
    tables = [t for n in set(amap.values()) if (t := design.table(n)) is not None]
    if not tables or not any(t.intent.rows for t in tables):
        return None
    t = max(tables, key=lambda t: t.intent.rows or 0)
    rows = float(t.intent.rows or 0)
    for qualifier, col in eq:
        owner = _table_of(design, amap, qualifier, col)
        if owner is None or owner.name != t.name:
            continue
        fk = next((f for f in t.foreign_keys if f.columns == (col,)), None)
        parent = design.table(fk.ref_table) if fk else None
        unique = any(u.columns == (col,) for u in t.uniques) or (
            t.primary_key is not None and t.primary_key.columns == (col,))
        distinct = rows if unique else (parent.intent.rows if parent and parent.intent.rows
                                        else 100)
        rows /= max(distinct or 1, 1)
    if by_day:
        per_month = t.intent.growth_per_month or (t.intent.rows or 0) / 12
        rows = min(rows, per_month / 30)
    return max(rows, 1.0)


def matview_plans(design: Design) -> list[MatviewPlan]:
    """A view for each aggregate pattern it can answer, and the refresh plan of each
    materialized view the design already has (flagging one without a unique index)."""
    out = [m for q in design.queries if (m := _matview(design, q)) is not None]
    for v in design.views:
        if not v.materialized:
            continue
        key = next((i for i in v.indexes if i.unique and not i.where
                    and all(not k.expression for k in i.keys)), None)
        caveats = ("answers are as old as the last refresh",) + (
            () if key else ("no unique index without a WHERE: REFRESH … CONCURRENTLY is "
                            "refused, and a plain REFRESH blocks readers — add one",))
        out.append(MatviewPlan(f"(view {v.name})", v.name, v.query,
                               tuple(k.column for k in key.keys) if key else (), "",
                               caveats=caveats, refresh_minutes=60, existing=True))
    return out


# ---------------------------------------------------------------------- summary columns

@dataclass(frozen=True)
class SummaryPlan:
    pattern: str
    parent: str
    child: str
    fk: str                                  # the child's column referencing the parent
    parent_key: str
    columns: tuple[tuple[str, str, str | None, str], ...]  # (name, fn, child column, type)
    rewritten: str
    pays: bool
    reason: str
    caveats: tuple[str, ...] = ()

    @property
    def function(self) -> str:
        return derive_name(self.parent, self.child, suffix="summary")

    def sql(self, schema: str = "public") -> str:
        parent, child = f"{quote_ident(schema)}.{quote_ident(self.parent)}", \
            f"{quote_ident(schema)}.{quote_ident(self.child)}"
        fk, pk = quote_ident(self.fk), quote_ident(self.parent_key)
        adds = ",\n    ".join(f"ADD COLUMN {quote_ident(n)} {typ} NOT NULL DEFAULT 0"
                              for n, _, _, typ in self.columns)
        aggs = ", ".join(f"count(*) AS {quote_ident(n)}" if fn == "count" and col is None else
                         f"count({quote_ident(col or '')}) AS {quote_ident(n)}"
                         if fn == "count" else
                         f"coalesce(sum({quote_ident(col or '')}), 0) AS {quote_ident(n)}"
                         for n, fn, col, _ in self.columns)

        def apply(rows: str, sign: str) -> str:
            sets = ", ".join(f"{quote_ident(n)} = p.{quote_ident(n)} {sign} d.{quote_ident(n)}"
                             for n, _, _, _ in self.columns)
            return (f"UPDATE {parent} AS p SET {sets}\n"
                    f"        FROM (SELECT {fk}, {aggs} FROM {rows} "
                    f"WHERE {fk} IS NOT NULL GROUP BY {fk}) AS d\n"
                    f"        WHERE p.{pk} = d.{fk};")
        backfill_sets = ", ".join(f"{quote_ident(n)} = d.{quote_ident(n)}"
                                  for n, _, _, _ in self.columns)
        fn = quote_ident(self.function)
        events = [("INSERT", "REFERENCING NEW TABLE AS new_rows"),
                  ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
                  ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows")]
        triggers = "\n".join(
            f"CREATE TRIGGER {quote_ident(summary_trigger_name(self.child, e))} AFTER {e} "
            f"ON {child}\n    {ref} FOR EACH STATEMENT EXECUTE FUNCTION {fn}();"
            for e, ref in events)
        return (f"ALTER TABLE {parent}\n    {adds};\n"
                f"-- backfill (on a live table: in batches of parent keys)\n"
                f"UPDATE {parent} AS p SET {backfill_sets}\n"
                f"FROM (SELECT {fk}, {aggs} FROM {child} GROUP BY {fk}) AS d\n"
                f"WHERE p.{pk} = d.{fk};\n"
                f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n"
                f"    IF TG_OP IN ('DELETE', 'UPDATE') THEN\n        {apply('old_rows', '-')}\n"
                f"    END IF;\n"
                f"    IF TG_OP IN ('INSERT', 'UPDATE') THEN\n        {apply('new_rows', '+')}\n"
                f"    END IF;\n    RETURN NULL;\nEND $$;\n{triggers}")

    def drop_sql(self, schema: str = "public") -> str:
        parent, child = f"{quote_ident(schema)}.{quote_ident(self.parent)}", \
            f"{quote_ident(schema)}.{quote_ident(self.child)}"
        drops = "\n".join(f"DROP TRIGGER IF EXISTS "
                          f"{quote_ident(summary_trigger_name(self.child, e))} ON {child};"
                          for e in ("insert", "delete", "update"))
        cols = ", ".join(f"DROP COLUMN IF EXISTS {quote_ident(n)}" for n, _, _, _ in self.columns)
        return (f"{drops}\nDROP FUNCTION IF EXISTS {quote_ident(self.function)}();\n"
                f"ALTER TABLE {parent} {cols};")


def _sum_type(t: Table, column: str) -> str:
    base = parse_type(t.column(column).type).base  # type: ignore[union-attr]
    if base in ("smallint", "integer", "int", "int2", "int4"):
        return "bigint"
    if base in ("real", "double precision", "float4", "float8"):
        return "double precision"
    return "numeric"


def _summary(design: Design, q: QueryPattern) -> SummaryPlan | None:
    from pglast import ast
    if (found := _select(q)) is None:
        return None
    p, st = found
    if st.groupClause or not st.fromClause or len(st.fromClause) != 1 \
            or not isinstance(st.fromClause[0], ast.RangeVar):
        return None
    child = design.table(st.fromClause[0].relname)
    terms = conjuncts(st.whereClause)
    if child is None or len(terms) != 1 or (cmp := comparison(terms[0])) is None \
            or cmp[0] != "=":
        return None
    ref = column_ref(cmp[1]) or column_ref(cmp[2])
    if ref is None or len(param_numbers(terms[0])) != 1:
        return None
    fk = next((f for f in child.foreign_keys if f.columns == (ref[1],)), None)
    parent = design.table(fk.ref_table) if fk else None
    if fk is None or parent is None:
        return None
    cols: list[tuple[str, str, str | None, str]] = []
    outer = []
    for target in st.targetList:
        agg = _aggregate(target.val)
        if agg is None or agg[0] not in ("count", "sum"):
            return None
        fn, arg = agg
        arg_ref = column_ref(arg) if arg is not None else None
        if arg is not None and arg_ref is None:
            return None
        col = arg_ref[1] if arg_ref else None
        name = (derive_name(child.name, suffix="count") if fn == "count"
                else derive_name(child.name, col or "", suffix="sum"))
        typ = "bigint" if fn == "count" else _sum_type(child, col or "")
        if all(c[0] != name for c in cols):
            cols.append((name, fn, col, typ))
        outer.append(f"{quote_ident(name)} AS {quote_ident(target.name or name)}")
    param = p.name(param_numbers(terms[0])[0])
    rewritten = (f"SELECT {', '.join(outer)} FROM {quote_ident(parent.name)} "
                 f"WHERE {quote_ident(fk.ref_columns[0])} = :{param}")
    per_parent = (child.intent.rows or 0) / max(parent.intent.rows or 1, 1)
    writes = (child.intent.growth_per_month or 0) / _SECONDS_PER_MONTH
    reads = q.per_second or 0
    pays = per_parent >= 10 and reads >= writes
    reason = (f"{per_parent:.0f} {child.name} rows per {parent.name} row are read {reads:g}×/s; "
              f"the trigger adds work to ~{writes:.2g} {child.name} writes/s")
    reason += (" — pays: one row read instead of many" if pays else
               " — does not pay: " + ("few rows per parent (an index scan is cheap)"
                                      if per_parent < 10 else "more writes than reads"))
    caveats = ("each child write updates the parent row: writers of one parent queue on its "
               "row lock until commit (a hot parent becomes a bottleneck)",
               "a parent without children reads 0 (and sum 0, where the query gave NULL)")
    return SummaryPlan(q.name, parent.name, child.name, fk.columns[0], fk.ref_columns[0],
                       tuple(cols), rewritten, pays, reason, caveats)


def summary_plans(design: Design) -> list[SummaryPlan]:
    """A summary column plan for each pattern that counts or sums one parent's children."""
    return [s for q in design.queries if (s := _summary(design, q)) is not None]


# ------------------------------------------------------------------------- cache-aside

@dataclass(frozen=True)
class CachedQuery:
    pattern: str
    params: tuple[str, ...]
    ttl: int                                        # seconds: the bound on a missed invalidation
    reads: tuple[str, ...]                          # tables
    # table → (param, payload field) pairs: a write to the table names the keys to delete
    keyed: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    generation: tuple[str, ...] = ()                # tables whose writes orphan every key
    lower: tuple[str, ...] = ()                     # params compared case-insensitively
    reason: str = ""

    def key(self, prefix: str, values: dict[str, Any], generation: int | None = None) -> str:
        """The Redis key for one call: the values in PostgreSQL's text form (long ones
        hashed), lower-cased where the comparison ignores case."""
        parts = [prefix, self.pattern]
        if self.generation:
            parts.append(f"g{generation or 0}")
        for name in self.params:
            text = "" if values.get(name) is None else str(values[name])
            if name in self.lower:
                text = text.lower()
            if len(text) > 64:
                text = "#" + hashlib.sha1(text.encode()).hexdigest()
            parts.append(f"{name}={text}")
        return ":".join(parts)

    def generation_key(self, prefix: str) -> str:
        return f"{prefix}:{self.pattern}:generation"


@dataclass
class CachePlan:
    design: Design
    queries: list[CachedQuery]
    prefix: str
    channel: str = CHANNEL

    def query(self, pattern: str) -> CachedQuery:
        return next(q for q in self.queries if q.pattern == pattern)

    def payload_fields(self) -> dict[str, list[str]]:
        """table → the fields its notification carries (each an expression of its row)."""
        out: dict[str, list[str]] = {}
        for q in self.queries:
            for table in q.reads:
                out.setdefault(table, [])
            for table, pairs in q.keyed:
                for _, fld in pairs:
                    if fld not in out[table]:
                        out[table].append(fld)
        return out

    def _function(self, table: str) -> str:
        return derive_name(table, suffix="cache_notify")

    def notify_sql(self) -> str:
        """One trigger per table a cached pattern reads: after each row change it notifies
        ``channel`` with the table and the key fields of the old and new row."""
        out = []
        for table, fields in self.payload_fields().items():
            t = self.design.table(table)
            if t is None:
                continue

            def row(rec: str, fields: list[str] = fields) -> str:
                pairs = ", ".join(f"'{f}', ({_on(f, rec)})::text" for f in fields)
                return f"json_build_object({pairs})" if fields else "NULL"
            fn = quote_ident(self._function(table))
            out.append(
                f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n"
                f"    IF TG_OP <> 'INSERT' THEN\n"
                f"        PERFORM pg_notify('{self.channel}', json_build_object('table', "
                f"'{table}', 'row', {row('OLD')})::text);\n    END IF;\n"
                f"    IF TG_OP <> 'DELETE' THEN\n"
                f"        PERFORM pg_notify('{self.channel}', json_build_object('table', "
                f"'{table}', 'row', {row('NEW')})::text);\n    END IF;\n"
                f"    RETURN NULL;\nEND $$;\n"
                f"CREATE TRIGGER {quote_ident(self._function(table))} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {_rel(t)}\n"
                f"    FOR EACH ROW EXECUTE FUNCTION {fn}();")
        for table in self.payload_fields():
            if self.design.table(table) is None:
                out.append(f"-- {table} is a view: no trigger sees it change. The job that "
                           f"refreshes it notifies, after each REFRESH:\nSELECT pg_notify("
                           f"'{self.channel}', json_build_object('table', '{table}')::text);")
        return "\n".join(out)

    def drop_sql(self) -> str:
        out = []
        for table in self.payload_fields():
            t = self.design.table(table)
            if t is None:
                continue
            out.append(f"DROP TRIGGER IF EXISTS {quote_ident(self._function(table))} "
                       f"ON {_rel(t)};\nDROP FUNCTION IF EXISTS "
                       f"{quote_ident(self._function(table))}();")
        return "\n".join(out)

    def invalidations(self, payload: str | dict[str, Any]
                      ) -> tuple[list[tuple[CachedQuery, dict[str, Any]]], list[CachedQuery]]:
        """What one notification invalidates: (query, parameter values) pairs whose keys to
        delete, and the queries whose generation to bump."""
        msg = json.loads(payload) if isinstance(payload, str) else payload
        table, row = msg["table"], msg.get("row") or {}
        keys, bumps = [], []
        for q in self.queries:
            if table in q.generation:
                bumps.append(q)
            for t, pairs in q.keyed:
                if t == table:
                    keys.append((q, {param: row.get(fld) for param, fld in pairs}))
        return keys, bumps

    def __str__(self) -> str:
        lines = [f"cache-aside in Redis for {self.design.name} (prefix {self.prefix!r}, "
                 f"invalidation on channel {self.channel!r}):"]
        for q in self.queries:
            how = [f"delete its keys on writes to {t}" for t, _ in q.keyed] + \
                  [f"bump its generation on writes to {t}" for t in q.generation]
            example = q.key(self.prefix, {p: f"<{p}>" for p in q.params}, 0)
            lines.append(f"  {q.pattern}: key {example}, TTL {q.ttl} s; {'; '.join(how)}")
        return "\n".join(lines)


def _on(field: str, record: str) -> str:
    """A payload field (a column, or an expression of one row's columns) on OLD or NEW: the
    expression's column references, found by the parser, get the record as qualifier."""

    from pglast import parse_sql
    stmt = parse_sql(f"SELECT {field}")[0].stmt
    cols = column_names(stmt.targetList)
    if not cols:
        return field
    pattern = r"(?<![.:\w])(" + "|".join(map(re.escape, sorted(cols))) + r")\b(?!\s*\()"
    return re.sub(pattern, lambda m: f"{record}.{quote_ident(m.group(1))}", field)


def _cached(design: Design, q: QueryPattern, ttl: int | None) -> CachedQuery | None:
    from pglast import ast
    if (found := _select(q)) is None or found[1].lockingClause:
        return None
    p, st = found
    amap = aliases(st.fromClause)
    reads = tuple(dict.fromkeys(amap.values()))
    by_table: dict[str, list[tuple[str, str]]] = {}
    lower: list[str] = []
    for term in conjuncts(st.whereClause):
        cmp = comparison(term)
        if cmp is None or cmp[0] != "=":
            continue
        _, left, right = cmp
        for side, other in ((left, right), (right, left)):
            nums = param_numbers(other)
            if param_numbers(side) or len(nums) != 1 or column_names(other):
                continue
            param = p.name(nums[0])
            refs = [column_ref(n) for n in nodes(side) if column_ref(n)]
            tables = {(_table_of(design, amap, r[0], r[1]) or Table("?")).name for r in refs}
            if len(tables) != 1 or "?" in tables:
                continue
            table = tables.pop()
            t = design.table(table)
            ref = column_ref(side)
            fld = ref[1] if ref else _unqualified(p.deparse(side))
            if isinstance(other, ast.FuncCall) and other.funcname[-1].sval == "lower":
                lower.append(param)
            elif ref and t is not None and t.column(ref[1]) is not None and \
                    parse_type(t.column(ref[1]).type).base == "citext":  # type: ignore[union-attr]
                lower.append(param)
                fld = f"lower({ref[1]}::text)"
            elif not isinstance(other, ast.ParamRef):
                continue
            by_table.setdefault(table, []).append((param, fld))
    keyed, generation = [], []
    for table in reads:
        pairs = by_table.get(table, [])
        if pairs and {prm for prm, _ in pairs} == set(p.names) and len(reads) == 1:
            keyed.append((table, tuple(pairs)))
        else:
            generation.append(table)
    aggregate = any(_aggregate(t.val) for t in st.targetList)
    clock = bool(query_shape(q.sql).functions & _CLOCK)
    ttl = ttl or (60 if aggregate or clock else 300)
    why = ("keyed: each write names the keys it changes" if keyed and not generation else
           "a write cannot name this pattern's keys (a range, a containment, a join): it "
           "orphans them all by bumping the generation")
    views = [r for r in reads if design.table(r) is None]
    if views:
        why += (f"; it reads {', '.join(views)}, a view: no trigger sees its changes, so the "
                f"job that refreshes it sends the notification (see notify_sql)")
    if clock:
        why += f"; its answer moves with the clock (now()): the {ttl} s TTL bounds the lag"
    writes = max((_write_rate(design, t) for t in reads), default=0.0)
    if writes > 200:
        why += (f"; ~{writes:.0f} writes/s to what it reads: a notification per row at that "
                f"rate costs commits — prefer a short TTL, or logical decoding (Debezium)")
    return CachedQuery(q.name, p.names, ttl, reads, tuple(keyed), tuple(generation),
                       tuple(dict.fromkeys(lower)), why)


def _write_rate(design: Design, table: str) -> float:
    t = design.table(table)
    if t is None:
        return 0.0
    rate = (t.intent.growth_per_month or 0) / _SECONDS_PER_MONTH
    for q in design.queries:
        if any(w.relation.name == table for w in query_shape(q.sql).writes_to):
            rate += q.per_second or 0
    return rate


def _unqualified(expr: str) -> str:
    return re.sub(r"\b\w+\.(\w+)\b", r"\1", expr)


def _aggregates(q: QueryPattern) -> bool:
    found = _select(q)
    return found is not None and any(_aggregate(t.val) for t in found[1].targetList or ())


def cache_plan(design: Design, patterns: list[str] | None = None, *,
               min_per_second: float = 10, ttl: int | None = None) -> CachePlan:
    """Cache the named read patterns (default: those called at least ``min_per_second``
    times a second, critical ones, and aggregates — the expensive reads where a hit saves the
    most)."""
    chosen = [q for q in design.queries
              if (q.name in patterns if patterns is not None else
                  (q.per_second or 0) >= min_per_second or q.critical or _aggregates(q))]
    if patterns is not None and (missing := set(patterns) - {q.name for q in chosen}):
        raise KeyError(f"no query pattern named {sorted(missing)} in {design.name!r}")
    cached = [c for q in sorted(chosen, key=lambda q: -(q.per_second or 0))
              if (c := _cached(design, q, ttl)) is not None]
    return CachePlan(design, cached, f"pgarch:{design.name}")


# ------------------------------------------------------------------------------ together

@dataclass
class CachingPlan:
    design: Design
    matviews: list[MatviewPlan] = field(default_factory=list)
    summaries: list[SummaryPlan] = field(default_factory=list)
    cache: CachePlan | None = None

    def __str__(self) -> str:
        lines = [f"caching for {self.design.name}:"]
        for m in self.matviews:
            lines.append(f"  materialized view {m.name} for {m.pattern}, key "
                         f"({', '.join(m.keys) or '—'}): {m.verdict}; {'; '.join(m.caveats)}")
        for s in self.summaries:
            lines.append(f"  summary {', '.join(c[0] for c in s.columns)} on {s.parent} for "
                         f"{s.pattern}: {s.reason}")
        if self.cache:
            lines.append(str(self.cache))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape
        rows = [(f"materialized view <code>{escape(m.name)}</code>", escape(m.pattern),
                 escape("; ".join((m.verdict, *m.caveats)))) for m in self.matviews]
        rows += [(f"summary columns <code>{escape(', '.join(c[0] for c in s.columns))}</code>"
                  f" on {escape(s.parent)}", escape(s.pattern), escape(s.reason))
                 for s in self.summaries]
        if self.cache:
            rows += [(f"Redis cache-aside, TTL {q.ttl} s", escape(q.pattern), escape(q.reason))
                     for q in self.cache.queries]
        body = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
        return ("<div><b>Caching plan</b> — cheapest layer first</div><table style="
                "'border-collapse:collapse'><tr><th>layer</th><th>pattern</th><th>why / "
                f"caveats</th></tr>{body}</table>")


def caching_plan(design: Design, **cache_options: Any) -> CachingPlan:
    return CachingPlan(design, matview_plans(design), summary_plans(design),
                       cache_plan(design, **cache_options))

