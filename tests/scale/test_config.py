"""Configuration and pooling plans (pure): PgTune's numbers, the kit's additions."""
from __future__ import annotations

from pathlib import Path

import pytest

from pgarch_kit.model.serde import load_design, loads_design
from pgarch_kit.scale.config import Machine, Workload, configure, format_kb
from pgarch_kit.scale.pooling import pgbouncer_plan, session_features

ROOT = Path(__file__).resolve().parents[2]


def test_matches_pgtune_for_a_web_server() -> None:
    # PgTune (pgtune.leopard.in.ua), PostgreSQL 18, Linux, web, 16 GB, 4 CPUs, 100
    # connections, SSD
    plan = configure(Machine(16, 4, "ssd"), Workload("web", 100))
    got = {s.name: s.value for s in plan.settings}
    assert got == {
        "max_connections": "100", "shared_buffers": "4GB", "effective_cache_size": "12GB",
        "maintenance_work_mem": "1GB", "checkpoint_completion_target": "0.9",
        "wal_buffers": "16MB", "default_statistics_target": "100", "random_page_cost": "1.1",
        "effective_io_concurrency": "200", "max_worker_processes": "4",
        "max_parallel_workers_per_gather": "2", "max_parallel_workers": "4",
        "max_parallel_maintenance_workers": "2", "work_mem": "40329kB", "min_wal_size": "1GB",
        "max_wal_size": "4GB", "huge_pages": "try", "jit": "off", "wal_compression": "lz4"}
    assert all(s.reason for s in plan.settings)
    assert plan.get("shared_buffers").context == "restart"
    assert plan.get("work_mem").context == "session"


def test_analytics_and_small_machines() -> None:
    dw = {s.name: s.value for s in configure(Machine(64, 32, "nvme"), Workload("dw")).settings}
    assert dw["max_parallel_workers_per_gather"] == "16" and dw["default_statistics_target"] \
        == "500" and "jit" not in dw and dw["autovacuum_max_workers"] == "5"
    assert dw["maintenance_work_mem"] == "8GB" and dw["autovacuum_work_mem"] == "2GB"
    small = {s.name: s.value for s in configure(Machine(2, 2, "hdd")).settings}
    assert "max_worker_processes" not in small and small["random_page_cost"] == "4"
    assert small["work_mem"] == "4MB"  # the floor
    with pytest.raises(ValueError, match="storage must be one of"):
        Machine(8, 2, "floppy")
    assert format_kb(1536) == "1536kB" and format_kb(2048) == "2MB"


def test_big_tables_get_their_own_autovacuum_thresholds() -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    plan = configure(Machine(32, 8), design=design)
    tables = {t.table: t for t in plan.tables}
    assert "orders" in tables and "categories" not in tables
    # orders: 1,000,000 + 24 x 80,000 rows: vacuum after ~50,000 changed rows
    assert "autovacuum_vacuum_scale_factor = 0.0171" in tables["orders"].options
    assert "ALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.0171" in plan.table_sql()


def test_pooling_mode_follows_session_state() -> None:
    saas = load_design(ROOT / "data" / "designs" / "saas.yaml")
    plan = pgbouncer_plan(saas, cores=8)
    assert plan.mode == "transaction" and plan.pool_size == 17
    assert any("SET LOCAL" in w for w in plan.warnings)  # RLS reads app.tenant_id
    assert "pool_mode = transaction" in plan.pgbouncer_ini()
    locked = loads_design("""
name: jobs
routines:
  - name: take_lock
    signature: ''
    definition: |
      CREATE FUNCTION take_lock() RETURNS void LANGUAGE sql
      AS $$ SELECT pg_advisory_lock(42) $$
""")
    assert session_features(locked) and pgbouncer_plan(locked, cores=4).mode == "session"
    measured = pgbouncer_plan(saas, cores=8, knee_clients=4, service_ms=2.0, target_tps=5000)
    assert measured.pool_size == 20  # Little: 5000/s x 2 ms = 10 busy, 2x headroom
