"""drop-index-non-concurrently: DROP INDEX without CONCURRENTLY."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import ObjectType, names
from ._fix import rewrite


def _concurrent(node: Any) -> None:
    node.concurrent = True
    node.missing_ok = True


class DropIndexNonConcurrently(Rule):
    """What: ``DROP INDEX`` without ``CONCURRENTLY``, unless the index was created by the same
    migration or belongs to a table the migration creates.

    Why: a plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table, blocking
    reads and writes — and while it waits for that lock, every later query queues behind it.

    Fix: ``DROP INDEX CONCURRENTLY IF EXISTS … ;`` in a migration that runs outside a
    transaction.

    References: squawk require-concurrent-index-deletion; strong_migrations remove_index;
    Atlas PG102.
    """

    code = "PGA071"
    slug = "drop-index-non-concurrently"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig.of_kind("DropStmt"):
            if s.node.removeType != ObjectType.OBJECT_INDEX or s.node.concurrent:
                continue
            for obj in s.node.objects or ():
                parts = names(obj)
                made = mig.created_indexes.get(parts[-1])
                if made is not None and made.index < s.index:
                    continue  # created by this very migration: nobody uses it yet
                table = mig.index_table(parts[-1], parts[0] if len(parts) > 1 else None)
                on = f" on {table.name}" if table else ""
                yield self.finding(
                    label(table) if table else None, None,
                    f"line {s.line}: DROP INDEX {'.'.join(parts)}{on} without CONCURRENTLY "
                    f"takes an ACCESS EXCLUSIVE lock that blocks reads and writes of the table",
                    f"{rewrite(s, _concurrent)}  -- outside a transaction", line=s.line)
