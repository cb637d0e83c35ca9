"""How big a table will get, from what the design shows: declared volumes, the insert rate of
its query patterns, partitioning, and the shape of an append-only record table. Rules that
judge a limit (integer keys running out) need this evidence; without it they ask for it
rather than guess."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pgarch_kit.model import Table
from pgarch_kit.model.query import query_shape

from ...context import LintContext

__all__ = ["Growth", "append_only_shape", "growth_of", "SECONDS_PER_MONTH"]

SECONDS_PER_MONTH = 2_629_746        # a mean Gregorian month
_TIMES = ("timestamp with time zone", "timestamp without time zone", "date")
# An UPDATE-maintained column says the rows are edited in place: an entity, not a record.
# (``changed_at`` is left out: in an audit log it is the time of the recorded event.)
# A status or state column is processed and set again: the rows are work items, not records.
_MUTABLE = re.compile(r"updated|modified|modification|status|state", re.IGNORECASE)
@dataclass(frozen=True)
class Growth:
    """Evidence of a table's volume: ``rows`` now (or at launch), ``per_month`` added, and
    ``how`` the design says so. ``per_month`` None with ``rows`` None means the evidence is
    qualitative (partitioning, an append-only shape): big, but no projection."""

    how: str
    rows: int | None = None
    per_month: float | None = None
    strong: bool = True   # False: a hint (partitioning) that alone does not justify a warning

    def months_left(self, limit: int) -> float | None:
        """Months until ``limit`` rows (keys) are used up at the stated pace; None when the
        evidence has no pace; 0 when the limit is already near."""
        if self.rows is None and self.per_month is None:
            return None
        used = self.rows or 0
        if used >= limit:
            return 0.0
        if not self.per_month:
            return None
        return (limit - used) / self.per_month


def insert_rate(ctx: LintContext, table: Table) -> float | None:
    """Rows per second the design's ``INSERT INTO table`` query patterns add (each call one
    row: a multi-row insert makes this a lower bound); None without such a pattern."""
    def build() -> dict[tuple[str, str], float]:
        rates: dict[tuple[str, str], float] = {}
        for q in ctx.design.queries:
            if not q.per_second:
                continue
            shape = query_shape(q.sql or "")   # the one reader of pattern SQL
            if shape.kind != "insert" or not shape.writes_to:
                continue
            target = shape.writes_to[0].relation
            name, schema = target.name, target.schema
            for t in ctx.design.tables:
                if t.name == name and (schema is None or t.schema == schema):
                    rates[t.key] = rates.get(t.key, 0.0) + float(q.per_second)
                    break
        return rates
    return ctx.memo("insert_rates", build).get(table.key)


def append_only_shape(ctx: LintContext, table: Table) -> str | None:
    """Why the table looks like an append-only record (event, log, fact) table, or None.

    The shape, not the name: nothing references it (records are not parents), it stamps its
    rows with a NOT NULL or defaulted time, nothing says rows are edited in place (no
    ``updated_at``-style or soft-delete column), no UNIQUE key besides the primary key (an
    entity has a natural key; a record does not), it carries data of its own beyond keys and
    times (a link table of two foreign keys is not a log), and it keeps no ``tsvector`` (a
    document people write and search — a note, a comment — grows at human pace)."""
    if table.key in ctx.referenced:
        return None
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    stamped = [c.name for c in table.columns if ctx.base_type(c.type) in _TIMES
               and (not c.nullable or c.default)]
    if not stamped:
        return None
    if any(_MUTABLE.search(c.name) or c.name.lower() in ("deleted_at", "deletedat", "is_deleted")
           for c in table.columns):
        return None
    if table.uniques or any(ix.unique and ix.where is None and not set(
            k.column for k in ix.keys) >= pk for ix in table.indexes):
        return None
    if any(ctx.base_type(c.type) == "tsvector" for c in table.columns):
        return None
    payload = [c for c in table.columns if c.name not in pk and c.name not in fk_cols
               and ctx.base_type(c.type) not in _TIMES]
    if not payload:
        return None
    return (f"it looks like an append-only record table: nothing references it, rows are "
            f"stamped ({stamped[0]}), never marked updated or deleted, and carry data of their "
            f"own ({', '.join(c.name for c in payload[:3])})")


def growth_of(ctx: LintContext, table: Table) -> Growth | None:
    """The strongest evidence of the table's volume, or None when the design shows none."""
    intent = ctx.intent(table)[0]
    if intent.rows is not None or intent.growth_per_month is not None:
        return Growth("declared in its intent", intent.rows, intent.growth_per_month)
    rate = insert_rate(ctx, table)
    if rate:
        return Growth(f"its insert query patterns add {rate:g} rows/s", None,
                      rate * SECONDS_PER_MONTH)
    if table.partition_by is not None:
        # a hint, not a volume: sample and teaching schemas partition small tables to show how
        return Growth("it is partitioned, which is often done for tables expected to be large",
                      strong=False)
    shape = append_only_shape(ctx, table)
    if shape:
        return Growth(shape)
    return None
