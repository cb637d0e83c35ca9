"""Migration rules: the false-positive classes and misses of issue 17, each on a fragment of
our own (a small shop), each failing on the code before the fix."""
from __future__ import annotations

import pytest
import yaml

from pgarch_kit.lint import lint
from pgarch_kit.lint.migration import Migration
from pgarch_kit.lint.rules.migration import RULES
from pgarch_kit.model.serde import loads_design

SHOP = {"name": "shop", "tables": [
    {"name": "customers", "primary_key": ["id"], "columns": [
        {"name": "id", "type": "bigint", "nullable": False},
        {"name": "email", "type": "text"}, {"name": "tier", "type": "integer"},
        {"name": "region", "type": "text", "nullable": False},
        {"name": "referrer", "type": "bigint"}],
     "indexes": [{"name": "customers_email_idx", "keys": ["email"]}],
     "checks": [{"name": "customers_tier_present", "expression": "tier IS NOT NULL"},
                {"name": "customers_referrer_ok",
                 "expression": "referrer IS NOT NULL AND referrer > 0", "not_valid": True}]},
    {"name": "invoices", "primary_key": ["id"], "columns": [
        {"name": "id", "type": "bigint", "nullable": False},
        {"name": "customer_id", "type": "bigint"}, {"name": "total", "type": "numeric"}]},
], "enums": [{"name": "mood", "values": ["ok", "good"]}],
    "routines": [
        {"name": "shop_code", "signature": "", "definition":
         "CREATE FUNCTION public.shop_code() RETURNS text LANGUAGE sql STABLE "
         "AS $$ SELECT 'S' $$"},
        {"name": "next_ticket", "signature": "", "definition":
         "CREATE FUNCTION public.next_ticket() RETURNS bigint LANGUAGE sql "
         "AS $$ SELECT 1::bigint $$"}]}
PRIOR = loads_design(yaml.safe_dump(SHOP), check=False)
ALL_M = [r.slug for r in RULES]


def _rules(sql: str, *, transactional: bool = False, only: str | None = None) -> list:
    m = Migration.from_sql(sql, PRIOR, transactional=transactional)
    found = lint(PRIOR, select=[only] if only else ALL_M, ignore=[], migration=m).findings
    return [f for f in found if only is None or f.rule == only]


# ---- non-idempotent-ddl -------------------------------------------------------------------

def test_non_idempotent_ddl_is_silent_inside_a_transaction() -> None:
    steps = ("CREATE TABLE coupons (code text PRIMARY KEY);\n"
             "ALTER TABLE customers ADD COLUMN coupon text;\n")
    assert not _rules(f"BEGIN;\n{steps}COMMIT;\n", only="non-idempotent-ddl")
    assert not _rules(steps, transactional=True, only="non-idempotent-ddl")
    # the same steps committed one by one (psql -f) do stop a re-run
    assert len(_rules(steps, only="non-idempotent-ddl")) == 2


def test_non_idempotent_ddl_spares_temp_tables_and_the_scripts_own_scratch() -> None:
    sql = ("CREATE TEMP TABLE dormant (id bigint) ON COMMIT DROP;\n"
           "CREATE TEMPORARY TABLE seen (id bigint);\n"
           "CREATE TABLE IF NOT EXISTS tier_backup AS SELECT id, tier FROM customers;\n"
           "DROP TABLE tier_backup;\n")
    assert not _rules(sql, only="non-idempotent-ddl")
    # a drop of something the script did not create still needs its guard
    assert [f.message[:8] for f in _rules(sql + "DROP INDEX customers_email_idx;\n",
                                          only="non-idempotent-ddl")] == ["line 5: "]


# ---- set-not-null-scan --------------------------------------------------------------------

def test_set_not_null_after_a_check_validated_in_an_earlier_migration() -> None:
    # customers_tier_present is a validated CHECK (tier IS NOT NULL) of the prior design:
    # PostgreSQL 12+ uses it and skips the scan
    assert not _rules("ALTER TABLE customers ALTER COLUMN tier SET NOT NULL;\n",
                      only="set-not-null-scan")


def test_set_not_null_after_validating_a_not_valid_check_with_more_terms() -> None:
    sql = ("ALTER TABLE customers VALIDATE CONSTRAINT customers_referrer_ok;\n"
           "ALTER TABLE customers ALTER COLUMN referrer SET NOT NULL;\n")
    assert not _rules(sql, only="set-not-null-scan")
    two_step = ("ALTER TABLE invoices ADD CONSTRAINT inv_cust_nn "
                "CHECK (customer_id IS NOT NULL AND total >= 0) NOT VALID;\n"
                "ALTER TABLE invoices VALIDATE CONSTRAINT inv_cust_nn;\n"
                "ALTER TABLE invoices ALTER COLUMN customer_id SET NOT NULL;\n")
    assert not _rules(two_step, only="set-not-null-scan")
    # never validated: the scan happens
    assert len(_rules(sql.split("\n", 1)[1], only="set-not-null-scan")) == 1


def test_set_not_null_on_a_column_that_already_is() -> None:
    assert not _rules("ALTER TABLE customers ALTER COLUMN region SET NOT NULL;\n",
                      only="set-not-null-scan")


# ---- maintenance commands read their options as PostgreSQL does ---------------------------

@pytest.mark.parametrize("off", ["VACUUM (FULL FALSE) customers",
                                 "VACUUM (FULL off, ANALYZE) customers",
                                 "VACUUM (FULL 0) customers"])
def test_vacuum_full_false_is_a_plain_vacuum(off: str) -> None:
    assert not _rules(off + ";", only="locking-maintenance-command")
    assert not _rules(off + ";", only="missing-lock-and-statement-timeout")
    assert _rules("VACUUM (FULL) customers;", only="locking-maintenance-command")


def test_reindex_concurrently_false_is_not_concurrent() -> None:
    sql = "REINDEX (CONCURRENTLY false) TABLE customers;\n"
    [f] = _rules(sql, only="locking-maintenance-command")
    assert "CONCURRENTLY" in f.fix and "false" not in f.fix.lower()
    # it may run in a transaction: only a real CONCURRENTLY may not
    assert not _rules(f"BEGIN;\n{sql}COMMIT;\n", only="concurrently-in-transaction")
    assert _rules("BEGIN;\nREINDEX (CONCURRENTLY on) TABLE customers;\nCOMMIT;\n",
                  only="concurrently-in-transaction")


# ---- names: 63 bytes is whole, 64 is cut ---------------------------------------------------

def test_a_63_byte_name_is_not_truncated_and_64_is() -> None:
    n63, n64 = "c" * 63, "c" * 64
    assert not _rules(f"CREATE TABLE {n63} (id bigint);\n", only="identifier-truncated")
    assert not _rules(f'CREATE INDEX "{"é" * 31}x" ON customers (tier);\n',
                      only="identifier-truncated")            # 63 bytes in UTF-8
    [f] = _rules(f'CREATE TABLE t ("{n64}" bigint);\n', only="identifier-truncated")
    assert f.line == 1 and "64 bytes" in f.message
    [f] = _rules(f'CREATE INDEX "{"é" * 32}" ON customers (tier);\n',
                 only="identifier-truncated")                 # 64 bytes
    assert "64 bytes" in f.message


# ---- misses -------------------------------------------------------------------------------

def test_add_column_default_of_a_volatile_user_function() -> None:
    sql = ("CREATE FUNCTION make_ref() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) "
           "$$;\nALTER TABLE customers ADD COLUMN ref text DEFAULT make_ref();\n")
    [f] = _rules(sql, only="add-column-volatile-default")
    assert f.line == 2 and "make_ref" in f.message
    immutable = sql.replace("LANGUAGE sql AS", "LANGUAGE sql IMMUTABLE AS")
    assert not _rules(immutable, only="add-column-volatile-default")


def test_add_column_default_of_a_design_function_by_its_declared_volatility() -> None:
    stable = "ALTER TABLE customers ADD COLUMN code text DEFAULT shop_code();\n"
    assert not _rules(stable, only="add-column-volatile-default")
    volatile = "ALTER TABLE customers ADD COLUMN ticket bigint DEFAULT public.next_ticket();\n"
    assert [f.column for f in _rules(volatile, only="add-column-volatile-default")] == [
        "ticket"]
    unknown = "ALTER TABLE customers ADD COLUMN score int DEFAULT score_of(42);\n"
    [f] = _rules(unknown, only="add-column-volatile-default")
    assert "counts as volatile" in f.message
    builtin = "ALTER TABLE customers ADD COLUMN seen timestamptz DEFAULT timezone('UTC', now());\n"
    assert not _rules(builtin, only="add-column-volatile-default")


@pytest.mark.parametrize("sql", [
    "ALTER TYPE mood ADD VALUE 'great' AFTER 'good';",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_customer_idx ON invoices (customer_id);",
    "DROP INDEX CONCURRENTLY IF EXISTS customers_email_idx;",
    "CLUSTER;",
    "REINDEX INDEX customers_email_idx;",
    "REINDEX INDEX CONCURRENTLY customers_email_idx;",
])
def test_lock_timeout_missing_before_statements_that_wait_for_locks(sql: str) -> None:
    [f] = _rules(sql, only="missing-lock-and-statement-timeout")
    assert f.line == 1 and "lock_timeout" in f.message
    covered = f"SET lock_timeout = '3s';\nSET statement_timeout = '5min';\n{sql}"
    assert not _rules(covered, only="missing-lock-and-statement-timeout")


def test_a_lock_timeout_turned_off_or_local_to_a_finished_transaction_is_no_timeout() -> None:
    ddl = "CREATE INDEX CONCURRENTLY IF NOT EXISTS inv_total_idx ON invoices (total);\n"
    for prelude in ("SET lock_timeout = 0;\n", "SET lock_timeout = '2s';\nRESET lock_timeout;\n",
                    "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT;\n"):
        assert _rules(prelude + ddl, only="missing-lock-and-statement-timeout"), prelude


def test_statements_on_tables_the_prior_design_does_not_know_are_reported() -> None:
    sql = ("CREATE INDEX refunds_invoice_idx ON refunds (invoice_id);\n"
           "ALTER TABLE refunds ADD COLUMN note text;\n"
           "DROP TABLE IF EXISTS scratch_old;\n")
    [f] = _rules(sql, only="unknown-table")
    assert (f.table, f.line, f.severity) == ("refunds", 1, "warning")
    # judged as an existing table with rows, not skipped
    assert _rules(sql, only="create-index-non-concurrently")
    from pgarch_kit.lint.migration_lint import lint_migration
    empty = loads_design(yaml.safe_dump({"name": "empty"}), check=False)
    [note] = [f for f in lint_migration(sql, empty).findings if f.rule == "unknown-table"]
    assert note.severity == "info" and note.message.startswith("needs information")


def test_a_rename_through_a_view_is_not_reported_at_its_contract_step() -> None:
    swap = ("BEGIN;\nDROP VIEW clients;\nALTER TABLE customers RENAME TO clients;\nCOMMIT;\n")
    assert not _rules(swap, only="rename-column-table-or-schema")
    assert _rules("ALTER TABLE customers RENAME TO clients;\n",
                  only="rename-column-table-or-schema")


def test_alter_domain_add_check_without_not_valid() -> None:
    [f] = _rules("ALTER DOMAIN email_address ADD CONSTRAINT has_at CHECK (VALUE LIKE '%@%');\n",
                 only="constraint-without-not-valid")
    assert "NOT VALID" in f.fix and f.line == 1
    assert not _rules("ALTER DOMAIN email_address ADD CONSTRAINT has_at CHECK (VALUE LIKE '%@%')"
                      " NOT VALID;\n", only="constraint-without-not-valid")


def test_a_column_named_twice_in_one_statement() -> None:
    sql = ("UPDATE customers SET tier = 1, tier = 2;\nINSERT INTO invoices (id, id) VALUES (1, 2);\n"
           "UPDATE customers SET tier = 1, email = 'x';\n")
    assert [(f.line, f.column) for f in _rules(sql, only="duplicate-column-in-statement")] == [
        (1, "tier"), (2, "id")]


def test_every_migration_finding_names_its_line() -> None:
    sql = ("CREATE TABLE notes (id serial PRIMARY KEY, at timestamp);\n"
           "ALTER TABLE customers ADD COLUMN ref uuid DEFAULT gen_random_uuid();\n"
           "CREATE INDEX i ON invoices (total);\nBEGIN;\n")
    from pgarch_kit.lint.migration_lint import lint_migration
    report = lint_migration(sql, PRIOR, path="db/V7__notes.sql")
    assert report.findings
    assert all(f.file == "db/V7__notes.sql" and f.line for f in report.findings), [
        (f.rule, f.line) for f in report.findings if not f.line]
    assert {"timestamp-without-tz", "serial-instead-of-identity"} <= {
        f.rule for f in report.findings if f.line == 1}
