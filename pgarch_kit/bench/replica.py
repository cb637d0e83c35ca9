"""A streaming replica on this machine, and how far behind it falls under a write load.

A throwaway primary (a second embedded server) is loaded with the design; ``pg_basebackup -R``
makes a standby of it, which streams WAL. pgbench then updates rows of the design's largest
table at full speed while a sampler reads, several times a second, how many bytes of WAL the
replica has yet to replay and how old its last replayed transaction is. Afterwards a
read-after-write probe measures how long a single committed write takes to become visible on
the replica — the number that decides whether a user may be sent there right after writing.
Both servers are deleted at the end.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from pgarch_kit.model.names import quote_ident

from .params import ParamSampler
from .pgbench import PgbenchRun, Script, run_pgbench
from .stats import summarize

if TYPE_CHECKING:
    from pgarch_kit.model import Design, QueryPattern, Table

__all__ = ["ReplicaLag", "replica_lag", "write_pattern", "write_script"]


@dataclass
class ReplicaLag:
    design: str
    table: str
    run: PgbenchRun | None = None
    samples: list[tuple[float, int, float | None]] = field(default_factory=list)  # s, B, ms
    visible_ms: list[float] = field(default_factory=list)

    def frame(self) -> Any:
        import pandas as pd
        return pd.DataFrame(self.samples, columns=["second", "bytes_behind", "replay_age_ms"])

    @property
    def max_bytes_behind(self) -> int:
        return max((b for _, b, _ in self.samples), default=0)

    def __str__(self) -> str:
        v = summarize(self.visible_ms)
        tps = f"{self.run.tps:,.0f} updates/s" if self.run else "no load"
        behind = np.array([b for _, b, _ in self.samples] or [0])
        return (f"streaming replica of {self.design}: {tps} on {self.table}; WAL not yet "
                f"replayed: median {np.median(behind) / 1024:,.0f} kB, max "
                f"{self.max_bytes_behind / 1024:,.0f} kB over {len(self.samples)} samples; a "
                f"committed write is visible on the replica after median {v['median']:.2f} ms, "
                f"p99 {v['p99']:.2f} ms")

    def _repr_html_(self) -> str:
        import html
        return f"<div><b>Replica lag</b>: {html.escape(str(self))}</div>"


def _big_table(design: Design, rows: dict[str, int]) -> Table:
    candidates = [t for t in design.tables if t.primary_key is not None and rows.get(t.name)
                  and any(c.name not in t.primary_key.columns and c.generated is None
                          for c in t.columns)]
    return max(candidates, key=lambda t: rows[t.name])


def write_pattern(t: Table) -> QueryPattern:
    """An UPDATE of one row by primary key that rewrites a non-key column: each transaction
    writes WAL (a new row version) without changing the data."""
    from pgarch_kit.model import QueryPattern
    keys = t.primary_key.columns  # type: ignore[union-attr]
    col = quote_ident(next(c.name for c in t.columns
                           if c.name not in keys and c.generated is None))
    where = " AND ".join(f"{quote_ident(k)} = :k{i}" for i, k in enumerate(keys))
    rel = f"{quote_ident(t.schema)}.{quote_ident(t.name)}"
    return QueryPattern(f"update_{t.name}", f"UPDATE {rel} SET {col} = {col} WHERE {where}")


def write_script(conn: Any, design: Design, t: Table) -> tuple[Script, ParamSampler]:
    """The pgbench script of :func:`write_pattern`, keys drawn from the table's rows."""
    from pgarch_kit.model.query import pattern_params

    from .params import prepare_params
    pattern = write_pattern(t)
    sampler = prepare_params(conn, design, pattern, size=2000, keep=True)
    sql = pattern_params(pattern.sql).pgbench_typed(dict(sampler.types))
    return Script(pattern.name, "\n".join([*sampler.pgbench_lines(), sql + ";"]) + "\n"), \
        sampler


def _sample(primary_dsn: str, replica_dsn: str, stop: threading.Event,
            out: list[tuple[float, int, float | None]], every: float) -> None:
    import psycopg
    with psycopg.connect(primary_dsn, autocommit=True) as p, \
            psycopg.connect(replica_dsn, autocommit=True) as r:
        start = time.perf_counter()
        while not stop.is_set():
            row = p.execute("SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), "
                            "replay_lsn)), 0) FROM pg_stat_replication").fetchone()
            age = r.execute("SELECT extract(epoch FROM clock_timestamp() - "
                            "pg_last_xact_replay_timestamp()) * 1000").fetchone()[0]
            out.append((time.perf_counter() - start, int(row[0]),
                        float(age) if age is not None else None))
            stop.wait(every)


def _visibility(primary_dsn: str, replica_dsn: str, t: Table, sampler: ParamSampler,
                probes: int) -> list[float]:
    """Commit one write at a time on the primary; time until the replica has replayed it."""
    import psycopg

    from pgarch_kit.model.query import pattern_params
    update = pattern_params(write_pattern(t).sql).dollar
    out = []
    with psycopg.connect(primary_dsn, autocommit=True) as p, \
            psycopg.connect(replica_dsn, autocommit=True) as r:
        cur = psycopg.RawCursor(p)
        for params in sampler.draw(probes, seed=1):
            cur.execute(update, params)
            # the insert position: past our commit record (the write position may lag it)
            lsn = p.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
            start = time.perf_counter()
            deadline = start + 10
            while time.perf_counter() < deadline:
                if r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                             (lsn,)).fetchone()[0]:
                    break
                time.sleep(0.0002)
            out.append((time.perf_counter() - start) * 1000)
    return out


def replica_lag(design: Design, *, scale: float = 0.02, clients: int = 4,
                duration: int = 10, every: float = 0.2, probes: int = 50,
                seed: int = 0) -> ReplicaLag:
    """Build a primary and a streaming replica, load the design, and measure (see the module
    docstring)."""
    import psycopg

    from pgarch_kit.db.connect import server_dsn
    from pgarch_kit.db.load import load
    from pgarch_kit.db.sandbox import create_sandbox
    from pgarch_kit.db.server import Server
    primary = Server.temporary(durable=True)  # commits flushed as in production
    replica = None
    try:
        primary.ensure_started()
        db = create_sandbox(design.name, dsn=primary.dsn())
        primary_dsn = server_dsn(primary.dsn(), db)
        loaded = load(design, dsn=primary_dsn, scale=scale, seed=seed, progress=False,
                      verify=False)
        replica = primary.standby()
        replica.ensure_started()
        replica_dsn = server_dsn(replica.dsn(), db)
        t = _big_table(design, loaded.rows)
        with psycopg.connect(primary_dsn, autocommit=True) as conn:
            script, sampler = write_script(conn, design, t)
        result = ReplicaLag(design.name, t.name)
        stop = threading.Event()
        watcher = threading.Thread(target=_sample, args=(primary_dsn, replica_dsn, stop,
                                                         result.samples, every), daemon=True)
        watcher.start()
        try:
            result.run = run_pgbench(primary_dsn, [script], clients=clients,
                                     duration=duration, log=False)
        finally:
            stop.set()
            watcher.join(timeout=10)
        result.visible_ms = _visibility(primary_dsn, replica_dsn, t, sampler, probes)
        return result
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()
