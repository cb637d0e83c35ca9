"""pk-columns-not-first: primary-key columns that do not lead the table."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class PkColumnsNotFirst(Rule):
    """What: a table whose primary-key columns are not its leading columns (in any order
    among themselves).

    Why: by convention the key comes first, where readers, ``SELECT *`` output and tools
    look for it; a key further down usually means it was added as an afterthought. A
    readability convention, hence info. Needs only the design; framework tables are left
    alone.

    Fix: recreate the table with the key columns first (only worth it on new or small
    tables): ``CREATE TABLE t_new (id …, …); INSERT INTO t_new SELECT …;`` and swap.

    References: pg-index-health tables_where_primary_key_columns_not_first.
    """

    code = "PGA021"
    slug = "pk-columns-not-first"
    category = "keys"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            if t.primary_key is None or ctx.is_framework_table(t):
                continue
            pk = list(t.primary_key.columns)
            leading = {c.name for c in t.columns[:len(pk)]}
            if leading == set(pk):
                continue
            rest = [c.name for c in t.columns if c.name not in set(pk)]
            order = ", ".join(quote_ident(c) for c in [*pk, *rest])
            yield self.finding(
                t, pk[0] if len(pk) == 1 else None,
                f"the primary key ({', '.join(pk)}) of {t.name} is not at the start of the "
                f"table, where readers and tools expect it",
                f"-- when the table is (re)created, order the columns: {order}")
