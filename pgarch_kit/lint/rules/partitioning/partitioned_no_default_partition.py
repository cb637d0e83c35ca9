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
# A one-column date/timestamp range bound: FROM ('2024-01-01[ time]') TO ('2024-02-01[ time]').
_SPAN = re.compile(r"\bFROM\s*\(\s*'(\d{4}-\d{2}-\d{2})([^',]*)'\s*\)\s*TO\s*\(\s*"
                   r"'(\d{4}-\d{2}-\d{2})([^',]*)'\s*\)\s*$", re.IGNORECASE)
_MAX_NEW = 24           # partitions a catch-up fix creates one by one; beyond, one gap partition
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


def _spans(parts: list[Table]) -> list[tuple[dt.date, dt.date, str, Table]]:
    """The date ranges of partitions with one-column date/timestamp bounds (lower, upper,
    the upper literal's time-and-zone suffix), by upper bound."""
    out = []
    for p in parts:
        m = _SPAN.search((p.partition_bound or "").strip())
        if m:
            try:
                out.append((dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(3)),
                            m.group(4), p))
            except ValueError:
                continue
    return sorted(out, key=lambda s: s[1])


def _months(a: dt.date, b: dt.date) -> int | None:
    """Whole months from ``a`` to ``b`` when both are the first of a month, else None."""
    if a.day != 1 or b.day != 1:
        return None
    return (b.year - a.year) * 12 + b.month - a.month


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def _catch_up(t: Table, last: tuple[dt.date, dt.date, str, Table], today: dt.date,
              taken: set[str]) -> str:
    """CREATE TABLE … PARTITION OF statements from the last partition's upper bound through
    today's period and the next, each as long as the last partition (whole months when it
    spans them); one partition for the gap when that would take more than _MAX_NEW."""
    lower, upper, suffix, _ = last
    months = _months(lower, upper)
    step_days = max((upper - lower).days, 1)

    def after(d: dt.date) -> dt.date:
        return _add_months(d, months) if months else d + dt.timedelta(days=step_days)
    bounds, d = [], upper
    while d <= today:
        bounds.append((d, after(d)))
        d = after(d)
    bounds.append((d, after(d)))          # and the next period, ahead of time
    if len(bounds) > _MAX_NEW:
        bounds = [(upper, bounds[-2][0]), *bounds[-2:]]
    out = []
    for a, b in bounds:
        name = derive_name(t.name, f"p{a:%Y%m%d}")
        n = 2
        while name in taken:
            name, n = derive_name(t.name, f"p{a:%Y%m%d}", str(n)), n + 1
        taken.add(name)
        out.append(f"CREATE TABLE {qualified(t.schema, name)} PARTITION OF "
                   f"{qualified(t.schema, t.name)} FOR VALUES FROM ('{a.isoformat()}{suffix}') "
                   f"TO ('{b.isoformat()}{suffix}');")
    return " ".join(out)


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
    legitimate choice. An error when the last RANGE partition's upper bound is a date
    already past and nothing shows partitions being made at run time: inserts of current
    rows fail now; its fix creates the partitions up to and past today. HASH partitioning
    covers every value and is skipped. Needs only the
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
            name = quote_ident(derive_name(t.name, suffix="default"))
            default = (f"CREATE TABLE {quote_ident(t.schema)}.{name} PARTITION OF "
                       f"{qualified(t.schema, t.name)} DEFAULT;")
            fix = (f"-- create partitions ahead of time (keeps DETACH … CONCURRENTLY "
                   f"possible), or: {default}")
            spans = _spans(parts) if ranged else []
            if spans and len(spans) == len(parts) and spans[-1][1] <= today:
                what = (f"its last partition ({spans[-1][3].name}) ends {spans[-1][1]}, already "
                        f"past, so inserting a current row fails now")
                fix = (_catch_up(t, spans[-1], today, {x.name for x in ctx.design.tables})
                       + f" -- then create them ahead of time (a scheduled job, pg_partman); "
                         f"or: {default}")
                severity = "error"
            if tooling and ranged:
                what += f" ({tooling}: make sure it runs ahead of time)"
                severity = "info"
            yield self.finding(
                t, None,
                f"{t.partition_by.strategy} partitioned table {t.name}: {what}; inserts "
                f"outside the existing partitions fail at run time",
                fix, severity=severity)
