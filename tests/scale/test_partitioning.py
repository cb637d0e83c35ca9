"""Partition plans (pure) and the partitioned variant's DDL on PostgreSQL 18 and 15."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg

from pgarch_kit.db import apply_sql
from pgarch_kit.ddl import to_sql
from pgarch_kit.model.serde import load_design, loads_design
from pgarch_kit.model.validate import validate
from pgarch_kit.scale.partitioning import partition_plan, partitioned_design

ROOT = Path(__file__).resolve().parents[2]
ECOMMERCE = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")


def test_big_or_expiring_tables_are_planned() -> None:
    big = loads_design("""
name: big
tables:
  - name: clicks
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: clicked_at, type: timestamptz, nullable: false}
    primary_key: [id]
    intent: {rows: 5000000, growth_per_month: 1000000}
  - name: sessions
    columns:
      - {name: id, type: uuid, nullable: false}
      - {name: tenant_id, type: bigint, nullable: false}
    primary_key: [id]
    intent: {rows: 80000000, tenant_key: tenant_id}
  - name: small
    columns: [{name: id, type: bigint, identity: always}]
    primary_key: [id]
    intent: {rows: 1000, retention_months: 6}
""")
    plans = {p.table: p for p in partition_plan(big)}
    assert (plans["clicks"].strategy, plans["clicks"].key) == ("range", "clicked_at")
    assert (plans["sessions"].strategy, plans["sessions"].key) == ("hash", "tenant_id")
    assert plans["sessions"].modulus == 8      # 80M rows at ~20M a partition
    assert "small" not in plans               # retention, but no time column to cut by
    assert partition_plan(ECOMMERCE) == []    # nothing there needs it at its volumes


def test_variant_extends_keys_and_drops_foreign_keys_to_it() -> None:
    (plan,) = partition_plan(ECOMMERCE, tables=["orders"])
    assert any("(id, placed_at)" in c for c in plan.consequences)
    assert any(c.startswith("order_items.(order_id) references orders") for c in plan.consequences)
    v = partitioned_design(ECOMMERCE, [plan], start=date(2025, 11, 1), end=date(2026, 2, 1))
    assert validate(v) == []
    orders = v.table("orders")
    assert orders.primary_key.columns == ("id", "placed_at")
    assert orders.partition_by.keys == ("placed_at",)
    parts = [t for t in v.tables if t.partition_of == "orders"]
    assert [t.name for t in parts] == ["orders_2025_11", "orders_2025_12", "orders_2026_01",
                                       "orders_default"]
    assert parts[1].partition_bound == "FOR VALUES FROM ('2025-12-01') TO ('2026-01-01')"
    assert all(fk.ref_table != "orders" for fk in v.table("order_items").foreign_keys)
    assert "partman.create_parent" in plan.partman_sql()
    assert "CREATE TABLE IF NOT EXISTS" in plan.maintenance_sql()


def test_variant_ddl_applies(fresh_db_any: str) -> None:
    plans = partition_plan(ECOMMERCE, tables=["orders", "order_items"])
    v = partitioned_design(ECOMMERCE, plans, start=date(2025, 1, 1), end=date(2025, 4, 1))
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        apply_sql(conn, to_sql(v, server_version=conn.info.server_version))
        kinds = dict(conn.execute("SELECT relname, relkind FROM pg_class WHERE relname IN "
                                  "('orders', 'order_items', 'orders_2025_02', "
                                  "'order_items_p3')").fetchall())
        assert kinds == {"orders": "p", "order_items": "p", "orders_2025_02": "r",
                         "order_items_p3": "r"}
        # the maintenance block creates the coming months' partitions, twice without error
        for _ in range(2):
            conn.execute(plans[0].maintenance_sql().split("-- orders: retention")[0])
        created = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                               "'orders'::regclass").fetchone()[0]
        assert created >= 3 + 1 + 3
