"""btree-on-array: B-tree indexes on array columns."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import is_type, table_sql


class BtreeOnArray(Rule):
    """What: a B-tree index (a constraint's included) with an array column among its keys.

    Why: a B-tree compares whole arrays, so it serves only ``col = '{a,b}'`` and ordering —
    never the containment and overlap searches (``@>``, ``&&``) arrays are queried with —
    and a long array can exceed the B-tree entry size limit (about a third of a page), so
    inserts start failing.

    Fix: ``CREATE INDEX CONCURRENTLY … ON t USING gin (col);`` then drop the B-tree one.

    References: pg-index-health btree_indexes_on_array_columns.
    """

    code = "PGA043"
    slug = "btree-on-array"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for s in ctx.index_shapes(t):
                if s.method != "btree":
                    continue
                for key in s.keys:
                    if key.startswith("(") or not is_type(ctx, t, key, (), array=True):
                        continue
                    yield self.finding(
                        t, key,
                        f"B-tree index {s.name} has the array {key} as a key: it cannot serve "
                        f"@>/&& searches, and long arrays overflow the B-tree entry limit",
                        f"CREATE INDEX CONCURRENTLY ON {table_sql(t)} USING gin "
                        f"({quote_ident(key)});")
