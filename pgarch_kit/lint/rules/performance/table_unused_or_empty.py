"""table-unused-or-empty: tables never read since the statistics reset, or holding no rows."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule

# Ordinary tables and partitions; partitioned parents hold no rows of their own.
_LIVE = """
    SELECT s.schemaname, s.relname, s.seq_scan, COALESCE(s.idx_scan, 0), s.n_live_tup
    FROM pg_catalog.pg_stat_user_tables s
    JOIN pg_catalog.pg_class c ON c.oid = s.relid
    WHERE c.relkind = 'r'
      AND ((s.seq_scan = 0 AND COALESCE(s.idx_scan, 0) = 0) OR s.n_live_tup = 0)
    ORDER BY 1, 2"""


class TableUnusedOrEmpty(Rule):
    """What: on a live database, a table that no scan has read since the statistics were last
    reset (``seq_scan = 0`` and ``idx_scan = 0`` in ``pg_stat_user_tables``), or whose
    statistics count no live rows. An info: statistics are per server (replicas keep their own),
    recent after a reset, and only flushed every few seconds — so confirm before acting. Needs:
    a live database and its statistics.

    Why: dead tables cost vacuum, backups and migrations, and confuse everyone who reads
    the schema.

    Fix: confirm with the application owners and across replicas, then archive and
    ``DROP TABLE s.t;`` (or document why it's kept).

    References: pglinter B006; pg-index-health tables_with_no_data.
    """

    code = "PGA099"
    slug = "table-unused-or-empty"
    category = "performance"
    severity = "info"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for schema, name, seq, idx, live in ctx.conn.execute(_LIVE).fetchall():
            where = where_of(schema, name)
            state = ("holds no rows" if live == 0 and (seq or idx) else
                     "has never been read and holds no rows" if live == 0 else
                     "has never been read")
            yield self.finding(
                where, None,
                f"table {name} {state} according to the statistics since their last reset, "
                f"so it may be dead schema that still costs maintenance",
                f"-- confirm it is unused (replicas too), then: "
                f"DROP TABLE {qualified(schema, name)};")
