"""add-column-volatile-default: ADD COLUMN with a volatile DEFAULT, which rewrites the table."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast.visitors import Visitor

from ...context import LintContext
from ...finding import Finding
from ...migration import render
from ...rule import Rule
from ._common import AT, CT, alter_cmds, col_type, has, names, q, where

# Volatile functions seen in defaults. now()/current_timestamp are STABLE: PG11+ stores their
# value once in the catalog, no rewrite.
VOLATILE = frozenset({"gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
                      "uuid_generate_v4", "uuidv4", "uuidv7", "clock_timestamp", "random",
                      "timeofday", "nextval", "txid_current",
                      "random_normal", "setseed"})


class _Calls(Visitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_FuncCall(self, ancestors: Any, node: Any) -> None:
        name = names(node.funcname)[-1].lower()
        if name in VOLATILE:
            self.found.append(name)


class AddColumnVolatileDefault(Rule):
    """What: ``ADD COLUMN`` on an existing table whose ``DEFAULT`` calls a volatile function
    (``gen_random_uuid()``, ``clock_timestamp()``, ``random()``, ``nextval()``…). Stable
    defaults such as ``now()`` and constants are fine on PostgreSQL 11+.

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
            calls = _Calls()
            calls(default.raw_expr)
            if not calls.found:
                continue
            t, c, expr = q(table.name), q(d.colname), render(default.raw_expr)
            yield self.finding(
                where(mig, s.node.relation, table), d.colname,
                f"line {s.line}: ADD COLUMN {d.colname} DEFAULT {expr} is volatile "
                f"({calls.found[0]}()), so existing table {table.name} is rewritten under an "
                f"ACCESS EXCLUSIVE lock",
                f"ALTER TABLE {t} ADD COLUMN {c} {col_type(d)}; ALTER TABLE {t} ALTER COLUMN "
                f"{c} SET DEFAULT {expr}; -- then backfill existing rows in batches", line=s.line)
