"""apply_sql on a real server: whole scripts, one transaction, errors mapped to script lines."""
from __future__ import annotations

import subprocess

import psycopg
import pytest

from pgarch_kit.db import apply_sql, connect, dsn_dbname, scratch_database, split_statements
from pgarch_kit.db.server import embedded_bin_dir
from pgarch_kit.errors import SqlApplyError, UnsafeOperationError


def _tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


SCRIPT = """\
-- a design script
SET client_min_messages = warning;
SELECT pg_catalog.set_config('search_path', 'public', false);
CREATE TABLE customer (id bigint PRIMARY KEY, name text NOT NULL);
CREATE FUNCTION greet(n text) RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  RETURN 'hello; ' || n || E'\\'s';  -- semicolons and quotes inside the body
END $body$;
CREATE TABLE "order" (id bigint PRIMARY KEY, customer_id bigint REFERENCES customer);
"""


def test_applies_whole_script(fresh_db_any: str) -> None:
    assert apply_sql(dsn_dbname(fresh_db_any), SCRIPT, dsn=fresh_db_any) == 5
    assert _tables(fresh_db_any) == {"customer", "order"}
    with psycopg.connect(fresh_db_any) as conn:
        assert conn.execute("SELECT greet('x')").fetchone() == ("hello; x's",)


def test_syntax_error_reports_script_line(fresh_db_any: str) -> None:
    script = ("-- header ünïcode\nCREATE TABLE a (id int);\n\n/* multi\n line */\n"
              "CREATE TABLE b (id int);\nCREATE TABEL c (id int);\nCREATE TABLE d (id int);\n")
    with pytest.raises(SqlApplyError) as err:
        apply_sql(dsn_dbname(fresh_db_any), script, source="schema.sql", dsn=fresh_db_any)
    assert err.value.line == 7
    assert "CREATE TABEL c" in err.value.statement
    assert "schema.sql at line 7" in str(err.value) and "TABEL" in str(err.value)
    assert _tables(fresh_db_any) == set()  # all or nothing


def test_error_without_position_is_located(fresh_db: str) -> None:
    script = ("CREATE TABLE t (id int PRIMARY KEY);\n"
              "INSERT INTO t VALUES (1);\n"
              "INSERT INTO t VALUES (2);\n"
              "INSERT INTO t VALUES\n  (1);\n"
              "INSERT INTO t VALUES (3);\n")
    with pytest.raises(SqlApplyError) as err:
        apply_sql(dsn_dbname(fresh_db), script, dsn=fresh_db)
    assert err.value.line == 4
    assert "duplicate key" in err.value.server_message
    assert _tables(fresh_db) == set()


@pytest.mark.parametrize("meta", ["\\c otherdb", "  \\set x 1", "\\i other.sql"])
def test_meta_commands_refused_before_anything_runs(fresh_db: str, meta: str) -> None:
    script = f"CREATE TABLE a (id int);\n{meta}\nCREATE TABLE b (id int);\n"
    with pytest.raises(SqlApplyError) as err:
        apply_sql(dsn_dbname(fresh_db), script, dsn=fresh_db)
    assert err.value.line == 2
    assert "remove them" in str(err.value) and "Nothing was applied" in str(err.value)
    assert _tables(fresh_db) == set()


def test_backslash_lines_inside_quotes_are_not_meta_commands(fresh_db: str) -> None:
    script = "CREATE TABLE a (v text);\nINSERT INTO a VALUES ($$\n\\not a command\n$$);\n"
    assert apply_sql(dsn_dbname(fresh_db), script, dsn=fresh_db) == 2


def test_copy_from_stdin_refused(fresh_db: str) -> None:
    script = "CREATE TABLE a (v int);\nCOPY a (v) FROM stdin;\n1\n\\.\n"
    with pytest.raises(SqlApplyError, match="--inserts") as err:
        apply_sql(dsn_dbname(fresh_db), script, dsn=fresh_db)
    assert err.value.line == 2


def test_non_transactional_statement_explained(fresh_db: str) -> None:
    script = "CREATE TABLE a (v int);\nCREATE INDEX CONCURRENTLY ON a (v);\n"
    with pytest.raises(SqlApplyError, match="one transaction") as err:
        apply_sql(dsn_dbname(fresh_db), script, dsn=fresh_db)
    assert err.value.line == 2


def test_unmarked_database_needs_opt_in(pg_dsn: str) -> None:
    with connect(dsn=pg_dsn) as admin:
        admin.execute("DROP DATABASE IF EXISTS pgarch_test_plain_apply")
        admin.execute("CREATE DATABASE pgarch_test_plain_apply")
    try:
        with pytest.raises(UnsafeOperationError, match="allow_destructive='pgarch_test_plain"):
            apply_sql("pgarch_test_plain_apply", "CREATE TABLE a (v int);", dsn=pg_dsn)
        assert apply_sql("pgarch_test_plain_apply", "CREATE TABLE a (v int);", dsn=pg_dsn,
                         allow_destructive="pgarch_test_plain_apply") == 1
    finally:
        with connect(dsn=pg_dsn) as admin:
            admin.execute("DROP DATABASE pgarch_test_plain_apply WITH (FORCE)")


def test_apply_on_open_connection(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_sql(conn, "CREATE TABLE a (v int);\nINSERT INTO a VALUES (1);")
        assert conn.execute("SELECT count(*) FROM a").fetchone() == (1,)


def test_pg_dump_output_round_trips(fresh_db: str) -> None:
    apply_sql(dsn_dbname(fresh_db), SCRIPT, dsn=fresh_db)
    with psycopg.connect(fresh_db) as conn:
        if conn.info.server_version // 10000 > 18:
            pytest.skip("the wheel's pg_dump is older than this server")
    dump = subprocess.run([str(embedded_bin_dir() / "pg_dump"), "--schema-only", "--no-owner",
                           "-d", fresh_db], check=True, capture_output=True, text=True).stdout
    assert "set_config('search_path', '', false)" in dump
    with scratch_database("dumpcopy", dsn=fresh_db) as scratch:
        apply_sql(scratch.dbname, dump, source="dump.sql", dsn=fresh_db)
        assert _tables(scratch.dsn) == {"customer", "order"}


def test_split_statements_respects_quotes() -> None:
    assert len(split_statements(SCRIPT)) == 5
    assert split_statements("select ';' ; select $x$;$x$ -- ;\n") == [
        "select ';' ;", "select $x$;$x$"]


def test_statements_split_like_psql_around_begin_atomic() -> None:
    """A SQL-standard body's semicolons stay inside its statement (migrations run statement
    by statement: evaka's koski_placement was cut in two); a column named begin does not open
    a block."""
    from pgarch_kit.db.apply import split_statements
    text = ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
            "SELECT CASE WHEN true THEN 2 END; END;\n"
            "SELECT CASE WHEN true THEN 'a;' END; BEGIN; COMMIT;\n"
            "CREATE TABLE t (begin date); SELECT 1;\n"
            "create or replace procedure p() language sql begin atomic "
            "insert into t values (now()); end;")
    parts = split_statements(text)
    assert [p.split()[0] for p in parts] == ["CREATE", "SELECT", "BEGIN;", "COMMIT;", "CREATE",
                                             "SELECT", "create"]
    assert parts[0].endswith("END; END;") and parts[6].endswith("end;")
    assert parts[4] == "CREATE TABLE t (begin date);"
