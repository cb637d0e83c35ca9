"""locking-maintenance-command: REINDEX without CONCURRENTLY, VACUUM FULL, CLUSTER."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import where
from ._fix import rewrite


def _concurrent(node: Any) -> None:
    from pglast.ast import DefElem
    node.params = (*(node.params or ()), DefElem(defname="concurrently"))


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
            n, k = s.node, s.kind
            if k == "ReindexStmt":
                if any(d.defname == "concurrently" for d in n.params or ()):
                    continue
                rel = n.relation
                what = "REINDEX without CONCURRENTLY"
                fix = rewrite(s, _concurrent) + "  -- PG12+, outside a transaction"
            elif k == "VacuumStmt" and any(d.defname == "full" for d in n.options or ()):
                rel = next((v.relation for v in n.rels or ()), None)
                what, fix = "VACUUM FULL", "pg_repack --table=… (online), or plain VACUUM"
            elif k == "ClusterStmt":
                rel = n.relation
                what, fix = "CLUSTER", "pg_repack --order-by=… (online), or leave it out"
            else:
                continue
            table = mig.existing(rel, s) if rel is not None else None
            if rel is not None and mig.is_new(rel, s):
                continue
            yield self.finding(
                where(mig, rel, table) if rel is not None else None, None,
                f"line {s.line}: {what} holds an ACCESS EXCLUSIVE (or write-blocking) lock "
                f"for the whole rewrite", fix, line=s.line)
