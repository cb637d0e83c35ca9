"""The type, key and constraint rules (catalog sections 1.1–1.3) against the example schemas
of the catalog's section 3 (fixtures A, F and G), imported from SQL the way users bring real
schemas in — serial arrives as integer + nextval() default + owned sequence — plus the live
checks that need a whole database of their own."""
from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.lint import lint
from pgarch_kit.lint.rules import constraints, keys, types
from pgarch_kit.lint.rules.types.column_order_padding import _end
from pgarch_kit.lint.rules.types.datetime_sql_pitfalls import pitfalls
from pgarch_kit.model import Column, Design, Table

CATALOG = Path("/work/shared/advisor/RULES.md")
MINE = [r.slug for r in (*types.RULES, *keys.RULES, *constraints.RULES)]


def _fixture_sql(letter: str) -> str:
    text = CATALOG.read_text(encoding="utf-8")
    m = re.search(rf"### Fixture {letter}\b.*?```sql\n(.*?)```", text, re.S)
    assert m, f"fixture {letter} not found in the catalog"
    return m.group(1)


def _where(report, slug: str) -> set[tuple[str | None, str | None]]:
    return {(f.table, f.column) for f in report.findings if f.rule == slug}


needs_catalog = pytest.mark.skipif(not CATALOG.exists(), reason="catalog not available")


def test_registry_order_and_codes() -> None:
    codes = [int(r.code[3:]) for r in (*types.RULES, *keys.RULES, *constraints.RULES)]
    assert codes == list(range(1, 28))


@needs_catalog
def test_fixture_a_legacy_orders(pg_dsn: str) -> None:
    from pgarch_kit.db.importer import import_sql
    design = import_sql(_fixture_sql("A"), dsn=pg_dsn)
    report = lint(design, select=MINE, ignore=[])
    fired = {f.rule for f in report.findings}
    for slug in ("table-without-primary-key", "serial-instead-of-identity",
                 "int-id-overflow-risk", "varchar-n-limit", "money-type",
                 "timestamp-without-tz", "timestamp-zero-precision", "char-n-type",
                 "json-instead-of-jsonb"):
        assert slug in fired, slug
    assert ("Orders", "OrderID") in _where(report, "serial-instead-of-identity")
    # customer_id is narrower than the bigint key it references; OrderID's table shows no
    # volume, so its key is only listed in the rule's "needs information"
    assert ("Orders", "customer_id") in _where(report, "int-id-overflow-risk")
    asked = [f.message for f in report.findings
             if f.rule == "int-id-overflow-risk" and f.table is None]
    assert len(asked) == 1 and "Orders" in asked[0]
    assert ("Orders", "created") in _where(report, "timestamp-zero-precision")
    # precision: nothing fires on the well-formed customers table
    assert not [f for f in report.findings if f.table == "customers"]


@needs_catalog
def test_fixture_f_keys_and_padding(pg_dsn: str) -> None:
    from pgarch_kit.db.importer import import_sql
    design = import_sql(_fixture_sql("F"), dsn=pg_dsn)
    report = lint(design, select=MINE, ignore=[])
    assert ("employee", "email") in _where(report, "pk-natural-or-text-key")
    assert ("employee", "email") in _where(report, "varchar-n-limit")
    # no volume evidence: department's key is not judged, the rule asks for its rows
    assert not _where(report, "int-id-overflow-risk") - {(None, None)}
    assert any(f.rule == "int-id-overflow-risk" and "department" in f.message
               for f in report.findings)
    assert ("employee", "badge") not in _where(report, "int-id-overflow-risk")
    assert ("attachment", "payload") in _where(report, "large-object-column")
    assert ("attachment", None) in _where(report, "table-without-primary-key")
    # a five-column key nothing references is the rows' identity, copied nowhere
    assert ("tag_link", None) not in _where(report, "pk-too-many-columns")
    assert ("account_flags", None) in _where(report, "column-order-padding")
    assert ("account_flags", "account_id") in _where(report, "pk-columns-not-first")
    assert {("department", None), ("account_flags", None)} <= _where(
        report, "all-columns-nullable")
    pad = next(f for f in report.findings if f.rule == "column-order-padding")
    assert "account_id, balance, tier, is_active" in pad.fix


@needs_catalog
def test_fixture_g_enums_domains_reg_types_and_rules(fresh_db: str) -> None:
    from pgarch_kit.db.introspect import introspect
    # PostgreSQL rejects the fixture's partitioned PK without the partition key (that is
    # what partition-unique-without-key is about); widen it so the rest can be created.
    sql = _fixture_sql("G").replace("PRIMARY KEY (id)\n) PARTITION",
                                    "PRIMARY KEY (id, taken_at)\n) PARTITION")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(sql)
        design = introspect(conn, name="g")
        report = lint(design, select=MINE, ignore=[], conn=conn)
    fired = {f.rule for f in report.findings}
    for slug in ("enum-type-rigidity", "domain-with-check-constraint", "reg-type-column",
                 "timestamp-without-tz", "rules-usage"):
        assert slug in fired, slug
    assert ("prod_sales.user", "handler") in _where(report, "reg-type-column")
    assert ("prod_sales.user", "window_start") in _where(report, "timestamp-without-tz")
    assert ("prod_sales.logs", None) in _where(report, "rules-usage")
    assert ("prod_sales.positive_int", None) in _where(report, "domain-with-check-constraint")
    assert "int-id-overflow-risk" not in fired  # every key there is bigint


def test_sql_ascii_database_is_reported(pg_dsn: str) -> None:
    import secrets

    from pgarch_kit.db import server_dsn
    # Sandboxes are UTF8; a real SQL_ASCII database needs the libc C locale.
    name = f"pgarch_test_sqlascii_{secrets.token_hex(4)}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' LOCALE_PROVIDER libc "
                      f"LOCALE 'C' TEMPLATE template0")
    try:
        with psycopg.connect(server_dsn(pg_dsn, name), autocommit=True) as conn:
            report = lint(Design(name="x"), select=["sql-ascii-encoding"], ignore=[], conn=conn)
        assert [f.rule for f in report.findings] == ["sql-ascii-encoding"]
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


def test_utf8_database_is_not_reported(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        report = lint(Design(name="x"), select=["sql-ascii-encoding"], ignore=[], conn=conn)
    assert not report.findings


def test_duplicate_columns_in_a_design_built_in_code() -> None:
    t = Table("t", columns=(Column("a", "integer"), Column("a", "text"), Column("b", "text")))
    report = lint(Design(name="x", tables=(t,)), select=["duplicate-column-definition"],
                  ignore=[])
    assert _where(report, "duplicate-column-definition") == {("t", "a")}


def test_padding_arithmetic() -> None:
    assert _end([(1, 1), (8, 8), (2, 2), (8, 8)]) == 32
    assert _end([(8, 8), (8, 8), (2, 2), (1, 1)]) == 19


@pytest.mark.parametrize("sql, want", [
    ("SELECT CURRENT_TIME", ["CURRENT_TIME"]),
    ("SELECT CURRENT_TIMESTAMP", []),
    ("SELECT 'CURRENT_TIME is bad' AS note", []),
    ("SELECT now() AT TIME ZONE '+05:00'", ["zone"]),
    ("SELECT now() AT TIME ZONE 'Asia/Karachi'", []),
    ("SELECT * FROM e WHERE e.occurred_at BETWEEN $1 AND $2", ["BETWEEN"]),
    ("SELECT * FROM e WHERE e.qty BETWEEN 1 AND 5", []),
    ("SELECT * FROM e WHERE ((e.occurred_at >= '2024-01-01'::timestamp with time zone) "
     "AND (e.occurred_at <= '2024-02-01'::timestamp with time zone))", ["BETWEEN"]),
    ("SELECT * FROM a WHERE a.id NOT IN (SELECT b.a_id FROM b)", ["NOT IN"]),
    ("SELECT * FROM a WHERE (NOT (a.id IN ( SELECT b.a_id FROM b)))", ["NOT IN"]),
    ("SELECT * FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id)", []),
])
def test_datetime_pitfall_patterns(sql: str, want: list[str]) -> None:
    assert pitfalls(sql, {"occurred_at"}) == want
