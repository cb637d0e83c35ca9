"""invalid-index: indexes left invalid by a failed CREATE INDEX CONCURRENTLY."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule

_INVALID = """
SELECT n.nspname, t.relname, c.relname, pg_get_indexdef(i.indexrelid)
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT i.indisvalid
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp)'
 ORDER BY 1, 2, 3
"""


class InvalidIndex(Rule):
    """What: on a live database, an index with ``pg_index.indisvalid = false`` — what a
    failed or interrupted ``CREATE INDEX CONCURRENTLY`` or ``REINDEX CONCURRENTLY`` leaves
    behind. (An index being built concurrently right now is also invalid until it
    finishes.)

    Why: the planner never uses an invalid index, but every write still maintains it; and a
    migration that reruns the same ``CREATE INDEX`` fails with "already exists".

    Fix: ``DROP INDEX CONCURRENTLY the_index;`` then rebuild it with
    ``CREATE INDEX CONCURRENTLY`` once the cause (duplicates, a timeout) is fixed.

    References: pg-index-health invalid_indexes; strong_migrations remove_invalid_indexes.
    """

    code = "PGA040"
    slug = "invalid-index"
    category = "indexes"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for schema, table, index, definition in ctx.conn.execute(_INVALID).fetchall():
            where = where_of(schema, table)
            yield self.finding(
                where, None,
                f"index {index} is invalid (a failed concurrent build): queries never use "
                f"it, yet every write maintains it",
                f"DROP INDEX CONCURRENTLY {qualified(schema, index)}; "
                f"{definition.replace(' INDEX ', ' INDEX CONCURRENTLY ', 1)};")
