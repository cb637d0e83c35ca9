"""Caching layers: the plans (pure), their DDL on PostgreSQL 18 and 15, and each layer on
loaded data — checked to give the original answers, and shown to catch a wrong one."""
from __future__ import annotations

import json
import secrets
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.bench.caching import cache_trial, matview_trial, summary_trial
from pgarch_kit.db import apply_sql, drop_sandbox
from pgarch_kit.db.load import load
from pgarch_kit.ddl import to_sql
from pgarch_kit.model import edit
from pgarch_kit.model.serde import load_design
from pgarch_kit.production import cache_plan, caching_plan, matview_plans, summary_plans

ROOT = Path(__file__).resolve().parents[2]
DAILY = ("SELECT count(*), sum(total) FROM orders "
         "WHERE placed_at >= :since AND placed_at < :since + interval '1 day'")
UNITS = ("SELECT count(*) AS order_lines, sum(quantity) AS units FROM order_items "
         "WHERE product_id = :product_id")
MIX = ("SELECT status, count(*) AS n, avg(total) AS avg_total FROM orders "
       "WHERE customer_id = :customer_id GROUP BY status ORDER BY status")


def _shop(name: str = "ecommerce"):
    d = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    d = edit.add_query(d, "daily_revenue", DAILY, per_second=5)
    d = edit.add_query(d, "units_sold", UNITS, per_second=30)
    d = edit.add_query(d, "status_mix", MIX, per_second=20)
    return replace(d, name=name)


def test_aggregates_become_views_with_a_refreshable_key() -> None:
    plans = {m.pattern: m for m in matview_plans(_shop())}
    daily = plans["daily_revenue"]
    assert daily.keys == ("placed_at_day",) and daily.day_params == ("since",)
    assert "date_trunc('day', placed_at) AS placed_at_day" in daily.query
    assert daily.rewritten.startswith("SELECT coalesce(sum(count), 0)::bigint AS count")
    assert "placed_at_day >= :since" in daily.rewritten
    assert "CREATE UNIQUE INDEX daily_revenue_mv_key" in daily.sql()
    assert daily.refresh_sql() == "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_revenue_mv;"
    assert daily.pays and not plans["status_mix"].pays        # 2,667 rows a call vs 5
    mix = plans["status_mix"]
    assert mix.keys == ("customer_id", "status")
    assert "sum(avg_total_sum) / nullif(sum(avg_total_count), 0)" in mix.rewritten
    # non-aggregates and range-limited lists are left alone
    assert "recent_orders_of_customer" not in plans and "customer_by_email" not in plans


def test_child_counts_become_trigger_kept_summary_columns() -> None:
    (plan,) = summary_plans(_shop())
    assert (plan.parent, plan.child, plan.fk) == ("products", "order_items", "product_id")
    assert [c[0] for c in plan.columns] == ["order_items_count", "order_items_quantity_sum"]
    assert plan.rewritten == ("SELECT order_items_count AS order_lines, order_items_quantity_sum"
                              " AS units FROM products WHERE id = :product_id")
    assert plan.pays and "60 order_items rows per products row" in plan.reason
    assert plan.sql().count("FOR EACH STATEMENT") == 3


def test_cache_keys_and_invalidation_follow_the_where_clause() -> None:
    plan = cache_plan(_shop())
    by_email = plan.query("customer_by_email")
    assert by_email.keyed == (("customers", (("email", "lower(email::text)"),)),)
    assert by_email.lower == ("email",)                 # citext: one key for Ann@ and ann@
    assert by_email.key(plan.prefix, {"email": "Ann@X.org"}) == \
        "pgarch:ecommerce:customer_by_email:email=ann@x.org"
    assert plan.query("products_with_attribute").generation == ("products",)
    assert plan.query("daily_revenue").generation == ("orders",)   # a range: no key to name
    keys, bumps = plan.invalidations(json.dumps(
        {"table": "orders", "row": {"customer_id": "42"}}))
    assert ("recent_orders_of_customer", {"customer_id": "42"}) in \
        [(q.pattern, v) for q, v in keys]
    assert [q.pattern for q in bumps] == ["daily_revenue"]
    assert "lower(OLD.email::text)" in plan.notify_sql()


def test_the_generated_ddl_is_accepted(fresh_db_any: str) -> None:
    design = _shop()
    plan = caching_plan(design)
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        apply_sql(conn, to_sql(design, server_version=conn.info.server_version))
        for m in plan.matviews:
            apply_sql(conn, m.sql(schedule=False))
            conn.execute(m.refresh_sql())
        for s in plan.summaries:
            apply_sql(conn, s.sql())
        assert plan.cache is not None
        apply_sql(conn, plan.cache.notify_sql())
        triggers = {r[0] for r in conn.execute("SELECT tgname FROM pg_trigger")}
        assert {"customers_cache_notify", "order_items_summary_insert"} <= triggers
        apply_sql(conn, plan.cache.drop_sql())
        for s in plan.summaries:
            apply_sql(conn, s.drop_sql())
        assert "customers_cache_notify" not in {
            r[0] for r in conn.execute("SELECT tgname FROM pg_trigger")}


@pytest.fixture(scope="module")
def loaded(pg_dsn: str):
    design = _shop(f"test_cache_{secrets.token_hex(3)}")
    load(design, scale=0.02, progress=False, verify=False)
    yield design
    drop_sandbox(f"pgarch_{design.name}", dsn=pg_dsn)


def test_the_view_answers_as_the_query_does_and_faster(loaded) -> None:
    plan = next(m for m in matview_plans(loaded) if m.pattern == "daily_revenue")
    trial = matview_trial(loaded, plan, runs=15, checks=15)
    assert trial.ok and trial.checked == 15, str(trial)
    assert trial.speedup > 3 and trial.view_rows > 100
    # a wrong rewrite is caught: an upper bound that takes in the next day too
    wrong = replace(plan, rewritten=plan.rewritten.replace("placed_at_day <", "placed_at_day <="))
    assert wrong.rewritten != plan.rewritten
    assert not matview_trial(loaded, wrong, runs=3, checks=15).ok


def test_summary_columns_match_recounts_through_writes(loaded) -> None:
    (plan,) = summary_plans(loaded)
    trial = summary_trial(loaded, plan, runs=15, writes=50)
    assert trial.ok, str(trial)
    without, with_trigger = trial.write_ms
    assert with_trigger > without            # the trigger's cost is real and measured
    # a trigger that forgets deletes is caught by the recount
    broken = replace(plan, pattern=plan.pattern)
    sql = broken.sql().replace("IF TG_OP IN ('DELETE', 'UPDATE')", "IF false")
    object.__setattr__(broken, "sql", lambda schema="public": sql)
    assert any("after deletes" in m for m in summary_trial(loaded, broken, runs=3,
                                                           writes=5).mismatches)
    with psycopg.connect(_dsn(loaded), autocommit=True) as conn:
        cols = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'products'")}
    assert "order_items_count" not in cols                 # removed after the trial


def _dsn(design) -> str:
    from pgarch_kit.db import server_dsn
    return server_dsn(None, f"pgarch_{design.name}")


def test_cache_reads_stay_fresh_after_writes_and_hit_under_load(loaded, redis_url) -> None:
    plan = cache_plan(loaded, patterns=["customer_by_email", "recent_orders_of_customer",
                                        "products_with_attribute"])
    trial = cache_trial(loaded, plan, seconds=1, threads=2, checks=5, redis_url=redis_url)
    assert trial.ok, str(trial)
    assert set(trial.fresh) == {"customer_by_email", "recent_orders_of_customer",
                                "products_with_attribute"}
    # without the listener the same writes leave the cache stale: the check can fail
    assert all(stale == checks for checks, stale in trial.control.values())
    assert trial.hit_rate > 0.3 and trial.invalidation_ms
    assert all(p.calls > 0 and p.direct_ms for p in trial.loads.values())
    # invalidation keyed on the wrong column deletes the wrong keys: stale reads, caught
    q = plan.query("customer_by_email")
    wrong = replace(plan, queries=[replace(q, keyed=(("customers", (("email", "id"),)),))])
    bad = cache_trial(loaded, wrong, seconds=1, threads=1, checks=3, redis_url=redis_url)
    assert not bad.ok and bad.fresh["customer_by_email"][1] > 0
