"""Concurrency patterns, generated for the design: a job queue, singleton work, optimistic
locking, and HOT-friendly fill factors — each with the naive version it replaces, because the
evidence (:mod:`pgarch_kit.bench.concurrency`) runs both under concurrent pgbench clients.

* **Job queue** — ``FOR UPDATE SKIP LOCKED``: each worker claims the oldest queued job no other
  worker holds, processes and marks it in one transaction; the naive ``SELECT`` then
  ``UPDATE`` lets two workers take the same job.
* **Singleton work** — ``pg_try_advisory_xact_lock(key)``: of all the workers that try, one
  runs the job at a time, without a lock table; released at commit.
* **Optimistic locking** — a ``version`` column: ``UPDATE … SET …, version = version + 1 WHERE
  id = :id AND version = :read_version``; zero rows updated means someone else changed the row
  first (retry), where the naive read-modify-write silently loses their update.
* **HOT updates** — an update that touches no indexed column (INCLUDE columns count) can stay
  on the same page without new index entries, if the page has room: update-heavy tables get
  ``fillfactor = 90`` — and a table whose every column is indexed is said to never get HOT
  updates at all.

Pure: SQL and pgbench scripts as text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.design import Design, Table
from ..model.names import quote_ident
from ..model.query import query_shape

__all__ = ["HotAdvice", "JOB_QUEUE_DDL", "OPTIMISTIC", "SINGLETON", "hot_advice",
           "job_queue_scripts", "optimistic_scripts", "singleton_script"]

JOB_QUEUE_DDL = """CREATE TABLE jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue text NOT NULL DEFAULT 'default',
    payload jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    run_at timestamptz NOT NULL DEFAULT now(),
    done_at timestamptz
);
-- only queued jobs are ever searched: a small partial index, in claim order
CREATE INDEX jobs_claimable ON jobs (queue, run_at, id) WHERE status = 'queued';
CREATE TABLE job_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id bigint NOT NULL REFERENCES jobs (id),
    worker integer NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);"""

_CLAIM = """WITH claimed AS (
    UPDATE jobs SET status = 'done', done_at = now(), attempts = attempts + 1
    WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND queue = 'default'
                AND run_at <= now() ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT 1)
    RETURNING id)
INSERT INTO job_runs (job_id, worker) SELECT id, :client_id FROM claimed"""

_NAIVE_CLAIM = """SELECT id AS job FROM jobs WHERE status = 'queued'
    ORDER BY run_at, id LIMIT 1 \\gset
UPDATE jobs SET status = 'done', done_at = now(), attempts = attempts + 1 WHERE id = :job;
INSERT INTO job_runs (job_id, worker) VALUES (:job, :client_id);"""


def job_queue_scripts() -> dict[str, str]:
    """pgbench scripts, one job per transaction: ``skip_locked`` and the ``naive`` claim."""
    claim = " ".join(_CLAIM.split())
    return {"skip_locked": f"{claim};\n", "naive": f"BEGIN;\n{_NAIVE_CLAIM}\nCOMMIT;\n"}


SINGLETON = """CREATE TABLE singleton_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker integer NOT NULL,
    started timestamptz NOT NULL,
    finished timestamptz NOT NULL
);"""


def singleton_script(key: int = 4242, guarded: bool = True) -> str:
    """pgbench: every client tries the nightly job; with ``guarded`` only the holder of the
    advisory lock runs it (the run is recorded with its start and end)."""
    run = ("SELECT clock_timestamp() AS started \\gset\nSELECT pg_sleep(0.002);\n"
           "INSERT INTO singleton_runs (worker, started, finished) "
           "VALUES (:client_id, CAST(:started AS timestamptz), clock_timestamp());\n")
    if not guarded:
        return f"BEGIN;\n{run}COMMIT;\n"
    return (f"BEGIN;\nSELECT pg_try_advisory_xact_lock({key}) AS got \\gset\n\\if :got\n"
            f"{run}\\endif\nCOMMIT;\n")


OPTIMISTIC = """CREATE TABLE counters (
    id integer PRIMARY KEY,
    value bigint NOT NULL DEFAULT 0,
    version integer NOT NULL DEFAULT 0
);
CREATE TABLE increments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    counter_id integer NOT NULL,
    worker integer NOT NULL
);
INSERT INTO counters (id) VALUES (1);"""


def optimistic_scripts() -> dict[str, str]:
    """pgbench scripts that each add one to a counter and log the increment: ``naive``
    read-modify-write, and ``versioned`` (the update only lands on the version it read, and
    only a landed update is logged)."""
    naive = ("BEGIN;\nSELECT value FROM counters WHERE id = 1 \\gset\n"
             "UPDATE counters SET value = :value + 1 WHERE id = 1;\n"
             "INSERT INTO increments (counter_id, worker) VALUES (1, :client_id);\nCOMMIT;\n")
    versioned = ("SELECT value, version FROM counters WHERE id = 1 \\gset\n"
                 "WITH landed AS (UPDATE counters SET value = :value + 1, version = version + 1 "
                 "WHERE id = 1 AND version = :version RETURNING id) "
                 "INSERT INTO increments (counter_id, worker) SELECT id, :client_id "
                 "FROM landed;\n")
    return {"naive": naive, "versioned": versioned}


@dataclass(frozen=True)
class HotAdvice:
    table: str
    indexed: tuple[str, ...]           # columns in some index (keys, INCLUDE, predicates)
    free: tuple[str, ...]              # columns an update may change and stay HOT
    fillfactor: int | None             # proposed
    reason: str
    brin_only: tuple[str, ...] = ()    # free from PostgreSQL 16 on (BRIN is summarizing)

    def sql(self) -> str:
        """The storage change, or a comment saying why there is none."""
        if self.fillfactor is None:
            return f"-- {self.table}: no fillfactor change ({self.reason})"
        return (f"ALTER TABLE {quote_ident(self.table)} SET (fillfactor = {self.fillfactor});"
                f"  -- new pages only: VACUUM FULL or pg_repack rewrites the old ones")


def _indexed_columns(t: Table, *, summarizing: bool = False) -> set[str]:
    """Columns in a B-tree/GIN/GiST/hash index (keys, INCLUDE, predicate) — or, with
    ``summarizing``, those in BRIN indexes, which stop blocking HOT from PostgreSQL 16."""
    cols: set[str] = set()
    keys = [t.primary_key.columns] if t.primary_key and not summarizing else []
    keys += [u.columns for u in t.uniques] if not summarizing else []
    for k in keys:
        cols |= set(k)
    names = {c.name for c in t.columns}
    for i in t.indexes:
        if (i.method == "brin") != summarizing:
            continue
        for k in i.keys:
            cols |= ({k.column} if not k.expression else
                     set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", k.column)) & names)
        cols |= set(i.include)
        if i.where:
            cols |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", i.where)) & names
    return cols


def hot_advice(design: Design) -> list[HotAdvice]:
    """For each table that looks update-heavy (a status column, an ``updated_at``, or an
    UPDATE query pattern): which columns can change without breaking HOT, and a fill factor
    leaving room on each page for the new row versions."""
    updated = {w.relation.name for q in design.queries for w in query_shape(q.sql).writes_to
               if w.verb == "UPDATE"}
    out = []
    for t in design.tables:
        if t.partition_by is not None:
            continue
        heavy = (t.name in updated or t.column("updated_at") is not None
                 or any(c.name in ("status", "state") for c in t.columns))
        if not heavy:
            continue
        indexed = _indexed_columns(t)
        brin = tuple(sorted(_indexed_columns(t, summarizing=True) - indexed))
        free = tuple(c.name for c in t.columns if c.name not in indexed and c.name not in brin)
        if not free and not brin:
            reason = ("every column is in an index (keys, INCLUDE or a predicate): no update "
                      "of this table can be HOT, each writes new index entries; move rarely "
                      "searched columns out of INCLUDE lists if updates dominate")
            out.append(HotAdvice(t.name, tuple(sorted(indexed)), (), None, reason))
            continue
        changeable = ", ".join(free + tuple(f"{b} (PostgreSQL 16+: only BRIN-indexed)"
                                            for b in brin))
        reason = (f"updates that change only {changeable} can be HOT (no new index "
                  f"entries) when the page has room: fillfactor 90 leaves 10% of each page "
                  f"for them")
        out.append(HotAdvice(t.name, tuple(sorted(indexed)), free, 90, reason, brin))
    return out
