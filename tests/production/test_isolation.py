"""Isolation levels: the advice for write patterns (pure), and write skew reproduced on loaded
data under READ COMMITTED and REPEATABLE READ, and fixed by SERIALIZABLE with a retry and by
a partial unique index."""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.bench.isolation import write_skew_demo
from pgarch_kit.bench.target import BenchError
from pgarch_kit.db import apply_sql, drop_sandbox
from pgarch_kit.ddl import to_sql
from pgarch_kit.model import Index, IndexKey, edit
from pgarch_kit.model.serde import load_design
from pgarch_kit.production import Invariant, isolation_plan, suggest_invariants

ROOT = Path(__file__).resolve().parents[2]
PENDING = Invariant("orders", ("customer_id",), "status = 'pending'")


def _shop():
    return load_design(ROOT / "data" / "designs" / "ecommerce.yaml")


@pytest.mark.parametrize(("sql", "kind", "level"), [
    ("INSERT INTO orders (customer_id) SELECT :c WHERE NOT EXISTS "
     "(SELECT 1 FROM orders WHERE customer_id = :c AND status = 'pending')",
     "check, then insert", "SERIALIZABLE"),
    ("UPDATE orders SET status = 'paid' WHERE id = :id AND status = 'pending'",
     "compare-and-set", "READ COMMITTED"),
    ("UPDATE products SET price = price * 1.1 WHERE id = :id", "atomic update",
     "READ COMMITTED"),
    ("UPDATE customers SET full_name = :name WHERE id = :id", "blind write", "READ COMMITTED"),
    ("SELECT total FROM orders WHERE id = :id; UPDATE orders SET total = :t WHERE id = :id",
     "read, then write the same rows", "REPEATABLE READ"),
    ("SELECT total FROM orders WHERE id = :id FOR UPDATE; "
     "UPDATE orders SET total = :t WHERE id = :id", "locked read, then write", "READ COMMITTED"),
    ("INSERT INTO customers (email, full_name) VALUES (:e, :n) ON CONFLICT DO NOTHING",
     "upsert", "READ COMMITTED"),
    ("SELECT count(*) FROM orders; SELECT sum(amount) FROM payments", "several reads",
     "REPEATABLE READ"),
    ("UPDATE orders SET status = 'cancelled' WHERE id = :id AND NOT EXISTS (SELECT 1 FROM "
     "payments p WHERE p.order_id = orders.id)", "write decided by a subquery", "SERIALIZABLE"),
])
def test_write_patterns_get_the_lowest_safe_level(sql: str, kind: str, level: str) -> None:
    design = edit.add_query(_shop(), "p", sql)
    (advice,) = [a for a in isolation_plan(design, []).advice if a.subject == "p"]
    assert (advice.kind, advice.level) == (kind, level)


def test_rules_are_suggested_from_status_columns_and_known_when_enforced() -> None:
    design = _shop()
    assert PENDING in suggest_invariants(design)
    plan = isolation_plan(design)
    assert plan.suggested and "confirm" in str(plan)
    rule = next(a for a in plan.advice if a.subject == str(PENDING))
    assert rule.level == "SERIALIZABLE" and "CREATE UNIQUE INDEX" in rule.fix
    # once the index is in the design, the rule holds at READ COMMITTED
    fixed = edit.add_index(design, "orders", Index(
        "orders_one_pending", (IndexKey("customer_id"),), unique=True,
        where="status = 'pending'"))
    rule = next(a for a in isolation_plan(fixed, [PENDING]).advice if a.subject == str(PENDING))
    assert rule.level == "READ COMMITTED"
    assert PENDING.assignments() == {"status": "'pending'"}
    assert Invariant("t", ("a",), "b > 1").assignments() == {}
    assert Invariant("t", ("a",), "b = 1", at_most=2).index_sql() is None


def test_write_skew_is_reproduced_and_each_fix_holds(pg_dsn: str) -> None:
    design = replace(_shop(), name=f"test_skew_{secrets.token_hex(3)}")
    try:
        demo = write_skew_demo(design, PENDING, scale=0.003)
    finally:
        drop_sandbox(f"pgarch_{design.name}", dsn=pg_dsn)
    rows = {r.name: r.rows for r in demo.runs}
    assert rows == {"read committed": 2, "repeatable read": 2, "serializable + retry": 1,
                    "read committed + unique index": 1}
    assert demo.ok
    outcomes = {r.name: " ".join(o for _, _, o in r.steps) for r in demo.runs}
    assert "ERROR 40001" in outcomes["serializable + retry"]
    assert "sees 1" in outcomes["serializable + retry"]          # the retry saw A's row
    assert "waits for A" in outcomes["read committed + unique index"]
    assert "ERROR 23505" in outcomes["read committed + unique index"]
    assert "anomaly" in demo._repr_html_()


def test_a_rule_that_cannot_be_made_true_by_an_insert_is_refused() -> None:
    with pytest.raises(BenchError, match="column = literal"):
        write_skew_demo(_shop(), Invariant("orders", ("customer_id",), "total > 100"))


def test_the_rule_indexes_are_accepted(fresh_db_any: str) -> None:
    design = _shop()
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        apply_sql(conn, to_sql(design, server_version=conn.info.server_version))
        apply_sql(conn, isolation_plan(design).sql())
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes")}
    assert {"orders_one_pending_per_customer_id",
            "payments_one_authorized_per_order_id"} <= names
