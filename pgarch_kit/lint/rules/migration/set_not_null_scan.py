"""set-not-null-scan: ALTER COLUMN … SET NOT NULL on a table with rows."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, alter_cmds, q, where


class SetNotNullScan(Rule):
    """What: ``ALTER TABLE … ALTER COLUMN … SET NOT NULL`` on an existing table.

    Why: PostgreSQL scans every row to prove there is no NULL while holding an ACCESS
    EXCLUSIVE lock, which blocks reads and writes for the whole scan — and the migration fails
    if a NULL is found.

    Fix: (PG12+) ``ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID;`` then, in another
    transaction, ``VALIDATE CONSTRAINT c;`` then ``SET NOT NULL`` (instant: PostgreSQL uses
    the validated check) and ``DROP CONSTRAINT c``.

    References: squawk adding-not-nullable-field; strong_migrations change_column_null;
    Atlas PG303, MF104.
    """

    code = "PGA078"
    slug = "set-not-null-scan"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            if cmd.subtype != AT.AT_SetNotNull:
                continue
            t, c = q(table.name), q(cmd.name)
            chk = q(f"{table.name}_{cmd.name}_not_null")[:63]
            yield self.finding(
                where(mig, s.node.relation, table), cmd.name,
                f"line {s.line}: SET NOT NULL on {table.name}.{cmd.name} scans every row under "
                f"an ACCESS EXCLUSIVE lock (reads and writes blocked) and fails if a NULL exists",
                f"ALTER TABLE {t} ADD CONSTRAINT {chk} CHECK ({c} IS NOT NULL) NOT VALID; "
                f"-- next transaction: ALTER TABLE {t} VALIDATE CONSTRAINT {chk}; "
                f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL; "
                f"ALTER TABLE {t} DROP CONSTRAINT {chk};")
