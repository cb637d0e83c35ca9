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
_MAKES = re.compile(r"\bPARTITION\s+OF\b|\bATTACH\s+PARTITION\b|\bcreate_parent\s*\(",
                    re.IGNORECASE)


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


def _tooling(ctx: LintContext) -> str | None:
    """What creates partitions at run time, if the design shows it: pg_partman, or a routine
    whose body creates or attaches partitions."""
    if any(e.name == "pg_partman" for e in ctx.design.extensions):
        return "pg_partman is installed"
    for r in ctx.design.routines:
        if _MAKES.search(r.definition or ""):
            return f"routine {r.name} creates partitions"
    return None


class PartitionedNoDefaultPartition(Rule):
    """What: a RANGE or LIST partitioned table with no ``DEFAULT`` partition and, for RANGE,
    no partition still open for new rows: none bounded by ``MAXVALUE`` and none whose upper
    bound is a date in the future. A warning for a RANGE table whose own partitions have
    all run out; info when partitions are evidently managed at run time — pg_partman is
    installed, a routine creates or attaches partitions, or the design holds none at all
    (nothing could be inserted, so something outside the schema creates them) — and for
    LIST partitioning, where rejecting an unknown value until a partition is added is a
    legitimate choice. HASH partitioning covers every value and is skipped. Needs only the
    design; a scheduler outside it (cron, the application) it cannot see.

    Why: an insert whose key falls outside every partition fails at run time (``no
    partition of relation … found for row``) — typically the first insert of a new month.

    Fix: pre-create future partitions (pg_partman or a scheduled job) — which keeps retention
    by ``DETACH PARTITION … CONCURRENTLY`` possible, something a DEFAULT partition forbids —
    or add a default: ``CREATE TABLE t_default PARTITION OF t DEFAULT;``

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
        tooling = _tooling(ctx)
        for t in ctx.design.tables:
            if t.partition_by is None or t.partition_by.strategy == "hash":
                continue
            parts = children.get(t.key, [])
            bounds = [(p.partition_bound or "").strip() for p in parts]
            if any(b.upper() == "DEFAULT" for b in bounds):
                continue
            ranged = t.partition_by.strategy == "range"
            if ranged and any(_open_ended(b, today) for b in bounds):
                continue
            severity = None
            if not parts:
                what = "it has no partitions in the design, so they are made at run time"
                severity = "info"
            elif ranged:
                what = f"none of its {len(parts)} partitions is DEFAULT or open-ended"
            else:
                what = (f"none of its {len(parts)} partitions is DEFAULT (a new value is "
                        f"rejected until a partition is added; fine if that is the intent)")
                severity = "info"
            if tooling and ranged:
                what += f" ({tooling}: make sure it runs ahead of time)"
                severity = "info"
            name = quote_ident(derive_name(t.name, suffix="default"))
            yield self.finding(
                t, None,
                f"{t.partition_by.strategy} partitioned table {t.name}: {what}; inserts "
                f"outside the existing partitions fail at run time",
                f"-- create partitions ahead of time (keeps DETACH … CONCURRENTLY possible), "
                f"or: CREATE TABLE {quote_ident(t.schema)}."
                f"{name} PARTITION OF {qualified(t.schema, t.name)} DEFAULT;",
                severity=severity)
