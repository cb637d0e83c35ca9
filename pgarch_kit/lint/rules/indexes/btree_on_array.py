"""btree-on-array: B-tree indexes on array columns."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import concurrently, is_type, table_sql


def concurrently_gin(t, key: str) -> str:
    return f"CREATE INDEX {concurrently(t)}ON {table_sql(t)} USING gin ({quote_ident(key)});"


class BtreeOnArray(Rule):
    """What: a non-unique B-tree index with an array column among its keys: a warning when the
    array is its only key, info when other keys come with it (the index may serve an exact
    match on the whole tuple, deduplication say). Unique indexes and constraints are left
    alone: they enforce uniqueness of whole arrays, which a GIN index cannot. Needs only the
    design.

    Why: a B-tree compares whole arrays, so it serves only ``col = '{a,b}'`` and ordering —
    never the containment and overlap searches (``@>``, ``&&``) arrays are queried with —
    and a long array can exceed the B-tree entry size limit (about a third of a page), so
    inserts start failing.

    Fix: ``CREATE INDEX CONCURRENTLY … ON t USING gin (col);`` then drop the B-tree one
    if no query compares whole arrays with ``=``.

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
                if s.method != "btree" or s.unique:
                    continue  # a unique key over arrays enforces something a GIN cannot
                for key in s.keys:
                    if key.startswith("(") or not is_type(ctx, t, key, (), array=True):
                        continue
                    alone = len(s.keys) == 1
                    yield self.finding(
                        t, key,
                        f"B-tree index {s.name} has the array {key} as a key: it cannot serve "
                        f"@>/&& searches, and long arrays overflow the B-tree entry limit",
                        f"{concurrently_gin(t, key)} -- then drop {s.name} if no query "
                        f"compares whole arrays with =",
                        severity=None if alone else "info")
