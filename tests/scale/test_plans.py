"""Sharding proposals, the runbook and the whole scale plan (pure)."""
from __future__ import annotations

from pathlib import Path

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import load_design
from pgarch_kit.scale import Machine, runbook, scale_plan, sharding_plan

ROOT = Path(__file__).resolve().parents[2]


def _design(name: str):
    return load_design(ROOT / "data" / "designs" / f"{name}.yaml")


def test_sharding_by_tenant_key_is_ready_for_citus() -> None:
    plan = sharding_plan(_design("saas"))
    assert plan.distributed == {"tenants": "id", "users": "tenant_id",
                                "projects": "tenant_id", "tasks": "tenant_id"}
    assert "SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'tenants');" \
        in plan.sql()
    findings = lint(plan.design, select=["citus-distribution-key-missing"]).findings
    assert not findings  # the sample keeps tenant_id in every key and foreign key


def test_sharding_without_tenant_key_finds_the_root_and_the_blockers() -> None:
    plan = sharding_plan(_design("ecommerce"))
    assert plan.root == "orders" and plan.distributed["order_items"] == "order_id"
    assert {"categories", "products", "customers"} <= set(plan.reference)
    sql = plan.sql()
    assert sql.index("create_reference_table") < sql.index("create_distributed_table")
    findings = lint(plan.design, select=["citus-distribution-key-missing"]).findings
    assert {f.table for f in findings} == {"payments"}  # PK (id) and UNIQUE (provider_ref)


def test_runbook_is_sized_to_the_design() -> None:
    book = runbook(_design("timeseries"), size_bytes=200 * 1024 ** 3)
    text = book.markdown()
    assert "wal_keep_size" in text and "recovery_target_time" in text
    assert "pg_stat_replication" in text and "alert when" in text
    assert "route to replicas: daily_chart" in text  # not critical: may read a replica
    assert "keep on the primary: latest_readings_of_device" in text


def test_whole_plan_orders_now_before_later() -> None:
    plan = scale_plan(_design("saas"), Machine(32, 8))
    now, later = plan.must_now(), plan.later()
    assert any("row-level security on 4 tenant tables" in x for x in now)
    assert any(x.startswith("PgBouncer in transaction mode") for x in now)
    assert any("Citus" in x for x in later)
    data = plan.to_dict()
    assert data["tenancy"]["tasks"] == "tenant_id"
    assert data["capacity"]["10x"]["total_bytes"] > data["capacity"]["horizon"]["total_bytes"] \
        > data["capacity"]["now"]["total_bytes"]
