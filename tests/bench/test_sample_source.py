"""Where a pattern's parameters are sampled together: its own FROM, rewritten with
TABLESAMPLE (pure). What each parameter is compared with is pinned in
tests/model/test_query.py, with the rest of the query-pattern reading."""
from __future__ import annotations

from pgarch_kit.bench.sample_source import sample_source


def test_sample_source_keeps_joins_and_parameter_free_conditions() -> None:
    src = sample_source("SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id "
                        "WHERE i.product_id = :p AND o.status = 'paid' AND o.id > :x")
    assert src is not None
    assert src.aliases == {"o": (None, "orders"), "i": (None, "order_items")}
    assert src.where == "(o.status = 'paid')"
    text = src.from_sql({"i": (1.5, 7)})
    assert "order_items AS i TABLESAMPLE bernoulli(1.500000) REPEATABLE (7)" in text
    assert "ON i.order_id = o.id" in text
    assert sample_source("SELECT * FROM (SELECT 1) s") is None
    assert sample_source("INSERT INTO t (a) VALUES (:a)") is None
    assert sample_source("SELECT FROM WHERE") is None       # refused by the parser
