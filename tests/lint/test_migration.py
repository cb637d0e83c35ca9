"""The migration input (parsing, line numbers, transactions) and the migration-safety rules on
the catalog's section-3 fixtures C and D (../shared/advisor/RULES.md)."""
from __future__ import annotations

import pytest
import yaml

from pgarch_kit.errors import PgArchError
from pgarch_kit.lint import lint
from pgarch_kit.lint.migration import Migration, MigrationParseError
from pgarch_kit.lint.rules.migration import RULES
from pgarch_kit.model.serde import loads_design

PRIOR = loads_design(yaml.safe_dump({"name": "app", "tables": [
    {"name": "users", "primary_key": ["id"], "columns": [
        {"name": "id", "type": "bigint", "identity": "always"},
        {"name": "email", "type": "text"}, {"name": "age", "type": "integer"},
        {"name": "name", "type": "text"}]},
    {"name": "coupons", "primary_key": ["id"], "columns": [{"name": "id", "type": "bigint"}]},
    {"name": "orders", "primary_key": ["id"], "columns": [
        {"name": "id", "type": "bigint"}, {"name": "user_id", "type": "bigint"},
        {"name": "coupon_id", "type": "bigint"}, {"name": "total", "type": "numeric"},
        {"name": "room", "type": "integer"}, {"name": "during", "type": "tstzrange"}],
     "foreign_keys": [{"name": "orders_coupon_fk", "columns": ["coupon_id"],
                       "references": {"table": "coupons", "columns": ["id"]}}],
     "indexes": [{"name": "orders_old_idx", "keys": ["total"]}]},
    {"name": "legacy", "columns": [{"name": "id", "type": "bigint"},
                                   {"name": "notes", "type": "text"},
                                   {"name": "code", "type": "text", "nullable": False}]},
    {"name": "audit", "columns": [{"name": "id", "type": "bigint"}]},
]}), check=False)

FIXTURE_C = """\
ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
ALTER TABLE users ADD COLUMN plan text NOT NULL;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users ALTER COLUMN age TYPE bigint;
ALTER TABLE users ADD COLUMN seq_no bigserial;
CREATE INDEX users_email_idx ON users (email);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE users RENAME COLUMN name TO full_name;
UPDATE users SET plan = 'free';
"""

FIXTURE_D = """\
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_chk CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_chk;
CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);
DROP INDEX orders_old_idx;
ALTER TABLE orders DROP CONSTRAINT orders_coupon_fk;
ALTER TABLE orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
COMMIT;
BEGIN;
ALTER TABLE legacy DROP COLUMN notes;
ALTER TABLE legacy ALTER COLUMN code DROP NOT NULL;
TRUNCATE audit CASCADE;
DROP TABLE old_reports;
-- (no COMMIT)
"""

MIGRATION_SLUGS = [r.slug for r in RULES]


def _findings(sql: str, **kw):
    report = lint(PRIOR, select=MIGRATION_SLUGS, ignore=[],
                  migration=Migration.from_sql(sql, PRIOR, **kw))
    return report.findings


def _by_rule(findings) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


# ---- the catalog's fixtures (serial-instead-of-identity and unqualified-object-name, also
# listed there, are design rules of other sections and don't read migrations)

def test_fixture_c_unsafe_migration_on_populated_table() -> None:
    # The catalog expects both backfill-in-ddl-migration (the UPDATE shares the DDL's
    # transaction) and non-idempotent-ddl (a re-run after a partial failure stops): each holds
    # under one reading of the file. Wrapped by a runner, the file is one transaction, so a
    # failure leaves nothing to re-run; run as psql does, each statement commits alone.
    got = _by_rule(_findings(FIXTURE_C))
    for slug in ("add-column-volatile-default", "add-required-column", "set-not-null-scan",
                 "change-column-type", "add-rewriting-column", "create-index-non-concurrently",
                 "add-index-backed-constraint-locking", "unique-index-duplicate-risk",
                 "rename-column-table-or-schema", "backfill-in-ddl-migration",
                 "missing-lock-and-statement-timeout"):
        assert slug in got, f"fixture C: {slug} did not fire"
    assert "non-idempotent-ddl" not in got
    psql = _by_rule(_findings(FIXTURE_C, transactional=False))
    assert "non-idempotent-ddl" in psql and "backfill-in-ddl-migration" not in psql
    assert [(f.column, f.message[:7]) for f in got["add-column-volatile-default"]] == \
        [("public_id", "line 1:")]
    assert got["add-required-column"][0].severity == "error"
    assert got["create-index-non-concurrently"][0].message.startswith("line 6:")
    assert "CONCURRENTLY" in got["create-index-non-concurrently"][0].fix
    assert len(got["missing-lock-and-statement-timeout"]) == 1
    assert got["backfill-in-ddl-migration"][0].message.startswith("line 9:")
    # the column added as bigserial is new: it is not a rename, drop or type change target
    assert "concurrently-in-transaction" not in got and "drop-column" not in got


def test_fixture_d_constraints_and_transactions() -> None:
    got = _by_rule(_findings(FIXTURE_D, transactional=False))
    for slug in ("constraint-without-not-valid", "validate-same-transaction",
                 "concurrently-in-transaction", "drop-index-non-concurrently",
                 "drop-fk-constraint", "add-index-backed-constraint-locking", "drop-column",
                 "drop-not-null", "truncate-cascade", "drop-table-schema-or-database",
                 "transaction-control-error", "missing-lock-and-statement-timeout"):
        assert slug in got, f"fixture D: {slug} did not fire"
    # every statement runs inside BEGIN: a failure rolls its transaction back, so nothing is
    # left half-done for a re-run to trip over (the catalog's expectation predates that)
    assert "non-idempotent-ddl" not in got
    fk = got["constraint-without-not-valid"]
    assert len(fk) == 1 and "orders_user_fk" in fk[0].message  # the CHECK is NOT VALID
    assert "NOT VALID" in fk[0].fix and "VALIDATE CONSTRAINT" in fk[0].fix
    assert "EXCLUDE" in got["add-index-backed-constraint-locking"][0].message
    assert "BEGIN … COMMIT" in got["concurrently-in-transaction"][0].message
    tce = got["transaction-control-error"]
    assert [f.message[:8] for f in tce] == ["line 10:"]  # the second BEGIN, never committed
    assert got["drop-fk-constraint"][0].column == "coupon_id"


def test_fixture_d_in_a_wrapped_file_also_flags_its_begin() -> None:
    got = _by_rule(_findings(FIXTURE_D))  # transactional=True: the runner wraps the file
    assert any("runner" in f.message and f.message.startswith("line 1:")
               for f in got["transaction-control-error"])


def test_concurrently_message_names_the_runner_wrapping() -> None:
    [f] = [f for f in _findings("CREATE INDEX CONCURRENTLY i ON users (email);")
           if f.rule == "concurrently-in-transaction"]
    assert f.severity == "error" and "runner wraps the file" in f.message
    assert not [f for f in _findings("CREATE INDEX CONCURRENTLY i ON users (email);",
                                     transactional=False)
                if f.rule == "concurrently-in-transaction"]


# ---- the input itself

def test_statements_keep_node_text_line_and_transaction() -> None:
    m = Migration.from_sql("-- header\nSET lock_timeout = '5s';\n\nBEGIN;\n/* c */ ALTER TABLE users"
                           "\n  ADD COLUMN bio text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON users "
                           "(bio);", PRIOR, transactional=False)
    assert [s.kind for s in m] == ["VariableSetStmt", "TransactionStmt", "AlterTableStmt",
                                   "TransactionStmt", "IndexStmt"]
    assert [s.line for s in m] == [2, 4, 5, 7, 8]
    assert m.statements[2].text == "ALTER TABLE users\n  ADD COLUMN bio text"
    assert [s.explicit for s in m] == [False, True, True, True, False]
    assert [s.in_transaction for s in m] == [False, True, True, True, False]
    wrapped = Migration.from_sql("ALTER TABLE users ADD COLUMN bio text;\nUPDATE users SET bio = '';",
                                 PRIOR)
    assert wrapped.same_transaction(*wrapped.statements)


def test_tables_created_by_the_migration_are_new() -> None:
    m = Migration.from_sql("CREATE TABLE notes (id bigint);\nCREATE INDEX n ON notes (id);\n"
                           "CREATE INDEX u ON users (email);", PRIOR)
    found = [f for f in lint(PRIOR, select=["create-index-non-concurrently"], ignore=[],
                             migration=m).findings]
    assert [f.table for f in found] == ["users"]


def test_parse_error_names_the_line() -> None:
    with pytest.raises(MigrationParseError) as info:
        Migration.from_sql("SELECT 'é';\nALTER TABLE users\n  ADD COLUM bio text;", PRIOR)
    assert info.value.line == 3
    assert "line 3" in str(info.value) and "syntax error" in str(info.value)
    assert isinstance(info.value, PgArchError)


def test_mapping_form_and_from_file(tmp_path) -> None:
    m = Migration.from_sql({"sql": "SELECT 1;", "transactional": False,
                            "file_name": "V3__x.sql", "applied": ["V10__y.sql"]}, PRIOR)
    assert not m.transactional and m.file_name == "V3__x.sql" and m.is_non_linear()
    with pytest.raises(PgArchError):
        Migration.from_sql({"sql": "SELECT 1;", "oops": 1}, PRIOR)
    path = tmp_path / "V11__bio.sql"
    path.write_text("ALTER TABLE users ADD COLUMN bio text;", encoding="utf-8")
    m = Migration.from_file(path, PRIOR, applied=("V2__a.sql", "V10__b.sql"))
    assert m.file_name == "V11__bio.sql" and not m.is_non_linear()  # natural order: 11 > 10


def test_rule_fixes_that_are_sql_parse() -> None:
    """Fixes rendered from the statement's AST are valid SQL."""
    import pglast
    for f in _findings(FIXTURE_C + FIXTURE_D.replace("BEGIN;", "").replace("COMMIT;", "")):
        if f.rule in ("create-index-non-concurrently", "constraint-without-not-valid",
                      "drop-index-non-concurrently", "set-not-null-scan"):
            pglast.parse_sql(f.fix)


def test_fixture_b_indexes_on_a_table_created_in_the_same_file() -> None:
    """Catalog fixture B: indexes on a table the same script creates never lock live rows."""
    prior = loads_design(yaml.safe_dump({"name": "app", "tables": [
        {"name": "accounts", "primary_key": ["id"],
         "columns": [{"name": "id", "type": "bigint"}]}]}), check=False)
    sql = ("CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
           "  account_id bigint NOT NULL REFERENCES accounts (id), kind text NOT NULL);\n"
           "CREATE INDEX events_account_idx ON events (account_id);\n"
           "CREATE INDEX events_account_kind_idx ON events (account_id, kind);\n")
    report = lint(prior, select=MIGRATION_SLUGS, ignore=[],
                  migration=Migration.from_sql(sql, prior))
    fired = {f.rule for f in report.findings}
    assert not fired & {"create-index-non-concurrently", "missing-lock-and-statement-timeout",
                        "backfill-in-ddl-migration", "constraint-without-not-valid"}


def test_commit_in_a_wrapped_file_ends_the_runners_transaction() -> None:
    """PostgreSQL semantics: BEGIN inside the runner's transaction joins it; COMMIT ends it and
    what follows runs in autocommit."""
    m = Migration.from_sql("ALTER TABLE users ADD COLUMN bio text;\nBEGIN;\nUPDATE users SET bio = '';"
                           "\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON users (bio);", PRIOR)
    assert [s.txn for s in m] == [0, 0, 0, 0, None]
    got = _by_rule(_findings(m.sql))
    assert "concurrently-in-transaction" not in got
    assert "backfill-in-ddl-migration" in got
    assert [f.message[:7] for f in got["transaction-control-error"]] == ["line 2:"]


def test_set_not_null_after_a_validated_check_is_not_flagged() -> None:
    """The rule's own fix must pass the rule; a check that was never validated does not."""
    safe = ("SET lock_timeout = '5s';\nSET statement_timeout = '15min';\n"
            "ALTER TABLE users ADD CONSTRAINT users_age_nn CHECK (age IS NOT NULL) NOT VALID;\n"
            "ALTER TABLE users VALIDATE CONSTRAINT users_age_nn;\n"
            "ALTER TABLE users ALTER COLUMN age SET NOT NULL;\n")
    rules = ["set-not-null-scan"]
    assert not lint(PRIOR, select=rules,
                    migration=Migration.from_sql(safe, PRIOR, transactional=False)).findings
    unvalidated = safe.replace("ALTER TABLE users VALIDATE CONSTRAINT users_age_nn;\n", "")
    other_column = safe.replace("ALTER COLUMN age SET", "ALTER COLUMN name SET")
    for text in (unvalidated, other_column):
        found = lint(PRIOR, select=rules,
                     migration=Migration.from_sql(text, PRIOR, transactional=False)).findings
        assert [f.rule for f in found] == ["set-not-null-scan"]
