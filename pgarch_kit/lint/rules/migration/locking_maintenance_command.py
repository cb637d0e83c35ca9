"""locking-maintenance-command: REINDEX without CONCURRENTLY, VACUUM FULL, CLUSTER."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import is_concurrent, maintenance_target
from ._fix import rewrite


def _concurrent(node: Any) -> None:
    from pglast.ast import DefElem
    kept = tuple(d for d in node.params or () if d.defname != "concurrently")
    node.params = (*kept, DefElem(defname="concurrently"))


class LockingMaintenanceCommand(Rule):
    """What: ``REINDEX`` without ``CONCURRENTLY``, ``VACUUM FULL`` or ``CLUSTER`` in a
    migration, on a table that already exists.

    Why: each rewrites the table or its indexes while holding an ACCESS EXCLUSIVE lock (REINDEX:
    a lock that blocks writes, and reads that use the index) for the whole rewrite.

    Fix: ``REINDEX (CONCURRENTLY) …`` (PG12+), outside a transaction; for bloat or physical
    ordering use pg_repack, which rewrites online, instead of VACUUM FULL / CLUSTER.

    References: squawk require-concurrent-reindex, prefer-repack.
    """

    code = "PGA073"
    slug = "locking-maintenance-command"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig:
            target = maintenance_target(mig, s)
            if target is None or not target[1] or is_concurrent(s):
                continue  # plain VACUUM, a table this script created, REINDEX CONCURRENTLY
            on, k = target[0], s.kind
            if k == "ReindexStmt":
                what = "REINDEX without CONCURRENTLY"
                fix = rewrite(s, _concurrent) + "  -- PG12+, outside a transaction"
            elif k == "VacuumStmt":
                what, fix = "VACUUM FULL", "pg_repack --table=… (online), or plain VACUUM"
            else:
                what, fix = "CLUSTER", "pg_repack --order-by=… (online), or leave it out"
            yield self.finding(
                on if not on.startswith(("every ", "the ")) else None, None,
                f"line {s.line}: {what} on {on} holds an ACCESS EXCLUSIVE (or write-blocking) "
                f"lock for the whole rewrite", fix, line=s.line)
