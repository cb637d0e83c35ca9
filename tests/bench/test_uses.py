"""What each parameter is compared with, read by PostgreSQL's parser (pure)."""
from __future__ import annotations

import pytest

from pgarch_kit.bench.uses import param_uses, sample_source, writes


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT id FROM customers c WHERE lower(c.email) = lower(:email)",
     {"email": ("=", "c", "lower(c.email)", True, False)}),
    ("SELECT * FROM orders WHERE placed_at >= :since AND placed_at < :since + interval '1 day'",
     {"since": (">=", None, "placed_at", False, False)}),
    ("SELECT id FROM products WHERE attributes @> :f AND name ILIKE '%' || :q || '%'",
     {"f": ("@>", None, "attributes", False, False), "q": ("ILIKE", None, "name", True, True)}),
    ("SELECT * FROM t WHERE id = ANY(:ids) AND x BETWEEN :lo AND :hi AND y IN (:y1, :y2)",
     {"ids": ("ANY", None, "id", False, False), "lo": ("BETWEEN", None, "x", False, False),
      "hi": ("BETWEEN", None, "x", False, False), "y1": ("IN", None, "y", False, False),
      "y2": ("IN", None, "y", False, False)}),
    ("UPDATE orders SET status = :s WHERE id = :id",
     {"s": ("SET", "orders", "status", False, False), "id": ("=", None, "id", False, False)}),
    ("INSERT INTO t (a, b) VALUES (:a, :b)",
     {"a": ("INSERT", "t", "a", False, False), "b": ("INSERT", "t", "b", False, False)}),
    ("SELECT * FROM docs WHERE search @@ plainto_tsquery('english', :q) LIMIT :n",
     {"q": ("@@", None, "search", True, False), "n": ("LIMIT", None, None, False, False)}),
])
def test_param_uses(sql: str, expected: dict) -> None:
    uses, _ = param_uses(sql)
    got = {n: (u.op, u.relation, u.expr, u.wrapped, u.wildcards) for n, u in uses.items()}
    assert got == expected


def test_a_comparison_says_more_than_a_limit() -> None:
    uses, _ = param_uses("SELECT * FROM t WHERE n = :n LIMIT :n")
    assert uses["n"].op == "="


def test_unplaceable_parameter_is_absent() -> None:
    uses, _ = param_uses("SELECT :x + 1")
    assert "x" not in uses


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


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT 1", False), ("SELECT * FROM t FOR UPDATE SKIP LOCKED", True),
    ("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", True),
    ("UPDATE t SET a = 1", True), ("INSERT INTO t VALUES (1)", True),
])
def test_writes(sql: str, expected: bool) -> None:
    assert writes(sql) is expected
