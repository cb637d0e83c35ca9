"""Shared pieces of the hostile suite: what the server holds, before and after an attack."""
from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import make_conninfo


def server_state(dsn: str) -> dict[str, object]:
    """Roles, databases, server-level settings and extensions of the maintenance database:
    an attack that changed any of them acted outside the sandbox."""
    with psycopg.connect(make_conninfo(dsn, dbname="postgres"), autocommit=True) as conn:
        def col(query: str) -> list:
            return [r[0] for r in conn.execute(query).fetchall()]
        return {
            "roles": sorted(col("SELECT rolname FROM pg_roles")),
            "superusers": sorted(col("SELECT rolname FROM pg_roles WHERE rolsuper")),
            "databases": sorted(col("SELECT datname FROM pg_database")),
            "db_settings": sorted(col("SELECT array_to_string(setconfig, ',') FROM"
                                      " pg_db_role_setting")),
            "auto_conf": sorted(col("SELECT name || '=' || setting FROM pg_file_settings"
                                    " WHERE sourcefile LIKE '%postgresql.auto.conf'")),
            "extensions": sorted(col("SELECT extname FROM pg_extension")),
        }


@pytest.fixture
def unchanged_server(pg_dsn: str):
    """Yields a checker: call it at the end of a test to assert the server is as it was."""
    before = server_state(pg_dsn)

    def check() -> None:
        after = server_state(pg_dsn)
        assert after == before, {k: (before[k], after[k]) for k in before
                                 if before[k] != after[k]}
    return check
