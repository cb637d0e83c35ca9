"""composite-fk-nullable-column: a MATCH SIMPLE multi-column FK with nullable columns."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import not_null, table_sql


class CompositeFkNullableColumn(Rule):
    """What: a foreign key over several columns, declared ``MATCH SIMPLE`` (the default),
    where at least one referencing column is nullable. Needs only the design.

    Why: under MATCH SIMPLE a single NULL among the key columns switches the whole check
    off, so a row such as ``(dept_id = 7, dept_site = NULL)`` is accepted although no
    department 7 exists: orphans slip in silently.

    Fix: ``ALTER TABLE child ALTER COLUMN c SET NOT NULL;`` for each column, or recreate the
    key with ``MATCH FULL`` (all columns NULL or none).

    References: pg-index-health foreign_keys_with_null_values.
    """

    code = "PGA031"
    slug = "composite-fk-nullable-column"
    category = "relationships"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for fk in t.foreign_keys:
                if len(fk.columns) < 2 or fk.match == "FULL":
                    continue
                nullable = [c for c in fk.columns if not not_null(t, c)]
                if not nullable:
                    continue
                fix = " ".join(f"ALTER TABLE {table_sql(t)} ALTER COLUMN {quote_ident(c)} "
                               f"SET NOT NULL;" for c in nullable)
                yield self.finding(
                    t, nullable[0] if len(nullable) == 1 else None,
                    f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} is MATCH SIMPLE "
                    f"with nullable {', '.join(nullable)}: one NULL column disables the whole "
                    f"check, so orphan rows are accepted",
                    f"{fix} (or recreate the key with MATCH FULL)")
