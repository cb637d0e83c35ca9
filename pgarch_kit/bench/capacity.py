"""The capacity estimate checked against reality: a synthetic load measured table by table and
index by index with ``pg_relation_size``.

:func:`sample_profiles` describes the data the generator makes — value widths as PostgreSQL
stores them (``pg_column_size`` over a sample of generated rows COPY'd into a temporary
table), NULL shares, the share of rows each partial index keeps — and, from the data plan,
how many distinct keys each foreign key will hold. :func:`capacity_check` loads the design,
estimates with those profiles (:func:`pgarch_kit.scale.capacity`) and compares with what the
server reports.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pgarch_kit._escape import html_text
from pgarch_kit.model.names import quote_ident
from pgarch_kit.scale.capacity import Capacity, Profile, capacity, human

from ._html import table as html_table

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.datagen import DataPlan
    from pgarch_kit.model import Design, Table

__all__ = ["CapacityCheck", "capacity_check", "measure", "sample_profiles"]

SAMPLE_RUNS = 20  # runs of consecutive generated rows in a sample, spread over the table
SLACK_BYTES = 4 * 8192  # four pages: below this an error is rounding, not a wrong model


def _rel(t: Table) -> str:
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"


def _distinct_drawn(draws: float, parents: float) -> float:
    """Distinct parents among ``draws`` uniform picks from ``parents``."""
    if parents <= 0:
        return 0.0
    return parents * (1 - math.exp(-draws / parents))


def sample_profiles(conn: psycopg.Connection, design: Design, dp: DataPlan, *,
                    sample: int = 10000) -> dict[str, Profile]:
    """A :class:`~pgarch_kit.scale.capacity.Profile` per table from ``sample`` generated rows
    (in temporary tables, dropped with the transaction) and the data plan's row counts."""
    from psycopg import sql

    from pgarch_kit.datagen import sample_rows
    profiles: dict[str, Profile] = {}
    for name in dp.order:
        tp = dp.tables[name]
        t = tp.table
        cols = dp.copy_columns(name)
        n = dp.rows(name)
        widths: dict[str, float] = {}
        nulls: dict[str, float] = {}
        partial: dict[str, float] = {}
        order: dict[tuple[str, ...], tuple[float, float]] = {}
        shares: dict[str, float] = {}
        if n and cols:
            with conn.transaction(force_rollback=True):
                # rows spread one by one over the table describe its values; runs of
                # consecutive rows show the order they arrive in
                for temp, runs in (("pgarch_sample", sample), ("pgarch_runs", SAMPLE_RUNS)):
                    conn.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING GENERATED "
                                         "INCLUDING DEFAULTS) ON COMMIT DROP").format(
                                             sql.Identifier(temp), sql.SQL(_rel(t))))
                    with conn.cursor() as cur, cur.copy(sql.SQL(
                            "COPY {} ({}) FROM STDIN").format(
                                sql.Identifier(temp),
                                sql.SQL(", ").join(sql.Identifier(c) for c in cols))) as copy:
                        copy.write(sample_rows(dp, name, sample, runs=runs))
                parts = []
                for c in t.columns:
                    q = sql.Identifier(c.name)
                    parts.append(sql.SQL("avg(pg_column_size({0})) FILTER (WHERE {0} IS NOT "
                                         "NULL), avg(({0} IS NULL)::int)").format(q))
                values = conn.execute(sql.SQL("SELECT {} FROM pgarch_sample").format(
                    sql.SQL(", ").join(parts))).fetchone()
                for i, c in enumerate(t.columns):
                    if values[2 * i] is not None:
                        widths[c.name] = float(values[2 * i])
                    nulls[c.name] = float(values[2 * i + 1] or 0.0)
                order = _insert_order(conn, t, max(1, min(sample, n) // SAMPLE_RUNS))
                shares = _partition_shares(conn, design, t)
                for idx in t.indexes:
                    if idx.where:
                        share = conn.execute(sql.SQL(
                            "SELECT avg(({})::int) FROM pgarch_sample").format(
                                sql.SQL(idx.where))).fetchone()[0]
                        partial[idx.name] = float(share or 0.0)
        distinct: dict[str | tuple[str, ...], float] = {}
        for fk in t.foreign_keys:
            if fk.ref_table in dp.tables:
                live = n * (1 - max(nulls.get(c, 0.0) for c in fk.columns))
                key = fk.columns[0] if len(fk.columns) == 1 else tuple(fk.columns)
                distinct[key] = _distinct_drawn(live, dp.rows(fk.ref_table))
        profiles[name] = Profile(n, widths, nulls, distinct, partial, order)
        for part, share in shares.items():  # partitions: the parent's data, their share of it
            profiles[part] = Profile(round(n * share), widths, nulls, distinct,
                                     partial, order)
    return profiles


def _partition_shares(conn: psycopg.Connection, design: Design, t: Table
                      ) -> dict[str, float]:
    """The share of the sample each partition of ``t`` receives: the partition's own
    constraint (``pg_get_partition_constraintdef``) evaluated on the sample rows; the default
    partition takes what no other does."""
    from psycopg import sql
    parts = [p for p in design.tables if p.partition_of == t.name and p.schema == t.schema]
    shares: dict[str, float] = {}
    default = None
    for p in parts:
        if (p.partition_bound or "").strip().upper() == "DEFAULT":
            default = p.name
            continue
        cond = conn.execute("SELECT pg_get_partition_constraintdef(%s::regclass)",
                            (_rel(p),)).fetchone()[0]
        if cond:
            shares[p.name] = float(conn.execute(sql.SQL(
                "SELECT coalesce(avg(({})::int), 0) FROM pgarch_sample").format(
                    sql.SQL(cond))).fetchone()[0])
    if default is not None:
        shares[default] = max(0.0, 1.0 - sum(shares.values()))
    return shares


def _insert_order(conn: psycopg.Connection, t: Table, run: int
                  ) -> dict[tuple[str, ...], tuple[float, float]]:
    """For each key and index: the share of ``pgarch_runs`` rows (in insertion order — a
    sequential scan of the fresh table) whose key is above every key before it in the same run of
    ``run`` consecutive rows, overall and within its leading column's group. Near 1
    overall: the B-tree grows at its right edge; near 1 within groups only: each group
    grows at its own edge."""
    from psycopg import sql
    keys = [tuple(k.columns) for k in ([t.primary_key] if t.primary_key else []) + list(t.uniques)]
    keys += [tuple(k.column for k in i.keys) for i in t.indexes
             if not any(k.expression for k in i.keys)]
    out: dict[tuple[str, ...], tuple[float, float]] = {}
    for key in dict.fromkeys(keys):
        cols = sql.SQL(", ").join(sql.SQL("{} NULLS FIRST").format(sql.Identifier(c))
                                  for c in key)
        lead = sql.Identifier(key[0])
        before = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
        row = conn.execute(sql.SQL(
            "SELECT avg((r > coalesce(top, 0))::int), avg((r > coalesce(top_in_group, 0))::int) "
            "FROM (SELECT r, max(r) OVER (PARTITION BY b ORDER BY o " + before + ") AS top, "
            "max(r) OVER (PARTITION BY b, g ORDER BY o " + before + ") AS top_in_group "
            "FROM (SELECT o, (o - 1) / {} AS b, r, g FROM (SELECT rank() OVER (ORDER BY ctid) "
            "AS o, dense_rank() OVER (ORDER BY {}) AS r, {} AS g FROM pgarch_runs) x) ranked) s"
        ).format(sql.Literal(run), cols, lead)).fetchone()
        if row[0] is not None:
            out[key] = (float(row[0]), float(row[1]))
    return out


def measure(conn: psycopg.Connection, design: Design) -> dict[str, dict[str, int]]:
    """Sizes the server reports: per table ``heap``, ``total`` and one entry per index."""
    out: dict[str, dict[str, int]] = {}
    for t in design.tables:
        if t.partition_by is not None:
            continue
        rel = _rel(t)
        heap, total = conn.execute("SELECT pg_relation_size(%s::regclass), "
                                   "pg_total_relation_size(%s::regclass)", (rel, rel)).fetchone()
        sizes = {"heap": int(heap), "total": int(total)}
        for name, size in conn.execute(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
                (rel,)).fetchall():
            sizes[name] = int(size)
        out[t.name] = sizes
    return out


@dataclass
class CapacityCheck:
    """Estimated against measured sizes, one row per table (heap, total) and index."""

    design: str
    estimate: Capacity
    rows: list[dict[str, Any]] = field(default_factory=list)

    def worst(self, kinds: tuple[str, ...] = ("heap", "total", "btree", "brin")) -> float:
        """The largest relative error (0.1 = 10%) over the rows of these kinds, leaving out
        objects whose estimate is within :data:`SLACK_BYTES` of the truth (a 2-page index
        estimated at 3 pages is 50% off and right; a small B-tree filled by random inserts
        varies by a few pages from run to run)."""
        errors = [abs(r["error"]) for r in self.rows if r["kind"] in kinds
                  and abs(r["estimated"] - r["measured"]) > SLACK_BYTES]
        return max(errors) if errors else 0.0

    def outside(self, tolerance: float = 0.15,
                kinds: tuple[str, ...] = ("heap", "total", "btree", "brin")) -> list[dict]:
        """Rows off by more than ``tolerance`` and by more than four pages."""
        return [r for r in self.rows if r["kind"] in kinds and abs(r["error"]) > tolerance
                and abs(r["estimated"] - r["measured"]) > SLACK_BYTES]

    def frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows)

    def __str__(self) -> str:
        lines = [f"capacity estimate vs measured for {self.design} (worst heap/B-tree error "
                 f"{self.worst():+.1%})"]
        for r in self.rows:
            lines.append(f"  {r['table']:<16} {r['object']:<30} {r['kind']:<6} estimated "
                         f"{human(r['estimated']):>10}  measured {human(r['measured']):>10}  "
                         f"{r['error']:+.1%}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [(r["table"], r["object"], r["kind"], human(r["estimated"]),
                 human(r["measured"]), f"{r['error']:+.1%}") for r in self.rows]
        off = {id(r) for r in self.outside()}
        colours = ["#fee2e2" if id(r) in off else None for r in self.rows]
        return (f"<div><b>Capacity estimate against the server</b> — "
                f"{html_text(self.design)}; worst heap/B-tree error {self.worst():+.1%}</div>"
                + html_table(("table", "object", "kind", "estimated", "measured", "error"),
                             rows, highlight=colours))


def capacity_check(design: Design, *, scale: float = 0.1, seed: int = 0,
                   sample: int = 10000, progress: bool = False) -> CapacityCheck:
    """Load ``design`` into its sandbox at ``scale`` (vacuumed, as in steady state), estimate
    every table and index from a sample's profiles, and compare with the server's sizes."""
    import psycopg

    from pgarch_kit.datagen import plan
    from pgarch_kit.db.load import load
    dp = plan(design, scale=scale, seed=seed)
    loaded = load(design, plan=dp, progress=progress, verify=False, vacuum=True)
    with psycopg.connect(loaded.dsn, autocommit=True) as conn:
        profiles = sample_profiles(conn, design, dp, sample=sample)
        measured = measure(conn, design)
    est = capacity(design, profiles=profiles, label=f"at scale {scale:g}", build="kit")
    check = CapacityCheck(design.name, est)
    for t in est.tables:
        got = measured.get(t.name, {})
        for kind, e, m in (("heap", t.heap_bytes, got.get("heap", 0)),
                           ("total", t.total_bytes, got.get("total", 0))):
            check.rows.append({"table": t.name, "object": t.name, "kind": kind,
                               "estimated": e, "measured": m, "error": (e - m) / m if m else 0})
        for i in t.indexes:
            if i.name not in got:  # a partition's copy of its parent's index: in the total
                continue
            m = got.get(i.name, 0)
            kind = i.method if not i.rough else f"{i.method}~"
            check.rows.append({"table": t.name, "object": i.name, "kind": kind,
                               "estimated": i.bytes, "measured": m,
                               "error": (i.bytes - m) / m if m else 0})
    return check
