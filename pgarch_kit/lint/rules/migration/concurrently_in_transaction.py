"""concurrently-in-transaction: CONCURRENTLY operations inside a transaction block."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...migration import Statement
from ...rule import Rule
from ._common import AT, option_on, tx_note


def _what(s: Statement) -> str | None:
    n, k = s.node, s.kind
    if k == "IndexStmt" and n.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if k == "DropStmt" and n.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if k == "ReindexStmt" and option_on(n.params, "concurrently"):
        return "REINDEX … CONCURRENTLY"
    if k == "AlterTableStmt" and any(
            c.subtype == AT.AT_DetachPartition and c.def_ is not None and c.def_.concurrent
            for c in n.cmds or ()):
        return "DETACH PARTITION … CONCURRENTLY"
    return None


class ConcurrentlyInTransaction(Rule):
    """What: ``CREATE INDEX CONCURRENTLY``, ``DROP INDEX CONCURRENTLY``, ``REINDEX …
    CONCURRENTLY`` or ``DETACH PARTITION … CONCURRENTLY`` inside ``BEGIN … COMMIT``, or
    anywhere in a file the migration runner wraps in a transaction (``transactional=True``).

    Why: PostgreSQL refuses them in a transaction block ("cannot run inside a transaction
    block"), so the migration fails at deploy time.

    Fix: Move the statement to its own migration that runs outside a transaction
    (Atlas ``-- atlas:txmode none``, Rails ``disable_ddl_transaction!``, Alembic
    ``autocommit_block()``; here ``Migration.from_sql(…, transactional=False)``).

    References: squawk ban-concurrent-index-creation-in-transaction; Atlas PG103.
    """

    code = "PGA072"
    slug = "concurrently-in-transaction"
    category = "migration-safety"
    severity = "error"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig:
            what = _what(s)
            if what is None or not s.in_transaction:
                continue
            rel = getattr(s.node, "relation", None)
            yield self.finding(
                mig.where(rel) if rel is not None else None, None,
                f"line {s.line}: {what} runs {tx_note(s)}; PostgreSQL rejects it there "
                f"(\"cannot run inside a transaction block\") and the migration fails",
                f"{s.text};  -- alone in a migration that runs outside a transaction "
                f"(transactional=False / atlas:txmode none / disable_ddl_transaction!)",
                line=s.line)
