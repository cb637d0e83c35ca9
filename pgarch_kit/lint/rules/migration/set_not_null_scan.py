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
    the validated check) and ``DROP CONSTRAINT c``. A ``SET NOT NULL`` is not reported when
    a validated check proves the column has no NULL (``col IS NOT NULL``, alone or ANDed with
    other terms): one in the prior design (the VALIDATE ran in an earlier migration), one the
    script adds valid, or a NOT VALID one the script validates; nor on a column that is
    already NOT NULL or in the primary key (nothing to scan).

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
        checks: dict[tuple[str, str], set[str]] = {}  # (table, constraint) -> columns it proves
        proven: set[tuple[str, str]] = set()           # (table, column) known to hold no NULL
        for table in mig.prior.tables:
            key = table.key
            proven |= {(key, c.name) for c in table.columns if not c.nullable}
            if table.primary_key is not None:
                proven |= {(key, c) for c in table.primary_key.columns}
            for chk in table.checks:
                cols = _proved(_parse(chk.expression))
                if chk.not_valid:
                    checks[(key, chk.name or "")] = cols
                else:
                    proven |= {(key, c) for c in cols}
        for s, cmd, table in alter_cmds(mig):
            key = table.key
            if cmd.subtype == AT.AT_AddConstraint and (cols := _not_null_check(cmd.def_)):
                checks[(key, cmd.def_.conname or "")] = cols
                if not cmd.def_.skip_validation:  # added valid: this statement scanned
                    proven |= {(key, c) for c in cols}
                continue
            if cmd.subtype == AT.AT_ValidateConstraint and (key, cmd.name) in checks:
                proven |= {(key, c) for c in checks[(key, cmd.name)]}
                continue
            if cmd.subtype != AT.AT_SetNotNull or (key, cmd.name) in proven:
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


def _parse(expression: str) -> Any:
    """A CHECK expression of the prior design as an AST node (None if it does not parse)."""
    import pglast
    try:
        return pglast.parse_sql(f"SELECT ({expression})")[0].stmt.targetList[0].val
    except Exception:
        return None


def _proved(e: Any) -> set[str]:
    """Columns a CHECK expression proves NOT NULL, as PostgreSQL's SET NOT NULL sees it: a
    ``col IS NOT NULL`` test, alone or as one term of an AND."""
    from pglast.enums.primnodes import BoolExprType, NullTestType
    kind = type(e).__name__
    if kind == "BoolExpr" and e.boolop == BoolExprType.AND_EXPR:
        return set().union(*(_proved(a) for a in e.args))
    if kind != "NullTest" or e.nulltesttype != NullTestType.IS_NOT_NULL:
        return set()
    ref = e.arg
    if type(ref).__name__ != "ColumnRef" or len(ref.fields) != 1:
        return set()
    col = getattr(ref.fields[0], "sval", None)
    return {col} if col else set()


def _not_null_check(con: Any) -> set[str]:
    """The columns a ``CHECK (… IS NOT NULL …)`` constraint proves, else an empty set."""
    if con is None or type(con).__name__ != "Constraint" or con.raw_expr is None:
        return set()
    return _proved(con.raw_expr)
