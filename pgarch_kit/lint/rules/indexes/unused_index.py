"""unused-index: indexes no query has scanned since the statistics were reset."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule
from ._shared import lost_service

# Constraint-backing and unique indexes enforce something even when never scanned; invalid
# ones are invalid-index's business. The last index whose leading keys cover a foreign key's
# columns stays too: it has not been scanned only because no parent row was deleted yet.
_UNUSED = """
SELECT s.schemaname, s.relname, s.indexrelname, pg_relation_size(s.indexrelid)
  FROM pg_stat_user_indexes s
  JOIN pg_index i ON i.indexrelid = s.indexrelid
 WHERE s.idx_scan = 0 AND i.indisvalid AND NOT i.indisunique
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)
   AND NOT EXISTS (
       SELECT 1 FROM pg_constraint f
        WHERE f.contype = 'f' AND f.conrelid = i.indrelid
          AND (i.indkey::int2[])[0:cardinality(f.conkey) - 1] @> f.conkey
          AND NOT EXISTS (
              SELECT 1 FROM pg_index j
               WHERE j.indrelid = i.indrelid AND j.indexrelid <> i.indexrelid
                 AND j.indisvalid AND j.indpred IS NULL
                 AND (j.indkey::int2[])[0:cardinality(f.conkey) - 1] @> f.conkey))
 ORDER BY 1, 2, 3
"""


class UnusedIndex(Rule):
    """What: on a live database, an index whose ``pg_stat_user_indexes.idx_scan`` is 0 —
    no scan since the statistics were last reset. Indexes that back a constraint, unique
    indexes and invalid indexes are excluded, and so is the last index serving a foreign key
    (its lookups run only when a parent row is deleted or re-keyed) or, when the design has
    query patterns, one of them (a pattern the statistics period never exercised). Needs a
    live database.

    Why: an index that no query uses still costs on every INSERT and on UPDATEs that touch
    its columns, makes vacuum slower and takes disk and cache.

    Fix: check that the statistics cover a representative period and that no replica uses
    the index (each server counts its own scans), then
    ``DROP INDEX CONCURRENTLY the_index;``

    References: Supabase splinter unused_index; pg-index-health unused_indexes;
    pglinter B004.
    """

    code = "PGA039"
    slug = "unused-index"
    category = "indexes"
    severity = "info"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for schema, table, index, size in ctx.conn.execute(_UNUSED).fetchall():
            t = ctx.by_key.get((schema, table))
            shape = next((s for s in ctx.index_shapes(t) if s.name == index), None) if t else None
            if shape is not None and lost_service(ctx, t, [shape]):
                continue  # a query pattern of the design needs it
            where = where_of(schema, table)
            yield self.finding(
                where, None,
                f"index {index} ({size // 1024} kB) has not been scanned since the statistics "
                f"were reset: it costs every write and vacuum but serves no query",
                f"DROP INDEX CONCURRENTLY {qualified(schema, index)}; -- after checking "
                f"replicas and the age of the statistics")
