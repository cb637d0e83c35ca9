"""index-includes-nulls: single-column non-unique indexes that store NULL entries."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import quote_ident

from ...context import IndexShape, LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import (
    conjuncts,
    lost_service,
    not_null,
    not_null_column,
    reshaped,
    shape_keys,
    table_sql,
)

_NULL_FRAC = """
SELECT null_frac FROM pg_stats
 WHERE schemaname = %s AND tablename = %s AND attname = %s AND NOT inherited
"""


def _mentions(expr: str, col: str) -> bool:
    import re
    return re.search(rf'(?<![\w"]){re.escape(col)}(?![\w"])|"{re.escape(col)}"', expr) is not None


class IndexIncludesNulls(Rule):
    """What: a non-unique, single-column B-tree index on a nullable column whose predicate
    does not say ``col IS NOT NULL``. On a live database the column's statistics decide:
    a column with no NULLs (``pg_stats.null_frac = 0``) is not reported, and the finding
    gives the NULL share when there are some. Needs the design; the live statistics refine
    it.

    Why: B-trees store NULLs like any value. When most rows are NULL and queries only look
    for values (``col = $1``), those entries make the index bigger and slower to maintain
    for nothing.

    Fix: ``CREATE INDEX CONCURRENTLY … ON t (col) WHERE col IS NOT NULL;`` then drop the
    old index. The partial index still serves a foreign key on ``col`` (its lookups compare
    with ``=``) and every query comparing ``col``; with query patterns that read the NULLs
    through the index (``IS NULL``, ``ORDER BY col``) the rule says nothing.

    References: pg-index-health indexes_with_null_values.
    """

    code = "PGA044"
    slug = "index-includes-nulls"
    category = "indexes"
    severity = "info"
    mode = "S/L"

    def _candidates(self, ctx: LintContext) -> Iterator[tuple[Table, IndexShape, str]]:
        for t in ctx.tables:
            for s in ctx.index_shapes(t):
                if (s.method != "btree" or s.unique or s.constraint or len(s.keys) != 1
                        or s.keys[0].startswith("(")):
                    continue
                col = s.keys[0]
                if t.column(col) is None or not_null(t, col):
                    continue
                parts = conjuncts(s.where)
                if parts and any(not_null_column(p) == col for p in parts):
                    continue
                if s.where and _mentions(s.where, col):
                    continue  # e.g. WHERE state <> 'offline': a strict test excludes NULLs
                if lost_service(ctx, t, [s], [reshaped(s, shape_keys(s),
                                                       where=f"{quote_ident(col)} IS NOT NULL")]):
                    continue  # a query pattern reads the NULLs (IS NULL, ORDER BY) through it
                yield t, s, col

    def _finding(self, t: Table, s: IndexShape, col: str, share: str) -> Finding:
        return self.finding(
            t, col,
            f"index {s.name} on the nullable {col} stores an entry for every NULL{share}: "
            f"lookups for values never use them, yet they enlarge the index",
            f"CREATE INDEX CONCURRENTLY ON {table_sql(t)} ({quote_ident(col)}) WHERE "
            f"{quote_ident(col)} IS NOT NULL; -- then DROP INDEX CONCURRENTLY "
            f"{quote_ident(s.name)}")

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        if ctx.conn is not None:
            return  # the live check judges the same candidates with real statistics
        for t, s, col in self._candidates(ctx):
            yield self._finding(t, s, col, "")

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for t, s, col in self._candidates(ctx):
            row = ctx.conn.execute(_NULL_FRAC, (t.schema, t.name, col)).fetchone()
            if row is None or row[0] is None:
                yield self._finding(t, s, col, "")  # never analysed: judge by the design
            elif row[0] > 0:
                yield self._finding(t, s, col, f" ({row[0]:.0%} of rows are NULL)")
