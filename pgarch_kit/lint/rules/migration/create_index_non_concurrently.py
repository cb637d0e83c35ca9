"""create-index-non-concurrently: CREATE INDEX without CONCURRENTLY on a table with rows."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import where
from ._fix import rewrite


def _concurrent(node: Any) -> None:
    node.concurrent = True
    node.if_not_exists = bool(node.idxname)


class CreateIndexNonConcurrently(Rule):
    """What: ``CREATE INDEX`` without ``CONCURRENTLY`` on a table that already exists (in the
    prior design and not created earlier in the same migration).

    Why: a plain index build holds a SHARE lock for the whole build, which blocks every
    INSERT, UPDATE and DELETE on the table — minutes to hours on a big table. (PostgreSQL
    14.0–14.3 could also corrupt indexes built concurrently: upgrade past 14.3.)

    Fix: ``CREATE INDEX CONCURRENTLY IF NOT EXISTS … ;`` in its own migration that runs outside
    a transaction. On a partitioned table build each partition's index concurrently, then
    ``CREATE INDEX … ON ONLY parent`` and ``ALTER INDEX … ATTACH PARTITION``.

    References: squawk require-concurrent-index-creation; strong_migrations add_index,
    add_index_corruption; Atlas PG101.
    """

    code = "PGA070"
    slug = "create-index-non-concurrently"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig.of_kind("IndexStmt"):
            table = mig.existing(s.node.relation, s)
            if s.node.concurrent or table is None:
                continue
            name = s.node.idxname or "(unnamed)"
            part = (" It is partitioned: CONCURRENTLY works per partition, then attach."
                    if table.partition_by else "")
            yield self.finding(
                where(mig, s.node.relation, table), None,
                f"line {s.line}: CREATE INDEX {name} on existing table {table.name} without "
                f"CONCURRENTLY holds a SHARE lock that blocks all writes for the whole "
                f"build.{part}",
                f"{rewrite(s, _concurrent)}  -- in its own migration, outside a transaction",
                line=s.line)
