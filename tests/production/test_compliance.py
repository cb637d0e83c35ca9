"""Personal data: tagging (pure), and the right to be forgotten on loaded data."""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.bench.compliance import erasure_check
from pgarch_kit.db import apply_sql, drop_sandbox
from pgarch_kit.ddl import to_sql
from pgarch_kit.model import PrivacySpec
from pgarch_kit.model.serde import load_design
from pgarch_kit.production import personal_columns, privacy_plan

ROOT = Path(__file__).resolve().parents[2]


def _shop(**privacy):
    d = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    return replace(d, name=f"test_gdpr_{secrets.token_hex(3)}",
                   privacy=PrivacySpec(**privacy) if privacy else d.privacy)


def test_tags_are_inferred_and_editable() -> None:
    tags = personal_columns(_shop())
    assert tags[("customers", "email")] == ("contact", "inferred")
    assert tags[("customers", "full_name")] == ("identity", "inferred")
    assert tags[("addresses", "line1")][0] == "address"
    assert ("products", "name") not in tags           # a product's name is not a person's
    edited = personal_columns(_shop(personal={"payments.provider_ref": "financial"},
                                    not_personal=["addresses.city"]))
    assert edited[("payments", "provider_ref")] == ("financial", "declared")
    assert ("addresses", "city") not in edited


def test_plan_follows_the_foreign_keys() -> None:
    plan = privacy_plan(_shop())
    modes = {s.table: s.mode for s in plan.steps}
    assert plan.subject == "customers"
    assert modes == {"customers": "anonymise", "addresses": "delete", "orders": "keep",
                     "order_items": "keep", "payments": "keep"}
    forget = next(r for r in plan.design.routines if r.name == "forget_customers")
    assert "'erased-' || t0.id::text || '@invalid.example'" in forget.definition


@pytest.fixture
def cleanup(pg_dsn: str):
    names: list[str] = []
    yield names
    for n in names:
        drop_sandbox(n, dsn=pg_dsn)


def test_forgetting_leaves_nothing_personal_and_touches_nothing_else(cleanup) -> None:
    design = _shop()
    cleanup.append(design.name)
    check = erasure_check(privacy_plan(design), scale=0.01)
    assert check.ok, str(check)
    assert len(check.values) >= 5 and any("@" in v for v in check.values)
    assert check.rows["addresses"][2] == 0 and check.rows["orders"][1] == check.rows["orders"][2]
    assert set(check.export_tables) == {"customers", "addresses", "orders", "order_items",
                                        "payments"}


def test_a_procedure_that_keeps_personal_rows_is_caught(cleanup) -> None:
    design = _shop(erase={"addresses": "keep"})       # forget the address book: wrong
    cleanup.append(design.name)
    check = erasure_check(privacy_plan(design), scale=0.01)
    assert not check.ok and check.leftovers["addresses"] > 0


def test_routines_apply_on_both_servers(fresh_db_any: str) -> None:
    plan = privacy_plan(_shop())
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        apply_sql(conn, to_sql(plan.design, server_version=conn.info.server_version))
        conn.execute("CALL forget_customers(1)")       # no such customer: a no-op, no error
        assert conn.execute("SELECT export_customers(1)").fetchone()[0]["customers"] == []
