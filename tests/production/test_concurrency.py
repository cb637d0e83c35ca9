"""Concurrency patterns under concurrent pgbench clients, each against its naive version:
the counts in the database afterwards are what would expose a wrong pattern."""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.bench.concurrency import (
    hot_trial,
    job_queue_check,
    optimistic_check,
    singleton_check,
)
from pgarch_kit.db import drop_sandbox
from pgarch_kit.model.serde import load_design, loads_design
from pgarch_kit.production import hot_advice

ROOT = Path(__file__).resolve().parents[2]


def _shop():
    return load_design(ROOT / "data" / "designs" / "ecommerce.yaml")


def test_hot_advice_separates_indexed_from_free_columns() -> None:
    advice = {a.table: a for a in hot_advice(_shop())}
    # every column of orders sits in some index (keys, INCLUDE, a partial index's WHERE)
    assert advice["orders"].free == () and advice["orders"].fillfactor is None
    assert "status" in advice["orders"].indexed
    assert set(advice["payments"].free) == {"amount", "status", "created_at"}
    assert "SET (fillfactor = 90)" in advice["payments"].sql()
    assert "no fillfactor change" in advice["orders"].sql()


def test_brin_only_columns_stay_hot_from_postgresql_16() -> None:
    design = loads_design("""
name: events
tables:
  - name: events
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: status, type: text, nullable: false}
      - {name: created_at, type: timestamptz, nullable: false}
    primary_key: [id]
    indexes:
      - {name: events_created_brin, keys: [created_at], method: brin}
      - {name: events_status, keys: [status]}
""")
    (advice,) = hot_advice(design)
    assert advice.brin_only == ("created_at",) and advice.free == ()
    assert advice.fillfactor == 90 and "BRIN" in advice.reason


@pytest.fixture(params=["pg18", pytest.param("pg15", marks=pytest.mark.pg15)])
def server(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("pg_dsn" if request.param == "pg18" else "pg15_dsn")


def test_skip_locked_processes_every_job_exactly_once(server: str) -> None:
    check = job_queue_check(clients=6, jobs_per_client=60, dsn=server)
    good, naive = check.runs["skip_locked"], check.runs["naive"]
    assert check.ok, str(check)
    assert (good.distinct, good.duplicates, good.left) == (360, 0, 0)
    # the naive select-then-update hands the same job to several workers
    assert naive.duplicates > 0 and naive.left == naive.duplicates
    assert "processed twice" in check._repr_html_()


def test_advisory_lock_keeps_singleton_runs_apart(server: str) -> None:
    check = singleton_check(clients=5, attempts_per_client=15, dsn=server)
    runs, overlaps = check.runs["guarded"]
    assert check.ok and runs >= 1 and overlaps == 0
    assert check.runs["unguarded"] == (75, check.runs["unguarded"][1])
    assert check.runs["unguarded"][1] > 0, "without the lock, runs overlap"


def test_version_column_loses_no_update(server: str) -> None:
    check = optimistic_check(clients=6, attempts_per_client=100, dsn=server)
    value, logged = check.runs["versioned"]
    assert check.ok and value == logged > 0
    assert check.lost("naive") > 0, "read-modify-write loses increments under concurrency"
    assert check.runs["naive"][1] == 600    # every naive attempt 'succeeded'


def test_a_lower_fillfactor_gives_more_hot_updates_and_less_growth(pg_dsn: str) -> None:
    design = replace(_shop(), name=f"test_hot_{secrets.token_hex(3)}")
    try:
        trial = hot_trial(design, scale=0.01, updates_per_row=1.0)
    finally:
        drop_sandbox(f"pgarch_{design.name}", dsn=pg_dsn)
    ff100, ff90 = sorted(trial.runs, key=lambda r: -r.fillfactor)
    assert trial.table == "payments" and trial.column == "status"
    assert ff100.updates == ff90.updates >= trial.rows - 4     # pgbench rounds per client
    assert trial.ok, str(trial)
    assert ff90.hot_ratio > 0.95 and ff90.growth <= ff100.growth
    assert ff100.pages_before < ff90.pages_before     # the price: 10% emptier pages up front


def test_the_job_queue_ddl_is_accepted_with_its_partial_index(server: str) -> None:
    from pgarch_kit.db.sandbox import scratch_database
    from pgarch_kit.production import JOB_QUEUE_DDL
    with scratch_database("queue_ddl", server) as box, \
            psycopg.connect(box.dsn, autocommit=True) as conn:
        for statement in JOB_QUEUE_DDL.split(";\n"):
            conn.execute(statement)
        conn.execute("INSERT INTO jobs (payload) SELECT '{}' FROM generate_series(1, 2000)")
        conn.execute("UPDATE jobs SET status = 'done' WHERE id <= 1990")
        conn.execute("VACUUM ANALYZE jobs")
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM jobs WHERE status = 'queued' AND queue = 'default' "
            "AND run_at <= now() ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT 1"))
        assert "jobs_claimable" in plan
