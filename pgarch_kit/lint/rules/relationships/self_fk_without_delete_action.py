"""self-fk-without-delete-action: a self-referencing FK that leaves ON DELETE at the default."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import columns_sql, not_null, table_sql


class SelfFkWithoutDeleteAction(Rule):
    """What: a foreign key from a table to itself (a tree or hierarchy, such as
    ``manager_email → employee``) whose ``ON DELETE`` is ``NO ACTION`` — the default, so no
    decision was written down. An explicit ``RESTRICT``, ``CASCADE``, ``SET NULL`` or
    ``SET DEFAULT`` is a decision and is not reported.

    Why: deleting a node that still has children fails, so deletes need manual bottom-up
    ordering; whether children should go with the parent or be detached is a modelling
    choice that belongs in the schema.

    Fix: recreate the key with ``ON DELETE CASCADE`` (children go too) or
    ``ON DELETE SET NULL`` (children become roots), or ``RESTRICT`` to make the block
    explicit.

    References: pg-index-health self_referenced_foreign_keys.
    """

    code = "PGA032"
    slug = "self-fk-without-delete-action"
    category = "relationships"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for fk in t.foreign_keys:
                if (fk.ref_schema or t.schema, fk.ref_table) != t.key:
                    continue
                if fk.on_delete != "NO ACTION":
                    continue
                name = quote_ident(fk.name) if fk.name else "<constraint>"
                # SET NULL would fail on a NOT NULL column: offer CASCADE there instead
                action = ("CASCADE" if any(not_null(t, c) for c in fk.columns)
                          else "SET NULL")
                yield self.finding(
                    t, fk.columns[0] if len(fk.columns) == 1 else None,
                    f"self-referencing foreign key ({', '.join(fk.columns)}) has no ON DELETE "
                    f"action: deleting a row of {t.name} that others point at fails, so deletes "
                    f"need manual ordering",
                    f"ALTER TABLE {table_sql(t)} DROP CONSTRAINT {name}, ADD CONSTRAINT "
                    f"{name} FOREIGN KEY ({columns_sql(fk.columns)}) REFERENCES "
                    f"{table_sql(t)} ({columns_sql(fk.ref_columns)}) ON DELETE {action};")
