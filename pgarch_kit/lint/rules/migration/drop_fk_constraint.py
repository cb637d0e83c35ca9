"""drop-fk-constraint: DROP CONSTRAINT on a foreign key."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, alter_cmds, q, where


class DropFkConstraint(Rule):
    """What: ``ALTER TABLE … DROP CONSTRAINT`` of a constraint the prior design knows as a
    foreign key.

    Why: referential integrity is silently lost: nothing stops orphan rows from accumulating,
    and ON DELETE actions stop cascading.

    Fix: confirm it is intended; when replacing it, add the new foreign key with ``NOT VALID``
    and ``VALIDATE`` it in the same release, before dropping the old one.

    References: Atlas CD101.
    """

    code = "PGA086"
    slug = "drop-fk-constraint"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            if cmd.subtype != AT.AT_DropConstraint:
                continue
            fk = next((f for f in table.foreign_keys if f.name == cmd.name), None)
            if fk is None:
                continue
            cols = ", ".join(fk.columns)
            yield self.finding(
                where(mig, s.node.relation, table), fk.columns[0] if len(fk.columns) == 1 else None,
                f"line {s.line}: dropping foreign key {cmd.name} ({cols}) → {fk.ref_table} "
                f"stops {table.name} from being checked against {fk.ref_table}; orphans can "
                f"accumulate",
                f"if it is being replaced: ALTER TABLE {q(table.name)} ADD CONSTRAINT … FOREIGN "
                f"KEY … NOT VALID; then VALIDATE CONSTRAINT, then drop {q(cmd.name)}", line=s.line)
