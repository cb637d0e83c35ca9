"""partitioned-no-default-partition: range/list partitioned tables with nowhere for new rows."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import derive_name, qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_UPPER = re.compile(r"\bTO\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_DATE = re.compile(r"'(\d{4}-\d{2}-\d{2})")


def _open_ended(bound: str, today: dt.date) -> bool:
    """A range partition whose upper bound is MAXVALUE, or a date still in the future."""
    m = _UPPER.search(bound)
    if not m:
        return False
    upper = m.group(1)
    if "maxvalue" in upper.lower():
        return True
    d = _DATE.search(upper)
    try:
        return bool(d) and dt.date.fromisoformat(d.group(1)) > today
    except ValueError:
        return False


class PartitionedNoDefaultPartition(Rule):
    """What: a RANGE or LIST partitioned table with no ``DEFAULT`` partition and, for RANGE,
    no partition still open for new rows: none bounded by ``MAXVALUE`` and none whose
    upper bound is a date in the future (pre-created partitions, as pg_partman makes).
    A partitioned table with no partitions at all is included. HASH partitioning covers
    every value and is skipped.

    Why: an insert whose key falls outside every partition fails at run time (``no
    partition of relation … found for row``) — typically the first insert of a new month.

    Fix: pre-create future partitions (pg_partman or a scheduled job) or add a default:
    ``CREATE TABLE t_default PARTITION OF t DEFAULT;``

    References: proposed (no source tool); PostgreSQL docs "Table Partitioning".
    """

    code = "PGA098"
    slug = "partitioned-no-default-partition"
    category = "partitioning"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        children: dict[tuple[str, str], list[Table]] = {}
        for t in ctx.design.tables:
            if t.partition_of is not None:
                children.setdefault((t.schema, t.partition_of), []).append(t)
        today = dt.date.today()
        for t in ctx.design.tables:
            if t.partition_by is None or t.partition_by.strategy == "hash":
                continue
            parts = children.get(t.key, [])
            bounds = [(p.partition_bound or "").strip() for p in parts]
            if any(b.upper() == "DEFAULT" for b in bounds):
                continue
            if t.partition_by.strategy == "range" and any(_open_ended(b, today) for b in bounds):
                continue
            if not parts:
                what = "it has no partitions at all"
            elif t.partition_by.strategy == "range":
                what = f"none of its {len(parts)} partitions is DEFAULT or open-ended"
            else:
                what = f"none of its {len(parts)} partitions is DEFAULT"
            name = quote_ident(derive_name(t.name, suffix="default"))
            yield self.finding(
                t, None,
                f"{t.partition_by.strategy} partitioned table {t.name}: {what}, so inserts "
                f"outside the existing partitions fail at run time",
                f"CREATE TABLE {quote_ident(t.schema)}."
                f"{name} PARTITION OF {qualified(t.schema, t.name)} DEFAULT;")
