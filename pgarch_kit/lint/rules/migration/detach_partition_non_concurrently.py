"""detach-partition-non-concurrently: DETACH PARTITION without CONCURRENTLY."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, alter_cmds, q, where
from ._fix import rewrite


def _concurrent(node: Any) -> None:
    for cmd in node.cmds:
        if cmd.subtype == AT.AT_DetachPartition:
            cmd.def_.concurrent = True


class DetachPartitionNonConcurrently(Rule):
    """What: ``ALTER TABLE parent DETACH PARTITION child`` without ``CONCURRENTLY`` on a
    partitioned table that already exists.

    Why: the plain form takes an ACCESS EXCLUSIVE lock on the parent, blocking reads and writes
    of every partition while it waits and runs.

    Fix: ``ALTER TABLE parent DETACH PARTITION child CONCURRENTLY;`` (PG14+), in a migration
    that runs outside a transaction (it cannot run in one, nor with a DEFAULT partition).

    References: squawk require-concurrent-partition-detach.
    """

    code = "PGA096"
    slug = "detach-partition-non-concurrently"
    category = "partitioning"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            if cmd.subtype != AT.AT_DetachPartition or cmd.def_.concurrent:
                continue
            child = cmd.def_.name.relname
            fix = (rewrite(s, _concurrent) if len(s.node.cmds) == 1 else
                   f"ALTER TABLE {q(table.name)} DETACH PARTITION {q(child)} CONCURRENTLY;")
            yield self.finding(
                where(mig, s.node.relation, table), None,
                f"line {s.line}: DETACH PARTITION {child} without CONCURRENTLY takes an ACCESS "
                f"EXCLUSIVE lock on {table.name}, blocking reads and writes of every partition",
                f"{fix}  -- PG14+, outside a transaction", line=s.line)
