"""set-not-null-scan: ALTER COLUMN … SET NOT NULL on a table with rows."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pgarch_kit.model.names import derive_name

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
    the validated check) and ``DROP CONSTRAINT c``. A ``SET NOT NULL`` preceded in the script
    by such a validated check on the same column is not reported.

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
        checks: dict[tuple[str, str], str] = {}   # (table, constraint) -> column it proves
        proven: set[tuple[str, str]] = set()      # (table, column) with a validated check
        for s, cmd, table in alter_cmds(mig):
            rel = s.node.relation.relname
            if cmd.subtype == AT.AT_AddConstraint and (col := _not_null_check(cmd.def_)):
                checks[(rel, cmd.def_.conname or "")] = col
                if not cmd.def_.skip_validation:  # added valid: this statement scanned
                    proven.add((rel, col))
                continue
            if cmd.subtype == AT.AT_ValidateConstraint and (rel, cmd.name) in checks:
                proven.add((rel, checks[(rel, cmd.name)]))
                continue
            if cmd.subtype != AT.AT_SetNotNull or (rel, cmd.name) in proven:
                continue
            t, c = q(table.name), q(cmd.name)
            chk = q(derive_name(table.name, cmd.name, suffix="not_null_check"))
            yield self.finding(
                where(mig, s.node.relation, table), cmd.name,
                f"line {s.line}: SET NOT NULL on {table.name}.{cmd.name} scans every row under "
                f"an ACCESS EXCLUSIVE lock (reads and writes blocked) and fails if a NULL exists",
                f"ALTER TABLE {t} ADD CONSTRAINT {chk} CHECK ({c} IS NOT NULL) NOT VALID; "
                f"-- next transaction: ALTER TABLE {t} VALIDATE CONSTRAINT {chk}; "
                f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL; "
                f"ALTER TABLE {t} DROP CONSTRAINT {chk};", line=s.line)


def _not_null_check(con: Any) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` constraint, else None."""
    from pglast.enums.primnodes import NullTestType
    if con is None or type(con).__name__ != "Constraint" or con.raw_expr is None:
        return None
    e = con.raw_expr
    if type(e).__name__ != "NullTest" or e.nulltesttype != NullTestType.IS_NOT_NULL:
        return None
    ref = e.arg
    if type(ref).__name__ != "ColumnRef" or len(ref.fields) != 1:
        return None
    return getattr(ref.fields[0], "sval", None)
