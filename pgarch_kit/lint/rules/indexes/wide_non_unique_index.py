"""wide-non-unique-index: non-unique indexes with more key columns than the house limit."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import IndexKey
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import table_sql


def _key_sql(key: IndexKey) -> str:
    return key.column if key.expression else quote_ident(key.column)


class WideNonUniqueIndex(Rule):
    """What: a non-unique index with more key columns than the setting
    ``wide_index_columns`` (default 3). INCLUDE columns are not counted: they are the
    recommended way to cover a query.

    Why: each key column makes every entry wider and every write costlier, while selectivity
    rarely improves after the first two or three columns — and a query must constrain the
    leading keys for the trailing ones to help at all.

    Fix: keep the 1–3 most selective columns as keys and move the rest to ``INCLUDE``:
    ``CREATE INDEX CONCURRENTLY … ON t (a, b) INCLUDE (c, d);``

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
            for ix in t.indexes:
                if ix.unique or len(ix.keys) <= limit:
                    continue
                keys = ", ".join(_key_sql(k) for k in ix.keys[:limit])
                rest = ", ".join([*(_key_sql(k) for k in ix.keys[limit:] if not k.expression),
                                  *(quote_ident(c) for c in ix.include)])
                include = f" INCLUDE ({rest})" if rest else ""
                yield self.finding(
                    t, None,
                    f"non-unique index {ix.name} has {len(ix.keys)} key columns (limit "
                    f"{limit}): the extra keys widen every entry and write but rarely add "
                    f"selectivity",
                    f"CREATE INDEX CONCURRENTLY ON {table_sql(t)} ({keys}){include}; -- then "
                    f"DROP INDEX CONCURRENTLY {quote_ident(ix.name)}")
