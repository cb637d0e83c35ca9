"""Print how fast datagen renders COPY text: 1M rows of the ecommerce orders table.

Run: ``.venv/bin/python benchmarks/datagen_generate.py``. Not a timed test: it prints
rows/s and MB/s so a regression is visible, nothing asserts on it.
"""
from __future__ import annotations

import time
from pathlib import Path

from pgarch_kit.datagen import batches, plan
from pgarch_kit.model.serde import load_design

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    data_plan = plan(design, rows={"orders": 1_000_000}, seed=0)
    began = time.perf_counter()
    size = sum(len(chunk) for chunk in batches(data_plan, "orders", batch_rows=100_000))
    took = time.perf_counter() - began
    rows = data_plan.rows("orders")
    print(f"orders: {rows:,} rows, {size / 1e6:.1f} MB of COPY text in {took:.2f}s "
          f"= {rows / took:,.0f} rows/s, {size / 1e6 / took:.1f} MB/s")


if __name__ == "__main__":
    main()
