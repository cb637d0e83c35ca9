"""table-inheritance: tables that use INHERITS instead of declarative partitioning."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule

# Inheritance children whose parent is an ordinary table: declarative partitions have a
# partitioned (relkind 'p') parent and are fine.
_LIVE = """
    SELECT cn.nspname, c.relname, pn.nspname, p.relname
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
    JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
    JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
    WHERE p.relkind = 'r' AND c.relkind IN ('r', 'f')
      AND cn.nspname NOT LIKE 'pg\\_%' AND cn.nspname <> 'information_schema'
    ORDER BY 1, 2"""


class TableInheritance(Rule):
    """What: a table created with ``INHERITS (parent)`` — a ``pg_inherits`` row whose parent is
    an ordinary table rather than a declaratively partitioned one. The design model has no
    INHERITS (an imported child shows only its own columns), so the rule needs a live database:
    it is mode L where the catalog says S. Needs: a live database.

    Why: inheritance is legacy. Primary keys, unique constraints, foreign keys and indexes
    are not inherited, queries on the parent silently include the children's rows, and
    constraint exclusion partitioning is slower and harder to maintain than declarative
    partitioning.

    Fix: declarative partitioning (``CREATE TABLE … PARTITION BY …`` and
    ``ATTACH PARTITION``) for partitioning, or a separate table with a foreign key for
    subtypes; then ``ALTER TABLE child NO INHERIT parent;``.

    References: PostgreSQL wiki "Don't Do This" (table inheritance); pg-index-health
    tables_with_inheritance.
    """

    code = "PGA095"
    slug = "table-inheritance"
    category = "partitioning"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for cs, child, ps, parent in ctx.conn.execute(_LIVE).fetchall():
            where = where_of(cs, child)
            yield self.finding(
                where, None,
                f"table {child} inherits from {ps}.{parent}, so keys, foreign keys and indexes "
                f"are not inherited and queries on {parent} silently include its rows",
                f"ALTER TABLE {qualified(cs, child)} NO INHERIT {qualified(ps, parent)};  "
                f"-- after moving to PARTITION BY or a foreign key")
