"""Concrete checks on the ecommerce and saas designs' data."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from .conftest import generate, parse_copy, small_plan


def _rows(data_plan, table):
    raw = generate(data_plan)
    return {t: parse_copy(raw[t], data_plan.copy_columns(t)) for t in raw}[table] if table \
        else {t: parse_copy(raw[t], data_plan.copy_columns(t)) for t in raw}


def test_ecommerce_checks_are_honoured():
    data_plan = small_plan("ecommerce")
    rows = _rows(data_plan, None)
    assert all(Decimal(r["price"]) >= 0 for r in rows["products"])
    assert all(Decimal(r["price"]).as_tuple().exponent == -2 for r in rows["products"])
    assert all(int(r["quantity"]) > 0 for r in rows["order_items"])
    assert all(Decimal(r["amount"]) > 0 for r in rows["payments"])
    assert all(re.fullmatch(r"[A-Z]{2}", r["country"]) for r in rows["addresses"])
    assert all(r["email"].index("@") > 0 for r in rows["customers"])
    assert {r["operation"] for r in rows["orders_audit"]} <= {"INSERT", "UPDATE", "DELETE"}
    assert all(len(r["postal_code"]) <= 16 for r in rows["addresses"])


def test_order_lines_are_numbered_within_each_order():
    rows = _rows(small_plan("ecommerce"), "order_items")
    by_order: dict[str, list[int]] = {}
    for r in rows:
        by_order.setdefault(r["order_id"], []).append(int(r["line_no"]))
    for lines in by_order.values():
        assert sorted(lines) == list(range(1, len(lines) + 1))


def test_category_tree_points_at_earlier_rows_and_never_itself():
    rows = _rows(small_plan("ecommerce"), "categories")
    assert rows[0]["parent_id"] is None
    assert any(r["parent_id"] for r in rows)
    assert all(int(r["parent_id"]) < int(r["id"]) for r in rows if r["parent_id"])


def test_identity_keys_are_one_to_n_and_listed_for_sequence_reset():
    data_plan = small_plan("ecommerce")
    rows = _rows(data_plan, "orders")
    assert [int(r["id"]) for r in rows] == list(range(1, len(rows) + 1))
    assert data_plan.sequence_columns("orders") == ("id",)


def test_saas_tenant_consistency_across_composite_keys():
    data_plan = small_plan("saas")
    rows = _rows(data_plan, None)
    users = {(r["tenant_id"], r["id"]) for r in rows["users"]}
    projects = {(r["tenant_id"], r["id"]) for r in rows["projects"]}
    for task in rows["tasks"]:
        assert (task["tenant_id"], task["project_id"]) in projects
        if task["assignee_id"] is not None:
            assert (task["tenant_id"], task["assignee_id"]) in users
    assert {r["plan"] for r in rows["tenants"]} <= {"free", "team", "enterprise"}
    assert all(r["title"].strip() for r in rows["tasks"])
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert all(uuid.fullmatch(r["id"]) for r in rows["tenants"])


def test_nullable_columns_get_some_nulls_and_soft_delete_mostly_null():
    rows = _rows(small_plan("ecommerce"), None)
    line2 = Counter(r["line2"] is None for r in rows["addresses"])
    assert 0 < line2[True] < line2[False]
    deleted = Counter(r["deleted_at"] is None for r in rows["customers"])
    assert deleted[True] > deleted[False] > 0
