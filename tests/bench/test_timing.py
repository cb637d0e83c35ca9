"""Timings against the real server: client percentiles, server time, plans, write safety."""
from __future__ import annotations

import psycopg
import pytest

from pgarch_kit.bench import BenchError, time_pattern, time_patterns
from pgarch_kit.bench.timing import pattern_of
from pgarch_kit.db.plan_view import plan_html, plan_rows, plan_text

from .conftest import shop


def test_time_pattern_measures_both_ends(loaded_shop) -> None:
    t = time_pattern(loaded_shop.design, "customer_by_email", dsn=loaded_shop.dsn, runs=25,
                     warmup=3)
    assert t.runs == 25 and all(ms > 0 for ms in t.client_ms)
    assert 0 < t.median_ms <= t.p95_ms <= t.p99_ms <= max(t.client_ms)
    assert t.rows_returned == 1.0  # every drawn e-mail exists
    # pg_stat_statements saw exactly the timed runs, and the server part is the smaller one
    assert t.server is not None and t.server.calls == 25, t.cross_check()
    assert 0 < t.server_ms < t.median_ms * 1.5
    assert "agrees" in t.cross_check()
    assert t.plan is not None and "customers" in t.plan.summary()
    assert t.table_rows == {"customers": 2000}
    assert t.within_budget and "budget" in t._repr_html_()


def test_a_scan_is_slower_than_a_lookup(loaded_shop) -> None:
    ts = time_patterns(loaded_shop.design, ["customer_by_id", "revenue_since"],
                       dsn=loaded_shop.dsn, runs=15)
    lookup, scan = ts["customer_by_id"], ts["revenue_since"]
    assert scan.plan.seq_scans == ["orders"] and lookup.plan.seq_scans == []
    assert scan.server_ms > lookup.server_ms * 5
    frame = ts.frame()
    assert list(frame["pattern"]) == ["customer_by_id", "revenue_since"]
    assert "<table" in ts._repr_html_() and "revenue_since" in ts._repr_html_()


def test_write_patterns_are_rolled_back(loaded_shop) -> None:
    sql = "UPDATE orders SET note = 'touched' WHERE id = :id"
    with psycopg.connect(loaded_shop.dsn) as conn:
        before = conn.execute("SELECT count(*) FROM orders WHERE note = 'touched'").fetchone()
    t = time_pattern(loaded_shop.design, sql, dsn=loaded_shop.dsn, runs=10)
    assert t.writes and t.rows_returned == 1.0
    with psycopg.connect(loaded_shop.dsn) as conn:
        after = conn.execute("SELECT count(*) FROM orders WHERE note = 'touched'").fetchone()
    assert before == after


def test_missing_sandbox_and_unknown_pattern_are_explained(pg_dsn: str) -> None:
    design = shop(**{"name: bench_shop": "name: bench_never_loaded"})
    with pytest.raises(BenchError, match=r"no sandbox database pgarch_bench_never_loaded .*"
                                         r"pgarch seed"):
        time_pattern(design, "customer_by_id")
    with pytest.raises(BenchError, match=r"has no query pattern 'nope'.*customer_by_id"):
        pattern_of(design, "nope")
    assert pattern_of(design, "SELECT 1 FROM customers").name == "adhoc"


def test_plan_tree_marks_the_slowest_node(loaded_shop) -> None:
    t = time_pattern(loaded_shop.design, "orders_of_customer", dsn=loaded_shop.dsn, runs=5)
    rows = plan_rows(t.plan.tree)
    assert rows[0].depth == 0 and any(r.depth > 0 for r in rows)
    assert all(r.actual_rows is not None and r.self_ms is not None for r in rows)
    # self times add up to the root's total (each node's own share of the work)
    assert sum(r.self_ms for r in rows) == pytest.approx(rows[0].total_ms, rel=0.05, abs=0.01)
    slowest = max(rows, key=lambda r: r.self_ms)
    text = plan_text(t.plan.tree)
    assert f"▶ {'  ' * slowest.depth}" in text and slowest.label in text
    html = plan_html(t.plan.tree, sql=t.sql)
    assert html.count("<tr") == len(rows) + 1 and "background:#fee2e2" in html


def test_prewarm_loads_the_pattern_tables_into_shared_buffers(loaded_shop) -> None:
    from pgarch_kit.bench.timing import prewarm
    sql = "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id"
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_buffercache")
        conn.execute("DROP EXTENSION IF EXISTS pg_prewarm")
        assert prewarm(conn, sql) is False  # not installed, and not asked to install it
        assert prewarm(conn, sql, create=True) is True
        cached, pages = conn.execute(
            "SELECT (SELECT count(*) FROM pg_buffercache b WHERE b.relfilenode = "
            "pg_relation_filenode('orders_customer_id') AND b.reldatabase = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())), "
            "(SELECT relpages FROM pg_class WHERE relname = 'orders_customer_id')").fetchone()
        assert pages > 0 and cached >= pages  # the index is in shared buffers, all of it
