"""The sample designs in data/designs/ load cleanly, validate, and round-trip byte-stably."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgarch_kit.model.serde import dump_design, load_design, loads_design, save_design
from pgarch_kit.model.validate import validate

DESIGNS = Path(__file__).resolve().parents[2] / "data" / "designs"
SAMPLES = sorted(DESIGNS.glob("*.yaml"))


def test_the_three_samples_exist() -> None:
    assert {p.stem for p in SAMPLES} >= {"ecommerce", "saas", "timeseries"}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_loads_validates_and_round_trips(path: Path, tmp_path: Path) -> None:
    design = load_design(path)
    assert validate(design) == []
    text = dump_design(design)
    assert loads_design(text) == design
    out = tmp_path / path.name
    save_design(design, out)
    first = out.read_bytes()
    save_design(load_design(out), out)
    assert out.read_bytes() == first
    assert os.listdir(tmp_path) == [path.name]


def test_samples_show_what_they_promise() -> None:
    shop = load_design(DESIGNS / "ecommerce.yaml")
    assert {e.name for e in shop.extensions} == {"citext"}
    products = shop.table("products")
    assert any(ix.method == "gin" for ix in products.indexes)
    orders = shop.table("orders")
    assert orders.intent.audit and any(ix.where for ix in orders.indexes)
    assert any(ix.include for ix in orders.indexes)
    assert shop.table("customers").intent.soft_delete == "deleted_at"

    saas = load_design(DESIGNS / "saas.yaml")
    assert saas.roles == ("app_user",)
    for t in saas.tables:
        assert t.rls_enabled and t.policies
        assert "current_setting('app.tenant_id')" in t.policies[0].using
    assert any(len(fk.columns) == 2 for fk in saas.table("tasks").foreign_keys)

    ts = load_design(DESIGNS / "timeseries.yaml")
    metrics = ts.table("metrics")
    assert metrics.partition_by.strategy == "range"
    assert "recorded_at" in metrics.primary_key.columns
    parts = [t for t in ts.tables if t.partition_of == "metrics"]
    assert len(parts) == 4 and any(t.partition_bound == "DEFAULT" for t in parts)
    assert any(ix.method == "brin" for ix in metrics.indexes)
    assert ts.views[0].materialized
