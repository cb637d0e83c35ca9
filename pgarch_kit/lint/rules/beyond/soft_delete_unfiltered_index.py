"""soft-delete-unfiltered-index: indexes of big soft-deleted tables that keep dead rows."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident
from pgarch_kit.model.query import query_shape

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import create_index_sql, drop_index_sql, lost_service, reshaped
from ._shared import projected_rows

MIN_ROWS = 100_000


class SoftDeleteUnfilteredIndex(Rule):
    """What: on a soft-deleted table (declared or inferred), a non-unique B-tree index whose
    WHERE does not mention the soft-delete column. To stay quiet on tiny tables it only looks
    at tables expected to exceed ``soft_delete_min_rows`` (default 100,000, launch rows plus
    two years of growth) or read by one of the design's query patterns. Indexes keyed on the
    soft-delete column itself (purge jobs) and unique indexes (soft-delete-unique's job) are
    left alone, and so are indexes whose partial replacement would stop serving a foreign key
    (its lookups do not say ``deleted_at IS NULL``) or a query pattern that reads deleted rows.

    Why: queries for live rows walk and cache the index entries of deleted rows too; as
    deletions accumulate the index grows with rows nobody reads.

    Fix: rebuild the live-row access paths as partial indexes:
    ``CREATE INDEX CONCURRENTLY … ON t (cols) WHERE deleted_at IS NULL;`` then drop the old one.
    Queries must say ``deleted_at IS NULL`` for the planner to use them.
    """

    code = "PGA105"
    slug = "soft-delete-unfiltered-index"
    category = "indexes"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        floor = int(ctx.setting("soft_delete_min_rows") or MIN_ROWS)
        queried = {(r.schema or "public", r.name)
                   for q in ctx.design.queries for r in query_shape(q.sql).relations}
        for t in ctx.tables:
            intent, inferred = ctx.intent(t)
            sd = intent.soft_delete
            col = t.column(sd) if sd else None
            if col is None:
                continue
            rows = projected_rows(ctx, intent)
            if not ((rows is not None and rows >= floor) or t.key in queried):
                continue
            live = (f"NOT {quote_ident(sd)}" if ctx.base_type(col.type) == "boolean"
                    else f"{quote_ident(sd)} IS NULL")
            mentions = re.compile(rf"\b{re.escape(sd)}\b", re.I)
            for shape in ctx.index_shapes(t):
                ix = shape.index
                if ix is None:
                    continue
                keys = [f"({k.column})" if k.expression else k.column for k in ix.keys]
                if (ix.unique or ix.method != "btree" or (ix.where and mentions.search(ix.where))
                        or any(mentions.search(k) for k in keys)):
                    continue
                where = f"({ix.where}) AND {live}" if ix.where else live
                if lost_service(ctx, t, [shape], [reshaped(shape, tuple(ix.keys), where=where)]):
                    continue  # a foreign key or a pattern reading deleted rows needs it whole
                yield self.finding(
                    t, None,
                    f"index {ix.name} on soft-deleted {t.name} also holds deleted rows; "
                    f"live-row queries read and cache them",
                    f"{create_index_sql(t, ix.keys, include=ix.include, where=where)} "
                    f"{drop_index_sql(t, shape)}",
                    inferred="soft_delete" if "soft_delete" in inferred else None)
