"""add-column-volatile-default: ADD COLUMN with a volatile DEFAULT, which rewrites the table."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...migration import render
from ...rule import Rule
from ._common import AT, CT, alter_cmds, col_type, has, q, where
from ._volatility import volatile_calls


class AddColumnVolatileDefault(Rule):
    """What: ``ADD COLUMN`` on an existing table whose ``DEFAULT`` calls a volatile function
    (``gen_random_uuid()``, ``clock_timestamp()``, ``random()``, ``nextval()``…), a user
    function the prior design or the script declares ``VOLATILE`` (the default of CREATE
    FUNCTION), or a function the linter cannot see (treated as volatile). Stable defaults
    such as ``now()``, built-ins that are never volatile, and constants are fine on
    PostgreSQL 11+.

    Why: a volatile default must be computed per row, so PostgreSQL rewrites the whole table
    (and its indexes) under an ACCESS EXCLUSIVE lock that blocks reads and writes.

    Fix: add the column without a default, then ``ALTER COLUMN … SET DEFAULT …`` (applies to
    new rows only), and backfill existing rows in batches.

    References: squawk adding-field-with-default; strong_migrations add_column_default;
    Atlas PG302.
    """

    code = "PGA081"
    slug = "add-column-volatile-default"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            d = cmd.def_
            default = has(d, CT.CONSTR_DEFAULT) if cmd.subtype == AT.AT_AddColumn else None
            if default is None:
                continue
            found = volatile_calls(mig, s, default.raw_expr)
            if not found:
                continue
            fn, why = found[0]
            reason = (f"{fn}() is volatile" if why == "volatile" else
                      f"nothing proves {fn}() non-volatile (it is not a built-in that never is, "
                      f"and neither the prior design nor the script declares it IMMUTABLE or "
                      f"STABLE), so it counts as volatile")
            t, c, expr = q(table.name), q(d.colname), render(default.raw_expr)
            yield self.finding(
                where(mig, s.node.relation, table), d.colname,
                f"line {s.line}: ADD COLUMN {d.colname} DEFAULT {expr}: {reason}, so existing "
                f"table {table.name} is rewritten under an ACCESS EXCLUSIVE lock",
                f"ALTER TABLE {t} ADD COLUMN {c} {col_type(d)}; ALTER TABLE {t} ALTER COLUMN "
                f"{c} SET DEFAULT {expr}; -- then backfill existing rows in batches",
                line=s.line)
