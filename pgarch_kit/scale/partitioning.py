"""Partitioning: which tables need it, how, what it costs the rest of the design, and the DDL.

A table is proposed for partitioning when it is expected to pass ``threshold`` rows within the
horizon or has a retention intent (``retention_months``): dropping a month's partition is a
metadata change, deleting a month's rows is a scan, a WAL flood and a vacuum. The key:

* **range by month** on the table's creation-time column (``created_at``, ``placed_at``,
  ``recorded_at`` … NOT NULL) — queries by recent time prune to a few partitions, retention
  drops whole partitions;
* **hash** on the tenant key, else on the leading primary-key column, when there is no time
  column — it spreads rows (and vacuum) evenly, but only queries by that key prune.

What it costs, said in the plan: every primary key and unique constraint must include the
partition key (a unique index is per partition), so ``PRIMARY KEY (id)`` becomes
``(id, placed_at)`` and a unique column without the key is no longer unique across
partitions; a foreign key *to* the table must then reference those columns — the variant the
kit builds drops such foreign keys (enforce them in the application, or carry the partition
key into the child). Pure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from ..model.design import Design, IndexKey, PartitionBy, Table
from ..model.names import MAX_IDENT_BYTES, derive_name, quote_ident, shorten

__all__ = ["PartitionPlan", "partition_plan", "partitioned_design"]

_TIME = ("timestamp with time zone", "timestamp without time zone", "date")
_ANCHOR = re.compile(r"created|placed|recorded|occurred|inserted|logged|changed|happened|"
                     r"received|sent|booked|at$", re.I)


@dataclass(frozen=True)
class PartitionPlan:
    table: str
    schema: str
    strategy: str                     # range | hash
    key: str
    modulus: int = 0                  # hash partitions
    retention_months: int | None = None
    premake: int = 3                  # range partitions created ahead
    reasons: tuple[str, ...] = ()
    consequences: tuple[str, ...] = ()

    def __str__(self) -> str:
        how = (f"range by month on {self.key}" if self.strategy == "range" else
               f"hash on {self.key} into {self.modulus} partitions")
        lines = [f"partition {self.table}: {how}"
                 + (f", keep {self.retention_months} months" if self.retention_months else "")]
        lines += [f"  why: {r}" for r in self.reasons]
        lines += [f"  cost: {c}" for c in self.consequences]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        head, *rest = str(self).splitlines()
        items = "".join(f"<li>{html.escape(x.strip())}</li>" for x in rest)
        return f"<div><b>{html.escape(head)}</b><ul>{items}</ul></div>"

    def partition_name(self, when: date | None = None, remainder: int | None = None) -> str:
        if self.strategy == "range" and when is not None:
            return f"{self._stem(8)}_{when:%Y_%m}"
        return derive_name(self.table, f"p{remainder}")

    def _stem(self, room: int) -> str:
        """The table name cut (with a hash) so that ``_`` plus ``room`` bytes still fit 63:
        the SQL that makes next month's partition appends the month to this same stem."""
        return shorten(self.table, MAX_IDENT_BYTES - room - 1)

    def maintenance_sql(self) -> str:
        """Create the next ``premake`` monthly partitions (idempotent) and, with a retention,
        detach and drop the partitions entirely older than it: run monthly (cron, pg_cron)."""
        if self.strategy != "range":
            return f"-- {self.table}: hash partitions need no upkeep"
        rel = f"{quote_ident(self.schema)}.{quote_ident(self.table)}"
        lines = [
            f"-- {self.table}: next {self.premake} months, created ahead of the rows",
            "DO $$",
            "DECLARE m date;",
            "BEGIN",
            f"  FOR i IN 0..{self.premake} LOOP",
            "    m := date_trunc('month', now())::date + make_interval(months => i);",
            f"    EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF {rel} "
            f"FOR VALUES FROM (%L) TO (%L)', '{_lit(self.schema)}', '{_lit(self._stem(8))}_' || "
            f"to_char(m, 'YYYY_MM'), m, m + interval '1 month');",
            "  END LOOP;",
            "END $$;",
        ]
        if self.retention_months:
            lines += [
                f"-- {self.table}: retention {self.retention_months} months — detach "
                f"(CONCURRENTLY: no lock on the parent's readers) and drop; run outside a "
                f"transaction block",
                f"SELECT format('ALTER TABLE {rel} DETACH PARTITION %s CONCURRENTLY; "
                f"DROP TABLE %s;', c.oid::regclass, c.oid::regclass)",
                "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid",
                f"WHERE i.inhparent = '{rel}'::regclass AND pg_get_expr(c.relpartbound, c.oid)"
                f" <> 'DEFAULT'",
                f"  AND substring(pg_get_expr(c.relpartbound, c.oid) from 'TO \\(''([^'']+)')"
                f"::timestamptz <= date_trunc('month', now()) - interval "
                f"'{self.retention_months} months' \\gexec",
            ]
        return "\n".join(lines)

    def partman_sql(self) -> str:
        """The same with pg_partman (version 5), for servers that have it."""
        if self.strategy != "range":
            return f"-- {self.table}: pg_partman manages time and id ranges, not hash"
        parent = f"{self.schema}.{self.table}"
        out = [f"SELECT partman.create_parent(p_parent_table := '{parent}', "
               f"p_control := '{self.key}', p_interval := '1 month', "
               f"p_premake := {self.premake});"]
        if self.retention_months:
            out.append(f"UPDATE partman.part_config SET retention = "
                       f"'{self.retention_months} months', retention_keep_table = false "
                       f"WHERE parent_table = '{parent}';")
        out.append("-- and schedule: CALL partman.run_maintenance_proc(); (pg_cron or cron)")
        return "\n".join(out)


def _time_column(t: Table) -> str | None:
    cols = [c for c in t.columns if c.type in _TIME and not c.nullable]
    named = [c for c in cols if _ANCHOR.search(c.name)]
    pick = named or cols
    return pick[0].name if pick else None


def partition_plan(design: Design, *, tables: list[str] | None = None,
                   threshold: int = 10_000_000, months: int = 24,
                   rows_per_partition: int = 20_000_000) -> list[PartitionPlan]:
    """Plans for the tables that need partitioning (or exactly ``tables``)."""
    out = []
    for t in design.tables:
        if t.partition_by is not None or t.partition_of is not None:
            continue
        expected = (t.intent.rows or 0) + months * (t.intent.growth_per_month or 0)
        wanted = t.name in tables if tables is not None else (
            expected >= threshold or t.intent.retention_months)
        if not wanted:
            continue
        reasons = []
        if expected >= threshold:
            reasons.append(f"about {expected:,} rows within {months} months: one table that "
                           f"size means long VACUUMs and index builds, and indexes that no "
                           f"longer fit in memory")
        if t.intent.retention_months:
            reasons.append(f"retention of {t.intent.retention_months} months: dropping a "
                           f"month's partition replaces a DELETE of every expired row")
        time_col = _time_column(t)
        if time_col is not None:
            plan = PartitionPlan(t.name, t.schema, "range", time_col,
                                 retention_months=t.intent.retention_months,
                                 reasons=(*reasons, f"range by month on {time_col}: "
                                          f"recent-time queries read only recent partitions"))
        else:
            key = t.intent.tenant_key or (t.primary_key.columns[0] if t.primary_key else None)
            if key is None or (expected < threshold and tables is None):
                continue  # retention needs a time to cut by; hash partitions do not expire
            modulus = max(4, min(64, 2 ** max(2, (expected // rows_per_partition).bit_length())))
            plan = PartitionPlan(t.name, t.schema, "hash", key, modulus=modulus,
                                 reasons=(*reasons, f"no time column: hash on {key} into "
                                          f"{modulus} partitions spreads rows and vacuum "
                                          f"evenly"))
        out.append(replace(plan, consequences=tuple(_consequences(design, t, plan))))
    return out


def _consequences(design: Design, t: Table, plan: PartitionPlan) -> list[str]:
    out = []
    if t.primary_key is not None and plan.key not in t.primary_key.columns:
        out.append(f"the primary key becomes ({', '.join(t.primary_key.columns)}, "
                   f"{plan.key}): a unique index holds only within one partition")
    for u in t.uniques:
        if plan.key not in u.columns:
            out.append(f"UNIQUE ({', '.join(u.columns)}) becomes ({', '.join(u.columns)}, "
                       f"{plan.key}): the values are then unique per partition only — "
                       f"enforce global uniqueness another way if it matters")
    for i in t.indexes:
        if i.unique and plan.key not in [k.column for k in i.keys]:
            out.append(f"unique index {i.name} cannot be global: it gains {plan.key}")
    for child in design.tables:
        for fk in child.foreign_keys:
            if fk.ref_table == t.name and (fk.ref_schema or child.schema) == t.schema \
                    and plan.key not in fk.ref_columns:
                out.append(f"{child.name}.({', '.join(fk.columns)}) references {t.name}: the "
                           f"foreign key must include {plan.key} (carry it in "
                           f"{child.name}) or be enforced by the application — the variant "
                           f"drops it")
    return out


def _next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def _months(start: date, end: date) -> list[date]:
    out, m = [], date(start.year, start.month, 1)
    while m < end:
        out.append(m)
        m = _next_month(m)
    return out


def partitioned_design(design: Design, plans: list[PartitionPlan], *,
                       start: date, end: date, name: str | None = None) -> Design:
    """``design`` with each planned table partitioned: keys extended with the partition key,
    foreign keys to it dropped, monthly partitions from ``start`` to ``end`` (exclusive) plus
    a DEFAULT partition for range plans, ``modulus`` partitions for hash plans."""
    by_name = {(p.schema, p.table): p for p in plans}
    tables: list[Table] = []
    for t in design.tables:
        plan = by_name.get((t.schema, t.name))
        kept_fks = tuple(fk for fk in t.foreign_keys
                         if (by := by_name.get((fk.ref_schema or t.schema, fk.ref_table)))
                         is None or by.key in fk.ref_columns)
        t = replace(t, foreign_keys=kept_fks)
        if plan is None:
            tables.append(t)
            continue
        pk = t.primary_key
        if pk is not None and plan.key not in pk.columns:
            pk = replace(pk, columns=(*pk.columns, plan.key))
        uniques = tuple(u if plan.key in u.columns else
                        replace(u, columns=(*u.columns, plan.key)) for u in t.uniques)
        indexes = tuple(i if not i.unique or plan.key in [k.column for k in i.keys] else
                        replace(i, keys=(*i.keys, IndexKey(plan.key)))
                        for i in t.indexes)
        parent = replace(t, primary_key=pk, uniques=uniques, indexes=indexes,
                         partition_by=PartitionBy(plan.strategy, (plan.key,)))
        tables.append(parent)
        if plan.strategy == "range":
            for m in _months(start, end):
                tables.append(Table(plan.partition_name(m), schema=t.schema,
                                    partition_of=t.name,
                                    partition_bound=f"FOR VALUES FROM ('{m.isoformat()}') "
                                                    f"TO ('{_next_month(m).isoformat()}')"))
            tables.append(Table(derive_name(t.name, suffix="default"), schema=t.schema,
                                partition_of=t.name, partition_bound="DEFAULT"))
        else:
            for r in range(plan.modulus):
                tables.append(Table(plan.partition_name(remainder=r), schema=t.schema,
                                    partition_of=t.name,
                                    partition_bound=f"FOR VALUES WITH (MODULUS {plan.modulus}, "
                                                    f"REMAINDER {r})"))
    return replace(design, name=name or f"{design.name}_partitioned", tables=tuple(tables))




def _lit(text: str) -> str:
    """``text`` inside a single-quoted SQL literal."""
    return text.replace("'", "''")
