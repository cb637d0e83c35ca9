"""Scaling curves on the real server: a scan grows with the data, a key lookup does not."""
from __future__ import annotations

import json
import secrets

import pytest

from pgarch_kit.bench import BenchError, scaling
from pgarch_kit.bench.scaling import expected_rows, scale_for_rows
from pgarch_kit.db import drop_sandbox
from pgarch_kit.display import scaling_plot

from .conftest import shop


@pytest.fixture
def own_shop(pg_dsn: str):
    """The shop under a name of its own: scaling recreates the design's sandbox."""
    name = f"bench_scaling_{secrets.token_hex(3)}"
    yield shop(**{"name: bench_shop": f"name: {name}"})
    drop_sandbox(name, dsn=pg_dsn)


def test_scale_for_rows_targets_the_largest_table() -> None:
    factor, table = scale_for_rows(shop(), 100_000)
    assert table == "orders" and factor == pytest.approx(5.0)
    assert expected_rows(shop(), "orders") == 20000 + 5000 * 24
    assert expected_rows(shop(**{"    intent: {rows: 2000, growth_per_month: 100}\n": ""}),
                         "customers") is None


def _pages(plan) -> int:
    """Shared pages the plan's top node touched (hit or read), as EXPLAIN (BUFFERS) says."""
    return int(plan.tree.get("Shared Hit Blocks", 0)) + int(plan.tree.get("Shared Read Blocks", 0))


def test_scan_grows_and_lookup_stays_flat(own_shop) -> None:
    curves = scaling(own_shop, rows=[2_000, 20_000, 200_000], queries=["customer_by_id",
                     "revenue_since"], runs=15, warmup=2, progress=False)
    assert [s["orders"] for s in curves.steps] == [2_000, 20_000, 200_000]
    scan, lookup = curves["revenue_since"], curves["customer_by_id"]
    assert scan.table == "orders" and scan.rows == (2_000, 20_000, 200_000)
    assert lookup.table == "customers"
    # 100x the rows: what the server reports (plans and buffers), never wall-clock times,
    # which a busy 2-core CI machine makes noisy. The scan reads at least 10x the pages; the
    # lookup stays an index scan whose pages do not grow with the table.
    scan_pages = [_pages(t.plan) for t in scan.timings]
    lookup_pages = [_pages(t.plan) for t in lookup.timings]
    assert scan_pages[-1] >= 10 * scan_pages[0], scan_pages
    # (a table of one or two pages may be read whole at the first step: that is the planner
    # being right, so the claim starts where an index can pay)
    assert all(any("Index" in n for n in t.plan.node_types) for t in lookup.timings[1:]), \
        [t.plan.node_types for t in lookup.timings]
    assert lookup_pages[-1] <= lookup_pages[1] + 4, lookup_pages
    assert scan.fit is not None and lookup.fit is not None
    assert scan.predict_p95(140_000) == pytest.approx(scan.fit.predict(140_000) * scan.tail)
    # extrapolated to the expected volume (140,000 orders) and reported
    assert scan.expected == 140_000
    assert "p95 ≈" in scan.verdict
    data = curves.to_dict()
    json.dumps(data, default=float)
    assert {c["pattern"] for c in data["curves"]} == {"customer_by_id", "revenue_since"}
    assert scaling_plot(curves).png()[:4] == b"\x89PNG"
    assert "<table" in curves._repr_html_() and "revenue_since" in curves._repr_html_()


def test_scaling_needs_two_steps_and_one_kind_of_step() -> None:
    with pytest.raises(BenchError, match="either rows"):
        scaling(shop(), rows=[10], scales=[1])
    with pytest.raises(BenchError, match="at least two"):
        scaling(shop(), rows=[1000])
