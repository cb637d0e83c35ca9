"""nullable-boolean: boolean columns that may be NULL and have no default."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class NullableBoolean(Rule):
    """What: a ``boolean`` column that is nullable and has no default (generated columns are
    left alone: their value is computed).

    Why: the column has three states, not two. ``WHERE NOT flag`` and ``WHERE flag = false``
    silently skip the NULL rows, and application code that maps NULL to false disagrees with
    SQL that does not.

    Fix: ``ALTER TABLE t ALTER COLUMN flag SET DEFAULT false`` and, after backfilling,
    ``SET NOT NULL`` — or model a real third state explicitly (an enum or a text CHECK).
    """

    code = "PGA101"
    slug = "nullable-boolean"
    category = "constraints"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for c in t.columns:
                if (ctx.base_type(c.type) == "boolean" and c.nullable and c.default is None
                        and c.generated is None):
                    col, tab = quote_ident(c.name), quote_ident(t.name)
                    yield self.finding(
                        t, c.name,
                        f"boolean {c.name} is nullable without a default: it has three states, "
                        f"and `WHERE NOT {c.name}` skips the NULL rows",
                        f"UPDATE {tab} SET {col} = false WHERE {col} IS NULL; ALTER TABLE {tab} "
                        f"ALTER COLUMN {col} SET DEFAULT false, ALTER COLUMN {col} SET NOT NULL;")
