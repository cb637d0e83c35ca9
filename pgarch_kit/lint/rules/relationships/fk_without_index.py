"""fk-without-index: foreign keys whose columns no index leads with."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class FkWithoutIndex(Rule):
    """What: a foreign key whose columns are not the leading columns (in any order) of any
    index on the referencing table — a PRIMARY KEY or UNIQUE constraint's index counts,
    a partial index does not.

    Why: PostgreSQL indexes the referenced side of a foreign key, never the referencing side.
    Every DELETE or key UPDATE on the parent must find the child rows: without an index
    that is a sequential scan of the child per parent row, holding locks, and joins from
    parent to children scan too.

    Fix: ``CREATE INDEX CONCURRENTLY child_fk_idx ON child (fk_columns);``

    References: Supabase splinter unindexed_foreign_keys; pg-index-health
    foreign_keys_without_index; pglinter B003; schemalint index-referencing-column.
    """

    code = "PGA028"
    slug = "fk-without-index"
    category = "relationships"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for fk in t.foreign_keys:
                if ctx.covers(t, tuple(fk.columns)):
                    continue
                cols = ", ".join(quote_ident(c) for c in fk.columns)
                name = derive_name(t.name, *fk.columns, suffix="idx")
                yield self.finding(
                    t, fk.columns[0] if len(fk.columns) == 1 else None,
                    f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} has no index "
                    f"leading with its columns: deletes on {fk.ref_table} scan {t.name}",
                    f"CREATE INDEX CONCURRENTLY {quote_ident(name)} ON "
                    f"{quote_ident(t.name)} ({cols});")
