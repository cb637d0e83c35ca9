"""Sandbox databases and the destructive-operation guard, on the shared server."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest

from pgarch_kit.db import (
    OWNER_ROLE,
    create_sandbox,
    drop_sandbox,
    guard_destructive,
    is_sandbox,
    sandbox_name,
    scratch_database,
    server_dsn,
    truncate_all,
)
from pgarch_kit.db.sandbox import database_exists
from pgarch_kit.errors import UnsafeOperationError


def _admin(dsn: str) -> psycopg.Connection:
    return psycopg.connect(server_dsn(dsn, "postgres"), autocommit=True)


@pytest.fixture
def plain_db(pg_dsn: str) -> Iterator[str]:
    """A database made directly with CREATE DATABASE: not a sandbox."""
    name = f"plain_{secrets.token_hex(4)}"
    with _admin(pg_dsn) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield name
    with _admin(pg_dsn) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_sandbox_names() -> None:
    assert sandbox_name("My Shop!") == "pgarch_my_shop"
    assert sandbox_name("pgarch_my_shop") == "pgarch_my_shop"
    long_a, long_b = sandbox_name("x" * 100 + "a"), sandbox_name("x" * 100 + "b")
    assert len(long_a.encode()) <= 63 and long_a != long_b
    with pytest.raises(ValueError):
        sandbox_name("!!!")


def test_create_marks_without_schema_objects(pg_dsn: str) -> None:
    name = create_sandbox(f"t_{secrets.token_hex(4)}", dsn=pg_dsn)
    try:
        assert is_sandbox(name, dsn=pg_dsn)
        assert create_sandbox(name, dsn=pg_dsn) == name  # reused, not an error
        with psycopg.connect(server_dsn(pg_dsn, name)) as conn:
            # the mark is the owner, given by CREATE DATABASE itself
            assert conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE"
                                " datname = current_database()").fetchone() == (OWNER_ROLE,)
            # the marker adds no schema and no relation that introspection would have to skip
            schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}
            assert schemas == {"pg_catalog", "information_schema", "public", "pg_toast"}
            assert conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace ="
                                " 'public'::regnamespace").fetchone() == (0,)
    finally:
        assert drop_sandbox(name, dsn=pg_dsn)
    assert not database_exists(name, dsn=pg_dsn)
    assert not drop_sandbox(name, dsn=pg_dsn)


def test_guard_refuses_unmarked_database(plain_db: str, pg_dsn: str) -> None:
    assert not is_sandbox(plain_db, dsn=pg_dsn)
    with pytest.raises(UnsafeOperationError) as err:
        guard_destructive(plain_db, "apply schema.sql", dsn=pg_dsn)
    message = str(err.value)
    assert plain_db in message and "not a pgarch_kit sandbox" in message
    assert f"allow_destructive={plain_db!r}" in message
    assert f"--allow-destructive {plain_db}" in message

    guard_destructive(plain_db, "apply schema.sql", allow_destructive=plain_db, dsn=pg_dsn)
    with pytest.raises(UnsafeOperationError, match="does not match"):
        guard_destructive(plain_db, "apply", allow_destructive=plain_db + "x", dsn=pg_dsn)
    with pytest.raises(UnsafeOperationError, match="does not match"):
        guard_destructive(plain_db, "apply", allow_destructive="yes", dsn=pg_dsn)


def test_truncate_all_goes_through_the_guard(plain_db: str, pg_dsn: str) -> None:
    with psycopg.connect(server_dsn(pg_dsn, plain_db), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, v text);"
                     "INSERT INTO t (v) VALUES ('keep')")
        with pytest.raises(UnsafeOperationError):
            truncate_all(plain_db, dsn=pg_dsn)
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
        assert truncate_all(plain_db, allow_destructive=plain_db, dsn=pg_dsn) == ["public.t"]
        conn.execute("INSERT INTO t (v) VALUES ('new')")
        assert conn.execute("SELECT id FROM t").fetchone() == (1,)  # identity restarted


def test_drop_and_recreate_refuse_unmarked(plain_db: str, pg_dsn: str) -> None:
    # an unmarked database that happens to have a sandbox's name is still not a sandbox
    lookalike = sandbox_name(plain_db)
    with _admin(pg_dsn) as conn:
        conn.execute(f"CREATE DATABASE {lookalike}")
    try:
        with pytest.raises(UnsafeOperationError, match="not a pgarch_kit sandbox"):
            drop_sandbox(plain_db, dsn=pg_dsn)
        with pytest.raises(UnsafeOperationError, match="already exists"):
            create_sandbox(plain_db, dsn=pg_dsn, recreate=True)
        assert database_exists(lookalike, dsn=pg_dsn)
    finally:
        with _admin(pg_dsn) as conn:
            conn.execute(f"DROP DATABASE {lookalike}")


def test_copies_are_not_sandboxes_and_settings_do_not_mark(fresh_db: str, pg_dsn: str) -> None:
    source = psycopg.conninfo.conninfo_to_dict(fresh_db)["dbname"]
    copy = f"copy_{secrets.token_hex(4)}"
    with _admin(pg_dsn) as conn:
        conn.execute(f"CREATE DATABASE {copy} TEMPLATE {source}")
        try:
            assert not is_sandbox(copy, dsn=pg_dsn)  # a copy belongs to whoever made it
            # the old marker, a setting any owner can write, no longer makes a sandbox
            conn.execute(f"ALTER DATABASE {copy} SET pgarch.sandbox = '{copy}'")
            assert not is_sandbox(copy, dsn=pg_dsn)
        finally:
            conn.execute(f"DROP DATABASE {copy}")
    assert is_sandbox(source, dsn=pg_dsn)


def test_recreate_starts_empty(pg_dsn: str) -> None:
    name = create_sandbox(f"t_{secrets.token_hex(4)}", dsn=pg_dsn)
    try:
        with psycopg.connect(server_dsn(pg_dsn, name)) as conn:
            conn.execute("CREATE TABLE t (x int)")
            conn.commit()
            # recreate works even while this session is still connected (WITH (FORCE))
            assert create_sandbox(name, dsn=pg_dsn, recreate=True) == name
        with psycopg.connect(server_dsn(pg_dsn, name)) as conn:
            assert conn.execute("SELECT to_regclass('t')").fetchone() == (None,)
        assert is_sandbox(name, dsn=pg_dsn)
    finally:
        drop_sandbox(name, dsn=pg_dsn)


def test_scratch_database_is_dropped_even_on_error(pg_dsn: str) -> None:
    with pytest.raises(RuntimeError), scratch_database(dsn=pg_dsn) as scratch:
        assert is_sandbox(scratch.dbname, dsn=pg_dsn)
        with psycopg.connect(scratch.dsn) as conn:
            conn.execute("SELECT 1")
        raise RuntimeError("boom")
    assert not database_exists(scratch.dbname, dsn=pg_dsn)


def test_fresh_db_any(fresh_db_any: str) -> None:
    with psycopg.connect(fresh_db_any) as conn:
        conn.execute("CREATE TABLE t (x int)")
        assert is_sandbox(conn.info.dbname, dsn=fresh_db_any)
