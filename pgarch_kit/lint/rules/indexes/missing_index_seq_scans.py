"""missing-index-seq-scans: big tables read mostly by sequential scans."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule

_DEFAULT_ROWS = 10_000
_MIN_SEQ_SCANS = 5  # a handful of scans is a report or a backup, not a query pattern

_TABLES = """
SELECT schemaname, relname, seq_scan, coalesce(idx_scan, 0), n_live_tup
  FROM pg_stat_user_tables
 WHERE n_live_tup >= %s AND seq_scan >= %s AND seq_scan > coalesce(idx_scan, 0)
 ORDER BY 1, 2
"""


class MissingIndexSeqScans(Rule):
    """What: on a live database, a table with at least ``seq_scan_min_rows`` live rows
    (setting, default 10 000) where sequential scans outnumber index scans and number at
    least five since the statistics were reset.

    Why: on a large table every sequential scan reads all of it; when they dominate, some
    frequent query has no usable index, and its cost grows with the table.

    Fix: find the queries in ``pg_stat_statements`` (sorted by total time), read their
    plans with ``EXPLAIN (ANALYZE, BUFFERS)`` and add targeted indexes with
    ``CREATE INDEX CONCURRENTLY``.

    References: pg-index-health tables_with_missing_indexes.
    """

    code = "PGA048"
    slug = "missing-index-seq-scans"
    category = "indexes"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        rows = int(ctx.setting("seq_scan_min_rows") or _DEFAULT_ROWS)
        for schema, table, seq, idx, live in ctx.conn.execute(
                _TABLES, (rows, _MIN_SEQ_SCANS)).fetchall():
            where = where_of(schema, table)
            yield self.finding(
                where, None,
                f"{table} ({live} rows) had {seq} sequential scans against {idx} index "
                f"scans: some frequent query reads the whole table for want of an index",
                "find the query in pg_stat_statements, check its plan with EXPLAIN "
                "(ANALYZE, BUFFERS) and CREATE INDEX CONCURRENTLY for its filter")
