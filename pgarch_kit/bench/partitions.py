"""Partitioning shown working: the partitioned variant of a design loaded into a sandbox of its
own, partition pruning read from the plans of the design's queries, and a month of data
removed two ways — ``DELETE`` (plus the ``VACUUM`` it leaves behind) against ``DETACH`` and
``DROP`` of its partition.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pgarch_kit._escape import html_text
from pgarch_kit.model.names import quote_ident

from ._html import table as html_table

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.db.explain import Plan
    from pgarch_kit.model import Design
    from pgarch_kit.scale.partitioning import PartitionPlan

__all__ = ["PartitionEvidence", "Pruning", "partition_evidence", "scanned_partitions"]

DATA_START, DATA_END = date(2024, 1, 1), date(2026, 1, 1)  # the data generator's time range


@dataclass(frozen=True)
class Pruning:
    query: str
    table: str
    scanned: tuple[str, ...]
    total: int
    plan: str

    @property
    def pruned(self) -> bool:
        return len(self.scanned) < self.total


@dataclass
class PartitionEvidence:
    design: str
    database: str
    pruning: list[Pruning] = field(default_factory=list)
    retention: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"partitioning of {self.design} (sandbox {self.database})"]
        for p in self.pruning:
            lines.append(f"  {p.query:<34} {p.table}: {len(p.scanned)} of {p.total} "
                         f"partitions scanned{'' if p.pruned else '  (no pruning)'}")
        if self.retention:
            r = self.retention
            lines.append(f"  retention of one month ({r['rows_deleted']:,} / {r['rows_dropped']:,}"
                         f" rows): DELETE {r['delete_s']:.3f} s + VACUUM {r['vacuum_s']:.3f} s"
                         f" vs DETACH + DROP {r['drop_s']:.3f} s")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [(p.query, p.table, f"{len(p.scanned)} of {p.total}",
                 "pruned" if p.pruned else "all partitions", p.plan) for p in self.pruning]
        out = (f"<div><b>Partition pruning</b> in {html_text(self.database)}</div>"
               + html_table(("query", "table", "partitions scanned", "", "plan"), rows,
                            highlight=[None if p.pruned else "#fef3c7" for p in self.pruning]))
        if self.retention:
            r = self.retention
            out += html_table(("removing one month", "rows", "seconds"), [
                ("DELETE … WHERE in the month", f"{r['rows_deleted']:,}", f"{r['delete_s']:.3f}"),
                ("VACUUM afterwards (reclaims the dead rows)", "", f"{r['vacuum_s']:.3f}"),
                ("DETACH PARTITION + DROP TABLE", f"{r['rows_dropped']:,}", f"{r['drop_s']:.3f}")])
        return out


def scanned_partitions(plan: Plan, partitions: set[str]) -> tuple[str, ...]:
    """The partitions a plan reads: scan nodes on them, less those pruned at run time (shown
    "never executed": zero loops)."""
    seen = [n["Relation Name"] for n in plan.nodes()
            if n.get("Relation Name") in partitions and n.get("Actual Loops", 1) > 0]
    return tuple(dict.fromkeys(seen))


def partition_evidence(design: Design, plans: list[PartitionPlan], *, scale: float = 0.05,
                       seed: int = 0, retention: bool = True,
                       progress: bool = False) -> PartitionEvidence:
    """Load the partitioned variant of ``design`` (monthly partitions over the generated data's
    two years, and a default), explain each of its query patterns on a partitioned table plus
    a one-month query per range plan, and time removing the oldest month both ways."""
    import psycopg

    from pgarch_kit.db.load import load
    from pgarch_kit.model.query import pattern_params, query_shape
    from pgarch_kit.scale.partitioning import partitioned_design

    from .params import prepare_params
    from .timing import _explain
    variant = partitioned_design(design, plans, start=DATA_START, end=DATA_END)
    loaded = load(variant, scale=scale, seed=seed, progress=progress, verify=False,
                  vacuum=True)
    ev = PartitionEvidence(design.name, loaded.database)
    parts = {p.table: {t.name for t in variant.tables if t.partition_of == p.table}
             for p in plans}
    with psycopg.connect(loaded.dsn, autocommit=True) as conn:
        cur = psycopg.RawCursor(conn)
        for q in variant.queries:
            tables = {r.name for r in query_shape(q.sql).relations} & set(parts)
            if not tables:
                continue
            sampler = prepare_params(conn, variant, q, size=50, seed=seed)
            plan, _ = _explain(cur, pattern_params(q.sql).dollar, sampler.draw(1, seed)[0])
            for name in sorted(tables):
                ev.pruning.append(Pruning(q.name, name, scanned_partitions(plan, parts[name]),
                                          len(parts[name]), plan.summary()))
        for p in plans:
            if p.strategy != "range":
                continue
            sql = (f"SELECT count(*) FROM {_rel(p.schema, p.table)} WHERE {quote_ident(p.key)} "
                   f">= '2025-06-01' AND {quote_ident(p.key)} < '2025-07-01'")
            plan, _ = _explain(cur, sql, [])
            ev.pruning.append(Pruning("one month (June 2025)", p.table,
                                      scanned_partitions(plan, parts[p.table]),
                                      len(parts[p.table]), plan.summary()))
        first = next((p for p in plans if p.strategy == "range"), None)
        if retention and first is not None:
            ev.retention = _retention(conn, first)
    return ev


def _rel(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def _retention(conn: psycopg.Connection, p: PartitionPlan) -> dict[str, Any]:
    """Remove one month with DELETE (then VACUUM) and another by dropping its partition —
    the two fullest months, so both jobs move about as many rows."""
    parent, key = _rel(p.schema, p.table), quote_ident(p.key)
    months = conn.execute(
        "SELECT c.relname, c.reltuples FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT' "
        "ORDER BY c.reltuples DESC LIMIT 2", (parent,)).fetchall()
    (deleted_name, _), (dropped_name, _) = months
    bound = conn.execute("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = "
                         "%s::regclass", (_rel(p.schema, deleted_name),)).fetchone()[0]
    low, high = (x.split("'")[1] for x in bound.split(" TO "))
    start = time.perf_counter()
    deleted = conn.execute(f"DELETE FROM {parent} WHERE {key} >= %s AND {key} < %s",
                           (low, high)).rowcount
    delete_s = time.perf_counter() - start
    start = time.perf_counter()
    conn.execute(f"VACUUM {_rel(p.schema, deleted_name)}")
    vacuum_s = time.perf_counter() - start
    dropped = conn.execute(f"SELECT count(*) FROM {_rel(p.schema, dropped_name)}").fetchone()[0]
    start = time.perf_counter()
    conn.execute(f"ALTER TABLE {parent} DETACH PARTITION {_rel(p.schema, dropped_name)}")
    conn.execute(f"DROP TABLE {_rel(p.schema, dropped_name)}")
    drop_s = time.perf_counter() - start
    return {"deleted_partition": deleted_name, "rows_deleted": deleted, "delete_s": delete_s,
            "vacuum_s": vacuum_s, "dropped_partition": dropped_name, "rows_dropped": int(dropped),
            "drop_s": drop_s}
