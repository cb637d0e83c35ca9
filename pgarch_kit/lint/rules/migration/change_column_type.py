"""change-column-type: ALTER COLUMN … TYPE that rewrites the table."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.types import PgType, parse_type

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, alter_cmds, col_type, q, where

_VARCHAR = "character varying"


def binary_compatible(old: PgType, new: PgType) -> bool:
    """True for type changes PostgreSQL makes without rewriting the table or its indexes."""
    if old.is_array != new.is_array:
        return False
    if (old.base, old.params) == (new.base, new.params):
        return True
    if old.base == _VARCHAR and new.base == "text":
        return True
    if old.base == "text" and new.base == _VARCHAR and not new.params:
        return True
    if old.base == new.base and old.base in (_VARCHAR, "bit varying"):
        return not new.params or (bool(old.params) and new.params[0] >= old.params[0])
    if old.base == new.base == "numeric":
        if not new.params:
            return True
        if len(old.params) >= 1 and len(new.params) >= 1:
            old_scale = old.params[1] if len(old.params) > 1 else 0
            new_scale = new.params[1] if len(new.params) > 1 else 0
            return new_scale == old_scale and new.params[0] >= old.params[0]
    return old.base == "cidr" and new.base == "inet"


class ChangeColumnType(Rule):
    """What: ``ALTER TABLE … ALTER COLUMN … TYPE`` on an existing column, unless the change is
    known to be binary-compatible: varchar → text, text → varchar, varchar(n) → varchar(m ≥ n)
    or unbounded, numeric(p,s) → numeric(q ≥ p, s) or unbounded, cidr → inet. A ``USING``
    clause, or a column the prior design doesn't know, always counts as a rewrite.

    Why: PostgreSQL rewrites the table and rebuilds every index on it under an ACCESS EXCLUSIVE
    lock (reads and writes blocked), re-checks CHECK constraints on the column, and clients
    that read the old type may break.

    Fix: expand and contract — add a new column of the new type, dual-write (trigger or app),
    backfill in batches, switch reads, then drop the old column in a later release.

    References: squawk changing-column-type; strong_migrations change_column; Atlas PG301.
    """

    code = "PGA083"
    slug = "change-column-type"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            if cmd.subtype != AT.AT_AlterColumnType:
                continue
            col = next((c for c in table.columns if c.name == cmd.name), None)
            new_text = col_type(cmd.def_)
            if col is not None and cmd.def_.raw_default is None:
                try:
                    if binary_compatible(parse_type(col.type), parse_type(new_text)):
                        continue
                except ValueError:
                    pass
            old = col.type if col is not None else "its current type"
            t, c = q(table.name), q(cmd.name)
            yield self.finding(
                where(mig, s.node.relation, table), cmd.name,
                f"line {s.line}: changing {table.name}.{cmd.name} from {old} to {new_text} "
                f"rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, and can "
                f"break clients reading the old type",
                f"ALTER TABLE {t} ADD COLUMN {q(cmd.name + '_new')} {new_text}; -- dual-write, "
                f"backfill in batches, switch reads, then ALTER TABLE {t} DROP COLUMN {c} in a "
                f"later release", line=s.line)
