"""all-columns-nullable: tables that declare nothing NOT NULL beyond their key."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table


class AllColumnsNullable(Rule):
    """What: a table where every column outside the primary key is nullable (identity and
    generated columns aside). Tables with no column outside the key are not flagged; a table
    without a primary key is judged on all its columns. Info: optional attributes are often
    right (settings, profiles, retry state, a key/value table's value); the finding asks the
    question a reviewer would. Needs only the design.

    Why: the schema enforces nothing about the data — any row may be missing any attribute —
    which usually means NOT NULL decisions were never made rather than that every attribute
    is truly optional.

    Fix: ``ALTER TABLE t ALTER COLUMN c SET NOT NULL`` (with a DEFAULT where sensible) for
    the attributes every row must have.

    References: pg-index-health tables_where_all_columns_nullable_except_pk.
    """

    code = "PGA024"
    slug = "all-columns-nullable"
    category = "constraints"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            pk = set(t.primary_key.columns) if t.primary_key else set()
            rest = [c for c in t.columns
                    if c.name not in pk and not c.identity and not c.generated]
            if not rest or any(not c.nullable for c in rest):
                continue
            yield self.finding(
                t, None,
                f"every column of {t.name} outside the primary key is nullable "
                f"({', '.join(c.name for c in rest[:6])}{' …' if len(rest) > 6 else ''}): "
                f"the schema enforces no attribute: check which ones every row must have",
                f"ALTER TABLE {sql_table(t)} ALTER COLUMN {quote_ident(rest[0].name)} "
                f"SET NOT NULL; -- for each attribute every row must have")
