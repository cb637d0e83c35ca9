"""The capacity estimate against a real synthetic load: every heap, table total and B-tree
of the e-commerce sample within ±15% of what PostgreSQL reports (or within four pages)."""
from __future__ import annotations

import secrets
from pathlib import Path

from pgarch_kit.bench.capacity import capacity_check
from pgarch_kit.db import drop_sandbox
from pgarch_kit.model.serde import load_design

ROOT = Path(__file__).resolve().parents[2]


def test_estimates_match_the_server_within_15_percent(pg_dsn: str) -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    from dataclasses import replace
    design = replace(design, name=f"test_capacity_{secrets.token_hex(3)}")
    try:
        check = capacity_check(design, scale=0.05, sample=5000)
    finally:
        drop_sandbox(design.name, dsn=pg_dsn)
    measured = {(r["object"], r["kind"]) for r in check.rows}
    assert ("orders", "heap") in measured and ("orders_customer_placed", "btree") in measured
    assert ("order_items_pkey", "btree") in measured and ("customers", "total") in measured
    assert all(r["measured"] > 0 for r in check.rows)
    assert check.outside(0.15) == [], str(check)
    # GIN estimates are rough and said to be
    assert {r["kind"] for r in check.rows if r["object"] == "products_attributes"} == {"gin~"}
