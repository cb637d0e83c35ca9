"""backfill-in-ddl-migration: bulk data changes in the same transaction as DDL on that table."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...migration import Statement
from ...rule import Rule
from ._common import q

_DDL = ("AlterTableStmt", "IndexStmt", "RenameStmt", "CreateTrigStmt")


def _target(s: Statement) -> Any:
    """The table a bulk data change writes, or None for row-at-a-time statements."""
    n, k = s.node, s.kind
    if k in ("UpdateStmt", "DeleteStmt"):
        return n.relation
    if k == "InsertStmt" and n.selectStmt is not None and n.selectStmt.fromClause:
        return n.relation  # INSERT … SELECT … FROM: bulk; INSERT … VALUES is not
    return None


def _batched(verb: str, table: str) -> str:
    return {"UPDATE": f"UPDATE {table} SET … WHERE id BETWEEN :lo AND :hi;",
            "DELETE": f"DELETE FROM {table} WHERE id BETWEEN :lo AND :hi AND …;"}.get(
                verb, f"INSERT INTO {table} … SELECT … WHERE id BETWEEN :lo AND :hi;")


class BackfillInDdlMigration(Rule):
    """What: a bulk ``UPDATE``, ``DELETE`` or ``INSERT … SELECT`` in the same transaction as
    schema changes (ALTER TABLE, CREATE INDEX, RENAME, CREATE TRIGGER) on the same table —
    including the implicit transaction of a file the runner wraps.

    Why: the DDL's ACCESS EXCLUSIVE lock is held until commit, so the table is blocked for the
    whole backfill; and one huge transaction bloats the table and holds back vacuum.

    Fix: commit the DDL first, then backfill in a separate, batched step outside a transaction
    (``UPDATE … WHERE id BETWEEN …`` per batch, committing each).

    References: strong_migrations README, "Backfilling data".
    """

    code = "PGA093"
    slug = "backfill-in-ddl-migration"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig:
            rel = _target(s)
            if rel is None or not s.in_transaction:
                continue
            ddl = [d for d in mig if d.kind in _DDL and mig.same_transaction(d, s)
                   and getattr(d.node, "relation", None) is not None
                   and d.node.relation.relname == rel.relname]
            if not ddl:
                continue
            verb = s.kind.removesuffix("Stmt").upper()
            yield self.finding(
                mig.where(rel), None,
                f"line {s.line}: {verb} on {rel.relname} runs in the same transaction as DDL "
                f"on it (line {', '.join(str(d.line) for d in ddl)}): the DDL's lock is held "
                f"for the whole backfill",
                f"commit the DDL first, then run the {verb} in batches outside a transaction: "
                f"{_batched(verb, q(rel.relname))}  -- one commit per batch", line=s.line)
