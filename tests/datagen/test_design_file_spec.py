"""Generator overrides written in the design file (``generate:``) reach the data, and Python
arguments still win over them."""
from __future__ import annotations

import numpy as np
import pytest

from pgarch_kit.datagen import Zipf, plan, preview
from pgarch_kit.datagen.plan import parse_fanout
from pgarch_kit.model.serde import loads_design

DESIGN = """
name: spec
tables:
  - name: customers
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: country, type: text, nullable: false}
      - {name: nickname, type: text}
    primary_key: [id]
  - name: orders
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: customer_id, type: bigint, nullable: false}
    primary_key: [id]
    foreign_keys: [{columns: [customer_id], references: {table: customers, columns: [id]}}]
generate:
  values: {customers.country: [DE, FR, NL]}
  null_ratios: {customers.nickname: 1.0}
  fanout: {orders.customer_id: zipf 1.5}
"""


def test_design_file_values_null_ratios_and_fanout() -> None:
    design = loads_design(DESIGN)
    dp = plan(design, rows={"customers": 200, "orders": 2000}, seed=3)
    rows = preview(dp, "customers", 200)
    assert set(rows["country"]) <= {"DE", "FR", "NL"} and len(set(rows["country"])) == 3
    assert rows["nickname"].isna().all()
    assert isinstance(dp.tables["orders"].fk_dist[0], Zipf)
    counts = np.bincount(preview(dp, "orders", 2000)["customer_id"].astype(int))
    assert counts.max() > 10 * np.median(counts[counts > 0])   # a few very popular customers


def test_python_arguments_win_over_the_design_file() -> None:
    dp = plan(loads_design(DESIGN), rows={"customers": 50, "orders": 1}, seed=3,
              overrides={"customers.country": ["SE"]})
    assert set(preview(dp, "customers", 50)["country"]) == {"SE"}


def test_fanout_spelling_errors_are_explained() -> None:
    assert parse_fanout("fixed 3").per_parent == 3
    with pytest.raises(ValueError, match=r"zipf 1\.2"):
        parse_fanout("poisson")
