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

    Info when the key is optional by design — it says ``ON DELETE SET NULL``, the referenced
    columns are nullable, or it is one of several alternative foreign keys whose columns are
    all nullable: then SET NOT NULL or MATCH FULL would break the inserts the design means.

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
                optional = _optional(ctx, t, fk)
                if optional:
                    yield self.finding(
                        t, nullable[0] if len(nullable) == 1 else None,
                        f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} is MATCH "
                        f"SIMPLE with nullable {', '.join(nullable)}, optional by design "
                        f"({optional}): a row with some of them NULL is not checked at all",
                        "-- nothing to change while partial keys are meant to be unchecked; to "
                        "refuse them, ADD CONSTRAINT … CHECK (num_nulls("
                        + ", ".join(quote_ident(c) for c in fk.columns)
                        + f") IN (0, {len(fk.columns)})) NOT VALID, then VALIDATE it",
                        severity="info")
                    continue
                fix = " ".join(f"ALTER TABLE {table_sql(t)} ALTER COLUMN {quote_ident(c)} "
                               f"SET NOT NULL;" for c in nullable)
                yield self.finding(
                    t, nullable[0] if len(nullable) == 1 else None,
                    f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} is MATCH SIMPLE "
                    f"with nullable {', '.join(nullable)}: one NULL column disables the whole "
                    f"check, so orphan rows are accepted",
                    f"{fix} (or recreate the key with MATCH FULL)")


def _optional(ctx: LintContext, t, fk) -> str:
    """Why the design makes this key optional, or empty: it says ON DELETE SET NULL, a
    referenced column is nullable itself (the parent's key has NULL parts), or the row has
    other foreign keys with nullable columns too (one of several alternative parents)."""
    if fk.on_delete == "SET NULL":
        return "ON DELETE SET NULL"
    parent = ctx.ref_table(t, fk)
    if parent is not None and any(not not_null(parent, c) for c in fk.ref_columns):
        return f"{fk.ref_table}'s referenced columns are nullable"
    others = [o for o in t.foreign_keys if o is not fk
              and all(not not_null(t, c) for c in o.columns)]
    if others and all(not not_null(t, c) for c in fk.columns):
        return "one of several alternative foreign keys on the row"
    return ""
