"""validate-same-transaction: VALIDATE CONSTRAINT in the transaction that took a stronger lock."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, locked_table, q, where


class ValidateSameTransaction(Rule):
    """What: ``ALTER TABLE … VALIDATE CONSTRAINT`` in the same transaction as the ``NOT VALID``
    add of that constraint, or after other locking DDL on the same table.

    Why: VALIDATE only takes a SHARE UPDATE EXCLUSIVE lock so reads and writes go on during its
    scan — but locks are held until commit, so the ACCESS EXCLUSIVE lock the earlier statement
    took is still held and the scan blocks everyone anyway.

    Fix: commit first: move ``VALIDATE CONSTRAINT`` to a separate migration (or after a
    ``COMMIT`` in a script that runs outside the runner's transaction).

    References: squawk constraint-missing-not-valid; strong_migrations validate_foreign_key,
    validate_check_constraint.
    """

    code = "PGA077"
    slug = "validate-same-transaction"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig.of_kind("AlterTableStmt"):
            for cmd in s.node.cmds or ():
                if cmd.subtype != AT.AT_ValidateConstraint or not s.in_transaction:
                    continue
                table = mig.prior_table(s.node.relation)
                tname = where(mig, s.node.relation, table)
                earlier = [e for e in mig.statements[:s.index] if mig.same_transaction(e, s)
                           and ((e.kind == "AlterTableStmt"
                                and e.node.relation.relname == s.node.relation.relname)
                                or locked_table(mig, e) == tname)]
                if not earlier:
                    continue
                lines = ", ".join(str(e.line) for e in earlier)
                yield self.finding(
                    tname, None,
                    f"line {s.line}: VALIDATE CONSTRAINT {cmd.name} runs in the same "
                    f"transaction as the DDL on {s.node.relation.relname} at line(s) {lines}, "
                    f"whose lock is held until commit, so the validation scan blocks anyway",
                    f"ALTER TABLE {q(s.node.relation.relname)} VALIDATE CONSTRAINT "
                    f"{q(cmd.name)};  -- in a separate migration / transaction", line=s.line)
