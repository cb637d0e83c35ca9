"""Configuration plans on real servers: every setting accepted (and in force after a
restart) by PostgreSQL 18 and 15, and the per-session ones tried on a sandbox."""
from __future__ import annotations

import psycopg
import pytest

from pgarch_kit.bench.settings import server_choices, try_settings
from pgarch_kit.db import Server, find_pg15_bin
from pgarch_kit.scale.config import Machine, Workload, configure

SERVERS = [pytest.param(None, id="pg18"),
           pytest.param("15", id="pg15", marks=pytest.mark.pg15)]


@pytest.mark.parametrize("version", SERVERS)
def test_every_setting_is_accepted_and_in_force_after_a_restart(version) -> None:
    bin_dir = None
    if version == "15":
        bin_dir = find_pg15_bin()
        if bin_dir is None:
            pytest.skip("PostgreSQL 15 binaries not installed")
    server = Server.temporary(bin_dir=bin_dir)
    try:
        server.ensure_started()
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            major = conn.info.server_version // 10000
            plan = configure(Machine(4, 4), Workload("web", 60), server_version=major,
                             choices=server_choices(conn))
            for statement in plan.alter_system().splitlines():
                conn.execute(statement)  # PostgreSQL validates names, units and ranges here
        server.restart()
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            for s in plan.settings:
                shown = conn.execute(f"SHOW {s.name}").fetchone()[0]
                assert shown == s.value, (s.name, shown, s.value)
    finally:
        server.destroy()


def test_session_settings_are_tried_and_put_back(loaded_shop) -> None:
    plan = configure(Machine(8, 4), Workload("web", 50), design=loaded_shop.design)
    trial = try_settings(loaded_shop.design, plan, dsn=loaded_shop.dsn, runs=5)
    applied = {name for name, _before, _after in trial.applied}
    assert {"work_mem", "random_page_cost", "effective_cache_size", "jit"} <= applied
    skipped = {name: why for name, _value, why in trial.skipped}
    assert "restart" in skipped["shared_buffers"] and "reload" in skipped["max_wal_size"]
    assert {t.pattern for t in trial.after} == {t.pattern for t in trial.before} \
        == {q.name for q in loaded_shop.design.queries}
    assert "median before" in trial.frame().columns and "Settings tried" in trial._repr_html_()
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        left = conn.execute(
            "SELECT unnest(setconfig) FROM pg_db_role_setting s JOIN pg_database d "
            "ON d.oid = s.setdatabase WHERE d.datname = current_database()").fetchall()
    # nothing is left: every tried setting was reset
    assert left == []
