"""bloat: tables whose dead space exceeds the configured share."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule

_MIN_BYTES = 1024 * 1024  # below 1 MB, dead space costs nothing worth a finding

# With pgstattuple installed: measured dead space (pgstattuple_approx reads only the pages
# the visibility map does not mark all-visible, so it is cheap on well-vacuumed tables).
_MEASURED = """
SELECT n.nspname, c.relname, pg_relation_size(c.oid),
       a.dead_tuple_percent + a.approx_free_percent
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL {schema}.pgstattuple_approx(c.oid) a
 WHERE c.relkind IN ('r', 'm') AND pg_relation_size(c.oid) >= %s
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp)'
 ORDER BY 1, 2
"""
# Without it: the dead-tuple share from the cumulative statistics.
_ESTIMATED = """
SELECT schemaname, relname, pg_relation_size(relid),
       100.0 * n_dead_tup / NULLIF(n_live_tup + n_dead_tup, 0)
  FROM pg_stat_user_tables
 WHERE pg_relation_size(relid) >= %s
 ORDER BY 1, 2
"""


class Bloat(Rule):
    """What: on a live database, a table of at least 1 MB whose dead space — dead tuples
    plus free space, measured with the ``pgstattuple`` extension when it is installed, else
    the dead-tuple share from ``pg_stat_user_tables`` — exceeds the setting
    ``bloat_percent`` (default 40). The rule never installs the extension itself. Index
    bloat is not estimated.

    Why: dead space is read, cached and backed up like live data: sequential scans and
    vacuum take longer and the cache holds less of what matters.

    Fix: ``VACUUM (VERBOSE) t;`` and tune autovacuum for the table
    (``ALTER TABLE t SET (autovacuum_vacuum_scale_factor = 0.02)``); to give the space back
    to the operating system, ``pg_repack`` or ``VACUUM FULL`` (which locks the table).

    References: Supabase splinter table_bloat; pg-index-health bloated_tables.
    """

    code = "PGA041"
    slug = "bloat"
    category = "performance"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        limit = float(ctx.setting("bloat_percent") or 40)
        installed = ctx.conn.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = "
            "e.extnamespace WHERE e.extname = 'pgstattuple'").fetchone()
        # the extension's schema need not be on the search_path: call it qualified
        query = (_MEASURED.replace("{schema}", quote_ident(installed[0])) if installed
                 else _ESTIMATED)
        rows = ctx.conn.execute(query, (_MIN_BYTES,)).fetchall()
        how = "measured with pgstattuple" if installed else "estimated from dead tuples"
        for schema, table, size, percent in rows:
            if percent is None or percent <= limit:
                continue
            where = where_of(schema, table)
            yield self.finding(
                where, None,
                f"{table} is {percent:.0f}% dead space ({how}, of {size // 1024} kB, limit "
                f"{limit:.0f}%): scans, vacuum and the cache all pay for the empty pages",
                f"VACUUM (VERBOSE) {where}; -- and tune autovacuum for it; pg_repack to "
                f"return the space")
