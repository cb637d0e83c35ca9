"""Concurrency patterns under concurrent pgbench clients, each beside the naive version it
replaces, counted in the database afterwards — so a wrong pattern shows up as numbers:
jobs run twice or never, singleton runs that overlap, increments lost, updates that were not
HOT.

The job queue, singleton and counter run in a scratch database (created, marked as the kit's
and dropped); the HOT trial copies one of the design's loaded tables twice, at two fill
factors, inside its sandbox.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgarch_kit._escape import html_text
from pgarch_kit.model.names import quote_ident
from pgarch_kit.production.concurrency import (
    JOB_QUEUE_DDL,
    OPTIMISTIC,
    SINGLETON,
    HotAdvice,
    hot_advice,
    job_queue_scripts,
    optimistic_scripts,
    singleton_script,
)

from ._html import table as html_table
from .pgbench import Script, run_pgbench
from .target import BenchError

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Design

__all__ = ["HotTrial", "OptimisticCheck", "QueueCheck", "SingletonCheck", "hot_trial",
           "job_queue_check", "optimistic_check", "singleton_check"]


@dataclass
class QueueRun:
    variant: str
    jobs: int
    runs: int              # rows in job_runs: one per time a worker processed a job
    distinct: int          # jobs processed at least once
    left: int              # jobs still queued after as many claims as there were jobs
    tps: float

    @property
    def duplicates(self) -> int:
        return self.runs - self.distinct


@dataclass
class QueueCheck:
    """``skip_locked`` must process every job exactly once; ``naive`` shows what it prevents."""

    clients: int
    runs: dict[str, QueueRun] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        r = self.runs["skip_locked"]
        return r.duplicates == 0 and r.left == 0 and r.distinct == r.jobs

    def __str__(self) -> str:
        return "\n".join(
            f"{r.variant:<12} {r.jobs} jobs, {self.clients} workers: processed {r.distinct}, "
            f"twice or more {r.duplicates}, never {r.left} ({r.tps:.0f} jobs/s)"
            for r in self.runs.values())

    def _repr_html_(self) -> str:
        rows = [(r.variant, r.jobs, r.distinct, r.duplicates, r.left, f"{r.tps:.0f}")
                for r in self.runs.values()]
        return (f"<div><b>Job queue</b> — {self.clients} concurrent pgbench workers, one job "
                f"per transaction</div>"
                + html_table(("claim", "jobs", "processed", "processed twice", "never processed",
                              "jobs/s"), rows,
                             highlight=[None if r[3] == 0 and r[4] == 0 else "#fee2e2"
                                        for r in rows]))


@dataclass
class SingletonCheck:
    """Runs of a 'nightly job' that every worker tries: with the advisory lock none overlap."""

    clients: int
    attempts: int
    runs: dict[str, tuple[int, int]] = field(default_factory=dict)  # variant: (runs, overlaps)

    @property
    def ok(self) -> bool:
        runs, overlaps = self.runs["guarded"]
        return overlaps == 0 and runs > 0

    def __str__(self) -> str:
        return "\n".join(f"{v:<10} {self.attempts} attempts by {self.clients} workers: "
                         f"{runs} runs, {overlaps} overlapping pairs"
                         for v, (runs, overlaps) in self.runs.items())

    def _repr_html_(self) -> str:
        rows = [(v, self.attempts, runs, overlaps) for v, (runs, overlaps) in self.runs.items()]
        return (f"<div><b>Singleton work</b> — {self.clients} workers try the same job</div>"
                + html_table(("variant", "attempts", "runs", "overlapping runs"), rows,
                             highlight=[None if r[3] == 0 else "#fee2e2" for r in rows]))


@dataclass
class OptimisticCheck:
    """A counter every worker adds one to, each landed increment logged: the counter must equal
    the log. ``naive`` read-modify-write loses updates; ``versioned`` retries instead."""

    clients: int
    attempts: int
    runs: dict[str, tuple[int, int]] = field(default_factory=dict)  # variant: (value, logged)

    @property
    def ok(self) -> bool:
        value, logged = self.runs["versioned"]
        return value == logged > 0

    def lost(self, variant: str) -> int:
        value, logged = self.runs[variant]
        return logged - value

    def __str__(self) -> str:
        return "\n".join(f"{v:<10} {self.attempts} attempts: counter {value}, increments "
                         f"logged {logged}, lost {logged - value}, not landed (retry) "
                         f"{self.attempts - logged}"
                         for v, (value, logged) in self.runs.items())

    def _repr_html_(self) -> str:
        rows = [(v, self.attempts, logged, value, logged - value, self.attempts - logged)
                for v, (value, logged) in self.runs.items()]
        return (f"<div><b>Optimistic locking</b> — {self.clients} workers increment one "
                f"counter</div>"
                + html_table(("update", "attempts", "increments logged", "counter",
                              "lost updates", "to retry"), rows,
                             highlight=[None if r[4] == 0 else "#fee2e2" for r in rows]))


def _scratch(dsn: str | None):  # type: ignore[no-untyped-def]
    from pgarch_kit.db.sandbox import scratch_database
    return scratch_database("concurrency", dsn)


def _setup(conn: psycopg.Connection, ddl: str) -> None:
    for statement in ddl.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def job_queue_check(*, clients: int = 8, jobs_per_client: int = 150,
                    dsn: str | None = None) -> QueueCheck:
    """Queue ``clients × jobs_per_client`` jobs and let ``clients`` pgbench workers claim as
    many, once with ``FOR UPDATE SKIP LOCKED`` and once with the naive select-then-update."""
    import psycopg
    check = QueueCheck(clients)
    jobs = clients * jobs_per_client
    with _scratch(dsn) as box:
        for variant, script in job_queue_scripts().items():
            with psycopg.connect(box.dsn, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS job_runs, jobs")
                _setup(conn, JOB_QUEUE_DDL)
                conn.execute("INSERT INTO jobs (payload, run_at) SELECT jsonb_build_object("
                             "'n', g), now() - interval '1 hour' + g * interval '1 ms' "
                             "FROM generate_series(1, %s) g", (jobs,))
                conn.execute("VACUUM ANALYZE jobs")
            run = run_pgbench(box.dsn, [Script(variant, script)], clients=clients,
                              transactions=jobs_per_client, log=False)
            with psycopg.connect(box.dsn, autocommit=True) as conn:
                runs, distinct = conn.execute(
                    "SELECT count(*), count(DISTINCT job_id) FROM job_runs").fetchone()
                left = conn.execute("SELECT count(*) FROM jobs WHERE status = 'queued'"
                                    ).fetchone()[0]
            check.runs[variant] = QueueRun(variant, jobs, runs, distinct, left, run.tps)
    return check


_OVERLAPS = ("SELECT count(*) FROM singleton_runs a JOIN singleton_runs b ON a.id < b.id "
             "AND a.started < b.finished AND b.started < a.finished")


def singleton_check(*, clients: int = 6, attempts_per_client: int = 25,
                    dsn: str | None = None) -> SingletonCheck:
    """Every worker tries the job ``attempts_per_client`` times, with and without
    ``pg_try_advisory_xact_lock``; overlapping runs are counted from their recorded times."""
    import psycopg
    check = SingletonCheck(clients, clients * attempts_per_client)
    with _scratch(dsn) as box:
        for variant, guarded in (("guarded", True), ("unguarded", False)):
            with psycopg.connect(box.dsn, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS singleton_runs")
                _setup(conn, SINGLETON)
            run_pgbench(box.dsn, [Script(variant, singleton_script(guarded=guarded))],
                        clients=clients, transactions=attempts_per_client, log=False)
            with psycopg.connect(box.dsn, autocommit=True) as conn:
                runs = conn.execute("SELECT count(*) FROM singleton_runs").fetchone()[0]
                overlaps = conn.execute(_OVERLAPS).fetchone()[0]
            check.runs[variant] = (runs, overlaps)
    return check


def optimistic_check(*, clients: int = 8, attempts_per_client: int = 200,
                     dsn: str | None = None) -> OptimisticCheck:
    """Every worker adds one to the same counter ``attempts_per_client`` times, naive and
    versioned; the counter is compared with the log of increments that landed."""
    import psycopg
    check = OptimisticCheck(clients, clients * attempts_per_client)
    with _scratch(dsn) as box:
        for variant, script in optimistic_scripts().items():
            with psycopg.connect(box.dsn, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS counters, increments")
                _setup(conn, OPTIMISTIC)
            run_pgbench(box.dsn, [Script(variant, script)], clients=clients,
                        transactions=attempts_per_client, log=False)
            with psycopg.connect(box.dsn, autocommit=True) as conn:
                value = conn.execute("SELECT value FROM counters WHERE id = 1").fetchone()[0]
                logged = conn.execute("SELECT count(*) FROM increments").fetchone()[0]
            check.runs[variant] = (value, logged)
    return check


@dataclass
class HotRun:
    fillfactor: int
    updates: int
    hot: int
    pages_before: int
    pages_after: int

    @property
    def hot_ratio(self) -> float:
        return self.hot / self.updates if self.updates else 0.0

    @property
    def growth(self) -> float:
        return self.pages_after / self.pages_before - 1 if self.pages_before else 0.0


@dataclass
class HotTrial:
    """The same updates on two copies of a loaded table that differ only in fill factor."""

    table: str
    column: str
    rows: int
    advice: HotAdvice
    runs: list[HotRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The lower fill factor gave more HOT updates and no more growth."""
        low, high = min(self.runs, key=lambda r: r.fillfactor), \
            max(self.runs, key=lambda r: r.fillfactor)
        return low.hot_ratio > high.hot_ratio and low.growth <= high.growth

    def __str__(self) -> str:
        head = (f"HOT trial on {self.table} ({self.rows} rows), updating {self.column} "
                f"(in no index):")
        return "\n".join([head] + [
            f"  fillfactor {r.fillfactor:>3}: {r.updates} updates, {r.hot_ratio:.0%} HOT, "
            f"table {r.pages_before} → {r.pages_after} pages (+{r.growth:.0%})"
            for r in self.runs])

    def _repr_html_(self) -> str:
        rows = [(r.fillfactor, r.updates, f"{r.hot_ratio:.0%}", r.pages_before, r.pages_after,
                 f"+{r.growth:.0%}") for r in self.runs]
        return (f"<div><b>HOT updates</b> — {self.rows} rows of {html_text(self.table)}, "
                f"updates of <code>{html_text(self.column)}</code> (in no index): "
                f"{html_text(self.advice.reason)}</div>"
                + html_table(("fillfactor", "updates", "HOT", "pages before", "pages after",
                              "growth"), rows))


def _wait_for_stats(conn: psycopg.Connection, rel: str, expected: int,
                    timeout: float = 10) -> tuple[int, int]:
    """pgbench's backends flush their table counters as they exit, just after pgbench does:
    read until every update is counted."""
    deadline = time.monotonic() + timeout
    while True:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        upd, hot = conn.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                                "WHERE relid = %s::regclass", (rel,)).fetchone()
        if upd >= expected or time.monotonic() > deadline:
            return upd, hot
        time.sleep(0.1)


def hot_trial(design: Design, table: str | None = None, *, scale: float = 0.05,
              updates_per_row: float = 1.0, fillfactors: tuple[int, int] = (100, 90),
              clients: int = 4, seed: int = 0) -> HotTrial:
    """Load ``design`` into its sandbox, copy ``table`` (default: the first update-heavy table
    with a column in no index) at each fill factor, and run the same random single-row updates
    of that column on both. The update sets the column to itself: PostgreSQL still writes a
    new row version, and HOT depends only on whether an indexed value changed. Autovacuum is
    off on the copies so that both see the same conditions: only on-page pruning frees room."""
    import psycopg

    from pgarch_kit.db.load import load
    advice = [a for a in hot_advice(design) if a.free and (table is None or a.table == table)]
    if not advice:
        raise BenchError(f"no update-heavy table with a column outside every index in "
                         f"{design.name!r}" + (f" named {table!r}" if table else "")
                         + " — hot_advice(design) lists what was considered")
    chosen = advice[0]
    t = design.table(chosen.table)
    assert t is not None
    if t.primary_key is None:
        raise BenchError(f"{t.name} has no primary key to pick rows by")
    column = next((c for c in chosen.free if c in ("status", "state", "updated_at")),
                  chosen.free[0])
    loaded = load(design, scale=scale, seed=seed, progress=False, verify=False)
    src = f"{quote_ident(t.schema)}.{quote_ident(t.name)}"
    pk = [quote_ident(c) for c in t.primary_key.columns]
    cols = ", ".join(quote_ident(c.name) for c in t.columns if c.generated is None)
    trial = HotTrial(t.name, column, 0, chosen)
    with psycopg.connect(loaded.dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS pgarch_hot CASCADE")
        conn.execute("CREATE SCHEMA pgarch_hot")
        conn.execute(f"CREATE TABLE pgarch_hot.keys AS SELECT row_number() OVER () AS n, "
                     f"{', '.join(pk)} FROM {src}")
        conn.execute("ALTER TABLE pgarch_hot.keys ADD PRIMARY KEY (n)")
        trial.rows = conn.execute("SELECT count(*) FROM pgarch_hot.keys").fetchone()[0]
        if trial.rows == 0:
            raise BenchError(f"{t.name} is empty at scale {scale}: use a larger scale")
        per_client = max(1, round(trial.rows * updates_per_row / clients))
        for ff in fillfactors:
            rel = f"pgarch_hot.ff{ff}"
            conn.execute(f"CREATE TABLE {rel} (LIKE {src} INCLUDING ALL) "
                         f"WITH (fillfactor = {ff}, autovacuum_enabled = false)")
            conn.execute(f"INSERT INTO {rel} ({cols}) OVERRIDING SYSTEM VALUE "
                         f"SELECT {cols} FROM {src}")
            conn.execute(f"VACUUM (ANALYZE) {rel}")
            before = conn.execute("SELECT pg_relation_size(%s::regclass) / "
                                  "current_setting('block_size')::int", (rel,)).fetchone()[0]
            join = " AND ".join(f"t.{c} = k.{c}" for c in pk)
            script = (f"\\set r random(1, {trial.rows})\n"
                      f"UPDATE {rel} AS t SET {quote_ident(column)} = t.{quote_ident(column)} "
                      f"FROM pgarch_hot.keys AS k WHERE k.n = :r AND {join};\n")
            run_pgbench(loaded.dsn, [Script(f"update_ff{ff}", script)], clients=clients,
                        transactions=per_client, log=False)
            upd, hot = _wait_for_stats(conn, rel, per_client * clients)
            after = conn.execute("SELECT pg_relation_size(%s::regclass) / "
                                 "current_setting('block_size')::int", (rel,)).fetchone()[0]
            trial.runs.append(HotRun(ff, upd, hot, before, after))
        conn.execute("DROP SCHEMA pgarch_hot CASCADE")
    return trial
