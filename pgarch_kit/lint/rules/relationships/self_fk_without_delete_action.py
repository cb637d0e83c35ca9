"""self-fk-without-delete-action: a self-referencing FK that leaves ON DELETE at the default."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import columns_sql, not_null, table_sql


def _recreated(t, fk, name: str, on_delete: str) -> str:
    """The foreign key clause again with only ON DELETE changed: MATCH, ON UPDATE and
    deferrability kept; added NOT VALID, so re-adding it does not scan the table under lock
    (VALIDATE CONSTRAINT afterwards)."""
    ref = qualified(None if (fk.ref_schema or t.schema) == "public" else
                    (fk.ref_schema or t.schema), fk.ref_table)
    text = (f"ADD CONSTRAINT {name} FOREIGN KEY ({columns_sql(fk.columns)}) REFERENCES {ref} "
            f"({columns_sql(fk.ref_columns)})")
    if fk.match != "SIMPLE":
        text += f" MATCH {fk.match}"
    if fk.on_update != "NO ACTION":
        text += f" ON UPDATE {fk.on_update}"
    text += f" ON DELETE {on_delete}"
    if fk.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
    return text + " NOT VALID"


class SelfFkWithoutDeleteAction(Rule):
    """What: a foreign key from a table to itself (a tree or hierarchy, such as
    ``manager_email → employee``) whose ``ON DELETE`` is ``NO ACTION`` — the default, so no
    decision was written down. An explicit ``RESTRICT``, ``CASCADE``, ``SET NULL`` or
    ``SET DEFAULT`` is a decision and is not reported. Info: the default blocks deleting a
    node that still has children, which is often exactly right (an invoice another one
    replaced, a version chain, an org unit with sub-units). Needs only the design.

    Why: deleting a node that still has children fails, so deletes need manual bottom-up
    ordering; whether children should go with the parent, be detached, or block the delete
    is a modelling choice that belongs in the schema.

    Fix: write the choice down. ``ON DELETE RESTRICT`` keeps today's behaviour;
    ``ON DELETE CASCADE`` (children go too) or ``ON DELETE SET NULL`` (children become roots)
    change it — pick one only if that is what the data means. The key is re-added with its
    other properties and NOT VALID, then validated.

    References: pg-index-health self_referenced_foreign_keys.
    """

    code = "PGA032"
    slug = "self-fk-without-delete-action"
    category = "relationships"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for fk in t.foreign_keys:
                if (fk.ref_schema or t.schema, fk.ref_table) != t.key:
                    continue
                if fk.on_delete != "NO ACTION":
                    continue
                name = quote_ident(fk.name) if fk.name else "<constraint>"
                # SET NULL would fail on a NOT NULL column: offer only CASCADE there
                other = ("CASCADE" if any(not_null(t, c) for c in fk.columns)
                         else "CASCADE or SET NULL")
                yield self.finding(
                    t, fk.columns[0] if len(fk.columns) == 1 else None,
                    f"self-referencing foreign key ({', '.join(fk.columns)}) leaves ON DELETE "
                    f"at the default: deleting a row of {t.name} that others point at fails, "
                    f"so deletes need manual ordering — fine if that is the intent, but say so",
                    f"ALTER TABLE {table_sql(t)} DROP CONSTRAINT {name}, "
                    f"{_recreated(t, fk, name, 'RESTRICT')}; ALTER TABLE {table_sql(t)} "
                    f"VALIDATE CONSTRAINT {name}; -- RESTRICT keeps today's behaviour; {other} "
                    f"instead if children should go with the parent or be detached")
