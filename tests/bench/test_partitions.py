"""Partition pruning and retention on a loaded partitioned variant (a real server)."""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

from pgarch_kit.bench.partitions import partition_evidence
from pgarch_kit.db import drop_sandbox
from pgarch_kit.model.edit import add_query
from pgarch_kit.model.serde import load_design
from pgarch_kit.scale.partitioning import partition_plan

ROOT = Path(__file__).resolve().parents[2]


def test_pruning_and_retention(pg_dsn: str) -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    design = replace(design, name=f"test_parts_{secrets.token_hex(3)}")
    design = add_query(design, "day_of_orders", "SELECT count(*) FROM orders WHERE placed_at "
                       ">= :since AND placed_at < :since + interval '1 day'")
    plans = partition_plan(design, tables=["orders"])
    try:
        ev = partition_evidence(design, plans, scale=0.02)
    finally:
        drop_sandbox(design.name + "_partitioned", dsn=pg_dsn)
    by_query = {p.query: p for p in ev.pruning}
    total = by_query["one month (June 2025)"].total
    assert total == 25  # 24 months and the default
    # a query on the partition key reads one partition; one without it reads them all
    assert by_query["one month (June 2025)"].scanned == ("orders_2025_06",)
    assert len(by_query["day_of_orders"].scanned) == 1
    assert not by_query["recent_orders_of_customer"].pruned
    r = ev.retention
    assert r["rows_deleted"] > 0 and r["rows_dropped"] > 0
    assert r["deleted_partition"] != r["dropped_partition"]
    assert r["delete_s"] > 0 and r["drop_s"] > 0
    assert "Partition pruning" in ev._repr_html_()
