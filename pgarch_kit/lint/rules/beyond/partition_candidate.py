"""partition-candidate: very large tables with a time column that are not partitioned."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import projected_rows

_TIME_TYPES = ("timestamp with time zone", "timestamp without time zone", "date")
_PREFERRED = ("created_at", "occurred_at", "recorded_at", "inserted_at", "event_time",
              "timestamp", "ts", "time", "day", "date")


class PartitionCandidate(Rule):
    """What: a table the design expects to reach ``big_table_rows`` (default 100M) — launch rows
    plus ``growth_per_month`` over 24 months (``growth_horizon_months``) — that has a
    ``timestamptz``/``timestamp``/``date`` column and no ``PARTITION BY``. Tables without a
    declared volume are never flagged. Needs: declared volumes (intent
    ``rows``/``growth_per_month``).

    Why: vacuum, index builds and retention deletes all scale with the whole table; a
    100M-row ``DELETE … WHERE created_at < …`` bloats it and takes hours, where dropping a
    monthly partition is instant. Converting later means copying the whole table.

    Fix: ``CREATE TABLE t (…) PARTITION BY RANGE (created_at);`` with partitions created ahead
    of time (pg_partman or a scheduled job) and a retention policy that detaches and drops old
    ones; the primary key must then include the partition column.
    """

    code = "PGA108"
    slug = "partition-candidate"
    category = "partitioning"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        limit = int(ctx.setting("big_table_rows") or 100_000_000)
        for t in ctx.tables:
            if t.partition_by is not None:
                continue
            rows = projected_rows(ctx, ctx.intent(t)[0])
            if rows is None or rows < limit:
                continue
            times = [c for c in t.columns if ctx.base_type(c.type) in _TIME_TYPES]
            if not times:
                continue
            col = next((c for name in _PREFERRED for c in times if c.name == name),
                       next((c for c in times if not c.nullable), times[0]))
            yield self.finding(
                t, col.name,
                f"{t.name} is expected to reach about {rows:,} rows within two years and is not "
                f"partitioned: vacuum, index builds and retention deletes will scale with the "
                f"whole table",
                f"recreate as CREATE TABLE {quote_ident(t.name)} (…) PARTITION BY RANGE "
                f"({quote_ident(col.name)}); create partitions ahead (pg_partman) and drop old "
                f"ones for retention; include {col.name} in the primary key")
