"""wide-non-unique-index: non-unique indexes with more key columns than the house limit."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import create_index_sql, drop_index_sql, is_type, lost_service, reshaped

_TIMESTAMPS = ("timestamp with time zone", "timestamp without time zone", "date")


class WideNonUniqueIndex(Rule):
    """What: a non-unique B-tree index with more key columns than the setting
    ``wide_index_columns`` (default 3). INCLUDE columns are not counted: they are the
    recommended way to cover a query. Needs only the design.

    Why: each key column makes every entry wider and every write costlier, while selectivity
    rarely improves after the first two or three columns — and a query must constrain the
    leading keys for the trailing ones to help at all.

    Fix: keep the 1–3 most selective columns as keys and move the rest to ``INCLUDE``:
    ``CREATE INDEX CONCURRENTLY … ON t (a, b) INCLUDE (c, d);`` — the DDL is given only when
    the trailing keys are plain columns that no query pattern or foreign key seeks or sorts
    on (a ``DESC`` key, a timestamp or an expression there usually serves an ORDER BY: moving
    it to INCLUDE would break that sort).

    References: strong_migrations add_index_columns.
    """

    code = "PGA047"
    slug = "wide-non-unique-index"
    category = "indexes"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        limit = int(ctx.setting("wide_index_columns") or 3)
        for t in ctx.tables:
            for s in ctx.index_shapes(t):
                ix = s.index
                if ix is None or ix.unique or ix.method != "btree" or len(ix.keys) <= limit:
                    continue
                head, tail = ix.keys[:limit], ix.keys[limit:]
                plain = all(not k.expression and not k.descending and k.nulls_first is None
                            and not k.opclass and not k.collation
                            and not is_type(ctx, t, k.column, _TIMESTAMPS) for k in tail)
                new = reshaped(s, tuple(head))
                if plain and not lost_service(ctx, t, [s], [new]):
                    include = (*(k.column for k in tail), *ix.include)
                    fix = (f"{create_index_sql(t, head, include=include, where=ix.where)} "
                           f"{drop_index_sql(t, s)}")
                else:
                    fix = (f"-- move to INCLUDE only the trailing keys of {ix.name} that no "
                           f"query seeks or sorts on ({', '.join(s.keys[limit:])} may serve "
                           f"an ORDER BY or range)")
                yield self.finding(
                    t, None,
                    f"non-unique index {ix.name} has {len(ix.keys)} key columns (limit "
                    f"{limit}): the extra keys widen every entry and write but rarely add "
                    f"selectivity", fix)
