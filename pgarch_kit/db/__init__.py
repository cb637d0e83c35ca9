"""The database layer: the embedded server, connections, sandboxes and applying SQL.

The only layer (with ``bench/``) that talks to PostgreSQL. Notebook-facing names are gathered
here; the modules behind them stay importable for tests but are not the public surface.
"""
from __future__ import annotations

from pgarch_kit.db.apply import apply_sql, split_statements
from pgarch_kit.db.connect import connect, dsn_dbname, engine, server_dsn, sqlalchemy_url
from pgarch_kit.db.sandbox import (
    OWNER_ROLE,
    Sandbox,
    create_sandbox,
    database_exists,
    drop_sandbox,
    guard_destructive,
    is_sandbox,
    sandbox_name,
    scratch_database,
    truncate_all,
)
from pgarch_kit.db.server import (
    Server,
    ServerStatus,
    available_versions,
    default_home,
    find_pg15_bin,
)

# Grouped by job like psycopg's facade, not alphabetically.
__all__ = [
    # the server
    "Server", "ServerStatus", "available_versions", "find_pg15_bin", "default_home",
    # connections
    "server_dsn", "connect", "engine", "sqlalchemy_url", "dsn_dbname",
    # sandboxes and the guard
    "OWNER_ROLE", "Sandbox", "sandbox_name", "create_sandbox", "is_sandbox",
    "database_exists", "guard_destructive", "drop_sandbox", "truncate_all", "scratch_database",
    # applying SQL
    "apply_sql", "split_statements",
]
