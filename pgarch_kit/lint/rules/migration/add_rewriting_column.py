"""add-rewriting-column: ADD COLUMN of serial / identity / GENERATED STORED, which rewrites the
table."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, CT, alter_cmds, col_type, has, q, where

_SERIALS = ("serial", "bigserial", "smallserial", "serial2", "serial4", "serial8")


class AddRewritingColumn(Rule):
    """What: ``ADD COLUMN`` of a ``serial``/``bigserial``/``smallserial`` type, an identity
    column, or a ``GENERATED ALWAYS AS (…) STORED`` column on an existing table.

    Why: every existing row needs its own value, so PostgreSQL rewrites the whole table (and
    rebuilds its indexes) under an ACCESS EXCLUSIVE lock that blocks reads and writes.

    Fix: add a plain nullable column and fill it by trigger plus a batched backfill (for
    numbering: a ``bigint`` column with a sequence default set after adding it), or build a
    new table and swap. Prefer ``GENERATED ALWAYS AS IDENTITY`` to serial on new tables.

    References: strong_migrations add_column_auto_incrementing, add_column_generated_stored;
    squawk adding-field-with-default.
    """

    code = "PGA082"
    slug = "add-rewriting-column"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            d = cmd.def_
            if cmd.subtype != AT.AT_AddColumn:
                continue
            typ = col_type(d)
            gen = has(d, CT.CONSTR_GENERATED)
            if typ.lower() in _SERIALS:
                what = f"a {typ} column"
            elif has(d, CT.CONSTR_IDENTITY):
                what = "an identity column"
            elif gen is not None and gen.generated_kind != "v":
                what = "a GENERATED … STORED column"
            else:
                continue
            base = {"bigserial": "bigint", "serial8": "bigint", "smallserial": "smallint",
                    "serial2": "smallint", "serial": "integer", "serial4": "integer"}.get(
                        typ.lower(), typ)
            t, c = q(table.name), q(d.colname)
            yield self.finding(
                where(mig, s.node.relation, table), d.colname,
                f"line {s.line}: ADD COLUMN {d.colname} as {what} rewrites existing table "
                f"{table.name} under an ACCESS EXCLUSIVE lock (reads and writes blocked)",
                f"ALTER TABLE {t} ADD COLUMN {c} {base}; -- then fill it with a trigger for "
                f"new rows and a batched backfill for old ones", line=s.line)
