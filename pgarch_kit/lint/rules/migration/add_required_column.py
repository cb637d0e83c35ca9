"""add-required-column: ADD COLUMN … NOT NULL without a DEFAULT on a table with rows."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, CT, alter_cmds, col_type, has, q, where

_SERIALS = ("serial", "bigserial", "smallserial", "serial2", "serial4", "serial8")


class AddRequiredColumn(Rule):
    """What: ``ALTER TABLE … ADD COLUMN … NOT NULL`` (or ``PRIMARY KEY``) with no ``DEFAULT``
    (and not an identity, generated or serial column) on an existing table.

    Why: the existing rows would get NULL, so the statement fails on any non-empty table; and
    application versions still running don't send the column, so their inserts fail too.

    Fix: add the column nullable (or with a constant ``DEFAULT``, instant on PG11+), backfill
    in batches, then enforce it with the ``CHECK … NOT VALID`` → ``VALIDATE`` → ``SET NOT
    NULL`` sequence.

    References: squawk adding-required-field; Atlas MF103.
    """

    code = "PGA079"
    slug = "add-required-column"
    category = "migration-safety"
    severity = "error"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            d = cmd.def_
            if cmd.subtype != AT.AT_AddColumn:
                continue
            required = d.is_not_null or has(d, CT.CONSTR_NOTNULL, CT.CONSTR_PRIMARY)
            filled = has(d, CT.CONSTR_DEFAULT, CT.CONSTR_IDENTITY, CT.CONSTR_GENERATED)
            if not required or filled or col_type(d).lower() in _SERIALS:
                continue
            t, c = q(table.name), q(d.colname)
            yield self.finding(
                where(mig, s.node.relation, table), d.colname,
                f"line {s.line}: ADD COLUMN {d.colname} NOT NULL without a DEFAULT fails on "
                f"existing table {table.name} once it has rows, and breaks inserts from app "
                f"versions that don't send it",
                f"ALTER TABLE {t} ADD COLUMN {c} {col_type(d)}; -- backfill in batches, then "
                f"ADD CONSTRAINT … CHECK ({c} IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL "
                f"(or add it with a constant DEFAULT)", line=s.line)
